"""Fixtures for the fake servers' own tests (shared ones live in fixtures.py)."""

from tests.fakes.fixtures import (  # noqa: F401  (pytest finds fixtures by name)
    fake_gemini,
    genai_client,
    pdf_factory,
    transport,
)
