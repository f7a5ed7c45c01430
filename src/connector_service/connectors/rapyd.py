"""Rapyd: the Collect API (``/v1/payments``, ``/v1/refunds``, customers and their stored
payment methods), every request signed with the account's access and secret keys.

Why it looks the way it does:

- every request carries ``access_key``, ``salt``, ``timestamp`` and ``signature``
  headers, the signature being base64 of the hex HMAC-SHA256 (secret key) of
  ``method + path?query + salt + timestamp + access_key + secret_key + body``; the body
  signed is exactly the compact JSON sent, so nothing can re-serialise it in between;
- every answer is wrapped: ``{"status": {"status": "SUCCESS" | "ERROR", "error_code",
  ...}, "data": {...}}``; a declined card is an ``ERROR`` answer (HTTP 400) that still
  carries the payment (``data.status = "ERR"``), read here as a declined *result*;
- amounts are decimal numbers in major units; captures, cancellations (``DELETE
  /v1/payments/{id}``) and card refunds answer with their outcome at once;
- a stored card is a customer's payment method (``card_...``): the mandate. A
  merchant-initiated charge names the customer and that payment method; revoking it
  deletes the payment method.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

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
    drop_none,
    json_body,
    require_id,
    scrub_common,
)
from connector_service.connectors.capabilities import AUTHORIZE, CAPTURE, RECURRING, REFUND, takes
from connector_service.connectors.kit import webhooks as checks
from connector_service.domain.common import Address, CardSummary, Customer, RedirectAction
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
from connector_service.domain.payment_methods import Card, CardBrand, PaymentMethodType, Token
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

INITIATION_TYPES = ("unscheduled", "recurring", "installment")
WEBHOOK_TOLERANCE_SECONDS = 300


# ---- connector_options (issue 19): fields of Create Payment (POST /v1/payments).


class RapydPaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.rapyd`` on a payment."""

    ewallet: (
        Annotated[
            str,
            Meta(
                pattern=r"^ewallet_[A-Za-z0-9]+$(?!\n)",
                max_length=64,
                description="ewallet: the Rapyd Wallet the money is paid into",
            ),
        ]
        | None
    ) = None
    statement_descriptor: (
        Annotated[
            str,
            Meta(min_length=1, max_length=22, description="statement_descriptor (overrides)"),
        ]
        | None
    ) = None
    receipt_email: (
        Annotated[
            str,
            Meta(pattern=r"^[^@\s]+@[^@\s]+$(?!\n)", max_length=254, description="receipt_email"),
        ]
        | None
    ) = None
    escrow: Annotated[bool, Meta(description="escrow: hold the funds in escrow")] | None = None
    escrow_release_days: (
        Annotated[int, Meta(ge=1, le=90, description="escrow_release_days")] | None
    ) = None


class RapydConnector(Connector):
    meta = ConnectorMeta(
        name="rapyd",
        display_name="Rapyd",
        base_url_test="https://sandboxapi.rapyd.net",
        base_url_live="https://api.rapyd.net",
        credential_fields=(
            CredentialField("access_key", "Access key (Client Portal > Developers)"),
            CredentialField("secret_key", "Secret key; signs requests and webhooks"),
        ),
        option_fields=(
            CredentialField(
                "webhook_url",
                "The webhook URL configured in the Client Portal, exactly (it is signed)",
                False,
            ),
            CredentialField(
                "card_country",
                "Country (ISO alpha-2) of the card payment method type when the billing "
                "address has none; the type is <country>_<brand>_card (default us)",
                False,
            ),
            CredentialField(
                "mit_initiation_type",
                "initiation_type of stored-card charges: unscheduled (default), recurring, "
                "installment",
                False,
            ),
        ),
        methods={
            PaymentMethodType.CARD: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            PaymentMethodType.TOKEN: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            PaymentMethodType.MANDATE: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
        },
        idempotency="idempotency header",
        docs_url="https://docs.rapyd.net/en/collect.html",
        secret_fields=("access_key", "secret_key"),
        options=kit.ConnectorOptions(payment=RapydPaymentOptions),
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _signed(
        ctx: ConnectorContext,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        flow: Flow,
    ) -> HttpRequest:
        """A request with Rapyd's signature headers (fresh salt and timestamp each)."""
        raw = json_body(drop_none(body)) if body is not None else None
        if raw == b"{}":  # Rapyd signs an empty object as an empty body: send none
            raw = None
        url = f"{ctx.base_url}{path}"
        headers = sign_request(
            method,
            url,
            raw or b"",
            ctx.credential("access_key"),
            ctx.credential("secret_key"),
            salt=secrets.token_hex(6),
            timestamp=str(int(time.time())),
        )
        idempotent = method in ("GET", "DELETE")
        if method == "POST" and ctx.idempotency_key:
            headers["idempotency"] = ctx.idempotency_key
            idempotent = True
        return HttpRequest(method, url, headers, raw, flow=flow.value, idempotent=idempotent)

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        pm = data.payment_method
        return_url = data.return_url or ctx.public_url
        body: dict[str, Any] = {
            "amount": _to_rapyd(data.amount, data.currency),
            "currency": data.currency,
            "capture": data.capture_method is CaptureMethod.AUTOMATIC,
            "merchant_reference_id": _reference(data.reference),
            "description": data.description,
            "statement_descriptor": data.statement_descriptor,
            "metadata": data.metadata or None,
            "complete_payment_url": return_url,
            "error_payment_url": return_url,
            "address": _address(data.billing),
        }
        if isinstance(pm, StoredMandate):
            ref = pm.ref
            body["customer"] = require_id(ref.customer_id, Flow.CHARGE_MANDATE.value)
            body["payment_method"] = ref.connector_mandate_id
            body["initiation_type"] = _initiation_type(ctx)
        elif isinstance(pm, Card):
            body["payment_method"] = _card(ctx, pm, data.billing)
            if data.setup_future_usage:
                body["save_payment_method"] = True
            if data.return_url:  # the customer can be sent to 3-D Secure and back
                body["payment_method_options"] = {"3d_required": True}
        elif isinstance(pm, Token) and pm.token.startswith("card_") and pm.customer_id:
            body["customer"] = pm.customer_id
            body["payment_method"] = pm.token
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Rapyd takes cards, stored cards (card_... with its customer cus_...) "
                f"and mandates here, not {type(pm).__name__.lower()}",
                field="payment_method.type",
            )
        options = kit.options_of(data, RapydPaymentOptions)
        if options is not None:
            body |= {k: v for k, v in msgspec.structs.asdict(options).items() if v is not None}
        return self._signed(ctx, "POST", "/v1/payments", body, Flow.AUTHORIZE)

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        # The customer is back from the 3-D Secure page at complete_payment_url; the
        # payment itself now carries the outcome.
        pid = kit.segment(data.payment.connector_payment_id)
        return self._signed(ctx, "GET", f"/v1/payments/{pid}", None, Flow.COMPLETE_AUTHORIZE)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        if not pid:  # the outcome of the create is unknown: find it by our reference
            reference = require_id(data.payment.meta.get("reference"), Flow.SYNC.value)
            query = urlencode({"merchant_reference_id": reference, "limit": 10})
            return self._signed(ctx, "GET", f"/v1/payments?{query}", None, Flow.SYNC)
        return self._signed(ctx, "GET", f"/v1/payments/{kit.segment(pid)}", None, Flow.SYNC)

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        body = {"amount": _to_rapyd(data.amount, data.payment.currency)}
        return self._signed(ctx, "POST", f"/v1/payments/{pid}/capture", body, Flow.CAPTURE)

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        return self._signed(ctx, "DELETE", f"/v1/payments/{pid}", None, Flow.VOID)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        body = {
            "payment": require_id(data.payment.connector_payment_id, Flow.REFUND.value),
            "amount": _to_rapyd(data.amount, data.payment.currency),
            "currency": data.payment.currency,
            "merchant_reference_id": _reference(data.reference),
            "reason": data.reason,
            "metadata": data.metadata or None,
        }
        return self._signed(ctx, "POST", "/v1/refunds", body, Flow.REFUND)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        rid = kit.segment(data.refund.connector_refund_id)
        return self._signed(ctx, "GET", f"/v1/refunds/{rid}", None, Flow.REFUND_SYNC)

    def build_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> HttpRequest:
        # A customer created with the card as its payment method: the card is stored
        # (card_...) and later charged with the customer (cus_...) and its id.
        pm = data.payment_method
        if not isinstance(pm, Card):
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Rapyd stores cards given in full; a stored card_... already is a mandate",
                field="payment_method.type",
            )
        customer = data.customer
        body = {
            "name": _customer_name(customer, data.reference),
            "email": customer.email,
            "phone_number": customer.phone
            if customer.phone and customer.phone[:1] == "+"
            else None,
            "description": data.description,
            "metadata": {**data.metadata, "reference": data.reference},
            "payment_method": _card(ctx, pm, data.billing),
        }
        return self._signed(ctx, "POST", "/v1/customers", body, Flow.SETUP_MANDATE)

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        ref = data.mandate
        cid = kit.segment(require_id(ref.customer_id, Flow.REVOKE_MANDATE.value))
        path = f"/v1/customers/{cid}/payment_methods/{kit.segment(ref.connector_mandate_id)}"
        return self._signed(ctx, "DELETE", path, None, Flow.REVOKE_MANDATE)

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        payment = _payment_data(response)
        result = _payment(payment, data.currency)
        if data.setup_future_usage and result.status in (
            PaymentStatus.AUTHORIZED,
            PaymentStatus.CAPTURED,
        ):
            card_id = kit.text(payment.get("payment_method"))
            if card_id and card_id.startswith("card_"):
                result.mandate = MandateResult(
                    status=MandateStatus.ACTIVE,
                    connector_mandate_id=card_id,
                    connector_customer_id=kit.text(payment.get("customer_token")),
                    card=result.card,
                )
        return result

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        return _payment(_payment_data(response), data.payment.currency)

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        if not data.payment.connector_payment_id:
            listed = _data(response)
            found = (
                [p for p in listed if isinstance(p, dict) and p.get("id")]
                if isinstance(listed, list)
                else []
            )
            if not found:  # never created (the request did not arrive), or not listed yet
                return PaymentResult(
                    status=PaymentStatus.UNRESOLVED, pending_reason="not_found_at_gateway"
                )
            newest = max(found, key=lambda p: kit.integer(p.get("created_at")) or 0)
            return _payment(newest, data.payment.currency)
        return _payment(_payment_data(response), data.payment.currency)

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        return _payment(
            _payment_data(response, not_allowed="payment_not_capturable"),
            data.payment.currency,
        )

    def parse_void(
        self, ctx: ConnectorContext, data: VoidData, response: HttpResponse
    ) -> PaymentResult:
        return _payment(
            _payment_data(response, not_allowed="payment_not_voidable"), data.payment.currency
        )

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        return _refund(kit.obj(_data(response)), data.payment.currency)

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        return _refund(kit.obj(_data(response)), data.refund.currency)

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData, response: HttpResponse
    ) -> MandateResult:
        customer = kit.obj(_data(response))
        cid = kit.text(customer.get("id"))
        methods = kit.obj(customer.get("payment_methods")).get("data") or []
        default = kit.text(customer.get("default_payment_method"))
        method = next(
            (m for m in methods if isinstance(m, dict) and m.get("id") == default),
            methods[0] if methods and isinstance(methods[0], dict) else {},
        )
        return _mandate(method, cid)

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        deleted = kit.obj(_data(response))
        if deleted.get("deleted") is not True:
            raise kit.gateway_error(
                response, code=None, message="Rapyd did not confirm the deletion"
            )
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status="deleted",
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        event = kit.decode_object(body)
        return WebhookIdentity(event_id=kit.text(event.get("id")) if event else None)

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
        """Rapyd signs webhooks like requests, minus the method and with the *whole*
        configured webhook URL in place of the path; the timestamp must be recent."""
        url = ctx.options.get("webhook_url")
        access, secret = ctx.credentials.get("access_key"), ctx.credentials.get("secret_key")
        if not url or access is None or secret is None:
            return False
        return verify_webhook(
            headers,
            body,
            url=url,
            access_key=access.reveal(),
            secret_key=secret.reveal(),
            tolerance_seconds=WEBHOOK_TOLERANCE_SECONDS,
        )

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        event = checks.envelope(
            kit.decode_object(body) or None, "Rapyd", id_key="id", type_key="type"
        )
        data = event.get("data")
        if not isinstance(data, dict):
            raise checks.not_an_event("Rapyd", "`data` must be an object")
        currency_key = "currency_code" if "currency_code" in data else "currency"
        checks.currency(data, currency_key, f"data.{currency_key}")
        checks.major_number(data, "amount", "data.amount", currency_key=currency_key)
        kind = str(event["type"])
        unified = WEBHOOK_EVENTS.get(kind, WebhookEventType.UNKNOWN)
        currency = kit.text(data.get(currency_key))
        amount = _amount(data.get("amount"), currency)
        out = WebhookEvent(
            event_id=str(event["id"]),
            type=unified,
            connector_event_type=kind,
            amount=amount,
            currency=currency,
            occurred_at=str(event["created_at"]) if kit.integer(event.get("created_at")) else None,
        )
        if unified in REFUND_EVENTS:
            out.connector_payment_id = kit.text(data.get("payment"))
            out.refund = _refund(data, currency)
        elif unified is not WebhookEventType.UNKNOWN:
            out.connector_payment_id = kit.text(data.get("id"))
            if out.connector_payment_id and currency:
                out.payment = _payment(data, currency)
        return [out]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        text = _HEADER_LINE.sub(r"\1[REDACTED]", transcript)
        text = scrub_common(text)
        return _CARD_FIELD.sub(r"\1[CARD]\2", text)


_HEADER_LINE = re.compile(
    r"(?im)^([<>]?[ \t]*(?:access_key|signature|authorization|x-api-key)[ \t]*:[ \t]*)(\S.*)$"
)
_CARD_FIELD = re.compile(r'("number"\s*:\s*")\d{12,19}(")')


# --------------------------------------------------------------------------- signatures


def sign_request(
    method: str,
    url: str,
    body: bytes,
    access_key: str,
    secret_key: str,
    *,
    salt: str,
    timestamp: str,
) -> dict[str, str]:
    """The headers of a signed request to ``url`` (its path and query are signed)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    message = (method.lower() + path + salt + timestamp + access_key + secret_key).encode()
    return {
        "access_key": access_key,
        "salt": salt,
        "timestamp": timestamp,
        "signature": kit.hmac_sha256_hex_b64(secret_key, message + body),
        "Content-Type": "application/json",
    }


def webhook_signature(
    url: str, salt: str, timestamp: str, access_key: str, secret_key: str, body: bytes
) -> str:
    message = (url + salt + timestamp + access_key + secret_key).encode() + body
    return kit.hmac_sha256_hex_b64(secret_key, message)


def verify_webhook(
    headers: dict[str, str],
    body: bytes,
    *,
    url: str,
    access_key: str,
    secret_key: str,
    tolerance_seconds: float,
    now: float | None = None,
) -> bool:
    """Whether ``headers`` (lower-cased names) sign ``body`` as Rapyd does."""
    salt, timestamp = headers.get("salt", ""), headers.get("timestamp", "")
    given = headers.get("signature", "").strip()
    if not (salt and given and secret_key and timestamp.isdigit()):
        return False
    if len(timestamp) > kit.signatures.MAX_TIMESTAMP_DIGITS:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    expected = webhook_signature(url, salt, timestamp, access_key, secret_key, body)
    return kit.constant_time_equal(expected, given)


# --------------------------------------------------------------------------- 5. status maps

# Payment.status (spec enum PaymentStatus); ACT is refined by next_action in _status.
PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "ACT": PaymentStatus.PROCESSING,
    "CLO": PaymentStatus.CAPTURED,
    "CAN": PaymentStatus.VOIDED,
    "ERR": PaymentStatus.FAILED,
    "EXP": PaymentStatus.FAILED,
    "REV": PaymentStatus.FAILED,  # reversed by Rapyd (see cancel_reason): no money
    # DLD, UND, CRE: the spec lists them without a meaning -> PROCESSING (logged)
}
# Refund.status: the spec types it as a plain string; these are the documented values.
REFUND_STATUS: dict[str, RefundStatus] = {
    "Completed": RefundStatus.SUCCEEDED,
    "Pending": RefundStatus.PENDING,
    "Rejected": RefundStatus.FAILED,
    "Error": RefundStatus.FAILED,
    "Canceled": RefundStatus.FAILED,
}


def _status(payment: RapydPayment) -> PaymentStatus:
    status = kit.status_of(PAYMENT_STATUS, payment.status, PaymentStatus.PROCESSING)
    if payment.status == "ACT":
        if payment.next_action == "3d_verification" and payment.redirect_url:
            return PaymentStatus.REQUIRES_ACTION
        if payment.next_action == "pending_capture":
            return PaymentStatus.AUTHORIZED
        if payment.next_action == "pending_confirmation" and payment.redirect_url:
            return PaymentStatus.REQUIRES_ACTION
    if (
        status is PaymentStatus.CAPTURED
        and payment.original_amount is not None
        and (payment.amount is not None and payment.amount < payment.original_amount)
    ):
        return PaymentStatus.PARTIALLY_CAPTURED  # the rest was released by Rapyd
    return status


# --------------------------------------------------------------------------- 6. error maps

# status.error_code of a failed Create Payment -> unified decline (docs "Payment Errors").
_DECLINES = (
    (DeclineCode.INSUFFICIENT_FUNDS, "ERROR_CREATE_PAYMENT_INSUFFICIENT_FUNDS"),
    (DeclineCode.AUTHENTICATION_FAILED, "ERROR_3DS_AUTHENTICATION_FAILURE"),
    (DeclineCode.EXPIRED_CARD, "ERROR_PAYMENT_METHOD_EXPIRED"),
    (DeclineCode.RESTRICTED_CARD, "ERROR_CREATE_PAYMENT_ACCOUNT_UNAVAILABLE"),
    (DeclineCode.DO_NOT_HONOR, "ERROR_CREATE_PAYMENT_CONTACT_BANK"),
    (DeclineCode.REVOCATION_OF_AUTHORIZATION, "ERROR_CREATE_PAYMENT_CUSTOMER_DISPUTE"),
    (DeclineCode.DO_NOT_TRY_AGAIN, "ERROR_CREATE_PAYMENT_PAYER_DECEASED"),
    (
        DeclineCode.TRANSACTION_NOT_ALLOWED,
        "ERROR_CREATE_PAYMENT_TRANSACTION_NOT_ALLOWED_FOR_THIS_TYPE_OF_ACCOUNT "
        "ERROR_AUTH_ONLY_IS_NOT_SUPPORTED",
    ),
)
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)

_R = kit.ErrorRule
_BAD = ErrorType.INVALID_REQUEST, "gateway_rejected_request"
ERROR_MAP: kit.ErrorTable = {
    "ERROR_CAPTURE_PAYMENT": _R(ErrorType.CONFLICT, "payment_not_capturable"),
    "ERROR_CANCEL_PAYMENT": _R(ErrorType.CONFLICT, "payment_not_voidable"),
    "ERROR_GET_PAYMENT": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "ERROR_GET_REFUND": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "ERROR_GET_CUSTOMER": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "ERROR_CUSTOMER_PAYMENT_METHOD_NOT_FOUND": _R(
        ErrorType.NOT_FOUND, "resource_not_found", "payment_method.mandate_id"
    ),
    "ERROR_DELETE_PAYMENT_METHOD_IN_USE": _R(ErrorType.CONFLICT, "gateway_conflict"),
    "ERROR_CREATE_REFUND": _R(*_BAD, "amount"),
    "ERROR_GET_PAYMENT_METHOD_TYPE": _R(*_BAD, "payment_method.type"),
    "INVALID_CARD_EXPIRATION_DATE": _R(*_BAD, "payment_method.exp_month"),
    "INVALID_AMOUNT": _R(*_BAD, "amount"),
    "INVALID_CUSTOMER_ID": _R(*_BAD, "payment_method.mandate_id"),
    "MISSING_INVALID_PARAMETERS": _R(*_BAD),
    "UNAUTHENTICATED_API_CALL": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
}


def _envelope(response: HttpResponse) -> tuple[dict[str, Any], Any]:
    body = kit.obj(response.json())
    return kit.obj(body.get("status")), body.get("data")


def _data(response: HttpResponse, *, not_allowed: str | None = None) -> Any:
    """``data`` of a SUCCESS answer, or the one error an ERROR answer means."""
    status, data = _envelope(response)
    if response.status < 400 and status.get("status") != "ERROR":
        return data
    raise _error(response, status, not_allowed)


def _payment_data(response: HttpResponse, *, not_allowed: str | None = None) -> dict[str, Any]:
    """The payment of an answer; a failed Create Payment that carries its payment (the
    PAYMENT_FAILED data) is that payment, declined, with the error code as its reason."""
    status, data = _envelope(response)
    failed = response.status >= 400 or status.get("status") == "ERROR"
    if failed and isinstance(data, dict) and data.get("id") and data.get("status") == "ERR":
        code = data.get("error_code") or status.get("error_code")
        message = data.get("failure_message") or status.get("message")
        return {**data, "error_code": code, "failure_message": message}
    if failed and kit.text(status.get("error_code")) in DECLINE_MAP:
        # declined without the payment object: a result, though with no gateway id
        code, message = status.get("error_code"), status.get("message")
        return {"status": "ERR", "error_code": code, "failure_message": message}
    payment = kit.obj(_data(response, not_allowed=not_allowed))
    if not payment.get("id"):
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Rapyd answered without a payment."
        )
    return payment


def _error(response: HttpResponse, status: dict[str, Any], not_allowed: str | None) -> ServiceError:
    code = kit.text(status.get("error_code")) or kit.text(status.get("response_code"))
    message = kit.text(status.get("message"))
    if not_allowed and code in ("ERROR_CAPTURE_PAYMENT", "ERROR_CANCEL_PAYMENT"):
        detail = GatewayDetail(code=code, message=message, http_status=response.status)
        return ServiceError(
            ErrorType.CONFLICT, not_allowed, "Rapyd does not allow this action now.", gateway=detail
        )
    return kit.error_from(response, ERROR_MAP, codes=[code], message=message)


def _failure(payment: RapydPayment) -> Failure:
    raw = payment.failure_code or payment.error_code
    return decline(
        kit.decline_of(DECLINE_MAP, payment.error_code, payment.failure_code),
        raw_code=raw,
        raw_message=payment.failure_message or payment.error_message or payment.cancel_reason,
    )


# --------------------------------------------------------------------------- webhook tables

WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "PAYMENT_SUCCEEDED": WebhookEventType.PAYMENT_AUTHORIZED,
    "PAYMENT_COMPLETED": WebhookEventType.PAYMENT_CAPTURED,
    "PAYMENT_CAPTURED": WebhookEventType.PAYMENT_CAPTURED,
    "PAYMENT_FAILED": WebhookEventType.PAYMENT_FAILED,
    "PAYMENT_EXPIRED": WebhookEventType.PAYMENT_FAILED,
    "PAYMENT_REVERSED": WebhookEventType.PAYMENT_FAILED,
    "PAYMENT_CANCELED": WebhookEventType.PAYMENT_VOIDED,
    "PAYMENT_UPDATED": WebhookEventType.PAYMENT_PROCESSING,
    "REFUND_COMPLETED": WebhookEventType.REFUND_SUCCEEDED,
    "PAYMENT_REFUND_COMPLETED": WebhookEventType.REFUND_SUCCEEDED,
    "REFUND_REJECTED": WebhookEventType.REFUND_FAILED,
    "PAYMENT_REFUND_REJECTED": WebhookEventType.REFUND_FAILED,
    "REFUND_FAILED": WebhookEventType.REFUND_FAILED,
    "PAYMENT_REFUND_FAILED": WebhookEventType.REFUND_FAILED,
    # PAYMENT_DISPUTE_*, and anything new: UNKNOWN (stored with its raw type)
}
REFUND_EVENTS = frozenset({WebhookEventType.REFUND_SUCCEEDED, WebhookEventType.REFUND_FAILED})


# --------------------------------------------------------------------------- helpers

# Rapyd takes amounts as decimals "including the correct number of decimal places for
# the currency exponent, as defined in ISO 4217" (spec, v1_payments_body.amount).
RAPYD = kit.Exponents("Rapyd")


def _to_rapyd(amount: int, currency: str) -> float | int:
    """ISO minor units -> the JSON number Rapyd reads (``10.5`` for 1050 EUR cents)."""
    try:
        text = RAPYD.to_major(amount, currency)
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None
    return int(text) if "." not in text else float(text)


def _amount(value: Any, currency: str | None) -> int | None:
    """A Rapyd amount (JSON number, major units) -> ISO minor units."""
    if currency is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return RAPYD.from_major(repr(value) if isinstance(value, float) else str(value), currency)
    except (ValueError, UnknownCurrency):
        return None


def _reference(reference: str) -> str:
    if len(reference) > 255:
        raise invalid(
            "reference_too_long", "Rapyd takes references of 255 characters at most", "reference"
        )
    return reference


def _initiation_type(ctx: ConnectorContext) -> str:
    value = ctx.option("mit_initiation_type", "unscheduled")
    if value not in INITIATION_TYPES:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            f"option mit_initiation_type must be one of {', '.join(INITIATION_TYPES)}",
        )
    return value


# Rapyd's card payment method types are <country>_<network>_card (us_visa_card).
_NETWORK = {
    CardBrand.VISA: "visa", CardBrand.MASTERCARD: "mastercard", CardBrand.AMEX: "amex",
    CardBrand.DISCOVER: "discover", CardBrand.DINERS: "diners", CardBrand.JCB: "jcb",
    CardBrand.UNIONPAY: "unionpay", CardBrand.MAESTRO: "maestro",
}  # fmt: skip


def _card(ctx: ConnectorContext, card: Card, billing: Address | None) -> dict[str, Any]:
    network = _NETWORK.get(card.brand)
    if network is None:
        raise invalid(
            "payment_method_not_supported",
            "Rapyd needs the card's network (Visa, Mastercard, ...) to name its type",
            "payment_method.number",
        )
    country = (billing.country if billing and billing.country else None) or ctx.option(
        "card_country", "us"
    )
    return {
        "type": f"{country.lower()}_{network}_card",
        "fields": drop_none(
            {
                "number": card.number.reveal(),
                "expiration_month": f"{card.exp_month:02d}",
                "expiration_year": f"{card.exp_year % 100:02d}",
                "cvv": card.cvc.reveal() if card.cvc else None,
                "name": card.holder_name,
            }
        ),
    }


def _customer_name(customer: Customer, reference: str) -> str:
    return customer.name or customer.email or f"Customer {reference}"


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    name = " ".join(p for p in (address.first_name, address.last_name) if p)
    if not name:  # Rapyd's address needs a name; without one none is sent
        return None
    return drop_none(
        {
            "name": name,
            "line_1": address.line1,
            "line_2": address.line2,
            "city": address.city,
            "state": address.state,
            "zip": address.postal_code,
            "country": address.country,
            "phone_number": address.phone if address.phone and address.phone[:1] == "+" else None,
        }
    )


class RapydPaymentMethodData(msgspec.Struct, frozen=True):
    type: str | None = None
    last4: str | None = None
    expiration_month: str | None = None
    expiration_year: str | None = None
    network_reference_id: str | None = None


class RapydPayment(msgspec.Struct, frozen=True):
    """The fields of a Payment read here (Rapyd adds many more; they are ignored)."""

    id: str | None = None
    status: str = ""
    amount: float | None = None
    original_amount: float | None = None
    currency_code: str | None = None
    captured: bool | None = None
    paid: bool | None = None
    next_action: str | None = None
    redirect_url: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    cancel_reason: str | None = None
    payment_method: str | None = None
    payment_method_type: str | None = None
    customer_token: str | None = None
    merchant_reference_id: str | None = None
    payment_method_data: RapydPaymentMethodData = RapydPaymentMethodData()


def _payment(body: dict[str, Any], currency: str) -> PaymentResult:
    payment = kit.decode_as(body, RapydPayment)
    if payment is None:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Rapyd answered without a payment."
        )
    status = _status(payment)
    captured = status in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_CAPTURED)
    amount = _amount(body.get("original_amount", body.get("amount")), currency)
    return PaymentResult(
        status=status,
        connector_payment_id=payment.id or None,
        amount=amount,
        amount_captured=_amount(body.get("amount"), currency) if captured else None,
        connector_status=payment.status or None,
        next_action=RedirectAction(url=payment.redirect_url)
        if status is PaymentStatus.REQUIRES_ACTION and payment.redirect_url
        else None,
        failure=_failure(payment) if status is PaymentStatus.FAILED else None,
        network_transaction_id=payment.payment_method_data.network_reference_id or None,
        pending_reason="pending_gateway" if status is PaymentStatus.PROCESSING else None,
        card=_summary(payment.payment_method_data, payment.payment_method_type),
        reference=payment.merchant_reference_id or None,
    )


def _refund(body: dict[str, Any], currency: str | None) -> RefundResult:
    rid = kit.text(body.get("id"))
    if not rid:
        raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Rapyd answered without a refund.")
    raw = kit.text(body.get("status")) or ""
    status = kit.status_of(REFUND_STATUS, raw, RefundStatus.PENDING)
    reason = kit.text(body.get("failure_reason"))
    return RefundResult(
        status=status,
        connector_refund_id=rid,
        amount=_amount(body.get("amount"), kit.text(body.get("currency")) or currency),
        connector_status=raw or None,
        failure=decline(DeclineCode.GENERIC_DECLINE, raw_code=raw, raw_message=reason)
        if status is RefundStatus.FAILED
        else None,
        pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        meta=_ids(payment_id=kit.text(body.get("payment"))),
    )


def _mandate(method: dict[str, Any], customer_id: str | None) -> MandateResult:
    card_id = kit.text(method.get("id"))
    redirect = kit.text(method.get("redirect_url"))
    if not card_id or not customer_id:
        status = MandateStatus.FAILED
    elif method.get("next_action") == "3d_verification":
        status = MandateStatus.PENDING  # the card is to be authenticated first
    else:
        status = MandateStatus.ACTIVE
    month, year = kit.text(method.get("expiration_month")), kit.text(method.get("expiration_year"))
    return MandateResult(
        status=status,
        connector_mandate_id=card_id,
        connector_customer_id=customer_id,
        network_transaction_id=kit.text(method.get("network_reference_id")),
        connector_status=kit.text(method.get("next_action")),
        next_action=RedirectAction(url=redirect)
        if status is MandateStatus.PENDING and redirect
        else None,
        failure=decline(DeclineCode.GENERIC_DECLINE, message="Rapyd stored no card.")
        if status is MandateStatus.FAILED
        else None,
        card=_summary(
            RapydPaymentMethodData(
                last4=kit.text(method.get("last4")), expiration_month=month, expiration_year=year
            ),
            kit.text(method.get("type")),
        ),
    )


def _summary(data: RapydPaymentMethodData, method_type: str | None) -> CardSummary | None:
    """What may be shown of the card; the network is read from the payment method type
    (``us_visa_card``), since ``payment_method_data.type`` is credit / debit / prepaid."""
    if not data.last4:
        return None
    parts = (method_type or "").split("_")
    network = parts[1] if len(parts) >= 3 and parts[-1] == "card" else None
    month, year = _digits(data.expiration_month), _digits(data.expiration_year)
    return CardSummary(
        brand=network,
        last4=data.last4,
        exp_month=month,
        exp_year=year + 2000 if year is not None and year < 100 else year,
    )


def _digits(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _ids(**ids: str | None) -> dict[str, str]:
    return {k: v for k, v in ids.items() if v}
