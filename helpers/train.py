"""The training loop shared by the expert (environment reward) and the imitators (learned reward)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from helpers.env import MAX_STEPS, make_env
from helpers.ppo import PPO, PPOConfig, concat_episodes, expert_config
from helpers.rollout import Episode, evaluate, play_episode
from helpers.seeding import seed_everything


@dataclass
class History:
    """What one training run measured, one entry per update."""

    env_steps: list[int] = field(default_factory=list)
    """Training env steps so far (evaluation episodes are not counted)."""
    episode_return: list[float] = field(default_factory=list)
    """Environment return of the (sampled) training episode."""
    eval_return: list[float] = field(default_factory=list)
    """Greedy evaluation mean after the update."""
    train_seconds: list[float] = field(default_factory=list)
    """Wall seconds spent playing and updating so far (evaluation excluded)."""
    steps_to_target: int | None = None
    """Env steps when the evaluation mean first reached the target (None: never)."""
    seconds_to_target: float | None = None
    """Training seconds at that moment."""
    extra: dict[str, list[float]] = field(default_factory=dict)
    """Other per-update numbers a caller logs (discriminator loss, ...)."""

    def log(self, **values: float) -> None:
        """Append named per-update numbers to ``extra``."""
        for k, v in values.items():
            self.extra.setdefault(k, []).append(float(v))


def train_ppo(
    agent: PPO,
    seed: int = 0,
    max_env_steps: int = 20_000,
    target: float = MAX_STEPS,
    eval_episodes: int = 10,
    confirm_episodes: int = 20,
    solved_streak: int = 1,
    reward_fn: Callable[[Episode], torch.Tensor] | None = None,
    after_episode: Callable[[Episode, History], dict[str, float] | None] | None = None,
    stop_when: Callable[[History], bool] | None = None,
    progress: bool = True,
) -> History:
    """Play one episode (or a batch: ``episodes_per_update``, ``min_steps_per_update``), update, evaluate greedily;
    repeat until solved or out of budget.

    Solved means: the ``eval_episodes``-episode greedy mean reaches ``target`` and then holds on
    ``confirm_episodes`` fresh episodes (so a lucky evaluation does not stop training), after
    ``solved_streak`` consecutive updates whose evaluation reached the target, and
    ``stop_when(history)`` agrees if given. ``reward_fn(episode)`` replaces the environment's
    reward (GAIL); ``after_episode`` runs before each update and may log numbers.
    """
    seed_everything(seed)
    env = make_env(seed)
    hist = History()
    steps, n_eval, train_time, streak = 0, 0, 0.0, 0
    bar = tqdm(total=max_env_steps, desc="env steps", disable=not progress, leave=True)
    while steps < max_env_steps:
        t0 = time.perf_counter()
        played = [play_episode(env, agent.policy, greedy=False) for _ in range(agent.config.episodes_per_update)]
        while sum(len(e) for e in played) < agent.config.min_steps_per_update:
            played.append(play_episode(env, agent.policy, greedy=False))
        episode = played[0] if len(played) == 1 else concat_episodes(played)
        extra = after_episode(episode, hist) if after_episode else None
        rewards = reward_fn(episode) if reward_fn else None
        if agent.config.anneal_lr:
            agent.scale_learning_rates(1.0 - steps / max_env_steps)
        agent.update(episode, rewards)
        train_time += time.perf_counter() - t0
        steps += len(episode)
        bar.update(min(len(episode), max_env_steps - bar.n))

        score = float(evaluate(agent.policy, eval_episodes, greedy=True, seed=10_000 * (seed + 1) + n_eval).mean())
        n_eval += eval_episodes
        hist.env_steps.append(steps)
        hist.episode_return.append(episode.ret / len(played))
        hist.eval_return.append(score)
        hist.train_seconds.append(train_time)
        if extra:
            hist.log(**extra)
        bar.set_postfix(eval=f"{score:.0f}")
        streak = streak + 1 if score >= target else 0
        if streak and hist.steps_to_target is None:
            hist.steps_to_target, hist.seconds_to_target = steps, train_time
        if streak >= solved_streak:
            confirm = evaluate(agent.policy, confirm_episodes, greedy=True, seed=10_000 * (seed + 1) + n_eval)
            n_eval += confirm_episodes
            if confirm.mean() >= target and (stop_when is None or stop_when(hist)):
                break
    bar.total = bar.n  # a run that stops early still ends its bar at 100 %
    bar.refresh()
    bar.close()
    env.close()
    return hist


def train_expert(
    seed: int = 0,
    config: PPOConfig | None = None,
    max_env_steps: int = 20_000,
    progress: bool = True,
    solved_streak: int = 3,
    confirm_episodes: int = 50,
) -> tuple[PPO, History]:
    """Train a PPO expert (``expert_config()`` unless ``config``) on CartPole's reward until it reliably scores 200.

    Stops after ``solved_streak`` consecutive solved evaluations and 200 on ``confirm_episodes`` fresh
    episodes: a marginal expert would record marginal demonstrations.
    """
    seed_everything(seed)
    agent = PPO(config or expert_config())
    hist = train_ppo(
        agent,
        seed=seed,
        max_env_steps=max_env_steps,
        solved_streak=solved_streak,
        confirm_episodes=confirm_episodes,
        progress=progress,
    )
    return agent, hist
