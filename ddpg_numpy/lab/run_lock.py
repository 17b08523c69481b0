"""One writer per run folder: ``run.lock`` names the process that trains into it.

The lock is a small JSON file, ``{"pid", "host", "started", "process_start"}``, created with
``O_EXCL`` (only one process can create it) and removed when the training ends, however it ends
in Python. A process killed outright (``kill -9``, a power cut) leaves its lock behind; the next
training recognises it as stale, because its pid is not alive on this host (or is alive, but is
another process started later, a reused pid), and takes it over. A lock from another host cannot
be checked from here: it is refused, and the message says how to remove it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LOCK_FILE = "run.lock"


class RunFolderLocked(FileExistsError):
    """Another live process is training into this run folder."""


@contextmanager
def hold_run_folder(out: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold ``out``'s lock inside the block. A live holder is waited for up to ``wait_seconds``
    (a worker group waits for the orphan of a killed run to stop), then refused."""
    out.mkdir(parents=True, exist_ok=True)
    mine = _claim(out / LOCK_FILE, wait_seconds)
    try:
        yield
    finally:
        if _read(out / LOCK_FILE) == mine:  # never remove a lock that is not ours
            (out / LOCK_FILE).unlink(missing_ok=True)


def wait_until_free(out: Path, wait_seconds: float) -> None:
    """Return once nobody alive holds ``out``'s lock (a stale one is fine); refuse after
    ``wait_seconds``."""
    deadline = time.monotonic() + wait_seconds
    while (holder := _holder(out / LOCK_FILE)) is not None and _alive(holder):
        if time.monotonic() > deadline:
            raise _refusal(out / LOCK_FILE, holder)
        time.sleep(0.05)


def _claim(path: Path, wait_seconds: float) -> str:
    me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                     "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                     "process_start": _process_start(os.getpid())})
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if holder is not None and not _alive(holder):
                _remove_stale(path, holder)
            elif holder is not None and time.monotonic() > deadline:
                raise _refusal(path, holder) from None
            elif holder is not None:
                time.sleep(0.05)
            continue  # gone meanwhile, or taken over: try to create it again
        with os.fdopen(fd, "w") as f:
            f.write(me)
            f.flush()
            os.fsync(f.fileno())
        return me


def _remove_stale(path: Path, stale: dict[str, Any]) -> None:
    """Remove the stale lock ``stale``, and only it: moved aside first (one process wins the
    move), then checked, so a fresh lock another process made meanwhile is put back."""
    aside = path.with_name(f".{path.name}.{os.getpid()}.stale")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return  # another process took it over first
    if _holder(aside) != stale:
        try:
            os.link(aside, path)  # a live lock after all: put it back
        except FileExistsError:
            pass
    aside.unlink(missing_ok=True)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


def _holder(path: Path) -> dict[str, Any] | None:
    """Who holds the lock (None: nobody). A lock that stays unreadable, because its writer died
    between creating and writing it, reads as {} (stale); one being written is given a moment."""
    for _ in range(20):
        text = _read(path)
        if text is None:
            return None
        try:
            holder = json.loads(text)
        except ValueError:
            time.sleep(0.05)
            continue
        return holder if isinstance(holder, dict) else {}  # not a lock we write: stale
    return {}


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the lock's process still runs (assumed, for a lock from another host)."""
    if "pid" not in holder:
        return False
    if holder.get("host") != socket.gethostname():
        return True
    pid = holder["pid"]
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < 2**31:
        return False  # no process can have it: a damaged lock, stale
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        pass  # alive, another user's
    state, start = _proc_stat(pid)
    if state == "Z":
        return False  # exited, not yet reaped by its new parent
    return holder.get("process_start") in (None, start) or start is None


def _process_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux; None elsewhere)."""
    return _proc_stat(pid)[1]


def _proc_stat(pid: int) -> tuple[str | None, int | None]:
    """(state letter, start time in clock ticks since boot) from /proc (Linux), to tell an
    exited process (Z) and a reused pid; (None, None) where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], int(fields[19])
    except (OSError, IndexError, ValueError):
        return None, None


def _refusal(path: Path, holder: dict[str, Any]) -> RunFolderLocked:
    return RunFolderLocked(
        f"{path.parent} is in use: another training (pid {holder.get('pid')} on "
        f"{holder.get('host')}, since {holder.get('started')}) writes into it. Wait for it to "
        f"finish or stop it, or choose another --out folder. If that process is gone (for "
        f"example a run on another machine sharing this folder was cut off), delete {path}.")
