"""Ground truth for Pendulum-v1: optimal value function and policy by dynamic programming.

DDPG's return on Pendulum-v1 only means something next to the best return that is possible.
This module computes that optimum by dynamic programming on a fine (θ, θ̇) grid:

* ``solve(horizon=200, gamma=1.0)`` runs finite-horizon DP over the 200-step episode, so the
  value table is the optimal undiscounted episode return V_200(θ, θ̇), the quantity the
  evaluation reports;
* ``solve(horizon=None, gamma=0.99)`` runs value iteration to convergence for the discounted,
  infinite-horizon V*(θ, θ̇), the quantity a γ = 0.99 critic Q(s, μ(s)) estimates.

The Bellman backup uses Pendulum-v1's dynamics exactly as gymnasium implements them (see
``pendulum_step``), a discrete set of torques in [-2, 2], and bilinear interpolation of the
value table at the successor state, periodic in θ and clipped in θ̇ ∈ [-8, 8]. It is fully
vectorised: the successor cells and weights are computed once, and each backup is four
gathers, a few multiply-adds and a max over the torques.

The optimal *policy* is the greedy one-step lookahead on the value table, evaluated at the
continuous state (``PendulumSolution.policy``). ``simulate`` / ``optimal_return`` roll it out
with the exact float64 dynamics, so the returns they report are returns that a controller
really achieves in the gymnasium environment (the tests check this against ``env.step``), not
just table values. ``evaluation_starts`` gives the start states of ``env.reset(seed=10_000 + i)``
that the training code evaluates agents on.

The cached result ``checkpoints/pendulum_optimal.npz`` (1.7 MB, about 17 s on one core) was
made by::

    python -m ddpg_numpy.pendulum_optimal --out checkpoints/pendulum_optimal.npz

It holds the 200-step undiscounted solution (``PendulumSolution.load(path)``), the discounted
γ = 0.99 solution (``PendulumSolution.load(path, prefix="discounted_")``) and the optimal
returns on the evaluation starts (``load_ground_truth(path)`` returns all of it).

Results (400 x 401 grid, 31 torques): the DP controller achieves a mean return of -134.5 on the
50 evaluation starts and -137.4 (± 0.1) over Pendulum-v1's reset distribution. Grid
convergence of the evaluation-start mean: -135.8 (100 x 101), -135.1 (200 x 201),
-134.7 (300 x 301), -134.5 (400 x 401), -134.4 (600 x 601); 21, 31, 81 or 161 torques change it
by < 0.01. So the true optimum is about -134.2 ± 0.3, and a DDPG agent's gap to the optimum is
``its mean return - truth.eval_mean_return`` to within half a unit.

Quote the *achieved* returns (``eval_returns``, ``optimal_return``), not the table values
``value(θ, θ̇)``: interpolation makes the table optimistic next to the separatrix between
"reach the top directly" and "swing once more". Two of the 50 evaluation starts (i = 41, 47)
sit there: the table says about -70 for them, but full torque towards the top stalls just
short of it (θ ≈ 0.43) and the controller needs one more swing (about -128). This is why the
table mean (-132.4) is above the achieved one.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..lab.envs import EVAL_SEED_BASE
from .dynamics import (
    EPISODE_STEPS,
    MAX_SPEED,
    MAX_TORQUE,
    angle_normalize,
    evaluation_starts,
    pendulum_step,
)

DEFAULT_N_THETA = 400
DEFAULT_N_THETADOT = 401
DEFAULT_N_TORQUES = 31
DEFAULT_GAMMA_CRITIC = 0.99

# --------------------------------------------------------------------------------------------
# Grid and interpolation
# --------------------------------------------------------------------------------------------


def theta_axis(n_theta: int) -> np.ndarray:
    """Periodic θ grid ``-π + 2π k / n_theta``, shape (n_theta,); contains 0 if n_theta is even."""
    return -np.pi + 2 * np.pi * np.arange(n_theta) / n_theta


def thetadot_axis(n_thetadot: int) -> np.ndarray:
    """θ̇ grid ``linspace(-8, 8, n_thetadot)``, shape (n_thetadot,); contains 0 if it is odd."""
    return np.linspace(-MAX_SPEED, MAX_SPEED, n_thetadot)


def _cells(
    theta: np.ndarray, thetadot: np.ndarray, n_theta: int, n_thetadot: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lower-left cell (i, j) and fractional weights (wθ, wθ̇) of states; shapes of the input."""
    x = (angle_normalize(theta) + np.pi) * (n_theta / (2 * np.pi))
    i = np.floor(x)
    w_theta = x - i
    i = i.astype(np.int64) % n_theta  # x can round up to exactly n_theta
    y = (np.clip(thetadot, -MAX_SPEED, MAX_SPEED) + MAX_SPEED) * (
        (n_thetadot - 1) / (2 * MAX_SPEED)
    )
    j = np.clip(np.floor(y), 0, n_thetadot - 2)
    w_thetadot = y - j
    return i, j.astype(np.int64), w_theta, w_thetadot


def interpolate(table: np.ndarray, theta: np.ndarray, thetadot: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of a (n_theta, n_thetadot) grid table; periodic θ, clipped θ̇.

    ``theta`` and ``thetadot`` broadcast together; the result has their broadcast shape.
    """
    n_theta, n_thetadot = table.shape
    i, j, wt, wd = _cells(np.asarray(theta), np.asarray(thetadot), n_theta, n_thetadot)
    i1 = (i + 1) % n_theta
    t = np.asarray(table, dtype=np.float64)
    lo = t[i, j] + wd * (t[i, j + 1] - t[i, j])
    hi = t[i1, j] + wd * (t[i1, j + 1] - t[i1, j])
    return lo + wt * (hi - lo)


# --------------------------------------------------------------------------------------------
# The solution
# --------------------------------------------------------------------------------------------


@dataclass
class PendulumSolution:
    """Result of ``solve``: grid axes, value tables, greedy policy table and parameters.

    Attributes
    ----------
    theta : np.ndarray, shape (n_theta,)
        Periodic θ grid on [-π, π).
    thetadot : np.ndarray, shape (n_thetadot,)
        θ̇ grid on [-8, 8].
    torques : np.ndarray, shape (n_torques,)
        Discrete torques the DP maximises over.
    value_table : np.ndarray, shape (n_theta, n_thetadot), float32
        Finite horizon: V_H, the optimal H-step return (discounted by ``gamma``).
        ``horizon is None``: the converged infinite-horizon discounted V*.
    next_value_table : np.ndarray, shape (n_theta, n_thetadot), float32
        The value the greedy policy looks ahead to: V_{H-1} (finite horizon) or V* (infinite).
    policy_table : np.ndarray, shape (n_theta, n_thetadot), float32
        Greedy torque at the grid nodes (the optimal first action of the H-step problem).
    horizon : int or None
        Number of DP steps, or None for value iteration to convergence.
    gamma : float
        Discount factor.
    iterations : int
        Bellman backups performed.
    residual : float
        max |V_k - V_{k-1}| of the last backup (the convergence criterion if horizon is None).
    solve_seconds : float
        Wall-clock time of ``solve``.
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
        """Flat dict of arrays for ``np.savez``; keys are prefixed by ``prefix``."""
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

    def save(self, path: str | Path) -> None:
        """Save to a ``.npz`` file (plain arrays, loadable with ``allow_pickle=False``)."""
        np.savez_compressed(path, **self.to_arrays())

    @classmethod
    def load(cls, path: str | Path, prefix: str = "") -> PendulumSolution:
        """Load a solution saved by ``save`` or ``save_ground_truth`` (``prefix`` selects one)."""
        with np.load(path, allow_pickle=False) as data:
            return cls.from_arrays(data, prefix)


# --------------------------------------------------------------------------------------------
# Dynamic programming
# --------------------------------------------------------------------------------------------


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

    Parameters
    ----------
    n_theta, n_thetadot : int
        Grid points on θ ∈ [-π, π) (periodic) and θ̇ ∈ [-8, 8]. Use an even n_theta and an
        odd n_thetadot so that the upright rest state (0, 0) is a grid node.
    n_torques : int
        Number of torques in ``linspace(-2, 2, n_torques)`` the backup maximises over.
    horizon : int or None
        Finite-horizon DP over this many steps (``V_0 = 0``); with ``gamma=1`` and 200 steps
        the value table is the optimal episode return. ``None``: value iteration until
        max |V_k - V_{k-1}| < ``tol`` (needs ``gamma < 1`` to be a contraction).
    gamma : float
        Discount factor.
    tol, max_iterations : float, int
        Stopping rule for ``horizon=None``.

    Returns
    -------
    PendulumSolution
        Tables of shape (n_theta, n_thetadot).
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
    i, j, w_theta, w_thetadot = _cells(th_next, thd_next, n_theta, n_thetadot)
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


# --------------------------------------------------------------------------------------------
# Rollouts and start states
# --------------------------------------------------------------------------------------------


@dataclass
class Trajectories:
    """Closed-loop rollouts of the greedy DP policy.

    Attributes
    ----------
    states : np.ndarray, shape (n, steps + 1, 2)
        (θ, θ̇) along the rollouts; θ unwrapped, as in ``env.unwrapped.state``.
    actions : np.ndarray, shape (n, steps)
        Torques applied.
    rewards : np.ndarray, shape (n, steps)
        Rewards received.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    @property
    def returns(self) -> np.ndarray:
        """Undiscounted returns, shape (n,)."""
        return self.rewards.sum(axis=1)


def simulate(
    solution: PendulumSolution,
    starts: np.ndarray,
    steps: int = EPISODE_STEPS,
    torques: np.ndarray | None = None,
) -> Trajectories:
    """Roll out ``solution.policy`` from start states with the exact Pendulum-v1 dynamics.

    Parameters
    ----------
    solution : PendulumSolution
        Solution whose greedy lookahead policy is applied.
    starts : np.ndarray, shape (n, 2)
        Start states (θ, θ̇).
    steps : int
        Episode length (200 for Pendulum-v1).
    torques : np.ndarray, optional
        Candidate torques for the lookahead (default: the solution's torques).

    Returns
    -------
    Trajectories
        States (n, steps + 1, 2), actions (n, steps), rewards (n, steps).
    """
    starts = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
    n = starts.shape[0]
    states = np.empty((n, steps + 1, 2))
    actions = np.empty((n, steps))
    rewards = np.empty((n, steps))
    theta, thetadot = starts[:, 0].copy(), starts[:, 1].copy()
    states[:, 0] = starts
    for t in range(steps):
        u = solution.policy(theta, thetadot, torques=torques)
        theta, thetadot, rewards[:, t] = pendulum_step(theta, thetadot, u)
        actions[:, t] = u
        states[:, t + 1, 0] = theta
        states[:, t + 1, 1] = thetadot
    return Trajectories(states=states, actions=actions, rewards=rewards)


def optimal_return(
    starts: np.ndarray,
    solution: PendulumSolution,
    steps: int = EPISODE_STEPS,
    torques: np.ndarray | None = None,
) -> np.ndarray:
    """Return achieved by the greedy DP policy from each start (θ, θ̇); shape (n,).

    This is a real closed-loop return under the exact dynamics (what ``env.step`` would
    give), hence a lower bound on the true optimum; ``solution.value(θ, θ̇)`` is the table's
    own estimate of it.
    """
    return simulate(solution, starts, steps, torques).returns


def random_starts(n: int = 10_000, seed: int = 0, stratified: bool = True) -> np.ndarray:
    """Random start states from Pendulum-v1's reset distribution, shape (n, 2).

    θ ~ U[-π, π], θ̇ ~ U[-1, 1]. With ``stratified=True`` (n must be the square of an even
    number) there is one uniform point in each cell of an √n x √n grid over that box: every
    point is still uniform on the box, but the mean return has ~6x less Monte-Carlo error than
    with independent draws (``stratified=False``). Use ``mean_and_se`` for the mean.
    """
    rng = np.random.default_rng(seed)
    low, high = np.array([-np.pi, -1.0]), np.array([np.pi, 1.0])
    if not stratified:
        return rng.uniform(low, high, size=(n, 2))
    m = int(np.sqrt(n) + 0.5)
    if m * m != n or m % 2:
        raise ValueError("stratified random_starts needs n = m * m with m even")
    i, j = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
    unit = (np.stack([i.ravel(), j.ravel()], axis=1) + rng.random((n, 2))) / m
    return low + (high - low) * unit


def mean_and_se(values: np.ndarray, stratified: bool = True) -> tuple[float, float]:
    """Mean of per-start values (n,) and its standard error.

    For ``random_starts(stratified=True)`` the error is estimated from neighbouring cell pairs
    (collapsed strata, slightly conservative); otherwise it is std / √n.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    if not stratified:
        return float(values.mean()), float(values.std(ddof=1) / np.sqrt(n))
    diff = values[0::2] - values[1::2]
    return float(values.mean()), float(np.sqrt(np.sum(diff**2)) / n)


def expected_start_value(solution: PendulumSolution, n_per_axis: int = 400) -> float:
    """Table estimate of E[V(s0)] over the reset distribution (midpoint rule)."""
    th = -np.pi + 2 * np.pi * (np.arange(n_per_axis) + 0.5) / n_per_axis
    thd = -1.0 + 2.0 * (np.arange(n_per_axis) + 0.5) / n_per_axis
    return float(solution.value(th[:, None], thd[None, :]).mean())


# --------------------------------------------------------------------------------------------
# Cached ground truth
# --------------------------------------------------------------------------------------------

DISCOUNTED_PREFIX = "discounted_"


@dataclass
class GroundTruth:
    """Everything in the cached file.

    Attributes
    ----------
    episode : PendulumSolution
        200-step undiscounted solution (optimal episode return).
    discounted : PendulumSolution or None
        Infinite-horizon γ = 0.99 solution (compare with the critic's Q(s, μ(s))).
    eval_starts : np.ndarray, shape (n_eval, 2)
        Evaluation start states ``env.reset(seed=seed_base + i)``.
    eval_returns : np.ndarray, shape (n_eval,)
        Returns the greedy DP policy achieves from them.
    eval_seed_base : int
        Seed of the first evaluation episode.
    random_mean_return : float
        Mean achieved return over ``n_random`` stratified random starts (``random_starts``),
        an estimate of the optimal expected return over Pendulum-v1's reset distribution.
    random_return_se : float
        Its Monte-Carlo standard error.
    n_random : int
        Number of random starts.
    command : str
        Command that made the file.
    """

    episode: PendulumSolution
    discounted: PendulumSolution | None
    eval_starts: np.ndarray
    eval_returns: np.ndarray
    eval_seed_base: int
    random_mean_return: float
    random_return_se: float
    n_random: int
    command: str

    @property
    def eval_mean_return(self) -> float:
        """Mean optimal return over the evaluation starts."""
        return float(self.eval_returns.mean())


def save_ground_truth(path: str | Path, truth: GroundTruth) -> None:
    """Save a ``GroundTruth`` to one ``.npz`` (no pickle)."""
    arrays = truth.episode.to_arrays()
    if truth.discounted is not None:
        arrays.update(truth.discounted.to_arrays(DISCOUNTED_PREFIX))
    arrays.update(
        eval_starts=truth.eval_starts,
        eval_returns=truth.eval_returns,
        eval_seed_base=np.asarray(truth.eval_seed_base),
        random_mean_return=np.asarray(truth.random_mean_return),
        random_return_se=np.asarray(truth.random_return_se),
        n_random=np.asarray(truth.n_random),
        command=np.asarray(truth.command),
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def load_ground_truth(path: str | Path) -> GroundTruth:
    """Load the file written by ``save_ground_truth`` / ``main``."""
    with np.load(path, allow_pickle=False) as data:
        episode = PendulumSolution.from_arrays(data)
        discounted = None
        if DISCOUNTED_PREFIX + "value_table" in data:
            discounted = PendulumSolution.from_arrays(data, DISCOUNTED_PREFIX)
        return GroundTruth(
            episode=episode,
            discounted=discounted,
            eval_starts=data["eval_starts"],
            eval_returns=data["eval_returns"],
            eval_seed_base=int(data["eval_seed_base"]),
            random_mean_return=float(data["random_mean_return"]),
            random_return_se=float(data["random_return_se"]),
            n_random=int(data["n_random"]),
            command=str(data["command"]),
        )


def main(argv: list[str] | None = None) -> GroundTruth:
    """Command line: solve, evaluate on the evaluation starts, and write the cache file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="checkpoints/pendulum_optimal.npz")
    parser.add_argument("--n-theta", type=int, default=DEFAULT_N_THETA)
    parser.add_argument("--n-thetadot", type=int, default=DEFAULT_N_THETADOT)
    parser.add_argument("--n-torques", type=int, default=DEFAULT_N_TORQUES)
    parser.add_argument(
        "--gamma",
        type=float,
        default=DEFAULT_GAMMA_CRITIC,
        help="discount of the extra infinite-horizon solution (0 to skip)",
    )
    parser.add_argument("--n-eval", type=int, default=50)
    parser.add_argument("--seed-base", type=int, default=EVAL_SEED_BASE)
    parser.add_argument("--n-random", type=int, default=10_000)
    args = parser.parse_args(argv)
    command = "python -m ddpg_numpy.pendulum_optimal " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)
    )

    grid = {"n_theta": args.n_theta, "n_thetadot": args.n_thetadot, "n_torques": args.n_torques}
    episode = solve(**grid, horizon=EPISODE_STEPS, gamma=1.0)
    print(
        f"200-step DP on {args.n_theta}x{args.n_thetadot} grid, {args.n_torques} torques: "
        f"{episode.solve_seconds:.1f} s"
    )
    discounted = None
    if args.gamma > 0:
        discounted = solve(**grid, horizon=None, gamma=args.gamma)
        print(
            f"gamma={args.gamma} value iteration: {discounted.iterations} backups, "
            f"{discounted.solve_seconds:.1f} s"
        )

    starts = evaluation_starts(args.n_eval, args.seed_base)
    returns = optimal_return(starts, episode)
    table = episode.value(starts[:, 0], starts[:, 1])
    print(
        f"optimal return on the {args.n_eval} evaluation starts (seed {args.seed_base}+i): "
        f"mean {returns.mean():.2f} (achieved by the DP policy), "
        f"table V_200 mean {table.mean():.2f}"
    )
    if discounted is not None:
        print(
            f"discounted V*(s0) (gamma={args.gamma}, compare Q(s, mu(s))) on the evaluation "
            f"starts: mean {discounted.value(starts[:, 0], starts[:, 1]).mean():.2f}"
        )
    rand = optimal_return(random_starts(args.n_random), episode)
    rand_mean, rand_se = mean_and_se(rand)
    print(
        f"optimal return over {args.n_random} (stratified) random starts: mean {rand_mean:.2f} "
        f"(± {rand_se:.2f} s.e.); table E[V_200(s0)] {expected_start_value(episode):.2f}"
    )

    truth = GroundTruth(
        episode=episode,
        discounted=discounted,
        eval_starts=starts,
        eval_returns=returns,
        eval_seed_base=args.seed_base,
        random_mean_return=rand_mean,
        random_return_se=rand_se,
        n_random=args.n_random,
        command=command,
    )
    save_ground_truth(args.out, truth)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e6:.2f} MB)")
    return truth


if __name__ == "__main__":
    main()
