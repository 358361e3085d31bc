"""Choosing Gemini pays the backend's one-time costs off the GUI thread, before Run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
from core.warmup import RUN_MODULES, warm
assert "google.genai" not in sys.modules
thread = warm()
assert thread is not None and warm() is thread  # one warm-up, however often asked
thread.join(120)
from google.genai import _common, types
missing = [m for m in RUN_MODULES if m not in sys.modules]
assert not missing, missing
deferred = [c.__name__ for c in _common.BaseModel.__subclasses__() if not c.__pydantic_complete__]
assert not deferred, deferred[:5]
assert types.GenerateContentResponse.__pydantic_complete__
print("warm")
"""


def test_warm_up_imports_the_run_path_and_builds_the_sdk_models() -> None:
    # a fresh interpreter: in this one other tests have imported the SDK already
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "warm"
