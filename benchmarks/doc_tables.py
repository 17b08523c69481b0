"""Write every generated table of README.md and docs/ from shipped data, or check them.

    python -m benchmarks.doc_tables           # rewrite the tables in place
    python -m benchmarks.doc_tables --check   # exit 1, naming each stale table, if one differs

A generated table sits between two markers in a markdown file:

    <!-- table: NAME (python -m benchmarks.doc_tables) -->
    ...
    <!-- end table: NAME -->

and NAME is a key of TABLES: a function in the module that owns the data, reading only files
shipped in the repository (checkpoints/). tests/test_doc_tables.py checks that the committed text
equals what these functions write.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _pendulum() -> str:
    from benchmarks.learning import shipped_table

    return shipped_table()


def _pendulum_summary() -> str:
    from benchmarks.learning import shipped_summary

    return shipped_summary()


def _fast_defaults() -> str:
    from benchmarks.fast_defaults_suite import shipped_table

    return shipped_table()


TABLES: dict[str, Callable[[], str]] = {
    "pendulum-learning": _pendulum,  # checkpoints/pendulum/, checkpoints/pendulum_optimal.npz
    "pendulum-summary": _pendulum_summary,  # the same, two sentences for README
    "fast-defaults": _fast_defaults,  # checkpoints/fast_defaults/
}
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             ROOT / "benchmarks" / "README.md"]
BLOCK = re.compile(r"(<!-- table: (?P<name>[\w.-]+) \(python -m benchmarks\.doc_tables\) -->\n)"
                   r"(?P<body>.*?)(\n<!-- end table: (?P=name) -->)", re.DOTALL)


def blocks(text: str) -> list[tuple[str, str]]:
    """(name, committed body) of every generated table in a document."""
    return [(m["name"], m["body"]) for m in BLOCK.finditer(text)]


def render(text: str) -> str:
    """The document with every generated table written afresh."""
    def write(m: re.Match) -> str:
        if m["name"] not in TABLES:
            raise KeyError(f"unknown table {m['name']!r}; known: {', '.join(TABLES)}")
        return m.group(1) + TABLES[m["name"]]() + m.group(4)

    return BLOCK.sub(write, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    for path in DOCUMENTS:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        fresh = render(text)
        if fresh == text:
            continue
        if args.check:
            stale += [f"{path.relative_to(ROOT)}: {name}" for (name, old), (_, new)
                       in zip(blocks(text), blocks(fresh)) if old != new]
        else:
            path.write_text(fresh, encoding="utf-8")
            print(f"wrote the tables of {path.relative_to(ROOT)}")
    if stale:
        print("stale tables (run python -m benchmarks.doc_tables): " + "; ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
