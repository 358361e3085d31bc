"""Prompt templates: the questions SectionFlow can ask of every section.

Templates are JSON files in ``resources/templates`` (name, title, prompt, optional JSON
schema for structured answers), read through :mod:`importlib.resources` so they are found
the same way from a source checkout, an installed wheel and a PyInstaller bundle. Keeping
them as data lets the prompts be improved without touching code.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from core.processors.base import Prompt

log = logging.getLogger("sectionflow.prompts")

DEFAULT_TEMPLATE = "summary"
CUSTOM = "custom"
_PACKAGE = "resources"
_FOLDER = "templates"
# The order the app's menu and the CLI's help list them in; any extra file comes after.
_ORDER = ("summary", "key_facts", "tables", "risks", CUSTOM)


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """One template. ``schema`` (a JSON schema) asks the backend for a JSON answer."""

    name: str
    title: str
    prompt: str
    schema: dict[str, Any] | None = None
    description: str = ""

    def to_prompt(self, text: str | None = None) -> Prompt:
        """The core Prompt for this template; ``text`` replaces the template's wording."""
        body = (text or "").strip() or self.prompt
        return Prompt(name=self.name, text=body, schema=self.schema)


def load_templates() -> dict[str, PromptTemplate]:
    """Every bundled template by name, in menu order. A broken file raises ValueError."""
    return dict(_load_all())


@lru_cache(maxsize=1)
def _load_all() -> tuple[tuple[str, PromptTemplate], ...]:
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    found: dict[str, PromptTemplate] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".json") and entry.is_file():
            template = _parse(entry.name, entry.read_text(encoding="utf-8"))
            found[template.name] = template
    if not found:
        raise ValueError("No prompt templates were found in resources/templates")
    ranked = sorted(found, key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))
    return tuple((name, found[name]) for name in ranked)


def _parse(filename: str, raw: str) -> PromptTemplate:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"Prompt template {filename} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"Prompt template {filename} must be a JSON object")
    name, title, prompt = data.get("name"), data.get("title"), data.get("prompt")
    schema = data.get("schema")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"Prompt template {filename} has no 'name'")
    if not isinstance(prompt, str) or (not prompt.strip() and name != CUSTOM):
        raise ValueError(f"Prompt template {filename} has no 'prompt' text")
    if schema is not None and not isinstance(schema, dict):
        raise ValueError(f"Prompt template {filename}: 'schema' must be a JSON object or null")
    return PromptTemplate(
        name=name.strip(),
        title=str(title or name).strip(),
        prompt=prompt.strip(),
        schema=schema,
        description=str(data.get("description") or "").strip(),
    )


#: asked when the bundled template files cannot be read, so the app stays usable
FALLBACK = PromptTemplate(
    name=DEFAULT_TEMPLATE,
    title="Summary",
    prompt="Summarise this section of the document in Markdown: a short overview paragraph, "
    "then the key points as a bulleted list, then any figures, dates or names worth keeping.",
)


def templates_or_fallback() -> dict[str, PromptTemplate]:
    """Every bundled template, or the built-in summary alone when they cannot be read
    (a damaged installation should still analyse documents)."""
    try:
        return load_templates()
    except (OSError, ValueError):
        log.warning("Prompt templates could not be loaded; using the built-in summary")
        return {FALLBACK.name: FALLBACK}


def template_names() -> list[str]:
    return [name for name, _ in _load_all()]


def get_prompt(template: str | None = DEFAULT_TEMPLATE, text: str | None = None) -> Prompt:
    """The Prompt for a run: the user's own text wins, else the named template.

    Raises ValueError (with the valid names) for an unknown template, and for the
    ``custom`` template without text, since an empty question cannot be asked.
    """
    if text is not None and text.strip():
        return Prompt(name=CUSTOM, text=text.strip(), schema=None)
    name = (template or DEFAULT_TEMPLATE).strip()
    templates = load_templates()
    chosen = templates.get(name)
    if chosen is None:
        valid = ", ".join(templates)
        raise ValueError(f"There is no prompt template '{name}': choose one of {valid}")
    if not chosen.prompt:
        raise ValueError(
            f"The '{name}' template needs your own prompt text (use --prompt TEXT instead)"
        )
    return chosen.to_prompt()
