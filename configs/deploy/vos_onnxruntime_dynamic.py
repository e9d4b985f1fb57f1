# ONNX Runtime, dynamic frame size (any H x W; padded to multiples of 16), up to 3 objects, first + latest memory.
# The objects axis stays static: the decoder reads a size with x.shape that the TorchScript tracer fixes
# (see docs/deploy.md); tools/deploy.py probes every dynamic axis and says so if one does not hold.
_base_ = ['./_base_/onnx_config.py', './_base_/vos_codebase.py', './_base_/backends/onnxruntime.py']
ir_config = dict(input_shape=None, dynamic_axes=('height', 'width'))
