"""Checkers for exercise notebook 01, backprop: a numerical gradient, then the backward passes of
Linear, ReLU and Tanh — each compared with the package's gradient-checked layers (``core.nn``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.gradcheck import numerical_gradient as _reference_numerical_gradient
from ..core.nn import Linear, ReLU, Tanh
from .checking import Checker, Message, is_close, run_checker

__all__ = ["check_linear_backward", "check_numerical_gradient", "check_relu_backward",
           "check_tanh_backward"]


def _finite_difference(f: Callable[[], float], x: np.ndarray, h: float, kind: str) -> np.ndarray:
    """Known wrong gradients (in place on x, restored), to recognise them in student answers.

    kind: "forward" (f(x+h) − f(x))/h; "half" (f(x+h) − f(x))/2h (no −h step); "rows" x[i] ± h
    over ``range(len(x))``, a whole row at a time; "first_len" only the first len(x) entries of
    the flat x."""
    grad = np.zeros_like(x)
    if kind == "rows":
        for i in range(len(x)):
            old = x[i].copy()
            x[i] = old + h
            f_plus = f()
            x[i] = old - h
            f_minus = f()
            x[i] = old
            grad[i] = (f_plus - f_minus) / (2 * h)
        return grad
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    f0 = f()
    for i in range(len(x) if kind == "first_len" else flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        f_plus = f()
        flat_x[i] = old - h if kind == "first_len" else old
        f_minus = f() if kind == "first_len" else f0
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (h if kind == "forward" else 2 * h)
    return grad


def _check_numerical_gradient(check: Checker, fn: Callable[..., Any]) -> None:
    rng = np.random.default_rng(0)
    theta = rng.uniform(-1.0, 1.0, 14)  # a "parameter vector"; x is a view into it, as in nets
    a_matrix = rng.normal(size=(4, 6))

    def f_exp() -> float:  # Σ exp(2x): curved enough that O(h) and O(h²) errors differ clearly
        return float(np.sum(np.exp(2.0 * x_matrix)))

    def f_sin() -> float:
        return float(np.sum(np.sin(a_matrix @ x_vector)) + x_vector @ x_vector)

    def f_view() -> float:
        return float(np.sum(theta**3) + theta[0] * theta[5])

    x_matrix = rng.uniform(-1.0, 1.0, (3, 4))
    x_vector = rng.normal(size=6)
    x_view = theta[2:8].reshape(2, 3)  # a view, like a layer's W inside net.theta
    cases = (("f(x) = Σ exp(2x) with x of shape (3, 4)", f_exp, x_matrix, 1e-2),
             ("f(x) = Σ sin(Ax) + x·x with x of shape (6,)", f_sin, x_vector, 1e-5),
             ("x = a (2, 3) view into a parameter vector", f_view, x_view, 1e-4))
    for name, f, x, h in cases:
        before = x.copy()
        expected = _reference_numerical_gradient(f, x, h)
        mistakes: list[tuple[np.ndarray, Message]] = [
            (_finite_difference(f, x, h, "forward"),
             ("that is the forward difference (f(x+h) − f(x))/h, accurate only to O(h).",
              "Use central differences (f(x+h) − f(x−h)) / 2h: error O(h²).")),
            (_finite_difference(f, x, h, "half"),
             ("the second evaluation saw x itself, not x − h: after x[i] += h, the second call "
              "of f() must see x[i] − h.", "Set x[i] = old − h before calling f() again.")),
            (2 * expected, "the central difference spans 2h, from x − h to x + h: you divided "
                           "by h."),
            (expected * h * h,
             ("every entry is h² times too small: `/ 2 * h` divides by 2, then *multiplies* by "
              "h (* and / go left to right).", "Write / (2 * h).")),
            (_finite_difference(f, x, h, "rows"),
             "with a 2-D x, x[i] for i in range(len(x)) is a whole row: you perturbed a row at "
             "a time, so each row got one number. Perturb one entry at a time (np.ndindex("
             "x.shape) gives every index, or loop over a flat view of x)."),
            (_finite_difference(f, x, h, "first_len"),
             "only the first len(x) entries were perturbed: len(x) counts the rows of x, not its "
             "entries (x.size)."),
            (np.zeros_like(x),
             "every entry is 0, so your perturbations never reached f(): you changed a copy of "
             "x (x.flatten() and x.copy() are copies, and so are x.reshape(-1) and x.ravel() of "
             "a non-contiguous array). Change x itself in place."),
            (np.full(x.shape, (_shift_all(f, x, h) - _shift_all(f, x, -h)) / (2 * h)),
             "every entry is the same number: perturb one entry at a time (x[i] ± h with the "
             "others fixed), not the whole array at once."),
            (_reference_numerical_gradient(f, x, 1e-5) if h != 1e-5 else expected,
             "this matches h = 1e-5, not the h the checker passed: use the h argument."),
        ]
        got = check.call(fn, f, x, h, inputs_may_change=True)  # restored: checked below
        check.true(bool(np.allclose(x, before, rtol=0.0, atol=1e-12)),
                   (f"for {name}, x was not restored: the caller's array (a network's "
                    "parameters) is left changed.",
                    "After perturbing x[i], put its old value back (old = x[i]; ...; "
                    "x[i] = old)."))
        x[...] = before  # so a failed restore cannot spoil the next comparison
        check.same(f"the gradient for {name}", got, expected, mistakes=mistakes,
                   shape_hints={(x.size,): "Return an array shaped like x."},
                   hint="Use central differences (f(x+h) − f(x−h)) / 2h for each entry x[i].")


def _shift_all(f: Callable[[], float], x: np.ndarray, h: float) -> float:
    """f() with every entry of x shifted by h (then restored)."""
    x += h
    value = f()
    x -= h
    return value


def check_numerical_gradient(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                            hint: bool = False) -> bool | None:
    """Check ``numerical_gradient(f, x, h) -> grad`` (central differences, x restored)."""
    return run_checker("numerical_gradient", _check_numerical_gradient, student_fn,
                       raise_on_fail, hint)


def _check_linear_backward(check: Checker, fn: Callable[..., Any]) -> None:
    for n, n_in, n_out, seed in ((5, 4, 3, 1), (7, 2, 6, 2)):
        rng = np.random.default_rng(seed)
        layer = Linear(n_in, n_out, rng)
        x, g = rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))
        layer.forward(x)
        grad_x = layer.backward(g)  # reference, itself checked against finite differences
        w = layer.W.copy()
        expected = (grad_x, layer.dW, layer.db)
        result = check.call(
            fn, g.copy(), x.copy(), w.copy(),
            hint=f"check the shapes: G {g.shape} = (N, out), x {x.shape} = (N, in), "
                 f"W {w.shape} = (in, out).",
            correct=lambda r, e=expected: _is_triple(r, e, order=(0, 1, 2)),
            other_orders=[("x, W, G", (x.copy(), w.copy(), g.copy())),
                          ("G, W, x", (g.copy(), w.copy(), x.copy()))],
            signature="G, x, W")
        if not (isinstance(result, tuple | list) and len(result) == 3):
            check.fail("return the three gradients as a tuple (grad_x, grad_W, grad_b).")
        for order in itertools.permutations(range(3)):
            if order != (0, 1, 2) and _is_triple(result, expected, order):
                check.fail("your three gradients are right but in the wrong order: return "
                           "them as (grad_x, grad_W, grad_b), the order of the docstring.")
        got_x, got_w, got_b = result
        check.same("grad_x", got_x, grad_x, n=n,
                   mistakes=[(g @ w.T / n, "a layer's backward has no 1/N: the mean over the "
                                           "batch belongs to the loss (L13), not to the layer.")],
                   hint="∂L/∂x = G Wᵀ, shape (N, in).")
        check.same("grad_W", got_w, layer.dW, n=n,
                   mistakes=[(x.T @ g / n, "∂L/∂W sums over the batch; a layer's backward has "
                                           "no 1/N (the loss has it)."),
                             (g.T @ x, "∂L/∂W must have W's shape (in, out); yours is its "
                                       "transpose.")],
                   hint="∂L/∂W = xᵀ G, shape (in, out) like W.")
        check.same("grad_b", got_b, layer.db, n=n,
                   mistakes=[(g.mean(axis=0), "b is added to every row, so ∂L/∂b is a sum over "
                                              "the batch, not a mean.")],
                   shape_hints={(n, n_out): "b is added to every row of the batch, so its "
                                            "gradient sums G over the batch axis.",
                                (n,): "Sum over the batch axis (axis=0), not over the features."},
                   hint="∂L/∂b = Σ_n G_n = G.sum(axis=0), shape (out,).")


def _is_triple(result: Any, expected: tuple[np.ndarray, ...], order: tuple[int, ...]) -> bool:
    """Whether ``result[order[k]]`` equals ``expected[k]`` for k = 0, 1, 2."""
    if not (isinstance(result, tuple | list) and len(result) == 3):
        return False
    try:
        return all(is_close(np.asarray(result[i], dtype=float), e)
                   for i, e in zip(order, expected))
    except (TypeError, ValueError):  # not arrays of numbers: not this triple
        return False


def check_linear_backward(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                          hint: bool = False) -> bool | None:
    """Check ``linear_backward(G, x, W) -> (grad_x, grad_W, grad_b)``, G = ∂L/∂y."""
    return run_checker("linear_backward", _check_linear_backward, student_fn, raise_on_fail,
                       hint)


def _check_relu_backward(check: Checker, fn: Callable[..., Any]) -> None:
    for seed, shape in ((3, (4, 5)), (4, (6, 2))):
        rng = np.random.default_rng(seed)
        x, g = rng.normal(size=shape), rng.normal(size=shape)
        relu = ReLU()
        relu.forward(x)
        expected = relu.backward(g)
        g_in, x_in = g.copy(), x.copy()
        got = check.call(fn, g_in, x_in,
                         correct=lambda r, e=expected: is_close(np.asarray(r, dtype=float), e),
                         other_orders=[("x, G", (x.copy(), g.copy()))], signature="G, x",
                         inputs_may_change=True)  # checked below, with its own message
        check.true(np.array_equal(x_in, x) and np.array_equal(g_in, g),
                   ("your function changed its input arrays in place (e.g. G[x <= 0] = 0): the "
                    "caller may still need them. Return a new array.",
                    "G * (x > 0) makes one."))
        check.same("grad_x", got, expected, mistakes=[
            ((x > 0).astype(float), "that is only ∂y/∂x = 1[x > 0]; the chain rule multiplies "
                                    "it by the incoming gradient G."),
            (g * x, "multiply G by the 0/1 indicator 1[x > 0], not by x."),
            (g * np.maximum(x, 0), "multiply G by the 0/1 indicator 1[x > 0], not by relu(x)."),
            (g * (g > 0), "the mask comes from the forward input x (where x > 0), not from the "
                          "sign of G."),
            (g, "the gradient passed through unchanged: zero it where x <= 0."),
            (g * (x < 0), "the mask is inverted: the gradient flows where x > 0."),
        ], hint="∂L/∂x = G ⊙ 1[x > 0]: G * (x > 0).")


def check_relu_backward(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                        hint: bool = False) -> bool | None:
    """Check ``relu_backward(G, x) -> grad_x`` (x: the forward input, G = ∂L/∂y)."""
    return run_checker("relu_backward", _check_relu_backward, student_fn, raise_on_fail, hint)


def _check_tanh_backward(check: Checker, fn: Callable[..., Any]) -> None:
    for seed, shape in ((5, (4, 5)), (6, (3, 2))):
        rng = np.random.default_rng(seed)
        x, g = rng.normal(scale=1.5, size=shape), rng.normal(size=shape)
        tanh = Tanh()
        y = tanh.forward(x)
        expected = tanh.backward(g)
        got = check.call(fn, g.copy(), y.copy(),
                         correct=lambda r, e=expected: is_close(np.asarray(r, dtype=float), e),
                         other_orders=[("y, G", (y.copy(), g.copy()))], signature="G, y")
        check.same("grad_x", got, expected, mistakes=[
            (g * (1 - np.tanh(y) ** 2), "y is already tanh(x): do not apply tanh to y again."),
            (g * (1 - y), "the derivative of tanh has y squared; yours is linear in y."),
            (g * (1 - y) ** 2, "(1 − y)² is not 1 − y²: square y, then subtract from 1."),
            (g * (1 + y**2), "the sign is wrong: tanh′ = 1 − tanh² (1 + tan² is the derivative "
                             "of tan)."),
            (1 - y**2, "that is only ∂y/∂x; the chain rule multiplies it by the incoming "
                       "gradient G."),
            (g * y, "the derivative of tanh is not y: write d tanh(x)/dx in terms of y."),
        ], hint="∂L/∂x = G ⊙ (1 − y²) with y = tanh(x).")


def check_tanh_backward(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                        hint: bool = False) -> bool | None:
    """Check ``tanh_backward(G, y) -> grad_x`` (y = tanh(x), the forward output; G = ∂L/∂y)."""
    return run_checker("tanh_backward", _check_tanh_backward, student_fn, raise_on_fail, hint)
