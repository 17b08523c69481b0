"""How many core-hours each shipped experiment took, from its shipped timing.csv files.

    python benchmarks/machine_hours.py          # print the table
    python benchmarks/machine_hours.py --write  # and put it in docs/sweeps.md (tested equal)

A run's cost is its last timing.csv row: seconds of training plus seconds of evaluation, the
wall-clock of the run (lab/run_logs.py). A run trained in k worker processes (config.json
"groups") kept k cores busy for about that long; its timing.csv holds the slowest group's
seconds, so k × seconds is an upper bound of its core-seconds. The runs shared their machine
with other work, so these are what the runs took there, not what they need on an idle core.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from ddpg_numpy.lab.run_folder import read_config_json, read_timing  # noqa: E402

# (experiment, its spec in benchmarks/specs/, the folder its runs are shipped in)
EXPERIMENTS = [
    ("MuJoCo: DDPG, TD3 (and the peer's TD3) on 3 tasks, 200k steps", "mujoco.toml",
     "checkpoints/mujoco"),
    ("fast defaults on 5 tasks", "fast_defaults.toml", "checkpoints/fast_defaults"),
    ("notebook 08's TD3 ablation on Pendulum-v1", "td3_ablation.toml", "checkpoints/td3"),
    ("Pendulum-v1 preset, 5 seeds in lock-step (checkpoints/pendulum)", "—",
     "checkpoints/pendulum"),
]


def run_cost(folder: Path) -> tuple[float, int, int]:
    """(seconds of the run, worker processes, seeds) from its timing.csv and config.json."""
    rows = read_timing(folder)
    seconds = rows[-1]["train_seconds"] + rows[-1]["eval_seconds"] if rows else 0.0
    config = read_config_json(folder) or {}
    seeds = config.get("seeds", [0])
    return seconds, len(config.get("groups", [seeds])), len(seeds)


def table(root: Path = ROOT) -> str:
    """The markdown table: per experiment, its shipped runs' core-hours and, for its spec, the
    spec's cells times the shipped runs' median core-hours per seed."""
    from ddpg_numpy.study.spec import load_spec

    lines = ["| experiment | spec (cells) | runs shipped (seeds) | core-hours | median run | "
             "longest run | whole spec, estimated |", "|---|---|---|---|---|---|---|"]
    for name, spec, folder in EXPERIMENTS:
        cells = (len(load_spec(root / "benchmarks" / "specs" / spec, check_tasks=False).cells)
                 if spec != "—" else None)
        runs = sorted(p.parent for p in (root / folder).rglob("timing.csv"))
        label = f"{spec} ({cells})" if cells else spec
        if not runs:
            lines.append(f"| {name} | {label} | not shipped in {folder} | — | — | — | — |")
            continue
        costs = [run_cost(run) for run in runs]
        core_hours = sum(seconds * cores for seconds, cores, _ in costs) / 3600
        seconds = [s for s, _, _ in costs]
        per_seed = statistics.median(s * cores / n for s, cores, n in costs)
        whole = f"{_hours(cells * per_seed / 3600)} core-hours" if cells else "—"
        lines.append(f"| {name} | {label} | {len(runs)} ({sum(n for _, _, n in costs)}) | "
                     f"{_hours(core_hours)} | {_duration(statistics.median(seconds))} | "
                     f"{_duration(max(seconds))} | {whole} |")
    return "\n".join(lines)


def _hours(hours: float) -> str:
    return f"{hours:.2f}" if hours < 1 else f"{hours:.1f}"


DOC = ROOT / "docs" / "sweeps.md"
BEGIN, END = "<!-- machine_hours.py: begin -->", "<!-- machine_hours.py: end -->"


def with_table(page: str, text: str) -> str:
    """``page`` with the text between the BEGIN and END markers replaced by ``text``."""
    head, rest = page.split(BEGIN, 1)
    return f"{head}{BEGIN}\n{text}\n{END}{rest.split(END, 1)[1]}"


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"also write it into {DOC}")
    args = parser.parse_args(argv)
    text = table()
    print(text)
    if args.write:
        DOC.write_text(with_table(DOC.read_text(), text))
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
