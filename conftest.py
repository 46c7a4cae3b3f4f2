"""Test-wide set-up: the notebooks and helpers read and write a temporary copy of data/, never data/ itself."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent


def pytest_configure(config) -> None:
    """Copy data/ to a temporary folder and point IL_DATA_DIR at it (the kernels nbval starts inherit it)."""
    torch.set_num_threads(1)
    if "IL_DATA_DIR" not in os.environ or not os.environ.get("IL_TEST_KEEP_DATA_DIR"):
        tmp = Path(tempfile.mkdtemp(prefix="il-data-"))
        if (ROOT / "data").is_dir():
            shutil.copytree(ROOT / "data", tmp, dirs_exist_ok=True)
        os.environ["IL_DATA_DIR"] = str(tmp)
        config._il_data_tmp = tmp


def pytest_collection_modifyitems(config, items) -> None:
    """nbval's items (a notebook's cells, run in a kernel) carry the ``notebook`` marker, as tests running one do."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)


def pytest_unconfigure(config) -> None:
    """Remove the temporary data folder."""
    tmp = getattr(config, "_il_data_tmp", None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
