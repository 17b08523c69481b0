"""Exploration noise 𝒩 (L5, L8): sample paths of the package's noise processes, side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..core.noise import make_noise
from .style import (
    COLORS,
    REFERENCE_COLOR,
    checked_array,
    figure_and_axes,
    legend_if_several,
    styled,
)


def noise_paths(kind: str, n_paths: int = 3, steps: int = 200, sigma: float = 0.2,
                theta: float = 0.15, dt: float = 1.0, seed: int = 0) -> np.ndarray:
    """Sample paths (n_paths, steps) of the package's noise process ('ou' or 'gaussian'), each
    started fresh (L5) with its own generator."""
    paths = np.empty((n_paths, steps))
    for p in range(n_paths):
        noise = make_noise(kind, 1, np.random.default_rng([seed, p]), sigma, theta, dt)
        paths[p] = [noise.sample()[0] for _ in range(steps)]
    return paths


@styled
def plot_noise_paths(paths: Mapping[str, np.ndarray], *,
                     stationary_std: Mapping[str, float] | None = None,
                     title: str | None = None, axes: Sequence[Axes] | None = None) -> Figure:
    """Side-by-side sample paths of exploration processes, e.g. {"Ornstein–Uhlenbeck": ...,
    "Gaussian": ...}, each (n_paths, steps); dashed lines at ± the stationary std if given."""
    if not paths:
        raise ValueError("plot_noise_paths needs at least one named set of paths.")
    arrays = {name: checked_array(p, f"paths[{name!r}]", 2, "(n_paths, steps)")
              for name, p in paths.items()}
    fig, axs = figure_and_axes(axes, len(arrays), (5.2 * len(arrays), 3.8), sharey=True)
    for ax, (name, p) in zip(axs, arrays.items()):
        for k, row in enumerate(p):
            ax.plot(np.arange(1, p.shape[1] + 1), row, lw=1.3, color=COLORS[k % len(COLORS)],
                    label=f"path {k + 1}")
        std = (stationary_std or {}).get(name)
        if std is not None:
            for sign in (1, -1):
                ax.axhline(sign * std, color=REFERENCE_COLOR, ls="--", lw=1.2,
                           label="± stationary std" if sign > 0 else None)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(name)
        ax.set_xlabel("time step t")
        legend_if_several(ax, loc="upper right", fontsize=9, ncols=2)
    axs[0].set_ylabel("noise $\\mathcal{N}_t$ (fraction of the action half-range)")
    extent = 1.05 * max(float(np.max(np.abs(p))) for p in arrays.values())
    for ax in axs:
        ax.set_ylim(-extent, 1.5 * extent)  # the legends go above the paths
    if title:
        fig.suptitle(title)
    return fig


__all__ = ["noise_paths", "plot_noise_paths"]
