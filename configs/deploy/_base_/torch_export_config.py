# IR settings for Core ML: torch.export.export(...).run_decompositions({}), then coremltools.convert.
# Each per-frame graph is one package, <graph>.mlpackage. "{slot}" in a name is the memory slot 0..T-1.
ir_config = dict(
    type='torch.export',
    input_shape=None,  # frame [H, W] (static only: Core ML graphs are exported with fixed shapes)
    dynamic_axes=(),  # must stay empty for coreml
    graph_names=dict(
        key_encoder=dict(inputs=['frame'], outputs=['key', 'query', 'f16', 'f8', 'f4']),
        value_encoder=dict(inputs=['frame', 'f16', 'masks', 'others'], outputs=['values']),
        read_memory=dict(
            inputs=['key', 'memory_key_{slot}', 'memory_values_{slot}', 'memory_valid'], outputs=['readout']),
        decode=dict(inputs=['readout', 'query', 'f8', 'f4'], outputs=['object_logits', 'prob']),
        aggregate=dict(inputs=['prob', 'object_valid'], outputs=['logits', 'masks', 'others'])))
