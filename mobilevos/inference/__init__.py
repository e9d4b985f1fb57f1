"""Video inference over a model and a memory bank."""
from .memory_spec import MEMORY_SHORTHANDS, build_memory, parse_memory
from .object_ids import ObjectIdMap
from .video_inferencer import FrameResult, VideoInferencer, VideoSummary, build_network
from .video_io import (Annotation, InferenceInputError, list_frames, load_frame, read_annotation,
                       write_palette_png)
from .weights import CheckpointMismatchError, extract_state_dict, load_model_weights

__all__ = [
    'MEMORY_SHORTHANDS', 'build_memory', 'parse_memory', 'ObjectIdMap', 'FrameResult', 'VideoInferencer',
    'VideoSummary', 'build_network', 'Annotation', 'InferenceInputError', 'list_frames', 'load_frame',
    'read_annotation', 'write_palette_png', 'CheckpointMismatchError', 'extract_state_dict',
    'load_model_weights'
]
