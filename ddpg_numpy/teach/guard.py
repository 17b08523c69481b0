"""The grading guard: what ``grade.py`` installs in a submission's kernel before the student's code.

A checker runs in the student's own Python process, after the student's code, so an answer could
replace it, patch what it calls, rewrite the check cell before it runs, or read the expected value
from the checker's frame. The guard makes each of these visible to the grader, from a place the
student's code cannot reach: a Python audit hook (PEP 578), which cannot be removed once added and
whose state lives only in its closure.

* **Passes the grader can trust.** ``run_checker`` raises the audit event
  ``ddpg_numpy.teach.passed`` when a check passes. The hook accepts it only when it comes from the
  package's own ``run_checker`` with the package's own checker body, while every function, class
  and module table the checkers rely on (ddpg_numpy, numpy, builtins, ...) is the one snapshotted at
  install time. It then prints a line signed with a key only the grader knows (HMAC-SHA256), which
  grade.py requires in the check cell's output: a check cell that "passes" without one (blanked by
  an input transformer, a replaced checker) earns nothing.
* **Flags.** Frame inspection from the student's code (``sys._getframe``, ``inspect.stack``,
  ``tb_frame``), the garbage collector's object lists, ``sys.settrace``/``setprofile``, ``ctypes``,
  new audit hooks, writes outside the submission's folder, subprocesses and signals are reported in
  signed lines (and all but frame inspection are refused). A pass after a flag that the grader has
  not seen before the check cell does not count.
* **Containment.** Writing or deleting files outside the working folder (the throw-away copy),
  starting processes, sending signals and loading native code are refused with PermissionError, so
  a submission cannot write the instructor's files or another student's.

What it cannot stop is said in notebooks/exercises/README.md ("What a determined student can still
do"): above all, an answer that imports the package's reference implementation.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import json
import os
import sys
import sysconfig
from types import FunctionType, ModuleType
from typing import Any

KEY_VARIABLE = "DDPG_NUMPY_GRADER_KEY"  # the signing key, read once from the environment
TAG = "#grade.py"  # every signed line starts with it

__all__ = ["KEY_VARIABLE", "TAG", "install", "sign", "verify_line"]

# Events the student's code is refused (PermissionError) and flagged for.
_REFUSED = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
            "os.forkpty", "os.kill", "os.killpg", "signal.pthread_kill", "ctypes.dlopen",
            "ctypes.dlsym", "ctypes.call_function", "ctypes.cdata", "ctypes.addressof",
            "sys.addaudithook", "sys.settrace", "sys.setprofile", "threading.settrace",
            "threading.setprofile", "gc.get_objects", "gc.get_referrers", "gc.get_referents",
            "sys._current_frames", "sys.remote_exec"}
# Events that write or delete a path (its first argument): refused outside the working folder.
_PATH_WRITES = {"os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.chmod", "os.chown",
                "os.link", "os.symlink", "os.truncate", "os.utime", "shutil.rmtree",
                "shutil.move", "sqlite3.connect"}
# Ways to reach a frame; flagged when the student's code asks (directly or through these modules).
_FRAME_EVENTS = {"sys._getframe", "sys._getframemodulename"}
_FRAME_ATTRIBUTES = {"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"}
_FRAME_HELPERS = ("inspect.py", "traceback.py")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
# Names the kernel itself rebinds between cells (ipykernel's input, the display hook's _, ...) and
# that the copy module caches on classes: not tampering.
_VOLATILE = {"input", "_", "__", "___", "__slotnames__"}
_SNAPSHOT_MODULES = ("builtins", "contextlib", "collections", "functools", "math", "operator",
                     "copy", "traceback", "numpy", "ddpg_numpy")


def sign(key: bytes, payload: dict[str, Any]) -> str:
    """The signed line for ``payload``: TAG, the JSON, its HMAC-SHA256 under ``key``."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return f"{TAG} {text} {hmac.new(key, text.encode(), hashlib.sha256).hexdigest()}"


def verify_line(key: bytes, line: str) -> dict[str, Any] | None:
    """The payload of a signed line, or None if the line is not one or its signature is wrong."""
    parts = line.strip().split(" ")
    if len(parts) < 3 or parts[0] != TAG:
        return None
    text, mac = " ".join(parts[1:-1]), parts[-1]
    expected = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _trusted_roots() -> tuple[str, ...]:
    """Folders whose code is the interpreter's, the installed libraries' or this package's."""
    paths = sysconfig.get_paths()
    roots = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.add(os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    return tuple(sorted(r + os.sep for r in roots))


def _snapshot() -> dict[str, tuple[ModuleType, dict[str, Any]]]:
    """{module name: (module, {attribute: (object, code, defaults, kwdefaults)})} of every module
    the checkers rely on, and the attribute tables of the package's classes."""
    taken: dict[str, tuple[Any, dict[str, Any]]] = {}
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in _SNAPSHOT_MODULES:
            continue
        taken[name] = (module, {k: _identity(v) for k, v in vars(module).items()})
        if name.startswith("ddpg_numpy"):
            for value in vars(module).values():
                if isinstance(value, type) and value.__module__.startswith("ddpg_numpy"):
                    taken[f"{value.__module__}.{value.__qualname__}"] = (
                        value, {k: _identity(v) for k, v in vars(value).items()})
    return taken


def _identity(value: Any) -> tuple[Any, ...]:
    if isinstance(value, FunctionType):
        return (value, value.__code__, value.__defaults__, value.__kwdefaults__)
    return (value,)


def _tampered(snapshot: dict[str, tuple[Any, dict[str, Any]]]) -> list[str]:
    """What changed since the snapshot: replaced, deleted or (in the package) added names."""
    changed = []
    for name, (owner, table) in snapshot.items():
        if isinstance(owner, ModuleType) and sys.modules.get(name) is not owner:
            changed.append(f"sys.modules[{name!r}] replaced")
            continue
        now = vars(owner)
        for key, identity in table.items():
            if key in _VOLATILE:
                continue
            if key not in now:
                changed.append(f"{name}.{key} deleted")
            elif any(a is not b for a, b in zip(_identity(now[key]), identity, strict=True)):
                changed.append(f"{name}.{key} replaced")
        if name.startswith("ddpg_numpy"):
            changed += [f"{name}.{key} added" for key in now if key not in table
                        and key not in _VOLATILE and not (isinstance(now[key], ModuleType)
                                 and now[key].__name__ == f"{name}.{key}")]
    return changed


def install(working_folder: str | None = None) -> None:
    """Add the audit hook (once per process) and print the first signed line, "ready".

    The key is read from the environment variable ``KEY_VARIABLE`` and removed from it; without
    it nothing is installed (a student running this in their own notebook gets an error)."""
    key_text = os.environ.pop(KEY_VARIABLE, None)
    os.environb.pop(KEY_VARIABLE.encode(), None)
    if not key_text:
        raise RuntimeError("the grading guard is for grade.py; it needs its key")
    _install(key_text.encode(), working_folder, ())


def contain(working_folder: str | None = None) -> None:
    """Only the containment, for a kernel another grader starts (nbgrader, through the kernel
    ``python -m ddpg_numpy.teach.graded_kernel`` installs): writes outside ``working_folder``
    (default: the current one) and a private temporary folder made here (TMPDIR and
    MPLCONFIGDIR point to it), processes, signals and native code are refused. Nothing is
    signed or printed."""
    import tempfile

    private = os.path.realpath(tempfile.mkdtemp(prefix="ddpg-graded-"))
    os.environ.update(TMPDIR=private, MPLCONFIGDIR=private)
    tempfile.tempdir = private
    _install(None, working_folder, (private + os.sep,))


def _install(key: bytes | None, working_folder: str | None, also_writable: tuple[str, ...]
             ) -> None:
    folder = os.path.realpath(working_folder or os.getcwd()) + os.sep
    writable = (folder, "/dev/null", "/dev/shm" + os.sep, *also_writable)
    roots = _trusted_roots()
    from . import checkers, checking

    snapshot = _snapshot()
    genuine_run_checker = checking.run_checker.__code__
    genuine_bodies = {name: vars(sys.modules[fn.__module__])[f"_{fn.__name__}"]
                      for name, fn in checkers.CHECKERS.items()}
    stdout = sys.stdout
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    baseline = _shell_state(shell)
    state = {"seq": 0, "flags": 0, "busy": False}

    def emit(payload: dict[str, Any]) -> None:
        if key is None:  # containment only: nothing to sign
            return
        state["seq"] += 1
        payload.update(seq=state["seq"], flags=state["flags"])
        stdout.write(sign(key, payload) + "\n")
        stdout.flush()

    def flag(what: str) -> None:
        state["flags"] += 1
        emit({"kind": "flag", "what": what, "cell": _cell_of(sys._getframe(1), roots)})

    def student_asked(frame: Any) -> bool:
        """Whether the student's code made the call at ``frame`` (directly, or through inspect
        or traceback)."""
        while frame is not None and frame.f_code.co_filename.endswith(_FRAME_HELPERS):
            frame = frame.f_back
        return frame is not None and not _is_trusted(frame.f_code.co_filename, roots)

    def refuse(what: str) -> None:
        flag(what)
        raise PermissionError(f"grading: {what} is not allowed while a submission is graded")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if state["busy"]:
            return
        state["busy"] = True
        try:
            if event == "ddpg_numpy.teach.passed":
                caller = sys._getframe(1)
                exercise, body = args[0], args[1]
                problems = _tampered(snapshot)
                if caller.f_code is not genuine_run_checker:
                    problems.append("the pass did not come from the package's run_checker")
                if genuine_bodies.get(exercise) is not body:
                    problems.append(f"the checker body of {exercise} is not the package's")
                emit({"kind": "pass", "exercise": exercise, "problems": problems,
                      "shell": _shell_changes(shell, baseline)})
            elif event == "ddpg_numpy.grade.report":
                emit({"kind": "report", "problems": _tampered(snapshot),
                      "shell": _shell_changes(shell, baseline), "nonce": str(args[0])})
            elif event in _REFUSED:
                refuse(event)
            elif event in _FRAME_EVENTS or (event == "object.__getattr__"
                                            and args[1] in _FRAME_ATTRIBUTES):
                if student_asked(sys._getframe(1)):
                    flag(f"frame inspection ({args[1] if len(args) > 1 else event})")
            elif event == "open":
                path, mode, flags = args
                writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS)
                if isinstance(path, (str, bytes, os.PathLike)) and not isinstance(path, int):
                    real = os.path.realpath(os.fsdecode(path))
                    if writes and not real.startswith(writable) and real != "/dev/null":
                        refuse(f"writing {real}")
                    if real.startswith("/proc/") and real.endswith(("/environ", "/mem")):
                        refuse(f"reading {real}")
            elif event in _PATH_WRITES and args and isinstance(args[0], (str, bytes,
                                                                         os.PathLike)):
                real = os.path.realpath(os.fsdecode(args[0]))
                if not real.startswith(writable) and real != ":memory:":
                    refuse(f"{event} on {real}")
            elif event == "compile" and len(args) > 1 and isinstance(args[1], str) \
                    and _is_trusted(args[1], roots) \
                    and not _is_trusted(sys._getframe(1).f_code.co_filename, roots):
                flag(f"code compiled under a library's file name ({args[1]})")
        finally:
            state["busy"] = False

    sys.addaudithook(hook)
    emit({"kind": "ready", "package": os.path.dirname(os.path.abspath(__file__)),
          "path": [p for p in sys.path if p]})


def _is_trusted(filename: str, roots: tuple[str, ...]) -> bool:
    if filename.startswith("<frozen "):
        return True
    return os.path.realpath(filename).startswith(roots) if filename.startswith(os.sep) else False


def _cell_of(frame: Any, roots: tuple[str, ...]) -> str:
    """The first line of the student's code that made the call (to find its cell)."""
    while frame is not None and _is_trusted(frame.f_code.co_filename, roots):
        frame = frame.f_back
    if frame is None:
        return ""
    import linecache

    return linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()[:120]


def _shell_state(shell: Any) -> dict[str, Any]:
    """What lets code rewrite a cell before it runs: IPython's transformer lists and events."""
    if shell is None:
        return {}
    events = getattr(shell, "events", None)
    return {"input_transformers_cleanup": list(shell.input_transformers_cleanup),
            "input_transformers_post": list(shell.input_transformers_post),
            "ast_transformers": list(shell.ast_transformers),
            "pre_run_cell": list(events.callbacks.get("pre_run_cell", [])) if events else [],
            "pre_execute": list(events.callbacks.get("pre_execute", [])) if events else [],
            "instance": sorted(k for k in vars(shell) if k in {
                "run_cell", "run_cell_async", "transform_cell", "run_code", "run_ast_nodes",
                "compile", "input_transformer_manager", "should_run_async"}),
            "compile": shell.compile, "manager": shell.input_transformer_manager,
            "class": {k: v for c in type(shell).__mro__ for k, v in vars(c).items()
                      if k in ("run_cell", "run_cell_async", "transform_cell", "run_code",
                               "run_ast_nodes", "should_run_async")}}


def _shell_changes(shell: Any, baseline: dict[str, Any]) -> list[str]:
    if shell is None:
        return []
    now = _shell_state(shell)
    changed = []
    for key, before in baseline.items():
        after = now[key]
        if key == "instance" or isinstance(before, dict):
            same = after == before
        elif isinstance(before, list):
            same = len(after) == len(before) and all(a is b for a, b in zip(after, before))
        else:
            same = after is before
        if not same:
            changed.append(key)
    return changed


# builtins is referenced so that a shadowing ``builtins`` in the package namespace shows up.
_ = builtins
