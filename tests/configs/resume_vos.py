# The MobileNetV2 student (no ASPP) with the synthetic clips, augmentation and max-skip curriculum,
# plus a hook that can kill the run (tests/engine/kill_hook.py); tests/engine/test_resume.py sizes it down.
_base_ = ['../../configs/mobilevos_mbv2-noaspp_synthetic.py']
custom_imports = dict(imports=['tests.engine.kill_hook'], allow_failed_imports=False)
default_hooks = dict(kill=dict(type='KillAtIterationHook'))
