"""The MuJoCo table: our DDPG and TD3 runs, a PyTorch peer's TD3 and the TD3 paper's curves, in
small shipped files, and the report over seeds written from them.

    python benchmarks/mujoco_table.py --runs runs/mujoco --peer-runs runs/mujoco_pytorch_peer \
        --out checkpoints/mujoco

reads every run folder ``<runs>/<env>/<algo>/seed<k>/`` (made by ``python -m ddpg_numpy train
--env <env> --algo <algo> --seed <k> --steps 200000 --out ...``) and ``<peer-runs>/<env>/td3/
seed<k>/`` (the PyTorch peer's, same progress.csv and timing.csv columns; also taken from
``<runs>/<env>/td3-pytorch-peer/seed<k>/``, the sweep spec's layout) and *adds* the
finished ones to ``<out>``, next to the runs already shipped there (a shipped run has no run
folder any more; it is kept as it is). A run is finished when its last evaluation reached the
steps its config.json asked for. Runs still training are left out, unless
``--include-unfinished``: then they are copied as far as they got and marked with a file
``UNFINISHED`` (the report counts them apart; the next run without the flag removes every
marked copy that has not finished by then). A shipped complete run is never replaced by an
unfinished one. Into ``<out>`` go:

* ``<env>/<algo>/seed<k>/`` (ours) and ``pytorch_peer/<env>/td3/seed<k>/`` (the peer's): the run's
  ``config.json``, ``progress.csv``, ``timing.csv`` (complete lines only) and ``blas.json`` (the
  OpenBLAS kernel the run had, threadpoolctl's record);
* ``<env>/<algo>/seed0/actor.npz``: seed 0's actor (ours) for ``python -m ddpg_numpy evaluate``
  and ``render``: float32, compressed, the critics stored as zeros (``critics`` entry says so),
  the environment step it was taken at in ``env_step``;
* ``start_values.csv``: for each of our runs, on the 10 evaluation start states s₀, the critic's
  Q₁(s₀, μ(s₀)) and the discounted return Σₜ γᵗ rₜ that μ obtains from s₀ (rolled out until
  γᵗ < 1e-3), at the step of the agent file it read, and the kernel of the process that rolled
  out (rows of runs not collected this time are kept);
* ``td3_paper_curves.csv`` and ``td3_paper_curves_2018-02.csv``: the TD3 paper's two published
  10-seed sets (``--paper-curves DIR``, ``--paper-curves-2018-02 DIR``; kept as they are when
  not given; ``mujoco_report.PAPER_SETS`` says which is which);
With ``--book`` it then redraws ``figures/mujoco_learning_curves.png`` from ``<out>`` and
re-executes ``notebooks/09_beyond_pendulum.ipynb`` in place (the thread variables unset, as a
reader runs it) and rewrites its run time in notebooks/README.md: the one command to run when
more runs have finished.

* ``results.md``, ``results.csv``, ``results_seeds.csv``: the report (benchmarks/mujoco_report.py),
  rewritten from ``<out>`` alone, so ``python benchmarks/mujoco_report.py --out <out>`` gives the
  same files without the runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from benchmarks import mujoco_report  # noqa: E402
from ddpg_numpy import DDPG, load_agent  # noqa: E402
from ddpg_numpy.core.checkpoint import save_npz_atomic  # noqa: E402
from ddpg_numpy.lab.envs import EVAL_SEED_BASE, make_env, rollout_rewards  # noqa: E402
from ddpg_numpy.lab.run_folder import AGENT_FILE, CHECKPOINT_FILE, checkpoint_step  # noqa: E402
from ddpg_numpy.plots.mujoco import (  # noqa: E402
    PAPER_CURVES_FILE,
    PAPER_FIRST_UPLOAD_FILE,
    PEER_FOLDER,
    UNFINISHED_FILE,
    blas_kernel,
)
from ddpg_numpy.plots.overestimation import discounted_horizon, discounted_return  # noqa: E402

PEER_ALGO_SUFFIX = "-pytorch-peer"  # td3-pytorch-peer: the peer's algorithm name in a sweep spec
FIGURE_FILE = "mujoco_learning_curves.png"
NOTEBOOK = "09_beyond_pendulum.ipynb"
KEPT_FILES = ("config.json", "progress.csv", "timing.csv", "blas.json")
ACTOR_FILE = "actor.npz"
START_VALUES_FILE = "start_values.csv"
PAPER_TASKS = ("HalfCheetah", "Hopper", "Walker2d", "InvertedPendulum")
PAPER_SEEDS = range(10)
PAPER_EVERY = 5000  # the paper's curves: evaluation i at step 5,000 i, i = 0 ... 200
PAPER_MAX_STEP = 300_000  # all 1M steps would be ~240 kB; the plots and the table stop at 200k
PAPER_SOURCES = {
    PAPER_CURVES_FILE: "the camera-ready set: commit bc98e6260e4e35e1a2afc1c78b6925251dd0a1e9 "
                       "'Camera-ready cleanup', 2018-06-09",
    PAPER_FIRST_UPLOAD_FILE: "the first published set: commit "
                             "32c6d478c20b2485d28a529a2c9deaa855ea2544 'Add files via upload', "
                             "2018-02-22 (replaced by the camera-ready set)",
}


def paper_source(name: str) -> str:
    return ("# The TD3 paper's learning curves: Fujimoto, van Hoof and Meger (2018), Addressing "
            "Function Approximation Error in Actor-Critic Methods; github.com/sfujim/TD3, "
            f"learning_curves/<Env>/TD3_<Env>-v1_<seed>.npy (MIT license), {PAPER_SOURCES[name]}."
            "\n# TD3 on the gym v1 tasks, 10 seeds; return = mean of 10 noise-free evaluation "
            f"episodes, every {PAPER_EVERY:,} steps from 0; kept up to {PAPER_MAX_STEP:,} steps "
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


def read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def last_step(run: Path) -> int:
    """The step of the run's last complete progress.csv row (0 before the first)."""
    lines = complete_lines(run / "progress.csv").splitlines()[1:]
    return int(float(lines[-1].split(",", 1)[0])) if lines else 0


def is_finished(run: Path, ours: bool = True) -> bool:
    """Whether the run's last evaluation reached the steps its config.json asked for (and, for
    ours, the final agent.npz is written; the peer keeps its checkpoint.npz and writes no
    agent.npz), and it is not a copy marked UNFINISHED."""
    steps = read_json(run / "config.json").get("steps")
    ours_done = (not ours or (run / AGENT_FILE).exists()
                 or not (run / CHECKPOINT_FILE).exists())
    return (steps is not None and last_step(run) >= steps and ours_done
            and not (run / UNFINISHED_FILE).exists())


def is_peer(run: Path) -> bool:
    """A peer run laid out as a sweep cell (benchmarks/specs/mujoco.toml):
    ``<runs>/<env>/td3-pytorch-peer/seed<k>``."""
    return run.parent.name.endswith(PEER_ALGO_SUFFIX)


def run_folders(runs: Path, finished_only: bool = True, ours: bool = True) -> list[Path]:
    """Every ``<env>/<algo>/seed<k>`` folder with at least one evaluation logged (with
    ``finished_only``, the default: finished runs only): ours (``ours``), or the peer's."""
    return [p.parent for p in sorted(runs.glob("*/*/seed*/progress.csv"))
            if complete_lines(p).count("\n") >= 2 and is_peer(p.parent) != ours
            and (not finished_only or is_finished(p.parent, ours))]


def peer_targets(runs: Path, peer_runs: Path, out: Path, finished_only: bool
                 ) -> list[tuple[Path, Path]]:
    """(run, folder in ``out``) of the peer's runs: ``<peer_runs>/<env>/td3/seed<k>`` and
    ``<runs>/<env>/td3-pytorch-peer/seed<k>``, both to ``<out>/pytorch_peer/<env>/td3/seed<k>``."""
    found = [p.parent for p in sorted(peer_runs.glob("*/*/seed*/progress.csv"))]
    found += [p.parent for p in sorted(runs.glob(f"*/*{PEER_ALGO_SUFFIX}/seed*/progress.csv"))]
    return [(run, out / PEER_FOLDER / run.parent.parent.name /
             run.parent.name.removesuffix(PEER_ALGO_SUFFIX) / run.name) for run in found
            if complete_lines(run / "progress.csv").count("\n") >= 2
            and (not finished_only or is_finished(run, ours=False))]


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
    environment step it was taken at; None before the first checkpoint (or for the peer)."""
    if (run / AGENT_FILE).exists():
        return load_agent(run / AGENT_FILE), int(read_json(run / "config.json")["steps"])
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


def copy_run(run: Path, target: Path, finished: bool) -> bool:
    """Copy the run's logs to ``target``; False (nothing copied) if ``target`` holds a finished
    run and this one is not finished."""
    if not finished and target.exists() and is_finished(target):
        return False
    for name in KEPT_FILES:  # config.json and blas.json are written whole, the logs row by row
        if (run / name).exists():
            write_text_atomically(target / name, complete_lines(run / name)
                                  if name.endswith(".csv") else (run / name).read_text())
    if finished:
        (target / UNFINISHED_FILE).unlink(missing_ok=True)
    else:
        write_text_atomically(target / UNFINISHED_FILE, f"copied at step {last_step(run)} of "
                              f"{read_json(run / 'config.json').get('steps')} by "
                              "benchmarks/mujoco_table.py --include-unfinished\n")
    return True


def collect(runs: Path, out: Path, episodes: int, include_unfinished: bool) -> list[dict]:
    """Copy each of our runs' logs, seed 0's actor file, and measure the start values; returns
    the start-value rows of the runs copied."""
    rows = []
    for run in run_folders(runs, not include_unfinished):
        target = out / run.relative_to(runs)
        if not copy_run(run, target, is_finished(run)):
            continue
        found = latest_agent(run)
        if found is None:
            continue
        agent, step = found
        env_id, algo, seed = run.parent.parent.name, run.parent.name, int(run.name[4:])
        if seed == 0:
            save_npz_atomic(target / ACTOR_FILE, actor_only(agent, step), compressed=True)
        q1, returns = start_values(agent, env_id, episodes)
        kernel = blas_kernel(None)
        rows += [{"env": env_id, "algo": algo, "seed": seed, "step": step, "start": i,
                  "q1": f"{q:.2f}", "discounted_return": f"{r:.2f}", "kernel": kernel}
                 for i, (q, r) in enumerate(zip(q1, returns))]
    return rows


def remove_stale_unfinished(out: Path) -> list[Path]:
    """Delete the copies marked UNFINISHED (the default run keeps finished runs only)."""
    stale = sorted(p.parent for p in out.rglob(UNFINISHED_FILE))
    for folder in stale:
        shutil.rmtree(folder)
    return stale


def merge_start_values(path: Path, new: list[dict], out: Path) -> list[dict]:
    """The rows of ``path`` for runs still in ``out`` and not in ``new``, then ``new``. Rows
    written before the kernel column have the kernel their runs were made with (SkylakeX)."""
    key = ("env", "algo", "seed")
    fresh = {tuple(str(r[k]) for k in key) for r in new}
    kept = []
    if path.is_file():
        for r in csv.DictReader(open(path, newline="")):
            if tuple(r[k] for k in key) not in fresh and \
                    (out / r["env"] / r["algo"] / f"seed{r['seed']}" / "progress.csv").is_file():
                kept.append(r | {"kernel": r.get("kernel") or mujoco_report.LEGACY_KERNEL})
    rows = sorted(kept + new, key=lambda r: (r["env"], r["algo"], int(r["seed"]), int(r["start"])))
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


def refresh_book(out: Path) -> None:
    """Redraw figures/mujoco_learning_curves.png from ``out``, re-execute notebook 09 and put its
    new run time in notebooks/README.md (benchmarks/notebook_times.py)."""
    from ddpg_numpy.plots import plot_mujoco_folder, save_figure

    print(f"wrote {save_figure(plot_mujoco_folder(out), ROOT / 'figures' / FIGURE_FILE)}")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                    "--execute", "--inplace", NOTEBOOK], cwd=ROOT / "notebooks", env=env,
                   check=True)
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "notebook_times.py"), "--write"],
                   check=True)


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/mujoco"))
    parser.add_argument("--peer-runs", type=Path, default=Path("runs/mujoco_pytorch_peer"),
                        help="the PyTorch peer's run folders (skipped if missing)")
    parser.add_argument("--out", type=Path, default=Path("checkpoints/mujoco"))
    parser.add_argument("--paper-curves", type=Path, default=None,
                        help="folder of the paper's camera-ready TD3_<Env>-v1_<seed>.npy files "
                             "(if not given, the shipped CSV is kept)")
    parser.add_argument("--paper-curves-2018-02", type=Path, default=None,
                        help="folder of the paper's first published .npy files (likewise)")
    parser.add_argument("--start-episodes", type=int, default=10,
                        help="evaluation start states for start_values.csv (default 10)")
    parser.add_argument("--include-unfinished", action="store_true",
                        help="also copy runs still training, marked UNFINISHED")
    parser.add_argument("--reps", type=int, default=mujoco_report.REPS,
                        help=f"bootstrap resamples per interval (default {mujoco_report.REPS})")
    parser.add_argument("--book", action="store_true",
                        help="then redraw the figure and re-execute notebook 09")
    parser.add_argument("--finished-only", action="store_true",
                        help="(the default; kept so older commands still run)")
    args = parser.parse_args(argv)
    runs = run_folders(args.runs, not args.include_unfinished)
    if not runs and not (args.out / PAPER_CURVES_FILE).exists():
        return fail(f"no finished run folder in {args.runs} (expected <env>/<algo>/seed<k>/"
                    f"progress.csv) and nothing shipped in {args.out}; pass --runs DIR.")
    peers = [run for run, _ in peer_targets(args.runs, args.peer_runs, args.out,
                                            not args.include_unfinished)]
    for run in runs + peers:
        if len(read_json(run / "config.json").get("seeds", [0])) != 1:
            return fail(f"{run} holds several seeds; the table needs one per folder (train "
                        "--seed K --out <env>/<algo>/seedK).")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, folder in ((PAPER_CURVES_FILE, args.paper_curves),
                         (PAPER_FIRST_UPLOAD_FILE, args.paper_curves_2018_02)):
        if folder is not None and folder.is_dir():
            write_csv(args.out / name, paper_rows(folder), paper_source(name))
        elif folder is not None or not (args.out / name).exists():
            return fail(f"no folder {folder} and no {args.out / name}: pass the folder of the "
                        "TD3 paper's .npy curves (checkpoints/mujoco/README.md says how).")
    if not args.include_unfinished:
        for folder in remove_stale_unfinished(args.out):
            print(f"removed the unfinished copy {folder}")
    new = collect(args.runs, args.out, args.start_episodes, args.include_unfinished)
    for run, target in peer_targets(args.runs, args.peer_runs, args.out,
                                    not args.include_unfinished):
        copy_run(run, target, is_finished(run, ours=False))
    write_csv(args.out / START_VALUES_FILE,
              merge_start_values(args.out / START_VALUES_FILE, new, args.out))
    print(mujoco_report.write_report(args.out, args.reps))
    total = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"\nwrote {args.out} ({total / 1e6:.2f} MB)")
    if args.book:
        refresh_book(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
