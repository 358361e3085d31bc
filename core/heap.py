"""Giving freed memory back to the operating system.

CPython frees objects to glibc's allocator, which keeps the pages for reuse: after a big
run the app's resident memory stayed at its peak although nothing used it, and the memory
gate (which reads resident memory) then throttled the next run. ``malloc_trim(0)`` hands
the free pages back (docs/ARCHITECTURE.md, "Footprint"). Elsewhere (macOS, Windows, musl)
it does not exist and this does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys


@functools.cache
def _malloc_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux"):
        return None
    try:
        # the process's own symbols, libc's among them (find_library runs a subprocess)
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the allocator's free pages to the system; whether it could."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
