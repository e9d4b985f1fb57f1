"""STCN's own code as ``benchmark.py``'s reference rows (``--stcn-dir``), and the ``× STCN`` column.

STCN's ``InferenceCore`` runs in STCN's own environment (``--stcn-python``) through
``benchmark_stcn.py``, once per video length, on the same frames and first-frame ids.
"""
import json
import os.path as osp
import subprocess
import tempfile
from typing import List, Sequence, Tuple

import numpy as np

from mobilevos.utils.cli import UserError
from tools.analysis.benchmark_measure import video_pool
from tools.analysis.benchmark_rows import summarise

STCN_DRIVER = osp.join(osp.dirname(osp.abspath(__file__)), 'benchmark_stcn.py')


def stcn_include_last(memories: Sequence[dict]) -> bool:
    """Whether STCN's memory keeps the latest frame: as the first growing memory (a teacher's) among
    the networks' ``test_memory`` does (``InfiniteMemory`` keeps it unless ``include_last=False``);
    STCN's evaluation default (no) when there is none."""
    for memory in memories:
        if memory.get('type') == 'InfiniteMemory':
            return bool(memory.get('include_last', True))
    return False


def run_stcn(args, size: Tuple[int, int], frames: int, video: str, include_last: bool) -> dict:
    """STCN's own ``InferenceCore`` in its own interpreter (``benchmark_stcn.py``); its JSON result."""
    out = osp.join(osp.dirname(video), f'stcn_{frames}.json')
    command = [
        args.stcn_python, STCN_DRIVER, '--stcn-dir', args.stcn_dir, '--video', video, '--frames',
        str(frames), '--warmup',
        str(args.warmup), '--threads',
        str(args.threads), '--out', out
    ] + (['--max-seconds', str(args.max_seconds)] if args.max_seconds else [])
    command += [] if include_last else ['--no-last']
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise UserError(
            f'STCN\'s timing failed (is {args.stcn_python} an environment with torch and torchvision, '
            f'{args.stcn_dir} STCN\'s code?): {" ".join(command)}\n{done.stderr[-3000:]}')
    with open(out) as f:
        return json.load(f)


def add_stcn_rows(args, size: Tuple[int, int], frames: List[int], test_memories: Sequence[dict],
                  records: List[dict], common: dict) -> None:
    """Append STCN's row for every video length to ``records`` and set ``stcn_ratio`` on the others.

    Args:
        args: the parsed options (``stcn_dir``, ``stcn_python``, ``objects``, ``seed``, ``warmup``,
            ``threads``, ``max_seconds``).
        size / frames: the frame size and the video lengths of the main rows.
        test_memories: every network's ``test_memory`` (STCN keeps the latest frame as a teacher's does).
        records: the rows so far (changed in place).
        common: the fields every record shares (``threads``, ``machine``, ``matmul_gflops``).
    """
    with tempfile.TemporaryDirectory(prefix='benchmark_stcn_') as tmp:
        video = osp.join(tmp, 'video.npz')
        pool, ids = video_pool(size, args.objects, args.seed)
        np.savez(video, frames=pool, ids=ids)
        include_last = stcn_include_last(test_memories)
        for n in frames:
            result = run_stcn(args, size, n, video, include_last)
            memory = 'every 5th frame' + (' + the latest' if include_last else '')
            record = dict(config=f'STCN (its own code; memory {memory}, top-k 20)',
                          backend='torch (STCN)',
                          frames=n,
                          size=list(size),
                          objects=args.objects,
                          params=result['params'],
                          gflops=None,
                          weights='random',
                          **common,
                          sweep=False,
                          sweep_only=False,
                          capped=result['capped'],
                          latency_ms=result['latency_ms'],
                          peak_rss_mb=result['peak_rss_mb'],
                          rss_warm_mb=result['rss_warm_mb'],
                          matmul_share=None)
            record.update(summarise(record['latency_ms']))
            for r in records:
                if r['frames'] == n and r['objects'] == args.objects and r.get('ms_per_frame'):
                    r['stcn_ratio'] = record['ms_per_frame'] / r['ms_per_frame']
            records.append(record)
            print(f'STCN {n} frames: {record["ms_per_frame"]:.1f} ms/frame')
