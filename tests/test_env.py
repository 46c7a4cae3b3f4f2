"""The 200-step cap: truncated exactly at step 200, terminated when the pole falls, no other cap."""

from __future__ import annotations

import gymnasium as gym

from helpers.env import MAX_STEPS, StepCap, make_env


def _balance(obs) -> int:
    """A hand-made controller that balances for 1,000+ steps: push toward where the pole (and cart) drift."""
    x, x_dot, theta, theta_dot = obs
    return int(theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot > 0)


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
