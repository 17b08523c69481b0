"""The (θ, θ̇) grid the dynamic programming works on, and bilinear interpolation on it.

θ is periodic on [-π, π); θ̇ is clipped to Pendulum-v1's speed limit [-8, 8], so a table of
shape (n_theta, n_thetadot) covers every state the environment can reach.
"""

from __future__ import annotations

import numpy as np

from .dynamics import MAX_SPEED, angle_normalize

__all__ = ["interpolate", "theta_axis", "thetadot_axis"]


def theta_axis(n_theta: int) -> np.ndarray:
    """Periodic θ grid ``-π + 2π k / n_theta``, shape (n_theta,); contains 0 if n_theta is even."""
    return -np.pi + 2 * np.pi * np.arange(n_theta) / n_theta


def thetadot_axis(n_thetadot: int) -> np.ndarray:
    """θ̇ grid ``linspace(-8, 8, n_thetadot)``, shape (n_thetadot,); contains 0 if it is odd."""
    return np.linspace(-MAX_SPEED, MAX_SPEED, n_thetadot)


def cell_and_weights(
    theta: np.ndarray, thetadot: np.ndarray, n_theta: int, n_thetadot: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lower-left grid cell (i, j) of states and their fractional position (wθ, wθ̇) in it.

    All four results have the broadcast shape of ``theta`` and ``thetadot``; i and j are int64.
    """
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
    i, j, w_theta, w_thetadot = cell_and_weights(
        np.asarray(theta), np.asarray(thetadot), n_theta, n_thetadot
    )
    i_next = (i + 1) % n_theta
    t = np.asarray(table, dtype=np.float64)
    low_theta = t[i, j] + w_thetadot * (t[i, j + 1] - t[i, j])
    high_theta = t[i_next, j] + w_thetadot * (t[i_next, j + 1] - t[i_next, j])
    return low_theta + w_theta * (high_theta - low_theta)
