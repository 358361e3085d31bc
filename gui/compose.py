"""The window, composed: every collaborator made here, once, and handed over.

:func:`build_window` makes what outlives the window's widgets (the engine, the settings
model over ``.env`` and the user's saved choices, the two bridges) and gives them to
:class:`gui.main_window.MainWindow`, which lays out the widgets and gives each controller
its collaborators in its constructor. The app (:mod:`gui.app`), the self-test, the
benchmarks and the tests all build the window this way; tests swap a part by passing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.engine import Engine
from core.settings import Settings, setting_sources
from gui import keystore
from gui.batch_bridge import BatchBridge, RunnerFactory
from gui.bridge import EngineBridge, PipelineFactory
from gui.main_window import MainWindow
from gui.persistence import Store
from gui.state.api_keys import ApiKeys
from gui.state.settings import AppSettings

if TYPE_CHECKING:
    from gui.keystore import KeyStore
    from gui.log_handler import QtLogHandler


def build_window(
    *,
    store: Store | None = None,
    keys: KeyStore = keystore,
    engine: Engine | None = None,
    base: Settings | None = None,
    pipeline_factory: PipelineFactory | None = None,
    batch_runner_factory: RunnerFactory | None = None,
    log_handler: QtLogHandler | None = None,
) -> MainWindow:
    """The main window over ``.env`` and the environment (or ``base``, already read)."""
    store = store or Store()
    engine = engine or Engine()
    settings, error = _settings(store, keys, base)
    return MainWindow(
        engine=engine,
        settings=settings,
        store=store,
        keys=ApiKeys(keys, settings),
        bridge=EngineBridge(engine, pipeline_factory),
        batch_bridge=BatchBridge(engine, batch_runner_factory),
        log_handler=log_handler,
        startup_error=error,
    )


def _settings(store: Store, keys: KeyStore, base: Settings | None) -> tuple[AppSettings, str]:
    """The settings model; ``auto`` means Gemini when a key is in the settings or the
    keyring. A bad ``.env`` value is reported and the built-in defaults used."""
    if base is None:
        return AppSettings.from_environment(store, has_key=lambda: _has_key(keys, None))
    sources = setting_sources(env_file=None)
    return AppSettings(base, sources, store, has_key=lambda: _has_key(keys, base)), ""


def _has_key(keys: KeyStore, base: Settings | None) -> bool:
    if base is not None and base.api_key():
        return True
    return bool(keys.load_key())
