"""Distributed training on CPU: torchrun + gloo, disjoint data, identical weights, synced BN."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from mobilevos.engine.distributed import AllReduceBatchNorm2d, convert_to_allreduce_bn

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_torchrun_two_gloo_processes(tmp_path):
    work_dir = tmp_path / 'dist'
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc-per-node', '2', '--master-addr', '127.0.0.1',
           '--master-port', str(_free_port()), 'tools/train.py', 'tests/configs/toy_dist_train.py',
           '--launcher', 'pytorch', '--work-dir', str(work_dir)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=400,
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'Iter(train) [4/4]' in result.stdout + result.stderr
    seen = [json.loads((work_dir / f'rank{r}.json').read_text()) for r in (0, 1)]
    assert len(seen[0]) == len(seen[1]) == 8  # 4 iterations x batch 2
    assert not set(seen[0]) & set(seen[1]), f'ranks shared samples: {seen}'
    weights = [torch.load(work_dir / f'rank{r}.pth', weights_only=True) for r in (0, 1)]
    assert weights[0].keys() == weights[1].keys()
    for key in weights[0]:
        assert torch.equal(weights[0][key], weights[1][key]), f'{key} differs between ranks'
    # batch-norm statistics were gathered over both ranks, so they moved and agree
    assert not torch.equal(weights[0]['bn.running_mean'], torch.zeros_like(weights[0]['bn.running_mean']))


def _bn_worker(rank, port, x, grad_out, out_path):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=2)
    torch.manual_seed(0)
    bn = convert_to_allreduce_bn(nn.Sequential(nn.BatchNorm2d(3)))
    part = x[rank * 2:(rank + 1) * 2].clone().requires_grad_(True)
    y = bn(part)
    y.backward(grad_out[rank * 2:(rank + 1) * 2])
    torch.save(dict(y=y.detach(), grad=part.grad, mean=bn[0].running_mean, var=bn[0].running_var,
                    wgrad=bn[0].weight.grad), out_path.format(rank))
    dist.destroy_process_group()


def test_allreduce_batchnorm_equals_full_batch_batchnorm(tmp_path):
    torch.manual_seed(0)
    x = torch.randn(4, 3, 5, 5) * 3 + 1
    grad_out = torch.randn(4, 3, 5, 5)
    out_path = str(tmp_path / 'r{}.pt')
    mp.spawn(_bn_worker, args=(_free_port(), x, grad_out, out_path), nprocs=2, join=True)
    parts = [torch.load(out_path.format(r), weights_only=True) for r in (0, 1)]

    reference = nn.BatchNorm2d(3)
    full = x.clone().requires_grad_(True)
    y = reference(full)
    y.backward(grad_out)
    torch.testing.assert_close(torch.cat([p['y'] for p in parts]), y.detach(), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(torch.cat([p['grad'] for p in parts]), full.grad, atol=1e-5, rtol=1e-5)
    for p in parts:
        torch.testing.assert_close(p['mean'], reference.running_mean, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(p['var'], reference.running_var, atol=1e-6, rtol=1e-5)
    # each rank's weight gradient is its share; DDP sums them
    torch.testing.assert_close(parts[0]['wgrad'] + parts[1]['wgrad'], reference.weight.grad, atol=1e-5, rtol=1e-5)


def test_allreduce_batchnorm_is_plain_bn_without_process_group():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 5, 5)
    plain = nn.BatchNorm2d(3)
    ours = AllReduceBatchNorm2d(3)
    torch.testing.assert_close(ours(x), plain(x))


def _collapse_worker(rank, port, out_path):
    from types import SimpleNamespace

    from mmengine.logging import MessageHub

    from mobilevos.engine.hooks import DecoderCollapseError, DecoderCollapseHook
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=2)
    model = nn.Module()
    model.decoder = nn.Module()
    model.decoder.conv = nn.Conv2d(1, 1, 1)
    model.decoder.feature_out = nn.Identity()
    runner = SimpleNamespace(model=model, iter=0, work_dir='/tmp/w',
                             message_hub=MessageHub.get_instance(f'c{rank}'))
    hook = DecoderCollapseHook(patience=2)
    hook.before_train(runner)
    stopped = None
    for iteration in range(4):
        runner.iter = iteration
        # rank 0's map is dead from the start; rank 1's is alive at iteration 0 only
        alive = rank == 1 and iteration == 0
        model.decoder.feature_out(torch.full((1, 1, 2, 2), 1.0 if alive else -1.0, requires_grad=True))
        try:
            hook.after_train_iter(runner, iteration)
        except DecoderCollapseError:
            stopped = iteration
            break
    torch.save(dict(stopped=stopped), out_path.format(rank))
    dist.destroy_process_group()


def test_decoder_collapse_hook_stops_every_rank_at_the_same_iteration(tmp_path):
    out_path = str(tmp_path / 'r{}.pt')
    mp.spawn(_collapse_worker, args=(_free_port(), out_path), nprocs=2, join=True)
    stopped = [torch.load(out_path.format(r), weights_only=True)['stopped'] for r in (0, 1)]
    # alone, rank 0 would stop at iteration 1 and rank 1 at 2, and rank 1 would then wait for rank 0 forever
    assert stopped == [2, 2]
