"""Run-start snapshots: the source PDF and the settings a run used.

The run reads its own snapshot of the PDF, so that the user deleting, moving or
overwriting the file mid-run cannot change what the sections see; its hash is the
document's identity for the journal and the cache. Copying a big PDF before the first
section cost seconds, so the snapshot is, in order of preference (docs/ARCHITECTURE.md,
"Start-up"):

- a **hard link** in the run's temp folder (same file system): instant, and it survives
  the original being deleted, moved or replaced (editors save to a new file and rename
  it over the old one, which leaves the link on the old content);
- a **reflink** (copy-on-write clone: Btrfs, XFS), as instant and fully private;
- a **copy**, hashed while it is written, when neither is possible.

A link shares the file's content, so an editor that writes *in place* would change it
under the run: :meth:`Snapshot.intact` notices a changed size, mtime or ctime (one
``stat``) and then hashes the file again; different bytes stop the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from core.errors import NotAPdfError, ProcessingError
from core.pdf import file_sha256
from core.redact import hide_url_credentials
from core.settings import Settings

_SECRET_FIELDS = {"gemini_api_key", "google_api_key"}
#: proxy URLs may carry a user and password: exported as scheme://host:port only
_PROXY_FIELDS = ("https_proxy", "http_proxy")
_BLOCK = 1 << 20
#: Linux's FICLONE ioctl (a reflink)
_FICLONE = 0x40049409


class Snapshot:
    """The run's private view of the source PDF."""

    def __init__(self, path: Path, sha256: str, how: str, name: str) -> None:
        self.path = path
        self.sha256 = sha256
        #: "link", "clone" or "copy"
        self.how = how
        self._name = name
        self._stamp = _stamp(path)

    def unchanged(self) -> bool:
        """Cheap (one stat, fine on the event loop): nothing about the file moved."""
        return _stamp(self.path) == self._stamp

    def intact(self) -> None:
        """Raise (a run-stopping ProcessingError) when the bytes are no longer those the
        run started with. Blocking when the file's stat changed: it is hashed again."""
        if self.unchanged():
            return
        stamp = _stamp(self.path)
        if file_sha256(self.path) != self.sha256:
            raise ProcessingError(
                f"'{self._name}' was changed while the run was going on; run it again "
                "to analyse the new version",
                retryable=False,
                stops_run="the PDF was changed during the run",
            )
        self._stamp = stamp  # the original was deleted or renamed: its link count moved


def take_snapshot(src: Path, workdir: Path) -> Snapshot:
    """The source as ``workdir/source.pdf`` (a link, a clone or a copy) and its hash."""
    src = Path(src)
    if not src.exists():
        raise NotAPdfError(f"'{src.name}' does not exist (was it moved or deleted?)")
    if not src.is_file():  # reading a FIFO would wait for a writer forever
        raise NotAPdfError(f"'{src.name}' is not a regular file (a pipe, socket or device)")
    dest = workdir / "source.pdf"
    for how, make in (("link", os.link), ("clone", _clone)):
        try:
            make(src, dest)
        except OSError:  # another file system, no permission, no reflinks
            with contextlib.suppress(OSError):
                dest.unlink()
            continue
        before = _stamp(dest)
        snapshot = Snapshot(dest, file_sha256(dest), how, src.name)
        if snapshot._stamp != before:  # written to while it was being hashed
            return _copied(src, dest)
        return snapshot
    return _copied(src, dest)


def snapshot_source(src: Path, workdir: Path) -> tuple[Path, str]:
    """:func:`take_snapshot` as (path, sha256), for callers that keep no snapshot."""
    snapshot = take_snapshot(src, workdir)
    return snapshot.path, snapshot.sha256


def _copied(src: Path, dest: Path) -> Snapshot:
    """A private copy, hashed as it is written (one read of the source)."""
    with contextlib.suppress(OSError):
        dest.unlink()
    digest = hashlib.sha256()
    with src.open("rb") as reader, dest.open("wb") as writer:
        while block := reader.read(_BLOCK):
            digest.update(block)
            writer.write(block)
    return Snapshot(dest, digest.hexdigest(), "copy", src.name)


def _clone(src: Path, dest: Path) -> None:
    if not sys.platform.startswith("linux"):
        raise OSError("no reflink here")
    import fcntl

    with src.open("rb") as reader, dest.open("wb") as writer:
        fcntl.ioctl(writer.fileno(), _FICLONE, reader.fileno())


def _stamp(path: Path) -> tuple[int, int, int, int]:
    info = path.stat()
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def public_settings(settings: Settings) -> dict[str, Any]:
    """The settings as exported and journaled: every value except the secrets."""
    data = settings.model_dump(mode="json", exclude=_SECRET_FIELDS)
    data["processor"] = settings.resolved_processor().value
    for name in _PROXY_FIELDS:
        secret = getattr(settings, name)
        url = secret.get_secret_value() if secret is not None else None
        data[name] = hide_url_credentials(url) if url else None
    if settings.gemini_base_url:
        data["gemini_base_url"] = hide_url_credentials(settings.gemini_base_url)
    return data
