"""Session fixtures: each student exported once to ONNX (64x96 frames, 3 objects), shared by the tests."""
import pytest

from mobilevos.apis import init_model
from mobilevos.deploy import export_network
from mobilevos.deploy.verify import lecun_random_init_

from .helpers import STUDENT_CONFIGS, onnx_cfg


@pytest.fixture(scope='session')
def student_exports(tmp_path_factory):
    """name -> dict(network, dir, meta) for the mbv2, mbv2-noaspp and r18 students (random weights)."""
    root = tmp_path_factory.mktemp('students')
    exports = {}
    for seed, (name, config) in enumerate(sorted(STUDENT_CONFIGS.items())):
        network = lecun_random_init_(init_model(config), seed=seed)
        work_dir = str(root / name)
        meta = export_network(network, onnx_cfg(), work_dir, verify=False)
        exports[name] = dict(network=network, dir=work_dir, meta=meta)
    return exports
