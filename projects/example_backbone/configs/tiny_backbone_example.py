# Builds the plugin backbone through mobilevos' registry.
custom_imports = dict(imports=['projects.example_backbone.example_backbone'], allow_failed_imports=False)
default_scope = 'mobilevos'
backbone = dict(type='TinyConvBackbone', in_channels=3, widths=(8, 16, 24, 32), out_indices=(1, 2, 3))
