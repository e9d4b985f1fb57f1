"""How this package runs one exported graph file: an ONNX Runtime session or the LiteRT interpreter.

:func:`graph_runner` serves the video loop's runtime (:class:`~mobilevos.deploy.runtime.ExportedNetwork`)
and the export's verification; sessions come from :func:`~mobilevos.deploy.ort_session.ort_session`.
"""
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from .ort_session import ort_session

GraphRunner = Callable[[Dict[str, np.ndarray]], List[np.ndarray]]


def graph_runner(backend: str,
                 path: str,
                 output_names: Sequence[str],
                 num_threads: Optional[int] = None,
                 spinning: Optional[bool] = None,
                 providers: Sequence[str] = ('CPUExecutionProvider', )) -> GraphRunner:
    """``run(feeds) -> [outputs in output_names order]`` for one graph file of an export.

    Args:
        backend: ``'onnxruntime'`` (a ``.onnx`` file) or ``'litert'`` (a ``.tflite`` file; needs the
            LiteRT environment, ``bash tools/install_litert.sh``).
        path / num_threads: the file, and the threads of its runtime (``None``: the runtime's default).
        spinning / providers: ONNX Runtime only, see :func:`ort_session`.
    """
    names = list(output_names)
    if backend == 'litert':
        from .litert_export import LiteRTGraph
        return LiteRTGraph(path, names, num_threads=num_threads).run
    session = ort_session(path, num_threads, spinning, providers)
    return lambda feeds: session.run(names, feeds)
