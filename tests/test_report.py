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
        assert "| 04 | 2/3 (10–12) | 2/2 (20–21) |" in headline
        assert "failed the same check 4 times out of 5" in headline
        assert report.check_seeds_20() == "about 67 minutes on 2 cores, 2 seeds at once"
    finally:
        report.sweep.cache_clear()


def _pendulum_seed(seed: int, gail_gap: float, bc_up: float) -> dict:
    """One seed of notebook 07's sweep: its checkpoints (and controls), then its records if no checkpoint failed."""
    ok = gail_gap <= 0.1
    logs = [
        {"name": "expert: share of fresh episodes ending upright", "value": 1.0, "at_least": 0.9, "at_most": None,
         "margin": 0.1, "ok": True},
        {"name": "expert: |tilt - θ*| (rad)", "value": 0.04, "at_least": None, "at_most": 0.125, "margin": 0.085,
         "ok": True},
        {"name": "GAIL: share of fresh episodes ending upright", "value": 0.9, "at_least": 0.5, "at_most": None,
         "margin": 0.4, "ok": True},
        {"name": "GAIL: |tilt - expert's| (rad)", "value": gail_gap, "at_least": None, "at_most": 0.1,
         "margin": 0.1 - gail_gap, "ok": ok},
        {"name": "GAIL: |tilt - expert's| (rad) (control)", "value": 0.2, "at_least": None, "at_most": 0.1,
         "margin": -0.1, "ok": True},
    ]  # fmt: skip
    if ok:
        tilts = {"expert": 0.21, "GAIL": 0.21 - gail_gap, "BC": 0.2 if bc_up else float("nan"), "control": 0.01}
        ups = {"expert": 1.0, "GAIL": 0.9, "BC": bc_up, "control": 1.0}
        for name in tilts:
            for key, value in (("return", -150.0), ("upright", ups[name]), ("tilt", tilts[name])):
                logs.append({"name": f"{name}: {key}", "value": value, "at_least": None, "at_most": None,
                             "margin": None, "ok": True})  # fmt: skip
    return {"seed": seed, "notebooks": {"07": {"status": "pass" if ok else "fail", "checkpoints": logs}}}


def test_notebook_07_table_counts_every_seed_and_names_a_failure(tmp_path, monkeypatch) -> None:
    native = [_pendulum_seed(7000, 0.01, 1.0), _pendulum_seed(7001, 0.109, 1.0), _pendulum_seed(7002, 0.02, 0.0)]
    default = [_pendulum_seed(7100, 0.03, 0.6)]
    for name, numerics, seeds, records in [
        ("pendulum_7000-7002_native.json", "native", "7000-7002", native),
        ("pendulum_7100-7100_default.json", "default", "7100-7100", default),
    ]:
        (tmp_path / name).write_text(json.dumps({"numerics": numerics, "seeds": seeds, "records": records}))
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    report.sweep.cache_clear()
    try:
        table = report.table_07_learners()
    finally:
        report.sweep.cache_clear()
    assert table.startswith(
        "Seeds 7000–7002 (this CPU) and 7100–7100 (plain kernels): 4 seeds; every checkpoint held on 3."
    )
    # the failed seed counted, from its checkpoint
    assert "| GAIL | 0.90–0.90 | 4/4 | 0.025 (0.010–0.109) | 3/4 |" in table
    assert "| BC (seeds that ran to the end) | 0–1 | 2/3 |" in table  # seed 7002's BC never swung up: no tilt
    assert "gap ≤ 0.1: 0/4 |" in table  # the control, on every seed
    assert "A checkpoint failed on seed 7001 (this CPU): GAIL: \\|tilt - expert's\\| (rad) 0.109, limit ≤ 0.1." in table


def test_every_documents_blocks_are_what_the_results_files_make() -> None:
    """Every figure over seeds that the notebooks, the README, the guide and benchmarks/ quote is what
    benchmarks/report.py makes from the current results files (run `make tables` after a sweep)."""
    found = report.stale()
    assert not found, "stale generated blocks (run `make tables`): " + ", ".join(found)
