"""How fast and how reliably the series learns, measured over seeds; or how long the notebooks take.

    .venv/bin/python benchmarks/run.py --seeds 20 --out benchmarks/results.json     # make bench
    .venv/bin/python benchmarks/run.py --notebooks --out benchmarks/notebooks.json  # make bench-notebooks

Per seed s, through the notebooks' own code paths (``helpers``):
- expert (01): ``train_expert(s)``; steps and training seconds until the greedy 10-episode mean first reaches 200;
- demonstration (02): one greedy 200-step episode of that expert from ``reset(seed=s)``;
- GAIL (04): ``train_gail(demo, s, GAILConfig())``, steps and seconds to >= 195; BC (04): ``train_bc`` 1,000 epochs;
- going further (05): plain GAIL on 200 random-policy pairs (the control), absorbing-state GAIL
  (``train_absorbing_gail``) on the expert's demo and on the random pairs, with notebook 05's budgets.
Every learner is scored on fresh episodes (seeds far from training's): greedy return (20 episodes; the GAIL
student also on 50 more, its saved-student target), sampled
episode length (100), agreement of its greedy action with the seed's own expert on the demo states and on the
states it visits itself. Steps exclude evaluation episodes; seconds are training seconds (play + update,
evaluation excluded) as ``History`` counts them. ``--notebooks`` executes notebooks/0*.ipynb in order, as the
tests do (nbclient, a fresh kernel each, ``IL_DATA_DIR`` = a temporary copy of data/), and times each one; the
seed run then checks the whole-series target against ``benchmarks/notebooks.json`` (``make bench-notebooks`` first).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from common import expert_and_demo, fresh_seed, machine_info, measure
from tqdm.auto import tqdm

from helpers.absorbing import (
    AbsorbingGAILConfig,
    UniformPolicy,
    mean_episode_length,
    random_policy_demos,
    train_absorbing_gail,
)
from helpers.bc import train_bc
from helpers.gail import GAILConfig, train_gail
from helpers.rollout import evaluate

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Budgets:
    """Training budgets and evaluation sizes; the defaults are the notebooks' own."""

    expert_steps: int = 20_000
    """Expert's budget of training env steps (notebook 01's MAX_ENV_STEPS)."""
    gail_steps: int = 10_000
    """GAIL's budget on the expert demo (notebook 04's GAIL_MAX_ENV_STEPS)."""
    bc_epochs: int = 1000
    """Behavioral-cloning epochs (notebook 04's BC_EPOCHS)."""
    absorbing_steps: int = 40_000
    """Absorbing-state GAIL's budget on the expert demo (notebook 05's ABSORBING_MAX_ENV_STEPS)."""
    absorbing_random_steps: int = 10_000
    """Absorbing-state GAIL's budget on the random pairs (notebook 05's ABSORBING_RANDOM_MAX_ENV_STEPS)."""
    random_demo_steps: int = 3_000
    """Plain GAIL's budget on the random pairs, the control (notebook 05's RANDOM_DEMO_MAX_ENV_STEPS)."""
    random_pairs: int = 200
    """Random-policy pairs for the control (notebook 05's)."""
    eval_episodes: int = 20
    """Fresh greedy episodes per learner (return, and own states for agreement)."""
    final_episodes: int = 50
    """Fresh greedy episodes the saved GAIL student is scored on (target: >= 195 on 50)."""
    sampled_episodes: int = 100
    """Fresh sampled episodes per learner (episode length; notebook 05's 100)."""
    random_policy_episodes: int = 200
    """Sampled episodes of the uniform random policy (its mean episode length)."""


QUICK = Budgets(
    expert_steps=300,
    gail_steps=200,
    bc_epochs=5,
    absorbing_steps=200,
    absorbing_random_steps=200,
    random_demo_steps=200,
    random_pairs=50,
    eval_episodes=2,
    final_episodes=2,
    sampled_episodes=2,
    random_policy_episodes=5,
)
"""Tiny budgets for the test and a smoke run (``--quick``): the numbers mean nothing."""

TIMING_KEYS = ("expert_seconds_to_200", "gail_seconds_to_195", "fixed_gail_seconds_to_195", "seed_wall_seconds")


def _gail_part(
    prefix: str, policy: torch.nn.Module, hist: Any, expert: torch.nn.Module, demos: dict, ev: int, b: Budgets
):
    """The numbers of one GAIL run: steps/seconds to 195, training seconds, stop, return, agreement, length."""
    m = measure(policy, expert, demos["states"], ev, b.eval_episodes, b.sampled_episodes)
    return {
        f"{prefix}_steps_to_195": hist.steps_to_target,
        f"{prefix}_seconds_to_195": hist.seconds_to_target,
        f"{prefix}_train_seconds": hist.train_seconds[-1] if hist.train_seconds else 0.0,
        f"{prefix}_stop_env_steps": hist.stop_env_steps,
        f"{prefix}_stopped_early": hist.stopped_early,
        f"{prefix}_return": m["return"],
        f"{prefix}_agreement_demo": m["agree_demo"],
        f"{prefix}_agreement_own": m["agree_own"],
        f"{prefix}_episode_len_sampled": m["sampled_len"],
    }


def run_seed(seed: int, budgets: Budgets | None = None) -> dict[str, Any]:
    """Every measured number of one seed (see the module docstring); None where a target was not reached."""
    b = budgets or Budgets()
    torch.set_num_threads(1)
    t_seed = time.perf_counter()
    ev = fresh_seed(seed)
    row: dict[str, Any] = {"seed": seed}

    agent, hist, demos = expert_and_demo(seed, b.expert_steps)
    expert = agent.policy
    row["expert_steps_to_200"] = hist.steps_to_target
    row["expert_seconds_to_200"] = hist.seconds_to_target
    row["expert_train_seconds"] = hist.train_seconds[-1]
    row["expert_env_steps"] = hist.env_steps[-1]
    row["expert_return"] = float(evaluate(expert, b.eval_episodes, greedy=True, seed=ev).mean())
    row["demo_len"] = len(demos["states"])

    student, ghist, _ = train_gail(demos, seed, GAILConfig(max_env_steps=b.gail_steps), progress=False)
    row.update(_gail_part("gail", student.policy, ghist, expert, demos, ev, b))
    row["gail_return_50"] = float(evaluate(student.policy, b.final_episodes, greedy=True, seed=ev + 500).mean())

    t0 = time.perf_counter()
    bc, _ = train_bc(demos["states"], demos["actions"], epochs=b.bc_epochs, seed=seed)
    row["bc_train_seconds"] = time.perf_counter() - t0
    m = measure(bc, expert, demos["states"], ev, b.eval_episodes, b.sampled_episodes)
    row |= {"bc_return": m["return"], "bc_agreement_demo": m["agree_demo"], "bc_agreement_own": m["agree_own"]}

    rnd = random_policy_demos(b.random_pairs, seed=seed)
    row["random_demos_episode_len"] = mean_episode_length(rnd)
    row["random_policy_episode_len"] = float(
        evaluate(UniformPolicy(), b.random_policy_episodes, greedy=False, seed=ev).mean()
    )
    control, chist, _ = train_gail(rnd, seed, GAILConfig(max_env_steps=b.random_demo_steps), progress=False)
    m = measure(control.policy, expert, demos["states"], ev, b.eval_episodes, b.sampled_episodes)
    row |= {
        "control_gail_return_random_demos": m["return"],
        "control_gail_episode_len_random_demos": m["sampled_len"],
        "control_gail_agreement_demo": m["agree_demo"],
        "control_gail_agreement_own": m["agree_own"],
        "control_gail_train_seconds": chist.train_seconds[-1],
    }

    fixed, fhist, _ = train_absorbing_gail(demos, seed, AbsorbingGAILConfig(max_env_steps=b.absorbing_steps), False)
    row.update(_gail_part("fixed_gail", fixed.policy, fhist, expert, demos, ev, b))
    fixed_rnd, frhist, _ = train_absorbing_gail(
        rnd, seed, AbsorbingGAILConfig(max_env_steps=b.absorbing_random_steps), False
    )
    m = measure(fixed_rnd.policy, expert, demos["states"], ev, b.eval_episodes, b.sampled_episodes)
    row |= {
        "fixed_gail_episode_len_random_demos": m["sampled_len"],
        "fixed_gail_return_random_demos": m["return"],
        "fixed_gail_train_seconds_random_demos": frhist.train_seconds[-1],
    }
    row["seed_wall_seconds"] = time.perf_counter() - t_seed
    return row


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Median, min, max and count of the non-null values of every numeric key; success counts."""
    out: dict[str, Any] = {"n_seeds": len(rows), "keys": {}}
    for key in rows[0]:
        if key == "seed":
            continue
        values = [r[key] for r in rows]
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
    n = len(rows)

    def count(test: Any) -> int:
        return sum(bool(test(r)) for r in rows)

    out["success"] = {
        "expert_reached_200": count(lambda r: r["expert_steps_to_200"] is not None),
        "expert_return_200": count(lambda r: r["expert_return"] >= 200),
        "gail_reached_195": count(lambda r: r["gail_steps_to_195"] is not None),
        "gail_return_ge_195": count(lambda r: r["gail_return"] >= 195),
        "gail_return_50_ge_195": count(lambda r: r["gail_return_50"] >= 195),
        "gail_agreement_demo_ge_0.95": count(lambda r: r["gail_agreement_demo"] >= 0.95),
        "gail_agreement_own_ge_0.95": count(lambda r: r["gail_agreement_own"] >= 0.95),
        "gail_all_four": count(
            lambda r: (
                r["gail_steps_to_195"] is not None
                and r["gail_return"] >= 195
                and r["gail_agreement_demo"] >= 0.95
                and r["gail_agreement_own"] >= 0.95
            )
        ),
        "bc_return_ge_195": count(lambda r: r["bc_return"] >= 195),
        "bc_agreement_demo_ge_0.95": count(lambda r: r["bc_agreement_demo"] >= 0.95),
        "bc_agreement_own_ge_0.95": count(lambda r: r["bc_agreement_own"] >= 0.95),
        "fixed_gail_reached_195": count(lambda r: r["fixed_gail_steps_to_195"] is not None),
        "fixed_gail_return_ge_195": count(lambda r: r["fixed_gail_return"] >= 195),
        "control_outlives_random_1.5x": count(
            lambda r: r["control_gail_episode_len_random_demos"] >= 1.5 * r["random_policy_episode_len"]
        ),
        "fixed_random_within_1.75x_random": count(
            lambda r: r["fixed_gail_episode_len_random_demos"] <= 1.75 * r["random_policy_episode_len"]
        ),
        "fixed_random_within_25pct_random": count(
            lambda r: abs(r["fixed_gail_episode_len_random_demos"] / r["random_policy_episode_len"] - 1) <= 0.25
        ),
        "fixed_random_within_25pct_demos": count(
            lambda r: abs(r["fixed_gail_episode_len_random_demos"] / r["random_demos_episode_len"] - 1) <= 0.25
        ),
        "fixed_gail_agreement_demo_ge_0.9": count(lambda r: r["fixed_gail_agreement_demo"] >= 0.9),
        "fixed_gail_agreement_own_ge_0.9": count(lambda r: r["fixed_gail_agreement_own"] >= 0.9),
        "n": n,
    }
    return out


def targets(summary: dict[str, Any], notebooks: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The project's targets, each with the measured value and whether it is met."""
    k, s, n = summary["keys"], summary["success"], summary["n_seeds"]
    med = {key: k[key].get("median") for key in k}
    rows = [
        (
            "expert reaches 200 on every seed",
            f"{n}/{n}",
            f"{s['expert_reached_200']}/{n}",
            s["expert_reached_200"] == n,
        ),
        ("GAIL reaches >= 195 on every seed", f"{n}/{n}", f"{s['gail_reached_195']}/{n}", s["gail_reached_195"] == n),
        (
            "saved GAIL student >= 195 on 50 fresh episodes, every seed",
            f"{n}/{n}",
            f"{s['gail_return_50_ge_195']}/{n} (worst {k['gail_return_50']['min']:.1f})",
            s["gail_return_50_ge_195"] == n,
        ),
        (
            "GAIL agreement >= 0.95 on demo states, every seed",
            f"{n}/{n}",
            f"{s['gail_agreement_demo_ge_0.95']}/{n} (median {med['gail_agreement_demo']:.3f})",
            s["gail_agreement_demo_ge_0.95"] == n,
        ),
        (
            "GAIL agreement >= 0.95 on own states, every seed",
            f"{n}/{n}",
            f"{s['gail_agreement_own_ge_0.95']}/{n} (median {med['gail_agreement_own']:.3f})",
            s["gail_agreement_own_ge_0.95"] == n,
        ),
        (
            "absorbing GAIL on expert demos: 20-episode mean >= 195, every seed",
            f"{n}/{n}",
            f"{s['fixed_gail_return_ge_195']}/{n} (worst {k['fixed_gail_return']['min']:.1f})",
            s["fixed_gail_return_ge_195"] == n,
        ),
        (
            "absorbing GAIL on expert demos: agreement >= 0.9 on demo and on own states, every seed",
            f"{n}/{n}",
            f"{s['fixed_gail_agreement_demo_ge_0.9']}/{n} and {s['fixed_gail_agreement_own_ge_0.9']}/{n} "
            f"(medians {med['fixed_gail_agreement_demo']:.3f} / {med['fixed_gail_agreement_own']:.3f})",
            s["fixed_gail_agreement_demo_ge_0.9"] == n and s["fixed_gail_agreement_own_ge_0.9"] == n,
        ),
        (
            "absorbing GAIL on random demos: episode length within 25 % of the random policy's, every seed",
            f"{n}/{n}",
            f"{s['fixed_random_within_25pct_random']}/{n} "
            f"(of its demos' own episodes: {s['fixed_random_within_25pct_demos']}/{n})",
            s["fixed_random_within_25pct_random"] == n,
        ),
    ]
    for key, label, limit, fmt in (
        ("expert_steps_to_200", "median expert env steps to 200", 1100, "{:,.0f}"),
        ("gail_steps_to_195", "median GAIL env steps to 195", 1250, "{:,.0f}"),
        ("expert_seconds_to_200", "median expert training seconds to 200", 0.3, "{:.2f} s"),
        ("gail_seconds_to_195", "median GAIL training seconds to 195", 0.5, "{:.2f} s"),
    ):
        v = med[key]
        rows.append(
            (label, f"<= {fmt.format(limit)}", "-" if v is None else fmt.format(v), v is not None and v <= limit)
        )
    if notebooks:
        total = notebooks["total_seconds"]
        rows.append(("whole series, wall", "<= 60 s", f"{total:.1f} s", total <= 60))
    return [{"target": a, "goal": b, "measured": c, "met": bool(d)} for a, b, c, d in rows]


def plot_steps(rows: list[dict[str, Any]], path: Path) -> None:
    """Steps to target per seed for the expert (200), GAIL (>= 195) and absorbing GAIL (>= 195)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [
        ("expert_steps_to_200", "PPO expert, to 200", "o"),
        ("gail_steps_to_195", "GAIL, to 195", "s"),
        ("fixed_gail_steps_to_195", "absorbing GAIL, to 195", "^"),
    ]
    seeds = [r["seed"] for r in rows]
    top = max([r[k] for r in rows for k, _, _ in series if r[k] is not None] or [1]) * 1.12
    fig, ax = plt.subplots(figsize=(9, 5))
    for i, (key, label, marker) in enumerate(series):
        x = [s + (i - 1) * 0.22 for s in seeds]
        y = [r[key] for r in rows]
        ok = [v for v in y if v is not None]
        med = f", median {statistics.median(ok):,.0f}" if ok else ""
        line = ax.plot([a for a, v in zip(x, y, strict=True) if v is not None], ok, marker, label=f"{label}{med}")[0]
        fails = [a for a, v in zip(x, y, strict=True) if v is None]
        if fails:
            ax.plot(fails, [top] * len(fails), "x", color=line.get_color(), ms=9, label=f"{label}: not reached")
        if ok:
            ax.axhline(statistics.median(ok), color=line.get_color(), lw=1, ls=":")
    ax.set_yscale("log")  # from tens to the 10,000-step budget
    ax.set_xticks(seeds)
    ax.set_xlabel("seed (each trains its own expert, records its own demo)")
    ax.set_ylabel("training env steps to target\n(greedy 10-episode mean)")
    ax.set_title(f"Steps to target per seed ({len(rows)} seeds; dotted: medians; x: never reached)")
    ax.legend(fontsize="small", ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def time_notebooks(kernel: str = "python3", timeout: int = 900) -> dict[str, Any]:
    """Execute notebooks/0*.ipynb in order, each in a fresh kernel, on a temporary copy of data/; wall seconds."""
    import nbformat
    from nbclient import NotebookClient

    notebooks = sorted((ROOT / "notebooks").glob("0*.ipynb"))
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


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments; run the seeds (or the notebooks) and write the JSON (and the figure)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=20, help="run seeds K..K+N-1")
    ap.add_argument("--seed-offset", type=int, default=0, help="K, the first seed")
    ap.add_argument("--quick", action="store_true", help="tiny budgets: a smoke run whose numbers mean nothing")
    ap.add_argument("--notebooks", action="store_true", help="time the notebook series instead")
    ap.add_argument("--out", type=Path, default=None, help="JSON file to write")
    ap.add_argument("--figure", type=Path, default=None, help="steps-to-target figure (default: beside --out)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # as the notebooks do (machine_info reports it)

    if args.notebooks:
        result = time_notebooks()
        for name, v in result["notebooks"].items():
            print(f"{name:36s} {v['wall_seconds']:6.1f} s wall ({v['cells_seconds']:.1f} s in cells)")
        print(f"{'total':36s} {result['total_seconds']:6.1f} s")
        if args.out:
            args.out.write_text(json.dumps(result, indent=1) + "\n")
        return

    budgets = QUICK if args.quick else Budgets()
    machine = machine_info()
    t0 = time.perf_counter()
    rows = []
    bar = tqdm(range(args.seed_offset, args.seed_offset + args.seeds), desc="seeds")
    for seed in bar:
        rows.append(run_seed(seed, budgets))
        r = rows[-1]
        bar.set_postfix(
            expert=r["expert_steps_to_200"], gail=r["gail_steps_to_195"], fixed=r["fixed_gail_steps_to_195"]
        )
    summary = summarize(rows)
    summary["wall_seconds"] = round(time.perf_counter() - t0, 1)
    nb_path = ROOT / "benchmarks" / "notebooks.json"
    notebooks = json.loads(nb_path.read_text()) if nb_path.is_file() else None
    result = {
        "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
        "budgets": asdict(budgets),
        "machine": machine | {"loadavg_after": machine_info()["loadavg_1_5_15"]},
        "summary": summary,
        "targets": targets(summary, notebooks),
        "records": rows,
    }
    for key in ("expert_steps_to_200", "gail_steps_to_195", "fixed_gail_steps_to_195", *TIMING_KEYS[:3]):
        k = summary["keys"][key]
        print(f"{key:28s} median {k['median']}  reached {k['n_not_null']}/{len(rows)}")
    for t in result["targets"]:
        print(f"{'✓' if t['met'] else '✗'} {t['target']}: {t['measured']} (goal {t['goal']})")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        plot_steps(rows, args.figure or args.out.with_name("steps_to_target.png"))


if __name__ == "__main__":
    main()
