"""A loopback fake of Square's Payments, Refunds, Cards and Customers APIs (v2).

Every request is validated against the vendored spec (``square/api.json``, release
2025-08-20) and, because Square's schemas do not forbid unknown properties, also
checked for properties the spec does not name; a violation is answered the way Square
answers a bad request (``400 {"errors": [{"category": "INVALID_REQUEST_ERROR", ...}]}``).
Answers follow the spec's response schemas (``CreatePaymentResponse``,
``RefundPaymentResponse``, ``CreateCardResponse`` ...), and a small ledger keeps the
payment state machine: APPROVED -> COMPLETED | CANCELED, refunds up to what was
completed, cards on file enabled until disabled.

Behaviour is chosen by the payment token (``source_id``), using the names of Square's
documented Sandbox test tokens (``cnon:card-nonce-ok``, ``cnon:card-nonce-declined``,
``cnon:card-nonce-rejected-cvv`` ...; see ``NONCES``); any other ``cnon:`` token stands
for a good Visa (the Web Payments SDK's tokens are random), so a test can use tokens
unique to its run. Like Square, an
``idempotency_key`` replays the first answer for the same request and is refused
(``IDEMPOTENCY_KEY_REUSED``) for a different one.
"""

from __future__ import annotations

import functools
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
from connector_service.testing.spec import (
    SpecViolation,
    register_fix,
    spec_path,
    validate_request,
)

SPEC = "square/api.json"
SPEC_BASE = "https://connect.squareupsandbox.com"
SQUARE_VERSION = "2025-08-20"
# Made per process: never a committed token-shaped literal.
ACCESS_TOKEN = "EAAA" + secrets.token_hex(30)
SIGNATURE_KEY = secrets.token_urlsafe(16)
NOTIFICATION_URL = "https://shop.example/hooks/square"
MERCHANT_ID = "MLFAKE0MERCHANT"
LOCATION_ID = "LFAKE0MAIN0LOCATION"

OK_NONCE = "cnon:card-nonce-ok"
# token -> (error code a payment with it fails with, or None; Error.detail)
NONCES: dict[str, tuple[str | None, str]] = {
    OK_NONCE: (None, ""),
    "cnon:card-nonce-declined": ("GENERIC_DECLINE", "Authorization error: 'GENERIC_DECLINE'"),
    "cnon:card-nonce-rejected-cvv": ("CVV_FAILURE", "Authorization error: 'CVV_FAILURE'"),
    "cnon:card-nonce-rejected-postalcode": (
        "ADDRESS_VERIFICATION_FAILURE",
        "Authorization error: 'ADDRESS_VERIFICATION_FAILURE'",
    ),
    "cnon:card-nonce-rejected-expiration": (
        "INVALID_EXPIRATION",
        "Authorization error: 'INVALID_EXPIRATION'",
    ),
}
USED_NONCE = "cnon:card-nonce-already-used"
_ids = itertools.count(1)
_NOW = "2026-12-02T10:00:00.000Z"

# Request body schema of each operation the connector uses (for the unknown-field check).
_OPERATIONS: list[tuple[str, re.Pattern[str], str | None]] = [
    ("POST", re.compile(r"/v2/payments"), "CreatePaymentRequest"),
    ("PUT", re.compile(r"/v2/payments/[^/]+"), "UpdatePaymentRequest"),
    ("POST", re.compile(r"/v2/payments/[^/]+/complete"), "CompletePaymentRequest"),
    ("POST", re.compile(r"/v2/payments/[^/]+/cancel"), None),
    ("GET", re.compile(r"/v2/payments/[^/]+"), None),
    ("POST", re.compile(r"/v2/refunds"), "RefundPaymentRequest"),
    ("GET", re.compile(r"/v2/refunds/[^/]+"), None),
    ("POST", re.compile(r"/v2/customers"), "CreateCustomerRequest"),
    ("POST", re.compile(r"/v2/cards"), "CreateCardRequest"),
    ("POST", re.compile(r"/v2/cards/[^/]+/disable"), None),
]
_KEEP_PATHS = ("/v2/payments", "/v2/refunds", "/v2/cards", "/v2/customers")
_MAX_KEY = 45  # documented for every idempotency_key the connector sends
_CARD_SHOWN = ("card_brand", "last_4", "exp_month", "exp_year", "fingerprint", "card_type",
               "prepaid_type", "bin")  # fmt: skip


def fix_spec(spec: dict[str, Any]) -> None:
    """Square's published document does not compile as is (``info.externalDocs``,
    ``security`` entries of ``null``, ``$ref``s to schemas it does not define, far
    from the payment APIs): keep the four APIs the connector uses and the schemas they
    reach, drop ``externalDocs`` and the OAuth security requirements."""
    spec["info"].pop("externalDocs", None)
    spec["paths"] = {p: item for p, item in spec["paths"].items() if p.startswith(_KEEP_PATHS)}
    # OAuth scopes are not a request's shape (and some entries are null): the fake's
    # authenticate() checks the Bearer token instead.
    spec["components"].pop("securitySchemes", None)
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict):
                op.pop("security", None)
    schemas: dict[str, Any] = spec["components"]["schemas"]
    reached: set[str] = set()
    todo: list[Any] = [spec["paths"]]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in reached and name in schemas:
                    reached.add(name)
                    todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    spec["components"]["schemas"] = {n: s for n, s in schemas.items() if n in reached}


register_fix(SPEC, fix_spec)


@functools.cache
def _schemas() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(spec_path(SPEC).read_text())
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _unknown_fields(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """Properties of ``value`` the schema does not name (recursively)."""
    if "$ref" in schema:
        schema = _schemas().get(schema["$ref"].rsplit("/", 1)[-1], {})
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        out = []
        for i, item in enumerate(value):
            out += _unknown_fields(item, schema["items"], f"{where}[{i}]")
        return out
    props = schema.get("properties")
    if not isinstance(value, dict) or not isinstance(props, dict):
        return []
    out = [f"{where}.{k}".lstrip(".") for k in value if k not in props]
    for key, item in value.items():
        if key in props:
            out += _unknown_fields(item, props[key], f"{where}.{key}")
    return out


def _error(status: int, code: str, detail: str, category: str = "INVALID_REQUEST_ERROR",
           field_: str | None = None, **extra: Any) -> web.Response:  # fmt: skip
    error: dict[str, Any] = {"category": category, "code": code, "detail": detail}
    if field_:
        error["field"] = field_
    return web.json_response({"errors": [error], **extra}, status=status)


@dataclass
class FakePayment:
    id: str
    amount: int
    currency: str
    status: str  # APPROVED / COMPLETED / CANCELED / FAILED
    card_status: str  # AUTHORIZED / CAPTURED / VOIDED / FAILED
    card: dict[str, Any]
    reference_id: str | None = None
    customer_id: str | None = None
    note: str | None = None
    refunded: int = 0
    refund_ids: list[str] = field(default_factory=list)
    version: int = 1
    error: dict[str, Any] | None = None


@dataclass
class FakeRefund:
    id: str
    payment_id: str
    amount: int
    currency: str
    reason: str | None
    status: str = "PENDING"


def _card(last4: str = "1111", brand: str = "VISA") -> dict[str, Any]:
    return {
        "card_brand": brand, "last_4": last4, "exp_month": 12, "exp_year": 2034,
        "fingerprint": f"sq-1-{secrets.token_hex(8)}", "card_type": "CREDIT",
        "prepaid_type": "NOT_PREPAID", "bin": "411111",
    }  # fmt: skip


class SquareFake(FakeGateway):
    specs = ((SPEC, SPEC_BASE),)

    def __init__(self) -> None:
        super().__init__()
        self.access_token = ACCESS_TOKEN
        self.signature_key = SIGNATURE_KEY
        self.payments: dict[str, FakePayment] = {}
        self.refunds: dict[str, FakeRefund] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, dict[str, Any]] = {}
        # (path, idempotency_key) -> (request body, status, answer)
        self.keys: dict[tuple[str, str], tuple[Any, int, Any]] = {}

    @property
    def credentials(self) -> dict[str, str]:
        return {"access_token": self.access_token, "webhook_signature_key": self.signature_key}

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/v2/payments", self.keyed(self.create_payment))
        r.add_put("/v2/payments/{id}", self.keyed(self.update_payment))
        r.add_post("/v2/payments/{id}/complete", self.complete_payment)
        r.add_post("/v2/payments/{id}/cancel", self.cancel_payment)
        r.add_get("/v2/payments/{id}", self.get_payment)
        r.add_post("/v2/refunds", self.keyed(self.refund_payment))
        r.add_get("/v2/refunds/{id}", self.get_refund)
        r.add_post("/v2/customers", self.keyed(self.create_customer))
        r.add_post("/v2/cards", self.keyed(self.create_card))
        r.add_post("/v2/cards/{id}/disable", self.disable_card)

    @property
    def requests(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        return [
            (r.method, urlsplit(r.url).path, json.loads(r.body) if r.body else None)
            for r in self.received
        ]

    # ---- request checks

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        if request.headers.get("Authorization") == f"Bearer {self.access_token}":
            return None
        return _error(
            401, "UNAUTHORIZED", "This request could not be authorized.", "AUTHENTICATION_ERROR"
        )

    def check(self, request: HttpRequest) -> None:
        path_qs = request.url.removeprefix(self.base_url)
        validate_request(
            SPEC,
            HttpRequest(request.method, SPEC_BASE + path_qs, request.headers, request.body),
            SPEC_BASE,
        )
        headers = {k.lower(): v for k, v in request.headers.items()}
        if headers.get("square-version") != SQUARE_VERSION:
            raise SpecViolation(f"Square-Version must be {SQUARE_VERSION}")
        path = urlsplit(request.url).path
        schema = next(
            (s for m, p, s in _OPERATIONS if m == request.method and p.fullmatch(path)), None
        )
        body = json.loads(request.body) if request.body else None
        if schema is None:
            if body is not None:
                raise SpecViolation(f"{request.method} {path} takes no body")
            return
        if not headers.get("content-type", "").startswith("application/json"):
            raise SpecViolation("a body must be sent as application/json")
        unknown = _unknown_fields(body, {"$ref": f"#/components/schemas/{schema}"}, "")
        if unknown:
            raise SpecViolation(f"{schema} has no field {', '.join(unknown)}")
        key = body.get("idempotency_key") if isinstance(body, dict) else None
        if isinstance(key, str) and len(key) > _MAX_KEY:
            raise SpecViolation(f"idempotency_key is longer than {_MAX_KEY} characters")

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return _error(400, "BAD_REQUEST", str(violation)[:2000])

    # ---- idempotency

    def keyed(self, handler: Any) -> Any:
        """Square's idempotency: the same key and request replay the first answer; the
        same key with another request is IDEMPOTENCY_KEY_REUSED."""

        async def run(request: web.Request) -> web.StreamResponse:
            body = await request.json()
            slot = (request.path, body.get("idempotency_key", ""))
            if slot in self.keys:
                first, status, answer = self.keys[slot]
                if first != body:
                    return _error(
                        400,
                        "IDEMPOTENCY_KEY_REUSED",
                        "The idempotency key can only be retried with the same request data.",
                        field_="idempotency_key",
                    )
                return web.json_response(answer, status=status)
            response: web.Response = await handler(request, body)
            assert response.text is not None
            self.keys[slot] = (body, response.status, json.loads(response.text))
            return response

        return run

    # ---- documents

    def payment_doc(self, p: FakePayment) -> dict[str, Any]:
        """One Payment with the fields the spec's Payment schema describes."""
        money = {"amount": p.amount, "currency": p.currency}
        timeline: dict[str, str] = {"authorized_at": _NOW}
        if p.status == "COMPLETED":
            timeline["captured_at"] = _NOW
        elif p.status == "CANCELED":
            timeline["voided_at"] = _NOW
        card_details: dict[str, Any] = {
            "status": p.card_status, "card": p.card, "entry_method": "KEYED",
            "cvv_status": "CVV_REJECTED" if p.error and p.error["code"] == "CVV_FAILURE"
            else "CVV_ACCEPTED",
            "avs_status": "AVS_ACCEPTED", "statement_description": "SQ *FAKE SHOP",
            "card_payment_timeline": timeline,
        }  # fmt: skip
        if p.error:
            card_details["errors"] = [p.error]
        doc: dict[str, Any] = {
            "id": p.id, "created_at": _NOW, "updated_at": _NOW, "amount_money": money,
            "total_money": money, "approved_money": money, "status": p.status,
            "delay_duration": "PT168H", "delay_action": "CANCEL",
            "source_type": "CARD", "card_details": card_details, "location_id": LOCATION_ID,
            "receipt_number": p.id[:4], "receipt_url": f"https://squareup.com/receipt/preview/{p.id}",
            "application_details": {"square_product": "ECOMMERCE_API",
                                    "application_id": "sandbox-sq0idb-fake"},
            "version_token": f"v{p.version}",
        }  # fmt: skip
        if p.status == "APPROVED":
            doc["delayed_until"] = "2026-12-09T10:00:00.000Z"
            doc["capabilities"] = ["EDIT_AMOUNT_DOWN", "EDIT_TIP_AMOUNT_UP", "EDIT_DELAY_ACTION"]
        if p.refunded:
            doc["refunded_money"] = {"amount": p.refunded, "currency": p.currency}
            doc["refund_ids"] = list(p.refund_ids)
        for key in ("reference_id", "customer_id", "note"):
            if getattr(p, key):
                doc[key] = getattr(p, key)
        return doc

    def refund_doc(self, r: FakeRefund) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": r.id, "status": r.status, "location_id": LOCATION_ID, "unlinked": False,
            "destination_type": "CARD",
            "amount_money": {"amount": r.amount, "currency": r.currency},
            "payment_id": r.payment_id, "created_at": _NOW, "updated_at": _NOW,
        }  # fmt: skip
        if r.reason:
            doc["reason"] = r.reason
        return doc

    def event(self, kind: str, obj_type: str, oid: str, obj: dict[str, Any]) -> dict[str, Any]:
        """A webhook notification as Square sends it (PaymentUpdatedEvent, ...)."""
        return {
            "merchant_id": MERCHANT_ID, "type": kind,
            "event_id": f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-{secrets.token_hex(6)}",
            "created_at": _NOW, "data": {"type": obj_type, "id": oid, "object": {obj_type: obj}},
        }  # fmt: skip

    def _payment(self, request: web.Request) -> FakePayment | None:
        return self.payments.get(request.match_info["id"])

    @staticmethod
    def _answer(doc: dict[str, Any], key: str = "payment", status: int = 200) -> web.Response:
        return web.json_response({key: doc}, status=status)

    # ---- handlers

    async def create_payment(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        source = body["source_id"]
        money = body.get("amount_money") or {}
        if not isinstance(money.get("amount"), int) or not money.get("currency"):
            return _error(400, "MISSING_REQUIRED_PARAMETER", "Field must be set",
                          field_="amount_money")  # fmt: skip
        if money["currency"] != "USD":  # the fake seller's location is in the US
            return _error(400, "CURRENCY_MISMATCH", "Currency must be USD", "PAYMENT_METHOD_ERROR")
        customer_id = body.get("customer_id")
        error_code: str | None = None
        detail = ""
        if source.startswith("ccof:"):
            card = self.cards.get(source)
            if card is None or card["customer_id"] != customer_id:
                return _error(404, "NOT_FOUND", f"Card with id {source} not found.")
            if not card["enabled"]:
                return _error(400, "BAD_REQUEST", "The card on file is disabled.")
            shown = {k: card[k] for k in _CARD_SHOWN}
        elif source == USED_NONCE:
            return _error(400, "CARD_TOKEN_USED", "Card token already used",
                          "PAYMENT_METHOD_ERROR", field_="source_id")  # fmt: skip
        elif source in NONCES or source.startswith("cnon:"):
            # a nonce of its own (the Web Payments SDK's are random) is a good Visa
            error_code, detail = NONCES.get(source, (None, ""))
            shown = _card()
        else:
            return _error(400, "INVALID_CARD_DATA", "Invalid card data.",
                          "PAYMENT_METHOD_ERROR", field_="source_id")  # fmt: skip
        autocomplete = body.get("autocomplete", True)
        p = FakePayment(
            id=f"fake{next(_ids):06d}{secrets.token_hex(6)}", amount=money["amount"],
            currency=money["currency"], status="APPROVED", card_status="AUTHORIZED",
            card=shown, reference_id=body.get("reference_id"), customer_id=customer_id,
            note=body.get("note"),
        )  # fmt: skip
        if error_code:
            p.status, p.card_status = "FAILED", "FAILED"
            p.error = {"category": "PAYMENT_METHOD_ERROR", "code": error_code, "detail": detail}
        elif autocomplete:
            p.status, p.card_status = "COMPLETED", "CAPTURED"
        self.payments[p.id] = p
        if p.error:  # a decline: the error, and the failed payment beside it
            return web.json_response(
                {"errors": [p.error], "payment": self.payment_doc(p)}, status=400
            )
        return self._answer(self.payment_doc(p))

    async def update_payment(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        p = self._payment(request)
        if p is None:
            return _error(404, "NOT_FOUND", "Could not find payment.", field_="payment_id")
        if p.status != "APPROVED":
            return _error(400, "BAD_REQUEST", f"Payment {p.id} is {p.status}, not APPROVED.")
        money = (body.get("payment") or {}).get("amount_money") or {}
        amount = money.get("amount")
        if money.get("currency") not in (None, p.currency) or not isinstance(amount, int):
            return _error(400, "INVALID_VALUE", "amount_money is invalid",
                          field_="payment.amount_money")  # fmt: skip
        if amount > p.amount or amount <= 0:  # EDIT_AMOUNT_UP is not among its capabilities
            return _error(400, "AMOUNT_TOO_HIGH", "The amount can only be edited down.",
                          field_="payment.amount_money.amount")  # fmt: skip
        p.amount = amount
        p.version += 1
        return self._answer(self.payment_doc(p))

    async def complete_payment(self, request: web.Request) -> web.Response:
        p = self._payment(request)
        if p is None:
            return _error(404, "NOT_FOUND", "Could not find payment.")
        body = await request.json()
        version = body.get("version_token")
        if version is not None and version != f"v{p.version}":
            return _error(400, "VERSION_MISMATCH", "The payment has changed.")
        if p.status != "APPROVED":
            return _error(400, "BAD_REQUEST", f"Payment {p.id} is {p.status}, not APPROVED.")
        p.status, p.card_status = "COMPLETED", "CAPTURED"
        p.version += 1
        return self._answer(self.payment_doc(p))

    async def cancel_payment(self, request: web.Request) -> web.Response:
        p = self._payment(request)
        if p is None:
            return _error(404, "NOT_FOUND", "Could not find payment.")
        if p.status != "APPROVED":
            return _error(400, "BAD_REQUEST", f"Payment {p.id} is {p.status}, not APPROVED.")
        p.status, p.card_status = "CANCELED", "VOIDED"
        p.version += 1
        return self._answer(self.payment_doc(p))

    async def get_payment(self, request: web.Request) -> web.Response:
        p = self._payment(request)
        if p is None:
            return _error(404, "NOT_FOUND", "Could not find payment.")
        return self._answer(self.payment_doc(p))

    async def refund_payment(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        p = self.payments.get(body.get("payment_id") or "")
        if p is None:
            return _error(404, "NOT_FOUND", "Could not find payment.", field_="payment_id")
        if p.status == "APPROVED":
            return _error(400, "REFUND_ERROR_PAYMENT_NEEDS_COMPLETION",
                          "The payment must be completed first.", "REFUND_ERROR")  # fmt: skip
        if p.status != "COMPLETED":
            return _error(400, "PAYMENT_NOT_REFUNDABLE", f"Payment {p.id} is {p.status}.",
                          "REFUND_ERROR")  # fmt: skip
        money = body["amount_money"]
        if money.get("currency") != p.currency:
            return _error(400, "CURRENCY_MISMATCH", "Currency mismatch", "REFUND_ERROR")
        amount = money.get("amount")
        if not isinstance(amount, int) or amount <= 0 or amount > p.amount - p.refunded:
            return _error(400, "REFUND_AMOUNT_INVALID",
                          "The requested refund amount exceeds the amount available to refund.",
                          "REFUND_ERROR", field_="amount_money.amount")  # fmt: skip
        r = FakeRefund(f"{p.id}_{secrets.token_hex(8)}", p.id, amount, p.currency,
                       body.get("reason"))  # fmt: skip
        p.refunded += amount
        p.refund_ids.append(r.id)
        self.refunds[r.id] = r
        return self._answer(self.refund_doc(r), "refund")

    async def get_refund(self, request: web.Request) -> web.Response:
        r = self.refunds.get(request.match_info["id"])
        if r is None:
            return _error(404, "NOT_FOUND", "Could not find refund.")
        r.status = "COMPLETED"  # the card network answered meanwhile
        return self._answer(self.refund_doc(r), "refund")

    async def create_customer(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        names = ("given_name", "family_name", "company_name", "email_address", "phone_number")
        if not any(body.get(k) for k in names):
            return _error(400, "BAD_REQUEST", "At least one of the customer's names, email "
                          "address or phone number is required.")  # fmt: skip
        cid = f"FAKECUST{next(_ids):06d}{secrets.token_hex(4).upper()}"
        customer = {
            "id": cid, "created_at": _NOW, "updated_at": _NOW,
            **{k: body[k] for k in (*names, "reference_id", "note") if body.get(k)},
            "preferences": {"email_unsubscribed": False}, "creation_source": "THIRD_PARTY",
            "version": 0,
        }  # fmt: skip
        self.customers[cid] = customer
        return self._answer(customer, "customer")

    async def create_card(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        card = body["card"]
        customer_id = card.get("customer_id")
        if customer_id not in self.customers:
            return _error(404, "CUSTOMER_NOT_FOUND", "Customer not found.",
                          field_="card.customer_id")  # fmt: skip
        source = body["source_id"]
        if not source.startswith("cnon:") or source == USED_NONCE:
            return _error(400, "INVALID_CARD_DATA", "Invalid card data.",
                          "PAYMENT_METHOD_ERROR", field_="source_id")  # fmt: skip
        code, detail = NONCES.get(source, (None, ""))
        if code:  # Square verifies the card before keeping it
            return _error(400, code, detail, "PAYMENT_METHOD_ERROR")
        cid = f"ccof:fake{next(_ids):06d}{secrets.token_hex(5)}"
        doc = {
            "id": cid, **_card(), "customer_id": customer_id, "merchant_id": MERCHANT_ID,
            "enabled": True, "version": 1,
            **{k: card[k] for k in ("cardholder_name", "reference_id") if card.get(k)},
        }  # fmt: skip
        self.cards[cid] = doc
        return self._answer(doc, "card")

    async def disable_card(self, request: web.Request) -> web.Response:
        card = self.cards.get(request.match_info["id"])
        if card is None:
            return _error(404, "NOT_FOUND", "Card not found.")
        card["enabled"] = False  # disabling a disabled card "has no effect"
        card["version"] += 1
        return self._answer(card, "card")
