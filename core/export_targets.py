"""Where an export may go: checked before a run, and again before every write.

``process x.pdf --json x.pdf`` replaced the PDF with JSON, and ``--json`` and
``--markdown`` on one path silently kept only the Markdown; a FIFO or a device as a
target made a run wait or fail at its very end. :func:`check_targets` refuses each of
these with one line naming the target, the same for the command line and the app.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from core.errors import ExportError
from core.leftovers import EXPORT_SUFFIX
from core.owners import owner_tag


def check_targets(
    targets: Mapping[str, str | os.PathLike[str] | None],
    inputs: Sequence[Path],
    *,
    probe: bool = False,
) -> None:
    """Refuse, with ExportError naming the target, export paths that must not or cannot
    be written: the PDF being analysed (``--json x.pdf`` replaced it), the same file as
    another export (one would silently overwrite the other), a folder or a special file
    (a FIFO, a device), a missing folder. ``probe`` also creates and removes a file in
    each folder, before a long run rather than after it (``/proc`` looks writable to
    root, and permissions alone do not tell a read-only mount)."""
    seen: list[tuple[str, Path]] = []
    for label, raw in targets.items():
        if raw is None:
            continue
        path = Path(raw)
        problem = _target_problem(path, inputs, seen)
        if problem is None and probe:
            problem = _probe(path.parent)
        if problem is not None:
            raise ExportError(f"{label} {path}: {problem}")
        seen.append((label, path))


def _target_problem(path: Path, inputs: Sequence[Path], seen: list[tuple[str, Path]]) -> str | None:
    if path.is_dir():
        return "that is a folder; give a file name"
    if path.exists() and not path.is_file():
        return "that is not a regular file (a pipe, a device or a socket); give a file name"
    if any(_same_file(path, source) for source in inputs):
        return "that is the PDF being analysed; writing there would replace it"
    for other_label, other in seen:
        if _same_file(path, other):
            return f"that is also where {other_label} goes; give each export its own file"
    folder = path.resolve().parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    return None


def _same_file(one: Path, other: Path) -> bool:
    """The same path, or two names of one file (a link)."""
    with contextlib.suppress(OSError):
        if one.exists() and other.exists():
            return os.path.samefile(one, other)
    return one.resolve() == other.resolve()


def _probe(folder: Path) -> str | None:
    """None when a file can be created in ``folder`` (then removed), else why not."""
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{owner_tag()}.probe.", suffix=EXPORT_SUFFIX, dir=folder
        )
    except OSError as exc:
        return f"cannot write in {folder.resolve()}: {describe_os_error(exc)}"
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return None


def describe_os_error(exc: OSError) -> str:
    """Why a file could not be written, in the user's words."""
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied (the folder is read-only or belongs to another user)"
    if code == errno.EROFS:
        return "the disk is read-only"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full"
    if code == errno.ENOENT:
        return "the folder does not exist"
    if code == errno.ENOTDIR:
        return "part of the path is a file, not a folder"
    if code == errno.EISDIR:
        return "that path is a folder; give a file name"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long"
    return exc.strerror or str(exc)
