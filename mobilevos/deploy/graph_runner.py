"""How this package runs one exported graph file: an ONNX Runtime session or the LiteRT interpreter.

:func:`graph_runner` serves the video loop's runtime (:class:`~mobilevos.deploy.runtime.ExportedNetwork`)
and the export's verification; :func:`ort_session` is the one place an ONNX Runtime session is opened.
"""
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

GraphRunner = Callable[[Dict[str, np.ndarray]], List[np.ndarray]]


def ort_session(path: str,
                num_threads: Optional[int] = None,
                spinning: Optional[bool] = None,
                providers: Sequence[str] = ('CPUExecutionProvider', ),
                log_level: int = 3):
    """An ``onnxruntime.InferenceSession`` on ``path`` with full graph optimisation.

    Args:
        path: the ``.onnx`` file.
        num_threads: intra-op threads (``None``: ONNX Runtime's default, the physical cores).
        spinning: whether idle intra-op threads spin-wait (``None``: ONNX Runtime's default, on). The video
            loop turns it off: it runs torch ops between session calls, which spinning threads slow down.
        providers: execution providers, in order of preference.
        log_level: ONNX Runtime's log severity (3: errors only, 4: fatal only).
    """
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if num_threads is not None:
        options.intra_op_num_threads = num_threads
    if spinning is not None:
        options.add_session_config_entry('session.intra_op.allow_spinning', '1' if spinning else '0')
    options.log_severity_level = log_level
    return ort.InferenceSession(path, options, providers=list(providers))


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
