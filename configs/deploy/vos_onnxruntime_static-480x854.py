# ONNX Runtime (Android), static 480x854 frames (padded to 480x864), up to 3 objects, first + latest memory.
_base_ = ['./_base_/onnx_config.py', './_base_/vos_codebase.py', './_base_/backends/onnxruntime.py']
ir_config = dict(input_shape=[480, 854])
