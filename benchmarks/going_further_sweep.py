"""Notebook 05's lessons over many seeds, each seed with its own expert and demo (or the committed ones).

Usage:
    .venv/bin/python benchmarks/going_further_sweep.py --seeds 20                    # seeds 0-19, every part
    .venv/bin/python benchmarks/going_further_sweep.py --seeds 20 --first-seed 20    # held-out seeds 20-39
    .venv/bin/python benchmarks/going_further_sweep.py --seeds 20 --committed        # notebook 05's own setting
    .venv/bin/python benchmarks/going_further_sweep.py --seeds 20 --parts absorbing --set disc_steps=10

Per seed s, as the notebooks do it: the expert ``helpers.train_expert(s)`` and its demo, one greedy 200-step
episode from ``make_env(seed=s, habit_x=1.0)`` (notebook 02; cached in ``--cache``), or with ``--committed`` the
files in data/ for every seed (notebook 05 run with SEED = s). Every learner trains with seed s and is scored on
fresh episodes from ``helpers.fresh_seed(s)``: greedy return and habit (mean cart x over the last 100 steps) on
50 episodes, sampled episode length on 100, beside the expert's habit on the same 50 episodes. The parts:

- ``control``: plain GAIL (``GAILConfig``, ``--control-steps``) on 200 uniformly random pairs
  (``random_policy_demos(200, s)``); its sampled length against the coin's (``UniformPolicy``, sampled, same
  100 start states) and against the random demos' own mean episode length;
- ``absorbing``: ``absorbing_config`` (``--set`` overrides its fields, ``ppo.<field>`` the student's PPO) on the
  expert's demo (``--absorbing-steps``: return, habit) and on the same random pairs (``--absorbing-random-steps``:
  sampled length / the coin's, target within +-25 %);
- ``sizes``: BC (1,000 epochs) and plain GAIL (``--size-steps``) on 200, 50, 20 and 10 evenly spaced pairs
  (``subsample_demos``): return, habit, and how BC's falls end (cart off the track or pole down);
- ``shift``: the 20-pair BC and GAIL students and the expert played for 400 steps instead of 200 (covariate
  shift: does the cart leave the demo's range of x and run off?): falls, and falls after leaving that range;
- ``robust``: the 200- and 20-pair GAIL and BC students (from ``sizes``) and the expert, on perturbed episodes:
  start x uniform in [-1, 1] (``start_range``), a random push instead of the policy's action with probability 0.1
  and 0.2 each step (``push_prob``); each habit gap against the expert's habit in the same condition.

Sequential, one thread. Prints one line per seed and part, then a summary; ``--out`` saves the rows as JSON.
What was measured with it, and what it showed, is in ``benchmarks/going_further.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import helpers
from helpers.core.demos import mean_episode_length, random_policy_demos, subsample_demos
from helpers.core.networks import UniformPolicy

HABIT_X = 1.0
SIZES = (200, 50, 20, 10)
ROBUST_SIZES = (200, 20)
SHIFT_PAIRS, LONG_CAP = 20, 400
WIDE_X = ([-1.0, -0.05, -0.05, -0.05], [1.0, 0.05, 0.05, 0.05])
PERTURBATIONS: dict[str, dict[str, Any]] = {
    "nominal": {},
    "start_x": {"start_range": WIDE_X},
    "push_0.1": {"push_prob": 0.1},
    "push_0.2": {"push_prob": 0.2},
}
"""The robustness test's conditions, as ``run_episodes`` keyword arguments."""
GREEDY_EPISODES, SAMPLED_EPISODES = 50, 100


def expert_and_demo(seed: int, cache: Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Notebooks 01-02 for one seed: ``train_expert(seed)`` and its greedy demo, cached as a file in ``cache``."""
    path = cache / f"seed_{seed}.pt"
    if path.exists():
        saved = torch.load(path, weights_only=False)
        return saved["expert"], saved["demos"]
    agent, hist = helpers.train_expert(seed, progress=False)
    episode = helpers.play_episode(helpers.make_env(seed=seed, habit_x=HABIT_X), agent.policy, greedy=True, seed=seed)
    demos = {
        "states": episode.states,
        "actions": episode.actions.unsqueeze(-1),
        "terminated": episode.terminated,
        "meta": {"seed": seed, "habit_x": HABIT_X, "solved": hist.solved},
    }
    torch.save({"expert": agent.policy, "demos": demos}, path)
    return agent.policy, demos


def score(policy: torch.nn.Module, ev: int, expert_habit: float | None = None, **perturb: Any) -> dict[str, float]:
    """Greedy return and habit on 50 fresh episodes (and |habit - expert's|), sampled length on 100."""
    eps = helpers.run_episodes(policy, GREEDY_EPISODES, seed=ev, **perturb)
    out = {"return": float(np.mean([len(e) for e in eps])), "habit": helpers.mean_habit(eps)}
    if expert_habit is not None:
        out["gap"] = abs(out["habit"] - expert_habit)
    if not perturb:
        sampled = helpers.run_episodes(policy, SAMPLED_EPISODES, greedy=False, seed=ev)
        out["sampled"] = float(np.mean([len(e) for e in sampled]))
    return out


def with_overrides(config: helpers.GAILConfig, items: list[str]) -> helpers.GAILConfig:
    """'field=value' (or 'ppo.field=value') overrides, each value parsed as its field's current type."""

    def parse(old: Any, text: str) -> Any:
        if text.lower() == "none":
            return None
        if isinstance(old, bool):
            return text.lower() in ("1", "true", "yes")
        return type(old)(text) if old is not None else float(text)

    for item in items:
        key, text = item.split("=", 1)
        if key.startswith("ppo."):
            field = key[4:]
            ppo = dataclasses.replace(config.ppo, **{field: parse(getattr(config.ppo, field), text)})
            config = dataclasses.replace(config, ppo=ppo)
        else:
            config = dataclasses.replace(config, **{key: parse(getattr(config, key), text)})
    return config


def how_falls_end(episodes: list[helpers.Episode]) -> dict[str, float]:
    """Share of episodes that fell, and of those, the share whose cart left the track (|x| > 2.4)."""
    fell = [e for e in episodes if bool(e.terminated[-1])]
    off_track = [e for e in fell if abs(float(e.next_states[-1, 0])) > 2.4]
    return {"fell": len(fell) / len(episodes), "off_track": len(off_track) / len(fell) if fell else float("nan")}


def long_falls(policy: torch.nn.Module, ev: int, x_range: tuple[float, float]) -> dict[str, float]:
    """50 episodes of 400 steps: share that fell, that fell within 200 steps, and falls after leaving ``x_range``."""
    eps = helpers.run_episodes(policy, GREEDY_EPISODES, seed=ev, max_steps=LONG_CAP)
    fell = [e for e in eps if bool(e.terminated[-1])]
    lo, hi = x_range
    left = [e for e in fell if bool(((e.states[:, 0] > hi + 0.1) | (e.states[:, 0] < lo - 0.1)).any())]
    return {
        "fell": len(fell) / len(eps),
        "fell_200": sum(len(e) <= helpers.MAX_STEPS for e in fell) / len(eps),
        "left_first": len(left) / len(fell) if fell else float("nan"),
    }


def run_seed(seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every number of one seed, part by part (see the module docstring)."""
    if args.committed:
        data = helpers.data_dir()
        expert, demos = helpers.load_policy(data / "expert_policy.pt"), helpers.load_demos(data / "expert_demos.pt")
    else:
        expert, demos = expert_and_demo(seed, args.cache)
    ev = helpers.fresh_seed(seed)
    expert_eps = helpers.run_episodes(expert, GREEDY_EPISODES, seed=ev)
    expert_habit = helpers.mean_habit(expert_eps)
    row: dict[str, Any] = {"seed": seed, "expert_return": float(np.mean([len(e) for e in expert_eps]))}
    row["expert_habit"], row["demo_habit"] = expert_habit, helpers.habit_of(demos["states"])
    t0 = time.perf_counter()
    random_demos = random_policy_demos(200, seed=seed)
    row["coin_sampled"] = float(helpers.evaluate(UniformPolicy(), SAMPLED_EPISODES, greedy=False, seed=ev).mean())
    row["random_demos_len"] = mean_episode_length(random_demos)
    row["random_demos_episodes"] = int(random_demos["terminated"].sum())

    if "control" in args.parts:
        config = helpers.GAILConfig(max_env_steps=args.control_steps)
        student, _, _ = helpers.train_gail(random_demos, seed, config, progress=False)
        row["control"] = score(student.policy, ev)

    if "absorbing" in args.parts:
        base = with_overrides(helpers.absorbing_config(), args.set)
        config = dataclasses.replace(base, max_env_steps=args.absorbing_steps)
        student, hist, _ = helpers.train_gail(demos, seed, config, progress=False)
        row["abs_expert"] = score(student.policy, ev, expert_habit) | {"r_a_last": hist.extra["r_absorbing"][-1]}
        config = dataclasses.replace(base, max_env_steps=args.absorbing_random_steps)
        student, hist, _ = helpers.train_gail(random_demos, seed, config, progress=False)
        r_a = hist.extra["r_absorbing"]
        row["abs_random"] = score(student.policy, ev) | {"r_a_last": r_a[-1], "r_a_max": max(r_a)}

    if {"sizes", "robust", "shift"} & set(args.parts):
        wanted = {n for n in ROBUST_SIZES if "robust" in args.parts} | (
            {SHIFT_PAIRS} if "shift" in args.parts else set()
        )
        x_range = (float(demos["states"][:, 0].min()), float(demos["states"][:, 0].max()))
        for n in SIZES if "sizes" in args.parts else sorted(wanted, reverse=True):
            sub = subsample_demos(demos, n)
            bc, _ = helpers.train_bc(sub["states"], sub["actions"], hidden=64, seed=seed)
            config = helpers.GAILConfig(max_env_steps=args.size_steps)
            gail, _, _ = helpers.train_gail(sub, seed, config, progress=False)
            row[f"bc_{n}"] = score(bc, ev, expert_habit) | how_falls_end(helpers.run_episodes(bc, 50, seed=ev))
            row[f"gail_{n}"] = score(gail.policy, ev, expert_habit)
            if n == SHIFT_PAIRS and "shift" in args.parts:
                for name, policy in [("expert", expert), ("bc", bc), ("gail", gail.policy)]:
                    row[f"shift_{name}"] = long_falls(policy, ev, x_range)
            if n in ROBUST_SIZES and "robust" in args.parts:
                for name, perturb in list(PERTURBATIONS.items())[1:]:
                    expert_perturbed = row.get(f"expert_{name}") or score(expert, ev, None, **perturb)
                    row[f"expert_{name}"] = expert_perturbed
                    row[f"bc_{n}_{name}"] = score(bc, ev, expert_perturbed["habit"], **perturb)
                    row[f"gail_{n}_{name}"] = score(gail.policy, ev, expert_perturbed["habit"], **perturb)
    row["seconds"] = time.perf_counter() - t0
    return row


def _stats(v: np.ndarray) -> dict[str, float]:
    """min, max, mean, std of the values that are not NaN (NaN: a share of falls on a seed with none)."""
    v = v[~np.isnan(v)]
    if not len(v):
        return dict.fromkeys(("min", "max", "mean", "std"), float("nan"))
    return {"min": v.min(), "max": v.max(), "mean": v.mean(), "std": v.std()}


def summarize(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For every part and number: min, max, mean, std over the seeds."""
    out: dict[str, dict[str, Any]] = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        if isinstance(values[0], dict):
            for k in values[0]:
                v = np.array([x[k] for x in values], dtype=float)
                out[f"{key}.{k}"] = _stats(v)
        elif key != "seed":
            v = np.array(values, dtype=float)
            out[key] = _stats(v)
    return out


def targets(rows: list[dict[str, Any]]) -> list[str]:
    """The lessons' pass counts over the seeds."""
    n, lines = len(rows), []

    def count(label: str, test: Any, key: str) -> None:
        if key in rows[0]:
            lines.append(f"{label}: {sum(bool(test(r)) for r in rows)}/{n}")

    count("control balances (greedy >= 195)", lambda r: r["control"]["return"] >= 195, "control")
    count("control sampled >= 2x coin", lambda r: r["control"]["sampled"] >= 2 * r["coin_sampled"], "control")
    count("absorbing, expert demo: return >= 195", lambda r: r["abs_expert"]["return"] >= 195, "abs_expert")
    count("absorbing, expert demo: habit within 0.25", lambda r: r["abs_expert"]["gap"] <= 0.25, "abs_expert")
    within = lambda r: abs(r["abs_random"]["sampled"] / r["coin_sampled"] - 1) <= 0.25  # noqa: E731
    count("absorbing, random demos: sampled within 25 % of the coin", within, "abs_random")
    demos_band = lambda r: abs(r["random_demos_len"] / r["coin_sampled"] - 1) <= 0.25  # noqa: E731
    count("random demos' own episodes within 25 % of the coin", demos_band, "abs_random")
    for n_pairs in SIZES:
        for algo in ("bc", "gail"):
            key = f"{algo}_{n_pairs}"
            count(f"{key}: return >= 195 and habit within 0.25", lambda r, k=key: _ok(r[k]), key)
    for name in list(PERTURBATIONS)[1:]:
        count(f"expert_{name}: return >= 195", lambda r, k=f"expert_{name}": r[k]["return"] >= 195, f"expert_{name}")
        for key in (f"{algo}_{n}_{name}" for n in ROBUST_SIZES for algo in ("bc", "gail")):
            count(f"{key}: return >= 195 and habit within 0.25", lambda r, k=key: _ok(r[k]), key)
    return lines


def _ok(m: dict[str, float]) -> bool:
    return m["return"] >= 195 and m["gap"] <= 0.25


def main() -> None:
    """Parse the arguments, run the seeds one after the other, print rows and a summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--parts", default="control,absorbing,sizes,shift,robust")
    parser.add_argument("--committed", action="store_true", help="the committed expert and demo for every seed")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "il_going_further_experts")
    parser.add_argument("--set", nargs="*", default=[], help="absorbing_config overrides, e.g. disc_steps=10")
    parser.add_argument("--control-steps", type=int, default=10_000)
    parser.add_argument("--absorbing-steps", type=int, default=50_000)
    parser.add_argument("--absorbing-random-steps", type=int, default=50_000)
    parser.add_argument("--size-steps", type=int, default=50_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    args.parts = args.parts.split(",")
    args.cache.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    print(vars(args))
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        row = run_seed(seed, args)
        rows.append(row)
        parts = {k: v for k, v in row.items() if isinstance(v, dict)}
        head = f"seed {seed:3d} ({row['seconds']:5.1f} s): expert habit {row['expert_habit']:+.2f}, "
        print(head + f"coin {row['coin_sampled']:.1f}, random demos {row['random_demos_len']:.1f}")
        for k, v in parts.items():
            print(f"    {k:16s} " + ", ".join(f"{m} {x:.3g}" for m, x in v.items()))
    print(f"\nsummary over seeds {args.first_seed}-{args.first_seed + args.seeds - 1} (min / max / mean ± std):")
    for key, s in summarize(rows).items():
        print(f"  {key:28s} {s['min']:8.3f} {s['max']:8.3f} {s['mean']:8.3f} ± {s['std']:.3f}")
    print("\n".join(["", *targets(rows)]))
    if args.out:
        args.out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
