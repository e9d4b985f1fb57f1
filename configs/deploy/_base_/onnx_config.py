# IR settings for ONNX (mmdeploy's onnx_config, our graphs): torch.onnx.export(..., dynamo=False).
# Each per-frame graph is one file, <graph>.onnx. "{slot}" in a name is the memory slot 0..T-1.
ir_config = dict(
    type='onnx',
    opset_version=17,
    input_shape=None,  # frame [H, W] of static graphs (padded to multiples of 16 inside); None: dynamic
    dynamic_axes=(),  # subset of ('height', 'width', 'objects'); shared by every graph's inputs/outputs
    example_shape=[64, 96],  # frame size used to trace dynamic graphs
    graph_names=dict(
        key_encoder=dict(inputs=['frame'], outputs=['key', 'query', 'f16', 'f8', 'f4']),
        value_encoder=dict(inputs=['frame', 'f16', 'masks', 'others'], outputs=['values']),
        read_memory=dict(
            inputs=['key', 'memory_key_{slot}', 'memory_values_{slot}', 'memory_valid'], outputs=['readout']),
        decode=dict(inputs=['readout', 'query', 'f8', 'f4'], outputs=['object_logits', 'prob']),
        aggregate=dict(inputs=['prob', 'object_valid'], outputs=['logits', 'masks', 'others'])))
