"""The harness every exercise checker runs in: pass/fail, feedback, and what a student sees.

A checker runs the student's function on cases whose answer is known — the package's own
gradient-checked implementation, finite differences, small hand-worked examples — and says *what*
is wrong: (N, 1) and (N,) broadcasting into an (N, N) loss, a flipped sign, a missing
(1 − terminated), a gradient off by the batch size N, τ applied the wrong way round, ...

Every checker behaves the same way::

    check_bellman_target(bellman_target)                        # in a notebook
    check_bellman_target(bellman_target, hint=True)             # ... with the formula if wrong
    check_bellman_target(bellman_target, raise_on_fail=False)   # in a script or grading loop

* correct: prints ``✔ <exercise>: all N checks passed`` and returns None (nothing is displayed,
  so nbgrader's autograder sees a test cell without output);
* wrong, ``raise_on_fail=True`` (the default, for notebooks): raises :class:`ExerciseFailed`, an
  AssertionError whose message is the ``✘ <exercise>: <what is wrong>`` feedback.
  "Run all" then stops at the first unsolved exercise, and nbgrader's autograder gives that test
  cell zero points;
* not written yet (the function still raises NotImplementedError): raises
  :class:`ExerciseNotDone` (a kind of ExerciseFailed) saying so;
* ``raise_on_fail=False``: prints the ``✔``/``✘`` line and returns True/False instead.

The feedback gives the diagnosis (what the answer does wrong). The fix that gives the answer away
— the formula, the line of code — is shown only with ``hint=True``, or from the
``REVEAL_AFTER``-th failed try of the same exercise on (in this Python session).

Whatever the student's function writes to stderr (``print(..., file=sys.stderr)``, a warning)
is shown on stdout instead: nbgrader scores a test cell with stderr output zero, and a correct
answer must not lose its points for a debugging print.

In Jupyter the error shows only the feedback — preceded by the traceback of the student's own
code when that code crashed — and none of the checker's internals.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np

from ..core.gradcheck import relative_error
from .diagnosis import CRASHES, argument_name, arrays_in, factors, fmt, shape_hint

TOLERANCE = 1e-7  # relative error under which an answer equals the reference (float64 rounding)
MISTAKE_TOLERANCE = 1e-6  # ... and under which it equals a known wrong answer
REVEAL_AFTER = 3  # the feedback of the 3rd failed try of an exercise (in a row) shows the fix

# A piece of feedback: a diagnosis, or (diagnosis, the fix that gives the answer away). The fix is
# shown only on request (hint=True) or after REVEAL_AFTER failed tries.
Message = str | tuple[str, str]

__all__ = ["MISTAKE_TOLERANCE", "REVEAL_AFTER", "TOLERANCE", "Checker", "ExerciseFailed",
           "ExerciseNotDone", "Message", "is_close", "reset_tries", "run_checker"]

_failed_tries: Counter[str] = Counter()  # failed runs per exercise since its last pass


def reset_tries() -> None:
    """Forget the failed tries of every exercise (the next failure shows the diagnosis only)."""
    _failed_tries.clear()


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
    """Runs one exercise's cases, counts the checks that pass, raises on the first that fails.

    ``reveal``: whether a failure's message includes the fix (the formula, the line of code)."""

    def __init__(self, exercise: str, reveal: bool = False) -> None:
        self.exercise = exercise
        self.reveal = reveal
        self.count = 0

    def say(self, message: Message) -> str:
        """The text of a message: the diagnosis, then the fix if revealed, else how to ask."""
        if isinstance(message, str):
            return message
        diagnosis, fix = message
        if self.reveal:
            return f"{diagnosis} {fix}"
        return (f"{diagnosis} (Stuck? check_{self.exercise}(your_function, hint=True) shows "
                "the fix.)")

    def fail(self, message: Message, cause: BaseException | None = None) -> NoReturn:
        raise ExerciseFailed(f"✘ {self.exercise}: {self.say(message)}") from cause

    def passed(self) -> None:
        self.count += 1

    def attempt(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, Exception | None]:
        """(fn(*args), None), or (None, the error it raised); NotImplementedError: not done."""
        try:
            return fn(*args), None
        except NotImplementedError:
            raise ExerciseNotDone(
                f"✘ {self.exercise}: not implemented yet — replace `raise NotImplementedError()` "
                f"under `# YOUR CODE HERE` in the cell defining {self.exercise} with your code, "
                "run that cell, then run this check again.") from None
        except Exception as err:  # any crash in the student's code becomes feedback
            return None, err

    def call(self, fn: Callable[..., Any], *args: Any, hint: Message = "",
             correct: Callable[[Any], bool] | None = None,
             other_orders: Sequence[tuple[str, tuple[Any, ...]]] = (),
             signature: str = "", inputs_may_change: bool = False) -> Any:
        """The student's function on ``args``; NotImplementedError and crashes become feedback.

        ``other_orders``: (names, args) of argument orders a student may have copied from
        elsewhere; when the answer is wrong or crashes but ``correct`` accepts fn(*args) in one of
        those orders, the feedback says that the arguments come as ``signature``.
        ``hint``: said after a crash that none of the known crashes (``CRASHES``) explains.
        Unless ``inputs_may_change``, an argument array (or an array in a tuple, list or dict
        argument) that the function changed in place fails: the agent's caller still needs it."""
        before = None if inputs_may_change else arrays_in(args, copy=True)
        value, error = self.attempt(fn, *args)
        if correct is not None and (error is not None or not _accepts(correct, value)):
            for names, reordered in other_orders:
                other, other_error = self.attempt(fn, *reordered)
                if other_error is None and _accepts(correct, other):
                    self.fail(f"your function is right for the arguments in the order "
                              f"({names}), but they come as {self.exercise}({signature}), "
                              "as in the docstring and the lecture. Reorder your parameters.")
        if error is not None:
            known = next((message for matches, message in CRASHES if matches(error)), "")
            hint_text = self.say(known or hint) if (known or hint) else ""
            self.fail(f"your function raised {type(error).__name__}: {error}"
                      + (f" — {hint_text}" if hint_text else ""), cause=error)
        if before is not None:
            for (where, old), (_, new) in zip(before, arrays_in(args, copy=False), strict=True):
                if old.shape != new.shape or not np.array_equal(old, new, equal_nan=True):
                    self.fail((f"your function changed its input {argument_name(fn, where)} "
                               "in place: in the agent that array is still needed afterwards "
                               "(the replay batch, a network's parameters), so every later "
                               "step would use the changed values.",
                               "Make a new array instead: y = x * 2, not x *= 2 or "
                               "x[...] = ...; x.copy() first if you must write into it."))
        return value

    def true(self, condition: bool, message: Message) -> None:
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
              hints: dict[tuple[int, ...], Message] | None = None) -> None:
        """Fail with a specific explanation when ``arr`` does not have the ``expected`` shape."""
        if arr.shape != expected:
            hint = (hints or {}).get(arr.shape) or shape_hint(arr.shape, expected, n)
            self.fail(f"{what} has shape {arr.shape}, expected {expected}. "
                      f"{self.say(hint)}".rstrip())

    def same(self, what: str, value: Any, expected: np.ndarray | float, *,
             mistakes: Sequence[tuple[np.ndarray | float, Message]] = (),
             n: int | None = None, shape_hints: dict[tuple[int, ...], Message] | None = None,
             hint: str = "", show: bool = False) -> np.ndarray:
        """Pass if ``value`` equals ``expected`` (relative error < TOLERANCE); otherwise fail
        with the most specific diagnosis: a known mistake from ``mistakes`` (matched on this
        very input), a wrong shape, a flipped sign, a factor N = batch size, or the numbers.

        ``hint``: the formula; it follows a diagnosis only when revealed (see :meth:`say`).
        ``show=True`` prints small expected/got arrays in the message (hand-worked cases).
        """
        formula: Message = ("", hint) if hint else ""
        expected = np.asarray(expected, dtype=float)
        dtype = getattr(value, "dtype", None)
        if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8:
            self.fail((f"{what} is {dtype}; the inputs are float64 and the agent computes in "
                       f"float64, so {dtype} rounding (about 1e-7 relative for float32) makes "
                       "the agent's later steps differ.",
                       "Do not cast: drop the .astype(np.float32) / np.float32(...)."))
        arr = self.array(what, value)
        for wrong, message in mistakes:  # a known mistake can also have its own (wrong) shape
            wrong = np.asarray(wrong, dtype=float)
            if wrong.shape == arr.shape != expected.shape and is_close(arr, wrong):
                self.fail(f"{what} has shape {arr.shape}, expected {expected.shape}: "
                          f"{self.say(message)}")
        self.shape(what, arr, expected.shape, n, shape_hints)
        if not np.all(np.isfinite(arr)):
            self.fail(f"{what} contains NaN or inf.")
        if relative_error(arr, expected) < TOLERANCE:
            self.passed()
            return arr
        numbers = f" (expected {fmt(expected)}, got {fmt(arr)})" if show else ""
        for wrong, message in mistakes:
            wrong = np.asarray(wrong, dtype=float)
            if wrong.shape == arr.shape and is_close(arr, wrong) and not is_close(wrong, expected):
                self.fail(f"{what} is wrong{numbers}: {self.say(message)}")
        for factor, name, meaning in factors(n):
            if is_close(arr, factor * expected):
                self.fail(f"{what} is {name} the correct value{numbers}: {meaning}"
                          + self._then(formula))
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
                  + self._then(formula))

    def _then(self, formula: Message) -> str:
        """The formula after a diagnosis when revealed, else how to ask for it ('' if none)."""
        return " " + self.say(formula).strip() if formula else ""


def is_close(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` equals the known wrong answer ``b`` (same shape, any shape)."""
    return a.shape == b.shape and relative_error(a, b) < MISTAKE_TOLERANCE


def _accepts(correct: Callable[[Any], bool], value: Any) -> bool:
    """``correct(value)``, False if the value is too odd to compare (wrong type, shape...)."""
    try:
        return bool(correct(value))
    except Exception:  # a value of the wrong kind is simply not correct
        return False


def run_checker(exercise: str, body: Callable[[Checker, Callable[..., Any]], None],
                student_fn: Callable[..., Any], raise_on_fail: bool,
                hint: bool = False) -> bool | None:
    """Run ``body(check, student_fn)`` for ``exercise``: print ✔, or print/raise the ✘ feedback
    (see the module docstring) — the behaviour every ``check_<exercise>`` shares. Returns None
    when ``raise_on_fail`` (nothing for a notebook to display), else whether it passed."""
    if not callable(student_fn):
        raise TypeError(f"check_{exercise} expects your function itself, e.g. "
                        f"check_{exercise}({exercise}), got {type(student_fn).__name__}.")
    check = Checker(exercise, reveal=hint or _failed_tries[exercise] >= REVEAL_AFTER - 1)
    try:
        with contextlib.redirect_stderr(sys.stdout):  # the student's stderr, shown on stdout
            body(check, student_fn)
    except ExerciseNotDone as failure:
        return _report(failure, raise_on_fail)
    except ExerciseFailed as failure:
        _failed_tries[exercise] += 1
        return _report(failure, raise_on_fail)
    _failed_tries.pop(exercise, None)
    # For grade.py's guard (ddpg_numpy/teach/guard.py): a pass it can sign; nothing without it.
    sys.audit("ddpg_numpy.teach.passed", exercise, body)
    print(f"✔ {exercise}: all {check.count} checks passed")
    return None if raise_on_fail else True


def _report(failure: ExerciseFailed, raise_on_fail: bool) -> bool:
    if raise_on_fail:
        # The message is the feedback: drop the checker's frames, keep the student's error.
        raise failure.with_traceback(None) from failure.__cause__
    print(failure)
    return False
