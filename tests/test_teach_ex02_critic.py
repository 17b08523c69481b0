"""The checkers of ddpg_numpy.teach.ex02_critic (Bellman target, critic loss and gradient,
∇_a Q): typical wrong answers fail with the message meant for them."""

from __future__ import annotations

import numpy as np
import pytest
from wrong_answers import assert_fails_with_message, wrong_answer_params

from ddpg_numpy.teach import ex02_critic


def critic_grad_by_hand(obs, actions, p, first_rows=False, mask=True, scale=1.0):
    h1 = np.maximum(obs @ p["W1"] + p["b1"], 0)
    z2 = np.concatenate([h1, actions], axis=1) @ p["W2"] + p["b2"]
    dq_dz2 = p["W3"][:, 0] * ((z2 > 0) if mask else np.ones_like(z2))
    act = actions.shape[1]
    rows = p["W2"][:act] if first_rows else p["W2"][-act:]
    return scale * dq_dz2 @ rows.T


def target_in_place(rewards, terminated, next_q, gamma):
    rewards += gamma * (1.0 - terminated) * next_q  # the replay batch's rewards change
    return rewards


WRONG_ANSWERS = {
    "bellman_target": [
        (target_in_place, "your function changed its input `rewards` in place"),
        (lambda r, d, q, gamma: (r + gamma * (1 - d) * q).astype(np.float32), "is float32"),
        (lambda r, d, q, gamma: r + gamma * q, "must not bootstrap"),
        (lambda r, d, q, gamma: r + gamma * d * q, "bootstrapped only the terminal"),
        (lambda r, d, q, gamma: r + (1 - d) * q, "multiply it by γ"),
        (lambda r, d, q, gamma: r + gamma * ~d * q, "do not work on floats"),
    ],
    "critic_loss_and_grad": [
        (lambda q, y: (np.mean((q - y) ** 2), 2 * (q - y[:, None]) / len(y)),
         "broadcasts into an (N, N) matrix"),
        (lambda q, y: (np.mean((q[:, 0] - y) ** 2), 2 * (q - y) / len(y)),
         "has shape (3, 3), expected (3, 1)"),
        (lambda q, y: (np.mean((q[:, 0] - y) ** 2), 2 * (q - y[:, None])),
         "carries a 1/N"),
        (lambda q, y: (np.mean((q[:, 0] - y) ** 2), 2 * (q[:, 0] - y) / len(y)),
         "q is (N, 1), so dL_dq is (N, 1) too"),
        (lambda q, y: (np.mean((q[:, 0] - y) ** 2), 2 * (y[:, None] - q) / len(y)),
         "the sign is flipped"),
        (lambda q, y: (np.sum((q[:, 0] - y) ** 2), 2 * (q - y[:, None]) / len(y)),
         "not the sum"),
        (lambda q, y: (2 * (q - y[:, None]) / len(y), np.mean((q[:, 0] - y) ** 2)),
         "the tuple is the wrong way round"),
    ],
    "critic_action_gradient": [
        (lambda o, a, p: critic_grad_by_hand(o, a, p, first_rows=True),
         "the action's rows are the last ones"),
        (lambda o, a, p: critic_grad_by_hand(o, a, p, mask=False), "through the second ReLU"),
        (lambda o, a, p: critic_grad_by_hand(o, a, p, scale=1 / len(o)), "no 1/N here"),
        (lambda o, a, p: critic_grad_by_hand(o, a, p).mean(axis=0), "one row per sample"),
    ],
}


@pytest.mark.parametrize("name, wrong, message", wrong_answer_params(WRONG_ANSWERS))
def test_typical_wrong_answers_fail_with_the_intended_message(name, wrong, message, capsys):
    assert_fails_with_message(name, wrong, message, capsys)


def test_every_checker_of_the_module_has_at_least_two_wrong_answers():
    checked = sorted(name.removeprefix("check_") for name in ex02_critic.__all__)
    assert sorted(WRONG_ANSWERS) == checked
    assert all(len(cases) >= 2 for cases in WRONG_ANSWERS.values())
