"""A test-only plugin: a hook that SIGKILLs its own training process at a chosen iteration.

``tests/configs/resume_vos.py`` imports it. The environment variable
``MOBILEVOS_TEST_KILL_AT`` names the iteration (1-based) after which the process
dies, after that iteration's checkpoint (if any) is on disk; unset, the hook does nothing.
"""
import os
import signal

from mmengine.hooks import Hook

from mobilevos.registry import HOOKS

ENV = 'MOBILEVOS_TEST_KILL_AT'


@HOOKS.register_module()
class KillAtIterationHook(Hook):
    priority = 'LOWEST'  # after the CheckpointHook has written the iteration's checkpoint

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if os.environ.get(ENV) == str(runner.iter + 1):
            os.kill(os.getpid(), signal.SIGKILL)
