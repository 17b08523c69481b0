"""Gradient checking: trust a hand-written backward pass only after it matches finite differences.

Central differences approximate ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / 2h with error O(h²).
In float64 with h ≈ 1e-6 a correct gradient agrees to a relative error around 1e-8 to 1e-10;
a wrong one is off by 1e-2 or more. The relative error between two arrays a, b is
‖a − b‖ / max(‖a‖ + ‖b‖, tiny), which is scale-free and is 0 for equal arrays, 1 for a = −b.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-6


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), with 0 when both are zero."""
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    if analytic.shape != numeric.shape:
        raise ValueError(f"shape mismatch: analytic {analytic.shape} vs numeric {numeric.shape}")
    denom = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return 0.0 if denom == 0 else float(np.linalg.norm(analytic - numeric) / denom)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function f() with respect to the array x.

    ``x`` is perturbed *in place* (so it may be a network's parameter view) and restored.
    Returns an array of x's shape.
    """
    if x.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 arrays, got {x.dtype}: rounding in "
                        "float32 swamps the O(h²) error. Build the network with dtype=np.float64.")
    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)  # views (x is contiguous or a view)
    if not np.shares_memory(flat_x, x):
        raise ValueError("x must be reshapeable to 1-D without a copy.")
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        f_plus = f()
        flat_x[i] = old - h
        f_minus = f()
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_vjp(f: Callable[[], np.ndarray], x: np.ndarray, grad_out: np.ndarray,
                  h: float = 1e-6) -> np.ndarray:
    """Vector–Jacobian product grad_outᵀ · ∂f/∂x by central differences, for array-valued f.

    This is exactly what a layer's ``backward(grad_out)`` must return for its input, so it checks
    a layer without writing a scalar loss: L = Σ grad_out ⊙ f(x).
    """
    return numerical_gradient(lambda: float(np.sum(grad_out * f())), x, h)


@dataclass
class CheckResult:
    """One gradient check: a name, the relative error and whether it is below the tolerance."""

    name: str
    error: float
    tolerance: float = TOLERANCE

    @property
    def passed(self) -> bool:
        return self.error < self.tolerance

    def __str__(self) -> str:
        mark = "PASS" if self.passed else "FAIL"
        return f"{mark}  {self.name:<44s} relative error {self.error:.1e}  (< {self.tolerance:.0e})"


def check_gradient(name: str, analytic: np.ndarray, f: Callable[[], float], x: np.ndarray,
                   h: float = 1e-6, tolerance: float = TOLERANCE) -> CheckResult:
    """Compare an analytic gradient of f() w.r.t. x with central differences."""
    return CheckResult(name, relative_error(analytic, numerical_gradient(f, x, h)), tolerance)
