"""The MuJoCo report over seeds, as the field now reports (Agarwal et al. 2021): per task and
group (ours TD3, ours DDPG, the PyTorch peer's TD3 when shipped, the TD3 paper's two published
sets), each seed's mean evaluation return over 100k–200k and over 150k–200k steps
(``window_mean``), then the mean and the IQM over seeds with stratified-bootstrap 95 % intervals
(``summarize``, rliable), the 200k evaluation only beside them; differences of means (ours −
peer, ours − each paper set) with their intervals when both sides have 2 or more seeds; the
steps per second of each run and its OpenBLAS kernel.

    python benchmarks/mujoco_report.py --out checkpoints/mujoco

reads ``<out>`` alone (benchmarks/mujoco_table.py, which collects the runs, calls it too) and
writes ``results.md`` (the tables), ``results.csv`` (one row per task, group and window) and
``results_seeds.csv`` (one row per run). Seeded bootstraps: the same folder gives the same
files, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from ddpg_numpy.lab.run_logs import read_timing  # noqa: E402
from ddpg_numpy.plots.mujoco import (  # noqa: E402
    LEGACY_KERNEL,
    PAPER_SETS,
    PEER_FOLDER,
    UNFINISHED_FILE,
    blas_kernel,
    load_groups,
)
from ddpg_numpy.study.intervals import difference_of_means, summarize, window_mean  # noqa: E402

__all__ = ["LEGACY_KERNEL", "WINDOWS", "seed_rows", "summary_rows", "write_report"]

WINDOWS = {"100k–200k": (100_000, 200_000), "150k–200k": (150_000, 200_000)}
FINAL_STEP = 200_000
REPS = 2000  # bootstrap resamples per interval: with 3–10 seeds the ends move by ~1 % beyond this
TASKS = ("HalfCheetah", "Hopper", "Walker2d")
DIFFERENCES = [("ours TD3", "peer TD3"), ("ours TD3", "paper, camera-ready"),
               ("ours TD3", "paper, first upload"), ("peer TD3", "paper, camera-ready"),
               ("ours TD3", "ours DDPG")]
RESULTS_MD, RESULTS_CSV, SEEDS_CSV = "results.md", "results.csv", "results_seeds.csv"
PEER_SPEED_MD = "peer_speed.md"  # benchmarks/peer_speed.py: ours and the peer in one process


def _run_folder(out: Path, group: str, task: str, seed: int) -> Path | None:
    """The run folder of one of our or the peer's seeds (None for the paper's)."""
    if group.startswith("paper"):
        return None
    root = out / PEER_FOLDER if group.startswith("peer") else out
    algo = group.split()[-1].lower()
    hits = sorted(root.glob(f"{task}-v*/{algo}/seed{seed}"))
    return hits[0] if hits else None


def steps_per_second(run: Path) -> float:
    """Environment steps per second of training (each with its update), from the first
    evaluation after ``learning_starts`` to the last (timing.csv, training seconds only)."""
    timing = read_timing(run)
    config = json.loads((run / "config.json").read_text()).get("config", {})
    starts = config.get("learning_starts", 0)
    first = next((r for r in timing if r["step"] >= starts), None)
    if first is None or timing[-1]["train_seconds"] <= first["train_seconds"]:
        return float("nan")
    return (timing[-1]["step"] - first["step"]) / (
        timing[-1]["train_seconds"] - first["train_seconds"])


def seed_rows(out: Path) -> list[dict]:
    """One row per run (unfinished copies included, marked): its windows, the 200k point, its
    last step, its kernel and its speed."""
    rows = []
    for group, by_task in load_groups(out, unfinished=True).items():
        for task in TASKS:
            curves = by_task.get(task)
            if curves is None:
                continue
            for seed, values, last in zip(curves.seeds, curves.values, curves.last_steps()):
                done = ~np.isnan(values)
                steps, values = curves.steps[done], values[done]
                run = _run_folder(out, group, task, seed)
                complete = last >= FINAL_STEP and (run is None or
                                                   not (run / UNFINISHED_FILE).exists())
                row = {"task": task, "group": group, "seed": seed, "last_step": int(last),
                       "complete": complete}
                for name, (start, end) in WINDOWS.items():
                    row[name] = (f"{window_mean(steps, values, start, end):.1f}" if complete
                                 else "")
                row["at_200k"] = f"{values[steps == FINAL_STEP][0]:.1f}" if complete else ""
                row["kernel"] = blas_kernel(run) if run is not None else ""
                row["steps_per_second"] = ("" if run is None or not (run / "timing.csv").exists()
                                           else f"{steps_per_second(run):.1f}")
                rows.append(row)
    return rows


def _complete(rows: list[dict], task: str, group: str) -> list[dict]:
    return [r for r in rows if (r["task"], r["group"]) == (task, group) and r["complete"]]


def summary_rows(rows: list[dict], reps: int = REPS) -> list[dict]:
    """Per task, group and window: n, mean and IQM with their intervals (empty for one seed:
    the mean is that seed), the 200k mean; then the differences of means."""
    out = []
    groups = list(dict.fromkeys(r["group"] for r in rows))
    for task in TASKS:
        for group in groups:
            complete = _complete(rows, task, group)
            unfinished = sum((r["task"], r["group"]) == (task, group) and not r["complete"]
                             for r in rows)
            if not complete:
                out += [{"task": task, "kind": "group", "group": group, "window": window,
                         "n": 0, "unfinished": unfinished, "mean": "", "mean_low": "",
                         "mean_high": "", "iqm": "", "iqm_low": "", "iqm_high": "",
                         "mean_at_200k": ""} for window in WINDOWS if unfinished]
                continue
            for window in WINDOWS:
                scores = np.array([float(r[window]) for r in complete])
                row = {"task": task, "kind": "group", "group": group, "window": window,
                       "n": len(scores), "unfinished": unfinished}
                if len(scores) >= 2:
                    found = summarize({group: scores}, reps=reps)[group].as_row()
                    row |= {k: f"{v:.1f}" for k, v in found.items() if k != "n"}
                else:
                    row |= {"mean": f"{scores[0]:.1f}", "mean_low": "", "mean_high": "",
                            "iqm": "", "iqm_low": "", "iqm_high": ""}
                row["mean_at_200k"] = f"{np.mean([float(r['at_200k']) for r in complete]):.1f}"
                out.append(row)
        for a, b in DIFFERENCES:
            sa, sb = _complete(rows, task, a), _complete(rows, task, b)
            if len(sa) < 2 or len(sb) < 2:
                continue
            for window in WINDOWS:
                d = difference_of_means(np.array([float(r[window]) for r in sa]),
                                        np.array([float(r[window]) for r in sb]), reps=reps)
                out.append({"task": task, "kind": "difference", "group": f"{a} − {b}",
                            "window": window, "n": f"{len(sa)} vs {len(sb)}", "unfinished": "",
                            "mean": f"{d.estimate:.1f}", "mean_low": f"{d.low:.1f}",
                            "mean_high": f"{d.high:.1f}", "iqm": "", "iqm_low": "",
                            "iqm_high": "", "mean_at_200k": ""})
    return out


def _ci(row: dict, key: str) -> str:
    if row[key] == "":
        return "—"
    if row[f"{key}_low"] == "":
        return f"{float(row[key]):,.0f} (1 seed)"
    return f"{float(row[key]):,.0f} [{float(row[f'{key}_low']):,.0f}, " \
           f"{float(row[f'{key}_high']):,.0f}]"


def _num(text: str) -> str:
    return f"{float(text):,.0f}" if text else "—"


def _kernels(rows: list[dict]) -> str:
    """'SkylakeX: 0–2; Haswell: 3, 4' (seed numbers per kernel), '' for the paper."""
    by: dict[str, list[int]] = {}
    for r in rows:
        if r["kernel"]:
            by.setdefault(r["kernel"], []).append(int(r["seed"]))
    return "; ".join(f"{k}: {', '.join(map(str, s))}" for k, s in by.items())


def markdown(seeds: list[dict], summary: list[dict], same_process: str = "") -> str:
    lines = [
        "# MuJoCo results over seeds",
        "",
        "Written by `python benchmarks/mujoco_report.py --out checkpoints/mujoco` from the logs "
        "in this folder (do not edit by hand; `tests/test_mujoco_table.py` checks it). Each "
        "seed's score is its mean evaluation return (10 episodes without noise every 5,000 "
        "steps) over the window; over seeds, the mean and the interquartile mean (IQM) with "
        "stratified-bootstrap 95 % intervals (rliable, 2,000 resamples, seeded). The 200k "
        "column is the mean of the single evaluations at 200,000 steps, beside them only. "
        "Ours and the peer ran gymnasium's v5 tasks (DeepMind's `mujoco` simulator; a run's "
        "blas.json names its version where recorded); the paper's sets are TD3 on "
        "gym's v1 tasks (mujoco-py 0.5, MuJoCo 1.31), from github.com/sfujim/TD3: the "
        "camera-ready set (June 2018) and the first set published (Feb. 2018), 10 seeds each. "
        "Runs still training are not in the table (column 'unfinished').",
        "",
        "| task | group | window | seeds | unfinished | mean [95 % CI] | IQM [95 % CI] | "
        "mean at 200k | OpenBLAS kernel (seeds) |",
        "|---|---|---|---|---|---|---|---|---|"]
    for r in (r for r in summary if r["kind"] == "group"):
        kernels = _kernels(_complete(seeds, r["task"], r["group"]))
        lines.append(f"| {r['task']} | {r['group']} | {r['window']} | {r['n']} | "
                     f"{r['unfinished']} | {_ci(r, 'mean')} | {_ci(r, 'iqm')} | "
                     f"{_num(r['mean_at_200k'])} | {kernels} |")
    differences = [r for r in summary if r["kind"] == "difference"]
    lines += ["", "## Differences of means", "",
              "mean(a) − mean(b) with a 95 % percentile-bootstrap interval, seeds resampled "
              "within each group (`difference_of_means`); only where both have 2 or more "
              "seeds. An interval that holds 0 does not tell the two apart.", "",
              "| task | a − b | window | seeds | difference [95 % CI] |", "|---|---|---|---|---|"]
    lines += [f"| {r['task']} | {r['group']} | {r['window']} | {r['n']} | {_ci(r, 'mean')} |"
              for r in differences] or ["| — | no pair with 2 or more seeds on each side | | | |"]
    lines += ["", "## Speed", "",
              "Environment steps per second of training (each step with its update; from the "
              "first evaluation after `learning_starts` to the last, training seconds only, "
              "timing.csv), per run, grouped by task, implementation and the OpenBLAS kernel "
              "the run recorded (blas.json; runs without one: SkylakeX, from the folder's "
              "README). Runs of one kernel ran on one machine, two at a time on 2 cores with "
              "other jobs, so compare groups within a kernel.", "",
              "| task | group | kernel | runs | median steps/s | min–max |",
              "|---|---|---|---|---|---|"]
    for task in TASKS:
        for group in dict.fromkeys(r["group"] for r in seeds):
            rows = [r for r in _complete(seeds, task, group) if r["steps_per_second"]]
            for kernel in dict.fromkeys(r["kernel"] for r in rows):
                rate = [float(r["steps_per_second"]) for r in rows if r["kernel"] == kernel]
                lines.append(f"| {task} | {group} | {kernel} | {len(rate)} | "
                             f"{np.median(rate):.0f} | {min(rate):.0f}–{max(rate):.0f} |")
    lines += ["", "The runs above shared their machine with other jobs whose load came and "
              "went, so a ratio of two of them mixes the implementation with the load."]
    if same_process:
        lines += ["Ours against the peer taking turns in one process (`peer_speed.md`, written "
                  "by `benchmarks/peer_speed.py`, which names its machine and command):", "",
                  *[line for line in same_process.splitlines() if line.startswith("|")]]
    return "\n".join(lines) + "\n"


def _csv_text(rows: list[dict]) -> str:
    text = io.StringIO()
    if rows:
        writer = csv.DictWriter(text, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return text.getvalue()


def report_files(out: Path, reps: int = REPS) -> dict[str, str]:
    """{file name: text} of the report of ``out`` (nothing written); ``reps`` bootstrap
    resamples per interval (the shipped report: REPS)."""
    seeds = seed_rows(out)
    summary = summary_rows(seeds, reps)
    same_process = out / PEER_SPEED_MD
    return {RESULTS_MD: markdown(seeds, summary, same_process.read_text()
                                 if same_process.exists() else ""),
            RESULTS_CSV: _csv_text(summary),
            SEEDS_CSV: _csv_text(seeds)}


def write_report(out: Path, reps: int = REPS) -> str:
    """Write results.md, results.csv and results_seeds.csv into ``out``; returns results.md."""
    files = report_files(out, reps)
    for name, text in files.items():
        tmp = out / f".{name}.tmp"
        tmp.write_text(text)
        os.replace(tmp, out / name)
    return files[RESULTS_MD]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("checkpoints/mujoco"))
    parser.add_argument("--reps", type=int, default=REPS, help=f"bootstrap resamples (default "
                        f"{REPS}, as shipped)")
    args = parser.parse_args(argv)
    if not any((args.out / f).is_file() for f in PAPER_SETS.values()):
        print(f"error: {args.out} holds no td3_paper_curves.csv; pass --out with a folder made "
              "by benchmarks/mujoco_table.py.", file=sys.stderr)
        return 2
    print(write_report(args.out, args.reps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
