"""The critic's view of one state (L14): Q(s, a) over the actions, the actor's μ(s) on it, and
the gradient ∇ₐQ that moves μ(s)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..core.agent import DDPG
from .agent_outputs import critic_values, policy_and_value
from .style import (
    OKABE_ITO,
    REFERENCE_COLOR,
    figure_and_axes,
    legend_if_several,
    signed,
    styled,
)


@styled
def plot_critic_view(agent: DDPG, obs: np.ndarray, *, agent_seed: int | None = None,
                     action_index: int = 0, n_actions: int = 201,
                     reference: tuple[np.ndarray, np.ndarray] | None = None,
                     reference_label: str = "optimal Q*(s, a) (DP)", title: str | None = None,
                     ax: Axes | None = None) -> Figure:
    """Q(s, a) along one action dimension at a fixed state, with μ(s) and ∇_a Q marked.

    obs: (obs_dim,). Other action dimensions are held at μ(s). The tangent at μ(s) has slope
    ∇_a Q(s, μ(s)); the arrow shows where L14 moves μ(s): uphill, along +∇_a Q. ``reference``:
    optional (actions (M,), q (M,)) drawn for comparison, e.g. the DP's one-step lookahead.
    """
    obs = np.asarray(obs, dtype=float)
    if obs.shape != (agent.obs_dim,):
        raise ValueError(f"obs must be one state of shape ({agent.obs_dim},), got {obs.shape}.")
    if not 0 <= action_index < agent.act_dim:
        raise ValueError(f"action_index={action_index} out of range for act_dim={agent.act_dim}.")
    reference_arrays = None
    if reference is not None:
        reference_arrays = tuple(np.asarray(x, float) for x in reference)
        if reference_arrays[0].ndim != 1 or reference_arrays[0].shape != reference_arrays[1].shape:
            raise ValueError(f"reference must be (actions (M,), q (M,)), got shapes "
                             f"{reference_arrays[0].shape} and {reference_arrays[1].shape}.")
    fig, (ax,) = figure_and_axes(ax, 1, (6.4, 4.4))
    low = float(agent.action_low[action_index])
    high = float(agent.action_high[action_index])
    mu, q_mu = policy_and_value(agent, obs[None], agent_seed)
    actions = np.repeat(mu, n_actions, axis=0).astype(float)
    actions[:, action_index] = np.linspace(low, high, n_actions)
    q, _ = critic_values(agent, np.repeat(obs[None], n_actions, axis=0), actions, agent_seed)
    _, grad = critic_values(agent, obs[None], mu, agent_seed)
    a0, q0, slope = float(mu[0, action_index]), float(q_mu[0]), float(grad[0, action_index])
    red, a = OKABE_ITO["vermillion"], actions[:, action_index]

    ax.plot(a, q, color=OKABE_ITO["blue"], label="critic Q(s, a)")
    if reference_arrays is not None:
        ax.plot(*reference_arrays, color=REFERENCE_COLOR, ls="--", lw=1.6, label=reference_label)
    half = 0.15 * (high - low)
    span = np.clip([a0 - half, a0 + half], low, high)
    ax.plot(span, q0 + slope * (span - a0), color=red, lw=2.6,
            label=f"tangent, slope ∇ₐQ = {signed(slope, '+.3g')}")
    best = int(np.argmax(q))
    ax.plot(a[best], q[best], "^", color=OKABE_ITO["green"], ms=10, mec="black",
            label=f"critic's best action {signed(a[best], '+.2f')}", zorder=5)
    ax.plot([a0], [q0], "o", color=red, ms=8, mec="black",
            label=f"actor's action μ(s) = {signed(a0, '+.2f')}", zorder=6)
    ax.set_xlim(low - 0.03 * (high - low), high + 0.03 * (high - low))  # room for the markers
    # Where L14 moves μ(s): an arrow along +∇ₐQ under the curve, or a note when μ(s) already
    # sits at the bound the gradient pushes towards (tanh saturated).
    ymin, ymax = ax.get_ylim()
    ax.set_ylim(ymin - 0.12 * (ymax - ymin), ymax)
    arrow_y = ymin - 0.06 * (ymax - ymin)
    target = float(np.clip(a0 + np.sign(slope) * 0.25 * (high - low), low, high))
    if abs(target - a0) > 0.05 * (high - low):
        ax.annotate("", xy=(target, arrow_y), xytext=(a0, arrow_y),
                    arrowprops={"arrowstyle": "-|>", "color": red, "lw": 2})
        # The label goes on whichever side (behind the tail or past the head) has more room.
        tail_room = high - a0 if target < a0 else a0 - low
        head_room = target - low if target < a0 else high - target
        at_tail = tail_room >= head_room
        x, leftwards = (a0, target > a0) if at_tail else (target, target < a0)
        ax.text(x, arrow_y, " L14 moves μ(s) ", ha="right" if leftwards else "left",
                va="center", fontsize=9, color=red)
    elif slope != 0:
        ax.text(a0, arrow_y, "∇ₐQ pushes μ(s) against the bound", ha="right" if a0 > 0
                else "left", va="center", fontsize=9, color=red)
    ax.set_xlabel(f"action a{'' if agent.act_dim == 1 else f'[{action_index}]'}")
    ax.set_ylabel("Q(s, a) (discounted return)")
    ax.set_title(title or "The critic's view of one state")
    legend_if_several(ax, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=9)
    return fig


__all__ = ["plot_critic_view"]
