"""A loopback fake of Paystack's charge, transaction, refund and authorization API.

Every API request is validated against the vendored spec (``paystack/paystack.yaml``)
and answered ``400 {"status": false, "message": <violation>}`` when invalid. Answers are
shaped like the spec's response schemas (``ChargeCreateResponse``, ``VerifyResponse``,
``RefundCreateResponse``, ``RefundFetchResponse`` ...), and a small ledger keeps
charge -> continuation -> verify -> refund consistent.

Behaviour is chosen by card number (the fake's own triggers, listed in ``CARDS``): a
success, a PIN-then-OTP card, a 3-D Secure (``open_url``) card and declines. Like
Paystack, a reference is accepted once: a second charge with it is ``Duplicate
Transaction Reference``. The spec's ``ChargeCreate`` does not list ``card`` (Paystack
documents it for PCI-DSS-certified merchants only); openapi-core accepts it as an
additional property, and :meth:`PaystackFake.check` checks its shape by hand.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation, validate_request

SPEC = "paystack/paystack.yaml"
SPEC_BASE = "https://api.paystack.co"
# Made per process: never a committed key-shaped literal.
SECRET_KEY = "sk_test_" + secrets.token_hex(20)
PIN = "0924"
OTP = "583016"
# Where Paystack sends the customer after open_url: the integration's callback URL
# (set on the dashboard, not per charge).
CALLBACK_URL = "https://shop.example/paystack/return"

SUCCESS_CARD = "4084084084084081"
PIN_OTP_CARD = "5060990580000217499"
THREE_DS_CARD = "4000000000003220"
CARDS: dict[str, str] = {
    SUCCESS_CARD: "success",
    PIN_OTP_CARD: "send_pin",
    THREE_DS_CARD: "open_url",
    "4000000000000002": "Declined",
    "4000000000009987": "Lost Card",
    "4000000000009995": "Insufficient Funds",
    "4000000000000069": "Expired Card",
}
_ids = itertools.count(4_099_260_516)
_CARD_FIELDS = {"number": r"\d{12,19}", "cvv": r"\d{3,4}", "expiry_month": r"\d{2}",
                "expiry_year": r"\d{2}|\d{4}"}  # fmt: skip


@dataclass
class FakeCharge:
    id: int
    reference: str
    amount: int
    currency: str
    email: str
    status: str
    gateway_response: str
    metadata: Any
    last4: str
    authorization_code: str
    brand: str = "visa"
    reusable: bool = True
    url: str | None = None
    refunded: int = 0
    steps: list[str] = field(default_factory=list)


@dataclass
class FakeRefund:
    id: int
    reference: str
    amount: int
    currency: str
    status: str = "pending"
    note: str = ""


class PaystackFake(FakeGateway):
    specs = ((SPEC, SPEC_BASE),)

    def __init__(self) -> None:
        super().__init__()
        self.secret = SECRET_KEY
        self.charges: dict[str, FakeCharge] = {}
        self.refunds: dict[int, FakeRefund] = {}
        self.authorizations: dict[str, FakeCharge] = {}  # authorization_code -> first charge
        self.deactivated: set[str] = set()

    @property
    def credentials(self) -> dict[str, str]:
        return {"secret_key": self.secret}

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/charge", self.charge)
        for step in ("pin", "otp", "phone", "birthday", "address"):
            r.add_post(f"/charge/submit_{step}", self.submit)
        r.add_post("/transaction/charge_authorization", self.charge_authorization)
        r.add_get("/transaction/verify/{reference}", self.verify)
        r.add_post("/refund", self.refund)
        r.add_get("/refund/{id}", self.fetch_refund)
        r.add_post("/customer/authorization/deactivate", self.deactivate)
        r.add_get("/3ds/{reference}", self.three_ds_page)  # the issuer's page, not API

    @property
    def requests(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        return [
            (r.method, urlsplit(r.url).path, json.loads(r.body) if r.body else None)
            for r in self.received
        ]

    # ---- request checks

    def is_api(self, request: web.Request) -> bool:
        return not request.path.startswith("/3ds/")

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        if request.headers.get("Authorization") == f"Bearer {self.secret}":
            return None
        return web.json_response({"status": False, "message": "Invalid key"}, status=401)

    def check(self, request: HttpRequest) -> None:
        path_qs = request.url.removeprefix(self.base_url)
        validate_request(
            SPEC,
            HttpRequest(request.method, SPEC_BASE + path_qs, request.headers, request.body),
            SPEC_BASE,
        )
        body = json.loads(request.body) if request.body else None
        if isinstance(body, dict) and "card" in body:
            card = body["card"]
            if not isinstance(card, dict) or set(card) - set(_CARD_FIELDS):
                raise SpecViolation(f"card must hold only {sorted(_CARD_FIELDS)}")
            for key, pattern in _CARD_FIELDS.items():
                if key != "cvv" and key not in card:
                    raise SpecViolation(f"card.{key} is required")
                if key in card and not (
                    isinstance(card[key], str) and re.fullmatch(pattern, card[key])
                ):
                    raise SpecViolation(f"card.{key} must be a string matching {pattern}")
        reference = body.get("reference") if isinstance(body, dict) else None
        if isinstance(reference, str) and not re.fullmatch(r"[A-Za-z0-9.=-]+", reference):
            raise SpecViolation("reference: only -, ., = and alphanumerics are allowed")

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return web.json_response({"status": False, "message": str(violation)}, status=400)

    # ---- answers

    @staticmethod
    def _fail(message: str, status: int = 400, **extra: Any) -> web.Response:
        return web.json_response({"status": False, "message": message, **extra}, status=status)

    def _authorization(self, c: FakeCharge) -> dict[str, Any]:
        return {
            "authorization_code": c.authorization_code, "bin": "408408", "last4": c.last4,
            "exp_month": "12", "exp_year": "2034", "channel": "card", "card_type": c.brand,
            "bank": "TEST BANK", "country_code": "NG", "brand": c.brand,
            "reusable": c.reusable and c.status == "success", "signature": f"SIG_{c.id}",
            "account_name": None, "receiver_bank_account_number": None, "receiver_bank": None,
        }  # fmt: skip

    def _doc(self, c: FakeCharge) -> dict[str, Any]:
        """One transaction with every field ChargeCreateResponse, VerifyResponse and
        ChargeAuthorizationResponse require."""
        now = "2026-12-02T10:00:00.000Z"
        paid = now if c.status == "success" else None
        doc: dict[str, Any] = {
            "id": c.id, "domain": "test", "status": c.status, "reference": c.reference,
            "receipt_number": None, "amount": c.amount, "message": None,
            "gateway_response": c.gateway_response, "paid_at": paid or "", "created_at": now,
            "channel": "card", "currency": c.currency, "ip_address": "127.0.0.1",
            "metadata": c.metadata if isinstance(c.metadata, dict) else {"custom_fields": []},
            "log": None, "fees": 150, "fees_split": None,
            "authorization": self._authorization(c),
            "customer": {
                "id": 1001, "first_name": "", "last_name": "", "email": c.email,
                "customer_code": "CUS_fake0000000001", "phone": "", "metadata": {},
                "risk_action": "default", "international_format_phone": "",
            },
            "plan": None, "split": {}, "order_id": None, "paidAt": paid or "",
            "createdAt": now, "requested_amount": c.amount, "pos_transaction_data": None,
            "source": None, "fees_breakdown": None, "connect": None, "transaction_date": now,
            "plan_object": {}, "subaccount": {},
        }  # fmt: skip
        doc["metadata"].setdefault("custom_fields", [])
        if c.url:
            doc["url"] = c.url
        return doc

    def _ok(self, c: FakeCharge, message: str = "Charge attempted") -> web.Response:
        return web.json_response({"status": True, "message": message, "data": self._doc(c)})

    # ---- handlers

    async def charge(self, request: web.Request) -> web.Response:
        body = await request.json()
        reference = body.get("reference") or f"ref{next(_ids)}"
        if reference in self.charges:
            return self._fail(
                "Duplicate Transaction Reference",
                code="duplicate_reference",
                type="validation_error",
                meta={"nextStep": "Try and create the Transaction or Charge with a new reference"},
            )
        if "card" in body:
            number = body["card"]["number"]
            outcome = CARDS.get(number, "success")
            last4, code = number[-4:], f"AUTH_{secrets.token_hex(5)}"
        elif body.get("authorization_code") in self.authorizations:
            first = self.authorizations[body["authorization_code"]]
            outcome, last4, code = "success", first.last4, first.authorization_code
        else:
            return self._fail("Invalid payment channel or authorization code")
        status, response = (
            (outcome, "Approved")
            if outcome in ("success", "send_pin", "open_url")
            else ("failed", outcome)
        )
        c = FakeCharge(
            id=next(_ids), reference=reference, amount=body["amount"],
            currency=body.get("currency", "NGN"), email=body["email"], status=status,
            gateway_response=response if status != "success" else "Approved",
            metadata=body.get("metadata"), last4=last4, authorization_code=code,
        )  # fmt: skip
        if status == "open_url":
            c.url = f"{self.base_url}/3ds/{reference}"
        self.charges[reference] = c
        if status == "success":
            self.authorizations.setdefault(code, c)
        return self._ok(c)

    async def submit(self, request: web.Request) -> web.Response:
        body = await request.json()
        step = request.path.rsplit("_", 1)[-1]
        c = self.charges.get(body["reference"])
        if c is None:
            return self._fail("Transaction reference not found", 404)
        if c.status != f"send_{step}":
            return self._fail(f"Transaction is not awaiting {step}")
        c.steps.append(step)
        if step == "pin":
            if body["pin"] == PIN:
                c.status = "send_otp"
                c.gateway_response = "Kindly enter the OTP sent to 234***1234"
            else:
                c.status, c.gateway_response = "failed", "Incorrect PIN"
        elif step == "otp":
            if body["otp"] == OTP:
                c.status, c.gateway_response = "success", "Approved"
                self.authorizations.setdefault(c.authorization_code, c)
            else:
                c.status, c.gateway_response = "failed", "Invalid OTP"
        return self._ok(c, "Charge attempted")

    async def charge_authorization(self, request: web.Request) -> web.Response:
        body = await request.json()
        code = body["authorization_code"]
        first = self.authorizations.get(code)
        if first is None or code in self.deactivated:
            return self._fail("Authorization code is invalid")
        reference = body.get("reference") or f"ref{next(_ids)}"
        if reference in self.charges:
            return self._fail("Duplicate Transaction Reference", code="duplicate_reference")
        c = FakeCharge(
            id=next(_ids), reference=reference, amount=body["amount"],
            currency=body.get("currency", first.currency), email=body["email"],
            status="success", gateway_response="Approved", metadata=body.get("metadata"),
            last4=first.last4, authorization_code=code,
        )  # fmt: skip
        self.charges[reference] = c
        doc = self._doc(c)
        doc["metadata"] = body.get("metadata") or ""  # a string here (spec)
        return web.json_response({"status": True, "message": "Charge attempted", "data": doc})

    async def verify(self, request: web.Request) -> web.Response:
        c = self.charges.get(request.match_info["reference"])
        if c is None:
            return self._fail("Transaction reference not found", 404)
        return self._ok(c, "Verification successful")

    async def three_ds_page(self, request: web.Request) -> web.Response:
        c = self.charges.get(request.match_info["reference"])
        if c is None or c.status != "open_url":
            return web.Response(status=404)
        if request.query.get("outcome", "success") == "success":
            c.status, c.gateway_response = "success", "Approved"
            self.authorizations.setdefault(c.authorization_code, c)
        else:
            c.status, c.gateway_response = "failed", "3DS Authentication Failed"
        raise web.HTTPFound(f"{CALLBACK_URL}?trxref={c.reference}&reference={c.reference}")

    async def refund(self, request: web.Request) -> web.Response:
        body = await request.json()
        c = self.charges.get(body["transaction"])
        if c is None:
            return self._fail("Transaction reference not found", 404)
        if c.status not in ("success", "reversed"):
            return self._fail("Cannot refund a transaction that was not successful")
        left = c.amount - c.refunded
        amount = body.get("amount", left)
        if left <= 0:
            return self._fail("Transaction has been fully reversed")
        if amount <= 0 or amount > left:
            return self._fail("Refund amount cannot be more than the transaction amount")
        c.refunded += amount
        if c.refunded == c.amount:
            c.status = "reversed"
        r = FakeRefund(
            next(_ids), c.reference, amount, c.currency, note=body.get("merchant_note", "")
        )
        self.refunds[r.id] = r
        transaction = {
            "id": c.id, "domain": "test", "reference": c.reference, "amount": c.amount,
            "paid_at": "2026-12-02T10:00:00.000Z", "channel": "card", "currency": c.currency,
            "authorization": {"exp_month": None, "exp_year": None, "account_name": None},
            "customer": {"international_format_phone": None}, "plan": {},
            "subaccount": {"currency": None}, "split": {}, "order_id": None,
            "paidAt": "2026-12-02T10:00:00.000Z", "pos_transaction_data": None, "source": None,
            "fees_breakdown": None,
        }  # fmt: skip
        data = {
            "transaction": transaction, "integration": 100032, "deducted_amount": 0,
            "channel": None, "merchant_note": r.note, "customer_note": "", "status": "pending",
            "refunded_by": "shop@example.com", "expected_at": "2026-12-12T10:00:00.000Z",
            "currency": r.currency, "domain": "test", "amount": r.amount, "fully_deducted": False,
            "id": r.id, "createdAt": "2026-12-02T10:00:00.000Z",
            "updatedAt": "2026-12-02T10:00:00.000Z",
        }  # fmt: skip
        return web.json_response(
            {"status": True, "message": "Refund has been queued for processing", "data": data}
        )

    async def fetch_refund(self, request: web.Request) -> web.Response:
        raw = request.match_info["id"]
        r = self.refunds.get(int(raw)) if raw.isdigit() else None
        if r is None:
            return self._fail("Refund not found", 404)
        r.status = "processed"  # the processor answered meanwhile
        c = self.charges[r.reference]
        data = {
            "integration": 100032, "transaction": c.id, "dispute": None,
            "settlement": None, "id": r.id, "domain": "test", "currency": r.currency,
            "amount": r.amount, "status": r.status, "refunded_at": None,
            "refunded_by": "shop@example.com", "customer_note": "", "merchant_note": r.note,
            "deducted_amount": r.amount, "fully_deducted": 1,
            "createdAt": "2026-12-02T10:00:00.000Z", "bank_reference": None,
            "transaction_reference": r.reference, "reason": r.note,
            "customer": {
                "id": 1001, "first_name": "", "last_name": "", "email": c.email,
                "customer_code": "CUS_fake0000000001", "phone": "", "metadata": "",
                "risk_action": "default", "international_format_phone": "",
            },
            "refund_type": "partial" if r.amount < c.amount else "full",
            "transaction_amount": c.amount, "initiated_by": "api", "refund_channel": "card",
            "session_id": None, "collect_account_number": False,
        }  # fmt: skip
        return web.json_response({"status": True, "message": "Refund retrieved", "data": data})

    async def deactivate(self, request: web.Request) -> web.Response:
        body = await request.json()
        code = body["authorization_code"]
        if code not in self.authorizations or code in self.deactivated:
            return self._fail("Authorization code is invalid")
        self.deactivated.add(code)
        return web.json_response({"status": True, "message": "Authorization has been deactivated"})
