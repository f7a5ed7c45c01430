"""The customer's browser at a 3-D Secure page: follow it to the return URL."""

from __future__ import annotations

import http.client
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["visit"]


def visit(
    url: str,
    query: dict[str, str],
    method: str = "GET",
    *,
    form: dict[str, str] | None = None,
) -> tuple[int, dict[str, str]]:
    """Request ``url`` (loopback) with ``query`` added (and ``form`` as a form body, what
    pressing a page's button sends); (status, the redirect's query params)."""
    parts = urlsplit(url)
    sep = "&" if parts.query and query else ""
    path = f"{parts.path}?{parts.query}{sep}{urlencode(query)}"
    body = urlencode(form).encode() if form is not None else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
    if form is not None:  # a page's form posts from the page's own origin
        headers["Origin"] = f"{parts.scheme}://{parts.netloc}"
    conn = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
        location = answer.getheader("Location") or ""
    finally:
        conn.close()
    return answer.status, dict(parse_qsl(urlsplit(location).query))
