"""A loopback fake of Razorpay's orders, S2S payments, refunds, customers and tokens.

Razorpay publishes no machine-readable API description, so :meth:`RazorpayFake.check`
is a hand-written contract: one msgspec struct per request body
(``forbid_unknown_fields``), with the fields and JSON types the official Python SDK
(``razorpay``) sends for the same operation in its documentation, plus the header rules
(HTTP Basic ``key_id:key_secret``, ``application/json``). ``tests/connectors/
test_razorpay_sdk.py`` drives the SDK against a loopback recorder and checks both that
the connector's requests have the SDK's shape and that the SDK's requests pass this
contract, so the two cannot drift apart.

Its answers are shaped like the documented entities (``order``, ``payment``,
``refund``, ``customer``, ``token``, collections) over a small ledger, so order ->
payment -> capture -> refund -> sync agree. Behaviour is chosen by card number
(``CARDS``): a frictionless success, a 3-D Secure card (a ``redirect`` next action to
this fake's authentication page, which then sends the browser to the callback URL with
``razorpay_payment_id``, ``razorpay_order_id`` and ``razorpay_signature``) and declines
(HTTP 400 errors that name the failed payment in ``error.metadata``, as Razorpay does).
A netbanking payment redirects to this fake's bank page (``/v1/bank/{id}``, the same
return as 3-D Secure; ``outcome=failure`` is the customer cancelling at the bank).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import random
import secrets
import string
import time
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import msgspec
from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation

# Made per process (never committed key-shaped literals): Razorpay's key id is
# rzp_test_ + 14 characters, the secret 24.
KEY_ID = "rzp_test_" + "".join(random.choices(string.ascii_letters + string.digits, k=14))
KEY_SECRET = "".join(random.choices(string.ascii_letters + string.digits, k=24))
WEBHOOK_SECRET = "whk-" + secrets.token_hex(12)

SUCCESS_CARD = "4111111111111111"
THREE_DS_CARD = "5267318187975449"
# card number -> (error.reason, error.description) of the failed payment
DECLINES: dict[str, tuple[str, str]] = {
    "4000000000000002": ("card_declined", "Your payment has been declined by your bank."),
    "4000000000000069": (
        "card_expired",
        "Your payment could not be completed as this card has expired.",
    ),
    "4000000000009995": (
        "insufficient_funds",
        "Your payment could not be completed due to insufficient account balance.",
    ),
}
# Netbanking bank codes the fake takes (a few of GET /methods "netbanking").
BANKS = frozenset({"HDFC", "SBIN", "ICIC", "UTIB", "KKBK", "HDFC_C", "BARB_R"})
CARDS = {SUCCESS_CARD: "success", THREE_DS_CARD: "3ds", **dict.fromkeys(DECLINES, "declined")}
_clock = itertools.count(int(time.time()))


# --------------------------------------------------------------------------- the contract


class _In(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class TokenTermsIn(_In):
    """``token`` of a recurring registration order (cards; UPI AutoPay: frequency
    ``as_presented`` or ``monthly``; notes)."""

    max_amount: int
    expire_at: int
    frequency: str | None = None
    notes: dict[str, str] | None = None


class TransferIn(_In):
    """A Route transfer on an order (SDK documents/transfer.md "Create transfers from
    order": account, amount, currency, notes, linked_account_notes, on_hold,
    on_hold_until)."""

    account: str
    amount: int
    currency: str
    notes: dict[str, str] | None = None
    linked_account_notes: list[str] | None = None
    on_hold: bool | int | None = None
    on_hold_until: int | None = None

    def __post_init__(self) -> None:
        if not self.account.startswith("acc_"):
            raise ValueError("transfers[].account is a linked account id (acc_...)")
        if self.amount <= 0:
            raise ValueError("transfers[].amount must be positive")


class OrderIn(_In):
    """``client.order.create`` (SDK documents/order.md, card.md: amount, currency,
    receipt, notes, payment_capture, partial_payment; customer_id, method, token for a
    recurring registration; payment for capture settings)."""

    amount: int
    currency: str
    receipt: str | None = None
    notes: dict[str, str] | None = None
    payment_capture: bool | int | None = None
    partial_payment: bool | None = None
    first_payment_min_amount: int | None = None
    customer_id: str | None = None
    method: str | None = None
    token: TokenTermsIn | None = None
    payment: dict[str, Any] | None = None
    transfers: list[TransferIn] | None = None

    def __post_init__(self) -> None:
        if self.transfers and sum(t.amount for t in self.transfers) > self.amount:
            raise ValueError("the transfers add up to more than the order's amount")


class CardIn(_In):
    number: str
    expiry_month: int
    expiry_year: int
    name: str | None = None
    # The SDK's documented example sends an integer; a string keeps a leading zero.
    cvv: str | int | None = None


class BrowserIn(_In):
    java_enabled: bool | None = None
    javascript_enabled: bool | None = None
    timezone_offset: int | None = None
    color_depth: int | None = None
    screen_width: int | None = None
    screen_height: int | None = None
    language: str | None = None


class AuthenticationIn(_In):
    authentication_channel: str


class PaymentJsonIn(_In):
    """``client.payment.createPaymentJson`` (S2S JSON v2): a card, or netbanking with
    the bank's code (S2S JSON v2 "Build Integration for Netbanking")."""

    amount: int
    currency: str
    order_id: str
    email: str
    contact: str
    method: Literal["card", "netbanking"]
    card: CardIn | None = None
    bank: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    referer: str | None = None
    callback_url: str | None = None
    description: str | None = None
    notes: dict[str, str] | None = None
    customer_id: str | None = None
    recurring: bool | str | None = None
    save: bool | None = None
    authentication: AuthenticationIn | None = None
    browser: BrowserIn | None = None

    def __post_init__(self) -> None:
        if self.method == "card" and (self.card is None or self.bank is not None):
            raise ValueError("a card payment has card and no bank")
        if self.method == "netbanking":
            if self.bank is None or self.card is not None:
                raise ValueError("a netbanking payment has bank and no card")
            if self.bank not in BANKS:
                raise ValueError(f"bank {self.bank!r} is not a Razorpay netbanking code")
            if self.authentication is not None or self.browser is not None:
                raise ValueError("authentication/browser are for card payments")


class UpiIn(_In):
    """``upi`` of ``client.payment.createUpi`` (S2S UPI: flow collect with the payer's
    vpa and expiry_time in minutes, or intent)."""

    flow: Literal["collect", "intent"]
    vpa: str | None = None
    expiry_time: str | int | None = None

    def __post_init__(self) -> None:
        if self.flow == "collect" and not (self.vpa and "@" in self.vpa):
            raise ValueError("upi.vpa (name@psp) is required for the collect flow")
        if self.flow == "intent" and self.vpa is not None:
            raise ValueError("upi.vpa goes with the collect flow only")
        if self.expiry_time is not None and not 5 <= int(self.expiry_time) <= 60:
            raise ValueError("upi.expiry_time is 5 to 60 minutes")


class PaymentUpiIn(_In):
    """``client.payment.createUpi`` (S2S UPI, SDK documents/upi.md)."""

    amount: int
    currency: Literal["INR"]
    order_id: str
    email: str
    contact: str
    method: Literal["upi"]
    upi: UpiIn
    ip: str
    user_agent: str
    referer: str | None = None
    callback_url: str | None = None
    description: str | None = None
    notes: dict[str, str] | None = None
    customer_id: str | None = None
    save: bool | None = None
    # UPI AutoPay's authorization payment (recurring payments, UPI, "Create an
    # authorisation payment"): "recurring": "1" with the token order's customer
    recurring: Literal["1", 1, True] | None = None

    def __post_init__(self) -> None:
        if self.recurring is not None and not self.customer_id:
            raise ValueError("a recurring (AutoPay) UPI payment names its customer_id")


class RecurringIn(_In):
    """``client.payment.createRecurring`` (SDK documents/card.md)."""

    email: str
    contact: str | int
    amount: int
    currency: str
    order_id: str
    customer_id: str
    token: str
    recurring: bool | str
    description: str | None = None
    notes: dict[str, str] | None = None


class CaptureIn(_In):
    """``client.payment.capture(id, amount, {"currency": ...})``."""

    amount: int
    currency: str | None = None


class RefundIn(_In):
    """``client.payment.refund(id, {...})`` (documents/refund.md)."""

    amount: int | None = None
    speed: str | None = None
    receipt: str | None = None
    notes: dict[str, str] | None = None
    # documents/refund.md "Refund payments and reverse transfer from a linked account"
    reverse_all: bool | int | None = None


class CustomerIn(_In):
    """``client.customer.create`` (documents/customer.md)."""

    name: str
    email: str | None = None
    contact: str | None = None
    fail_existing: str | None = None
    gstin: str | None = None
    notes: dict[str, str] | None = None


class EmptyIn(_In):
    pass


# (method, path pattern with {} for ids) -> the body's struct
BODIES: dict[tuple[str, str], type[_In]] = {
    ("POST", "/v1/orders"): OrderIn,
    ("POST", "/v1/payments/create/json"): PaymentJsonIn,
    ("POST", "/v1/payments/create/recurring"): RecurringIn,
    ("POST", "/v1/payments/create/upi"): PaymentUpiIn,
    ("POST", "/v1/payments/{}/capture"): CaptureIn,
    ("POST", "/v1/payments/{}/refund"): RefundIn,
    ("POST", "/v1/customers"): CustomerIn,
    ("DELETE", "/v1/customers/{}/tokens/{}"): EmptyIn,
}
READS = {
    "/v1/orders",
    "/v1/orders/{}/payments",
    "/v1/payments/{}",
    "/v1/payments/{}/refunds",
    "/v1/refunds/{}",
    "/v1/customers/{}/tokens/{}",
}
_PREFIXES = ("order_", "pay_", "rfnd_", "cust_", "token_")


def route_of(path: str) -> str:
    """``/v1/payments/pay_X/capture`` -> ``/v1/payments/{}/capture``."""
    return "/".join("{}" if p.startswith(_PREFIXES) else p for p in path.split("/"))


def check_request(request: HttpRequest, key_id: str, key_secret: str) -> None:
    """Every rule a Razorpay request must pass (raise SpecViolation)."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    wanted = "Basic " + base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()
    if headers.get("authorization") != wanted:
        raise SpecViolation("Authorization must be HTTP Basic key_id:key_secret")
    parts = urlsplit(request.url)
    route = route_of(parts.path)
    if request.method == "GET":
        if route not in READS:
            raise SpecViolation(f"GET {route} is not a Razorpay read")
        if request.body:
            raise SpecViolation(f"GET {route} must not have a body")
        return
    struct = BODIES.get((request.method, route))
    if struct is None:
        raise SpecViolation(f"{request.method} {route} is not a Razorpay operation")
    if request.body is None:
        if struct is EmptyIn:
            return
        raise SpecViolation(f"{request.method} {route} needs a JSON body")
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise SpecViolation(f"{request.method} {route}: Content-Type must be application/json")
    try:
        body = msgspec.json.decode(request.body, type=struct)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise SpecViolation(f"{request.method} {route}: {exc}") from None
    for name in ("amount", "max_amount"):
        value = getattr(body, name, None)
        if isinstance(value, int) and value <= 0:
            raise SpecViolation(f"{request.method} {route}: {name} must be a positive integer")
    currency = getattr(body, "currency", None)
    if isinstance(currency, str) and (len(currency) != 3 or not currency.isupper()):
        raise SpecViolation(f"{request.method} {route}: currency must be ISO 4217, upper case")
    receipt = getattr(body, "receipt", None)
    if isinstance(receipt, str) and len(receipt) > 40:
        raise SpecViolation(f"{request.method} {route}: receipt is 40 characters at most")
    notes = getattr(body, "notes", None)
    if isinstance(notes, dict) and (
        len(notes) > 15 or any(len(k) > 256 or len(v) > 256 for k, v in notes.items())
    ):
        raise SpecViolation(f"{request.method} {route}: notes are 15 pairs of 256 at most")
    if isinstance(body, PaymentJsonIn):
        card = body.card
        if card is not None and (not card.number.isdigit() or not 1 <= card.expiry_month <= 12):
            raise SpecViolation("card.number / card.expiry_month invalid")
        if len(body.email) > 40 or len(body.contact) > 15:
            raise SpecViolation("email is 40 characters at most, contact 15")


def signature(key_secret: str, order_id: str, payment_id: str) -> str:
    """The callback's ``razorpay_signature``, computed here on its own."""
    message = f"{order_id}|{payment_id}".encode()
    return hmac.new(key_secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_headers(body: bytes, secret: str, event_id: str | None = None) -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-Razorpay-Signature": mac,
        "X-Razorpay-Event-Id": event_id or "".join(random.choices(string.ascii_letters, k=14)),
    }


def new_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(random.choices(string.ascii_letters + string.digits, k=14))


def _error(
    status: int,
    description: str,
    *,
    reason: str = "input_validation_failed",
    field: str | None = None,
    code: str = "BAD_REQUEST_ERROR",
    source: str = "business",
    step: str = "payment_initiation",
    metadata: dict[str, str] | None = None,
) -> web.Response:
    error = {
        "code": code,
        "description": description,
        "source": source,
        "step": step,
        "reason": reason,
        "metadata": metadata or {},
        "field": field,
    }
    return web.json_response({"error": error}, status=status)


def _collection(items: list[dict[str, Any]]) -> web.Response:
    return web.json_response({"entity": "collection", "count": len(items), "items": items})


# --------------------------------------------------------------------------- the fake


class RazorpayFake(FakeGateway):
    base_path = "/v1"

    def __init__(self) -> None:
        super().__init__()
        self.key_id, self.key_secret = KEY_ID, KEY_SECRET
        self.orders: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}  # token id -> token (with customer_id)
        self.private: dict[str, dict[str, Any]] = {}  # payment id -> what is not shown

    @property
    def credentials(self) -> dict[str, str]:
        return {
            "key_id": self.key_id,
            "key_secret": self.key_secret,
            "webhook_secret": WEBHOOK_SECRET,
        }

    @property
    def requests(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        return [
            (r.method, urlsplit(r.url).path, json.loads(r.body) if r.body else None)
            for r in self.received
        ]

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/v1/orders", self.create_order)
        r.add_get("/v1/orders", self.list_orders)
        r.add_get("/v1/orders/{id}/payments", self.order_payments)
        r.add_post("/v1/payments/create/json", self.create_json)
        r.add_post("/v1/payments/create/recurring", self.create_recurring)
        r.add_post("/v1/payments/create/upi", self.create_upi)
        r.add_get("/v1/payments/{id}", self.get_payment)
        r.add_post("/v1/payments/{id}/capture", self.capture)
        r.add_post("/v1/payments/{id}/refund", self.refund)
        r.add_get("/v1/payments/{id}/refunds", self.payment_refunds)
        r.add_get("/v1/refunds/{id}", self.get_refund)
        r.add_post("/v1/customers", self.create_customer)
        r.add_delete("/v1/customers/{cid}/tokens/{tid}", self.delete_token)
        r.add_get("/v1/customers/{cid}/tokens/{tid}", self.get_token)
        r.add_get("/v1/3ds/{id}", self.three_ds_page)  # the bank's page, not API
        r.add_get("/v1/bank/{id}", self.three_ds_page)  # the netbanking login, not API

    # ---- request checks

    def is_api(self, request: web.Request) -> bool:
        return not request.path.startswith(("/v1/3ds/", "/v1/bank/"))

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        wanted = "Basic " + base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
        if request.headers.get("Authorization") == wanted:
            return None
        return _error(401, "Authentication failed", reason="NA", source="NA", step="NA")

    def check(self, request: HttpRequest) -> None:
        check_request(request, self.key_id, self.key_secret)

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return _error(400, str(violation))

    # ---- documents

    def _order(self, body: dict[str, Any]) -> dict[str, Any]:
        order = {
            "id": new_id("order"),
            "entity": "order",
            "amount": body["amount"],
            "amount_paid": 0,
            "amount_due": body["amount"],
            "currency": body["currency"],
            "receipt": body.get("receipt"),
            "offer_id": None,
            "status": "created",
            "attempts": 0,
            "notes": body.get("notes") or [],
            "created_at": next(_clock),
        }
        if body.get("token"):
            order["token"] = {k: body["token"][k] for k in ("max_amount", "expire_at")}
            order["method"] = body.get("method")
        return order

    def _new_payment(self, order: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        card = body.get("card") or {}
        token = self.tokens.get(body.get("token", ""))
        # a UPI token has no card: the charge's card block is replaced by its caller
        shown = (token.get("card") or {"last4": "", "network": ""}) if token else card
        number = str(card.get("number", "")) if card else ""
        payment = {
            "id": new_id("pay"),
            "entity": "payment",
            "amount": body["amount"],
            "currency": body["currency"],
            "status": "created",
            "order_id": order["id"],
            "invoice_id": None,
            "international": False,
            "method": "card",
            "amount_refunded": 0,
            "refund_status": None,
            "captured": False,
            "description": body.get("description"),
            "card_id": new_id("card"),
            "card": {
                "id": new_id("card"),
                "entity": "card",
                "name": shown.get("name"),
                "last4": shown["last4"] if token else number[-4:],
                "network": shown["network"] if token else _network(number),
                "type": "credit",
                "issuer": None,
                "international": False,
                "emi": False,
                "sub_type": "consumer",
            },
            "bank": None,
            "wallet": None,
            "vpa": None,
            "email": body.get("email"),
            "contact": str(body.get("contact")),
            "customer_id": body.get("customer_id"),
            "token_id": token["id"] if token else None,
            "notes": body.get("notes") or [],
            "fee": None,
            "tax": None,
            "error_code": None,
            "error_description": None,
            "error_source": None,
            "error_step": None,
            "error_reason": None,
            "acquirer_data": {"auth_code": None},
            "created_at": next(_clock),
        }
        self.payments[payment["id"]] = payment
        self.private[payment["id"]] = {
            "callback_url": body.get("callback_url"),
            "recurring": bool(body.get("recurring")),
            "card": card,
        }
        order["attempts"] += 1
        order["status"] = "attempted"
        return payment

    def _fail(self, payment: dict[str, Any], reason: str, description: str, step: str) -> None:
        payment.update(
            status="failed",
            error_code="BAD_REQUEST_ERROR",
            error_description=description,
            error_source="customer" if reason == "authentication_failed" else "bank",
            error_step=step,
            error_reason=reason,
        )

    def _authorize(self, payment: dict[str, Any]) -> None:
        order = self.orders[payment["order_id"]]
        payment["status"] = "authorized"
        payment["acquirer_data"] = {"auth_code": str(random.randint(100000, 999999))}
        private = self.private[payment["id"]]
        if private["recurring"] and order.get("token") and payment["method"] == "upi":
            self._upi_token(payment, order)
        elif private["recurring"] and order.get("token") and payment["customer_id"]:
            card = private["card"]
            token = {
                "id": new_id("token"),
                "entity": "token",
                "token": secrets.token_hex(7),
                "bank": None,
                "wallet": None,
                "method": "card",
                "card": {
                    "entity": "card",
                    "name": card.get("name"),
                    "last4": str(card["number"])[-4:],
                    "network": _network(str(card["number"])),
                    "type": "credit",
                    "expiry_month": card["expiry_month"],
                    "expiry_year": 2000 + int(card["expiry_year"]) % 100,
                },
                "recurring": True,
                "recurring_details": {"status": "confirmed", "failure_reason": None},
                "customer_id": payment["customer_id"],
                "max_amount": order["token"]["max_amount"],
                "created_at": next(_clock),
                "expired_at": order["token"]["expire_at"],
            }
            self.tokens[token["id"]] = token
            payment["token_id"] = token["id"]
        if order.get("payment_capture"):
            self._capture(payment)
        order["status"] = "paid" if payment["status"] == "captured" else "attempted"

    def _upi_token(self, payment: dict[str, Any], order: dict[str, Any]) -> None:
        """The AutoPay mandate the customer approved: a token ``initiated`` until NPCI
        confirms it (:meth:`npci_confirm`), which Razorpay tells by ``token.confirmed``."""
        username, _, handle = (payment.get("vpa") or "customer@upi").partition("@")
        token = {
            "id": new_id("token"),
            "entity": "token",
            "token": secrets.token_hex(7),
            "bank": None,
            "wallet": None,
            "method": "upi",
            "vpa": {"username": username, "handle": handle, "name": None},
            "recurring": True,
            "recurring_details": {"status": "initiated", "failure_reason": None},
            "auth_type": None,
            "mrn": None,
            "customer_id": payment["customer_id"],
            "max_amount": order["token"]["max_amount"],
            "created_at": next(_clock),
            "expired_at": order["token"]["expire_at"],
        }
        self.tokens[token["id"]] = token
        payment["token_id"] = token["id"]

    def npci_confirm(self, token_id: str, confirmed: bool = True) -> dict[str, Any]:
        """NPCI confirms (or rejects) the UPI mandate: the token's recurring status."""
        token = self.tokens[token_id]
        token["recurring_details"] = (
            {"status": "confirmed", "failure_reason": None}
            if confirmed
            else {"status": "rejected", "failure_reason": "Mandate rejected by the bank"}
        )
        return token

    def upi_debit(self, payment_id: str) -> None:
        """The debit of a UPI AutoPay charge, made by Razorpay at least 24 hours after its
        pre-debit notification: until then the recurring payment is ``created``."""
        self._authorize(self.payments[payment_id])

    def _capture(self, payment: dict[str, Any]) -> None:
        payment["status"], payment["captured"] = "captured", True
        payment["fee"], payment["tax"] = payment["amount"] // 50, 0
        order = self.orders[payment["order_id"]]
        order.update(status="paid", amount_paid=payment["amount"], amount_due=0)

    def _declined(self, payment: dict[str, Any], reason: str, description: str) -> web.Response:
        self._fail(payment, reason, description, "payment_authorization")
        return _error(
            400,
            description,
            reason=reason,
            source="bank",
            step="payment_authorization",
            metadata={"payment_id": payment["id"], "order_id": payment["order_id"]},
        )

    def _paid_answer(self, payment: dict[str, Any]) -> web.Response:
        return web.json_response(
            {
                "razorpay_payment_id": payment["id"],
                "razorpay_order_id": payment["order_id"],
                "razorpay_signature": signature(
                    self.key_secret, payment["order_id"], payment["id"]
                ),
            }
        )

    def _payable(self, body: dict[str, Any]) -> dict[str, Any] | web.Response:
        order = self.orders.get(body.get("order_id", ""))
        if order is None:
            return _error(400, "The id provided does not exist", field="order_id")
        if order["status"] == "paid":
            return _error(400, "Order has already been paid", field="order_id")
        if body["amount"] != order["amount"] or body["currency"] != order["currency"]:
            return _error(400, "Amount does not match the order amount", field="amount")
        return order

    # ---- handlers

    async def create_order(self, request: web.Request) -> web.Response:
        body = await request.json()
        capture = body.get("payment_capture")
        order = self._order(body)
        self.orders[order["id"]] = order
        self.private[order["id"]] = {"customer_id": body.get("customer_id")}
        order_doc = dict(order)
        order["payment_capture"] = bool(capture)
        return web.json_response(order_doc)

    def _shown(self, order: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in order.items() if k != "payment_capture"}

    async def list_orders(self, request: web.Request) -> web.Response:
        receipt = request.query.get("receipt")
        found = [
            self._shown(o) for o in self.orders.values() if receipt and o["receipt"] == receipt
        ]
        found.sort(key=lambda o: o["created_at"], reverse=True)
        return _collection(found)

    async def order_payments(self, request: web.Request) -> web.Response:
        oid = request.match_info["id"]
        if oid not in self.orders:
            return _error(400, "The id provided does not exist")
        return _collection([p for p in self.payments.values() if p["order_id"] == oid])

    async def create_json(self, request: web.Request) -> web.Response:
        body = await request.json()
        order = self._payable(body)
        if isinstance(order, web.Response):
            return order
        if order.get("token") and not body.get("recurring"):
            return _error(400, "recurring is required for a token order", field="recurring")
        if order.get("token") and body.get("customer_id") != self.private[order["id"]].get(
            "customer_id"
        ):
            return _error(400, "customer_id does not match the order", field="customer_id")
        if not body.get("ip") or not body.get("user_agent"):
            return _error(400, "The ip field is required.", field="ip")
        if body["method"] == "netbanking":
            return self._netbanking(order, body)
        payment = self._new_payment(order, body)
        number = str(body["card"]["number"])
        kind = CARDS.get(number, "success")
        if kind == "declined":
            return self._declined(payment, *DECLINES[number])
        if kind == "3ds":
            if not body.get("callback_url"):
                return _error(400, "The callback url field is required.", field="callback_url")
            url = f"{self.base_url}/3ds/{payment['id']}"
            return web.json_response(
                {
                    "razorpay_payment_id": payment["id"],
                    "next": [
                        {"action": "redirect", "url": url},
                        {
                            "action": "otp_generate",
                            "url": f"{self.base_url}/payments/{payment['id']}/otp_generate",
                        },
                    ],
                }
            )
        self._authorize(payment)
        return self._paid_answer(payment)

    def _netbanking(self, order: dict[str, Any], body: dict[str, Any]) -> web.Response:
        """A netbanking payment: ``created`` until the customer logs in at the bank's
        page (this fake's ``/v1/bank/{id}``) and approves."""
        if not body.get("callback_url"):
            return _error(400, "The callback url field is required.", field="callback_url")
        payment = self._new_payment(order, body)
        payment.update(method="netbanking", card_id=None, card=None, bank=body["bank"])
        url = f"{self.base_url}/bank/{payment['id']}"
        return web.json_response(
            {"razorpay_payment_id": payment["id"], "next": [{"action": "redirect", "url": url}]}
        )

    async def create_upi(self, request: web.Request) -> web.Response:
        body = await request.json()
        order = self._payable(body)
        if isinstance(order, web.Response):
            return order
        registering = bool(order.get("token"))
        if registering and (order.get("method") != "upi" or not body.get("recurring")):
            return _error(400, "recurring is required for a UPI token order", field="recurring")
        if registering and body.get("customer_id") != self.private[order["id"]].get("customer_id"):
            return _error(400, "customer_id does not match the order", field="customer_id")
        payment = self._new_payment(order, body)
        upi = body["upi"]
        payment.update(method="upi", card_id=None, card=None, vpa=upi.get("vpa"),
                       upi={"payer_account_type": "bank_account", "vpa": upi.get("vpa"),
                            "flow": upi["flow"]})  # fmt: skip
        self.private[payment["id"]]["upi"] = upi["flow"]
        if upi["flow"] == "collect":
            poll = f"{self.base_url}/payments/{payment['id']}/status?key_id={self.key_id}"
            return web.json_response(
                {"razorpay_payment_id": payment["id"], "next": [{"action": "poll", "url": poll}]}
            )
        kind = "mandate" if registering else "pay"
        link = (f"upi://{kind}?pa=razorpay.merchant@icici&pn=Shop&tr={payment['id']}"
                f"&am={payment['amount'] / 100:.2f}&cu=INR&mc=5411")  # fmt: skip
        return web.json_response({
            "razorpay_payment_id": payment["id"], "link": link,
            "next": [{"action": "intent", "url": link}, {"action": "poll",
                      "url": f"{self.base_url}/payments/{payment['id']}/status"}],
        })  # fmt: skip

    def customer_upi_app(self, payment_id: str, approve: bool = True) -> None:
        """The customer approves (or declines) the collect request, or pays the intent,
        in their UPI app. ``failure@razorpay`` (Razorpay's test VPA) always fails."""
        payment = self.payments[payment_id]
        if not approve or payment.get("vpa") == "failure@razorpay":
            self._fail(payment, "payment_failed", "Payment was unsuccessful as the customer "
                       "declined the request", "payment_authorization")  # fmt: skip
            return
        self._authorize(payment)

    async def create_recurring(self, request: web.Request) -> web.Response:
        body = await request.json()
        order = self._payable(body)
        if isinstance(order, web.Response):
            return order
        token = self.tokens.get(body["token"])
        if token is None or token["customer_id"] != body["customer_id"]:
            return _error(400, "The id provided does not exist", field="token")
        if body["amount"] > token["max_amount"]:
            return _error(400, "The amount exceeds the token's maximum amount", field="amount")
        if token["recurring_details"]["status"] != "confirmed":
            return _error(400, "The token is not confirmed for recurring payments", field="token")
        payment = self._new_payment(order, body)
        self.private[payment["id"]]["recurring"] = False  # charges the token, makes none
        if token["method"] == "upi":  # debited after the pre-debit notification
            vpa = f"{token['vpa']['username']}@{token['vpa']['handle']}"
            payment.update(method="upi", card_id=None, card=None, vpa=vpa)
            return self._paid_answer(payment)
        self._authorize(payment)
        return self._paid_answer(payment)

    def _payment(self, request: web.Request) -> dict[str, Any] | None:
        return self.payments.get(request.match_info["id"])

    async def get_payment(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(400, "The id provided does not exist")
        return web.json_response(payment)

    async def capture(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(400, "The id provided does not exist")
        body = await request.json()
        if payment["status"] == "captured":
            return _error(400, "This payment has already been captured")
        if payment["status"] != "authorized":
            return _error(
                400,
                "Only payments which have been authorized and not yet captured can be captured",
            )
        if body["amount"] != payment["amount"]:
            return _error(
                400, "Capture amount must be equal to the amount authorized", field="amount"
            )
        self._capture(payment)
        return web.json_response(payment)

    async def refund(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(400, "The id provided does not exist")
        body = await request.json()
        if payment["status"] not in ("captured", "refunded") or not payment["captured"]:
            return _error(400, "The payment has not been captured", reason="NA")
        left = payment["amount"] - payment["amount_refunded"]
        if left <= 0:
            return _error(400, "The payment has been fully refunded already")
        amount = body.get("amount", left)
        if amount > left:
            return _error(
                400, "The refund amount provided is greater than amount captured", field="amount"
            )
        payment["amount_refunded"] += amount
        full = payment["amount_refunded"] == payment["amount"]
        payment["refund_status"] = "full" if full else "partial"
        if full:
            payment["status"] = "refunded"
        refund = {
            "id": new_id("rfnd"),
            "entity": "refund",
            "amount": amount,
            "currency": payment["currency"],
            "payment_id": payment["id"],
            "notes": body.get("notes") or [],
            "receipt": body.get("receipt"),
            "acquirer_data": {"arn": None},
            "created_at": next(_clock),
            "batch_id": None,
            "status": "processed",
            "speed_processed": "normal",
            "speed_requested": body.get("speed", "normal"),
        }
        self.refunds[refund["id"]] = refund
        return web.json_response(refund)

    async def payment_refunds(self, request: web.Request) -> web.Response:
        pid = request.match_info["id"]
        if pid not in self.payments:
            return _error(400, "The id provided does not exist")
        return _collection([r for r in self.refunds.values() if r["payment_id"] == pid])

    async def get_refund(self, request: web.Request) -> web.Response:
        refund = self.refunds.get(request.match_info["id"])
        if refund is None:
            return _error(400, "The id provided does not exist")
        return web.json_response(refund)

    async def create_customer(self, request: web.Request) -> web.Response:
        body = await request.json()
        for existing in self.customers.values():
            same = (existing["email"], existing["contact"]) == (
                body.get("email"),
                body.get("contact"),
            )
            if same:
                if body.get("fail_existing", "1") == "1":
                    return _error(400, "Customer already exists for the merchant")
                return web.json_response(existing)
        customer = {
            "id": new_id("cust"),
            "entity": "customer",
            "name": body["name"],
            "email": body.get("email"),
            "contact": body.get("contact"),
            "gstin": body.get("gstin"),
            "notes": body.get("notes") or [],
            "created_at": next(_clock),
        }
        self.customers[customer["id"]] = customer
        return web.json_response(customer)

    def _token(self, request: web.Request) -> dict[str, Any] | None:
        token = self.tokens.get(request.match_info["tid"])
        if token is None or token["customer_id"] != request.match_info["cid"]:
            return None
        return token

    async def get_token(self, request: web.Request) -> web.Response:
        token = self._token(request)
        if token is None:
            return _error(400, "The id provided does not exist")
        return web.json_response(token)

    async def delete_token(self, request: web.Request) -> web.Response:
        if self._token(request) is None:
            return _error(400, "The id provided does not exist")
        del self.tokens[request.match_info["tid"]]
        return web.json_response({"deleted": True})

    async def three_ds_page(self, request: web.Request) -> web.Response:
        payment = self.payments.get(request.match_info["id"])
        if payment is None or payment["status"] != "created":
            return web.Response(status=404)
        callback = self.private[payment["id"]]["callback_url"]
        if request.query.get("outcome", "success") == "success":
            self._authorize(payment)
            params = {
                "razorpay_payment_id": payment["id"],
                "razorpay_order_id": payment["order_id"],
                "razorpay_signature": signature(
                    self.key_secret, payment["order_id"], payment["id"]
                ),
            }
        elif payment["method"] == "netbanking":  # the customer cancelled at the bank
            description = "Payment was cancelled by the customer at the bank"
            self._fail(payment, "payment_cancelled", description, "payment_authentication")
            params = {
                "error[code]": "BAD_REQUEST_ERROR",
                "error[description]": description,
                "error[reason]": "payment_cancelled",
            }
        else:
            description = "Payment failed due to authentication failure"
            self._fail(payment, "authentication_failed", description, "payment_authentication")
            params = {
                "error[code]": "BAD_REQUEST_ERROR",
                "error[description]": description,
                "error[source]": "customer",
                "error[step]": "payment_authentication",
                "error[reason]": "authentication_failed",
                "error[metadata]": json.dumps(
                    {"payment_id": payment["id"], "order_id": payment["order_id"]}
                ),
            }
        sep = "&" if "?" in callback else "?"
        raise web.HTTPFound(f"{callback}{sep}{urlencode(params)}")


def _network(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or number.startswith("2"):
        return "MasterCard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    return "Unknown"
