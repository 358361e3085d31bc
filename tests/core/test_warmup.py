"""Choosing Gemini pays the backend's one-time costs off the GUI thread, before Run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
from core.warmup import RUN_MODELS, RUN_MODULES, warm
assert "google.genai" not in sys.modules
thread = warm()
assert thread is not None and warm() is thread  # one warm-up, however often asked
thread.join(120)
from google.genai import _common, types
missing = [m for m in RUN_MODULES if m not in sys.modules]
assert not missing, missing
unknown = [n for n in RUN_MODELS if not hasattr(types, n)]
assert not unknown, unknown  # the SDK renamed a model the warm-up is to build
deferred = [n for n in RUN_MODELS if not getattr(types, n).__pydantic_complete__]
assert not deferred, deferred
assert not types.LiveClientMessage.__pydantic_complete__  # what no run uses stays unbuilt
print("warm")
"""

RUN = """
import os, sys, tempfile
from pathlib import Path
from tests.fakes.gemini import FakeGemini
from tests.helpers.pdfs import make_pdf
from cli.main import entry
from core.warmup import _build_client, RUN_MODELS

_build_client()  # as the warm-up does: the SDK types a client needs to exist
from google.genai import _common
before = {m for m in _common.BaseModel.__subclasses__() if m.__pydantic_complete__}
tmp = Path(tempfile.mkdtemp())
pdf = make_pdf(tmp / "doc.pdf", pages=6)
with FakeGemini(latency=0.0, processing_delay=0.02) as fake:
    for inline, keep in (("4", "0"), ("0", "0"), ("0", "1")):
        os.environ.update(
            GEMINI_API_KEY="k", GEMINI_BASE_URL=fake.base_url, INLINE_MAX_MB=inline,
            KEEP_UPLOADS_HOURS=keep, SECTIONFLOW_DATA_DIR=str(tmp / ("d" + inline + keep)),
        )
        code = entry(["process", str(pdf), "--every", "3", "--processor", "gemini",
                      "--no-cache", "--json", str(tmp / "out.json")])
        assert code == 0, code
pending, seen, built = list(_common.BaseModel.__subclasses__()), set(), set()
while pending:
    model = pending.pop()
    if model not in seen:
        seen.add(model)
        pending.extend(model.__subclasses__())
        if model.__pydantic_complete__ and model not in before:
            built.add(model.__name__)
left = sorted(built - set(RUN_MODELS))
print("unwarmed:" + ",".join(left))
"""


def test_warm_up_imports_the_run_path_and_builds_the_models_a_run_uses() -> None:
    # a fresh interpreter: in this one other tests have imported the SDK already
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "warm"


def test_the_warm_up_builds_every_sdk_model_a_run_uses() -> None:
    """Runs inline, uploaded and kept, in a fresh interpreter without a warm-up: each
    SDK model they built on first use (a 5-15 ms hiccup on the loop, the window's in the
    app) is one the warm-up builds beforehand."""
    done = subprocess.run(
        [sys.executable, "-c", RUN], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "unwarmed:"
