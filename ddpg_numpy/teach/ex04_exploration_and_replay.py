"""Checkers for exercise notebook 04, exploration and replay: one Ornstein–Uhlenbeck step (L5, L8)
and uniform minibatch sampling from the replay buffer (L11) — compared with ``core.noise`` and
``core.replay``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.noise import OrnsteinUhlenbeckNoise
from ..core.replay import Batch, ReplayBuffer
from .checking import Checker, run_checker

__all__ = ["check_ou_step", "check_sample_batch"]


class _GivenNormal:
    """Stands in for a random generator: ``standard_normal`` returns the given ε."""

    def __init__(self, eps: np.ndarray) -> None:
        self.eps = eps

    def standard_normal(self, size: int) -> np.ndarray:
        return self.eps.copy()


def _check_ou_step(check: Checker, fn: Callable[..., Any]) -> None:
    cases = (("x = [0.5, -1, 0.2], θ = 0.15, σ = 0.2, dt = 0.01, μ = 0.3",
              np.array([0.5, -1.0, 0.2]), np.array([0.3, -1.2, 2.0]), 0.15, 0.2, 0.01, 0.3),
             ("x = [1.5, -0.4], θ = 0.15, σ = 0.3, dt = 1, μ = 0",
              np.array([1.5, -0.4]), np.array([-0.7, 0.9]), 0.15, 0.3, 1.0, 0.0))
    for name, x, eps, theta, sigma, dt, mu in cases:
        noise = OrnsteinUhlenbeckNoise(len(x), _GivenNormal(eps), theta, sigma, dt, mu)
        noise.state[...] = x
        expected = noise.sample()  # reference: the package's OU process with this ε
        args = (theta, sigma, dt, mu)
        first = check.call(fn, x.copy(), eps.copy(), *args)
        second = check.call(fn, x.copy(), eps.copy(), *args)
        check.true(np.array_equal(np.asarray(first, float), np.asarray(second, float)),
                   "two calls with the same x and eps gave different results: use the given "
                   "eps (ε_t ~ N(0, I) is drawn outside, so the step can be checked), do not "
                   "draw your own noise.")
        swapped_drift = sigma * (mu - x) * dt
        drift = theta * (mu - x) * dt
        noise_term = sigma * np.sqrt(dt) * eps
        check.same(f"x_next for {name}", first, expected, show=True, mistakes=[
            (x + drift + sigma * dt * eps, "the noise scales with √dt (a Brownian increment has "
                                           "variance dt), not with dt."),
            (x + drift + sigma * eps, "the noise term is missing its √dt (a Brownian "
                                      "increment over dt has variance dt)."),
            (x + swapped_drift + theta * np.sqrt(dt) * eps,
             "θ and σ are swapped: θ is the mean-reversion rate (it multiplies the drift), σ the "
             "noise scale."),
            (x - drift + noise_term, "the drift must pull x back toward μ; yours pushes it "
                                     "away."),
            (x + theta * (mu - x) + noise_term, "multiply the drift θ(μ − x) by dt."),
            (x - theta * x * dt + noise_term, "revert toward mu, not toward 0."),
            (drift + noise_term, "return the new state x + Δx, not only the increment Δx."),
            (x + drift + sigma**2 * np.sqrt(dt) * eps, "the noise scale is σ, not σ²."),
        ], hint="x_{t+1} = x_t + θ(μ − x_t)·dt + σ·√dt·ε_t.")


def check_ou_step(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                 hint: bool = False) -> bool | None:
    """Check ``ou_step(x, eps, theta, sigma, dt, mu) -> x_next`` (L5, L8)."""
    return run_checker("ou_step", _check_ou_step, student_fn, raise_on_fail, hint)


def _numbered_buffer(capacity: int, count: int) -> ReplayBuffer:
    """A buffer whose transition i says i in every field (reward i + 1, so empty slots show 0)."""
    buffer = ReplayBuffer(capacity, obs_dim=3, act_dim=2)
    for i in range(count):
        buffer.add(np.array([i, 0.5, -i]), np.array([i, -1.0]), i + 1.0,
                   np.array([i + 1, 0.5, -i - 1]), float(i % 5 == 4))
    return buffer


def _check_sample_batch(check: Checker, fn: Callable[..., Any]) -> None:
    partial = _numbered_buffer(capacity=50, count=20)  # 30 slots still empty (all zeros)
    n = 16

    def sample(buffer: ReplayBuffer, batch_size: int, seed: int) -> Batch:
        result = check.call(fn, buffer, batch_size, np.random.default_rng(seed))
        if not isinstance(result, Batch):
            plain = isinstance(result, tuple) and len(result) == 5
            check.fail(("a plain tuple has no fields: DDPG.update reads batch.obs, "
                        "batch.rewards, ... and would crash on it." if plain else
                        f"you returned {type(result).__name__}, not a Batch.",
                        "Return Batch(obs, actions, rewards, next_obs, terminated)."))
        return Batch(*(check.array(f"batch.{f}", getattr(result, f)) for f in Batch._fields))

    batch = sample(partial, n, 0)
    for field, shape in zip(Batch._fields, ((n, 3), (n, 2), (n,), (n, 3), (n,))):
        check.shape(f"batch.{field}", getattr(batch, field), shape, n)
    check.passed()
    empty = int(np.sum(batch.rewards == 0))
    check.true(empty == 0,
               (f"{empty} of the {n} sampled transitions are empty slots (all zeros): only the "
                f"first len(buffer) = buffer.size = {partial.size} of the {partial.capacity} "
                "rows are filled, and your indices reach beyond them.",
                "Draw indices from [0, buffer.size), not [0, buffer.capacity)."))
    idx = batch.rewards - 1
    check.true(bool(np.all(batch.obs[:, 0] == idx) and np.all(batch.actions[:, 0] == idx)
                    and np.all(batch.next_obs[:, 0] == idx + 1)
                    and np.all(batch.terminated == (idx % 5 == 4))),
               "the fields of a sampled transition come from different rows (e.g. obs from one "
               "transition, next_obs from another): one transition is one row, the same index "
               "in every field.")
    again = sample(partial, n, 0)
    check.true(all(np.array_equal(a, b) for a, b in zip(batch, again)),
               "two calls with identically seeded generators gave different batches: draw the "
               "indices with the rng argument (rng.integers), not with np.random.")
    other = sample(partial, n, 1)
    if np.array_equal(other.rewards, batch.rewards):
        if np.array_equal(np.sort(idx), np.arange(partial.size - n, partial.size)):
            check.fail("you take the most recent transitions. Sample uniformly at random over "
                       "the whole buffer: breaking the correlation between consecutive "
                       "transitions is the point of replay.")
        check.fail(("your batch does not depend on rng: sample random indices with it.",
                    "E.g. rng.integers(0, buffer.size, size=batch_size)."))
    check.passed()

    wrapped = _numbered_buffer(capacity=30, count=45)  # the ring wrapped: every row is valid
    draws = 600
    rows = np.concatenate([sample(wrapped, n, 100 + k).rewards - 1 for k in range(draws)])
    counts = np.bincount((rows % wrapped.capacity).astype(int), minlength=wrapped.capacity)
    mean = draws * n / wrapped.capacity
    if np.all(counts[wrapped.position:] == 0):
        check.fail((f"rows {wrapped.position}..{wrapped.capacity - 1} of a full buffer were "
                    "never sampled. After the ring wraps around, all buffer.size rows hold "
                    "valid transitions, also those from buffer.position on.",
                    "Sample from [0, buffer.size), not [0, buffer.position)."))
    never = np.flatnonzero(counts == 0)
    if len(never) == 1 and never[0] in (0, wrapped.capacity - 1):
        check.fail((f"row {never[0]} of a full buffer was never sampled in {draws} batches, "
                    "every other row was: an off-by-one in your index range. rng.integers(low, "
                    "high) draws from [low, high) — high itself is excluded.",
                    "rng.integers(0, buffer.size) already reaches the last row, "
                    "buffer.size − 1."))
    check.true(bool(np.all(np.abs(counts - mean) < 0.4 * mean)),
               f"over {draws} batches the {wrapped.capacity} rows of a full buffer were sampled "
               f"between {counts.min()} and {counts.max()} times (expected about {mean:.0f} "
               "each): sample every stored transition with the same probability.")


def check_sample_batch(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                      hint: bool = False) -> bool | None:
    """Check ``sample_batch(buffer, batch_size, rng) -> Batch`` (L11)."""
    return run_checker("sample_batch", _check_sample_batch, student_fn, raise_on_fail, hint)
