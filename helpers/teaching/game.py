"""A CartPole a person plays in JupyterLab (notebook 08): keys or buttons, turn by turn or in real time.

The game is one ``anywidget`` widget: the browser draws the cart on a canvas and reads the keys, the kernel steps
Gymnasium's own CartPole and records every (state, push) pair. Why ``anywidget`` and a front-end clock (measured in
``benchmarks/your_demo_notes.md``): one widget holds the drawing, the keys and the buttons, so it can take the
keyboard focus and keep the arrow keys from JupyterLab; a step sends four numbers, not a picture; its front-end
ships inside the Python package (no JupyterLab extension to build).

Every action reaches the game as a message, a small dict, through ``CartPoleGame.handle``: the browser sends them
(``{"event": "push", "action": 1}`` for a key press in turn mode, ``{"event": "tick", "action": 0}`` for one step of
the real-time clock, ``{"event": "keep"}``, ...), and so does ``play_scripted`` where no browser exists (papermill,
nbval, ``make run``): a scripted player records its episode through the same code a person's goes through.

Real time: the **browser** keeps the clock. It sends one ``tick`` per step at the chosen speed and waits for the
kernel's answer before the next one, so the kernel never runs a loop that would keep the widget's messages waiting,
and a busy kernel slows the game down instead of letting the pole fall unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anywidget
import numpy as np
import torch
import traitlets

from helpers.core.env import MAX_STEPS, make_env

CSS_CLASS = "il-cartpole-game"
"""The CSS class of the game's root (``docs/standins.py`` replaces the game by a picture on the website)."""
SPEEDS = (2, 30)
"""Real-time speeds a person may choose, in steps per second (Gymnasium's CartPole runs at 50: too fast to hold)."""
DEFAULT_SPEED = 8
"""Steps per second in real time: slow enough to react to, fast enough for the pole to feel alive."""
MARK_RANGE = (-2.0, 2.0)
"""Where a person may put their mark, in metres (the track ends at ±2.4)."""


@dataclass
class Kept:
    """An episode a player kept: its pairs, how it ended, the player's mark and who played."""

    states: torch.Tensor  # s_t, float32 [T, 4]
    actions: torch.Tensor  # a_t, int64 [T, 1]
    terminated: torch.Tensor  # bool [T]: True on the last step if the pole fell (or the cart left the track)
    mark: float  # where the player meant to keep the cart
    player: str  # "you" or the name of a scripted stand-in
    mode: str  # "turns" or "real time"

    @property
    def fell(self) -> bool:
        """True if the episode ended by a fall (terminated), not by the cap or a keep before the end."""
        return bool(self.terminated[-1])

    def __len__(self) -> int:
        """Number of (state, push) pairs."""
        return len(self.actions)


_ESM = r"""
const W = 600, H = 215, SCALE = W / (2 * 2.4);   // the track (x from -2.4 to 2.4 m) fills the canvas's width
function el(tag, props = {}, ...kids) {
  const e = Object.assign(document.createElement(tag), props);
  for (const k of kids) e.append(k);
  return e;
}
function draw(ctx, model) {
  const [x, , theta] = model.get("state"), mark = model.get("mark"), track = 165;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
  ctx.strokeStyle = "#000"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(0, track); ctx.lineTo(W, track); ctx.stroke();
  const mx = W / 2 + mark * SCALE;                  // the player's mark: a green triangle under the track
  ctx.fillStyle = "#28a028";
  ctx.beginPath(); ctx.moveTo(mx, track + 8); ctx.lineTo(mx - 8, track + 22); ctx.lineTo(mx + 8, track + 22);
  ctx.fill();
  ctx.fillText("your mark", mx - 22, track + 34);
  const cx = W / 2 + x * SCALE;                     // the cart, and the pole hinged on it
  ctx.fillStyle = "#222"; ctx.fillRect(cx - 25, track - 15, 50, 30);
  const len = 1.0 * SCALE;                          // the pole is 1 m long
  ctx.strokeStyle = "#ca9865"; ctx.lineWidth = 8; ctx.lineCap = "round";
  ctx.beginPath(); ctx.moveTo(cx, track - 10);
  ctx.lineTo(cx + len * Math.sin(theta), track - 10 - len * Math.cos(theta)); ctx.stroke();
  ctx.fillStyle = "#8184cb"; ctx.beginPath(); ctx.arc(cx, track - 10, 4, 0, 2 * Math.PI); ctx.fill();
}
export default {
  render({ model, el: root }) {
    root.classList.add("il-cartpole-game");
    const canvas = el("canvas", { width: W, height: H, className: "il-game-canvas", tabIndex: 0 });
    canvas.style.cssText = "border:1px solid #bbb; outline-offset:2px; display:block";
    const ctx = canvas.getContext("2d");
    ctx.font = "12px sans-serif";
    const info = el("div", { className: "il-game-info" });
    const hint = el("div", { className: "il-game-hint" });
    const left = el("button", { textContent: "◀ push left", className: "il-game-left" });
    const right = el("button", { textContent: "push right ▶", className: "il-game-right" });
    const restart = el("button", { textContent: "restart", className: "il-game-restart" });
    const keep = el("button", { textContent: "keep this episode", className: "il-game-keep" });
    const mode = el("select", { className: "il-game-mode" },
      el("option", { value: "turns", textContent: "turn by turn" }),
      el("option", { value: "real time", textContent: "real time" }));
    const speed = el("input", { type: "range", min: model.get("speed_range")[0], max: model.get("speed_range")[1],
                                step: 1, className: "il-game-speed" });
    const speedText = el("span");
    const mark = el("input", { type: "range", min: -2, max: 2, step: 0.1, className: "il-game-mark" });
    const markText = el("span");
    const row = (...kids) => el("div", { className: "il-game-row" }, ...kids);
    root.append(canvas, info,
      row(left, right, restart, keep),
      row(el("label", { textContent: "mode " }, mode), el("label", { textContent: " speed " }, speed), speedText,
          el("label", { textContent: " your mark " }, mark), markText),
      hint);
    for (const r of root.querySelectorAll(".il-game-row")) r.style.cssText = "margin:4px 0; display:flex; gap:6px";

    let held = null, waiting = false, timer = null, lastTick = 0;
    const send = (content) => model.send(content);
    const realTime = () => model.get("mode") === "real time";
    function tick() {                                // one real-time step; the next only once the kernel answered
      timer = null;
      if (!realTime() || !model.get("running") || waiting) return;
      waiting = true; lastTick = performance.now();
      send({ event: "tick", action: held });
    }
    function schedule() {
      if (timer !== null || !realTime() || !model.get("running") || waiting) return;
      const period = 1000 / model.get("speed");
      timer = setTimeout(tick, Math.max(0, period - (performance.now() - lastTick)));
    }
    function press(action) {
      if (realTime()) {
        held = action;
        if (!model.get("running") && model.get("status") === "ready") send({ event: "start" });
      } else {
        send({ event: "push", action });
      }
    }
    function release(action) { if (held === action) held = null; }
    canvas.addEventListener("keydown", (e) => {
      const action = { ArrowLeft: 0, ArrowRight: 1 }[e.key];
      if (action === undefined) return;
      e.preventDefault(); e.stopPropagation();      // the arrow keys are the game's, not JupyterLab's
      if (!e.repeat) press(action);                 // a key held down repeats: one push per press
    });
    canvas.addEventListener("keyup", (e) => {
      const action = { ArrowLeft: 0, ArrowRight: 1 }[e.key];
      if (action === undefined) return;
      e.preventDefault(); e.stopPropagation();
      release(action);
    });
    canvas.addEventListener("blur", () => { held = null; });
    for (const [button, action] of [[left, 0], [right, 1]]) {
      button.addEventListener("mousedown", (e) => e.preventDefault());  // the keys stay with the canvas
      button.addEventListener("pointerdown", (e) => { e.preventDefault(); canvas.focus(); press(action); });
      button.addEventListener("pointerup", () => { release(action); canvas.focus(); });
      button.addEventListener("pointerleave", () => release(action));
    }
    restart.addEventListener("click", () => { held = null; send({ event: "restart" }); canvas.focus(); });
    keep.addEventListener("click", () => send({ event: "keep" }));
    mode.addEventListener("change", () => { held = null; send({ event: "mode", mode: mode.value }); canvas.focus(); });
    speed.addEventListener("input", () => { model.set("speed", Number(speed.value)); model.save_changes(); });
    mark.addEventListener("input", () => { model.set("mark", Number(mark.value)); model.save_changes(); });

    function update() {
      draw(ctx, model);
      const [x, , theta] = model.get("state");
      info.textContent = `t = ${model.get("step")} / ${model.get("max_steps")}   x = ${x.toFixed(2)} m   ` +
        `θ = ${theta.toFixed(3)} rad   ${model.get("message")}`;
      info.style.cssText = "font-family:monospace; white-space:pre; margin:4px 0";
      hint.textContent = model.get("hint");
      mode.value = model.get("mode");
      speed.value = model.get("speed"); speedText.textContent = `${model.get("speed")} steps/s`;
      mark.value = model.get("mark"); markText.textContent = `x = ${model.get("mark").toFixed(1)} m`;
      const over = model.get("status") !== "ready" && model.get("status") !== "playing";
      left.disabled = right.disabled = over;
      keep.disabled = model.get("step") === 0;
    }
    model.on("change:step", () => { waiting = false; update(); schedule(); });
    model.on("change:running", () => { waiting = false; schedule(); });
    for (const name of ["state", "mark", "message", "hint", "mode", "speed", "status"])
      model.on(`change:${name}`, update);
    model.on("msg:custom", (msg) => { if (msg.event === "answer") { waiting = false; schedule(); } });
    update();
    canvas.focus({ preventScroll: true });
  },
};
"""


class CartPoleGame(anywidget.AnyWidget):
    """CartPole for a person: ← / → or the buttons push the cart; "turn by turn" waits for each push, "real time"
    steps at ``speed`` steps per second with the push held (none held: the cart coasts, left and right in turn).

    The kernel side steps Gymnasium's CartPole (200-step cap), records each (state, push) pair, and on "keep this
    episode" stores the episode in ``kept`` (a ``Kept``). Every input arrives through ``handle``.
    """

    _esm = _ESM
    state = traitlets.List(traitlets.Float(), default_value=[0.0, 0.0, 0.0, 0.0]).tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    max_steps = traitlets.Int(MAX_STEPS).tag(sync=True)
    mark = traitlets.Float(0.0).tag(sync=True)
    mode = traitlets.Unicode("turns").tag(sync=True)
    speed = traitlets.Int(DEFAULT_SPEED).tag(sync=True)
    speed_range = traitlets.List(traitlets.Int(), default_value=list(SPEEDS)).tag(sync=True)
    running = traitlets.Bool(False).tag(sync=True)
    status = traitlets.Unicode("ready").tag(sync=True)  # ready | playing | fell | full (the cap) | kept
    message = traitlets.Unicode("").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)

    def __init__(self, seed: int | None = None, mark: float = 0.0, mode: str = "turns", speed: int = DEFAULT_SPEED):
        super().__init__(mark=float(mark), mode=mode, speed=int(speed))
        if mode not in ("turns", "real time"):
            raise ValueError(f"mode must be 'turns' or 'real time', got {mode!r}")
        self.add_class(CSS_CLASS)
        self.env = make_env(seed=seed)
        self.kept: Kept | None = None
        self._first_reset_seed = seed
        self.on_msg(lambda _widget, content, _buffers: self.handle(content))
        self.handle({"event": "restart"})

    # ---------------------------------------------------------------- everything arrives here
    def handle(self, content: dict[str, Any]) -> None:
        """Act on one message from the browser (or from a scripted player): push, tick, start, restart, keep, mode."""
        event = content.get("event")
        if event == "push":  # turn mode: one step with this push
            self._step(int(content["action"]))
        elif event == "tick":  # real time: one step of the browser's clock, with the push held (None: coast)
            if self.mode == "real time" and self.running:  # a tick still on its way after a restart does nothing
                action = content.get("action")
                self._step(self._coast() if action is None else int(action))
            self.send({"event": "answer"})
        elif event == "start":
            if self.status == "ready":
                self.status, self.running = "playing", self.mode == "real time"
        elif event == "restart":
            self._restart()
        elif event == "keep":
            self._keep()
        elif event == "mode":
            self.mode = "real time" if content.get("mode") == "real time" else "turns"
            self._restart()

    # ---------------------------------------------------------------- the game
    def _restart(self) -> None:
        seed, self._first_reset_seed = self._first_reset_seed, None  # later episodes continue the seeded stream
        obs, _ = self.env.reset(seed=seed)
        self._obs = np.asarray(obs, dtype=np.float32)
        self._states: list[np.ndarray] = []
        self._actions: list[int] = []
        self._terminated = False
        self._coasting = 0
        self.player = "you"  # a scripted player names itself after its restart (play_scripted)
        self.running = False
        self.status = "ready"
        self.state = [float(v) for v in self._obs]
        self.step = 0
        self.message = ""
        self.hint = (
            "Click the picture, then press ← or → (or the buttons): each press is one push, and the pole waits."
            if self.mode == "turns"
            else "Click the picture, then hold ← or → to start. No key held: the cart coasts (left and right in turn)."
        )

    def _coast(self) -> int:
        self._coasting ^= 1
        return self._coasting

    def _step(self, action: int) -> None:
        if self.status not in ("ready", "playing") or action not in (0, 1):
            return
        self.status = "playing"
        self._states.append(self._obs)
        self._actions.append(action)
        obs, _, terminated, truncated, _ = self.env.step(action)
        self._obs = np.asarray(obs, dtype=np.float32)
        self._terminated = bool(terminated)
        self.state = [float(v) for v in self._obs]
        if terminated or truncated:
            self.running = False
            self.status = "fell" if terminated else "full"
            self.message = (
                "the pole fell: the episode ends here (terminated)"
                if terminated
                else f"{len(self._actions)} steps: the cap"
            )
            self.hint = "Keep this episode, or restart."
        self.step = len(self._actions)  # last: the browser takes a new step as the answer to its tick

    def _keep(self) -> None:
        if not self._actions:
            return
        n = len(self._actions)
        terminated = torch.zeros(n, dtype=torch.bool)
        terminated[-1] = self._terminated
        self.kept = Kept(
            states=torch.as_tensor(np.stack(self._states), dtype=torch.float32),
            actions=torch.tensor(self._actions, dtype=torch.int64).unsqueeze(-1),
            terminated=terminated,
            mark=float(self.mark),
            player=self.player,
            mode=self.mode,
        )
        self.running = False
        self.status = "kept"
        self.message = f"kept: {n} pairs" + (", ending in a fall" if self._terminated else "")
        self.hint = "Kept. Run the next cell; restart to play again (keeping again replaces this episode)."

    @property
    def pairs(self) -> int:
        """Pairs recorded in the current episode so far."""
        return len(self._actions)


def cartpole_game(seed: int | None = None, mark: float = 0.0, mode: str = "turns", speed: int = DEFAULT_SPEED):
    """The game, ready to display: CartPole from start ``seed``, the player's ``mark`` drawn under the track."""
    return CartPoleGame(seed=seed, mark=mark, mode=mode, speed=speed)


@dataclass
class ScriptedPlayer:
    """A stand-in for a person: a linear controller that keeps the pole up and the cart near its own ``mark``.

    It pushes right when k_x (x - mark) + k_v x_dot + k_theta theta + k_omega theta_dot > 0, a bang-bang version of
    the textbook linear feedback for CartPole (to move the cart left, it first pushes right so that the pole leans
    left). Two human failings can be switched on: ``shaky`` answers a share of the states with the other push, and
    ``lets_go_at`` stops balancing at that step (it then pushes right until the pole falls).
    """

    mark: float = -1.0
    """Where it keeps the cart (a person picks theirs with the slider)."""
    gains: tuple[float, float, float, float] = (1.0, 1.5, 10.0, 2.0)
    """k_x, k_v, k_theta, k_omega."""
    shaky: float = 0.0
    """Probability, each step, of the other push than the controller's (drawn from its own generator)."""
    lets_go_at: int | None = None
    """The step from which it only pushes right, until the pole falls (None: never)."""
    seed: int = 0
    """Seeds the shaky pushes."""
    name: str = "scripted stand-in (mark x = -1)"
    """How the saved file names this player."""

    def __post_init__(self) -> None:
        """A generator of its own, so a shaky player draws nothing from the notebook's random streams."""
        self.rng = np.random.default_rng(self.seed)

    def push(self, state: np.ndarray, t: int) -> int:
        """1 (right) or 0 (left) in ``state`` = (x, x_dot, theta, theta_dot) at step ``t`` of the episode."""
        if self.lets_go_at is not None and t >= self.lets_go_at:
            return 1
        x, x_dot, theta, theta_dot = (float(v) for v in state)
        k_x, k_v, k_theta, k_omega = self.gains
        action = int(k_x * (x - self.mark) + k_v * x_dot + k_theta * theta + k_omega * theta_dot > 0)
        if self.shaky > 0 and self.rng.random() < self.shaky:
            action = 1 - action
        return action


def play_scripted(game: CartPoleGame, player: ScriptedPlayer, steps: int | None = None) -> Kept:
    """Let ``player`` play one episode of ``game`` and keep it, through the messages the browser would send.

    ``steps`` stops it early (a short demonstration); by default it plays until the pole falls or the cap.
    In turn mode each push is a ``push`` message, in real time a ``start`` then one ``tick`` per step.
    """
    game.handle({"event": "restart"})
    game.player = player.name
    mark, game.mark = game.mark, player.mark
    if game.mode == "real time":
        game.handle({"event": "start"})
    while game.status in ("ready", "playing") and (steps is None or game.pairs < steps):
        action = player.push(np.asarray(game.state), game.pairs)
        game.handle({"event": "tick" if game.mode == "real time" else "push", "action": action})
    game.handle({"event": "keep"})
    game.mark = mark  # the slider is the person's again
    assert game.kept is not None
    return game.kept


def demo_warnings(kept: Kept, full: int = MAX_STEPS) -> list[str]:
    """What a short or fallen demonstration will do to the students, in words (empty for a full, upright one)."""
    notes = []
    if kept.fell:
        notes.append(
            f"the episode ends in a fall after {len(kept)} pushes (terminated). Its last pairs show the pole going "
            "down and the pushes that let it: BC copies those pushes in those states, and GAIL's discriminator counts "
            "them as yours (plain GAIL never sees that the episode ended; section 4 measures what it costs)."
        )
    elif len(kept) < full:
        notes.append(
            f"{len(kept)} pairs, fewer than the {full} of a full episode: the students see nothing of what you "
            "would have done afterwards. BC has fewer states to copy, and if you stopped before reaching your mark, "
            "no example of staying there (section 4 measures a short demonstration)."
        )
    if len(kept) < 100:
        notes.append(
            f"its habit is measured over all its {len(kept)} steps (fewer than 100), the journey included: where "
            "the cart was on the way, not only where you kept it."
        )
    return notes
