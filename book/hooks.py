"""mkdocs hooks: the book's files, the links between them, MathJax served by the site itself.

mkdocs.yml names this file under `hooks:`. Each function is one mkdocs event, called in this
order: on_config (the navigation), on_files (README, notebooks, docs/, source views, images),
on_page_content (every page's links, ids and last words), on_page_context (the pseudocode
table's links to the sections and lines, once every chapter is rendered), on_post_build
(MathJax copied in).
"""

from __future__ import annotations

import logging
import posixpath
import shutil
import sys
from pathlib import Path

from bs4 import BeautifulSoup
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # mkdocs loads this file by path; its siblings are the `book` package
    sys.path.insert(0, str(ROOT))

from book import chapters, pseudocode, rewrite, source_pages, sources  # noqa: E402

log = logging.getLogger("mkdocs.hooks.book")
REFERENCE = pseudocode.REFERENCE
REFERENCE_PAGE = sources.site_path(REFERENCE)
EXERCISES = "notebooks/exercises/README.md"

# One build's state: what the book holds, the pseudocode table, what the chapters teach where.
book: dict[str, list[str]] = {}
lines: dict[str, pseudocode.Line] = {}
taught: dict[str, list[chapters.Section]] = {}  # id → the sections that teach it, in order
source_of_page: dict[str, str] = {}


def with_solutions(config) -> bool:
    """Whether this build publishes the solution notebooks: only when the instructor asks,
    BOOK_SOLUTIONS=1 make book (mkdocs.yml reads it into extra.solutions)."""
    return str(config.get("extra", {}).get("solutions", "")).lower() in ("1", "true", "yes")


def on_config(config):
    book.clear()
    book.update(sources.collect(with_solutions=with_solutions(config)))
    lines.clear()
    lines.update(pseudocode.read_table())
    pseudocode.find_sources(lines, book["sources"])
    taught.clear()
    guides = [p for p in sources.GUIDES if p != EXERCISES]
    more = [p for p in book["pages"] if p not in (sources.FRONT, REFERENCE, EXERCISES, *guides)]
    config["nav"] = [
        {"Home": sources.FRONT},
        {"The notebooks": [*guides, *book["chapters"]]},
        {"Exercises": EXERCISES},
        {"The pseudocode, line by line": REFERENCE},
        {"More": [*more, {"Source": "source/index.md"}]},
    ]
    return config


@event_priority(50)  # before mkdocs-jupyter's on_files, which turns .ipynb files into pages
def on_files(files: Files, config) -> Files:
    def add(path: str) -> None:
        files.append(File(path, str(ROOT), config["site_dir"], config["use_directory_urls"]))

    for path in [*book["pages"], *book["chapters"], *book["statics"]]:
        add(path)
    source_of_page.clear()
    for path in book["sources"]:
        page = f"{sources.SOURCE_PREFIX}{path[:-3]}.md"
        source_of_page[page] = path
        files.append(File.generated(config, page, content=source_pages.page_markdown(path)))
    modules = sorted(p for p in book["sources"] if p.startswith("ddpg_numpy/"))
    files.append(File.generated(config, "source/index.md",
                                content=source_pages.index_markdown(modules)))
    return files


def _line_links(page_site_path: str) -> dict[str, str]:
    here = page_site_path == REFERENCE_PAGE
    target = "" if here else rewrite.relative(REFERENCE_PAGE, page_site_path)
    return {line_id: f"{target}#{line_id}" for line_id in lines}


def on_page_content(html: str, page, config, files) -> str:
    src, site_path = page.file.src_uri, page.file.dest_uri
    soup = BeautifulSoup(html, "html.parser")
    if src in source_of_page:
        placeholder = soup.find(class_="book-source-placeholder")
        if placeholder is not None:
            placeholder.replace_with(BeautifulSoup(source_pages.render(source_of_page[src]),
                                                   "html.parser"))
    else:
        on_site = {*book["pages"], *book["chapters"], *book["sources"], *book["statics"]}
        for broken in rewrite.fix_links(soup, src, site_path, on_site):
            log.warning("%s links to %s, which is not in the book", src, broken)
    rewrite.drop_outside_scripts(soup)
    if src in book["chapters"]:
        for line_id, found in chapters.sections(soup, src, list(lines)).items():
            taught.setdefault(line_id, []).extend(found)
        page.toc = get_toc(chapters.toc_tokens(soup))
        chapters.link_code_cells(soup, site_path)
    if src == REFERENCE:
        _mark_rows(soup)
    if src == EXERCISES:
        _downloads(soup, site_path)
    rewrite.link_ids(soup, list(lines), _line_links(site_path))
    if src not in source_of_page:
        rewrite.run_instructions(soup, src if src in book["chapters"] else None)
    return str(soup)


def _mark_rows(soup: BeautifulSoup) -> None:
    """Gives each row of the reference the anchor of its id (`#L14`)."""
    for row in soup.find_all("tr"):
        first = row.find("td")
        if first is not None and first.get_text(strip=True) in lines:
            row["id"] = first.get_text(strip=True)
            first["class"] = ["book-noid"]


def _downloads(soup: BeautifulSoup, site_path: str) -> None:
    """The exercise notebooks as files to download, under the instructor guide."""
    items = []
    for path in book["statics"]:
        if path.endswith(".ipynb"):
            href = rewrite.relative(path, site_path)
            items.append(f'<li><a href="{href}" download><code>{href}</code></a></li>')
    solutions = any("/solutions/" in path for path in book["statics"])
    note = ("hand out <code>student/</code>; <code>solutions/</code> is the instructor's copy "
            "(this site was built with them: do not publish it to students)." if solutions else
            "these are the student notebooks. The solutions are not on this site; an "
            "instructor finds them in the repository, <code>notebooks/exercises/solutions/"
            "</code>.")
    soup.append(BeautifulSoup(
        f'<h2 id="downloads">Downloads</h2><p>The notebooks, as files: {note}</p>'
        f"<ul>{''.join(items)}</ul>", "html.parser"))


def on_page_context(context, page, config, nav):
    if page.file.src_uri == REFERENCE:
        page.content = _where_each_line_lives(page.content, page.file.dest_uri)
    return context


def _where_each_line_lives(html: str, site_path: str) -> str:
    """Adds a column to the reference's tables: the section that teaches each line and the
    source line that implements it."""
    soup = BeautifulSoup(html, "html.parser")
    for table in soup.find_all("table"):
        rows = [row for row in table.find_all("tr") if row.get("id") in lines]
        if not rows:
            continue
        header = table.find("tr")
        header.append(BeautifulSoup("<th>on this site</th>", "html.parser"))
        for row in rows:
            line = lines[row["id"]]
            links = []
            section = chapters.best_section(line, taught.get(line.id, []))
            if section is None:  # a line that runs another's code ("T3 | ... | L3"): its section
                named = pseudocode.covered(" ".join(line.cells), list(lines)) - {line.id}
                section = next((chapters.best_section(lines[i], taught[i])
                                for i in lines if i in named and taught.get(i)), None)
            if section is not None:
                href = rewrite.relative(sources.site_path(section.chapter), site_path)
                number = posixpath.basename(section.chapter)[:2]
                links.append(f'<a class="book-section" href="{href}#{section.anchor}">'
                             f"{number} § {section.title}</a>")
            if line.source is not None:
                path, number = line.source
                href = rewrite.relative(sources.site_path(path), site_path)
                links.append(f'<a class="book-code" href="{href}#line-{number}">'
                             f"{path.removeprefix('ddpg_numpy/')}:{number}</a>")
            row.append(BeautifulSoup(f'<td class="book-where">{"<br>".join(links)}</td>',
                                     "html.parser"))
    return str(soup)


def on_post_build(config) -> None:
    """Copies MathJax 2 from the jupyter-server-mathjax package into the site."""
    import jupyter_server_mathjax

    shipped = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(shipped, Path(config["site_dir"]) / "assets" / "mathjax", dirs_exist_ok=True)
