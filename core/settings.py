"""Every knob of the engine, read from the environment and `.env`.

The variables and their defaults are requirements (docs/ARCHITECTURE.md, "Requirements
kept"), so the defaults below are those. Validation errors are turned into one readable line per
variable by :func:`load_settings`, because an analyst editing `.env` should never see a
pydantic traceback.
"""

from __future__ import annotations

import contextlib
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import (
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.redact import url_secrets

PositiveInt = Annotated[int, Field(ge=1)]
#: ``inf`` and ``nan`` parse as floats; a timeout of ``inf`` would wait forever
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeInt = Annotated[int, Field(ge=0)]


class ProcessorKind(StrEnum):
    AUTO = "auto"
    LOCAL = "local"
    GEMINI = "gemini"


class MediaResolution(StrEnum):
    """GEMINI_MEDIA_RESOLUTION: how finely Gemini looks at each page; ``default`` sends
    nothing, so the model uses its own (docs/ARCHITECTURE.md, "Gemini protocol")."""

    DEFAULT = "default"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def api_name(self) -> str:
        """The request's ``mediaResolution`` value, e.g. ``MEDIA_RESOLUTION_LOW``."""
        return f"MEDIA_RESOLUTION_{self.value.upper()}"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class SettingsError(ValueError):
    """A configuration value is not allowed; the message names the variable."""


class Settings(BaseSettings):
    """Engine configuration. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_assignment=True,
        case_sensitive=False,
    )

    # Granular concurrency controls
    max_concurrent_section_tasks: PositiveInt = 5
    max_concurrent_uploads: PositiveInt = 3
    max_concurrent_splits: PositiveInt = 4
    enable_concurrent_processing: bool = True

    # Resource management timeouts
    section_task_timeout_seconds: PositiveFloat = 600
    upload_timeout_seconds: PositiveFloat = 300
    split_timeout_seconds: PositiveFloat = 120
    processing_timeout_seconds: PositiveFloat = 300

    # Memory management
    enable_memory_monitoring: bool = True
    max_memory_usage_mb: PositiveInt = 1024
    memory_throttle_threshold_mb: PositiveInt = 768

    # Retries: exponential backoff with full jitter, limited per operation type
    split_max_retries: NonNegativeInt = 1
    upload_max_retries: NonNegativeInt = 3
    process_max_retries: NonNegativeInt = 3
    retry_backoff_base_seconds: PositiveFloat = 1.0
    retry_backoff_max_seconds: PositiveFloat = 60.0

    # Backend
    processor: ProcessorKind = ProcessorKind.AUTO
    gemini_api_key: SecretStr | None = None
    google_api_key: SecretStr | None = None
    gemini_model: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = (
        "gemini-3.8-flash"
    )
    gemini_base_url: str | None = None
    inline_max_mb: Annotated[float, Field(ge=0, le=50)] = 4.0
    gemini_media_resolution: MediaResolution = MediaResolution.DEFAULT
    #: keep uploaded sections this long for re-asks (Gemini API only); 0 = delete at once
    keep_uploads_hours: Annotated[float, Field(ge=0, le=47)] = 4.0
    #: no new section starts once spent + in flight would pass this (USD); 0 = no cap
    max_cost_usd: Annotated[float, Field(ge=0)] = 0.0

    # Vertex AI (Google Cloud), under the SDK's own variable names
    google_genai_use_vertexai: bool = False
    google_cloud_project: str | None = None
    google_cloud_location: str | None = None
    google_application_credentials: str | None = None
    #: Vertex only: sections above INLINE_MAX_MB go through this bucket (gs://…)
    gcs_bucket: str | None = None

    # The network of an organisation: proxies and its own certificate authority
    https_proxy: SecretStr | None = None
    http_proxy: SecretStr | None = None
    no_proxy: str | None = None
    ssl_cert_file: str | None = None
    ssl_cert_dir: str | None = None

    log_level: LogLevel = LogLevel.INFO

    @field_validator(
        "google_cloud_project",
        "google_cloud_location",
        "google_application_credentials",
        "gcs_bucket",
        "https_proxy",
        "http_proxy",
        "no_proxy",
        "ssl_cert_file",
        "ssl_cert_dir",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """``NAME=`` in ``.env`` (as ``.env.example`` writes it) means "not set"."""
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _threshold_not_above_max(self) -> Settings:
        if self.memory_throttle_threshold_mb > self.max_memory_usage_mb:
            raise ValueError(
                f"MEMORY_THROTTLE_THRESHOLD_MB={self.memory_throttle_threshold_mb} is above "
                f"MAX_MEMORY_USAGE_MB={self.max_memory_usage_mb}: the throttle threshold must "
                "be at or under the maximum"
            )
        return self

    def api_key(self) -> str | None:
        """The Gemini key from GEMINI_API_KEY, else GOOGLE_API_KEY (the SDK's own name)."""
        for secret in (self.gemini_api_key, self.google_api_key):
            if secret is not None and secret.get_secret_value().strip():
                return secret.get_secret_value().strip()
        return None

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never reach a log, an export or a message: the key and
        the user and password in the endpoint's and the proxies' URLs."""
        found = [self.api_key(), *url_secrets(self.gemini_base_url)]
        for proxy in (self.https_proxy, self.http_proxy):
            if proxy is not None:
                found += [*url_secrets(proxy.get_secret_value()), proxy.get_secret_value()]
        return tuple(s for s in found if s)

    def resolved_processor(self) -> ProcessorKind:
        """AUTO means Gemini when a key is configured or Vertex AI is chosen, the offline
        backend otherwise."""
        if self.processor is ProcessorKind.AUTO:
            gemini = self.api_key() or self.google_genai_use_vertexai
            return ProcessorKind.GEMINI if gemini else ProcessorKind.LOCAL
        return self.processor

    def effective_section_limit(self) -> int:
        """Sequential mode (ENABLE_CONCURRENT_PROCESSING=false) runs one section at a time."""
        return self.max_concurrent_section_tasks if self.enable_concurrent_processing else 1


def describe_error(error: ValidationError) -> str:
    """One line per bad variable: its name, the value given and what is allowed."""
    lines = []
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ()) if part != "__root__"]
        name = loc[0].upper() if loc else ""
        value = item.get("input")
        message = item.get("msg", "invalid value").removeprefix("Value error, ")
        if name:
            shown = "" if isinstance(value, dict) else f"={value!s}"
            if "api_key" in name.lower() or "proxy" in name.lower():
                shown = ""
            lines.append(f"{name}{shown} is not allowed: {_allowed(item, message)}")
        else:
            lines.append(message)
    return "; ".join(lines)


def _allowed(item: dict, message: str) -> str:
    ctx = item.get("ctx") or {}
    kind = item.get("type", "")
    if kind == "greater_than_equal":
        return f"it must be a whole number >= {ctx.get('ge')}"
    if kind == "greater_than":
        return f"it must be a number > {ctx.get('gt'):g}"
    if kind == "less_than_equal":
        return f"it must be <= {ctx.get('le'):g}"
    if kind in ("int_parsing", "int_from_float"):
        return "it must be a whole number"
    if kind == "float_parsing":
        return "it must be a number"
    if kind == "finite_number":
        return "it must be a finite number (inf and nan wait forever or never)"
    if kind == "bool_parsing":
        return "it must be true or false"
    if kind == "enum":
        return f"it must be one of {ctx.get('expected')}"
    if kind == "string_too_short":
        return "it must not be empty"
    return message


def load_settings(**overrides: object) -> Settings:
    """Build settings from env/.env plus overrides, raising SettingsError with a clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_error(exc)) from None
    except UnicodeDecodeError as exc:
        raise SettingsError(not_utf8(Path(".env"), exc)) from None


def not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    """The one line for a settings file that is not UTF-8 text (pydantic-settings and
    python-dotenv only say which byte failed, not in which file)."""
    return (
        f"{path.resolve()} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
        f"position {exc.start}): save it as UTF-8"
    )


class Source(StrEnum):
    """Where a setting's value comes from, in the order pydantic-settings lets them win."""

    ENVIRONMENT = "environment"
    DOTENV = ".env"
    DEFAULT = "built-in default"


def setting_sources(env_file: str | os.PathLike[str] | None = ".env") -> dict[str, Source]:
    """For every setting, whether the environment, the ``.env`` file or the built-in
    default gave its value (the environment wins over ``.env``, as in :class:`Settings`).

    The app shows this beside each control, so that a value the user never set can be
    traced to the file or variable that set it.
    """
    environ = {name.lower() for name in os.environ}
    dotenv: set[str] = set()
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values

        # a .env that is not UTF-8 gives no values; load_settings has named it already
        with contextlib.suppress(UnicodeDecodeError):
            dotenv = {name.lower() for name in dotenv_values(env_file, encoding="utf-8")}
    sources = {}
    for name in Settings.model_fields:
        if name in environ:
            sources[name] = Source.ENVIRONMENT
        elif name in dotenv:
            sources[name] = Source.DOTENV
        else:
            sources[name] = Source.DEFAULT
    return sources


def with_value(settings: Settings, name: str, value: object) -> Settings:
    """A copy of ``settings`` with one value changed, validated the way ``.env`` values
    are (cross-field rules included); SettingsError names the variable."""
    if name not in Settings.model_fields:
        raise SettingsError(f"{name.upper()} is not a setting")
    changed = settings.model_copy()
    try:
        setattr(changed, name, value)
    except ValidationError as exc:
        raise SettingsError(describe_error(exc)) from None
    return changed
