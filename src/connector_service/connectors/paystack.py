"""Paystack: card charges over ``/charge`` with its step-by-step continuation.

Paystack has no separate authorization and capture for cards in its standard API (the
vendored spec names no ``preauthorization``): a charge that succeeds is paid. So only
``capture_method=automatic`` is served; manual capture, capture and void answer
``not_supported``.

A charge may stop half-way and ask for something: ``send_pin`` / ``send_otp`` /
``send_phone`` / ``send_birthday`` / ``send_address`` (answered through
``POST /v1/payments/{id}/complete`` with ``params`` ``{"pin": ...}``, ``{"otp": ...}``
..., which this module sends to the matching ``/charge/submit_*`` call), or
``open_url`` (3-D Secure: the customer is redirected, and on return the transaction is
verified). PINs and OTPs are secrets: they only ever travel in a request body, which
:meth:`PaystackConnector.scrub` masks.

Ids: the Paystack ``reference`` is the payment's gateway id (``/transaction/verify``
and ``/refund`` take it). It is also Paystack's duplicate guard (a second charge with
the same reference is refused), so it is derived from the request's idempotency key
when there is one, and random otherwise; the caller's own reference travels in
``metadata.merchant_reference``, so that retrying after a decline is a new attempt.
"""

from __future__ import annotations

import json
import re
import secrets
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
from connector_service.connectors.capabilities import AUTHORIZE, RECURRING, REFUND, takes
from connector_service.connectors.kit import methods as pm_kit
from connector_service.domain.common import (
    AwaitCustomer,
    CardSummary,
    Customer,
    NextAction,
    RedirectAction,
)
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
    CompleteAuthorizeData,
    DisputeResult,
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
from connector_service.domain.payment_methods import Card, PaymentMethodType, Token
from connector_service.domain.status import (
    CaptureMethod,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

CURRENCIES = frozenset({"NGN", "GHS", "ZAR", "KES", "USD"})  # spec: components.schemas.Currency
# What a mandate set-up charges (then refunds) to obtain a reusable authorization, in
# minor units, unless the account option ``verification_amount`` says otherwise.
VERIFICATION_AMOUNT = {"NGN": 5000, "GHS": 100, "ZAR": 100, "KES": 100, "USD": 100}
# The customer inputs a charge can ask for: continuation status -> (param, submit path).
CONTINUATIONS: dict[str, tuple[str, str]] = {
    "send_pin": ("pin", "/charge/submit_pin"),
    "send_otp": ("otp", "/charge/submit_otp"),
    "send_phone": ("phone", "/charge/submit_phone"),
    "send_birthday": ("birthday", "/charge/submit_birthday"),
    "send_address": ("address", "/charge/submit_address"),
}
ADDRESS_PARAMS = ("address", "city", "state", "zip_code")


# ---- connector_options (issue 19): fields of /charge and /transaction/charge_authorization.

_Code = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$(?!\n)")]
# Only Charge Authorization (a mandate's charge) takes these, per the spec.
_MANDATE_ONLY = ("split_code", "subaccount", "transaction_charge", "bearer", "queue")


class PaystackPaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.paystack`` on a payment. ``device_id`` goes with a card charge
    (/charge); the split fields with a mandate's charge (/transaction/charge_authorization)."""

    device_id: (
        Annotated[
            str, Meta(min_length=1, max_length=255, description="device_id (/charge): the device")
        ]
        | None
    ) = None
    split_code: Annotated[_Code, Meta(description="split_code: a transaction split")] | None = None
    subaccount: (
        Annotated[_Code, Meta(description="subaccount: the subaccount owning the payment")] | None
    ) = None
    transaction_charge: (
        Annotated[
            int, Meta(ge=0, le=10**12, description="transaction_charge: flat fee, minor units")
        ]
        | None
    ) = None
    bearer: (
        Annotated[
            Literal["account", "subaccount"],
            Meta(description="bearer: who bears Paystack's fee"),
        ]
        | None
    ) = None
    queue: (
        Annotated[bool, Meta(description="queue: a scheduled charge (Paystack queues it)")] | None
    ) = None


class PaystackConnector(Connector):
    meta = ConnectorMeta(
        name="paystack",
        display_name="Paystack",
        base_url_test="https://api.paystack.co",  # one host; the key (sk_test_/sk_live_) picks
        base_url_live="https://api.paystack.co",
        credential_fields=(
            CredentialField(
                "secret_key",
                "Secret key (sk_test_... / sk_live_...); it also signs the webhooks",
            ),
        ),
        option_fields=(
            CredentialField(
                "verification_amount",
                "Minor units a mandate set-up charges and refunds (default per currency)",
                False,
            ),
        ),
        # Paystack charges in one step (no separate capture), for every method.
        methods={
            PaymentMethodType.CARD: takes(AUTHORIZE, REFUND, RECURRING),
            PaymentMethodType.TOKEN: takes(AUTHORIZE, REFUND, RECURRING),
            PaymentMethodType.MANDATE: takes(AUTHORIZE, REFUND, RECURRING),
        },
        currencies=CURRENCIES,
        idempotency="reference body field (derived from the Idempotency-Key)",
        docs_url="https://paystack.com/docs/api/",
        secret_fields=("secret_key",),
        options=kit.ConnectorOptions(payment=PaystackPaymentOptions),
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(ctx: ConnectorContext, *, body: bool = False) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {ctx.credential('secret_key')}",
            "Accept": "application/json",
        }
        if body:
            headers["Content-Type"] = "application/json"
        return headers

    def _post(
        self, ctx: ConnectorContext, path: str, body: dict[str, Any], flow: Flow, *, keyed: bool
    ) -> HttpRequest:
        """``keyed``: the body carries a reference Paystack refuses twice, so re-sending
        after an ambiguous failure cannot charge twice."""
        return HttpRequest(
            "POST",
            f"{ctx.base_url}{path}",
            self._headers(ctx, body=True),
            json_body(drop_none(body)),
            flow=flow.value,
            idempotent=keyed,
        )

    def _get(self, ctx: ConnectorContext, path: str, flow: Flow) -> HttpRequest:
        return HttpRequest(
            "GET", f"{ctx.base_url}{path}", self._headers(ctx), flow=flow.value, idempotent=True
        )

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        if data.capture_method is not CaptureMethod.AUTOMATIC:
            raise not_supported(
                "Paystack charges cards in one step: capture_method must be automatic",
                "capture_method",
            )
        pm = data.payment_method
        metadata = _metadata(data.reference, data.metadata)
        common = {
            "amount": _to_paystack(data.amount, data.currency),
            "currency": data.currency,
            "reference": _reference(ctx),
        }
        if isinstance(pm, StoredMandate):
            email = _email(None, pm.ref.meta.get("email"))
            body = common | {
                "email": email,
                "authorization_code": pm.ref.connector_mandate_id,
                # Charge Authorization takes metadata as a JSON string (spec).
                "metadata": json.dumps(metadata, separators=(",", ":")),
            }
            body |= _options(data, mandate=True)
            return self._post(
                ctx, "/transaction/charge_authorization", body, Flow.AUTHORIZE, keyed=True
            )
        if isinstance(pm, Card | Token):
            body = common | {"email": _email(data.customer), "metadata": metadata}
            body |= _source(pm) | _options(data, mandate=False)
            return self._post(ctx, "/charge", body, Flow.AUTHORIZE, keyed=True)
        raise ServiceError(
            ErrorType.NOT_SUPPORTED,
            "payment_method_not_supported",
            f"Paystack does not support {type(pm).__name__.lower()} payments here",
            field="payment_method.type",
        )

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        reference = data.payment.connector_payment_id
        return self._continuation(ctx, reference, data.params, Flow.COMPLETE_AUTHORIZE)

    def _continuation(
        self, ctx: ConnectorContext, reference: str, params: dict[str, str], flow: Flow
    ) -> HttpRequest:
        """The ``/charge/submit_*`` call the customer's answer goes to; with none of
        those inputs (back from an ``open_url`` redirect), the transaction's verify."""
        for param, path in CONTINUATIONS.values():
            if param in params:
                body: dict[str, Any] = {"reference": reference}
                if param == "address":
                    missing = [p for p in ADDRESS_PARAMS if not params.get(p)]
                    if missing:
                        raise invalid(
                            "missing_field",
                            f"an address needs {', '.join(ADDRESS_PARAMS)}",
                            f"params.{missing[0]}",
                        )
                    body |= {p: params[p] for p in ADDRESS_PARAMS}
                else:
                    body[param] = params[param]
                return self._post(ctx, path, body, flow, keyed=False)
        return self._get(ctx, f"/transaction/verify/{kit.segment(reference)}", flow)

    def steps_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> Steps:
        """The charge; when Paystack refuses its reference as a duplicate (the same
        request again: a retry with the same Idempotency-Key, or a re-send after a lost
        answer), the first attempt's outcome is read with verify: that is the replay."""
        request = self.build_authorize(ctx, data)
        response = yield request
        if _duplicate(response):
            reference = kit.text(kit.obj(_json(request.body)).get("reference")) or ""
            response = yield self._get(
                ctx, f"/transaction/verify/{kit.segment(reference)}", Flow.AUTHORIZE
            )
        return self.parse_authorize(ctx, data, response)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        reference = data.payment.connector_payment_id
        if not reference:
            # Our reference is not Paystack's (see the module docstring) and Paystack
            # cannot search transactions by metadata: such a payment settles by webhook.
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "flow_not_supported",
                "Paystack cannot look a charge up by the merchant reference; this payment "
                "settles by the gateway's webhook (charge.success echoes the reference)",
            )
        return self._get(ctx, f"/transaction/verify/{kit.segment(reference)}", Flow.SYNC)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        body = {
            # a body field, not a path: checked here like a path id would be
            "transaction": require_id(data.payment.connector_payment_id, Flow.REFUND.value),
            "amount": _to_paystack(data.amount, data.payment.currency),
            "currency": data.payment.currency,
            "merchant_note": (data.reason or data.reference)[:255] or None,
        }
        return self._post(ctx, "/refund", body, Flow.REFUND, keyed=False)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        rid = data.refund.connector_refund_id
        return self._get(ctx, f"/refund/{kit.segment(rid)}", Flow.REFUND_SYNC)

    def steps_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> Steps:
        """Paystack stores a card by charging it: a small verification charge yields a
        reusable ``authorization_code`` (the mandate), then the charge is refunded."""
        pm = pm_kit.card_or_token(data.payment_method, "Paystack")
        currency = data.currency.upper()
        amount = data.amount or _verification_amount(ctx, currency)
        body = {
            "email": _email(data.customer),
            "amount": _to_paystack(amount, currency),
            "currency": currency,
            "reference": _reference(ctx),
            "metadata": _metadata(data.reference, data.metadata) | {"purpose": "mandate_setup"},
        } | _source(pm)
        response = yield self._post(ctx, "/charge", body, Flow.SETUP_MANDATE, keyed=True)
        return (yield from self._mandate_outcome(ctx, _charge(response), data.customer))

    def steps_complete_mandate(self, ctx: ConnectorContext, data: MandateCompleteData) -> Steps:
        reference = require_id(data.mandate.meta.get("reference"), Flow.COMPLETE_MANDATE.value)
        request = self._continuation(ctx, reference, data.params, Flow.COMPLETE_MANDATE)
        response = yield request
        customer = Customer(email=data.mandate.meta.get("email"))
        return (yield from self._mandate_outcome(ctx, _charge(response), customer))

    def _mandate_outcome(
        self, ctx: ConnectorContext, charge: dict[str, Any], customer: Customer | None
    ) -> Steps:
        mandate = _mandate(charge, customer)
        if mandate.status is MandateStatus.ACTIVE:
            refund = {
                "transaction": kit.text(charge.get("reference")),
                "merchant_note": "card verification for a stored mandate",
            }
            answer = yield self._post(ctx, "/refund", refund, Flow.SETUP_MANDATE, keyed=False)
            refunded = kit.obj(kit.obj(answer.json()).get("data"))
            rid = kit.text_or_number(refunded.get("id"))
            if answer.status < 400 and rid:
                mandate.meta["verification_refund_id"] = rid
        return mandate

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        code = require_id(data.mandate.connector_mandate_id, Flow.REVOKE_MANDATE.value)
        body = {"authorization_code": code}
        return self._post(
            ctx, "/customer/authorization/deactivate", body, Flow.REVOKE_MANDATE, keyed=True
        )

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        charge = _charge(response)
        result = _payment(charge, data.currency)
        if data.setup_future_usage and result.status is PaymentStatus.CAPTURED:
            mandate = _mandate(charge, data.customer)
            if mandate.status is MandateStatus.ACTIVE:
                result.mandate = mandate
        return result

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        charge = _charge(response, reference=data.payment.connector_payment_id)
        return _payment(charge, data.payment.currency)

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        if response.status == 404:  # never created (the request did not arrive)
            return PaymentResult(
                status=PaymentStatus.UNRESOLVED, pending_reason="not_found_at_gateway"
            )
        return _payment(_charge(response), data.payment.currency)

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_data(response, not_allowed="payment_not_refundable"), data.payment.currency)

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_data(response), data.refund.currency)

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        body = _body(response)
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status=kit.text(body.get("message")) or "deactivated",
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """Paystack events carry no id of their own: the event name and the object's id
        (a transaction, refund or dispute) name one delivery, so a redelivery of the same
        event is the same id (stored once)."""
        event = kit.decode_object(body)
        return WebhookIdentity(event_id=_event_id(event) if event else None)

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
        """``x-paystack-signature`` is the hex HMAC-SHA512 of the raw body under the
        account's secret key. The scheme signs no timestamp (see the docs page for
        what stale means here)."""
        key = ctx.credentials.get("secret_key")
        signature = headers.get("x-paystack-signature", "").strip().lower()
        if key is None or not key.reveal() or not signature:
            return False
        return kit.constant_time_equal(kit.hmac_sha512_hex(key.reveal(), body), signature)

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        event = kit.decode_object(body)
        if not event or not isinstance(event.get("data"), dict):
            raise invalid("invalid_webhook", "not a Paystack webhook event")
        kit.webhooks.envelope(event, "Paystack", id_key="event", type_key="event")
        data: dict[str, Any] = event["data"]
        kit.webhooks.minor_amount(data, "amount", "data.amount")
        kit.webhooks.currency(data, "currency", "data.currency")
        kind = str(event["event"])
        unified = WEBHOOK_EVENTS.get(kind, WebhookEventType.UNKNOWN)
        currency = kit.text(data.get("currency"))
        raw_amount = data.get("amount")
        amount = (
            _from_paystack(raw_amount, currency)
            if isinstance(raw_amount, int) and currency in CURRENCIES
            else None
        )
        out = WebhookEvent(
            event_id=_event_id(event) or kind,
            type=unified,
            connector_event_type=kind,
            amount=amount,
            currency=currency,
            occurred_at=kit.text(data.get("paid_at")) or kit.text(data.get("createdAt")),
        )
        if kind.startswith("refund."):
            out.connector_payment_id = kit.text(data.get("transaction_reference"))
            out.refund = RefundResult(
                status=REFUND_EVENTS.get(kind, RefundStatus.PENDING),
                connector_refund_id=kit.text_or_number(data.get("id")),
                amount=amount,
                connector_status=kit.text(data.get("status")) or kind,
            )
        elif kind.startswith("charge.dispute."):
            transaction = kit.obj(data.get("transaction"))
            out.connector_payment_id = kit.text(transaction.get("reference"))
            out.dispute = DisputeResult(
                status=DISPUTE_EVENT_STATUS.get(kind, DisputeStatus.UNDER_REVIEW)
                if kind != "charge.dispute.resolve"
                else _dispute_resolution(data),
                connector_dispute_id=kit.text_or_number(data.get("id")) or "",
                connector_payment_id=out.connector_payment_id,
                amount=amount,
                currency=currency,
                reason=kit.text(data.get("category")),
                connector_status=kit.text(data.get("status")) or kind,
                evidence_due_by=kit.text(data.get("dueAt")),
            )
        elif unified is not WebhookEventType.UNKNOWN:
            out.connector_payment_id = kit.text(data.get("reference"))
            if out.connector_payment_id and currency in CURRENCIES:
                out.payment = _payment(data, currency or "")
        return [out]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        """The common scrub, plus what Paystack requests carry besides cards: the PIN
        and OTP of a continuation, and the secret key wherever it appears."""
        text = _SECRET_FIELD.sub(r"\1[REDACTED]\2", transcript)
        text = _SECRET_FORM.sub(r"\1[REDACTED]", text)
        text = _CARD_NUMBER.sub(r"\1[CARD]\2", text)
        return scrub_common(_SECRET_KEY.sub("[REDACTED]", text))


_SECRET_FIELD = re.compile(r'(?i)("(?:pin|otp|cvv|number)"\s*:\s*")[^"]*(")')
_SECRET_FORM = re.compile(r"(?i)\b((?:pin|otp)=)[^&\s]*")
_CARD_NUMBER = re.compile(r'("number"\s*:\s*")\d{12,19}(")')
_SECRET_KEY = re.compile(r"\b(?:Bearer\s+)?sk_(?:test|live)_[A-Za-z0-9]{8,}")


# --------------------------------------------------------------------------- 5. status maps

# data.status of a charge or transaction (the docs' "charge" statuses and transaction
# statuses). Continuations and open_url are refined into next actions in _payment.
PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "success": PaymentStatus.CAPTURED,
    "reversed": PaymentStatus.CAPTURED,  # paid, then fully refunded
    "failed": PaymentStatus.FAILED,
    "pending": PaymentStatus.PROCESSING, "ongoing": PaymentStatus.PROCESSING,
    "processing": PaymentStatus.PROCESSING, "queued": PaymentStatus.PROCESSING,
    "abandoned": PaymentStatus.PROCESSING,  # the customer has not finished (yet)
    "send_pin": PaymentStatus.REQUIRES_ACTION, "send_otp": PaymentStatus.REQUIRES_ACTION,
    "send_phone": PaymentStatus.REQUIRES_ACTION,
    "send_birthday": PaymentStatus.REQUIRES_ACTION,
    "send_address": PaymentStatus.REQUIRES_ACTION, "open_url": PaymentStatus.REQUIRES_ACTION,
    "pay_offline": PaymentStatus.REQUIRES_ACTION,
}  # fmt: skip
# data.status of a refund (Fetch Refund, Create Refund).
REFUND_STATUS: dict[str, RefundStatus] = {
    "pending": RefundStatus.PENDING, "processing": RefundStatus.PENDING,
    "needs-attention": RefundStatus.PENDING,
    "processed": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED, "reversed": RefundStatus.FAILED,
}  # fmt: skip


# --------------------------------------------------------------------------- 6. error maps

# gateway_response of a failed charge (lower-cased) -> unified reason. Paystack passes the
# issuer's wording through; these are the texts its docs and test cards show.
_DECLINES = (
    (DeclineCode.GENERIC_DECLINE, "declined|transaction declined|declined by bank"),
    (DeclineCode.DO_NOT_HONOR, "do not honor|do not honour"),
    (DeclineCode.INSUFFICIENT_FUNDS, "insufficient funds|not sufficient funds"),
    (DeclineCode.EXPIRED_CARD, "expired card|card expired"),
    (DeclineCode.INCORRECT_PIN, "incorrect pin|invalid pin|pin tries exceeded"),
    (DeclineCode.INCORRECT_NUMBER, "invalid card number|no card record"),
    (DeclineCode.LOST_CARD, "lost card|lost card, pick up"),
    (DeclineCode.STOLEN_CARD, "stolen card|stolen card, pick up"),
    (DeclineCode.PICKUP_CARD, "pick up card|pick-up card"),
    (DeclineCode.RESTRICTED_CARD, "restricted card"),
    (DeclineCode.TRANSACTION_NOT_ALLOWED,
     "transaction not permitted to cardholder|transaction not permitted|"
     "transaction not permitted to terminal"),
    (DeclineCode.LIMIT_EXCEEDED, "exceeds withdrawal limit|withdrawal limit exceeded"),
    (DeclineCode.FRAUD_SUSPECTED, "suspected fraud|fraudulent transaction"),
    (DeclineCode.INCORRECT_CVC, "invalid cvv|incorrect cvv"),
    (DeclineCode.ISSUER_UNAVAILABLE, "issuer or switch inoperative|issuer unavailable"),
    (DeclineCode.AUTHENTICATION_FAILED,
     "authentication failed|3ds authentication failed|incorrect otp|invalid otp"),
    (DeclineCode.TRY_AGAIN_LATER, "transaction timed out|please try again"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = {
    text: code for code, texts in _DECLINES for text in texts.split("|")
}

# code (when Paystack sends one) or message of a ``status: false`` answer.
_R = kit.ErrorRule
ERROR_MAP: kit.ErrorTable = {
    "duplicate_reference": _R(ErrorType.CONFLICT, "duplicate_reference", "reference"),
    "duplicate transaction reference": _R(ErrorType.CONFLICT, "duplicate_reference", "reference"),
    "invalid key": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "transaction reference not found": _R(ErrorType.NOT_FOUND, "payment_not_found"),
    "transaction not found": _R(ErrorType.NOT_FOUND, "payment_not_found"),
    "refund not found": _R(ErrorType.NOT_FOUND, "refund_not_found"),
    "invalid email address passed": _R(ErrorType.INVALID_REQUEST, "invalid_field",
                                       "customer.email"),
    "invalid amount": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "currency not supported by merchant": _R(ErrorType.INVALID_REQUEST,
                                             "currency_not_supported", "currency"),
    "authorization code is invalid": _R(ErrorType.INVALID_REQUEST, "invalid_mandate",
                                        "payment_method.mandate_id"),
    "transaction has been fully reversed": _R(ErrorType.CONFLICT, "payment_not_refundable"),
    "refund amount cannot be more than the transaction amount": _R(
        ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
}  # fmt: skip


def _body(response: HttpResponse, *, not_allowed: str | None = None) -> dict[str, Any]:
    """The decoded envelope ``{status, message, data}``, or the error it means."""
    body = kit.obj(response.json())
    if response.status < 400 and body.get("status") is not False:
        return body
    raise _error(response, body, not_allowed)


def _data(response: HttpResponse, *, not_allowed: str | None = None) -> dict[str, Any]:
    return kit.obj(_body(response, not_allowed=not_allowed).get("data"))


def _error(response: HttpResponse, body: dict[str, Any], not_allowed: str | None) -> ServiceError:
    message = kit.text(body.get("message")) or ""
    code = kit.text(body.get("code"))
    err = kit.error_from(
        response,
        ERROR_MAP,
        codes=[code, message.strip().rstrip(".").lower()],
        raw_code=code or kit.text(body.get("type")),
        message=message or None,
    )
    if (
        not_allowed
        and err.code == "gateway_rejected_request"
        and "refund" in message.lower()
        and "more than" not in message.lower()
    ):
        err.code = not_allowed
    return err


def _json(body: bytes | None) -> Any:
    return json.loads(body) if body else {}


def _duplicate(response: HttpResponse) -> bool:
    body = kit.obj(response.json())
    message = (kit.text(body.get("message")) or "").lower()
    return response.status == 400 and (
        body.get("code") == "duplicate_reference" or message == "duplicate transaction reference"
    )


def _charge(response: HttpResponse, *, reference: str | None = None) -> dict[str, Any]:
    """The transaction a charge-like answer describes. Paystack answers some declines
    with HTTP 400 and ``status: false`` but still a transaction in ``data``: that is a
    result (a decline), not an error."""
    body = kit.obj(response.json())
    data = kit.obj(body.get("data"))
    if data.get("status") and (data.get("reference") or reference):
        if reference and not data.get("reference"):
            data = {**data, "reference": reference}  # submit_birthday answers omit it
        return data
    raise _error(response, body, None)


# --------------------------------------------------------------------------- webhook tables

WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "charge.success": WebhookEventType.PAYMENT_CAPTURED,
    "refund.pending": WebhookEventType.REFUND_PENDING,
    "refund.processing": WebhookEventType.REFUND_PENDING,
    "refund.processed": WebhookEventType.REFUND_SUCCEEDED,
    "refund.failed": WebhookEventType.REFUND_FAILED,
    "charge.dispute.create": WebhookEventType.DISPUTE_OPENED,
    "charge.dispute.remind": WebhookEventType.DISPUTE_UPDATED,
    "charge.dispute.resolve": WebhookEventType.DISPUTE_UPDATED,
    # subscription.*, transfer.*, invoice.* and anything new: UNKNOWN (kept, raw type)
}
REFUND_EVENTS: dict[str, RefundStatus] = {
    "refund.pending": RefundStatus.PENDING,
    "refund.processing": RefundStatus.PENDING,
    "refund.processed": RefundStatus.SUCCEEDED,
    "refund.failed": RefundStatus.FAILED,
}
DISPUTE_EVENT_STATUS: dict[str, DisputeStatus] = {
    "charge.dispute.create": DisputeStatus.NEEDS_RESPONSE,
    "charge.dispute.remind": DisputeStatus.NEEDS_RESPONSE,
}
# charge.dispute.resolve: data.resolution says who won.
DISPUTE_RESOLUTION: dict[str, DisputeStatus] = {
    "merchant-accepted": DisputeStatus.ACCEPTED,
    "declined": DisputeStatus.WON,  # the merchant declined the claim and won it
}


def _dispute_resolution(data: dict[str, Any]) -> DisputeStatus:
    return kit.status_of(DISPUTE_RESOLUTION, data.get("resolution"), DisputeStatus.UNDER_REVIEW)


def _event_id(event: dict[str, Any]) -> str | None:
    kind = kit.text(event.get("event"))
    data = kit.obj(event.get("data"))
    oid = kit.text_or_number(data.get("id")) or kit.text(data.get("reference"))
    if not kind or not oid:
        return None
    return f"{kind}:{oid}"


# --------------------------------------------------------------------------- helpers

# Paystack amounts are in the currency's ISO-4217 minor unit (kobo, pesewas, cents).
PAYSTACK = kit.Exponents("Paystack")
_REFERENCE_KEEP = re.compile(r"[^A-Za-z0-9.=-]")


def _to_paystack(amount: int, currency: str) -> int:
    code = currency.upper()
    if code not in CURRENCIES:
        raise invalid(
            "currency_not_supported",
            f"Paystack takes {', '.join(sorted(CURRENCIES))}, not {code}",
            "currency",
        )
    try:
        return PAYSTACK.to_gateway(amount, code)
    except UnknownCurrency as exc:  # pragma: no cover - CURRENCIES are all ISO codes
        raise invalid("invalid_currency", str(exc), "currency") from None


def _from_paystack(value: int, currency: str | None) -> int:
    return PAYSTACK.from_gateway(value, currency or "")


def _reference(ctx: ConnectorContext) -> str:
    """The Paystack reference of a new charge: the service's gateway idempotency key
    (already ``cs-<hex>``) when the request has one, so a re-send is refused as a
    duplicate instead of charging twice; a fresh random one otherwise."""
    if ctx.idempotency_key:
        return _REFERENCE_KEEP.sub("-", ctx.idempotency_key)[:100]
    return f"cs-{secrets.token_hex(16)}"


def _metadata(reference: str, metadata: dict[str, str]) -> dict[str, Any]:
    return {**metadata, "merchant_reference": reference}


def _email(customer: Customer | None, fallback: str | None = None) -> str:
    email = (customer.email if customer else None) or fallback
    if not email:
        raise invalid(
            "missing_field", "Paystack needs the customer's email address", "customer.email"
        )
    return email


def _verification_amount(ctx: ConnectorContext, currency: str) -> int:
    raw = ctx.options.get("verification_amount")
    if raw is None:
        return VERIFICATION_AMOUNT.get(currency, 100)
    if not raw.isdigit() or int(raw) <= 0:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            "option verification_amount must be a positive integer (minor units)",
        )
    return int(raw)


def _source(pm: Card | Token) -> dict[str, Any]:
    if isinstance(pm, Card):
        card = {
            "number": pm.number.reveal(),
            "cvv": pm.cvc.reveal() if pm.cvc else None,
            "expiry_month": f"{pm.exp_month:02d}",
            "expiry_year": str(pm.exp_year),
        }
        return {"card": drop_none(card)}
    return {"authorization_code": pm.token}


def _next_action(charge: dict[str, Any]) -> NextAction | None:
    status = kit.text(charge.get("status")) or ""
    if status == "open_url":
        url = kit.text(charge.get("url"))
        return RedirectAction(url=url) if url else None
    if status in CONTINUATIONS:
        param = CONTINUATIONS[status][0]
        fields = ADDRESS_PARAMS if param == "address" else (param,)
        # What to ask the customer for, posted back as params to .../complete.
        return AwaitCustomer(url="", method="POST", form=dict.fromkeys(fields, ""))
    if status == "pay_offline":
        return AwaitCustomer(url="", method="GET", form={})
    return None


def _payment(charge: dict[str, Any], currency: str) -> PaymentResult:
    raw = kit.text(charge.get("status")) or ""
    status = kit.status_of(PAYMENT_STATUS, raw, PaymentStatus.PROCESSING)
    next_action = _next_action(charge)
    if status is PaymentStatus.REQUIRES_ACTION and next_action is None:
        status = PaymentStatus.PROCESSING  # asked for something we cannot pass on
    amount = charge.get("amount")
    minor = _from_paystack(amount, currency) if isinstance(amount, int) else None
    return PaymentResult(
        status=status,
        connector_payment_id=kit.text(charge.get("reference")),
        amount=minor,
        amount_captured=minor if status is PaymentStatus.CAPTURED else None,
        connector_status=raw or None,
        next_action=next_action if status is PaymentStatus.REQUIRES_ACTION else None,
        failure=_failure(charge) if status is PaymentStatus.FAILED else None,
        pending_reason="awaiting_customer"
        if raw == "abandoned"
        else ("processing" if status is PaymentStatus.PROCESSING else None),
        card=_summary(charge.get("authorization")),
        reference=_merchant_reference(charge.get("metadata")),
        meta=_ids(transaction_id=kit.text_or_number(charge.get("id"))),
    )


def _merchant_reference(metadata: Any) -> str | None:
    """Our reference, from the metadata object (or the JSON string Charge Authorization
    keeps it as)."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    return kit.text(kit.obj(metadata).get("merchant_reference"))


def _failure(charge: dict[str, Any]) -> Failure:
    raw = kit.text(charge.get("gateway_response")) or kit.text(charge.get("message"))
    key = (raw or "").strip().rstrip(".").lower()
    code = kit.decline_of(DECLINE_MAP, key, default=DeclineCode.GENERIC_DECLINE)
    return decline(code, raw_code=key or None, raw_message=raw)


def _mandate(charge: dict[str, Any], customer: Customer | None) -> MandateResult:
    raw = kit.text(charge.get("status")) or ""
    authorization = kit.obj(charge.get("authorization"))
    code = kit.text(authorization.get("authorization_code"))
    status = kit.status_of(MANDATE_STATUS, raw, MandateStatus.PENDING)
    if status is MandateStatus.ACTIVE and not (code and authorization.get("reusable") is True):
        status = MandateStatus.FAILED  # paid, but the card cannot be charged again
    next_action = _next_action(charge) if status is MandateStatus.PENDING else None
    email = (customer.email if customer else None) or kit.text(
        kit.obj(charge.get("customer")).get("email")
    )
    return MandateResult(
        status=status,
        connector_mandate_id=code if status is MandateStatus.ACTIVE else None,
        connector_customer_id=kit.text(kit.obj(charge.get("customer")).get("customer_code")),
        connector_status=raw or None,
        next_action=next_action,
        failure=(
            _failure(charge)
            if raw == "failed"
            else decline(DeclineCode.TRANSACTION_NOT_ALLOWED, raw_message="not reusable")
        )
        if status is MandateStatus.FAILED
        else None,
        card=_summary(authorization),
        meta=_ids(reference=kit.text(charge.get("reference")), email=email),
    )


MANDATE_STATUS: dict[str, MandateStatus] = {
    "success": MandateStatus.ACTIVE,
    "failed": MandateStatus.FAILED,
    "reversed": MandateStatus.FAILED,
    "abandoned": MandateStatus.PENDING,
} | {status: MandateStatus.PENDING for status in (*CONTINUATIONS, "open_url", "pending")}


def _refund(data: dict[str, Any], currency: str) -> RefundResult:
    rid = kit.text_or_number(data.get("id"))
    if not rid:
        raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Paystack answered no refund id.")
    raw = kit.text(data.get("status")) or ""
    status = kit.status_of(REFUND_STATUS, raw, RefundStatus.PENDING)
    amount = data.get("amount")
    transaction = data.get("transaction")
    reference = (
        kit.text(kit.obj(transaction).get("reference"))
        if isinstance(transaction, dict)
        else kit.text(data.get("transaction_reference"))
    )
    return RefundResult(
        status=status,
        connector_refund_id=rid,
        amount=_from_paystack(amount, currency) if isinstance(amount, int) else None,
        connector_status=raw or None,
        failure=decline(DeclineCode.PROCESSING_ERROR, raw_message=raw)
        if status is RefundStatus.FAILED
        else None,
        pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        meta=_ids(payment_reference=reference),
    )


def _summary(authorization: Any) -> CardSummary | None:
    if not isinstance(authorization, dict) or not authorization.get("last4"):
        return None
    month = kit.text(authorization.get("exp_month"))
    year = kit.text(authorization.get("exp_year"))
    brand = kit.text(authorization.get("brand")) or kit.text(authorization.get("card_type"))
    return CardSummary(
        brand=brand.strip().lower() if brand else None,
        last4=kit.text(authorization.get("last4")),
        exp_month=int(month) if month and month.isdigit() else None,
        exp_year=int(year) if year and year.isdigit() else None,
    )


def _ids(**ids: str | None) -> dict[str, str]:
    return {k: v for k, v in ids.items() if v}


# --------------------------------------------------------------------------- issue 19: options


def _options(data: AuthorizeData, *, mandate: bool) -> dict[str, Any]:
    options = kit.options_of(data, PaystackPaymentOptions)
    if options is None:
        return {}
    given: dict[str, Any] = {
        k: v for k, v in msgspec.structs.asdict(options).items() if v is not None
    }
    if not mandate:
        for name in _MANDATE_ONLY:
            if name in given:
                raise not_supported(
                    f"Paystack takes {name} only on a mandate's charge (charge_authorization)",
                    f"connector_options.paystack.{name}",
                )
    elif "device_id" in given:
        raise not_supported(
            "Paystack takes device_id only on a card charge (/charge)",
            "connector_options.paystack.device_id",
        )
    if "transaction_charge" in given:
        given["transaction_charge"] = str(_to_paystack(given["transaction_charge"], data.currency))
    return given
