"""Where the repository is, and paths as a learner should read them (no machine's absolute path in an output)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # helpers/core/paths.py -> the repository (or site-packages, installed)
IN_REPOSITORY = (ROOT / "pyproject.toml").is_file() and (ROOT / "data").is_dir()
"""True when ``helpers`` is imported from a clone of the repository, False when installed as a package."""


def display_path(path: str | os.PathLike) -> str:
    """``path`` as a learner should read it: relative to the repository (or, installed, to the current folder) if
    inside it, else ``~/...`` or absolute.

    Notebooks print paths through it, so no committed output holds a machine's absolute path.
    """
    p = Path(os.path.abspath(os.fspath(path)))
    base = ROOT if IN_REPOSITORY else Path.cwd()
    for candidate in (p, p.resolve()):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            pass
    try:
        return "~/" + p.relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):
        return str(p)
