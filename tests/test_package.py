"""The package a learner installs: a wheel with the helpers, the committed data files and the pinned dependencies;
a notebook copied alone into an empty folder runs with it, and without it stops at once saying what to install.

The fresh environment is a venv whose dependencies are this .venv's (a ``.pth`` line puts its site-packages on the
path, without running its ``.pth`` files, so the editable ``helpers`` of this checkout stays out): installing torch
again would take minutes. The dependency declaration itself is checked twice: the wheel's ``Requires-Dist`` lines are
requirements.txt's pins, and inside the fresh venv every one of them is met by the version installed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "02_expert_demonstrations.ipynb"  # reads expert_policy.pt, writes expert_demos.pt: seconds
GUARD = "This notebook needs the series' package: run `%pip install PATH` in a cell"


def pins() -> list[str]:
    """requirements.txt's pins, comments and blank lines aside."""
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def build_wheel(tmp_path: Path) -> Path:
    """The wheel of a copy of what the package is made of (so building leaves nothing in the repository)."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ["pyproject.toml", "requirements.txt"]:
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "helpers", src / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    (src / "data").mkdir()
    for pt in (ROOT / "data").glob("*.pt"):
        shutil.copy(pt, src / "data" / pt.name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path)]
        + [str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("il_step_by_step-*.whl")
    return wheel


def fresh_venv(tmp_path: Path) -> tuple[Path, Path]:
    """A venv (its python, its site-packages) that sees this .venv's packages but not this checkout's helpers."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "ipykernel", "install", "--prefix", str(venv), "--name", "il-fresh"],
        check=True,
        capture_output=True,
    )
    return python, site


def run_alone(python: Path, work: Path) -> subprocess.CompletedProcess:
    """Run the notebook in ``work`` (where it lies alone) with papermill, in the fresh venv's kernel."""
    return subprocess.run(
        [str(python), "-m", "papermill", NOTEBOOK, "out.ipynb", "-k", "il-fresh", "--cwd", str(work)],
        cwd=work,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "HOME": str(work.parent), "MPLBACKEND": "Agg"},  # no IL_DATA_DIR, no PYTHONPATH
        timeout=600,
    )


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.pt")}


def test_a_notebook_alone_runs_with_the_installed_package_and_stops_without_it(tmp_path):
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        metadata = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
        shipped = {n.rsplit("/", 1)[-1]: z.read(n) for n in z.namelist() if n.startswith("helpers/shipped_data/")}
    assert [line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist: ")] == pins()
    assert shipped == {p.name: p.read_bytes() for p in (ROOT / "data").glob("*.pt")}

    python, site = fresh_venv(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, work / NOTEBOOK)

    # Without the package: the first cell after the parameters stops with one sentence saying what to install.
    result = run_alone(python, work)
    assert result.returncode != 0
    error = [o for c in json.loads((work / "out.ipynb").read_text())["cells"] for o in c.get("outputs", [])]
    assert [o["evalue"] for o in error if o["output_type"] == "error"][0].startswith(GUARD)
    assert sorted(p.name for p in work.iterdir()) == [NOTEBOOK, "out.ipynb"]

    # With it: the notebook runs from this empty folder, copies the shipped data into ./il_data/ and writes there.
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site), wheel],
        check=True,
        capture_output=True,
    )
    unmet = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m; from packaging.requirements import Requirement\n"
            "for r in map(Requirement, m.requires('il-step-by-step')):\n"
            "    v = m.version(r.name)\n"
            "    print('' if v in r.specifier else f'{r} has {v}')",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert unmet == []  # every declared pin is met by the installed version
    installed = digest(site / "helpers")
    result = run_alone(python, work)
    assert result.returncode == 0, result.stderr[-3000:]
    assert digest(site / "helpers") == installed  # nothing written into the installed package
    data = work / "il_data"
    assert {p.name for p in data.glob("*.pt")} == set(shipped)
    printed = "".join(
        "".join(o.get("text", ""))
        for c in json.loads((work / "out.ipynb").read_text())["cells"]
        for o in c.get("outputs", [])
    )
    assert "il_data/: this notebook's data folder" in printed and "saved il_data/expert_demos.pt" in printed
    assert str(tmp_path) not in printed  # paths shown relative to the folder the notebook runs in
