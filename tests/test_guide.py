"""The instructor's guide (docs/instructors.md): its generated table, its figures, its slips, and its page on the site.

The table script (benchmarks/guide_ranges.py) is tested on a small synthetic results dict; the guide's table must be
what its named results files make; the failure modes' slips (benchmarks/failure_modes.py) must differ from the
helpers in exactly the one way they claim; the site must hold the guide's page with every figure. Nothing here
writes a tracked file (the table script writes a copy of the guide in a temporary folder).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

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


guide_ranges = load_script("guide_ranges")


# ------------------------------------------------------------------------------------------ the table script
def cp(name: str, value: float, at_least: float | None = None, at_most: float | None = None) -> dict[str, Any]:
    """One logged checkpoint (or, with no limit, a recorded number), as helpers.teaching.checkpoints writes it."""
    if at_least is None and at_most is None:
        return {"name": name, "value": value, "at_least": None, "at_most": None, "margin": float("nan"), "ok": True}
    margins = ([value - at_least] if at_least is not None else []) + ([at_most - value] if at_most is not None else [])
    return {"name": name, "value": value, "at_least": at_least, "at_most": at_most, "margin": min(margins),
            "ok": min(margins) >= 0}  # fmt: skip


def synthetic(numerics: str = "native", gap_limit: float = 0.4) -> dict[str, Any]:
    """Three seeds: 01 passes on all; 04 passes on two, fails its return on seed 12, is skipped on seed 13."""
    records = []
    for seed, gap, ret, status in ((10, 0.05, 200.0, "pass"), (11, 0.25, 199.5, "pass"), (12, 0.15, 190.0, "fail")):
        records.append({"seed": seed, "notebooks": {
            "01": {"status": "pass", "checkpoints": [cp("expert error (m)", gap / 5, at_most=0.15)]},
            "04": {"status": status, "checkpoints": [cp("GAIL's mean return", ret, at_least=195),
                                                     cp("|gap| (m)", gap, at_most=gap_limit),
                                                     cp("GAIL: habit", 1.4)]},
        }})  # fmt: skip
    records.append({"seed": 13, "notebooks": {
        "01": {"status": "fail", "checkpoints": [cp("expert error (m)", 0.2, at_most=0.15)]},
        "04": {"status": "skipped", "checkpoints": []},
    }})  # fmt: skip
    return {"seeds": "10-13", "numerics": numerics, "torch_cpu_capability": "AVX2", "records": records}


def test_table_gives_each_checkpoints_range_and_limit() -> None:
    text = guide_ranges.table([("a.json", synthetic())])
    lines = text.splitlines()
    assert "- **A**: `a.json`: seeds 10–13 (4), numerics `native` (this CPU's own, torch AVX2)" in lines
    assert "| 01 | expert error (m) | ≤ 0.15 | 0.010 · 0.040 · 0.200, **1 of 4 failed** |" in lines
    assert "| 04 | GAIL's mean return | ≥ 195 | 190 · 199.5 · 200, **1 of 3 failed** |" in lines
    assert "| 04 | \\|gap\\| (m) | ≤ 0.4 | 0.050 · 0.150 · 0.250 |" in lines  # |x| escaped in a table cell
    assert "| **01** | **every checkpoint** | | **3/4** seeds passed |" in lines
    assert "| **04** | **every checkpoint** | | **2/3** seeds passed (1 stopped earlier) |" in lines
    assert "GAIL: habit" not in text  # a recorded number has no limit: not a checkpoint


def test_table_names_each_file_and_shows_limits_that_differ() -> None:
    other = synthetic("default", gap_limit=0.25)
    del other["records"][0]["notebooks"]["04"]["checkpoints"][0]  # not checked on one seed ...
    for r in other["records"]:  # ... nor on any: a checkpoint this sweep did not have
        r["notebooks"]["04"]["checkpoints"] = [
            c for c in r["notebooks"]["04"]["checkpoints"] if "return" not in c["name"]
        ]
    text = guide_ranges.table([("a.json", synthetic()), ("b.json", other)])
    assert "- **B**: `b.json`: seeds 10–13 (4), numerics `default` (torch's plain kernels" in text
    assert "| notebook | checkpoint | limit | A: min · median · max | B: min · median · max |" in text
    assert "| 04 | GAIL's mean return | ≥ 195 | 190 · 199.5 · 200, **1 of 3 failed** | — (not checked) |" in text
    assert ("| 04 | \\|gap\\| (m) | see cells | 0.050 · 0.150 · 0.250 (limit ≤ 0.4) "
            "| 0.050 · 0.150 · 0.250 (limit ≤ 0.25) |") in text  # fmt: skip


def test_a_notebook_outside_a_sweep_is_not_counted_as_stopped_earlier() -> None:
    only_04 = synthetic()
    for r in only_04["records"]:  # as `check_seeds.py --notebooks 04-04 --reuse-data` writes it
        del r["notebooks"]["01"]
    text = guide_ranges.table([("a.json", synthetic()), ("b.json", only_04)])
    assert "| **01** | **every checkpoint** | | **3/4** seeds passed | — (not in this sweep) |" in text
    assert "| 01 | expert error (m) | ≤ 0.15 | 0.010 · 0.040 · 0.200, **1 of 4 failed** | — |" in text
    assert "stopped earlier) | — (not in this sweep)" not in text


def test_block_goes_between_the_markers_and_nothing_else_changes(tmp_path: Path) -> None:
    results = tmp_path / "r.json"
    results.write_text(json.dumps(synthetic()))
    guide = tmp_path / "guide.md"
    guide.write_text(f"# Guide\n\nbefore\n\n{guide_ranges.BEGIN}\nold table\n{guide_ranges.END}\n\nafter\n")
    guide_ranges.main([str(results), "--guide", str(guide)])
    text = guide.read_text()
    assert text.startswith("# Guide\n\nbefore\n\n" + guide_ranges.BEGIN) and text.endswith(
        guide_ranges.END + "\n\nafter\n"
    )
    assert "old table" not in text and "| 04 | GAIL's mean return |" in text
    assert guide_ranges.current_sources(text) == [str(results)]
    guide_ranges.main([str(results), "--guide", str(guide)])
    assert guide.read_text() == text  # a second run changes nothing
    with pytest.raises(ValueError, match="no table markers"):
        guide_ranges.replace_block("# a guide without markers\n", "x")


def test_the_guides_table_is_what_its_results_files_make() -> None:
    text = GUIDE.read_text()
    sources = guide_ranges.current_sources(text)
    assert sources, "the guide's table names no results files: run benchmarks/guide_ranges.py"
    start, end = text.index(guide_ranges.BEGIN), text.index(guide_ranges.END) + len(guide_ranges.END)
    assert text[start:end] == guide_ranges.block(sources, guide_ranges.load(sources)), (
        f"docs/instructors.md's table is out of date: run benchmarks/guide_ranges.py {' '.join(sources)}"
    )


# ------------------------------------------------------------------------------------------ plans and figures
def test_the_plans_reading_times_are_the_workshop_tables() -> None:
    """The guide's per-notebook reading times are `docs/student.py --workshop-table`'s."""
    sys.path.insert(0, str(ROOT / "docs"))
    import student

    def reading(text: str) -> dict[str, str]:
        return dict(re.findall(r"\]\((?:\.\./)?notebooks/(0\d)_[^)]*\) \| [^|]+ \| (~\d+ min) \|", text))

    want = reading(student.workshop_table())
    assert want and reading(GUIDE.read_text()) == want, "update the guide's plans from docs/student.py --workshop-table"


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
