"""Check that STCN's own inference and ours give the same probabilities on converted weights (manual check).

STCN's code is not part of this project and imports torchvision, which this project's environment
lacks, so the check runs in two steps and two Python environments::

    # 1. with STCN's code (git clone https://github.com/hkchengrex/STCN) and an env holding
    #    torch, torchvision, numpy and pillow (no mobilevos needed):
    python tools/model_converters/check_stcn_equivalence.py stcn --stcn-dir STCN --work-dir /tmp/stcn_check
    # 2. in this project's env:
    python tools/model_converters/check_stcn_equivalence.py ours --work-dir /tmp/stcn_check

Step 1 builds STCN's evaluation network with random weights (STCN's random init, BN statistics
measured on the video, random biases, the key projection scaled so that affinities stay finite in
STCN's un-shifted top-k softmax), writes a synthetic video with two moving objects, runs STCN's
``InferenceCore`` (top-k 20, every 5th frame plus the latest; CUDA calls go to the CPU) and saves the
per-frame probabilities. Step 2 converts the weights with ``stcn2mobilevos.py``, runs our
``VideoInferencer`` with the teacher config's ``test_memory`` and prints the differences.
``--dtype float64`` runs both sides in double precision (step 1 then reuses step 1's float32 weights).
``--no-last`` runs STCN's evaluation default instead (``include_last=False``: every 5th frame only) on
both sides (ours: ``InfiniteMemory(include_last=False)``).

``--time`` times each side instead of checking it (``--threads`` threads, step 1's weights reused once
written): STCN's ``InferenceCore`` plus ``eval_davis.py``'s unpad / upsample / argmax, against our
``VideoInferencer.propagate`` over the same frames held in RAM; each run appends ``{side, torch,
threads, frames, size, include_last, ms_per_frame, cpu_ms_per_frame}`` (wall clock and process CPU
time) to ``WORK_DIR/timings.jsonl``. Any frame size works (probabilities are compared only for multiples
of 16). On a busy machine run the two steps alternately (ABAB), and compare CPU times too.
``--profile`` prints torch.profiler's table of operators by self CPU time.
docs/model_zoo.md gives the figures of a run.
"""
import argparse
import contextlib
import json
import os
import os.path as osp
import subprocess
import sys
import time
import types

import numpy as np
import torch
from PIL import Image

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'stcn_r50_davis-ytvos.py')
#: STCN's input normalisation, applied as our data preprocessor does, ``(x - 255 mean) / (255 std)``, so
#: that both networks get bitwise the same input (STCN's ``(x / 255 - mean) / std`` differs by rounding only).
MEAN, STD = (123.675, 116.28, 103.53), (58.395, 57.12, 57.375)
#: Two ellipses: centre (y, x), velocity per frame, radii, all as fractions of the frame size.
OBJECTS = ((0.4, 0.3, 0.004, 0.012, 0.18, 0.12), (0.6, 0.7, -0.006, -0.01, 0.15, 0.16))


def profiled(enabled: bool):
    """A torch.profiler context (CPU operators) when ``enabled``, else a no-op."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])


def report_time(args, side: str, seconds: float, cpu_seconds: float, frames: int, profile=None) -> None:
    """Print wall and CPU ms/frame (and the profile); append them to ``WORK_DIR/timings.jsonl``."""
    record = dict(side=side,
                  torch=torch.__version__,
                  threads=torch.get_num_threads(),
                  frames=frames,
                  size=[args.height, args.width],
                  include_last=not args.no_last,
                  ms_per_frame=round(1000 * seconds / frames, 1),
                  cpu_ms_per_frame=round(1000 * cpu_seconds / frames, 1))
    print(json.dumps(record))
    with open(osp.join(args.work_dir, 'timings.jsonl'), 'a') as f:
        f.write(json.dumps(record) + '\n')
    if profile is not None:
        print(profile.key_averages().table(sort_by='self_cpu_time_total', row_limit=args.profile))


def make_video(folder: str, length: int, height: int, width: int) -> tuple:
    """Write ``frames/*.png`` and ``00000.png`` (frame 0's palette mask); return frames and label maps."""
    rng = np.random.default_rng(0)
    os.makedirs(osp.join(folder, 'frames'), exist_ok=True)
    yy, xx = np.mgrid[0:height, 0:width]
    background = (rng.random((height // 8 + 1, width // 8 + 1, 3)) * 255).repeat(8, 0).repeat(8, 1)
    background = background[:height, :width]
    textures = [rng.random((height, width, 3)) * 255 for _ in OBJECTS]
    colours = np.array([[200, 40, 40], [40, 200, 40]])
    frames, labels = [], []
    for t in range(length):
        image, label = background.copy(), np.zeros((height, width), np.uint8)
        for k, (cy, cx, vy, vx, ry, rx) in enumerate(OBJECTS):
            inside = (((yy - (cy + vy * t) * height) / (ry * height))**2 + ((xx - (cx + vx * t) * width) /
                                                                            (rx * width))**2) < 1
            image[inside] = 0.5 * textures[k][inside] + 0.5 * colours[k]
            label[inside] = k + 1
        frames.append(image.astype(np.uint8))
        labels.append(label)
        Image.fromarray(frames[-1]).save(osp.join(folder, 'frames', f'{t:05d}.png'))
    mask = Image.fromarray(labels[0], mode='P')
    mask.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * (256 * 3 - 9))
    mask.save(osp.join(folder, '00000.png'))
    return frames, labels


def import_stcn(stcn_dir: str):
    """STCN's modules, on the CPU and without downloading ImageNet weights."""
    import torchvision
    sys.path.insert(0, stcn_dir)
    resnet50 = torchvision.models.resnet50
    torchvision.models.resnet50 = lambda pretrained=False, **kwargs: resnet50(weights=None)
    from model import mod_resnet
    resnet18 = mod_resnet.resnet18
    mod_resnet.resnet18 = lambda pretrained=True, extra_chan=0: resnet18(pretrained=False,
                                                                         extra_chan=extra_chan)
    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    torch.nn.Module.cuda = lambda self, *args, **kwargs: self
    import inference_core
    from model.eval_network import STCN

    class TorchOnCPU(types.ModuleType):
        """``torch`` for inference_core.py: its ``torch.zeros(..., device='cuda')`` lands on the CPU."""

        def __getattr__(self, name):
            return getattr(torch, name)

        @staticmethod
        def zeros(*args, device=None, **kwargs):
            return torch.zeros(*args, **kwargs)

    inference_core.torch = TorchOnCPU('torch')
    return STCN, inference_core.InferenceCore


def random_stcn(network, frames: torch.Tensor, labels) -> None:
    """Random weights that keep activations in range (see the module docstring)."""
    with torch.no_grad():
        for module in network.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.reset_running_stats()
                module.momentum = None  # cumulative average over the calls below
        network.train()
        for t in range(0, len(frames), 4):
            f16 = network.encode_key(frames[t:t + 1])[2]
            masks = torch.from_numpy(np.stack([labels[t] == k + 1 for k in range(len(OBJECTS))])).float()
            network.encode_value(frames[t:t + 1], f16, masks[:, None])
        network.eval()
        for name, param in network.named_parameters():
            if name.endswith('bias'):
                param.normal_(0, 0.1)
        key = network.encode_key(frames[:1])[0]
        network.key_proj.key_proj.weight.mul_((40 / key.pow(2).sum(1).mean()).sqrt())
        network.key_proj.key_proj.bias.zero_()


def run_stcn(args) -> None:
    torch.manual_seed(0)
    torch.set_grad_enabled(False)
    STCN, InferenceCore = import_stcn(osp.abspath(args.stcn_dir))
    frames, labels = make_video(osp.join(args.work_dir, 'video'), args.length, args.height, args.width)
    mean, std = torch.tensor(MEAN).view(3, 1, 1), torch.tensor(STD).view(3, 1, 1)
    rgb = torch.stack([(torch.from_numpy(f).permute(2, 0, 1).float() - mean) / std for f in frames])
    weights = osp.join(args.work_dir, 'stcn_random.pth')
    network = STCN()
    if args.dtype == 'float64' or (args.time and osp.exists(weights)):
        network.load_state_dict(torch.load(weights, weights_only=True))
        network.eval()  # STCN() starts in train mode (random_stcn ends in eval mode)
        if args.dtype == 'float64':
            network.double()
            rgb = rgb.double()
    else:
        random_stcn(network, rgb, labels)
        torch.save(network.state_dict(), weights)
    masks = torch.stack([torch.from_numpy(labels[0] == k + 1)
                         for k in range(len(OBJECTS))])[:, None].to(rgb.dtype)
    start, cpu_start = time.perf_counter(), time.process_time()
    with profiled(args.profile) as profile:
        core = InferenceCore(network, rgb[None], len(OBJECTS), top_k=20, mem_every=5,
                             include_last=not args.no_last)
        core.interact(masks, 0, len(frames))
        if args.time:  # eval_davis.py's output step
            ids = [stcn_output(core, ti, frames[0].shape[:2]) for ti in range(core.t)]
    if args.time:
        report_time(args, 'stcn', time.perf_counter() - start, time.process_time() - cpu_start, len(ids),
                    profile)
    if not args.height % 16 and not args.width % 16:
        np.save(osp.join(args.work_dir, f'stcn_prob_{args.dtype}.npy'), core.prob[:, :, 0].float().numpy())
        print(f'wrote {weights} and STCN\'s probabilities of {len(frames)} frames')


def stcn_output(core, ti: int, size) -> np.ndarray:
    """Frame ``ti``'s ids as ``eval_davis.py`` makes them: unpad, bilinear resize to ``size``, argmax."""
    from util.tensor_util import unpad
    prob = torch.nn.functional.interpolate(unpad(core.prob[:, ti], core.pad), size, mode='bilinear',
                                           align_corners=False)
    return torch.argmax(prob, dim=0).to(torch.uint8).numpy()


def run_ours(args) -> None:
    sys.path.insert(0, ROOT)
    from mobilevos.apis.inference import init_model
    from mobilevos.inference import VideoInferencer
    from mobilevos.utils.io import read_mask

    work = args.work_dir
    weights = osp.join(work, 'stcn_random.pth')
    if not osp.isfile(weights):
        sys.exit(f'error: {weights} does not exist: run the stcn step first (in STCN\'s environment) '
                 'with the same --work-dir')
    converted = osp.join(work, 'stcn_random_converted.pth')
    converter = osp.join(ROOT, 'tools', 'model_converters', 'stcn2mobilevos.py')
    if subprocess.run([sys.executable, converter, weights, converted]).returncode != 0:
        sys.exit(1)  # the converter printed its error
    memory = None
    if args.no_last:
        memory = dict(type='InfiniteMemory', mem_every=5, top_k=20, include_last=False)
    inferencer = VideoInferencer(init_model(CONFIG, converted), memory=memory)
    if args.time:
        time_ours(args, inferencer)
        return
    if args.dtype == 'float64':
        inferencer.model.double()
        prepare = inferencer.prepare
        inferencer.prepare = lambda frame: (lambda x, size: (x.double(), size))(*prepare(frame))
    probs = []
    inferencer.model.aggregate.register_forward_hook(
        lambda module, inputs, logits: probs.append(torch.softmax(logits, 1)[0].float().numpy()))
    summary = inferencer(osp.join(work, 'video', 'frames'),
                         osp.join(work, 'video', '00000.png'),
                         osp.join(work, f'ours_masks_{args.dtype}'),
                         show_progress=False)
    ours = np.stack(probs, axis=1)  # (K+1, T, H, W)
    stcn = np.load(osp.join(work, f'stcn_prob_{args.dtype}.npy'))
    diff = np.abs(stcn - ours).max(axis=(0, 2, 3))  # per frame
    ours_ids = np.stack([read_mask(f) for f in summary.mask_files])
    differing = stcn.argmax(0) != ours_ids
    ranked = np.sort(stcn, axis=0)
    margin = (ranked[-1] - ranked[-2])[differing]
    print(f'memory: {inferencer.memory}; {stcn.shape[1]} frames, {stcn.shape[0] - 1} objects, '
          f'{stcn.shape[2]}x{stcn.shape[3]}, {args.dtype}')
    print(f'max |p_STCN - p_ours| {diff.max():.3g}; frames above 1e-4: {int((diff > 1e-4).sum())} '
          f'{np.flatnonzero(diff > 1e-4).tolist()}; per frame: {np.array2string(diff, precision=2)}')
    print(f'mask pixels that differ: {int(differing.sum())} of {differing.size}' +
          (f' (STCN\'s top-two probability margin there <= {margin.max():.2g})' if margin.size else ''))


def time_ours(args, inferencer) -> None:
    """Time ``VideoInferencer.propagate`` over the video's frames, read into RAM first."""
    from mobilevos.utils.io import read_frame, read_mask
    folder = osp.join(args.work_dir, 'video')
    names = sorted(os.listdir(osp.join(folder, 'frames')))
    frames = [read_frame(osp.join(folder, 'frames', name)) for name in names]
    annotation = read_mask(osp.join(folder, '00000.png'))
    start, cpu_start = time.perf_counter(), time.process_time()
    with profiled(args.profile) as profile:
        ids = [result.ids for result in inferencer.propagate(frames, {0: annotation}, len(frames))]
    report_time(args, 'ours', time.perf_counter() - start, time.process_time() - cpu_start, len(ids),
                profile)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='STCN vs mobilevos inference on converted random weights')
    parser.add_argument('step',
                        choices=('stcn', 'ours'),
                        help='stcn: run in STCN\'s env first; ours: then here')
    parser.add_argument('--stcn-dir', help='STCN\'s code (step stcn)')
    parser.add_argument('--work-dir', default='/tmp/stcn_check')
    parser.add_argument('--dtype', choices=('float32', 'float64'), default='float32')
    parser.add_argument('--length', type=int, default=24)
    parser.add_argument('--height',
                        type=int,
                        default=192,
                        help='a multiple of 16 (no padding on either side)')
    parser.add_argument('--width', type=int, default=320, help='a multiple of 16')
    parser.add_argument('--no-last',
                        action='store_true',
                        help='STCN\'s eval default: no temporary latest frame in memory (both sides)')
    parser.add_argument('--time', action='store_true', help='time this side (ms/frame) instead of checking')
    parser.add_argument('--threads', type=int, default=2, help='torch threads (both sides alike)')
    parser.add_argument('--profile',
                        type=int,
                        default=0,
                        metavar='ROWS',
                        help='with --time: print the ROWS operators with the most self CPU time')
    args = parser.parse_args(argv)
    if args.step == 'stcn' and not args.stcn_dir:
        parser.error('the stcn step needs --stcn-dir')
    if (args.height % 16 or args.width % 16) and not args.time:
        parser.error('--height and --width must be multiples of 16 (any size with --time)')
    if args.profile and not args.time:
        parser.error('--profile needs --time')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    torch.set_num_threads(args.threads)
    run_stcn(args) if args.step == 'stcn' else run_ours(args)


if __name__ == '__main__':
    main()
