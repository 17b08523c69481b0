"""An IPython kernel for ``nbgrader autograde`` in which a submission cannot write the gradebook.

nbgrader runs each submission in a kernel started as the instructor, in the course directory, so
an answer cell could open ``gradebook.db`` and give itself points. This kernel is the usual
IPython kernel with the grading guard's containment (``ddpg_numpy.teach.guard.contain``) set up
before the first cell: writing outside the notebook's folder (and a private temporary folder),
starting processes, sending signals and loading native code are refused (PermissionError).

    python -m ddpg_numpy.teach.graded_kernel                 # install it into this environment
    python -m ddpg_numpy.teach.graded_kernel --prefix DIR    # ... or into DIR/share/jupyter

then in the course's nbgrader_config.py: ``c.Execute.kernel_name = "ddpg-numpy-graded"``
(notebooks/exercises/README.md, "Grading with nbgrader").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

__all__ = ["KERNEL_NAME", "install_kernel", "kernel_spec"]

KERNEL_NAME = "ddpg-numpy-graded"
SETUP = "import ddpg_numpy.teach.guard as _guard; _guard.contain(); del _guard"


def kernel_spec(python: str = sys.executable) -> dict:
    """The kernel.json: ipykernel with the containment run before any cell, no history file."""
    return {"argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                     "--HistoryManager.enabled=False", f"--IPKernelApp.exec_lines={SETUP}"],
            "display_name": "Python 3 (ddpg-numpy, graded)", "language": "python",
            "env": {"PYTHONNOUSERSITE": "1", "PYTHONSAFEPATH": "1",
                    "PYTHONDONTWRITEBYTECODE": "1"}}


def install_kernel(prefix: str | os.PathLike = sys.prefix) -> Path:
    """Write the kernel spec under ``prefix``/share/jupyter/kernels/; returns its folder."""
    folder = Path(prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(kernel_spec(), f, indent=1)
    os.replace(tmp, folder / "kernel.json")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", default=sys.prefix,
                        help="install under PREFIX/share/jupyter/kernels (default: this "
                             "environment)")
    folder = install_kernel(parser.parse_args(argv).prefix)
    print(f"installed {folder}; in nbgrader_config.py: c.Execute.kernel_name = "
          f"{KERNEL_NAME!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
