""".ci/run and tools/run_tests.sh fail on failing tests and on no tests at all."""
import os
import os.path as osp
import subprocess

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _run_ci(test_dir):
    env = dict(os.environ, MOBILEVOS_CI_SKIP_INSTALL='1', MOBILEVOS_CI_SKIP_DOCS='1',
               MOBILEVOS_TEST_PATHS=str(test_dir))
    return subprocess.run(['bash', '.ci/run', '-p', 'no:cacheprovider'], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize('content, expect_ok', [
    ('def test_ok():\n    assert 1 + 1 == 2\n', True),
    ('def test_bad():\n    assert 1 + 1 == 3\n', False),
    (None, False),  # no test at all: pytest exits 5
])
def test_ci_exit_code(tmp_path, content, expect_ok):
    if content is not None:
        (tmp_path / 'test_sample.py').write_text(content)
    result = _run_ci(tmp_path)
    assert (result.returncode == 0) == expect_ok, result.stdout[-2000:] + result.stderr[-2000:]
    if content is None:
        assert 'collected no tests' in result.stderr


def test_ci_runs_the_readme_commands():
    with open(osp.join(ROOT, 'README.md')) as f:
        readme = f.read()
    assert '<!-- ci-install -->\n```bash\nbash tools/install.sh\n```' in readme
    assert '<!-- ci-test -->\n```bash\nbash tools/run_tests.sh\n```' in readme
