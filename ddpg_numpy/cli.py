"""The command line: ``python -m ddpg_numpy COMMAND`` (or the installed ``ddpg-numpy``).

    train      train a DDPG or TD3 agent (--algo) and write a run folder (config.json, ...)
    evaluate   mean return of a saved agent's deterministic policy (DDPG or TD3, from the file)
    render     a GIF of a saved agent acting in its environment
    plot       learning curves of one or more run folders, labelled with their algorithm
    figures    regenerate every figure in figures/ from the shipped checkpoints and logs
    gradcheck  every hand-written gradient against finite differences
    bench      how many DDPG and TD3 updates per second your machine does
    pendulum-optimum  Pendulum-v1's optimum by dynamic programming (its ground-truth file)
    sweep, sweep-report  a grid of runs from a spec, its table and figure (docs/sweeps.md)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .cli_parser import CONFIG_CLASSES, build_parser, typed_overrides
from .core.config import DDPGConfig, TD3Config
from .lab import options
from .lab.envs import EVAL_SEED_BASE

__all__ = ["build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run one command; a bad input ends with one line on stderr and exit code 2."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # a usage error (its line is printed: 2) or --help (0)
        return e.code if isinstance(e.code, int) else 2
    with options.held_warnings() as dropped:  # a library's: after the output, or dropped
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
            dropped.append(one_line)  # behind the one line, no warning
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
    from .core.config import PRESETS
    from .lab.resume import run_for_resume_flags
    from .lab.training import train

    def flags_config(base: DDPGConfig) -> DDPGConfig:
        """``base`` (the paper's values of its class with --paper), with every --set applied."""
        config_class = type(base)
        base = config_class() if args.paper else base
        overrides = typed_overrides(config_class, args.overrides)
        return base.replace(**overrides) if overrides else base

    if args.resume:  # the run's own settings; flags given with --resume must agree
        saved, stacked = run_for_resume_flags(args.out, args.env, args.seed, args.seeds,
                                              args.workers, args.algo, flags_config)
        result = train(saved.env_id, saved.config, args.steps or saved.steps, saved.seeds[0],
                       args.out, seeds=saved.seeds if stacked else None,  # --seeds 5: a stack
                       workers=len(saved.groups), resume=True, progress=not args.no_progress)
    else:
        env_id = options.new_run_env(args.env, args.seed, args.seeds)
        config_class = CONFIG_CLASSES[args.algo or "ddpg"]
        if env_id in PRESETS:
            cfg = flags_config(config_class.preset(env_id))
        else:
            cfg = flags_config(config_class.fast_defaults())
            if not args.paper:
                print(f"{env_id} has no preset: using the fast defaults, the TD3 paper's MuJoCo "
                      f"values on the float32 fast path (hidden {'-'.join(map(str, cfg.hidden))}"
                      f", batch {cfg.batch_size}, lr {cfg.actor_lr:g}, Gaussian noise σ "
                      f"{cfg.noise_sigma:g}, {cfg.warmup_steps:,} random steps first; tried on "
                      "the tasks in checkpoints/fast_defaults/); --paper for the DDPG paper's, "
                      "--set NAME=VALUE to change one")
        options.note_if_it_never_learns(args.steps or 20_000, cfg)
        result = train(env_id, cfg, args.steps or 20_000, args.seed or 0, args.out,
                       seeds=args.seeds, workers=args.workers or 1,
                       progress=not args.no_progress)
    print(f"{describe_algorithm(result.agent.config)} on {result.agent.env_id}:")
    last = {}
    for row in result.progress:
        last[int(row["seed"])] = row
    for seed, row in last.items():
        print(f"seed {seed}: step {int(row['step'])}, evaluation return "
              f"{row['eval_return_mean']:.1f} ± {row['eval_return_std']:.1f}")
    if not last:
        print(f"no evaluation yet: the first is at step {result.agent.config.eval_every} "
              "(eval_every); train longer (--steps) to see one")
    if last:
        _print_optimum(result.agent.env_id, result.agent.config.eval_episodes)
    if args.out:
        print(f"run folder: {args.out}  (plot it: python -m ddpg_numpy plot {args.out})")
    return 0


def algorithm_of(config: DDPGConfig) -> str:
    """'td3' for a TD3Config, 'ddpg' for a DDPGConfig: the config chooses the algorithm."""
    return "td3" if isinstance(config, TD3Config) else "ddpg"


def describe_algorithm(config: DDPGConfig) -> str:
    """'DDPG', or 'TD3' with its switches (a notebook may turn any of them off)."""
    if not isinstance(config, TD3Config):
        return "DDPG"
    switches = [f"twin_critics={config.twin_critics}",
                f"target_smoothing={config.target_smoothing}",
                f"policy_delay={config.policy_delay}"]
    return f"TD3 ({', '.join(switches)})"


def _print_optimum(env_id: str | None, episodes: int) -> None:
    """For Pendulum-v1: the optimal controller's return on the same starts, beside an agent's."""
    from .pendulum.reference import ENV_ID, optimum_on_evaluation_starts

    optimum = optimum_on_evaluation_starts(episodes) if env_id == ENV_ID else None
    if optimum is not None:
        print(f"optimum on these {episodes} start states (dynamic programming): {optimum:.1f}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from .lab.envs import evaluate

    agent = _load_agent_as(args.checkpoint, args.algo)
    env_id = _env_of(args, agent)
    returns = np.atleast_2d(evaluate(agent, env_id, args.episodes))
    print(f"{describe_algorithm(agent.config)} agent from {args.checkpoint}:")
    for seed, r in zip(agent.seeds, returns):
        print(f"{env_id} seed {seed}: mean return {r.mean():.1f} ± {r.std():.1f} over "
              f"{args.episodes} fixed start states (min {r.min():.1f}, max {r.max():.1f})")
    _print_optimum(env_id, args.episodes)
    return 0


def _load_agent_as(path: Path, algo: str | None, actor_only: bool = False):
    """The DDPG or TD3 agent in ``path``; with ``algo`` given, the file must hold that one.
    With ``actor_only``, the file may hold the actor alone (all acting needs)."""
    from .core.checkpoint import Checkpoint, load_npz
    from .core.config import config_from_dict
    from .core.td3 import agent_class, agent_from_state_dict, load_agent
    from .lab.agent_files import check_agent_file

    check_agent_file(path)  # a header no run writes (no seeds, obs_dim 0): one line, first
    state = load_npz(path) if actor_only else {}
    if "actor.theta" in state and "critic.theta" not in state:  # the critics as initialised
        config = config_from_dict(json.loads(str(state["config"])))
        seeds = [int(s) for s in state["seeds"]]
        initial = agent_class(config)(int(state["obs_dim"]), int(state["act_dim"]),
                                      state["action_low"], state["action_high"], config,
                                      seeds if state["stacked"] else seeds[0])
        state = Checkpoint(path, {**initial.state_dict(training_state=False), **state})
    agent = agent_from_state_dict(state) if "actor.theta" in state else load_agent(path)
    if algo is not None and algo != agent.algorithm:
        raise ValueError(f"--algo {algo}, but {path} holds a {agent.algorithm.upper()} agent "
                         f"(the file records algorithm={agent.algorithm!r}): pass --algo "
                         f"{agent.algorithm}, or drop --algo (the file says which it is).")
    return agent


def cmd_render(args: argparse.Namespace) -> int:
    from .lab.envs import prepare_offscreen_rendering
    from .pendulum.reference import ENV_ID, hanging_evaluation_start
    from .plots import save_rollout_gif

    options.check_can_write(args.gif, "the GIF", "--gif", folder=False, example="agent.gif")
    agent = _load_agent_as(args.checkpoint, args.algo, actor_only=True)
    if args.env or agent.env_id:  # MuJoCo's OpenGL must be chosen before MuJoCo is imported
        prepare_offscreen_rendering(args.env or agent.env_id)
    env_id, seed = _env_of(args, agent), args.seed
    if seed is None:
        seed = EVAL_SEED_BASE
        hanging = hanging_evaluation_start() if env_id == ENV_ID else None
        if hanging is not None:
            seed, theta, optimum = hanging
            print(f"from the evaluation start hanging lowest: reset(seed={seed}), θ = "
                  f"{theta:+.2f} rad; the optimum's return from it (dynamic programming): "
                  f"{optimum:.1f}")
    path = save_rollout_gif(agent, env_id, args.gif, seed=seed, steps=args.steps,
                            every=args.every, width=args.width, max_frames=args.max_frames)
    print(f"wrote {path}")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from .plots import plot_runs

    out = args.out or args.runs[0] / "learning_curves.png"  # never the current folder unasked
    options.check_can_write(out, "the plot", "--out", folder=False)
    fig = plot_runs(args.runs, labels=_labels_with_algorithm(args.runs),
                    reference_lines=_optimum_line(args.runs))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    print(f"wrote {out}")
    return 0


def _labels_with_algorithm(runs: list[Path]) -> list[str]:
    """Each run folder's name with its algorithm from config.json, e.g. 'five (TD3)'."""
    from .core.config import config_from_dict
    from .lab.run_folder import read_config_json

    labels = []
    for run in runs:
        saved = read_config_json(run) or {}
        try:
            algorithm = algorithm_of(config_from_dict(saved["config"])).upper()
        except (KeyError, TypeError, ValueError):  # no or a hand-edited config.json: name only
            labels.append(run.name)
            continue
        labels.append(f"{run.name} ({algorithm})")
    return labels


def _optimum_line(runs: list[Path]) -> dict[str, float] | None:
    """The optimum as a reference line when every run is Pendulum-v1 on the same starts."""
    from .lab.run_folder import read_config_json
    from .pendulum.reference import ENV_ID, optimum_on_evaluation_starts

    configs = [read_config_json(run) or {} for run in runs]
    episodes = {c.get("config", {}).get("eval_episodes") for c in configs}
    if any(c.get("env_id") != ENV_ID for c in configs) or len(episodes) != 1:
        return None
    n = episodes.pop()
    optimum = optimum_on_evaluation_starts(n) if isinstance(n, int) else None
    return None if optimum is None else {f"optimum (DP) on these {n} starts: {optimum:.1f}":
                                         optimum}


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

    algorithms = ("ddpg", "td3") if args.algo is None else (args.algo,)
    print_update_benchmark(args.obs_dim, args.act_dim, tuple(args.hidden), args.batch,
                           args.dtype, args.repeats, algorithms=algorithms)
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


def cmd_sweep(args: argparse.Namespace) -> int:  # sweep and sweep-report (study/)
    from .study.sweep import command_line
    return command_line(args)


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "render": cmd_render, "bench": cmd_bench,
            "plot": cmd_plot, "figures": cmd_figures, "gradcheck": cmd_gradcheck,
            "pendulum-optimum": cmd_pendulum_optimum, "sweep": cmd_sweep, "sweep-report": cmd_sweep}
