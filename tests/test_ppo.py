"""GAE against hand-computed values, and a PPO update that improves its own objective."""

from __future__ import annotations

import pytest
import torch

from helpers.ppo import PPO, PPOConfig, clipped_surrogate, expert_config, gae
from helpers.rollout import Episode


def _hand_gae(rewards, values, next_values, terminal_value_counts, gamma, lam):
    """GAE for ONE episode, written out the slow way: deltas first, then the backward sum."""
    n = len(rewards)
    deltas = []
    for t in range(n):
        future = next_values[t] if (t < n - 1 or terminal_value_counts) else 0.0
        deltas.append(rewards[t] + gamma * future - values[t])
    return [sum((gamma * lam) ** (k - t) * deltas[k] for k in range(t, n)) for t in range(n)]


REWARDS = [1.0, 1.0, 1.0]
VALUES = [2.0, 1.5, 1.0]
NEXT = [1.5, 1.0, 4.0]  # V(s_3) = 4: only used if the last step was a truncation


def _run(terminated_last: bool, truncated_last: bool, gamma=0.9, lam=0.8):
    term = torch.tensor([False, False, terminated_last])
    trunc = torch.tensor([False, False, truncated_last])
    return gae(torch.tensor(REWARDS), torch.tensor(VALUES), torch.tensor(NEXT), term, trunc, gamma, lam)


def test_gae_terminated_episode_has_no_future():
    # delta_2 = 1 - 1 = 0;  delta_1 = 1 + 0.9 * 1 - 1.5 = 0.4;  delta_0 = 1 + 0.9 * 1.5 - 2 = 0.35
    # A_2 = 0;  A_1 = 0.4;  A_0 = 0.35 + 0.72 * 0.4 = 0.638
    adv = _run(terminated_last=True, truncated_last=False)
    assert adv.tolist() == pytest.approx([0.638, 0.4, 0.0])
    assert adv.tolist() == pytest.approx(_hand_gae(REWARDS, VALUES, NEXT, False, 0.9, 0.8))


def test_gae_truncated_episode_bootstraps_v_next():
    # delta_2 = 1 + 0.9 * 4 - 1 = 3.6;  A_1 = 0.4 + 0.72 * 3.6 = 2.992;  A_0 = 0.35 + 0.72 * 2.992 = 2.50424
    adv = _run(terminated_last=False, truncated_last=True)
    assert adv.tolist() == pytest.approx([2.50424, 2.992, 3.6])
    assert adv.tolist() == pytest.approx(_hand_gae(REWARDS, VALUES, NEXT, True, 0.9, 0.8))


def test_gae_does_not_leak_across_episodes():
    one = _run(terminated_last=True, truncated_last=False)
    two = gae(
        torch.tensor(REWARDS * 2),
        torch.tensor(VALUES * 2),
        torch.tensor(NEXT * 2),
        torch.tensor([False, False, True] * 2),
        torch.tensor([False] * 6),
        0.9,
        0.8,
    )
    assert two.tolist() == pytest.approx(one.tolist() * 2)


def _fixed_batch(n: int = 64) -> Episode:
    g = torch.Generator().manual_seed(0)
    states = torch.randn(n, 4, generator=g) * 0.1
    term = torch.zeros(n, dtype=torch.bool)
    term[-1] = True
    return Episode(
        states=states,
        actions=torch.randint(0, 2, (n,), generator=g),
        rewards=torch.ones(n),
        next_states=states + 0.01,
        terminated=term,
        truncated=torch.zeros(n, dtype=torch.bool),
    )


def test_ppo_update_raises_the_clipped_surrogate():
    torch.manual_seed(0)
    agent = PPO(PPOConfig(normalize_advantages=True))
    batch = _fixed_batch()
    adv, _ = agent.advantages(batch)
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    with torch.no_grad():
        old_logp = agent.policy.distribution(batch.states).log_prob(batch.actions)
    agent.update(batch)
    with torch.no_grad():
        new_logp = agent.policy.distribution(batch.states).log_prob(batch.actions)
    before = clipped_surrogate(torch.ones_like(old_logp), adv, agent.config.clip)  # ratio 1 before the update
    after = clipped_surrogate(torch.exp(new_logp - old_logp), adv, agent.config.clip)
    assert after > before + 1e-3


def test_ppo_update_fits_the_value_targets():
    torch.manual_seed(0)
    agent = PPO()
    batch = _fixed_batch()
    _, targets = agent.advantages(batch)
    with torch.no_grad():
        before = torch.mean((agent.value(batch.states) - targets) ** 2)
    agent.update(batch)
    with torch.no_grad():
        after = torch.mean((agent.value(batch.states) - targets) ** 2)
    assert after < before


def test_expert_config_keeps_the_source_architecture():
    c = expert_config()
    agent = PPO(c)
    assert [tuple(p.shape) for p in agent.policy.parameters()] == [(128, 4), (128,), (2, 128), (2,)]
    assert [tuple(p.shape) for p in agent.value.parameters()] == [(128, 4), (128,), (1, 128), (1,)]


def _train_recording_updates(config: PPOConfig, max_env_steps: int, record) -> tuple[PPO, list, object]:
    """train_ppo on a fresh agent, keeping ``record(agent, batch)`` from just before each PPO update."""
    from helpers.train import train_ppo

    agent = PPO(config)
    seen = []
    update = agent.update

    def spy(batch, rewards=None):
        seen.append(record(agent, batch))
        return update(batch, rewards)

    agent.update = spy
    hist = train_ppo(agent, seed=0, max_env_steps=max_env_steps, target=1e9, progress=False)
    return agent, seen, hist


def test_anneal_lr_decays_both_learning_rates_linearly_over_the_budget():
    _, seen, hist = _train_recording_updates(
        PPOConfig(anneal_lr=True), 300, lambda agent, batch: [g["lr"] for g in agent.optimizer.param_groups]
    )
    steps_before = [0, *hist.env_steps[:-1]]
    for (policy_lr, value_lr), steps in zip(seen, steps_before, strict=True):
        assert policy_lr == pytest.approx(1e-3 * (1 - steps / 300))
        assert value_lr == pytest.approx(1e-2 * (1 - steps / 300))
    assert PPOConfig().anneal_lr is False and expert_config().anneal_lr is False  # expert and plain GAIL: constant


def test_min_steps_per_update_batches_whole_episodes_until_the_floor():
    _, sizes, _ = _train_recording_updates(
        PPOConfig(min_steps_per_update=100),
        600,
        lambda agent, batch: (len(batch), int((batch.terminated | batch.truncated).sum())),
    )
    assert sizes and all(n >= 100 for n, _ in sizes)
    assert any(k > 1 for _, k in sizes)  # a random start falls within ~20 steps: several episodes per batch
    assert PPOConfig().min_steps_per_update == 0  # the default keeps one episode per update
