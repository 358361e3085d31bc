"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.workers import PdfWorkers

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env, keys, Google Cloud or network settings, or
    data directory."""
    prefixes = ("MAX_CONCURRENT", "GEMINI_", "GOOGLE_", "PROCESSOR", "MAX_COST", "SSL_CERT")
    proxies = {"https_proxy", "http_proxy", "no_proxy", "all_proxy"}
    for name in list(os.environ):
        if name.startswith(prefixes) or name.lower() in proxies:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECTIONFLOW_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def workers() -> Iterator[PdfWorkers]:
    pool = PdfWorkers(max_workers=6)
    yield pool
    pool.shutdown()


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point tempfile at an empty folder so a test can prove a run leaves nothing there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
