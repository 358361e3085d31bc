"""Suggested limits: computed off the GUI thread from the journal's past runs, shown next
to the controls, never applied by themselves, and applied by "Apply"."""

from __future__ import annotations

import threading

from core.settings import Settings
from core.suggest import Suggestion
from gui import suggestions as suggestions_module
from gui.state.settings import AppSettings
from gui.widgets.settings_panel import SettingsPanel
from gui.widgets.suggestions_box import NO_HISTORY, History
from tests.gui.conftest import wait_until


async def test_suggestions_from_past_runs_wait_for_apply(
    make_window, pdf_factory, monkeypatch
) -> None:
    threads: list[threading.Thread] = []
    real = suggestions_module.suggest

    def spy(*args):
        threads.append(threading.current_thread())
        return real(*args)

    monkeypatch.setattr(suggestions_module, "suggest", spy)
    window = make_window()
    panel = window.settings_panel
    box = panel.suggestions
    await window.suggestion_service.refresh()
    assert box.rows == [] and box.note.text() == NO_HISTORY and box.note.isVisibleTo(window)

    window.open_file(pdf_factory(pages=12))
    await wait_until(lambda: window.document is not None)
    window.sections.every_n(1)  # 12 sections: enough finished ones for timeouts
    await window.start_run()
    await wait_until(lambda: bool(box.rows))  # refreshed once the run ended
    assert threads and all(t is not threading.main_thread() for t in threads)

    rows = {row.field: row for row in box.rows}
    # offline analyses take milliseconds: 300 s is far too generous
    row = rows["processing_timeout_seconds"]
    assert (row.current, row.suggested, row.value) == ("300 s", "30 s", 30.0)
    assert "p99 of 12 recent process times" in row.why
    assert "split_timeout_seconds" in rows and "section_task_timeout_seconds" in rows
    spin = panel.timeouts["processing_timeout_seconds"]
    assert spin.value() == 300  # shown, not applied
    assert not box.note.isVisibleTo(window)

    button = box.buttons["processing_timeout_seconds"]
    assert "30 s" in button.toolTip() and button.isEnabled()
    button.click()
    assert spin.value() == 30
    assert not button.isEnabled() and button.text() == "Applied"
    assert float(window.store.load_choices()["processing_timeout_seconds"]) == 30
    assert window.run.build_settings().processing_timeout_seconds == 30
    assert panel.timeouts["split_timeout_seconds"].value() == 120  # others untouched


def test_apply_moves_a_slider_and_announces_it(qtbot) -> None:
    panel = SettingsPanel(AppSettings(Settings(_env_file=None)))
    qtbot.addWidget(panel)
    heard: list[tuple[str, object]] = []
    panel.model.subscribe(lambda name, value: heard.append((name, value)))
    panel.show_suggestions(
        [
            Suggestion("max_concurrent_section_tasks", 5, 2, "4 rate-limit retries (429)"),
            Suggestion("not_a_control_here", 1, 2, "ignored"),
        ],
        History(runs=3, sections=40),
    )
    box = panel.suggestions
    assert [row.field for row in box.rows] == ["max_concurrent_section_tasks"]
    assert box.rows[0].label == "Section tasks"
    assert (box.rows[0].current, box.rows[0].suggested) == ("5", "2")
    assert panel.sliders["max_concurrent_section_tasks"].value() == 5
    box.buttons["max_concurrent_section_tasks"].click()
    assert heard == [("max_concurrent_section_tasks", 2)]
    assert panel.sliders["max_concurrent_section_tasks"].value() == 2

    panel.show_suggestions([], History(runs=3, sections=40))
    assert box.rows == [] and box.buttons == {}
    assert box.note.text() == "Your limits fit your last 3 runs (40 finished sections)."


def test_the_note_says_how_much_history_there_is() -> None:
    assert History().note() == NO_HISTORY
    assert "once 10 sections have finished (7 so far)" in History(1, 7).note()
    assert "last 1 run;" in History(1, 7).note()


async def test_suggestions_come_from_runs_of_the_chosen_backend(
    make_window, pdf_factory, fake_keys
) -> None:
    """Offline runs say 300 s is far too long for an analysis; with Gemini chosen they
    are not Gemini's history, so no timeout is offered from them."""
    fake_keys.key = "AIzaSyKEYFORGEMINI-0123456789abcdef"
    window = make_window()
    panel = window.settings_panel
    panel.backend.setCurrentIndex(panel.backend.findData("local"))
    box = panel.suggestions
    window.open_file(pdf_factory(pages=12))
    await wait_until(lambda: window.document is not None)
    window.sections.every_n(1)
    await window.start_run()
    await wait_until(lambda: "processing_timeout_seconds" in {r.field for r in box.rows})

    panel.backend.setCurrentIndex(panel.backend.findData("gemini"))
    await wait_until(lambda: window.suggestion_service.task is not None)
    await window.suggestion_service.task
    assert box.rows == [] and box.note.text() == NO_HISTORY

    panel.backend.setCurrentIndex(panel.backend.findData("local"))
    await window.suggestion_service.task
    assert "processing_timeout_seconds" in {r.field for r in box.rows}
