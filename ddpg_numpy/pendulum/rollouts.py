"""What the optimal controller achieves: closed-loop rollouts of the DP policy, start states.

``simulate`` / ``optimal_return`` roll the greedy policy of a ``PendulumSolution`` out with the
exact float64 dynamics, so the returns they report are returns a controller really achieves in
the gymnasium environment (the tests check this against ``env.step``), not just table values.

Quote these *achieved* returns, not the table values ``value(θ, θ̇)``: interpolation makes the
table optimistic next to the separatrix between "reach the top directly" and "swing once more".
Two of the 50 evaluation starts (i = 41, 47) sit there: the table says about -70 for them, but
full torque towards the top stalls just short of it (θ ≈ 0.43) and the controller needs one
more swing (about -128). This is why the table mean (-132.4) is above the achieved one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dynamics import EPISODE_STEPS, pendulum_step
from .solver import PendulumSolution

__all__ = [
    "Trajectories",
    "expected_start_value",
    "mean_and_se",
    "optimal_return",
    "random_starts",
    "simulate",
]


@dataclass
class Trajectories:
    """Closed-loop rollouts of the greedy DP policy from n starts.

    ``states`` (n, steps + 1, 2) is (θ, θ̇) along the rollouts, θ unwrapped as in
    ``env.unwrapped.state``; ``actions`` (n, steps) the torques applied; ``rewards``
    (n, steps) the rewards received.
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
    """Roll out ``solution.policy`` from start states (θ, θ̇) (n, 2) for ``steps`` steps
    (Pendulum-v1's episode: 200) with the exact Pendulum-v1 dynamics.

    ``torques`` are the candidates of the policy's lookahead (default: the solution's own).
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
    """Return achieved by the greedy DP policy from each start (θ, θ̇) (n, 2); shape (n,).

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
    """Table estimate of E[V(s0)] over the reset distribution (midpoint rule, n_per_axis²)."""
    th = -np.pi + 2 * np.pi * (np.arange(n_per_axis) + 0.5) / n_per_axis
    thd = -1.0 + 2.0 * (np.arange(n_per_axis) + 0.5) / n_per_axis
    return float(solution.value(th[:, None], thd[None, :]).mean())
