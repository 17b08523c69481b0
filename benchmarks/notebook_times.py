"""How long each notebook's committed outputs took to make, read from the notebooks themselves.

    python benchmarks/notebook_times.py          # print each notebook's seconds
    python benchmarks/notebook_times.py --write  # and put them in notebooks/README.md's table

Jupyter (and ``jupyter nbconvert --execute``) records in each code cell's metadata when the kernel
began and finished it (``execution``: ``iopub.execute_input``, ``shell.execute_reply``). A
notebook's time is the sum over its code cells: what executing it took on the CPU, and under the
load, of the run that made its committed outputs. Re-executing a notebook changes it; rerun this
with ``--write`` then (tests/test_doc_numbers.py checks that the table still describes the
committed notebooks).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DOC = NOTEBOOKS / "README.md"
# A row of the reading-order table: "| 06 | [The whole algorithm](06_full_algorithm.ipynb) | ... |
# 220 s |"; the last column is the run time.
ROW = re.compile(r"^(\| (\d\d) \| \[[^\]]+\]\((\d\d_\w+\.ipynb)\) \|.*\| )(\d+) s \|$", re.M)


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def recorded_seconds(path: Path) -> float | None:
    """Seconds the committed execution of notebook ``path`` took (sum over its code cells), or
    None when its cells record no execution times."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    times = [c["metadata"]["execution"] for c in cells
             if c["cell_type"] == "code" and "execution" in c.get("metadata", {})]
    spans = [(_moment(t["shell.execute_reply"]) - _moment(t["iopub.execute_input"])).total_seconds()
             for t in times if "shell.execute_reply" in t and "iopub.execute_input" in t]
    return sum(spans) if spans else None


def times() -> dict[str, float | None]:
    """{notebook file name: recorded seconds} for every lecture notebook, in order."""
    return {p.name: recorded_seconds(p) for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))}


def with_times(page: str, seconds: dict[str, float | None]) -> str:
    """``page`` with the run-time column of each notebook's row set to its recorded seconds."""
    def row(m: re.Match) -> str:
        value = seconds.get(m.group(3))
        return m.group(0) if value is None else f"{m.group(1)}{round(value)} s |"

    return ROW.sub(row, page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"also write them into {DOC}")
    args = parser.parse_args(argv)
    recorded = times()
    for name, value in recorded.items():
        print(f"{name:45} {'no times recorded' if value is None else f'{value:6.1f} s'}")
    if args.write:
        DOC.write_text(with_times(DOC.read_text(encoding="utf-8"), recorded), encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
