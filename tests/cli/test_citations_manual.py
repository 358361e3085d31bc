"""An offline run over a 300-page manual: every section cites its pages, and every quote
marked verified is on its cited page, checked here with PyMuPDF alone, not with the code
that verified it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pymupdf

from tests.helpers.manual import long_manual

ROOT = Path(__file__).resolve().parents[2]


def _plain(text: str) -> str:
    """Ligatures spelled out, every run of spacing one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _sections(path: Path) -> str:
    """Front matter, one section per chapter, and one section of scattered pages (a
    roman-numbered page, the scanned page, three pages of chapter 40)."""
    with pymupdf.open(path) as doc:
        starts = [page for _, _, page in doc.get_toc()]
        count = doc.page_count
    ends = [*(start - 1 for start in starts[1:]), count]
    chapters = [
        f"Chapter {n}:{a}-{b}" for n, (a, b) in enumerate(zip(starts, ends, strict=True), 1)
    ]
    spot = f"Spot checks:2,17,{starts[39]}-{starts[39] + 2}"
    return ";".join([f"Front matter:1-{starts[0] - 1}", *chapters, spot])


def test_offline_run_of_a_long_manual_cites_every_section_on_its_pages(tmp_path: Path) -> None:
    path = tmp_path / "manual.pdf"
    long_manual(path)
    out_json, out_md = tmp_path / "out.json", tmp_path / "out.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_API"))}
    env.update(PYTHONPATH=str(ROOT), PROCESSOR="local", ENABLE_MEMORY_MONITORING="false")
    args = ["process", str(path), "--sections", _sections(path)]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "launcher",
            *args,
            "--json",
            str(out_json),
            "--markdown",
            str(out_md),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert proc.returncode == 0, proc.stderr

    data = json.loads(out_json.read_text())
    assert data["document"]["page_count"] >= 300
    sections = data["sections"]
    assert len(sections) == 66 and {s["status"] for s in sections} == {"done"}
    with pymupdf.open(path) as doc:
        texts = [_plain(page.get_text()) for page in doc]
        labels = [page.get_label() for page in doc]
    verified = 0
    for section in sections:
        assert section["citations"], section["title"]
        pages = _pages(section["pages"])
        for citation in section["citations"]:
            assert {"page", "label", "quote", "verified"} <= set(citation)
            assert citation["page"] in pages
            assert citation["label"] == labels[citation["page"] - 1]
            if citation["verified"]:
                verified += 1
                assert _plain(citation["quote"]) in texts[citation["page"] - 1], citation
    every = [c for s in sections for c in s["citations"]]
    assert verified == len(every)  # offline quotes are the page's own sentences
    assert sections[0]["citations"][0]["label"] in ("i", "ii", "iii")
    markdown = out_md.read_text()
    assert f"[p. {sections[0]['citations'][0]['label']}]" in markdown


def _pages(spec: str) -> set[int]:
    pages: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.partition("-")
        pages.update(range(int(first), int(last or first) + 1))
    return pages
