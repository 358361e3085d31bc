"""Leftovers of killed runs are removed (never a live one's), and the loose ends: a
broken page tree, a failing section's traceback, impossible settings, a .env that is
not UTF-8, a password in GEMINI_BASE_URL."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from core.owners import owner_tag
from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import ROOT, error_lines, gemini_env, offline_env, run_cli
from tests.helpers.pdfs import make_pdf


def dead_tag() -> str:
    """The owner tag of a process that has ended (as a killed run's)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    started = psutil.Process(child.pid).create_time()
    child.kill()
    child.wait()
    return f"pid{child.pid}-t{round(started * 1000)}"


def test_leftovers_of_dead_runs_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    env = offline_env(tmp_path)
    tmp, out = Path(env["TMPDIR"]), tmp_path / "out"
    out.mkdir()
    dead, live = dead_tag(), owner_tag()  # this test's own process is alive
    dead_dir = tmp / f"sectionflow-run-{dead}-abcd1234"
    live_dir = tmp / f"sectionflow-run-{live}-efgh5678"
    other = tmp / "sectionflow-made-by-something-else"
    for folder in (dead_dir, live_dir, other):
        folder.mkdir()
        (folder / "source.pdf").write_bytes(b"%PDF-1.7 a copy of a big PDF")
    dead_export = out / f".run.json.{dead}.x1y2z3.tmp"
    live_export = out / f".run.json.{live}.a1b2c3.tmp"
    for stray in (dead_export, live_export):
        stray.write_text('{"half": ')

    pdf = make_pdf(tmp_path / "doc.pdf", 2)
    done = run_cli(
        ["process", str(pdf), "--processor", "local", "--json", str(out / "run.json")], env
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp.iterdir()) == sorted([live_dir.name, other.name])
    assert sorted(p.name for p in out.iterdir()) == sorted([live_export.name, "run.json"])


def broken_page_tree(path: Path) -> Path:
    """A PDF whose page tree counts -3 pages: MuPDF opens it, then fails on first use
    with "code=7: Invalid number of pages"."""
    data = make_pdf(path, 3).read_bytes()
    path.write_bytes(re.sub(rb"/Count 3\b", b"/Count -3", data))
    return path


def test_broken_page_tree_is_one_line_and_exit_2(tmp_path: Path) -> None:
    pdf = broken_page_tree(tmp_path / "broken.pdf")
    done = run_cli(["process", str(pdf), "--processor", "local"], offline_env(tmp_path))
    assert done.returncode == 2
    (line,) = error_lines(done.stderr)
    assert line == (
        "sectionflow: error: 'broken.pdf' is damaged and cannot be read: "
        "code=7: Invalid number of pages"
    )
    assert done.stderr.strip() == line


FAILING = """
import sys
import core.processors as processors
from core.processors.local import LocalProcessor

class Failing(LocalProcessor):
    async def analyze(self, section, handle, prompt):
        raise RuntimeError("the extractor tripped")

processors.make_processor = lambda settings, workers, ledger=None: Failing(workers)

if __name__ == "__main__":
    from cli.main import entry
    sys.exit(entry(sys.argv[1:]))
"""


def test_a_failing_sections_traceback_goes_to_the_log_file_only(tmp_path: Path) -> None:
    script = tmp_path / "failing_cli.py"
    script.write_text(FAILING)
    env = offline_env(tmp_path)
    pdf = make_pdf(tmp_path / "doc.pdf", 2)
    done = subprocess.run(
        [sys.executable, str(script), "process", str(pdf), "--every", "1"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    failures = [line for line in done.stderr.splitlines() if "Unexpected error in section" in line]
    assert len(failures) == 2
    assert all("RuntimeError: the extractor tripped" in line for line in failures)
    log = (tmp_path / "data" / "logs" / "sectionflow.log").read_text()
    assert log.count("Traceback (most recent call last)") == 2
    assert 'raise RuntimeError("the extractor tripped")' in log


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("PROCESSING_TIMEOUT_SECONDS", "inf", "PROCESSING_TIMEOUT_SECONDS=inf is not allowed"),
        ("SECTION_TASK_TIMEOUT_SECONDS", "nan", "SECTION_TASK_TIMEOUT_SECONDS=nan is not"),
        ("GEMINI_MODEL", " ", "GEMINI_MODEL"),
    ],
)
def test_impossible_settings_are_refused_naming_the_variable(
    tmp_path: Path, variable: str, value: str, says: str
) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 1)
    env = {**offline_env(tmp_path), variable: value}
    done = run_cli(["process", str(pdf), "--processor", "local"], env)
    assert done.returncode == 2
    (line,) = error_lines(done.stderr)
    assert says in line


def test_a_dotenv_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 1)
    (tmp_path / ".env").write_bytes(b"GEMINI_MODEL=caf\xe9\n")  # Latin-1, not UTF-8
    done = run_cli(["process", str(pdf), "--processor", "local"], offline_env(tmp_path))
    assert done.returncode == 2
    (line,) = error_lines(done.stderr)
    assert line == (
        f"sectionflow: error: {tmp_path / '.env'} is not UTF-8 text "
        "(byte 0xe9 at position 16): save it as UTF-8"
    )


def test_credentials_in_the_base_url_are_never_written(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 2)
    out = tmp_path / "out.json"
    with FakeGemini(processing_delay=0.02) as fake:
        env = gemini_env(tmp_path, fake)
        env["GEMINI_BASE_URL"] = fake.base_url.replace("http://", "http://proxy:s3cret-pw@")
        fake.add_fault("503", times=1)  # a retry, logged with Gemini's error
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1", "--json", str(out)]
        done = run_cli(args, env)
    assert done.returncode == 0, done.stderr
    settings = json.loads(out.read_text())["settings"]
    assert settings["gemini_base_url"] == fake.base_url.replace("http://", "http://***@")
    written = [done.stdout, done.stderr, out.read_text(errors="replace")]
    written += [
        p.read_bytes().decode("latin-1") for p in (tmp_path / "data").rglob("*") if p.is_file()
    ]
    assert not any("s3cret-pw" in text for text in written)
