"""The engine's error vocabulary: what went wrong, in words an analyst can act on.

Every backend translates its own exceptions into these so the pipeline can decide, in one
place, whether to retry (and how long to wait at least) or to fail the section at once.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path


class SectionFlowError(Exception):
    """Base class; ``str(error)`` is always a sentence fit for the user."""


class ProcessingError(SectionFlowError):
    """A stage of one section failed.

    ``retryable`` says whether trying again can help; ``retry_after`` is the least delay a
    server asked for (a 429's RetryInfo), which the backoff must not undercut.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        rate_limited: bool = False,
        stops_run: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.rate_limited = rate_limited
        #: set when no other section can succeed either (a rejected API key): why the
        #: sections not started yet are not, in a few words
        self.stops_run = stops_run


def transient(reason: str, retry_after: float | None = None) -> ProcessingError:
    return ProcessingError(reason, retryable=True, retry_after=retry_after)


def permanent(reason: str) -> ProcessingError:
    return ProcessingError(reason, retryable=False)


def rate_limited(reason: str, retry_after: float | None) -> ProcessingError:
    return ProcessingError(reason, retryable=True, retry_after=retry_after, rate_limited=True)


class StageTimeout(ProcessingError):
    """A stage ran past its configured timeout; retryable within the stage's retry limit."""

    def __init__(self, stage: str, title: str, seconds: float) -> None:
        super().__init__(
            f"Timed out {stage} section '{title}' after {seconds:g} s",
            retryable=True,
        )
        self.stage = stage


class PdfError(SectionFlowError):
    """The document cannot be used as it is."""


class NotAPdfError(PdfError):
    pass


class DamagedPdfError(PdfError):
    pass


class EncryptedPdfError(PdfError):
    """A password is needed (or the one given was wrong); pass it with ``password=``."""

    def __init__(self, path: str, wrong_password: bool = False) -> None:
        name = path.rsplit("/", 1)[-1]
        if wrong_password:
            msg = f"The password for '{name}' is not right. Try again."
        else:
            msg = f"'{name}' is protected by a password. Enter it to open the document."
        super().__init__(msg)
        self.path = path
        self.wrong_password = wrong_password

    def __reduce__(self) -> tuple[type[EncryptedPdfError], tuple[str, bool]]:
        """Rebuilt from what it was made of: raised in a PDF worker, it crosses to the
        app pickled, and the default (its message as the path) garbled the message."""
        return (type(self), (self.path, self.wrong_password))


class EmptyPdfError(PdfError):
    pass


class ExportError(SectionFlowError):
    """A result file could not be written (read-only folder, full disk, bad path)."""


class RunBusyError(SectionFlowError):
    """Another live process is running this run; starting it here would analyse (and
    bill) its sections twice."""

    def __init__(self, run_id: str, pid: int) -> None:
        super().__init__(
            f"run {run_id} is being processed by another SectionFlow process (pid {pid}); "
            "wait for it to finish"
        )
        self.run_id = run_id
        self.pid = pid


_MB = 1024 * 1024
#: room asked for at least: SQLite needs a few pages free to commit anything at all
MIN_FREE_BYTES = 8 * _MB


class DiskFullError(SectionFlowError):
    """The disk of a folder SectionFlow writes to (its data folder: the journal and the
    cache; the temp folder: splits) is full. The message names the folder, what is free
    and about how much more is needed."""

    def __init__(self, folder: str | Path, needed_bytes: int = 0) -> None:
        self.folder = Path(folder)
        self.needed_bytes = max(int(needed_bytes), MIN_FREE_BYTES)
        super().__init__(
            f"the disk holding {self.folder} is full ({_free_mb(self.folder)} free): free "
            f"about {self.needed_bytes / _MB:,.0f} MB there"
        )

    def needing(self, needed_bytes: int) -> DiskFullError:
        """The same folder with a better estimate of what is needed."""
        return DiskFullError(self.folder, needed_bytes)


def _free_mb(folder: Path) -> str:
    try:
        return f"{shutil.disk_usage(folder).free / _MB:,.1f} MB"
    except OSError:
        return "no space"


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT from the OS, or SQLite's SQLITE_FULL ("database or disk is full")."""
    if isinstance(exc, DiskFullError):
        return True
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF == sqlite3.SQLITE_FULL
        return "disk is full" in str(exc)
    return False
