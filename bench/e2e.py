"""End to end, measured from outside as a user runs it: the CLI against the naive script.

``python -m bench.e2e`` analyses one 1,158-page manual cut every 25 pages (N=47 sections)
against the project's fake Gemini server (in its own process), C=5 at once, the model
taking L=1.0 s per answer. No engine can beat ceil(N/C)·L = 10 s; everything else
(start-up, splitting, uploading, waiting for ACTIVE, clean-up, exit) should hide behind
that. Three contenders, each a fresh process timed from start to exit, in turn, three
rounds (the median counts):

* ``ours_inline``: ``sectionflow process`` as shipped (sections up to INLINE_MAX_MB go
  inline);
* ``ours_upload``: the same with ``INLINE_MAX_MB=0`` (every section uploaded, polled
  until ACTIVE, deleted: ``KEEP_UPLOADS_HOURS=0``, as the naive script keeps nothing);
* ``naive``: :mod:`bench.naive_gemini`, the script a user would write (google-genai,
  ``asyncio.gather`` under one Semaphore: split, upload, poll, generate, delete).

Before it, ``e2e_first_section_s=…``: the longest time, over our runs, from the start
of ``process``'s run (``Pipeline.run``) to its first section's start, as the run reports
it in the JSON export (``summary.first_section_s``).

The last line is ``e2e_ideal_ratio=… e2e_vs_naive_inline=… e2e_vs_naive_upload=…``:
the ideal over our inline time, and the naive time over each of ours (higher is better).
Each run's journal is fresh and ``--no-cache`` is given, so every section is analysed;
``--no-synthesis`` leaves out the whole-document answer, which the naive script does not
make either (both send exactly N requests).
"""

from __future__ import annotations

import compileall
import json
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGES, EVERY, C, LATENCY = 1158, 25, 5, 1.0
N = math.ceil(PAGES / EVERY)
#: seconds the fake keeps an uploaded PDF in PROCESSING, as Gemini needs a moment to read it
PROCESSING_DELAY = 0.3
ROUNDS = 3
KEY = "bench-e2e"


def _serve_fake(conn: Any) -> None:
    """The fake in its own process, niced: a real server is remote and uses none of this
    computer's CPU."""
    from tests.fakes.gemini import FakeGemini

    os.nice(10)
    with FakeGemini(latency=LATENCY, processing_delay=PROCESSING_DELAY) as fake:
        conn.send(fake.base_url)
        while (command := conn.recv()) != "stop":
            if command == "reset":
                fake.reset_stats()
                conn.send(True)
            elif command == "stats":
                stats = fake.stats
                calls = stats.generate_records()
                conn.send(
                    {
                        "generate": len(calls),
                        "max_in_flight": stats.max_generate_in_flight,
                        "first_request": min((r.started for r in stats.requests), default=0.0),
                        "files_left": len(fake.stored_files()),
                    }
                )


def _ours(pdf: Path, out: Path) -> list[str]:
    command = [sys.executable, "-m", "launcher", "process", str(pdf), "--every", str(EVERY)]
    command += ["--processor", "gemini", "--max-sections", str(C), "--no-cache", "--no-synthesis"]
    return [*command, "--json", str(out / "result.json")]


def _naive(pdf: Path, out: Path) -> list[str]:
    command = [sys.executable, "-m", "bench.naive_gemini", str(pdf)]
    return [*command, "--every", str(EVERY), "--concurrency", str(C)]


CONTENDERS = {
    "ours_inline": (_ours, False),
    "ours_upload": (_ours, True),
    "naive": (_naive, True),
}


def _run_once(name: str, pdf: Path, folder: Path, base_url: str, conn: Any) -> dict[str, Any]:
    build, upload = CONTENDERS[name]
    work = Path(tempfile.mkdtemp(dir=folder, prefix=f"{name}-"))
    env = {
        **os.environ,
        "GEMINI_API_KEY": KEY,
        "GEMINI_BASE_URL": base_url,
        "SECTIONFLOW_DATA_DIR": str(work / "data"),
        "INLINE_MAX_MB": "0" if upload else "4",
        # deleted at the end as the naive script deletes them (kept for re-asks, the
        # default, a run would skip its deletes and leave files on the server)
        "KEEP_UPLOADS_HOURS": "0",
        "ENABLE_MEMORY_MONITORING": "true",
        "QT_QPA_PLATFORM": "offscreen",
    }
    conn.send("reset")
    conn.recv()
    begun = time.monotonic()
    done = subprocess.run(
        build(pdf, work),
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    elapsed = time.monotonic() - begun
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed ({done.returncode}): {done.stderr[-2000:]}")
    conn.send("stats")
    stats = conn.recv()
    if stats["generate"] != N or stats["files_left"] or stats["max_in_flight"] > C:
        raise RuntimeError(f"{name} did not run as asked: {stats}")
    first_section = None
    if build is _ours:  # the run's own clock: from its start to its first section's start
        summary = json.loads((work / "result.json").read_text())["summary"]
        first_section = summary.get("first_section_s")
    return {
        "seconds": elapsed,
        "first_request_s": stats["first_request"] - begun,
        "first_section_s": first_section,
    }


def _compile_bytecode() -> None:
    """Compile the project's modules as an installation does (pip writes bytecode, the
    bundle ships it): with PYTHONDONTWRITEBYTECODE set, as on some machines, every
    process, each PDF worker too, compiled them from source again (0.3-0.9 s of CPU)."""
    for package in ("core", "cli", "launcher"):
        compileall.compile_dir(ROOT / package, quiet=1)


def main() -> int:
    from bench.corpus import make_manual

    _compile_bytecode()

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=_serve_fake, args=(theirs,), daemon=True)
    server.start()
    base_url = ours.recv()
    results: dict[str, list[dict[str, float]]] = {name: [] for name in CONTENDERS}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            pdf = make_manual(folder / "manual.pdf", pages=PAGES)
            names = list(CONTENDERS)
            _run_once("naive", pdf, folder, base_url, ours)  # warm the disk cache, discarded
            for round_number in range(ROUNDS):
                order = names[round_number % len(names) :] + names[: round_number % len(names)]
                for name in order:
                    results[name].append(_run_once(name, pdf, folder, base_url, ours))
    finally:
        ours.send("stop")
        server.join(10)
    ideal = math.ceil(N / C) * LATENCY
    median = {n: statistics.median(r["seconds"] for r in runs) for n, runs in results.items()}
    print(f"N={N} sections of {EVERY} pages ({PAGES} pages), C={C}, L={LATENCY:g} s")
    print(f"ideal ceil(N/C)*L = {ideal:.1f} s")
    for name, runs in results.items():
        times = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        first = statistics.median(r["first_request_s"] for r in runs)
        print(
            f"{name:<12} median {median[name]:6.2f} s  (runs {times}; first request {first:.2f} s)"
        )
    print(f"e2e_upload_over_inline={median['ours_upload'] / median['ours_inline']:.3f}")
    firsts = [r["first_section_s"] for n in ("ours_inline", "ours_upload") for r in results[n]]
    print(f"e2e_first_section_s={max(firsts):.3f}")  # the slowest of our runs
    print(
        f"e2e_ideal_ratio={ideal / median['ours_inline']:.3f} "
        f"e2e_vs_naive_inline={median['naive'] / median['ours_inline']:.3f} "
        f"e2e_vs_naive_upload={median['naive'] / median['ours_upload']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
