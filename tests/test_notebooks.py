"""Structure of the notebooks: jupytext pairs agree, and every notebook follows the series' conventions.

(nbval executes the notebooks themselves: pytest collects notebooks/*.ipynb with --nbval-lax.)
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTION_TAG = "solution"  # the student edition (`make student`) removes every cell with this tag
FOLDED_SOLUTION = re.compile(r"<details>\s*<summary>[^<]*solution", re.IGNORECASE)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_jupytext_pair_agrees(nb_path: Path):
    py_path = nb_path.with_suffix(".py")
    assert py_path.is_file(), f"{nb_path.name} has no jupytext pair {py_path.name}: run `make sync`"
    expected = jupytext.writes(jupytext.read(nb_path), fmt="py:percent")
    actual = py_path.read_text()
    if expected != actual:
        diff = "".join(
            difflib.unified_diff(
                actual.splitlines(True), expected.splitlines(True), str(py_path.name), f"{nb_path.name} as py"
            )
        )
        pytest.fail(f"{nb_path.name} and {py_path.name} disagree; run `make sync`:\n{diff[:3000]}")


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_conventions(nb_path: Path):
    nb = jupytext.read(nb_path)
    cells = nb.cells
    code = [c for c in cells if c.cell_type == "code"]
    markdown = [c.source for c in cells if c.cell_type == "markdown"]
    params = code[0]
    assert "parameters" in params.metadata.get("tags", []), "the first code cell must be tagged 'parameters'"
    assert "SEED" in params.source and "DATA_DIR" in params.source
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1, "exactly one parameters cell"
    assert "contents" in markdown[0].lower(), "the first cell carries the navigation line"
    assert "contents" in markdown[-1].lower(), "the last cell carries the navigation line"
    assert any(m.lstrip().startswith("## Summary") for m in markdown), "a Summary section"
    assert any(m.lstrip().startswith("## Exercises") for m in markdown), "an Exercises section"
    assert any("<details>" in m for m in markdown), "exercise solutions folded in <details>"
    problems = solution_cell_problems(cells)
    assert not problems, "solution cells:\n- " + "\n- ".join(problems)
    assert any("checkpoint(" in c.source for c in code), "a checkpoint cell checks a measured number, with its margin"


def _call(tree: ast.AST, name: str) -> ast.Call | None:
    """The first call of ``helpers.<name>(...)`` in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name:
            return node
    return None


def _names(call: ast.Call, keyword: str) -> set[str]:
    """The string constants of a list argument ``keyword=[...]`` of ``call``."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return {e.value for e in kw.value.elts}
    return set()


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_and_files_are_checked_first(nb_path: Path):
    """Right after the parameters cell, one call checks every parameter, and the data files the notebook reads
    and writes are checked before any work (issue 13, items 3 and 5)."""
    code = [c for c in jupytext.read(nb_path).cells if c.cell_type == "code"]
    params = [t.id for node in ast.parse(code[0].source).body for t in node.targets if isinstance(node, ast.Assign)]
    setup = ast.parse(code[1].source)
    check = _call(setup, "check_parameters")
    assert check is not None, "the cell after the parameters calls helpers.check_parameters(...)"
    passed = {kw.arg: kw.value.id for kw in check.keywords if isinstance(kw.value, ast.Name)}
    assert passed == {p: p for p in params}, f"check_parameters must check every parameter as NAME=NAME: {params}"
    files = _call(setup, "check_data_files")
    assert files is not None, "the setup cell calls helpers.check_data_files(helpers.data_dir(DATA_DIR), ...)"
    source = "\n".join(c.source for c in code[2:])
    reads = set(re.findall(r'load_(?:demos|policy)\(data / "([^"]+)"', source))
    writes = set(re.findall(r'save_(?:demos|policy)\(\s*[^()]*?,\s*data / "([^"]+)"', source, re.S))
    reads -= writes  # a file the notebook writes and then reads back is not an input
    assert reads <= _names(files, "reads"), f"files read later, to check first: {sorted(reads)}"
    assert writes <= _names(files, "writes"), f"files written later, to check first: {sorted(writes)}"


ABSOLUTE_PATH = re.compile(
    "|".join(
        [r"(?<![\w.~])/(?:home|work|tmp|root|Users|private|var/folders)/", r"\b[A-Za-z]:\\\\", re.escape(str(ROOT))]
    )
)


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_absolute_path_in_committed_outputs(nb_path: Path):
    """Committed outputs print paths relative to the repository, never a machine's own (issue 13, item 8)."""
    found = []
    for i, cell in enumerate(json.loads(nb_path.read_text())["cells"]):
        for out in cell.get("outputs", []):
            texts = [out.get("text", ""), *out.get("traceback", [])]
            texts += [v for k, v in out.get("data", {}).items() if k.startswith("text/") or k.endswith("json")]
            for text in texts:
                if not isinstance(text, str):  # a list of lines, or a JSON document
                    text = json.dumps(text) if isinstance(text, dict) else "".join(text)
                found += [
                    f"cell {i}: ...{text[max(0, m.start() - 20) : m.end() + 40]!r}"
                    for m in ABSOLUTE_PATH.finditer(text)
                ]
    assert not found, "absolute paths in committed outputs (print helpers.display_path(path)):\n" + "\n".join(found)


def solution_cell_problems(cells) -> list[str]:
    """Exercise solutions live in cells of their own tagged `solution`, after `## Exercises`, folded in <details>."""
    tagged = [i for i, c in enumerate(cells) if SOLUTION_TAG in c.metadata.get("tags", [])]
    if not tagged:
        return [f"no cell is tagged {SOLUTION_TAG!r}: put each exercise solution in a markdown cell of its own"]
    problems = []
    exercises = next((i for i, c in enumerate(cells) if c.source.lstrip().startswith("## Exercises")), len(cells))
    for i in tagged:
        cell = cells[i]
        if i < exercises:
            problems.append(f"cell {i + 1} is tagged {SOLUTION_TAG!r} but comes before '## Exercises'")
        if cell.cell_type == "markdown" and not cell.source.lstrip().startswith("<details>"):
            problems.append(f"solution cell {i + 1} does not start with <details> (solutions stay folded)")
    for i, cell in enumerate(cells):
        if i not in tagged and FOLDED_SOLUTION.search(cell.source):
            problems.append(
                f"cell {i + 1} holds a folded solution but is not tagged {SOLUTION_TAG!r}: move the solution into"
                f' a cell of its own (py:percent: # %% [markdown] tags=["{SOLUTION_TAG}"])'
            )
    return problems
