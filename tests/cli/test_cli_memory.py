"""A memory limit the app cannot meet is said at the start, and a run never starts more
PDF worker processes than it can use."""

from __future__ import annotations

import re
from pathlib import Path

from core.engine import Engine
from core.processors.base import Prompt
from core.run_types import RunRequest
from core.sections import every_n_pages
from core.settings import Settings
from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import offline_env, run_cli
from tests.helpers.pdfs import make_pdf

OWN = re.compile(r"SectionFlow itself uses (\d[\d,]*) MB \(this process and (\d+) PDF worker")


def memory_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "SectionFlow itself uses" in line]


def test_a_throttle_below_what_the_app_uses_is_said_at_the_start(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 4)
    env = {
        **offline_env(tmp_path),
        "ENABLE_MEMORY_MONITORING": "true",
        "MAX_MEMORY_USAGE_MB": "64",
        "MEMORY_THROTTLE_THRESHOLD_MB": "32",
    }
    done = run_cli(["process", str(pdf), "--every", "1", "--processor", "local"], env)
    assert done.returncode == 0, done.stderr
    (line,) = memory_lines(done.stderr)
    used = int(OWN.search(line).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert used > 32
    assert "WARNING" in line and "above MEMORY_THROTTLE_THRESHOLD_MB=32" in line
    assert "a memory limit below what the app itself uses only slows the run" in line

    roomy = run_cli(
        ["process", str(pdf), "--every", "1", "--processor", "local"],
        {**env, "MAX_MEMORY_USAGE_MB": "16384", "MEMORY_THROTTLE_THRESHOLD_MB": "16384"},
    )
    (line,) = memory_lines(roomy.stderr)
    assert "WARNING" not in line and "new sections wait above 16384 MB" in line


async def test_a_run_starts_no_more_workers_than_it_can_use(tmp_path: Path) -> None:
    with FakeGemini(processing_delay=0.02) as fake:
        await check_workers(tmp_path, fake)


async def check_workers(tmp_path: Path, fake_gemini: FakeGemini) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 8)
    request = RunRequest(pdf_path=pdf, sections=every_n_pages(8, 1), prompt=Prompt("s", "S"))
    gemini = {"gemini_api_key": "key", "gemini_base_url": fake_gemini.base_url}
    for sections, splits, processor, expected in (
        (1, 4, "local", 1),  # one section at a time: one worker job at a time
        (2, 4, "local", 2),
        (4, 1, "gemini", 1),  # Gemini uses workers only to split: one split at a time
    ):
        settings = Settings(
            _env_file=None,
            processor=processor,
            max_concurrent_section_tasks=sections,
            max_concurrent_splits=splits,
            enable_memory_monitoring=False,
            **(gemini if processor == "gemini" else {}),
        )
        data = tmp_path / f"data-{sections}-{splits}"
        with Engine(
            journal_path=data / "journal.sqlite3", ledger_path=data / "remote-files.sqlite3"
        ) as engine:
            outcome = await engine.pipeline(settings).run(request)
            assert outcome.ok
            # started on demand: at least the one warmed, never more than it can use
            assert 1 <= engine.running_workers() <= expected, (sections, splits, processor)
