"""The double-clickable app, built for real: PyInstaller builds dist/SectionFlow, its own
--self-test passes offscreen, and the same executable is the command line (whose PDF
worker processes are spawned copies of the frozen executable). Slow: ./test --slow."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dist" / "SectionFlow" / "SectionFlow"


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_bundle_builds_and_passes_its_self_test(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    build = subprocess.run(
        [str(ROOT / "build_spec" / "build.sh")],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=1400,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "self-test passed in" in build.stdout
    assert APP.is_file() and os.access(APP, os.X_OK)

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    shown = subprocess.run([str(APP), "--version"], capture_output=True, text=True, timeout=60)
    assert shown.stdout.strip() == f"sectionflow {version}"

    desktop = (APP.parent / "sectionflow.desktop").read_text(encoding="utf-8")
    assert f'Exec="{APP}" %f' in desktop
    assert (APP.parent / "_internal" / "sectionflow.png").is_file()

    out = tmp_path / "out.json"
    cli = subprocess.run(
        [
            str(APP),
            "process",
            str(ROOT / "resources" / "sample.pdf"),
            "--processor",
            "local",
            "--json",
            str(out),
        ],
        cwd=str(tmp_path),
        env={**env, "SECTIONFLOW_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr[-3000:]
    sections = json.loads(out.read_text())["sections"]
    assert len(sections) == 7 and {s["status"] for s in sections} == {"done"}
