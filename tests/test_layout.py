"""The layers of ``helpers/`` (drawn in ``helpers/__init__.py``): imports point down, never up or sideways, no module
reads another's private names, and the lower layers load neither matplotlib nor ipywidgets."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import helpers

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "helpers"
RANK = {"core": 0, "algorithms": 1, "files": 1, "teaching": 2}
"""Each layer's height: a module may import from its own layer and from lower ones (algorithms and files are side
by side, so neither may import the other)."""
MODULES = sorted(p for p in PACKAGE.glob("*/*.py") if p.name != "__init__.py")


def _layer(module: str) -> str | None:
    """'core' for 'helpers.core.env'; None for a name outside the layers ('helpers' itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "helpers" and parts[1] in RANK else None


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names imported from it) for every import of ``helpers`` in the file, nested ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "helpers"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "helpers":
            found.append((node.lineno, node.module, [a.name for a in node.names]))
    return found


def layer_violations(path: Path, root: Path = ROOT) -> list[str]:
    """Every import in ``path`` (a module of a layer) that points up, sideways, at the facade or at a private name."""
    own = path.parent.name
    problems = []
    for line, module, names in _imports(path):
        where = f"{path.relative_to(root)}:{line}"
        targets = [f"helpers.{n}" for n in names] if module == "helpers" and names else [module]
        for target in targets:
            layer = _layer(target)
            if layer is None:
                problems.append(f"{where}: imports {target} (import from a layer, helpers.<layer>.<module>)")
            elif layer != own and RANK[layer] >= RANK[own]:
                problems.append(f"{where}: helpers.{own} imports {target}, which is not below it")
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if private:
            problems.append(f"{where}: imports private name(s) {', '.join(private)} from {module}")
    return problems


def test_every_module_sits_in_a_layer() -> None:
    """No module outside the four layers (apart from the facade, helpers/__init__.py)."""
    assert {p.name for p in PACKAGE.glob("*.py")} == {"__init__.py"}
    assert {p.parent.name for p in MODULES} == set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_imports_point_down(path: Path) -> None:
    """Each module imports only from its own layer or a lower one, and no private name of another module."""
    assert layer_violations(path) == []


def test_the_layer_check_can_fail(tmp_path: Path) -> None:
    """A core module importing an algorithm, the facade or a private name, and files importing algorithms, are told."""
    core = tmp_path / "core"
    core.mkdir()
    bad = core / "bad.py"
    bad.write_text(
        "from helpers.algorithms.ppo import PPO\nimport helpers\nfrom helpers.core.env import _private\n"
        "def f():\n    from helpers import teaching\n"
    )
    problems = "\n".join(layer_violations(bad, tmp_path))
    assert "imports helpers.algorithms.ppo, which is not below it" in problems
    assert "imports helpers (import from a layer" in problems
    assert "private name(s) _private" in problems
    assert "imports helpers.teaching (import from a layer" not in problems  # from helpers import teaching: a layer
    assert "helpers.core imports helpers.teaching, which is not below it" in problems
    files = tmp_path / "files"
    files.mkdir()
    side = files / "side.py"
    side.write_text("from helpers.algorithms import gail\n")
    assert "which is not below it" in "\n".join(layer_violations(side, tmp_path))


def _defined_at_top(path: Path) -> set[str]:
    """The names a module defines itself (def, class, assignment), not those it imports."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_reexports_resolve_to_their_modules() -> None:
    """Every name ``helpers`` re-exports is defined by the module its table names, and resolves on first use."""
    for name, module in helpers._EXPORTS.items():
        assert name in _defined_at_top(PACKAGE / f"{module.replace('.', '/')}.py"), f"helpers.{module} has no {name}"
        assert getattr(helpers, name) is vars(importlib.import_module(f"helpers.{module}"))[name]
    assert sorted(helpers.__all__) == sorted(helpers._EXPORTS) and set(helpers.__all__) <= set(dir(helpers))
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        _ = helpers.no_such_name


LIGHT = """
import sys
HEAVY = ("matplotlib", "ipywidgets", "IPython")
import helpers.core.env
print(",".join(m for m in HEAVY if m in sys.modules))
{lower}
import helpers
print(",".join(m for m in HEAVY if m in sys.modules))
import helpers.teaching.plots
print(",".join(m for m in HEAVY if m in sys.modules))
"""


def test_lower_layers_load_no_plotting_or_widgets() -> None:
    """``import helpers.core.env`` (and every module of core, algorithms and files, and ``import helpers``) loads
    neither matplotlib nor ipywidgets: scripts and benchmarks start fast; only the teaching layer needs them. (One
    fresh interpreter; the last line shows that the check sees them when the teaching layer loads them.)"""
    lower = "\n".join(f"import helpers.{p.parent.name}.{p.stem}" for p in MODULES if p.parent.name != "teaching")
    out = subprocess.run(
        [sys.executable, "-c", LIGHT.format(lower=lower)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    after_env, after_lower, after_plots = out.stdout.splitlines()
    assert (after_env, after_lower) == ("", "")
    assert "matplotlib" in after_plots
