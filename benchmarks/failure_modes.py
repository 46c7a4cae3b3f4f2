"""The instructor's guide's failure modes, each reproduced by a knob or a wrong implementation, and their figures.

    make guide-figures                     # = python benchmarks/failure_modes.py --out docs/img

Every run starts from SEED 0's committed expert and demonstration (``data/``, read with ``helpers.load_policy`` and
``helpers.load_demos``) and trains with the notebooks' own code, ``helpers.train_gail`` (notebook 04) or
``helpers.train_expert`` (notebook 01), from fixed seeds. A wrong implementation is the slip a learner makes in one
function, swapped into that code for one run (``swapped``); everything else is the helpers' own. Each learner is
scored as notebook 04 scores it: its greedy habit and return on 50 fresh episodes from ``helpers.fresh_seed(0)``.

It writes only the figures, ``failure_*.png`` in ``--out`` (nothing under ``data/``), and prints the numbers the
guide (``docs/instructors.md``) quotes. 16 short trainings: one to two minutes on one core.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.nn import functional as F

import helpers
from helpers.algorithms import gail as gail_module
from helpers.algorithms import ppo as ppo_module
from helpers.algorithms.discriminator import Discriminator, reward_from_logits, update_discriminator
from helpers.algorithms.train import History
from helpers.core.optim import Adam
from helpers.teaching.checkpoints import HABIT_GAP

ROOT = Path(__file__).resolve().parent.parent
SEED = 0
"""The committed data/ files are SEED 0's: the expert of notebook 01 and its demonstration from notebook 02."""
EVAL_EPISODES = 50
"""Fresh greedy episodes per learner, as in notebook 04."""
GAIL_SEEDS = (0, 1, 2)
"""Training seeds of the overshoot figure (each on SEED 0's demonstration): one seed could be luck."""
WEAK_D = {"disc_lr": 1e-4}
"""The overshoot's knob: D's learning rate 10 times below GAILConfig's 1e-3, so D lags behind the student."""
EXPERT_BUDGET = 60_000
"""Env steps of notebook 01's expert in the bootstrapping figure (the correct one stops once solved, earlier)."""
FIGURES = ("reward_sign", "weak_d", "overshoot", "labels_flipped", "bootstrap_fall")


# ---------------------------------------------------------------------------------------------------- the slips
def reward_log_d(
    disc: Discriminator, states: torch.Tensor, actions: torch.Tensor, kind: str = "neg_log_d", clip: float | None = None
) -> torch.Tensor:
    """The slip of failure (a): r = log D instead of -log D (the minus sign dropped); ``kind`` is ignored."""
    with torch.no_grad():
        logits = disc(states, actions)
        return -F.softplus(-(logits if clip is None else logits.clamp(-clip, clip)))  # log sigmoid(l) = log D


def update_discriminator_flipped(
    disc: Discriminator,
    optimizer: Adam,
    expert_states: torch.Tensor,
    expert_actions: torch.Tensor,
    student_states: torch.Tensor,
    student_actions: torch.Tensor,
    steps: int = 1,
    student_batch: int | None = None,
) -> float:
    """The slip of failure (d): D trained with the labels the other way round, expert 1 and student 0 (the reward,
    -log D, still assumes expert 0): ``helpers.algorithms.discriminator.update_discriminator`` with the two sides
    swapped, every pair of both in each step (``student_batch`` is not applied, as with ``GAILConfig()``'s default)."""
    return update_discriminator(disc, optimizer, student_states, student_actions, expert_states, expert_actions, steps)


_GAE = ppo_module.gae


def gae_bootstrapping_falls(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    truncated: torch.Tensor,
    gamma: float,
    lam: float,
) -> torch.Tensor:
    """The slip of failure (e): a fall treated as a truncation, so delta_t bootstraps gamma V(s_{t+1}) through it."""
    return _GAE(rewards, values, next_values, torch.zeros_like(terminated), terminated | truncated, gamma, lam)


@contextlib.contextmanager
def swapped(module: ModuleType, name: str, replacement: Callable[..., Any]) -> Iterator[None]:
    """``module.name`` is ``replacement`` inside the block, and the helpers' own function again after it."""
    original = getattr(module, name)
    setattr(module, name, replacement)
    try:
        yield
    finally:
        setattr(module, name, original)


# ---------------------------------------------------------------------------------------------------- the runs
@dataclass
class Run:
    """One training run and its learner's score on the fresh episodes."""

    name: str
    history: History
    mean_return: float
    habit: float
    disc: Discriminator | None = None
    critic: dict[str, float] | None = None


@dataclass
class Setup:
    """SEED 0's committed expert and demonstration, and the expert's score on the fresh episodes."""

    demos: dict[str, Any]
    expert_return: float
    expert_habit: float
    eval_seed: int


def load_setup(data: Path | None = None) -> Setup:
    """Read SEED 0's data files (the repository's data/ unless ``data``) and score the expert."""
    folder = helpers.data_dir(data)
    demos = helpers.load_demos(folder / "expert_demos.pt", n=200)
    expert = helpers.load_policy(folder / "expert_policy.pt")
    eval_seed = helpers.fresh_seed(SEED)
    ret, habit = score(expert, eval_seed)
    return Setup(demos, ret, habit, eval_seed)


def score(policy: torch.nn.Module, eval_seed: int) -> tuple[float, float]:
    """Greedy mean return and habit on ``EVAL_EPISODES`` fresh episodes from ``eval_seed``."""
    episodes = helpers.run_episodes(policy, EVAL_EPISODES, seed=eval_seed)
    return float(np.mean([len(e) for e in episodes])), helpers.mean_habit(episodes)


def gail_run(setup: Setup, name: str, seed: int = SEED, slip: contextlib.AbstractContextManager | None = None,
             demos: dict[str, Any] | None = None, **config: Any) -> Run:  # fmt: skip
    """GAIL (``helpers.train_gail``, ``GAILConfig(**config)``) on SEED 0's demo (or ``demos``), ``slip`` swapped in."""
    t0 = time.perf_counter()
    with slip or contextlib.nullcontext():
        budget = helpers.notebook_parameters("04")["GAIL_MAX_ENV_STEPS"]  # notebook 04's, unless given
        config_ = helpers.GAILConfig(**{"max_env_steps": budget} | config)
        student, hist, disc = helpers.train_gail(demos or setup.demos, seed, config_, progress=False)
    ret, habit = score(student.policy, setup.eval_seed)
    print(f"  {name} (seed {seed}): return {ret:.1f}, habit {habit:+.3f} ({time.perf_counter() - t0:.1f} s)")
    return Run(name, hist, ret, habit, disc)


def expert_run(setup: Setup, name: str, slip: contextlib.AbstractContextManager | None = None) -> Run:
    """Notebook 01's expert (``helpers.train_expert``, seed 0, at most ``EXPERT_BUDGET`` steps), ``slip`` swapped in."""
    t0 = time.perf_counter()
    with slip or contextlib.nullcontext():
        agent, hist = helpers.train_expert(SEED, max_env_steps=EXPERT_BUDGET, progress=False)
    ret, habit = score(agent.policy, setup.eval_seed)
    print(f"  {name}: solved {hist.solved}, return {ret:.1f}, habit {habit:+.3f} ({time.perf_counter() - t0:.1f} s)")
    return Run(name, hist, ret, habit, critic=critic_at_falls(agent))


@torch.no_grad()
def critic_at_falls(agent: helpers.PPO, seed: int = SEED) -> dict[str, float]:
    """What the trained critic says on a batch of its own sampled episodes: mean V(s_t) over every step, mean
    V(s_{t+1}) after the falls, and the mean reward per step."""
    torch.manual_seed(seed)
    episodes = helpers.collect(helpers.CartPoleBatch(8, habit_x=helpers.HABIT_X), agent.policy, 800, seed=seed)
    batch = helpers.concat_episodes(episodes)
    fell = batch.terminated
    return {
        "V(s) over the batch": float(agent.value(batch.states).mean()),
        "V(s') after a fall": float(agent.value(batch.next_states[fell]).mean()) if fell.any() else float("nan"),
        "falls in the batch": int(fell.sum()),
        "episodes in the batch": len(episodes),
        "reward per step": float(batch.rewards.mean()),
    }


def tail(xs: list[float], n: int = 5) -> float:
    """Mean of the last ``n`` entries (the end of training, less noisy than the last one alone)."""
    return float(np.mean(xs[-n:]))


@torch.no_grad()
def reward_along_x(disc: Discriminator, demos: dict[str, Any], xs: np.ndarray) -> np.ndarray:
    """Mean reward -log D over the demo's pairs with their cart moved to each x (the other three state variables
    and the action as the expert had them): what D pays for the expert's own behaviour at another place."""
    states, actions = demos["states"], demos["actions"].reshape(-1)
    out = []
    for x in xs:
        moved = states.clone()
        moved[:, 0] = float(x)
        out.append(float(reward_from_logits(disc(moved, actions), "neg_log_d").mean()))
    return np.array(out)


# ---------------------------------------------------------------------------------------------------- figures
def _save(fig: plt.Figure, out: Path, name: str) -> Path:
    path = out / f"failure_{name}.png"
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def figure_reward_sign(correct: Run, wrong: Run, negative: Run, out: Path) -> dict[str, float]:
    """(a) Episode length over training: GAIL paid -log D, paid log D (the slip), and paid log(1 - D) (a knob)."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4), layout="constrained")
    for run, style in ((correct, "C0-"), (wrong, "C3-"), (negative, "C1--")):
        ax.plot(run.history.env_steps, run.history.episode_length, style, label=run.name)
    ax.set_xlabel("env steps of training")
    ax.set_ylabel("mean length of the batch's episodes (steps)")
    ax.set_ylim(0, 210)
    ax.set_title("(a) A reward below 0 on every step: the student learns to end every episode")
    ax.legend()
    _save(fig, out, "reward_sign")
    return {"correct_final_length": tail(correct.history.episode_length), "wrong_final_length":
            tail(wrong.history.episode_length), "wrong_return": wrong.mean_return,
            "wrong_min_length": min(wrong.history.episode_length),
            "log_1m_d_final_length": tail(negative.history.episode_length),
            "log_1m_d_return": negative.mean_return}  # fmt: skip


def _d_curves(ax: plt.Axes, run: Run, title: str) -> None:
    h = run.history
    ax.plot(h.env_steps, h.extra["d_expert"], "C0-", label="mean D on the expert's pairs (label 0)")
    ax.plot(h.env_steps, h.extra["d_student"], "C1-", label="mean D on the student's pairs (label 1)")
    ax.axhline(0.5, color="0.5", lw=0.8, ls=":")
    ax.set_ylim(0, 1)
    ax.set_xlabel("env steps of training")
    ax.set_ylabel("D = P(student), before D's update")
    ax.set_title(title, fontsize="medium")


def figure_weak_d(correct: Run, weak: Run, out: Path) -> dict[str, float]:
    """(b) D's two curves over training: 20 discriminator steps per iteration, and 1."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True, layout="constrained")
    _d_curves(axes[0], correct, f"{correct.name}: habit {correct.habit:+.2f}")
    _d_curves(axes[1], weak, f"{weak.name}: habit {weak.habit:+.2f}")
    axes[0].legend(loc="lower right", fontsize="small")
    fig.suptitle("(b) Too few discriminator steps: D's two curves stay together near 0.5 from the start")
    _save(fig, out, "weak_d")
    first = len(correct.history.env_steps) // 3  # the first third of training, where D should pull them apart
    return {
        "correct_min_d_expert_first_third": min(correct.history.extra["d_expert"][:first]),
        "correct_max_d_student_first_third": max(correct.history.extra["d_student"][:first]),
        "weak_min_d_expert": min(weak.history.extra["d_expert"]),
        "weak_max_d_expert": max(weak.history.extra["d_expert"]),
        "weak_max_d_student": max(weak.history.extra["d_student"]),
        "weak_min_batch_habit": min(weak.history.episode_habit),
        "correct_final_d": tail(correct.history.extra["d_expert"]),
        "correct_final_d_student": tail(correct.history.extra["d_student"]),
        "weak_final_d": tail(weak.history.extra["d_expert"]),
        "weak_final_d_student": tail(weak.history.extra["d_student"]),
        "correct_habit": correct.habit,
        "weak_habit": weak.habit,
    }


def figure_overshoot(setup: Setup, runs: dict[str, list[Run]], out: Path) -> dict[str, Any]:
    """(c) Per training seed, the greedy habit of GAIL and of GAIL with a lagging D; D's reward along x on seed 0."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    eh = setup.expert_habit
    ax1.axhspan(eh - HABIT_GAP, eh + HABIT_GAP, color="0.9", label=f"within {HABIT_GAP} m of the expert's habit")
    ax1.axhline(eh, color="k", lw=1, label=f"the expert's habit, {eh:+.2f} m")
    ax1.axhline(2.4, color="C3", lw=0.8, ls="--", label="end of the track, x = 2.4 m")
    styles = ("C0o", "C1^", "C3s")
    for (name, group), style, offset in zip(runs.items(), styles, (-0.12, 0.0, 0.12), strict=True):
        ax1.plot([s + offset for s in GAIL_SEEDS], [r.habit for r in group], style, ms=8, label=name)
    ax1.set_xticks(list(GAIL_SEEDS))
    ax1.set_xlabel("training seed (SEED 0's expert and demo)")
    ax1.set_ylabel("greedy habit on 50 fresh episodes (m)")
    ax1.set_ylim(-0.6, 2.6)
    ax1.legend(fontsize="small", loc="lower center", ncol=2)
    xs = np.linspace(-2.4, 2.4, 97)
    demo_x = setup.demos["states"][:, 0]
    ax2.axvspan(float(demo_x.min()), float(demo_x.max()), color="0.9", label="where the demo's cart went")
    ax2.axvline(eh, color="k", lw=1, label="the expert's habit")
    curves = {}
    for (name, group), style in zip(runs.items(), ("C0-", "C1-", "C3-"), strict=True):
        curves[name] = reward_along_x(group[0].disc, setup.demos, xs)
        ax2.plot(xs, curves[name], style, label=f"{name}, seed 0")
    ax2.set_xlabel("cart position x (m), the demo's pairs moved there")
    ax2.set_ylabel("mean reward −log D after training")
    ax2.legend(fontsize="small")
    fig.suptitle("(c) A discriminator that lags behind keeps paying past the mark, and the cart overshoots it")
    _save(fig, out, "overshoot")
    inside = xs <= float(demo_x.max()) + 1e-9
    return {
        "demo_x_range": [float(demo_x.min()), float(demo_x.max())],
        "habits": {name: [r.habit for r in group] for name, group in runs.items()},
        "returns": {name: [r.mean_return for r in group] for name, group in runs.items()},
        "reward_peak_x": {name: float(xs[int(np.argmax(c))]) for name, c in curves.items()},
        "reward_at_2.4_over_max_in_demo": {name: float(c[-1] / c[inside].max()) for name, c in curves.items()},
    }


def figure_labels_flipped(correct: Run, flipped: Run, setup: Setup, out: Path) -> dict[str, float]:
    """(d) D's two curves and the training batches' habit: labels as the reward assumes them, and flipped."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
    _d_curves(ax1, flipped, f"{flipped.name}: D's two curves")
    ax1.legend(loc="center right", fontsize="small")
    for run, style in ((correct, "C0-"), (flipped, "C3-")):
        ax2.plot(run.history.env_steps, run.history.episode_habit, style, label=run.name)
    ax2.axhline(setup.expert_habit, color="k", lw=1, label="the expert's habit")
    ax2.set_xlabel("env steps of training")
    ax2.set_ylabel("habit of the batch's episodes (m)")
    ax2.legend(fontsize="small")
    fig.suptitle("(d) Labels flipped: D calls the expert 'student', and −log D pays for being unlike the expert")
    _save(fig, out, "labels_flipped")
    h = flipped.history
    return {"final_d_expert": tail(h.extra["d_expert"]), "final_d_student": tail(h.extra["d_student"]),
            "final_d_acc": tail(h.extra["d_acc"]), "habit": flipped.habit, "return": flipped.mean_return,
            "final_length": tail(h.episode_length)}  # fmt: skip


def figure_bootstrap_fall(correct: Run, wrong: Run, out: Path) -> dict[str, float]:
    """(e) The expert's training episodes' length: GAE that stops at a fall, and GAE that bootstraps through it."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4), layout="constrained")
    for run, style in ((correct, "C0-"), (wrong, "C3-")):
        ax.plot(run.history.env_steps, run.history.episode_length, style, label=run.name)
    ax.set_xlabel("env steps of training (notebook 01's expert, seed 0)")
    ax.set_ylabel("mean length of the batch's episodes (steps)")
    ax.set_ylim(0, 210)
    ax.set_title("(e) A fall treated as a truncation: the expert learns to fall")
    ax.legend()
    _save(fig, out, "bootstrap_fall")
    lengths = wrong.history.episode_length
    return {"correct_solved_at": correct.history.env_steps[-1], "correct_return": correct.mean_return,
            "wrong_peak_length": max(lengths), "wrong_peak_at": wrong.history.env_steps[int(np.argmax(lengths))],
            "wrong_final_length": tail(lengths), "wrong_return": wrong.mean_return,
            "critic_correct": correct.critic, "critic_wrong": wrong.critic}  # fmt: skip


# ---------------------------------------------------------------------------------------------------- main
def make_figures(out: Path, only: tuple[str, ...] = FIGURES) -> dict[str, Any]:
    """Train what the figures in ``only`` need, draw them into ``out``; returns the numbers they show."""
    torch.set_num_threads(1)
    out.mkdir(parents=True, exist_ok=True)
    setup = load_setup()
    print(f"SEED 0's expert: return {setup.expert_return:.1f}, habit {setup.expert_habit:+.3f}")
    numbers: dict[str, Any] = {"expert_habit": setup.expert_habit}
    need_gail = {"reward_sign", "weak_d", "overshoot", "labels_flipped"} & set(only)
    correct = gail_run(setup, "GAIL (GAILConfig())") if need_gail else None
    weak = None
    if "reward_sign" in only:
        wrong = gail_run(setup, "GAIL paid log D", slip=swapped(gail_module, "gail_reward", reward_log_d))
        negative = gail_run(setup, "GAILConfig(reward='log_1m_d'): log(1 − D)", reward="log_1m_d")
        numbers["reward_sign"] = figure_reward_sign(correct, wrong, negative, out)
    if "weak_d" in only:
        weak = gail_run(setup, "GAILConfig(disc_steps=1)", disc_steps=1)
        numbers["weak_d"] = figure_weak_d(correct, weak, out)
    if "overshoot" in only:
        runs = {correct.name: [correct] + [gail_run(setup, correct.name, s) for s in GAIL_SEEDS[1:]]}
        for name, knob in (("GAILConfig(disc_steps=1)", {"disc_steps": 1}), ("GAILConfig(disc_lr=1e-4)", WEAK_D)):
            runs[name] = [weak if s == SEED and "disc_steps" in knob and weak is not None else
                          gail_run(setup, name, s, **knob) for s in GAIL_SEEDS]  # fmt: skip
        numbers["overshoot"] = figure_overshoot(setup, runs, out)
        print("  other knobs, not drawn (neither overshoots on SEED 0):")
        first50 = {k: setup.demos[k][:50] for k in ("states", "actions", "terminated")}
        others = [gail_run(setup, "GAILConfig(normalize_disc_inputs=False)", normalize_disc_inputs=False)]
        others.append(gail_run(setup, "GAIL on the demo's first 50 pairs", demos={**setup.demos, **first50}))
        numbers["overshoot"]["not drawn"] = {r.name: [r.mean_return, r.habit] for r in others}
    if "labels_flipped" in only:
        slip = swapped(gail_module, "update_discriminator", update_discriminator_flipped)
        flipped = gail_run(setup, "D trained with expert 1, student 0", slip=slip)
        numbers["labels_flipped"] = figure_labels_flipped(correct, flipped, setup, out)
    if "bootstrap_fall" in only:
        right = expert_run(setup, "GAE: a fall ends the return (terminated)")
        wrong = expert_run(setup, "GAE: a fall bootstraps V(s') (as if truncated)",
                           swapped(ppo_module, "gae", gae_bootstrapping_falls))  # fmt: skip
        numbers["bootstrap_fall"] = figure_bootstrap_fall(right, wrong, out)
    return numbers


def main(argv: list[str] | None = None) -> None:
    """Command line: draw the figures into --out and print the numbers they show."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="folder of the figures (docs/img)")
    p.add_argument("--only", default=",".join(FIGURES), help=f"comma-separated, of: {', '.join(FIGURES)}")
    args = p.parse_args(argv)
    only = tuple(x.strip() for x in args.only.split(",") if x.strip())
    if unknown := sorted(set(only) - set(FIGURES)):
        raise SystemExit(f"--only: unknown figure(s) {unknown}; choose from {', '.join(FIGURES)}")
    t0 = time.perf_counter()
    numbers = make_figures(args.out, only)
    print(json.dumps(numbers, indent=1, default=str))
    print(f"figures in {args.out} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
