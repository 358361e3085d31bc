"""Markdown safe in any viewer: the Markdown stays, nothing runs or is fetched."""

from __future__ import annotations

import pytest

from core.markdown_safety import as_code_block, inline_text, is_safe, safe_markdown
from tests.helpers.markdown import html_of, tags_of

HOSTILE = [
    "Hello <img src=http://tracker.example/p.png> world",
    "<iframe src='http://evil.example'></iframe>",
    "<script>alert(1)</script>",
    "<style>@import url(http://evil.example/x.css)</style>",
    "[x](javascript:alert(1))",
    "[x](JaVa&#115;cript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]( data:text/html;base64,PHNjcmlwdD4= )",
    "![p](http://tracker.example/p.png)",
    "![p](//tracker.example/p.png)",
    "![p][ref]\n\n[ref]: http://tracker.example/p.png",
    "[go][ref]\n\n[ref]: vbscript:msgbox(1)",
    "<javascript:alert(1)>",
    "\\`<script>alert(1)</script>\\`",
    '<a href="`">`',
    "<!-- fine --><script>alert(1)</script>",
    "<div\nonclick=alert(1)>x</div>",
]


#: what a Markdown viewer may produce from safe Markdown
ALLOWED_TAGS = {"p", "a", "em", "strong", "code", "pre", "h2", "h3", "ul", "li", "br"}


@pytest.mark.parametrize("text", HOSTILE)
def test_nothing_hostile_survives(text: str) -> None:
    safe = safe_markdown(text)
    assert is_safe(safe)
    for tag, attrs in tags_of(safe):
        assert tag in ALLOWED_TAGS, (text, safe)
        assert set(attrs) <= {"href", "title", "class"}, (text, safe)
        href = (attrs.get("href") or "").lower()
        assert not href.startswith(("javascript:", "vbscript:", "data:")), (text, safe)


def test_markdown_is_kept() -> None:
    text = (
        "<!-- page 3 -->\n\n### Results\n\n- one **bold** item\n- [a link](https://example.org)"
        "\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n```python\nif a < b:\n    print('<b>')\n```"
        "\n\nSee `<tag>` and <https://example.org> and ![map](figures/map.png)."
    )
    assert safe_markdown(text) == text


def test_html_is_shown_as_text() -> None:
    assert safe_markdown("a <b>bold</b> claim") == "a &lt;b>bold&lt;/b> claim"
    assert "a &lt;b&gt;bold&lt;/b&gt; claim" in html_of(safe_markdown("a <b>bold</b> claim"))


def test_what_cannot_be_rewritten_is_shown_as_code() -> None:
    text = "<!-- fine --><script>alert(1)</script>"
    assert safe_markdown(text) == as_code_block(text)
    block = as_code_block("``` inside ````")
    assert block.startswith("`````text\n") and is_safe(block)


def test_a_title_is_one_line_with_nothing_interpreted() -> None:
    title = "Intro\n# Injected <img src=x> *bold* [l](javascript:x)"
    line = inline_text(title)
    assert "\n" not in line
    assert [tag for tag, _ in tags_of(f"## {line}")] == ["h2"]  # one heading, nothing else
    rendered = html_of(f"## {line}")
    assert "# Injected &lt;img src=x&gt; *bold* [l](javascript:x)" in rendered
