"""Adam and SGD against updates computed by hand."""

import numpy as np
import pytest

from ddpg_numpy.core.optim import SGD, Adam


def test_sgd_step_by_hand():
    theta, grad = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    SGD([theta], [grad], lr=0.1).step()
    np.testing.assert_allclose(theta, [1.0 - 0.05, -2.0 - 0.025])


def test_sgd_weight_decay_by_hand():
    theta, grad = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    SGD([theta], [grad], lr=0.1, weight_decay=0.01).step()
    # g + λθ = [0.51, 0.23]
    np.testing.assert_allclose(theta, [1.0 - 0.051, -2.0 - 0.023])


def adam_by_hand(theta, grads, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        g = g + wd * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
def test_adam_matches_kingma_and_ba(weight_decay):
    rng = np.random.default_rng(0)
    start = rng.normal(size=5)
    grads = [rng.normal(size=5) for _ in range(4)]
    theta, grad = start.copy(), np.zeros(5)
    opt = Adam([theta], [grad], lr=1e-2, weight_decay=weight_decay)
    for g in grads:
        grad[...] = g
        opt.step()
    np.testing.assert_allclose(theta, adam_by_hand(start, grads, 1e-2, wd=weight_decay),
                               rtol=1e-12, atol=1e-15)


def test_adam_first_step_moves_each_coordinate_by_lr():
    # With bias correction the first step is lr · g/|g| (up to ε), whatever g's scale.
    theta, grad = np.zeros(3), np.array([1e-3, -5.0, 20.0])
    Adam([theta], [grad], lr=0.1).step()
    np.testing.assert_allclose(theta, [-0.1, 0.1, -0.1], rtol=1e-4)


def test_adam_state_round_trip():
    theta, grad = np.ones(3), np.full(3, 0.5)
    opt = Adam([theta], [grad], lr=0.1)
    opt.step()
    other_theta = theta.copy()
    other = Adam([other_theta], [grad], lr=0.1)
    other.load_state_dict(opt.state_dict())
    opt.step()
    other.step()
    np.testing.assert_array_equal(theta, other_theta)


def test_mismatched_lists_are_an_error():
    with pytest.raises(ValueError, match="2 parameter arrays but 1 gradient"):
        Adam([np.zeros(1), np.zeros(1)], [np.zeros(1)], lr=1.0)
