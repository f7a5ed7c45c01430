"""A loopback proxy between the service and a gateway fake that can lose one exchange.

It forwards every request to the fake unchanged. When *armed* for a request (method and
path), it handles the first matching one specially and disarms:

* ``lose_answer``: the request is forwarded and the fake processes it (the payment is
  made), then the client connection is closed without the answer — the gateway did it,
  the service cannot know. The service must answer ``unresolved``.
* ``drop_request``: the connection is closed after the request was read, without
  forwarding it — the service cannot tell this from the case above, but the gateway never
  saw the request (so a lookup finds nothing).

It speaks HTTP/1.1 on a TCP socket (aiohttp) so that it can tell one request from the
next on a kept-alive connection, which a byte-level proxy could not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

Mode = Literal["lose_answer", "drop_request"]
_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass
class LossyProxy:
    target: str  # the fake's base URL; its path is kept in ``url``
    url: str = ""
    armed: tuple[str, re.Pattern[str], Mode] | None = None
    armed_body: bytes | None = None
    forwarded: list[tuple[str, str]] = field(default_factory=list)
    lost: list[tuple[str, str, Mode]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    def arm(
        self, method: str, path: str, mode: Mode = "lose_answer", body: str | None = None
    ) -> None:
        """Lose the next ``method`` request whose path matches the regex ``path`` (and
        whose body contains ``body``, for a GraphQL API where every call is one path)."""
        self.armed = (method, re.compile(path), mode)
        self.armed_body = body.encode() if body is not None else None

    async def start(self) -> LossyProxy:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}{urlsplit(self.target).path}"
        self._session = aiohttp.ClientSession(auto_decompress=False)
        return self

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        mode: Mode | None = None
        if self.armed is not None:
            method, pattern, armed_mode = self.armed
            if (
                request.method == method
                and pattern.fullmatch(request.path)
                and (self.armed_body is None or self.armed_body in body)
            ):
                self.armed, mode = None, armed_mode
        if mode == "drop_request":
            self.lost.append((request.method, request.path, mode))
            return _hang_up(request)
        assert self._session is not None
        origin = urlsplit(self.target)
        url = f"{origin.scheme}://{origin.netloc}{request.path_qs}"
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with self._session.request(
            request.method, url, headers=headers, data=body or None, allow_redirects=False
        ) as answer:
            payload = await answer.read()
            self.forwarded.append((request.method, request.path))
            if mode == "lose_answer":  # the gateway did it; its answer never arrives
                self.lost.append((request.method, request.path, mode))
                return _hang_up(request)
            out_headers = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
            return web.Response(status=answer.status, body=payload, headers=out_headers)


def _hang_up(request: web.Request) -> web.Response:
    """Close the client's connection with no answer at all (what a reset looks like)."""
    assert request.transport is not None
    request.transport.close()
    return web.Response()
