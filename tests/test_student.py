"""The student edition (`make student`, docs/student.py): no solution survives, each notebook runs once the coding
exercises' solutions are pasted back, and an unsolved exercise stops its notebook at its check with its hint.

The edition is written to a temporary folder. With the solutions pasted back, every student notebook's code is the
notebook's, cell for cell (checked for each), so nbval's run of the notebook is its run; one of them is also run top to
bottom in a kernel (nbclient) in the edition's folder, on a temporary copy of data/ of its own, to show that the
folder it is handed out in changes nothing. (Running all eight again took 170-250 s of `make test`.)
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

from helpers.teaching.exercises import HINTS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
import student  # noqa: E402 - docs/ is not a package

pytestmark = pytest.mark.notebook

NOTEBOOKS = student.notebooks()
FOLDED_SOLUTION = re.compile(r"<details>\s*<summary>[^<]*solution", re.IGNORECASE)
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """The student edition, freshly written."""
    out = tmp_path_factory.mktemp("student")
    student.build(out)
    return out


def solution_lines(path: Path) -> list[str]:
    """The telling lines of a notebook's solution cells: every line of some length, markup aside."""
    nb = nbformat.read(path, as_version=4)
    lines = []
    for cell in nb.cells:
        if student.SOLUTION_TAG in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                text = re.sub(r"</?(details|summary)>", "", line).strip()
                if len(text) >= 25:
                    lines.append(text)
    return lines


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_survives(nb_path: Path, edition: Path) -> None:
    """No line of any solution, no folded solution, no solution cell; questions, outputs and links as promised."""
    source = nbformat.read(nb_path, as_version=4)
    nb = nbformat.read(edition / nb_path.name, as_version=4)
    body = "\n".join(c.source for c in nb.cells)
    lines = solution_lines(nb_path)
    assert lines, f"{nb_path.name} has no solution text to remove: are its solutions tagged '{student.SOLUTION_TAG}'?"
    leaked = [line for line in lines if line in body]
    assert not leaked, f"solution text left in the student edition: {leaked[:3]}"
    assert not FOLDED_SOLUTION.search(body), "a folded solution is left"
    assert not any(student.SOLUTION_TAG in c.metadata.get("tags", []) for c in nb.cells)
    kept = [c for c in source.cells if student.SOLUTION_TAG not in c.metadata.get("tags", [])]
    assert [c.source for c in nb.cells] == [
        student.local_links(c.source) if c.cell_type == "markdown" else student.stub_solutions(c.source) for c in kept
    ]
    assert any(c.source.lstrip().startswith("## Exercises") for c in nb.cells), "the questions stay"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs cleared"
    assert "widgets" not in nb.metadata
    for target in LINK.findall(body):
        if "://" not in target and target.endswith((".ipynb", ".md", ".png")):
            assert (edition / target).is_file(), f"the link to {target} leads nowhere in the student edition"


def coding_solution_lines(path: Path) -> list[str]:
    """The lines of a notebook's coding-exercise solutions (between nbgrader's markers), comments and markers aside."""
    nb = nbformat.read(path, as_version=4)
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for solution in student.SOLUTION.finditer(cell.source):
                for line in solution.group(0).splitlines():
                    code = line.split("#")[0].strip()
                    if len(code) >= 12:
                        lines.append(code)
    return lines


EXERCISE_NOTEBOOKS = [p for p in NOTEBOOKS if coding_solution_lines(p)]


def test_every_notebook_sets_coding_exercises() -> None:
    """At least ten coding exercises, at least one in each notebook and two in 01, each with a hint (issue 27)."""
    counts = {p.name[:2]: student.coding_exercises(nbformat.read(p, as_version=4)) for p in NOTEBOOKS}
    assert all(counts[p.name[:2]] >= 1 for p in NOTEBOOKS) and counts["01"] >= 2, counts
    assert sum(counts.values()) >= 10, counts


@pytest.mark.parametrize("nb_path", EXERCISE_NOTEBOOKS, ids=lambda p: p.name)
def test_no_coding_solution_survives(nb_path: Path, edition: Path) -> None:
    """Every coding solution became a stub raising NotImplementedError with its hint; no line of it is left."""
    nb = nbformat.read(edition / nb_path.name, as_version=4)
    body = "\n".join(c.source for c in nb.cells)
    assert "### BEGIN SOLUTION" not in body and "### END SOLUTION" not in body
    source = nbformat.read(nb_path, as_version=4)
    given = "\n".join(student.stub_solutions(c.source) for c in source.cells)  # the notebook's code outside solutions
    leaked = [line for line in coding_solution_lines(nb_path) if line in body and line not in given]
    assert not leaked, f"coding solution text left in the student edition: {leaked[:3]}"
    stubs = "\n".join(c.source for c in nb.cells if c.cell_type == "code").count("raise NotImplementedError(")
    assert stubs == student.coding_exercises(nbformat.read(nb_path, as_version=4))
    assert sum(repr(hint) in body for hint in HINTS.values()) == stubs, "each stub raises its exercise's hint"


def test_readme_lists_the_notebooks(edition: Path) -> None:
    """The edition's README.md links every notebook, in order."""
    readme = (edition / "README.md").read_text()
    assert LINK.findall(readme) == [p.name for p in NOTEBOOKS]


@pytest.fixture(scope="module")
def student_data(tmp_path_factory) -> Path:
    """A copy of data/ for the student notebook's run alone (it writes to it)."""
    tmp = tmp_path_factory.mktemp("student-data")
    shutil.copytree(ROOT / "data", tmp, dirs_exist_ok=True)
    return tmp


def paste_solutions(nb: nbformat.NotebookNode, full: nbformat.NotebookNode) -> int:
    """Paste the full notebook's coding solutions back over the student edition's stubs; returns how many cells."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    full_code = [c for c in full.cells if c.cell_type == "code"]
    assert len(code) == len(full_code), "the student edition keeps every code cell"
    pasted = 0
    for cell, original in zip(code, full_code, strict=True):
        if cell.source != original.source:
            assert cell.source == student.stub_solutions(original.source), "only the solutions differ"
            cell.source, pasted = original.source, pasted + 1
    return pasted


def execute(nb: nbformat.NotebookNode, edition: Path, tmp_path: Path) -> None:
    """Run ``nb`` top to bottom in a kernel, in the edition's folder (raises CellExecutionError on an error)."""
    config = Config()
    config.KernelManager.transport = "ipc"  # sockets in tmp_path: no TCP port
    config.KernelManager.ip = str(tmp_path / "kernel")
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(edition)}}, config=config
    )
    client.execute()


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_notebook_is_the_notebook_once_solved(nb_path: Path, edition: Path) -> None:
    """With the reference solutions pasted back over its stubs, the student notebook's code is the notebook's, cell for
    cell, in order: what nbval runs (``notebooks/``) is what a learner who solved every exercise runs."""
    nb, full = nbformat.read(edition / nb_path.name, as_version=4), nbformat.read(nb_path, as_version=4)
    assert paste_solutions(nb, full) == student.coding_exercises(full)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code == [c.source for c in full.cells if c.cell_type == "code"]


RUN_IN_EDITION = ROOT / "notebooks" / "02_expert_demonstrations.ipynb"
"""The notebook run in the edition's folder: two coding exercises, and it writes to the data folder."""


def test_student_notebook_runs(edition: Path, student_data: Path, monkeypatch, tmp_path) -> None:
    """A student notebook, with the reference solutions pasted back over its stubs, runs top to bottom in the
    edition's folder."""
    nb_path = RUN_IN_EDITION
    monkeypatch.setenv("IL_DATA_DIR", str(student_data))  # inherited by the kernel
    nb = nbformat.read(edition / nb_path.name, as_version=4)
    pasted = paste_solutions(nb, nbformat.read(nb_path, as_version=4))
    assert pasted == student.coding_exercises(nbformat.read(nb_path, as_version=4)) >= 1
    try:
        execute(nb, edition, tmp_path)
    except CellExecutionError as exc:
        pytest.fail(f"student edition of {nb_path.name} fails:\n{str(exc)[-3000:]}")
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip())
    assert os.environ["IL_DATA_DIR"] == str(student_data)


def test_an_unsolved_exercise_stops_at_its_check(edition: Path, monkeypatch, tmp_path) -> None:
    """Run as handed out, notebook 03 stops at its first exercise's check, with ExerciseNotDone and the hint."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setenv("IL_DATA_DIR", str(data))
    nb = nbformat.read(edition / "03_discriminator.ipynb", as_version=4)
    with pytest.raises(CellExecutionError) as info:
        execute(nb, edition, tmp_path)
    assert info.value.ename == "ExerciseNotDone"
    assert info.value.evalue == f"exercise not done yet: {HINTS['my_features']}"
    failed = [c for c in nb.cells if c.cell_type == "code" and any(o.get("ename") for o in c.get("outputs", []))]
    assert len(failed) == 1 and "def my_features(" in failed[0].source, "the first failure is the exercise's check"
