"""The checkers of ddpg_numpy.teach.ex01_backprop (numerical gradient; Linear, ReLU, Tanh
backward): typical wrong answers fail with the message meant for them."""

from __future__ import annotations

import numpy as np
import pytest
from wrong_answers import assert_fails_with_message, wrong_answer_params

from ddpg_numpy.teach import ex01_backprop


def central(f, x, h, divide_by=2.0, restore=True, minus=True, precedence_bug=False):
    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        f_plus = f()
        flat_x[i] = old - h if minus else old
        f_minus = f()
        if restore:
            flat_x[i] = old
        if precedence_bug:
            flat_g[i] = (f_plus - f_minus) / 2 * h
        else:
            flat_g[i] = (f_plus - f_minus) / (divide_by * h)
    return grad


def central_by_rows(f, x, h):
    grad = np.zeros_like(x)
    for i in range(len(x)):  # a whole row when x is 2-D
        old = x[i].copy()
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relu_in_place(G, x):
    G[x <= 0] = 0
    return G


WRONG_ANSWERS = {
    "numerical_gradient": [
        (lambda f, x, h: central(f, x, h, divide_by=1.0, minus=False), "forward difference"),
        (lambda f, x, h: central(f, x, h, restore=False), "x was not restored"),
        (lambda f, x, h: central(f, x.copy(), h), "never reached f()"),
        (lambda f, x, h: central(f, x, h, divide_by=1.0), "you divided by h"),
        (lambda f, x, h: central(f, x, 1e-5), "use the h argument"),
        (lambda f, x, h: central(f, x, h, precedence_bug=True), "`/ 2 * h` divides by 2"),
        (central_by_rows, "is a whole row"),
    ],
    "linear_backward": [
        (lambda G, x, W: (G @ W.T, G.T @ x, G.sum(0)), "must have W's shape"),
        (lambda G, x, W: (G @ W.T, x.T @ G, G), "sums G over the batch axis"),
        (lambda G, x, W: (G @ W.T, x.T @ G, G.mean(0)), "not a mean"),
        (lambda G, x, W: (G @ W, x.T @ G, G.sum(0)), "raised ValueError"),
        (lambda G, x, W: (-G @ W.T, x.T @ G, G.sum(0)), "sign is flipped"),
        (lambda G, x, W: (x.T @ G, G @ W.T, G.sum(0)), "right but in the wrong order"),
        (lambda G, x, W: (G.sum(0), x.T @ G, G @ W.T), "right but in the wrong order"),
        (lambda x, W, G: (G @ W.T, x.T @ G, G.sum(0)), "in the order (x, W, G)"),
    ],
    "relu_backward": [
        (lambda G, x: (x > 0).astype(float), "multiplies it by the incoming gradient"),
        (lambda G, x: G * x, "not by x"),
        (lambda G, x: G * (G > 0), "not from the sign of G"),
        (relu_in_place, "changed its input arrays in place"),
        (lambda x, G: G * (x > 0), "in the order (x, G)"),
    ],
    "tanh_backward": [
        (lambda G, y: G * (1 - np.tanh(y) ** 2), "do not apply tanh to y again"),
        (lambda G, y: G * (1 - y), "has y squared"),
        (lambda G, y: 1 - y**2, "multiplies it by the incoming gradient"),
        (lambda G, y: G * (1 + y**2), "tanh′ = 1 − tanh²"),
        (lambda y, G: G * (1 - y**2), "in the order (y, G)"),
    ],
}


@pytest.mark.parametrize("name, wrong, message", wrong_answer_params(WRONG_ANSWERS))
def test_typical_wrong_answers_fail_with_the_intended_message(name, wrong, message, capsys):
    assert_fails_with_message(name, wrong, message, capsys)


def test_every_checker_of_the_module_has_at_least_two_wrong_answers():
    checked = sorted(name.removeprefix("check_") for name in ex01_backprop.__all__)
    assert sorted(WRONG_ANSWERS) == checked
    assert all(len(cases) >= 2 for cases in WRONG_ANSWERS.values())
