"""The run report in words: the figures the report panel shows, and its one-line verdict.

Kept out of the widget so the panel only lays text out, and so a test can compare what is
shown with ``summary["report"]`` (built by :func:`core.report.build_report`) figure by
figure. Everything here is plain Python on the report's dict; no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.events import Slot
from core.limits import SLOT_FIELDS


def _env(slot: Slot) -> str:
    """The environment variable behind a slot's limit, as .env spells it."""
    return SLOT_FIELDS[slot].upper()


#: stage key in the report -> (row label, what it covers)
STAGES = {
    "split": ("Split", "cutting each section out of the PDF (worker processes)"),
    "upload": ("Upload", "uploading each section to Gemini and waiting until it is ready"),
    "process": ("Analysis", "the analysis: the model, or the offline extractor"),
    "cleanup": ("Clean-up", "deleting temporary and remote files"),
}
#: wait key in the report -> (row label, what was waited for)
WAITS = {
    "wait_section": ("Section slot", f"a free section task ({_env(Slot.SECTION)})"),
    "wait_memory": ("Memory gate", "memory to drop below the throttle threshold"),
    "wait_split": ("Split slot", f"a free split ({_env(Slot.SPLIT)})"),
    "wait_upload": ("Upload slot", f"a free upload ({_env(Slot.UPLOAD)})"),
}
#: how the verdict names the stage that took longest
_BUSIEST = {
    "split": "splitting the PDF",
    "upload": "uploads",
    "process": "the analysis",
    "cleanup": "clean-up",
}


@dataclass(frozen=True, slots=True)
class Figure:
    key: str  # stable id, e.g. "stage.split", for tests and lookups
    group: str  # the heading it is shown under
    label: str
    text: str
    tip: str


def seconds(value: float) -> str:
    """Seconds as people read them: 0.42 s, 12.3 s, 4 min 05 s."""
    if value >= 600:
        minutes, rest = divmod(round(value), 60)
        return f"{minutes} min {rest:02d} s"
    if value >= 10:
        return f"{value:.1f} s"
    return f"{value:.2f} s"


def share(part: float, whole: float) -> int:
    """A whole percentage of part in whole (0 when there is no whole)."""
    return round(100 * part / whole) if whole > 0 else 0


def headline(report: dict[str, Any], processor: str = "") -> str:
    """The verdict in plain words, e.g. "Most time went to the model (process): 72%"."""
    stages: dict[str, float] = report.get("stage_seconds", {})
    busiest = report.get("bottleneck")
    total = sum(stages.values())
    if not busiest or total <= 0:
        return "No stage took measurable time."
    name = "the model" if busiest == "process" and processor == "gemini" else _BUSIEST[busiest]
    text = f"Most time went to {name} ({busiest}): {share(stages[busiest], total)}%"
    waits: dict[str, float] = report.get("slot_wait_seconds", {})
    if waits and max(waits.values()) > 0:
        key = max(waits, key=lambda k: waits[k])
        text += f". Longest wait: {WAITS[key][0].lower()} ({seconds(waits[key])} in all)"
    return text + "."


def figures(report: dict[str, Any], processor: str = "") -> list[Figure]:
    """Every figure of the report as a labelled line, grouped as the panel shows them."""
    out: list[Figure] = []
    stages: dict[str, float] = report.get("stage_seconds", {})
    total = sum(stages.values())
    group = "Time per stage (all sections)"
    for key, (label, what) in STAGES.items():
        value = stages.get(key, 0.0)
        out.append(
            Figure(
                f"stage.{key}",
                group,
                label,
                f"{seconds(value)} · {share(value, total)}%",
                f"Time spent {what}, added up over every section",
            )
        )
    group = "Waiting for a slot"
    for key, (label, what) in WAITS.items():
        value = report.get("slot_wait_seconds", {}).get(key, 0.0)
        out.append(
            Figure(
                f"wait.{key}",
                group,
                label,
                seconds(value),
                f"Time sections spent waiting for {what}, added up over every section",
            )
        )
    group = "Retries"
    out.append(
        Figure(
            "retries.total",
            group,
            "All",
            str(report.get("retries", 0)),
            "Attempts that failed and were tried again",
        )
    )
    for reason, count in sorted(report.get("retries_by_reason", {}).items()):
        out.append(
            Figure(
                f"retries.{reason}",
                group,
                reason.capitalize(),
                str(count),
                f"Retries after a failure of this kind ({reason})",
            )
        )
    group = "Memory"
    out += [
        Figure(
            "memory.throttled",
            group,
            "Throttled",
            seconds(report.get("throttled_seconds", 0.0)),
            "Wall time new sections were held because memory was above the threshold",
        ),
        Figure(
            "memory.peak",
            group,
            "Peak",
            f"{report.get('peak_rss_mb', 0.0):,.0f} MB",
            "Highest memory of the app and its worker processes during the run",
        ),
        Figure(
            "memory.mean",
            group,
            "Mean",
            f"{report.get('mean_rss_mb', 0.0):,.0f} MB",
            "Average memory of the app and its worker processes during the run",
        ),
    ]
    group = "Tokens and cost"
    tokens: dict[str, int] = report.get("tokens", {})
    for key, label in (("prompt", "Input"), ("output", "Output"), ("thoughts", "Thinking")):
        out.append(
            Figure(
                f"tokens.{key}",
                group,
                label,
                f"{tokens.get(key, 0):,}",
                f"{label} tokens billed by Gemini (0 for the offline backend)",
            )
        )
    cost = report.get("cost_usd")
    if cost is not None:
        cost_text = f"${cost:,.4f}"
    elif processor == "gemini":
        cost_text = "unknown (no price for this model)"
    else:
        cost_text = "none (offline)"
    out.append(
        Figure(
            "cost",
            group,
            "Cost",
            cost_text,
            "What the tokens cost at the prices in resources/prices.json",
        )
    )
    group = "Concurrency"
    samples = report.get("concurrency", [])
    peak = max((c["in_flight"] for c in samples), default=0)
    limits = sorted({c["limit"] for c in samples})
    limit_text = "—" if not limits else str(limits[0])
    if len(limits) > 1:
        limit_text = f"{limits[0]}–{limits[-1]} (adaptive)"
    out += [
        Figure(
            "concurrency.peak",
            group,
            "Most at once",
            str(peak),
            "The most sections that were in flight at the same moment",
        ),
        Figure(
            "concurrency.limit",
            group,
            "Limit",
            limit_text,
            "The section limit during the run; it halves on rate limits and creeps back",
        ),
    ]
    return out
