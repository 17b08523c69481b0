"""Run one submission's cells in a throw-away kernel that cannot reach the instructor's files.

``grade.py`` (notebooks/exercises/) hands :func:`run_isolated` the cells to run — the student's code
cells, then the instructor's check cells — and gets every cell back executed. The kernel:

* runs in a fresh temporary folder (its working directory, HOME, IPYTHONDIR, MPLCONFIGDIR,
  TMPDIR), deleted afterwards; only the package is importable (it is installed), never the
  repository or the submissions' folders (no PYTHONPATH, PYTHONSAFEPATH, no user site);
* starts with the grading guard (``ddpg_numpy.teach.guard``): writes outside that folder,
  processes, signals and native code are refused, and checker passes come as lines signed with a
  key made for this kernel alone;
* a cell past ``timeout`` seconds is interrupted and gets a CellTimeoutError, as under nbgrader;
* a cell that kills the kernel (``os._exit``, a crash) costs only itself: a new kernel re-runs
  the other student cells and goes on after it. A check that kills it scores 0 and the next
  check runs in a new kernel the same way.

Needs nbclient and ipykernel (``pip install ddpg-numpy[notebooks]``), imported when called.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass, field
from typing import Any

import nbformat

from .guard import KEY_VARIABLE, verify_line

__all__ = ["Executed", "SandboxError", "run_isolated"]

REPORT_CELL = "__import__('sys').audit('ddpg_numpy.grade.report', 'end')"
GUARD_CELL = ("from ddpg_numpy.teach import guard as _grading_guard\n"
              "_grading_guard.install()\ndel _grading_guard")
MAX_KERNELS = 8  # kernels started for one submission before its remaining cells are given up


class SandboxError(Exception):
    """The kernel could not be started or guarded; the message says why."""


@dataclass
class Executed:
    """One executed cell: its outputs, the signed lines they hold (verified), and what happened
    ("ran", "killed the kernel", "not run: ...")."""

    cell: nbformat.NotebookNode
    status: str = "ran"
    signed: list[dict[str, Any]] = field(default_factory=list)
    lost_lines: bool = False  # a signed line of this kernel is missing before this cell's end
    flags_before: int = 0  # the guard's flag count at the end of the previous cell


def kernel_environment(folder: str, key: str) -> dict[str, str]:
    """The kernel's environment: this one without Python/Jupyter path settings, homed in
    ``folder``, with the guard's key."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "JUPYTER", "IPYTHON", "MPL", "COVERAGE"))}
    for name in ("ipython", "mpl", "tmp"):
        os.makedirs(os.path.join(folder, "." + name), exist_ok=True)
    env.update(HOME=folder, IPYTHONDIR=os.path.join(folder, ".ipython"),
               MPLCONFIGDIR=os.path.join(folder, ".mpl"), TMPDIR=os.path.join(folder, ".tmp"),
               PYTHONNOUSERSITE="1", PYTHONSAFEPATH="1", PYTHONDONTWRITEBYTECODE="1",
               MPLBACKEND="agg", **{KEY_VARIABLE: key})
    return env


class _Kernel:
    def __init__(self, folder: str, timeout: int) -> None:
        from nbclient import NotebookClient

        self.key = secrets.token_hex(32)
        self.nb = nbformat.v4.new_notebook()
        self.client = NotebookClient(
            self.nb, timeout=timeout, kernel_name="python3", allow_errors=True,
            interrupt_on_timeout=True, on_cell_executed=_record_timeout,
            error_on_timeout={"ename": "CellTimeoutError",
                              "evalue": f"the cell ran longer than {timeout} s",
                              "traceback": [f"CellTimeoutError: over {timeout} s"]},
            resources={"metadata": {"path": folder}})
        self.client.km = self.client.create_kernel_manager()
        self.client.start_new_kernel(env=kernel_environment(folder, self.key))
        self.client.start_new_kernel_client()
        self.seq = 0
        self.flags = 0

    def run(self, source: str) -> Executed:
        cell = nbformat.v4.new_code_cell(source)
        self.nb.cells.append(cell)
        done = Executed(cell, flags_before=self.flags)
        try:
            self.client.execute_cell(cell, len(self.nb.cells) - 1)
        except Exception as err:  # DeadKernelError, or a kernel that stopped answering
            done.status = f"killed the kernel ({type(err).__name__})"
        for output in cell.get("outputs", []):
            if output.output_type != "stream" or output.name != "stdout":
                continue
            for line in output.text.splitlines():
                payload = verify_line(self.key.encode(), line)
                if payload is None:
                    continue
                if payload.get("seq") != self.seq + 1:
                    done.lost_lines = True
                self.seq = max(self.seq, int(payload.get("seq", 0)))
                self.flags = max(self.flags, int(payload.get("flags", 0)))
                done.signed.append(payload)
        return done

    def close(self) -> None:
        try:
            self.client._cleanup_kernel()
        except Exception:  # a kernel already dead: nothing left to stop
            pass


def _record_timeout(cell: nbformat.NotebookNode, cell_index: int, execute_reply: dict) -> None:
    """Keep the error of a cell interrupted at the time limit in its outputs (nbclient reports
    it only in the reply)."""
    content = execute_reply["content"]
    if content["status"] == "error" and not any(
            o.output_type == "error" and o.ename == content["ename"] for o in cell.outputs):
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename=content["ename"], evalue=content["evalue"],
            traceback=content["traceback"]))


def _start(folder: str, timeout: int, setup: list[str]) -> tuple[_Kernel, list[Executed]]:
    try:
        kernel = _Kernel(folder, timeout)
    except Exception as err:
        raise SandboxError(f"the kernel would not start ({type(err).__name__}: {err})") from None
    ready = kernel.run(GUARD_CELL)
    payload = next((p for p in ready.signed if p.get("kind") == "ready"), None)
    if ready.status != "ran" or payload is None:
        kernel.close()
        raise SandboxError("the grading guard did not start in the kernel: is ddpg_numpy "
                           "installed in the grading environment (pip install -e .)?")
    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.realpath(payload["package"]) != os.path.realpath(here):
        kernel.close()
        raise SandboxError(f"the kernel imports ddpg_numpy from {payload['package']}, not "
                           f"{here}: grade in the environment the package is installed in.")
    return kernel, [kernel.run(source) for source in setup]


def run_isolated(setup: list[str], student: list[str], checks: list[str], timeout: int,
                 labels: list[str] | None = None
                 ) -> tuple[list[Executed], list[Executed], list[str], Executed | None]:
    """Execute ``setup`` (the instructor's), ``student`` (skipping a cell that kills the kernel)
    and then ``checks`` in a guarded kernel in a throw-away folder; ``labels`` name the student
    cells in the notes.

    Returns (student cells, check cells, notes about restarts, the guard's final report: what
    was changed in the package and in IPython by the end; None if the kernel kept dying)."""
    labels = labels or [f"student cell {i + 1}" for i in range(len(student))]
    notes: list[str] = []
    killers: set[int] = set()
    done_checks: list[Executed] = []
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        ran: list[Executed] = []
        for _ in range(MAX_KERNELS):
            kernel, _setup = _start(folder, timeout, setup)
            try:
                ran = [Executed(nbformat.v4.new_code_cell(s), status="not run") for s in student]
                for i, source in enumerate(student):
                    if i in killers:
                        ran[i].status = "killed the kernel (skipped after that)"
                        continue
                    ran[i] = kernel.run(source)
                    if ran[i].status != "ran":
                        break
                else:
                    while len(done_checks) < len(checks):
                        result = kernel.run(checks[len(done_checks)])
                        done_checks.append(result)
                        if result.status != "ran":
                            notes.append(f"check {len(done_checks)} killed the kernel; the "
                                         "next checks ran in a new one")
                            break
                    else:
                        return ran, done_checks, notes, kernel.run(REPORT_CELL)
                    continue
                killers.add(i)
                notes.append(f"{labels[i]} killed the kernel; graded without it")
            finally:
                kernel.close()
        notes.append(f"gave up after {MAX_KERNELS} kernels")
        while len(done_checks) < len(checks):
            done_checks.append(Executed(nbformat.v4.new_code_cell(checks[len(done_checks)]),
                                        status="not run: the kernel kept dying"))
        return ran, done_checks, notes

