"""Deploy configs: the shipped files follow the naming grammar and parse; bad settings are clear errors."""
import os
import re

import pytest

from mobilevos.deploy import DeployConfigError, parse_deploy_config

from .helpers import DEPLOY_CONFIGS

NAME = re.compile(r'^vos_(onnxruntime|coreml|litert)(?:-(int8|fp16))?_(?:static-(\d+)x(\d+)|dynamic)\.py$')


def shipped():
    return sorted(f for f in os.listdir(DEPLOY_CONFIGS) if f.endswith('.py'))


def test_the_required_configs_ship():
    assert {
        'vos_onnxruntime_static-480x854.py', 'vos_onnxruntime_dynamic.py', 'vos_coreml_static-480x854.py',
        'vos_coreml-fp16_static-480x854.py', 'vos_onnxruntime-int8_static-480x854.py'
    } <= set(shipped())


@pytest.mark.parametrize('name', shipped())
def test_shipped_config_matches_its_name(name):
    match = NAME.match(name)
    assert match, f'{name} does not follow vos_{{backend}}[-{{precision}}]_{{static-HxW|dynamic}}.py'
    backend, precision, height, width = match.groups()
    cfg = parse_deploy_config(os.path.join(DEPLOY_CONFIGS, name))
    assert cfg.backend == backend and cfg.precision == (precision or 'fp32')
    if height:
        assert cfg.input_shape == (int(height), int(width)) and cfg.static
    else:
        assert cfg.input_shape is None and {'height', 'width'} <= set(cfg.dynamic_axes)
    assert cfg.ir == ('onnx' if backend == 'onnxruntime' else 'torch.export')
    if cfg.ir == 'onnx':
        assert cfg.opset >= 17
    assert cfg.graphs == ('key_encoder', 'read_memory', 'decode', 'aggregate', 'value_encoder')  # call order
    assert cfg.memory == dict(type='FirstLatestMemory', keep_first=True,
                              num_latest=1) and cfg.memory_frames == 2
    if 'objects' in cfg.dynamic_axes:
        assert cfg.max_objects is None  # the dynamic config takes any number of objects
    else:
        assert cfg.max_objects == 3
    assert set(cfg.raw) == {'ir_config', 'codebase_config', 'backend_config'}


def write(tmp_path, name, base, extra):
    path = tmp_path / name
    path.write_text(f"_base_ = ['{DEPLOY_CONFIGS}/{base}']\n{extra}\n")
    return str(path)


@pytest.mark.parametrize('base, extra, message', [
    ('vos_coreml_static-480x854.py', "ir_config = dict(input_shape=None, dynamic_axes=('height', 'width'))",
     'dynamic shapes were requested.*coreml exporter writes static graphs only'),
    ('vos_coreml_static-480x854.py', "ir_config = dict(dynamic_axes=('objects', ))",
     'dynamic shapes were requested'),
    ('vos_onnxruntime_static-480x854.py', 'ir_config = dict(opset_version=11)',
     'opset_version must be an int >= 17'),
    ('vos_onnxruntime_static-480x854.py',
     "codebase_config = dict(memory=dict(_delete_=True, type='InfiniteMemory'))",
     'unbounded.*FirstLatestMemory'),
    ('vos_onnxruntime_static-480x854.py', "backend_config = dict(precision='fp16')",
     "precision 'fp16' is not offered for onnxruntime"),
    ('vos_onnxruntime_static-480x854.py', "backend_config = dict(type='tensorrt')",
     "'tensorrt' is not supported"),
    ('vos_onnxruntime_static-480x854.py', "ir_config = dict(dynamic_axes=('time', ))",
     r"\['time'\] are unknown"),
    ('vos_onnxruntime_static-480x854.py', "ir_config = dict(input_shape=None)", 'neither height nor width'),
    ('vos_onnxruntime_static-480x854.py', "ir_config = dict(input_shape=[8, 8])", 'too small'),
    ('vos_onnxruntime_static-480x854.py', "codebase_config = dict(graphs=('encoder', ))",
     'distinct names from'),
    ('vos_onnxruntime_static-480x854.py', "codebase_config = dict(max_objects=0)", 'positive int'),
    ('vos_onnxruntime_static-480x854.py',
     "ir_config = dict(graph_names=dict(decode=dict(outputs=['logits'])))", 'has 1 names, the graph has 2'),
    ('vos_onnxruntime_static-480x854.py',
     "ir_config = dict(graph_names=dict(read_memory=dict(inputs=['key', 'mk', 'mv_{slot}', 'valid'])))",
     'must contain "\\{slot\\}"'),
    ('vos_onnxruntime_static-480x854.py',
     "ir_config = dict(graph_names=dict(aggregate=dict(inputs=['p', 'p'])))", 'repeats a name'),
    ('vos_onnxruntime_int8_static-480x854.py', '', 'does not exist'),
])
def test_bad_settings_are_clear_errors_naming_the_file(tmp_path, base, extra, message):
    if not os.path.exists(os.path.join(DEPLOY_CONFIGS, base)):
        with pytest.raises(FileNotFoundError, match=message):
            parse_deploy_config(os.path.join(DEPLOY_CONFIGS, base))
        return
    path = write(tmp_path, 'bad.py', base, extra)
    with pytest.raises(DeployConfigError, match=message) as info:
        parse_deploy_config(path)
    assert str(info.value).startswith(f'deploy config {path}:')


def test_a_config_needs_all_three_parts(tmp_path):
    path = tmp_path / 'partial.py'
    path.write_text("ir_config = dict(type='onnx')\nbackend_config = dict(type='onnxruntime')\n")
    with pytest.raises(DeployConfigError, match=r"missing \['codebase_config'\]"):
        parse_deploy_config(str(path))


def test_int8_adds_the_fp32_variant_and_fills_quantisation_defaults():
    cfg = parse_deploy_config(os.path.join(DEPLOY_CONFIGS, 'vos_onnxruntime-int8_static-480x854.py'))
    assert cfg.precision == 'int8' and cfg.precisions == ('int8', 'fp32')
    assert cfg.quantization['graphs'] == ('key_encoder', 'decode', 'value_encoder')
    assert cfg.quantization['calibrate_method'] == 'MinMax'
