"""Every results table in README.md and docs/ is written from shipped data by
`python -m benchmarks.doc_tables`, and the committed text is what it writes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ is not installed
from benchmarks import doc_tables  # noqa: E402

RESULTS_PAGES = [doc_tables.ROOT / "docs" / "results.md"]


def _committed() -> list[tuple[str, str, str]]:
    found = []
    for path in doc_tables.DOCUMENTS:
        if path.exists():
            found += [(path.name, name, body)
                      for name, body in doc_tables.blocks(path.read_text(encoding="utf-8"))]
    return found


def test_every_table_is_used_somewhere() -> None:
    assert {name for _, name, _ in _committed()} == set(doc_tables.TABLES)


@pytest.mark.parametrize("document, name, body", _committed(),
                         ids=[f"{d}:{n}" for d, n, _ in _committed()])
def test_committed_table_is_what_the_command_writes(document: str, name: str, body: str) -> None:
    assert body == doc_tables.TABLES[name](), (
        f"{document}: table {name} is stale; run python -m benchmarks.doc_tables")


@pytest.mark.parametrize("page", RESULTS_PAGES, ids=lambda p: p.name)
def test_every_table_of_a_results_page_is_generated(page) -> None:
    text = page.read_text(encoding="utf-8")
    outside = doc_tables.BLOCK.sub("", text)
    rows = [line for line in outside.splitlines() if re.match(r"^\|.*\|\s*$", line)]
    assert not rows, f"{page.name}: a table written by hand: {rows[0]}"


def test_a_stale_table_is_found_and_rewritten(tmp_path, monkeypatch) -> None:
    doc = tmp_path / "page.md"
    doc.write_text("x\n<!-- table: t (python -m benchmarks.doc_tables) -->\nold\n"
                   "<!-- end table: t -->\ny\n", encoding="utf-8")
    monkeypatch.setattr(doc_tables, "TABLES", {"t": lambda: "| a |\n|---|"})
    monkeypatch.setattr(doc_tables, "DOCUMENTS", [doc])
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    assert doc_tables.main(["--check"]) == 1
    assert doc_tables.main([]) == 0
    assert "| a |\n|---|\n<!-- end table: t -->" in doc.read_text(encoding="utf-8")
    assert doc_tables.main(["--check"]) == 0
