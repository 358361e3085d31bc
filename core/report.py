"""The run report: where the time went, so limits can be tuned.

The product asks for visibility into resource acquisition ("semaphore contention"), memory
patterns, timeouts and retries. This turns a finished run's timings, stage timeline and
concurrency samples into figures a person can read and a Gantt chart can draw. It is
pure data (no Qt) and lands in the JSON export under ``summary.report``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from core.run_types import RunOutcome

STAGES = ("split", "upload", "process", "cleanup")
WAITS = ("wait_section", "wait_memory", "wait_split", "wait_upload")
#: stage names in the timeline drawn as bars, by the report's name: "waiting" is queued
#: (for look-ahead room, memory, a split or upload slot), "prepared" is split and uploaded
#: ahead and waiting for an analysis slot
_BAR_STAGES = {
    "waiting": "waiting",
    "splitting": "split",
    "uploading": "upload",
    "prepared": "prepared",
    "processing": "process",
    "cleaning up": "cleanup",
}
_TERMINAL = {"done", "failed", "cancelled"}


def build_report(outcome: RunOutcome) -> dict[str, Any]:
    summary = outcome.summary
    stage_totals = _totals(outcome, STAGES)
    wait_totals = _totals(outcome, WAITS)
    busiest = (
        max(stage_totals, key=lambda k: stage_totals[k]) if any(stage_totals.values()) else None
    )
    return {
        "stage_seconds": stage_totals,
        "slot_wait_seconds": wait_totals,
        "bottleneck": busiest,
        "retries_by_reason": dict(summary.get("retries_by_reason", {})),
        "retries": sum(summary.get("retries_by_reason", {}).values()),
        "throttled_seconds": summary.get("throttled_s", 0.0),
        "peak_rss_mb": summary.get("peak_rss_mb", 0.0),
        "mean_rss_mb": summary.get("mean_rss_mb", 0.0),
        "tokens": outcome.tokens.model_dump(),
        "cost_usd": _cost(outcome),
        "concurrency": [
            {"at": at, "in_flight": active, "limit": limit}
            for at, active, limit in outcome.concurrency
        ],
        "sections": [_section_row(outcome, s.id, s.title) for s in outcome.sections],
        "bars": gantt_bars(outcome),
        # sections prepared ahead of the analysis slots at most (the "prepared" bars)
        "lookahead_depth": summary.get("lookahead_depth", 0),
    }


def _totals(outcome: RunOutcome, keys: tuple[str, ...]) -> dict[str, float]:
    totals: dict[str, float] = dict.fromkeys(keys, 0.0)
    for timings in outcome.timings.values():
        for key in keys:
            totals[key] += timings.get(key, 0.0)
    return {key: round(value, 4) for key, value in totals.items()}


def _section_row(outcome: RunOutcome, section_id: str, title: str) -> dict[str, Any]:
    timings = outcome.timings.get(section_id, {})
    status = "done" if section_id in outcome.results else "failed"
    failure = outcome.failures.get(section_id)
    if failure is not None and failure.cancelled:
        status = "cancelled"
    return {
        "id": section_id,
        "title": title,
        "status": status,
        "attempts": outcome.attempts.get(section_id, 0),
        "stages": {k: round(timings.get(k, 0.0), 4) for k in STAGES},
        "waits": {k: round(timings.get(k, 0.0), 4) for k in WAITS},
        "total": round(timings.get("total", 0.0), 4),
    }


def gantt_bars(outcome: RunOutcome) -> list[dict[str, Any]]:
    """One bar per stage interval: {section, stage, start, end} in seconds since the run
    started; consecutive stage changes of a section delimit its intervals."""
    by_section: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for section_id, stage, at in outcome.timeline:
        by_section[section_id].append((stage, at))
    bars: list[dict[str, Any]] = []
    for section_id, changes in by_section.items():
        for (stage, start), (_, end) in itertools.pairwise(changes):
            name = _BAR_STAGES.get(stage)
            if name is not None and stage not in _TERMINAL and end > start:
                bars.append({"section": section_id, "stage": name, "start": start, "end": end})
    return bars


def _cost(outcome: RunOutcome) -> float | None:
    if outcome.processor != "gemini" or not outcome.model:
        return None
    from core.cost import result_cost, service_of, total_cost

    # per section: the long-context rate applies to one request, not to the run's sum
    service = service_of(outcome.settings)
    costs = [result_cost(result, service=service) for result in outcome.results.values()]
    return total_cost(costs)
