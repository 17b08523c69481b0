"""Checkers for the classroom exercises in ``notebooks/exercises/``: one ``check_<exercise>`` each.

A checker runs the student's function on cases whose answer is known — the package's own
gradient-checked implementation, finite differences, small hand-worked examples — and says *what*
is wrong: (N, 1) and (N,) broadcasting into an (N, N) loss, a flipped sign, a missing
(1 − terminated), a gradient off by the batch size N, τ applied the wrong way round, ...

Every checker behaves the same way::

    check_bellman_target(bellman_target)                        # in a notebook
    check_bellman_target(bellman_target, raise_on_fail=False)   # in a script or grading loop

* correct: prints ``✔ <exercise>: all N checks passed`` and returns True;
* wrong, ``raise_on_fail=True`` (the default, for notebooks): raises :class:`ExerciseFailed`, an
  AssertionError whose message is the ``✘ <exercise>: <what is wrong, how to fix it>`` feedback.
  "Run all" then stops at the first unsolved exercise, and nbgrader's autograder gives that test
  cell zero points;
* not written yet (the function still raises NotImplementedError): raises
  :class:`ExerciseNotDone` (a kind of ExerciseFailed) saying so;
* ``raise_on_fail=False``: prints the ``✘`` line and returns False instead of raising.

In Jupyter the error shows only the feedback — preceded by the traceback of the student's own
code when that code crashed — and none of the checker's internals.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any, NoReturn

import numpy as np

from ..core.agent import soft_update as _reference_soft_update
from ..core.gradcheck import numerical_gradient as _reference_numerical_gradient
from ..core.gradcheck import relative_error
from ..core.networks import Actor, Critic
from ..core.nn import Linear, ReLU, Tanh
from ..core.noise import OrnsteinUhlenbeckNoise
from ..core.replay import Batch, ReplayBuffer

TOLERANCE = 1e-7  # relative error under which an answer equals the reference (float64 rounding)
MISTAKE_TOLERANCE = 1e-6  # ... and under which it equals a known wrong answer

__all__ = [
    "ExerciseFailed", "ExerciseNotDone", "CHECKERS", "check_all",
    "check_numerical_gradient", "check_linear_backward", "check_relu_backward",
    "check_tanh_backward", "check_bellman_target", "check_critic_loss_and_grad",
    "check_critic_action_gradient", "check_actor_gradient", "check_soft_update",
    "check_ou_step", "check_sample_batch",
]


class ExerciseFailed(AssertionError):
    """A checker found a wrong answer; the message says what is wrong and how to fix it."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback (IPython's protocol for custom errors): the
        feedback line, after the traceback of the student's code if that code raised."""
        lines: list[str] = []
        cause = self.__cause__
        if cause is not None:
            lines += ["Your function raised an error (its traceback first, then the feedback):"]
            lines += _student_traceback(cause)
        return lines + [f"{type(self).__name__}: {self}"]


class ExerciseNotDone(ExerciseFailed):
    """The student's function still raises NotImplementedError."""


def _student_traceback(err: BaseException) -> list[str]:
    """The traceback of an error raised inside the student's function, without the checker's
    frame that called it (IPython's colour formatting when available, else plain Python's)."""
    tb = err.__traceback__.tb_next if err.__traceback__ is not None else None
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.InteractiveTB.structured_traceback(type(err), err, tb)
    except Exception:  # any trouble formatting: fall back to plain Python's traceback
        pass
    return [line.rstrip("\n") for line in traceback.format_exception(type(err), err, tb)]


class _Checker:
    """Runs one exercise's cases, counts the checks that pass, raises on the first that fails."""

    def __init__(self, exercise: str) -> None:
        self.exercise = exercise
        self.count = 0

    def fail(self, message: str, cause: BaseException | None = None) -> NoReturn:
        raise ExerciseFailed(f"✘ {self.exercise}: {message}") from cause

    def passed(self) -> None:
        self.count += 1

    def call(self, fn: Callable[..., Any], *args: Any, hint: str = "") -> Any:
        """The student's function on ``args``; NotImplementedError and crashes become feedback."""
        try:
            return fn(*args)
        except NotImplementedError:
            raise ExerciseNotDone(
                f"✘ {self.exercise}: not implemented yet — replace `raise NotImplementedError()` "
                f"under `# YOUR CODE HERE` in the cell defining {self.exercise} with your code, "
                "run that cell, then run this check again.") from None
        except Exception as err:  # any crash in the student's code becomes feedback
            self.fail(f"your function raised {type(err).__name__}: {err}"
                      + (f" — {hint}" if hint else ""), cause=err)

    def true(self, condition: bool, message: str) -> None:
        if not condition:
            self.fail(message)
        self.passed()

    def array(self, what: str, value: Any) -> np.ndarray:
        if value is None:
            self.fail(f"{what} is None — did you forget to `return` it?")
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            self.fail(f"{what} should be a NumPy array of numbers, got {type(value).__name__}.")
        return arr

    def shape(self, what: str, arr: np.ndarray, expected: tuple[int, ...], n: int | None = None,
              hints: dict[tuple[int, ...], str] | None = None) -> None:
        """Fail with a specific explanation when ``arr`` does not have the ``expected`` shape."""
        if arr.shape != expected:
            hint = (hints or {}).get(arr.shape) or _shape_hint(arr.shape, expected, n)
            self.fail(f"{what} has shape {arr.shape}, expected {expected}. {hint}".rstrip())

    def same(self, what: str, value: Any, expected: np.ndarray | float, *,
             mistakes: Sequence[tuple[np.ndarray | float, str]] = (), n: int | None = None,
             shape_hints: dict[tuple[int, ...], str] | None = None, hint: str = "",
             show: bool = False) -> np.ndarray:
        """Pass if ``value`` equals ``expected`` (relative error < TOLERANCE); otherwise fail
        with the most specific diagnosis: a known mistake from ``mistakes`` (matched on this
        very input), a wrong shape, a flipped sign, a factor N = batch size, or the numbers.

        ``show=True`` prints small expected/got arrays in the message (hand-worked cases).
        """
        expected = np.asarray(expected, dtype=float)
        arr = self.array(what, value)
        for wrong, message in mistakes:  # a known mistake can also have its own (wrong) shape
            wrong = np.asarray(wrong, dtype=float)
            if wrong.shape == arr.shape != expected.shape and _close(arr, wrong):
                self.fail(f"{what} has shape {arr.shape}, expected {expected.shape}: {message}")
        self.shape(what, arr, expected.shape, n, shape_hints)
        if not np.all(np.isfinite(arr)):
            self.fail(f"{what} contains NaN or inf.")
        if relative_error(arr, expected) < TOLERANCE:
            self.passed()
            return arr
        numbers = f" (expected {_fmt(expected)}, got {_fmt(arr)})" if show else ""
        for wrong, message in mistakes:
            wrong = np.asarray(wrong, dtype=float)
            if wrong.shape == arr.shape and _close(arr, wrong) and not _close(wrong, expected):
                self.fail(f"{what} is wrong{numbers}: {message}")
        for factor, name, meaning in _factors(n):
            if _close(arr, factor * expected):
                self.fail(f"{what} is {name} the correct value{numbers}: {meaning}"
                          + (f" {hint}" if hint else ""))
        err = relative_error(arr, expected)
        if show or arr.ndim == 0:
            detail = numbers
        else:
            i = np.unravel_index(np.argmax(np.abs(arr - expected)), arr.shape)
            detail = (f" (relative error {err:.1e}; e.g. at index {tuple(int(k) for k in i)} "
                      f"expected {expected[i]:.6g}, got {arr[i]:.6g})")
        close = " It is close but not equal: look for an approximation or a constant." \
            if err < 1e-3 else ""
        self.fail(f"{what} does not match the reference{detail}.{close}"
                  + (f" {hint}" if hint else ""))


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and relative_error(a, b) < MISTAKE_TOLERANCE


def _fmt(arr: np.ndarray | float) -> str:
    """Small arrays on one line, e.g. [[0.6667], [0], [-0.6667]]."""
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return f"{float(arr):.4g}"
    return "[" + ", ".join(_fmt(a) for a in arr) + "]"


def _factors(n: int | None) -> list[tuple[float, str, str]]:
    """Generic wrong answers: value = factor × correct value, with what that usually means."""
    table = [(-1.0, "−1 ×", "the sign is flipped.")]
    if n is not None and n > 2:
        table += [(float(n), f"N = {n} (the batch size) ×",
                   "a 1/N is missing — a mean over the batch, not a sum?"),
                  (1.0 / n, f"1/N = 1/{n} ×",
                   "there is a 1/N too many — a sum over the batch, not a mean?")]
    table += [(2.0, "2 ×", "check the constant factors."), (0.5, "½ ×", "a factor 2 is missing.")]
    return table


def _shape_hint(got: tuple[int, ...], expected: tuple[int, ...], n: int | None) -> str:
    """Why an array most likely came out with the wrong shape."""
    if n is not None and got == (n, n) and expected in ((n,), (n, 1)):
        return ("An (N, 1) array and an (N,) array broadcast into an (N, N) matrix — the classic "
                "silent DDPG bug. Make both (N,) (q[:, 0]) or both (N, 1) (y[:, None]) first.")
    if len(got) == 2 and got == expected[::-1]:
        return "It looks transposed."
    if got == expected + (1,):
        return "Drop the trailing axis (x[:, 0] or x.reshape(-1))."
    if expected == got + (1,):
        return "Keep the trailing axis of length 1 (x[:, None])."
    if n is not None and expected[:1] == (n,) and got == expected[1:]:
        return ("The batch axis is missing: return one row per sample (do not sum or average "
                "over axis 0).")
    if n is not None and got == (n,) + expected:
        return "There is an extra batch axis: sum over the samples (axis=0)."
    return ""


def _run(exercise: str, body: Callable[[_Checker, Callable[..., Any]], None],
         student_fn: Callable[..., Any], raise_on_fail: bool) -> bool:
    if not callable(student_fn):
        raise TypeError(f"check_{exercise} expects your function itself, e.g. "
                        f"check_{exercise}({exercise}), got {type(student_fn).__name__}.")
    check = _Checker(exercise)
    try:
        body(check, student_fn)
    except ExerciseFailed as failure:
        if raise_on_fail:
            # The message is the feedback: drop the checker's frames, keep the student's error.
            raise failure.with_traceback(None) from failure.__cause__
        print(failure)
        return False
    print(f"✔ {exercise}: all {check.count} checks passed")
    return True


# --- 01 backprop: numerical gradient, Linear, ReLU, Tanh --------------------------------------

def _finite_difference(f: Callable[[], float], x: np.ndarray, h: float, kind: str) -> np.ndarray:
    """Known wrong gradients (in place on x, restored), to recognise them in student answers."""
    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    f0 = f()
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        f_plus = f()
        flat_x[i] = old
        flat_g[i] = (f_plus - f0) / (h if kind == "forward" else 2 * h)  # "half": no −h step
    return grad


def _check_numerical_gradient(check: _Checker, fn: Callable[..., Any]) -> None:
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
        mistakes = [
            (_finite_difference(f, x, h, "forward"),
             "that is the forward difference (f(x+h) − f(x))/h, accurate only to O(h). Use "
             "central differences (f(x+h) − f(x−h)) / 2h: error O(h²)."),
            (_finite_difference(f, x, h, "half"),
             "the second evaluation saw x itself, not x − h: after x[i] += h, step to x[i] − h "
             "(subtract 2h, or set x[i] = old − h) before calling f() again."),
            (2 * expected, "divide the central difference by 2h, not by h."),
            (np.zeros_like(x),
             "every entry is 0, so your perturbations never reached f(): change x itself in "
             "place (x.reshape(-1) and x.flat are views; x.flatten() and x.copy() are copies)."),
            (np.full(x.shape, (_shift_all(f, x, h) - _shift_all(f, x, -h)) / (2 * h)),
             "every entry is the same number: perturb one entry at a time (x[i] ± h with the "
             "others fixed), not the whole array at once."),
            (_reference_numerical_gradient(f, x, 1e-5) if h != 1e-5 else expected,
             "this matches h = 1e-5, not the h the checker passed: use the h argument."),
        ]
        got = check.call(fn, f, x, h)
        check.true(bool(np.allclose(x, before, rtol=0.0, atol=1e-12)),
                   f"for {name}, x was not restored: after perturbing x[i], put its old value "
                   "back (old = x[i]; ...; x[i] = old), otherwise the caller's array (a "
                   "network's parameters) is left changed.")
        x[...] = before  # so a failed restore cannot spoil the next comparison
        check.same(f"the gradient for {name}", got, expected, mistakes=mistakes,
                   shape_hints={(x.size,): "Return an array shaped like x (np.zeros_like(x))."},
                   hint="Use central differences (f(x+h) − f(x−h)) / 2h for each entry x[i].")


def _shift_all(f: Callable[[], float], x: np.ndarray, h: float) -> float:
    """f() with every entry of x shifted by h (then restored)."""
    x += h
    value = f()
    x -= h
    return value


def check_numerical_gradient(student_fn: Callable[..., Any], raise_on_fail: bool = True) -> bool:
    """Check ``numerical_gradient(f, x, h) -> grad`` (central differences, x restored)."""
    return _run("numerical_gradient", _check_numerical_gradient, student_fn, raise_on_fail)


def _check_linear_backward(check: _Checker, fn: Callable[..., Any]) -> None:
    for n, n_in, n_out, seed in ((5, 4, 3, 1), (7, 2, 6, 2)):
        rng = np.random.default_rng(seed)
        layer = Linear(n_in, n_out, rng)
        x, g = rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))
        layer.forward(x)
        grad_x = layer.backward(g)  # reference, itself checked against finite differences
        w = layer.W.copy()
        result = check.call(fn, x.copy(), w.copy(), g.copy(),
                            hint=f"check the shapes: x {x.shape} = (N, in), W {w.shape} = "
                                 f"(in, out), grad_out {g.shape} = (N, out); ∂L/∂x = ∂L/∂y Wᵀ.")
        if not (isinstance(result, tuple | list) and len(result) == 3):
            check.fail("return the three gradients as a tuple (grad_x, grad_W, grad_b).")
        got_x, got_w, got_b = result
        check.same("grad_x", got_x, grad_x, n=n,
                   mistakes=[(g @ w.T / n, "a layer's backward has no 1/N: the mean over the "
                                           "batch belongs to the loss (L13), not to the layer.")],
                   hint="∂L/∂x = ∂L/∂y · Wᵀ, shape (N, in).")
        check.same("grad_W", got_w, layer.dW, n=n,
                   mistakes=[(x.T @ g / n, "∂L/∂W = xᵀ ∂L/∂y sums over the batch; a layer's "
                                           "backward has no 1/N (the loss has it)."),
                             (g.T @ x, "∂L/∂W must have W's shape (in, out): xᵀ ∂L/∂y, not "
                                       "∂L/∂yᵀ x.")],
                   hint="∂L/∂W = xᵀ · ∂L/∂y, shape (in, out) like W.")
        check.same("grad_b", got_b, layer.db, n=n,
                   mistakes=[(g.mean(axis=0), "b is added to every row, so ∂L/∂b = Σ_n ∂L/∂y_n "
                                              "is a sum over the batch, not a mean.")],
                   shape_hints={(n, n_out): "b is added to every row of the batch, so its "
                                            "gradient sums ∂L/∂y over the batch: "
                                            "grad_out.sum(axis=0).",
                                (n,): "Sum over the batch axis (axis=0), not over the features."},
                   hint="∂L/∂b = Σ_n ∂L/∂y_n = grad_out.sum(axis=0), shape (out,).")


def check_linear_backward(student_fn: Callable[..., Any], raise_on_fail: bool = True) -> bool:
    """Check ``linear_backward(x, W, grad_out) -> (grad_x, grad_W, grad_b)``."""
    return _run("linear_backward", _check_linear_backward, student_fn, raise_on_fail)


def _check_relu_backward(check: _Checker, fn: Callable[..., Any]) -> None:
    for seed, shape in ((3, (4, 5)), (4, (6, 2))):
        rng = np.random.default_rng(seed)
        x, g = rng.normal(size=shape), rng.normal(size=shape)
        relu = ReLU()
        relu.forward(x)
        expected = relu.backward(g)
        x_in, g_in = x.copy(), g.copy()
        got = check.call(fn, x_in, g_in)
        check.true(np.array_equal(x_in, x) and np.array_equal(g_in, g),
                   "your function changed its input arrays in place (e.g. grad_out[x <= 0] = 0): "
                   "the caller may still need them. Return a new array: grad_out * (x > 0).")
        check.same("grad_x", got, expected, mistakes=[
            ((x > 0).astype(float), "that is only ∂y/∂x = 1[x > 0]; the chain rule multiplies "
                                    "it by the incoming gradient: grad_out * (x > 0)."),
            (g * x, "multiply grad_out by the 0/1 indicator 1[x > 0], not by x."),
            (g * np.maximum(x, 0), "multiply grad_out by the 0/1 indicator 1[x > 0], not by "
                                   "relu(x)."),
            (g * (g > 0), "the mask comes from the forward input x (where x > 0), not from the "
                          "sign of grad_out."),
            (g, "the gradient passed through unchanged: zero it where x <= 0."),
            (g * (x < 0), "the mask is inverted: the gradient flows where x > 0."),
        ], hint="∂L/∂x = ∂L/∂y · 1[x > 0].")


def check_relu_backward(student_fn: Callable[..., Any], raise_on_fail: bool = True) -> bool:
    """Check ``relu_backward(x, grad_out) -> grad_x``."""
    return _run("relu_backward", _check_relu_backward, student_fn, raise_on_fail)


def _check_tanh_backward(check: _Checker, fn: Callable[..., Any]) -> None:
    for seed, shape in ((5, (4, 5)), (6, (3, 2))):
        rng = np.random.default_rng(seed)
        x, g = rng.normal(scale=1.5, size=shape), rng.normal(size=shape)
        tanh = Tanh()
        y = tanh.forward(x)
        expected = tanh.backward(g)
        got = check.call(fn, y.copy(), g.copy())
        check.same("grad_x", got, expected, mistakes=[
            (g * (1 - np.tanh(y) ** 2), "y is already tanh(x): the derivative is 1 − y², do not "
                                        "apply tanh to y again."),
            (g * (1 - y), "the derivative of tanh is 1 − y² (squared), not 1 − y."),
            (g * (1 - y) ** 2, "(1 − y)² is not 1 − y²: square y, then subtract from 1."),
            (1 - y**2, "that is only ∂y/∂x = 1 − y²; the chain rule multiplies it by the "
                       "incoming gradient grad_out."),
            (g * y, "the derivative of tanh is 1 − y², not y."),
        ], hint="∂L/∂x = ∂L/∂y · (1 − y²) with y = tanh(x).")


def check_tanh_backward(student_fn: Callable[..., Any], raise_on_fail: bool = True) -> bool:
    """Check ``tanh_backward(y, grad_out) -> grad_x`` (y = tanh(x), the forward output)."""
    return _run("tanh_backward", _check_tanh_backward, student_fn, raise_on_fail)


# --- 02 critic: Bellman target, critic loss and gradient, ∇_a Q ------------------------------

def _check_bellman_target(check: _Checker, fn: Callable[..., Any]) -> None:
    rng = np.random.default_rng(7)
    n = 8
    terminated = (np.arange(n) % 3 == 1).astype(float)  # a mix of terminal and non-terminal
    cases = (  # (name, rewards, terminated, next_q, gamma); the first is worked by hand
        ("the hand-worked case r = [1, -0.5, 2], terminated = [0, 1, 0], "
         "Q′ = [10, 10, -4], γ = 0.9", np.array([1.0, -0.5, 2.0]), np.array([0.0, 1.0, 0.0]),
         np.array([10.0, 10.0, -4.0]), 0.9),
        ("a random batch of 8 with γ = 0.99", rng.normal(size=n), terminated,
         rng.normal(size=n), 0.99),
    )
    for name, r, d, next_q, gamma in cases:
        expected = r + gamma * (1.0 - d) * next_q  # L12, as in DDPG.update
        got = check.call(fn, r.copy(), d.copy(), next_q.copy(), gamma,
                         hint="terminated is a float array of 0.0/1.0: use (1.0 - terminated), "
                              "not `not terminated` or ~terminated.")
        check.same(f"y for {name}", got, expected, n=len(r), show=len(r) <= 3, mistakes=[
            (r + gamma * next_q, "terminal transitions (terminated = 1) must not bootstrap — "
                                 "there is no future after a true terminal state. Multiply "
                                 "γQ′ by (1 − terminated)."),
            (r + gamma * d * next_q, "you bootstrapped only the terminal transitions: the factor "
                                     "is (1 − terminated), not terminated."),
            (r + (1.0 - d) * next_q, "the future value is not discounted: multiply it by γ."),
            (gamma * (r + (1.0 - d) * next_q), "γ discounts only the future value Q′; the "
                                               "reward r_i is received now."),
            ((1.0 - d) * (r + gamma * next_q), "the last reward of a terminal transition still "
                                               "counts: (1 − terminated) multiplies only γQ′."),
            (r - gamma * (1.0 - d) * next_q, "the discounted future value is added to r, not "
                                             "subtracted."),
        ], hint="y_i = r_i + γ (1 − terminated_i) Q′_i.")


def check_bellman_target(student_fn: Callable[..., Any], raise_on_fail: bool = True) -> bool:
    """Check ``bellman_target(rewards, terminated, next_q, gamma) -> y`` (L12)."""
    return _run("bellman_target", _check_bellman_target, student_fn, raise_on_fail)


def _check_critic_loss_and_grad(check: _Checker, fn: Callable[..., Any]) -> None:
    rng = np.random.default_rng(8)
    cases = (("the hand-worked case q = [[1], [2], [0]], y = [0, 2, 1]",
              np.array([[1.0], [2.0], [0.0]]), np.array([0.0, 2.0, 1.0])),
             ("a random batch of 8", rng.normal(size=(8, 1)), rng.normal(size=8)))
    for name, q, y in cases:
        n = len(y)
        td = q[:, 0] - y
        loss, grad = float(np.mean(td**2)), (2.0 * td / n)[:, None]  # L13, as in DDPG.update
        result = check.call(fn, q.copy(), y.copy())
        if not (isinstance(result, tuple | list) and len(result) == 2):
            check.fail("return two things: (loss, dL_dq).")
        got_loss, got_grad = result
        broadcast = q - y  # (N, 1) − (N,) -> (N, N): the classic silent bug
        check.same(f"the loss for {name}", got_loss, loss, n=n, show=n <= 3, mistakes=[
            (np.mean(broadcast**2), "q has shape (N, 1) and y (N,): q − y broadcasts into an "
                                    "(N, N) matrix, and its mean is a different number — the "
                                    "classic silent DDPG bug. Use q[:, 0] − y."),
            (np.sum(td**2), "L is the mean over the batch, (1/N) Σ_i, not the sum."),
        ], shape_hints={(n,): "The loss is one number: the mean over the batch.",
                        (n, 1): "The loss is one number: the mean over the batch."},
           hint="L = (1/N) Σ_i (y_i − Q_i)².")
        check.same(f"dL_dq for {name}", got_grad, grad, n=n, show=n <= 3, mistakes=[
            (2.0 * td[:, None], "L is a mean, so each ∂L/∂Q_i carries a 1/N: 2(Q_i − y_i)/N."),
            (td[:, None] / n, "d/dQ (Q − y)² = 2(Q − y): the factor 2 is missing."),
            (2.0 * (y[:, None] - q) / n, "the sign is flipped: ∂L/∂Q_i = 2(Q_i − y_i)/N, so "
                                         "gradient descent moves Q toward y."),
            (2.0 * broadcast / n, "q has shape (N, 1) and y (N,): q − y broadcasts into an "
                                  "(N, N) matrix. Compute q[:, 0] − y, then reshape."),
        ], shape_hints={(n,): "The gradient has the shape of what it is the gradient of: q is "
                              "(N, 1), so dL_dq is (N, 1) too (add [:, None])."},
           hint="∂L/∂Q_i = 2(Q_i − y_i)/N, shape (N, 1) like q.")


def check_critic_loss_and_grad(student_fn: Callable[..., Any],
                               raise_on_fail: bool = True) -> bool:
    """Check ``critic_loss_and_grad(q, y) -> (loss, dL_dq)`` with q (N, 1), y (N,) (L13)."""
    return _run("critic_loss_and_grad", _check_critic_loss_and_grad, student_fn, raise_on_fail)


_PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def _manual_action_gradient(obs: np.ndarray, actions: np.ndarray, p: dict[str, np.ndarray],
                            rows: slice, mask: bool = True) -> np.ndarray:
    """∇_a Q through the paper's critic by hand, with two knobs that reproduce known mistakes."""
    h1 = np.maximum(obs @ p["W1"] + p["b1"], 0.0)
    z2 = np.concatenate([h1, actions], axis=1) @ p["W2"] + p["b2"]
    dq_dz2 = p["W3"][:, 0] * ((z2 > 0) if mask else np.ones_like(z2))  # (N, H2)
    return dq_dz2 @ p["W2"][rows].T


def _check_critic_action_gradient(check: _Checker, fn: Callable[..., Any]) -> None:
    for seed, obs_dim, act_dim, hidden, n in ((9, 3, 2, (6, 5), 4), (10, 4, 1, (7, 3), 5)):
        rng = np.random.default_rng(seed)
        critic = Critic(obs_dim, act_dim, rng, hidden=hidden)
        critic.theta[...] = rng.uniform(-0.7, 0.7, critic.theta.shape)  # leave the tiny init
        params = {name: p.copy() for name, p in zip(_PARAM_NAMES, critic.params())}
        obs, actions = rng.normal(size=(n, obs_dim)), rng.uniform(-1, 1, (n, act_dim))
        _, expected = critic.action_gradient(obs, actions)  # reference (gradient-checked)
        h1 = hidden[0]
        got = check.call(fn, obs.copy(), actions.copy(), {k: v.copy() for k, v in params.items()},
                         hint=f"shapes here: obs {obs.shape}, actions {actions.shape}, "
                              f"W1 {params['W1'].shape}, W2 {params['W2'].shape} (its input is "
                              f"[h1; a]), W3 {params['W3'].shape}.")
        check.same("∇_a Q", got, expected, n=n, mistakes=[
            (_manual_action_gradient(obs, actions, params, slice(0, act_dim)),
             f"you used the first act_dim rows of W2, which multiply h1. Layer 2's input is "
             f"[h1; a] with h1 first, so the action's rows are the last ones: W2[{h1}:]."),
            (_manual_action_gradient(obs, actions, params, slice(h1, None), mask=False),
             "backpropagate through the second ReLU too: multiply by 1[z2 > 0]."),
            (expected / n, "∇_a Q is per sample: each Q_i depends only on its own a_i, so there "
                           "is no 1/N here (the 1/N belongs to the actor's objective J, L14)."),
            (-expected, "this is ∇_a Q itself; the minus sign of the actor's loss −J comes "
                        "later (L14)."),
        ], shape_hints={(act_dim,): "Return one row per sample, shape (N, act_dim): do not "
                                    "sum or average over the batch.",
                        (n, h1 + act_dim): f"That is ∂Q/∂[h1; a] for the whole input of layer "
                                           f"2; keep only the action's columns [:, {h1}:]."},
           hint="Backprop ∂Q/∂Q = 1: through W3, the ReLU mask 1[z2 > 0], then the action's "
                "rows of W2.")


def check_critic_action_gradient(student_fn: Callable[..., Any],
                                 raise_on_fail: bool = True) -> bool:
    """Check ``critic_action_gradient(obs, actions, params) -> dq_da`` (N, act_dim)."""
    return _run("critic_action_gradient", _check_critic_action_gradient, student_fn,
                raise_on_fail)


# --- 03 actor and targets: ∇_a Q · ∇_θ μ, soft update ----------------------------------------

def _reference_actor_gradient(actor: Actor, critic: Critic, obs: np.ndarray,
                              at: np.ndarray | None = None, average: bool = False) -> np.ndarray:
    """∂(−J)/∂θ^μ as in DDPG.update (L14); ``at`` and ``average`` reproduce known mistakes."""
    actor, critic = actor.copy(), critic.copy()
    mu = actor(obs)
    _, dq_da = critic.action_gradient(obs, mu if at is None else at)
    if average:
        dq_da = np.broadcast_to(dq_da.mean(axis=0), dq_da.shape)
    actor.forward(obs)
    actor.backward(-dq_da / len(obs))
    return actor.grad.copy()


def _check_actor_gradient(check: _Checker, fn: Callable[..., Any]) -> None:
    for seed, obs_dim, act_dim, n in ((11, 3, 2, 6), (12, 4, 1, 5)):
        rng = np.random.default_rng(seed)
        low, high = np.array([-1.0, 0.0][:act_dim]), np.array([2.0, 0.5][:act_dim])
        actor = Actor(obs_dim, act_dim, low, high, rng, hidden=(8, 7))
        actor.theta[...] = rng.uniform(-0.8, 0.8, actor.theta.shape)  # tanh not linear
        critic = Critic(obs_dim, act_dim, rng, hidden=(8, 6))
        critic.theta[...] = rng.uniform(-0.5, 0.5, critic.theta.shape)
        batch = Batch(rng.normal(size=(n, obs_dim)), rng.uniform(low, high, (n, act_dim)),
                      rng.normal(size=n), rng.normal(size=(n, obs_dim)), np.zeros(n))
        expected = _reference_actor_gradient(actor, critic, batch.obs)
        student_actor, student_critic = actor.copy(), critic.copy()
        got = check.call(fn, student_actor, student_critic, Batch(*(b.copy() for b in batch)),
                         hint="compute μ(s) = actor(batch.obs) first: actor.backward needs the "
                              "cache of that forward pass.")
        if isinstance(got, list | tuple):
            check.fail("return the flat gradient actor.grad (shape (P,)), not a list per layer.")
        check.true(np.array_equal(student_actor.theta, actor.theta)
                   and np.array_equal(student_critic.theta, critic.theta),
                   "your function changed θ^μ or θ^Q: it should only compute the gradient "
                   "(the optimizer takes the step afterwards).")
        check.same("∂(−J)/∂θ^μ", got, expected, n=n, mistakes=[
            (-expected, "that is ∇J; Adam minimises, so return the gradient of −J: "
                        "backpropagate −∇_a Q / N."),
            (n * expected, "J is the mean of Q(s_i, μ(s_i)) over the N samples: divide ∇_a Q "
                           "by N before backpropagating it."),
            (expected / n, "you divided by N twice."),
            (_reference_actor_gradient(actor, critic, batch.obs, at=batch.actions),
             "∇_a Q must be taken at the actor's own actions a = μ(s_i), not at the replay "
             "buffer's actions a_i: the actor improves where it acts now."),
            (_reference_actor_gradient(actor, critic, batch.obs, average=True),
             "each sample's ∇_a Q(s_i, μ(s_i)) multiplies its own ∇_θμ μ(s_i): do not average "
             "∇_a Q over the batch before the backward pass."),
        ], shape_hints={(n, act_dim): "That is ∇_a Q; backpropagate −∇_a Q / N through the "
                                      "actor (actor.backward) and return actor.grad, shape (P,)."},
           hint="−∇_θμ J = actor.backward(−∇_a Q(s, μ(s)) / N), then actor.grad.")


def check_actor_gradient(student_fn: Callable[..., Any], raise_on_fail: bool = True) -> bool:
    """Check ``actor_gradient(actor, critic, batch) -> ∂(−J)/∂θ^μ`` (P,) (L14)."""
    return _run("actor_gradient", _check_actor_gradient, student_fn, raise_on_fail)


def _check_soft_update(check: _Checker, fn: Callable[..., Any]) -> None:
    rng = np.random.default_rng(13)
    storage = rng.normal(size=(3, 12))  # stacked targets; a (3, 5) slice is a non-contiguous view
    cases = (("a (7,) parameter vector, τ = 0.1", rng.normal(size=7), rng.normal(size=7), 0.1),
             ("a (3, 5) view into a larger array, τ = 0.005", storage[:, 2:7],
              rng.normal(size=(3, 5)), 0.005))
    for name, theta_target, theta, tau in cases:
        old_target = theta_target.copy()
        expected = SimpleNamespace(theta=old_target.copy())
        _reference_soft_update(expected, SimpleNamespace(theta=theta), tau)  # L15
        theta_in = theta.copy()
        returned = check.call(fn, theta_target, theta_in, tau)
        check.true(np.array_equal(theta_in, theta),
                   f"for {name}, you changed theta, the online parameters θ: only the target θ′ "
                   "moves in a soft update.")
        if np.array_equal(theta_target, old_target):
            if returned is not None and _close(np.asarray(returned, float), expected.theta):
                check.fail(f"for {name}, you returned the new θ′ but theta_target itself is "
                           "unchanged. Update it in place (theta_target[...] = ... or "
                           "theta_target += ...): the target network's layers are views into "
                           "this array, so a new array would update nothing.")
            check.fail(f"for {name}, theta_target is unchanged: `theta_target = ...` only "
                       "rebinds the local name. Write into the array: theta_target[...] = ... or "
                       "theta_target += ....")
        check.passed()
        check.same(f"θ′ for {name}", theta_target, expected.theta, mistakes=[
            ((1 - tau) * theta + tau * old_target, "τ is applied the wrong way round: "
                                                   "θ′ ← τθ + (1 − τ)θ′ moves the target a small "
                                                   "step τ toward θ."),
            (theta, "that is a hard update (a copy, as in L2); L15 moves θ′ only a step τ toward "
                    "θ."),
            (old_target + tau * theta, "the target must also shrink: θ′ + τ(θ − θ′), not "
                                       "θ′ + τθ."),
            (tau * theta, "θ′ ← τθ + (1 − τ)θ′ keeps (1 − τ) of the old target."),
        ], hint="θ′ ← τθ + (1 − τ)θ′.")


def check_soft_update(student_fn: Callable[..., Any], raise_on_fail: bool = True) -> bool:
    """Check ``soft_update(theta_target, theta, tau) -> None`` (in place on theta_target, L15)."""
    return _run("soft_update", _check_soft_update, student_fn, raise_on_fail)


# --- 04 exploration and replay: OU process, minibatch sampling -------------------------------

class _GivenNormal:
    """Stands in for a random generator: ``standard_normal`` returns the given ε."""

    def __init__(self, eps: np.ndarray) -> None:
        self.eps = eps

    def standard_normal(self, size: int) -> np.ndarray:
        return self.eps.copy()


def _check_ou_step(check: _Checker, fn: Callable[..., Any]) -> None:
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
        drift = theta * (mu - x) * dt
        noise_term = sigma * np.sqrt(dt) * eps
        check.same(f"x_next for {name}", first, expected, show=True, mistakes=[
            (x + drift + sigma * dt * eps, "the noise scales with √dt (a Brownian increment has "
                                           "variance dt), not with dt."),
            (x + drift + sigma * eps, "scale the noise by √dt: σ·√dt·ε."),
            (x - drift + noise_term, "the drift θ(μ − x)·dt pulls x back toward μ; yours, "
                                     "θ(x − μ)·dt, pushes it away."),
            (x + theta * (mu - x) + noise_term, "multiply the drift θ(μ − x) by dt."),
            (x - theta * x * dt + noise_term, "revert toward mu, not toward 0: θ(μ − x)·dt."),
            (drift + noise_term, "return the new state x + Δx, not only the increment Δx."),
            (x + drift + sigma**2 * np.sqrt(dt) * eps, "the noise scale is σ, not σ²."),
        ], hint="x_{t+1} = x_t + θ(μ − x_t)·dt + σ·√dt·ε_t.")


def check_ou_step(student_fn: Callable[..., Any], raise_on_fail: bool = True) -> bool:
    """Check ``ou_step(x, eps, theta, sigma, dt, mu) -> x_next`` (L5, L8)."""
    return _run("ou_step", _check_ou_step, student_fn, raise_on_fail)


def _numbered_buffer(capacity: int, count: int) -> ReplayBuffer:
    """A buffer whose transition i says i in every field (reward i + 1, so empty slots show 0)."""
    buffer = ReplayBuffer(capacity, obs_dim=3, act_dim=2)
    for i in range(count):
        buffer.add(np.array([i, 0.5, -i]), np.array([i, -1.0]), i + 1.0,
                   np.array([i + 1, 0.5, -i - 1]), float(i % 5 == 4))
    return buffer


def _check_sample_batch(check: _Checker, fn: Callable[..., Any]) -> None:
    partial = _numbered_buffer(capacity=50, count=20)  # 30 slots still empty (all zeros)
    n = 16

    def sample(buffer: ReplayBuffer, batch_size: int, seed: int) -> Batch:
        result = check.call(fn, buffer, batch_size, np.random.default_rng(seed))
        if not (isinstance(result, tuple) and len(result) == 5):
            check.fail("return Batch(obs, actions, rewards, next_obs, terminated).")
        return Batch(*(check.array(f"batch.{f}", v) for f, v in zip(Batch._fields, result)))

    batch = sample(partial, n, 0)
    for field, shape in zip(Batch._fields, ((n, 3), (n, 2), (n,), (n, 3), (n,))):
        check.shape(f"batch.{field}", getattr(batch, field), shape, n)
    check.passed()
    empty = int(np.sum(batch.rewards == 0))
    check.true(empty == 0,
               f"{empty} of the {n} sampled transitions are empty slots (all zeros): only the "
               f"first len(buffer) = buffer.size = {partial.size} of the {partial.capacity} rows "
               "are filled. Draw indices from [0, buffer.size), not [0, buffer.capacity).")
    idx = batch.rewards - 1
    check.true(bool(np.all(batch.obs[:, 0] == idx) and np.all(batch.actions[:, 0] == idx)
                    and np.all(batch.next_obs[:, 0] == idx + 1)
                    and np.all(batch.terminated == (idx % 5 == 4))),
               "the fields of a sampled transition come from different rows (e.g. obs from one "
               "transition, next_obs from another): draw one index array idx and use it for "
               "every field (buffer.obs[idx], buffer.actions[idx], ...).")
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
        check.fail("your batch does not depend on rng: sample random indices, e.g. "
                   "rng.integers(0, buffer.size, size=batch_size).")
    check.passed()

    wrapped = _numbered_buffer(capacity=30, count=45)  # the ring wrapped: every row is valid
    draws = 600
    rows = np.concatenate([sample(wrapped, n, 100 + k).rewards - 1 for k in range(draws)])
    counts = np.bincount((rows % wrapped.capacity).astype(int), minlength=wrapped.capacity)
    mean = draws * n / wrapped.capacity
    if np.all(counts[wrapped.position:] == 0):
        check.fail(f"rows {wrapped.position}..{wrapped.capacity - 1} of a full buffer were never "
                   "sampled. After the ring wraps around, all buffer.size rows hold valid "
                   "transitions: sample from [0, buffer.size), not [0, buffer.position).")
    check.true(bool(np.all(np.abs(counts - mean) < 0.4 * mean)),
               f"over {draws} batches the {wrapped.capacity} rows of a full buffer were sampled "
               f"between {counts.min()} and {counts.max()} times (expected about {mean:.0f} "
               "each): sample every stored transition with the same probability.")


def check_sample_batch(student_fn: Callable[..., Any], raise_on_fail: bool = True) -> bool:
    """Check ``sample_batch(buffer, batch_size, rng) -> Batch`` (L11)."""
    return _run("sample_batch", _check_sample_batch, student_fn, raise_on_fail)


CHECKERS: dict[str, Callable[..., bool]] = {
    "numerical_gradient": check_numerical_gradient,
    "linear_backward": check_linear_backward,
    "relu_backward": check_relu_backward,
    "tanh_backward": check_tanh_backward,
    "bellman_target": check_bellman_target,
    "critic_loss_and_grad": check_critic_loss_and_grad,
    "critic_action_gradient": check_critic_action_gradient,
    "actor_gradient": check_actor_gradient,
    "soft_update": check_soft_update,
    "ou_step": check_ou_step,
    "sample_batch": check_sample_batch,
}


def check_all(namespace: dict[str, Any]) -> dict[str, bool]:
    """Run the checker of every exercise function found in ``namespace`` (e.g. ``globals()`` or
    ``vars(module)``), never raising; returns {exercise: passed}. For grading scripts."""
    return {name: checker(namespace[name], raise_on_fail=False)
            for name, checker in CHECKERS.items() if callable(namespace.get(name))}
