"""What the tests of the coding exercises share: the notebooks' reference solutions, a student-edition stub, and the
three ways a check is asked about a learner's function (it names a mistake, it accepts, it leaves the random streams
alone). Used by tests/test_exercises*.py."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jupytext
import numpy as np
import pytest
import torch

from helpers.teaching import exercises as check

ROOT = Path(__file__).resolve().parent.parent


def solution_cells(name: str) -> list[str]:
    """The code cells of notebook ``name`` that hold a solution, without the lines that call the check."""
    nb = jupytext.read(ROOT / "notebooks" / f"{name}.py")
    return [
        "\n".join(line for line in cell.source.splitlines() if not line.startswith("check."))
        for cell in nb.cells
        if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source
    ]


def solutions(name: str, namespace: dict) -> dict:
    """Run notebook ``name``'s solution cells (``solution_cells``) in ``namespace``; returns the namespace."""
    for source in solution_cells(name):
        exec(compile(source, f"{name}.py", "exec"), namespace)  # noqa: S102 - the notebook's own cells
    return namespace


def stub(name: str) -> Callable:
    """A student-edition stub: raises NotImplementedError with the exercise's hint."""

    def fn(*args):
        raise NotImplementedError(check.HINTS[name])

    fn.__name__ = name
    return fn


def expect(checker: Callable, *args, match: str) -> None:
    """``checker(*args)`` raises ExerciseError whose message holds ``match`` (a literal piece of it)."""
    with pytest.raises(check.ExerciseError, match=re.escape(match)):
        checker(*args)


def passes(checker: Callable, fn: Callable, capsys) -> None:
    """``checker(fn)`` accepts ``fn`` and prints its one line of praise."""
    checker(fn)
    assert capsys.readouterr().out.startswith("✓")


def leaves_random_streams_alone(run: Callable[[], Any]) -> None:
    """``run()`` (a check) leaves torch's, NumPy's and Python's random streams as it found them."""
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    before = torch.rand(3), np.random.rand(3), random.random()
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    run()
    assert torch.equal(torch.rand(3), before[0]) and np.array_equal(np.random.rand(3), before[1])
    assert random.random() == before[2]
