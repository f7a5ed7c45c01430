"""A loopback fake of Cybersource's REST Payments API, Transaction Details and TMS.

Cybersource ships no machine-readable API description with a licence we can use, so
:meth:`CybersourceFake.check` is a hand-written contract: one msgspec struct per request
body (``forbid_unknown_fields``) with the fields and JSON types of the official SDK's
generated models (``cybersource-rest-client-python``: ``CreatePaymentRequest``,
``CapturePaymentRequest``, ``AuthReversalRequest``, ``VoidCaptureRequest``,
``RefundPaymentRequest``/``RefundCaptureRequest``) for the fields this service sends.
``tests/connectors/test_cybersource_sdk.py`` drives the SDK against a loopback recorder
and checks that the connector's requests have the SDK's shape, pass the SDK's models,
and that the SDK's own requests pass this contract, so the two cannot drift apart.

:meth:`CybersourceFake.authenticate` checks the HTTP Signature exactly as Cybersource
does (the digest of the body, then the HMAC over host, date, request-target, digest and
v-c-merchant-id with the base64-decoded shared secret): a wrong signature is a 401.

The ledger holds one record per transaction (authorization, capture, reversal, void,
refund), each with its own 22-digit id as Cybersource gives them; Transaction Details
reads any of them. Behaviour is chosen by card number (``DECLINES``;
``AUTHENTICATION_CARD`` is declined ``CONSUMER_AUTHENTICATION_REQUIRED`` unless 3-D
Secure results come with it). A network token (``tokenizedCard``) needs its cryptogram,
and a wallet's token (``paymentSolution`` 001 / 012) its authentication value where the
brand wants it (``cavv``, or UCAF data for Mastercard); the answer shows the token's
``tokenizedCard`` (prefix, suffix, expiry, type). Captures and
refunds answer ``PENDING``; a refund reads back ``TRANSMITTED`` (the settlement batch
has run) from Transaction Details.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import secrets
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation

# Made per process (never committed credential-shaped literals).
MERCHANT_ID = "cs_merchant_" + secrets.token_hex(4)
KEY_ID = "08c94330-f618-42a3-b09d-" + secrets.token_hex(6)
SHARED_SECRET = base64.b64encode(secrets.token_bytes(32)).decode()
WEBHOOK_SECRET = base64.b64encode(secrets.token_bytes(32)).decode()
WEBHOOK_KEY_ID = "bf44c857-b182-bb05-e053-" + secrets.token_hex(6)

SUCCESS_CARD = "4111111111111111"
# An issuer that wants 3-D Secure: declined CONSUMER_AUTHENTICATION_REQUIRED unless the
# request carries an authentication (a CAVV / AAV and a secure commerce indicator).
AUTHENTICATION_CARD = "4000000000003220"
SECURE_INDICATORS = frozenset({"vbv", "vbv_attempted", "spa", "aesk", "aesk_attempted", "dipb",
                               "dipb_attempted", "pb", "pb_attempted", "js", "js_attempted",
                               "up3ds", "up3ds_attempted"})  # fmt: skip
WALLETS = {"001": "Apple Pay", "012": "Google Pay"}
APPLE_PAY_DESCRIPTOR = "RklEPUNPTU1PTi5BUFBMRS5JTkFQUC5QQVlNRU5U"
# What the fake "decrypts" a wallet's encrypted token to (paymentSolution -> DPAN).
DECRYPTED_DPAN = {"001": "4895370012003478", "012": "5204731600014792"}
# card number -> (errorInformation.reason, message, processor response code)
DECLINES: dict[str, tuple[str, str, str]] = {
    "4000000000000002": ("GENERAL_DECLINE", "General decline of the card.", "05"),
    "4000000000000069": ("EXPIRED_CARD", "Expired card.", "54"),
    "4000000000009995": ("INSUFFICIENT_FUND", "Insufficient funds in the account.", "51"),
}
_BRAND = {"4": "001", "5": "002", "3": "003", "6": "004"}


# --------------------------------------------------------------------------- the contract


class _In(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class PartnerIn(_In):
    developerId: str | None = None
    solutionId: str | None = None


class ClientReferenceIn(_In):
    code: str | None = None
    transactionId: str | None = None
    partner: PartnerIn | None = None  # the SDK adds its developerId


class AmountIn(_In):
    totalAmount: str | None = None
    currency: str | None = None
    taxAmount: str | None = None
    freightAmount: str | None = None


class LineItemIn(_In):
    productName: str | None = None
    productSKU: str | None = None  # the wire name (the SDK's model says productSku)
    quantity: int | None = None
    unitPrice: str | None = None
    taxAmount: str | None = None
    totalAmount: str | None = None


class InvoiceIn(_In):
    purchaseOrderNumber: str | None = None


class ShipToIn(_In):
    firstName: str | None = None
    lastName: str | None = None
    address1: str | None = None
    address2: str | None = None
    locality: str | None = None
    administrativeArea: str | None = None
    postalCode: str | None = None
    country: str | None = None
    phoneNumber: str | None = None


class BillToIn(ShipToIn):
    """The billing address: the shipping address's fields and the payer's email."""

    email: str | None = None


class OrderIn(_In):
    amountDetails: AmountIn
    billTo: BillToIn | None = None
    shipTo: ShipToIn | None = None
    lineItems: list[LineItemIn] | None = None
    invoiceDetails: InvoiceIn | None = None


class DescriptorIn(_In):
    name: str | None = None


class MerchantInfoIn(_In):
    merchantDescriptor: DescriptorIn | None = None


class DeviceIn(_In):
    ipAddress: str | None = None
    userAgent: str | None = None


class CardIn(_In):
    number: str
    expirationMonth: str
    expirationYear: str
    securityCode: str | None = None
    type: str | None = None


class TokenizedCardIn(_In):
    """``Ptsv2paymentsPaymentInformationTokenizedCard``: a network token (DPAN)."""

    number: str | None = None  # absent when Cybersource decrypts a wallet's token
    expirationMonth: str | None = None
    expirationYear: str | None = None
    cryptogram: str | None = None
    type: str | None = None
    transactionType: str | None = None


class FluidDataIn(_In):
    """``Ptsv2paymentsPaymentInformationFluidData``: a wallet's encrypted token."""

    value: str
    descriptor: str | None = None


class IdIn(_In):
    id: str


class PaymentInfoIn(_In):
    card: CardIn | None = None
    tokenizedCard: TokenizedCardIn | None = None
    fluidData: FluidDataIn | None = None
    customer: IdIn | None = None
    paymentInstrument: IdIn | None = None


class MitIn(_In):
    reason: str | None = None
    previousTransactionId: str | None = None
    originalAuthorizedAmount: str | None = None


class InitiatorIn(_In):
    type: str | None = None
    credentialStoredOnFile: bool | None = None
    storedCredentialUsed: bool | None = None
    merchantInitiatedTransaction: MitIn | None = None


class AuthOptionsIn(_In):
    initiator: InitiatorIn | None = None
    authIndicator: str | None = None  # "0": preauthorization (may be incremented)
    ignoreAvsResult: bool | None = None  # the SDK model's defaults (false)
    ignoreCvResult: bool | None = None


class ProcessingIn(_In):
    capture: bool | None = None
    commerceIndicator: str | None = None
    paymentSolution: str | None = None  # 001 Apple Pay, 012 Google Pay
    actionList: list[str] | None = None
    actionTokenTypes: list[str] | None = None
    authorizationOptions: AuthOptionsIn | None = None


class ConsumerAuthIn(_In):
    """``Ptsv2paymentsConsumerAuthenticationInformation``: 3-D Secure done elsewhere, or
    a wallet cryptogram as its authentication value."""

    cavv: str | None = None
    xid: str | None = None
    eciRaw: str | None = None
    ucafAuthenticationData: str | None = None
    ucafCollectionIndicator: str | None = None
    directoryServerTransactionId: str | None = None
    paSpecificationVersion: str | None = None


class CreatePaymentIn(_In):
    """``CreatePaymentRequest`` (POST /pts/v2/payments)."""

    orderInformation: OrderIn
    clientReferenceInformation: ClientReferenceIn | None = None
    processingInformation: ProcessingIn | None = None
    paymentInformation: PaymentInfoIn | None = None
    consumerAuthenticationInformation: ConsumerAuthIn | None = None
    merchantInformation: MerchantInfoIn | None = None
    deviceInformation: DeviceIn | None = None


class AmountOnlyOrderIn(_In):
    amountDetails: AmountIn


class CaptureIn(_In):
    """``CapturePaymentRequest`` / ``RefundPaymentRequest`` / ``RefundCaptureRequest``."""

    orderInformation: AmountOnlyOrderIn
    clientReferenceInformation: ClientReferenceIn | None = None


class ReversalInfoIn(_In):
    amountDetails: AmountIn
    reason: str | None = None


class ReversalIn(_In):
    """``AuthReversalRequest`` (POST /pts/v2/payments/{id}/reversals)."""

    reversalInformation: ReversalInfoIn
    clientReferenceInformation: ClientReferenceIn | None = None


class VoidIn(_In):
    """``VoidCaptureRequest`` (POST /pts/v2/captures/{id}/voids)."""

    clientReferenceInformation: ClientReferenceIn | None = None


class IncrementAmountIn(_In):
    additionalAmount: str
    currency: str | None = None


class IncrementOrderIn(_In):
    amountDetails: IncrementAmountIn


class IncrementInitiatorIn(_In):
    storedCredentialUsed: bool | None = None


class IncrementAuthOptionsIn(_In):
    initiator: IncrementInitiatorIn | None = None


class IncrementProcessingIn(_In):
    authorizationOptions: IncrementAuthOptionsIn | None = None


class IncrementIn(_In):
    """``IncrementAuthRequest`` (PATCH /pts/v2/payments/{id})."""

    orderInformation: IncrementOrderIn
    clientReferenceInformation: ClientReferenceIn | None = None
    processingInformation: IncrementProcessingIn | None = None


class SearchIn(_In):
    """``CreateSearchRequest`` (POST /tss/v2/searches)."""

    query: str
    save: bool | None = None
    name: str | None = None
    timezone: str | None = None
    offset: int | None = None
    limit: int | None = None
    sort: str | None = None


BODIES: dict[tuple[str, str], type[_In]] = {
    ("POST", "/tss/v2/searches"): SearchIn,
    ("PATCH", "/pts/v2/payments/{}"): IncrementIn,
    ("POST", "/pts/v2/payments"): CreatePaymentIn,
    ("POST", "/pts/v2/payments/{}/captures"): CaptureIn,
    ("POST", "/pts/v2/payments/{}/reversals"): ReversalIn,
    ("POST", "/pts/v2/payments/{}/refunds"): CaptureIn,
    ("POST", "/pts/v2/captures/{}/refunds"): CaptureIn,
    ("POST", "/pts/v2/captures/{}/voids"): VoidIn,
}
READS = {("GET", "/tss/v2/transactions/{}"), ("DELETE", "/tms/v2/customers/{}")}


def route_of(path: str) -> str:
    """``/pts/v2/payments/6950.../captures`` -> ``/pts/v2/payments/{}/captures``."""
    parts = path.rstrip("/").split("/")
    if len(parts) > 4 and parts[1:3] in (["pts", "v2"], ["tss", "v2"], ["tms", "v2"]):
        parts[4] = "{}"
    return "/".join(parts)


def signature_of(request: HttpRequest, secret: str) -> tuple[str, str] | None:
    """(the signature sent, the one expected) of a request, or None if unsigned."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    fields = _signature_fields(headers.get("signature", ""))
    if not fields or "signature" not in fields or "headers" not in fields:
        return None
    target = request.url.split("://", 1)[-1]
    host, _, rest = target.partition("/")
    values = {
        "host": headers.get("host", host),
        "date": headers.get("date", ""),
        "request-target": f"{request.method.lower()} /{rest}",
        "digest": headers.get("digest", ""),
        "v-c-merchant-id": headers.get("v-c-merchant-id", ""),
    }
    names = fields["headers"].split()
    message = "\n".join(f"{name}: {values.get(name, '')}" for name in names)
    mac = hmac.new(base64.b64decode(secret), message.encode(), hashlib.sha256).digest()
    return fields["signature"], base64.b64encode(mac).decode()


def _signature_fields(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split('", '):
        name, sep, value = part.partition("=")
        if sep:
            out[name.strip().lower()] = value.strip().strip('"')
    return out


def check_request(request: HttpRequest, merchant_id: str) -> None:
    """Cybersource's request contract: the HTTP Signature headers, and for a body the
    digest and JSON content type with a body of the SDK model's fields."""
    method = request.method.upper()
    path = request.url.split("://", 1)[-1].partition("/")[2].split("?")[0]
    route = route_of("/" + path)
    headers = {k.lower(): v for k, v in request.headers.items()}
    if headers.get("v-c-merchant-id") != merchant_id:
        raise SpecViolation("v-c-merchant-id: missing or not this merchant")
    if not headers.get("date"):
        raise SpecViolation("Date header missing")
    fields = _signature_fields(headers.get("signature", ""))
    if fields.get("algorithm") != "HmacSHA256" or not fields.get("keyid"):
        raise SpecViolation("Signature: keyid and algorithm=HmacSHA256 required")
    wanted = "host date request-target digest v-c-merchant-id"
    if method in ("GET", "DELETE"):
        wanted = "host date request-target v-c-merchant-id"
    if fields.get("headers") != wanted:
        raise SpecViolation(f'Signature headers="{fields.get("headers")}", wanted "{wanted}"')
    if (method, route) in READS:
        if request.body:
            raise SpecViolation(f"{method} {route} takes no body")
        return
    struct = BODIES.get((method, route))
    if struct is None:
        raise SpecViolation(f"no such operation: {method} {route}")
    body = request.body or b""
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    if headers.get("digest") != digest:
        raise SpecViolation("Digest: not the SHA-256 of the body")
    if not headers.get("content-type", "").lower().startswith("application/json"):
        raise SpecViolation("Content-Type must be application/json")
    try:
        msgspec.json.decode(body, type=struct)
    except msgspec.ValidationError as exc:
        raise SpecViolation(f"{method} {route}: {exc}") from None


# --------------------------------------------------------------------------- the fake


def _tid() -> str:
    return "".join(random.choices("0123456789", k=22))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _minor(value: str, currency: str) -> int:
    scale = 0 if currency.upper() in {"JPY", "KRW", "CLP", "VND", "ISK"} else 2
    return int(Decimal(value).scaleb(scale))


def _major(minor: int, currency: str) -> str:
    if currency.upper() in {"JPY", "KRW", "CLP", "VND", "ISK"}:
        return str(minor)
    return f"{minor // 100}.{minor % 100:02d}"


class CybersourceFake(FakeGateway):
    def __init__(self) -> None:
        super().__init__()
        self.merchant_id = MERCHANT_ID
        self.key_id = KEY_ID
        self.shared_secret = SHARED_SECRET
        self.transactions: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        # The host the client signed, when a test proxy in between rewrites ``Host``.
        self.signed_host: str | None = None

    @property
    def credentials(self) -> dict[str, str]:
        return {
            "merchant_id": self.merchant_id,
            "key_id": self.key_id,
            "shared_secret": self.shared_secret,
            "webhook_secret": WEBHOOK_SECRET,
        }

    # ------------------------------------------------------------ contract and auth

    def check(self, request: HttpRequest) -> None:
        check_request(request, self.merchant_id)

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return _invalid("INVALID_DATA", str(violation))

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        headers = dict(request.headers)
        if self.signed_host:
            headers["Host"] = self.signed_host
        http = HttpRequest(request.method, f"http://{request.host}{request.path_qs}", headers)
        pair = signature_of(http, self.shared_secret)
        keyid = _signature_fields(request.headers.get("Signature", "")).get("keyid")
        if pair is None or keyid != self.key_id or not hmac.compare_digest(*pair):
            return web.json_response({"response": {"rmsg": "Authentication Failed"}}, status=401)
        return None

    # ------------------------------------------------------------ routes

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/pts/v2/payments", self._create)
        app.router.add_patch("/pts/v2/payments/{id}", self._increment)
        app.router.add_post("/pts/v2/payments/{id}/captures", self._capture)
        app.router.add_post("/pts/v2/payments/{id}/reversals", self._reverse)
        app.router.add_post("/pts/v2/payments/{id}/refunds", self._refund)
        app.router.add_post("/pts/v2/captures/{id}/refunds", self._refund)
        app.router.add_post("/pts/v2/captures/{id}/voids", self._void)
        app.router.add_get("/tss/v2/transactions/{id}", self._details)
        app.router.add_post("/tss/v2/searches", self._search)
        app.router.add_delete("/tms/v2/customers/{id}", self._delete_customer)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        amount = body["orderInformation"]["amountDetails"]
        currency = amount.get("currency") or "USD"
        total = _minor(amount.get("totalAmount") or "0", currency)
        info = body.get("paymentInformation") or {}
        processing = body.get("processingInformation") or {}
        code = (body.get("clientReferenceInformation") or {}).get("code")
        card = info.get("card")
        token = info.get("tokenizedCard")
        auth_info = body.get("consumerAuthenticationInformation") or {}
        tid = _tid()
        answer: dict[str, Any] = {
            "_links": {"self": {"href": f"/pts/v2/payments/{tid}", "method": "GET"}},
            "id": tid,
            "submitTimeUtc": _now(),
            "reconciliationId": secrets.token_hex(8),
            "clientReferenceInformation": {"code": code} if code else {},
        }
        fluid = info.get("fluidData")
        if fluid is not None:
            decrypted = _decrypt(fluid, token or {}, processing)
            if isinstance(decrypted, web.Response):
                return decrypted
            token = card = decrypted
        elif token is not None:
            refused = _token_refusal(token, processing, auth_info)
            if refused is not None:
                return refused
            card = token
        elif card is None:
            customer = self.customers.get((info.get("customer") or {}).get("id", ""))
            wanted = (info.get("paymentInstrument") or {}).get("id")
            if customer is None or customer["instrument"] != wanted:
                return _invalid("INVALID_DATA", "unknown customer or payment instrument",
                                "paymentInformation.paymentInstrument.id")  # fmt: skip
            card = customer["card"]
        number = card["number"]
        brand = _BRAND.get(number[0], "001")
        seen = {"type": brand, "prefix": number[:6], "suffix": number[-4:],
                "expirationMonth": card["expirationMonth"],
                "expirationYear": card["expirationYear"]}  # fmt: skip
        answer["paymentInformation"] = (
            {"tokenizedCard": seen} if token is not None
            else {"card": seen, "tokenizedCard": {"type": brand}}
        )  # fmt: skip
        answer["paymentAccountInformation"] = {"card": {"type": brand}}
        declined = DECLINES.get(number)
        authenticated = (
            bool(auth_info.get("cavv") or auth_info.get("ucafAuthenticationData"))
            and processing.get("commerceIndicator") in SECURE_INDICATORS
        )
        if number == AUTHENTICATION_CARD and not authenticated:
            declined = ("CONSUMER_AUTHENTICATION_REQUIRED",
                        "The cardholder is enrolled in Payer Authentication.", "1A")  # fmt: skip
        record = {
            "id": tid, "kind": "auth", "amount": total, "currency": currency, "code": code,
            "captured": 0, "refunded": 0, "reversed": False, "number": number,
            "sale": bool(processing.get("capture")),
            "preauth": (processing.get("authorizationOptions") or {}).get("authIndicator") == "0",
        }  # fmt: skip
        if declined:
            reason, message, response_code = declined
            record["status"] = "DECLINED"
            answer |= {
                "status": "DECLINED",
                "errorInformation": {"reason": reason, "message": message},
                "processorInformation": {"responseCode": response_code},
            }
            self.transactions[tid] = record
            return web.json_response(answer, status=201)
        record["status"] = "PENDING" if record["sale"] else "AUTHORIZED"
        record["captured"] = total if record["sale"] else 0
        self.transactions[tid] = record
        ntid = "".join(random.choices("0123456789", k=15))
        answer |= {
            "status": "AUTHORIZED",
            "orderInformation": {
                "amountDetails": {
                    "totalAmount": _major(total, currency),
                    "authorizedAmount": _major(total, currency),
                    "currency": currency,
                }
            },
            "processorInformation": {
                "approvalCode": "831000",
                "responseCode": "00",
                "transactionId": ntid,
                "networkTransactionId": ntid,
                "avs": {"code": "X", "codeRaw": "I1"},
            },
        }
        if "TOKEN_CREATE" in (processing.get("actionList") or []):
            cid = secrets.token_hex(16).upper()
            pi = secrets.token_hex(16).upper()
            self.customers[cid] = {"instrument": pi, "card": card}
            answer["tokenInformation"] = {
                "instrumentIdentifierNew": True,
                "customer": {"id": cid},
                "paymentInstrument": {"id": pi},
                "instrumentIdentifier": {"id": secrets.token_hex(8).upper(), "state": "ACTIVE"},
            }
        return web.json_response(answer, status=201)

    def _auth(self, tid: str) -> dict[str, Any] | None:
        record = self.transactions.get(tid)
        return record if record and record["kind"] == "auth" else None

    async def _increment(self, request: web.Request) -> web.Response:
        """An incremental authorization: only of a preauthorization (``authIndicator: 0``)
        that is still open; the authorization's amount grows by ``additionalAmount``."""
        auth = self._auth(request.match_info["id"])
        body = await request.json()
        if auth is None or auth["status"] == "DECLINED":
            return _invalid("INVALID_PAYMENT_ID", "The authorization could not be found.")
        if not auth["preauth"] or auth["captured"] or auth["reversed"]:
            return _invalid("INVALID_DATA", "The authorization cannot be incremented.")
        amount = body["orderInformation"]["amountDetails"]
        added = _minor(amount["additionalAmount"], auth["currency"])
        auth["amount"] += added
        iid = _tid()
        return web.json_response(
            {
                "_links": {"self": {"href": f"/pts/v2/payments/{iid}", "method": "GET"}},
                "id": iid,
                "submitTimeUtc": _now(),
                "status": "AUTHORIZED",
                "reconciliationId": secrets.token_hex(8),
                "clientReferenceInformation": _echo(body),
                "orderInformation": {
                    "amountDetails": {
                        "authorizedAmount": _major(added, auth["currency"]),
                        "currency": auth["currency"],
                    }
                },
                "processorInformation": {"approvalCode": "888888", "responseCode": "00"},
            },
            status=201,
        )

    async def _capture(self, request: web.Request) -> web.Response:
        auth = self._auth(request.match_info["id"])
        body = await request.json()
        if auth is None or auth["status"] == "DECLINED":
            return _invalid("MISSING_AUTH", "The authorization could not be found.")
        if auth["reversed"]:
            return _invalid("AUTH_ALREADY_REVERSED", "The authorization has been reversed.")
        if auth["captured"]:
            return _invalid("TRANSACTION_ALREADY_SETTLED", "The authorization was captured.")
        amount = _minor(body["orderInformation"]["amountDetails"]["totalAmount"],
                        auth["currency"])  # fmt: skip
        if amount > auth["amount"]:
            return _invalid("EXCEEDS_AUTH_AMOUNT", "The capture exceeds the authorization.")
        auth["captured"] = amount
        cid = _tid()
        self.transactions[cid] = {
            "id": cid, "kind": "capture", "parent": auth["id"], "amount": amount,
            "currency": auth["currency"], "status": "PENDING", "refunded": 0, "voided": False,
            "code": (body.get("clientReferenceInformation") or {}).get("code"),
        }  # fmt: skip
        return web.json_response(
            {
                "_links": {"self": {"href": f"/pts/v2/captures/{cid}", "method": "GET"}},
                "id": cid,
                "submitTimeUtc": _now(),
                "status": "PENDING",
                "reconciliationId": secrets.token_hex(8),
                "clientReferenceInformation": _echo(body),
                "orderInformation": {
                    "amountDetails": {
                        "totalAmount": _major(amount, auth["currency"]),
                        "currency": auth["currency"],
                    }
                },
            },
            status=201,
        )

    async def _reverse(self, request: web.Request) -> web.Response:
        auth = self._auth(request.match_info["id"])
        body = await request.json()
        if auth is None or auth["status"] == "DECLINED":
            return _invalid("MISSING_AUTH", "The authorization could not be found.")
        if auth["reversed"]:
            return _invalid("AUTH_ALREADY_REVERSED", "The authorization has been reversed.")
        if auth["captured"]:
            return _invalid("TRANSACTION_ALREADY_SETTLED", "The authorization was captured.")
        auth["reversed"] = True
        rid = _tid()
        amount = auth["amount"]
        self.transactions[rid] = {
            "id": rid, "kind": "reversal", "parent": auth["id"], "amount": amount,
            "currency": auth["currency"], "status": "REVERSED",
            "code": (body.get("clientReferenceInformation") or {}).get("code"),
        }  # fmt: skip
        return web.json_response(
            {
                "_links": {"self": {"href": f"/pts/v2/reversals/{rid}", "method": "GET"}},
                "id": rid,
                "submitTimeUtc": _now(),
                "status": "REVERSED",
                "reconciliationId": secrets.token_hex(8),
                "clientReferenceInformation": _echo(body),
                "reversalAmountDetails": {
                    "reversedAmount": _major(amount, auth["currency"]),
                    "currency": auth["currency"],
                },
                "processorInformation": {"responseCode": "00"},
            },
            status=201,
        )

    async def _void(self, request: web.Request) -> web.Response:
        capture = self.transactions.get(request.match_info["id"])
        body = await request.json()
        if capture is None or capture["kind"] != "capture":
            return _invalid("INVALID_PAYMENT_ID", "The capture could not be found.")
        if capture["voided"] or capture["refunded"]:
            return _invalid("NOT_VOIDABLE", "The capture cannot be voided.")
        capture["voided"] = True
        capture["status"] = "VOIDED"
        vid = _tid()
        self.transactions[vid] = {
            "id": vid, "kind": "void", "parent": capture["id"], "amount": capture["amount"],
            "currency": capture["currency"], "status": "VOIDED",
        }  # fmt: skip
        return web.json_response(
            {
                "id": vid,
                "submitTimeUtc": _now(),
                "status": "VOIDED",
                "clientReferenceInformation": _echo(body),
                "voidAmountDetails": {
                    "voidAmount": _major(capture["amount"], capture["currency"]),
                    "currency": capture["currency"],
                },
            },
            status=201,
        )

    async def _refund(self, request: web.Request) -> web.Response:
        target = self.transactions.get(request.match_info["id"])
        body = await request.json()
        by_capture = request.path.startswith("/pts/v2/captures/")
        wanted_kind = "capture" if by_capture else "auth"
        if target is None or target["kind"] != wanted_kind:
            return _invalid("INVALID_PAYMENT_ID", "The transaction could not be found.")
        captured = target["amount"] if by_capture else target["captured"]
        if not captured or target.get("voided"):
            return _invalid("INVALID_DATA", "The transaction cannot be refunded.")
        amount = _minor(body["orderInformation"]["amountDetails"]["totalAmount"],
                        target["currency"])  # fmt: skip
        if amount <= 0 or target["refunded"] + amount > captured:
            return _invalid(
                "INVALID_AMOUNT",
                "The requested amount exceeds what is left to refund.",
                "orderInformation.amountDetails.totalAmount",
            )
        target["refunded"] += amount
        rid = _tid()
        self.transactions[rid] = {
            "id": rid, "kind": "refund", "parent": target["id"], "amount": amount,
            "currency": target["currency"], "status": "TRANSMITTED",
            "code": (body.get("clientReferenceInformation") or {}).get("code"),
        }  # fmt: skip
        return web.json_response(
            {
                "_links": {"self": {"href": f"/pts/v2/refunds/{rid}", "method": "GET"}},
                "id": rid,
                "submitTimeUtc": _now(),
                "status": "PENDING",
                "reconciliationId": secrets.token_hex(8),
                "clientReferenceInformation": _echo(body),
                "refundAmountDetails": {
                    "refundAmount": _major(amount, target["currency"]),
                    "currency": target["currency"],
                },
            },
            status=201,
        )

    async def _details(self, request: web.Request) -> web.Response:
        record = self.transactions.get(request.match_info["id"])
        if record is None:
            return web.json_response(
                {"submitTimeUtc": _now(), "status": "NOT_FOUND",
                 "message": "The requested resource does not exist"},
                status=404,
            )  # fmt: skip
        return web.json_response(transaction_details(record, self.merchant_id))

    async def _search(self, request: web.Request) -> web.Response:
        """Transaction Search by ``clientReferenceInformation.code:"<code>"`` (the only
        query this service makes): the matching authorizations, as summaries."""
        body = await request.json()
        match = re.search(r'clientReferenceInformation\.code:"((?:[^"\\]|\\.)*)"', body["query"])
        if match is None:
            return _invalid("INVALID_DATA", "unsupported query", "query")
        code = re.sub(r"\\(.)", r"\1", match.group(1))
        hits = [
            summary(record, self.merchant_id)
            for record in self.transactions.values()
            if record["kind"] == "auth" and record.get("code") == code
        ]
        return web.json_response(
            {
                "searchId": secrets.token_hex(16),
                "save": bool(body.get("save")),
                "name": body.get("name"),
                "timezone": body.get("timezone"),
                "query": body["query"],
                "offset": body.get("offset", 0),
                "limit": body.get("limit", 20),
                "sort": body.get("sort"),
                "count": len(hits),
                "totalCount": len(hits),
                "submitTimeUtc": _now(),
                "_embedded": {"transactionSummaries": hits},
            },
            status=201,
        )

    async def _delete_customer(self, request: web.Request) -> web.Response:
        if self.customers.pop(request.match_info["id"], None) is None:
            return web.json_response(
                {"errors": [{"type": "notFound", "message": "Token not found"}]}, status=404
            )
        return web.Response(status=204)


_APPLICATIONS = {
    "auth": ["ics_auth"],
    "capture": ["ics_bill"],
    "reversal": ["ics_auth_reversal"],
    "void": ["ics_void"],
    "refund": ["ics_credit"],
}


def transaction_details(record: dict[str, Any], merchant_id: str) -> dict[str, Any]:
    """A Transaction Details record (``TssV2TransactionsGet200Response``) of one ledger
    transaction: its application(s), status, amount and reference."""
    names = list(_APPLICATIONS[record["kind"]])
    if record["kind"] == "auth" and record.get("sale") and record["status"] != "DECLINED":
        names.append("ics_bill")
    ok = record["status"] != "DECLINED"
    currency = record["currency"]
    return {
        "id": record["id"],
        "rootId": record.get("parent") or record["id"],
        "merchantId": merchant_id,
        "submitTimeUTC": _now(),
        "applicationInformation": {
            "status": record["status"],
            "reasonCode": "100" if ok else "203",
            "rCode": "1" if ok else "0",
            "rFlag": "SOK" if ok else "DCARDREFUSED",
            "applications": [
                {
                    "name": n,
                    "reasonCode": "100" if ok else "203",
                    "rCode": "1" if ok else "0",
                    "rFlag": "SOK" if ok else "DCARDREFUSED",
                    "rMessage": "Request was processed successfully." if ok else "Declined",
                }
                for n in names
            ],
        },
        "clientReferenceInformation": {"code": record.get("code")} if record.get("code") else {},
        "orderInformation": {
            "amountDetails": {
                "totalAmount": _major(record["amount"], currency),
                "currency": currency,
                **(
                    {"authorizedAmount": _major(record["amount"], currency)}
                    if record["kind"] == "auth"
                    else {}
                ),
            }
        },
    }


def summary(record: dict[str, Any], merchant_id: str) -> dict[str, Any]:
    """A Transaction Search hit (``TssV2TransactionsPost201ResponseEmbedded...``)."""
    details = transaction_details(record, merchant_id)
    app = details["applicationInformation"]
    return {
        "id": record["id"],
        "submitTimeUtc": details["submitTimeUTC"],
        "merchantId": merchant_id,
        "applicationInformation": {k: app[k] for k in ("reasonCode", "rCode", "rFlag")}
        | {"applications": [{k: a[k] for k in ("name", "reasonCode", "rCode", "rFlag",
                                                "rMessage")} for a in app["applications"]]},
        "clientReferenceInformation": details["clientReferenceInformation"],
        "orderInformation": {
            "amountDetails": {
                "totalAmount": _major(record["amount"], record["currency"]),
                "currency": record["currency"],
            }
        },
    }  # fmt: skip


_MISSING = "Declined - The request is missing one or more fields"
_INVALID = "Declined - One or more fields in the request contains invalid data"


def _decrypt(
    fluid: dict[str, Any], token: dict[str, Any], processing: dict[str, Any]
) -> dict[str, Any] | web.Response:
    """A wallet's encrypted token (``fluidData``) as Cybersource decrypts it: base64 of
    the token's JSON, with ``paymentSolution`` 001 (Apple Pay: its descriptor and
    ``tokenizedCard.transactionType`` 1) or 012 (Google Pay). The fake cannot decrypt:
    a well-formed token stands for the wallet's test DPAN (``DECRYPTED_DPAN``)."""
    solution = processing.get("paymentSolution")
    if solution not in DECRYPTED_DPAN:
        return _invalid("MISSING_FIELD", _MISSING, "processingInformation.paymentSolution")
    if solution == "001" and (
        fluid.get("descriptor") != APPLE_PAY_DESCRIPTOR or token.get("transactionType") != "1"
    ):
        return _invalid("INVALID_DATA", _INVALID, "paymentInformation.fluidData.descriptor")
    try:
        blob = json.loads(base64.b64decode(fluid["value"], validate=True))
    except (ValueError, UnicodeDecodeError):
        blob = None
    if not isinstance(blob, dict) or not blob:
        return _invalid("INVALID_DATA", _INVALID, "paymentInformation.fluidData.value")
    return {"number": DECRYPTED_DPAN[solution], "expirationMonth": "12", "expirationYear": "2031"}


def _token_refusal(
    token: dict[str, Any], processing: dict[str, Any], auth_info: dict[str, Any]
) -> web.Response | None:
    """A network token needs its cryptogram; a wallet's (``paymentSolution``) also as
    its authentication value, where the brand wants it (UCAF data for Mastercard, with
    collection indicator 2, else ``cavv``). What Cybersource's guides require."""
    if not token.get("number"):
        return _invalid("MISSING_FIELD", _MISSING, "paymentInformation.tokenizedCard.number")
    cryptogram = token.get("cryptogram")
    if not cryptogram:
        return _invalid("MISSING_FIELD", _MISSING, "paymentInformation.tokenizedCard.cryptogram")
    solution = processing.get("paymentSolution")
    if solution is None:
        return None
    if solution not in WALLETS or token.get("transactionType") != "1":
        return _invalid("INVALID_DATA", "Declined - One or more fields contain invalid data",
                        "processingInformation.paymentSolution")  # fmt: skip
    if token["number"][0] in "25":  # Mastercard
        if auth_info.get("ucafCollectionIndicator") != "2" or not auth_info.get(
            "ucafAuthenticationData"
        ):
            return _invalid("MISSING_FIELD", _MISSING,
                            "consumerAuthenticationInformation.ucafAuthenticationData")  # fmt: skip
    elif not auth_info.get("cavv"):
        return _invalid("MISSING_FIELD", _MISSING, "consumerAuthenticationInformation.cavv")
    return None


def _echo(body: dict[str, Any]) -> dict[str, Any]:
    """The clientReferenceInformation a modification answers: the code sent."""
    code = (body.get("clientReferenceInformation") or {}).get("code")
    return {"code": code} if code else {}


def _invalid(reason: str, message: str, field: str | None = None) -> web.Response:
    body: dict[str, Any] = {
        "submitTimeUtc": _now(),
        "status": "INVALID_REQUEST",
        "reason": reason,
        "message": message,
    }
    if field:
        body["details"] = [{"field": field, "reason": "INVALID_DATA"}]
    return web.json_response(body, status=400)


# --------------------------------------------------------------------------- webhooks


def notification(tid: str, event_type: str = "payments.payments.accept") -> bytes:
    """A webhook notification about transaction ``tid``, shaped as Cybersource's."""
    return json.dumps(
        {
            "eventType": event_type,
            "webhookId": "b2f8e4f1-7f5e-5f3b-e053-" + secrets.token_hex(6),
            "productId": "payments",
            "organizationId": MERCHANT_ID,
            "eventDate": _now(),
            "retryNumber": 0,
            "payloads": {
                "data": {
                    "_links": {"self": {"href": f"/pts/v2/payments/{tid}"}},
                    "id": tid,
                    "type": "payments",
                    "version": "2",
                }
            },
            "notificationId": "not-"
            + hashlib.sha256(f"{tid}{event_type}".encode()).hexdigest()[:24],
        }
    ).encode()


def _digest_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def webhook_headers(body: bytes, secret: str, timestamp_s: int | None = None) -> dict[str, str]:
    """``v-c-signature: t=<ms>;keyId=<id>;sig=<base64 HMAC-SHA256 of "<t>.<body>">``."""
    stamp = int((timestamp_s if timestamp_s is not None else time.time()) * 1000)
    try:
        key = base64.b64decode(secret, validate=True)
    except ValueError:  # not a key Cybersource issues: signed as text (a wrong secret)
        key = secret.encode()
    sig = base64.b64encode(hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).digest())
    return {"v-c-signature": f"t={stamp};keyId={WEBHOOK_KEY_ID};sig={sig.decode()}"}
