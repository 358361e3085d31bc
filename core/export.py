"""JSON and Markdown exports of a finished run.

The JSON follows a versioned schema (``"schema": "sectionflow.run/1"``) so other tools can
rely on its shape; add fields freely, but bump the version when one changes meaning or
goes away. Both writers are atomic: the file appears complete or not at all, because a
half-written export that looks valid is worse than none. Writes go to a temp file in the
same folder (so ``os.replace`` is a rename, not a copy), are fsynced, then replace the
target; any failure removes the temp file and raises :class:`core.errors.ExportError`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from core.citations.render import sources_markdown
from core.cost import format_usd, result_cost, service_of, total_cost
from core.errors import ExportError
from core.export_targets import check_targets, describe_os_error
from core.leftovers import EXPORT_SUFFIX, export_temp_prefix, sweep_export_temps
from core.markdown_safety import inline_text, safe_markdown
from core.results import SectionResult, TokenUsage
from core.run_types import Failure, RunOutcome
from core.sections import Section

SCHEMA = "sectionflow.run/1"
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})(\s)")


# ------------------------------------------------------------------------------ JSON
def to_json_dict(outcome: RunOutcome) -> dict[str, Any]:
    """The run as plain data, sections in the order the user listed them."""
    prompt = outcome.prompt
    return {
        "schema": SCHEMA,
        "generator": {"name": "sectionflow", "version": _version()},
        "document": {
            "path": str(Path(outcome.document).resolve()),
            "name": Path(outcome.document).name,
            "title": document_title(outcome),
            "sha256": outcome.document_sha256,
            "page_count": outcome.page_count,
        },
        "run": {
            "id": outcome.run_id,
            "started_at": outcome.started_at,
            "elapsed_s": round(outcome.elapsed_s, 3),
            "cancelled": outcome.cancelled,
            "processor": outcome.processor,
            "model": outcome.model,
            "prompt": {"name": prompt.name, "text": prompt.text, "schema": prompt.schema},
        },
        "settings": dict(outcome.settings),
        "summary": {**outcome.summary, "cost_usd": run_cost(outcome)},
        "synthesis": _synthesis_dict(outcome),
        "sections": [_section_dict(outcome, section) for section in ordered_sections(outcome)],
    }


def _synthesis_dict(outcome: RunOutcome) -> dict[str, Any] | None:
    """The whole-document answer (core.synthesis): its Markdown and citations, the
    backend that wrote it; None when it was not asked for. A failed one says why."""
    result = outcome.synthesis
    if result is None:
        failure = outcome.synthesis_failure
        return {"markdown": None, "citations": [], "failure": failure} if failure else None
    return {
        "markdown": result.markdown,
        "citations": [c.export() for c in result.citations],
        "pages": result.pages,
        "processor": result.processor,
        "model": result.model,
        "tokens": result.tokens.model_dump(),
        "sections": result.stats.get("sections"),
    }


def ordered_sections(outcome: RunOutcome) -> list[Section]:
    """As the user listed them: the app's sections table, the CLI's --sections."""
    return list(outcome.sections)


def section_cost(outcome: RunOutcome, section: Section) -> float | None:
    """What the section's answer cost (0 offline; None without a result or a price)."""
    result = outcome.results.get(section.id)
    if result is None:
        return None
    return result_cost(result, service=service_of(outcome.settings))


def run_cost(outcome: RunOutcome) -> float | None:
    """Every section's answer and the whole-document synthesis."""
    costs = [section_cost(outcome, section) for section in outcome.sections]
    if outcome.synthesis is not None:
        costs.append(result_cost(outcome.synthesis, service=service_of(outcome.settings)))
    return total_cost(costs)


def section_status(outcome: RunOutcome, section: Section) -> tuple[str, str | None]:
    """('done', None), or ('partial' | 'failed' | 'cancelled' | 'skipped', reason) for
    one section."""
    result = outcome.results.get(section.id)
    if result is not None and result.partial:
        return "partial", result.partial
    if result is not None:
        return "done", None
    failure: Failure | None = outcome.failures.get(section.id)
    if failure is not None:
        return failure.state, failure.reason
    if outcome.cancelled:  # cancelled before its task ever ran
        return "cancelled", "Cancelled before it started"
    return "failed", "No result was recorded for this section"


def _section_dict(outcome: RunOutcome, section: Section) -> dict[str, Any]:
    status, reason = section_status(outcome, section)
    result: SectionResult | None = outcome.results.get(section.id)
    tokens = result.tokens if result is not None else TokenUsage()
    entry: dict[str, Any] = {
        "id": section.id,
        "title": section.title,
        "pages": section.page_spec,
        "page_count": len(section.pages),
        "status": status,
        "attempts": outcome.attempts.get(section.id, 0 if status == "cancelled" else 1),
        "timings": {k: round(v, 3) for k, v in outcome.timings.get(section.id, {}).items()},
        "tokens": tokens.model_dump(),
        "cost_usd": section_cost(outcome, section),
    }
    if section.prompt:
        entry["prompt"] = section.prompt
    entry["citations"] = [c.export() for c in result.citations] if result is not None else []
    if status == "partial":
        entry["partial"] = {"reason": reason}
    if result is not None:
        entry["result"] = {
            "markdown": result.markdown,
            "raw_text": result.raw_text,
            "fields": result.fields,
            "stats": result.stats,
            "notes": list(result.notes),
            "processor": result.processor,
            "model": result.model,
        }
    else:
        entry["failure"] = {"reason": reason}
    return entry


def write_json(outcome: RunOutcome, path: str | os.PathLike[str]) -> Path:
    data = json.dumps(to_json_dict(outcome), indent=2, ensure_ascii=False, default=str)
    return atomic_write_text(path, data + "\n")


def write_exports(
    outcome: RunOutcome,
    json_path: str | os.PathLike[str] | None = None,
    markdown_path: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """The one way every front end writes a run's results: JSON, Markdown or both, each
    atomically, with the same title (the PDF's own, else its file name). Targets that
    would replace the PDF, each other or a special file are refused (ExportError)."""
    check_targets(
        {"the JSON export": json_path, "the Markdown export": markdown_path},
        [Path(outcome.document)],
    )
    written = []
    if json_path is not None:
        written.append(write_json(outcome, json_path))
    if markdown_path is not None:
        written.append(write_markdown(outcome, markdown_path))
    return written


def pair_paths(target: str | os.PathLike[str]) -> tuple[Path, Path]:
    """``report.json``, ``report.md`` or ``report``: the JSON and Markdown paths beside
    each other, as the app's Export and History write them."""
    target = Path(target)
    base = target.with_suffix("") if target.suffix.lower() in (".json", ".md") else target
    return base.with_suffix(".json"), base.with_suffix(".md")


# -------------------------------------------------------------------------- Markdown
def document_title(outcome: RunOutcome) -> str:
    """The PDF's own title (its metadata), else its file name without suffix."""
    return outcome.title.strip() or Path(outcome.document).stem


def render_markdown(outcome: RunOutcome) -> str:
    """A readable report: a header, the run line and the prompt, the whole-document
    answer, then one heading per section.

    Everything in it that came from the PDF, the user or the model is made safe for any
    viewer (:mod:`core.markdown_safety`): titles and messages one line and escaped, the
    answers' Markdown kept without raw HTML, script links or remote images.
    """
    lines = [f"# {inline_text(document_title(outcome))}", "", f"_{_run_line(outcome)}_", ""]
    lines += _prompt_lines(outcome)
    lines += _synthesis_markdown(outcome)
    for section in ordered_sections(outcome):
        lines += [f"## {inline_text(section.title)} ({_pages_label(section)})", ""]
        lines += _section_lines(outcome, section)
        status, reason = section_status(outcome, section)
        result = outcome.results.get(section.id)
        if result is None:
            lines += [f"> {status.capitalize()}: {inline_text(reason or '')}", ""]
            continue
        if result.partial:  # visible in any viewer, before the text it warns about
            lines += [f"> **⚠ Partial:** {inline_text(result.partial)}", ""]
        notes = [note for note in result.notes if note != result.partial]
        lines += [f"> Note: {inline_text(note)}" for note in notes]
        if notes:
            lines.append("")
        body = safe_markdown(demote_headings(result.markdown.strip(), top=3))
        lines += [body or "_No text._", ""]
        lines += sources_markdown(result.citations)
    return "\n".join(lines).rstrip() + "\n"


def _synthesis_markdown(outcome: RunOutcome) -> list[str]:
    """The first chapter: the answer for the whole document, when there is one."""
    result = outcome.synthesis
    if result is None:
        failure = outcome.synthesis_failure
        return ["## Whole document", "", f"> Failed: {inline_text(failure)}", ""] if failure else []
    body = safe_markdown(demote_headings(result.markdown.strip(), top=3))
    return ["## Whole document", "", body or "_No text._", "", *sources_markdown(result.citations)]


def write_markdown(outcome: RunOutcome, path: str | os.PathLike[str]) -> Path:
    return atomic_write_text(path, render_markdown(outcome))


def _run_line(outcome: RunOutcome) -> str:
    statuses = [section_status(outcome, section)[0] for section in outcome.sections]
    done, partial = statuses.count("done"), statuses.count("partial")
    total = len(outcome.sections)
    failed = total - done - partial
    backend = outcome.processor + (f" ({outcome.model})" if outcome.model else "")
    counts = f"{done} of {total} sections done"
    counts += f", {partial} partial" if partial else ""
    counts += f", {failed} not" if failed else ""
    parts = [
        f"Run {outcome.run_id}",
        outcome.started_at,
        backend,
        f"prompt: {outcome.prompt.name}",
        counts,
        f"{outcome.elapsed_s:.1f} s",
    ]
    if outcome.cancelled:
        parts.append("cancelled")
    tokens = outcome.tokens.total
    if tokens:
        parts.append(f"{tokens:,} tokens")
    cost = run_cost(outcome)
    if cost:
        parts.append(f"cost {format_usd(cost)}")
    return inline_text(" · ".join(parts))


def _prompt_lines(outcome: RunOutcome) -> list[str]:
    """The question asked, so the report reads without the app (quoted, line by line)."""
    text = outcome.prompt.text.strip()
    if not text:
        return []
    quoted = [f"> {inline_text(line)}".rstrip() for line in text.splitlines()]
    return [f"**Prompt** ({outcome.prompt.name}):", "", *quoted, ""]


def _section_lines(outcome: RunOutcome, section: Section) -> list[str]:
    """A section's own prompt (when it has one) and what its answer cost."""
    lines: list[str] = []
    if section.prompt:
        lines += [f"**Prompt for this section:** {inline_text(section.prompt.strip())}", ""]
    result = outcome.results.get(section.id)
    cost = section_cost(outcome, section)
    if result is not None and result.tokens.total:
        lines += [f"_{result.tokens.total:,} tokens · cost {format_usd(cost)}_", ""]
    return lines


def _pages_label(section: Section) -> str:
    return f"page {section.page_spec}" if len(section.pages) == 1 else f"pages {section.page_spec}"


def demote_headings(markdown: str, top: int = 3) -> str:
    """Shift ATX headings so the biggest becomes level `top` (never deeper than 6).

    A section's answer nests under its own '## Section' heading in the report, so its
    '#'/'##' headings must not compete with it. Code fences are left alone.
    """
    levels = [len(m.group(1)) for m in _headings(markdown.splitlines())]
    if not levels:
        return markdown
    shift = top - min(levels)
    if shift <= 0:
        return markdown
    out: list[str] = []
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            depth = min(len(match.group(1)) + shift, 6)
            line = "#" * depth + line[len(match.group(1)) :]
        out.append(line)
    return "\n".join(out)


def _headings(lines: list[str]) -> list[re.Match[str]]:
    found: list[re.Match[str]] = []
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence and (match := _HEADING.match(line)):
            found.append(match)
    return found


# ---------------------------------------------------------------------- atomic write
def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write text to path atomically, or raise ExportError and leave no temp file."""
    target = Path(path)
    folder = target.parent
    tmp: str | None = None
    try:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(target))
        sweep_export_temps(folder)  # what a killed export left here
        fd, tmp = tempfile.mkstemp(
            prefix=export_temp_prefix(target), suffix=EXPORT_SUFFIX, dir=folder
        )
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
        tmp = None
        _fsync_folder(folder)
    except OSError as exc:
        raise ExportError(f"Could not write '{target}': {describe_os_error(exc)}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target


def _file_mode(target: Path) -> int:
    """Keep an existing file's mode; a new file gets the usual 0o666 minus the umask."""
    with contextlib.suppress(OSError):
        return target.stat().st_mode & 0o7777
    return 0o666 & ~_UMASK


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()  # read once at import: os.umask has no read-only form


def _fsync_folder(folder: Path) -> None:
    """Persist the rename itself (POSIX); not possible or needed on Windows."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _version() -> str:
    try:
        return metadata.version("sectionflow")
    except metadata.PackageNotFoundError:
        return "0+unknown"
