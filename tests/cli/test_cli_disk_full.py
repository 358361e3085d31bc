"""A full data disk: the run stops starting sections, says which folder is full and how
much is needed, writes what finished, exits 1; later commands say one line; --resume
finishes once there is room.

The data folder is a real 256 KB tmpfs (so SQLite really gets "database or disk is
full"), which needs root to mount; elsewhere the test is skipped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest

from tests.helpers.cli import error_lines, offline_env, run_cli

SECTIONS = 10


def _mount(folder: Path, size: str, *options: str) -> bool:
    command = ["mount", "-t", "tmpfs", "-o", ",".join((*options, f"size={size}")), "tmpfs"]
    done = subprocess.run([*command, str(folder)], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def small_data_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs as the data folder, unmounted afterwards."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder = tmp_path / "data"
    folder.mkdir()
    if not _mount(folder, "256k"):
        pytest.skip("tmpfs cannot be mounted here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def wordy_pdf(path: Path, pages: int) -> Path:
    """Pages full of text: each section's result is tens of KB, so the journal (and its
    cache) fill 256 KB after a few sections."""
    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page()
        page.insert_text((72, 50), f"Page {number}", fontsize=14)
        for line in range(50):
            text = f"Line {line} of page {number}: revenue, risk, costs and next year's outlook."
            page.insert_text((40, 70 + line * 14), text, fontsize=8)
    doc.save(path)
    doc.close()
    return path


def test_full_data_disk_stops_cleanly_and_resume_finishes(
    tmp_path: Path, small_data_disk: Path
) -> None:
    pdf = wordy_pdf(tmp_path / "manual.pdf", 4 * SECTIONS)
    env = offline_env(tmp_path)
    out = tmp_path / "out.json"  # another disk: what finished is kept there
    args = ["process", str(pdf), "--every", "4", "--processor", "local", "--json", str(out)]

    first = run_cli(args, env)
    assert first.returncode == 1, first.stderr
    (line,) = error_lines(first.stderr)
    assert f"the disk holding {small_data_disk} is full" in line
    assert re.search(r"free about \d+ MB there", line)
    sections = json.loads(out.read_text())["sections"]
    done = [s for s in sections if s["status"] == "done"]
    assert 0 < len(done) < SECTIONS
    assert {s["failure"]["reason"] for s in sections if s["status"] != "done"} == {
        "Not started: the disk is full"
    }

    # later commands work or say one line, and nothing they do is a traceback
    listing = run_cli(["runs"], env)
    assert listing.returncode == 0 and "manual.pdf" in listing.stdout, listing.stderr
    again = run_cli([*args, "--resume"], env)
    assert again.returncode == 1
    (line,) = error_lines(again.stderr)
    assert f"the disk holding {small_data_disk} is full" in line
    # room again: --resume finishes the run, every section done once
    assert _mount(small_data_disk, "32m", "remount")
    resumed = run_cli([*args, "--resume"], env)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming run" in resumed.stderr
    final = json.loads(out.read_text())["sections"]
    assert [s["status"] for s in final] == ["done"] * SECTIONS
    assert len({s["id"] for s in final}) == SECTIONS
    forget = run_cli(["forget"], env)
    assert forget.returncode == 0 and not error_lines(forget.stderr)
