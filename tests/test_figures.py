"""The README's picture (`make figures`, docs/readme_gif.py) is small, on the README, and true to data/."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
import readme_gif  # noqa: E402 - docs/ is not a package

GIF = readme_gif.OUT


def test_readme_shows_the_gif_first() -> None:
    """The picture is the first thing under the README's title."""
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.strip()]
    assert lines[0].startswith("# ")
    assert f"]({GIF.relative_to(ROOT).as_posix()})" in lines[1], "the line under the title shows the GIF"


def test_gif_is_small_and_animated() -> None:
    """Under ~1 MB, and animated (one frame per shown step of the episodes)."""
    data = GIF.read_bytes()
    assert len(data) < readme_gif.MAX_BYTES
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "GIF" and im.n_frames > 10


@pytest.mark.site  # renders the README's picture: seconds of pygame
def test_gif_is_made_from_the_committed_policies() -> None:
    """The committed GIF is exactly what the committed data/ policies make: after new policies, `make figures`."""
    assert readme_gif.side_by_side() == GIF.read_bytes(), f"{GIF.relative_to(ROOT)} is out of date: run `make figures`"
