"""GAE against hand-computed values, and PPO updates: their objective, minibatches, diagnostics, learning rates."""

from __future__ import annotations

import pytest
import torch

from helpers.algorithms.ppo import PPO, PPOConfig, clipped_surrogate, expert_config, gae
from helpers.algorithms.train import ExpertRule, train_expert
from helpers.core.rollout import Episode
from helpers.core.rules import ParameterError


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


def test_gae_truncation_bootstraps_without_leaking_into_the_next_episode():
    rewards, values, nexts = torch.tensor(REWARDS * 2), torch.tensor(VALUES * 2), torch.tensor(NEXT * 2)
    term = torch.tensor([False, False, False, False, False, True])
    trunc = torch.tensor([False, False, True, False, False, False])
    adv = gae(rewards, values, nexts, term, trunc, 0.9, 0.8)
    truncated = _run(terminated_last=False, truncated_last=True)
    terminated = _run(terminated_last=True, truncated_last=False)
    assert adv.tolist() == pytest.approx(truncated.tolist() + terminated.tolist())


def test_expert_config_keeps_the_source_architecture():
    c = expert_config()
    assert c.minibatches == 4 and c.normalize_advantages and c.n_envs == 8 and c.batch_steps == 800
    agent = PPO(c)
    assert [tuple(p.shape) for p in agent.policy.parameters()] == [(128, 4), (128,), (2, 128), (2,)]
    assert [tuple(p.shape) for p in agent.value.parameters()] == [(128, 4), (128,), (1, 128), (1,)]


DIAGNOSTICS = {"policy_loss", "value_loss", "entropy", "approx_kl", "clip_frac"}


def test_update_diagnostics_are_plausible():
    torch.manual_seed(0)
    agent = PPO(PPOConfig(epochs=10, minibatches=4, policy_lr=1e-2, normalize_advantages=True))
    batch = _fixed_batch(256)
    batch.rewards = torch.randn(256)  # advantages of both signs: the policy moves both ways
    out = agent.update(batch)
    assert set(out) == DIAGNOSTICS
    assert all(isinstance(v, float) and torch.isfinite(torch.tensor(v)) for v in out.values())
    assert out["approx_kl"] > 0  # ten passes at a large step: the policy moved away from pi_old
    assert 0 < out["clip_frac"] <= 1
    assert 0 <= out["entropy"] <= torch.log(torch.tensor(2.0)).item() + 1e-6
    assert out["value_loss"] >= 0


def test_update_diagnostics_of_a_single_step_are_measured_before_it():
    """One epoch, one minibatch: the ratio is 1 when the diagnostics are read, so KL and clipping are 0, the policy
    loss is -mean(A) and the entropy and value loss are those of the networks before the update."""
    torch.manual_seed(0)
    agent = PPO(PPOConfig(epochs=1, minibatches=1))
    batch = _fixed_batch()
    adv, targets = agent.advantages(batch)
    with torch.no_grad():
        entropy = agent.policy.distribution(batch.states).entropy().mean()
        value_loss = torch.mean((agent.value(batch.states) - targets) ** 2)
    out = agent.update(batch)
    assert out["approx_kl"] == pytest.approx(0.0, abs=1e-7) and out["clip_frac"] == 0.0
    assert out["policy_loss"] == pytest.approx(-float(adv.mean()), rel=1e-5)
    assert out["entropy"] == pytest.approx(float(entropy), rel=1e-5)
    assert out["value_loss"] == pytest.approx(float(value_loss), rel=1e-5)


@pytest.mark.parametrize(("n", "minibatches"), [(64, 4), (50, 3), (7, 7)])
def test_minibatches_use_every_sample_once_per_epoch(n, minibatches):
    torch.manual_seed(0)
    agent = PPO(PPOConfig(epochs=3, minibatches=minibatches))
    batch = _fixed_batch(n)
    seen: list[torch.Tensor] = []
    agent.policy.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    agent.update(batch)
    assert torch.equal(seen[0], batch.states)  # pi_old on the whole batch, then the minibatches
    per_epoch = (len(seen) - 1) // 3
    assert len(seen) == 1 + 3 * per_epoch and per_epoch == minibatches
    size = -(-n // minibatches)
    orders = []
    for epoch in range(3):
        parts = seen[1 + epoch * per_epoch : 1 + (epoch + 1) * per_epoch]
        assert [len(p) for p in parts[:-1]] == [size] * (per_epoch - 1) and 1 <= len(parts[-1]) <= size
        rows = torch.cat(parts)
        # Every sample exactly once: match each row to its index in the batch (the states are all distinct).
        index = (rows[:, None, :] == batch.states[None, :, :]).all(-1).float().argmax(-1)
        assert torch.equal(rows, batch.states[index])
        assert sorted(index.tolist()) == list(range(n))
        orders.append(index.tolist())
    if minibatches > 1:
        assert orders[0] != orders[1] or orders[1] != orders[2]  # shuffled each epoch


def test_update_learns_from_the_rewards_it_is_given():
    batch = _fixed_batch()
    other = torch.linspace(-1.0, 2.0, len(batch))
    torch.manual_seed(0)
    given = PPO(PPOConfig(epochs=2))
    given.update(batch, other)
    torch.manual_seed(0)
    replaced = PPO(PPOConfig(epochs=2))
    replaced.update(Episode(**{**vars(batch), "rewards": other}))
    torch.manual_seed(0)
    own = PPO(PPOConfig(epochs=2))
    own.update(batch)
    assert all(torch.equal(a, b) for a, b in zip(given.policy.parameters(), replaced.policy.parameters(), strict=True))
    assert not all(torch.equal(a, c) for a, c in zip(given.value.parameters(), own.value.parameters(), strict=True))


def test_scale_learning_rates_scales_both_from_their_configured_values():
    agent = PPO(PPOConfig(policy_lr=2e-3, value_lr=4e-2))
    assert [g["lr"] for g in agent.optimizer.param_groups] == [2e-3, 4e-2]
    agent.scale_learning_rates(0.25)
    assert [g["lr"] for g in agent.optimizer.param_groups] == pytest.approx([5e-4, 1e-2])
    agent.scale_learning_rates(0.5)  # from the configured values, not from the last scaled ones
    assert [g["lr"] for g in agent.optimizer.param_groups] == pytest.approx([1e-3, 2e-2])
    agent.scale_learning_rates(1.0)
    assert [g["lr"] for g in agent.optimizer.param_groups] == [2e-3, 4e-2]
    policy_params = {id(p) for p in agent.policy.parameters()}
    assert {id(p) for p in agent.optimizer.param_groups[0]["params"]} == policy_params  # group 0 is the policy's


def _train_expert_recording_updates(monkeypatch, config: PPOConfig, max_env_steps: int, record):
    """train_expert on a tiny budget (a rule it never meets), keeping ``record(agent, batch)`` from just before
    each PPO update."""
    seen = []
    update = PPO.update

    def spy(self, batch, rewards=None):
        seen.append(record(self, batch))
        return update(self, batch, rewards)

    monkeypatch.setattr(PPO, "update", spy)
    rule = ExpertRule(target=1e9, eval_episodes=2)
    agent, hist = train_expert(seed=0, config=config, rule=rule, max_env_steps=max_env_steps, progress=False)
    return agent, seen, hist


def test_anneal_lr_decays_both_learning_rates_linearly_over_the_budget(monkeypatch):
    config = PPOConfig(anneal_lr=True, n_envs=4, batch_steps=60, epochs=1, hidden=16)
    _, seen, hist = _train_expert_recording_updates(
        monkeypatch, config, 300, lambda agent, batch: [g["lr"] for g in agent.optimizer.param_groups]
    )
    steps_before = [0, *hist.env_steps[:-1]]
    assert len(seen) == len(steps_before) >= 3
    for (policy_lr, value_lr), steps in zip(seen, steps_before, strict=True):
        assert policy_lr == pytest.approx(1e-3 * (1 - steps / 300))
        assert value_lr == pytest.approx(1e-2 * (1 - steps / 300))
    assert PPOConfig().anneal_lr is False and expert_config().anneal_lr is False  # the expert: constant


def test_batch_steps_batches_whole_episodes_n_envs_at_a_time(monkeypatch):
    config = PPOConfig(n_envs=3, batch_steps=100, epochs=1, hidden=16)
    _, sizes, hist = _train_expert_recording_updates(
        monkeypatch, config, 400, lambda agent, batch: (len(batch), int((batch.terminated | batch.truncated).sum()))
    )
    assert sizes and all(n >= 100 for n, _ in sizes)
    assert all(k % 3 == 0 and k > 3 for _, k in sizes)  # a random start falls within ~20 steps: several batches
    assert hist.env_steps == [sum(n for n, _ in sizes[: i + 1]) for i in range(len(sizes))]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gamma", 1.5),
        ("lam", -0.1),
        ("clip", 0),
        ("epochs", 0),
        ("minibatches", 0),
        ("minibatches", 2.0),
        ("policy_lr", 0),
        ("value_lr", -1e-3),
        ("hidden", 0),
        ("entropy_coef", -0.01),
        ("normalize_advantages", 1),
        ("n_envs", 0),
        ("batch_steps", -1),
        ("anneal_lr", "yes"),
    ],
)
def test_config_validation_names_the_field(field, value):
    with pytest.raises(ParameterError, match=rf"^PPOConfig\.{field} must be .*, got {value!r}$"):
        PPOConfig(**{field: value})
