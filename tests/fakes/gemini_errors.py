"""Google API error bodies exactly as Gemini sends them.

The SDK turns them into ``google.genai.errors.APIError`` with ``.code``, ``.status``,
``.message`` and ``.details`` (= the whole body), so code under test that reads RetryInfo or
ErrorInfo must see the real structure, not a simplified one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

_TYPE = "type.googleapis.com/google.rpc."


@dataclass
class ApiError:
    """An HTTP error reply: status code plus the Google JSON body."""

    code: int
    status: str
    message: str
    details: list[JsonDict] = field(default_factory=list)

    def body(self) -> JsonDict:
        error: JsonDict = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def format_duration(seconds: float) -> str:
    """protobuf Duration JSON: ``"2s"``, ``"1.5s"``, ``"0.25s"``."""
    text = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


def round_up(seconds: float, step: float) -> float:
    """Round a retry delay up to ``step`` so the client never retries before the slot frees."""
    if step <= 0:
        return seconds
    return round(math.ceil(seconds / step - 1e-9) * step, 3)


def generic(code: int, message: str | None = None) -> ApiError:
    status = STATUS_NAMES.get(code, "UNKNOWN")
    return ApiError(code, status, message or f"Injected error {code} {status}.")


def quota_exceeded(retry_delay_s: float | None, model: str, limit: int | None = None) -> ApiError:
    """429 as the free tier sends it: QuotaFailure, Help and (optionally) RetryInfo."""
    message = (
        "You exceeded your current quota, please check your plan and billing details. "
        "For more information on this error, head to: "
        "https://ai.google.dev/gemini-api/docs/rate-limits."
    )
    violation: JsonDict = {
        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
        "quotaDimensions": {"location": "global", "model": model},
    }
    if limit is not None:
        violation["quotaValue"] = str(limit)
    details: list[JsonDict] = [
        {"@type": _TYPE + "QuotaFailure", "violations": [violation]},
        {
            "@type": _TYPE + "Help",
            "links": [
                {
                    "description": "Learn more about Gemini API quotas",
                    "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                }
            ],
        },
    ]
    if retry_delay_s is not None:
        message += f" Please retry in {retry_delay_s:.3f}s."
        details.append({"@type": _TYPE + "RetryInfo", "retryDelay": format_duration(retry_delay_s)})
    return ApiError(429, "RESOURCE_EXHAUSTED", message, details)


def api_key_invalid() -> ApiError:
    message = "API key not valid. Please pass a valid API key."
    return ApiError(
        400,
        "INVALID_ARGUMENT",
        message,
        [
            {
                "@type": _TYPE + "ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {"@type": _TYPE + "LocalizedMessage", "locale": "en-US", "message": message},
        ],
    )


def internal() -> ApiError:
    return ApiError(
        500,
        "INTERNAL",
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting",
    )


def unavailable() -> ApiError:
    return ApiError(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")


def invalid_argument(message: str = "Request contains an invalid argument.") -> ApiError:
    return ApiError(400, "INVALID_ARGUMENT", message)


def forbidden(message: str = "The caller does not have permission") -> ApiError:
    return ApiError(403, "PERMISSION_DENIED", message)


def file_not_found(file_id: str) -> ApiError:
    """Real Gemini answers 403 (not 404) for a missing, expired or foreign file."""
    return forbidden(
        f"You do not have permission to access the File {file_id} or it may not exist."
    )


def file_not_active(file_id: str) -> ApiError:
    return ApiError(
        400,
        "FAILED_PRECONDITION",
        f"The File {file_id} is not in an ACTIVE state and usage is not allowed.",
    )


def not_found(path: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"Method not found: {path}")


def unauthenticated() -> ApiError:
    """401 as Vertex sends it for a request without valid credentials."""
    return ApiError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token.",
    )
