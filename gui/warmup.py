"""Import the Gemini SDK in the background once the user picks Gemini.

google-genai takes about 0.4 s to import (DESIGN.md §3). The engine imports it lazily,
and if that first import happens on the event loop — or the loop touches the module
while another thread is still importing it and has to wait on the import lock — the window
freezes for that long at the start of the first Gemini run. Importing it on a daemon
thread as soon as Gemini is chosen means the module is ready by the time Run is pressed.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
import threading

log = logging.getLogger("sectionflow.gui.warmup")
_started: set[str] = set()
_lock = threading.Lock()


def warm(module: str = "google.genai") -> threading.Thread | None:
    with _lock:
        if module in sys.modules or module in _started:
            return None
        _started.add(module)

    def work() -> None:
        try:
            importlib.import_module(module)
            types = importlib.import_module(f"{module}.types")
            # pydantic builds each SDK model's validator on first use (tens of ms each);
            # build the ones every run uses here rather than on the event loop
            types.HttpOptions(api_version="v1beta", timeout=1000)
            types.UploadFileConfig(mime_type="application/pdf", display_name="warm-up")
            types.GenerateContentConfig(response_mime_type="application/json")
            types.Part.from_uri(file_uri="https://example.invalid/f", mime_type="application/pdf")
            types.Part.from_bytes(data=b"%PDF-", mime_type="application/pdf")
            types.File.model_validate({"name": "files/x", "state": "ACTIVE"})
            types.GenerateContentResponse.model_validate(
                {"candidates": [{"content": {"parts": [{"text": "x"}]}}]}
            )
            gc.freeze()  # the SDK's modules live as long as the app (see gui/gc_guard.py)
        except Exception:
            log.debug("Could not pre-import %s", module, exc_info=True)

    thread = threading.Thread(target=work, name=f"warm-{module}", daemon=True)
    thread.start()
    return thread
