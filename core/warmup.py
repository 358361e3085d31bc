"""Pay the Gemini backend's one-time costs in the background once the user picks Gemini.

google-genai takes about 0.4 s to import (docs/ARCHITECTURE.md, "Start-up"), and its first
run costs more: the engine's Gemini modules, the HTTP stack the client pulls in when it is
built (httpcore, h11, truststore, aiohttp), the CA bundles, and pydantic building the
validator of each SDK model on first use (the SDK's 475 types are ``defer_build``). Paid on the
event loop, that is a 100 ms freeze when Run is pressed and 5-15 ms hiccups on each
section's first request; paid on another thread *during* the run, those imports fight
the window for the GIL. So a daemon thread does all of it as soon as Gemini is chosen:
by the time Run is pressed the first request costs what every later one does.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
import threading

log = logging.getLogger("sectionflow.warmup")
_threads: dict[str, threading.Thread] = {}
_lock = threading.Lock()
#: the modules a Gemini run imports lazily (the engine keeps them off the offline path)
RUN_MODULES = (
    "core.pipeline",
    "core.journal",
    "core.report",
    "core.processors.gemini",
    "core.engine",
    "core.processors.local",
)


def warm(module: str = "google.genai") -> threading.Thread | None:
    """Start warming ``module`` unless that has begun; the warming thread either way (None
    if the module was imported before anyone asked)."""

    def work() -> None:
        try:
            importlib.import_module(module)
            if module == "google.genai":
                _warm_gemini()
            gc.freeze()  # these modules live as long as the process: keep them out of gc
        except Exception:
            log.debug("Could not pre-import %s", module, exc_info=True)

    with _lock:
        if module in _threads:
            return _threads[module]
        if module in sys.modules:
            return None
        thread = threading.Thread(target=work, name=f"warm-{module}", daemon=True)
        _threads[module] = thread
    thread.start()
    return thread


def _warm_gemini() -> None:
    for name in RUN_MODULES:
        importlib.import_module(name)
    _build_sdk_models()
    _build_client()


#: the SDK models a run builds (uploads, generate, ACTIVE polls, deletes, the start-up
#: sweep's list), found by listing the models complete after runs against the fake
#: (tests/core/test_warmup.py checks it); the other 450-odd (live API, tuning, batch...)
#: build on first use if ever. Building all of them took 1.3 s of CPU and 68 MB that
#: stayed in the app; these take 0.08 s and 3 MB (docs/ARCHITECTURE.md, "Footprint").
RUN_MODELS = (
    "AutomaticFunctionCallingConfig",
    "Blob",
    "Candidate",
    "Content",
    "CreateFileConfig",
    "CreateFileResponse",
    "DeleteFileConfig",
    "DeleteFileResponse",
    "File",
    "FileData",
    "GenerateContentConfig",
    "GenerateContentResponse",
    "GenerateContentResponseUsageMetadata",
    "GetFileConfig",
    "HttpOptions",
    "HttpResponse",
    "HttpRetryOptions",
    "ListFilesConfig",
    "ListFilesResponse",
    "Part",
    "UploadFileConfig",
    "UserContent",
    "_CreateFileParameters",
    "_DeleteFileParameters",
    "_GenerateContentParameters",
    "_GetFileParameters",
)


def _build_sdk_models() -> None:
    """Build the validators of the SDK models a run uses now rather than on a request."""
    from google.genai import types

    for name in RUN_MODELS:
        model = getattr(types, name, None)  # a name a later SDK dropped: nothing to build
        if model is None or model.__pydantic_complete__:
            continue
        try:
            model.model_rebuild()
        except Exception:  # a model that cannot build yet builds on first use instead
            log.debug("Could not build %s", name, exc_info=True)


def _build_client() -> None:
    """Build (and drop) a client the way a run does: imports its HTTP stack, loads the
    CA bundles into the shared TLS contexts. Makes no request and opens no ledger."""
    from core.processors.gemini_client import build_client
    from core.settings import Settings

    # the Gemini API's client: a Vertex one would look for Google Cloud credentials
    build_client(Settings(_env_file=None, google_genai_use_vertexai=False), "warm-up-not-a-key")
