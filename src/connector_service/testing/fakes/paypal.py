"""A loopback fake of PayPal's REST API (OAuth token, Orders v2, Payments v2, Vault v3,
webhook signature verification), plus the contract checks it applies.

Every API request is validated against PayPal's own published spec (the file covering its
path) and answered ``400 INVALID_REQUEST`` with the violation when invalid. The token
endpoint is in none of the specs; the fake checks its Basic header and form body exactly.

Two gaps of the published specs are filled by hand here:

* openapi-core does not check ``oauth2`` security (it only warns), so ``check_request``
  demands ``Authorization: Bearer <token>`` itself;
* ``verify-webhook-signature`` must carry the event exactly as PayPal sent it, but the
  spec marks every property of ``event`` ``readOnly`` (its own example would fail), so
  the fake registers a fix dropping ``readOnly`` inside that one schema.

Sandbox conventions copied: cardholder names ``CCREJECT-<code>`` make the card decline,
``THREE_DS_CARD`` (or ``SCA_ALWAYS``) makes the order wait for the payer (3-D Secure).

Other payment sources: ``paypal`` and the bank methods (``ideal``, ``bancontact``, ``eps``,
``p24``, ``blik``) make the order ``PAYER_ACTION_REQUIRED`` (with a ``payer-action`` link,
BLIK's level 0 without one); ``POST /__fake__/approve/{id}?outcome=Y|N`` plays the payer:
the wallet becomes ``APPROVED`` (the merchant then authorizes or captures), a bank
payment with ``ORDER_COMPLETE_ON_PAYMENT_APPROVAL`` is captured at once; ``N`` voids it.
A ``card.network_token`` or an ``apple_pay.decrypted_token`` is processed like a card.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
import re
import string
import uuid
import zlib
from collections.abc import Awaitable, Callable
from decimal import Decimal
from email import policy as email_policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from connector_service.connectors.base import HttpRequest, basic_auth
from connector_service.testing import spec as contract
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation, validate_request

SPEC_BASE = "https://api-m.sandbox.paypal.com"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ORDERS_SPEC = "paypal/checkout_orders_v2.json"
PAYMENTS_SPEC = "paypal/payments_payment_v2.json"
VAULT_SPEC = "paypal/vault_payment_tokens_v3.json"
WEBHOOKS_SPEC = "paypal/notifications_webhooks_v1.json"
DISPUTES_SPEC = "paypal/customer_disputes_v1.json"
SPECS = {
    "/v2/checkout/": ORDERS_SPEC,
    "/v2/payments/": PAYMENTS_SPEC,
    "/v3/vault/": VAULT_SPEC,
    "/v1/notifications/": WEBHOOKS_SPEC,
    "/v1/customer/": DISPUTES_SPEC,
}
CLIENT_ID = "AZfake-client-id-0000000000000000000000"
CLIENT_SECRET = "EKfake-client-secret-11111111111111111"
WEBHOOK_ID = "8PT597110X687430L"
SIGNING_KEY = b"fake-paypal-webhook-signing-key"
THREE_DS_CARD = "4000000000003220"
NO_DECIMALS = {"HUF", "JPY", "TWD"}
# Sandbox "CCREJECT-<suffix>" name -> processor_response (response_code, advice code)
REJECTS = {
    "IF": ("5120", "02"),  # insufficient funds, retry later
    "SF": ("9500", None),  # suspected fraud
    "EC": ("5400", None),  # expired card
    "CVV_F": ("00N7", None),  # CVV check failed
    "REFUSED": ("0500", None),  # do not honor
    "BANK_ERROR": ("5100", "03"),  # generic decline, do not try again
}


# --------------------------------------------------------------------------- contract


def relax_webhook_event(spec: dict[str, Any]) -> None:
    """Drop ``readOnly`` inside the ``event`` schema: verify-webhook-signature must send
    the received event back whole (PayPal's own example for it does exactly that)."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("readOnly", None)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec["components"]["schemas"]["event"])


contract.register_fix(WEBHOOKS_SPEC, relax_webhook_event)


def repair_disputes_spec(spec: dict[str, Any]) -> None:
    """customer_disputes_v1.json puts ``enum`` beside a parameter's ``schema`` (OpenAPI
    allows it only inside; the values may be comma-joined, so the schema's own pattern is
    what holds), lists a tag twice, has defaults its own patterns refuse ("Current date
    and time") and an enum with repeated values: each stops the document from loading."""
    params = list((spec.get("components") or {}).get("parameters", {}).values())
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict):
                params += [p for p in op.get("parameters", []) if "$ref" not in p]
    for param in params:
        param.pop("enum", None)
    seen: set[str] = set()
    tags = []
    for tag in spec.get("tags", []):
        if tag.get("name") not in seen:
            seen.add(tag.get("name"))
            tags.append(tag)
    spec["tags"] = tags

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            default, pattern = node.get("default"), node.get("pattern")
            if (
                isinstance(default, str)
                and isinstance(pattern, str)
                and not re.search(pattern, default)
            ):
                del node["default"]
            if isinstance(node.get("enum"), list):
                node["enum"] = list(dict.fromkeys(node["enum"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)


contract.register_fix(DISPUTES_SPEC, repair_disputes_spec)


def spec_for(path: str) -> str:
    for prefix, relative in SPECS.items():
        if path.startswith(prefix):
            return relative
    raise SpecViolation(f"no PayPal spec covers {path}")


def check_request(request: HttpRequest) -> None:
    """Raise SpecViolation unless ``request`` is valid for the PayPal spec of its path and
    carries the OAuth bearer token the spec's security demands."""
    parts = urlsplit(request.url)
    relative = spec_for(parts.path)
    # Validate at the spec's own host so each spec is loaded once per test session.
    url = SPEC_BASE + parts.path + (f"?{parts.query}" if parts.query else "")
    canonical = HttpRequest(request.method, url, request.headers, request.body)
    validate_request(relative, canonical, SPEC_BASE)
    auth = {k.lower(): v for k, v in request.headers.items()}.get("authorization", "")
    if not re.fullmatch(r"Bearer [A-Za-z0-9._~+/=-]+", auth):
        raise SpecViolation(f"{relative} requires 'Authorization: Bearer <token>', got {auth!r}")


def check_token_request(request: HttpRequest, client_id: str, client_secret: str) -> None:
    """/v1/oauth2/token is in none of the specs: the documented form, checked exactly."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    if request.method != "POST" or urlsplit(request.url).path != "/v1/oauth2/token":
        raise SpecViolation(f"token request must be POST /v1/oauth2/token: {request.url}")
    if headers.get("authorization") != basic_auth(client_id, client_secret):
        raise SpecViolation("token request needs Basic base64(client_id:client_secret)")
    if headers.get("content-type") != "application/x-www-form-urlencoded":
        raise SpecViolation("token request body must be form encoded")
    if parse_qs((request.body or b"").decode()) != {"grant_type": ["client_credentials"]}:
        raise SpecViolation(
            f"token request body must be grant_type=client_credentials: {request.body!r}"
        )


# --------------------------------------------------------------------------- helpers


def _id(n: int = 17) -> str:
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=n))


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dec(value: str) -> Decimal:
    return Decimal(value)


def _fmt(value: Decimal, currency: str) -> str:
    return str(int(value)) if currency in NO_DECIMALS else f"{value:.2f}"


def _money(value: Decimal, currency: str) -> dict[str, str]:
    return {"currency_code": currency, "value": _fmt(value, currency)}


def canonical_event(event: Any) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":")).encode()


def signature(key: bytes, transmission_id: str, when: str, webhook_id: str, event: Any) -> str:
    """Stands in for PayPal's RSA signature over id|time|webhook_id|crc32(body)."""
    message = f"{transmission_id}|{when}|{webhook_id}|{zlib.crc32(canonical_event(event))}"
    # Hex, not base64 like PayPal's: the spec's pattern for transmission_sig (^(?!\d+$)\w+\S+)
    # rejects a base64 value starting with "+" or "/", which would make this fake flaky.
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def error(
    status: int,
    name: str,
    message: str,
    issue: str | None = None,
    description: str | None = None,
    field: str | None = None,
) -> web.Response:
    body: dict[str, Any] = {"name": name, "message": message, "debug_id": _id(13).lower()}
    if issue:
        detail = {"issue": issue, "description": description or issue}
        if field:
            detail |= {"field": field, "location": "body"}
        body["details"] = [detail]
    body["links"] = [
        {
            "href": f"https://developer.paypal.com/api/rest/reference/errors/#{issue or name}",
            "rel": "information_link",
            "method": "GET",
        }
    ]
    return web.json_response(body, status=status)


def unprocessable(issue: str, description: str, field: str | None = None) -> web.Response:
    return error(
        422,
        "UNPROCESSABLE_ENTITY",
        "The requested action could not be performed, "
        "semantically incorrect, or failed business validation.",
        issue,
        description,
        field,
    )


def _json_body(request: HttpRequest) -> Any:
    content_type = request.headers.get("Content-Type") or request.headers.get("content-type")
    json_type = (content_type or "").split(";")[0].strip() == "application/json"
    return json.loads(request.body) if request.body and json_type else None


# --------------------------------------------------------------------------- the fake


class PayPalFake(FakeGateway):
    def __init__(self) -> None:
        super().__init__()
        self.client_id, self.client_secret = CLIENT_ID, CLIENT_SECRET
        self.webhook_id = WEBHOOK_ID
        self.tokens: set[str] = set()
        self.orders: dict[str, dict[str, Any]] = {}
        self.authorizations: dict[str, dict[str, Any]] = {}
        self.captures: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.vault: dict[str, dict[str, Any]] = {}
        self.replies: dict[tuple[str, str], tuple[int, Any]] = {}
        self.defer_processing = False  # answer APPROVED orders needing an explicit call
        self.disputes: dict[str, dict[str, Any]] = {}  # newest last

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/v1/oauth2/token", self.token)
        r.add_post("/v2/checkout/orders", self.create_order)
        r.add_get("/v2/checkout/orders/{id}", self.get_order)
        r.add_post("/v2/checkout/orders/{id}/{action:authorize|capture}", self.order_action)
        r.add_post("/v2/payments/authorizations/{id}/capture", self.capture)
        r.add_post("/v2/payments/authorizations/{id}/void", self.void)
        r.add_post("/v2/payments/captures/{id}/refund", self.refund)
        r.add_get("/v2/payments/refunds/{id}", self.get_refund)
        r.add_post("/v3/vault/payment-tokens", self.create_token)
        r.add_get("/v3/vault/payment-tokens/{id}", self.get_token)
        r.add_get("/v3/vault/payment-tokens", self.list_tokens)
        r.add_delete("/v3/vault/payment-tokens/{id}", self.delete_token)
        r.add_post("/v1/notifications/verify-webhook-signature", self.verify_webhook)
        r.add_get("/v1/customer/disputes", self.list_disputes)
        r.add_get("/v1/customer/disputes/{id}", self.get_dispute)
        r.add_post("/v1/customer/disputes/{id}/provide-evidence", self.provide_evidence)
        r.add_post("/v1/customer/disputes/{id}/accept-claim", self.accept_claim)
        r.add_post("/__fake__/payer-action/{id}", self.payer_action)  # the 3DS page, not API
        r.add_post("/__fake__/approve/{id}", self.approve)  # the payer's approval page

    def middlewares(self) -> list[Any]:
        return [self._guard]

    @property
    def requests(self) -> list[tuple[str, str, Any]]:
        """Every request received as (method, path, JSON body or None)."""
        return [(r.method, urlsplit(r.url).path, _json_body(r)) for r in self.received]

    @property
    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret}

    @property
    def options(self) -> dict[str, str]:
        return {"webhook_id": self.webhook_id}

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    # ----------------------------------------------------------------------- plumbing

    def is_api(self, request: web.Request) -> bool:
        return not request.path.startswith("/__fake__/")  # the payer's browser

    def check(self, request: HttpRequest) -> None:
        if urlsplit(request.url).path == "/v1/oauth2/token":
            check_token_request(request, self.client_id, self.client_secret)
        else:
            check_request(request)

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        if urlsplit(request.url).path == "/v1/oauth2/token":
            return web.json_response(
                {"error": "invalid_client", "error_description": "Client Authentication failed"},
                status=401,
            )
        return error(
            400,
            "INVALID_REQUEST",
            "Request is not well-formed, syntactically incorrect, or violates schema.",
            "SPEC_VIOLATION",
            str(violation)[:4000],
        )

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith("/__fake__/"):
            return await handler(request)
        if path != "/v1/oauth2/token":
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.tokens:
                return error(
                    401,
                    "AUTHENTICATION_FAILURE",
                    "Authentication failed due to "
                    "missing authorization header, or invalid authentication credentials.",
                )
        request_id = request.headers.get("PayPal-Request-Id")
        if request.method == "POST" and request_id:
            key = (path, request_id)
            if key in self.replies:  # PayPal answers a repeated request with 200 + the same
                return web.json_response(self.replies[key][1], status=200)
            response = await handler(request)
            if isinstance(response, web.Response) and response.status < 300 and response.body:
                assert isinstance(response.body, bytes)
                self.replies[key] = (response.status, json.loads(response.body))
            return response
        return await handler(request)

    @staticmethod
    async def _json(request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        return json.loads(raw) if raw else {}

    def _representation(self, request: web.Request) -> bool:
        return request.headers.get("Prefer") == "return=representation"

    # ----------------------------------------------------------------------- disputes
    # Opened by a test on a capture (PayPal's sandbox opens them from the buyer's side);
    # evidence notes saying "winning_evidence" resolve it in the seller's favour,
    # "losing_evidence" in the buyer's, on the next read.

    def open_dispute(self, capture_id: str) -> dict[str, Any]:
        c = self.captures[capture_id]
        dispute_id = f"PP-D-{random.randint(10000, 99999)}"
        dispute: dict[str, Any] = {
            "dispute_id": dispute_id, "create_time": _now(), "update_time": _now(),
            "disputed_transactions": [{"seller_transaction_id": capture_id,
                                       "seller_protection_eligible": True}],
            "reason": "UNAUTHORISED", "status": "WAITING_FOR_SELLER_RESPONSE",
            "dispute_amount": c["amount"], "dispute_life_cycle_stage": "CHARGEBACK",
            "dispute_channel": "EXTERNAL", "seller_response_due_date": "2030-01-01T00:00:00.000Z",
            "links": [{"href": f"{self.base_url}/v1/customer/disputes/{dispute_id}",
                       "rel": "self", "method": "GET"}],
        }  # fmt: skip
        self.disputes[dispute_id] = dispute
        return dispute

    def _dispute_view(self, d: dict[str, Any]) -> dict[str, Any]:
        if d.get("_outcome") and d.get("_read"):
            d["status"] = "RESOLVED"
            d["dispute_outcome"] = {"outcome_code": d.pop("_outcome")}
        d["_read"] = True
        return {k: v for k, v in d.items() if not k.startswith("_")}

    async def list_disputes(self, request: web.Request) -> web.Response:
        size = int(request.query.get("page_size", "10"))
        start = int(request.query.get("next_page_token", "0") or 0)
        newest = list(reversed(self.disputes.values()))
        items = [
            {k: d[k] for k in ("dispute_id", "create_time", "update_time", "reason", "status",
                               "dispute_amount", "links")}
            | {"dispute_state": "REQUIRED_ACTION"}
            for d in newest[start : start + size]
        ]  # fmt: skip
        links = [{"href": f"{self.base_url}/v1/customer/disputes", "rel": "self", "method": "GET"}]
        if start + size < len(newest):
            links.append({
                "href": f"{self.base_url}/v1/customer/disputes?page_size={size}"
                        f"&next_page_token={start + size}",
                "rel": "next", "method": "GET",
            })  # fmt: skip
        return web.json_response({"items": items, "links": links})

    async def get_dispute(self, request: web.Request) -> web.Response:
        d = self.disputes.get(request.match_info["id"])
        if d is None:
            return error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.",
                         "INVALID_RESOURCE_ID")  # fmt: skip
        return web.json_response(self._dispute_view(d))

    async def _form(self, request: web.Request) -> tuple[dict[str, Any], list[tuple[str, int]]]:
        """The ``input`` JSON part and the files (name, size) of a multipart request."""
        raw = await request.read()
        head = f"Content-Type: {request.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=email_policy.HTTP).parsebytes(head + raw)
        data: dict[str, Any] = {}
        files: list[tuple[str, int]] = []
        for part in message.iter_parts():
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            if part.get_param("name", header="content-disposition") == "input":
                data = json.loads(content)
            elif part.get_filename():
                files.append((str(part.get_filename()), len(content)))
        return data, files

    async def provide_evidence(self, request: web.Request) -> web.Response:
        d = self.disputes.get(request.match_info["id"])
        if d is None:
            return error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.",
                         "INVALID_RESOURCE_ID")  # fmt: skip
        if d["status"] != "WAITING_FOR_SELLER_RESPONSE":
            return unprocessable("ACTION_NOT_ALLOWED", "The dispute is not waiting for you.")
        data, files = await self._form(request)
        evidences = data.get("evidences")
        if not isinstance(evidences, list) or not evidences:
            return unprocessable("MISSING_EVIDENCE", "Provide at least one evidence.")
        named = {doc.get("name") for e in evidences for doc in e.get("documents") or []}
        if named != {name for name, _ in files}:
            return unprocessable("INVALID_EVIDENCE_FILE", "Documents and files disagree.")
        notes = " ".join(str(e.get("notes") or "") for e in evidences)
        d["status"] = "UNDER_REVIEW"
        d["_evidences"] = evidences
        d["_read"] = False
        d["_outcome"] = (
            "RESOLVED_SELLER_FAVOUR" if "winning_evidence" in notes
            else "RESOLVED_BUYER_FAVOUR" if "losing_evidence" in notes
            else None
        )  # fmt: skip
        return web.json_response({"links": d["links"]})

    async def accept_claim(self, request: web.Request) -> web.Response:
        d = self.disputes.get(request.match_info["id"])
        if d is None:
            return error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.",
                         "INVALID_RESOURCE_ID")  # fmt: skip
        if d["status"] == "RESOLVED":
            return unprocessable("ACTION_NOT_ALLOWED", "The dispute is resolved.")
        await self._form(request)
        d["status"], d["dispute_outcome"] = "RESOLVED", {"outcome_code": "ACCEPTED"}
        return web.json_response({"links": d["links"]})

    # ----------------------------------------------------------------------- OAuth

    async def token(self, request: web.Request) -> web.Response:
        token = "A21AA" + _id(60)
        self.tokens.add(token)
        return web.json_response(
            {
                "scope": "https://uri.paypal.com/services/payments/payment "
                "https://uri.paypal.com/services/vault/payment-tokens/readwrite",
                "access_token": token,
                "token_type": "Bearer",
                "app_id": "APP-80W284485P519543T",
                "expires_in": 32400,
                "nonce": f"{_now()}{_id(20)}",
            }
        )

    # ----------------------------------------------------------------------- orders

    def order_view(self, order_id: str) -> dict[str, Any]:
        order = self.orders[order_id]
        unit = dict(order["unit"])
        payments: dict[str, list[Any]] = {}
        auths = [self.auth_view(a) for a in order["authorizations"]]
        caps = [self.capture_view(c) for c in order["captures"]]
        refunds = [
            self.refund_view(r) for c in order["captures"] for r in self.captures[c]["refunds"]
        ]
        for key, items in (("authorizations", auths), ("captures", caps), ("refunds", refunds)):
            if items:
                payments[key] = items
        if payments:
            unit["payments"] = payments
        links = [
            {
                "href": f"{self.base_url}/v2/checkout/orders/{order_id}",
                "rel": "self",
                "method": "GET",
            }
        ]
        kind = order.get("kind", "card")
        page = {
            "card": f"/webapps/helios?action=verify&flow=3ds&cart_id={order_id}",
            "paypal": f"/checkoutnow?token={order_id}",
        }.get(kind, f"/payment/{kind}?token={order_id}")
        if order["status"] == "PAYER_ACTION_REQUIRED" and kind != "blik":
            links.append({"href": f"{self.base_url}{page}", "rel": "payer-action", "method": "GET"})
        source = order["card"] if kind in ("card", "apple_pay") else order["source_view"]
        view = {
            "id": order_id,
            "intent": order["intent"],
            "status": order["status"],
            "payment_source": {kind: source},
            "purchase_units": [unit],
            "create_time": order["created"],
            "update_time": _now(),
            "links": links,
        }
        if order.get("instruction"):
            view["processing_instruction"] = order["instruction"]
        return view

    def _create_other(self, body: dict[str, Any], unit: dict[str, Any]) -> web.Response:
        """A wallet or bank payment source: the order waits for the payer's approval."""
        kind, given = next(iter(body["payment_source"].items()))
        view = {k: v for k, v in given.items() if k in ("name", "country_code", "email", "bic")}
        if kind == "paypal":
            view = {"email_address": given.get("email_address", "payer@example.com"),
                    "account_id": "QYR5Z8XDVJNXQ", "account_status": "VERIFIED"}  # fmt: skip
        order_id = _id()
        self.orders[order_id] = {
            "intent": body["intent"],
            "unit": {**unit, "payee": {"merchant_id": "C7CYMKZDG8D6E"}},
            "kind": kind,
            "card": {},
            "source_view": view,
            "number": "",
            "source": given,
            "instruction": body.get("processing_instruction"),
            "authorizations": [],
            "captures": [],
            "created": _now(),
            "status": "PAYER_ACTION_REQUIRED",
        }
        return web.json_response(self.order_view(order_id), status=201)

    async def approve(self, request: web.Request) -> web.Response:
        """What the payer's approval page (PayPal login, bank, BLIK app) does."""
        order = self.orders.get(request.match_info["id"])
        if order is None or order["status"] != "PAYER_ACTION_REQUIRED":
            return web.Response(status=404, text="no approval pending")
        if request.query.get("outcome", "Y") != "Y":
            order["status"] = "VOIDED"
        elif order.get("instruction") == "ORDER_COMPLETE_ON_PAYMENT_APPROVAL":
            self._execute(request.match_info["id"])
        else:
            order["status"] = "APPROVED"
        return web.Response(status=204)

    async def create_order(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        unit = body["purchase_units"][0]
        amount = unit["amount"]
        if amount["currency_code"] in NO_DECIMALS and "." in amount["value"]:
            return unprocessable(
                "DECIMALS_NOT_SUPPORTED",
                "Currency does not support decimals.",
                "/purchase_units/@reference_id=='default'/amount/value",
            )
        kinds = body["payment_source"]
        if "card" not in kinds and "apple_pay" not in kinds:
            return self._create_other(body, unit)
        kind = "apple_pay" if "apple_pay" in kinds else "card"
        if kind == "apple_pay":  # decrypted: its tokenized card is charged like a card
            source = kinds["apple_pay"]["decrypted_token"]["tokenized_card"]
        else:
            source = kinds["card"]
        if "network_token" in source:  # a DPAN with its cryptogram, no 3-D Secure
            source = {**source, **{k: source["network_token"][k] for k in ("number", "expiry")}}
        stored = source.get("stored_credential") or {}
        if "vault_id" in source:
            token = self.vault.get(source["vault_id"])
            if token is None:
                return unprocessable(
                    "INVALID_RESOURCE_ID",
                    "Specified resource ID does not exist.",
                    "/payment_source/card/vault_id",
                )
            card, number = dict(token["card"]), token["number"]
        else:
            number = source["number"]
            card = {
                "name": source.get("name"),
                "last_digits": number[-4:],
                "expiry": source["expiry"],
                "brand": "VISA" if number[0] == "4" else "MASTERCARD",
                "available_networks": ["VISA"],
                "type": "CREDIT",
            }
            card = {k: v for k, v in card.items() if v is not None}
        if (card.get("name") or "") == "CCREJECT-INSTRUMENT":
            return unprocessable(
                "INSTRUMENT_DECLINED",
                "The instrument presented was either "
                "declined by the processor or bank, or it can't be used for this payment.",
            )
        order_id = _id()
        method = ((source.get("attributes") or {}).get("verification") or {}).get("method")
        mit = stored.get("payment_initiator") == "MERCHANT"
        order = {
            "intent": body["intent"],
            "unit": {**unit, "payee": {"merchant_id": "C7CYMKZDG8D6E"}},
            "kind": kind,
            "card": card,
            "number": number,
            "source": source,
            "authorizations": [],
            "captures": [],
            "created": _now(),
            "status": "PAYER_ACTION_REQUIRED"
            if not mit and (method == "SCA_ALWAYS" or number == THREE_DS_CARD)
            else "CREATED",
        }
        self.orders[order_id] = order
        if order["status"] == "CREATED":
            if self.defer_processing:
                order["status"] = "APPROVED"
            else:
                self._execute(order_id)
        return web.json_response(self.order_view(order_id), status=201)

    def _execute(self, order_id: str) -> None:
        """Authorize or capture the order's amount on its card, as the issuer decides."""
        order = self.orders[order_id]
        amount, unit = order["unit"]["amount"], order["unit"]
        reject = REJECTS.get(((order["card"] or {}).get("name") or "").removeprefix("CCREJECT-"))
        code, advice = reject or ("0000", None)
        processor = {
            "avs_code": "Y",
            "cvv_code": "N" if code == "00N7" else "M",
            "response_code": code,
        }
        if advice:
            processor["payment_advice_code"] = advice
        ntr = {"id": str(random.randint(10**14, 10**15 - 1)), "date": "0523", "network": "VISA"}
        common = {
            "amount": dict(amount),
            "invoice_id": unit.get("invoice_id"),
            "custom_id": unit.get("custom_id"),
            "network_transaction_reference": ntr,
            "processor_response": processor,
            "order_id": order_id,
            "seller_protection": {
                "status": "ELIGIBLE",
                "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
            },
            "create_time": _now(),
        }
        if order["intent"] == "AUTHORIZE":
            auth_id = _id()
            self.authorizations[auth_id] = {
                **common,
                "id": auth_id,
                "captured": Decimal(0),
                "status": "DENIED" if reject else "CREATED",
            }
            order["authorizations"].append(auth_id)
        else:
            cap_id = _id()
            self.captures[cap_id] = {
                **common,
                "id": cap_id,
                "refunds": [],
                "final_capture": True,
                "status": "DECLINED" if reject else "COMPLETED",
            }
            order["captures"].append(cap_id)
        order["status"] = "COMPLETED"
        vault = (order["source"].get("attributes") or {}).get("vault") or {}
        if vault.get("store_in_vault") == "ON_SUCCESS" and not reject:
            customer = ((order["source"].get("attributes") or {}).get("customer") or {}).get("id")
            token_id = self._vault(order["number"], order["card"], customer, ntr["id"])
            order["card"]["attributes"] = {
                "vault": {
                    "id": token_id,
                    "status": "VAULTED",
                    "customer": {"id": self.vault[token_id]["customer"]},
                    "links": [
                        {
                            "href": f"{self.base_url}/v3/vault/payment-tokens/{token_id}",
                            "rel": "self",
                            "method": "GET",
                        }
                    ],
                }
            }

    async def get_order(self, request: web.Request) -> web.Response:
        order_id = request.match_info["id"]
        if order_id not in self.orders:
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The specified resource does not exist.",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist. Please check the resource ID and try again.",
            )
        return web.json_response(self.order_view(order_id))

    async def order_action(self, request: web.Request) -> web.Response:
        order_id, action = request.match_info["id"], request.match_info["action"]
        order = self.orders.get(order_id)
        if order is None:
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The specified resource does not exist.",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist.",
            )
        if (action == "capture") != (order["intent"] == "CAPTURE"):
            return unprocessable(
                "ACTION_DOES_NOT_MATCH_INTENT",
                f"Order was created with an intent to {order['intent']}.",
            )
        if order["status"] == "PAYER_ACTION_REQUIRED":
            return unprocessable(
                "ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment."
            )
        if order["status"] == "COMPLETED":
            issue = "ORDER_ALREADY_CAPTURED" if action == "capture" else "ORDER_ALREADY_AUTHORIZED"
            return unprocessable(issue, "The order was already processed.")
        self._execute(order_id)
        return web.json_response(self.order_view(order_id), status=201)

    async def payer_action(self, request: web.Request) -> web.Response:
        """What PayPal's 3-D Secure page does once the payer is done (outcome Y/N/...)."""
        order = self.orders[request.match_info["id"]]
        outcome = request.query.get("outcome", "Y")
        order["status"] = "APPROVED"
        order["card"]["authentication_result"] = {
            "liability_shift": "POSSIBLE" if outcome == "Y" else "NO",
            "three_d_secure": {"enrollment_status": "Y", "authentication_status": outcome},
        }
        return web.Response(status=204)

    # ----------------------------------------------------------------------- payments

    def auth_view(self, auth_id: str) -> dict[str, Any]:
        a = self.authorizations[auth_id]
        links = [
            {
                "href": f"{self.base_url}/v2/payments/authorizations/{auth_id}",
                "rel": rel,
                "method": m,
            }
            for rel, m in (("self", "GET"), ("capture", "POST"), ("void", "POST"))
        ]
        view = {
            k: a[k]
            for k in (
                "id",
                "status",
                "amount",
                "invoice_id",
                "custom_id",
                "network_transaction_reference",
                "processor_response",
                "seller_protection",
                "create_time",
            )
            if a.get(k) is not None
        }
        return view | {
            "expiration_time": "2030-01-01T00:00:00Z",
            "update_time": _now(),
            "links": links,
            "supplementary_data": {"related_ids": {"order_id": a["order_id"]}},
        }

    def capture_view(self, cap_id: str) -> dict[str, Any]:
        c = self.captures[cap_id]
        view = {
            k: c[k]
            for k in (
                "id",
                "status",
                "amount",
                "invoice_id",
                "custom_id",
                "final_capture",
                "network_transaction_reference",
                "processor_response",
                "seller_protection",
                "create_time",
            )
            if c.get(k) is not None
        }
        related = {"order_id": c["order_id"]} | (
            {"authorization_id": c["auth_id"]} if c.get("auth_id") else {}
        )
        if c.get("status_details"):
            view["status_details"] = c["status_details"]
        fee = (_dec(c["amount"]["value"]) * Decimal("0.0349")).quantize(Decimal("0.01"))
        currency = c["amount"]["currency_code"]
        return view | {
            "seller_receivable_breakdown": {
                "gross_amount": c["amount"],
                "paypal_fee": _money(fee, currency),
                "net_amount": _money(_dec(c["amount"]["value"]) - fee, currency),
            },
            "update_time": _now(),
            "supplementary_data": {"related_ids": related},
            "links": [
                {
                    "href": f"{self.base_url}/v2/payments/captures/{cap_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {
                    "href": f"{self.base_url}/v2/payments/captures/{cap_id}/refund",
                    "rel": "refund",
                    "method": "POST",
                },
            ],
        }

    def refund_view(self, refund_id: str) -> dict[str, Any]:
        r = self.refunds[refund_id]
        return {
            "id": refund_id,
            "amount": r["amount"],
            "status": r["status"],
            "custom_id": r.get("custom_id"),
            "note_to_payer": r.get("note_to_payer"),
            "seller_payable_breakdown": {"gross_amount": r["amount"], "net_amount": r["amount"]},
            "create_time": r["create_time"],
            "update_time": _now(),
            "links": [
                {
                    "href": f"{self.base_url}/v2/payments/refunds/{refund_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {
                    "href": f"{self.base_url}/v2/payments/captures/{r['capture_id']}",
                    "rel": "up",
                    "method": "GET",
                },
            ],
        }

    async def capture(self, request: web.Request) -> web.Response:
        auth = self.authorizations.get(request.match_info["id"])
        if auth is None:
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The specified resource does not exist.",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist.",
            )
        body = await self._json(request)
        if auth["status"] == "VOIDED":
            return unprocessable(
                "AUTHORIZATION_VOIDED", "A voided authorization cannot be captured."
            )
        if auth["status"] in ("CAPTURED", "DENIED"):
            return unprocessable(
                "AUTHORIZATION_ALREADY_CAPTURED", "Authorization has been previously captured."
            )
        currency = auth["amount"]["currency_code"]
        remaining = _dec(auth["amount"]["value"]) - auth["captured"]
        value = _dec(body["amount"]["value"]) if body.get("amount") else remaining
        if value > remaining:
            return unprocessable(
                "MAX_CAPTURE_AMOUNT_EXCEEDED", "Capture amount exceeds allowable limit."
            )
        cap_id = _id()
        auth["captured"] += value
        final = bool(body.get("final_capture")) or auth["captured"] == _dec(auth["amount"]["value"])
        auth["status"] = "CAPTURED" if final else "PARTIALLY_CAPTURED"
        self.captures[cap_id] = {
            "id": cap_id,
            "status": "COMPLETED",
            "amount": _money(value, currency),
            "invoice_id": body.get("invoice_id"),
            "final_capture": final,
            "refunds": [],
            "network_transaction_reference": auth["network_transaction_reference"],
            "seller_protection": auth["seller_protection"],
            "order_id": auth["order_id"],
            "auth_id": auth["id"],
            "create_time": _now(),
        }
        self.orders[auth["order_id"]]["captures"].append(cap_id)
        return web.json_response(self.capture_view(cap_id), status=201)

    async def void(self, request: web.Request) -> web.StreamResponse:
        auth = self.authorizations.get(request.match_info["id"])
        if auth is None:
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The specified resource does not exist.",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist.",
            )
        if auth["status"] == "VOIDED":
            return unprocessable("PREVIOUSLY_VOIDED", "Authorization has been previously voided.")
        if auth["status"] in ("CAPTURED", "DENIED"):
            return unprocessable(
                "PREVIOUSLY_CAPTURED", "Authorization has been previously captured."
            )
        auth["status"] = "VOIDED"
        order = self.orders[auth["order_id"]]
        if not order["captures"]:
            order["status"] = "VOIDED"
        if self._representation(request):
            return web.json_response(self.auth_view(auth["id"]))
        return web.Response(status=204)

    async def refund(self, request: web.Request) -> web.Response:
        cap = self.captures.get(request.match_info["id"])
        if cap is None:
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The specified resource does not exist.",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist.",
            )
        if cap["status"] == "REFUNDED":
            return unprocessable(
                "CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded"
            )
        if cap["status"] not in ("COMPLETED", "PARTIALLY_REFUNDED"):
            return unprocessable("REFUND_NOT_ALLOWED", "Refund cannot be issued for this capture.")
        body = await self._json(request)
        currency = cap["amount"]["currency_code"]
        refunded = sum(
            (_dec(self.refunds[r]["amount"]["value"]) for r in cap["refunds"]), Decimal(0)
        )
        left = _dec(cap["amount"]["value"]) - refunded
        value = _dec(body["amount"]["value"]) if body.get("amount") else left
        if value > left:
            return unprocessable(
                "REFUND_AMOUNT_EXCEEDED",
                "The refund amount must be less than or "
                "equal to the capture amount that has not yet been refunded.",
            )
        refund_id = _id()
        self.refunds[refund_id] = {
            "amount": _money(value, currency),
            "status": "COMPLETED",
            "capture_id": cap["id"],
            "custom_id": body.get("custom_id"),
            "note_to_payer": body.get("note_to_payer"),
            "create_time": _now(),
        }
        cap["refunds"].append(refund_id)
        cap["status"] = "REFUNDED" if value == left else "PARTIALLY_REFUNDED"
        return web.json_response(self.refund_view(refund_id), status=201)

    async def get_refund(self, request: web.Request) -> web.Response:
        refund_id = request.match_info["id"]
        if refund_id not in self.refunds:
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The specified resource does not exist.",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist.",
            )
        return web.json_response(self.refund_view(refund_id))

    # ----------------------------------------------------------------------- vault

    def _vault(self, number: str, card: dict[str, Any], customer: str | None, ntid: str) -> str:
        token_id = "".join(random.choices(string.ascii_lowercase + string.digits, k=8))
        customer = customer or f"customer_{random.randint(10**9, 10**10 - 1)}"
        summary = {k: card[k] for k in ("name", "last_digits", "expiry", "brand") if card.get(k)}
        self.vault[token_id] = {
            "number": number,
            "card": summary,
            "customer": customer,
            "ntid": ntid,
        }
        return token_id

    def token_view(self, token_id: str) -> dict[str, Any]:
        t = self.vault[token_id]
        links = [
            {
                "rel": rel,
                "href": f"{self.base_url}/v3/vault/payment-tokens/{token_id}",
                "method": m,
                "encType": "application/json",
            }
            for rel, m in (("self", "GET"), ("delete", "DELETE"))
        ]
        card = t["card"] | {
            "verification_status": "VERIFIED",
            "verification": {"network_transaction_id": t["ntid"], "time": _now()},
        }
        return {
            "id": token_id,
            "customer": {"id": t["customer"]},
            "payment_source": {"card": card},
            "links": links,
        }

    async def create_token(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        source = body["payment_source"]
        card = source["card"]
        if (card.get("name") or "").startswith("CCREJECT-"):
            return unprocessable("CARD_DECLINED", "The card was declined during verification.")
        summary = {
            "name": card.get("name"),
            "last_digits": card["number"][-4:],
            "expiry": card["expiry"],
            "brand": "VISA" if card["number"][0] == "4" else "MASTERCARD",
        }
        ntid = str(random.randint(10**14, 10**15 - 1))
        token_id = self._vault(
            card["number"], summary, (body.get("customer") or {}).get("id"), ntid
        )
        return web.json_response(self.token_view(token_id), status=201)

    async def get_token(self, request: web.Request) -> web.Response:
        token_id = request.match_info["id"]
        if token_id not in self.vault:
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The specified resource does not exist.",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist.",
            )
        return web.json_response(self.token_view(token_id))

    async def list_tokens(self, request: web.Request) -> web.Response:
        customer = request.query.get("customer_id", "")
        tokens = [self.token_view(t) for t, v in self.vault.items() if v["customer"] == customer]
        for token in tokens:
            token["payment_source"]["card"].pop("verification", None)
        return web.json_response(
            {
                "customer": {"id": customer},
                "payment_tokens": tokens,
                "total_items": len(tokens),
                "total_pages": 1,
                "links": [
                    {"rel": "self", "method": "GET",
                     "href": f"{self.base_url}/v3/vault/payment-tokens?customer_id={customer}"},
                ],
            }
        )  # fmt: skip

    async def delete_token(self, request: web.Request) -> web.Response:
        if self.vault.pop(request.match_info["id"], None) is None:
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The specified resource does not exist.",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist.",
            )
        return web.Response(status=204)

    # ----------------------------------------------------------------------- webhooks

    def webhook_headers(
        self, body: bytes, *, when: dt.datetime | None = None, key: bytes = SIGNING_KEY
    ) -> dict[str, str]:
        """The headers PayPal would send with ``body`` (lower-cased, as the core passes)."""
        transmission_id = str(uuid.uuid4())
        stamp = (when or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "paypal-auth-algo": "SHA256withRSA",
            "paypal-cert-url": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
            "paypal-transmission-id": transmission_id,
            "paypal-transmission-sig": signature(
                key, transmission_id, stamp, self.webhook_id, json.loads(body)
            ),
            "paypal-transmission-time": stamp,
        }

    async def verify_webhook(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        expected = signature(
            SIGNING_KEY,
            body["transmission_id"],
            body["transmission_time"],
            self.webhook_id,
            body["webhook_event"],
        )
        ok = body["webhook_id"] == self.webhook_id and hmac.compare_digest(
            expected, body["transmission_sig"]
        )
        return web.json_response({"verification_status": "SUCCESS" if ok else "FAILURE"})
