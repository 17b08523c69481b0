"""The checkers of ddpg_numpy.teach.ex01_backprop (numerical gradient; Linear, ReLU, Tanh
backward): typical wrong answers fail with the message meant for them."""

from __future__ import annotations

import numpy as np
import pytest
from wrong_answers import assert_fails_with_message, wrong_answer_params

from ddpg_numpy.teach import ex01_backprop


def central(f, x, h, divide_by=2.0, restore=True, minus=True):
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
        flat_g[i] = (f_plus - f_minus) / (divide_by * h)
    return grad


def relu_in_place(x, grad_out):
    grad_out[x <= 0] = 0
    return grad_out


WRONG_ANSWERS = {
    "numerical_gradient": [
        (lambda f, x, h: central(f, x, h, divide_by=1.0, minus=False), "forward difference"),
        (lambda f, x, h: central(f, x, h, restore=False), "x was not restored"),
        (lambda f, x, h: central(f, x.copy(), h), "never reached f()"),
        (lambda f, x, h: central(f, x, h, divide_by=1.0), "divide the central difference by 2h"),
        (lambda f, x, h: central(f, x, 1e-5), "use the h argument"),
    ],
    "linear_backward": [
        (lambda x, W, g: (g @ W.T, g.T @ x, g.sum(0)), "must have W's shape"),
        (lambda x, W, g: (g @ W.T, x.T @ g, g), "sums ∂L/∂y over the batch"),
        (lambda x, W, g: (g @ W.T, x.T @ g, g.mean(0)), "not a mean"),
        (lambda x, W, g: (g @ W, x.T @ g, g.sum(0)), "raised ValueError"),
        (lambda x, W, g: (-g @ W.T, x.T @ g, g.sum(0)), "sign is flipped"),
    ],
    "relu_backward": [
        (lambda x, g: (x > 0).astype(float), "multiplies it by the incoming gradient"),
        (lambda x, g: g * x, "not by x"),
        (lambda x, g: g * (g > 0), "not from the sign of grad_out"),
        (relu_in_place, "changed its input arrays in place"),
    ],
    "tanh_backward": [
        (lambda y, g: g * (1 - np.tanh(y) ** 2), "do not apply tanh to y again"),
        (lambda y, g: g * (1 - y), "(squared), not 1 − y"),
        (lambda y, g: 1 - y**2, "multiplies it by the incoming gradient"),
    ],
}


@pytest.mark.parametrize("name, wrong, message", wrong_answer_params(WRONG_ANSWERS))
def test_typical_wrong_answers_fail_with_the_intended_message(name, wrong, message, capsys):
    assert_fails_with_message(name, wrong, message, capsys)


def test_every_checker_of_the_module_has_at_least_two_wrong_answers():
    checked = sorted(name.removeprefix("check_") for name in ex01_backprop.__all__)
    assert sorted(WRONG_ANSWERS) == checked
    assert all(len(cases) >= 2 for cases in WRONG_ANSWERS.values())
