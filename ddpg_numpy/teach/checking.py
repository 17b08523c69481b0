"""The harness every exercise checker runs in: pass/fail, feedback, and what a student sees.

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
from typing import Any, NoReturn

import numpy as np

from ..core.gradcheck import relative_error

TOLERANCE = 1e-7  # relative error under which an answer equals the reference (float64 rounding)
MISTAKE_TOLERANCE = 1e-6  # ... and under which it equals a known wrong answer

__all__ = ["MISTAKE_TOLERANCE", "TOLERANCE", "Checker", "ExerciseFailed", "ExerciseNotDone",
           "is_close", "run_checker"]


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


class Checker:
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
            if wrong.shape == arr.shape != expected.shape and is_close(arr, wrong):
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
            if wrong.shape == arr.shape and is_close(arr, wrong) and not is_close(wrong, expected):
                self.fail(f"{what} is wrong{numbers}: {message}")
        for factor, name, meaning in _factors(n):
            if is_close(arr, factor * expected):
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


def is_close(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` equals the known wrong answer ``b`` (same shape, any shape)."""
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


def run_checker(exercise: str, body: Callable[[Checker, Callable[..., Any]], None],
                student_fn: Callable[..., Any], raise_on_fail: bool) -> bool:
    """Run ``body(check, student_fn)`` for ``exercise``: print ✔ and return True, or print/raise
    the ✘ feedback (see the module docstring) — the behaviour every ``check_<exercise>`` shares."""
    if not callable(student_fn):
        raise TypeError(f"check_{exercise} expects your function itself, e.g. "
                        f"check_{exercise}({exercise}), got {type(student_fn).__name__}.")
    check = Checker(exercise)
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
