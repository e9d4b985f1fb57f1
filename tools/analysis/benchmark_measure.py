"""What ``benchmark.py`` measures in one process: the input video, the machine, FLOPs, step and module times.

- :func:`video_pool` / :func:`frame_stream`: the synthetic video every row segments;
- :func:`matmul_gflops`: the machine's fp32 matmul peak; :func:`machine_name`;
- :func:`frame_gflops`: FLOPs of one propagation frame (``torch.utils.flop_counter``);
- :class:`StepTimer`: the time of each of the five network steps per frame;
- :func:`module_profile`: the inclusive time of each submodule in one frame (forward hooks).
"""
import os.path as osp
import platform
import time
from collections import defaultdict
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from mobilevos.apis import init_model
from mobilevos.deploy.verify import lecun_random_init_
from mobilevos.inference import VideoInferencer
from mobilevos.models.vos.steps import STEP_METHODS

POOL = 8  # distinct frames of the synthetic video
FLOP_FRAME = 2  # the frame whose FLOPs are counted (frames 0 and 1 fill the memory)
MATMUL_N = 2048


# ----------------------------------------------------------------------------------- the input video --
def video_pool(size: Tuple[int, int], objects: int, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """The frames a benchmark video cycles through, and its first-frame annotation.

    Returns:
        ``(POOL, H, W, 3)`` uint8 frames of random 8x8-pixel blocks, and ``(H, W)`` uint8 ids:
        ``objects`` vertical strips of equal width (ids ``1..objects``).

    Raises:
        ValueError: the frame is narrower than ``objects`` pixels.
    """
    height, width = size
    if width < objects:
        raise ValueError(f'--size {height}x{width} is too narrow for {objects} objects (one strip each)')
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (POOL, -(-height // 8), -(-width // 8), 3), dtype=np.uint8)
    frames = blocks.repeat(8, 1).repeat(8, 2)[:, :height, :width]
    ids = (1 + np.arange(width) * objects // width).astype(np.uint8)
    return np.ascontiguousarray(frames), np.broadcast_to(ids, (height, width)).copy()


def frame_stream(pool: np.ndarray, count: int) -> Iterator[np.ndarray]:
    """``count`` frames from ``pool``, cycling (never held in memory together)."""
    for index in range(count):
        yield pool[index % len(pool)]


# ------------------------------------------------------------------------------- network and machine --
def load_network(config: str, checkpoint: Optional[str], seed: int) -> torch.nn.Module:
    """The network of ``config``: the checkpoint's weights, or random ones (LeCun normal, ``seed``)."""
    network = init_model(config, checkpoint)
    if checkpoint is None:
        lecun_random_init_(network, seed=seed)
    return network


def machine_name() -> str:
    if osp.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    return platform.processor() or platform.machine()


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA runs asynchronously; the CPU does not)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def matmul_gflops(device: torch.device, n: int = MATMUL_N, repeats: int = 5) -> float:
    """The device's fp32 matmul throughput (on the CPU at torch's thread count): best of ``repeats``."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    torch.mm(a, b)
    best = float('inf')
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        torch.mm(a, b)
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


# ------------------------------------------------------------------------------------ one frame's cost --
def _propagation_frames(network: torch.nn.Module, size: Tuple[int, int], objects: int):
    """A video generator of ``network`` advanced to ``FLOP_FRAME`` (the memory is filled)."""
    pool, ids = video_pool(size, objects)
    frames = VideoInferencer(network).propagate(frame_stream(pool, FLOP_FRAME + 2), {0: ids},
                                                num_frames=FLOP_FRAME + 2)
    for _ in range(FLOP_FRAME):
        next(frames)
    return frames


def frame_gflops(network: torch.nn.Module, size: Tuple[int, int], objects: int) -> float:
    """GFLOP of one propagation frame (``FLOP_FRAME``: read-out, decoding and value encoding)."""
    frames = _propagation_frames(network, size, objects)
    with FlopCounterMode(display=False) as counter:
        next(frames)
    frames.close()
    return counter.get_total_flops() / 1e9


class StepTimer:
    """A segmenter (network or runtime) whose five step calls are timed; everything else is forwarded.

    ``frame`` holds the seconds of each step since :meth:`next_frame`.
    """

    def __init__(self, model, device: torch.device) -> None:
        self.model = model
        self.device = device
        self.frame: Dict[str, float] = defaultdict(float)

    def __getattr__(self, name: str):
        attr = getattr(self.__dict__['model'], name)
        if name not in STEP_METHODS:
            return attr

        def timed(*args, **kwargs):
            synchronize(self.device)
            start = time.perf_counter()
            out = attr(*args, **kwargs)
            synchronize(self.device)
            self.frame[name] += time.perf_counter() - start
            return out

        return timed

    def next_frame(self) -> Dict[str, float]:
        done, self.frame = dict(self.frame), defaultdict(float)
        return done


def module_profile(network: torch.nn.Module, size: Tuple[int, int], objects: int,
                   depth: int) -> List[Tuple[str, float]]:
    """ms of each submodule (``depth`` levels, inclusive time) in one propagation frame, forward hooks."""
    totals: Dict[str, float] = defaultdict(float)
    starts: Dict[str, List[float]] = defaultdict(list)
    handles = []
    for name, module in network.named_modules():
        if name and name.count('.') < depth:
            handles.append(
                module.register_forward_pre_hook(
                    lambda m, i, name=name: starts[name].append(time.perf_counter())))
            handles.append(
                module.register_forward_hook(lambda m, i, o, name=name: totals.__setitem__(
                    name, totals[name] + time.perf_counter() - starts[name].pop())))
    frames = _propagation_frames(network, size, objects)
    totals.clear()
    start = time.perf_counter()
    next(frames)
    frame_ms = 1000 * (time.perf_counter() - start)
    frames.close()
    for handle in handles:
        handle.remove()
    order = [name for name, _ in network.named_modules()]
    return [('(whole frame)', frame_ms)] + [(n, 1000 * totals[n]) for n in order if n in totals]
