"""Gemini's failures in the analyst's words, sorted into "try again" and "give up".

The SDK raises two unrelated families: ``google.genai.errors.APIError`` for an HTTP error
reply, and whatever its transport raises when the connection itself fails (httpx2 or
aiohttp, depending on what is installed, plus plain ``OSError``/``TimeoutError``). The
pipeline only understands :class:`core.errors.ProcessingError`, so every SDK call of the
Gemini backend goes through :func:`to_processing_error`. Every message built here passes
through :func:`scrub` because Gemini echoes request details and the key must never reach a
log line, an event or an export.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from core.errors import ProcessingError, permanent, rate_limited, transient
from core.redact import hide_url_credentials

_MAX_MESSAGE = 300

_KEY_QUERY = re.compile(r"(?i)([?&](?:key|api_key|apikey)=)[^&\s'\"#]+")
_KEY_HEADER = re.compile(r"(?i)((?:x-goog-api-key|authorization)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+")
#: Google API keys have a recognisable shape; scrub them even if they are not *our* key.
_GOOGLE_KEY = re.compile(r"AIza[0-9A-Za-z_\-]{30,}")
#: a user and password in a URL (a proxy's, as a transport error may quote it)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@:'\"]+:[^/\s@'\"]+@")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def scrub(text: object, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every secret, ``key=...`` query value and API-key header value masked."""
    out = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, "***")
    out = hide_url_credentials(out)
    out = _KEY_QUERY.sub(r"\1***", out)
    out = _KEY_HEADER.sub(r"\1***", out)
    out = _URL_USERINFO.sub(r"\1***@", out)
    return _GOOGLE_KEY.sub("***", out)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def parse_duration(value: object) -> float | None:
    """A protobuf Duration as JSON ("53s", "1.5s") in seconds; None if it is not one."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1))
    if isinstance(value, dict):  # {"seconds": 53, "nanos": 0}, as some clients render it
        seconds = float(value.get("seconds", 0) or 0)
        return seconds + float(value.get("nanos", 0) or 0) / 1e9
    return None


def _error_body(exc: Any) -> dict[str, Any]:
    details = getattr(exc, "details", None)
    if isinstance(details, list) and len(details) == 1:
        details = details[0]
    if isinstance(details, dict):
        inner = details.get("error", details)
        if isinstance(inner, dict):
            return inner
    return {}


def _detail_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("details")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def retry_delay(exc: Any) -> float | None:
    """The server's RetryInfo delay from an APIError body, else a Retry-After header."""
    for item in _detail_items(_error_body(exc)):
        if str(item.get("@type", "")).endswith("google.rpc.RetryInfo"):
            delay = parse_duration(item.get("retryDelay"))
            if delay is not None:
                return delay
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        try:
            value = headers.get("retry-after")
        except Exception:
            value = None
        if value:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _reasons(body: dict[str, Any]) -> set[str]:
    """ErrorInfo reasons such as API_KEY_INVALID, plus QuotaFailure quota ids."""
    found: set[str] = set()
    for item in _detail_items(body):
        kind = str(item.get("@type", ""))
        if kind.endswith("google.rpc.ErrorInfo") and item.get("reason"):
            found.add(str(item["reason"]))
        if kind.endswith("google.rpc.QuotaFailure"):
            for violation in item.get("violations") or []:
                if isinstance(violation, dict):
                    found.add(str(violation.get("quotaId", "")))
                    found.add(str(violation.get("quotaMetric", "")))
    return {reason for reason in found if reason}


def _api_error_classes() -> tuple[type[BaseException], ...]:
    try:
        from google.genai import errors
    except ImportError:  # pragma: no cover - the SDK is a dependency
        return ()
    return (errors.APIError,)


def _transport_error_classes() -> tuple[type[BaseException], ...]:
    """Connection-level exceptions of whichever HTTP stacks are installed."""
    classes: list[type[BaseException]] = [TimeoutError, ConnectionError, OSError, EOFError]
    for module_name, attr in (
        ("httpx2", "HTTPError"),
        ("httpx2", "StreamError"),
        ("httpx", "HTTPError"),
        ("httpx", "StreamError"),
        ("aiohttp", "ClientError"),
        ("anyio", "EndOfStream"),
        ("anyio", "BrokenResourceError"),
        ("anyio", "ClosedResourceError"),
    ):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        cls = getattr(module, attr, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            classes.append(cls)
    return tuple(classes)


_TRANSPORT: tuple[type[BaseException], ...] | None = None


def is_transport_error(exc: BaseException) -> bool:
    global _TRANSPORT
    if _TRANSPORT is None:
        _TRANSPORT = _transport_error_classes()
    return isinstance(exc, _TRANSPORT)


def is_gone(exc: BaseException) -> bool:
    """A delete or get that says the file no longer exists for us: 403 or 404.

    Gemini answers 403 for a file that expired (48 h) or belongs to another key, and 404
    for one already deleted; either way there is nothing left to remove.
    """
    return isinstance(exc, _api_error_classes()) and getattr(exc, "code", None) in (403, 404)


def is_refused(exc: BaseException) -> bool:
    """An HTTP 4xx reply (a bad key, a bad request, a rate limit): the server did what
    was asked no part of (an upload refused this way made no file)."""
    code = getattr(exc, "code", None)
    return isinstance(exc, _api_error_classes()) and isinstance(code, int) and 400 <= code < 500


def is_lost_upload_session(exc: BaseException) -> bool:
    """A 404 for the upload session itself (not for a file or a model).

    When a connection drops as the last chunk of a resumable upload goes out, the SDK
    posts the chunk again, and the server, which has ended that session, answers 404
    "Upload session ... not found". Nothing is wrong with the file or the request: a new
    upload (a new session) succeeds, so this is worth a retry of the upload stage.
    """
    if not isinstance(exc, _api_error_classes()) or getattr(exc, "code", None) != 404:
        return False
    message = str(getattr(exc, "message", None) or "").lower()
    url = str(getattr(getattr(exc, "response", None), "url", "") or "")
    return "session" in message or "upload_id=" in url


def to_processing_error(
    exc: BaseException,
    *,
    doing: str,
    secrets: Iterable[str | None] = (),
) -> ProcessingError:
    """Translate an SDK exception raised while ``doing`` (e.g. "uploading 'Intro'")."""
    secrets = tuple(secrets)
    if isinstance(exc, ProcessingError):
        exc.reason = scrub(exc.reason, secrets)
        exc.args = (exc.reason,)
        return exc
    if isinstance(exc, _api_error_classes()):
        return _from_api_error(exc, doing, secrets)
    if isinstance(exc, json.JSONDecodeError):
        return transient(f"Gemini sent an incomplete or garbled answer while {doing}")
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
        return permanent(f"Could not read the section's temporary PDF while {doing}: {exc}")
    if is_transport_error(exc):
        detail = scrub(_short(str(exc) or type(exc).__name__), secrets)
        if isinstance(exc, TimeoutError) and not str(exc):
            detail = "no answer in time"
        return transient(f"Connection to Gemini failed while {doing}: {detail}")
    if isinstance(exc, ValueError) and "upload status is not finalized" in str(exc):
        return transient(f"Gemini did not confirm the upload while {doing}")
    detail = scrub(_short(f"{type(exc).__name__}: {exc}"), secrets)
    return permanent(f"Unexpected error from the Gemini library while {doing}: {detail}")


def _from_api_error(exc: Any, doing: str, secrets: tuple[str | None, ...]) -> ProcessingError:
    code = int(getattr(exc, "code", 0) or 0)
    body = _error_body(exc)
    status = str(getattr(exc, "status", None) or body.get("status") or "").upper()
    raw_message = str(getattr(exc, "message", None) or body.get("message") or "").strip()
    message = scrub(_short(raw_message), secrets)
    said = f": {message}" if message else ""
    reasons = _reasons(body)
    lowered = raw_message.lower()

    if code == 429 or status == "RESOURCE_EXHAUSTED":
        delay = retry_delay(exc)
        if any("perday" in r.lower().replace("_", "") for r in reasons):
            return permanent(
                "Gemini's daily quota for this API key is used up (requests per day). "
                "Try again tomorrow, or use a key on a paid tier"
            )
        wait = f" (Gemini asked to wait {delay:g} s)" if delay else ""
        return rate_limited(f"Gemini's rate limit was reached while {doing}{wait}", delay)

    key_problem = (
        "API_KEY_INVALID" in reasons
        or "API_KEY_SERVICE_BLOCKED" in reasons
        or "api key not valid" in lowered
        or "api key expired" in lowered
        or code == 401
        or status == "UNAUTHENTICATED"
    )
    if key_problem:
        # every other section would be refused too: the run stops starting them
        return ProcessingError(
            "Gemini rejected the API key. Check GEMINI_API_KEY (or GOOGLE_API_KEY) in your "
            "settings or .env: it must be a valid key from Google AI Studio",
            retryable=False,
            stops_run="the API key was rejected",
        )
    if code == 403 or status == "PERMISSION_DENIED":
        # "...access the File x or it may not exist": one expired file, not the key
        about_a_file = "the file" in lowered
        return ProcessingError(
            f"Gemini refused access while {doing} (permission denied){said}. The API key may "
            "not be allowed to use this model or the Files API",
            retryable=False,
            stops_run=None if about_a_file else "the API key was refused access",
        )
    if status == "FAILED_PRECONDITION" and ("active" in lowered or "file" in lowered):
        return transient(f"The uploaded file was not ready yet while {doing}")
    if status == "FAILED_PRECONDITION":
        return permanent(f"Gemini cannot serve this request while {doing}{said}")
    if code == 404 or status == "NOT_FOUND":
        return permanent(f"Gemini could not find what was asked for while {doing}{said}")
    if code == 413:
        return permanent(f"The section is too large for Gemini while {doing}{said}")
    if code in (408, 409, 425, 499) or status in ("ABORTED", "CANCELLED", "DEADLINE_EXCEEDED"):
        return transient(f"Gemini did not finish the request while {doing}{said}")
    if code >= 500:
        label = f"{code} {status}".strip()
        return transient(f"Gemini had a server error ({label}) while {doing}{said}")
    if code == 400 or status == "INVALID_ARGUMENT":
        return permanent(f"Gemini could not accept the request while {doing}{said}")
    return permanent(f"Gemini answered with error {code} {status} while {doing}{said}".strip())
