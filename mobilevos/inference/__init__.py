"""Video inference over a model and a memory bank."""
from .fast_torch import fold_batch_norms, optimize_for_inference
from .memory_spec import MEMORY_SHORTHANDS, memory_bank_from_spec, parse_memory
from .object_ids import ObjectIdMap
from .video_inferencer import FrameResult, VideoInferencer, VideoSummary
from .video_io import Annotation, InferenceInputError, list_frames, load_frame, read_annotation

__all__ = [
    'fold_batch_norms', 'optimize_for_inference', 'MEMORY_SHORTHANDS', 'memory_bank_from_spec', 'parse_memory',
    'ObjectIdMap', 'FrameResult', 'VideoInferencer', 'VideoSummary', 'Annotation', 'InferenceInputError',
    'list_frames', 'load_frame', 'read_annotation'
]
