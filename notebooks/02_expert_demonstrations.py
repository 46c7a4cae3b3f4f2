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
# 4. look at what the demonstration contains: the four state variables over time, the actions, the frames.
#
# After this notebook the expert leaves the stage: the student in notebooks 03–05 only ever sees these pairs.
#
# **Reads** `data/expert_policy.pt` (written by notebook 01). **Writes** `data/expert_demos.pt`.
# **Runs** in about 3 seconds on a laptop CPU.

# %% tags=["parameters"]
SEED = 0  # seeds the demonstration episode's starting state
CHECK_EPISODES = 100  # states used to compare greedy and sampled actions
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ folder

# %%
import torch

import helpers

helpers.check_parameters(SEED=SEED, CHECK_EPISODES=CHECK_EPISODES, DATA_DIR=DATA_DIR)
data = helpers.check_data_files(helpers.data_dir(DATA_DIR), reads=["expert_policy.pt"], writes=["expert_demos.pt"])
helpers.seed_everything(SEED)
torch.set_num_threads(1)  # faster for these tiny networks

# %% [markdown]
# ## 1. Load the expert
#
# `helpers.load_policy` reads the file safely (tensors only, shapes checked) and returns the policy
# network, ready to use: states in, two action logits out.

# %%
expert = helpers.load_policy(data / "expert_policy.pt")
print("trained in notebook 01 with", expert.meta)
score = helpers.evaluate(expert, 20, greedy=True, seed=SEED)
print(f"expert, greedy: mean return {score.mean():.1f} over 20 episodes")

# %% [markdown]
# ## 2. Greedy or sampled?
#
# During training the policy *samples* its actions from $\pi(a \mid s)$: exploring is how it learns.
# But what we want the student to copy is the expert's **decision** in each state, its most likely
# action $\arg\max_a \pi(a \mid s)$. A sampled demonstration mixes in the occasional coin-flip, and those
# pairs teach the student something the expert would not do.
#
# How often does sampling disagree with the expert's own argmax? Let us play sampled episodes and
# compare, state by state.

# %%
sampled_states = torch.cat(helpers.run_episodes(expert, CHECK_EPISODES, greedy=False, seed=SEED))
with torch.no_grad():
    probs = torch.softmax(expert(sampled_states), -1)
sampled_actions = torch.multinomial(probs, 1, generator=torch.Generator().manual_seed(SEED)).squeeze(-1)
agree = (sampled_actions == probs.argmax(-1)).float().mean().item()
print(f"{len(sampled_states)} states from {CHECK_EPISODES} sampled episodes")
print(f"sampled action == expert's argmax on {agree:.1%} of them")
print(f"median probability of the chosen-by-argmax action: {probs.max(-1).values.median():.3f}")

# %% [markdown]
# A sizeable share of sampled actions are *not* what the expert would choose: in many CartPole states
# the expert is nearly indifferent, and a coin flip decides. (In the source tutorial's setup the
# sampled demonstrations agreed with the expert's own argmax on only 76 % of states, so even a perfect
# copy of the expert could not score better on them.) Greedy demonstrations make the target clean: one
# state, one action, the expert's choice.
#
# ## 3. Record one greedy episode
#
# One episode of 200 steps gives 200 pairs, the only data the student will get. We also check that the
# expert balanced comfortably: an expert that *barely* survived (pole near 12°, cart near the edge of the
# track) would teach the student to live on the edge.

# %%
env = helpers.make_env(seed=SEED)
episode = helpers.play_episode(env, expert, greedy=True, seed=SEED)
states = episode.states  # float32 [200, 4]
actions = episode.actions.unsqueeze(-1)  # int64 [200, 1]: one column, as the later notebooks expect
print(f"return {episode.ret:.0f}, ended by truncation: {bool(episode.truncated[-1])}")
print(f"largest |x| = {states[:, 0].abs().max():.3f}  (the track ends at 2.4)")
print(f"largest |θ| = {states[:, 2].abs().max():.3f}  (the pole falls at 0.2095 rad)")

# %% [markdown]
# **Checkpoint.** A full 200-step episode, ended by the cap and not by a fall, well inside the limits.

# %%
assert len(episode) == 200 and episode.ret == 200, f"the expert lasted {len(episode)} steps: re-run notebook 01"
assert bool(episode.truncated[-1]) and not episode.terminated.any()
assert states[:, 0].abs().max() < 2.0 and states[:, 2].abs().max() < 0.15, "a marginal demonstration"

# %% [markdown]
# ## 4. Save the demonstration
#
# `helpers.save_demos` checks shapes, dtypes and values, then writes atomically. The metadata records
# where the pairs came from and how the actions were chosen.

# %%
path = helpers.save_demos(
    states,
    actions,
    data / "expert_demos.pt",
    terminated=episode.terminated,
    env_id=helpers.ENV_ID,
    seed=SEED,
    action_selection="greedy",
    **{"return": episode.ret},
)
print(f"saved {path.name} ({path.stat().st_size / 1024:.0f} KiB)")

# %% [markdown]
# Read it back the way notebooks 03–05 will, and look at the shapes:

# %%
# NBVAL_CHECK_OUTPUT
demos = helpers.load_demos(data / "expert_demos.pt", n=200)
print("states: ", tuple(demos["states"].shape), demos["states"].dtype)
print("actions:", tuple(demos["actions"].shape), demos["actions"].dtype)
print("action selection:", demos["meta"]["action_selection"], "| return:", demos["meta"]["return"])

# %% [markdown]
# ## 5. What is in the demonstration?
#
# The four state variables over the episode. The red dashed lines are where the episode would
# terminate. A good expert keeps the pole near upright and the cart near the centre, correcting all the
# time.

# %%
fig = helpers.state_traces(states, title="the expert's demonstration, one greedy episode")

# %% [markdown]
# Balancing is a constant alternation of small pushes, so both actions appear about equally often:

# %%
ax = helpers.action_counts(actions, title="actions in the demonstration")

# %% [markdown]
# And the episode itself, a frame every 40 steps:

# %%
fig = helpers.filmstrip(states, n=6, title="the demonstration")

# %% [markdown]
# ## From here on the expert is gone: only its data remains
#
# Everything the students of notebooks 03–05 learn comes from these 200 pairs in `data/expert_demos.pt`.
# Notebooks 04 and 05 reload the expert policy *only to evaluate*: to measure how often a student
# agrees with it. It never trains anyone again.

# %%
del expert

# %% [markdown]
# ## Summary
#
# * A demonstration is a list of (state, action) pairs; ours is one 200-step episode: states float32
#   [200, 4], actions int64 [200, 1], saved with where they came from.
# * We record the expert **greedily**: sampled actions often differ from the expert's own choice and
#   would teach the student noise.
# * We check the demonstration is comfortable (far from the failure limits), because a student can only
#   be as good as what it copies.

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
# ep = helpers.play_episode(helpers.make_env(), teacher, greedy=False, seed=SEED)
# with torch.no_grad():
#     greedy_actions = teacher(ep.states).argmax(-1)
# print(f"{(ep.actions == greedy_actions).float().mean():.1%} of the sampled actions are the argmax")
# ```
#
# You get roughly the agreement measured in section 2. Those mismatched pairs are labels the student
# is asked to copy although the expert itself would not choose them.
# </details>

# %% [markdown]
# 2. The demonstration has only 200 pairs, all from one episode. Which states will the student never
#    have seen?

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# Look at the state traces: the expert keeps |θ| small and the cart near the middle, so the demo holds
# no states with a steeply leaning pole or a cart near the edge. A student that drifts there has no
# example to copy: this is the *covariate shift* that notebook 04 returns to.
# </details>

# %% [markdown]
# 3. Why is it fine that both actions appear roughly equally often, even though balancing is the goal?

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# Staying upright means correcting in both directions: a push one way is soon followed by a push the
# other way. A demonstration with mostly one action would mean the cart drifts off one side of the track.
# </details>

# %% [markdown]
# [← 01 A PPO expert](01_ppo_expert.ipynb) · [contents](../README.md) · [03 The discriminator →](03_discriminator.ipynb)
