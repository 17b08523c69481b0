"""What a wrong answer most likely means: the diagnoses the checkers' harness (``checking``)
gives for a number off by a constant factor, an array of the wrong shape, a known crash, or an
input changed in place."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Message = str | tuple[str, str]  # as in checking: a diagnosis, or (diagnosis, the fix)

__all__ = ["CRASHES", "argument_name", "arrays_in", "factors", "fmt", "shape_hint"]


def fmt(arr: np.ndarray | float) -> str:
    """Small arrays on one line, e.g. [[0.6667], [0], [-0.6667]]."""
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return f"{float(arr):.4g}"
    return "[" + ", ".join(fmt(a) for a in arr) + "]"


def factors(n: int | None) -> list[tuple[float, str, str]]:
    """Generic wrong answers: value = factor × correct value, with what that usually means."""
    table = [(-1.0, "−1 ×", "the sign is flipped.")]
    if n is not None and n > 2:
        table += [(float(n), f"N = {n} (the batch size) ×",
                   "a 1/N is missing — a mean over the batch, not a sum?"),
                  (1.0 / n, f"1/N = 1/{n} ×",
                   "there is a 1/N too many — a sum over the batch, not a mean?")]
    table += [(2.0, "2 ×", "check the constant factors."), (0.5, "½ ×", "a factor 2 is missing.")]
    return table


def shape_hint(got: tuple[int, ...], expected: tuple[int, ...], n: int | None) -> str:
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


# Crashes whose cause is known, (matches(error), what it means): said before a checker's hint.
CRASHES: tuple[tuple[Callable[[Exception], bool], Message], ...] = (
    (lambda e: isinstance(e, TypeError) and "'invert'" in str(e),
     ("~ is a bitwise not, for booleans and integers: `not terminated` and ~terminated do not "
      "work on floats, and terminated is a float array of 0.0/1.0.",
      "Use (1.0 - terminated).")),
    (lambda e: isinstance(e, NameError),
     "a name your function uses is defined neither in it nor in the notebook: a variable from "
     "the lecture or another cell (lr, agent, ...)? Everything it needs comes in through its "
     "arguments."),
    (lambda e: isinstance(e, RuntimeError) and "backward called before forward" in str(e),
     ("a backward pass needs the cache of a forward pass on the same network object.",
      "Call actor(batch.obs) on the actor you were given before actor.backward(...).")),
)


def arrays_in(args: Sequence[Any], copy: bool) -> list[tuple[tuple[int, str], np.ndarray]]:
    """((position, key or field), array) for every NumPy array among the arguments, or one
    level down in a tuple (a Batch), list or dict argument; copies if ``copy``."""
    found = []
    for position, arg in enumerate(args):
        if isinstance(arg, np.ndarray):
            items: list[tuple[str, Any]] = [("", arg)]
        elif isinstance(arg, dict):
            items = [(f"[{k!r}]", v) for k, v in arg.items()]
        elif isinstance(arg, tuple | list):
            fields = getattr(arg, "_fields", None)
            items = [(f".{fields[i]}" if fields else f"[{i}]", v) for i, v in enumerate(arg)]
        else:
            continue
        found += [((position, key), value.copy() if copy else value) for key, value in items
                  if isinstance(value, np.ndarray)]
    return found


def argument_name(fn: Callable[..., Any], where: tuple[int, str]) -> str:
    """``rewards`` or ``batch.rewards``: the student's own parameter name where it can be read."""
    position, key = where
    try:
        name = list(inspect.signature(fn).parameters)[position]
    except (TypeError, ValueError, IndexError):
        name = f"argument {position + 1}"
    return f"`{name}{key}`"
