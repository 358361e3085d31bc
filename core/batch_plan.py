"""Planning a folder batch: which files, how each is sectioned, where its results go.

Kept apart from the runner (:mod:`core.batch`) because planning is plain and cheap and
must never stop the batch: a file that is not a PDF, is damaged or needs a password gets
a readable reason here and is listed in the index, and the others go on.
"""

from __future__ import annotations

import asyncio
import glob
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import pdf
from core.errors import EncryptedPdfError, PdfError
from core.sections import PageRangeError, Section, every_n_pages, from_outline, whole_document

#: names the batch itself writes into the output folder
RESERVED_NAMES = frozenset({"index"})


class BatchError(ValueError):
    """The batch cannot start (nothing matched, unusable output folder): exit code 2."""


@dataclass(frozen=True, slots=True)
class SectionRule:
    """One rule for every file: outline level N, every N pages, the whole document, or
    ``auto`` (outline level 1 when the file has one, else the whole document)."""

    kind: str  # "auto" | "outline" | "every" | "whole"
    value: int = 1

    def describe(self) -> str:
        return {
            "auto": "outline level 1 if present, else the whole document",
            "outline": f"outline level {self.value}",
            "every": f"every {self.value} pages",
            "whole": "the whole document as one section",
        }[self.kind]

    def sections_for(self, info: pdf.DocumentInfo) -> tuple[list[Section], str | None]:
        """The file's sections, and a note when the rule could not apply as asked."""
        pages = info.page_count
        if self.kind == "every":
            return every_n_pages(pages, self.value), None
        if self.kind == "whole":
            return whole_document(pages, title=info.title), None
        level = self.value if self.kind == "outline" else 1
        try:
            return from_outline(info.outline, pages, level), None
        except PageRangeError:
            note = None
            if self.kind == "outline":
                note = f"no bookmarks at level {level}: analysed as one section"
            return whole_document(pages, title=info.title), note


@dataclass(frozen=True, slots=True)
class Inspection:
    """What a worker process found out about one file (picklable, no exceptions)."""

    info: pdf.DocumentInfo | None
    sha256: str
    problem: str | None


def inspect_file(path: Path, password: str | None) -> Inspection:
    """Runs in a PDF worker process: the file's facts, or why it cannot be used."""
    try:
        info = pdf.inspect(path, password)
    except EncryptedPdfError as exc:
        if exc.wrong_password:
            return Inspection(None, "", f"the password given does not open '{path.name}'")
        return Inspection(
            None, "", f"'{path.name}' is protected by a password (give it with --password)"
        )
    except PdfError as exc:
        return Inspection(None, "", str(exc))
    except OSError as exc:
        return Inspection(None, "", f"'{path.name}' cannot be read: {exc.strerror or exc}")
    return Inspection(info, pdf.file_sha256(path), None)


@dataclass(slots=True)
class FilePlan:
    path: Path
    name: str  # output stem: <name>.json and <name>.md, unique within the batch
    sections: list[Section] = field(default_factory=list)
    page_count: int = 0
    title: str = ""
    sha256: str = ""
    note: str | None = None
    problem: str | None = None  # a bad file: listed with this reason, never run


def find_pdfs(source: str) -> list[Path]:
    """The files of a batch: a folder's ``*.pdf`` files (not recursive), or a glob's
    matches (``**`` recurses), sorted. A non-PDF a glob matched is kept: the index will
    say why it was skipped."""
    path = Path(source).expanduser()
    if path.is_dir():
        found = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".pdf"]
        if not found:
            raise BatchError(f"the folder {path} has no PDF files (*.pdf)")
    elif path.is_file():
        found = [path]
    elif glob.has_magic(source):
        found = [Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file()]
        if not found:
            raise BatchError(f"no file matches {source}")
    else:
        raise BatchError(f"{source} is neither a folder nor a file nor a pattern like '*.pdf'")
    return sorted(found, key=lambda p: (str(p.parent), p.name.lower()))


def output_names(paths: Sequence[Path]) -> list[str]:
    """A unique, file-system-safe stem per file: its own name, with -2, -3... for repeats
    (report.pdf in two folders) and for names the batch itself uses (index)."""
    taken: set[str] = set(RESERVED_NAMES)
    names = []
    for path in paths:
        base = _safe(path.stem) or "document"
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name.lower())
        names.append(name)
    return names


def _safe(stem: str) -> str:
    cleaned = "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in stem)
    return cleaned.strip().strip(".")


async def inspect_files(
    paths: Sequence[Path],
    run_in_worker: Callable[..., Awaitable[Any]],
    password: str | None = None,
    concurrency: int = 4,
) -> list[Inspection]:
    """Inspect every file in PDF worker processes, a few at a time; a crashed worker
    costs one file its inspection, not the batch."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(path: Path) -> Inspection:
        async with gate:
            try:
                return await run_in_worker(inspect_file, path, password)
            except Exception as exc:
                return Inspection(None, "", f"'{path.name}' could not be inspected: {exc}")

    return list(await asyncio.gather(*(one(path) for path in paths)))


def plan_files(
    paths: Sequence[Path], inspections: Sequence[Inspection], rule: SectionRule
) -> list[FilePlan]:
    """Each file's sections under ``rule`` (or why it cannot run), with a unique output
    name; pure, so the Batch tab can show another rule's counts without inspecting again."""
    plans = []
    for path, name, found in zip(paths, output_names(paths), inspections, strict=True):
        plan = FilePlan(path=path, name=name, title=path.stem)
        if found.problem is not None or found.info is None:
            plan.problem = found.problem or "unknown problem"
        else:
            plan.sha256 = found.sha256
            plan.page_count = found.info.page_count
            plan.title = found.info.title or path.stem
            plan.sections, plan.note = rule.sections_for(found.info)
        plans.append(plan)
    return plans


def output_folder_problem(out: Path) -> str | None:
    """Create the results folder if need be; what is wrong with it (to follow its name in
    a sentence: "… is not writable"), or None when results can go there."""
    if out.exists() and not out.is_dir():
        return "is a file, not a folder"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot be created ({exc.strerror or exc})"
    if not os.access(out, os.W_OK):
        return "is not writable"
    return None
