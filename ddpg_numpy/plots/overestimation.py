"""Over-estimation: the critic's predicted Q(s₀, μ(s₀)) against the discounted return that μ
then actually obtains from the same start states."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..core.agent import DDPG
from ..lab.envs import EVAL_SEED_BASE, make_env, rollout_rewards
from .curves import plot_learning_curve
from .style import (
    OKABE_ITO,
    REFERENCE_COLOR,
    checked_array,
    figure_and_axes,
    legend_if_several,
    signed,
    styled,
)


def discounted_horizon(gamma: float, tail: float = 1e-3) -> int:
    """Steps H after which γ^H < ``tail``: rewards later than that barely count."""
    if not 0 < gamma < 1:
        raise ValueError(f"gamma must be in (0, 1) for a discounted return, got {gamma}.")
    return int(math.ceil(math.log(tail) / math.log(gamma)))


def discounted_return(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """Σₜ γᵗ rₜ of rewards (..., T), summed step by step in float64: shape (...,)."""
    rewards = np.asarray(rewards, dtype=float)
    returns = np.zeros(rewards.shape[:-1])
    discount = 1.0
    for t in range(rewards.shape[-1]):
        returns += discount * rewards[..., t]
        discount *= gamma
    return returns


def overestimation(snapshots: Sequence[DDPG], env_id: str, episodes: int = 10,
                   gamma: float | None = None, horizon: int | None = None,
                   seed_base: int = EVAL_SEED_BASE) -> tuple[np.ndarray, np.ndarray]:
    """The critic's prediction Q(s₀, μ(s₀)) and the discounted return Σₜ γᵗ rₜ that μ then
    actually obtains from the same start states s₀ (``env.reset(seed=seed_base + i)``).

    Rollouts run ``horizon`` steps (default: until γᵗ < 1e-3), past the environment's time
    limit, because the critic estimates the infinite-horizon return (truncation is not an end,
    see L12). snapshots: agents over training (all with the same seeds). Returns predicted and
    actual, each (S, T): mean over the start states, per seed S and snapshot T.
    """
    if not snapshots:
        raise ValueError("overestimation needs at least one agent snapshot.")
    gamma = snapshots[0].config.gamma if gamma is None else gamma
    horizon = horizon or discounted_horizon(gamma)
    n_seeds = snapshots[0].stack or 1
    predicted = np.zeros((n_seeds, len(snapshots)))
    actual = np.zeros((n_seeds, len(snapshots)))
    envs = [make_env(env_id, max_episode_steps=horizon) for _ in range(n_seeds * episodes)]
    for t, agent in enumerate(snapshots):
        if (agent.stack or 1) != n_seeds:
            raise ValueError("all snapshots must have the same number of seeds.")
        starts, rewards = rollout_rewards(agent, env_id, episodes, seed_base, envs)
        x = starts.astype(agent.dtype)
        q0 = agent.critic(x, agent.actor(x))
        predicted[:, t] = np.reshape(q0, (n_seeds, episodes)).mean(axis=1)
        actual[:, t] = discounted_return(rewards, gamma).reshape(n_seeds, episodes).mean(axis=1)
    for env in envs:
        env.close()
    return predicted, actual


@styled
def plot_overestimation(steps: np.ndarray, predicted: np.ndarray, actual: np.ndarray, *,
                        optimal_value: float | None = None, title: str | None = None,
                        axes: Sequence[Axes] | None = None) -> Figure:
    """Left: the critic's Q(s₀, μ(s₀)) and the discounted return obtained, over training (median
    and interquartile range over seeds). Right: their difference, above 0 = over-estimation.

    steps (T,); predicted, actual (S, T) (from ``overestimation``). ``optimal_value``: mean
    V*(s₀) of the same start states, drawn as a reference line.
    """
    steps = checked_array(steps, "steps", 1, "(T,)")
    predicted = np.atleast_2d(np.asarray(predicted, float))
    actual = np.atleast_2d(np.asarray(actual, float))
    for name, a in (("predicted", predicted), ("actual", actual)):
        if a.ndim != 2 or a.shape[1] != len(steps):
            raise ValueError(f"{name} must have shape (seeds, {len(steps)}) to match steps, "
                             f"got {a.shape}.")
    if predicted.shape != actual.shape:
        raise ValueError(f"predicted {predicted.shape} and actual {actual.shape} differ.")
    fig, (ax_v, ax_d) = figure_and_axes(axes, 2, (11, 4.3))
    plot_learning_curve(steps, predicted, ax=ax_v, label="critic's prediction Q(s₀, μ(s₀))",
                        color=OKABE_ITO["vermillion"], describe_spread=False)
    plot_learning_curve(steps, actual, ax=ax_v, label="return obtained, Σ γᵗ rₜ",
                        color=OKABE_ITO["blue"], describe_spread=False)
    if optimal_value is not None:
        ax_v.axhline(optimal_value, color=REFERENCE_COLOR, ls=":", lw=1.4,
                     label=f"optimal V*(s₀) (DP) = {signed(optimal_value, '.0f')}")
    ax_v.set_ylabel("discounted return from s₀")
    ax_v.set_title("Predicted and obtained value of the start states")
    legend_if_several(ax_v, loc="best", fontsize=9)
    plot_learning_curve(steps, predicted - actual, ax=ax_d, color=OKABE_ITO["purple"],
                        label="Q(s₀, μ(s₀)) − Σ γᵗ rₜ", show_seeds=True, describe_spread=False)
    ax_d.axhline(0, color=REFERENCE_COLOR, lw=1.2, ls="--", label="no bias")
    ax_d.set_ylabel("prediction error (return units)")
    ax_d.set_title("Critic error: > 0 over-estimates, < 0 under-estimates")
    legend_if_several(ax_d, loc="best", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


__all__ = ["discounted_horizon", "overestimation", "plot_overestimation"]
