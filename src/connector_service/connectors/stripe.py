"""Stripe: PaymentIntents, Refunds, SetupIntents, Customers and signed webhooks.

Wire format: ``application/x-www-form-urlencoded`` with bracket notation
(``payment_method_data[card][number]=...``), ``Authorization: Bearer <secret key>``,
``Idempotency-Key`` for POSTs, ``Stripe-Version`` pinned to :data:`STRIPE_API_VERSION`
(the version of the official spec the requests are validated against; the option
``api_version`` overrides it, an empty value sends none and uses the account default).

Payment methods: raw cards go in ``payment_method_data[type]=card`` (Stripe only
accepts raw card numbers on accounts enabled for it); a token is a PaymentMethod
``pm_...`` (or a legacy ``tok_...``); a mandate is a saved PaymentMethod plus its Customer,
charged off-session. ``payment_method_types[]`` always names the one type sent (``card``
for cards): since API version 2023-08-16 automatic payment methods are on by default,
which would make ``return_url`` mandatory on every confirm.

Methods beyond cards (:data:`STRIPE_METHODS`; docs/connectors/stripe.md has the table) go
in ``payment_method_data[type]=<Stripe's type>`` with the method's hash, its
``payment_method_options[<type>]`` and, for bank debits, ``mandate_data`` from the
customer's mandate acceptance. Stripe answers ``requires_action`` with a
``next_action`` (redirect, QR code, voucher, BLIK or micro-deposit confirmation) that
becomes the unified next action, or ``processing`` for a debit; the
``payment_intent.succeeded`` / ``payment_intent.payment_failed`` webhooks (or a sync)
settle them. Left out, with the reason in the docs: Apple Pay / Google Pay tokens and
network tokens (Stripe takes wallets only through Stripe.js / its mobile SDKs, and the
pinned API has no network-token or external 3-D Secure parameters), UPI (not offered).

Amounts (docs.stripe.com/currencies): Stripe counts in its own minor units, which follow
ISO 4217 except for these cases, handled by :func:`to_stripe` / :func:`from_stripe`:

* zero-decimal at Stripe: BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF.
  MGA has ISO exponent 2, so ISO minor units are divided by 100 (only whole ariary).
* ISK and UGX (ISO exponent 0) stay *two-decimal* in Stripe's API for backwards
  compatibility: 5 ISK is ``500``, and amounts must be multiples of 100 (ISK enforced
  since 2023-04-14). ISO minor units are multiplied by 100. (Stripe's zero-decimal table
  has at times listed UGX too; its special-cases section is followed here.)
* HUF and TWD are two-decimal like ISO for charges; only payouts are integer-only, which
  no flow here touches.
* three-decimal BHD JOD KWD OMR TND: ISO minor units, but the last digit must be 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

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
    form_encode,
    gateway_error,
    require_id,
    scrub_common,
)
from connector_service.connectors.capabilities import (
    AUTHORIZE,
    CAPTURE,
    RECURRING,
    REFUND,
    MethodFlow,
    MethodSupport,
    method_name,
    takes,
)
from connector_service.connectors.kit import methods as pm_kit
from connector_service.connectors.kit import webhooks as checks
from connector_service.domain.common import (
    Address,
    AwaitCustomer,
    CardSummary,
    Customer,
    DisplayQr,
    DisplayVoucher,
    NextAction,
    RedirectAction,
)
from connector_service.domain.declines import STRIPE_ADVICE
from connector_service.domain.errors import (
    DeclineCode,
    ErrorType,
    Failure,
    GatewayDetail,
    ServiceError,
    decline,
    invalid,
    not_supported,
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
    Flow,
    IncrementData,
    ListMandatesData,
    MandateCompleteData,
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
)
from connector_service.domain.money import CURRENCY_EXPONENTS
from connector_service.domain.payment_methods import (
    AchDebit,
    BacsDebit,
    Blik,
    Boleto,
    Card,
    Eps,
    Ideal,
    Konbini,
    MandateAcceptance,
    Oxxo,
    PaymentMethodType,
    Pix,
    Przelewy24,
    SepaDebit,
    Token,
    type_of,
)
from connector_service.domain.status import (
    DisputeReason,
    DisputeStatus,
    EvidenceType,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

STRIPE_API_VERSION = "2023-08-16"
STRIPE_EVIDENCE_BYTES = 4_718_592  # 4.5 MB: Stripe's limit on a dispute's evidence files
WEBHOOK_TOLERANCE_SECONDS = 300  # Stripe's SDK default for Stripe-Signature timestamps
REFERENCE_KEY = "cs_reference"  # metadata key carrying our reference (searchable)

_ZERO_DECIMAL = "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF".split()
_THREE_DECIMAL = "BHD JOD KWD OMR TND".split()
# Stripe's own exponent where it differs from 2 (see the module docstring).
STRIPE_EXPONENTS: dict[str, int] = (
    dict.fromkeys(_ZERO_DECIMAL, 0) | dict.fromkeys(_THREE_DECIMAL, 3) | {"ISK": 2, "UGX": 2}
)
# Every other currency is two-decimal at Stripe, whatever ISO says (IQD, LYD, CLF, ...).
STRIPE = kit.Exponents(
    "Stripe",
    exceptions={
        code: STRIPE_EXPONENTS.get(code, 2)
        for code, iso in CURRENCY_EXPONENTS.items()
        if STRIPE_EXPONENTS.get(code, 2) != iso
    },
    tens_only=frozenset(_THREE_DECIMAL),
    inexact_code="amount_not_supported",
)

# Presentment currencies Stripe lists for card payments (docs.stripe.com/currencies).
_STRIPE_CURRENCIES = (
    "USD AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL "
    "BSD BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD "
    "FKP GBP GEL GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS "
    "KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK "
    "MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB "
    "RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD SZL THB TJS TND TOP TRY TTD TWD TZS UAH UGX "
    "UYU UZS VND VUV WST XAF XCD XOF XPF YER ZAR ZMW"
).split()


_M = PaymentMethodType
_CARDS = (AUTHORIZE, CAPTURE, REFUND, RECURRING)
_PAY = (AUTHORIZE, REFUND)  # captured at once, refundable
_HOLD = (AUTHORIZE, CAPTURE, REFUND)  # capture_method manual is honoured (BNPL, PayPal)
_ONCE = (AUTHORIZE,)  # vouchers: Stripe cannot refund them


def _where(flows: tuple[MethodFlow, ...], countries: str, currencies: str) -> MethodSupport:
    return takes(
        *flows,
        countries=frozenset(countries.split()) if countries else None,
        currencies=frozenset(currencies.split()),
    )


_SEPA = (
    "AT BE BG CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT RO "
    "SE SI SK SM"
)
# Per method: flows, the customer's countries and the presentment currencies Stripe's
# payment-method guides list (docs.stripe.com/payments/payment-methods/overview).
STRIPE_METHODS: dict[PaymentMethodType, MethodSupport] = {
    _M.CARD: takes(*_CARDS),
    _M.TOKEN: takes(*_CARDS),
    _M.MANDATE: takes(*_CARDS),
    _M.IDEAL: _where(_PAY, "NL", "EUR"),
    _M.BANCONTACT: _where(_PAY, "BE", "EUR"),
    _M.EPS: _where(_PAY, "AT", "EUR"),
    _M.BLIK: _where(_PAY, "PL", "PLN"),
    _M.PRZELEWY24: _where(_PAY, "PL", "EUR PLN"),
    _M.SEPA_DEBIT: _where(_PAY, _SEPA, "EUR"),
    _M.ACH_DEBIT: _where(_PAY, "US", "USD"),
    _M.BACS_DEBIT: _where(_PAY, "GB", "GBP"),
    _M.PIX: _where(_PAY, "BR", "BRL"),
    _M.PAYNOW: _where(_PAY, "SG", "SGD"),
    _M.PROMPTPAY: _where(_PAY, "TH", "THB"),
    _M.BOLETO: _where(_ONCE, "BR", "BRL"),
    _M.OXXO: _where(_ONCE, "MX", "MXN"),
    _M.KONBINI: _where(_ONCE, "JP", "JPY"),
    _M.KLARNA: _where(
        _HOLD,
        "AT AU BE CA CH CZ DE DK ES FI FR GB GR IE IT NL NO NZ PL PT SE US",
        "AUD CAD CHF CZK DKK EUR GBP NOK NZD PLN SEK USD",
    ),
    _M.AFTERPAY_CLEARPAY: _where(_HOLD, "AU CA GB NZ US", "AUD CAD GBP NZD USD"),
    _M.AFFIRM: _where(_HOLD, "CA US", "CAD USD"),
    _M.ALIPAY: _where(_PAY, "", "AUD CAD CNY EUR GBP HKD JPY MYR NZD SGD USD"),
    _M.WECHAT_PAY: _where(_PAY, "", "AUD CAD CHF CNY DKK EUR GBP HKD JPY NOK SEK SGD USD"),
    _M.PAYPAL: _where(_HOLD, "", "CHF CZK DKK EUR GBP NOK PLN SEK USD"),
}


# ---- connector_options (issue 19): each field is the PaymentIntent / Refund / SetupIntent
# parameter of the same name.

_Suffix = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=22,
        description="statement_descriptor_suffix (card statements; overrides the unified "
        "statement_descriptor)",
    ),
]
_Account = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=255,
        description="on_behalf_of: the connected account (acct_...) the charge is settled for",
    ),
]


class StripeCardOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    request_three_d_secure: (
        Annotated[
            Literal["any", "automatic", "challenge"],
            Meta(description="payment_method_options[card][request_three_d_secure]"),
        ]
        | None
    ) = None


class StripeMethodOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    card: StripeCardOptions | None = None


class StripePaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.stripe`` on a payment (PaymentIntent create)."""

    statement_descriptor_suffix: _Suffix | None = None
    transfer_group: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=255,
                description="transfer_group: groups the charge with later Connect transfers",
            ),
        ]
        | None
    ) = None
    on_behalf_of: _Account | None = None
    receipt_email: (
        Annotated[
            str,
            Meta(
                min_length=3,
                max_length=800,
                pattern=r"^[^@\s]+@[^@\s]+$(?!\n)",
                description="receipt_email: where Stripe e-mails the receipt",
            ),
        ]
        | None
    ) = None
    payment_method_options: StripeMethodOptions | None = None


class StripeCaptureOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.stripe`` on a capture."""

    statement_descriptor_suffix: _Suffix | None = None


class StripeRefundOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.stripe`` on a refund (default for a payment with a Connect
    split: both true)."""

    reverse_transfer: (
        Annotated[bool, Meta(description="reverse_transfer: take it back from the destination")]
        | None
    ) = None
    refund_application_fee: (
        Annotated[bool, Meta(description="refund_application_fee: give the platform fee back")]
        | None
    ) = None


class StripeMandateOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.stripe`` on a mandate (SetupIntent create)."""

    on_behalf_of: _Account | None = None


class StripeConnector(Connector):
    meta = ConnectorMeta(
        name="stripe",
        display_name="Stripe",
        base_url_test="https://api.stripe.com",
        base_url_live="https://api.stripe.com",
        credential_fields=(
            CredentialField("api_key", "Secret API key (sk_test_..., sk_live_... or rk_...)"),
            CredentialField(
                "webhook_secret", "Webhook endpoint signing secret (whsec_...)", required=False
            ),
        ),
        option_fields=(
            CredentialField(
                "api_version",
                f"Stripe-Version header; default {STRIPE_API_VERSION}, empty for the account's",
                required=False,
            ),
            CredentialField(
                "request_three_d_secure",
                "payment_method_options[card][request_three_d_secure]: automatic|any|challenge",
                required=False,
            ),
            CredentialField(
                "connected_account", "Stripe-Account header (Connect: acct_...)", required=False
            ),
        ),
        methods=STRIPE_METHODS,
        currencies=frozenset(c for c in _STRIPE_CURRENCIES if c in CURRENCY_EXPONENTS),
        idempotency="Idempotency-Key header",
        docs_url="https://docs.stripe.com/api",
        secret_fields=("api_key", "webhook_secret"),
        options=kit.ConnectorOptions(
            payment=StripePaymentOptions,
            capture=StripeCaptureOptions,
            refund=StripeRefundOptions,
            mandate=StripeMandateOptions,
        ),
        splits="Connect destination charge: one split -> transfer_data[destination], the rest "
        "(application_fee) -> application_fee_amount; refunds reverse_transfer + "
        "refund_application_fee; several destinations not supported",
    )
    supports_mandate_charges = True
    # Text fields, and files: each uploaded to files.stripe.com (POST /v1/files, purpose
    # dispute_evidence) and named by its File id in the evidence's file field. Stripe:
    # PDF, JPEG or PNG, at most 4.5 MB of files in all. (The text types are
    # EVIDENCE_TEXT_FIELD's keys, the file types EVIDENCE_FILE_FIELD's; a test checks.)
    evidence_limits = EvidenceLimits(
        text_types=frozenset({
            EvidenceType.PRODUCT_DESCRIPTION, EvidenceType.REFUND_POLICY,
            EvidenceType.CANCELLATION_POLICY, EvidenceType.SHIPPING_DOCUMENTATION,
            EvidenceType.UNCATEGORIZED,
        }),
        file_types=frozenset({
            EvidenceType.CANCELLATION_POLICY, EvidenceType.CUSTOMER_COMMUNICATION,
            EvidenceType.CUSTOMER_SIGNATURE, EvidenceType.RECEIPT, EvidenceType.REFUND_POLICY,
            EvidenceType.SERVICE_DOCUMENTATION, EvidenceType.SHIPPING_DOCUMENTATION,
            EvidenceType.UNCATEGORIZED,
        }),
        content_types=frozenset({"application/pdf", "image/jpeg", "image/png"}),
        max_file_bytes=STRIPE_EVIDENCE_BYTES,
        max_files=8,
        max_total_bytes=STRIPE_EVIDENCE_BYTES,
        max_text_chars=20000,
    )  # fmt: skip

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(ctx: ConnectorContext, idempotency_suffix: str | None = "") -> dict[str, str]:
        headers = {"Authorization": f"Bearer {ctx.credential('api_key')}"}
        version = ctx.option("api_version", STRIPE_API_VERSION)
        if version:
            headers["Stripe-Version"] = version
        account = ctx.options.get("connected_account")
        if account:
            headers["Stripe-Account"] = account
        if ctx.idempotency_key and idempotency_suffix is not None:
            headers["Idempotency-Key"] = ctx.idempotency_key + idempotency_suffix
        return headers

    def _post(
        self, ctx: ConnectorContext, path: str, body: dict[str, Any], flow: Flow, *,
        suffix: str = "", safe_to_repeat: bool = False,
    ) -> HttpRequest:  # fmt: skip
        headers = self._headers(ctx, suffix) | {"Content-Type": "application/x-www-form-urlencoded"}
        return HttpRequest(
            "POST", f"{ctx.base_url}{path}", headers, form_encode(drop_none(body)),
            flow=flow.value, idempotent=safe_to_repeat or bool(ctx.idempotency_key),
        )  # fmt: skip

    def _get(
        self, ctx: ConnectorContext, path: str, flow: Flow, query: dict[str, Any] | None = None
    ) -> HttpRequest:
        qs = form_encode(query).decode() if query else ""
        url = f"{ctx.base_url}{path}" + (f"?{qs}" if qs else "")
        return HttpRequest("GET", url, self._headers(ctx, None), flow=flow.value, idempotent=True)

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        """The PaymentIntent create-and-confirm call (``steps_authorize`` may first create
        the Customer a stored card needs)."""
        return self._intent_request(ctx, data, _known_customer(data.customer, data.payment_method))

    def steps_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData
    ) -> Generator[HttpRequest, HttpResponse, PaymentResult]:
        customer = _known_customer(data.customer, data.payment_method)
        pm = data.payment_method
        _refuse_saving(data)
        if data.setup_future_usage and customer is None and not isinstance(pm, StoredMandate):
            # A saved PaymentMethod is only reusable once attached to a Customer.
            response = yield self._customer_request(
                ctx, data.customer, data.billing, Flow.AUTHORIZE
            )
            customer = _parse_customer(response)
        response = yield self._intent_request(ctx, data, customer)
        return self.parse_authorize(ctx, data, response)

    def _intent_request(
        self, ctx: ConnectorContext, data: AuthorizeData, customer: str | None
    ) -> HttpRequest:
        pm = data.payment_method
        if data.incremental_authorization or data.multiple_captures:
            # Not requestable for online cards in the API version this connector pins
            # (2023-08-16: no payment_method_options[card][request_incremental_authorization]
            # nor request_multicapture). Stripe may still allow increment_authorization on a
            # PaymentIntent it made eligible (Terminal, accounts with the feature).
            field = (
                "incremental_authorization"
                if data.incremental_authorization
                else ("multiple_captures")
            )
            raise not_supported(
                f"Stripe API {STRIPE_API_VERSION} cannot request "
                f"{field.replace('_', ' ')} for a card payment",
                field,
            )
        body: dict[str, Any] = {
            "amount": to_stripe(data.amount, data.currency),
            "currency": data.currency.lower(),
            "confirm": True,
            "capture_method": data.capture_method.value,
            "payment_method_types": ["card"],
            "description": data.description,
            "statement_descriptor_suffix": _descriptor(data.statement_descriptor),
            "metadata": _metadata(data.metadata, data.reference),
            "shipping": _shipping(data.shipping, data.customer),
            "expand": ["latest_charge"],
        }
        if isinstance(pm, StoredMandate):
            if not pm.ref.customer_id:
                raise invalid(
                    "mandate_without_customer",
                    "this Stripe mandate has no Customer; it cannot be charged off-session",
                    "payment_method.mandate_id",
                )
            ref = pm.ref
            body |= {"customer": ref.customer_id, "payment_method": ref.connector_mandate_id}
            body["off_session"] = True
        elif type_of(pm) in STRIPE_TYPE:
            _refuse_saving(data)
            body |= {"customer": customer} | _method_request(pm, data)
        else:
            body |= _method_fields(pm, data.billing, data.customer) | {
                "customer": customer,
                "return_url": data.return_url,
                "payment_method_options": _three_ds(ctx),
                "setup_future_usage": "off_session" if data.setup_future_usage else None,
            }
        body |= _connect(data)
        options = kit.options_of(data, StripePaymentOptions)
        if options is not None:
            body |= _given(options, "statement_descriptor_suffix", "transfer_group")
            body |= _given(options, "on_behalf_of", "receipt_email")
            card = options.payment_method_options and options.payment_method_options.card
            # Card options for a card only: a method beyond cards keeps its own options.
            if card and card.request_three_d_secure and isinstance(pm, Card | Token):
                mode = card.request_three_d_secure
                body["payment_method_options"] = {"card": {"request_three_d_secure": mode}}
        return self._post(ctx, "/v1/payment_intents", body, Flow.AUTHORIZE)

    def steps_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> Generator[HttpRequest, HttpResponse, PaymentResult]:
        """After the 3-D Secure redirect Stripe finishes the confirmation by itself, so the
        PaymentIntent is read back; only one left in ``requires_confirmation`` is confirmed."""
        pid = data.payment.connector_payment_id
        returned = data.params.get("payment_intent")
        if returned and returned != pid:
            raise invalid(
                "payment_intent_mismatch",
                "the redirect names another PaymentIntent than this payment",
                "params.payment_intent",
            )
        response = yield self.build_sync(ctx, SyncData(payment=data.payment))
        result = self.parse_sync(ctx, SyncData(payment=data.payment), response)
        if result.connector_status == "requires_confirmation":
            path, body = (
                f"/v1/payment_intents/{kit.segment(pid)}/confirm",
                {"expand": ["latest_charge"]},
            )
            response = yield self._post(ctx, path, body, Flow.COMPLETE_AUTHORIZE, suffix="-confirm")
            result = _parse_intent(response)
        return result

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        body = {
            "amount_to_capture": to_stripe(data.amount, data.payment.currency),
            "metadata": dict(data.metadata) or None,
            "expand": ["latest_charge"],
        }
        options = kit.options_of(data, StripeCaptureOptions)
        if options is not None:
            body |= _given(options, "statement_descriptor_suffix")
        # A second capture of the same PaymentIntent is refused, never repeated.
        path = f"/v1/payment_intents/{kit.segment(pid)}/capture"
        return self._post(ctx, path, body, Flow.CAPTURE, safe_to_repeat=True)

    def build_increment(self, ctx: ConnectorContext, data: IncrementData) -> HttpRequest:
        """``amount`` is the PaymentIntent's new total (Stripe's own meaning)."""
        pid = data.payment.connector_payment_id
        body = {
            "amount": to_stripe(data.amount, data.payment.currency),
            "description": data.reason,
            "expand": ["latest_charge"],
        }
        path = f"/v1/payment_intents/{kit.segment(pid)}/increment_authorization"
        return self._post(ctx, path, body, Flow.INCREMENT, suffix="-increment")

    def build_list_mandates(self, ctx: ConnectorContext, data: ListMandatesData) -> HttpRequest:
        path = f"/v1/customers/{kit.segment(data.customer_id)}/payment_methods"
        return self._get(ctx, path, Flow.LIST_MANDATES, {"type": "card", "limit": 100})

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        body = {"cancellation_reason": data.reason if data.reason in CANCEL_REASONS else None}
        path = f"/v1/payment_intents/{kit.segment(pid)}/cancel"
        return self._post(ctx, path, body, Flow.VOID, safe_to_repeat=True)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        if not pid:  # unresolved: find it by the reference we put into its metadata
            reference = require_id(data.payment.meta.get("reference"), Flow.SYNC.value)
            escaped = reference.replace("\\", "\\\\").replace("'", "\\'")
            search = {"query": f"metadata['{REFERENCE_KEY}']:'{escaped}'"}
            return self._get(ctx, "/v1/payment_intents/search", Flow.SYNC, search)
        query = {"expand": ["latest_charge"]}
        return self._get(ctx, f"/v1/payment_intents/{kit.segment(pid)}", Flow.SYNC, query)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        body = {
            "payment_intent": require_id(data.payment.connector_payment_id, Flow.REFUND.value),
            "amount": to_stripe(data.amount, data.payment.currency),
            "reason": data.reason if data.reason in REFUND_REASONS else None,
            "metadata": _metadata(data.metadata, data.reference),
        }
        # A Connect split is reversed with the refund unless the options say otherwise.
        split = data.payment.meta.get(CONNECT_KEY) == "1"
        options = kit.options_of(data, StripeRefundOptions) or StripeRefundOptions()
        for name in ("reverse_transfer", "refund_application_fee"):
            chosen = getattr(options, name)
            if chosen is not None or split:
                body[name] = chosen if chosen is not None else True
        return self._post(ctx, "/v1/refunds", body, Flow.REFUND)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        path = f"/v1/refunds/{kit.segment(data.refund.connector_refund_id)}"
        return self._get(ctx, path, Flow.REFUND_SYNC)

    def build_dispute_sync(self, ctx: ConnectorContext, data: DisputeSyncData) -> HttpRequest:
        path = f"/v1/disputes/{kit.segment(data.dispute.connector_dispute_id)}"
        return self._get(ctx, path, Flow.DISPUTE_SYNC)

    def build_dispute_list(self, ctx: ConnectorContext, data: DisputeListData) -> HttpRequest:
        query = drop_none({"limit": data.limit, "starting_after": data.cursor})
        return self._get(ctx, "/v1/disputes", Flow.DISPUTE_LIST, query)

    def build_dispute_accept(self, ctx: ConnectorContext, data: DisputeAcceptData) -> HttpRequest:
        # Closing is conceding: Stripe marks the dispute lost (the service shows accepted).
        path = f"/v1/disputes/{kit.segment(data.dispute.connector_dispute_id)}/close"
        return self._post(ctx, path, {}, Flow.DISPUTE_ACCEPT, safe_to_repeat=True)

    def steps_dispute_evidence(self, ctx: ConnectorContext, data: DisputeEvidenceData) -> Steps:
        evidence = {EVIDENCE_TEXT_FIELD[kind]: text for kind, text in data.text.items()}
        for n, f in enumerate(data.files):
            field = EVIDENCE_FILE_FIELD[f.type]
            if field in evidence:
                raise invalid(
                    "duplicate_evidence", f"Stripe takes one {f.type.value} file", "evidence"
                )
            content_type, body = kit.multipart_form([
                ("purpose", None, "text/plain", b"dispute_evidence"),
                ("file", f.file_name, f.content_type, f.content),
            ])  # fmt: skip
            headers = self._headers(ctx, f"-file{n}") | {"Content-Type": content_type}
            uploaded = yield HttpRequest(
                "POST", self._files_url(ctx), headers, body,
                flow=Flow.DISPUTE_EVIDENCE.value, idempotent=bool(ctx.idempotency_key),
            )  # fmt: skip
            answer = _body(uploaded)
            _raise_for_error(uploaded, answer)
            file_id = _id(answer.get("id"))
            if not file_id:
                raise gateway_error(uploaded, code=None, message="Stripe answered no File id")
            evidence[field] = file_id
        body_ = {"evidence": evidence, "submit": "true" if data.submit else "false"}
        path = f"/v1/disputes/{kit.segment(data.dispute.connector_dispute_id)}"
        response = yield self._post(ctx, path, body_, Flow.DISPUTE_EVIDENCE)
        return self.parse_dispute_sync(ctx, data, response)

    @staticmethod
    def _files_url(ctx: ConnectorContext) -> str:
        """Uploads go to files.stripe.com; beside any other base URL (a proxy, a test
        fake) to the same origin."""
        base = ctx.base_url.rstrip("/")
        if base == "https://api.stripe.com":
            return "https://files.stripe.com/v1/files"
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}/v1/files"

    def steps_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData
    ) -> Generator[HttpRequest, HttpResponse, MandateResult]:
        customer = _known_customer(data.customer, data.payment_method)
        if customer is None:
            response = yield self._customer_request(
                ctx, data.customer, data.billing, Flow.SETUP_MANDATE
            )
            customer = _parse_customer(response)
        response = yield self._setup_request(ctx, data, customer)
        return self.parse_setup_mandate(ctx, data, response)

    def build_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData
    ) -> HttpRequest:
        # The SetupIntent carries the 3-D Secure outcome once the customer is back.
        si = kit.segment(data.mandate.meta.get("setup_intent", ""))
        return self._get(ctx, f"/v1/setup_intents/{si}", Flow.COMPLETE_MANDATE)

    def _setup_request(
        self, ctx: ConnectorContext, data: MandateSetupData, customer: str | None
    ) -> HttpRequest:
        body: dict[str, Any] = {
            "confirm": True,
            "usage": "off_session",
            "customer": customer,
            "payment_method_types": ["card"],
            "description": data.description,
            "metadata": _metadata(data.metadata, data.reference),
            "return_url": data.return_url,
            "payment_method_options": _three_ds(ctx),
            "expand": ["payment_method"],
        }
        body |= _method_fields(data.payment_method, data.billing, data.customer)
        options = kit.options_of(data, StripeMandateOptions)
        if options is not None:
            body |= _given(options, "on_behalf_of")
        return self._post(ctx, "/v1/setup_intents", body, Flow.SETUP_MANDATE, suffix="-setup")

    def _customer_request(
        self, ctx: ConnectorContext, customer: Customer | None, billing: Address | None, flow: Flow
    ) -> HttpRequest:
        body = {
            "email": customer.email if customer else None,
            "name": _name(billing, customer),
            "phone": (customer.phone if customer else None) or (billing.phone if billing else None),
            "metadata": {"cs_customer_id": customer.id} if customer and customer.id else None,
        }
        return self._post(ctx, "/v1/customers", body, flow, suffix="-customer")

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        path = f"/v1/payment_methods/{kit.segment(data.mandate.connector_mandate_id)}/detach"
        return self._post(ctx, path, {}, Flow.REVOKE_MANDATE, safe_to_repeat=True)

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self,
        ctx: ConnectorContext,
        data: AuthorizeData | CaptureData | VoidData,
        response: HttpResponse,
    ) -> PaymentResult:
        result = _parse_intent(response)
        if isinstance(data, AuthorizeData) and data.splits and result.connector_payment_id:
            # Remembered so that a refund reverses the transfer (build_refund).
            result.meta = {**result.meta, CONNECT_KEY: "1"}
        return result

    parse_capture = parse_authorize
    parse_void = parse_authorize

    def parse_increment(
        self, ctx: ConnectorContext, data: IncrementData, response: HttpResponse
    ) -> PaymentResult:
        """A declined increment is a card error carrying the PaymentIntent, which stays
        capturable for the amount authorized before: a result with the decline."""
        body = _body(response)
        error = _error(body)
        if response.status == 402 and error.get("type") == "card_error":
            pi = error.get("payment_intent")
            result = (
                payment_from_intent(pi)
                if isinstance(pi, dict)
                else PaymentResult(
                    status=PaymentStatus.AUTHORIZED,
                    connector_payment_id=data.payment.connector_payment_id,
                    amount=data.payment.amount,
                )
            )
            result.failure = _failure(error)
            return result
        return _parse_intent(response)

    def parse_list_mandates(
        self, ctx: ConnectorContext, data: ListMandatesData, response: HttpResponse
    ) -> StoredMethods:
        body = _body(response)
        _raise_for_error(response, body)
        methods = [
            MandateResult(
                status=MandateStatus.ACTIVE,
                connector_mandate_id=str(pm["id"]),
                connector_customer_id=_id(pm.get("customer")) or data.customer_id,
                connector_status="attached",
                card=_card_summary(pm.get("card")),
            )
            for pm in body.get("data") or []
            if isinstance(pm, dict) and pm.get("id") and pm.get("type") == "card"
        ]
        return StoredMethods(methods=methods, has_more=body.get("has_more") is True)

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        body = _body(response)
        if response.status < 400 and body.get("object") == "search_result":
            found = [pi for pi in body.get("data") or [] if isinstance(pi, dict)]
            if not found:  # never created, or not yet searchable (search lags ~1 minute)
                return PaymentResult(
                    status=PaymentStatus.UNRESOLVED,
                    connector_payment_id="",
                    pending_reason="not_found_at_gateway",
                )
            return payment_from_intent(max(found, key=lambda pi: pi.get("created") or 0))
        return _parse_intent(response)

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData | RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        body = _body(response)
        _raise_for_error(response, body)
        return refund_from_object(body)

    parse_refund_sync = parse_refund

    def parse_dispute_sync(
        self, ctx: ConnectorContext, data: object, response: HttpResponse
    ) -> DisputeResult:
        body = _body(response)
        _raise_for_error(response, body)
        return dispute_from_object(body)

    def parse_dispute_accept(
        self, ctx: ConnectorContext, data: DisputeAcceptData, response: HttpResponse
    ) -> DisputeResult:
        result = self.parse_dispute_sync(ctx, data, response)
        if result.status is DisputeStatus.LOST:  # lost because we closed it
            return msgspec.structs.replace(result, status=DisputeStatus.ACCEPTED)
        return result

    def parse_dispute_list(
        self, ctx: ConnectorContext, data: DisputeListData, response: HttpResponse
    ) -> DisputeListResult:
        body = _body(response)
        _raise_for_error(response, body)
        items = [dispute_from_object(d) for d in body.get("data") or [] if isinstance(d, dict)]
        more = body.get("has_more") is True and items
        return DisputeListResult(
            disputes=items, next_cursor=items[-1].connector_dispute_id if more else None
        )

    def parse_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData, response: HttpResponse
    ) -> MandateResult:
        body = _body(response)
        _raise_for_error(response, body)
        return mandate_from_setup_intent(body)

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData, response: HttpResponse
    ) -> MandateResult:
        body = _body(response)
        error = _error(body)
        if response.status == 402 and isinstance(error.get("setup_intent"), dict):
            return mandate_from_setup_intent(error["setup_intent"], error)
        if response.status == 402 and error.get("type") == "card_error":
            failure = _failure(error)
            return MandateResult(status=MandateStatus.FAILED, failure=failure)
        _raise_for_error(response, body)
        return mandate_from_setup_intent(body)

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        body = _body(response)
        if response.status == 400 and _error(body).get("code") == "payment_method_unexpected_state":
            # Not attached to a Customer (already detached): it can no longer be charged.
            return MandateResult(
                status=MandateStatus.REVOKED,
                connector_mandate_id=data.mandate.connector_mandate_id,
                connector_status="not_attached",
            )
        _raise_for_error(response, body)
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=str(body.get("id") or data.mandate.connector_mandate_id),
            connector_status="detached",
            card=_card_summary(body.get("card")),
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: Mapping[str, str], body: bytes) -> WebhookIdentity:
        event = _event_envelope(body)
        return WebhookIdentity(
            event_id=kit.text(event.get("id")), account_hint=kit.text(event.get("account"))
        )

    def webhook_verify(
        self, ctx: ConnectorContext, headers: Mapping[str, str], body: bytes
    ) -> bool:
        secret = ctx.credentials.get("webhook_secret")
        return kit.verify_timestamped(
            headers.get("stripe-signature", ""),
            body,
            secret.reveal() if secret is not None else "",
            tolerance_seconds=WEBHOOK_TOLERANCE_SECONDS,
        )

    def webhook_parse(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        event = _event_envelope(body)
        etype = str(event.get("type") or "")
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        created = event.get("created")
        common: dict[str, Any] = {
            "event_id": str(event.get("id") or ""),
            "connector_event_type": etype,
            "occurred_at": _iso(created) if isinstance(created, int) else None,
        }
        if not isinstance(obj, dict):
            return [WebhookEvent(type=WebhookEventType.UNKNOWN, **common)]
        kind, found = obj.get("object"), None
        if kind == "payment_intent":
            pay = payment_from_intent(obj)
            found = WebhookEvent(
                type=PAYMENT_EVENTS.get(etype, WebhookEventType.UNKNOWN), payment=pay,
                connector_payment_id=pay.connector_payment_id, amount=pay.amount,
                currency=_currency(obj), **common,
            )  # fmt: skip
        elif (kind == "refund" or etype == "charge.refunded") and (ref := _event_refund(obj)):
            found = WebhookEvent(
                type=REFUND_EVENTS[ref.status], refund=ref, amount=ref.amount,
                connector_payment_id=_id(obj.get("payment_intent")), currency=_currency(obj),
                **common,
            )  # fmt: skip
        elif kind == "dispute":
            dis = dispute_from_object(obj)
            found = WebhookEvent(
                type=_dispute_event(etype, dis.status), dispute=dis, amount=dis.amount,
                connector_payment_id=dis.connector_payment_id, currency=dis.currency, **common,
            )  # fmt: skip
        elif kind == "setup_intent" and etype in MANDATE_EVENTS:
            mandate = mandate_from_setup_intent(obj)
            found = WebhookEvent(type=MANDATE_EVENTS[etype], mandate=mandate, **common)
        elif kind == "payment_method" and etype == "payment_method.detached":
            mandate = MandateResult(
                status=MandateStatus.REVOKED, connector_mandate_id=kit.text(obj.get("id"))
            )
            found = WebhookEvent(type=WebhookEventType.MANDATE_REVOKED, mandate=mandate, **common)
        return [found or WebhookEvent(type=WebhookEventType.UNKNOWN, **common)]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        # Client secrets first: the common card-number mask can cut a digit run out of
        # the PaymentIntent id in front of ``_secret_`` and hide the secret from the
        # pattern that names it (seen with an id holding 13+ digits in a row).
        text = transcript
        for pattern, replacement in _SCRUB_FIRST:
            text = pattern.sub(replacement, text)
        text = scrub_common(text)
        for pattern, replacement in _SCRUB:
            text = pattern.sub(replacement, text)
        return text


# --------------------------------------------------------------------------- 5. status maps

PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "requires_payment_method": PaymentStatus.FAILED,  # after a confirm: the attempt failed
    "requires_confirmation": PaymentStatus.REQUIRES_ACTION,  # complete_authorize confirms
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "processing": PaymentStatus.PROCESSING,
    "requires_capture": PaymentStatus.AUTHORIZED,
    "canceled": PaymentStatus.VOIDED,
    "succeeded": PaymentStatus.CAPTURED,  # PARTIALLY_CAPTURED when amount_received < amount
}
REFUND_STATUS: dict[str, RefundStatus] = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
}
SETUP_STATUS: dict[str, MandateStatus] = {
    "requires_payment_method": MandateStatus.FAILED,
    "requires_confirmation": MandateStatus.PENDING,
    "requires_action": MandateStatus.PENDING,
    "processing": MandateStatus.PENDING,
    "canceled": MandateStatus.FAILED,
    "succeeded": MandateStatus.ACTIVE,
}
DISPUTE_STATUS: dict[str, DisputeStatus] = {
    "warning_needs_response": DisputeStatus.NEEDS_RESPONSE,  # inquiry / retrieval request
    "warning_under_review": DisputeStatus.UNDER_REVIEW,
    "warning_closed": DisputeStatus.WON,  # inquiry closed without a chargeback
    "needs_response": DisputeStatus.NEEDS_RESPONSE,
    "under_review": DisputeStatus.UNDER_REVIEW,
    "won": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
    "charge_refunded": DisputeStatus.ACCEPTED,  # older API versions: refunded to settle
    # Prevented before it became a chargeback (e.g. Visa RDR refunded the cardholder):
    # closed, the funds returned to the cardholder without a decision against us.
    "prevented": DisputeStatus.ACCEPTED,
}
DISPUTE_REASON: dict[str, DisputeReason] = {
    "fraudulent": DisputeReason.FRAUDULENT,
    "unrecognized": DisputeReason.UNRECOGNIZED,
    "duplicate": DisputeReason.DUPLICATE,
    "product_not_received": DisputeReason.PRODUCT_NOT_RECEIVED,
    "product_unacceptable": DisputeReason.PRODUCT_UNACCEPTABLE,
    "credit_not_processed": DisputeReason.CREDIT_NOT_PROCESSED,
    "subscription_canceled": DisputeReason.SUBSCRIPTION_CANCELED,
    "general": DisputeReason.GENERAL,
    "bank_cannot_process": DisputeReason.PROCESSING_ERROR,
    "incorrect_account_details": DisputeReason.PROCESSING_ERROR,
    "insufficient_funds": DisputeReason.PROCESSING_ERROR,
    "debit_not_authorized": DisputeReason.FRAUDULENT,
    "customer_initiated": DisputeReason.OTHER,
    "check_returned": DisputeReason.OTHER,
    "noncompliant": DisputeReason.OTHER,
}
# Unified evidence file -> Stripe's dispute_evidence file field (a File id).
EVIDENCE_FILE_FIELD: dict[EvidenceType, str] = {
    EvidenceType.CANCELLATION_POLICY: "cancellation_policy",
    EvidenceType.CUSTOMER_COMMUNICATION: "customer_communication",
    EvidenceType.CUSTOMER_SIGNATURE: "customer_signature",
    EvidenceType.RECEIPT: "receipt",
    EvidenceType.REFUND_POLICY: "refund_policy",
    EvidenceType.SERVICE_DOCUMENTATION: "service_documentation",
    EvidenceType.SHIPPING_DOCUMENTATION: "shipping_documentation",
    EvidenceType.UNCATEGORIZED: "uncategorized_file",
}
# Unified evidence text -> Stripe's dispute_evidence text field.
EVIDENCE_TEXT_FIELD: dict[EvidenceType, str] = {
    EvidenceType.PRODUCT_DESCRIPTION: "product_description",
    EvidenceType.REFUND_POLICY: "refund_policy_disclosure",
    EvidenceType.CANCELLATION_POLICY: "cancellation_policy_disclosure",
    EvidenceType.SHIPPING_DOCUMENTATION: "shipping_tracking_number",
    EvidenceType.UNCATEGORIZED: "uncategorized_text",
}
PAYMENT_EVENTS: dict[str, WebhookEventType] = {
    "payment_intent.succeeded": WebhookEventType.PAYMENT_CAPTURED,
    "payment_intent.amount_capturable_updated": WebhookEventType.PAYMENT_AUTHORIZED,
    "payment_intent.payment_failed": WebhookEventType.PAYMENT_FAILED,
    "payment_intent.canceled": WebhookEventType.PAYMENT_VOIDED,
    "payment_intent.processing": WebhookEventType.PAYMENT_PROCESSING,
    "payment_intent.requires_action": WebhookEventType.PAYMENT_REQUIRES_ACTION,
    "payment_intent.partially_funded": WebhookEventType.PAYMENT_PROCESSING,
}
REFUND_EVENTS: dict[RefundStatus, WebhookEventType] = {
    RefundStatus.SUCCEEDED: WebhookEventType.REFUND_SUCCEEDED,
    RefundStatus.FAILED: WebhookEventType.REFUND_FAILED,
    RefundStatus.PENDING: WebhookEventType.REFUND_PENDING,
}
MANDATE_EVENTS: dict[str, WebhookEventType] = {
    "setup_intent.succeeded": WebhookEventType.MANDATE_ACTIVE,
    "setup_intent.setup_failed": WebhookEventType.MANDATE_FAILED,
}
# A payment that stored its card (setup_future_usage) -> state of the resulting mandate.
_SAVES_CARD: dict[PaymentStatus, MandateStatus] = {
    PaymentStatus.AUTHORIZED: MandateStatus.ACTIVE,
    PaymentStatus.CAPTURED: MandateStatus.ACTIVE,
    PaymentStatus.PARTIALLY_CAPTURED: MandateStatus.ACTIVE,
    PaymentStatus.PROCESSING: MandateStatus.PENDING,
}
CANCEL_REASONS = frozenset({"abandoned", "duplicate", "fraudulent", "requested_by_customer"})
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})

# --------------------------------------------------------------------------- 6. error maps

# Stripe decline_code (or error code where no decline_code is given) -> unified decline.
# The category is the unified code's (domain/declines.py), or Stripe's advice_code's.
_DECLINES: tuple[tuple[DeclineCode, str], ...] = (
    (DeclineCode.INSUFFICIENT_FUNDS, "insufficient_funds"),
    (DeclineCode.LIMIT_EXCEEDED, "card_velocity_exceeded withdrawal_count_limit_exceeded"),
    (DeclineCode.AUTHENTICATION_REQUIRED, "authentication_required"),
    (DeclineCode.AUTHENTICATION_FAILED,
     "payment_intent_authentication_failure setup_intent_authentication_failure"),
    (DeclineCode.INCORRECT_CVC, "incorrect_cvc invalid_cvc"),
    (DeclineCode.INCORRECT_PIN, "incorrect_pin"),
    (DeclineCode.DO_NOT_HONOR, "do_not_honor"),
    (DeclineCode.GENERIC_DECLINE,
     "generic_decline card_declined call_issuer no_action_taken incorrect_zip"),
    (DeclineCode.TRY_AGAIN_LATER,
     "try_again_later reenter_transaction approve_with_id card_decline_rate_limit_exceeded"),
    (DeclineCode.ISSUER_UNAVAILABLE, "issuer_not_available"),
    (DeclineCode.PROCESSING_ERROR, "processing_error"),
    (DeclineCode.DO_NOT_TRY_AGAIN, "do_not_try_again"),
    (DeclineCode.LOST_CARD, "lost_card"),
    (DeclineCode.STOLEN_CARD, "stolen_card"),
    (DeclineCode.PICKUP_CARD, "pickup_card"),
    (DeclineCode.EXPIRED_CARD, "expired_card"),
    (DeclineCode.INCORRECT_NUMBER, "incorrect_number invalid_number"),
    (DeclineCode.INVALID_EXPIRY, "invalid_expiry_month invalid_expiry_year"),
    (DeclineCode.FRAUD_SUSPECTED, "fraudulent"),
    (DeclineCode.BLOCKED, "merchant_blacklist"),
    (DeclineCode.RESTRICTED_CARD,
     "restricted_card security_violation invalid_account new_account_information_available "
     "pin_try_exceeded"),
    (DeclineCode.TRANSACTION_NOT_ALLOWED,
     "transaction_not_allowed card_not_supported not_permitted service_not_allowed "
     "testmode_decline"),
    (DeclineCode.DUPLICATE_TRANSACTION, "duplicate_transaction"),
    (DeclineCode.CURRENCY_NOT_SUPPORTED, "currency_not_supported"),
    (DeclineCode.INVALID_AMOUNT, "invalid_amount"),
    (DeclineCode.REVOCATION_OF_AUTHORIZATION,
     "revocation_of_authorization revocation_of_all_authorizations stop_payment_order"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)
# Stripe's normalised network advice (error.advice_code) overrides the category.
ADVICE_CATEGORY = STRIPE_ADVICE
# Request errors by error.code (or error.type) -> unified type and code.
_R = kit.ErrorRule
ERROR_MAP: kit.ErrorTable = {
    "resource_missing": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "payment_intent_unexpected_state": _R(ErrorType.CONFLICT, "payment_unexpected_state"),
    "setup_intent_unexpected_state": _R(ErrorType.CONFLICT, "mandate_unexpected_state"),
    "charge_already_captured": _R(ErrorType.CONFLICT, "payment_already_captured"),
    "charge_already_refunded": _R(ErrorType.CONFLICT, "payment_already_refunded"),
    "charge_disputed": _R(ErrorType.CONFLICT, "payment_disputed"),
    "charge_expired_for_capture": _R(ErrorType.CONFLICT, "authorization_expired"),
    "amount_too_large": _R(ErrorType.INVALID_REQUEST, "amount_too_large"),
    "amount_too_small": _R(ErrorType.INVALID_REQUEST, "amount_too_small"),
    "invalid_charge_amount_no_decimal_compatible": _R(ErrorType.INVALID_REQUEST, "invalid_amount"),
    "idempotency_key_in_use": _R(ErrorType.CONFLICT, "idempotency_key_in_use"),
    "idempotency_error": _R(ErrorType.CONFLICT, "idempotency_key_reused"),
    "lock_timeout": _R(ErrorType.CONFLICT, "gateway_lock_timeout"),
    "rate_limit": _R(ErrorType.RATE_LIMITED, "gateway_rate_limited"),
}


def _failure(error: Mapping[str, Any]) -> Failure:
    decline_code, code = kit.text(error.get("decline_code")), kit.text(error.get("code"))
    unified = kit.decline_of(DECLINE_MAP, decline_code, code)
    advice = kit.text(error.get("advice_code"))
    message = kit.text(error.get("message"))
    network_code = kit.text(error.get("network_decline_code"))
    if network_code:  # Failure has no slot of its own for the network's raw code
        message = f"{message or 'Declined'} (network decline code {network_code})"
    return decline(
        unified,
        raw_code=decline_code or code,
        raw_message=message,
        advice_code=kit.text(error.get("network_advice_code")) or advice,
        advice_vocabulary=STRIPE_ADVICE,
        advice=advice,
    )


def _raise_for_error(response: HttpResponse, body: dict[str, Any]) -> None:
    if response.status < 400:
        return
    error = _error(body)
    raise kit.error_from(
        response,
        ERROR_MAP,
        codes=[kit.text(error.get("code")), kit.text(error.get("type"))],
        message=kit.text(error.get("message")),
        field=kit.text(error.get("param")),
    )


# --------------------------------------------------------------------------- object parsing


def _parse_intent(response: HttpResponse) -> PaymentResult:
    """A PaymentIntent answer; a 402 card error carries the failed PaymentIntent."""
    body = _body(response)
    error = _error(body)
    if response.status == 402 and isinstance(error.get("payment_intent"), dict):
        return payment_from_intent(error["payment_intent"], error)
    if response.status == 402 and error.get("type") == "card_error":
        return PaymentResult(
            status=PaymentStatus.FAILED,
            connector_status=error.get("code"),
            failure=_failure(error),
        )
    _raise_for_error(response, body)
    return payment_from_intent(body)


def payment_from_intent(
    pi: dict[str, Any], error: Mapping[str, Any] | None = None
) -> PaymentResult:
    raw = str(pi.get("status") or "")
    status = kit.status_of(PAYMENT_STATUS, raw, PaymentStatus.PROCESSING)
    currency = _currency(pi) or "USD"
    amount = from_stripe(int(pi.get("amount") or 0), currency)
    received = from_stripe(int(pi.get("amount_received") or 0), currency)
    if status is PaymentStatus.CAPTURED and received < amount:
        status = PaymentStatus.PARTIALLY_CAPTURED
    failure = None
    if status is PaymentStatus.FAILED:
        last_error = pi.get("last_payment_error") or error
        failure = (
            _failure(last_error)
            if isinstance(last_error, Mapping)
            else Failure(
                code="requires_payment_method", message="The payment needs a new payment method."
            )
        )
    next_action, pending_reason = None, None
    action = kit.obj(pi.get("next_action"))
    if status is PaymentStatus.REQUIRES_ACTION:
        next_action = next_action_of(action)
        if next_action is None:
            pending_reason = str(action.get("type") or raw)
    elif status is PaymentStatus.PROCESSING:
        pending_reason = raw or "unknown_status"
    charge = kit.obj(pi.get("latest_charge"))
    details = kit.obj(charge.get("payment_method_details"))
    card_details = kit.obj(details.get("card"))
    # A bank debit's Mandate (SEPA, Bacs): reported with the payment, kept in its facts.
    debit_mandate = kit.text(kit.obj(details.get(str(details.get("type") or ""))).get("mandate"))
    pm = pi.get("payment_method")
    card = _card_summary(card_details) or _card_summary(kit.obj(pm).get("card"))
    ntid = kit.text(card_details.get("network_transaction_id"))
    mandate = None
    if pi.get("setup_future_usage") == "off_session" and _id(pm) and status in _SAVES_CARD:
        mandate = MandateResult(
            status=_SAVES_CARD[status],
            connector_mandate_id=_id(pm),
            connector_customer_id=_id(pi.get("customer")),
            network_transaction_id=ntid,
            connector_status=raw,
            card=card,
        )
    return PaymentResult(
        status=status,
        connector_payment_id=kit.text(pi.get("id")),
        amount=amount,
        amount_captured=received,
        connector_status=raw,
        next_action=next_action,
        failure=failure,
        mandate=mandate,
        network_transaction_id=ntid,
        pending_reason=pending_reason,
        card=card,
        reference=kit.text(kit.obj(pi.get("metadata")).get(REFERENCE_KEY)),
        meta={"mandate": debit_mandate} if debit_mandate else {},
    )


def _qr(body: Mapping[str, Any]) -> NextAction:
    image = kit.text(body.get("image_data_url"))
    return DisplayQr(
        url=kit.text(body.get("hosted_instructions_url")) or "",
        payload=kit.text(body.get("data")) or "",
        image=image if image and image.startswith("data:image/") else None,
        expires_at=_iso_or_none(body.get("expires_at")),
    )


def _voucher(body: Mapping[str, Any], expires_key: str = "expires_at") -> NextAction:
    url = kit.text(body.get("hosted_voucher_url")) or ""
    return DisplayVoucher(
        url=url,
        reference=kit.text(body.get("number")) or _konbini_code(body) or "",
        barcode=kit.text(body.get("number")),
        expires_at=_iso_or_none(body.get(expires_key)),
        instructions_url=kit.text(body.get("pdf")) or url or None,
    )


def _konbini_code(body: Mapping[str, Any]) -> str | None:
    """Konbini: one payment code per store chain (the same at each in test mode)."""
    for store in kit.obj(body.get("stores")).values():
        code = kit.text(kit.obj(store).get("payment_code"))
        if code:
            return code
    return None


def _redirect(body: Mapping[str, Any]) -> NextAction | None:
    url = kit.text(body.get("url"))
    return RedirectAction(url=url) if url else None


def _microdeposits(body: Mapping[str, Any]) -> NextAction:
    return AwaitCustomer(
        url=kit.text(body.get("hosted_verification_url")) or "",
        message="Stripe sends micro-deposits to the bank account; the customer confirms "
        "them on the verification page, then the debit is made",
    )


# ``next_action.type`` -> the unified next action (built from the hash of that name).
NEXT_ACTIONS: dict[str, Callable[[Mapping[str, Any]], NextAction | None]] = {
    "redirect_to_url": _redirect,
    "alipay_handle_redirect": _redirect,
    "pix_display_qr_code": _qr,
    "paynow_display_qr_code": _qr,
    "promptpay_display_qr_code": _qr,
    "wechat_pay_display_qr_code": _qr,
    "boleto_display_details": _voucher,
    "oxxo_display_details": lambda body: _voucher(body, "expires_after"),
    "konbini_display_details": _voucher,
    "verify_with_microdeposits": _microdeposits,
}


def next_action_of(action: Mapping[str, Any]) -> NextAction | None:
    """The unified next action of a PaymentIntent's ``next_action`` (``None``: one only
    Stripe.js can perform, such as ``use_stripe_sdk``)."""
    kind = str(action.get("type") or "")
    if kind == "blik_authorize":  # no hash: the customer approves in the banking app
        return AwaitCustomer(url="", message="approve the BLIK payment in the banking app")
    build = NEXT_ACTIONS.get(kind)
    return build(kit.obj(action.get(kind))) if build else None


def refund_from_object(refund: dict[str, Any]) -> RefundResult:
    raw = str(refund.get("status") or "")
    status = kit.status_of(REFUND_STATUS, raw, RefundStatus.PENDING)
    failure = None
    if status is RefundStatus.FAILED:
        reason = kit.text(refund.get("failure_reason")) or raw
        failure = Failure(
            code="refund_failed" if raw == "failed" else "refund_canceled",
            message=f"The refund {raw}" + (f": {reason}" if reason != raw else "."),
            gateway=GatewayDetail(code=reason),
        )
    return RefundResult(
        status=status,
        connector_refund_id=kit.text(refund.get("id")),
        amount=from_stripe(int(refund.get("amount") or 0), _currency(refund) or "USD"),
        connector_status=raw,
        failure=failure,
        pending_reason=raw if status is RefundStatus.PENDING else None,
    )


def mandate_from_setup_intent(
    si: dict[str, Any], error: Mapping[str, Any] | None = None
) -> MandateResult:
    raw = str(si.get("status") or "")
    status = kit.status_of(SETUP_STATUS, raw, MandateStatus.PENDING)
    failure = None
    if status is MandateStatus.FAILED:
        last_error = si.get("last_setup_error") or error
        failure = (
            _failure(last_error)
            if isinstance(last_error, Mapping)
            else Failure(code=f"setup_{raw}", message=f"The card setup ended as {raw}.")
        )
    next_action = None
    url = kit.obj(kit.obj(si.get("next_action")).get("redirect_to_url")).get("url")
    if status is MandateStatus.PENDING and url:
        next_action = RedirectAction(url=str(url))
    pm = si.get("payment_method")
    return MandateResult(
        status=status,
        connector_mandate_id=_id(pm),
        connector_customer_id=_id(si.get("customer")),
        connector_status=raw,
        next_action=next_action,
        failure=failure,
        card=_card_summary(pm.get("card") if isinstance(pm, dict) else None),
        meta={"setup_intent": str(si["id"])} if si.get("id") else {},
    )


def dispute_from_object(dispute: dict[str, Any]) -> DisputeResult:
    raw = str(dispute.get("status") or "")
    currency = _currency(dispute)
    due = (dispute.get("evidence_details") or {}).get("due_by")
    return DisputeResult(
        status=kit.status_of(DISPUTE_STATUS, raw, DisputeStatus.UNDER_REVIEW),
        connector_dispute_id=str(dispute.get("id") or ""),
        connector_payment_id=_id(dispute.get("payment_intent")),
        amount=from_stripe(int(dispute.get("amount") or 0), currency) if currency else None,
        currency=currency,
        reason=kit.text(dispute.get("reason")),
        unified_reason=kit.status_of(DISPUTE_REASON, dispute.get("reason"), DisputeReason.OTHER),
        connector_status=raw,
        evidence_due_by=_iso(due) if isinstance(due, int) else None,
        evidence_submitted=bool(details.get("submission_count"))
        if isinstance(details := dispute.get("evidence_details"), dict)
        else None,
        created=_iso(dispute["created"]) if isinstance(dispute.get("created"), int) else None,
    )


def _event_refund(obj: dict[str, Any]) -> RefundResult | None:
    if obj.get("object") == "refund":
        return refund_from_object(obj)
    # charge.refunded: the newest refund if the charge lists them, else the charge total.
    refunds = (obj.get("refunds") or {}).get("data") or []
    if refunds and isinstance(refunds[0], dict):
        return refund_from_object({"currency": obj.get("currency"), **refunds[0]})
    currency = _currency(obj)
    if not currency:
        return None
    return RefundResult(
        status=RefundStatus.SUCCEEDED,
        amount=from_stripe(int(obj.get("amount_refunded") or 0), currency),
        connector_status="charge_refunded",
    )


def _dispute_event(etype: str, status: DisputeStatus) -> WebhookEventType:
    if etype == "charge.dispute.created":
        return WebhookEventType.DISPUTE_OPENED
    if etype == "charge.dispute.closed":
        if status is DisputeStatus.WON:
            return WebhookEventType.DISPUTE_WON
        if status in (DisputeStatus.LOST, DisputeStatus.ACCEPTED):
            return WebhookEventType.DISPUTE_LOST
    return WebhookEventType.DISPUTE_UPDATED


def _parse_customer(response: HttpResponse) -> str:
    body = _body(response)
    _raise_for_error(response, body)
    customer = kit.text(body.get("id"))
    if not customer:
        raise gateway_error(response, code=None, message="Stripe returned no customer id")
    return customer


# --------------------------------------------------------------------------- request pieces


def to_stripe(minor: int, currency: str) -> int:
    """ISO-4217 minor units -> Stripe's amount integer (see the module docstring)."""
    return STRIPE.to_gateway(minor, currency)


def from_stripe(amount: int, currency: str) -> int:
    """Stripe's amount integer -> ISO-4217 minor units (legacy fractional ISK/UGX floor)."""
    return STRIPE.from_gateway(amount, currency)


def _known_customer(customer: Customer | None, pm: object) -> str | None:
    """A Stripe Customer id we can use as-is (ours may be the merchant's own id)."""
    for candidate in (customer.id if customer else None, getattr(pm, "customer_id", None)):
        if candidate and candidate.startswith("cus_"):
            return str(candidate)
    return None


def _method_fields(
    pm: object, billing: Address | None, customer: Customer | None
) -> dict[str, Any]:
    if isinstance(pm, Card):
        return {
            "payment_method_data": {
                "type": "card",
                "card": {
                    "number": pm.number.reveal(),
                    "exp_month": pm.exp_month,
                    "exp_year": pm.exp_year,
                    "cvc": pm.cvc.reveal() if pm.cvc else None,
                },
                "billing_details": _billing(billing, customer, pm.holder_name),
            }
        }
    if isinstance(pm, Token):
        if pm.token.startswith("tok_"):  # legacy card token
            return {"payment_method_data": {"type": "card", "card": {"token": pm.token}}}
        return {"payment_method": pm.token}
    raise ServiceError(
        ErrorType.NOT_SUPPORTED,
        "payment_method_not_supported",
        f"the Stripe connector does not take {type(pm).__name__.lower()} payments",
        field="payment_method.type",
    )


# Stripe's ``payment_method_data[type]`` for each method of the model it takes.
STRIPE_TYPE: dict[PaymentMethodType, str] = {
    _M.IDEAL: "ideal", _M.BANCONTACT: "bancontact", _M.EPS: "eps", _M.BLIK: "blik",
    _M.PRZELEWY24: "p24", _M.SEPA_DEBIT: "sepa_debit", _M.ACH_DEBIT: "us_bank_account",
    _M.BACS_DEBIT: "bacs_debit", _M.PIX: "pix", _M.PAYNOW: "paynow", _M.PROMPTPAY: "promptpay",
    _M.BOLETO: "boleto", _M.OXXO: "oxxo", _M.KONBINI: "konbini", _M.KLARNA: "klarna",
    _M.AFTERPAY_CLEARPAY: "afterpay_clearpay", _M.AFFIRM: "affirm", _M.ALIPAY: "alipay",
    _M.WECHAT_PAY: "wechat_pay", _M.PAYPAL: "paypal",
}  # fmt: skip
# The customer's details Stripe requires per method (its guides' required billing
# details; a debit's name is the account holder's, always given).
_NEEDS: dict[PaymentMethodType, tuple[str, ...]] = {
    _M.BANCONTACT: ("name",), _M.EPS: ("name",), _M.PRZELEWY24: ("email",),
    _M.SEPA_DEBIT: ("email",), _M.BACS_DEBIT: ("email", "address"),
    _M.BOLETO: ("name", "email", "address", "state"), _M.OXXO: ("name", "email"),
    _M.KONBINI: ("name", "email"), _M.KLARNA: ("email", "country"),
    _M.AFTERPAY_CLEARPAY: ("name", "email", "address"),
}  # fmt: skip
# Methods whose page the customer is sent to (and back to ``return_url`` from).
_REDIRECTS = frozenset({
    _M.IDEAL, _M.BANCONTACT, _M.EPS, _M.PRZELEWY24, _M.KLARNA, _M.AFTERPAY_CLEARPAY,
    _M.AFFIRM, _M.ALIPAY, _M.PAYPAL,
})  # fmt: skip
# The banks ``payment_method_data[ideal|eps][bank]`` takes (an enum in the spec).
IDEAL_BANKS = frozenset(
    "abn_amro asn_bank bunq handelsbanken ing knab moneyou n26 rabobank regiobank revolut "
    "sns_bank triodos_bank van_lanschot yoursafe".split()
)
EPS_BANKS = frozenset(
    "arzte_und_apotheker_bank austrian_anadi_bank_ag bank_austria bankhaus_carl_spangler "
    "bankhaus_schelhammer_und_schattera_ag bawag_psk_ag bks_bank_ag brull_kallmus_bank_ag "
    "btv_vier_lander_bank capital_bank_grawe_gruppe_ag deutsche_bank_ag dolomitenbank "
    "easybank_ag erste_bank_und_sparkassen hypo_alpeadriabank_international_ag "
    "hypo_bank_burgenland_aktiengesellschaft hypo_noe_lb_fur_niederosterreich_u_wien "
    "hypo_oberosterreich_salzburg_steiermark hypo_tirol_bank_ag hypo_vorarlberg_bank_ag "
    "marchfelder_bank oberbank_ag raiffeisen_bankengruppe_osterreich schoellerbank_ag "
    "sparda_bank_wien volksbank_gruppe volkskreditbank_ag vr_bank_braunau".split()
)
_ADDRESS = ("line1", "city", "postal_code", "country")


def _refuse_saving(data: AuthorizeData) -> None:
    kind = type_of(data.payment_method)
    if data.setup_future_usage and kind in STRIPE_TYPE:
        raise not_supported(
            f"the Stripe connector does not save {method_name(kind)} payment methods "
            "(setup_future_usage)",
            "setup_future_usage",
        )


def _method_request(pm: object, data: AuthorizeData) -> dict[str, Any]:
    """The PaymentIntent fields of a method beyond cards: its ``payment_method_data``
    hash, ``payment_method_options`` and a debit's ``mandate_data``."""
    kind = type_of(pm)
    stype, label = STRIPE_TYPE[kind], method_name(kind)
    holder = getattr(pm, "account_holder_name", None)
    billing = _billing(data.billing, data.customer, holder) or {}
    _check_needs(kind, label, billing, data.billing)
    method: dict[str, Any] = {}
    options: dict[str, Any] = {}
    mandate: MandateAcceptance | None = getattr(pm, "mandate_acceptance", None)
    if isinstance(pm, Ideal | Eps) and pm.bank:
        banks = IDEAL_BANKS if isinstance(pm, Ideal) else EPS_BANKS
        if pm.bank not in banks:
            raise pm_kit.bad_field(
                "payment_method.bank",
                f"Stripe's {label} banks are {', '.join(sorted(banks))}",
            )
        method["bank"] = pm.bank
    elif isinstance(pm, Przelewy24):
        method["bank"] = pm.bank
    elif isinstance(pm, Blik):
        options["code"] = pm.code
    elif isinstance(pm, SepaDebit):
        method["iban"] = pm.iban
    elif isinstance(pm, AchDebit):
        method = {
            "account_number": pm.account_number,
            "routing_number": pm.routing_number,
            "account_holder_type": pm.account_holder_type,
            "account_type": pm.account_type,
        }
        # Raw account numbers: Stripe verifies the account with micro-deposits.
        options["verification_method"] = "microdeposits"
    elif isinstance(pm, BacsDebit):
        method = {"account_number": pm.account_number, "sort_code": pm.sort_code}
    elif isinstance(pm, Pix):
        options["expires_after_seconds"] = pm.expires_after_seconds
    elif isinstance(pm, Boleto):
        method["tax_id"] = pm.tax_id
        options["expires_after_days"] = pm.expires_after_days
    elif isinstance(pm, Oxxo | Konbini):
        options["expires_after_days"] = pm.expires_after_days
    elif kind is _M.WECHAT_PAY:
        options["client"] = "web"  # answered with a QR code to show (not an app hand-off)
    return_url = data.return_url
    if kind in _REDIRECTS:
        return_url = pm_kit.require_return_url(return_url, "Stripe", label)
    return {
        "payment_method_types": [stype],
        "payment_method_data": {
            "type": stype,
            stype: method or None,
            "billing_details": billing or None,
        },
        "payment_method_options": {stype: drop_none(options)} if drop_none(options) else None,
        "mandate_data": _mandate_data(mandate) if mandate is not None else None,
        "return_url": return_url,
    }


def _check_needs(
    kind: PaymentMethodType, label: str, billing: Mapping[str, Any], address: Address | None
) -> None:
    needs = _NEEDS.get(kind, ())
    if "name" in needs:
        pm_kit.require_field(billing.get("name"), "customer.name", "Stripe", label, "a name")
    if "email" in needs:
        pm_kit.require_field(billing.get("email"), "customer.email", "Stripe", label, "an email")
    if "country" in needs:
        country = address.country if address else None
        pm_kit.require_field(country, "billing.country", "Stripe", label, "the billing country")
    if "address" in needs:
        for part in (*_ADDRESS, "state") if "state" in needs else _ADDRESS:
            value = getattr(address, part) if address else None
            pm_kit.require_field(
                value, f"billing.{part}", "Stripe", label, f"the billing address ({part})"
            )


def _mandate_data(acceptance: MandateAcceptance) -> dict[str, Any]:
    """The customer's acceptance of the debit mandate (Stripe creates the Mandate)."""
    accepted = datetime.fromisoformat(acceptance.accepted_at)
    if accepted.tzinfo is None:
        accepted = accepted.replace(tzinfo=UTC)
    online = (
        {"ip_address": acceptance.ip_address, "user_agent": acceptance.user_agent}
        if acceptance.type == "online"
        else None
    )
    return {
        "customer_acceptance": {
            "type": acceptance.type,
            "accepted_at": int(accepted.timestamp()),
            "online": online,
        }
    }


def _three_ds(ctx: ConnectorContext) -> dict[str, Any] | None:
    mode = ctx.options.get("request_three_d_secure")
    if mode not in ("automatic", "any", "challenge"):
        return None
    return {"card": {"request_three_d_secure": mode}}


def _name(address: Address | None, customer: Customer | None) -> str | None:
    if address and (address.first_name or address.last_name):
        return " ".join(p for p in (address.first_name, address.last_name) if p)
    return customer.name if customer else None


def _address(address: Address) -> dict[str, Any]:
    fields = ("line1", "line2", "city", "state", "postal_code", "country")
    return {f: getattr(address, f) for f in fields if getattr(address, f)}


def _billing(
    billing: Address | None, customer: Customer | None, holder: str | None
) -> dict[str, Any] | None:
    details = drop_none(
        {
            "name": holder or _name(billing, customer),
            "email": customer.email if customer else None,
            "phone": (billing.phone if billing else None) or (customer.phone if customer else None),
            "address": (_address(billing) or None) if billing else None,
        }
    )
    return details or None


def _shipping(shipping: Address | None, customer: Customer | None) -> dict[str, Any] | None:
    name = _name(shipping, customer) if shipping else None
    if shipping is None or not name:  # Stripe requires a name with a shipping address
        return None
    return {"name": name, "phone": shipping.phone, "address": _address(shipping)}


def _metadata(metadata: Mapping[str, str], reference: str) -> dict[str, str]:
    out = dict(metadata)
    if len(out) < 50:  # Stripe's limit is 50 keys
        out[REFERENCE_KEY] = reference
    return out


CONNECT_KEY = "connect"  # fact-record key: the payment made a Connect transfer


def _connect(data: AuthorizeData) -> dict[str, Any]:
    """Splits as a Connect destination charge: the one destination gets the amount less
    ``application_fee_amount``, so the platform's fee there is everything that is not the
    split (``application_fee`` plus any unsplit rest: both stay with the platform)."""
    if not data.splits:
        fee = data.application_fee
        return {"application_fee_amount": to_stripe(fee, data.currency)} if fee else {}
    if len(data.splits) > 1:
        raise not_supported(
            "Stripe destination charges have one destination; several splits need separate "
            "transfers (a transfer_group option and your own POST /v1/transfers)",
            "splits",
        )
    split = data.splits[0]
    fee = data.amount - split.amount
    body: dict[str, Any] = {"transfer_data": {"destination": split.destination}}
    if fee:
        body["application_fee_amount"] = to_stripe(fee, data.currency)
    return body


def _given(options: msgspec.Struct, *names: str) -> dict[str, Any]:
    """The named option fields that are set (each is the gateway's parameter name)."""
    return {n: getattr(options, n) for n in names if getattr(options, n) is not None}


def _descriptor(value: str | None) -> str | None:
    if not value:
        return None
    clean = re.sub(r"[<>\\'\"*]", "", value).strip()[:22]
    return clean or None


# --------------------------------------------------------------------------- small helpers


def _body(response: HttpResponse) -> dict[str, Any]:
    body = response.json()
    return body if isinstance(body, dict) else {}


def _error(body: Mapping[str, Any]) -> dict[str, Any]:
    error = body.get("error")
    return error if isinstance(error, dict) else {}


def _event_envelope(body: bytes) -> dict[str, Any]:
    """A Stripe event (``"object": "event"``, an id and a type) whose object's amount and
    currency, when present, are real ones; anything else is not read at all."""
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise checks.not_an_event("Stripe", "not JSON") from None
    event = checks.envelope(value, "Stripe", id_key="id", type_key="type")
    if event.get("object") != "event":
        raise checks.not_an_event("Stripe", '`object` must be "event"')
    obj = checks.child(checks.child(event, "data"), "object")
    checks.minor_amount(obj, "amount", "data.object.amount")
    checks.currency(obj, "currency", "data.object.currency", lower_ok=True)
    return event


def _id(value: Any) -> str | None:
    """An id field that may be expanded into its object."""
    if isinstance(value, dict):
        return kit.text(value.get("id"))
    return kit.text(value)


def _currency(obj: Mapping[str, Any]) -> str | None:
    code = obj.get("currency")
    if isinstance(code, str) and code.upper() in CURRENCY_EXPONENTS:
        return code.upper()
    return None


def _card_summary(card: Any) -> CardSummary | None:
    if not isinstance(card, dict) or not card:
        return None
    return CardSummary(
        brand=kit.text(card.get("brand")),
        last4=kit.text(card.get("last4")),
        exp_month=card.get("exp_month") if isinstance(card.get("exp_month"), int) else None,
        exp_year=card.get("exp_year") if isinstance(card.get("exp_year"), int) else None,
    )


def _iso_or_none(ts: Any) -> str | None:
    return _iso(ts) if isinstance(ts, int) and not isinstance(ts, bool) else None


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


_SCRUB_FIRST: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:pi|seti|src)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"), "[CLIENT_SECRET]"),
    (re.compile(r"\bsrc_client_secret_[A-Za-z0-9]+"), "[CLIENT_SECRET]"),
)
_SCRUB: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![A-Za-z])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+"), "[REDACTED]"),
    (re.compile(r"(?<![A-Za-z])whsec_[A-Za-z0-9+/=]+"), "[REDACTED]"),
    (re.compile(r"(?im)^([<>]?\s*stripe-signature\s*:\s*).+$"), r"\1[REDACTED]"),
    (re.compile(r"(?i)(\[card\]\[(?:number|cvc)\]=)(?!\[)[^&\s]+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)(\[card\]\[token\]=)[^&\s]+"), r"\1[REDACTED]"),
    # BLIK's one-time code (payment_method_options[blik][code]): not a key scrub_common knows.
    (re.compile(r"(?i)(\[blik\]\[code\]=)(?!\[)[^&\s]+"), r"\1[REDACTED]"),
)
