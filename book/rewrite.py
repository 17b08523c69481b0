"""What every page of the site goes through after it is rendered: links, ids, the last words.

Works on the page's HTML (BeautifulSoup), the same way for a Markdown page, a rendered notebook
and a source view, so a link written in a notebook's Markdown behaves like one in a README.
"""

from __future__ import annotations

import posixpath
import re

from bs4 import BeautifulSoup, NavigableString, Tag

from book import pseudocode, sources

# Where an id is not turned into a link: existing links, headings (they carry their own anchor),
# code the browser runs, and math before MathJax has read it.
_NO_LINK_INSIDE = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style", "title", "textarea"}
_SKIP_CLASSES = {"arithmatex", "book-noid"}


def relative(target: str, page_site_path: str) -> str:
    """The link from one site path to another (both relative to the top of the site)."""
    return posixpath.relpath(target, posixpath.dirname(page_site_path) or ".")


def fix_links(soup: BeautifulSoup, page: str, page_site_path: str,
              on_site: set[str]) -> list[str]:
    """Points each relative link and image written in the page's source at the site: a link
    to a notebook, a README or a .py file goes to its page or source view; a link to a folder
    goes to its README's page. `on_site`: the repository paths the site holds. Returns the
    links that point at nothing in the repository (mkdocs' own links to its pages excepted)."""
    broken = []
    for tag, attribute in (("a", "href"), ("img", "src")):
        for element in soup.find_all(tag):
            href = element.get(attribute)
            if not isinstance(href, str) or not sources.is_relative(href):
                continue
            target = sources.resolve(page, href)
            if target is None:
                if not _is_site_link(href, page_site_path, on_site):
                    broken.append(href)
                continue
            if target not in on_site:
                target = posixpath.join(target, "README.md") if target else "README.md"
            if target not in on_site:
                broken.append(href)
                continue
            _, fragment = sources.split_link(href)
            element[attribute] = relative(sources.site_path(target), page_site_path) + fragment
    return broken


def _is_site_link(href: str, page_site_path: str, on_site: set[str]) -> bool:
    """Whether a link already points at a page of the site (mkdocs converts the links it knows
    in Markdown pages: notebooks/02_critic.ipynb → notebooks/02_critic.html)."""
    path, _ = sources.split_link(href)
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page_site_path), path))
    return target in {sources.site_path(p) for p in on_site}


def _skipped(node: NavigableString) -> bool:
    for parent in node.parents:
        if parent.name in _NO_LINK_INSIDE:
            return True
        if _SKIP_CLASSES & set(parent.get("class") or []):
            return True
        if parent.name == "span" and parent.get("class") and "MathJax" in parent["class"][0]:
            return True
    return False


def link_ids(soup: BeautifulSoup, ids: list[str], href_of: dict[str, str]) -> int:
    """Turns each mention of an id ("L14", both ends of "L12–L15") in the page's text into a
    link to `href_of[id]`. Returns how many links it made."""
    pattern = pseudocode.id_pattern(ids)
    made = 0
    for node in list(soup.find_all(string=pattern)):
        if isinstance(node, NavigableString) and type(node) is not NavigableString:
            continue  # comments, CDATA, doctype
        if _skipped(node):
            continue
        text, pieces, at = str(node), [], 0
        for start, end, line_id in pseudocode.mentions(text, ids):
            link = soup.new_tag("a", href=href_of[line_id], attrs={"class": "book-line"})
            link.string = text[start:end]
            pieces += [text[at:start], link]
            at = end
        if not pieces:
            continue
        pieces.append(text[at:])
        for piece in pieces:
            node.insert_before(piece if isinstance(piece, Tag) else NavigableString(piece))
        node.extract()
        made += len(pieces) // 2
    return made


def drop_outside_scripts(soup: BeautifulSoup) -> None:
    """Removes the scripts a notebook brings that load from the internet or set MathJax up
    their own way: the site serves one MathJax, configured once, for every page."""
    for script in soup.find_all("script"):
        src = script.get("src") or ""
        inline = script.string or ""
        # An inline script that builds a <script src="https://..."> (the widgets' loader) too.
        if re.match(r"^(https?:)?//", src) or "mathjax" in src.lower() or "MathJax.Hub" in inline \
                or re.search(r"https?://", inline):
            script.decompose()


def run_instructions(soup: BeautifulSoup, chapter: str | None) -> None:
    """Ends the page with how to run it: the two commands, and the notebook to open."""
    name = posixpath.basename(chapter) if chapter else None
    box = BeautifulSoup(
        '<div class="admonition book-run" id="run-this-notebook">'
        f'<p class="admonition-title">{"Run this notebook" if name else "Run the notebooks"}</p>'
        "<p>From a clone of the repository, on a machine with Python ≥ 3.10 and "
        "<code>make</code>; the first command sets up <code>.venv/</code>:</p>"
        "<pre><code>make demo    # or: make test (ruff, the unit tests, every notebook)\n"
        ".venv/bin/jupyter lab notebooks/</code></pre>"
        + (f'<p>then open <code>{name}</code> (<a href="{name}" download>download it</a>). '
           "Its outputs here are the committed ones.</p>" if name else "")
        + "</div>",
        "html.parser",
    )
    soup.append(box)
