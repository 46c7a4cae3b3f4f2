"""Structure of the notebooks: jupytext pairs agree, and every notebook follows the series' conventions.

(nbval executes the notebooks themselves: pytest collects notebooks/*.ipynb with --nbval-lax.)
"""

from __future__ import annotations

import difflib
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


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
    assert any("assert " in c.source for c in code), "a checkpoint cell asserts a measured number"
