"""The MuJoCo table: our DDPG and TD3 runs beside the TD3 paper's curves, in small shipped files.

    python benchmarks/mujoco_table.py --runs runs/mujoco --out checkpoints/mujoco

reads every run folder ``<runs>/<env>/<algo>/seed<k>/`` (made by ``python -m ddpg_numpy train
--env <env> --algo <algo> --seed <k> --steps 200000 --out ...``; they may still be running) and
writes into ``<out>``:

* ``<env>/<algo>/seed<k>/``: the run's ``config.json``, ``progress.csv`` and ``timing.csv``
  (complete lines only: a row being appended is left out);
* ``<env>/<algo>/seed0/actor.npz``: seed 0's actor for ``python -m ddpg_numpy evaluate`` and
  ``render``, from the run's ``agent.npz`` or, while it runs, its last ``checkpoint.npz``; float32,
  compressed, the critics stored as zeros (``critics`` entry says so; they would triple the
  size), the environment step it was taken at in ``env_step``;
* ``start_values.csv``: for every run, on the 10 evaluation start states s₀, the critic's
  Q₁(s₀, μ(s₀)) and the discounted return Σₜ γᵗ rₜ that μ really obtains from s₀ (rolled out
  until γᵗ < 1e-3), at the step of the agent file it read;
* ``td3_paper_curves.csv``: the TD3 paper's own learning curves (``--paper-curves``, the .npy
  files of github.com/sfujim/TD3, learning_curves/), kept up to ``PAPER_MAX_STEP``; left as it is
  when that folder is not given or missing;
* ``summary.csv``: per task and algorithm, the mean ± std over seeds of the evaluation return at
  100k and 200k steps (only once every seed got there) beside the paper's at the same steps,
  each seed's value, the mean of each seed's last five evaluations (180k–200k) for ours and the
  paper's, each run's wall-clock and its steps per second while learning.

It prints the summary as a markdown table. Rerun it as often as wanted: it rewrites these files
from the runs as they stand (and deletes nothing else in ``<out>``).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from ddpg_numpy import DDPG, load_agent  # noqa: E402
from ddpg_numpy.core.checkpoint import save_npz_atomic  # noqa: E402
from ddpg_numpy.lab.envs import EVAL_SEED_BASE, make_env, rollout_rewards  # noqa: E402
from ddpg_numpy.lab.run_folder import (  # noqa: E402
    AGENT_FILE,
    CHECKPOINT_FILE,
    checkpoint_step,
    read_config_json,
    read_timing,
)
from ddpg_numpy.plots.mujoco import (  # noqa: E402
    PAPER_CURVES_FILE,
    SeedCurves,
    load_mujoco_runs,
    load_paper_curves,
    mean_and_std,
    task_of,
)
from ddpg_numpy.plots.overestimation import discounted_horizon, discounted_return  # noqa: E402

KEPT_FILES = ("config.json", "progress.csv", "timing.csv")
ACTOR_FILE = "actor.npz"
START_VALUES_FILE = "start_values.csv"
SUMMARY_FILE = "summary.csv"
TABLE_STEPS = (100_000, 200_000)
PAPER_TASKS = ("HalfCheetah", "Hopper", "Walker2d", "InvertedPendulum")
PAPER_SEEDS = range(10)
PAPER_EVERY = 5000  # the paper's curves: evaluation i at step 5,000 i, i = 0 ... 200
PAPER_MAX_STEP = 300_000  # all 1M steps would be ~240 kB; the plots and the table stop at 200k
PAPER_SOURCE = (
    "# The TD3 paper's learning curves: Fujimoto, van Hoof and Meger (2018), Addressing Function "
    "Approximation Error in Actor-Critic Methods; github.com/sfujim/TD3, learning_curves/"
    "<Env>/TD3_<Env>-v1_<seed>.npy (MIT license).\n"
    "# TD3 on the gym v1 tasks, 10 seeds; return = mean of 10 noise-free evaluation episodes, "
    f"every {PAPER_EVERY:,} steps from 0; kept up to {PAPER_MAX_STEP:,} steps "
    "(benchmarks/mujoco_table.py).\n")


def write_text_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def complete_lines(path: Path) -> str:
    """The file's text up to its last newline: a row still being appended is left out."""
    text = path.read_text()
    return text[:text.rfind("\n") + 1]


def run_folders(runs: Path, finished_only: bool = False) -> list[Path]:
    """Every ``<env>/<algo>/seed<k>`` folder with at least one evaluation logged (with
    ``finished_only``: and its final agent.npz, so that a run still training is left out)."""
    return [p.parent for p in sorted(runs.glob("*/*/seed*/progress.csv"))
            if complete_lines(p).count("\n") >= 2
            and (not finished_only or (p.parent / AGENT_FILE).exists())]


def actor_only(agent: DDPG, env_step: int) -> dict[str, np.ndarray]:
    """The arrays ``load_agent`` needs, for acting: the actor in float32, the critics as zeros
    (which compress to almost nothing), and the environment step the agent was taken at."""
    state = agent.state_dict(training_state=False)
    for key, value in state.items():
        if key.startswith("critic") and key.endswith(".theta"):
            state[key] = np.zeros_like(value, dtype=np.float32)
        elif key.endswith(".theta"):
            state[key] = value.astype(np.float32)
    state["critics"] = np.array("zeros: an actor-only file (benchmarks/mujoco_table.py); the "
                                "critics were left out to keep it small")
    state["env_step"] = np.array(env_step)
    return state


def latest_agent(run: Path) -> tuple[DDPG, int] | None:
    """The run's final agent (agent.npz) or, while it trains, its last checkpoint, with the
    environment step it was taken at; None before the first checkpoint."""
    if (run / AGENT_FILE).exists():
        return load_agent(run / AGENT_FILE), int(read_config_json(run)["steps"])
    if (run / CHECKPOINT_FILE).exists():
        return load_agent(run / CHECKPOINT_FILE), checkpoint_step(run)
    return None


def start_values(agent: DDPG, env_id: str, episodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Q₁(s₀, μ(s₀)) and the discounted return μ obtains from s₀, each (episodes,), on the
    evaluation start states reset(seed=EVAL_SEED_BASE + i), rolled out until γᵗ < 1e-3."""
    gamma = agent.config.gamma
    envs = [make_env(env_id, max_episode_steps=discounted_horizon(gamma))
            for _ in range(episodes)]
    starts, rewards = rollout_rewards(agent, env_id, episodes, EVAL_SEED_BASE, envs)
    for env in envs:
        env.close()
    x = starts.astype(agent.dtype)
    q1 = agent.critic(x, agent.actor(x))
    return np.ravel(q1).astype(float), np.ravel(discounted_return(rewards, gamma))


def copy_runs(runs: Path, out: Path, episodes: int, finished_only: bool = False) -> list[dict]:
    """Copy each run's logs, write seed 0's actor file; returns the start-value rows."""
    rows = []
    for run in run_folders(runs, finished_only):
        target = out / run.relative_to(runs)
        for name in KEPT_FILES:  # config.json is written whole, the logs row by row
            if (run / name).exists():
                write_text_atomically(target / name, complete_lines(run / name)
                                      if name.endswith(".csv") else (run / name).read_text())
        found = latest_agent(run)
        if found is None:
            continue
        agent, step = found
        env_id, algo, seed = run.parent.parent.name, run.parent.name, int(run.name[4:])
        if seed == 0:
            save_npz_atomic(target / ACTOR_FILE, actor_only(agent, step), compressed=True)
        q1, returns = start_values(agent, env_id, episodes)
        rows += [{"env": env_id, "algo": algo, "seed": seed, "step": step, "start": i,
                  "q1": f"{q:.2f}", "discounted_return": f"{r:.2f}"}
                 for i, (q, r) in enumerate(zip(q1, returns))]
    return rows


def write_csv(path: Path, rows: list[dict], header: str = "") -> None:
    text = io.StringIO()
    text.write(header)
    if rows:
        writer = csv.DictWriter(text, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    write_text_atomically(path, text.getvalue())


def paper_rows(folder: Path) -> list[dict]:
    """The paper's curves as rows (env, seed, step, return), up to PAPER_MAX_STEP."""
    rows = []
    for task in PAPER_TASKS:
        for seed in PAPER_SEEDS:
            returns = np.load(folder / f"TD3_{task}-v1_{seed}.npy", allow_pickle=False)
            for i, value in enumerate(returns[:PAPER_MAX_STEP // PAPER_EVERY + 1]):
                rows.append({"env": f"{task}-v1", "seed": seed, "step": i * PAPER_EVERY,
                             "return": f"{value:.2f}"})
    return rows


def learning_rate(run: Path) -> tuple[float, float]:
    """(wall-clock seconds of the run so far: train + eval, steps per second while learning:
    from the first evaluation after ``learning_starts`` to the last, training seconds only)."""
    timing = read_timing(run)
    if not timing:  # the first evaluation's row not written yet
        return float("nan"), float("nan")
    starts = read_config_json(run)["config"]["learning_starts"]
    first = next((r for r in timing if r["step"] >= starts), timing[0])
    last = timing[-1]
    seconds = last["train_seconds"] + last["eval_seconds"]
    learning = last["train_seconds"] - first["train_seconds"]
    return seconds, (last["step"] - first["step"]) / learning if learning > 0 else float("nan")


def summary_rows(out: Path, runs: dict[str, dict[str, SeedCurves]],
                 paper: dict[str, SeedCurves]) -> list[dict]:
    rows = []
    for env_id, algos in sorted(runs.items()):
        for algo, curves in sorted(algos.items()):
            rates = [learning_rate(out / env_id / algo / f"seed{s}") for s in curves.seeds]
            row = {"env": env_id, "algo": algo, "seeds": len(curves.seeds),
                   "last_step": ";".join(str(int(s)) for s in curves.last_steps()),
                   "complete": all(s >= read_config_json(out / env_id / algo / f"seed{k}")["steps"]
                                   for s, k in zip(curves.last_steps(), curves.seeds))}
            for step in TABLE_STEPS:
                k = f"{step // 1000}k"
                ours, theirs = curves.at(step), paper.get(task_of(env_id))
                theirs = theirs.at(step) if theirs is not None else None
                mean, std = mean_and_std(ours) if ours is not None else ("", "")
                p_mean, p_std = mean_and_std(theirs) if theirs is not None else ("", "")
                row |= {f"mean_{k}": _num(mean), f"std_{k}": _num(std),
                        f"each_seed_{k}": "" if ours is None else
                        ";".join(f"{v:.1f}" for v in ours),
                        f"paper_mean_{k}": _num(p_mean), f"paper_std_{k}": _num(p_std),
                        f"td3_ge_paper_{k}": "" if algo != "td3" or "" in (mean, p_mean)
                        else ("yes" if mean >= p_mean else "no")}
            # One evaluation is noisy (a seed's return can halve from one to the next): the
            # mean of each seed's last five (180k-200k), for ours and the paper's alike.
            ours = last_evaluations(curves, TABLE_STEPS[-1])
            theirs = paper.get(task_of(env_id))
            theirs = last_evaluations(theirs, TABLE_STEPS[-1]) if theirs is not None else None
            mean, std = mean_and_std(ours) if ours is not None else ("", "")
            p_mean, p_std = mean_and_std(theirs) if theirs is not None else ("", "")
            row |= {"mean_last5": _num(mean), "std_last5": _num(std),
                    "paper_mean_last5": _num(p_mean), "paper_std_last5": _num(p_std)}
            row |= {"seconds": ";".join(f"{s:.0f}" for s, _ in rates),
                    "steps_per_second": ";".join(f"{r:.1f}" for _, r in rates)}
            rows.append(row)
    return rows


def last_evaluations(curves: SeedCurves, step: int, count: int = 5,
                     every: int = 5000) -> np.ndarray | None:
    """(S,) each seed's mean over its ``count`` evaluations up to ``step``, or None unless every
    seed logged all of them."""
    values = [curves.at(step - i * every) for i in range(count)]
    return None if any(v is None for v in values) else np.mean(values, axis=0)


def _num(x: float | str) -> str:
    return x if isinstance(x, str) else f"{x:.1f}"


def markdown(rows: list[dict]) -> str:
    """The summary as a markdown table (mean ± std over seeds; the paper's TD3 beside it)."""
    def pm(row: dict, prefix: str, k: str) -> str:
        mean, std = row[f"{prefix}mean_{k}"], row[f"{prefix}std_{k}"]
        return "—" if mean == "" else f"{float(mean):,.0f} ± {float(std):,.0f}"

    lines = ["| task | algorithm | seeds | last step | return at 100k | paper's TD3 at 100k | "
             "return at 200k | paper's TD3 at 200k | TD3 ≥ paper (100k, 200k) | last 5 "
             "evaluations, 180k–200k | paper's TD3, same | seconds per run | steps/s learning |",
             "|" + "---|" * 13]
    for r in rows:
        verdict = ", ".join(r[f"td3_ge_paper_{k}"] or "—" for k in ("100k", "200k"))
        lines.append(
            f"| {r['env']} | {r['algo'].upper()} | {r['seeds']} | {r['last_step']} | "
            f"{pm(r, '', '100k')} | {pm(r, 'paper_', '100k')} | {pm(r, '', '200k')} | "
            f"{pm(r, 'paper_', '200k')} | {verdict if r['algo'] == 'td3' else ''} | "
            f"{pm(r, '', 'last5')} | {pm(r, 'paper_', 'last5')} | "
            f"{r['seconds']} | {r['steps_per_second']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/mujoco"))
    parser.add_argument("--out", type=Path, default=Path("checkpoints/mujoco"))
    parser.add_argument("--paper-curves", type=Path, default=Path("/tmp/td3curves"),
                        help="folder of the paper's TD3_<Env>-v1_<seed>.npy files (default: "
                             "/tmp/td3curves; if missing, the shipped CSV is kept)")
    parser.add_argument("--start-episodes", type=int, default=10,
                        help="evaluation start states for start_values.csv (default 10)")
    parser.add_argument("--finished-only", action="store_true",
                        help="leave out runs still training (no agent.npz yet)")
    args = parser.parse_args(argv)
    runs = run_folders(args.runs, args.finished_only)
    if not runs:
        print(f"error: no run folder with an evaluation in {args.runs} (expected "
              "<env>/<algo>/seed<k>/progress.csv); pass --runs DIR.", file=sys.stderr)
        return 2
    several = [run for run in runs if len(read_config_json(run)["seeds"]) != 1]
    if several:
        print(f"error: {several[0]} holds several seeds; the table needs one per folder (train "
              "--seed K --out <env>/<algo>/seedK).", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    if args.paper_curves.is_dir():
        write_csv(args.out / PAPER_CURVES_FILE, paper_rows(args.paper_curves), PAPER_SOURCE)
    elif not (args.out / PAPER_CURVES_FILE).exists():
        print(f"error: no {args.paper_curves} and no {args.out / PAPER_CURVES_FILE}: pass "
              "--paper-curves DIR with the TD3 paper's .npy curves.", file=sys.stderr)
        return 2
    write_csv(args.out / START_VALUES_FILE, copy_runs(args.runs, args.out, args.start_episodes,
                                                          args.finished_only))
    rows = summary_rows(args.out, load_mujoco_runs(args.out),
                        load_paper_curves(args.out / PAPER_CURVES_FILE))
    write_csv(args.out / SUMMARY_FILE, rows)
    print(markdown(rows))
    total = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"\nwrote {args.out} ({total / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
