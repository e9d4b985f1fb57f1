"""init_model / build_segmenter: configs (plain, distillation), checkpoints (plain, mmengine, distillation),
one set of backend checks, clear errors."""
import pytest
import torch
from mmengine.config import Config

from mobilevos.apis import build_inferencer, build_segmenter, check_backend_args, init_model, network_config
from mobilevos.utils.checkpoint import CheckpointMismatchError, UnsafeCheckpointError
from tests.models.vos.tiny import TINY_MODEL, build_tiny


class Payload:
    """An arbitrary pickled object, refused by safe loading."""


def same_weights(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


@pytest.fixture(scope='module')
def trained():
    return build_tiny(seed=1)


@pytest.fixture
def configs(tmp_path):
    plain = tmp_path / 'tiny.py'
    plain.write_text(f'model = {TINY_MODEL!r}\n')
    distill = tmp_path / 'distill_tiny.py'
    distill.write_text(f"model = dict(type='SingleTeacherDistiller', student={TINY_MODEL!r}, "
                       f"teacher={dict(TINY_MODEL, key_dim=16)!r})\n")
    return dict(plain=str(plain), distill=str(distill))


def test_network_config_selects_the_student_of_a_distillation_config():
    student, teacher = dict(type='A'), dict(type='B')
    assert network_config(dict(model=dict(type='Distiller', student=student, teacher=teacher))) == student
    assert network_config(dict(model=student)) == student
    with pytest.raises(ValueError, match='x.py has no model dict'):
        network_config(dict(train_cfg={}), 'x.py')


def test_plain_mmengine_and_distillation_checkpoints(configs, trained, tmp_path):
    teacher = build_tiny(seed=3, key_dim=16)
    distill = {f'student.{k}': v for k, v in trained.state_dict().items()}
    distill.update({f'teacher.{k}': v for k, v in teacher.state_dict().items()})
    torch.save(trained.state_dict(), tmp_path / 'plain.pth')
    torch.save(dict(state_dict=trained.state_dict(), meta=dict(iter=3)), tmp_path / 'runner.pth')
    torch.save(dict(state_dict=distill, meta={}), tmp_path / 'distill.pth')
    torch.manual_seed(2)
    assert not same_weights(init_model(configs['plain']), trained)
    for config in (configs['plain'], configs['distill'], Config.fromfile(configs['distill'])):
        for name in ('plain.pth', 'runner.pth', 'distill.pth'):
            network = init_model(config, tmp_path / name)
            assert type(network).__name__ == 'STMNetwork' and not network.training
            assert same_weights(network, trained), (config, name)


def test_missing_unexpected_and_misshapen_keys_are_listed(configs, trained, tmp_path):
    state = trained.state_dict()
    state.pop('key_proj.proj.weight')
    state['extra.weight'] = torch.zeros(1)
    torch.save(state, tmp_path / 'partial.pth')
    with pytest.raises(CheckpointMismatchError,
                       match=r'partial.pth .*1 missing keys \[key_proj.proj.weight\]; '
                       r'1 unexpected keys \[extra.weight\]'):
        init_model(configs['plain'], tmp_path / 'partial.pth')
    torch.save(build_tiny(key_dim=16).state_dict(), tmp_path / 'wide.pth')
    with pytest.raises(CheckpointMismatchError,
                       match=r'wide.pth does not fit STMNetwork: .*key_proj.proj.weight'):
        init_model(configs['plain'], tmp_path / 'wide.pth')


def test_unsafe_and_missing_files_are_named(configs, tmp_path):
    torch.save(dict(state_dict={}, payload=Payload()), tmp_path / 'unsafe.pth')
    with pytest.raises(UnsafeCheckpointError, match='unsafe.pth'):
        init_model(configs['plain'], tmp_path / 'unsafe.pth')
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        init_model(configs['plain'], tmp_path / 'nothing.pth')
    with pytest.raises(FileNotFoundError, match='config file .*nope.py does not exist'):
        init_model(tmp_path / 'nope.py')


@pytest.mark.parametrize('kwargs, message', [
    (dict(backend='onnxruntime'), 'backend onnxruntime needs --deploy-dir'),
    (dict(backend='onnxruntime', deploy_dir='d', device='cuda'), 'runs on the CPU'),
    (dict(deploy_dir='d'), 'need --backend onnxruntime'),
    (dict(precision='int8'), 'need --backend onnxruntime'),
    (dict(backend='tensorrt'), "backend 'tensorrt' is not one of"),
])
def test_one_set_of_backend_checks(configs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_backend_args(**kwargs)
    with pytest.raises(ValueError, match=message):  # checked before any model work
        build_segmenter(configs['plain'] + '.missing', **kwargs)
    check_backend_args('onnxruntime', 'd', 'int8')
    check_backend_args('torch')


def test_build_segmenter_torch_is_init_model_and_loads_into_a_given_network(configs, trained, tmp_path):
    torch.save(trained.state_dict(), tmp_path / 'plain.pth')
    assert same_weights(build_segmenter(configs['plain'], tmp_path / 'plain.pth'), trained)
    network = build_tiny(seed=4)
    assert build_segmenter(configs['plain'], tmp_path / 'plain.pth', network=network) is network
    assert same_weights(network, trained)


def test_build_inferencer_wraps_the_segmenter_with_the_memory_text_and_size(configs, trained, tmp_path):
    torch.save(trained.state_dict(), tmp_path / 'plain.pth')
    inferencer = build_inferencer(configs['plain'], tmp_path / 'plain.pth', memory='fifo:3', size=48)
    assert same_weights(inferencer.model, trained)
    assert inferencer.memory == dict(type='FIFOMemory', size=3)
    assert inferencer.size == 48
    # the memory text is read first: a typo fails before the (missing) config is opened
    with pytest.raises(ValueError, match='fifo:x'):
        build_inferencer(str(tmp_path / 'nothing.py'), memory='fifo:x')


def test_build_inferencer_optimize_folds_a_copy_and_refuses_other_backends(configs, trained, tmp_path):
    torch.save(trained.state_dict(), tmp_path / 'plain.pth')
    inferencer = build_inferencer(configs['plain'], tmp_path / 'plain.pth', optimize=True)
    batch_norms = [m for m in inferencer.model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert batch_norms == [], 'optimize=True should fold every batch norm'
    assert any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in trained.modules())
    with pytest.raises(ValueError, match='--backend onnxruntime'):
        build_inferencer(configs['plain'], tmp_path / 'plain.pth', backend='onnxruntime', optimize=True)


def test_onnxruntime_segmenter_reuses_a_given_network(configs, trained, tmp_path, monkeypatch):
    """build_segmenter(network=...) loads the checkpoint into that network and checks the export against
    it, without building another (what tools/test.py --backend onnxruntime does with the runner's)."""
    from mobilevos.apis import inference
    from mobilevos.deploy import ExportedNetwork, RuntimeInputError, export_network
    from tests.deploy.helpers import onnx_cfg
    torch.save(trained.state_dict(), tmp_path / 'plain.pth')
    export_network(trained, onnx_cfg((32, 32), 2), str(tmp_path / 'deploy'), verify=False)

    def no_second_network(*args, **kwargs):
        raise AssertionError('a second network was built')

    monkeypatch.setattr(inference, 'init_model', no_second_network)
    network = build_tiny(seed=4)
    runtime = build_segmenter(configs['plain'],
                              tmp_path / 'plain.pth',
                              backend='onnxruntime',
                              deploy_dir=str(tmp_path / 'deploy'),
                              network=network)
    assert isinstance(runtime, ExportedNetwork) and same_weights(network, trained)
    with pytest.raises(RuntimeInputError,
                       match=r'not from the initial weights of .*tiny.py: the weights differ'):
        build_segmenter(configs['plain'],
                        backend='onnxruntime',
                        deploy_dir=str(tmp_path / 'deploy'),
                        network=build_tiny(seed=4))
