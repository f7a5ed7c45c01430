"""A retry of an ``unresolved`` create over REST (same Idempotency-Key, same body) asks the
*same* account again with the same gateway idempotency key — never another account, even
when routing would fail over — and answers the settled payment under the first answer's
id. Real service process, two loopback sandbox gateways (tests/fakes/sandbox_http.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.conftest import ServiceProcess, start_service
from tests.fakes.sandbox_http import FakeGateway
from tests.server.client import Api, card


def config(first_url: str, second_url: str) -> str:
    return f"""
[reconciler]
enabled = false

[[accounts]]
id = "first"
connector = "sandbox"
base_url = "{first_url}"
timeout_seconds = 0.5
connect_timeout_seconds = 0.5

[[accounts]]
id = "second"
connector = "sandbox"
base_url = "{second_url}"

[routing]
default_profile = "main"

[[routing.profiles]]
name = "main"

[[routing.profiles.rules]]
name = "all"
accounts = ["first", "second"]
"""


@pytest.fixture
async def gateways() -> AsyncIterator[tuple[FakeGateway, FakeGateway]]:
    first, second = await FakeGateway().start(), await FakeGateway().start()
    yield first, second
    await first.stop()
    await second.stop()


@pytest.fixture
def service(tmp_path: Path, gateways: tuple[FakeGateway, FakeGateway]) -> Iterator[ServiceProcess]:
    first, second = gateways
    svc = start_service(tmp_path, config(first.url, second.url))
    yield svc
    svc.stop()


async def test_the_retry_re_asks_the_same_account_and_settles_under_the_same_id(
    gateways: tuple[FakeGateway, FakeGateway], service: ServiceProcess
) -> None:
    first, second = gateways
    api = Api(service.url)
    body = {"amount": 1200, "currency": "EUR", "payment_method": card()}
    headers = {"Idempotency-Key": f"order-{uuid.uuid4().hex[:8]}"}

    first.mode = "charge_then_hang"  # the first account charges; its answer never comes
    status, created, _ = await api.call("POST", "/v1/payments", body, headers=headers)
    assert status == 201 and created["status"] == "unresolved", created
    assert created["account"] == "first" and len(first.charged) == 1

    # The first account now says it is unavailable: routing would fail over for a new
    # payment, but this one may exist there — it stays unresolved, second is not asked.
    first.mode = "unavailable"
    status, still, _ = await api.call("POST", "/v1/payments", body, headers=headers)
    assert status == 201 and still["status"] == "unresolved", still
    assert still["id"] == created["id"] and still["account"] == "first"
    assert second.authorizations == 0

    first.mode = "ok"
    status, settled, _ = await api.call("POST", "/v1/payments", body, headers=headers)
    assert status == 201, settled
    assert settled["id"] == created["id"] and settled["status"] == "captured", settled
    assert settled["connector_payment_id"] and settled["account"] == "first"
    assert len(first.charged) == 1  # replayed by the gateway, not charged again
    assert second.authorizations == 0

    # From now on the record holds the settled answer; sync agrees, under the same id.
    status, replay, replay_headers = await api.call("POST", "/v1/payments", body, headers=headers)
    assert status == 201 and replay["status"] == "captured" and replay["id"] == created["id"]
    assert replay_headers.get("idempotent-replayed") == "true"
    synced = await api.ok("GET", f"/v1/payments/{created['id']}")
    assert synced["id"] == created["id"] and synced["status"] == "captured"
    assert len(first.charged) == 1 and second.authorizations == 0
