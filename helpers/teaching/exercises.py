"""Checks of the coding exercises of notebooks 01-07: instant, specific feedback on a learner's function.

Each notebook cell ``check.gae(my_gae)`` (``from helpers.teaching import exercises as check``) calls the learner's
function on edge cases chosen to tell the known mistakes apart, then on random inputs, and compares with the series' own
implementation (``helpers.gae``, ``discriminator_loss``, ...). A right answer earns one printed line; a wrong one
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
from helpers.core.env import CartPoleBatch, make_env
from helpers.core.networks import GaussianPolicy
from helpers.core.optim import Adam
from helpers.core.rollout import Episode, concat_episodes, play_batch, play_episode

HINTS = {
    "my_gae": "compute delta_t for every step, then A_t backwards from the last step; done_t = terminated or truncated",
    "my_record_demo": "reset env with the seed, then push argmax_a pi(a|s) until terminated or truncated",
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


class _Watched(gym.Wrapper):
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
    env = _Watched(make_env(max_steps=cap))
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
    from helpers.core.env import CartPoleBatch
    from helpers.core.rollout import concat_episodes, play_batch

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
