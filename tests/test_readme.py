"""The README's Troubleshooting quotes the messages a learner's slips now produce (issue 21), and stays short."""

from __future__ import annotations

import errno
import importlib.util
import os
import re
import shutil
from pathlib import Path

import pytest

from helpers.files import data as D
from helpers.teaching import parameters

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
MAX_WORDS = 1500


def troubleshooting_quotes() -> list[str]:
    """The code spans of the Troubleshooting section's bullets: how it quotes each message."""
    section = README[README.index("## Troubleshooting") :]
    return re.findall(r"`([^`]+)`", section)


def quoted(message: str) -> bool:
    """True if a Troubleshooting code span quotes ``message``: each part of it between ellipses occurs there."""
    for quote in troubleshooting_quotes():
        parts = [p.strip() for p in quote.split("…") if p.strip()]
        if parts and all(p in message for p in parts):
            return True
    return False


def another_experts_demos(tmp_path: Path) -> str:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    demos = D.load_demos(folder / D.EXPERT_DEMOS)
    meta = {**demos["meta"], "habit_x": None}
    D.save_demos(demos["states"], demos["actions"], folder / D.EXPERT_DEMOS, demos["terminated"], **meta)
    with pytest.raises(D.DataFileError) as info:
        D.check_data_files(folder, reads=[D.EXPERT_DEMOS, D.EXPERT_POLICY])
    return str(info.value)


def data_dir_is_a_file(tmp_path: Path) -> str:
    with pytest.raises(D.DataFileError) as info:
        D.check_data_files(ROOT / "data" / D.EXPERT_POLICY, reads=[D.EXPERT_POLICY])
    return str(info.value)


def full_disk(tmp_path: Path) -> str:
    spec = importlib.util.spec_from_file_location("run_notebook", ROOT / "scripts" / "run_notebook.py")
    run_notebook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_notebook)
    e = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return run_notebook.write_failure(ROOT / "build" / "notebooks" / "04_gail.ipynb", e, ours=True)


def makefile_line(start: str) -> str:
    """The Makefile's message that contains ``start`` (its make variables and shell quoting left as written)."""
    return next(line for line in (ROOT / "Makefile").read_text().splitlines() if start in line)


MESSAGES = {
    "1: demonstrations of another expert": another_experts_demos,
    "2: a broken .venv": lambda tmp_path: makefile_line("is broken: $(PY) does not run").replace("$(VENV)", ".venv"),
    "3: a full disk under make notebook": lambda tmp_path: (
        "make notebook: build/notebooks/04_gail.ipynb: cannot be written (no space left on the disk)."
    ),
    "4: DATA_DIR is a file": data_dir_is_a_file,
    "5: a huge budget": lambda tmp_path: parameters.budget_warning("GAIL_MAX_ENV_STEPS", 1_000_000_000),
    "6: make run with a read-only folder": lambda tmp_path: makefile_line("is read-only, and make run rewrites"),
}


@pytest.mark.parametrize("item", list(MESSAGES))
def test_troubleshooting_quotes_each_new_message(item, tmp_path):
    message = MESSAGES[item](tmp_path)
    assert quoted(message), f"README's Troubleshooting quotes no part of item {item}'s message: {message!r}"


def test_one_data_folder_serves_one_run_at_a_time():
    """Item 7: two notebooks writing one data folder at once both succeed; the README says the last writer wins."""
    assert "one data folder serves one run at a time" in " ".join(README.split()).lower()


def test_readme_stays_short():
    assert len(README.split()) < MAX_WORDS
