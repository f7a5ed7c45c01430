"""Idempotency-Key: one gateway call per key, whatever the concurrency, on one instance
and across several instances sharing PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import aiohttp
import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, start_service
from tests.server.client import Api, card

CONFIG = f"""
[idempotency]
wait_seconds = {{wait}}

[[accounts]]
id = "sandbox"
connector = "sandbox"

[[callers]]
id = "shop-a"
key_sha256 = "{hash_key("key-a")}"

[[callers]]
id = "shop-b"
key_sha256 = "{hash_key("key-b")}"
"""

BODY: dict[str, Any] = {"amount": 4321, "currency": "EUR", "payment_method": card()}


@pytest.fixture(scope="module")
def waiting(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = start_service(tmp_path_factory.mktemp("idem-wait"), CONFIG.replace("{wait}", "15"))
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def eager(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = start_service(tmp_path_factory.mktemp("idem-eager"), CONFIG.replace("{wait}", "0"))
    yield svc
    svc.stop()


async def gateway_calls(url: str, outcome: str | None = None) -> float:
    """Authorize calls the service made to the sandbox gateway, from its own metrics."""
    async with aiohttp.ClientSession() as http, http.get(url + "/metrics") as resp:
        text = await resp.text()
    total = 0.0
    pattern = (
        r'cs_gateway_calls_total\{connector="sandbox",flow="authorize",outcome="([^"]+)"\} (\S+)'
    )
    for found, value in re.findall(pattern, text):
        if outcome is None or found == outcome:
            total += float(value)
    return total


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}


async def test_same_key_same_body_replays(eager: ServiceProcess) -> None:
    api = Api(eager.url, "key-a")
    headers = key()
    before = await gateway_calls(eager.url)
    s1, first, h1 = await api.call("POST", "/v1/payments", BODY, headers=headers)
    s2, second, h2 = await api.call("POST", "/v1/payments", BODY, headers=headers)
    assert s1 == s2 == 201
    assert first == second
    assert "idempotent-replayed" not in h1 and h2["idempotent-replayed"] == "true"
    assert await gateway_calls(eager.url) == before + 1


async def test_same_key_other_body_is_409(eager: ServiceProcess) -> None:
    api = Api(eager.url, "key-a")
    headers = key()
    await api.ok("POST", "/v1/payments", BODY, headers=headers)
    status, err, _ = await api.call("POST", "/v1/payments", {**BODY, "amount": 1}, headers=headers)
    assert status == 409
    assert err["error"]["code"] == "idempotency_key_reused"
    assert err["error"]["field"] == "Idempotency-Key"


async def test_keys_belong_to_their_caller(eager: ServiceProcess) -> None:
    headers = key()
    a = await Api(eager.url, "key-a").ok("POST", "/v1/payments", BODY, headers=headers)
    b = await Api(eager.url, "key-b").ok("POST", "/v1/payments", BODY, headers=headers)
    assert a["id"] != b["id"]


async def test_in_flight_duplicate_is_409_without_a_second_call(eager: ServiceProcess) -> None:
    api = Api(eager.url, "key-a")
    headers = key()
    slow = {**BODY, "payment_method": card("4000000000001000")}  # the gateway takes 1.5 s
    before = await gateway_calls(eager.url)
    first = asyncio.create_task(api.call("POST", "/v1/payments", slow, headers=headers))
    await asyncio.sleep(0.3)
    status, err, _ = await api.call("POST", "/v1/payments", slow, headers=headers)
    assert status == 409 and err["error"]["code"] == "idempotency_request_in_progress"
    s1, done, _ = await first
    assert s1 == 201 and done["status"] == "captured"
    assert await gateway_calls(eager.url) == before + 1
    status, replay, headers_out = await api.call("POST", "/v1/payments", slow, headers=headers)
    assert replay == done and headers_out["idempotent-replayed"] == "true"


async def test_unavailable_gateway_releases_the_key(eager: ServiceProcess) -> None:
    api = Api(eager.url, "key-a")
    headers = key()
    down = {**BODY, "payment_method": card("4000000000000119")}
    before = await gateway_calls(eager.url, "5xx")
    for _ in range(2):
        status, _, out = await api.call("POST", "/v1/payments", down, headers=headers)
        assert status == 503 and "idempotent-replayed" not in out
    assert await gateway_calls(eager.url, "5xx") == before + 2  # retried for real: nothing happened


async def test_fifty_parallel_identical_requests_make_one_gateway_call(
    waiting: ServiceProcess,
) -> None:
    api = Api(waiting.url, "key-a")
    headers = key()
    before = await gateway_calls(waiting.url)
    results = await asyncio.gather(
        *(api.call("POST", "/v1/payments", BODY, headers=headers) for _ in range(50))
    )
    assert {status for status, _, _ in results} == {201}
    assert len({doc["id"] for _, doc, _ in results}) == 1
    replays = sum(1 for _, _, h in results if h.get("idempotent-replayed") == "true")
    assert replays == 49
    assert await gateway_calls(waiting.url) == before + 1


async def test_three_instances_on_postgres_make_one_gateway_call(
    postgres_dsn: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("idem-pg")
    env = {"CS_STORAGE_URL": postgres_dsn, "CS_ID_KEY": "shared-id-key"}
    config = CONFIG.replace("{wait}", "15")
    instances = [start_service(tmp, config, env=env) for _ in range(3)]
    try:
        apis = [Api(svc.url, "key-a") for svc in instances]
        headers = key()
        before = sum([await gateway_calls(svc.url) for svc in instances])
        results = await asyncio.gather(
            *(apis[i % 3].call("POST", "/v1/payments", BODY, headers=headers) for i in range(60))
        )
        errors = [doc for status, doc, _ in results if status != 201]
        assert errors == []
        assert len({doc["id"] for _, doc, _ in results}) == 1
        after = sum([await gateway_calls(svc.url) for svc in instances])
        assert after == before + 1
        # and any instance can serve the payment afterwards
        pid = results[0][1]["id"]
        for api in apis:
            assert (await api.ok("GET", f"/v1/payments/{pid}"))["status"] == "captured"
    finally:
        for svc in instances:
            svc.stop()
