"""Temp folders and half-written exports that a killed process leaves behind.

A run copies its PDF and writes every section's split into a private temp folder, and
an export is written to a hidden temp file beside its target before it is renamed into
place. A clean end removes both; a kill -9 does not, and a copy of a 100 MB PDF plus its
splits stayed in ``TMPDIR`` after most kills. So each of them is named after its owner
(:func:`core.owners.owner_tag`: pid and process start time), and the next run removes
those whose owner is gone: temp folders when it makes its own
(:func:`make_workdir`), stray export files in a folder before it writes an export
there (:func:`sweep_export_temps`). A live process's files are never touched, and names
without an owner (from older versions, or not ours) are left alone.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from pathlib import Path

from core.owners import owner_tag, tag_owner_alive

log = logging.getLogger("sectionflow.leftovers")

WORKDIR_PREFIX = "sectionflow-"
EXPORT_SUFFIX = ".tmp"


def make_workdir(kind: str = "run") -> Path:
    """A fresh private temp folder named after this process, after removing those of
    processes that are gone. Blocking (a listing, maybe a removal): call from a thread."""
    sweep_workdirs()
    return Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{kind}-{owner_tag()}-"))


def sweep_workdirs(folder: Path | None = None) -> list[Path]:
    """Remove ``sectionflow-*`` temp folders whose owner process is gone."""
    folder = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in folder.glob(WORKDIR_PREFIX + "*"):
            if entry.is_symlink() or not entry.is_dir():
                continue
            if tag_owner_alive(entry.name) is False:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    if removed:
        log.info("Removed %d temp folder(s) left by runs that were killed", len(removed))
    return removed


def export_temp_prefix(target: Path) -> str:
    """The start of the temp file's name an export of ``target`` is written to."""
    return f".{target.name}.{owner_tag()}."


def sweep_export_temps(folder: Path) -> list[Path]:
    """Remove hidden ``.<name>.<owner>.<random>.tmp`` export files of processes that are
    gone from ``folder`` (a kill -9 while an export was being written)."""
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in Path(folder).glob(f".*{EXPORT_SUFFIX}"):
            if entry.is_symlink() or not entry.is_file():
                continue
            if tag_owner_alive(entry.name) is False:
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    if removed:
        log.info("Removed %d half-written export(s) left in %s", len(removed), folder)
    return removed
