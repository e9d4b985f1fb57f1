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
A user error raised in a DataLoader worker (a bad frame while training) is
reported the same way: PyTorch re-raises it with the worker's traceback in its
text, and :func:`error_message` keeps only the message. A config that cannot
be read, or whose ``type=`` no registry holds, is a :class:`ConfigError`
naming the file (:func:`mobilevos.utils.config.read_config`,
:func:`config_keys_in_errors`).

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
import re
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


class ConfigError(UserError, ValueError):
    """A config file that cannot be read, or that names a component no registry holds (the file is named)."""


#: Exceptions a tool reports as ``error: ...`` (exit 1, no traceback) unless ``--debug`` is given.
USER_ERRORS = (UserError, OSError, ValueError)

#: How mmengine's registries say that a config's ``type=`` names nothing registered (a ``KeyError``).
_NOT_REGISTERED = re.compile(r"([^\s'\"`]+) is not in the (\S+) registry")

#: How PyTorch re-raises a DataLoader worker's exception in the main process (its traceback in the text).
_WORKER_ERROR = re.compile(r'^Caught (\w+) in DataLoader worker process \d+')


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
    """Name the config's keys or file in the user errors raised inside the block.

    Tools that build and run a config wrap that in this block:

    - a :class:`MissingDataError` ("data_root data/DAVIS does not exist") also
      says which key to set with ``--cfg-options``;
    - a registry's ``KeyError`` (a ``type=`` that nothing registered) becomes a
      :class:`ConfigError` naming the config file and what to check.
    """
    try:
        yield
    except KeyError as err:
        missing = _NOT_REGISTERED.search(str(err))
        if missing is None:
            raise
        filename = getattr(config, 'filename', None) or 'the config'
        raise ConfigError(
            f'{filename}: type {missing.group(1)} is not in the {missing.group(2)} registry: check its '
            'spelling, or import the module that registers it (custom_imports in the config)') from err
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
    worker = _worker_user_error(err)
    if worker is not None:
        return worker
    return str(err)


def _user_error_names() -> set:
    """Names of :data:`USER_ERRORS` and of every subclass of them defined so far."""
    names, todo = set(), list(USER_ERRORS)
    while todo:
        cls = todo.pop()
        if cls.__name__ not in names:
            names.add(cls.__name__)
            todo.extend(cls.__subclasses__())
    return names


def _worker_user_error(err: BaseException) -> Optional[str]:
    """The message of a user error raised in a DataLoader worker, as PyTorch re-raises it; else ``None``.

    PyTorch re-raises it in the main process with the worker's traceback in its
    text, and as a ``RuntimeError`` when the class takes other arguments (e.g.
    :class:`MissingDataError`). The message is the traceback's last line, less
    the class name.
    """
    text = str(err)
    caught = _WORKER_ERROR.match(text)
    if caught is None or caught.group(1) not in _user_error_names():
        return None
    # the traceback ends with "<module.>Class: message", the message possibly on several lines
    lines = text.splitlines()
    for index in range(len(lines) - 1, 0, -1):
        head = re.match(rf'^(?:[\w.]+\.)?{caught.group(1)}: ', lines[index])
        if head is not None:
            return '\n'.join([lines[index][head.end():]] + lines[index + 1:]).strip()
    return lines[-1].strip()


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
        except Exception as err:  # noqa: B902 (user errors: USER_ERRORS, and their DataLoader re-raises)
            if DEBUG_FLAG in args or not (isinstance(err, USER_ERRORS) or _worker_user_error(err)):
                raise
            print(f'error: {error_message(err)}', file=sys.stderr)
            return 1
        return 0 if status is None else status

    return wrapper
