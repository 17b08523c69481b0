"""The optimal value function and policy of Pendulum-v1, by dynamic programming on a grid.

* ``solve(horizon=200, gamma=1.0)`` runs finite-horizon DP over the 200-step episode, so the
  value table is the optimal undiscounted episode return V_200(θ, θ̇), the quantity the
  evaluation reports;
* ``solve(horizon=None, gamma=0.99)`` runs value iteration to convergence for the discounted,
  infinite-horizon V*(θ, θ̇), the quantity a γ = 0.99 critic Q(s, μ(s)) estimates.

The Bellman backup uses Pendulum-v1's dynamics exactly as gymnasium implements them
(``pendulum_step``), a discrete set of torques in [-2, 2], and bilinear interpolation of the
value table at the successor state (``grid.interpolate``). It is fully vectorised: the
successor cells and weights are computed once, and each backup is four gathers, a few
multiply-adds and a max over the torques.

The optimal *policy* is the greedy one-step lookahead on the value table, evaluated at the
continuous state (``PendulumSolution.policy``); ``rollouts`` runs it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..core.checkpoint import load_npz, save_npz_atomic
from .dynamics import EPISODE_STEPS, MAX_TORQUE, pendulum_step
from .grid import cell_and_weights, interpolate, theta_axis, thetadot_axis

__all__ = [
    "DEFAULT_N_THETA",
    "DEFAULT_N_THETADOT",
    "DEFAULT_N_TORQUES",
    "PendulumSolution",
    "solve",
]

# The grid of the shipped ground truth: finer grids change the optimal return by < 0.3.
DEFAULT_N_THETA = 400
DEFAULT_N_THETADOT = 401
DEFAULT_N_TORQUES = 31


@dataclass
class PendulumSolution:
    """Result of ``solve``: the grid, the value and policy tables, and how they were computed.

    ``theta`` (n_theta,) is the periodic θ grid on [-π, π), ``thetadot`` (n_thetadot,) the θ̇
    grid on [-8, 8], ``torques`` (n_torques,) the torques the backup maximises over. The tables
    are float32 of shape (n_theta, n_thetadot): ``value_table`` is V_H, the optimal H-step
    return (discounted by ``gamma``), or with ``horizon=None`` the converged infinite-horizon
    V*; ``next_value_table`` is what the greedy policy looks ahead to, V_{H-1} (V* again when
    converged); ``policy_table`` is the greedy torque at the nodes, the optimal first action of
    the H-step problem. ``horizon`` is the number of DP steps (None: value iteration to
    convergence), ``iterations`` the backups performed, ``residual`` the max |V_k - V_{k-1}|
    of the last one (the stopping rule when ``horizon`` is None) and ``solve_seconds`` the
    wall-clock time of ``solve``.
    """

    theta: np.ndarray
    thetadot: np.ndarray
    torques: np.ndarray
    value_table: np.ndarray
    next_value_table: np.ndarray
    policy_table: np.ndarray
    horizon: int | None
    gamma: float
    iterations: int
    residual: float
    solve_seconds: float = 0.0
    _fields: ClassVar[tuple[str, ...]] = (
        "theta",
        "thetadot",
        "torques",
        "value_table",
        "next_value_table",
        "policy_table",
    )

    @property
    def shape(self) -> tuple[int, int]:
        """Grid shape (n_theta, n_thetadot)."""
        return self.value_table.shape

    def value(self, theta: np.ndarray, thetadot: np.ndarray) -> np.ndarray:
        """Interpolated optimal value V(θ, θ̇); broadcast shape of the inputs."""
        return interpolate(self.value_table, theta, thetadot)

    def action_values(
        self, theta: np.ndarray, thetadot: np.ndarray, torques: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One-step lookahead Q(s, u) = r(s, u) + γ V_next(f(s, u)).

        Returns ``(q, torques)`` with q of shape ``broadcast(theta, thetadot).shape + (m,)``
        for the m candidate torques (default: the solution's own torques).
        """
        u = self.torques if torques is None else np.asarray(torques, dtype=np.float64)
        th, thd = np.broadcast_arrays(np.asarray(theta, np.float64), np.asarray(thetadot))
        th_next, thd_next, reward = pendulum_step(th[..., None], thd[..., None], u)
        return reward + self.gamma * interpolate(self.next_value_table, th_next, thd_next), u

    def policy(
        self,
        theta: np.ndarray,
        thetadot: np.ndarray,
        method: str = "lookahead",
        torques: np.ndarray | None = None,
    ) -> np.ndarray:
        """Optimal torque μ*(θ, θ̇); broadcast shape of the inputs.

        ``method="lookahead"`` (default) maximises the one-step lookahead on the value table
        at the exact continuous state: this is the controller ``simulate`` rolls out.
        ``method="table"`` bilinearly interpolates ``policy_table`` (smooth, for plots only:
        the optimal policy is bang-bang in much of the state space).
        """
        if method == "table":
            return interpolate(self.policy_table, theta, thetadot)
        if method != "lookahead":
            raise ValueError(f"unknown method {method!r}")
        q, u = self.action_values(theta, thetadot, torques)
        return u[np.argmax(q, axis=-1)]

    # ---------------------------------------------------------------- persistence (no pickle)

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Flat dict of arrays for an ``.npz`` file; keys are prefixed by ``prefix``."""
        out = {prefix + name: np.asarray(getattr(self, name)) for name in self._fields}
        if np.array_equal(self.next_value_table, self.value_table):
            del out[prefix + "next_value_table"]  # converged: V_{H-1} == V_H, store it once
        out[prefix + "horizon"] = np.asarray(-1 if self.horizon is None else self.horizon)
        out[prefix + "gamma"] = np.asarray(self.gamma)
        out[prefix + "iterations"] = np.asarray(self.iterations)
        out[prefix + "residual"] = np.asarray(self.residual)
        out[prefix + "solve_seconds"] = np.asarray(self.solve_seconds)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str = "") -> PendulumSolution:
        """Inverse of ``to_arrays``."""
        horizon = int(arrays[prefix + "horizon"])
        tables = {
            name: np.asarray(arrays[prefix + name])
            for name in cls._fields
            if name != "next_value_table" or prefix + name in arrays
        }
        tables.setdefault("next_value_table", tables["value_table"])
        return cls(
            **tables,
            horizon=None if horizon < 0 else horizon,
            gamma=float(arrays[prefix + "gamma"]),
            iterations=int(arrays[prefix + "iterations"]),
            residual=float(arrays[prefix + "residual"]),
            solve_seconds=float(arrays[prefix + "solve_seconds"]),
        )

    def save(self, path: str | os.PathLike) -> None:
        """Write to an ``.npz`` file, atomically (plain arrays, loadable without pickle)."""
        save_npz_atomic(path, self.to_arrays())

    @classmethod
    def load(cls, path: str | os.PathLike, prefix: str = "") -> PendulumSolution:
        """Load a solution saved by ``save`` or ``save_ground_truth`` (``prefix`` selects one)."""
        return cls.from_arrays(read_solution_file(path), prefix)


def read_solution_file(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All arrays of a solution or ground-truth ``.npz`` (no pickle); says how to make a missing
    one, since ``load_npz``'s own message is about training runs."""
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"no Pendulum-v1 solution file at {path}; the ground truth is made by: "
            f"python -m ddpg_numpy pendulum-optimum --out {path}"
        )
    return load_npz(path)


def solve(
    n_theta: int = DEFAULT_N_THETA,
    n_thetadot: int = DEFAULT_N_THETADOT,
    n_torques: int = DEFAULT_N_TORQUES,
    horizon: int | None = EPISODE_STEPS,
    gamma: float = 1.0,
    tol: float = 1e-4,
    max_iterations: int = 5000,
) -> PendulumSolution:
    """Optimal value function and policy of Pendulum-v1 by dynamic programming on a grid.

    The grid has ``n_theta`` points on θ ∈ [-π, π) (periodic) and ``n_thetadot`` on
    θ̇ ∈ [-8, 8]; an even n_theta and an odd n_thetadot make the upright rest state (0, 0) a
    grid node. The backup maximises over the ``n_torques`` torques ``linspace(-2, 2,
    n_torques)``. With an integer ``horizon`` it is finite-horizon DP over that many steps
    from V_0 = 0 (with ``gamma=1`` and 200 steps the value table is the optimal episode
    return); with ``horizon=None`` it is value iteration until max |V_k - V_{k-1}| < ``tol``,
    at most ``max_iterations`` backups (a contraction only if ``gamma < 1``). The tables of
    the returned solution have shape (n_theta, n_thetadot).
    """
    if n_thetadot < 2 or n_theta < 2 or n_torques < 1:
        raise ValueError("need n_theta >= 2, n_thetadot >= 2, n_torques >= 1")
    if horizon is None and not gamma < 1.0:
        raise ValueError("value iteration to convergence (horizon=None) needs gamma < 1")
    start = time.perf_counter()
    theta = theta_axis(n_theta)
    thetadot = thetadot_axis(n_thetadot)
    torques = np.linspace(-MAX_TORQUE, MAX_TORQUE, n_torques)

    # Successor cells of every (grid state, torque), computed once: shape (nθ, nθ̇, nu).
    th, thd, u = np.meshgrid(theta, thetadot, torques, indexing="ij", sparse=True)
    th_next, thd_next, reward = pendulum_step(th, thd, u)
    i, j, w_theta, w_thetadot = cell_and_weights(th_next, thd_next, n_theta, n_thetadot)
    # Flat index into the value table padded with a copy of its θ = -π row at the end, so the
    # four corners are base, base + 1, base + nθ̇, base + nθ̇ + 1 (no wrap-around needed).
    base = (i * n_thetadot + j).astype(np.int32)
    w_theta = w_theta.astype(np.float32)
    w_thetadot = w_thetadot.astype(np.float32)
    reward = np.broadcast_to(reward, base.shape).astype(np.float32)
    del th_next, thd_next, i, j

    value = np.zeros((n_theta, n_thetadot), dtype=np.float32)
    previous = value
    best = np.zeros((n_theta, n_thetadot), dtype=np.int64)
    n_steps = max_iterations if horizon is None else horizon
    residual = np.inf
    iterations = 0
    for _ in range(n_steps):
        padded = np.concatenate([value, value[:1]]).ravel()
        # The four corner values; updated in place (no temporaries: these arrays are large).
        v00 = padded[base]
        v01 = padded[1:][base]
        v10 = padded[n_thetadot:][base]
        v11 = padded[n_thetadot + 1 :][base]
        v01 -= v00
        v01 *= w_thetadot
        v00 += v01  # θ-low edge
        v11 -= v10
        v11 *= w_thetadot
        v10 += v11  # θ-high edge
        v10 -= v00
        v10 *= w_theta
        v00 += v10  # expected next value
        if gamma != 1.0:
            v00 *= np.float32(gamma)
        v00 += reward
        best = np.argmax(v00, axis=-1)
        previous, value = value, np.take_along_axis(v00, best[..., None], axis=-1)[..., 0]
        iterations += 1
        residual = float(np.max(np.abs(value - previous)))
        if horizon is None and residual < tol:
            break
    if horizon is None and residual >= tol:
        raise RuntimeError(f"value iteration did not converge: residual {residual:.3g}")
    return PendulumSolution(
        theta=theta,
        thetadot=thetadot,
        torques=torques,
        value_table=value,
        next_value_table=value if horizon is None else previous,
        policy_table=torques[best].astype(np.float32),
        horizon=horizon,
        gamma=float(gamma),
        iterations=iterations,
        residual=residual,
        solve_seconds=time.perf_counter() - start,
    )
