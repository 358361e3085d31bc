"""A PDF whose bookmarks and text carry HTML, script links and remote images: the
Markdown export shows them as text, in any viewer."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf

from tests.helpers.cli import offline_env, run_cli
from tests.helpers.markdown import tags_of

TITLES = [
    "Intro <script>alert(1)</script>",
    "Risks\n# Injected heading",
    "Terms [click](javascript:alert(2))",
]
PAGE_TEXT = [
    "See <img src=http://tracker.example/p.png> for details.",
    "<iframe src=http://evil.example></iframe> and [x](javascript:alert(3)).",
    "<style>@import url(http://evil.example/x.css)</style> ![p](http://tracker.example/q.png)",
]


def hostile_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    for text in PAGE_TEXT:
        page = doc.new_page()
        page.insert_text((40, 72), text, fontsize=9)
    doc.set_toc([[1, title, number] for number, title in enumerate(TITLES, start=1)])
    doc.save(path)
    doc.close()
    return path


def test_markdown_export_runs_no_code_and_fetches_nothing(tmp_path: Path) -> None:
    pdf = hostile_pdf(tmp_path / "hostile.pdf")
    out_md, out_json = tmp_path / "out.md", tmp_path / "out.json"
    args = ["process", str(pdf), "--processor", "local", "--from-outline"]
    done = run_cli(
        [*args, "--markdown", str(out_md), "--json", str(out_json)], offline_env(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    markdown = out_md.read_text()
    # as a permissive viewer would render it: raw HTML allowed, every link followed
    tags = tags_of(markdown)
    safe = {"h1", "h2", "h3", "h4", "p", "em", "strong", "blockquote", "a", "ul", "li", "code"}
    assert {tag for tag, _ in tags} <= safe
    assert all(
        not (attrs.get("href") or "").lower().startswith(("javascript:", "data:"))
        for _, attrs in tags
    )
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    sections = [h for h in headings if h.startswith("## ") and h != "## Whole document"]
    assert len(sections) == len(TITLES)
    assert not any("Injected" in h and not h.startswith("## Risks") for h in headings)
    # the words are all still there, shown as typed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    assert "tracker.example/p.png" in markdown
    assert "and [x](#)." in markdown  # the javascript: link points nowhere
    assert "[p](http://tracker.example/q.png)" in markdown  # an image is only a link
    # the JSON keeps the data as it was (it is data, not markup)
    titles = [s["title"] for s in json.loads(out_json.read_text())["sections"]]
    assert titles == TITLES
