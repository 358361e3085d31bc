"""Markdown as a permissive viewer shows it: raw HTML passed through, every link
followed; and the HTML tags (with their attributes) that it makes."""

from __future__ import annotations

from html.parser import HTMLParser

from markdown_it import MarkdownIt


def html_of(markdown: str) -> str:
    parser = MarkdownIt("commonmark", {"html": True})
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser.render(markdown)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def tags_of(markdown: str) -> list[tuple[str, dict[str, str | None]]]:
    """Each start tag a viewer would render, with its attributes."""
    tags = _Tags()
    tags.feed(html_of(markdown))
    return tags.found
