"""The fake Gemini, driven through the real google-genai SDK on both async transports.

If these pass, code under test that works against the fake speaks the protocol the SDK
speaks (docs/ARCHITECTURE.md, "Gemini protocol"), and the faults look to it exactly as the
SDK surfaces them.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from google import genai
from google.genai import errors, types
from pydantic import BaseModel

from tests.fakes import gemini_pdf
from tests.fakes.fixtures import make_client, make_pdf, stats_wait, wait_until_active
from tests.fakes.gemini import FakeGemini

MODEL = "gemini-3.8-flash"
ANSWER = re.compile(r"^pages=(\d+) sha=([0-9a-f]{12}) first_line=(.*)$")


def sha12(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def inline(data: bytes) -> types.Part:
    return types.Part.from_bytes(data=data, mime_type="application/pdf")


def parse_answer(text: str | None) -> tuple[int, str, str]:
    match = ANSWER.match(text or "")
    assert match, f"not a fake answer: {text!r}"
    return int(match[1]), match[2], match[3]


def retry_info(exc: errors.APIError) -> dict[str, str]:
    details = exc.details["error"]["details"]
    return next(d for d in details if d["@type"].endswith("RetryInfo"))


async def upload(client, path: Path, display_name: str) -> types.File:
    config = types.UploadFileConfig(mime_type="application/pdf", display_name=display_name)
    return await client.aio.files.upload(file=path, config=config)


@pytest.fixture(scope="module")
def big_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Just over 9 MiB of incompressible images: two upload chunks (the SDK sends 8 MiB)."""
    path = tmp_path_factory.mktemp("big") / "big.pdf"
    make_pdf("Big section", 3, noise_bytes=9 * 1024 * 1024, path=path)
    assert path.stat().st_size > 8 * 1024 * 1024
    return path


# --- Files API and answers ---------------------------------------------------------------


async def test_upload_active_generate_delete_round_trip(transport, fake_gemini, pdf_factory):
    """With the client built exactly as the app builds it (no test shortcuts)."""
    genai_client = genai.Client(
        api_key="test",
        http_options=types.HttpOptions(
            base_url=fake_gemini.base_url, api_version="v1beta", timeout=10_000
        ),
    )
    path = pdf_factory("Section Alpha", pages=3)
    file = await upload(genai_client, path, "alpha")
    assert file.state == types.FileState.PROCESSING
    assert file.display_name == "alpha" and file.size_bytes == path.stat().st_size
    assert file.uri == f"{fake_gemini.base_url}/v1beta/{file.name}"
    assert file.expiration_time > file.create_time

    file = await wait_until_active(genai_client, file.name)
    assert file.state == types.FileState.ACTIVE
    response = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[file, "Summarise this section"]
    )
    assert parse_answer(response.text) == (3, sha12(path.read_bytes()), "Section Alpha")
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.model_version == MODEL
    usage = response.usage_metadata
    assert usage.prompt_token_count == 258 * 3 + len("Summarise this section") // 4
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count

    await genai_client.aio.files.delete(name=file.name)
    assert fake_gemini.stored_files() == []
    with pytest.raises(errors.ClientError) as missing:
        await genai_client.aio.files.get(name=file.name)
    assert (missing.value.code, missing.value.status) == (403, "PERMISSION_DENIED")
    record = fake_gemini.stats.generate_records("alpha")[0]
    assert (record.pages, record.sha, record.inline) == (3, sha12(path.read_bytes()), False)
    await genai_client.aio.aclose()


async def test_transport_switch_really_switches(genai_client, transport):
    """force_transport() must change what the SDK uses, or half the matrix is fake."""
    api_client = genai_client._api_client
    assert api_client._use_aiohttp() is (transport == "aiohttp")
    await genai_client.aio.models.generate_content(model=MODEL, contents=["which transport?"])
    assert bool(api_client._aiohttp_sessions) is (transport == "aiohttp")


async def test_inline_pdf_json_answer(genai_client, fake_gemini):
    data = make_pdf("Inline section [s7]", pages=2)
    config = types.GenerateContentConfig(response_mime_type="application/json")
    response = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[inline(data), "Answer in JSON"], config=config
    )
    answer = json.loads(response.text)
    assert (answer["pages"], answer["sha"]) == (2, sha12(data))
    assert answer["first_line"] == "Inline section [s7]" and answer["summary"]
    record = fake_gemini.stats.generate_records()[0]
    assert record.inline and record.key == "Inline section [s7]"


class SectionResult(BaseModel):
    summary: str
    pages: int
    sha: str
    key_points: list[str]
    note: str | None = None


@pytest.mark.parametrize("schema_kind", ["response_schema", "response_json_schema"])
async def test_structured_answer_fits_the_schema(genai_client, schema_kind):
    data = make_pdf("Schema section", pages=4)
    schema = (
        SectionResult if schema_kind == "response_schema" else SectionResult.model_json_schema()
    )
    config = types.GenerateContentConfig(
        response_mime_type="application/json", **{schema_kind: schema}
    )
    response = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[inline(data), "Summarise"], config=config
    )
    parsed = SectionResult.model_validate(response.parsed)
    assert (parsed.pages, parsed.sha) == (4, sha12(data))
    assert sha12(data) in parsed.key_points[0]


async def test_multi_chunk_upload(genai_client, fake_gemini, big_pdf):
    file = await upload(genai_client, big_pdf, "big one")
    assert fake_gemini.stats.count("upload_chunk", 200) == 2
    assert fake_gemini.file_bytes(file.name) == big_pdf.read_bytes()
    (stored,) = fake_gemini.stored_files()
    assert (stored.chunks, stored.pages, stored.size) == (2, 3, big_pdf.stat().st_size)
    file = await wait_until_active(genai_client, file.name)
    response = await genai_client.aio.models.generate_content(model=MODEL, contents=[file, "x"])
    assert parse_answer(response.text)[:2] == (3, sha12(big_pdf.read_bytes()))


async def test_count_tokens_and_list(genai_client, fake_gemini, pdf_factory):
    names = [
        (await upload(genai_client, pdf_factory(f"List {i}"), f"list-{i}")).name for i in range(3)
    ]
    pager = await genai_client.aio.files.list(config=types.ListFilesConfig(page_size=2))
    listed = [f.name async for f in pager]
    assert sorted(listed) == sorted(names)
    assert fake_gemini.stats.count("list") == 2  # two pages

    data = make_pdf("Count me", pages=5)
    tokens = await genai_client.aio.models.count_tokens(
        model=MODEL, contents=[inline(data), "12345678"]
    )
    assert tokens.total_tokens == 258 * 5 + 2


async def test_streamed_answer(genai_client):
    data = make_pdf("Streamed", pages=1)
    stream = await genai_client.aio.models.generate_content_stream(
        model=MODEL, contents=[inline(data), "go"]
    )
    text = "".join([chunk.text async for chunk in stream])
    assert parse_answer(text) == (1, sha12(data), "Streamed")


async def test_unreadable_pdf_and_worker_restart(genai_client):
    with pytest.raises(errors.ClientError) as garbage:
        await genai_client.aio.models.generate_content(
            model=MODEL, contents=[inline(b"%PDF-1.7 not really"), "x"]
        )
    assert (garbage.value.code, garbage.value.status) == (400, "INVALID_ARGUMENT")

    gemini_pdf._WORKER.stop()  # as if MuPDF had killed it: the next call starts a new one
    data = make_pdf("After restart")
    response = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[inline(data), "x"]
    )
    assert parse_answer(response.text)[1] == sha12(data)


async def test_processing_and_expired_files(genai_client, fake_gemini, pdf_factory):
    fake_gemini.processing_delay = 60
    file = await upload(genai_client, pdf_factory("Slow"), "slow")
    with pytest.raises(errors.ClientError) as not_ready:
        await genai_client.aio.models.generate_content(model=MODEL, contents=[file, "x"])
    assert (not_ready.value.code, not_ready.value.status) == (400, "FAILED_PRECONDITION")

    fake_gemini.drop_file(file.name)
    with pytest.raises(errors.ClientError) as gone:
        await genai_client.aio.models.generate_content(model=MODEL, contents=[file, "x"])
    assert gone.value.code == 403


async def test_thought_parts_are_not_text(transport, pdf_factory):
    with FakeGemini(thoughts=True) as fake:
        client = make_client(fake)
        response = await client.aio.models.generate_content(
            model=MODEL, contents=[inline(make_pdf("Thinking")), "x"]
        )
        await client.aio.aclose()
    assert parse_answer(response.text)[0] == 1
    assert response.usage_metadata.thoughts_token_count > 0


# --- errors and faults -------------------------------------------------------------------


async def test_429_carries_retry_info(genai_client, fake_gemini):
    fault = fake_gemini.add_fault("429", times=1, retry_delay_s=1.5)
    with pytest.raises(errors.ClientError) as limited:
        await genai_client.aio.models.generate_content(model=MODEL, contents=["hello"])
    assert (limited.value.code, limited.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert retry_info(limited.value)["retryDelay"] == "1.5s"
    types_seen = {d["@type"].rsplit(".", 1)[-1] for d in limited.value.details["error"]["details"]}
    assert {"QuotaFailure", "RetryInfo"} <= types_seen
    assert (await genai_client.aio.models.generate_content(model=MODEL, contents=["hi"])).text
    assert fault.hits == 1 and not fault.active


@pytest.mark.parametrize(
    ("kind", "status", "code", "name", "error_type"),
    [
        ("500", 503, 500, "INTERNAL", errors.ServerError),
        ("503", 503, 503, "UNAVAILABLE", errors.ServerError),
        ("invalid_argument", 503, 400, "INVALID_ARGUMENT", errors.ClientError),
        ("forbidden", 503, 403, "PERMISSION_DENIED", errors.ClientError),
        ("error", 504, 504, "DEADLINE_EXCEEDED", errors.ServerError),
    ],
)
async def test_error_faults(genai_client, fake_gemini, kind, status, code, name, error_type):
    fake_gemini.add_fault(kind, status=status)
    with pytest.raises(error_type) as raised:
        await genai_client.aio.models.generate_content(model=MODEL, contents=["x"])
    assert (raised.value.code, raised.value.status) == (code, name)
    assert raised.value.message


async def test_blocked_safety_and_max_tokens(genai_client, fake_gemini):
    data = make_pdf("Risky [s1]")
    fake_gemini.add_fault("blocked", match="[s1]", times=1)
    blocked = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[inline(data), "x"]
    )
    assert blocked.text is None and not blocked.candidates
    assert blocked.prompt_feedback.block_reason == types.BlockedReason.SAFETY

    fake_gemini.add_fault("safety", match="[s1]", times=1)
    unsafe = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[inline(data), "x"]
    )
    assert unsafe.text is None
    assert unsafe.candidates[0].finish_reason == types.FinishReason.SAFETY

    fake_gemini.add_fault("max_tokens", match="[s1]", times=1)
    config = types.GenerateContentConfig(
        response_mime_type="application/json", response_schema=SectionResult
    )
    cut = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[inline(data), "x"], config=config
    )
    assert cut.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert cut.parsed is None and cut.text.startswith('{"summary"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.text)


async def test_faults_target_one_section(genai_client, fake_gemini, pdf_factory):
    fault = fake_gemini.add_fault("503", match="[s2]", times=1)
    files = [await upload(genai_client, pdf_factory(f"Part {i}"), f"[s{i}]") for i in (1, 2, 3)]
    files = [await wait_until_active(genai_client, f.name) for f in files]
    results = await asyncio.gather(
        *(genai_client.aio.models.generate_content(model=MODEL, contents=[f, "x"]) for f in files),
        return_exceptions=True,
    )
    assert isinstance(results[1], errors.ServerError) and results[1].code == 503
    assert [parse_answer(r.text)[2] for r in (results[0], results[2])] == ["Part 1", "Part 3"]
    retried = await genai_client.aio.models.generate_content(model=MODEL, contents=[files[1], "x"])
    assert parse_answer(retried.text)[2] == "Part 2"
    assert fault.hits == 1
    assert [status for _, status in fake_gemini.stats.timeline("[s2]")] == [503, 200]


async def test_failed_file_fault(genai_client, fake_gemini, pdf_factory):
    fake_gemini.add_fault("failed_file", match="broken")
    file = await upload(genai_client, pdf_factory("Broken"), "broken.pdf")
    file = await wait_until_active(genai_client, file.name)
    assert file.state == types.FileState.FAILED and file.error.message
    with pytest.raises(errors.ClientError) as unusable:
        await genai_client.aio.models.generate_content(model=MODEL, contents=[file, "x"])
    assert unusable.value.status == "FAILED_PRECONDITION"


@pytest.mark.parametrize("endpoint", ["upload", "upload_chunk"])
async def test_upload_faults(genai_client, fake_gemini, pdf_factory, endpoint):
    """A chunk error comes back with x-goog-upload-status: final, so the SDK raises at once
    instead of re-posting the chunk three times (1 + 2 + 4 s)."""
    fake_gemini.add_fault("500", match="doomed", endpoint=endpoint)
    started = time.monotonic()
    with pytest.raises(errors.ServerError) as failed:
        await upload(genai_client, pdf_factory("Doomed"), "doomed")
    assert failed.value.code == 500 and time.monotonic() - started < 1
    assert fake_gemini.stats.uploads_in_flight == 0 and fake_gemini.open_uploads() == 0
    assert fake_gemini.stored_files() == []


async def test_reset_and_disconnect(transport, fake_gemini):
    """Cut connections surface as transport errors, not APIError. retry_attempts=1 because
    the SDK's aiohttp path otherwise re-sends a dropped request once after 1-10 s."""
    client = make_client(fake_gemini, retry_attempts=1)
    expected = {
        "httpx": ("RemoteProtocolError",),
        "aiohttp": ("ClientPayloadError", "ServerDisconnectedError"),
    }[transport]
    for kind in ("reset", "disconnect"):
        fake_gemini.add_fault(kind, match=kind, times=1)
        with pytest.raises(Exception) as cut:
            await client.aio.models.generate_content(model=MODEL, contents=[f"{kind} me"])
        assert not isinstance(cut.value, errors.APIError)
        assert type(cut.value).__name__ in expected
    await client.aio.aclose()
    assert fake_gemini.stats.count("generate", 0) == 2


async def test_hang_until_client_timeout(genai_client, fake_gemini):
    fake_gemini.add_fault("hang", match="[slow]")
    fake_gemini.add_fault("hang", match="[late]", hang_s=0.1)
    short = types.GenerateContentConfig(http_options=types.HttpOptions(timeout=200))
    with pytest.raises(Exception) as timed_out:
        await genai_client.aio.models.generate_content(
            model=MODEL, contents=["[slow] section"], config=short
        )
    assert "Timeout" in type(timed_out.value).__name__
    # the fake notices the client hanging up, so in-flight counts stay true
    await stats_wait(fake_gemini, lambda s: s.generate_in_flight == 0)
    late = await genai_client.aio.models.generate_content(model=MODEL, contents=["[late] one"])
    assert late.text and fake_gemini.stats.generate_records("[late]")[0].finished >= (
        fake_gemini.stats.generate_records("[late]")[0].started + 0.1
    )


async def test_close_unblocks_hanging_requests(transport):
    fake = FakeGemini(latency=30)
    fake.add_fault("hang", match="[hang]")
    client = make_client(fake, retry_attempts=1)
    calls = [
        asyncio.ensure_future(client.aio.models.generate_content(model=MODEL, contents=[text]))
        for text in ("[hang] a", "slow b")
    ]
    await stats_wait(fake, lambda s: s.generate_in_flight == 2)
    started = time.monotonic()
    await asyncio.to_thread(fake.close)
    assert time.monotonic() - started < 2
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results)
    assert fake.stats.generate_in_flight == 0
    await client.aio.aclose()


async def test_api_key_check(transport, fake_gemini, pdf_factory):
    fake_gemini.valid_keys = {"good"}
    bad = make_client(fake_gemini, api_key="bad")
    with pytest.raises(errors.ClientError) as rejected:
        await bad.aio.models.generate_content(model=MODEL, contents=["x"])
    assert (rejected.value.code, rejected.value.status) == (400, "INVALID_ARGUMENT")
    assert rejected.value.message == "API key not valid. Please pass a valid API key."
    assert rejected.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    good = make_client(fake_gemini, api_key="good")
    await upload(good, pdf_factory("Keyed"), "keyed")  # chunks carry no key, as with Google
    assert (await good.aio.models.generate_content(model=MODEL, contents=["x"])).text
    await bad.aio.aclose()
    await good.aio.aclose()


# --- rate limit and statistics -----------------------------------------------------------


async def test_rpm_sliding_window(transport):
    with FakeGemini(rpm=2, window_s=0.3) as fake:
        client = make_client(fake)

        async def call() -> None:
            await client.aio.models.generate_content(model=MODEL, contents=["[k] call"])

        async def call_until_limited() -> errors.APIError:
            for _ in range(3):
                try:
                    await call()
                except errors.ClientError as limited:
                    return limited
            pytest.fail("the rate limit never answered 429")

        limited = await call_until_limited()
        assert fake.stats.count("generate", 200) == 2
        delay = float(retry_info(limited)["retryDelay"].rstrip("s"))
        assert 0 < delay <= 0.3
        await asyncio.sleep(delay)  # obey RetryInfo, as a good client does
        await call()
        assert fake.stats.early_retries() == []

        await call_until_limited()
        with pytest.raises(errors.ClientError):  # retrying at once is too early
            await call()
        (early, *_) = fake.stats.early_retries()
        assert early.key == "[k] call" and early.gap < early.retry_delay_s
        await client.aio.aclose()


async def test_rpm_real_minute_delay_is_whole_seconds(transport):
    with FakeGemini(rpm=1) as fake:
        client = make_client(fake)
        await client.aio.models.generate_content(model=MODEL, contents=["a"])
        with pytest.raises(errors.ClientError) as limited:
            await client.aio.models.generate_content(model=MODEL, contents=["a"])
        assert retry_info(limited.value)["retryDelay"] == "60s"
        assert fake.stats.generate_records()[-1].fault == "rpm"
        await client.aio.aclose()


async def test_concurrency_stats(genai_client, fake_gemini):
    """pause() holds calls once they count as in flight, so the peak is exact, not timing."""
    pdfs = [make_pdf(f"Concurrent {i}", pages=i + 1) for i in range(5)]
    fake_gemini.pause()
    calls = [
        asyncio.ensure_future(
            genai_client.aio.models.generate_content(model=MODEL, contents=[inline(d), "x"])
        )
        for d in pdfs
    ]
    await stats_wait(fake_gemini, lambda s: s.generate_in_flight == 5)
    fake_gemini.resume()
    results = await asyncio.gather(*calls)
    stats = fake_gemini.stats
    assert (stats.max_generate_in_flight, stats.generate_in_flight) == (5, 0)
    assert stats.calls[("generate", 200)] == 5
    for data, result in zip(pdfs, results, strict=True):
        assert parse_answer(result.text)[:2] == (pdfs.index(data) + 1, sha12(data))
    assert set(stats.timelines()) == {f"Concurrent {i}" for i in range(5)}
    fake_gemini.reset_stats()
    assert fake_gemini.stats.max_generate_in_flight == 0 and not fake_gemini.stats.calls


async def test_upload_concurrency_stats(genai_client, fake_gemini, pdf_factory):
    paths = [pdf_factory(f"Up {i}") for i in range(3)]
    fake_gemini.pause("upload_chunk")
    uploads = [
        asyncio.ensure_future(upload(genai_client, p, f"up-{i}")) for i, p in enumerate(paths)
    ]
    await stats_wait(fake_gemini, lambda s: s.uploads_in_flight == 3)
    fake_gemini.resume()
    await asyncio.gather(*uploads)
    stats = fake_gemini.stats
    assert (stats.max_uploads_in_flight, stats.uploads_in_flight) == (3, 0)
    assert sorted(f.display_name for f in fake_gemini.stored_files()) == ["up-0", "up-1", "up-2"]


# --- raw protocol and the command line ---------------------------------------------------


def test_raw_resumable_protocol_and_keep_alive(fake_gemini):
    """Things the SDK never does wrong, checked on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", fake_gemini.port, timeout=5)
    start = json.dumps({"file": {"display_name": "raw", "mime_type": "text/plain"}})
    headers = {"X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start"}
    conn.request("POST", "/upload/v1alpha/files", body=start, headers=headers)
    reply = conn.getresponse()
    assert reply.status == 200 and reply.read() == b""
    session = reply.getheader("X-Goog-Upload-URL").removeprefix(fake_gemini.base_url)

    def chunk(command: str, offset: int, body: bytes) -> http.client.HTTPResponse:
        conn.request(
            "POST",
            session,
            body=body,
            headers={"X-Goog-Upload-Command": command, "X-Goog-Upload-Offset": str(offset)},
        )
        return conn.getresponse()

    first = chunk("upload", 0, b"hello ")
    assert (first.status, first.getheader("x-goog-upload-status"), first.read()) == (
        200,
        "active",
        b"",
    )
    final = chunk("upload, finalize", 6, b"world")
    body = json.loads(final.read())
    assert final.getheader("x-goog-upload-status") == "final"
    assert body["file"]["sizeBytes"] == "11" and body["file"]["mimeType"] == "text/plain"
    assert fake_gemini.file_bytes(body["file"]["name"]) == b"hello world"

    conn.request("GET", "/v1beta/no/such/thing")
    missing = conn.getresponse()
    assert missing.status == 404 and json.loads(missing.read())["error"]["status"] == "NOT_FOUND"
    conn.close()

    conn = http.client.HTTPConnection("127.0.0.1", fake_gemini.port, timeout=5)
    conn.request("POST", "/upload/v1beta/files", body=start, headers=headers)
    reply = conn.getresponse()
    reply.read()
    session = reply.getheader("X-Goog-Upload-URL").removeprefix(fake_gemini.base_url)
    wrong = chunk("upload", 3, b"abc")
    assert wrong.status == 400 and wrong.getheader("x-goog-upload-status") == "final"
    wrong.read()
    assert fake_gemini.open_uploads() == 0
    conn.close()


def test_command_line_server():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.gemini", "--port", "0", "--rpm", "30"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{base_url}/v1beta/files", timeout=5) as reply:
            assert json.loads(reply.read()) == {"files": []}
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "generate calls: 0" in out


def test_wait_for_does_not_sleep(fake_gemini):
    """stats.wait_for wakes on change; a thread-side check that it returns at once."""
    done = threading.Event()
    result: list[bool] = []

    def waiter() -> None:
        result.append(fake_gemini.stats.wait_for(lambda s: s.uploads_in_flight == 1, 5))
        done.set()

    threading.Thread(target=waiter, daemon=True).start()
    fake_gemini.stats.upload_started()
    assert done.wait(2) and result == [True]
    fake_gemini.stats.upload_ended()
