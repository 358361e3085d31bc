"""Retry policy: exponential backoff with jitter, never sooner than the server asks.

Built on tenacity so the policy is declarative. The jitter is "equal jitter" (half the
exponential step fixed, half random): retries of many sections spread out, yet each
delay is at least the one before, so backoff really backs off. A 429's RetryInfo delay
is a floor under it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from core.errors import ProcessingError, StageTimeout
from core.events import RetryScheduled

if TYPE_CHECKING:
    from core.settings import Settings

T = TypeVar("T")
log = logging.getLogger("sectionflow.pipeline")


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProcessingError) and exc.retryable


def backoff_wait(base_s: float, max_s: float) -> Callable[[RetryCallState], float]:
    step = wait_exponential(multiplier=base_s, max=max_s)

    def wait(state: RetryCallState) -> float:
        full = step(state)
        delay = full / 2 + random.uniform(0, full / 2)
        exc = state.outcome.exception() if state.outcome else None
        floor = getattr(exc, "retry_after", None) or 0.0
        return max(delay, floor)

    return wait


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    max_retries: int,
    base_s: float,
    max_s: float,
    on_retry: Callable[[int, float, ProcessingError], None],
) -> tuple[T, int]:
    """Run attempt() until it succeeds, a permanent error, or max_retries retries.

    Returns the result and the number of attempts made; re-raises the last error.
    """

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.upcoming_sleep
        if isinstance(exc, ProcessingError):
            on_retry(state.attempt_number, delay, exc)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(max_retries + 1),
        wait=backoff_wait(base_s, max_s),
        retry=retry_if_exception(_retryable),
        before_sleep=before_sleep,
        reraise=True,
    )
    attempts = 0
    async for attempt_state in retrying:
        with attempt_state:
            attempts = attempt_state.retry_state.attempt_number
            value = await attempt()
    return value, attempts


async def with_settings_retries(
    attempt: Callable[[], Awaitable[T]],
    settings: Settings,
    max_retries: int,
    on_retry: Callable[[int, float, ProcessingError], None],
) -> T:
    """:func:`with_retries` with the backoff the settings give (what every stage uses)."""
    value, _ = await with_retries(
        attempt,
        max_retries=max_retries,
        base_s=settings.retry_backoff_base_seconds,
        max_s=settings.retry_backoff_max_seconds,
        on_retry=on_retry,
    )
    return value


STAGE_VERB = {"split": "splitting", "upload": "uploading", "process": "processing"}


async def timed_stage(
    op: str,
    title: str,
    timeout_s: float,
    timings: dict[str, float],
    work: Callable[[], Awaitable[T]],
) -> T:
    """One attempt of a stage under its timeout, adding its time to ``timings[op]``.

    A timeout becomes a retryable StageTimeout and the required "Timeout splitting section
    'X'" log line, for the interactive pipeline and Gemini Batch mode alike.
    """
    begun = time.monotonic()
    try:
        async with asyncio.timeout(timeout_s):
            return await work()
    except TimeoutError:
        log.info("Timeout %s section '%s'", STAGE_VERB[op], title)
        raise StageTimeout(STAGE_VERB[op], title, timeout_s) from None
    finally:
        timings[op] = timings.get(op, 0.0) + time.monotonic() - begun


def retry_category(exc: ProcessingError, op: str) -> str:
    """A few fixed words to count retries by: 'rate limited', 'timeout' or the operation."""
    if exc.rate_limited:
        return "rate limited"
    return "timeout" if isinstance(exc, StageTimeout) else op


def retry_scheduled(
    section_id: str, op: str, number: int, delay: float, exc: ProcessingError
) -> RetryScheduled:
    """The event both the pipeline and Gemini Batch mode emit when a retry is scheduled."""
    return RetryScheduled(
        section_id=section_id,
        operation=op,
        attempt=number + 1,
        delay_s=delay,
        reason=exc.reason,
        category=retry_category(exc, op),
    )
