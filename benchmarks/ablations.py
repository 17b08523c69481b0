"""Ablations of DDPG on Pendulum-v1: what each ingredient of the algorithm is worth.

Every condition changes one thing in ``DDPGConfig.preset("Pendulum-v1")`` and trains the same
seeds in lock-step (one stacked agent). Notebook 07 plots the results; notebook 04 the τ sweep.

    python -m benchmarks.ablations --steps 20000 --seeds 0-4 --out checkpoints/ablations

writes, for each condition, ``<out>/<condition>.csv`` with one row per evaluation and seed:

* the columns of a run folder's progress.csv that the notebooks use (step, seed,
  eval_return_mean, eval_return_std, train_return, critic_loss, q_mean, actor_objective);
* ``q_start`` / ``return_start``: the critic's estimate Q(s₀, μ(s₀)) at the evaluation start
  states next to the discounted return Σ_k γᵏ r_k the deterministic policy μ really obtains from
  them, and ``q_visited`` / ``return_visited``: the same averaged over every state of those
  200-step evaluation episodes (how much the critic over- or under-estimates, notebook 07);

and ``<out>/conditions.json`` (each condition's description, overrides and full config, the
command, the wall-clock time and, as ``"blas"``, the run's blas.json: the BLAS kernel its numbers
reproduce under). Agents are not kept: the folder stays a few hundred kB.
``--only NAME ...`` reruns some conditions and leaves the other files as they are.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ddpg_numpy import DDPG, DDPGConfig, train
from ddpg_numpy.lab.blas_record import read_record
from ddpg_numpy.lab.options import parse_seeds
from ddpg_numpy.lab.run_folder import snapshot_files, snapshot_step
from ddpg_numpy.pendulum import evaluation_starts, pendulum_step, to_observation

ENV_ID = "Pendulum-v1"
Overrides = Callable[[DDPGConfig], dict]

# name -> (what changes, overrides computed from the preset so they follow its tuning)
CONDITIONS: dict[str, tuple[str, Overrides]] = {
    "preset": ("the Pendulum-v1 preset", lambda c: {}),
    "no_target": ("no target networks: τ = 1, so θ′ = θ after every update (L15)",
                  lambda c: {"tau": 1.0}),
    "tau_0.05": ("fast targets: τ = 0.05", lambda c: {"tau": 0.05}),
    "tau_0.0005": ("slow targets: τ = 0.0005", lambda c: {"tau": 5e-4}),
    # R holds only the last N transitions: every minibatch is (a resampling of) the most recent
    # experience. learning_starts must drop to N, or the never-fuller buffer would never train.
    "no_replay": ("no replay: R keeps only the last N = batch_size transitions (L3, L11)",
                  lambda c: {"buffer_size": c.batch_size,
                             "learning_starts": min(c.learning_starts, c.batch_size)}),
    # The preset's noise is the paper's OU process; two Gaussian alternatives separate the
    # noise's correlation in time (same spread) from its size (TD3's small σ).
    # Same stationary standard deviation as the preset's OU process: σ_OU / √(θ(2 − θ·dt)).
    "gaussian_matched": ("Gaussian noise with the preset OU process's stationary std (L5, L8)",
                         lambda c: {"noise": "gaussian",
                                    "noise_sigma": round(c.noise_sigma / float(np.sqrt(
                                        c.ou_theta * (2 - c.ou_theta * c.ou_dt))), 4)}),
    "gaussian_small": ("Gaussian noise σ = 0.1, as TD3 and most later work (L5, L8)",
                       lambda c: {"noise": "gaussian", "noise_sigma": 0.1}),
}
COLUMNS = ["step", "seed", "eval_return_mean", "eval_return_std", "train_return", "critic_loss",
           "q_mean", "actor_objective", "q_start", "return_start", "q_visited", "return_visited"]


def q_versus_return(agent: DDPG, starts: np.ndarray, gamma: float, steps: int = 200,
                    tail: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """The critic's Q(s_t, μ(s_t)) and the discounted return G_t = Σ_k γᵏ r_{t+k} that μ really
    obtains, on the states s_t (t < steps) of deterministic rollouts from ``starts`` (n, 2).

    Pendulum-v1 is deterministic, so G_t is exact up to the cut-off ``tail`` steps after t
    (γ^tail · |r|max ≈ 0.002 · 16 for γ = 0.98). Truncation at 200 steps is not termination:
    the critic estimates the infinite-horizon return, and so does G_t.
    Returns two arrays (S, n, steps) for a stacked agent ((n, steps) for a solo one).
    """
    shape = ((agent.stack,) if agent.stack else ()) + (len(starts),)
    theta = np.broadcast_to(starts[:, 0], shape).copy()
    thetadot = np.broadcast_to(starts[:, 1], shape).copy()
    q_pred = np.zeros(theta.shape + (steps,))
    rewards = np.zeros(theta.shape + (steps + tail,))
    for t in range(steps + tail):
        obs = to_observation(theta, thetadot).astype(agent.dtype)
        action = agent.actor(obs)
        if t < steps:
            q_pred[..., t] = agent.critic(obs, action)
        theta, thetadot, rewards[..., t] = pendulum_step(theta, thetadot,
                                                         action[..., 0].astype(np.float64))
    returns = np.zeros_like(rewards)
    running = np.zeros(theta.shape)
    for t in range(steps + tail - 1, -1, -1):  # G_t = r_t + γ G_{t+1}
        running = rewards[..., t] + gamma * running
        returns[..., t] = running
    return q_pred, returns[..., :steps]


def run_condition(name: str, base: DDPGConfig, steps: int, seeds: list[int],
                  starts: np.ndarray) -> tuple[list[dict], DDPGConfig, float, dict | None]:
    """Train one condition (stacked seeds); rows for its CSV, its config, seconds taken and the
    run's blas.json."""
    description, overrides = CONDITIONS[name]
    cfg = base.replace(**overrides(base), snapshot_every=base.eval_every,
                       checkpoint_replay=False, checkpoint_every=10 * steps)
    tick = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = train(ENV_ID, cfg, steps, out=Path(tmp) / name, seeds=seeds, progress=False)
        rows = {(int(r["step"]), int(r["seed"])): {k: r[k] for k in COLUMNS if k in r}
                for r in result.progress}
        for path in snapshot_files(Path(tmp) / name):
            agent = DDPG.load(path)
            step = snapshot_step(path)
            q_pred, returns = q_versus_return(agent, starts, cfg.gamma)
            for i, seed in enumerate(seeds):
                rows[step, seed].update(q_start=q_pred[i, :, 0].mean(),
                                        return_start=returns[i, :, 0].mean(),
                                        q_visited=q_pred[i].mean(),
                                        return_visited=returns[i].mean())
        blas = read_record(Path(tmp) / name)
    return list(rows.values()), cfg, time.perf_counter() - tick, blas


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (int(row[k]) if k in ("step", "seed") else f"{row[k]:.4g}")
                             for k in COLUMNS})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"))
    parser.add_argument("--eval-episodes", type=int, default=None,
                        help="evaluation start states (default: the preset's)")
    parser.add_argument("--out", type=Path, default=Path("checkpoints/ablations"))
    parser.add_argument("--only", nargs="+", choices=list(CONDITIONS), default=list(CONDITIONS),
                        metavar="NAME", help=f"conditions to run: {', '.join(CONDITIONS)}")
    args = parser.parse_args(argv)
    command = "python -m benchmarks.ablations " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))

    base = DDPGConfig.preset(ENV_ID)
    if args.eval_episodes:
        base = base.replace(eval_episodes=args.eval_episodes)
    starts = evaluation_starts(base.eval_episodes)  # the states evaluate() starts from
    args.out.mkdir(parents=True, exist_ok=True)
    meta_path = args.out / "conditions.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    for stale in set(meta) - set(CONDITIONS):  # conditions since removed from CONDITIONS
        del meta[stale]
        (args.out / f"{stale}.csv").unlink(missing_ok=True)
    for name in args.only:
        rows, cfg, seconds, blas = run_condition(name, base, args.steps, args.seeds, starts)
        write_csv(args.out / f"{name}.csv", rows)
        final = [r["eval_return_mean"] for r in rows if r["step"] == args.steps]
        print(f"{name:<16s} {seconds:5.0f} s   final evaluation return: median "
              f"{np.median(final):7.1f}, seeds {' '.join(f'{x:.0f}' for x in final)}")
        meta[name] = {"description": CONDITIONS[name][0], "overrides": CONDITIONS[name][1](base),
                      "config": cfg.to_dict(), "steps": args.steps, "seeds": args.seeds,
                      "seconds": round(seconds, 1), "command": command, "blas": blas}
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
