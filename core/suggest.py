"""Suggested limits from past runs: the planned "adaptive timeout adjustment based
on historical data", offered to the user and never applied silently.

Timeouts: a stage's p99 time across recent runs, times a margin, rounded up; a timeout
far above that only delays the verdict on a hung call, one below it fails good work.
Concurrency: rate limits (429s) say the section limit is too high for the quota; long
waits for the upload slot with no rate limits say uploads could go higher; time spent
throttled by memory says fewer sections at once would keep memory in bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.settings import Settings

MARGIN = 1.5
MIN_SAMPLES = 10
_TIMEOUTS = {
    "split": "split_timeout_seconds",
    "upload": "upload_timeout_seconds",
    "process": "processing_timeout_seconds",
    "total": "section_task_timeout_seconds",
}
_FLOOR_S = {"split": 10, "upload": 30, "process": 30, "total": 60}


@dataclass(frozen=True, slots=True)
class Suggestion:
    setting: str  # the Settings field name
    current: float
    suggested: float
    why: str

    @property
    def env_name(self) -> str:
        return self.setting.upper()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def suggest(
    timings: list[dict[str, float]], summaries: list[dict[str, Any]], settings: Settings
) -> list[Suggestion]:
    """timings: one dict per finished section of recent runs; summaries: their runs'."""
    found = [s for s in _timeout_suggestions(timings, settings) if s is not None]
    found += _concurrency_suggestions(summaries, settings)
    return found


def _timeout_suggestions(
    timings: list[dict[str, float]], settings: Settings
) -> list[Suggestion | None]:
    out: list[Suggestion | None] = []
    for stage, field in _TIMEOUTS.items():
        samples = [t[stage] for t in timings if t.get(stage, 0) > 0]
        if len(samples) < MIN_SAMPLES:
            continue
        p99 = percentile(samples, 0.99)
        value = max(_FLOOR_S[stage], math.ceil(p99 * MARGIN / 5) * 5)
        current = float(getattr(settings, field))
        if abs(value - current) / current < 0.2:  # close enough: no churn
            out.append(None)
            continue
        out.append(
            Suggestion(
                field,
                current,
                float(value),
                f"p99 of {len(samples)} recent {stage} times is {p99:.1f} s; ×{MARGIN} margin",
            )
        )
    return out


def _concurrency_suggestions(
    summaries: list[dict[str, Any]], settings: Settings
) -> list[Suggestion]:
    if not summaries:
        return []
    out: list[Suggestion] = []
    rate_limited = sum(s.get("retries_by_reason", {}).get("rate limited", 0) for s in summaries)
    throttled = sum(s.get("throttled_s", 0.0) for s in summaries)
    elapsed = sum(s.get("elapsed_s", 0.0) for s in summaries) or 1.0
    upload_wait = sum(s.get("slot_wait_s", {}).get("upload", 0.0) for s in summaries)
    sections = settings.max_concurrent_section_tasks
    if rate_limited and sections > 1:
        lowest = min(
            (c["limit"] for s in summaries for c in s.get("limit_changes", []) if "limit" in c),
            default=max(1, sections // 2),
        )
        out.append(
            Suggestion(
                "max_concurrent_section_tasks",
                sections,
                max(1, lowest),
                f"{rate_limited} rate-limit retries (429) in recent runs",
            )
        )
    elif throttled / elapsed > 0.2 and sections > 1:
        out.append(
            Suggestion(
                "max_concurrent_section_tasks",
                sections,
                max(1, sections - 1),
                f"memory throttled {100 * throttled / elapsed:.0f}% of the time",
            )
        )
    if not rate_limited and upload_wait / elapsed > 0.5:
        uploads = settings.max_concurrent_uploads
        out.append(
            Suggestion(
                "max_concurrent_uploads",
                uploads,
                uploads + 1,
                f"sections waited {upload_wait:.0f} s in all for an upload slot",
            )
        )
    return out
