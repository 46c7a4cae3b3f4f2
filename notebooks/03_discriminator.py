# ---
# jupyter:
#   jupytext:
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
# [← 02 Expert demonstrations](02_expert_demonstrations.ipynb) · [contents](../README.md) · [04 GAIL →](04_gail.ipynb)
#
# # 03 · The discriminator
#
# GAIL needs a judge: a small network that looks at one (state, action) pair and says how likely it is
# that the pair came from the **student** rather than from the **expert**. In this notebook you will
#
# 1. build that discriminator D(s, a) and see why it returns a *logit* rather than a probability;
# 2. train it, as a sanity check, to tell the expert's 200 pairs from a random policy's pairs;
# 3. look at what it learned: D over the pole's angle and angular velocity, and an interactive explorer;
# 4. compare three ways of turning D into a reward for the student.
#
# **Reads** `data/expert_demos.pt` (written by notebook 02). **Writes** nothing.
# **Runs** in about 4 seconds on a laptop CPU.

# %% tags=["parameters"]
SEED = 0
SANITY_STEPS = 300  # discriminator gradient steps in the sanity check
RANDOM_PAIRS = 200  # how many random-policy pairs to compare against
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ folder

# %%
import matplotlib.pyplot as plt
import torch

import helpers
from helpers.discriminator import (
    Discriminator,
    discriminator_stats,
    make_disc_optimizer,
    reward_from_logits,
    update_discriminator,
)
from helpers.gail_plots import d_explorer, plot_d_heatmap, plot_disc_training, plot_reward_shapes

helpers.check_parameters(SEED=SEED, SANITY_STEPS=SANITY_STEPS, RANDOM_PAIRS=RANDOM_PAIRS, DATA_DIR=DATA_DIR)
data = helpers.check_data_files(helpers.data_dir(DATA_DIR), reads=["expert_demos.pt"])
helpers.seed_everything(SEED)
torch.set_num_threads(1)  # faster for these tiny networks

# %% [markdown]
# ## The expert's pairs
#
# Notebook 02 recorded one greedy episode of the expert: 200 states and the action chosen in each.
# These 200 pairs are *all* the imitators in this series ever get to see of the expert.

# %%
demos = helpers.load_demos(data / "expert_demos.pt", n=200)
expert_s, expert_a = demos["states"], demos["actions"]
print("states ", tuple(expert_s.shape), expert_s.dtype)
print("actions", tuple(expert_a.shape), expert_a.dtype, "| share of 'push right':", float(expert_a.float().mean()))

# %% [markdown]
# ## The network
#
# The input is the state (4 numbers) glued to the action written as a one-hot vector (2 numbers):
# action 0 becomes `[1, 0]`, action 1 becomes `[0, 1]`. One hidden layer of 128 units, one output.
#
# We follow the convention of Ho & Ermon (2016): **D(s, a) is the probability that the pair is the
# student's**, so expert pairs get the label 0 and student pairs the label 1. The network's output is the
# *logit* l(s, a) and D = sigmoid(l). Working with l keeps the maths exact where D is close to 0 or 1:
# `log(sigmoid(l))` on a rounded probability can give `-inf`, `-softplus(-l)` never does.

# %%
disc = Discriminator(hidden=128)
print(disc)
print("parameters:", sum(p.numel() for p in disc.parameters()))
print("input of the first pair:", disc.features(expert_s[:1], expert_a[:1]))

# %% [markdown]
# ## Sanity check: expert or random?
#
# Before we let D judge a student that slowly gets better, we check that it can learn anything at all.
# We play a **random policy** (each action with probability ½) until we have as many pairs as the expert,
# then train D to tell the two sets apart. Random play tips the pole over within a few dozen steps, so the
# two sets should be easy to separate.


# %%
def uniform_policy(states: torch.Tensor) -> torch.Tensor:
    """Equal logits for both actions: the random policy."""
    return torch.zeros(len(states), 2)


env = helpers.make_env(SEED)
episodes = []
while sum(len(e) for e in episodes) < RANDOM_PAIRS:
    episodes.append(helpers.play_episode(env, uniform_policy))
random_s = torch.cat([e.states for e in episodes])[:RANDOM_PAIRS]
random_a = torch.cat([e.actions for e in episodes])[:RANDOM_PAIRS]
print(f"{len(episodes)} random episodes, lengths {[len(e) for e in episodes]}")

# %% [markdown]
# One training step minimises the binary cross-entropy
#
# $$L(w) = -\mathbb{E}_{\text{expert}}\big[\log(1 - D_w(s,a))\big] - \mathbb{E}_{\text{other}}\big[\log D_w(s,a)\big].$$
#
# We track the loss and the *balanced accuracy* (the mean of "expert pairs called expert" and "other pairs
# called other"), where 0.5 means D cannot tell the two apart. Before any training:

# %%
before = discriminator_stats(disc, expert_s, expert_a, random_s, random_a)
print({k: round(v, 3) for k, v in before.items()})

# %%
opt = make_disc_optimizer(disc, lr=3e-3)
log = {k: [] for k in before}
for _ in range(SANITY_STEPS):
    update_discriminator(disc, opt, expert_s, expert_a, random_s, random_a, steps=1)
    for k, v in discriminator_stats(disc, expert_s, expert_a, random_s, random_a).items():
        log[k].append(v)
after = {k: v[-1] for k, v in log.items()}
print({k: round(v, 3) for k, v in after.items()})

# %%
plot_disc_training(log, title="Expert pairs (label 0) vs random-policy pairs (label 1)")
plt.show()

# %% [markdown]
# **Checkpoint.** After training, D should separate the two sets well: most expert pairs below 0.5, most
# random pairs above.

# %%
assert after["d_acc"] >= 0.9, f"balanced accuracy only {after['d_acc']:.2f}"
assert after["d_expert"] < 0.5 < after["d_student"], after
assert after["d_loss"] < before["d_loss"]
print("checkpoint passed: accuracy", round(after["d_acc"], 3))

# %% [markdown]
# ## What did D learn?
#
# The state has four numbers, so we look at a slice: the cart at rest in the middle of the track
# (x = 0, velocity 0), and every pole angle θ and angular velocity θ̇ on a grid. Blue means "looks like the
# expert" (D near 0), red "looks like the other policy". The black dots are the expert's own pairs with that
# action (their cart is not exactly at rest, so they are a guide, not part of the slice).

# %%
plot_d_heatmap(disc, expert_s, expert_a)
plt.show()

# %% [markdown]
# Random play spends its short life at large angles and angular velocities, the expert near the upright
# pole. So D mostly learned *where* a pair lies — "near upright is expert-like" — and only a little about
# *which action* the expert takes there. Keep that in mind: a reward read from this D would mostly say
# "keep the pole up", not "do what the expert does".
#
# ## Explore it yourself
#
# Move the sliders to set the state; the readout shows D for both actions at once. Try: the pole leaning
# right (θ > 0) and falling further right (θ̇ > 0) — which action does D find expert-like? Then move the cart
# to the edge of the track, where the expert's demo never went.

# %%
d_explorer(disc)

# %% [markdown]
# ## From D to a reward
#
# The student never sees the expert's actions directly; it only receives a reward computed from D. Three
# common choices, all computed from the logit l so they stay finite:
#
# | reward | in terms of l | sign |
# |---|---|---|
# | −log D | softplus(−l) | always **positive** |
# | log(1 − D) | −softplus(l) | always **negative** |
# | log(1 − D) − log D | −l | either |
#
# All three grow as D falls (the pair looks more like the expert's). They differ in what they say about time:

# %%
plot_reward_shapes()
plt.show()

# %%
for logit in (-30.0, 0.0, 30.0):
    lt = torch.tensor(logit)
    values = {k: round(float(reward_from_logits(lt, k)) + 0.0, 3) for k in ("neg_log_d", "log_1m_d", "logit")}
    print(f"logit {logit:+5.0f}  D = {torch.sigmoid(lt):.3g}  rewards {values}")

# %% [markdown]
# **−log D is never negative.** Every step the student survives adds something to its return, however
# poorly it imitates. On CartPole, where an episode ends when the pole falls, that alone rewards balancing:
# a student can learn to keep the pole up without imitating anything. Kostrikov et al. (2019,
# "Discriminator-Actor-Critic") call this a *survival bias*; log(1 − D) has the opposite bias (every step costs,
# so ending early pays). Notebook 04 uses −log D, as the source tutorial does, and shows that it works;
# notebook 05 tests how much of that success is imitation and how much is the survival bonus, by giving GAIL
# random pairs instead of the expert's.

# %% [markdown]
# ## Summary
#
# - The discriminator maps a (state, one-hot action) pair to a logit l; D = sigmoid(l) is the probability
#   that the pair is the student's (expert label 0, student label 1). Losses and rewards are computed from l.
# - Trained against random play, it separates the sets well within a few hundred steps (balanced accuracy about
#   0.95 here) — mostly by *where* the states lie, not by the action.
# - The reward read from D can be −log D (always positive: a survival bonus on CartPole), log(1 − D) (always
#   negative) or their sum, the logit. The sign matters as much as the shape.

# %% [markdown]
# ## Exercises
#
# 1. Train the sanity discriminator for only 20 steps (`SANITY_STEPS = 20`). What accuracy does it reach,
#    and what does the heatmap look like?
# 2. Use the explorer: find a state where D prefers a different action than the expert would take.
# 3. Which of the three rewards would you pick for a task where ending the episode early is the goal?

# %% [markdown] tags=["solution"]
# <details><summary>Solutions</summary>
#
# 1. After 20 steps the loss has barely moved and the accuracy is noisy; the heatmap is nearly one colour
#    per action. A discriminator that lags behind gives a reward that carries almost no information — in
#    GAIL it must keep up with the student.
# 2. Far from the demo's states (cart near the edge, large angular velocity) D extrapolates freely: nothing
#    in its training data says which action the expert takes there, so its preference can be arbitrary.
# 3. log(1 − D): each step costs something, so finishing early raises the return. −log D would make the
#    student linger. The logit reward is neutral in sign but, as notebook 05 shows, a policy can still exploit
#    how episodes end unless terminal states are handled explicitly (absorbing states).
#
# </details>

# %% [markdown]
# [← 02 Expert demonstrations](02_expert_demonstrations.ipynb) · [contents](../README.md) · [04 GAIL →](04_gail.ipynb)
