"""The app's Gemini-for-organisations controls: which service is in use, the detail level
and the budget cap, each bound to its setting (what the next run uses)."""

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


def test_cost_controls_are_off_for_the_offline_backend(qtbot) -> None:
    panel = panel_for(qtbot)
    panel.model.set("processor", "local")
    assert not panel.detail.isEnabled() and not panel.budget.isEnabled()
    panel.model.set("processor", "gemini")
    assert panel.detail.isEnabled() and panel.budget.isEnabled()


def test_auto_means_gemini_when_vertex_is_chosen_without_a_key(qtbot) -> None:
    base = Settings(
        _env_file=None, processor="auto", google_genai_use_vertexai=True, google_cloud_project="p"
    )
    assert AppSettings(base, has_key=lambda: False).value("processor") == "gemini"
    assert AppSettings(Settings(_env_file=None), has_key=lambda: False).value("processor") == (
        "local"
    )
