# int8: onnxruntime.quantization.quantize_static, calibrated on synthetic videos run through the fp32 graphs.
# The fp32 graphs are kept next to the int8 ones (export_meta.json lists both variants).
backend_config = dict(
    type='onnxruntime',
    precision='int8',
    quantization=dict(
        graphs=('key_encoder', 'value_encoder', 'decode'),  # the memory read-out and aggregation stay fp32
        op_types=('Conv', ),
        per_channel=True,
        format='QDQ',
        activation_type='QUInt8',
        weight_type='QInt8',
        calibrate_method='MinMax',
        num_videos=2,
        num_frames=6,
        seed=0))
