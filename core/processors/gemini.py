"""The Gemini backend: one section's PDF to Gemini and its answer back, via google-genai.

Per section: small PDFs go inline as bytes (no upload, nothing to delete); others are
uploaded through the Files API, polled until ACTIVE (the SDK never waits), used in
``generate_content`` and deleted in ``cleanup``. The pipeline owns slots, stage timeouts
and retries; this module only turns each step into one SDK call and every failure into a
:class:`~core.errors.ProcessingError` whose message an analyst can act on and that never
contains the API key.

Every upload is recorded in a :class:`~core.remote_ledger.RemoteLedger` before it starts
and struck off once the file is deleted; ``open`` and ``close`` sweep the ledger, so even
a killed process leaks no remote file past the next start.

A section above Gemini's per-document limits (1,000 pages, 50 MB) is cut into pieces in a
PyMuPDF worker process, each piece is sent on its own and the answers are merged in order.

Pages that several sections of a run ask about go once into an explicit context cache
when that saves money (:mod:`core.processors.gemini_context_cache`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.citations.prompting import with_citation_request
from core.errors import DiskFullError, ProcessingError, permanent, transient
from core.keys import get_key
from core.processors.base import Handle, Prompt, SplitPart
from core.processors.gemini_answer import PieceAnswer, interpret
from core.processors.gemini_citations import merge_cited
from core.processors.gemini_client import (
    ServiceKind,
    aiohttp_session,
    build_client,
    describe_route,
    missing_credentials,
    preload,
    service_for,
)
from core.processors.gemini_context_cache import ContextCaches
from core.processors.gemini_errors import (
    is_gone,
    is_lost_upload_session,
    is_refused,
    scrub,
    to_processing_error,
)
from core.processors.gemini_gcs import GcsStaging
from core.processors.gemini_piece import Piece
from core.processors.gemini_poll import poll_pauses
from core.processors.gemini_reuse import UploadReuse
from core.processors.gemini_split import (
    MAX_BYTES,
    MAX_PAGES,
    PieceTooLargeError,
    needs_split,
    split_to_fit,
)
from core.processors.gemini_upload import upload_recorded
from core.redact import hide_url_credentials
from core.remote_ledger import RemoteLedger, SweepReport
from core.results import SectionResult
from core.sections import Section, format_ranges
from core.settings import MediaResolution, Settings

if TYPE_CHECKING:
    import aiohttp
    from google import genai

    from core.workers import PdfWorkers

log = logging.getLogger("sectionflow.gemini")

PDF_MIME = "application/pdf"
_MB = 1024 * 1024
_SWEEP_TIMEOUT_S = 30.0
_DELETE_TIMEOUT_S = 15.0
_POLL_TRANSIENT_LIMIT = 3


@dataclass(slots=True)
class _Timing:
    upload_s: float = 0.0
    poll_s: float = 0.0
    polls: int = 0


def context_line(title: str, pages: tuple[int, ...], index: int, total: int) -> str:
    """The line after the prompt that tells Gemini which section (or part) it is reading;
    shared with batch mode so both ask exactly the same question."""
    where = f"pages {format_ranges(pages)} of the document"
    if total > 1:
        return (
            f"Section: '{title}'. This is part {index + 1} of {total} of the "
            f"section, {where}; the parts are analysed separately."
        )
    return f"Section: '{title}', {where}."


class GeminiProcessor:
    """Processor protocol implementation for Gemini (see :mod:`core.processors.base`)."""

    name = "gemini"
    uses_upload = True
    #: part of the pipeline's result-cache key: bump when the request Gemini sees changes
    #: (2: the prompt asks for citations, the templates for quotes)
    base_version = "2"

    def __init__(
        self,
        settings: Settings,
        ledger: RemoteLedger | None = None,
        *,
        workers: PdfWorkers | None = None,
        max_pages: int = MAX_PAGES,
        max_bytes: int = MAX_BYTES,
        poll_initial_s: float = 0.1,
        poll_max_s: float = 2.0,
    ) -> None:
        self.settings = settings
        self.model = settings.gemini_model
        self.ledger = ledger if ledger is not None else RemoteLedger()
        self.service = service_for(settings)
        # the ledger's record of the endpoint: never a password in GEMINI_BASE_URL
        self.scope = hide_url_credentials(self.service.base_url)
        self.max_pages, self.max_bytes = self.service.piece_limits(max_pages, max_bytes)
        hours = settings.keep_uploads_hours if self.service.files_api else 0.0
        self.reuse = UploadReuse(self.ledger, self.scope, hours)
        self.caches = ContextCaches.for_run(settings, self.service, self.ledger, self.scope)
        #: Vertex with GCS_BUCKET: sections above INLINE_MAX_MB go through the bucket
        self.gcs = GcsStaging(settings, self.ledger) if self._bucket_in_use() else None
        self.poll_initial_s = poll_initial_s
        self.poll_max_s = poll_max_s
        self._workers = workers
        self._own_workers: PdfWorkers | None = None
        self._client: genai.Client | None = None
        self._aiohttp: aiohttp.ClientSession | None = None
        self._starting: asyncio.Task[None] | None = None
        self._secrets: tuple[str, ...] = ()
        self._names = itertools.count(1)
        self.last_sweeps: list[SweepReport] = []

    @property
    def version(self) -> str:
        """The cache key's version: a media resolution other than the model's own is
        another request, so another answer (the default keeps earlier cache entries)."""
        resolution = self.settings.gemini_media_resolution
        if resolution is MediaResolution.DEFAULT:
            return self.base_version
        return f"{self.base_version}+media-{resolution.value}"

    # ---------------------------------------------------------------- lifecycle
    def _build_client(
        self, api_key: str | None, aiohttp_client: aiohttp.ClientSession | None = None
    ) -> genai.Client:
        return build_client(self.settings, api_key, aiohttp_client)

    async def open(self) -> None:
        """Start making the run's client, and clear what dead runs left behind on Gemini.

        Both happen in the background: building a client loads CA certificates for its
        transports (0.1-0.2 s of CPU), which runs in a thread so the event loop (the GUI's)
        never stalls, while the first sections are being split. Every SDK call awaits it.
        """
        key = get_key(self.settings)
        if (missing := missing_credentials(self.settings, key)) is not None:
            raise permanent(missing)
        self._secrets = tuple(dict.fromkeys((*self.settings.secrets(), *([key] if key else []))))
        if self.gcs is not None:
            self.gcs.secrets = self._secrets
        log.info("Gemini: %s", describe_route(self.settings))
        self._starting = asyncio.create_task(self._start(key), name="gemini-open")

    async def _start(self, key: str | None) -> None:
        # the ledger is checked before anything it should record exists (a damaged one
        # found after an upload would fail a section already paid for): no call is made
        # before both are done, so they go side by side (each is 0.1-0.5 s at a run's start)
        try:
            _, self._client = await asyncio.gather(
                asyncio.to_thread(self.ledger.check), self._make_client(key)
            )
        except BaseException:
            if self._aiohttp is not None:
                await self._aiohttp.close()
                self._aiohttp = None
            raise
        if self.service.files_api or self.gcs is not None:  # else nothing is ever stored
            await self._sweep(include_own=False)

    async def _make_client(self, key: str | None) -> genai.Client:
        await asyncio.to_thread(preload, self.settings)
        self._aiohttp = aiohttp_session(self.settings)  # in the loop, as aiohttp wants
        return await asyncio.to_thread(self._build_client, key, self._aiohttp)

    async def _ready(self) -> genai.Client:
        """The run's client once it exists (the start-up sweep goes on in the background)."""
        if self._client is None and self._starting is not None:
            try:
                await asyncio.shield(self._starting)
            except DiskFullError:
                raise
            except Exception as exc:
                raise self._error(exc, "starting the Gemini client") from None
        if self._client is None:
            raise permanent("The Gemini backend was used before it was opened (a bug)")
        return self._client

    async def client(self) -> genai.Client:
        """The run's SDK client (batch mode makes its own calls with it)."""
        return await self._ready()

    def error(self, exc: BaseException, doing: str) -> ProcessingError:
        """An SDK exception as a ProcessingError in plain words, without the key."""
        return self._error(exc, doing)

    def plan(self, sections: Sequence[Section]) -> None:
        """The run's sections, before any starts: which pages several of them ask about
        (the pipeline calls it; see :mod:`core.processors.gemini_context_cache`)."""
        self.caches.plan(sections)

    async def started(self) -> None:
        """Wait until open()'s background work is done: client built, start-up sweep over."""
        if self._starting is not None:
            await asyncio.shield(self._starting)

    async def close(self) -> None:
        """Delete anything of this run still recorded, then close the client."""
        starting, self._starting = self._starting, None
        if starting is not None:
            with contextlib.suppress(Exception):
                await starting
        client = self._client
        if client is None:
            return
        try:
            if self.service.files_api:
                await self.caches.close(client)
            if self.service.files_api or self.gcs is not None:
                await self._sweep(include_own=True)
        finally:
            self._client = None
            with contextlib.suppress(Exception):
                await client.aio.aclose()
            if self._aiohttp is not None:
                session, self._aiohttp = self._aiohttp, None
                await session.close()
            if self._own_workers is not None:
                workers, self._own_workers = self._own_workers, None
                await asyncio.to_thread(workers.shutdown)

    def _bucket_in_use(self) -> bool:
        """GCS_BUCKET serves Vertex with a project (express mode has no Cloud access)."""
        return self.service.kind is ServiceKind.VERTEX and bool(self.settings.gcs_bucket)

    async def _sweep(self, include_own: bool) -> None:
        assert self._client is not None
        try:
            async with asyncio.timeout(_SWEEP_TIMEOUT_S):
                if self.gcs is not None:
                    report = await self.gcs.sweep(include_own)
                else:
                    report = await self.ledger.sweep(
                        self._client, scope=self.scope, include_own=include_own
                    )
            self.last_sweeps.append(report)
            if report.failed:
                log.warning(
                    "%d remote file(s) could not be deleted yet; the next run tries again",
                    len(report.failed),
                )
        except Exception as exc:  # never fail a run over house-keeping
            log.warning("Remote file clean-up did not finish: %s", self._scrub(exc))

    def _scrub(self, text: object) -> str:
        return scrub(text, self._secrets)

    def _error(self, exc: BaseException, doing: str) -> ProcessingError:
        return to_processing_error(exc, doing=doing, secrets=self._secrets)

    # ------------------------------------------------------------------- upload
    async def upload(self, section: Section, part: SplitPart) -> Handle:
        """Make the section's PDF usable by Gemini: inline bytes or ACTIVE remote file(s)."""
        pieces = await self._pieces(section, part)
        handle = Handle(part=part, extra={"pieces": pieces, "inline": False})
        timing = _Timing()
        try:
            for index, piece in enumerate(pieces):
                if self._fits_inline(piece.size_bytes):
                    piece.data = await asyncio.to_thread(piece.path.read_bytes)
                else:
                    await self._upload_piece(section, piece, index, len(pieces), timing)
        except BaseException:
            await asyncio.shield(self._discard(handle, keep=False))
            raise
        handle.extra["inline"] = all(piece.inline for piece in pieces)
        handle.extra["timing"] = timing
        handle.remote_name = next((p.remote_name for p in pieces if p.remote_name), None)
        return handle

    def _fits_inline(self, size_bytes: int) -> bool:
        if not self.service.files_api and self.gcs is None:
            return True  # Vertex: always inline, pieces cut to its request limits
        limit = self.settings.inline_max_mb
        return limit > 0 and size_bytes <= limit * _MB

    async def _pieces(self, section: Section, part: SplitPart) -> list[Piece]:
        pages = section.pages
        if not needs_split(part.page_count, part.size_bytes, self.max_pages, self.max_bytes):
            return [
                Piece(path=part.path, pages=pages, size_bytes=part.size_bytes, sha256=part.sha256)
            ]
        try:
            files = await self._pdf_workers().run(
                split_to_fit, part.path, self.max_pages, self.max_bytes
            )
        except PieceTooLargeError as exc:
            raise permanent(f"Section '{section.title}' cannot be sent to Gemini: {exc}") from None
        except ProcessingError:
            raise  # a crashed worker: the pipeline retries the upload stage
        except Exception as exc:
            raise permanent(
                f"Section '{section.title}' is above Gemini's limits and could not be cut "
                f"into smaller parts: {type(exc).__name__}: {exc}"
            ) from None
        log.info(
            "Section '%s' is above Gemini's limits (%d pages, %.1f MB): sending it in %d pieces",
            section.title,
            part.page_count,
            part.size_bytes / 1e6,
            len(files),
        )
        return [
            Piece(
                path=f.path,
                pages=pages[f.first : f.last + 1],
                size_bytes=f.size_bytes,
                temp=True,
                sha256=f.sha256,
            )
            for f in files
        ]

    def _pdf_workers(self) -> PdfWorkers:
        """The pipeline's PyMuPDF worker pool, or a private one-process pool.

        PyMuPDF must never run on two threads of one process at once (docs/ARCHITECTURE.md,
        "PyMuPDF"); the GUI opens documents on its own thread, so splitting here in a
        thread could collide with it. A worker process cannot.
        """
        if self._workers is not None:
            return self._workers
        if self._own_workers is None:
            from core.workers import PdfWorkers

            self._own_workers = PdfWorkers(max_workers=1)
        return self._own_workers

    def _display_name(self, section: Section, index: int, total: int) -> str:
        title = " ".join(section.title.split())[:80]
        piece = f" part {index + 1} of {total}" if total > 1 else ""
        return f"{title} [{section.id}]{piece} #{self.ledger.run_token}-{next(self._names)}"

    async def _upload_piece(
        self, section: Section, piece: Piece, index: int, total: int, timing: _Timing
    ) -> None:
        client = await self._ready()
        from google.genai import types  # after _ready(): the client's thread imports it

        if self.gcs is not None:  # Vertex: through the user's bucket
            piece.display_name = self._display_name(section, index, total)
            begun = time.monotonic()
            piece.ledger_id, piece.uri = await self.gcs.upload(piece.path, piece.display_name)
            piece.remote_name = piece.uri
            timing.upload_s += time.monotonic() - begun
            return
        if await self.reuse.take(client, piece):
            return
        doing = f"uploading section '{section.title}'"
        piece.display_name = self._display_name(section, index, total)
        piece.ledger_id = await asyncio.to_thread(
            self.ledger.record_intent,
            piece.display_name,
            self.scope,
            piece.sha256,
            piece.size_bytes,
        )
        begun = time.monotonic()
        try:
            remote = await upload_recorded(
                client,
                self.ledger,
                piece.ledger_id,
                piece.path,
                types.UploadFileConfig(mime_type=PDF_MIME, display_name=piece.display_name),
            )
        except DiskFullError:  # recording the name in the ledger: the run halts
            raise
        except Exception as exc:
            # The ledger keeps the intent: if the file exists after all, the run's closing
            # sweep finds it by display name.
            if is_lost_upload_session(exc):
                raise transient(
                    f"The upload session of section '{section.title}' was lost (Gemini "
                    "answered 404 for it); starting a new upload"
                ) from None
            if is_refused(exc):  # a 4xx reply: no file was made, nothing to look for
                ledger_id, piece.ledger_id = piece.ledger_id, None
                await asyncio.to_thread(self.ledger.strike, ledger_id)
            raise self._error(exc, doing) from None
        timing.upload_s += time.monotonic() - begun
        piece.remote_name = remote.name
        piece.uri = remote.uri
        log.debug("Uploaded '%s' as %s", piece.display_name, piece.remote_name)
        # Gemini reads the file for a moment (PROCESSING): the poll goes on without the
        # upload slot, which only bounds transfers, and analyze() waits for its end
        # (docs/ARCHITECTURE.md, "Look-ahead")
        piece.activation = asyncio.create_task(
            self._activate(section, piece, remote, timing), name="gemini-active"
        )

    async def _activate(
        self, section: Section, piece: Piece, remote: Any | None, timing: _Timing
    ) -> None:
        """Poll until the piece is ACTIVE (``remote``: the upload's reply; None: ask)."""
        begun = time.monotonic()
        try:
            if remote is None:
                client = await self._ready()
                try:
                    remote = await client.aio.files.get(name=piece.remote_name)
                except Exception as exc:
                    doing = f"waiting for Gemini to read section '{section.title}'"
                    raise self._error(exc, doing) from None
            await self._wait_active(section, piece, remote, timing)
        finally:
            timing.poll_s += time.monotonic() - begun

    async def until_active(self, section: Section, handle: Handle) -> None:
        """Return once every uploaded piece of ``handle`` is ACTIVE. A poll that failed
        with a retryable error is started again for the next attempt."""
        timing = handle.extra.get("timing") or _Timing()
        for piece in handle.extra.get("pieces") or []:
            task = piece.activation
            if task is None:
                continue
            try:
                await asyncio.shield(task)
            except ProcessingError as exc:
                if exc.retryable:
                    piece.activation = asyncio.create_task(
                        self._activate(section, piece, None, timing), name="gemini-active"
                    )
                raise
            piece.activation = None

    async def _wait_active(
        self, section: Section, piece: Piece, remote: Any, timing: _Timing
    ) -> None:
        """Poll files.get with growing pauses until the file is ACTIVE (or FAILED)."""
        client = await self._ready()
        doing = f"waiting for Gemini to read section '{section.title}'"
        pauses = poll_pauses(self.poll_initial_s, self.poll_max_s)
        at_least = 0.0  # a rate limit's RetryInfo
        transient_failures = 0
        while True:
            state = str(getattr(remote.state, "value", remote.state) or "").upper()
            if state == "ACTIVE":
                piece.uri = remote.uri or piece.uri
                piece.active = True
                return
            if state == "FAILED":
                error = getattr(remote, "error", None)
                message = getattr(error, "message", None) or "no reason given"
                raise permanent(
                    f"Gemini could not read the uploaded PDF of section '{section.title}': "
                    f"{self._scrub(message)}"
                )
            await asyncio.sleep(max(next(pauses), at_least))
            at_least = 0.0
            timing.polls += 1
            try:
                remote = await client.aio.files.get(name=piece.remote_name)
            except Exception as exc:
                error = self._error(exc, doing)
                transient_failures += 1
                if not error.retryable or transient_failures > _POLL_TRANSIENT_LIMIT:
                    raise error from None
                at_least = error.retry_after or 0.0

    # ------------------------------------------------------------------ analyse
    async def analyze(self, section: Section, handle: Handle, prompt: Prompt) -> SectionResult:
        pieces: list[Piece] = handle.extra.get("pieces") or []
        if not pieces:
            raise permanent(f"Section '{section.title}' was not prepared for Gemini (a bug)")
        text, schema = prompt.text, prompt.schema  # the pipeline resolved section prompts
        await self.until_active(section, handle)
        begun = time.monotonic()
        for index, piece in enumerate(pieces):
            if piece.answer is None:
                piece.answer = await self._generate(
                    section, piece, index, len(pieces), text, schema
                )
        answers = [piece.answer for piece in pieces if piece.answer is not None]
        return self._result(section, handle, pieces, answers, time.monotonic() - begun)

    async def _generate(
        self,
        section: Section,
        piece: Piece,
        index: int,
        total: int,
        text: str,
        schema: dict[str, Any] | None,
    ) -> PieceAnswer:

        client = await self._ready()
        from google.genai import types  # after _ready(): the client's thread imports it

        if piece.inline:
            document = types.Part.from_bytes(data=piece.data, mime_type=PDF_MIME)
        else:
            document = types.Part.from_uri(file_uri=piece.uri, mime_type=PDF_MIME)
        context = context_line(section.title, piece.pages, index, total)
        cache = None
        if self.caches.wanted(section.pages, piece.pages):
            name = self._display_name(section, index, total)
            cache = await self.caches.name_for(
                client, section.pages, piece.pages, document, f"cache {name}"
            )
        config = types.GenerateContentConfig(
            # no tools are given; this only keeps the SDK from logging "AFC is enabled" per call
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
        if schema is not None:
            config.response_mime_type = "application/json"
            config.response_json_schema = schema
        resolution = self.settings.gemini_media_resolution
        if resolution is not MediaResolution.DEFAULT:
            config.media_resolution = types.MediaResolution(resolution.api_name)
        doing = f"analysing section '{section.title}'"
        question = f"{with_citation_request(text, schema)}\n\n{context}"
        config.cached_content = cache
        try:
            response = await client.aio.models.generate_content(
                model=self.model,
                contents=[question] if cache else [document, question],
                config=config,
            )
        except Exception as exc:
            if cache and is_gone(exc):  # the cache expired: the retry sends the document
                await self.caches.lost(piece.pages)
                raise transient(f"The context cache of section '{section.title}' expired") from None
            raise self._error(exc, doing) from None
        if cache:
            await self.caches.answered(client, piece.pages)
        try:
            return interpret(response, title=section.title, schema=schema)
        except ProcessingError as exc:
            raise self._error(exc, doing) from None

    def _result(
        self,
        section: Section,
        handle: Handle,
        pieces: list[Piece],
        answers: list[PieceAnswer],
        analyse_s: float,
    ) -> SectionResult:
        merged, citations = merge_cited(
            [(p.pages, a) for p, a in zip(pieces, answers, strict=True)]
        )
        timing: _Timing | None = handle.extra.get("timing")
        stats: dict[str, Any] = {
            "inline": all(p.inline for p in pieces),
            "sha256": handle.part.sha256,
            "parts": len(pieces),
            "reused_uploads": sum(p.reused for p in pieces),
            "finish_reason": answers[-1].finish_reason,
            "model_version": answers[-1].model_version,
            "analyse_s": round(analyse_s, 3),
        }
        if timing is not None:
            stats.update(
                upload_s=round(timing.upload_s, 3),
                wait_active_s=round(timing.poll_s, 3),
                polls=timing.polls,
            )
        return SectionResult(
            section_id=section.id,
            title=section.title,
            pages=section.page_spec,
            processor=self.name,
            model=self.model,
            markdown=merged.markdown,
            raw_text=merged.raw_text,
            fields=merged.fields,
            tokens=merged.tokens,
            stats=stats,
            notes=merged.notes,
            partial=merged.partial,
            citations=citations,
        )

    # ------------------------------------------------------------------ clean-up
    async def cleanup(self, handle: Handle) -> None:
        """Delete the section's remote files and piece files (or keep its uploads for
        re-asks, unless the section was cancelled); safe to call again."""
        await self._discard(handle, keep=not handle.cancelled)

    async def _discard(self, handle: Handle, keep: bool = True) -> None:
        """``keep``: uploads may be kept for re-asks (not after a failed upload)."""
        for piece in handle.extra.get("pieces") or []:
            await self._discard_piece(piece, keep)

    async def _discard_piece(self, piece: Piece, keep: bool = True) -> None:
        piece.data = None
        if (activation := piece.activation) is not None:
            piece.activation = None
            activation.cancel()
            await asyncio.gather(activation, return_exceptions=True)
        keep = keep and piece.active  # a FAILED file, or one never read, is deleted
        if piece.remote_name is not None and keep and await self.reuse.keep(piece):
            piece.remote_name = piece.ledger_id = None  # the ledger holds it (kept)
        if piece.remote_name is not None and self._client is not None:
            name = piece.remote_name
            try:
                async with asyncio.timeout(_DELETE_TIMEOUT_S):
                    if self.gcs is not None:
                        await self.gcs.delete(name)
                    else:
                        await self._client.aio.files.delete(name=name)
                gone = True
            except Exception as exc:
                gone = is_gone(exc)
                if not gone:
                    log.warning(
                        "Could not delete remote file %s now (%s); it is recorded and will be "
                        "deleted at the end of the run or the next start",
                        name,
                        self._scrub(self._error(exc, "deleting a remote file")),
                    )
            if gone:
                piece.remote_name = None
                if piece.ledger_id is not None:
                    ledger_id, piece.ledger_id = piece.ledger_id, None
                    await asyncio.to_thread(self.ledger.strike, ledger_id)
                log.debug("Deleted remote file %s", name)
        if piece.temp:
            with contextlib.suppress(OSError):
                piece.path.unlink(missing_ok=True)

    # --------------------------------------------------------------- estimation
    async def count_tokens(self, part: SplitPart, prompt: Prompt) -> int:
        """Gemini's own token count for one section's PDF plus the prompt (inline bytes)."""

        client = await self._ready()
        from google.genai import types  # after _ready(): the client's thread imports it

        data = await asyncio.to_thread(part.path.read_bytes)
        try:
            response = await client.aio.models.count_tokens(
                model=self.model,
                contents=[types.Part.from_bytes(data=data, mime_type=PDF_MIME), prompt.text],
            )
        except Exception as exc:
            raise self._error(exc, "counting tokens") from None
        return int(response.total_tokens or 0)
