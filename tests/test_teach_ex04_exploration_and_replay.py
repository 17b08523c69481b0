"""The checkers of ddpg_numpy.teach.ex04_exploration_and_replay (one Ornstein–Uhlenbeck step,
minibatch sampling): typical wrong answers fail with the message meant for them."""

from __future__ import annotations

import numpy as np
import pytest
from wrong_answers import assert_fails_with_message, wrong_answer_params

from ddpg_numpy.core.replay import Batch
from ddpg_numpy.teach import ex04_exploration_and_replay


def take(buffer, idx, next_idx=None):
    next_idx = idx if next_idx is None else next_idx
    return Batch(buffer.obs[idx], buffer.actions[idx], buffer.rewards[idx],
                 buffer.next_obs[next_idx], buffer.terminated[idx])


WRONG_ANSWERS = {
    "ou_step": [
        (lambda x, eps, th, s, dt, mu: x + th * (mu - x) * dt + s * dt * eps, "not with dt"),
        (lambda x, eps, th, s, dt, mu: x + th * (x - mu) * dt + s * np.sqrt(dt) * eps,
         "pushes it away"),
        (lambda x, eps, th, s, dt, mu: x - th * x * dt + s * np.sqrt(dt) * eps,
         "revert toward mu, not toward 0"),
        (lambda x, eps, th, s, dt, mu: x + th * (mu - x) * dt
         + s * np.sqrt(dt) * np.random.standard_normal(x.shape), "use the given eps"),
        (lambda x, eps, th, s, dt, mu: x + s * (mu - x) * dt + th * np.sqrt(dt) * eps,
         "θ and σ are swapped"),
    ],
    "sample_batch": [
        (lambda buf, n, rng: take(buf, rng.integers(0, buf.capacity, n)),
         "your indices reach beyond them"),
        (lambda buf, n, rng: take(buf, rng.integers(0, buf.size, n), rng.integers(0, buf.size, n)),
         "the same index in every field"),
        (lambda buf, n, rng: take(buf, np.random.randint(0, buf.size, n)), "not with np.random"),
        (lambda buf, n, rng: take(buf, np.arange(buf.size - n, buf.size)),
         "most recent transitions"),
        (lambda buf, n, rng: take(buf, rng.integers(0, max(buf.position, 1), n)),
         "also those from buffer.position on"),
        (lambda buf, n, rng: take(buf, rng.integers(0, buf.size - 1, n)),
         "high itself is excluded"),
        (lambda buf, n, rng: tuple(take(buf, rng.integers(0, buf.size, n))),
         "a plain tuple has no fields"),
        (lambda buf, n, rng: dict(take(buf, rng.integers(0, buf.size, n))._asdict()),
         "you returned dict, not a Batch"),
    ],
}


@pytest.mark.parametrize("name, wrong, message", wrong_answer_params(WRONG_ANSWERS))
def test_typical_wrong_answers_fail_with_the_intended_message(name, wrong, message, capsys):
    assert_fails_with_message(name, wrong, message, capsys)


def test_every_checker_of_the_module_has_at_least_two_wrong_answers():
    checked = sorted(name.removeprefix("check_") for name in ex04_exploration_and_replay.__all__)
    assert sorted(WRONG_ANSWERS) == checked
    assert all(len(cases) >= 2 for cases in WRONG_ANSWERS.values())
