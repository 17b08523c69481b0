"""Scores over seeds, reported as the field now does (Agarwal et al. 2021, "Deep reinforcement
learning at the edge of the statistical precipice"): each seed's mean evaluation return over a
window of steps, then the mean and the interquartile mean (IQM) over seeds, each with a
stratified-bootstrap 95 % confidence interval computed by rliable.

One seed's score is a window mean, not a single evaluation: one evaluation is one snapshot of a
noisy curve (a policy can dip for one evaluation and recover at the next).

rliable is optional (the ``stats`` extra); it is imported inside the functions that need it, and a
missing install is a ``RliableMissing`` error that says what to install.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

RELIABLE_INSTALL = 'pip install -e ".[stats]"'
DEFAULT_REPS = 20_000  # bootstrap resamples; the interval ends move < 1 % between seeds of the RNG


class RliableMissing(ImportError):
    """rliable (optional) is not installed."""


def _rliable():
    try:
        from rliable import library, metrics
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RliableMissing(
            f"intervals need the optional package rliable: {RELIABLE_INSTALL}") from err
    return library, metrics


def window_mean(steps: np.ndarray, returns: np.ndarray, start: int, end: int) -> float:
    """The mean of one seed's evaluation returns at steps in [start, end] (both ends included).

    steps, returns: shape (n_evaluations,). Raises ValueError if no evaluation falls in the window.
    """
    steps = np.asarray(steps, dtype=np.int64)
    returns = np.asarray(returns, dtype=np.float64)
    inside = (steps >= start) & (steps <= end)
    if not inside.any():
        raise ValueError(f"no evaluation between steps {start} and {end}")
    return float(returns[inside].mean())


@dataclass(frozen=True)
class Interval:
    """A point estimate and its 95 % stratified-bootstrap confidence interval."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class GroupSummary:
    """Mean and IQM over the seeds of one group, each with its interval; n = number of seeds."""

    n: int
    mean: Interval
    iqm: Interval

    def as_row(self) -> dict[str, float | int]:
        row: dict[str, float | int] = {"n": self.n}
        for name in ("mean", "iqm"):
            for key, value in asdict(getattr(self, name)).items():
                row[name if key == "estimate" else f"{name}_{key}"] = value
        return row


def summarize(scores: dict[str, np.ndarray], reps: int = DEFAULT_REPS,
              seed: int = 0) -> dict[str, GroupSummary]:
    """Mean and IQM over seeds with stratified-bootstrap 95 % intervals, per group.

    scores: group name -> per-seed scores, shape (n_seeds,) (e.g. window means). A group needs
    at least 2 seeds. seed: the bootstrap's random state, so a table is the same every time.
    """
    library, metrics = _rliable()
    matrices = {}
    for name, values in scores.items():
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if values.size < 2:
            raise ValueError(f"group {name!r} has {values.size} seed(s); intervals need 2 or more")
        matrices[name] = values[:, None]  # rliable's shape: (runs, tasks), one task

    def aggregate(matrix: np.ndarray) -> np.ndarray:
        return np.array([metrics.aggregate_mean(matrix), metrics.aggregate_iqm(matrix)])

    points, intervals = {}, {}
    for name, matrix in matrices.items():
        # rliable 1.2 draws its resamples from NumPy's global generator (np.random.choice), not
        # from the random state it is given: seed that, per group, and put it back afterwards.
        saved = np.random.get_state()
        np.random.seed(seed)
        try:
            bootstrap = library.StratifiedBootstrap(matrix)
            points[name] = aggregate(matrix)
            intervals[name] = bootstrap.conf_int(aggregate, reps=reps, size=0.95,
                                                 method="percentile")
        finally:
            np.random.set_state(saved)
    return {
        name: GroupSummary(
            n=len(matrices[name]),
            mean=Interval(float(points[name][0]), *map(float, intervals[name][:, 0])),
            iqm=Interval(float(points[name][1]), *map(float, intervals[name][:, 1])),
        )
        for name in matrices
    }


def difference_of_means(a: np.ndarray, b: np.ndarray, reps: int = DEFAULT_REPS,
                        seed: int = 0) -> Interval:
    """mean(a) − mean(b) with a 95 % percentile-bootstrap interval, seeds resampled within each
    group (stratified: a's seeds from a, b's from b). a: shape (n_a,), b: shape (n_b,)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.size < 2 or b.size < 2:
        raise ValueError("a difference of means needs 2 or more seeds on each side")
    rng = np.random.default_rng(seed)
    resampled_a = a[rng.integers(0, a.size, size=(reps, a.size))].mean(axis=1)
    resampled_b = b[rng.integers(0, b.size, size=(reps, b.size))].mean(axis=1)
    low, high = np.percentile(resampled_a - resampled_b, [2.5, 97.5])
    return Interval(float(a.mean() - b.mean()), float(low), float(high))


def standard_error(values: np.ndarray) -> float:
    """The standard error of the mean, sample standard deviation with ddof = 1 over √n."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if values.size < 2:
        raise ValueError("a standard error needs 2 or more values")
    return float(values.std(ddof=1) / np.sqrt(values.size))
