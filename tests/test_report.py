"""benchmarks/report.py: generated blocks are found, rewritten in place and checked; the documents' blocks are what
the current results files make."""

from __future__ import annotations

import json

import pytest

from benchmarks import report


def test_blocks_are_found_block_and_inline() -> None:
    text = "a\n<!-- sweep: x -->\nold\n<!-- /sweep -->\nb <!-- sweep: y -->1 s<!-- /sweep --> c"
    assert [m.group("name") for m in report.blocks_in(text)] == ["x", "y"]
    new = report.update(text, {"x": "| new |\n| table |", "y": "2 s"}.__getitem__)
    assert new == "a\n<!-- sweep: x -->\n| new |\n| table |\n<!-- /sweep -->\nb <!-- sweep: y -->2 s<!-- /sweep --> c"
    assert report.update(new, {"x": "| new |\n| table |", "y": "2 s"}.__getitem__) == new  # idempotent


def test_an_unknown_block_is_named() -> None:
    with pytest.raises(SystemExit, match="unknown block 'nope'"):
        report.render("nope")


def _sweep(numerics: str, seeds: str, values: dict[str, list[float]], statuses: list[str]) -> dict:
    """A results file of check_seeds.py with notebook 04 only: one checkpoint, its control, and a record."""
    records = []
    for i, status in enumerate(statuses):
        logs = [
            {"name": "GAIL's habit gap (m)", "value": values["gap"][i], "at_least": None, "at_most": 0.4,
             "margin": 0.4 - values["gap"][i], "ok": values["gap"][i] <= 0.4},
            {"name": "GAIL's habit gap (m) (control)", "value": values["ctrl"][i], "at_least": None, "at_most": 0.4,
             "margin": 0.4 - values["ctrl"][i], "ok": values["ctrl"][i] > 0.4},
        ]  # fmt: skip
        records.append({"seed": i, "notebooks": {"04": {"status": status, "checkpoints": logs}}})
    return {"numerics": numerics, "seeds": seeds, "command": "check_seeds.py --jobs 2", "wall_seconds": 600.0,
            "records": records}  # fmt: skip


def test_the_guide_and_readme_tables_count_learners_and_controls(tmp_path, monkeypatch) -> None:
    a = _sweep("native", "10-12", {"gap": [0.1, 0.2, 0.5], "ctrl": [1.2, 1.5, 0.3]}, ["pass", "pass", "fail"])
    b = _sweep("default", "20-21", {"gap": [0.05, 0.3], "ctrl": [1.0, 1.1]}, ["pass", "pass"])
    for name, data in [("a_native.json", a), ("b_default.json", b)]:
        (tmp_path / name).write_text(json.dumps(data))
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    monkeypatch.setattr(report, "SWEEPS", ["a_native.json", "b_default.json"])
    report.sweep.cache_clear()
    try:
        guide = report.guide_ranges()
        assert (
            "| **04** | **every checkpoint** | | **2/3** seeds passed (10–12) | **2/2** seeds passed (20–21) | | |"
            in guide
        )
        assert "`benchmarks/results/a_native.json`, `benchmarks/results/b_default.json`" in guide
        assert "| 04 | GAIL's habit gap (m) | ≤ 0.4 | 0.100 · 0.200 · 0.500 | 0.050 · 0.175 · 0.300 " in guide
        assert "| 0.300 · 1.100 · 1.500 | 4/5 |" in guide  # the control passed on one seed of five
        headline = report.readme_headline()
        assert "| 04 | 2/3 (seeds 10–12) | 2/2 (seeds 20–21) |" in headline
        assert "failed the same check 4 times out of 5" in headline
        assert report.check_seeds_20() == "about 67 minutes on 2 cores, 2 seeds at once"
    finally:
        report.sweep.cache_clear()
