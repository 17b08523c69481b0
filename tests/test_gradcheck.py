import numpy as np
import pytest

from ddpg_numpy.core.gradcheck import (
    CheckResult,
    check_gradient,
    numerical_gradient,
    numerical_vjp,
    relative_error,
)


def test_numerical_gradient_of_a_known_function():
    x = np.array([0.3, -1.2, 2.0])
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(x, [0.3, -1.2, 2.0])  # restored after perturbing


def test_numerical_vjp_of_a_matrix_product():
    rng = np.random.default_rng(1)
    a, x, g = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(numerical_vjp(lambda: a @ x, x, g), a.T @ g, rtol=1e-7)


def test_relative_error_properties():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match="shape mismatch"):
        relative_error(np.zeros(2), np.zeros(3))


def test_a_wrong_gradient_fails_loudly():
    x = np.array([0.5, 1.5])
    result = check_gradient("x² with a missing factor 2", x.copy(), lambda: float(x @ x), x)
    assert not result.passed and result.error > 0.1
    assert str(result).startswith("FAIL")
    ok = check_gradient("x²", 2 * x, lambda: float(x @ x), x)
    assert ok.passed and str(ok).startswith("PASS")


def test_float32_is_refused_with_a_reason():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))


def test_check_result_line_is_readable():
    line = str(CheckResult("Linear ∂L/∂W", 3.2e-11))
    assert "PASS" in line and "3.2e-11" in line and "Linear ∂L/∂W" in line
