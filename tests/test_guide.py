"""The instructor's guide (docs/instructors.md): its generated table, its figures, its slips, and its page on the site.

The guide's table of checkpoint ranges is a generated block (benchmarks/report.py, tested in tests/test_report.py);
the failure modes' figures (docs/failure_modes.py) are drawn from measured runs; the site must hold the guide's page
with every figure. Nothing here
writes a tracked file.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructors.md"
FIGURE_LINK = re.compile(r"!\[[^\]]*\]\((img/[^)]+)\)")


def load_script(name: str) -> ModuleType:
    """A docs/ script as a module (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_the_guides_table_is_a_generated_block() -> None:
    """What learners should see comes from the sweeps' results files (benchmarks/report.py; tests/test_report.py
    checks that the block is current)."""
    from benchmarks import report

    names = [m.group("name") for m in report.blocks_in(GUIDE.read_text())]
    assert names.count("guide-ranges") == 1 and names.count("guide-workshop") == 1


# ------------------------------------------------------------------------------------------ plans and figures
def test_every_figure_of_the_guide_is_committed_and_every_failure_mode_is_shown() -> None:
    links = FIGURE_LINK.findall(GUIDE.read_text())
    for link in links:
        assert (ROOT / "docs" / link).is_file(), f"docs/instructors.md shows {link}, which is not in docs/img/"
    failure_modes = load_script("failure_modes")
    assert {f"img/failure_{name}.png" for name in failure_modes.FIGURES} <= set(links)


# ------------------------------------------------------------------------------------------ the figures
def test_the_figures_are_drawn_from_the_measured_runs(tmp_path) -> None:
    """docs/failure_modes.py draws every failure mode's figure from benchmarks/capstone.py's measured runs, without
    training anything (the slips themselves are benchmarks/capstone.make_gail's, tested in tests/test_capstone.py)."""
    fm = load_script("failure_modes")
    numbers = fm.make_figures(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"failure_{name}.png" for name in fm.FIGURES)
    assert set(numbers) == set(fm.FIGURES)


# ------------------------------------------------------------------------------------------ the site
@pytest.mark.site
def test_the_site_has_the_guide_with_its_figures() -> None:
    """`make site` builds the guide's page, linked from the landing page, with every figure the guide shows."""
    for module in ("sphinx", "myst_nb", "sphinx_book_theme", "sphinx_copybutton"):
        pytest.importorskip(module, reason=f"{module} missing: `make docs-setup` installs requirements-docs.txt")
    sys.path.insert(0, str(ROOT / "docs"))
    import build_site

    build_site.build(if_stale=True)
    site = build_site.SITE_DIR
    page = (site / "instructors.html").read_text()
    assert 'href="instructors.html"' in (site / "index.html").read_text()
    images = {p.name for p in site.rglob("*.png")}
    for link in FIGURE_LINK.findall(GUIDE.read_text()):
        stem = Path(link).stem
        shown = re.findall(rf'<img[^>]+src="([^"]*{re.escape(stem)}[^"]*)"', page)
        assert shown, f"instructors.html shows no {link}"
        assert Path(shown[0]).name in images, f"{shown[0]} is not in the built site"
    assert "../notebooks/" not in (build_site.STAGE_DIR / "instructors.md").read_text()
