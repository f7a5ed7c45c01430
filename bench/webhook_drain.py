"""Bench scenario: how fast a backlog of webhook deliveries drains.

Queues N deliveries in the outbox (SQLite or PostgreSQL), starts one delivery worker (the
service's own ``DeliveryWorker`` with the default ``[webhooks]`` settings) against a fast
receiver on loopback, and times the drain. Also times ingest of the same N events
(``WebhookStore.record`` in batches of one, as the receive path writes them) so the bench
can print the drain ÷ ingest ratio measured in one run.

    python bench/webhook_drain.py --events 20000 [--postgres DSN] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from aiohttp import web

from connector_service.config import WebhookEndpoint, WebhooksConfig
from connector_service.domain.secret import Secret
from connector_service.storage.factory import open_outbox, open_storage
from connector_service.storage.outbox import NewEvent
from connector_service.webhooks.delivery import DeliveryWorker

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # bench-only, not a credential


async def _receiver() -> tuple[web.AppRunner, str, list[int]]:
    seen = [0]

    async def ok(request: web.Request) -> web.Response:
        await request.read()
        seen[0] += 1
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", ok)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/hook", seen


async def run(url: str, events: int) -> dict[str, float]:
    storage = open_storage(url)
    await storage.open()
    outbox = open_outbox(storage)
    runner, hook, seen = await _receiver()
    endpoint = WebhookEndpoint("shop", hook, [Secret(SECRET)], frozenset({"*"}), frozenset({"*"}))
    tag = uuid.uuid4().hex[:8]
    payload = json.dumps({"type": "payment.succeeded", "data": {"id": "pay_x" * 8}}).encode()
    t0 = time.perf_counter()
    for i in range(events):
        ev = NewEvent(f"evt_{tag}_{i}", "sandbox", "sb", f"c{i}", "payment.succeeded", payload,
                      ("shop",))  # fmt: skip
        await outbox.record([ev], time.time())
    ingest = time.perf_counter() - t0
    worker = DeliveryWorker(outbox, {"shop": endpoint}, WebhooksConfig())
    t1, c1 = time.perf_counter(), time.process_time()
    await worker.start()
    while seen[0] < events:
        await asyncio.sleep(0.01)
        if time.perf_counter() - t1 > 600:
            break
    await worker.drain()
    drain, cpu = time.perf_counter() - t1, time.process_time() - c1
    await worker.stop()
    stats = await outbox.stats()
    pending = sum(s.pending for s in stats.values())
    await runner.cleanup()
    await storage.close()
    return {
        "events": events,
        "delivered": seen[0],
        "pending_after": pending,
        "ingest_per_s": round(events / ingest, 1),
        "drain_per_s": round(seen[0] / drain, 1),
        "drain_seconds": round(drain, 3),
        "drain_cpu_seconds": round(cpu, 3),  # worker + receiver: one process
        "ratio": round((seen[0] / drain) / (events / ingest), 2),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--postgres", default=None, help="a DSN: use PostgreSQL instead of SQLite")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = a.postgres or f"sqlite:///{Path(tmp) / 'drain.db'}"
        out = asyncio.run(run(url, a.events))
    out["storage"] = "postgresql" if a.postgres else "sqlite"
    print(json.dumps(out) if a.json else out)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
