"""The offline backend: no key, no network, a real result for every section.

The work (text, tables, keywords, summary) happens in :mod:`core.extract`, run in a
worker process through :class:`core.workers.PdfWorkers`, because PyMuPDF must not run on
the event loop thread or on two threads at once. This class only adapts it to the
:class:`core.processors.base.Processor` contract.
"""

from __future__ import annotations

from core import extract
from core.citations.model import Citation
from core.errors import ProcessingError, permanent
from core.processors.base import Handle, Prompt, SplitPart
from core.prompts import DEFAULT_TEMPLATE
from core.results import SectionResult
from core.sections import Section
from core.workers import PdfWorkers


class LocalProcessor:
    """Offline analysis; the prompt is recorded but not run (there is no model)."""

    name = "local"
    uses_upload = False
    #: part of the pipeline's result-cache key: bump when the result's shape changes
    version = "2"
    model: str | None = None

    def __init__(self, workers: PdfWorkers) -> None:
        self.workers = workers

    async def open(self) -> None:
        """Nothing to set up: no client, no session."""

    async def close(self) -> None:
        """Nothing to tear down."""

    async def upload(self, section: Section, part: SplitPart) -> Handle:
        """No upload: the part stays on disk (the pipeline skips this as uses_upload=False)."""
        return Handle(part=part)

    async def analyze(self, section: Section, handle: Handle, prompt: Prompt) -> SectionResult:
        try:
            analysis = await self.workers.run(
                extract.analyze_section_pdf, str(handle.part.path), tuple(section.pages)
            )
        except ProcessingError:
            raise
        except Exception as exc:  # a PDF the extractor cannot read fails only this section
            raise permanent(
                f"Could not extract the text of section '{section.title}': {exc}"
            ) from exc
        notes: list[str] = []
        if prompt.name != DEFAULT_TEMPLATE:  # the offline result *is* a summary
            notes.append(
                f"Offline analysis: the '{prompt.name}' prompt needs a model and was not run; "
                "set GEMINI_API_KEY to run it."
            )
        if analysis.scanned_pages:
            pages = ", ".join(str(n) for n in analysis.scanned_pages)
            notes.append(f"Pages without a text layer ({pages}): {extract.SCANNED_NOTE}.")
        return SectionResult(
            section_id=section.id,
            title=section.title,
            pages=section.page_spec,
            processor=self.name,
            model=None,
            markdown=extract.render_local_markdown(analysis),
            stats=analysis.stats(),
            notes=notes,
            citations=[
                Citation.unchecked(sentence.page, sentence.text, sentence.text)
                for sentence in analysis.cited
            ],
        )

    async def cleanup(self, handle: Handle) -> None:
        """Nothing remote to remove; the pipeline deletes the temp part itself."""
