"""The contender of ``bench.e2e``: the short script an analyst would write by hand.

google-genai and ``asyncio.gather`` under one Semaphore: for each section, cut its pages
out with PyMuPDF, upload, poll until ACTIVE, generate, delete. No look-ahead, no inline
bytes, no retries: what "just call the API concurrently" gives.

    python -m bench.naive_gemini FILE.pdf --every 25 --concurrency 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

import pymupdf
from google import genai
from google.genai import types


async def analyse(client, doc, first, last, folder, gate) -> str:
    async with gate:
        part = pymupdf.open()
        part.insert_pdf(doc, from_page=first, to_page=last)
        path = Path(folder) / f"pages-{first + 1}-{last + 1}.pdf"
        part.save(path)
        part.close()
        uploaded = await client.aio.files.upload(file=path, config={"mime_type": "application/pdf"})
        while uploaded.state.name == "PROCESSING":
            await asyncio.sleep(0.2)
            uploaded = await client.aio.files.get(name=uploaded.name)
        answer = await client.aio.models.generate_content(
            model=os.environ.get("GEMINI_MODEL", "gemini-3.8-flash"),
            contents=[uploaded, "Summarise this section."],
        )
        await client.aio.files.delete(name=uploaded.name)
        return answer.text or ""


async def main(pdf: str, every: int, concurrency: int) -> int:
    client = genai.Client(
        api_key=os.environ["GEMINI_API_KEY"],
        http_options=types.HttpOptions(
            base_url=os.environ.get("GEMINI_BASE_URL"), api_version="v1beta"
        ),
    )
    doc = pymupdf.open(pdf)
    gate = asyncio.Semaphore(concurrency)
    with tempfile.TemporaryDirectory() as folder:
        ranges = [(s, min(s + every, doc.page_count) - 1) for s in range(0, doc.page_count, every)]
        answers = await asyncio.gather(
            *(analyse(client, doc, a, b, folder, gate) for a, b in ranges)
        )
    await client.aio.aclose()
    print(f"{len(answers)} sections analysed", file=sys.stderr)
    return 0 if all(answers) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.naive_gemini")
    parser.add_argument("pdf")
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=5)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.pdf, args.every, args.concurrency)))
