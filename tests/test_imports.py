"""The package's import graph: no cycles, and the lower layers never import mobilevos.engine.

Every module under ``mobilevos/`` is parsed (``ast``, nothing is imported) and
every ``import`` / ``from ... import`` statement counts, at module level and
inside functions and classes alike (a lazy import inside a function is still a
dependency). An import names the most specific module it reaches:
``from mobilevos.utils import io`` -> ``mobilevos.utils.io`` (a module file),
``from mobilevos.utils import ConfigType`` -> ``mobilevos.utils`` (the package's
``__init__``). Parent packages that Python runs on the way are not counted as
edges, as in other cycle checkers.
"""
import ast
import os.path as osp
from pathlib import Path
from typing import Dict, List, Set

import pytest

ROOT = Path(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: Packages below the engine: they must not import ``mobilevos.engine`` (the layers are
#: utils <- models <- datasets / evaluation / inference / deploy <- engine, apis <- tools;
#: ``mobilevos.utils.register_all_modules`` imports every registering package on purpose).
BELOW_ENGINE = ('models', 'inference', 'datasets', 'evaluation', 'deploy')


def module_files(root: Path, package: str) -> Dict[str, Path]:
    """``{dotted module name: file}`` for every ``.py`` file of ``package`` under ``root``."""
    modules = {}
    for path in sorted((root / package).rglob('*.py')):
        parts = list(path.relative_to(root).with_suffix('').parts)
        if parts[-1] == '__init__':
            parts = parts[:-1]
        modules['.'.join(parts)] = path
    return modules


def _targets(node: ast.AST, module: str, is_package: bool, modules: Dict[str, Path]) -> List[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split('.') if is_package else module.split('.')[:-1]
            base = base[:len(base) - (node.level - 1)]
            target = '.'.join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ''
        names = [
            f'{target}.{alias.name}' if f'{target}.{alias.name}' in modules else target
            for alias in node.names
        ]
    found = []
    for name in names:
        while name not in modules and '.' in name:
            name = name.rsplit('.', 1)[0]
        if name in modules and name != module:
            found.append(name)
    return found


def import_graph(root: Path, package: str) -> Dict[str, Set[str]]:
    """``{module: modules of ``package`` it imports}``, from every import statement anywhere in the module."""
    modules = module_files(root, package)
    graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name == '__init__.py'
        graph[module] = {
            target
            for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
            for target in _targets(node, module, is_package, modules)
        }
    return graph


def find_cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    cycles: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


@pytest.fixture(scope='module')
def graph():
    return import_graph(ROOT, 'mobilevos')


def test_no_import_cycle_in_the_package(graph):
    assert len(graph) > 50, 'the package was not found'
    assert 'mobilevos.utils.checkpoint' in graph['mobilevos.models.distillers.single_teacher_distiller']
    assert find_cycles(graph) == []


def test_layers_below_the_engine_do_not_import_it(graph):
    offenders = [
        f'{module} -> {target}' for module, targets in sorted(graph.items())
        if module.split('.')[1:2] and module.split('.')[1] in BELOW_ENGINE for target in sorted(targets)
        if target == 'mobilevos.engine' or target.startswith('mobilevos.engine.')
    ]
    assert offenders == []


def test_checkpoint_utils_import_only_the_error_base(graph):
    """Every layer may use mobilevos.utils.checkpoint: it reaches no other mobilevos module than
    mobilevos.utils.cli (``UserError``, the base of its errors), which imports none."""
    reached, todo = set(), ['mobilevos.utils.checkpoint']
    while todo:
        for target in graph[todo.pop()] - reached:
            reached.add(target)
            todo.append(target)
    assert reached <= {'mobilevos.utils.cli'}


def test_the_checker_finds_cycles_and_lazy_imports(tmp_path):
    """A fake package: a -> b at module level, b -> a inside a function, c -> a; d -> e only."""
    package = tmp_path / 'fake'
    (package / 'sub').mkdir(parents=True)
    (package / '__init__.py').write_text('')
    (package / 'sub' / '__init__.py').write_text('from .d import thing\n')
    (package / 'a.py').write_text('from fake.b import helper\n')
    (package / 'b.py').write_text('def helper():\n    from . import a\n    return a\n')
    (package / 'c.py').write_text('import fake.a\n')
    (package / 'sub' / 'd.py').write_text('from ..sub import e\nthing = 1\n')
    (package / 'sub' / 'e.py').write_text('import os\n')
    graph = import_graph(tmp_path, 'fake')
    assert graph['fake.b'] == {'fake.a'} and graph['fake.sub'] == {'fake.sub.d'}
    assert graph['fake.sub.d'] == {'fake.sub.e'} and graph['fake.sub.e'] == set()
    assert find_cycles(graph) == [['fake.a', 'fake.b']]
    (package / 'b.py').write_text('def helper():\n    return 1\n')
    assert find_cycles(import_graph(tmp_path, 'fake')) == []
