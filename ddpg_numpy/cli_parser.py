"""The command line's arguments: every command, its options and their help (see cli.py)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from .core.config import DDPGConfig, TD3Config
from .lab import options
from .lab.envs import EVAL_SEED_BASE
from .lab.options import OneLineParser, whole

CONFIG_CLASSES = {"ddpg": DDPGConfig, "td3": TD3Config}  # --algo NAME -> its config class
ALGORITHMS = list(CONFIG_CLASSES)

EXAMPLES = """examples:
  python -m ddpg_numpy train --env Pendulum-v1 --steps 20000 --seed 0 --out runs/pendulum
  python -m ddpg_numpy train --env Pendulum-v1 --seeds 0-4 --out runs/five-seeds
  python -m ddpg_numpy train --seeds 0-4 --workers 2 --out runs/five   # on two CPU cores
  python -m ddpg_numpy train --out runs/pendulum --resume      # continue an interrupted run
  python -m ddpg_numpy train --algo td3 --seeds 0-4 --out runs/td3   # TD3 instead of DDPG
  python -m ddpg_numpy train --algo td3 --set policy_delay=1 --set twin_critics=false --out x
  python -m ddpg_numpy evaluate runs/pendulum/agent.npz --episodes 50
  python -m ddpg_numpy render runs/pendulum/agent.npz --gif pendulum.gif
  python -m ddpg_numpy plot runs/pendulum runs/five-seeds --out curves.png
  python -m ddpg_numpy gradcheck
"""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="ddpg-numpy", description="DDPG (and TD3) from scratch in NumPy: train, "
        "evaluate, look.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("train", help="train a DDPG or TD3 agent on a gymnasium environment",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    # None = not given: --resume refuses flags that disagree with the saved run.
    p.add_argument("--env", type=options.text("an environment id", "Pendulum-v1"),
                   default=None,
                   help="gymnasium id with continuous (Box) actions (default: Pendulum-v1)")
    p.add_argument("--algo", choices=ALGORITHMS, default=None,
                   help="ddpg (default) or td3: TD3Config.preset(env), DDPG's preset plus twin "
                        "critics, target smoothing and policy delay, each a --set switch "
                        "(with --resume: the run's own)")
    p.add_argument("--steps", type=whole(1), default=None,
                   help="environment steps (default 20000; with --resume: the run's own)")
    p.add_argument("--seed", type=options.seed, default=None,
                   help="random seed of a single run, 0 to 2**32 - 1 (default 0)")
    p.add_argument("--seeds", type=options.parse_seeds, default=None,
                   help="train several seeds at once in lock-step, e.g. 0-4 or 0,1,2 "
                        "(each in 0 to 2**32 - 1, at most 1000)")
    p.add_argument("--workers", type=whole(1), default=None,
                   help="with --seeds: split the seeds over this many processes, one per CPU "
                        "core (same numbers; default 1: all in this process)")
    p.add_argument("--out", type=options.path("runs/pendulum"), default=None,
                   help="run folder for config.json, progress.csv and checkpoints")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint, with its config")
    p.add_argument("--paper", action="store_true",
                   help="use the paper's hyperparameters (float64) instead of the environment's "
                        "preset or, without one, the fast defaults (with --algo td3: DDPG's "
                        "paper values plus TD3's, TD3Config())")
    p.add_argument("--set", dest="overrides", type=options.parse_override, action="append",
                   default=[], metavar="NAME=VALUE",
                   help="override one hyperparameter, e.g. --set tau=0.005 (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser("evaluate", help="mean return of a saved agent (no exploration noise)")
    p.add_argument("checkpoint", type=options.path("runs/pendulum/agent.npz"),
                   help="agent.npz or checkpoint.npz of a run")
    p.add_argument("--env", type=options.text("an environment id", "Pendulum-v1"), default=None,
                   help="environment id (default: the one it trained on)")
    p.add_argument("--episodes", type=whole(1), default=50,
                   help="episodes from the fixed evaluation start states (default 50)")
    add_algo_check(p)

    p = sub.add_parser("render", help="write a GIF of a saved agent acting",
                       description="A GIF of the agent's deterministic policy μ(s) at real "
                       "speed, with step, reward, return and action under each frame. MuJoCo "
                       "tasks draw off-screen: MUJOCO_GL if set, else (no screen) egl, then "
                       "osmesa; if neither works, the error says which package to install.")
    p.add_argument("checkpoint", type=options.path("runs/pendulum/agent.npz"),
                   help="agent.npz or checkpoint.npz of a run (or a file with the actor alone)")
    p.add_argument("--gif", type=options.path("pendulum.gif"), required=True,
                   help="output file, e.g. pendulum.gif")
    p.add_argument("--env", type=options.text("an environment id", "Pendulum-v1"), default=None,
                   help="environment id (default: the one it trained on)")
    p.add_argument("--seed", type=whole(0), default=None,
                   help=f"start state: env.reset(seed=...) (default: for Pendulum-v1 the "
                        f"evaluation start hanging lowest, a swing-up; otherwise {EVAL_SEED_BASE}, "
                        "the first evaluation start)")
    p.add_argument("--steps", type=whole(1), default=None,
                   help="environment steps to run (default: a whole episode, 200 for Pendulum-v1 "
                        "and 1000 for the MuJoCo tasks, up to --max-frames frames)")
    p.add_argument("--every", type=whole(1), default=None, metavar="K",
                   help="draw every K-th step (default: the most that keeps 12 frames per "
                        "simulated second, 2 for Pendulum-v1, 10 for Hopper-v5 and Walker2d-v5, "
                        "1 for HalfCheetah-v5; more if --steps asks for more than --max-frames)")
    p.add_argument("--max-frames", type=whole(1), default=100, metavar="N",
                   help="at most this many frames (default 100: a whole Pendulum-v1 or "
                        "Hopper-v5 episode, 5 s of HalfCheetah-v5's 50 s; a MuJoCo frame is "
                        "about 10 KB)")
    p.add_argument("--width", type=whole(32), default=None, metavar="PX",
                   help="GIF width in pixels (default 272; 208 for MuJoCo tasks, which draw "
                        "their frames this size, square)")
    add_algo_check(p)

    p = sub.add_parser("plot", help="plot learning curves of run folders",
                       description="Learning curves of run folders, each labelled with its "
                       "folder's name and its algorithm from its config.json, e.g. 'five (DDPG)'.")
    p.add_argument("runs", type=options.path("runs/pendulum"), nargs="+",
                   help="run folders with progress.csv")
    p.add_argument("--out", type=options.path("curves.png"), default=None,
                   help="image file, e.g. curves.png (default: learning_curves.png in the first "
                        "run folder)")

    p = sub.add_parser("figures", help="regenerate the committed figures")
    p.add_argument("--out", type=Path, default=Path("figures"), help="folder (default figures/)")
    p.add_argument("--checkpoints", type=Path, default=None,
                   help="folder with pendulum/ and pendulum_optimal.npz "
                        "(default: the repository's checkpoints/)")

    sub.add_parser("gradcheck", help="check every backward pass against finite differences",
                   description="Compare every hand-written backward pass (Linear, ReLU, Tanh, "
                   "MLP, critic, ∇aQ, actor update) with central finite differences in float64. "
                   "Prints one line per check; exit code 0 if all pass, 1 if any fails.")

    p = sub.add_parser("bench", help="measure DDPG and TD3 updates per second on your machine",
                       description="Time DDPG updates (L12–L15) and TD3 updates (T8–T13) on "
                       "random data, the float32 fast path and the plain code, and print "
                       "updates per second.")
    p.add_argument("--algo", choices=ALGORITHMS, default=None,
                   help="time only this algorithm's update (default: both, DDPG then TD3)")
    p.add_argument("--hidden", type=whole(1), nargs="+", default=[400, 300],
                   help="units per hidden layer (default 400 300, the paper's)")
    p.add_argument("--batch", type=whole(1), default=256, help="minibatch size N (default 256)")
    p.add_argument("--obs-dim", type=whole(1), default=17,
                   help="observation size (default 17, HalfCheetah's)")
    p.add_argument("--act-dim", type=whole(1), default=6,
                   help="action size (default 6, HalfCheetah's)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                   help="float32 runs the fast path (default float32)")
    p.add_argument("--repeats", type=whole(1), default=5,
                   help="timed repeats; the median is reported (default 5)")
    add_pendulum_optimum_parser(sub)
    add_sweep_parsers(sub)
    return parser


def typed_overrides(config_class: type[DDPGConfig],
                     overrides: list[tuple[str, object]]) -> dict[str, object]:
    """--set pairs as config values: 'true'/'false' (any case) for a True/False field, as a
    shell user writes them; a TD3 field with a DDPG config names --algo td3 as the fix."""
    fields = {f.name: f.default for f in dataclasses.fields(config_class)}
    typed = {}
    for name, value in overrides:
        if isinstance(fields.get(name), bool) and str(value).lower() in ("true", "false"):
            value = str(value).lower() == "true"
        typed[name] = value
    td3_only = sorted(set(typed) & ({f.name for f in dataclasses.fields(TD3Config)}
                                    - set(fields)))
    if td3_only:
        raise ValueError(f"--set {', '.join(td3_only)}: TD3's own setting(s), but this run is "
                         "DDPG; add --algo td3 (or drop the --set).")
    return typed


def add_algo_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("--algo", choices=ALGORITHMS, default=None,
                   help="the algorithm the file must hold (default: whichever it records; "
                        "a mismatch is an error)")


def add_pendulum_optimum_parser(sub: argparse._SubParsersAction) -> None:
    from .pendulum import (
        DEFAULT_GAMMA_CRITIC,
        DEFAULT_N_THETA,
        DEFAULT_N_THETADOT,
        DEFAULT_N_TORQUES,
    )

    p = sub.add_parser("pendulum-optimum",
                       help="solve Pendulum-v1 by dynamic programming: the ground-truth file")
    p.add_argument("--out", type=Path, default=Path("checkpoints/pendulum_optimal.npz"),
                   help="file to write (default checkpoints/pendulum_optimal.npz)")
    p.add_argument("--n-theta", type=whole(2), default=DEFAULT_N_THETA,
                   help=f"θ grid points, even (default {DEFAULT_N_THETA})")
    p.add_argument("--n-thetadot", type=whole(2), default=DEFAULT_N_THETADOT,
                   help=f"θ̇ grid points, odd (default {DEFAULT_N_THETADOT})")
    p.add_argument("--n-torques", type=whole(1), default=DEFAULT_N_TORQUES,
                   help=f"torques the DP chooses from (default {DEFAULT_N_TORQUES})")
    p.add_argument("--gamma", type=float, default=DEFAULT_GAMMA_CRITIC,
                   help="discount of the extra infinite-horizon solution (0 to skip)")
    p.add_argument("--n-eval", type=whole(1), default=50,
                   help="evaluation start states reset(seed=SEED_BASE + i) (default 50)")
    p.add_argument("--seed-base", type=whole(0), default=EVAL_SEED_BASE,
                   help=f"seed of the first evaluation start (default {EVAL_SEED_BASE})")
    p.add_argument("--n-random", type=int, default=10_000,
                   help="stratified random starts, the square of an even number (default 10000)")


def add_sweep_parsers(sub: argparse._SubParsersAction) -> None:
    """sweep and sweep-report (ddpg_numpy/study/, docs/sweeps.md)."""
    p = sub.add_parser("sweep", help="run a grid of runs from a spec file (docs/sweeps.md)",
                       description="Every cell of the spec (task, algorithm, variant, seed) as "
                       "a run folder <out>/<task>/<algorithm>[-<variant>]/seed<k>: finished "
                       "cells are skipped, interrupted ones resumed; the same command continues "
                       "a stopped sweep.")
    p.add_argument("spec", type=Path, help="the spec, a TOML file (see benchmarks/specs/)")
    p.add_argument("--out", type=Path, required=True, help="the sweep's folder, e.g. runs/NAME")
    p.add_argument("--workers", type=whole(1), default=None,
                   help="cells at a time (default: one per CPU core; with --ray and no "
                        "ADDRESS: the local Ray's CPUs)")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run each cell as a Ray task: on the cluster at ADDRESS ('auto', or "
                        "host:port of `ray start --head`), or without ADDRESS on a local Ray "
                        "(optional extra: pip install -e '.[ray]')")
    p.add_argument("--status", action="store_true",
                   help="show which cells are done, partial or new, and run nothing")
    p = sub.add_parser("sweep-report", help="a sweep's table and figure: mean and IQM over "
                       "seeds with 95 %% bootstrap intervals")
    p.add_argument("sweep", type=Path, help="the sweep's folder (its --out)")
    p.add_argument("--spec", type=Path, default=None,
                   help="the spec (default: the copy the sweep keeps, <sweep>/sweep.toml)")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for report.md, report.csv and report.png (default: <sweep>)")
    p.add_argument("--reps", type=whole(100), default=20_000,
                   help="bootstrap resamples per group (default 20000: the interval ends move "
                        "< 1 %% between seeds of the resampling)")
