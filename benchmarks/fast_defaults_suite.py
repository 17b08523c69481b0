"""The fast defaults on tasks nobody tuned them for: a suite of gymnasium continuous-control tasks.

    python -m ddpg_numpy sweep benchmarks/specs/fast_defaults.toml --out runs/suite  # train
    python benchmarks/fast_defaults_suite.py --commands            # the same, one command a run
    python benchmarks/fast_defaults_suite.py --runs runs/suite --out checkpoints/fast_defaults

``python -m ddpg_numpy train --env <task>`` without a preset trains with
``DDPGConfig.fast_defaults()`` (the TD3 paper's MuJoCo values in float32, ddpg_numpy/core/
presets.py); InvertedPendulum-v5's preset has the same values with a shorter warm-up. The suite's
grid is the spec benchmarks/specs/fast_defaults.toml: each task trained for its steps on seeds
0-2 (DDPG, the default algorithm; TD3 too on ``TD3_TASKS``, where a DDPG seed failed), each run
the command ``--commands`` prints. The last form copies every run's ``config.json``,
``progress.csv``, ``timing.csv`` and ``blas.json`` (the BLAS kernel the run reproduces under; runs
made before train wrote one have none) into ``<out>/<env>/<algo>/seed<k>/`` and prints the table:
the evaluation return (10 fixed start states, no noise) at the last step, per seed and as mean ±
std, beside a uniformly random policy on the same starts and gymnasium's ``reward_threshold`` for
the task, where it has one; and the steps per second while learning (training seconds of
``timing.csv``).
"""

from __future__ import annotations

import csv
import os
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
from ddpg_numpy.study.spec import load_spec  # noqa: E402

SPEC = ROOT / "benchmarks" / "specs" / "fast_defaults.toml"  # the suite's grid
CELLS = load_spec(SPEC, check_tasks=False).cells
# (task, environment steps): enough for each to show whether it learns, on 2 cores.
SUITE = list(dict.fromkeys((c.task, c.steps) for c in CELLS))
SEEDS = tuple(sorted({c.seed for c in CELLS}))
ALGOS = ("ddpg", "td3")  # the suite is DDPG's (the default); TD3 where DDPG had a seed fail
TD3_TASKS = tuple(dict.fromkeys(c.task for c in CELLS if c.algorithm == "td3"))
RUN_FILES = ("config.json", "progress.csv", "timing.csv")
BLAS_FILE = "blas.json"  # copied when the run has one (ddpg_numpy/lab/blas_record.py)


def commands(runs: str = "runs/suite") -> list[str]:
    """The spec's cells as the train commands the sweep runs (by algorithm, task, seed)."""
    order = {task: i for i, (task, _) in enumerate(SUITE)}
    cells = sorted(CELLS, key=lambda c: (ALGOS.index(c.algorithm), order[c.task], c.seed))
    return [f"python -m ddpg_numpy train --env {c.task} --algo {c.algorithm} --seed {c.seed} "
            f"--steps {c.steps} --out {runs}/{c.task}/{c.group}/seed{c.seed} --no-progress"
            for c in cells]


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


def learning_steps_per_second(run: Path, learning_starts: int) -> float:
    rows = [r for r in read_timing(run) if r["step"] > learning_starts]
    if len(rows) < 2:
        return float("nan")
    return (rows[-1]["step"] - rows[0]["step"]) / (rows[-1]["train_seconds"]
                                                   - rows[0]["train_seconds"])


def collect(runs: Path, out: Path) -> list[dict]:
    table = []
    for env_id, steps in SUITE:
        for algo in ALGOS:
            finals, rates, reached = [], [], []
            for seed in SEEDS:
                run = runs / env_id / algo / f"seed{seed}"
                if not (run / "progress.csv").exists():
                    continue
                (out / env_id / algo / f"seed{seed}").mkdir(parents=True, exist_ok=True)
                for name in RUN_FILES:
                    shutil.copyfile(run / name, out / env_id / algo / f"seed{seed}" / name)
                kernel = out / env_id / algo / f"seed{seed}" / BLAS_FILE
                if (run / BLAS_FILE).exists():
                    shutil.copyfile(run / BLAS_FILE, kernel)
                else:  # never leave an earlier run's kernel beside these logs
                    kernel.unlink(missing_ok=True)
                with open(run / "progress.csv") as f:
                    rows = list(csv.DictReader(f))
                if not rows:
                    continue
                finals.append(float(rows[-1]["eval_return_mean"]))
                reached.append(int(rows[-1]["step"]))
                config = read_config_json(run)["config"]
                rates.append(learning_steps_per_second(run, config["learning_starts"]))
            if not finals:
                continue
            spec_threshold = make_env(env_id).spec.reward_threshold
            table.append({
                "task": env_id, "algo": algo, "steps": steps, "seeds": len(finals),
                "last_step": min(reached), "return_mean": statistics.fmean(finals),
                "return_std": statistics.pstdev(finals) if len(finals) > 1 else 0.0,
                "returns": " / ".join(f"{r:,.1f}" for r in finals),
                "random_policy": random_policy_return(env_id),
                "reward_threshold": "" if spec_threshold is None else spec_threshold,
                "steps_per_s": statistics.median(rates)})
    return table


def markdown(table: list[dict]) -> str:
    lines = ["| task | algorithm | steps | seeds | return at the last step: mean ± std (seeds "
             "0 / 1 / 2) | random policy | gymnasium's threshold | steps/s while learning |",
             "|---|---|---|---|---|---|---|---|"]
    for r in table:
        partial = "" if r["last_step"] >= r["steps"] else f" (runs at {r['last_step']:,})"
        threshold = f"{r['reward_threshold']:,}" if r["reward_threshold"] != "" else "—"
        lines.append(f"| {r['task']} | {r['algo'].upper()} | {r['steps']:,}{partial} | "
                     f"{r['seeds']} | "
                     f"**{r['return_mean']:,.1f}** ± {r['return_std']:,.1f} ({r['returns']}) | "
                     f"{r['random_policy']:,.1f} | {threshold} | {r['steps_per_s']:,.0f} |")
    return "\n".join(lines)


SHIPPED = ROOT / "checkpoints" / "fast_defaults"


def shipped_table(out: Path = SHIPPED) -> str:
    """The fast-defaults table of docs/results.md, from the shipped logs in ``out`` alone: each
    seed's last evaluation return (progress.csv), the mean ± standard deviation over seeds
    (ddof 1), and the random policy's return and gymnasium's threshold from summary.csv (measured
    by ``collect``). Written by ``python -m benchmarks.doc_tables``."""
    with open(out / "summary.csv", newline="") as f:
        summary = list(csv.DictReader(f))
    lines = ["| task | algorithm | steps | return at the last evaluation: mean ± std over seeds, "
             "ddof 1 (seed by seed) | random policy | gymnasium's threshold |",
             "|---|---|---|---|---|---|"]
    for row in summary:
        finals = []
        for seed_dir in sorted((out / row["task"] / row["algo"]).glob("seed*")):
            with open(seed_dir / "progress.csv", newline="") as f:
                finals.append(float(list(csv.DictReader(f))[-1]["eval_return_mean"]))
        spread = f" ± {statistics.stdev(finals):,.1f}" if len(finals) > 1 else ""
        threshold = (f"{float(row['reward_threshold']):,.2f}".rstrip("0").rstrip(".")
                     if row["reward_threshold"] else "—")
        lines.append(f"| {row['task']} | {row['algo'].upper()} | {int(row['steps']):,} | "
                     f"**{statistics.fmean(finals):,.1f}**{spread} "
                     f"({' / '.join(f'{r:,.1f}' for r in finals)}) | "
                     f"{float(row['random_policy']):,.1f} | {threshold} |")
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
        parser.error(f"no runs of the suite in {args.runs}; train them first (--commands)")
    with open(args.out / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    print(markdown(table))
    print(f"\nMachine: {os.cpu_count()} cores, shared with other runs; logs in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
