"""What a TD3 actor at the action bounds does over training: per snapshot of a run, its actions
and the gradients that move them, on fixed states.

    python -m ddpg_numpy train --env Hopper-v5 --algo td3 --seed 1 --steps 40000 \\
        --out runs/hopper-td3-s1-snapshots --set snapshot_every=2500 --no-progress
    python benchmarks/mujoco_action_bounds.py --run runs/hopper-td3-s1-snapshots \\
        --out checkpoints/mujoco/action_bounds_Hopper-v5_td3_seed1.csv

The states: the first evaluation start state s₀ (reset(seed=EVAL_SEED_BASE), the same on every
machine) and ``--states`` states drawn (seeded) from the replay buffer of the run's last
checkpoint, the same set for every snapshot. Per snapshot step, one row:

* ``a0_<j>``: μ(s₀), each action component j (Hopper: thigh, leg, foot torque), in [−1, 1];
* ``dqda0_<j>``: ∇ₐQ₁(s₀, μ(s₀)), the direction the critic tells the actor to move a (T12);
* ``mean_abs_action``, ``saturated``: over the drawn states, the mean |a| and the fraction of
  action components within 0.01 of ±1;
* ``mean_abs_dqda``: the mean |∂Q₁/∂a| over the drawn states and components;
* ``mean_abs_dqdu``: the same gradient at the input u of tanh (a = tanh u on [−1, 1]),
  |∂Q₁/∂a · (1 − a²)|: what the bound's flat tanh leaves of it;
* ``grad_norm``: ‖∂J/∂θ^μ‖ with J = mean over the drawn states of Q₁(s, μ(s)) (the actor's
  gradient before Adam, which divides each component by its own running scale);
* ``theta_change``: ‖θ^μ − θ^μ at the previous snapshot‖, how far the actor's parameters moved
  (Adam's step is about the learning rate per parameter whatever the gradient's size);
* ``eval_return``: the run's evaluation return at that step (progress.csv; empty between
  evaluations).

The header lines (starting with '#') give the command, the run's OpenBLAS kernel (blas.json)
and the states: a run reproduces bit for bit only under the kernel that made it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from ddpg_numpy import DDPG, load_agent  # noqa: E402
from ddpg_numpy.lab.envs import EVAL_SEED_BASE, make_env  # noqa: E402
from ddpg_numpy.lab.run_folder import snapshot_files, snapshot_step  # noqa: E402
from ddpg_numpy.lab.run_logs import read_progress  # noqa: E402
from ddpg_numpy.plots.mujoco import blas_kernel  # noqa: E402

SATURATED = 0.99  # |a| within 0.01 of the bound


def replay_states(run: Path, n: int, seed: int = 0) -> np.ndarray:
    """(n, obs_dim) observations drawn without replacement from the replay buffer in the run's
    checkpoint.npz (which stores the filled rows only)."""
    with np.load(run / "checkpoint.npz", allow_pickle=False) as data:
        obs = data["replay.obs"]
    return obs[np.random.default_rng(seed).choice(len(obs), n, replace=False)]


def snapshot_row(agent: DDPG, s0: np.ndarray, states: np.ndarray) -> dict[str, float]:
    """The columns of one snapshot (module docstring); s0: (obs_dim,), states: (N, obs_dim)."""
    x0, x = s0[None].astype(agent.dtype), states.astype(agent.dtype)
    a0 = agent.actor(x0)
    _, g0 = agent.critic.action_gradient(x0, a0)
    a = agent.actor(x)
    _, g = agent.critic.action_gradient(x, a)
    agent.actor.grad[...] = 0
    agent.actor.backward(g / len(x))  # ∂J/∂θ^μ of J = mean Q₁(s, μ(s))
    unit = (a - agent.actor.center) / agent.actor.half_width  # tanh u, in [−1, 1]
    row = {f"a0_{j}": float(v) for j, v in enumerate(a0[0])}
    row |= {f"dqda0_{j}": float(v) for j, v in enumerate(g0[0])}
    row |= {"mean_abs_action": float(np.abs(unit).mean()),
            "saturated": float((np.abs(unit) > SATURATED).mean()),
            "mean_abs_dqda": float(np.abs(g).mean()),
            "mean_abs_dqdu": float(np.abs(g * agent.actor.half_width * (1 - unit ** 2)).mean()),
            "grad_norm": float(np.linalg.norm(agent.actor.grad))}
    return row


def rows_of(run: Path, n_states: int) -> list[dict]:
    config = json.loads((run / "config.json").read_text())
    env = make_env(config["env_id"])
    s0, _ = env.reset(seed=EVAL_SEED_BASE)
    env.close()
    states = replay_states(run, n_states)
    evals = {int(r["step"]): r["eval_return_mean"] for r in read_progress(run)}
    rows, previous = [], None
    for path in snapshot_files(run):
        step, agent = snapshot_step(path), load_agent(path)
        row = {"step": step} | snapshot_row(agent, s0, states)
        theta = agent.actor.theta.astype(np.float64)
        row["theta_change"] = (float(np.linalg.norm(theta - previous)) if previous is not None
                               else "")
        previous = theta
        row["eval_return"] = f"{evals[step]:.2f}" if step in evals else ""
        rows.append({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=Path("runs/hopper-td3-s1-snapshots"))
    parser.add_argument("--out", type=Path,
                        default=Path("checkpoints/mujoco/action_bounds_Hopper-v5_td3_seed1.csv"))
    parser.add_argument("--states", type=int, default=1000)
    args = parser.parse_args(argv)
    if not snapshot_files(args.run) or not (args.run / "checkpoint.npz").is_file():
        print(f"error: {args.run} has no snapshots/ or no checkpoint.npz; train it with --set "
              "snapshot_every=2500 (module docstring).", file=sys.stderr)
        return 2
    rows = rows_of(args.run, args.states)
    config = json.loads((args.run / "config.json").read_text())
    text = io.StringIO()
    text.write(f"# {config['env_id']} {config.get('algorithm', 'td3')} seed {config['seeds'][0]}"
               f", {config['steps']} steps: python -m ddpg_numpy train --env {config['env_id']} "
               f"--algo td3 --seed {config['seeds'][0]} --steps {config['steps']} --out "
               f"{args.run} --set snapshot_every=2500 --no-progress; then python "
               f"benchmarks/mujoco_action_bounds.py --run {args.run} --out {args.out}\n"
               f"# OpenBLAS kernel of the run: {blas_kernel(args.run)} (one thread); the states:"
               f" s0 = reset(seed={EVAL_SEED_BASE}) and {args.states} states drawn with "
               "numpy.random.default_rng(0) from the replay buffer of its last checkpoint.\n")
    writer = csv.DictWriter(text, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    args.out.write_text(text.getvalue())
    print(text.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
