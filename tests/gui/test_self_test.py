"""The self-test says what failed and exits non-zero (its passing run from source is in
test_polish.py, the bundle's in test_bundle.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.self_test import SelfTest, process_age


async def test_a_missing_sample_fails_the_self_test_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("gui.main_window.SAMPLE_PDF", tmp_path / "gone.pdf")
    test = SelfTest(tmp_path)
    assert await test.run() == 1
    out, err = capsys.readouterr()
    assert "self-test: ok    the window opens" in out
    assert "self-test: FAIL  the sample PDF is bundled" in out
    assert "self-test FAILED" in err and "gone.pdf" in err
    assert test.problems == [f"the sample PDF is bundled: {tmp_path / 'gone.pdf'}"]


def test_process_age_is_the_time_since_this_process_started() -> None:
    import time

    import psutil

    coarse = time.time() - psutil.Process().create_time()
    assert 0 < process_age() < coarse + 1.5
