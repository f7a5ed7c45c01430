"""Safe failover, table-driven: for each way the first account can fail, does routing move
to the second one? Against real loopback sockets (tests/fakes/sandbox_http.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from connector_service import ConnectorService
from connector_service.domain.errors import ServiceError
from tests.conftest import free_port
from tests.fakes.sandbox_http import FakeGateway

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}
STOLEN = {**CARD, "number": "4000000000000002"}


def config(first_url: str, second_url: str, **rule: Any) -> dict[str, Any]:
    return {
        "accounts": [
            {"id": "first", "connector": "sandbox", "base_url": first_url,
             "timeout_seconds": 0.5, "connect_timeout_seconds": 0.5},
            {"id": "second", "connector": "sandbox", "base_url": second_url},
        ],
        "routing": {"default_profile": "main", "profiles": [{"name": "main", "rules": [
            {"name": "all", "accounts": ["first", "second"], **rule}]}]},
        "breaker": {"consecutive_failures": 100, "min_calls": 1000},
    }  # fmt: skip


@pytest.fixture
async def gateways() -> AsyncIterator[tuple[FakeGateway, FakeGateway]]:
    first, second = await FakeGateway().start(), await FakeGateway().start()
    yield first, second
    await first.stop()
    await second.stop()


# first account's behaviour -> (moves on?, final status or error code)
CASES = [
    ("ok", False, "captured"),
    ("unreachable", True, "captured"),
    ("unavailable", True, "captured"),
    ("rate_limited", True, "captured"),
    ("hang", False, "unresolved"),
    ("reset", False, "unresolved"),
    ("error_500", False, "unresolved"),
    ("soft_decline", True, "captured"),  # the rule below allows cascading soft declines
]


@pytest.mark.parametrize(("mode", "moves_on", "final"), CASES)
async def test_failover_table(
    gateways: tuple[FakeGateway, FakeGateway], mode: str, moves_on: bool, final: str
) -> None:
    first, second = gateways
    first_url = f"http://127.0.0.1:{free_port()}" if mode == "unreachable" else first.url
    first.mode = "ok" if mode == "unreachable" else mode
    async with ConnectorService(config(first_url, second.url, cascade_on_soft_decline=True)) as cs:
        payment = await cs.create_payment(
            {"amount": 1000, "currency": "EUR", "payment_method": CARD}
        )
    assert payment.status == final
    assert second.authorizations == (1 if moves_on else 0)
    assert payment.account == ("second" if moves_on else "first")
    assert payment.attempts[0].account == "first"
    assert len(payment.attempts) == (2 if moves_on else 1)
    if moves_on:
        assert payment.attempts[0].reason is not None
    assert payment.routing is not None and payment.routing.rule == "all"


async def test_soft_decline_does_not_cascade_unless_the_rule_says_so(
    gateways: tuple[FakeGateway, FakeGateway],
) -> None:
    first, second = gateways
    first.mode = "soft_decline"
    async with ConnectorService(config(first.url, second.url)) as cs:
        payment = await cs.create_payment(
            {"amount": 1000, "currency": "EUR", "payment_method": CARD}
        )
    assert payment.status == "failed" and payment.failure is not None
    assert payment.failure.category == "soft"
    assert second.authorizations == 0


async def test_hard_decline_never_cascades(gateways: tuple[FakeGateway, FakeGateway]) -> None:
    first, second = gateways
    async with ConnectorService(config(first.url, second.url, cascade_on_soft_decline=True)) as cs:
        payment = await cs.create_payment(
            {"amount": 1000, "currency": "EUR", "payment_method": STOLEN}
        )
    assert payment.status == "failed" and payment.failure is not None
    assert payment.failure.category == "hard"
    assert second.authorizations == 0


async def test_every_account_down_is_an_error_listing_the_attempts(
    gateways: tuple[FakeGateway, FakeGateway],
) -> None:
    first, second = gateways
    first.mode = second.mode = "unavailable"
    async with ConnectorService(config(first.url, second.url)) as cs:
        with pytest.raises(ServiceError) as err:
            await cs.create_payment({"amount": 1000, "currency": "EUR", "payment_method": CARD})
    assert err.value.code == "gateway_unavailable"
    assert [a.account for a in err.value.attempts or []] == ["first", "second"]


async def test_captures_voids_and_refunds_stay_on_the_payments_account(
    gateways: tuple[FakeGateway, FakeGateway],
) -> None:
    first, second = gateways
    async with ConnectorService(config(first.url, second.url)) as cs:
        payment = await cs.create_payment(
            {"amount": 1000, "currency": "EUR", "payment_method": CARD, "capture_method": "manual"}
        )
        assert payment.account == "first"
        first.mode = "unavailable"
        for call in (cs.capture(payment.id), cs.void(payment.id), cs.refund(payment.id)):
            with pytest.raises(ServiceError) as err:
                await call
            assert err.value.code == "gateway_unavailable"
        assert second.hits == 0


async def test_charged_then_timed_out_is_unresolved_then_settled_by_sync(
    gateways: tuple[FakeGateway, FakeGateway],
) -> None:
    first, second = gateways
    async with ConnectorService(config(first.url, second.url)) as cs:
        first.mode = "charge_then_hang"
        payment = await cs.create_payment(
            {"amount": 1000, "currency": "EUR", "payment_method": CARD, "reference": "ord-8"}
        )
        assert payment.status == "unresolved" and payment.pending_reason == "outcome_unknown"
        assert second.authorizations == 0  # never retried elsewhere
        first.mode = "ok"
        synced = await cs.get_payment(payment.id)
        assert synced.status == "captured"
        assert synced.connector_payment_id.startswith("sbp_")
        assert first.authorizations == 1  # the sync looked it up; nothing was charged twice


async def test_unresolved_payment_the_gateway_never_saw(
    gateways: tuple[FakeGateway, FakeGateway],
) -> None:
    first, second = gateways
    async with ConnectorService(config(first.url, second.url)) as cs:
        first.mode = "reset"  # the gateway takes the request... and the answer is lost
        payment = await cs.create_payment(
            {"amount": 1000, "currency": "EUR", "payment_method": CARD, "reference": "ord-9"}
        )
        assert payment.status == "unresolved"
        # the connection died before the sandbox processed it here: sync finds nothing yet
        first.mode = "ok"
        # A 404 on an id the service issued is never right: the payment stays unresolved.
        synced = await cs.get_payment(payment.id)
        assert synced.status == "unresolved" and synced.id == payment.id
        assert synced.pending_reason == "outcome_unknown"
        assert second.authorizations == 0


async def test_breaker_opens_skips_and_probes_back(
    gateways: tuple[FakeGateway, FakeGateway],
) -> None:
    first, second = gateways
    cfg = config(first.url, second.url)
    cfg["breaker"] = {"consecutive_failures": 2, "cool_down_seconds": 1.5}
    async with ConnectorService(cfg) as cs:
        first.mode = "unavailable"
        for _ in range(2):
            payment = await cs.create_payment(
                {"amount": 100, "currency": "EUR", "payment_method": CARD}
            )
            assert payment.account == "second"
        hits = first.hits
        payment = await cs.create_payment(
            {"amount": 100, "currency": "EUR", "payment_method": CARD}
        )
        assert payment.attempts[0].outcome == "skipped"
        assert payment.attempts[0].reason == "circuit_open"
        assert first.hits == hits  # not even tried
        states = {b.account: b.state for b in await cs.service.breaker_states(_admin())}
        assert states == {"first": "open", "second": "closed"}
        from prometheus_client import REGISTRY

        gauge = REGISTRY.get_sample_value("cs_circuit_breaker_state", {"account": "first"})
        assert gauge == 2
        await asyncio.sleep(1.55)  # the cool-down: long enough that the checks above fit in it
        first.mode = "ok"
        payment = await cs.create_payment(
            {"amount": 100, "currency": "EUR", "payment_method": CARD}
        )
        assert payment.account == "first"  # the half-open probe went through and succeeded
        states = {b.account: b.state for b in await cs.service.breaker_states(_admin())}
        assert states["first"] == "closed"


async def test_failed_probe_reopens(gateways: tuple[FakeGateway, FakeGateway]) -> None:
    first, second = gateways
    cfg = config(first.url, second.url)
    cfg["breaker"] = {"consecutive_failures": 1, "cool_down_seconds": 1.5}
    async with ConnectorService(cfg) as cs:
        first.mode = "unavailable"
        await cs.create_payment({"amount": 100, "currency": "EUR", "payment_method": CARD})
        await asyncio.sleep(1.55)
        payment = await cs.create_payment(
            {"amount": 100, "currency": "EUR", "payment_method": CARD}
        )
        assert payment.attempts[0].outcome == "failed"  # the probe
        payment = await cs.create_payment(
            {"amount": 100, "currency": "EUR", "payment_method": CARD}
        )
        assert payment.attempts[0].reason == "circuit_open"


def _admin() -> Any:
    from connector_service.config import Caller

    return Caller("ops", frozenset({"*"}), admin=True)


async def test_reconciler_settles_unresolved_payments(
    gateways: tuple[FakeGateway, FakeGateway],
) -> None:
    from connector_service.core.reconciler import NS

    first, second = gateways
    cfg = config(first.url, second.url)
    cfg["reconciler"] = {"enabled": False, "first_delay_seconds": 0}
    async with ConnectorService(cfg) as cs:
        first.mode = "charge_then_hang"
        payment = await cs.create_payment(
            {"amount": 700, "currency": "EUR", "payment_method": CARD, "reference": "rec-1"}
        )
        assert payment.status == "unresolved"
        storage = cs.runtime.storage
        assert [k for k, _ in await storage.scan(NS)] == [payment.id]
        first.mode = "unavailable"  # the gateway is down: the record stays, rescheduled
        assert await cs.runtime.reconciler.run_once() == 0
        assert len(await storage.scan(NS)) == 1
        first.mode = "ok"
        assert await cs.runtime.reconciler.run_once() == 0  # not due yet (back-off)
        cs.runtime.reconciler.schedule = (0.0, 0.0)
        await storage.update(NS, payment.id, _due_now)
        assert await cs.runtime.reconciler.run_once() == 1
        assert await storage.scan(NS) == []
        assert first.authorizations == 1 and second.authorizations == 0


def _due_now(old: bytes | None) -> bytes | None:
    import msgspec

    from connector_service.core.reconciler import Pending

    if old is None:
        return None
    record = msgspec.json.decode(old, type=Pending)
    record.next_at = 0
    return msgspec.json.encode(record)
