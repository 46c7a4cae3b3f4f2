"""Checks of the coding exercises of notebooks 01-04 and 07: instant, specific feedback on a learner's function.

Each notebook cell ``check.gae(my_gae)`` (``from helpers.teaching import exercises as check``) calls the learner's
function on edge cases chosen to tell the known mistakes apart, then on random inputs, and compares with the series' own
implementation (``helpers.gae``, ``helpers.habit_reward``, ...). A right answer earns one printed line; a wrong one
raises ``ExerciseError`` (an ``AssertionError``) that says what is wrong in the words of the lesson. A function that
still raises ``NotImplementedError`` (the student edition's stub) raises ``ExerciseNotDone`` with the exercise's hint.

The checks draw their random inputs from their own generators and put torch's, NumPy's and Python's random streams
back as they found them, so a notebook computes the same numbers with or without its checks.
"""

from __future__ import annotations

import contextlib
import copy
import math
import random
from collections.abc import Callable, Iterator
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from helpers.algorithms.bc import gaussian_bc_loss as _gaussian_bc_loss
from helpers.algorithms.discriminator import Discriminator, discriminator_loss, update_discriminator
from helpers.algorithms.discriminator import gail_reward as _gail_reward
from helpers.algorithms.gail import GAILConfig
from helpers.algorithms.ppo import PPO
from helpers.algorithms.ppo import gae as _gae
from helpers.core.env import HABIT_RAMP, MAX_STEPS, CartPoleBatch, make_env
from helpers.core.env import habit_reward as _habit_reward
from helpers.core.networks import GaussianPolicy
from helpers.core.optim import Adam
from helpers.core.rollout import HABIT_WINDOW, Episode, concat_episodes, play_batch, play_episode
from helpers.core.rollout import habit_of as _habit_of

HINTS = {
    "my_habit_reward": "return 1 - 0.25 * min(|x - HABIT_X|, 2) for every x, with NumPy (np.abs, np.minimum)",
    "my_gae": "compute delta_t for every step, then A_t backwards from the last step; done_t = terminated or truncated",
    "my_record_demo": "reset env with the seed, then push argmax_a pi(a|s) until terminated or truncated",
    "my_habit_of": "the mean of column 0 (the cart's x) over the last 100 rows of states",
    "my_features": "standardise the states with the statistics kept in disc, then append the one-hot actions",
    "my_disc_loss": "binary_cross_entropy_with_logits on disc's logits: expert pairs labelled 0, the others 1",
    "reward": "-log D(s, a) = softplus(-l(s, a)), from the logit l = disc(s, a)",
    "gail_iteration": "D's DISC_STEPS steps of disc_step, then the rewards from reward(), then one ppo_update",
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


# ---------------------------------------------------------------- 01: the habit reward and GAE


def habit_reward(fn: Callable[[np.ndarray], np.ndarray], habit_x: float | None) -> None:
    """Check ``fn(x)``, r(x) = 1 - 0.25 min(|x - x*|, 2) with x* = ``habit_x``, against ``helpers.habit_reward``."""
    if habit_x is None:
        print("HABIT_X is None: plain CartPole pays 1 a step, there is no habit reward to check")
        return
    far = habit_x - 3.0 if habit_x > 0 else habit_x + 3.0
    probes = np.array([habit_x, habit_x + 1.0, habit_x - 1.0, far, 0.0])
    out = np.asarray(_call(fn, probes.copy()), dtype=np.float64)
    if out.shape != probes.shape:
        _fail(f"shapes: expected one reward per position, an array of shape {probes.shape}; got {out.shape}")
    at_mark, right, left, at_far, at_centre = out
    if not _close(at_mark, 1.0):
        if _close(at_centre, 1.0):
            _fail(f"you measured the distance from the centre of the track (x = 0): the reward is highest at the mark, "
                  f"x* = HABIT_X = {habit_x}, so use |x - x*|")  # fmt: skip
        _fail(f"at the mark itself (x = x* = {habit_x}) a step pays 1; yours pays {at_mark:.4g}")
    if _close(right, 0.75) and not _close(left, 0.75):
        _fail(f"a metre left of the mark your reward is {left:.4g}, not 0.75: the distance is |x - x*|, you forgot the "
              "absolute value")  # fmt: skip
    if _close(right, 1.25):
        _fail("your reward grows away from the mark: it is 1 MINUS 0.25 per metre of distance")
    if not _close(right, 0.75):
        _fail(f"a metre from the mark a step pays 0.75 (the slope is 0.25 per metre); yours pays {right:.4g}")
    if not _close(at_far, 0.5):
        if _close(at_far, 0.25):
            _fail(f"you did not cap the distance at {HABIT_RAMP:g} m: 3 m from the mark a step still pays 0.5, never "
                  "less, min(|x - x*|, 2)")  # fmt: skip
        _fail(f"3 m from the mark a step pays 0.5 (the distance is capped at 2 m); yours pays {at_far:.4g}")
    xs = np.random.default_rng(0).uniform(-2.4, 2.4, 64)
    out, ref = np.asarray(_call(fn, xs.copy()), dtype=np.float64), _habit_reward(xs, habit_x)
    if not _close(out, ref):
        i = int(np.argmax(np.abs(out - ref)))
        _fail(f"at x = {xs[i]:+.3f} the reward is {ref[i]:.4g}; yours is {out[i]:.4g}")
    _praise("the habit reward is right: 1 at the mark, 0.75 a metre away on either side, 0.5 from 2 m on")


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


# ---------------------------------------------------------------- 02: recording a demonstration, and its habit


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


def habit_of(fn: Callable[[torch.Tensor], float]) -> None:
    """Check ``fn(states) -> float``, the mean cart x over the last 100 steps, against ``helpers.habit_of``."""
    gen = torch.Generator().manual_seed(0)
    cases = []
    for n, mark in [(MAX_STEPS, 1.5), (150, -1.2), (60, 0.8)]:  # a full episode, a fall after 150 and after 60 steps
        states = torch.randn(n, 4, generator=gen) * 0.05 + torch.tensor([0.0, 0.3, -0.1, 0.7])
        states[:, 0] += torch.linspace(0.0, 2 * mark, n).clamp(min(mark, 0), max(mark, 0))  # travels, then stays
        cases.append(states)
    for states in cases:
        value = _call(fn, states.clone())
        try:
            got = float(value)
        except (TypeError, ValueError, RuntimeError):
            _fail(f"shapes: the habit is one number; got {type(value).__name__} of shape "
                  f"{list(getattr(value, 'shape', []))}")  # fmt: skip
        n, ref = len(states), _habit_of(states)
        if _close(got, ref):
            continue
        x = states[:, 0]
        if _close(got, x.mean()):
            _fail("the habit is the mean over the LAST 100 steps, once the cart has arrived; you averaged the whole "
                  "episode, the journey included")  # fmt: skip
        if _close(got, x[:HABIT_WINDOW].mean()):
            _fail("you averaged the FIRST 100 steps: the habit is where the cart stays, over the last 100 steps")
        if n > HABIT_WINDOW and _close(got, x[HABIT_WINDOW:].mean()):
            _fail(f"you took the steps after t = 100, not the last 100: an episode that fell after {n} steps has its "
                  f"last 100 steps at t = {n - HABIT_WINDOW}...{n - 1} (states[-100:])")  # fmt: skip
        if _close(got, x[-HABIT_WINDOW:].abs().mean()):
            _fail("the habit keeps its sign: a cart held left of the centre has a negative habit (no abs)")
        for k, name in [(1, "x_dot, the cart's velocity"), (2, "theta, the pole's angle"), (3, "theta_dot")]:
            if _close(got, states[-HABIT_WINDOW:, k].mean()):
                _fail(f"you averaged column {k} ({name}): the cart's position x is column 0 of (x, x_dot, theta, "
                      "theta_dot)")  # fmt: skip
        _fail(f"on an episode of {n} steps the habit is {ref:+.4f}; yours is {got:+.4f}")
    _praise("the habit is right: the mean cart x over the last 100 steps, sign kept, on short episodes too")


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
    _praise("D's loss is right: expert pairs labelled 0, the others 1, each side averaged, on the logits")


# ---------------------------------------------------------------- 04: the GAIL reward and one GAIL iteration


class _FixedLogits(nn.Module):
    """A stand-in discriminator that returns the same logits whatever the pairs."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The fixed logits [N]."""
        return self.logits.clone()


def gail_reward(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``fn(disc, s, a) -> [N]``, r = -log D = softplus(-l), against ``helpers.gail_reward``."""
    logits = torch.tensor([-5.0, -1.0, 0.0, 1.0, 5.0, -200.0])
    n = len(logits)
    s, a = torch.zeros(n, 4), torch.zeros(n, dtype=torch.int64)
    out = _tensor(_call(fn, _FixedLogits(logits), s, a), "one reward per step", (n,))
    if out.requires_grad:
        _fail("the reward carries a gradient: the student is not trained through D (decorate with @torch.no_grad())")
    ref = F.softplus(-logits)
    finite = slice(0, n - 1)
    if not _close(out[finite], ref[finite]):
        if _close(out[finite], -ref[finite]):
            _fail("the reward is log D, not -log D: the sign is flipped, so it would charge the student for every "
                  "pair that looks like the expert's")  # fmt: skip
        if _close(out[finite], F.softplus(logits[finite])):
            _fail("your reward pays the student for looking like a student: D labels the expert 0, so the reward "
                  "grows as D falls; -log(1 - D) = softplus(l) is the wrong side, -log D = softplus(-l)")  # fmt: skip
        if _close(out[finite], -F.softplus(logits[finite])):
            _fail("that is log(1 - D) = -softplus(l), always negative (notebook 03's table): GAIL here pays -log D")
        if _close(out[finite], -logits[finite]):
            _fail("that is the logit reward -l = log(1 - D) - log D (notebook 03's table): GAIL here pays -log D")
        if _close(out[finite], torch.sigmoid(logits[finite])):
            _fail("that is D itself, the probability that the pair is the student's: the reward is -log D")
        _fail(f"for the logits {logits[finite].tolist()} the rewards are {[round(x, 4) for x in ref[finite].tolist()]};"
              f" yours are {[round(x, 4) for x in out[finite].tolist()]}")  # fmt: skip
    if not torch.isfinite(out).all():
        _fail("at the logit l = -200, D rounds to 0 and -log(sigmoid(l)) gives inf: compute it from the logit, "
              "-log D = softplus(-l), which stays finite")  # fmt: skip
    if not _close(out, ref):
        _fail(f"at the logit l = -200 the reward -log D is 200; yours is {float(out[-1]):.4g}")
    gen = torch.Generator().manual_seed(0)
    disc, _ = _toy_discriminator(gen)
    s, a = torch.randn(20, 4, generator=gen), torch.randint(0, 2, (20,), generator=gen)
    if not _close(_call(fn, disc, s, a), _gail_reward(disc, s, a)):
        _fail("on a real discriminator your rewards differ from -log D(s, a): read l from disc(s, a)")
    _praise("the reward is right: -log D = softplus(-l), large where D calls the pair the expert's, always finite")


def _toy_batch() -> dict[str, torch.Tensor]:
    """A batch of a random policy's episodes capped at 25 steps (falls and truncations), as notebook 04's dicts."""
    episodes = play_batch(CartPoleBatch(8, max_steps=25), lambda s: torch.zeros(len(s), 2), seed=0)
    b = concat_episodes(episodes)
    return {"s": b.states, "a": b.actions, "s2": b.next_states, "term": b.terminated, "trunc": b.truncated}


def _same(mine: nn.Module, theirs: nn.Module) -> bool:
    """Two networks' weights agree within ``TOL``."""
    return all(_close(p.detach(), q.detach()) for p, q in zip(mine.parameters(), theirs.parameters(), strict=True))


def gail_iteration(fn: Callable[..., tuple[torch.Tensor, float]], adam: type) -> None:
    """Check ``fn(policy, value, disc, opt, disc_opt, expert_s, expert_a, batch) -> (rewards, d_loss)``, steps 2-4
    of one GAIL iteration, against the helpers (``update_discriminator``, ``gail_reward``, ``PPO.update``).

    ``adam`` is notebook 04's own Adam (groups of (parameters, lr); its ``step`` forgets the gradients).
    """
    config = GAILConfig()
    with _own_random_streams(0):
        gen = torch.Generator().manual_seed(0)
        batch = _toy_batch()
        expert_s = torch.randn(40, 4, generator=gen) * 0.3 + torch.tensor([1.0, 0.0, 0.0, 0.0])
        expert_a = torch.randint(0, 2, (40,), generator=gen)
        student, disc = PPO(config.ppo), Discriminator(config.disc_hidden)
        disc.set_normalization(expert_s)
        disc0, policy, value = copy.deepcopy(disc), copy.deepcopy(student.policy), copy.deepcopy(student.value)
        opt = adam([(policy.parameters(), config.ppo.policy_lr), (value.parameters(), config.ppo.value_lr)])
        disc_opt = adam([(disc.parameters(), config.disc_lr)])
        rng = torch.random.get_rng_state()
        out = _call(
            fn, policy, value, disc, opt, disc_opt, expert_s, expert_a, {k: v.clone() for k, v in batch.items()}
        )
        if not isinstance(out, tuple | list) or len(out) != 2:
            _fail(f"return the pair (rewards, d_loss); got {type(out).__name__}")
        rewards = _tensor(out[0], "one reward per step of the batch", (len(batch["a"]),))
        # the helpers' iteration, from the same weights and the same random stream
        torch.random.set_rng_state(rng)
        h_disc = copy.deepcopy(disc0)
        update_discriminator(h_disc, Adam(h_disc.parameters(), lr=config.disc_lr), expert_s, expert_a, batch["s"],
                             batch["a"], config.disc_steps)  # fmt: skip
        h_rewards = _gail_reward(h_disc, batch["s"], batch["a"])
        episode = Episode(batch["s"], batch["a"], torch.zeros(len(h_rewards)), batch["s2"], batch["term"],
                          batch["trunc"])  # fmt: skip
        student.update(episode, h_rewards)
        if disc_opt.t == 0:
            _fail("D did not learn: step 2 is DISC_STEPS steps of disc_step on the expert's pairs and the batch's")
        if disc_opt.t != config.disc_steps:
            _fail(f"D took {disc_opt.t} gradient step(s) in this iteration; it takes DISC_STEPS = {config.disc_steps}, "
                  "to keep up with the student")  # fmt: skip
        if not _same(disc, h_disc):
            swapped = copy.deepcopy(disc0)
            update_discriminator(swapped, Adam(swapped.parameters(), lr=config.disc_lr), batch["s"], batch["a"],
                                 expert_s, expert_a, config.disc_steps)  # fmt: skip
            if _same(disc, swapped):
                _fail("D labels the expert 0: you passed the batch's pairs where the expert's go, "
                      'disc_step(disc, disc_opt, expert_s, expert_a, batch["s"], batch["a"])')  # fmt: skip
            _fail("after step 2, D differs from DISC_STEPS steps of disc_step on the expert's pairs and the batch's")
        if not _close(rewards, h_rewards):
            if _close(rewards, _gail_reward(disc0, batch["s"], batch["a"])):
                _fail("you read the rewards before D's update: step 3 reads -log D from the discriminator that has "
                      "just learned on this batch")  # fmt: skip
            _fail("the rewards are not -log D(s, a) of the updated discriminator on the batch's pairs")
        if opt.t == 0:
            _fail("the student did not learn: step 4 is one ppo_update of the policy and the critic on the rewards")
        if not (_same(policy, student.policy) and _same(value, student.value)):
            _fail("after step 4 the student differs from one PPO update on these rewards: call ppo_update(policy, "
                  "value, opt, batch, rewards) once, after the rewards")  # fmt: skip
    _praise("the GAIL iteration is right: D learns first, the rewards come from the updated D, then PPO")


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
