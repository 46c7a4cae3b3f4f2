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
# [← 04 GAIL](04_gail.ipynb) · [contents](../README.md)
#
# # 05 · Going further: is it imitation, or survival?
#
# Notebook 04's GAIL student balances the pole. But was it *imitating* the expert, or just collecting the
# reward −log D, which is positive on every step it stays alive? In this notebook you will
#
# 1. run a **control**: GAIL trained on 200 pairs from a policy that flips a coin at every step. If GAIL
#    imitates, its student should flail like the coin-flipper. It balances instead;
# 2. fix it with **absorbing states** (Kostrikov et al. 2019): the discriminator also judges *the end* of an
#    episode, so ending early is neither paid nor punished by construction — only by the demos. The same
#    algorithm then balances on the expert's demo and, on most seeds, stays short-lived on the coin-flipper's —
#    and we measure, honestly, where it still misses;
# 3. see how **BC and GAIL** cope as the demonstration shrinks from 200 pairs to 10 (Ho & Ermon 2016, Table 3);
# 4. watch **covariate shift** happen along BC's own episodes.
#
# **Reads** `data/expert_demos.pt` (notebook 02) and `data/expert_policy.pt` (notebook 01, **evaluation
# only**: to score agreement, never to train). **Writes** nothing.
# **Runs** in about 35 seconds on a laptop CPU (`FULL_SWEEP = True`: several minutes).

# %% tags=["parameters"]
SEED = 0
RANDOM_DEMO_MAX_ENV_STEPS = 3_000  # budget of plain GAIL (the control) on the random policy's pairs
ABSORBING_MAX_ENV_STEPS = 40_000  # budget of absorbing-state GAIL on the expert's demo (it may stop earlier)
ABSORBING_RANDOM_MAX_ENV_STEPS = 10_000  # its budget on the random pairs (longer lets some seeds learn to balance)
SIZE_GAIL_MAX_ENV_STEPS = 3_000  # budget of each plain GAIL run in the demo-size table
FULL_SWEEP = False  # True: 5 seeds per demo size and 5_000-step GAIL runs (several minutes)
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ folder

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

import helpers
from helpers.absorbing import (
    AbsorbingGAILConfig,
    UniformPolicy,
    mean_episode_length,
    random_policy_demos,
    subsample_demos,
    train_absorbing_gail,
)
from helpers.bc import train_bc
from helpers.gail import GAILConfig, train_gail

helpers.check_parameters(
    SEED=SEED,
    RANDOM_DEMO_MAX_ENV_STEPS=RANDOM_DEMO_MAX_ENV_STEPS,
    ABSORBING_MAX_ENV_STEPS=ABSORBING_MAX_ENV_STEPS,
    ABSORBING_RANDOM_MAX_ENV_STEPS=ABSORBING_RANDOM_MAX_ENV_STEPS,
    SIZE_GAIL_MAX_ENV_STEPS=SIZE_GAIL_MAX_ENV_STEPS,
    FULL_SWEEP=FULL_SWEEP,
    DATA_DIR=DATA_DIR,
)
data = helpers.check_data_files(helpers.data_dir(DATA_DIR), reads=["expert_demos.pt", "expert_policy.pt"])
torch.set_num_threads(1)  # faster for these tiny networks, and part of the result: another thread count sums
helpers.seed_everything(SEED)  # floats in another order, and training takes another path from the same seed
EVAL_SEED = 10_000 + SEED  # fresh evaluation episodes, the same for every policy

# %%
demos = helpers.load_demos(data / "expert_demos.pt", n=200)
expert = helpers.load_policy(data / "expert_policy.pt")  # evaluation only: agreement, never training
print("expert demo:", tuple(demos["states"].shape), "pairs, terminated:", bool(demos["terminated"].any()))
# which files these are: the numbers below hold for these files (notebooks 01-02 with SEED = 0) only
weights = sum(float(p.detach().abs().sum()) for p in expert.parameters())
print(f"fingerprint: demo states {float(demos['states'].abs().sum()):.4f}, expert weights {weights:.4f}")

# %% [markdown]
# ## 1 · The control: GAIL on a coin-flipper's demonstrations
#
# A uniformly random policy on CartPole drops the pole after about 20 steps. We record 200 of its pairs
# (several short episodes, each ending in a **termination**: the pole fell) and give them to notebook 04's
# GAIL, unchanged, as if they were the expert's.

# %%
random_demos = random_policy_demos(200, seed=SEED)
coin = UniformPolicy()
random_len = helpers.evaluate(coin, 200, greedy=False, seed=EVAL_SEED)
print(f"{random_demos['meta']['episodes']} random episodes recorded, {int(random_demos['terminated'].sum())} ended")
print(f"the random policy's episodes last {random_len.mean():.1f} steps on average (200 fresh episodes)")
print(f"the recorded ones last {mean_episode_length(random_demos):.1f} (complete episodes): the imitator's model")

# %% [markdown]
# To judge a student we use three numbers: its **greedy** return (argmax action), the mean length of its
# **sampled** episodes (actions drawn from π, the way it was trained — a near-uniform policy can score 9 or
# 200 greedily, so for imitating a coin the sampled length is the honest measure), and its **agreement** with
# the expert's greedy action on the expert's demo states.


# %%
def measure(policy: torch.nn.Module) -> dict[str, float]:
    """Greedy return and sampled episode length (20 / 100 fresh episodes), agreement with the expert."""
    own = torch.cat(helpers.run_episodes(policy, 20, greedy=True, seed=EVAL_SEED))
    return {
        "greedy": helpers.evaluate(policy, 20, greedy=True, seed=EVAL_SEED).mean(),
        "sampled": helpers.evaluate(policy, 100, greedy=False, seed=EVAL_SEED).mean(),
        "agree_demo": helpers.agreement(policy, expert, demos["states"]),
        "agree_own": helpers.agreement(policy, expert, own),
    }


def show(name: str, m: dict[str, float]) -> None:
    """One line per policy."""
    print(f"{name:34s} greedy {m['greedy']:6.1f} | sampled length {m['sampled']:6.1f} | ", end="")
    print(f"agreement with the expert: demo states {m['agree_demo']:.3f}, own states {m['agree_own']:.3f}")


# %%
control, control_hist, _ = train_gail(
    random_demos, seed=SEED, config=GAILConfig(max_env_steps=RANDOM_DEMO_MAX_ENV_STEPS), progress=False
)
results = {"random policy": measure(coin), "plain GAIL on random demos": measure(control.policy)}
for name, m in results.items():
    show(name, m)

# %% [markdown]
# (The coin's sampled length here comes from the same 100 episodes as every student's; the checks use the
# 200-episode mean printed earlier.)
#
# The student trained to look like a coin-flipper **balances the pole**, for many times the coin-flipper's
# 20 steps. And it agrees with the expert — whom it never saw — far more often than the coin does (≈ 0.5):
# balancing CartPole simply requires roughly the expert's moves. Nothing in the demonstrations asked for
# that; the reward did. With r = −log D > 0 on every step, **a longer episode is always a richer one**. On
# CartPole that survival bonus *is* the task, so plain GAIL looks like it imitates even when it cannot.
#
# **Checkpoint.** Over seeds 0–19, each with its own expert and demo (`benchmarks/going_further_sweep.py
# --own-expert`), the control always lasted far longer than the random policy: sampled length 81–194 steps vs
# the coin's 21–24 (≥ 3.4 ×), greedy ≥ 147 on every seed; with the committed demo, SEED 0–39: ≥ 3.35 ×, greedy
# ≥ 140. The check below asks for less (≥ 1.5 ×, greedy ≥ 100).

# %%
ctrl = results["plain GAIL on random demos"]
assert ctrl["sampled"] >= 1.5 * random_len.mean(), ctrl
assert ctrl["greedy"] >= 100, ctrl
print(f"checkpoint passed: plain GAIL on random demos lasts {ctrl['sampled']:.0f} sampled steps", end=" ")
print(f"vs the random policy's {random_len.mean():.0f}")

# %% [markdown]
# ## 2 · Absorbing states: let the discriminator judge the ending too
#
# *Discriminator-Actor-Critic* (Kostrikov, Agrawal, Dwibedi, Levine & Tompson, ICLR 2019, section 4.2) names
# the problem: a reward that is always positive is a survival bonus, one that is always negative
# (log(1 − D)) is a hurry-up penalty, and in both cases the *sign* of the reward — not the demos — decides
# how long episodes get. Their fix treats the end of an episode as one more state:
#
# - after the pole falls the episode moves to an **absorbing state** s_a and stays there forever;
# - the discriminator sees s_a as one extra input: zero state, no action, an *absorbing* flag 1. Every
#   **termination** adds one such sample to its side of the batch — the student's episodes *and* the demos.
#   A truncation (our 200-step cap) adds none: the episode did not end, we stopped watching;
# - the reward of s_a, r_a, comes from D like any other pair, and staying there forever is worth
#   V(s_a) = r_a + γ r_a + γ² r_a + … = **r_a / (1 − γ)**. PPO bootstraps that value at a termination instead of 0;
# - the per-step reward must be able to go negative: we use the logit reward r = log(1 − D) − log D, which is 0
#   where D cannot tell (D = 1/2).
#
# Now the ending is judged like everything else. Expert demos never end, so s_a looks like the student's:
# r_a < 0 and falling costs r_a / (1 − γ). Random demos end every 20 steps, so s_a looks like the demos':
# falling is *expected*, and a student that survives too long looks unlike them.
#
# In `helpers/absorbing.py` the flag is a third "action" of the notebook-03 discriminator, and V(s_a) is folded
# into the last step's reward (r_T + γ V(s_a)): GAE then computes exactly the advantages and value targets of a
# terminal value V(s_a). The measured pitfalls that shaped the defaults:
#
# - an uncentred −log D makes V(s_a) ≈ log 2 / (1 − γ) ≈ 35 at the start (falling pays);
# - the absorbing sample is *trivially* separable (one flag tells it apart), so the discriminator can push its
#   logit as far as it likes, and r_a is then multiplied by 1 / (1 − γ) = 50: the value targets blow up. The
#   default therefore **bounds the reward**: logits are clamped to [−5, 5] (`reward_clip=5.0`), so
#   |r_a| ≤ 5 and |V(s_a)| ≤ 5 / (1 − γ) = 250. Once bounded, 10 discriminator steps per iteration suffice
#   (`disc_steps=10`; unbounded it needed 30 to keep up), which also makes a run about a third faster;
# - the student **swings**. Each time the discriminator catches up, r_a changes sign, and multiplied by 50 it flips
#   the student between "fall at once" and "balance forever"; where training stops decides which one you get.
#   So the student's PPO learning rates decay linearly to 0 over the budget (`anneal_lr=True` in
#   `absorbing_ppo_config()`, a CleanRL default too): the swings shrink and the last policy sits near their
#   middle. It took the random-demo students within ± 25 % of the coin's length from 8 to 15 of seeds 0–19 and from
#   6 to 14 of held-out seeds 20–39; with a longer budget (40,000 steps instead of 10,000) the expert-demo students
#   reached ≥ 195 on 19 and 20 of them instead of 16 and 15 (each seed with its own expert; details in the Summary).

# %%
absorbing_config = AbsorbingGAILConfig(max_env_steps=ABSORBING_MAX_ENV_STEPS)
c = absorbing_config
print(f"reward {c.reward!r} clipped to ±{c.reward_clip}, {c.disc_steps} discriminator steps per iteration")
dac_expert, dac_expert_hist, _ = train_absorbing_gail(demos, seed=SEED, config=absorbing_config, progress=False)
results["absorbing GAIL on expert demos"] = measure(dac_expert.policy)
show("absorbing GAIL on expert demos", results["absorbing GAIL on expert demos"])

# %%
random_config = AbsorbingGAILConfig(max_env_steps=ABSORBING_RANDOM_MAX_ENV_STEPS)
dac_random, dac_random_hist, _ = train_absorbing_gail(random_demos, seed=SEED, config=random_config, progress=False)
results["absorbing GAIL on random demos"] = measure(dac_random.policy)
show("absorbing GAIL on random demos", results["absorbing GAIL on random demos"])

# %% [markdown]
# How long were the training episodes? Both students were trained on the same random pairs (plain GAIL for
# 3,000 env steps, absorbing GAIL for 10,000); the absorbing state and the annealed learning rate differ.


# %%
def smooth(x: list[float], k: int = 10) -> np.ndarray:
    """Moving average over k iterations."""
    x = np.asarray(x, dtype=float)
    return np.convolve(x, np.ones(k) / k, mode="valid") if len(x) >= k else x


fig, ax = plt.subplots(figsize=(7, 3.5))
for name, h in [("plain GAIL", control_hist), ("absorbing GAIL", dac_random_hist)]:
    ax.plot(h.env_steps[len(h.env_steps) - len(smooth(h.episode_return)) :], smooth(h.episode_return), label=name)
ax.axhline(random_len.mean(), color="k", ls="--", label="random policy (the demonstrator)")
ax.set_xlabel("training env steps")
ax.set_ylabel("training episode length (moving avg of 10)")
ax.set_title("Students trained on a random policy's 200 pairs")
ax.legend()
plt.show()

# %% [markdown]
# Plain GAIL's episodes grow until they look nothing like the demonstrator's, for its whole 3,000-step budget.
# The absorbing student's swing above and below the coin's length: each time r_a
# changes sign, ending early turns from costly to profitable. As the annealed learning rate shrinks, so do the swings.
#
# **Checkpoint.** Two sweeps with `benchmarks/going_further_sweep.py`. In this notebook's setting (the committed
# expert demo, `SEED` 0–39) absorbing GAIL reached greedy 200 on the expert's demo on all 40 seeds, with
# agreement 0.835–0.97 on the demo states (≥ 0.9 on 32 of 40); on the random demos it lasted 0.87–3.1 × the
# coin-flipper's episode length, within ± 25 % on 29 of 40 seeds, and at most 0.32 × the expert-demo student's
# length. With each seed's own expert and demo (`--own-expert`) the expert side is harder: ≥ 195 on 19 of seeds
# 0–19 and 20 of seeds 20–39. The checks assert what held on *every* seed of this notebook's setting: the expert
# side at the goal (≥ 195), agreement and the random side looser than it (goal: ≥ 0.9, within ± 25 %).

# %%
on_expert, on_random = results["absorbing GAIL on expert demos"], results["absorbing GAIL on random demos"]
assert on_expert["greedy"] >= 195, on_expert  # SEED 0-39: 200 on every one
assert on_expert["agree_demo"] >= 0.8, on_expert  # SEED 0-39: >= 0.835 (>= 0.9 on 32 of 40)
assert on_random["sampled"] <= 3.5 * random_len.mean(), (on_random, random_len.mean())  # SEED 0-39: <= 3.08 x
assert on_random["sampled"] >= 0.75 * random_len.mean(), (on_random, random_len.mean())  # SEED 0-39: >= 0.87 x
assert on_random["sampled"] <= 0.5 * on_expert["sampled"], (on_random, on_expert)  # SEED 0-39: <= 0.32 x
print(f"checkpoint passed: expert demos -> greedy {on_expert['greedy']:.1f}, agreement {on_expert['agree_demo']:.3f};")
print(
    f"random demos -> {on_random['sampled']:.1f} sampled steps vs the random policy's {random_len.mean():.1f},", end=" "
)
print(f"the expert-demo student's {on_expert['sampled']:.1f} and plain GAIL's {ctrl['sampled']:.1f}")

# %% [markdown]
# ## 3 · How many demonstrations? BC vs GAIL as the demo shrinks
#
# Ho & Ermon (2016, Table 3) trained on 1 to 25 expert trajectories, subsampled to every 20th step (about 50
# pairs per trajectory). With **one** trajectory on CartPole they report BC **72.02 ± 35.82** and GAIL
# **200.00 ± 0.00**. We subsample our one 200-step trajectory to 200, 50, 20 and 10 evenly spaced pairs and
# train both learners on each (greedy return on 20 fresh episodes, mean ± std over seeds).

# %%
sizes = [200, 50, 20, 10]
size_seeds = list(range(SEED, SEED + (5 if FULL_SWEEP else 1)))
size_steps = 5_000 if FULL_SWEEP else SIZE_GAIL_MAX_ENV_STEPS
table = {n: {"BC": [], "GAIL": []} for n in sizes}
bc_policies = {}
for n in sizes:
    sub = subsample_demos(demos, n)
    for s in size_seeds:
        bc, _ = train_bc(sub["states"], sub["actions"], seed=s)
        gail, _, _ = train_gail(sub, seed=s, config=GAILConfig(max_env_steps=size_steps), progress=False)
        table[n]["BC"].append(helpers.evaluate(bc, 20, seed=EVAL_SEED + s).mean())
        table[n]["GAIL"].append(helpers.evaluate(gail.policy, 20, seed=EVAL_SEED + s).mean())
        bc_policies.setdefault(n, bc)
print(f"pairs |  BC (mean ± std over {len(size_seeds)} seed(s)) | GAIL")
for n in sizes:
    b, g = np.array(table[n]["BC"]), np.array(table[n]["GAIL"])
    print(f"{n:5d} | {b.mean():6.1f} ± {b.std():5.1f}                  | {g.mean():6.1f} ± {g.std():5.1f}")
print("Ho & Ermon 2016, 1 trajectory (~50 pairs): BC 72.02 ± 35.82 | GAIL 200.00 ± 0.00")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for algo, marker in [("BC", "o"), ("GAIL", "s")]:
    means = [np.mean(table[n][algo]) for n in sizes]
    stds = [np.std(table[n][algo]) for n in sizes]
    ax.errorbar(sizes, means, yerr=stds, marker=marker, capsize=4, label=algo)
ax.errorbar([50], [72.02], yerr=[35.82], fmt="x", color="gray", capsize=4, label="paper BC, 1 traj.")
ax.set_xscale("log")
ax.set_xticks(sizes, [str(n) for n in sizes])
ax.set_xlabel("demonstration pairs (one trajectory, subsampled)")
ax.set_ylabel("greedy return (20 episodes)")
ax.legend()
plt.show()

# %% [markdown]
# **What our numbers say — honestly.** Over seeds 0–9, each with its own expert and greedy demo
# (`benchmarks/going_further_sweep.py --own-expert --parts sizes`, 5,000-step GAIL runs), greedy return,
# mean ± std over 10 seeds
#
# | pairs | BC | GAIL |
# |---|---|---|
# | 200 | 189.5 ± 19.7 | 199.5 ± 1.1 |
# | 50 | 184.6 ± 29.5 | 200.0 ± 0.0 |
# | 20 | 173.7 ± 38.0 | 194.1 ± 16.6 |
# | 10 | 128.8 ± 61.4 | 195.1 ± 11.9 |
# | *Ho & Ermon 2016, 1 trajectory (~50 pairs)* | *72.02 ± 35.82* | *200.00 ± 0.00* |
#
# The paper's trend shows up, milder: BC on one *greedy* trajectory of a good expert often balances (CartPole's
# expert is nearly a linear rule and a few well-spread states pin it down), but it gets less reliable as the demo
# shrinks — at 10 pairs anywhere from 35 to 195 steps depending on the seed — while GAIL stays near 200 (one
# seed's 20-pair student ended at 144). But remember part 1: GAIL balances on a coin-flipper's pairs too, so its
# 200 on 10 pairs says more about the survival bonus than about those 10 pairs.
# The default run uses one seed and 3,000-step GAIL runs; set `FULL_SWEEP = True` for 5 seeds.
#
# ## 4 · Covariate shift, made visible
#
# BC only ever saw the demo's states. Once its own small mistakes take it elsewhere, it is guessing. Below, BC
# trained on 10 pairs plays 20 greedy episodes; at each time step we measure how far its state is from the
# nearest demo state (in units of the demo's per-dimension std) and whether its action agrees with the expert's.

# %%
bc_small = bc_policies[10]
runs = helpers.run_episodes(bc_small, 20, greedy=True, seed=EVAL_SEED)
std = demos["states"].std(0)
horizon = max(len(r) for r in runs)
dist = np.full((len(runs), horizon), np.nan)
agree = np.full((len(runs), horizon), np.nan)
for i, states in enumerate(runs):
    d = torch.cdist(states / std, demos["states"] / std).min(1).values
    dist[i, : len(states)] = d.numpy()
    agree[i, : len(states)] = (bc_small(states).argmax(-1) == expert(states).argmax(-1)).float().numpy()

fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.5))
a1.plot(np.nanmean(dist, 0))
a1.set_xlabel("time step t of BC's own episode")
a1.set_ylabel("distance to nearest demo state (std units)")
a2.plot(smooth(list(np.nanmean(agree, 0)), 10))
a2.set_xlabel("time step t of BC's own episode")
a2.set_ylabel("agreement with the expert (moving avg of 10)")
a2.set_ylim(0, 1.05)
fig.suptitle("BC trained on 10 pairs, 20 greedy episodes")
plt.show()
start = np.mean([d[:5].mean() for d in dist])
end = np.mean([d[~np.isnan(d)][-5:].mean() for d in dist])
print(
    f"distance to the nearest demo state: first 5 steps {start:.2f}, last 5 steps before the end {end:.2f} (std units)"
)
print(f"episode lengths: {sorted(len(r) for r in runs)}")

# %% [markdown]
# ## Summary
#
# Measured by `benchmarks/going_further_sweep.py --own-expert`, each seed with its own expert and greedy demo
# (seed 0's are the committed files), this notebook's budgets (plain GAIL 3,000 env steps on random demos; absorbing
# GAIL 10,000 on them and 40,000 on the expert's), 20 greedy / 100 sampled episodes each, min–max over seeds
# (seeds 0–19). `make bench` (`benchmarks/run.py`) scores the same kind of
# runs on other evaluation episodes, so the README's counts differ a little (absorbing GAIL on expert demos ≥ 195 on
# 18/20, own-state agreement ≥ 0.9 on 3/20; on random demos 0.81–1.54 × random, also 15/20 within ± 25 %):
#
# | | greedy return | sampled episode length | agreement with the expert (demo / own states) |
# |---|---|---|---|
# | random policy (the demonstrator) | 9.4 | 21.1–23.9 | ≈ 0.5 (a coin) |
# | plain GAIL on random demos | 147–200 | 81–194 (3.5–8.6 × random) | 0.685–0.925 / 0.62–0.93 |
# | absorbing GAIL on random demos | 10–69 | 19–36 (0.87–1.58 × random; 15/20 within ± 25 %) | — |
# | absorbing GAIL on expert demos | 168.5–200 (≥ 195 on 19/20) | 115–200 | 0.78–0.995 / 0.72–0.965 |
# | *for comparison, a constant learning rate (budgets 3,000 / 10,000):* | | | |
# | *absorbing GAIL on random demos* | *9–169* | *15–81 (0.64–3.6 × random; 8/20 within ± 25 %)* | — |
# | *absorbing GAIL on expert demos* | *104–200 (≥ 195 on 16/20)* | *105–200* | *0.695–0.97 / 0.57–0.94* |
#
# - A return is not evidence of imitation. Plain GAIL's −log D reward is a survival bonus: on random demos it
#   still balances. Always run the control — train on demos of a *different* behaviour and check the student
#   follows them.
# - Absorbing states (Kostrikov et al. 2019) let the discriminator judge the end of an episode; with a reward
#   that can go negative, is bounded (logit clamped to ± 5), V(s_a) = r_a / (1 − γ) at terminations and learning
#   rates annealed to 0, the same algorithm balances on the expert's demo (≥ 195 on 19 of 20 seeds, ≥ 168 on all)
#   and, on the random demos, stays close to the coin-flipper (0.87–1.58 × its length; plain GAIL: 3.5–8.6 ×).
# - What it misses, honestly: within ± 25 % of the coin's length on 15 of 20 seeds, not 20. The data is noisy:
#   200 random pairs hold only 7–11 complete episodes, 16.7–26.3 steps long on average depending on the seed.
#   Against its own demos' episode length the student is within ± 25 % on 12 of 20 seeds (0.94–1.41 ×): when it
#   misses, it lasts too long, never too short. Over seeds 0–39 the 200 pairs hold 4–11 terminations, and their
#   own mean episode length is 0.74–2.18 × the coin's: outside ± 25 % on 3 of 40 seeds, where even a student that
#   matched its demos exactly would miss the band.
# - Held out: the defaults were chosen on seeds 0–19. On seeds 20–39, each with its own expert, the random-demo
#   student was within ± 25 % on 14 of 20 (constant learning rate: 6 of 20), worst 3.1 × (4.9 ×). On the expert's
#   demo the first budget we chose, 20,000 steps, reached ≥ 195 on only 12 of 20 there (constant: 15 of 20); we
#   then doubled it, which reached 20 of 20 (lowest 196.8) — so for that choice seeds 20–39 no longer count as
#   held out.
# - The swing is the weak spot: r_a is multiplied by 1 / (1 − γ) = 50. Annealing damps it; a longer budget
#   on random demos (20,000 steps) gave some seeds time to learn to balance again (13/20 within ± 25 %, worst
#   3.1 ×). Other knobs we measured (discriminator steps, reward bound, gradient penalty, −log D − log 2, γ,
#   entropy bonus, larger batches, replay) fixed neither side on every seed.
# - Agreement ≥ 0.9 with the expert on every seed was *not* reached (here: on the demo states on 7 of 20 seeds,
#   on its own states on 2, lowest 0.78 and 0.72): one demonstration does not pin down the expert's switching
#   boundary. Even BC, fitting the 200
#   pairs directly, agrees with the expert on only 0.86 of its own states (median over 20 seeds); with ten
#   times the pairs, 0.98 (`benchmarks/agreement_ceiling.py`).
# - With one greedy trajectory of a near-linear expert, BC often balances, less reliably as the demo shrinks
#   (10 pairs: 129 ± 61 over 10 seeds; covariate shift takes it away from the demo's states), while GAIL still
#   balances — as it does on a coin-flipper's pairs.

# %% [markdown]
# ## Exercises
#
# 1. Train absorbing GAIL with `AbsorbingGAILConfig(reward="neg_log_d_centred")` (−log D − log 2) on both
#    demo sets. Which side gets better, which worse?
# 2. Set `reward_clip=None` (the logit unbounded) for both absorbing runs. How far does
#    `dac_expert_hist.extra["r_absorbing"]` go, and what does that make V(s_a)? Does the clamp change this run?
# 3. Record random demos with the step cap at 30 (`helpers.make_env(max_steps=30)`): about a third of the
#    episodes are then truncated, not terminated. Should they get absorbing samples? What would go wrong if
#    they did?
# 4. Switch the annealing off for both absorbing runs (`AbsorbingGAILConfig(..., ppo=PPOConfig(anneal_lr=False))`,
#    with `from helpers.ppo import PPOConfig`) and redraw the training-length figure. What changes? Why does the
#    final student's length then depend on luck?

# %% [markdown] tags=["solution"]
# <details><summary>Solutions</summary>
#
# 1. In our runs (seeds 0–2, each with its own expert) it did about as well as the logit: expert demos greedy 200
#    on all three, agreement 0.91–0.965 on demo states (the logit: 0.885–0.97); random demos 21–32 sampled steps
#    (the logit: 21–32).
#    Look at r_a, though: −log D − log 2 is bounded below by −log 2, so r_a never drops below −0.69 and falling
#    never costs more than 0.69 / (1 − γ) ≈ 35, while it is unbounded above. The logit reward is symmetric.
# 2. On seed 0 with the committed data, the students come out the same with and without the clamp (greedy 200;
#    random demos 24.6 sampled steps), although r_a does leave the clamp's range: unclamped it falls to about
#    −9.7 on the expert demos (V(s_a) ≈ −480), where the clamp holds it at −5 (V(s_a) = −250). The
#    bound is insurance for the seeds where the discriminator runs away with the trivially separable absorbing
#    sample: over 20 seeds with a constant learning rate, unbounded with 30 discriminator steps reached 195 on 7,
#    bounded with 10 on 16.
# 3. No: a truncated episode did not reach the absorbing state, it was only cut off. Giving it an absorbing sample
#    would teach D that the demonstrator "ends" after 30 steps, and the student would learn to end its episodes —
#    the hurry-up bias, this time from the data.
# 4. The swings no longer die down: on seed 0 the training episodes of the last quarter still ranged 9–162 steps
#    (annealed: 9–75). This seed's final random-demo student happened to stop in a good phase (22.7 sampled steps;
#    annealed 24.6), but whichever phase the budget ends in decides the result: over 20 seeds with a constant
#    learning rate (and budgets 10,000 / 3,000) the final length was within ± 25 % of the coin's on only 8,
#    0.64–3.6 × its length.
#
# </details>

# %% [markdown]
# [← 04 GAIL](04_gail.ipynb) · [contents](../README.md)
