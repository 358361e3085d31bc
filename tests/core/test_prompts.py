"""Prompt templates: bundled as package data, valid, and turned into Prompts correctly."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from core.processors.base import Prompt
from core.prompts import (
    DEFAULT_TEMPLATE,
    PromptTemplate,
    get_prompt,
    load_templates,
    template_names,
)

EXPECTED = ["summary", "key_facts", "tables", "risks", "custom"]


def test_every_template_is_bundled_in_menu_order() -> None:
    templates = load_templates()
    assert list(templates) == EXPECTED
    assert template_names() == EXPECTED
    for name, template in templates.items():
        assert isinstance(template, PromptTemplate)
        assert template.name == name and template.title
        assert template.prompt or name == "custom"


def test_template_files_are_package_data() -> None:
    folder = resources.files("resources").joinpath("templates")
    for name in EXPECTED:
        data = json.loads(folder.joinpath(f"{name}.json").read_text(encoding="utf-8"))
        assert {"name", "title", "prompt", "schema"} <= set(data)
        assert data["name"] == name


def test_structured_templates_carry_a_schema() -> None:
    templates = load_templates()
    facts = templates["key_facts"].schema
    assert facts is not None
    item = facts["properties"]["facts"]["items"]
    assert set(item["required"]) == {"fact", "value", "quote", "page"}
    risks = templates["risks"].schema
    assert risks is not None
    risk = risks["properties"]["risks"]["items"]
    assert set(risk["required"]) == {"risk", "severity", "quote", "page"}
    assert risk["properties"]["severity"]["enum"] == ["low", "medium", "high"]
    assert risks["properties"]["open_questions"]["items"] == {"type": "string"}
    for plain in ("summary", "tables", "custom"):
        assert templates[plain].schema is None


def test_schemas_accept_a_well_formed_answer() -> None:
    answer_check = pytest.importorskip("core.processors.gemini_answer")
    templates = load_templates()
    facts = {
        "facts": [{"fact": "Revenue grew", "value": "412 million euros", "quote": "412", "page": 1}]
    }
    supplier = {"risk": "Supplier loss", "severity": "high", "quote": "one supplier", "page": 2}
    risks = {
        "risks": [supplier],
        "open_questions": ["When is the second supplier qualified?"],
    }
    assert answer_check.check_schema(facts, templates["key_facts"].schema) == []
    assert answer_check.check_schema(risks, templates["risks"].schema) == []
    wrong = {"risks": [{**supplier, "severity": "extreme"}], "open_questions": []}
    assert answer_check.check_schema(wrong, templates["risks"].schema) != []


def test_default_prompt_is_the_summary() -> None:
    prompt = get_prompt()
    assert isinstance(prompt, Prompt)
    assert prompt.name == DEFAULT_TEMPLATE == "summary"
    assert prompt.text == load_templates()["summary"].prompt
    assert get_prompt(None).name == "summary"


def test_named_template_keeps_its_schema() -> None:
    prompt = get_prompt("key_facts")
    assert prompt.name == "key_facts" and prompt.schema == load_templates()["key_facts"].schema


def test_custom_text_wins() -> None:
    prompt = get_prompt("risks", "  Who signed the report?  ")
    assert prompt == Prompt(name="custom", text="Who signed the report?", schema=None)
    assert get_prompt(text="What changed?").name == "custom"


def test_blank_text_falls_back_to_the_template() -> None:
    assert get_prompt("tables", "   ").name == "tables"


def test_unknown_template_lists_the_valid_names() -> None:
    with pytest.raises(ValueError) as caught:
        get_prompt("sumary")
    message = str(caught.value)
    assert "'sumary'" in message
    for name in EXPECTED:
        assert name in message


def test_custom_template_needs_text() -> None:
    with pytest.raises(ValueError, match="--prompt"):
        get_prompt("custom")


def test_to_prompt_replaces_the_wording_only() -> None:
    template = load_templates()["risks"]
    prompt = template.to_prompt("Edited question")
    assert prompt.name == "risks" and prompt.text == "Edited question"
    assert prompt.schema == template.schema
    assert template.to_prompt().text == template.prompt
