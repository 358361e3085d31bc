"""Runs against the fake Gemini server through the real SDK: a failing section shows its
reason and "Retry failed sections" fixes it (reusing the upload kept for it), and Clear
history deletes the kept uploads; cancel and close leak nothing."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from core.remote_ledger import RemoteLedger
from core.settings import Settings
from tests.gui.conftest import make_pdf, wait_until
from tests.helpers.leaks import (
    assert_nothing_leaked,
    assert_nothing_leaked_blocking,
    leaked,
)

KEY = "AIzaSyGUITESTKEY-do-not-leak-0123456789ab"
BAD = "<<BAD>>"


@pytest.fixture
def fake() -> Iterator:
    from tests.fakes.gemini import FakeGemini

    with FakeGemini(latency=0.0, processing_delay=0.03) as server:
        yield server
    assert not server.server_errors, "\n".join(server.server_errors)


@pytest.fixture
def gemini_env(monkeypatch: pytest.MonkeyPatch, fake, tmp_path: Path) -> Path:
    """Point the engine at the fake; temp dirs land in a folder the test can inspect."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.setenv("GEMINI_BASE_URL", fake.base_url)
    monkeypatch.setenv("INLINE_MAX_MB", "0")  # always upload, so remote files exist
    monkeypatch.setenv("RETRY_BACKOFF_BASE_SECONDS", "0.05")
    monkeypatch.setenv("RETRY_BACKOFF_MAX_SECONDS", "0.5")
    monkeypatch.setenv("SECTIONFLOW_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "engine-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


async def gemini_window(make_window, path: Path, sections: list[tuple[str, str]]):
    window = make_window(base=Settings(_env_file=None))
    window.settings_panel.backend.setCurrentIndex(window.settings_panel.backend.findData("gemini"))
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(2)
    window.log_view.level.setCurrentIndex(0)  # debug: the key must not show even there
    window.open_file(path)
    await wait_until(lambda: window.document is not None)
    for title, spec in sections:
        window.sections.add(spec, title)
    return window


async def test_failure_shows_reason_and_retry_succeeds(
    make_window, fake, gemini_env, tmp_path
) -> None:
    pdf = make_pdf(tmp_path / "g.pdf", pages=6)
    window = await gemini_window(
        make_window, pdf, [("Part one", "1-2"), (f"Part {BAD}", "3-4"), ("Part three", "5-6")]
    )
    assert "Gemini estimate" in window.estimate_label.text()
    fault = fake.add_fault("invalid_argument", match=BAD, times=None)
    outcome = await window.start_run()
    assert set(outcome.results) == {"s1", "s3"}
    assert set(outcome.failures) == {"s2"}
    assert outcome.synthesis is not None and outcome.synthesis.stats["sections"] == 2
    reason = outcome.failures["s2"].reason
    assert reason
    row = window.progress.row("s2")
    assert row.state == "failed" and row.reason == reason
    assert window.progress_table.model().index(1, 10).data() == reason
    results = window.results
    assert results.failed_ids() == ["s2"]
    results.show_section("s2")
    assert reason.split(":")[0] in results.browser.toPlainText()
    assert results.retry_button.isEnabled() and window.retry_action.isEnabled()
    assert fault.hits >= 1

    fake.clear_faults()
    retry = window.retry_failed()
    assert retry is not None
    await retry
    merged = window.run.outcome
    assert set(merged.results) == {"s1", "s2", "s3"} and not merged.failures
    # the same run continued, like `sectionflow retry`: one run in History, now complete,
    # and its whole-document answer made again from all three answers
    assert merged.run_id == outcome.run_id
    (only,) = window.engine.journal.runs()
    assert only.run_id == outcome.run_id and only.complete
    assert merged.synthesis is not None and merged.synthesis.stats["sections"] == 3
    assert "Part three" in (merged.synthesis.raw_text or merged.synthesis.markdown)
    assert results.failed_ids() == [] and not results.retry_button.isEnabled()
    assert window.progress.row("s2").state == "done"
    assert window.progress.row("s1").state == "done"  # kept from the first run
    assert window.progress.row("s2").tokens
    assert fake.stats.count("upload") == 3  # the retry reused the upload kept for it
    assert leaked(fake, tmp_path / "data") == [] and len(fake.stored_files()) == 3
    assert list(gemini_env.iterdir()) == []
    json_path, md_path = window.export_to(tmp_path / "out.json")
    assert "## Part &lt;&lt;BAD&gt;&gt; (pages 3-4)" in md_path.read_text()  # shown, not HTML
    assert KEY not in window.log_view.visible_text()
    assert KEY not in json_path.read_text()

    # History ▸ Clear history deletes the uploads kept for re-asks at once
    window.history.action.trigger()
    dialog = window.history.dialog
    messages: list[str] = []
    dialog.message.connect(messages.append)
    box = dialog.confirm_clear("history")
    assert "kept on Gemini for re-asks" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    await wait_until(lambda: bool(messages), timeout=30)
    assert fake.stored_files() == []
    assert "deleted 3 upload(s) kept on Gemini for re-asks" in messages[-1]
    assert RemoteLedger(tmp_path / "data" / "remote-files.sqlite3").entries() == []


async def test_cancel_mid_run_leaves_no_files_anywhere(
    make_window, fake, gemini_env, tmp_path
) -> None:
    pdf = make_pdf(tmp_path / "g.pdf", pages=8)
    window = await gemini_window(
        make_window, pdf, [(f"Part {n}", f"{2 * n - 1}-{2 * n}") for n in range(1, 5)]
    )
    fake.pause("generate")  # sections hold at analysis with their files uploaded
    try:
        task = window.start_run()
        await wait_until(lambda: len(fake.stored_files()) >= 1, timeout=30)
        window.cancel_action.trigger()
        outcome = await task
    finally:
        fake.resume()
    assert outcome.cancelled
    await assert_nothing_leaked(fake, tmp_path / "data", Settings(_env_file=None))
    assert list(gemini_env.iterdir()) == []
    assert all(r.state in ("cancelled", "done") for r in window.progress)


async def test_close_mid_run_leaves_no_files_anywhere(
    make_window, fake, gemini_env, tmp_path
) -> None:
    pdf = make_pdf(tmp_path / "g.pdf", pages=8)
    window = await gemini_window(
        make_window, pdf, [(f"Part {n}", f"{2 * n - 1}-{2 * n}") for n in range(1, 5)]
    )
    fake.pause("generate")
    try:
        task = window.start_run()
        await wait_until(lambda: len(fake.stored_files()) >= 1, timeout=30)
        assert not window.close()
        window.close_guard.box.button(QMessageBox.StandardButton.Yes).click()
        outcome = await task
    finally:
        fake.resume()
    assert outcome.cancelled
    await wait_until(lambda: not window.isVisible())
    # the window's loop has stopped with it: the check runs on a loop of its own
    assert_nothing_leaked_blocking(fake, tmp_path / "data", Settings(_env_file=None))
    assert list(gemini_env.iterdir()) == []


async def test_gemini_without_a_key_asks_for_one(
    make_window, pdf_factory, fake_keys, monkeypatch
) -> None:
    window = make_window()
    window.settings_panel.backend.setCurrentIndex(window.settings_panel.backend.findData("gemini"))
    window.open_file(pdf_factory(pages=2))
    await wait_until(lambda: window.document is not None)
    window.sections.whole()
    assert window.start_run() is None
    dialog = window.key_dialog
    assert dialog.isVisible()
    dialog.edit.setText("AIzaSyNEWKEY-0123456789abcdefghijklmnop")
    dialog.buttons.accepted.emit()
    assert fake_keys.key == "AIzaSyNEWKEY-0123456789abcdefghijklmnop"
    assert window.api_key() == fake_keys.key
    import logging

    logging.getLogger("sectionflow.test").warning("key is %s", fake_keys.key)
    assert fake_keys.key not in window.log_view.visible_text()
    assert "[redacted]" in window.log_view.visible_text()


def test_no_keyring_says_where_the_key_goes(qtbot, make_window, fake_keys) -> None:
    fake_keys.is_available = False
    window = make_window()
    window.open_key_dialog()
    dialog = window.key_dialog
    dialog.edit.setText("AIzaSyX")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible()
    assert ".env" in dialog.error.text() and "GEMINI_API_KEY" in dialog.error.text()
