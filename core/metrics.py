"""Prometheus metrics for long runs, fed from the engine's events.

A folder of 300 filings runs for hours; an analyst (or whoever runs the machine) wants to
see from a dashboard whether the limits are right, whether Gemini is throttling and
whether memory is creeping up. ``--metrics-port`` serves these series on
``http://127.0.0.1:PORT/metrics`` (see ``resources/grafana/sectionflow.json``):

=====================================  =======  ===========================================
series                                 type     meaning
=====================================  =======  ===========================================
``sectionflow_sections{state}``        gauge    sections now in each state (queued,
                                                waiting, splitting, uploading, processing,
                                                cleaning_up, done, failed, cancelled)
``sectionflow_slot_in_use{slot}``      gauge    slots held now (section, split, upload)
``sectionflow_slot_limit{slot}``       gauge    the limit of each slot (moves with 429s)
``sectionflow_slot_waiting{slot}``     gauge    tasks queued for a slot now
``sectionflow_slot_wait_seconds``      histo    per finished section, time spent waiting
  ``{slot}``                                    for a slot (section, split, upload, memory)
``sectionflow_retries_total{reason}``  counter  retries (rate_limited, timeout, split,
                                                upload, process)
``sectionflow_throttle_seconds_total`` counter  wall time new sections were held by the
                                                memory throttle
``sectionflow_process_rss_mb``         gauge    memory of the process and its PDF workers
                                                (as the memory gate counts it: PSS on Linux)
``sectionflow_tokens_total{kind}``     counter  tokens billed (prompt, output, thoughts)
``sectionflow_files{status}``          gauge    files of a folder batch in each status
``sectionflow_batch_jobs{state}``      gauge    Gemini batch jobs in each JOB_STATE_*
=====================================  =======  ===========================================

Each process has its own :class:`~prometheus_client.CollectorRegistry`, so tests (and an
app that runs several things) never collide in the global default registry. The
listener only counts: it never blocks and never raises into the engine.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client import Counter as PromCounter

from core import events as ev
from core.limits import Limits
from core.memory import process_tree_rss_mb

log = logging.getLogger("sectionflow.metrics")

SECTION_STATES = (
    "queued",
    "waiting",
    "splitting",
    "uploading",
    "processing",
    "cleaning_up",
    "done",
    "failed",
    "cancelled",
    "skipped",
)
SLOTS = ("section", "split", "upload")
WAIT_SLOTS = ("section", "split", "upload", "memory")
RETRY_REASONS = ("rate_limited", "timeout", "split", "upload", "process")
TOKEN_KINDS = ("prompt", "output", "thoughts")
FILE_STATUSES = ("pending", "running", "done", "partial", "failed", "skipped", "kept", "cancelled")
_WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, float("inf"))
#: a gap between memory samples longer than this is not counted as throttled time
_MAX_SAMPLE_GAP_S = 2.0

Listener = Callable[[ev.Event], None]


def fan_out(*listeners: Listener | None) -> Listener:
    """One listener that hands each event to every given one."""
    chosen = [listener for listener in listeners if listener is not None]

    def emit(event: ev.Event) -> None:
        for listener in chosen:
            listener(event)

    return emit


class Metrics:
    """The series above in a private registry, updated by :meth:`handle` (a listener)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.sections = Gauge(
            "sectionflow_sections", "Sections now in each state", ["state"], registry=r
        )
        self.slot_in_use = Gauge("sectionflow_slot_in_use", "Slots held now", ["slot"], registry=r)
        self.slot_limit = Gauge(
            "sectionflow_slot_limit", "Limit of each slot", ["slot"], registry=r
        )
        self.slot_waiting = Gauge(
            "sectionflow_slot_waiting", "Tasks queued for a slot now", ["slot"], registry=r
        )
        self.slot_wait = Histogram(
            "sectionflow_slot_wait_seconds",
            "Per finished section: seconds spent waiting for a slot",
            ["slot"],
            buckets=_WAIT_BUCKETS,
            registry=r,
        )
        self.retries = PromCounter(
            "sectionflow_retries", "Retries by reason", ["reason"], registry=r
        )
        self.throttle = PromCounter(
            "sectionflow_throttle_seconds",
            "Wall time new sections were held by the memory throttle",
            registry=r,
        )
        self.rss = Gauge(
            "sectionflow_process_rss_mb", "RSS of the process and its workers, MB", registry=r
        )
        self.rss.set_function(process_tree_rss_mb)
        self.tokens = PromCounter("sectionflow_tokens", "Tokens billed", ["kind"], registry=r)
        self.files = Gauge(
            "sectionflow_files", "Files of a folder batch in each status", ["status"], registry=r
        )
        self.batch_jobs = Gauge(
            "sectionflow_batch_jobs", "Gemini batch jobs in each state", ["state"], registry=r
        )
        # every documented series exists from the first scrape, at 0
        for state in SECTION_STATES:
            self.sections.labels(state=state)
        for slot in SLOTS:
            self.slot_in_use.labels(slot=slot)
            self.slot_limit.labels(slot=slot)
            self.slot_waiting.labels(slot=slot)
        for slot in WAIT_SLOTS:
            self.slot_wait.labels(slot=slot)
        for reason in RETRY_REASONS:
            self.retries.labels(reason=reason)
        for kind in TOKEN_KINDS:
            self.tokens.labels(kind=kind)
        for status in FILE_STATUSES:
            self.files.labels(status=status)
        self._states: dict[tuple[str, str], str] = {}
        self._state_counts: Counter[str] = Counter()
        self._file_status: dict[str, str] = {}
        self._jobs: dict[str, str] = {}
        self._job_states: set[str] = set()
        self._last_sample_at: float | None = None
        self._server: Any = None
        self._thread: Any = None

    # ------------------------------------------------------------------ limits
    def watch_limits(self, limits: Limits) -> None:
        """Read slot occupancy and limits from these limiters at every scrape."""
        for name, limiter in limits.by_name().items():
            self.slot_in_use.labels(slot=name).set_function(lambda lim=limiter: lim.in_use)
            self.slot_limit.labels(slot=name).set_function(lambda lim=limiter: lim.limit)
            self.slot_waiting.labels(slot=name).set_function(lambda name=name: limits.waiting(name))

    # ------------------------------------------------------------------ events
    def handle(self, event: ev.Event) -> None:
        try:
            self._handle(event, "")
        except Exception:  # counting must never break a run
            log.exception("Metrics listener failed on %s", type(event).__name__)

    def _handle(self, event: ev.Event, file: str) -> None:
        if isinstance(event, ev.FileEvent):
            self._handle(event.event, event.file)
            if isinstance(event.event, ev.RunStarted):
                self._set_file(event.file, "running")
        elif isinstance(event, ev.SectionQueued):
            self._set_state(file, event.section_id, "queued")
        elif isinstance(event, ev.StageChanged):
            self._set_state(file, event.section_id, event.stage.value.replace(" ", "_"))
        elif isinstance(event, ev.SectionDone):
            self._set_state(file, event.section_id, "done")
            if event.source != "journal":
                self._observe_waits(event.timings)
                result = event.result
                if result is not None and "from cache" not in (result.notes or []):
                    self._count_tokens(result.tokens)
        elif isinstance(event, ev.SectionFailed):
            state = event.state
            self._set_state(file, event.section_id, state)
            self._observe_waits(event.timings)
        elif isinstance(event, ev.RetryScheduled):
            self.retries.labels(reason=_retry_reason(event)).inc()
        elif isinstance(event, ev.MemorySample):
            self._throttle_sample(event)
        elif isinstance(event, ev.BatchStarted):
            for path in event.files:
                self._set_file(path, "pending")
        elif isinstance(event, ev.FileFinished):
            self._set_file(event.file, event.status)
        elif isinstance(event, ev.BatchJobState):
            self._jobs[event.job_name] = event.state
            self._job_states.add(event.state)
            counts = Counter(self._jobs.values())
            for state in self._job_states:
                self.batch_jobs.labels(state=state).set(counts.get(state, 0))

    def _set_state(self, file: str, section_id: str, state: str) -> None:
        key = (file, section_id)
        old = self._states.get(key)
        if old == state:
            return
        if old is not None:
            self._state_counts[old] -= 1
            self.sections.labels(state=old).set(self._state_counts[old])
        self._states[key] = state
        self._state_counts[state] += 1
        self.sections.labels(state=state).set(self._state_counts[state])

    def _set_file(self, file: str, status: str) -> None:
        old = self._file_status.get(file)
        if old == status:
            return
        if old is not None:
            self.files.labels(status=old).dec()
        self._file_status[file] = status
        self.files.labels(status=status).inc()

    def _observe_waits(self, timings: dict[str, float]) -> None:
        for slot in WAIT_SLOTS:
            waited = timings.get(f"wait_{slot}")
            if waited is not None:
                self.slot_wait.labels(slot=slot).observe(max(0.0, waited))

    def _count_tokens(self, tokens: Any) -> None:
        for kind in TOKEN_KINDS:
            value = int(getattr(tokens, kind, 0) or 0)
            if value > 0:
                self.tokens.labels(kind=kind).inc(value)

    def _throttle_sample(self, event: ev.MemorySample) -> None:
        """Throttled wall time, counted once even when several pipelines (a folder batch)
        each report their samples: each sample adds the time since the previous one."""
        last, self._last_sample_at = self._last_sample_at, event.at
        if event.throttled and last is not None:
            gap = event.at - last
            if 0 < gap <= _MAX_SAMPLE_GAP_S:
                self.throttle.inc(gap)

    # ------------------------------------------------------------------ serving
    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Serve /metrics on host:port in a daemon thread; returns the port (0 picks one)."""
        from prometheus_client import start_http_server

        try:
            self._server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            raise MetricsError(
                f"--metrics-port {port}: cannot listen on {host}:{port} ({exc.strerror or exc})"
            ) from None
        return int(self._server.server_address[1])

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()


class MetricsError(ValueError):
    """The metrics endpoint cannot start (port taken, no permission); a usage error."""


def _retry_reason(event: ev.RetryScheduled) -> str:
    category = (event.category or event.operation or "other").strip().lower()
    return category.replace(" ", "_")
