"""``python -m helpers.summary``: what the data folder holds after ``make run``, measured afresh."""

from __future__ import annotations

import torch

from helpers.data import (
    BC_POLICY,
    EXPERT_DEMOS,
    EXPERT_POLICY,
    GAIL_POLICY,
    data_dir,
    display_path,
    load_demos,
    load_policy,
)
from helpers.rollout import agreement, evaluate


def main() -> None:
    """Print each policy's 20-episode greedy mean and agreement, and the demonstrations' shapes."""
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
            f"return {meta.get('return', '?')}, actions chosen {meta.get('action_selection', '?')}"
        )
    for name, label in [(EXPERT_POLICY, "expert"), (GAIL_POLICY, "GAIL student"), (BC_POLICY, "BC student")]:
        if not (folder / name).exists():
            print(f"  {label:<16} ({name} not written yet)")
            continue
        policy = load_policy(folder / name)
        score = evaluate(policy, 20, greedy=True, seed=123_456).mean()
        line = f"  {label:<16} 20-episode greedy mean return {score:6.1f} / 200"
        if expert is not None and demos is not None and name != EXPERT_POLICY:
            line += f", agreement with the expert on demo states {agreement(policy, expert, demos['states']):.3f}"
        print(line)


if __name__ == "__main__":
    main()
