# IR settings for ONNX (mmdeploy's onnx_config, our graphs): torch.onnx.export(..., dynamo=False).
# Each per-frame graph is one file, <graph>.onnx. Input/output names are
# mobilevos.deploy.DEFAULT_GRAPH_NAMES ("{slot}" = memory slot 0..T-1); rename any of them with
# ir_config.graph_names, e.g. graph_names=dict(key_encoder=dict(inputs=['image'])).
ir_config = dict(
    type='onnx',
    opset_version=17,
    input_shape=None,  # frame [H, W] of static graphs (padded to multiples of 16 inside); None: dynamic
    dynamic_axes=(),  # subset of ('height', 'width', 'objects'); shared by every graph's inputs/outputs
    example_shape=[64, 96],  # frame size used to trace dynamic graphs
)
