"""Every figure over many seeds that a document quotes, made from the results files in ``benchmarks/results/``.

    .venv/bin/python -m benchmarks.report            # rewrite every generated block (make tables)
    .venv/bin/python -m benchmarks.report --check    # exit 1 if a block is not what its results file makes
    .venv/bin/python -m benchmarks.report --print 05-coin

A document quotes a figure over seeds only inside a generated block (CONTRIBUTING, "Numbers in prose"):

    <!-- sweep: 05-coin -->
    | × the coin's length | median | min–max | ≥ 2 × |
    ...
    <!-- /sweep -->

or inline, ``**Runs** in <!-- sweep: runtime-04 -->about 11 s<!-- /sweep --> on a laptop CPU``. ``BLOCKS`` maps each
name to the function that renders it; the documents are the notebooks (their markdown cells; the ``.py`` pairs follow
by ``jupytext --sync``), the README, ``docs/*.md`` and ``benchmarks/*.md``. ``tests/test_report.py`` fails when a
block is not what this module makes from the files named below, so a new sweep changes every document at once.

The seed sweeps are ``check_seeds.py``'s results (per seed and notebook, every checkpoint's number, limit and
verdict, every ``record``ed number, and each checkpoint's control as ``"<name> (control)"``). The tables pool the
current sweeps of both numerics (this CPU's own and torch's plain kernels) and name their seeds.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

WHERE = {"native": "this CPU", "default": "plain kernels"}
"""How the tables name each numerics (``check_seeds.py --numerics``)."""

SWEEPS = [
    *(f"checkpoints_{s}-{s + 9}_native.json" for s in range(5000, 5040, 10)),
    *(f"checkpoints_{s}-{s + 9}_default.json" for s in range(5100, 5140, 10)),
]
"""The current seed sweeps of the whole series, run in chunks of ten seeds (``check_seeds.py --seeds 5000-5009``),
this CPU's numerics first: every table over seeds pools them."""
NOTEBOOK_TIMES = "notebook-times_0_native.json"
"""``make bench-notebooks``: each notebook's wall time, kernel start included, on the benchmark machine."""

BLOCK = re.compile(r"<!--\s*sweep:\s*(?P<name>[\w.-]+)\s*-->(?P<body>.*?)<!--\s*/sweep\s*-->", re.S)
"""A generated block in a document (its body is what ``BLOCKS[name]`` renders)."""


# ---------------------------------------------------------------------------------------------------- the sweeps


@dataclass(frozen=True)
class Sweep:
    """One results file of ``check_seeds.py``."""

    path: str
    data: dict[str, Any]

    @property
    def numerics(self) -> str:
        """'native' (this CPU's own kernels) or 'default' (torch's plain kernels)."""
        return self.data["numerics"]

    @property
    def seeds(self) -> str:
        """The seeds as a range, '1200–1299', or a list."""
        s = self.data["seeds"]
        return ", ".join(map(str, s)) if isinstance(s, list) else str(s).replace("-", "–")

    @property
    def n(self) -> int:
        """How many seeds."""
        return len(self.data["records"])

    def label(self) -> str:
        """'seeds 1200–1299 (this CPU)'."""
        return f"seeds {self.seeds} ({WHERE[self.numerics]})"

    def entries(self, nb: str) -> list[dict[str, Any]]:
        """Per seed, notebook ``nb``'s entry (status, message, checkpoints)."""
        return [r["notebooks"].get(nb, {"status": "skipped", "checkpoints": []}) for r in self.data["records"]]

    def logged(self, nb: str, name: str) -> list[dict[str, Any]]:
        """Per seed that logged ``name`` in notebook ``nb``, its log entry (the first if it logged it twice)."""
        out = []
        for e in self.entries(nb):
            found = [c for c in e.get("checkpoints", []) if c["name"] == name]
            if found:
                out.append(found[0])
        return out

    def values(self, nb: str, name: str) -> list[float]:
        """The numbers logged under ``name`` by notebook ``nb``, one per seed that reached it."""
        return [c["value"] for c in self.logged(nb, name)]


@cache
def sweep(name: str) -> Sweep:
    """A results file of ``benchmarks/results/`` (read once)."""
    path = RESULTS / name
    if not path.is_file():
        raise SystemExit(f"benchmarks/report.py: no results file benchmarks/results/{name}: run the sweep first")
    return Sweep(f"benchmarks/results/{name}", json.loads(path.read_text()))


def sweeps() -> list[Sweep]:
    """The current sweeps, this CPU's first."""
    return [sweep(s) for s in SWEEPS]


def pooled(nb: str, name: str) -> list[float]:
    """``name``'s numbers over every seed of the current sweeps."""
    return [v for s in sweeps() for v in s.values(nb, name)]


def seeds_of(group: list[Sweep]) -> str:
    """The seeds of these sweeps, contiguous chunks merged: '5000–5029', or ranges joined by commas."""
    spans: list[list[int]] = []
    for s in group:
        parts = re.fullmatch(r"(\d+)[-–](\d+)", s.seeds)
        if parts is None:
            return ", ".join(x.seeds for x in group)
        lo, hi = int(parts.group(1)), int(parts.group(2))
        if spans and lo == spans[-1][1] + 1:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    return ", ".join(f"{lo}–{hi}" for lo, hi in spans) or "—"


def seeds_label() -> str:
    """'seeds 1200–1299 (this CPU) and seeds 2200–2249 (plain kernels)', chunks of a numerics merged."""
    groups = {k: [s for s in sweeps() if s.numerics == k] for k in WHERE}
    return " and ".join(f"seeds {seeds_of(g)} ({WHERE[k]})" for k, g in groups.items() if g)


def numerics_label(found: list[Sweep]) -> str:
    """'seeds 7300–7399 (this CPU) and 7400–7449 (plain kernels)': a notebook's own sweeps, chunks merged."""
    groups = {k: [s for s in found if s.numerics == k] for k in WHERE}
    return "seeds " + " and ".join(f"{seeds_of(g)} ({WHERE[k]})" for k, g in groups.items() if g)


def sentence(label: str) -> str:
    """``label`` with a capital first letter, the rest as it is."""
    return label[:1].upper() + label[1:]


def over() -> str:
    """The line above a table over the current sweeps: 'Seeds 5000–5029 (this CPU) and … :'."""
    return f"{sentence(seeds_label())}:"


def n_seeds() -> int:
    """How many seeds the current sweeps hold."""
    return sum(s.n for s in sweeps())


# ------------------------------------------------------------------------------------------------------ formats


def fmt(value: float, digits: int = 2) -> str:
    """A number as the tables show it: whole numbers bare, else ``digits`` decimals (one from 10 on)."""
    value = float(value)
    if value.is_integer():
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.{digits}f}"


def count(xs: list[float], test: Callable[[float], bool]) -> str:
    """'k/n': how many of the numbers pass ``test``."""
    return f"{sum(bool(test(x)) for x in xs)}/{len(xs)}"


def med(xs: list[float], digits: int = 2) -> str:
    """The median, or '—'."""
    return fmt(statistics.median(xs), digits) if xs else "—"


def span(xs: list[float], digits: int = 2) -> str:
    """'min–max', or '—'."""
    return f"{fmt(min(xs), digits)}–{fmt(max(xs), digits)}" if xs else "—"


def three(xs: list[float], digits: int = 3) -> str:
    """'min · median · max', or '—'."""
    return f"{fmt(min(xs), digits)} · {fmt(statistics.median(xs), digits)} · {fmt(max(xs), digits)}" if xs else "—"


def limit_text(at_least: float | None, at_most: float | None) -> str:
    """'≥ 195', '≤ 0.4', or both joined by 'and'."""
    parts = ([f"≥ {at_least:g}"] if at_least is not None else []) + ([f"≤ {at_most:g}"] if at_most is not None else [])
    return " and ".join(parts)


def cell(text: str) -> str:
    """Text safe in a Markdown table cell (|x| would end it)."""
    return text.replace("|", "\\|")


# ------------------------------------------------------------------------------------------- checkpoints, controls


OWN_SWEEPS = {"07": "pendulum_", "08": "your_demo_"}
"""Notebooks swept on their own (``check_seeds.py --notebooks 07-07``), in chunks of seeds: their files' prefixes."""


def sweeps_of(nb: str) -> list[Sweep]:
    """The current sweeps that ran notebook ``nb``: its own chunks if it has them, else the series' sweeps."""
    prefix = OWN_SWEEPS.get(nb)
    if prefix is None:
        return [s for s in sweeps() if any(nb in r["notebooks"] for r in s.data["records"])]
    names = sorted(p.name for p in RESULTS.glob(f"{prefix}*.json") if p.stem.endswith(("_native", "_default")))
    return sorted((sweep(n) for n in names), key=lambda s: (s.numerics != "native", s.seeds))


def by_numerics(nb: str) -> dict[str, list[Sweep]]:
    """``sweeps_of(nb)`` split by numerics: {'native': [...], 'default': [...]}."""
    return {k: [s for s in sweeps_of(nb) if s.numerics == k] for k in ("native", "default")}


def checkpoints(nb: str) -> list[tuple[str, str]]:
    """Notebook ``nb``'s checkpoints in order of appearance: (name, limit text), controls aside."""
    out: dict[str, str] = {}
    for s in sweeps_of(nb):
        for e in s.entries(nb):
            for c in e.get("checkpoints", []):
                checked = c["at_least"] is not None or c["at_most"] is not None
                if checked and not c["name"].endswith(" (control)") and c["name"] not in out:
                    out[c["name"]] = limit_text(c["at_least"], c["at_most"])
    return list(out.items())


def passed(group: list[Sweep], nb: str) -> str:
    """'k/n': of the seeds of these sweeps that ran notebook ``nb``, how many passed every checkpoint."""
    ran = [e["status"] for s in group for e in s.entries(nb) if e["status"] != "skipped"]
    return f"{sum(st == 'pass' for st in ran)}/{len(ran)}" if ran else "—"


def notebooks_swept() -> list[str]:
    """The notebooks the current sweeps ran, in order ('01', '02', ...)."""
    swept = {nb for s in sweeps() for r in s.data["records"] for nb in r["notebooks"]}
    return sorted(swept | {nb for nb in OWN_SWEEPS if sweeps_of(nb)})


def guide_ranges() -> str:
    """The instructor's guide's table: per checkpoint, the learner's range with this CPU's numerics (A) and torch's
    plain kernels (B), and its control's range over both."""
    lines = [
        "A: this CPU's numerics; B: torch's plain kernels (`ATEN_CPU_CAPABILITY=default`). Files: "
        + ", ".join(dict.fromkeys(f"`{s.path}`" for nb in notebooks_swept() for s in sweeps_of(nb)))
        + ".",
        "",
        "| notebook | checkpoint | limit | A: min · median · max | B: min · median · max "
        "| control: min · median · max (A and B) | control failed the check |",
        "|---|---|---|---|---|---|---|",
    ]
    for nb in notebooks_swept():
        a, b = by_numerics(nb).values()
        lines.append(f"| **{nb}** | **every checkpoint** | | **{passed(a, nb)}** seeds passed ({seeds_of(a)}) "
                     f"| **{passed(b, nb)}** seeds passed ({seeds_of(b)}) | | |")  # fmt: skip
        for name, limit in checkpoints(nb):
            learner = [three([v for s in group for v in s.values(nb, name)]) for group in (a, b)]
            controls = [c for s in a + b for c in s.logged(nb, f"{name} (control)")]
            control = three([c["value"] for c in controls]) if controls else "—"
            failed = f"{sum(c['ok'] for c in controls)}/{len(controls)}" if controls else "—"
            lines.append(f"| {nb} | {cell(name)} | {limit} | {learner[0]} | {learner[1]} | {control} | {failed} |")
    return "\n".join(lines)


def readme_headline() -> str:
    """The README's table: per notebook, the seeds that passed it with each numerics; how often controls failed."""
    lines = [
        "| notebook | this CPU's numerics: seeds passed | torch's plain kernels: seeds passed |",
        "|---|---|---|",
    ]
    controls = []
    for nb in notebooks_swept():
        a, b = by_numerics(nb).values()
        lines.append(f"| {nb} | {passed(a, nb)} ({seeds_of(a)}) | {passed(b, nb)} ({seeds_of(b)}) |")
        controls += [c for s in a + b for name, _ in checkpoints(nb) for c in s.logged(nb, f"{name} (control)")]
    n_checks = sum(len(checkpoints(nb)) for nb in notebooks_swept())
    lines += [
        "",
        f"Beside {n_checks} checkpoints, a control that cannot have learned the lesson failed the same check "
        f"{sum(c['ok'] for c in controls)} times out of {len(controls)}.",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ notebook 05


def table_05_coin() -> str:
    """Section 1: the coin's pairs and plain GAIL on them."""
    own = pooled("05", "plain GAIL on the coin's pairs: length / the coin's (control)")
    plain = pooled("05", "plain GAIL on the coin's pairs: length / the coin's")
    return "\n".join([
        f"{over()}", "", "| × the coin's length | median | min–max | ≥ 2 × |",
        "|---|---|---|---|",
        f"| the coin's pairs, their own episodes | {med(own)} | {span(own)} | {count(own, lambda x: x >= 2)} |",
        f"| plain GAIL on those pairs | {med(plain)} | {span(plain)} | {count(plain, lambda x: x >= 2)} |",
    ])  # fmt: skip


def table_05_absorbing() -> str:
    """Section 2: absorbing GAIL on both demo sets."""
    v = lambda name: pooled("05", name)  # noqa: E731
    vs_coin = v("absorbing GAIL, coin's pairs: length / the coin's")
    plain = v("absorbing GAIL, coin's pairs: length / the coin's (control)")
    gap, kept = v("absorbing GAIL, expert's demo: habit gap (m)"), v("absorbing GAIL, expert's demo: kept the habit")
    ret = v("absorbing GAIL, expert's demo: mean return")
    clamp = v("absorbing GAIL, expert's demo: r_a at the clamp, share of iterations")
    ra = v("absorbing GAIL, coin's pairs: largest |r_a| in training")
    return "\n".join([
        f"{over()}", "", "| | median | min–max | seeds |",
        "|---|---|---|---|",
        f"| absorbing GAIL, coin's pairs: length / the coin's | {med(vs_coin)} | {span(vs_coin)} "
        f"| ≤ 2.5: {count(vs_coin, lambda x: x <= 2.5)} |",
        f"| the survival control, the same pairs: length / the coin's | {med(plain)} | {span(plain)} "
        f"| ≤ 2.5: {count(plain, lambda x: x <= 2.5)} |",
        f"| absorbing GAIL, expert's demo: greedy return | {med(ret, 1)} | {span(ret, 1)} "
        f"| ≥ 195: {count(ret, lambda x: x >= 195)} |",
        f"| absorbing GAIL, expert's demo: habit gap (m) | {med(gap)} | {span(gap)} "
        f"| kept the habit: {count(kept, bool)} |",
        f"| expert's demo: r_a at the clamp, share of iterations | {med(clamp)} | {span(clamp)} "
        f"| > 0: {count(clamp, lambda x: x > 0)} |",
        f"| coin's pairs: largest \\|r_a\\| in training | {med(ra)} | {span(ra)} | at the clamp (2): "
        f"{count(ra, lambda x: x >= 2 - 1e-6)} |",
    ])  # fmt: skip


def table_05_sizes() -> str:
    """Section 3: BC and GAIL as the demo shrinks."""
    rows = [
        f"{over()}",
        "",
        "| | kept the habit | return: median (min) | habit gap (m): median (max) |",
        "|---|---|---|---|",
    ]
    for learner, n in [("BC", 200), ("BC", 50), ("BC", 20), ("BC", 10), ("GAIL", 20)]:
        kept, ret, gap = (pooled("05", f"{learner} on {n} pairs: {k}") for k in
                          ("kept the habit", "mean return", "habit gap (m)"))  # fmt: skip
        if kept:
            rows.append(f"| {learner}, {n} pairs | {count(kept, bool)} | {med(ret, 1)} ({fmt(min(ret), 1)}) "
                        f"| {med(gap)} ({fmt(max(gap))}) |")  # fmt: skip
    return "\n".join(rows)


def table_05_falls() -> str:
    """Section 4: falls in 400 steps, and how long BC's falling episodes stayed away from the demo."""
    rows = [
        f"{over()}",
        "",
        "| 400 steps | seeds with a fall | episodes that fell (of 50), mean over the seeds |",
        "|---|---|---|",
    ]
    for name in ("expert", "GAIL, 20 pairs", "BC, 20 pairs"):
        falls = pooled("05", f"falls in 400 steps: {name}")
        rows.append(f"| {name} | {count(falls, lambda x: x > 0)} | {fmt(statistics.fmean(falls), 1)} |")
    bc = pooled("05", "steps outside the demo's neighbourhood before a fall, median: BC, 20 pairs")
    coin = pooled("05", "steps outside the demo's neighbourhood before a fall, median: the coin")
    rows += [
        "",
        "| steps away from the demo before a fall (per seed's median) | seeds | median | min–max | ≥ 30 |",
        "|---|---|---|---|---|",
        f"| BC, 20 pairs (the seeds where it fell) | {len(bc)} | {med(bc, 0)} | {span(bc, 0)} "
        f"| {count(bc, lambda x: x >= 30)} |",
        f"| the coin | {len(coin)} | {med(coin, 0)} | {span(coin, 0)} | {count(coin, lambda x: x >= 30)} |",
    ]
    return "\n".join(rows)


def table_05_robustness() -> str:
    """Section 5: "ok" under shifted starts and pushes."""
    conds = ["as trained", "start x in [-1, 1]", "pushes, p = 0.2"]
    rows = [over(), "", '| "ok" on | as trained | start x ∈ [−1, 1] | pushes, p = 0.2 |', "|---|---|---|---|"]
    for name in ("expert", "GAIL, 200 pairs (04)", "BC, 200 pairs (04)", "GAIL, 20 pairs", "BC, 20 pairs"):
        cells = [count(pooled("05", f"robustness, {c}: {name} ok"), bool) for c in conds]
        rows.append(f"| {name.replace(' (04)', '')} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def table_05_no_absorbing() -> str:
    """Section 2: absorbing GAIL and the logit reward without absorbing states, on the expert's demo."""
    data = json.loads((RESULTS / "absorbing-expert_1300-1309_native.json").read_text())
    rows = data["rows"]
    absorbing = [r["absorbing_50k_return"] for r in rows]
    plain = [r["logit_no_absorbing_50k_return"] for r in rows]
    seeds = f"{rows[0]['seed']}–{rows[-1]['seed']}"
    return "\n".join([
        f"| on the expert's demo, 50,000 env steps, seeds {seeds} (this CPU) | greedy mean return: min–max "
        "| seeds ≥ 195 |",
        "|---|---|---|",
        f"| absorbing GAIL (logit reward) | {span(absorbing, 1)} | {count(absorbing, lambda x: x >= 195)} |",
        f"| the logit reward without absorbing states | {span(plain, 1)} | {count(plain, lambda x: x >= 195)} |",
    ])  # fmt: skip


# ------------------------------------------------------------------------------------------------ notebook 06


def table_06_methods() -> str:
    """Section 1: BC, DAgger and GAIL, what each needs and how often it kept the habit."""
    v = lambda name: pooled("06", name)  # noqa: E731
    rows = [
        f"{over()}\n\n| | env steps in training | expert queries | kept the habit ≤ 0.25 (≤ 0.4) "
        "| ok: shifted starts / pushes |",
        "|---|---|---|---|---|",
    ]
    played = {"DAgger": v("DAgger: env steps its learner played"), "GAIL": v("GAIL: env steps it played")}
    whole = lambda x: f"{x:,.0f}"  # noqa: E731
    for name in [k for k in _labelled("06", ": habit gap (m)") if "labels" in k]:
        gap, ret = v(f"{name}: habit gap (m)"), v(f"{name}: mean return")
        kept = [g for g, r in zip(gap, ret, strict=True) if r >= 195]
        k25, k40 = sum(g <= 0.25 for g in kept), sum(g <= 0.4 for g in kept)
        shifted, pushed = v(f"{name}: ok, start x in [-1, 1]"), v(f"{name}: ok, pushes, p = 0.2")
        steps = played.get(name.split(",")[0], [])
        env = f"{whole(statistics.median(steps))} ({whole(min(steps))}–{whole(max(steps))})" if steps else "none"
        queries = "yes, during training" if name.startswith("DAgger") else "none"
        rows.append(f"| {name} | {env} | {queries} | {k25}/{len(gap)} ({k40}/{len(gap)}) "
                    f"| {count(shifted, bool)} / {count(pushed, bool)} |")  # fmt: skip
    return "\n".join(rows)


def table_06_dagger_vs_bc() -> str:
    """Section 1, seed by seed: where DAgger kept the habit (return >= 195, gap <= 0.4) and BC, with as many labels,
    did not, the reverse, both, neither."""
    rows = [over(), "", "| | DAgger only | BC only | both | neither |",
            "|---|---|---|---|---|"]  # fmt: skip
    for n in sorted({int(k.split()[1]) for k in _labelled("06", ": habit gap (m)") if k.startswith("DAgger, ")}):
        tally = {"dagger": 0, "bc": 0, "both": 0, "neither": 0}
        for s in sweeps():
            for e in s.entries("06"):
                logged = {c["name"]: c["value"] for c in e.get("checkpoints", [])}
                kept = {}
                for who in ("DAgger", "BC"):
                    gap, ret = (
                        logged.get(f"{who}, {n} labels: habit gap (m)"),
                        logged.get(f"{who}, {n} labels: mean return"),
                    )
                    kept[who] = None if gap is None or ret is None else (ret >= 195 and gap <= 0.4)
                if None in kept.values():
                    continue
                key = {(True, False): "dagger", (False, True): "bc", (True, True): "both"}.get(
                    (kept["DAgger"], kept["BC"]), "neither"
                )
                tally[key] += 1
        total = sum(tally.values())
        rows.append(f"| {n} labels each | " + " | ".join(f"{tally[k]}/{total}" for k in tally) + " |")
    return "\n".join(rows)


def table_06_rewards() -> str:
    """Section 2: fresh students on frozen rewards, and policies carried over, in both worlds."""
    rows = [
        f"{over()}",
        "",
        "| kept the habit ≤ 0.25 (≤ 0.4) | CartPole as it is | pole twice as long |",
        "|---|---|---|",
    ]
    names = []
    for world in ("as is", "long pole"):
        names += [n.split(": ", 1)[1] for n in _labelled("06", ": habit gap (m)") if n.startswith(f"{world}: ")]
    for name in dict.fromkeys(names):
        cells = []
        for world in ("as is", "long pole"):
            gap = pooled("06", f"{world}: {name}: habit gap (m)")
            ret = pooled("06", f"{world}: {name}: mean return")
            if not gap:
                cells.append("")
                continue
            k25 = sum(g <= 0.25 and r >= 195 for g, r in zip(gap, ret, strict=True))
            k40 = sum(g <= 0.4 and r >= 195 for g, r in zip(gap, ret, strict=True))
            cells.append(f"{k25}/{len(gap)} ({k40}/{len(gap)})")
        label = f"student on {name}" if not name.endswith("carried over") and name != "survival control" else name
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _labelled(nb: str, suffix: str) -> list[str]:
    """The recorded names of notebook ``nb`` that end in ``suffix``, without it, in order of appearance."""
    out: dict[str, None] = {}
    for s in sweeps():
        for e in s.entries(nb):
            for c in e.get("checkpoints", []):
                if c["name"].endswith(suffix):
                    out[c["name"][: -len(suffix)]] = None
    return list(out)


# ------------------------------------------------------------------------------------------------ notebook 07

PENDULUM_REWARDS = "pendulum-rewards_*_*.json"
"""``pendulum_rewards.py``'s results (GAIL's students on -log D, log(1 - D) and log 2, on Pendulum and on CartPole):
every file of ``benchmarks/results/`` with this name, this CPU's first."""


def _pendulum_logs() -> tuple[str, list[dict[str, float]], list[str]]:
    """The sweeps' label; per seed, every number notebook 07 logged (its checkpoints', their controls', its records);
    and per seed where a checkpoint failed, which one and by how much."""
    found = sweeps_of("07")  # benchmarks/results/pendulum_<seeds>_<numerics>.json (check_seeds.py --notebooks 07-07)
    if not found:
        raise SystemExit("benchmarks/report.py: no benchmarks/results/pendulum_<seeds>_<numerics>.json: run the sweep")
    logs, failures = [], []
    for s in found:
        for r, e in zip(s.data["records"], s.entries("07"), strict=True):
            logs.append({c["name"]: c["value"] for c in e.get("checkpoints", [])})
            for c in e.get("checkpoints", []):
                if not c["ok"] and not c["name"].endswith(" (control)"):
                    limit = limit_text(c["at_least"], c["at_most"])
                    failures.append(f"seed {r['seed']} ({WHERE[s.numerics]}): {c['name']} {fmt(c['value'], 3)}, "
                                    f"limit {limit}")  # fmt: skip
    return numerics_label(found), logs, failures


def table_07_learners() -> str:
    """Notebook 07's learners over its sweeps: how often each swung up, and how near the expert's tilt it held; the
    seeds where a checkpoint failed, named. The expert's and GAIL's numbers (and the control's gap) are their
    checkpoints', logged on every seed that reached them; BC's and the control's upright share are recorded at the
    end, so a seed that failed a checkpoint has none."""
    label, logs, failures = _pendulum_logs()
    from helpers.teaching.checkpoints import EXPERT_TILT_TOL, EXPERT_UPRIGHT_SHARE, TILT_GAP, UPRIGHT_SHARE

    def of(name: str) -> list[float]:
        return [log[name] for log in logs if name in log]

    def bc_gap(log: dict[str, float]) -> float:
        return abs(log["BC: tilt"] - log["expert: tilt"])

    statuses = [e["status"] for s in sweeps_of("07") for e in s.entries("07")]
    ended = [log for log in logs if "BC: tilt" in log]
    gail_up, gail_gap = of("GAIL: share of fresh episodes ending upright"), of("GAIL: |tilt - expert's| (rad)")
    both = [(u, g) for u, g in zip(gail_up, gail_gap, strict=False)]
    bc = [(log["BC: upright"], bc_gap(log)) for log in ended]
    expert_up, expert_gap = of("expert: share of fresh episodes ending upright"), of("expert: |tilt - θ*| (rad)")
    control_gap = of("GAIL: |tilt - expert's| (rad) (control)")
    control_up = [log["control: upright"] for log in ended]

    def gaps(xs: list[float]) -> str:
        seen = [x for x in xs if x == x]  # NaN: no episode ended upright, so no tilt
        return f"{med(seen, 3)} ({span(seen, 3)})" if seen else "—"

    def imitated(pairs: list[tuple[float, float]]) -> str:
        return f"{sum(u >= UPRIGHT_SHARE and g <= TILT_GAP for u, g in pairs)}/{len(pairs)}"

    lines = [
        f"{sentence(label)}: {len(statuses)} seeds; every checkpoint held on {statuses.count('pass')}.",
        "",
        f"| learner | ends upright: min–max | ≥ {UPRIGHT_SHARE:g} of episodes | tilt gap (rad): median (min–max) "
        f"| up and gap ≤ {TILT_GAP:g} |",
        "|---|---|---|---|---|",
        f"| expert (its gap: to θ\\*; limits {EXPERT_UPRIGHT_SHARE:g}, {EXPERT_TILT_TOL:g}) | {span(expert_up)} "
        f"| ≥ {EXPERT_UPRIGHT_SHARE:g}: {count(expert_up, lambda x: x >= EXPERT_UPRIGHT_SHARE)} | {gaps(expert_gap)} "
        f"| ≤ {EXPERT_TILT_TOL:g}: {count(expert_gap, lambda x: x <= EXPERT_TILT_TOL)} |",
        f"| GAIL | {span(gail_up)} | {count(gail_up, lambda x: x >= UPRIGHT_SHARE)} | {gaps(gail_gap)} "
        f"| {imitated(both)} |",
        f"| BC (seeds that ran to the end) | {span([u for u, _ in bc])} "
        f"| {count([u for u, _ in bc], lambda x: x >= UPRIGHT_SHARE)} | {gaps([g for _, g in bc])} | {imitated(bc)} |",
        f"| control (upright: seeds that ran to the end) | {span(control_up)} "
        f"| {count(control_up, lambda x: x >= UPRIGHT_SHARE)} | {gaps(control_gap)} "
        f"| gap ≤ {TILT_GAP:g}: {count(control_gap, lambda x: x <= TILT_GAP)} |",
    ]
    if failures:
        lines += ["", "A checkpoint failed on " + "; ".join(cell(f) for f in failures) + "."]
    return "\n".join(lines)


def table_07_rewards() -> str:
    """Notebook 07, section 9: each reward's students, on Pendulum and on CartPole, that imitated."""
    paths = sorted(RESULTS.glob(PENDULUM_REWARDS), key=lambda p: (not p.stem.endswith("_native"), p.name))
    if not paths:
        raise SystemExit("benchmarks/report.py: no benchmarks/results/pendulum-rewards_<seeds>_<numerics>.json: run "
                         "python -m benchmarks.pendulum_rewards first")  # fmt: skip
    files = [json.loads(p.read_text()) for p in paths]
    records = [r for f in files for r in f["records"]]
    seeds = " and ".join(f"{f['seeds'].replace('-', '–')} ({WHERE[f['numerics']]})" for f in files)
    names = {"neg_log_d": "−log D (> 0)", "log_1m_d": "log(1 − D) (< 0)", "survival": "log 2, whatever D says"}
    lines = [
        f"Seeds {seeds}: {len(records)} seeds.",
        "",
        "| GAIL's student paid … | Pendulum: ends upright (median) | imitated | CartPole: return (median) | imitated |",
        "|---|---|---|---|---|",
    ]
    for key, label in names.items():
        pend, cart = [r["Pendulum"][key] for r in records], [r["CartPole"][key] for r in records]
        up, ret = [p["upright"] for p in pend], [c["return"] for c in cart]
        ok_p, ok_c = count([p["imitated"] for p in pend], bool), count([c["imitated"] for c in cart], bool)
        lines.append(f"| {label} | {med(up)} | {ok_p} | {med(ret, 1)} | {ok_c} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- notebook 08


def your_demo_sweeps() -> list[Sweep]:
    """Notebook 08's sweeps (``check_seeds.py --notebooks 08-08``, in chunks of seeds), this CPU's first."""
    names = sorted(p.name for p in RESULTS.glob("your_demo_*_*.json") if p.stem.endswith(("_native", "_default")))
    found = [sweep(n) for n in names]
    if not found:
        raise SystemExit("benchmarks/report.py: no benchmarks/results/your_demo_<seeds>_<numerics>.json: run the sweep")
    return sorted(found, key=lambda s: (s.numerics != "native", s.path))


def your_demo_label() -> str:
    """'seeds 3000–3039 (this CPU) and 3100–3149 (plain kernels)', each numerics' chunks merged."""
    return numerics_label(your_demo_sweeps())


def your_demo_values(name: str) -> list[float]:
    """``name``'s numbers logged by notebook 08 over every seed of its sweeps."""
    return [v for s in your_demo_sweeps() for v in s.values("08", name)]


def table_08_checkpoints() -> str:
    """Section 3: each checkpoint on the stand-in's demonstration, and its control, over the sweep's seeds."""
    n = sum(s.n for s in your_demo_sweeps())
    habit = your_demo_values("the player's habit")
    rows = [
        f"{sentence(your_demo_label())}: {n} seeds.",
        "",
        "| checkpoint | limit | held | learner: median (worst) | its control | control: range |",
        "|---|---|---|---|---|---|",
    ]
    checks = [
        ("GAIL's mean return", "≥ 195", "the untrained student", True),
        ("GAIL's habit gap to yours (m)", "≤ 0.4", "the survival control", False),
        ("the control's habit gap to yours (m)", "≥ 0.4", "GAIL", True),
        ("BC's habit gap to yours (m)", "≤ 0.4", "the survival control", False),
    ]
    for name, limit, control, low_is_worst in checks:
        values, controls = your_demo_values(name), your_demo_values(f"{name} (control)")
        ok = [c["ok"] for s in your_demo_sweeps() for c in s.logged("08", name)]
        worst = min(values) if low_is_worst else max(values)
        rows.append(
            f"| {cell(name)} | {limit} | {sum(ok)}/{len(ok)} | {med(values)} ({fmt(worst)}) | {control} "
            f"| {span(controls)} |"
        )
    rows.append(f"| the stand-in's own habit (m) | — | — | {med(habit)} ({span(habit)}) | | |")
    return "\n".join(rows)


def table_08_changes() -> str:
    """Section 4: GAIL and BC on the stand-in's demonstration with one human failing each."""
    n = sum(s.n for s in your_demo_sweeps())
    rows = [
        f"{sentence(your_demo_label())}: {n} seeds.",
        "",
        "| demonstration, learner | gap ≤ 0.4 | return ≥ 195 | gap: median (worst) | return: median (lowest) |",
        "|---|---|---|---|---|",
    ]
    for variant in ("fewer pairs", "a fall inside", "shaky pushes"):
        for learner in ("GAIL", "BC"):
            gap = your_demo_values(f"{variant}, {learner}: gap")
            ret = your_demo_values(f"{variant}, {learner}: return")
            rows.append(
                f"| {variant}, {learner} | {count(gap, lambda x: x <= 0.4)} | {count(ret, lambda x: x >= 195)} "
                f"| {med(gap)} ({fmt(max(gap))}) | {med(ret, 1)} ({fmt(min(ret), 1)}) |"
            )
    return "\n".join(rows)


# ------------------------------------------------------------------------------------------ run times, workshop


def notebook_times() -> dict[str, Any]:
    """``make bench-notebooks``' results."""
    return json.loads((RESULTS / NOTEBOOK_TIMES).read_text())


def runtime(nb: str) -> Callable[[], str]:
    """An inline block: 'about N seconds', notebook ``nb``'s measured wall time (kernel start included)."""

    def render() -> str:
        for name, t in notebook_times()["notebooks"].items():
            if name.startswith(nb):
                return f"about {t['wall_seconds']:.0f} seconds"
        raise SystemExit(f"benchmarks/report.py: {NOTEBOOK_TIMES} has no time for notebook {nb}")

    return render


def series_time() -> str:
    """An inline block: the whole series' measured time."""
    return f"{notebook_times()['total_seconds']:.0f} s"


def check_seeds_20() -> str:
    """An inline block: how long ``make check-seeds`` takes for 20 seeds, from the current sweep on this CPU that was
    measured on the quietest machine (load average at its start)."""

    def load(s: Sweep) -> float:
        return s.data.get("machine", {}).get("loadavg_1_5_15", [0])[0]

    s = min([s for s in sweeps() if s.numerics == "native"] or sweeps(), key=load)
    jobs = re.search(r"--jobs (\d+)", s.data.get("command", ""))
    n = int(jobs.group(1)) if jobs else 0
    at_once = f", {n} seed{'s' if n > 1 else ''} at once" if jobs else ""
    busy = ", measured while other work shared the cores" if load(s) > s.data.get("machine", {}).get("cores", 2) else ""
    return f"about {s.data['wall_seconds'] / s.n * 20 / 60:.0f} minutes on 2 cores{at_once}{busy}"


def workshop_table() -> str:
    """The README's workshop table (``docs/student.py``: reading-time estimates beside the measured run times)."""
    from docs.student import workshop_table as table

    return table(RESULTS / NOTEBOOK_TIMES)


def guide_workshop_table() -> str:
    """The instructor's guide's version of it, coding and end-of-notebook exercises apart."""
    from docs.student import guide_table

    return guide_table(RESULTS / NOTEBOOK_TIMES)


def plan(name: str) -> Callable[[], str]:
    """The instructor's guide's plan ``name`` (``docs/student.py``'s ``PLANS``, timed by its estimate)."""

    def render() -> str:
        from docs.student import plan_table

        return plan_table(name)

    return render


def coding_exercises() -> str:
    """An inline block: how many coding exercises the series sets, and in which notebooks."""
    import nbformat

    from docs.student import coding_exercises as count
    from docs.student import notebooks

    counts = {p.name[:2]: count(nbformat.read(p, as_version=4)) for p in notebooks()}
    having = [nb for nb, n in counts.items() if n]
    where = f"notebooks {having[0]}–{having[-1]}" if len(having) > 1 else f"notebook {having[0]}"
    return f"{sum(counts.values())} coding exercises ({where})"


# ------------------------------------------------------------------------------------------------------- figure

FIGURE = ROOT / "benchmarks" / "habit_per_seed.png"
"""The README's picture: per seed of the current sweep on this CPU, the habits of notebook 04's learners."""


def draw_habit_figure(path: Path = FIGURE) -> Path:
    """Per seed, the habit of the expert, GAIL, BC and the survival control (notebook 04), and the 0.4-m band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = sweeps()[0]
    learners = ("expert", "GAIL", "BC", "survival control")
    seeds, habits = [], {n: [] for n in learners}
    for r in s.data["records"]:
        logged = {c["name"]: c["value"] for c in r["notebooks"].get("04", {}).get("checkpoints", [])}
        if all(f"{n}: habit" in logged for n in learners):
            seeds.append(r["seed"])
            for n in learners:
                habits[n].append(logged[f"{n}: habit"])
    fig, ax = plt.subplots(figsize=(11, 3.4), layout="constrained")
    ax.bar(seeds, [0.8] * len(seeds), bottom=[h - 0.4 for h in habits["expert"]], width=0.8, color="0.88",
           label="within 0.4 m of the expert's habit")  # fmt: skip
    for (name, hs), style in zip(habits.items(), ["k_", "C0o", "C2^", "C3s"], strict=True):
        ax.plot(seeds, hs, style, ms=4 if name != "expert" else 8, label=name)
    ax.set_xlabel("seed (each trains its own expert, demo and learners)")
    ax.set_ylabel("habit: mean cart x over the last 100 steps (m)")
    ax.set_title(f"Notebook 04, {s.label()}: 50 fresh greedy episodes per learner and seed")
    ax.legend(ncol=5, loc="lower center", fontsize="small")
    ax.set_ylim(-1.2, 2.2)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------- notebook 04
def table_04_comparison() -> str:
    """Notebook 04's comparison over the capstone's sweeps (``benchmarks/capstone.py``, imported only here: torch)."""
    from benchmarks import capstone

    return capstone.comparison_table()


def table_failure_modes() -> str:
    """The guide's failure-mode table from the capstone's mistakes study (``benchmarks/capstone.py mistakes``)."""
    from benchmarks import capstone

    return capstone.failure_table()


# ------------------------------------------------------------------------------------------------------ blocks

BLOCKS: dict[str, Callable[[], str]] = {
    "readme-headline": readme_headline,
    "readme-workshop": workshop_table,
    "guide-workshop": guide_workshop_table,
    "guide-half-day": plan("half-day"),
    "guide-full-day": plan("full-day"),
    "coding-exercises": coding_exercises,
    "series-time": series_time,
    "check-seeds-20": check_seeds_20,
    "guide-ranges": guide_ranges,
    "04-comparison": table_04_comparison,
    "failure-modes": table_failure_modes,
    "05-coin": table_05_coin,
    "05-absorbing": table_05_absorbing,
    "05-no-absorbing": table_05_no_absorbing,
    "05-sizes": table_05_sizes,
    "05-falls": table_05_falls,
    "05-robustness": table_05_robustness,
    "06-methods": table_06_methods,
    "06-dagger-vs-bc": table_06_dagger_vs_bc,
    "06-rewards": table_06_rewards,
    "07-learners": table_07_learners,
    "07-rewards": table_07_rewards,
    "08-checkpoints": table_08_checkpoints,
    "08-changes": table_08_changes,
} | {f"runtime-{nb:02d}": runtime(f"{nb:02d}") for nb in range(1, 10)}
"""Every generated block's name and the function that renders it."""


def documents() -> list[Path]:
    """The files that may hold generated blocks."""
    return [
        *sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")),
        ROOT / "README.md",
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "benchmarks").glob("*.md")),
    ]


def blocks_in(text: str) -> Iterator[re.Match[str]]:
    """The generated blocks of a text, in order."""
    return BLOCK.finditer(text)


def rendered(match: re.Match[str], text: Callable[[str], str]) -> str:
    """A block as it should read: markers kept, body replaced (on lines of its own unless the block is inline)."""
    name, body = match.group("name"), match.group("body")
    new = text(name).strip()
    if "\n" in body:
        new = f"\n{new}\n"
    return f"<!-- sweep: {name} -->{new}<!-- /sweep -->"


def markdown_texts(path: Path) -> list[str]:
    """The texts of a document in which blocks live: a notebook's markdown cells, or the whole file."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    return [path.read_text(encoding="utf-8")]


def update(text: str, render: Callable[[str], str]) -> str:
    """``text`` with every generated block rendered anew."""
    return BLOCK.sub(lambda m: rendered(m, render), text)


def render(name: str) -> str:
    """The block ``name``, rendered from the current results files."""
    if name not in BLOCKS:
        raise SystemExit(f"benchmarks/report.py: unknown block {name!r}; known: {', '.join(sorted(BLOCKS))}")
    return BLOCKS[name]()


def stale(paths: list[Path] | None = None) -> list[str]:
    """'<file>: <block>' for every block that is not what its results file makes."""
    out = []
    for path in paths or documents():
        for text in markdown_texts(path):
            for m in blocks_in(text):
                if rendered(m, cached_render) != m.group(0):
                    out.append(f"{path.relative_to(ROOT)}: {m.group('name')}")
    return out


@cache
def cached_render(name: str) -> str:
    """``render``, once per block name."""
    return render(name)


def write(paths: list[Path] | None = None) -> list[Path]:
    """Rewrite every stale block in place (a notebook's .py pair follows through jupytext); returns the files."""
    changed = []
    for path in paths or documents():
        if path.suffix == ".ipynb":
            import nbformat

            nb = nbformat.read(path, as_version=4)
            dirty = False
            for c in nb.cells:
                if c.cell_type == "markdown" and (new := update(c.source, cached_render)) != c.source:
                    c.source, dirty = new, True
            if dirty:
                nbformat.write(nb, path)
                subprocess.run([sys.executable, "-m", "jupytext", "--sync", "--quiet", str(path)], check=True)
                changed.append(path)
        else:
            old = path.read_text(encoding="utf-8")
            new = update(old, cached_render)
            if new != old:
                path.write_text(new, encoding="utf-8")
                changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Command line: write the blocks (default), check them, or print one."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="exit 1 if a block is stale; write nothing")
    p.add_argument("--print", metavar="BLOCK", help="print one block")
    args = p.parse_args(argv)
    if args.print:
        print(render(args.print))
        return 0
    if args.check:
        found = stale()
        for s in found:
            print(f"stale: {s}")
        return 1 if found else 0
    for path in write():
        print(f"rewrote {path.relative_to(ROOT)}")
    print(f"drew {draw_habit_figure().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
