"""Every number a notebook's prose states is shown by that notebook's own code or outputs.

A sentence such as "DDPG over-estimates by about 15" must stay true when the notebook is
re-executed; this test makes it fail CI the day the outputs move and the prose does not. It runs
over the series (notebooks/NN_*.ipynb) and the exercise solutions
(notebooks/exercises/solutions/*.ipynb), one test per notebook, and names the notebook, the
number and the sentence of each offender.

**What counts as a prose number.** The text of the markdown cells, after removing what is not
prose: fenced and inline code (`...`: a literal to type, not a measurement), HTML tags, link
targets and URLs. The remaining numbers are checked except these, excluded by rule because they
are structure, not measurement (listing them one by one would drown the exceptions that matter):

1. identifiers and versions: a number touching a letter or an underscore (Pendulum-v1, L12, T8,
   float32, 2D, 1st), a dotted version (1.2.3), a number after ``#`` (PR #834);
2. notebook and exercise numbers: two digits with a leading zero (00-09);
3. numbering: a heading's leading number ("## 3.2 ..."), an ordered-list marker ("1. "), and a
   number after a word that numbers things: notebook, exercise, section, §, figure, table,
   algorithm, equation, eq., question, part, appendix, chapter, cell, row, line (the pseudocode's
   own lines are the tags of rule 1);
4. years: a four-digit 1950-2029 written without a thousands separator (citations: the book writes
   every count of 1,000 or more with one);
5. single digits 0-9 written without a decimal point: counting words ("two loops", "3 seeds");
   some output of every notebook contains each digit, so checking them could never fail;
6. an exercise notebook's exercise numbers (1.1 to 5.9, "exercises 2.1 and 2.2") and its
   "**Time:**" line (the author's estimate of the reader's time, not a computation);
7. inside LaTeX ($...$, $$...$$): the symbols and constants of an equation (the 2 of an exponent,
   the 1 of 1 - tau, a definition g = 10) are not claims. Two math forms are claims and are
   checked: a math span that is only a number ("$-134$") and a number after \\approx, \\sim or ≈.

**What counts as evidence.** Every number in the notebook's code cells (comments removed: a
comment can be as stale as prose) and in their outputs (streams, text, HTML, markdown). Thousands
separators ("1,234.5", "10_000"; in prose also "20 000"), exponents ("3e-4", "3·10⁻³") and a
k suffix ("20k") are read as numbers.

**When a prose number matches.** Signs are not compared (prose says "15 below" for -15.0). A prose
number with d decimals matches an evidence number that rounds to it at d decimals: "134.5" matches
-134.4871, "1.6" (as in "1.6x") matches 1.61. An integer matches what rounds to it ("38" matches
38.4, not 38.6); one that ends in zeros is read as rounded to its last non-zero digit, but never
to fewer than two significant figures ("1,200" matches 1,187; "750" matches 752; "20,000" matches
19,600, not 19,400; "90" has two already and matches 89.6 to 90.4). A "k" suffix multiplies by
1,000 at the same precision ("20k" is 20,000 to the thousand). A number followed by % also
matches a fraction 100 times smaller (44 % and 0.44). "38 of 50" is two numbers: 38 and 50 must
each be printed.

**Exceptions** are listed in notebooks/prose_numbers_exceptions.toml, a table per notebook,
number = "reason" (a paper's hyperparameter, an equation's constant quoted in prose ...). Fewer
than 30 in all, each with its reason, and each still in use: an exception whose number is no
longer in the prose (or is now printed) fails too, so the file cannot fill with dead entries.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the dev extra installs tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ROOT / "notebooks" / "exercises" / "solutions").glob("*.ipynb"))
EXCEPTIONS_FILE = ROOT / "notebooks" / "prose_numbers_exceptions.toml"
MAX_EXCEPTIONS = 30

# --- reading numbers ---------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
# A number: digits with optional thousands separators, decimals, exponent; then an optional k or %.
_NUMBER = re.compile(
    r"(?<![\w.#])(?P<int>\d{1,3}(?:[, \u202f\u2009\u00a0]\d{3})+(?!\d)|\d+)"
    r"(?P<dec>\.\d+)?(?P<exp>e[-+]?\d+)?(?P<k>k)?(?![\w]|\.\d)(?P<pct>\s?%)?")
_NUMBERING_WORDS = re.compile(
    r"(?:notebooks?|exercises?|section|§|figure|fig\.|table|algorithm|equation|eq\.|"
    r"questions?|part|appendix|chapter|cell|row|lines?)\s*$", re.IGNORECASE)
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)
_MATH_CLAIM = re.compile(r"^\s*[-−+]?\s*\d[\d,]*(?:\.\d+)?\s*$")
_APPROX = re.compile(r"(?:\\approx|\\sim|≈)\s*[-−]?\s*(\d[\d,]*(?:\.\d+)?)")


@dataclass(frozen=True)
class ProseNumber:
    text: str  # as written, e.g. "−134.5", "1,200", "20 000", "20k"
    value: float  # its magnitude
    precision: float  # it stands for any magnitude within precision / 2
    percent: bool
    sentence: str

    @property
    def key(self) -> str:
        """The number as the exceptions file writes it: no sign, no separators."""
        return re.sub(r"[, \u202f\u2009\u00a0]", "", self.text).lstrip("-−+").rstrip("%")


def _precision(int_part: str, dec: str | None, k: bool) -> float:
    if dec:
        step = 10.0 ** -(len(dec) - 1)
    else:
        digits = int_part.replace(",", "")
        trailing = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
        step = float(10 ** min(trailing, max(len(digits) - 2, 0)))
    return step * (1000 if k else 1)


def _strip_non_prose(text: str, exercise: bool = False) -> str:
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"(?m)^(\s*#+\s*)\d+(?:\.\d+)*\.?", r"\1", text)  # heading numbers
    text = re.sub(r"(?m)^(\s*)\d+[.)]\s", r"\1 ", text)  # ordered-list markers
    text = re.sub(r"\b\d+(?:\.\d+){2,}\b", " ", text)  # versions 1.2.3
    text = re.sub(r"(?m)^.*\*\*Time:\*\*.*$", " ", text)  # an exercise's reading time
    if exercise:
        text = re.sub(r"(?<![\w.])[1-5]\.[1-9](?![\w.])", " ", text)  # exercise numbers 2.3
    return text


def _sentence(text: str, pos: int) -> str:
    starts = [m.end() for m in re.finditer(r"[.!?:]\s|\n\s*\n", text[:pos])]
    start = starts[-1] if starts else 0
    end_match = re.search(r"[.!?]\s|\n\s*\n|$", text[pos:])
    end = pos + (end_match.start() + 1 if end_match else len(text) - pos)
    return " ".join(text[start:end].split())[:240]


def _math_claims(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Replace each math span by a blank; return the numbers in it that are claims, each with
    its sentence."""
    kept: list[tuple[str, str]] = []

    def blank(m: re.Match) -> str:
        body = m.group(0).strip("$")
        sentence = _sentence(text, m.start())
        if _MATH_CLAIM.match(body):
            kept.append((body.strip().replace("−", "-"), sentence))
        kept.extend((n, sentence) for n in _APPROX.findall(body))
        return " MATH "

    return _MATH.sub(blank, text), kept


_POWER = re.compile(r"(?:(\d+(?:\.\d+)?)\s*[·×]\s*)?10([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")


def _powers(text: str) -> str:
    """3·10⁻³ and 10⁻³ as 3e-3 and 1e-3, so that they are read as one number."""
    return _POWER.sub(lambda m: f"{m[1] or 1}e{m[2].translate(_SUPERSCRIPT)}", text)


def prose_numbers(markdown: str, exercise: bool = False) -> list[ProseNumber]:
    """The checked numbers of one markdown cell, by the rules in this module's docstring
    (`exercise`: the cell is in an exercise notebook, whose exercises are numbered 1.1 to 5.9)."""
    text = _strip_non_prose(_powers(markdown).translate(_SUPERSCRIPT), exercise)
    text, math_numbers = _math_claims(text)
    found: list[ProseNumber] = []
    for m in _NUMBER.finditer(text):
        int_part, dec, exp, k, pct = m.group("int", "dec", "exp", "k", "pct")
        before = text[max(0, m.start() - 20):m.start()]
        if re.fullmatch(r"0\d", int_part) and not dec:
            continue  # rule 2
        if not dec and not exp and _NUMBERING_WORDS.search(before):
            continue  # rule 3
        if not dec and "," not in int_part and re.fullmatch(r"19[5-9]\d|20[0-2]\d", int_part):
            continue  # rule 4
        if not dec and not exp and len(int_part) == 1 and not k:
            continue  # rule 5
        int_part = re.sub(r"[, \u202f\u2009\u00a0]", "", int_part)
        value = float(int_part + (dec or "") + (exp or ""))
        precision = _precision(int_part, dec, bool(k)) if not exp else value * 1e-9
        found.append(ProseNumber(
            m.group(0).strip(), value * (1000 if k else 1), precision, bool(pct),
            _sentence(text, m.start())))
    for number, sentence in math_numbers:
        plain = number.replace(",", "").lstrip("-+")
        int_part, _, dec = plain.partition(".")
        if not dec and len(int_part) == 1:
            continue
        precision = _precision(int_part, "." + dec if dec else None, False)
        found.append(ProseNumber(number, float(plain), precision, False, sentence))
    return found


_EVIDENCE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:_\d+)*(?:\.\d+)?(?:e[-+]?\d+)?",
                       re.IGNORECASE)


def _without_comments(source: str) -> str:
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type != tokenize.COMMENT]
        return tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return re.sub(r"(?m)#.*$", "", source)  # a magic or a partial cell: drop from # on


def _output_text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    parts = [data.get(kind, "") for kind in ("text/plain", "text/html", "text/markdown",
                                              "text/latex")]
    return " ".join("".join(p) if isinstance(p, list) else p for p in parts)


def evidence_numbers(cells: list[dict]) -> list[float]:
    """Sorted magnitudes of every number in the code (without comments) and the outputs."""
    texts: list[str] = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        texts.append(_without_comments("".join(cell["source"])))
        texts.extend(_output_text(o) for o in cell.get("outputs", []))
    values = []
    for text in texts:
        text = _powers(text).translate(_SUPERSCRIPT)
        for m in _EVIDENCE.finditer(text):
            values.append(abs(float(m.group(0).replace(",", "").replace("_", ""))))
        values.extend(1000 * float(k) for k in re.findall(r"(\d+(?:\.\d+)?)k\b", text))
    return sorted(values)


def is_shown(number: ProseNumber, evidence: list[float]) -> bool:
    """True if some evidence number rounds to the prose number (module docstring)."""
    targets = [number.value] + ([number.value / 100] if number.percent else [])
    for target in targets:
        half = (number.precision / (100 if target != number.value else 1)) / 2
        low, high = target - half * (1 + 1e-9), target + half * (1 + 1e-9)
        i = bisect_left(evidence, low)
        if i < len(evidence) and evidence[i] <= high:
            return True
    return False


# --- the tests ---------------------------------------------------------------------------------


def load_exceptions() -> dict[str, dict[str, str]]:
    with EXCEPTIONS_FILE.open("rb") as f:
        return tomllib.load(f)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT / "notebooks"))


def offenders(path: Path) -> tuple[list[tuple[int, ProseNumber]], list[ProseNumber]]:
    """(unshown numbers with their cell index, numbers an exception covers)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    evidence = evidence_numbers(cells)
    allowed = load_exceptions().get(_name(path), {})
    missing, excused = [], []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        for number in prose_numbers("".join(cell["source"]), exercise="exercises" in path.parts):
            if is_shown(number, evidence):
                continue
            (excused if number.key in allowed else missing).append((index, number))
    return missing, [n for _, n in excused]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_every_prose_number_is_shown_by_the_notebook(path: Path) -> None:
    missing, excused = offenders(path)
    lines = [f"cell {i}: {n.text!r} in: {n.sentence}" for i, n in missing]
    assert not lines, (f"{_name(path)}: numbers in the prose that no code or output shows "
                       "(print them, fix the prose, or list them with a reason in "
                       f"{EXCEPTIONS_FILE.name}):\n" + "\n".join(lines))
    unused = set(load_exceptions().get(_name(path), {})) - {n.key for n in excused}
    assert not unused, (f"{_name(path)}: exceptions no longer needed (printed now, or gone "
                        f"from the prose); remove them from {EXCEPTIONS_FILE.name}: "
                        f"{sorted(unused)}")


def test_the_exceptions_are_few_and_each_has_a_reason() -> None:
    exceptions = load_exceptions()
    names = {_name(p) for p in NOTEBOOKS}
    assert set(exceptions) <= names, f"unknown notebooks: {sorted(set(exceptions) - names)}"
    total = sum(len(v) for v in exceptions.values())
    assert total < MAX_EXCEPTIONS, f"{total} exceptions; fewer than {MAX_EXCEPTIONS} allowed"
    for notebook, table in exceptions.items():
        for number, reason in table.items():
            assert isinstance(reason, str) and len(reason.split()) >= 3, (
                f"{notebook}: exception {number} needs a reason of a few words")


# --- the rules themselves ----------------------------------------------------------------------


def _keys(markdown: str) -> list[str]:
    return [n.key for n in prose_numbers(markdown)]


def test_structure_is_not_checked_and_claims_are() -> None:
    text = ("## 3.2 Results (Lillicrap et al., 2015)\n1. In notebook 08, L12 and T8 on "
            "Pendulum-v1 (PR #834, float32, version 1.2.3, `--steps 20000`): DDPG over-estimates "
            "by 15.1, about $-134$ and $\\theta^2 \\approx 10.5$, 38 of 50 starts, 1.6× faster, "
            "44 % of the time, two seeds: 4 of 5, by 12k steps. [link](https://x.org/9999)")
    assert _keys(text) == ["15.1", "38", "50", "1.6", "44", "12k", "134", "10.5"]


def test_rounding_rules() -> None:
    def shown(prose: str, *printed: float) -> bool:
        (number,) = prose_numbers(prose)
        return is_shown(number, sorted(abs(p) for p in printed))

    assert shown("−134.5", -134.4871)
    assert not shown("−134.5", -134.4)
    assert shown("1.6×", 1.61) and not shown("1.6×", 1.66)
    assert shown("1,200", 1187.0) and not shown("1,200", 1251.0)
    assert shown("38", 38.4) and not shown("38", 37.0) and not shown("38", 38.6)
    assert shown("20,000", 19_600.0) and not shown("20,000", 19_400.0)
    assert shown("90", 89.6) and not shown("90", 88.0) and shown("750", 752.0)
    assert shown("44 %", 0.44) and shown("20k", 20_400.0) and not shown("20k", 21_000.0)
    assert shown("U(±3·10⁻³)", 0.003) and shown("Adam at 10⁻³", 1e-3)
    assert not shown("Adam at 10⁻³", 10.0)


def test_evidence_reads_code_without_comments_and_outputs() -> None:
    cells = [{"cell_type": "code", "source": "x = 10_000  # 1.45x slower\ny = 3e-4\n",
              "outputs": [{"output_type": "stream", "text": "return -1,526.3\n"}]}]
    values = evidence_numbers(cells)
    assert 10_000 in values and 3e-4 in values and 1526.3 in values and 1.45 not in values
