# ONNX for ONNX Runtime, fully dynamic: any frame size H x W (padded to multiples of 16) and any
# number of objects, first + latest memory. tools/deploy.py probes every dynamic axis after export
# (other H, W and K) and fails, naming the graph, if the tracer fixed one of them.
_base_ = ['./_base_/onnx_config.py', './_base_/vos_codebase.py', './_base_/backends/onnxruntime.py']
ir_config = dict(input_shape=None, dynamic_axes=('height', 'width', 'objects'))
codebase_config = dict(max_objects=None)  # no limit: the graphs take K from their inputs
