"""helpers.teaching.checkpoints (a checkpoint prints its margin, fails with its number and limit, logs for the seed
sweep) and benchmarks/check_seeds.py's seed lists and summary."""

from __future__ import annotations

import json

import pytest

from benchmarks import check_seeds
from helpers.teaching import checkpoints
from helpers.teaching.checkpoints import checkpoint


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.delenv("IL_CHECKPOINTS", raising=False)
    monkeypatch.delenv("IL_CHECKPOINT_LOG", raising=False)


def test_a_passing_checkpoint_prints_value_limit_and_margin(capsys):
    assert checkpoint("GAIL's habit gap (m)", 0.05, at_most=0.4) is None  # a cell ending in one shows only its line
    assert capsys.readouterr().out.strip() == "checkpoint ok: GAIL's habit gap (m) 0.05, limit <= 0.4, margin 0.35"


def test_a_failing_checkpoint_names_its_number_limit_and_hint():
    with pytest.raises(
        AssertionError,
        match=r"checkpoint failed: the control's habit gap \(m\) 0.3, limit >= 0.4, "
        r"margin -0.1. re-run notebook 01",
    ):
        checkpoint("the control's habit gap (m)", 0.3, at_least=0.4, hint="re-run notebook 01")


def test_a_band_uses_the_nearer_limit_and_nan_fails(capsys):
    checkpoint("ratio", 1.5, at_least=0.6, at_most=1.6)
    checkpoint("ratio", 0.7, at_least=0.6, at_most=1.6)
    assert capsys.readouterr().out.count("margin 0.1\n") == 2
    with pytest.raises(AssertionError):
        checkpoint("ratio", float("nan"), at_least=0.6)
    with pytest.raises(ValueError, match="needs at_most, at_least or both"):
        checkpoint("ratio", 1.0)


def test_a_control_is_printed_beside_the_learner_and_must_fail(tmp_path, monkeypatch, capsys):
    """The control's number is shown and logged; a control that passes the check too makes the check fail."""
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("IL_CHECKPOINT_LOG", str(log))
    checkpoint("GAIL's habit gap (m)", 0.05, at_most=0.4, control=("the survival control", 1.3))
    assert capsys.readouterr().out.strip() == (
        "checkpoint ok: GAIL's habit gap (m) 0.05, limit <= 0.4, margin 0.35; "
        "the survival control: 1.3, fails it by 0.9"
    )
    with pytest.raises(AssertionError, match=r"shows nothing: .*the survival control: 0.3, passes it too"):
        checkpoint("GAIL's habit gap (m)", 0.05, at_most=0.4, control=("the survival control", 0.3))
    with pytest.raises(AssertionError, match=r"checkpoint failed: .* margin -0.1; the survival control: 1.3"):
        checkpoint("GAIL's habit gap (m)", 0.5, at_most=0.4, control=("the survival control", 1.3))
    logged = [json.loads(x) for x in log.read_text().splitlines()]
    assert [(x["name"], x["ok"]) for x in logged] == [
        ("GAIL's habit gap (m)", True),
        ("GAIL's habit gap (m) (control)", True),  # ok: the control failed the limit, as it must
        ("GAIL's habit gap (m)", True),
        ("GAIL's habit gap (m) (control)", False),
        ("GAIL's habit gap (m)", False),
        ("GAIL's habit gap (m) (control)", True),
    ]


def test_the_log_and_record_mode(tmp_path, monkeypatch, capsys):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("IL_CHECKPOINT_LOG", str(log))
    checkpoint("a", 1.0, at_least=0.5)
    with pytest.raises(AssertionError):
        checkpoint("b", 0.1, at_least=0.5)
    monkeypatch.setenv("IL_CHECKPOINTS", "record")
    checkpoint("c", 0.2, at_least=0.5)  # logged and printed, not raised
    assert "[recorded, not raised" in capsys.readouterr().out
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [(x["name"], x["ok"]) for x in lines] == [("a", True), ("b", False), ("c", False)]
    assert lines[0] == {"name": "a", "value": 1.0, "at_least": 0.5, "at_most": None, "margin": 0.5, "ok": True}


def test_stop_rules_are_stricter_than_the_checks_they_feed():
    from helpers.algorithms.train import ExpertRule

    assert ExpertRule().habit_tol < checkpoints.EXPERT_HABIT_TOL


def test_seed_lists():
    assert check_seeds.parse_seeds("1000-1003") == [1000, 1001, 1002, 1003]
    assert check_seeds.parse_seeds("7,23, 55,7") == [7, 23, 55]
    assert check_seeds.parse_seeds("3-4,1") == [1, 3, 4]
    with pytest.raises(SystemExit, match="runs backwards"):
        check_seeds.parse_seeds("5-4")
    with pytest.raises(SystemExit, match="no seed"):
        check_seeds.parse_seeds(" , ")


def test_sweep_summary_counts_passes_failures_and_worst_margins(capsys):
    def nb(status, checks, message=None):
        return {"status": status, "message": message, "seconds": 1.0, "checkpoints": checks}

    def c(name, value, margin):
        return {"name": name, "value": value, "at_least": None, "at_most": 0.4, "margin": margin, "ok": margin >= 0}

    records = [
        {"seed": 1, "notebooks": {"01": nb("pass", [c("gap", 0.1, 0.3)]), "02": nb("pass", [])}},
        {"seed": 2, "notebooks": {"01": nb("fail", [c("gap", 0.5, -0.1)], "AssertionError: checkpoint failed"),
                                  "02": nb("skipped", [], "not run: notebook 01 failed")}},
    ]  # fmt: skip
    summary = check_seeds.summarize(records, ["01_a.ipynb", "02_b.ipynb"])
    assert summary["01"]["passed"] == 1 and summary["01"]["ran"] == 2
    gap = summary["01"]["checkpoints"]["gap"]
    assert (gap["failed"], gap["worst_seed"], gap["max"]) == (1, 2, 0.5)
    assert gap["worst_margin"] == pytest.approx(-0.1)
    assert summary["02"]["passed"] == 1 and summary["02"]["ran"] == 1
    check_seeds.print_table(summary, [1, 2], "native", "AVX2")
    out = capsys.readouterr().out
    assert "01_a.ipynb: passed on 1/2 seeds" in out and "FAIL seed 2: AssertionError" in out
    assert "not run on 1 seeds" in out


def test_the_sweep_runs_a_snapshot_of_helpers_too(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_a.ipynb").write_text("{}")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "__init__.py").write_text("X = 1\n")
    monkeypatch.setattr(check_seeds, "ROOT", tmp_path)
    monkeypatch.setattr(check_seeds, "BUILD", tmp_path / "build")
    monkeypatch.setattr(check_seeds, "USER_PYTHONPATH", "/elsewhere")
    source = check_seeds.snapshot(["01_a.ipynb"], "native")
    (tmp_path / "helpers" / "__init__.py").write_text("X = 2\n")  # an edit while the sweep runs
    code = source.parent / "code"
    assert source.parent.parent == tmp_path / "build" / "native"
    assert (code / "helpers" / "__init__.py").read_text() == "X = 1\n"
    assert check_seeds.snapshot_pythonpath(source).split(":") == [str(code), "/elsewhere"]
    monkeypatch.setattr(check_seeds.os, "getpid", lambda: 12345)  # a second sweep started meanwhile ...
    other = check_seeds.snapshot(["01_a.ipynb"], "native")
    assert other != source and (code / "helpers" / "__init__.py").read_text() == "X = 1\n"  # ... leaves it alone
