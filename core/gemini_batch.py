"""Gemini Batch mode: one batch job for a document's sections, at half the price.

For large, non-urgent work. The flow, and why each step is where it is:

1. **Prepare** every section as the interactive pipeline would (split in a PDF worker under
   the split slot, upload under the upload slot, wait until ACTIVE), but keep the remote
   files: the job reads them later, on Gemini's schedule. Oversized sections are cut into
   parts exactly as in interactive mode, one request line per part.
2. **Submit**: write one JSONL line per request, ``{"key": "s3", "request":
   GenerateContentRequest}`` with a ``file_data`` part pointing at the uploaded PDF and the
   same prompt text as interactive mode; upload it; ``batches.create(model, src=<file>)``.
   The job name, the key→section map and the export paths are journaled at once
   (:mod:`core.batch_jobs`), and the remote files are *held* in the ledger under the job
   name, so no sweep deletes them while the job may still need them, even after this
   process is closed or killed.
3. **Poll** ``batches.get`` every ``poll_s`` seconds; each answer is a
   :class:`~core.events.BatchJobState` event (and a log line when the state changes).
4. **Collect** when the job ends: the answers file (``dest.file_name``, downloaded) or the
   inlined responses, read with the same interpreter as interactive answers, committed to
   the journal section by section; then the held files (sections, the JSONL, the answers
   file) are adopted by this run and deleted through the ledger.

Closing the program while the job is pending loses nothing: ``sectionflow batch-resume
JOB_NAME`` (or ``process FILE --resume``) picks it up at step 3.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from core import events as ev
from core import pdf
from core.batch_jobs import BatchJob, BatchJobStore, RequestKey
from core.citations.check import check_citations, unchecked
from core.citations.prompting import with_citation_request
from core.errors import ProcessingError, SectionFlowError, permanent
from core.journal import Journal
from core.leftovers import make_workdir
from core.limits import Limits
from core.processors.base import Handle, Prompt, SplitPart
from core.processors.gemini import PDF_MIME, GeminiProcessor, context_line
from core.processors.gemini_answer import PieceAnswer, interpret
from core.processors.gemini_citations import merge_cited
from core.processors.gemini_client import batch_mode_problem
from core.processors.gemini_errors import is_gone
from core.processors.gemini_piece import Piece
from core.processors.gemini_upload import upload_recorded
from core.remote_ledger import RemoteLedger
from core.report import build_report
from core.results import SectionResult
from core.retry import retry_scheduled, timed_stage, with_settings_retries
from core.run_types import Failure, RunOutcome, RunRequest
from core.sections import Section
from core.settings import MediaResolution, Settings
from core.snapshot import public_settings, snapshot_source
from core.synthesis.step import SynthesisStep
from core.workers import PdfWorkers

log = logging.getLogger("sectionflow.gemini_batch")
T = TypeVar("T")

SUCCEEDED = "JOB_STATE_SUCCEEDED"
TERMINAL = frozenset(
    {
        SUCCEEDED,
        "JOB_STATE_PARTIALLY_SUCCEEDED",
        "JOB_STATE_FAILED",
        "JOB_STATE_CANCELLED",
        "JOB_STATE_EXPIRED",
    }
)
GONE = "JOB_STATE_GONE"  # ours: Gemini no longer knows the job
JSONL_MIME = "jsonl"
_POLL_ERRORS_LIMIT = 20
DOCUMENT_CHANGED = "the document was moved or changed before the answers came back"


class BatchModeError(ProcessingError):
    """The batch job could not be submitted or followed (a setup or network problem)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


@dataclass(slots=True)
class _Prepared:
    section: Section
    handle: Handle
    pieces: list[Piece] = field(default_factory=list)


class GeminiBatch:
    """Submits one document run as a Gemini batch job and collects its answers."""

    def __init__(
        self,
        settings: Settings,
        *,
        journal: Journal,
        workers: PdfWorkers,
        store: BatchJobStore | None = None,
        ledger: RemoteLedger | None = None,
        emit: Callable[[ev.Event], None] | None = None,
        limits: Limits | None = None,
        poll_s: float = 30.0,
        processor_poll_s: float = 0.1,
    ) -> None:
        if (problem := batch_mode_problem(settings)) is not None:
            raise SectionFlowError(problem)
        # Batch requests reference uploaded files; inline bytes would bloat the JSONL. Its
        # uploads are held for the job and deleted after it, never kept for re-asks.
        self.settings = settings.model_copy(update={"inline_max_mb": 0, "keep_uploads_hours": 0})
        self.journal = journal
        self.workers = workers
        self.store = store or BatchJobStore(journal.path)
        self.processor = GeminiProcessor(
            self.settings, ledger, workers=workers, poll_initial_s=processor_poll_s
        )
        self.ledger = self.processor.ledger
        self.limits = limits or Limits.from_settings(self.settings, shared=False)
        self.poll_s = poll_s
        self._listener = emit
        self._open = False

    # ---------------------------------------------------------------- plumbing
    def _emit(self, event: ev.Event) -> None:
        ev.deliver(self._listener, event)

    async def open(self) -> None:
        if not self._open:
            await self.processor.open()
            self._open = True

    async def close(self) -> None:
        """Delete every remote file of this process that no job holds, close the client."""
        if self._open:
            self._open = False
            await self.processor.close()

    # ------------------------------------------------------------------ submit
    async def submit(
        self, request: RunRequest, exports: dict[str, str]
    ) -> tuple[BatchJob | None, RunOutcome]:
        """Prepare and submit; (None, finished outcome) when nothing could be prepared."""
        await self.open()
        workdir = await asyncio.to_thread(make_workdir, "batch")
        started = time.monotonic()
        try:
            source, sha = await asyncio.to_thread(snapshot_source, request.pdf_path, workdir)
            info = await self.workers.run(pdf.inspect, source, request.password)
            outcome = await self._open_outcome(request, sha, info)
            todo = [s for s in outcome.sections if s.id not in outcome.results]
            for section in todo:
                self._emit(ev.SectionQueued(section_id=section.id, title=section.title))
            prepared = await self._prepare_all(outcome, todo, request, source, workdir)
            if not prepared:
                outcome.elapsed_s = time.monotonic() - started
                await self._finish(outcome, job_name=None)
                return None, outcome
            job = await self._submit(outcome, prepared, request.prompt, workdir)
        finally:
            await asyncio.to_thread(shutil.rmtree, workdir, True)
        job.exports = dict(exports)
        job.title = outcome.title
        job.synthesis = request.synthesis
        await asyncio.to_thread(self.store.record, job)
        outcome.elapsed_s = time.monotonic() - started
        outcome.summary = {"batch_job": job.job_name, "mode": "batch"}
        return job, outcome

    async def _open_outcome(
        self, request: RunRequest, sha: str, info: pdf.DocumentInfo
    ) -> RunOutcome:
        settings = {**public_settings(self.settings), "batch_mode": True}
        outcome = RunOutcome.begin(request, sha, info, self.processor, settings)
        if request.resume_run_id:
            outcome.keep_finished(await self.journal.load_async(request.resume_run_id))
        await self.journal.start_run(outcome)
        self._emit(
            ev.RunStarted(
                run_id=outcome.run_id,
                document=str(request.pdf_path),
                section_ids=tuple(s.id for s in outcome.sections),
                processor=self.processor.name,
            )
        )
        for section_id, result in outcome.results.items():
            self._emit(
                ev.SectionDone(
                    section_id=section_id, result=result, attempts=1, timings={}, source="journal"
                )
            )
        return outcome

    async def _prepare_all(
        self,
        outcome: RunOutcome,
        todo: list[Section],
        request: RunRequest,
        source: Path,
        workdir: Path,
    ) -> list[_Prepared]:
        results: dict[str, _Prepared] = {}

        async def one(section: Section) -> None:
            prepared = await self._prepare(outcome, section, request, source, workdir)
            if prepared is not None:
                results[section.id] = prepared

        async with asyncio.TaskGroup() as group:
            for section in todo:
                group.create_task(one(section), name=f"batch-prepare-{section.id}")
        return [results[s.id] for s in todo if s.id in results]

    async def _prepare(
        self,
        outcome: RunOutcome,
        section: Section,
        request: RunRequest,
        source: Path,
        workdir: Path,
    ) -> _Prepared | None:
        """Split and upload one section; a failure is recorded and the others go on."""
        s = self.settings
        timings: dict[str, float] = {}
        begun = time.monotonic()
        try:
            async with self.limits.sections.slot():
                self._stage(section, ev.Stage.SPLITTING)
                out = workdir / f"{section.id}.pdf"
                part: SplitPart = await self._retrying(
                    "split",
                    section,
                    self.limits.splits,
                    s.split_timeout_seconds,
                    s.split_max_retries,
                    lambda: self.workers.run(
                        pdf.split_section, source, section.pages, out, request.password
                    ),
                    timings,
                )
                self._stage(section, ev.Stage.UPLOADING)
                handle: Handle = await self._retrying(
                    "upload",
                    section,
                    self.limits.uploads,
                    s.upload_timeout_seconds,
                    s.upload_max_retries,
                    lambda: self._uploaded(section, part),
                    timings,
                )
        except ProcessingError as exc:
            await self._record_failure(outcome, section, exc.reason, timings, begun)
            return None
        self._stage(section, ev.Stage.PROCESSING)  # from now on, Gemini's part
        return _Prepared(section, handle, list(handle.extra.get("pieces") or []))

    async def _uploaded(self, section: Section, part: SplitPart) -> Handle:
        """Uploaded and ACTIVE: a batch job reads its files when it is created."""
        handle = await self.processor.upload(section, part)
        try:
            await self.processor.until_active(section, handle)
        except BaseException:
            await asyncio.shield(self.processor.cleanup(handle))
            raise
        return handle

    async def _retrying(
        self,
        op: str,
        section: Section,
        limiter: Any,
        timeout_s: float,
        retries: int,
        work: Callable[[], Awaitable[T]],
        timings: dict[str, float],
    ) -> T:

        async def attempt() -> T:
            async with limiter.slot():
                return await timed_stage(op, section.title, timeout_s, timings, work)

        def on_retry(number: int, delay: float, exc: ProcessingError) -> None:
            self._emit(retry_scheduled(section.id, op, number, delay, exc))

        return await with_settings_retries(attempt, self.settings, retries, on_retry)

    async def _submit(
        self, outcome: RunOutcome, prepared: list[_Prepared], prompt: Prompt, workdir: Path
    ) -> BatchJob:
        client = await self.processor.client()
        from google.genai import types

        keys: list[RequestKey] = []
        lines: list[str] = []
        resolution = self.settings.gemini_media_resolution
        for item in prepared:
            text, schema = _prompt_for(item.section, prompt)
            total = len(item.pieces)
            for index, piece in enumerate(item.pieces):
                key = item.section.id if total == 1 else f"{item.section.id}.p{index + 1}"
                keys.append(RequestKey(key, item.section.id, tuple(piece.pages), index, total))
                context = context_line(item.section.title, tuple(piece.pages), index, total)
                asked = with_citation_request(text, schema)
                line = request_line(key, piece.uri or "", asked, context, schema, resolution)
                lines.append(json.dumps(line))
        path = workdir / "requests.jsonl"
        await asyncio.to_thread(path.write_text, "\n".join(lines) + "\n", "utf-8")
        display = f"sectionflow batch {outcome.run_id} #{self.ledger.run_token}"
        ledger_id = await asyncio.to_thread(
            self.ledger.record_intent, display, self.processor.scope
        )
        try:
            uploaded = await upload_recorded(
                client,
                self.ledger,
                ledger_id,
                path,
                types.UploadFileConfig(mime_type=JSONL_MIME, display_name=display),
            )
            await self._wait_active(client, uploaded)
            job = await client.aio.batches.create(
                model=self.processor.model,
                src=uploaded.name,
                config=types.CreateBatchJobConfig(display_name=f"sectionflow {outcome.run_id}"),
            )
        except ProcessingError:
            raise
        except Exception as exc:
            raise BatchModeError(
                self.processor.error(exc, "submitting the batch job").reason
            ) from None
        name = str(job.name)
        held = [p.ledger_id for item in prepared for p in item.pieces if p.ledger_id is not None]
        await asyncio.to_thread(self.ledger.hold, [*held, ledger_id], name)
        state = _state(job)
        log.info(
            "Submitted batch job %s: %d request(s) for %d section(s); state %s",
            name,
            len(keys),
            len(prepared),
            state,
        )
        self._emit(ev.BatchJobState(job_name=name, state=state, elapsed_s=0.0))
        return BatchJob(
            job_name=name,
            run_id=outcome.run_id,
            model=self.processor.model,
            state=state,
            requests=keys,
            input_file=uploaded.name,
            created_at=time.time(),
        )

    async def _wait_active(self, client: Any, remote: Any) -> None:
        delay = 0.05
        for _ in range(200):
            state = str(getattr(remote.state, "value", remote.state) or "").upper()
            if state in ("ACTIVE", ""):
                return
            if state == "FAILED":
                raise BatchModeError("Gemini could not read the batch's request file")
            await asyncio.sleep(delay)
            delay = min(delay * 1.6, 2.0)
            remote = await client.aio.files.get(name=remote.name)
        raise BatchModeError("The batch's request file never became ready on Gemini")

    # ------------------------------------------------------------- follow up
    async def cancel(self, job: BatchJob) -> None:
        """Ask Gemini to stop the job; :meth:`wait` then collects it as cancelled."""
        await self.open()
        client = await self.processor.client()
        try:
            await client.aio.batches.cancel(name=job.job_name)
        except Exception as exc:
            raise BatchModeError(
                self.processor.error(exc, f"cancelling batch job {job.job_name}").reason
            ) from None
        log.info("Asked Gemini to cancel batch job %s", job.job_name)

    async def wait(self, job: BatchJob) -> RunOutcome:
        """Poll until the job ends, collect its answers into the journal, clean up."""
        await self.open()
        client = await self.processor.client()
        begun = time.monotonic()
        remote, state = await self._poll(client, job, begun)
        outcome = await self.journal.load_async(job.run_id)
        outcome.elapsed_s = 0.0
        outcome.cancelled = False
        answers: dict[str, tuple[Any, dict[str, Any] | None]] = {}
        problem: str | None = None
        if state in (SUCCEEDED, "JOB_STATE_PARTIALLY_SUCCEEDED"):
            try:
                answers = await self._answers(client, remote, job)
            except ProcessingError as exc:
                problem = exc.reason
        else:
            problem = _ended_reason(job.job_name, state, remote)
        await self._collect(outcome, job, answers, problem)
        await self._synthesis(outcome, make=job.synthesis)
        outcome.elapsed_s = time.monotonic() - begun
        await asyncio.to_thread(self.ledger.adopt, job.job_name)
        await asyncio.to_thread(self.store.set_state, job.job_name, state, True)
        await self._finish(outcome, job.job_name)
        return outcome

    async def _poll(self, client: Any, job: BatchJob, begun: float) -> tuple[Any, str]:
        last: str | None = None
        errors = 0
        while True:
            try:
                remote = await client.aio.batches.get(name=job.job_name)
            except Exception as exc:
                if is_gone(exc):
                    return None, GONE
                error = self.processor.error(exc, f"checking batch job {job.job_name}")
                errors += 1
                if errors > _POLL_ERRORS_LIMIT:
                    raise BatchModeError(error.reason) from None
                log.warning(
                    "Could not check batch job %s (will try again): %s", job.job_name, error.reason
                )
                await asyncio.sleep(max(self.poll_s, error.retry_after or 0.0))
                continue
            errors = 0
            state = _state(remote)
            elapsed = time.monotonic() - begun
            if state != last:
                log.info("Batch job %s: %s", job.job_name, state)
                await asyncio.to_thread(self.store.set_state, job.job_name, state)
                last = state
            self._emit(ev.BatchJobState(job_name=job.job_name, state=state, elapsed_s=elapsed))
            if state in TERMINAL:
                return remote, state
            await asyncio.sleep(self.poll_s)

    async def _answers(
        self, client: Any, remote: Any, job: BatchJob
    ) -> dict[str, tuple[Any, dict[str, Any] | None]]:
        """key -> (GenerateContentResponse or None, error dict or None)."""
        from google.genai import types

        dest = getattr(remote, "dest", None)
        found: dict[str, tuple[Any, dict[str, Any] | None]] = {}
        inlined = getattr(dest, "inlined_responses", None)
        if inlined:
            for index, item in enumerate(inlined):
                metadata = getattr(item, "metadata", None) or {}
                key = str(
                    metadata.get(
                        "key", job.requests[index].key if index < len(job.requests) else index
                    )
                )
                found[key] = (
                    getattr(item, "response", None),
                    _error_dict(getattr(item, "error", None)),
                )
            return found
        file_name = getattr(dest, "file_name", None)
        if not file_name:
            raise permanent("The batch job finished but named no answers file")
        display = f"sectionflow batch answers {job.run_id} #{self.ledger.run_token}"
        ledger_id = await asyncio.to_thread(
            self.ledger.record_intent, display, self.processor.scope
        )
        await asyncio.to_thread(self.ledger.record_remote, ledger_id, file_name)
        try:
            data = await client.aio.files.download(file=file_name)
        except Exception as exc:
            raise self.processor.error(exc, "downloading the batch answers") from None
        for raw in bytes(data).decode("utf-8").splitlines():
            if not raw.strip():
                continue
            entry = json.loads(raw)
            key = str(entry.get("key", ""))
            response = entry.get("response")
            parsed = types.GenerateContentResponse.model_validate(response) if response else None
            found[key] = (parsed, entry.get("error"))
        return found

    async def _collect(
        self,
        outcome: RunOutcome,
        job: BatchJob,
        answers: dict[str, tuple[Any, dict[str, Any] | None]],
        problem: str | None,
    ) -> None:
        by_section: dict[str, list[RequestKey]] = {}
        for request in job.requests:
            by_section.setdefault(request.section_id, []).append(request)
        sections = {s.id: s for s in outcome.sections}
        document = await self._document_to_check(outcome)
        for section_id, requests in by_section.items():
            section = sections.get(section_id)
            if section is None or section_id in outcome.results:
                continue
            if problem is not None:
                await self._record_failure(outcome, section, problem, {}, None)
                continue
            try:
                parts = [self._piece_answer(section, r, answers, outcome.prompt) for r in requests]
            except ProcessingError as exc:
                await self._record_failure(outcome, section, exc.reason, {}, None)
                continue
            result = section_result(section, parts, self.processor.model, job.job_name)
            if document is None:
                result = unchecked(result, DOCUMENT_CHANGED)
            else:
                result = await check_citations(self.workers, result, document, section.pages)
            outcome.results[section.id] = result
            outcome.attempts[section.id] = 1
            await self.journal.record_done(outcome.run_id, result, 1, {})
            self._stage(section, ev.Stage.DONE)
            self._emit(ev.SectionDone(section_id=section.id, result=result, attempts=1, timings={}))

    async def _synthesis(self, outcome: RunOutcome, *, make: bool) -> None:
        """The whole-document answer, made from the collected answers as a run makes it:
        one text-only request, at the interactive price (a second batch job would add
        up to a day for one small request). Its quotes need the PDF itself, unchanged."""
        document = await self._document_to_check(outcome) if make else None
        if make and document is None:
            log.warning("No whole-document synthesis: %s", DOCUMENT_CHANGED)
            return
        step = SynthesisStep(self.settings, self.processor, self.workers, self.journal, self._emit)
        await step.run(outcome, document or Path(outcome.document), None, make=make)

    async def _document_to_check(self, outcome: RunOutcome) -> Path | None:
        """The document the quotes are checked against: answers come hours after the
        run's snapshot was removed, so the file itself, if it is still there unchanged."""
        path = Path(outcome.document)
        if not path.is_file():
            return None
        sha = await asyncio.to_thread(pdf.file_sha256, path)
        return path if sha == outcome.document_sha256 else None

    def _piece_answer(
        self,
        section: Section,
        request: RequestKey,
        answers: dict[str, tuple[Any, dict[str, Any] | None]],
        prompt: Prompt,
    ) -> tuple[tuple[int, ...], PieceAnswer]:
        response, error = answers.get(request.key, (None, None))
        if error:
            message = error.get("message") or "no reason given"
            status = error.get("status") or error.get("code") or ""
            raise permanent(
                f"Gemini could not answer this request of the batch: {message} ({status})"
            )
        if response is None:
            raise permanent("The batch job returned no answer for this section")
        _, schema = _prompt_for(section, prompt)
        return request.pages, interpret(response, title=section.title, schema=schema)

    async def _record_failure(
        self,
        outcome: RunOutcome,
        section: Section,
        reason: str,
        timings: dict[str, float],
        begun: float | None,
    ) -> None:
        if begun is not None:
            timings["total"] = time.monotonic() - begun
        failure = Failure(reason=reason, attempts=1)
        outcome.failures[section.id] = failure
        outcome.attempts[section.id] = 1
        await self.journal.record_failed(outcome.run_id, section.id, failure, timings)
        log.warning("Section '%s' failed: %s", section.title, reason)
        self._stage(section, ev.Stage.FAILED)
        self._emit(
            ev.SectionFailed(section_id=section.id, reason=reason, attempts=1, timings=timings)
        )

    async def _finish(self, outcome: RunOutcome, job_name: str | None) -> None:
        outcome.summary = {
            "sections": len(outcome.sections),
            "done": len(outcome.results),
            "failed": len(outcome.failures),
            "elapsed_s": round(outcome.elapsed_s, 3),
            "tokens": outcome.tokens.model_dump(),
            "mode": "batch",
            "batch_job": job_name,
        }
        # tens of ms for a few hundred sections: on a thread, the loop (the window) keeps
        # its turns; nothing touches the outcome any more
        outcome.summary["report"] = await asyncio.to_thread(build_report, outcome)
        await self.journal.finish_run(outcome)
        self._emit(
            ev.RunFinished(
                run_id=outcome.run_id,
                done=len(outcome.results),
                failed=len(outcome.failures),
                cancelled=False,
                elapsed_s=outcome.elapsed_s,
                summary=outcome.summary,
            )
        )

    def _stage(self, section: Section, stage: ev.Stage) -> None:
        self._emit(ev.StageChanged(section_id=section.id, stage=stage))


# ----------------------------------------------------------------------- helpers
def request_line(
    key: str,
    file_uri: str,
    text: str,
    context: str,
    schema: dict[str, Any] | None,
    resolution: MediaResolution = MediaResolution.DEFAULT,
) -> dict[str, Any]:
    """One JSONL line: the same question interactive mode asks, about an uploaded PDF,
    at the same media resolution (GEMINI_MEDIA_RESOLUTION)."""
    request: dict[str, Any] = {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {"fileData": {"fileUri": file_uri, "mimeType": PDF_MIME}},
                    {"text": f"{text}\n\n{context}"},
                ],
            }
        ]
    }
    config: dict[str, Any] = {}
    if schema is not None:
        config.update(responseMimeType="application/json", responseJsonSchema=schema)
    if resolution is not MediaResolution.DEFAULT:
        config["mediaResolution"] = resolution.api_name
    if config:
        request["generationConfig"] = config
    return {"key": key, "request": request}


def _prompt_for(section: Section, prompt: Prompt) -> tuple[str, dict[str, Any] | None]:
    """A section's own prompt wins over the run's (as in the pipeline)."""
    if section.prompt and section.prompt.strip():
        return section.prompt.strip(), None
    return prompt.text, prompt.schema


def section_result(
    section: Section,
    parts: list[tuple[tuple[int, ...], PieceAnswer]],
    model: str,
    job_name: str,
) -> SectionResult:
    """A section's result from its part answers (merged in page order, as interactively)."""
    merged, citations = merge_cited(parts)
    last = parts[-1][1]
    return SectionResult(
        section_id=section.id,
        title=section.title,
        pages=section.page_spec,
        processor="gemini",
        model=model,
        markdown=merged.markdown,
        raw_text=merged.raw_text,
        fields=merged.fields,
        tokens=merged.tokens,
        stats={
            "batch_job": job_name,
            "parts": len(parts),
            "finish_reason": last.finish_reason,
            "model_version": last.model_version,
        },
        notes=merged.notes,
        partial=merged.partial,
        citations=citations,
    )


def _state(job: Any) -> str:
    state = getattr(job, "state", None)
    return str(getattr(state, "value", state) or "JOB_STATE_UNSPECIFIED")


def _error_dict(error: Any) -> dict[str, Any] | None:
    if error is None:
        return None
    if isinstance(error, dict):
        return error
    return {"message": getattr(error, "message", None), "code": getattr(error, "code", None)}


def _ended_reason(job_name: str, state: str, remote: Any) -> str:
    if state == GONE:
        return f"The batch job {job_name} is gone from Gemini (deleted, or older than its limit)"
    words = state.removeprefix("JOB_STATE_").lower()
    error = getattr(remote, "error", None)
    message = getattr(error, "message", None) if error is not None else None
    if state == "JOB_STATE_EXPIRED":
        return "The batch job expired: Gemini did not finish it within its time limit (24 h)"
    return f"The batch job ended {words}" + (f": {message}" if message else "")
