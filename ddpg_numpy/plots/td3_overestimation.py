"""DDPG against TD3 and each of its changes: the critic's Q₁(s₀, μ(s₀)) against the truth.

Two truths: the discounted return Σₜ γᵗ rₜ that μ really obtains from s₀ (exact: Pendulum-v1 is
deterministic), and the optimal V*(s₀) from dynamic programming, whose own error at s₀ is
measured by running the DP controller from s₀ (``optimal_value_and_error``). The data are the
``start_values.csv`` files written by ``benchmarks/td3_ablation.py`` (checkpoints/td3/).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..pendulum import PendulumSolution, simulate
from .curves import plot_learning_curve, steps_axis
from .style import OKABE_ITO, REFERENCE_COLOR, figure_and_axes, styled

START_VALUES_FILE = "start_values.csv"
CONDITION_COLORS = [OKABE_ITO[c] for c in ("black", "orange", "sky_blue", "green",
                                           "vermillion", "purple", "blue")]


@dataclass
class StartValues:
    """One condition's critics and true returns at the evaluation start states s₀.

    ``steps`` (T,) snapshot steps, ``seeds`` (S,), and (S, T, n) arrays over n start states:
    ``q1`` = Q₁(s₀, μ(s₀)), ``q2`` = Q₂(s₀, μ(s₀)) (NaN with one critic), ``returns`` = the
    discounted return μ obtains from s₀.
    """

    steps: np.ndarray
    seeds: list[int]
    q1: np.ndarray
    q2: np.ndarray
    returns: np.ndarray

    @property
    def twin(self) -> bool:
        """Whether the run had a second critic Q₂."""
        return not np.isnan(self.q2).all()

    def bias(self) -> np.ndarray:
        """Q₁(s₀, μ(s₀)) − Σₜ γᵗ rₜ averaged over the start states: (S, T), > 0 over-estimates.
        Q₁ is the critic the actor climbs (T12), so it is the estimate that steers μ."""
        return (self.q1 - self.returns).mean(axis=-1)


def load_start_values(folder: str | Path) -> StartValues:
    """``folder/start_values.csv`` (columns step, seed, start, q1, q2, discounted_return) as
    arrays; a missing file is a FileNotFoundError naming the command that makes it."""
    path = Path(folder) / START_VALUES_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: make it with `python -m "
                                "benchmarks.td3_ablation` (see checkpoints/README.md).")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    steps = np.array(sorted({int(r["step"]) for r in rows}))
    seeds = sorted({int(r["seed"]) for r in rows})
    n = 1 + max(int(r["start"]) for r in rows)
    arrays = {c: np.full((len(seeds), len(steps), n), np.nan)
              for c in ("q1", "q2", "discounted_return")}
    step_index = {s: k for k, s in enumerate(steps)}
    for r in rows:
        where = (seeds.index(int(r["seed"])), step_index[int(r["step"])], int(r["start"]))
        for column, values in arrays.items():
            values[where] = float(r[column]) if r[column] else np.nan
    if np.isnan(arrays["q1"]).any() or np.isnan(arrays["discounted_return"]).any():
        raise ValueError(f"{path} misses some (step, seed, start) rows: rerun the command "
                         "that made it (checkpoints/README.md).")
    return StartValues(steps, seeds, arrays["q1"], arrays["q2"], arrays["discounted_return"])


def optimal_value_and_error(solution: PendulumSolution, starts: np.ndarray,
                            gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """V*(s₀) from the DP table and its error at each start state s₀ of ``starts`` (n, 2).

    The error is V*(s₀) minus the discounted return of the DP controller itself from s₀, run
    with the exact dynamics for H steps (γᴴ < 1e-3, so the rewards left out change the sum by
    less than 1): the method of notebook 07. A controller's return can only be below the true
    optimum, so a positive error may be the table's optimism; a negative one is its pessimism.
    Returns (value (n,), error (n,)).
    """
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)
    horizon = math.ceil(math.log(1e-3) / math.log(gamma))
    run = simulate(solution, starts, steps=horizon)
    controller_return = (run.rewards * gamma ** np.arange(horizon)).sum(axis=1)
    value = solution.value(starts[:, 0], starts[:, 1])
    return value, value - controller_return


@styled
def plot_td3_overestimation(steps: np.ndarray, bias: Mapping[str, np.ndarray],
                            above_optimum: Mapping[str, np.ndarray] | None = None, *,
                            optimum_margin: float | None = None, title: str | None = None,
                            axes: Sequence[Axes] | None = None) -> Figure:
    """Left: each condition's Q₁(s₀, μ(s₀)) − Σₜ γᵗ rₜ over training (median and interquartile
    range over seeds). Right (if ``above_optimum``): Q₁(s₀, μ(s₀)) − V*(s₀), with a grey band
    of ± ``optimum_margin``, the DP table's own error: inside it, no claim about V* is safe.

    steps (T,); bias and above_optimum map a condition's label to an (S, T) array.
    """
    steps = np.asarray(steps, dtype=float)
    panels = [("bias", bias)] + ([("optimum", above_optimum)] if above_optimum else [])
    for _, data in panels:
        for label, values in data.items():
            if np.ndim(values) != 2 or np.shape(values)[1] != len(steps):
                raise ValueError(f"{label!r}: values must have shape (seeds, {len(steps)}) to "
                                 f"match steps, got {np.shape(values)}.")
    fig, axs = figure_and_axes(axes, len(panels), (6.2 * len(panels), 5.2))
    for ax, (kind, data) in zip(axs, panels):
        for color, (label, values) in zip(CONDITION_COLORS, data.items()):
            plot_learning_curve(steps, np.asarray(values, float), ax=ax, label=label,
                                color=color, describe_spread=False)
        ax.axhline(0, color=REFERENCE_COLOR, lw=1.2, ls="--")
        steps_axis(ax)
        if kind == "bias":
            ax.set_ylabel("Q₁(s₀, μ(s₀)) − Σ γᵗ rₜ")
            ax.set_title("Against the return μ really obtains (exact)")
        else:
            if optimum_margin:
                ax.axhspan(-optimum_margin, optimum_margin, color=REFERENCE_COLOR, alpha=0.15,
                           lw=0, label=f"± {optimum_margin:.1f}: the DP table's own error")
            ax.set_ylabel("Q₁(s₀, μ(s₀)) − V*(s₀)")
            ax.set_title("Against the optimum V*(s₀) (dynamic programming)")
    # One legend for both panels, below them: inside, it hid the curves it names.
    handles, labels = [], []
    for ax in axs:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


__all__ = ["StartValues", "load_start_values", "optimal_value_and_error",
           "plot_td3_overestimation"]
