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


# --- TD3 (docs/pseudocode.md, "TD3, line by line"): T1–T13 ------------------------------------

TD3_LINES = [f"T{i}" for i in range(1, 14)]


def td3_table() -> dict[str, dict[str, str]]:
    """The TD3 listing's rows by id: {"what", "code", "as"} (the "as" column: DDPG's lines)."""
    rows = {}
    for line in (ROOT / "docs" / "pseudocode.md").read_text().splitlines():
        match = re.match(r"\| \*\*(T\d+)\*\* \|(.*)\|(.*)\|(.*)\|\s*$", line)
        if match:
            rows[match[1]] = dict(zip(("what", "code", "as"), map(str.strip, match.groups()[1:])))
    return rows


def comments_in(relative_path: str) -> str:
    text = (ROOT / "ddpg_numpy" / relative_path).read_text()
    return "\n".join(re.findall(r"#.*$", text, flags=re.M))


def test_the_td3_listing_has_every_line_once():
    assert sorted(td3_table(), key=lambda t: int(t[1:])) == TD3_LINES


# The lines TD3 changes run in core/td3.py (and, T8–T13, in its float32 fast path); the others
# run DDPG's code (the "as" column), which carries DDPG's tags.
TD3_OWN_LINES = [t for t, row in td3_table().items() if "TD3" in row["code"]]


def test_td3s_own_lines_are_the_ones_it_changes():
    assert TD3_OWN_LINES == ["T1", "T2", "T8", "T9", "T10", "T11", "T12", "T13"]


@pytest.mark.parametrize("line", TD3_OWN_LINES)
def test_td3_line_tags_the_core_code_that_implements_it(line):
    assert re.search(rf"# {line}\b", comments_in("core/td3.py")), f"no '# {line}' in core/td3.py"


@pytest.mark.parametrize("line", ["T8", "T9", "T10", "T11", "T12", "T13"])
def test_td3_update_line_tags_the_fast_path(line):
    assert re.search(rf"# {line}\b", comments_in("fast/td3_update.py")), \
        f"no '# {line}' in fast/td3_update.py"


@pytest.mark.parametrize("line", [t for t in TD3_LINES if t not in TD3_OWN_LINES])
def test_td3_lines_run_by_ddpg_code_name_ddpgs_tagged_lines(line):
    same_as = re.findall(r"\bL\d+\b", td3_table()[line]["as"])
    assert same_as, f"{line} names no TD3 code, so its 'as' column must name DDPG's lines"
    for ddpg_line in same_as:
        assert ddpg_line in LINES and re.search(rf"\b{ddpg_line}\b", code_comments()), ddpg_line


NOTEBOOK_08 = ROOT / "notebooks" / "08_from_ddpg_to_td3.ipynb"


@pytest.mark.parametrize("line", TD3_LINES)
def test_td3_line_is_in_notebook_08(line):
    assert NOTEBOOK_08.exists(), f"{NOTEBOOK_08.name} (From DDPG to TD3) is missing"
    text = "\n".join("".join(cell["source"])
                     for cell in json.loads(NOTEBOOK_08.read_text())["cells"]
                     if cell["cell_type"] == "markdown")
    assert re.search(rf"\b{line}\b", text), f"{line} is not mentioned in {NOTEBOOK_08.name}"
