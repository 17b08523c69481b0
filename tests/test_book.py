"""The book as a website (`make book`).

Two parts. The first checks the pieces that make the site (book/): which ids the pseudocode
reference defines, where each is coded, which package definitions a code cell uses. It runs with
the other unit tests.

The second opens the built site in headless Chromium and checks every page: it loads without
console errors, its equations are typeset, its images have a size, its internal links land on
something, and search finds "deterministic policy gradient". It runs when BOOK_SITE names a
built site (`make book-test` builds one, installs Chromium and runs this file) and is skipped,
saying why, when the browser is not there. Screenshots go to site-screenshots/ (git-ignored).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # book/ is the site's glue, not an installed package
    sys.path.insert(0, str(ROOT))

from book import pseudocode, sources, symbols  # noqa: E402

# --- the pieces -------------------------------------------------------------------------------

TABLE = """
| line | what happens | code | notebook |
|---|---|---|---|
| **L1** | Initialise. | `DDPG.__init__` (`core/agent.py`) | 01, 02 |
| **L2** | Copy. | `DDPG.__init__` | 04 |

| line | what happens | code | as |
|---|---|---|---|
| **T1** | Initialise two critics. | `TD3.__init__` (`core/td3.py`) | L1 |
| **T9** | Clipped double-Q target. | `TD3.update`, block T9 | |
"""


def test_the_ids_are_whatever_the_reference_defines():
    lines = pseudocode.read_table(TABLE)
    assert list(lines) == ["L1", "L2", "T1", "T9"]
    assert lines["L1"].chapters == ["01", "02"]
    assert lines["T1"].chapters == []  # the TD3 table has no notebook column


def test_mentions_link_both_ends_of_a_range_and_not_the_l2_norm():
    ids = ["L1", "L2", "L12", "L13", "L14", "L15"]
    text = "L12–L15 update; L2 penalty and L2 weight decay are norms; L1 and L2 initialise."
    found = [line_id for _, _, line_id in pseudocode.mentions(text, ids)]
    assert found == ["L12", "L15", "L1", "L2"]
    assert pseudocode.covered("L12–L15", ids) == {"L12", "L13", "L14", "L15"}


def test_every_id_of_the_reference_finds_a_source_line_that_names_it():
    lines = pseudocode.read_table()
    pseudocode.find_sources(lines, sources.package_modules())
    for line in lines.values():
        assert line.source is not None, f"{line.id}: no source line"
        path, number = line.source
        text = (ROOT / path).read_text(encoding="utf-8").splitlines()[number - 1]
        named = pseudocode.covered(text, list(lines))
        # Its own tag, or, for a line that runs another's code ("T3 ... as L3"), that one's.
        expected = {line.id} | pseudocode.covered(" ".join(line.cells), list(lines))
        assert named & expected, f"{line.id}: {path}:{number} is {text.strip()!r}"


def test_a_code_cell_links_what_it_imports_and_what_it_uses_later():
    pytest.importorskip("bs4", reason="pip install -e '.[book]'")
    from book import chapters

    aliases: dict[str, str] = {}
    first = chapters._references("import ddpg_numpy\nfrom ddpg_numpy.plots import plot_runs",
                                 aliases)
    later = chapters._references("%matplotlib inline\nagent = ddpg_numpy.DDPG(1)\nx = 3",
                                 aliases)
    assert first == ["ddpg_numpy.plots.plot_runs"]
    assert later == ["ddpg_numpy.DDPG"]
    path, line = symbols.resolve("ddpg_numpy.plots.plot_runs")
    assert path == "ddpg_numpy/plots/curves.py"
    assert "def plot_runs" in (ROOT / path).read_text().splitlines()[line - 1]


def test_the_book_holds_every_chapter_in_order_and_every_linked_file():
    book = sources.collect()
    numbers = [Path(p).name[:2] for p in book["chapters"]]
    assert numbers == sorted(numbers) and numbers[0] == "00"
    for page in [*book["pages"], *book["chapters"]]:
        for target in sources.linked_from(page):
            on_site = {*book["pages"], *book["chapters"], *book["sources"], *book["statics"]}
            assert target in on_site or f"{target}/README.md".lstrip("/") in on_site, \
                f"{page} links to {target}, which the site would not hold"


def test_the_site_offers_the_solutions_only_when_the_instructor_asks():
    default = sources.collect()
    assert [p for kind in default.values() for p in kind if "exercises/solutions" in p] == []
    assert sum("exercises/student/" in p for p in default["statics"]) == 5
    asked = sources.collect(with_solutions=True)
    assert sum("exercises/solutions/" in p for p in asked["statics"]) == 5
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "solutions: !ENV [BOOK_SOLUTIONS, false]" in config  # the flag, off by default


def test_a_built_site_holds_no_solution(site):
    assert list(site.rglob("solutions/*.ipynb")) == [] or os.environ.get("BOOK_SOLUTIONS")
    guide = (site / "notebooks" / "exercises" / "index.html").read_text(encoding="utf-8")
    assert "student/01_backprop.ipynb" in guide and (
        "solutions/01_backprop.ipynb" not in guide or os.environ.get("BOOK_SOLUTIONS"))


# --- the built site, in a browser -------------------------------------------------------------

SITE = Path(os.environ["BOOK_SITE"]).resolve() if os.environ.get("BOOK_SITE") else None
SHOTS = ROOT / "site-screenshots"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                  "--window-size=1280,1000"]
SEARCH = "deterministic policy gradient"


@pytest.fixture(scope="module")
def site() -> Path:
    if SITE is None:
        pytest.skip("the browser test needs a built site: `make book-test` builds one, "
                    "installs Chromium and runs it (BOOK_SITE=site)")
    if not (SITE / "index.html").is_file():
        pytest.fail(f"BOOK_SITE={SITE} holds no built site (index.html): run `make book`")
    return SITE


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test reports what matters
        pass


@pytest.fixture(scope="module")
def browser(server):
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install -e '.[book]'")
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Chromium is not installed (chromium, chromedriver): `make book-test` "
                    "installs them with apt-get; it could not here")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="book-chromium-")
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def site_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if p.name != "404.html" and "assets" not in p.parts)


# Run in the page: how many equations, whether raw TeX is left outside code, broken images,
# every link's absolute address.
INSPECT = """
const text = (() => { const copy = document.querySelector('article').cloneNode(true);
  copy.querySelectorAll('pre, code, script, .highlight, .clipboard-copy-txt')
      .forEach(e => e.remove());
  return copy.textContent; })();
return {
  mathjax: document.body.getAttribute('data-mathjax'),
  equations: document.querySelectorAll('script[type^="math/tex"]').length,
  errors: document.querySelectorAll('.MathJax_Error, merror, .MathJax .merror').length,
  rawTex: ['$$', '\\\\(', '\\\\['].filter(s => text.includes(s)),
  images: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0 &&
                                              i.naturalHeight > 0)).map(i => i.src.slice(0, 120)),
  imageCount: document.images.length,
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  runBox: !!document.getElementById('run-this-notebook'),
  sourceLinks: document.querySelectorAll('.book-source-links a').length,
  idLinks: document.querySelectorAll('a.book-line').length,
};
"""


def _open(browser, url: str) -> dict:
    browser.get(url)
    deadline = time.monotonic() + 60
    while browser.execute_script("return document.body.getAttribute('data-mathjax')") != "done":
        assert time.monotonic() < deadline, f"{url}: MathJax never finished typesetting"
        time.sleep(0.05)
    found = browser.execute_script(INSPECT)
    found["console"] = [e["message"] for e in browser.get_log("browser")
                        if e["level"] == "SEVERE"]
    return found


def test_every_page_loads_typesets_and_shows_its_images(site, server, browser):
    problems, seen, links = [], {}, set()
    for page in site_pages(site):
        found = _open(browser, server + page)
        seen[page] = found
        links.update(found["links"])
        for what, bad in (("console errors", found["console"]), ("raw TeX", found["rawTex"]),
                          ("broken images", found["images"])):
            if bad:
                problems.append(f"{page}: {what}: {bad}")
        if found["errors"]:
            problems.append(f"{page}: {found['errors']} MathJax errors")
    assert not problems, "\n".join(problems)
    chapter_pages = [p for p in seen if re.fullmatch(r"notebooks/\d\d_.*\.html", p)]
    assert len(chapter_pages) == len(sources.chapters())
    assert sum(seen[p]["equations"] for p in chapter_pages) > 100  # the notebooks' math, typeset
    assert sum(seen[p]["imageCount"] for p in chapter_pages) > 10  # their committed figures
    for page in chapter_pages:
        assert seen[page]["runBox"], f"{page} does not end with how to run it"
        assert seen[page]["sourceLinks"] > 0, f"{page}: no code cell links to the source"
        assert seen[page]["idLinks"] > 0, f"{page}: no L-line links"
    _check_links(site, server, links)


def _ids_of(path: Path) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))


def _check_links(site: Path, server: str, links: set[str]) -> None:
    """Every link into the site lands on a file, and on an element when it names one."""
    broken, ids = [], {}
    for link in sorted(links):
        if not link.startswith(server):
            continue
        url = urlparse(link)
        target = site / unquote(url.path).lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(link)
        elif url.fragment and target.suffix == ".html":
            if target not in ids:
                ids[target] = _ids_of(target)
            if unquote(url.fragment) not in ids[target]:
                broken.append(link)
    assert not broken, f"{len(broken)} links land on nothing:\n" + "\n".join(broken[:40])


def test_the_pseudocode_links_each_line_to_its_section_and_source(site, server, browser):
    browser.get(server + "docs/pseudocode.html")
    rows = browser.execute_script("""
        return [...document.querySelectorAll('tr[id]')].map(r => ({id: r.id,
          section: r.querySelector('a.book-section') && r.querySelector('a.book-section').href,
          code: r.querySelector('a.book-code') && r.querySelector('a.book-code').href}));""")
    ids = list(pseudocode.read_table())
    assert [row["id"] for row in rows] == ids
    for row in rows:
        assert row["code"], f"{row['id']} has no link to its source line"
        page, line = row["code"].removeprefix(server).split("#line-")
        browser.get(server + page + "#line-" + line)
        text = browser.execute_script(f"return document.getElementById('line-{line}').textContent")
        row_text = pseudocode.covered(text, ids)
        assert row_text, f"{row['id']}: {page} line {line} names no pseudocode line: {text!r}"
    ddpg = [row for row in rows if row["id"].startswith("L")]
    assert all(row["section"] and "/notebooks/" in row["section"] for row in ddpg)


def test_search_finds_the_deterministic_policy_gradient(site, server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "index.html")
    browser.find_element(By.CSS_SELECTOR, "label.md-search__icon, .md-search__input").click()
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    box.send_keys(SEARCH)
    deadline, hits = time.monotonic() + 30, []
    while time.monotonic() < deadline and not hits:
        hits = browser.execute_script(
            "return [...document.querySelectorAll('.md-search-result__item a')]"
            ".map(a => [a.href, a.textContent])")
        time.sleep(0.1)
    assert hits, f"search for {SEARCH!r} found nothing"
    assert any("03_actor_and_policy_gradient" in href for href, _ in hits), hits[:5]
    assert any(SEARCH in text.lower() for _, text in hits), hits[:5]
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / "search.png"))


def test_screenshots_of_the_front_page_and_a_chapter(site, server, browser):
    SHOTS.mkdir(exist_ok=True)
    for page, name in (("index.html", "front_page.png"),
                       ("notebooks/03_actor_and_policy_gradient.html", "chapter_03.png")):
        _open(browser, server + page)
        path = SHOTS / name
        assert browser.save_screenshot(str(path)) and path.stat().st_size > 10_000
