"""A crash must never charge twice.

Three instances share one PostgreSQL schema and the in-process sandbox gateway (whose
ledger lives in the same database, so killing an instance kills "the gateway's" request
too, between any two of its writes). Clients send sandbox payments with slow and
charge-then-never-answer cards and retry every key against the instances that are up
until they get a final answer; meanwhile one instance at a time is SIGKILLed while it has
requests in flight, and restarted. Afterwards every key has at most one charge in the
sandbox ledger (read from storage), and every key's answer agrees with the ledger.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import msgspec
import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, start_service
from tests.server.client import card
from tests.webhooks.helpers import pg_schema

KEYS = 72
MAX_KEYS = 400  # with the stream that keeps requests in flight until the last kill
KILLS = 3
SLOW, TIMEOUT, OK, DECLINE = (
    "4000000000001000", "4000000000005555", "4242424242424242", "4000000000000002"
)  # fmt: skip
API_KEY = "kill-test-key"
# Short account timeouts make short leases (core/idempotency.py lease_for): a request
# cut off by a kill is taken over within seconds. The read timeout exceeds the slow
# card's 1.5 s, so only the charge-then-silence card times out.
CONFIG = f"""
[reconciler]
enabled = false

[breaker]
enabled = false

[webhooks]
sandbox_events = "off"

[[accounts]]
id = "sandbox"
connector = "sandbox"
timeout_seconds = 2.5
connect_timeout_seconds = 0.2

[[callers]]
id = "shop"
key_sha256 = "{hash_key(API_KEY)}"
"""
FINAL = {201, 402}


@pytest.fixture
def schema_dsn(postgres_dsn: str) -> Iterator[str]:
    with pg_schema(postgres_dsn) as dsn:
        yield dsn


async def _ledger(dsn: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT value FROM kv WHERE ns = 'sandbox' AND key LIKE 'payment:%'"
        )
    finally:
        await conn.close()
    return [msgspec.json.decode(bytes(r["value"])) for r in rows]


async def test_sigkill_of_instances_never_charges_twice(tmp_path: Path, schema_dsn: str) -> None:
    rng = random.Random(int(time.time()))
    # Instances behind one load balancer share one public URL (it is part of what the
    # service sends the gateway, so it must not differ between a request's attempts).
    env = {"CS_STORAGE_URL": schema_dsn, "CS_ID_KEY": "kill-test-id-key",
           "CS_PUBLIC_URL": "http://127.0.0.1:8080"}  # fmt: skip
    run = uuid.uuid4().hex[:8]
    numbers = [SLOW, SLOW, TIMEOUT, OK, DECLINE, SLOW]
    plan = {f"kill-{run}-{i:03d}": numbers[i % len(numbers)] for i in range(KEYS)}
    with ExitStack() as stack:

        def boot(index: int) -> ServiceProcess:
            svc = start_service(tmp_path / f"i{index}", CONFIG, env=env)
            stack.callback(svc.stop)
            return svc

        for index in range(3):
            (tmp_path / f"i{index}").mkdir()
        instances: list[ServiceProcess] = list(
            await asyncio.gather(*(asyncio.to_thread(boot, i) for i in range(3)))
        )
        up = [True, True, True]
        in_flight = [0, 0, 0]
        answers: dict[str, tuple[int, dict[str, Any]]] = {}
        last: dict[str, Any] = {}  # the latest non-final answer per key, for the report
        kills: list[int] = []
        headers = {"Authorization": f"Bearer {API_KEY}"}

        async def client(
            key: str, number: str, http: aiohttp.ClientSession, start_within: float = 6
        ) -> None:
            await asyncio.sleep(rng.uniform(0, start_within))  # a stream, not one burst
            body = {"amount": 1000 + len(answers), "currency": "EUR",
                    "payment_method": card(number), "reference": key}  # fmt: skip
            attempt = rng.randrange(3)
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                attempt += 1
                index = attempt % 3
                if not up[index]:
                    continue
                in_flight[index] += 1
                try:
                    async with http.post(
                        instances[index].url + "/v1/payments",
                        json=body,
                        headers={**headers, "Idempotency-Key": key},
                        timeout=aiohttp.ClientTimeout(total=10),
                    ) as resp:
                        doc = await resp.json(content_type=None)
                        if resp.status in FINAL:
                            answers[key] = (resp.status, doc)
                            return
                        last[key] = (resp.status, doc.get("error", {}).get("code"))
                except (aiohttp.ClientError, TimeoutError):
                    pass  # killed mid-request, or down: another instance, same key
                finally:
                    in_flight[index] -= 1
                await asyncio.sleep(0.25)  # 409 in progress (until the lease ends), 5xx

        killed = asyncio.Event()
        more: list[asyncio.Task[None]] = []

        async def stream(http: aiohttp.ClientSession) -> None:
            """More keys, one every 0.25 s after the first ones, until the last kill: on
            a loaded machine restarts are slow, and every kill must find requests in
            flight (checked below) however long the earlier ones took."""
            await asyncio.sleep(6)
            i = KEYS
            while not killed.is_set() and i < MAX_KEYS:
                key, number = f"kill-{run}-{i:03d}", numbers[i % len(numbers)]
                plan[key] = number
                more.append(asyncio.create_task(client(key, number, http, start_within=0)))
                i += 1
                await asyncio.sleep(0.25)

        async def killer() -> None:
            try:
                await kill_each()
            finally:
                killed.set()

        async def kill_each() -> None:
            for n in range(KILLS):
                victim = n % 3
                await asyncio.sleep(rng.uniform(0.5, 1.5))  # somewhere inside requests
                for _ in range(1000):  # until it has requests in flight
                    if in_flight[victim]:
                        break
                    await asyncio.sleep(0.02)
                up[victim] = False
                kills.append(in_flight[victim])
                instances[victim].proc.kill()  # SIGKILL: no shutdown code runs
                await asyncio.to_thread(instances[victim].proc.wait)
                instances[victim] = await asyncio.to_thread(boot, victim)
                up[victim] = True

        async with aiohttp.ClientSession() as http:
            first = [client(k, n, http) for k, n in plan.items()]
            await asyncio.gather(killer(), stream(http), *first)
            await asyncio.gather(*more)

            # Unresolved answers (the charge-then-silence card) are settled by a sync.
            synced: dict[str, dict[str, Any]] = {}
            for key, (_, doc) in answers.items():
                if doc.get("status") == "unresolved":
                    async with http.get(
                        f"{instances[0].url}/v1/payments/{doc['id']}", headers=headers
                    ) as resp:
                        synced[key] = await resp.json(content_type=None)

    ledger = await _ledger(schema_dsn)
    by_key: dict[str, list[dict[str, Any]]] = {}
    for payment in ledger:
        if str(payment.get("reference", "")).startswith(f"kill-{run}-"):
            by_key.setdefault(payment["reference"], []).append(payment)

    info = f"kills (requests in flight at each)={kills} answers={len(answers)}/{len(plan)}"
    missing = {k: (plan[k], last.get(k)) for k in set(plan) - set(answers)}
    assert not missing, f"keys without a final answer (last answer): {missing}; {info}"
    assert len(kills) == KILLS and all(kills), info
    doubles = {k: [p["id"] for p in v] for k, v in by_key.items() if len(v) > 1}
    assert doubles == {}, f"charged twice: {doubles}; {info}"
    for key, number in plan.items():
        status, doc = answers[key]
        [charge] = by_key.get(key) or [None]
        assert charge is not None, f"{key}: answered {status} but the gateway has no charge"
        if number == DECLINE:
            assert status == 402 or doc.get("status") == "failed", (key, doc)
            assert charge["status"] == "declined"
            continue
        final = synced.get(key, doc)
        assert final["status"] == "captured", (key, doc, final)
        assert final["connector_payment_id"] == charge["id"], (key, final, charge)
        assert charge["status"] == "captured"
