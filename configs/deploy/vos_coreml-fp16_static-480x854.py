# Core ML (iOS) ML program, fp16 compute precision, static 480x854 frames (padded to 480x864), up to 3 objects.
_base_ = ['./_base_/torch_export_config.py', './_base_/vos_codebase.py', './_base_/backends/coreml-fp16.py']
ir_config = dict(input_shape=[480, 854])
