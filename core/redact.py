"""Credentials in URLs, masked before a URL reaches an export, the journal or a log.

``GEMINI_BASE_URL`` may name a proxy as ``https://user:password@proxy.example/``; the
transports send that as basic authentication, so it works, but the settings snapshot
(exports, the journal), the ledger's scope and the SDK's error messages would carry the
password verbatim. Every one of them passes through :func:`hide_url_credentials`.
"""

from __future__ import annotations

import re

MASK = "***"

#: ``scheme://userinfo@``: userinfo is anything up to the first ``@`` of the authority
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#\s@]+@")


def hide_url_credentials(text: str) -> str:
    """``text`` with the user and password of every URL in it replaced by ``***``."""
    return _USERINFO.sub(rf"\1{MASK}@", text)


def url_secrets(url: str | None) -> tuple[str, ...]:
    """The user information of ``url`` (``user:password``) and its password alone, for
    log filters that mask exact strings (a transport may log them apart from the URL)."""
    if not url:
        return ()
    match = _USERINFO.search(url)
    if match is None:
        return ()
    userinfo = url[match.end(1) : match.end() - 1]
    _, _, password = userinfo.partition(":")
    return tuple(secret for secret in (userinfo, password) if len(secret) >= 4)
