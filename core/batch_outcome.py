"""What a folder batch is asked to do and what it yields: plain data, shared by the
runner (:mod:`core.batch`), its index (:mod:`core.batch_index`) and the front ends."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.batch_plan import SectionRule
from core.processors.base import Prompt
from core.results import TokenUsage

DONE, PARTIAL, FAILED, SKIPPED, KEPT, CANCELLED = (
    "done",
    "partial",
    "failed",
    "skipped",
    "kept",
    "cancelled",
)


@dataclass(frozen=True, slots=True)
class BatchOptions:
    rule: SectionRule
    prompt: Prompt
    out_dir: Path
    resume: bool = False
    password: str | None = None
    use_cache: bool = True
    #: files in flight at once; None: the section limit + 1
    max_files: int | None = None
    #: each file's whole-document synthesis after its sections (core.synthesis)
    synthesis: bool = True
    #: each file's tables as CSV and a workbook in ``tables_dir/<file name>/``
    tables_dir: Path | None = None


@dataclass(slots=True)
class FileOutcome:
    """One line of the index."""

    path: Path
    name: str
    status: str
    sections: int = 0
    done: int = 0
    failed: int = 0
    reason: str | None = None
    note: str | None = None
    run_id: str | None = None
    elapsed_s: float = 0.0
    tokens: TokenUsage = field(default_factory=TokenUsage)
    exports: dict[str, str] = field(default_factory=dict)  # kind -> file name in out_dir

    @property
    def ok(self) -> bool:
        return self.status in (DONE, KEPT)


@dataclass(slots=True)
class BatchOutcome:
    source: str
    rule: SectionRule
    prompt: Prompt
    processor: str
    model: str | None
    out_dir: Path
    started_at: str
    files: list[FileOutcome] = field(default_factory=list)
    elapsed_s: float = 0.0
    cancelled: bool = False
    section_limit: int = 0
    #: (index.json, index.md) once written
    index_paths: tuple[Path, Path] | None = None
    #: why the index could not be written (the batch went on), else None
    index_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.cancelled and all(f.ok for f in self.files)

    def statuses(self) -> dict[str, int]:
        return dict(Counter(f.status for f in self.files))
