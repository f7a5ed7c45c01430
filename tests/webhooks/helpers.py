"""Test helpers: a loopback receiver (a client application), signed sandbox webhooks (a
gateway), and a Standard Webhooks check with the real ``standardwebhooks`` package."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from connector_service.sandbox import webhooks as sandbox_scheme
from tests.conftest import free_port

ENDPOINT_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_ENDPOINT_SECRET = "whsec_dGhpcyBpcyB0aGUgb2xkIHNlY3JldCEhIQ=="
SANDBOX_SECRET = "sandbox-test-webhook-secret"


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    at: float
    status: int  # what the receiver answered

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)


Behaviour = Callable[[int, "Delivery"], Awaitable[int]]


async def always_ok(n: int, d: Delivery) -> int:
    return 200


@dataclass
class Receiver:
    """A client application's webhook endpoint on loopback. ``behaviour(n, delivery)``
    decides the answer of the n-th request (0-based); it may sleep to be slow."""

    behaviour: Behaviour = always_ok
    port: int = field(default_factory=free_port)
    deliveries: list[Delivery] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hooks", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        d = Delivery({k.lower(): v for k, v in request.headers.items()}, body, time.time(), 0)
        n = len(self.deliveries)
        self.deliveries.append(d)
        d.status = await self.behaviour(n, d)
        return web.Response(status=d.status, text="ok")

    def accepted(self) -> list[Delivery]:
        return [d for d in self.deliveries if 200 <= d.status < 300]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                counts: dict[int, int] = {}
                for d in self.deliveries:
                    counts[d.status] = counts.get(d.status, 0) + 1
                raise AssertionError(f"timed out; deliveries by answer: {counts}")
            await asyncio.sleep(0.02)


def verify_standard(delivery: Delivery, secret: str = ENDPOINT_SECRET) -> Any:
    """What a client does with the official ``standardwebhooks`` package."""
    return Webhook(secret).verify(delivery.body, delivery.headers)


def sandbox_payment(pid: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "id": pid or f"sbp_{uuid.uuid4().hex[:24]}",
        "object": "payment",
        "amount": 1000,
        "currency": "EUR",
        "capture": True,
        "status": "captured",
        "amount_captured": 1000,
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034},
        **fields,
    }


def sandbox_event(
    obj: dict[str, Any],
    *,
    type: str = "payment.captured",
    event_id: str | None = None,
    account: str = "sandbox",
) -> bytes:
    event = {
        "id": event_id or f"sbevt_{uuid.uuid4().hex[:24]}",
        "type": type,
        "account": account,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def signed(body: bytes, secret: str = SANDBOX_SECRET, *, at: int | None = None) -> dict[str, str]:
    """Headers of a webhook the sandbox gateway signed."""
    stamp = int(time.time()) if at is None else at
    return {
        "Content-Type": "application/json",
        "Sandbox-Signature": sandbox_scheme.sign(secret, stamp, body),
    }


def _in_thread(coro: Coroutine[Any, Any, None]) -> None:
    # A fixture may be set up while an event loop runs: use a loop of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


@contextmanager
def pg_schema(base: str) -> Iterator[str]:
    """A DSN whose tables live in a fresh schema (dropped afterwards), so tests neither
    see each other's events nor leave any behind."""
    schema = "wh_" + uuid.uuid4().hex[:12]

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    _in_thread(run(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}search_path={schema}"
    finally:
        _in_thread(run(f"DROP SCHEMA {schema} CASCADE"))
