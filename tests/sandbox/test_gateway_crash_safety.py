"""The sandbox gateway's idempotency: no card data in its records, and a re-sent request
never charges twice, even when the first attempt died between the charge and its answer."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.executor.http import OutcomeUnknown, Timeouts
from connector_service.sandbox.gateway import NS, SandboxGateway
from connector_service.storage.base import Storage
from connector_service.storage.memory import MemoryStorage

PAN = "4000000000005555"  # the sandbox's charge-then-never-answer card
CVC = "8317"


def _request(key: str, body: dict[str, Any], timeout: float | None = None) -> HttpRequest:
    return HttpRequest(
        "POST",
        "sandbox://gateway/v1/payments",
        {"Content-Type": "application/json", "Idempotency-Key": key},
        msgspec.json.encode(body),
        timeout=timeout,
    )


def _body(number: str = PAN, amount: int = 1200) -> dict[str, Any]:
    card = {"number": number, "exp_month": 7, "exp_year": 2041, "cvc": CVC}
    reference = f"ref-{amount}-{number[-4:]}"
    return {"amount": amount, "currency": "EUR", "card": card, "reference": reference}


async def _payments(storage: Storage) -> list[dict[str, Any]]:
    rows = await storage.scan(NS, limit=1000)
    return [msgspec.json.decode(v) for k, v in rows if k.startswith("payment:")]


async def test_the_idempotency_record_holds_a_keyed_hash_not_the_request() -> None:
    storage = MemoryStorage()
    gateway = SandboxGateway(storage, fingerprint_key=b"k1")
    response = await gateway.send(_request("key-1", _body("4242424242424242")), Timeouts())
    assert response.status == 200
    stored = await storage.get(NS + ":idem", "key-1")
    assert stored is not None
    record = msgspec.json.decode(stored)
    assert b"4242424242424242" not in stored and CVC not in stored.decode()
    assert b'"number"' not in stored and b'"cvc"' not in stored  # no raw card input
    # the fingerprint is a keyed hash: another key gives another fingerprint
    other = SandboxGateway(MemoryStorage(), fingerprint_key=b"k2")
    path = "v1/payments"
    body = _body("4242424242424242")
    assert record["fingerprint"] == gateway.fingerprint("POST", path, body)
    assert record["fingerprint"] != other.fingerprint("POST", path, body)
    # canonical: key order does not change it
    reordered = dict(reversed(list(body.items())))
    assert gateway.fingerprint("POST", path, reordered) == record["fingerprint"]


async def test_same_key_other_body_is_still_refused() -> None:
    gateway = SandboxGateway(MemoryStorage(), fingerprint_key=b"k")
    first = await gateway.send(_request("key-2", _body("4242424242424242")), Timeouts())
    second = await gateway.send(
        _request("key-2", _body("4242424242424242", amount=999)), Timeouts()
    )
    assert first.status == 200 and second.status == 400
    assert msgspec.json.decode(second.body)["error"]["code"] == "idempotency_key_reused"


async def test_a_resent_request_after_charge_then_silence_finds_the_first_charge() -> None:
    """The first attempt charges and never answers (its process may as well have died);
    the re-send with the same key answers with that charge instead of charging again."""
    storage = MemoryStorage()
    gateway = SandboxGateway(storage, fingerprint_key=b"k")
    with pytest.raises(OutcomeUnknown):
        await gateway.send(_request("key-3", _body(), timeout=0.3), Timeouts())
    [charged] = await _payments(storage)
    again = await gateway.send(_request("key-3", _body(), timeout=5), Timeouts())
    assert again.status == 200
    assert msgspec.json.decode(again.body)["id"] == charged["id"]
    assert [p["id"] for p in await _payments(storage)] == [charged["id"]]


async def test_a_resent_request_after_a_kill_before_the_charge_charges_once() -> None:
    """Killed after the claim and before the charge: nothing was charged, so the re-send
    charges, exactly once, under the id the claim reserved."""
    storage = MemoryStorage()
    gateway = SandboxGateway(storage, fingerprint_key=b"k")
    slow = _body("4000000000001000")  # the slow card: sleeps before charging
    task = asyncio.ensure_future(gateway.send(_request("key-4", slow, timeout=10), Timeouts()))
    for _ in range(500):  # until the claim is written (the card then sleeps 1.5 s)
        if await storage.get(NS + ":idem", "key-4") is not None:
            break
        await asyncio.sleep(0.01)
    task.cancel()  # the process dies mid-request
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _payments(storage) == []
    first = await gateway.send(_request("key-4", slow, timeout=10), Timeouts())
    second = await gateway.send(_request("key-4", slow, timeout=10), Timeouts())
    assert first.status == second.status == 200
    assert msgspec.json.decode(first.body)["id"] == msgspec.json.decode(second.body)["id"]
    assert len(await _payments(storage)) == 1


async def test_concurrent_resumed_attempts_commit_one_charge() -> None:
    storage = MemoryStorage()
    gateway = SandboxGateway(storage, fingerprint_key=b"k")
    slow = _body("4000000000001000")
    answers = await asyncio.gather(
        *(gateway.send(_request("key-5", slow, timeout=10), Timeouts()) for _ in range(4))
    )
    ids = {msgspec.json.decode(a.body)["id"] for a in answers}
    assert len(ids) == 1 and len(await _payments(storage)) == 1


async def test_a_resent_refund_refunds_once() -> None:
    storage = MemoryStorage()
    gateway = SandboxGateway(storage, fingerprint_key=b"k")
    paid = await gateway.send(_request("pay-6", _body("4242424242424242")), Timeouts())
    pid = msgspec.json.decode(paid.body)["id"]
    refund = HttpRequest(
        "POST",
        f"sandbox://gateway/v1/payments/{pid}/refunds",
        {"Idempotency-Key": "refund-6"},
        msgspec.json.encode({"amount": 500}),
    )
    first = await gateway.send(refund, Timeouts())
    # the answer was lost (as if the process died before storing it): forget it
    raw = await storage.get(NS + ":idem", "refund-6")
    assert raw is not None
    record = msgspec.json.decode(raw)
    await storage.put(NS + ":idem", "refund-6", msgspec.json.encode(
        {"fingerprint": record["fingerprint"], "token": record["token"]}
    ))  # fmt: skip
    second = await gateway.send(refund, Timeouts())
    assert first.status == second.status == 200
    assert msgspec.json.decode(first.body)["id"] == msgspec.json.decode(second.body)["id"]
    [payment] = await _payments(storage)
    assert payment["amount_refunded"] == 500
