"""How the critic and the policy form during training: Pendulum-v1 maps of several snapshots,
side by side or as an animation."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .pendulum_maps import PendulumMaps, angle_axes, draw_map, value_limits
from .style import FrameAnimation, styled


@styled
def plot_maps_over_training(maps: Sequence[PendulumMaps], steps: Sequence[int], *,
                            optimal: PendulumMaps | None = None, torque_limit: float = 2.0,
                            title: str | None = None,
                            axes: np.ndarray | None = None) -> Figure:
    """How the critic and the policy form: Q(s, μ(s)) (top row) and μ(s) (bottom row) at
    several training steps, one column each, plus the optimum as the last column.
    ``axes``: (2, columns) array."""
    maps = list(maps)
    if len(maps) != len(steps) or not maps:
        raise ValueError(f"need one step per map and at least one map; got {len(maps)} maps "
                         f"and {len(steps)} steps.")
    columns = maps + ([optimal] if optimal is not None else [])
    n = len(columns)
    if axes is None:
        fig, grid = plt.subplots(2, n, figsize=(2.45 * n + 1.6, 5.6), layout="constrained",
                                 squeeze=False, sharex=True, sharey=True)
    else:
        grid = np.asarray(axes, dtype=object)
        if grid.shape != (2, n):
            raise ValueError(f"axes must be a (2, {n}) array, got shape {grid.shape}.")
        fig = grid[0, 0].figure
    vmin, vmax = value_limits(columns)
    for c, m in enumerate(columns):
        im_v = draw_map(grid[0, c], m, "value", vmin, vmax)
        im_a = draw_map(grid[1, c], m, "action", -torque_limit, torque_limit)
        head = f"step {steps[c]:,}" if c < len(maps) else (m.label or "optimal")
        grid[0, c].set_title(head, fontsize=11)
        for r in range(2):
            angle_axes(grid[r, c], xlabel=False, ylabel=False)
    grid[0, 0].set_ylabel("Q(s, μ(s))\nθ̇ (rad/s)")
    grid[1, 0].set_ylabel("μ(s)\nθ̇ (rad/s)")
    fig.supxlabel("angle θ (rad, 0 = upright)", fontsize=11)
    fig.colorbar(im_v, ax=list(grid[0]), label="discounted return", extend="both",
                 extendfrac=0.03, fraction=0.04, pad=0.01)
    fig.colorbar(im_a, ax=list(grid[1]), label="torque (N·m)", fraction=0.04, pad=0.01)
    fig.suptitle(title or "How the critic's value Q(s, μ(s)) and the policy μ(s) form")
    return fig


@styled
def animate_maps_over_training(maps: Sequence[PendulumMaps], steps: Sequence[int], *,
                               optimal: PendulumMaps | None = None, torque_limit: float = 2.0,
                               fps: float = 2.0, title: str | None = None,
                               figsize: tuple[float, float] | None = None) -> FrameAnimation:
    """One frame per training step: Q(s, μ(s)) and μ(s), above the optimum if given.

    Save with ``anim.save_gif("maps.gif")``; in a notebook, end a cell with ``anim``."""
    maps = list(maps)
    if len(maps) != len(steps) or not maps:
        raise ValueError(f"need one step per map and at least one map; got {len(maps)} maps "
                         f"and {len(steps)} steps.")
    rows = 1 if optimal is None else 2
    fig = Figure(figsize=figsize or (8, 3.2 * rows + 0.7), layout="constrained")
    grid = fig.subplots(rows, 2, sharex=True, sharey=True, squeeze=False)
    vmin, vmax = value_limits(maps + ([optimal] if optimal is not None else []))
    im_v = draw_map(grid[0, 0], maps[0], "value", vmin, vmax)
    im_a = draw_map(grid[0, 1], maps[0], "action", -torque_limit, torque_limit)
    grid[0, 0].set_title("critic Q(s, μ(s))")
    grid[0, 1].set_title("actor μ(s)")
    if optimal is not None:
        draw_map(grid[1, 0], optimal, "value", vmin, vmax)
        draw_map(grid[1, 1], optimal, "action", -torque_limit, torque_limit)
        grid[1, 0].set_title("optimal V*(s) (DP)")
        grid[1, 1].set_title("optimal μ*(s) (DP)")
    for r in range(rows):
        for c in range(2):
            angle_axes(grid[r, c], xlabel=r == rows - 1, ylabel=c == 0)
    fig.colorbar(im_v, ax=list(grid[:, 0]), label="discounted return", extend="both",
                 extendfrac=0.03, aspect=30, pad=0.02)
    fig.colorbar(im_a, ax=list(grid[:, 1]), label="torque (N·m)", aspect=30, pad=0.02)
    heading = fig.suptitle("")

    def draw(k: int) -> list:
        im_v.set_data(maps[k].value)
        im_a.set_data(maps[k].action)
        heading.set_text(f"{title + ', ' if title else ''}step {steps[k]:,}")
        return [im_v, im_a, heading]

    draw(0)
    fig.draw_without_rendering()  # lay out once: only the images and the heading change
    fig.set_layout_engine("none")
    return FrameAnimation(fig, draw, len(maps), fps)


__all__ = ["plot_maps_over_training", "animate_maps_over_training"]
