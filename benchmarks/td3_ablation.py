"""From DDPG to TD3 on Pendulum-v1: each of TD3's three changes alone, then all three.

Every condition starts from DDPG's preset, ``DDPGConfig.preset("Pendulum-v1")``, and switches on
some of TD3's changes (``TD3Config``: ``twin_critics`` T1/T2/T9/T10, ``target_smoothing`` T8,
``policy_delay`` T11). Notebook 08 and ``python -m ddpg_numpy figures`` read the results.

    nice -n 5 python -m benchmarks.td3_ablation --steps 40000 --seeds 0-4 --workers 2 \\
        --critic-weight-decay 0 --out checkpoints/td3

Every condition gets the same ``--critic-weight-decay`` (0: the TD3 paper's value; the preset's
is 0.01). Writes, for each condition, ``<out>/<condition>/``:

* ``config.json``, ``progress.csv``, ``timing.csv``, ``blas.json``: the run folder's own files
  (evaluation on ``eval_episodes`` fixed start states every 1,000 steps; seconds of training and
  evaluation; the BLAS kernel the run was trained under);
* ``start_values.csv``: at each snapshot step, for each seed and evaluation start state s₀, the
  critics' Q₁(s₀, μ(s₀)) and Q₂(s₀, μ(s₀)) (empty with one critic), the discounted return
  Σₜ γᵗ rₜ that the deterministic policy μ really obtains from s₀ (Pendulum-v1 is deterministic:
  this is μ's true value at s₀, up to γᴴ·16 with γᴴ < 1e-3) and, for a condition with target
  smoothing (T8) and at the snapshots from 8,000 steps on, the value of the *smoothed* policy,
  the fixed point of a T8 critic: the mean discounted return of ``--draws`` rollouts that take
  μ(s₀) first and then clip(μ(s) + clip(ε, −c, c), a_low, a_high) at every later step, with its
  standard error;
* ``probe_values.csv``: every 50 steps over the last 2,000, at every 5th start state,
  Q₁(s₀, μ(s₀)) and μ's discounted return: how much the critic's estimate moves from one
  measurement to the next (the variance that the delay, T11, is meant to reduce; snapshots keep
  no target networks, so the online critic stands in for the target it is copied into).

and ``<out>/conditions.json`` (each condition's switches, full config, command, wall-clock and
the BLAS library and kernel, ``threadpoolctl.threadpool_info()``: a seed reproduces bit for bit
only under the same kernel). The agents and snapshots (0.7 MB each) are not kept: the folder
stays under 2 MB. ``--only NAME ...`` reruns some conditions and keeps the others.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

from ddpg_numpy import DDPG, DDPGConfig, TD3Config, load_agent, train
from ddpg_numpy.lab.options import parse_seeds
from ddpg_numpy.lab.run_folder import snapshot_files, snapshot_step
from ddpg_numpy.pendulum import evaluation_starts, pendulum_step, to_observation

ENV_ID = "Pendulum-v1"
EARLY_SNAPSHOTS = (1000, 2000, 3000, 4000, 6000, 8000)  # then every SNAPSHOT_EVERY steps
SNAPSHOT_EVERY = 2000
SMOOTHED_FROM = 8000  # the smoothed policy's rollouts at the snapshots from here on
PROBE_WINDOW, PROBE_EVERY, PROBE_START_STRIDE = 2000, 50, 5  # probe_values.csv
KEPT_FILES = ("config.json", "progress.csv", "timing.csv", "blas.json")

# name -> (what it is, TD3's switches; None: DDPG itself, the DDPGConfig preset)
CONDITIONS: dict[str, tuple[str, dict | None]] = {
    "ddpg": ("DDPG: the Pendulum-v1 preset", None),
    "twin_critics": ("DDPG + clipped double Q (T1, T2, T9, T10)",
                     {"twin_critics": True, "target_smoothing": False, "policy_delay": 1}),
    "target_smoothing": ("DDPG + target policy smoothing (T8)",
                         {"twin_critics": False, "target_smoothing": True, "policy_delay": 1}),
    "policy_delay": ("DDPG + delayed policy updates, d = 2 (T11)",
                     {"twin_critics": False, "target_smoothing": False, "policy_delay": 2}),
    "td3": ("TD3: all three changes", {"twin_critics": True, "target_smoothing": True,
                                       "policy_delay": 2}),
}
START_COLUMNS = ["step", "seed", "start", "q1", "q2", "discounted_return", "smoothed_return",
                 "smoothed_se"]
PROBE_COLUMNS = ["step", "seed", "start", "q1", "discounted_return"]


def snapshot_plan(steps: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(the steps of start_values.csv, the steps of probe_values.csv) for a run of ``steps``."""
    main = {s for s in EARLY_SNAPSHOTS if s <= steps}
    main |= set(range(SNAPSHOT_EVERY * (max(EARLY_SNAPSHOTS) // SNAPSHOT_EVERY + 1), steps + 1,
                      SNAPSHOT_EVERY)) | {steps}
    probe = set(range(max(PROBE_EVERY, steps - PROBE_WINDOW), steps + 1, PROBE_EVERY))
    return tuple(sorted(main)), tuple(sorted(probe))


def condition_config(name: str, base: DDPGConfig) -> DDPGConfig:
    """The preset ``base`` as a DDPGConfig (DDPG) or a TD3Config with the condition's switches."""
    switches = CONDITIONS[name][1]
    return base if switches is None else TD3Config.from_dict({**base.to_dict(), **switches})


def _observations(agent: DDPG, theta: np.ndarray, thetadot: np.ndarray) -> np.ndarray:
    """(S, n, 3) observations of stacked seeds ((n, 3) for an unstacked agent)."""
    obs = to_observation(theta, thetadot).astype(agent.dtype)
    return obs if agent.stack else obs[0]


def discounted_returns(agent: DDPG, starts: np.ndarray, gamma: float, draws: int = 0,
                       rng: np.random.Generator | None = None) -> np.ndarray:
    """The discounted return Σₜ γᵗ rₜ of μ from each start s₀ = (θ, θ̇) of ``starts`` (n, 2).

    ``draws`` = 0: the deterministic policy, (S, n) for S stacked seeds (1 unstacked). ``draws``
    > 0: the smoothed policy whose value a T8 critic learns, ``draws`` rollouts per start, (S, n,
    draws): μ(s₀) first (the action Q(s₀, ·) is asked about), then at every later step
    clip(μ(s) + clip(ε, −c, c), a_low, a_high), ε ~ N(0, σ̃²), T8's noise in action units.
    H steps with γᴴ < 1e-3, past the 200-step time limit: the critic estimates the
    infinite-horizon return, and truncation is not termination (L12).
    """
    seeds, copies = agent.stack or 1, max(draws, 1)
    shape = (seeds, len(starts) * copies)
    theta = np.broadcast_to(np.repeat(starts[:, 0], copies), shape).copy()
    thetadot = np.broadcast_to(np.repeat(starts[:, 1], copies), shape).copy()
    if draws:
        cfg, h = agent.config, agent.actor.half_width.astype(np.float64)
        sigma, clip = cfg.target_noise * h[0], cfg.target_noise_clip * h[0]
        low, high = float(agent.action_low[0]), float(agent.action_high[0])
    horizon = math.ceil(math.log(1e-3) / math.log(gamma))
    discounted, discount = np.zeros(shape), 1.0
    for t in range(horizon):
        action = agent.actor(_observations(agent, theta, thetadot))
        torque = np.reshape(action, shape).astype(np.float64)
        if draws and t > 0:
            noise = np.clip(sigma * rng.standard_normal(shape), -clip, clip)
            torque = np.clip(torque + noise, low, high)
        theta, thetadot, reward = pendulum_step(theta, thetadot, torque)
        discounted += discount * reward
        discount *= gamma
    return discounted.reshape(seeds, len(starts), copies) if draws else discounted


def critic_values(agent: DDPG, starts: np.ndarray) -> dict[str, np.ndarray]:
    """Q₁(s₀, μ(s₀)) and Q₂(s₀, μ(s₀)) (NaN without a second critic) at each start of
    ``starts`` (n, 2); each (S, n) for S stacked seeds."""
    seeds = agent.stack or 1
    theta = np.broadcast_to(starts[:, 0], (seeds, len(starts))).copy()
    thetadot = np.broadcast_to(starts[:, 1], (seeds, len(starts))).copy()
    obs = _observations(agent, theta, thetadot)
    action = agent.actor(obs)
    q1 = np.reshape(agent.critic(obs, action), (seeds, -1)).astype(float)
    critic2 = getattr(agent, "critic2", None)
    q2 = (np.full_like(q1, np.nan) if critic2 is None
          else np.reshape(critic2(obs, action), (seeds, -1)).astype(float))
    return {"q1": q1, "q2": q2}


def start_values(agent: DDPG, starts: np.ndarray, gamma: float, draws: int = 0,
                 rng: np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """critic_values, the deterministic return and (``draws`` > 0) the smoothed policy's mean
    return and its standard error over the draws (ddof 1); each (S, n)."""
    values = critic_values(agent, starts)
    values["discounted_return"] = discounted_returns(agent, starts, gamma)
    values["smoothed_return"] = values["smoothed_se"] = np.full_like(values["q1"], np.nan)
    if draws:
        smoothed = discounted_returns(agent, starts, gamma, draws, rng)  # (S, n, draws)
        values["smoothed_return"] = smoothed.mean(axis=-1)
        values["smoothed_se"] = smoothed.std(axis=-1, ddof=1) / math.sqrt(draws)
    return values


def write_text_atomically(path: Path, text: str) -> None:
    """A temporary file in the same folder, then ``os.replace``: never half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _cell(x: float, digits: int) -> str:
    return "" if np.isnan(x) else f"{x:.{digits}f}"


def value_rows(run: Path, seeds: list[int], starts: np.ndarray, gamma: float,
               main_steps: tuple[int, ...], probe_steps: tuple[int, ...],
               draws: int) -> tuple[str, str]:
    """start_values.csv and probe_values.csv of a run folder with snapshots, as text. The
    smoothed rollouts draw from one generator per snapshot step, seeded by the step."""
    main, probe = io.StringIO(), io.StringIO()
    main_writer = csv.writer(main, lineterminator="\n")
    probe_writer = csv.writer(probe, lineterminator="\n")
    main_writer.writerow(START_COLUMNS)
    probe_writer.writerow(PROBE_COLUMNS)
    probe_starts = np.arange(0, len(starts), PROBE_START_STRIDE)
    for path in snapshot_files(run):
        step, agent = snapshot_step(path), load_agent(path)
        if step in main_steps:
            smooth = (draws if getattr(agent.config, "target_smoothing", False)
                      and step >= SMOOTHED_FROM else 0)
            values = start_values(agent, starts, gamma, smooth, np.random.default_rng(step))
            for i, seed in enumerate(seeds):
                for k in range(len(starts)):
                    main_writer.writerow([step, seed, k] + [
                        _cell(values[c][i, k], 3) for c in START_COLUMNS[3:]])
        if step in probe_steps:
            values = critic_values(agent, starts[probe_starts])
            values["discounted_return"] = discounted_returns(agent, starts[probe_starts], gamma)
            for i, seed in enumerate(seeds):
                for j, k in enumerate(probe_starts):
                    probe_writer.writerow([step, seed, k] + [
                        _cell(values[c][i, j], 3) for c in PROBE_COLUMNS[3:]])
    return main.getvalue(), probe.getvalue()


def run_condition(name: str, base: DDPGConfig, steps: int, seeds: list[int], workers: int,
                  out: Path, draws: int = 30, main_steps: tuple[int, ...] | None = None,
                  probe_steps: tuple[int, ...] = ()) -> tuple[DDPGConfig, float]:
    """Train one condition into a temporary run folder, keep its small files in out/name.
    start_values.csv at ``main_steps`` (default: every snapshot of ``base``), probe_values.csv
    at ``probe_steps``; both must be snapshot steps of ``base``."""
    cfg = condition_config(name, base)
    main_steps = base.snapshot_steps if main_steps is None else main_steps
    target = out / name
    tick = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / name
        train(ENV_ID, cfg, steps, out=run, seeds=seeds, workers=workers, progress=False)
        seconds = time.perf_counter() - tick
        starts = evaluation_starts(cfg.eval_episodes)  # the states evaluate() starts from
        rows, probe_rows = value_rows(run, seeds, starts, cfg.gamma, main_steps, probe_steps,
                                      draws)
        staging = out / f".{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for file in KEPT_FILES:
            shutil.copyfile(run / file, staging / file)
        (staging / "start_values.csv").write_text(rows)
        (staging / "probe_values.csv").write_text(probe_rows)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    return cfg, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"))
    parser.add_argument("--workers", type=int, default=2, help="processes (CPU cores) to use")
    parser.add_argument("--eval-episodes", type=int, default=50,
                        help="evaluation start states (default: 50)")
    parser.add_argument("--critic-weight-decay", type=float, default=0.0,
                        help="L2 weight decay of every critic, in every condition (default 0, "
                             "the TD3 paper's; the Pendulum preset's is 0.01)")
    parser.add_argument("--draws", type=int, default=30,
                        help="rollouts of the smoothed policy per start state (default 30)")
    parser.add_argument("--out", type=Path, default=Path("checkpoints/td3"))
    parser.add_argument("--only", nargs="+", choices=list(CONDITIONS), default=list(CONDITIONS),
                        metavar="NAME", help=f"conditions to run: {', '.join(CONDITIONS)}")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.workers < 1 or args.eval_episodes < 1 or args.draws < 2:
        parser.error("--steps, --workers, --eval-episodes must be whole numbers >= 1 and "
                     "--draws >= 2")
    if not args.critic_weight_decay >= 0:
        parser.error("--critic-weight-decay must be >= 0 (0: none, the TD3 paper's)")
    command = "python -m benchmarks.td3_ablation " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))

    main_steps, probe_steps = snapshot_plan(args.steps)
    base = DDPGConfig.preset(ENV_ID, eval_episodes=args.eval_episodes, checkpoint_replay=False,
                             critic_weight_decay=args.critic_weight_decay,
                             snapshot_steps=tuple(sorted(set(main_steps) | set(probe_steps))))
    blas = [{k: lib.get(k) for k in ("internal_api", "version", "architecture",
                                     "threading_layer")}
            for lib in threadpool_info() if lib.get("user_api") == "blas"]
    args.out.mkdir(parents=True, exist_ok=True)
    meta_path = args.out / "conditions.json"
    for name in args.only:
        cfg, seconds = run_condition(name, base, args.steps, args.seeds, args.workers, args.out,
                                     args.draws, main_steps, probe_steps)
        with open(args.out / name / "progress.csv") as f:
            final = [float(r["eval_return_mean"]) for r in csv.DictReader(f)
                     if int(r["step"]) == args.steps]
        print(f"{name:<17s} {seconds:6.0f} s   final evaluation return: median "
              f"{np.median(final):7.1f}, seeds {' '.join(f'{x:.0f}' for x in final)}",
              flush=True)
        # Read just before writing: two commands may run different conditions side by side.
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        meta[name] = {"description": CONDITIONS[name][0], "switches": CONDITIONS[name][1],
                      "algorithm": type(cfg).__name__, "config": cfg.to_dict(),
                      "steps": args.steps, "seeds": args.seeds, "workers": args.workers,
                      "seconds": round(seconds, 1), "draws": args.draws,
                      "start_value_steps": list(main_steps), "probe_steps": list(probe_steps),
                      "blas": blas, "command": command}
        write_text_atomically(meta_path, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
