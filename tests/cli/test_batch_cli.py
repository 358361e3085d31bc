"""``sectionflow batch`` over a folder against the fake Gemini: one global section limit."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import assert_nothing_leaked_after_forget, gemini_env, start_cli
from tests.helpers.metrics import metrics_url, scrape, value
from tests.helpers.pdfs import make_pdf
from tests.helpers.wait import until

FILES = 5
PAGES = 2
LIMIT = 3


async def test_batch_of_five_pdfs_keeps_the_global_section_limit(tmp_path: Path) -> None:
    folder = tmp_path / "filings"
    folder.mkdir()
    for i in range(FILES):
        make_pdf(folder / f"filing{i}.pdf", PAGES, label=f"F{i} page")
    out = tmp_path / "out"
    log = tmp_path / "batch.log"
    with FakeGemini(latency=0.02, processing_delay=0.02) as fake:
        fake.pause("generate")  # hold every analysis until the peak has been looked at
        args = [
            "batch",
            str(folder),
            "--out",
            str(out),
            "--every",
            "1",
            "--processor",
            "gemini",
            "--max-sections",
            str(LIMIT),
            "--metrics-port",
            "0",
        ]
        env = gemini_env(tmp_path, fake)
        proc = await start_cli(args, env, log)
        try:
            assert await asyncio.to_thread(fake.wait_for_in_flight, LIMIT, 60)
            await until(lambda: metrics_url(log) is not None, timeout=30)
            url = metrics_url(log)
            assert url is not None
            # The files in flight (limit + 1 = 4) have queued all their 8 sections: 3 hold
            # the global section slot, at Gemini; the other 5 wait for it, across files.
            waiting = LIMIT + 1
            expected_waiting = waiting * PAGES - LIMIT

            def peak_reached() -> bool:
                samples = scrape(url)
                return value(samples, "sectionflow_slot_waiting", slot="section") == (
                    expected_waiting
                )

            await until(lambda: peak_reached(), timeout=30)
            samples = scrape(url)
            assert value(samples, "sectionflow_slot_in_use", slot="section") == LIMIT
            assert value(samples, "sectionflow_slot_limit", slot="section") == LIMIT
            assert fake.stats.generate_in_flight == LIMIT
        finally:
            fake.resume()
        await asyncio.wait_for(proc.wait(), 90)
        output = log.read_text()
        assert proc.returncode == 0, output
        assert fake.stats.max_generate_in_flight == LIMIT
        # each page, then each file's whole-document synthesis
        assert fake.stats.count("generate", 200) == FILES * PAGES + FILES
        assert len(fake.stats.text_only_calls()) == FILES
        assert_nothing_leaked_after_forget(fake, env)
        assert not fake.server_errors

    index = json.loads((out / "index.json").read_text())
    assert index["schema"] == "sectionflow.batch/1"
    assert index["totals"]["statuses"] == {"done": FILES}
    assert [f["name"] for f in index["files"]] == [f"filing{i}.pdf" for i in range(FILES)]
    markdown = (out / "index.md").read_text()
    for i, entry in enumerate(index["files"]):
        assert entry["status"] == "done" and entry["done"] == PAGES and entry["failed"] == 0
        assert entry["json"] == f"filing{i}.json" and entry["markdown"] == f"filing{i}.md"
        assert f"[JSON](<filing{i}.json>)" in markdown
        result = json.loads((out / entry["json"]).read_text())
        texts = [s["result"]["raw_text"] for s in result["sections"]]
        assert [f"first_line=F{i} page {p}" in t for p, t in enumerate(texts, 1)] == [True] * PAGES
        assert result["summary"]["high_water"]["section"] <= LIMIT
        assert (out / entry["markdown"]).read_text().startswith("# filing")
