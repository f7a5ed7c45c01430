"""Xendit: the Payment Requests API (``/payment_requests``, its captures: cards, QR codes,
e-wallets, virtual accounts), the Payment Methods API (``/v2/payment_methods``, reusable
cards) and the unified Refunds API (``/refunds``), with the secret API key as HTTP Basic
user name (no password).

Why it looks the way it does (the facts are those of Xendit's OpenAPI description as its
official SDK, ``xendit-python``, is generated from; tests/connectors/test_xendit_sdk.py
holds the connector to it):

- amounts are JSON numbers in *major* units (``10000`` rupiah, ``26.5`` pesos); Xendit
  takes IDR in whole rupiah, so an IDR amount with sen is refused, never rounded;
- a card payment is one ``POST /payment_requests`` with ``payment_method.type: CARD``:
  the card in ``payment_method.card.card_information`` and its CVV in the request's
  ``channel_properties.cvv`` (where the SDK's model puts it); ``capture_method: MANUAL``
  authorizes only (``AWAITING_CAPTURE``), a capture is
  ``POST /payment_requests/{id}/captures`` with ``capture_amount`` (partial: less);
- QRIS / PromptPay, e-wallets and bank virtual accounts are one-time payment requests
  with ``payment_method.type`` ``QR_CODE`` / ``EWALLET`` / ``VIRTUAL_ACCOUNT`` and the
  SDK's channel code, captured at once; the answer's QR string, ``AUTH`` url (OVO: none,
  the app is pushed) or account number is the next action, and the ``payment.succeeded``
  callback or a sync settles it (the channel tables are ``EWALLETS`` / ``VA_BANKS``);
- a card needing 3-D Secure answers ``REQUIRES_ACTION`` with an ``AUTH`` action whose
  ``WEB`` url the customer visits; on return the payment request is read again;
- the Payment Requests API has no void: cancelling an authorization exists only in
  Xendit's newer Payments API (``/v3/payments/{py-id}/cancel``), on ids this API does
  not hand out for an uncaptured authorization. So ``void`` is not declared (the service
  answers ``not_supported``; docs/connectors/xendit.md says why in full);
- a stored card is a ``MULTIPLE_USE`` payment method (``pm-...``), charged with
  ``payment_method_id`` and ``initiator: MERCHANT``, revoked by expiring it;
- the caller's key reaches Xendit as its ``idempotency-key`` header on every POST;
- webhooks carry the account's static ``x-callback-token``, which binds no body: a
  webhook is verified by that token (constant time) *and* by reading the object it names
  with the account's key; its state is taken from what was read (docs/connectors/xendit.md).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

import msgspec

from connector_service.connectors import kit
from connector_service.connectors.base import (
    Connector,
    ConnectorContext,
    ConnectorMeta,
    CredentialField,
    HttpRequest,
    HttpResponse,
    Steps,
    drop_none,
    json_body,
    scrub_common,
)
from connector_service.connectors.capabilities import (
    AUTHORIZE,
    CAPTURE,
    RECURRING,
    REFUND,
    MethodSupport,
    takes,
)
from connector_service.connectors.kit import methods as pm_kit
from connector_service.domain.common import (
    AwaitCustomer,
    CardSummary,
    DisplayBankTransfer,
    DisplayQr,
    NextAction,
    RedirectAction,
)
from connector_service.domain.errors import (
    DeclineCode,
    ErrorType,
    Failure,
    GatewayDetail,
    ServiceError,
    decline,
    invalid,
)
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    MandateCompleteData,
    MandateResult,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    RefundResult,
    RefundSyncData,
    StoredMandate,
    SyncData,
    WebhookEvent,
    WebhookEventType,
    WebhookIdentity,
)
from connector_service.domain.money import UnknownCurrency
from connector_service.domain.payment_methods import (
    EWALLET_CURRENCIES,
    Card,
    Ewallet,
    PaymentMethodType,
    PromptPay,
    Qris,
    Token,
    VirtualAccount,
)
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

_PR_ID = re.compile(r"pr-[A-Za-z0-9-]{1,64}")
_PM_ID = re.compile(r"pm-[A-Za-z0-9-]{1,64}")
REFUND_REASONS = frozenset(
    {"FRAUDULENT", "DUPLICATE", "REQUESTED_BY_CUSTOMER", "CANCELLATION", "OTHERS"}
)

# e-wallet provider -> (Xendit's EWalletChannelCode, the currencies: the wallet's own)
_CHANNEL = {
    "ovo": "OVO", "dana": "DANA", "linkaja": "LINKAJA", "astrapay": "ASTRAPAY",
    "jeniuspay": "JENIUSPAY", "shopeepay": "SHOPEEPAY", "gcash": "GCASH", "paymaya": "PAYMAYA",
    "grabpay": "GRABPAY", "touchngo": "TOUCHNGO", "truemoney": "TRUEMONEY",
    "linepay": "LINEPAY", "momo": "MOMO", "zalopay": "ZALOPAY",
}  # fmt: skip
EWALLETS: dict[str, tuple[str, frozenset[str]]] = {
    provider: (code, EWALLET_CURRENCIES[provider]) for provider, code in _CHANNEL.items()
}
# Xendit's VirtualAccountChannelCode, by the currency of the bank's country
VA_BANKS: dict[str, frozenset[str]] = {
    "IDR": frozenset({"BCA", "BJB", "BNI", "BRI", "MANDIRI", "PERMATA", "BSI", "CIMB",
                      "SAHABAT_SAMPOERNA", "ARTAJASA", "BNC", "MUAMALAT"}),
    "VND": frozenset({"PV", "VIETCAPITAL", "WOORI", "MSB", "VPB", "BIDV"}),
}  # fmt: skip
# QR_CODE channels: the unified method -> (QRCodeChannelCode, currency)
QR_CHANNELS: dict[type, tuple[str, str]] = {Qris: ("QRIS", "IDR"), PromptPay: ("PROMPTPAY", "THB")}

_CARDS = takes(AUTHORIZE, CAPTURE, REFUND, RECURRING)
XENDIT_METHODS: dict[PaymentMethodType, MethodSupport] = {
    PaymentMethodType.CARD: _CARDS,
    PaymentMethodType.TOKEN: _CARDS,
    PaymentMethodType.MANDATE: _CARDS,
    # Payment Requests settle these at once (no manual capture); refunds go back to the
    # wallet / the QRIS issuer's account (QRIS: some issuers only, REFUND_NOT_SUPPORTED else)
    PaymentMethodType.QRIS: takes(
        AUTHORIZE, REFUND, countries=frozenset({"ID"}), currencies=frozenset({"IDR"})
    ),
    PaymentMethodType.EWALLET: takes(
        AUTHORIZE,
        REFUND,
        countries=frozenset({"ID", "PH", "MY", "TH", "VN"}),
        currencies=frozenset({"IDR", "PHP", "MYR", "THB", "VND"}),
    ),
    # a bank transfer into a one-off account: Xendit has no refund to the payer's bank
    PaymentMethodType.VIRTUAL_ACCOUNT: takes(
        AUTHORIZE, countries=frozenset({"ID", "VN"}), currencies=frozenset(VA_BANKS)
    ),
    PaymentMethodType.PROMPTPAY: takes(
        AUTHORIZE, countries=frozenset({"TH"}), currencies=frozenset({"THB"})
    ),
}


class XenditConnector(Connector):
    meta = ConnectorMeta(
        name="xendit",
        display_name="Xendit",
        base_url_test="https://api.xendit.co",  # one host: the key (development/production)
        base_url_live="https://api.xendit.co",
        credential_fields=(
            CredentialField(
                "secret_key", "Secret API key (xnd_development_... / xnd_production_...)"
            ),
            CredentialField(
                "webhook_token",
                "Webhook verification token (Dashboard > Settings > Webhooks), sent by "
                "Xendit as x-callback-token",
                False,
            ),
        ),
        option_fields=(
            CredentialField(
                "for_user_id",
                "xenPlatform: the sub-account to act for (sent as for-user-id)",
                False,
            ),
        ),
        methods=XENDIT_METHODS,
        currencies=frozenset({"IDR", "PHP", "THB", "VND", "MYR", "SGD", "USD"}),
        countries=frozenset({"ID", "PH", "TH", "VN", "MY", "SG"}),
        idempotency="idempotency-key header",
        docs_url="https://developers.xendit.co/api-reference/",
        secret_fields=("secret_key", "webhook_token"),
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(ctx: ConnectorContext) -> dict[str, str]:
        return {
            "Authorization": kit.basic_auth(ctx.credential("secret_key"), ""),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def _call(
        self,
        ctx: ConnectorContext,
        method: str,
        path: str,
        flow: Flow,
        body: dict[str, Any] | None = None,
        *,
        key_suffix: str = "",
    ) -> HttpRequest:
        """A request; a POST carries the caller's key as Xendit's ``idempotency-key``
        (a repeat is answered as the first), so re-sending it cannot act twice."""
        headers = self._headers(ctx)
        if ctx.options.get("for_user_id"):
            headers["for-user-id"] = ctx.options["for_user_id"]
        idempotent = method == "GET"
        if method == "POST" and ctx.idempotency_key:
            headers["idempotency-key"] = ctx.idempotency_key + key_suffix
            idempotent = True
        raw = json_body(drop_none(body)) if body is not None else None
        return HttpRequest(
            method, f"{ctx.base_url}{path}", headers, raw, flow=flow.value, idempotent=idempotent
        )

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        if data.setup_future_usage:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "not_supported",
                "Xendit stores a card as a payment method made first: set it up with "
                "POST /v1/mandates, then charge the mandate",
                field="setup_future_usage",
            )
        pm = data.payment_method
        currency = data.currency.upper()
        body: dict[str, Any] = {
            "reference_id": data.reference,
            "amount": _amount(data.amount, currency),
            "currency": currency,
            "description": data.description,
            "capture_method": "MANUAL"
            if data.capture_method is CaptureMethod.MANUAL
            else "AUTOMATIC",
            "metadata": dict(data.metadata) or None,
        }
        if isinstance(pm, StoredMandate):
            body |= {
                "payment_method_id": pm.ref.connector_mandate_id,
                "initiator": "MERCHANT",
                "channel_properties": {"cardonfile_type": "MERCHANT_UNSCHEDULED"},
            }
            return self._call(ctx, "POST", "/payment_requests", Flow.CHARGE_MANDATE, body)
        if isinstance(pm, (Qris, PromptPay, Ewallet, VirtualAccount)):
            # one-step channels: no capture_method (it is the cards' field)
            body["capture_method"] = None
            body["payment_method"] = _channel_method(ctx, data, pm, currency)
        elif isinstance(pm, Token) and _PM_ID.fullmatch(pm.token):
            body["payment_method_id"] = pm.token  # a payment method made by Xendit.js
        elif isinstance(pm, Card):
            return_url = data.return_url or ctx.public_url
            body["payment_method"] = {
                "type": "CARD",
                "reusability": "ONE_TIME_USE",
                "card": {
                    "channel_properties": {
                        "skip_three_d_secure": False,
                        "success_return_url": return_url,
                        "failure_return_url": return_url,
                    },
                    "card_information": _card_information(pm),
                },
            }
            if pm.cvc is not None:
                body["channel_properties"] = {"cvv": pm.cvc.reveal()}
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Xendit takes a card, a payment method id (pm-...), a mandate, qris, "
                "promptpay, ewallet or virtual_account",
                field="payment_method.type",
            )
        return self._call(ctx, "POST", "/payment_requests", Flow.AUTHORIZE, body)

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        # Back from the AUTH action's page: the payment request now carries the outcome.
        prid = kit.segment(data.payment.connector_payment_id)
        return self._call(ctx, "GET", f"/payment_requests/{prid}", Flow.COMPLETE_AUTHORIZE)

    def steps_sync(self, ctx: ConnectorContext, data: SyncData) -> Steps:
        """The payment request; once a manual one has ``SUCCEEDED``, its captures too
        (the payment request does not say how much of it was captured). A create whose
        answer was lost (no id yet) is looked up by the ``reference_id`` it was sent
        with: none found is unresolved, never a guess."""
        pid = data.payment.connector_payment_id
        if pid:
            answer = yield self._call(
                ctx, "GET", f"/payment_requests/{kit.segment(pid)}", Flow.SYNC
            )
            request = _payment_request(answer)
        else:
            reference = kit.require_id(data.payment.meta.get("reference"), Flow.SYNC.value)
            query = urlencode({"reference_id": reference, "limit": 10})
            listed = yield self._call(ctx, "GET", f"/payment_requests?{query}", Flow.SYNC)
            found = kit.decode_as(_object(listed), PaymentRequestList)
            if found is None or not found.data:
                return PaymentResult(
                    status=PaymentStatus.UNRESOLVED, pending_reason="not_found_at_gateway"
                )
            request = max(found.data, key=lambda doc: doc.created or "")
        path = f"/payment_requests/{kit.segment(request.id)}"
        result = _payment(request)
        if request.status == "SUCCEEDED" and request.capture_method == "MANUAL":
            listed = yield self._call(ctx, "GET", f"{path}/captures", Flow.SYNC)
            captures = kit.decode_as(_object(listed), CaptureList)
            if captures is not None and captures.data:
                captured = sum(
                    (_minor(c.captured_amount, c.currency) or 0)
                    for c in captures.data
                    if c.status == "SUCCEEDED"
                )
                result.amount_captured = captured
                if result.amount is not None and 0 < captured < result.amount:
                    result.status = PaymentStatus.PARTIALLY_CAPTURED
        return result

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        prid = kit.segment(data.payment.connector_payment_id)
        body = {
            "capture_amount": _amount(data.amount, data.payment.currency),
            "reference_id": data.reference or None,
        }
        return self._call(ctx, "POST", f"/payment_requests/{prid}/captures", Flow.CAPTURE, body)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        reason = (data.reason or "").upper().replace(" ", "_")
        body = {
            "payment_request_id": kit.require_id(
                data.payment.connector_payment_id, Flow.REFUND.value
            ),
            "reference_id": data.reference,
            "amount": _amount(data.amount, data.payment.currency),
            "currency": data.payment.currency.upper(),
            "reason": reason
            if reason in REFUND_REASONS
            else ("OTHERS" if data.reason else "REQUESTED_BY_CUSTOMER"),
            "metadata": dict(data.metadata) or None,
        }
        return self._call(ctx, "POST", "/refunds", Flow.REFUND, body)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        rid = kit.segment(data.refund.connector_refund_id)
        return self._call(ctx, "GET", f"/refunds/{rid}", Flow.REFUND_SYNC)

    def build_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> HttpRequest:
        pm = data.payment_method
        if not isinstance(pm, Card):
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Xendit stores a card given as card details",
                field="payment_method.type",
            )
        return_url = data.return_url or ctx.public_url
        info = _card_information(pm)
        if pm.cvc is not None:
            info["cvv"] = pm.cvc.reveal()
        body = {
            "type": "CARD",
            "reusability": "MULTIPLE_USE",
            "reference_id": data.reference,
            "description": data.description,
            "card": {
                "currency": data.currency.upper(),
                "channel_properties": {
                    "skip_three_d_secure": False,
                    "success_return_url": return_url,
                    "failure_return_url": return_url,
                    "cardonfile_type": "MERCHANT_UNSCHEDULED",
                },
                "card_information": info,
            },
            "metadata": dict(data.metadata) or None,
        }
        return self._call(ctx, "POST", "/v2/payment_methods", Flow.SETUP_MANDATE, body)

    def build_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData
    ) -> HttpRequest:
        pmid = kit.segment(data.mandate.connector_mandate_id)
        return self._call(ctx, "GET", f"/v2/payment_methods/{pmid}", Flow.COMPLETE_MANDATE)

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        pmid = kit.segment(data.mandate.connector_mandate_id)
        return self._call(
            ctx, "POST", f"/v2/payment_methods/{pmid}/expire", Flow.REVOKE_MANDATE, {}
        )

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        body = kit.obj(response.json())
        code = kit.text(body.get("error_code"))
        if response.status >= 400 and code in DECLINE_CODES:
            # A decline answered as an error is still a result (the payment failed).
            return PaymentResult(
                status=PaymentStatus.FAILED,
                connector_payment_id=None,
                amount=data.amount,
                connector_status=code,
                failure=_decline(code, kit.text(body.get("message"))),
            )
        return _payment(_payment_request(response))

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        return _payment(_payment_request(response))

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        capture = kit.decode_as(_object(response, not_allowed="payment_not_capturable"), Capture)
        if capture is None or not capture.id:
            raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Xendit made no capture.")
        captured = _minor(capture.captured_amount, capture.currency)
        authorized = _minor(capture.authorized_amount, capture.currency) or data.payment.amount
        status = kit.status_of(CAPTURE_STATUS, capture.status, PaymentStatus.PROCESSING)
        if status is PaymentStatus.CAPTURED and captured is not None and captured < authorized:
            status = PaymentStatus.PARTIALLY_CAPTURED
        return PaymentResult(
            status=status,
            connector_payment_id=capture.payment_request_id or data.payment.connector_payment_id,
            amount=authorized,
            amount_captured=captured if status is not PaymentStatus.PROCESSING else None,
            connector_status=f"capture {capture.status}",
            pending_reason="capture_pending" if status is PaymentStatus.PROCESSING else None,
            failure=_decline(capture.failure_code or "PROCESSOR_ERROR", None)
            if status is PaymentStatus.FAILED
            else None,
            meta=_ids(capture_id=capture.id, payment_id=capture.payment_id),
        )

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_object(response, not_allowed="payment_not_refundable"))

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_object(response))

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData, response: HttpResponse
    ) -> MandateResult:
        return _mandate(_payment_method(response))

    def parse_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData, response: HttpResponse
    ) -> MandateResult:
        return _mandate(_payment_method(response))

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        method = _payment_method(response)
        if method.status != "EXPIRED":
            raise ServiceError(
                ErrorType.CONNECTOR,
                "gateway_error",
                f"Xendit left the payment method {method.status}, not EXPIRED",
            )
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=method.id,
            connector_customer_id=method.customer_id or data.mandate.customer_id,
            connector_status=method.status,
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """``<event>:<data.id>:<data.status>``: Xendit's callbacks carry no event id, and a
        redelivery of one change carries the same three."""
        doc = _callback(body)
        if doc is None:
            return WebhookIdentity(event_id=None)
        return WebhookIdentity(event_id=f"{doc.event}:{doc.data.id}:{doc.data.status or '-'}")

    def webhook_verify(
        self, ctx: ConnectorContext, headers: dict[str, str], body: bytes
    ) -> bool | HttpRequest:
        """The account's token in ``x-callback-token`` (constant time), then the object the
        callback names read with the account's key: the token binds no body, so a
        tampered id is one the account cannot read (404). With a good token the sender
        is Xendit: a body that names nothing readable is verified as sent, and
        :meth:`webhook_parse` answers it (garbage is a 400, never stored)."""
        secret = ctx.credentials.get("webhook_token")
        expected = secret.reveal() if secret is not None else ""
        given = headers.get("x-callback-token", "").strip()  # headers arrive lower-cased
        if not expected or not given or not kit.constant_time_equal(given, expected):
            return False
        doc = _callback(body)
        path = _named(doc) if doc is not None else None
        if path is None:
            return True
        return self._call(ctx, "GET", path, Flow.VERIFY_WEBHOOK)

    def parse_verify_webhook(self, ctx: ConnectorContext, response: HttpResponse) -> bool:
        if response.status >= 500 or response.status == 429:
            raise kit.gateway_error(response, code=None, message="Xendit is unavailable")
        if response.status != 200:
            return False  # 404: not this account's object; 401/403: not this account's key
        return bool(kit.text(kit.obj(response.json()).get("id")))

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        """A callback verified by its token alone, which named nothing to read back:
        garbage, and a payment / refund / payment-method callback without a readable id,
        are a 400 (such a body is only believed once read back); another family
        (``invoice.*``, ...) is one unknown event."""
        doc = _checked_callback(body)
        if doc.event.split(".", 1)[0] in ("payment", "refund", "payment_method"):
            raise invalid(
                "invalid_webhook",
                "a Xendit payment, refund or payment method callback must name its object "
                "(pr-..., rfd-..., pm-...)",
                "data.id",
            )
        return [_event(doc, None)]

    def webhook_parse_fetched(
        self, headers: dict[str, str], body: bytes, response: HttpResponse
    ) -> list[WebhookEvent]:
        """As :meth:`webhook_parse`, with the state taken from the object read to verify
        it (the token does not bind the body's fields)."""
        doc = _checked_callback(body)
        fetched = kit.obj(response.json())
        if kit.text(fetched.get("id")) not in (doc.data.payment_request_id, doc.data.id):
            raise invalid("invalid_webhook", "the object read is not the one named", "data.id")
        return [_event(doc, fetched)]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        """The common scrub, plus Xendit's key shapes, the callback token header, the
        card fields under Xendit's names (``card_number``, ``cvv``) and an e-wallet's
        ``mobile_number``, wherever they are."""
        text = _API_KEY.sub("[REDACTED]", transcript)
        text = _CALLBACK_TOKEN.sub(r"\1[REDACTED]", text)
        text = _CARD_NUMBER.sub(r"\1[CARD]\2", text)
        text = _MOBILE_NUMBER.sub(r"\1[REDACTED]\2", text)
        return scrub_common(text)


# Xendit keys are base64-like: ``xnd_development_P4qD...+R1l9Wbe+rSiCwZ3jw==``.
_API_KEY = re.compile(r"\bxnd_(?:development|production|public_development|public_production)_"
                      r"[A-Za-z0-9+/]{8,}={0,2}")  # fmt: skip
_CALLBACK_TOKEN = re.compile(r"(?im)^((?:[<>] )?x-callback-token\s*:\s*).+$")
_CARD_NUMBER = re.compile(r'("card_number"\s*:\s*")[^"]*(")')
# an e-wallet's phone number (OVO's account): the payer's, not the transcript reader's
# (in JSON, or escaped inside a JSON string: a body logged as a string)
_MOBILE_NUMBER = re.compile(r'(\\?"mobile_number\\?"\s*:\s*\\?")[^"\\]*(\\?")')


# --------------------------------------------------------------------------- Xendit objects


class CardInformation(msgspec.Struct, frozen=True):
    masked_card_number: str | None = None
    network: str | None = None
    expiry_month: str | None = None
    expiry_year: str | None = None
    cardholder_name: str | None = None
    token_id: str | None = None


class CardDetails(msgspec.Struct, frozen=True):
    card_information: CardInformation | None = None


class Action(msgspec.Struct, frozen=True):
    action: str | None = None
    url_type: str | None = None
    method: str | None = None
    url: str | None = None
    qr_code: str | None = None


class QrCodeProperties(msgspec.Struct, frozen=True):
    qr_string: str | None = None
    expires_at: str | None = None


class QrCode(msgspec.Struct, frozen=True):
    channel_code: str | None = None
    channel_properties: QrCodeProperties | None = None


class EwalletDetails(msgspec.Struct, frozen=True):
    channel_code: str | None = None


class VirtualAccountProperties(msgspec.Struct, frozen=True):
    customer_name: str | None = None
    virtual_account_number: str | None = None
    expires_at: str | None = None


class VirtualAccountDetails(msgspec.Struct, frozen=True):
    channel_code: str | None = None
    channel_properties: VirtualAccountProperties | None = None


class XenditPaymentMethod(msgspec.Struct, frozen=True):
    id: str
    type: str | None = None
    status: str | None = None
    reusability: str | None = None
    customer_id: str | None = None
    card: CardDetails | None = None
    qr_code: QrCode | None = None
    ewallet: EwalletDetails | None = None
    virtual_account: VirtualAccountDetails | None = None
    actions: list[Action] | None = None
    failure_code: str | None = None


class XenditPaymentRequest(msgspec.Struct, frozen=True):
    """The fields of a PaymentRequest read here (Xendit sends more; they are ignored)."""

    id: str
    status: str
    currency: str
    amount: float | None = None
    reference_id: str | None = None
    capture_method: str | None = None
    failure_code: str | None = None
    payment_method: XenditPaymentMethod | None = None
    actions: list[Action] | None = None
    customer_id: str | None = None
    created: str | None = None
    updated: str | None = None


class Capture(msgspec.Struct, frozen=True):
    id: str = ""
    payment_request_id: str | None = None
    payment_id: str | None = None
    currency: str = ""
    authorized_amount: float | None = None
    captured_amount: float | None = None
    status: str = ""
    failure_code: str | None = None


class CaptureList(msgspec.Struct, frozen=True):
    data: list[Capture] = []


class PaymentRequestList(msgspec.Struct, frozen=True):
    data: list[XenditPaymentRequest] = []


class XenditRefund(msgspec.Struct, frozen=True):
    id: str = ""
    payment_request_id: str | None = None
    amount: float | None = None
    currency: str | None = None
    status: str | None = None
    failure_code: str | None = None
    reference_id: str | None = None


class CallbackData(msgspec.Struct, frozen=True):
    id: str
    status: str | None = None
    payment_request_id: str | None = None
    payment_id: str | None = None  # a refund's: the payment request's id
    amount: float | None = None
    currency: str | None = None
    failure_code: str | None = None
    updated: str | None = None
    created: str | None = None


class Callback(msgspec.Struct, frozen=True):
    event: str
    data: CallbackData
    business_id: str | None = None
    created: str | None = None


# --------------------------------------------------------------------------- 5. status maps

PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "PENDING": PaymentStatus.PROCESSING,
    "REQUIRES_ACTION": PaymentStatus.REQUIRES_ACTION,  # refined: without an AUTH url, processing
    "AWAITING_CAPTURE": PaymentStatus.AUTHORIZED,
    "SUCCEEDED": PaymentStatus.CAPTURED,  # refined by the captures (partial capture)
    "CANCELED": PaymentStatus.VOIDED,
    "VOIDED": PaymentStatus.VOIDED,
    "FAILED": PaymentStatus.FAILED,
    "EXPIRED": PaymentStatus.FAILED,  # the customer never completed it
    "UNKNOWN": PaymentStatus.PROCESSING,  # Xendit's own "not known yet": never success
}
CAPTURE_STATUS: dict[str, PaymentStatus] = {
    "SUCCEEDED": PaymentStatus.CAPTURED,
    "FAILED": PaymentStatus.FAILED,
}
REFUND_STATUS: dict[str, RefundStatus] = {
    "PENDING": RefundStatus.PENDING,
    "SUCCEEDED": RefundStatus.SUCCEEDED,
    "FAILED": RefundStatus.FAILED,
    "CANCELLED": RefundStatus.FAILED,
}
MANDATE_STATUS: dict[str, MandateStatus] = {
    "ACTIVE": MandateStatus.ACTIVE,
    "PENDING": MandateStatus.PENDING,  # refined: an AUTH action to follow
    "REQUIRES_ACTION": MandateStatus.PENDING,
    "INACTIVE": MandateStatus.REVOKED,
    "EXPIRED": MandateStatus.REVOKED,
    "FAILED": MandateStatus.FAILED,
}
# Payment Requests callbacks (v1 names, and the Payments API's where they differ)
WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "payment.succeeded": WebhookEventType.PAYMENT_CAPTURED,
    "payment.capture": WebhookEventType.PAYMENT_CAPTURED,
    "payment.awaiting_capture": WebhookEventType.PAYMENT_AUTHORIZED,
    "payment.authorization": WebhookEventType.PAYMENT_AUTHORIZED,
    "payment.pending": WebhookEventType.PAYMENT_PROCESSING,
    "payment.failed": WebhookEventType.PAYMENT_FAILED,
    "payment.failure": WebhookEventType.PAYMENT_FAILED,
    "payment.expiry": WebhookEventType.PAYMENT_VOIDED,  # an authorization not captured in time
    "refund.succeeded": WebhookEventType.REFUND_SUCCEEDED,
    "refund.failed": WebhookEventType.REFUND_FAILED,
    "payment_method.activated": WebhookEventType.MANDATE_ACTIVE,
    "payment_method.expired": WebhookEventType.MANDATE_REVOKED,
    "payment_method.failed": WebhookEventType.MANDATE_FAILED,
}
STATE_EVENTS: dict[PaymentStatus, WebhookEventType] = {
    PaymentStatus.CAPTURED: WebhookEventType.PAYMENT_CAPTURED,
    PaymentStatus.AUTHORIZED: WebhookEventType.PAYMENT_AUTHORIZED,
    PaymentStatus.PROCESSING: WebhookEventType.PAYMENT_PROCESSING,
    PaymentStatus.REQUIRES_ACTION: WebhookEventType.PAYMENT_REQUIRES_ACTION,
    PaymentStatus.FAILED: WebhookEventType.PAYMENT_FAILED,
    PaymentStatus.VOIDED: WebhookEventType.PAYMENT_VOIDED,
}


# --------------------------------------------------------------------------- 6. error maps

# failure_code of a failed card payment (and error_code of a decline answered as an error)
_DECLINES = (
    (DeclineCode.GENERIC_DECLINE, "CARD_DECLINED DECLINED_BY_PROCESSOR PAYMENT_STATUS_FAILED"),
    (DeclineCode.DO_NOT_HONOR, "DECLINED_BY_ISSUER REJECTED_BY_ACQUIRER"),
    (DeclineCode.INSUFFICIENT_FUNDS, "INSUFFICIENT_BALANCE"),
    (DeclineCode.EXPIRED_CARD, "EXPIRED_CARD"),
    (DeclineCode.INCORRECT_CVC, "INVALID_CVV"),
    (DeclineCode.STOLEN_CARD, "STOLEN_CARD"),
    (DeclineCode.FRAUD_SUSPECTED, "SUSPECTED_FRAUDULENT DENIED_PERSON_LIST_MATCHED"),
    (DeclineCode.RESTRICTED_CARD, "INACTIVE_OR_UNAUTHORIZED_CARD"),
    (DeclineCode.AUTHENTICATION_FAILED,
     "AUTHENTICATION_FAILED USER_DID_NOT_AUTHORIZE_THE_PAYMENT USER_DECLINED_THE_TRANSACTION"),
    (DeclineCode.AUTHENTICATION_REQUIRED,
     "AUTHENTICATION_REQUIRED STRONG_CUSTOMER_AUTHENTICATION_REQUIRED"),
    (DeclineCode.ISSUER_UNAVAILABLE, "ISSUER_UNAVAILABLE"),
    (DeclineCode.TRY_AGAIN_LATER, "PROCESSOR_TEMPORARILY_UNAVAILABLE PROCESSOR_TIMEOUT"),
    (DeclineCode.PROCESSING_ERROR, "PROCESSOR_ERROR"),
    (DeclineCode.LIMIT_EXCEEDED, "MAX_AMOUNT_LIMIT_ERROR"),
    (DeclineCode.INVALID_PAYMENT_DATA, "ADDRESS_VALIDATION_FAILED INVALID_ACCOUNT_DETAILS"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)
DECLINE_CODES = frozenset(code for _, codes in _DECLINES for code in codes.split())

# Xendit errors are {"error_code", "message", "errors"?}, keyed by error_code.
_R = kit.ErrorRule
ERROR_MAP: kit.ErrorTable = {
    "API_VALIDATION_ERROR": _R(ErrorType.INVALID_REQUEST, "gateway_rejected_request"),
    "INVALID_PAYMENT_METHOD": _R(ErrorType.INVALID_REQUEST, "invalid_field",
                                 "payment_method"),
    "CURRENCY_MISMATCHED": _R(ErrorType.INVALID_REQUEST, "currency_not_supported", "currency"),
    "AMOUNT_MISMATCHED": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "EXCEEDS_CAPTURABLE_AMOUNT": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "MAXIMUM_REFUND_AMOUNT_REACHED": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "PARTIAL_REFUND_NOT_SUPPORTED": _R(ErrorType.NOT_SUPPORTED, "not_supported", "amount"),
    "REFUND_NOT_SUPPORTED": _R(ErrorType.NOT_SUPPORTED, "not_supported"),
    "MANUAL_CAPTURE_NOT_SUPPORTED": _R(ErrorType.NOT_SUPPORTED, "not_supported",
                                       "capture_method"),
    "CHANNEL_NOT_ACTIVATED": _R(ErrorType.NOT_SUPPORTED, "payment_method_not_supported",
                                "payment_method.type"),
    "FEATURE_NOT_ACTIVATED": _R(ErrorType.NOT_SUPPORTED, "not_supported"),
    "PAYMENT_METHOD_NOT_FOUND_ERROR": _R(ErrorType.INVALID_REQUEST, "invalid_mandate",
                                         "payment_method.mandate_id"),
    "CUSTOMER_PAYMENT_METHOD_MISMATCHED": _R(ErrorType.INVALID_REQUEST, "invalid_mandate",
                                             "payment_method.mandate_id"),
    "PAYMENT_REQUEST_ALREADY_COMPLETED": _R(ErrorType.CONFLICT, "payment_not_capturable"),
    "PAYMENT_REQUEST_ALREADY_FAILED": _R(ErrorType.CONFLICT, "payment_not_capturable"),
    "PAYMENT_REQUEST_ALREADY_FULLY_CAPTURED": _R(ErrorType.CONFLICT, "payment_not_capturable"),
    "INELIGIBLE_TRANSACTION": _R(ErrorType.CONFLICT, "payment_not_refundable"),
    "REFUND_IN_PROGRESS": _R(ErrorType.CONFLICT, "payment_not_refundable"),
    "OPERATION_NOT_ALLOWED": _R(ErrorType.CONFLICT, "operation_not_allowed"),
    "DUPLICATE_ERROR": _R(ErrorType.CONFLICT, "duplicate_request"),
    "DUPLICATE_REFERENCE": _R(ErrorType.CONFLICT, "duplicate_reference", "reference"),
    "IDEMPOTENCY_ERROR": _R(ErrorType.CONFLICT, "idempotency_key_reused"),
    "DATA_NOT_FOUND": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "DATA_NOT_FOUND_ERROR": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "TRANSACTION_NOT_FOUND": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "INVALID_API_KEY": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "UNAUTHORIZED": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "REQUEST_FORBIDDEN_ERROR": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
}  # fmt: skip


def _object(response: HttpResponse, *, not_allowed: str | None = None) -> dict[str, Any]:
    body = kit.obj(response.json())
    if response.status < 300:
        return body
    raise _error(response, body, not_allowed)


def _error(response: HttpResponse, body: dict[str, Any], not_allowed: str | None) -> ServiceError:
    code = kit.text(body.get("error_code"))
    message = kit.text(body.get("message"))
    if not_allowed and code in ("OPERATION_NOT_ALLOWED", "INELIGIBLE_TRANSACTION",
                                "PAYMENT_REQUEST_ALREADY_COMPLETED"):  # fmt: skip
        # "Cannot capture / refund (now)": the payment's state, not the request, is at fault.
        gateway = GatewayDetail(code=code, message=message, http_status=response.status)
        return ServiceError(
            ErrorType.CONFLICT, not_allowed, message or "Xendit refused it now.", gateway=gateway
        )
    return kit.error_from(response, ERROR_MAP, codes=[code], message=message)


def _payment_request(response: HttpResponse) -> XenditPaymentRequest:
    doc = kit.decode_as(_object(response), XenditPaymentRequest)
    if doc is None or not doc.id:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Xendit answered no payment request."
        )
    return doc


def _payment_method(response: HttpResponse) -> XenditPaymentMethod:
    doc = kit.decode_as(_object(response), XenditPaymentMethod)
    if doc is None or not doc.id:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Xendit answered no payment method."
        )
    return doc


def _decline(code: str | None, message: str | None) -> Failure:
    return decline(
        kit.decline_of(DECLINE_MAP, code, default=DeclineCode.GENERIC_DECLINE),
        raw_code=code,
        raw_message=message,
    )


# --------------------------------------------------------------------------- helpers

# Xendit takes IDR in whole rupiah (ISO 4217 gives it two decimals).
XENDIT = kit.Exponents("Xendit", {"IDR": 0})


def _amount(minor: int, currency: str) -> int | float:
    """ISO minor units -> Xendit's JSON number in major units (``10000``, ``26.5``)."""
    code = currency.upper()
    try:
        major = Decimal(XENDIT.to_major(minor, code))
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None
    return int(major) if major == major.to_integral_value() else float(major)


def _minor(value: float | None, currency: str | None) -> int | None:
    if value is None or not currency:
        return None
    try:
        return XENDIT.from_major(str(Decimal(repr(value))), currency)
    except (ValueError, UnknownCurrency, InvalidOperation):
        return None


def _card_information(card: Card) -> dict[str, Any]:
    return {
        "card_number": card.number.reveal(),
        "expiry_month": f"{card.exp_month:02d}",
        "expiry_year": str(card.exp_year),
        "cardholder_name": card.holder_name,
    }


def _channel_method(
    ctx: ConnectorContext,
    data: AuthorizeData,
    pm: Qris | PromptPay | Ewallet | VirtualAccount,
    currency: str,
) -> dict[str, Any]:
    """The ``payment_method`` of a one-time QR code, e-wallet or virtual account payment
    request (the SDK's ``QRCodeParameters`` / ``EWalletParameters`` /
    ``VirtualAccountParameters``). The channel must be one Xendit takes in ``currency``:
    asking GCash for rupiah is refused here, naming the field, not at Xendit."""
    method: dict[str, Any] = {"reusability": "ONE_TIME_USE"}
    if isinstance(pm, (Qris, PromptPay)):
        channel, wanted = QR_CHANNELS[type(pm)]
        if currency != wanted:
            raise _not_in(currency, f"{channel} payments are in {wanted} only")
        seconds = pm.expires_after_seconds if isinstance(pm, Qris) else None
        qr_props = {"expires_at": _expires_at(seconds)} if seconds else None
        return method | {
            "type": "QR_CODE",
            "qr_code": {"channel_code": channel, "channel_properties": qr_props},
        }
    if isinstance(pm, Ewallet):
        channel, currencies = EWALLETS[pm.provider]
        if currency not in currencies:
            raise _not_in(currency, f"Xendit takes {channel} in {', '.join(sorted(currencies))}")
        if pm.phone is not None and channel == "OVO":
            # OVO pushes the request to the app of this number: nothing to redirect to
            props: dict[str, Any] = {"mobile_number": pm.phone}
        else:
            return_url = data.return_url or ctx.public_url
            props = {"success_return_url": return_url, "failure_return_url": return_url}
            if pm.phone is not None:
                props["mobile_number"] = pm.phone
        return method | {
            "type": "EWALLET",
            "ewallet": {"channel_code": channel, "channel_properties": props},
        }
    bank = pm.bank.upper()
    if bank not in VA_BANKS.get(currency, frozenset()):
        raise pm_kit.bad_field(
            "payment_method.bank",
            f"Xendit has no {currency} virtual account at {bank!r} (it has "
            f"{', '.join(sorted(VA_BANKS.get(currency, frozenset()))) or 'none'})",
        )
    name = pm_kit.require_field(
        pm.account_holder_name or pm_kit.holder_name(data.billing, data.customer),
        "payment_method.account_holder_name",
        "Xendit",
        "virtual_account",
        "the name the bank shows (account_holder_name, or the customer's name)",
    )
    va_props: dict[str, Any] = {"customer_name": name}
    if pm.expires_after_days:
        va_props["expires_at"] = _expires_at(pm.expires_after_days * 86400)
    return method | {
        "type": "VIRTUAL_ACCOUNT",
        "virtual_account": {"channel_code": bank, "channel_properties": va_props},
    }


def _not_in(currency: str, why: str) -> ServiceError:
    return ServiceError(
        ErrorType.NOT_SUPPORTED, "currency_not_supported", f"{why}, not {currency}",
        field="currency",
    )  # fmt: skip


def _expires_at(seconds: int) -> str:
    """RFC 3339 UTC, ``seconds`` from now (Xendit takes an instant, not a duration)."""
    return kit.utc_after(seconds)


# Where an AUTH action sends the customer, best first (a deeplink opens only on a phone).
_URL_TYPES = ("WEB", "MOBILE", None, "DEEPLINK")


def _auth_url(actions: list[Action] | None) -> str | None:
    found = {a.url_type: a.url for a in actions or [] if a.action == "AUTH" and a.url}
    return next((found[t] for t in _URL_TYPES if t in found), None)


def _channel_action(doc: XenditPaymentRequest) -> NextAction | None:
    """What the customer does to pay a QR code, e-wallet or virtual account payment
    request that is still open: scan the QR string, approve on the wallet's page (or,
    OVO, in the app: nothing to redirect to), or transfer to the account number."""
    method = doc.payment_method
    if method is None or doc.status not in ("PENDING", "REQUIRES_ACTION"):
        return None
    if method.qr_code is not None:
        props = method.qr_code.channel_properties
        qr = props.qr_string if props else None
        qr = qr or next((a.qr_code for a in doc.actions or [] if a.qr_code), None)
        if not qr:
            return None
        return DisplayQr(url="", payload=qr, expires_at=props.expires_at if props else None)
    if method.virtual_account is not None:
        va = method.virtual_account
        vprops = va.channel_properties
        if vprops is None or not vprops.virtual_account_number:
            return None
        return DisplayBankTransfer(
            url="",
            bank=va.channel_code or "",
            account_number=vprops.virtual_account_number,
            account_holder_name=vprops.customer_name,
            expires_at=vprops.expires_at,
        )
    if method.ewallet is not None:
        url = _auth_url(doc.actions)
        if url:
            return RedirectAction(url=url)
        if method.ewallet.channel_code == "OVO":
            return AwaitCustomer(url="", message="Approve the payment in the OVO app")
    return None


def _next_action(doc: XenditPaymentRequest) -> NextAction | None:
    if doc.payment_method is not None and doc.payment_method.type in _CHANNEL_TYPES:
        return _channel_action(doc)
    url = _auth_url(doc.actions)
    return RedirectAction(url=url) if doc.status == "REQUIRES_ACTION" and url else None


_CHANNEL_TYPES = frozenset({"QR_CODE", "EWALLET", "VIRTUAL_ACCOUNT"})


def _status(doc: XenditPaymentRequest, action: NextAction | None) -> PaymentStatus:
    """An open payment request (``PENDING``, ``REQUIRES_ACTION``) is requires_action when
    there is something to show the customer (a 3-D Secure page, a QR string, a wallet
    page, OVO's app, an account number), else processing: never success."""
    status = kit.status_of(PAYMENT_STATUS, doc.status, PaymentStatus.PROCESSING)
    if doc.status in ("PENDING", "REQUIRES_ACTION"):
        return PaymentStatus.REQUIRES_ACTION if action is not None else PaymentStatus.PROCESSING
    return status


def _payment(doc: XenditPaymentRequest) -> PaymentResult:
    action = _next_action(doc)
    status = _status(doc, action)
    amount = _minor(doc.amount, doc.currency)
    method = doc.payment_method
    return PaymentResult(
        status=status,
        connector_payment_id=doc.id,
        amount=amount,
        amount_captured=amount if status is PaymentStatus.CAPTURED else None,
        connector_status=doc.status,
        next_action=action if status is PaymentStatus.REQUIRES_ACTION else None,
        failure=_decline(doc.failure_code, None) if status is PaymentStatus.FAILED else None,
        pending_reason=(
            "awaiting_customer" if doc.status == "REQUIRES_ACTION" else "pending_gateway"
        )
        if status is PaymentStatus.PROCESSING
        else None,
        card=_summary(method.card if method else None),
        reference=doc.reference_id,
        meta=_ids(payment_method_id=method.id if method else None),
    )


def _mandate(method: XenditPaymentMethod) -> MandateResult:
    status = kit.status_of(MANDATE_STATUS, method.status, MandateStatus.PENDING)
    url = _auth_url(method.actions)
    if status is MandateStatus.PENDING and url is None and method.status == "REQUIRES_ACTION":
        status = MandateStatus.FAILED
    return MandateResult(
        status=status,
        connector_mandate_id=method.id,
        connector_customer_id=method.customer_id,
        connector_status=method.status,
        next_action=RedirectAction(url=url) if status is MandateStatus.PENDING and url else None,
        failure=_decline(method.failure_code, None) if status is MandateStatus.FAILED else None,
        card=_summary(method.card),
    )


def _refund(body: dict[str, Any]) -> RefundResult:
    refund = kit.decode_as(body, XenditRefund)
    if refund is None or not refund.id:
        raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Xendit answered no refund.")
    status = kit.status_of(REFUND_STATUS, refund.status, RefundStatus.PENDING)
    return RefundResult(
        status=status,
        connector_refund_id=refund.id,
        amount=_minor(refund.amount, refund.currency),
        connector_status=refund.status,
        failure=decline(DeclineCode.PROCESSING_ERROR, raw_code=refund.failure_code)
        if status is RefundStatus.FAILED
        else None,
        pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        meta=_ids(payment_request_id=refund.payment_request_id),
    )


_BRANDS = {"VISA": "visa", "MASTERCARD": "mastercard", "JCB": "jcb", "AMEX": "amex",
           "DISCOVER": "discover"}  # fmt: skip


def _summary(card: CardDetails | None) -> CardSummary | None:
    info = card.card_information if card else None
    if info is None or not info.masked_card_number:
        return None
    month = int(info.expiry_month) if info.expiry_month and info.expiry_month.isdigit() else None
    year = int(info.expiry_year) if info.expiry_year and info.expiry_year.isdigit() else None
    return CardSummary(
        brand=_BRANDS.get((info.network or "").upper()),
        last4=info.masked_card_number[-4:],
        exp_month=month,
        exp_year=year,
    )


def _ids(**ids: str | None) -> dict[str, str]:
    return {k: v for k, v in ids.items() if v}


def _callback(body: bytes) -> Callback | None:
    try:
        return msgspec.json.decode(body, type=Callback)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


def _checked_callback(body: bytes) -> Callback:
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise kit.webhooks.not_an_event("Xendit", "expected JSON") from None
    kit.webhooks.envelope(raw, "Xendit callback", id_key="event", type_key="event")
    data = kit.webhooks.child(raw, "data")
    kit.webhooks.envelope(dict(data), "Xendit callback data", id_key="id", type_key="id")
    kit.webhooks.currency(data, "currency", "data.currency")
    kit.webhooks.major_number(data, "amount", "data.amount", currency_key="currency")
    doc = _callback(body)
    if doc is None:
        raise kit.webhooks.not_an_event("Xendit", "`data` is not a Xendit object")
    return doc


def _named(doc: Callback) -> str | None:
    """The API path of the object a callback is about (what verifying it reads)."""
    family = doc.event.split(".", 1)[0]
    if family == "payment":
        prid = doc.data.payment_request_id or doc.data.id
        return f"/payment_requests/{kit.segment(prid)}" if _PR_ID.fullmatch(prid) else None
    if family == "refund":
        return f"/refunds/{kit.segment(doc.data.id)}"
    if family == "payment_method" and _PM_ID.fullmatch(doc.data.id):
        return f"/v2/payment_methods/{kit.segment(doc.data.id)}"
    return None


def _event(doc: Callback, fetched: dict[str, Any] | None) -> WebhookEvent:
    """One unified event; ``fetched``: the object read when verifying, whose state wins."""
    family = doc.event.split(".", 1)[0]
    event_id = f"{doc.event}:{doc.data.id}:{doc.data.status or '-'}"
    kind = WEBHOOK_EVENTS.get(doc.event, WebhookEventType.UNKNOWN)
    base: dict[str, Any] = {
        "event_id": event_id,
        "connector_event_type": doc.event,
        "occurred_at": doc.data.updated or doc.created,
        "currency": doc.data.currency,
        "amount": _minor(doc.data.amount, doc.data.currency),
    }
    if family == "refund":
        refund = _refund(fetched if fetched is not None else _refund_doc(doc))
        if fetched is not None:
            kind = {
                RefundStatus.SUCCEEDED: WebhookEventType.REFUND_SUCCEEDED,
                RefundStatus.FAILED: WebhookEventType.REFUND_FAILED,
                RefundStatus.PENDING: WebhookEventType.REFUND_PENDING,
            }[refund.status]
        return WebhookEvent(
            type=kind,
            connector_payment_id=kit.text(refund.meta.get("payment_request_id")),
            refund=refund,
            **base,
        )
    if family == "payment_method":
        mandate = None
        if fetched is not None:
            method = kit.decode_as(fetched, XenditPaymentMethod)
            mandate = _mandate(method) if method is not None else None
        return WebhookEvent(type=kind, mandate=mandate, **base)
    payment = None
    prid = doc.data.payment_request_id or doc.data.id
    if fetched is not None:
        request = kit.decode_as(fetched, XenditPaymentRequest)
        if request is not None:
            payment = _payment(request)
            kind = STATE_EVENTS.get(payment.status, kind)
            base["amount"] = payment.amount
    return WebhookEvent(type=kind, connector_payment_id=prid, payment=payment, **base)


def _refund_doc(doc: Callback) -> dict[str, Any]:
    return {
        "id": doc.data.id,
        "payment_request_id": doc.data.payment_request_id or doc.data.payment_id,
        "amount": doc.data.amount,
        "currency": doc.data.currency,
        "status": doc.data.status,
        "failure_code": doc.data.failure_code,
    }
