"""The pieces of build_spec/ that can be checked without building: the entry point,
the .desktop entry, the icon rendered from the SVG, and the build extra."""

from __future__ import annotations

import configparser
import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QImage

import launcher

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT / "build_spec"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"build_spec_{name}", SPEC_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundle_entry_hands_over_to_the_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    """launch.py decides nothing itself: after freeze_support (first, so a worker process
    never loads a front end) it calls launcher.main, whose routing tests/cli checks."""
    launch = _load("launch")
    calls: list[bool] = []
    monkeypatch.setattr(launcher, "main", lambda: calls.append(True) or 7)
    assert launch.main() == 7 and calls == [True]
    source = (SPEC_DIR / "launch.py").read_text(encoding="utf-8")
    assert source.index("freeze_support()") < source.index("from launcher import")


def test_desktop_entry_is_complete() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(SPEC_DIR / "sectionflow.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "SectionFlow"
    assert section["Exec"] == "SectionFlow %f" and section["Icon"] == "sectionflow"
    assert section["Terminal"] == "false"
    assert "application/pdf;" in section["MimeType"]
    assert section["Categories"].endswith(";")


def test_icon_renders_from_the_svg(tmp_path: Path, qapp) -> None:
    written = _load("make_icon").render(tmp_path)
    image = QImage(str(written["png"]))
    assert (image.width(), image.height()) == (256, 256)
    assert image.pixelColor(128, 128).alpha() == 255  # drawn, not blank
    assert written["ico"].stat().st_size > 0


def test_build_extra_and_spec_agree_with_the_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.startswith("pyinstaller>=") for dep in project["optional-dependencies"]["build"])
    spec = (SPEC_DIR / "sectionflow.spec").read_text(encoding="utf-8")
    assert 'collect_data_files("resources")' in spec and "launch.py" in spec
    run = (ROOT / "run").read_text(encoding="utf-8")
    assert "build_spec/build.sh" in run
