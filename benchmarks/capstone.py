"""Notebook 04's capstone, "your GAIL", over many seeds: the reference solution's pass rate, and what each known
mistake of the training loop does to a run (the signatures its check reads).

    .venv/bin/python -m benchmarks.capstone sweep --seeds 4000-4099                      # this CPU's numerics
    .venv/bin/python -m benchmarks.capstone sweep --seeds 4100-4149 --numerics default   # torch's plain kernels
    .venv/bin/python -m benchmarks.capstone mistakes --seeds 4500-4519

Per seed, as a learner's run of notebooks 01, 02 and 04 does: the seed's expert (``helpers.train_expert``, notebook
01's settings) and its greedy demonstration (notebook 02), then notebook 04's own code, read from
``notebooks/04_gail.py``: its from-scratch pieces and its reference ``gail`` loop, trained on Gymnasium's vector
CartPole through ``helpers.exercises.run_gail`` exactly as the notebook's training cell does, the survival control
(``helpers.train_gail``, ``reward="survival"``) and BC (the notebook's own cell). Every learner plays 50 fresh greedy
episodes from ``fresh_seed(seed)``, scored as the notebook scores them, and its checkpoints are applied.

``sweep`` records the reference solution and its beside-learners; ``mistakes`` trains, for each seed, the reference
loop and the loop with one known mistake (``MISTAKES``), and records each run's signature
(``helpers.teaching.exercises.gail_signature``), what ``diagnose`` names, its per-batch curves and D's reward along
the track (``docs/failure_modes.py`` draws the failure modes' figures from them). ``--numerics default`` runs with
``ATEN_CPU_CAPABILITY=default`` (the script starts itself again with it set). Results:
``benchmarks/results/capstone_<seeds>_<numerics>.json`` and ``capstone-mistakes_<seeds>_<numerics>.json``, each with
the commit and the command that made it; experts are cached in ``build/capstone-cache/<numerics>/``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import jupytext
import numpy as np
import torch

import helpers
from benchmarks.common import RESULTS, cached_expert, machine_info, provenance, results_path, write_json
from helpers.teaching import exercises as check
from helpers.teaching.checkpoints import HABIT_GAP, SOLVED_RETURN

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_gail.py"
EVAL_EPISODES, BC_EPOCHS = 50, 1000
"""Notebook 04's parameters' defaults."""
MISTAKES = (
    "reward_sign",
    "labels_swapped",
    "fall_as_truncation",
    "one_d_step",
    "slow_d",
    "old_d_rewards",
    "no_anneal",
    "no_d_training",
    "seed_every_batch",
)
"""The training loop's known mistakes (``make_gail``)."""
EXPECTED = {
    "reward_sign": ("ends_episodes",),
    "fall_as_truncation": ("ends_episodes",),
    "labels_swapped": ("labels_swapped",),
    "one_d_step": ("d_not_learning", "overshoot"),
    "slow_d": ("d_not_learning", "overshoot"),
    "no_d_training": ("d_not_learning",),
}
"""What the check should name when a run with each mistake fails (``helpers.teaching.exercises.likely_mistake``)."""


# ---------------------------------------------------------------------------------------------------- the notebook
def notebook_cells() -> list[str]:
    """Notebook 04's code cells, in order."""
    return [c.source for c in jupytext.read(NOTEBOOK).cells if c.cell_type == "code"]


def from_scratch() -> dict[str, Any]:
    """The namespace of notebook 04's from-scratch cells (constants, networks, rollout, GAE, D's step, the reward,
    PPO's update and the reference ``gail``), without the checks' calls and the helpers' config."""
    cells = notebook_cells()
    start = next(i for i, c in enumerate(cells) if c.startswith("import gymnasium"))
    ns: dict[str, Any] = {}
    for source in cells[start:]:
        if source.startswith("envs = gym.make_vec"):
            break
        if "check." in source or source.startswith("config = helpers"):
            continue
        exec(compile(source, str(NOTEBOOK), "exec"), ns)  # noqa: S102 - the notebook's own cells
    return ns


def bc_cell() -> str:
    """The source of notebook 04's BC cell (its four-line loop)."""
    return next(c for c in notebook_cells() if "bc = mlp(4, 2)" in c)


def make_gail(ns: dict[str, Any], mistake: str | None = None) -> Callable[..., tuple]:
    """Notebook 04's reference ``gail`` loop, written again with one known ``mistake`` switched in (None: none).

    ``tests/test_capstone.py`` checks that ``make_gail(ns)`` trains exactly what the notebook's own ``gail`` does.
    """
    play, disc_step, reward, ppo_update = ns["play"], ns["disc_step"], ns["reward"], ns["ppo_update"]
    mlp, discriminator, torch_ = ns["mlp"], ns["Discriminator"], ns["torch"]
    policy_lr, value_lr, disc_lr = ns["POLICY_LR"], ns["VALUE_LR"], ns["DISC_LR"]
    disc_lr = disc_lr / 10 if mistake == "slow_d" else disc_lr
    disc_steps = 1 if mistake == "one_d_step" else ns["DISC_STEPS"]

    def gail(expert_s, expert_a, envs, max_env_steps, seed):
        torch_.manual_seed(seed)
        policy, value, disc = mlp(4, 2), mlp(4, 1), discriminator(expert_s)
        groups = [{"params": policy.parameters(), "lr": policy_lr}, {"params": value.parameters(), "lr": value_lr}]
        opt = torch_.optim.Adam(groups, fused=True)
        disc_opt = torch_.optim.Adam(disc.parameters(), lr=disc_lr, fused=True)
        steps, d_losses = 0, []
        while steps < max_env_steps:
            batch = play(envs, policy, seed if steps == 0 or mistake == "seed_every_batch" else None)
            s, a = batch["s"][batch["valid"]], batch["a"][batch["valid"]]
            if mistake == "old_d_rewards":
                rewards = reward(disc, s, a)
            for _ in range(disc_steps):
                if mistake == "labels_swapped":
                    d_loss = disc_step(disc, disc_opt, s, a, expert_s, expert_a)
                elif mistake == "no_d_training":
                    with torch_.no_grad():
                        d_loss = _d_loss(disc, expert_s, expert_a, s, a)
                else:
                    d_loss = disc_step(disc, disc_opt, expert_s, expert_a, s, a)
            if mistake != "old_d_rewards":
                rewards = reward(disc, s, a)
            if mistake == "reward_sign":
                rewards = -rewards
            if mistake != "no_anneal":
                for group, lr in zip(opt.param_groups, (policy_lr, value_lr), strict=True):
                    group["lr"] = lr * (1 - steps / max_env_steps)
            if mistake == "fall_as_truncation":
                batch = {**batch, "term": torch_.zeros_like(batch["term"]), "trunc": batch["term"] | batch["trunc"]}
            ppo_update(policy, value, opt, batch, rewards)
            steps += len(a)
            d_losses.append(d_loss)
        return policy, disc, d_losses

    return gail


def _d_loss(disc: torch.nn.Module, expert_s, expert_a, s, a) -> float:
    """D's cross-entropy on the two sides (expert 0, student 1), without a step: what a loop that never trains D
    would print."""
    from torch.nn import functional as F

    le, ls = disc(expert_s, expert_a), disc(s, a)
    return float(F.binary_cross_entropy_with_logits(le, torch.zeros_like(le)) + F.binary_cross_entropy_with_logits(
        ls, torch.ones_like(ls)))  # fmt: skip


def vector_cartpole(ns: dict[str, Any]) -> gym.vector.VectorEnv:
    """Gymnasium's vector CartPole, as notebook 04's training cell makes it."""
    return gym.make_vec("CartPole-v1", num_envs=ns["N_ENVS"], vectorization_mode="vector_entry_point",
                        max_episode_steps=ns["MAX_STEPS"])  # fmt: skip


# ---------------------------------------------------------------------------------------------------- one seed
def score(policy: torch.nn.Module, expert: torch.nn.Module, expert_s: torch.Tensor, eval_seed: int) -> dict[str, float]:
    """Notebook 04's evaluation of one learner: greedy return, habit and agreement on 50 fresh episodes."""
    episodes = helpers.run_episodes(policy, EVAL_EPISODES, seed=eval_seed)
    return {
        "return": float(np.mean([len(e) for e in episodes])),
        "habit": helpers.mean_habit(episodes),
        "agree_demo": helpers.agreement(policy, expert, expert_s),
        "agree_own": helpers.agreement(policy, expert, helpers.concat_episodes(episodes).states),
    }


def gail_run(ns: dict[str, Any], fn: Callable[..., tuple], demos: dict[str, Any], seed: int, expert: torch.nn.Module,
             expert_habit: float, curves: bool = False) -> dict[str, Any]:  # fmt: skip
    """Train ``fn`` as notebook 04's training cell does, score its student, and read its signature and diagnosis
    (with ``curves``, also its per-batch curves: D's loss, the training episodes' length and habit)."""
    expert_s, expert_a = demos["states"], demos["actions"].reshape(-1)
    eval_seed = helpers.fresh_seed(seed)
    run = check.run_gail(fn, expert_s, expert_a, vector_cartpole(ns), 80_000, seed)
    scores = score(run.policy, expert, expert_s, eval_seed)
    sig = check.gail_signature(run, scores["return"], scores["habit"], expert_habit, expert_s, expert_a)
    passed = scores["return"] >= SOLVED_RETURN and sig["gap"] <= HABIT_GAP
    out = {**scores, "gap": sig["gap"], "passed": passed, "signature": sig, "likely": check.likely_mistake(sig),
           "diagnosis": check.diagnose(sig), "seconds": run.seconds, "env_steps": run.env_steps}  # fmt: skip
    if curves:
        out["curves"] = run.curves()
        out["reward_along_x"] = reward_along_x(run.disc, demos).tolist()
    return out


ALONG_X = np.linspace(-2.4, 2.4, 49)
"""The cart positions at which ``reward_along_x`` reads D's reward (the whole track)."""


@torch.no_grad()
def reward_along_x(disc: Callable[..., torch.Tensor], demos: dict[str, Any]) -> np.ndarray:
    """Mean reward -log D over the demo's pairs with their cart moved to each x of ``ALONG_X`` (the other three state
    variables and the action as the expert had them): what D pays for the expert's own behaviour elsewhere."""
    from torch.nn import functional as F

    states, actions = demos["states"], demos["actions"].reshape(-1)
    out = []
    for x in ALONG_X:
        moved = states.clone()
        moved[:, 0] = float(x)
        out.append(float(F.softplus(-torch.as_tensor(disc(moved, actions)).reshape(-1)).mean()))
    return np.array(out)


def sweep_seed(seed: int, ns: dict[str, Any], cache: Path) -> dict[str, Any]:
    """The reference solution on one seed, beside the survival control, BC and an untrained student."""
    t0 = time.perf_counter()
    expert, demos, info = cached_expert(seed, cache)
    expert_s, expert_a = demos["states"], demos["actions"].reshape(-1)
    eval_seed = helpers.fresh_seed(seed)
    expert_scores = score(expert, expert, expert_s, eval_seed)
    eh = expert_scores["habit"]
    gail = gail_run(ns, ns["gail"], demos, seed, expert, eh)
    control, _, _ = helpers.train_gail(demos, seed, helpers.GAILConfig(reward="survival"), progress=False)
    control_scores = score(control.policy, expert, expert_s, eval_seed)
    bc_ns = {**ns, "SEED": seed, "BC_EPOCHS": BC_EPOCHS, "expert_s": expert_s, "expert_a": expert_a}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(bc_cell(), str(NOTEBOOK), "exec"), bc_ns)  # noqa: S102 - the notebook's own cell
    bc_scores = score(bc_ns["bc"], expert, expert_s, eval_seed)
    torch.manual_seed(seed)
    untrained = score(ns["mlp"](4, 2), expert, expert_s, eval_seed)
    gaps = {name: abs(r["habit"] - eh) for name, r in (("control", control_scores), ("bc", bc_scores))}
    checks = {
        "GAIL's mean return": gail["return"] >= SOLVED_RETURN,
        "GAIL's habit gap (m)": gail["gap"] <= HABIT_GAP,
        "the control's habit gap (m)": gaps["control"] >= HABIT_GAP,
        "BC's habit gap (m)": gaps["bc"] <= HABIT_GAP,
    }
    record = {"seed": seed, "expert": {**expert_scores, **info}, "gail": gail,
              "control": {**control_scores, "gap": gaps["control"]}, "bc": {**bc_scores, "gap": gaps["bc"]},
              "untrained": untrained, "checkpoints": checks, "passed": all(checks.values()),
              "seconds": time.perf_counter() - t0}  # fmt: skip
    print(f"seed {seed}: GAIL return {gail['return']:.1f} gap {gail['gap']:.3f} | control gap {gaps['control']:.2f} | "
          f"BC gap {gaps['bc']:.3f} | {'pass' if record['passed'] else 'FAIL ' + str(checks)} "
          f"({record['seconds']:.0f} s)", flush=True)  # fmt: skip
    return record


def mistakes_seed(seed: int, ns: dict[str, Any], cache: Path, mistakes: list[str]) -> dict[str, Any]:
    """The reference loop and each mistake on one seed: each run's scores, signature and diagnosis."""
    expert, demos, _ = cached_expert(seed, cache)
    expert_s = demos["states"]
    eh = score(expert, expert, expert_s, helpers.fresh_seed(seed))["habit"]
    runs = {}
    for mistake in [None, *mistakes]:
        r = gail_run(ns, make_gail(ns, mistake), demos, seed, expert, eh, curves=True)
        runs[mistake or "none"] = r
        sig = r["signature"]
        print(f"seed {seed} {mistake or 'none':20s} return {r['return']:6.1f} gap {r['gap']:.2f} "
              f"len_late {sig['len_late']:6.1f} d_early_min {sig['d_early_min']:.2f} d_late {sig['d_late']:.2f} "
              f"d_expert {sig['d_expert']:.2f} -> {r['diagnosis'][:60]!r}", flush=True)  # fmt: skip
    return {"seed": seed, "expert_habit": eh, "runs": runs}


# ---------------------------------------------------------------------------------------------------- summaries
def sweep_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Seeds passed (all checkpoints, and each), and the ranges of the numbers notebook 04's table quotes."""
    out: dict[str, Any] = {"seeds": len(records), "passed": sum(r["passed"] for r in records)}
    out["failed_seeds"] = [r["seed"] for r in records if not r["passed"]]
    out["checkpoints"] = {k: sum(r["checkpoints"][k] for r in records) for k in records[0]["checkpoints"]}
    for who in ("gail", "control", "bc", "untrained"):
        rows = [r[who] for r in records]
        out[who] = {
            "return_at_least_195": sum(x["return"] >= SOLVED_RETURN for x in rows),
            "return_min": min(x["return"] for x in rows),
            "gap_median": statistics.median(x["gap"] for x in rows) if "gap" in rows[0] else None,
            "gap_max": max(x["gap"] for x in rows) if "gap" in rows[0] else None,
            "gap_min": min(x["gap"] for x in rows) if "gap" in rows[0] else None,
            "gap_within": sum(x["gap"] <= HABIT_GAP for x in rows) if "gap" in rows[0] else None,
            "agree_demo_median": statistics.median(x["agree_demo"] for x in rows),
            "agree_own_median": statistics.median(x["agree_own"] for x in rows),
        }
    out["gail_seconds_median"] = statistics.median(r["gail"]["seconds"] for r in records)
    return out


def mistakes_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per mistake: how often the run failed its judgment, and how often the diagnosis named it right."""
    out = {}
    for mistake in records[0]["runs"]:
        runs = [r["runs"][mistake] for r in records]
        failed = [x for x in runs if not x["passed"]]
        named = [x for x in failed if check.likely_mistake(x["signature"]) in EXPECTED.get(mistake, ())]
        out[mistake] = {"runs": len(runs), "failed": len(failed), "named_right": len(named),
                        "named": sorted({check.likely_mistake(x["signature"]) for x in failed})}  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------------- main
def parse_seeds(text: str) -> list[int]:
    """'4000-4099' or '1,2,3' -> a list of seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds += list(range(int(lo), int(hi or lo) + 1))
    return seeds


def main(argv: list[str] | None = None) -> None:
    """Command line: sweep the reference solution, or measure the mistakes' signatures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("study", choices=("sweep", "mistakes"))
    p.add_argument("--seeds", required=True, help="e.g. 4000-4099")
    p.add_argument("--numerics", choices=("native", "default"), default="native")
    p.add_argument("--mistakes", default=",".join(MISTAKES), help=f"for 'mistakes': some of {', '.join(MISTAKES)}")
    p.add_argument("--out", type=Path, help="results file (default: benchmarks/results/<study>_<seeds>_<numerics>)")
    args = p.parse_args(argv)
    if args.numerics == "default" and os.environ.get("ATEN_CPU_CAPABILITY") != "default":
        os.execve(sys.executable, [sys.executable, "-m", "benchmarks.capstone", *sys.argv[1:]],
                  os.environ | {"ATEN_CPU_CAPABILITY": "default"})  # fmt: skip
    torch.set_num_threads(1)
    seeds = parse_seeds(args.seeds)
    name = "capstone" if args.study == "sweep" else "capstone-mistakes"
    out = args.out or results_path(name, args.seeds, args.numerics)
    cache = ROOT / "build" / "capstone-cache" / args.numerics
    ns = from_scratch()
    mistakes = [m for m in args.mistakes.split(",") if m]
    if unknown := sorted(set(mistakes) - set(MISTAKES)):
        raise SystemExit(f"--mistakes: unknown {unknown}; known: {', '.join(MISTAKES)}")
    head = {"study": name, "seeds": args.seeds, "numerics": args.numerics, **provenance(argv),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "machine": machine_info()}  # fmt: skip
    records: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for seed in seeds:
        if args.study == "sweep":
            records.append(sweep_seed(seed, ns, cache))
        else:
            records.append(mistakes_seed(seed, ns, cache, mistakes))
        summary = sweep_summary(records) if args.study == "sweep" else mistakes_summary(records)
        write_json(out, {**head, "wall_seconds": time.perf_counter() - t0, "summary": summary, "records": records})
    print(f"{out}: {summary if args.study == 'sweep' else ''}")
    if args.study == "mistakes":
        for m, s in summary.items():
            print(f"  {m:20s} failed {s['failed']}/{s['runs']}, named right {s['named_right']}")


if __name__ == "__main__":
    main()


# ------------------------------------------------------------------------------------------------ notebook 04's table
SWEEPS = ("capstone_4000-4099_native.json", "capstone_4100-4149_default.json")
"""The reference solution's sweeps, one per numerics, that notebook 04's comparison table pools."""


def seeds_of(files: list[dict[str, Any]], sep: str) -> str:
    """The seeds of these results files with their numerics: '4000–4099 (this CPU) and 4100–4149 (…)'."""
    return sep.join(
        f"{f['seeds'].replace('-', '–')} ({'torch’s plain kernels' if f['numerics'] == 'default' else 'this CPU'})"
        for f in files
    )


def comparison_table(names: tuple[str, ...] = SWEEPS) -> str:
    """Notebook 04's table over the sweeps (its generated block ``04-comparison``): per learner, how many seeds reach
    a return of 195 and keep the habit gap within 0.4 m, the gap's median and worst (the control's smallest), and the
    median agreement with the expert on the demo's states and on its own."""
    files = [json.loads((RESULTS / name).read_text()) for name in names]
    records = [r for f in files for r in f["records"]]
    n = len(records)
    rows = [f"Seeds {seeds_of(files, ' and ')}, {n} in all:", "",
            "| learner | return ≥ 195 | habit gap (m): median, worst | gap ≤ 0.4 | agreement: demo / own |",
            "|---|---|---|---|---|"]  # fmt: skip
    for key, name in (("gail", "GAIL (the loop you wrote)"), ("control", "survival control"), ("bc", "BC"),
                      ("untrained", "untrained student")):  # fmt: skip
        xs = [r[key] for r in records]
        ret = f"{sum(x['return'] >= SOLVED_RETURN for x in xs)}/{n}"
        demo, own = (statistics.median(x[k] for x in xs) for k in ("agree_demo", "agree_own"))
        agree = f"{demo:.2f} / {own:.2f}"
        if "gap" not in xs[0]:
            rows.append(f"| {name} | {ret} | — | — | {agree} |")
            continue
        gaps = [x["gap"] for x in xs]
        extreme = min(gaps) if key == "control" else max(gaps)
        rows.append(f"| {name} | {ret} | {statistics.median(gaps):.2f}, {extreme:.2f} | "
                    f"{sum(g <= HABIT_GAP for g in gaps)}/{n} | {agree} |")  # fmt: skip
    return "\n".join(rows)


MISTAKE_RESULTS = ("capstone-mistakes_4500-4503_native.json",)
"""The mistakes study's results that the instructor's guide's failure-mode table reads."""
MISTAKE_NAMES = {
    "none": "none (the loop as written)",
    "reward_sign": "(a) the reward's sign flipped",
    "one_d_step": "(b) one D step per iteration",
    "slow_d": "(c) D's step size / 10",
    "labels_swapped": "(d) D's labels swapped",
    "fall_as_truncation": "(e) a fall bootstrapped as a truncation",
    "old_d_rewards": "rewards read before D's update",
    "no_anneal": "step sizes never shrink",
    "seed_every_batch": "every batch reset with the seed",
    "no_d_training": "D never trained",
}
"""How the guide names each of ``MISTAKES``."""


def failure_table(names: tuple[str, ...] = MISTAKE_RESULTS) -> str:
    """The instructor's guide's table of the loop's mistakes (its generated block ``failure-modes``): per mistake, how
    many runs failed notebook 04's judgment, what the judgment named for them, and the signature's ranges."""
    files = [json.loads((RESULTS / name).read_text()) for name in names]
    records = [r for f in files for r in f["records"]]
    rows = [f"Seeds {seeds_of(files, ', ')}, each with its own expert and demonstration:", "",
            "| slip | failed the judgment | named | last episodes (steps) | D's lowest early loss | D on the expert |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for mistake, label in MISTAKE_NAMES.items():
        runs = [r["runs"][mistake] for r in records if mistake in r["runs"]]
        if not runs:
            continue
        failed = [x for x in runs if not x["passed"]]
        named = sorted({check.likely_mistake(x["signature"]) for x in failed} - {""})
        sig = {k: [x["signature"][k] for x in runs] for k in ("len_late", "d_early_min", "d_expert")}
        spans = [f"{min(v):.{d}f}–{max(v):.{d}f}" for v, d in zip(sig.values(), (0, 2, 2), strict=True)]
        rows.append(f"| {label} | {len(failed)}/{len(runs)} | {', '.join(named) or '—'} | " + " | ".join(spans) + " |")
    return "\n".join(rows)
