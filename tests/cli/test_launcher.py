"""``sectionflow``: the window or the command line, decided by the launcher above both."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

import launcher


@pytest.fixture
def window(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """A stand-in for gui.app: records that the window was asked for, opens nothing."""
    calls: list[bool] = []
    fake = types.ModuleType("gui.app")
    fake.main = lambda: calls.append(True) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gui.app", fake)
    return calls


def test_no_command_hands_over_to_the_window(window: list[bool]) -> None:
    assert launcher.main([]) == 0 and window == [True]


def test_window_arguments_open_the_window(window: list[bool], tmp_path: Path) -> None:
    pdf = tmp_path / "Report.PDF"
    pdf.write_bytes(b"%PDF-1.7\n")
    assert launcher.main(["--self-test"]) == 0
    assert launcher.main([str(pdf)]) == 0  # "Open with", the .desktop file's %f
    assert window == [True, True]


def test_commands_and_options_stay_on_the_command_line(
    window: list[bool], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert launcher.main(["runs"]) == 0
    assert "No runs yet." in capsys.readouterr().out
    with pytest.raises(SystemExit) as shown:
        launcher.main(["--version"])
    assert shown.value.code == 0 and capsys.readouterr().out.startswith("sectionflow ")
    missing = str(tmp_path / "missing.pdf")
    with pytest.raises(SystemExit) as refused:  # not a file, so not the window's
        launcher.main([missing])
    assert refused.value.code == 2
    assert window == []


def test_routing_needs_no_parser_for_the_window() -> None:
    """The window's own arguments are known before the command line's parser loads."""
    assert launcher.wants_window([]) and launcher.wants_window(["--self-test"])
    assert not launcher.wants_window(["process", "x.pdf"])
    assert not launcher.wants_window(["--version"])


def test_no_desktop_app_is_a_message_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "gui.app", None)  # makes the import fail
    assert launcher.main([]) == 1
    assert "sectionflow process" in capsys.readouterr().err
