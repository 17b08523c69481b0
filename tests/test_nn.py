"""The network from scratch: every backward pass against finite differences (float64, < 1e-6)."""

import numpy as np
import pytest

from ddpg_numpy.core.gradcheck import TOLERANCE, numerical_vjp, relative_error
from ddpg_numpy.core.nn import FINAL_LAYER_INIT, MLP, Linear, ReLU, Tanh
from ddpg_numpy.teach.selfcheck import all_gradient_checks


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_linear_forward_is_affine(rng):
    lin = Linear(3, 2, rng)
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(lin.forward(x), x @ lin.W + lin.b)


@pytest.mark.parametrize("make_layer", [ReLU, Tanh])
def test_activation_input_gradient(rng, make_layer):
    layer = make_layer()
    x = rng.normal(size=(6, 5))
    g = rng.normal(size=(6, 5))
    layer.forward(x)
    analytic = layer.backward(g)
    assert relative_error(analytic, numerical_vjp(lambda: layer.forward(x), x, g)) < TOLERANCE


def test_linear_all_gradients(rng):
    lin = Linear(4, 3, rng)
    x, g = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    lin.forward(x)
    dx = lin.backward(g)
    assert relative_error(dx, numerical_vjp(lambda: lin.forward(x), x, g)) < TOLERANCE
    assert relative_error(lin.dW, numerical_vjp(lambda: lin.forward(x), lin.W, g)) < TOLERANCE
    assert relative_error(lin.db, numerical_vjp(lambda: lin.forward(x), lin.b, g)) < TOLERANCE


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_three_layer_mlp_every_gradient(rng, activation):
    mlp = MLP.build([4, 7, 5, 3], rng, activation=activation, final_init="hidden")
    x, g = rng.normal(size=(8, 4)), rng.normal(size=(8, 3))
    mlp.forward(x)
    dx = mlp.backward(g)
    grads = [gr.copy() for gr in mlp.grads()]
    assert relative_error(dx, numerical_vjp(lambda: mlp.forward(x), x, g)) < TOLERANCE
    for param, analytic in zip(mlp.params(), grads):
        numeric = numerical_vjp(lambda: mlp.forward(x), param, g)
        assert relative_error(analytic, numeric) < TOLERANCE


def test_gradient_of_q_wrt_action_entering_at_second_layer(rng):
    """The paper's critic built from parts: Q = L3(relu(L2([relu(L1 s); a]))). ∇_a Q numerically."""
    l1, l2, l3 = Linear(3, 6, rng), Linear(6 + 2, 5, rng), Linear(5, 1, rng, init="hidden")
    r1, r2 = ReLU(), ReLU()
    s, a = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))

    def q():
        h = r1.forward(l1.forward(s))
        return l3.forward(r2.forward(l2.forward(np.concatenate([h, a], axis=-1))))[:, 0]

    q()
    g = l2.backward(r2.backward(l3.backward(np.ones((4, 1)))))
    dq_da = g[:, 6:]
    numeric = numerical_vjp(q, a, np.ones(4))
    assert relative_error(dq_da, numeric) < TOLERANCE


def test_every_selfcheck_passes():
    results = all_gradient_checks()
    assert len(results) >= 25
    failed = [str(r) for r in results if not r.passed]
    assert not failed, failed


def test_backward_twice_gives_the_same_gradients(rng):
    mlp = MLP.build([3, 4, 2], rng)
    x, g = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    mlp.forward(x)
    mlp.backward(g)
    first = [gr.copy() for gr in mlp.grads()]
    mlp.backward(g)
    for a, b in zip(first, mlp.grads()):
        np.testing.assert_array_equal(a, b)  # overwritten, not accumulated


def test_params_and_grads_are_live_views_of_flat_vectors(rng):
    mlp = MLP.build([3, 4, 2], rng)
    assert [p.shape for p in mlp.params()] == [g.shape for g in mlp.grads()]
    assert sum(p.size for p in mlp.params()) == mlp.theta.size
    mlp.params()[0][0, 0] = 42.0  # changing a layer's W in place changes theta and the layer
    assert 42.0 in mlp.theta and mlp.linears()[0].W[0, 0] == 42.0
    x = rng.normal(size=(2, 3))
    mlp.forward(x)
    mlp.backward(np.ones((2, 2)))
    assert np.shares_memory(mlp.grads()[0], mlp.grad)


def test_paper_initialisation_ranges(rng):
    mlp = MLP.build([10, 400, 300, 1], rng)
    hidden, last = mlp.linears()[:-1], mlp.linears()[-1]
    for lin in hidden:
        bound = 1 / np.sqrt(lin.in_features)
        assert np.abs(lin.W).max() <= bound and np.abs(lin.W).max() > 0.9 * bound
    assert np.abs(last.W).max() <= FINAL_LAYER_INIT and np.abs(last.b).max() <= FINAL_LAYER_INIT


def test_same_generator_seed_same_network():
    a = MLP.build([3, 8, 2], np.random.default_rng(5))
    b = MLP.build([3, 8, 2], np.random.default_rng(5))
    np.testing.assert_array_equal(a.theta, b.theta)


def test_float32_end_to_end(rng):
    mlp = MLP.build([3, 8, 2], rng, dtype=np.float32)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    y = mlp.forward(x)
    dx = mlp.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == mlp.theta.dtype == mlp.grad.dtype == np.float32
    assert all(g.dtype == np.float32 for g in mlp.grads())


def test_stacked_networks_equal_separate_ones(rng):
    nets = [MLP.build([3, 5, 2], np.random.default_rng(s), output="tanh") for s in range(3)]
    x = rng.normal(size=(3, 4, 3))
    g = rng.normal(size=(3, 4, 2))
    stacked = MLP.stacked(nets)
    assert stacked.theta.shape == (3, nets[0].theta.size)
    y = stacked.forward(x)
    dx = stacked.backward(g)
    for i, net in enumerate(nets):
        np.testing.assert_allclose(y[i], net.forward(x[i]), rtol=1e-12)
        np.testing.assert_allclose(dx[i], net.backward(g[i]), rtol=1e-12)
        np.testing.assert_allclose(stacked.grad[i], net.grad, rtol=1e-12)


def test_wrong_input_width_names_the_shape(rng):
    mlp = MLP.build([3, 4, 2], rng)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 3\), got \(5, 4\)"):
        mlp.forward(np.zeros((5, 4)))


def test_single_sample_without_batch_axis_explains_the_fix(rng):
    with pytest.raises(ValueError, match=r"x\[None\]"):
        MLP.build([3, 2], rng).forward(np.zeros(3))


def test_dtype_mix_is_an_error(rng):
    mlp = MLP.build([3, 4, 2], rng)  # float64
    with pytest.raises(TypeError, match="float32 does not match the parameters' float64"):
        mlp.forward(np.zeros((2, 3), dtype=np.float32))


def test_nan_input_is_an_error(rng):
    x = np.zeros((2, 3))
    x[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLP.build([3, 4, 2], rng).forward(x)


def test_backward_before_forward_is_an_error(rng):
    with pytest.raises(RuntimeError, match="before forward"):
        Linear(2, 2, rng).backward(np.zeros((1, 2)))
