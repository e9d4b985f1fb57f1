"""Silence a converter's logs, warnings and progress output while it runs."""
import contextlib
import io
import logging
import os
import warnings
from typing import Dict, Iterator, Sequence


@contextlib.contextmanager
def quiet(loggers: Sequence[str], environ: Dict[str, str]) -> Iterator[None]:
    """Raise ``loggers`` to ERROR, ignore warnings, swallow stdout/stderr, set ``environ`` defaults.

    Args:
        loggers: names of the ``logging`` loggers to quieten (restored on exit).
        environ: environment variables set if unset (e.g. a progress-bar switch), left set.
    """
    handles = [logging.getLogger(n) for n in loggers]
    levels = [lg.level for lg in handles]
    for lg in handles:
        lg.setLevel(logging.ERROR)
    sink = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
            warnings.simplefilter('ignore')
            for key, value in environ.items():
                os.environ.setdefault(key, value)
            yield
    finally:
        for lg, level in zip(handles, levels):
            lg.setLevel(level)
