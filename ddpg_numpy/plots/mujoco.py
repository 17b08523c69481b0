"""The MuJoCo results: learning curves of our DDPG and TD3 and of a PyTorch peer's TD3 on
HalfCheetah, Hopper and Walker2d (each group's mean over seeds with a bootstrap 95 % band, each
seed thin), with the TD3 paper's two published 10-seed sets drawn as the paper drew them (mean
± half a standard deviation). Reads checkpoints/mujoco/ (made by benchmarks/mujoco_table.py):
one run folder per task, algorithm and seed (<env>/<algo>/seed<k>/progress.csv), the peer's under
pytorch_peer/, and the paper's curves (td3_paper_curves*.csv)."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..lab.blas_record import architecture, current_record, read_record
from ..lab.run_folder import progress_columns
from .curves import bootstrap_band, steps_axis
from .style import OKABE_ITO, REFERENCE_COLOR, figure_and_axes, styled

PAPER_CURVES_FILE = "td3_paper_curves.csv"  # the camera-ready set (June 2018)
PAPER_FIRST_UPLOAD_FILE = "td3_paper_curves_2018-02.csv"  # the first published set (Feb. 2018)
PAPER_SETS = {"paper, camera-ready": PAPER_CURVES_FILE,
              "paper, first upload": PAPER_FIRST_UPLOAD_FILE}
PEER_FOLDER = "pytorch_peer"  # the PyTorch peer's runs: <out>/pytorch_peer/<env>/td3/seed<k>
UNFINISHED_FILE = "UNFINISHED"  # marks a run copied before it finished
LEGACY_KERNEL = "SkylakeX"  # runs shipped without blas.json: checkpoints/mujoco/README.md
TASKS = ("HalfCheetah", "Hopper", "Walker2d")  # the paper's locomotion tasks we ran
ALGORITHMS = {"ddpg": "DDPG", "td3": "TD3"}  # folder name -> label, in drawing order
COLORS = {"ours DDPG": OKABE_ITO["blue"], "ours TD3": OKABE_ITO["vermillion"],
          "peer TD3": OKABE_ITO["green"]}
PAPER_STYLES = {"paper, camera-ready": ("--", REFERENCE_COLOR, 0.22),
                "paper, first upload": (":", "#000000", 0.10)}
SHORT = {"ours DDPG": "DDPG", "ours TD3": "TD3", "peer TD3": "peer TD3",
         "paper, camera-ready": "paper", "paper, first upload": "paper (first)"}
BAND_REPS = 2000  # bootstrap resamples per band (its ends move by a few % between RNG seeds)


@dataclass
class SeedCurves:
    """Evaluation returns of several seeds, which may have got to different steps.

    steps: (T,) every step any seed logged, ascending; values: (S, T), NaN where a seed has
    not got that far; seeds: the S seed numbers."""

    steps: np.ndarray
    values: np.ndarray
    seeds: list[int]

    def at(self, step: int) -> np.ndarray | None:
        """(S,) every seed's value at ``step``, or None unless every seed logged it."""
        hit = np.flatnonzero(self.steps == step)
        if hit.size == 0 or np.isnan(self.values[:, hit[0]]).any():
            return None
        return self.values[:, hit[0]]

    def mean(self) -> np.ndarray:
        """(T,) the mean over seeds where every seed has a value, NaN elsewhere."""
        complete = ~np.isnan(self.values).any(axis=0)
        return np.where(complete, np.nan_to_num(self.values).mean(axis=0), np.nan)

    def last_steps(self) -> np.ndarray:
        """(S,) the last step each seed logged."""
        return np.array([self.steps[~np.isnan(row)].max() for row in self.values])


def mean_and_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and sample standard deviation over seeds (ddof 1)."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else float("nan")


def task_of(env_id: str) -> str:
    """'Hopper-v5' -> 'Hopper': our tasks (v5) and the paper's (v1) meet on the name."""
    return re.sub(r"-v\d+$", "", env_id)


def blas_kernel(run: str | Path | None) -> str:
    """The OpenBLAS kernel of a run folder (its blas.json, threadpoolctl's record; LEGACY_KERNEL
    for a shipped run without one), or of this process when ``run`` is None."""
    record = current_record() if run is None else read_record(run)
    return LEGACY_KERNEL if record is None else architecture(record)


def _curves(per_seed: Mapping[int, tuple[np.ndarray, np.ndarray]]) -> SeedCurves:
    """{seed: (steps, values)} -> SeedCurves on the union of the steps."""
    seeds = sorted(per_seed)
    steps = np.unique(np.concatenate([per_seed[s][0] for s in seeds]))
    values = np.full((len(seeds), len(steps)), np.nan)
    for i, s in enumerate(seeds):
        values[i, np.searchsorted(steps, per_seed[s][0])] = per_seed[s][1]
    return SeedCurves(steps, values, seeds)


def load_mujoco_runs(folder: str | Path,
                     unfinished: bool = False) -> dict[str, dict[str, SeedCurves]]:
    """{env_id: {algo: SeedCurves}} from ``folder/<env_id>/<algo>/seed<k>/progress.csv``; runs
    marked UNFINISHED are left out unless ``unfinished`` (each seed counts to its last row)."""
    found: dict[str, dict[str, dict[int, tuple[np.ndarray, np.ndarray]]]] = {}
    for progress in sorted(Path(folder).glob("*/*/seed*/progress.csv")):
        run = progress.parent
        if (run / UNFINISHED_FILE).exists() and not unfinished:
            continue
        columns = progress_columns(run)
        env_id, algo, seed = run.parent.parent.name, run.parent.name, int(run.name[4:])
        found.setdefault(env_id, {}).setdefault(algo, {})[seed] = (
            columns["step"], columns["eval_return_mean"])
    return {env: {algo: _curves(seeds) for algo, seeds in algos.items()}
            for env, algos in found.items()}


def load_paper_curves(path: str | Path) -> dict[str, SeedCurves]:
    """{task: SeedCurves} from a td3_paper_curves*.csv (columns env, seed, step, return; lines
    starting with '#' say where the numbers come from). Tasks by name: 'Hopper'."""
    per_task: dict[str, dict[int, list[tuple[float, float]]]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            per_task.setdefault(task_of(row["env"]), {}).setdefault(int(row["seed"]), []).append(
                (float(row["step"]), float(row["return"])))
    return {task: _curves({s: tuple(np.array(rows).T) for s, rows in seeds.items()})
            for task, seeds in per_task.items()}


def load_groups(folder: str | Path, unfinished: bool = False
                ) -> dict[str, dict[str, SeedCurves]]:
    """{group: {task: SeedCurves}} of everything in a checkpoints/mujoco-like folder: 'ours
    DDPG', 'ours TD3', 'peer TD3' (when present) and the paper's sets (PAPER_SETS, when present)."""
    folder = Path(folder)
    groups: dict[str, dict[str, SeedCurves]] = {}
    for prefix, root in (("ours", folder), ("peer", folder / PEER_FOLDER)):
        for env_id, algos in load_mujoco_runs(root, unfinished).items():
            for algo, curves in algos.items():
                groups.setdefault(f"{prefix} {ALGORITHMS.get(algo, algo)}", {})[
                    task_of(env_id)] = curves
    for name, file in PAPER_SETS.items():
        if (folder / file).is_file():
            groups[name] = load_paper_curves(folder / file)
    order = [*COLORS, *PAPER_SETS]
    return {g: groups[g] for g in sorted(groups, key=lambda g: (order + [g]).index(g))}


def _complete(curves: SeedCurves, max_step: int) -> tuple[np.ndarray, np.ndarray]:
    """Steps up to ``max_step`` that every seed logged, and the (S, T') values there."""
    keep = (curves.steps <= max_step) & ~np.isnan(curves.values).any(axis=0)
    return curves.steps[keep], curves.values[:, keep]


@styled
def plot_mujoco_curves(groups: Mapping[str, Mapping[str, SeedCurves]], *,
                       tasks: Sequence[str] = TASKS, max_step: int = 200_000,
                       axes: Sequence[Axes] | None = None) -> Figure:
    """One panel per task: for our groups and the peer's, each seed thin, the mean over seeds
    thick with its 95 % bootstrap band (bootstrap_band; none for one seed); for the paper's sets,
    the mean with ± half a standard deviation (ddof 1) over its 10 seeds, the band the paper's
    Figure 5 shades (its curves are also smoothed; these are not).

    groups: ``load_groups``. Only steps every seed of a group logged are drawn for its mean."""
    fig, all_axes = figure_and_axes(axes, len(tasks), (5.6 * len(tasks), 4.8))
    for ax, task in zip(all_axes, tasks):
        counts = []
        for name, by_task in groups.items():
            curves = by_task.get(task)
            if curves is None:
                continue
            steps, values = _complete(curves, max_step)
            mid = values.mean(axis=0)
            n = len(curves.seeds)
            counts.append(f"{SHORT.get(name, name)} {n}")
            if name in PAPER_STYLES:
                ls, color, alpha = PAPER_STYLES[name]
                half = 0.5 * values.std(axis=0, ddof=1)
                ax.fill_between(steps, mid - half, mid + half, color=color, alpha=alpha, lw=0)
                ax.plot(steps, mid, color=color, lw=1.4, ls=ls,
                        label=f"TD3 {name} (v1 tasks): mean ± ½ std of {n} seeds")
                continue
            color = COLORS.get(name, REFERENCE_COLOR)
            keep = curves.steps <= max_step
            for row in curves.values[:, keep]:
                ax.plot(curves.steps[keep], row, color=color, lw=0.6, alpha=0.3)
            if n >= 2:
                low, high = bootstrap_band(values, reps=BAND_REPS)
                ax.fill_between(steps, low, high, color=color, alpha=0.25, lw=0)
            ax.plot(steps, mid, color=color, lw=2.0,
                    label=f"{name} (v5 tasks): mean, 95 % bootstrap band (thin: each seed)")
        ax.set_title(f"{task} (ours, peer: v5; paper: v1)\nseeds: " + " · ".join(counts),
                     fontsize=10)
        ax.set_xlim(0, max_step)
        steps_axis(ax)
        ax.set_ylabel("evaluation return (10 episodes)")
    legend: dict[str, object] = {}  # one legend: each label once, whichever panel drew it
    for ax in all_axes:
        handles, labels = ax.get_legend_handles_labels()
        legend.update(zip(labels, handles))
    all_axes[0].legend(legend.values(), legend.keys(), loc="upper left", fontsize=7.5)
    return fig


def plot_mujoco_folder(folder: str | Path, **kwargs: Any) -> Figure | None:
    """``plot_mujoco_curves`` of a folder laid out as checkpoints/mujoco/; None if it has no
    td3_paper_curves.csv (e.g. no such folder)."""
    folder = Path(folder)
    if not (folder / PAPER_CURVES_FILE).is_file():
        return None
    return plot_mujoco_curves(load_groups(folder), **kwargs)


__all__ = ["ALGORITHMS", "LEGACY_KERNEL", "PAPER_CURVES_FILE", "PAPER_FIRST_UPLOAD_FILE",
           "PAPER_SETS", "PEER_FOLDER", "TASKS", "UNFINISHED_FILE", "SeedCurves",
           "blas_kernel", "bootstrap_band", "load_groups", "load_mujoco_runs",
           "load_paper_curves", "mean_and_std", "plot_mujoco_curves", "plot_mujoco_folder",
           "task_of"]
