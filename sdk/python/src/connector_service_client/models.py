"""The API's request and response bodies as msgspec structs.

GENERATED from docs/openapi.json by scripts/gen_client_models.py: do not edit (the tests
fail when this module and the document disagree). Secret fields (card numbers, CVCs,
wallet tokens) are plain ``str`` here: the client sends what it is given, and never logs
a body.

Responses are decoded leniently (unknown fields are ignored) so that a newer service
with more fields does not break an older client; requests omit fields left at their
default, so the service applies its own.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import msgspec

# ``{}`` in the document: any JSON value (kept as decoded: dict, list, str, ...).
JsonValue: TypeAlias = object


class AchDebit(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="ach_debit"):
    """ACH debit (US): account and ABA routing number, and the customer's authorization."""

    account_holder_name: str
    account_holder_type: Literal["company", "individual"] = "individual"
    account_number: str
    account_type: Literal["checking", "savings"] = "checking"
    mandate_acceptance: MandateAcceptance
    routing_number: str


class Address(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``Address`` object."""

    city: str | None = None
    country: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    line1: str | None = None
    line2: str | None = None
    phone: str | None = None
    postal_code: str | None = None
    state: str | None = None


class Affirm(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="affirm"):
    """Affirm (US, CA): pay over time, approved on Affirm's page (``redirect``)."""


class AfterpayClearpay(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="afterpay_clearpay"
):
    """Afterpay / Clearpay: pay in four, approved on Afterpay's page (``redirect``)."""


class Alipay(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="alipay"):
    """Alipay: the customer scans a QR code with the Alipay app (``display_qr``)."""


class ApplePay(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="apple_pay"):
    """The encrypted Apple Pay payment token (``paymentData``, as JSON text or base64), passed
    through to a gateway that decrypts it with the merchant's certificate.
    """

    token: str


class Attempt(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``Attempt`` object."""

    account: str
    connector: str
    latency_ms: float
    outcome: AttemptOutcome
    reason: str | None = None


AttemptOutcome: TypeAlias = Literal[
    "authorized",
    "captured",
    "declined",
    "error",
    "failed",
    "partially_captured",
    "processing",
    "requires_action",
    "skipped",
    "unresolved",
    "voided",
]
"""What one routed attempt came to: `skipped` (not tried), `failed` (failed over), `error`,
`declined` (a soft decline moved on from), `unresolved`, or the payment's status.
"""


class AttemptView(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``AttemptView`` object."""

    attempt: int
    error: str | None = None
    latency_ms: float
    started_at: str
    status_code: int | None = None
    worker: str


class AwaitCustomer(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="await_customer"
):
    """Wait while the customer acts elsewhere (approve a UPI collect request or a BLIK code in
    the bank app; enter a PIN/OTP: then ``form`` names what to post back to ``/complete``, by
    ``method`` POST).
    """

    expires_at: str | None = None
    form: dict[str, str] | None = None
    message: str | None = None
    method: str = "GET"
    url: str


class BacsDebit(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="bacs_debit"
):
    """Bacs Direct Debit (UK): sort code, account number, the customer's mandate."""

    account_holder_name: str
    account_number: str
    mandate_acceptance: MandateAcceptance
    sort_code: str


class Bancontact(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="bancontact"
):
    """Bancontact (BE): a redirect (or the Payconiq app's QR) confirmed by the customer."""


class Blik(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="blik"):
    """BLIK (PL): the six-digit code from the customer's banking app, confirmed in the app."""

    code: str


class Boleto(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="boleto"):
    """Boleto bancário (BR): a voucher paid later; needs the payer's CPF or CNPJ."""

    expires_after_days: int | None = None
    tax_id: str


class BreakerList(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``BreakerList`` object."""

    data: list[BreakerView]
    object: str


BreakerState: TypeAlias = Literal["closed", "half_open", "open"]


class BreakerView(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``BreakerView`` object."""

    account: str
    consecutive_failures: int
    opened_at: float | None = None
    state: BreakerState
    window_calls: int
    window_failures: int


class BrowserInfo(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What 3-D Secure 2 asks of the customer's browser."""

    accept_header: str | None = None
    color_depth: int | None = None
    ip_address: str | None = None
    java_enabled: bool | None = None
    javascript_enabled: bool | None = None
    language: str | None = None
    screen_height: int | None = None
    screen_width: int | None = None
    time_zone_offset: int | None = None
    user_agent: str | None = None


class CaptureCreate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``CaptureCreate`` object."""

    amount: int | None = None
    connector_options: dict[str, dict[str, JsonValue]] = msgspec.field(default_factory=dict)
    final_capture: bool = True
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    reference: str | None = None


CaptureMethod: TypeAlias = Literal["automatic", "manual"]


class Card(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="card"):
    """The API's ``Card`` object."""

    cvc: str | None = None
    exp_month: int
    exp_year: int
    holder_name: str | None = None
    number: str
    three_ds: ThreeDsResult | None = None


class CardSummary(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What may be shown about a card: never the number, never the CVC."""

    brand: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    last4: str | None = None


class CompleteCreate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What the customer's browser brought back from a redirect (3-D Secure, bank page)."""

    params: dict[str, str] = msgspec.field(default_factory=dict)


class ConnectorInfo(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``ConnectorInfo`` object."""

    accounts: list[str] = msgspec.field(default_factory=list)
    connector_options: list[str] = msgspec.field(default_factory=list)
    countries: list[str] | Literal["*"]
    credential_fields: list[str]
    currencies: list[str] | Literal["*"]
    display_name: str
    docs_url: str | None = None
    flows: list[str]
    idempotency: str
    methods: list[PaymentMethodInfo] = msgspec.field(default_factory=list)
    multiple_captures: bool = False
    name: str
    option_fields: list[str]
    payment_methods: list[str]
    splits: bool = False
    webhooks: bool


class ConnectorList(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Paged like every list (``cursor`` in, ``has_more`` + ``next_cursor`` out); the connectors
    fit one page today, so it is always the last.
    """

    data: list[ConnectorInfo]
    has_more: bool = False
    next_cursor: str | None = None
    object: str


class Customer(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``Customer`` object."""

    email: str | None = None
    id: str | None = None
    ip_address: str | None = None
    name: str | None = None
    phone: str | None = None


DeclineCategory: TypeAlias = Literal["hard", "retry_later", "soft"]
"""How a caller should react to a decline. ``soft``: the same card may succeed later or with more
data (e.g. insufficient funds, authentication required); ``hard``: do not retry this card
(stolen, closed, invalid); ``retry_later``: a temporary problem at the issuer or network.
"""


class DeliveryList(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A page, as :class:`EventList`."""

    data: list[DeliveryView]
    has_more: bool
    next_cursor: str | None
    object: str


DeliveryStatus: TypeAlias = Literal["failed", "pending", "succeeded"]


class DeliveryView(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``DeliveryView`` object."""

    attempt_log: list[AttemptView] | None = None
    attempts: int
    created_at: str
    delivered_at: str | None = None
    endpoint: str
    event_id: str
    id: str
    last_attempt_at: str | None = None
    last_error: str | None = None
    last_status_code: int | None = None
    next_attempt_at: str | None = None
    status: DeliveryStatus


class DisplayBankTransfer(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="display_bank_transfer"
):
    """Ask the customer to transfer the amount to a one-off account (a bank virtual account): the
    bank, the account number, the name the bank shows, until when.
    """

    account_holder_name: str | None = None
    account_number: str
    bank: str
    expires_at: str | None = None
    url: str


class DisplayQr(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="display_qr"
):
    """Show a code the customer scans with a banking or wallet app (Pix, UPI, PayNow, PromptPay,
    Alipay, WeChat Pay). ``payload`` is the text encoded (Pix "copia e cola"), ``image`` a
    ``data:image/…`` URL of the QR code, ``url`` a hosted page.
    """

    expires_at: str | None = None
    image: str | None = None
    payload: str
    url: str


class DisplayVoucher(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="display_voucher"
):
    """Give the customer a voucher to pay later (Boleto, OXXO, Konbini): its number, the
    barcode's digits, until when, and the printable instructions.
    """

    barcode: str | None = None
    expires_at: str | None = None
    instructions_url: str | None = None
    reference: str
    url: str


class Dispute(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A dispute (chargeback): the same document in ``GET /v1/disputes/{id}``, the list, accept,
    evidence and the ``dispute.*`` webhook events (docs/disputes.md).
    """

    account: str
    amount: int | None = None
    connector: str
    connector_dispute_id: str
    connector_payment_id: str | None = None
    connector_reason: str | None = None
    connector_status: str | None = None
    created: str | None = None
    currency: str | None = None
    evidence_due_by: str | None = None
    evidence_submitted: bool
    id: str
    object: str = "dispute"
    payment_id: str | None = None
    reason: DisputeReason
    status: DisputeStatus


class DisputeEvidenceCreate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Evidence for a dispute. ``submit``: true sends it for review (the dispute moves to
    ``under_review``); false stages it where the gateway can (a later call submits).
    """

    evidence: list[EvidenceItem]
    submit: bool = True


class DisputeList(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One page of an account's disputes, as the gateway lists them (``cursor`` in, ``has_more``
    + ``next_cursor`` out).
    """

    data: list[Dispute]
    has_more: bool = False
    next_cursor: str | None = None
    object: str


DisputeReason: TypeAlias = Literal[
    "credit_not_processed",
    "duplicate",
    "fraudulent",
    "general",
    "other",
    "processing_error",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
]
"""Why the cardholder disputed, unified across gateways (the gateway's own reason is kept beside
it as ``connector_reason``). ``other``: a reason no table maps.
"""

DisputeStatus: TypeAlias = Literal["accepted", "lost", "needs_response", "under_review", "won"]


class EnableResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``EnableResult`` object."""

    endpoint: str
    object: str
    was_disabled: bool


class EndpointList(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``EndpointList`` object."""

    data: list[EndpointView]
    object: str


class EndpointView(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``EndpointView`` object."""

    accounts: list[str]
    disabled: bool
    disabled_at: str | None = None
    disabled_reason: str | None = None
    event_types: list[str]
    failed: int
    id: str
    pending: int
    url: str


class Eps(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="eps"):
    """EPS (AT): a redirect to the customer's bank; ``bank`` preselects one."""

    bank: str | None = None


class ErrorBody(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``ErrorBody`` object."""

    attempts: list[Attempt] | None = None
    code: ErrorCode
    decline: Failure | None = None
    field: str | None = None
    gateway: GatewayDetail | None = None
    message: str
    request_id: str
    type: ErrorType


ErrorCode: TypeAlias = Literal[
    "access_token_missing",
    "account_and_credentials",
    "account_not_allowed",
    "account_not_found",
    "admin_only",
    "admin_required",
    "amount_not_increased",
    "amount_not_supported",
    "amount_precision_not_supported",
    "amount_too_large",
    "amount_too_small",
    "authorization_expired",
    "body_required",
    "body_too_large",
    "card_expired",
    "connector_mismatch",
    "credentials_required",
    "cross_origin_forbidden",
    "currency_mismatch",
    "currency_not_supported",
    "dispute_facts_unavailable",
    "dispute_not_found",
    "dispute_not_open",
    "duplicate_evidence",
    "duplicate_key",
    "duplicate_reference",
    "duplicate_request",
    "endpoint_not_found",
    "endpoint_shared",
    "event_not_found",
    "evidence_content_type_not_supported",
    "evidence_file_too_large",
    "evidence_staging_not_supported",
    "evidence_too_large",
    "evidence_type_not_supported",
    "flow_not_supported",
    "gateway_authentication_failed",
    "gateway_conflict",
    "gateway_error",
    "gateway_lock_timeout",
    "gateway_misconfigured",
    "gateway_permission_denied",
    "gateway_rate_limited",
    "gateway_rejected_request",
    "gateway_unavailable",
    "headers_too_large",
    "idempotency_key_in_use",
    "idempotency_key_required",
    "idempotency_key_reused",
    "idempotency_request_in_progress",
    "insufficient_balance",
    "internal_error",
    "invalid_account_option",
    "invalid_amount",
    "invalid_api_key",
    "invalid_base64",
    "invalid_card_number",
    "invalid_credentials_header",
    "invalid_currency",
    "invalid_cursor",
    "invalid_customer_id",
    "invalid_cvc",
    "invalid_expiry",
    "invalid_field",
    "invalid_idempotency_key",
    "invalid_json",
    "invalid_limit",
    "invalid_live_url_prefix",
    "invalid_mandate",
    "invalid_merchant_account",
    "invalid_option",
    "invalid_order",
    "invalid_page_size",
    "invalid_page_token",
    "invalid_reference",
    "invalid_splits",
    "invalid_status",
    "invalid_stored_payment_method",
    "invalid_token",
    "invalid_webhook",
    "mandate_account_mismatch",
    "mandate_facts_unavailable",
    "mandate_not_active",
    "mandate_not_found",
    "mandate_not_pending",
    "mandate_unexpected_state",
    "mandate_without_customer",
    "metadata_too_large",
    "method_not_allowed",
    "missing_account_option",
    "missing_api_key",
    "missing_credentials",
    "missing_field",
    "missing_gateway_id",
    "missing_redirect_result",
    "no_account_available",
    "no_allowed_account",
    "no_route",
    "not_supported",
    "nothing_to_refund",
    "operation_not_allowed",
    "payment_already_authorized",
    "payment_already_captured",
    "payment_already_refunded",
    "payment_already_voided",
    "payment_declined",
    "payment_disputed",
    "payment_facts_unavailable",
    "payment_intent_mismatch",
    "payment_method_not_supported",
    "payment_not_capturable",
    "payment_not_found",
    "payment_not_incrementable",
    "payment_not_refundable",
    "payment_not_voidable",
    "payment_requires_action",
    "payment_unexpected_state",
    "payment_unresolved",
    "recurring_not_enabled",
    "reference_too_long",
    "refund_facts_unavailable",
    "refund_not_found",
    "request_credentials_not_allowed",
    "request_in_progress",
    "request_timeout",
    "resource_not_found",
    "return_url_required",
    "return_url_too_long",
    "route_not_found",
    "shopper_reference_required",
    "storage_unavailable",
    "too_many_evidence_files",
    "unknown_account",
    "unknown_connector",
    "unknown_field",
    "unknown_option",
    "unknown_parameter",
    "unknown_routing_profile",
    "unknown_type",
    "unknown_webhook_connector",
    "unsupported_media_type",
    "webhook_not_recorded",
    "webhook_not_verified",
    "webhook_verification_unavailable",
]
"""The stable machine code of an error (the registry in `domain/error_codes.py`; a new code is a
documented API change).
"""


class ErrorEnvelope(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``ErrorEnvelope`` object."""

    error: ErrorBody


ErrorType: TypeAlias = Literal[
    "authentication",
    "conflict",
    "connector_error",
    "internal_error",
    "invalid_request",
    "network_error",
    "not_found",
    "not_supported",
    "permission",
    "rate_limited",
]
"""The kind of an error; `code` says which one."""


class Event(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``Event`` object."""

    account: str
    connector: str
    connector_event_id: str
    connector_event_type: str
    connector_payment_id: str | None = None
    data: EventData
    id: str
    livemode: bool
    occurred_at: str | None = None
    timestamp: str
    type: EventType


class EventData(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``EventData`` object."""

    dispute: Dispute | None = None
    mandate: Mandate | None = None
    payment: Payment | None = None
    refund: Refund | None = None


class EventDetail(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``EventDetail`` object."""

    account: str
    connector: str
    connector_event_id: str
    deliveries: list[DeliveryView]
    event: JsonValue
    id: str
    received_at: str
    type: EventType


class EventList(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A page: send ``next_cursor`` back as ``cursor`` for the next (None on the last)."""

    data: list[EventSummary]
    has_more: bool
    next_cursor: str | None
    object: str


class EventSummary(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``EventSummary`` object."""

    account: str
    connector: str
    connector_event_id: str
    id: str
    received_at: str
    type: EventType


EventType: TypeAlias = Literal[
    "dispute.lost",
    "dispute.opened",
    "dispute.updated",
    "dispute.won",
    "mandate.active",
    "mandate.failed",
    "mandate.revoked",
    "payment.authorized",
    "payment.capture_failed",
    "payment.captured",
    "payment.failed",
    "payment.processing",
    "payment.requires_action",
    "payment.voided",
    "refund.failed",
    "refund.pending",
    "refund.succeeded",
    "unknown",
]
"""The unified event types (`unknown`: an event the service does not map; its
`connector_event_type` says what it was).
"""


class EvidenceItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One piece of evidence: ``text``, or a file (``file`` is its content, base64 in JSON, with
    ``file_name`` and ``content_type``). The gateway's limits (which types, sizes and content
    types it takes) are checked before anything is sent.
    """

    content_type: str | None = None
    file: str | None = None
    file_name: str | None = None
    text: str | None = None
    type: EvidenceType


EvidenceType: TypeAlias = Literal[
    "cancellation_policy",
    "customer_communication",
    "customer_signature",
    "product_description",
    "receipt",
    "refund_policy",
    "service_documentation",
    "shipping_documentation",
    "uncategorized",
]
"""One piece of dispute evidence, unified; each connector maps the ones its gateway takes
(``evidence_limits``) and refuses the others with a 400 naming the field.
"""


class Ewallet(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="ewallet"):
    """A Southeast Asian e-wallet (OVO, DANA, ShopeePay, GCash, GrabPay, Maya…): the customer
    approves on the wallet's page or app (``redirect``); OVO instead pushes the request to the
    app of the ``phone`` number given (``await_customer``).
    """

    phone: str | None = None
    provider: Literal[
        "astrapay",
        "dana",
        "gcash",
        "grabpay",
        "jeniuspay",
        "linepay",
        "linkaja",
        "momo",
        "ovo",
        "paymaya",
        "shopeepay",
        "touchngo",
        "truemoney",
        "zalopay",
    ]


class Failure(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Why a payment, refund or mandate failed at the gateway (a result, not an error)."""

    advice_code: str | None = None
    category: DeclineCategory | None = None
    code: str
    gateway: GatewayDetail | None = None
    message: str


class GatewayDetail(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What the gateway itself said, verbatim (never containing request secrets)."""

    code: str | None = None
    http_status: int | None = None
    message: str | None = None


class GooglePay(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="google_pay"
):
    """The Google Pay ``paymentMethodData.tokenizationData.token`` (gateway tokenization), passed
    through to the gateway.
    """

    token: str


class Ideal(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="ideal"):
    """iDEAL (NL): a redirect to the customer's bank; ``bank`` preselects one."""

    bank: str | None = None


class IncrementCreate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Raise an authorization (incremental authorization: hotels, car rentals). ``total_amount``
    is the authorization's NEW TOTAL in minor units, not the difference: a 10000 authorization
    raised to 12500 sends ``total_amount: 12500``.
    """

    reason: str | None = None
    reference: str | None = None
    total_amount: int


class Klarna(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="klarna"):
    """Klarna: pay later / in instalments, approved on Klarna's page (``redirect``)."""


class Konbini(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="konbini"):
    """Konbini (JP): a voucher paid at a convenience store."""

    expires_after_days: int | None = None


class LineItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``LineItem`` object."""

    name: str
    quantity: int
    sku: str | None = None
    tax_amount: int | None = None
    unit_amount: int


class Mandate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``Mandate`` object."""

    account: str
    connector: str
    connector_mandate_id: str
    connector_status: str | None = None
    customer_id: str | None = None
    failure: Failure | None = None
    id: str
    next_action: (
        RedirectAction
        | DisplayQr
        | DisplayVoucher
        | DisplayBankTransfer
        | AwaitCustomer
        | ThreeDsAction
        | None
    ) = None
    object: str = "mandate"
    payment_method: PaymentMethodSummary | None = None
    status: MandateStatus


class MandateAcceptance(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The customer's acceptance of a direct-debit mandate (SEPA, ACH, Bacs rules require the
    merchant to keep it): when, and for online acceptance from where.
    """

    accepted_at: str
    ip_address: str | None = None
    type: Literal["offline", "online"] = "online"
    user_agent: str | None = None


class MandateCreate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``MandateCreate`` object."""

    account: str | None = None
    amount: int = 0
    billing: Address | None = None
    browser: BrowserInfo | None = None
    connector: str | None = None
    connector_options: dict[str, dict[str, JsonValue]] = msgspec.field(default_factory=dict)
    currency: str
    customer: Customer
    description: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    payment_method: Card | Token | Upi | AchDebit
    reference: str | None = None
    return_url: str | None = None
    routing_profile: str | None = None


class MandateList(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A customer's stored payment methods (card summaries only), each with the mandate id the
    mandates API uses for it: charge it with a ``mandate`` payment method, delete it with
    ``POST /v1/mandates/{id}/revoke``.
    """

    data: list[Mandate]
    has_more: bool = False
    next_cursor: str | None = None
    object: str


class MandateRef(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="mandate"):
    """Charge a mandate this service set up (merchant-initiated: the customer is absent)."""

    mandate_id: str


MandateStatus: TypeAlias = Literal["active", "failed", "pending", "revoked"]


class MandateSummary(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``MandateSummary`` object."""

    id: str
    status: MandateStatus


class Netbanking(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="netbanking"
):
    """Netbanking (IN): a redirect to the customer's bank, chosen by its code (``HDFC``,
    ``SBIN``, ``ICIC``…): Indian gateways cannot pay by netbanking without the bank.
    """

    bank: str


class NetworkToken(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="network_token"
):
    """A network token (DPAN) with its one-time cryptogram: a decrypted Apple Pay / Google Pay
    token, or a token the merchant's token requestor provisioned.
    """

    cryptogram: str
    eci: str | None = None
    exp_month: int
    exp_year: int
    holder_name: str | None = None
    number: str
    source: Literal["apple_pay", "google_pay", "network_token"] = "network_token"


class Order(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What was bought. ``amount`` must be the lines + tax + shipping."""

    customer_reference: str | None = None
    line_items: list[LineItem]
    shipping_amount: int | None = None
    tax_amount: int | None = None


class Oxxo(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="oxxo"):
    """OXXO (MX): a voucher paid in cash at an OXXO store."""

    expires_after_days: int | None = None


class ParseRequest(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The gateway's request, as received: its headers and its body, byte for byte (``body`` as
    text, or ``body_base64``).
    """

    account: str | None = None
    body: str | None = None
    body_base64: str | None = None
    headers: dict[str, str]


class ParseResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``ParseResult`` object."""

    account: str
    connector: str
    data: list[Event]
    object: str
    verified: bool


class PayNow(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="paynow"):
    """PayNow (SG): an SGQR code paid from the customer's banking app."""


class PayPal(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="paypal"):
    """The PayPal wallet: the customer approves on PayPal's page (``redirect``)."""


class Payment(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``Payment`` object."""

    account: str
    amount: int
    amount_captured: int | None = None
    attempts: list[Attempt] = msgspec.field(default_factory=list)
    capture_method: CaptureMethod
    connector: str
    connector_payment_id: str
    connector_status: str | None = None
    currency: str
    failure: Failure | None = None
    id: str
    mandate: MandateSummary | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    network_transaction_id: str | None = None
    next_action: (
        RedirectAction
        | DisplayQr
        | DisplayVoucher
        | DisplayBankTransfer
        | AwaitCustomer
        | ThreeDsAction
        | None
    ) = None
    object: str = "payment"
    payment_method: PaymentMethodSummary | None = None
    pending_reason: str | None = None
    reference: str | None = None
    routing: RoutingDetails | None = None
    status: PaymentStatus


class PaymentCreate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``PaymentCreate`` object."""

    account: str | None = None
    amount: int
    application_fee: int | None = None
    billing: Address | None = None
    browser: BrowserInfo | None = None
    capture_method: CaptureMethod = "automatic"
    connector: str | None = None
    connector_options: dict[str, dict[str, JsonValue]] = msgspec.field(default_factory=dict)
    currency: str
    customer: Customer | None = None
    description: str | None = None
    incremental_authorization: bool = False
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    multiple_captures: bool = False
    order: Order | None = None
    payment_method: (
        Card
        | Token
        | MandateRef
        | NetworkToken
        | ApplePay
        | GooglePay
        | PayPal
        | Ideal
        | Bancontact
        | Eps
        | Blik
        | Przelewy24
        | SepaDebit
        | AchDebit
        | BacsDebit
        | Pix
        | Upi
        | PayNow
        | PromptPay
        | Boleto
        | Oxxo
        | Konbini
        | Klarna
        | AfterpayClearpay
        | Affirm
        | Alipay
        | WechatPay
        | Netbanking
        | Qris
        | Ewallet
        | VirtualAccount
    )
    reference: str | None = None
    return_url: str | None = None
    routing_profile: str | None = None
    setup_future_usage: Literal["off_session"] | None = None
    shipping: Address | None = None
    splits: list[Split] = msgspec.field(default_factory=list)
    statement_descriptor: str | None = None


class PaymentMethodInfo(msgspec.Struct, kw_only=True, omit_defaults=True):
    """How a connector takes one payment method (its declaration, connectors/capabilities.py)."""

    countries: list[str] | Literal["*"]
    currencies: list[str] | Literal["*"]
    external_3ds: bool = False
    flows: list[str]
    type: str


class PaymentMethodSummary(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``PaymentMethodSummary`` object."""

    card: CardSummary | None = None
    type: str


PaymentStatus: TypeAlias = Literal[
    "authorized",
    "captured",
    "failed",
    "partially_captured",
    "processing",
    "requires_action",
    "unresolved",
    "voided",
]


class Pix(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="pix"):
    """Pix (BR): a QR code / copy-paste code the customer pays from any bank app."""

    expires_after_seconds: int | None = None


class PromptPay(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="promptpay"
):
    """PromptPay (TH): a Thai QR code paid from the customer's banking app."""


class Przelewy24(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="przelewy24"
):
    """Przelewy24 (PL): a redirect to the customer's bank; ``bank`` preselects one."""

    bank: str | None = None


class Qris(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="qris"):
    """QRIS (ID): Indonesia's national QR standard, paid from any bank or e-wallet app."""

    expires_after_seconds: int | None = None


class RedirectAction(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="redirect"
):
    """Send the customer's browser to ``url`` (3-D Secure, bank, wallet or BNPL page); with
    ``method`` POST, submit ``form`` to it.
    """

    form: dict[str, str] | None = None
    method: str = "GET"
    url: str


class Refund(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``Refund`` object."""

    account: str
    amount: int
    connector: str
    connector_refund_id: str
    connector_status: str | None = None
    currency: str
    failure: Failure | None = None
    id: str
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    object: str = "refund"
    payment_id: str
    pending_reason: str | None = None
    reference: str | None = None
    status: RefundStatus


class RefundCreate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``RefundCreate`` object."""

    amount: int | None = None
    connector_options: dict[str, dict[str, JsonValue]] = msgspec.field(default_factory=dict)
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    reason: str | None = None
    reference: str | None = None


RefundStatus: TypeAlias = Literal["failed", "pending", "succeeded"]


class ReplayRequest(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``ReplayRequest`` object."""

    endpoint: str | None = None


class ReplayResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``ReplayResult`` object."""

    object: str
    queued: int


class RoutingCandidate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``RoutingCandidate`` object."""

    account: str
    breaker: str | None = None
    connector: str
    estimated_fee: int | None = None
    skipped: str | None = None


class RoutingDetails(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Which rule chose the accounts and in which order (also the preview's answer)."""

    candidates: list[RoutingCandidate]
    cascade_on_soft_decline: bool = False
    profile: str | None = None
    rule: str | None = None
    strategy: str | None = None


class SepaDebit(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="sepa_debit"
):
    """SEPA Direct Debit: the customer's IBAN and their acceptance of the mandate."""

    account_holder_name: str
    iban: str
    mandate_acceptance: MandateAcceptance


class Split(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Part of a payment that goes to a destination (minor units of its currency)."""

    amount: int
    destination: str


class ThreeDsAction(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="three_ds"
):
    """Run a 3-D Secure 2 device step in the merchant's page (``url`` is the ACS/method URL;
    ``form`` what to post to it), then call ``/complete``.
    """

    form: dict[str, str] | None = None
    method: str = "POST"
    url: str
    version: str | None = None


class ThreeDsResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    """3-D Secure done elsewhere (a merchant plug-in, another gateway): what the issuer's ACS
    returned, passed to a gateway declaring ``external_3ds``. ``authentication_value`` is the
    CAVV (Visa) / AAV (Mastercard) / AEVV (Amex), base64 as the 3DS server gave it.
    """

    authentication_value: str
    ds_transaction_id: str | None = None
    eci: str
    version: str


class Token(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="token"):
    """A payment method already stored at the gateway (e.g. a Stripe ``pm_…``)."""

    customer_id: str | None = None
    token: str


class Upi(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="upi"):
    """UPI (IN): with ``vpa`` a collect request the customer approves on their phone
    (``await_customer``); without, an intent QR code (``display_qr``).
    """

    vpa: str | None = None


class VirtualAccount(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="virtual_account"
):
    """A bank virtual account (ID, PH, VN…): a one-off account number at ``bank`` (``BCA``,
    ``BNI``, ``MANDIRI``…) the customer pays into by transfer (``display_bank_transfer``);
    ``account_holder_name`` is the name the bank shows.
    """

    account_holder_name: str | None = None
    bank: str
    expires_after_days: int | None = None


class VoidCreate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The API's ``VoidCreate`` object."""

    reason: str | None = None


class WechatPay(
    msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type", tag="wechat_pay"
):
    """WeChat Pay: the customer scans a QR code with WeChat (``display_qr``)."""


__all__ = [
    "AchDebit",
    "Address",
    "Affirm",
    "AfterpayClearpay",
    "Alipay",
    "ApplePay",
    "Attempt",
    "AttemptOutcome",
    "AttemptView",
    "AwaitCustomer",
    "BacsDebit",
    "Bancontact",
    "Blik",
    "Boleto",
    "BreakerList",
    "BreakerState",
    "BreakerView",
    "BrowserInfo",
    "CaptureCreate",
    "CaptureMethod",
    "Card",
    "CardSummary",
    "CompleteCreate",
    "ConnectorInfo",
    "ConnectorList",
    "Customer",
    "DeclineCategory",
    "DeliveryList",
    "DeliveryStatus",
    "DeliveryView",
    "DisplayBankTransfer",
    "DisplayQr",
    "DisplayVoucher",
    "Dispute",
    "DisputeEvidenceCreate",
    "DisputeList",
    "DisputeReason",
    "DisputeStatus",
    "EnableResult",
    "EndpointList",
    "EndpointView",
    "Eps",
    "ErrorBody",
    "ErrorCode",
    "ErrorEnvelope",
    "ErrorType",
    "Event",
    "EventData",
    "EventDetail",
    "EventList",
    "EventSummary",
    "EventType",
    "EvidenceItem",
    "EvidenceType",
    "Ewallet",
    "Failure",
    "GatewayDetail",
    "GooglePay",
    "Ideal",
    "IncrementCreate",
    "JsonValue",
    "Klarna",
    "Konbini",
    "LineItem",
    "Mandate",
    "MandateAcceptance",
    "MandateCreate",
    "MandateList",
    "MandateRef",
    "MandateStatus",
    "MandateSummary",
    "Netbanking",
    "NetworkToken",
    "Order",
    "Oxxo",
    "ParseRequest",
    "ParseResult",
    "PayNow",
    "PayPal",
    "Payment",
    "PaymentCreate",
    "PaymentMethodInfo",
    "PaymentMethodSummary",
    "PaymentStatus",
    "Pix",
    "PromptPay",
    "Przelewy24",
    "Qris",
    "RedirectAction",
    "Refund",
    "RefundCreate",
    "RefundStatus",
    "ReplayRequest",
    "ReplayResult",
    "RoutingCandidate",
    "RoutingDetails",
    "SepaDebit",
    "Split",
    "ThreeDsAction",
    "ThreeDsResult",
    "Token",
    "Upi",
    "VirtualAccount",
    "VoidCreate",
    "WechatPay",
]
