"""Analysis backends behind one small Protocol (see :mod:`core.processors.base`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.processors.base import Processor
    from core.remote_ledger import RemoteLedger
    from core.settings import Settings
    from core.workers import PdfWorkers


def make_processor(
    settings: Settings, workers: PdfWorkers, ledger: RemoteLedger | None = None
) -> Processor:
    """The backend the settings ask for (AUTO: Gemini when a key is set, else offline).

    Gemini is imported only when chosen: google-genai adds about 0.4 s to start-up and
    an offline run should not pay for it.
    """
    # imported here: the PDF workers import this package (core.processors.base) and
    # pydantic-settings would add 0.1-0.3 s to every worker's start
    from core.settings import ProcessorKind

    kind = settings.resolved_processor()
    if kind is ProcessorKind.GEMINI:
        from core.processors.gemini import GeminiProcessor

        return GeminiProcessor(settings, ledger, workers=workers)
    from core.processors.local import LocalProcessor

    return LocalProcessor(workers)
