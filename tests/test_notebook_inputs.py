"""A notebook given bad input fails in its first cells, naming the cause, and changes no file (issue 13, items 3-5).

Notebook 04 (it reads two files and writes two) runs through papermill, as a learner runs it with new values,
against a temporary copy of data/: a bad parameter, an empty data folder, a damaged input file, an output that
cannot be written, demonstrations of another expert (issue 21, item 1). Each run stops in the setup cell after a
few seconds, before any training.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
from pathlib import Path

import papermill
import pytest

import helpers

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_gail.ipynb"


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) and a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def plain_pickle(folder: Path) -> None:
    (folder / "expert_policy.pt").write_bytes(pickle.dumps({"kind": "policy", "hidden": 128}))


def demos_of_a_plain_expert(folder: Path) -> None:
    """Notebook 02 re-run after notebook 01 with HABIT_X = None, then notebook 01 re-run with the habit again."""
    demos = helpers.load_demos(folder / "expert_demos.pt")
    helpers.save_demos(
        demos["states"],
        demos["actions"],
        folder / "expert_demos.pt",
        demos["terminated"],
        **{**demos["meta"], "habit_x": None},
    )


def output_is_a_folder(folder: Path) -> None:
    (folder / "bc_policy.pt").unlink()
    (folder / "bc_policy.pt").mkdir()


CASES = {
    "SEED='abc'": ({"SEED": "abc"}, None, "ParameterError", "SEED must be an integer in [0, 2**32 - 1], got 'abc'"),
    "GAIL_MAX_ENV_STEPS=0": (
        {"GAIL_MAX_ENV_STEPS": 0},
        None,
        "ParameterError",
        "GAIL_MAX_ENV_STEPS must be an integer >= 1, got 0",
    ),
    "DATA_DIR=''": (
        {"DATA_DIR": ""},
        None,
        "ParameterError",
        "DATA_DIR must be None (the default data folder) or a non-empty folder path, got ''",
    ),
    "IL_DATA_DIR=''": ({"DATA_DIR": None}, None, "ParameterError", "IL_DATA_DIR is set but empty"),
    "damaged expert_policy.pt": (
        {},
        plain_pickle,
        "DataFileError",
        "expert_policy.pt: refused unread: not a tensor file written by this series (it is not a zip archive as "
        "torch.save writes: truncated or corrupt, or another format). This file is written by "
        "notebooks/01_ppo_expert.ipynb",
    ),
    "demos from another expert": (
        {},
        demos_of_a_plain_expert,
        "DataFileError",
        "expert_demos.pt and {data}/expert_policy.pt do not belong together: the demonstrations were recorded from an "
        "expert trained with HABIT_X = None, but this expert was trained with HABIT_X = 1.5 (their meta.habit_x). "
        "Run notebooks/02_expert_demonstrations.ipynb again",
    ),
    "bc_policy.pt cannot be written": ({}, output_is_a_folder, "DataFileError", "bc_policy.pt: cannot be written"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_notebook_fails_first_and_changes_nothing(case, tmp_path, monkeypatch):
    parameters, damage, ename, message = CASES[case]
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    if damage is not None:
        damage(data)
    parameters = {"DATA_DIR": str(data), **parameters}
    if case == "IL_DATA_DIR=''":
        monkeypatch.setenv("IL_DATA_DIR", "")  # the kernel inherits it
    before, tracked = tree_digest(data), tree_digest(ROOT / "data")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(tmp_path / "out.ipynb"),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(ROOT / "notebooks"),
        )
    err = info.value
    message = message.format(data=data)
    assert (err.ename, message in err.evalue) == (ename, True), err.evalue
    assert "helpers.check_parameters(" in err.source  # the cell right after the parameters: nothing trained yet
    assert err.exec_count <= 3  # parameters, injected parameters, setup
    assert tree_digest(data) == before
    assert tree_digest(ROOT / "data") == tracked
