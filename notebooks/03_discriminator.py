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
# [← 02 Expert demonstrations](02_expert_demonstrations.ipynb) · [contents](../README.md) · [04 GAIL →](04_gail.ipynb)
#
# # 03 · The discriminator
#
# GAIL needs a judge: a small network that looks at one (state, action) pair and says how likely it is
# that the pair came from the **student** rather than from the **expert**. In this notebook you will
#
# 1. build that discriminator D(s, a) and see why it returns a *logit* rather than a probability;
# 2. write its input and its loss out, check them against the helper, and train it to tell the expert's 200 pairs
#    from a random policy's;
# 3. train it against a policy that balances just as well as the expert but has no habit, and see that it
#    learns *where the cart is*, including stretches of track the expert never visited;
# 4. explore what it learned, and compare ways of turning D into a reward for a student.
#
# Two **coding exercises** ask you to write D's input and its loss: write your code in place of
# `raise NotImplementedError(...)`, and the cell checks it against the helpers and says what is wrong if anything is.
# The notebook then trains with the helpers.
#
# **Reads** `data/expert_demos.pt` (written by notebook 02). **Writes** nothing.
# **Runs** in <!-- sweep: runtime-03 -->about 5 seconds<!-- /sweep --> on a 2-core CPU.

# %% tags=["parameters"]
SEED = 0
SANITY_STEPS = 300  # discriminator gradient steps in each training run
RANDOM_PAIRS = 200  # how many pairs of the other policies to compare against
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ (installed package: ./il_data/)

# %%
try:
    import helpers  # the series' own package
except ModuleNotFoundError:  # opened on its own (the website's download), in a kernel without it
    raise ModuleNotFoundError(
        "This notebook needs the series' package: run `%pip install PATH` in a cell, PATH being a copy of the "
        "repository (or the wheel `make wheel` builds there), then restart the kernel."
    ) from None

import matplotlib.pyplot as plt
import torch
from torch.nn import functional as F

from helpers.algorithms.discriminator import discriminator_stats
from helpers.teaching import exercises as check
from helpers.teaching.checkpoints import D_LOSS_DROP, checkpoint
from helpers.teaching.gail_plots import d_explorer, plot_d_heatmap, plot_disc_training, plot_reward_shapes

helpers.check_parameters(SEED=SEED, SANITY_STEPS=SANITY_STEPS, RANDOM_PAIRS=RANDOM_PAIRS, DATA_DIR=DATA_DIR)
data = helpers.check_data_files(helpers.data_dir(DATA_DIR), reads=["expert_demos.pt"])
helpers.seed_everything(SEED)
torch.set_num_threads(1)  # faster for these tiny networks

# %% [markdown]
# ## The expert's pairs
#
# Notebook 02 recorded one greedy episode of the expert: 200 states and the action chosen in each. These 200
# pairs are *all* the imitators in this series ever get to see of the expert.

# %%
demos = helpers.load_demos(data / "expert_demos.pt", n=200)
expert_s, expert_a = demos["states"], demos["actions"].reshape(-1)
print("states ", tuple(expert_s.shape), expert_s.dtype, "| actions", tuple(expert_a.shape), expert_a.dtype)
print(f"share of 'push right': {expert_a.float().mean():.2f} | habit_x: {demos['meta']['habit_x']}")
print(f"cart position x: from {expert_s[:, 0].min():+.2f} to {expert_s[:, 0].max():+.2f} m")

# %% [markdown]
# ## The network
#
# The input is the state (4 numbers) glued to the action written as a one-hot vector (2 numbers): action 0
# becomes `[1, 0]`, action 1 becomes `[0, 1]`. One hidden layer, one output.
#
# We follow the convention of Ho & Ermon (2016): **D(s, a) is the probability that the pair is the
# student's**, so expert pairs get the label 0 and student pairs the label 1. The network's output is the
# *logit* l(s, a) and D = sigmoid(l). Working with l keeps the maths exact where D is close to 0 or 1:
# `log(sigmoid(l))` on a rounded probability can give `-inf`, `-softplus(-l)` never does.
#
# The state is standardised first, with the mean and standard deviation of the demo's states: the cart
# position spreads over more than a metre, the pole angle over a few tenths of a radian, and unscaled the network
# would barely see the angle.

# %%
config = helpers.GAILConfig()
disc = helpers.Discriminator(hidden=config.disc_hidden)
disc.set_normalization(expert_s)
print(disc)
print("parameters:", sum(p.numel() for p in disc.parameters()))
print("input of the first pair:", disc.features(expert_s[:1], expert_a[:1]))

# %% [markdown]
# **Coding exercise 1: D's input.** Write `my_features(disc, states, actions)`: each state standardised as
# $(s - \mu) / \sigma$ with the demo's statistics, which the discriminator keeps (`disc.state_mean`, `disc.state_std`),
# then the action one-hot, a row of 6 numbers per pair (`states` is `[N, 4]`, `actions` is `[N]`). The check compares
# it with `disc.features` on pairs of both actions.


# %%
def my_features(disc: helpers.Discriminator, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """D's input [N, 6]: the state standardised with the demo's statistics, then the one-hot action."""
    ### BEGIN SOLUTION
    standardised = (states - disc.state_mean) / disc.state_std
    return torch.cat([standardised, F.one_hot(actions, 2).float()], dim=1)
    ### END SOLUTION


check.features(my_features)

# %% [markdown]
# ## Sanity check: expert or random?
#
# Before we let D judge a student that slowly gets better, we check that it can learn anything at all. We play
# 16 episodes of a **random policy** (each action with probability ½) and keep 200 evenly spaced pairs, as many as
# the expert's, then train D
# to tell the two sets apart. Random play tips the pole over within a few dozen steps, near the centre of the
# track, so the two sets should be easy to separate.


# %%
def pairs_of(policy: torch.nn.Module, n_pairs: int, greedy: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """``n_pairs`` (state, action) pairs spread evenly over 16 fresh episodes of ``policy``."""
    episodes = helpers.run_episodes(policy, 16, greedy=greedy, seed=helpers.fresh_seed(SEED))
    batch = helpers.concat_episodes(episodes)
    idx = torch.linspace(0, len(batch) - 1, n_pairs).round().long()
    return batch.states[idx], batch.actions[idx]


def uniform_policy(states: torch.Tensor) -> torch.Tensor:
    """Equal logits for both actions: the random policy (sampled)."""
    return torch.zeros(len(states), 2)


random_s, random_a = pairs_of(uniform_policy, RANDOM_PAIRS, greedy=False)
print(f"{len(random_s)} random pairs, cart x within ±{random_s[:, 0].abs().max():.2f} m")

# %% [markdown]
# One training step minimises the binary cross-entropy
#
# $$L(w) = -\mathbb{E}_{\text{expert}}\big[\log(1 - D_w(s,a))\big] - \mathbb{E}_{\text{other}}\big[\log D_w(s,a)\big].$$
#
# **Coding exercise 2: D's loss.** Write $L(w)$ as `my_disc_loss`, on the logits $l = $ `disc(s, a)` (so that
# $\log D$ never meets a rounded 0), each side averaged on its own so that the two sets weigh the same whatever their
# sizes: `F.binary_cross_entropy_with_logits(logits, labels)` is $-\text{mean}[y \log D + (1 - y) \log(1 - D)]$,
# with labels $y$ = 0 for the expert's pairs and 1 for the others. Return the loss as a tensor: the training step
# calls `loss.backward()` on it. The check compares value and gradient with the helper's `discriminator_loss`, on 5
# expert pairs against 9 others, then where D is sure, rightly and wrongly (logits of ±200): there a loss computed
# from probabilities gives `inf`, or stops growing, and one computed on the logits does not.


# %%
def my_disc_loss(
    disc: helpers.Discriminator,
    expert_s: torch.Tensor,
    expert_a: torch.Tensor,
    other_s: torch.Tensor,
    other_a: torch.Tensor,
) -> torch.Tensor:
    """L(w) = -E_expert[log(1 - D)] - E_other[log D] on D's logits: expert pairs labelled 0, the other pairs 1."""
    ### BEGIN SOLUTION
    logits = disc(torch.cat([expert_s, other_s]), torch.cat([expert_a, other_a]))
    le, lo = logits[: len(expert_s)], logits[len(expert_s) :]
    expert_side = F.binary_cross_entropy_with_logits(le, torch.zeros_like(le))  # -E_expert[log(1 - D)]
    other_side = F.binary_cross_entropy_with_logits(lo, torch.ones_like(lo))  # -E_other[log D]
    return expert_side + other_side
    ### END SOLUTION


check.disc_loss(my_disc_loss)

# %% [markdown]
# A training step is a gradient step of Adam on that loss; the helper's `update_discriminator` takes it with the same
# loss (`helpers.algorithms.discriminator.discriminator_loss`). The first step:

# %%
opt = helpers.Adam(disc.parameters(), lr=3e-3)
first = helpers.update_discriminator(disc, opt, expert_s, expert_a, random_s, random_a, steps=1)
print(f"first step: loss {first:.3f}")

# %% [markdown]
# We track the loss and the *balanced accuracy* (the mean of "expert pairs called expert" and "other pairs
# called other"), where 0.5 means D cannot tell the two apart. Now the remaining steps:

# %%
before = discriminator_stats(disc, expert_s, expert_a, random_s, random_a)
log = {k: [] for k in before}
for _ in range(SANITY_STEPS - 1):
    helpers.update_discriminator(disc, opt, expert_s, expert_a, random_s, random_a)
    for k, v in discriminator_stats(disc, expert_s, expert_a, random_s, random_a).items():
        log[k].append(v)
after = {k: v[-1] for k, v in log.items()}
print("after one step:", {k: round(v, 3) for k, v in before.items()})
print("at the end:    ", {k: round(v, 3) for k, v in after.items()})

# %%
fig = plot_disc_training(log, title="Expert pairs (label 0) vs random-policy pairs (label 1)")
plt.show()

# %% [markdown]
# **Checkpoint.** After training, D separates the two sets: a balanced accuracy of at least 0.9, mean D on the
# expert's pairs below 0.5 and on the random pairs above, and a loss at least 0.5 lower than after the first step.
# Beside each number, the same training with the **labels swapped** (the expert's pairs called 1, the random ones 0),
# scored with the right labels: a discriminator that learned the wrong lesson must fail every one of these checks.

# %%
helpers.seed_everything(SEED)
swapped = helpers.Discriminator(hidden=config.disc_hidden)
swapped.set_normalization(expert_s)
opt_swapped = helpers.Adam(swapped.parameters(), lr=3e-3)
helpers.update_discriminator(swapped, opt_swapped, random_s, random_a, expert_s, expert_a, steps=1)  # sides swapped
swapped_before = discriminator_stats(swapped, expert_s, expert_a, random_s, random_a)
helpers.update_discriminator(swapped, opt_swapped, random_s, random_a, expert_s, expert_a, steps=SANITY_STEPS - 1)
swapped_after = discriminator_stats(swapped, expert_s, expert_a, random_s, random_a)
control = "labels swapped"
checkpoint("D's balanced accuracy", after["d_acc"], at_least=0.9, control=(control, swapped_after["d_acc"]))
checkpoint(
    "mean D on the expert's pairs (label 0)",
    after["d_expert"],
    at_most=0.5,
    control=(control, swapped_after["d_expert"]),
)
checkpoint(
    "mean D on the random pairs (label 1)",
    after["d_student"],
    at_least=0.5,
    control=(control, swapped_after["d_student"]),
)
checkpoint(
    "how much D's loss fell",
    before["d_loss"] - after["d_loss"],
    at_least=D_LOSS_DROP,
    control=(control, swapped_before["d_loss"] - swapped_after["d_loss"]),
)

# %% [markdown]
# ## A harder contrast: balancing without the habit
#
# Telling the expert from a random policy is easy: random play ends with the pole falling, and the expert's pole
# stays up. A fairer opponent balances just as well but has no habit: the hand-written controller of notebook 01.
# Both keep the pole up, but differently. The hand controller keeps its cart near the centre and its pole almost
# upright (the ranges are printed below); the expert leans its pole far to set off, and spends most of its episode
# more than 1 m right of the centre. `helpers.HandController` is that controller as a policy (states in, logits out).

# %%
balance_s, balance_a = pairs_of(helpers.HandController(), RANDOM_PAIRS, greedy=True)
print(f"{len(balance_s)} pairs of the hand controller, cart x from {balance_s[:, 0].min():+.2f} to ", end="")
print(f"{balance_s[:, 0].max():+.2f} m, largest |θ| {balance_s[:, 2].abs().max():.3f}")
helpers.seed_everything(SEED)
disc_b = helpers.Discriminator(hidden=config.disc_hidden)
disc_b.set_normalization(expert_s)
opt_b = helpers.Adam(disc_b.parameters(), lr=3e-3)
helpers.update_discriminator(disc_b, opt_b, expert_s, expert_a, balance_s, balance_a, steps=SANITY_STEPS)
print({k: round(v, 3) for k, v in discriminator_stats(disc_b, expert_s, expert_a, balance_s, balance_a).items()})

# %% [markdown]
# ## What did D learn?
#
# The state has four numbers, so we look at slices. First the cart position against the pole angle, with both
# velocities at 0: blue means "looks like the expert" (D near 0), red "looks like the other policy". The black dots
# are the expert's own pairs with that action, drawn at their x and θ whatever their velocities. The discriminator
# trained against the hand controller draws a line across the track, leaning with the pole angle: right of it, the
# pair looks like the expert's.

# %%
fig = plot_d_heatmap(disc_b, expert_s, expert_a, plane="position")
fig.suptitle("D against the hand controller: cart position x pole angle (velocities 0)")
plt.show()
end_of_track = torch.tensor([[2.4, 0.0, 0.0, 0.0], [2.4, 0.0, 0.0, 0.0]])  # pole upright, all at rest
with torch.no_grad():
    d_end = disc_b.prob_student(end_of_track, torch.tensor([0, 1]))
print(f"the expert's pairs reach x = {expert_s[:, 0].max():+.2f} m at most; at x = +2.40 (upright, at rest) ", end="")
print(f"D is {d_end[0]:.2f} for a push left and {d_end[1]:.2f} for a push right")

# %% [markdown]
# Look at the right edge of the plot and the printed D at x = 2.4. Where D stays low out there, the blue region does
# not stop at the mark: it runs to the end of the track, where the expert never went (the printed largest x). Neither
# set has a pair beyond the expert's rightmost state, so nothing told D that a cart there is wrong: it learned "right
# of the hand controller", not "at 1.5 m". A reward read from such a D would pay a student for overshooting the
# mark. In GAIL the student's own pairs correct that, but only if D keeps up with the student:
# notebook 04's Exercise 2 shows a student that overshoots under a discriminator that lags.
#
# Against random play the pole's angle matters too. Here is the sanity-check discriminator over the pole's angle and
# angular velocity, with the cart at rest at the centre. The dots are only the expert's pairs near that slice (cart
# within 0.25 m of the centre, moving slower than 0.25 m/s): D judges every other pair at its own x and ẋ, not here.

# %%
near = (expert_s[:, 0].abs() < 0.25) & (expert_s[:, 1].abs() < 0.25)  # the expert's pairs near this slice
print(f"{int(near.sum())} of the expert's {len(expert_s)} pairs lie near the slice")
fig = plot_d_heatmap(disc, expert_s[near], expert_a[near], plane="angle")
fig.suptitle("D against random play: pole angle x angular velocity (cart at rest at x = 0)")
plt.show()

# %% [markdown]
# On this slice D calls most states random play's, even the pole upright and still: random play spends its short
# episodes here, the expert only its first steps. Where the plot shows blue, it is mostly how the expert sets off:
# the pole leaned to the right and turning slowly, the cart near the centre.
#
# So this D learns mostly *where* a pair lies. GAIL matches (state, action) pairs, not states alone, but D uses the
# action only where the states do not already separate the two sets. Against the hand controller they nearly always
# do, and the two panels of the position heatmap differ only near the line (it sits further right for a push right).
# In GAIL the student's states come to overlap the expert's, and then the action is what D has left to judge.
#
# ## Explore it yourself
#
# Move the sliders to set the state; the readout shows D of the hand-controller discriminator for both actions at
# once. Try the cart at x = 0, then at the mark (x = 1.5), then at the end of the track (x = 2.4), where the demo
# never went.

# %%
d_explorer(disc_b)

# %% [markdown]
# ## From D to a reward
#
# The student never sees the expert's actions; it only receives a reward computed from D. The common choices, all
# computed from the logit l so they stay finite, and the **survival control** of notebook 04, which pays the same
# whatever the pair:
#
# | reward | in terms of l | sign |
# |---|---|---|
# | −log D | softplus(−l) | always **positive** |
# | log(1 − D) | −softplus(l) | always **negative** |
# | log(1 − D) − log D | −l | either |
# | log 2 (the control) | — | positive, constant |
#
# The first three grow as D falls (the pair looks more like the expert's). They differ in what they say about
# time:

# %%
fig = plot_reward_shapes()
plt.show()

# %%
for logit in (-30.0, 0.0, 30.0):
    lt = torch.tensor(logit)
    values = {k: round(float(helpers.reward_from_logits(lt, k)) + 0.0, 3) for k in ("neg_log_d", "log_1m_d", "logit")}
    print(f"logit {logit:+5.0f}  D = {torch.sigmoid(lt):.3g}  rewards {values}")

# %% [markdown]
# **−log D is never negative.** Every step the student survives adds something to its return, however poorly it
# imitates: on CartPole, where an episode ends when the pole falls, that alone rewards balancing. The constant
# log 2 is what −log D pays where D cannot tell the pair from the expert's (D = ½); a student trained on it learns
# to survive and nothing else, which makes it the control notebook 04 sets beside GAIL. log(1 − D) has the opposite
# bias: every step costs, so ending early pays. Kostrikov et al. (2019, "Discriminator-Actor-Critic") call both
# *biased* rewards; notebook 05 removes the bias with absorbing states.

# %% [markdown]
# ## Summary
#
# - D(s, a) = sigmoid(l(s, a)) is the probability that a pair is the student's (expert 0, student 1); losses and
#   rewards are computed from the logit l, and the loss written out in exercise 2 matched
#   the helper's.
# - Against random play D separates the sets within a few hundred steps; against a policy that balances as well as
#   the expert but has no habit, it learns the cart's position, and nothing stops it from paying past the expert's
#   mark, where neither set has a pair. It uses the action only where the states do not separate the sets.
# - −log D is always positive (a survival bonus on CartPole), log(1 − D) always negative; a constant log 2 pays for
#   survival alone and is notebook 04's control.
# %% [markdown]
# ## Exercises
#
# 1. Train the sanity discriminator for only 20 steps (`SANITY_STEPS = 20`). What accuracy does it reach, and what do
#    the heatmaps look like?
# 2. Use the explorer on a demo state: set the sliders to `expert_s[150]` and read D for both actions. Does D prefer
#    the action the demo took there (`expert_a[150]`)?
# 3. Which reward keeps the length of an episode out of the student's incentives: −log D, log(1 − D), or neither?

# %% [markdown] tags=["solution"]
# <details><summary>Solutions</summary>
#
# 1. The first 20 steps are the same as in the 300-step run, so read them off its training plot at step 20: the loss
#    has fallen only part of the way, while the balanced accuracy has already climbed most of the way. Random play is
#    easy to tell apart. But D is not yet sure: its mean on the expert's pairs is still much closer to 0.5 than at
#    the end (the right-hand plot), so expect paler heatmaps than after 300 steps. A discriminator that lags behind
#    pays a weaker reward: in GAIL it must keep up with the student, which is why notebook 04 takes several
#    discriminator steps per iteration.
# 2. `expert_s[150]` is the cart held near the mark (pole nearly upright, both velocities near 0), deep in the blue
#    of the position heatmap: both D values are far below 0.5, and which one is lower tells little. To
#    look at all 200 demo states at once, count how often D prefers the demo's action:
#    `(disc_b.prob_student(expert_s, expert_a) < disc_b.prob_student(expert_s, 1 - expert_a)).float().mean()`.
#    Expect (not measured) a share near one half, chance: the hand controller's pairs lie mostly elsewhere on the
#    track, so at most of the expert's states nothing taught D which action is the expert's. A student rewarded by
#    this D is told firmly where to be and hardly what to do there.
# 3. Neither. With −log D every extra step adds a positive reward (longer is better), with log(1 − D) a negative one
#    (shorter is better). The logit reward is 0 where D = ½, but wherever it is not 0 the sign still rewards or
#    punishes living longer. Only treating the end of an episode as a state D can judge removes the bias: that is
#    notebook 05's absorbing state.
#
# </details>

# %% [markdown]
# [← 02 Expert demonstrations](02_expert_demonstrations.ipynb) · [contents](../README.md) · [04 GAIL →](04_gail.ipynb)
