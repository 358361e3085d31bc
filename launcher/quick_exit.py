"""Leave a finished command without tearing the interpreter down.

A command's process has imported google-genai, pydantic and the engine: several thousand
objects that Python's finalisation takes apart one by one, 0.3-0.6 s on the 2-core
machine after the last byte was written (docs/ARCHITECTURE.md, "Exit"). Nothing of that
is visible to the user, so once the command has returned we do what a normal exit does
that matters (join the non-daemon threads, run the ``atexit`` handlers: logging's flush,
multiprocessing's reaping of children, temporary folders' finalizers; flush the standard
streams) and end the process at once.

Only the console script uses it: code that calls :func:`launcher.main` in a process of
its own (a test, the window) returns normally.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def leave(code: int) -> NoReturn:
    """End the process with ``code`` after the exit steps that have effects."""
    try:
        threading._shutdown()  # type: ignore[attr-defined]  # as Py_FinalizeEx does first
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    finally:
        os._exit(code)
