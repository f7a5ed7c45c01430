"""Square: card payments over the Payments, Refunds, Cards and Customers APIs (v2).

Square never takes raw card data from a server: the buyer's browser tokenises the card
with Square's Web Payments SDK into a one-time nonce (``cnon:...``), or a card on file
(``ccof:...``, a Cards API id) is charged. Both arrive as the unified ``token`` payment
method; a raw ``card`` is refused with a 422 ``payment_method_not_supported`` before any
call (and Square is not a routing candidate for one: ``card`` is not in
``meta.payment_methods``).

- authorize / purchase: ``POST /v2/payments`` with ``autocomplete`` false (manual) or
  true (automatic). The idempotency key is a body field (``idempotency_key``, at most 45
  characters), derived from the request's Idempotency-Key.
- capture: ``POST /v2/payments/{id}/complete``. A partial capture first lowers the
  payment's ``amount_money`` with ``PUT /v2/payments/{id}`` (UpdatePayment: "updates a
  payment with the APPROVED status ... amount_money"; a payment that cannot be edited
  down lacks ``EDIT_AMOUNT_DOWN`` in its ``capabilities`` and Square refuses the update),
  then completes it with the updated ``version_token``.
- void: ``POST /v2/payments/{id}/cancel``; sync: ``GET /v2/payments/{id}``.
- refunds: ``POST /v2/refunds``, ``GET /v2/refunds/{id}`` (PENDING, then COMPLETED).
- mandates: a Square customer (``POST /v2/customers``) and a card on file
  (``POST /v2/cards`` with the nonce); merchant-initiated charges pay with the card id
  and the customer id; revoke is ``POST /v2/cards/{id}/disable``.
- 3-D Secure / SCA happens in the browser (``payments.verifyBuyer()``), never as a
  server-side redirect, so there is no ``complete_authorize``; see docs/connectors/square.md.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

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
    require_id,
    scrub_common,
)
from connector_service.connectors.capabilities import AUTHORIZE, CAPTURE, RECURRING, REFUND, takes
from connector_service.connectors.kit import methods as pm_kit
from connector_service.domain.common import Address, CardSummary, Customer
from connector_service.domain.errors import (
    DeclineCode,
    ErrorType,
    Failure,
    ServiceError,
    decline,
    invalid,
    not_supported,
)
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    MandateResult,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    RefundResult,
    RefundSyncData,
    StoredMandate,
    SyncData,
    VoidData,
    WebhookEvent,
    WebhookEventType,
    WebhookIdentity,
)
from connector_service.domain.money import UnknownCurrency
from connector_service.domain.payment_methods import Card, PaymentMethodType, Token
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

SQUARE_VERSION = "2025-08-20"  # the vendored spec's release (x-fern-global-headers)
# The currencies of the countries Square processes cards in (US, CA, GB, AU, JP, IE/FR/ES);
# a location takes only its own country's currency (CURRENCY_MISMATCH otherwise).
CURRENCIES = frozenset({"USD", "CAD", "GBP", "AUD", "JPY", "EUR"})
IDEMPOTENCY_KEY_MAX = 45  # CreatePayment / UpdatePayment / RefundPayment / CreateCard
REFERENCE_ID_MAX = 40  # CreatePaymentRequest.reference_id


# ---- connector_options (issue 19): CreatePayment / RefundPayment / CreateCard fields.

_VerificationToken = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=4096,
        description="verification_token: what payments.verifyBuyer() answered in the "
        "buyer's browser (Strong Customer Authentication)",
    ),
]
_TeamMember = Annotated[
    str,
    Meta(min_length=1, max_length=192, description="team_member_id: the TeamMember to credit"),
]


class SquarePaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.square`` on a payment (CreatePayment)."""

    verification_token: _VerificationToken | None = None
    team_member_id: _TeamMember | None = None
    delay_duration: (
        Annotated[
            str,
            Meta(
                pattern=r"^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$(?!\n)",
                max_length=32,
                description="delay_duration (RFC 3339 duration, e.g. PT36H): when Square "
                "applies delay_action to an uncaptured payment",
            ),
        ]
        | None
    ) = None
    delay_action: (
        Annotated[
            Literal["CANCEL", "COMPLETE"],
            Meta(description="delay_action: what happens when delay_duration elapses"),
        ]
        | None
    ) = None


class SquareRefundOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.square`` on a refund (RefundPayment)."""

    team_member_id: _TeamMember | None = None
    app_fee_money: (
        Annotated[
            int,
            Meta(
                ge=0,
                le=10**15,
                description="app_fee_money (minor units): what the app gives back of its fee "
                "(default: the fee's share of the refunded amount)",
            ),
        ]
        | None
    ) = None


class SquareMandateOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.square`` on a mandate (CreateCard)."""

    verification_token: _VerificationToken | None = None


class SquareConnector(Connector):
    meta = ConnectorMeta(
        name="square",
        display_name="Square",
        base_url_test="https://connect.squareupsandbox.com",
        base_url_live="https://connect.squareup.com",
        credential_fields=(
            CredentialField("access_token", "Access token (Bearer; sandbox or production)"),
            CredentialField(
                "webhook_signature_key",
                "Signature key of the webhook subscription (verifies notifications)",
                False,
            ),
        ),
        option_fields=(
            CredentialField(
                "location_id", "Location that takes the payments (default: the main one)", False
            ),
            CredentialField(
                "webhook_notification_url",
                "The subscription's notification URL exactly as registered (it is signed)",
                False,
            ),
        ),
        methods={
            PaymentMethodType.TOKEN: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            PaymentMethodType.MANDATE: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
        },
        currencies=CURRENCIES,
        idempotency="idempotency_key body field (derived from the Idempotency-Key)",
        docs_url="https://developer.squareup.com/reference/square",
        secret_fields=("access_token", "webhook_signature_key"),
        options=kit.ConnectorOptions(
            payment=SquarePaymentOptions, refund=SquareRefundOptions, mandate=SquareMandateOptions
        ),
        splits="application_fee only: app_fee_money (the app's fee on the seller's payment, "
        "OAuth); refunds give back its share (app_fee_money); splits to destinations "
        "not supported",
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(ctx: ConnectorContext, *, body: bool) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {ctx.credential('access_token')}",
            "Square-Version": SQUARE_VERSION,
            "Accept": "application/json",
        }
        if body:
            headers["Content-Type"] = "application/json"
        return headers

    def _call(
        self,
        ctx: ConnectorContext,
        method: str,
        path: str,
        flow: Flow,
        body: dict[str, Any] | None = None,
        *,
        idempotent: bool = True,
    ) -> HttpRequest:
        """Every Square write this module sends carries an ``idempotency_key`` in its
        body (or is a state change Square refuses twice), so a re-send after an
        ambiguous failure cannot act twice."""
        return HttpRequest(
            method,
            f"{ctx.base_url}{path}",
            self._headers(ctx, body=body is not None),
            json_body(drop_none(body)) if body is not None else None,
            flow=flow.value,
            idempotent=idempotent,
        )

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        if data.setup_future_usage:
            raise not_supported(
                "Square stores a card with POST /v1/mandates (a card on file), not while paying",
                "setup_future_usage",
            )
        pm = data.payment_method
        customer_id: str | None
        if isinstance(pm, StoredMandate):
            source_id = require_id(pm.ref.connector_mandate_id, Flow.AUTHORIZE.value)
            customer_id = pm.ref.customer_id or pm.ref.meta.get("customer_id")
            if not customer_id:  # Square: required when source_id is a card on file
                raise ServiceError(
                    ErrorType.CONFLICT,
                    "mandate_without_customer",
                    "this Square card on file has no customer id",
                    field="payment_method.mandate_id",
                )
        elif isinstance(pm, Token):
            source_id, customer_id = pm.token, pm.customer_id
        else:
            raise _raw_card_refused() if isinstance(pm, Card) else _method_refused(pm)
        reference = data.reference
        note = data.description
        if len(reference) > REFERENCE_ID_MAX:  # kept whole, in the note, rather than cut
            note = f"{note} (reference {reference})" if note else f"reference {reference}"
        body: dict[str, Any] = {
            "source_id": source_id,
            "idempotency_key": _idempotency_key(ctx, "payment"),
            "amount_money": _money(data.amount, data.currency),
            "autocomplete": data.capture_method is CaptureMethod.AUTOMATIC,
            "customer_id": customer_id,
            "location_id": ctx.options.get("location_id") or None,
            "reference_id": reference if len(reference) <= REFERENCE_ID_MAX else None,
            "note": note[:500] if note else None,
            "buyer_email_address": data.customer.email if data.customer else None,
            "statement_description_identifier": _descriptor(data.statement_descriptor),
            "billing_address": _address(data.billing),
            "shipping_address": _address(data.shipping),
        }
        body |= _app_fee(data)
        options = kit.options_of(data, SquarePaymentOptions)
        if options is not None:
            if options.delay_action is not None and body["autocomplete"]:
                raise invalid(
                    "invalid_option",
                    "delay_action applies to a payment held for capture (capture_method manual)",
                    "connector_options.square.delay_action",
                )
            body |= msgspec.to_builtins(options)
        return self._call(ctx, "POST", "/v2/payments", Flow.AUTHORIZE, body)

    def steps_capture(self, ctx: ConnectorContext, data: CaptureData) -> Steps:
        """Complete; for less than was authorized, lower ``amount_money`` first."""
        ref = data.payment
        pid = kit.segment(require_id(ref.connector_payment_id, Flow.CAPTURE.value))
        version: str | None = None
        if data.amount < ref.amount:
            update = {
                "idempotency_key": _idempotency_key(ctx, "update"),
                "payment": {"amount_money": _money(data.amount, ref.currency)},
            }
            answer = yield self._call(ctx, "PUT", f"/v2/payments/{pid}", Flow.CAPTURE, update)
            updated = _payment_object(answer, state_code="payment_not_capturable")
            version = kit.text(updated.get("version_token"))
        complete = {"version_token": version}
        answer = yield self._call(
            ctx, "POST", f"/v2/payments/{pid}/complete", Flow.CAPTURE, complete
        )
        payment = _payment_object(answer, state_code="payment_not_capturable")
        return _payment(payment, ref.currency, authorized=ref.amount)

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        return self._call(ctx, "POST", f"/v2/payments/{pid}/cancel", Flow.VOID)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        if not data.payment.connector_payment_id:
            # An authorization whose answer was lost: Square's id is unknown and its
            # payments cannot be searched by our reference; the payment.created webhook
            # echoes reference_id and settles it.
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "flow_not_supported",
                "Square cannot look a payment up by the merchant reference; this payment "
                "settles by the gateway's webhook (payment.created echoes reference_id)",
            )
        pid = kit.segment(data.payment.connector_payment_id)
        return self._call(ctx, "GET", f"/v2/payments/{pid}", Flow.SYNC)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        reason = data.reason or None
        body = {
            "idempotency_key": _idempotency_key(ctx, "refund"),
            # a body field, not a path: checked here like a path id would be
            "payment_id": require_id(data.payment.connector_payment_id, Flow.REFUND.value),
            "amount_money": _money(data.amount, data.payment.currency),
            "reason": reason[:192] if reason else None,
        }
        options = kit.options_of(data, SquareRefundOptions) or SquareRefundOptions()
        fee = int(data.payment.meta.get(APP_FEE_KEY) or 0)
        give_back = options.app_fee_money
        if give_back is None and fee:  # the fee's share of what is refunded, rounded down
            give_back = fee * data.amount // data.payment.amount
        if give_back:
            body["app_fee_money"] = _money(give_back, data.payment.currency)
        body["team_member_id"] = options.team_member_id
        return self._call(ctx, "POST", "/v2/refunds", Flow.REFUND, body)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        rid = kit.segment(data.refund.connector_refund_id)
        return self._call(ctx, "GET", f"/v2/refunds/{rid}", Flow.REFUND_SYNC)

    def steps_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> Steps:
        """A Square customer (unless the token names one), then the card on file."""
        pm = pm_kit.card_or_token(data.payment_method, "Square")
        if isinstance(pm, Card):
            raise _raw_card_refused()
        if data.amount:
            raise not_supported(
                "Square keeps a card on file without charging it: a mandate's amount must be 0",
                "amount",
            )
        customer_id = pm.customer_id
        if not customer_id:
            body = _customer_body(data.customer) | {
                "idempotency_key": _idempotency_key(ctx, "customer")
            }
            answer = yield self._call(ctx, "POST", "/v2/customers", Flow.SETUP_MANDATE, body)
            customer = kit.obj(_body(answer).get("customer"))
            customer_id = kit.text(customer.get("id"))
            if not customer_id:
                raise ServiceError(
                    ErrorType.CONNECTOR, "gateway_error", "Square answered no customer id."
                )
        card: dict[str, Any] = {"customer_id": customer_id}
        card["reference_id"] = data.reference[:128] if data.reference else None
        card["cardholder_name"] = (data.customer.name or "")[:96] or None
        body = {
            "idempotency_key": _idempotency_key(ctx, "card"),
            "source_id": pm.token,
            "card": drop_none(card),
        }
        options = kit.options_of(data, SquareMandateOptions)
        if options is not None and options.verification_token:
            body["verification_token"] = options.verification_token
        answer = yield self._call(ctx, "POST", "/v2/cards", Flow.SETUP_MANDATE, body)
        return _mandate(answer, customer_id)

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        card_id = kit.segment(data.mandate.connector_mandate_id)
        return self._call(ctx, "POST", f"/v2/cards/{card_id}/disable", Flow.REVOKE_MANDATE)

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        body = kit.obj(response.json())
        payment = kit.obj(body.get("payment"))
        if kit.text(payment.get("id")):
            result = _payment(payment, data.currency, errors=_errors(body))
            if result.amount is None:
                result.amount = data.amount
            if data.application_fee:  # remembered: a refund gives back the fee's share
                result.meta = {**result.meta, APP_FEE_KEY: str(data.application_fee)}
            return result
        failure = _decline_failure(_errors(body))
        if failure is not None:  # declined before a payment was recorded
            return PaymentResult(status=PaymentStatus.FAILED, failure=failure, amount=data.amount)
        raise _error(response, body)

    def parse_void(
        self, ctx: ConnectorContext, data: VoidData, response: HttpResponse
    ) -> PaymentResult:
        payment = _payment_object(response, state_code="payment_not_voidable")
        return _payment(payment, data.payment.currency, authorized=data.payment.amount)

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        payment = _payment_object(response, not_found="payment_not_found")
        return _payment(payment, data.payment.currency, authorized=data.payment.amount)

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_refund_object(response), data.payment.currency)

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_refund_object(response, not_found="refund_not_found"), data.refund.currency)

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        card = kit.obj(_body(response, not_found="mandate_not_found").get("card"))
        if card.get("enabled") is not False:
            raise ServiceError(
                ErrorType.CONNECTOR,
                "mandate_unexpected_state",
                "Square answered the disabled card as still enabled.",
            )
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status="DISABLED",
            card=_summary(card),
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """Square gives every notification an ``event_id`` (the same on every retry of
        it) and names the seller in ``merchant_id``."""
        event = kit.decode_object(body)
        return WebhookIdentity(
            event_id=kit.text(event.get("event_id")),
            account_hint=kit.text(event.get("merchant_id")),
        )

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
        """``x-square-hmacsha256-signature`` is the base64 HMAC-SHA256, under the
        subscription's signature key, of the notification URL followed by the raw body.
        Square signs no timestamp: replays are told apart by ``event_id`` (stored once)."""
        key = ctx.credentials.get("webhook_signature_key")
        url = ctx.options.get("webhook_notification_url")
        signature = headers.get("x-square-hmacsha256-signature", "").strip()
        if key is None or not key.reveal() or not url or not signature:
            return False
        expected = kit.hmac_sha256_b64(key.reveal(), url.encode() + body)
        return kit.constant_time_equal(expected, signature)

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        event = kit.webhooks.envelope(
            kit.decode_object(body), "Square", id_key="event_id", type_key="type"
        )
        data = event.get("data")
        if not isinstance(data, dict):
            raise kit.webhooks.not_an_event("Square", "`data` must be an object")
        kind = str(event["type"])
        obj = kit.webhooks.child(data, "object")
        out = WebhookEvent(
            event_id=str(event["event_id"]),
            type=WebhookEventType.UNKNOWN,
            connector_event_type=kind,
            occurred_at=kit.text(event.get("created_at")),
        )
        if kind in PAYMENT_EVENT_TYPES:
            payment = dict(kit.webhooks.child(obj, "payment"))
            money = _checked_money(payment, "amount_money", "data.object.payment.amount_money")
            pid = kit.text(payment.get("id")) or kit.text(data.get("id"))
            if pid and money is not None:
                result = _payment(payment | {"id": pid}, money[1])
                out.type = PAYMENT_EVENTS.get(result.status, WebhookEventType.UNKNOWN)
                out.connector_payment_id, out.payment = pid, result
                out.amount, out.currency = result.amount, money[1]
        elif kind in REFUND_EVENT_TYPES:
            refund = dict(kit.webhooks.child(obj, "refund"))
            money = _checked_money(refund, "amount_money", "data.object.refund.amount_money")
            rid = kit.text(refund.get("id")) or kit.text(data.get("id"))
            if rid and money is not None:
                refunded = _refund(refund | {"id": rid}, money[1])
                out.type = REFUND_EVENTS[refunded.status]
                out.connector_payment_id = kit.text(refund.get("payment_id"))
                out.refund = refunded
                out.amount, out.currency = refunded.amount, money[1]
        return [out]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        """The common scrub, plus what Square requests carry besides headers: the
        payment token (``source_id``: a card nonce or card on file), the SCA
        ``verification_token``, and access tokens wherever they appear."""
        text = _SECRET_FIELD.sub(r"\1[REDACTED]\2", transcript)
        text = _NONCE.sub("[REDACTED]", text)
        text = _ACCESS_TOKEN.sub("[REDACTED]", text)
        return scrub_common(text)


_SECRET_FIELD = re.compile(
    r'(?i)("(?:source_id|verification_token|signature_key|access_token)"\s*:\s*")[^"]*(")'
)
_NONCE = re.compile(r"\bcnon:[A-Za-z0-9_-]+")
# Square access tokens: EAAA... (sandbox and production personal/OAuth tokens).
_ACCESS_TOKEN = re.compile(r"\bEAAA[A-Za-z0-9_-]{16,}")


# --------------------------------------------------------------------------- 5. status maps

# Payment.status ("APPROVED, PENDING, COMPLETED, CANCELED, or FAILED"). COMPLETED is
# refined to partially captured when less than the authorization was completed.
PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "APPROVED": PaymentStatus.AUTHORIZED,
    "PENDING": PaymentStatus.PROCESSING,
    "COMPLETED": PaymentStatus.CAPTURED,
    "CANCELED": PaymentStatus.VOIDED,
    "FAILED": PaymentStatus.FAILED,
}
# card_details.status ("AUTHORIZED, CAPTURED, VOIDED, or FAILED"): read when the payment's
# own status is missing.
CARD_STATUS: dict[str, PaymentStatus] = {
    "AUTHORIZED": PaymentStatus.AUTHORIZED,
    "CAPTURED": PaymentStatus.CAPTURED,
    "VOIDED": PaymentStatus.VOIDED,
    "FAILED": PaymentStatus.FAILED,
}
# PaymentRefund.status: PENDING (awaiting approval), COMPLETED, REJECTED, FAILED.
REFUND_STATUS: dict[str, RefundStatus] = {
    "PENDING": RefundStatus.PENDING,
    "COMPLETED": RefundStatus.SUCCEEDED,
    "REJECTED": RefundStatus.FAILED,
    "FAILED": RefundStatus.FAILED,
}
# Notification types this module reads (every other type is kept as UNKNOWN, raw type).
PAYMENT_EVENT_TYPES = ("payment.created", "payment.updated")
REFUND_EVENT_TYPES = ("refund.created", "refund.updated")
WEBHOOK_EVENTS = (*PAYMENT_EVENT_TYPES, *REFUND_EVENT_TYPES)
# The unified type of a payment notification follows the payment's status.
PAYMENT_EVENTS: dict[PaymentStatus, WebhookEventType] = {
    PaymentStatus.AUTHORIZED: WebhookEventType.PAYMENT_AUTHORIZED,
    PaymentStatus.PROCESSING: WebhookEventType.PAYMENT_PROCESSING,
    PaymentStatus.CAPTURED: WebhookEventType.PAYMENT_CAPTURED,
    PaymentStatus.PARTIALLY_CAPTURED: WebhookEventType.PAYMENT_CAPTURED,
    PaymentStatus.VOIDED: WebhookEventType.PAYMENT_VOIDED,
    PaymentStatus.FAILED: WebhookEventType.PAYMENT_FAILED,
}
REFUND_EVENTS: dict[RefundStatus, WebhookEventType] = {
    RefundStatus.PENDING: WebhookEventType.REFUND_PENDING,
    RefundStatus.SUCCEEDED: WebhookEventType.REFUND_SUCCEEDED,
    RefundStatus.FAILED: WebhookEventType.REFUND_FAILED,
}
# Card.card_brand -> the unified brand names.
BRANDS: dict[str, str] = {
    "VISA": "visa", "MASTERCARD": "mastercard", "AMERICAN_EXPRESS": "amex",
    "DISCOVER": "discover", "DISCOVER_DINERS": "diners", "JCB": "jcb",
    "CHINA_UNIONPAY": "unionpay",
}  # fmt: skip


# --------------------------------------------------------------------------- 6. error maps

# Error.code of a declined card (category PAYMENT_METHOD_ERROR): a result, not an error.
DECLINE_MAP: kit.DeclineTable = kit.decline_table(
    [
        (DeclineCode.GENERIC_DECLINE, "GENERIC_DECLINE CARD_DECLINED"),
        (DeclineCode.INCORRECT_CVC, "CVV_FAILURE VERIFY_CVV_FAILURE"),
        (
            DeclineCode.INVALID_PAYMENT_DATA,
            "ADDRESS_VERIFICATION_FAILURE VERIFY_AVS_FAILURE INVALID_POSTAL_CODE",
        ),
        (
            DeclineCode.INVALID_EXPIRY,
            "INVALID_EXPIRATION INVALID_EXPIRATION_YEAR INVALID_EXPIRATION_DATE "
            "EXPIRATION_FAILURE BAD_EXPIRATION",
        ),
        (DeclineCode.EXPIRED_CARD, "CARD_EXPIRED"),
        (DeclineCode.INSUFFICIENT_FUNDS, "INSUFFICIENT_FUNDS GIFT_CARD_AVAILABLE_AMOUNT"),
        (DeclineCode.INCORRECT_NUMBER, "INVALID_CARD INVALID_ACCOUNT PAN_FAILURE"),
        (DeclineCode.LIMIT_EXCEEDED, "TRANSACTION_LIMIT PAYMENT_LIMIT_EXCEEDED"),
        (
            DeclineCode.TRANSACTION_NOT_ALLOWED,
            "CARD_NOT_SUPPORTED CARDHOLDER_INSUFFICIENT_PERMISSIONS "
            "MANUALLY_ENTERED_PAYMENT_NOT_SUPPORTED CHIP_INSERTION_REQUIRED "
            "UNSUPPORTED_CARD_BRAND UNSUPPORTED_ENTRY_METHOD",
        ),
        (DeclineCode.DO_NOT_HONOR, "CARD_DECLINED_CALL_ISSUER VOICE_FAILURE"),
        (DeclineCode.AUTHENTICATION_REQUIRED, "CARD_DECLINED_VERIFICATION_REQUIRED"),
        (DeclineCode.INCORRECT_PIN, "INVALID_PIN ALLOWABLE_PIN_TRIES_EXCEEDED"),
        (DeclineCode.CURRENCY_NOT_SUPPORTED, "CURRENCY_MISMATCH"),
        (DeclineCode.TRY_AGAIN_LATER, "TEMPORARY_ERROR"),
        (DeclineCode.INVALID_AMOUNT, "PAYMENT_AMOUNT_MISMATCH"),
    ]
)

_R = kit.ErrorRule
_TOKEN_FIELD = "payment_method.token"
ERROR_MAP: kit.ErrorTable = {
    "UNAUTHORIZED": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "ACCESS_TOKEN_EXPIRED": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "ACCESS_TOKEN_REVOKED": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "FORBIDDEN": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "INSUFFICIENT_SCOPES": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "IDEMPOTENCY_KEY_REUSED": _R(ErrorType.CONFLICT, "duplicate_key"),
    "CARD_TOKEN_USED": _R(ErrorType.INVALID_REQUEST, "invalid_token", _TOKEN_FIELD),
    "CARD_TOKEN_EXPIRED": _R(ErrorType.INVALID_REQUEST, "invalid_token", _TOKEN_FIELD),
    "SOURCE_USED": _R(ErrorType.INVALID_REQUEST, "invalid_token", _TOKEN_FIELD),
    "SOURCE_EXPIRED": _R(ErrorType.INVALID_REQUEST, "invalid_token", _TOKEN_FIELD),
    "INVALID_CARD_DATA": _R(ErrorType.INVALID_REQUEST, "invalid_token", _TOKEN_FIELD),
    "UNSUPPORTED_CURRENCY": _R(ErrorType.INVALID_REQUEST, "currency_not_supported", "currency"),
    "INVALID_LOCATION": _R(ErrorType.INVALID_REQUEST, "invalid_merchant_account"),
    "LOCATION_MISMATCH": _R(ErrorType.INVALID_REQUEST, "invalid_merchant_account"),
    "CUSTOMER_NOT_FOUND": _R(ErrorType.INVALID_REQUEST, "invalid_mandate",
                             "payment_method.mandate_id"),
    "REFUND_AMOUNT_INVALID": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "PAYMENT_NOT_REFUNDABLE": _R(ErrorType.CONFLICT, "payment_not_refundable"),
    "REFUND_ERROR_PAYMENT_NEEDS_COMPLETION": _R(ErrorType.CONFLICT, "payment_not_refundable"),
    "REFUND_ALREADY_PENDING": _R(ErrorType.CONFLICT, "payment_not_refundable"),
    "PAYMENT_NOT_REFUNDABLE_DUE_TO_DISPUTE": _R(ErrorType.CONFLICT, "payment_disputed"),
    "VERSION_MISMATCH": _R(ErrorType.CONFLICT, "payment_unexpected_state"),
    "RATE_LIMITED": _R(ErrorType.RATE_LIMITED, "gateway_rate_limited"),
}  # fmt: skip


def _errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    errors = body.get("errors")
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _codes(errors: list[dict[str, Any]]) -> list[str]:
    return [c for c in (kit.text(e.get("code")) for e in errors) if c]


def _decline_failure(errors: list[dict[str, Any]]) -> Failure | None:
    """The failure a decline's errors describe, or None when they are not a decline."""
    for error in errors:
        code = kit.text(error.get("code"))
        if code in DECLINE_MAP:
            return decline(
                kit.decline_of(DECLINE_MAP, code),
                raw_code=code,
                raw_message=kit.text(error.get("detail")),
            )
    return None


def _error(
    response: HttpResponse,
    body: dict[str, Any],
    *,
    not_found: str | None = None,
    state_code: str | None = None,
) -> ServiceError:
    errors = _errors(body)
    codes = _codes(errors)
    first = errors[0] if errors else {}
    err = kit.error_from(
        response,
        ERROR_MAP,
        codes=codes,
        message=kit.text(first.get("detail")),
    )
    if not_found and (response.status == 404 or "NOT_FOUND" in codes):
        err.type, err.code, err.http_status = ErrorType.NOT_FOUND, not_found, 404
    elif state_code and response.status == 400 and codes[:1] == ["BAD_REQUEST"]:
        # Completing or cancelling a payment that is no longer APPROVED.
        err.type, err.code, err.http_status = ErrorType.CONFLICT, state_code, 409
    return err


def _body(response: HttpResponse, *, not_found: str | None = None) -> dict[str, Any]:
    body = kit.obj(response.json())
    if response.status < 400 and not _errors(body):
        return body
    raise _error(response, body, not_found=not_found)


def _payment_object(
    response: HttpResponse, *, not_found: str | None = None, state_code: str | None = None
) -> dict[str, Any]:
    body = kit.obj(response.json())
    payment = kit.obj(body.get("payment"))
    if response.status < 400 and not _errors(body) and kit.text(payment.get("id")):
        return payment
    raise _error(response, body, not_found=not_found, state_code=state_code)


def _refund_object(response: HttpResponse, *, not_found: str | None = None) -> dict[str, Any]:
    refund = kit.obj(_body(response, not_found=not_found).get("refund"))
    if not kit.text(refund.get("id")):
        raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Square answered no refund id.")
    return refund


def _raw_card_refused() -> ServiceError:
    return ServiceError(
        ErrorType.NOT_SUPPORTED,
        "payment_method_not_supported",
        "Square takes card details only as a Web Payments SDK token (cnon:...) or a card "
        'on file: send payment_method {"type": "token", "token": ...}',
        field="payment_method",
    )


def _method_refused(pm: object) -> ServiceError:
    return ServiceError(
        ErrorType.NOT_SUPPORTED,
        "payment_method_not_supported",
        f"Square does not take {type(pm).__name__.lower()} payments here",
        field="payment_method.type",
    )


# --------------------------------------------------------------------------- helpers

# Square amounts are in the currency's smallest denomination (ISO 4217 minor units).
SQUARE = kit.Exponents("Square")


APP_FEE_KEY = "app_fee"  # fact-record key: the app's fee on the payment (minor units)


def _app_fee(data: AuthorizeData) -> dict[str, Any]:
    """``application_fee`` as ``app_fee_money``: Square's only platform split is the
    app's own fee on a seller's payment (taken with the seller's OAuth token, at most 90%
    of the amount); Square pays no third destinations, so ``splits`` are refused."""
    if data.splits:
        raise not_supported(
            "Square pays no split destinations: only the app's fee (application_fee, sent "
            "as app_fee_money) can be taken from a payment",
            "splits",
        )
    if not data.application_fee:
        return {}
    if data.application_fee * 10 > data.amount * 9:
        raise invalid(
            "invalid_splits",
            "Square's app_fee_money is at most 90% of the payment's amount",
            "application_fee",
        )
    return {"app_fee_money": _money(data.application_fee, data.currency)}


def _money(amount: int, currency: str) -> dict[str, Any]:
    code = currency.upper()
    if code not in CURRENCIES:
        raise invalid(
            "currency_not_supported",
            f"Square takes {', '.join(sorted(CURRENCIES))}, not {code}",
            "currency",
        )
    try:
        return {"amount": SQUARE.to_gateway(amount, code), "currency": code}
    except UnknownCurrency as exc:  # pragma: no cover - CURRENCIES are all ISO codes
        raise invalid("invalid_currency", str(exc), "currency") from None


def _checked_money(obj: dict[str, Any], key: str, where: str) -> tuple[int, str] | None:
    """A verified event's Money object, checked before it is read."""
    money = kit.webhooks.child(obj, key)
    if not money:
        return None
    kit.webhooks.minor_amount(money, "amount", f"{where}.amount")
    kit.webhooks.currency(money, "currency", f"{where}.currency")
    amount, currency = money.get("amount"), kit.text(money.get("currency"))
    if not isinstance(amount, int) or currency is None:
        return None
    return SQUARE.from_gateway(amount, currency), currency


def _amount(obj: dict[str, Any], key: str, currency: str) -> int | None:
    money = kit.obj(obj.get(key))
    amount = money.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        return None
    return SQUARE.from_gateway(amount, kit.text(money.get("currency")) or currency)


def _idempotency_key(ctx: ConnectorContext, purpose: str) -> str:
    """Square's ``idempotency_key`` for one call of a flow: the service's gateway key
    (``cs-`` + 40 hex, 43 characters) for the payment itself, a digest of it per
    further call (a customer, a card, an amount update, a refund), so a retried request
    repeats every call's key and two calls of one request never share one; a random one
    without an Idempotency-Key."""
    key = ctx.idempotency_key
    if not key:
        return uuid.uuid4().hex
    if purpose == "payment" and len(key) <= IDEMPOTENCY_KEY_MAX:
        return key
    digest = hashlib.sha256(f"{purpose}\x00{key}".encode()).hexdigest()
    return f"cs-{purpose[:2]}-{digest[:39]}"


def _descriptor(value: str | None) -> str | None:
    return value[:20] if value else None


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    out = drop_none(
        {
            "address_line_1": address.line1,
            "address_line_2": address.line2,
            "locality": address.city,
            "administrative_district_level_1": address.state,
            "postal_code": address.postal_code,
            "country": address.country,
            "first_name": address.first_name,
            "last_name": address.last_name,
        }
    )
    return out or None


def _customer_body(customer: Customer) -> dict[str, Any]:
    given, _, family = (customer.name or "").strip().partition(" ")
    body = drop_none(
        {
            "email_address": customer.email,
            "given_name": given or None,
            "family_name": family.strip() or None,
            "reference_id": customer.id,
        }
    )
    # Square needs one of given_name, family_name, company_name, email_address, phone.
    if not {"email_address", "given_name", "family_name"} & set(body):
        raise invalid(
            "missing_field",
            "Square needs the customer's email address or name to keep a card on file",
            "customer.email",
        )
    return body


def _payment(
    payment: dict[str, Any],
    currency: str,
    *,
    authorized: int | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> PaymentResult:
    raw = kit.text(payment.get("status")) or ""
    card_details = kit.obj(payment.get("card_details"))
    card_raw = kit.text(card_details.get("status"))
    if raw:
        status = kit.status_of(PAYMENT_STATUS, raw, PaymentStatus.PROCESSING)
    else:
        status = kit.status_of(CARD_STATUS, card_raw, PaymentStatus.PROCESSING)
    amount = _amount(payment, "amount_money", currency)
    captured = amount if status is PaymentStatus.CAPTURED else None
    if captured is not None and authorized is not None and captured < authorized:
        status = PaymentStatus.PARTIALLY_CAPTURED
    failure = None
    if status is PaymentStatus.FAILED:
        errs = [*(errors or []), *_errors(card_details)]
        failure = _decline_failure(errs) or decline(
            DeclineCode.GENERIC_DECLINE, raw_code=next(iter(_codes(errs)), None)
        )
    return PaymentResult(
        status=status,
        connector_payment_id=kit.text(payment.get("id")),
        # a known authorization keeps its amount; a partial capture shows as captured
        amount=amount if authorized is None else None,
        amount_captured=captured,
        connector_status=raw or card_raw,
        failure=failure,
        pending_reason="processing" if status is PaymentStatus.PROCESSING else None,
        card=_summary(kit.obj(card_details.get("card"))),
        reference=kit.text(payment.get("reference_id")),
        meta=_ids(
            location_id=kit.text(payment.get("location_id")),
            customer_id=kit.text(payment.get("customer_id")),
        ),
    )


def _refund(refund: dict[str, Any], currency: str) -> RefundResult:
    raw = kit.text(refund.get("status")) or ""
    status = kit.status_of(REFUND_STATUS, raw, RefundStatus.PENDING)
    return RefundResult(
        status=status,
        connector_refund_id=kit.text(refund.get("id")),
        amount=_amount(refund, "amount_money", currency),
        connector_status=raw or None,
        failure=decline(DeclineCode.PROCESSING_ERROR, raw_code=raw, raw_message=raw)
        if status is RefundStatus.FAILED
        else None,
        pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        meta=_ids(payment_id=kit.text(refund.get("payment_id"))),
    )


def _mandate(response: HttpResponse, customer_id: str) -> MandateResult:
    body = kit.obj(response.json())
    card = kit.obj(body.get("card"))
    card_id = kit.text(card.get("id"))
    if response.status < 400 and card_id and not _errors(body):
        enabled = card.get("enabled") is not False
        return MandateResult(
            status=MandateStatus.ACTIVE if enabled else MandateStatus.FAILED,
            connector_mandate_id=card_id if enabled else None,
            connector_customer_id=customer_id,
            connector_status="ENABLED" if enabled else "DISABLED",
            failure=None
            if enabled
            else decline(DeclineCode.TRANSACTION_NOT_ALLOWED, raw_message="card disabled"),
            card=_summary(card),
            meta={"customer_id": customer_id},
        )
    failure = _decline_failure(_errors(body))
    if failure is not None:  # the card failed Square's verification: a result
        return MandateResult(
            status=MandateStatus.FAILED,
            connector_customer_id=customer_id,
            connector_status=failure.gateway.code if failure.gateway else None,
            failure=failure,
        )
    raise _error(response, body)


def _summary(card: dict[str, Any]) -> CardSummary | None:
    last4 = kit.text(card.get("last_4"))
    if not last4:
        return None
    brand = kit.text(card.get("card_brand"))
    return CardSummary(
        brand=BRANDS.get(brand, brand.lower()) if brand else None,
        last4=last4,
        exp_month=kit.integer(card.get("exp_month")),
        exp_year=kit.integer(card.get("exp_year")),
    )


def _ids(**ids: str | None) -> dict[str, str]:
    return {k: v for k, v in ids.items() if v}
