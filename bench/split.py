"""Split speed: our splitter against PyMuPDF's defaults, pypdf and pikepdf, side by side.

Each contender splits the same >= 1,000-page PDF into the same 40-50-page sections, in
this one process, one section after another (no parallelism, so the numbers compare
the libraries, not the pool). Each output is checked: same page count and the same
first text line per page as the source, so a fast-but-wrong split cannot win.

What each keeps: ours keeps page content, fonts and images, drops links, annotations
and form widgets; 'pymupdf_defaults' keeps links too; pypdf and pikepdf copy whole page
objects (links included).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pymupdf
import pypdf

from bench.corpus import make_manual
from core import pdf as core_pdf

Ranges = list[tuple[int, int]]  # 0-based inclusive


def sections_of(page_count: int) -> Ranges:
    ranges, start, size = [], 0, 40
    while start < page_count:
        end = min(start + size, page_count) - 1
        ranges.append((start, end))
        start = end + 1
        size = 50 if size == 40 else 40
    return ranges


def ours(src: Path, ranges: Ranges) -> list[bytes]:
    out = []
    for first, last in ranges:
        pages = tuple(range(first + 1, last + 2))
        dest = src.parent / "ours.pdf"
        core_pdf.split_section(src, pages, dest)
        out.append(dest.read_bytes())
    return out


def pymupdf_defaults(src: Path, ranges: Ranges) -> list[bytes]:
    out = []
    with pymupdf.open(src) as doc:
        for first, last in ranges:
            part = pymupdf.open()
            part.insert_pdf(doc, from_page=first, to_page=last)
            dest = src.parent / "defaults.pdf"
            part.save(dest, garbage=1)
            part.close()
            out.append(dest.read_bytes())
    return out


def with_pypdf(src: Path, ranges: Ranges) -> list[bytes]:
    reader = pypdf.PdfReader(src)
    out = []
    for first, last in ranges:
        writer = pypdf.PdfWriter()
        for index in range(first, last + 1):
            writer.add_page(reader.pages[index])
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out


def with_pikepdf(src: Path, ranges: Ranges) -> list[bytes]:
    out = []
    with pikepdf.open(src) as doc:
        for first, last in ranges:
            part = pikepdf.new()
            part.pages.extend(doc.pages[first : last + 1])
            buffer = io.BytesIO()
            part.save(buffer)
            out.append(buffer.getvalue())
    return out


def check(src: Path, ranges: Ranges, parts: list[bytes], name: str) -> None:
    with pymupdf.open(src) as doc:
        for (first, last), data in zip(ranges, parts, strict=True):
            with pymupdf.open("pdf", data) as part:
                assert part.page_count == last - first + 1, name
                for offset in (0, part.page_count - 1):
                    want = doc[first + offset].get_text()[:60]
                    assert part[offset].get_text()[:60] == want, f"{name}: text differs"


def measure(
    fn: Callable[[Path, Ranges], list[bytes]], src: Path, ranges: Ranges
) -> tuple[float, int]:
    core_pdf._open_cache.clear()
    begun = time.perf_counter()
    parts = fn(src, ranges)
    elapsed = time.perf_counter() - begun
    check(src, ranges, parts, fn.__name__)
    pages = sum(last - first + 1 for first, last in ranges)
    return pages / elapsed, sum(len(p) for p in parts)


def main(pages: int = 1200) -> int:
    with tempfile.TemporaryDirectory() as folder:
        src = make_manual(Path(folder) / "manual.pdf", pages)
        ranges = sections_of(pages)
        print(
            f"document: {pages} pages, {src.stat().st_size / 1e6:.1f} MB; "
            f"{len(ranges)} sections of 40-50 pages"
        )
        contenders = {
            "ours": ours,
            "pymupdf_defaults": pymupdf_defaults,
            "pypdf": with_pypdf,
            "pikepdf": with_pikepdf,
        }
        rates: dict[str, float] = {}
        for name, fn in contenders.items():
            rate, size = measure(fn, src, ranges)
            rates[name] = rate
            print(f"{name:>17}: {rate:9.0f} pages/s, output {size / 1e6:6.1f} MB")
        for name in ("pymupdf_defaults", "pypdf", "pikepdf"):
            print(f"ratio ours/{name}={rates['ours'] / rates[name]:.2f}")
        print(
            f"split_pages_per_s_ours={rates['ours']:.0f} "
            f"pypdf={rates['pypdf']:.0f} pikepdf={rates['pikepdf']:.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1200))
