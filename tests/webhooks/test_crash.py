"""Crash safety, proven on SQLite and PostgreSQL.

A loopback "gateway" streams signed webhooks into a real service process while a
loopback "client application" receives the deliveries (answering 500 now and then, or
too slowly for the service's timeout). The service is killed with SIGKILL at random
moments, three times, and restarted on the same database. The gateway retries what was
not acknowledged, like a real gateway. At the end:

* every event the gateway saw acknowledged is stored once and has been delivered at
  least once;
* every delivery verifies with the ``standardwebhooks`` package, and all deliveries of
  one event carry the same ``webhook-id`` and the same bytes, so the receiver can dedupe.

The random seed is printed in any failure message, so a failing run can be repeated
(``CS_CRASH_SEED``).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from connector_service.webhooks.events import event_id
from tests.conftest import ServiceProcess, start_service
from tests.webhooks.helpers import (
    ENDPOINT_SECRET,
    SANDBOX_SECRET,
    Delivery,
    Receiver,
    pg_schema,
    sandbox_event,
    sandbox_payment,
    signed,
    verify_standard,
)

N_EVENTS = 80
KILLS = 3
PACE_SECONDS = 0.06  # one new gateway webhook every 60 ms: the stream lasts ~5 s at least


def config(receiver_url: str) -> str:
    return f"""
[webhooks]
sandbox_events = "off"
retry_schedule_seconds = [0.2, 0.4, 0.8, {", ".join(["1.0"] * 30)}]
jitter = 0.2
timeout_seconds = 1.0
connect_timeout_seconds = 1.0
lease_seconds = 2.0
poll_interval_seconds = 0.1

[[accounts]]
id = "sandbox"
connector = "sandbox"
credentials = {{ webhook_secret = "{SANDBOX_SECRET}" }}

[[webhook_endpoints]]
id = "client"
url = "{receiver_url}"
secret = "{ENDPOINT_SECRET}"
"""


@pytest.fixture(params=["sqlite", "postgres"])
def storage_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield {}  # start_service's default: SQLite in the test's directory
        return
    with pg_schema(request.getfixturevalue("postgres_dsn")) as dsn:
        yield {"CS_STORAGE_URL": dsn}


async def test_sigkill_while_receiving_and_delivering_loses_nothing(
    tmp_path: Path, storage_env: dict[str, str]
) -> None:
    seed = int(os.environ.get("CS_CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    started = time.monotonic()

    async def flaky_client(n: int, d: Delivery) -> int:
        roll = rng.random()
        if roll < 0.10:
            return 500
        if roll < 0.14:
            await asyncio.sleep(1.3)  # beyond the service's 1 s timeout
        return 200

    receiver = await Receiver(behaviour=flaky_client).start()
    with ExitStack() as stack:
        services: list[ServiceProcess] = []

        async def boot() -> ServiceProcess:
            svc = await asyncio.to_thread(
                start_service, tmp_path, config(receiver.url), env=storage_env
            )
            stack.callback(svc.stop)
            services.append(svc)
            return svc

        current = await boot()
        acked: dict[str, float] = {}
        refused: list[int] = []
        kills: list[tuple[float, int]] = []  # (time, events acknowledged by then)

        async def gateway(i: int, http: aiohttp.ClientSession) -> None:
            await asyncio.sleep(i * PACE_SECONDS)
            gid = f"sbevt_crash_{i:03d}"
            body = sandbox_event(sandbox_payment(f"sbp_crash_{i:03d}"), event_id=gid)
            headers = signed(body)  # retries resend the very same bytes, like a gateway
            while True:
                url = f"{current.url}/v1/webhooks/sandbox/sandbox"
                try:
                    timeout = aiohttp.ClientTimeout(total=3)
                    async with http.post(url, data=body, headers=headers, timeout=timeout) as r:
                        if r.status == 200:
                            acked[gid] = time.monotonic()
                            return
                        refused.append(r.status)
                except (aiohttp.ClientError, TimeoutError):
                    pass  # the service is down or was killed mid-request: try again
                await asyncio.sleep(0.05)

        async def killer() -> None:
            nonlocal current
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(0.4, 1.4))
                current.proc.kill()  # SIGKILL: no shutdown code runs
                await asyncio.to_thread(current.proc.wait)
                kills.append((time.monotonic() - started, len(acked)))
                current = await boot()

        async with aiohttp.ClientSession() as http:
            await asyncio.gather(killer(), *(gateway(i, http) for i in range(N_EVENTS)))

        expected = {event_id("sandbox", "sandbox", gid) for gid in acked}

        def delivered() -> set[str]:
            return {d.webhook_id for d in receiver.accepted()}

        try:
            await receiver.wait_for(lambda: expected <= delivered(), within=30)
        finally:
            await receiver.stop()

        info = (
            f"seed={seed} kills={kills} acked={len(acked)} refused={refused} "
            f"deliveries={len(receiver.deliveries)} accepted={len(receiver.accepted())}"
        )
        assert len(acked) == N_EVENTS, info
        assert len(kills) == KILLS, info
        assert 0 < kills[0][1] < N_EVENTS, f"the first kill missed the stream: {info}"
        assert refused == [], info  # never a 4xx/5xx for a good webhook
        assert expected <= delivered(), f"missing {sorted(expected - delivered())}: {info}"
        # One stable id and one body per event, whatever the retries and restarts.
        per_id: dict[str, set[bytes]] = {}
        for d in receiver.deliveries:
            doc: dict[str, Any] = verify_standard(d)
            assert (
                d.webhook_id
                == doc["id"]
                == event_id("sandbox", "sandbox", doc["connector_event_id"])
            ), info
            per_id.setdefault(d.webhook_id, set()).add(d.body)
        assert all(len(bodies) == 1 for bodies in per_id.values()), info
        assert set(per_id) == expected, info
        # The store holds each acknowledged event exactly once.
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{current.url}/v1/admin/webhooks/events?limit=500") as resp,
        ):
            listed = (await resp.json())["data"]
        stored = [e["connector_event_id"] for e in listed]
        assert sorted(stored) == sorted(acked), info
        print(info)
