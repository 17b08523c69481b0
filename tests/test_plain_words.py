"""User-facing text says the thing itself, not the project's history: no issue numbers, no
benchmark "targets" from a task list, no sentences about the computers the project was written on
or about how far the work has got.

Scanned: the package, the benchmarks (their docstrings, comments and what they print), docs/,
the checkpoints' pages, the notebooks (cells and committed outputs) and the exercises, the book's
sources, the tests, and the top-level Makefile, pyproject.toml, environment.yml and mkdocs.yml.
README.md has its own check (tests/test_front_page.py). Words with a legitimate meaning stay:
"target network", "TD target", "the return so far", "on your machine", "gym PR #834".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# (folder, file name patterns): everything a user reads, runs or is shown.
SCANNED = [
    ("ddpg_numpy", ("*.py", "*.md", "*.toml")),
    ("benchmarks", ("*.py", "*.md", "*.toml")),
    ("docs", ("*.md",)),
    ("checkpoints", ("*.md", "*.txt")),
    ("notebooks", ("*.ipynb", "*.md", "*.py", "*.toml", "*.cfg")),
    ("book", ("*.py", "*.md", "*.js", "*.css", "*.html")),
    ("tests", ("*.py",)),
]
TOP_LEVEL = ["Makefile", "pyproject.toml", "environment.yml", "mkdocs.yml"]
SKIPPED_PARTS = {".venv", "build", "site", "runs", "__pycache__", ".ipynb_checkpoints"}
# These two hold the phrasings themselves, as patterns and as planted examples.
SELF = {ROOT / "tests" / "test_plain_words.py", ROOT / "tests" / "test_front_page.py"}

# Another project's issue or pull request, cited as the source of a fact, is fine.
EXTERNAL_PROJECTS = {"gym", "gymnasium", "nbgrader", "nbval", "numpy", "mujoco", "ray", "rliable",
                     "jupyter", "openblas", "pytorch", "torch", "cleanrl", "matplotlib", "tqdm"}
ISSUE_WORD = re.compile(r"\b(?:([\w-]+)\s+)?(?:issues?|tickets?)\s*#?\d+", re.IGNORECASE)
# "#14" alone; not a colour (#555555), a URL anchor, an HTML entity, an upstream "PR #834", or
# "issue #1083" (ISSUE_WORD judges that one by the project named before it).
BARE_NUMBER = re.compile(r"(?<![\w&/#])(?<!PR )(?<!pull request )(?<!issue )#\d{1,5}\b"
                         r"(?![0-9a-fA-F])")
PHRASES = re.compile("|".join([
    # a target or goal of the project rather than of the algorithm
    r"\b(?:issue|project|session|task list)'?s?\s+(?:targets?|goals?|figures?)\b",
    r"\b(?:the|this)\s+issue(?:'s|:)",
    r"\b(?:targets?|goals?)\s+of\s+the\s+project\b",
    r"\b(?:targets?|goals?)\s*(?:[≥≤]|>=|<=)",
    r"\b(?:targets?|goals?)\s+(?:is|was|are|were)\s+(?:[≥≤]|>=|<=|met|missed)",
    r"\b(?:met|missed|meets|misses|meet|miss)\s+(?:the\s+|its\s+|a\s+|one\s+)?(?:targets?|goals?)\b",
    r"\b(?:targets?|goals?)\s+(?:met|missed)\b",
    # the computers the text was written on
    r"\bour\s+(?:own\s+)?(?:machines?|computers?|hardware|CPUs?|laptops?|servers?)\b",
    r"\bth(?:is|ese)\s+(?:\d+-core\s+)?machines?\b",
    r"\b\d+-core\s+machines?\b",
    r"\bmachines?\s+we\b",
    # how far the work has got
    r"(?<!actions )(?<!action )(?<!return )(?<!returns )(?<!rows )(?<!logged )\bso\s+far\b",
    r"\bround[- ](?:one|two|three|four|\d)\b",
    r"\b(?:this|last|previous|next|first|second|third)\s+session\b",
    r"\bwhen\s+this\s+was\s+written\b|\bat\s+the\s+time\s+of\s+writing\b",
]), re.IGNORECASE)


def scanned_files(root: Path = ROOT) -> list[Path]:
    """Every user-facing file under ``root``, sorted; never .venv, build, site or runs."""
    files = {root / name for name in TOP_LEVEL if (root / name).is_file()}
    for folder, patterns in SCANNED:
        for pattern in patterns:
            for path in (root / folder).rglob(pattern):
                if path.is_file() and not SKIPPED_PARTS & set(path.relative_to(root).parts):
                    files.add(path)
    return sorted(files - SELF)


def findings(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line: words`` for each issue number, project target, machine or progress phrasing
    in ``path`` (a notebook is read as its JSON text, so lines are the file's own)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found = []
    for pattern in (ISSUE_WORD, BARE_NUMBER, PHRASES):
        for match in pattern.finditer(text):
            if pattern is ISSUE_WORD and (match.group(1) or "").lower() in EXTERNAL_PROJECTS:
                continue
            line = text.count("\n", 0, match.start()) + 1
            words = " ".join(match.group(0).split())
            found.append(f"{path.relative_to(root)}:{line}: {words!r}")
    return sorted(found)


def test_enough_files_are_scanned() -> None:
    files = scanned_files()
    by_folder = {folder: sum(p.relative_to(ROOT).parts[0] == folder for p in files)
                 for folder, _ in SCANNED}
    # The package has dozens of modules, the notebooks ten lessons and ten exercise notebooks.
    assert len(files) >= 200, f"only {len(files)} files scanned: {by_folder}"
    assert all(by_folder.values()), f"a folder contributed no file: {by_folder}"
    assert by_folder["notebooks"] >= 20 and by_folder["ddpg_numpy"] >= 50, by_folder
    assert ROOT / "Makefile" in files and ROOT / "README.md" not in files


def test_user_facing_text_speaks_of_the_thing_itself() -> None:
    found = [line for path in scanned_files() for line in findings(path)]
    assert not found, ("say what is measured and why, not the project's history; found:\n"
                       + "\n".join(found))


BAD = ["The fast path is ≥ 1.5× faster (issue 14).",
       "See #22 for the plan.",
       "Updates per second, issue 7's figure.",
       "print('target ≥ 2× SB3 ✔')",
       "the targets of the project are met",
       "we missed the target on seeds",
       "It takes 20 s on our machine.",
       "On this 2-core machine the ratio is 2.3.",
       "timed on these machines",
       "the machine we used has 2 cores",
       "The results so far look good.",
       "- **lab/ gained owners for round-two failure cases**",
       "as last session showed",
       "# Speed (issue figures: medians of repeats)",
       "TARGET_RATIO = 2.0  # the issue: ours ≥ 2× PyTorch"]
GOOD = ["soft updates of the target networks; the TD target y",
        "target smoothing and the target value; a run's target `steps`",
        "the reward and the return so far; the episode's actions so far; rows logged so far",
        "color=\"#555555\"; see gym PR #834 and nbgrader issue #1083, Gymnasium PR #1618",
        "a machine with 2 cores; measure it on your machine; the same machine, the same process",
        "terminated: a robot fell, a goal was reached",
        "[anchor](page.md#section-2); &#8212;; passes, the first round, a Python session"]


@pytest.mark.parametrize("bad", BAD)
def test_a_planted_line_is_caught_with_its_file_and_line(tmp_path, bad) -> None:
    page = tmp_path / "docs" / "page.md"
    page.parent.mkdir()
    page.write_text("# A page\n\nA clean line.\n" + bad + "\nAnother clean line.\n",
                    encoding="utf-8")
    found = findings(page, root=tmp_path)
    assert found and all(f.startswith("docs/page.md:4: ") for f in found), found
    assert page in scanned_files(tmp_path)


def test_a_phrase_split_over_two_lines_is_caught(tmp_path) -> None:
    page = tmp_path / "notes.py"
    page.write_text('"""Measured for issue\n    7, on our\n    machine."""\n', encoding="utf-8")
    assert [f.split(": ")[0] for f in findings(page, root=tmp_path)] == ["notes.py:1",
                                                                          "notes.py:2"]


def test_legitimate_uses_are_left_alone(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text("\n".join(GOOD), encoding="utf-8")
    assert findings(page, root=tmp_path) == []
