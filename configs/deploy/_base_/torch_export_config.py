# IR settings for Core ML (torch.export.export(...).run_decompositions({}), then coremltools.convert; one
# <graph>.mlpackage per per-frame graph) and LiteRT (litert_torch.convert; one <graph>.tflite).
# Input/output names are mobilevos.deploy.DEFAULT_GRAPH_NAMES ("{slot}" = memory slot 0..T-1); rename any
# of them with ir_config.graph_names, e.g. graph_names=dict(key_encoder=dict(inputs=['image'])).
ir_config = dict(
    type='torch.export',
    input_shape=None,  # frame [H, W] (static only: Core ML and LiteRT graphs are exported with fixed shapes)
    dynamic_axes=(),  # must stay empty for coreml and litert
)
