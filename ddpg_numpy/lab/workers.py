"""Worker processes, start to end: the one place that starts, watches and stops them.

``run_in_workers(function, jobs)`` calls ``function(job)`` for each job in its own process and
returns the results in order. What it promises, in every state of the run (workers training,
some finished, the parent merging their results):

- A worker never outlives the parent, however the parent dies. On Linux the kernel sends the
  worker SIGTERM when its parent exits (``prctl(PR_SET_PDEATHSIG)``, also after ``kill -9``);
  everywhere, a watchdog thread in the worker polls ``os.getppid()`` every
  ``WATCH_SECONDS`` and stops the worker once its parent has changed (it was reparented).
- A worker that has finished its job sends its result and exits: nothing waits for more work,
  and nothing keeps the parent's stdout or stderr open after the run.
- SIGINT (Ctrl-C; an IDE's or a supervisor's stop) and SIGTERM to the parent stop every worker
  within ``STOP_SECONDS``: SIGTERM first (a worker then leaves through its ``finally`` blocks:
  its run lock released, no half-written file kept), SIGKILL for any still alive. The parent
  then raises KeyboardInterrupt, or dies of the SIGTERM it was sent (``exit_as_terminated``).
- Workers ignore SIGINT: Ctrl-C in a terminal reaches the whole process group, and the parent
  alone decides (one message, not one traceback per worker).
- A worker killed outright ends the run with ``WorkerDied``; one that raises has its exception
  raised in the parent.

Every file a worker writes is written to survive a kill at any moment (run_folder.py), so each
of these ends leaves a folder that resumes.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .kill_points import kill_point

WATCH_SECONDS = 0.1  # how often a worker's watchdog looks at its parent
STOP_SECONDS = 1.0  # how long stopping workers may take before they are killed
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class WorkerDied(ChildProcessError):
    """A worker process was killed; the groups keep their checkpoints, so the run resumes. (An
    OSError, so the command line prints its message, not a traceback.)"""


class Terminated(BaseException):
    """SIGTERM reached the parent while workers ran: raised to stop them, then
    ``exit_as_terminated`` ends the process as SIGTERM would have."""


def run_in_workers(function: Callable[[Any], Any], jobs: Sequence[Any],
                   on_death: str = "") -> list[Any]:
    """``[function(job) for job in jobs]``, each call in a worker process of its own.
    ``on_death`` is added to the WorkerDied message (what is kept, how to continue)."""
    context = multiprocessing.get_context()
    # Under fork the worker's parent is this process; the check after prctl uses it.
    parent = os.getpid() if context.get_start_method() == "fork" else None
    processes, receivers = [], []
    try:
        for job in jobs:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_worker, args=(function, job, send, parent),
                                      daemon=True)  # daemon: also ended at the parent's exit
            process.start()
            send.close()  # the worker's end: EOF here once the worker is gone
            processes.append(process)
            receivers.append(receive)
        return _collect(processes, receivers, on_death)
    finally:
        stop(processes)
        for receive in receivers:
            receive.close()


def _collect(processes: list, receivers: list, on_death: str) -> list[Any]:
    """Each worker's result, as it arrives; a worker's exception, or its death, is raised."""
    results: list[Any] = [None] * len(processes)
    pending = set(range(len(processes)))
    while pending:
        for receive in multiprocessing.connection.wait([receivers[i] for i in pending]):
            i = receivers.index(receive)
            try:
                kind, value = receive.recv()
            except (EOFError, OSError):
                processes[i].join(STOP_SECONDS)
                code = processes[i].exitcode
                how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                raise WorkerDied(f"a worker process was killed ({how}){on_death}") from None
            if kind == "error":
                raise value
            results[i] = value
            pending.discard(i)
            kill_point("group-done")  # test-only (kill_points.py): one group done, others not
    return results


def stop(processes: Sequence) -> None:
    """Stop ``processes`` within STOP_SECONDS: SIGTERM, then SIGKILL for any still alive."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()


@contextmanager
def terminate_raises() -> Iterator[None]:
    """Inside the block SIGTERM raises ``Terminated`` in the main thread, so that ``finally``
    blocks stop the workers and release locks. Only where SIGTERM has its default action and
    this is the main thread (a program's own handler is left alone)."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Terminated()

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def exit_as_terminated() -> None:
    """End this process by SIGTERM's default action (exit status -15), after cleaning up."""
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(STOP_SECONDS)  # the signal is delivered meanwhile
    os._exit(128 + signal.SIGTERM)


# --- in the worker -----------------------------------------------------------------------------

def _worker(function: Callable[[Any], Any], job: Any, send: Any, parent: int | None) -> None:
    """A worker process's body: die with the parent, run the job, send back its outcome."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, _leave)
    _die_with_parent(parent)
    try:
        message = ("done", function(job))
    except Exception as e:  # noqa: BLE001 (the parent raises it: one message, one place)
        message = ("error", e)
    try:
        send.send(message)
    except Exception as e:  # noqa: BLE001 (e.g. an exception that cannot be pickled)
        send.send(("error", RuntimeError(f"{type(e).__name__}: {e}")))
    send.close()


def _leave(signum: int, frame: Any) -> None:
    """SIGTERM in a worker: leave through the ``finally`` blocks (locks released)."""
    raise SystemExit(128 + signum)


def _die_with_parent(parent: int | None) -> None:
    """Ask the kernel for SIGTERM when the parent exits (Linux), and start the watchdog."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        except (OSError, AttributeError):
            pass  # the watchdog still watches
    first = os.getppid()
    if parent is not None and first != parent:
        os._exit(1)  # the parent died before prctl took effect
    threading.Thread(target=_watch, args=(first,), daemon=True, name="watch-parent").start()


def _watch(parent: int) -> None:
    """Stop this worker once its parent is gone (it was reparented): SIGTERM to itself, and
    an immediate exit if that has not ended it within STOP_SECONDS."""
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(STOP_SECONDS)
    os._exit(1)
