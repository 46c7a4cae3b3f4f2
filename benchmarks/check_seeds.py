"""The seed sweep: run every notebook (01 -> 06) as a learner would, on many seeds, and count the checkpoints that hold.

    make check-seeds                                   # seeds 1000-1049, as many at once as there are cores
    make check-seeds SEEDS=1000-1099 JOBS=2            # benchmarks/results/checkpoints_1000-1099_native.json
    make check-seeds SEEDS=2000-2049 NUMERICS=default  # torch's plain kernels, as another CPU would compute

Per seed s, each notebook in order is executed by papermill with ``-p SEED s`` on the seed's own copy of
``data/`` (``build/check-seeds/<numerics>/seed-<s>/data``), so notebook 02 records the demo of the expert that 01
trained on that seed, and so on; tracked files are never touched. Every checkpoint appends its number, limit and
margin to a log (``helpers.teaching.checkpoints``). A notebook that fails stops its seed's chain: the later
notebooks would read files it did not write. ``--record`` runs every checkpoint in record mode (a failure is logged,
not raised), for measuring distributions while tuning; a sweep that gives verdicts runs without it.

``--reuse-data`` runs later notebooks only, on each seed's data folder kept from an earlier sweep of the same
numerics (``--notebooks 06-06 --reuse-data`` after a sweep of 01-05 on those seeds): nothing is copied from
``data/``, and a seed with no data folder kept fails with a message saying what to run first.

``--numerics default`` sets ``ATEN_CPU_CAPABILITY=default`` in every kernel: torch then uses its plain kernels
instead of this CPU's vector instructions, adds floats in another order and trains differently, as a learner's
laptop would. The results (``--out``, default ``benchmarks/results/checkpoints_<seeds>_<numerics>.json``) hold the
commit and the command that made them and, per seed and notebook, the verdict, the failed assert's message, the
seconds and every checkpoint's number (its control's too); the summary gives per notebook the seeds passed and, per
checkpoint, the worst margin and where its numbers fell. ``benchmarks/report.py`` turns the current sweeps into the
tables the documents quote. Instructors: run it on a lab machine before a workshop.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BUILD = ROOT / "build" / "check-seeds"
USER_PYTHONPATH = os.environ.get("PYTHONPATH", "")


def parse_seeds(text: str) -> list[int]:
    """'1000-1049' or '7,23,55' or '1000-1009,55' -> a sorted list of distinct seeds."""
    seeds: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = (int(p) for p in part.split("-", 1))
            if hi < lo:
                raise SystemExit(f"--seeds: {part!r} runs backwards")
            seeds.update(range(lo, hi + 1))
        else:
            seeds.add(int(part))
    if not seeds:
        raise SystemExit("--seeds: no seed given")
    return sorted(seeds)


def cpu_capability(numerics: str) -> str:
    """What torch reports as its CPU capability under ``numerics`` (asked of a fresh interpreter)."""
    env = os.environ | ({"ATEN_CPU_CAPABILITY": "default"} if numerics == "default" else {})
    code = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    return out.stdout.strip() or "unknown"


def snapshot(notebooks: list[str], numerics: str) -> Path:
    """Copy the notebooks to run into ``build/check-seeds/<numerics>/run-<pid>/notebooks`` and ``helpers/`` beside
    them (the kernels import that copy first, through PYTHONPATH): every seed runs the same version, even if
    notebooks/ or helpers/ is edited or re-executed while the sweep runs (an edit of helpers/ mid-sweep once changed
    one seed). One folder per sweep: a second sweep started meanwhile (another seed range, a re-check) once replaced
    the first one's copy while a kernel was opening it, and that seed failed."""
    run = BUILD / numerics / f"run-{os.getpid()}"
    shutil.rmtree(run, ignore_errors=True)
    folder = run / "notebooks"
    folder.mkdir(parents=True)
    for name in notebooks:
        shutil.copy2(ROOT / "notebooks" / name, folder / name)
    shutil.copytree(ROOT / "helpers", run / "code" / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def snapshot_pythonpath(source: Path) -> str:
    """PYTHONPATH for a kernel that runs the notebooks in ``source``: the helpers/ copied beside them come first."""
    code = source.parent / "code"
    return os.pathsep.join(p for p in [str(code) if code.is_dir() else "", USER_PYTHONPATH] if p)


def prepare_data(seed: int, numerics: str, reuse_data: bool = False) -> tuple[Path, str | None]:
    """The seed's work folder, and why it cannot run (or None): a fresh copy of ``data/``'s ``.pt`` files, or with
    ``reuse_data`` the data folder an earlier sweep of the same numerics left there, untouched."""
    work = BUILD / numerics / f"seed-{seed}"
    shown = work.relative_to(ROOT) if work.is_relative_to(ROOT) else work
    if reuse_data:
        if not all((work / "data" / f.name).is_file() for f in (ROOT / "data").glob("*.pt")):
            return work, (
                f"--reuse-data: no complete data folder kept for seed {seed} in {shown}/data: run the "
                "earlier notebooks on this seed first, with the same --numerics"
            )
        return work, None
    shutil.rmtree(work, ignore_errors=True)
    (work / "data").mkdir(parents=True)
    for f in (ROOT / "data").glob("*.pt"):
        shutil.copy2(f, work / "data" / f.name)
    return work, None


def run_seed(
    seed: int,
    notebooks: list[str],
    numerics: str,
    record: bool,
    source: Path = ROOT / "notebooks",
    reuse_data: bool = False,
) -> dict[str, Any]:
    """Notebooks in order for one seed (read from ``source``), each on the seed's own data folder; a failure ends
    the chain. With ``reuse_data`` the data folder comes from an earlier sweep (``prepare_data``)."""
    import papermill  # imported in the worker: it is slow to import and the parent does not need it

    work, missing = prepare_data(seed, numerics, reuse_data)
    os.environ.pop("ATEN_CPU_CAPABILITY", None)
    if numerics == "default":
        os.environ["ATEN_CPU_CAPABILITY"] = "default"
    os.environ.pop("IL_CHECKPOINTS", None)
    if record:
        os.environ["IL_CHECKPOINTS"] = "record"
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.pop("IL_DATA_DIR", None)
    os.environ["PYTHONPATH"] = snapshot_pythonpath(source)
    results: dict[str, Any] = {"seed": seed, "notebooks": {}}
    failed = None
    for name in notebooks:
        nb = source / name
        entry: dict[str, Any] = {"status": "skipped", "message": None, "seconds": None, "checkpoints": []}
        results["notebooks"][nb.stem[:2]] = entry
        if missing:
            entry["status"], entry["message"], failed, missing = "fail", missing, nb.stem[:2], None
            continue
        if failed:
            entry["message"] = f"not run: notebook {failed} failed"
            continue
        log = work / f"checkpoints-{nb.stem[:2]}.jsonl"
        log.unlink(missing_ok=True)
        os.environ["IL_CHECKPOINT_LOG"] = str(log)
        t0 = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(nb),
                str(work / nb.name),
                parameters={"SEED": seed, "DATA_DIR": str(work / "data")},
                cwd=str(ROOT / "notebooks"),
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
            )
            entry["status"] = "pass"
        except papermill.PapermillExecutionError as e:
            entry["status"] = "fail"
            entry["message"] = f"{e.ename}: {e.evalue}"[:500]
        except Exception as e:  # a kernel that died, a timeout: a failure too, with its cause
            entry["status"] = "fail"
            entry["message"] = f"{type(e).__name__}: {e}"[:500]
        entry["seconds"] = round(time.perf_counter() - t0, 1)
        if log.is_file():
            entry["checkpoints"] = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        if record and any(not c["ok"] for c in entry["checkpoints"]) and entry["status"] == "pass":
            entry["status"] = "fail (recorded)"
            entry["message"] = "; ".join(c["name"] for c in entry["checkpoints"] if not c["ok"])
        if entry["status"] == "fail":
            failed = nb.stem[:2]
    return results


def summarize(records: list[dict[str, Any]], notebooks: list[str]) -> dict[str, Any]:
    """Per notebook: seeds passed and the failures; per checkpoint: worst margin, the range of its numbers."""
    out: dict[str, Any] = {}
    for name in notebooks:
        key = name[:2]
        entries = [(r["seed"], r["notebooks"][key]) for r in records]
        ran = [(s, e) for s, e in entries if e["status"] != "skipped"]
        checks: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        measured: dict[str, list[float]] = {}
        for s, e in ran:
            for c in e["checkpoints"]:
                if c["at_least"] is None and c["at_most"] is None:  # checkpoints.record: a number, no check
                    measured.setdefault(c["name"], []).append(c["value"])
                else:
                    checks.setdefault(c["name"], []).append((s, c))
        out[key] = {
            "notebook": name,
            "passed": sum(e["status"] == "pass" for _, e in entries),
            "ran": len(ran),
            "seeds": len(entries),
            "failures": [{"seed": s, "message": e["message"]} for s, e in entries if e["status"] != "pass"],
            "checkpoints": {
                cname: {
                    "at_least": cs[0][1]["at_least"],
                    "at_most": cs[0][1]["at_most"],
                    "n": len(cs),
                    "failed": sum(not c["ok"] for _, c in cs),
                    "worst_margin": min(c["margin"] for _, c in cs),
                    "worst_seed": min(cs, key=lambda sc: sc[1]["margin"])[0],
                    "min": min(c["value"] for _, c in cs),
                    "median": statistics.median(c["value"] for _, c in cs),
                    "max": max(c["value"] for _, c in cs),
                }
                for cname, cs in checks.items()
            },
            "measured": {
                name: {"n": len(v), "min": min(v), "median": statistics.median(v), "max": max(v)}
                for name, v in measured.items()
            },
        }
    return out


def limit_text(c: dict[str, Any], at_least: str = ">=", at_most: str = "<=") -> str:
    """A checkpoint's limits as text: '>= 195', '<= 0.4' or both, joined by 'and'."""
    parts = [f"{at_least} {c['at_least']:g}" if c["at_least"] is not None else ""]
    parts.append(f"{at_most} {c['at_most']:g}" if c["at_most"] is not None else "")
    return " and ".join(p for p in parts if p)


def print_table(summary: dict[str, Any], seeds: list[int], numerics: str, capability: str) -> None:
    """The sweep's table: per notebook the seeds passed, per checkpoint its numbers, then each failure."""
    contiguous = seeds == list(range(seeds[0], seeds[-1] + 1))
    shown = f"{seeds[0]}-{seeds[-1]}" if contiguous else ",".join(map(str, seeds))  # 1418,1428 is not 1418-1428
    print(f"\nseeds {shown} ({len(seeds)}), numerics {numerics!r} (torch CPU capability {capability})")
    for nb in summary.values():
        print(f"\n{nb['notebook']}: passed on {nb['passed']}/{nb['seeds']} seeds (ran on {nb['ran']})")
        for cname, c in nb["checkpoints"].items():
            limit = limit_text(c)
            print(
                f"  {cname:48s} {limit:>16s}  min {c['min']:8.3f}  median {c['median']:8.3f}  max {c['max']:8.3f}  "
                f"worst margin {c['worst_margin']:7.3f} (seed {c['worst_seed']})  failed {c['failed']}/{c['n']}"
            )
        for f in nb["failures"]:
            if not (f["message"] or "").startswith("not run"):
                print(f"  FAIL seed {f['seed']}: {f['message']}")
        skipped = sum((f["message"] or "").startswith("not run") for f in nb["failures"])
        if skipped:
            print(f"  (not run on {skipped} seeds: an earlier notebook failed)")


def select_notebooks(spec: str) -> list[str]:
    """The notebooks' file names for '01-04', '06' or 'all', in order."""
    if spec == "all":
        return [nb.name for nb in NOTEBOOKS]
    first, last = spec.split("-") if "-" in spec else (spec, spec)
    return [nb.name for nb in NOTEBOOKS if first <= nb.name[:2] <= last]


def main(argv: list[str] | None = None) -> None:
    """Run the sweep, write the results, print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", default="1000-1049", help="e.g. 1000-1049 or 7,23,55")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="seeds run at once (default: the cores)")
    p.add_argument("--numerics", choices=["native", "default"], default="native")
    p.add_argument("--notebooks", default="all", help="first-last notebook numbers, e.g. 01-04 (default: all)")
    p.add_argument(
        "--reuse-data",
        action="store_true",
        help="run on each seed's data folder kept from an earlier sweep (same --numerics), e.g. --notebooks 06-06",
    )
    p.add_argument("--record", action="store_true", help="log failed checkpoints instead of stopping (tuning)")
    p.add_argument("--out", help="the results file (default benchmarks/results/checkpoints_<seeds>_<numerics>.json)")
    args = p.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    notebooks = select_notebooks(args.notebooks)
    if not notebooks:
        raise SystemExit(f"--notebooks {args.notebooks}: no notebook matches")
    capability = cpu_capability(args.numerics)
    print(
        f"{len(seeds)} seeds x {len(notebooks)} notebooks, {args.jobs} at once, numerics {args.numerics!r} "
        f"(torch: {capability}){', record mode' if args.record else ''}"
    )
    t0 = time.perf_counter()
    records: list[dict[str, Any]] = []
    source = snapshot(notebooks, args.numerics)
    try:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = {
                pool.submit(run_seed, s, notebooks, args.numerics, args.record, source, args.reuse_data): s
                for s in seeds
            }
            for fut in as_completed(futures):
                r = fut.result()
                records.append(r)
                verdicts = " ".join(f"{k}:{e['status'].split()[0]}" for k, e in r["notebooks"].items())
                print(f"[{len(records)}/{len(seeds)}] seed {r['seed']}: {verdicts}", flush=True)
    finally:
        shutil.rmtree(source.parent, ignore_errors=True)  # this sweep's copy; each seed keeps its executed notebooks
    records.sort(key=lambda r: r["seed"])
    summary = summarize(records, notebooks)
    from benchmarks.common import machine_info, provenance, results_path, write_json

    contiguous = seeds == list(range(seeds[0], seeds[-1] + 1))
    result = {
        **provenance(argv),
        "seeds": f"{seeds[0]}-{seeds[-1]}" if contiguous else seeds,
        "numerics": args.numerics,
        "torch_cpu_capability": capability,
        "record_mode": args.record,
        "reuse_data": args.reuse_data,
        "machine": machine_info(),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "summary": summary,
        "records": records,
    }
    name = f"{seeds[0]}-{seeds[-1]}" if contiguous else "_".join(map(str, seeds))
    out = write_json(Path(args.out) if args.out else results_path("checkpoints", name, args.numerics), result)
    print_table(summary, seeds, args.numerics, capability)
    print(f"\nwrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ({result['wall_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
