"""Outputs that would destroy inputs, and inputs that are no files, are refused before
the run: one line, exit 2, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.cli import error_lines, offline_env, run_cli
from tests.helpers.pdfs import make_pdf


def refused(args: list[str], tmp_path: Path) -> str:
    done = run_cli(args, offline_env(tmp_path), timeout=60)
    assert done.returncode == 2, done.stderr
    (line,) = error_lines(done.stderr)
    assert done.stderr.strip() == line  # nothing else: the run never started
    return line


def test_json_onto_the_pdf_itself_is_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf", 2)
    before = pdf.read_bytes()
    line = refused(["process", str(pdf), "--processor", "local", "--json", str(pdf)], tmp_path)
    assert "that is the PDF being analysed" in line
    assert pdf.read_bytes() == before
    link = tmp_path / "link.json"
    link.symlink_to(pdf)  # another name of the same file
    line = refused(["process", str(pdf), "--processor", "local", "--markdown", str(link)], tmp_path)
    assert "that is the PDF being analysed" in line
    assert pdf.read_bytes() == before


def test_both_exports_on_one_path_are_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf", 2)
    out = tmp_path / "out.txt"
    args = ["process", str(pdf), "--json", str(out), "--markdown", str(tmp_path / "." / "out.txt")]
    line = refused(args, tmp_path)
    assert "--markdown" in line and "also where --json goes" in line
    assert not out.exists()


@pytest.mark.skipif(not Path("/proc/version").exists(), reason="needs Linux's /proc")
def test_an_export_onto_a_special_file_is_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf", 2)
    line = refused(["process", str(pdf), "--json", "/proc/version"], tmp_path)
    assert line.startswith("sectionflow: error: --json /proc/version: cannot write in /proc")
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    line = refused(["process", str(pdf), "--markdown", str(fifo)], tmp_path)
    assert "not a regular file" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_the_pdf_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "stream.pdf"
    os.mkfifo(fifo)
    line = refused(["process", str(fifo), "--processor", "local"], tmp_path)
    assert line == (
        "sectionflow: error: 'stream.pdf' is not a regular file (a pipe, socket or device)"
    )
