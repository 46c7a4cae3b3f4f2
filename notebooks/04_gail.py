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
# [← 03 Discriminator](03_discriminator.ipynb) · [contents](../README.md) · [05 Going further →](05_going_further.ipynb)
#
# # 04 · GAIL, with behavioral cloning side by side
#
# Generative Adversarial Imitation Learning (Ho & Ermon 2016) trains a student by reinforcement learning
# on a reward it never gets from the environment: the discriminator of notebook 03 supplies it, and the
# discriminator itself keeps learning to tell the student from the expert. In this notebook you will
#
# 1. run the GAIL loop and watch, iteration by iteration, the true return, D on both sides and the
#    discriminator's loss and accuracy, with the moment training stops;
# 2. train behavioral cloning (BC) on the very same 200 pairs;
# 3. compare both with the expert: returns, agreement with the expert's actions, and where each keeps the pole.
#
# **Reads** `data/expert_demos.pt` (notebook 02) for training, and `data/expert_policy.pt` (notebook 01)
# **for evaluation only**. **Writes** `data/gail_policy.pt` and `data/bc_policy.pt`.
# **Runs** in about 6 seconds on a laptop CPU.

# %% tags=["parameters"]
SEED = 0
GAIL_MAX_ENV_STEPS = 10_000  # GAIL's budget of training env steps (it usually stops earlier)
BC_EPOCHS = 1000  # full-batch epochs of behavioral cloning
EVAL_EPISODES = 20  # fresh greedy episodes for the final comparison
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ folder

# %%
import matplotlib.pyplot as plt
import torch

import helpers
from helpers.bc import bc_accuracy, train_bc
from helpers.gail import GAILConfig, train_gail
from helpers.gail_plots import plot_angle_distributions, plot_gail_history

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
# ## The demonstrations
#
# 200 (state, action) pairs from one greedy episode of the expert. The expert policy itself stays on disk:
# neither learner may look at it.

# %%
demos = helpers.load_demos(data / "expert_demos.pt", n=200)
print("states", tuple(demos["states"].shape), "| actions", tuple(demos["actions"].shape))

# %% [markdown]
# ## The GAIL loop, one piece at a time
#
# One **iteration** of `helpers.train_gail`:
#
# 1. the student π_θ (a PPO agent, as in notebook 01) plays **one episode**, sampling its actions;
# 2. the discriminator takes a gradient step on the BCE loss of notebook 03: the expert's 200 pairs
#    labelled 0, this episode's pairs labelled 1;
# 3. each step of the episode gets the reward r(s, a) = −log D(s, a), read from the updated discriminator;
# 4. PPO updates π_θ on those rewards exactly as it updated the expert on CartPole's reward.
#
# The environment's reward is recorded for the plots, **never used for training**. After each update the
# greedy student is evaluated on 10 episodes (these evaluation steps are not counted as training).
#
# **When to stop?** A return of 195 alone is not enough: a student can balance the pole without doing what
# the expert does (notebook 03 showed why −log D pays for survival). Training stops only when the greedy
# student scores ≥ 195 (on 10 episodes after two updates in a row, then on 50 fresh ones) **and** the
# discriminator is confused — its balanced accuracy on the latest 5 student episodes all within 0.5 ± 0.15.
# Otherwise it runs until the budget. All knobs live in `GAILConfig`:

# %%
config = GAILConfig(max_env_steps=GAIL_MAX_ENV_STEPS)
print(config)

# %% [markdown]
# Before training, a fresh student balances no better than a coin flip (usually worse):

# %%
helpers.seed_everything(SEED)
untrained = helpers.PPO(config.ppo)
print("untrained student, greedy mean return:", helpers.evaluate(untrained.policy, 10, seed=SEED).mean())

# %%
student, hist, disc = train_gail(demos, seed=SEED, config=config)
print(f"first greedy 10-episode mean >= 195 after {hist.steps_to_target} training env steps")
print(f"stopped after {hist.stop_env_steps} env steps ({len(hist.env_steps)} iterations), ", end="")
print("solved and discriminator confused" if hist.stopped_early else "budget used up")
print(f"training time {hist.train_seconds[-1]:.2f} s (evaluation excluded)")

# %% [markdown]
# The per-iteration log. Left: the true return of each training episode (dots) and the greedy evaluation
# (line). Middle: mean D on the expert's pairs and on the student's fresh episode — they approach each other
# as the student gets harder to tell apart. Right: the discriminator's loss (≈ 1.39 = 2 log 2 when it is
# guessing) and its balanced accuracy. Dashed lines: the first evaluation ≥ 195 and the stop.

# %%
plot_gail_history(hist, target=config.target, stop_at=hist.stop_env_steps)
plt.show()

# %% [markdown]
# ## Behavioral cloning on the same pairs
#
# BC ignores the environment altogether: it is supervised classification, minimising the cross-entropy
# −(1/N) Σ log π_θ(a_i | s_i) over the 200 pairs. Same network shape as the GAIL student.

# %%
helpers.seed_everything(SEED)
bc_policy, bc_losses = train_bc(demos["states"], demos["actions"], epochs=BC_EPOCHS, seed=SEED)
print(f"BC loss {bc_losses[0]:.3f} -> {bc_losses[-1]:.3f}; ", end="")
print(f"accuracy on the demo pairs {bc_accuracy(bc_policy, demos['states'], demos['actions']):.3f}")

# %% [markdown]
# ## Evaluation
#
# Now, and only now, we load the expert — to compare against, never to train. Every policy plays
# the same 20 fresh greedy episodes (start states none of them has seen).

# %%
expert = helpers.load_policy(data / "expert_policy.pt")  # evaluation only
policies = {"expert (evaluation only)": expert, "GAIL student": student.policy, "BC": bc_policy}
eval_seed = 10_000 + SEED
returns = {name: helpers.evaluate(p, EVAL_EPISODES, seed=eval_seed) for name, p in policies.items()}
for name, r in returns.items():
    print(f"{name:26s} mean return {r.mean():6.1f}   min {r.min():5.0f}")

# %% [markdown]
# **Agreement** asks a stricter question than the return: in a given state, does the learner choose the
# action the expert would choose (both greedy)? We ask it on the demo states, and on the states each learner
# visits itself in those 20 episodes — where BC's small mistakes can lead it somewhere the demo never went.

# %%
visited = {name: torch.cat(helpers.run_episodes(p, EVAL_EPISODES, seed=eval_seed)) for name, p in policies.items()}
agree = {}
for name in ("GAIL student", "BC"):
    p = policies[name]
    agree[name] = {
        "demo": helpers.agreement(p, expert, demos["states"]),
        "own": helpers.agreement(p, expert, visited[name]),
    }
    print(f"{name:13s} agreement with the expert: on demo states {agree[name]['demo']:.3f}, ", end="")
    print(f"on its own states {agree[name]['own']:.3f}")

# %% [markdown]
# Where does each policy keep the pole? A histogram of the pole angle over all visited states:

# %%
plot_angle_distributions({name.split(" (")[0]: visited[name] for name in policies})
plt.show()

# %% [markdown]
# **Checkpoint.** Over seeds 0–39, each with its own expert and demo (`benchmarks/gail_sweep.py`), the GAIL
# student scored ≥ 198 on 50 fresh episodes on every seed, and chose the expert's action on at least 66 % of
# the demo states (lowest 0.665). With this notebook's committed demo, SEED 0–39 all scored ≥ 197.7 here, with
# agreement ≥ 0.74. The check asks for ≥ 195 and ≥ 0.6. That second bar is low on purpose: it is what holds
# on *every* seed, and the discussion below explains why it is not higher.

# %%
gail_mean = returns["GAIL student"].mean()
assert gail_mean >= 195, f"GAIL student: 20-episode mean {gail_mean:.1f} < 195"
assert agree["GAIL student"]["demo"] >= 0.6, agree["GAIL student"]
print(f"checkpoint passed: GAIL mean {gail_mean:.1f}, agreement on demo states {agree['GAIL student']['demo']:.3f}")

# %% [markdown]
# ### What the numbers say
#
# Both learners balance the pole here. Over seeds 0–19 (`benchmarks/gail_sweep.py`: each seed trains its own
# expert, records one greedy demo as notebook 02 does, then runs GAIL and BC on it) the picture was:
#
# | | GAIL | BC |
# |---|---|---|
# | return ≥ 195 on 50 fresh episodes | 20 of 20 seeds (worst 198.9) | 12 of 20 seeds (worst 134.9) |
# | agreement on the demo states | median 0.86 (0.69–0.975) | median 0.99 (0.975–1.00) |
# | agreement on its own states | median 0.84 (0.69–0.90) | median 0.84 (0.70–0.98) |
#
# - **BC** copies the 200 demonstrated actions almost perfectly — it was trained on exactly those states —
#   but it never saw what happens after a mistake. On 8 of the 20 seeds its own episodes drift away from
#   the demo and it drops the pole: that is covariate shift.
# - **GAIL** learns from its own episodes, so it balances on every seed. But its actions agree with the
#   expert's clearly less often, even on the expert's own states. The −log D reward pays for every step
#   survived, and that alone teaches balancing; the discriminator, updated once per episode, tells the actions
#   apart only weakly. The student learned *to keep the pole up in its own way*, only partly the expert's way.
#
# How high could agreement go from one demonstration? `benchmarks/agreement_ceiling.py` measured it on the same
# 20 seeds. Balancing keeps the state close to the expert's **switching boundary** (the states where it changes
# its mind), so nudging its own states by 5 % of their spread flips one expert action in nine (median 0.886).
# BC on the 200 pairs agrees with the expert on 0.86 of its own states (median); on 2,000 pairs (ten episodes)
# on 0.98. One 200-step episode simply does not pin the boundary down, and GAIL, which sees those 200 pairs only
# through its discriminator, gets no closer: 0.83, also after 20,000 steps of training.
#
# A reward that rewards imitation rather than survival needs more care; notebook 05 takes that up.
#
# ## Saving both learners
#
# `helpers.load_policy` reads them back; `python -m helpers.summary` (after `make run`) compares every saved learner.

# %%
helpers.save_policy(student.policy, data / "gail_policy.pt", algorithm="GAIL", seed=SEED, env_steps=hist.stop_env_steps)
helpers.save_policy(bc_policy, data / "bc_policy.pt", algorithm="BC", seed=SEED, epochs=BC_EPOCHS)
reloaded = helpers.load_policy(data / "gail_policy.pt")
assert helpers.agreement(reloaded, student.policy, demos["states"]) == 1.0
print("saved", helpers.display_path(data / "gail_policy.pt"), "and", helpers.display_path(data / "bc_policy.pt"))

# %% [markdown]
# ## Summary
#
# - GAIL alternates a discriminator step (expert 0, student 1) and a PPO update on r = −log D; the
#   environment's reward is only watched. It stops when the student is solved **and** the discriminator
#   cannot tell it from the expert any more, else at its budget.
# - BC on the same 200 pairs is a few lines of supervised learning and matches the expert's demonstrated
#   actions closely, but can fail once its own mistakes take it off the demo's path.
# - A good return is not the same as imitation: agreement with the expert's actions tells them apart, and
#   GAIL with −log D gets a return more easily than it gets agreement.

# %% [markdown]
# ## Exercises
#
# 1. Run GAIL with `GAILConfig(disc_steps=10)`. Does the student learn faster or slower? Why might a
#    stronger discriminator not help?
# 2. Train BC on only the first 50 pairs (`demos["states"][:50]`). How do its return and agreement change?
# 3. Start GAIL's student from the BC policy: `GAILConfig(bc_init_epochs=1000)`. What happens to the
#    steps to 195 and to the agreement?

# %% [markdown] tags=["solution"]
# <details><summary>Solutions</summary>
#
# 1. Slower and less reliable. Over 20 seeds (`benchmarks/gail_sweep.py --variant disc_steps=10`): median 1,494
#    env steps to 195 instead of 1,000, four students ended below 195 on 50 fresh episodes (worst 145), and
#    agreement did not improve (demo states: median 0.82 instead of 0.86). A discriminator that wins too easily
#    gives the student almost the same low reward for everything it does, so the signal that ranks actions
#    shrinks.
# 2. Over 20 seeds (`gail_sweep.py --bc-first 50`), BC on the first 50 pairs kept ≥ 195 on only 5 seeds (median
#    return 152, instead of 12 seeds with all 200 pairs); agreement on the demo states fell from 0.99 to 0.86.
#    The first 50 states cover only the start of the episode, and BC knows nothing beyond what it was shown.
# 3. The student starts already balancing, so "steps to 195" often drops to the first iteration, and agreement
#    on the demo states rises (median 0.95, 20 seeds). But GAIL's first updates, driven by a discriminator that
#    has not learned anything yet, pull it away again: 2 of 20 seeds never reached 195 and only 12 of 20 ended
#    ≥ 195 — no better than BC alone. Starting from BC is a useful trick, but it needs care (e.g. a smaller policy
#    learning rate), and part of the credit then goes to BC.
#
# </details>

# %% [markdown]
# [← 03 Discriminator](03_discriminator.ipynb) · [contents](../README.md) · [05 Going further →](05_going_further.ipynb)
