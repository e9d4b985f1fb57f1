"""Memory bank choices written as short strings (for ``tools/infer.py --memory``)."""
import json
from typing import Union

from mobilevos.models.memory import BaseMemoryBank
from mobilevos.registry import MEMORY

MEMORY_SHORTHANDS = """\
  infinite[:N]        every N-th frame (default 5) plus the latest (STCN)
  first               the first annotated frame only
  latest[:N]          the latest N frames (default 1)
  first+latest[:N]    the first annotated frame plus the latest N (default 1; the paper's students)
  fifo:N              the latest N frames
  {"type": ...}       any MEMORY config as JSON,
                      e.g. {"type": "InfiniteMemory", "mem_every": 5, "top_k": 20}"""


def parse_memory(spec: Union[str, dict]) -> dict:
    """A memory bank config from a shorthand (see :data:`MEMORY_SHORTHANDS`) or a dict.

    Raises:
        ValueError: the text is not one of the forms above (the message lists them).
    """
    if isinstance(spec, dict):
        return dict(spec)
    text = spec.strip()
    if text.startswith('{'):
        try:
            cfg = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f'--memory {spec!r} is not valid JSON: {err}') from err
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise ValueError(f'--memory {spec!r}: a JSON memory config needs a "type"')
        return cfg
    name, _, arg = text.partition(':')
    try:
        number = int(arg) if arg else None
    except ValueError:
        number = -1
    if number is not None and number < 1:
        raise ValueError(f'--memory {spec!r}: the number after ":" must be a positive integer')
    name = name.lower()
    if name == 'infinite':
        return dict(type='InfiniteMemory', mem_every=number or 5)
    if name == 'first' and number is None:
        return dict(type='FirstLatestMemory', keep_first=True, num_latest=0)
    if name == 'latest':
        return dict(type='FirstLatestMemory', keep_first=False, num_latest=number or 1)
    if name in ('first+latest', 'first_latest'):
        return dict(type='FirstLatestMemory', keep_first=True, num_latest=number or 1)
    if name == 'fifo' and number is not None:
        return dict(type='FIFOMemory', size=number)
    raise ValueError(f'--memory {spec!r} is not understood; use one of:\n{MEMORY_SHORTHANDS}')


def memory_bank_from_spec(spec: Union[str, dict, BaseMemoryBank]) -> BaseMemoryBank:
    """A fresh bank from a shorthand, a config dict, or a bank (returned as is).

    (``STMNetwork.build_memory(mode)`` is another thing: a bank from the network's own
    ``train_memory`` / ``test_memory``.)
    """
    if isinstance(spec, BaseMemoryBank):
        return spec
    return MEMORY.build(parse_memory(spec))
