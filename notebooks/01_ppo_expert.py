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
# [← contents](../README.md) · [02 Expert demonstrations →](02_expert_demonstrations.ipynb)
#
# # 01 · A PPO expert for CartPole
#
# Imitation learning needs someone to imitate. Before we can teach a *student* to copy an *expert*,
# we need the expert, and in this series we train it ourselves with reinforcement learning. In this
# notebook you will
#
# 1. take a tour of CartPole: what the agent sees, what it can do, and how badly a random policy does;
# 2. meet the 200-step cap and see why "the episode was cut short" (**truncated**) is not the same as
#    "the pole fell" (**terminated**);
# 3. build Proximal Policy Optimization (PPO) piece by piece: two small networks, generalised advantage
#    estimation (GAE) and the clipped objective;
# 4. train the expert until it balances the pole for all 200 steps, watch it, and save it.
#
# **Reads** nothing. **Writes** `data/expert_policy.pt` (the expert's weights, used by notebook 02).
# **Runs** in under 10 seconds on a laptop CPU (training itself takes a fraction of a second).

# %% tags=["parameters"]
SEED = 0
MAX_ENV_STEPS = 20_000  # training budget; training stops earlier, as soon as the expert is solved
EVAL_EPISODES = 20  # greedy episodes for the before/after scores and the checkpoint
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ folder

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

import helpers
from helpers.ppo import clipped_surrogate

helpers.check_parameters(SEED=SEED, MAX_ENV_STEPS=MAX_ENV_STEPS, EVAL_EPISODES=EVAL_EPISODES, DATA_DIR=DATA_DIR)
data = helpers.check_data_files(helpers.data_dir(DATA_DIR), writes=["expert_policy.pt"])
helpers.seed_everything(SEED)
torch.set_num_threads(1)  # faster for these tiny networks

# %% [markdown]
# ## 1. A tour of CartPole
#
# A cart rolls left and right on a track; a pole is hinged on top of it. Each step the agent pushes the
# cart left or right, and it earns a reward of 1 for every step the pole stays up. The episode
# **terminates** when the pole leans more than 12° or the cart leaves the track (|x| > 2.4).

# %%
env = helpers.make_env(seed=SEED)
print("observation space:", env.observation_space)
print("action space:     ", env.action_space, " (0 = push left, 1 = push right)")
state, _ = env.reset(seed=SEED)
print("a starting state: ", np.round(state, 3), " = (x, x_dot, theta, theta_dot)")

# %% [markdown]
# The observation is four numbers: cart position $x$, cart velocity $\dot x$, pole angle $\theta$
# (radians, 0 is upright) and pole angular velocity $\dot\theta$. Every episode starts close to upright,
# with all four drawn uniformly from $[-0.05, 0.05]$. Here is what that state looks like:

# %%
fig, ax = plt.subplots(figsize=(5, 3.3), layout="constrained")
ax.imshow(helpers.render_state(state))
ax.set_xlabel("the track (pixels)")
ax.set_ylabel("height (pixels)")
ax.set_title("CartPole, first state of an episode")
plt.show()

# %% [markdown]
# How hard is it? A policy that pushes left or right at random is a useful baseline. A policy in this
# series is a function from states to two *logits* (unnormalised log-probabilities); equal logits mean
# a fair coin.


# %%
def random_policy(states: torch.Tensor) -> torch.Tensor:
    """Equal logits for both actions: each push is a coin flip."""
    return torch.zeros(len(states), 2)


random_returns = helpers.evaluate(random_policy, n_episodes=100, greedy=False, seed=SEED)
print(f"random policy: mean return {random_returns.mean():.1f} ± {random_returns.std():.1f} over 100 episodes")

# %% [markdown]
# About 20 steps before the pole falls. Our expert will have to do ten times better, every time.
#
# ## 2. The 200-step cap: truncated is not terminated
#
# Gymnasium's `CartPole-v1` stops episodes after 500 steps. Like the tutorial this series grows from, we
# stop them after **200**, with a small wrapper, `helpers.StepCap`, which replaces Gymnasium's own limit.
# Gymnasium reports two different ways an episode can end:
#
# * `terminated=True`: the pole fell or the cart left the track. The game is *over*; no more reward can come.
# * `truncated=True`: we stopped watching after 200 steps. The pole is still up and the game *could*
#   have gone on.
#
# Let us watch both happen. A hand-written controller (push toward where the pole is falling) survives
# the full 200 steps; "always push right" does not.


# %%
def hand_controller(obs: np.ndarray) -> int:
    """Push toward the side the pole (and, a little, the cart) is drifting to."""
    x, x_dot, theta, theta_dot = obs
    return int(theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot > 0)


for name, choose in [("hand controller", hand_controller), ("always right", lambda obs: 1)]:
    obs, _ = env.reset(seed=SEED)
    steps, terminated, truncated = 0, False, False
    while not (terminated or truncated):
        obs, reward, terminated, truncated, _ = env.step(choose(obs))
        steps += 1
    print(f"{name:15s}: ended after {steps:3d} steps, terminated={terminated!s:5}  truncated={truncated}")

# %% [markdown]
# Why does it matter? Reinforcement learning estimates the value of a state, the reward still to
# come. After a **termination** the future is worth exactly 0. After a **truncation** it is worth
# whatever the state is worth, $V(s_{200})$, because a balanced pole would have kept earning reward.
# An agent that treats the cap as a failure learns that states around step 200 are bad and gets
# confused: the same upright state is "doomed" at step 199 and "great" at step 20. We will keep the
# two apart in the advantage estimate below.
#
# ## 3. PPO, piece by piece
#
# ### Two networks
#
# PPO is an *actor-critic* method. The actor is the **policy** $\pi_\theta(a \mid s)$, 4 inputs → 128
# hidden units → 2 logits. The critic is the **value function** $V_\phi(s)$, 4 → 128 → 1, which
# predicts the discounted reward still to come from $s$.

# %%
config = helpers.expert_config()
agent = helpers.PPO(config)
print(agent.policy)
print(agent.value)

# %% [markdown]
# ### Advantages with GAE
#
# The policy should do more of what turned out *better than expected*. "Expected" is the critic's
# $V(s_t)$; the one-step surprise is the TD error
#
# $$\delta_t = r_t + \gamma\,(1 - \text{terminated}_t)\,V(s_{t+1}) - V(s_t).$$
#
# Generalised advantage estimation (GAE) adds up the surprises that follow, each discounted by
# $\gamma\lambda$, and stops at the end of the episode:
#
# $$A_t = \delta_t + \gamma\lambda\,(1 - \text{done}_t)\,A_{t+1}.$$
#
# Note where the two flags enter: a termination zeroes $V(s_{t+1})$; a truncation only stops the sum.
# Let us run `helpers.gae` on a toy four-step episode in which the critic predicts $V = 5$ everywhere,
# once ending in a termination and once in a truncation.

# %%
rewards = torch.ones(4)
values = torch.full((4,), 5.0)
next_values = torch.full((4,), 5.0)
last = torch.tensor([False, False, False, True])
never = torch.zeros(4, dtype=torch.bool)
gamma, lam = config.gamma, config.lam

adv_terminated = helpers.gae(rewards, values, next_values, last, never, gamma, lam)
adv_truncated = helpers.gae(rewards, values, next_values, never, last, gamma, lam)
print(f"gamma = {gamma}, lambda = {lam}")
print("A_t, episode ends in a termination:", np.round(adv_terminated.numpy(), 3))
print("A_t, episode ends in a truncation: ", np.round(adv_truncated.numpy(), 3))

# %% [markdown]
# With the termination, the last step is a disaster ($\delta_3 = 1 - 5 = -4$: the critic expected 5 and
# got 1), and that bad news flows back, weakened by $\gamma\lambda$ per step, to the earlier actions.
# With the truncation, every step earned a little more than expected, $1 + 0.98 \cdot 5 - 5 = 0.9$: nothing
# went wrong, and the agent is not punished for the clock running out.
#
# ### The clipped objective
#
# Having played an episode with the current policy $\pi_{\text{old}}$, PPO improves the policy with several
# gradient steps on the same data. The *probability ratio*
# $r_t(\theta) = \pi_\theta(a_t \mid s_t) / \pi_{\text{old}}(a_t \mid s_t)$
# measures how much the policy has moved, and the objective
#
# $$L^{\text{CLIP}}(\theta) = \mathbb{E}_t\big[\min\big(r_t A_t,\
#   \text{clip}(r_t, 1-\epsilon, 1+\epsilon)\,A_t\big)\big]$$
#
# rewards making good actions ($A_t > 0$) more likely and bad ones ($A_t < 0$) less likely, but only up to
# a ratio of $1 \pm \epsilon$: beyond that the objective goes flat and the gradient vanishes, so one batch
# cannot drag the policy too far. Plotted for one sample:

# %%
ratio = torch.linspace(0, 2, 201)
eps = config.clip
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=False, layout="constrained")
for ax, a in zip(axes, (1.0, -1.0), strict=True):
    objective = [clipped_surrogate(r.reshape(1), torch.tensor([a]), eps).item() for r in ratio]
    ax.plot(ratio, ratio * a, ls=":", color="grey", label="unclipped  r·A")
    ax.plot(ratio, objective, lw=2, label="clipped  L^CLIP")
    ax.axvline(1 - eps, color="red", lw=0.8, ls="--")
    ax.axvline(1 + eps, color="red", lw=0.8, ls="--")
    ax.set_title(f"A = {a:+.0f}")
    ax.set_xlabel("probability ratio r = π_θ(a|s) / π_old(a|s)")
    ax.set_ylabel("objective for this sample")
    ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# On the left ($A > 0$) pushing the ratio above $1 + \epsilon$ earns nothing more; on the right ($A < 0$)
# pushing it below $1 - \epsilon$ earns nothing more. In both cases the objective never rewards going
# further than the clip, yet a step that made things worse is still fully penalised.
#
# ### One update
#
# `PPO.update` puts it together: compute GAE advantages with the critic, then for `epochs` gradient
# steps maximise $L^{\text{CLIP}}$ for the policy and minimise the squared error between $V_\phi(s_t)$ and
# the target $A_t + V(s_t)$ for the critic. One update on one episode of the untrained policy:

# %%
episode = helpers.play_episode(env, agent.policy, greedy=False, seed=SEED)
print(f"one episode: {len(episode)} steps, terminated={bool(episode.terminated[-1])}")
print("update diagnostics:", {k: round(v, 3) for k, v in agent.update(episode).items()})

# %% [markdown]
# ## 4. Training the expert
#
# The training loop (`helpers.train_ppo`) repeats: play one episode with the *sampled* policy, update,
# then evaluate the *greedy* policy (always the most likely action) on 10 episodes. Evaluation
# episodes are not counted as training steps. It stops when the expert is **solved**: three evaluations in a
# row at 200, then 200 on 50 fresh episodes, so that one lucky evaluation does not stop it. A marginal expert
# would make marginal demonstrations for the notebooks that follow.
#
# The settings come from `helpers.expert_config()`: the source tutorial's, with a larger policy learning
# rate (2e-3) and a shorter GAE horizon ($\lambda = 0.9$). `benchmarks/expert_sweep.py` measured them over 20 seeds.

# %%
for field, value in vars(config).items():
    print(f"{field:20s} {value}")

# %% [markdown]
# A fresh agent, scored before training:

# %%
helpers.seed_everything(SEED)
agent = helpers.PPO(config)
before = helpers.evaluate(agent.policy, EVAL_EPISODES, greedy=True, seed=SEED)
print(f"before training: greedy mean return {before.mean():.1f} over {EVAL_EPISODES} episodes")

# %%
history = helpers.train_ppo(agent, seed=SEED, max_env_steps=MAX_ENV_STEPS, solved_streak=3, confirm_episodes=50)
print(
    f"first 10-episode mean of 200 after {history.steps_to_target} training env steps "
    f"({history.seconds_to_target:.2f} s of training); stopped after {history.env_steps[-1]} steps, "
    f"{len(history.env_steps)} updates"
)

# %%
after = helpers.evaluate(agent.policy, EVAL_EPISODES, greedy=True, seed=SEED)
print(f"before training: greedy mean return {before.mean():6.1f}")
print(f"after training:  greedy mean return {after.mean():6.1f}  (min {after.min():.0f}) over {EVAL_EPISODES} episodes")

# %% [markdown]
# **Checkpoint.** The expert must balance the pole for all 200 steps on every evaluation episode.

# %%
assert after.mean() == 200, f"the expert scored {after.mean():.1f}, not 200: train longer or check the settings"

# %% [markdown]
# The learning curve shows both returns after every update: the sampled training episode (dots) and
# the greedy evaluation (line). Greedy play usually gets there first: sampling still makes the odd
# unlucky push.

# %%
ax = helpers.learning_curve(history, target=200)
# %% [markdown]
# On 20 seeds, the first 10-episode mean of 200 came after a median of about 900 training env steps
# (fastest about 400, slowest about 2,300), about 0.1 s of training on a 2-core laptop-class CPU (`make bench`). Seeds
# differ a lot: reinforcement learning is noisy, which is one more reason to check the result and not
# just the budget.
#
# ## 5. Watching the expert
#
# One greedy episode of the trained expert. With a running kernel, press play or drag the slider; each
# frame is drawn from the recorded state when you ask for it.

# %%
expert_states = helpers.run_episodes(agent.policy, n_episodes=1, greedy=True, seed=SEED)[0]
print(f"recorded {len(expert_states)} states")
helpers.episode_player(expert_states)

# %% [markdown]
# The same episode as a strip of still frames (for readers without a kernel):

# %%
fig = helpers.filmstrip(expert_states, n=6, title="the trained expert, one greedy episode")
# %% [markdown]
# ## 6. Saving the expert
#
# `helpers.save_policy` writes the weights atomically, with a little metadata; notebook 02 loads them
# with `helpers.load_policy`.

# %%
path = helpers.save_policy(
    agent.policy,
    data / "expert_policy.pt",
    env_id=helpers.ENV_ID,
    seed=SEED,
    train_env_steps=history.env_steps[-1],
    greedy_mean_return=float(after.mean()),
)
print(f"saved {path.name} ({path.stat().st_size / 1024:.0f} KiB)")

# %% [markdown]
# ## Summary
#
# * CartPole gives a reward of 1 per step; a random policy lasts about 20 steps, our cap is 200.
# * An episode can end in two ways. **Terminated**: the pole fell, the future is worth 0.
#   **Truncated**: we stopped the clock, the future is still worth $V(s')$. GAE treats them differently.
# * PPO = an actor $\pi_\theta$, a critic $V_\phi$, advantages from GAE, and a clipped objective that
#   keeps each update close to the policy that collected the data.
# * We train until the greedy policy is solved, confirmed on fresh episodes, within a budget,
#   and check the result with an `assert` rather than trusting the budget.
# * The expert is saved in `data/expert_policy.pt`. Next, we record what it does.

# %% [markdown]
# ## Exercises
#
# 1. In the GAE cell, set `lam = 1.0` and then `lam = 0.0`. How do the advantages of the terminated episode change?

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# With $\lambda = 0$ each advantage is its own TD error: $A_t = \delta_t$, so only the last step sees the
# fall (−4) and the others get $1 + 0.98 \cdot 5 - 5 = 0.9$. With $\lambda = 1$ the advantage is the full
# discounted return minus $V(s_t)$: the fall reaches every earlier step almost undiminished. Small $\lambda$
# trusts the critic (less variance, more bias); large $\lambda$ trusts the rewards actually received.
# </details>

# %% [markdown]
# 2. Treat truncation like termination: what would the value of an upright state at step 199 become,
#    and why is that wrong?

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# Pass `terminated | truncated` as `terminated` to `gae`. The target at step 199 then becomes $r = 1$
# with no future, while the same upright state at step 20 is worth about $1/(1-\gamma) = 50$. The critic
# cannot tell the two apart from the state alone (the step count is not in the observation), so it is
# trained toward contradictory targets, and the advantages of good actions near the cap turn negative.
# </details>

# %% [markdown]
# 3. Train with the source tutorial's settings, `helpers.PPOConfig()` (policy learning rate 1e-3,
#    $\lambda = 0.95$), and compare `history.steps_to_target` with ours. Try a few seeds.

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# ```python
# for seed in range(3):
#     helpers.seed_everything(seed)
#     a = helpers.PPO(helpers.PPOConfig())
#     h = helpers.train_ppo(a, seed=seed, solved_streak=3, confirm_episodes=50, progress=False)
#     print(seed, h.steps_to_target)
# ```
#
# Over 20 seeds `benchmarks/expert_sweep.py --set policy_lr=1e-3 --set lam=0.95` measured a median
# of about 1,130 steps against about 880 for `expert_config()`. Single seeds vary widely in both
# directions, so compare medians over many seeds, not one run.
# </details>

# %% [markdown]
# 4. Why do we evaluate the *greedy* policy, when training plays the *sampled* one?

# %% [markdown] tags=["solution"]
# <details><summary>Solution</summary>
#
# Training needs sampling: trying both actions is how PPO discovers which is better. But the expert we
# want to imitate is the policy's best guess in each state, the argmax. It is also steadier: a sampled
# policy that is 95 % sure still pushes the wrong way one step in twenty.
# </details>

# %% [markdown]
# [← contents](../README.md) · [02 Expert demonstrations →](02_expert_demonstrations.ipynb)
