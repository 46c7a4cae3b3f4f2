"""How reliably and how fast the series learns, measured over seeds; or how long the notebooks take.

    .venv/bin/python -m benchmarks.run --seeds 20     # make bench: benchmarks/results/learners_0-19_native.json
    .venv/bin/python -m benchmarks.run --seeds 20 --seed-offset 20
    .venv/bin/python -m benchmarks.run --notebooks    # make bench-notebooks: results/notebook-times_0_native.json

Per seed s, through the notebooks' own code paths (``helpers``), with the notebooks' own settings:
- expert (01): ``train_expert(s)``; env steps and training seconds to the first solved evaluation and to the stop
  (greedy episodes last 200 steps and hold the habit, 3 evaluations in a row, then 50 fresh episodes), solved or not;
- demo (02): one greedy episode of that expert in its own environment (habit reward) from ``reset(seed=s)``;
- GAIL (04): ``train_gail(demo, s, GAILConfig())``, its whole fixed budget (80,000 env steps);
- the survival control (04): the same with ``GAILConfig(reward="survival")`` (a constant log 2 per step);
- BC (04): ``train_bc(states, actions, epochs=1000, hidden=64, seed=s)``.
Every learner, and the expert, is scored on the same 50 fresh greedy episodes (``helpers.fresh_seed(s)``: start
states no training run played): mean return; habit (mean cart x over the last 100 steps of each episode, averaged
over the 50); agreement of its greedy action with its own seed's expert's, on the 200 demo states and on the
states of its own 50 episodes. GAIL and the control are also scored on 50 sampled episodes (habit, length).

*Habit first reached*: the env steps and training seconds of the first iteration whose **sampled training
episodes** (``History.episode_habit``: the batch the student played in that iteration, sampling its actions) had a
mean habit within 0.25 of the expert's habit on the 50 fresh greedy episodes; None if no iteration did. It is a
figure of learning speed, not the score: the greedy student is judged on the fresh episodes, after training.

How it counts: env steps exclude evaluation episodes. Every time is **wall** time by ``time.perf_counter``, one
process, torch on one thread: the training seconds as ``History`` counts them (playing and updating; evaluation
excluded), BC's training call, a seed's whole run, the calibration loop and each notebook's execution. The
calibration figure (``common.calibration_seconds``: ``for _ in range(10_000_000): i += 1``) is measured at the
start and at the end of the run and stored with the results, beside the timings: a figure of how fast this
machine ran Python then (its speed and its load), not a factor to scale them by. (A loop's time does not predict
a notebook's: torch's small operations and NumPy scale differently from a Python loop.) Each seed's record also
holds the loop's time measured just before that seed (``calibration_seconds``).

``--going-further`` adds notebook 05's parts with budgets from ``GoingFurther``, whose defaults mirror notebook
05's parameters cell: 200 pairs of the uniform random policy (``helpers.helpers.random_policy_demos``), plain
GAIL on them (the random-demo control), and absorbing-state GAIL (``helpers.algorithms.gail.absorbing_config``) on the
expert's demo and on the random pairs; scored as above plus the mean length of 100 sampled episodes.

``--notebooks`` executes notebooks/0*.ipynb in order, as the tests do (nbclient, a fresh kernel each,
``IL_DATA_DIR`` = a temporary copy of data/), times each one and records the calibration; the seed run reads
those times for the notebook-time targets. Every results file records the commit and the command that made it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from benchmarks.common import (
    calibration_record,
    calibration_seconds,
    expert_and_demo,
    expert_info,
    first_habit,
    machine_info,
    measure,
    median_range,
    provenance,
    results_path,
    write_json,
)
from helpers.algorithms.bc import train_bc
from helpers.algorithms.gail import GAILConfig, absorbing_config, student_ppo_config, train_gail
from helpers.core.demos import mean_episode_length, random_policy_demos
from helpers.core.env import HABIT_X, THETA_LIMIT, X_LIMIT
from helpers.core.networks import UniformPolicy
from helpers.core.rollout import evaluate, habit_of
from helpers.core.seeding import fresh_seed
from helpers.teaching.checkpoints import DEMO_HABIT_TOL, DEMO_LIMIT_SHARE, EXPERT_HABIT_TOL, HABIT_GAP, SOLVED_RETURN
from helpers.teaching.parameters import notebook_parameters

ROOT = Path(__file__).resolve().parent.parent
HABIT_TOL = HABIT_GAP
"""A learner holds the expert's habit when its habit is within this of the expert's (notebook 04's checkpoint)."""
CONTROL_FAR = HABIT_GAP
"""The survival control fails that checkpoint: its habit at least this far from the expert's (notebook 04's)."""


def notebook_verdicts(row: dict[str, Any]) -> dict[str, bool]:
    """Each notebook checkpoint that this seed's numbers decide, with the notebooks' own limits
    (``helpers.teaching.checkpoints``): 01's expert, 02's demo and 04's learners; ``check_seeds.py`` runs the
    notebooks."""
    v = {
        "nb01_expert_solved": row["expert_solved"],
        "nb01_expert_return_200": row["expert_return_50"] >= 200,
        "nb01_expert_habit": abs(row["expert_habit_x"] - HABIT_X) <= EXPERT_HABIT_TOL,
        "nb02_demo_200_steps": row["demo_len"] == 200 and not row["demo_terminated"],
        "nb02_demo_limits": row["demo_max_abs_x"] <= DEMO_LIMIT_SHARE * X_LIMIT
        and row["demo_max_abs_theta"] <= DEMO_LIMIT_SHARE * THETA_LIMIT,
        "nb02_demo_habit": abs(row["demo_habit_x"] - HABIT_X) <= DEMO_HABIT_TOL,
        "nb04_gail_return": row["gail_return_50"] >= SOLVED_RETURN,
        "nb04_gail_habit": row["gail_habit_gap"] <= HABIT_GAP,
        "nb04_control_fails": row["control_habit_gap"] >= HABIT_GAP,
        "nb04_bc_habit": row["bc_habit_gap"] <= HABIT_GAP,
    }
    return {k: bool(x) for k, x in v.items()}


def _nb(notebook: str, name: str) -> Any:
    """A default of a notebook's parameters cell, read from the notebook (one source per default)."""
    return notebook_parameters(notebook)[name]


@dataclass
class Budgets:
    """Training budgets and evaluation sizes; the defaults are read from notebooks 01 and 04's parameters cells."""

    expert_steps: int = field(default_factory=lambda: _nb("01", "MAX_ENV_STEPS"))
    """The expert's budget of training env steps (notebook 01's MAX_ENV_STEPS; it stops earlier, once solved)."""
    gail_steps: int = field(default_factory=lambda: _nb("04", "GAIL_MAX_ENV_STEPS"))
    """GAIL's and the control's budget (notebook 04's GAIL_MAX_ENV_STEPS; both use all of it)."""
    bc_epochs: int = field(default_factory=lambda: _nb("04", "BC_EPOCHS"))
    """Behavioral-cloning epochs (notebook 04's BC_EPOCHS)."""
    bc_hidden: int = field(default_factory=lambda: student_ppo_config().hidden)
    """BC's hidden units (notebook 04: the GAIL student's)."""
    eval_episodes: int = field(default_factory=lambda: _nb("04", "EVAL_EPISODES"))
    """Fresh greedy episodes every policy is scored on (notebook 04's EVAL_EPISODES)."""
    sampled_episodes: int = 50
    """Fresh sampled episodes GAIL and the control are also scored on (their sampled habit)."""


@dataclass
class GoingFurther:
    """Notebook 05's budgets for ``--going-further``, read from its parameters cell."""

    random_pairs: int = 200
    """Pairs of the uniform random policy, the random demonstrations (notebook 05 records 200)."""
    random_demo_steps: int = field(default_factory=lambda: _nb("05", "CONTROL_MAX_ENV_STEPS"))
    """Plain GAIL on the random pairs, the random-demo control (CONTROL_MAX_ENV_STEPS)."""
    absorbing_steps: int = field(default_factory=lambda: _nb("05", "ABSORBING_MAX_ENV_STEPS"))
    """Absorbing-state GAIL on the expert's demo (ABSORBING_MAX_ENV_STEPS)."""
    absorbing_random_steps: int = field(default_factory=lambda: _nb("05", "ABSORBING_MAX_ENV_STEPS"))
    """Absorbing-state GAIL on the random pairs (ABSORBING_MAX_ENV_STEPS: notebook 05 uses one budget for both)."""
    sampled_episodes: int = field(default_factory=lambda: _nb("05", "SAMPLED_EPISODES"))
    """Fresh sampled episodes per learner (mean episode length: the measure for imitating a coin)."""
    random_policy_episodes: int = 200
    """Sampled episodes of the uniform random policy (its mean episode length)."""


QUICK = Budgets(expert_steps=1_000, gail_steps=800, bc_epochs=5, eval_episodes=3, sampled_episodes=3)
"""Tiny budgets for the test and a smoke run (``--quick``): the numbers mean nothing."""
QUICK_GOING_FURTHER = GoingFurther(
    random_pairs=50,
    random_demo_steps=200,
    absorbing_steps=200,
    absorbing_random_steps=200,
    sampled_episodes=3,
    random_policy_episodes=5,
)
"""Tiny budgets of the going-further parts for the test and ``--quick``."""

LEARNERS = ("gail", "control", "bc")


def _scores(prefix: str, m: dict[str, float], expert_habit: float) -> dict:
    """The record's keys of one scored learner: return, habit, its gap to the expert's, agreement."""
    out = {
        f"{prefix}_return_50": m["return"],
        f"{prefix}_habit_x": m["habit"],
        f"{prefix}_habit_gap": abs(m["habit"] - expert_habit),
        f"{prefix}_agreement_demo": m["agree_demo"],
        f"{prefix}_agreement_own": m["agree_own"],
    }
    if "sampled_habit" in m:
        out[f"{prefix}_habit_x_sampled"] = m["sampled_habit"]
        out[f"{prefix}_episode_len_sampled"] = m["sampled_len"]
    return out


def _training(prefix: str, hist: Any, expert_habit: float) -> dict:
    """The record's keys of one GAIL-style training run: env steps, training seconds, habit first reached."""
    steps, seconds = first_habit(hist, expert_habit, HABIT_TOL)
    return {
        f"{prefix}_env_steps": hist.env_steps[-1],
        f"{prefix}_iterations": len(hist.env_steps),
        f"{prefix}_train_seconds": hist.train_seconds[-1],
        f"{prefix}_steps_to_habit": steps,
        f"{prefix}_seconds_to_habit": seconds,
    }


def run_seed(seed: int, budgets: Budgets | None = None, going_further: GoingFurther | None = None) -> dict[str, Any]:
    """Every measured number of one seed (see the module docstring); None where something was never reached."""
    b = budgets or Budgets()
    torch.set_num_threads(1)
    row: dict[str, Any] = {"seed": seed, "calibration_seconds": calibration_seconds()}  # this seed's own figure
    t_seed = time.perf_counter()
    ev = fresh_seed(seed)

    # 01: the expert, trained until solved (or out of budget), scored on the 50 fresh greedy episodes.
    agent, hist, demos = expert_and_demo(seed, b.expert_steps)
    expert = agent.policy
    info = expert_info(hist)
    row |= {
        "expert_solved": info["solved"],
        "expert_steps_to_solved": info["steps_to_solved"],
        "expert_seconds_to_solved": info["seconds_to_solved"],
        "expert_env_steps": info["env_steps"],
        "expert_train_seconds": info["train_seconds"],
        "expert_updates": info["updates"],
    }
    m = measure(expert, expert, demos["states"], ev, b.eval_episodes)
    expert_habit = m["habit"]
    row |= {"expert_return_50": m["return"], "expert_habit_x": expert_habit}
    # 02: its demonstration (recorded by expert_and_demo through record_demo, as notebook 02 records it).
    row |= {
        "demo_len": len(demos["states"]),
        "demo_terminated": bool(demos["terminated"].any()),
        "demo_habit_x": habit_of(demos["states"]),
        "demo_max_abs_x": float(demos["states"][:, 0].abs().max()),
        "demo_max_abs_theta": float(demos["states"][:, 2].abs().max()),
    }

    # 04: GAIL, the survival control, BC, each on the same 200 pairs, scored on the same fresh episodes.
    gail_config = GAILConfig(max_env_steps=b.gail_steps)
    for prefix, config in (("gail", gail_config), ("control", replace(gail_config, reward="survival"))):
        student, ghist, _ = train_gail(demos, seed, config, progress=False)
        m = measure(student.policy, expert, demos["states"], ev, b.eval_episodes, b.sampled_episodes)
        row |= _training(prefix, ghist, expert_habit) | _scores(prefix, m, expert_habit)
        row[f"{prefix}_d_acc_last"] = ghist.extra["d_acc"][-1]
    t0 = time.perf_counter()
    bc, _ = train_bc(demos["states"], demos["actions"], epochs=b.bc_epochs, hidden=b.bc_hidden, seed=seed)
    row["bc_train_seconds"] = time.perf_counter() - t0
    row |= _scores("bc", measure(bc, expert, demos["states"], ev, b.eval_episodes), expert_habit)

    if going_further is not None:
        row |= going_further_part(seed, going_further, expert, demos, b)
    row["seed_wall_seconds"] = time.perf_counter() - t_seed
    row["checkpoints"] = notebook_verdicts(row)
    return row


def going_further_part(
    seed: int, gf: GoingFurther, expert: torch.nn.Module, demos: dict[str, Any], b: Budgets
) -> dict[str, Any]:
    """Notebook 05's parts for one seed: the random-demo control and absorbing-state GAIL on both demo sets."""
    ev = fresh_seed(seed)
    row: dict[str, Any] = {}
    rnd = random_policy_demos(gf.random_pairs, seed=seed)
    row["random_demos_episode_len"] = mean_episode_length(rnd)
    row["random_policy_episode_len"] = float(
        evaluate(UniformPolicy(), gf.random_policy_episodes, greedy=False, seed=ev).mean()
    )
    runs = (
        (
            "random_control",
            rnd,
            GAILConfig(max_env_steps=gf.random_demo_steps, ppo=student_ppo_config(anneal_lr=False)),
        ),
        ("absorbing_expert", demos, absorbing_config(max_env_steps=gf.absorbing_steps)),
        ("absorbing_random", rnd, absorbing_config(max_env_steps=gf.absorbing_random_steps)),
    )
    for prefix, side, config in runs:
        student, hist, _ = train_gail(side, seed, config, progress=False)
        m = measure(student.policy, expert, demos["states"], ev, b.eval_episodes, gf.sampled_episodes)
        row |= {
            f"{prefix}_return_50": m["return"],
            f"{prefix}_episode_len_sampled": m["sampled_len"],
            f"{prefix}_habit_x": m["habit"],
            f"{prefix}_agreement_demo": m["agree_demo"],
            f"{prefix}_agreement_own": m["agree_own"],
            f"{prefix}_env_steps": hist.env_steps[-1],
            f"{prefix}_train_seconds": hist.train_seconds[-1],
        }
    return row


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Median, min, max and count of the non-null values of every numeric key; true counts of the flags;
    success counts."""
    out: dict[str, Any] = {"n_seeds": len(rows), "keys": {}}
    for key in rows[0]:
        if key in ("seed", "checkpoints"):
            continue
        values = [r.get(key) for r in rows]
        if all(isinstance(v, bool) for v in values):
            out["keys"][key] = {"n_true": sum(values), "n": len(values)}
            continue
        ok = [float(v) for v in values if v is not None]
        out["keys"][key] = {
            "median": statistics.median(ok) if ok else None,
            "min": min(ok) if ok else None,
            "max": max(ok) if ok else None,
            "n_not_null": len(ok),
        }

    def count(test: Any) -> int:
        return sum(bool(test(r)) for r in rows)

    s = {
        "expert_solved": count(lambda r: r["expert_solved"]),
        "expert_return_ge_195": count(lambda r: r["expert_return_50"] >= SOLVED_RETURN),
        "demo_200_steps": count(lambda r: r["demo_len"] == 200 and not r["demo_terminated"]),
        "notebook_checkpoints_all_pass": count(lambda r: all(r["checkpoints"].values())),
    }
    for name in rows[0]["checkpoints"]:
        s[f"checkpoint_{name}"] = count(lambda r, name=name: r["checkpoints"][name])
    for p in LEARNERS:
        s[f"{p}_return_ge_195"] = count(lambda r, p=p: r[f"{p}_return_50"] >= SOLVED_RETURN)
        s[f"{p}_habit_within_{HABIT_TOL}"] = count(lambda r, p=p: r[f"{p}_habit_gap"] <= HABIT_TOL)
        s[f"{p}_habit_farther_than_{CONTROL_FAR}"] = count(lambda r, p=p: r[f"{p}_habit_gap"] > CONTROL_FAR)
        s[f"{p}_ok"] = count(lambda r, p=p: r[f"{p}_return_50"] >= SOLVED_RETURN and r[f"{p}_habit_gap"] <= HABIT_TOL)
    for p in ("gail", "control"):
        s[f"{p}_habit_reached_in_training"] = count(lambda r, p=p: r[f"{p}_steps_to_habit"] is not None)
    if "absorbing_expert_return_50" in rows[0]:
        s |= {
            "random_control_outlives_random_1.5x": count(
                lambda r: r["random_control_episode_len_sampled"] >= 1.5 * r["random_policy_episode_len"]
            ),
            "absorbing_expert_return_ge_195": count(lambda r: r["absorbing_expert_return_50"] >= SOLVED_RETURN),
            "absorbing_random_within_25pct_of_random": count(
                lambda r: abs(r["absorbing_random_episode_len_sampled"] / r["random_policy_episode_len"] - 1) <= 0.25
            ),
        }
    s["n"] = len(rows)
    out["success"] = s
    return out


def _timing_target(label: str, seconds: float | None, limit: float, calibration: float | None, note: str = "") -> dict:
    """A timing target as measured on this machine, checked against ``limit``, with the machine's calibration
    loop beside it (``calibration_loop_seconds``; None if none was recorded)."""
    return {
        "target": label,
        "goal": f"<= {limit:g} s",
        "measured": None if seconds is None else f"{seconds:.2f} s{note}",
        "met": seconds is not None and seconds <= limit,
        "calibration_loop_seconds": None if not calibration else round(calibration, 3),
    }


def targets(
    summary: dict[str, Any], calibration: float | None, notebooks: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The project's targets, each with the measured value and whether it is met; the timing targets carry the
    machine's calibration loop beside them."""
    k, s, n = summary["keys"], summary["success"], summary["n_seeds"]
    med = {key: v.get("median") for key, v in k.items()}
    rows = [
        {
            "target": f"GAIL: return >= 195 and habit within {HABIT_TOL} of its own expert's (50 fresh greedy "
            "episodes), every seed",
            "goal": f"{n}/{n}",
            "measured": f"{s['gail_ok']}/{n} (worst return {k['gail_return_50']['min']:.1f}, "
            f"largest habit gap {k['gail_habit_gap']['max']:.2f})",
            "met": s["gail_ok"] == n,
        },
        {
            "target": f"survival control: habit farther than {CONTROL_FAR} from its expert's, every seed",
            "goal": f"{n}/{n}",
            "measured": f"{s[f'control_habit_farther_than_{CONTROL_FAR}']}/{n} "
            f"(smallest gap {k['control_habit_gap']['min']:.2f})",
            "met": s[f"control_habit_farther_than_{CONTROL_FAR}"] == n,
        },
        {
            "target": "BC: reported (no goal)",
            "goal": "reported",
            "measured": f"return >= 195 on {s['bc_return_ge_195']}/{n}, habit within {HABIT_TOL} on "
            f"{s[f'bc_habit_within_{HABIT_TOL}']}/{n} (largest gap {k['bc_habit_gap']['max']:.2f})",
            "met": True,
        },
        _timing_target(
            "GAIL: training seconds (evaluation excluded), median", med["gail_train_seconds"], 5, calibration
        ),
        _timing_target(
            "the expert with its habit: training seconds to the stop, median",
            med["expert_train_seconds"],
            5,
            calibration,
        ),
    ]
    nb_cal = (notebooks or {}).get("calibration", {}).get("seconds")
    nb_note = ""
    if notebooks and not nb_cal:
        nb_note = f" (notebooks.json of {notebooks.get('machine_before', {}).get('date', '?')}, no calibration)"
    nb04 = next((v["wall_seconds"] for name, v in (notebooks or {}).get("notebooks", {}).items() if "04" in name), None)
    rows.append(_timing_target("notebook 04, wall", nb04, 20, nb_cal, nb_note))
    nb06 = next((v["wall_seconds"] for name, v in (notebooks or {}).get("notebooks", {}).items() if "06" in name), None)
    rows.append(_timing_target("notebook 06, wall", nb06, 20, nb_cal, nb_note))
    total = notebooks.get("total_seconds") if notebooks else None
    rows.append(_timing_target("the whole series, wall", total, 65, nb_cal, nb_note))
    return rows


def speed_report(summary: dict[str, Any]) -> list[str]:
    """Lines on when GAIL's (and the control's) sampled training episodes first reached the expert's habit."""
    k = summary["keys"]
    lines = []
    for p, name in (("gail", "GAIL"), ("control", "survival control")):
        steps, secs = k[f"{p}_steps_to_habit"], k[f"{p}_seconds_to_habit"]
        if steps["n_not_null"] == 0:
            lines.append(f"{name}: habit never reached in training (0/{summary['n_seeds']})")
            continue
        lines.append(
            f"{name}: habit first reached (sampled training episodes) on {steps['n_not_null']}/{summary['n_seeds']}: "
            f"env steps {steps['median']:,.0f} ({steps['min']:,.0f}-{steps['max']:,.0f}), "
            f"training seconds {secs['median']:.2f} ({secs['min']:.2f}-{secs['max']:.2f})"
        )
    return lines


def plot_habits(rows: list[dict[str, Any]], path: Path) -> None:
    """Per seed: the habits of the expert, GAIL, the survival control and BC (50 fresh greedy episodes each)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seeds = [r["seed"] for r in rows]
    fig, ax = plt.subplots(figsize=(9, 4.6))
    for s, r in zip(seeds, rows, strict=True):  # the band a learner must be in: the expert's habit +- 0.25
        e = r["expert_habit_x"]
        ax.add_patch(plt.Rectangle((s - 0.4, e - HABIT_TOL), 0.8, 2 * HABIT_TOL, color="0.88", lw=0, zorder=0))
    series = [
        ("expert_habit_x", "expert", "k", "_", 16, 0.0),
        ("gail_habit_x", "GAIL", "C0", "o", 6, -0.18),
        ("bc_habit_x", "BC", "C2", "^", 6, 0.18),
        ("control_habit_x", "survival control", "C3", "x", 7, 0.0),
    ]
    for key, label, color, marker, size, dx in series:
        x, y = [s + dx for s in seeds], [r[key] for r in rows]
        ax.plot(x, y, marker, color=color, ms=size, mew=2, ls="", label=label)
    ax.plot([], [], "s", color="0.88", ms=10, label=f"expert's habit ± {HABIT_TOL}")
    ax.axhline(HABIT_X, color="0.5", lw=0.8, ls="--", label=f"HABIT_X = {HABIT_X:g} (the expert's reward)")
    ax.axhline(0, color="0.6", lw=0.8, ls=":")
    ax.set_xticks(seeds)
    ax.set_xlabel("seed (each trains its own expert and records its own demonstration)")
    ax.set_ylabel("habit: mean cart x over the last\n100 steps (m), 50 fresh greedy episodes")
    ax.set_title(f"Where each policy keeps the cart, seeds {seeds[0]}–{seeds[-1]}")
    ax.legend(fontsize="small", ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.17))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def time_notebooks(notebooks: list[Path] | None = None, kernel: str = "python3", timeout: int = 900) -> dict[str, Any]:
    """Execute the notebooks (default: notebooks/0*.ipynb) in order, each in a fresh kernel, on a temporary copy of
    data/; their wall seconds, and the calibration loop before and after."""
    import nbformat
    from nbclient import NotebookClient

    notebooks = notebooks or sorted((ROOT / "notebooks").glob("0*.ipynb"))
    cal_start = calibration_seconds()
    out: dict[str, Any] = {"notebooks": {}, "machine_before": machine_info()}
    with tempfile.TemporaryDirectory(prefix="il_bench_data_") as tmp:
        shutil.copytree(ROOT / "data", Path(tmp) / "data")
        old = os.environ.get("IL_DATA_DIR")
        os.environ["IL_DATA_DIR"] = str(Path(tmp) / "data")  # the kernels inherit it; tracked data/ is untouched
        try:
            for path in tqdm(notebooks, desc="notebooks"):
                nb = nbformat.read(path, as_version=4)  # executed in memory, never written back
                client = NotebookClient(
                    nb, timeout=timeout, kernel_name=kernel, resources={"metadata": {"path": str(path.parent)}}
                )
                t0 = time.perf_counter()
                client.execute()
                wall = time.perf_counter() - t0
                out["notebooks"][path.name] = {"wall_seconds": round(wall, 2), "cells_seconds": _cells_seconds(nb)}
        finally:
            if old is None:
                os.environ.pop("IL_DATA_DIR", None)
            else:
                os.environ["IL_DATA_DIR"] = old
    out["total_seconds"] = round(sum(v["wall_seconds"] for v in out["notebooks"].values()), 2)
    out["machine_after"] = machine_info()
    out["calibration"] = calibration_record(cal_start, calibration_seconds())
    return out


def _cells_seconds(nb: Any) -> float:
    """Sum of the cells' execution times as nbclient records them (the kernel's start-up excluded)."""
    from datetime import datetime

    total = 0.0
    for cell in nb.cells:
        t = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in t and "shell.execute_reply" in t:
            a, b = (
                datetime.fromisoformat(t[k].replace("Z", "+00:00"))
                for k in ("iopub.execute_input", "shell.execute_reply")
            )
            total += (b - a).total_seconds()
    return round(total, 2)


def print_report(result: dict[str, Any]) -> None:
    """The summary a run prints: per-learner medians, habit first reached, the calibration, the targets."""
    rows, summary = result["records"], result["summary"]
    n = len(rows)
    for p, name in (("expert", "expert"), *((p, p) for p in LEARNERS)):
        ret = median_range([r[f"{p}_return_50"] for r in rows], "{:.1f}")
        habit = median_range([r[f"{p}_habit_x"] for r in rows], "{:+.2f}")
        line = f"{name:8s} return {ret} | habit {habit}"
        if p != "expert":
            ok = summary["success"][f"{p}_habit_within_{HABIT_TOL}"]
            line += f" (within {HABIT_TOL}: {ok}/{n}) | agreement demo "
            line += median_range([r[f"{p}_agreement_demo"] for r in rows], "{:.3f}")
            line += " own " + median_range([r[f"{p}_agreement_own"] for r in rows], "{:.3f}")
        print(line)
    print(
        "expert   steps to solved "
        + median_range([r["expert_steps_to_solved"] for r in rows])
        + ", to the stop "
        + median_range([r["expert_env_steps"] for r in rows])
        + ", training seconds to the stop "
        + median_range([r["expert_train_seconds"] for r in rows], "{:.2f}")
        + f"; solved {summary['success']['expert_solved']}/{n}"
    )
    print("GAIL     training seconds " + median_range([r["gail_train_seconds"] for r in rows], "{:.2f}"))
    for line in speed_report(summary):
        print(line)
    cal = result["calibration"]
    print(f"calibration loop: {cal['start_seconds']:.3f} s at the start, {cal['end_seconds']:.3f} s at the end")
    for t in result["targets"]:
        mark = "✓" if t["met"] else "✗"
        print(f"{mark} {t['target']}: {t['measured']} (goal {t['goal']})")


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments; run the seeds (or the notebooks) and write the JSON (and the figure)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=20, help="run seeds K..K+N-1")
    ap.add_argument("--seed-offset", type=int, default=0, help="K, the first seed")
    ap.add_argument("--quick", action="store_true", help="tiny budgets: a smoke run whose numbers mean nothing")
    ap.add_argument("--going-further", action="store_true", help="also notebook 05's parts (GoingFurther budgets)")
    ap.add_argument("--notebooks", action="store_true", help="time the notebook series instead")
    ap.add_argument("--out", type=Path, default=None, help="JSON file to write (default: in benchmarks/results/)")
    ap.add_argument("--figure", type=Path, default=None, help="also draw the habit per seed into this PNG file")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # as the notebooks do (machine_info reports it)

    if args.notebooks:
        result = time_notebooks()
        for name, v in result["notebooks"].items():
            print(f"{name:36s} {v['wall_seconds']:6.1f} s wall ({v['cells_seconds']:.1f} s in cells)")
        print(f"{'total':36s} {result['total_seconds']:6.1f} s")
        cal, m = result["calibration"], machine_info()
        print(f"on {m['cores']} cores ({m['cpu_model']}), where a 10-million-iteration Python loop took "
              f"{cal['seconds']:.3f} s")  # fmt: skip
        write_json(args.out or results_path("notebook-times", "0"), provenance(argv) | result)
        return

    budgets = QUICK if args.quick else Budgets()
    going_further = (QUICK_GOING_FURTHER if args.quick else GoingFurther()) if args.going_further else None
    machine = machine_info()
    cal_start = calibration_seconds()
    t0 = time.perf_counter()
    rows = []
    bar = tqdm(range(args.seed_offset, args.seed_offset + args.seeds), desc="seeds")
    for seed in bar:
        rows.append(run_seed(seed, budgets, going_further))
        r = rows[-1]
        bar.set_postfix(gail=f"{r['gail_habit_gap']:.2f}", control=f"{r['control_habit_gap']:.2f}")
    wall = time.perf_counter() - t0
    calibration = calibration_record(cal_start, calibration_seconds())
    summary = summarize(rows)
    summary["wall_seconds"] = round(wall, 1)
    summary["habit_first_reached"] = speed_report(summary)
    nb_path = results_path("notebook-times", "0")
    notebooks = json.loads(nb_path.read_text()) if nb_path.is_file() else None
    result = {
        **provenance(argv),
        "budgets": asdict(budgets),
        "going_further": None if going_further is None else asdict(going_further),
        "machine": machine | {"loadavg_after": machine_info()["loadavg_1_5_15"]},
        "calibration": calibration,
        "timing": "wall seconds (time.perf_counter), one process, torch on one thread; training seconds as History "
        "counts them (evaluation excluded)",
        "summary": summary,
        "targets": targets(summary, calibration["seconds"], notebooks),
        "records": rows,
    }
    print_report(result)
    last = args.seed_offset + args.seeds - 1
    out = write_json(
        args.out or results_path("learners" + ("-quick" if args.quick else ""), f"{args.seed_offset}-{last}"), result
    )
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    if args.figure:
        plot_habits(rows, args.figure)
        print(f"drew {args.figure}")


if __name__ == "__main__":
    main()
