"""The pseudocode ids (L1–L15, T1–T13, whatever docs/pseudocode.md defines) and where each lives.

An id is defined by a table row of docs/pseudocode.md whose first cell is bold: `| **L14** | ...`.
For every id the book finds the source line that implements it (a `# L14: ...` comment) and
turns each mention of it on the site ("L14", "L12–L15") into a link to its row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from book import symbols

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "docs/pseudocode.md"

_ROW = re.compile(r"^\|\s*\*\*([A-Z]\d+)\*\*\s*\|(.*)\|\s*$")
# "L2 penalty", "L2 weight decay": the norm, not pseudocode line 2.
_NOT_AN_ID_AFTER = re.compile(r"\s*(-?norm|penalty|weight|regulari[sz]|loss|distance)", re.I)
_DASH = "–-"  # an en dash or a hyphen joins a range: L12–L15


@dataclass
class Line:
    """One id of the reference: its row's cells, the chapters it names, where it is coded."""

    id: str
    cells: list[str]
    chapters: list[str] = field(default_factory=list)  # "02", "05" (the row's notebook column)
    source: tuple[str, int] | None = None  # (repository path, line number)


def read_table(text: str | None = None) -> dict[str, Line]:
    """Every id the reference defines, in order, with its row's cells."""
    if text is None:
        text = (ROOT / REFERENCE).read_text(encoding="utf-8")
    lines: dict[str, Line] = {}
    header: list[str] = []
    for row in text.splitlines():
        if row.startswith("|") and "**" not in row and "---" not in row:
            header = [cell.strip().lower() for cell in row.strip().strip("|").split("|")]
        match = _ROW.match(row)
        if match:
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", match[2])]
            line = Line(match[1], cells)
            column = header.index("notebook") - 1 if "notebook" in header else len(cells)
            if column < len(cells):  # "01, 02, 03": the chapters that teach the line
                line.chapters = re.findall(r"\b\d\d\b", cells[column])
            lines[line.id] = line
    return lines


def id_pattern(ids: list[str]) -> re.Pattern[str]:
    """Matches one id or a range of ids ("L8–L11") as whole words."""
    one = "|".join(sorted(map(re.escape, ids), key=len, reverse=True))
    return re.compile(rf"\b({one})(?:\s?[{_DASH}]\s?({one}))?\b")


def expand(first: str, last: str | None, ids: list[str]) -> list[str]:
    """The ids a mention covers: L12–L15 is L12, L13, L14, L15 (in the table's order)."""
    if last is None or first not in ids or last not in ids:
        return [first]
    start, stop = ids.index(first), ids.index(last)
    return ids[start:stop + 1] if start <= stop else [first]


def mentions(text: str, ids: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, id) of each id written in `text`, a range giving its two ends separately;
    "L2 penalty" and the like are left out."""
    found = []
    for match in id_pattern(ids).finditer(text):
        for group in (1, 2):
            if match[group] is None:
                continue
            start, end = match.span(group)
            if not _NOT_AN_ID_AFTER.match(text, end):
                found.append((start, end, match[group]))
    return found


def covered(text: str, ids: list[str]) -> set[str]:
    """Every id `text` speaks of, the inside of ranges included ("L12–L15" covers L13)."""
    found = set()
    for match in id_pattern(ids).finditer(text):
        if not _NOT_AN_ID_AFTER.match(text, match.end()):
            found.update(expand(match[1], match[2], ids))
    return found


def tagged_comments(path: str) -> list[tuple[int, str]]:
    """(line number, comment) for each `#` comment of a Python file."""
    found = []
    text = (ROOT / path).read_text(encoding="utf-8")
    for number, row in enumerate(text.splitlines(), start=1):
        # A '#' inside a string would be taken for a comment; the ids there are rare and harmless.
        if "#" in row:
            found.append((number, row[row.index("#"):]))
    return found


def _files_named_in(cell: str) -> list[str]:
    """Package files a row's code column names: `core/agent.py`, or `DDPG.update` → its file."""
    files = [f"ddpg_numpy/{p}" for p in re.findall(r"\b((?:[a-z_]+/)*[a-z_0-9]+\.py)\b", cell)]
    for name in re.findall(r"`([A-Za-z_][\w.]*)", cell):
        found = symbols.resolve(f"ddpg_numpy.{name.split('.')[0]}")
        if found:
            files.append(found[0])
    return [f for f in dict.fromkeys(files) if (ROOT / f).is_file()]


def find_sources(lines: dict[str, Line], modules: list[str]) -> None:
    """Sets each id's source: its `# L14: ...` comment, looked for first in the files the row
    names, then in core/, lab/, fast/ and the rest; a comment that opens with the id beats
    one that mentions it on the way."""
    order = ["ddpg_numpy/core/", "ddpg_numpy/lab/", "ddpg_numpy/fast/", "ddpg_numpy/"]
    ids = list(lines)
    comments = {path: tagged_comments(path) for path in modules}
    for line in lines.values():
        named = _files_named_in(line.cells[1] if len(line.cells) > 1 else "")
        best = None
        for path, found in comments.items():
            folder = next(i for i, prefix in enumerate(order) if path.startswith(prefix))
            file_rank = named.index(path) if path in named else len(named) + folder
            for number, comment in found:
                if line.id not in covered(comment, ids):
                    continue
                mentioned_only = re.match(rf"#\s*{line.id}\s*:", comment) is None
                rank = (file_rank, mentioned_only, number)
                if best is None or rank < best[0]:
                    best = (rank, path, number)
        line.source = (best[1], best[2]) if best else None
    # A line that runs another line's code ("T3 | ... | as L3") points at that code.
    for line in lines.values():
        if line.source is None:
            others = [i for i in ids if i != line.id and i in covered(" ".join(line.cells), ids)]
            line.source = next((lines[i].source for i in others if lines[i].source), None)
