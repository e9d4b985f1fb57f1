"""J&F evaluation (the official DAVIS definitions), metrics and prediction writers."""
from .davis_measures import (DEFAULT_BOUND_TH, boundary_f_measure, boundary_radius, db_statistics,
                             disk_kernel, region_similarity, seg2bmap)
from .davis_metric import DAVISMetric, YouTubeVOSSubmissionMetric
from .folder_evaluator import evaluate_folders, list_sequences, resolve_gt_root
from .sequence_evaluator import (GLOBAL_KEYS, SequenceResult, evaluate_sequence, format_tables,
                                 summarize_results)
from .writers import YouTubeVOSSubmissionWriter, write_video_masks

__all__ = [
    'DEFAULT_BOUND_TH', 'boundary_f_measure', 'boundary_radius', 'db_statistics', 'disk_kernel',
    'region_similarity', 'seg2bmap', 'DAVISMetric', 'YouTubeVOSSubmissionMetric', 'GLOBAL_KEYS',
    'SequenceResult', 'evaluate_sequence', 'format_tables', 'summarize_results', 'YouTubeVOSSubmissionWriter',
    'write_video_masks', 'evaluate_folders', 'list_sequences', 'resolve_gt_root'
]
