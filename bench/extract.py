"""Offline Markdown quality and speed: our extractor against pymupdf4llm, side by side.

The documents come from :mod:`bench.extract_corpus`: PDFs laid out by PyMuPDF's Story
API from HTML written there, so every expected paragraph, heading, cell, code line and
list item is known. Each contender turns every document into Markdown in this process;
the Markdown is scored per category (1.0 is perfect):

- reading_order: sentences found whole, in the right order (longest increasing run);
- tables: cells in the right column of a row that matches the source row, times the
  share of Markdown tables that are real tables (a boxed note is not one);
- code: code lines inside fenced blocks, indentation kept;
- lists: list items as their own Markdown list line;
- headings: headings at the source's level (h1 is '#'), less headings made up (author
  lines, table-of-contents lines);
- ligatures: ligature-prone words spelled with plain letters ('difficult', not 'diﬃcult');
- running_lines: running headers and footers left out of the text;
- page_markers: each page's number marked, in order.

pymupdf4llm is asked for its page separators so that it can score on page markers.
It is optional (``.venv/bin/pip install -e '.[bench]'``); without it its fields are nan.
"""

from __future__ import annotations

import bisect
import re
import statistics
import sys
import tempfile
import textwrap
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from bench.extract_corpus import LIGATURE_WORDS, Truth, build_all
from core import extract

CATEGORIES = (
    "reading_order",
    "tables",
    "code",
    "lists",
    "headings",
    "ligatures",
    "running_lines",
    "page_markers",
)
REPEATS = 3
Converter = Callable[[Path], str]

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
# ours; pymupdf4llm's legacy mode (0-based); its layout mode (1-based)
_MARKER = re.compile(
    r"^(?:<!-- page (\d+) -->|--- end of page=(\d+) ---|--- end of page\.page_number=(\d+) ---)$"
)


# ------------------------------------------------------------------- contenders
def ours(path: Path) -> str:
    return extract.analyze_section_pdf(str(path)).text_markdown


def pymupdf4llm_converter() -> tuple[Converter | None, str]:
    """pymupdf4llm's to_markdown, or None and why it is missing."""
    try:
        import pymupdf4llm  # type: ignore[import-not-found]
    except ImportError:
        return None, "pymupdf4llm is not installed: .venv/bin/pip install -e '.[bench]'"
    import pymupdf

    mode = "legacy" if getattr(pymupdf, "_get_layout", None) is None else "layout"
    # layout mode can leave out what its model takes for page headers and footers
    options = {"header": False, "footer": False} if mode == "layout" else {}

    def convert(path: Path) -> str:
        return pymupdf4llm.to_markdown(
            str(path), page_separators=True, show_progress=False, **options
        )

    return convert, f"pymupdf4llm {pymupdf4llm.__version__}, {mode} mode"


# ----------------------------------------------------------------------- helpers
def plain(text: str) -> str:
    """Text for matching: compatibility forms folded, emphasis marks and spacing gone."""
    text = unicodedata.normalize("NFKC", text).replace("<br>", " ")
    return " ".join(re.sub(r"[*_`]", "", text).split())


def prose(markdown: str) -> str:
    """The Markdown without page markers, so a sentence across pages reads whole."""
    lines = [ln for ln in markdown.splitlines() if not _MARKER.match(ln.strip())]
    return plain("\n".join(lines))


def increasing_run(values: list[int]) -> int:
    """Length of the longest strictly increasing subsequence."""
    tails: list[int] = []
    for value in values:
        index = bisect.bisect_left(tails, value)
        tails[index : index + 1] = [value]
    return len(tails)


def md_tables(markdown: str) -> list[list[list[str]]]:
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*markdown.splitlines(), ""]:
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [plain(c) for c in re.split(r"(?<!\\)\|", stripped.strip("|"))]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells if c):
                current.append([c.replace("\\|", "|") for c in cells])
        elif current:
            tables.append(current)
            current = []
    return tables


def fences(markdown: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in markdown.splitlines():
        if line.strip().startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line.rstrip())
    return blocks


# ----------------------------------------------------------------------- scoring
Tally = tuple[float, float]  # points, out of


def reading_order(truth: Truth, md: str) -> Tally:
    text = prose(md)
    found = sorted((text.find(plain(s)), i) for i, s in enumerate(truth.sentences))
    order = [i for pos, i in found if pos >= 0]
    return increasing_run(order), len(truth.sentences)


def tables(truth: Truth, md: str) -> Tally:
    if not truth.tables and not truth.not_tables:
        return 0, 0
    out = md_tables(md)
    rows = [row for table in out for row in table]
    hits = total = 0
    for table in truth.tables:
        for row in table:
            want = [plain(c) for c in row]
            total += len(want)
            hits += max((_same(want, got) for got in rows), default=0)
    source_rows = [[plain(c) for c in row] for t in truth.tables for row in t]
    real = sum(any(_same(s, got) >= 2 for s in source_rows for got in table) for table in out)
    precision = real / len(out) if out else 1.0
    return hits * precision, total


def _same(want: list[str], got: list[str]) -> int:
    """Cells equal at the same column (a row with a missing cell matches less)."""
    return sum(a == b for a, b in zip(want, got, strict=False))


def code(truth: Truth, md: str) -> Tally:
    blocks = [textwrap.dedent("\n".join(b)).splitlines() for b in fences(md)]
    hits = total = 0
    for lines in truth.code:
        want = [ln for ln in lines if ln.strip()]
        total += len(want)
        hits += max((sum(ln in set(got) for ln in want) for got in blocks), default=0)
    return hits, total


def lists(truth: Truth, md: str) -> Tally:
    items = set()
    for line in md.splitlines():
        if match := _ITEM.match(line):
            inner = plain(match.group(1))
            items.add(re.sub(r"^(?:[•◦▪–-]|\d+[.)])\s*", "", inner))
    return sum(plain(item) in items for item in truth.list_items), len(truth.list_items)


def headings(truth: Truth, md: str) -> Tally:
    found: list[tuple[int, str]] = []
    for line in md.splitlines():
        if match := _HEADING.match(line.strip()):
            found.append((len(match.group(1)), plain(match.group(2))))
    want = [(level, plain(text)) for level, text in truth.headings]
    texts = {text for _, text in want}
    right = sum(1 for pair in want if pair in found)
    made_up = sum(1 for _, text in found if text not in texts)
    return right, len(want) + made_up


def ligatures(truth: Truth, md: str) -> Tally:
    words = re.findall(r"\w+", unicodedata.normalize("NFC", md).lower())
    hits = sum(1 for w in words if w in LIGATURE_WORDS)
    return min(hits, truth.ligature_words), truth.ligature_words


def running_lines(truth: Truth, md: str) -> Tally:
    left = 0
    for line in set(truth.running):
        left += min(md.count(line), truth.running.count(line))
    return len(truth.running) - left, len(truth.running)


def page_markers(truth: Truth, md: str) -> Tally:
    numbers: list[int] = []
    for line in md.splitlines():
        if match := _MARKER.match(line.strip()):
            ours_, legacy, layout = match.groups()
            numbers.append(int(legacy) + 1 if legacy else int(ours_ or layout))
    valid = [n for n in numbers if 1 <= n <= truth.pages]
    return increasing_run(valid), truth.pages


SCORERS: dict[str, Callable[[Truth, str], Tally]] = {
    "reading_order": reading_order,
    "tables": tables,
    "code": code,
    "lists": lists,
    "headings": headings,
    "ligatures": ligatures,
    "running_lines": running_lines,
    "page_markers": page_markers,
}


def score(docs: list[Truth], outputs: list[str]) -> dict[str, float]:
    result: dict[str, float] = {}
    for name in CATEGORIES:
        points = out_of = 0.0
        for truth, md in zip(docs, outputs, strict=True):
            p, n = SCORERS[name](truth, md)
            points, out_of = points + p, out_of + n
        result[name] = points / out_of if out_of else float("nan")
    return result


def run(convert: Converter, docs: list[Truth]) -> tuple[list[str], float]:
    """Markdown of every document and pages per second (best of REPEATS passes)."""
    outputs = [convert(doc.path) for doc in docs]  # warm-up: imports, font caches
    pages = sum(doc.pages for doc in docs)
    best = min(_timed(convert, docs) for _ in range(REPEATS))
    return outputs, pages / best


def _timed(convert: Converter, docs: list[Truth]) -> float:
    begun = time.perf_counter()
    for doc in docs:
        convert(doc.path)
    return time.perf_counter() - begun


# ------------------------------------------------------------------------- main
def main(out_dir: str | None = None) -> int:
    with tempfile.TemporaryDirectory() as folder:
        docs = build_all(Path(folder))
        pages = sum(doc.pages for doc in docs)
        names = ", ".join(f"{doc.name} ({doc.pages} p.)" for doc in docs)
        print(f"corpus: {len(docs)} documents, {pages} pages: {names}")
        theirs, why = pymupdf4llm_converter()
        print(f"contender: {why}")
        if "legacy" in why:
            print(
                "pymupdf4llm layout mode: not here (pymupdf-layout pins PyMuPDF and needs "
                "onnxruntime); run this module from a venv with pymupdf4llm>=1.28 to measure it"
            )
        md_ours, rate_ours = run(ours, docs)
        scores = {"ours": score(docs, md_ours)}
        rates = {"ours": rate_ours}
        if theirs is not None:
            md_theirs, rates["pymupdf4llm"] = run(theirs, docs)
            scores["pymupdf4llm"] = score(docs, md_theirs)
        else:
            md_theirs = []
        if out_dir:
            _save(Path(out_dir), docs, md_ours, md_theirs)
    _report(scores, rates)
    return 0


def _save(folder: Path, docs: list[Truth], ours_md: list[str], theirs_md: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, doc in enumerate(docs):
        (folder / f"{doc.name}.ours.md").write_text(ours_md[index], encoding="utf-8")
        if theirs_md:
            (folder / f"{doc.name}.pymupdf4llm.md").write_text(theirs_md[index], "utf-8")


def _report(scores: dict[str, dict[str, float]], rates: dict[str, float]) -> None:
    nan = float("nan")
    theirs = scores.get("pymupdf4llm", dict.fromkeys(CATEGORIES, nan))
    print(f"{'category':>14}  {'ours':>6}  {'pymupdf4llm':>11}")
    for name in CATEGORIES:
        print(f"{name:>14}  {scores['ours'][name]:6.3f}  {theirs[name]:11.3f}")
    mean_ours = statistics.fmean(scores["ours"].values())
    mean_theirs = statistics.fmean(theirs.values())
    rate_theirs = rates.get("pymupdf4llm", nan)
    print(f"{'mean':>14}  {mean_ours:6.3f}  {mean_theirs:11.3f}")
    print(f"pages/s: ours {rates['ours']:.1f}, pymupdf4llm {rate_theirs:.1f}")
    print(f"ratio ours/pymupdf4llm pages/s={rates['ours'] / rate_theirs:.2f}")
    print(
        f"extract_score_ours={mean_ours:.3f} extract_score_pymupdf4llm={mean_theirs:.3f} "
        f"extract_pages_per_s_ours={rates['ours']:.1f} "
        f"extract_pages_per_s_pymupdf4llm={rate_theirs:.1f}"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
