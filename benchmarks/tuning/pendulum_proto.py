"""Prototype for notebook 07 (Pendulum, continuous actions): expert with a habit, GAIL, BC, control; timings.

Self-contained on purpose (written while ``helpers/`` was being split into layers); what it measured is in
``benchmarks/pendulum_notes.md``. Costs are process seconds (``time.process_time``): the machine was shared.

    .venv/bin/python -m benchmarks.tuning.pendulum_proto --seeds 0-3 --set steps=192000 target=0.25 w=4 anneal=True
    .venv/bin/python -m benchmarks.tuning.pendulum_proto imitate --seeds 0-11 --set anneal=True --gail demos=4 \
        --student anneal=True --runs gail,bc,bc_many,control

Experts are cached in /tmp/pend_experts (by their settings and seed).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

MAX_TORQUE = 2.0
T = 200


def angle_normalize(x):
    """Angle in [-pi, pi)."""
    return ((x + np.pi) % (2 * np.pi)) - np.pi


class PendulumBatch:
    """n Pendulum-v1 at once (Gymnasium's equations, float64 state), reward with an optional target angle."""

    max_speed, dt, g, m, length = 8.0, 0.05, 10.0, 1.0, 1.0

    def __init__(self, n: int, target: float = 0.0, max_steps: int = T, w: float = 0.0) -> None:
        self.n, self.target, self.max_steps, self.w = n, target, max_steps, w
        self.rng = np.random.default_rng()
        self.state = np.zeros((n, 2))
        self.steps = 0

    def obs(self) -> np.ndarray:
        th, thdot = self.state.T
        return np.stack([np.cos(th), np.sin(th), thdot], 1).astype(np.float32)

    def reset(self, seed: int | None = None) -> np.ndarray:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform([-np.pi, -1.0], [np.pi, 1.0], size=(self.n, 2))
        self.steps = 0
        return self.obs()

    def step(self, u: np.ndarray):
        th, thdot = self.state.T
        u = np.clip(u, -MAX_TORQUE, MAX_TORQUE)
        d = angle_normalize(th - self.target)
        cost = d**2 + self.w * np.abs(d) + 0.1 * thdot**2 + 0.001 * u**2
        newthdot = thdot + (3 * self.g / (2 * self.length) * np.sin(th) + 3.0 / (self.m * self.length**2) * u) * self.dt
        newthdot = np.clip(newthdot, -self.max_speed, self.max_speed)
        newth = th + newthdot * self.dt
        self.state = np.stack([newth, newthdot], 1)
        self.steps += 1
        return self.obs(), (-cost).astype(np.float32), self.steps >= self.max_steps


class Gaussian(nn.Module):
    """pi(a|s) = N(mu(s), sigma), state-independent log sigma; actions in units of max torque."""

    def __init__(self, hidden: int = 64, log_std: float = 0.0, layers: int = 2) -> None:
        super().__init__()
        self.mu = mlp(3, 1, hidden, layers)
        self.log_std = nn.Parameter(torch.full((1,), log_std))

    def dist(self, s):
        return torch.distributions.Normal(self.mu(s), self.log_std.exp())


def mlp(n_in: int, n_out: int, hidden: int, layers: int) -> nn.Module:
    mods, d = [], n_in
    for _ in range(layers):
        mods += [nn.Linear(d, hidden), nn.Tanh()]
        d = hidden
    return nn.Sequential(*mods, nn.Linear(d, n_out))


def value_net(hidden: int = 64, layers: int = 2) -> nn.Module:
    return mlp(3, 1, hidden, layers)


@dataclass
class Cfg:
    n_envs: int = 32
    gamma: float = 0.95
    lam: float = 0.95
    lr: float = 1e-3
    epochs: int = 10
    minibatch: int = 512
    clip: float = 0.2
    reward_scale: float = 1 / 8
    hidden: int = 64
    layers: int = 2
    log_std: float = 0.0
    steps: int = 160_000
    target: float = 0.0
    w: float = 0.0
    anneal: bool = False
    ent: float = 0.0
    norm_adv: bool = True


@dataclass
class Batch:
    s: torch.Tensor  # [T, n, 3]
    a: torch.Tensor  # [T, n, 1] raw sample (policy units)
    r: torch.Tensor  # [T, n] env reward
    s_last: torch.Tensor  # [n, 3] s_T (bootstrap)
    th: np.ndarray  # [T, n] angle (normalized) before each step


@torch.no_grad()
def play(envs: PendulumBatch, pi: Gaussian, greedy: bool = False, seed: int | None = None) -> Batch:
    o = envs.reset(seed)
    S, A, R, TH = [], [], [], []
    for _ in range(envs.max_steps):
        s = torch.from_numpy(o)
        d = pi.dist(s)
        a = d.mean if greedy else d.sample()
        TH.append(angle_normalize(envs.state[:, 0].copy()))
        o, r, _ = envs.step(MAX_TORQUE * a[:, 0].clamp(-1, 1).double().numpy())
        S.append(s)
        A.append(a)
        R.append(torch.from_numpy(r))
    return Batch(torch.stack(S), torch.stack(A), torch.stack(R), torch.from_numpy(o), np.stack(TH))


def habit(b: Batch) -> np.ndarray:
    """Per episode: mean angle over the last 100 steps."""
    return b.th[-100:].mean(0)


def gae(r, v, v_last, gamma, lam):
    """r, v: [T, n]; fixed horizon, bootstrap v_last at the cut."""
    adv = torch.zeros_like(r)
    run = torch.zeros(r.shape[1])
    nxt = v_last
    for t in range(r.shape[0] - 1, -1, -1):
        delta = r[t] + gamma * nxt - v[t]
        run = delta + gamma * lam * run
        adv[t] = run
        nxt = v[t]
    return adv


class PPO:
    def __init__(self, c: Cfg, adam=torch.optim.Adam) -> None:
        self.c = c
        self.pi, self.v = Gaussian(c.hidden, c.log_std, c.layers), value_net(c.hidden, c.layers)
        self.opt = adam(list(self.pi.parameters()) + list(self.v.parameters()), lr=c.lr)

    def update(self, b: Batch, r: torch.Tensor, frac: float = 0.0) -> None:
        c = self.c
        if c.anneal:
            for g in self.opt.param_groups:
                g["lr"] = c.lr * (1 - frac)
        with torch.no_grad():
            v = self.v(b.s)[..., 0]
            v_last = self.v(b.s_last)[..., 0]
            adv = gae(r * c.reward_scale, v, v_last, c.gamma, c.lam)
            ret = adv + v
            old = self.pi.dist(b.s).log_prob(b.a)[..., 0]
        s, a, adv, ret, old = (x.flatten(0, 1) for x in (b.s, b.a, adv, ret, old))
        n = len(s)
        for _ in range(c.epochs):
            for idx in torch.randperm(n).split(c.minibatch):
                d = self.pi.dist(s[idx])
                logp = d.log_prob(a[idx])[..., 0]
                ratio = (logp - old[idx]).exp()
                A = adv[idx]
                if c.norm_adv:
                    A = (A - A.mean()) / (A.std() + 1e-8)
                pl = -torch.min(ratio * A, ratio.clamp(1 - c.clip, 1 + c.clip) * A).mean()
                vl = F.mse_loss(self.v(s[idx])[..., 0], ret[idx])
                loss = pl + 0.5 * vl - c.ent * d.entropy().mean()
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()


def evaluate(pi: Gaussian, seed: int, n: int = 100, target: float = 0.0) -> dict:
    """Greedy fresh episodes: mean return (Pendulum's own), habit mean/std."""
    envs = PendulumBatch(n, 0.0)
    b = play(envs, pi, greedy=True, seed=seed)
    h = habit(b)
    up = np.abs(b.th[-100:]).max(0) < np.pi / 4
    hu = h[up]
    return {
        "return": float(b.r.sum(0).mean()),
        "habit": float(h.mean()),
        "habit_sd": float(h.std()),
        "upright": float(up.mean()),
        "habit_up": float(hu.mean()) if up.any() else float("nan"),
        "habit_up_sd": float(hu.std()) if up.any() else float("nan"),
    }


def train_rl(c: Cfg, seed: int, log: bool = False, eval_every: int = 0) -> tuple[PPO, float, list]:
    torch.manual_seed(seed)
    agent = PPO(c)
    envs = PendulumBatch(c.n_envs, c.target, w=c.w)
    steps, curve, evals = 0, [], []
    first, spent = True, 0.0
    while steps < c.steps:
        t1 = time.process_time()
        b = play(envs, agent.pi, seed=seed if first else None)
        first = False
        agent.update(b, b.r, steps / c.steps)
        steps += b.r.numel()
        spent += time.process_time() - t1
        if log:
            curve.append((steps, float(b.r.sum(0).mean()), float(habit(b).mean())))
        if eval_every and steps // eval_every != (steps - b.r.numel()) // eval_every:
            ev = evaluate(agent.pi, 20_000 + seed, n=20)
            evals.append((steps, round(spent, 2), round(ev["return"], 1), round(ev["habit"], 3)))
    agent.evals = evals
    return agent, spent, curve


def get_expert(ce: Cfg, seed: int) -> tuple[PPO, float]:
    """The expert of ``ce`` for ``seed``, trained once and cached in /tmp/pend_experts."""
    import hashlib
    import os

    key = hashlib.md5(json.dumps(asdict(ce), sort_keys=True).encode()).hexdigest()[:8]
    path = f"/tmp/pend_experts/{key}_{seed}.pt"
    if os.path.exists(path):
        expert = PPO(ce)
        d = torch.load(path)
        expert.pi.load_state_dict(d["pi"])
        return expert, d["secs"]
    expert, secs, _ = train_rl(ce, seed)
    os.makedirs("/tmp/pend_experts", exist_ok=True)
    torch.save({"pi": expert.pi.state_dict(), "secs": secs}, path)
    return expert, secs


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", default="0-3")
    p.add_argument("--set", nargs="*", default=[], help="Cfg overrides k=v")
    p.add_argument("--out", default=None)
    p.add_argument("--eval-every", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.distributions.Distribution.set_default_validate_args(False)
    lo, hi = (int(x) for x in args.seeds.split("-"))
    c = Cfg()
    for kv in args.set:
        k, v = kv.split("=")
        c = replace(c, **{k: v if isinstance(getattr(c, k), str) else type(getattr(c, k))(eval(v))})
    rows = []
    for seed in range(lo, hi + 1):
        if args.eval_every:
            agent, secs, curve = train_rl(c, seed, log=True, eval_every=args.eval_every)
        else:
            agent, secs = get_expert(c, seed)
            agent.evals = []
        ev = evaluate(agent.pi, 10_000 + seed)
        row = {"seed": seed, "seconds": round(secs, 2), **{k: round(v, 3) for k, v in ev.items()}}
        if agent.evals:
            row["evals"] = agent.evals
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"cfg": asdict(c), "command": " ".join(sys.argv), "rows": rows}, f, indent=1)


# ---------------------------------------------------------------- imitation


@torch.no_grad()
def record(pi: Gaussian, seed: int, n: int) -> dict:
    """n greedy expert episodes: states [n*T, 3], actions [n*T, 1] in torque units (clipped, as the env applied)."""
    envs = PendulumBatch(n)
    b = play(envs, pi, greedy=True, seed=seed)
    a = MAX_TORQUE * b.a.clamp(-1, 1)
    return {
        "states": b.s.transpose(0, 1).reshape(-1, 3),
        "actions": a.transpose(0, 1).reshape(-1, 1),
        "habit": habit(b),
    }


class Disc(nn.Module):
    """l(s, a): standardised state + action / max torque -> hidden -> 1 logit; D = sigmoid(l) = P(student)."""

    def __init__(self, demo_states: torch.Tensor, hidden: int = 64, layers: int = 1) -> None:
        super().__init__()
        self.register_buffer("mean", demo_states.mean(0))
        self.register_buffer("std", demo_states.std(0).clamp_min(1e-3))
        mods, d = [], 4
        for _ in range(layers):
            mods += [nn.Linear(d, hidden), nn.ReLU()]
            d = hidden
        self.net = nn.Sequential(*mods, nn.Linear(d, 1))

    def forward(self, s, torque):
        return self.net(torch.cat([(s - self.mean) / self.std, torque / MAX_TORQUE], -1))[..., 0]


@dataclass
class GCfg:
    demos: int = 1
    disc_steps: int = 10
    disc_lr: float = 1e-3
    disc_hidden: int = 64
    reward: str = "neg_log_d"  # or log_1m_d, logit, const
    disc_batch: int = 1024  # 0: whole batch
    disc_layers: int = 1


def train_gail(c: Cfg, g: GCfg, demos: dict, seed: int) -> tuple[PPO, float, list]:
    torch.manual_seed(seed)
    agent = PPO(c)
    disc = Disc(demos["states"], g.disc_hidden, g.disc_layers)
    dopt = torch.optim.Adam(disc.parameters(), lr=g.disc_lr)
    es, ea = demos["states"], demos["actions"]
    envs = PendulumBatch(c.n_envs)
    steps, first, spent, evals = 0, True, 0.0, []
    while steps < c.steps:
        t1 = time.process_time()
        b = play(envs, agent.pi, seed=seed if first else None)
        first = False
        ss, sa = b.s.flatten(0, 1), MAX_TORQUE * b.a.flatten(0, 1).clamp(-1, 1)
        for _ in range(g.disc_steps):
            if g.disc_batch:
                idx = torch.randint(len(ss), (g.disc_batch,))
                s_, a_ = ss[idx], sa[idx]
            else:
                s_, a_ = ss, sa
            le, ls = disc(es, ea), disc(s_, a_)
            loss = F.binary_cross_entropy_with_logits(le, torch.zeros_like(le)) + F.binary_cross_entropy_with_logits(
                ls, torch.ones_like(ls)
            )
            dopt.zero_grad()
            loss.backward()
            dopt.step()
        with torch.no_grad():
            logit = disc(ss, sa).reshape(b.r.shape)
        r = {
            "neg_log_d": F.softplus(-logit),
            "log_1m_d": -F.softplus(logit),
            "logit": -logit,
            "const": torch.full_like(logit, math.log(2)),
        }[g.reward]
        agent.update(b, r / c.reward_scale, steps / c.steps)  # update() multiplies by reward_scale
        steps += b.r.numel()
        spent += time.process_time() - t1
        evals.append((steps, float(b.r.sum(0).mean()), float(habit(b).mean()), float(loss.detach())))
    return agent, spent, evals


def train_bc(demos: dict, seed: int, epochs: int = 500, lr: float = 3e-3, hidden: int = 64) -> tuple[Gaussian, float]:
    """Regression of the mean action on the demo pairs (MSE, units of max torque)."""
    torch.manual_seed(seed)
    t0 = time.process_time()
    pi = Gaussian(hidden)
    opt = torch.optim.Adam(pi.mu.parameters(), lr=lr)
    s, a = demos["states"], demos["actions"] / MAX_TORQUE
    for _ in range(epochs):
        loss = F.mse_loss(pi.mu(s), a)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return pi, time.process_time() - t0


def imitation_main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", default="0-1")
    p.add_argument("--set", nargs="*", default=[], help="expert Cfg overrides k=v")
    p.add_argument("--student", nargs="*", default=[], help="student Cfg overrides k=v")
    p.add_argument("--gail", nargs="*", default=[], help="GCfg overrides k=v")
    p.add_argument("--runs", default="gail,bc,control")
    p.add_argument("--bc-epochs", type=int, default=500)
    p.add_argument("--bc-many", type=int, default=16)
    p.add_argument("--out", default=None)
    args = p.parse_args(sys.argv[2:])
    torch.set_num_threads(1)
    torch.distributions.Distribution.set_default_validate_args(False)

    def over(obj, kvs):
        for kv in kvs:
            k, v = kv.split("=")
            obj = replace(obj, **{k: v if isinstance(getattr(obj, k), str) else type(getattr(obj, k))(eval(v))})
        return obj

    ce = over(Cfg(target=0.25, w=4.0, steps=192_000, epochs=5, lr=2e-3), args.set)
    cs = over(replace(ce, target=0.0, w=0.0), args.student)
    g = over(GCfg(), args.gail)
    rows = []
    for seed in range(*(int(x) + i for i, x in enumerate(args.seeds.split("-")))):
        expert, secs = get_expert(ce, seed)
        ev = evaluate(expert.pi, 10_000 + seed)
        many = record(expert.pi, 5_000 + seed, max(g.demos, args.bc_many))
        demos = {k: v[: g.demos * T] if k != "habit" else v[: g.demos] for k, v in many.items()}
        row = {
            "seed": seed,
            "expert": {"seconds": round(secs, 1), **{k: round(v, 3) for k, v in ev.items()}},
            "demo_habit": [round(float(h), 3) for h in demos["habit"]],
        }
        runs = args.runs.split(",")
        if "gail" in runs:
            st, secs, hist = train_gail(cs, g, demos, seed)
            ev = evaluate(st.pi, 10_000 + seed)
            row["gail"] = {
                "seconds": round(secs, 1),
                **{k: round(v, 3) for k, v in ev.items()},
                "curve": [(s, round(r, 1), round(h, 3), round(loss, 3)) for s, r, h, loss in hist[4::5]],
            }
        if "bc" in runs:
            pi, secs = train_bc(demos, seed, epochs=args.bc_epochs)
            ev = evaluate(pi, 10_000 + seed)
            row["bc"] = {"seconds": round(secs, 1), **{k: round(v, 3) for k, v in ev.items()}}
        if "bc_many" in runs:
            pi, secs = train_bc(many, seed, epochs=args.bc_epochs)
            ev = evaluate(pi, 10_000 + seed)
            row["bc_many"] = {"seconds": round(secs, 1), **{k: round(v, 3) for k, v in ev.items()}}
        if "control" in runs:
            st, secs, _ = train_rl(cs, seed)
            ev = evaluate(st.pi, 10_000 + seed)
            row["control"] = {"seconds": round(secs, 1), **{k: round(v, 3) for k, v in ev.items()}}
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(
                {
                    "command": " ".join(sys.argv),
                    "expert": asdict(ce),
                    "student": asdict(cs),
                    "gail": asdict(g),
                    "rows": rows,
                },
                f,
                indent=1,
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "imitate":
        imitation_main()
    else:
        main()
