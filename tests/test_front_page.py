"""README.md is a front page: short, licensed, linking pages that exist, and free of the words
that date a text or tie it to one computer (docs/ too)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the dev extra installs tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "notebooks" / "README.md",
         ROOT / "notebooks" / "exercises" / "README.md", ROOT / "benchmarks" / "README.md"]
# Sentences about the computer the text was written on, the project's own process, or a moment.
DATED = re.compile(r"this 2-core machine|these machines|2-core machine|another machine|"
                   r"issue [0-9]+|so far|when this was written|"
                   r"\btargets?\b[^\n]{0,120}[✔✘]|[≥≤] ?[\d,.]+×? ?[✔✘]", re.IGNORECASE)


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; the front page keeps to 150"


def test_the_license_file_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "the ddpg-numpy authors" in text


def test_readme_links_land_on_files() -> None:
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if not re.match(r"https?://", target):
            assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_dated_or_machine_bound_sentences(page: Path) -> None:
    found = [m.group(0) for m in DATED.finditer(page.read_text(encoding="utf-8"))]
    assert not found, f"{page.relative_to(ROOT)}: {found}"
