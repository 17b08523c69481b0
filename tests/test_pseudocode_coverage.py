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


def code_comments(folder: str = "") -> str:
    comments = []
    for path in sorted((ROOT / "ddpg_numpy" / folder).rglob("*.py")):
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


# The agent's lines live in the core; the lines that touch the environment (L4, L6, L7, L9)
# and the loop around them are the training lab's (docs/architecture.md).
CORE_LINES = ["L1", "L2", "L3", "L5", "L8", "L10", "L11", "L12", "L13", "L14", "L15"]


@pytest.mark.parametrize("line", CORE_LINES)
def test_the_agents_lines_are_tagged_in_the_core(line):
    assert re.search(rf"\b{line}\b", code_comments("core")), f"no '# {line}' in ddpg_numpy/core/"
