"""The app's settings: one owner, with where each value comes from.

``.env`` and the environment give the defaults (read once, at start, by core's
:class:`~core.settings.Settings`); the user's choices in the window override them and are
saved. Every control of the settings panel is bound to this model, the run and batch
controllers subscribe to it, and a run uses :meth:`AppSettings.settings`, which is exactly
what the panel shows. A choice equal to the ``.env``/environment value is not kept, so a
later edit of ``.env`` still takes effect; :meth:`AppSettings.reset` drops choices.

Each value is parsed once: the defaults when ``Settings`` is built, a choice when the user
makes it (:func:`core.settings.with_value`, with the ``.env`` rules and messages).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any, Protocol

from pydantic import SecretStr

from core.limits import MEMORY_FIELDS, SLOT_FIELDS
from core.settings import (
    ProcessorKind,
    Settings,
    SettingsError,
    Source,
    load_settings,
    setting_sources,
    with_value,
)

log = logging.getLogger("sectionflow.gui.settings")

TIMEOUT_FIELDS = (
    "section_task_timeout_seconds",
    "split_timeout_seconds",
    "upload_timeout_seconds",
    "processing_timeout_seconds",
)
#: the settings the window shows and lets the user change
APP_FIELDS = (
    *SLOT_FIELDS.values(),
    *MEMORY_FIELDS,
    *TIMEOUT_FIELDS,
    "processor",
    "gemini_model",
    "gemini_media_resolution",
    "max_cost_usd",
    "keep_uploads_hours",
)
THRESHOLD, MAXIMUM = "memory_throttle_threshold_mb", "max_memory_usage_mb"

Listener = Callable[[str, Any], None]


class Origin(StrEnum):
    """Where the value a control shows comes from."""

    USER = "your choice"
    ENVIRONMENT = Source.ENVIRONMENT.value
    DOTENV = Source.DOTENV.value
    DEFAULT = Source.DEFAULT.value


class SavedChoices(Protocol):
    """Where the user's choices are kept between sessions (QSettings in the app)."""

    def load_choices(self) -> dict[str, Any]: ...

    def save_choice(self, name: str, value: Any) -> None: ...

    def forget_choice(self, name: str) -> None: ...


class _Unsaved:
    """Choices kept for this session only (tests, the self-test)."""

    def load_choices(self) -> dict[str, Any]:
        return {}

    def save_choice(self, name: str, value: Any) -> None:
        return None

    def forget_choice(self, name: str) -> None:
        return None


class AppSettings:
    """Evented, Qt-free: ``subscribe(listener)`` hears ``(name, value)`` on every change."""

    def __init__(
        self,
        base: Settings,
        sources: Mapping[str, Source] | None = None,
        saved: SavedChoices | None = None,
        *,
        has_key: Callable[[], bool] = lambda: False,
    ) -> None:
        """``has_key``: whether a Gemini key is available, which decides what the
        ``auto`` backend of ``.env`` means in the window."""
        self._base = base
        self._sources = dict(sources or {})
        self._saved = saved or _Unsaved()
        self._has_key = has_key
        self._listeners: list[Listener] = []
        self._defaults = self._resolved(base)
        self._current = self._defaults
        self._choices: dict[str, Any] = {}
        #: a saved backend not used this session (Gemini with no key), kept for later
        self.held_back: str | None = None
        saved_choices = self._saved.load_choices()
        # the maximum first, so a saved threshold above the default maximum fits
        for name in sorted(saved_choices, key=lambda n: n != MAXIMUM):
            self._restore(name, saved_choices[name])

    @classmethod
    def from_environment(
        cls, saved: SavedChoices | None = None, *, has_key: Callable[[], bool] = lambda: False
    ) -> tuple[AppSettings, str]:
        """The model over ``.env`` and the environment, and the message for the user
        when they hold a bad value (the built-in defaults are used instead)."""
        try:
            base, error = load_settings(), ""
        except SettingsError as exc:
            base, error = (
                Settings(_env_file=None),
                f"Your .env or environment has a bad value: {exc}",
            )
        return cls(base, setting_sources(), saved, has_key=has_key), error

    # ----------------------------------------------------------------- reading
    def value(self, name: str) -> Any:
        value = getattr(self._current, name)
        return value.value if isinstance(value, StrEnum) else value

    def default(self, name: str) -> Any:
        """What ``.env``, the environment or the built-in default says."""
        value = getattr(self._defaults, name)
        return value.value if isinstance(value, StrEnum) else value

    def source(self, name: str) -> Source:
        """Where the default comes from: the environment, ``.env`` or the built-in one."""
        return self._sources.get(name, Source.DEFAULT)

    def origin(self, name: str) -> Origin:
        if name in self._choices:
            return Origin.USER
        return Origin(self._sources.get(name, Source.DEFAULT).value)

    def is_changed(self, name: str) -> bool:
        """The user chose a value other than the ``.env``/environment one."""
        return name in self._choices

    def changed_fields(self) -> list[str]:
        return [name for name in APP_FIELDS if name in self._choices]

    def settings(self, api_key: str | None = None) -> Settings:
        """The settings of the next run: exactly what the window shows (and the key)."""
        if not api_key:
            return self._current
        return self._current.model_copy(update={"gemini_api_key": SecretStr(api_key)})

    @property
    def base(self) -> Settings:
        """The settings as ``.env`` and the environment give them (for the secrets)."""
        return self._base

    # ----------------------------------------------------------------- changing
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def set(self, name: str, value: Any) -> None:
        """The user's choice; SettingsError (naming the variable) when it is not allowed.

        The throttle threshold stays at or under the maximum: raising the threshold above
        the maximum raises the maximum with it, and the other way round.
        """
        changes = {name: value}
        if name == THRESHOLD and value > self.value(MAXIMUM):
            changes = {MAXIMUM: value, THRESHOLD: value}
        elif name == MAXIMUM and value < self.value(THRESHOLD):
            changes = {THRESHOLD: value, MAXIMUM: value}
        current = self._current
        for field, wanted in changes.items():
            current = with_value(current, field, wanted)
        self._apply(current, changes)

    def restore_held_back(self) -> bool:
        """Use the saved backend set aside at launch (a key is available now)."""
        held, self.held_back = self.held_back, None
        if held is None or held == self.value("processor"):
            return False
        self.set("processor", held)
        return True

    def reset(self, names: Iterable[str] | None = None) -> None:
        """Back to what ``.env`` or the environment says (the built-in default where
        neither sets it)."""
        asked = APP_FIELDS if names is None else tuple(names)
        if "processor" in asked and self.held_back is not None:
            self.held_back = None  # the backend set aside at launch goes too
            self._saved.forget_choice("processor")
        todo = [n for n in asked if n in self._choices]
        current = self._current.model_copy(
            update={name: getattr(self._defaults, name) for name in todo}
        )
        if current.memory_throttle_threshold_mb > current.max_memory_usage_mb:
            # the maximum went back under the user's threshold: the threshold follows
            current = current.model_copy(update={THRESHOLD: current.max_memory_usage_mb})
            todo = [*dict.fromkeys([*todo, THRESHOLD])]
        self._apply(current, dict.fromkeys(todo))

    # ----------------------------------------------------------------- plumbing
    def _apply(self, current: Settings, changes: Mapping[str, Any]) -> None:
        self._current = current
        if "processor" in changes:
            self.held_back = None  # the user chose a backend: that choice is the one kept
        for name in changes:
            if self.value(name) == self.default(name):
                self._choices.pop(name, None)
                self._saved.forget_choice(name)
            else:
                self._choices[name] = self.value(name)
                self._saved.save_choice(name, self.value(name))
        for name in changes:
            for listener in list(self._listeners):
                listener(name, self.value(name))

    def _restore(self, name: str, value: Any) -> None:
        """A saved choice from an earlier session; one no longer allowed is dropped."""
        if name not in APP_FIELDS:
            return
        if name == "processor" and str(value) == ProcessorKind.GEMINI.value and not self._has_key():
            # Gemini without a key would only open the key dialog at every Run: offline
            # for this session, and the saved choice kept for when a key is there
            self.held_back = ProcessorKind.GEMINI.value
            return
        try:
            current = with_value(self._current, name, value)
        except SettingsError as exc:
            log.warning("A saved setting was dropped: %s", exc)
            self._saved.forget_choice(name)
            return
        self._current = current
        if self.value(name) == self.default(name):
            self._saved.forget_choice(name)
        else:
            self._choices[name] = self.value(name)

    def _resolved(self, settings: Settings) -> Settings:
        """``auto`` means Gemini when a key is available or Vertex AI is chosen (it may
        need no key), else offline: the window shows which, as its backend list has no
        "auto"."""
        if settings.processor is not ProcessorKind.AUTO:
            return settings
        # a key in the environment or .env answers without asking the OS keyring, whose
        # backends take a few hundred ms to probe at start-up
        gemini = bool(settings.api_key()) or self._has_key() or settings.google_genai_use_vertexai
        kind = ProcessorKind.GEMINI if gemini else ProcessorKind.LOCAL
        return settings.model_copy(update={"processor": kind})
