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
# 4. look at what the demonstration contains: the cart travelling to its habit and staying there, the pole
#    kept upright all along, the actions, the frames.
#
# After this notebook the expert leaves the stage: the students of notebooks 03–05 only ever see these pairs.
#
# **Reads** `data/expert_policy.pt` (written by notebook 01). **Writes** `data/expert_demos.pt`.
# **Runs** in about 5 seconds on a laptop CPU.

# %% tags=["parameters"]
SEED = 0  # seeds the demonstration episode's start state
CHECK_EPISODES = 100  # sampled episodes used to compare sampled and greedy actions
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ folder

# %%
import torch

import helpers
from helpers.checkpoints import DEMO_HABIT_TOL, DEMO_LIMIT_SHARE, checkpoint
from helpers.env import THETA_LIMIT, X_LIMIT

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
# That is no rare slip: in many CartPole states the expert is close to indifferent between its two
# pushes (the median probability of its preferred action is printed above), and sampling turns each of those
# states into a coin flip. Every such pair would teach the student an action the expert would not have chosen.
# Greedy demonstrations make the target clean: one state, one action, the expert's choice.
#
# ## 3. Record one greedy episode
#
# One episode of 200 steps gives 200 pairs, the only data the students will get. We play it in the expert's
# own environment (its habit reward, so that the recorded return means what it meant in training), and check
# that it balanced comfortably: an expert that *barely* survived (pole near 12°, cart near the edge of the
# track) would teach the student to live on the edge.

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

# %% [markdown]
# **Checkpoint.** A full 200-step episode, ended by the cap and not by a fall, that never came near ending (|x| and
# |θ| within 95 % of the limits: at most 2.28 m and 0.199 rad; the expert leans the pole to get the cart moving), with
# the cart at its habit for the second half.

# %%
hint = "a marginal demonstration: re-run notebook 01"
checkpoint("demo length (steps)", len(episode), at_least=200, hint=hint)
assert bool(episode.truncated[-1]) and not episode.terminated.any(), "the demo must end by the cap, not by a fall"
checkpoint("largest |x| (m)", states[:, 0].abs().max(), at_most=DEMO_LIMIT_SHARE * X_LIMIT, hint=hint)
checkpoint("largest |θ| (rad)", states[:, 2].abs().max(), at_most=DEMO_LIMIT_SHARE * THETA_LIMIT, hint=hint)
if habit_x is not None:
    checkpoint("|demo habit - HABIT_X| (m)", abs(demo_habit - habit_x), at_most=DEMO_HABIT_TOL, hint=hint)

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
# green dotted line is the habit. The expert first drives the cart to its mark — the cart velocity rises, then
# falls back to zero — and then holds it there, correcting the pole all the time.

# %%
fig = helpers.state_traces(states, title="the expert's demonstration, one greedy episode", habit_x=habit_x)

# %% [markdown]
# Balancing is a constant alternation of small pushes. Even a trip of a metre to the right, and the stop at its end,
# take the two actions about equally often: the journey is in *when* the expert pushes each way, not in how often.

# %%
ax = helpers.action_counts(actions, title="actions in the demonstration")

# %% [markdown]
# And the episode itself, in six evenly spaced frames (the step of each is written under it): the cart leaves the
# centre of the track and settles at its mark.

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
# * Greedy, because a sampled action often is not the expert's choice (a quarter of them here).
# * It shows the habit: the cart travels to `HABIT_X` and stays, which merely balancing would not do.
# * It is comfortable, far from the failure limits: a student can only be as good as what it copies.
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
# You get roughly the complement of the share measured in section 2. Those mismatched pairs are labels the
# student is asked to copy although the expert itself would not choose them.
# </details>

# %% [markdown]
# 2. The demonstration has only 200 pairs, all from one episode. Which states will the student never have seen?

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# Look at the state traces: the expert keeps |θ| small, and its cart only ever goes from the centre to its mark.
# The demo holds no state with a steeply leaning pole, none with the cart left of the centre, and none near the
# ends of the track. A student that drifts there has no example to copy: this is the *covariate shift* that
# notebook 05 measures.
# </details>

# %% [markdown]
# 3. The demonstration starts at $x \approx 0$ and spends its first steps travelling. Would a demonstration that
#    started with the cart already at `HABIT_X` be better or worse for a student?

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# Worse for getting there. Every fresh episode starts near $x = 0$, so the student must learn to travel; the
# travelling part of this demonstration is the only place that shows how. A demonstration that started at the mark
# would show only how to stay, and the student would have to discover the way there on its own.
# </details>

# %% [markdown]
# [← 01 A PPO expert](01_ppo_expert.ipynb) · [contents](../README.md) · [03 The discriminator →](03_discriminator.ipynb)
