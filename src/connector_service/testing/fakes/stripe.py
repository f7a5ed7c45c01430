"""A loopback fake of Stripe's API (PaymentIntents, Refunds, SetupIntents, Customers,
PaymentMethods), strict about the contract.

Every API request is validated against the official ``stripe/spec3.yaml`` through
``connector_service.testing.stripe_form`` (bracket-form bodies, queries, path, method, security)
and answered ``400`` with the violation when invalid; a wrong ``Authorization`` gets
``401``. Answers are shaped like the spec's objects (``payment_intent``, ``charge``,
``refund``, ``setup_intent``, ``payment_method``, ``customer``); a small in-memory state
keeps authorize -> capture -> refund -> sync consistent, and ``Idempotency-Key`` replays
the first answer (a different request under the same key gets ``idempotency_error``).

Test cards follow Stripe's: 4242 4242 4242 4242 succeeds, 4000 0000 0000 9995 is declined
for insufficient funds, 4000 0000 0000 0002 generic decline, 4000 0000 0000 9987 lost
card, 4000 0000 0000 0069 expired, 4000 0027 6000 3184 always asks for 3-D Secure
(``GET /_fake/3ds/{pi}?outcome=succeed|fail`` plays the customer's part and redirects to
the ``return_url`` the way Stripe does), 4000 0000 0000 0341 can be saved but its charges
are declined.

Methods beyond cards (``payment_method_data[type]`` other than ``card``) are answered the
way Stripe's test mode does: a redirect method ``requires_action`` with a
``redirect_to_url`` (or ``alipay_handle_redirect``) to ``/_fake/method/{pi}``; a QR method
with its ``*_display_qr_code``; a voucher with its ``*_display_details``; BLIK with
``blik_authorize``; ACH with ``verify_with_microdeposits``; SEPA and Bacs debits are
``processing`` at once, their charge naming the Mandate. ``GET /_fake/method/{pi}?outcome=
succeed|fail`` plays the customer's (or the bank's) part: the payment succeeds (for a
manual-capture BNPL or PayPal payment: ``requires_capture``) or fails (a bounced debit, an
expired voucher, a declined redirect); redirect methods are then sent back to the
``return_url`` like the 3-D Secure page.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import policy as email_policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing import stripe_form
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation

# Throwaway credentials made per process (the fake and the service under test share
# them), so nothing that looks like a real Stripe key is committed or shipped.
API_KEY = "sk_test_" + secrets.token_hex(24)
WEBHOOK_SECRET = "whsec_" + secrets.token_hex(20)
THREE_DS_CARD = "4000002760003184"
# Authenticates once at set-up; merchant-initiated (off-session) charges then succeed.
SETUP_THREE_DS_CARD = "4000002500003155"
DISPUTE_CARD = "4000000000000259"  # Stripe's test card: charged, then disputed (fraudulent)
FILE_FIELDS = frozenset({
    "cancellation_policy", "customer_communication", "customer_signature",
    "duplicate_charge_documentation", "receipt", "refund_policy", "service_documentation",
    "shipping_documentation", "uncategorized_file",
})  # fmt: skip
# The dispute's evidence hash (spec3.yaml dispute_evidence): files are File ids there.
EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy",
    "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication",
    "customer_email_address", "customer_name", "customer_purchase_ip", "customer_signature",
    "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id",
    "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address",
    "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
    "uncategorized_file", "uncategorized_text",
)  # fmt: skip

# card number -> (error code, decline_code, message, network decline code, advice code)
DECLINES: dict[str, tuple[str, str | None, str, str | None, str | None]] = {
    "4000000000009995": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
        "51",
        "try_again_later",
    ),
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined.", "05", None),
    "4000000000009987": (
        "card_declined",
        "lost_card",
        "Your card was declined.",
        "41",
        "do_not_try_again",
    ),
    "4000000000000069": ("expired_card", None, "Your card has expired.", "54", None),
}
CHARGE_FAILS = "4000000000000341"
# The fake's own card (Stripe has no public test card for it): authorizes, and every
# incremental authorization of it is declined for insufficient funds.
INCREMENT_DECLINES = "4000000000006975"


def new_id(prefix: str) -> str:
    return f"{prefix}_3Fake{secrets.token_hex(9)}"


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("51", "52", "53", "54", "55") or number.startswith("2"):
        return "mastercard"
    if number[:2] in ("34", "37"):
        return "amex"
    return "unknown"


def card_object(number: str, exp_month: int, exp_year: int) -> dict[str, Any]:
    return {
        "brand": brand_of(number),
        "checks": {"address_line1_check": None, "address_postal_code_check": None,
                   "cvc_check": "pass"},
        "country": "US",
        "exp_month": exp_month,
        "exp_year": exp_year,
        "fingerprint": "Xt5EWLLDS7FJjR1c",
        "funding": "credit",
        "last4": number[-4:],
        "networks": {"available": [brand_of(number)], "preferred": None},
        "three_d_secure_usage": {"supported": True},
        "wallet": None,
    }  # fmt: skip


def billing_details(raw: dict[str, Any] | None = None) -> dict[str, Any]:
    raw = raw or {}
    address = raw.get("address") or {}
    return {
        "address": {k: address.get(k) for k in
                    ("city", "country", "line1", "line2", "postal_code", "state")},
        "email": raw.get("email"),
        "name": raw.get("name"),
        "phone": raw.get("phone"),
    }  # fmt: skip


def payment_method_object(
    pm_id: str, card: dict[str, Any], customer: str | None, billing: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": pm_id,
        "object": "payment_method",
        "billing_details": billing_details(billing),
        "card": card,
        "created": int(time.time()),
        "customer": customer,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


REDIRECT_METHODS = frozenset(
    "ideal bancontact eps p24 klarna afterpay_clearpay affirm alipay paypal".split()
)
QR_METHODS = frozenset("pix paynow promptpay wechat_pay".split())
DEBITS = frozenset({"sepa_debit", "bacs_debit"})  # processing at once; settle later


def method_object(pm_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """A PaymentMethod of a type beyond cards, with what Stripe shows of its details
    (account numbers only as their last four digits)."""
    kind = data["type"]
    given = data.get(kind) or {}
    details: dict[str, Any] = {k: v for k, v in given.items() if k in ("bank", "tax_id")}
    for key in ("iban", "account_number"):
        if key in given:
            details["last4"] = str(given[key])[-4:]
    if "routing_number" in given:
        details["routing_number"] = given["routing_number"]
    if "sort_code" in given:
        details["sort_code"] = given["sort_code"]
    return {
        "id": pm_id, "object": "payment_method",
        "billing_details": billing_details(data.get("billing_details")),
        "created": int(time.time()), "customer": None, "livemode": False, "metadata": {},
        "type": kind, kind: details,
    }  # fmt: skip


def charge_object(pi: dict[str, Any], card: dict[str, Any], *, paid: bool) -> dict[str, Any]:
    captured = pi["status"] == "succeeded"
    error = pi.get("last_payment_error") or {}
    return {
        "id": new_id("ch"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount_received"] if captured else 0,
        "amount_refunded": 0,
        "balance_transaction": new_id("txn") if captured else None,
        "billing_details": billing_details(),
        "captured": captured,
        "created": int(time.time()),
        "currency": pi["currency"],
        "customer": pi.get("customer"),
        "description": pi.get("description"),
        "disputed": False,
        "failure_code": error.get("code"),
        "failure_message": error.get("message"),
        "livemode": False,
        "metadata": dict(pi.get("metadata") or {}),
        "outcome": {
            "network_status": "approved_by_network" if paid else "declined_by_network",
            "reason": None if paid else error.get("decline_code"),
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete."
            if paid
            else "The bank did not return any further details with this decline.",
            "type": "authorized" if paid else "issuer_declined",
        },
        "paid": paid,
        "payment_intent": pi["id"],
        "payment_method": pi.get("payment_method"),
        "payment_method_details": {
            "card": {
                **{k: card[k] for k in ("brand", "checks", "country", "exp_month", "exp_year",
                                        "fingerprint", "funding", "last4", "wallet")},
                "network": card["brand"],
                "network_transaction_id": "1234567890123456" if paid else None,
                "three_d_secure": None,
            },
            "type": "card",
        },
        "refunded": False,
        "refunds": None,
        "status": "succeeded" if paid else "failed",
    }  # fmt: skip


def intent_object(amount: int, currency: str, capture_method: str) -> dict[str, Any]:
    pi_id = new_id("pi")
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": capture_method,
        "client_secret": f"{pi_id}_secret_{secrets.token_hex(12)}",
        "confirmation_method": "automatic",
        "created": int(time.time()),
        "currency": currency,
        "customer": None,
        "description": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": {},
        "next_action": None,
        "payment_method": None,
        "payment_method_options": {
            "card": {"installments": None, "mandate_options": None, "network": None,
                     "request_three_d_secure": "automatic"},
        },
        "payment_method_types": ["card"],
        "processing": None,
        "setup_future_usage": None,
        "shipping": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
    }  # fmt: skip


def card_error(number: str, pm: dict[str, Any] | None = None) -> dict[str, Any]:
    code, decline_code, message, network, advice = DECLINES.get(
        number, ("card_declined", "generic_decline", "Your card was declined.", "05", None)
    )
    error: dict[str, Any] = {
        "type": "card_error",
        "code": code,
        "message": message,
        "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
        "network_decline_code": network,
    }
    if decline_code:
        error["decline_code"] = decline_code
    if advice:
        error["advice_code"] = advice
    if pm is not None:
        error["payment_method"] = pm
    return error


@dataclass(eq=False)
class StripeFake(FakeGateway):
    api_key: str = API_KEY
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    setup_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    payment_methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)  # pm id -> card number
    detached: set[str] = field(default_factory=set)
    idempotency: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)  # newest last
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # uploaded evidence

    def __post_init__(self) -> None:
        FakeGateway.__init__(self)

    @property
    def requests(self) -> list[HttpRequest]:
        return self.received

    async def start(self) -> str:
        stripe_form.load()  # parse the 4 MB spec before the first request, not inside it
        return await super().start()

    # ------------------------------------------------------------------ dispatch

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._handle)

    def is_api(self, request: web.Request) -> bool:
        return not request.path.startswith(("/_fake/3ds/", "/_fake/method/"))

    def check(self, request: HttpRequest) -> None:
        stripe_form.validate(request)

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return _error(
            400, "invalid_request_error", f"spec violation: {violation}", "parameter_invalid"
        )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/_fake/3ds/"):
            return self._three_ds(request.path.rsplit("/", 1)[1], dict(request.query))
        if request.path.startswith("/_fake/method/"):
            return self._method_outcome(request.path.rsplit("/", 1)[1], dict(request.query))
        raw = await request.read()
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(
                401,
                "invalid_request_error",
                f"Invalid API Key provided: {request.headers.get('Authorization', '')[-4:]}",
            )
        key = request.headers.get("Idempotency-Key")
        fingerprint = f"{request.method} {request.path} {raw!r}"
        if key and key in self.idempotency:
            seen, status, body = self.idempotency[key]
            if seen != fingerprint:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                )
            return web.Response(
                status=status,
                body=body,
                content_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        if request.method == "POST" and request.path == "/v1/files":  # multipart, binary
            answer = self._upload(raw, request.headers.get("Content-Type", ""))
            if key and answer.status < 500:
                body = answer.body if isinstance(answer.body, bytes) else b""
                self.idempotency[key] = (fingerprint, answer.status, body)
            return answer
        form = stripe_form.decode_brackets(parse_qsl(raw.decode(), keep_blank_values=True))
        query = stripe_form.decode_brackets(parse_qsl(request.query_string, keep_blank_values=True))
        answer = self._route(request.method, request.path, form, query)
        if key and request.method == "POST" and answer.status < 500:
            body = answer.body if isinstance(answer.body, bytes) else b""
            self.idempotency[key] = (fingerprint, answer.status, body)
        return answer

    def _route(
        self, method: str, path: str, form: dict[str, Any], query: dict[str, Any]
    ) -> web.Response:
        expand = list((form.get("expand") or query.get("expand") or {}).values())
        if method == "POST" and path == "/v1/customers":
            return self._customer(form)
        if method == "POST" and path == "/v1/payment_intents":
            return self._create_intent(form, expand)
        if method == "GET" and path == "/v1/payment_intents/search":
            return self._search(query.get("query", ""))
        m = re.fullmatch(
            r"/v1/payment_intents/([^/]+)(?:/(capture|cancel|confirm|increment_authorization))?",
            path,
        )
        if m:
            pi = self.intents.get(m.group(1))
            if pi is None:
                return _missing("payment_intent", m.group(1), "intent")
            if method == "GET" and not m.group(2):
                return _ok(self._view(pi, expand))
            if method == "POST" and m.group(2) == "capture":
                return self._capture(pi, form, expand)
            if method == "POST" and m.group(2) == "cancel":
                return self._cancel(pi, form, expand)
            if method == "POST" and m.group(2) == "confirm":
                return self._confirm(pi, expand)
            if method == "POST" and m.group(2) == "increment_authorization":
                return self._increment(pi, form, expand)
        if method == "POST" and path == "/v1/refunds":
            return self._refund(form)
        m = re.fullmatch(r"/v1/refunds/([^/]+)", path)
        if method == "GET" and m:
            refund = self.refunds.get(m.group(1))
            return _ok(refund) if refund else _missing("refund", m.group(1), "id")
        if method == "POST" and path == "/v1/setup_intents":
            return self._setup(form, expand)
        m = re.fullmatch(r"/v1/setup_intents/([^/]+)", path)
        if method == "GET" and m:  # read back after the customer's 3-D Secure (complete)
            si = self.setup_intents.get(m.group(1))
            return (
                _ok(self._setup_view(si, expand))
                if si
                else _missing("setup_intent", m.group(1), "intent")
            )
        m = re.fullmatch(r"/v1/customers/([^/]+)/payment_methods", path)
        if method == "GET" and m:
            return self._customer_methods(m.group(1), query)
        m = re.fullmatch(r"/v1/payment_methods/([^/]+)/detach", path)
        if method == "POST" and m:
            return self._detach(m.group(1))
        if path.startswith("/v1/disputes"):
            answer = self._disputes(method, path, form, query)
            if answer is not None:
                return answer
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    # ------------------------------------------------------------------ objects

    def _customer(self, form: dict[str, Any]) -> web.Response:
        cus: dict[str, Any] = {
            "id": new_id("cus").replace("_3Fake", "_Fake"),
            "object": "customer",
            "created": int(time.time()),
            "email": form.get("email"),
            "livemode": False,
            "metadata": form.get("metadata") or {},
            "name": form.get("name"),
            "phone": form.get("phone"),
        }
        self.customers[cus["id"]] = cus
        return _ok(cus)

    def _method(
        self, form: dict[str, Any], customer: str | None
    ) -> tuple[dict[str, Any] | None, web.Response | None]:
        data = form.get("payment_method_data")
        if data and data.get("type") not in (None, "card"):
            pm = method_object(new_id("pm").replace("_3Fake", "_1Fake"), data)
            self.payment_methods[pm["id"]] = pm
            self.numbers[pm["id"]] = ""
            return pm, None
        if data:
            card = data.get("card") or {}
            number = card.get("number") or "4242424242424242"
            pm = payment_method_object(
                new_id("pm").replace("_3Fake", "_1Fake"),
                card_object(
                    number, int(card.get("exp_month", 12)), int(card.get("exp_year", 2030))
                ),
                None,
                data.get("billing_details"),
            )
            self.payment_methods[pm["id"]] = pm
            self.numbers[pm["id"]] = number
            return pm, None
        pm_id = form.get("payment_method")
        known = self.payment_methods.get(pm_id or "")
        if known is None:
            return None, _missing("payment_method", pm_id or "", "payment_method")
        if (known["customer"] and known["customer"] != customer) or known["id"] in self.detached:
            return None, _error(
                400,
                "invalid_request_error",
                "The provided PaymentMethod was previously used with a PaymentIntent without "
                "Customer attachment, shared with a connected account without Customer "
                "attachment, or was detached from a Customer.",
                "payment_method_unexpected_state",
            )
        return known, None

    def _create_intent(self, form: dict[str, Any], expand: list[str]) -> web.Response:
        customer = form.get("customer")
        if customer and customer not in self.customers:
            return _missing("customer", customer, "customer")
        pm, problem = self._method(form, customer)
        if problem is not None or pm is None:
            return problem or _error(400, "invalid_request_error", "no payment method")
        pi = intent_object(
            int(form["amount"]), form["currency"], form.get("capture_method", "automatic")
        )
        pi |= {
            "customer": customer,
            "description": form.get("description"),
            "metadata": form.get("metadata") or {},
            "payment_method": pm["id"],
            "setup_future_usage": form.get("setup_future_usage"),
            "statement_descriptor_suffix": form.get("statement_descriptor_suffix"),
        }
        self.intents[pi["id"]] = pi
        pi["_return_url"] = form.get("return_url")
        if pm["type"] != "card":
            self._start_method(pi, pm, form)
            return _ok(self._view(pi, expand))
        number = self.numbers[pm["id"]]
        off_session = form.get("off_session") == "true"
        if number in DECLINES or (number == CHARGE_FAILS and off_session):
            error = card_error(number, pm)
            pi["last_payment_error"] = error
            self._charge(pi, pm, paid=False)
            return _ok({"error": {**error, "payment_intent": self._view(pi, expand)}}, 402)
        if number == THREE_DS_CARD and off_session:
            error = {
                "type": "card_error", "code": "authentication_required",
                "decline_code": "authentication_required",
                "message": "Your card was declined. This transaction requires authentication.",
                "payment_method": pm,
            }  # fmt: skip
            pi["last_payment_error"] = error
            return _ok({"error": {**error, "payment_intent": self._view(pi, expand)}}, 402)
        if number == THREE_DS_CARD or (number == SETUP_THREE_DS_CARD and not off_session):
            pi["status"] = "requires_action"
            return_url = form.get("return_url")
            pi["next_action"] = (
                {"type": "redirect_to_url", "redirect_to_url": {
                    "return_url": return_url,
                    "url": f"{self.base_url}/_fake/3ds/{pi['id']}",
                }}
                if return_url
                else {"type": "use_stripe_sdk",
                      "use_stripe_sdk": {"type": "three_d_secure_redirect"}}
            )  # fmt: skip
            return _ok(self._view(pi, expand))
        self._authorize(pi, pm)
        return _ok(self._view(pi, expand))

    # ------------------------------------------------------------------ other methods

    def _start_method(self, pi: dict[str, Any], pm: dict[str, Any], form: dict[str, Any]) -> None:
        kind = pm["type"]
        options = (form.get("payment_method_options") or {}).get(kind) or {}
        pi["payment_method_types"] = [kind]
        # Shown back without BLIK's one-time code (Stripe's blik options object is empty).
        pi["payment_method_options"] = {kind: {k: v for k, v in options.items() if k != "code"}}
        page = f"{self.base_url}/_fake/method/{pi['id']}"
        soon = int(time.time()) + 3 * 86400
        if kind in DEBITS:
            pi["status"] = "processing"
            self._method_charge(pi, pm, status="pending")
            return
        pi["status"] = "requires_action"
        if kind in REDIRECT_METHODS:
            step = {"return_url": pi["_return_url"], "url": page}
            action = "alipay_handle_redirect" if kind == "alipay" else "redirect_to_url"
            if kind == "alipay":
                step |= {"native_data": None, "native_url": None}
            pi["next_action"] = {"type": action, action: step}
        elif kind in QR_METHODS:
            step = {"data": f"{kind.upper()}-QR-{pi['id']}", "hosted_instructions_url": page,
                    "image_url_png": f"{page}.png", "image_url_svg": f"{page}.svg"}  # fmt: skip
            if kind == "pix":
                step["expires_at"] = int(time.time()) + int(
                    options.get("expires_after_seconds") or 86400
                )
            if kind == "wechat_pay":
                step["image_data_url"] = "data:image/png;base64,iVBORw0KGgo="
            pi["next_action"] = {"type": f"{kind}_display_qr_code", f"{kind}_display_qr_code": step}
        elif kind == "boleto":
            pi["next_action"] = {"type": "boleto_display_details", "boleto_display_details": {
                "expires_at": soon, "hosted_voucher_url": page, "pdf": f"{page}.pdf",
                "number": "0" * 47}}  # fmt: skip
        elif kind == "oxxo":
            pi["next_action"] = {"type": "oxxo_display_details", "oxxo_display_details": {
                "expires_after": soon, "hosted_voucher_url": page, "number": "9" * 32}}  # fmt: skip
        elif kind == "konbini":
            code = {"confirmation_number": "11111111111", "payment_code": "123456"}
            pi["next_action"] = {"type": "konbini_display_details", "konbini_display_details": {
                "expires_at": soon, "hosted_voucher_url": page,
                "stores": dict.fromkeys(("familymart", "lawson", "ministop", "seicomart"), code),
            }}  # fmt: skip
        elif kind == "blik":
            pi["next_action"] = {"type": "blik_authorize"}
        elif kind == "us_bank_account":
            pi["next_action"] = {"type": "verify_with_microdeposits", "verify_with_microdeposits": {
                "arrival_date": soon, "hosted_verification_url": page,
                "microdeposit_type": "descriptor_code"}}  # fmt: skip

    def _method_charge(self, pi: dict[str, Any], pm: dict[str, Any], *, status: str) -> None:
        kind, paid = pm["type"], status == "succeeded"
        details = dict(pm.get(kind) or {})
        if kind in DEBITS:
            details["mandate"] = pi.setdefault("_mandate", new_id("mandate"))
        charge = {
            "id": new_id("ch"), "object": "charge", "amount": pi["amount"],
            "amount_captured": pi["amount_received"] if paid else 0, "amount_refunded": 0,
            "billing_details": pm["billing_details"], "captured": paid,
            "created": int(time.time()), "currency": pi["currency"], "disputed": False,
            "livemode": False, "metadata": dict(pi.get("metadata") or {}), "paid": paid,
            "payment_intent": pi["id"], "payment_method": pm["id"],
            "payment_method_details": {"type": kind, kind: details},
            "refunded": False, "status": status,
        }  # fmt: skip
        self.charges[charge["id"]] = charge
        pi["latest_charge"] = charge["id"]

    def _method_outcome(self, pi_id: str, query: dict[str, str]) -> web.Response:
        pi = self.intents.get(pi_id)
        if pi is None or pi["status"] not in ("requires_action", "processing"):
            return web.Response(status=404, text="nothing pending for this payment")
        pm = self.payment_methods[pi["payment_method"]]
        pi["next_action"] = None
        if query.get("outcome", "succeed") == "succeed":
            if pi["capture_method"] == "manual":
                pi["status"], pi["amount_capturable"] = "requires_capture", pi["amount"]
            else:
                pi["status"], pi["amount_received"] = "succeeded", pi["amount"]
            self._method_charge(pi, pm, status="succeeded")
        else:
            pi["status"] = "requires_payment_method"
            pi["last_payment_error"] = {
                "type": "card_error" if pm["type"] in DEBITS else "invalid_request_error",
                "code": "payment_method_provider_decline",
                "message": "The customer's bank or the payment method provider declined it.",
                "payment_method": pm,
            }
            self._method_charge(pi, pm, status="failed")
        if pm["type"] in REDIRECT_METHODS and pi.get("_return_url"):
            params = {"payment_intent": pi["id"], "payment_intent_client_secret":
                      pi["client_secret"], "redirect_status": "succeeded"
                      if pi["status"] != "requires_payment_method" else "failed"}  # fmt: skip
            raise web.HTTPFound(f"{pi['_return_url']}?{urlencode(params)}")
        return _ok({k: v for k, v in pi.items() if not k.startswith("_")})

    def _authorize(self, pi: dict[str, Any], pm: dict[str, Any]) -> None:
        if pi["capture_method"] == "manual":
            pi["status"], pi["amount_capturable"] = "requires_capture", pi["amount"]
        else:
            pi["status"], pi["amount_received"] = "succeeded", pi["amount"]
        pi["next_action"] = None
        if pi.get("setup_future_usage") == "off_session" and pi.get("customer"):
            pm["customer"] = pi["customer"]
        self._charge(pi, pm, paid=True)

    def _charge(self, pi: dict[str, Any], pm: dict[str, Any], *, paid: bool) -> None:
        charge = charge_object(pi, pm["card"], paid=paid)
        self.charges[charge["id"]] = charge
        pi["latest_charge"] = charge["id"]
        if paid and self.numbers.get(pm.get("id", "")) == DISPUTE_CARD:
            self.open_dispute(charge)

    # ------------------------------------------------------------------ disputes
    # Stripe's test mode: 4000000000000259 is disputed as fraudulent once charged;
    # evidence with uncategorized_text "winning_evidence" wins, "losing_evidence" loses.

    def open_dispute(self, charge: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        charge["disputed"] = True
        dispute = {
            "id": new_id("dp"), "object": "dispute", "amount": charge["amount"],
            "balance_transactions": [], "charge": charge["id"], "created": now,
            "currency": charge["currency"], "evidence": {k: None for k in EVIDENCE_FIELDS},
            "evidence_details": {"due_by": now + 7 * 86400, "has_evidence": False,
                                 "past_due": False, "submission_count": 0},
            "is_charge_refundable": False, "livemode": False, "metadata": {},
            "payment_intent": charge["payment_intent"], "reason": "fraudulent",
            "status": "needs_response",
        }  # fmt: skip
        self.disputes[dispute["id"]] = dispute
        return dispute

    def _upload(self, raw: bytes, content_type: str) -> web.Response:
        """POST /v1/files: a File (purpose dispute_evidence: PDF, JPEG or PNG)."""
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=email_policy.HTTP).parsebytes(head + raw)
        parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
        file, purpose = parts.get("file"), parts.get("purpose")
        content = file.get_payload(decode=True) if file is not None else None
        if file is None or not isinstance(content, bytes) or purpose is None:
            return _error(400, "invalid_request_error", "Missing required param: file.",
                          "parameter_missing", "file")  # fmt: skip
        if file.get_content_type() not in ("application/pdf", "image/jpeg", "image/png"):
            return _error(400, "invalid_request_error", "Unsupported file type.",
                          "file_invalid", "file")  # fmt: skip
        created = {
            "id": new_id("file"), "object": "file", "created": int(time.time()),
            "expires_at": None, "filename": file.get_filename(), "links": None,
            "purpose": purpose.get_content().strip(), "size": len(content),
            "title": None, "type": file.get_content_subtype(),
            "url": None,
        }  # fmt: skip
        self.files[created["id"]] = created
        return _ok(created)

    def _disputes(self, method: str, path: str, form: dict[str, Any], query: dict[str, Any]) -> (
        web.Response | None
    ):  # fmt: skip
        if method == "GET" and path == "/v1/disputes":
            newest = list(reversed(self.disputes.values()))
            after = query.get("starting_after")
            if after:
                ids = [d["id"] for d in newest]
                if after not in ids:
                    return _missing("dispute", after, "starting_after")
                newest = newest[ids.index(after) + 1 :]
            limit = int(query.get("limit") or 10)
            return _ok({"object": "list", "data": newest[:limit],
                        "has_more": len(newest) > limit, "url": "/v1/disputes"})  # fmt: skip
        m = re.fullmatch(r"/v1/disputes/([^/]+)(/close)?", path)
        if not m:
            return None
        dispute = self.disputes.get(m.group(1))
        if dispute is None:
            return _missing("dispute", m.group(1), "dispute")
        if method == "GET" and not m.group(2):
            return _ok(dispute)
        open_ = dispute["status"] in ("needs_response", "warning_needs_response")
        if method == "POST" and m.group(2):
            if dispute["status"] != "lost" and not open_:
                return _dispute_closed(dispute)
            dispute["status"] = "lost"  # closing is conceding, as Stripe has it
            return _ok(dispute)
        if method == "POST":
            if not open_:
                return _dispute_closed(dispute)
            for key, value in (form.get("evidence") or {}).items():
                if key in FILE_FIELDS and value not in self.files:
                    return _missing("file", str(value), f"evidence[{key}]")
                dispute["evidence"][key] = value
            dispute["evidence_details"]["has_evidence"] = True
            if form.get("submit") == "true":
                dispute["evidence_details"]["submission_count"] += 1
                dispute["status"] = "under_review"
                answer = dict(dispute)
                text = str(dispute["evidence"].get("uncategorized_text") or "")
                if "winning_evidence" in text:
                    dispute["status"] = "won"
                elif "losing_evidence" in text:
                    dispute["status"] = "lost"
                return _ok(answer)
            return _ok(dispute)
        return None

    def _view(self, pi: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        out = {k: v for k, v in pi.items() if not k.startswith("_")}
        if "latest_charge" in expand and pi.get("latest_charge"):
            out["latest_charge"] = self.charges[pi["latest_charge"]]
        return out

    def _three_ds(self, pi_id: str, query: dict[str, str]) -> web.Response:
        si = self.setup_intents.get(pi_id)
        if si is not None and si["status"] == "requires_action":
            si |= {"status": "succeeded", "next_action": None}
            self.payment_methods[si["payment_method"]]["customer"] = si["customer"]
            params = {"setup_intent": si["id"], "setup_intent_client_secret": si["client_secret"],
                      "redirect_status": "succeeded"}  # fmt: skip
            raise web.HTTPFound(f"{si['_return_url']}?{urlencode(params)}")
        pi = self.intents.get(pi_id)
        if pi is None or pi["status"] != "requires_action":
            return web.Response(status=404, text="no authentication pending")
        pm = self.payment_methods[pi["payment_method"]]
        if query.get("outcome", "succeed") == "succeed":
            self._authorize(pi, pm)
        else:
            pi["status"], pi["next_action"] = "requires_payment_method", None
            pi["last_payment_error"] = {
                "type": "invalid_request_error",
                "code": "payment_intent_authentication_failure",
                "message": "The provided PaymentMethod has failed authentication. You can "
                "provide payment_method_data or a new PaymentMethod to attempt to fulfill this "
                "PaymentIntent again.",
                "payment_method": pm,
            }
        params = {
            "payment_intent": pi["id"],
            "payment_intent_client_secret": pi["client_secret"],
            "redirect_status": "succeeded"
            if pi["status"] != "requires_payment_method"
            else "failed",
        }
        raise web.HTTPFound(f"{pi['_return_url']}?{urlencode(params)}")

    def _capture(self, pi: dict[str, Any], form: dict[str, Any], expand: list[str]) -> web.Response:
        if pi["status"] != "requires_capture":
            return _unexpected(pi, "capture", "requires_capture")
        amount = int(form.get("amount_to_capture", pi["amount_capturable"]))
        if amount > pi["amount_capturable"]:
            return _error(
                400,
                "invalid_request_error",
                "The amount to capture must be less than or equal to the amount capturable.",
                "amount_too_large",
                "amount_to_capture",
            )
        pi |= {"status": "succeeded", "amount_received": amount, "amount_capturable": 0}
        charge = self.charges[pi["latest_charge"]]
        charge |= {
            "captured": True,
            "amount_captured": amount,
            "balance_transaction": new_id("txn"),
        }
        return _ok(self._view(pi, expand))

    def _increment(
        self, pi: dict[str, Any], form: dict[str, Any], expand: list[str]
    ) -> web.Response:
        if pi["status"] != "requires_capture":
            return _unexpected(pi, "increment", "requires_capture")
        amount = int(form["amount"])
        if amount <= pi["amount"]:
            return _error(
                400,
                "invalid_request_error",
                "The amount must be greater than the currently authorized amount.",
                "parameter_invalid_integer",
                "amount",
            )
        pm = self.payment_methods[pi["payment_method"]]
        if self.numbers[pm["id"]] == INCREMENT_DECLINES:
            error = card_error("4000000000009995", pm)  # insufficient funds
            return _ok({"error": {**error, "payment_intent": self._view(pi, expand)}}, 402)
        pi |= {"amount": amount, "amount_capturable": amount}
        self.charges[pi["latest_charge"]]["amount"] = amount
        return _ok(self._view(pi, expand))

    def _customer_methods(self, customer: str, query: dict[str, Any]) -> web.Response:
        if customer not in self.customers:
            return _missing("customer", customer, "customer")
        data = [
            pm
            for pm in self.payment_methods.values()
            if pm["customer"] == customer and pm["type"] == query.get("type", pm["type"])
        ]
        return _ok({
            "object": "list", "data": data, "has_more": False,
            "url": f"/v1/customers/{customer}/payment_methods",
        })  # fmt: skip

    def _cancel(self, pi: dict[str, Any], form: dict[str, Any], expand: list[str]) -> web.Response:
        if pi["status"] in ("succeeded", "canceled", "processing"):
            return _unexpected(
                pi,
                "cancel",
                "requires_payment_method, requires_capture, requires_confirmation, requires_action",
            )
        pi |= {
            "status": "canceled", "canceled_at": int(time.time()), "amount_capturable": 0,
            "cancellation_reason": form.get("cancellation_reason") or "requested_by_customer",
            "next_action": None,
        }  # fmt: skip
        return _ok(self._view(pi, expand))

    def _confirm(self, pi: dict[str, Any], expand: list[str]) -> web.Response:
        if pi["status"] != "requires_confirmation":
            return _unexpected(pi, "confirm", "requires_confirmation")
        self._authorize(pi, self.payment_methods[pi["payment_method"]])
        return _ok(self._view(pi, expand))

    def _search(self, query: str) -> web.Response:
        m = re.fullmatch(r"metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'", query)
        if not m:
            return _error(
                400, "invalid_request_error", "Invalid search query.", "parameter_invalid", "query"
            )
        value = re.sub(r"\\(.)", r"\1", m.group(2))
        found = [
            self._view(pi, [])
            for pi in self.intents.values()
            if (pi.get("metadata") or {}).get(m.group(1)) == value
        ]
        return _ok({
            "object": "search_result", "data": found, "has_more": False, "next_page": None,
            "url": "/v1/payment_intents/search",
        })  # fmt: skip

    def _refund(self, form: dict[str, Any]) -> web.Response:
        pi = self.intents.get(form.get("payment_intent", ""))
        if pi is None:
            return _missing("payment_intent", form.get("payment_intent", ""), "payment_intent")
        charge = self.charges.get(pi.get("latest_charge") or "")
        if pi["status"] != "succeeded" or charge is None:
            return _error(
                400,
                "invalid_request_error",
                f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                None,
                "payment_intent",
            )
        left = charge["amount_captured"] - charge["amount_refunded"]
        if left == 0:
            return _error(
                400,
                "invalid_request_error",
                f"Charge {charge['id']} has already been refunded.",
                "charge_already_refunded",
            )
        amount = int(form.get("amount", left))
        if amount > left:
            return _error(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                None,
                "amount",
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
        refund = {
            "id": new_id("re"), "object": "refund", "amount": amount,
            "balance_transaction": new_id("txn"), "charge": charge["id"],
            "created": int(time.time()), "currency": pi["currency"],
            "metadata": form.get("metadata") or {}, "payment_intent": pi["id"],
            "reason": form.get("reason"), "receipt_number": None,
            "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
        }  # fmt: skip
        self.refunds[refund["id"]] = refund
        return _ok(refund)

    def _setup(self, form: dict[str, Any], expand: list[str]) -> web.Response:
        customer = form.get("customer")
        if customer and customer not in self.customers:
            return _missing("customer", customer, "customer")
        pm, problem = self._method(form, customer)
        if problem is not None or pm is None:
            return problem or _error(400, "invalid_request_error", "no payment method")
        si_id = new_id("seti").replace("_3Fake", "_1Fake")
        si: dict[str, Any] = {
            "id": si_id, "object": "setup_intent", "application": None,
            "automatic_payment_methods": None, "cancellation_reason": None,
            "client_secret": f"{si_id}_secret_{secrets.token_hex(12)}",
            "created": int(time.time()), "customer": customer,
            "description": form.get("description"),
            "flow_directions": None, "last_setup_error": None, "latest_attempt": new_id("setatt"),
            "livemode": False, "mandate": None, "metadata": form.get("metadata") or {},
            "next_action": None, "on_behalf_of": None, "payment_method": pm["id"],
            "payment_method_options": {"card": {"mandate_options": None, "network": None,
                                                "request_three_d_secure": "automatic"}},
            "payment_method_types": ["card"], "single_use_mandate": None,
            "status": "succeeded", "usage": form.get("usage", "off_session"),
        }  # fmt: skip
        self.setup_intents[si_id] = si
        number = self.numbers[pm["id"]]
        if number in DECLINES:
            error = card_error(number, pm)
            si |= {"status": "requires_payment_method", "last_setup_error": error}
            si["payment_method"] = None
            return _ok({"error": {**error, "setup_intent": self._setup_view(si, [])}}, 402)
        if number in (THREE_DS_CARD, SETUP_THREE_DS_CARD):
            si["status"] = "requires_action"
            si["_return_url"] = form.get("return_url")
            si["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "return_url": form.get("return_url"),
                    "url": f"{self.base_url}/_fake/3ds/{si_id}",
                },
            }
        else:
            pm["customer"] = customer
        return _ok(self._setup_view(si, expand))

    def _setup_view(self, si: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        out = {k: v for k, v in si.items() if not k.startswith("_")}
        if "payment_method" in expand and si.get("payment_method"):
            out["payment_method"] = dict(self.payment_methods[si["payment_method"]])
        return out

    def _detach(self, pm_id: str) -> web.Response:
        pm = self.payment_methods.get(pm_id)
        if pm is None:
            return _missing("payment_method", pm_id, "payment_method")
        if not pm["customer"]:
            return _error(
                400,
                "invalid_request_error",
                "The payment method you provided is not attached to a customer so detachment "
                "is impossible.",
                "payment_method_unexpected_state",
            )
        pm["customer"] = None
        self.detached.add(pm_id)
        return _ok(pm)


def _ok(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        headers={"Request-Id": f"req_{secrets.token_hex(7)}", "Stripe-Version": "2023-08-16"},
    )


def _error(
    status: int, error_type: str, message: str, code: str | None = None, param: str | None = None
) -> web.Response:
    error: dict[str, Any] = {"type": error_type, "message": message}
    if code:
        error |= {
            "code": code,
            "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
        }
    if param:
        error["param"] = param
    error["request_log_url"] = "https://dashboard.stripe.com/test/logs/req_fake"
    return _ok({"error": error}, status)


def _missing(kind: str, ident: str, param: str) -> web.Response:
    return _error(
        404, "invalid_request_error", f"No such {kind}: '{ident}'", "resource_missing", param
    )


def _dispute_closed(dispute: dict[str, Any]) -> web.Response:
    return _error(
        400, "invalid_request_error",
        f"This dispute is already closed (status {dispute['status']}).",
    )  # fmt: skip


def _unexpected(pi: dict[str, Any], action: str, wanted: str) -> web.Response:
    return _error(
        400,
        "invalid_request_error",
        f"You cannot {action} this PaymentIntent because it has a status of {pi['status']}. "
        f"Only a PaymentIntent with one of the following statuses may be {action}d: {wanted}.",
        "payment_intent_unexpected_state",
    )


@pytest.fixture
async def stripe_fake() -> AsyncIterator[StripeFake]:
    fake = StripeFake()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
