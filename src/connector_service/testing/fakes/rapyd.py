"""A loopback fake of Rapyd's Collect API, plus the contract checks it applies.

Every request is authenticated the way Rapyd does it (the signature is recomputed from
the path, salt, timestamp, keys and the exact body bytes; a stale timestamp or a wrong
signature is a 401 ``UNAUTHENTICATED_API_CALL``) and validated against the vendored
``rapyd/rapyd-openapi.yaml``, plus what the spec states only in prose: a salt of 8-16
characters, a timestamp in Unix seconds, a compact JSON body. Its answers follow the
spec's response schemas (``{status, data}``) over a small in-memory ledger, so
authorize -> capture -> refund -> sync agree.

One spec defect is repaired before the spec is compiled: the payment method's
``fields`` is declared an *array* of field descriptions (the shape of the "required
fields" listing), while a payment or customer *request* sends the card's fields as an
object (``{"number": ..., "expiration_month": ...}``), as Rapyd's own API reference
examples do; the repair accepts either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import string
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing import spec as contract
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation, validate_request

SPEC = "rapyd/rapyd-openapi.yaml"
# Requests are validated as if sent to this base: the compiled spec is cached per base
# URL, and compiling Rapyd's takes seconds, so one base for every fake's port.
SPEC_BASE = "https://sandboxapi.rapyd.net"
# Made per process (never committed key-shaped literals): Rapyd's keys are hex strings.
ACCESS_KEY = secrets.token_hex(10).upper()
SECRET_KEY = secrets.token_hex(40)
CLOCK_SKEW_SECONDS = 60  # "synchronized to the actual current time, or less than 60 s before"

# Amounts (major units, as sent) that make the fake decline, with Rapyd's error codes.
DECLINES = {
    Decimal("50.51"): "ERROR_CREATE_PAYMENT_INSUFFICIENT_FUNDS",
    Decimal("50.43"): "ERROR_PAYMENT_METHOD_EXPIRED",
    Decimal("50.05"): "ERROR_CREATE_PAYMENT_CONTACT_BANK",
}


# --------------------------------------------------------------------------- spec repair


def _dedupe_enums(node: Any) -> None:
    """Some enums list a value twice (``IN_PROGRESS``), which the validator refuses."""
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list):
            node["enum"] = list(dict.fromkeys(enum))
        for value in node.values():
            _dedupe_enums(value)
    elif isinstance(node, list):
        for value in node:
            _dedupe_enums(value)


def repair_rapyd_spec(spec: dict[str, Any]) -> None:
    _dedupe_enums(spec["components"])
    schemas = spec["components"]["schemas"]
    for name in ("PaymentMethodType", "CustomerRequest_payment_method"):
        props = schemas[name]["properties"]
        listed = props["fields"]
        props["fields"] = {"anyOf": [{"type": "object"}, listed]}
    # The stored payment method's category-specific fields are a oneOf of schemas that
    # any object matches (none has required fields): read as the anyOf it means.
    for part in schemas["CustomerPaymentMethod"].get("allOf", []):
        if "oneOf" in part:
            part["anyOf"] = part.pop("oneOf")


contract.register_fix(SPEC, repair_rapyd_spec)


def check_request(request: HttpRequest, base_url: str) -> None:
    """Every check a Rapyd request must pass: the spec, and the header and body rules
    the spec states in prose."""
    path_qs = request.url.removeprefix(base_url.rstrip("/"))
    validate_request(
        SPEC, HttpRequest(request.method, SPEC_BASE + path_qs, request.headers, request.body),
        SPEC_BASE,
    )  # fmt: skip
    headers = {k.lower(): v for k, v in request.headers.items()}
    salt, timestamp = headers.get("salt", ""), headers.get("timestamp", "")
    if not 8 <= len(salt) <= 16:
        raise SpecViolation(f"salt must be 8-16 characters, got {len(salt)}")
    if not timestamp.isdigit() or len(timestamp) > 11:
        raise SpecViolation(f"timestamp must be Unix seconds, got {timestamp!r}")
    if headers.get("content-type", "").split(";")[0] != "application/json":
        raise SpecViolation("Content-Type must be application/json")
    if request.body:
        compact = json.dumps(json.loads(request.body), separators=(",", ":"), ensure_ascii=False)
        if compact.encode() != request.body:
            raise SpecViolation("the body must be compact JSON (it is signed as sent)")


def expected_signature(
    request: HttpRequest, salt: str, timestamp: str, access_key: str, secret_key: str
) -> str:
    """Rapyd's request signature, computed here on its own (not with the connector's
    code, so a mistake there cannot be mirrored): base64 of the hex HMAC-SHA256."""
    parts = urlsplit(request.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    text = f"{request.method.lower()}{path}{salt}{timestamp}{access_key}{secret_key}"
    mac = hmac.new(secret_key.encode(), text.encode() + (request.body or b""), hashlib.sha256)
    return base64.b64encode(mac.hexdigest().encode()).decode()


def webhook_headers(
    body: bytes, url: str, access_key: str, secret_key: str, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Rapyd sends with a webhook to ``url``: the same scheme without the
    method, over the whole webhook URL (computed here on its own, like the above)."""
    salt, ts = secrets.token_hex(6), str(int(time.time()) if timestamp is None else timestamp)
    text = f"{url}{salt}{ts}{access_key}{secret_key}".encode() + body
    mac = hmac.new(secret_key.encode(), text, hashlib.sha256).hexdigest()
    return {"salt": salt, "timestamp": ts, "signature": base64.b64encode(mac.encode()).decode()}


# --------------------------------------------------------------------------- the fake


class BadSignature(SpecViolation):
    """A request whose signature or timestamp Rapyd would refuse (answered 401)."""


def new_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(random.choices(string.hexdigits.lower()[:16], k=32))


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class FakePayment:
    id: str
    original: Decimal
    amount: Decimal
    currency: str
    status: str
    next_action: str
    capture: bool
    reference: str
    card: dict[str, Any]
    customer: str | None
    complete_url: str
    error_url: str
    initiation_type: str = "customer_present"
    error_code: str = ""
    refunded: Decimal = Decimal(0)
    created_at: int = 0
    redirect: str = ""


class RapydFake(FakeGateway):
    idempotency_header = "idempotency"
    specs = ((SPEC, SPEC_BASE),)

    def __init__(self) -> None:
        super().__init__()
        self.access_key, self.secret = ACCESS_KEY, SECRET_KEY
        self.payments: dict[str, FakePayment] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self._clock = int(time.time())

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/v1/payments", self.create_payment)
        r.add_get("/v1/payments", self.list_payments)
        r.add_get("/v1/payments/{id}", self.get_payment)
        r.add_delete("/v1/payments/{id}", self.cancel_payment)
        r.add_post("/v1/payments/{id}/capture", self.capture)
        r.add_post("/v1/refunds", self.create_refund)
        r.add_get("/v1/refunds/{id}", self.get_refund)
        r.add_post("/v1/customers", self.create_customer)
        r.add_delete("/v1/customers/{cid}/payment_methods/{pm}", self.delete_method)
        r.add_get("/3ds/{id}", self.three_ds_page)  # the issuer's page, not API

    def middlewares(self) -> list[Any]:
        return [self.replay_by_key]

    @property
    def credentials(self) -> dict[str, str]:
        return {"access_key": self.access_key, "secret_key": self.secret}

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
        """A wrong access key is Rapyd's 401; the signature is checked with the spec
        (a request signed wrongly is one the contract does not allow)."""
        if request.headers.get("access_key") == self.access_key:
            return None
        return self._error(401, "UNAUTHENTICATED_API_CALL")

    def check(self, request: HttpRequest) -> None:
        check_request(request, self.base_url)
        headers = {k.lower(): v for k, v in request.headers.items()}
        timestamp = headers["timestamp"]
        if abs(time.time() - int(timestamp)) > CLOCK_SKEW_SECONDS:
            raise BadSignature(f"timestamp {timestamp} is more than 60 s off")
        wanted = expected_signature(
            request, headers["salt"], timestamp, self.access_key, self.secret
        )
        if not hmac.compare_digest(headers.get("signature", ""), wanted):
            raise BadSignature("the signature does not match the request")

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        if isinstance(violation, BadSignature):
            return self._error(401, "UNAUTHENTICATED_API_CALL")
        return web.json_response({"violation": str(violation)}, status=400)

    # ---- documents

    @staticmethod
    def _status(error_code: str = "") -> dict[str, Any]:
        return {
            "error_code": error_code,
            "status": "ERROR" if error_code else "SUCCESS",
            "message": f"The request failed ({error_code})." if error_code else "",
            "response_code": error_code,
            "operation_id": str(uuid.uuid4()),
        }

    def _ok(self, data: Any) -> web.Response:
        return web.json_response({"status": self._status(), "data": data})

    def _error(self, status: int, code: str, data: Any = None) -> web.Response:
        body: dict[str, Any] = {"status": self._status(code)}
        if data is not None:
            body["data"] = data
        return web.json_response(body, status=status)

    def _doc(self, p: FakePayment) -> dict[str, Any]:
        captured = p.status == "CLO"
        doc: dict[str, Any] = {
            "id": p.id,
            "amount": _number(p.amount if captured else p.original),
            "original_amount": _number(p.original),
            "currency_code": p.currency,
            "status": p.status,
            "next_action": p.next_action,
            "captured": captured,
            "paid": captured,
            "refunded": p.refunded > 0,
            "refunded_amount": _number(p.refunded),
            "merchant_reference_id": p.reference,
            "complete_payment_url": p.complete_url,
            "error_payment_url": p.error_url,
            "redirect_url": p.redirect,
            "customer_token": p.customer or "",
            "payment_method": p.card["id"] if p.status != "ERR" else "",
            "payment_method_type": p.card["type"],
            "payment_method_type_category": "card",
            "payment_method_data": {
                "type": "credit",
                "category": "card",
                "last4": p.card["last4"],
                "expiration_month": p.card["expiration_month"],
                "expiration_year": p.card["expiration_year"],
                "network_reference_id": p.card["network_reference_id"],
            },
            "initiation_type": p.initiation_type,
            "created_at": p.created_at,
            "error_code": p.error_code,
            "failure_code": p.error_code,
            "failure_message": "Declined." if p.error_code else "",
        }
        return doc

    def _new_card(self, method: dict[str, Any]) -> dict[str, Any]:
        fields = method.get("fields") or {}
        return {
            "id": new_id("card"),
            "type": method.get("type", "us_visa_card"),
            "category": "card",
            "last4": str(fields.get("number", "0000"))[-4:],
            "expiration_month": fields.get("expiration_month", "12"),
            "expiration_year": fields.get("expiration_year", "30"),
            "network_reference_id": str(random.randint(10**14, 10**15 - 1)),
            "next_action": "not_applicable",
        }

    def _stored(self, customer: str | None, pm: str) -> dict[str, Any] | None:
        methods = self.customers.get(customer or "", {}).get("methods", {})
        found: dict[str, Any] | None = methods.get(pm)
        return found

    # ---- handlers

    async def create_payment(self, request: web.Request) -> web.Response:
        body = await request.json()
        method = body.get("payment_method")
        customer = body.get("customer")
        if isinstance(method, str):
            card = self._stored(customer, method)
            if card is None:
                return self._error(400, "ERROR_CREATE_PAYMENT")
        elif isinstance(method, dict):
            card = self._new_card(method)
            if body.get("save_payment_method"):
                customer = customer or new_id("cus")
                self.customers.setdefault(customer, {"methods": {}})["methods"][card["id"]] = card
        else:
            return self._error(400, "ERROR_CREATE_PAYMENT")
        amount = Decimal(str(body["amount"]))
        self._clock += 1
        p = FakePayment(
            id=new_id("payment"),
            original=amount,
            amount=amount,
            currency=body["currency"],
            status="ACT",
            next_action="pending_capture",
            capture=bool(body.get("capture", True)),
            reference=body.get("merchant_reference_id", ""),
            card=card,
            customer=customer,
            complete_url=body["complete_payment_url"],
            error_url=body["error_payment_url"],
            initiation_type=body.get("initiation_type", "customer_present"),
            created_at=self._clock,
        )
        self.payments[p.id] = p
        if amount in DECLINES:
            p.status, p.next_action, p.error_code = "ERR", "not_applicable", DECLINES[amount]
            return self._error(400, p.error_code, self._doc(p))
        if (body.get("payment_method_options") or {}).get("3d_required"):
            p.next_action = "3d_verification"
            p.redirect = f"{self.base_url}/3ds/{p.id}"
        elif p.capture:
            p.status, p.next_action = "CLO", "not_applicable"
        return self._ok(self._doc(p))

    async def list_payments(self, request: web.Request) -> web.Response:
        reference = request.query.get("merchant_reference_id")
        found = [p for p in self.payments.values() if reference and p.reference == reference]
        found.sort(key=lambda p: p.created_at, reverse=True)
        limit = int(request.query.get("limit", "10"))
        return self._ok([self._doc(p) for p in found[:limit]])

    async def get_payment(self, request: web.Request) -> web.Response:
        p = self.payments.get(request.match_info["id"])
        return self._ok(self._doc(p)) if p else self._error(400, "ERROR_GET_PAYMENT")

    async def cancel_payment(self, request: web.Request) -> web.Response:
        p = self.payments.get(request.match_info["id"])
        if p is None or p.status != "ACT":
            return self._error(400, "ERROR_CANCEL_PAYMENT")
        p.status, p.next_action = "CAN", "not_applicable"
        return self._ok(self._doc(p))

    async def capture(self, request: web.Request) -> web.Response:
        p = self.payments.get(request.match_info["id"])
        body = json.loads(await request.read() or b"{}")
        if p is None or p.status != "ACT" or p.next_action != "pending_capture":
            return self._error(400, "ERROR_CAPTURE_PAYMENT")
        amount = Decimal(str(body.get("amount", p.original)))
        if amount > p.original or amount <= 0:
            return self._error(400, "ERROR_CAPTURE_PAYMENT")
        p.amount, p.status, p.next_action = amount, "CLO", "not_applicable"
        return self._ok(self._doc(p))

    async def create_refund(self, request: web.Request) -> web.Response:
        body = await request.json()
        p = self.payments.get(body["payment"])
        if p is None or p.status != "CLO":
            return self._error(400, "ERROR_CREATE_REFUND")
        amount = Decimal(str(body.get("amount", p.amount - p.refunded)))
        if amount <= 0 or amount > p.amount - p.refunded:
            return self._error(400, "ERROR_CREATE_REFUND")
        p.refunded += amount
        self._clock += 1
        refund = {
            "id": new_id("refund"),
            "amount": _number(amount),
            "currency": p.currency,
            "payment": p.id,
            "status": "Completed",
            "merchant_reference_id": body.get("merchant_reference_id", ""),
            "reason": body.get("reason", ""),
            "failure_reason": "",
            "payment_method_type": p.card["type"],
            "created_at": self._clock,
            "updated_at": self._clock,
            "proportional_refund": True,
        }
        self.refunds[refund["id"]] = refund
        return self._ok(refund)

    async def get_refund(self, request: web.Request) -> web.Response:
        refund = self.refunds.get(request.match_info["id"])
        return self._ok(refund) if refund else self._error(400, "ERROR_GET_REFUND")

    async def create_customer(self, request: web.Request) -> web.Response:
        body = await request.json()
        cid = new_id("cus")
        methods: dict[str, Any] = {}
        if isinstance(body.get("payment_method"), dict):
            card = self._new_card(body["payment_method"])
            methods[card["id"]] = card
        self.customers[cid] = {"methods": methods}
        self._clock += 1
        shown = [{k: v for k, v in m.items()} for m in methods.values()]
        return self._ok(
            {
                "id": cid,
                "name": body["name"],
                "email": body.get("email", ""),
                "created_at": self._clock,
                "default_payment_method": next(iter(methods), ""),
                "delinquent": False,
                "metadata": body.get("metadata", {}),
                "payment_methods": {
                    "data": shown,
                    "has_more": False,
                    "total_count": len(shown),
                    "url": f"/v1/customers/{cid}/payment_methods",
                },
            }
        )

    async def delete_method(self, request: web.Request) -> web.Response:
        methods = self.customers.get(request.match_info["cid"], {}).get("methods", {})
        if methods.pop(request.match_info["pm"], None) is None:
            return self._error(400, "ERROR_CUSTOMER_PAYMENT_METHOD_NOT_FOUND")
        return self._ok({"id": request.match_info["pm"], "deleted": True})

    async def three_ds_page(self, request: web.Request) -> web.Response:
        p = self.payments.get(request.match_info["id"])
        if p is None or p.next_action != "3d_verification":
            return web.Response(status=404)
        p.redirect = ""
        if request.query.get("outcome", "success") == "success":
            p.status, p.next_action = (
                ("CLO", "not_applicable")
                if p.capture
                else (
                    "ACT",
                    "pending_capture",
                )
            )
            raise web.HTTPFound(p.complete_url)
        p.status, p.next_action = "ERR", "not_applicable"
        p.error_code = "ERROR_3DS_AUTHENTICATION_FAILURE"
        raise web.HTTPFound(p.error_url)
