"""The fake Gemini's Batch API, driven through the real google-genai SDK on both transports.

If these pass, batch-mode code that works against the fake speaks the REST shapes the SDK
speaks: operation JSON with BATCH_STATE_* mapped to JOB_STATE_*, a JSONL answers file to
download, inlined responses, list, cancel and delete.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from google import genai
from google.genai import errors, types

from tests.fakes.fixtures import stats_wait, wait_until_active
from tests.fakes.gemini import FakeGemini

MODEL = "gemini-3.8-flash"


async def upload(client: genai.Client, path: Path, mime: str, name: str) -> types.File:
    remote = await client.aio.files.upload(
        file=path, config=types.UploadFileConfig(mime_type=mime, display_name=name)
    )
    assert remote.name
    return await wait_until_active(client, remote.name)  # type: ignore[return-value]


def line(key: str, uri: str, text: str = "Summarise.") -> str:
    request = {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {"fileData": {"fileUri": uri, "mimeType": "application/pdf"}},
                    {"text": text},
                ],
            }
        ]
    }
    return json.dumps({"key": key, "request": request})


async def until_state(
    client: genai.Client, fake: FakeGemini, name: str, state: str
) -> types.BatchJob:
    await stats_wait(
        fake,
        lambda s: any(
            b.state == state.removeprefix("JOB_STATE_") for b in fake.batches() if b.name == name
        ),
    )
    job = await client.aio.batches.get(name=name)
    assert job.state is not None and job.state.value == state
    return job


async def test_jsonl_batch_runs_pending_running_succeeded_and_answers_like_generate(
    genai_client: genai.Client,
    fake_gemini: FakeGemini,
    pdf_factory: Callable[..., Path],
    tmp_path: Path,
) -> None:
    fake_gemini.batch_pending_s = None  # held until released
    fake_gemini.batch_running_s = 0.0
    pdfs = [
        await upload(
            genai_client, pdf_factory(f"Doc {i}", pages=i + 1), "application/pdf", f"doc{i}"
        )
        for i in range(2)
    ]
    requests = tmp_path / "requests.jsonl"
    requests.write_text("\n".join(line(f"k{i}", f.uri or "") for i, f in enumerate(pdfs)) + "\n")
    src = await upload(genai_client, requests, "jsonl", "requests")

    job = await genai_client.aio.batches.create(
        model=MODEL, src=src.name or "", config=types.CreateBatchJobConfig(display_name="mine")
    )
    assert job.name and job.name.startswith("batches/")
    assert job.state == types.JobState.JOB_STATE_PENDING and job.display_name == "mine"
    assert (await genai_client.aio.batches.get(name=job.name)).state.value == "JOB_STATE_PENDING"
    fake_gemini.release_batches()
    done = await until_state(genai_client, fake_gemini, job.name, "JOB_STATE_SUCCEEDED")
    assert done.dest is not None and done.dest.file_name

    data = await genai_client.aio.files.download(file=done.dest.file_name)
    lines = [json.loads(raw) for raw in data.decode().splitlines()]
    assert [entry["key"] for entry in lines] == ["k0", "k1"]
    direct = await genai_client.aio.models.generate_content(
        model=MODEL,
        contents=[
            types.Part.from_uri(file_uri=pdfs[1].uri, mime_type="application/pdf"),
            "Summarise.",
        ],
    )
    answer = types.GenerateContentResponse.model_validate(lines[1]["response"])
    assert answer.text == direct.text and "first_line=Doc 1" in (answer.text or "")
    assert fake_gemini.stats.count("download", 200) == 1

    names = [b.name async for b in await genai_client.aio.batches.list(config={"page_size": 1})]
    assert names == [job.name]
    await genai_client.aio.batches.delete(name=job.name)
    assert fake_gemini.batches() == []


async def test_inlined_batch_and_missing_file_and_item_fault(
    genai_client: genai.Client, fake_gemini: FakeGemini, pdf_factory: Callable[..., Path]
) -> None:
    fake_gemini.batch_pending_s, fake_gemini.batch_running_s = None, 0.0
    good = await upload(genai_client, pdf_factory("Inline one"), "application/pdf", "good")
    gone = await upload(genai_client, pdf_factory("Inline two"), "application/pdf", "gone")
    fake_gemini.add_fault("503", match="<<boom>>", endpoint="batch_item")

    def req(uri: str, key: str, text: str = "Summarise.") -> dict[str, object]:
        return {
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"file_data": {"file_uri": uri, "mime_type": "application/pdf"}},
                        {"text": text},
                    ],
                }
            ],
            "metadata": {"key": key},
        }

    job = await genai_client.aio.batches.create(
        model=MODEL,
        src=[
            req(good.uri or "", "a"),
            req(gone.uri or "", "b"),
            req(good.uri or "", "c", "<<boom>>"),
        ],
    )
    fake_gemini.drop_file(gone.name or "")  # answers are computed when the job runs
    fake_gemini.release_batches()
    done = await until_state(genai_client, fake_gemini, job.name or "", "JOB_STATE_SUCCEEDED")
    items = done.dest.inlined_responses if done.dest else None
    assert items is not None and [i.metadata for i in items] == [{"key": k} for k in "abc"]
    assert "first_line=Inline one" in (items[0].response.text or "")  # type: ignore[union-attr]
    assert items[1].error is not None and items[2].error is not None


async def test_cancel_and_errors(genai_client: genai.Client, fake_gemini: FakeGemini) -> None:
    fake_gemini.batch_pending_s = None
    inline = [{"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}]
    job = await genai_client.aio.batches.create(model=MODEL, src=inline)
    await genai_client.aio.batches.cancel(name=job.name or "")
    assert (await genai_client.aio.batches.get(name=job.name or "")).state.value == (
        "JOB_STATE_CANCELLED"
    )
    with pytest.raises(errors.ClientError) as failed:
        await genai_client.aio.batches.cancel(name=job.name or "")  # already over
    assert failed.value.code == 400
    with pytest.raises(errors.ClientError) as missing:
        await genai_client.aio.batches.get(name="batches/nosuchjob")
    assert missing.value.code == 404
    with pytest.raises(errors.ClientError):
        await genai_client.aio.batches.create(model=MODEL, src="files/nosuchfile")
