"""The source view: one page per Python file, every line with an anchor (`#line-142`).

Each page is generated at build time from the file as it is in the work tree; the links from
docs/pseudocode.md ("L14 → core/agent.py:142") and from the notebooks' code cells land on it.
"""

from __future__ import annotations

from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = '<div class="book-source-placeholder"></div>'


def page_markdown(path: str) -> str:
    """The Markdown of a source page: a title, a link back to the module map, a placeholder
    that `render` fills. Left out of search: the book's search is for the book's prose."""
    up = "../" * (path.count("/") + 1)  # from source/<folders>/ back to the top of the site
    return (
        "---\nsearch:\n  exclude: true\n---\n\n"
        f"# `{path}`\n\n"
        f"What each module does: [the architecture]({up}docs/architecture.md); "
        f"[all modules]({up}source/index.md).\n\n"
        f"{PLACEHOLDER}\n"
    )


def render(path: str) -> str:
    """The file as highlighted HTML, one `<span id="line-N">` per line, numbers shown inline."""
    formatter = HtmlFormatter(linenos="inline", linespans="line", cssclass="highlight book-source")
    return highlight((ROOT / path).read_text(encoding="utf-8"), PythonLexer(), formatter)


def index_markdown(paths: list[str]) -> str:
    """The source view's front page: every module, grouped by folder."""
    rows = ["# The source\n", "Every module of the package, as it is in this build; "
            "[the architecture](../docs/architecture.md) says what each one does.\n"]
    folder = None
    for path in paths:
        parent = path.rsplit("/", 1)[0]
        if parent != folder:
            rows.append(f"\n## `{parent}/`\n")
            folder = parent
        rows.append(f"- [`{path.rsplit('/', 1)[1]}`]({path[:-3]}.md)")
    return "\n".join(rows) + "\n"
