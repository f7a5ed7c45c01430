"""The customer's browser at a fake's 3-D Secure page: follow it to the return URL."""

from __future__ import annotations

import http.client
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["visit"]


def visit(url: str, query: dict[str, str], method: str = "GET") -> tuple[int, dict[str, str]]:
    """Request ``url`` (loopback) with ``query`` added; (status, redirect's query params)."""
    parts = urlsplit(url)
    sep = "&" if parts.query else ""
    path = f"{parts.path}?{parts.query}{sep}{urlencode(query)}"
    conn = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        conn.request(method, path)
        answer = conn.getresponse()
        answer.read()
        location = answer.getheader("Location") or ""
    finally:
        conn.close()
    return answer.status, dict(parse_qsl(urlsplit(location).query))
