"""Adyen: Checkout API v71 (cards, stored cards, 3-D Secure redirects, and the methods
beyond cards in ``adyen_methods.py``) and standard payment webhooks (HMAC-signed
notification items).

Adyen facts this module relies on:

* Authentication is the ``X-API-Key`` header; every call names the ``merchantAccount``.
* Amounts are minor units of *Adyen's* currency table, which differs from ISO 4217 for
  CLP, CVE, IDR and ISK (``ADYEN_EXPONENTS``).
* Modifications (capture, cancel, refund) answer ``{"status": "received"}``: the outcome
  arrives later by webhook, so those results stay pending (``awaiting_webhook``).
* The Checkout API has no "get payment" call: payment and refund sync are not declared.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import re
from collections.abc import Generator, Mapping
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

import msgspec
from msgspec import Meta

from connector_service.connectors import adyen_methods as apm
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
from connector_service.connectors.kit import webhooks as checks
from connector_service.domain.common import (
    Address,
    BrowserInfo,
    CardSummary,
)
from connector_service.domain.declines import MASTERCARD_ADVICE
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
    DisputeAcceptData,
    DisputeResult,
    Flow,
    IncrementData,
    ListMandatesData,
    MandateResult,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    RefundResult,
    StoredMandate,
    StoredMethods,
    VoidData,
    WebhookEvent,
    WebhookEventType,
    WebhookIdentity,
    WebhookReply,
)
from connector_service.domain.ids import PaymentRef
from connector_service.domain.money import UnknownCurrency
from connector_service.domain.payment_methods import Card, Token
from connector_service.domain.splits import Order, split_refund
from connector_service.domain.status import (
    CaptureMethod,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

LIVE_URL_TEMPLATE = "https://{live_url_prefix}-checkout-live.adyenpayments.com/checkout/v71"
# The Dispute API lives on the Customer Area hosts, not on Checkout's.
DISPUTES_TEST = "https://ca-test.adyen.com/ca/services/DisputeService/v30"
DISPUTES_LIVE = "https://ca-live.adyen.com/ca/services/DisputeService/v30"
DISPUTES_PATH = "/ca/services/DisputeService/v30"
_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
RECURRING_MODELS = frozenset({"CardOnFile", "Subscription", "UnscheduledCardOnFile"})


# ---- connector_options (issue 19): the Checkout API's own fields, snake_case here.

_Store = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        description="store: the store (Adyen for Platforms reference) processing the payment",
    ),
]


class AdyenPaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.adyen`` on a payment (and on a mandate's zero-amount payment)."""

    shopper_statement: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=135,
                description="shopperStatement: the statement text (overrides the unified "
                "statement_descriptor)",
            ),
        ]
        | None
    ) = None
    store: _Store | None = None
    merchant_order_reference: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=1000,
                description="merchantOrderReference: links the payments of one order",
            ),
        ]
        | None
    ) = None
    shopper_locale: (
        Annotated[
            str,
            Meta(
                min_length=2,
                max_length=32,
                pattern=r"^[a-z]{2}([-_][A-Za-z]{2})?$(?!\n)",
                description="shopperLocale: language of the payment pages (nl_NL, en-US)",
            ),
        ]
        | None
    ) = None


class AdyenRefundOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.adyen`` on a refund."""

    store: _Store | None = None


class AdyenConnector(Connector):
    meta = ConnectorMeta(
        name="adyen",
        display_name="Adyen",
        base_url_test="https://checkout-test.adyen.com/v71",
        # Per company: {live_url_prefix} is filled from the account option of that name.
        base_url_live=LIVE_URL_TEMPLATE,
        credential_fields=(
            CredentialField("api_key", "Checkout API key (sent as X-API-Key)"),
            CredentialField(
                "webhook_secret", "Standard webhook HMAC key (hex, as shown)", required=False
            ),
        ),
        option_fields=(
            CredentialField("merchant_account", "Merchant account code every call names"),
            CredentialField(
                "live_url_prefix", "[prefix]-checkout-live.adyenpayments.com", required=False
            ),
            CredentialField(
                "recurring_processing_model",
                "recurringProcessingModel of stored cards (default UnscheduledCardOnFile)",
                required=False,
            ),
        ),
        # Per method: flows, countries, currencies (adyen_methods.METHODS).
        methods=apm.METHODS,
        idempotency="Idempotency-Key header (scoped per operation, at most 64 characters)",
        docs_url="https://docs.adyen.com/api-explorer/Checkout/71/overview",
        secret_fields=("api_key", "webhook_secret"),
        # Several /captures on one authorisation (multiple partial captures must be
        # enabled on the merchant account by Adyen).
        multiple_captures=True,
        options=kit.ConnectorOptions(
            payment=AdyenPaymentOptions, refund=AdyenRefundOptions, mandate=AdyenPaymentOptions
        ),
        splits="Adyen for Platforms splits: each split a BalanceAccount split, the fee and the "
        "unsplit rest a Commission split; refunds carry the same splits, proportionally",
        order="lineItems + additionalData enhancedSchemeData (Level 2/3)",
    )
    supports_mandate_charges = True

    @classmethod
    def live_base_url(cls, prefix: str) -> str:
        """The live Checkout endpoint of the company whose live URL prefix is ``prefix``
        (Customer Area > Developers > API URLs)."""
        if not _PREFIX_RE.match(prefix):
            raise invalid(
                "invalid_live_url_prefix",
                "the Adyen live_url_prefix is letters, digits and hyphens",
                "live_url_prefix",
            )
        return LIVE_URL_TEMPLATE.format(live_url_prefix=prefix)

    # ----------------------------------------------------------------------- 2. auth

    def _url(self, ctx: ConnectorContext, path: str) -> str:
        base = ctx.base_url.rstrip("/")
        if "{live_url_prefix}" in base:
            base = self.live_base_url(ctx.option("live_url_prefix"))
        return base + path

    def _post(
        self, ctx: ConnectorContext, path: str, body: dict[str, Any], scope: str, flow: Flow
    ) -> HttpRequest:
        headers = {"Content-Type": "application/json", "X-API-Key": ctx.credential("api_key")}
        key = _idempotency_key(ctx, scope)
        if key:
            headers["Idempotency-Key"] = key
        return HttpRequest(
            "POST",
            self._url(ctx, path),
            headers,
            json_body(kit.drop_none(body)),
            flow.value,
            bool(key),
        )

    def _dispute_url(self, ctx: ConnectorContext, path: str) -> str:
        """The Dispute API's URL: Adyen's test or live Customer Area host; beside any
        other base URL (a proxy, a test fake) at the same origin."""
        base = ctx.base_url.rstrip("/")
        if base == self.meta.base_url_test:
            return DISPUTES_TEST + path
        if "{live_url_prefix}" in base or base.endswith(".adyenpayments.com/checkout/v71"):
            return DISPUTES_LIVE + path
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}{DISPUTES_PATH}{path}"

    # ----------------------------------------------------------------------- 3. builders

    def build_dispute_accept(self, ctx: ConnectorContext, data: DisputeAcceptData) -> HttpRequest:
        body = {
            "merchantAccountCode": ctx.option("merchant_account"),
            "disputePspReference": data.dispute.connector_dispute_id,
        }
        headers = {"Content-Type": "application/json", "X-API-Key": ctx.credential("api_key")}
        return HttpRequest(
            "POST", self._dispute_url(ctx, "/acceptDispute"), headers, json_body(body),
            Flow.DISPUTE_ACCEPT.value, True,
        )  # fmt: skip

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        pm, customer = data.payment_method, data.customer
        shopper = _shopper(customer.id if customer else None)
        extra: dict[str, Any] = {}
        top: dict[str, Any] = {}  # what a method beyond cards adds at the top level
        if isinstance(pm, Card):
            method, interaction, rpm = _card(pm), "Ecommerce", None
            top["mpiData"] = apm.three_ds(pm)  # 3-D Secure done elsewhere
            if data.setup_future_usage:
                shopper = _require(shopper, "customer.id")
                extra["storePaymentMethod"], rpm = True, _rpm(ctx)
        elif isinstance(pm, Token):  # stored earlier, the shopper present (one-click)
            shopper = _require(_shopper(pm.customer_id) or shopper, "payment_method.customer_id")
            method = _stored(pm.token, "payment_method.token")
            interaction, rpm = "ContAuth", "CardOnFile"
        elif isinstance(pm, StoredMandate):  # merchant-initiated: the shopper is absent
            ref = pm.ref
            shopper = _require(
                ref.meta.get("shopperReference") or ref.customer_id, "payment_method.mandate_id"
            )
            method = _stored(ref.connector_mandate_id, "payment_method.mandate_id")
            interaction, rpm = "ContAuth", ref.meta.get("rpm") or _rpm(ctx)
        elif apm.builds(pm):
            method, top = apm.payment_method(pm, data)
            interaction, rpm = "Ecommerce", None
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                f"the Adyen connector does not take {type(pm).__name__.lower()} payments",
                field="payment_method.type",
            )
        if data.capture_method is CaptureMethod.MANUAL:
            extra["additionalData"] = {"manualCapture": "true"}
            if data.incremental_authorization:  # /amountUpdates may raise it later
                extra["additionalData"]["authorisationType"] = "PreAuth"
        else:  # capture right after the authorisation, whatever the account's delay
            extra["captureDelayHours"] = 0
        present = not isinstance(pm, StoredMandate)
        body = self._payment_body(ctx, data, method, interaction, rpm, shopper, present)
        body.update(
            extra,
            deliveryAddress=_address(data.shipping),
            shopperStatement=data.statement_descriptor,
        )
        apm.merge(body, top)
        body |= _options(data) | _splits(data)
        if data.order is not None:
            body |= _order(data.order, data.currency)
            level23 = _level23(data.order, data.currency)
            body["additionalData"] = body.get("additionalData", {}) | level23
        return self._post(ctx, "/payments", body, "pay", Flow.AUTHORIZE)

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        details = {k: v for k, v in data.params.items() if k in DETAIL_KEYS and v}
        if not details:
            raise invalid(
                "missing_redirect_result",
                "completing an Adyen payment needs the redirectResult the shopper brought back",
                "params.redirectResult",
            )
        body = {"details": details}
        return self._post(ctx, "/payments/details", body, "det", Flow.COMPLETE_AUTHORIZE)

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        body = {
            "merchantAccount": ctx.option("merchant_account"),
            "amount": _amount(data.amount, data.payment.currency),
            "reference": _reference(data.reference),
        }
        path = f"/payments/{_psp(data.payment, 'capture')}/captures"
        return self._post(ctx, path, body, "cap", Flow.CAPTURE)

    def build_increment(self, ctx: ConnectorContext, data: IncrementData) -> HttpRequest:
        """``/amountUpdates`` takes the authorisation's new total (a PreAuth); Adyen
        answers ``received`` and tells the outcome by an AUTHORISATION_ADJUSTMENT webhook."""
        body = {
            "merchantAccount": ctx.option("merchant_account"),
            "amount": _amount(data.amount, data.payment.currency),
            "reference": _reference(data.reference),
        }
        path = f"/payments/{_psp(data.payment, 'increment')}/amountUpdates"
        return self._post(ctx, path, body, "inc", Flow.INCREMENT)

    def build_list_mandates(self, ctx: ConnectorContext, data: ListMandatesData) -> HttpRequest:
        query = urlencode(
            {
                "shopperReference": data.customer_id,
                "merchantAccount": ctx.option("merchant_account"),
            }
        )
        headers = {"X-API-Key": ctx.credential("api_key")}
        url = self._url(ctx, f"/storedPaymentMethods?{query}")
        return HttpRequest("GET", url, headers, None, Flow.LIST_MANDATES.value, True)

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        body = {"merchantAccount": ctx.option("merchant_account")}
        reference = data.payment.meta.get("reference")
        if not data.payment.connector_payment_id and reference:
            # An unresolved payment (no pspReference known): cancelled by our reference.
            request = self._post(
                ctx, "/cancels", {**body, "paymentReference": reference}, "can", Flow.VOID
            )
        else:
            path = f"/payments/{_psp(data.payment, 'void')}/cancels"
            request = self._post(ctx, path, body, "can", Flow.VOID)
        # Cancelling twice has no second effect: safe to re-send without a key too.
        return dataclasses.replace(request, idempotent=True)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        body = {
            "merchantAccount": ctx.option("merchant_account"),
            "amount": _amount(data.amount, data.payment.currency),
            "reference": _reference(data.reference),
            "merchantRefundReason": _refund_reason(data.reason),
        }
        options = kit.options_of(data, AdyenRefundOptions)
        if options is not None and options.store:
            body["store"] = options.store
        body |= _refund_splits(data)
        path = f"/payments/{_psp(data.payment, 'refund')}/refunds"
        return self._post(ctx, path, body, "ref", Flow.REFUND)

    def build_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> HttpRequest:
        shopper = _require(_shopper(data.customer.id), "customer.id")
        if not isinstance(data.payment_method, Card):
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "the Adyen connector sets up mandates from card details only",
                field="payment_method.type",
            )
        method = _card(data.payment_method)
        body = self._payment_body(ctx, data, method, "Ecommerce", _rpm(ctx), shopper, True)
        body["storePaymentMethod"] = True
        body |= _options(data)
        if data.amount:  # a verification amount is only authorised, then released
            body["additionalData"] = {"manualCapture": "true"}
        return self._post(ctx, "/payments", body, "pay", Flow.SETUP_MANDATE)

    def steps_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData
    ) -> Generator[HttpRequest, HttpResponse, MandateResult]:
        """Store the card with a zero (or small) authorisation; a non-zero verification
        authorisation is cancelled at once so the shopper's funds are not held. The card
        is stored whatever the release answers (a left-over authorisation expires)."""
        response = yield self.build_setup_mandate(ctx, data)
        result = self.parse_setup_mandate(ctx, data, response)
        psp = kit.text(kit.obj(response.json()).get("pspReference"))
        if data.amount and psp and result.connector_status in AUTHORISED:
            body = {"merchantAccount": ctx.option("merchant_account")}
            release = self._post(ctx, f"/payments/{psp}/cancels", body, "vfy", Flow.SETUP_MANDATE)
            yield dataclasses.replace(release, idempotent=True)
        return result

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        ref = data.mandate
        shopper = _require(ref.meta.get("shopperReference") or ref.customer_id, "id")
        query = urlencode(
            {"shopperReference": shopper, "merchantAccount": ctx.option("merchant_account")}
        )
        path = f"/storedPaymentMethods/{quote(ref.connector_mandate_id, safe='')}?{query}"
        headers = {"X-API-Key": ctx.credential("api_key")}
        return HttpRequest("DELETE", self._url(ctx, path), headers, None, "revoke_mandate", True)

    def _payment_body(
        self,
        ctx: ConnectorContext,
        data: AuthorizeData | MandateSetupData,
        method: dict[str, Any],
        interaction: str,
        rpm: str | None,
        shopper: str | None,
        shopper_present: bool,
    ) -> dict[str, Any]:
        customer, browser = data.customer, data.browser if shopper_present else None
        return {
            "merchantAccount": ctx.option("merchant_account"),
            "amount": _amount(data.amount, data.currency),
            "reference": _reference(data.reference),
            "paymentMethod": method,
            "shopperInteraction": interaction,
            "recurringProcessingModel": rpm,
            "shopperReference": shopper,
            "returnUrl": data.return_url or f"{ctx.public_url.rstrip('/')}/return",
            # 3-D Secure by redirect: the one action a caller can be handed.
            "authenticationData": {"threeDSRequestData": {"nativeThreeDS": "disabled"}},
            "browserInfo": _browser_info(browser),
            "channel": "Web" if browser else None,
            "shopperEmail": customer.email if customer else None,
            "shopperIP": (customer.ip_address if customer else None)
            or (browser.ip_address if browser else None),
            "billingAddress": _address(data.billing),
            "shopperName": _shopper_name(data.billing),
            "metadata": _metadata(data.metadata),
        }

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        body = _body_or_raise(response)
        shopper = kit.text(_extra(body).get("tokenization.shopperReference"))
        if isinstance(data.payment_method, StoredMandate):
            shopper = None  # charging a mandate does not make a new one
        elif shopper is None and data.setup_future_usage and data.customer:
            shopper = data.customer.id
        manual = data.capture_method is CaptureMethod.MANUAL
        result = _payment(
            body, data.currency, data.amount, manual, shopper, _rpm(ctx), data.payment_method
        )
        if data.splits or data.application_fee:
            # Remembered so that a refund books the same splits (build_refund).
            result.meta = {**result.meta, SPLITS_KEY: _split_plan(data)}
        return result

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        body = _body_or_raise(response)
        ref = data.payment
        manual = ref.capture_method == CaptureMethod.MANUAL.value
        shopper = kit.text(_extra(body).get("tokenization.shopperReference"))
        result = _payment(body, ref.currency, ref.amount, manual, shopper, _rpm(ctx))
        result.connector_payment_id = result.connector_payment_id or ref.connector_payment_id
        return result

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        return _received(data.payment, _body_or_raise(response), "capture_psp")

    def parse_void(
        self, ctx: ConnectorContext, data: VoidData, response: HttpResponse
    ) -> PaymentResult:
        return _received(data.payment, _body_or_raise(response), "cancel_psp")

    def parse_increment(
        self, ctx: ConnectorContext, data: IncrementData, response: HttpResponse
    ) -> PaymentResult:
        result = _received(data.payment, _body_or_raise(response), "increment_psp")
        result.amount = data.amount  # asked for; AUTHORISATION_ADJUSTMENT confirms it
        return result

    def parse_list_mandates(
        self, ctx: ConnectorContext, data: ListMandatesData, response: HttpResponse
    ) -> StoredMethods:
        body = _body_or_raise(response)
        shopper = kit.text(body.get("shopperReference")) or data.customer_id
        methods = []
        for raw in body.get("storedPaymentMethods") or []:
            item = kit.obj(raw)
            stored_id = kit.text(item.get("id"))
            if not stored_id:
                continue
            month, year = kit.text(item.get("expiryMonth")), kit.text(item.get("expiryYear"))
            brand = kit.text(item.get("brand"))
            methods.append(
                MandateResult(
                    status=MandateStatus.ACTIVE,
                    connector_mandate_id=stored_id,
                    connector_customer_id=shopper,
                    connector_status="stored",
                    card=CardSummary(
                        brand=_BRANDS.get(brand, brand) if brand else None,
                        last4=kit.text(item.get("lastFour")),
                        exp_month=int(month) if month and month.isdigit() else None,
                        exp_year=int(year) if year and year.isdigit() else None,
                    ),
                    meta={"shopperReference": shopper},
                )
            )
        return StoredMethods(methods=methods)

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        body = _body_or_raise(response)
        return RefundResult(
            status=RefundStatus.PENDING,
            connector_refund_id=kit.text(body.get("pspReference")),
            amount=data.amount,
            connector_status=kit.text(body.get("status")),
            pending_reason="awaiting_webhook",
        )

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData, response: HttpResponse
    ) -> MandateResult:
        body = _body_or_raise(response)
        shopper = kit.text(_extra(body).get("tokenization.shopperReference")) or data.customer.id
        payment = _payment(body, data.currency, data.amount, True, shopper, _rpm(ctx))
        # Authorised without a token in the answer: the token comes by webhook.
        mandate = payment.mandate or MandateResult(
            status=MandateStatus.FAILED
            if payment.status is PaymentStatus.FAILED
            else MandateStatus.PENDING,
            connector_customer_id=shopper,
            meta={"shopperReference": str(shopper)},
        )
        mandate.connector_status = payment.connector_status
        mandate.next_action, mandate.failure = payment.next_action, payment.failure
        mandate.card = payment.card
        return mandate

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        _body_or_raise(response)  # 204 No Content
        ref = data.mandate
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=ref.connector_mandate_id,
            connector_customer_id=ref.meta.get("shopperReference") or ref.customer_id,
        )

    def parse_dispute_accept(
        self, ctx: ConnectorContext, data: DisputeAcceptData, response: HttpResponse
    ) -> DisputeResult:
        body = _body_or_raise(response)
        result = kit.obj(kit.obj(body).get("disputeServiceResult"))
        if result.get("success") is not True:
            message = kit.text(result.get("errorMessage")) or "Adyen did not accept the dispute"
            raise ServiceError(
                ErrorType.CONFLICT, "dispute_not_open", message,
                gateway=GatewayDetail(code=None, message=message, http_status=response.status),
                field="id",
            )  # fmt: skip
        ref = data.dispute
        return DisputeResult(
            status=DisputeStatus.ACCEPTED,
            connector_dispute_id=ref.connector_dispute_id,
            connector_payment_id=ref.connector_payment_id,
            connector_status="Accepted",
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: Mapping[str, str], body: bytes) -> WebhookIdentity:
        items = _notification_items(body)
        if not items:
            raise invalid("invalid_webhook", "not an Adyen standard notification", "body")
        return WebhookIdentity(
            event_id=_event_id(items[0]), account_hint=kit.text(items[0].get("merchantAccountCode"))
        )

    def webhook_verify(
        self, ctx: ConnectorContext, headers: Mapping[str, str], body: bytes
    ) -> bool:
        """Every item carries its own HMAC-SHA256 (base64) over the signing string, keyed
        with the hex-decoded webhook secret; all of them must verify."""
        try:
            key = binascii.unhexlify(ctx.credential("webhook_secret").strip())
        except (ServiceError, binascii.Error, ValueError):
            return False
        items = _notification_items(body)
        if not key or not items:
            return False
        for item in items:
            given = _extra(item).get("hmacSignature")
            if not isinstance(given, str) or not given:
                return False
            digest = hmac.new(key, signing_string(item).encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(base64.b64encode(digest), given.encode()):
                return False
        return True

    def webhook_parse(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        items = _notification_items(body)
        for item in items:  # signed garbage is refused, not read as 0 or unknown
            amount = checks.child(item, "amount")
            checks.minor_amount(amount, "value", "amount.value")
            checks.currency(amount, "currency", "amount.currency")
        return [_event(item) for item in items]

    def webhook_reply(self, events: list[WebhookEvent]) -> WebhookReply:
        return WebhookReply(status=200, body=b"[accepted]", content_type="text/plain")

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        text = scrub_common(transcript)
        text = _SCRUB_NUMBER.sub(r'\1[CARD]"', text)
        text = _SCRUB_FIELDS.sub(r'\1[REDACTED]"', text)
        text = _SCRUB_METHOD.sub(r'\1[REDACTED]"', text)
        return _SCRUB_HEADER.sub(r"\1[REDACTED]", text)


# --------------------------------------------------------------------------- 5. status maps

PAYMENT_STATUS: dict[str, PaymentStatus] = {
    # Authorised turns CAPTURED when immediate automatic capture was asked for
    # (captureDelayHours 0): Adyen then captures on its own (see ``_payment``).
    **dict.fromkeys(("Authorised", "PartiallyAuthorised"), PaymentStatus.AUTHORIZED),
    **dict.fromkeys(("Refused", "Error", "Cancelled"), PaymentStatus.FAILED),
    **dict.fromkeys(
        ("RedirectShopper", "IdentifyShopper", "ChallengeShopper", "PresentToShopper"),
        PaymentStatus.REQUIRES_ACTION,
    ),
    # Pending/Received: the outcome comes by webhook. Authentication* results: no
    # authorisation happened yet. Success: in the v71 enum, undocumented for payments.
    **dict.fromkeys(
        ("Pending", "Received", "AuthenticationFinished", "AuthenticationNotRequired", "Success"),
        PaymentStatus.PROCESSING,
    ),
}
AUTHORISED = frozenset({"Authorised", "PartiallyAuthorised"})

_E = WebhookEventType
# Standard webhook eventCode -> (event type when success is "true", when "false").
WEBHOOK_EVENTS: dict[str, tuple[WebhookEventType, WebhookEventType]] = {
    "AUTHORISATION": (_E.PAYMENT_AUTHORIZED, _E.PAYMENT_FAILED),
    # An /amountUpdates outcome: authorised for the new total; refused leaves it as it was.
    "AUTHORISATION_ADJUSTMENT": (_E.PAYMENT_AUTHORIZED, _E.UNKNOWN),
    "CAPTURE": (_E.PAYMENT_CAPTURED, _E.CAPTURE_FAILED),
    "CAPTURE_FAILED": (_E.CAPTURE_FAILED, _E.UNKNOWN),
    "CANCELLATION": (_E.PAYMENT_VOIDED, _E.UNKNOWN),
    "TECHNICAL_CANCEL": (_E.PAYMENT_VOIDED, _E.UNKNOWN),
    "EXPIRE": (_E.PAYMENT_VOIDED, _E.UNKNOWN),
    "OFFER_CLOSED": (_E.PAYMENT_FAILED, _E.UNKNOWN),
    "MANUAL_REVIEW_ACCEPT": (_E.PAYMENT_AUTHORIZED, _E.UNKNOWN),
    "MANUAL_REVIEW_REJECT": (_E.PAYMENT_FAILED, _E.UNKNOWN),
    "REFUND": (_E.REFUND_SUCCEEDED, _E.REFUND_FAILED),
    "REFUND_WITH_DATA": (_E.REFUND_SUCCEEDED, _E.REFUND_FAILED),
    "POSTPONED_REFUND": (_E.REFUND_PENDING, _E.UNKNOWN),
    "REFUND_FAILED": (_E.REFUND_FAILED, _E.UNKNOWN),
    "REFUNDED_REVERSED": (_E.REFUND_FAILED, _E.UNKNOWN),
    "VOID_PENDING_REFUND": (_E.REFUND_FAILED, _E.UNKNOWN),
    "RECURRING_CONTRACT": (_E.MANDATE_ACTIVE, _E.MANDATE_FAILED),
    # Resolved from additionalData["modification.action"] (cancel or refund).
    "CANCEL_OR_REFUND": (_E.UNKNOWN, _E.UNKNOWN),
}
EVENT_PAYMENT_STATUS: dict[WebhookEventType, PaymentStatus] = {
    _E.PAYMENT_AUTHORIZED: PaymentStatus.AUTHORIZED,
    _E.PAYMENT_CAPTURED: PaymentStatus.CAPTURED,
    _E.PAYMENT_VOIDED: PaymentStatus.VOIDED,
    _E.PAYMENT_FAILED: PaymentStatus.FAILED,
    _E.CAPTURE_FAILED: PaymentStatus.FAILED,  # CAPTURE false keeps AUTHORIZED, see _event
}
EVENT_REFUND_STATUS: dict[WebhookEventType, RefundStatus] = {
    _E.REFUND_SUCCEEDED: RefundStatus.SUCCEEDED,
    _E.REFUND_FAILED: RefundStatus.FAILED,
    _E.REFUND_PENDING: RefundStatus.PENDING,
}
_D = DisputeStatus
# Dispute eventCode -> dispute status when additionalData.disputeStatus is absent.
DISPUTE_EVENTS: dict[str, DisputeStatus] = {
    "REQUEST_FOR_INFORMATION": _D.NEEDS_RESPONSE,
    "NOTIFICATION_OF_CHARGEBACK": _D.NEEDS_RESPONSE,
    "CHARGEBACK": _D.NEEDS_RESPONSE,
    "PREARBITRATION_OPEN": _D.NEEDS_RESPONSE,
    "INFORMATION_SUPPLIED": _D.UNDER_REVIEW,
    "ISSUER_COMMENTS": _D.UNDER_REVIEW,
    "DISPUTE_DEFENSE_PERIOD_ENDED": _D.UNDER_REVIEW,
    "ISSUER_RESPONSE_TIMEFRAME_EXPIRED": _D.UNDER_REVIEW,
    "PREARBITRATION_DECLINED": _D.UNDER_REVIEW,
    "SCHEME_ARBITRATION": _D.UNDER_REVIEW,
    "CHARGEBACK_REVERSED": _D.WON,
    "PREARBITRATION_ISSUER_WITHDRAWN": _D.WON,
    "PREARBITRATION_WON": _D.WON,
    "SCHEME_ARBITRATION_WON": _D.WON,
    "SECOND_CHARGEBACK": _D.LOST,
    "PREARBITRATION_LOST": _D.LOST,
    "SCHEME_ARBITRATION_LOST": _D.LOST,
    "PREARBITRATION_ACCEPTED": _D.ACCEPTED,
}
DISPUTE_OPENING = frozenset({"REQUEST_FOR_INFORMATION", "NOTIFICATION_OF_CHARGEBACK", "CHARGEBACK"})
# additionalData.disputeStatus: when present, the authority on the dispute's state.
DISPUTE_STATUS: dict[str, DisputeStatus] = {
    **dict.fromkeys(("Unresponded", "Undefended"), _D.NEEDS_RESPONSE),
    **dict.fromkeys(("Responded", "Pending"), _D.UNDER_REVIEW),
    **dict.fromkeys(("Expired", "Lost"), _D.LOST),
    "Accepted": _D.ACCEPTED,
    "Won": _D.WON,
}
_DISPUTE_EVENT: dict[DisputeStatus, WebhookEventType] = {
    _D.WON: _E.DISPUTE_WON,
    _D.LOST: _E.DISPUTE_LOST,
    _D.ACCEPTED: _E.DISPUTE_LOST,
}

# --------------------------------------------------------------------------- 6. error maps

_C = DeclineCode
# refusalReasonCode, refusalReason (Adyen's words), unified code (its category: the
# table in domain/declines.py, or the Mastercard advice code Adyen passes on).
# https://docs.adyen.com/development-resources/refusal-reasons
_DECLINES: tuple[tuple[str, str, DeclineCode], ...] = (
    ("2", "Refused", _C.GENERIC_DECLINE),
    ("3", "Referral", _C.DO_NOT_HONOR),
    ("4", "Acquirer Error", _C.PROCESSING_ERROR),
    ("5", "Blocked Card", _C.RESTRICTED_CARD),
    ("6", "Expired Card", _C.EXPIRED_CARD),
    ("7", "Invalid Amount", _C.INVALID_AMOUNT),
    ("8", "Invalid Card Number", _C.INCORRECT_NUMBER),
    ("9", "Issuer Unavailable", _C.ISSUER_UNAVAILABLE),
    ("10", "Not supported", _C.TRANSACTION_NOT_ALLOWED),
    ("11", "3D Not Authenticated", _C.AUTHENTICATION_FAILED),
    ("12", "Not enough balance", _C.INSUFFICIENT_FUNDS),
    ("14", "Acquirer Fraud", _C.FRAUD_SUSPECTED),
    ("15", "Cancelled", _C.GENERIC_DECLINE),
    ("16", "Shopper Cancelled", _C.GENERIC_DECLINE),
    ("17", "Invalid Pin", _C.INCORRECT_PIN),
    ("18", "Pin tries exceeded", _C.AUTHENTICATION_FAILED),
    ("19", "Pin validation not possible", _C.PROCESSING_ERROR),
    ("20", "FRAUD", _C.BLOCKED),
    ("21", "Not Submitted", _C.PROCESSING_ERROR),
    ("22", "FRAUD-CANCELLED", _C.BLOCKED),
    ("23", "Transaction Not Permitted", _C.TRANSACTION_NOT_ALLOWED),
    ("24", "CVC Declined", _C.INCORRECT_CVC),
    ("25", "Restricted Card", _C.RESTRICTED_CARD),
    ("26", "Revocation Of Auth", _C.REVOCATION_OF_AUTHORIZATION),
    ("27", "Declined Non Generic", _C.GENERIC_DECLINE),
    ("28", "Withdrawal amount exceeded", _C.LIMIT_EXCEEDED),
    ("29", "Withdrawal count exceeded", _C.LIMIT_EXCEEDED),
    ("31", "Issuer Suspected Fraud", _C.FRAUD_SUSPECTED),
    ("32", "AVS Declined", _C.GENERIC_DECLINE),
    ("33", "Card requires online pin", _C.AUTHENTICATION_REQUIRED),
    ("34", "No checking account available on Card", _C.TRANSACTION_NOT_ALLOWED),
    ("35", "No savings account available on Card", _C.TRANSACTION_NOT_ALLOWED),
    ("36", "Mobile pin required", _C.AUTHENTICATION_REQUIRED),
    ("37", "Contactless fallback", _C.AUTHENTICATION_REQUIRED),
    ("38", "Authentication required", _C.AUTHENTICATION_REQUIRED),
    ("39", "RReq not received from DS", _C.PROCESSING_ERROR),
    ("40", "Current AID is in Penalty Box", _C.PROCESSING_ERROR),
    ("41", "CVM Required Restart Payment", _C.AUTHENTICATION_REQUIRED),
    ("42", "3DS Authentication Error", _C.PROCESSING_ERROR),
    ("43", "Online PIN required", _C.AUTHENTICATION_REQUIRED),
    ("44", "Try another interface", _C.AUTHENTICATION_REQUIRED),
    ("45", "Chip downgrade mode", _C.PROCESSING_ERROR),
    ("46", "Transaction blocked by Adyen to prevent excessive retry fees", _C.BLOCKED),
)
DECLINE_BY_CODE = {code: unified for code, _, unified in _DECLINES}
# Webhooks carry only the reason text, so the words map too.
DECLINE_BY_REASON = {reason.lower(): unified for _, reason, unified in _DECLINES} | {
    "3d-secure: authentication failed": _C.AUTHENTICATION_FAILED,
    "stolen card": _C.STOLEN_CARD,
    "lost card": _C.LOST_CARD,
}
# Adyen folds lost/stolen/pick-up cards into broad reasons; the raw issuer answer
# (additionalData.refusalReasonRaw, e.g. "43 : Stolen card, pick up") tells them apart.
_RAW_REFINEMENT = (
    ("stolen", _C.STOLEN_CARD),
    ("lost", _C.LOST_CARD),
    ("pick up", _C.PICKUP_CARD),
    ("pickup", _C.PICKUP_CARD),
)
_REFINABLE = frozenset({_C.GENERIC_DECLINE, _C.RESTRICTED_CARD})
# Mastercard merchant advice codes (additionalData.merchantAdviceCode) saying how to retry.
ADVICE_CATEGORY = MASTERCARD_ADVICE

_T = ErrorType
# errorCode -> (unified type, unified code, field) for answers that are not payments.
ERROR_MAP: kit.ErrorTable = {
    "704": kit.ErrorRule(_T.CONFLICT, "idempotency_request_in_progress", None),
    "100": kit.ErrorRule(_T.INVALID_REQUEST, "invalid_amount", "amount"),
    "137": kit.ErrorRule(_T.INVALID_REQUEST, "invalid_amount", "amount"),
    "138": kit.ErrorRule(_T.NOT_SUPPORTED, "currency_not_supported", "currency"),
    "101": kit.ErrorRule(_T.INVALID_REQUEST, "invalid_card_number", "payment_method.number"),
    "103": kit.ErrorRule(_T.INVALID_REQUEST, "invalid_cvc", "payment_method.cvc"),
    "153": kit.ErrorRule(_T.INVALID_REQUEST, "invalid_cvc", "payment_method.cvc"),
    "129": kit.ErrorRule(_T.INVALID_REQUEST, "invalid_expiry", "payment_method.exp_month"),
    "140": kit.ErrorRule(_T.INVALID_REQUEST, "invalid_expiry", "payment_method.exp_month"),
    "130": kit.ErrorRule(_T.INVALID_REQUEST, "invalid_reference", "reference"),
    "177": kit.ErrorRule(_T.INVALID_REQUEST, "metadata_too_large", "metadata"),
    "14_030": kit.ErrorRule(_T.INVALID_REQUEST, "return_url_required", "return_url"),
    "167": kit.ErrorRule(_T.NOT_FOUND, "payment_not_found", "id"),
    "800": kit.ErrorRule(_T.NOT_FOUND, "mandate_not_found", "id"),
    "803": kit.ErrorRule(_T.NOT_FOUND, "mandate_not_found", "id"),
    "107": kit.ErrorRule(_T.NOT_SUPPORTED, "recurring_not_enabled", None),
    "905": kit.ErrorRule(_T.NOT_SUPPORTED, "payment_method_not_supported", "payment_method.type"),
    "901": kit.ErrorRule(_T.CONNECTOR, "invalid_merchant_account", None),
}


def _body_or_raise(response: HttpResponse) -> dict[str, Any]:
    body = kit.obj(response.json())
    if response.status < 400:
        return body
    raw_code, message = kit.text(body.get("errorCode")), kit.text(body.get("message"))
    raise kit.error_from(response, ERROR_MAP, codes=[raw_code], raw_code=raw_code, message=message)


def _decline(
    result_code: str,
    raw_code: str | None,
    reason: str | None,
    extra: Mapping[str, Any],
) -> Failure:
    entry = DECLINE_BY_CODE.get(raw_code or "") or DECLINE_BY_REASON.get(
        (reason or "").strip().lower()
    )
    unified = entry or (_C.PROCESSING_ERROR if result_code == "Error" else _C.GENERIC_DECLINE)
    raw_issuer = (kit.text(extra.get("refusalReasonRaw")) or "").lower()
    if unified in _REFINABLE and raw_issuer:
        unified = next((c for word, c in _RAW_REFINEMENT if word in raw_issuer), unified)
    # "02: Cannot approve at this time, try again later" -> "02"
    advice = (kit.text(extra.get("merchantAdviceCode")) or "").split(":", 1)[0].strip() or None
    return decline(
        unified,
        raw_code=raw_code,
        raw_message=reason,
        advice_code=advice,
        advice_vocabulary=MASTERCARD_ADVICE,
    )


# --------------------------------------------------------------------------- helpers

# Adyen's minor units differ from ISO 4217 for these currencies.
# https://docs.adyen.com/development-resources/currency-codes
ADYEN_EXPONENTS: dict[str, int] = {"CLP": 2, "CVE": 0, "IDR": 0, "ISK": 2}
ADYEN = kit.Exponents("Adyen", exceptions=ADYEN_EXPONENTS)
# The card-related keys /payments/details takes (PaymentCompletionDetails, v71).
DETAIL_KEYS = frozenset(
    {"redirectResult", "threeDSResult", "threeds2.challengeResult", "payload", "MD", "PaRes"}
)
_BRANDS = {"visa": "visa", "mc": "mastercard", "amex": "amex", "discover": "discover"} | {
    "diners": "diners",
    "jcb": "jcb",
    "cup": "unionpay",
    "maestro": "maestro",
}
_REFUND_REASONS = {"fraud": "FRAUD", "fraudulent": "FRAUD", "duplicate": "DUPLICATE"} | {
    "customer_request": "CUSTOMER REQUEST",
    "requested_by_customer": "CUSTOMER REQUEST",
    "return": "RETURN",
    "returned": "RETURN",
}


def to_adyen_minor(amount: int, currency: str) -> int:
    """ISO minor units -> Adyen minor units (``1000 ISK`` -> ``100000``)."""
    try:
        return ADYEN.to_gateway(amount, currency)
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None


def from_adyen_minor(value: int, currency: str) -> int:
    """Adyen minor units -> ISO minor units (the inverse of :func:`to_adyen_minor`)."""
    try:
        return ADYEN.from_gateway(value, currency)
    except UnknownCurrency:
        return value


def _amount(amount: int, currency: str) -> dict[str, Any]:
    return {"value": to_adyen_minor(amount, currency), "currency": currency}


def _idempotency_key(ctx: ConnectorContext, scope: str) -> str | None:
    """The caller's key scoped to the operation (Adyen keeps keys per company, across
    endpoints), hashed when longer than Adyen's 64 characters."""
    if not ctx.idempotency_key:
        return None
    key = f"{scope}-{ctx.idempotency_key}"
    return key if len(key) <= 64 else hashlib.sha256(key.encode()).hexdigest()


def _shopper(value: str | None) -> str | None:
    return value if value and 3 <= len(value) <= 256 else None


def _require(shopper: str | None, field: str) -> str:
    if not shopper:
        raise invalid(
            "shopper_reference_required",
            "Adyen keeps stored cards per shopper: a customer id of 3 to 256 characters "
            "(the shopperReference) is needed",
            field,
        )
    return shopper


def _rpm(ctx: ConnectorContext) -> str:
    model = ctx.option("recurring_processing_model", "UnscheduledCardOnFile")
    if model not in RECURRING_MODELS:
        raise invalid(
            "invalid_account_option",
            f"recurring_processing_model is one of {', '.join(sorted(RECURRING_MODELS))}",
            "recurring_processing_model",
        )
    return model


def _reference(reference: str) -> str:
    if len(reference) > 80:
        raise invalid(
            "reference_too_long", "Adyen references are at most 80 characters", "reference"
        )
    return reference


def _stored(value: str, field: str) -> dict[str, Any]:
    if not 1 <= len(value) <= 64:
        raise invalid("invalid_stored_payment_method", "Adyen token ids are 1-64 characters", field)
    return {"type": "scheme", "storedPaymentMethodId": value}


def _refund_reason(reason: str | None) -> str | None:
    if not reason:
        return None
    return _REFUND_REASONS.get(reason.strip().lower().replace(" ", "_"), "OTHER")


def _psp(payment: PaymentRef, operation: str) -> str:
    if not payment.connector_payment_id:
        raise ServiceError(
            ErrorType.CONFLICT,
            "payment_unresolved",
            f"cannot {operation} a payment whose Adyen pspReference is not known yet; "
            "wait for its AUTHORISATION webhook",
            field="id",
        )
    return quote(payment.connector_payment_id, safe="")


def _card(card: Card) -> dict[str, Any]:
    return {
        "type": "scheme",
        "number": card.number.reveal(),
        "expiryMonth": f"{card.exp_month:02d}",
        "expiryYear": str(card.exp_year),
        "cvc": card.cvc.reveal() if card.cvc else None,
        "holderName": card.holder_name,
    }


def _browser_info(b: BrowserInfo | None) -> dict[str, Any] | None:
    """Adyen wants the whole object for 3-D Secure 2 on the web: a partial one is left out
    (Java, which browsers dropped, counts as off when not said)."""
    if b is None:
        return None
    info = {
        "acceptHeader": b.accept_header,
        "userAgent": b.user_agent,
        "language": b.language,
        "colorDepth": b.color_depth,
        "screenHeight": b.screen_height,
        "screenWidth": b.screen_width,
        "timeZoneOffset": b.time_zone_offset,
    }
    if any(v is None for v in info.values()):
        return None
    return info | {"javaEnabled": bool(b.java_enabled), "javaScriptEnabled": b.javascript_enabled}


def _address(a: Address | None) -> dict[str, Any] | None:
    """Street, city, postal code and country are required (house number may be empty):
    an address missing one is left out rather than sent half."""
    if a is None or not (a.line1 and a.city and a.postal_code and a.country):
        return None
    return {
        "street": a.line1,
        "houseNumberOrName": a.line2 or "",
        "city": a.city,
        "postalCode": a.postal_code,
        "country": a.country,
        "stateOrProvince": a.state,
    }


def _shopper_name(a: Address | None) -> dict[str, str] | None:
    if a is None or not (a.first_name and a.last_name):
        return None
    return {"firstName": a.first_name[:80], "lastName": a.last_name[:80]}


def _metadata(metadata: Mapping[str, str]) -> dict[str, str] | None:
    if len(metadata) > 20 or any(len(k) > 20 or len(v) > 80 for k, v in metadata.items()):
        raise invalid(
            "metadata_too_large",
            "Adyen takes at most 20 metadata entries, keys up to 20 and values up to 80 characters",
            "metadata",
        )
    return dict(metadata) or None


def _extra(body: Mapping[str, Any]) -> dict[str, Any]:
    return kit.obj(body.get("additionalData"))


def _token(extra: Mapping[str, Any]) -> str | None:
    return kit.text(extra.get("tokenization.storedPaymentMethodId")) or kit.text(
        extra.get("recurring.recurringDetailReference")
    )


def _payment(
    body: dict[str, Any],
    currency: str,
    requested: int,
    manual: bool,
    shopper: str | None,
    rpm: str,
    pm: object = None,
) -> PaymentResult:
    code = str(body.get("resultCode") or "")
    status = kit.status_of(PAYMENT_STATUS, code, PaymentStatus.PROCESSING)
    if status is PaymentStatus.PROCESSING and kit.obj(body.get("action")):
        status = PaymentStatus.REQUIRES_ACTION  # Pending + await/qrCode: the shopper acts
    extra = _extra(body)
    amount, partial = requested, kit.text(extra.get("authorisedAmountValue")) or ""
    if code == "PartiallyAuthorised" and partial.isdigit():
        amount = from_adyen_minor(int(partial), currency)
    captured = None
    if code in AUTHORISED and pm is not None and apm.debit(pm):
        status = PaymentStatus.PROCESSING  # a debit is collected days later, may bounce
    elif code in AUTHORISED and not manual:  # captureDelayHours 0: Adyen captures at once
        status, captured = PaymentStatus.CAPTURED, amount
    failure = None
    if status is PaymentStatus.FAILED:
        reason_code = kit.text(body.get("refusalReasonCode"))
        failure = _decline(code, reason_code, kit.text(body.get("refusalReason")), extra)
    token, nti = _token(extra), kit.text(extra.get("networkTxReference"))
    mandate = None
    if token and shopper and code in AUTHORISED:
        mandate = MandateResult(
            status=MandateStatus.ACTIVE,
            connector_mandate_id=token,
            connector_customer_id=shopper,
            network_transaction_id=nti,
            connector_status=code,
            meta={"shopperReference": shopper, "rpm": rpm},
        )
    requires_action = status is PaymentStatus.REQUIRES_ACTION
    return PaymentResult(
        status=status,
        connector_payment_id=kit.text(body.get("pspReference")),
        amount=amount,
        amount_captured=captured,
        connector_status=code or None,
        next_action=apm.next_action(body.get("action")) if requires_action else None,
        failure=failure,
        mandate=mandate,
        network_transaction_id=nti,
        pending_reason="awaiting_webhook" if status is PaymentStatus.PROCESSING else None,
        card=_card_summary(body, extra),
        meta=apm.debit_mandate(extra),
    )


def _received(payment: PaymentRef, body: dict[str, Any], key: str) -> PaymentResult:
    """A modification Adyen took in (``status: received``); its outcome is a webhook."""
    psp = kit.text(body.get("pspReference"))
    return PaymentResult(
        status=PaymentStatus.PROCESSING,
        connector_payment_id=kit.text(body.get("paymentPspReference"))
        or payment.connector_payment_id
        or None,
        amount=payment.amount,
        connector_status=kit.text(body.get("status")),
        pending_reason="awaiting_webhook",
        meta={key: psp} if psp else {},
    )


def _card_summary(body: dict[str, Any], extra: Mapping[str, Any]) -> CardSummary | None:
    last4 = kit.text(extra.get("cardSummary"))
    raw = kit.obj(body.get("paymentMethod")).get("brand") or extra.get("paymentMethod")
    brand = _BRANDS.get(str(raw)) if raw else None
    month, _, year = (kit.text(extra.get("expiryDate")) or "").partition("/")  # "3/2030"
    if not (last4 or brand):
        return None
    valid = month.isdigit() and year.isdigit()
    return CardSummary(
        brand=brand,
        last4=last4,
        exp_month=int(month) if valid else None,
        exp_year=int(year) if valid else None,
    )


# ---- webhooks


def _notification_items(body: bytes) -> list[dict[str, Any]]:
    """The NotificationRequestItem objects of a standard webhook; [] when malformed."""
    try:
        items = kit.obj(msgspec.json.decode(body)).get("notificationItems")
    except msgspec.DecodeError:
        return []
    if not isinstance(items, list):
        return []
    out = [kit.obj(kit.obj(wrapper).get("NotificationRequestItem")) for wrapper in items]
    return out if out and all(out) else []


def signing_string(item: Mapping[str, Any]) -> str:
    """pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:
    eventCode:success, with empty strings for missing fields (Adyen's HMAC scheme)."""
    amount = kit.obj(item.get("amount"))
    fields = (
        item.get("pspReference"),
        item.get("originalReference"),
        item.get("merchantAccountCode"),
        item.get("merchantReference"),
        amount.get("value"),
        amount.get("currency"),
        item.get("eventCode"),
        item.get("success"),
    )
    return ":".join("" if f is None else str(f) for f in fields)


def _event_id(item: Mapping[str, Any]) -> str:
    """Adyen has no event id: pspReference + eventCode names an event (a dispute's events
    share its pspReference). success is added because Adyen may send the same pair again
    with the other outcome, which is a new fact, not a duplicate."""
    return ":".join(str(item.get(k) or "") for k in ("pspReference", "eventCode", "success"))


def _event(item: dict[str, Any]) -> WebhookEvent:
    code, extra = kit.text(item.get("eventCode")) or "", _extra(item)
    success = item.get("success") == "true"
    psp, original = kit.text(item.get("pspReference")), kit.text(item.get("originalReference"))
    reason = kit.text(item.get("reason")) or None
    reason = None if reason == "null" else reason
    raw = kit.obj(item.get("amount"))
    currency, value = kit.text(raw.get("currency")), raw.get("value")
    amount = from_adyen_minor(value, currency) if isinstance(value, int) and currency else None
    event = WebhookEvent(
        event_id=_event_id(item),
        type=_E.UNKNOWN,
        connector_event_type=code,
        connector_payment_id=original or psp,
        amount=amount,
        currency=currency,
        occurred_at=kit.text(item.get("eventDate")),
    )
    if code in DISPUTE_EVENTS:
        raw_status = kit.text(extra.get("disputeStatus"))
        dispute_status = kit.status_of(DISPUTE_STATUS, raw_status, DISPUTE_EVENTS[code])
        # The dispute's own status outranks the event's name: a CHARGEBACK_REVERSED whose
        # dispute is still "Pending" is an update, not (yet) a win.
        event.type = (
            _E.DISPUTE_OPENED
            if code in DISPUTE_OPENING
            else _DISPUTE_EVENT.get(dispute_status, _E.DISPUTE_UPDATED)
        )
        reason_code = kit.text(extra.get("chargebackReasonCode")) or kit.text(
            extra.get("rfiReasonCode")
        )
        event.dispute = DisputeResult(
            status=dispute_status,
            connector_dispute_id=psp or "",
            connector_payment_id=original,
            amount=amount,
            currency=currency,
            reason=(reason_code or "").strip() or reason,
            unified_reason=kit.scheme_reason(reason_code) if reason_code else None,
            connector_status=raw_status or code,
            evidence_due_by=kit.text(extra.get("defensePeriodEndsAt")),
        )
        return event
    event.type = WEBHOOK_EVENTS.get(code, (_E.UNKNOWN, _E.UNKNOWN))[0 if success else 1]
    if code == "CANCEL_OR_REFUND" and success:
        action = kit.text(extra.get("modification.action"))
        event.type = {"refund": _E.REFUND_SUCCEEDED, "cancel": _E.PAYMENT_VOIDED}.get(
            action or "", _E.UNKNOWN
        )
    if event.type in EVENT_REFUND_STATUS:
        status = EVENT_REFUND_STATUS[event.type]
        failed = status is RefundStatus.FAILED
        event.refund = RefundResult(
            status=status,
            connector_refund_id=psp,
            amount=amount,
            connector_status=code,
            failure=Failure("refund_failed", reason or "The refund failed.") if failed else None,
        )
    elif event.type in (_E.MANDATE_ACTIVE, _E.MANDATE_FAILED):
        shopper = kit.text(extra.get("shopperReference"))
        event.mandate = MandateResult(
            status=MandateStatus.ACTIVE if success else MandateStatus.FAILED,
            connector_mandate_id=_token(extra) or psp,
            connector_customer_id=shopper,
            connector_status=code,
            meta={"shopperReference": shopper} if shopper else {},
        )
    elif event.type in EVENT_PAYMENT_STATUS:
        event.payment = _event_payment(code, event.type, event.connector_payment_id, amount)
        method = kit.text(item.get("paymentMethod")) or ""
        if event.type is _E.PAYMENT_AUTHORIZED and method in apm.SETTLED_BY_AUTHORISATION:
            # A method Adyen captures at once: its AUTHORISATION is the money arriving.
            event.type, event.payment.status = _E.PAYMENT_CAPTURED, PaymentStatus.CAPTURED
            event.payment.amount_captured = amount
        # The merchantReference Adyen echoes: it settles a payment created unresolved.
        event.payment.reference = kit.text(item.get("merchantReference")) or None
        event.payment.network_transaction_id = kit.text(extra.get("networkTxReference"))
        if event.type in (_E.PAYMENT_FAILED, _E.CAPTURE_FAILED):
            event.payment.failure = _decline("Refused", None, reason, extra)
            if code == "CAPTURE":  # the capture request was refused: the auth stands
                event.payment.status = PaymentStatus.AUTHORIZED
        shopper = kit.text(extra.get("tokenization.shopperReference"))
        token = _token(extra)
        if event.type is _E.PAYMENT_AUTHORIZED and token and shopper:
            event.payment.mandate = MandateResult(
                status=MandateStatus.ACTIVE,
                connector_mandate_id=token,
                connector_customer_id=shopper,
                network_transaction_id=event.payment.network_transaction_id,
                connector_status=code,
                meta={"shopperReference": shopper},
            )
    return event


def _event_payment(
    code: str, etype: WebhookEventType, payment_id: str | None, amount: int | None
) -> PaymentResult:
    status = EVENT_PAYMENT_STATUS[etype]
    return PaymentResult(
        status=status,
        connector_payment_id=payment_id,
        amount=None if code == "CAPTURE" else amount,
        amount_captured=amount if status is PaymentStatus.CAPTURED else None,
        connector_status=code,
    )


# ---- scrub

_SCRUB_NUMBER = re.compile(r'("number"\s*:\s*")[^"]*"')
_SCRUB_FIELDS = re.compile(
    r'("(?:expiryMonth|expiryYear|expiryDate|encrypted[A-Za-z]*|hmacSignature)"\s*:\s*")[^"]*"'
)
# Wallet tokens (JSON inside a JSON string: escapes are skipped), BLIK codes, network
# token cryptograms, Brazilian tax ids and UPI addresses (IBANs, account numbers and CAVVs
# are the common scrub's).
_SCRUB_METHOD = re.compile(
    r'("(?:applePayToken|googlePayToken|blikCode|tokenAuthenticationVerificationValue|'
    r'socialSecurityNumber|virtualPaymentAddress)"\s*:\s*")(?:[^"\\]|\\.)*"'
)
_SCRUB_HEADER = re.compile(r"(?im)^((?:[<>] ?)?x-api-key\s*:\s*)(.+)$")


# --------------------------------------------------------------------------- issue 19: options,
# splits (Adyen for Platforms) and order data (lineItems, Level 2/3 enhanced scheme data)

SPLITS_KEY = "splits"  # fact-record key: the payment's split plan, for its refunds


def _options(data: AuthorizeData | MandateSetupData) -> dict[str, Any]:
    options = kit.options_of(data, AdyenPaymentOptions)
    if options is None:
        return {}
    given = {
        "shopperStatement": options.shopper_statement,
        "store": options.store,
        "merchantOrderReference": options.merchant_order_reference,
        "shopperLocale": options.shopper_locale,
    }
    return {k: v for k, v in given.items() if v is not None}


def _split_list(
    parts: list[tuple[str, int]], commission: int, currency: str, reference: str
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "account": account,
            "amount": {"value": to_adyen_minor(amount, currency)},
            "type": "BalanceAccount",
            "reference": f"{reference[:70]}-s{index}",
        }
        for index, (account, amount) in enumerate(parts)
        if amount
    ]
    if commission:
        out.append(
            {"amount": {"value": to_adyen_minor(commission, currency)}, "type": "Commission"}
        )
    return out


def _splits(data: AuthorizeData) -> dict[str, Any]:
    """Each split a BalanceAccount split; the fee and what is not split a Commission split
    (the platform's), so the splits make up the whole amount as Adyen requires."""
    if not data.splits and not data.application_fee:
        return {}
    parts = [(s.destination, s.amount) for s in data.splits]
    commission = data.amount - sum(a for _, a in parts)
    return {"splits": _split_list(parts, commission, data.currency, data.reference)}


def _split_plan(data: AuthorizeData) -> str:
    plan = [[s.destination, s.amount] for s in data.splits]
    return msgspec.json.encode([data.amount, plan]).decode()


def _refund_splits(data: RefundData) -> dict[str, Any]:
    """A refund of a split payment takes back from each account its share of the refund."""
    raw = data.payment.meta.get(SPLITS_KEY)
    if not raw:
        return {}
    paid, plan = msgspec.json.decode(raw)
    parts = split_refund([(str(d), int(a)) for d, a in plan], int(paid), data.amount)
    commission = data.amount - sum(a for _, a in parts)
    currency = data.payment.currency
    return {"splits": _split_list(parts, commission, currency, data.reference)}


def _order(order: Order, currency: str) -> dict[str, Any]:
    items = []
    for line in order.line_items:
        tax = line.tax_amount or 0
        item: dict[str, Any] = {
            "description": line.name,
            "quantity": line.quantity,
            "amountExcludingTax": to_adyen_minor(line.unit_amount, currency),
            "taxAmount": to_adyen_minor(tax // line.quantity, currency),
            "amountIncludingTax": to_adyen_minor(line.unit_amount + tax // line.quantity, currency),
        }
        if line.sku:
            item["sku"] = line.sku
            item["id"] = line.sku
        items.append(item)
    return {"lineItems": items}


def _level23(order: Order, currency: str) -> dict[str, str]:
    """Level 2/3 card data: Adyen's ``enhancedSchemeData.*`` additionalData keys (amounts
    in Adyen's minor units; at most 9 item lines here)."""

    def minor(value: int) -> str:
        return str(to_adyen_minor(value, currency))

    out = {"enhancedSchemeData.totalTaxAmount": minor(order.total_tax)}
    if order.customer_reference:
        out["enhancedSchemeData.customerReference"] = order.customer_reference[:25]
    if order.shipping_amount is not None:
        out["enhancedSchemeData.freightAmount"] = minor(order.shipping_amount)
    for nr, line in enumerate(order.line_items[:9], start=1):
        key = f"enhancedSchemeData.itemDetailLine{nr}."
        out[key + "description"] = line.name[:26]
        out[key + "quantity"] = str(line.quantity)
        out[key + "unitPrice"] = minor(line.unit_amount)
        out[key + "totalAmount"] = minor(line.total)
        if line.sku:
            out[key + "productCode"] = line.sku[:12]
    return out
