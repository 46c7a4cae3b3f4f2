"""``python scripts/summary.py`` (the end of ``make run``): what the data folder holds, measured afresh."""

from __future__ import annotations

import torch

from helpers.core.rollout import agreement, mean_habit, run_episodes
from helpers.core.seeding import fresh_seed
from helpers.files.data import (
    BC_POLICY,
    EXPERT_DEMOS,
    EXPERT_POLICY,
    GAIL_POLICY,
    data_dir,
    display_path,
    load_demos,
    load_policy,
)


def main() -> None:
    """Print each policy's return and habit on 50 fresh greedy episodes, its agreement, and the demos' shapes."""
    torch.set_num_threads(1)
    folder = data_dir()
    print(f"Summary of {display_path(folder)}")
    expert = load_policy(folder / EXPERT_POLICY) if (folder / EXPERT_POLICY).exists() else None
    demos = load_demos(folder / EXPERT_DEMOS) if (folder / EXPERT_DEMOS).exists() else None
    if demos is not None:
        meta = demos["meta"]
        print(
            f"  expert demos     states {list(demos['states'].shape)} {demos['states'].dtype}, "
            f"actions {list(demos['actions'].shape)} {demos['actions'].dtype}, "
            f"habit_x {meta.get('habit_x', '?')}, actions chosen {meta.get('action_selection', '?')}"
        )
    for name, label in [(EXPERT_POLICY, "expert"), (GAIL_POLICY, "GAIL student"), (BC_POLICY, "BC student")]:
        if not (folder / name).exists():
            print(f"  {label:<16} ({name} not written yet)")
            continue
        policy = load_policy(folder / name)
        episodes = run_episodes(policy, 50, seed=fresh_seed(0, 500))
        score = sum(len(e) for e in episodes) / len(episodes)
        line = f"  {label:<16} 50 greedy episodes: mean return {score:6.1f} / 200, habit {mean_habit(episodes):+.2f}"
        if expert is not None and demos is not None and name != EXPERT_POLICY:
            line += f", agreement with the expert on the demo states {agreement(policy, expert, demos['states']):.3f}"
        print(line)


if __name__ == "__main__":
    main()
