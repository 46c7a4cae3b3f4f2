# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [← 01 A PPO expert](01_ppo_expert.ipynb) · [contents](../README.md) · [03 The discriminator →](03_discriminator.ipynb)
#
# # 02 · Expert demonstrations
#
# Imitation learning does not learn from rewards: it learns from **demonstrations**, pairs of
# (state, action) recorded while an expert does the task. In this notebook you will
#
# 1. load the expert trained in notebook 01;
# 2. see why we record it acting **greedily** (always its most likely action) rather than sampling;
# 3. record one 200-step episode and save its 200 (state, action) pairs;
# 4. look at what the demonstration contains: the cart travelling toward its mark and staying there, the pole
#    leaned to set off and to brake, the order of the pushes, the frames.
#
# Two **coding exercises** ask you to write the loops that play a policy: a rollout of sampled episodes, the data PPO
# learns from, and the recording of the demonstration. Write your code in place of `raise NotImplementedError(...)`,
# and the cell checks it against what the environment really played and says what is wrong if anything is. The
# notebook then goes on with the helpers.
#
# After this notebook the expert leaves the stage: the students of notebooks 03–05 only ever see these pairs.
#
# **Reads** `data/expert_policy.pt` (written by notebook 01). **Writes** `data/expert_demos.pt`.
# **Runs** in <!-- sweep: runtime-02 -->about 5 seconds<!-- /sweep --> on a 2-core CPU.

# %% tags=["parameters"]
SEED = 0  # seeds the demonstration episode's start state
CHECK_EPISODES = 100  # sampled episodes used to compare sampled and greedy actions
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ (installed package: ./il_data/)

# %%
try:
    import helpers  # the series' own package
except ModuleNotFoundError:  # opened on its own (the website's download), in a kernel without it
    raise ModuleNotFoundError(
        "This notebook needs the series' package: run `%pip install PATH` in a cell, PATH being a copy of the "
        "repository (or the wheel `make wheel` builds there), then restart the kernel."
    ) from None

import gymnasium as gym
import matplotlib.pyplot as plt
import torch

from helpers.core.env import THETA_LIMIT, X_LIMIT
from helpers.teaching import exercises as check
from helpers.teaching.checkpoints import DEMO_HABIT_TOL, DEMO_LIMIT_SHARE, checkpoint

helpers.check_parameters(SEED=SEED, CHECK_EPISODES=CHECK_EPISODES, DATA_DIR=DATA_DIR)
data = helpers.check_data_files(helpers.data_dir(DATA_DIR), reads=["expert_policy.pt"], writes=["expert_demos.pt"])
helpers.seed_everything(SEED)
torch.set_num_threads(1)  # faster for these tiny networks

# %% [markdown]
# ## 1. Load the expert
#
# `helpers.load_policy` reads the file safely (tensors only, every field checked) and returns the policy
# network, ready to use: states in, two action logits out. Its metadata says where notebook 01 taught it to
# keep the cart.

# %%
expert = helpers.load_policy(data / "expert_policy.pt")
habit_x = expert.meta.get("habit_x")
print("trained in notebook 01 with", expert.meta)
eval_seed = helpers.fresh_seed(SEED)
episodes = helpers.run_episodes(expert, 20, seed=eval_seed)
print(f"expert, greedy: mean return {sum(len(e) for e in episodes) / 20:.1f}, ", end="")
print(f"habit {helpers.mean_habit(episodes):+.2f} over 20 fresh episodes")

# %% [markdown]
# ## 2. Greedy or sampled?
#
# During training the policy *samples* its actions from $\pi(a \mid s)$: exploring is how it learns.
# But what we want the student to copy is the expert's **decision** in each state, its most likely
# action $\arg\max_a \pi(a \mid s)$. How often does a sampled action differ from that decision? We play
# sampled episodes and compare, state by state.
#
# **Coding exercise 1: a rollout.** Sampled episodes are what PPO learned from in notebook 01, and what a GAIL student
# plays in notebook 04. Write `my_rollout(env, policy, n_episodes, seed)`: reset `env` with `seed`; in each state
# $s_t$ sample $a_t \sim \pi(\cdot \mid s_t)$ (the policy returns two logits for a batch of states), step, and
# keep the row $(s_t, a_t, s_{t+1}, \text{terminated}_t, \text{truncated}_t)$; when an episode ends, reset (without
# the seed: the stream goes on) and play the next, until `n_episodes` have ended. Return a dict of five tensors, one
# row per step, the layout notebook 01's GAE takes: `s` `[T, 4]`, `a` `[T]` (int64), `s2` `[T, 4]`, `term` and
# `trunc` `[T]` (bool). Keep the two endings apart: the pole falling is *terminated*, our 200-step cap *truncated*.
# The check plays a balancing policy in a CartPole capped at 30 steps (every episode truncated) and a policy that
# pushes right 3 times in 4 (every episode falls) through your function, and compares your rows with what the
# environment really played.


# %%
@torch.no_grad()
def my_rollout(env: gym.Env, policy: torch.nn.Module, n_episodes: int, seed: int) -> dict[str, torch.Tensor]:
    """``n_episodes`` sampled episodes of ``policy`` one after the other: s, a, s2, term, trunc, one row per step."""
    ### BEGIN SOLUTION
    rows, ended = [], 0
    obs, _ = env.reset(seed=seed)
    while ended < n_episodes:
        s = torch.as_tensor(obs)
        a = torch.distributions.Categorical(logits=policy(s[None])[0]).sample()  # a_t ~ pi(.|s_t)
        obs, _, terminated, truncated, _ = env.step(int(a))
        rows.append((s, a, torch.as_tensor(obs), terminated, truncated))
        if terminated or truncated:  # the pole fell, or the cap: either way this episode is over
            ended += 1
            obs, _ = env.reset()  # no seed: the random stream goes on
    s, a, s2, term, trunc = zip(*rows, strict=True)
    return {"s": torch.stack(s), "a": torch.stack(a), "s2": torch.stack(s2), "term": torch.tensor(term),
            "trunc": torch.tensor(trunc)}  # fmt: skip
    ### END SOLUTION


check.rollout(my_rollout)

# %% [markdown]
# The comparison itself, on the helpers' sampled episodes of the expert:

# %%
sampled = helpers.concat_episodes(helpers.run_episodes(expert, CHECK_EPISODES, greedy=False, seed=eval_seed))
with torch.no_grad():
    greedy_actions = expert(sampled.states).argmax(-1)
    confidence = torch.softmax(expert(sampled.states), -1).max(-1).values
differ = (sampled.actions != greedy_actions).float().mean().item()
print(f"{len(sampled)} states from {CHECK_EPISODES} sampled episodes")
print(f"the sampled action differs from the expert's own choice on {differ:.0%} of them")
print(f"median probability of the expert's choice: {confidence.median():.2f}")

# %% [markdown]
# That is no rare slip: in many states the expert is not sure (the median probability of its preferred push is
# printed above), and there sampling picks the other push now and then. Which record is right depends on what the
# student does with it:
#
# * **Behavioral cloning** copies the action in each state. For it, a sampled pair that is not the argmax is a label
#   the expert's decision would not have given.
# * **GAIL** matches the distribution of (state, action) pairs. For it, sampled pairs are not wrong: they are what
#   the stochastic expert really does. A policy's **occupancy measure** $\rho_\pi(s, a)$ says how often, discounted
#   over time, it is in state $s$ and pushes $a$; GAIL makes the student's occupancy match the expert's (notebook 04).
#   Greedy pairs come from another policy, the argmax one, and have its occupancy.
#
# We record greedily, so every student in this series imitates the **greedy expert**: the policy notebook 01
# evaluated, checked and watched. One state, one action, the expert's decision.
#
# ## 3. Record one greedy episode
#
# One episode of 200 steps gives 200 pairs, the only data the students will get. We play it in the expert's
# own environment (its habit reward, so that the recorded return means what it meant in training), and check
# that it stayed inside the limits with room to spare: an expert that *barely* survived (pole near 12°, cart near
# the edge of the track) would teach the student to live on the edge.
#
# **Coding exercise 2: record a demonstration.** Write `my_record_demo(env, policy, seed)`: reset `env` with `seed`,
# then in each state $s_t$ push the expert's decision $a_t = \arg\max_a \pi(a \mid s_t)$ (the policy returns two
# logits for a batch of states) and record the pair $(s_t, a_t)$, until the episode is terminated or truncated.
# Return the states, float32 `[T, 4]`, and the actions, int64 `[T, 1]` (one column, as `save_demos` expects). The
# check plays the expert and a policy that always pushes right (whose pole falls) through your function, and compares
# the pairs with `helpers.play_episode`'s from the same start.


# %%
@torch.no_grad()
def my_record_demo(env: gym.Env, policy: torch.nn.Module, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One greedy episode of ``policy`` in ``env`` from the start ``seed``: states [T, 4] and actions [T, 1]."""
    ### BEGIN SOLUTION
    obs, _ = env.reset(seed=seed)
    states, actions, terminated, truncated = [], [], False, False
    while not (terminated or truncated):
        state = torch.as_tensor(obs, dtype=torch.float32)
        action = int(policy(state[None]).argmax(-1))  # the expert's decision in s_t
        obs, _, terminated, truncated, _ = env.step(action)
        states.append(state)
        actions.append(action)
    return torch.stack(states), torch.tensor(actions).unsqueeze(-1)
    ### END SOLUTION


check.record_demo(my_record_demo, expert, habit_x, SEED)

# %% [markdown]
# Now the demonstration itself, recorded by the helpers:

# %%
env = helpers.make_env(seed=SEED, habit_x=habit_x)
episode = helpers.play_episode(env, expert, greedy=True, seed=SEED)
states = episode.states  # float32 [200, 4]
actions = episode.actions.unsqueeze(-1)  # int64 [200, 1]: one column, as the later notebooks expect
demo_habit = helpers.habit_of(states)
print(f"{len(episode)} steps, return {episode.ret:.1f}, ended by truncation: {bool(episode.truncated[-1])}")
print(f"largest |x| = {states[:, 0].abs().max():.3f}  (the track ends at 2.4)")
print(f"largest |θ| = {states[:, 2].abs().max():.3f}  (the pole falls at 0.2095 rad)")
print(f"mean x over the last 100 steps: {demo_habit:+.2f}  (HABIT_X = {habit_x})")


# %%
def closest_to_a_fall(episode: helpers.Episode) -> float:
    """How close an episode came to a termination, its last state included: the larger of max |x| / 2.4 and
    max |θ| / 0.2095 (1 or more: it fell)."""
    visited = torch.cat([episode.states, episode.next_states[-1:]])
    return max(float(visited[:, 0].abs().max()) / X_LIMIT, float(visited[:, 2].abs().max()) / THETA_LIMIT)


print(f"closest to a fall: {closest_to_a_fall(episode):.0%} of the way to a limit")

# %% [markdown]
# **Checkpoint.** A full 200-step episode, ended by the cap and not by a fall, that never came closer than 95 % of
# the way to a limit (|x| at most 2.28 m, |θ| at most 0.199 rad), with the cart at its habit for the second half
# (within 0.4 m of `HABIT_X`, the gap every learner is held to: one episode varies more than the expert's 50-episode
# mean). Beside each check, the same numbers for an episode of an **untrained** policy from the same start: a
# demonstration by someone who did not learn the task must fail them.

# %%
helpers.seed_everything(SEED)
untrained = helpers.play_episode(env, helpers.PolicyNet(), greedy=True, seed=SEED)
control = "an untrained policy"
hint = "a marginal demonstration: re-run notebook 01"
checkpoint("demo length (steps)", len(episode), at_least=200, hint=hint, control=(control, len(untrained)))
assert bool(episode.truncated[-1]) and not episode.terminated.any(), "the demo must end by the cap, not by a fall"
checkpoint(
    "closest to a fall (share of a limit)",
    closest_to_a_fall(episode),
    at_most=DEMO_LIMIT_SHARE,
    hint=hint,
    control=(control, closest_to_a_fall(untrained)),
)
if habit_x is not None:
    gap = abs(demo_habit - habit_x)
    untrained_gap = abs(helpers.habit_of(untrained.states) - habit_x)
    checkpoint("|demo habit - HABIT_X| (m)", gap, at_most=DEMO_HABIT_TOL, hint=hint, control=(control, untrained_gap))

# %% [markdown]
# ## 4. Save the demonstration
#
# `helpers.save_demos` checks shapes, dtypes and values, then writes atomically. The metadata records where the
# pairs came from and how the actions were chosen.

# %%
path = helpers.save_demos(
    states,
    actions,
    data / "expert_demos.pt",
    terminated=episode.terminated,
    env_id=helpers.ENV_ID,
    seed=SEED,
    habit_x=habit_x,
    action_selection="greedy",
    **{"return": episode.ret},
)
print(f"saved {helpers.display_path(path)} ({path.stat().st_size / 1024:.0f} KiB)")

# %% [markdown]
# Read it back the way notebooks 03–05 will, and look at the shapes:

# %%
# NBVAL_CHECK_OUTPUT
demos = helpers.load_demos(data / "expert_demos.pt", n=200)
print("states: ", tuple(demos["states"].shape), demos["states"].dtype)
print("actions:", tuple(demos["actions"].shape), demos["actions"].dtype)
print("action selection:", demos["meta"]["action_selection"], "| habit_x:", demos["meta"]["habit_x"])

# %% [markdown]
# ## 5. What is in the demonstration?
#
# The four state variables over the episode. The red dashed lines are where the episode would terminate, the
# green dotted line is the habit.

# %%
fig = helpers.state_traces(states, title="the expert's demonstration, one greedy episode", habit_x=habit_x)

# %% [markdown]
# The expert first pushes the cart a little left while the pole leans right: to drive right, the pole must lean
# right first, and only a push left tips it that way. Then the cart drives right, its velocity rising and falling
# back, and the expert leans the pole the other way to brake. Near the mark it holds x almost still, correcting the
# pole all the time. The numbers of this demonstration:

# %%
x, x_dot, theta = states[:, 0], states[:, 1], states[:, 2]
print(f"leftmost x {x.min():+.2f} m (t = {int(x.argmin())}); the pole leans right up to {theta.max():.2f} rad, ",
      end="")  # fmt: skip
print(f"left down to {theta.min():+.2f} rad; top speed {x_dot.abs().max():.2f} m/s")
print(f"over the last 100 steps x stays between {x[-100:].min():+.2f} and {x[-100:].max():+.2f} m ", end="")
print(f"(HABIT_X = {habit_x})")

# %% [markdown]
#
# Balancing is a constant alternation of small pushes. An episode that starts and ends with the cart at rest has
# about as many pushes right as left, so counting the actions tells little about the journey: it is in their
# *order*. The running count of right pushes minus left pushes shows it:

# %%
pushes = actions[:, 0] * 2 - 1  # +1 for a push right, -1 for a push left
fig, ax = plt.subplots(figsize=(6, 2.6), layout="constrained")
ax.plot(pushes.cumsum(0).numpy())
ax.axhline(0, color="grey", lw=0.8)
ax.set_xlabel("time step t")
ax.set_ylabel("right − left pushes so far")
ax.set_title(f"actions in the demonstration: {int((pushes > 0).sum())} right, {int((pushes < 0).sum())} left")
plt.show()

# %% [markdown]
# Each push changes the cart's velocity by almost the same amount, about 0.2 m/s either way, so this curve has the
# shape of the velocity trace above. Its peak is the cart at full speed; the extra left pushes that follow brake it;
# at the mark the count hardly moves.

# %% [markdown]
# And the episode itself, in six evenly spaced frames (the step of each is written under it): the cart leaves the
# centre of the track and settles just left of its mark.

# %%
fig = helpers.filmstrip(states, n=6, title="the demonstration (green mark: HABIT_X)", habit_x=habit_x)

# %% [markdown]
# ## From here on the expert is gone: only its data remains
#
# Everything the students of notebooks 03–05 learn comes from these 200 pairs in `data/expert_demos.pt`.
# Notebooks 04 and 05 reload the expert policy *only to evaluate*: to measure how often a student agrees with
# it and where it keeps the cart. It never trains anyone again.

# %%
del expert

# %% [markdown]
# ## Summary
#
# * A demonstration is a list of (state, action) pairs; ours is one greedy 200-step episode, states float32 [200, 4]
#   and actions int64 [200, 1].
# * Greedy: a sampled action is often not the expert's choice (section 2 printed how often). The students therefore
#   imitate the greedy expert, not the stochastic policy PPO trained.
# * It shows the habit: the cart travels to just short of `HABIT_X` and stays, which merely balancing would not do.
#   The journey is in the order of the pushes, not in their count.
# * It stays inside 95 % of the failure limits: a student can only be as good as what it copies.
# %% [markdown]
# ## Exercises
#
# 1. Record a *sampled* episode instead (`greedy=False`) and measure how many of its actions match the
#    expert's argmax on the same states.

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# ```python
# teacher = helpers.load_policy(data / "expert_policy.pt")
# ep = helpers.play_episode(helpers.make_env(habit_x=habit_x), teacher, greedy=False, seed=SEED)
# with torch.no_grad():
#     choice = teacher(ep.states).argmax(-1)
# print(f"{(ep.actions == choice).float().mean():.0%} of the sampled actions are the expert's choice")
# ```
#
# Expect roughly the complement of the share measured in section 2 (one episode's share varies). For behavioral
# cloning the mismatched pairs are labels the expert's decision would not have given; for
# GAIL they are a faithful sample of the stochastic expert, a different policy from the greedy one we imitate.
# </details>

# %% [markdown]
# 2. The demonstration has only 200 pairs, all from one episode. Which states will the student never have seen?

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# Look at the state traces and the numbers printed under them: the cart only goes from a little left of the centre
# to about the mark, and the pole leans far only twice, when setting off and when braking; at the mark it stays
# nearly upright. The demo holds no state with the cart left of its leftmost point or past its rightmost, none near
# the ends of the track, and none with the pole leaning far while the cart is near the mark. A student that drifts
# there has no example to copy: this is the *covariate shift* (the states a learner meets drift from those it was
# trained on) that notebook 05 measures.
# </details>

# %% [markdown]
# 3. The demonstration starts at $x \approx 0$ and spends its first hundred-odd steps travelling. Would a
#    demonstration that started with the cart already at `HABIT_X` be better or worse for a student?

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# Worse for getting there. Every fresh episode starts near $x = 0$, so the student must learn to travel; the
# travelling part of this demonstration is the only place that shows how. A demonstration that started at the mark
# would show only how to stay, and the student would have to discover the way there on its own.
# </details>

# %% [markdown]
# [← 01 A PPO expert](01_ppo_expert.ipynb) · [contents](../README.md) · [03 The discriminator →](03_discriminator.ipynb)
