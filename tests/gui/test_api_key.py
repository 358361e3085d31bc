"""The Gemini key without a keyring: the dialog says why and offers the key for this
session only, which is stored nowhere and scrubbed from the logs; the status bar says
where the key in use comes from."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from core.logs import LOG_FILE
from core.paths import data_dir, log_dir
from core.settings import Settings, Source
from gui import log_files
from gui.state.api_keys import ApiKeys, KeySource
from gui.state.settings import AppSettings
from tests.gui.conftest import FakeKeys, make_pdf, wait_until

KEY = "AIzaSySESSIONKEY-never-written-0123456789"


@pytest.fixture
def fake() -> Iterator:
    from tests.fakes.gemini import FakeGemini

    with FakeGemini(latency=0.0, processing_delay=0.01, valid_keys=[KEY]) as server:
        yield server
    assert not server.server_errors, "\n".join(server.server_errors)


@pytest.fixture
def file_log() -> Iterator[Path]:
    """The app's rotating log file, installed as the app does at start."""
    root = logging.getLogger()
    handler = log_files.install(log_files.configured_key())
    assert handler is not None
    yield log_dir() / LOG_FILE
    root.removeHandler(handler)
    handler.close()


def every_file_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


async def test_no_keyring_offers_the_session_and_the_run_goes_on(
    make_window, fake, file_log, isolated_qsettings, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("GEMINI_BASE_URL", fake.base_url)
    keys = FakeKeys(available=False)
    window = make_window(keys=keys, base=Settings(_env_file=None))
    assert window.key_label.text() == "Gemini key: none"
    panel = window.settings_panel
    panel.backend.setCurrentIndex(panel.backend.findData("gemini"))
    window.open_file(make_pdf(tmp_path / "doc.pdf", pages=4))
    await wait_until(lambda: window.document is not None)
    window.sections.every_n(2)

    assert window.start_run() is None  # no key: the dialog opens instead
    dialog = window.key_dialog
    assert dialog.isVisible()
    assert dialog.error.isVisible() and "no keyring" in dialog.error.text()
    assert "session only" in dialog.error.text()
    assert not dialog.save_button.isEnabled() and dialog.session_button.isEnabled()
    dialog.edit.setText(KEY)
    dialog.session_button.click()
    assert not dialog.isVisible()
    assert keys.key is None  # not in the keyring
    assert window.api_key() == KEY
    assert window.key_label.text() == "Gemini key: this session only"

    logging.getLogger("sectionflow.test").warning("the key is %s", KEY)
    shown = window.log_view.visible_text()
    assert "the key is" in shown and KEY not in shown and "AIzaSySESSION" not in shown

    outcome = await window.start_run()  # Run goes on, with the session's key
    assert outcome is not None and len(outcome.results) == 2 and outcome.processor == "gemini"
    exported = window.export_to(tmp_path / "out.json")
    assert exported is not None

    window.save_state()
    window.engine.close()
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = [
        Path(isolated_qsettings.fileName()),
        file_log,
        *exported,
        *every_file_under(data_dir()),
    ]
    assert file_log.exists() and any("journal" in p.name for p in written)
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path


async def test_a_refused_save_turns_to_the_session(make_window) -> None:
    """A keyring that exists but refuses: the error says so and the session takes over."""
    keys = FakeKeys(available=True)
    window = make_window(keys=keys)
    window.key_action.trigger()
    dialog = window.key_dialog
    assert dialog.save_button.isEnabled() and not dialog.error.isVisible()
    keys.is_available = False  # e.g. a locked keychain, found out only when saving
    dialog.edit.setText(KEY)
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "session only" in dialog.error.text()
    dialog.session_button.click()
    assert window.api_key() == KEY and keys.key is None


async def test_status_bar_names_the_keyring_and_the_environment(make_window, monkeypatch) -> None:
    keys = FakeKeys()
    window = make_window(keys=keys)
    window.key_action.trigger()
    window.key_dialog.edit.setText(KEY)
    window.key_dialog.save_button.click()
    assert keys.key == KEY
    assert window.key_label.text() == "Gemini key: from the system keyring"

    monkeypatch.setenv("GEMINI_API_KEY", "AIzaSyFROMTHEENVIRONMENT-0123456789")
    other = make_window(keys=FakeKeys(), base=Settings(_env_file=None))
    assert other.key_label.text() == "Gemini key: from the environment"


def test_key_sources_in_order() -> None:
    base = Settings(_env_file=None, gemini_api_key=SecretStr("AIza-from-dotenv-0000000"))
    settings = AppSettings(base, {"gemini_api_key": Source.DOTENV})
    heard: list[str] = []
    keys = ApiKeys(FakeKeys(key="AIza-in-the-keyring-00000"), settings, heard.append)
    assert keys.current() == ("AIza-from-dotenv-0000000", KeySource.DOTENV)
    assert keys.describe() == "Gemini key: from .env"

    bare = AppSettings(Settings(_env_file=None))
    keys = ApiKeys(FakeKeys(key="AIza-in-the-keyring-00000"), bare, heard.append)
    assert keys.current() == ("AIza-in-the-keyring-00000", KeySource.KEYRING)
    keys.use_for_session("AIza-for-the-session-000")
    assert keys.current() == ("AIza-for-the-session-000", KeySource.SESSION)
    assert heard == ["AIza-in-the-keyring-00000", "AIza-for-the-session-000"]
    with pytest.raises(ValueError):
        keys.use_for_session("  ")
