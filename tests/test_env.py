"""CartPole as the series plays it: the 200-step cap, the habit reward, and CartPoleBatch = Gymnasium step for step."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from helpers.core.env import (
    ENV_ID,
    HABIT_X,
    MAX_STEPS,
    X_LIMIT,
    CartPoleBatch,
    HabitReward,
    StepCap,
    habit_reward,
    make_env,
)


def _balance(obs) -> int:
    """A hand-made controller that balances for 1,000+ steps: push toward where the pole (and cart) drift."""
    x, x_dot, theta, theta_dot = obs
    return int(theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot > 0)


# ---------------------------------------------------------------- StepCap


def test_truncated_exactly_at_the_cap_not_before():
    env = make_env(seed=0)
    obs, _ = env.reset(seed=0)
    for t in range(1, MAX_STEPS + 1):
        obs, _, terminated, truncated, _ = env.step(_balance(obs))
        assert not terminated, f"the controller let the pole fall at step {t}"
        assert truncated == (t == MAX_STEPS), f"truncated={truncated} at step {t}"


def test_terminated_when_the_pole_falls():
    env = make_env(seed=0)
    env.reset(seed=0)
    steps = 0
    terminated = truncated = False
    while not (terminated or truncated):
        _, _, terminated, truncated, _ = env.step(1)  # always push right: the pole falls quickly
        steps += 1
    assert terminated and not truncated
    assert steps < 50


def test_gymnasiums_own_500_cap_is_gone():
    env = make_env(seed=0, max_steps=600)
    assert isinstance(env, StepCap)
    inner = env.env
    while isinstance(inner, gym.Wrapper):
        assert not isinstance(inner, gym.wrappers.TimeLimit), "Gymnasium's TimeLimit is still there"
        inner = inner.env
    obs, _ = env.reset(seed=0)
    for t in range(1, 601):
        obs, _, terminated, truncated, _ = env.step(_balance(obs))
        assert not terminated
        assert truncated == (t == 600), f"truncated={truncated} at step {t}"


def test_reset_restarts_the_count():
    env = make_env(seed=0, max_steps=5)
    for _ in range(2):
        obs, _ = env.reset()
        flags = [env.step(_balance(obs))[3] for _ in range(5)]
        assert flags == [False, False, False, False, True]


class _FallsAt(gym.Env):
    """A stand-in environment whose episode terminates at step ``fall`` (never truncates by itself)."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, fall: int) -> None:
        self.fall, self.t = fall, 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(4, np.float32), {}

    def step(self, action):
        self.t += 1
        return np.full(4, self.t, np.float32), 0.25 * self.t, self.t >= self.fall, False, {"t": self.t}


@pytest.mark.parametrize("fall", [3, 5, 9])
def test_step_cap_leaves_termination_and_everything_else_alone(fall):
    cap = 5
    env = StepCap(_FallsAt(fall), max_steps=cap)
    env.reset()
    for t in range(1, min(fall, cap) + 1):
        obs, reward, terminated, truncated, info = env.step(0)
        assert obs.tolist() == [t] * 4 and reward == 0.25 * t and info == {"t": t}
        assert terminated == (t >= fall)  # a fall is a fall, even exactly at the cap
        assert truncated == (t == cap and t < fall)  # truncated only by the cap, never together with a fall


# ---------------------------------------------------------------- the habit reward


def test_habit_reward_formula():
    assert HABIT_X == 1.5
    for x, r in [(1.5, 1.0), (1.0, 0.875), (2.0, 0.875), (0.0, 0.625), (-0.5, 0.5), (-2.4, 0.5), (1.4, 0.975)]:
        assert habit_reward(x) == pytest.approx(r), x  # r(x) = 1 - 0.25 min(|x - 1.5|, 2)
    assert habit_reward(0.0, habit_x=-1.0) == pytest.approx(0.75)
    xs = np.array([-3.0, -1.0, 0.0, 0.25, 1.0, 1.75, 3.0], np.float32)
    np.testing.assert_allclose(habit_reward(xs, 0.25), 1 - 0.25 * np.minimum(np.abs(xs - 0.25), 2), rtol=1e-6)
    # No habit: CartPole's own reward, 1 per step, for a number or an array.
    assert habit_reward(0.7, None) == 1.0
    ones = habit_reward(xs, None)
    assert ones.dtype == np.float32 and ones.shape == xs.shape and (ones == 1).all()


@pytest.mark.parametrize("habit_x", [0.3, -0.5])
def test_habit_reward_pays_for_the_observation_after_the_step_and_changes_nothing_else(habit_x):
    plain, paid = make_env(seed=0), make_env(seed=0, habit_x=habit_x)
    assert isinstance(paid, HabitReward) and paid.habit_x == habit_x
    obs, _ = plain.reset(seed=4)
    paid_obs, _ = paid.reset(seed=4)
    assert np.array_equal(obs, paid_obs)
    differs_from_before = 0
    for _ in range(MAX_STEPS):
        action = _balance(obs)
        before = obs
        obs, reward, terminated, truncated, _ = plain.step(action)
        paid_obs, paid_reward, paid_terminated, paid_truncated, _ = paid.step(action)
        assert np.array_equal(obs, paid_obs) and reward == 1.0
        assert (terminated, truncated) == (paid_terminated, paid_truncated)
        assert isinstance(paid_reward, float)
        assert paid_reward == pytest.approx(1 - 0.25 * min(abs(float(obs[0]) - habit_x), 2.0), abs=1e-6)
        differs_from_before += abs(paid_reward - (1 - 0.25 * min(abs(float(before[0]) - habit_x), 2.0))) > 1e-5
        if terminated or truncated:
            break
    assert truncated and differs_from_before > 10  # the reward reads where the cart is after the push


def test_habit_wrapper_without_a_habit_pays_one():
    env = HabitReward(make_env(seed=0), habit_x=None)
    obs, _ = env.reset(seed=0)
    for _ in range(20):
        obs, reward, *_ = env.step(_balance(obs))
        assert reward == 1.0


# ---------------------------------------------------------------- CartPoleBatch against Gymnasium


def _out_of_bounds(obs: np.ndarray) -> bool:
    return bool(abs(obs[0]) > X_LIMIT or abs(obs[2]) > 12 * 2 * np.pi / 360)


@pytest.mark.parametrize("habit_x", [None, HABIT_X])
def test_batch_matches_gymnasium_step_for_step(habit_x):
    """Gymnasium's own CartPoleEnv (with our StepCap and HabitReward) and CartPoleBatch, from the same start states
    and with the same actions: the same observations, rewards, terminations and truncations at every step."""
    n, cap = 16, 120
    batch = CartPoleBatch(n, habit_x=habit_x, max_steps=cap)
    obs = batch.reset(seed=0)
    assert obs.dtype == np.float32 and obs.shape == (n, 4) and (np.abs(obs) <= 0.05).all()
    gym_envs = [make_env(max_steps=cap, habit_x=habit_x) for _ in range(n)]
    for i, env in enumerate(gym_envs):
        env.reset(seed=100 + i)
        env.unwrapped.state = batch.state[i].copy()  # the batch's start state, in Gymnasium's float64
        assert np.array_equal(np.array(env.unwrapped.state, dtype=np.float32), obs[i])
    # Actions: the balancing controller, overridden by coin flips with a probability from 0 (reaches the cap)
    # to 0.9 (falls within a few dozen steps) per cart, so both ends of an episode are compared.
    rng = np.random.default_rng(1)
    flip = np.linspace(0.0, 0.9, n)
    alive = np.ones(n, bool)
    ends = {}
    for t in range(1, cap + 1):
        actions = np.array([_balance(o) for o in obs], np.int64)
        actions = np.where(rng.random(n) < flip, rng.integers(0, 2, n), actions)
        obs, rewards, terminated, truncated = batch.step(actions)
        assert obs.dtype == np.float32 and rewards.dtype == np.float32
        assert terminated.dtype == bool and truncated.dtype == bool
        for i in np.flatnonzero(alive):
            g_obs, g_reward, g_terminated, g_truncated, _ = gym_envs[i].step(int(actions[i]))
            np.testing.assert_allclose(obs[i], g_obs, rtol=1e-6, atol=1e-7, err_msg=f"cart {i}, step {t}")
            assert rewards[i] == pytest.approx(g_reward, abs=1e-6), (i, t)
            assert (bool(terminated[i]), bool(truncated[i])) == (g_terminated, g_truncated), (i, t)
            assert g_terminated == _out_of_bounds(g_obs)
            if g_terminated or g_truncated:
                alive[i] = False
                ends[i] = ("terminated" if g_terminated else "truncated", t)
        if not alive.any():
            break
    assert len(ends) == n
    kinds = [kind for kind, _ in ends.values()]
    assert "terminated" in kinds and "truncated" in kinds  # both kinds of ending were compared
    assert all(t == cap for kind, t in ends.values() if kind == "truncated")
    assert all(t < cap for kind, t in ends.values() if kind == "terminated")
    if habit_x is None:
        assert (rewards == 1).all()


def test_batch_truncates_exactly_at_max_steps():
    batch = CartPoleBatch(5, max_steps=7)
    for _ in range(2):  # and again after a reset: the count restarts
        batch.reset(seed=0)
        for t in range(1, 8):
            obs, _, terminated, truncated = batch.step(np.array([_balance(o) for o in batch.state]))
            assert not terminated.any()
            assert truncated.all() == (t == 7) and truncated.any() == (t == 7), t


def test_batch_never_marks_a_fall_truncated():
    batch = CartPoleBatch(3, max_steps=MAX_STEPS)
    batch.reset(seed=0)
    batch.steps = MAX_STEPS - 1  # the next step is the last one
    batch.state[0, 2] = 0.5  # cart 0's pole has fallen already
    _, _, terminated, truncated = batch.step(np.zeros(3, np.int64))
    assert terminated.tolist() == [True, False, False]
    assert truncated.tolist() == [False, True, True]


def test_batch_reset_is_reproducible_and_an_unseeded_reset_continues_the_stream():
    a, b = CartPoleBatch(6), CartPoleBatch(6)
    first = a.reset(seed=3)
    assert np.array_equal(first, b.reset(seed=3))
    second = a.reset()
    assert not np.array_equal(second, first)
    assert np.array_equal(second, b.reset())  # the same stream, continued
    assert np.array_equal(CartPoleBatch(6).reset(seed=3), first)
    assert not np.array_equal(CartPoleBatch(6).reset(seed=4), first)
    assert np.array_equal(a.reset(seed=3), first)  # seeding again starts the stream over
    for obs in (first, second):
        assert obs.dtype == np.float32 and obs.shape == (6, 4) and (np.abs(obs) <= 0.05).all()
        assert len(np.unique(obs)) == obs.size  # every cart draws its own start state
    assert a.steps == 0 and np.array_equal(a.state.astype(np.float32), first)


def test_env_id_and_cap():
    assert ENV_ID == "CartPole-v1" and MAX_STEPS == 200
    assert make_env().unwrapped.__class__.__name__ == "CartPoleEnv"
    assert gym.make(ENV_ID).spec.max_episode_steps == 500  # what make_env removes
