"""Sandbox: the built-in simulated gateway (see ``connector_service.sandbox``).

Written exactly like a real connector, so it exercises the same executor, status map,
error map and scrub paths a real gateway does; only its URLs (``sandbox://``) are served
in-process.
"""

from __future__ import annotations

import base64
import time
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

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
    json_body,
    scrub_common,
)
from connector_service.connectors.capabilities import MethodFlow, MethodSupport
from connector_service.connectors.kit import webhooks as checks
from connector_service.connectors.kit.options import ConnectorOptions
from connector_service.domain.common import (
    AwaitCustomer,
    CardSummary,
    DisplayBankTransfer,
    DisplayQr,
    DisplayVoucher,
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
)
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    DisputeAcceptData,
    DisputeEvidenceData,
    DisputeListData,
    DisputeListResult,
    DisputeResult,
    DisputeSyncData,
    EvidenceLimits,
    IncrementData,
    ListMandatesData,
    MandateResult,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    RefundResult,
    RefundSyncData,
    StoredMandate,
    StoredMethods,
    SyncData,
    VoidData,
    WebhookEvent,
    WebhookEventType,
    WebhookIdentity,
    WebhookReply,
)
from connector_service.domain.payment_methods import (
    EWALLET_CURRENCIES,
    Card,
    Ewallet,
    NetworkToken,
    PaymentMethodType,
    Token,
    type_of,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    DisputeReason,
    DisputeStatus,
    EvidenceType,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

_M = PaymentMethodType
_F = MethodFlow
_ALL = frozenset({_F.AUTHORIZE, _F.CAPTURE, _F.REFUND})
_PAY = frozenset({_F.AUTHORIZE, _F.REFUND})  # captured at once, refundable


def _local(flows: frozenset[MethodFlow], countries: str, currencies: str) -> MethodSupport:
    return MethodSupport(
        flows=flows,
        countries=frozenset(countries.split()) if countries else None,
        currencies=frozenset(currencies.split()),
    )


_SEPA = (
    "AT BE BG CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT RO "
    "SE SI SK SM"
)
# Every method of the model, with each method's realistic flows, countries and currencies
# (what the real schemes allow: a voucher cannot be refunded through the scheme, a debit
# cannot be held for a later capture). docs/payment-methods.md lists them.
METHODS: dict[PaymentMethodType, MethodSupport] = {
    _M.CARD: MethodSupport(flows=_ALL | {_F.RECURRING}, external_3ds=True),
    _M.MANDATE: MethodSupport(flows=_ALL | {_F.RECURRING}),
    _M.NETWORK_TOKEN: MethodSupport(flows=_ALL),
    _M.APPLE_PAY: MethodSupport(flows=_ALL),
    _M.GOOGLE_PAY: MethodSupport(flows=_ALL),
    _M.PAYPAL: MethodSupport(flows=_ALL),
    _M.IDEAL: _local(_PAY, "NL", "EUR"),
    _M.BANCONTACT: _local(_PAY, "BE", "EUR"),
    _M.EPS: _local(_PAY, "AT", "EUR"),
    _M.BLIK: _local(_PAY, "PL", "PLN"),
    _M.PRZELEWY24: _local(_PAY, "PL", "EUR PLN"),
    _M.SEPA_DEBIT: _local(_PAY, _SEPA, "EUR"),
    _M.ACH_DEBIT: _local(_PAY, "US", "USD"),
    _M.BACS_DEBIT: _local(_PAY, "GB", "GBP"),
    _M.PIX: _local(_PAY, "BR", "BRL"),
    _M.UPI: _local(_PAY, "IN", "INR"),
    _M.PAYNOW: _local(_PAY, "SG", "SGD"),
    _M.PROMPTPAY: _local(_PAY, "TH", "THB"),
    _M.BOLETO: _local(frozenset({_F.AUTHORIZE}), "BR", "BRL"),
    _M.OXXO: _local(frozenset({_F.AUTHORIZE}), "MX", "MXN"),
    _M.KONBINI: _local(frozenset({_F.AUTHORIZE}), "JP", "JPY"),
    _M.KLARNA: _local(_ALL, "", "AUD CAD CHF CZK DKK EUR GBP NOK NZD PLN SEK USD"),
    _M.AFTERPAY_CLEARPAY: _local(_ALL, "AU CA GB NZ US", "AUD CAD GBP NZD USD"),
    _M.AFFIRM: _local(_ALL, "CA US", "CAD USD"),
    _M.ALIPAY: _local(_PAY, "", "AUD CAD CNY EUR GBP HKD JPY NZD SGD USD"),
    _M.WECHAT_PAY: _local(_PAY, "", "AUD CAD CNY EUR GBP HKD JPY SGD USD"),
    _M.NETBANKING: _local(_PAY, "IN", "INR"),
    _M.QRIS: _local(_PAY, "ID", "IDR"),
    _M.EWALLET: _local(_PAY, "ID MY PH TH VN", "IDR MYR PHP THB VND"),
    _M.VIRTUAL_ACCOUNT: _local(frozenset({_F.AUTHORIZE}), "ID PH VN", "IDR PHP VND"),
}
_Note = Annotated[
    str, Meta(min_length=1, max_length=100, description="free text the sandbox keeps (note)")
]


class SandboxPaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.sandbox`` on a payment (the sandbox's ``descriptor_suffix`` and
    ``risk_label``, echoed in its payment record)."""

    descriptor_suffix: (
        Annotated[str, Meta(min_length=1, max_length=10, description="appended to the descriptor")]
        | None
    ) = None
    risk_label: (
        Annotated[
            Literal["low", "normal", "elevated"],
            Meta(description="the sandbox's risk label for the payment"),
        ]
        | None
    ) = None


class SandboxNoteOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.sandbox`` on a capture, refund or mandate (``note``)."""

    note: _Note | None = None


class SandboxConnector(Connector):
    meta = ConnectorMeta(
        name="sandbox",
        display_name="Sandbox",
        base_url_test="sandbox://gateway",
        base_url_live="sandbox://gateway",
        credential_fields=(
            CredentialField(
                "webhook_secret",
                "Key of the sandbox's webhook signatures (default: derived from server.id_key)",
                required=False,
            ),
        ),
        methods=METHODS,
        idempotency="Idempotency-Key header",
        secret_fields=("webhook_secret",),
        docs_url=None,
        multiple_captures=True,
        options=ConnectorOptions(
            payment=SandboxPaymentOptions,
            capture=SandboxNoteOptions,
            refund=SandboxNoteOptions,
            mandate=SandboxNoteOptions,
        ),
        splits="splits [{destination, amount}] + application_fee; refunds reverse them "
        "proportionally (GET /v1/balances/{destination} shows each destination's balance)",
    )
    supports_mandate_charges = True
    # Every evidence type as text or file; PDF, PNG or JPEG files of at most 1 MB, three
    # per call (small on purpose: the limit checks are easy to reach in a test).
    evidence_limits = EvidenceLimits(
        text_types=frozenset(EvidenceType),
        file_types=frozenset(EvidenceType),
        content_types=frozenset({"application/pdf", "image/png", "image/jpeg"}),
        max_file_bytes=1_000_000,
        max_files=3,
        max_total_bytes=3_000_000,
        max_text_chars=20000,
    )

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(ctx: ConnectorContext) -> dict[str, str]:
        # Sandbox-Account: which account's webhook URL hears about what this creates.
        headers = {"Content-Type": "application/json", "Sandbox-Account": ctx.account}
        if ctx.idempotency_key:
            headers["Idempotency-Key"] = ctx.idempotency_key
        return headers

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        body: dict[str, Any] = {
            "amount": data.amount,
            "currency": data.currency,
            "capture": data.capture_method is CaptureMethod.AUTOMATIC,
            "reference": data.reference,
            "return_url": data.return_url,
            "authentication_base_url": ctx.public_url,
            "store": data.setup_future_usage,
            "customer_id": data.customer.id if data.customer else None,
            "incremental": data.incremental_authorization,
            "multicapture": data.multiple_captures,
        }
        options = kit.options_of(data, SandboxPaymentOptions)
        if options is not None:
            body |= msgspec.to_builtins(options)
        if data.splits:
            body["splits"] = [
                {"destination": s.destination, "amount": s.amount} for s in data.splits
            ]
        if data.application_fee:
            body["application_fee"] = data.application_fee
        pm = data.payment_method
        if isinstance(pm, Card):
            body["card"] = _card(pm)
        elif isinstance(pm, StoredMandate):
            body["mandate_id"] = pm.ref.connector_mandate_id
        elif type_of(pm) in METHODS and not isinstance(pm, Token):
            if isinstance(pm, Ewallet) and data.currency not in EWALLET_CURRENCIES[pm.provider]:
                raise ServiceError(
                    ErrorType.NOT_SUPPORTED,
                    "currency_not_supported",
                    f"{pm.provider} holds {', '.join(sorted(EWALLET_CURRENCIES[pm.provider]))}"
                    f" only, not {data.currency}",
                    field="currency",
                )
            body["method"] = _method(pm)
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                f"the sandbox does not support {type(pm).__name__.lower()} payments",
                field="payment_method.type",
            )
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/v1/payments",
            self._headers(ctx),
            json_body(body),
            idempotent=bool(ctx.idempotency_key),
        )

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        # The challenge page already told the gateway; completing is a fresh read.
        return self.build_sync(ctx, SyncData(payment=data.payment))

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        if not pid:  # an unresolved payment: the gateway never told us its id
            reference = quote(data.payment.meta.get("reference", ""), safe="")
            return HttpRequest(
                "GET", f"{ctx.base_url}/v1/payments/by-reference/{reference}", idempotent=True
            )
        return HttpRequest("GET", f"{ctx.base_url}/v1/payments/{pid}", idempotent=True)

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/v1/payments/{pid}/capture",
            self._headers(ctx),
            json_body({"amount": data.amount, "final": data.final_capture} | _note(data)),
            idempotent=bool(ctx.idempotency_key),
        )

    def build_increment(self, ctx: ConnectorContext, data: IncrementData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/v1/payments/{pid}/increment",
            self._headers(ctx),
            json_body({"amount": data.amount, "reason": data.reason}),  # the new total
            idempotent=bool(ctx.idempotency_key),
        )

    def build_list_mandates(self, ctx: ConnectorContext, data: ListMandatesData) -> HttpRequest:
        customer = quote(data.customer_id, safe="")
        return HttpRequest(
            "GET",
            f"{ctx.base_url}/v1/customers/{customer}/mandates",
            {"Sandbox-Account": ctx.account},
            idempotent=True,
        )

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/v1/payments/{pid}/void",
            self._headers(ctx),
            b"{}",
            idempotent=True,
        )

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        body = {"amount": data.amount, "reference": data.reference} | _note(data)
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/v1/payments/{pid}/refunds",
            self._headers(ctx),
            json_body(body),
            idempotent=bool(ctx.idempotency_key),
        )

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        rid = data.refund.connector_refund_id
        return HttpRequest("GET", f"{ctx.base_url}/v1/refunds/{rid}", idempotent=True)

    def build_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> HttpRequest:
        if not isinstance(data.payment_method, Card):
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "the sandbox sets up mandates for cards only",
                field="payment_method.type",
            )
        body = {
            "card": _card(data.payment_method),
            "customer_id": data.customer.id,
            "amount": data.amount,
            "currency": data.currency,
        } | _note(data)
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/v1/mandates",
            self._headers(ctx),
            json_body(body),
            idempotent=bool(ctx.idempotency_key),
        )

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        mid = data.mandate.connector_mandate_id
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/v1/mandates/{mid}/revoke",
            self._headers(ctx),
            b"{}",
            idempotent=True,
        )

    def build_dispute_sync(self, ctx: ConnectorContext, data: DisputeSyncData) -> HttpRequest:
        did = data.dispute.connector_dispute_id
        return HttpRequest("GET", f"{ctx.base_url}/v1/disputes/{did}", self._headers(ctx))

    def build_dispute_list(self, ctx: ConnectorContext, data: DisputeListData) -> HttpRequest:
        query = {"limit": str(data.limit)}
        if data.cursor:
            query["starting_after"] = data.cursor
        return HttpRequest(
            "GET", f"{ctx.base_url}/v1/disputes?{urlencode(query)}", self._headers(ctx)
        )

    def build_dispute_accept(self, ctx: ConnectorContext, data: DisputeAcceptData) -> HttpRequest:
        did = data.dispute.connector_dispute_id
        return HttpRequest(
            "POST", f"{ctx.base_url}/v1/disputes/{did}/accept", self._headers(ctx), b"{}",
            idempotent=True,
        )  # fmt: skip

    def build_dispute_evidence(
        self, ctx: ConnectorContext, data: DisputeEvidenceData
    ) -> HttpRequest:
        did = data.dispute.connector_dispute_id
        body = {
            "evidence": {k.value: v for k, v in data.text.items()},
            "files": [
                {
                    "type": f.type.value,
                    "file_name": f.file_name,
                    "content_type": f.content_type,
                    "content_base64": base64.b64encode(f.content).decode(),
                }
                for f in data.files
            ],
            "submit": data.submit,
        }
        return HttpRequest(
            "POST", f"{ctx.base_url}/v1/disputes/{did}/evidence", self._headers(ctx),
            json_body(body), idempotent=bool(ctx.idempotency_key),
        )  # fmt: skip

    # ----------------------------------------------------------------------- 4. parsers

    def parse_dispute_sync(
        self, ctx: ConnectorContext, data: object, response: HttpResponse
    ) -> DisputeResult:
        body = response.json()
        _raise_for_error(response, body)
        return _dispute(body)

    parse_dispute_accept = parse_dispute_sync
    parse_dispute_evidence = parse_dispute_sync

    def parse_dispute_list(
        self, ctx: ConnectorContext, data: DisputeListData, response: HttpResponse
    ) -> DisputeListResult:
        body = response.json()
        _raise_for_error(response, body)
        disputes = [_dispute(d) for d in body.get("data") or [] if isinstance(d, dict)]
        more = body.get("has_more") is True and disputes
        return DisputeListResult(
            disputes=disputes, next_cursor=disputes[-1].connector_dispute_id if more else None
        )

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        body = response.json()
        if response.status == 402 and isinstance(body.get("payment"), dict):
            return self._payment(body["payment"])
        _raise_for_error(response, body)
        return self._payment(body)

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        return self.parse_sync(ctx, SyncData(payment=data.payment), response)

    def parse_sync(
        self, ctx: ConnectorContext, data: object, response: HttpResponse
    ) -> PaymentResult:
        body = response.json()
        _raise_for_error(response, body)
        return self._payment(body)

    parse_capture = parse_sync
    parse_void = parse_sync

    def parse_increment(
        self, ctx: ConnectorContext, data: IncrementData, response: HttpResponse
    ) -> PaymentResult:
        body = response.json()
        if response.status == 402 and isinstance(body.get("payment"), dict):
            # Declined: the authorization stays as it was; the refusal is the failure.
            error = kit.obj(body.get("error"))
            result = self._payment(body["payment"])
            result.failure = _failure(
                {
                    "code": kit.text(error.get("decline_code")),
                    "message": kit.text(error.get("message")),
                    "advice_code": kit.text(error.get("advice_code")),
                }
            )
            return result
        _raise_for_error(response, body)
        return self._payment(body)

    def parse_list_mandates(
        self, ctx: ConnectorContext, data: ListMandatesData, response: HttpResponse
    ) -> StoredMethods:
        body = response.json()
        _raise_for_error(response, body)
        listed = msgspec.convert(body, SandboxMandateList)
        return StoredMethods(
            methods=[self._mandate(msgspec.to_builtins(m)) for m in listed.data],
            has_more=listed.has_more,
        )

    def parse_refund(
        self, ctx: ConnectorContext, data: object, response: HttpResponse
    ) -> RefundResult:
        body = response.json()
        _raise_for_error(response, body)
        return RefundResult(
            status=kit.status_of(REFUND_STATUS, body.get("status"), RefundStatus.PENDING),
            connector_refund_id=body["id"],
            amount=body.get("amount"),
            connector_status=body.get("status"),
        )

    parse_refund_sync = parse_refund

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: object, response: HttpResponse
    ) -> MandateResult:
        body = response.json()
        _raise_for_error(response, body)
        return self._mandate(body)

    parse_revoke_mandate = parse_setup_mandate

    def _payment(self, body: dict[str, Any]) -> PaymentResult:
        payment = msgspec.convert(body, SandboxPayment)
        status = kit.status_of(PAYMENT_STATUS, payment.status, PaymentStatus.PROCESSING)
        next_action = None
        if status is PaymentStatus.REQUIRES_ACTION and payment.next_action:
            next_action = _next_action(payment.next_action)
        mandate = None
        if payment.mandate_id:
            mandate = MandateResult(
                status=MandateStatus.ACTIVE,
                connector_mandate_id=payment.mandate_id,
                network_transaction_id=payment.network_transaction_id,
            )
        return PaymentResult(
            status=status,
            connector_payment_id=payment.id,
            amount=payment.amount,
            amount_captured=payment.amount_captured,
            connector_status=payment.status,
            next_action=next_action,
            failure=_failure(payment.decline),
            mandate=mandate,
            network_transaction_id=payment.network_transaction_id,
            card=_summary(payment.card),
            reference=payment.reference,
        )

    def _mandate(self, body: dict[str, Any]) -> MandateResult:
        mandate = msgspec.convert(body, SandboxMandate)
        return MandateResult(
            status=kit.status_of(MANDATE_STATUS, mandate.status, MandateStatus.PENDING),
            connector_mandate_id=mandate.id,
            connector_customer_id=mandate.customer_id,
            network_transaction_id=mandate.network_transaction_id,
            connector_status=mandate.status,
            failure=_failure(mandate.decline),
            card=_summary(mandate.card),
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        event = _webhook_event(body)
        account = event.get("account")
        return WebhookIdentity(
            event_id=str(event["id"]), account_hint=account if isinstance(account, str) else None
        )

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
        """``Sandbox-Signature: t=<unix>,v1=<hex>``: HMAC-SHA256 of ``"<t>.<raw body>"``
        under the account's webhook secret, rejected beyond five minutes of clock skew."""
        secret = ctx.credentials.get("webhook_secret")
        return kit.verify_timestamped(
            headers.get("sandbox-signature", ""),
            body,
            secret.reveal() if secret is not None else "",
            tolerance_seconds=WEBHOOK_TOLERANCE_SECONDS,
        )

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        event = _webhook_event(body)
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            raise invalid("invalid_webhook", "a sandbox event needs data.object with an id")
        checks.minor_amount(obj, "amount", "data.object.amount")
        checks.currency(obj, "currency", "data.object.currency")
        kind = str(event.get("type", ""))
        unified = WEBHOOK_EVENTS.get(kind, WebhookEventType.UNKNOWN)
        created = event.get("created")
        out = WebhookEvent(
            event_id=str(event["id"]),
            type=unified,
            connector_event_type=kind,
            amount=obj.get("amount") if isinstance(obj.get("amount"), int) else None,
            currency=obj.get("currency") if isinstance(obj.get("currency"), str) else None,
            occurred_at=(
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))
                if isinstance(created, int)
                else None
            ),
        )
        try:
            kind_of = obj.get("object")
            if kind_of == "payment":
                out.connector_payment_id = obj["id"]
                out.payment = self._payment(obj)
            elif kind_of == "refund":
                out.connector_payment_id = obj.get("payment")
                out.refund = RefundResult(
                    status=kit.status_of(REFUND_STATUS, obj.get("status"), RefundStatus.PENDING),
                    connector_refund_id=obj["id"],
                    amount=out.amount,
                    connector_status=obj.get("status"),
                )
            elif kind_of == "mandate":
                out.mandate = self._mandate(obj)
            elif kind_of == "dispute":
                out.connector_payment_id = obj.get("payment")
                out.dispute = _dispute(obj)
        except (KeyError, TypeError, ValueError, msgspec.ValidationError):
            raise invalid("invalid_webhook", f"malformed {kind_of} in a sandbox event") from None
        return [out]

    def webhook_reply(self, events: list[WebhookEvent]) -> WebhookReply:
        return WebhookReply(status=200, body=b'{"received":true}', content_type="application/json")

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        return scrub_common(transcript)


# --------------------------------------------------------------------------- 5. status maps

PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "requires_authentication": PaymentStatus.REQUIRES_ACTION,
    "requires_customer": PaymentStatus.REQUIRES_ACTION,
    "pending": PaymentStatus.PROCESSING,
    "authorized": PaymentStatus.AUTHORIZED,
    "partially_captured": PaymentStatus.PARTIALLY_CAPTURED,
    "captured": PaymentStatus.CAPTURED,
    "voided": PaymentStatus.VOIDED,
    "declined": PaymentStatus.FAILED,
}
REFUND_STATUS: dict[str, RefundStatus] = {
    "pending": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
}
MANDATE_STATUS: dict[str, MandateStatus] = {
    "active": MandateStatus.ACTIVE,
    "revoked": MandateStatus.REVOKED,
    "declined": MandateStatus.FAILED,
}

# --------------------------------------------------------------------------- 6. error maps

DECLINE_MAP: kit.DeclineTable = kit.decline_table(
    [
        (DeclineCode.INSUFFICIENT_FUNDS, "insufficient_funds"),
        (DeclineCode.INCORRECT_CVC, "incorrect_cvc"),
        (DeclineCode.STOLEN_CARD, "stolen_card"),
        (DeclineCode.EXPIRED_CARD, "expired_card"),
        (DeclineCode.REVOCATION_OF_AUTHORIZATION, "revocation_of_authorization"),
        (DeclineCode.AUTHENTICATION_FAILED, "authentication_failed"),
        (DeclineCode.AUTHENTICATION_FAILED, "customer_declined"),
        (DeclineCode.TRY_AGAIN_LATER, "expired"),
        (DeclineCode.DO_NOT_TRY_AGAIN, "account_closed"),
    ]
)

_R = kit.ErrorRule
ERROR_MAP: kit.ErrorTable = {
    "amount_too_large": _R(ErrorType.INVALID_REQUEST, "amount_too_large"),
    "payment_not_capturable": _R(ErrorType.CONFLICT, "payment_not_capturable"),
    "payment_not_voidable": _R(ErrorType.CONFLICT, "payment_not_voidable"),
    "payment_not_refundable": _R(ErrorType.CONFLICT, "payment_not_refundable"),
    "payment_not_incrementable": _R(ErrorType.CONFLICT, "payment_not_incrementable"),
    "idempotency_key_reused": _R(ErrorType.CONFLICT, "idempotency_key_reused"),
    "resource_missing": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "dispute_not_open": _R(ErrorType.CONFLICT, "dispute_not_open"),
}


def _failure(raw: SandboxDecline | dict[str, Any] | None) -> Failure | None:
    if isinstance(raw, dict):
        raw = msgspec.convert(raw, SandboxDecline)
    if raw is None or raw == SandboxDecline():
        return None
    return decline(
        kit.decline_of(DECLINE_MAP, raw.code),
        raw_code=raw.code,
        raw_message=raw.message,
        advice_code=raw.advice_code,
    )


def _raise_for_error(response: HttpResponse, body: dict[str, Any]) -> None:
    if response.status < 400:
        return
    error = kit.obj(body.get("error"))
    raise kit.error_from(
        response,
        ERROR_MAP,
        codes=[kit.text(error.get("code"))],
        message=kit.text(error.get("message")),
        field=kit.text(error.get("param")),
    )


def _card(card: Card) -> dict[str, Any]:
    out: dict[str, Any] = {
        "number": card.number.reveal(),
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "cvc": card.cvc.reveal() if card.cvc else None,
    }
    if card.three_ds is not None:
        out["three_ds"] = {
            "authentication_value": card.three_ds.authentication_value.reveal(),
            "eci": card.three_ds.eci,
            "version": card.three_ds.version,
            "ds_transaction_id": card.three_ds.ds_transaction_id,
        }
    return out


# The sandbox's names of secret fields (the common scrub masks values under them).
_SECRET_KEYS = {"token": "wallet_token", "code": "blik_code"}


def _method(pm: msgspec.Struct) -> dict[str, Any]:
    """A method beyond cards as the sandbox takes it: ``type`` and the method's fields."""
    out: dict[str, Any] = {"type": type_of(pm).value}
    for f in msgspec.structs.fields(pm):
        value = getattr(pm, f.name)
        if isinstance(value, Secret):
            out[_SECRET_KEYS.get(f.name, f.name)] = value.reveal()
        elif isinstance(value, msgspec.Struct):
            out[f.name] = msgspec.to_builtins(value)
        elif value is not None:
            out[f.name] = value
    if isinstance(pm, NetworkToken):
        out["brand"] = pm.brand.value
    return out


def _next_action(action: SandboxNextAction) -> NextAction:
    url = action.url or action.redirect_url or ""
    if action.type == "display_qr":
        return DisplayQr(
            url=url, payload=action.payload or "", image=action.image, expires_at=action.expires_at
        )
    if action.type == "display_voucher":
        return DisplayVoucher(
            url=url,
            reference=action.reference or "",
            barcode=action.barcode,
            expires_at=action.expires_at,
            instructions_url=action.instructions_url,
        )
    if action.type == "display_bank_transfer":
        return DisplayBankTransfer(
            url=url,
            bank=action.bank or "",
            account_number=action.account_number or "",
            account_holder_name=action.account_holder_name,
            expires_at=action.expires_at,
        )
    if action.type == "await_customer":
        return AwaitCustomer(url=url, message=action.message, expires_at=action.expires_at)
    return RedirectAction(url=url)


def _summary(card: SandboxCard | None) -> CardSummary | None:
    if card is None or card == SandboxCard():
        return None
    return CardSummary(
        brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year
    )


# --------------------------------------------------------------------------- 4. response shapes
# The sandbox's objects as typed structs (unknown fields ignored; a wrong type is a
# msgspec.ValidationError, which a webhook answers with invalid_webhook).


class SandboxDecline(msgspec.Struct, frozen=True):
    code: str | None = None
    message: str | None = None
    advice_code: str | None = None


class SandboxCard(msgspec.Struct, frozen=True):
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None


class SandboxNextAction(msgspec.Struct, frozen=True):
    redirect_url: str | None = None  # 3-D Secure
    type: str | None = None  # methods beyond cards: redirect, display_qr, …
    url: str | None = None
    payload: str | None = None
    image: str | None = None
    expires_at: str | None = None
    reference: str | None = None
    barcode: str | None = None
    instructions_url: str | None = None
    message: str | None = None
    bank: str | None = None
    account_number: str | None = None
    account_holder_name: str | None = None


class SandboxPayment(msgspec.Struct, frozen=True):
    id: str
    status: str = ""
    amount: int | None = None
    amount_captured: int | None = None
    reference: str | None = None
    next_action: SandboxNextAction | None = None
    decline: SandboxDecline | None = None
    mandate_id: str | None = None
    network_transaction_id: str | None = None
    card: SandboxCard | None = None


class SandboxMandate(msgspec.Struct, frozen=True):
    id: str
    status: str = ""
    customer_id: str | None = None
    network_transaction_id: str | None = None
    decline: SandboxDecline | None = None
    card: SandboxCard | None = None


class SandboxMandateList(msgspec.Struct, frozen=True):
    data: list[SandboxMandate] = []
    has_more: bool = False


def _note(data: object) -> dict[str, str]:
    options = kit.options_of(data, SandboxNoteOptions)
    return {"note": options.note} if options is not None and options.note else {}


# --------------------------------------------------------------------------- 7. webhook tables

WEBHOOK_TOLERANCE_SECONDS = 300

WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "payment.authorized": WebhookEventType.PAYMENT_AUTHORIZED,
    "payment.captured": WebhookEventType.PAYMENT_CAPTURED,
    "payment.declined": WebhookEventType.PAYMENT_FAILED,
    "payment.voided": WebhookEventType.PAYMENT_VOIDED,
    "payment.pending": WebhookEventType.PAYMENT_PROCESSING,
    "payment.requires_authentication": WebhookEventType.PAYMENT_REQUIRES_ACTION,
    "payment.requires_customer": WebhookEventType.PAYMENT_REQUIRES_ACTION,
    "refund.succeeded": WebhookEventType.REFUND_SUCCEEDED,
    "refund.failed": WebhookEventType.REFUND_FAILED,
    "mandate.active": WebhookEventType.MANDATE_ACTIVE,
    "mandate.declined": WebhookEventType.MANDATE_FAILED,
    "mandate.revoked": WebhookEventType.MANDATE_REVOKED,
    "dispute.created": WebhookEventType.DISPUTE_OPENED,
    "dispute.updated": WebhookEventType.DISPUTE_UPDATED,
    "dispute.won": WebhookEventType.DISPUTE_WON,
    "dispute.lost": WebhookEventType.DISPUTE_LOST,
    "dispute.accepted": WebhookEventType.DISPUTE_LOST,  # conceded: the funds are lost
}
DISPUTE_STATUS: dict[str, DisputeStatus] = {
    "needs_response": DisputeStatus.NEEDS_RESPONSE,
    "under_review": DisputeStatus.UNDER_REVIEW,
    "won": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
    "accepted": DisputeStatus.ACCEPTED,
}


# The sandbox's reasons are Stripe's (its test mode is the model).
DISPUTE_REASON: dict[str, DisputeReason] = {
    "fraudulent": DisputeReason.FRAUDULENT,
    "unrecognized": DisputeReason.UNRECOGNIZED,
    "duplicate": DisputeReason.DUPLICATE,
    "product_not_received": DisputeReason.PRODUCT_NOT_RECEIVED,
    "product_unacceptable": DisputeReason.PRODUCT_UNACCEPTABLE,
    "credit_not_processed": DisputeReason.CREDIT_NOT_PROCESSED,
    "subscription_canceled": DisputeReason.SUBSCRIPTION_CANCELED,
    "general": DisputeReason.GENERAL,
}


class SandboxDispute(msgspec.Struct, frozen=True):
    id: str
    status: str = ""
    payment: str | None = None
    amount: int | None = None
    currency: str | None = None
    reason: str | None = None
    evidence_due_by: str | None = None
    evidence_submitted: bool | None = None
    created: int | None = None


def _dispute(obj: dict[str, Any]) -> DisputeResult:
    d = msgspec.convert(obj, SandboxDispute)
    return DisputeResult(
        status=kit.status_of(DISPUTE_STATUS, d.status, DisputeStatus.UNDER_REVIEW),
        connector_dispute_id=d.id,
        connector_payment_id=d.payment,
        amount=d.amount,
        currency=d.currency,
        reason=d.reason,
        unified_reason=kit.status_of(DISPUTE_REASON, d.reason, DisputeReason.OTHER),
        connector_status=d.status,
        evidence_due_by=d.evidence_due_by,
        evidence_submitted=d.evidence_submitted,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(d.created))
        if d.created is not None
        else None,
    )


def _webhook_event(body: bytes) -> dict[str, Any]:
    try:
        event = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise invalid("invalid_webhook", "the body is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        raise invalid("invalid_webhook", "a sandbox event is a JSON object with an id")
    return event
