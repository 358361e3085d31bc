"""Markdown that is safe in any viewer: the Markdown export's text, defanged.

Titles come from the PDF (bookmarks, metadata) or the user, bodies from the PDF's text
or from the model: all of it is someone else's text. A viewer other than the app's own
(a browser extension, an editor's preview, a static site) renders raw HTML, follows
``javascript:`` links and loads remote images, so ``<img src=http://…>`` in a PDF was a
tracking pixel and ``<script>`` ran. Hence:

- :func:`inline_text` for titles and one-line messages: one line (a newline in a title
  injected a heading), every Markdown and HTML character shown as typed;
- :func:`safe_markdown` for bodies: the Markdown stays (headings, lists, tables, code,
  links), raw HTML tags are shown as text (HTML comments, such as the offline
  extractor's page markers, and ``<https://…>`` autolinks stay), ``javascript:``,
  ``vbscript:``, ``data:`` and ``file:`` links point nowhere, images become links unless
  they are a local picture. The result is then parsed with markdown-it-py, a CommonMark
  parser, and checked: if anything unsafe is left (HTML that the rewrite missed, a link
  hidden by entities), the whole body is shown as a code block instead.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

#: schemes a link must not have: they run code or carry a whole document
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
#: images the viewer would fetch from elsewhere (a tracking pixel)
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TICKS = re.compile(r"`+")
_MD_SPECIAL = re.compile(r"[\\`*_\[\]!|~#]")
_COMMENTS = re.compile(r"^(?:\s*<!--(?:(?!-->).)*-->)*\s*$", re.DOTALL)
_KEPT_TAG = re.compile(r"<!--(?:(?!-->)[^<])*-->|<(?:https?|mailto):[^<>\s]*>", re.IGNORECASE)
_REF_DEF = re.compile(r"^( {0,3}\[(?:[^\]\\]|\\.)+\]:[ \t]*)(<[^>\n]*>|\S+)")
_BLOCKED = "#"


# ------------------------------------------------------------------------ titles
def inline_text(text: str) -> str:
    """``text`` for a heading or a one-line message: whitespace (newlines included)
    collapsed to single spaces, HTML and Markdown characters escaped."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\g<0>", html.escape(flat, quote=False))


# ------------------------------------------------------------------------ bodies
def safe_markdown(text: str) -> str:
    """``text`` with its Markdown kept and nothing a viewer would run or fetch."""
    rewritten = _rewrite(text)
    if is_safe(rewritten):
        return rewritten
    return as_code_block(text)


def as_code_block(text: str) -> str:
    """``text`` shown as it is, interpreted by no viewer: a fence longer than any run of
    backticks or tildes inside it."""
    longest = max((len(run) for run in re.findall(r"`+|~+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _rewrite(text: str) -> str:
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        opener = _FENCE.match(line)
        if fence is not None:  # inside a fenced code block: nothing is interpreted
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if opener:
            fence = opener.group(1)
            out.append(line)
            continue
        out.append(_rewrite_line(_defuse_reference(line)))
    return "\n".join(out)


def _defuse_reference(line: str) -> str:
    """A link reference definition ``[x]: javascript:…`` points nowhere."""
    match = _REF_DEF.match(line)
    if match is None or not _bad_link(match.group(2).strip("<>")):
        return line
    return match.group(1) + _BLOCKED + line[match.end() :]


def _rewrite_line(line: str) -> str:
    """One line outside fenced code: code spans kept, the rest defused."""
    out: list[str] = []
    index = 0
    for start, end in _code_spans(line):
        out.append(_defuse(line[index:start]))
        out.append(line[start:end])
        index = end
    out.append(_defuse(line[index:]))
    return "".join(out)


def _code_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each code span: a run of N backticks up to the next run of
    exactly N (an escaped backtick opens nothing)."""
    spans: list[tuple[int, int]] = []
    index = 0
    while (opening := _TICKS.search(line, index)) is not None:
        if _escaped(line, opening.start()):
            index = opening.start() + 1  # the rest of the run may still open a span
            continue
        width = len(opening.group())
        closing = next(
            (run for run in _TICKS.finditer(line, opening.end()) if len(run.group()) == width),
            None,
        )
        if closing is None:
            index = opening.end()
            continue
        spans.append((opening.start(), closing.end()))
        index = closing.end()
    return spans


def _escaped(line: str, position: int) -> bool:
    backslashes = len(line[:position]) - len(line[:position].rstrip("\\"))
    return backslashes % 2 == 1


def _defuse(segment: str) -> str:
    """Text outside code: tags shown as text, bad links and remote images defused."""
    segment = _defuse_links(segment)
    out: list[str] = []
    index = 0
    while (found := segment.find("<", index)) != -1:
        out.append(segment[index:found])
        kept = _KEPT_TAG.match(segment, found)
        if kept is not None:
            out.append(kept.group())
            index = kept.end()
        else:
            out.append("&lt;")
            index = found + 1
    out.append(segment[index:])
    return "".join(out)


def _defuse_links(segment: str) -> str:
    """Inline links and images: ``](dest`` with a bad destination points nowhere; an
    image that is not a local picture loses its ``!`` (a link is not fetched)."""
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), in order
    for close, char in enumerate(segment):
        if char != "]" or _escaped(segment, close):
            continue
        span = _destination(segment, close + 2) if segment.startswith("(", close + 1) else None
        dest = segment[span[0] : span[1]] if span else ""
        opening = _matching_bracket(segment, close)
        if opening and segment[opening - 1] == "!" and (span is None or _remote(dest)):
            edits.append((opening - 1, opening, ""))
        if span is not None and _bad_link(dest):
            edits.append((span[0], span[1], _BLOCKED))
    for start, end, replacement in sorted(edits, reverse=True):
        segment = segment[:start] + replacement + segment[end:]
    return segment


def _matching_bracket(segment: str, close: int) -> int | None:
    depth = 0
    for index in range(close, -1, -1):
        char = segment[index]
        if char in "[]" and _escaped(segment, index):
            continue
        if char == "]":
            depth += 1
        elif char == "[":
            depth -= 1
            if depth == 0:
                return index
    return None


def _destination(segment: str, start: int) -> tuple[int, int] | None:
    """The span of a link destination starting at ``start`` (after ``](``)."""
    index = start
    while index < len(segment) and segment[index] in " \t":
        index += 1
    if index < len(segment) and segment[index] == "<":
        end = segment.find(">", index)
        return (index, end + 1) if end != -1 else None
    depth, begin = 0, index
    while index < len(segment):
        char = segment[index]
        if char == "\\":
            index += 2
            continue
        if char in " \t":
            break
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    return (begin, index) if index > begin else None


def _clean(dest: str) -> str:
    """A destination as a browser reads its scheme: entities decoded, the angle brackets
    of ``<dest>`` gone, control characters and whitespace (which browsers skip) gone."""
    return _CONTROL.sub("", html.unescape(dest.strip().strip("<>"))).lower()


def _bad_link(dest: str) -> bool:
    return _clean(dest).startswith(_BAD_SCHEMES)


def _remote(dest: str) -> bool:
    """Not a local picture: any scheme (http, data, ...) or a protocol-relative URL."""
    return bool(_REMOTE.match(_clean(dest)))


# ------------------------------------------------------------------- the check
def is_safe(markdown: str) -> bool:
    """Whether a CommonMark parser finds no raw HTML (but comments), no link with a bad
    scheme and no image that is not a local picture in ``markdown``."""
    return all(_token_safe(token) for token in _walk(_parser().parse(markdown)))


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # markdown-it drops links it deems unsafe (as text); see every one, to check it here
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


def _walk(tokens: list[Token]) -> list[Token]:
    found: list[Token] = []
    for token in tokens:
        found.append(token)
        if token.children:
            found += _walk(token.children)
    return found


def _token_safe(token: Token) -> bool:
    if token.type in ("html_block", "html_inline"):
        return bool(_COMMENTS.match(token.content))
    if token.type == "link_open":
        return not _bad_link(str(token.attrGet("href") or ""))
    if token.type == "image":
        return not _remote(str(token.attrGet("src") or ""))
    return True
