"""The CLI writes the same rotating log file as the app, and the key never reaches it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_run_is_logged_to_the_file_without_the_key(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SECTIONFLOW_DATA_DIR": str(tmp_path),
        "GEMINI_API_KEY": "AIza-cli-secret-42",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "process",
            str(ROOT / "resources" / "sample.pdf"),
            "--processor",
            "local",
            "--every",
            "8",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "logs" / "sectionflow.log").read_text()
    assert "Executing 2 enhanced concurrent section tasks..." in log
    assert "AIza-cli-secret-42" not in log
