"""A loopback fake of Checkout.com's payments API, plus the contract checks it applies.

Every request the fake receives is validated against the official spec (``swagger.json``
for ABC accounts; for NAS accounts the NAS preview spec *and* ``swagger.json``) and
answered ``400 {"violation": ...}`` when invalid. Its answers follow the spec's response
schemas and keep a small in-memory state, so authorize -> capture -> refund -> sync agree.

Checkout.com's published specs do not load in openapi-core as they are (path parameters
without ``required``, ``null`` property schemas, a made-up ``type``); ``register_spec_fixes``
repairs exactly those defects before ``tests/contract/spec.py`` loads them. openapi-core
also ignores ``discriminator`` on ``source`` and cannot check the NAS spec's security
(its OAuth alternative is "unsupported", hence always accepted), so ``check_request``
adds both checks by hand.

The NAS preview spec describes card, id, token and network-token sources only: an
alternative method's source (iDEAL, PayPal, Boleto …) is checked against swagger.json's
schema for it, for both key types. ``POST /tokens`` (wallet tokens) is authenticated with
the public key. Alternative methods answer ``Pending`` with a redirect to the fake's
``/apm/{id}`` page (the bank's or wallet's); :meth:`CheckoutFake.settle` is the customer
paying there (or the voucher being paid).
"""

from __future__ import annotations

import functools
import json
import random
import re
import string
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import policy as email_policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from openapi_schema_validator import OAS30Validator

from connector_service.connectors.base import HttpRequest
from connector_service.testing import spec as contract
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation, spec_path, validate_request

ABC_SPEC = "checkout/swagger.json"
NAS_SPEC = "checkout/preview-crusoe-swagger.json"
SPEC_BASE = "https://api.sandbox.checkout.com"
SECRET_ABC = "sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808"
SECRET_NAS = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"
PUBLIC_ABC = "pk_test_4296fd52-efba-4a38-b6ce-cf0d93639d8a"
PUBLIC_NAS = "pk_sbox_xg66bnn6tpspd6pt3psc7otrqa="
CHANNEL = "pc_hpswyyx23geezflc2ocz3exn4y"
_TYPES = {"string", "number", "integer", "boolean", "array", "object"}


# --------------------------------------------------------------------------- spec repair


def _repair_schemas(node: Any) -> None:
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):  # "required": null and similar non-schemas
            for key in [k for k, v in props.items() if not isinstance(v, dict)]:
                del props[key]
        kind = node.get("type")
        if isinstance(kind, str) and kind not in _TYPES:  # "enum - HMACSHA256"
            node["type"] = "string"
        for value in node.values():
            _repair_schemas(value)
    elif isinstance(node, list):
        for value in node:
            _repair_schemas(value)


def repair_checkout_spec(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for op in item.values():
            for param in op.get("parameters", []) if isinstance(op, dict) else []:
                if param.get("in") != "path":
                    continue
                if param.get("name") in names:
                    param["required"] = True  # OpenAPI 3 demands it of path parameters
                    schema = param.get("schema") or {}
                    if "\\\\w" in str(schema.get("pattern")):
                        # The NAS preview's GET /disputes/{dispute_id} escapes its \w
                        # twice (a literal backslash): the same operation elsewhere, and
                        # the ABC spec, say ^(dsp)_(\w{26})$.
                        schema["pattern"] = schema["pattern"].replace("\\\\w", "\\w")
                else:  # declared "in: path" but not in the template (GET /customers email)
                    param["in"] = "query"
                    param.pop("required", None)
    _repair_schemas(spec["components"]["schemas"])
    _repair_schemas(spec["paths"])
    # "Get payment lists" (GET /payments?reference=…, Beta) is documented at
    # checkout.com/docs/payments/manage-payments/get-a-list-of-payments but missing from
    # both published specs: add it with the parameters that page documents.
    spec["paths"].setdefault("/payments", {}).setdefault(
        "get",
        {
            "operationId": "getPaymentList",
            "parameters": [
                {"name": "reference", "in": "query", "required": True,
                 "schema": {"type": "string", "maxLength": 50}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                             "maximum": 100}},
                {"name": "skip", "in": "query", "schema": {"type": "integer", "minimum": 0}},
            ],
            "responses": {"200": {"description": "Payments with the reference, newest first"}},
        },
    )  # fmt: skip
    # The NAS preview's File (POST /files) names the file part "path", against its own
    # example (file=@/path/receipt.png) and swagger.json: the part is "file".
    upload = spec["components"]["schemas"].get("File") or {}
    props = upload.get("properties") or {}
    if "path" in props and "file" not in props:
        props["file"] = props.pop("path")
        upload["required"] = ["file" if r == "path" else r for r in upload.get("required", [])]
    # The NAS preview says the secret key goes "in: query"; its own text (and the API)
    # put it in the Authorization header.
    for scheme in spec["components"].get("securitySchemes", {}).values():
        if scheme.get("type") == "apiKey" and scheme.get("name") == "Authorization":
            scheme["in"] = "header"


def register_spec_fixes() -> None:
    contract.register_fix(ABC_SPEC, repair_checkout_spec)
    contract.register_fix(NAS_SPEC, repair_checkout_spec)


register_spec_fixes()


@functools.cache
def _raw_spec(relative: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(spec_path(relative).read_text())
    repair_checkout_spec(spec)
    return spec


def _check_source(relative: str, body: Any) -> None:
    """Validate ``source`` against the schema its ``type`` selects (the discriminator)."""
    if not isinstance(body, dict) or not isinstance(body.get("source"), dict):
        return
    spec = _raw_spec(relative)
    mapping = spec["components"]["schemas"]["PaymentRequestSource"]["discriminator"]["mapping"]
    ref = mapping.get(body["source"].get("type"))
    if ref is None and relative == NAS_SPEC and body["source"].get("type") in _abc_sources():
        return  # an alternative method: the preview does not describe it, swagger.json does
    if ref is None:
        raise SpecViolation(f"source.type {body['source'].get('type')!r} is not in {relative}")
    schema = {"$ref": ref, "components": spec["components"]}
    errors = list(OAS30Validator(schema).iter_errors(body["source"]))
    if errors:
        raise SpecViolation(
            f"source violates {ref} in {relative}: " + "; ".join(e.message for e in errors)
        )


# Endpoints only NAS accounts have (absent from swagger.json): incremental authorizations.
NAS_ONLY_PATHS = (re.compile(r"/payments/[^/]+/authorizations"),)


def _abc_sources() -> set[str]:
    schemas = _raw_spec(ABC_SPEC)["components"]["schemas"]
    return set(schemas["PaymentRequestSource"]["discriminator"]["mapping"])


def _check_public_key(request: HttpRequest, key_type: str) -> bool:
    """``POST /tokens`` is the one call authenticated with the public key: checked here
    (True) instead of the secret key's format."""
    if urlsplit(request.url).path != "/tokens":
        return False
    auth = {k.lower(): v for k, v in request.headers.items()}.get("authorization", "")
    wanted = r"Bearer pk_\S+" if key_type == "nas" else r"pk_\S+"
    if not re.fullmatch(wanted, auth):
        raise SpecViolation(f"POST /tokens needs the public key ({wanted}), got {auth!r}")
    return True


def check_request(request: HttpRequest, key_type: str, base_url: str = SPEC_BASE) -> None:
    """Every check a Checkout.com request must pass: ABC requests against swagger.json;
    NAS requests against the NAS preview spec and swagger.json; plus the source
    discriminator and the Authorization header format of the key type."""
    specs = [ABC_SPEC] if key_type == "abc" else [NAS_SPEC, ABC_SPEC]
    content_type = {k.lower(): v for k, v in request.headers.items()}.get("content-type", "")
    multipart = content_type.startswith("multipart/")  # POST /files
    body = json.loads(request.body) if request.body and not multipart else None
    path = urlsplit(request.url).path
    if key_type == "nas" and any(p.fullmatch(path) for p in NAS_ONLY_PATHS):
        specs = [NAS_SPEC]  # an endpoint the ABC document does not have
    for relative in specs:
        validate_request(relative, request, base_url)
        _check_source(relative, body)
    if _check_public_key(request, key_type):
        return
    auth = {k.lower(): v for k, v in request.headers.items()}.get("authorization", "")
    if key_type == "nas" and not re.fullmatch(r"Bearer sk_\S+", auth):
        raise SpecViolation(f"NAS requests need 'Authorization: Bearer sk_...', got {auth!r}")
    if key_type == "abc" and not re.fullmatch(r"sk_\S+", auth):
        raise SpecViolation(f"ABC requests need 'Authorization: sk_...', got {auth!r}")


# --------------------------------------------------------------------------- the fake

_ALPHABET = string.ascii_lowercase + "234567"
# Checkout.com amounts (not ISO minor units) that make the fake decline.
DECLINES = {
    5051: ("20051", "Insufficient Funds"),
    5043: ("30043", "Stolen Card - Pick Up"),
    5101: ("40101", "Risk Blocked Transaction"),
}


# Alternative sources the fake takes (answered Pending with a redirect).
APM_SOURCES = frozenset({"paypal", "ideal", "bancontact", "eps", "p24", "boleto", "alipay"})


def new_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(random.choices(_ALPHABET, k=26))


@dataclass
class FakePayment:
    id: str
    amount: int
    currency: str
    reference: str | None
    status: str
    approved: bool
    source: dict[str, Any]
    customer: dict[str, Any] | None
    payment_type: str
    capture: bool
    response_code: str = "10000"
    response_summary: str = "Approved"
    captured: int = 0
    refunded: int = 0
    voided: int = 0
    success_url: str | None = None
    estimated: bool = False  # authorization_type Estimated: may be incremented
    capture_open: bool = False  # a NonFinal capture left the rest capturable
    scheme_id: str = field(default_factory=lambda: str(random.randint(10**14, 10**15 - 1)))
    actions: list[dict[str, Any]] = field(default_factory=list)
    requested_on: str = "2024-05-14T10:20:30.1234567Z"


class CheckoutFake(FakeGateway):
    idempotency_header = "Cko-Idempotency-Key"

    def __init__(self, key_type: str = "nas") -> None:
        super().__init__()
        self.key_type = key_type
        self.secret = SECRET_NAS if key_type == "nas" else SECRET_ABC
        self.public = PUBLIC_NAS if key_type == "nas" else PUBLIC_ABC
        self.tokens: dict[str, dict[str, Any]] = {}  # tok_ -> the card the wallet held
        self.payments: dict[str, FakePayment] = {}
        self.instruments: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.customer_instruments: dict[str, list[str]] = {}
        self.transcripts: list[str] = []  # filled by a test's Executor(transcript_sink=...)
        self.disputes: dict[str, dict[str, Any]] = {}  # newest last
        self.files: dict[str, dict[str, Any]] = {}  # uploaded evidence: name, type, size

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/payments", self.create_payment)
        r.add_get("/payments", self.list_payments)
        r.add_get("/payments/{id}", self.get_payment)
        r.add_get("/payments/{id}/actions", self.get_actions)
        r.add_post("/payments/{id}/captures", self.capture)
        r.add_post("/payments/{id}/voids", self.void)
        r.add_post("/payments/{id}/refunds", self.refund)
        r.add_delete("/instruments/{id}", self.delete_instrument)
        r.add_post("/files", self.upload_file)
        r.add_get("/disputes", self.list_disputes)
        r.add_get("/disputes/{id}", self.get_dispute)
        r.add_post("/disputes/{id}/accept", self.accept_dispute)
        r.add_put("/disputes/{id}/evidence", self.provide_evidence)
        r.add_post("/disputes/{id}/evidence", self.submit_evidence)
        r.add_post("/payments/{id}/authorizations", self.increment)
        r.add_get("/customers/{id}", self.get_customer)
        r.add_get("/3ds/{id}", self.three_ds_page)  # the "issuer page", not API
        r.add_post("/tokens", self.create_token)
        r.add_get("/apm/{id}", self.apm_page)  # the bank's / wallet's page, not API

    def middlewares(self) -> list[Any]:
        return [self.replay_by_key]

    @property
    def requests(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        """Every request received as (method, path, JSON body or None)."""
        return [
            (r.method, urlsplit(r.url).path, json.loads(r.body) if r.body else None)
            for r in self.received
        ]

    @property
    def credentials(self) -> dict[str, str]:
        return {"secret_key": self.secret, "public_key": self.public}

    @property
    def options(self) -> dict[str, str]:
        if self.key_type == "nas":
            return {"key_type": "nas", "processing_channel_id": CHANNEL}
        return {"key_type": "abc"}

    # ---- request checks

    def is_api(self, request: web.Request) -> bool:
        # the customer's browser, no API key
        return not request.path.startswith(("/3ds/", "/apm/"))

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        key = self.public if request.path == "/tokens" else self.secret
        wanted = f"Bearer {key}" if self.key_type == "nas" else key
        return None if request.headers.get("Authorization") == wanted else web.Response(status=401)

    def check(self, request: HttpRequest) -> None:
        path_qs = request.url.removeprefix(self.base_url)
        check_request(
            HttpRequest(request.method, SPEC_BASE + path_qs, request.headers, request.body),
            self.key_type,
        )

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return web.json_response({"violation": str(violation)}, status=400)

    def _error(self, status: int, *codes: str) -> web.Response:
        return web.json_response(
            {
                "request_id": new_id("req"),
                "error_type": "request_invalid",
                "error_codes": list(codes),
            },
            status=status,
        )

    # ---- documents

    def _link(self, path: str) -> dict[str, str]:
        return {"href": f"{self.base_url}{path}"}

    def _links(self, p: FakePayment) -> dict[str, Any]:
        links = {
            "self": self._link(f"/payments/{p.id}"),
            "actions": self._link(f"/payments/{p.id}/actions"),
        }
        if p.status == "Authorized" or p.capture_open:
            links["capture"] = self._link(f"/payments/{p.id}/captures")
            links["void"] = self._link(f"/payments/{p.id}/voids")
        if p.captured > p.refunded:
            links["refund"] = self._link(f"/payments/{p.id}/refunds")
        if p.status == "Pending":
            page = "3ds" if p.source.get("type") == "card" else "apm"
            links["redirect"] = self._link(f"/{page}/{p.id}")
        return links

    def _balances(self, p: FakePayment) -> dict[str, int]:
        open_auth = p.status == "Authorized"
        capturable = open_auth or (p.status == "Partially Captured" and p.capture_open)
        return {
            "total_authorized": p.amount,
            "total_voided": p.voided,
            "available_to_void": p.amount if open_auth else 0,
            "total_captured": p.captured,
            "available_to_capture": p.amount - p.captured if capturable else 0,
            "total_refunded": p.refunded,
            "available_to_refund": p.captured - p.refunded,
        }

    def _doc(self, p: FakePayment) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": p.id,
            "amount": p.amount,
            "currency": p.currency,
            "approved": p.approved,
            "status": p.status,
            "reference": p.reference,
            "source": p.source,
            "scheme_id": p.scheme_id,
            "_links": self._links(p),
        }
        if p.customer:
            doc["customer"] = p.customer
        if p.reference is None:
            del doc["reference"]
        if self.key_type == "nas":
            doc["balances"] = self._balances(p)
        return doc

    def _action(
        self,
        p: FakePayment,
        kind: str,
        amount: int,
        reference: str | None,
        code: str = "10000",
        summary: str = "Approved",
    ) -> dict[str, Any]:
        action = {
            "id": new_id("act"),
            "type": kind,
            "processed_on": "2024-05-14T10:20:31Z",
            "amount": amount,
            "approved": code == "10000",
            "response_code": code,
            "response_summary": summary,
        }
        if reference:
            action["reference"] = reference
        p.actions.insert(0, action)  # newest first, like the API
        return action

    # ---- handlers

    async def create_payment(self, request: web.Request) -> web.Response:
        body = await request.json()
        source = body.get("source") or {}
        amount = int(body.get("amount", 0))
        customer = self._customer(body.get("customer"))
        if source.get("type") in APM_SOURCES:
            return self._apm_payment(body, source, amount, customer)
        if source.get("type") == "id":
            instrument = self.instruments.get(source["id"])
            if instrument is None:
                return self._error(422, "source_id_invalid")
            card = dict(instrument)
        elif source.get("type") == "token":
            wallet_card = self.tokens.pop(source.get("token", ""), None)
            if wallet_card is None:
                return self._error(422, "token_invalid")
            card = dict(wallet_card)
        else:
            number = source.get("number", "4242424242424242")
            card = {
                "id": new_id("src"),
                "type": "card",
                "expiry_month": source.get("expiry_month", 12),
                "expiry_year": source.get("expiry_year", 2030),
                "scheme": "Visa" if number.startswith("4") else "Mastercard",
                "last4": number[-4:],
                "fingerprint": "F639CAB2745BEE4140BF86DF6B6D6",
                "bin": number[:6],
                "card_type": "Credit",
                "issuer_country": "GB",
            }
            self.instruments[card["id"]] = card
            if customer is not None:  # the card is kept as the customer's instrument
                self.customer_instruments.setdefault(customer["id"], []).append(card["id"])
        if body.get("merchant_initiated") and not body.get("previous_payment_id"):
            return self._error(422, "previous_payment_id_required")
        p = FakePayment(
            id=new_id("pay"),
            amount=amount,
            currency=body["currency"],
            reference=body.get("reference"),
            status="Authorized",
            approved=True,
            source=card,
            customer=customer,
            payment_type=body.get("payment_type", "Regular"),
            capture=bool(body.get("capture", True)),
            success_url=body.get("success_url"),
            estimated=body.get("authorization_type") == "Estimated",
        )
        self.payments[p.id] = p
        if amount in DECLINES:
            p.status, p.approved = "Declined", False
            p.response_code, p.response_summary = DECLINES[amount]
        elif (body.get("3ds") or {}).get("enabled"):
            p.status, p.approved = "Pending", False
            return web.json_response(
                {
                    "id": p.id,
                    "status": "Pending",
                    "reference": p.reference,
                    "3ds": {"downgraded": False, "enrolled": "Y"},
                    "_links": {
                        "self": self._link(f"/payments/{p.id}"),
                        "redirect": self._link(f"/3ds/{p.id}"),
                    },
                },
                status=202,
            )
        elif amount == 0:
            p.status = "Card Verified"
        kind = "Card Verification" if amount == 0 else "Authorization"
        action = self._action(p, kind, amount, p.reference, p.response_code, p.response_summary)
        doc = self._doc(p) | {
            "action_id": action["id"],
            "response_code": p.response_code,
            "response_summary": p.response_summary,
            "processed_on": "2024-05-14T10:20:30Z",
            "risk": {"flagged": False},
            "processing": {
                "acquirer_transaction_id": "8367314942",
                "retrieval_reference_number": "162588399162",
            },
        }
        if p.approved:
            doc["auth_code"] = "770687"
        if p.response_code == "20051":
            doc["processing"] |= {"recommendation_code": "02", "partner_merchant_advice_code": "24"}
        return web.json_response(doc, status=201)

    def _apm_payment(
        self, body: dict[str, Any], source: dict[str, Any], amount: int, customer: Any
    ) -> web.Response:
        p = FakePayment(
            id=new_id("pay"), amount=amount, currency=body["currency"],
            reference=body.get("reference"), status="Pending", approved=False,
            source={"type": source["type"]}, customer=customer,
            payment_type=body.get("payment_type", "Regular"), capture=True,
            success_url=body.get("success_url"),
        )  # fmt: skip
        self.payments[p.id] = p
        answer = {"id": p.id, "status": "Pending", "reference": p.reference,
                  "_links": {"self": self._link(f"/payments/{p.id}"),
                             "redirect": self._link(f"/apm/{p.id}")}}  # fmt: skip
        if customer:
            answer["customer"] = {"id": customer["id"]}
        return web.json_response(answer, status=202)

    def settle(self, pid: str, paid: bool = True) -> None:
        """The customer paid on the method's page (or the voucher was paid); with ``paid``
        False they cancelled (``Declined``, as Checkout.com reports it)."""
        p = self.payments[pid]
        if paid:
            p.status, p.approved, p.captured = "Captured", True, p.amount
            self._action(p, "Capture", p.amount, p.reference)
        else:
            p.status, p.response_code, p.response_summary = "Declined", "20005", "Declined"
            self._action(p, "Authorization", p.amount, p.reference, "20005", "Declined")

    async def apm_page(self, request: web.Request) -> web.Response:
        p = self.payments.get(request.match_info["id"])
        if p is None or p.status != "Pending":
            return web.Response(status=404)
        self.settle(p.id, request.query.get("outcome", "success") == "success")
        raise web.HTTPFound(f"{p.success_url}")

    async def create_token(self, request: web.Request) -> web.Response:
        """A wallet token (Apple Pay / Google Pay) exchanged for a tok_: the card it holds."""
        body = await request.json()
        if not isinstance(body.get("token_data"), dict) or not body["token_data"]:
            return self._error(422, "token_data_invalid")
        token = "tok_" + "".join(random.choices(_ALPHABET, k=26))
        self.tokens[token] = {
            "id": new_id("src"), "type": "card", "expiry_month": 12, "expiry_year": 2030,
            "scheme": "Visa", "last4": "4242", "bin": "424242", "card_type": "Credit",
            "issuer_country": "GB", "fingerprint": "1C2FA8A2A1E2B3D4C5E6F7A8B9C0D1E2",
        }  # fmt: skip
        return web.json_response(
            {"type": body["type"], "token": token, "expires_on": "2026-12-03T10:50:00Z",
             "expiry_month": 12, "expiry_year": 2030, "scheme": "VISA", "last4": "4242",
             "bin": "424242", "card_type": "Credit", "card_category": "Consumer"},
            status=201,
        )  # fmt: skip

    def _customer(self, given: dict[str, Any] | None) -> dict[str, Any] | None:
        if not given:
            return None
        cid = given.get("id") or new_id("cus")
        customer = self.customers.setdefault(cid, {"id": cid})
        customer.update({k: v for k, v in given.items() if k in ("email", "name")})
        return customer

    def _payment(self, request: web.Request) -> FakePayment | None:
        p = self.payments.get(request.match_info["id"])
        if p is not None and p.status == "Authorized" and p.capture and p.captured == 0:
            # an automatic capture completes shortly after the authorization
            p.captured, p.status = p.amount, "Captured"
            self._action(p, "Capture", p.amount, p.reference)
        return p

    async def get_payment(self, request: web.Request) -> web.Response:
        p = self._payment(request)
        if p is None:
            return web.Response(status=404)
        doc = self._doc(p) | {
            "requested_on": p.requested_on,
            "payment_type": p.payment_type,
            "risk": {"flagged": False},
        }
        doc["actions"] = [
            {k: a[k] for k in ("id", "type", "response_code", "response_summary")}
            for a in p.actions
        ]
        return web.json_response(doc)

    async def list_payments(self, request: web.Request) -> web.Response:
        reference = request.query.get("reference")
        limit = int(request.query.get("limit", "10"))
        found = [p for p in self.payments.values() if reference and p.reference == reference]
        found.sort(key=lambda p: p.requested_on, reverse=True)
        docs = [self._doc(p) | {"requested_on": p.requested_on} for p in found[:limit]]
        return web.json_response(
            {"limit": limit, "skip": 0, "total_count": len(found), "data": docs}
        )

    async def get_actions(self, request: web.Request) -> web.Response:
        p = self._payment(request)
        if p is None:
            return web.Response(status=404)
        return web.json_response(p.actions)

    async def capture(self, request: web.Request) -> web.Response:
        p = self._payment(request)
        if p is None:
            return web.Response(status=404)
        body = json.loads(await request.read() or b"{}")
        left = p.amount - p.captured
        amount = int(body.get("amount", left))
        if not (p.status == "Authorized" or (p.status == "Partially Captured" and p.capture_open)):
            return web.Response(status=403)
        if amount > left:
            return self._error(422, "amount_invalid")
        action = self._action(p, "Capture", amount, body.get("reference"))
        p.captured += amount
        # Final (the default) releases the rest; NonFinal leaves it capturable.
        p.capture_open = body.get("capture_type") == "NonFinal" and p.captured < p.amount
        p.status = "Partially Captured" if p.capture_open else "Captured"
        return web.json_response(
            {
                "action_id": action["id"],
                "reference": body.get("reference"),
                "_links": {"payment": self._link(f"/payments/{p.id}")},
            },
            status=202,
        )

    async def increment(self, request: web.Request) -> web.Response:
        p = self._payment(request)
        if p is None:
            return web.Response(status=404)
        if p.status != "Authorized" or not p.estimated:
            return web.Response(status=403)
        body = json.loads(await request.read() or b"{}")
        extra = int(body.get("amount", 0))
        total = p.amount + extra
        code, summary = DECLINES.get(total, ("10000", "Approved"))
        action = self._action(p, "Authorization", extra, body.get("reference"), code, summary)
        approved = code == "10000"
        if approved:
            p.amount = total
        answer = {
            "action_id": action["id"], "amount": p.amount, "currency": p.currency,
            "approved": approved, "status": "Authorized" if approved else "Declined",
            "response_code": code, "response_summary": summary,
            "processed_on": "2024-05-14T10:21:30Z", "reference": body.get("reference"),
            "balances": self._balances(p),
            "_links": {"self": self._link(f"/payments/{p.id}")},
        }  # fmt: skip
        return web.json_response({k: v for k, v in answer.items() if v is not None}, status=201)

    async def get_customer(self, request: web.Request) -> web.Response:
        cid = request.match_info["id"]
        customer = self.customers.get(cid)
        if customer is None:
            return web.Response(status=404)
        instruments = [
            {k: v for k, v in self.instruments[i].items() if k != "issuer_country"}
            for i in self.customer_instruments.get(cid, [])
            if i in self.instruments
        ]
        doc = {"id": cid, "email": customer.get("email") or "shopper@example.com",
               "instruments": instruments}  # fmt: skip
        if customer.get("name"):
            doc["name"] = customer["name"]
        return web.json_response(doc)

    async def void(self, request: web.Request) -> web.Response:
        p = self._payment(request)
        if p is None:
            return web.Response(status=404)
        if p.status != "Authorized":
            return web.Response(status=403)
        action = self._action(p, "Void", p.amount, None)
        p.voided, p.status = p.amount, "Voided"
        return web.json_response(
            {"action_id": action["id"], "_links": {"payment": self._link(f"/payments/{p.id}")}},
            status=202,
        )

    async def refund(self, request: web.Request) -> web.Response:
        p = self._payment(request)
        if p is None:
            return web.Response(status=404)
        body = json.loads(await request.read() or b"{}")
        amount = int(body.get("amount", p.captured - p.refunded))
        if not p.captured:
            return web.Response(status=403)
        if amount > p.captured - p.refunded:
            return self._error(422, "refund_amount_exceeds_balance")
        action = self._action(p, "Refund", amount, body.get("reference"))
        p.refunded += amount
        p.status = "Refunded" if p.refunded == p.captured else "Partially Refunded"
        return web.json_response(
            {
                "action_id": action["id"],
                "reference": body.get("reference"),
                "_links": {"payment": self._link(f"/payments/{p.id}")},
            },
            status=202,
        )

    async def list_disputes(self, request: web.Request) -> web.Response:
        return await _list_disputes(self, request)

    async def get_dispute(self, request: web.Request) -> web.Response:
        d = self.disputes.get(request.match_info["id"])
        if d is None:
            return web.Response(status=404)
        doc = _dispute_doc(d, self.base_url)
        if d.get("_outcome"):
            d["_reads"] += 1
            if d["_reads"] > 1:
                d["status"] = doc["status"] = d.pop("_outcome")
        return web.json_response(doc)

    async def accept_dispute(self, request: web.Request) -> web.Response:
        d = self.disputes.get(request.match_info["id"])
        if d is None:
            return web.Response(status=404)
        if d["status"] != "evidence_required":
            return self._error(422, "dispute_status_invalid")
        d["status"] = "accepted"
        return web.Response(status=204)

    async def upload_file(self, request: web.Request) -> web.Response:
        """POST /files (multipart: ``file`` and ``purpose``): JPEG, PNG or PDF, 4 MB."""
        raw = await request.read()
        head = f"Content-Type: {request.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=email_policy.HTTP).parsebytes(head + raw)
        parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
        file, purpose = parts.get("file"), parts.get("purpose")
        content = file.get_payload(decode=True) if file is not None else None
        if (
            not isinstance(content, bytes)
            or purpose is None
            or purpose.get_payload(decode=True) != b"dispute_evidence"
        ):
            return self._error(422, "file_invalid")
        if file is None or file.get_content_type() not in (
            "image/jpeg", "image/png", "application/pdf"
        ) or len(content) > 4 * 1024 * 1024:  # fmt: skip
            return self._error(422, "file_invalid")
        file_id = new_id("file")
        self.files[file_id] = {"name": file.get_filename(), "type": file.get_content_type(),
                               "size": len(content)}  # fmt: skip
        return web.json_response(
            {"id": file_id, "_links": {"self": self._link(f"/files/{file_id}")}}
        )

    async def provide_evidence(self, request: web.Request) -> web.Response:
        d = self.disputes.get(request.match_info["id"])
        if d is None:
            return web.Response(status=404)
        if d["status"] != "evidence_required":
            return self._error(422, "dispute_status_invalid")
        evidence = await request.json()
        for key, value in evidence.items():
            if key.endswith("_file") and value not in self.files:
                return self._error(422, f"{key}_invalid")
        d["_evidence"].update(evidence)
        return web.Response(status=204)

    async def submit_evidence(self, request: web.Request) -> web.Response:
        d = self.disputes.get(request.match_info["id"])
        if d is None:
            return web.Response(status=404)
        if d["status"] != "evidence_required" or not d["_evidence"]:
            return self._error(422, "dispute_status_invalid")
        text = str(d["_evidence"].get("additional_evidence_text") or "")
        d["status"] = "evidence_under_review"
        # Decided after the next read (the scheme takes a while; the read right after
        # the submission still shows it under review).
        d["_outcome"] = (
            "won" if "winning_evidence" in text else "lost" if "losing_evidence" in text else None
        )
        d["_reads"] = 0
        return web.Response(status=204)

    async def delete_instrument(self, request: web.Request) -> web.Response:
        if self.instruments.pop(request.match_info["id"], None) is None:
            return web.Response(status=404)
        return web.Response(status=204)

    async def three_ds_page(self, request: web.Request) -> web.Response:
        p = self.payments.get(request.match_info["id"])
        if p is None or p.status != "Pending":
            return web.Response(status=404)
        if request.query.get("outcome", "success") == "success":
            p.status, p.approved = "Authorized", True
            self._action(p, "Authorization", p.amount, p.reference)
        else:
            p.status, p.response_code, p.response_summary = (
                "Declined",
                "20151",
                "Cardholder failed 3DS authentication",
            )
            self._action(
                p, "Authorization", p.amount, p.reference, p.response_code, p.response_summary
            )
        sep = "&" if "?" in (p.success_url or "") else "?"
        raise web.HTTPFound(f"{p.success_url}{sep}cko-session-id={new_id('sid')}")


# ---- disputes: opened by a test (the sandbox dashboard's way); evidence whose
# additional_evidence_text says "winning_evidence" wins, "losing_evidence" loses.


def _dispute_doc(d: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if not k.startswith("_")} | {
        "_links": {"self": {"href": f"{base_url}/disputes/{d['id']}"}}
    }


async def _list_disputes(fake: CheckoutFake, request: web.Request) -> web.Response:
    limit = int(request.query.get("limit", "50"))
    skip = int(request.query.get("skip", "0"))
    newest = list(reversed(fake.disputes.values()))
    page = newest[skip : skip + limit]
    data = [
        {k: d[k] for k in ("id", "category", "status", "amount", "currency", "reason_code",
                           "evidence_required_by", "received_on", "last_update")}
        | {"payment_id": d["payment"]["id"], "payment_method": d["payment"]["method"]}
        for d in page
    ]  # fmt: skip
    return web.json_response(
        {"limit": limit, "skip": skip, "total_count": len(newest), "data": data}
    )


def open_checkout_dispute(fake: CheckoutFake, payment_id: str) -> dict[str, Any]:
    p = fake.payments[payment_id]
    dispute: dict[str, Any] = {
        "id": new_id("dsp"), "category": "fraudulent", "amount": p.amount,
        "currency": p.currency, "reason_code": "10.4", "status": "evidence_required",
        "relevant_evidence": ["proof_of_delivery_or_service", "customer_communication"],
        "evidence_required_by": "2030-01-01T00:00:00Z",
        "received_on": "2024-05-20T10:00:00Z", "last_update": "2024-05-20T10:00:00Z",
        "payment": {"id": p.id, "amount": p.amount, "currency": p.currency, "method": "Visa",
                    "processed_on": p.requested_on},
        "_evidence": {},
    }  # fmt: skip
    fake.disputes[dispute["id"]] = dispute
    return dispute


async def start_fake(key_type: str = "nas") -> tuple[CheckoutFake, web.AppRunner]:
    """A started fake and its runner (``runner.cleanup()`` or ``fake.close()`` stops it)."""
    fake = CheckoutFake(key_type)
    await fake.start()
    assert fake._runner is not None
    return fake, fake._runner


@pytest.fixture(params=["nas", "abc"])
async def checkout_fake(request: pytest.FixtureRequest) -> AsyncIterator[CheckoutFake]:
    fake, runner = await start_fake(request.param)
    try:
        yield fake
    finally:
        await runner.cleanup()
