"""The index of a folder batch: ``index.json`` and ``index.md`` in the output folder.

One line per file found, in the order found: its status (done, partial, failed,
skipped, kept, cancelled, or pending while the batch is still going), its section
counts, tokens, the reason when it is not done, and links to its own exports. It is
rewritten (atomically) after every file, so a batch that is stopped or killed still
leaves an accurate index of what is finished.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.batch_outcome import BatchOutcome, FileOutcome
from core.export import atomic_write_text

SCHEMA = "sectionflow.batch/1"


def index_dict(outcome: BatchOutcome) -> dict[str, Any]:
    statuses = outcome.statuses()
    return {
        "schema": SCHEMA,
        "source": outcome.source,
        "started_at": outcome.started_at,
        "elapsed_s": round(outcome.elapsed_s, 3),
        "cancelled": outcome.cancelled,
        "rule": {
            "kind": outcome.rule.kind,
            "value": outcome.rule.value,
            "text": outcome.rule.describe(),
        },
        "prompt": {"name": outcome.prompt.name, "text": outcome.prompt.text},
        "processor": outcome.processor,
        "model": outcome.model,
        "section_limit": outcome.section_limit,
        "totals": {
            "files": len(outcome.files),
            "statuses": statuses,
            "sections": sum(f.sections for f in outcome.files),
            "done": sum(f.done for f in outcome.files),
            "failed": sum(f.failed for f in outcome.files),
            "tokens": sum(f.tokens.total for f in outcome.files),
        },
        "files": [_file_dict(f) for f in outcome.files],
    }


def _file_dict(entry: FileOutcome) -> dict[str, Any]:
    return {
        "path": str(entry.path.resolve()),
        "name": entry.path.name,
        "status": entry.status,
        "sections": entry.sections,
        "done": entry.done,
        "failed": entry.failed,
        "reason": entry.reason,
        "note": entry.note,
        "run_id": entry.run_id,
        "elapsed_s": round(entry.elapsed_s, 3),
        "tokens": entry.tokens.model_dump(),
        "json": entry.exports.get("json"),
        "markdown": entry.exports.get("markdown"),
    }


def render_index_markdown(outcome: BatchOutcome) -> str:
    data = index_dict(outcome)
    totals = data["totals"]
    counts = ", ".join(f"{n} {status}" for status, n in sorted(totals["statuses"].items()))
    backend = outcome.processor + (f" ({outcome.model})" if outcome.model else "")
    lines = [
        f"# Batch: {outcome.source}",
        "",
        f"_{outcome.started_at} · {backend} · prompt: {outcome.prompt.name} · "
        f"sections: {outcome.rule.describe()} · {totals['files']} files ({counts}) · "
        f"{totals['done']} of {totals['sections']} sections done · "
        f"{outcome.elapsed_s:.1f} s" + (" · cancelled" if outcome.cancelled else "") + "_",
        "",
        "| File | Status | Sections | Done | Failed | Tokens | Results | Reason |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for entry in outcome.files:
        links = " · ".join(
            f"[{label}](<{entry.exports[kind]}>)"
            for kind, label in (("json", "JSON"), ("markdown", "Markdown"))
            if kind in entry.exports
        )
        why = "; ".join(part for part in (entry.reason, entry.note) if part)
        lines.append(
            f"| {_cell(entry.path.name)} | {entry.status} | {entry.sections} | {entry.done} | "
            f"{entry.failed} | {entry.tokens.total or '-'} | {links or '-'} | {_cell(why) or '-'} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def write_index(outcome: BatchOutcome, out_dir: Path | None = None) -> tuple[Path, Path]:
    folder = out_dir or outcome.out_dir
    data = json.dumps(index_dict(outcome), indent=2, ensure_ascii=False)
    json_path = atomic_write_text(folder / "index.json", data + "\n")
    md_path = atomic_write_text(folder / "index.md", render_index_markdown(outcome))
    return json_path, md_path
