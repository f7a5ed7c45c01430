"""Drive the Starlette app in-process, over plain ASGI: no sockets, no extra client
library. ``running(config, ...)`` runs the app's lifespan (so the runtime starts and
stops exactly as under uvicorn) and yields a client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette

from connector_service.config import Config, load_config
from connector_service.runtime import Runtime
from connector_service.server.app import create_app
from tests.grpc.client import Grpc

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034,
        "cvc": "123"}  # fmt: skip


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class AsgiClient:
    def __init__(self, app: Starlette, key: str | None = None) -> None:
        self.app = app
        self.key = key

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        """``raw`` sends those bytes as the body, as they are (``body`` is JSON-encoded)."""
        if raw is None:
            raw = b"" if body is None else json.dumps(body).encode()
        hdrs = {"content-type": "application/json", **(headers or {})}
        if self.key:
            hdrs.setdefault("authorization", f"Bearer {self.key}")
        path, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in hdrs.items()]
            + [(b"content-length", str(len(raw)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8080),
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return {"type": "http.disconnect"}

        status = 0
        out_headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                out_headers.update(
                    (k.decode().lower(), v.decode()) for k, v in message.get("headers", [])
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return Reply(status, out_headers, b"".join(chunks))

    async def pay(self, headers: dict[str, str] | None = None, **fields: Any) -> Reply:
        body = {"amount": 1000, "currency": "EUR", "payment_method": CARD, **fields}
        return await self.request("POST", "/v1/payments", body, headers=headers)


def config(extra: dict[str, Any] | None = None) -> Config:
    data: dict[str, Any] = {
        "storage": {"url": "memory://"},
        "reconciler": {"enabled": False},
        "webhooks": {"deliver": False},
        **(extra or {}),
    }
    return load_config(data=data)


@asynccontextmanager
async def running(
    cfg: Config, runtime: Runtime | None = None, key: str | None = None
) -> AsyncIterator[AsgiClient]:
    app = create_app(cfg, runtime)
    async with app.router.lifespan_context(app):
        yield AsgiClient(app, key)


@asynccontextmanager
async def running_both(
    cfg: Config, runtime: Runtime | None = None, key: str | None = None
) -> AsyncIterator[tuple[AsgiClient, Grpc]]:
    """The REST app (in-process ASGI) and a real gRPC server on a loopback port, sharing
    one runtime, as ``connector-service serve`` runs them."""
    from connector_service.server.grpc_server import GrpcServer

    rt = runtime or Runtime(cfg)
    async with running(cfg, rt, key) as rest:
        server = await GrpcServer.start(rt, host="127.0.0.1", port=0, reflection_enabled=False)
        client = Grpc(f"127.0.0.1:{server.port}", key)
        try:
            yield rest, client
        finally:
            await client.close()
            await server.stop(0)
