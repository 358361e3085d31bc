"""Gemini's errors, sorted into retry / give up, in words an analyst can act on."""

from __future__ import annotations

import json

import aiohttp
import httpx2
import pytest
from google.genai import errors

from core.processors.gemini_answer import check_schema, merge_fields
from core.processors.gemini_errors import parse_duration, scrub, to_processing_error

KEY = "AIzaSyTESTKEY-do-not-leak-0123456789abcdef"
RPC = "type.googleapis.com/google.rpc."


def api_error(code: int, status: str, message: str, details: list | None = None):
    body = {"error": {"code": code, "status": status, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    cls = errors.ServerError if code >= 500 else errors.ClientError
    return cls(code, body)


def mapped(exc: BaseException):
    return to_processing_error(exc, doing="analysing section 'Intro'", secrets=[KEY])


@pytest.mark.parametrize(
    ("delay", "seconds"), [("53s", 53.0), ("1.5s", 1.5), ("0.250s", 0.25), ("x", None)]
)
def test_retry_info_durations(delay: str, seconds: float | None) -> None:
    assert parse_duration(delay) == seconds


def test_429_is_rate_limited_with_the_server_delay() -> None:
    exc = api_error(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota.",
        [
            {"@type": RPC + "QuotaFailure", "violations": [{"quotaId": "PerMinute"}]},
            {"@type": RPC + "RetryInfo", "retryDelay": "53s"},
        ],
    )
    error = mapped(exc)
    assert error.retryable and error.rate_limited
    assert error.retry_after == 53.0
    assert "rate limit" in error.reason and "wait 53 s" in error.reason


def test_daily_quota_is_permanent() -> None:
    violation = {"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}
    exc = api_error(
        429,
        "RESOURCE_EXHAUSTED",
        "quota",
        [{"@type": RPC + "QuotaFailure", "violations": [violation]}],
    )
    error = mapped(exc)
    assert not error.retryable and "daily quota" in error.reason


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_server_errors_are_retried(code: int) -> None:
    error = mapped(api_error(code, "UNAVAILABLE", "The model is overloaded."))
    assert error.retryable and not error.rate_limited
    assert "server error" in error.reason and "overloaded" in error.reason


def test_invalid_key_is_permanent_and_says_where_to_fix_it() -> None:
    exc = api_error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        [{"@type": RPC + "ErrorInfo", "reason": "API_KEY_INVALID"}],
    )
    error = mapped(exc)
    assert not error.retryable
    assert error.reason.startswith("Gemini rejected the API key")
    assert "GEMINI_API_KEY" in error.reason


def test_permission_denied_and_bad_request_are_permanent() -> None:
    denied = mapped(api_error(403, "PERMISSION_DENIED", "The caller does not have permission"))
    assert not denied.retryable and "permission denied" in denied.reason
    bad = mapped(api_error(400, "INVALID_ARGUMENT", "Unsupported MIME type."))
    assert not bad.retryable and "Unsupported MIME type." in bad.reason


def test_file_not_yet_active_is_transient() -> None:
    exc = api_error(
        400,
        "FAILED_PRECONDITION",
        "The File abc is not in an ACTIVE state and usage is not allowed.",
    )
    assert mapped(exc).retryable


@pytest.mark.parametrize(
    "exc",
    [
        httpx2.ConnectError("connection refused"),
        httpx2.ReadTimeout("timed out"),
        httpx2.RemoteProtocolError("peer closed connection without sending complete message"),
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientPayloadError("Response payload is not completed"),
        TimeoutError(),
        ConnectionResetError(104, "Connection reset by peer"),
        OSError("network unreachable"),
    ],
)
def test_transport_failures_are_retried(exc: BaseException) -> None:
    error = mapped(exc)
    assert error.retryable
    assert error.reason.startswith("Connection to Gemini failed while analysing section 'Intro'")


def test_garbled_json_is_retried() -> None:
    assert mapped(json.JSONDecodeError("Expecting value", "{", 1)).retryable


def test_messages_never_carry_the_key() -> None:
    echo = f"GET https://g/v1beta/files?key={KEY}&pageSize=10 x-goog-api-key: {KEY}"
    for exc in (
        api_error(400, "INVALID_ARGUMENT", echo),
        api_error(503, "UNAVAILABLE", echo),
        httpx2.ConnectError(echo),
        RuntimeError(echo),
    ):
        reason = mapped(exc).reason
        assert KEY not in reason and "key=***" in reason
    assert scrub("key=AIzaSyOTHERKEY0123456789012345678901234") == "key=***"
    assert scrub("token AIzaSyOTHERKEY0123456789012345678901234 end") == "token *** end"


def test_schema_check_reports_what_is_wrong() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["n", "tags"],
    }
    assert check_schema({"n": 3, "tags": ["a"]}, schema) == []
    problems = check_schema({"n": "3", "tags": [1]}, schema)
    assert "$.n should be integer" in problems and "$.tags[0] should be string" in problems
    assert check_schema({"tags": []}, schema) == ["$.n is missing"]
    assert check_schema({"n": True, "tags": []}, schema) == ["$.n should be integer"]


def test_merge_fields_keeps_page_order() -> None:
    merged = merge_fields(
        [
            {"summary": "first", "facts": ["a"], "pages": 2},
            {"summary": "second", "facts": ["b", "c"], "pages": 1},
        ]
    )
    assert merged == {"summary": "first\n\nsecond", "facts": ["a", "b", "c"], "pages": 2}
