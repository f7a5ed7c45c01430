"""A loopback fake of Xendit's Payment Requests API (payment requests, their captures),
Payment Methods API (``/v2/payment_methods``) and Refunds API, and of the page a
customer passes 3-D Secure on (the ``AUTH`` action's url).

Xendit publishes its OpenAPI description only as the generated official SDK
(``xendit-python``), which is a test-only dependency and never imported here. So
:meth:`XenditFake.check` validates every API request against msgspec structs written from
the SDK's models (``PaymentRequestParameters``, ``CaptureParameters``, ``CreateRefund``,
``PaymentMethodParameters``, ...), with ``forbid_unknown_fields``: a field the models do
not know, or a wrong JSON type, is a violation. tests/connectors/test_xendit_sdk.py
checks that what the SDK itself sends passes this contract, and that the connector's
requests pass the SDK's models.

Behaviour is chosen by the card number (``CARDS``). Captures and refunds answer their
outcome at once (``SUCCEEDED``), as Xendit does for cards. QR code, e-wallet and virtual
account payment requests (channel codes from the SDK's enums) answer ``PENDING`` with a
QR string or an account number (OVO: nothing, the app is pushed), or ``REQUIRES_ACTION``
with the e-wallet's ``AUTH`` page (the same page as 3-D Secure's); the customer pays by
Xendit's test-mode ``POST /payment_requests/{id}/payments/simulate`` or on that page.
Virtual account payments are not refunded (``REFUND_NOT_SUPPORTED``). A repeated
``idempotency-key`` replays the first answer; the same key with another body is a 409
``IDEMPOTENCY_ERROR``.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

import msgspec
from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation

# Made per process: never a committed key-shaped literal.
# Shaped like Xendit's keys (base64-like, "+", "/" and "=" included), so the scrub and
# the log scan meet the real shape.
SECRET_KEY = "xnd_development_" + base64.b64encode(b"\xfb\xff" + secrets.token_bytes(41)).decode()
WEBHOOK_TOKEN = "cbt-" + secrets.token_hex(16)
BUSINESS_ID = "5f27a14a9bf05c73dd040bc8"

SUCCESS_CARD = "4111111111111111"
THREE_DS_CARD = "4000000000001091"
# card number -> (outcome, failure_code)
CARDS: dict[str, tuple[str, str | None]] = {
    SUCCESS_CARD: ("approve", None),
    "5200000000001096": ("approve", None),
    THREE_DS_CARD: ("challenge", None),
    "4000000000000002": ("decline", "CARD_DECLINED"),
    "4000000000009995": ("decline", "INSUFFICIENT_BALANCE"),
    "4000000000000069": ("decline", "EXPIRED_CARD"),
    "4000000000009979": ("decline", "STOLEN_CARD"),
}


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


# --------------------------------------------------------------------------- the contract

Number = int | float


class ChannelPropertiesCard(msgspec.Struct, forbid_unknown_fields=True):
    skip_three_d_secure: bool | None = None
    success_return_url: str | None = None
    failure_return_url: str | None = None
    cardonfile_type: Literal["MERCHANT_UNSCHEDULED", "CUSTOMER_UNSCHEDULED", "RECURRING"] | None = (
        None
    )
    merchant_id_tag: str | None = None
    expires_at: str | None = None
    skip_authorization: bool | None = None


class CardInformation(msgspec.Struct, forbid_unknown_fields=True):
    """PaymentRequest's CardInformation (no CVV: it goes in ``channel_properties.cvv``)."""

    card_number: str | None = None
    expiry_month: str | None = None
    expiry_year: str | None = None
    cardholder_name: str | None = None
    token_id: str | None = None
    one_time_token: str | None = None


class PaymentMethodCardInformation(msgspec.Struct, forbid_unknown_fields=True):
    """The Payment Methods API's CardParametersCardInformation."""

    card_number: str
    expiry_month: str
    expiry_year: str
    cardholder_name: str | None = None
    cvv: str | None = None


class CardParameters(msgspec.Struct, forbid_unknown_fields=True):
    channel_properties: ChannelPropertiesCard
    card_information: CardInformation | None = None


# The SDK's EWalletChannelCode, QRCodeChannelCode and VirtualAccountChannelCode enums.
EWALLET_CHANNELS = frozenset({
    "GCASH", "GRABPAY", "PAYMAYA", "DANA", "OVO", "LINKAJA", "SHOPEEPAY", "NEXCASH",
    "ASTRAPAY", "JENIUSPAY", "APPOTA", "MOMO", "VNPTWALLET", "VIETTELPAY", "ZALOPAY",
    "WECHATPAY", "LINEPAY", "TRUEMONEY", "ALIPAY", "TOUCHNGO",
})  # fmt: skip
QR_CHANNELS = frozenset({"QRIS", "DANA", "RCBC", "LINKAJA", "PROMPTPAY", "XENDIT", "QRPH"})
VA_CHANNELS = frozenset({
    "BCA", "BJB", "BNI", "BRI", "MANDIRI", "PERMATA", "BSI", "CIMB", "SAHABAT_SAMPOERNA",
    "ARTAJASA", "PV", "VIETCAPITAL", "WOORI", "MSB", "VPB", "BIDV", "STANDARD_CHARTERED",
    "AMBANK", "UOB", "BNC", "HANA", "MUAMALAT", "BANK_TRANSFER",
})  # fmt: skip
_URL = r"^\S{1,255}:\/\/\S{0,1000}$"  # EWalletChannelProperties' return url pattern
ReturnUrl = Annotated[str, msgspec.Meta(pattern=_URL)]


class EWalletChannelProperties(msgspec.Struct, forbid_unknown_fields=True):
    success_return_url: ReturnUrl | None = None
    pending_return_url: ReturnUrl | None = None
    failure_return_url: ReturnUrl | None = None
    cancel_return_url: ReturnUrl | None = None
    redeem_points: str | None = None
    mobile_number: str | None = None
    cashtag: str | None = None
    promotion_label: str | None = None


class EWalletParameters(msgspec.Struct, forbid_unknown_fields=True):
    channel_code: str | None = None
    channel_properties: EWalletChannelProperties | None = None


class QRCodeChannelProperties(msgspec.Struct, forbid_unknown_fields=True):
    qr_string: str | None = None
    expires_at: datetime | None = None


class QRCodeParameters(msgspec.Struct, forbid_unknown_fields=True):
    channel_code: str | None = None
    channel_properties: QRCodeChannelProperties | None = None


class VirtualAccountChannelProperties(msgspec.Struct, forbid_unknown_fields=True):
    customer_name: str
    virtual_account_number: str | None = None
    expires_at: datetime | None = None
    suggested_amount: Number | None = None


class VirtualAccountParameters(msgspec.Struct, forbid_unknown_fields=True):
    channel_code: str
    channel_properties: VirtualAccountChannelProperties
    min_amount: Number | None = None
    max_amount: Number | None = None
    amount: Number | None = None
    currency: str | None = None
    alternative_display_types: list[Literal["QR_STRING"]] | None = None


class PaymentMethodParameters(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["CARD", "EWALLET", "QR_CODE", "VIRTUAL_ACCOUNT"]
    reusability: Literal["ONE_TIME_USE", "MULTIPLE_USE"]
    description: str | None = None
    reference_id: str | None = None
    card: CardParameters | None = None
    ewallet: EWalletParameters | None = None
    qr_code: QRCodeParameters | None = None
    virtual_account: VirtualAccountParameters | None = None


class RequestChannelProperties(msgspec.Struct, forbid_unknown_fields=True):
    success_return_url: str | None = None
    failure_return_url: str | None = None
    cancel_return_url: str | None = None
    pending_return_url: str | None = None
    redeem_points: str | None = None
    require_auth: bool | None = None
    merchant_id_tag: str | None = None
    cardonfile_type: Literal["MERCHANT_UNSCHEDULED", "CUSTOMER_UNSCHEDULED", "RECURRING"] | None = (
        None
    )
    cvv: str | None = None


class CreatePaymentRequest(msgspec.Struct, forbid_unknown_fields=True):
    currency: str
    reference_id: str | None = None
    amount: Number | None = None
    payment_method: PaymentMethodParameters | None = None
    description: str | None = None
    capture_method: Literal["AUTOMATIC", "MANUAL"] | None = None
    initiator: Literal["CUSTOMER", "MERCHANT"] | None = None
    payment_method_id: str | None = None
    channel_properties: RequestChannelProperties | None = None
    customer_id: str | None = None
    customer: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class CreateCapture(msgspec.Struct, forbid_unknown_fields=True):
    capture_amount: Number
    reference_id: str | None = None


class CreateRefund(msgspec.Struct, forbid_unknown_fields=True):
    payment_request_id: str | None = None
    invoice_id: str | None = None
    reference_id: str | None = None
    amount: Number | None = None
    currency: str | None = None
    reason: (
        Literal["FRAUDULENT", "DUPLICATE", "REQUESTED_BY_CUSTOMER", "CANCELLATION", "OTHERS"] | None
    ) = None
    metadata: dict[str, Any] | None = None


class PMCard(msgspec.Struct, forbid_unknown_fields=True):
    currency: str
    channel_properties: ChannelPropertiesCard | None = None
    card_information: PaymentMethodCardInformation | None = None


class CreatePaymentMethod(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["CARD"]
    reusability: Literal["ONE_TIME_USE", "MULTIPLE_USE"]
    country: str | None = None
    customer_id: str | None = None
    reference_id: str | None = None
    description: str | None = None
    card: PMCard | None = None
    metadata: dict[str, Any] | None = None


class ExpirePaymentMethod(msgspec.Struct, forbid_unknown_fields=True):
    success_return_url: str | None = None
    failure_return_url: str | None = None


# (method, path pattern) -> the body struct (None: no body allowed)
_BODIES: dict[tuple[str, str], type[msgspec.Struct] | None] = {
    ("POST", "payment_requests"): CreatePaymentRequest,
    ("GET", "payment_requests"): None,
    ("GET", "payment_requests/*"): None,
    ("POST", "payment_requests/*/captures"): CreateCapture,
    ("GET", "payment_requests/*/captures"): None,
    ("POST", "payment_requests/*/payments/simulate"): None,  # test mode: "the customer paid"
    ("POST", "refunds"): CreateRefund,
    ("GET", "refunds/*"): None,
    ("POST", "v2/payment_methods"): CreatePaymentMethod,
    ("GET", "v2/payment_methods/*"): None,
    ("POST", "v2/payment_methods/*/expire"): ExpirePaymentMethod,
}
# (method, path pattern) -> the query parameters the operation declares
_QUERIES: dict[tuple[str, str], set[str]] = {
    ("GET", "payment_requests"): {
        "reference_id",
        "id",
        "customer_id",
        "limit",
        "before_id",
        "after_id",
    },
    ("GET", "payment_requests/*/captures"): {"limit"},
}
_PREFIXES = {"payment_requests": "pr-", "refunds": "rfd-", "payment_methods": "pm-"}


def route_of(path: str) -> str:
    """``/payment_requests/pr-1/captures`` -> ``payment_requests/*/captures``."""
    parts = path.strip("/").split("/")
    out: list[str] = []
    for i, part in enumerate(parts):
        parent = parts[i - 1] if i else ""
        if parent in _PREFIXES and part not in ("captures", "expire"):
            prefix = _PREFIXES[parent]
            if not part.startswith(prefix) or len(part) <= len(prefix):
                raise SpecViolation(f"{parent} id {part!r} must start with {prefix!r}")
            out.append("*")
        else:
            out.append(part)
    return "/".join(out)


def check_request(request: HttpRequest, base_url: str, secret_key: str | None = None) -> None:
    """Raise SpecViolation unless ``request`` is a Xendit API request as its models say."""
    path, _, query = request.url.removeprefix(base_url).partition("?")
    pattern = route_of(path)
    key = (request.method, pattern)
    if key not in _BODIES:
        raise SpecViolation(f"{request.method} /{pattern} is not a Xendit endpoint")
    allowed = _QUERIES.get(key, set())
    unknown = {name for name, _ in parse_qsl(query, keep_blank_values=True)} - allowed
    if unknown:
        raise SpecViolation(f"{request.method} /{pattern} takes no query {sorted(unknown)}")
    headers = {k.lower(): v for k, v in request.headers.items()}
    auth = headers.get("authorization", "")
    if not auth.startswith("Basic "):
        raise SpecViolation("Xendit takes the secret key as HTTP Basic user name")
    try:
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise SpecViolation("the Basic credentials are not base64 of key:") from None
    if password or not user.startswith(("xnd_development_", "xnd_production_")):
        raise SpecViolation("Basic user name is the secret key (xnd_...), password empty")
    if secret_key is not None and user != secret_key:
        raise SpecViolation("not this account's secret key")
    struct = _BODIES[key]
    if struct is None:
        if request.body:
            raise SpecViolation(f"{request.method} /{pattern} takes no body")
        return
    if "application/json" not in headers.get("content-type", ""):
        raise SpecViolation("a Xendit request body is JSON (Content-Type: application/json)")
    try:
        body = msgspec.json.decode(request.body or b"", type=struct)
    except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as exc:
        raise SpecViolation(f"{request.method} /{pattern}: {exc}") from None
    if isinstance(body, CreatePaymentRequest):
        _check_payment_request(body)


def _check_payment_request(body: CreatePaymentRequest) -> None:
    if (body.payment_method is None) == (body.payment_method_id is None):
        raise SpecViolation("give payment_method or payment_method_id, not both or neither")
    if len(body.currency) != 3 or not body.currency.isupper():
        raise SpecViolation("currency must be an ISO-4217 code")
    if body.amount is not None and body.currency in ("IDR", "VND") and body.amount % 1:
        raise SpecViolation(f"{body.currency} amounts are whole numbers")
    pm = body.payment_method
    if pm is None:
        return
    given = {k for k in ("card", "ewallet", "qr_code", "virtual_account") if getattr(pm, k)}
    wanted = {"CARD": "card", "EWALLET": "ewallet", "QR_CODE": "qr_code",
              "VIRTUAL_ACCOUNT": "virtual_account"}[pm.type]  # fmt: skip
    if given != {wanted}:
        raise SpecViolation(f"a {pm.type} payment method carries {wanted} (and nothing else)")
    if pm.card is not None and pm.card.card_information is None:
        raise SpecViolation("a CARD payment method needs card.card_information")
    if pm.type != "CARD" and body.capture_method == "MANUAL":
        raise SpecViolation(f"{pm.type} payments are captured at once (capture_method)")
    if pm.ewallet is not None and pm.ewallet.channel_code not in EWALLET_CHANNELS:
        raise SpecViolation(f"ewallet.channel_code {pm.ewallet.channel_code!r} is not one")
    if pm.qr_code is not None and pm.qr_code.channel_code not in QR_CHANNELS:
        raise SpecViolation(f"qr_code.channel_code {pm.qr_code.channel_code!r} is not one")
    if pm.virtual_account is not None and pm.virtual_account.channel_code not in VA_CHANNELS:
        raise SpecViolation(f"virtual_account.channel_code {pm.virtual_account.channel_code!r}")


# --------------------------------------------------------------------------- the ledger


@dataclass
class FakePaymentRequest:
    id: str
    reference_id: str
    amount: Decimal
    currency: str
    capture_method: str
    status: str
    card: str
    method_id: str
    reusability: str
    return_url: str | None
    description: str | None
    metadata: Any
    initiator: str | None = None
    failure: str | None = None
    captures: list[dict[str, Any]] = field(default_factory=list)
    refunded: Decimal = Decimal(0)
    # a QR code / e-wallet / virtual account payment: its type and what Xendit answers
    # under payment_method.<qr_code|ewallet|virtual_account>
    method_type: str = "CARD"
    channel: dict[str, Any] | None = None


@dataclass
class FakePaymentMethod:
    id: str
    reference_id: str | None
    card: str
    exp_month: str
    exp_year: str
    currency: str
    status: str
    return_url: str | None
    failure: str | None = None


def _number(value: Decimal, currency: str) -> int | float:
    return int(value) if currency in ("IDR", "VND") or value % 1 == 0 else float(value)


_COUNTRY = {"IDR": "ID", "PHP": "PH", "MYR": "MY", "THB": "TH", "VND": "VN", "SGD": "SG"}


def qr_string(channel: str, prid: str, amount: int | float) -> str:
    """An EMV merchant-presented QR payload shaped like a QRIS / PromptPay one (tags,
    lengths, a CRC-16/CCITT checksum), unique to the payment request."""

    def tlv(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"

    domain = {"QRIS": "ID.CO.QRIS.WWW", "PROMPTPAY": "A000000677010111"}.get(channel, channel)
    merchant = tlv("00", domain) + tlv("01", prid[3:23].replace("-", ""))
    currency = {"PROMPTPAY": "764"}.get(channel, "360")
    body = (tlv("00", "01") + tlv("01", "12") + tlv("26", merchant) + tlv("52", "5999")
            + tlv("53", currency) + tlv("54", str(amount)) + tlv("58", "ID")
            + tlv("59", "XENDIT FAKE") + tlv("60", "JAKARTA") + "6304")  # fmt: skip
    crc = 0xFFFF
    for byte in body.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return body + f"{crc:04X}"


def _masked(card: str) -> str:
    return card[:6] + "X" * (len(card) - 10) + card[-4:]


def _network(card: str) -> str:
    return {"4": "VISA", "5": "MASTERCARD", "3": "JCB"}.get(card[:1], "VISA")


class XenditFake(FakeGateway):
    def __init__(self) -> None:
        super().__init__()
        self.secret_key = SECRET_KEY
        self.webhook_token = WEBHOOK_TOKEN
        self.payment_requests: dict[str, FakePaymentRequest] = {}
        self.methods: dict[str, FakePaymentMethod] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.replays: dict[str, tuple[bytes, int, bytes]] = {}

    @property
    def credentials(self) -> dict[str, str]:
        return {"secret_key": self.secret_key, "webhook_token": self.webhook_token}

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/payment_requests", self.create_payment_request)
        r.add_get("/payment_requests", self.list_payment_requests)
        r.add_get("/payment_requests/{id}", self.get_payment_request)
        r.add_post("/payment_requests/{id}/captures", self.capture)
        r.add_get("/payment_requests/{id}/captures", self.list_captures)
        r.add_post("/payment_requests/{id}/payments/simulate", self.simulate)
        r.add_post("/refunds", self.create_refund)
        r.add_get("/refunds/{id}", self.get_refund)
        r.add_post("/v2/payment_methods", self.create_payment_method)
        r.add_get("/v2/payment_methods/{id}", self.get_payment_method)
        r.add_post("/v2/payment_methods/{id}/expire", self.expire_payment_method)
        # the customer's browser at the AUTH action's page (not an API call)
        r.add_get("/__fake__/auth/{id}", self.auth_page)

    # ---- request checks

    def is_api(self, request: web.Request) -> bool:
        return not request.path.startswith("/__fake__/")

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        expected = "Basic " + base64.b64encode(f"{self.secret_key}:".encode()).decode()
        if request.headers.get("Authorization") == expected:
            return None
        return _error(401, "INVALID_API_KEY", "API key format is invalid")

    def check(self, request: HttpRequest) -> None:
        check_request(request, self.base_url)

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return _error(400, "API_VALIDATION_ERROR", str(violation))

    def middlewares(self) -> list[Any]:
        return [self._idempotency]

    @web.middleware
    async def _idempotency(self, request: web.Request, handler: Any) -> web.StreamResponse:
        key = request.headers.get("idempotency-key")
        if not key or request.method != "POST" or not self.is_api(request):
            return await handler(request)  # type: ignore[no-any-return]
        body = await request.read()
        seen = self.replays.get(f"{request.path}:{key}")
        if seen is not None:
            if seen[0] != body:
                return _error(409, "IDEMPOTENCY_ERROR", "The idempotency key was used with "
                              "another request")  # fmt: skip
            return web.Response(status=seen[1], body=seen[2], content_type="application/json")
        answer = await handler(request)
        if isinstance(answer, web.Response) and answer.status < 500:
            sent = answer.body if isinstance(answer.body, bytes) else b""
            self.replays[f"{request.path}:{key}"] = (body, answer.status, sent)
        return answer  # type: ignore[no-any-return]

    # ---- the browser's side

    async def auth_page(self, request: web.Request) -> web.Response:
        oid = request.match_info["id"]
        passed = request.query.get("outcome") == "pass"
        if oid in self.payment_requests:
            pr = self.payment_requests[oid]
            if pr.status != "REQUIRES_ACTION":
                return web.Response(status=404, text="nothing to authenticate")
            if passed:
                self._approve(pr)
            elif pr.method_type == "EWALLET":
                pr.status, pr.failure = "FAILED", "USER_DID_NOT_AUTHORIZE_THE_PAYMENT"
            else:
                pr.status, pr.failure = "FAILED", "AUTHENTICATION_FAILED"
            target = pr.return_url
        elif oid in self.methods:
            pm = self.methods[oid]
            if pm.status != "REQUIRES_ACTION":
                return web.Response(status=404, text="nothing to authenticate")
            pm.status = "ACTIVE" if passed else "FAILED"
            pm.failure = None if passed else "AUTHENTICATION_FAILED"
            target = pm.return_url
        else:
            return web.Response(status=404, text="unknown")
        # Xendit sends the customer to the success/failure url as given.
        return web.Response(status=302, headers={"Location": target or "/"})

    def auth_url(self, oid: str) -> str:
        return f"{self.base_url}/__fake__/auth/{oid}"

    # ---- payment requests

    async def create_payment_request(self, request: web.Request) -> web.Response:
        body = await request.json()
        currency = body["currency"]
        amount = Decimal(str(body.get("amount", 0)))
        method = body.get("payment_method")
        channel = body.get("channel_properties") or {}
        if method is not None and method["type"] != "CARD":
            return self._create_channel_payment(body, method, amount, currency)
        if method is not None:
            card = method["card"]
            info = card["card_information"]
            number = info.get("card_number") or ""
            mid = _id("pm")
            reusability = method["reusability"]
            props = card.get("channel_properties") or {}
            return_url = props.get("success_return_url")
            if not channel.get("cvv"):
                return _error(400, "API_VALIDATION_ERROR", "cvv is required for a card")
        else:
            stored = self.methods.get(body["payment_method_id"])
            if stored is None:
                return _error(404, "PAYMENT_METHOD_NOT_FOUND_ERROR",
                              "The payment method was not found")  # fmt: skip
            if stored.status != "ACTIVE":
                return _error(400, "INVALID_PAYMENT_METHOD", f"The payment method is "
                              f"{stored.status}")  # fmt: skip
            number, mid, reusability, return_url = stored.card, stored.id, "MULTIPLE_USE", None
        pr = FakePaymentRequest(
            id=_id("pr"),
            reference_id=body.get("reference_id") or str(uuid.uuid4()),
            amount=amount,
            currency=currency,
            capture_method=body.get("capture_method") or "AUTOMATIC",
            status="PENDING",
            card=number,
            method_id=mid,
            reusability=reusability,
            return_url=return_url,
            description=body.get("description"),
            metadata=body.get("metadata"),
            initiator=body.get("initiator"),
        )
        outcome, code = CARDS.get(number, ("approve", None))
        if method is None:
            outcome = "approve"  # a merchant-initiated charge of a stored card
        if outcome == "decline":
            pr.status, pr.failure = "FAILED", code
        elif outcome == "challenge":
            pr.status = "REQUIRES_ACTION"
        else:
            self._approve(pr)
        self.payment_requests[pr.id] = pr
        return _json(201, self.view(pr))

    def _create_channel_payment(
        self, body: dict[str, Any], method: dict[str, Any], amount: Decimal, currency: str
    ) -> web.Response:
        """A QR code, e-wallet or virtual account payment request: ``PENDING`` (QR string,
        account number; OVO: pushed to the phone) or ``REQUIRES_ACTION`` (an e-wallet's
        AUTH page), paid later by the customer (``simulate``, the AUTH page)."""
        kind = method["type"]
        key = {"QR_CODE": "qr_code", "EWALLET": "ewallet", "VIRTUAL_ACCOUNT": "virtual_account"}
        given = method[key[kind]]
        props = dict(given.get("channel_properties") or {})
        pr = FakePaymentRequest(
            id=_id("pr"),
            reference_id=body.get("reference_id") or str(uuid.uuid4()),
            amount=amount,
            currency=currency,
            capture_method="AUTOMATIC",
            status="PENDING",
            card="",
            method_id=_id("pm"),
            reusability="ONE_TIME_USE",
            return_url=props.get("success_return_url"),
            description=body.get("description"),
            metadata=body.get("metadata"),
            method_type=kind,
        )
        code = given["channel_code"]
        if kind == "QR_CODE":
            props["qr_string"] = qr_string(code, pr.id, _number(amount, currency))
            props.setdefault("expires_at", "2026-12-05T12:00:00Z")
        elif kind == "VIRTUAL_ACCOUNT":
            digits = str(int(uuid.UUID(pr.id[3:]).hex[:12], 16))[:10].rjust(10, "0")
            props["virtual_account_number"] = "9" + "8808" + digits
            props.setdefault("expires_at", "2026-12-05T12:00:00Z")
        elif code != "OVO":
            pr.status = "REQUIRES_ACTION"  # the wallet's page (AUTH action)
        pr.channel = {"channel_code": code, "channel_properties": props}
        self.payment_requests[pr.id] = pr
        return _json(201, self.view(pr))

    async def simulate(self, request: web.Request) -> web.Response:
        """Xendit's test-mode "the customer paid" (QR codes, virtual accounts, OVO)."""
        pr = self._pr(request)
        if pr is None:
            return _not_found()
        if pr.method_type == "CARD" or pr.status not in ("PENDING", "REQUIRES_ACTION"):
            return _error(400, "INVALID_PAYMENT_REQUEST_STATUS", f"A {pr.method_type} "
                          f"{pr.status} payment request cannot be paid")  # fmt: skip
        pr.status = "SUCCEEDED"
        return _json(200, {"status": "PENDING", "message": "Payment simulation is processing"})

    def _approve(self, pr: FakePaymentRequest) -> None:
        if pr.capture_method == "MANUAL":
            pr.status = "AWAITING_CAPTURE"
        else:
            pr.status = "SUCCEEDED"

    def view(self, pr: FakePaymentRequest) -> dict[str, Any]:
        """A PaymentRequest as Xendit's Get payment request answers it."""
        month, year = "12", "2030"
        stored = self.methods.get(pr.method_id)
        if stored is not None:
            month, year = stored.exp_month, stored.exp_year
        if pr.method_type != "CARD":
            return self._channel_view(pr)
        doc: dict[str, Any] = {
            "id": pr.id,
            "business_id": BUSINESS_ID,
            "reference_id": pr.reference_id,
            "currency": pr.currency,
            "amount": _number(pr.amount, pr.currency),
            "country": "PH" if pr.currency == "PHP" else "ID",
            "description": pr.description,
            "capture_method": pr.capture_method,
            "initiator": pr.initiator,
            "status": pr.status,
            "failure_code": pr.failure,
            "metadata": pr.metadata,
            "actions": [],
            "payment_method": {
                "id": pr.method_id,
                "type": "CARD",
                "reusability": pr.reusability,
                "status": "ACTIVE"
                if pr.reusability == "MULTIPLE_USE"
                else "EXPIRED"
                if pr.status in ("SUCCEEDED", "FAILED")
                else "ACTIVE",
                "reference_id": pr.reference_id,
                "created": "2026-12-02T12:00:00.000Z",
                "updated": "2026-12-02T12:00:05.000Z",
                "card": {
                    "currency": pr.currency,
                    "channel_properties": {
                        "skip_three_d_secure": False,
                        "success_return_url": pr.return_url,
                        "failure_return_url": pr.return_url,
                    },
                    "card_information": {
                        "token_id": secrets.token_hex(12),
                        "masked_card_number": _masked(pr.card),
                        "cardholder_name": "T. Test",
                        "expiry_month": month,
                        "expiry_year": year,
                        "type": "CREDIT",
                        "network": _network(pr.card),
                        "country": "PH",
                        "issuer": "XENDIT TEST BANK",
                        "fingerprint": "61" + "a" * 22,
                    },
                },
            },
            "created": "2026-12-02T12:00:00.000Z",
            "updated": "2026-12-02T12:00:05.000Z",
        }
        if pr.status == "REQUIRES_ACTION":
            doc["actions"] = [{"action": "AUTH", "url_type": "WEB", "method": "GET",
                               "url": self.auth_url(pr.id), "qr_code": None}]  # fmt: skip
        return doc

    def _channel_view(self, pr: FakePaymentRequest) -> dict[str, Any]:
        key = {"QR_CODE": "qr_code", "EWALLET": "ewallet", "VIRTUAL_ACCOUNT": "virtual_account"}
        channel = dict(pr.channel or {})
        if pr.method_type == "VIRTUAL_ACCOUNT":
            channel |= {"amount": _number(pr.amount, pr.currency), "currency": pr.currency}
        if pr.method_type == "EWALLET":
            channel["account"] = {"name": None, "account_details": None, "balance": None,
                                  "point_balance": None}  # fmt: skip
        actions: list[dict[str, Any]] = []
        if pr.status == "REQUIRES_ACTION":
            actions = [{"action": "AUTH", "url_type": "WEB", "method": "GET",
                        "url": self.auth_url(pr.id), "qr_code": None}]  # fmt: skip
        open_ = pr.status in ("PENDING", "REQUIRES_ACTION")
        return {
            "id": pr.id,
            "business_id": BUSINESS_ID,
            "reference_id": pr.reference_id,
            "currency": pr.currency,
            "amount": _number(pr.amount, pr.currency),
            "country": _COUNTRY.get(pr.currency, "ID"),
            "description": pr.description,
            "capture_method": "AUTOMATIC",
            "initiator": None,
            "status": pr.status,
            "failure_code": pr.failure,
            "metadata": pr.metadata,
            "actions": actions,
            "payment_method": {
                "id": pr.method_id,
                "type": pr.method_type,
                "reusability": "ONE_TIME_USE",
                "status": "ACTIVE" if open_ else "EXPIRED",
                "reference_id": pr.reference_id,
                "created": "2026-12-02T12:00:00.000Z",
                "updated": "2026-12-02T12:00:05.000Z",
                key[pr.method_type]: channel,
            },
            "created": "2026-12-02T12:00:00.000Z",
            "updated": "2026-12-02T12:00:05.000Z",
        }

    def _pr(self, request: web.Request) -> FakePaymentRequest | None:
        return self.payment_requests.get(request.match_info["id"])

    async def list_payment_requests(self, request: web.Request) -> web.Response:
        wanted = set(request.query.getall("reference_id", []))
        limit = int(request.query.get("limit", "10"))
        found = [self.view(pr) for pr in reversed(self.payment_requests.values())
                 if not wanted or pr.reference_id in wanted]  # fmt: skip
        return _json(200, {"data": found[:limit], "has_more": len(found) > limit})

    async def get_payment_request(self, request: web.Request) -> web.Response:
        pr = self._pr(request)
        if pr is None:
            return _not_found()
        return _json(200, self.view(pr))

    async def capture(self, request: web.Request) -> web.Response:
        pr = self._pr(request)
        if pr is None:
            return _not_found()
        body = await request.json()
        if pr.status in ("SUCCEEDED",) and pr.captures:
            return _error(409, "PAYMENT_REQUEST_ALREADY_FULLY_CAPTURED",
                          "The payment request was captured already")  # fmt: skip
        if pr.status != "AWAITING_CAPTURE":
            return _error(409, "PAYMENT_REQUEST_ALREADY_COMPLETED" if pr.status == "SUCCEEDED"
                          else "PAYMENT_REQUEST_ALREADY_FAILED", f"The payment request is "
                          f"{pr.status}")  # fmt: skip
        amount = Decimal(str(body["capture_amount"]))
        if amount <= 0 or amount > pr.amount:
            return _error(400, "EXCEEDS_CAPTURABLE_AMOUNT", "capture_amount exceeds the "
                          "authorized amount")  # fmt: skip
        capture = {
            "id": _id("cptr"),
            "payment_request_id": pr.id,
            "payment_id": _id("py"),
            "reference_id": body.get("reference_id") or pr.reference_id,
            "currency": pr.currency,
            "authorized_amount": _number(pr.amount, pr.currency),
            "captured_amount": _number(amount, pr.currency),
            "status": "SUCCEEDED",
            "payment_method": self.view(pr)["payment_method"],
            "failure_code": None,
            "customer_id": None,
            "metadata": None,
            "channel_properties": None,
            "created": "2026-12-02T12:01:00.000Z",
            "updated": "2026-12-02T12:01:00.000Z",
        }
        pr.captures.append(capture)
        pr.status = "SUCCEEDED"
        return _json(200, capture)

    def captured(self, pr: FakePaymentRequest) -> Decimal:
        if not pr.captures:
            return pr.amount if pr.status == "SUCCEEDED" else Decimal(0)
        return sum((Decimal(str(c["captured_amount"])) for c in pr.captures), Decimal(0))

    async def list_captures(self, request: web.Request) -> web.Response:
        pr = self._pr(request)
        if pr is None:
            return _not_found()
        return _json(200, {"data": pr.captures, "has_more": False})

    # ---- refunds

    async def create_refund(self, request: web.Request) -> web.Response:
        body = await request.json()
        pr = self.payment_requests.get(body.get("payment_request_id") or "")
        if pr is None:
            return _error(404, "DATA_NOT_FOUND", "The payment request was not found")
        if pr.status != "SUCCEEDED":
            return _error(400, "INELIGIBLE_TRANSACTION", f"A {pr.status} payment request "
                          "cannot be refunded")  # fmt: skip
        if pr.method_type == "VIRTUAL_ACCOUNT":
            return _error(400, "REFUND_NOT_SUPPORTED", "Refunds are not supported for "
                          "virtual account payments")  # fmt: skip
        amount = Decimal(str(body.get("amount", self.captured(pr) - pr.refunded)))
        if amount <= 0 or amount > self.captured(pr) - pr.refunded:
            return _error(400, "MAXIMUM_REFUND_AMOUNT_REACHED", "The refund amount exceeds "
                          "what can be refunded")  # fmt: skip
        pr.refunded += amount
        refund = {
            "id": _id("rfd"),
            "payment_request_id": pr.id,
            "invoice_id": None,
            "payment_method_type": pr.method_type,
            "amount": _number(amount, pr.currency),
            "channel_code": (pr.channel or {}).get("channel_code", "CARDS"),
            "country": _COUNTRY.get(pr.currency, "ID"),
            "currency": pr.currency,
            "reference_id": body.get("reference_id"),
            "status": "SUCCEEDED",
            "reason": body.get("reason") or "REQUESTED_BY_CUSTOMER",
            "failure_code": None,
            "refund_fee_amount": None,
            "metadata": body.get("metadata"),
            "created": "2026-12-02T12:02:00.000Z",
            "updated": "2026-12-02T12:02:00.000Z",
        }
        self.refunds[refund["id"]] = refund
        return _json(201, refund)

    async def get_refund(self, request: web.Request) -> web.Response:
        refund = self.refunds.get(request.match_info["id"])
        if refund is None:
            return _not_found()
        return _json(200, refund)

    # ---- payment methods

    async def create_payment_method(self, request: web.Request) -> web.Response:
        body = await request.json()
        card = body.get("card") or {}
        info = card.get("card_information") or {}
        props = card.get("channel_properties") or {}
        number = info.get("card_number", "")
        outcome, code = CARDS.get(number, ("approve", None))
        pm = FakePaymentMethod(
            id=_id("pm"),
            reference_id=body.get("reference_id"),
            card=number,
            exp_month=info.get("expiry_month", "12"),
            exp_year=info.get("expiry_year", "2030"),
            currency=card.get("currency", "PHP"),
            status={"decline": "FAILED", "challenge": "REQUIRES_ACTION"}.get(outcome, "ACTIVE"),
            return_url=props.get("success_return_url"),
            failure=code,
        )
        self.methods[pm.id] = pm
        return _json(201, self.method_view(pm))

    def method_view(self, pm: FakePaymentMethod) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": pm.id,
            "business_id": BUSINESS_ID,
            "type": "CARD",
            "country": "PH",
            "customer_id": None,
            "reference_id": pm.reference_id,
            "description": None,
            "status": pm.status,
            "reusability": "MULTIPLE_USE",
            "actions": [],
            "metadata": None,
            "failure_code": pm.failure,
            "created": "2026-12-02T12:00:00.000Z",
            "updated": "2026-12-02T12:00:05.000Z",
            "card": {
                "currency": pm.currency,
                "channel_properties": {
                    "skip_three_d_secure": False,
                    "success_return_url": pm.return_url,
                    "failure_return_url": pm.return_url,
                    "cardonfile_type": "MERCHANT_UNSCHEDULED",
                },
                "card_information": {
                    "token_id": secrets.token_hex(12),
                    "masked_card_number": _masked(pm.card),
                    "cardholder_name": "T. Test",
                    "expiry_month": pm.exp_month,
                    "expiry_year": pm.exp_year,
                    "type": "CREDIT",
                    "network": _network(pm.card),
                    "country": "PH",
                    "issuer": "XENDIT TEST BANK",
                    "fingerprint": "61" + "b" * 22,
                },
            },
        }
        if pm.status == "REQUIRES_ACTION":
            doc["actions"] = [{"action": "AUTH", "url_type": "WEB", "method": "GET",
                               "url": self.auth_url(pm.id)}]  # fmt: skip
        return doc

    async def get_payment_method(self, request: web.Request) -> web.Response:
        pm = self.methods.get(request.match_info["id"])
        if pm is None:
            return _not_found()
        return _json(200, self.method_view(pm))

    async def expire_payment_method(self, request: web.Request) -> web.Response:
        pm = self.methods.get(request.match_info["id"])
        if pm is None:
            return _not_found()
        if pm.status != "ACTIVE":
            return _error(409, "PAYMENT_METHOD_ALREADY_FAILED" if pm.status == "FAILED"
                          else "OPERATION_NOT_ALLOWED", f"The payment method is "
                          f"{pm.status}")  # fmt: skip
        pm.status = "EXPIRED"
        return _json(200, self.method_view(pm))

    # ---- what Xendit's webhook would send

    def callback(self, event: str, prid: str) -> bytes:
        """A Payment Requests callback body about ``prid`` (the SDK's PaymentCallback)."""
        pr = self.payment_requests[prid]
        view = self.view(pr)
        doc = {
            "event": event,
            "business_id": BUSINESS_ID,
            "created": "2026-12-02T12:00:06.000Z",
            "data": {
                "id": "py-" + str(uuid.uuid5(uuid.NAMESPACE_URL, prid)),
                "payment_request_id": pr.id,
                "reference_id": pr.reference_id,
                "customer_id": None,
                "currency": pr.currency,
                "amount": view["amount"],
                "country": view["country"],
                "status": "SUCCEEDED" if pr.status == "SUCCEEDED" else pr.status,
                "payment_method": view["payment_method"],
                "channel_properties": None,
                "payment_detail": None,
                "failure_code": pr.failure,
                "metadata": pr.metadata,
                "created": view["created"],
                "updated": view["updated"],
            },
        }
        return json.dumps(doc).encode()


def _json(status: int, doc: dict[str, Any]) -> web.Response:
    body = json.dumps(doc).encode()
    return web.Response(status=status, body=body, content_type="application/json")


def _error(status: int, code: str, message: str) -> web.Response:
    return _json(status, {"error_code": code, "message": message})


def _not_found() -> web.Response:
    return _error(404, "DATA_NOT_FOUND", "The requested resource was not found")
