"""From DDPG to TD3 on Pendulum-v1: each of TD3's three changes alone, then all three.

Every condition starts from DDPG's preset, ``DDPGConfig.preset("Pendulum-v1")``, and switches on
some of TD3's changes (``TD3Config``: ``twin_critics`` T1/T2/T9/T10, ``target_smoothing`` T8,
``policy_delay`` T11). Notebook 08 and ``python -m ddpg_numpy figures`` read the results.

    nice -n 10 python -m benchmarks.td3_ablation --steps 20000 --seeds 0-4 --workers 2 \\
        --out checkpoints/td3

writes, for each condition, ``<out>/<condition>/``:

* ``config.json``, ``progress.csv``, ``timing.csv``: the run folder's own files (evaluation on
  ``eval_episodes`` fixed start states every 1,000 steps; seconds of training and evaluation);
* ``start_values.csv``: at each snapshot step, for each seed and evaluation start state s₀, the
  critics' Q₁(s₀, μ(s₀)) and Q₂(s₀, μ(s₀)) (empty with one critic) and the discounted return
  Σₜ γᵗ rₜ that the deterministic policy μ really obtains from s₀ (Pendulum-v1 is deterministic:
  this is μ's true value at s₀, up to γᴴ·16 with γᴴ < 1e-3).

and ``<out>/conditions.json`` (each condition's switches, full config, command and wall-clock).
The agents and snapshots (0.7 MB each) are not kept: the folder stays well under 2 MB.
``--only NAME ...`` reruns some conditions and keeps the others.
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

from ddpg_numpy import DDPG, DDPGConfig, TD3Config, load_agent, train
from ddpg_numpy.lab.options import parse_seeds
from ddpg_numpy.lab.run_folder import snapshot_files, snapshot_step
from ddpg_numpy.pendulum import evaluation_starts, pendulum_step, to_observation

ENV_ID = "Pendulum-v1"
SNAPSHOT_STEPS = (1000, 2000, 3000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 18000, 20000)
KEPT_FILES = ("config.json", "progress.csv", "timing.csv")

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
START_COLUMNS = ["step", "seed", "start", "q1", "q2", "discounted_return"]


def condition_config(name: str, base: DDPGConfig) -> DDPGConfig:
    """The preset ``base`` as a DDPGConfig (DDPG) or a TD3Config with the condition's switches."""
    switches = CONDITIONS[name][1]
    return base if switches is None else TD3Config.from_dict({**base.to_dict(), **switches})


def start_values(agent: DDPG, starts: np.ndarray, gamma: float) -> dict[str, np.ndarray]:
    """Q₁(s₀, μ(s₀)), Q₂(s₀, μ(s₀)) (NaN without a second critic) and the discounted return of μ
    from each start state s₀ = (θ, θ̇) of ``starts`` (n, 2); each (S, n) for S stacked seeds.

    The rollout runs H steps with γᴴ < 1e-3, past the 200-step time limit: the critic estimates
    the infinite-horizon return, and truncation is not termination (L12).
    """
    seeds = agent.stack or 1
    theta = np.broadcast_to(starts[:, 0], (seeds, len(starts))).copy()
    thetadot = np.broadcast_to(starts[:, 1], (seeds, len(starts))).copy()
    obs = to_observation(theta, thetadot).astype(agent.dtype)
    if not agent.stack:
        obs = obs[0]
    action = agent.actor(obs)
    q1 = np.reshape(agent.critic(obs, action), (seeds, -1)).astype(float)
    critic2 = getattr(agent, "critic2", None)
    q2 = (np.full_like(q1, np.nan) if critic2 is None
          else np.reshape(critic2(obs, action), (seeds, -1)).astype(float))
    horizon = math.ceil(math.log(1e-3) / math.log(gamma))
    discounted, discount = np.zeros(theta.shape), 1.0
    for _ in range(horizon):
        obs = to_observation(theta, thetadot).astype(agent.dtype)
        action = agent.actor(obs if agent.stack else obs[0])
        torque = np.reshape(action, theta.shape).astype(np.float64)
        theta, thetadot, reward = pendulum_step(theta, thetadot, torque)
        discounted += discount * reward
        discount *= gamma
    return {"q1": q1, "q2": q2, "discounted_return": discounted}


def write_text_atomically(path: Path, text: str) -> None:
    """A temporary file in the same folder, then ``os.replace``: never half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def start_value_rows(run: Path, seeds: list[int], starts: np.ndarray, gamma: float) -> str:
    """start_values.csv of a run folder with snapshots, as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(START_COLUMNS)
    for path in snapshot_files(run):
        values = start_values(load_agent(path), starts, gamma)
        for i, seed in enumerate(seeds):
            for k in range(len(starts)):
                writer.writerow([snapshot_step(path), seed, k] + [
                    "" if np.isnan(values[c][i, k]) else f"{values[c][i, k]:.3f}"
                    for c in ("q1", "q2", "discounted_return")])
    return out.getvalue()


def run_condition(name: str, base: DDPGConfig, steps: int, seeds: list[int], workers: int,
                  out: Path) -> tuple[DDPGConfig, float]:
    """Train one condition into a temporary run folder, keep its small files in out/name."""
    cfg = condition_config(name, base)
    target = out / name
    tick = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / name
        train(ENV_ID, cfg, steps, out=run, seeds=seeds, workers=workers, progress=False)
        seconds = time.perf_counter() - tick
        starts = evaluation_starts(cfg.eval_episodes)  # the states evaluate() starts from
        rows = start_value_rows(run, seeds, starts, cfg.gamma)
        staging = out / f".{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for file in KEPT_FILES:
            shutil.copyfile(run / file, staging / file)
        (staging / "start_values.csv").write_text(rows)
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
    parser.add_argument("--out", type=Path, default=Path("checkpoints/td3"))
    parser.add_argument("--only", nargs="+", choices=list(CONDITIONS), default=list(CONDITIONS),
                        metavar="NAME", help=f"conditions to run: {', '.join(CONDITIONS)}")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.workers < 1 or args.eval_episodes < 1:
        parser.error("--steps, --workers and --eval-episodes must be whole numbers >= 1")
    command = "python -m benchmarks.td3_ablation " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))

    base = DDPGConfig.preset(ENV_ID, eval_episodes=args.eval_episodes, checkpoint_replay=False,
                             snapshot_steps=tuple(s for s in SNAPSHOT_STEPS if s <= args.steps)
                             or (args.steps,))
    args.out.mkdir(parents=True, exist_ok=True)
    meta_path = args.out / "conditions.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    for name in args.only:
        cfg, seconds = run_condition(name, base, args.steps, args.seeds, args.workers, args.out)
        with open(args.out / name / "progress.csv") as f:
            final = [float(r["eval_return_mean"]) for r in csv.DictReader(f)
                     if int(r["step"]) == args.steps]
        print(f"{name:<17s} {seconds:6.0f} s   final evaluation return: median "
              f"{np.median(final):7.1f}, seeds {' '.join(f'{x:.0f}' for x in final)}",
              flush=True)
        meta[name] = {"description": CONDITIONS[name][0], "switches": CONDITIONS[name][1],
                      "algorithm": type(cfg).__name__, "config": cfg.to_dict(),
                      "steps": args.steps, "seeds": args.seeds, "workers": args.workers,
                      "seconds": round(seconds, 1), "command": command}
        write_text_atomically(meta_path, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
