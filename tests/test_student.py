"""The student edition (`make student`, docs/student.py): no solution survives, and each notebook still runs.

The edition is written to a temporary folder; its notebooks run top to bottom in a kernel (nbclient), each once,
on a temporary copy of data/ of their own.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
import student  # noqa: E402 - docs/ is not a package

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
    assert [c.source for c in nb.cells] == [student.local_links(c.source) if c.cell_type == "markdown" else c.source
                                            for c in kept]  # fmt: skip
    assert any(c.source.lstrip().startswith("## Exercises") for c in nb.cells), "the questions stay"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs cleared"
    assert "widgets" not in nb.metadata
    for target in LINK.findall(body):
        if "://" not in target and target.endswith((".ipynb", ".md")):
            assert (edition / target).is_file(), f"the link to {target} leads nowhere in the student edition"


def test_readme_lists_the_notebooks(edition: Path) -> None:
    """The edition's README.md links every notebook, in order."""
    readme = (edition / "README.md").read_text()
    assert LINK.findall(readme) == [p.name for p in NOTEBOOKS]


@pytest.fixture(scope="module")
def student_data(tmp_path_factory) -> Path:
    """A copy of data/ for the student notebooks' runs alone (they write to it, in order)."""
    tmp = tmp_path_factory.mktemp("student-data")
    shutil.copytree(ROOT / "data", tmp, dirs_exist_ok=True)
    return tmp


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_notebook_runs(nb_path: Path, edition: Path, student_data: Path, monkeypatch, tmp_path) -> None:
    """The student notebook executes top to bottom without an error."""
    monkeypatch.setenv("IL_DATA_DIR", str(student_data))  # inherited by the kernel
    nb = nbformat.read(edition / nb_path.name, as_version=4)
    config = Config()
    config.KernelManager.transport = "ipc"  # sockets in tmp_path: no TCP port
    config.KernelManager.ip = str(tmp_path / "kernel")
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(edition)}}, config=config
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"student edition of {nb_path.name} fails:\n{str(exc)[-3000:]}")
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip())
    assert os.environ["IL_DATA_DIR"] == str(student_data)
