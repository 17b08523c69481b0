"""Test-only: ``kill -9`` this process at a chosen point, to prove a kill leaves a resumable run.

Set ``DDPG_NUMPY_KILL_AT="<point>:<n>"`` in a training process's environment and the n-th arrival
at ``<point>`` (counted in this process) kills it with SIGKILL, as ``kill -9`` would: no cleanup,
no ``finally``. ``"<point>:<n>:<SIGNAL>"`` sends that signal instead (``INT``, ``TERM``, ...), as
if it arrived from outside at that moment. The points:

    step        after environment step n (n is the run's step, not a count)
    checkpoint  in the middle of the n-th checkpoint write (half the arrays are in the temp file)
    log-cut     in a resume's rewrite of progress.csv and timing.csv, new text written, not yet
                moved into place
    progress    after the n-th append to progress.csv (before timing.csv has its row)
    group-done  in a --workers run's parent, when the n-th group's result has arrived
    merge       in a --workers run's parent, before it merges the groups' files

Unset (always, outside tests) each point costs one comparison. tests/test_kill_resume.py uses it.
"""

from __future__ import annotations

import os
import signal

KILL_AT_VARIABLE = "DDPG_NUMPY_KILL_AT"


def _parse(spec: str | None) -> tuple[str, int, signal.Signals] | None:
    if not spec:
        return None
    point, _, rest = spec.partition(":")
    n, _, name = rest.partition(":")
    return point, int(n or 1), signal.Signals[f"SIG{name or 'KILL'}"]


_KILL_AT = _parse(os.environ.get(KILL_AT_VARIABLE))  # read once: forked workers inherit it
_arrivals: dict[str, int] = {}


def kill_point(point: str, step: int | None = None) -> None:
    """Die here if ``DDPG_NUMPY_KILL_AT`` names this arrival (``step``: the point's own count)."""
    if _KILL_AT is None or _KILL_AT[0] != point:
        return
    _arrivals[point] = count = _arrivals.get(point, 0) + 1 if step is None else step
    if count == _KILL_AT[1]:
        os.kill(os.getpid(), _KILL_AT[2])


def armed(point: str) -> bool:
    """Whether the next arrival at ``point`` is the one that kills (counts it as an arrival)."""
    if _KILL_AT is None or _KILL_AT[0] != point:
        return False
    _arrivals[point] = count = _arrivals.get(point, 0) + 1
    return count == _KILL_AT[1]


class KillWhenWritten:
    """Stands in for an array in a dict given to ``np.savez``: converting it (np.savez does, in
    its turn, after the arrays before it are written) kills the process mid-write."""

    def __array__(self, *args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)
