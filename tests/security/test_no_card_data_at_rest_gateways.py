"""No card data at rest, for every gateway connector: Stripe, Adyen, Checkout.com, PayPal,
Paystack, Rapyd, Square, Braintree, Razorpay, Authorize.net and Cybersource are each
driven through every flow they declare against their loopback fakes (``tests/fakes``),
with card numbers and CVCs unique to the connector and the run, and some of each
gateway's signed webhooks about those payments are received, so that stored events and
the delivery outbox hold something to look at. Then every stored byte and every DEBUG
log line is scanned as the sandbox test does (``tests/security/scan.py``).

Backends: SQLite (a real server process; every row of every table and the raw .db, -wal
and -shm bytes) and PostgreSQL (a real server process on a fresh schema) for every
connector; memory (library mode, the storage's and the event store's dicts walked, the
log records captured at DEBUG) for every connector too — each run is a few seconds.

The fakes map a few fixed test numbers to outcomes (Stripe's declining and 3-D Secure
cards, Adyen's and PayPal's 3-D Secure card); so that those flows also run with numbers
unique to the run, the test points the fake's trigger at its own number (the fakes read
the module constants at request time). Adyen and PayPal decline on the holder name,
Checkout.com and Rapyd on the amount, and both ask for 3-D Secure whenever a return URL
is given: there any number works. Paystack's fake reads its ``CARDS`` table the same way;
its PIN/OTP continuation runs too, and its PIN and OTP are scanned for like CVCs.
Square takes cards only as Web Payments SDK tokens: each card of the run is paid as a
token unique to the run (``cnon:scan-...``; the fake takes any ``cnon:`` token as a good
card and its ``NONCES`` table picks the decline), and the tokens are scanned for too.
Braintree's fake declines on the amount (2001.00) and has no 3-D Secure redirect.
Authorize.net takes card numbers, has no 3-D Secure redirect either (a card is stored on
a charge, as a CIM profile) and its fake declines by the ``DECLINES`` table.
Mercado Pago's fake picks the outcome by the holder name, as its test environment does
(``FUND`` declines, the fake's ``CHAL`` challenges); its webhooks are read back.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import msgspec
import pytest

import connector_service.testing.fakes.authorizenet as authorizenet_fake
import connector_service.testing.fakes.cybersource as cybersource_fake
import connector_service.testing.fakes.mercadopago as mercadopago_fake
import connector_service.testing.fakes.paystack as paystack_fake
import connector_service.testing.fakes.razorpay as razorpay_fake
import connector_service.testing.fakes.square as square_fake
import connector_service.testing.fakes.xendit as xendit_fake
import tests.fakes.adyen as adyen_fake
import tests.fakes.paypal as paypal_fake
import tests.fakes.stripe as stripe_fake
from connector_service.library import ConnectorService
from connector_service.testing.e2e import account_toml
from connector_service.testing.fakes.braintree import sign_notification
from tests.conftest import ServiceProcess, start_service
from tests.security.scan import hits, joined, new_card, postgres_contents, sqlite_contents, walk
from tests.server.client import Api
from tests.webhooks.gateways import MANDATE_NEEDS, PAYMENT_NEEDS, Gateway, gateway
from tests.webhooks.helpers import ENDPOINT_SECRET, pg_schema

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")

GATEWAYS = (
    "stripe", "adyen", "checkout", "paypal", "paystack", "rapyd", "square", "braintree",
    "razorpay", "authorizenet", "cybersource", "xendit", "mercadopago",
)  # fmt: skip
TOKENISED = ("square",)  # card data only as the gateway's browser tokens
NO_THREE_DS = ("square", "cybersource")  # no 3-D Secure flow: one card fewer
RETURN_URL = "https://shop.example/scan/return"
FIXTURES = Path(__file__).resolve().parents[1] / "connectors" / "fixtures"
# An endpoint no one listens on, and no delivery worker: every event stays in the outbox.
ENDPOINT = {"id": "shop", "url": "http://127.0.0.1:9/hooks", "secret": ENDPOINT_SECRET}


class Client(Protocol):
    """The unified API as the driver uses it, over REST or in-process."""

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]: ...
    async def get(self, path: str) -> dict[str, Any]: ...
    async def flows(self, connector: str) -> set[str]: ...
    async def webhook(self, gw: Gateway, headers: dict[str, str], body: bytes) -> int: ...


class RestClient:
    """A client application over REST; every POST carries an Idempotency-Key."""

    def __init__(self, url: str) -> None:
        self.api = Api(url)
        self.run = uuid.uuid4().hex[:8]
        self.n = 0

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.n += 1
        key = {"Idempotency-Key": f"scan-{self.run}-{self.n}"}
        return await self.api.ok("POST", path, body, headers=key)

    async def get(self, path: str) -> dict[str, Any]:
        return await self.api.ok("GET", path)

    async def flows(self, connector: str) -> set[str]:
        data = await self.api.ok("GET", "/v1/connectors")
        return set(next(c for c in data["data"] if c["name"] == connector)["flows"])

    async def webhook(self, gw: Gateway, headers: dict[str, str], body: bytes) -> int:
        url = f"{self.api.url}/v1/webhooks/{gw.name}/{gw.account['id']}"
        hdrs = {"Content-Type": "application/json", **headers}
        async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=hdrs) as r:
            return r.status


class LibraryClient:
    """The same calls on the library (``ConnectorService``), routed by path."""

    def __init__(self, cs: ConnectorService) -> None:
        self.cs = cs
        self.n = 0

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.n += 1
        key = f"scan-{self.n}"
        cs = self.cs
        parts = path.strip("/").split("/")[1:]  # drop "v1"
        result: Any
        match parts:
            case ["payments"]:
                result = await cs.create_payment(body, idempotency_key=key)
            case ["payments", pid, "capture"]:
                result = await cs.capture(pid, body, idempotency_key=key)
            case ["payments", pid, "void"]:
                result = await cs.void(pid, body, idempotency_key=key)
            case ["payments", pid, "refunds"]:
                result = await cs.refund(pid, body, idempotency_key=key)
            case ["payments", pid, "complete"]:
                result = await cs.complete_payment(pid, body)
            case ["mandates"]:
                result = await cs.create_mandate(body, idempotency_key=key)
            case ["mandates", mid, "revoke"]:
                result = await cs.revoke_mandate(mid)
            case ["mandates", mid, "complete"]:
                result = await cs.complete_mandate(mid, body)
            case _:
                raise AssertionError(f"no library call for POST {path}")
        out: dict[str, Any] = msgspec.to_builtins(result)
        return out

    async def get(self, path: str) -> dict[str, Any]:
        match path.strip("/").split("/")[1:]:
            case ["payments", pid]:
                result: Any = await self.cs.get_payment(pid)
            case ["refunds", rid]:
                result = await self.cs.get_refund(rid)
            case _:
                raise AssertionError(f"no library call for GET {path}")
        out: dict[str, Any] = msgspec.to_builtins(result)
        return out

    async def flows(self, connector: str) -> set[str]:
        info = next(c for c in self.cs.connectors() if c.name == connector)
        return {str(f) for f in info.flows}

    async def webhook(self, gw: Gateway, headers: dict[str, str], body: bytes) -> int:
        receiver = self.cs.runtime.webhooks.receiver
        lower = {k.lower(): v for k, v in headers.items()}
        reply = await receiver.receive(gw.name, gw.account["id"], lower, body)
        return reply.status


# ---------------------------------------------------------------------- the gateways' parts


async def _redirect_params(url: str, params: dict[str, str]) -> dict[str, str]:
    """The customer's browser on a fake's 3-D Secure page: the query it is sent back with."""
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(url, params=params, allow_redirects=False) as page,
    ):
        assert page.status == 302, await page.text()
        return dict(parse_qsl(urlsplit(page.headers["Location"]).query))


async def challenge(gw: Gateway, answer: dict[str, Any]) -> dict[str, str]:
    """Pass the 3-D Secure challenge of ``answer`` (a payment or mandate that requires
    action) the way each fake lets the customer; the params the completion is sent."""
    url = answer["next_action"]["url"]
    if gw.name == "stripe":
        return await _redirect_params(url, {"outcome": "succeed"})
    if gw.name in ("checkout", "paystack", "rapyd", "razorpay"):
        return await _redirect_params(url, {"outcome": "success"})
    if gw.name == "xendit":  # the AUTH action's page; the object is read again after
        return await _redirect_params(url, {"outcome": "pass"})
    if gw.name == "adyen":
        return {"redirectResult": gw.fake.redirect_result_for(answer["connector_payment_id"])}
    if gw.name == "mercadopago":  # the browser POSTs the creq to the issuer's page
        form = answer["next_action"]["form"]
        async with (
            aiohttp.ClientSession() as browser,
            browser.post(url, params={"outcome": "pass"}, data=form) as page,
        ):
            assert page.status == 200, await page.text()
        return {}
    order = answer["connector_payment_id"]
    async with (
        aiohttp.ClientSession() as browser,
        browser.post(f"{gw.url}/__fake__/payer-action/{order}", params={"outcome": "Y"}) as page,
    ):
        assert page.status == 204
    return {"token": order}


def _stripe_event(etype: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({
        "id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2024-06-20",
        "created": 1767225600, "livemode": False, "type": etype, "data": {"object": obj},
        "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
    }).encode()  # fmt: skip


def webhooks(gw: Gateway, made: dict[str, dict[str, Any]]) -> list[bytes]:
    """Signed-to-be webhook bodies about the payments ``made`` (by flow name), as each
    gateway would send them: the fake's own objects where it keeps them."""
    fake = gw.fake
    if gw.name == "stripe":
        view = {k: v for k, v in fake.intents[made["purchase"]["connector_payment_id"]].items()
                if not k.startswith("_")}  # fmt: skip
        failed = {k: v for k, v in fake.intents[made["decline"]["connector_payment_id"]].items()
                  if not k.startswith("_")}  # fmt: skip
        return [
            _stripe_event("payment_intent.succeeded", view),
            _stripe_event("payment_intent.payment_failed", failed),
        ]
    if gw.name == "adyen":  # every notification the fake recorded, signed inside each item
        return [fake.webhook(i) for i in range(len(fake.notifications))]
    if gw.name == "checkout":
        out = []
        for kind, flow in (("payment_captured", "purchase"), ("payment_declined", "decline")):
            name = f"webhook_{kind}"
            raw = json.loads((FIXTURES / "checkout" / f"{name}.json").read_text())
            raw["data"] |= {"id": made[flow]["connector_payment_id"], "currency": "EUR"}
            raw |= {"id": f"evt_{uuid.uuid4().hex[:26]}", "type": kind}
            out.append(json.dumps(raw).encode())
        return out
    if gw.name == "paystack":
        charge = fake.charges[made["purchase"]["connector_payment_id"]]
        return [json.dumps({"event": "charge.success", "data": fake._doc(charge)}).encode()]
    if gw.name == "razorpay":  # the fake's own payments, in Razorpay's event envelope
        entity = {f: fake.payments[made[f]["connector_payment_id"]] for f in made}
        return [
            json.dumps({
                "entity": "event", "account_id": "acc_ScanTest000001", "event": kind,
                "contains": ["payment"], "created_at": 1767225600,
                "payload": {"payment": {"entity": entity[flow]}},
            }).encode()
            for kind, flow in (("payment.captured", "purchase"), ("payment.failed", "decline"))
        ]  # fmt: skip
    if gw.name == "cybersource":  # notifications name the transaction only
        return [
            cybersource_fake.notification(made[flow]["connector_payment_id"], kind)
            for kind, flow in (("payments.payments.accept", "purchase"),
                               ("payments.payments.reject", "decline"))
        ]  # fmt: skip
    if gw.name == "authorizenet":  # notifications about the fake's own transactions
        return [
            authorizenet_fake.notification(kind, {
                "responseCode": code, "authAmount": float(record["amount"]),
                "invoiceNumber": record["invoice"], "entityName": "transaction",
                "id": record["transId"],
            })
            for kind, flow, code in (
                ("net.authorize.payment.authcapture.created", "purchase", 1),
                ("net.authorize.payment.authorization.created", "decline", 2),
            )
            for record in [fake.transactions[made[flow]["connector_payment_id"]]]
        ]  # fmt: skip
    if gw.name == "mercadopago":  # notifications name the payment; it is read back
        return [
            mercadopago_fake.notification(
                made[flow]["connector_payment_id"], notification_id=66_000_000 + n
            )
            for n, flow in enumerate(("purchase", "decline"))
        ]
    if gw.name == "rapyd":  # the fake's own payments, in Rapyd's webhook envelope
        out = []
        for kind, flow in (("PAYMENT_COMPLETED", "purchase"), ("PAYMENT_FAILED", "decline")):
            data = fake._doc(fake.payments[made[flow]["connector_payment_id"]])
            out.append(json.dumps({
                "id": f"wh_{uuid.uuid4().hex}", "type": kind, "data": data,
                "trigger_operation_id": str(uuid.uuid4()), "status": "NEW",
                "created_at": 1767225600,
            }).encode())  # fmt: skip
        return out
    if gw.name == "square":
        out = []
        for flow in ("purchase", "decline"):
            p = fake.payments[made[flow]["connector_payment_id"]]
            out.append(json.dumps(fake.event("payment.updated", "payment", p.id,
                                             fake.payment_doc(p))).encode())  # fmt: skip
        return out
    if gw.name == "xendit":  # callbacks about the fake's own payment requests
        return [
            fake.callback(kind, made[flow]["connector_payment_id"])
            for kind, flow in (("payment.succeeded", "purchase"), ("payment.failed", "decline"))
        ]
    if gw.name == "braintree":  # the signed form: the signature is inside the body
        txn = fake.transactions[made["purchase"]["connector_payment_id"]]
        xml = fake.notification("transaction_settled", txn)
        return [sign_notification(xml, fake.public_key, fake.private_key)]
    order = fake.order_view(made["purchase"]["connector_payment_id"])
    [capture] = order["purchase_units"][0]["payments"]["captures"]
    event = {"id": f"WH-{uuid.uuid4().hex[:17].upper()}", "event_version": "1.0",
             "create_time": "2026-01-01T10:20:35.000Z", "resource_type": "capture",
             "event_type": "PAYMENT.CAPTURE.COMPLETED", "summary": "captured",
             "resource": fake.capture_view(capture["id"])}  # fmt: skip
    return [json.dumps(event).encode()]


async def drive(
    gw: Gateway, client: Client, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[dict[str, Any]], int]:
    """Every flow ``gw``'s connector declares, each with a new card; then its webhooks.
    Returns the cards used (what must not be found) and how many webhooks were sent."""
    name, account = gw.name, gw.account["id"]
    flows = await client.flows(name)
    cards: list[dict[str, Any]] = []
    currency = {"paypal": "USD", "paystack": "NGN", "square": "USD", "braintree": "USD",
                "razorpay": "INR", "authorizenet": "USD",
                "cybersource": "USD", "xendit": "PHP",
                "mercadopago": "BRL"}.get(name, "EUR")  # fmt: skip
    one_step = "capture" not in flows  # Paystack: approved means paid
    needs = PAYMENT_NEEDS.get(name, {})
    # Razorpay captures the whole authorized amount only
    partial = {} if name == "razorpay" else {"amount": 3000}
    made: dict[str, dict[str, Any]] = {}

    def card(prefix: str, **extra: Any) -> dict[str, Any]:
        cards.append(new_card(prefix, **extra))
        if name in TOKENISED:  # the card as the browser hands it over: a token
            cards[-1]["token"] = f"cnon:scan-{uuid.uuid4().hex}"
            return {"type": "token", "token": cards[-1]["token"]}
        return cards[-1]

    def payment(amount: int, pm: dict[str, Any], capture: str = "manual", **extra: Any) -> Any:
        capture = "automatic" if one_step else capture
        return {"amount": amount, "currency": currency, "capture_method": capture,
                "payment_method": pm, "account": account, **needs, **extra}  # fmt: skip

    def three_ds_card() -> dict[str, Any]:
        three = card("4")
        module = {"stripe": stripe_fake, "adyen": adyen_fake, "paypal": paypal_fake}.get(name)
        if module is not None:  # the fake's 3-D Secure trigger is this run's number
            monkeypatch.setattr(module, "THREE_DS_CARD", three["number"])
        if name == "paystack":
            monkeypatch.setitem(paystack_fake.CARDS, three["number"], "open_url")
        if name == "razorpay":
            monkeypatch.setitem(razorpay_fake.CARDS, three["number"], "3ds")
        if name == "xendit":
            monkeypatch.setitem(xendit_fake.CARDS, three["number"], ("challenge", None))
        if name == "mercadopago":  # its fake challenges on the holder name
            three["holder_name"] = mercadopago_fake.THREE_DS_HOLDER
        return three

    # authorize (manual) + partial capture + refund + refund sync + sync
    auth = made["authorize"] = await client.post("/v1/payments", payment(5000, card("4")))
    assert auth["status"] == ("captured" if one_step else "authorized"), auth
    if not one_step:
        await client.post(f"/v1/payments/{auth['id']}/capture", partial)
    refund = await client.post(f"/v1/payments/{auth['id']}/refunds", {"amount": 1000})
    assert refund["payment_id"] == auth["id"]
    if "refund_sync" in flows:
        await client.get(f"/v1/refunds/{refund['id']}")
    if "sync" in flows:
        await client.get(f"/v1/payments/{auth['id']}")
    # purchase (automatic capture)
    purchase = made["purchase"] = await client.post(
        "/v1/payments", payment(2500, card("53"), capture="automatic")
    )
    assert purchase["status"] in ("captured", "processing"), purchase
    if name == "checkout":  # 202 at Checkout.com: its sync finds it captured
        await client.get(f"/v1/payments/{purchase['id']}")
    # void
    if "void" in flows:
        held = await client.post("/v1/payments", payment(4200, card("53")))
        voided = await client.post(f"/v1/payments/{held['id']}/void", {})
        assert voided["status"] in ("voided", "processing"), voided
    # a decline (a result, not an error)
    if name == "stripe":
        bad = card("4")
        declines = stripe_fake.DECLINES
        monkeypatch.setitem(declines, bad["number"], declines["4000000000000002"])
        body = payment(700, bad)
    elif name in ("checkout", "rapyd"):
        body = payment(5051, card("4"))  # the fake declines this amount
    elif name == "paystack":
        bad = card("4")
        monkeypatch.setitem(paystack_fake.CARDS, bad["number"], "Declined")
        body = payment(700, bad)
    elif name == "square":
        bad = card("4")
        declined_nonce = square_fake.NONCES["cnon:card-nonce-declined"]
        monkeypatch.setitem(square_fake.NONCES, bad["token"], declined_nonce)
        body = payment(700, bad)
    elif name == "braintree":
        body = payment(200100, card("4"))  # 2001.00: the sandbox declines this amount
    elif name == "cybersource":
        bad = card("4")
        reason = ("GENERAL_DECLINE", "General decline of the card.", "05")
        monkeypatch.setitem(cybersource_fake.DECLINES, bad["number"], reason)
        body = payment(700, bad)
    elif name == "mercadopago":  # Mercado Pago's test holder name for a decline
        body = payment(700, card("4", holder_name="FUND"))
    elif name == "razorpay":
        bad = card("4")
        monkeypatch.setitem(razorpay_fake.CARDS, bad["number"], "declined")
        monkeypatch.setitem(razorpay_fake.DECLINES, bad["number"], ("card_declined", "Declined."))
        body = payment(700, bad)
    elif name == "authorizenet":
        bad = card("4")
        monkeypatch.setitem(authorizenet_fake.DECLINES, bad["number"], ("2", "2", "Declined."))
        body = payment(700, bad)
    elif name == "xendit":
        bad = card("4")
        monkeypatch.setitem(xendit_fake.CARDS, bad["number"], ("decline", "CARD_DECLINED"))
        body = payment(700, bad)
    else:
        holder = {"adyen": "DECLINED", "paypal": "CCREJECT-IF"}[name]
        body = payment(700, card("53", holder_name=holder))
    declined = made["decline"] = await client.post("/v1/payments", body)
    assert declined["status"] == "failed", declined
    # 3-D Secure challenge, then complete
    if "complete_authorize" in flows:
        pending = await client.post(
            "/v1/payments", payment(3300, three_ds_card(), return_url=RETURN_URL)
        )
        assert pending["status"] == "requires_action", pending
        params = await challenge(gw, pending)
        done = await client.post(f"/v1/payments/{pending['id']}/complete", {"params": params})
        assert done["status"] == ("captured" if one_step else "authorized"), done
    if name == "paystack":  # the PIN, then the OTP, through the completion
        pin_card = card("5")
        monkeypatch.setitem(paystack_fake.CARDS, pin_card["number"], "send_pin")
        asked = await client.post("/v1/payments", payment(1800, pin_card))
        assert asked["next_action"]["form"] == {"pin": ""}, asked
        path = f"/v1/payments/{asked['id']}/complete"
        await client.post(path, {"params": {"pin": paystack_fake.PIN}})
        paid = await client.post(path, {"params": {"otp": paystack_fake.OTP}})
        assert paid["status"] == "captured", paid
    if name in ("braintree", "authorizenet"):  # no redirect: a card stored on a charge
        kept = await client.post("/v1/payments", payment(
            1500, card("4"), capture="automatic", setup_future_usage="off_session",
            customer={"id": "shopper-kept", "email": "ada@example.com"},
        ))  # fmt: skip
        assert kept["status"] == "captured" and kept["mandate"]["status"] == "active", kept
    # mandate set-up + merchant-initiated charge + revoke
    customer = {"id": f"shopper-{uuid.uuid4().hex[:6]}", "email": "ada@example.com"}
    mandate = await client.post("/v1/mandates", {
        "currency": currency, "payment_method": card("53"), "customer": customer,
        "account": account, **MANDATE_NEEDS.get(name, {}),
    })  # fmt: skip
    assert mandate["status"] == "active", mandate
    mit = {"amount": 999, "currency": currency, "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    charge = await client.post("/v1/payments", mit)
    assert charge["status"] in ("captured", "processing"), charge
    revoked = await client.post(f"/v1/mandates/{mandate['id']}/revoke", {})
    assert revoked["status"] == "revoked"
    # a mandate set-up that needs the customer (3-D Secure), then completed
    if "complete_mandate" in flows:
        setup = await client.post("/v1/mandates", {
            "currency": currency, "payment_method": three_ds_card(), "customer": customer,
            "return_url": RETURN_URL, "account": account, **MANDATE_NEEDS.get(name, {}),
        })  # fmt: skip
        assert setup["status"] == "pending", setup
        params = await challenge(gw, setup)
        done = await client.post(f"/v1/mandates/{setup['id']}/complete", {"params": params})
        assert done["status"] == "active", done
    # the gateway's webhooks about these payments: stored events, outbox rows
    bodies = webhooks(gw, made)
    for body in bodies:
        status = await client.webhook(gw, gw.sign(body), body)
        assert 200 <= status < 300, (status, body[:200])
    return cards, len(bodies)


# ---------------------------------------------------------------------- the backends


def config_toml(gw: Gateway) -> str:
    """The server's TOML: the gateway's account (webhook secrets included), DEBUG logs,
    one client endpoint and no delivery worker (the events wait in the outbox)."""
    a = gw.account
    account = account_toml(
        a["id"], a["connector"], a["base_url"], a["credentials"], a.get("options")
    )
    return (
        f'default_account = "{a["id"]}"\n\n[server]\nlog_level = "debug"\n\n'
        "[webhooks]\ndeliver = false\n\n"
        f'[[webhook_endpoints]]\nid = "{ENDPOINT["id"]}"\nurl = "{ENDPOINT["url"]}"\n'
        f'secret = "{ENDPOINT["secret"]}"\n\n{account}'
    )


@asynccontextmanager
async def served(
    name: str, tmp: Path, storage_url: str
) -> AsyncIterator[tuple[Gateway, ServiceProcess]]:
    """The gateway's fake and a real service process on ``storage_url`` (stopped on exit,
    so its log is complete)."""
    async with gateway(name, f"{name}-scan") as gw:
        svc = start_service(tmp, config_toml(gw), env={"CS_STORAGE_URL": storage_url})
        try:
            yield gw, svc
        finally:
            svc.stop()


def _stored_something(tables: dict[str, list[bytes]], webhooks_sent: int) -> None:
    """The scan means something: the front's idempotency records, one stored event per
    webhook received and their pending deliveries (the outbox) are there."""
    assert any(row.startswith(b"idempotency\x1e") for row in tables["kv"]), "no idempotency"
    assert len(tables["webhook_events"]) == webhooks_sent, tables["webhook_events"]
    assert len(tables["webhook_deliveries"]) == webhooks_sent


@pytest.mark.parametrize("name", GATEWAYS)
async def test_sqlite_file_wal_and_logs_hold_no_card_data(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "scan.db"
    async with served(name, tmp_path, f"sqlite:///{db}") as (gw, svc):
        cards, sent = await drive(gw, RestClient(svc.url), monkeypatch)
        raw, tables = sqlite_contents(db)
    logs = svc.log_path.read_bytes()
    _stored_something(tables, sent)
    rows = joined(tables)
    assert b'"level":"debug"' in logs and b"connector_service.transcript" in logs
    assert len(cards) >= (5 if name in NO_THREE_DS else 6)  # no 3-D Secure flows
    assert hits(raw, cards) == []
    assert hits(rows, cards) == []
    assert hits(logs, cards) == []
    assert continuation_secrets(raw + rows + logs) == []
    assert token_hits(raw + rows + logs, cards) == []


@pytest.fixture
def pg_dsn(postgres_dsn: str) -> Iterator[str]:
    with pg_schema(postgres_dsn) as dsn:
        yield dsn


@pytest.mark.parametrize("name", GATEWAYS)
async def test_postgresql_tables_and_logs_hold_no_card_data(
    name: str, tmp_path: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with served(name, tmp_path, pg_dsn) as (gw, svc):
        cards, sent = await drive(gw, RestClient(svc.url), monkeypatch)
    tables = await postgres_contents(pg_dsn)
    _stored_something(tables, sent)
    rows = joined(tables)
    logs = svc.log_path.read_bytes()
    assert b"connector_service.transcript" in logs
    assert hits(rows, cards) == []
    assert hits(logs, cards) == []
    assert continuation_secrets(rows + logs) == []
    assert token_hits(rows + logs, cards) == []


@pytest.mark.parametrize("name", GATEWAYS)
async def test_memory_storage_and_log_records_hold_no_card_data(
    name: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level("DEBUG")
    async with gateway(name, f"{name}-scan") as gw:
        config = {
            "storage": {"url": "memory://"},
            "webhooks": {"deliver": False, "sandbox_events": "off"},
            "reconciler": {"enabled": False},
            "accounts": [gw.account],
            "webhook_endpoints": [ENDPOINT],
        }
        async with ConnectorService(config) as cs:
            cards, sent = await drive(gw, LibraryClient(cs), monkeypatch)
            blobs: list[bytes] = []
            walk(cs.runtime.storage, blobs, set())
            walk(cs.runtime.webhooks.store, blobs, set())
            events = await cs.runtime.webhooks.store.list_events(limit=100)
    assert len(events) == sent, "not every webhook was stored as an event"
    stored = b"\n".join(blobs)
    # what was walked: the facts records (library mode keeps no idempotency records of
    # its own: the key goes to the gateway) and the outbox's pending deliveries
    assert b"facts" in stored and b"dlv_" in stored
    assert hits(stored, cards) == []
    records = [r for r in caplog.records if r.levelname == "DEBUG"]
    assert any(r.name.startswith("connector_service.transcript") for r in records)
    logs = "\n".join(r.getMessage() + " " + repr(r.__dict__) for r in caplog.records)
    assert hits(logs.encode(), cards) == []
    assert continuation_secrets(stored + logs.encode()) == []
    assert token_hits(stored + logs.encode(), cards) == []


def continuation_secrets(blob: bytes) -> list[str]:
    """Where ``blob`` holds the Paystack fake's OTP, or its PIN next to a PIN key."""
    found = []
    otp, pin = paystack_fake.OTP.encode(), paystack_fake.PIN.encode()
    for pattern in (re.compile(re.escape(otp)), re.compile(rb"(?i)pin\W{0,8}" + pin)):
        found += [blob[max(m.start() - 60, 0) : m.end() + 20].decode(errors="replace")
                  for m in pattern.finditer(blob)]  # fmt: skip
    return found


def token_hits(blob: bytes, cards: list[dict[str, Any]]) -> list[str]:
    """Where ``blob`` holds a payment token a card of the run was paid with (Square)."""
    found = []
    for token in (c["token"].encode() for c in cards if "token" in c):
        found += [blob[max(m.start() - 60, 0) : m.end() + 20].decode(errors="replace")
                  for m in re.finditer(re.escape(token), blob)]  # fmt: skip
    return found
