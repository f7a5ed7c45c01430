"""A small synchronous REST client of the service, what any client application does.

Synchronous on purpose: the conformance suite must run in any pytest set-up (no event
loop plugin assumed); the fakes serve from their own thread.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

__all__ = ["Api"]


class Api:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, decoded JSON body or the text, lower-cased headers)."""
        hdrs = dict(headers or {})
        data = raw
        if data is None and body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(  # noqa: S310 (the service on loopback)
            self.url + path, data=data, method=method, headers=hdrs
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310
                status, payload, got = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            status, payload, got = err.code, err.read(), err.headers
        try:
            decoded: Any = json.loads(payload) if payload else None
        except ValueError:
            decoded = payload.decode(errors="replace")
        return status, decoded, {k.lower(): v for k, v in got.items()}

    def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        status, data, _ = self.call(method, path, body, **kw)
        assert status < 300, (method, path, status, data)
        assert isinstance(data, dict), data
        return data
