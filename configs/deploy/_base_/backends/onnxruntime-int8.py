# int8: onnxruntime.quantization.quantize_static, calibrated on synthetic videos run through the fp32 graphs.
# The fp32 graphs are kept next to the int8 ones (export_meta.json lists both variants).
# Quantisation settings: mobilevos.deploy.config.DEFAULT_QUANTIZATION (conv-heavy graphs key_encoder,
# value_encoder and decode; Conv ops, per-channel QDQ, QUInt8 activations, QInt8 weights, MinMax
# calibration on 2 synthetic videos of 6 frames, seed 0). Override any key in quantization=dict(...).
backend_config = dict(type='onnxruntime', precision='int8', quantization=dict())
