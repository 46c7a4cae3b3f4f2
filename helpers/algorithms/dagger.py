"""DAgger, Dataset Aggregation (Ross, Gordon & Bagnell 2011): the expert labels the states the learner visits.

BC learns only on the expert's own states, and drifts once its mistakes take it elsewhere (notebook 05's covariate
shift). DAgger asks the expert what it would have done in the learner's states:

1. D_0: ``initial`` pairs of the expert's demonstration; pi_1 = BC on D_0.
2. For i = 1 .. rounds: pi_i plays ``episodes_per_round`` greedy episodes; ``m_i`` of the states it visited, drawn
   at random, are labelled by the expert, a_j = argmax_a pi_E(a | s_j); D_i = D_{i-1} + those pairs (aggregation);
   pi_{i+1} = BC on D_i, from scratch.

Every label, the demonstration's included, is one expert query, so DAgger and BC compare at equal ``labels``.
This is the paper's algorithm with beta_i = 0 after the first round (the learner alone plays), as the imitation
library's ``SimpleDAggerTrainer`` does at its default; written here in a few lines, because that library is not a
dependency of this series and a notebook writes the loop out anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from helpers.algorithms.bc import train_bc
from helpers.core import rules
from helpers.core.demos import subsample_demos
from helpers.core.env import CartPoleBatch
from helpers.core.networks import PolicyNet
from helpers.core.rollout import concat_episodes, play_batch
from helpers.core.seeding import seed_everything


@dataclass
class DAggerConfig:
    """DAgger hyperparameters: how many expert labels, how they are spread, and the BC that fits them."""

    labels: int = rules.checked(rule=rules.integer(1), kw_only=True)
    """Expert labels in all (expert queries): the demonstration's pairs used plus the labels of learner states."""
    initial: int | None = rules.checked(None, rules.integer(1, optional=True))
    """Of them, evenly spaced pairs of the expert's demonstration that train the first learner (D_0); None: half of
    them (all of them with ``rounds=0``)."""
    rounds: int = rules.checked(2, rules.integer(0))
    """Rounds of play, label, aggregate, retrain; the other labels are shared out evenly among them."""
    episodes_per_round: int = rules.checked(4, rules.integer(1))
    """Greedy episodes the learner plays each round; the states to label are drawn from all of their steps."""
    bc_epochs: int = rules.checked(rule=rules.integer(1), kw_only=True)
    """Full-batch epochs of behavioral cloning, each time the learner is retrained."""
    hidden: int = rules.checked(64, rules.HIDDEN_RULE)
    """Hidden units of the learner (as notebook 04's BC and GAIL students)."""
    warm_start: bool = rules.checked(False, rules.FLAG_RULE)
    """Retrain each learner from the previous one's weights (the imitation library's way) instead of from scratch."""

    def __post_init__(self) -> None:
        """Refuse a bad field at once, naming it, and more initial pairs than labels."""
        rules.check_config(self)
        if self.initial is None:
            self.initial = self.labels // 2 if self.rounds else self.labels
        if self.initial > self.labels or (self.rounds == 0 and self.initial != self.labels):
            raise rules.ParameterError(
                f"DAggerConfig.initial must be at most labels ({self.labels}), and equal to it with rounds=0, "
                f"got {self.initial}"
            )

    def round_labels(self) -> list[int]:
        """Labels of learner states per round: ``labels - initial`` shared out evenly, earlier rounds first."""
        extra, n = self.labels - self.initial, self.rounds
        return [extra // n + (i < extra % n) for i in range(n)] if n else []


@dataclass
class DAggerHistory:
    """What one DAgger run did, one entry per round."""

    labels: list[int] = field(default_factory=list)
    """Expert labels in the aggregated dataset after each round (the first entry: D_0)."""
    env_steps: list[int] = field(default_factory=list)
    """Env steps the learner has played so far, after each round (0 for D_0)."""
    episode_length: list[float] = field(default_factory=list)
    """Mean length of the learner's greedy episodes in each round (nan for D_0)."""


@torch.no_grad()
def expert_labels(expert: nn.Module, states: torch.Tensor) -> torch.Tensor:
    """The expert's answers a = argmax_a pi_E(a | s) for states [N, 4]: int64 [N, 1], as the demos store actions."""
    return expert(states).argmax(-1, keepdim=True)


def aggregate(
    states: torch.Tensor, actions: torch.Tensor, new_states: torch.Tensor, new_actions: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """D_i = D_{i-1} + the new pairs: states [N + M, 4] and actions [N + M, 1], the old pairs first, nothing dropped."""
    return torch.cat([states, new_states]), torch.cat([actions.reshape(-1, 1), new_actions.reshape(-1, 1)])


def train_dagger(
    demos: dict[str, Any], expert: nn.Module, seed: int, config: DAggerConfig
) -> tuple[PolicyNet, dict[str, torch.Tensor], DAggerHistory]:
    """Train a learner by DAgger; returns it, the aggregated dataset (states, actions) and the history.

    The learner's episodes start from ``seed`` (the first round) and continue that random stream; the states to
    label are drawn with torch's generator, seeded by ``seed``; every BC fit is seeded by ``seed`` too.
    """
    c = config
    d0 = subsample_demos(demos, c.initial)
    states, actions = d0["states"], d0["actions"].reshape(-1, 1)
    policy, _ = train_bc(states, actions, epochs=c.bc_epochs, hidden=c.hidden, seed=seed)
    hist = DAggerHistory(labels=[len(states)], env_steps=[0], episode_length=[float("nan")])
    envs = CartPoleBatch(c.episodes_per_round)
    steps = 0
    for i, m in enumerate(c.round_labels()):
        episodes = play_batch(envs, policy, greedy=True, seed=seed if i == 0 else None)
        visited = concat_episodes(episodes).states
        seed_everything(seed + i + 1)  # which visited states get labelled (train_bc reseeds the generators)
        pick = torch.randperm(len(visited))[:m]
        states, actions = aggregate(states, actions, visited[pick], expert_labels(expert, visited[pick]))
        start = policy if c.warm_start else None
        policy, _ = train_bc(states, actions, start, epochs=c.bc_epochs, hidden=c.hidden, seed=seed)
        steps += len(visited)
        hist.labels.append(len(states))
        hist.env_steps.append(steps)
        hist.episode_length.append(len(visited) / len(episodes))
    return policy, {"states": states, "actions": actions}, hist
