"""The coding exercises of issue 27 outside notebook 04 (helpers/teaching/exercises.py, its last section): PPO's
clipped surrogate (01), a rollout (02), D's loss where D is sure (03), the absorbing-state reward (05), the DAgger loop
(06). For each: the notebook's reference solution passes; every correct variant named here passes; every known
mistake, written as a learner would write it, is caught with its own message; the student edition's stub gets its
hint; the check leaves the random streams as it found them. Notebook 06's loop, given the helper's pieces, computes
exactly what ``helpers.dagger.train_dagger`` computes (the proof the notebook used to make in a cell). And notebook 01's
"PPO as a black box" path runs: no cell after section 4 needs a name that only the skipped cells define.
"""

from __future__ import annotations

import ast
import builtins
import random
from collections.abc import Callable
from pathlib import Path

import jupytext
import numpy as np
import pytest
import torch
from exercise_support import expect, leaves_random_streams_alone, passes, solutions, stub
from torch.nn import functional as F

import helpers
from helpers.algorithms import absorbing, dagger
from helpers.teaching import exercises as check

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def refs() -> dict:
    """The reference solutions of notebooks 01, 02, 03, 05 and 06."""
    namespace: dict = {"torch": torch, "np": np, "F": F, "helpers": helpers, "absorbing": absorbing}
    for name in ("01_ppo_expert", "02_expert_demonstrations", "03_discriminator", "05_going_further"):
        solutions(name, namespace)
    namespace["Callable"] = Callable
    namespace["gym"] = __import__("gymnasium")
    return solutions("06_beyond_gail", namespace)


# ---------------------------------------------------------------- 01: the clipped surrogate


def _surrogate(form: str) -> Callable:
    """A learner's L^CLIP, correct or with a known mistake, by ``form``."""

    def fn(r, a, eps):
        kept = r.clamp(1 - eps, 1 + eps)
        return {
            "torch.minimum": lambda: torch.minimum(r * a, kept * a).mean(),
            "Spinning Up's g(eps, A)": lambda: torch.min(r * a, torch.where(a >= 0, 1 + eps, 1 - eps) * a).mean(),
            "CleanRL's max of the losses, negated": lambda: (
                -torch.max(-a * r, -a * torch.clip(r, 1 - eps, 1 + eps)).mean()
            ),
            "sum over len": lambda: torch.min(r * a, kept * a).sum() / len(r),
            "no clip": lambda: (r * a).mean(),
            "no min": lambda: (kept * a).mean(),
            "max": lambda: torch.max(r * a, kept * a).mean(),
            "clip the product": lambda: (r * a).clamp(1 - eps, 1 + eps).mean(),
            "the loss": lambda: -torch.min(r * a, kept * a).mean(),
            "band around 0": lambda: torch.min(r * a, r.clamp(-eps, eps) * a).mean(),
            "log ratio": lambda: torch.min(r.log() * a, r.log().clamp(-eps, eps) * a).mean(),
            "a sum": lambda: torch.min(r * a, kept * a).sum(),
            "eps fixed at 0.2": lambda: torch.min(r * a, r.clamp(0.8, 1.2) * a).mean(),
            "item": lambda: torch.min(r * a, kept * a).mean().item(),
            "no mean": lambda: torch.min(r * a, kept * a),
            "detached ratio in one term": lambda: torch.min(r.detach() * a, kept * a).mean(),
        }[form]()

    return fn


SURROGATE_VARIANTS = [
    "torch.minimum",
    "Spinning Up's g(eps, A)",
    "CleanRL's max of the losses, negated",
    "sum over len",
]
SURROGATE_MISTAKES = {
    "no clip": "there is no clip in yours",
    "no min": "you kept only the clipped term",
    "max": "you took the max of the two terms",
    "clip the product": "you clipped the product r_t A_t",
    "the loss": "you returned the loss -L^CLIP",
    "band around 0": "your band is [-eps, eps]",
    "log ratio": "you used log r_t",
    "a sum": "yours is the sum over the",
    "eps fixed at 0.2": "you clipped at 0.2 whatever clip says",
    "item": "return L^CLIP as a tensor that carries its gradient",
    "no mean": "shapes: L^CLIP is one number",
    "detached ratio in one term": "right value but not the right gradient",
}


def test_clipped_surrogate_reference_passes(refs, capsys) -> None:
    passes(check.clipped_surrogate, refs["my_clipped_surrogate"], capsys)


@pytest.mark.parametrize("form", SURROGATE_VARIANTS)
def test_clipped_surrogate_correct_variants_pass(form: str, capsys) -> None:
    passes(check.clipped_surrogate, _surrogate(form), capsys)


@pytest.mark.parametrize("form", SURROGATE_MISTAKES)
def test_clipped_surrogate_mistakes(form: str) -> None:
    expect(check.clipped_surrogate, _surrogate(form), match=SURROGATE_MISTAKES[form])


# ---------------------------------------------------------------- 02: the rollout


def _roller(
    *,
    sample="categorical",
    reseed="first",
    ends="apart",
    s2="next",
    s="before",
    reset=True,
    column=False,
    as_tuple=False,
    ints=False,
    float_actions=False,
) -> Callable:
    """A learner's rollout, with switches for the correct variants and the known mistakes."""

    @torch.no_grad()
    def rollout(env, policy, n_episodes, seed):
        rows = {"s": [], "a": [], "s2": [], "term": [], "trunc": []}
        episode = 0
        obs, _ = env.reset(seed=None if reseed == "never" else seed)
        while episode < n_episodes:
            state = torch.as_tensor(obs)
            logits = policy(state[None])[0]
            if sample == "categorical":
                a = int(torch.distributions.Categorical(logits=logits).sample())
            elif sample == "multinomial":
                a = int(torch.multinomial(torch.softmax(logits, -1), 1))
            elif sample == "numpy":
                a = int(np.random.choice(2, p=torch.softmax(logits.double(), -1).numpy()))
            elif sample == "uniform":
                a = int(torch.randint(0, 2, ()))
            else:
                a = int(logits.argmax())
            obs, _, terminated, truncated, _ = env.step(a)
            term, trunc = terminated, truncated
            if ends == "cap as fall":
                term, trunc = terminated or truncated, False
            elif ends == "fall as cap":
                term, trunc = False, terminated or truncated
            elif ends == "swapped":
                term, trunc = truncated, terminated
            rows["s"].append(torch.as_tensor(obs) if s == "after" else state)
            rows["a"].append(float(a) if float_actions else a)
            rows["s2"].append(state if s2 == "before" else torch.as_tensor(obs))
            rows["term"].append(int(term) if ints else term)
            rows["trunc"].append(int(trunc) if ints else trunc)
            if (terminated or truncated) and reset:
                episode += 1
                obs, _ = env.reset(seed={"first": None, "same": seed, "new": seed + episode}.get(reseed))
        out = {
            "s": torch.stack(rows["s"]),
            "a": torch.tensor(rows["a"])[:, None] if column else torch.tensor(rows["a"]),
            "s2": torch.stack(rows["s2"]),
            "term": torch.tensor(rows["term"]),
            "trunc": torch.tensor(rows["trunc"]),
        }
        return tuple(out.values()) if as_tuple else out

    return rollout


ROLLOUT_VARIANTS = {
    "torch.multinomial": {"sample": "multinomial"},
    "NumPy's choice": {"sample": "numpy"},
    "a new seed per episode": {"reseed": "new"},
    "actions as a column": {"column": True},
    "flags as 0 and 1": {"ints": True},
}
ROLLOUT_MISTAKES = {
    "you took argmax_a pi(a|s)": {"sample": "argmax"},
    "pushed right on": {"sample": "uniform"},
    "you marked the step cap as a fall": {"ends": "cap as fall"},
    "you marked a fall as a truncation": {"ends": "fall as cap"},
    "your terminated and truncated are swapped": {"ends": "swapped"},
    "s2 is the state the step led to": {"s2": "before"},
    "yours is the state the step led to": {"s": "after"},
    "your loop stepped an episode that had ended": {"reset": False},
    "every episode starts from the same state": {"reseed": "same"},
    "the first episode starts from env.reset(seed=seed)": {"reseed": "never"},
    "return a dict with the keys": {"as_tuple": True},
    "shapes: a must hold the actions as integers": {"float_actions": True},
}


def test_rollout_reference_passes(refs, capsys) -> None:
    passes(check.rollout, refs["my_rollout"], capsys)


@pytest.mark.parametrize("variant", ROLLOUT_VARIANTS)
def test_rollout_correct_variants_pass(variant: str, capsys) -> None:
    passes(check.rollout, _roller(**ROLLOUT_VARIANTS[variant]), capsys)


@pytest.mark.parametrize("message", ROLLOUT_MISTAKES)
def test_rollout_mistakes(message: str) -> None:
    expect(check.rollout, _roller(**ROLLOUT_MISTAKES[message]), match=message)


# ---------------------------------------------------------------- 03: D's loss where D is sure


def _sides(disc, es, ea, os_, oa):
    return disc(es, ea), disc(os_, oa)


DISC_LOSS_VARIANTS = {
    "softplus": lambda *a: (lambda le, lo: F.softplus(le).mean() + F.softplus(-lo).mean())(*_sides(*a)),
    "logsigmoid": lambda *a: (lambda le, lo: -F.logsigmoid(-le).mean() - F.logsigmoid(lo).mean())(*_sides(*a)),
    "one call, then split": lambda d, es, ea, os_, oa: (
        lambda logits: (
            F.binary_cross_entropy_with_logits(logits[: len(es)], torch.zeros(len(es)))
            + F.binary_cross_entropy_with_logits(logits[len(es) :], torch.ones(len(os_)))
        )
    )(d(torch.cat([es, os_]), torch.cat([ea, oa]))),
}
DISC_LOSS_MISTAKES = {
    "your loss is inf": lambda *a: (
        lambda le, lo: -torch.log(1 - torch.sigmoid(le)).mean() - torch.log(torch.sigmoid(lo)).mean()
    )(*_sides(*a)),
    "yours stops at": lambda *a: (
        lambda le, lo: (
            F.binary_cross_entropy(torch.sigmoid(le), torch.zeros_like(le))
            + F.binary_cross_entropy(torch.sigmoid(lo), torch.ones_like(lo))
        )
    )(*_sides(*a)),
    "a small number added inside a log": lambda *a: (
        lambda le, lo: -torch.log(1 - torch.sigmoid(le) + 1e-8).mean() - torch.log(torch.sigmoid(lo) + 1e-8).mean()
    )(*_sides(*a)),
}


@pytest.mark.parametrize("variant", DISC_LOSS_VARIANTS)
def test_disc_loss_correct_variants_pass(variant: str, capsys) -> None:
    passes(check.disc_loss, DISC_LOSS_VARIANTS[variant], capsys)


@pytest.mark.parametrize("message", DISC_LOSS_MISTAKES)
def test_disc_loss_on_probabilities_is_caught_where_d_is_sure(message: str, capsys) -> None:
    """A loss computed from D's probabilities passes at moderate logits and fails where D is sure (l = +-200)."""
    expect(check.disc_loss, DISC_LOSS_MISTAKES[message], match=message)


def test_the_reference_disc_loss_passes_where_d_is_sure(refs) -> None:
    check._disc_loss_extremes(refs["my_disc_loss"])


# ---------------------------------------------------------------- 05: the absorbing-state reward


def _absorbing(kind: str = "right") -> Callable:
    """A learner's absorbing-state reward, written as a learner would: a correct form, or a known mistake."""
    flag = torch.tensor([absorbing.ABSORBING])

    @torch.no_grad()
    def fn(disc, batch, gamma, clip):
        logits = disc(batch.states, batch.actions)
        l_a = disc(torch.zeros(1, 4), flag)[0]
        if kind == "no_flag":
            l_a = disc(torch.zeros(1, 4), torch.tensor([0]))[0]
        if kind not in ("no_clamp", "clamp the reward"):
            logits = logits.clamp(-clip, clip)
        if kind not in ("no_clamp", "no_clamp_r_a", "clamp the reward"):
            l_a = l_a.clamp(-clip, clip)
        r, r_a = -logits, float(-l_a)
        if kind == "clamp the reward":
            r, r_a = r.clamp(-clip, clip), float((-disc(batch.states[:1], flag)[0]).clamp(-clip, clip))
        if kind == "sign":
            r, r_a = logits, float(l_a)
        if kind == "neg_log_d":
            r, r_a = F.softplus(-logits), float(F.softplus(-l_a))
        term = batch.terminated.float()
        value = r_a / (1 - gamma)  # V(s_a)
        if kind == "trunc_too":
            return r + (batch.terminated | batch.truncated).float() * gamma * value, r_a
        if kind == "every_step":
            return r + gamma * value, r_a
        if kind == "no_gamma":
            return r + term * value, r_a
        if kind == "no_value":
            return r + term * gamma * r_a, r_a
        if kind == "r_a_only":
            return r + term * r_a, r_a
        if kind == "replace":
            return torch.where(batch.terminated, gamma * value, r), r_a
        if kind == "where":
            return torch.where(batch.terminated, r + gamma * value, r), r_a
        if kind == "series":
            return r + term * (value - r_a), torch.tensor(r_a)
        return r + term * gamma * value, r_a

    return fn


ABSORBING_VARIANTS = ["where", "series", "clamp the reward"]
ABSORBING_MESSAGES = dict(check.ABSORBING_MISTAKES)


def test_absorbing_reference_passes(refs, capsys) -> None:
    passes(check.absorbing_rewards, refs["my_absorbing_rewards"], capsys)


@pytest.mark.parametrize("form", ABSORBING_VARIANTS)
def test_absorbing_correct_variants_pass(form: str, capsys) -> None:
    passes(check.absorbing_rewards, _absorbing(form), capsys)


@pytest.mark.parametrize("kind", list(ABSORBING_MESSAGES))
def test_absorbing_mistakes(kind: str) -> None:
    expect(check.absorbing_rewards, _absorbing(kind), match=ABSORBING_MESSAGES[kind])


def test_absorbing_layout_mistakes() -> None:
    with torch.no_grad():
        expect(check.absorbing_rewards, lambda d, b, g, c: -d(b.states, b.actions), match="return the pair")
    grad = lambda d, b, g, c: ((-d(b.states, b.actions)).requires_grad_(), 0.0)  # noqa: E731
    expect(check.absorbing_rewards, grad, match="carry a gradient")


# ---------------------------------------------------------------- 06: the DAgger loop


def _dagger(
    *,
    pick="randperm",
    player="newest",
    aggregate=True,
    label="argmax",
    labelled="visited",
    count="m",
    refit=True,
    returns="last",
) -> Callable:
    """A learner's DAgger loop, with switches for the correct variants and the known mistakes."""

    def loop(d0_states, d0_actions, expert, play, fit, per_round):
        states, actions = d0_states, d0_actions.reshape(-1)
        first = policy = fit(states, actions)
        for m in per_round:
            visited = play(policy if player == "newest" else first)
            k = len(visited) if count == "all" else m
            if pick == "randperm":
                s = visited[torch.randperm(len(visited))[:k]]
            elif pick == "random.sample":
                s = visited[random.sample(range(len(visited)), k)]
            elif pick == "first m":
                s = visited[:k]
            if labelled == "demo":
                s = d0_states[:k]
            with torch.no_grad():
                logits = (expert if label != "own" else policy)(s)
                a = logits.argmax(-1) if label != "sampled" else torch.distributions.Categorical(logits=logits).sample()
            if aggregate:
                states, actions = torch.cat([states, s]), torch.cat([actions, a])
            else:
                states, actions = s, a
            if refit:
                policy = fit(states, actions)
        if not refit:
            policy = fit(states, actions)
        if returns == "first":
            return first, states, actions
        if returns == "d0":
            return policy, d0_states, d0_actions
        return policy, states, actions

    return loop


DAGGER_VARIANTS = {
    "random.sample": {"pick": "random.sample"},
    "the first m visited states": {"pick": "first m"},
}
DAGGER_MISTAKES = {
    "you let the first learner play every round": {"player": "first"},
    "you replaced the data set": {"aggregate": False},
    "you labelled every state the learner visited": {"count": "all"},
    "you labelled the states with the learner's own actions": {"label": "own"},
    "not a sample from pi_E": {"label": "sampled"},
    "must be of states its learner visited": {"labelled": "demo"},
    "fit once on D_0 and once after each round": {"refit": False},
    "return the learner fitted last": {"returns": "first"},
    "return the aggregated data set D_N": {"returns": "d0"},
}


def test_dagger_reference_passes(refs, capsys) -> None:
    passes(check.dagger, refs["my_dagger"], capsys)


@pytest.mark.parametrize("variant", DAGGER_VARIANTS)
def test_dagger_correct_variants_pass(variant: str, capsys) -> None:
    passes(check.dagger, _dagger(**DAGGER_VARIANTS[variant]), capsys)


@pytest.mark.parametrize("message", DAGGER_MISTAKES)
def test_dagger_mistakes(message: str) -> None:
    expect(check.dagger, _dagger(**DAGGER_MISTAKES[message]), match=message)


def test_dagger_without_rounds_or_fits() -> None:
    expect(check.dagger, lambda s, a, e, play, fit, per_round: (None, s, a), match="no learner was fitted")
    expect(check.dagger, lambda s, a, e, play, fit, per_round: (fit(s, a), s, a), match="your loop called play 0")


def test_the_notebook_dagger_loop_is_train_dagger(refs) -> None:
    """Notebook 06's loop, given the helper's pieces (BC from scratch, 4 greedy episodes, the states to label drawn
    after seeding with seed + i + 1), computes exactly what helpers.dagger.train_dagger computes."""
    seed = 3
    demos = helpers.load_demos(ROOT / "data" / "expert_demos.pt", n=200)
    expert = helpers.load_policy(ROOT / "data" / "expert_policy.pt")
    config = dagger.DAggerConfig(labels=20, initial=10, rounds=3, bc_epochs=30)
    envs, rounds = helpers.CartPoleBatch(config.episodes_per_round), []

    def play(policy):
        i = len(rounds)
        rounds.append(i)
        episodes = helpers.play_batch(envs, policy, greedy=True, seed=seed if i == 0 else None)
        helpers.seed_everything(seed + i + 1)  # as train_dagger draws the states to label
        return helpers.concat_episodes(episodes).states

    def fit(states, actions):
        return helpers.train_bc(states, actions, epochs=config.bc_epochs, hidden=config.hidden, seed=seed)[0]

    d0 = helpers.subsample_demos(demos, config.initial)
    mine, states, actions = refs["my_dagger"](
        d0["states"], d0["actions"].reshape(-1, 1), expert, play, fit, config.round_labels()
    )
    theirs, data, _ = dagger.train_dagger(demos, expert, seed, config)
    assert torch.equal(states, data["states"]) and torch.equal(actions, data["actions"])
    assert all(torch.equal(p, q) for p, q in zip(mine.state_dict().values(), theirs.state_dict().values(), strict=True))


# ---------------------------------------------------------------- every exercise of this section

CHECKS = {
    "my_clipped_surrogate": check.clipped_surrogate,
    "my_rollout": check.rollout,
    "my_absorbing_rewards": check.absorbing_rewards,
    "my_dagger": check.dagger,
}


def test_every_exercise_of_the_section_has_a_check_and_a_hint() -> None:
    assert set(CHECKS) == set(check.MORE_HINTS) and set(check.MORE_HINTS) <= set(check.HINTS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_stub_gets_its_hint(name: str) -> None:
    """The student edition's stub fails at its check with ExerciseNotDone and the exercise's hint, not deeper."""
    with pytest.raises(check.ExerciseNotDone) as info:
        CHECKS[name](stub(name))
    assert str(info.value) == f"exercise not done yet: {check.HINTS[name]}"
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("name", [*sorted(CHECKS), "my_disc_loss"])
def test_a_check_leaves_the_random_streams_alone(name: str, refs) -> None:
    """A notebook computes the same numbers with or without its checks."""
    checker = {**CHECKS, "my_disc_loss": check.disc_loss}[name]
    leaves_random_streams_alone(lambda: checker(refs[name]))


# ---------------------------------------------------------------- 01: PPO as a black box


def _names(source: str) -> tuple[set[str], set[str]]:
    """The names a cell binds and the names it reads (IPython's magics aside)."""
    tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound, read


def test_ppo_as_a_black_box_skips_nothing_that_is_needed() -> None:
    """Notebook 01's black-box path (section 4's first code cell, then section 5): every name the later cells read is
    bound by a cell that path runs."""
    cells = jupytext.read(ROOT / "notebooks" / "01_ppo_expert.py").cells
    start = next(i for i, c in enumerate(cells) if c.source.startswith("## 4. PPO"))
    end = next(i for i, c in enumerate(cells) if "## 5. Training the expert" in c.source)
    first_code = next(i for i in range(start, end) if cells[i].cell_type == "code")
    skipped = {i for i in range(first_code + 1, end) if cells[i].cell_type == "code"}
    assert any("my_gae" in cells[i].source for i in skipped) and any("ppo_update" in cells[i].source for i in skipped)
    bound_on_path: set[str] = set(dir(builtins))
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or i in skipped:
            continue
        bound, read = _names(cell.source)
        if i > end:
            missing = read - bound - bound_on_path
            assert not missing, f"the black-box path misses {sorted(missing)} in: {cell.source[:80]!r}"
        bound_on_path |= bound
