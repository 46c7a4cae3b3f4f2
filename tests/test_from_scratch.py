"""Notebook 04's from-scratch GAIL computes what the helpers compute, piece by piece.

The notebook writes GAIL as a learner would in an empty file (``torch.optim.Adam``, ``torch.distributions``,
Gymnasium's vector CartPole); the helpers that train every other learner of the series have their own Adam
(``helpers.optim``), their own CartPole for many carts (``helpers.CartPoleBatch``) and a GAE on Python floats. Each
test below feeds a piece of the notebook and its helper the same inputs and compares what they give.

Where the two compute the same arithmetic in another order (Adam's update, GAE in float32 against float64, a fused
optimizer kernel), they agree to rounding, and the comparison allows ``RTOL``/``ATOL``: bit-for-bit equality would hold
on one CPU's kernels only. The rollouts are exact: the same physics from the same start, with choices that are certain.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import jupytext
import pytest
import torch
from torch import nn

import helpers
from helpers.algorithms.discriminator import discriminator_loss, update_discriminator

ROOT = Path(__file__).resolve().parent.parent
RTOL, ATOL = 1e-4, 1e-5
"""How far two float32 computations of the same arithmetic, in another order, may differ here."""


@pytest.fixture(scope="module")
def nb() -> dict:
    """Notebook 04's from-scratch cells, up to its training cell (checks and the helpers' config left out)."""
    cells = [c.source for c in jupytext.read(ROOT / "notebooks" / "04_gail.py").cells if c.cell_type == "code"]
    start = next(i for i, c in enumerate(cells) if c.startswith("import gymnasium"))
    ns: dict = {}
    for source in cells[start:]:
        if source.startswith("envs = gym.make_vec"):
            break
        if "check." not in source and not source.startswith("config = helpers"):
            exec(compile(source, "04_gail.py", "exec"), ns)  # noqa: S102 - the notebook's own cells
    torch.distributions.Distribution.set_default_validate_args(True)  # the notebook's switch, undone for the others
    return ns


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Equal to rounding (``RTOL``, ``ATOL``)."""
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), rtol=RTOL, atol=ATOL)


def same_weights(mine: nn.Module, theirs: nn.Module) -> bool:
    """Two networks of the same shape hold the same weights, to rounding."""
    return all(close(p.detach(), q.detach()) for p, q in zip(mine.parameters(), theirs.parameters(), strict=True))


class Balancer(nn.Module):
    """A policy whose choices are certain (logits +-30): a balancer with a jumpy term, so some episodes fall."""

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        u = torch.sign(s[:, 2] + 0.5 * s[:, 3] + 0.5 * torch.sin(50 * s[:, 0] + 80 * s[:, 2] + 20 * s[:, 3]))
        return torch.stack([-30 * u, 30 * u], -1)


def one_env_batch(nb: dict, cap: int = 25, seed: int = 3) -> dict[str, torch.Tensor]:
    """The notebook's rollout in ONE environment capped at ``cap`` steps: its valid rows are its episodes, back to
    back in time, as the helpers lay a batch out."""
    envs = gym.make_vec("CartPole-v1", num_envs=1, vectorization_mode="vector_entry_point", max_episode_steps=cap)
    torch.manual_seed(seed)
    return nb["play"](envs, nb["mlp"](4, 2), seed)


def as_episode(batch: dict[str, torch.Tensor]) -> helpers.Episode:
    """A one-environment batch's valid rows as the helpers' ``Episode`` (a fall that also reached the cap: a fall)."""
    v = batch["valid"]
    s, a, s2, term, trunc = (batch[k][v] for k in ("s", "a", "s2", "term", "trunc"))
    return helpers.Episode(s, a, torch.zeros(len(a)), s2, term, trunc & ~term)


def test_the_rollout_records_what_the_helpers_play(nb) -> None:
    """Same start (reset(seed)), same physics, certain choices: the first recorded episode of one environment is the
    episode ``helpers.play_episode`` plays in Gymnasium's single CartPole."""
    envs = gym.make_vec("CartPole-v1", num_envs=1, vectorization_mode="vector_entry_point", max_episode_steps=25)
    batch = nb["play"](envs, Balancer(), 11)
    episode = helpers.play_episode(helpers.make_env(max_steps=25), Balancer(), greedy=True, seed=11)
    n = len(episode)
    v = batch["valid"][:, 0]
    assert torch.equal(batch["s"][:, 0][v][:n], episode.states)
    assert torch.equal(batch["a"][:, 0][v][:n], episode.actions)
    assert torch.equal(batch["s2"][:, 0][v][:n], episode.next_states)
    assert bool(batch["term"][:, 0][v][n - 1]) == bool(episode.terminated[-1])
    assert bool((batch["term"] | batch["trunc"])[:, 0][v][n - 1]), "the episode ends on its last step"


def test_gae_equals_the_helpers(nb) -> None:
    """The notebook's time-major GAE, on a batch of eight environments (falls, truncations, reset steps), gives on
    every recorded step what ``helpers.gae`` gives on each environment's episodes laid end to end."""
    envs = gym.make_vec("CartPole-v1", num_envs=8, vectorization_mode="vector_entry_point", max_episode_steps=25)
    torch.manual_seed(0)
    batch = nb["play"](envs, nb["mlp"](4, 2), 0)
    gen = torch.Generator().manual_seed(1)
    T, N = batch["valid"].shape
    r, v, v2 = (torch.rand(T, N, generator=gen) * 3 for _ in range(3))
    adv = nb["gae"](r, v, v2, batch["term"], batch["trunc"])
    assert int(batch["term"][batch["valid"]].sum()) and int(batch["trunc"][batch["valid"]].sum())
    for i in range(N):
        rows = batch["valid"][:, i]
        term, trunc = batch["term"][rows, i], batch["trunc"][rows, i]
        ref = helpers.gae(r[rows, i], v[rows, i], v2[rows, i], term, trunc & ~term, nb["GAMMA"], nb["LAM"])
        assert close(adv[rows, i], ref), f"environment {i}"


def test_disc_step_equals_update_discriminator(nb) -> None:
    """One step of the notebook's ``disc_step`` with ``torch.optim.Adam`` (fused) gives the loss and the weights of
    one step of ``update_discriminator`` with ``helpers.Adam``, from the same weights and pairs."""
    batch = one_env_batch(nb)
    demos = helpers.load_demos(ROOT / "data" / "expert_demos.pt", n=200)
    expert_s, expert_a = demos["states"], demos["actions"].reshape(-1)
    s, a = batch["s"][batch["valid"]], batch["a"][batch["valid"]]
    torch.manual_seed(0)
    mine = nb["Discriminator"](expert_s)
    theirs = helpers.Discriminator(nb["HIDDEN"])
    theirs.net.load_state_dict(mine.net.state_dict())
    theirs.set_normalization(expert_s)
    opt = torch.optim.Adam(mine.parameters(), lr=nb["DISC_LR"], fused=True)
    h_opt = helpers.Adam(theirs.parameters(), lr=nb["DISC_LR"])
    for _ in range(3):
        loss = nb["disc_step"](mine, opt, expert_s, expert_a, s, a)
        h_loss = update_discriminator(theirs, h_opt, expert_s, expert_a, s, a)
        assert close(torch.tensor(loss), torch.tensor(h_loss))
        assert same_weights(mine.net, theirs.net)
    assert close(torch.tensor(nb["disc_step"](mine, opt, expert_s, expert_a, s, a)),
                 discriminator_loss(theirs, expert_s, expert_a, s, a).detach())  # fmt: skip


def test_reward_equals_gail_reward(nb) -> None:
    """``reward`` is ``helpers.gail_reward``'s -log D, to rounding (-logsigmoid(l) against softplus(-l))."""
    demos = helpers.load_demos(ROOT / "data" / "expert_demos.pt", n=200)
    expert_s, expert_a = demos["states"], demos["actions"].reshape(-1)
    torch.manual_seed(0)
    mine = nb["Discriminator"](expert_s)
    theirs = helpers.Discriminator(nb["HIDDEN"])
    theirs.net.load_state_dict(mine.net.state_dict())
    theirs.set_normalization(expert_s)
    assert close(nb["reward"](mine, expert_s, expert_a), helpers.gail_reward(theirs, expert_s, expert_a))


def test_ppo_update_equals_the_helpers(nb) -> None:
    """One ``ppo_update`` (``torch.optim.Adam``, fused; ``Categorical``; time-major GAE) from the same weights, on the
    same steps with the same rewards and the same minibatches, gives the policy and the critic that ``PPO.update``
    gives (``helpers.Adam``, GAE on Python floats). One environment, so that both lay the steps out in one order."""
    batch = one_env_batch(nb)
    episode = as_episode(batch)
    gen = torch.Generator().manual_seed(2)
    rewards = torch.rand(len(episode), generator=gen)
    config = helpers.GAILConfig().ppo
    student = helpers.PPO(config)
    torch.manual_seed(0)
    policy, value = nb["mlp"](4, 2), nb["mlp"](4, 1)
    student.policy.net.load_state_dict(policy.state_dict())
    student.value.net.load_state_dict(value.state_dict())
    groups = [
        {"params": policy.parameters(), "lr": nb["POLICY_LR"]},
        {"params": value.parameters(), "lr": nb["VALUE_LR"]},
    ]
    opt = torch.optim.Adam(groups, fused=True)
    state = torch.random.get_rng_state()  # both updates draw the same minibatches from here
    nb["ppo_update"](policy, value, opt, batch, rewards)
    torch.random.set_rng_state(state)
    student.update(episode, rewards)
    assert same_weights(policy, student.policy.net) and same_weights(value, student.value.net)


def test_the_bc_loop_equals_train_bc(nb) -> None:
    """The notebook's four-line BC loop (``torch.optim.Adam``, weight decay) trains what ``helpers.train_bc`` does."""
    cell = next(
        c.source for c in jupytext.read(ROOT / "notebooks" / "04_gail.py").cells if "bc = mlp(4, 2)" in c.source
    )
    demos = helpers.load_demos(ROOT / "data" / "expert_demos.pt", n=200)
    ns = {**nb, "SEED": 0, "BC_EPOCHS": 100, "expert_s": demos["states"], "expert_a": demos["actions"].reshape(-1)}
    exec(compile(cell, "04_gail.py", "exec"), ns)  # noqa: S102 - the notebook's own cell
    policy, _ = helpers.train_bc(demos["states"], demos["actions"], epochs=100, hidden=nb["HIDDEN"], seed=0)
    assert same_weights(ns["bc"], policy.net)
