"""The engine's error vocabulary: what went wrong, in words an analyst can act on.

Every backend translates its own exceptions into these so the pipeline can decide, in one
place, whether to retry (and how long to wait at least) or to fail the section at once.
"""

from __future__ import annotations


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
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.rate_limited = rate_limited


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
        self.wrong_password = wrong_password


class EmptyPdfError(PdfError):
    pass


class ExportError(SectionFlowError):
    """A result file could not be written (read-only folder, full disk, bad path)."""
