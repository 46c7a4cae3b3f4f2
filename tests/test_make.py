"""The Makefile's set-up, `make run` and `make notebook` name a learner's slip before the work (issue 21: 2, 3, 6).

Each test copies what the targets need into tmp_path, with a stand-in .venv whose python runs this test's own Python
(and whose stamp is fresh, so nothing is installed), builds the bad situation there and runs `make`: the message names
the cause and what to do, and no file changed, in the copy or in the repository.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")


def tree_digest(*folders: Path) -> dict[str, str]:
    """Every file under ``folders`` (hidden ones too) and a hash of its bytes."""
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def tracked() -> dict[str, str]:
    return tree_digest(ROOT / "data", ROOT / "notebooks")


def repo_copy(tmp_path: Path, python: str | None = sys.executable) -> Path:
    """What the Makefile's targets read, copied to ``tmp_path/repo``, with a stand-in .venv.

    ``python``: the interpreter the stand-in .venv/bin/python runs (None: a dangling link, as when the Python it
    was made from is gone). Its stamp is newer than the requirements, so `make setup` installs nothing.
    """
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ["Makefile", "requirements.txt", "requirements-dev.txt", "pyproject.toml"]:
        shutil.copy(ROOT / name, repo / name)
        os.utime(repo / name, (time.time() - 3600,) * 2)
    for folder in ["notebooks", "data", "scripts", "helpers"]:
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    bin_dir = repo / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    if python is None:
        (bin_dir / "python").symlink_to(tmp_path / "gone" / "python3.12")
    else:
        (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{python}" "$@"\n')
        (bin_dir / "python").chmod(0o755)
    for tool in ["jupyter", "jupytext"]:  # reached only if every check passed: say so, and stop
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} started"\nexit 3\n')
        (bin_dir / tool).chmod(0o755)
    (repo / ".venv" / ".installed").touch()
    return repo


def make(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,  # papermill reads a notebook from stdin when it is a pipe
        env={**os.environ, "PYTHONPATH": str(repo)},
        timeout=300,
    )


# ---------------------------------------------------------------- item 2: a broken .venv


BROKEN_VENV = (
    ".venv is broken: .venv/bin/python does not run (the Python it was made from was removed or upgraded?).\n"
    "Remove it with `make clean`, then run `make run` to set it up again (on Linux, install the CPU-only torch first, "
    "as the README's set-up notes say).\n"
)


@needs_make
@pytest.mark.parametrize("target", [["setup"], ["run"], ["notebook", "NB=04"], ["lint"]])
def test_a_broken_venv_says_make_clean(tmp_path, target):
    before_tracked = tracked()
    repo = repo_copy(tmp_path, python=None)
    before = tree_digest(repo)
    result = make(repo, *target)
    assert result.returncode != 0
    assert result.stderr.startswith(BROKEN_VENV), result.stderr
    assert "cannot execute" not in result.stdout + result.stderr
    assert "started" not in result.stdout  # nothing ran
    assert tree_digest(repo) == before and tracked() == before_tracked


@needs_make
def test_a_working_venv_passes_the_check(tmp_path):
    repo = repo_copy(tmp_path)
    result = make(repo, "setup")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


# ---------------------------------------------------------------- item 6: make run with a read-only notebooks/


@contextmanager
def read_only(folder: Path):
    """``folder`` made read-only for this user: a read-only bind mount for root (who writes through permissions),
    the write permission bits removed otherwise."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
        for p in modes:
            p.chmod(modes[p] & ~0o222)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    bind = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True)
    if bind.returncode != 0:
        pytest.skip(f"root cannot make a read-only folder here: mount --bind failed ({bind.stderr.strip()})")
    try:
        ro = subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True, text=True)
        if ro.returncode != 0:
            pytest.skip(f"cannot remount read-only: {ro.stderr.strip()}")
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@needs_make
@pytest.mark.parametrize("folder", ["notebooks", "data"])
def test_make_run_checks_it_can_write_before_it_starts(tmp_path, folder):
    before_tracked = tracked()
    repo = repo_copy(tmp_path)
    before = tree_digest(repo)
    with read_only(repo / folder):
        result = make(repo, "run")
    assert result.returncode != 0
    first = "notebooks/01_ppo_expert.ipynb" if folder == "notebooks" else "data"
    assert result.stderr.startswith(
        f"make run: {first} is read-only, and make run rewrites notebooks/ and data/ in place. Make {folder}/ "
        "writable, or run one notebook with `make notebook NB=01`, which writes only to build/.\n"
    ), result.stderr
    assert "jupyter started" not in result.stdout  # no notebook ran
    assert tree_digest(repo) == before and tracked() == before_tracked
    result = make(repo, "run")  # writable again: the check passes and the notebooks start
    assert "jupyter started" in result.stdout, result.stderr
    assert tree_digest(repo) == before


# ---------------------------------------------------------------- item 3: a full disk during make notebook


def run_notebook_module():
    spec = importlib.util.spec_from_file_location("run_notebook", ROOT / "scripts" / "run_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FULL_DISK = (
    "make notebook: {out}: cannot be written (no space left on the disk). Nothing was left half-written: a previous "
    "version of the file, if any, is intact. Free some space, then run it again.\n"
)


@pytest.mark.parametrize("when", ["while it runs", "after the last cell"])
def test_a_full_disk_is_one_line_and_leaves_no_half_notebook(tmp_path, monkeypatch, capsys, when):
    """papermill's write fails with ENOSPC (the file half written, as a full disk leaves it)."""
    from papermill import cli

    run_notebook = run_notebook_module()
    out = tmp_path / "04_gail.ipynb"
    out.write_text("previous run\n")

    def full_disk(args, **kwargs):
        partial = Path(args[1])
        partial.write_text('{"cells": [' if when == "while it runs" else "")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(cli.papermill, "main", full_disk)
    assert run_notebook.main([str(ROOT / "notebooks" / "04_gail.ipynb"), str(out), "-p", "SEED", "7"]) == 1
    assert capsys.readouterr().err == FULL_DISK.format(out=out)
    assert [p.name for p in tmp_path.iterdir()] == [out.name] and out.read_text() == "previous run\n"


def test_a_failed_notebook_is_kept_with_its_error(tmp_path, monkeypatch, capsys):
    from papermill import PapermillExecutionError, cli

    run_notebook = run_notebook_module()
    out = tmp_path / "04_gail.ipynb"

    def fails(args, **kwargs):
        Path(args[1]).write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        raise PapermillExecutionError(1, 2, "helpers.check_parameters(...)", "ParameterError", "SEED must be", [])

    monkeypatch.setattr(cli.papermill, "main", fails)
    assert run_notebook.main([str(ROOT / "notebooks" / "04_gail.ipynb"), str(out)]) == 1
    assert capsys.readouterr().err.endswith(f"The executed notebook, with its error: {out}\n")
    assert [p.name for p in tmp_path.iterdir()] == [out.name] and json.loads(out.read_text())["cells"] == []


def test_bad_papermill_options_are_a_usage_message(tmp_path, capsys):
    run_notebook = run_notebook_module()
    out = tmp_path / "04_gail.ipynb"
    assert run_notebook.main([str(ROOT / "notebooks" / "04_gail.ipynb"), str(out), "-p", "SEED"]) == 2
    assert "Option '-p' requires 2 arguments" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_huge_budget_is_announced_before_the_run(tmp_path, monkeypatch, capsys):
    """Item 5 at the command line: papermill shows only its per-cell bar, so the estimate comes first."""
    from papermill import cli

    run_notebook = run_notebook_module()
    monkeypatch.setattr(cli.papermill, "main", lambda args, **kwargs: Path(args[1]).write_text("{}"))
    nb, out = str(ROOT / "notebooks" / "04_gail.ipynb"), str(tmp_path / "04_gail.ipynb")
    assert run_notebook.main([nb, out, "-p", "GAIL_MAX_ENV_STEPS", "1000000000", "-p", "SEED", "7"]) == 0
    assert capsys.readouterr().err.startswith("Warning: GAIL_MAX_ENV_STEPS = 1,000,000,000 will take roughly 28 hours")
    assert run_notebook.main([nb, out, "-p", "GAIL_MAX_ENV_STEPS", "50000"]) == 0
    assert capsys.readouterr().err == ""


@contextmanager
def small_tmpfs(folder: Path, size: str):
    """A tmpfs of ``size`` mounted on ``folder`` (needs root and mount), unmounted afterwards; skips if it cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (a full disk) needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@needs_make
@pytest.mark.notebook
def test_make_notebook_on_a_full_disk_for_real(tmp_path):
    """A 150 KB build/ fits the data files but not the executed notebook (a 300 KB output)."""
    before_tracked = tracked()
    repo = repo_copy(tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("SEED = 0\nDATA_DIR = None"),
        nbformat.v4.new_code_cell('print("x" * 300_000)'),
    ]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, repo / "notebooks" / "09_full_disk.ipynb")
    before = tree_digest(repo / "data", repo / "notebooks")
    with small_tmpfs(repo / "build", "150k") as build:
        (build / "notebooks").mkdir()
        (build / "notebooks" / "09_full_disk.ipynb").write_text("previous run\n")
        result = make(repo, "notebook", "NB=09")
        outputs = sorted(p.name for p in (build / "notebooks").iterdir())
        previous = (build / "notebooks" / "09_full_disk.ipynb").read_text()
        copied = sorted(p.name for p in (build / "data").iterdir())
    assert result.returncode != 0
    lines = result.stderr.splitlines(keepends=True)
    assert lines[-2] == FULL_DISK.format(out="build/notebooks/09_full_disk.ipynb"), result.stderr  # then make's Error 1
    assert "Errno 28" not in result.stderr and "Traceback" not in result.stderr
    assert outputs == ["09_full_disk.ipynb"] and previous == "previous run\n"  # no partial file, the old one intact
    assert copied == sorted(p.name for p in (ROOT / "data").glob("*.pt"))
    assert tree_digest(repo / "data", repo / "notebooks") == before and tracked() == before_tracked


# ---------------------------------------------------------------- issue 28: a misspelt parameter, two runs at once


def test_a_misspelt_parameter_stops_the_run_naming_the_closest(tmp_path, monkeypatch, capsys):
    """papermill would log "Passed unknown parameter: seed", run SEED = 0 and overwrite the data: refused up front."""
    from papermill import cli

    run_notebook = run_notebook_module()
    monkeypatch.setattr(cli.papermill, "main", lambda *a, **k: pytest.fail("papermill ran"))
    out = tmp_path / "notebooks" / "04_gail.ipynb"
    nb = str(ROOT / "notebooks" / "04_gail.ipynb")
    assert run_notebook.main([nb, str(out), "--data", str(tmp_path / "data"), "-p", "seed", "7"]) == 2
    assert capsys.readouterr().err == (
        "make notebook: notebooks/04_gail.ipynb has no parameter 'seed' (did you mean SEED?): its parameters are "
        "SEED, GAIL_MAX_ENV_STEPS, BC_EPOCHS, EVAL_EPISODES, DATA_DIR\n"
    )
    assert run_notebook.main([nb, str(out), "-y", "GAIL_STEPS: 5"]) == 2
    assert "no parameter 'GAIL_STEPS' (did you mean GAIL_MAX_ENV_STEPS?)" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written: no output, no data copied


def test_two_runs_at_once_on_a_fresh_build_each_copy_the_data_whole(tmp_path, monkeypatch):
    """Two (here eight) runs start together on an empty build/data: each copy goes through a temporary file of its
    own, so none fails and every file arrives whole (the shell loop's shared `.tmp` name failed 5 starts in 20)."""
    import threading

    from helpers.files import data as D

    run_notebook = run_notebook_module()
    from papermill import cli

    monkeypatch.setattr(cli.papermill, "main", lambda args, **k: Path(args[1]).write_text('{"cells": []}'))
    nb = str(ROOT / "notebooks" / "02_expert_demonstrations.ipynb")
    committed = {p.name: p.read_bytes() for p in (ROOT / "data").glob("*.pt")}
    for attempt in range(10):
        build = tmp_path / f"build{attempt}"
        start, codes = threading.Barrier(8), []

        def run(k, build=build, start=start, codes=codes):
            start.wait()
            codes.append(run_notebook.main([nb, str(build / f"out{k}.ipynb"), "--data", str(build / "data")]))

        threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert codes == [0] * 8
        assert {p.name: p.read_bytes() for p in (build / "data").iterdir()} == committed  # whole, no temporary left
    assert D.fill_data_folder(tmp_path / "build0" / "data", ROOT / "data") == []  # made once


def test_a_failed_copy_says_which_file_and_why(tmp_path, monkeypatch, capsys):
    from helpers.files import data as D

    run_notebook = run_notebook_module()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(D.os, "fsync", full)
    nb = str(ROOT / "notebooks" / "02_expert_demonstrations.ipynb")
    assert run_notebook.main([nb, str(tmp_path / "out.ipynb"), "--data", str(tmp_path / "data")]) == 1
    first = sorted(p.name for p in (ROOT / "data").glob("*.pt"))[0]
    assert capsys.readouterr().err == (
        f"make notebook: cannot copy data/{first} to {tmp_path / 'data' / first} (no space left on the disk); "
        "nothing was left half-copied\n"
    )
    assert list((tmp_path / "data").iterdir()) == [] and not (tmp_path / "out.ipynb").exists()
