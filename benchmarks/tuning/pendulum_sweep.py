"""Notebook 07's learners over seeds, through ``helpers`` alone: the expert's tilt, GAIL, BC and the control.

    .venv/bin/python -m benchmarks.tuning.pendulum_sweep --seeds 0-11
    .venv/bin/python -m benchmarks.tuning.pendulum_sweep --seeds 0-3 --gail disc_steps=5 --demos 2 --runs gail
    .venv/bin/python -m benchmarks.tuning.pendulum_sweep --seeds 0-3 --gail reward=log_1m_d --runs gail
    .venv/bin/python -m benchmarks.tuning.pendulum_sweep --seeds 0-5 --runs expert --tilt-weight 0  # 07's exercise 1

Per seed s: the expert (``train_on_pendulum(s, TILT)``, cached in ``--cache``), ``--demos`` greedy episodes recorded
from ``fresh_seed(s, 1)`` as notebook 07 records them, then the learners named by ``--runs`` (``gail``: GAIL with
``pendulum_gail_config()`` changed by ``--gail field=value`` overrides, ``ppo.field`` for its PPO; ``bc``: BC on the
same pairs; ``control``: PPO on Pendulum's own reward, the expert's settings). Budgets: notebook 07's parameters
(``EXPERT_MAX_ENV_STEPS``, ``IMITATION_MAX_ENV_STEPS``, ``BC_EPOCHS``, read from its parameters cell) unless given.
Each is scored on 100 fresh greedy episodes (``fresh_seed(s)``): share ending upright, mean tilt of those,
Pendulum's return. Costs are process seconds (the machine is shared). A tuning study: ``benchmarks/pendulum_notes.md``
says what it found.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.check_seeds import parse_seeds
from benchmarks.common import provenance, with_overrides, write_json
from helpers.algorithms import pendulum as P
from helpers.core import pendulum
from helpers.core.pendulum import TILT, tilt_stats
from helpers.core.seeding import fresh_seed
from helpers.teaching.parameters import notebook_parameters


def cached_expert(seed: int, cache: Path) -> tuple[torch.nn.Module, float]:
    """The expert of ``seed`` (notebook 07's settings), trained once and kept in ``cache``; its process seconds."""
    path = cache / f"pendulum-expert-{seed}.pt"
    agent = P.pendulum_agent()
    if path.is_file():
        saved = torch.load(path, weights_only=True)
        agent.policy.load_state_dict(saved["policy"])
        return agent.policy, float(saved["seconds"])
    t0 = time.process_time()
    agent, _ = P.train_on_pendulum(
        seed, TILT, max_env_steps=notebook_parameters("07")["EXPERT_MAX_ENV_STEPS"], progress=False
    )
    seconds = time.process_time() - t0
    cache.mkdir(parents=True, exist_ok=True)
    torch.save({"policy": agent.policy.state_dict(), "seconds": seconds}, path)
    return agent.policy, seconds


def scored(policy: torch.nn.Module, seed: int, seconds: float, expert_tilt: float | None = None) -> dict[str, Any]:
    """Upright share, tilt, return on 100 fresh greedy episodes, the tilt's gap to the expert's, and the cost."""
    stats = tilt_stats(P.pendulum_episodes(policy, 100, fresh_seed(seed)))
    out = {k: round(v, 4) for k, v in stats.items()} | {"seconds": round(seconds, 1)}
    if expert_tilt is not None:
        out["gap"] = round(abs(stats["tilt"] - expert_tilt), 4)
    return out


def main() -> None:
    """Run the learners on every seed and print one line each; with ``--out``, write them as JSON."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="0-11")
    p.add_argument("--runs", default="gail,bc,control", help="any of gail, bc, control (or expert: the expert alone)")
    p.add_argument("--gail", nargs="*", default=[], help="GAILConfig overrides field=value (ppo.field=value)")
    p.add_argument("--demos", type=int, default=4, help="greedy demonstration episodes")
    p.add_argument("--bc-epochs", type=int, default=notebook_parameters("07")["BC_EPOCHS"])
    p.add_argument(
        "--steps",
        type=int,
        default=notebook_parameters("07")["IMITATION_MAX_ENV_STEPS"],
        help="GAIL's budget",
    )
    p.add_argument("--tilt-weight", type=float, help="the expert's TILT_WEIGHT (notebook 07's exercise 1: 0)")
    p.add_argument("--cache", type=Path, default=Path("/tmp/il_pendulum_experts"))
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    torch.set_num_threads(1)
    if args.tilt_weight is not None:  # read by the expert's reward at every step; its experts cached apart
        pendulum.TILT_WEIGHT = args.tilt_weight
        args.cache = args.cache / f"tilt-weight-{args.tilt_weight:g}"
    runs = args.runs.split(",")
    config = with_overrides(P.pendulum_gail_config(max_env_steps=args.steps), args.gail)
    rows = []
    for seed in parse_seeds(args.seeds):
        expert, seconds = cached_expert(seed, args.cache)
        row: dict[str, Any] = {"seed": seed, "expert": scored(expert, seed, seconds)}
        row["expert"]["gap_to_tilt"] = round(abs(row["expert"]["tilt"] - TILT), 4)
        tilt = row["expert"]["tilt"]
        demos = P.record_pendulum_demos(expert, fresh_seed(seed, 1), args.demos)
        if "gail" in runs:
            t0 = time.process_time()
            student, _, _ = P.train_pendulum_gail(demos, seed, config, progress=False)
            row["gail"] = scored(student.policy, seed, time.process_time() - t0, tilt)
        if "bc" in runs:
            t0 = time.process_time()
            bc, _ = P.train_pendulum_bc(demos, seed, epochs=args.bc_epochs)
            row["bc"] = scored(bc, seed, time.process_time() - t0, tilt)
        if "control" in runs:
            t0 = time.process_time()
            control_steps = notebook_parameters("07")["EXPERT_MAX_ENV_STEPS"]
            control, _ = P.train_on_pendulum(seed, None, max_env_steps=control_steps, progress=False)
            row["control"] = scored(control.policy, seed, time.process_time() - t0, tilt)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        write_json(args.out, {**provenance(), "gail": repr(config), "rows": rows})


if __name__ == "__main__":
    main()
