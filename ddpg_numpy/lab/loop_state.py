"""What the training loop counts: steps, episodes, returns, update metrics, seconds.

All of it goes into the checkpoint (as JSON, the episode's actions as arrays), so a resumed run
continues exactly where the checkpoint was taken; the metrics since the last evaluation become
progress.csv rows. Where each environment stands in its episode (``reset_states``,
``episode_actions``) is what episode_replay.py puts back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

METRICS = ("critic_loss", "q_mean", "actor_objective")  # averaged between evaluations


@dataclass
class LoopState:
    """The loop's counters and running statistics, for ``n_envs`` envs (one per seed)."""

    n_envs: int
    step: int = 0
    episodes: list[int] | None = None  # finished training episodes per env
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    episode_returns: np.ndarray | None = None  # (n_envs,) return of the running episodes
    recent_returns: list[list[float]] | None = None  # last 10 training returns per env
    metric_sums: list[list[float]] | None = None  # per metric, per env, since the last eval
    # how many values each sum holds: a metric can be absent from an update (NaN), e.g. TD3's
    # actor_objective on the critic updates where the delayed actor does not move
    metric_counts: list[list[int]] | None = None
    n_updates: int = 0  # updates since the last evaluation
    # per env, its generator's state just before its current episode's reset (None: the first
    # episode, reset with the env's seed) and the actions (act_dim,) float64 it took since
    reset_states: list[Any] | None = None
    episode_actions: list[list[np.ndarray]] | None = None
    rows: list[dict[str, float]] = field(default_factory=list)  # every progress row logged

    def __post_init__(self) -> None:
        if self.episode_returns is None:
            self.episode_returns = np.zeros(self.n_envs)
        self.recent_returns = self.recent_returns or [[] for _ in range(self.n_envs)]
        self.metric_sums = self.metric_sums or [[0.0] * self.n_envs for _ in METRICS]
        self.metric_counts = self.metric_counts or [[self.n_updates] * self.n_envs
                                                    for _ in METRICS]  # (older checkpoints)
        self.reset_states = self.reset_states or [None] * self.n_envs
        self.episode_actions = self.episode_actions or [[] for _ in range(self.n_envs)]
        self.episodes = self.episodes or [0] * self.n_envs

    def add_metrics(self, metrics: dict[str, Any]) -> None:
        """Add one update's metrics (scalars, or (n_envs,) for stacked seeds) to the sums."""
        for sums, counts, name in zip(self.metric_sums, self.metric_counts, METRICS):
            values = np.broadcast_to(metrics[name], (self.n_envs,))
            for i in range(self.n_envs):
                if not np.isnan(values[i]):  # absent from this update
                    sums[i] += float(values[i])
                    counts[i] += 1
        self.n_updates += 1

    def progress_rows(self, seeds: list[int], returns: np.ndarray,
                      updates: int) -> list[dict[str, float]]:
        """One progress.csv row per seed from evaluation ``returns`` (n_envs, episodes);
        resets the running metric sums."""
        rows = []
        for i, seed in enumerate(seeds):
            means = {name: sums[i] / counts[i] if counts[i] else float("nan")
                     for name, sums, counts in zip(METRICS, self.metric_sums, self.metric_counts)}
            recent = self.recent_returns[i]
            rows.append({"step": self.step, "seed": seed, "episodes": self.episodes[i],
                         "eval_return_mean": float(returns[i].mean()),
                         "eval_return_std": float(returns[i].std()),
                         "eval_return_min": float(returns[i].min()),
                         "eval_return_max": float(returns[i].max()),
                         "train_return": float(np.mean(recent)) if recent else float("nan"),
                         **means, "updates": updates})
        self.metric_sums = [[0.0] * self.n_envs for _ in METRICS]
        self.metric_counts = [[0] * self.n_envs for _ in METRICS]
        self.n_updates = 0
        return rows

    def to_saved(self) -> dict[str, Any]:
        """The state as JSON-able values, for the checkpoint (reset_states, episode_actions and
        rows apart)."""
        scalars = {k: getattr(self, k) for k in ("step", "episodes", "train_seconds",
                                                  "eval_seconds", "n_updates")}
        lists = {"recent_returns": self.recent_returns, "metric_sums": self.metric_sums,
                 "metric_counts": self.metric_counts,
                 "episode_returns": self.episode_returns.tolist()}
        return {**scalars, **lists}

    @classmethod
    def from_saved(cls, saved: dict[str, Any], reset_states: list[Any],
                   episode_actions: list[np.ndarray], n_envs: int) -> LoopState:
        """The inverse of ``to_saved`` (rows start empty: they are in progress.csv)."""
        return cls(n_envs=n_envs, **{**saved, "episode_returns": np.array(saved["episode_returns"]),
                                     "reset_states": reset_states,
                                     "episode_actions": [list(a) for a in episode_actions]})
