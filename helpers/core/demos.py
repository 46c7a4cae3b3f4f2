"""Demonstrations in memory: the coin's (a uniform random policy's) pairs, a subsample, their episodes' length, how
often near states got different pushes.

A demonstration is a dict as ``helpers.files.data.load_demos`` returns it: states [N, 4] float32, actions [N, 1]
int64, terminated [N] bool, meta.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from helpers.core.env import CartPoleBatch
from helpers.core.networks import UniformPolicy
from helpers.core.rollout import Episode, concat_episodes, play_batch
from helpers.core.seeding import seed_everything


def random_policy_demos(n_pairs: int = 200, seed: int = 0) -> dict[str, Any]:
    """``n_pairs`` (state, action) pairs from episodes of ``UniformPolicy``, with ``terminated`` flags.

    Same layout as ``load_demos``: states [N, 4] float32, actions [N, 1] int64, terminated [N] bool. The
    episodes are played 16 at a time and kept in order until ``n_pairs`` are reached; the last kept episode
    is cut to fit, so its last kept pair is not marked terminated.
    """
    seed_everything(seed)
    envs = CartPoleBatch(16)
    episodes: list[Episode] = []
    while sum(len(e) for e in episodes) < n_pairs:
        episodes += play_batch(envs, UniformPolicy(), seed=seed if not episodes else None)
    kept, total = [], 0
    for e in episodes:
        kept.append(e)
        total += len(e)
        if total >= n_pairs:
            break
    batch = concat_episodes(kept)
    return {
        "states": batch.states[:n_pairs],
        "actions": batch.actions[:n_pairs].reshape(-1, 1),
        "terminated": batch.terminated[:n_pairs],
        "meta": {"policy": "uniform random", "episodes": len(kept), "seed": seed},
    }


def mean_episode_length(demos: dict[str, Any]) -> float:
    """Mean length of the demos' complete episodes: pairs up to the last termination / number of terminations."""
    ends = torch.nonzero(demos["terminated"].reshape(-1)).reshape(-1)
    return float(ends[-1] + 1) / len(ends) if len(ends) else math.nan


def subsample_demos(demos: dict[str, Any], n_pairs: int) -> dict[str, Any]:
    """``n_pairs`` evenly spaced pairs of the demos, from step 0 to the last step.

    Ho & Ermon 2016 kept every 10th step of each trajectory from a random offset; evenly spaced from step 0 gives the
    same count (20 of 200) without the randomness."""
    n = len(demos["states"])
    idx = torch.linspace(0, n - 1, n_pairs).round().long() if n_pairs < n else torch.arange(n)
    out = {k: demos[k][idx] for k in ("states", "actions")}
    out["terminated"] = demos.get("terminated", torch.zeros(n, dtype=torch.bool))[idx]
    out["meta"] = {**demos.get("meta", {}), "subsampled": n_pairs}
    return out


def conflicting_pushes(states: torch.Tensor, actions: torch.Tensor) -> float:
    """The share of a demonstration's states whose nearest other state got the other push.

    For each state s_i, j(i) = argmin_{j != i} ||s_i - s_j|| (Euclidean, on the raw states); the share is
    (1/N) sum_i [a_{j(i)} != a_i]. A demonstrator that answers similar states differently (a shaky hand) raises it; a
    steady one scores above 0 too, where its nearest recorded state lies across its decision boundary. With float
    states two equally near states do not occur in practice (``argmin`` would take the first).
    """
    states, actions = torch.as_tensor(states), torch.as_tensor(actions).reshape(-1)
    if states.dim() != 2 or len(states) < 2 or len(actions) != len(states):
        raise ValueError(f"conflicting_pushes: states [N >= 2, d] and one action per state; got "
                         f"{list(states.shape)} and {list(actions.shape)}")  # fmt: skip
    s = states.double()  # float32 cdist can pick the farther of two near states (it goes through a matrix product)
    distance = torch.cdist(s, s, compute_mode="donot_use_mm_for_euclid_dist")  # exact differences, on every CPU
    distance.fill_diagonal_(float("inf"))  # a state is not its own neighbour
    nearest = distance.argmin(1)
    return float((actions[nearest] != actions).double().mean())
