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
# [← 07 Continuous actions](07_continuous_actions.ipynb) · [contents](../README.md)
#
# # 08 · Your demonstration
#
# So far every student imitated a PPO expert that this series trained. Here the demonstrator is **you**: you play
# CartPole in the notebook, choose where you mean to keep the cart (your **mark**), keep one episode, and GAIL and
# behavioral cloning (BC) learn from your (state, push) pairs alone. In this notebook you will
#
# 1. play CartPole with the keyboard or the buttons, turn by turn or in real time, and keep one episode;
# 2. save it as a demonstration, the way notebook 02 saved the expert's;
# 3. train GAIL, the survival control and BC on your pairs, and compare where they keep the cart with where
#    **you** kept it;
# 4. measure what a person's demonstration changes: fewer pairs, a fall inside it, the same state answered with
#    different pushes, and write the measure of that last one yourself (a coding exercise).
#
# **Nobody playing?** Under `make run`, papermill or the tests nobody is at the keyboard: a **scripted stand-in**
# (a simple controller with its own mark, x = −1) plays the episode through the same game, and the outputs you see
# before you play come from it.
#
# **Reads** `data/expert_demos.pt` (notebook 02's, to compare with in section 4's exercise). **Writes**
# `data/your_demos.pt`.
# **Runs** in about 20 seconds on a laptop CPU, plus the time you play.

# %% tags=["parameters"]
SEED = 0  # seeds the game's first start state, the students and their evaluation
PLAYER = "auto"  # "auto": your kept episode if there is one, else the scripted stand-in; "scripted": the stand-in
GAIL_MAX_ENV_STEPS = 80_000  # training budget of GAIL and of the control, as in notebook 04
BC_EPOCHS = 1000  # full-batch epochs of behavioral cloning
EVAL_EPISODES = 50  # fresh greedy episodes per student
DATA_DIR = None  # None: $IL_DATA_DIR if set, else the repository's data/ folder

# %%
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display

import helpers
from helpers.core import rules
from helpers.teaching import exercises as check
from helpers.teaching.checkpoints import HABIT_GAP, SOLVED_RETURN, checkpoint, record
from helpers.teaching.game import ScriptedPlayer, cartpole_game, demo_warnings, play_scripted

helpers.check_parameters(
    {"PLAYER": rules.one_of("auto", "scripted")},
    SEED=SEED,
    PLAYER=PLAYER,
    GAIL_MAX_ENV_STEPS=GAIL_MAX_ENV_STEPS,
    BC_EPOCHS=BC_EPOCHS,
    EVAL_EPISODES=EVAL_EPISODES,
    DATA_DIR=DATA_DIR,
)
data = helpers.check_data_files(helpers.data_dir(DATA_DIR), reads=["expert_demos.pt"], writes=["your_demos.pt"])
helpers.seed_everything(SEED)
torch.set_num_threads(1)  # faster for these tiny networks

# %% [markdown]
# ## 1. Play
#
# **How to play.** Click the picture, then press **←** or **→** (or hold the buttons): each press pushes the cart.
# Choose your **mark** with the slider first, a place on the track where you mean to keep the cart, and try to
# hold it there while the pole stays up; 200 steps is a full episode. **Turn by turn**, the pole waits for each push.
# **Real time** runs at the speed you choose (steps per second; Gymnasium's CartPole runs at 50), and with no key
# held the cart coasts, pushed left and right in turn. A fall ends the episode, as in the environment (terminated).
# When you like an episode, press **keep this episode**, then run the cells below (*Run → Run Selected Cell and All
# Below*). A shorter or fallen episode is accepted too, with a warning of what it will do to the students.
#
# The game is an [anywidget](https://anywidget.dev): the browser draws the cart and reads your keys, the kernel steps
# Gymnasium's CartPole and records every pair. We chose it over ipywidgets with `ipyevents` by measuring both in this
# JupyterLab: both answered a key press in about the same time, but the anywidget game is one widget that takes the
# keyboard focus and keeps the arrow keys from JupyterLab, sends four numbers per step instead of a picture, and keeps
# the real-time clock in the browser, which waits for each step's answer, so the kernel never blocks your keys.

# %%
game = cartpole_game(seed=SEED, mark=0.0)
display(game)

# %% [markdown]
# ## 2. Your demonstration
#
# If you kept an episode, the next cell takes it. If not (or with `PLAYER = "scripted"`), the scripted stand-in
# plays one through the same game, sending the messages your key presses send: a linear controller that leans the
# pole to drive the cart towards x = −1 and holds it there. Every number below is then the stand-in's.

# %%
if PLAYER == "auto" and game.kept is not None and game.kept.player == "you":
    demo = game.kept
    print(f"your episode: {len(demo)} pairs, played {demo.mode}, your mark x = {demo.mark:+.1f}")
else:
    stand_in = ScriptedPlayer(mark=-1.0)
    demo = play_scripted(game, stand_in)
    print(f"nobody kept an episode, so the {stand_in.name} played one through the game: {len(demo)} pairs")
full_length = len(demo) == helpers.MAX_STEPS
ending = "a fall (terminated)" if demo.fell else ("the cap" if full_length else "a keep before the end")
print(f"ended by {ending}; largest |x| {demo.states[:, 0].abs().max():.2f} m, largest |θ| ", end="")
print(f"{demo.states[:, 2].abs().max():.3f} rad")
for note in demo_warnings(demo):
    print("Warning:", note)

# %% [markdown]
# Saved the way notebook 02 saved the expert's demonstration: `helpers.save_demos` checks the shapes, dtypes and
# values and writes atomically; the metadata records your mark (as `habit_x`, where the demonstrator meant to keep
# the cart) and who played. Read back as every notebook reads a demonstration:

# %%
path = helpers.save_demos(
    demo.states,
    demo.actions,
    data / "your_demos.pt",
    terminated=demo.terminated,
    env_id=helpers.ENV_ID,
    seed=SEED,
    habit_x=demo.mark,
    player=demo.player,
    mode=demo.mode,
    action_selection="played",
)
demos = helpers.load_demos(data / "your_demos.pt")
player_habit = helpers.habit_of(demos["states"])
print(
    f"saved {helpers.display_path(path)}: states",
    tuple(demos["states"].shape),
    "actions",
    tuple(demos["actions"].shape),
)
print(f"meta: {demos['meta']}")
print(f"your habit (mean x over the last {min(100, len(demo))} steps): {player_habit:+.2f}, your mark {demo.mark:+.1f}")

# %%
fig = helpers.state_traces(demos["states"], title=f"the demonstration ({demo.player})", habit_x=demo.mark)

# %% [markdown]
# ## 3. GAIL, the survival control and BC on your pairs
#
# The same three students as notebook 04, with the same settings: GAIL paid −log D by a discriminator that learns to
# tell its pairs from yours; the **control**, the same student paid log 2 per step for surviving, which cannot
# imitate anyone; and BC, supervised classification of your pushes. None of them ever sees your mark: they see only
# the pairs. Each is then judged on fresh greedy episodes by its **habit** (mean cart x over the last 100 steps),
# compared with **yours**.

# %%
config = helpers.GAILConfig(max_env_steps=GAIL_MAX_ENV_STEPS)
gail_student, gail_hist, _ = helpers.train_gail(demos, SEED, config)
control, control_hist, _ = helpers.train_gail(demos, SEED, dataclasses.replace(config, reward="survival"))
bc_policy, bc_losses = helpers.train_bc(
    demos["states"], demos["actions"], epochs=BC_EPOCHS, hidden=config.ppo.hidden, seed=SEED
)

# %%
eval_seed = helpers.fresh_seed(SEED)  # start states that no training run played
helpers.seed_everything(SEED)
untrained = helpers.PPO(config.ppo).policy  # a student that learned nothing: what a checkpoint must tell apart


def judge(policy: torch.nn.Module) -> dict[str, float]:
    """Mean return and habit of ``policy`` on the fresh greedy episodes, and its habit's gap to the player's."""
    episodes = helpers.run_episodes(policy, EVAL_EPISODES, seed=eval_seed)
    habit = helpers.mean_habit(episodes)
    return {"return": np.mean([len(e) for e in episodes]), "habit": habit, "gap": abs(habit - player_habit)}


rows = {
    "GAIL": judge(gail_student.policy),
    "survival control": judge(control.policy),
    "BC": judge(bc_policy),
    "untrained": judge(untrained),
}
print(f"{'':17s} {'return':>7s} {'habit':>7s} {'|habit - yours|':>16s}")
print(f"{'you (the demo)':17s} {'':>7s} {player_habit:+7.2f}")
for name, r in rows.items():
    print(f"{name:17s} {r['return']:7.1f} {r['habit']:+7.2f} {r['gap']:16.2f}")

# %%
fig, ax = plt.subplots(figsize=(7, 2.6), layout="constrained")
ax.axvspan(player_habit - HABIT_GAP, player_habit + HABIT_GAP, color="green", alpha=0.12,
           label=f"within {HABIT_GAP} m of your habit")  # fmt: skip
ax.axvline(demo.mark, color="green", ls=":", label="your mark")
for k, r in enumerate(rows.values()):
    ax.plot(r["habit"], k, "o", ms=9, color=f"C{k}")
ax.set_yticks(range(len(rows)), list(rows))
ax.invert_yaxis()
ax.set_xlim(-2.4, 2.4)
ax.set_xlabel("habit on fresh greedy episodes: mean cart x over the last 100 steps (m)")
ax.legend(fontsize=8, loc="lower right")
plt.show()

# %% [markdown]
# **Checkpoints.** GAIL balances (mean return ≥ 195) and keeps the cart within 0.4 m of where you kept it
# (`HABIT_GAP`, the gap notebook 04 holds every learner to); the survival control, which balances too, must not; BC
# must be within 0.4 m too. Each line also gives what a learner that did not learn scores on the same check (the
# untrained student, the survival control, or for the control's own check GAIL), which must fail it: a check that
# both pass would show nothing. On the stand-in's demonstration a miss stops the notebook, as in the other notebooks. On
# **yours** it is reported, not raised: a short episode, a fall or a mark near the centre (where a student paid only
# to survive keeps its cart too) can make a check miss, and that is a finding about the demonstration, not an error.

# %%
yours = demo.player == "you"


def assess(name: str, value: float, control: tuple[str, float], **limit: float) -> None:
    """A checkpoint with its control beside it; on a person's demonstration a miss is reported, not raised."""
    try:
        checkpoint(name, value, control=control, **limit)
    except AssertionError as miss:
        if not yours:
            raise
        print(f"{miss} (reported: your demonstration, not the stand-in's)")


gail, ctrl, bc, untrained_row = rows["GAIL"], rows["survival control"], rows["BC"], rows["untrained"]
assess("GAIL's mean return", gail["return"], ("the untrained student", untrained_row["return"]), at_least=SOLVED_RETURN)
assess("GAIL's habit gap to yours (m)", gail["gap"], ("the survival control", ctrl["gap"]), at_most=HABIT_GAP)
assess("the control's habit gap to yours (m)", ctrl["gap"], ("GAIL", gail["gap"]), at_least=HABIT_GAP)
assess("BC's habit gap to yours (m)", bc["gap"], ("the survival control", ctrl["gap"]), at_most=HABIT_GAP)
record("the player's habit", player_habit)
for name, r in rows.items():  # for the seed sweep's table (benchmarks/check_seeds.py); prints nothing
    for key in ("return", "habit", "gap"):
        record(f"{name}: {key}", r[key])

# %% [markdown]
# Read the table and the picture: the return cannot tell GAIL from the control (both balance), the habit can. GAIL
# never saw your mark, only your pairs; the discriminator told it where your cart stood. BC copied your pushes state
# by state and reached the same place without playing. If you played yourself, compare the rows with your own habit:
# how close did each student come to *your* way of playing?
#
# The same checks over many seeds of the stand-in (each seed its own start states, students and evaluation; the seed
# sweep, `benchmarks/check_seeds.py --notebooks 08-08`, on seeds that played no part in choosing any setting):
#
# <!-- sweep: 08-checkpoints -->
# Seeds 3000–3039 (this CPU) and 3100–3149 (plain kernels): 90 seeds.
#
# | checkpoint | limit | held | learner: median (worst) | its control | control: range |
# |---|---|---|---|---|---|
# | GAIL's mean return | ≥ 195 | 90/90 | 200 (200) | the untrained student | 9.14–60.8 |
# | GAIL's habit gap to yours (m) | ≤ 0.4 | 90/90 | 0.05 (0.15) | the survival control | 0.66–1.31 |
# | the control's habit gap to yours (m) | ≥ 0.4 | 90/90 | 0.94 (0.66) | GAIL | 0.00–0.15 |
# | BC's habit gap to yours (m) | ≤ 0.4 | 90/90 | 0.03 (0.11) | the survival control | 0.66–1.31 |
# | the stand-in's own habit (m) | — | — | -0.95 (-0.98–-0.92) | | |
# <!-- /sweep -->

# %% [markdown]
# ## 4. What a person's demonstration changes
#
# The expert of notebook 01 never tired, never fell, and pushed the same way every time it saw the same state. A
# person does none of that. Three demonstrations of the stand-in, each recorded through the game like the one
# above, each with one human failing:
#
# - **fewer pairs**: it keeps the episode after 50 steps, when its cart has only just set off;
# - **a fall inside**: it lets go at step 150 and pushes right until the pole falls (terminated);
# - **shaky pushes**: on each step, with probability 0.1, it pushes the other way than its controller says, so
#   similar states get different answers.
#
# GAIL and BC train on each, as above; each is judged against where the stand-in means to keep the cart (the full
# demonstration's habit). `train_gail` treats the fall as any other pairs: plain GAIL reads the pairs and never
# `terminated` (only absorbing states, notebook 05, use it).

# %%
full = play_scripted(cartpole_game(seed=SEED), ScriptedPlayer(mark=-1.0))
target = helpers.habit_of(full.states)
variants = {
    "fewer pairs": play_scripted(cartpole_game(seed=SEED), ScriptedPlayer(mark=-1.0), steps=50),
    "a fall inside": play_scripted(cartpole_game(seed=SEED), ScriptedPlayer(mark=-1.0, lets_go_at=150)),
    "shaky pushes": play_scripted(cartpole_game(seed=SEED), ScriptedPlayer(mark=-1.0, shaky=0.1, seed=SEED)),
}
changes = {}
for name, kept in variants.items():
    pairs = {"states": kept.states, "actions": kept.actions, "terminated": kept.terminated, "meta": {}}
    student, _, _ = helpers.train_gail(pairs, SEED, config, progress=False)
    cloned, _ = helpers.train_bc(kept.states, kept.actions, epochs=BC_EPOCHS, hidden=config.ppo.hidden, seed=SEED)
    changes[name] = {"pairs": len(kept), "fell": kept.fell, "GAIL": judge(student.policy), "BC": judge(cloned)}
print(f"the stand-in's full demonstration: habit {target:+.2f}; each student's gap is to it")
print(f"{'':14s} {'pairs':>5s} {'fell':>5s} | {'GAIL: return':>12s} {'habit':>6s} {'gap':>5s} | "
      f"{'BC: return':>10s} {'habit':>6s} {'gap':>5s}")  # fmt: skip
for name, c in changes.items():
    g, b = c["GAIL"], c["BC"]
    g_gap, b_gap = abs(g["habit"] - target), abs(b["habit"] - target)
    print(f"{name:14s} {c['pairs']:5d} {'yes' if c['fell'] else 'no':>5s} | {g['return']:12.1f} {g['habit']:+6.2f} "
          f"{g_gap:5.2f} | {b['return']:10.1f} {b['habit']:+6.2f} {b_gap:5.2f}")  # fmt: skip
    for learner, r in (("GAIL", g), ("BC", b)):  # for the seed sweep's table; prints nothing
        record(f"{name}, {learner}: return", r["return"])
        record(f"{name}, {learner}: gap", abs(r["habit"] - target))

# %% [markdown]
# What to compare in the table, row by row (the sweep below counts, over many seeds, how often each student still
# keeps the stand-in's habit and balances):
#
# - **Fewer pairs.** The cart has barely left the centre when the demonstration stops: does either student still go
#   where the stand-in was heading? BC can only copy the 50 states it has; GAIL matches the occupancy of a journey
#   that never arrived.
# - **A fall inside.** BC copies the pushes that let the pole fall, in the states where the stand-in gave up; GAIL is
#   paid −log D > 0 on every step it survives. Which one falls?
# - **Shaky pushes.** BC learns the majority push in each state, which is the controller's; GAIL matches the shaky
#   occupancy, pairs and all. Does one in ten wrong pushes move either habit?
#
# <!-- sweep: 08-changes -->
# Seeds 3000–3039 (this CPU) and 3100–3149 (plain kernels): 90 seeds.
#
# | demonstration, learner | gap ≤ 0.4 | return ≥ 195 | gap: median (worst) | return: median (lowest) |
# |---|---|---|---|---|
# | fewer pairs, GAIL | 13/90 | 64/90 | 0.61 (0.98) | 200 (81.7) |
# | fewer pairs, BC | 69/90 | 47/90 | 0.30 (0.54) | 195.9 (111.3) |
# | a fall inside, GAIL | 90/90 | 90/90 | 0.04 (0.12) | 200 (200) |
# | a fall inside, BC | 66/90 | 4/90 | 0.19 (0.90) | 155.7 (27.9) |
# | shaky pushes, GAIL | 86/90 | 89/90 | 0.04 (0.96) | 200 (84.3) |
# | shaky pushes, BC | 86/90 | 84/90 | 0.03 (1.00) | 200 (11.8) |
# <!-- /sweep -->

# %% [markdown]
# ### Coding exercise: the same state, answered both ways
#
# BC learns the majority push in each state, so a demonstration in which near states got different pushes gives it
# less to go on. How often does that happen? For a demonstration (s_i, a_i), i = 1, …, N:
#
# > j(i) = argmin_{j ≠ i} ‖s_i − s_j‖ (the nearest **other** recorded state, Euclidean, on the states as recorded)
# >
# > conflicting pushes = (1/N) Σ_i [a_{j(i)} ≠ a_i], the share of states whose nearest other state got the other push.
#
# Write `my_conflicting_pushes(states, actions)`: `states` `[N, 4]` float, `actions` `[N, 1]` (0 or 1), as a
# demonstration file holds them; return the share as one number. The check tries your function on five pairs of
# near-twin states recorded out of order (two pairs answered both ways), then on random states, and names the mistake
# if it recognises one. Squared distances, a loop or `torch.cdist` all pass.


# %%
def my_conflicting_pushes(states: torch.Tensor, actions: torch.Tensor) -> float:
    """The share of states whose nearest other state (Euclidean) got the other push."""
    ### BEGIN SOLUTION
    states = states.double()  # in float32, cdist's shortcut (a matrix product) can swap two near states
    distance = torch.cdist(states, states)  # [N, N]: ||s_i - s_j||
    distance.fill_diagonal_(float("inf"))  # a state is not its own neighbour
    nearest = distance.argmin(dim=1)  # j(i)
    pushes = actions.reshape(-1)  # [N, 1] -> [N]
    return (pushes[nearest] != pushes).float().mean().item()
    ### END SOLUTION


check.conflicting_pushes(my_conflicting_pushes)

# %% [markdown]
# The notebook goes on with the helper, `helpers.conflicting_pushes` (the same share), on yours if you played
# (section 2), on the stand-in's steady and shaky demonstrations from above, and on the expert's
# (`data/expert_demos.pt`, notebook 02's: greedy, so it answers each state one way only). It draws no random number:
# the students above trained exactly as before.

# %%
expert_demos = helpers.load_demos(data / "expert_demos.pt")
shaky = variants["shaky pushes"]
compared = {"yours (section 2)": (demos["states"], demos["actions"])} if yours else {}  # else: the steady one
compared |= {
    "stand-in, steady": (full.states, full.actions),
    "stand-in, shaky": (shaky.states, shaky.actions),
    "the expert (02)": (expert_demos["states"], expert_demos["actions"]),
}
share = {name: helpers.conflicting_pushes(states, actions) for name, (states, actions) in compared.items()}
print(f"{'demonstration':18s} {'pairs':>5s} {'conflicting pushes':>18s}")
for name, (states, _) in compared.items():
    print(f"{name:18s} {len(states):5d} {share[name]:18.3f}")
print(f"the shaky hand's share minus the steady one's: {share['stand-in, shaky'] - share['stand-in, steady']:+.3f}")

# %% [markdown]
# Read the column: even the steady stand-in and the expert, which never answer one state two ways, score above 0.
# Their pushes switch sides many times a second, and a state's nearest recorded neighbour often lies on the other side
# of that switch. So the share is not a count of mistakes: compare it between demonstrations. The last line shows
# what one wrong push in ten did to the share on this seed, beside the share the same stand-in has without any wrong
# push. BC learns the majority push among near states, so a wrong push among right ones is outvoted, which fits the
# sweep above: shaky pushes move BC's habit on few seeds.
# If you played, where does your own demonstration fall?

# %% [markdown]
# ## Summary
#
# - A person's episode is a demonstration like the expert's: (state, push) pairs, saved and checked by the same code,
#   with the person's mark in its metadata; a fall ends it honestly (terminated).
# - Under papermill and the tests a scripted stand-in plays through the same game, so every cell runs without you.
# - GAIL and BC, trained on the pairs alone, keep the cart where the demonstrator kept it; the survival control,
#   trained as long, does not: the habit, not the return, shows whose demonstration a student learned.
# - A person's demonstration is short, may fall, and answers the same state differently: BC copies what it is shown,
#   mistakes included; GAIL matches where the demonstrator went.

# %% [markdown]
# ## Exercises
#
# 1. Play with your mark near the centre (x = 0) and keep a full episode. What do the checkpoints say about the
#    control, and why?
# 2. Keep an episode in which you let the pole fall on purpose after a few dozen steps. Which student falls?
# 3. Play in real time at a speed you can barely hold, then turn by turn. Which demonstration do the students copy
#    better, and how do the state traces differ?

# %% [markdown] tags=["solution"]
# <details><summary>Solutions</summary>
#
# 1. The control's check is reported as missed (or its own control, GAIL, passes it too): a student paid only for
#    surviving keeps its cart near the centre, so a habit at the centre is where the control goes anyway. GAIL and BC
#    may still pass their own checks, but the habit no longer shows that they imitated you. That is why the series'
#    expert was paid to keep its cart at 1.5 m, and why the stand-in's mark is −1.
# 2. Look at BC's return beside your warning: BC copies the pushes you gave while the pole went down, in those
#    states, so once its episodes reach them it tends to fall where you did (section 4's sweep counts how often on
#    the stand-in). GAIL's student mostly keeps balancing: every step it survives pays −log D > 0, whatever D thinks
#    of the fall.
# 3. Expect real time to give shakier pairs (late and repeated pushes: similar states answered both ways) and turn by
#    turn steadier ones; compare the two state traces. Section 4's shaky stand-in shows what one wrong push in ten
#    does; a fall or an early keep, which real time makes likelier, does more harm to BC than the shake.
#
# </details>

# %% [markdown]
# [← 07 Continuous actions](07_continuous_actions.ipynb) · [contents](../README.md)
