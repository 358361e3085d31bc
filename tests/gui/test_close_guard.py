"""Closing while a run goes: the question follows the run, and an answer given to it never
acts later (the window once closed by itself when the *next* run ended)."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from tests.gui.conftest import wait_signal, wait_until, window_over
from tests.helpers.processors import InstrumentedProcessor

YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


async def settle() -> None:
    """Let every event already posted (a zero-delay close among them) run."""
    for _ in range(3):
        timer = QTimer()
        timer.setSingleShot(True)
        timer.setInterval(0)
        fired = wait_signal(timer.timeout)
        timer.start()
        await fired


async def held_run(make_window, pdf_factory):
    """A window whose run holds every analysis until the test lets it go."""
    processor = InstrumentedProcessor(uses_upload=False, analyze_s=0.0)
    processor.release = asyncio.Event()
    window = await window_over(make_window, processor, pdf_factory(pages=4), every=2)
    window.run_action.trigger()  # F5
    await wait_until(lambda: processor.analyses.now > 0)
    return window, processor


async def test_question_becomes_a_plain_quit_when_the_run_ends(make_window, pdf_factory) -> None:
    window, processor = await held_run(make_window, pdf_factory)
    window.quit_action.trigger()  # Ctrl+Q
    box = window.close_guard.box
    assert box is not None and box.isVisible() and "still going" in box.text()
    processor.release.set()  # the run ends while the question is open
    await wait_until(lambda: not window.bridge.running)
    assert window.isVisible() and box.isVisible()
    assert "ended by itself" in box.text()  # the box now asks what is true
    box.button(YES).click()
    await wait_until(lambda: not window.isVisible())  # Yes closes now, not later


async def test_a_stale_no_never_closes_the_window_after_the_next_run(
    make_window, pdf_factory
) -> None:
    """The issue's steps with "No" as the answer to the stale box: then F5, and the window
    stays open when that next run ends."""
    window, processor = await held_run(make_window, pdf_factory)
    window.quit_action.trigger()
    box = window.close_guard.box
    processor.release.set()
    await wait_until(lambda: not window.bridge.running)
    box.button(NO).click()
    await settle()
    assert window.close_guard.box is None and not window.close_guard.closing
    window.run_action.trigger()  # F5
    assert window.bridge.running
    await window.bridge.wait()
    await settle()
    assert window.isVisible()


async def test_a_run_started_while_the_box_is_open_is_asked_about_again(
    make_window, pdf_factory
) -> None:
    """The box said the first run had ended; a second run begins before the answer: the
    box asks about that run again, and Yes stops it before closing."""
    window, processor = await held_run(make_window, pdf_factory)
    window.quit_action.trigger()
    box = window.close_guard.box
    processor.release.set()
    await wait_until(lambda: not window.bridge.running)
    assert "ended by itself" in box.text()
    processor.release = asyncio.Event()
    window.settings_panel.use_cache.setChecked(False)  # analyse again, not from the cache
    assert window.start_run() is not None
    await wait_until(lambda: processor.analyses.now > 0)
    assert "still going" in box.text()
    box.button(YES).click()
    await wait_until(lambda: not window.isVisible())
    outcome = window.bridge.last_outcome
    assert outcome is not None and outcome.cancelled
