"""A loopback fake of the Mercado Pago Checkout API, on ``FakeGateway``.

Mercado Pago publishes no machine-readable API description; the contract checked here
(:func:`check_request`) is the one of its official Python SDK (``mercadopago``, the
oracle of tests/connectors/test_mercadopago_sdk.py) and its API reference: Bearer
access token, JSON bodies, ``X-Idempotency-Key`` (1 to 64 characters, required to
create a payment), and for every body the documented fields only (msgspec structs with
``forbid_unknown_fields``). The ledger follows Mercado Pago's state machine:

- the card's holder name picks the outcome, as in Mercado Pago's test environment:
  ``APRO`` approved, ``CONT`` pending (``in_process``), ``OTHE`` / ``CALL`` / ``FUND`` /
  ``SECU`` / ``EXPI`` / ``FORM`` rejected with their ``status_detail``; ``CHAL`` (this
  fake's own) asks for a 3-D Secure challenge when ``three_d_secure_mode`` is sent;
- ``capture: false`` is ``authorized`` / ``pending_capture``; ``PUT`` with ``capture: true``
  approves (a partial capture makes ``transaction_amount`` the captured amount), with
  ``status: cancelled`` cancels; anything else in the wrong state is a 400;
- refunds are ``approved`` at once, never beyond what is left (400);
- customers are unique by email (``101``: "the customer already exist"); a saved card is
  tokenized again by ``card_id`` for a merchant-initiated charge;
- Pix and the cash vouchers (``bolbradesco``, ``oxxo``: ``payment_type_id`` ``ticket``)
  take no card fields and wait ``pending``; :meth:`MercadoPagoFake.pay_pix` /
  :meth:`MercadoPagoFake.pay_voucher` are the customer paying, and
  :meth:`MercadoPagoFake.expire_voucher` the due date passing unpaid
  (``cancelled`` / ``expired``). A boleto names its payer in full (name, CPF / CNPJ,
  the six address fields), OXXO is Mexico's (a site in ``MXN``).
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.kit import hmac_sha256_hex
from connector_service.domain.money import exponent
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation

ACCESS_TOKEN = "TEST-4917226183504419-120312-9b2f6c1d8e4a7f3b5c0d2e1f4a6b8c9d-1923847561"
WEBHOOK_SECRET = "mp-whsec-7c2e9a41d5b8f036"
USER_ID = 1923847561
SUCCESS_CARD = "5031755734530604"  # Mercado Pago's Mastercard test card
VISA_CARD = "4235647728025682"  # Mercado Pago's Visa test card
THREE_DS_HOLDER = "CHAL"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Holder name -> (status, status_detail), Mercado Pago's test cardholder names.
OUTCOMES: dict[str, tuple[str, str]] = {
    "APRO": ("approved", "accredited"),
    "CONT": ("in_process", "pending_contingency"),
    "OTHE": ("rejected", "cc_rejected_other_reason"),
    "CALL": ("rejected", "cc_rejected_call_for_authorize"),
    "FUND": ("rejected", "cc_rejected_insufficient_amount"),
    "SECU": ("rejected", "cc_rejected_bad_filled_security_code"),
    "EXPI": ("rejected", "cc_rejected_bad_filled_date"),
    "FORM": ("rejected", "cc_rejected_bad_filled_other"),
}

# GET /v1/payment_methods: the card methods, with BIN patterns as Mercado Pago lists them.
_ELO = (
    r"^(401178|401179|431274|438935|451416|457393|457631|457632|504175|627780|636297|"
    r"636368|506699|5067[0-6]\d|50677[0-8]|509\d{3})"
)
PAYMENT_METHODS: list[dict[str, Any]] = [
    {"id": "elo", "name": "Elo", "payment_type_id": "credit_card", "status": "active",
     "settings": [{"bin": {"pattern": _ELO, "exclusion_pattern": None,
                           "installments_pattern": "^\\d{6}"}}]},
    {"id": "visa", "name": "Visa", "payment_type_id": "credit_card", "status": "active",
     "settings": [{"bin": {"pattern": "^4", "exclusion_pattern": _ELO,
                           "installments_pattern": "^4"}}]},
    {"id": "master", "name": "Mastercard", "payment_type_id": "credit_card", "status": "active",
     "settings": [{"bin": {"pattern": "^(5|(2(2[2-9]|[3-6]\\d|7[01]|720)))",
                           "exclusion_pattern": _ELO, "installments_pattern": "^5"}}]},
    {"id": "amex", "name": "American Express", "payment_type_id": "credit_card",
     "status": "active", "settings": [{"bin": {"pattern": "^3[47]", "exclusion_pattern": None,
                                                "installments_pattern": "^3[47]"}}]},
    {"id": "pix", "name": "PIX", "payment_type_id": "bank_transfer", "status": "active",
     "settings": []},
]  # fmt: skip


# --------------------------------------------------------------------------- the contract


class Cardholder(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    identification: dict[str, str] | None = None


class CardTokenIn(msgspec.Struct, forbid_unknown_fields=True):
    card_number: str | None = None
    expiration_month: int | None = None
    expiration_year: int | None = None
    security_code: str | None = None
    cardholder: Cardholder | None = None
    card_id: str | None = None
    customer_id: str | None = None


class Identification(msgspec.Struct, forbid_unknown_fields=True):
    type: str
    number: str


class PayerAddressIn(msgspec.Struct, forbid_unknown_fields=True):
    """``payer.address`` (a boleto's: all six, Banco Central's rule since 2024)."""

    zip_code: str | None = None
    street_name: str | None = None
    street_number: str | None = None
    neighborhood: str | None = None
    city: str | None = None
    federal_unit: str | None = None


class PayerIn(msgspec.Struct, forbid_unknown_fields=True):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    type: str | None = None
    id: str | None = None
    entity_type: str | None = None
    identification: Identification | None = None
    address: PayerAddressIn | None = None


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    transaction_amount: float
    payment_method_id: str
    payer: PayerIn
    token: str | None = None
    description: str | None = None
    installments: int | None = None
    issuer_id: int | str | None = None
    capture: bool | None = None
    binary_mode: bool | None = None
    external_reference: str | None = None
    statement_descriptor: str | None = None
    three_d_secure_mode: str | None = None
    metadata: dict[str, Any] | None = None
    notification_url: str | None = None
    date_of_expiration: str | None = None


class PaymentUpdateIn(msgspec.Struct, forbid_unknown_fields=True):
    capture: bool | None = None
    transaction_amount: float | None = None
    status: str | None = None


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: float | None = None


class CustomerIn(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    first_name: str | None = None
    last_name: str | None = None
    description: str | None = None


class CardIn(msgspec.Struct, forbid_unknown_fields=True):
    token: str


def route_of(path: str) -> str:
    """``/v1/payments/123/refunds/9`` -> ``/v1/payments/{}/refunds/{}`` (ids are the
    segments after a collection name)."""
    parts = path.rstrip("/").split("/")
    names = {"v1", "payments", "refunds", "customers", "cards", "card_tokens",
             "payment_methods", "search", "chargebacks"}  # fmt: skip
    return "/".join(p if p in names or not p else "{}" for p in parts)


BODIES: dict[tuple[str, str], type[msgspec.Struct]] = {
    ("POST", "/v1/card_tokens"): CardTokenIn,
    ("POST", "/v1/payments"): PaymentIn,
    ("PUT", "/v1/payments/{}"): PaymentUpdateIn,
    ("POST", "/v1/payments/{}/refunds"): RefundIn,
    ("POST", "/v1/customers"): CustomerIn,
    ("POST", "/v1/customers/{}/cards"): CardIn,
}
NO_BODY = {
    ("GET", "/v1/card_tokens/{}"), ("GET", "/v1/payment_methods"), ("GET", "/v1/payments/{}"),
    ("GET", "/v1/payments/{}/refunds"), ("GET", "/v1/payments/{}/refunds/{}"),
    ("GET", "/v1/customers/search"), ("DELETE", "/v1/customers/{}/cards/{}"),
    ("GET", "/v1/customers/{}/cards"),
    ("GET", "/v1/payments/search"), ("GET", "/v1/chargebacks/{}"),
}  # fmt: skip


# payment_method_ids paid without a card token.
NOT_CARDS = frozenset({"pix", "bolbradesco", "oxxo"})


def _check_boleto_payer(payer: PayerIn) -> None:
    """A boleto is registered in its payer's name: first and last name, a CPF (11
    digits) or CNPJ (14), and the address's six fields (CEP of 8 digits, a state's two
    letters)."""
    ident, address = payer.identification, payer.address
    if not (payer.first_name and payer.last_name):
        raise SpecViolation("POST /v1/payments: a boleto needs payer.first_name and last_name")
    if ident is None or (ident.type, len(ident.number)) not in (("CPF", 11), ("CNPJ", 14)):
        raise SpecViolation("POST /v1/payments: a boleto needs payer.identification CPF/CNPJ")
    fields = ("zip_code", "street_name", "street_number", "neighborhood", "city", "federal_unit")
    if address is None or not all(getattr(address, f) for f in fields):
        raise SpecViolation(f"POST /v1/payments: a boleto needs payer.address {fields}")
    if not re.fullmatch(r"\d{8}", address.zip_code or "") or len(address.federal_unit or "") != 2:
        raise SpecViolation("POST /v1/payments: payer.address.zip_code / federal_unit invalid")


def check_request(request: HttpRequest, token: str = ACCESS_TOKEN) -> None:
    """Mercado Pago's rules for one API request (raise SpecViolation)."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    url = urlsplit(request.url)
    route = (request.method, route_of(url.path))
    if headers.get("authorization") != f"Bearer {token}":
        raise SpecViolation(f"{request.method} {url.path}: Authorization is not the Bearer token")
    key = headers.get("x-idempotency-key")
    if key is not None and not 1 <= len(key) <= 64:
        raise SpecViolation(f"{request.method} {url.path}: X-Idempotency-Key is 1-64 characters")
    if route == ("POST", "/v1/payments") and not key:
        raise SpecViolation("POST /v1/payments: X-Idempotency-Key is required")
    if route in NO_BODY:
        if request.body:
            raise SpecViolation(f"{request.method} {url.path} takes no body")
        return
    kind = BODIES.get(route)
    if kind is None:
        raise SpecViolation(f"{request.method} {url.path}: no such Mercado Pago operation")
    if headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise SpecViolation(f"{request.method} {url.path} is not application/json")
    try:
        body = msgspec.json.decode(request.body or b"", type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise SpecViolation(f"{request.method} {url.path}: {exc}") from None
    if isinstance(body, PaymentIn):
        card = body.payment_method_id not in NOT_CARDS
        if body.transaction_amount <= 0 or (card and body.token is None):
            raise SpecViolation("POST /v1/payments: transaction_amount > 0 and a card's token")
        if not card and (body.token or body.installments or body.capture is not None):
            raise SpecViolation("POST /v1/payments: a Pix or voucher payment takes no card fields")
        if body.payer.type != "customer" and not body.payer.email:
            raise SpecViolation("POST /v1/payments: payer.email is required")
        if body.payment_method_id == "bolbradesco":
            _check_boleto_payer(body.payer)
    if (
        isinstance(body, CardTokenIn)
        and body.card_id is None
        and (not (body.card_number or "").isdigit() or not 1 <= (body.expiration_month or 0) <= 12)
    ):
        raise SpecViolation("POST /v1/card_tokens: card_number / expiration_month invalid")


# --------------------------------------------------------------------------- the fake


def _error(status: int, message: str, code: str | int | None = None) -> web.Response:
    error = {400: "bad_request", 401: "unauthorized", 404: "not_found"}.get(status, "error")
    cause = [{"code": code, "description": message}] if code is not None else []
    return web.json_response(
        {"message": message, "error": error, "status": status, "cause": cause}, status=status
    )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000-04:00")


class MercadoPagoFake(FakeGateway):
    """Mercado Pago on 127.0.0.1 (a free port), with an in-memory ledger."""

    idempotency_header = "X-Idempotency-Key"

    def __init__(self) -> None:
        super().__init__()
        self.access_token = ACCESS_TOKEN
        self.currency = "BRL"  # a seller's site has one currency (MLB: BRL)
        self.credentials = {"access_token": ACCESS_TOKEN, "webhook_secret": WEBHOOK_SECRET}
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, dict[str, Any]] = {}
        self.chargebacks: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1_325_000_001)
        self._replays: dict[tuple[str, str, str], tuple[int, bytes]] = {}

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        if not request.path.startswith("/v1/"):
            return None
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return _error(401, "invalid access token")
        return None

    def is_api(self, request: web.Request) -> bool:
        return request.path.startswith("/v1/")

    def check(self, request: HttpRequest) -> None:
        check_request(request, self.access_token)

    def middlewares(self) -> list[Any]:
        return [self._idempotency]

    @web.middleware
    async def _idempotency(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A POST or PUT repeating a key (same path) gets the first answer again."""
        key = request.headers.get("X-Idempotency-Key")
        if request.method not in ("POST", "PUT") or not key:
            return await handler(request)
        seen = self._replays.get((request.method, request.path, key))
        if seen is not None:
            return web.Response(status=seen[0], body=seen[1], content_type="application/json")
        answer = await handler(request)
        if isinstance(answer, web.Response) and isinstance(answer.body, bytes):
            self._replays[(request.method, request.path, key)] = (answer.status, answer.body)
        return answer

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/card_tokens", self._create_token)
        app.router.add_get("/v1/card_tokens/{id}", self._get_token)
        app.router.add_get("/v1/payment_methods", self._methods)
        app.router.add_post("/v1/payments", self._create)
        app.router.add_get("/v1/payments/search", self._search)
        app.router.add_get("/v1/payments/{id}", self._get)
        app.router.add_put("/v1/payments/{id}", self._update)
        app.router.add_post("/v1/payments/{id}/refunds", self._refund)
        app.router.add_get("/v1/payments/{id}/refunds", self._list_refunds)
        app.router.add_get("/v1/payments/{id}/refunds/{rid}", self._get_refund)
        app.router.add_post("/v1/customers", self._create_customer)
        app.router.add_get("/v1/customers/search", self._search_customers)
        app.router.add_post("/v1/customers/{id}/cards", self._save_card)
        app.router.add_get("/v1/customers/{id}/cards", self._list_cards)
        app.router.add_delete("/v1/customers/{id}/cards/{card}", self._delete_card)
        app.router.add_get("/v1/chargebacks/{id}", self._get_chargeback)
        app.router.add_post("/challenge/{id}", self._challenge)  # the issuer's ACS page

    # ------------------------------------------------------------------ helpers

    def _id(self) -> int:
        return next(self._ids)

    def tokenize(self, number: str, holder: str, month: int = 12, year: int = 2034) -> str:
        """A card token, as MercadoPago.js makes in the customer's browser."""
        token = secrets.token_hex(16)
        self.tokens[token] = {
            "id": token, "first_six_digits": number[:6], "last_four_digits": number[-4:],
            "expiration_month": month, "expiration_year": year,
            "cardholder": {"name": holder, "identification": {"number": None, "type": None}},
            "status": "active", "date_created": _now(), "date_due": _now(),
            "luhn_validation": True, "live_mode": False, "card_number_length": len(number),
            "security_code_length": 3, "_number": number, "_used": False,
        }  # fmt: skip
        return token

    @staticmethod
    def public(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if not k.startswith("_")}

    @staticmethod
    def _minor(amount: float, currency: str) -> int:
        return int(Decimal(str(amount)) * (Decimal(10) ** exponent(currency)))

    @staticmethod
    def _major(minor: int, currency: str) -> float | int:
        value = Decimal(minor) / (Decimal(10) ** exponent(currency))
        return int(value) if value == value.to_integral() else float(value)

    # ------------------------------------------------------------------ handlers

    async def _create_token(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        if body.get("card_id"):
            card = self.cards.get(str(body["card_id"]))
            if card is None or (
                body.get("customer_id") and card["customer_id"] != body["customer_id"]
            ):
                return _error(404, "card not found")
            token = self.tokenize(card["_number"], card["_holder"],
                                  card["expiration_month"], card["expiration_year"])  # fmt: skip
        else:
            holder = (body.get("cardholder") or {}).get("name") or "APRO"
            token = self.tokenize(
                body["card_number"], holder, body["expiration_month"], body["expiration_year"]
            )
        return web.json_response(self.public(self.tokens[token]), status=201)

    async def _get_token(self, request: web.Request) -> web.Response:
        token = self.tokens.get(request.match_info["id"])
        if token is None:
            return _error(404, "card token not found", 3008)
        return web.json_response(self.public(token))

    async def _methods(self, request: web.Request) -> web.Response:
        return web.json_response(PAYMENT_METHODS)

    def pay_pix(self, payment_id: str) -> None:
        """The customer pays the Pix code from their bank app."""
        payment = self.payments[payment_id]
        payment.update(status="approved", status_detail="accredited", captured=True,
                       date_approved=_now(), point_of_interaction=None)  # fmt: skip

    def _create_pix(self, body: dict[str, Any]) -> web.Response:
        pid = self._id()
        code = f"00020126580014br.gov.bcb.pix0136{uuid.uuid4()}5204000053039865802BR6304ABCD"
        payment = {
            "id": pid, "status": "pending", "status_detail": "pending_waiting_transfer",
            "date_created": _now(), "date_last_updated": _now(), "date_approved": None,
            "date_of_expiration": body.get("date_of_expiration") or _now(),
            "payment_method_id": "pix", "payment_type_id": "bank_transfer",
            "currency_id": self.currency, "description": body.get("description"),
            "live_mode": False, "collector_id": USER_ID,
            "external_reference": body.get("external_reference"),
            "transaction_amount": body["transaction_amount"], "transaction_amount_refunded": 0,
            "installments": 1, "captured": False,
            "payer": {"email": body["payer"].get("email")}, "card": {}, "three_ds_info": None,
            "refunds": [], "metadata": body.get("metadata") or {},
            "point_of_interaction": {"type": "OPENPLATFORM", "transaction_data": {
                "qr_code": code, "qr_code_base64": "iVBORw0KGgoAAAANSUhEUg==",
                "ticket_url": f"https://www.mercadopago.com.br/payments/{pid}/ticket"}},
            "_capture": True, "_authorized": body["transaction_amount"],
        }  # fmt: skip
        self.payments[str(pid)] = payment
        return web.json_response(self.public(payment), status=201)

    def pay_voucher(self, payment_id: str) -> None:
        """The customer pays the boleto at a bank (or the OXXO voucher at a store)."""
        payment = self.payments[payment_id]
        payment.update(status="approved", status_detail="accredited", captured=True,
                       date_approved=_now(), date_last_updated=_now())  # fmt: skip

    def expire_voucher(self, payment_id: str) -> None:
        """The voucher's date_of_expiration passes unpaid: Mercado Pago cancels it."""
        payment = self.payments[payment_id]
        payment.update(status="cancelled", status_detail="expired", date_last_updated=_now())

    def _create_voucher(self, body: dict[str, Any]) -> web.Response:
        """A boleto (``bolbradesco``, a BRL site) or an OXXO voucher (an MXN site)."""
        method = body["payment_method_id"]
        if (method == "oxxo") != (self.currency == "MXN"):
            return _error(400, "Invalid payment_method_id for this site", 3011)
        pid = self._id()
        site = "com.mx" if method == "oxxo" else "com.br"
        reference = f"{pid % 100_000_000:08d}"
        barcode = None
        details: dict[str, Any] = {
            "net_received_amount": 0, "total_paid_amount": body["transaction_amount"],
            "overpaid_amount": 0, "installment_amount": 0, "financial_institution": None,
            "external_resource_url": f"https://www.mercadopago.{site}/payments/{pid}/ticket"
                                     f"?caller_id={USER_ID}&payment_method_reference_id="
                                     f"{reference}&hash={uuid.uuid4()}",
            "payment_method_reference_id": reference, "verification_code": reference,
        }  # fmt: skip
        if method == "bolbradesco":
            # a boleto's barcode is 44 digits, its typed line 47
            barcode = {"content": f"23791{pid:014d}{0:020d}{reference[:5]}"}
            details["digitable_line"] = f"23793380296{pid:010d}{0:018d}{reference}"
            details["barcode"] = barcode
        payer = body["payer"]
        payment = {
            "id": pid, "status": "pending", "status_detail": "pending_waiting_payment",
            "date_created": _now(), "date_last_updated": _now(), "date_approved": None,
            "date_of_expiration": body.get("date_of_expiration") or _now(),
            "payment_method_id": method, "payment_type_id": "ticket",
            "currency_id": self.currency, "description": body.get("description"),
            "live_mode": False, "collector_id": USER_ID,
            "external_reference": body.get("external_reference"),
            "transaction_amount": body["transaction_amount"], "transaction_amount_refunded": 0,
            "installments": 1, "captured": False, "barcode": barcode,
            "payer": {"email": payer.get("email"), "identification": payer.get("identification")},
            "card": {}, "three_ds_info": None, "refunds": [],
            "metadata": body.get("metadata") or {}, "transaction_details": details,
            "_capture": True, "_authorized": body["transaction_amount"],
        }  # fmt: skip
        self.payments[str(pid)] = payment
        return web.json_response(self.public(payment), status=201)

    async def _create(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        if body["payment_method_id"] == "pix":
            return self._create_pix(body)
        if body["payment_method_id"] in ("bolbradesco", "oxxo"):
            return self._create_voucher(body)
        token = self.tokens.get(body["token"])
        if token is None or token["_used"]:
            return _error(400, "Invalid card token", 2062)
        token["_used"] = True  # a card token pays once
        holder = token["cardholder"]["name"].upper()
        pid = self._id()
        capture = body.get("capture", True) is not False
        status, detail = OUTCOMES.get(holder, ("approved", "accredited"))
        three_ds = None
        if holder == THREE_DS_HOLDER and body.get("three_d_secure_mode") == "optional":
            status, detail = "pending", "pending_challenge"
            three_ds = {
                "external_resource_url": f"http://{request.host}/challenge/{pid}",
                "creq": secrets.token_urlsafe(24),
            }
        elif status == "approved" and not capture:
            status, detail = "authorized", "pending_capture"
        payer = body["payer"]
        payment = {
            "id": pid, "status": status, "status_detail": detail,
            "date_created": _now(), "date_last_updated": _now(),
            "date_approved": _now() if status == "approved" else None,
            "money_release_date": None, "operation_type": "regular_payment",
            "issuer_id": "24", "payment_method_id": body["payment_method_id"],
            "payment_type_id": "credit_card", "currency_id": self.currency,
            "description": body.get("description"), "live_mode": False,
            "collector_id": USER_ID, "external_reference": body.get("external_reference"),
            "transaction_amount": body["transaction_amount"],
            "transaction_amount_refunded": 0, "coupon_amount": 0, "installments": 1,
            "captured": status == "approved", "binary_mode": False,
            "statement_descriptor": body.get("statement_descriptor"),
            "metadata": body.get("metadata") or {},
            "payer": {"type": payer.get("type"), "id": payer.get("id"),
                      "email": payer.get("email"), "identification": {"type": None,
                                                                      "number": None}},
            "card": {"id": None, "first_six_digits": token["first_six_digits"],
                     "last_four_digits": token["last_four_digits"],
                     "expiration_month": token["expiration_month"],
                     "expiration_year": token["expiration_year"],
                     "cardholder": token["cardholder"]},
            "three_ds_info": three_ds, "refunds": [],
            "transaction_details": {"net_received_amount": 0,
                                    "total_paid_amount": body["transaction_amount"],
                                    "installment_amount": body["transaction_amount"],
                                    "overpaid_amount": 0, "external_resource_url": None,
                                    "financial_institution": None,
                                    "payment_method_reference_id": None},
            "_capture": capture, "_authorized": body["transaction_amount"],
        }  # fmt: skip
        self.payments[str(pid)] = payment
        return web.json_response(self.public(payment), status=201)

    def _payment(self, request: web.Request) -> dict[str, Any] | None:
        return self.payments.get(request.match_info["id"])

    async def _get(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(404, "Payment not found", 2000)
        return web.json_response(self.public(payment))

    async def _search(self, request: web.Request) -> web.Response:
        """Payments by ``external_reference``, newest first (``sort=date_created``,
        ``criteria=desc``), in Mercado Pago's paging envelope."""
        reference = request.query.get("external_reference")
        found = [self.public(p) for p in self.payments.values()
                 if reference is not None and p["external_reference"] == reference]  # fmt: skip
        found.sort(key=lambda p: p["id"], reverse=request.query.get("criteria") == "desc")
        return web.json_response(
            {"paging": {"total": len(found), "limit": 30, "offset": 0}, "results": found}
        )

    async def _update(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(404, "Payment not found", 2000)
        body = json.loads(await request.read())
        if body.get("status") == "cancelled":
            if payment["status"] not in ("authorized", "pending", "in_process"):
                return _error(400, f"Payment can't be cancelled: it is {payment['status']}")
            payment.update(status="cancelled", status_detail="by_collector")
        elif body.get("capture") is True:
            if payment["status"] != "authorized":
                return _error(400, f"Payment can't be captured: it is {payment['status']}")
            amount = body.get("transaction_amount", payment["transaction_amount"])
            if amount > payment["transaction_amount"]:
                return _error(400, "transaction_amount exceeds the authorized amount", 4037)
            payment.update(status="approved", status_detail="accredited", captured=True,
                           transaction_amount=amount, date_approved=_now())  # fmt: skip
        else:
            return _error(400, "nothing to update")
        payment["date_last_updated"] = _now()
        return web.json_response(self.public(payment))

    async def _refund(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(404, "Payment not found", 2000)
        if payment["status"] != "approved":  # refunded in full: nothing is left
            return _error(400, f"Payment can't be refunded: it is {payment['status']}")
        raw = await request.read()
        body = json.loads(raw) if raw else {}
        currency = payment["currency_id"]
        left = self._minor(payment["transaction_amount"], currency) - self._minor(
            payment["transaction_amount_refunded"], currency
        )
        amount = self._minor(body["amount"], currency) if body.get("amount") else left
        if amount <= 0 or amount > left:
            return _error(400, "The amount to refund is greater than what is left")
        refunded = self._minor(payment["transaction_amount_refunded"], currency) + amount
        payment["transaction_amount_refunded"] = self._major(refunded, currency)
        if refunded == self._minor(payment["transaction_amount"], currency):
            payment.update(status="refunded", status_detail="refunded")
        else:
            payment["status_detail"] = "partially_refunded"
        refund = {
            "id": self._id(), "payment_id": payment["id"], "amount": self._major(amount, currency),
            "metadata": {}, "source": {"id": str(USER_ID), "name": "Seller", "type": "collector"},
            "date_created": _now(), "unique_sequence_number": None, "refund_mode": "standard",
            "adjustment_amount": 0, "status": "approved", "reason": None,
            "labels": [], "amount_refunded_to_payer": self._major(amount, currency),
            "partition_details": [],
        }  # fmt: skip
        payment["refunds"].append(refund)
        self.refunds[str(refund["id"])] = refund
        return web.json_response(refund, status=201)

    async def _list_refunds(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _error(404, "Payment not found", 2000)
        return web.json_response(payment["refunds"])

    async def _get_refund(self, request: web.Request) -> web.Response:
        refund = self.refunds.get(request.match_info["rid"])
        if refund is None or str(refund["payment_id"]) != request.match_info["id"]:
            return _error(404, "Refund not found")
        return web.json_response(refund)

    async def _create_customer(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        if any(c["email"] == body["email"] for c in self.customers.values()):
            return _error(400, "the customer already exist", 101)
        cid = f"{self._id()}-{secrets.token_hex(7)}"
        customer = {
            "id": cid, "email": body["email"], "first_name": body.get("first_name"),
            "last_name": body.get("last_name"), "description": body.get("description"),
            "date_created": _now(), "date_last_updated": _now(), "cards": [],
            "default_card": None, "live_mode": False,
        }  # fmt: skip
        self.customers[cid] = customer
        return web.json_response(customer, status=201)

    async def _search_customers(self, request: web.Request) -> web.Response:
        email = parse_qs(request.query_string).get("email", [""])[0]
        found = [c for c in self.customers.values() if c["email"] == email]
        return web.json_response(
            {"paging": {"limit": 10, "offset": 0, "total": len(found)}, "results": found}
        )

    async def _save_card(self, request: web.Request) -> web.Response:
        customer = self.customers.get(request.match_info["id"])
        if customer is None:
            return _error(404, "customer not found", 2002)
        body = json.loads(await request.read())
        token = self.tokens.get(body["token"])
        if token is None or token["_used"]:
            return _error(400, "Invalid card token", 2062)
        token["_used"] = True
        method = next(
            (m["id"] for m in PAYMENT_METHODS
             if any(re.match(s["bin"]["pattern"], token["first_six_digits"])
                    for s in m["settings"])),
            "visa",
        )  # fmt: skip
        card = {
            "id": str(self._id()), "customer_id": customer["id"],
            "expiration_month": token["expiration_month"],
            "expiration_year": token["expiration_year"],
            "first_six_digits": token["first_six_digits"],
            "last_four_digits": token["last_four_digits"],
            "payment_method": {"id": method, "name": method, "payment_type_id": "credit_card"},
            "security_code": {"length": 3, "card_location": "back"},
            "issuer": {"id": 24, "name": "Mastercard"},
            "cardholder": token["cardholder"], "date_created": _now(),
            "date_last_updated": _now(), "user_id": str(USER_ID), "live_mode": False,
            "_number": token["_number"], "_holder": token["cardholder"]["name"],
        }  # fmt: skip
        self.cards[card["id"]] = card
        customer["cards"].append(self.public(card))
        return web.json_response(self.public(card), status=201)

    async def _list_cards(self, request: web.Request) -> web.Response:
        customer = self.customers.get(request.match_info["id"])
        if customer is None:
            return _error(404, "customer not found", 2002)
        cards = [self.public(c) for c in self.cards.values() if c["customer_id"] == customer["id"]]
        return web.json_response(cards)

    async def _delete_card(self, request: web.Request) -> web.Response:
        card = self.cards.get(request.match_info["card"])
        if card is None or card["customer_id"] != request.match_info["id"]:
            return _error(404, "card not found")
        del self.cards[card["id"]]
        return web.json_response(self.public(card))

    def open_chargeback(self, payment_id: str, reason: str = "fraud") -> str:
        """The cardholder disputes ``payment_id``: a chargeback that needs documentation."""
        payment = self.payments[payment_id]
        cid = str(self._id()) + "000"
        self.chargebacks[cid] = {
            "id": cid, "payments": [payment["id"]], "currency": payment["currency_id"],
            "amount": payment["transaction_amount"], "reason": reason,
            "coverage_applied": None, "coverage_elegible": True,
            "documentation_required": True, "documentation_status": "not_supplied",
            "documentation": [], "date_documentation_deadline": "2026-12-20T23:59:59.000-04:00",
            "date_created": _now(), "date_last_updated": _now(), "live_mode": False,
        }  # fmt: skip
        payment.update(status="charged_back", status_detail="settled")
        return cid

    async def _get_chargeback(self, request: web.Request) -> web.Response:
        chargeback = self.chargebacks.get(request.match_info["id"])
        if chargeback is None:
            return _error(404, "chargeback not found")
        return web.json_response(chargeback)

    async def _challenge(self, request: web.Request) -> web.Response:
        """The issuer's challenge page: the browser POSTs ``creq``; ``outcome=pass``
        approves (or authorizes) the payment, anything else rejects it."""
        payment = self.payments.get(request.match_info["id"])
        form = await request.post()
        info = (payment or {}).get("three_ds_info") or {}
        if payment is None or form.get("creq") != info.get("creq"):
            return web.Response(status=400, text="unknown challenge")
        if request.query.get("outcome") == "pass":
            if payment["_capture"]:
                payment.update(status="approved", status_detail="accredited", captured=True,
                               date_approved=_now())  # fmt: skip
            else:
                payment.update(status="authorized", status_detail="pending_capture")
        else:
            payment.update(status="rejected", status_detail="cc_rejected_3ds_challenge")
        payment["three_ds_info"] = None
        payment["date_last_updated"] = _now()
        return web.Response(status=200, text="challenge done")


def notification(
    payment_id: str, *, notification_id: int | None = None, topic: str = "payment"
) -> bytes:
    """A ``payment.updated`` notification about ``payment_id`` (or, with ``topic``
    ``topic_chargebacks_wh``, about a chargeback), as Mercado Pago posts it."""
    doc = {
        "action": "payment.updated" if topic == "payment" else "chargebacks.updated",
        "api_version": "v1",
        "data": {"id": payment_id},
        "date_created": _now(),
        "id": notification_id if notification_id is not None else 9_100_000_000 + int(time.time()),
        "live_mode": False,
        "type": topic,
        "user_id": USER_ID,
    }
    return json.dumps(doc).encode()


def sign(
    body: bytes, secret: str, ts: int, request_id: str = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e"
) -> dict[str, str]:
    """The headers Mercado Pago sends with ``body``: ``x-signature`` over the manifest
    ``id:<data.id>;request-id:<x-request-id>;ts:<ts>;`` and ``x-request-id``."""
    data_id = str(json.loads(body).get("data", {}).get("id", "")).lower()
    manifest = f"id:{data_id};request-id:{request_id};ts:{ts};"
    return {
        "x-signature": f"ts={ts},v1={hmac_sha256_hex(secret, manifest.encode())}",
        "x-request-id": request_id,
    }
