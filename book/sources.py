"""Which files of the repository make the book, and where each one lands on the site.

The site keeps the repository's folders (mkdocs' `use_directory_urls: false`): README.md becomes
index.html, notebooks/02_critic.ipynb becomes notebooks/02_critic.html, figures/x.png stays
figures/x.png. So a relative link written in a README or a notebook still points at the right
place on the site, and a page opens from disk too. Python files get a source view at
source/<path>.html instead.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The pages a reader starts from, besides the chapters; more are found by following links.
FRONT = "README.md"
GUIDES = ["notebooks/README.md", "notebooks/exercises/README.md"]
SOURCE_PREFIX = "source/"
SOLUTIONS = "notebooks/exercises/solutions"  # on the site only with BOOK_SOLUTIONS=1 (mkdocs.yml)

_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)|(?:src|href)\s*=\s*[\"']([^\"']+)[\"']")


def chapters() -> list[str]:
    """The book's notebooks in reading order: notebooks/00_*.ipynb, 01_*, ... up to the last."""
    return [p.relative_to(ROOT).as_posix()
            for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]


def downloads(with_solutions: bool = False) -> list[str]:
    """The exercise notebooks a student takes home (student/), and their instructor copies
    (solutions/) only when asked: a site students can read never offers the answers."""
    folder = ROOT / "notebooks" / "exercises"
    subs = ("student", "solutions") if with_solutions else ("student",)
    return [p.relative_to(ROOT).as_posix()
            for sub in subs for p in sorted((folder / sub).glob("*.ipynb"))]


def docs() -> list[str]:
    """Every docs/*.md (pseudocode.md first: the reference every page links to)."""
    pages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))
    return sorted(pages, key=lambda page: page != "docs/pseudocode.md")


def package_modules() -> list[str]:
    """Every module of the package, for the source view."""
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "ddpg_numpy").rglob("*.py")
                  if "__pycache__" not in p.parts)


def text_of(path: str) -> str:
    """What a reader sees of a page's source: a Markdown file, or a notebook's Markdown cells."""
    raw = (ROOT / path).read_text(encoding="utf-8")
    if not path.endswith(".ipynb"):
        return raw
    cells = json.loads(raw)["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def split_link(href: str) -> tuple[str, str]:
    """("path", "#fragment") of a link; the fragment may be empty."""
    path, hash_sign, fragment = href.partition("#")
    return path.split("?")[0], hash_sign + fragment


def is_relative(href: str) -> bool:
    return not re.match(r"^([a-z][a-z0-9+.-]*:|/|#)", href, flags=re.I) and bool(href)


def resolve(page: str, href: str) -> str | None:
    """The repository path a relative link on `page` points at (a file or a folder), or None
    if it leaves the repository or points at nothing that exists."""
    path, _ = split_link(href)
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if target.startswith("..") or not (ROOT / target).exists():
        return None
    return "" if target == "." else target


def linked_from(page: str) -> list[str]:
    """The existing repository files and folders that `page`'s relative links point at."""
    found = []
    for match in _LINK.finditer(text_of(page)):
        href = match[1] or match[2]
        if is_relative(href) and (target := resolve(page, href)) is not None:
            found.append(target)
    return found


def site_path(path: str) -> str:
    """Where a repository file lands on the site (for a page: its .html)."""
    if path.endswith(".py"):
        return SOURCE_PREFIX + path[:-3] + ".html"
    if path.endswith("README.md"):
        return path[: -len("README.md")] + "index.html"
    if path.endswith(".md") or re.fullmatch(r"notebooks/\d\d_[^/]*\.ipynb", path):
        return path.rsplit(".", 1)[0] + ".html"
    return path


def collect(with_solutions: bool = False) -> dict[str, list[str]]:
    """The book's files by kind: "pages" (Markdown), "chapters", "sources" (Python files with a
    source view), "statics" (images and downloads, copied as they are). Markdown pages and files
    linked from any page are followed, so a README linked from the front page is in the book."""
    pages = [FRONT, *GUIDES, *docs()]
    sources, statics = package_modules(), downloads(with_solutions)
    todo = [*pages, *chapters()]
    while todo:
        for target in linked_from(todo.pop()):
            if (ROOT / target).is_dir():
                target = posixpath.join(target, "README.md")
                if not (ROOT / target).is_file():
                    continue
            if target.endswith(".md") and target not in pages:
                pages.append(target)
                todo.append(target)
            elif target.endswith(".py") and target not in sources:
                sources.append(target)
            elif not target.endswith((".md", ".py", ".ipynb")) and target not in statics \
                    and (with_solutions or not target.startswith(SOLUTIONS)):
                statics.append(target)
    return {"pages": pages, "chapters": chapters(), "sources": sources, "statics": statics}
