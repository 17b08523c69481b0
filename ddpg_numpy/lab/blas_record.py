"""blas.json: the BLAS kernel a run was trained under, beside its logs.

A run reproduces bit for bit only under the BLAS kernel that made it. OpenBLAS picks a kernel for
the CPU it runs on (threadpoolctl's ``threadpool_info()`` "architecture": Haswell, SkylakeX, ...;
the environment variables OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE change the pick), and kernels
sum a matrix product in different orders. The last bits differ, training amplifies them, and a
seed's curve on another machine is another draw of the same experiment. So every run folder
records its kernel::

    {"threadpool_info": [...],          threadpoolctl.threadpool_info() when the run started
     "OPENBLAS_CORETYPE": null,         the two variables as the run saw them (null: unset)
     "OPENBLAS_L2_SIZE": null,
     "versions": {"python": "3.11.9", "numpy": "2.3.5", "gymnasium": "1.4.0", "mujoco": ...},
     "resumed_under": [{"step": 40000, "architecture": "SkylakeX"}, ...]}

``versions`` are the installed versions, when the run started, of Python and of the packages a
run's numbers depend on (the simulator's above all: gymnasium's v5 tasks run on whichever
``mujoco`` is installed); a package that is not installed is left out.

``resumed_under`` is there only if a resume ran under another kernel than the one before it: the
entry's step is where the new kernel took over (progress.csv's rows after it come from it). A
folder resumed without a blas.json (made before runs recorded one) gets the resume's record
with ``"first_recorded_at_step"``: the kernel of the steps before is not known.

Written whole and atomically (``replace_text``) by ``record_blas`` at every start and resume
(loop.py for a run in one process and each worker group, parallel.py for a --workers run's top
folder); read by ``architecture``. Nothing here refuses a run: a kernel change is one line on
stderr, and blas.json keeps the history.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from .run_logs import replace_text

BLAS_FILE = "blas.json"
PACKAGES = ("numpy", "gymnasium", "mujoco", "torch")  # whose versions a record names
UNKNOWN = "?"  # no OpenBLAS (or no architecture reported) in threadpool_info


def current_record() -> dict[str, Any]:
    """This process's BLAS libraries and the two OpenBLAS variables, as blas.json holds them."""
    from threadpoolctl import threadpool_info

    return {"threadpool_info": threadpool_info(),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
            "versions": installed_versions()}


def installed_versions() -> dict[str, str]:
    """Python's version and each installed package of PACKAGES's (read from its metadata,
    nothing imported)."""
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return versions


def architecture(record: dict[str, Any]) -> str:
    """The kernel of a record's first BLAS library (what plots/mujoco.py's blas_kernel reads)."""
    info = record.get("threadpool_info")
    libraries = [lib for lib in info if isinstance(lib, dict)] if isinstance(info, list) else []
    return next((lib.get("architecture") or UNKNOWN for lib in libraries
                 if lib.get("user_api") == "blas"), UNKNOWN)


def last_architecture(record: dict[str, Any]) -> str:
    """The kernel the run was last trained under: its latest resume's, else its start's."""
    history = record.get("resumed_under")
    if isinstance(history, list) and history and isinstance(history[-1], dict):
        return str(history[-1].get("architecture", UNKNOWN))
    return architecture(record)


def read_record(out: str | Path) -> dict[str, Any] | None:
    """The folder's blas.json (None if there is none); a ValueError if it is not a record."""
    path = Path(out) / BLAS_FILE
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    if not isinstance(record, dict) or not isinstance(record.get("threadpool_info"), list):
        raise ValueError("it holds no threadpool_info list")
    return record


def record_blas(out: Path, resumed_at: int | None = None, *, quiet: bool = False) -> None:
    """Write ``out``/blas.json for a run that starts (``resumed_at`` None: a new record) or
    resumes from step ``resumed_at`` (the run's record kept; a change of kernel appended to
    ``resumed_under`` and said in one line on stderr unless ``quiet``)."""
    now = current_record()
    if resumed_at is None:
        _write(out, now)
        return
    try:
        saved = read_record(out)
    except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError is a ValueError
        print(f"note: {out / BLAS_FILE} could not be read ({str(e)[:60]}); it is written "
              f"again, from this resume at step {resumed_at}.", file=sys.stderr)
        saved = None
    if saved is None:  # a folder from before blas.json: the earlier steps' kernel is unknown
        _write(out, {**now, "first_recorded_at_step": resumed_at})
        return
    before, after = last_architecture(saved), architecture(now)
    if after == before:
        return
    history = saved.get("resumed_under")
    history = history if isinstance(history, list) else []
    _write(out, {**saved, "resumed_under": [*history, {"step": resumed_at,
                                                       "architecture": after}]})
    if not quiet:
        how = "started" if not history else "last ran"
        print(f"note: the run in {out} {how} under the OpenBLAS kernel {before} and continues "
              f"from step {resumed_at} under {after}, so it will not reproduce bit for bit "
              f"(both are in {BLAS_FILE}).", file=sys.stderr)


def _write(out: Path, record: dict[str, Any]) -> None:
    replace_text(out / BLAS_FILE, json.dumps(record, indent=1) + "\n")
