"""The command line: ``python -m ddpg_numpy COMMAND`` (or the installed ``ddpg-numpy``).

    train      train an agent and write a run folder (config.json, progress.csv, checkpoints)
    evaluate   mean return of a saved agent's deterministic policy
    render     a GIF of a saved agent acting in its environment
    plot       learning curves of one or more run folders
    figures    regenerate every figure in figures/ from the shipped checkpoints and logs
    gradcheck  every hand-written gradient against finite differences
    bench      how many DDPG updates per second this machine does
    pendulum-optimum  Pendulum-v1's optimum by dynamic programming (its ground-truth file)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .lab import options
from .lab.envs import EVAL_SEED_BASE
from .lab.options import OneLineParser, whole

EXAMPLES = """examples:
  python -m ddpg_numpy train --env Pendulum-v1 --steps 20000 --seed 0 --out runs/pendulum
  python -m ddpg_numpy train --env Pendulum-v1 --seeds 0-4 --out runs/five-seeds
  python -m ddpg_numpy train --seeds 0-4 --workers 2 --out runs/five   # on two CPU cores
  python -m ddpg_numpy train --out runs/pendulum --resume      # continue an interrupted run
  python -m ddpg_numpy evaluate runs/pendulum/agent.npz --episodes 50
  python -m ddpg_numpy render runs/pendulum/agent.npz --gif pendulum.gif
  python -m ddpg_numpy plot runs/pendulum runs/five-seeds --out curves.png
  python -m ddpg_numpy gradcheck
"""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="ddpg-numpy", description="DDPG from scratch in NumPy: train, evaluate, look.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("train", help="train a DDPG agent on a gymnasium environment",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    # None = not given: --resume refuses flags that disagree with the saved run.
    p.add_argument("--env", default=None,
                   help="gymnasium id with continuous (Box) actions (default: Pendulum-v1)")
    p.add_argument("--steps", type=whole(1), default=None,
                   help="environment steps (default 20000; with --resume: the run's own)")
    p.add_argument("--seed", type=whole(0), default=None,
                   help="random seed of a single run (default 0)")
    p.add_argument("--seeds", type=options.parse_seeds, default=None,
                   help="train several seeds at once in lock-step, e.g. 0-4 or 0,1,2")
    p.add_argument("--workers", type=whole(1), default=None,
                   help="with --seeds: split the seeds over this many processes, one per CPU "
                        "core (same numbers; default 1: all in this process)")
    p.add_argument("--out", type=Path, default=None,
                   help="run folder for config.json, progress.csv and checkpoints")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint, with its config")
    p.add_argument("--paper", action="store_true",
                   help="use the paper's hyperparameters instead of the environment's preset")
    p.add_argument("--set", dest="overrides", type=options.parse_override, action="append",
                   default=[], metavar="NAME=VALUE",
                   help="override one hyperparameter, e.g. --set tau=0.005 (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser("evaluate", help="mean return of a saved agent (no exploration noise)")
    p.add_argument("checkpoint", type=Path, help="agent.npz or checkpoint.npz of a run")
    p.add_argument("--env", default=None, help="environment id (default: the one it trained on)")
    p.add_argument("--episodes", type=whole(1), default=50,
                   help="episodes from the fixed evaluation start states (default 50)")

    p = sub.add_parser("render", help="write a GIF of a saved agent acting")
    p.add_argument("checkpoint", type=Path, help="agent.npz or checkpoint.npz of a run")
    p.add_argument("--gif", type=Path, required=True, help="output file, e.g. pendulum.gif")
    p.add_argument("--env", default=None, help="environment id (default: the one it trained on)")
    p.add_argument("--seed", type=whole(0), default=EVAL_SEED_BASE,
                   help=f"start state: env.reset(seed=...) (default {EVAL_SEED_BASE}: the first "
                        "evaluation start)")
    p.add_argument("--steps", type=whole(1), default=200, help="frames to record (default 200)")

    p = sub.add_parser("plot", help="plot learning curves of run folders")
    p.add_argument("runs", type=Path, nargs="+", help="run folders with progress.csv")
    p.add_argument("--out", type=Path, default=None,
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

    p = sub.add_parser("bench", help="measure DDPG updates per second on this machine",
                       description="Time DDPG updates (L12–L15) on random data, the float32 "
                       "fast path and the plain code, and print updates per second.")
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
    return parser


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


def main(argv: list[str] | None = None) -> int:
    """Run one command; a bad input ends with one line on stderr and exit code 2."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # a usage error (its line is printed: 2) or --help (0)
        return e.code if isinstance(e.code, int) else 2
    try:
        return COMMANDS[args.command](args)
    except (ValueError, TypeError, KeyError, OSError, ModuleNotFoundError, FloatingPointError,
            MemoryError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        if isinstance(e, MemoryError):
            message = (f"not enough memory ({e or 'MemoryError'}): lower buffer_size, "
                       "batch_size or hidden (--set), or the number of seeds")
        one_line = " ".join(str(message).split())  # an array in a message can wrap
        print(f"ddpg-numpy {args.command}: error: {one_line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        out = getattr(args, "out", None)
        if args.command == "train" and out is not None:
            print(f"\nddpg-numpy train: interrupted. The last checkpoint in {out} is kept; "
                  f"continue with: python -m ddpg_numpy train --out {out} --resume",
                  file=sys.stderr)
        else:
            print(f"\nddpg-numpy {args.command}: interrupted.", file=sys.stderr)
        return 130  # the shell's code for "stopped by Ctrl-C"


def cmd_train(args: argparse.Namespace) -> int:
    from .core.config import PRESETS, DDPGConfig
    from .lab.training import train

    def flags_config(base: DDPGConfig) -> DDPGConfig:
        base = DDPGConfig() if args.paper else base
        return base.replace(**dict(args.overrides)) if args.overrides else base

    if args.resume:
        saved = options.saved_run_to_resume(args.out)
        conflicts = options.resume_conflicts(saved, args.env, args.seed, args.seeds,
                                             args.workers, flags_config(saved.config))
        if conflicts:
            raise ValueError(f"--resume continues the run in {args.out} with its own settings, "
                             f"but these flags disagree: {'; '.join(conflicts)}. Drop them, or "
                             "start a new run in another --out folder.")
        seeds = saved.seeds
        result = train(saved.env_id, saved.config, args.steps or saved.steps, seeds[0], args.out,
                       seeds=seeds if len(seeds) > 1 or args.seeds is not None else None,
                       workers=len(saved.groups), resume=True, progress=not args.no_progress)
    else:
        env_id = args.env or "Pendulum-v1"
        cfg = flags_config(DDPGConfig.preset(env_id) if env_id in PRESETS else DDPGConfig())
        result = train(env_id, cfg, args.steps or 20_000, args.seed or 0, args.out,
                       seeds=args.seeds, workers=args.workers or 1,
                       progress=not args.no_progress)
    last = {}
    for row in result.progress:
        last[int(row["seed"])] = row
    for seed, row in last.items():
        print(f"seed {seed}: step {int(row['step'])}, evaluation return "
              f"{row['eval_return_mean']:.1f} ± {row['eval_return_std']:.1f}")
    if not last:
        print(f"no evaluation yet: the first is at step {result.agent.config.eval_every} "
              "(eval_every); train longer (--steps) to see one")
    if args.out:
        print(f"run folder: {args.out}  (plot it: python -m ddpg_numpy plot {args.out})")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from .core.td3 import load_agent
    from .lab.training import evaluate

    agent = load_agent(args.checkpoint)
    env_id = _env_of(args, agent)
    returns = np.atleast_2d(evaluate(agent, env_id, args.episodes))
    for seed, r in zip(agent.seeds, returns):
        print(f"{env_id} seed {seed}: mean return {r.mean():.1f} ± {r.std():.1f} over "
              f"{args.episodes} fixed start states (min {r.min():.1f}, max {r.max():.1f})")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from .core.td3 import load_agent
    from .plots import save_rollout_gif

    options.check_can_write(args.gif, "the GIF", "--gif", folder=False, example="agent.gif")
    agent = load_agent(args.checkpoint)
    path = save_rollout_gif(agent, _env_of(args, agent), args.gif, seed=args.seed,
                            steps=args.steps)
    print(f"wrote {path}")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from .plots import plot_runs

    out = args.out or args.runs[0] / "learning_curves.png"  # never the current folder unasked
    options.check_can_write(out, "the plot", "--out", folder=False)
    fig = plot_runs(args.runs)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    print(f"wrote {out}")
    return 0


def cmd_figures(args: argparse.Namespace) -> int:
    from .figures import make_all

    for path in make_all(args.out, args.checkpoints):
        print(f"wrote {path}")
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from .teach.selfcheck import all_gradient_checks

    results = all_gradient_checks()
    for r in results:
        print(r)
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .fast.benchmark import print_update_benchmark

    print_update_benchmark(args.obs_dim, args.act_dim, tuple(args.hidden), args.batch,
                           args.dtype, args.repeats)
    return 0


def cmd_pendulum_optimum(args: argparse.Namespace) -> int:
    import math
    import shlex

    from .pendulum import build_ground_truth, save_ground_truth

    # Checked before the 20 s of solving, in the options' own terms.
    side = math.isqrt(max(args.n_random, 0))
    if not 0 <= args.gamma < 1:
        raise ValueError(f"--gamma {args.gamma}: must be in [0, 1) (e.g. --gamma 0.99; 0 skips "
                         "the discounted solution)")
    if args.n_random < 4 or side * side != args.n_random or side % 2:
        raise ValueError(f"--n-random {args.n_random}: must be the square of an even number "
                         "(e.g. --n-random 10000 = 100²)")

    # Record the command that remakes this file: --out and the options not at their default.
    defaults = vars(build_parser().parse_args(["pendulum-optimum"]))
    command = " ".join(
        ["python -m ddpg_numpy pendulum-optimum --out", shlex.quote(str(args.out))]
        + [f"--{name.replace('_', '-')} {shlex.quote(str(value))}"
           for name, value in vars(args).items()
           if name not in ("command", "out") and value != defaults[name]])
    truth = build_ground_truth(n_theta=args.n_theta, n_thetadot=args.n_thetadot,
                               n_torques=args.n_torques, gamma=args.gamma, n_eval=args.n_eval,
                               seed_base=args.seed_base, n_random=args.n_random,
                               command=command)
    print(truth.summary())
    save_ground_truth(args.out, truth)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


def _env_of(args: argparse.Namespace, agent) -> str:
    """The environment to run ``agent`` in: --env (if its spaces fit the agent's), or its own."""
    from .lab.envs import check_agent_fits, make_env

    env_id = args.env or agent.env_id
    if not env_id:
        raise ValueError("this checkpoint does not say which environment it was trained on; "
                         "pass --env ENV_ID.")
    if args.env:
        env = make_env(env_id)
        check_agent_fits(agent, env, env_id)
        env.close()
    return env_id


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "render": cmd_render,
            "plot": cmd_plot, "figures": cmd_figures, "gradcheck": cmd_gradcheck,
            "bench": cmd_bench, "pendulum-optimum": cmd_pendulum_optimum}
