backend_config = dict(type='onnxruntime', precision='fp32')
