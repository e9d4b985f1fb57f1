"""Web demo: segment a video in the browser from a first-frame mask (Gradio).

    python tools/demo/app.py                       # the quickstart's student (bash tools/quickstart.sh)
    python tools/demo/app.py --config CONFIG --ckpt CKPT [--memory first+latest] [--size 480]
    python tools/demo/app.py --config CONFIG --ckpt CKPT --backend onnxruntime --deploy-dir deploy/mbv2

Then open http://127.0.0.1:7860. Upload a video (or make a synthetic sample), give the first frame's
mask (a palette PNG, or brush strokes on the first frame: one colour per object), press Segment.
The page shows the overlay video, toggles per object and a zip of DAVIS-format palette PNGs.
It serves on loopback only, with Gradio's analytics off and no share link.
"""
import argparse
import os

os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')  # before gradio is imported: no phoning home
import os.path as osp  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, osp.dirname(osp.dirname(HERE)))  # the checkout (and projects/ plugins)
sys.path.insert(0, HERE)

from mobilevos.utils.cli import (USER_ERRORS, UserError, add_debug_argument, error_message,  # noqa: E402
                                 tool_main)

DEFAULT_CONFIG = 'configs/distill_r50_to_mbv2.py'
#: Where bash tools/quickstart.sh writes the distilled student (STUDENT_ITERS=160 by default).
DEFAULT_CKPT = 'work_dirs/quickstart/student/iter_160.pth'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Web demo of mobilevos video object segmentation')
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='model or distillation config')
    parser.add_argument('--ckpt', default=DEFAULT_CKPT, help='checkpoint (default: the quickstart student)')
    parser.add_argument('--backend', choices=('torch', 'onnxruntime'), default='torch')
    parser.add_argument('--deploy-dir', default=None, help='graphs written by tools/deploy.py (onnxruntime)')
    parser.add_argument('--precision', default=None, help='variant of the exported graphs (fp32, int8)')
    parser.add_argument('--memory', default=None, help="memory policy (default: the config's test_memory)")
    parser.add_argument('--size',
                        type=int,
                        default=None,
                        help='process frames at this shorter side (e.g. 480)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--max-frames', type=int, default=900, help='refuse videos longer than this')
    parser.add_argument('--host', default='127.0.0.1', help='address to serve on (default: loopback only)')
    parser.add_argument('--port', type=int, default=7860)
    parser.add_argument('--work-dir', default=None, help='where runs are written (default: a temp folder)')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def load_inferencer(args):
    """The model of ``args`` in a :class:`VideoInferencer`; a missing checkpoint says how to make one."""
    if args.backend == 'torch' and not osp.isfile(args.ckpt):
        make = ''
        if args.ckpt == DEFAULT_CKPT:
            make = 'it is the quickstart\'s student: run `bash tools/quickstart.sh` (~12 min) to make it, or '
        raise UserError(f'checkpoint {args.ckpt} does not exist: {make}pass --config CONFIG --ckpt CKPT '
                        '(untrained weights: python tools/misc/init_checkpoint.py CONFIG OUT.pth)')
    from mobilevos.apis import build_inferencer
    return build_inferencer(args.config, args.ckpt, args.memory, args.size, args.backend, args.deploy_dir,
                            args.precision, args.device)


def _error(err: BaseException) -> str:
    """The page's message for an exception: the user's mistake as it is, anything else as one line."""
    if isinstance(err, USER_ERRORS):
        return f'**Error:** {error_message(err)}'
    return f'**Unexpected error** ({type(err).__name__}): {err}'


def build_app(inferencer, work_dir: str, max_frames: int, model_name: str = ''):
    """The Gradio Blocks of the demo."""
    import gradio as gr
    import numpy as np
    import pipeline

    def new_run_dir() -> str:
        path = osp.join(work_dir, uuid.uuid4().hex[:12])
        os.makedirs(path)
        return path

    def on_video(video):
        """Show the first frame to draw on (and check the video early)."""
        if not video:
            return None, ''
        try:
            frame = pipeline.first_frame(video, max_frames)
        except Exception as err:  # noqa: BLE001 - shown in the page
            return None, _error(err)
        h, w = frame.shape[:2]
        return frame, f'Video loaded: {w}x{h}. Upload the first frame\'s mask or draw on the first frame.'

    def on_sample():
        video, mask = pipeline.make_sample(new_run_dir())
        return video, mask, 'Synthetic sample made (mobilevos.datasets.synthetic). Press **Segment**.'

    def on_run(video, mask_file, drawing, progress=gr.Progress()):
        none = (None, gr.update(choices=[], value=[]), None, None)  # overlay, objects, zip, state
        try:
            if not video:
                raise UserError('no video: upload one or press "Synthetic sample"')
            frame = pipeline.first_frame(video, max_frames)
            layers = (drawing or {}).get('layers') if isinstance(drawing, dict) else None
            ids, palette = pipeline.first_mask(video, mask_file, layers, frame.shape[:2])
            progress(0, desc='segmenting')
            result = pipeline.run_demo(inferencer,
                                       video,
                                       ids,
                                       palette,
                                       new_run_dir(),
                                       max_frames=max_frames,
                                       on_frame=lambda done, total: progress((done, total), unit='frames'))
        except Exception as err:  # noqa: BLE001 - shown in the page, never as a stack trace
            return (_error(err), ) + none
        state = dict(video=video,
                     masks_dir=result.masks_dir,
                     palette=palette.tolist(),
                     out=osp.dirname(result.overlay_video))
        ids_text = [str(i) for i in result.object_ids]
        status = (f'Done: {result.num_frames} frames, {len(result.object_ids)} objects, '
                  f'{result.fps:.1f} frames/s.')
        return status, result.overlay_video, gr.update(choices=ids_text,
                                                       value=ids_text), result.zip_path, state

    def on_toggle(visible, state):
        if not state:
            return None, ''
        try:
            out = osp.join(state['out'], f'overlay_{"_".join(visible) or "none"}.mp4')
            pipeline.render_overlay(state['video'], state['masks_dir'], np.array(state['palette'], np.uint8),
                                    visible, out)
        except Exception as err:  # noqa: BLE001
            return None, _error(err)
        return out, f'Showing objects: {", ".join(visible) or "none"}.'

    with gr.Blocks(title='mobilevos demo', analytics_enabled=False) as app:
        gr.Markdown(f'# mobilevos: video object segmentation\nModel: `{model_name}`. Videos up to '
                    f'{max_frames} frames.')
        state = gr.State(None)
        with gr.Row():
            with gr.Column():
                video = gr.File(label='Video (mp4, mkv, webm, avi, ...)',
                                elem_id='video_input',
                                type='filepath')
                sample = gr.Button('Synthetic sample', elem_id='sample_btn')
                mask_file = gr.File(label='First-frame mask (palette PNG, optional)',
                                    elem_id='mask_input',
                                    type='filepath')
                drawing = gr.ImageEditor(label='Or draw on the first frame: one brush colour per object',
                                         elem_id='drawing',
                                         type='numpy',
                                         sources=(),
                                         brush=gr.Brush(colors=pipeline.brush_colours(), color_mode='fixed'),
                                         eraser=gr.Eraser(),
                                         layers=False)
                run = gr.Button('Segment', variant='primary', elem_id='run_btn')
            with gr.Column():
                status = gr.Markdown('', elem_id='status')
                overlay = gr.Video(label='Overlay', elem_id='overlay_video', interactive=False, height=400)
                objects = gr.CheckboxGroup(label='Objects shown', choices=[], elem_id='objects')
                masks_zip = gr.File(label='Masks (zip of DAVIS palette PNGs)',
                                    elem_id='masks_zip',
                                    interactive=False)
        video.change(on_video, [video], [drawing, status])
        sample.click(on_sample, [], [video, mask_file, status])
        run.click(on_run, [video, mask_file, drawing], [status, overlay, objects, masks_zip, state])
        objects.input(on_toggle, [objects, state], [overlay, status])
    return app


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    inferencer = load_inferencer(args)  # a UserError (e.g. no checkpoint) is one line on stderr
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='mobilevos_demo_')
    os.makedirs(work_dir, exist_ok=True)
    app = build_app(inferencer, work_dir, args.max_frames, osp.basename(args.ckpt))
    print(f'mobilevos demo on http://{args.host}:{args.port} (runs in {work_dir})', flush=True)
    app.queue().launch(server_name=args.host,
                       server_port=args.port,
                       share=False,
                       allowed_paths=[work_dir],
                       footer_links=[],
                       quiet=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
