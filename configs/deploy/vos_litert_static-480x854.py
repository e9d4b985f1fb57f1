# LiteRT (TFLite, Android), fp32, static 480x854 frames (padded to 480x864), up to 3 objects.
# Needs litert-torch: run tools/deploy.py with the Python of tools/install_litert.sh's environment.
_base_ = ['./_base_/torch_export_config.py', './_base_/vos_codebase.py', './_base_/backends/litert.py']
ir_config = dict(input_shape=[480, 854])
