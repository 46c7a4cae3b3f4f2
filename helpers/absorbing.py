"""GAIL without the survival bias: absorbing states (Kostrikov et al. 2019, "Discriminator-Actor-Critic").

Plain GAIL with r = -log D pays a positive reward for every step, so on CartPole any student that
survives longer earns more, whatever the demonstrations show. The fix: treat the end of an episode as an
**absorbing state** s_a that the episode stays in forever, and let the discriminator judge it like any pair.

- The discriminator gets one extra input, an "absorbing" flag. An absorbing sample is (zero state, no
  action, flag 1). Each *termination* (the pole fell; never a truncation by the step cap) adds one such
  sample to its side of the discriminator's batch: student episodes and demonstrations alike.
- Its reward r_a = r(s_a) is read from D like any other pair. Staying in s_a forever is worth
  V(s_a) = sum_k gamma^k r_a = r_a / (1 - gamma), and that is the value bootstrapped at a termination
  instead of 0. If the demos never end (the expert's), D learns that s_a is the student's: r_a < 0 and
  falling costs. If the demos end often (a random policy's), s_a looks like the demos': falling pays.
- The per-step reward must be able to go negative: -log D is centred by subtracting log 2 (0 where D can
  not tell, i.e. D = 1/2), or the logit reward log(1 - D) - log D is used.
- The reward is bounded by default (``reward_clip``: logits clamped to [-5, 5]): the absorbing sample is
  trivially separable, and an unbounded r_a, multiplied by 1 / (1 - gamma), blows up PPO's value targets.

Implementation: ``AbsorbingDiscriminator`` encodes the flag as a third "action" (one-hot [0, 0, 1]) with the
state zeroed, so ``helpers.discriminator``'s loss, stats and update loop run unchanged; the bootstrap
gamma * V(s_a) is folded into the reward of the terminated step, which gives PPO's GAE exactly the same
advantages and value targets as a terminal value V(s_a) would (``terminal_bootstrap``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import nn

from helpers import checks
from helpers.discriminator import (
    Discriminator,
    reward_from_logits,
)
from helpers.env import N_ACTIONS, OBS_DIM, make_env
from helpers.gail import GAILConfig, GAILHistory, train_adversarial
from helpers.ppo import PPO, PPOConfig
from helpers.rollout import Episode, play_episode
from helpers.seeding import seed_everything

ABSORBING = N_ACTIONS
"""The "action" index that marks an absorbing sample (one-hot [0, 0, 1]: no real action, flag 1)."""

CENTRED_REWARD_KINDS = ("neg_log_d_centred", "logit")
"""Rewards that can be negative, as absorbing states need: -log D - log 2, and log(1 - D) - log D."""


class AbsorbingDiscriminator(Discriminator):
    """l_w(s, a, absorbing): the GAIL discriminator with one more input, the absorbing flag.

    Input = standardised state (zeroed for absorbing samples) + one-hot over {left, right, absorbing}.
    Pass ``actions == ABSORBING`` for absorbing samples (see ``with_absorbing``).
    """

    def __init__(self, hidden: int = 128) -> None:
        super().__init__(hidden, OBS_DIM, N_ACTIONS + 1)

    def features(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """[state (0 if absorbing), one-hot action, absorbing flag], shape [N, obs_dim + 3]."""
        x = super().features(states, actions)
        absorbing = (actions.reshape(-1) == ABSORBING).unsqueeze(-1)
        return torch.cat([x[:, : self.obs_dim].masked_fill(absorbing, 0.0), x[:, self.obs_dim :]], dim=1)


def with_absorbing(
    states: torch.Tensor, actions: torch.Tensor, terminated: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Append one absorbing sample (zero state, action ``ABSORBING``) per termination; truncations add none.

    Returns states [N + k, 4] and actions [N + k] with k = terminated.sum().
    """
    k = int(terminated.sum())
    actions = actions.reshape(-1).long()
    return (
        torch.cat([states, states.new_zeros(k, states.shape[1])]),
        torch.cat([actions, actions.new_full((k,), ABSORBING)]),
    )


def centred_reward(logits: torch.Tensor, kind: str = "logit") -> torch.Tensor:
    """r from the logit l: "neg_log_d_centred" = -log D - log 2 = softplus(-l) - log 2; "logit" = -l.

    Both are 0 where D = 1/2 (student and expert look alike) and negative where the pair looks like the student's.
    """
    if kind == "neg_log_d_centred":
        return reward_from_logits(logits, "neg_log_d") - math.log(2.0)
    if kind == "logit":
        return reward_from_logits(logits, "logit")
    raise ValueError(f"unknown reward kind {kind!r}; choose one of {CENTRED_REWARD_KINDS}")


def terminal_bootstrap(
    rewards: torch.Tensor, terminated: torch.Tensor, absorbing_reward: float | torch.Tensor, gamma: float
) -> torch.Tensor:
    """r'_t = r_t + terminated_t * gamma * V(s_a),  V(s_a) = r_a / (1 - gamma).

    GAE's delta_t = r_t + gamma (1 - terminated_t) V(s_{t+1}) - V(s_t) then equals, at a termination,
    r_t + gamma V(s_a) - V(s_t): the absorbing state's value bootstrapped instead of 0 (same advantages,
    same value targets), without changing PPO.
    """
    return rewards + terminated.float() * gamma * absorbing_reward / (1.0 - gamma)


@torch.no_grad()
def absorbing_gail_reward(
    disc: AbsorbingDiscriminator,
    episode: Episode,
    gamma: float,
    kind: str = "logit",
    clip: float | None = None,
) -> tuple[torch.Tensor, float]:
    """Per-step rewards r(s_t, a_t) with gamma * r_a / (1 - gamma) added at each termination, and r_a itself.

    With ``clip`` the logits are clamped to [-clip, clip] before the reward is read: r and r_a are then
    bounded, and so is V(s_a) = r_a / (1 - gamma) (|V(s_a)| <= clip / (1 - gamma) for the logit reward).
    """
    logits = disc(episode.states, episode.actions)
    l_a = disc(episode.states.new_zeros(1, OBS_DIM), torch.tensor([ABSORBING]))
    if clip is not None:
        logits, l_a = logits.clamp(-clip, clip), l_a.clamp(-clip, clip)
    r, r_a = centred_reward(logits, kind), centred_reward(l_a, kind)[0]
    return terminal_bootstrap(r, episode.terminated, r_a, gamma), float(r_a)


def absorbing_ppo_config() -> PPOConfig:
    """The student's PPO settings under absorbing states: plain GAIL's, with the learning rates annealed to 0.

    The absorbing reward is multiplied by 1 / (1 - gamma), so the student swings between falling and balancing as
    r_a changes sign; a decaying step size damps the swing, and the last policy sits near the middle of it."""
    return PPOConfig(anneal_lr=True)


@dataclass
class AbsorbingGAILConfig(GAILConfig):
    """GAIL with absorbing states; fields as ``GAILConfig``, with the defaults measured in
    ``benchmarks/going_further_sweep.py --own-expert`` (notebook 05's budgets: 40,000 env steps on expert demos, 10,000
    on random ones). With reward_clip=5, disc_steps=10 and annealed learning rates: greedy >= 195 on expert demos on
    19/20 of seeds 0-19 and 20/20 of seeds 20-39; random-demo students within 25 % of the random policy's episode
    length on 15/20 and 14/20 (0.87-3.1x). With a constant learning rate (budgets 10,000 / 3,000): 16/20, 15/20 and
    8/20, 6/20 (up to 4.9x); unclipped with 30 discriminator steps: 7/20 at 195."""

    ppo: PPOConfig = field(default_factory=absorbing_ppo_config)
    """PPO settings of the student: ``absorbing_ppo_config()`` (learning rates annealed over ``max_env_steps``)."""
    disc_steps: int = 10
    """Discriminator gradient steps per iteration. With the reward bounded (``reward_clip``) 10 suffice; unbounded,
    it needed 30 to keep up, since its errors on r_a are multiplied by 1 / (1 - gamma) = 50. Fewer steps also make
    a run 35-40 % faster."""
    reward: str = "logit"
    """"logit" (log(1 - D) - log D) or "neg_log_d_centred" (-log D - log 2)."""
    reward_clip: float | None = 5.0
    """Clamp the logit to [-reward_clip, reward_clip] before reading rewards (None: unbounded). The absorbing
    sample is trivially separable (one flag), so unclamped its logit grows without bound and r_a / (1 - gamma)
    blows up the value targets; clamped, |r_a| <= clip and |V(s_a)| <= clip / (1 - gamma) (250 at gamma = 0.98)."""

    FIELD_RULES: ClassVar[dict[str, checks.Rule]] = {
        "ppo": checks.Rule(
            "a PPOConfig with gamma < 1 (V(s_a) = r_a / (1 - gamma))",
            lambda v: isinstance(v, PPOConfig) and v.gamma < 1,
        ),
        "reward": checks.one_of(*CENTRED_REWARD_KINDS),
        "reward_clip": checks.number(0, low_open=True, optional=True),
    }
    """Rules of the fields that differ from ``GAILConfig.FIELD_RULES`` (the others are inherited)."""


def train_absorbing_gail(
    demos: dict[str, Any],
    seed: int = 0,
    config: AbsorbingGAILConfig | None = None,
    progress: bool = True,
) -> tuple[PPO, GAILHistory, AbsorbingDiscriminator]:
    """``train_gail`` with absorbing states: demos need ``terminated`` [N] (``load_demos`` output).

    Same loop and stopping rule as ``helpers.gail.train_gail``; the discriminator sees each side's
    absorbing samples, and the student's reward bootstraps V(s_a) = r_a / (1 - gamma) at terminations.
    ``extra`` additionally logs ``r_absorbing`` (r_a after the update) and ``episode_length``.
    Seeds itself: the same demos, seed and config give the same student, provided torch runs on the same
    number of threads (another count sums floats in another order, and training takes another path).
    """
    c = config or AbsorbingGAILConfig()
    if c.reward not in CENTRED_REWARD_KINDS:
        raise ValueError(f"absorbing states need a reward that can be negative: one of {CENTRED_REWARD_KINDS}")

    def reward(disc: Discriminator, episode: Episode) -> tuple[torch.Tensor, dict[str, float]]:
        r, r_a = absorbing_gail_reward(disc, episode, c.ppo.gamma, c.reward, c.reward_clip)
        n_episodes = int((episode.terminated | episode.truncated).sum())
        return r, {"r_absorbing": r_a, "episode_length": len(episode) / n_episodes}

    return train_adversarial(demos, seed, c, AbsorbingDiscriminator, reward, with_absorbing, progress)


# ---------------------------------------------------------------- the random-policy control


class UniformPolicy(nn.Module):
    """A policy that picks left or right with probability 1/2 each: logits [N, 2] of zeros."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Equal logits for both actions."""
        return states.new_zeros(states.shape[0], N_ACTIONS)


def random_policy_demos(n_pairs: int = 200, seed: int = 0) -> dict[str, Any]:
    """``n_pairs`` (state, action) pairs from consecutive episodes of ``UniformPolicy``, with ``terminated`` flags.

    Same layout as ``load_demos``: states [N, 4] float32, actions [N, 1] int64, terminated [N] bool. The last
    episode is cut to fit, so its last kept pair is not marked terminated.
    """
    seed_everything(seed)
    env, policy = make_env(seed), UniformPolicy()
    episodes: list[Episode] = []
    while sum(len(e) for e in episodes) < n_pairs:
        episodes.append(play_episode(env, policy, greedy=False))
    env.close()
    states = torch.cat([e.states for e in episodes])[:n_pairs]
    actions = torch.cat([e.actions for e in episodes])[:n_pairs].reshape(-1, 1)
    terminated = torch.cat([e.terminated for e in episodes])[:n_pairs]
    return {
        "states": states,
        "actions": actions,
        "terminated": terminated,
        "meta": {"policy": "uniform random", "episodes": len(episodes), "seed": seed},
    }


def mean_episode_length(demos: dict[str, Any]) -> float:
    """Mean length of the demos' complete episodes: pairs up to the last termination / number of terminations."""
    ends = torch.nonzero(demos["terminated"].reshape(-1)).reshape(-1)
    return float(ends[-1] + 1) / len(ends) if len(ends) else float("nan")


def subsample_demos(demos: dict[str, Any], n_pairs: int) -> dict[str, Any]:
    """Every k-th pair of the demos (as Ho & Ermon 2016 subsampled theirs), ``n_pairs`` of them, from step 0."""
    n = len(demos["states"])
    idx = torch.linspace(0, n - 1, n_pairs).round().long() if n_pairs < n else torch.arange(n)
    out = {k: demos[k][idx] for k in ("states", "actions")}
    out["terminated"] = demos.get("terminated", torch.zeros(n, dtype=torch.bool))[idx]
    out["meta"] = {**demos.get("meta", {}), "subsampled": n_pairs}
    return out
