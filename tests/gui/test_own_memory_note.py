"""Next to the memory sliders, the app says what it uses itself, and warns when the
throttle is set below that (a limit the app cannot meet only slows a run)."""

from __future__ import annotations

from tests.gui.conftest import wait_until


async def test_own_memory_is_shown_and_a_threshold_below_it_warns(make_window) -> None:
    window = make_window()
    note = window.settings_panel.own_memory
    window.settings.set("memory_throttle_threshold_mb", 16384)
    await wait_until(lambda: "SectionFlow itself uses" in note.text())
    assert not note.text().startswith("⚠")
    assert "a throttle below that only slows a run" in note.text()

    window.settings.set("memory_throttle_threshold_mb", 128)  # Qt alone is more
    await wait_until(lambda: note.text().startswith("⚠ SectionFlow itself uses"))
