"""Time STCN's own inference code (``InferenceCore``) on a benchmark video: the ratio rows of benchmark.py.

STCN's code imports torchvision, which this project's environment lacks, so this
script runs in STCN's environment (torch, torchvision, numpy, pillow; no
mobilevos). ``tools/analysis/benchmark.py --stcn-dir STCN --stcn-python ENV/bin/python``
starts it with the video it times our networks on (a pool of frames and the
first-frame ids, ``video.npz``)::

    ENV/bin/python tools/analysis/benchmark_stcn.py --stcn-dir STCN --video video.npz --frames 50 \\
        --threads 2 --out stcn.json

STCN's evaluation network gets random weights and runs on the CPU as in
``tools/model_converters/check_stcn_equivalence.py`` (``import_stcn``,
``random_stcn``), with STCN's DAVIS evaluation memory: top-k 20, every 5th
frame, plus the latest frame (``include_last``) unless ``--no-last`` (benchmark.py
chooses as our teacher's ``test_memory`` does).
A warm-up video of ``--warmup`` frames comes first. Frames are made one at a
time from the pool (STCN's ``InferenceCore`` otherwise holds the whole video,
2.5 GB at 500 frames of 480x854); its probability array is STCN's own. The
latency of frame t is the time from the start of frame t (its ``encode_key``) to
the start of frame t + 1 (``eval_davis.py``'s output step after the whole video, a
resize and argmax of a few ms per frame, is not included). Writes ``{params, latency_ms, capped, rss_warm_mb,
peak_rss_mb}`` to ``--out``.
"""
import argparse
import json
import os.path as osp
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'model_converters'))

from check_stcn_equivalence import MEAN, STD, import_stcn, random_stcn  # noqa: E402

TOP_K, MEM_EVERY = 20, 5


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB.

    Linux's ``VmHWM`` where there is one: ``getrusage``'s ``ru_maxrss`` is carried over
    ``fork`` + ``exec``, so a child started by a large process (benchmark.py) would report the
    parent's RSS as its own peak.
    """
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != 'darwin' else peak / 2**20


class LazyVideo:
    """STCN's ``images`` ``(1, T, 3, Hp, Wp)``: frame ``t`` is pool frame ``t % P``, padded as STCN pads."""

    def __init__(self, pool: torch.Tensor, length: int, pad_divide_by) -> None:
        self.pool, self.pad = pad_divide_by(pool, 16)  # (P, 3, Hp, Wp)
        self.shape = (1, length) + tuple(self.pool.shape[1:])

    def __getitem__(self, key) -> torch.Tensor:
        return self.pool[key[1] % len(self.pool)][None]  # (1, 3, Hp, Wp)


class Capped(Exception):
    """The timed pass ran past ``--max-seconds``."""


def time_video(network,
               core_class,
               inference_core,
               pool,
               ids,
               length: int,
               include_last: bool,
               max_seconds=None) -> tuple:
    """Run STCN's ``InferenceCore`` over ``length`` frames; per-frame ms and whether it was capped."""
    pad = inference_core.pad_divide_by
    video = LazyVideo(pool, length, pad)
    inference_core.pad_divide_by = lambda x, d, *a: (x, video.pad) if x is video else pad(x, d, *a)
    try:
        core = core_class(network,
                          video,
                          int(ids.max()),
                          top_k=TOP_K,
                          mem_every=MEM_EVERY,
                          include_last=include_last)
    finally:
        inference_core.pad_divide_by = pad
    starts = []
    encode_key = core.encode_key

    def timed_encode_key(idx):
        starts.append(time.perf_counter())
        if max_seconds is not None and starts[-1] - starts[0] > max_seconds and len(starts) <= length:
            raise Capped
        return encode_key(idx)

    core.encode_key = timed_encode_key
    masks = torch.stack([torch.from_numpy(ids == k) for k in range(1, int(ids.max()) + 1)])[:, None].float()
    capped = False
    try:
        core.interact(masks, 0, length)
        starts.append(time.perf_counter())
    except Capped:
        capped = True
    return [1000 * (b - a) for a, b in zip(starts, starts[1:])], capped


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--stcn-dir', required=True, help='a checkout of https://github.com/hkchengrex/STCN')
    parser.add_argument('--video', required=True, help='video.npz: frames (P, H, W, 3) uint8, ids (H, W)')
    parser.add_argument('--frames', type=int, required=True, help='video length')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--max-seconds', type=float, default=None)
    parser.add_argument('--no-last', action='store_true', help='no temporary latest frame in memory')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', required=True, help='write the JSON result here')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.set_grad_enabled(False)
    STCN, core_class = import_stcn(osp.abspath(args.stcn_dir))
    import inference_core
    data = np.load(args.video)
    ids = data['ids']
    mean, std = torch.tensor(MEAN).view(3, 1, 1), torch.tensor(STD).view(3, 1, 1)
    pool = (torch.from_numpy(data['frames']).permute(0, 3, 1, 2).float() - mean) / std  # (P, 3, H, W)
    network = STCN()
    padded_ids = inference_core.pad_divide_by(torch.from_numpy(ids), 16)[0].numpy()
    random_stcn(network, inference_core.pad_divide_by(pool, 16)[0], [padded_ids] * len(pool))
    time_video(network, core_class, inference_core, pool, ids, args.warmup, not args.no_last)
    rss_start = peak_rss_mb()
    latency, capped = time_video(network, core_class, inference_core, pool, ids, args.frames,
                                 not args.no_last, args.max_seconds)
    with open(args.out, 'w') as f:
        json.dump(
            dict(params=sum(p.numel() for p in network.parameters()),
                 latency_ms=latency,
                 capped=capped,
                 include_last=not args.no_last,
                 rss_warm_mb=rss_start,
                 peak_rss_mb=peak_rss_mb()), f)


if __name__ == '__main__':
    main()
