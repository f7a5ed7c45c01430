"""Disputes end to end on each gateway's loopback fake, in-process (library mode).

Per gateway: a payment is disputed at the fake (Stripe's and the sandbox's test card
4000000000000259; the others open one on the payment, as their sandboxes do from the
dashboard), and then the service reads it, lists it, answers it with evidence and
accepts another, every request validated against the gateway's published spec by the
fake (a violation is a 400 there, failing the test). The gateway's own dispute webhook
about it, signed its way and translated by the receiver, carries the very dispute id
``get_dispute`` answers, and the payment's API id.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connector_service.core.context import RequestContext
from connector_service.domain import api
from connector_service.domain.errors import ServiceError
from connector_service.library import _LOCAL, ConnectorService
from connector_service.testing.fakes.checkout import open_checkout_dispute
from tests.fakes.adyen import notification as adyen_notification
from tests.webhooks.gateways import Gateway, gateway, service

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")


@dataclass
class Case:
    """How a gateway's dispute is opened at its fake and announced by its webhook."""

    connector: str
    card: str
    currency: str
    open: Callable[[Gateway, api.Payment], Awaitable[None]]
    webhook: Callable[[Gateway, api.Dispute], bytes]
    # Evidence the gateway takes (and how its fake decides: "winning_evidence").
    evidence: list[dict[str, Any]]
    decided: str  # the status GET answers after the winning evidence


async def _nothing(gw: Gateway, payment: api.Payment) -> None:
    """The test card opens the dispute by itself."""


def _stripe_webhook(gw: Gateway, d: api.Dispute) -> bytes:
    obj = gw.fake.disputes[d.connector_dispute_id]
    event = {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2023-08-16",
             "created": int(time.time()), "livemode": False, "type": "charge.dispute.created",
             "data": {"object": obj}, "pending_webhooks": 1,
             "request": {"id": None, "idempotency_key": None}}  # fmt: skip
    return json.dumps(event).encode()


async def _checkout_open(gw: Gateway, payment: api.Payment) -> None:
    open_checkout_dispute(gw.fake, payment.connector_payment_id)


def _checkout_webhook(gw: Gateway, d: api.Dispute) -> bytes:
    raw = json.loads((FIXTURES / "checkout" / "webhook_dispute_evidence_required.json").read_text())
    obj = gw.fake.disputes[d.connector_dispute_id]
    raw["data"] |= {"id": obj["id"], "payment_id": obj["payment"]["id"],
                    "amount": obj["amount"], "currency": obj["currency"]}  # fmt: skip
    return json.dumps(raw).encode()


async def _paypal_open(gw: Gateway, payment: api.Payment) -> None:
    [capture_id] = gw.fake.orders[payment.connector_payment_id]["captures"]
    gw.fake.open_dispute(capture_id)


def _paypal_webhook(gw: Gateway, d: api.Dispute) -> bytes:
    raw = json.loads((FIXTURES / "paypal" / "webhook_dispute_created.json").read_text())
    raw["id"] = f"WH-{uuid.uuid4().hex[:24].upper()}"
    raw["resource"] = gw.fake._dispute_view(gw.fake.disputes[d.connector_dispute_id])
    return json.dumps(raw).encode()


CASES: dict[str, Case] = {
    "stripe": Case(
        "stripe", "4000000000000259", "EUR", _nothing, _stripe_webhook,
        [{"type": "product_description", "text": "A red bicycle, delivered 2 May"},
         {"type": "uncategorized", "text": "winning_evidence"},
         {"type": "receipt", "file": b"%PDF-1.4 receipt", "file_name": "receipt.pdf",
          "content_type": "application/pdf"}],
        "won",
    ),
    "checkout": Case(
        "checkout", "4242424242424242", "EUR", _checkout_open, _checkout_webhook,
        [{"type": "shipping_documentation", "text": "DHL 1234567890, delivered 2 May"},
         {"type": "uncategorized", "text": "winning_evidence"},
         {"type": "receipt", "file": b"%PDF-1.4 invoice", "file_name": "invoice.pdf",
          "content_type": "application/pdf"}],
        "won",
    ),
    "paypal": Case(
        "paypal", "4111111111111111", "USD", _paypal_open, _paypal_webhook,
        [{"type": "shipping_documentation", "text": "UPS 1Z999, delivered 2 May"},
         {"type": "uncategorized", "text": "winning_evidence"},
         {"type": "receipt", "file": b"%PDF-1.4 receipt", "file_name": "receipt.pdf",
          "content_type": "application/pdf"}],
        "won",
    ),
}  # fmt: skip


@pytest.fixture(params=sorted(CASES))
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    case = CASES[request.param]
    async with gateway(case.connector) as gw:
        cs = service(tmp_path, gw.account)
        async with cs:
            yield case, gw, cs


async def _disputed(case: Case, gw: Gateway, cs: ConnectorService) -> api.Dispute:
    payment = await cs.create_payment({
        "amount": 2500, "currency": case.currency, "account": case.connector,
        "payment_method": {"type": "card", "number": case.card, "exp_month": 12,
                           "exp_year": 2034, "cvc": "737"},
    })  # fmt: skip
    assert payment.status in ("captured", "processing"), payment
    await case.open(gw, payment)
    page = await cs.list_disputes(case.connector, limit=100)
    [dispute] = [d for d in page.data if d.payment_id == payment.id]
    assert dispute.connector_payment_id == payment.connector_payment_id
    return dispute


async def test_read_list_evidence_and_accept(world: Any) -> None:
    case, gw, cs = world
    dispute = await _disputed(case, gw, cs)
    got = await cs.get_dispute(dispute.id)
    assert got.id == dispute.id and got.status == "needs_response"
    assert (got.amount, got.currency) == (2500, case.currency)
    assert got.reason != "other" and got.connector_reason
    answered = await cs.submit_dispute_evidence(dispute.id, {"evidence": case.evidence})
    assert answered.id == dispute.id
    assert answered.status == "under_review" and answered.evidence_submitted
    assert (await cs.get_dispute(dispute.id)).status == case.decided

    other = await _disputed(case, gw, cs)
    accepted = await cs.accept_dispute(other.id)
    assert accepted.id == other.id and accepted.status == "accepted"
    assert (await cs.get_dispute(other.id)).status == "accepted"
    with pytest.raises(ServiceError) as exc:
        await cs.accept_dispute(other.id)
    assert exc.value.code == "dispute_not_open"


async def test_the_webhook_names_the_dispute_by_its_api_id(world: Any) -> None:
    case, gw, cs = world
    dispute = await _disputed(case, gw, cs)
    body = case.webhook(gw, dispute)
    rc = RequestContext(_LOCAL)
    _, events = await cs.runtime.webhooks.receiver.translate(
        rc, case.connector, case.connector, gw.sign(body), body
    )
    [event] = [e for e in events if e.data.dispute is not None]
    assert event.data.dispute.id == dispute.id
    assert event.data.dispute.payment_id == dispute.payment_id
    assert event.type.startswith("dispute.")


async def test_adyen_disputes_come_from_its_webhooks(tmp_path: Path) -> None:
    """Adyen's Dispute API has no read and no list: the dispute is known from its
    NOTIFICATION_OF_CHARGEBACK, GET answers what that told (under the same id), and
    accepting goes to acceptDispute (validated against DisputeService-v30.json)."""
    async with gateway("adyen") as gw:
        cs = service(tmp_path, gw.account)
        async with cs:
            payment = await cs.create_payment({
                "amount": 2500, "currency": "EUR", "account": "adyen",
                "payment_method": {"type": "card", "number": "4111111145551142",
                                   "exp_month": 3, "exp_year": 2030, "cvc": "737"},
            })  # fmt: skip
            item = gw.fake.open_dispute(payment.connector_payment_id)
            body = adyen_notification(item)
            reply = await cs.runtime.webhooks.receiver.receive("adyen", "adyen", {}, body)
            assert 200 <= reply.status < 300
            stored = [json.loads(e.payload)
                      for e in await cs.runtime.webhooks.store.list_events(limit=100)]  # fmt: skip
            [event] = [e for e in stored if e["type"] == "dispute.opened"]
            did = event["data"]["dispute"]["id"]
            got = await cs.get_dispute(did)
            assert got.id == did and got.payment_id == payment.id
            assert got.status == "needs_response" and got.reason == "fraudulent"
            assert (got.amount, got.currency, got.connector_reason) == (2500, "EUR", "10.4")
            for call in (cs.list_disputes("adyen"), cs.submit_dispute_evidence(
                    did, {"evidence": [{"type": "uncategorized", "text": "x"}]})):  # fmt: skip
                with pytest.raises(ServiceError) as exc:
                    await call
                assert exc.value.code == "not_supported"
            accepted = await cs.accept_dispute(did)
            assert accepted.id == did and accepted.status == "accepted"
            assert (await cs.get_dispute(did)).status == "accepted"
            assert gw.fake.disputes[item["pspReference"]]["status"] == "Accepted"
