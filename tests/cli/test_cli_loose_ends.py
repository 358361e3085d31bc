"""The loose ends: a broken page tree, impossible settings, a .env that is not UTF-8,
a password in GEMINI_BASE_URL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import error_lines, gemini_env, offline_env, run_cli
from tests.helpers.pdfs import make_pdf


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
