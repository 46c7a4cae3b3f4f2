"""Checks of the coding exercises of notebooks 01-08: instant, specific feedback on a learner's function.

Each notebook cell ``check.gae(my_gae)`` (``from helpers.teaching import exercises as check``) calls the learner's
function on edge cases chosen to tell the known mistakes apart, then on random inputs, and compares with the series' own
implementation (``helpers.gae``, ``discriminator_loss``, ...). A right answer earns one printed line; a wrong one
raises ``ExerciseError`` (an ``AssertionError``) that says what is wrong in the words of the lesson. A function that
still raises ``NotImplementedError`` (the student edition's stub) raises ``ExerciseNotDone`` with the exercise's hint.

The checks draw their random inputs from their own generators and put torch's, NumPy's and Python's random streams
back as they found them, so a notebook computes the same numbers with or without its checks.

Notebook 04's capstone, the learner's whole GAIL loop, is judged by behaviour instead: ``run_gail`` trains it on
Gymnasium's vector CartPole, watched (the env steps it plays, the episodes of each batch), the notebook's checkpoints
judge its student, and ``diagnose_gail`` names the most likely mistake behind a failed judgment from the run's
signature (``gail_signature``, ``likely_mistake``; thresholds measured by ``benchmarks/capstone.py``).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical
from torch.nn import functional as F

from helpers.algorithms.bc import gaussian_bc_loss as _gaussian_bc_loss
from helpers.algorithms.discriminator import Discriminator, discriminator_loss
from helpers.algorithms.discriminator import gail_reward as _gail_reward
from helpers.algorithms.ppo import gae as _gae
from helpers.core.env import CartPoleBatch, make_env
from helpers.core.networks import GaussianPolicy
from helpers.core.rollout import HABIT_WINDOW, Episode, concat_episodes, play_batch, play_episode

HINTS = {
    "my_gae": "compute delta_t for every step, then A_t backwards from the last step; done_t = terminated or truncated",
    "my_record_demo": "reset env with the seed, then push argmax_a pi(a|s) until terminated or truncated",
    "my_features": "standardise the states with the statistics kept in disc, then append the one-hot actions",
    "my_disc_loss": "binary_cross_entropy_with_logits on disc's logits: expert pairs labelled 0, the others 1",
    "play": "each row: sample a ~ pi(.|s) for every environment, step them all, and note which rows are steps of an "
    "episode (not the reset step after an episode's end); a fall is terminated, the cap truncated",
    "disc_step": "the cross-entropy of notebook 03 on the logits, expert 0 and student 1, each side averaged; then "
    "forget the old gradient, backpropagate, step",
    "reward": "-log D with D = sigmoid(l): notebook 03's table writes it as a function of the logit l that never "
    "overflows",
    "gail": "the four steps of an iteration, repeated until the budget is spent: play, D learns, rewards from the "
    "updated D, PPO with step sizes shrinking to 0",
    "my_log_prob": "log N(a; mu, sigma^2) per dimension: -(a - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2, "
    "then sum over the action's dimensions",
    "my_bc_loss": "minus the mean over the pairs of log pi(a_i | s_i), with mu = policy(states) and sigma = "
    "policy.std()",
}
"""The one-line hint of each exercise, by the name of the function the learner writes (the student edition's stubs
raise ``NotImplementedError`` with it; ``docs/student.py``)."""

TOL = 1e-4
"""How far a learner's number may lie from the reference (float32 sums in another order are fine)."""


class ExerciseError(AssertionError):
    """A learner's function computes something else than the lesson's equation; the message says what."""


class ExerciseNotDone(ExerciseError):
    """The learner's function still raises ``NotImplementedError``: the exercise is not done yet."""


@contextlib.contextmanager
def _own_random_streams(seed: int = 0) -> Iterator[None]:
    """Seed torch, NumPy and Python for a check, and put their streams back afterwards (the notebook's numbers)."""
    torch_state, np_state, py_state = torch.random.get_rng_state(), np.random.get_state(), random.getstate()
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    try:
        yield
    finally:
        torch.random.set_rng_state(torch_state)
        np.random.set_state(np_state)
        random.setstate(py_state)


def _call(fn: Callable, *args: Any) -> Any:
    """``fn(*args)``; a ``NotImplementedError`` becomes ``ExerciseNotDone`` with the stub's hint (or ``HINTS``)."""
    try:
        return fn(*args)
    except NotImplementedError as exc:
        hint = str(exc) or HINTS.get(getattr(fn, "__name__", ""), "replace the stub by your code")
        raise ExerciseNotDone(f"exercise not done yet: {hint}") from None


def _fail(message: str) -> None:
    """Raise ``ExerciseError`` with ``message``."""
    raise ExerciseError(message)


def _close(a: Any, b: Any) -> bool:
    """Two arrays of numbers agree within ``TOL`` (same shape, same infinities)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=TOL, atol=TOL))


def _tensor(value: Any, what: str, shape: tuple[int, ...]) -> torch.Tensor:
    """``value`` as a tensor of ``shape``, or an ``ExerciseError`` that names the shapes."""
    if isinstance(value, tuple | list) and not all(np.isscalar(v) for v in value):
        _fail(f"shapes: expected {what}, a tensor of shape {list(shape)}; got a {type(value).__name__} of {len(value)}")
    try:
        out = torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        _fail(f"expected {what}, a tensor of shape {list(shape)}; got {type(value).__name__}")
    if tuple(out.shape) != shape:
        _fail(f"shapes: expected {what}, a tensor of shape {list(shape)}; got {list(out.shape)}")
    return out


def _praise(text: str) -> None:
    """The one line a right answer earns."""
    print(f"✓ {text}")


# ---------------------------------------------------------------- 01: GAE


GAE_MISTAKES: list[tuple[str, str]] = [
    ("bootstrap_fall", "you bootstrapped V(s') after a fall: a terminated step's future is worth 0, "
                       "delta_t = r_t + gamma (1 - terminated_t) V(s_{t+1}) - V(s_t)"),
    ("zero_truncation", "you zeroed V(s') at a truncation: the clock running out is not a fall, the state is still "
                        "worth V(s_{t+1}); only terminated_t zeroes it"),
    ("carry_across", "you carried the advantage sum across the end of an episode: the next row is another episode, "
                     "A_t = delta_t + gamma lam (1 - done_t) A_{t+1} stops at every episode's last step"),
    ("stop_only_at_falls", "you stopped the advantage sum at a fall but not at a truncation: a truncated episode ends "
                           "too (done_t = terminated_t or truncated_t), the next row is another episode"),
    ("only_deltas", "you returned the TD errors delta_t: the advantage also adds up the discounted surprises that "
                    "follow, A_t = delta_t + gamma lam (1 - done_t) A_{t+1}"),
    ("no_lambda", "the advantage sum discounts by gamma * lam per step; you used gamma alone (lam is missing)"),
    ("no_gamma_in_sum", "the advantage sum discounts by gamma * lam per step; you used lam alone (gamma is missing)"),
    ("no_gamma_in_delta", "delta_t discounts the next state's value: r_t + gamma (1 - terminated_t) V(s_{t+1}) - "
                          "V(s_t); you left gamma out"),
    ("forwards", "your sum runs forwards: A_t adds the surprises that come AFTER step t, so run t from the last step "
                 "back to the first"),
]  # fmt: skip
"""The known mistakes of GAE, and what the check says of each."""


def _gae_variant(
    kind: str,
    r: torch.Tensor,
    v: torch.Tensor,
    v2: torch.Tensor,
    term: torch.Tensor,
    trunc: torch.Tensor,
    gamma: float,
    lam: float,
) -> torch.Tensor:
    """What a GAE with the known mistake ``kind`` returns: ``helpers.gae`` on inputs that make the same error."""
    none = torch.zeros_like(term)
    done = term | trunc
    if kind == "bootstrap_fall":
        return _gae(r, v, v2, none, done, gamma, lam)
    if kind == "zero_truncation":
        return _gae(r, v, v2, done, none, gamma, lam)
    if kind == "carry_across":
        return _gae(r, v, v2 * (~term).float(), none, none, gamma, lam)
    if kind == "stop_only_at_falls":
        return _gae(r, v, v2, term, none, gamma, lam)
    if kind == "only_deltas":
        return _gae(r, v, v2, term, trunc, gamma, 0.0)
    if kind == "no_lambda":
        return _gae(r, v, v2, term, trunc, gamma, 1.0)
    if kind == "no_gamma_in_sum":
        return _gae(r, v, v2, term, trunc, gamma, lam / gamma)
    if kind == "no_gamma_in_delta":
        return _gae(r, v, v2 / gamma, term, trunc, gamma, lam)
    if kind == "forwards":
        flip = [x.flip(0) for x in (r, v, v2, term, trunc)]
        return _gae(*flip, gamma, lam).flip(0)
    raise ValueError(f"unknown GAE mistake {kind!r}")


def _gae_batch(lengths: list[int], ends: list[str], gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    """Episodes one after the other: random rewards and values, each ending "term" or "trunc"."""
    n = sum(lengths)
    r = torch.rand(n, generator=gen) + 0.5
    v = torch.rand(n, generator=gen) * 4 + 3
    v2 = torch.rand(n, generator=gen) * 4 + 3
    term, trunc = torch.zeros(n, dtype=torch.bool), torch.zeros(n, dtype=torch.bool)
    last = np.cumsum(lengths) - 1
    for t, end in zip(last, ends, strict=True):
        (term if end == "term" else trunc)[t] = True
    return r, v, v2, term, trunc


def gae(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``fn(rewards, values, next_values, terminated, truncated, gamma, lam)`` against ``helpers.gae``."""
    gen = torch.Generator().manual_seed(0)
    gamma, lam = 0.98, 0.9
    # three episodes: a fall after 3 steps, a truncation after 2, a truncation after 3 (every mistake differs here)
    inputs = _gae_batch([3, 2, 3], ["term", "trunc", "trunc"], gen)
    out = _tensor(_call(fn, *(x.clone() for x in inputs), gamma, lam), "one advantage per step", (8,))
    ref = _gae(*inputs, gamma, lam)
    if not _close(out, ref):
        for kind, message in GAE_MISTAKES:
            if _close(out, _gae_variant(kind, *inputs, gamma, lam)):
                _fail(message)
        t = int(torch.argmax((out.double() - ref.double()).abs()))
        where = "a fall's step" if inputs[3][t] else "a truncated step" if inputs[4][t] else "a step inside an episode"
        _fail(f"A_t differs from the equations at t = {t} ({where}): expected {ref[t]:.4f}, got {float(out[t]):.4f}")
    for _ in range(5):
        k = int(torch.randint(1, 5, (1,), generator=gen))
        lengths = torch.randint(1, 7, (k,), generator=gen).tolist()
        ends = ["term" if x else "trunc" for x in torch.rand(k, generator=gen).lt(0.5).tolist()]
        inputs = _gae_batch(lengths, ends, gen)
        gamma, lam = 0.9 + 0.1 * float(torch.rand(1, generator=gen)), float(torch.rand(1, generator=gen))
        out = _tensor(_call(fn, *(x.clone() for x in inputs), gamma, lam), "one advantage per step", (len(inputs[0]),))
        if not _close(out, _gae(*inputs, gamma, lam)):
            _fail(f"A_t differs from the equations on random episodes of lengths {lengths} ending {ends}, "
                  f"gamma = {gamma:.3f}, lam = {lam:.3f}")  # fmt: skip
    _praise("GAE is right: a fall zeroes V(s'), a truncation bootstraps it, and each episode's sum stops at its end")


# ---------------------------------------------------------------- 02: recording a demonstration


class _SteppedPastTheEnd(Exception):
    """Raised by ``_EndGuard`` when an episode is stepped after it ended."""


class _EndGuard(gym.Wrapper):
    """Refuses a step after the episode ended (terminated or truncated), saying how it ended."""

    def reset(self, **kwargs: Any) -> tuple:
        """Reset, and remember that the episode is running."""
        self.ended = None
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> tuple:
        """Step, unless the episode has already ended."""
        if getattr(self, "ended", None):
            raise _SteppedPastTheEnd(self.ended)
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.ended = "the pole fell: terminated" if terminated else "the 200-step cap: truncated" if truncated else None
        return obs, reward, terminated, truncated, info


class _AlwaysRight(nn.Module):
    """A policy that always pushes right: its pole falls within a few dozen steps."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Logits [N, 2] favouring action 1."""
        return torch.tensor([0.0, 1.0]).expand(len(states), 2)


def _record(fn: Callable, policy: nn.Module, habit_x: float | None, seed: int) -> tuple[Any, Episode]:
    """The learner's recording of one episode and the helper's (``play_episode``, greedy) from the same start."""
    try:
        out = _call(fn, _EndGuard(make_env(habit_x=habit_x)), policy, seed)
    except _SteppedPastTheEnd as exc:
        _fail(f"your loop went on after the episode ended ({exc}): stop at terminated OR truncated")
    return out, play_episode(make_env(habit_x=habit_x), policy, greedy=True, seed=seed)


def record_demo(fn: Callable[..., tuple[torch.Tensor, torch.Tensor]], policy: nn.Module, habit_x: float | None,
                      seed: int = 0) -> None:  # fmt: skip
    """Check ``fn(env, policy, seed) -> (states, actions)``, one greedy episode, against ``helpers.play_episode``."""
    with _own_random_streams(seed):
        for player, name in [(policy, "the expert"), (_AlwaysRight(), "a policy that always pushes right")]:
            out, ref = _record(fn, player, habit_x, seed)
            if not isinstance(out, tuple | list) or len(out) != 2:
                _fail(f"return the pair (states, actions); got {type(out).__name__}")
            n = len(ref)
            states, actions = torch.as_tensor(out[0]), torch.as_tensor(out[1])
            if len(states) != n or len(actions) != n:
                _fail(f"{name} played {n} steps from this start, so the record holds {n} pairs, one a step; "
                      f"yours holds {len(states)} states and {len(actions)} actions")  # fmt: skip
            if tuple(states.shape) != (n, 4) or states.dtype != torch.float32:
                _fail(f"shapes: the states must be float32 [{n}, 4]; got {states.dtype} {list(states.shape)}")
            if tuple(actions.shape) != (n, 1) or actions.dtype != torch.int64:
                _fail(f"shapes: the actions must be int64 [{n}, 1], one column, as save_demos and notebook 03 "
                      f"expect; got {actions.dtype} {list(actions.shape)}")  # fmt: skip
            if torch.equal(states, ref.next_states):
                _fail("each pair is (s_t, a_t): the state in which the action was chosen, not the one it led to")
            if not torch.equal(states[0], ref.states[0]):
                _fail("your first state is not the seeded start: reset the environment with env.reset(seed=seed)")
            with torch.no_grad():
                chosen = policy(states).argmax(-1) if player is policy else torch.ones(n, dtype=torch.int64)
            if not torch.equal(actions[:, 0], chosen):
                _fail("you sampled the actions: the demonstration records the expert's decision, the greedy "
                      "argmax_a pi(a|s), in every state")  # fmt: skip
            if not torch.equal(states, ref.states):
                _fail("your states differ from the episode the expert plays from this start, at step "
                      f"{int((states != ref.states).any(-1).nonzero()[0, 0])}")  # fmt: skip
    _praise("the recording is right: greedy pairs (s_t, a_t) from the seeded start, to the fall or the cap")


# ---------------------------------------------------------------- 03: the discriminator's input and loss


def _toy_discriminator(gen: torch.Generator) -> tuple[Discriminator, torch.Tensor]:
    """A small discriminator standardising with the statistics of some random 'demo' states, and those states."""
    with _own_random_streams(0):
        disc = Discriminator(hidden=16)
    demo = torch.randn(50, 4, generator=gen) * torch.tensor([0.6, 0.4, 0.08, 0.3]) + torch.tensor([1.0, 0, 0.02, 0])
    disc.set_normalization(demo)
    return disc, demo


def features(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``fn(disc, states, actions) -> [N, 6]`` against ``Discriminator.features``."""
    gen = torch.Generator().manual_seed(0)
    disc, _ = _toy_discriminator(gen)
    states = torch.randn(7, 4, generator=gen) * torch.tensor([0.5, 0.5, 0.1, 0.5]) + torch.tensor([0.5, 0, 0, 0])
    actions = torch.tensor([0, 1, 1, 0, 1, 0, 0])
    value = _call(fn, disc, states.clone(), actions.clone())
    out = torch.as_tensor(value).detach()
    if out.dim() == 2 and out.shape[1] == 5:
        _fail("the actions must be one-hot: two columns, [1, 0] for action 0 (push left) and [0, 1] for action 1; "
              "you gave the action as one number")  # fmt: skip
    out = _tensor(out, "4 standardised state numbers and 2 one-hot action numbers per pair", (7, 6))
    ref = disc.features(states, actions)
    if _close(out, ref):
        _praise("the discriminator's input is right: the standardised state, then the one-hot action")
        return
    if _close(out, torch.cat([ref[:, 4:], ref[:, :4]], 1)):
        _fail("the state comes first, then the one-hot action: [(s - mean) / std, one_hot(a)]")
    if _close(out[:, :4], ref[:, :4]) and _close(out[:, 4:], 1 - ref[:, 4:]):
        _fail("your one-hot is swapped: action 0 (push left) is [1, 0], action 1 (push right) is [0, 1]")
    if _close(out[:, :4], states):
        _fail("standardise the state first, (s - mean) / std with the demo's statistics (disc.state_mean, "
              "disc.state_std): unscaled, the network would barely see the pole's angle")  # fmt: skip
    if _close(out[:, :4], (states - states.mean(0)) / states.std(0)):
        _fail("standardise with the demo's statistics stored in disc (disc.state_mean, disc.state_std), not with "
              "those of the pairs at hand: a pair must look the same whatever batch it comes in")  # fmt: skip
    if not _close(out[:, 4:], ref[:, 4:]):
        _fail("the actions must be one-hot: [1, 0] for action 0 and [0, 1] for action 1, in the last two columns")
    _fail("the standardised state differs from (s - disc.state_mean) / disc.state_std")


def disc_loss(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``fn(disc, expert_s, expert_a, other_s, other_a)`` against ``discriminator.discriminator_loss``."""
    gen = torch.Generator().manual_seed(0)
    disc, demo = _toy_discriminator(gen)
    expert_s, expert_a = demo[:5], torch.tensor([0, 1, 1, 0, 1])  # 5 expert pairs against 9 others: sizes differ
    other_s, other_a = torch.randn(9, 4, generator=gen) * 0.5, torch.randint(0, 2, (9,), generator=gen)
    args = (expert_s, expert_a, other_s, other_a)
    value = _call(fn, disc, *(x.clone() for x in args))
    if not isinstance(value, torch.Tensor) or not value.requires_grad:
        _fail("return the loss as a tensor that carries its gradient (not loss.item(), not from prob_student, which "
              "computes without one): the step calls loss.backward() on it")  # fmt: skip
    if value.shape != ():
        _fail(f"shapes: the loss is one number, a tensor of shape []; got {list(value.shape)}: average each side")
    with torch.no_grad():
        logits = disc(torch.cat([expert_s, other_s]), torch.cat([expert_a, other_a]))
        le, lo = logits[:5], logits[5:]
        parts = (
            F.binary_cross_entropy_with_logits(le, torch.zeros(5)),
            F.binary_cross_entropy_with_logits(lo, torch.ones(9)),
        )
        pooled = F.binary_cross_entropy_with_logits(logits, torch.cat([torch.zeros(5), torch.ones(9)]))
        flipped = discriminator_loss(disc, other_s, other_a, expert_s, expert_a)
    ref = discriminator_loss(disc, *args)
    got = float(value.detach())
    if not _close(got, float(ref.detach())):
        if _close(got, float(flipped)):
            _fail("you labelled the expert 1: D(s, a) is the probability that a pair is the student's (here the other "
                  "policy's), so the expert's pairs are labelled 0 and the others 1")  # fmt: skip
        if _close(got, float(pooled)):
            _fail("average each side on its own, then add the two: one mean over all 14 pairs lets the larger set "
                  "weigh more (here 9 other pairs against 5 of the expert's)")  # fmt: skip
        if _close(got, float(ref.detach()) / 2):
            _fail("add the two sides' cross-entropies, L = -E_expert[log(1 - D)] - E_other[log D]; you took half")
        if _close(got, float(parts[0])) or _close(got, float(parts[1])):
            _fail("the loss has two terms, the expert's pairs labelled 0 AND the other pairs labelled 1; yours has one")
        _fail(f"L(w) is {float(ref.detach()):.4f} on these pairs; yours is {got:.4f}")
    grads = torch.autograd.grad(value, list(disc.parameters()), allow_unused=True)
    ref_grads = torch.autograd.grad(ref, list(disc.parameters()))
    if any(g is None or not _close(g, h) for g, h in zip(grads, ref_grads, strict=True)):
        _fail("the loss has the right value but not the right gradient: compute it from disc's logits, undetached")
    _disc_loss_extremes(fn)  # where D is sure: the lesson's "on the logits" (defined at the end of the module)
    _praise("D's loss is right: expert pairs labelled 0, the others 1, each side averaged, on the logits")


# ---------------------------------------------------------------- 04: the rollout, D's step, the reward


class _TooManySteps(Exception):
    """Raised by ``_StepGuard`` when a loop steps the environments far more often than its job needs."""


class _StepGuard(gym.vector.VectorWrapper):
    """Counts ``step`` calls and stops a loop that would never end (a stop rule that is never met)."""

    def __init__(self, env: gym.vector.VectorEnv, max_calls: int) -> None:
        super().__init__(env)
        self.calls, self.max_calls = 0, max_calls

    def step(self, actions: Any) -> tuple:
        """Step, unless the loop has already stepped ``max_calls`` times."""
        self.calls += 1
        if self.calls > self.max_calls:
            raise _TooManySteps(self.calls)
        return self.env.step(actions)


class _Certain(nn.Module):
    """A policy whose every choice is certain (logits +-30), a balancer with a jumpy term: on CartPole capped at 25
    steps, some of its episodes fall and some reach the cap."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Logits [N, 2]: push right where theta + theta_dot / 2 + sin(50 x + 80 theta + 20 theta_dot) / 2 > 0."""
        s = states
        u = torch.sign(s[:, 2] + 0.5 * s[:, 3] + 0.5 * torch.sin(50 * s[:, 0] + 80 * s[:, 2] + 20 * s[:, 3]))
        return torch.stack([-30 * u, 30 * u], -1)


class _Coin(nn.Module):
    """Equal logits: a policy that samples its actions pushes left and right about equally often."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Logits [N, 2] of zeros."""
        return torch.zeros(len(states), 2)


PLAY_ENVS, PLAY_CAP, PLAY_SEED = 8, 25, 7
"""The check's environments: 8 CartPoles capped at 25 steps (falls and truncations both happen), seeded 7."""
PLAY_KEYS = ("s", "a", "s2", "term", "trunc", "valid")


def _play_envs() -> gym.vector.VectorEnv:
    """Gymnasium's own vector CartPole, as the notebook makes it, capped at ``PLAY_CAP`` steps."""
    return gym.make_vec("CartPole-v1", num_envs=PLAY_ENVS, vectorization_mode="vector_entry_point",
                        max_episode_steps=PLAY_CAP)  # fmt: skip


@torch.no_grad()
def play_reference(envs: gym.vector.VectorEnv, policy: nn.Module, seed: int | None, min_steps: int,
                   mistake: str | None = None) -> dict[str, torch.Tensor]:  # fmt: skip
    """Notebook 04's rollout (whole episodes back to back until ``min_steps``, time-major), or a known mistake's.

    ``mistake``: "reset_step" records Gymnasium's reset step as a step; "cap_as_fall" marks a truncation terminated;
    "fall_as_cap" marks a fall truncated; "cut" stops recording the moment the batch is full; "one_round" records one
    episode per environment; "between" lets an environment that is between episodes when the batch fills record one
    more (a correct variant); "state_twice" records the state before the step as s2.
    """
    obs, _ = envs.reset(seed=seed)
    rows, recorded = [], 0
    recording = torch.ones(envs.num_envs, dtype=torch.bool)
    reset_step = torch.zeros(envs.num_envs, dtype=torch.bool)
    ended = torch.zeros(envs.num_envs, dtype=torch.bool)
    while recording.any():
        s = torch.as_tensor(obs)
        a = Categorical(logits=policy(s)).sample()
        obs, _, term, trunc, _ = envs.step(a.numpy())
        term, trunc = torch.as_tensor(term), torch.as_tensor(trunc)
        valid = recording & (~reset_step if mistake != "reset_step" else torch.ones_like(recording))
        rec_term, rec_trunc = term, trunc & ~term
        if mistake == "cap_as_fall":
            rec_term, rec_trunc = term | trunc, torch.zeros_like(trunc)
        elif mistake == "fall_as_cap":
            rec_term, rec_trunc = torch.zeros_like(term), term | trunc
        rows.append((s, a, s if mistake == "state_twice" else torch.as_tensor(obs), rec_term, rec_trunc, valid))
        recorded += int(valid.sum())
        reset_step = term | trunc
        ended |= valid & reset_step
        if mistake == "cut" and recorded >= min_steps:
            break
        if mistake == "one_round":
            recording &= ~ended
        elif recorded >= min_steps:
            recording &= (valid | (mistake == "between")) & ~reset_step
    return dict(zip(PLAY_KEYS, (torch.stack(x) for x in zip(*rows, strict=True)), strict=True))


def _episodes_of(batch: dict[str, torch.Tensor]) -> list[dict[str, torch.Tensor]]:
    """Per environment, its recorded steps in time order: s, a, s2, term, trunc of its valid rows (a step that both
    fell and reached the cap counts as a fall: truncated or not, GAE reads it the same)."""
    out = []
    for i in range(batch["valid"].shape[1]):
        rows = batch["valid"][:, i]
        steps = {k: batch[k][:, i][rows] for k in PLAY_KEYS[:5]}
        steps["trunc"] = steps["trunc"] & ~steps["term"]
        out.append({k: v.float() for k, v in steps.items()})
    return out


def _same_steps(mine: dict[str, torch.Tensor], ref: dict[str, torch.Tensor]) -> bool:
    """The two batches record the same steps in each environment, in the same order (other rows aside)."""
    return all(
        all(_close(x[k], y[k]) for k in PLAY_KEYS[:5])
        for x, y in zip(_episodes_of(mine), _episodes_of(ref), strict=True)
    )


PLAY_MISTAKES: dict[str, str] = {
    "reset_step": "you recorded Gymnasium's reset step as a step of an episode: with next-step autoreset, the step "
                  "after an episode ends only resets that environment (the action is ignored, and s2 is a fresh "
                  "start, not what the push led to). That row belongs to no episode: its valid is False",
    "cap_as_fall": "you marked the step cap as a fall: a truncated step is not terminated. The pole did not fall, the "
                   "clock ran out, so its next state is still worth V(s'): keep term and trunc apart",
    "fall_as_cap": "you marked a fall as a truncation: when the pole falls the step is terminated (its future is "
                   "worth 0); truncated is only the step cap",
    "cut": "you stopped recording the moment the batch was full, in the middle of episodes: once the batch holds "
           "BATCH_STEPS steps, each environment finishes the episode it is in, so that every recorded episode ends "
           "with a fall or the cap",
    "one_round": "you recorded one episode per environment and stopped: record episodes back to back until the batch "
                 "holds at least BATCH_STEPS steps",
    "state_twice": "s2 is the state the step led to (the obs that envs.step returns), not the state it started from",
}  # fmt: skip
"""The known mistakes of the rollout, and what the check says of each."""


def play(fn: Callable[..., dict[str, torch.Tensor]], min_steps: int) -> None:
    """Check notebook 04's ``fn(envs, policy, seed) -> batch`` on Gymnasium's vector CartPole capped at 25 steps."""
    with _own_random_streams(0):
        envs = _StepGuard(_play_envs(), max_calls=20 * min_steps // PLAY_ENVS + 100)
        try:
            out = _call(fn, envs, _Certain(), PLAY_SEED)
        except _TooManySteps:
            _fail(f"your loop did not stop after {envs.max_calls} steps of the environments: stop once no "
                  "environment is recording (each stops at the end of its episode once the batch holds BATCH_STEPS "
                  "steps)")  # fmt: skip
        batch = _play_batch(out)
        ref = play_reference(_play_envs(), _Certain(), PLAY_SEED, min_steps)
        if not torch.equal(batch["s"][0], ref["s"][0]):
            _fail("the first batch starts from the states envs.reset(seed=seed) returns: reset the environments with "
                  "the seed you are given")  # fmt: skip
        if not any(_same_steps(batch, play_reference(_play_envs(), _Certain(), PLAY_SEED, min_steps, ok))
                   for ok in (None, "between")):  # fmt: skip
            _play_mistake(batch, ref, min_steps)
        coin = _play_batch(_call(fn, _play_envs(), _Coin(), PLAY_SEED))
        pushes = coin["a"][coin["valid"]].float()
        if pushes.numel() and pushes.mean() in (0.0, 1.0):
            _fail("with equal logits your student always pushed the same way: you took argmax_a pi(a|s), but GAIL's "
                  "student samples its actions, a ~ pi(.|s) (Categorical(logits=policy(s)).sample())")  # fmt: skip
    _praise(
        "the rollout is right: sampled actions, falls apart from the cap, Gymnasium's reset steps left out, "
        "whole episodes until the batch is full"
    )


def _play_batch(out: Any) -> dict[str, torch.Tensor]:
    """The learner's batch, its keys, types and shapes checked (time-major [T, N], N = 4 environments)."""
    if not isinstance(out, dict) or set(PLAY_KEYS) - set(out):
        keys = sorted(out) if isinstance(out, dict) else type(out).__name__
        _fail(f"return a dict with the keys {list(PLAY_KEYS)}; got {keys}")
    if not all(isinstance(out[k], torch.Tensor) for k in PLAY_KEYS):
        _fail("return tensors (torch.as_tensor of what envs.step gives), one per key")
    s = out["s"]
    if s.dim() != 3 or s.shape[1:] != (PLAY_ENVS, 4):
        _fail(f"shapes: s is time-major, [T, N, 4] (here N = {PLAY_ENVS} environments); got {list(s.shape)}")
    T = len(s)
    expected = {"s": ((T, PLAY_ENVS, 4), torch.float32), "s2": ((T, PLAY_ENVS, 4), torch.float32)}
    expected |= {"a": ((T, PLAY_ENVS), torch.int64)} | {k: ((T, PLAY_ENVS), torch.bool) for k in PLAY_KEYS[3:]}
    for k, (shape, dtype) in expected.items():
        if tuple(out[k].shape) != shape or out[k].dtype != dtype:
            _fail(f"shapes: {k} must be {str(dtype).replace('torch.', '')} {list(shape)}, one row per step of all "
                  f"environments; got {str(out[k].dtype).replace('torch.', '')} {list(out[k].shape)}")  # fmt: skip
    return {k: out[k] for k in PLAY_KEYS}


def _play_mistake(batch: dict[str, torch.Tensor], ref: dict[str, torch.Tensor], min_steps: int) -> None:
    """Name what the learner's batch does wrong (it is not the reference's)."""
    for kind, message in PLAY_MISTAKES.items():
        if _same_steps(batch, play_reference(_play_envs(), _Certain(), PLAY_SEED, min_steps, kind)):
            _fail(message)
    ends = batch["term"] | batch["trunc"]
    for i in range(PLAY_ENVS):
        rows = batch["valid"][:, i].nonzero()[:, 0]
        if len(rows) and not ends[rows[-1], i]:
            _fail(PLAY_MISTAKES["cut"])
    if int(batch["valid"].sum()) < min_steps:
        _fail(f"the batch holds {int(batch['valid'].sum())} steps, fewer than BATCH_STEPS = {min_steps}: "
              + PLAY_MISTAKES["one_round"].split(": ", 1)[1])  # fmt: skip
    if int(batch["valid"].sum()) > int(ref["valid"].sum()):
        _fail("once the batch holds BATCH_STEPS steps, each environment stops at the end of the episode it is in; "
              f"yours recorded {int(batch['valid'].sum())} steps where {int(ref['valid'].sum())} end the last "
              "episodes under way")  # fmt: skip
    for i, (x, y) in enumerate(zip(_episodes_of(batch), _episodes_of(ref), strict=True)):
        for k in PLAY_KEYS[:5]:
            n = min(len(x[k]), len(y[k]))
            bad = [t for t in range(n) if not _close(x[k][t], y[k][t])]
            if bad:
                t = bad[0]
                _fail(f"environment {i}'s recorded step {t} differs in {k}: expected {y[k][t].tolist()}, got "
                      f"{x[k][t].tolist()}")  # fmt: skip
    _fail("your batch records other steps than the rollout's rules give (whole episodes, reset steps left out)")


def _toy_d_inputs(gen: torch.Generator) -> tuple[Discriminator, tuple[torch.Tensor, ...]]:
    """A small discriminator and pairs for it: 6 expert pairs and 10 others (sizes differ, as in GAIL)."""
    disc, demo = _toy_discriminator(gen)
    expert_s, expert_a = demo[:6], torch.tensor([0, 1, 1, 0, 1, 0])
    other_s, other_a = torch.randn(10, 4, generator=gen) * 0.5, torch.randint(0, 2, (10,), generator=gen)
    return disc, (expert_s, expert_a, other_s, other_a)


def _d_loss_variant(disc: nn.Module, kind: str, expert_s, expert_a, s, a) -> torch.Tensor:
    """D's loss as written with the known mistake ``kind`` (None: the lesson's)."""
    le, ls = disc(expert_s, expert_a), disc(s, a)
    zeros, ones = torch.zeros_like(le), torch.ones_like(ls)
    if kind == "flipped":
        return F.binary_cross_entropy_with_logits(le, 1 - zeros) + F.binary_cross_entropy_with_logits(ls, 1 - ones)
    if kind == "pooled":
        return F.binary_cross_entropy_with_logits(torch.cat([le, ls]), torch.cat([zeros, ones]))
    if kind == "expert_only":
        return F.binary_cross_entropy_with_logits(le, zeros)
    if kind == "student_only":
        return F.binary_cross_entropy_with_logits(ls, ones)
    if kind == "sums":
        return F.binary_cross_entropy_with_logits(le, zeros, reduction="sum") + F.binary_cross_entropy_with_logits(
            ls, ones, reduction="sum"
        )
    loss = F.binary_cross_entropy_with_logits(le, zeros) + F.binary_cross_entropy_with_logits(ls, ones)
    return loss / 2 if kind == "half" else loss


D_STEP_MISTAKES: dict[str, str] = {
    "flipped": "you labelled the expert 1: D(s, a) is the probability that a pair is the student's, so the expert's "
               "pairs are labelled 0 and the student's 1",
    "pooled": "average each side on its own, then add the two: one mean over all pairs lets the larger side weigh "
              "more (a batch of 800 against 200 expert pairs)",
    "half": "add the two sides' cross-entropies, L = -E_expert[log(1 - D)] - E_student[log D]; you took their mean",
    "expert_only": "the loss has two terms; yours has only the expert's (labelled 0): add the student's, labelled 1",
    "student_only": "the loss has two terms; yours has only the student's (labelled 1): add the expert's, labelled 0",
    "sums": "each side is averaged (E[...] is a mean), not summed: a sum makes the step grow with the batch",
}  # fmt: skip
"""The known mistakes of D's loss in its step, and what the check says of each."""


def disc_step(fn: Callable[..., float]) -> None:
    """Check notebook 04's ``fn(disc, opt, expert_s, expert_a, s, a) -> float``: one step of ``opt`` on D's loss.

    The check passes plain gradient descent (``torch.optim.SGD``), so a step moves each weight by -lr times the
    gradient of the learner's loss, which is compared with the lesson's. Two calls in a row show a gradient left over
    from the first; logits near 40 show a loss taken through the sigmoid.
    """
    from torch.optim import SGD  # imported here: torch.optim costs a second, and only notebook 04 needs it

    lr = 0.1
    with _own_random_streams(0):
        disc, pairs = _toy_d_inputs(torch.Generator().manual_seed(0))
        first: list[torch.Tensor] = []
        for call in (1, 2):
            before = copy.deepcopy(disc)
            got = _loss_value(_call(fn, disc, SGD(disc.parameters(), lr=lr), *(x.clone() for x in pairs)))
            moved = [(p - q).detach() for p, q in zip(disc.parameters(), before.parameters(), strict=True)]
            if all(float(m.abs().max()) == 0 for m in moved):
                _fail("D did not move: after the loss, loss.backward() computes its gradient and opt.step() takes the "
                      "step (opt.zero_grad() first forgets the last one)")  # fmt: skip
            ref, grads = _loss_and_grads(before, None, pairs)
            if _stepped(moved, grads, lr):
                if not _close(got, ref):
                    _fail(f"return the loss of this step, one float: {ref:.4f} here (computed before the step); "
                          f"yours is {got:.4f}")  # fmt: skip
                first = grads
                continue
            if call == 2 and first and _stepped(moved, [g + h for g, h in zip(grads, first, strict=True)], lr):
                _fail("the first call's gradient was still there at the second: backward() adds to .grad, so call "
                      "opt.zero_grad() before loss.backward()")  # fmt: skip
            for kind, message in D_STEP_MISTAKES.items():
                wrong, wrong_grads = _loss_and_grads(before, kind, pairs)
                if _close(got, wrong) or _stepped(moved, wrong_grads, lr):
                    _fail(message)
            _fail("D's step does not follow the gradient of L = -E_expert[log(1 - D)] - E_student[log D], computed "
                  "from disc's logits: take exactly one step of the optimizer you are given")  # fmt: skip
        _saturated(fn, disc, pairs, lr, SGD)
    _praise(
        "D's step is right: one step of the optimizer on the cross-entropy of the logits, expert 0 and student 1, "
        "each side averaged; the loss returned"
    )


def _loss_and_grads(disc: nn.Module, kind: str | None, pairs: tuple[torch.Tensor, ...]) -> tuple[float, list]:
    """The loss ``_d_loss_variant`` gives for ``kind`` on ``pairs``, and its gradient for each of disc's parameters."""
    loss = _d_loss_variant(disc, kind, *pairs)
    return float(loss.detach()), [g.detach() for g in torch.autograd.grad(loss, list(disc.parameters()))]


def _stepped(moved: list[torch.Tensor], grads: list[torch.Tensor], lr: float) -> bool:
    """Each parameter moved by -lr times its gradient in ``grads`` (plain gradient descent)."""
    return all(_close(m, -lr * g) for m, g in zip(moved, grads, strict=True))


def _loss_value(value: Any) -> float:
    """The learner's returned loss as a float, or an ``ExerciseError`` that says what to return."""
    try:
        return float(value.detach() if isinstance(value, torch.Tensor) else value)
    except (TypeError, ValueError, RuntimeError):
        _fail(f"return D's loss, one number (loss.item()); got {type(value).__name__}")
    return math.nan


def _saturated(fn: Callable[..., float], disc: nn.Module, pairs: tuple[torch.Tensor, ...], lr: float,
               sgd: type) -> None:  # fmt: skip
    """The step on logits near +40: the lesson's loss still has a gradient; one taken through sigmoid has none."""
    with torch.no_grad():
        disc.net[-1].bias.fill_(40.0)  # every logit near 40: D = sigmoid(40) rounds to 1 in float32
    before = copy.deepcopy(disc)
    got = _loss_value(_call(fn, disc, sgd(disc.parameters(), lr=lr), *(x.clone() for x in pairs)))
    moved = [(p - q).detach() for p, q in zip(disc.parameters(), before.parameters(), strict=True)]
    ref, grads = _loss_and_grads(before, None, pairs)
    if not (math.isfinite(got) and _close(got, ref) and _stepped(moved, grads, lr)):
        _fail("at logits near 40, D = sigmoid(l) rounds to 1, and a loss computed from D has no gradient left (or is "
              "infinite): compute it from the logits (binary_cross_entropy_with_logits, or logsigmoid), as notebook "
              f"03 did. Here L is {ref:.1f}; yours is {got:.4g}")  # fmt: skip


class _FixedLogits(nn.Module):
    """A stand-in discriminator that returns the same logits whatever the pairs."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The fixed logits [N]."""
        return self.logits.clone()


def gail_reward(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``fn(disc, s, a) -> [N]``, r = -log D with D = sigmoid(l), finite for every logit, against
    ``helpers.gail_reward``. Any finite form is right (softplus(-l), -logsigmoid(l), logaddexp(0, -l), ...)."""
    logits = torch.tensor([-5.0, -1.0, 0.0, 1.0, 5.0, -200.0])
    n = len(logits)
    s, a = torch.zeros(n, 4), torch.zeros(n, dtype=torch.int64)
    out = _tensor(_call(fn, _FixedLogits(logits), s, a), "one reward per step", (n,)).detach()
    ref = F.softplus(-logits)
    finite = slice(0, n - 1)
    if not _close(out[finite], ref[finite]):
        if _close(out[finite], -ref[finite]):
            _fail("the reward is log D, not -log D: the sign is flipped, so it would charge the student for every "
                  "step (it would learn to end each episode at once)")  # fmt: skip
        if _close(out[finite], F.softplus(logits[finite])):
            _fail("your reward pays the student for looking like a student: D labels the expert 0, so the reward "
                  "grows as D falls; -log(1 - D) is the wrong side, the reward is -log D")  # fmt: skip
        if _close(out[finite], -F.softplus(logits[finite])):
            _fail("that is log(1 - D), always negative (notebook 03's table): GAIL here pays -log D")
        if _close(out[finite], -logits[finite]):
            _fail("that is the logit reward -l = log(1 - D) - log D (notebook 03's table): GAIL here pays -log D")
        if _close(out[finite], torch.sigmoid(logits[finite])):
            _fail("that is D itself, the probability that the pair is the student's: the reward is -log D")
        _fail(f"for the logits {logits[finite].tolist()} the rewards are {[round(x, 4) for x in ref[finite].tolist()]};"
              f" yours are {[round(x, 4) for x in out[finite].tolist()]}")  # fmt: skip
    if not torch.isfinite(out).all():
        _fail(
            "at the logit l = -200, D = sigmoid(l) rounds to 0 (and exp(-l) overflows), so your reward is "
            f"{float(out[-1])}: write -log D as a function of the logit that stays finite (notebook 03's table)"
        )
    if not _close(out, ref):
        _fail(f"at the logit l = -200 the reward -log D is 200; yours is {float(out[-1]):.4g}")
    gen = torch.Generator().manual_seed(0)
    disc, _ = _toy_discriminator(gen)
    s, a = torch.randn(20, 4, generator=gen), torch.randint(0, 2, (20,), generator=gen)
    if not _close(torch.as_tensor(_call(fn, disc, s, a)).detach(), _gail_reward(disc, s, a)):
        _fail("on a real discriminator your rewards differ from -log D(s, a): read l from disc(s, a)")
    _praise("the reward is right: -log D, large where D calls the pair the expert's, finite for every logit")


# ---------------------------------------------------------------- 04: your GAIL, trained and judged by behaviour


class _OverBudget(Exception):
    """Raised by ``_Watched`` when a training loop plays far past its budget of env steps."""


class _Watched(gym.vector.VectorWrapper):
    """A vector environment, watched while a training loop plays it: the env steps it plays, and each episode that
    ends (its length, its habit, whether it fell), grouped by the reset that began its batch.

    It counts every step of every environment (Gymnasium's reset steps and unrecorded episodes too), and stops a loop
    that plays more than ``OVER_BUDGET`` times its budget (a budget never counted down).
    """

    OVER_BUDGET = 3

    def __init__(self, env: gym.vector.VectorEnv, budget: int) -> None:
        super().__init__(env)
        self.budget, self.steps = budget, 0
        self.batches: list[list[tuple[int, float, bool]]] = []
        """Per reset: (length, habit, fell) of each episode that ended before the next reset."""
        self.marks: list[int] = []
        """The env steps played before each reset."""
        self.seeds: list[int | None] = []
        self._xs: list[list[float]] = []
        self._resets = np.zeros(self.num_envs, bool)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple:
        """Reset every environment, and start a new batch of episodes."""
        obs, info = self.env.reset(seed=seed, options=options)
        self.seeds.append(seed)
        self.marks.append(self.steps)
        self.batches.append([])
        self._xs = [[float(x)] for x in obs[:, 0]]
        self._resets = np.zeros(self.num_envs, bool)
        return obs, info

    def step(self, actions: Any) -> tuple:
        """Step every environment, noting the episodes that end."""
        obs, reward, term, trunc, info = self.env.step(actions)
        self.steps += self.num_envs
        if self.steps > self.OVER_BUDGET * self.budget + 10_000:
            raise _OverBudget(self.steps)
        for i, (resets, ends) in enumerate(zip(self._resets, term | trunc, strict=True)):
            if resets:  # Gymnasium's reset step: obs is a new episode's start
                self._xs[i] = [float(obs[i, 0])]
            elif ends:
                xs = self._xs[i]  # the states s_t of the episode that just ended
                self.batches[-1].append((len(xs), float(np.mean(xs[-HABIT_WINDOW:])), bool(term[i])))
            else:
                self._xs[i].append(float(obs[i, 0]))
        self._resets = term | trunc
        return obs, reward, term, trunc, info


@dataclasses.dataclass
class GAILRun:
    """What a learner's GAIL returned, and what its training played (``run_gail``)."""

    policy: nn.Module
    """The student's policy: states [N, 4] to logits [N, 2]."""
    disc: nn.Module
    """The discriminator: (states [N, 4], actions [N]) to logits [N]."""
    d_losses: list[float]
    """D's loss at each iteration, as the learner's loop returned it."""
    batches: list[list[tuple[int, float, bool]]]
    """Per batch (reset): (length, habit, fell) of each episode that ended in it."""
    marks: list[int]
    """Env steps played before each batch."""
    env_steps: int
    """Env steps played in all (Gymnasium's reset steps and unrecorded episodes included)."""
    seconds: float
    """Wall seconds of the training."""
    seeded: bool
    """The first reset was seeded."""
    budget: int
    """The budget the loop was given (``max_env_steps``)."""

    def lengths(self) -> list[float]:
        """Mean length of the episodes that ended in each batch (NaN where none did)."""
        return [float(np.mean([e[0] for e in b])) if b else math.nan for b in self.batches]

    def habits(self) -> list[float]:
        """Mean habit of the episodes that ended in each batch (NaN where none did)."""
        return [float(np.mean([e[1] for e in b])) if b else math.nan for b in self.batches]

    def curves(self) -> dict[str, list[float]]:
        """Per batch: env steps at its end, D's loss, the episodes' habit and length (``plot_gail_runs``' input)."""
        ends = [*self.marks[1:], self.env_steps]
        n = len(self.d_losses)
        at = ends if n == len(ends) else np.linspace(ends[0], ends[-1], n).tolist() if n else []
        return {"env_steps": ends, "habit": self.habits(), "length": self.lengths(), "d_loss_steps": at,
                "d_loss": list(self.d_losses)}  # fmt: skip

    def summary(self) -> str:
        """A few lines on the run: its budget, D's loss, the training episodes at the start and the end."""
        lengths, habits = self.lengths(), self.habits()
        first, last = _first_last(lengths), _first_last(habits[::-1])
        lines = [f"your GAIL: {len(self.batches)} batches, {self.env_steps} env steps played "
                 f"(reset steps included) in {self.seconds:.1f} s"]  # fmt: skip
        if self.d_losses:
            d = self.d_losses
            lines.append(f"D's loss: first {d[0]:.3f}, lowest {min(d):.3f}, last {d[-1]:.3f} (log 4 = {LOG4:.3f}: "
                         "D cannot tell the two apart)")  # fmt: skip
        lines.append(f"training episodes: mean length {first:.1f} in the first batch, {_first_last(lengths[::-1]):.1f} "
                     f"in the last; habit in the last batch {last:+.2f}")  # fmt: skip
        if not self.seeded:
            lines.append("note: your first envs.reset was not seeded, so a second run will not repeat this one")
        return "\n".join(lines)


LOG4 = math.log(4.0)
"""D's cross-entropy where it cannot tell the two sides apart (D = 1/2 on every pair): 2 log 2."""


def _first_last(values: list[float]) -> float:
    """The first value that is not NaN (NaN if none)."""
    return next((v for v in values if not math.isnan(v)), math.nan)


def run_gail(fn: Callable[..., tuple], expert_s: torch.Tensor, expert_a: torch.Tensor, envs: gym.vector.VectorEnv,
             max_env_steps: int, seed: int) -> GAILRun:  # fmt: skip
    """Train the learner's ``fn(expert_s, expert_a, envs, max_env_steps, seed) -> (policy, disc, d_losses)`` on
    ``envs``, watched (``_Watched``), and check what it returns; the notebook judges its student afterwards."""
    watched = _Watched(envs, max_env_steps)
    t0 = time.perf_counter()
    try:
        out = _call(fn, expert_s.clone(), expert_a.clone(), watched, max_env_steps, seed)
    except _OverBudget as exc:
        _fail(f"your loop played {exc.args[0]} env steps and was stopped: its budget is {max_env_steps}. Count each "
              "batch's steps (its valid rows, len(a)) and stop once max_env_steps are spent")  # fmt: skip
    seconds = time.perf_counter() - t0
    if not isinstance(out, tuple | list) or len(out) != 3:
        _fail(f"return (policy, disc, d_losses); got {type(out).__name__}")
    policy, disc, d_losses = out
    with torch.no_grad():
        probe = expert_s[:3]
        if not callable(policy) or tuple(torch.as_tensor(policy(probe)).shape) != (3, 2):
            _fail("the first thing returned is the policy: a network mapping states [N, 4] to logits [N, 2]")
        if not callable(disc) or torch.as_tensor(disc(probe, expert_a[:3])).numel() != 3:
            _fail("the second thing returned is the discriminator: (states [N, 4], actions [N]) to logits [N]")
    try:
        losses = [float(x) for x in d_losses]
    except (TypeError, ValueError, RuntimeError):
        _fail(
            f"the third thing returned is D's loss at each iteration, a list of floats; got {type(d_losses).__name__}"
        )
    seeded = bool(watched.seeds) and watched.seeds[0] is not None
    return GAILRun(policy, disc, losses, watched.batches, watched.marks, watched.steps, seconds, seeded, max_env_steps)


def gail_signature(run: GAILRun, mean_return: float, habit: float, expert_habit: float, expert_s: torch.Tensor,
                   expert_a: torch.Tensor) -> dict[str, float]:  # fmt: skip
    """What a GAIL run shows, in the numbers its diagnosis reads: the student's greedy return and habit (and its gap
    to the expert's), the training episodes' length (late in training, and at their longest), D's loss (its lowest in
    the first third of training, and late), D's mean on the expert's own pairs at the end, and the env steps played
    per step of budget."""
    lengths = [x for x in run.lengths() if not math.isnan(x)] or [math.nan]
    d = run.d_losses
    third = d[: max(1, len(d) // 3)]
    with torch.no_grad():
        logits = torch.as_tensor(run.disc(expert_s, expert_a)).reshape(-1)
    return {
        "return": float(mean_return),
        "habit": float(habit),
        "expert_habit": float(expert_habit),
        "gap": abs(float(habit) - float(expert_habit)),
        "len_late": float(np.mean(lengths[-5:])),
        "len_max": float(max(lengths)),
        "d_early_min": float(min(third)) if d else math.nan,
        "d_late": float(np.mean(d[-5:])) if d else math.nan,
        "d_expert": float(torch.sigmoid(logits).mean()),
        "played_per_budget": run.env_steps / run.budget,
    }


def diagnose_gail(run: GAILRun, mean_return: float, habit: float, expert_habit: float, expert_s: torch.Tensor,
                  expert_a: torch.Tensor) -> str:  # fmt: skip
    """The most likely mistake behind a learner's GAIL that failed its judgment, read from its run's signature
    (``gail_signature``, ``diagnose``), or what to try when no known signature fits."""
    return diagnose(gail_signature(run, mean_return, habit, expert_habit, expert_s, expert_a)) or (
        "no known mistake's signature fits this run. The reference solution passes on every seed of the sweep: "
        "compare your loop with the four steps of an iteration, then try another SEED"
    )


SHORT_EPISODES = 30.0
"""A student whose last training episodes last at most this many steps (and whose greedy return is under 100) has
learned to end them: measured on every seed with the reward's sign flipped and with a fall bootstrapped as a
truncation (about 9 steps; the reference solution's last episodes last about 200), ``benchmarks/capstone.py``."""
D_EXPERT_FLIPPED = 0.9
"""D's mean on the expert's own pairs at the end, at least this: D was trained with the labels swapped (measured:
1.00 with swapped labels, about 0.4-0.5 otherwise)."""
D_NOT_LEARNING = 1.15
"""D's lowest loss in the first third of training, at least this: D never told the two sides apart (measured: 1.2 to
1.5 with one D step per iteration or none, about 0.4-0.75 with the reference's 20; log 4 = 1.386)."""
SIGN_BEFORE_FALL = 0.03
"""Of the two mistakes that end episodes, a lowest early D loss under this names the reward's sign first. Measured
(seeds 4500-4503): 0.01-0.07 with the sign flipped, 0.05-0.14 with falls bootstrapped. The ranges overlap, so the
check names both slips; this only orders them."""

GAIL_SIGNATURES = {
    "budget": "your loop played only {played:.0%} of its budget of env steps: count each batch's steps (its valid "
    "rows) and go on while steps < max_env_steps",
    "ends_episodes": "your student learned to END its episodes (the last training episodes lasted {len_late:.1f} "
    "steps): every step alive costs it. One of two slips does this, and a run cannot always tell which: {first}; or "
    "{second}",
    "labels_swapped": "D calls the expert's own pairs the student's (mean D on them at the end: {d_expert:.2f}): its "
    "labels are swapped, so -log D pays the student for being UNLIKE the expert (failure mode (d)). D's step takes "
    "the expert's pairs first, labelled 0, and the student's second, labelled 1",
    "d_not_learning": "D never told the two sides apart: its loss stayed at {d_early_min:.2f} or above in the first "
    "third of training (log 4 = 1.386 is a D that cannot tell; one that keeps up falls well below it early). Give D "
    "its DISC_STEPS steps on every batch, each one a step of its optimizer (failure modes (b) and (c))",
    "overshoot": "your student balances but its cart stops past the expert's mark ({habit:+.2f} against "
    "{expert_habit:+.2f}): a D that lags behind keeps paying past the mark (failure mode (c)). Check that D takes "
    "its DISC_STEPS steps on every batch, and that the rewards are read after them",
    "no_habit": "your student balances but not where the expert does ({habit:+.2f} against {expert_habit:+.2f}), as "
    "the survival control does: its reward does not say where the expert stands. Check that it is paid "
    "reward(disc, s, a) of the updated D, for the batch's own pairs",
    "falls": "your student falls on some episodes (mean return {return:.1f}): check the step sizes (they shrink "
    "linearly to 0 over the budget), that PPO learns from the rewards of this batch, and that only the first reset "
    "takes the seed (a seed on every reset replays the same start states)",
}
"""What the check says for each signature (``likely_mistake``), formatted with the run's own numbers."""

ENDINGS = {
    "sign": "the reward's sign: your loop pays log D (or -reward) where -log D is meant (failure mode (a))",
    "fall": "a fall counted as a truncation in the batch PPO learns from, so that GAE bootstraps the fallen state's "
    "value (failure mode (e))",
}


def likely_mistake(sig: dict[str, float]) -> str:
    """The key in ``GAIL_SIGNATURES`` of the most likely mistake behind a run's signature, "" if none fits. The
    thresholds are measured (``benchmarks/capstone.py mistakes``; see each constant)."""
    if sig["played_per_budget"] < 0.5:
        return "budget"
    if sig["len_late"] <= SHORT_EPISODES and sig["return"] < 100:
        return "ends_episodes"
    if sig["d_expert"] >= D_EXPERT_FLIPPED:
        return "labels_swapped"
    if sig["d_early_min"] >= D_NOT_LEARNING:
        return "d_not_learning"
    if sig["return"] >= 195 and sig["gap"] > 0.4:
        far = abs(sig["habit"]) > abs(sig["expert_habit"]) and sig["habit"] * sig["expert_habit"] > 0
        return "overshoot" if far else "no_habit"
    if sig["return"] < 195:
        return "falls"
    return ""


def diagnose(sig: dict[str, float]) -> str:
    """The most likely mistake for a run's signature, in the lesson's words, with the run's numbers ("" if none)."""
    key = likely_mistake(sig)
    if not key:
        return ""
    sign_first = sig["d_early_min"] < SIGN_BEFORE_FALL
    first, second = (ENDINGS["sign"], ENDINGS["fall"]) if sign_first else (ENDINGS["fall"], ENDINGS["sign"])
    return "likely mistake: " + GAIL_SIGNATURES[key].format(**sig, played=sig["played_per_budget"], first=first,
                                                            second=second)  # fmt: skip


# ---------------------------------------------------------------- 07: the Gaussian log-probability and BC's likelihood

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
"""The Gaussian density's normalising constant, per dimension: log sqrt(2 pi)."""


def _gaussian_mistakes(mean: torch.Tensor, std: torch.Tensor, a: torch.Tensor) -> dict[str, torch.Tensor]:
    """The log-probabilities the known mistakes compute, [N] each, and the message that names each one."""
    z2 = ((a - mean) / std) ** 2
    return {
        "the square enters with a minus sign: your log-probability grows as the action moves away from the mean, "
        "so PPO would make the actions it was paid for less likely": (0.5 * z2 - std.log() - HALF_LOG_2PI).sum(-1),
        "the -log sigma term is missing: without it the density does not shrink as it widens, and PPO could make every "
        "action more likely by raising sigma": (-0.5 * z2 - HALF_LOG_2PI).sum(-1),
        "you divided (a - mu)^2 by 2 sigma, not by 2 sigma^2 (sigma is the standard deviation, not the variance)": (
            -((a - mean) ** 2) / (2 * std) - std.log() - HALF_LOG_2PI
        ).sum(-1),
        "you subtracted log sigma^2 = 2 log sigma; the density's normaliser is 1 / (sigma sqrt(2 pi)), so subtract "
        "log sigma once": (-0.5 * z2 - 2 * std.log() - HALF_LOG_2PI).sum(-1),
        "the constant -log(2 pi) / 2 per dimension is missing: PPO's ratio would not notice (it cancels), but this is "
        "not the log-density, and BC's likelihood (exercise 2) reads its value": (-0.5 * z2 - std.log()).sum(-1),
        "you returned the density, not its log": (-0.5 * z2 - std.log() - HALF_LOG_2PI).sum(-1).exp(),
    }


def gaussian_log_prob(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``fn(mean [N, d], std [d], actions [N, d]) -> [N]``, log N(a; mu, diag sigma^2) summed over the d action
    dimensions, against ``torch.distributions.Normal``."""
    with _own_random_streams():
        cases = [  # (mean, std, actions): at the mean with sigma 1, then sigma 2, a wide miss, two dimensions
            (torch.zeros(3, 1), torch.ones(1), torch.zeros(3, 1)),
            (torch.zeros(3, 1), torch.full((1,), 2.0), torch.zeros(3, 1)),
            (torch.tensor([[0.5], [-1.0], [0.0]]), torch.full((1,), 2.0), torch.tensor([[3.5], [-1.0], [-6.0]])),
            (torch.randn(5, 2), torch.tensor([0.5, 1.5]), torch.randn(5, 2) * 2),
        ]
        for mean, std, a in cases:
            ref = torch.distributions.Normal(mean, std).log_prob(a).sum(-1)
            got = _call(fn, mean.clone(), std.clone(), a.clone())
            n, d = a.shape
            if isinstance(got, torch.Tensor) and tuple(got.shape) == (n, d):
                _fail("shapes: one log-probability per pair, [N]; yours is [N, d]: sum over the action's dimensions "
                      "(independent dimensions: their log-densities add)")  # fmt: skip
            out = _tensor(got, "one log-probability per pair", (n,)).detach()
            if not _close(out, ref):
                for message, wrong in _gaussian_mistakes(mean, std, a).items():
                    if _close(out, wrong):
                        _fail(message)
                if d > 1 and _close(out, torch.distributions.Normal(mean, std).log_prob(a)[:, 0]):
                    _fail("you kept the first action dimension only: sum the log-densities over all of them")
                _fail(f"log N(a; mu, sigma^2) is {[round(x, 4) for x in ref.tolist()]} here (mu = "
                      f"{[round(x, 3) for x in mean[:, 0].tolist()]}, sigma = {std.tolist()}, a = "
                      f"{[round(x, 3) for x in a[:, 0].tolist()]} in the first dimension); yours is "
                      f"{[round(x, 4) for x in out.tolist()]}")  # fmt: skip
        mean, log_std = torch.randn(6, 1, requires_grad=True), torch.zeros(1, requires_grad=True)
        out = _call(fn, mean, log_std.exp(), torch.randn(6, 1))
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            _fail("your log-probability carries no gradient: PPO and BC differentiate it through mu and sigma "
                  "(compute it with torch, without torch.no_grad() or .item())")  # fmt: skip
    _praise("the log-probability is right: -(a - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2, summed over "
            "the action's dimensions")  # fmt: skip


def gaussian_bc_loss(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``fn(policy, states [N, 3], torques [N, 1]) -> scalar``, BC's loss -(1/N) sum_i log pi(a_i | s_i) for a
    ``GaussianPolicy``, against ``helpers.algorithms.bc.gaussian_bc_loss``: its value (the constant log(2 pi) / 2
    may be left out) and its gradient with respect to every weight and to log sigma."""
    with _own_random_streams():
        policy = GaussianPolicy(3, 1, 16, action_scale=2.0, log_std=-0.5)
        with torch.no_grad():
            policy.mean_net[-1].bias.fill_(0.3)  # a mean away from 0, so scaling the torques shows
        s, a = torch.randn(40, 3), (torch.rand(40, 1) * 4 - 2)
        got = _call(fn, policy, s.clone(), a.clone())
        value = _tensor(got, "one number, the mean loss over the pairs", ())
        ref = _gaussian_bc_loss(policy, s, a)
        got, want = value.detach(), ref.detach()
        if not (_close(got, want) or _close(got, want - HALF_LOG_2PI)):
            with torch.no_grad():
                nll = -torch.distributions.Normal(policy(s), policy.std()).log_prob(a)  # per pair, [N, 1]
                mse = ((policy(s) - a) ** 2).mean()
                wrong = {
                    "your loss is the likelihood with its sign flipped: minimise MINUS the mean log-probability": -want,
                    "you summed over the pairs: take the mean, so that the step size does not grow with the number "
                    "of pairs": nll.sum(),
                    "that is the squared error of the mean action (regression): it never involves sigma, so sigma "
                    "would not learn; BC here maximises the Gaussian likelihood": mse,
                    "you divided the torques by the maximum torque: the demos' torques and the policy's mean are both "
                    "in N·m already": -torch.distributions.Normal(policy(s), policy.std()).log_prob(a / 2).mean(),
                    "you used the greedy action (the mean) as the action to score: the pairs' actions are the demos' "
                    "torques": -torch.distributions.Normal(policy(s), policy.std()).log_prob(policy(s)).mean(),
                }
            for message, wrong_value in wrong.items():
                if _close(got, wrong_value) or _close(got, wrong_value - HALF_LOG_2PI):
                    _fail(message)
            _fail(f"on these pairs -(1/N) sum_i log pi(a_i | s_i) is {float(want):.4f}; yours is {float(got):.4f}")
        if not value.requires_grad:
            _fail("your loss carries no gradient: compute it from policy(states) and policy.std(), undetached")
        params = list(policy.parameters())
        grads = torch.autograd.grad(value, params, allow_unused=True)
        ref_grads = torch.autograd.grad(ref, params)
        if grads[params.index(policy.log_std)] is None:
            _fail("your loss does not depend on log sigma: use sigma = policy.std(), the policy's own")
        if any(g is None or not _close(g, h) for g, h in zip(grads, ref_grads, strict=True)):
            _fail("the loss has the right value but not the right gradient: compute it from policy(states) and "
                  "policy.std(), undetached")  # fmt: skip
    _praise("BC's loss is right: the negative log-likelihood of the demos' torques, averaged over the pairs")


# ================================================================ more exercises (issue 27): 01 PPO's clipped
# surrogate, 02 a rollout, 03 D's loss on extreme logits, 05 the absorbing-state reward, 06 the DAgger loop

MORE_HINTS = {
    "my_clipped_surrogate": "per sample, the smaller of the two terms of L^CLIP: r_t A_t, and A_t times r_t held "
    "within [1 - eps, 1 + eps]; E_t is the mean over the samples",
    "my_rollout": "reset with the seed, then each step sample a ~ pi(.|s) and keep (s, a, s'); the pole falling is "
    "terminated, the cap truncated; at either, reset and start the next episode",
    "my_absorbing_rewards": "the logit reward r = -l, clamped, on every step; at a termination only, add the value "
    "of the absorbing state s_a one step later, gamma r_a / (1 - gamma)",
    "my_dagger": "fit a learner on D_0; each round, let the newest learner play, have the expert label m of the states "
    "it visited, add them to everything labelled so far, and fit again",
}
"""The hints of the exercises of this section (they are part of ``HINTS``)."""
HINTS.update(MORE_HINTS)


def _scalar_with_grad(value: Any, what: str) -> torch.Tensor:
    """``value`` as a tensor of shape [] that carries a gradient, or an ``ExerciseError`` that says what it is."""
    if not isinstance(value, torch.Tensor) or not value.requires_grad:
        _fail(f"return {what} as a tensor that carries its gradient (not .item(), not a float, not under "
              "torch.no_grad()): the update calls .backward() on it")  # fmt: skip
    if value.shape != ():
        _fail(f"shapes: {what} is one number, a tensor of shape []; got {list(value.shape)}: E_t is a mean")
    return value


# ---------------------------------------------------------------- 01: PPO's clipped surrogate

SURROGATE_PROBES = [  # (ratio, advantage), with eps = 0.2: every part of the min and of the clip
    (1.1, 1.0),  # inside the band, A > 0
    (1.5, 1.0),  # above 1 + eps, A > 0: clipped, flat
    (0.5, 1.0),  # below 1 - eps, A > 0: r A is the smaller
    (0.9, -1.0),  # inside the band, A < 0
    (1.5, -1.0),  # above 1 + eps, A < 0: r A is the smaller
    (0.5, -1.0),  # below 1 - eps, A < 0: clipped, flat
]
"""The clipped surrogate's edge cases, one sample each."""


def _surrogate_variant(kind: str, r: torch.Tensor, a: torch.Tensor, eps: float) -> torch.Tensor:
    """Per sample, what a clipped surrogate with the known mistake ``kind`` computes."""
    clipped = r.clamp(1 - eps, 1 + eps) * a
    return {
        "right": torch.min(r * a, clipped),
        "no_clip": r * a,
        "no_min": clipped,
        "max": torch.max(r * a, clipped),
        "clip_product": (r * a).clamp(1 - eps, 1 + eps),
        "loss": -torch.min(r * a, clipped),
        "band_around_0": torch.min(r * a, r.clamp(-eps, eps) * a),
        "log_ratio": torch.min(r.log() * a, r.log().clamp(-eps, eps) * a),
    }[kind]


SURROGATE_MISTAKES: list[tuple[str, str]] = [
    ("no_clip", "there is no clip in yours: L^CLIP also takes clip(r_t, 1 - eps, 1 + eps) A_t, so that pushing a "
                "ratio past 1 + eps (A > 0) or below 1 - eps (A < 0) earns nothing more"),
    ("no_min", "you kept only the clipped term: the min with r_t A_t is what keeps a step that made things worse fully "
               "penalised (A < 0 and r above 1 + eps: r A, not the clipped value)"),
    ("max", "you took the max of the two terms: L^CLIP takes the min, a pessimistic bound, so that moving a ratio out "
            "of [1 - eps, 1 + eps] never looks better than it is"),
    ("clip_product", "you clipped the product r_t A_t: the clip acts on the ratio alone, clip(r_t, 1 - eps, 1 + eps), "
                     "and the result is then multiplied by A_t"),
    ("loss", "you returned the loss -L^CLIP: this function is the objective, to be maximised (the update minimises "
             "its negative)"),
    ("band_around_0", "your band is [-eps, eps]: the ratio is clipped to [1 - eps, 1 + eps], around 1, the ratio of a "
                      "policy that has not moved"),
    ("log_ratio", "you used log r_t: L^CLIP is written with the ratio itself, r_t = pi_theta / pi_old (log_ratio.exp() "
                  "in the update)"),
]  # fmt: skip
"""The known mistakes of the clipped surrogate, and what the check says of each."""


def clipped_surrogate(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``fn(ratio, advantages, clip) -> []``, L^CLIP, against ``helpers.algorithms.ppo.clipped_surrogate``:
    value and gradient with respect to the ratio."""
    from helpers.algorithms.ppo import clipped_surrogate as reference

    eps = 0.2
    r = torch.tensor([p[0] for p in SURROGATE_PROBES])
    a = torch.tensor([p[1] for p in SURROGATE_PROBES])
    with _own_random_streams(0):
        out = []
        for k in range(len(r)):  # one sample at a time: the mean of one sample is its own objective
            value = _call(fn, r[k : k + 1].clone().requires_grad_(), a[k : k + 1].clone(), eps)
            out.append(float(_scalar_with_grad(value, "L^CLIP").detach()))
        out = torch.tensor(out)
        if not _close(out, _surrogate_variant("right", r, a, eps)):
            for kind, message in SURROGATE_MISTAKES:
                if _close(out, _surrogate_variant(kind, r, a, eps)):
                    _fail(message)
            ref = _surrogate_variant("right", r, a, eps)
            k = int(torch.argmax((out - ref).abs()))
            where = "inside" if 1 - eps < r[k] < 1 + eps else "above 1 + eps" if r[k] > 1 else "below 1 - eps"
            _fail(f"for one sample with A = {a[k]:+.0f} and r = {r[k]:.1f} ({where}, eps = {eps}) L^CLIP is "
                  f"{ref[k]:+.2f}; yours is {out[k]:+.4g}")  # fmt: skip
        gen = torch.Generator().manual_seed(0)
        for _ in range(4):
            n = int(torch.randint(5, 65, (1,), generator=gen))
            ratio = (torch.randn(n, generator=gen) * 0.3).exp()
            adv = torch.randn(n, generator=gen)
            eps = round(0.05 + 0.3 * float(torch.rand(1, generator=gen)), 3)
            mine_r = ratio.clone().requires_grad_()
            value = _scalar_with_grad(_call(fn, mine_r, adv.clone(), eps), "L^CLIP")
            ref_r = ratio.clone().requires_grad_()
            ref = reference(ref_r, adv, eps)
            got, want = float(value.detach()), float(ref.detach())
            if not _close(got, want):
                if _close(got, n * want):
                    _fail(f"yours is the sum over the {n} samples: E_t is the mean, so that the step size does not "
                          "grow with the batch")  # fmt: skip
                if _close(got, float(reference(ratio, adv, 0.2))):
                    _fail(f"you clipped at 0.2 whatever clip says: with clip = {eps} the band is [1 - clip, 1 + clip]")
                _fail(f"on {n} random samples with eps = {eps} L^CLIP is {want:+.4f}; yours is {got:+.4f}")
            (grad,) = torch.autograd.grad(value, mine_r, allow_unused=True)
            (ref_grad,) = torch.autograd.grad(ref, ref_r)
            if grad is None or not _close(grad, ref_grad):
                _fail("L^CLIP has the right value but not the right gradient with respect to the ratio: compute it "
                      "from ratio itself (no .detach(), no .item()), so that the update can follow it")  # fmt: skip
    _praise("L^CLIP is right: the min of r A and clip(r) A, averaged; flat (no gradient) once a ratio has moved "
            "past the band in A's direction")  # fmt: skip


# ---------------------------------------------------------------- 02: a rollout, terminated apart from truncated

ROLLOUT_KEYS = ("s", "a", "s2", "term", "trunc")
"""The rollout's five tensors, one row per step t: GAE's layout (notebook 01)."""


class _WatchedEnv(gym.Wrapper):
    """Logs every reset and step a learner's loop makes, and refuses a step after the episode ended."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.resets: list[tuple[Any, np.ndarray]] = []  # (the seed passed, the start state)
        self.steps: list[tuple[np.ndarray, int, np.ndarray, bool, bool]] = []  # (s, a, s', terminated, truncated)
        self.obs, self.ended = None, None

    def reset(self, **kwargs: Any) -> tuple:
        """Reset, and log the seed and the start state."""
        obs, info = self.env.reset(**kwargs)
        self.resets.append((kwargs.get("seed"), obs.copy()))
        self.obs, self.ended = obs.copy(), None
        return obs, info

    def step(self, action: Any) -> tuple:
        """Step, unless the episode has already ended; log the step."""
        if self.ended:
            raise _SteppedPastTheEnd(self.ended)
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps.append((self.obs, int(action), obs.copy(), bool(terminated), bool(truncated)))
        self.obs = obs.copy()
        self.ended = "the pole fell: terminated" if terminated else "the step cap: truncated" if truncated else None
        return obs, reward, terminated, truncated, info


class _Skewed(nn.Module):
    """A policy that pushes right with probability 3/4 in every state (logits [0, log 3]): its pole soon falls."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Logits [N, 2]."""
        return torch.tensor([0.0, float(np.log(3.0))]).expand(len(states), 2)


class _Balancer(nn.Module):
    """Notebook 01's hand controller as sure logits (+-8): its sampled episodes keep the pole up."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Logits [N, 2] favouring the push toward where the pole is falling."""
        x, x_dot, theta, theta_dot = states.T
        u = torch.where(theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot > 0, 1.0, -1.0)
        return torch.stack([-8 * u, 8 * u], -1)


def _rollout_rows(out: Any) -> dict[str, torch.Tensor]:
    """The learner's rollout as five tensors with one row per step, or an ``ExerciseError`` on its layout."""
    if not isinstance(out, dict) or set(ROLLOUT_KEYS) - set(out):
        got = sorted(out) if isinstance(out, dict) else type(out).__name__
        _fail(f"return a dict with the keys {list(ROLLOUT_KEYS)}, one row per step; got {got}")
    rows = {k: torch.as_tensor(np.asarray(out[k]) if isinstance(out[k], list) else out[k]) for k in ROLLOUT_KEYS}
    n = len(rows["s"])
    for k, shape in [("s", (n, 4)), ("s2", (n, 4))]:
        if tuple(rows[k].shape) != shape:
            _fail(f"shapes: {k} must be [T, 4], one state per step; got {list(rows[k].shape)}")
    for k in ("a", "term", "trunc"):
        if rows[k].numel() != n:
            _fail(f"shapes: {k} must hold one entry per step, {n} like s; got {list(rows[k].shape)}")
        rows[k] = rows[k].reshape(n)
    if rows["a"].is_floating_point():
        _fail("shapes: a must hold the actions as integers (int64), 0 = push left, 1 = push right")
    for k in ("term", "trunc"):
        if rows[k].is_floating_point() or not set(rows[k].tolist()) <= {0, 1}:
            _fail(f"{k} must be True or False on each step (a bool tensor)")
        rows[k] = rows[k].bool()
    return rows


def _check_rollout(fn: Callable, policy: nn.Module, cap: int, n_episodes: int, seed: int) -> dict[str, torch.Tensor]:
    """Run the learner's rollout in a watched CartPole capped at ``cap``; compare its rows with what was played."""
    env = _WatchedEnv(make_env(max_steps=cap))
    try:
        out = _call(fn, env, policy, n_episodes, seed)
    except _SteppedPastTheEnd as exc:
        _fail(f"your loop stepped an episode that had ended ({exc}): at terminated OR truncated, reset the "
              "environment before the next step")  # fmt: skip
    rows = _rollout_rows(out)
    played = env.steps
    n, t_played = len(rows["s"]), len(played)
    if n != t_played:
        _fail(f"your loop played {t_played} steps and recorded {n}: one row per step, every step of every episode")
    s_played = torch.as_tensor(np.array([p[0] for p in played]))
    a_played = torch.tensor([p[1] for p in played])
    s2_played = torch.as_tensor(np.array([p[2] for p in played]))
    term_played = torch.tensor([p[3] for p in played])
    trunc_played = torch.tensor([p[4] for p in played])
    ends = int((term_played | trunc_played).sum())
    if ends != n_episodes or not (term_played | trunc_played)[-1]:
        _fail(f"asked for {n_episodes} episodes, your loop played {ends} to their end: stop once the last one has "
              "ended (terminated or truncated)")  # fmt: skip
    if not env.resets or env.resets[0][0] != seed:
        _fail("the first episode starts from env.reset(seed=seed), so that the same seed plays the same episodes")
    starts = [r[1] for r in env.resets]
    if len(starts) > 1 and all(np.array_equal(x, starts[0]) for x in starts[1:]):
        _fail("every episode starts from the same state: you reset with the same seed each time; seed the first "
              "reset only (env.reset() then continues the random stream), or use a new seed per episode")  # fmt: skip
    s, s2 = rows["s"].float(), rows["s2"].float()
    if not torch.equal(s2, s2_played.float()):
        if torch.equal(s2, s_played.float()):
            _fail("s2 is the state the step led to (the observation env.step returns), not the state it started from")
        _fail("s2 must be the observation each env.step returned, the state s_{t+1} the step led to")
    if not torch.equal(s, s_played.float()):
        if torch.equal(s, s2_played.float()):
            _fail("each row's s is the state in which its action was chosen; yours is the state the step led to, "
                  "one step late")  # fmt: skip
        _fail("s must be the state each action was chosen in: the start state after a reset, then each step's s'")
    if not torch.equal(rows["a"].long(), a_played):
        _fail("the actions you recorded are not the ones you passed to env.step")
    term, trunc = rows["term"], rows["trunc"]
    if not (torch.equal(term, term_played) and torch.equal(trunc, trunc_played)):
        done = term_played | trunc_played
        if torch.equal(term, done) and trunc_played.any():
            _fail("you marked the step cap as a fall: at the cap the pole is still up, so that step is truncated, not "
                  "terminated (its future is still worth V(s'), notebook 01)")  # fmt: skip
        if torch.equal(trunc, done) and term_played.any():
            _fail("you marked a fall as a truncation: when the pole falls the episode is terminated, its future is "
                  "worth 0; truncated is only for the step cap")  # fmt: skip
        if torch.equal(term, trunc_played) and torch.equal(trunc, term_played):
            _fail("your terminated and truncated are swapped: terminated = the pole fell, truncated = the cap")
        _fail("terminated and truncated must be True exactly on the steps where env.step said so, and False elsewhere")
    return rows


def rollout(fn: Callable[..., dict[str, torch.Tensor]]) -> None:
    """Check ``fn(env, policy, n_episodes, seed) -> {"s", "a", "s2", "term", "trunc"}``: sampled episodes, one after
    the other, against what the environment really played (a watched CartPole), with falls and truncations."""
    with _own_random_streams(0):
        rows = _check_rollout(fn, _Skewed(), cap=14, n_episodes=20, seed=12)  # about 3 in 5 fall, the others: the cap
        _check_rollout(fn, _Balancer(), cap=30, n_episodes=3, seed=11)  # every episode reaches the cap
    right = float(rows["a"].float().mean())
    if right > 0.97:
        _fail("every action is the policy's favourite: you took argmax_a pi(a|s); a rollout SAMPLES a ~ pi(.|s), "
              "as PPO plays while it learns")  # fmt: skip
    if right < 0.65:
        _fail(f"a policy that pushes right with probability 3/4 pushed right on {right:.0%} of your steps: "
              "pi(.|s) is the softmax of the policy's logits; sample from it (Categorical(logits=...))")  # fmt: skip
    _praise("the rollout is right: sampled actions, (s, a, s') per step, a fall terminated, the cap truncated, and a "
            "fresh start after each end")  # fmt: skip


# ---------------------------------------------------------------- 03: D's loss where D is sure (extreme logits)


class _SureLogits(nn.Module):
    """A stand-in discriminator whose logit is ``scale * x`` (the cart's position column): states chosen with x = +-200
    give a D that is sure, rightly or wrongly; ``scale`` (1) carries the gradient."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Logits [N] = scale * x."""
        return self.scale * states[:, 0] + 0.0 * actions.reshape(-1)


SURE_EXPERT_LOGITS, SURE_OTHER_LOGITS = (200.0, -200.0, -1.0), (-200.0, 200.0, 1.0)
"""The logits of the extreme case: on each side one pair D calls wrongly and surely, one rightly and surely, one
unsure. A pair wrongly and surely called costs 200 on the logits; log(sigmoid(l)) of it is -inf, and
F.binary_cross_entropy on probabilities clamps it to 100."""


def _disc_loss_extremes(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``fn(disc, expert_s, expert_a, other_s, other_a)`` where D is sure (logits +-200): finite, not clamped,
    with the gradient of the loss on the logits."""
    disc = _SureLogits()

    def pairs(logits: tuple[float, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        s = torch.zeros(len(logits), 4)
        s[:, 0] = torch.tensor(logits)
        return s, torch.zeros(len(logits), dtype=torch.int64)

    (es, ea), (os_, oa) = pairs(SURE_EXPERT_LOGITS), pairs(SURE_OTHER_LOGITS)
    value = _call(fn, disc, es, ea, os_, oa)
    if not isinstance(value, torch.Tensor) or not value.requires_grad or value.shape != ():
        _fail("where D is sure (logits of +-200) your loss is not a one-number tensor with a gradient")
    le, lo = disc(es, ea), disc(os_, oa)
    ref = F.binary_cross_entropy_with_logits(le, torch.zeros_like(le)) + F.binary_cross_entropy_with_logits(
        lo, torch.ones_like(lo)
    )
    got, want = float(value.detach()), float(ref.detach())
    if not np.isfinite(got):
        _fail(f"where D is sure and wrong (the logit l = 200 on an expert pair, D rounds to 1) your loss is {got}: "
              "log(1 - D) of a rounded D is log 0. Compute on the logits, which never round: -log(1 - D) = "
              "softplus(l) and -log D = softplus(-l), as binary_cross_entropy_with_logits does")  # fmt: skip
    if not _close(got, want):
        with torch.no_grad():
            clamped = F.binary_cross_entropy(torch.sigmoid(le), torch.zeros_like(le)) + F.binary_cross_entropy(
                torch.sigmoid(lo), torch.ones_like(lo)
            )
        if _close(got, float(clamped)):
            _fail(f"where D is sure and wrong (l = +-200) the loss is {want:.1f}; yours stops at {got:.1f}: "
                  "F.binary_cross_entropy on probabilities clamps each log at -100. On the logits the loss keeps "
                  "growing with the mistake (binary_cross_entropy_with_logits)")  # fmt: skip
        _fail(f"where D is sure and wrong (l = +-200) the loss is {want:.1f}; yours is {got:.4g}: a small number "
              "added inside a log, or a D rounded to 0 or 1, caps it. Compute on the logits: softplus(l) for the "
              "expert's pairs, softplus(-l) for the others")  # fmt: skip
    (grad,) = torch.autograd.grad(value, disc.scale, allow_unused=True)
    (ref_grad,) = torch.autograd.grad(ref, disc.scale)
    if grad is None or not torch.isfinite(grad) or not _close(grad, ref_grad):
        _fail("where D is sure (l = +-200) your loss has the right value but its gradient is "
              f"{'missing' if grad is None else float(grad)}: compute it on the logits all the way "
              "(binary_cross_entropy_with_logits, softplus, logsigmoid)")  # fmt: skip


# ---------------------------------------------------------------- 05: the absorbing-state reward


class _AbsorbingLogits(nn.Module):
    """A stand-in absorbing discriminator: logit ``3 x + a / 4 + 0.4`` for a pair, ``l_a`` for the absorbing sample
    (action ``ABSORBING``, whatever the state): logits inside and outside the clamp, an absorbing logit of its own."""

    def __init__(self, l_a: float) -> None:
        super().__init__()
        self.l_a = l_a

    def forward(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Logits [N]."""
        from helpers.algorithms.absorbing import ABSORBING

        a = actions.reshape(-1)
        pair = 3.0 * states[:, 0] + 0.25 * a.float() + 0.4
        return torch.where(a == ABSORBING, torch.full_like(pair, self.l_a), pair)


def _absorbing_batch(gen: torch.Generator) -> Episode:
    """Three short episodes one after the other: a fall after 3 steps, the cap after 2, a fall after 3."""
    n = 8
    states = torch.zeros(n, 4)
    states[:, 0] = torch.linspace(-1.0, 1.0, n)[torch.randperm(n, generator=gen)]  # logits 3x from -3 to 3
    states[:, 1:] = torch.randn(n, 3, generator=gen) * 0.1
    actions = torch.randint(0, 2, (n,), generator=gen)
    term, trunc = torch.zeros(n, dtype=torch.bool), torch.zeros(n, dtype=torch.bool)
    term[2], trunc[4], term[7] = True, True, True
    return Episode(states, actions, torch.ones(n), states + 0.01, term, trunc)


def _absorbing_variant(kind: str, disc: nn.Module, batch: Episode, gamma: float, clip: float) -> tuple[Any, float]:
    """What an absorbing reward with the known mistake ``kind`` returns: (rewards, r_a)."""
    from helpers.algorithms.absorbing import ABSORBING

    with torch.no_grad():
        l_pair = disc(batch.states, batch.actions)
        zero = batch.states.new_zeros(1, 4)
        l_abs = float(disc(zero, torch.tensor([ABSORBING]))[0])
        if kind == "no_flag":
            l_abs = float(disc(zero, torch.tensor([0]))[0])
        c = (lambda v: v) if kind == "no_clamp" else (lambda v: v.clamp(-clip, clip))
        c_a = (lambda v: v) if kind in ("no_clamp", "no_clamp_r_a") else (lambda v: max(-clip, min(clip, v)))
        if kind == "neg_log_d":
            r, r_a = F.softplus(-c(l_pair)), float(F.softplus(torch.tensor(-c_a(l_abs))))
        elif kind == "sign":
            r, r_a = c(l_pair), c_a(l_abs)
        else:
            r, r_a = -c(l_pair), -c_a(l_abs)
        term, done = batch.terminated.float(), (batch.terminated | batch.truncated).float()
        value = r_a / (1 - gamma)
        extra = {
            "trunc_too": done * gamma * value,
            "every_step": torch.full_like(r, gamma * value),
            "no_gamma": term * value,
            "no_value": term * gamma * r_a,
            "r_a_only": term * r_a,
        }.get(kind, term * gamma * value)
        if kind == "replace":
            return torch.where(batch.terminated, gamma * value, r), r_a
        return r + extra, r_a


ABSORBING_R_A_MISTAKES: list[tuple[str, str]] = [
    ("no_flag", "your r_a is read from a zero state with a real action: s_a is the zero state with the absorbing "
                "flag, action ABSORBING, which D tells apart from any real pair"),
    ("sign", "your rewards have the wrong sign: the logit reward is log(1 - D) - log D = -l (D = P(student)), "
             "positive where the pair looks like the expert's"),
    ("neg_log_d", "you paid -log D = softplus(-l): this student is paid the logit reward, log(1 - D) - log D = -l, "
                  "so that r_a can go negative and falling can cost"),
    ("no_clamp", "you did not clamp the logits: they are clamped to [-clip, clip] first, the absorbing one too, which "
                 "bounds |V(s_a)| by clip / (1 - gamma)"),
    ("no_clamp_r_a", "the absorbing logit is clamped like the others: unclamped, r_a / (1 - gamma) can grow without "
                     "bound"),
]  # fmt: skip
"""The known mistakes that show in r_a, and what the check says of each."""
ABSORBING_MISTAKES: list[tuple[str, str]] = [
    ("trunc_too", "you added V(s_a) at a truncation too: the cap stopped the clock, the episode did not end, so no "
                  "absorbing state follows (GAE bootstraps V(s') there instead)"),
    ("every_step", "you added the absorbing value on every step: only a terminated step moves to s_a"),
    ("no_gamma", "s_a comes one step after the terminated step: add gamma V(s_a) = gamma r_a / (1 - gamma), "
                 "discounted once"),
    ("no_value", "the episode stays in s_a forever: its value is V(s_a) = r_a + gamma r_a + ... = r_a / (1 - gamma), "
                 "not one r_a"),
    ("r_a_only", "the episode stays in s_a forever: add gamma V(s_a) = gamma r_a / (1 - gamma), not one r_a"),
    ("replace", "the terminated step keeps its own reward r_t and adds gamma V(s_a): r'_t = r_t + gamma r_a / "
                "(1 - gamma)"),
    *ABSORBING_R_A_MISTAKES,
]  # fmt: skip
"""The known mistakes of the absorbing-state reward, and what the check says of each."""


def _absorbing_out(out: Any, n: int) -> tuple[torch.Tensor, float]:
    """The learner's (rewards, r_a), or an ``ExerciseError`` on their layout."""
    if not isinstance(out, tuple | list) or len(out) != 2:
        _fail(f"return the pair (rewards, r_a); got {type(out).__name__}")
    rewards = _tensor(out[0], "one reward per step", (n,))
    if rewards.requires_grad:
        _fail("the rewards carry a gradient: the student is not trained through D (decorate with @torch.no_grad())")
    try:
        r_a = float(out[1])
    except (TypeError, ValueError, RuntimeError):
        _fail(f"r_a is one number, the absorbing state's reward; got {type(out[1]).__name__}")
    return rewards.detach().float(), r_a


def absorbing_rewards(fn: Callable[..., tuple[torch.Tensor, float]]) -> None:
    """Check ``fn(disc, batch, gamma, clip) -> (rewards, r_a)``, the logit reward with gamma V(s_a) folded into each
    terminated step, against ``helpers.algorithms.absorbing.absorbing_rewards``."""
    from helpers.algorithms.absorbing import AbsorbingDiscriminator
    from helpers.algorithms.absorbing import absorbing_rewards as reference

    gen = torch.Generator().manual_seed(0)
    batch = _absorbing_batch(gen)
    for l_a, gamma, clip in [(1.2, 0.9, 2.0), (5.0, 0.8, 2.0)]:  # an absorbing logit inside the clamp, then outside
        disc = _AbsorbingLogits(l_a)
        rewards, r_a = _absorbing_out(_call(fn, disc, batch, gamma, clip), len(batch))
        ref, ref_a = reference(disc, batch, gamma, "logit", clip)
        if not _close(r_a, ref_a):
            variants = [(_absorbing_variant(kind, disc, batch, gamma, clip), m) for kind, m in ABSORBING_R_A_MISTAKES]
            for (v_rewards, v_r_a), message in variants:  # r_a and the rewards both as the mistake makes them
                if _close(r_a, v_r_a) and _close(rewards, v_rewards):
                    _fail(message)
            for (_, v_r_a), message in variants:
                if _close(r_a, v_r_a):
                    _fail(message)
            _fail(f"with the absorbing logit l(s_a) = {l_a} and the clamp at {clip}, r_a = {ref_a:+.2f}; "
                  f"yours is {r_a:+.4g}")  # fmt: skip
        if not _close(rewards, ref):
            for kind, message in ABSORBING_MISTAKES:
                if _close(rewards, _absorbing_variant(kind, disc, batch, gamma, clip)[0]):
                    _fail(message)
            t = int(torch.argmax((rewards - ref).abs()))
            where = "a fall's step" if batch.terminated[t] else "a truncated step" if batch.truncated[t] else "a step"
            _fail(f"at t = {t} ({where}) the reward is {float(ref[t]):+.4f}; yours is {float(rewards[t]):+.4f}")
    with _own_random_streams(0):
        disc = AbsorbingDiscriminator(16)
        coin = play_batch(CartPoleBatch(6, max_steps=25), lambda s: torch.zeros(len(s), 2), seed=0)
        batch = concat_episodes(coin)
        disc.set_normalization(batch.states)
        for gamma, clip in [(0.98, 2.0), (0.9, 0.5)]:
            rewards, r_a = _absorbing_out(_call(fn, disc, batch, gamma, clip), len(batch))
            ref, ref_a = reference(disc, batch, gamma, "logit", clip)
            if not (_close(rewards, ref) and _close(r_a, ref_a)):
                _fail(f"on a real absorbing discriminator and a coin's episodes (gamma = {gamma}, clip = {clip}) your "
                      "rewards differ from r_t + terminated_t gamma r_a / (1 - gamma)")  # fmt: skip
    _praise("the absorbing-state reward is right: -l clamped on every step, and gamma r_a / (1 - gamma) added where "
            "the pole fell, never at the cap")  # fmt: skip


# ---------------------------------------------------------------- 06: the DAgger loop


def _lean(states: torch.Tensor) -> torch.Tensor:
    """+1 where the pole falls right (theta + theta_dot / 2 > 0), -1 where it falls left."""
    return torch.where(states[:, 2] + 0.5 * states[:, 3] > 0, 1.0, -1.0)


class _Teacher(nn.Module):
    """A stand-in expert that pushes toward where the pole falls, barely surer than a coin (logits +-0.1): its argmax
    is its decision, a sample from it often is not."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Logits [N, 2]."""
        u = 0.1 * _lean(states)
        return torch.stack([-u, u], -1)


class _Pupil(nn.Module):
    """A stand-in learner, the ``index``-th that ``fit`` returned: it pushes the wrong way, surely."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Logits [N, 2] favouring the push away from where the pole falls."""
        u = -5.0 * _lean(states)
        return torch.stack([-u, u], -1)


class _DaggerPieces:
    """The pieces a learner's DAgger calls, logging every call: ``fit`` (returns a new ``_Pupil``) and ``play``
    (returns fresh visited states, different in each round)."""

    def __init__(self, gen: torch.Generator, visited: int = 24) -> None:
        self.gen, self.visited = gen, visited
        self.fits: list[tuple[torch.Tensor, torch.Tensor, _Pupil]] = []
        self.plays: list[tuple[Any, torch.Tensor]] = []

    def fit(self, states: Any, actions: Any) -> _Pupil:
        """Log the data set and return a new learner."""
        s = torch.as_tensor(states).detach().clone().float()
        a = torch.as_tensor(actions).detach().clone()
        if s.dim() != 2 or s.shape[1] != 4 or a.numel() != len(s):
            _fail(f"fit takes the states [N, 4] and the expert's actions, one per state; got {list(s.shape)} and "
                  f"{list(a.shape)}")  # fmt: skip
        pupil = _Pupil(len(self.fits))
        self.fits.append((s, a.reshape(-1).long(), pupil))
        return pupil

    def play(self, policy: Any) -> torch.Tensor:
        """Log who played and return the states it visited: [visited, 4], a pole leaning either way."""
        states = torch.randn(self.visited, 4, generator=self.gen) * torch.tensor([0.8, 0.5, 0.1, 0.5])
        self.plays.append((policy, states.clone()))
        return states


def _rows(states: torch.Tensor, actions: torch.Tensor) -> list[tuple]:
    """A data set as a sorted list of (state, action) rows, to compare data sets whatever their order."""
    return sorted(zip(map(tuple, states.tolist()), actions.tolist(), strict=True))


def _contains(big: list[tuple], small: list[tuple]) -> bool:
    """Every row of ``small`` is in ``big``, as many times as in ``small``."""
    from collections import Counter

    return not (Counter(small) - Counter(big))


def dagger(fn: Callable[..., tuple[nn.Module, torch.Tensor, torch.Tensor]]) -> None:
    """Check ``fn(d0_states, d0_actions, expert, play, fit, per_round) -> (policy, states, actions)``, the DAgger
    loop, with stand-ins for its pieces that log every call: who plays each round, what is labelled and by whom, what
    each learner is fitted on, and what comes back."""
    with _own_random_streams(0):
        gen = torch.Generator().manual_seed(0)
        teacher, pieces = _Teacher(), _DaggerPieces(gen)
        d0_s = torch.randn(6, 4, generator=gen) * torch.tensor([0.8, 0.5, 0.1, 0.5])
        d0_a = teacher(d0_s).argmax(-1, keepdim=True)
        per_round = [6, 5]
        out = _call(fn, d0_s.clone(), d0_a.clone(), teacher, pieces.play, pieces.fit, list(per_round))
    fits, plays = pieces.fits, pieces.plays
    if not fits:
        _fail("no learner was fitted: pi_1 = fit(D_0), then a new fit after each round")
    if _rows(fits[0][0], fits[0][1]) != _rows(d0_s, d0_a.reshape(-1)):
        _fail("the first learner pi_1 is fitted on D_0 alone, the expert's pairs you are given")
    if len(plays) != len(per_round):
        _fail(f"per_round asks for {len(per_round)} rounds, and each round starts with the newest learner playing "
              f"(play(policy) returns the states it visited); your loop called play {len(plays)} time(s)")  # fmt: skip
    if len(fits) != len(per_round) + 1:
        _fail(f"fit once on D_0 and once after each round, on the aggregated data set: {len(per_round) + 1} fits; "
              f"yours made {len(fits)}")  # fmt: skip
    for i, (player, visited) in enumerate(plays):
        if player is not fits[i][2]:
            if i > 0 and player is fits[0][2]:
                _fail("you let the first learner play every round: round i is played by pi_i, the learner fitted on "
                      "everything labelled so far (D_{i-1}), so that the expert labels the states THIS learner "
                      "reaches")  # fmt: skip
            _fail(f"round {i + 1} must be played by the learner fitted just before it (pi_{i + 1})")
        before, after = _rows(*fits[i][:2]), _rows(*fits[i + 1][:2])
        if not _contains(after, before):
            _fail("you replaced the data set: DAgger aggregates, D_i = D_{i-1} + the new pairs, every earlier label "
                  "kept (the demo's and earlier rounds')")  # fmt: skip
        new = _minus(after, before)
        if len(new) != per_round[i]:
            if len(new) == len(visited):
                _fail(f"you labelled every state the learner visited: round {i + 1} asks the expert for "
                      f"m_{i + 1} = per_round[{i}] = {per_round[i]} labels of them")  # fmt: skip
            _fail(f"round {i + 1} adds m_{i + 1} = {per_round[i]} labels to the data set; yours added {len(new)}")
        seen = {tuple(s) for s in visited.tolist()}
        if not all(s in seen for s, _ in new):
            _fail(f"the labels of round {i + 1} must be of states its learner visited (what play returned): "
                  "DAgger asks the expert about the learner's states, not the demo's")  # fmt: skip
        states = torch.tensor([s for s, _ in new])
        labels = torch.tensor([a for _, a in new])
        if not torch.equal(labels, teacher(states).argmax(-1)):
            if torch.equal(labels, player(states).argmax(-1)):
                _fail("you labelled the states with the learner's own actions: DAgger asks the EXPERT what it would "
                      "do there, a = argmax_a pi_E(a|s)")  # fmt: skip
            _fail("the expert's label is its decision, a = argmax_a pi_E(a|s), not a sample from pi_E(.|s)")
    if not isinstance(out, tuple | list) or len(out) != 3:
        _fail(f"return the triple (policy, states, actions); got {type(out).__name__}")
    if out[0] is not fits[-1][2]:
        _fail("return the learner fitted last, on the whole aggregated data set D_N")
    try:
        got = _rows(torch.as_tensor(out[1]).float(), torch.as_tensor(out[2]).reshape(-1).long())
    except (TypeError, ValueError, RuntimeError):
        _fail("return the aggregated data set as states [N, 4] and actions, one per state")
    if got != _rows(*fits[-1][:2]):
        _fail("return the aggregated data set D_N, the states and actions the last learner was fitted on")
    _praise("the DAgger loop is right: the newest learner plays, the expert labels m_i of its states, every label is "
            "kept, and a new learner is fitted each round")  # fmt: skip


def _minus(big: list[tuple], small: list[tuple]) -> list[tuple]:
    """The rows of ``big`` that are not in ``small`` (as multisets)."""
    from collections import Counter

    return list((Counter(big) - Counter(small)).elements())


# ================================================================ 08: the same state answered both ways (issue 30)

HINTS_08 = {
    "my_conflicting_pushes": "distances between every two states (torch.cdist), the diagonal masked with inf, argmin "
    "per row; then the share of states whose nearest other state got the other push",
}
"""The hint of notebook 08's exercise (part of ``HINTS``)."""
HINTS.update(HINTS_08)


def _planted_pushes() -> tuple[torch.Tensor, torch.Tensor]:
    """Five pairs of near-twin states far from each other, recorded out of order: in two pairs the twins got
    different pushes, so the share is 4/10; the states next in time are never the twins."""
    gen = torch.Generator().manual_seed(12)  # a seed on which every mistake below gives a share of its own
    centres = torch.randn(5, 4, generator=gen) * torch.tensor([1.0, 1.0, 0.1, 1.0])
    twins = torch.cat([centres, centres + 0.01 * torch.randn(5, 4, generator=gen)])  # twin of row k: row k + 5
    actions = torch.tensor([1, 0, 1, 1, 0, 0, 1, 1, 1, 0])  # rows 0-4 then their twins: pairs 0 and 1 disagree
    order = torch.tensor([0, 3, 6, 1, 4, 7, 2, 8, 5, 9])  # twins (k, k + 5) never side by side in time
    return twins[order], actions[order].reshape(-1, 1)


def _random_pushes(n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` random CartPole-like states (float32 [n, 4]) and pushes (int64 [n, 1])."""
    states = torch.randn(n, 4, generator=gen) * torch.tensor([0.8, 0.5, 0.05, 0.5])
    return states, torch.randint(0, 2, (n, 1), generator=gen)


def _pushes_variant(kind: str, states: torch.Tensor, actions: torch.Tensor) -> float:
    """What a share of conflicting pushes with the known mistake ``kind`` computes."""
    from helpers.core.demos import conflicting_pushes

    s, a = states.double(), actions.reshape(-1)
    distance = torch.cdist(s, s)
    if kind == "right":
        return conflicting_pushes(states, actions)
    if kind == "self":  # no mask: each state is its own nearest
        return float((a[distance.argmin(1)] != a).double().mean())
    if kind == "count":
        return float(len(a) * conflicting_pushes(states, actions))
    if kind == "agree":
        return 1.0 - conflicting_pushes(states, actions)
    if kind == "farthest":
        return float((a[distance.argmax(1)] != a).double().mean())
    if kind == "broadcast":  # actions [N, 1] against the neighbours' [N]: an N x N table
        distance.fill_diagonal_(float("inf"))
        return float((a[distance.argmin(1)] != actions).double().mean())
    if kind == "next_in_time":
        return float((a[1:] != a[:-1]).double().mean())
    if kind == "standardised":
        return conflicting_pushes(states / states.std(0), actions)
    raise ValueError(kind)


PUSHES_MISTAKES: list[tuple[str, str]] = [
    ("self", "each state came out as its own nearest state (distance 0), so no push can ever differ: mask the "
             "diagonal first (d.fill_diagonal_(float('inf'))), the nearest OTHER state is the question"),
    ("count", "yours is a count of states: return the share, the count divided by the number of states N"),
    ("agree", "yours is the share of states whose nearest other state got the SAME push: count where the two "
              "pushes differ"),
    ("farthest", "you took the farthest state (argmax of the distances): the nearest other state is the argmin"),
    ("broadcast", "actions has shape [N, 1]: compared with the neighbours' pushes of shape [N] it broadcast to an "
                  "N x N table; flatten it first (actions.reshape(-1) or actions[:, 0])"),
    ("next_in_time", "you compared each state with the next one in time: the nearest state is the one at the "
                     "smallest Euclidean distance, wherever the demonstration recorded it"),
    ("standardised", "you rescaled the states: measure the Euclidean distance on the states as recorded"),
]  # fmt: skip
"""The known mistakes of the conflicting pushes, and what the check says of each."""


def _share(out: Any) -> float:
    """The learner's answer as one float, or an ``ExerciseError`` that says what it is."""
    if isinstance(out, torch.Tensor | np.ndarray) and out.ndim > 0:
        _fail(f"return one number, the share over all states; got an array of shape {list(out.shape)} (the mean "
              "of the per-state flags is the share)")  # fmt: skip
    if isinstance(out, str | bytes):
        _fail(f"return one number, the share of states; got {type(out).__name__}")
    try:
        value = float(out)
    except (TypeError, ValueError, RuntimeError):
        _fail(f"return one number, the share of states; got {type(out).__name__}")
    if not np.isfinite(value):
        _fail(f"the share is a number between 0 and 1; yours is {value}")
    return value


def conflicting_pushes(fn: Callable[..., float]) -> None:
    """Check ``fn(states [N, 4], actions [N, 1]) -> float``, the share of states whose nearest other state (Euclidean)
    got the other push, against ``helpers.core.demos.conflicting_pushes``: first on planted near-twins recorded out of
    order, then on random states. Squared distances, loops or a vectorised form all pass. Ties (two other states
    exactly as near) do not occur with these float states, nor in practice with a demonstration's."""

    def judge(states: torch.Tensor, actions: torch.Tensor, where: str, otherwise: str) -> None:
        """Fail, naming the mistake if it is a known one (after ``where``), unless ``fn`` gives the right share."""
        got = _share(_call(fn, states.clone(), actions.clone()))
        want = _pushes_variant("right", states, actions)
        if not _close(got, want):
            for kind, message in PUSHES_MISTAKES:
                if _close(got, _pushes_variant(kind, states, actions)):
                    _fail(where + message)
            _fail(otherwise.format(want=want, got=got))

    with _own_random_streams(0):
        judge(*_planted_pushes(), "", "on five pairs of near-twin states, two pairs answered both ways, the share is "
              "{want:.2f}; yours is {got:.4g}")  # fmt: skip
        gen = torch.Generator().manual_seed(0)
        for n in (2, 3, 17, 200):
            judge(*_random_pushes(n, gen), f"on {n} random states: ",
                  f"on {n} random states the share is {{want:.4f}}; yours is {{got:.4g}}")  # fmt: skip
    _praise("the share of conflicting pushes is right: each state's nearest other state, and how often its push "
            "differs")  # fmt: skip
