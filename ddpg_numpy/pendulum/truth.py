"""The cached ground truth ``checkpoints/pendulum_optimal.npz``: what it holds, how it is made.

It is made by (about 20 s on one core)::

    python -m ddpg_numpy pendulum-optimum --out checkpoints/pendulum_optimal.npz

which calls ``build_ground_truth`` and ``save_ground_truth`` (compressed, 1.7 MB). It holds the
200-step undiscounted solution (``PendulumSolution.load(path)``), the discounted γ = 0.99
solution (``PendulumSolution.load(path, prefix="discounted_")``) and the optimal returns on the
evaluation starts (``load_ground_truth(path)`` returns all of it).

Results (400 x 401 grid, 31 torques): the DP controller achieves a mean return of -134.5 on the
50 evaluation starts and -137.4 (± 0.1) over Pendulum-v1's reset distribution. Grid
convergence of the evaluation-start mean: -135.8 (100 x 101), -135.1 (200 x 201),
-134.7 (300 x 301), -134.5 (400 x 401), -134.4 (600 x 601); 21, 31, 81 or 161 torques change it
by < 0.01. So the true optimum is about -134.2 ± 0.3, and a DDPG agent's gap to the optimum is
``its mean return - truth.eval_mean_return`` to within half a unit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..core.checkpoint import save_npz_atomic
from ..lab.envs import EVAL_SEED_BASE
from .dynamics import EPISODE_STEPS, evaluation_starts
from .rollouts import expected_start_value, mean_and_se, optimal_return, random_starts
from .solver import (
    DEFAULT_N_THETA,
    DEFAULT_N_THETADOT,
    DEFAULT_N_TORQUES,
    PendulumSolution,
    read_solution_file,
    solve,
)

__all__ = [
    "DEFAULT_GAMMA_CRITIC",
    "DISCOUNTED_PREFIX",
    "GroundTruth",
    "build_ground_truth",
    "load_ground_truth",
    "save_ground_truth",
]

DEFAULT_GAMMA_CRITIC = 0.99  # the discount of the critics the discounted solution is compared to
DISCOUNTED_PREFIX = "discounted_"  # key prefix of the discounted solution in the cache file


@dataclass
class GroundTruth:
    """Everything in the cached file.

    ``episode`` is the 200-step undiscounted solution (the optimal episode return),
    ``discounted`` the infinite-horizon γ = 0.99 one (compare it with a critic's Q(s, μ(s))),
    or None. ``eval_starts`` (n_eval, 2) are the evaluation start states
    ``env.reset(seed=eval_seed_base + i)`` and ``eval_returns`` (n_eval,) the returns the
    greedy DP policy achieves from them. ``random_mean_return`` is the mean achieved return over
    ``n_random`` stratified random starts (``random_starts``), an estimate of the optimal
    expected return over Pendulum-v1's reset distribution, and ``random_return_se`` its
    Monte-Carlo standard error. ``command`` is the command that made the file.
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

    def summary(self) -> str:
        """A few lines on how long the solves took and what the optimal controller achieves."""
        episode, discounted, starts = self.episode, self.discounted, self.eval_starts
        n_theta, n_thetadot = episode.shape
        lines = [
            f"200-step DP on {n_theta}x{n_thetadot} grid, {episode.torques.size} torques: "
            f"{episode.solve_seconds:.1f} s"
        ]
        if discounted is not None:
            lines.append(
                f"gamma={discounted.gamma} value iteration: {discounted.iterations} backups, "
                f"{discounted.solve_seconds:.1f} s"
            )
        table = episode.value(starts[:, 0], starts[:, 1])
        lines.append(
            f"optimal return on the {len(starts)} evaluation starts (seed "
            f"{self.eval_seed_base}+i): mean {self.eval_returns.mean():.2f} (achieved by the DP "
            f"policy), table V_200 mean {table.mean():.2f}"
        )
        if discounted is not None:
            lines.append(
                f"discounted V*(s0) (gamma={discounted.gamma}, compare Q(s, mu(s))) on the "
                f"evaluation starts: mean "
                f"{discounted.value(starts[:, 0], starts[:, 1]).mean():.2f}"
            )
        lines.append(
            f"optimal return over {self.n_random} (stratified) random starts: mean "
            f"{self.random_mean_return:.2f} (± {self.random_return_se:.2f} s.e.); "
            f"table E[V_200(s0)] {expected_start_value(episode):.2f}"
        )
        return "\n".join(lines)


def build_ground_truth(
    n_theta: int = DEFAULT_N_THETA,
    n_thetadot: int = DEFAULT_N_THETADOT,
    n_torques: int = DEFAULT_N_TORQUES,
    gamma: float = DEFAULT_GAMMA_CRITIC,
    n_eval: int = 50,
    seed_base: int = EVAL_SEED_BASE,
    n_random: int = 10_000,
    command: str = "",
) -> GroundTruth:
    """Solve Pendulum-v1 and evaluate the optimal controller: everything the cache file holds.

    Solves the 200-step episode on an n_theta x n_thetadot grid with n_torques torques and,
    unless ``gamma`` is 0, the discounted infinite-horizon problem on the same grid; then rolls
    the episode solution out from the ``n_eval`` evaluation starts ``env.reset(seed=seed_base
    + i)`` (this calls gymnasium) and from ``n_random`` stratified random starts (the square of
    an even number). ``command`` is recorded as the command that made it.
    """
    grid = {"n_theta": n_theta, "n_thetadot": n_thetadot, "n_torques": n_torques}
    episode = solve(**grid, horizon=EPISODE_STEPS, gamma=1.0)
    discounted = solve(**grid, horizon=None, gamma=gamma) if gamma > 0 else None
    starts = evaluation_starts(n_eval, seed_base)
    random_mean_return, random_return_se = mean_and_se(
        optimal_return(random_starts(n_random), episode)
    )
    return GroundTruth(
        episode=episode,
        discounted=discounted,
        eval_starts=starts,
        eval_returns=optimal_return(starts, episode),
        eval_seed_base=seed_base,
        random_mean_return=random_mean_return,
        random_return_se=random_return_se,
        n_random=n_random,
        command=command,
    )


def save_ground_truth(path: str | os.PathLike, truth: GroundTruth) -> None:
    """Write a ``GroundTruth`` to one ``.npz`` (no pickle), atomically: a run killed while
    writing leaves the previous file intact."""
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
    save_npz_atomic(path, arrays, compressed=True)  # shipped in git: keep it small


def load_ground_truth(path: str | os.PathLike) -> GroundTruth:
    """Load the file written by ``save_ground_truth``."""
    data = read_solution_file(path)
    discounted = None
    if DISCOUNTED_PREFIX + "value_table" in data:
        discounted = PendulumSolution.from_arrays(data, DISCOUNTED_PREFIX)
    return GroundTruth(
        episode=PendulumSolution.from_arrays(data),
        discounted=discounted,
        eval_starts=data["eval_starts"],
        eval_returns=data["eval_returns"],
        eval_seed_base=int(data["eval_seed_base"]),
        random_mean_return=float(data["random_mean_return"]),
        random_return_se=float(data["random_return_se"]),
        n_random=int(data["n_random"]),
        command=str(data["command"]),
    )
