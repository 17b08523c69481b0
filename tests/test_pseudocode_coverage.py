"""Every pseudocode line L1–L15 is taught in the notebooks and tagged in the code that runs it."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINES = [f"L{i}" for i in range(1, 16)]


def notebook_text() -> str:
    parts = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                parts.append("".join(cell["source"]))
    return "\n".join(parts)


def code_comments() -> str:
    comments = []
    for path in sorted((ROOT / "ddpg_numpy").glob("*.py")):
        comments += re.findall(r"#.*$", path.read_text(), flags=re.M)
    return "\n".join(comments)


def test_reference_lists_every_line():
    text = (ROOT / "docs" / "pseudocode.md").read_text()
    for line in LINES:
        assert f"**{line}**" in text


@pytest.mark.parametrize("line", LINES)
def test_line_is_in_the_notebooks(line):
    assert re.search(rf"\b{line}\b", notebook_text()), f"{line} is not mentioned in notebooks/"


@pytest.mark.parametrize("line", LINES)
def test_line_tags_the_code_that_implements_it(line):
    assert re.search(rf"\b{line}\b", code_comments()), f"no '# {line}' comment in ddpg_numpy/"
