"""Training a PPO agent on the environment's own reward: the expert of notebook 01."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from helpers.algorithms.ppo import PPO, PPOConfig, expert_config
from helpers.core import rules
from helpers.core.env import HABIT_X, MAX_STEPS, CartPoleBatch
from helpers.core.rollout import BatchEnv, Episode, collect, concat_episodes, mean_habit, run_episodes
from helpers.core.seeding import seed_everything, train_eval_seed


@dataclass
class History:
    """What one training run measured, one entry per update (``extra``: other per-update numbers)."""

    env_steps: list[int] = field(default_factory=list)
    """Training env steps so far (evaluation episodes are not counted)."""
    episode_return: list[float] = field(default_factory=list)
    """Mean environment return of the update's (sampled) training episodes."""
    episode_length: list[float] = field(default_factory=list)
    """Mean length of those episodes."""
    episode_habit: list[float] = field(default_factory=list)
    """Mean cart position over the last 100 steps of those episodes (``rollout.habit_of``)."""
    train_seconds: list[float] = field(default_factory=list)
    """Wall seconds spent playing and updating so far (evaluation excluded)."""
    extra: dict[str, list[float]] = field(default_factory=dict)
    """Other per-update numbers (discriminator statistics, evaluations, ...)."""

    def add_batch(
        self,
        steps: int,
        batch: Episode,
        episodes: list[Episode],
        train_seconds: float,
        habit: Callable[[list[Episode]], float] = mean_habit,
    ) -> None:
        """Record one update: env steps so far, its training episodes' mean return, length and ``habit`` (CartPole's
        mean cart x by default), and seconds."""
        self.env_steps.append(steps)
        self.episode_return.append(batch.ret / len(episodes))
        self.episode_length.append(len(batch) / len(episodes))
        self.episode_habit.append(habit(episodes))
        self.train_seconds.append(train_seconds)

    def log(self, **values: float) -> None:
        """Append named per-update numbers to ``extra``."""
        for k, v in values.items():
            self.extra.setdefault(k, []).append(float(v))


RewardsOf = Callable[[Episode, int], tuple[torch.Tensor, dict[str, float]]]
"""Per batch: the rewards of its steps [N] and numbers to log, given the batch and the env steps so far."""


def train_student(
    student: PPO,
    envs: BatchEnv,
    seed: int,
    max_env_steps: int,
    rewards_of: RewardsOf,
    progress: bool,
    habit: Callable[[list[Episode]], float] = mean_habit,
) -> History:
    """The loop every student that is not paid by the environment trains in (GAIL, AIRL, a frozen reward); on
    Pendulum (notebook 07), where no stop rule reads an evaluation, the expert and the control train in it too,
    ``rewards_of`` handing on what the environment paid.

    Each iteration: the student plays a batch (``collect``; its first reset seeded with ``seed``);
    ``rewards_of(batch, steps)`` gives each step's reward, after any discriminator update it makes; the learning
    rates anneal to 0 over ``max_env_steps`` if ``student.config.anneal_lr``; one PPO update; the history logs the
    batch (its episodes' ``habit``: CartPole's mean cart x by default) and ``rewards_of``'s numbers. Timed per
    iteration, all of it (rewards included). ``envs``: CartPole's batch, or any other (notebook 07's Pendulum).
    """
    hist = History()
    steps, train_time = 0, 0.0
    bar = tqdm(total=max_env_steps, desc="env steps", disable=not progress)
    while steps < max_env_steps:
        t0 = time.perf_counter()
        episodes = collect(envs, student.policy, student.config.batch_steps, seed=seed if steps == 0 else None)
        batch = concat_episodes(episodes)
        rewards, logs = rewards_of(batch, steps)
        if student.config.anneal_lr:
            student.scale_learning_rates(1.0 - steps / max_env_steps)
        student.update(batch, rewards)
        train_time += time.perf_counter() - t0
        steps += len(batch)
        bar.update(min(len(batch), max_env_steps - bar.n))
        hist.add_batch(steps, batch, episodes, train_time, habit)
        hist.log(**logs)
    bar.close()
    return hist


@dataclass
class ExpertHistory(History):
    """A ``History`` plus the expert's evaluations and when it first counted as solved."""

    eval_steps: list[int] = field(default_factory=list)
    """Training env steps at each greedy evaluation."""
    eval_return: list[float] = field(default_factory=list)
    """Greedy evaluation: mean return."""
    eval_habit: list[float] = field(default_factory=list)
    """Greedy evaluation: mean cart position over the last 100 steps."""
    steps_to_target: int | None = None
    """Env steps when an evaluation first counted as solved (None: never)."""
    seconds_to_target: float | None = None
    """Training seconds at that moment."""
    solved: bool = False
    """True if training stopped because the expert was solved and confirmed."""


@dataclass
class ExpertRule:
    """When the expert counts as solved: greedy episodes last the whole cap and hold the habit."""

    target: float = rules.checked(MAX_STEPS, rules.number(1))
    """Greedy mean episode length to reach (200: never a fall)."""
    habit_x: float | None = rules.checked(HABIT_X, rules.number(-2, 2, optional=True))
    """Where the greedy episodes must keep the cart over their last 100 steps (None: no habit)."""
    habit_tol: float = rules.checked(0.08, rules.number(0, low_open=True))
    """How close: |mean x over the last 100 steps - habit_x| <= habit_tol (stricter than 01's checkpoint, 0.15)."""
    eval_episodes: int = rules.checked(10, rules.integer(1))
    """Greedy episodes per evaluation."""
    eval_every: int = rules.checked(1, rules.integer(1))
    """Evaluate after every this-many updates."""
    solved_streak: int = rules.checked(3, rules.integer(1))
    """Consecutive solved evaluations before the confirmation is tried."""
    confirm_episodes: int = rules.checked(50, rules.integer(1))
    """Fresh greedy episodes that must also count as solved before training stops."""

    def __post_init__(self) -> None:
        """Refuse a bad field at once, naming it."""
        rules.check_config(self)

    def met(self, lengths: list[float], habit: float) -> bool:
        """Solved: mean length >= target and (with a habit) the mean habit within tolerance."""
        long_enough = sum(lengths) / len(lengths) >= self.target
        return long_enough and (self.habit_x is None or abs(habit - self.habit_x) <= self.habit_tol)


def train_expert(
    seed: int = 0,
    config: PPOConfig | None = None,
    rule: ExpertRule | None = None,
    *,
    max_env_steps: int,
    progress: bool = True,
) -> tuple[PPO, ExpertHistory]:
    """Train a PPO expert on CartPole paid by ``habit_reward(x, rule.habit_x)``, until ``rule`` holds or out of budget.

    Each update: play episodes ``config.n_envs`` at a time until the batch holds ``config.batch_steps`` steps, one
    PPO update on them; every ``rule.eval_every`` updates a greedy evaluation. After ``rule.solved_streak`` solved
    evaluations in a row, ``rule.confirm_episodes`` fresh episodes must be solved too; then training stops. A marginal
    expert would record marginal demonstrations.
    """
    config = config or expert_config()
    rule = rule or ExpertRule()
    seed_everything(seed)
    agent = PPO(config)
    envs = CartPoleBatch(config.n_envs, habit_x=rule.habit_x)
    hist = ExpertHistory()
    steps, updates, evals, streak, train_time = 0, 0, 0, 0, 0.0
    bar = tqdm(total=max_env_steps, desc="env steps", disable=not progress)
    while steps < max_env_steps:
        t0 = time.perf_counter()
        episodes = collect(envs, agent.policy, config.batch_steps, seed=seed if updates == 0 else None)
        batch = concat_episodes(episodes)
        if config.anneal_lr:
            agent.scale_learning_rates(1.0 - steps / max_env_steps)
        agent.update(batch)
        train_time += time.perf_counter() - t0
        steps, updates = steps + len(batch), updates + 1
        bar.update(min(len(batch), max_env_steps - bar.n))
        hist.add_batch(steps, batch, episodes, train_time)
        if updates % rule.eval_every:
            continue
        played = run_episodes(agent.policy, rule.eval_episodes, seed=train_eval_seed(seed, evals))
        evals += 1
        lengths, habit = [len(e) for e in played], mean_habit(played)
        hist.eval_steps.append(steps)
        hist.eval_return.append(sum(lengths) / len(lengths))
        hist.eval_habit.append(habit)
        bar.set_postfix(length=f"{hist.eval_return[-1]:.0f}", habit=f"{habit:+.2f}")
        streak = streak + 1 if rule.met(lengths, habit) else 0
        if streak and hist.steps_to_target is None:
            hist.steps_to_target, hist.seconds_to_target = steps, train_time
        if streak >= rule.solved_streak:
            confirm = run_episodes(agent.policy, rule.confirm_episodes, seed=train_eval_seed(seed, evals))
            evals += 1
            if rule.met([len(e) for e in confirm], mean_habit(confirm)):
                hist.solved = True
                break
    bar.total = bar.n  # a run that stops early still ends its bar at 100 %
    bar.refresh()
    bar.close()
    return agent, hist
