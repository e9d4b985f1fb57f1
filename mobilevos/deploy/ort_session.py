"""The one place an ONNX Runtime session is opened (the runtime, the export's checks, its verification)."""
from typing import Optional, Sequence


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
