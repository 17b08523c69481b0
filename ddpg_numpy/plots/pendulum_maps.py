"""Pendulum-v1's value and policy as maps over the (θ, θ̇) plane: an agent's Q(s, μ(s)) and
μ(s), or the dynamic-programming optimum, with trajectories drawn on top."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from ..core.agent import DDPG
from ..pendulum.dynamics import MAX_SPEED, angle_normalize, to_observation
from .agent_outputs import policy_and_value
from .style import ACTION_CMAP, OKABE_ITO, VALUE_CMAP, checked_array, figure_and_axes, styled

if TYPE_CHECKING:
    from ..pendulum import PendulumSolution


@dataclass
class PendulumMaps:
    """Value and action over a (θ, θ̇) grid of Pendulum-v1 states.

    theta (n_theta,) in [-π, π] (0 = upright), thetadot (n_thetadot,) in [-8, 8] rad/s;
    value and action (n_thetadot, n_theta): rows are θ̇, columns θ, as ``imshow`` draws them.
    ``value`` is Q(s, μ(s)) for an agent, V*(s) for the optimum; ``action`` is the torque.
    """

    theta: np.ndarray
    thetadot: np.ndarray
    value: np.ndarray
    action: np.ndarray
    label: str = ""

    def __post_init__(self) -> None:
        shape = (len(self.thetadot), len(self.theta))
        for name in ("value", "action"):
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(f"PendulumMaps.{name} must have shape (n_thetadot, n_theta) = "
                                 f"{shape}, got {np.shape(getattr(self, name))}.")


def _pendulum_grid(n_theta: int, n_thetadot: int) -> tuple[np.ndarray, np.ndarray]:
    if n_theta < 2 or n_thetadot < 2:
        raise ValueError(f"need at least 2 grid points per axis, got {n_theta} x {n_thetadot}.")
    return np.linspace(-np.pi, np.pi, n_theta), np.linspace(-MAX_SPEED, MAX_SPEED, n_thetadot)


def _check_pendulum_agent(agent: DDPG) -> None:
    if agent.obs_dim != 3 or agent.act_dim != 1:
        raise ValueError(f"Pendulum maps need an agent with Pendulum-v1's observation (cos θ, "
                         f"sin θ, θ̇) and one torque; this one has obs_dim={agent.obs_dim}, "
                         f"act_dim={agent.act_dim} (env {agent.env_id}).")


def pendulum_maps(agent: DDPG, agent_seed: int | None = None, n_theta: int = 121,
                  n_thetadot: int = 121, label: str = "") -> PendulumMaps:
    """Q(s, μ(s)) and μ(s) of a Pendulum-v1 agent on a (θ, θ̇) grid."""
    _check_pendulum_agent(agent)
    theta, thetadot = _pendulum_grid(n_theta, n_thetadot)
    obs = to_observation(theta[None, :], thetadot[:, None], dtype=np.float64).reshape(-1, 3)
    mu, q = policy_and_value(agent, obs, agent_seed)
    shape = (n_thetadot, n_theta)
    return PendulumMaps(theta, thetadot, q.reshape(shape).astype(float),
                        mu[:, 0].reshape(shape).astype(float), label)


def optimal_pendulum_maps(solution: PendulumSolution, n_theta: int = 121,
                          n_thetadot: int = 121, label: str = "") -> PendulumMaps:
    """V*(θ, θ̇) and the optimal torque μ*(θ, θ̇) of a dynamic-programming solution
    (``ddpg_numpy.pendulum.solve``) on the same grid as ``pendulum_maps``."""
    theta, thetadot = _pendulum_grid(n_theta, n_thetadot)
    th, thd = np.meshgrid(theta, thetadot)
    label = label or (f"optimal (DP), γ = {solution.gamma:g}" if solution.horizon is None
                      else f"optimal (DP), {solution.horizon} steps")
    # The policy table (greedy torque at the DP's grid nodes), interpolated: the same controller
    # as the lookahead ``simulate`` runs, without its chatter where two torques tie.
    return PendulumMaps(theta, thetadot, solution.value(th, thd).astype(float),
                        solution.policy(th, thd, method="table").astype(float), label)


def _draw_trajectory(ax: Axes, states: np.ndarray, label: str | None = None) -> None:
    """A (θ, θ̇) path, broken where θ wraps around ±π; start ○, end ★."""
    from matplotlib.patheffects import withStroke

    states = checked_array(states, "trajectory", 2, "(T, 2) of (θ, θ̇)")
    if states.shape[1] != 2:
        raise ValueError(f"a trajectory has shape (T, 2) of (θ, θ̇), got {states.shape}.")
    theta, thetadot = angle_normalize(states[:, 0]), states[:, 1]
    jumps = np.flatnonzero(np.abs(np.diff(theta)) > np.pi) + 1
    theta, thetadot = np.insert(theta, jumps, np.nan), np.insert(thetadot, jumps, np.nan)
    halo = [withStroke(linewidth=3.5, foreground="white")]
    ax.plot(theta, thetadot, color="black", lw=1.6, path_effects=halo, label=label)
    ax.plot(theta[0], thetadot[0], "o", color="black", ms=7, mfc="white", mew=1.6)
    ax.plot(theta[~np.isnan(theta)][-1], thetadot[~np.isnan(theta)][-1], "*", color="black",
            ms=13, mfc=OKABE_ITO["yellow"], mew=1.0)


def angle_axes(ax: Axes, xlabel: bool = True, ylabel: bool = True) -> None:
    """θ across in [-π, π] with ticks in multiples of π/2, θ̇ up in [-8, 8] rad/s."""
    ax.set_xticks(np.pi * np.array([-1, -0.5, 0, 0.5, 1]), ["−π", "−π/2", "0", "π/2", "π"])
    ax.set_xlim(-np.pi, np.pi)
    ax.set_ylim(-MAX_SPEED, MAX_SPEED)
    ax.set_yticks([-8, -4, 0, 4, 8])
    ax.grid(False)
    if xlabel:
        ax.set_xlabel("angle θ (rad, 0 = upright)")
    if ylabel:
        ax.set_ylabel("angular velocity θ̇ (rad/s)")


def value_limits(maps: Sequence[PendulumMaps]) -> tuple[float, float]:
    """Colour range shared by all value panels: 1st–99th percentile of all of them, so one
    diverged corner does not wash out the rest."""
    pooled = np.concatenate([np.ravel(m.value) for m in maps])
    lo, hi = np.nanpercentile(pooled, [1, 99])
    return float(lo), float(hi if hi > lo else lo + 1)


def draw_map(ax: Axes, maps: PendulumMaps, field: str, vmin: float, vmax: float
             ) -> AxesImage:
    """``maps.value`` or ``maps.action`` (``field``) as an image over (θ, θ̇)."""
    cmap = VALUE_CMAP if field == "value" else ACTION_CMAP
    return ax.imshow(getattr(maps, field), origin="lower", aspect="auto", cmap=cmap,
                     vmin=vmin, vmax=vmax, interpolation="nearest",
                     extent=(maps.theta[0], maps.theta[-1], maps.thetadot[0],
                             maps.thetadot[-1]))


VALUE_LABEL = "Q(s, μ(s)) or V*(s) (discounted return)"
ACTION_LABEL = "torque μ(s) (N·m)"


@styled
def plot_pendulum_maps(maps: PendulumMaps | Sequence[PendulumMaps],
                       trajectories: Sequence[np.ndarray | None] | None = None, *,
                       torque_limit: float = 2.0, title: str | None = None,
                       axes: np.ndarray | Sequence[Axes] | None = None) -> Figure:
    """Value (left) and policy (right) maps over (θ, θ̇), one row per ``maps`` entry (e.g. the
    agent, then the DP optimum), on shared colour scales, each row with an optional (θ, θ̇)
    trajectory (T, 2) drawn on top. ``axes``: 2 per row."""
    maps = [maps] if isinstance(maps, PendulumMaps) else list(maps)
    if not maps:
        raise ValueError("plot_pendulum_maps needs at least one PendulumMaps.")
    trajectories = list(trajectories) if trajectories is not None else [None] * len(maps)
    if len(trajectories) != len(maps):
        raise ValueError(f"{len(trajectories)} trajectories for {len(maps)} rows of maps; pass "
                         "one per row (None for none).")
    rows = len(maps)
    if axes is None:
        fig, grid = plt.subplots(rows, 2, figsize=(10, 3.6 * rows + 0.6), layout="constrained",
                                 squeeze=False, sharex=True, sharey=True)
    else:
        fig, flat = figure_and_axes(axes, 2 * rows, (0, 0))
        grid = np.array(flat, dtype=object).reshape(rows, 2)
    vmin, vmax = value_limits(maps)
    for r, (m, trajectory) in enumerate(zip(maps, trajectories)):
        ax_v, ax_a = grid[r]
        im_v = draw_map(ax_v, m, "value", vmin, vmax)
        im_a = draw_map(ax_a, m, "action", -torque_limit, torque_limit)
        name = f"{m.label}: " if m.label else ""
        ax_v.set_title(f"{name}value")
        ax_a.set_title(f"{name}policy")
        for ax in (ax_v, ax_a):
            angle_axes(ax, xlabel=r == rows - 1, ylabel=ax is ax_v)
            if trajectory is not None:
                _draw_trajectory(ax, trajectory)
    fig.colorbar(im_v, ax=list(grid[:, 0]), label=VALUE_LABEL, extend="both", extendfrac=0.02,
                 shrink=0.85, aspect=35, pad=0.02)
    fig.colorbar(im_a, ax=list(grid[:, 1]), label=ACTION_LABEL, shrink=0.85, aspect=35,
                 pad=0.02)
    if title:
        fig.suptitle(title)
    return fig


__all__ = ["VALUE_LABEL", "ACTION_LABEL", "PendulumMaps", "pendulum_maps",
           "optimal_pendulum_maps", "plot_pendulum_maps"]
