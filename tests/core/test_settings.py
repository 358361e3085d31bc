"""Settings: the required defaults, and one clear line for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import ProcessorKind, Settings, SettingsError, load_settings

REQUIRED_DEFAULTS = {
    "max_concurrent_section_tasks": 5,
    "max_concurrent_uploads": 3,
    "max_concurrent_splits": 4,
    "section_task_timeout_seconds": 600,
    "upload_timeout_seconds": 300,
    "split_timeout_seconds": 120,
    "enable_memory_monitoring": True,
    "max_memory_usage_mb": 1024,
    "memory_throttle_threshold_mb": 768,
    "enable_concurrent_processing": True,
}


def test_defaults_are_the_required_ones() -> None:
    settings = load_settings()
    for name, value in REQUIRED_DEFAULTS.items():
        assert getattr(settings, name) == value, name


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MAX_CONCURRENT_UPLOADS=2\nENABLE_MEMORY_MONITORING=false\n")
    settings = load_settings()
    assert settings.max_concurrent_uploads == 2
    assert settings.enable_memory_monitoring is False


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "MAX_CONCURRENT_SECTION_TASKS",
            "0",
            "MAX_CONCURRENT_SECTION_TASKS=0 is not allowed: it must be a whole number >= 1",
        ),
        (
            "MAX_CONCURRENT_UPLOADS",
            "-2",
            "MAX_CONCURRENT_UPLOADS=-2 is not allowed: it must be a whole number >= 1",
        ),
        (
            "MAX_CONCURRENT_SPLITS",
            "four",
            "MAX_CONCURRENT_SPLITS=four is not allowed: it must be a whole number",
        ),
        (
            "UPLOAD_TIMEOUT_SECONDS",
            "soon",
            "UPLOAD_TIMEOUT_SECONDS=soon is not allowed: it must be a number",
        ),
        (
            "SPLIT_TIMEOUT_SECONDS",
            "0",
            "SPLIT_TIMEOUT_SECONDS=0 is not allowed: it must be a number > 0",
        ),
        (
            "ENABLE_MEMORY_MONITORING",
            "maybe",
            "ENABLE_MEMORY_MONITORING=maybe is not allowed: it must be true or false",
        ),
        (
            "PROCESSOR",
            "cloud",
            "PROCESSOR=cloud is not allowed: it must be one of 'auto', 'local' or 'gemini'",
        ),
        (
            "UPLOAD_MAX_RETRIES",
            "-1",
            "UPLOAD_MAX_RETRIES=-1 is not allowed: it must be a whole number >= 0",
        ),
    ],
)
def test_every_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value) == expected


def test_threshold_above_max_names_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMORY_THROTTLE_THRESHOLD_MB", "2000")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "MEMORY_THROTTLE_THRESHOLD_MB=2000" in str(error.value)
    assert "MAX_MEMORY_USAGE_MB=1024" in str(error.value)


def test_auto_processor_uses_gemini_only_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().resolved_processor() is ProcessorKind.LOCAL
    monkeypatch.setenv("GOOGLE_API_KEY", "k-123")
    assert load_settings().resolved_processor() is ProcessorKind.GEMINI


def test_bad_key_value_is_never_echoed() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(gemini_api_key=["sk-secret-123"])
    assert str(error.value).startswith("GEMINI_API_KEY is not allowed")
    assert "sk-secret-123" not in str(error.value)


def test_sequential_mode_means_one_section_at_a_time() -> None:
    assert load_settings(enable_concurrent_processing=False).effective_section_limit() == 1


def test_env_example_lists_every_setting_with_its_default() -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    listed = {}
    for line in example.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            listed[name] = value
    fields = {name.upper() for name in Settings.model_fields}
    assert set(listed) == fields
    defaults = Settings(_env_file=None)
    for name, value in listed.items():
        if name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_BASE_URL"):
            continue
        # the example's value parses to the default itself
        assert getattr(Settings(_env_file=None, **{name.lower(): value}), name.lower()) == getattr(
            defaults, name.lower()
        ), name
