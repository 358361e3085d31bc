"""The prompt templates the window offers, read from core.

``core.prompts.load_templates()`` owns the bundled templates; this module only adapts them
to the combo box and turns the (possibly edited) text back into a core ``Prompt``. A
single built-in template keeps the window usable if the template files cannot be read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from core.processors.base import Prompt

log = logging.getLogger("sectionflow.gui")

FALLBACK = (
    "Summarise this section of the document in Markdown: a short overview paragraph, then "
    "the key points as a bulleted list, then any figures, dates or names worth keeping."
)


@dataclass(frozen=True, slots=True)
class PromptChoice:
    name: str
    title: str
    text: str
    schema: dict[str, Any] | None

    def to_prompt(self, text: str | None = None) -> Prompt:
        body = (text or "").strip() or self.text
        return Prompt(name=self.name, text=body, schema=self.schema)


def available_templates() -> dict[str, PromptChoice]:
    try:
        from core.prompts import load_templates

        templates = load_templates()
    except Exception:
        log.warning("Prompt templates could not be loaded; using the built-in summary")
        templates = {}
    choices = {
        name: PromptChoice(
            name=name,
            title=getattr(t, "title", None) or name,
            text=getattr(t, "text", ""),
            schema=getattr(t, "schema", None),
        )
        for name, t in templates.items()
    }
    if not choices:
        choices["summary"] = PromptChoice("summary", "Summary", FALLBACK, None)
    return choices
