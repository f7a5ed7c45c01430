"""Unknown outcomes settle: a payment whose answer was lost becomes the gateway's payment,
under the very id the service answered, and is never charged twice.

Between the service and each gateway fake sits ``tests/fakes/lossy_proxy.py``. Armed, it
lets the fake process the create and hangs up before the answer: the service answers
``201 unresolved`` with an id named by its reference. Stripe, Checkout.com, Rapyd and
the sandbox can be looked up by that reference (Braintree: a search by orderId;
Authorize.net: the unsettled list, by invoice number; Cybersource: a Transaction Search
on the clientReferenceInformation.code), so
``GET /v1/payments/{id}`` settles it; Adyen, PayPal, Paystack and Square cannot
(``not_supported``) and settle by the gateway's webhook, which echoes the reference.
Paystack charges in one step (no manual capture):
its payments are paid, not authorized, and nothing is captured afterwards. A lookup
that finds nothing (the request never arrived) leaves the payment ``unresolved`` —
never a 404. Runs in-process on the real PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pytest

from connector_service.core import reconciler
from connector_service.domain.errors import ServiceError
from connector_service.library import ConnectorService
from tests.fakes.adyen import notification
from tests.fakes.lossy_proxy import LossyProxy
from tests.webhooks.gateways import CONNECTORS, PAYMENT_NEEDS, Gateway, gateway, service
from tests.webhooks.helpers import pg_schema

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")

AUTHORIZE_PATH = {
    "stripe": r"/v1/payment_intents",
    "adyen": r"/v71/payments",
    "checkout": r"/payments",
    "paypal": r"/v2/checkout/orders",
    "paystack": r"/charge",
    "rapyd": r"/v1/payments",
    "square": r"/v2/payments",
    "braintree": r"/graphql",  # every call: the armed one is the authorize mutation
    "razorpay": r"/v1/payments/create/json",  # its order is made first, and answered
    "authorizenet": r"/xml/v1/request.api",  # one URL: the armed one is the transaction
    "cybersource": r"/pts/v2/payments$",
    "xendit": r"/payment_requests",
    "sandbox": r"/v1/payments",
}
AUTHORIZE_BODY = {"braintree": "authorizePaymentMethod", "authorizenet": "authOnlyTransaction"}
CARDS = {
    "stripe": "4242424242424242",
    "adyen": "4111111145551142",
    "checkout": "4242424242424242",
    "paypal": "4111111111111111",
    "paystack": "4084084084084081",
    "rapyd": "4111111111111111",
    "square": "4111111111111111",  # paid as its Sandbox token (TOKENS)
    "braintree": "4111111111111111",
    "razorpay": "4111111111111111",
    "authorizenet": "4111111111111111",
    "cybersource": "4111111111111111",
    "xendit": "4111111111111111",
    "sandbox": "4242424242424242",
}
TOKENS = {"square": "cnon:card-nonce-ok"}  # card data only tokenised in the browser
BY_LOOKUP = (  # others: by webhook
    "stripe", "checkout", "rapyd", "braintree", "razorpay", "authorizenet", "cybersource",
    "xendit", "sandbox",
)  # fmt: skip
ONE_STEP = ("paystack",)  # no separate capture: approved means paid
CURRENCY = {"paypal": "USD", "paystack": "NGN", "square": "USD", "braintree": "USD",
            "razorpay": "INR", "authorizenet": "USD", "cybersource": "USD",
            "xendit": "PHP"}  # fmt: skip


@pytest.fixture
def pg(postgres_dsn: str) -> Iterator[str]:
    with pg_schema(postgres_dsn) as dsn:
        yield dsn


class Setup:
    def __init__(self, gw: Gateway, proxy: LossyProxy, cs: ConnectorService) -> None:
        self.gw, self.proxy, self.cs = gw, proxy, cs
        self.name = gw.name

    def charges(self) -> int:
        """How many payments the gateway made (its own records)."""
        fake = self.gw.fake
        if self.name == "sandbox":
            return len(fake.charged)
        if self.name == "paypal":
            return len(fake.orders)
        if self.name == "stripe":
            return len(fake.intents)
        if self.name == "paystack":
            return len(fake.charges)
        if self.name == "authorizenet":  # authorizations, not refunds
            return sum(1 for t in fake.transactions.values() if t["type"] != "refundTransaction")
        if self.name == "xendit":
            return len(fake.payment_requests)
        if self.name == "braintree":  # transactions, not their partial captures
            return sum(1 for t in fake.transactions.values() if t.parent is None)
        if self.name == "cybersource":  # authorizations, not their captures and refunds
            return sum(1 for t in fake.transactions.values() if t["kind"] == "auth")
        return len(fake.payments)

    @property
    def approved(self) -> str:
        return "captured" if self.name in ONE_STEP else "authorized"

    async def create(self, reference: str, key: str | None = None) -> dict[str, Any]:
        currency = CURRENCY.get(self.name, "EUR")
        card = {"type": "card", "number": CARDS[self.name], "cvc": "737", "exp_month": 12,
                "exp_year": 2034, "holder_name": "Jane Shopper"}  # fmt: skip
        if self.name in TOKENS:
            card = {"type": "token", "token": TOKENS[self.name]}
        capture = "automatic" if self.name in ONE_STEP else "manual"
        payment = await self.cs.create_payment({
            "amount": 1000, "currency": currency, "capture_method": capture,
            "payment_method": card, "reference": reference, "account": self.name,
            "customer": {"email": "jane@example.com"}, **PAYMENT_NEEDS.get(self.name, {}),
        }, idempotency_key=key)  # fmt: skip
        out: dict[str, Any] = msgspec.to_builtins(payment)
        return out

    async def get(self, payment_id: str) -> dict[str, Any]:
        out: dict[str, Any] = msgspec.to_builtins(await self.cs.get_payment(payment_id))
        return out


@pytest.fixture(params=CONNECTORS)
async def s(request: pytest.FixtureRequest, pg: str, tmp_path: Any) -> AsyncIterator[Setup]:
    async with gateway(request.param) as gw:
        proxy = await LossyProxy(gw.url).start()
        if gw.name == "cybersource":  # the proxy rewrites Host, which the request signs
            gw.fake.signed_host = urlsplit(proxy.url).netloc
        try:
            account = gw.account | {"base_url": proxy.url, "timeout_seconds": 5}
            cs = service(tmp_path, account, storage={"url": pg})
            await cs.start()
            try:
                yield Setup(gw, proxy, cs)
            finally:
                await cs.close()
        finally:
            await proxy.stop()


def _opaque(payment_id: str, *readable: str) -> None:
    """Nothing but the prefix can be read from the id, raw or base64-decoded."""
    assert payment_id.startswith("pay_")
    tail = payment_id[4:]
    raw = base64.urlsafe_b64decode(tail + "=" * (-len(tail) % 4))
    for text in readable:
        assert text not in payment_id and text.encode() not in raw, text


async def _settle_by_webhook(s: Setup, reference: str) -> dict[str, Any]:
    """The gateway's own webhook about the payment (it echoes our reference)."""
    fake = s.gw.fake
    if s.name == "adyen":
        [item] = [n for n in fake.notifications if n["merchantReference"] == reference]
        assert item["eventCode"] == "AUTHORISATION"
        body, headers = notification(item, hex_key=fake.hmac_key), {}
    elif s.name == "paystack":  # charge.success echoes metadata.merchant_reference
        [charge] = list(fake.charges.values())
        assert charge.metadata["merchant_reference"] == reference
        body = json.dumps({"event": "charge.success", "data": fake._doc(charge)}).encode()
        headers = s.gw.sign(body)
    elif s.name == "square":  # payment.created echoes reference_id
        [payment] = list(fake.payments.values())
        assert payment.reference_id == reference
        event = fake.event("payment.created", "payment", payment.id, fake.payment_doc(payment))
        body = json.dumps(event).encode()
        headers = s.gw.sign(body)
    else:
        [auth_id] = list(fake.authorizations)
        resource = fake.auth_view(auth_id)
        assert resource["custom_id"] == reference
        event = {"id": f"WH-{uuid.uuid4().hex[:17].upper()}", "event_version": "1.0",
                 "create_time": "2024-05-14T10:20:35.000Z", "resource_type": "authorization",
                 "event_type": "PAYMENT.AUTHORIZATION.CREATED", "summary": "authorized",
                 "resource": resource}  # fmt: skip
        body = json.dumps(event).encode()
        headers = s.gw.sign(body)
    reply = await s.cs.runtime.webhooks.receiver.receive(s.name, s.name, headers, body)
    assert 200 <= reply.status < 300
    [stored] = await s.cs.runtime.webhooks.store.list_events(limit=10)
    out: dict[str, Any] = json.loads(stored.payload)
    return out


async def test_a_lost_answer_settles_under_the_id_the_service_gave(s: Setup) -> None:
    reference = f"order-{uuid.uuid4().hex[:10]}"
    s.proxy.arm("POST", AUTHORIZE_PATH[s.name], "lose_answer", AUTHORIZE_BODY.get(s.name))
    created = await s.create(reference)
    assert s.proxy.lost, "the proxy never saw the create"
    assert created["status"] == "unresolved", created
    assert not created.get("connector_payment_id")
    pid = created["id"]
    _opaque(pid, reference, s.name)
    assert s.charges() == 1  # the gateway did make the payment
    storage = s.cs.runtime.storage
    assert await storage.get(reconciler.NS, pid) is not None  # the reconciler will sync it

    if s.name in BY_LOOKUP:
        synced = await s.get(pid)
        assert synced["id"] == pid and synced["status"] == "authorized", synced
        assert synced["connector_payment_id"], synced
    else:
        with pytest.raises(ServiceError) as caught:
            await s.get(pid)
        err = caught.value
        assert err.http_status == 422 and err.type.value == "not_supported", err
        assert "webhook" in err.message.lower() or "reference" in err.message.lower(), err
        event = await _settle_by_webhook(s, reference)
        assert event["data"]["payment"]["id"] == pid, event
        assert event["data"]["payment"]["connector_payment_id"], event
    assert await storage.get(reconciler.NS, pid) is None  # settled: nothing to reconcile

    if s.name not in ONE_STEP:
        captured = msgspec.to_builtins(await s.cs.capture(pid))
        assert captured["id"] == pid and captured["status"] in ("captured", "processing")
    refund = msgspec.to_builtins(await s.cs.refund(pid, {"amount": 400}))
    assert refund["payment_id"] == pid, refund
    assert s.charges() == 1  # settling never charged again


async def test_a_lookup_that_finds_nothing_stays_unresolved(s: Setup) -> None:
    reference = f"order-{uuid.uuid4().hex[:10]}"
    s.proxy.arm("POST", AUTHORIZE_PATH[s.name], "drop_request", AUTHORIZE_BODY.get(s.name))
    created = await s.create(reference)
    assert created["status"] == "unresolved", created
    assert s.charges() == 0  # the gateway never saw it
    pid = created["id"]
    if s.name in BY_LOOKUP:
        synced = await s.get(pid)
        assert synced["id"] == pid and synced["status"] == "unresolved", synced
    else:  # no lookup by reference: says so (never a 404)
        with pytest.raises(ServiceError) as caught:
            await s.get(pid)
        assert caught.value.http_status == 422, caught.value
    assert s.charges() == 0
    assert await s.cs.runtime.storage.get(reconciler.NS, pid) is not None  # still pending


async def test_a_retry_with_the_same_key_asks_the_gateway_again_and_settles(s: Setup) -> None:
    """The same create again (same Idempotency-Key, same body): the same account is asked
    with the same gateway idempotency key, the gateway replays its payment, and the answer
    is that payment under the id the first answer gave. Nothing is charged twice."""
    reference = f"order-{uuid.uuid4().hex[:10]}"
    key = f"key-{uuid.uuid4().hex[:10]}"
    s.proxy.arm("POST", AUTHORIZE_PATH[s.name], "lose_answer", AUTHORIZE_BODY.get(s.name))
    first = await s.create(reference, key)
    assert first["status"] == "unresolved" and s.charges() == 1, first
    again = await s.create(reference, key)
    assert again["id"] == first["id"], (first, again)
    assert again["status"] == s.approved and again["connector_payment_id"], again
    assert s.charges() == 1  # the gateway replayed; it did not charge again
    assert await s.cs.runtime.storage.get(reconciler.NS, first["id"]) is None
    if s.name in BY_LOOKUP:
        synced = await s.get(first["id"])
        assert synced["id"] == first["id"] and synced["status"] == "authorized", synced
    if s.name in ONE_STEP:  # paid already; the payment reads back under the same id
        return
    captured = msgspec.to_builtins(await s.cs.capture(first["id"]))
    assert captured["id"] == first["id"], captured
