"""What the book reads from a rendered notebook: its sections, and the package code its cells use.

`sections` finds, for each pseudocode id, the heading of the section that teaches it;
`link_code_cells` puts under each code cell that uses the package a line of links to the
definitions it uses, in the source view.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from book import pseudocode, symbols
from book.rewrite import relative

PACKAGE = symbols.PACKAGE


@dataclass
class Section:
    """Where an id is taught: a chapter's heading (its anchor and its words)."""

    chapter: str  # repository path of the notebook
    anchor: str
    title: str
    level: int  # 1 for the chapter's title, 2 for its sections, ...
    how: int  # 0: the heading names the id; 1: its prose does; 2: a range in its prose covers it


def _title(heading: Tag) -> str:
    words = "".join(t for t in heading.find_all(string=True)
                    if not (t.parent and "anchor-link" in (t.parent.get("class") or [])))
    return " ".join(words.split())


def toc_tokens(soup: BeautifulSoup) -> list[dict]:
    """The page's table of contents, read from its headings' own anchors (mkdocs-jupyter
    builds its own from a Markdown copy, whose anchors differ when a heading holds code)."""
    root: dict = {"level": 0, "children": []}
    stack = [root]
    for heading in soup.find_all(re.compile(r"^h[1-6]$")):
        if not heading.get("id") or heading.find_parent(class_="jp-MarkdownCell") is None:
            continue
        token = {"level": int(heading.name[1]), "id": heading["id"], "name": _title(heading),
                 "children": []}
        while stack[-1]["level"] >= token["level"]:
            stack.pop()
        stack[-1]["children"].append(token)
        stack.append(token)
    return root["children"]


def sections(soup: BeautifulSoup, chapter: str, ids: list[str]) -> dict[str, list[Section]]:
    """For each id this chapter speaks of, every section that does: a heading naming it, and
    the first paragraph under each heading that names it or covers it by a range."""
    found: dict[str, list[Section]] = {}
    heading, seen = None, set()
    for element in soup.find_all(re.compile(r"^(h[1-6]|p|li|td)$")):
        if element.find_parent(class_="jp-MarkdownCell") is None:
            continue
        if element.name.startswith("h") and element.get("id"):
            heading = element
            for _, _, line_id in pseudocode.mentions(_title(element), ids):
                found.setdefault(line_id, []).append(_section(chapter, heading, 0))
                seen.add((line_id, id(heading)))
        elif heading is not None:
            text = element.get_text(" ")
            named = {i for _, _, i in pseudocode.mentions(text, ids)}
            for line_id in pseudocode.covered(text, ids):
                if (line_id, id(heading)) not in seen:
                    seen.add((line_id, id(heading)))
                    how = 1 if line_id in named else 2
                    found.setdefault(line_id, []).append(_section(chapter, heading, how))
    return found


def _section(chapter: str, heading: Tag, how: int) -> Section:
    return Section(chapter, heading["id"], _title(heading), int(heading.name[1]), how)


def best_section(line: pseudocode.Line, candidates: list[Section]) -> Section | None:
    """The section to send a reader to for `line`: first in a chapter the reference names;
    then a section before the chapter's title; then a heading that names the id before prose
    that names it, before a range that covers it."""
    def rank(section: Section) -> tuple[int, bool, int]:
        number = posixpath.basename(section.chapter)[:2]
        named = line.chapters.index(number) if number in line.chapters else len(line.chapters)
        return named, section.level == 1, section.how
    # min() keeps the first of equals: the candidates come in reading order.
    return min(candidates, key=rank, default=None)


def _references(code: str, aliases: dict[str, str]) -> list[str]:
    """The package names a cell imports or uses, in order, as dotted references; `aliases`
    (local name → reference) is updated with the cell's imports and carries to later cells."""
    code = "\n".join("" if row.lstrip().startswith(("%", "!")) else row
                     for row in code.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    used: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                used.append((node.lineno, node.col_offset, aliases[alias.asname or alias.name]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    aliases[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else PACKAGE)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in aliases and symbols.module_path(aliases[node.value.id]):
            used.append((node.lineno, node.col_offset, f"{aliases[node.value.id]}.{node.attr}"))
        elif isinstance(node, ast.Name) and node.id in aliases \
                and not symbols.module_path(aliases[node.id]):
            used.append((node.lineno, node.col_offset, aliases[node.id]))
    return list(dict.fromkeys(reference for *_, reference in sorted(used)))


def link_code_cells(soup: BeautifulSoup, page_site_path: str) -> int:
    """Adds "Source: DDPG · train ..." under each code cell that uses the package, each name a
    link to its definition in the source view. Returns how many cells got links."""
    aliases: dict[str, str] = {}
    linked = 0
    for cell in soup.select("div.jp-CodeCell"):
        code = cell.select_one(".jp-InputArea pre")
        if code is None:
            continue
        links = []
        for reference in _references(code.get_text(), aliases):
            found = symbols.resolve(reference)
            if found is None:
                continue
            path, line = found
            href = relative(f"source/{path[:-3]}.html", page_site_path) + f"#line-{line}"
            name = reference.removeprefix(f"{PACKAGE}.")
            links.append(f'<a href="{href}"><code>{name}</code></a>')
        if links:
            box = BeautifulSoup('<div class="book-source-links">Source: '
                                + " · ".join(links) + "</div>", "html.parser")
            anchor = cell.select_one(".jp-Cell-inputWrapper") or code
            anchor.insert_after(box)
            linked += 1
    return linked
