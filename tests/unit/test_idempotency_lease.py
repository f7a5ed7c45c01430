"""Idempotency leases follow the account's timeouts, a take-over of an expired claim is
reported, and on a gateway without idempotency a taken-over request is never re-sent."""

from __future__ import annotations

import asyncio
import dataclasses

import msgspec

from connector_service.config import Caller, load_config
from connector_service.connectors.sandbox import SandboxConnector
from connector_service.core import idempotency
from connector_service.core.context import RequestContext
from connector_service.core.idempotency import IdempotencyStore, lease_for, request_lease
from connector_service.domain import api
from connector_service.domain.codec import dec_hook
from connector_service.domain.status import PaymentStatus
from connector_service.executor.http import Timeouts
from connector_service.runtime import Runtime
from connector_service.sandbox.gateway import NS
from connector_service.storage.memory import MemoryStorage

CALLER = Caller(id="shop", accounts=frozenset({"*"}))


def test_the_lease_covers_every_call_with_its_retries_and_a_margin() -> None:
    # 3 calls x (connect 1 s x 3 attempts + read 2 s) + 2 s margin
    assert lease_for(1.0, 2.0) == 3 * (3 * 1.0 + 2.0) + 2.0
    assert lease_for(0.5, 2.0) < 20  # a fast account: a crash costs seconds, not 120 s
    assert lease_for(5.0, 30.0) > 120  # the defaults: 120 s could expire mid-flight


def test_the_lease_is_the_named_accounts_else_the_slowest() -> None:
    config = load_config(
        data={
            "storage": {"url": "memory://"},
            "accounts": [
                {"id": "fast", "connector": "sandbox", "timeout_seconds": 1,
                 "connect_timeout_seconds": 0.5},
                {"id": "slow", "connector": "sandbox", "timeout_seconds": 40,
                 "connect_timeout_seconds": 2},
            ],
        }
    )  # fmt: skip
    default = Timeouts(connect=1, read=5)
    assert request_lease(config.accounts, default, "fast") == lease_for(0.5, 1)
    assert request_lease(config.accounts, default, None) == lease_for(2, 40)
    assert request_lease(config.accounts, default, "unknown") == lease_for(2, 40)
    assert request_lease(config.accounts, default, request_credentials=True) == lease_for(1, 5)
    assert request_lease({}, default) == lease_for(1, 5)


async def test_a_claim_reports_taking_over_an_expired_one() -> None:
    store = IdempotencyStore(MemoryStorage())
    first = await store.claim("shop", "k1", "fp", lease_seconds=0.05)
    assert first.replay is None and not first.took_over
    await asyncio.sleep(0.1)  # the first attempt died; its lease runs out
    second = await store.claim("shop", "k1", "fp", lease_seconds=30)
    assert second.replay is None and second.took_over
    await store.finish("shop", "k1", "fp", 201, b"{}")
    third = await store.claim("shop", "k1", "fp")
    assert third.replay is not None and not third.took_over
    assert await store.begin("shop", "k1", "fp") == third.replay  # begin is unchanged


class _NoIdempotencySandbox(SandboxConnector):
    """The sandbox as a gateway that has no idempotency key (like some plug-ins)."""

    meta = dataclasses.replace(SandboxConnector.meta, idempotency="none")


def _payment() -> api.PaymentCreate:
    return msgspec.convert(
        {"amount": 1500, "currency": "EUR", "account": "plain",
         "payment_method": {"type": "card", "number": "4242424242424242", "exp_month": 3,
                            "exp_year": 2040, "cvc": "123"}},
        api.PaymentCreate,
        dec_hook=dec_hook,
    )  # fmt: skip


async def test_a_taken_over_payment_on_a_gateway_without_idempotency_is_unresolved() -> None:
    config = load_config(
        data={
            "storage": {"url": "memory://"},
            "reconciler": {"enabled": False},
            "accounts": [{"id": "plain", "connector": "sandbox"}],
        }
    )
    storage = MemoryStorage()
    runtime = Runtime(config, storage=storage, connectors={"sandbox": _NoIdempotencySandbox()})
    await runtime.start()
    try:
        token = idempotency.RESUMED.set(True)
        try:
            resumed = await runtime.service.create_payment(RequestContext(CALLER), _payment())
        finally:
            idempotency.RESUMED.reset(token)
        assert resumed.status is PaymentStatus.UNRESOLVED
        ledger = [k for k, _ in await storage.scan(NS, 100) if k.startswith("payment:")]
        assert ledger == []  # never re-sent
        fresh = await runtime.service.create_payment(RequestContext(CALLER), _payment())
        assert fresh.status is PaymentStatus.CAPTURED  # a fresh request runs as usual
    finally:
        await runtime.stop()
