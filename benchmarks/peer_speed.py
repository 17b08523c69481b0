"""Ours against the same-task PyTorch peer, end to end, taking turns in one process.

    python benchmarks/peer_speed.py [--env HalfCheetah-v5] [--algo td3] [--steps 3000]
        [--warmup 1000] [--repeats 3] [--write checkpoints/mujoco/peer_speed.md]

The MuJoCo report (checkpoints/mujoco/results.md) gives each shipped run's steps per second, but
those runs shared their machine with other jobs whose load came and went, so a ratio of two runs
made hours apart mixes the implementations with the load. Here both run in one process, one after
the other in each repeat, so they see the same CPU, the same kernel and nearly the same load:

* **ours**: ``ddpg_numpy.train`` with the task's preset (``TD3Config.preset`` /
  ``DDPGConfig.preset``: the TD3 paper's values, 400-300, batch 100, float32 fast path);
* **the peer**: ``benchmarks/peers/torch_peer.py``'s ``run`` with the same preset (the authors'
  update in PyTorch, one thread, the loop of a CleanRL-style single file).

Both with the warm-up cut to ``--warmup`` random steps (it only fills the buffer), the first
update there, one one-episode evaluation at the warm-up's end and at the run's, no checkpoint
on the way. Steps per second over the ``--steps`` learning steps come from each run's
timing.csv (training seconds: evaluation left out); the table gives the median over repeats and
the ratio ours ÷ peer per repeat, with its median. Seed k in repeat k, the same for both.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from benchmarks.td3_end_to_end import check_short_run  # noqa: E402
from benchmarks.torch_baseline import torch_available  # noqa: E402
from ddpg_numpy import DDPGConfig, TD3Config, train  # noqa: E402
from ddpg_numpy.core.config import PRESETS  # noqa: E402
from ddpg_numpy.fast import blas_description  # noqa: E402
from ddpg_numpy.lab.options import OneLineParser, whole  # noqa: E402
from ddpg_numpy.lab.run_folder import read_timing, replace_text  # noqa: E402

CONFIGS = {"td3": TD3Config, "ddpg": DDPGConfig}


def short_run_changes(warmup: int, steps: int) -> dict[str, int]:
    """The preset's values a timing run changes: the warm-up and the first update at
    ``warmup``, one one-episode evaluation at the warm-up's end and at the run's, no checkpoint
    on the way."""
    return dict(warmup_steps=warmup, learning_starts=warmup, eval_every=math.gcd(warmup, steps),
                eval_episodes=1, checkpoint_every=10**9)


def learning_rate(run: Path, warmup: int, steps: int) -> float:
    """Learning steps per second of a finished run: its timing.csv's training seconds between
    the warm-up's end and the last step (evaluation excluded)."""
    seconds = {int(r["step"]): r["train_seconds"] for r in read_timing(run)}
    return steps / (seconds[warmup + steps] - seconds[warmup])


def run_ours(env_id: str, algo: str, warmup: int, steps: int, seed: int, folder: Path) -> float:
    cfg = CONFIGS[algo].preset(env_id).replace(**short_run_changes(warmup, steps))
    run = folder / f"ours-{seed}"
    train(env_id, cfg, warmup + steps, seed=seed, out=run, progress=False)
    return learning_rate(run, warmup, steps)


def run_peer(env_id: str, algo: str, warmup: int, steps: int, seed: int, folder: Path) -> float:
    from benchmarks.peers.torch_peer import run

    changes = short_run_changes(warmup, steps)
    run_folder = folder / f"peer-{seed}"
    run(env_id, algo, seed, warmup + steps, run_folder, progress=False,
        eval_every=changes.pop("eval_every"), checkpoint_every=changes.pop("checkpoint_every"),
        overrides=changes)
    return learning_rate(run_folder, warmup, steps)


def table(ours: list[float], peer: list[float]) -> str:
    """Markdown: median steps/s of each (and each repeat's), and ours ÷ peer per repeat."""
    ratios = [a / b for a, b in zip(ours, peer)]
    return "\n".join([
        "| implementation | learning steps/s: median (each repeat) | ours ÷ peer: median "
        "(each repeat) |", "|---|---|---|",
        f"| ours (NumPy, float32 fast path) | **{statistics.median(ours):.0f}** "
        f"({', '.join(f'{x:.0f}' for x in ours)}) | — |",
        f"| the PyTorch peer (1 thread) | **{statistics.median(peer):.0f}** "
        f"({', '.join(f'{x:.0f}' for x in peer)}) | **{statistics.median(ratios):.2f}×** "
        f"({', '.join(f'{x:.2f}' for x in ratios)}) |"])


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog="peer_speed.py", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="HalfCheetah-v5",
                        help="a task with a preset (default HalfCheetah-v5)")
    parser.add_argument("--algo", choices=tuple(CONFIGS), default="td3")
    parser.add_argument("--steps", type=whole(1), default=3000,
                        help="learning steps per run, after the warm-up (default 3000)")
    parser.add_argument("--warmup", type=whole(1), default=1000,
                        help="random steps first, to fill the buffer (default 1000)")
    parser.add_argument("--repeats", type=whole(1), default=3,
                        help="rounds, each running ours then the peer (default 3)")
    parser.add_argument("--write", type=Path, default=None, metavar="FILE",
                        help="also write the result, with its command and machine, to FILE")
    args = parser.parse_args(argv)
    if args.env not in PRESETS:
        parser.error(f"--env {args.env} has no preset: use one of {', '.join(sorted(PRESETS))}")
    check_short_run(parser, args.warmup, args.steps,
                    CONFIGS[args.algo].preset(args.env).batch_size, "the preset's batch")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    if not torch_available():
        print("peer_speed.py: error: PyTorch is not installed: pip install torch==2.13.0 (the "
              "CPU build), or pip install -e '.[peer]'", file=sys.stderr)
        return 2
    import torch
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        blas = blas_description()
    load_before, started = os.getloadavg(), time.strftime("%Y-%m-%d %H:%M")
    ours: list[float] = []
    peer: list[float] = []
    with tempfile.TemporaryDirectory(prefix="ddpg-peer-speed-") as tmp:
        for repeat in range(args.repeats):  # taking turns: both see the same load
            ours.append(run_ours(args.env, args.algo, args.warmup, args.steps, repeat, Path(tmp)))
            peer.append(run_peer(args.env, args.algo, args.warmup, args.steps, repeat, Path(tmp)))
            print(f"repeat {repeat + 1}: ours {ours[-1]:.0f}, the peer {peer[-1]:.0f} learning "
                  "steps/s", flush=True)
    load_after = os.getloadavg()
    command = "python benchmarks/peer_speed.py " + " ".join(sys.argv[1:] if argv is None
                                                            else argv)
    text = "\n".join([
        f"{args.algo.upper()} on {args.env} with its preset, {args.warmup:,} random steps then "
        f"{args.steps:,} learning steps per run, {args.repeats} repeat(s) taking turns in one "
        "process; steps per second over the learning steps (training seconds of each run's "
        "timing.csv, evaluation excluded).", "", table(ours, peer), "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; {started}. NumPy BLAS: "
        f"{blas}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; PyTorch "
        f"{torch.__version__}, 1 thread.", f"Command: `{command.strip()}`.", ""])
    print("\n" + text)
    if args.write is not None:
        replace_text(args.write, text)  # atomic: a temporary file, then os.replace
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
