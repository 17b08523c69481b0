"""The fast defaults on tasks nobody tuned them for: a suite of gymnasium continuous-control tasks,
ours beside the PyTorch peer on the same values.

    python -m ddpg_numpy sweep benchmarks/specs/fast_defaults.toml --out runs/suite  # train
    python benchmarks/fast_defaults_suite.py --commands            # the same, one command a run
    python benchmarks/fast_defaults_suite.py --runs runs/suite --out checkpoints/fast_defaults

``python -m ddpg_numpy train --env <task>`` without a preset trains with
``DDPGConfig.fast_defaults()`` (the TD3 paper's MuJoCo values in float32, ddpg_numpy/core/
presets.py); InvertedPendulum-v5's preset has the same values with a shorter warm-up and the DDPG
paper's actor learning rate. The suite's grid is the spec benchmarks/specs/fast_defaults.toml:
our runs (``<task>/<ddpg|td3>/seed<k>``) and the PyTorch peer's (benchmarks/peers/torch_peer.py,
the same values, evaluation and logs; ``<task>/<ddpg|td3>-pytorch-peer/seed<k>``, the spec's
layout), each the command ``--commands`` prints.

The last form copies every *complete* run (its last evaluation at the spec's steps for the task)
into ``<out>``: ours into ``<task>/<algo>/seed<k>/``, the peer's into
``pytorch_peer/<task>/<algo>/seed<k>/`` (as benchmarks/mujoco_table.py lays them out), each with
``config.json``, ``progress.csv``, ``timing.csv`` and ``blas.json`` (the BLAS kernel the run
reproduces under; runs made before train wrote one have none). A shipped run of an earlier spec
(other steps) is removed; cells still training are left out. It writes ``summary.csv`` and prints
the table: per task and group, the seeds that *succeed* (``success_mark``: an evaluation return
at or above the task's mark by the last step, 10 fixed start states, no noise) out of the seeds
complete, the step each first did, and the last evaluation return, beside a uniformly random
policy on the same starts and gymnasium's ``reward_threshold``.
"""

from __future__ import annotations

import csv
import json
import shutil
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from ddpg_numpy.lab.envs import EVAL_SEED_BASE, make_env  # noqa: E402
from ddpg_numpy.lab.options import OneLineParser  # noqa: E402
from ddpg_numpy.lab.run_folder import read_config_json, read_timing  # noqa: E402
from ddpg_numpy.study.spec import PEERS, load_spec  # noqa: E402

SPEC = ROOT / "benchmarks" / "specs" / "fast_defaults.toml"  # the suite's grid
CELLS = load_spec(SPEC, check_tasks=False).cells
SUITE = list(dict.fromkeys(c.task for c in CELLS))  # tasks in spec order
STEPS = {c.task: c.steps for c in CELLS}  # enough for each task to show whether it learns
GROUPS = ("ddpg", "td3", *PEERS)  # ours, then the peer's (ddpg-pytorch-peer, td3-pytorch-peer)
PEER_FOLDER = "pytorch_peer"  # <out>/pytorch_peer/<task>/<algo>/seed<k>, as in checkpoints/mujoco
RUN_FILES = ("config.json", "progress.csv", "timing.csv")
BLAS_FILE = "blas.json"  # copied when the run has one (ddpg_numpy/lab/blas_record.py)
# The mark a seed must reach: the most an episode can return where that is the goal
# (InvertedPendulum: +1 a step for 1,000 steps), else gymnasium's reward_threshold; Pusher's
# threshold of 0 cannot be reached (every step's reward is minus a distance minus a control
# cost), so there a seed that learns is one halfway from a random policy to 0.
EPISODE_MAXIMUM = {"InvertedPendulum-v5": 1000.0}
HALFWAY = ("Pusher-v5",)


def out_folder(out: Path, task: str, group: str) -> Path:
    """A group's seeds in ``out``: ours in <task>/<algo>, the peer's under pytorch_peer/."""
    if group in PEERS:
        return out / PEER_FOLDER / task / PEERS[group]
    return out / task / group


def commands(runs: str = "runs/suite") -> list[str]:
    """The spec's cells as the commands the sweep runs (by group, task, seed)."""
    cells = sorted(CELLS, key=lambda c: (GROUPS.index(c.group), SUITE.index(c.task), c.seed))
    lines = []
    for c in cells:
        start = (f"python benchmarks/peers/torch_peer.py --env {c.task} --algo {PEERS[c.group]}"
                 if c.is_peer else
                 f"python -m ddpg_numpy train --env {c.task} --algo {c.algorithm}")
        lines.append(f"{start} --seed {c.seed} --steps {c.steps} "
                     f"--out {runs}/{c.task}/{c.group}/seed{c.seed} --no-progress")
    return lines


def random_policy_return(env_id: str, episodes: int = 10) -> float:
    """Mean return of uniformly random actions from the evaluation start states."""
    env, returns = make_env(env_id), []
    rng = np.random.default_rng(0)
    for i in range(episodes):
        env.reset(seed=EVAL_SEED_BASE + i)
        total, done = 0.0, False
        while not done:
            action = rng.uniform(env.action_space.low, env.action_space.high)
            _, reward, terminated, truncated, _ = env.step(action)
            total, done = total + float(reward), terminated or truncated
        returns.append(total)
    env.close()
    return float(np.mean(returns))


def success_mark(task: str, random_policy: float, threshold: float | None) -> tuple[float, str]:
    """(mark, what it is) for ``task``: an evaluation return at or above the mark succeeds."""
    if task in EPISODE_MAXIMUM:
        return EPISODE_MAXIMUM[task], "the most an episode returns"
    if threshold is None:
        raise ValueError(f"{task} has no reward_threshold: give it a mark in EPISODE_MAXIMUM")
    if task in HALFWAY:
        return (random_policy + threshold) / 2, "halfway from a random policy to the threshold"
    return float(threshold), "gymnasium's threshold"


def read_rows(run: Path) -> list[dict]:
    """The complete rows of a run's progress.csv (a row still being appended is left out)."""
    text = (run / "progress.csv").read_text()
    return list(csv.DictReader(text[:text.rfind("\n") + 1].splitlines()))


def first_success(rows: list[dict], mark: float) -> int | None:
    """The first evaluation step whose mean return is at or above ``mark`` (None: none)."""
    return next((int(r["step"]) for r in rows if float(r["eval_return_mean"]) >= mark), None)


def learning_steps_per_second(run: Path, learning_starts: int) -> float:
    rows = [r for r in read_timing(run) if r["step"] > learning_starts]
    if len(rows) < 2:
        return float("nan")
    return (rows[-1]["step"] - rows[0]["step"]) / (rows[-1]["train_seconds"]
                                                   - rows[0]["train_seconds"])


def kernel(run: Path) -> str:
    """The OpenBLAS kernel in the run's blas.json ('not recorded' without one)."""
    if not (run / BLAS_FILE).is_file():
        return "not recorded"
    info = json.loads((run / BLAS_FILE).read_text()).get("threadpool_info", [])
    return next((i.get("architecture") or "?" for i in info if i.get("user_api") == "blas"), "?")


def copy_run(run: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name in RUN_FILES:
        shutil.copyfile(run / name, dest / name)
    if (run / BLAS_FILE).exists():
        shutil.copyfile(run / BLAS_FILE, dest / BLAS_FILE)
    else:  # never leave an earlier run's kernel beside these logs
        (dest / BLAS_FILE).unlink(missing_ok=True)


def seed_folders(folder: Path) -> list[Path]:
    """The seed<k> folders in ``folder`` by seed (not the sweep's seed<k>.log beside them)."""
    found = [p for p in folder.glob("seed*") if p.is_dir() and p.name[4:].isdigit()]
    return sorted(found, key=lambda p: int(p.name[4:]))


def complete_seeds(folder: Path, steps: int) -> dict[int, list[dict]]:
    """{seed: progress rows} of the runs in ``folder`` whose config asked for ``steps`` and whose
    last evaluation reached them."""
    found = {}
    for run in seed_folders(folder):
        config = read_config_json(run) if (run / "progress.csv").exists() else None
        rows = read_rows(run) if config else []
        if config and config.get("steps") == steps and rows and int(rows[-1]["step"]) >= steps:
            found[int(run.name[len("seed"):])] = rows
    return found


def collect(runs: Path, out: Path) -> list[dict]:
    """Copy the complete runs of every group into ``out``; one summary row per task and group
    (from what ``out`` holds then: runs shipped earlier with the spec's steps stay)."""
    table = []
    for task in SUITE:
        steps, measured = STEPS[task], None
        for group in GROUPS:
            dest = out_folder(out, task, group)
            for stale in seed_folders(dest):  # an earlier spec's run (other steps)
                if (read_config_json(stale) or {}).get("steps") != steps:
                    shutil.rmtree(stale)
            for seed in complete_seeds(runs / task / group, steps):
                copy_run(runs / task / group / f"seed{seed}", dest / f"seed{seed}")
            seeds = complete_seeds(dest, steps)
            if not seeds:
                continue
            if measured is None:  # once a task, where it has runs
                env = make_env(task)
                threshold, random_policy = env.spec.reward_threshold, random_policy_return(task)
                env.close()
                mark, meaning = success_mark(task, random_policy, threshold)
                measured = True
            finals = [float(rows[-1]["eval_return_mean"]) for rows in seeds.values()]
            firsts = [first_success(rows, mark) for rows in seeds.values()]
            rates = [learning_steps_per_second(dest / f"seed{s}",
                                               read_config_json(dest / f"seed{s}")["config"]
                                               ["learning_starts"]) for s in seeds]
            table.append({
                "task": task, "group": group, "steps": steps,
                "seeds": " ".join(str(s) for s in seeds),
                "succeeded": sum(f is not None for f in firsts),
                "first_success_steps": " ".join("-" if f is None else str(f) for f in firsts),
                "mark": mark, "mark_is": meaning,
                "return_mean": statistics.fmean(finals),
                "random_policy": random_policy,
                "reward_threshold": "" if threshold is None else threshold,
                "kernels": " ".join(sorted({kernel(dest / f"seed{s}") for s in seeds})),
                "steps_per_s": statistics.median(rates)})
    return table


SHIPPED = ROOT / "checkpoints" / "fast_defaults"


def _cell(seeds: dict[int, list[dict]], mark: float) -> str:
    """'**k / n** (seed: first step …), last return mean ± std' for one group's shipped seeds."""
    if not seeds:
        return "—"
    firsts = {s: first_success(rows, mark) for s, rows in seeds.items()}
    finals = [float(rows[-1]["eval_return_mean"]) for rows in seeds.values()]
    spread = f" ± {statistics.stdev(finals):,.1f}" if len(finals) > 1 else ""
    steps = ", ".join(f"{s}: {'—' if f is None else f'{f:,}'}" for s, f in firsts.items())
    return (f"**{sum(f is not None for f in firsts.values())} / {len(seeds)}** ({steps}); "
            f"last {statistics.fmean(finals):,.1f}{spread}")


def _success_difference(ours: dict[int, list[dict]], peer: dict[int, list[dict]],
                        mark: float) -> str:
    """Ours − the peer in the share of seeds that reach ``mark``, with a 95 % percentile-bootstrap
    interval (seeds resampled within each side: study.intervals.difference_of_means on 0/1
    successes); '—' unless both sides have 2 or more seeds."""
    if len(ours) < 2 or len(peer) < 2:
        return "—"
    from ddpg_numpy.study.intervals import difference_of_means

    def successes(seeds: dict[int, list[dict]]) -> list[float]:
        return [float(first_success(rows, mark) is not None) for rows in seeds.values()]

    d = difference_of_means(successes(ours), successes(peer))
    return f"{d.estimate:+.2f} [{d.low:+.2f}, {d.high:+.2f}]"


def _number(value: float | str) -> str:
    """At most 2 decimals, no trailing zeros: 1,000, -3.75, -74.58."""
    return f"{float(value):,.2f}".rstrip("0").rstrip(".")


def shipped_counts(out: Path = SHIPPED) -> dict[tuple[str, str], tuple[int, int]]:
    """{(task, group): (seeds that reach the mark, seeds)} of the shipped runs in ``out``."""
    with open(out / "summary.csv", newline="") as f:
        summary = list(csv.DictReader(f))
    counts = {}
    for r in summary:
        seeds = complete_seeds(out_folder(out, r["task"], r["group"]), int(r["steps"]))
        counts[r["task"], r["group"]] = (
            sum(first_success(rows, float(r["mark"])) is not None for rows in seeds.values()),
            len(seeds))
    return counts


def shipped_table(out: Path = SHIPPED) -> str:
    """The fast-defaults table of docs/results.md, from the shipped logs in ``out`` alone: per task
    and algorithm, ours beside the PyTorch peer, the seeds whose evaluation return reached the
    mark / the seeds shipped (complete runs), with each seed's first step at the mark, and the
    mean ± std (ddof 1) of the last evaluation; the mark, the random policy's return and
    gymnasium's threshold from summary.csv (measured by ``collect``). Written by
    ``python -m benchmarks.doc_tables``."""
    with open(out / "summary.csv", newline="") as f:
        summary = {(r["task"], r["group"]): r for r in csv.DictReader(f)}
    lines = ["| task | steps | success: an evaluation return at or above | algorithm | ours: "
             "seeds that succeed / seeds (seed: first step there); last evaluation, mean ± std "
             "| PyTorch peer, the same values: the same | ours − peer: share of seeds that "
             "succeed [95 % CI] | random policy | gymnasium's threshold "
             "| OpenBLAS kernel (ours; peer) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for task in dict.fromkeys(t for t, _ in summary):
        for algo in ("ddpg", "td3"):
            rows = [summary.get((task, g)) for g in (algo, f"{algo}-pytorch-peer")]
            first = next((r for r in rows if r), None)
            if first is None:
                continue
            steps, mark = int(first["steps"]), float(first["mark"])
            seeds = [complete_seeds(out_folder(out, task, g), steps) if r else {}
                     for g, r in zip((algo, f"{algo}-pytorch-peer"), rows)]
            cells = [_cell(group, mark) if r else "—" for group, r in zip(seeds, rows)]
            threshold = _number(first["reward_threshold"]) if first["reward_threshold"] else "—"
            kernels = "; ".join(r["kernels"] if r else "—" for r in rows)
            lines.append(f"| {task} | {steps:,} | {_number(mark)} ({first['mark_is']}) | "
                         f"{algo.upper()} | {cells[0]} | {cells[1]} | "
                         f"{_success_difference(seeds[0], seeds[1], mark)} | "
                         f"{float(first['random_policy']):,.1f} | {threshold} | {kernels} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="fast_defaults_suite.py", description=__doc__.split("\n")[0])
    parser.add_argument("--commands", action="store_true", help="print the training commands")
    parser.add_argument("--runs", type=Path, default=Path("runs/suite"),
                        help="where the runs are (default runs/suite)")
    parser.add_argument("--out", type=Path, help="copy the runs' logs here and print the table")
    args = parser.parse_args(argv)
    if args.commands:
        print("\n".join(commands(str(args.runs))))
        return 0
    if args.out is None:
        parser.error("give --commands, or --out FOLDER to collect the runs in --runs")
    if not args.runs.is_dir():
        parser.error(f"--runs {args.runs} is not a folder; train the suite first "
                     "(--commands prints how)")
    table = collect(args.runs, args.out)
    if not table:
        parser.error(f"no complete runs of the suite in {args.runs} or {args.out}; train them "
                     "first (--commands)")
    with open(args.out / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    print(shipped_table(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
