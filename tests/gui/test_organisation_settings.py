"""The app's Gemini-for-organisations controls: which service is in use, the detail level,
the budget cap and how long uploads are kept for re-asks, each bound to its setting (what
the next run uses)."""

from __future__ import annotations

from core.settings import MediaResolution, Settings
from gui.state.settings import AppSettings
from gui.widgets.settings_panel import SettingsPanel


def panel_for(qtbot, **values: object) -> SettingsPanel:
    base = Settings(_env_file=None, processor="gemini", **values)  # type: ignore[arg-type]
    panel = SettingsPanel(AppSettings(base))
    qtbot.addWidget(panel)
    return panel


def test_the_panel_says_which_service_is_in_use(qtbot) -> None:
    assert panel_for(qtbot).service.text() == "Gemini API"
    vertex = panel_for(
        qtbot,
        google_genai_use_vertexai=True,
        google_cloud_project="acme",
        google_cloud_location="europe-west4",
    )
    assert vertex.service.text() == "Vertex AI (project acme, europe-west4)"


def test_detail_and_budget_are_what_the_next_run_uses(qtbot) -> None:
    panel = panel_for(qtbot)
    assert panel.budget.text() == "No cap"
    panel.detail.setCurrentIndex(panel.detail.findData(MediaResolution.LOW.value))
    panel.budget.setValue(2.5)
    settings = panel.model.settings()
    assert settings.gemini_media_resolution is MediaResolution.LOW
    assert settings.max_cost_usd == 2.5
    assert panel.model.is_changed("max_cost_usd")


def test_keeping_uploads_shows_the_default_and_is_what_the_next_run_uses(qtbot) -> None:
    panel = panel_for(qtbot)
    assert panel.keep_uploads.value() == 4.0 and panel.keep_uploads.suffix() == " h"
    assert not panel.model.is_changed("keep_uploads_hours")
    panel.keep_uploads.setValue(0)
    assert panel.keep_uploads.text() == "Off"
    assert panel.model.settings().keep_uploads_hours == 0
    assert panel.model.is_changed("keep_uploads_hours")
    panel.keep_uploads.setValue(12)
    assert panel.model.settings().keep_uploads_hours == 12
    panel.reset_to_defaults()
    assert panel.keep_uploads.value() == 4.0


def test_a_keep_time_from_env_is_shown_and_capped_as_env_is(qtbot) -> None:
    panel = panel_for(qtbot, keep_uploads_hours=24)
    assert panel.keep_uploads.value() == 24
    panel.keep_uploads.setValue(60)  # the control stops at Gemini's 48 h less one
    assert panel.model.settings().keep_uploads_hours == 47


def test_cost_controls_are_off_for_the_offline_backend(qtbot) -> None:
    panel = panel_for(qtbot)
    panel.model.set("processor", "local")
    controls = (panel.detail, panel.budget, panel.keep_uploads)
    assert not any(control.isEnabled() for control in controls)
    panel.model.set("processor", "gemini")
    assert all(control.isEnabled() for control in controls)


def test_auto_means_gemini_when_vertex_is_chosen_without_a_key(qtbot) -> None:
    base = Settings(
        _env_file=None, processor="auto", google_genai_use_vertexai=True, google_cloud_project="p"
    )
    assert AppSettings(base, has_key=lambda: False).value("processor") == "gemini"
    assert AppSettings(Settings(_env_file=None), has_key=lambda: False).value("processor") == (
        "local"
    )
