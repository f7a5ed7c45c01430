"""Three service instances on loopback share one PostgreSQL; a mock gateway injects
failures. A mixed workload with duplicate-key retries sent to different instances must
end with no double charge, no double refund, no lost idempotency record, and every
payment's final state equal to the gateway's."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, start_service
from tests.fakes.sandbox_http import FakeGateway
from tests.server.client import Api, card

STATUS = {"captured": "captured", "partially_captured": "partially_captured",
          "authorized": "authorized", "voided": "voided", "declined": "failed"}  # fmt: skip


def config(gateway_url: str) -> str:
    return f"""
[idempotency]
wait_seconds = 5

[reconciler]
enabled = false

[breaker]
enabled = false

[[accounts]]
id = "main"
connector = "sandbox"
base_url = "{gateway_url}"
timeout_seconds = 1.0

[[callers]]
id = "shop"
key_sha256 = "{hash_key("shop-key")}"
"""


async def send(
    apis: list[Api], method: str, path: str, body: Any, key: str | None, tries: int = 6
) -> tuple[int, dict[str, Any]]:
    """A well-behaved client: retries 503/409-in-progress with the same key, round-robin."""
    headers = {"Idempotency-Key": key} if key else {}
    status, doc = 0, {}
    for attempt in range(tries):
        api = apis[attempt % len(apis)]
        status, doc, _ = await api.call(method, path, body, headers=headers)
        retry = status == 503 or (
            status == 409 and doc.get("error", {}).get("code") == "idempotency_request_in_progress"
        )
        if not retry:
            return status, doc
        await asyncio.sleep(0.05)
    return status, doc


@pytest.fixture
async def cluster(postgres_dsn: str, tmp_path: Path) -> Any:
    gateway = await FakeGateway(chaos={"unavailable": 0.15, "charge_then_hang": 0.08}).start()
    # Instances behind one load balancer share their public URL (it is in gateway requests:
    # a retry landing on another instance must send the gateway the very same body).
    env = {"CS_STORAGE_URL": postgres_dsn, "CS_ID_KEY": "cluster-key",
           "CS_PUBLIC_URL": "http://127.0.0.1:8080"}  # fmt: skip
    instances: list[ServiceProcess] = []
    try:
        instances = [start_service(tmp_path, config(gateway.url), env=env) for _ in range(3)]
        yield gateway, [Api(svc.url, "shop-key") for svc in instances]
    finally:
        for svc in instances:
            svc.stop()
        await gateway.stop()


async def test_mixed_workload_across_three_instances(cluster: Any) -> None:
    gateway, apis = cluster
    run = uuid.uuid4().hex[:8]
    rotate = itertools.count()

    def rotated() -> list[Api]:
        start = next(rotate) % 3
        return apis[start:] + apis[:start]

    # 1. 30 payments, each sent twice at once (a client retry racing the first try)
    async def pay(i: int) -> list[tuple[int, dict[str, Any]]]:
        body = {"amount": 1000 + i, "currency": "EUR", "payment_method": card(),
                "capture_method": "manual", "reference": f"{run}-{i}"}  # fmt: skip
        key = f"{run}-pay-{i}"
        return list(
            await asyncio.gather(
                *(send(rotated(), "POST", "/v1/payments", body, key) for _ in range(2))
            )
        )

    paid = await asyncio.gather(*(pay(i) for i in range(30)))
    payments: dict[str, dict[str, Any]] = {}
    for pair in paid:
        (s1, d1), (s2, d2) = pair
        assert s1 == s2 == 201, pair
        assert d1["id"] == d2["id"]  # the same answer for the same key, from any instance
        payments[d1["id"]] = d1
    assert len(payments) == 30

    # no double charge: each reference is one payment in the gateway's ledger (a retry of an
    # unresolved create re-sends it with the same gateway key: replayed, never re-charged)
    charged = await gateway.charges_by_reference()
    mine = {ref: n for ref, n in charged.items() if ref.startswith(run)}
    assert mine and all(n == 1 for n in mine.values()), mine

    # 2. settle the unresolved ones by sync (a retry with the same key re-asks the same
    # account with the same gateway key and may already have settled some)
    for pid, doc in payments.items():
        if doc["status"] == "unresolved":
            status, synced = await send(rotated(), "GET", f"/v1/payments/{pid}", None, None)
            assert status == 200 and synced["status"] == "authorized", synced
            payments[pid] = synced
    assert {d["status"] for d in payments.values()} == {"authorized"}

    # 3. capture each (partial for half), refund some twice with the same key
    refunds: dict[str, set[str]] = {}

    async def settle(n: int, pid: str) -> None:
        amount = payments[pid]["amount"] - (100 if n % 2 else 0)
        status, doc = await send(rotated(), "POST", f"/v1/payments/{pid}/capture",
                                 {"amount": amount}, f"{run}-cap-{n}")  # fmt: skip
        assert status == 200, doc
        if n % 3 == 0:
            key = f"{run}-ref-{n}"
            both = await asyncio.gather(*(
                send(rotated(), "POST", f"/v1/payments/{pid}/refunds", {"amount": 300}, key)
                for _ in range(2)
            ))  # fmt: skip
            assert {s for s, _ in both} == {201}, both
            refunds[pid] = {d["id"] for _, d in both}

    await asyncio.gather(*(settle(n, pid) for n, pid in enumerate(payments)))
    assert all(len(ids) == 1 for ids in refunds.values())  # one refund per key

    # 4. every payment's state, read through any instance, equals the gateway's ledger
    ledger = {}
    for (ns, key), (value, _) in gateway.gateway.storage._data.items():  # type: ignore[attr-defined]
        if ns == "sandbox" and key.startswith("payment:"):
            record = msgspec.json.decode(value)
            ledger[record["id"]] = record
    for pid in payments:
        status, doc = await send(rotated(), "GET", f"/v1/payments/{pid}", None, None)
        assert status == 200
        record = ledger[doc["connector_payment_id"]]
        assert doc["status"] == STATUS[record["status"]]
        assert doc["amount_captured"] == record["amount_captured"]
        expected_refunded = 300 if pid in refunds else 0
        assert record["amount_refunded"] == expected_refunded  # no double refund
