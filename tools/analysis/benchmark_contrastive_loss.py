"""Time and peak memory of ContrastiveKDLoss (forward + backward) against N.

Examples::

    python tools/analysis/benchmark_contrastive_loss.py
    python tools/analysis/benchmark_contrastive_loss.py --num-samples 256 1024 4096 --batch 4 --size 128

Each configuration runs in a fresh subprocess, so its peak resident memory
(``ru_maxrss``) is its own; the table shows the growth of the peak over the
memory held once the inputs exist. The baseline, from the same run, is a plain
autograd implementation that materialises the ``(B, N, N)`` matrices and keeps
them for backward. The last column is what one frame's ``N x N`` float32 matrix
takes, and the footer what one frame's matrix over all ``H*W`` pixels would
take (``sampler=None``), which the sampled loss never builds.
"""
import argparse
import json
import os.path as osp
import resource
import subprocess
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.utils.cli import add_debug_argument, tool_main  # noqa: E402


def _rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024.0


def naive_loss(student, teacher, labels, index, omega):
    """The baseline: full (B, N, N) matrices under autograd."""
    import torch
    import torch.nn.functional as F
    c = student.shape[1]
    zs = F.normalize(student.flatten(2).gather(2, index[:, None].expand(-1, c, -1)).transpose(1, 2), dim=2)
    ct = teacher.shape[1]
    zt = F.normalize(teacher.flatten(2).gather(2, index[:, None].expand(-1, ct, -1)).transpose(1, 2), dim=2)
    y = labels.flatten(1).gather(1, index)
    cs = zs @ zs.transpose(1, 2)
    cty = omega * (zt @ zt.transpose(1, 2)) + (1 - omega) * (y[:, :, None] == y[:, None, :]).float()
    per = (torch.log2(cs.square().sum((1, 2))) - torch.log2((cs * cty).square().sum((1, 2)))) / index.shape[1]
    return per.mean()


def worker(impl: str, n: int, batch: int, size: int, cs: int, ct: int, repeats: int, threads: int) -> dict:
    import torch
    from mobilevos.models.losses import ContrastiveKDLoss
    from mobilevos.models.samplers import RandomPixelSampler
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    student = torch.randn(batch, cs, size, size, generator=gen).requires_grad_(True)
    teacher = torch.randn(batch, ct, size, size, generator=gen)
    labels = torch.randint(0, 3, (batch, size, size), generator=gen)
    sampler = RandomPixelSampler(num_samples=n, seed=0)
    index = sampler(labels)
    loss_fn = ContrastiveKDLoss(omega=0.9, sampler=RandomPixelSampler(num_samples=n, seed=0))
    base = _rss_mb()
    times = []
    for i in range(repeats + 1):
        student.grad = None
        start = time.perf_counter()
        loss = loss_fn(student, teacher, labels) if impl == 'ours' else naive_loss(
            student, teacher, labels, index, 0.9)
        loss.backward()
        if i:  # the first run is a warm-up
            times.append(time.perf_counter() - start)
    times.sort()
    return dict(ms=1000 * times[len(times) // 2], peak_growth_mb=_rss_mb() - base, loss=float(loss))


@tool_main
def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-samples', type=int, nargs='+', default=[256, 1024, 4096])
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--size', type=int, default=128, help='feature map side (H = W)')
    parser.add_argument('--student-channels', type=int, default=64)
    parser.add_argument('--teacher-channels', type=int, default=256)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--worker', nargs=2, metavar=('IMPL', 'N'), help=argparse.SUPPRESS)
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    shape = (args.batch, args.size, args.student_channels, args.teacher_channels, args.repeats, args.threads)
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), *shape)))
        return

    print(f'ContrastiveKDLoss forward+backward, B={args.batch}, map {args.size}x{args.size}, '
          f'Cs={args.student_channels}, Ct={args.teacher_channels}, {args.threads} threads, CPU')
    header = f'{"N":>6} | {"impl":<26} | {"time ms":>9} | {"peak RSS growth MB":>18} | {"N^2 fp32 MB":>11}'
    print(header)
    print('-' * len(header))
    for n in args.num_samples:
        for impl, label in (('naive', 'baseline: dense autograd'), ('ours', 'ContrastiveKDLoss')):
            cmd = [
                sys.executable,
                osp.abspath(__file__), '--worker', impl,
                str(n), '--batch',
                str(args.batch), '--size',
                str(args.size), '--student-channels',
                str(args.student_channels), '--teacher-channels',
                str(args.teacher_channels), '--repeats',
                str(args.repeats), '--threads',
                str(args.threads)
            ]
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                print(f'{n:>6} | {label:<26} | failed: {out.stderr.strip().splitlines()[-1:]}')
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f'{n:>6} | {label:<26} | {r["ms"]:>9.1f} | {r["peak_growth_mb"]:>18.1f} | '
                  f'{n * n * 4 / 2**20:>11.1f}')
    hw = args.size * args.size
    print(f'(all {hw} pixels of one frame, sampler=None, would need a {hw}x{hw} matrix: '
          f'{hw * hw * 4 / 2**30:.1f} GiB per matrix)')


if __name__ == '__main__':
    sys.exit(main())
