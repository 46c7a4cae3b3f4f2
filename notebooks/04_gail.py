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
# [← 03 Discriminator](03_discriminator.ipynb) · [contents](../README.md) · [05 Going further →](05_going_further.ipynb)
#
# # 04 · GAIL, beside a student that only survives, and behavioral cloning
#
# Generative Adversarial Imitation Learning (Ho & Ermon 2016) trains a student by reinforcement learning on a
# reward it never gets from the environment: the discriminator of notebook 03 supplies it, and keeps learning to
# tell the student from the expert. Does the student then *imitate*? On CartPole a return of 200 cannot say: any
# policy that balances earns it. So we judge every learner by the expert's **habit** — where it keeps the cart —
# and set beside GAIL a **control** that cannot imitate: the same student, rewarded for staying alive and nothing
# else. In this notebook you will
#
# 1. see what GAIL optimises;
# 2. **write GAIL yourself** in torch and Gymnasium: the rollout, the discriminator's step and the reward as three
#    coding exercises, then the whole training loop from those pieces, trained on Gymnasium's own vector CartPole;
# 3. train the survival control and behavioral cloning (BC) on the same 200 pairs, and judge your GAIL beside them
#    by behaviour: habit, return and agreement with the expert's actions, on fresh episodes;
# 4. learn to recognise the five classic ways GAIL goes wrong, from what a run shows.
#
# Write your code in place of `raise NotImplementedError(...)`: the cell after each exercise checks it and names the
# mistake if there is one. Your training loop is judged by what its student does, and a failed judgment names the
# most likely cause.
#
# **Reads** `data/expert_demos.pt` (notebook 02) for training, and `data/expert_policy.pt` (notebook 01)
# **for evaluation only**. **Writes** `data/gail_policy.pt` and `data/bc_policy.pt`.
# **Runs** in <!-- sweep: runtime-04 -->about 11 seconds<!-- /sweep --> on a 2-core CPU.

# %% tags=["parameters"]
SEED = 0
GAIL_MAX_ENV_STEPS = 80_000  # training budget of GAIL and of the control: env steps of the batches' episodes
BC_EPOCHS = 1000  # full-batch epochs of behavioral cloning
EVAL_EPISODES = 50  # fresh greedy episodes for the final comparison
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ (installed package: ./il_data/)

# %%
try:
    import helpers  # the series' own package
except ModuleNotFoundError:  # opened on its own (the website's download), in a kernel without it
    raise ModuleNotFoundError(
        "This notebook needs the series' package: run `%pip install PATH` in a cell, PATH being a copy of the "
        "repository (or the wheel `make wheel` builds there), then restart the kernel."
    ) from None

import dataclasses

import matplotlib.pyplot as plt
import torch

import helpers
from helpers.teaching import exercises as check
from helpers.teaching.checkpoints import HABIT_GAP, SOLVED_RETURN, checkpoint, record
from helpers.teaching.gail_plots import history_curves, plot_gail_runs, plot_habits

helpers.check_parameters(
    SEED=SEED,
    GAIL_MAX_ENV_STEPS=GAIL_MAX_ENV_STEPS,
    BC_EPOCHS=BC_EPOCHS,
    EVAL_EPISODES=EVAL_EPISODES,
    DATA_DIR=DATA_DIR,
)
data = helpers.check_data_files(
    helpers.data_dir(DATA_DIR), reads=["expert_demos.pt", "expert_policy.pt"], writes=["gail_policy.pt", "bc_policy.pt"]
)
helpers.seed_everything(SEED)
torch.set_num_threads(1)  # faster for these tiny networks

# %% [markdown]
# ## The demonstrations, and the habit
#
# 200 (state, action) pairs from one greedy episode of the expert. The expert policy itself stays on disk until
# the evaluation: no learner may look at it.
#
# The **habit** of a policy is the mean cart position over the last 100 steps of an episode, averaged over fresh
# greedy episodes: where the policy keeps the cart once it has had time to get there. The expert was paid to keep it
# at `habit_x`; a policy that only balances has no reason to.

# %%
demos = helpers.load_demos(data / "expert_demos.pt", n=200)
expert_s, expert_a = demos["states"], demos["actions"].reshape(-1)  # float32 [200, 4], int64 [200]
habit_x = demos["meta"].get("habit_x")
print("states", tuple(demos["states"].shape), "| actions", tuple(demos["actions"].shape), "| habit_x:", habit_x)
print(f"the demo's own habit (mean x over its last 100 steps): {helpers.habit_of(demos['states']):+.2f}")

# %% [markdown]
# ## The idea
#
# **Quick facts.** GAIL (Ho & Ermon 2016) imitates from the expert's (state, action) pairs: the student plays in the
# environment, but never asks the expert anything and never reads the environment's reward. A discriminator D, a
# binary classifier, learns to tell the student's pairs from the expert's; the student learns by reinforcement
# learning, on a reward read from D, to make that hard. It is on-policy: the student learns from episodes it has just
# played.
#
# **Occupancy measure.** How often, discounted, a policy π is in state s and pushes a:
#
# $$\rho_\pi(s, a) = \pi(a \mid s) \sum_{t=0}^{\infty} \gamma^t P(s_t = s \mid \pi).$$
#
# It determines the policy, $\pi(a \mid s) = \rho_\pi(s, a) / \sum_{a'} \rho_\pi(s, a')$, so to imitate the expert
# $\pi_E$ is to match its occupancy measure, $\rho_E$. An expectation over a policy's play is a sum over its
# occupancy measure: $\mathbb{E}_\pi[f(s, a)] = \sum_{s, a} \rho_\pi(s, a) f(s, a)$.
#
# **The objective**, Ho & Ermon's saddle point, in this series' labels: D(s, a) is the probability that the pair is the
# **student's**, so expert pairs are labelled 0 and the student's 1:
#
# $$\min_\pi \max_D \; \mathbb{E}_\pi[\log D(s, a)] + \mathbb{E}_{\pi_E}[\log(1 - D(s, a))] - \lambda H(\pi),$$
#
# where $H(\pi)$ is the policy's causal entropy. The inner max trains D: maximising it is minimising D's cross-entropy
# of notebook 03.
#
# **The optimal discriminator.** For a fixed student, each pair's term, $\rho_\pi \log D + \rho_E \log(1 - D)$, is
# largest at
#
# $$D^*(s, a) = \frac{\rho_\pi(s, a)}{\rho_\pi(s, a) + \rho_E(s, a)}:$$
#
# 1 where only the student goes, 0 where only the expert goes, ½ where both go as often. Put back in (with both
# occupancy measures scaled to sum to 1), the first two terms become
#
# $$2\,D_{\mathrm{JS}}(\rho_\pi \,\|\, \rho_E) - \log 4:$$
#
# the student minimises the Jensen–Shannon divergence between where it goes and where the expert goes, which is 0
# only when the two are the same. D's loss, the cross-entropy, is then log 4: D cannot tell them apart.
#
# **Why r = −log D.** Of the first two terms only the first depends on the student: it minimises
# $\mathbb{E}_\pi[\log D]$, that is, it maximises the expected discounted return of the reward
#
# $$r(s, a) = -\log D(s, a),$$
#
# a job for any RL algorithm. At $D^*$ this is $r = \log\big(1 + \rho_E(s, a) / \rho_\pi(s, a)\big)$: large on pairs
# the expert visits more often than the student, near 0 on pairs only the student visits, and never negative
# (notebook 03's survival bonus, which notebook 05 takes up). Ho & Ermon's Algorithm 1 alternates: the student plays,
# D takes a gradient step, the student takes a policy step on that reward.
#
# **What this series changes from the paper:**
#
# | | Ho & Ermon 2016 | this series |
# |---|---|---|
# | the student's step | TRPO: a natural-gradient step within a KL bound | PPO's clipped update (notebook 01) |
# | causal entropy | the term −λH(π) | none: λ = 0 (`PPOConfig.entropy_coef = 0`) |
# | D's gradient steps per iteration | 1 | 20 (`GAILConfig.disc_steps`) |
# | D's state inputs | not in the paper's Algorithm 1 | standardised with the demos' mean and std |
# | the student's step size | TRPO's KL bound sets it | Adam's, annealed to 0 over the budget (80,000 env steps) |
# | D's expectations | over ρ, discounted by γᵗ | every pair weighs the same, early or late in its episode |
# | the expert's pairs | sampled from ρ_E | one greedy episode: ρ_E is the *greedy* expert's, on 200 pairs |
# | D's batches | a sample of each side | every expert pair and every pair of the student's batch, each step |
# | D's labels | D = P(student): expert 0 | the same (the imitation library and DAC label the expert 1: below) |
#
# Why: PPO takes the same kind of small steps as TRPO with plain gradients, and notebook 01 wrote its update out. The
# student samples its actions, which explores on this small task without an entropy term: one knob fewer. D has to keep
# up with a student that changes every iteration (end-of-notebook exercise 2 tries a single step). Cart x (metres) and
# pole angle (radians) differ in scale: standardised, they weigh alike. A student still taking full steps when its
# budget runs out stops wherever its last update left it; with the steps shrinking to 0, it settles. Weighting every
# pair alike, as most implementations do, counts a late step as much as an early one, where the discount would let the
# first steps of an episode dominate; the habit is a late-episode behaviour. With one greedy episode, the student is
# asked to look like the expert's *decisions*, not like its sampled play.
#
# **Read other code with the labels in mind.** The imitation library and DAC (Discriminator-Actor-Critic, Kostrikov et
# al. 2019) train D with the expert labelled 1, so their logit is high for the expert and their D is our 1 − D. The
# imitation library's GAIL reward, −log(1 − D) in its labels, is our −log D: the same number. But −log D applied to a D
# with the other labels pays the student for looking like a *student*: it would learn to run from the expert.

# %% [markdown]
# ## GAIL from scratch
#
# One **iteration** of GAIL:
#
# 1. the student π_θ plays whole episodes, eight environments side by side, sampling its actions, until they hold at
#    least 800 steps;
# 2. the discriminator takes 20 gradient steps on its cross-entropy: the expert's 200 pairs labelled 0, the batch's
#    pairs labelled 1;
# 3. every step of the batch gets the reward r(s, a) = −log D(s, a), read from the updated discriminator;
# 4. PPO updates π_θ and its critic V_φ on those rewards, as notebook 01 updated the expert on the environment's.
#
# The environment's reward is **never used**: nothing reads it, not even to decide when to stop. GAIL trains for a
# fixed budget of env steps. The environment's *termination* is used: an episode ends when the pole falls, and GAE
# then counts no future. Together with a reward −log D that is never negative, that makes every extra step of
# balancing worth something, whatever D thinks of it: a survival bonus built into the algorithm, which the control
# below and notebook 05 take apart.
#
# The code cells from here to the training loop use torch and Gymnasium alone, no `helpers` (the checks, and the asserts
# that tie these settings to `helpers.GAILConfig`, aside): the program you would write in an empty file. Its settings
# are `helpers.GAILConfig()`'s; `tests/test_from_scratch.py` checks that each piece computes what the helpers compute.

# %%
import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical
from torch.nn import functional as F

torch.distributions.Distribution.set_default_validate_args(False)  # skip argument checks: a fifth of the rollout

GAMMA, LAM, CLIP, EPOCHS, MINIBATCHES = 0.98, 0.95, 0.2, 10, 2  # the student's PPO
POLICY_LR, VALUE_LR, DISC_LR = 3e-3, 1e-2, 1e-3  # Adam's step sizes
HIDDEN, N_ENVS, BATCH_STEPS, MAX_STEPS, DISC_STEPS = 64, 8, 800, 200, 20

# %%
config = helpers.GAILConfig(max_env_steps=GAIL_MAX_ENV_STEPS)  # the same settings, for the helpers below
ppo = config.ppo
assert (GAMMA, LAM, CLIP, EPOCHS, MINIBATCHES) == (ppo.gamma, ppo.lam, ppo.clip, ppo.epochs, ppo.minibatches)
assert (POLICY_LR, VALUE_LR, DISC_LR, DISC_STEPS) == (ppo.policy_lr, ppo.value_lr, config.disc_lr, config.disc_steps)
assert (HIDDEN, HIDDEN, N_ENVS, BATCH_STEPS) == (ppo.hidden, config.disc_hidden, ppo.n_envs, ppo.batch_steps)
assert MAX_STEPS == helpers.MAX_STEPS


# %% [markdown]
# The networks: a policy (4 → 64 → 2 logits) and a critic (4 → 64 → 1), the shapes of notebook 01's with 64 hidden
# units where its expert has 128, and the discriminator of notebook 03, whose input is the standardised state and the
# one-hot action.


# %%
def mlp(n_in: int, n_out: int) -> nn.Sequential:
    """n_in -> HIDDEN (ReLU) -> n_out."""
    return nn.Sequential(nn.Linear(n_in, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, n_out))


class Discriminator(nn.Module):
    """The logit l(s, a) of D(s, a) = sigmoid(l), the probability that the pair (s, a) is the student's."""

    def __init__(self, demo_states: torch.Tensor) -> None:
        super().__init__()
        self.net = mlp(4 + 2, 1)
        self.mean, self.std = demo_states.mean(0), demo_states.std(0).clamp_min(1e-3)  # the demos' statistics

    def forward(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """Logits [N] for states [N, 4] and actions [N]."""
        return self.net(torch.cat([(s - self.mean) / self.std, F.one_hot(a, 2).float()], 1)).squeeze(-1)


# %% [markdown]
# ### Coding exercise 1: the rollout
#
# Gymnasium's vector API steps all environments at once: `obs, info = envs.reset(seed=seed)`, then
# `obs, reward, terminated, truncated, info = envs.step(actions)`, each an array with one entry per environment.
# Three things to mind:
#
# - **terminated ≠ truncated.** A step is *terminated* when the pole fell (its future is worth 0) and *truncated*
#   when the 200-step cap stopped the episode (its next state is still worth V(s′)). Keep both, apart.
# - **Next-step autoreset.** The step that ends an episode returns its true last state. The environment resets on
#   its *next* step, which ignores the action and returns a fresh start state: that row belongs to no episode.
# - **Whole episodes.** Record episodes back to back until the batch holds at least `BATCH_STEPS` steps; from then
#   on, each environment stops recording when the episode it is in ends (one between episodes stops at once).
#
# Write `play(envs, policy, seed)`: reset the environments with `seed`, then step them all (`envs.num_envs` of them;
# those that stopped recording are still stepped, their rows `valid = False`), each action sampled from π(·|s)
# (`Categorical(logits=policy(s))`), until no environment is recording. Return time-major tensors, row t
# holding step t of every environment: `s` and `s2` (the state before and after the step, float32 [T, N, 4]), `a`
# (int64 [T, N]), and three bool [T, N]: `term`, `trunc`, and `valid` (the row is a step of a recorded episode).
# The check plays your function on Gymnasium's CartPole capped at 25 steps, so that a batch holds falls and
# truncations, once with a policy whose choices are certain, once with a coin.


# %%
@torch.no_grad()
def play(envs: gym.vector.VectorEnv, policy: nn.Module, seed: int | None = None) -> dict[str, torch.Tensor]:
    """Whole episodes in every environment, actions sampled from pi(.|s), until they hold >= BATCH_STEPS steps."""
    ### BEGIN SOLUTION
    obs, _ = envs.reset(seed=seed)
    rows, recorded = [], 0
    recording = np.ones(envs.num_envs, dtype=bool)  # which environments still record
    reset_step = np.zeros(envs.num_envs, dtype=bool)  # their last step ended an episode: this one only resets them
    while recording.any():
        a = Categorical(logits=policy(torch.as_tensor(obs))).sample().numpy()
        next_obs, _, term, trunc, _ = envs.step(a)  # the environment's reward is never read
        valid = recording & ~reset_step
        rows.append((obs, a, next_obs, term, trunc, valid))
        recorded += valid.sum()
        reset_step = term | trunc
        if recorded >= BATCH_STEPS:  # full: each environment stops at the end of the episode it is in
            recording &= valid & ~reset_step
        obs = next_obs
    s, a, s2, term, trunc, valid = (torch.as_tensor(np.stack(x)) for x in zip(*rows, strict=True))
    return {"s": s, "a": a, "s2": s2, "term": term, "trunc": trunc, "valid": valid}
    ### END SOLUTION


# %%
check.play(play, BATCH_STEPS)


# %% [markdown]
# GAE, as in notebook 01, on the time-major rows: a termination zeroes V(s′) and stops the sum; a truncation only stops
# the sum. Rows that are not steps of a recorded episode (reset steps, and episodes an environment plays after it
# stopped recording) all come after a recorded episode's end, where the sum stopped, so they never reach a step that
# counts.


# %%
def gae(r, v, v2, term, trunc) -> torch.Tensor:
    """A_t = delta_t + gamma lam (1 - done_t) A_{t+1},  delta_t = r_t + gamma (1 - terminated_t) V(s_{t+1}) - V(s_t)."""
    adv, next_adv = torch.zeros_like(r), torch.zeros_like(r[0])
    for t in reversed(range(len(r))):  # backwards in time, all environments at once
        delta = r[t] + GAMMA * ~term[t] * v2[t] - v[t]
        adv[t] = next_adv = delta + GAMMA * LAM * ~(term[t] | trunc[t]) * next_adv
    return adv


# %% [markdown]
# ### Coding exercise 2: the discriminator's step
#
# D minimises its cross-entropy (notebook 03), with the expert's pairs labelled 0 and the student's 1, each side
# averaged on its own so that 200 expert pairs weigh as much as a batch of 800:
#
# $$L(w) = -\mathbb{E}_{\pi_E}[\log(1 - D_w(s, a))] - \mathbb{E}_{\pi}[\log D_w(s, a)], \qquad D_w = \sigma(l_w).$$
#
# Write `disc_step(disc, opt, expert_s, expert_a, s, a)`: one gradient step of the optimizer `opt` on L, computed from
# the logits `disc(s, a)`; return L's value before the step, as a float (`loss.item()`). The check gives your function a
# plain gradient-descent optimizer, so that each step shows the gradient you computed, and tries it twice in a row, on
# logits far out too.


# %%
def disc_step(disc: nn.Module, opt: torch.optim.Optimizer, expert_s, expert_a, s, a) -> float:
    """One step of ``opt`` on D's cross-entropy: the expert's pairs labelled 0, the student's 1; returns the loss."""
    ### BEGIN SOLUTION
    expert_logits, student_logits = disc(expert_s, expert_a), disc(s, a)
    loss = F.binary_cross_entropy_with_logits(expert_logits, torch.zeros_like(expert_logits))
    loss = loss + F.binary_cross_entropy_with_logits(student_logits, torch.ones_like(student_logits))
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()
    ### END SOLUTION


# %%
check.disc_step(disc_step)


# %% [markdown]
# ### Coding exercise 3: the reward
#
# Every step of the batch is paid r(s, a) = −log D(s, a), with D = σ(l) read from the updated discriminator's logit
# l = `disc(s, a)`. Write `reward(disc, s, a)`, one reward per pair, so that it stays finite for every logit: where D
# rounds to 0 in float32 (a logit of −200), log D would be −∞ (notebook 03's table of rewards says how to stay on the
# logit). The check tries chosen logits, far out among them, then a real discriminator.


# %%
@torch.no_grad()
def reward(disc: nn.Module, s, a) -> torch.Tensor:
    """r(s, a) = -log D(s, a) for every pair [N], finite for every logit."""
    ### BEGIN SOLUTION
    return -F.logsigmoid(disc(s, a))
    ### END SOLUTION


# %%
check.gail_reward(reward)


# %% [markdown]
# PPO's update of notebook 01, on the discriminator's rewards: GAE on the time-major rows, advantages standardised
# over the batch's steps, then 10 passes over them in 2 random minibatches, each one step of one Adam on −L^CLIP plus
# the critic's squared error.


# %%
def ppo_update(policy: nn.Module, value: nn.Module, opt: torch.optim.Optimizer, batch: dict, rewards) -> None:
    """One PPO update of the policy and the critic on ``batch``, its valid steps paid ``rewards`` (in their order)."""
    valid = batch["valid"]
    with torch.no_grad():
        v, v2 = value(batch["s"]).squeeze(-1), value(batch["s2"]).squeeze(-1)  # V(s_t), V(s_{t+1}), [T, N]
        r = torch.zeros_like(v)
        r[valid] = rewards
        adv = gae(r, v, v2, batch["term"], batch["trunc"])
        returns = adv + v  # the critic's targets
    s, a, adv, returns = batch["s"][valid], batch["a"][valid], adv[valid], returns[valid]
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    with torch.no_grad():
        old_logp = Categorical(logits=policy(s)).log_prob(a)  # log pi_old(a_t | s_t)
    for _ in range(EPOCHS):
        for idx in torch.randperm(len(a)).chunk(MINIBATCHES):
            ratio = torch.exp(Categorical(logits=policy(s[idx])).log_prob(a[idx]) - old_logp[idx])
            surrogate = torch.min(ratio * adv[idx], ratio.clamp(1 - CLIP, 1 + CLIP) * adv[idx]).mean()  # L^CLIP
            value_loss = F.mse_loss(value(s[idx]).squeeze(-1), returns[idx])
            opt.zero_grad()
            (-surrogate + value_loss).backward()
            opt.step()


# %% [markdown]
# ### Your GAIL: the training loop
#
# Now put the pieces together. Write `gail(expert_s, expert_a, envs, max_env_steps, seed)`:
#
# - seed torch with `seed`; build the policy `mlp(4, 2)`, the critic `mlp(4, 1)` and `Discriminator(expert_s)`; one
#   `torch.optim.Adam` for the policy and the critic, each with its own step size (parameter groups), and one for D;
# - repeat the four steps of an iteration until `max_env_steps` env steps of the batches' episodes are spent:
#   `play` (with `seed` for the first batch only), `DISC_STEPS` calls of `disc_step` on the batch's valid pairs
#   (`batch["s"][batch["valid"]]` and the same for `a`), `reward` from the updated D for those pairs, in that order,
#   and `ppo_update`; before each update, the student's step sizes shrink linearly to 0 over the budget (their full
#   size times 1 − steps spent / `max_env_steps`);
# - return the policy, the discriminator and a list with one float per iteration: the loss its last `disc_step`
#   returned.
#
# Your function is judged by what it learns, not by its code: the next cell trains it on Gymnasium's vector CartPole
# (watching how many steps it plays), and the evaluation below checks its student's habit and return on fresh
# episodes. If it fails there, the message names the most likely mistake.


# %%
def gail(expert_s, expert_a, envs: gym.vector.VectorEnv, max_env_steps: int, seed: int) -> tuple:
    """GAIL on the demos for ``max_env_steps`` env steps: returns the policy, D and D's loss at each iteration."""
    ### BEGIN SOLUTION
    torch.manual_seed(seed)  # the initial weights, the sampled actions and the minibatches
    policy, value, disc = mlp(4, 2), mlp(4, 1), Discriminator(expert_s)
    groups = [{"params": policy.parameters(), "lr": POLICY_LR}, {"params": value.parameters(), "lr": VALUE_LR}]
    opt = torch.optim.Adam(groups, fused=True)  # fused: one kernel a tensor, faster for these small networks
    disc_opt = torch.optim.Adam(disc.parameters(), lr=DISC_LR, fused=True)
    steps, d_losses = 0, []
    while steps < max_env_steps:
        batch = play(envs, policy, seed if steps == 0 else None)  # 1. the student plays
        s, a = batch["s"][batch["valid"]], batch["a"][batch["valid"]]
        for _ in range(DISC_STEPS):  # 2. D learns: the expert 0, the student 1
            d_loss = disc_step(disc, disc_opt, expert_s, expert_a, s, a)
        rewards = reward(disc, s, a)  # 3. r = -log D, from the updated D
        for group, lr in zip(opt.param_groups, (POLICY_LR, VALUE_LR), strict=True):
            group["lr"] = lr * (1 - steps / max_env_steps)  # step sizes shrinking to 0 over the budget
        ppo_update(policy, value, opt, batch, rewards)  # 4. PPO on those rewards
        steps += len(a)
        d_losses.append(d_loss)
    return policy, disc, d_losses
    ### END SOLUTION


# %%
envs = gym.make_vec(
    "CartPole-v1", num_envs=N_ENVS, vectorization_mode="vector_entry_point", max_episode_steps=MAX_STEPS
)
mine = check.run_gail(gail, expert_s, expert_a, envs, GAIL_MAX_ENV_STEPS, SEED)
print(mine.summary())

# %% [markdown]
# Before judging it, the two learners to judge it beside, trained by the helpers ("from scratch, then concise":
# `helpers.train_gail` runs the same iteration on a faster CartPole of its own, `helpers.CartPoleBatch`).
#
# ## The control: the same student, paid only for surviving
#
# Same PPO settings, same budget, same discriminator trained beside it, but the student's reward is the constant
# log 2 per step — what −log D pays where D cannot tell (D = ½). Whatever the student does, only staying alive
# pays. If the control keeps the cart where the expert does, the habit would be no evidence of imitation.

# %%
control_config = dataclasses.replace(config, reward="survival")
control, control_hist, control_disc = helpers.train_gail(demos, SEED, control_config)
print(f"control: {control_hist.env_steps[-1]} env steps, {control_hist.train_seconds[-1]:.1f} s of training")

# %% [markdown]
# ## Behavioral cloning on the same pairs
#
# BC ignores the environment altogether: it is supervised classification, minimising the cross-entropy
# −(1/N) Σ log π_θ(a_i | s_i) over the 200 pairs. Same network shape as the GAIL student. Its training loop is four
# lines: one Adam step per epoch, on all 200 pairs at once, with `helpers.train_bc`'s step size 3e-3 and weight
# decay 1e-4, an L2 penalty that adds 1e-4 θ to every gradient and so pulls each weight a little towards 0:

# %%
torch.manual_seed(SEED)  # the initial weights
bc = mlp(4, 2)
bc_opt = torch.optim.Adam(bc.parameters(), lr=3e-3, weight_decay=1e-4, fused=True)
for _ in range(BC_EPOCHS):  # one step per epoch, on all 200 pairs
    loss = F.cross_entropy(bc(expert_s), expert_a)  # -(1/N) sum_i log pi(a_i | s_i)
    bc_opt.zero_grad()
    loss.backward()
    bc_opt.step()
with torch.no_grad():
    accuracy = (bc(expert_s).argmax(-1) == expert_a).float().mean()
print(f"BC: loss {loss.item():.3f} after {BC_EPOCHS} epochs, accuracy on the demo pairs {accuracy:.3f}")

# %% [markdown]
# ## Evaluation: is your GAIL imitating?
#
# Every policy plays the same fresh greedy episodes (start states no training run played). We measure the habit,
# the return, and **agreement**: on how many states the learner's greedy action equals the expert's — on the demo
# states, and on the states each learner visits itself. For BC the first is its accuracy on its own training pairs;
# for GAIL and the control, pairs they never trained on. An untrained student is scored too: what a learner that
# learned nothing does.

# %%
eval_seed = helpers.fresh_seed(SEED)  # start states that no training run played
expert = helpers.load_policy(data / "expert_policy.pt")  # evaluation only, from here on
torch.manual_seed(SEED)
untrained = mlp(4, 2)  # a student before any training
policies = {"expert": expert, "your GAIL": mine.policy, "survival control": control.policy, "BC": bc}
policies["untrained student"] = untrained
episodes = {name: helpers.run_episodes(p, EVAL_EPISODES, seed=eval_seed) for name, p in policies.items()}
expert_habit = helpers.mean_habit(episodes["expert"])
rows = {}
for name, p in policies.items():
    rows[name] = {
        "return": np.mean([len(e) for e in episodes[name]]),
        "habit": helpers.mean_habit(episodes[name]),
        "agree_demo": helpers.agreement(p, expert, expert_s),
        "agree_own": helpers.agreement(p, expert, helpers.concat_episodes(episodes[name]).states),
    }
print(f"{'':18s} {'return':>7s} {'habit':>7s} {'|habit - expert|':>17s} {'agreement: demo':>16s} {'own':>6s}")
for name, r in rows.items():
    gap = abs(r["habit"] - expert_habit)
    print(f"{name:18s} {r['return']:7.1f} {r['habit']:+7.2f} {gap:17.2f} {r['agree_demo']:16.3f} {r['agree_own']:6.3f}")

# %% [markdown]
# **Checkpoint: your GAIL.** Its student balances (mean return ≥ 195; the untrained student beside it does not) and
# keeps the cart within `HABIT_GAP` = 0.4 m of where the expert does (the survival control, which balances too, must
# fail that same test). If a check fails, its message names the most likely mistake, read from your run's signature
# (its D losses, episode lengths and habit: the section "When GAIL goes wrong" below shows each one).

# %%
gail_row, ctrl, bc_row = rows["your GAIL"], rows["survival control"], rows["BC"]
gap = {name: abs(r["habit"] - expert_habit) for name, r in rows.items()}
hint = check.diagnose_gail(mine, gail_row["return"], gail_row["habit"], expert_habit, expert_s, expert_a)
checkpoint("GAIL's mean return", gail_row["return"], at_least=SOLVED_RETURN, hint=hint,
           control=("an untrained student", rows["untrained student"]["return"]))  # fmt: skip
if habit_x is not None:  # without a habit (exercise 1) there is no habit to be near
    checkpoint("GAIL's habit gap (m)", gap["your GAIL"], at_most=HABIT_GAP, hint=hint,
               control=("the survival control", gap["survival control"]))  # fmt: skip

# %% [markdown]
# **Checkpoint: the control and BC.** The control's cart must stay at least 0.4 m from the expert's habit (a learner
# that imitates, your GAIL, fails this test), and BC's habit must be within 0.4 m too. BC's return is reported, not
# checked: copying 200 pairs, it falls on a few episodes on some seeds. (With `HABIT_X = None` the expert has no habit,
# and the habit checks have nothing to test.)

# %%
if habit_x is not None:
    checkpoint("the control's habit gap (m)", gap["survival control"], at_least=HABIT_GAP,
               control=("your GAIL", gap["your GAIL"]))  # fmt: skip
    checkpoint(
        "BC's habit gap (m)", gap["BC"], at_most=HABIT_GAP, control=("the survival control", gap["survival control"])
    )
print(f"BC's mean return {bc_row['return']:.1f} (reported, not checked)")
for name, r in rows.items():  # for the seed sweep's table (benchmarks/check_seeds.py); prints nothing
    for key in ("return", "agree_demo", "agree_own", "habit"):
        record(f"{name.replace('your ', '')}: {key}", r[key])

# %% [markdown]
# ## What the discriminator saw, and where the cart went
#
# Left: D's loss at each iteration, your GAIL's (the list your loop returned) and the control's. log 4 is the loss of
# a D that cannot tell the two sides apart. Right: the habit of each iteration's training episodes (sampled actions).
# Look for three things in your own run: GAIL's loss first falls — D learns to tell the student — then climbs back
# towards log 4 as the student comes to look like the expert; the control's keeps falling, since D tells its pairs
# from the expert's ever more easily and nothing in its reward asks it to look like anyone; and GAIL's cart moves to
# where the expert keeps it, the control's stays wherever balancing leaves it. Your run's x-axis counts every step
# your loop played, reset steps and the episodes played after recording stopped included: a little more than the
# budget, which counts the batches' episodes, as the control's axis does.

# %%
runs = {"your GAIL": mine.curves(), "survival control": history_curves(control_hist)}
fig = plot_gail_runs(runs, expert_habit)
plt.show()

# %% [markdown]
# Each episode's habit, one dot per fresh episode (the bar is the mean; the band is `HABIT_GAP` around the expert's):

# %%
habits = {
    name: [helpers.habit_of(e.states) for e in episodes[name]] for name in policies if name != "untrained student"
}
fig = plot_habits(habits, expert_habit, tolerance=HABIT_GAP)
plt.show()

# %% [markdown]
# ### What the output shows
#
# - **The return cannot tell them apart.** Your GAIL, the control and the expert all balance for 200 steps (the
#   table's return column), where the untrained student falls long before (its row).
# - **The habit can.** Your GAIL's student drives the cart to where the expert keeps it and holds it there (its habit
#   gap is the checkpoint's number). The control, trained by the same PPO for as long, balances just as well and
#   leaves the cart near the centre, far outside the band. GAIL learned where the expert stands from the 200 pairs,
#   through the discriminator: nothing else in its training knew.
# - **Agreement follows the habit.** Now that the expert's pushes depend on where the cart is, the control, which
#   does not go there, chooses the expert's action on about half of the states it visits itself, a coin's share;
#   GAIL and BC on most of theirs. Without the habit, every balancing policy agrees with the expert on most states
#   (end-of-notebook exercise 1).
# - **BC** copies the 200 actions by supervised learning and gets the habit too, without ever playing.
#
# The same comparison over many seeds, each with its own expert and demonstration: this notebook's reference solution
# of the training loop, run by `benchmarks/capstone.py` beside the control, BC and an untrained student, on seeds that
# played no part in choosing any setting, each learner on 50 fresh greedy episodes (for the control, the worst gap is
# its smallest):
#
# <!-- sweep: 04-comparison -->
# Seeds 4000–4099 (this CPU) and 4100–4149 (torch’s plain kernels), 150 in all:
#
# | learner | return ≥ 195 | habit gap (m): median, worst | gap ≤ 0.4 | agreement: demo / own |
# |---|---|---|---|---|
# | GAIL (the loop you wrote) | 150/150 | 0.04, 0.16 | 150/150 | 0.93 / 0.87 |
# | survival control | 150/150 | 1.48, 1.02 | 0/150 | 0.51 / 0.50 |
# | BC | 148/150 | 0.03, 0.19 | 150/150 | 0.98 / 0.90 |
# | untrained student | 0/150 | — | — | 0.50 / 0.33 |
# <!-- /sweep -->

# %% [markdown]
# ## When GAIL goes wrong
#
# GAIL has two learners pulling against each other, so a slip in one place shows up somewhere else. Five slips are
# classic. Each figure shows this notebook's training loop with that one slip (thin lines, one per seed, each seed with
# its own expert and demonstration) beside the loop as written above: runs that `benchmarks/capstone.py` made and
# `docs/failure_modes.py` draws. Each **signature** is something you can read in your own run: the summary printed
# under your training cell, the figure of D's loss and of the training episodes' habit, the evaluation table. The
# judgment of your loop reads the same signatures when it names a likely mistake.
#
# **(a) A reward below 0 on every step: the student ends its episodes.** With the reward's sign flipped (log D
# instead of −log D), or with log(1 − D), every step alive costs, so the student learns to end each episode as fast as
# it can. *Signature:* the training episodes shrink to a handful of steps within a few batches and stay there; the
# evaluation's return is as low as the untrained student's; D tells the two sides apart at once (its loss near 0).
#
# ![The training episodes' length over training: the loop as written reaches 200 steps; with the reward's sign
# flipped, the episodes shrink to a few steps](../docs/img/failure_reward_sign.png)
#
# **(b) Too few discriminator steps: D never separates the two sides.** With one step per iteration, D cannot keep up
# with a student that changes every iteration. *Signature:* D's loss stays near log 4 from the start, where the loop
# as written falls well below it in the first third of training and climbs back later. The student usually still
# balances, but the habit arrives late and is less sure: see (c).
#
# ![D's loss at each iteration: with 20 steps it falls well below log 4 early and climbs back; with 1 step it stays
# near log 4 throughout](../docs/img/failure_weak_d.png)
#
# **(c) A lagging discriminator: the cart overshoots the mark.** A D that has not kept up (one step per iteration, or
# a step size ten times smaller) keeps paying for "further right" past where the expert ever went, and the student
# follows. *Signature:* return 200, and a habit beyond the expert's, sometimes outside the band.
#
# ![Left: per seed, the student's habit minus the expert's, for the loop as written and with a lagging D, against the
# band. Right: D's reward for the demo's pairs moved along the track](../docs/img/failure_overshoot.png)
#
# **(d) Labels swapped: the student runs from the expert.** D trained with the expert labelled 1 and the student 0,
# while the reward −log D still assumes the expert is 0: the student is paid for being *unlike* the expert.
# *Signature:* D's loss falls to near 0 and stays there (it tells the two apart easily); at the end D is near 1 on the
# expert's own pairs; the training episodes' habit heads the other way, and the student often falls.
#
# ![Left: D's loss, near 0 throughout with swapped labels. Right: the training episodes' habit, heading to the other
# side of the track with swapped labels](../docs/img/failure_labels_flipped.png)
#
# **(e) A fall bootstrapped as a truncation.** If GAE treats a fall like the 200-step cap, it carries the fallen
# state's value on as if the episode went on, and nothing tells the critic that falling ends every reward (in notebook
# 01 the same slip keeps the expert from ever balancing). *Signature:* the same as (a), episodes of a handful of
# steps. D's loss early on is usually lower still with the sign flipped, but not always: the check names both.
#
# ![The training episodes' length over training: with falls treated as the step cap, they shrink to a few
# steps](../docs/img/failure_bootstrap_fall.png)
#
# Three slips are easy to make and hard to see: rewards read from D *before* its update on the batch, step sizes that
# never shrink, and every batch reset with the same seed. Each still learns on most seeds; the judgment mentions them
# only when your student fails.

# %% [markdown]
# ## Saving both learners
#
# `helpers.load_policy` reads them back; `python scripts/summary.py` (after `make run`) compares every saved learner.

# %%
gail_policy, bc_policy = helpers.PolicyNet(HIDDEN), helpers.PolicyNet(HIDDEN)
gail_policy.net.load_state_dict(mine.policy.state_dict())
bc_policy.net.load_state_dict(bc.state_dict())
gail_path = helpers.save_policy(
    gail_policy, data / "gail_policy.pt", algorithm="GAIL", seed=SEED, env_steps=mine.env_steps
)
bc_path = helpers.save_policy(bc_policy, data / "bc_policy.pt", algorithm="BC", seed=SEED, epochs=BC_EPOCHS)
assert helpers.agreement(helpers.load_policy(gail_path), mine.policy, expert_s) == 1.0
print("saved", helpers.display_path(gail_path), "and", helpers.display_path(bc_path))

# %% [markdown]
# ## Summary
#
# - GAIL is a game: D learns to tell the student's pairs (1) from the expert's (0), and the student, paid −log D, learns
#   to pass for the expert; against the best D it minimises the Jensen–Shannon divergence between their occupancy
#   measures.
# - You wrote it in torch and Gymnasium: a rollout that keeps a fall apart from the step cap and skips Gymnasium's
#   reset step, D's cross-entropy step on the logits, the reward −log D, and the loop that plays, trains D, pays the
#   student and updates it by PPO.
# - On CartPole a return of 200 proves no imitation: a student paid only for surviving balances as well as GAIL.
# - The habit tells them apart: your GAIL's student keeps the cart where the expert does; the survival control does not.
# - When GAIL goes wrong, the run says where: episode length (the reward's sign), D's loss (its steps), the habit's
#   side (its labels).

# %% [markdown]
# ## Exercises
#
# 1. Switch the habit off, in a scratch data folder so that the committed files stay: run notebook 01 with
#    `HABIT_X = None` and `DATA_DIR = "no_habit"`, then notebook 02 and this one with the same `DATA_DIR`. What
#    happens to the comparison between GAIL and the control?
# 2. Give the discriminator a single step per iteration: `DISC_STEPS = 1` before your training cell. Does the student
#    still learn the habit? Look at D's loss and at the habit of the training episodes.
# 3. Train BC on only the first 50 pairs (`expert_s[:50]`, `expert_a[:50]`). Where does its cart go?
#
# In exercises 2 and 3 a checkpoint may stop the notebook: that is the point. Read the evaluation table, then run the
# figure cells below it by hand.

# %% [markdown] tags=["solution"]
# <details><summary>Solutions</summary>
#
# 1. Without a habit the expert is just a balancer, and so are GAIL's student and the control: all three balance
#    and keep the cart near the centre, and their habits differ by little and in no fixed direction. Agreement with
#    the expert no longer separates them either: on some seeds GAIL agrees more, on others the control. Nothing
#    measured tells GAIL from the control reliably any more: on plain CartPole surviving *is* the expert's whole
#    behaviour, so a survival reward "imitates" it by itself. That is why this series gives the expert a habit. (The
#    habit checks are skipped then: there is no habit to be far from.)
# 2. With one discriminator step per iteration D lags behind the student: its loss stays near log 4 from the start,
#    so its reward says little. The student still balances, and usually drives right, but late (the training
#    episodes' habit may first drift the wrong way) and may overshoot the mark, with fewer states on which it agrees
#    with the expert. A lagging D still pays for being right of the student's states, and its reward does not stop at
#    the mark: notebook 03's heat map pays out as far as x = 2.4, where the expert never went. D has to keep up with
#    the student to say where to stop (failure modes (b) and (c)).
# 3. The first 50 pairs are the start of the episode, when the expert was still travelling. BC has never seen the
#    cart at its mark, so it has no example of stopping there: its cart overshoots or stops short, and some
#    episodes may end early. A copy is only as good as what it was shown.
#
# </details>

# %% [markdown]
# [← 03 Discriminator](03_discriminator.ipynb) · [contents](../README.md) · [05 Going further →](05_going_further.ipynb)
