"""GAIL without the survival bias: absorbing states (after Kostrikov et al. 2019, "Discriminator-Actor-Critic").

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
- Any reward read from D works: r_a is learned like every other reward. With -log D (never negative), D(s_a) -> 1
  gives r_a -> 0 and falling forfeits every positive reward to come; with the logit reward log(1 - D) - log D
  (0 where D = 1/2, DAC's code's default and ``absorbing_config``'s), r_a goes negative and falling costs.

DAC learns off-policy from a replay buffer and learns V(s_a) with its critic. This on-policy version
computes V(s_a) = r_a / (1 - gamma) exactly, and folds gamma * V(s_a) into the reward of the terminated step,
which gives PPO's GAE the same advantages and value targets as a terminal value V(s_a) would.
``gail.train_gail`` runs it with ``gail.absorbing_config()``.
"""

from __future__ import annotations

import torch

from helpers.algorithms.discriminator import Discriminator, reward_from_logits
from helpers.core.env import N_ACTIONS, OBS_DIM
from helpers.core.rollout import Episode

ABSORBING = N_ACTIONS
"""The "action" index that marks an absorbing sample (one-hot [0, 0, 1]: no real action, flag 1)."""


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


@torch.no_grad()
def absorbing_rewards(
    disc: AbsorbingDiscriminator, batch: Episode, gamma: float, kind: str = "logit", clip: float | None = 5.0
) -> tuple[torch.Tensor, float]:
    """r'_t = r(s_t, a_t) + terminated_t * gamma * V(s_a), V(s_a) = r_a / (1 - gamma); returns r' and r_a.

    GAE's delta_t = r_t + gamma (1 - terminated_t) V(s_{t+1}) - V(s_t) then equals, at a termination,
    r_t + gamma V(s_a) - V(s_t): the absorbing state's value bootstrapped instead of 0. With ``clip`` the logits
    are clamped to [-clip, clip] first, which bounds |V(s_a)| by clip / (1 - gamma).
    """
    if kind not in ("logit", "log_1m_d", "neg_log_d"):
        raise ValueError(f"absorbing states need a reward read from D ('logit', 'log_1m_d', 'neg_log_d'); got {kind!r}")
    logits = disc(batch.states, batch.actions)
    l_a = disc(batch.states.new_zeros(1, OBS_DIM), torch.tensor([ABSORBING]))
    if clip is not None:
        logits, l_a = logits.clamp(-clip, clip), l_a.clamp(-clip, clip)
    r, r_a = reward_from_logits(logits, kind), float(reward_from_logits(l_a, kind)[0])
    return r + batch.terminated.float() * gamma * r_a / (1.0 - gamma), r_a
