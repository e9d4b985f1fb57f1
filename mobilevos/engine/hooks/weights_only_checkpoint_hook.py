"""Keep mmengine checkpoints loadable with ``torch.load(weights_only=True)``."""
from typing import Any, Dict

from mmengine.hooks import Hook
from mmengine.logging.history_buffer import HistoryBuffer

from mobilevos.registry import HOOKS

_MARK = '__history_buffer__'


def history_buffer_to_plain(buffer: HistoryBuffer) -> Dict[str, Any]:
    """A ``HistoryBuffer`` as a dict of lists and ints."""
    log_history, count_history = buffer.data
    return {
        _MARK: True,
        'log_history': log_history.tolist(),
        'count_history': count_history.tolist(),
        'max_length': int(buffer.max_length),
    }


def plain_to_history_buffer(plain: Dict[str, Any]) -> HistoryBuffer:
    """Inverse of :func:`history_buffer_to_plain`."""
    return HistoryBuffer(plain['log_history'], plain['count_history'], plain['max_length'])


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Store the message hub's history buffers as plain lists in checkpoints.

    mmengine pickles ``HistoryBuffer`` objects, and with them the builtin
    ``getattr`` (for their statistics methods). Safe loading must never allow
    ``getattr``, so this hook converts the buffers to plain data before a
    checkpoint is saved and back after one is loaded. ``tools/train.py`` adds
    it to every runner; configs need not name it.
    """

    priority = 'VERY_HIGH'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        scalars = checkpoint.get('message_hub', {}).get('log_scalars', {})
        for key, value in scalars.items():
            if isinstance(value, HistoryBuffer):
                scalars[key] = history_buffer_to_plain(value)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        scalars = checkpoint.get('message_hub', {}).get('log_scalars', {})
        for key, value in scalars.items():
            if isinstance(value, dict) and value.get(_MARK):
                scalars[key] = plain_to_history_buffer(value)
