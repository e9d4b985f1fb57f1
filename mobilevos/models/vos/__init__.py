"""The space-time-memory network and its registered parts."""
from .aggregation import PADDED_LOGIT, SoftAggregation
from .aspp import ASPPNeck
from .blocks import CBAM, ResBlock, UpsampleBlock
from .decoder import STMDecoder
from .key_projection import KeyProjection
from .memory_reader import MemoryReader
from .propagation import apply_annotation, labels_to_masks, logits_to_labels, segment_frame
from .stm_network import STMNetwork
from .value_fuser import ValueFuser

__all__ = [
    'PADDED_LOGIT', 'SoftAggregation', 'ASPPNeck', 'CBAM', 'ResBlock', 'UpsampleBlock', 'STMDecoder',
    'KeyProjection', 'MemoryReader', 'apply_annotation', 'labels_to_masks', 'logits_to_labels',
    'segment_frame', 'STMNetwork', 'ValueFuser'
]
