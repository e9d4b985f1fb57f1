"""How the command-line tools report errors: one policy for every ``tools/*.py``.

A *user error* is a mistake in what the user gave a tool: a file that is
missing, unreadable or of the wrong kind, a bad value, missing data, a
checkpoint that does not fit the model or that safe loading refuses, a
missing teacher. A tool prints it as ``error: <message>`` on stderr and exits
with status 1, without a traceback; the message names the file and says what
to do. ``--debug`` (accepted by every tool) shows the traceback instead.
Anything else is a bug, and its traceback is shown as usual.

Library code marks its user errors by raising :class:`UserError` (or a
subclass, e.g. ``InferenceInputError``, ``CheckpointMismatchError``,
``UnsafeCheckpointError``, ``DeployError``, ``TeacherNotFoundError``).
Besides those, :data:`USER_ERRORS` counts the built-in exceptions that our code
raises for bad input and whose text names the file or value: ``OSError``
(missing, existing, unreadable or wrong-kind files; Python's own carry the file
name) and ``ValueError`` (bad values and file contents). A bug that raises one
of these is reported in one line too; ``--debug`` then shows where it came from.

Usage in a tool::

    from mobilevos.utils.cli import add_debug_argument, tool_main

    def parse_args(argv=None):
        parser = argparse.ArgumentParser(...)
        ...
        add_debug_argument(parser)
        return parser.parse_args(argv)

    @tool_main
    def main(argv=None) -> int:
        ...

    if __name__ == '__main__':
        sys.exit(main())
"""
import contextlib
import functools
import os
import sys
from argparse import ArgumentParser, Namespace
from collections.abc import Mapping
from typing import Any, Callable, Iterator, List, Optional, Sequence

DEBUG_FLAG = '--debug'


class UserError(Exception):
    """A mistake in a tool's input; the message names the file (or option) and says what to do."""


class MissingDataError(UserError, FileNotFoundError):
    """A data folder or file that a config points at does not exist.

    Args:
        message: what is missing, naming it.
        path: the missing path exactly as the config gives it (tools look it
            up in the config to name the key to set).
    """

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


#: Exceptions a tool reports as ``error: ...`` (exit 1, no traceback) unless ``--debug`` is given.
USER_ERRORS = (UserError, OSError, ValueError)


def keys_holding(config: Any, value: Any, prefix: str = '') -> List[str]:
    """Dotted keys of ``config`` (nested dicts and lists, e.g. a config dict) whose value is ``value``.

    List items are named by index, as ``--cfg-options`` does:
    ``train_dataloader.dataset.datasets.0.data_root``.
    """
    if isinstance(config, Mapping):
        items = config.items()
    elif isinstance(config, (list, tuple)):
        items = enumerate(config)
    else:
        return []
    found = []
    for key, item in items:
        name = f'{prefix}{key}'
        if isinstance(item, (Mapping, list, tuple)):
            found += keys_holding(item, value, f'{name}.')
        elif isinstance(item, str) and item == value:
            found.append(name)
    return found


@contextlib.contextmanager
def config_keys_in_errors(config: Any) -> Iterator[None]:
    """Add to a :class:`MissingDataError` raised inside the block the config keys that name the missing path.

    Tools that run a config wrap the run in this, so that "data_root
    data/DAVIS does not exist" also says which key to set with ``--cfg-options``.
    """
    try:
        yield
    except MissingDataError as err:
        keys = keys_holding(config.to_dict() if hasattr(config, 'to_dict') else config, err.path)
        # the runner reads `model` and the *_dataloader keys; other top-level variables (data_root = ...,
        # base variables such as imagenet_init_r18) were copied into them and do nothing when set
        read = [key for key in keys if key.startswith('model.') or key.split('.')[0].endswith('_dataloader')]
        keys = read or keys
        if not keys:
            raise
        if all(key.startswith('model.') for key in keys):  # weights (e.g. ImageNet init): one line
            raise MissingDataError(f'{err}: --cfg-options ' + ' '.join(f'{key}=PATH' for key in keys),
                                   err.path) from err
        where = '\n'.join(f'  --cfg-options {key}=PATH' for key in keys)
        raise MissingDataError(
            f'{err}.\nPut the data there (see docs/datasets.md), or point the config at it:\n{where}',
            err.path) from err


def add_debug_argument(parser: ArgumentParser) -> None:
    """Add ``--debug`` to a tool's parser (read by :func:`tool_main`)."""
    parser.add_argument(DEBUG_FLAG,
                        action='store_true',
                        help='show the full traceback of an error instead of one line')


def add_runner_arguments(parser: ArgumentParser, launcher_help: Optional[str] = None) -> None:
    """Add the options shared by the runner tools (``tools/train.py``, ``tools/test.py``).

    ``--launcher``, ``--local_rank`` (``--local-rank``), ``--debug`` and
    ``--verbose``; parse with :func:`parse_runner_args`.
    """
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help=launcher_help)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_debug_argument(parser)
    parser.add_argument('--verbose', action='store_true',
                        help='also print the environment, config, hook and weight-initialisation reports '
                        '(always in the log file)')


def parse_runner_args(parser: ArgumentParser, argv: Optional[Sequence[str]] = None) -> Namespace:
    """Parse a runner tool's ``argv``; set ``LOCAL_RANK`` from ``--local_rank`` unless already set."""
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def error_message(err: BaseException) -> str:
    """The text of a user error, naming the file.

    An ``OSError`` raised by Python itself (e.g. by ``open``) carries the file
    in ``filename``: ``'<file>: No such file or directory'``.
    """
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        return f'{err.filename}: {err.strerror}'
    return str(err)


def tool_main(main: Callable[[Optional[List[str]]], Optional[int]]) -> Callable[[Optional[List[str]]], int]:
    """Wrap a tool's ``main(argv)`` with the error policy of this module.

    The wrapped function returns ``main``'s status (``None`` counts as 0), or
    1 after printing ``error: <message>`` to stderr for a :data:`USER_ERRORS`
    exception. With ``--debug`` in ``argv`` the exception propagates (and
    Python prints its traceback). Other exceptions always propagate.
    ``SystemExit`` (e.g. from argparse) passes through untouched.
    """

    @functools.wraps(main)
    def wrapper(argv: Optional[Sequence[str]] = None) -> int:
        args = list(sys.argv[1:] if argv is None else argv)
        try:
            status = main(args)
        except USER_ERRORS as err:
            if DEBUG_FLAG in args:
                raise
            print(f'error: {error_message(err)}', file=sys.stderr)
            return 1
        return 0 if status is None else status

    return wrapper
