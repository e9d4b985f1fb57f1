# ONNX Runtime int8 (static quantisation, synthetic calibration videos) + the fp32 graphs, static 480x854.
_base_ = ['./_base_/onnx_config.py', './_base_/vos_codebase.py', './_base_/backends/onnxruntime-int8.py']
ir_config = dict(input_shape=[480, 854])
