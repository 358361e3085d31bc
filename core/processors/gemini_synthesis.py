"""The whole-document synthesis as Gemini makes it: one text-only request.

The request holds every section answer (:func:`core.synthesis.prompt.synthesis_prompt`)
and no PDF, so it costs a few thousand input tokens however long the document is. It
goes through the run's own client (:meth:`GeminiProcessor.client`), with the same error
translation as a section's analysis; the pipeline retries it as it retries an analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import ProcessingError
from core.processors.gemini_answer import PieceAnswer, interpret

if TYPE_CHECKING:
    from core.processors.gemini import GeminiProcessor

_DOING = "writing the whole-document synthesis"


async def generate_synthesis(processor: GeminiProcessor, prompt_text: str) -> PieceAnswer:
    """Gemini's answer to the synthesis request, or the ProcessingError that fits."""
    client = await processor.client()
    from google.genai import types  # after client(): the client's thread imports it

    config = types.GenerateContentConfig(
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    try:
        response = await client.aio.models.generate_content(
            model=processor.model, contents=[prompt_text], config=config
        )
    except Exception as exc:
        raise processor.error(exc, _DOING) from None
    try:
        return interpret(response, title="Whole document", schema=None)
    except ProcessingError as exc:
        raise processor.error(exc, _DOING) from None
