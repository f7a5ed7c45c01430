"""The sandbox gateway behind a real HTTP server on loopback, with failure injection.

The sandbox connector talks to it exactly as to a remote gateway (``base_url`` =
``http://127.0.0.1:<port>``), so routing, failover, breakers and the executor's error
classes can be tested against real sockets: refused connections, 503s, hangs, resets.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.executor.http import Timeouts
from connector_service.sandbox.gateway import SandboxGateway
from connector_service.storage.memory import MemoryStorage

MODES = ("ok", "unavailable", "rate_limited", "error_500", "hang", "reset", "soft_decline",
         "charge_then_hang")  # fmt: skip


@dataclass
class FakeGateway:
    mode: str = "ok"
    hits: int = 0
    authorizations: int = 0
    url: str = ""
    runner: web.AppRunner | None = None
    gateway: SandboxGateway = field(default_factory=lambda: SandboxGateway(MemoryStorage()))
    # Per-request failure injection for POSTs: mode -> probability (seeded, repeatable).
    chaos: dict[str, float] = field(default_factory=dict)
    seed: int = 7
    processed: dict[str, int] = field(default_factory=dict)  # authorizations per reference
    # Payment ids the gateway answered authorizations with: a replay (same idempotency
    # key) answers an id already here, a new charge a new one.
    charged: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        import random

        self._rng = random.Random(self.seed)

    def _mode_for(self, method: str) -> str:
        if method != "POST" or not self.chaos:
            return self.mode
        roll = self._rng.random()
        for mode, probability in self.chaos.items():
            if roll < probability:
                return mode
            roll -= probability
        return self.mode

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        body = await request.read()
        is_authorize = request.method == "POST" and request.path == "/v1/payments"
        mode = self._mode_for(request.method)
        if mode == "charge_then_hang" and not is_authorize:
            mode = "ok"
        if mode == "unavailable":
            return web.json_response({"error": {"code": "service_unavailable"}}, status=503)
        if mode == "rate_limited":
            return web.json_response({"error": {"code": "rate_limited"}}, status=429)
        if mode == "error_500":
            return web.json_response({"error": {"code": "internal"}}, status=500)
        if mode == "hang":
            await asyncio.sleep(30)
        if mode == "reset":
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if mode == "soft_decline" and is_authorize:
            self.authorizations += 1
            error = {"type": "card_error", "code": "card_declined",
                     "decline_code": "insufficient_funds", "message": "Insufficient funds.",
                     "advice_code": "02"}  # fmt: skip
            payment = {"id": "sbp_declined", "status": "declined", "amount": 1,
                       "decline": {"code": "insufficient_funds", "message": "Insufficient funds.",
                                   "advice_code": "02"}}  # fmt: skip
            return web.json_response({"error": error, "payment": payment}, status=402)
        if is_authorize:
            self.authorizations += 1
            reference = str(json.loads(body or b"{}").get("reference"))
            self.processed[reference] = self.processed.get(reference, 0) + 1
        headers = {k: v for k, v in request.headers.items() if k.lower() == "idempotency-key"}
        req = HttpRequest(request.method, f"sandbox://gateway{request.path_qs}", headers, body)
        response = await self.gateway.send(req, Timeouts(read=30))
        if is_authorize and response.status < 300:
            self.charged.add(str(json.loads(response.body).get("id")))
        if mode == "charge_then_hang" and is_authorize:
            await asyncio.sleep(30)  # charged; the answer never comes
        return web.Response(body=response.body, status=response.status,
                            content_type="application/json")  # fmt: skip

    async def charges_by_reference(self) -> dict[str, int]:
        """Payments in the sandbox ledger per reference: what was really charged (an
        authorize re-sent with the same idempotency key is replayed, not charged again)."""
        counts: dict[str, int] = {}
        for key, raw in await self.gateway.storage.scan("sandbox", limit=100_000):
            if not key.startswith("payment:"):
                continue
            reference = str(json.loads(raw).get("reference"))
            counts[reference] = counts.get(reference, 0) + 1
        return counts

    async def start(self) -> FakeGateway:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, handler_cancellation=True)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
