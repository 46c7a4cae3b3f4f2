"""Structure of the notebooks: jupytext pairs agree, and every notebook follows the series' conventions.

(nbval executes the notebooks themselves: pytest collects notebooks/*.ipynb with --nbval-lax.)
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import jupytext
import pytest

SOLUTION_TAG = "solution"  # the student edition (`make student`) removes every cell with this tag
FOLDED_SOLUTION = re.compile(r"<details>\s*<summary>[^<]*solution", re.IGNORECASE)

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
    problems = solution_cell_problems(cells)
    assert not problems, "solution cells:\n- " + "\n- ".join(problems)
    assert any("assert " in c.source for c in code), "a checkpoint cell asserts a measured number"


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
