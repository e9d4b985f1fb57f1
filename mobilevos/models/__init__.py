"""Networks, memory banks, losses, pixel samplers and distillers.

Importing this package registers every model component.
"""
from . import backbones, data_preprocessor, distillers, losses, memory, samplers, vos  # noqa: F401
