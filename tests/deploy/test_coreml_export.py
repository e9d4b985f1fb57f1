"""Core ML export (ML program, fp32 and fp16) of the smallest student at 64x64 through tools/deploy.py.

coremltools converts and saves on Linux, but ``predict()`` needs Core ML (macOS/iOS): these tests check
the conversion, the saved packages' specs (names, shapes, dtypes, precision) against export_meta.json,
and that the program coremltools converts computes what eager PyTorch does. They do not run the packages.
"""
import importlib.util
import json
import os.path as osp
from collections import Counter

import pytest
import torch

from mobilevos.apis import init_model
from mobilevos.deploy import UnsupportedOpError, export_network
from mobilevos.deploy.coreml_export import coreml_io, import_coremltools, prod_unrolled
from mobilevos.registry import MODELS

from .helpers import DEPLOY_CONFIGS, ROOT, STUDENT_CONFIGS, i0_tiny_cfg, save_state_dict

_spec = importlib.util.spec_from_file_location('tools_deploy', osp.join(ROOT, 'tools', 'deploy.py'))
deploy_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deploy_tool)

GRAPHS = ['key_encoder', 'read_memory', 'decode', 'aggregate', 'value_encoder']  # a frame's call order

#: the conversion of the fixture takes ~50 s on 2 cores (torch.export + two coremltools conversions of 5 graphs)
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def coreml_export(tmp_path_factory):
    root = tmp_path_factory.mktemp('coreml')
    config = root / 'vos_coreml-fp16_static-64x64.py'
    config.write_text(f"_base_ = ['{DEPLOY_CONFIGS}/vos_coreml-fp16_static-480x854.py']\n"
                      'ir_config = dict(input_shape=[64, 64])\n'
                      'codebase_config = dict(max_objects=2)\n'
                      "backend_config = dict(precision=['fp32', 'fp16'])\n")
    network = init_model(STUDENT_CONFIGS['mbv2-noaspp'])
    checkpoint = save_state_dict(network, str(root / 'noaspp.pth'))
    work_dir = root / 'out'
    assert deploy_tool.main(
        [str(config), STUDENT_CONFIGS['mbv2-noaspp'], checkpoint, '--work-dir',
         str(work_dir), '--quiet']) == 0
    with open(work_dir / 'export_meta.json') as f:
        meta = json.load(f)
    return dict(dir=str(work_dir), meta=meta)


def test_packages_reload_with_the_names_and_shapes_of_export_meta(coreml_export):
    meta, work_dir = coreml_export['meta'], coreml_export['dir']
    assert meta['backend'] == 'coreml' and meta['precision'] == 'fp32' and meta['precisions'] == [
        'fp32', 'fp16'
    ]
    assert meta['input']['frame_size'] == [64, 64] and meta['objects']['max_objects'] == 2
    assert meta['ir']['type'] == 'torch.export' and meta['ir']['opset'] is None
    assert list(meta['graphs']) == GRAPHS
    ct = import_coremltools()
    for graph, info in meta['graphs'].items():
        assert info['files'] == dict(fp32=f'{graph}.mlpackage', fp16=f'{graph}.fp16.mlpackage')
        for precision, name in info['files'].items():
            path = osp.join(work_dir, name)
            spec = ct.models.MLModel(path, skip_model_load=True).get_spec()
            assert spec.WhichOneof('Type') == 'mlProgram'
            described = coreml_io(path)
            for part in ('inputs', 'outputs'):
                assert [(t['name'], t['shape'], t['dtype']) for t in described[part]] == \
                    [(t['name'], t['shape'], 'float32') for t in info[part]], (graph, precision, part)
    read = [t['name'] for t in meta['graphs']['read_memory']['inputs']]
    assert read == [
        'key', 'memory_key_0', 'memory_key_1', 'memory_values_0', 'memory_values_1', 'memory_valid'
    ]
    assert meta['graphs']['read_memory']['inputs'][3]['shape'] == [1, 2, 112, 4,
                                                                   4]  # rank 5 (Core ML's limit)


def test_fp16_packages_compute_in_fp16(coreml_export):
    meta, work_dir = coreml_export['meta'], coreml_export['dir']
    ct = import_coremltools()
    for graph in ('key_encoder', 'value_encoder', 'decode'):
        sizes = meta['graphs'][graph]['bytes']
        assert sizes['fp16'] < 0.6 * sizes['fp32'], (graph, sizes)  # weights stored as fp16
    for precision, casts in (('fp32', False), ('fp16', True)):
        spec = ct.models.MLModel(osp.join(work_dir, meta['graphs']['decode']['files'][precision]),
                                 skip_model_load=True).get_spec()
        main = spec.mlProgram.functions['main']
        ops = Counter(op.type for op in main.block_specializations[main.opset].operations)
        assert (ops['cast'] > 0) == casts, (precision, ops)  # float32 inputs/outputs around fp16 ops


def test_converted_programs_match_eager(coreml_export):
    """What coremltools converts (the torch.export program, run in PyTorch) equals eager on random inputs."""
    diffs = coreml_export['meta']['verification']['max_abs_diff']['torch_export_program']
    assert list(diffs) == GRAPHS and max(diffs.values()) <= 1e-5


def test_the_program_with_core_ml_decompositions_matches_eager_on_other_inputs():
    """Recomputed here, not read from the export's meta: each graph's torch.export program, with the
    decompositions that make it convertible, is traced on one set of inputs and run on another (its
    shapes are static, its values are not) and matches eager there, on outputs of a real scale."""
    from mobilevos.deploy import build_graph_specs, parse_deploy_config
    from mobilevos.deploy.coreml_export import COREML_DECOMPOSITIONS
    from mobilevos.deploy.graphs import export_dims
    from tests.models.vos.tiny import tiny_cfg
    network = MODELS.build(tiny_cfg()).eval()
    cfg = parse_deploy_config(
        dict(ir_config=dict(type='torch.export', input_shape=[32, 48]),
             codebase_config=dict(type='mobilevos', max_objects=2),
             backend_config=dict(type='coreml')))
    dims = export_dims(cfg)
    specs = build_graph_specs(network, cfg)
    assert sorted(s.name for s in specs) == sorted(GRAPHS)
    for spec in specs:
        module = spec.module.eval()
        with torch.no_grad():
            program = torch.export.export(module, spec.example_inputs(dims, seed=0))
            program = program.run_decompositions(dict(COREML_DECOMPOSITIONS)).module()
            fresh = spec.example_inputs(dims, seed=1)
            got, expected = program(*fresh), module(*fresh)
        got = got if isinstance(got, (tuple, list)) else (got, )
        expected = expected if isinstance(expected, (tuple, list)) else (expected, )
        assert len(got) == len(expected) == len(spec.outputs)
        assert max(float(e.abs().max()) for e in expected) > 0.05, spec.name  # not a near-zero output
        for a, b in zip(got, expected):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_prod_decomposition_equals_torch_prod():
    x = torch.rand(2, 3, 5, 4)
    for dim in range(4):
        assert torch.allclose(prod_unrolled(x, dim, keepdim=True), torch.prod(x, dim, keepdim=True))
        assert torch.allclose(prod_unrolled(x, dim), torch.prod(x, dim))


def test_unsupported_op_is_named_with_its_module(tmp_path):
    network = MODELS.build(i0_tiny_cfg()).eval()
    cfg = dict(ir_config=dict(type='torch.export', input_shape=[32, 32]),
               codebase_config=dict(graphs=('key_encoder', ), max_objects=1),
               backend_config=dict(type='coreml', precision='fp16'))
    with pytest.raises(UnsupportedOpError) as info:
        export_network(network, cfg, str(tmp_path))
    assert info.value.op == 'aten::i0' and info.value.module == 'key_encoder (I0MobileNetV2Encoder)'
    assert 'coremltools (fp16)' in str(info.value)
