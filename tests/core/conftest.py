"""Fixtures for tests/core: the Gemini tests' fake server, SDK transport and ledger.

``fake_gemini`` and ``transport`` come from tests/fakes/fixtures.py (``transport`` runs a
test once per SDK transport, httpx2 and aiohttp); ``workers`` from tests/conftest.py.
"""

from tests.core.gemini_support import remote_ledger  # noqa: F401
from tests.fakes.fixtures import fake_gemini, transport  # noqa: F401
