"""One id everywhere: every webhook event about an object carries the id the API gave it.

For each connector, the API flows run against the gateway's loopback fake (payment with
manual capture, capture, refund, mandate). Then, for every webhook event type the
connector parses (its event tables), a signed webhook is built about those very objects —
from the fake's own objects or the gateway's documented payload shapes (fixtures), signed
with the gateway's real scheme — and received through the service's receive pipeline. The
stored event must name the payment, refund, mandate and dispute's payment by the ids the
API returned. Each case is named ``connector-event_type``.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest
import pytest_asyncio

import connector_service.testing.fakes.authorizenet as authorizenet_fake
from connector_service.connectors import adyen as adyen_mod
from connector_service.connectors import authorizenet as authorizenet_mod
from connector_service.connectors import braintree as braintree_mod
from connector_service.connectors import checkout as checkout_mod
from connector_service.connectors import cybersource as cybersource_mod
from connector_service.connectors import paypal as paypal_mod
from connector_service.connectors import paystack as paystack_mod
from connector_service.connectors import rapyd as rapyd_mod
from connector_service.connectors import razorpay as razorpay_mod
from connector_service.connectors import sandbox as sandbox_mod
from connector_service.connectors import square as square_mod
from connector_service.connectors import stripe as stripe_mod
from connector_service.connectors import xendit as xendit_mod
from connector_service.connectors.base import HttpRequest
from connector_service.executor.http import Timeouts
from connector_service.library import ConnectorService
from connector_service.testing.fakes.braintree import sign_notification
from connector_service.testing.fakes.cybersource import notification as cybersource_notification
from tests.fakes.adyen import notification
from tests.webhooks.gateways import (
    CONNECTORS,
    MANDATE_NEEDS,
    PAYMENT_NEEDS,
    Gateway,
    gateway,
    service,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore:Unsupported scheme type"),
]

FIXTURES = Path(__file__).resolve().parents[1] / "connectors" / "fixtures"
CARDS = {
    "stripe": ("4242424242424242", "314"),
    "adyen": ("4111111145551142", "737"),
    "checkout": ("4242424242424242", "7319"),
    "paypal": ("4111111111111111", "739"),
    "paystack": ("4084084084084081", "408"),
    "rapyd": ("4111111111111111", "123"),
    "square": ("4111111111111111", "111"),  # paid as its Sandbox token (TOKENS)
    "braintree": ("4111111111111111", "123"),
    "razorpay": ("4111111111111111", "123"),
    "authorizenet": ("4111111111111111", "123"),
    "cybersource": ("4111111111111111", "123"),
    "xendit": ("4111111111111111", "123"),
    "sandbox": ("4242424242424242", "123"),
}
# Gateways that take card data only tokenised in the browser: the token for each card.
TOKENS = {"square": "cnon:card-nonce-ok"}
MANDATE_CARDS = {
    "stripe": ("5555555555554444", "9127"),
    "adyen": ("5555341244441115", "4173"),
    "checkout": ("5555555555554444", "6042"),
    "paypal": ("5105105105105100", "8417"),
    "paystack": ("4084084084084081", "408"),
    "rapyd": ("5555555555554444", "123"),
    "square": ("4111111111111111", "111"),
    "braintree": ("5555555555554444", "321"),
    "razorpay": ("4111111111111111", "123"),
    "authorizenet": ("5424000000000015", "900"),
    "cybersource": ("5555555555554444", "123"),
    "xendit": ("5200000000001096", "123"),
    "sandbox": ("4242424242424242", "123"),
}
CURRENCY = {"paypal": "USD", "paystack": "NGN", "square": "USD", "braintree": "USD",
            "razorpay": "INR", "authorizenet": "USD", "cybersource": "USD",
            "xendit": "PHP"}  # fmt: skip
ONE_STEP = ("paystack",)  # no separate capture: the payment is paid at once

# Every event type each connector's webhook parser maps (its tables), by connector.
STRIPE_TYPES = [
    *stripe_mod.PAYMENT_EVENTS,
    "refund.created", "refund.updated", "refund.failed", "charge.refund.updated",
    "charge.refunded",
    "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
    "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
    *stripe_mod.MANDATE_EVENTS, "payment_method.detached",
]  # fmt: skip
EVENT_TYPES: dict[str, list[str]] = {
    "stripe": STRIPE_TYPES,
    "adyen": [*adyen_mod.WEBHOOK_EVENTS, *adyen_mod.DISPUTE_EVENTS],
    "checkout": list(checkout_mod.WEBHOOK_EVENTS),
    "paypal": list(paypal_mod.WEBHOOK_EVENTS),
    "paystack": list(paystack_mod.WEBHOOK_EVENTS),
    "rapyd": list(rapyd_mod.WEBHOOK_EVENTS),
    "square": list(square_mod.WEBHOOK_EVENTS),
    "braintree": list(braintree_mod.WEBHOOK_EVENTS),
    "razorpay": list(razorpay_mod.WEBHOOK_EVENTS),
    "authorizenet": [*authorizenet_mod.WEBHOOK_EVENTS, *authorizenet_mod.MANDATE_EVENTS],
    "cybersource": list(cybersource_mod.WEBHOOK_EVENTS),
    "xendit": list(xendit_mod.WEBHOOK_EVENTS),
    "sandbox": list(sandbox_mod.WEBHOOK_EVENTS),
}
CASES = [pytest.param(c, t, id=f"{c}-{t}") for c in CONNECTORS for t in EVENT_TYPES[c]]


@dataclass
class World:
    """What the API created on one connector account, and how to reach the gateway."""

    gw: Gateway
    cs: ConnectorService
    payment: dict[str, Any]  # the API's payment after capture
    refund: dict[str, Any]
    mandate: dict[str, Any]
    reference: str
    seen: set[str] = field(default_factory=set)

    @property
    def gid(self) -> str:
        return str(self.payment["connector_payment_id"])


def _dict(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(value)
    return out


async def _build_world(name: str, tmp: Path, stack: AsyncExitStack) -> World:
    gw = await stack.enter_async_context(gateway(name))
    cs = service(tmp, gw.account)
    await cs.start()
    stack.push_async_callback(cs.close)
    currency = CURRENCY.get(name, "EUR")
    number, cvc = CARDS[name]
    reference = f"order-{uuid.uuid4().hex[:12]}"
    card = {"type": "card", "number": number, "cvc": cvc, "exp_month": 12, "exp_year": 2034,
            "holder_name": "Jane Shopper"}  # fmt: skip
    if name in TOKENS:
        card = {"type": "token", "token": TOKENS[name]}
    one_step = name in ONE_STEP
    created = _dict(await cs.create_payment({
        "amount": 1000, "currency": currency,
        "capture_method": "automatic" if one_step else "manual",
        "payment_method": card, "reference": reference, "account": name,
        "customer": {"email": "jane@example.com"}, **PAYMENT_NEEDS.get(name, {}),
    }))  # fmt: skip
    assert created["status"] == ("captured" if one_step else "authorized"), created
    captured = created if one_step else _dict(await cs.capture(created["id"]))
    assert captured["id"] == created["id"]
    if name != "adyen":  # Adyen has no sync: the capture's outcome comes by webhook
        synced = _dict(await cs.get_payment(created["id"]))
        assert synced["id"] == created["id"]
        assert synced["connector_payment_id"] == created["connector_payment_id"]
    refund = _dict(await cs.refund(created["id"], {"amount": 300}))
    assert refund["payment_id"] == created["id"]
    m_number, m_cvc = MANDATE_CARDS[name]
    mandate = _dict(await cs.create_mandate({
        "currency": currency, "customer": {"id": "shopper-42", "email": "jane@example.com"},
        "payment_method": card if name in TOKENS else {**card, "number": m_number, "cvc": m_cvc},
        **MANDATE_NEEDS.get(name, {}),
    }))  # fmt: skip
    assert mandate["connector_mandate_id"], mandate
    return World(gw, cs, captured, refund, mandate, reference)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def worlds(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Callable[[str], Any]]:
    """Builds each connector's world once (on first use) for the whole module."""
    built: dict[str, World] = {}
    async with AsyncExitStack() as stack:

        async def get(name: str) -> World:
            if name not in built:
                built[name] = await _build_world(name, tmp_path_factory.mktemp(name), stack)
            return built[name]

        yield get


# ---------------------------------------------------------------------- Stripe


def _stripe_event(etype: str, obj: dict[str, Any]) -> bytes:
    event = {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2024-06-20",
             "created": int(time.time()), "livemode": False, "type": etype,
             "data": {"object": obj}, "pending_webhooks": 1,
             "request": {"id": None, "idempotency_key": None}}  # fmt: skip
    return json.dumps(event).encode()


def stripe_body(w: World, etype: str) -> bytes:
    fake = w.gw.fake
    pi = copy.deepcopy(fake.intents[w.gid])
    if etype.startswith("payment_intent."):
        return _stripe_event(etype, pi)
    if etype.startswith("refund.") or etype == "charge.refund.updated":
        refund = copy.deepcopy(fake.refunds[w.refund["connector_refund_id"]])
        if etype == "refund.failed":
            refund |= {"status": "failed", "failure_reason": "expired_or_canceled_card"}
        return _stripe_event(etype, refund)
    charge_id = pi["latest_charge"]["id"] if isinstance(pi["latest_charge"], dict) else None
    charge_id = charge_id or pi["latest_charge"]
    if etype == "charge.refunded":
        charge = copy.deepcopy(fake.charges[charge_id])
        refund = copy.deepcopy(fake.refunds[w.refund["connector_refund_id"]])
        charge |= {"refunded": False, "amount_refunded": refund["amount"],
                   "refunds": {"object": "list", "data": [refund], "has_more": False}}  # fmt: skip
        return _stripe_event(etype, charge)
    if etype.startswith("charge.dispute."):
        raw = json.loads((FIXTURES / "stripe" / "evt_charge_dispute_created.json").read_text())
        dispute = raw["data"]["object"] | {"payment_intent": w.gid, "charge": charge_id}
        if etype == "charge.dispute.closed":
            dispute["status"] = "won"
        return _stripe_event(etype, dispute)
    pm_id = w.mandate["connector_mandate_id"]
    if etype.startswith("setup_intent."):
        seti = next(s for s in fake.setup_intents.values() if s.get("payment_method") == pm_id)
        seti = copy.deepcopy(seti)
        if etype == "setup_intent.setup_failed":
            seti["status"] = "requires_payment_method"
        return _stripe_event(etype, seti)
    assert etype == "payment_method.detached"
    pm = copy.deepcopy(fake.payment_methods[pm_id]) | {"customer": None}
    return _stripe_event(etype, pm)


# ---------------------------------------------------------------------- Adyen

# Codes whose pspReference is the payment itself; every other code is a modification (or
# a dispute) whose originalReference names the payment.
_ADYEN_ON_PAYMENT = {"AUTHORISATION", "OFFER_CLOSED", "MANUAL_REVIEW_ACCEPT",
                     "MANUAL_REVIEW_REJECT"}  # fmt: skip
_ADYEN_ON_REFUND = {"REFUND", "REFUND_WITH_DATA", "POSTPONED_REFUND", "REFUND_FAILED",
                    "REFUNDED_REVERSED", "VOID_PENDING_REFUND"}  # fmt: skip


def adyen_body(w: World, code: str) -> bytes:
    """A standard webhook item shaped like Adyen's (fixtures/adyen/webhooks.json), about
    the world's objects, signed with the account's HMAC key."""
    fake = w.gw.fake
    psp = w.gid
    payment = fake.payments[psp]
    item: dict[str, Any] = {
        "amount": {"currency": payment.currency, "value": payment.amount},
        "eventCode": code,
        "eventDate": "2026-01-01T01:00:00+01:00",
        "merchantAccountCode": payment.merchant,
        "merchantReference": payment.reference,
        "paymentMethod": "visa",
        "reason": "",
        "success": "true",
        "additionalData": {},
    }
    if code in _ADYEN_ON_PAYMENT:
        item["pspReference"] = psp
    elif code in _ADYEN_ON_REFUND:
        item |= {"pspReference": w.refund["connector_refund_id"], "originalReference": psp}
        item["amount"]["value"] = w.refund["amount"]
    elif code == "RECURRING_CONTRACT":
        token = w.mandate["connector_mandate_id"]
        setup_psp = next(p.psp for p in fake.payments.values() if p.psp != psp)
        item |= {"pspReference": token, "originalReference": setup_psp}
        item["additionalData"] = {"recurring.recurringDetailReference": token,
                                  "recurring.shopperReference": "shopper-42",
                                  "shopperReference": "shopper-42"}  # fmt: skip
    elif code == "CANCEL_OR_REFUND":
        item |= {"pspReference": w.refund["connector_refund_id"], "originalReference": psp}
        item["additionalData"] = {"modification.action": "refund"}
    elif code in adyen_mod.DISPUTE_EVENTS:
        item |= {"pspReference": "DSP" + psp[3:], "originalReference": psp}
        item["additionalData"] = {"chargebackReasonCode": "10.4", "disputeStatus": "Undefended",
                                  "defensePeriodEndsAt": "2026-02-01T00:00:00+01:00"}  # fmt: skip
    else:  # CAPTURE, CAPTURE_FAILED, CANCELLATION, TECHNICAL_CANCEL, EXPIRE: modifications
        item |= {"pspReference": "MOD" + psp[3:], "originalReference": psp}
    return notification(item, hex_key=fake.hmac_key)


# ---------------------------------------------------------------------- Checkout.com

_CKO_FIXTURE = {"payment_refunded": "webhook_payment_refunded",
                "payment_refund_declined": "webhook_payment_refund_declined",
                "payment_refund_pending": "webhook_payment_refunded",
                "payment_declined": "webhook_payment_declined",
                "card_verified": "webhook_card_verified",
                "card_verification_declined": "webhook_card_verified"}  # fmt: skip


def checkout_body(w: World, kind: str) -> bytes:
    """Checkout.com's event envelope (fixtures/checkout/webhook_*.json) about the world's
    payment, refund action or card source."""
    if kind.startswith("dispute_"):
        raw = json.loads((FIXTURES / "checkout" / "webhook_dispute_evidence_required.json")
                         .read_text())  # fmt: skip
        raw["data"] |= {"id": f"dsp_{uuid.uuid4().hex[:20]}", "status": kind[8:],
                        "payment_id": w.gid, "payment_reference": w.reference}  # fmt: skip
    else:
        name = _CKO_FIXTURE.get(kind, "webhook_payment_captured")
        raw = json.loads((FIXTURES / "checkout" / f"{name}.json").read_text())
        data = raw["data"]
        if kind.startswith("card_verif"):
            payment_id = w.mandate.get("connector_payment_id") or data["id"]
            data |= {"id": payment_id, "customer": {"id": w.mandate["customer_id"]}}
            data["source"]["id"] = w.mandate["connector_mandate_id"]
        elif kind.startswith("payment_refund"):
            data |= {"id": w.gid, "action_id": w.refund["connector_refund_id"],
                     "amount": w.refund["amount"], "currency": w.payment["currency"]}  # fmt: skip
        else:
            data |= {"id": w.gid, "reference": w.reference, "currency": w.payment["currency"]}
    raw |= {"id": f"evt_{uuid.uuid4().hex[:26]}", "type": kind}
    return json.dumps(raw).encode()


# ---------------------------------------------------------------------- PayPal

_PAYPAL_FIXTURE = {
    "CHECKOUT.ORDER.APPROVED": "webhook_order_approved",
    "CHECKOUT.ORDER.COMPLETED": "webhook_order_completed",
    "CUSTOMER.DISPUTE.CREATED": "webhook_dispute_created",
    "CUSTOMER.DISPUTE.UPDATED": "webhook_dispute_updated",
    "CUSTOMER.DISPUTE.RESOLVED": "webhook_dispute_resolved",
    "VAULT.PAYMENT-TOKEN.CREATED": "webhook_vault_token_created",
    "VAULT.PAYMENT-TOKEN.DELETED": "webhook_vault_token_deleted",
}


def paypal_body(w: World, etype: str) -> bytes:
    """PayPal's event envelope; the resource is the fake's own authorization, capture,
    refund or order view where there is one, else the documented shape (fixtures)."""
    fake = w.gw.fake
    order = fake.order_view(w.gid)
    unit = order["purchase_units"][0]
    auth_id = unit["payments"]["authorizations"][0]["id"]
    cap_id = unit["payments"]["captures"][0]["id"]
    group = etype.rsplit(".", 1)[0]
    resource: dict[str, Any]
    if group == "PAYMENT.AUTHORIZATION":
        resource = fake.auth_view(auth_id)
    elif etype in paypal_mod.REFUND_LIKE_EVENTS:
        resource = fake.refund_view(w.refund["connector_refund_id"])
    elif group == "PAYMENT.CAPTURE":
        resource = fake.capture_view(cap_id)
    elif group == "CHECKOUT.ORDER":
        resource = order
    elif group == "CHECKOUT.PAYMENT-APPROVAL":  # names the order whose approval it reverses
        keep = ("reference_id", "custom_id", "invoice_id")
        resource = {"order_id": w.gid, "purchase_units": [{k: unit[k] for k in keep if k in unit}]}
    else:
        raw = json.loads((FIXTURES / "paypal" / f"{_PAYPAL_FIXTURE[etype]}.json").read_text())
        resource = raw["resource"]
        if group == "CUSTOMER.DISPUTE":
            resource["disputed_transactions"][0]["seller_transaction_id"] = cap_id
        else:
            resource["id"] = w.mandate["connector_mandate_id"]
    event = {"id": f"WH-{uuid.uuid4().hex[:17].upper()}", "event_version": "1.0",
             "create_time": "2024-05-14T10:20:35.000Z", "resource_type": group.lower(),
             "event_type": etype, "summary": etype, "resource": resource}  # fmt: skip
    return json.dumps(event).encode()


# ---------------------------------------------------------------------- Paystack


def paystack_body(w: World, etype: str) -> bytes:
    """Paystack's ``{event, data}``: the fake's own transaction, or the documented refund
    and dispute shapes (fixtures/paystack/webhook_*.json) about the world's objects."""
    fake = w.gw.fake
    if etype.startswith("refund."):
        raw = json.loads((FIXTURES / "paystack" / "webhook_refund_processed.json").read_text())
        raw["data"] |= {"id": int(w.refund["connector_refund_id"]),
                        "transaction_reference": w.gid, "amount": w.refund["amount"],
                        "status": etype.split(".", 1)[1]}  # fmt: skip
    elif etype.startswith("charge.dispute."):
        raw = json.loads((FIXTURES / "paystack" / "webhook_dispute_create.json").read_text())
        raw["data"]["transaction"]["reference"] = w.gid
        if etype == "charge.dispute.resolve":
            raw["data"] |= {"status": "resolved", "resolution": "merchant-accepted"}
    else:
        raw = {"data": fake._doc(fake.charges[w.gid])}
    raw["event"] = etype
    return json.dumps(raw).encode()


# ---------------------------------------------------------------------- Square


def square_body(w: World, etype: str) -> bytes:
    """Square's notification (PaymentUpdatedEvent, RefundUpdatedEvent ...) about the
    fake's own payment or refund."""
    fake = w.gw.fake
    if etype.startswith("refund."):
        refund = fake.refunds[w.refund["connector_refund_id"]]
        event = fake.event(etype, "refund", refund.id, fake.refund_doc(refund))
    else:
        payment = fake.payments[w.gid]
        event = fake.event(etype, "payment", payment.id, fake.payment_doc(payment))
    return json.dumps(event).encode()


# ---------------------------------------------------------------------- Braintree


def braintree_body(w: World, kind: str) -> bytes:
    """Braintree's signed form (``bt_signature``/``bt_payload``) about the fake's own
    transaction, refund or vaulted card, in the XML shapes of Braintree's notifications."""
    fake = w.gw.fake
    t = fake.transactions[w.gid]
    if kind.startswith("transaction_"):
        subject = fake.transaction_xml(t)
    elif kind == "refund_failed":
        subject = fake.refund_xml(fake.refunds[w.refund["connector_refund_id"]])
    elif kind.startswith("dispute_"):
        subject = fake.dispute_xml(t, kind.removeprefix("dispute_"))
    else:
        assert kind == "payment_method_revoked_by_customer", kind
        pm = w.mandate["connector_mandate_id"]
        subject = f"<paypal-account><token>tok</token><global-id>{pm}</global-id></paypal-account>"
    return sign_notification(fake.notify(kind, subject), fake.public_key, fake.private_key)


# ---------------------------------------------------------------------- sandbox


# ---------------------------------------------------------------------- Rapyd


def rapyd_body(w: World, etype: str) -> bytes:
    """Rapyd's envelope around the fake's own payment or refund."""
    fake = w.gw.fake
    if rapyd_mod.WEBHOOK_EVENTS[etype] in rapyd_mod.REFUND_EVENTS:
        data = copy.deepcopy(fake.refunds[w.refund["connector_refund_id"]])
        if "REJECTED" in etype or "FAILED" in etype:
            data |= {"status": "Rejected", "failure_reason": "refund window closed"}
    else:
        data = fake._doc(fake.payments[w.gid])
    event = {"id": f"wh_{uuid.uuid4().hex}", "type": etype, "data": data,
             "trigger_operation_id": str(uuid.uuid4()), "status": "NEW",
             "created_at": int(time.time())}  # fmt: skip
    return json.dumps(event).encode()


# ---------------------------------------------------------------------- Razorpay


def razorpay_body(w: World, etype: str) -> bytes:
    """Razorpay's event envelope around the fake's own payment, refund and token, or the
    documented dispute shape (fixtures/razorpay/webhook_dispute_created.json)."""
    fake = w.gw.fake
    payment = copy.deepcopy(fake.payments[w.gid])
    payload: dict[str, Any] = {"payment": {"entity": payment}}
    if etype.startswith("refund."):
        refund = copy.deepcopy(fake.refunds[w.refund["connector_refund_id"]])
        refund["status"] = {"refund.created": "pending", "refund.failed": "failed"}.get(
            etype, "processed"
        )
        payload["refund"] = {"entity": refund}
    elif etype.startswith("payment.dispute."):
        raw = json.loads((FIXTURES / "razorpay" / "webhook_dispute_created.json").read_text())
        dispute = raw["payload"]["dispute"]["entity"] | {"payment_id": w.gid}
        dispute["status"] = etype.rsplit(".", 1)[1].replace("created", "open")
        payload["dispute"] = {"entity": dispute}
    elif etype.startswith("token."):
        token = {"id": w.mandate["connector_mandate_id"], "entity": "token", "method": "card",
                 "recurring": True, "status": etype.split(".")[1]}  # fmt: skip
        payload = {"token": {"entity": token}}
    elif etype == "order.paid":
        order = {k: v for k, v in fake.orders[payment["order_id"]].items()
                 if k != "payment_capture"}  # fmt: skip
        payload["order"] = {"entity": order}
    event = {"entity": "event", "account_id": "acc_EventIds0000001", "event": etype,
             "contains": list(payload), "payload": payload,
             "created_at": int(time.time())}  # fmt: skip
    return json.dumps(event).encode()


def cybersource_body(w: World, etype: str) -> bytes:
    """A notification naming the transaction the event is about, by its own id: the
    authorization, its capture or reversal, or the refund."""
    fake = w.gw.fake
    if etype.startswith(("payments.refunds.", "payments.credits.")):
        tid = w.refund["connector_refund_id"]
    elif etype.startswith("payments.captures."):
        [tid] = [t["id"] for t in fake.transactions.values()
                 if t["kind"] == "capture" and t["parent"] == w.gid]  # fmt: skip
    else:
        tid = w.gid
    return cybersource_notification(tid, etype)


def authorizenet_body(w: World, etype: str) -> bytes:
    """A notification about the fake's own transaction (the refund's for a refund), or
    the mandate's payment profile; the payload shapes of the Webhooks API reference."""
    if etype.startswith("net.authorize.customer."):
        mandate = w.gw.fake.profiles
        [pid] = [p for p, doc in mandate.items()
                 if w.mandate["connector_mandate_id"] in doc["payment_profiles"]]  # fmt: skip
        payload: dict[str, Any] = {"customerProfileId": int(pid),
                                   "entityName": "customerPaymentProfile",
                                   "id": w.mandate["connector_mandate_id"]}  # fmt: skip
        return authorizenet_fake.notification(etype, payload)
    trans_id = w.refund["connector_refund_id"] if etype.endswith("refund.created") else w.gid
    record = w.gw.fake.transactions[trans_id]
    code = {"net.authorize.payment.fraud.held": 4, "net.authorize.payment.fraud.declined": 2}
    return authorizenet_fake.notification(etype, {
        "responseCode": code.get(etype, 1), "authCode": "LZ6I19", "avsResponse": "Y",
        "authAmount": float(record["amount"]), "invoiceNumber": record["invoice"],
        "entityName": "transaction", "id": trans_id,
    })  # fmt: skip


def xendit_body(w: World, etype: str) -> bytes:
    """A callback about the fake's own payment request, refund or payment method, in the
    shapes of the SDK's PaymentCallback / RefundCallback / PaymentMethodCallback."""
    fake = w.gw.fake
    if etype.startswith("payment_method."):
        doc = fake.method_view(fake.methods[w.mandate["connector_mandate_id"]])
        event = {"event": etype, "business_id": "5f27a14a9bf05c73dd040bc8",
                 "created": "2026-12-02T12:00:06.000Z", "data": doc}  # fmt: skip
        return json.dumps(event).encode()
    if etype.startswith("refund."):
        refund = fake.refunds[w.refund["connector_refund_id"]]
        data = {**refund, "payment_id": refund["payment_request_id"], "status": "SUCCEEDED"}
        event = {"event": etype, "business_id": "5f27a14a9bf05c73dd040bc8",
                 "created": "2026-12-02T12:02:01.000Z", "data": data}  # fmt: skip
        return json.dumps(event).encode()
    return bytes(fake.callback(etype, w.gid))


async def sandbox_body(w: World, kind: str) -> bytes:
    gateway_ = w.gw.fake.gateway

    async def get(path: str) -> dict[str, Any]:
        response = await gateway_.send(
            HttpRequest("GET", f"sandbox://gateway{path}", {}, None), Timeouts(read=5)
        )
        out: dict[str, Any] = json.loads(response.body)
        return out

    obj: dict[str, Any]
    if kind.startswith("payment."):
        obj = await get(f"/v1/payments/{w.gid}")
    elif kind.startswith("refund."):
        obj = await get(f"/v1/refunds/{w.refund['connector_refund_id']}")
    elif kind.startswith("mandate."):
        obj = {"id": w.mandate["connector_mandate_id"], "object": "mandate",
               "status": kind.split(".")[1]}  # fmt: skip
    else:
        obj = {"id": f"sbd_{uuid.uuid4().hex[:24]}", "object": "dispute", "payment": w.gid,
               "status": "needs_response", "amount": 1000, "currency": "EUR",
               "reason": "fraudulent"}  # fmt: skip
    event = {"id": f"sbevt_{uuid.uuid4().hex[:24]}", "type": kind, "account": "sandbox",
             "created": int(time.time()), "livemode": False, "data": {"object": obj}}  # fmt: skip
    return json.dumps(event).encode()


async def body_for(w: World, connector: str, etype: str) -> bytes:
    if connector == "sandbox":
        return await sandbox_body(w, etype)
    build = {"stripe": stripe_body, "adyen": adyen_body, "checkout": checkout_body,
             "paypal": paypal_body, "paystack": paystack_body,
             "rapyd": rapyd_body, "square": square_body,
             "braintree": braintree_body, "razorpay": razorpay_body,
             "authorizenet": authorizenet_body,
             "cybersource": cybersource_body, "xendit": xendit_body}[connector]  # fmt: skip
    return build(w, etype)


# ---------------------------------------------------------------------- the test


async def _stored_events(w: World) -> list[dict[str, Any]]:
    out = []
    for e in await w.cs.runtime.webhooks.store.list_events(limit=1000):
        out.append(json.loads(e.payload))
    return out


@pytest.mark.parametrize(("connector", "etype"), CASES)
async def test_every_event_names_objects_by_their_api_ids(
    worlds: Callable[[str], Any], connector: str, etype: str
) -> None:
    w: World = await worlds(connector)
    body = await body_for(w, connector, etype)
    receiver = w.cs.runtime.webhooks.receiver
    reply = await receiver.receive(connector, connector, w.gw.sign(body), body)
    assert 200 <= reply.status < 300
    new = [e for e in await _stored_events(w) if e["id"] not in w.seen]
    w.seen.update(e["id"] for e in new)
    assert len(new) == 1, new
    event = new[0]
    assert event["connector_event_type"] == etype
    assert event["type"] != "unknown", event
    data = event["data"]
    kind = event["type"].split(".")[0]
    assert kind in data, event
    pay_id, pay_gid = w.payment["id"], w.gid
    if kind == "payment":
        assert data["payment"]["id"] == pay_id, event
        assert data["payment"]["connector_payment_id"] == pay_gid
        assert event["connector_payment_id"] == pay_gid
    elif kind == "refund":
        assert data["refund"]["payment_id"] == pay_id, event
        assert event["connector_payment_id"] == pay_gid, event
        if etype != "PAYMENT.CAPTURE.REVERSED":  # a reversal is PayPal's, not an API refund
            assert data["refund"]["id"] == w.refund["id"], event
            assert data["refund"]["connector_refund_id"] == w.refund["connector_refund_id"]
    elif kind == "mandate":
        assert data["mandate"]["id"] == w.mandate["id"], event
        assert data["mandate"]["connector_mandate_id"] == w.mandate["connector_mandate_id"]
    else:
        assert data["dispute"]["payment_id"] == pay_id, event
        assert data["dispute"]["connector_payment_id"] == pay_gid, event
        assert event["connector_payment_id"] == pay_gid, event
