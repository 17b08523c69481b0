"""A sweep's figure (``python -m ddpg_numpy sweep-report``): per task, each group's learning
curve over its seeds (every seed thin, the mean over seeds thick) with the report's window
shaded, beside each group's mean and IQM of the seeds' window means with their 95 % intervals."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from .style import COLORS, styled

Curves = Mapping[str, tuple[np.ndarray, np.ndarray]]  # group -> (steps (T,), returns (S, T))


@styled
def plot_sweep(curves: Mapping[str, Curves], windows: Mapping[str, tuple[int, int]],
               intervals: Mapping[str, Mapping[str, dict]] | None = None) -> Figure:
    """One row per task: learning curves (left), mean and IQM with 95 % intervals (right).

    curves: task -> group -> (steps (T,), mean evaluation return per seed (S, T); NaN where a
    seed has no evaluation yet). windows: task -> (first, last) step of the report's window.
    intervals: task -> group -> a GroupSummary.as_row() dict (keys mean, mean_low, mean_high,
    iqm, iqm_low, iqm_high, n); a group without one (fewer than 2 seeds in the window) has no
    bar.
    """
    import matplotlib.pyplot as plt

    tasks = list(curves)
    groups = list(dict.fromkeys(g for task in tasks for g in curves[task]))
    colour = {g: COLORS[i % len(COLORS)] for i, g in enumerate(groups)}
    fig, axes = plt.subplots(len(tasks), 2, figsize=(12, 3.6 * len(tasks)), squeeze=False,
                             width_ratios=(2.2, 1), layout="constrained")
    for row, task in enumerate(tasks):
        ax, bars = axes[row]
        for group, (steps, returns) in curves[task].items():
            returns = np.atleast_2d(returns)
            for seed_curve in returns:
                ax.plot(steps, seed_curve, color=colour[group], lw=0.6, alpha=0.35)
            with np.errstate(all="ignore"):
                centre = np.nanmean(returns, axis=0) if returns.size else returns
            ax.plot(steps, centre, color=colour[group],
                    label=f"{group} (mean of {len(returns)} seeds)")
        ax.axvspan(*windows[task], color="#dddddd", alpha=0.6, lw=0, label="report window")
        ax.set(title=task, xlabel="environment steps", ylabel="evaluation return")
        ax.legend(fontsize=8, loc="best")
        _interval_bars(bars, task, curves[task], (intervals or {}).get(task, {}), colour)
    return fig


def _interval_bars(ax, task: str, groups: Curves, rows: Mapping[str, dict],
                   colour: dict[str, str]) -> None:
    """Mean (circle) and IQM (square) of the seeds' window means, each with its interval."""
    names = list(groups)
    for y, group in enumerate(names):
        row = rows.get(group)
        if row is None:
            continue
        for offset, (name, marker) in enumerate((("mean", "o"), ("iqm", "s"))):
            yy = y + (offset - 0.5) * 0.3
            ax.errorbar(row[name], yy, xerr=[[row[name] - row[f"{name}_low"]],
                                            [row[f"{name}_high"] - row[name]]],
                        fmt=marker, color=colour[group], capsize=3,
                        label=name if y == 0 else None)
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.75, len(names) - 0.25)
    ax.invert_yaxis()
    ax.set(title=f"{task}: window means, 95 % CI", xlabel="return (mean ●, IQM ■)")
