"""A loopback fake of Mollie's Payments API v2 (payments, captures, refunds, customers,
mandates) and of the two things a browser does there: Mollie Components turning card
data into a ``cardToken`` and the checkout page (3-D Secure) at ``_links.checkout``.

Mollie publishes no OpenAPI description under a licence we can ship, and its official
Python SDK (``mollie-api-python``) passes request bodies through unchecked. So
:meth:`MollieFake.check` validates every API request against msgspec structs written
from Mollie's API reference, with ``forbid_unknown_fields`` (a field Mollie does not
document, or a wrong JSON type, is a violation): the same contract the SDK oracle tests
(tests/connectors/test_mollie_sdk.py) compare the connector's requests with.

Behaviour is chosen by the card behind a token (the fake's own triggers in ``CARDS``).
Like Mollie, captures start ``pending``, releases are accepted (202) and refunds start
``pending``; each settles when the payment (or refund) is next read. A repeated
``Idempotency-Key`` replays the first answer (``Idempotent-Replayed: true``); the same
key with another body is a 422.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import msgspec
from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation

# Made per process: never a committed key-shaped literal.
API_KEY = "test_" + secrets.token_hex(15)

SUCCESS_CARD = "4543474002249996"
THREE_DS_CARD = "4000000000003220"
# card number -> (outcome, failureReason)
CARDS: dict[str, tuple[str, str | None]] = {
    SUCCESS_CARD: ("approve", None),
    "5555555555554444": ("approve", None),
    THREE_DS_CARD: ("challenge", None),
    "4000000000000002": ("decline", "card_declined"),
    "4000000000009995": ("decline", "insufficient_funds"),
    "4000000000009987": ("decline", "possible_fraud"),
    "4000000000000069": ("decline", "card_expired"),
}
_ids = itertools.count(1)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Mollie's payment methods the fake takes (``method``), and those redirecting to a
# hosted page of their own (the customer picks approve / decline at the checkout).
METHODS = ("creditcard", "applepay", "paypal", "ideal", "bancontact", "eps", "przelewy24",
           "directdebit", "klarna")  # fmt: skip
HOSTED = ("paypal", "ideal", "bancontact", "eps", "przelewy24", "klarna")
# An IBAN whose debits bounce (Mollie test mode: the payment fails after pending).
BOUNCING_IBAN = "NL55INGB0000000000"


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(5)}{next(_ids)}"


# --------------------------------------------------------------------------- the contract


class Amount(msgspec.Struct, forbid_unknown_fields=True):
    currency: str
    value: str

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError("amount.currency must be an ISO-4217 code")
        whole, _, frac = self.value.partition(".")
        if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 3)):
            raise ValueError("amount.value must be a decimal string like 10.00")


class RouteDestination(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["organization"]
    organizationId: str

    def __post_init__(self) -> None:
        if not self.organizationId.startswith("org_"):
            raise ValueError("routing[].destination.organizationId is an org_... id")


class Route(msgspec.Struct, forbid_unknown_fields=True):
    """A split payment's share (Mollie Connect "Split payments": routing[])."""

    amount: Amount
    destination: RouteDestination
    releaseDate: str | None = None


class ApplicationFee(msgspec.Struct, forbid_unknown_fields=True):
    """Mollie Connect "Application fees": both fields required."""

    amount: Amount
    description: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.description) <= 255:
            raise ValueError("applicationFee.description: 1 to 255 characters")


class CreatePayment(msgspec.Struct, forbid_unknown_fields=True):
    amount: Amount
    description: str
    redirectUrl: str | None = None
    cancelUrl: str | None = None
    webhookUrl: str | None = None
    locale: str | None = None
    method: str | list[str] | None = None
    metadata: dict[str, Any] | None = None
    sequenceType: Literal["oneoff", "first", "recurring"] | None = None
    customerId: str | None = None
    mandateId: str | None = None
    captureMode: Literal["automatic", "manual"] | None = None
    captureDelay: str | None = None
    cardToken: str | None = None
    restrictPaymentMethodsToCountry: str | None = None
    routing: list[Route] | None = None
    applicationFee: ApplicationFee | None = None
    # method-specific parameters (Mollie's "Method-specific parameters")
    issuer: str | None = None  # ideal: ideal_<BIC>
    billingEmail: str | None = None  # przelewy24 (required), others optional
    applePayPaymentToken: str | None = None  # applepay: the encrypted token as JSON text
    lines: list[Line] | None = None
    billingAddress: Address | None = None
    shippingAddress: Address | None = None


class Line(msgspec.Struct, forbid_unknown_fields=True):
    """A payment line (Create payment ``lines[]``)."""

    description: str
    quantity: int
    unitPrice: Amount
    totalAmount: Amount
    type: Literal["physical", "digital", "shipping_fee", "discount", "store_credit",
                  "gift_card", "surcharge"] = "physical"  # fmt: skip
    quantityUnit: str | None = None
    discountAmount: Amount | None = None
    vatRate: str | None = None
    vatAmount: Amount | None = None
    sku: str | None = None
    imageUrl: str | None = None
    productUrl: str | None = None

    def __post_init__(self) -> None:
        unit, total = Decimal(self.unitPrice.value), Decimal(self.totalAmount.value)
        discount = Decimal(self.discountAmount.value) if self.discountAmount else Decimal(0)
        if self.quantity < 1 or unit * self.quantity - discount != total:
            raise ValueError("lines[].totalAmount must be quantity x unitPrice - discount")
        if self.vatRate is not None and self.vatAmount is not None:
            rate = Decimal(self.vatRate)
            expected = total * rate / (100 + rate)
            if abs(expected - Decimal(self.vatAmount.value)) > Decimal("0.01"):
                raise ValueError("lines[].vatAmount must be totalAmount x vatRate/(100+vatRate)")


class Address(msgspec.Struct, forbid_unknown_fields=True):
    givenName: str | None = None
    familyName: str | None = None
    organizationName: str | None = None
    email: str | None = None
    phone: str | None = None
    streetAndNumber: str | None = None
    streetAdditional: str | None = None
    postalCode: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None


class CreateMandate(msgspec.Struct, forbid_unknown_fields=True):
    """Create mandate (``POST /v2/customers/{id}/mandates``): a SEPA Direct Debit mandate
    from the customer's IBAN and the date they signed it."""

    method: Literal["directdebit"]
    consumerName: str
    consumerAccount: str
    signatureDate: str | None = None
    mandateReference: str | None = None
    consumerBic: str | None = None

    def __post_init__(self) -> None:
        account = self.consumerAccount.replace(" ", "")
        if not (15 <= len(account) <= 34 and account[:2].isalpha() and account[2:].isalnum()):
            raise ValueError("consumerAccount must be an IBAN")
        if self.signatureDate is not None and not _DATE.fullmatch(self.signatureDate):
            raise ValueError("signatureDate is YYYY-MM-DD")
        if self.mandateReference is not None and len(self.mandateReference) > 35:
            raise ValueError("mandateReference: at most 35 characters")


class CreateCapture(msgspec.Struct, forbid_unknown_fields=True):
    amount: Amount | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None


class CreateRefund(msgspec.Struct, forbid_unknown_fields=True):
    amount: Amount
    description: str | None = None
    metadata: dict[str, Any] | None = None
    reverseRouting: bool | None = None


class CreateCustomer(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    email: str | None = None
    locale: str | None = None
    metadata: dict[str, Any] | None = None


class ComponentsCard(msgspec.Struct, forbid_unknown_fields=True):
    """What the fake's Mollie Components stand-in takes from the test's browser."""

    number: str
    cvc: str | None = None
    exp_month: int = 12
    exp_year: int = 2034
    holder: str | None = None


# (method, path pattern) -> the body struct (None: no body allowed)
_BODIES: dict[tuple[str, str], type[msgspec.Struct] | None] = {
    ("POST", "payments"): CreatePayment,
    ("GET", "payments/*"): None,
    ("POST", "payments/*/captures"): CreateCapture,
    ("POST", "payments/*/release-authorization"): None,
    ("POST", "payments/*/refunds"): CreateRefund,
    ("GET", "payments/*/refunds/*"): None,
    ("POST", "customers"): CreateCustomer,
    ("POST", "customers/*/mandates"): CreateMandate,
    ("DELETE", "customers/*/mandates/*"): None,
}
_PREFIXES = {"payments": "tr_", "refunds": "re_", "customers": "cst_", "mandates": "mdt_"}


def _pattern(path: str) -> tuple[str, list[str]]:
    parts = path.strip("/").split("/")
    out, ids = [], []
    for i, part in enumerate(parts):
        if i % 2 == 1:
            prefix = _PREFIXES.get(parts[i - 1], "")
            if not part.startswith(prefix) or len(part) <= len(prefix):
                raise SpecViolation(f"{parts[i - 1]} id {part!r} must start with {prefix!r}")
            out.append("*")
            ids.append(part)
        else:
            out.append(part)
    return "/".join(out), ids


def check_request(request: HttpRequest, base_url: str) -> None:
    """Raise SpecViolation unless ``request`` is a Mollie API request as documented."""
    path = request.url.removeprefix(base_url).split("?", 1)[0]
    pattern, _ = _pattern(path)
    key = (request.method, pattern)
    if key not in _BODIES:
        raise SpecViolation(f"{request.method} /v2/{pattern} is not a Mollie endpoint")
    headers = {k.lower(): v for k, v in request.headers.items()}
    auth = headers.get("authorization", "")
    if not auth.startswith("Bearer ") or not auth[7:].startswith(("test_", "live_", "access_")):
        raise SpecViolation("Mollie takes a Bearer API key (test_/live_) or access token")
    struct = _BODIES[key]
    if struct is None:
        if request.body:
            raise SpecViolation(f"{request.method} /v2/{pattern} takes no body")
        return
    if "application/json" not in headers.get("content-type", ""):
        raise SpecViolation("a Mollie request body is JSON (Content-Type: application/json)")
    try:
        body = msgspec.json.decode(request.body or b"", type=struct)
    except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as exc:
        raise SpecViolation(f"{request.method} /v2/{pattern}: {exc}") from None
    if isinstance(body, CreatePayment):
        _check_payment(body)


def _check_payment(body: CreatePayment) -> None:
    if body.sequenceType == "recurring":
        if not (body.customerId and body.mandateId):
            raise SpecViolation("a recurring payment needs customerId and mandateId")
        if body.cardToken:
            raise SpecViolation("a recurring payment takes no cardToken")
    else:
        if not body.redirectUrl:
            raise SpecViolation("redirectUrl is required (except for recurring payments)")
        if body.sequenceType == "first" and not body.customerId:
            raise SpecViolation("a first payment needs customerId")
    if body.cardToken is not None and (
        body.method != "creditcard" or not body.cardToken.startswith("tkn_")
    ):
        raise SpecViolation("cardToken (tkn_...) goes with method creditcard")
    method = body.method if isinstance(body.method, str) else None
    if method is not None and method not in METHODS:
        raise SpecViolation(f"method {method!r} is not one the fake takes")
    if body.issuer is not None and (
        method != "ideal" or not re.fullmatch(r"ideal_[A-Z0-9]{8}", body.issuer)
    ):
        raise SpecViolation("issuer (ideal_<BIC>) goes with method ideal")
    if method == "przelewy24" and not body.billingEmail:
        raise SpecViolation("method przelewy24 needs billingEmail")
    if body.billingEmail is not None and "@" not in body.billingEmail:
        raise SpecViolation("billingEmail must be an email address")
    if (body.applePayPaymentToken is not None) != (method == "applepay"):
        raise SpecViolation("applePayPaymentToken goes with (and only with) method applepay")
    if body.applePayPaymentToken is not None:
        try:
            json.loads(body.applePayPaymentToken)
        except ValueError:
            raise SpecViolation("applePayPaymentToken is the token's JSON text") from None
    if body.lines is not None:
        total = sum((Decimal(line.totalAmount.value) for line in body.lines), Decimal(0))
        if total != Decimal(body.amount.value):
            raise SpecViolation("the lines' totalAmount must add up to the amount")
    if method == "klarna":
        address = body.billingAddress
        if not body.lines:
            raise SpecViolation("method klarna needs lines")
        if address is None or not all((address.givenName, address.familyName, address.email,
                                       address.streetAndNumber, address.postalCode,
                                       address.city, address.country)):  # fmt: skip
            raise SpecViolation("method klarna needs a complete billingAddress with email")
    if method == "directdebit" and body.sequenceType != "recurring":
        raise SpecViolation("a directdebit payment is made on a mandate (sequenceType recurring)")
    if len(body.description) > 255:
        raise SpecViolation("description: at most 255 characters")
    if body.routing and body.applicationFee:
        raise SpecViolation("routing and applicationFee cannot be combined")
    if body.routing:
        routed = sum(Decimal(route.amount.value) for route in body.routing)
        if any(route.amount.currency != body.amount.currency for route in body.routing):
            raise SpecViolation("routing[].amount must be in the payment's currency")
        if routed > Decimal(body.amount.value):
            raise SpecViolation("routing amounts add up to more than the payment")


# --------------------------------------------------------------------------- the ledger


@dataclass
class FakePayment:
    id: str
    amount: Decimal
    currency: str
    description: str
    status: str
    capture_mode: str
    redirect_url: str | None
    sequence_type: str
    metadata: Any
    card: str
    failure: str | None = None
    customer_id: str | None = None
    mandate_id: str | None = None
    captured: Decimal = Decimal(0)
    pending_capture: Decimal = Decimal(0)
    release_requested: bool = False
    refunds: list[str] = field(default_factory=list)
    method: str = "creditcard"


@dataclass
class FakeRefund:
    id: str
    payment_id: str
    amount: Decimal
    currency: str
    description: str | None
    status: str = "pending"


def _money(value: Decimal, currency: str) -> dict[str, str]:
    digits = 0 if currency in ("JPY", "ISK", "KRW") else 2
    return {"currency": currency, "value": f"{value:.{digits}f}"}


class MollieFake(FakeGateway):
    base_path = "/v2"

    def __init__(self) -> None:
        super().__init__()
        self.api_key = API_KEY
        self.tokens: dict[str, ComponentsCard] = {}  # unused card tokens
        self.issued: list[str] = []  # every card token handed out (the log scan's list)
        self.payments: dict[str, FakePayment] = {}
        self.refunds: dict[str, FakeRefund] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.mandates: dict[str, tuple[str, str, str]] = {}  # id -> (customer, status, card)
        self.replays: dict[str, tuple[bytes, int, bytes]] = {}
        self.wallet_tokens: list[str] = []  # every Apple Pay token received (the log scan's)

    @property
    def credentials(self) -> dict[str, str]:
        return {"api_key": self.api_key}

    @property
    def root(self) -> str:
        return self.base_url.removesuffix("/v2")

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/v2/payments", self.create_payment)
        r.add_get("/v2/payments/{id}", self.get_payment)
        r.add_post("/v2/payments/{id}/captures", self.capture)
        r.add_post("/v2/payments/{id}/release-authorization", self.release)
        r.add_post("/v2/payments/{id}/refunds", self.create_refund)
        r.add_get("/v2/payments/{id}/refunds/{rid}", self.get_refund)
        r.add_post("/v2/customers", self.create_customer)
        r.add_post("/v2/customers/{cid}/mandates", self.create_mandate)
        r.add_delete("/v2/customers/{cid}/mandates/{mid}", self.revoke_mandate)
        # the browser's side: Mollie Components and the hosted checkout (not API calls)
        r.add_post("/__fake__/components/tokens", self.create_token)
        r.add_get("/__fake__/checkout/{id}", self.checkout)

    # ---- request checks

    def is_api(self, request: web.Request) -> bool:
        return request.path.startswith("/v2/")

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        if request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        return _error(401, "Unauthorized Request", "Missing authentication, or failed to "
                      "authenticate")  # fmt: skip

    def check(self, request: HttpRequest) -> None:
        check_request(request, self.base_url.removesuffix("/v2") + "/v2/")

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return _error(422, "Unprocessable Entity", str(violation))

    def middlewares(self) -> list[Any]:
        return [self._idempotency]

    @web.middleware
    async def _idempotency(self, request: web.Request, handler: Any) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if not key or request.method == "GET" or not request.path.startswith("/v2/"):
            return await handler(request)  # type: ignore[no-any-return]
        body = await request.read()
        seen = self.replays.get(f"{request.path}:{key}")
        if seen is not None:
            if seen[0] != body:
                return _error(422, "Unprocessable Entity", "The Idempotency-Key was used "
                              "with another request body")  # fmt: skip
            return web.Response(
                status=seen[1],
                body=seen[2],
                content_type="application/hal+json",
                headers={"Idempotent-Replayed": "true"},
            )
        answer = await handler(request)
        if isinstance(answer, web.Response) and answer.status < 500:
            sent = answer.body if isinstance(answer.body, bytes) else b""
            self.replays[f"{request.path}:{key}"] = (body, answer.status, sent)
        return answer  # type: ignore[no-any-return]

    # ---- the browser's side

    async def create_token(self, request: web.Request) -> web.Response:
        card = msgspec.json.decode(await request.read(), type=ComponentsCard)
        token = _id("tkn")
        self.issued.append(token)
        self.tokens[token] = card
        return web.json_response({"token": token})

    def tokenize(self, card: dict[str, Any]) -> str:
        """What mollie.js ``createToken()`` does in the customer's browser."""
        token = _id("tkn")
        self.issued.append(token)
        self.tokens[token] = ComponentsCard(
            number=str(card["number"]), cvc=card.get("cvc"), holder=card.get("holder_name")
        )
        return token

    async def checkout(self, request: web.Request) -> web.Response:
        payment = self.payments.get(request.match_info["id"])
        if payment is None or payment.status != "open":
            return web.Response(status=404, text="no open payment")
        if request.query.get("outcome") == "pass":
            self._approve(payment)
        elif payment.method != "creditcard":
            payment.status = "canceled" if request.query.get("outcome") == "cancel" else "failed"
        else:
            payment.status, payment.failure = "failed", "authentication_failed"
        # Mollie sends the customer to redirectUrl as given (no parameters added).
        return web.Response(status=302, headers={"Location": payment.redirect_url or "/"})

    # ---- payments

    async def create_payment(self, request: web.Request) -> web.Response:
        body = await request.json()
        amount = Decimal(body["amount"]["value"])
        currency = body["amount"]["currency"]
        sequence = body.get("sequenceType", "oneoff")
        payment = FakePayment(
            id=_id("tr"),
            amount=amount,
            currency=currency,
            description=body["description"],
            status="open",
            capture_mode=body.get("captureMode", "automatic"),
            redirect_url=body.get("redirectUrl"),
            sequence_type=sequence,
            metadata=body.get("metadata"),
            card="",
            customer_id=body.get("customerId"),
        )
        if sequence == "recurring":
            mandate = self.mandates.get(body["mandateId"])
            if mandate is None or mandate[0] != body["customerId"]:
                return _error(404, "Not Found", "No mandate exists with token "
                              f"{body['mandateId']}.")  # fmt: skip
            if mandate[1] != "valid":
                return _error(422, "Unprocessable Entity", "The mandate is not valid",
                              "mandateId")  # fmt: skip
            payment.card, payment.mandate_id = mandate[2], body["mandateId"]
            if mandate[2].startswith("directdebit:"):
                # a SEPA debit: pending until the bank collects it (settled when read)
                payment.method, payment.status = "directdebit", "pending"
            else:
                payment.status = "paid"
                payment.captured = amount
        elif body.get("method") in HOSTED:
            payment.method = body["method"]  # open, with the method's hosted checkout
            if payment.method == "klarna":
                payment.capture_mode = "manual"  # Klarna authorizes; captured on shipping
        elif body.get("method") == "applepay":
            payment.method = "applepay"  # Mollie decrypts the token: paid at once
            self.wallet_tokens.append(body["applePayPaymentToken"])
            self._approve(payment)
        else:
            card = self.tokens.pop(body["cardToken"], None)
            if card is None:
                return _error(422, "Unprocessable Entity", "The card token is invalid or "
                              "was used already", "cardToken")  # fmt: skip
            payment.card = card.number
            outcome, reason = CARDS.get(card.number, ("approve", None))
            if outcome == "decline":
                payment.status, payment.failure = "failed", reason
            elif outcome == "approve":
                self._approve(payment)
        self.payments[payment.id] = payment
        return _json(201, self.view(payment))

    def _approve(self, payment: FakePayment) -> None:
        if payment.capture_mode == "manual":
            payment.status = "authorized"
        else:
            payment.status, payment.captured = "paid", payment.amount
        if payment.sequence_type == "first" and payment.customer_id:
            mid = _id("mdt")
            self.mandates[mid] = (payment.customer_id, "valid", payment.card)
            payment.mandate_id = mid

    def _settle(self, payment: FakePayment) -> None:
        """What Mollie has done by the time the payment is read again."""
        if payment.method == "directdebit" and payment.status == "pending":
            if payment.card == f"directdebit:{BOUNCING_IBAN}":
                payment.status, payment.failure = "failed", "MD06"  # returned by the bank
            else:
                payment.status, payment.captured = "paid", payment.amount
        if payment.pending_capture:
            payment.captured += payment.pending_capture
            payment.pending_capture = Decimal(0)
            payment.status = "paid"
        if payment.release_requested and payment.status == "authorized":
            payment.status = "canceled"

    def view(self, payment: FakePayment) -> dict[str, Any]:
        """A Payment object as Mollie's Get payment answers it."""
        refunded = sum(
            (self.refunds[r].amount for r in payment.refunds if self.refunds[r].status != "failed"),
            Decimal(0),
        )
        doc: dict[str, Any] = {
            "resource": "payment",
            "id": payment.id,
            "mode": "test",
            "status": payment.status,
            "isCancelable": payment.status in ("open", "authorized"),
            "amount": _money(payment.amount, payment.currency),
            "description": payment.description,
            "method": payment.method,
            "metadata": payment.metadata,
            "profileId": "pfl_QkEhN94Ba",
            "sequenceType": payment.sequence_type,
            "captureMode": payment.capture_mode,
            "redirectUrl": payment.redirect_url,
            "createdAt": "2026-12-02T12:00:00+00:00",
            "details": {
                "cardNumber": payment.card[-4:],
                "cardHolder": "T. TEST",
                "cardLabel": "Mastercard" if payment.card.startswith("5") else "Visa",
                "cardCountryCode": "NL",
                "cardSecurity": "normal",
                "feeRegion": "intra-eu",
            },
            "_links": {
                "self": {"href": f"{self.base_url}/payments/{payment.id}",
                         "type": "application/hal+json"},
                "dashboard": {"href": f"https://my.mollie.com/dashboard/payments/{payment.id}",
                              "type": "text/html"},
            },
        }  # fmt: skip
        if payment.method == "directdebit":
            iban = payment.card.removeprefix("directdebit:")
            doc["details"] = {
                "transferReference": "SD" + payment.id[-8:].upper(),
                "creditorIdentifier": "NL08ZZZ502057730000",
                "consumerName": "T. TEST",
                "consumerAccount": iban,
                "consumerBic": "INGBNL2A",
                "dueDate": "2026-12-05",
            }
        elif payment.method != "creditcard":
            doc["details"] = {"consumerName": "T. TEST"} if payment.status == "paid" else {}
        if payment.status in ("authorized", "paid", "canceled") or payment.captured:
            doc["amountCaptured"] = _money(payment.captured, payment.currency)
        if payment.status == "paid":
            doc["amountRefunded"] = _money(refunded, payment.currency)
            doc["amountRemaining"] = _money(payment.captured - refunded, payment.currency)
            doc["paidAt"] = "2026-12-02T12:00:05+00:00"
        if payment.status == "authorized":
            doc["authorizedAt"] = "2026-12-02T12:00:05+00:00"
        if payment.status == "open":
            doc["_links"]["checkout"] = {
                "href": f"{self.root}/__fake__/checkout/{payment.id}",
                "type": "text/html",
            }
            doc["expiresAt"] = "2026-12-02T12:15:00+00:00"
        if payment.status == "failed" and payment.method == "directdebit":
            doc["details"] |= {"bankReasonCode": payment.failure, "bankReason": "Refund request"}
            doc["failedAt"] = "2026-12-04T09:00:00+00:00"
        elif payment.status == "failed" and payment.method != "creditcard":
            doc["failedAt"] = "2026-12-02T12:00:05+00:00"
        elif payment.status == "failed":
            doc["details"]["failureReason"] = payment.failure
            doc["details"]["failureMessage"] = (payment.failure or "").replace("_", " ")
            doc["failedAt"] = "2026-12-02T12:00:05+00:00"
        if payment.customer_id:
            doc["customerId"] = payment.customer_id
        if payment.mandate_id:
            doc["mandateId"] = payment.mandate_id
        return doc

    def _payment(self, request: web.Request) -> FakePayment | None:
        return self.payments.get(request.match_info["id"])

    async def get_payment(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _not_found(request.match_info["id"])
        self._settle(payment)
        doc = self.view(payment)
        if "refunds" in request.query.get("embed", "").split(","):
            doc["_embedded"] = {"refunds": [self.refund_view(self.refunds[r])
                                            for r in payment.refunds]}  # fmt: skip
        return _json(200, doc)

    async def capture(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _not_found(request.match_info["id"])
        raw = await request.read()
        body = json.loads(raw) if raw else {}
        if payment.status != "authorized" or payment.pending_capture or payment.captured:
            return _error(422, "Unprocessable Entity", "The payment cannot be captured")
        amount = Decimal(body["amount"]["value"]) if body.get("amount") else payment.amount
        if amount > payment.amount:
            return _error(422, "Unprocessable Entity", "The amount is higher than the "
                          "authorized amount", "amount")  # fmt: skip
        payment.pending_capture = amount
        capture = {
            "resource": "capture",
            "id": _id("cpt"),
            "mode": "test",
            "description": body.get("description"),
            "amount": _money(amount, payment.currency),
            "status": "pending",
            "paymentId": payment.id,
            "createdAt": "2026-12-02T12:01:00+00:00",
            "_links": {"self": {"href": f"{self.base_url}/payments/{payment.id}/captures",
                                "type": "application/hal+json"}},
        }  # fmt: skip
        return _json(201, capture)

    async def release(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _not_found(request.match_info["id"])
        if payment.status != "authorized" or payment.release_requested:
            return _error(422, "Unprocessable Entity", "The payment authorization cannot be "
                          "released")  # fmt: skip
        payment.release_requested = True
        return web.Response(status=202)

    # ---- refunds

    async def create_refund(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        if payment is None:
            return _not_found(request.match_info["id"])
        self._settle(payment)
        body = await request.json()
        if payment.status != "paid":
            return _error(422, "Unprocessable Entity", "The payment cannot be refunded")
        amount = Decimal(body["amount"]["value"])
        used = sum(
            (self.refunds[r].amount for r in payment.refunds if self.refunds[r].status != "failed"),
            Decimal(0),
        )
        if amount > payment.captured - used:
            return _error(422, "Unprocessable Entity", "The amount is higher than the amount "
                          "that can be refunded", "amount")  # fmt: skip
        refund = FakeRefund(_id("re"), payment.id, amount, payment.currency,
                            body.get("description"))  # fmt: skip
        self.refunds[refund.id] = refund
        payment.refunds.append(refund.id)
        return _json(201, self.refund_view(refund))

    def refund_view(self, refund: FakeRefund) -> dict[str, Any]:
        return {
            "resource": "refund",
            "id": refund.id,
            "mode": "test",
            "amount": _money(refund.amount, refund.currency),
            "status": refund.status,
            "description": refund.description or "",
            "metadata": None,
            "paymentId": refund.payment_id,
            "createdAt": "2026-12-02T12:02:00+00:00",
            "_links": {"self": {"href": f"{self.base_url}/payments/{refund.payment_id}/refunds/"
                                f"{refund.id}", "type": "application/hal+json"}},
        }  # fmt: skip

    async def get_refund(self, request: web.Request) -> web.Response:
        refund = self.refunds.get(request.match_info["rid"])
        if refund is None or refund.payment_id != request.match_info["id"]:
            return _not_found(request.match_info["rid"])
        if refund.status == "pending":
            refund.status = "refunded"
        return _json(200, self.refund_view(refund))

    # ---- customers and mandates

    async def create_customer(self, request: web.Request) -> web.Response:
        body = await request.json()
        cid = _id("cst")
        doc = {
            "resource": "customer",
            "id": cid,
            "mode": "test",
            "name": body.get("name"),
            "email": body.get("email"),
            "locale": body.get("locale"),
            "metadata": body.get("metadata"),
            "createdAt": "2026-12-02T12:00:00+00:00",
            "_links": {"self": {"href": f"{self.base_url}/customers/{cid}",
                                "type": "application/hal+json"}},
        }  # fmt: skip
        self.customers[cid] = doc
        return _json(201, doc)

    async def create_mandate(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        if cid not in self.customers:
            return _not_found(cid)
        body = await request.json()
        mid = _id("mdt")
        iban = body["consumerAccount"].replace(" ", "")
        self.mandates[mid] = (cid, "valid", f"directdebit:{iban}")
        doc = {
            "resource": "mandate",
            "id": mid,
            "mode": "test",
            "status": "valid",
            "method": "directdebit",
            "details": {"consumerName": body["consumerName"], "consumerAccount": iban,
                        "consumerBic": body.get("consumerBic") or "INGBNL2A"},
            "mandateReference": body.get("mandateReference"),
            "signatureDate": body.get("signatureDate"),
            "createdAt": "2026-12-02T12:00:00+00:00",
            "_links": {"self": {"href": f"{self.base_url}/customers/{cid}/mandates/{mid}",
                                "type": "application/hal+json"}},
        }  # fmt: skip
        return _json(201, doc)

    async def revoke_mandate(self, request: web.Request) -> web.Response:
        cid, mid = request.match_info["cid"], request.match_info["mid"]
        mandate = self.mandates.get(mid)
        if mandate is None or mandate[0] != cid or mandate[1] != "valid":
            return _not_found(mid)
        self.mandates[mid] = (cid, "invalid", mandate[2])
        return web.Response(status=204)


def _json(status: int, doc: dict[str, Any]) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(doc).encode(), content_type="application/hal+json"
    )


def _error(status: int, title: str, detail: str, field: str | None = None) -> web.Response:
    doc: dict[str, Any] = {
        "status": status,
        "title": title,
        "detail": detail,
        "_links": {"documentation": {"href": "https://docs.mollie.com/overview/handling-errors",
                                     "type": "text/html"}},
    }  # fmt: skip
    if field:
        doc["field"] = field
    return _json(status, doc)


def _not_found(oid: str) -> web.Response:
    return _error(404, "Not Found", f"No resource exists with token {oid}.")
