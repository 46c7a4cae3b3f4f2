"""The named mistakes of the coding exercises' checks (helpers/teaching/exercises.py) that the other exercise tests
left unreached (issue 27's review of every message a check can give): for each, a learner's function with that one
slip, written as the other test files write theirs, and the check's message for it.

02's rollout and recording, 03's D's loss where D is sure, 04's rollout, 05's absorbing-state reward and 06's DAgger
loop. Each learner below is right but for the slip its name says.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from exercise_support import expect

import helpers
from helpers.algorithms import absorbing
from helpers.teaching import exercises as check

ROOT = Path(__file__).resolve().parent.parent
HABIT_X = 1.5


# ---------------------------------------------------------------- 02: the rollout


def _roller(*, slip: str) -> Callable:
    """A learner's rollout (notebook 02, coding exercise 1), right but for ``slip``."""

    @torch.no_grad()
    def rollout(env, policy, n_episodes, seed):
        rows = {"s": [], "a": [], "s2": [], "term": [], "trunc": []}
        episode = 0
        obs, _ = env.reset(seed=seed)
        while episode <= n_episodes if slip == "one episode more" else episode < n_episodes:
            state = torch.as_tensor(obs)
            pi = torch.distributions.Categorical(logits=policy(state[None])[0])
            a = int(pi.sample())
            obs, _, terminated, truncated, _ = env.step(a)
            if slip == "last step dropped" and (terminated or truncated):
                episode += 1
                obs, _ = env.reset()
                continue
            rows["s"].append(state[None] if slip == "batched state" else state)
            rows["a"].append(int(pi.sample()) if slip == "sampled twice" else a)
            rows["s2"].append(torch.as_tensor(obs))
            if slip == "flags per episode":
                if terminated or truncated:
                    rows["term"].append(terminated)
                    rows["trunc"].append(truncated)
            else:
                rows["term"].append(float(terminated) if slip == "float flags" else terminated)
                rows["trunc"].append(float(truncated) if slip == "float flags" else truncated)
            if terminated or truncated:
                episode += 1
                obs, _ = env.reset()
        return {
            "s": torch.stack(rows["s"]),
            "a": torch.tensor(rows["a"]),
            "s2": torch.stack(rows["s2"]),
            "term": torch.tensor(rows["term"]),
            "trunc": torch.tensor(rows["trunc"]),
        }

    return rollout


ROLLOUT_MISTAKES = {
    "last step dropped": "one row per step, every step of every episode",  # the step that ends an episode is lost
    "one episode more": "asked for 20 episodes, your loop played 21 to their end",  # <= for <
    "sampled twice": "the actions you recorded are not the ones you passed to env.step",
    "batched state": "shapes: s must be [T, 4], one state per step; got",  # s[None], the policy's input, kept
    "flags per episode": "shapes: term must hold one entry per step",
    "float flags": "term must be True or False on each step (a bool tensor)",
}


# ---------------------------------------------------------------- 02: record a demonstration


@pytest.fixture(scope="module")
def expert() -> torch.nn.Module:
    """The committed expert (read only)."""
    return helpers.load_policy(ROOT / "data" / "expert_policy.pt")


def _recorder(*, slip: str) -> Callable:
    """A learner's recording loop (notebook 02, coding exercise 2), right but for ``slip``."""

    @torch.no_grad()
    def record(env, policy, seed):
        obs, _ = env.reset(seed=seed)
        states, actions, terminated, truncated = [], [], False, False
        if slip == "the last state too":
            states.append(obs)
        while not (terminated or truncated):
            a = int(policy(torch.as_tensor(obs, dtype=torch.float32)[None])[0].argmax())
            if slip != "the last state too":
                states.append(obs)
            obs, _, terminated, truncated, _ = env.step(a)
            if slip == "the last state too":
                states.append(obs)  # the start, then every state a step led to: one state too many
            actions.append(a)
        s = torch.tensor(np.array(states, dtype=float if slip == "float64" else np.float32))
        a = torch.tensor(actions)[:, None]
        return {"states": s, "actions": a} if slip == "a dict" else (s, a)

    return record


RECORD_MISTAKES = {
    "the last state too": "so the record holds 200 pairs, one a step; yours holds 201 states and 200 actions",
    "a dict": "return the pair (states, actions); got dict",
    "float64": "shapes: the states must be float32 [200, 4]; got torch.float64",
}


@pytest.mark.parametrize("slip", RECORD_MISTAKES)
def test_record_demo_mistakes(slip: str, expert) -> None:
    expect(check.record_demo, _recorder(slip=slip), expert, HABIT_X, match=RECORD_MISTAKES[slip])


# ---------------------------------------------------------------- 03: D's loss where D is sure


def _sides(disc, es, ea, os_, oa):
    return disc(es, ea), disc(os_, oa)


def _inf_patched(disc, es, ea, os_, oa):
    """The loss on probabilities, its inf where D is sure and wrong replaced by a constant (which has no gradient)."""
    le, lo = _sides(disc, es, ea, os_, oa)
    loss = -torch.log(1 - torch.sigmoid(le)).mean() - torch.log(torch.sigmoid(lo)).mean()
    return loss if torch.isfinite(loss) else torch.tensor(100.0)


def _softplus_by_hand(x):
    """softplus(x) written out, its overflow avoided with torch.where: right values, but where x is large the branch
    not taken still back-propagates exp(x) = inf times 0, a NaN gradient."""
    return torch.where(x > 20, x, torch.log1p(torch.exp(x)))


def _where_softplus(disc, es, ea, os_, oa):
    le, lo = _sides(disc, es, ea, os_, oa)
    return _softplus_by_hand(le).mean() + _softplus_by_hand(-lo).mean()


def test_disc_loss_where_d_is_sure_must_stay_a_tensor_with_a_gradient() -> None:
    """Only where D is sure does this loss stop being a tensor with a gradient (at moderate logits it passes), so
    the extreme case's own layout message names it."""
    expect(check.disc_loss, _inf_patched, match="your loss is not a one-number tensor with a gradient")


def test_disc_loss_where_d_is_sure_needs_its_gradient() -> None:
    expect(check.disc_loss, _where_softplus, match="your loss has the right value but its gradient is nan")


# ---------------------------------------------------------------- 04: the rollout


def _player(*, slip: str, batch_steps: int = 800) -> Callable:
    """A learner's rollout on Gymnasium's vector API (notebook 04, coding exercise 1), right but for ``slip``."""

    @torch.no_grad()
    def play(envs, policy, seed=None):
        obs, _ = envs.reset(seed=seed)
        rows, recorded = [], 0
        recording = torch.ones(envs.num_envs, dtype=torch.bool)
        after_end = torch.zeros(envs.num_envs, dtype=torch.bool)
        while recording.any():
            s = obs if slip == "numpy states" else torch.as_tensor(obs)
            a = torch.distributions.Categorical(logits=policy(torch.as_tensor(obs))).sample()
            obs, _, term, trunc, _ = envs.step(a.numpy())
            term, trunc = torch.as_tensor(term), torch.as_tensor(trunc)
            valid = recording & ~after_end
            after = obs if slip == "numpy states" else torch.as_tensor(obs)
            rows.append((s, a, after, term, trunc & ~term, valid))
            if slip == "one per step call":
                recorded += 1
            elif slip == "numbers in s":
                recorded += s.numel()
            else:
                recorded += int(valid.sum())
            after_end = term | trunc
            if recorded >= batch_steps:
                recording &= valid & ~after_end
        dim = 1 if slip == "batch-major" else 0
        stack = np.stack if slip == "numpy states" else torch.stack
        s, a, s2, term, trunc, valid = (
            (stack(x, dim) if i in (0, 2) else torch.stack(x, dim)) for i, x in enumerate(zip(*rows, strict=True))
        )
        return {"s": s, "a": a, "s2": s2, "term": term, "trunc": trunc, "valid": valid}

    return play


PLAY_MISTAKES = {
    # the numbers in s counted as steps (N x 4 a step), so the batch seems full four times too early
    "numbers in s": "fewer than BATCH_STEPS = 800",
    # one step counted per call of envs.step, not one per environment
    "one per step call": "once the batch holds BATCH_STEPS steps, each environment stops at the end of the episode",
    "numpy states": "return tensors (torch.as_tensor of what envs.step gives), one per key",
    "batch-major": "shapes: s is time-major, [T, N, 4] (here N = 8 environments); got [8, ",
}


# ---------------------------------------------------------------- 05: the absorbing-state reward


def _absorbing(*, slip: str) -> Callable:
    """A learner's absorbing-state reward (notebook 05), right but for ``slip``."""
    flag = torch.tensor([absorbing.ABSORBING])

    @torch.no_grad()
    def fn(disc, batch, gamma, clip):
        r = -disc(batch.states, batch.actions).clamp(-clip, clip)
        if slip == "s_a with each state":  # the absorbing flag paired with every state of the batch: one r_a a step
            r_a = -disc(batch.states, flag.expand(len(batch))).clamp(-clip, clip)
        else:
            r_a = float(-disc(torch.zeros(1, 4), flag)[0].clamp(-clip, clip))
        term = batch.terminated.float()
        if slip == "term as a column":
            term = term[:, None]
        return r + term * gamma * r_a / (1 - gamma), r_a

    return fn


ABSORBING_LAYOUT_MISTAKES = {
    "term as a column": "shapes: expected one reward per step, a tensor of shape [8]; got [8, 8]",
    "s_a with each state": "r_a is one number, the absorbing state's reward; got Tensor",
}


# ---------------------------------------------------------------- 06: the DAgger loop


def _dagger(*, slip: str) -> Callable:
    """A learner's DAgger loop (notebook 06), right but for ``slip``."""

    def loop(d0_states, d0_actions, expert, play, fit, per_round):
        states, actions = [d0_states], [d0_actions.reshape(-1)]
        if slip == "fit's arguments swapped":
            policy = fit(d0_actions, d0_states)
        elif slip == "the expert plays round 1":  # as with beta_1 = 1 in Ross et al.: no pi_1 fitted on D_0 alone
            policy = expert
        else:
            policy = fit(d0_states, d0_actions)
        for m in per_round:
            visited = play(expert if slip == "the expert plays" else policy)
            k = per_round[0] if slip == "the first m every round" else m
            s = visited[torch.randperm(len(visited))[:k]]
            with torch.no_grad():
                a = expert(s).argmax(-1)
            states, actions = states + [s], actions + [a]
            policy = fit(torch.cat(states), torch.cat(actions))
        if slip == "the data set as one pair":
            return policy, (torch.cat(states), torch.cat(actions))
        if slip == "the rounds unjoined":
            return policy, states, actions
        return policy, torch.cat(states), torch.cat(actions)

    return loop


DAGGER_MISTAKES = {
    "the expert plays round 1": "the first learner pi_1 is fitted on D_0 alone",
    "the expert plays": "round 1 must be played by the learner fitted just before it (pi_1)",
    "the first m every round": "round 2 adds m_2 = 5 labels to the data set; yours added 6",
    "fit's arguments swapped": "fit takes the states [N, 4] and the expert's actions, one per state; got [6, 1]",
    "the data set as one pair": "return the triple (policy, states, actions); got tuple",
    "the rounds unjoined": "return the aggregated data set as states [N, 4] and actions, one per state",
}


# ---------------------------------------------------------------- each slip named, and each learner without it passing


LEARNERS: dict[str, tuple[Callable, Callable, tuple, dict[str, str]]] = {
    "rollout": (check.rollout, _roller, (), ROLLOUT_MISTAKES),
    "play": (check.play, _player, (800,), PLAY_MISTAKES),
    "absorbing_rewards": (check.absorbing_rewards, _absorbing, (), ABSORBING_LAYOUT_MISTAKES),
    "dagger": (check.dagger, _dagger, (), DAGGER_MISTAKES),
}
"""Per check: the check, the learner with a slip, the check's further arguments, and each slip with what the check
must say of it (the recorder, which needs the expert, is tested apart)."""


@pytest.mark.parametrize(
    ("name", "slip"), [pytest.param(n, slip, id=f"{n}: {slip}") for n, t in LEARNERS.items() for slip in t[3]]
)
def test_each_slip_is_named(name: str, slip: str) -> None:
    """The check stops the learner with this slip, with the message that names it."""
    checker, learner, args, mistakes = LEARNERS[name]
    expect(checker, learner(slip=slip), *args, match=mistakes[slip])


@pytest.mark.parametrize("name", LEARNERS)
def test_each_learner_without_its_slip_passes(name: str, capsys) -> None:
    """Each learner above is right but for its slip: what the check names is that slip, not another mistake."""
    checker, learner, args, _ = LEARNERS[name]
    checker(learner(slip="none"), *args)
    assert capsys.readouterr().out.startswith("✓")


def test_the_recorder_without_its_slip_passes(expert, capsys) -> None:
    check.record_demo(_recorder(slip="none"), expert, HABIT_X)
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize("fn", [_inf_patched, _where_softplus], ids=["inf patched", "softplus by hand"])
def test_the_disc_loss_slips_pass_where_d_is_unsure(fn: Callable, monkeypatch, capsys) -> None:
    """Without the extreme case (logits +-200) the check accepts both: only where D is sure do they go wrong."""
    monkeypatch.setattr(check, "_disc_loss_extremes", lambda fn: None)
    check.disc_loss(fn)
    assert capsys.readouterr().out.startswith("✓")
