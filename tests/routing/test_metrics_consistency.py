"""The routing metrics mean what their names say: a breaker series exists for every
configured account from the start, and a failover is counted only when there was another
account to move to."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from connector_service import ConnectorService
from connector_service.domain.errors import ServiceError
from tests.conftest import free_port
from tests.fakes.sandbox_http import FakeGateway

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}


def _failovers(reason: str) -> float:
    return REGISTRY.get_sample_value("cs_routing_failovers_total", {"reason": reason}) or 0.0


@pytest.fixture
async def gateway() -> AsyncIterator[FakeGateway]:
    fake = await FakeGateway().start()
    yield fake
    await fake.stop()


async def test_breaker_series_exists_for_every_account_from_the_start() -> None:
    accounts = [
        {"id": "metrics-a", "connector": "sandbox"},
        {"id": "metrics-b", "connector": "sandbox"},
    ]
    async with ConnectorService({"accounts": accounts, "storage": {"url": "memory://"}}):
        for name in ("metrics-a", "metrics-b"):
            assert REGISTRY.get_sample_value("cs_circuit_breaker_state", {"account": name}) == 0


async def test_no_failover_counted_with_a_single_account(gateway: FakeGateway) -> None:
    gateway.mode = "unavailable"
    config = {
        "storage": {"url": "memory://"},
        "accounts": [{"id": "only", "connector": "sandbox", "base_url": gateway.url}],
        "routing": {"default_profile": "p", "profiles": [
            {"name": "p", "rules": [{"accounts": ["only"]}]}]},
    }  # fmt: skip
    before = _failovers("gateway_unavailable")
    async with ConnectorService(config) as cs:
        for _ in range(3):
            with pytest.raises(ServiceError):
                await cs.create_payment({"amount": 1000, "currency": "EUR", "payment_method": CARD})
    assert _failovers("gateway_unavailable") == before


async def test_a_real_failover_is_counted_once(gateway: FakeGateway) -> None:
    second = await FakeGateway().start()
    try:
        config = {
            "storage": {"url": "memory://"},
            "accounts": [
                {"id": "down", "connector": "sandbox",
                 "base_url": f"http://127.0.0.1:{free_port()}", "connect_timeout_seconds": 0.5},
                {"id": "up", "connector": "sandbox", "base_url": second.url},
            ],
            "routing": {"default_profile": "p", "profiles": [
                {"name": "p", "rules": [{"accounts": ["down", "up"]}]}]},
        }  # fmt: skip
        before = _failovers("gateway_unreachable")
        async with ConnectorService(config) as cs:
            payment = await cs.create_payment(
                {"amount": 1000, "currency": "EUR", "payment_method": CARD}
            )
        assert payment.account == "up"
        assert _failovers("gateway_unreachable") == before + 1
    finally:
        await second.stop()


async def test_unresolved_payments_gauge_counts_the_stored_records() -> None:
    from connector_service.core.unresolved import remember

    config = {"storage": {"url": "memory://"}, "reconciler": {"enabled": False}}
    async with ConnectorService(config) as cs:
        storage = cs.runtime.storage
        for pid in ("pay_unresolved_1", "pay_unresolved_2"):
            await remember(storage, pid, first_delay=3600)  # not due: stays unresolved
        await cs.runtime.reconciler.run_once()
        assert REGISTRY.get_sample_value("cs_unresolved_payments") == 2
