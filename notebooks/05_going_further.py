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
# [← 04 GAIL](04_gail.ipynb) · [contents](../README.md)
#
# # 05 · Going further: survival, absorbing states, fewer pairs, and robustness
#
# Notebook 04's GAIL student keeps the cart where the expert does, and a student paid only for surviving does not.
# This notebook pushes on that result from four sides. You will
#
# 1. run the **random-demo control**: plain GAIL on pairs of a policy that flips a coin at every step. Imitating it
#    would mean falling after about 20 steps; the student balances far longer, because −log D pays for every step;
# 2. write out **absorbing states** (after Kostrikov et al. 2019), which let the discriminator judge the *end* of an
#    episode too, and check that the same algorithm then balances on the expert's demo and falls like the coin on the
#    coin's pairs;
# 3. shrink the demonstration from 200 pairs to 10 and watch **BC** lose the habit before GAIL does, and see the
#    **covariate shift** behind it along BC's own episodes;
# 4. test the claim that GAIL is **more robust** than BC when the world differs from the demo: shifted start
#    states and random pushes.
#
# Every lesson is measured on this notebook's seed, then over seeds 0–19 (robustness: 0–39), each with its own
# expert and demo, by `benchmarks/going_further_sweep.py`; what was tried, rejected and held out is in
# [benchmarks/going_further.md](../benchmarks/going_further.md).
#
# **Reads** `data/expert_demos.pt` (notebook 02), `data/gail_policy.pt` and `data/bc_policy.pt` (notebook 04), and
# `data/expert_policy.pt` (notebook 01, **for evaluation only**). **Writes** nothing.
# **Runs** in about 15 seconds on a laptop CPU (`FULL_SWEEP = True`: about 5 seconds more).

# %% tags=["parameters"]
SEED = 0
CONTROL_MAX_ENV_STEPS = 10_000  # plain GAIL on the random policy's pairs (the control)
ABSORBING_MAX_ENV_STEPS = 50_000  # absorbing-state GAIL, once on each demo set
SIZE_MAX_ENV_STEPS = 80_000  # plain GAIL on a shrunken demo (notebook 04's budget)
BC_EPOCHS = 1000  # behavioral cloning, as in notebook 04
EVAL_EPISODES = 50  # fresh greedy episodes per learner: return and habit
SAMPLED_EPISODES = 100  # fresh sampled episodes per learner: episode length
FULL_SWEEP = False  # True: GAIL on every demo size, not only on 20 pairs
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ folder

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

import helpers
from helpers.absorbing import (
    ABSORBING,
    AbsorbingDiscriminator,
    UniformPolicy,
    absorbing_rewards,
    mean_episode_length,
    random_policy_demos,
    subsample_demos,
    with_absorbing,
)
from helpers.checkpoints import (
    ABSORBING_VS_PLAIN,
    COIN_CONTROL_RATIO,
    COVARIATE_LEAD_STEPS,
    HABIT_GAP,
    SOLVED_RETURN,
    checkpoint,
    record,
)

helpers.check_parameters(
    SEED=SEED,
    CONTROL_MAX_ENV_STEPS=CONTROL_MAX_ENV_STEPS,
    ABSORBING_MAX_ENV_STEPS=ABSORBING_MAX_ENV_STEPS,
    SIZE_MAX_ENV_STEPS=SIZE_MAX_ENV_STEPS,
    BC_EPOCHS=BC_EPOCHS,
    EVAL_EPISODES=EVAL_EPISODES,
    SAMPLED_EPISODES=SAMPLED_EPISODES,
    FULL_SWEEP=FULL_SWEEP,
    DATA_DIR=DATA_DIR,
)
data = helpers.check_data_files(
    helpers.data_dir(DATA_DIR),
    reads=["expert_demos.pt", "expert_policy.pt", "gail_policy.pt", "bc_policy.pt"],
)
helpers.seed_everything(SEED)
torch.set_num_threads(1)  # faster for these tiny networks

# %% [markdown]
# The expert's demonstration, and the expert itself for scoring only. Every learner is scored on the same fresh
# episodes, from start states no training run played (`helpers.fresh_seed`).

# %%
demos = helpers.load_demos(data / "expert_demos.pt", n=200)
expert = helpers.load_policy(data / "expert_policy.pt")  # evaluation only
eval_seed = helpers.fresh_seed(SEED)
expert_eps = helpers.run_episodes(expert, EVAL_EPISODES, seed=eval_seed)
expert_habit = helpers.mean_habit(expert_eps)
print(f"demo: {len(demos['states'])} pairs from {helpers.display_path(data / 'expert_demos.pt')}")
print(f"expert on {EVAL_EPISODES} fresh greedy episodes: return {np.mean([len(e) for e in expert_eps]):.1f}, ", end="")
print(f"habit {expert_habit:+.2f}")


# %%
def score(policy: torch.nn.Module) -> dict[str, float]:
    """Greedy return and habit on the fresh episodes (|habit - expert's| as 'gap'), sampled episode length."""
    eps = helpers.run_episodes(policy, EVAL_EPISODES, seed=eval_seed)
    habit = helpers.mean_habit(eps)
    sampled = helpers.evaluate(policy, SAMPLED_EPISODES, greedy=False, seed=eval_seed)
    return {"return": np.mean([len(e) for e in eps]), "habit": habit, "gap": abs(habit - expert_habit),
            "sampled": sampled.mean()}  # fmt: skip


# %% [markdown]
# ## 1 · The random-demo control: GAIL on a coin's pairs
#
# A policy that picks left or right with probability ½ at every step is `UniformPolicy`: two equal logits. Careful
# how you *play* it. Greedy play takes the argmax, and an argmax of two equal numbers is the first one, action 0:
# "greedy uniform" is a policy that always pushes left. The coin is the *sampled* policy.

# %%
coin = UniformPolicy()
print("logits of any state:", coin(torch.zeros(1, 4)).tolist())
greedy_coin = helpers.run_episodes(coin, EVAL_EPISODES, greedy=True, seed=eval_seed)
pushes_right = torch.cat([e.actions for e in greedy_coin]).float().mean()
greedy_len = np.mean([len(e) for e in greedy_coin])
print(f"played greedily: pushes right on {pushes_right:.0%} of its steps, lasts {greedy_len:.1f} steps")
coin_len = helpers.evaluate(coin, SAMPLED_EPISODES, greedy=False, seed=eval_seed).mean()
print(f"played as a coin (sampled): lasts {coin_len:.1f} steps on average ({SAMPLED_EPISODES} fresh episodes)")

# %% [markdown]
# We record 200 of the coin's pairs: several short episodes, each ending in a **termination** (the pole fell or
# the cart left the track), and give them to notebook 04's GAIL, unchanged, as if they were the expert's.

# %%
random_demos = random_policy_demos(200, seed=SEED)
n_ends = int(random_demos["terminated"].sum())
print(f"200 random pairs: {n_ends} terminations; their complete episodes last {mean_episode_length(random_demos):.1f}")
constant_lr = helpers.student_ppo_config(anneal_lr=False)  # over a budget this short, annealing stops it half-way
control_config = helpers.GAILConfig(max_env_steps=CONTROL_MAX_ENV_STEPS, ppo=constant_lr)
control, control_hist, _ = helpers.train_gail(random_demos, SEED, control_config, progress=False)
ctrl = score(control.policy)
print(f"plain GAIL on the coin's pairs: sampled episodes last {ctrl['sampled']:.1f} steps, ", end="")
print(f"{ctrl['sampled'] / coin_len:.1f} x the coin's; greedy return {ctrl['return']:.1f}")

# %% [markdown]
# The student trained to look like a coin lasts several times as long as the coin. Nothing in the demonstrations
# asked for that; the reward did. −log D is positive on every step, so **a longer episode always earns more**, and on
# CartPole that survival bonus is most of the task. (Notebook 04's survival control showed the other half: surviving
# alone does not produce the habit.)
#
# Over seeds 0–19 (`going_further_sweep.py`, each seed with its own random pairs; 10,000 env steps; 100 sampled
# episodes each):
#
# | seeds 0–19 | sampled episode length | × the coin's |
# |---|---|---|
# | the coin | 20.4–24.5 | 1 |
# | the coin's 200 pairs (their complete episodes) | 17.0–36.2 | 0.75–1.78 |
# | plain GAIL on those pairs | 66–157 | 2.8–7.1 |
#
# On held-out seeds 20–39 plain GAIL lasted 3.3–7.9 × the coin.
#
# **Checkpoint.** In this notebook's own setting (`SEED` 0–19, the committed demo) the control lasted at least
# 2.8 × the coin on every seed. The check asks for 2.5 ×.

# %%
checkpoint(
    "plain GAIL on the coin's pairs: length / the coin's", ctrl["sampled"] / coin_len, at_least=COIN_CONTROL_RATIO
)
record("the coin's pairs, their own episodes: length / the coin's", mean_episode_length(random_demos) / coin_len)

# %% [markdown]
# ## 2 · Absorbing states: let the discriminator judge the ending
#
# Kostrikov et al. (2019, *Discriminator-Actor-Critic*, DAC, section 4.2) name the problem: a reward that is always
# positive is a survival bonus, one that is always negative (log(1 − D)) a hurry-up penalty, and either way the
# *sign* of the reward, not the demos, decides how long episodes get. Their fix treats the end of an episode as one
# more state:
#
# - after a termination the episode moves to an **absorbing state** s_a and stays there forever;
# - the discriminator sees s_a as one more input: zero state, no action, an *absorbing* flag 1. Every termination
#   adds one such sample to its side: the student's episodes *and* the demos. A truncation (our 200-step cap) adds
#   none: the episode did not end, we stopped watching;
# - the reward of s_a, r_a, comes from D like any other pair, and staying there forever is worth
#   V(s_a) = r_a + γ r_a + γ² r_a + … = r_a / (1 − γ);
# - the per-step reward must be able to go negative: the logit reward r = log(1 − D) − log D, 0 where D = ½.
#
# What we run is **DAC-style, adapted to on-policy PPO**. DAC is off-policy (TD3 with a replay buffer, which stores
# absorbing transitions and lets its critic learn their value). We keep no replay buffer; we compute
# V(s_a) = r_a / (1 − γ) exactly and fold γ V(s_a) into the terminated step's reward. Two more pieces are this
# series' own: the logit is clamped to ±2 before rewards are read (so |V(s_a)| ≤ 2 / (1 − γ) = 100), and, in an
# earlier version, annealed learning rates (rejected in this loop, see
# [benchmarks/going_further.md](../benchmarks/going_further.md)).
#
# First the samples. `with_absorbing` appends one absorbing sample per termination:

# %%
s_abs, a_abs = with_absorbing(random_demos["states"], random_demos["actions"].reshape(-1), random_demos["terminated"])
n_absorbing = int((a_abs == ABSORBING).sum())
print(f"random pairs: {len(random_demos['states'])} -> {len(s_abs)} samples, {n_absorbing} of them absorbing")
s_exp, a_exp = with_absorbing(demos["states"], demos["actions"].reshape(-1), demos["terminated"])
print(f"expert pairs: {len(demos['states'])} -> {len(s_exp)} samples: the expert's episode never ended")

# %% [markdown]
# Then the reward, written out: r'_t = r(s_t, a_t) + terminated_t · γ · r_a / (1 − γ), with r = −clamp(l, ±2) the
# logit reward and r_a the same read at the absorbing sample. GAE then sees at a termination
# r_t + γ V(s_a) − V(s_t): the absorbing state's value, bootstrapped instead of 0. We compare with
# `helpers.absorbing.absorbing_rewards` on a batch of the coin's episodes and a fresh discriminator:

# %%
config = helpers.absorbing_config(max_env_steps=ABSORBING_MAX_ENV_STEPS)
gamma, clip = config.ppo.gamma, config.reward_clip
helpers.seed_everything(SEED)
disc = AbsorbingDiscriminator(config.disc_hidden)
disc.set_normalization(demos["states"])
batch = helpers.concat_episodes(helpers.run_episodes(coin, 8, greedy=False, seed=eval_seed))
with torch.no_grad():
    r = -disc(batch.states, batch.actions).clamp(-clip, clip)  # log(1 - D) - log D = -logit
    r_a = float(-disc(torch.zeros(1, 4), torch.tensor([ABSORBING])).clamp(-clip, clip)[0])
mine = r + batch.terminated.float() * gamma * r_a / (1 - gamma)
theirs, theirs_r_a = absorbing_rewards(disc, batch, gamma, config.reward, clip)
assert torch.allclose(mine, theirs) and abs(r_a - theirs_r_a) < 1e-6
print(f"{len(batch)} steps, {int(batch.terminated.sum())} terminations; ", end="")
print(f"r_a = {r_a:+.3f}, so V(s_a) = r_a / (1 - gamma) = {r_a / (1 - gamma):+.2f}")
print("the written-out reward and absorbing_rewards agree:", torch.allclose(mine, theirs))

# %% [markdown]
# Now the same algorithm, `helpers.absorbing_config()`, on each demo set. First the expert's demo, judged as in
# notebook 04 (return and habit):

# %%
print(f"reward {config.reward!r}, logit clamped to ±{config.reward_clip}, {config.disc_steps} discriminator steps")
abs_expert, abs_expert_hist, _ = helpers.train_gail(demos, SEED, config, progress=False)
on_expert = score(abs_expert.policy)
print(f"absorbing GAIL on the expert's demo: return {on_expert['return']:.1f}, ", end="")
print(f"habit {on_expert['habit']:+.2f} (the expert's {expert_habit:+.2f})")

# %% [markdown]
# Then the coin's 200 pairs, judged by the sampled episode length:

# %%
abs_random, abs_random_hist, _ = helpers.train_gail(random_demos, SEED, config, progress=False)
on_random = score(abs_random.policy)
print(f"absorbing GAIL on the coin's pairs: sampled episodes last {on_random['sampled']:.1f} steps, ", end="")
print(f"{on_random['sampled'] / coin_len:.2f} x the coin's (plain GAIL: {ctrl['sampled'] / coin_len:.1f} x)")

# %% [markdown]
# Why the same algorithm does both: look at r_a through training, and at the training episodes' length.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for name, h in [("expert's demo", abs_expert_hist), ("coin's pairs", abs_random_hist)]:
    ax1.plot(h.env_steps, h.extra["r_absorbing"], label=name)
ax1.axhline(-clip, color="gray", ls=":", label=f"the clamp, −{clip:g}")
ax1.axhline(0, color="k", lw=0.8)
ax1.set_xlabel("training env steps")
ax1.set_ylabel("r_a, the absorbing state's reward")
ax1.legend()
for name, h in [("plain GAIL", control_hist), ("absorbing GAIL", abs_random_hist)]:
    ax2.plot(h.env_steps, h.episode_length, label=name)
ax2.axhline(coin_len, color="k", ls="--", label="the coin")
ax2.set_xlabel("training env steps")
ax2.set_ylabel("mean training episode length")
ax2.set_title("students of the coin's pairs")
ax2.legend()
fig.tight_layout()
plt.show()
ra_expert, ra_random = np.array(abs_expert_hist.extra["r_absorbing"]), np.array(abs_random_hist.extra["r_absorbing"])
print(f"expert's demo: r_a at the clamp on {np.mean(ra_expert <= -clip + 1e-6):.0%} of the iterations")
print(f"coin's pairs: r_a between {ra_random.min():+.2f} and {ra_random.max():+.2f}, ", end="")
print(f"changing sign {int((np.diff(np.sign(ra_random)) != 0).sum())} times")

# %% [markdown]
# The two demo sets push r_a in different ways:
#
# - **Expert's demo.** The demo never ends, so every absorbing sample D sees is the student's. After a few
#   iterations D has learned the flag and r_a sits at the clamp, −2: falling costs γ · 2 / (1 − γ) ≈ 98 at once,
#   about what the best possible per-step rewards (+2 each) are worth over the whole discounted future. The student
#   learns to stay up, and the per-step rewards teach it where to keep the cart.
# - **Coin's pairs.** Both sides end about as often, so D can hardly tell their absorbing samples apart: r_a stays
#   small, a fraction of the clamp, and changes sign now and then (printed above). Falling is barely paid or
#   punished, and what decides the length of the student's episodes is whether its states and actions look like the
#   coin's. Plain GAIL's training episodes (right) grow instead.
#
# Over seeds 0–19, each with its own expert, demo and random pairs (50,000 env steps on each side; the clamp and
# the learning-rate schedule were chosen on these seeds), and over held-out seeds 20–39:
#
# | absorbing GAIL | seeds 0–19 | held-out seeds 20–39 |
# |---|---|---|
# | expert's demo: return ≥ 195, habit within 0.25 of the expert's | 20/20 (worst gap 0.16) | 20/20 (worst 0.19) |
# | coin's pairs: sampled length within ± 25 % of the coin's | 15/20 (0.68–1.52 ×) | 10/20 (0.59–2.17 ×) |
# | coin's pairs: … within ± 25 % of its own pairs' episodes | 19/20 (0.69–1.09 ×) | 16/20 (0.69–1.48 ×) |
#
# The expert's side holds everywhere; the coin's side does not. Part of the miss is the data: 200 pairs hold only
# 5–11 complete episodes, and on 6 of the 40 seeds their own mean length is already outside ± 25 % of the coin's,
# where even a student that matched its pairs exactly would miss. The rest is the student, mostly falling a little
# *sooner* than its pairs. On held-out seeds it did worse than on the seeds its knobs were chosen on.
#
# **Checkpoint.** The floors that held on every seed of this notebook's own setting (`SEED` 0–19, the committed
# demo): on the expert's demo a return of 200 and a habit within 0.09 of the expert's; on the coin's pairs
# 0.68–1.52 × the coin's sampled length, and at most 0.16 × the expert-demo student's. The checks leave a margin:
# return ≥ 195, habit within 0.25, 0.6–1.6 × the coin, at most 0.25 × the expert-demo student.

# %%
checkpoint(
    "absorbing GAIL / plain GAIL, coin's pairs: length",
    on_random["sampled"] / ctrl["sampled"],
    at_most=ABSORBING_VS_PLAIN,
)
record("absorbing GAIL, coin's pairs: length / the coin's", on_random["sampled"] / coin_len)
record(
    "absorbing GAIL, coin's pairs: length / their own episodes'",
    on_random["sampled"] / mean_episode_length(random_demos),
)
record("absorbing GAIL, expert's demo: mean return", on_expert["return"])
record("absorbing GAIL, expert's demo: habit gap (m)", on_expert["gap"])
record(
    "absorbing GAIL, expert's demo: kept the habit",
    on_expert["return"] >= SOLVED_RETURN and on_expert["gap"] <= HABIT_GAP,
)
record("absorbing GAIL, expert's demo: r_a at the clamp, share of iterations", np.mean(ra_expert <= -clip + 1e-6))

# %% [markdown]
# ## 3 · Fewer pairs: BC vs GAIL as the demo shrinks
#
# We subsample the 200-pair demo to 50, 20 and 10 evenly spaced pairs (`subsample_demos`) and train BC on each.
# GAIL takes longer, so this run trains it on 20 pairs only, the size Ho & Ermon compared (below);
# `FULL_SWEEP = True` trains it on all four.

# %%
sizes, few = [200, 50, 20, 10], 20  # BC as in notebook 04: 64 hidden units, like the GAIL student
bc_students, gail_students, rows = {}, {}, {}
for n in sizes:
    sub = subsample_demos(demos, n)
    bc_students[n], _ = helpers.train_bc(sub["states"], sub["actions"], epochs=BC_EPOCHS, hidden=64, seed=SEED)
    rows[n] = {"BC": score(bc_students[n])}
    if FULL_SWEEP or n == few:
        gail_config = helpers.GAILConfig(max_env_steps=SIZE_MAX_ENV_STEPS)
        gail_students[n], _, _ = helpers.train_gail(sub, SEED, gail_config, progress=False)
        rows[n]["GAIL"] = score(gail_students[n].policy)
print(f"pairs | {'BC: return':>10s} {'habit':>6s} {'gap':>5s} | {'GAIL: return':>12s} {'habit':>6s} {'gap':>5s}")
for n, r in rows.items():
    line = f"{n:5d} | {r['BC']['return']:10.1f} {r['BC']['habit']:+6.2f} {r['BC']['gap']:5.2f} | "
    g = r.get("GAIL")
    print(line + (f"{g['return']:12.1f} {g['habit']:+6.2f} {g['gap']:5.2f}" if g else f"{'(not run)':>12s}"))

# %% [markdown]
# With `SEED = 0` BC on 20 pairs still balances but overshoots the expert's mark (habit +1.35 against +0.97), while
# GAIL on the same 20 pairs holds it. (On this seed BC happens to do better with 10 pairs than with 20; over seeds it
# does not.) Over seeds 0–19, each with its own expert and demo (BC 1,000 epochs, GAIL
# 50,000 env steps; mean ± std over the 20 seeds of each seed's 50-episode mean; "ok" = return ≥ 195 and habit
# within 0.25 of the expert's):
#
# | pairs | BC return | BC habit gap | BC ok | GAIL return | GAIL habit gap | GAIL ok |
# |---|---|---|---|---|---|---|
# | 200 | 200.0 ± 0.0 | 0.04 ± 0.02 | 20/20 | 200.0 ± 0.0 | 0.06 ± 0.04 | 20/20 |
# | 50 | 199.9 ± 0.5 | 0.12 ± 0.11 | 17/20 | 200.0 ± 0.0 | 0.07 ± 0.05 | 20/20 |
# | 20 | 170.8 ± 62.9 | 0.33 ± 0.33 | 11/20 | 200.0 ± 0.0 | 0.09 ± 0.06 | 20/20 |
# | 10 | 134.4 ± 68.6 | 0.57 ± 0.48 | 6/20 | 200.0 ± 0.0 | 0.11 ± 0.08 | 18/20 |
#
# Held-out seeds 20–39 agree: "ok" on 7/20 (BC) and 18/20 (GAIL) with 20 pairs, 3/20 and 17/20 with 10.
#
# Ho & Ermon (2016) report on CartPole, with one expert trajectory, BC 72.02 ± 35.82 and GAIL 200.00 ± 0.00. Their
# code (openai/imitation, `pipelines/im_classic_pipeline.yaml`) keeps every 10th step of each trajectory, so one
# 200-step trajectory gives **20 pairs**: our 20-pair row. Like with like, the trend is theirs: BC falls on some
# seeds and GAIL never does. Their BC does worse than ours, and their setting differs in ways that may explain it:
# their expert sampled its actions (a noisier teacher than our greedy one), and their BC trained on 70 % of the
# pairs, keeping the rest for validation. Here the habit says more
# than the return: notebook 04's survival control balances too, but only imitation puts the cart at the expert's
# mark, and GAIL does so from 20 pairs on every one of seeds 0–19.
#
# **Checkpoint.** In this notebook's setting (`SEED` 0–19, the committed demo) GAIL on 20 pairs returned 200 with a
# habit within 0.16 of the expert's on every seed (BC on 20 pairs: "ok" on 13 of 20), and BC on 200 pairs within
# 0.04. The checks ask for return ≥ 195 and habit within 0.25.

# %%
for n, r in rows.items():  # for the seed sweep's table (benchmarks/check_seeds.py)
    for learner, score_n in r.items():
        record(
            f"{learner} on {n} pairs: kept the habit",
            score_n["return"] >= SOLVED_RETURN and score_n["gap"] <= HABIT_GAP,
        )
        record(f"{learner} on {n} pairs: mean return", score_n["return"])
        record(f"{learner} on {n} pairs: habit gap (m)", score_n["gap"])
checkpoint(f"GAIL on {few} pairs: mean return", rows[few]["GAIL"]["return"], at_least=SOLVED_RETURN)
checkpoint(f"GAIL on {few} pairs: habit gap (m)", rows[few]["GAIL"]["gap"], at_most=HABIT_GAP)
checkpoint("BC on 200 pairs: mean return", rows[200]["BC"]["return"], at_least=SOLVED_RETURN)
checkpoint("BC on 200 pairs: habit gap (m)", rows[200]["BC"]["gap"], at_most=HABIT_GAP)

# %% [markdown]
# ## 4 · Covariate shift: where BC's episodes go wrong
#
# BC only ever saw the demo's states. Once its own small mistakes take it elsewhere, it is guessing, and its
# guesses there can take it further away. To see *where* that happens we need a yardstick for "away from the demo":
# the distance from a state to the nearest of the demo's 200 states, each of the four dimensions measured in units of
# the demo's own spread (its standard deviation). The expert's own fresh episodes set the scale: 95 % of their states
# lie within `near` of the demo, so a state farther than that is one the demonstration does not cover.

# %%
mu, sd = demos["states"].mean(0), demos["states"].std(0)


def demo_distance(states: torch.Tensor) -> torch.Tensor:
    """Distance of each state to the nearest demo state, each dimension in units of the demo's std."""
    return torch.cdist((states - mu) / sd, (demos["states"] - mu) / sd).min(1).values


expert_states = helpers.concat_episodes(expert_eps).states
near = float(demo_distance(expert_states).quantile(0.95))
print(f"95 % of the expert's own states lie within {near:.2f} of a demo state (in demo std units)")

# %% [markdown]
# Our 200-step cap can hide a slow failure, so we watch BC and GAIL on the same 20 pairs, and the expert, for twice
# as long: 400 steps (`max_steps`), from the same fresh start states. Left: for each of BC's episodes that fell, its
# distance to the demo, aligned to its last step. Right: how many episodes are still running at each step.

# %%
long_cap = 2 * helpers.MAX_STEPS
watched = {"expert": expert, f"GAIL, {few} pairs": gail_students[few].policy, f"BC, {few} pairs": bc_students[few]}
long_runs = {n: helpers.run_episodes(p, EVAL_EPISODES, seed=eval_seed, max_steps=long_cap) for n, p in watched.items()}
fell = [e for e in long_runs[f"BC, {few} pairs"] if bool(e.terminated[-1])]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for e in fell:
    ax1.plot(np.arange(1 - len(e), 1), demo_distance(e.states), lw=0.8, alpha=0.6)
ax1.axhline(near, color="C2", lw=2, label=f"near the demo: {near:.2f}")
ax1.set(xlabel="steps before the fall (0: the last step)", ylabel="distance to the nearest demo state (std units)",
        title=f"BC on {few} pairs: the {len(fell)} episodes that fell", yscale="log")  # fmt: skip
ax1.legend(loc="upper left")
t = np.arange(long_cap + 1)
for (name, eps), style in zip(long_runs.items(), [{"lw": 4, "alpha": 0.4}, {}, {}], strict=True):
    ax2.step(t, (np.array([len(e) for e in eps])[:, None] >= t).sum(0), where="post", label=name, **style)
ax2.axvline(helpers.MAX_STEPS, color="gray", ls=":", label="the usual cap, 200 steps")
ax2.set(xlabel="time step t", ylabel=f"episodes still running (of {EVAL_EPISODES})", ylim=(0, EVAL_EPISODES * 1.05))
ax2.legend(loc="lower left")
fig.tight_layout()
plt.show()
for name, eps in long_runs.items():
    falls = [len(e) for e in eps if bool(e.terminated[-1])]
    early = sum(n <= helpers.MAX_STEPS for n in falls)
    print(f"{name:14s} fell on {len(falls):2d} of {EVAL_EPISODES} episodes, {early} of them within the usual 200 steps")

# %% [markdown]
# How soon before each fall did BC's episode leave the demo's neighbourhood, and in which dimension was it farthest
# from the demo then?

# %%
dims = ["x", "x_dot", "theta", "theta_dot"]
lead, away = [], []
for e in fell:
    d = demo_distance(e.states)
    first = int((d > near).nonzero()[0]) if bool((d > near).any()) else len(e)
    lead.append(len(e) - first)  # steps from leaving the neighbourhood to the end of the episode
    if first < len(e):
        nearest = demos["states"][
            torch.cdist(((e.states[first] - mu) / sd)[None], (demos["states"] - mu) / sd).argmin()
        ]
        away.append(dims[int(((e.states[first] - nearest) / sd).abs().argmax())])
if fell:
    print(f"BC left the neighbourhood {np.median(lead):.0f} steps before falling (median; shortest {min(lead)})")
    print("dimension farthest from the demo when it left:", {k: away.count(k) for k in dims if k in away})
# %% [markdown]
# **Checkpoint.** Every one of BC's falls comes after its episode has left the demo's neighbourhood: at least one
# step before its end, not in it. (On seeds where BC on 20 pairs never falls in 400 steps there is nothing to check.)

# %%
if fell:
    checkpoint("steps from leaving the demo to BC's fall, fewest", min(lead), at_least=COVARIATE_LEAD_STEPS)
else:
    print(f"BC on {few} pairs never fell in {long_cap} steps on this seed: nothing to check")
for name, eps in long_runs.items():  # for the seed sweep's table (benchmarks/check_seeds.py)
    record(f"falls in {long_cap} steps: {name}", sum(bool(e.terminated[-1]) for e in eps))
if fell:
    record("BC's lead before falling, median steps", float(np.median(lead)))
    for k in dims:
        record(f"BC left the demo farthest in {k}, share of falls", away.count(k) / len(fell))

# %% [markdown]
# ## 5 · Is GAIL more robust than BC? An honest test
#
# The claim behind GAIL is that a student who learned from its *own* episodes copes better when the world moves it
# off the demonstration. We test it on notebook 04's two students (200 pairs each, `data/gail_policy.pt` and
# `data/bc_policy.pt`), on the two 20-pair students of section 3, and on the expert, on the same fresh episodes,
# perturbed in two ways (`helpers.run_episodes`):
#
# - **start states away from the demo**: the cart starts anywhere in x ∈ [−1, 1] instead of [−0.05, 0.05];
# - **random pushes**: at every step, with probability 0.2, the policy's action is replaced by a random push.
#
# The habit gap is measured against the expert's habit *in the same condition*.

# %%
gail_04, bc_04 = helpers.load_policy(data / "gail_policy.pt"), helpers.load_policy(data / "bc_policy.pt")
print(f"notebook 04's students: {gail_04.meta['algorithm']} and {bc_04.meta['algorithm']}, seed {gail_04.meta['seed']}")
wide_x = ([-1.0, -0.05, -0.05, -0.05], [1.0, 0.05, 0.05, 0.05])  # (low, high) of (x, x_dot, theta, theta_dot)
conditions = {"as trained": {}, "start x in [-1, 1]": {"start_range": wide_x}, "pushes, p = 0.2": {"push_prob": 0.2}}
learners = {
    "expert": expert,
    "GAIL, 200 pairs (04)": gail_04,
    "BC, 200 pairs (04)": bc_04,
    f"GAIL, {few} pairs": gail_students[few].policy,
    f"BC, {few} pairs": bc_students[few],
}
robust = {}
for cond, perturb in conditions.items():
    eps = {name: helpers.run_episodes(p, EVAL_EPISODES, seed=eval_seed, **perturb) for name, p in learners.items()}
    ref = helpers.mean_habit(eps["expert"])  # the expert's habit in the same condition
    robust[cond] = {n: (np.mean([len(e) for e in es]), abs(helpers.mean_habit(es) - ref)) for n, es in eps.items()}
print(f"{'return / habit gap':22s}" + "".join(f"{cond:>22s}" for cond in conditions))
for name in learners:
    print(f"{name:22s}" + "".join(f"{robust[c][name][0]:14.1f} / {robust[c][name][1]:.2f}" for c in conditions))
for cond, scores in robust.items():  # for the seed sweep's table (benchmarks/check_seeds.py)
    for name, (ret, gap) in scores.items():
        record(f"robustness, {cond}: {name} ok", ret >= SOLVED_RETURN and (name == "expert" or gap <= HABIT_GAP))

# %% [markdown]
# One seed is a mixed picture: from shifted starts notebook 04's GAIL student follows the expert, including into
# its failures (both last about 150 steps on `SEED = 0`), while BC balances longer but keeps the cart away from the
# expert's mark. The 20-pair students split the other way round: GAIL's balances, away from the mark; BC's falls
# sooner, nearer it. Over seeds 0–39, each with its own expert and demo and students trained as in notebook 04
# ("ok" = return ≥ 195 and habit within 0.25 of the expert's in the same condition; for the expert, return ≥ 195):
#
# | seeds 0–39: "ok" on | as trained | start x ∈ [−1, 1] | pushes, p = 0.2 |
# |---|---|---|---|
# | expert | 40/40 | 26/40 | 27/40 |
# | GAIL, 200 pairs | 40/40 | 26/40 | 32/40 |
# | BC, 200 pairs | 40/40 | 23/40 | 28/40 |
# | GAIL, 20 pairs | 38/40 | 32/40 | 34/40 |
# | BC, 20 pairs | 18/40 | 7/40 | 8/40 |
#
# What the test shows:
#
# - **With the same 200 pairs, no clear difference.** Under either perturbation GAIL and BC keep the expert's
#   behaviour about equally often, and seed by seed neither wins most of the time (GAIL's return was higher on 11
#   seeds from shifted starts and BC's on 6; under pushes 12 and 8; the rest tied). Both are about as robust as the
#   expert they copy, which itself fails from shifted starts on 14 of 40 seeds: it never trained there either.
# - **With 20 pairs, a large difference**, and it is the one of section 3: BC on 20 pairs is already fragile, and
#   a perturbed world finds it out (7 and 8 of 40), while GAIL's student, which learned from its own episodes, keeps
#   the habit on 32 and 34.
#
# So the claim holds in the form "GAIL needs fewer demonstrations to be robust", not "GAIL is more robust than BC
# given the same, sufficient, demonstration".

# %% [markdown]
# ## Summary
#
# - **A return is not evidence of imitation.** Plain GAIL on a coin's 200 pairs lasted 2.8–7.1 × the coin's
#   episodes (seeds 0–19): −log D pays for every step survived. Always run a control with demos of a different
#   behaviour.
# - **Absorbing states let the discriminator judge the ending** (DAC-style, here on-policy: V(s_a) = r_a / (1 − γ)
#   folded into the last step). On the expert's demo r_a sits at the clamp and falling costs; on the coin's pairs it
#   stays small. The same algorithm kept the expert's habit on every one of seeds 0–39, but fell like the coin
#   (within ± 25 %) on only 25 of those 40.
# - **BC needs more pairs than GAIL.** With 20 pairs, the size Ho & Ermon compared, BC kept the habit on 11 of
#   seeds 0–19 and GAIL on 20.
# - **Covariate shift is where BC fails, and a 200-step cap can hide it**: watched for 400 steps, BC on 20 pairs
#   fell on 60 % of its episodes (seeds 0–39), mostly after its cart had left the demo's states; GAIL no more often
#   than the expert.
# - **Robustness, tested honestly**: with 200 pairs GAIL and BC are about equally robust to shifted starts and
#   pushes; with 20 pairs GAIL kept the habit from shifted starts on 32 of seeds 0–39, BC on 7.

# %% [markdown]
# ## Exercises
#
# 1. Anneal the learning rates of absorbing-state GAIL to 0 over the budget, as an earlier version of this notebook
#    did: `helpers.absorbing_config(ppo=dataclasses.replace(config.ppo, anneal_lr=True))` (after
#    `import dataclasses`), on both demo sets. What changes on this seed?
# 2. Remove the clamp: `helpers.absorbing_config(reward_clip=None)` on the expert's demo. How far does
#    `hist.extra["r_absorbing"]` go, and what does that make V(s_a)? Does the student change?
# 3. Suppose the coin's episodes were recorded with a step cap of 30, so that some of them end by truncation. Should
#    a truncated episode add an absorbing sample? What would the student learn if it did?
# 4. The expert itself lasts fewer than 200 steps from shifted starts (section 5). Why, when it was trained by
#    reinforcement learning and not by imitation? What would you change in notebook 01 to make it robust there, and
#    what would that do to GAIL's and BC's students?

# %% [markdown] tags=["solution"]
# <details><summary>Solutions</summary>
#
# 1. On `SEED = 0` little: the expert-demo student still returns 200 (habit gap 0.10 instead of 0.07) and the
#    coin's-pair student lasts 16.9 sampled steps instead of 17.0. Over seeds 0–19 (each its own expert) annealing
#    was worse in this loop: the expert's side kept the habit on 18 of 20 seeds instead of 20 (worst return 135),
#    and the coin's side was about the same (14 instead of 15 within ± 25 %). Our reading: absorbing-state GAIL
#    learns to balance slowly (with half the budget, annealed, it balanced on 1 seed of 20), and a learning rate
#    that decays to 0 cuts the slowest seeds off. That is why `absorbing_config()` no longer anneals.
# 2. On `SEED = 0` r_a falls to about −3.6 instead of stopping at −2, so V(s_a) ≈ −3.6 / 0.02 ≈ −180 instead of
#    −100. The student barely changes on this seed (return 200, habit gap 0.05). Over seeds 0–19 the unclamped r_a
#    ended between −2.8 and −6.1 (V(s_a) down to −300), the habit held on 19 of 20 seeds (20 with the clamp) and
#    the coin's side was within ± 25 % on 12 (15 with it). The clamp is insurance: the absorbing sample is told
#    apart by a single input, the flag, so nothing stops the discriminator from pushing its logit further and
#    further, and r_a is multiplied by 1 / (1 − γ) = 50.
# 3. No: a truncated episode did not reach the absorbing state, it was only cut off by our clock. An absorbing sample
#    there would teach the discriminator that the demonstrator "ends" after 30 steps, and the student would learn to
#    end its episodes early: the hurry-up bias, this time put in by the data.
# 4. Reinforcement learning learns where it plays: the expert trained from starts in [−0.05, 0.05] and drove to
#    x = 1, so a start at x = −1 moving away is as new to it as to any student (covariate shift is not only a
#    problem of imitation). Training it from wide starts (`CartPoleBatch.reset(seed, low, high)` in its training
#    loop) should make the expert robust there. Its students are another matter, and an experiment we have not run:
#    a demo recorded from the usual start still shows none of those states, so BC gains no pairs from them; demos
#    recorded from wide starts would give both learners the states they are missing.
#
# </details>

# %% [markdown]
# [← 04 GAIL](04_gail.ipynb) · [contents](../README.md)
