"""``sectionflow process``: end to end offline, exit codes, and one-line errors."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import core.processors
import core.workers
from cli.main import entry
from core.pdf import inspect
from core.sections import from_outline
from core.workers import PdfWorkers
from tests.helpers.pdfs import make_pdf
from tests.helpers.processors import InstrumentedProcessor

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample.pdf"


def _command() -> list[str]:
    """The installed console script when there is one, else the module."""
    script = Path(sys.executable).parent / ("sectionflow.exe" if os.name == "nt" else "sectionflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "launcher"]


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_API"))}
    env.pop("PROCESSOR", None)
    env["TMPDIR"] = str(tmp)
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_cli(*args: str, cwd: Path, tmp: Path | None = None) -> subprocess.CompletedProcess[str]:
    tmp = tmp or cwd
    return subprocess.run(
        [*_command(), *args],
        cwd=cwd,
        env=_env(tmp),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _processes_with_tmpdir(tmp: Path) -> list[int]:
    """The live processes started with TMPDIR=tmp (a command's and its workers')."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("TMPDIR") == str(tmp):
                found.append(process.pid)
        except (psutil.Error, OSError):
            continue
    return found


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("sectionflow: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def run_tmp(tmp_path: Path) -> Path:
    folder = tmp_path / "run-tmp"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """entry() configures the root logger; in-process tests must not leak it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


class _SharedPool:
    """The session's worker pool, lent to in-process runs (spawning one per test is slow)."""

    def __init__(self, pool: PdfWorkers) -> None:
        self._pool = pool

    def __getattr__(self, name: str) -> object:
        return getattr(self._pool, name)

    def shutdown(self) -> None:
        """The session fixture owns the pool and shuts it down."""


@pytest.fixture(autouse=True)
def _lend_workers(monkeypatch: pytest.MonkeyPatch, workers: PdfWorkers) -> None:
    monkeypatch.setattr(core.workers, "PdfWorkers", lambda *a, **k: _SharedPool(workers))


# ------------------------------------------------------------------- as a subprocess
def test_process_sample_from_outline_writes_both_files(tmp_path: Path, run_tmp: Path) -> None:
    out_json, out_md = tmp_path / "out.json", tmp_path / "out.md"
    proc = run_cli(
        "process",
        str(SAMPLE),
        "--from-outline",
        "--json",
        str(out_json),
        "--markdown",
        str(out_md),
        cwd=tmp_path,
        tmp=run_tmp,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    info = inspect(SAMPLE)
    expected = from_outline(info.outline, info.page_count, 1)
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["schema"] == "sectionflow.run/1"
    assert data["run"]["processor"] == "local"
    assert data["document"]["title"] == info.title
    assert [s["title"] for s in data["sections"]] == [s.title for s in expected]
    assert all(s["status"] == "done" for s in data["sections"])
    markdown = out_md.read_text(encoding="utf-8")
    assert markdown.startswith(f"# {info.title}\n")
    for section in expected:
        assert f"## {section.title} (" in markdown
    assert f"{len(expected)} of {len(expected)} sections done" in proc.stdout
    assert list(run_tmp.iterdir()) == []  # the run's temp folder is gone


def test_a_command_that_leaves_at_once_has_flushed_and_reaped_everything(
    tmp_path: Path, run_tmp: Path
) -> None:
    """The console script ends a finished command without finalising the interpreter
    (launcher.quick_exit): the log's last lines, the exports and the summary are all
    out, the run's worker processes are gone and its temp folder removed."""
    data = tmp_path / "data"
    env = {**_env(run_tmp), "SECTIONFLOW_DATA_DIR": str(data)}
    env.pop("PYTHONUNBUFFERED", None)  # stdout to a pipe is then buffered until flushed
    out = tmp_path / "out.json"
    command = [*_command(), "process", str(SAMPLE), "--every", "2", "--json", str(out)]
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert "sections done" in stdout and stdout.rstrip().endswith("pages")  # all of it
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["done"] >= 1
    log_lines = (data / "logs" / "sectionflow.log").read_text(encoding="utf-8").splitlines()
    assert any("Finished processing" in line for line in log_lines[-5:])
    assert list(run_tmp.iterdir()) == []
    assert _processes_with_tmpdir(run_tmp) == []  # no worker outlived the command


def test_bad_range_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = run_cli("process", str(SAMPLE), "--sections", "Intro:5-2", cwd=tmp_path)
    assert proc.returncode == 2
    assert "backwards" in one_error_line(proc.stderr)


def test_not_a_pdf_is_one_line_and_exit_2(tmp_path: Path) -> None:
    notes = tmp_path / "notes.pdf"
    notes.write_text("these are my notes, not a PDF")
    proc = run_cli("process", str(notes), cwd=tmp_path)
    assert proc.returncode == 2
    assert "'notes.pdf' is not a PDF" in one_error_line(proc.stderr)


def test_cancel_with_ctrl_c_cleans_up_and_exits_130(tmp_path: Path, run_tmp: Path) -> None:
    if os.name != "posix":
        pytest.skip("SIGINT to a child process is POSIX-only")
    wrapper = tmp_path / "hanging_cli.py"
    wrapper.write_text(
        "import asyncio, sys\n"
        "import core.processors as processors\n"
        "from core.processors.local import LocalProcessor\n\n"
        "class Hanging(LocalProcessor):\n"
        "    async def analyze(self, section, handle, prompt):\n"
        "        print('ANALYZING', section.id, file=sys.stderr, flush=True)\n"
        "        await asyncio.Event().wait()\n\n"
        "processors.make_processor = lambda settings, workers, ledger=None: Hanging(workers)\n\n"
        "if __name__ == '__main__':\n"
        "    from cli.main import entry\n"
        "    sys.exit(entry(sys.argv[1:]))\n"
    )
    out_json = tmp_path / "partial.json"
    args = ["process", str(SAMPLE), "--every", "4", "--json", str(out_json)]
    proc = subprocess.Popen(
        [sys.executable, str(wrapper), *args],
        cwd=tmp_path,
        env=_env(run_tmp),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    while True:  # wait for a section to be inside analyze, by reading, not sleeping
        line = proc.stderr.readline()
        assert line, "".join(seen)
        seen.append(line)
        if line.startswith("ANALYZING"):
            break
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    stderr = "".join(seen) + rest
    assert proc.returncode == 130, stderr
    assert "cancelling" in stderr and "Traceback" not in stderr
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["run"]["cancelled"] is True
    assert {s["status"] for s in data["sections"]} == {"cancelled"}
    assert list(run_tmp.iterdir()) == []


# ---------------------------------------------------------------------- in process
def test_sections_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.json"
    code = entry(["process", str(SAMPLE), "--sections", "Intro:1-3;Body:4-", "--json", str(out)])
    assert code == 0, capsys.readouterr().err
    sections = json.loads(out.read_text())["sections"]
    assert [(s["title"], s["pages"]) for s in sections] == [("Intro", "1-3"), ("Body", "4-16")]


def test_every_option_and_template(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    code = entry(
        ["process", str(SAMPLE), "--every", "5", "--template", "risks", "--json", str(out)]
    )
    assert code == 0
    data = json.loads(out.read_text())
    assert [s["pages"] for s in data["sections"]] == ["1-5", "6-10", "11-15", "16"]
    assert data["run"]["prompt"]["name"] == "risks"


def test_flag_before_the_pdf_and_custom_prompt(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    code = entry(["process", "--from-outline", str(SAMPLE), "--prompt", "Who?", "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    assert data["run"]["prompt"] == {"name": "custom", "text": "Who?", "schema": None}
    assert len(data["sections"]) == 7


def test_outline_level_two(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    assert entry(["process", str(SAMPLE), "--from-outline", "2", "--json", str(out)]) == 0
    titles = [s["title"] for s in json.loads(out.read_text())["sections"]]
    assert "2.2 Segment results" in titles


def test_default_is_whole_document_without_outline(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "plain.pdf", 3)
    out = tmp_path / "run.json"
    assert entry(["process", str(pdf), "--json", str(out)]) == 0
    sections = json.loads(out.read_text())["sections"]
    assert len(sections) == 1 and sections[0]["pages"] == "1-3"


def test_default_follows_the_outline(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "toc.pdf", 4, outline=[(1, "One", 1), (1, "Two", 3)])
    out = tmp_path / "run.json"
    assert entry(["process", str(pdf), "--json", str(out)]) == 0
    assert [s["title"] for s in json.loads(out.read_text())["sections"]] == ["One", "Two"]


def test_a_failed_section_gives_exit_1_and_shows_in_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = InstrumentedProcessor(uses_upload=False, analyze_s=0, permanent_failures={"s2"})
    monkeypatch.setattr(
        core.processors, "make_processor", lambda settings, workers, ledger=None: failing
    )
    out = tmp_path / "run.md"
    code = entry(["process", str(SAMPLE), "--every", "8", "--markdown", str(out)])
    assert code == 1
    assert "> Failed: bad request for s2" in out.read_text()
    stdout = capsys.readouterr().out
    assert "failed" in stdout and "bad request for s2" in stdout
    assert "1 of 2 sections done" in stdout


def test_encrypted_pdf_needs_password(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = make_pdf(tmp_path / "locked.pdf", 2, password="s3cret")
    assert entry(["process", str(pdf)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "password" in line and "--password" in line
    assert entry(["process", str(pdf), "--password", "s3cret"]) == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["process", str(SAMPLE), "--every", "0"], "too small"),
        (["process", str(SAMPLE), "--template", "nope"], "choose one of summary"),
        (["process", str(SAMPLE), "--from-outline", "9"], "no bookmarks at level 9"),
        (["process"], "give the PDF"),
        (["process", str(SAMPLE), "--bogus"], "unrecognized arguments"),
        (["process", str(SAMPLE), "--every", "2", "--sections", "A:1"], "not allowed with"),
        (["process", "missing.pdf"], "does not exist"),
        (["process", str(SAMPLE), "--json", "nowhere/run.json"], "does not exist"),
        (["process", str(SAMPLE), "--processor", "cloud"], "invalid choice"),
        (["process", str(SAMPLE), "--template", "custom"], "--prompt"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = entry(args)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code  # type: ignore[assignment]
    assert code == 2
    assert expected in one_error_line(capsys.readouterr().err)


def test_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAX_CONCURRENT_UPLOADS", "lots")
    assert entry(["process", str(SAMPLE)]) == 2
    assert "MAX_CONCURRENT_UPLOADS" in one_error_line(capsys.readouterr().err)


def test_gemini_without_a_key_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("core.processors.gemini")
    assert entry(["process", str(SAMPLE), "--processor", "gemini", "--every", "8"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("sectionflow: error: ") and "GEMINI_API_KEY" in last
