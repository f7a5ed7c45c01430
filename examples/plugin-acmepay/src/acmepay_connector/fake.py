"""A loopback fake of the AcmePay API, on ``connector_service.testing``'s ``FakeGateway``.

It answers what the connector in ``connector.py`` sends, keeps a small in-memory ledger so
authorize -> capture -> refund -> sync agree, replays an ``Idempotency-Key`` it has seen,
and checks every API request against the gateway's contract (:meth:`check`): a request
that breaks it is recorded in ``violations`` (the conformance suite fails on any) and
answered 400. When the gateway publishes an OpenAPI document, validate against it
instead: ``connector_service.testing.spec.validate_request(SPEC, request, self.base_url)``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec
from aiohttp import web
from connector_service.connectors.base import HttpRequest
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation

API_KEY = "acmepay_test_key_7Qm2xV9pL4sT8wZ3"
MERCHANT_ACCOUNT = "AcmeShopEU"
WEBHOOK_SECRET = "acmepay_whsec_Rk5nH2bY8cJ6dF1g"
SUCCESS_CARD = "4242424242424242"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Test cards and the gateway's decline code for each (the connector's DECLINE_MAP maps them).
DECLINING_CARDS = {
    "4000000000009995": ("insufficient_funds", "Insufficient funds."),
    "4000000000000002": ("stolen_card", "The card was reported stolen."),
}


# --------------------------------------------------------------------------- the contract


class CardIn(msgspec.Struct, forbid_unknown_fields=True):
    number: str
    exp_month: int
    exp_year: int
    cvc: str | None = None


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: int
    currency: str
    card: CardIn
    merchant_account: str
    statement_descriptor: str | None = None
    capture: bool = True
    reference: str | None = None


class CaptureIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: int | None = None


class VoidIn(msgspec.Struct, forbid_unknown_fields=True):
    pass


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: int | None = None
    reference: str | None = None


BODIES: dict[str, type[msgspec.Struct]] = {
    "payments": PaymentIn,
    "capture": CaptureIn,
    "void": VoidIn,
    "refunds": RefundIn,
}


def _contract(request: HttpRequest) -> None:
    """The gateway's documented rules for one request (raise SpecViolation)."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    if request.method != "POST":
        if request.body:
            raise SpecViolation(f"{request.method} {request.url} must not have a body")
        return
    key = headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:  # optional, but never empty
        raise SpecViolation(f"POST {request.url}: Idempotency-Key must be 1 to 255 characters")
    if headers.get("content-type", "").split(";")[0] != "application/json":
        raise SpecViolation(f"POST {request.url} is not application/json")
    kind = urlsplit(request.url).path.rstrip("/").rsplit("/", 1)[-1]
    try:
        body = msgspec.json.decode(request.body or b"", type=BODIES.get(kind, PaymentIn))
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise SpecViolation(f"POST {request.url}: {exc}") from None
    amount = getattr(body, "amount", None)
    if amount is not None and amount <= 0:
        raise SpecViolation(f"POST {request.url}: amount must be a positive integer")
    if isinstance(body, PaymentIn):
        if body.statement_descriptor is not None and len(body.statement_descriptor) > 22:
            raise SpecViolation(f"POST {request.url}: statement_descriptor over 22 characters")
        if len(body.currency) != 3 or not body.currency.isupper():
            raise SpecViolation(f"POST {request.url}: currency must be ISO 4217, upper case")
        if not body.card.number.isdigit() or not 1 <= body.card.exp_month <= 12:
            raise SpecViolation(f"POST {request.url}: card.number / card.exp_month invalid")


# --------------------------------------------------------------------------- the fake


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


class AcmepayFake(FakeGateway):
    """The AcmePay API on 127.0.0.1 (a free port), with an in-memory ledger."""

    def __init__(self) -> None:
        super().__init__()
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.replays: dict[str, tuple[int, bytes]] = {}

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return _error(401, "unauthorized", "Invalid API key.")
        return None

    def check(self, request: HttpRequest) -> None:
        _contract(request)

    def middlewares(self) -> list[Any]:
        return [self._idempotency]

    @web.middleware
    async def _idempotency(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        if key in self.replays:
            status, body = self.replays[key]
            return web.Response(status=status, body=body, content_type="application/json")
        answer = await handler(request)
        if isinstance(answer, web.Response) and isinstance(answer.body, bytes):
            self.replays[key] = (answer.status, answer.body)
        return answer

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/payments", self._create)
        app.router.add_get("/v1/payments/{id}", self._get)
        app.router.add_post("/v1/payments/{id}/capture", self._capture)
        app.router.add_post("/v1/payments/{id}/void", self._void)
        app.router.add_post("/v1/payments/{id}/refunds", self._refund)
        app.router.add_get("/v1/refunds/{id}", self._get_refund)

    # ------------------------------------------------------------------ handlers

    async def _create(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        card = body["card"]
        number = str(card["number"])
        declined = DECLINING_CARDS.get(number)
        status = (
            "declined" if declined else "captured" if body.get("capture", True) else "authorized"
        )
        payment = {
            "id": f"pay_{secrets.token_hex(8)}",
            "object": "payment",
            "status": status,
            "amount": body["amount"],
            "amount_captured": body["amount"] if status == "captured" else 0,
            "amount_refunded": 0,
            "currency": body["currency"],
            "reference": body.get("reference"),
            "merchant_account": body["merchant_account"],
            "card": {
                "brand": "visa" if number.startswith("4") else "mastercard",
                "last4": number[-4:],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
            },
            "decline": {"code": declined[0], "message": declined[1]} if declined else None,
        }
        self.payments[payment["id"]] = payment
        return web.json_response(payment, status=201)

    def _payment(self, request: web.Request) -> dict[str, Any] | None:
        return self.payments.get(request.match_info["id"])

    async def _get(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(404, "not_found", "No such payment.")
        return web.json_response(payment)

    async def _capture(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(404, "not_found", "No such payment.")
        if payment["status"] != "authorized":
            return _error(409, "payment_not_capturable", f"The payment is {payment['status']}.")
        amount = json.loads(await request.read()).get("amount") or payment["amount"]
        if amount > payment["amount"]:
            return _error(400, "amount_too_large", "More than the authorized amount.")
        payment["amount_captured"] = amount
        payment["status"] = "captured" if amount == payment["amount"] else "partially_captured"
        return web.json_response(payment)

    async def _void(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(404, "not_found", "No such payment.")
        if payment["status"] != "authorized":
            return _error(409, "payment_not_voidable", f"The payment is {payment['status']}.")
        payment["status"] = "voided"
        return web.json_response(payment)

    async def _refund(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(404, "not_found", "No such payment.")
        if payment["status"] not in ("captured", "partially_captured"):
            return _error(409, "payment_not_refundable", f"The payment is {payment['status']}.")
        body = json.loads(await request.read())
        left = payment["amount_captured"] - payment["amount_refunded"]
        amount = body.get("amount") or left
        if amount > left:
            return _error(400, "amount_too_large", "More than the captured amount left.")
        payment["amount_refunded"] += amount
        refund = {
            "id": f"ref_{secrets.token_hex(8)}",
            "object": "refund",
            "payment": payment["id"],
            "status": "succeeded",
            "amount": amount,
            "currency": payment["currency"],
            "reference": body.get("reference"),
        }
        self.refunds[refund["id"]] = refund
        return web.json_response(refund, status=201)

    async def _get_refund(self, request: web.Request) -> web.Response:
        refund = self.refunds.get(request.match_info["id"])
        if refund is None:
            return _error(404, "not_found", "No such refund.")
        return web.json_response(refund)
