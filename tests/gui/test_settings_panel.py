"""Sliders and settings: the next run uses them, a running limit moves at once (one at a
time in sequential mode), the threshold stays at or under the maximum, a value changed
from .env is marked and Reset brings .env back, QSettings remembers the user's choices."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from core.limits import Limits
from core.run_types import RunOutcome
from core.settings import Settings, setting_sources
from gui.binding import CHANGED_MARK
from gui.persistence import Store
from gui.state.settings import AppSettings, Origin
from gui.widgets.settings_panel import SettingsPanel
from tests.gui.conftest import wait_until


class FakePipeline:
    """Holds the run open until released; records what the window asked of it."""

    def __init__(self, settings: Settings, emit) -> None:
        self.settings = settings
        self.emit = emit
        #: the real limits a pipeline of these settings would have
        self.limits = Limits.from_settings(settings, shared=False)
        self.memory: list[tuple[float, float, bool]] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.cancelled = False

    async def run(self, request: Any) -> RunOutcome:
        self.started.set()
        await self.release.wait()
        return RunOutcome(
            run_id="fake",
            document=Path(request.pdf_path),
            document_sha256="0" * 64,
            page_count=1,
            sections=list(request.sections),
            prompt=request.prompt,
            processor="fake",
            model=None,
            settings={},
            started_at="",
            cancelled=self.cancelled,
        )

    def cancel(self) -> None:
        self.cancelled = True
        self.release.set()

    def set_memory_limits(self, threshold_mb: float, max_mb: float, enabled: bool) -> None:
        self.memory.append((threshold_mb, max_mb, enabled))


class FakeFactory:
    def __init__(self) -> None:
        self.pipelines: list[FakePipeline] = []

    def __call__(self, settings: Settings, emit) -> FakePipeline:
        pipeline = FakePipeline(settings, emit)
        self.pipelines.append(pipeline)
        return pipeline


async def open_async(window, path: Path) -> None:
    window.open_file(path)
    await wait_until(lambda: window.document is not None)


async def test_slider_value_is_what_the_next_run_uses(make_window, pdf_factory) -> None:
    factory = FakeFactory()
    window = make_window(pipeline_factory=factory)
    await open_async(window, pdf_factory(pages=6))
    window.sections.whole()
    panel = window.settings_panel
    panel.sliders["max_concurrent_section_tasks"].slider.setValue(7)
    panel.sliders["max_concurrent_splits"].spin.setValue(2)
    panel.timeouts["split_timeout_seconds"].setValue(45)
    task = window.start_run()
    assert task is not None
    used = factory.pipelines[0].settings
    assert used.max_concurrent_section_tasks == 7
    assert used.max_concurrent_splits == 2
    assert used.split_timeout_seconds == 45
    assert used.processor.value == "local"
    factory.pipelines[0].release.set()
    await task
    # moved between runs: the next run sees the new value
    panel.sliders["max_concurrent_section_tasks"].setValue(3)
    task = window.start_run()
    assert factory.pipelines[1].settings.max_concurrent_section_tasks == 3
    factory.pipelines[1].release.set()
    await task


async def test_slider_moved_during_a_run_changes_the_running_limit(
    make_window, pdf_factory
) -> None:
    factory = FakeFactory()
    window = make_window(pipeline_factory=factory)
    await open_async(window, pdf_factory(pages=6))
    window.sections.every_n(2)
    task = window.start_run()
    pipeline = factory.pipelines[0]
    await pipeline.started.wait()
    assert window.cancel_action.isEnabled() and not window.run_action.isEnabled()
    panel = window.settings_panel
    panel.sliders["max_concurrent_section_tasks"].setValue(2)
    panel.sliders["max_concurrent_uploads"].setValue(1)
    panel.sliders["max_concurrent_splits"].setValue(6)
    panel.sliders["memory_throttle_threshold_mb"].setValue(512)
    limits = pipeline.limits
    assert (limits.sections.limit, limits.uploads.limit, limits.splits.limit) == (2, 1, 6)
    assert pipeline.memory[-1] == (512, 1024, True)
    window.cancel_action.trigger()
    outcome = await task
    assert outcome.cancelled
    await wait_until(lambda: window.run_action.isEnabled())


async def test_slider_moves_a_real_pipeline_limit(make_window, pdf_factory) -> None:
    """The same through the real engine: the running Pipeline's section ceiling moves."""
    window = make_window()
    await open_async(window, pdf_factory(pages=30))
    window.sections.every_n(1)
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(1)
    task = window.start_run()
    pipeline = window.bridge.runner
    await wait_until(lambda: len(window.results.results) >= 1, timeout=60)
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(4)
    await wait_until(lambda: pipeline.sections.limit == 4 or pipeline.adaptive.ceiling == 4)
    window.bridge.cancel()
    await task


def panel_over(qtbot, base: Settings | None = None) -> SettingsPanel:
    model = AppSettings(base or Settings(_env_file=None), setting_sources(env_file=None))
    panel = SettingsPanel(model)
    qtbot.addWidget(panel)
    return panel


def test_threshold_is_kept_at_or_under_the_maximum(qtbot) -> None:
    panel = panel_over(qtbot)
    threshold = panel.sliders["memory_throttle_threshold_mb"]
    maximum = panel.sliders["max_memory_usage_mb"]
    threshold.setValue(2048)
    assert maximum.value() == 2048
    maximum.setValue(512)
    assert threshold.value() == 512
    used = panel.model.settings()
    assert used.memory_throttle_threshold_mb == 512 and used.max_memory_usage_mb == 512


def test_reset_returns_to_the_built_in_defaults_where_nothing_sets_them(qtbot) -> None:
    panel = panel_over(qtbot)
    panel.sliders["max_concurrent_section_tasks"].setValue(20)
    panel.monitoring.setChecked(False)
    panel.timeouts["upload_timeout_seconds"].setValue(12)
    panel.use_cache.setChecked(False)
    assert panel.model.changed_fields() == [
        "max_concurrent_section_tasks",
        "enable_memory_monitoring",
        "upload_timeout_seconds",
    ]
    panel.reset_button.click()
    assert panel.use_cache.isChecked() and panel.model.changed_fields() == []
    used = panel.model.settings()
    assert used.max_concurrent_section_tasks == 5
    assert used.max_concurrent_uploads == 3
    assert used.max_concurrent_splits == 4
    assert used.memory_throttle_threshold_mb == 768
    assert used.max_memory_usage_mb == 1024
    assert used.enable_memory_monitoring is True
    assert used.upload_timeout_seconds == 300
    assert panel.sliders["max_concurrent_section_tasks"].value() == 5
    assert panel.monitoring.isChecked()


async def test_env_value_shows_is_marked_once_changed_and_reset_brings_it_back(
    make_window, pdf_factory, monkeypatch
) -> None:
    monkeypatch.setenv("MAX_CONCURRENT_SPLITS", "7")
    monkeypatch.setenv("SPLIT_TIMEOUT_SECONDS", "45")
    factory = FakeFactory()
    window = make_window(base=Settings(_env_file=None), pipeline_factory=factory)
    panel = window.settings_panel
    splits = panel.sliders["max_concurrent_splits"]
    label = panel.binder.bindings["max_concurrent_splits"].label
    assert splits.value() == 7 and panel.timeouts["split_timeout_seconds"].value() == 45
    assert not label.text().startswith(CHANGED_MARK) and "From environment" in label.toolTip()

    splits.spin.setValue(3)  # the user's choice
    assert label.text().startswith(CHANGED_MARK) and label.font().bold()
    assert "environment says 7" in label.toolTip()
    await open_async(window, pdf_factory(pages=4))
    window.sections.whole()
    task = window.start_run()
    used = factory.pipelines[0].settings
    assert (used.max_concurrent_splits, used.split_timeout_seconds) == (3, 45)
    factory.pipelines[0].release.set()
    await task

    panel.reset_button.click()
    assert splits.value() == 7 and not label.text().startswith(CHANGED_MARK)
    task = window.start_run()
    assert factory.pipelines[1].settings.max_concurrent_splits == 7  # what the panel shows
    factory.pipelines[1].release.set()
    await task


async def test_sequential_mode_keeps_one_at_a_time_when_sliders_rise_mid_run(
    make_window, pdf_factory, monkeypatch
) -> None:
    monkeypatch.setenv("ENABLE_CONCURRENT_PROCESSING", "false")
    factory = FakeFactory()
    window = make_window(base=Settings(_env_file=None), pipeline_factory=factory)
    await open_async(window, pdf_factory(pages=6))
    window.sections.every_n(1)
    task = window.start_run()
    pipeline = factory.pipelines[0]
    await pipeline.started.wait()
    for field in ("max_concurrent_section_tasks", "max_concurrent_uploads"):
        window.settings_panel.sliders[field].setValue(6)
    window.settings_panel.sliders["max_concurrent_splits"].setValue(3)
    limits = pipeline.limits
    assert (limits.sections.limit, limits.uploads.limit, limits.splits.limit) == (1, 1, 1)
    assert "sequential mode" in window.last_message
    pipeline.release.set()
    await task


def test_a_choice_equal_to_env_is_not_kept(qtbot, isolated_qsettings, monkeypatch) -> None:
    """Once the user moves a value back to what .env says, .env rules it again."""
    monkeypatch.setenv("MAX_CONCURRENT_UPLOADS", "2")
    store = Store(isolated_qsettings)
    model = AppSettings(Settings(_env_file=None), setting_sources(env_file=None), store)
    model.set("max_concurrent_uploads", 6)
    assert store.load_choices() == {"max_concurrent_uploads": 6}
    model.set("max_concurrent_uploads", 2)
    assert store.load_choices() == {} and not model.is_changed("max_concurrent_uploads")


def test_a_bad_value_typed_is_refused_with_the_variable_named(qtbot) -> None:
    panel = panel_over(qtbot)
    errors: list[str] = []
    panel.error.connect(errors.append)
    panel.model_box.setEditText("   ")
    panel.model_box.lineEdit().editingFinished.emit()
    assert errors and "GEMINI_MODEL" in errors[0]
    assert panel.model_box.currentText() == panel.model.value("gemini_model") != ""


def test_settings_are_remembered(qtbot, make_window, isolated_qsettings, fake_keys) -> None:
    fake_keys.key = "AIzaSyKEYFORGEMINI-0123456789abcdef"  # Gemini needs one to come back
    window = make_window()
    window.settings_panel.sliders["max_concurrent_uploads"].setValue(9)
    window.settings_panel.backend.setCurrentIndex(1)  # Gemini
    window.main_split.setSizes([300, 900])
    window.settings_panel.use_cache.setChecked(False)
    window.close()
    again = make_window(store=Store(isolated_qsettings))
    assert not again.settings_panel.use_cache.isChecked()
    assert again.settings_panel.sliders["max_concurrent_uploads"].value() == 9
    assert again.settings.value("processor") == "gemini"
    assert again.settings.origin("max_concurrent_uploads") is Origin.USER
    assert again.store.bytes("splitters/mainSplit") is not None


def test_saved_gemini_without_a_key_starts_offline_and_is_kept(
    qtbot, make_window, isolated_qsettings, fake_keys
) -> None:
    store = Store(isolated_qsettings)
    store.save_choice("processor", "gemini")
    window = make_window(store=store)  # no key in the keyring, none in the environment
    assert window.settings.value("processor") == "local"
    assert window.settings_panel.backend.currentData() == "local"
    assert "no API key" in window.last_message and "offline" in window.last_message
    assert "no API key" in window.statusBar().currentMessage()
    window.save_state()
    assert store.load_choices()["processor"] == "gemini"  # not forgotten

    # a key entered now brings Gemini back
    window.key_action.trigger()
    window.key_dialog.edit.setText("AIzaSyKEYFORGEMINI-0123456789abcdef")
    window.key_dialog.save_button.click()
    assert window.settings.value("processor") == "gemini"
    assert window.settings_panel.backend.currentData() == "gemini"

    # with a key at launch, Gemini is used straight away
    again = make_window(store=store)
    assert again.settings.value("processor") == "gemini"


def test_choosing_offline_forgets_the_saved_gemini(qtbot, make_window, isolated_qsettings) -> None:
    store = Store(isolated_qsettings)
    store.save_choice("processor", "gemini")
    window = make_window(store=store)
    window.settings_panel.reset_to_defaults()
    assert "processor" not in store.load_choices()
    assert window.settings.held_back is None
