"""The instructor's guide (docs/instructors.md): its generated table, its figures, its slips, and its page on the site.

The guide's table of checkpoint ranges is a generated block (benchmarks/report.py, tested in tests/test_report.py);
the failure modes' slips (benchmarks/failure_modes.py) must differ from the
helpers in exactly the one way they claim; the site must hold the guide's page with every figure. Nothing here
writes a tracked file.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructors.md"
FIGURE_LINK = re.compile(r"!\[[^\]]*\]\((img/[^)]+)\)")


def load_script(name: str) -> ModuleType:
    """A benchmarks/ script as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
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


# ------------------------------------------------------------------------------------------ the slips
def test_the_slips_differ_from_the_helpers_in_one_way_only() -> None:
    from helpers.algorithms import ppo as ppo_module
    from helpers.algorithms.discriminator import Discriminator, gail_reward, update_discriminator
    from helpers.core.optim import Adam

    fm = load_script("failure_modes")
    torch.manual_seed(0)
    disc = Discriminator(8)
    s, a = torch.randn(20, 4), torch.randint(0, 2, (20,))
    assert torch.allclose(fm.reward_log_d(disc, s, a), -gail_reward(disc, s, a))  # the sign, nothing else
    es, ea, ss, sa = torch.randn(6, 4), torch.randint(0, 2, (6,)), torch.randn(9, 4), torch.randint(0, 2, (9,))
    d1, d2 = copy.deepcopy(disc), copy.deepcopy(disc)
    fm.update_discriminator_flipped(d1, Adam(d1.parameters(), lr=1e-2), es, ea, ss, sa, steps=3)
    update_discriminator(d2, Adam(d2.parameters(), lr=1e-2), ss, sa, es, ea, steps=3)  # the two sides swapped
    assert all(torch.equal(p, q) for p, q in zip(d1.parameters(), d2.parameters(), strict=True))
    r, v, v2 = torch.rand(5), torch.rand(5), torch.rand(5)
    term = torch.tensor([False, True, False, False, False])
    trunc = torch.tensor([False, False, False, False, True])
    wrong = fm.gae_bootstrapping_falls(r, v, v2, term, trunc, 0.9, 0.8)
    no_fall = torch.zeros(5, dtype=torch.bool)
    assert torch.equal(wrong, ppo_module.gae(r, v, v2, no_fall, term | trunc, 0.9, 0.8))
    assert not torch.equal(wrong, ppo_module.gae(r, v, v2, term, trunc, 0.9, 0.8))  # the fall is where they differ
    with fm.swapped(ppo_module, "gae", fm.gae_bootstrapping_falls):
        assert ppo_module.gae is fm.gae_bootstrapping_falls
    assert ppo_module.gae is fm._GAE


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
