"""Mollie: the Payments API v2 (``/v2/payments``, captures, refunds, customers and
mandates), with a Bearer API key (``test_...`` / ``live_...``).

Why it looks the way it does:

- Mollie takes no card numbers over its API: card data is entered in Mollie Components
  (mollie.js) in the customer's browser and exchanged for a single-use ``cardToken``
  (``tkn_...``). So a card payment here is a ``token`` payment method holding that
  ``tkn_...``; a full card number answers ``not_supported`` naming
  ``payment_method.type``, never a guess;
- amounts are ``{"currency", "value"}`` with ``value`` a decimal string with exactly the
  currency's decimals (``"10.00"``, ``"1000"`` for JPY);
- ``captureMode: manual`` authorizes only; a capture is ``POST .../captures`` (partial:
  with an amount) and is *pending* until Mollie confirms it; a void is
  ``POST .../release-authorization`` (202, no body: the release is asynchronous);
  refunds are *queued/pending* at first. Every modification is read back with
  ``GET /v2/payments/{id}`` (and ``.../refunds/{id}``);
- a card needing 3-D Secure answers ``open`` with ``_links.checkout``: the customer is
  redirected there, and on return the payment is read again;
- a stored card is a Mollie mandate (``mdt_...``) of a customer (``cst_...``), made by a
  ``sequenceType: first`` payment and charged with ``sequenceType: recurring``;
- the caller's Idempotency-Key reaches Mollie as its ``Idempotency-Key`` header;
- methods beyond cards (issue 13/15) are Mollie's ``method`` values: iDEAL, Bancontact,
  EPS, Przelewy24 and PayPal redirect to ``_links.checkout`` (``open`` until the customer
  is back, then ``paid`` by webhook or sync; captured at once, refundable); Apple Pay
  passes the encrypted ``applePayPaymentToken`` through (Mollie decrypts it); SEPA
  Direct Debit makes a ``directdebit`` mandate of a customer from the IBAN and the
  acceptance, then a ``sequenceType: recurring`` payment on it, ``pending`` until the
  debit is collected (``paid``) or bounces (``failed``), the mandate reported with it;
  Klarna needs the order's ``lines`` (from ``order.line_items``) and a billing address,
  redirects to Klarna, and comes back ``authorized``: captured later like a card;
- Mollie signs no payment webhook: it POSTs ``id=tr_...`` only. Verifying one means
  fetching that payment with the account's API key (a forged id is unknown to the
  account); the event is read from what was fetched. See docs/connectors/mollie.md.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

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
    scrub_common,
)
from connector_service.connectors.capabilities import MethodFlow, MethodSupport
from connector_service.domain.common import CardSummary, Customer, RedirectAction
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
    VoidData,
    WebhookEvent,
    WebhookEventType,
    WebhookIdentity,
)
from connector_service.domain.money import UnknownCurrency
from connector_service.domain.payment_methods import (
    ApplePay,
    Bancontact,
    Eps,
    Ideal,
    Klarna,
    PaymentMethodType,
    PayPal,
    Przelewy24,
    SepaDebit,
    Token,
)
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

# What a mandate set-up charges (and refunds at once) when the caller names no amount.
VERIFICATION_AMOUNT = 100
_PAYMENT_ID = re.compile(r"tr_[A-Za-z0-9]{1,64}")
_ORGANIZATION_ID = re.compile(r"org_[A-Za-z0-9]{1,64}")


# ---- connector_options (issue 19): Payments API / Refunds API fields of the same name.

MollieLocale = Literal[
    "en_US", "en_GB", "nl_NL", "nl_BE", "fr_FR", "fr_BE", "de_DE", "de_AT", "de_CH",
    "es_ES", "ca_ES", "pt_PT", "it_IT", "nb_NO", "sv_SE", "fi_FI", "da_DK", "is_IS",
    "hu_HU", "pl_PL", "lv_LV", "lt_LT",
]  # fmt: skip


class MolliePaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.mollie`` on a payment (Create payment)."""

    locale: (
        Annotated[MollieLocale, Meta(description="locale of the hosted checkout (3-D Secure)")]
        | None
    ) = None
    restrict_payment_methods_to_country: (
        Annotated[
            str,
            Meta(
                pattern=r"^[A-Z]{2}$(?!\n)",
                description="restrictPaymentMethodsToCountry: ISO 3166-1 alpha-2 country",
            ),
        ]
        | None
    ) = None
    cancel_url: (
        Annotated[
            str,
            Meta(
                pattern=r"^https?://",
                max_length=2048,
                description="cancelUrl: where a customer who cancels at the checkout goes",
            ),
        ]
        | None
    ) = None
    release_date: (
        Annotated[
            str,
            Meta(
                pattern=r"^\d{4}-\d{2}-\d{2}$(?!\n)",
                description="routing[].releaseDate (YYYY-MM-DD): when the routed shares "
                "reach the connected organizations (needs splits)",
            ),
        ]
        | None
    ) = None
    application_fee_description: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=255,
                description="applicationFee.description (default 'Fee <reference>'; needs "
                "application_fee)",
            ),
        ]
        | None
    ) = None


class MollieRefundOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.mollie`` on a refund."""

    reverse_routing: (
        Annotated[
            bool,
            Meta(
                description="reverseRouting: pull the routed shares back from the connected "
                "organizations (default: true for a payment with splits)"
            ),
        ]
        | None
    ) = None


# ---- payment methods (issue 13/15): flows, countries and currencies per method, as
# Mollie's method reference lists them (docs/connectors/mollie.md#payment-methods).
_M, _F = PaymentMethodType, MethodFlow
_CARD_FLOWS = frozenset({_F.AUTHORIZE, _F.CAPTURE, _F.REFUND, _F.RECURRING})
_PAID_AT_ONCE = frozenset({_F.AUTHORIZE, _F.REFUND})  # no manual capture for these
_SEPA_COUNTRIES = (
    "AT BE BG CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT "
    "RO SE SI SK SM"
)


def _local(flows: frozenset[MethodFlow], countries: str | None, currencies: str) -> MethodSupport:
    return MethodSupport(
        flows=flows,
        countries=frozenset(countries.split()) if countries else None,
        currencies=frozenset(currencies.split()),
    )


MOLLIE_METHODS: dict[PaymentMethodType, MethodSupport] = {
    _M.TOKEN: MethodSupport(flows=_CARD_FLOWS),
    _M.MANDATE: MethodSupport(flows=_CARD_FLOWS),
    _M.APPLE_PAY: MethodSupport(flows=_PAID_AT_ONCE),
    _M.PAYPAL: _local(_PAID_AT_ONCE, None, "AUD BRL CAD CHF CZK DKK EUR GBP HKD HUF ILS JPY "
                      "MXN NOK NZD PHP PLN RUB SEK SGD THB TWD USD"),
    _M.IDEAL: _local(_PAID_AT_ONCE, None, "EUR"),
    _M.BANCONTACT: _local(_PAID_AT_ONCE, None, "EUR"),
    _M.EPS: _local(_PAID_AT_ONCE, None, "EUR"),
    _M.PRZELEWY24: _local(_PAID_AT_ONCE, None, "EUR PLN"),
    # Klarna authorizes; the merchant captures on shipping (one capture, or partial ones)
    _M.KLARNA: _local(frozenset({_F.AUTHORIZE, _F.CAPTURE, _F.REFUND}),
                      "AT BE CH CZ DE DK ES FI FR GB GR IE IT NL NO PL PT SE",
                      "CHF CZK DKK EUR GBP NOK PLN SEK"),
    # the payment is made on a directdebit mandate, which stays for later charges
    _M.SEPA_DEBIT: _local(_PAID_AT_ONCE | {_F.RECURRING}, _SEPA_COUNTRIES, "EUR"),
}  # fmt: skip
# payment_method.type -> Mollie's ``method``
MOLLIE_METHOD_NAMES: dict[PaymentMethodType, str] = {
    _M.APPLE_PAY: "applepay", _M.PAYPAL: "paypal", _M.IDEAL: "ideal",
    _M.BANCONTACT: "bancontact", _M.EPS: "eps", _M.PRZELEWY24: "przelewy24",
    _M.SEPA_DEBIT: "directdebit", _M.KLARNA: "klarna",
}  # fmt: skip


class MollieConnector(Connector):
    meta = ConnectorMeta(
        name="mollie",
        display_name="Mollie",
        base_url_test="https://api.mollie.com/v2",  # one host: the key (test_/live_) picks
        base_url_live="https://api.mollie.com/v2",
        credential_fields=(
            CredentialField("api_key", "API key (test_... / live_...), Dashboard > Developers"),
        ),
        option_fields=(
            CredentialField(
                "webhook_url",
                "Where Mollie posts payment status changes (this service's "
                "/v1/webhooks/mollie/<account>); sent as webhookUrl on every payment",
                False,
            ),
            CredentialField(
                "verification_amount",
                "Minor units a mandate set-up charges, then refunds, when no amount is given "
                "(default 100)",
                False,
            ),
        ),
        methods=MOLLIE_METHODS,
        idempotency="Idempotency-Key header",
        docs_url="https://docs.mollie.com/reference/payments-api",
        secret_fields=("api_key",),
        options=kit.ConnectorOptions(payment=MolliePaymentOptions, refund=MollieRefundOptions),
        order="lines[] of the payment (Klarna requires them): each line item with its "
        "VAT-inclusive unitPrice/totalAmount, vatAmount and vatRate; shipping a shipping_fee line",
        splits="Mollie Connect split payments: each split a routing[] entry (organizationId "
        "org_...), the rest stays with the platform; application_fee alone: applicationFee; "
        "refunds reverseRouting",
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(ctx: ConnectorContext) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {ctx.credential('api_key')}",
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
        """A request; a POST or DELETE carries the caller's key as Mollie's
        ``Idempotency-Key`` (Mollie replays the first answer to a repeat), so re-sending
        it after an ambiguous failure cannot act twice."""
        headers = self._headers(ctx)
        idempotent = method == "GET"
        if method != "GET" and ctx.idempotency_key:
            headers["Idempotency-Key"] = ctx.idempotency_key + key_suffix
            idempotent = True
        raw = json_body(drop_none(body)) if body is not None else None
        return HttpRequest(
            method, f"{ctx.base_url}{path}", headers, raw, flow=flow.value, idempotent=idempotent
        )

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        pm = data.payment_method
        body: dict[str, Any] = {
            "amount": _amount(data.amount, data.currency),
            "description": _description(data.description, data.reference),
            "metadata": {**data.metadata, "reference": data.reference},
            "webhookUrl": ctx.options.get("webhook_url") or None,
        }
        if data.capture_method is CaptureMethod.MANUAL:
            body["captureMode"] = "manual"
        body |= _payment_options(data)
        if isinstance(pm, StoredMandate):
            ref = pm.ref
            body |= {
                "sequenceType": "recurring",
                "customerId": kit.require_id(ref.customer_id, Flow.CHARGE_MANDATE.value),
                "mandateId": ref.connector_mandate_id,
            }
        elif isinstance(pm, Token) and pm.token.startswith("tkn_"):
            body |= {
                "method": "creditcard",
                "cardToken": pm.token,
                "redirectUrl": data.return_url or ctx.public_url,
            }
        elif isinstance(pm, (ApplePay, PayPal, Ideal, Bancontact, Eps, Przelewy24)):
            body |= _method_fields(pm, data, ctx)
        elif isinstance(pm, Klarna):
            body |= {
                "method": "klarna",
                "redirectUrl": data.return_url or ctx.public_url,
                "billingAddress": _klarna_address(data),
            }
            if data.order is None:
                raise invalid(
                    "missing_field", "Mollie's Klarna needs the order's line items", "order"
                )
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Mollie takes card data only as a Mollie Components cardToken (token tkn_...) "
                f"or a mandate, not {type(pm).__name__.lower()} "
                f"{'tokens other than tkn_...' if isinstance(pm, Token) else 'details'}",
                field="payment_method.type",
            )
        if data.order is not None:
            body["lines"] = _lines(data)
        return self._call(ctx, "POST", "/payments", Flow.AUTHORIZE, body)

    def steps_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> Steps:
        """A payment; with ``setup_future_usage`` and a card token, a customer first and a
        ``sequenceType: first`` payment, whose mandate (``mdt_...``) comes back with the
        payment (pending until 3-D Secure is passed, then completed as a mandate)."""
        pm = data.payment_method
        if isinstance(pm, SepaDebit):
            return (yield from self._sepa_debit(ctx, data, pm))
        request = self.build_authorize(ctx, data)
        if not (data.setup_future_usage and isinstance(pm, Token)):
            return _routed(data, self.parse_authorize(ctx, data, (yield request)))
        customer = data.customer or Customer()
        answer = yield self._call(
            ctx, "POST", "/customers", Flow.AUTHORIZE, _customer(customer, data.reference),
            key_suffix="-customer",
        )  # fmt: skip
        cid = kit.text(_object(answer).get("id"))
        if not cid:
            raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mollie made no customer.")
        body = kit.obj(kit.decode_object(request.body or b"{}"))
        body |= {"sequenceType": "first", "customerId": cid}
        response = yield self._call(ctx, "POST", "/payments", Flow.AUTHORIZE, body)
        payment = _payment_object(response)
        result = _payment(payment, data.currency)
        mandate = _mandate(payment, cid, verification=False)
        if mandate.status is not MandateStatus.FAILED:
            mandate.next_action = None  # the payment's redirect is the one to follow
            result.mandate = mandate
        return _routed(data, result)

    def _sepa_debit(self, ctx: ConnectorContext, data: AuthorizeData, pm: SepaDebit) -> Steps:
        """SEPA Direct Debit: a customer, its ``directdebit`` mandate made from the IBAN
        and the customer's acceptance (``Create mandate``), then a ``recurring`` payment
        on that mandate. The payment is ``pending`` until the bank collects it (days);
        the mandate comes back with it and charges later payments (``mandate``)."""
        if data.capture_method is CaptureMethod.MANUAL:
            raise invalid(
                "invalid_field", "a SEPA Direct Debit is collected at once", "capture_method"
            )
        customer = data.customer or Customer(name=pm.account_holder_name)
        answer = yield self._call(
            ctx, "POST", "/customers", Flow.AUTHORIZE, _customer(customer, data.reference),
            key_suffix="-customer",
        )  # fmt: skip
        cid = kit.text(_object(answer).get("id"))
        if not cid:
            raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mollie made no customer.")
        mandate_body = {
            "method": "directdebit",
            "consumerName": pm.account_holder_name,
            "consumerAccount": pm.iban.reveal(),
            "signatureDate": pm.mandate_acceptance.accepted_at[:10],
            "mandateReference": data.reference[:35] or None,
        }
        made = yield self._call(
            ctx, "POST", f"/customers/{kit.segment(cid)}/mandates", Flow.AUTHORIZE,
            mandate_body, key_suffix="-mandate",
        )  # fmt: skip
        mandate_doc = _object(made)
        mid = kit.text(mandate_doc.get("id"))
        mandate_status = kit.text(mandate_doc.get("status")) or ""
        if not mid or mandate_status == "invalid":
            raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mollie made no mandate.")
        body: dict[str, Any] = {
            "amount": _amount(data.amount, data.currency),
            "description": _description(data.description, data.reference),
            "metadata": {**data.metadata, "reference": data.reference},
            "webhookUrl": ctx.options.get("webhook_url") or None,
            "method": "directdebit",
            "sequenceType": "recurring",
            "customerId": cid,
            "mandateId": mid,
        }
        body |= _payment_options(data)
        if data.order is not None:
            body["lines"] = _lines(data)
        response = yield self._call(ctx, "POST", "/payments", Flow.AUTHORIZE, body)
        result = _payment(_payment_object(response), data.currency)
        result.mandate = MandateResult(
            status=MANDATE_STATUS.get(mandate_status, MandateStatus.PENDING),
            connector_mandate_id=mid,
            connector_customer_id=cid,
            connector_status=mandate_status or None,
            meta=_ids(customer_id=cid, method="directdebit", last4=pm.last4),
        )
        return _routed(data, result)

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        # Back from _links.checkout: the payment now carries the outcome.
        pid = kit.segment(data.payment.connector_payment_id)
        return self._call(ctx, "GET", f"/payments/{pid}", Flow.COMPLETE_AUTHORIZE)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        if not pid:
            # Mollie cannot list payments by our reference; a create whose answer was lost
            # is settled by re-sending it with the same Idempotency-Key, or by webhook.
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "flow_not_supported",
                "Mollie cannot look a payment up by the merchant reference; retry the "
                "request with the same Idempotency-Key to read its outcome",
            )
        return self._call(ctx, "GET", f"/payments/{kit.segment(pid)}", Flow.SYNC)

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        body = {
            "amount": _amount(data.amount, data.payment.currency),
            "description": data.reference[:255] or None,
            "metadata": data.metadata or None,
        }
        return self._call(ctx, "POST", f"/payments/{pid}/captures", Flow.CAPTURE, body)

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        return self._call(ctx, "POST", f"/payments/{pid}/release-authorization", Flow.VOID)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        body: dict[str, Any] = {
            "amount": _amount(data.amount, data.payment.currency),
            "description": (data.reason or data.reference)[:140] or None,
            "metadata": {**data.metadata, "reference": data.reference},
        }
        options = kit.options_of(data, MollieRefundOptions) or MollieRefundOptions()
        routed = data.payment.meta.get(ROUTING_KEY) == "1"
        if options.reverse_routing is not None or routed:
            body["reverseRouting"] = (
                options.reverse_routing if options.reverse_routing is not None else True
            )
        return self._call(ctx, "POST", f"/payments/{pid}/refunds", Flow.REFUND, body)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        pid = kit.segment(data.refund.connector_payment_id)
        rid = kit.segment(data.refund.connector_refund_id)
        return self._call(ctx, "GET", f"/payments/{pid}/refunds/{rid}", Flow.REFUND_SYNC)

    def steps_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> Steps:
        """A customer, then a ``first`` payment with the card token: once paid (at once,
        or after 3-D Secure at ``_links.checkout``) Mollie has made the mandate."""
        pm = data.payment_method
        if not (isinstance(pm, Token) and pm.token.startswith("tkn_")):
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Mollie makes a card mandate from a Mollie Components cardToken (tkn_...)",
                field="payment_method.type",
            )
        customer = yield self._call(
            ctx,
            "POST",
            "/customers",
            Flow.SETUP_MANDATE,
            _customer(data.customer, data.reference),
            key_suffix="-customer",
        )
        cid = kit.text(_object(customer).get("id"))
        if not cid:
            raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mollie made no customer.")
        verification = data.amount <= 0
        amount = _verification_amount(ctx) if verification else data.amount
        body = {
            "amount": _amount(amount, data.currency),
            "description": _description(data.description, data.reference),
            "method": "creditcard",
            "cardToken": pm.token,
            "sequenceType": "first",
            "customerId": cid,
            "redirectUrl": data.return_url or ctx.public_url,
            "webhookUrl": ctx.options.get("webhook_url") or None,
            "metadata": {**data.metadata, "reference": data.reference, "purpose": "mandate"},
        }
        first = yield self._call(ctx, "POST", "/payments", Flow.SETUP_MANDATE, body)
        payment = _payment_object(first)
        return (yield from self._mandate_outcome(ctx, payment, cid, verification))

    def steps_complete_mandate(self, ctx: ConnectorContext, data: MandateCompleteData) -> Steps:
        meta = data.mandate.meta
        pid = kit.require_id(meta.get("payment_id"), Flow.COMPLETE_MANDATE.value)
        cid = kit.require_id(data.mandate.customer_id or meta.get("customer_id"), "mandate")
        answer = yield self._call(
            ctx, "GET", f"/payments/{kit.segment(pid)}", Flow.COMPLETE_MANDATE
        )
        payment = _payment_object(answer)
        return (yield from self._mandate_outcome(ctx, payment, cid, meta.get("verify") == "1"))

    def _mandate_outcome(
        self, ctx: ConnectorContext, payment: MolliePayment, cid: str, verification: bool
    ) -> Steps:
        mandate = _mandate(payment, cid, verification)
        if mandate.status is MandateStatus.ACTIVE and verification:
            body = {
                "amount": payment.amount.as_dict(),
                "description": "card verification for a stored mandate",
            }
            pid = kit.segment(payment.id)
            answer = yield self._call(
                ctx, "POST", f"/payments/{pid}/refunds", Flow.SETUP_MANDATE, body,
                key_suffix="-verification-refund",
            )  # fmt: skip
            rid = kit.text(kit.obj(answer.json()).get("id"))
            if answer.status < 400 and rid:
                mandate.meta["verification_refund_id"] = rid
        return mandate

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        ref = data.mandate
        cid = kit.segment(kit.require_id(ref.customer_id, Flow.REVOKE_MANDATE.value))
        mid = kit.segment(ref.connector_mandate_id)
        return self._call(ctx, "DELETE", f"/customers/{cid}/mandates/{mid}", Flow.REVOKE_MANDATE)

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        return _payment(_payment_object(response), data.currency)

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        return _payment(_payment_object(response), data.payment.currency)

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        return _payment(_payment_object(response), data.payment.currency)

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        capture = kit.decode_as(_object(response, not_allowed="payment_not_capturable"), Capture)
        if capture is None or not capture.id:
            raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mollie made no capture.")
        amount = _minor(capture.amount)
        status = kit.status_of(CAPTURE_STATUS, capture.status, PaymentStatus.PROCESSING)
        if status is PaymentStatus.CAPTURED and amount is not None and amount < data.payment.amount:
            status = PaymentStatus.PARTIALLY_CAPTURED
        return PaymentResult(
            status=status,
            connector_payment_id=capture.paymentId or data.payment.connector_payment_id,
            amount=data.payment.amount,
            amount_captured=amount if status is not PaymentStatus.PROCESSING else None,
            connector_status=f"capture {capture.status}" if capture.status else None,
            pending_reason="capture_pending" if status is PaymentStatus.PROCESSING else None,
            failure=decline(DeclineCode.PROCESSING_ERROR, raw_code="capture failed")
            if status is PaymentStatus.FAILED
            else None,
            meta={"capture_id": capture.id},
        )

    def parse_void(
        self, ctx: ConnectorContext, data: VoidData, response: HttpResponse
    ) -> PaymentResult:
        if response.status >= 400:
            raise _error(response, kit.obj(response.json()), "payment_not_voidable")
        # 202 Accepted, no body: Mollie releases the authorization asynchronously.
        return PaymentResult(
            status=PaymentStatus.PROCESSING,
            connector_payment_id=data.payment.connector_payment_id,
            amount=data.payment.amount,
            connector_status="release requested",
            pending_reason="void_pending",
        )

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_object(response, not_allowed="payment_not_refundable"))

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_object(response))

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        if response.status != 204 and response.status >= 300:
            raise _error(response, kit.obj(response.json()), None)
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status="revoked",
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """The payment id the body names (``id=tr_...``); the event's own id needs the
        payment's state, so it is made when the payment is read (see webhook_parse_fetched)."""
        return WebhookIdentity(event_id=_webhook_id(body))

    def webhook_verify(
        self, ctx: ConnectorContext, headers: dict[str, str], body: bytes
    ) -> bool | HttpRequest:
        """Mollie signs nothing: a webhook is verified by fetching the payment it names
        with the account's API key. A forged or tampered id is one the account cannot
        read (404), a webhook for another account too (its key cannot read it)."""
        pid = _webhook_id(body)
        if pid is None or not ctx.credentials.get("api_key"):
            return False
        # With its refunds embedded: a refund's status change calls the same webhook.
        path = f"/payments/{kit.segment(pid)}?embed=refunds"
        return self._call(ctx, "GET", path, Flow.VERIFY_WEBHOOK)

    def parse_verify_webhook(self, ctx: ConnectorContext, response: HttpResponse) -> bool:
        if response.status >= 500 or response.status == 429:
            raise kit.gateway_error(response, code=None, message="Mollie is unavailable")
        if response.status != 200:
            return False  # 404: no such payment for this key; 401: not this account's key
        body = kit.obj(response.json())
        return body.get("resource") == "payment" and bool(kit.text(body.get("id")))

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        # Only reached without a fetched payment, which Mollie webhooks always need.
        raise invalid(
            "invalid_webhook", "a Mollie webhook is read from the payment it names", "body"
        )

    def webhook_parse_fetched(
        self, headers: dict[str, str], body: bytes, response: HttpResponse
    ) -> list[WebhookEvent]:
        """The events of a verified webhook, from the payment fetched to verify it: one
        about the payment, whose id is the payment id and the state read (status and the
        captured, refunded and charged-back totals), and one per embedded refund, whose
        id is the refund id and its status. A retry of one change is stored once, a new
        change (paid after authorized, a refund settled) is a new event."""
        raw = kit.obj(response.json())
        kit.webhooks.envelope(raw, "Mollie payment", id_key="id", type_key="status")
        for key in ("amount", "amountCaptured", "amountRefunded", "amountChargedBack"):
            money = kit.webhooks.child(raw, key)
            kit.webhooks.currency(money, "currency", f"{key}.currency")
            kit.webhooks.major_amount(money, "value", f"{key}.value", currency_key="currency")
        payment = kit.decode_as(raw, MolliePayment)
        if payment is None or payment.id != _webhook_id(body):
            raise invalid("invalid_webhook", "the payment read is not the one named", "id")
        result = _payment(payment, payment.amount.currency)
        state = ":".join(
            [payment.id, payment.status]
            + [m.value if m else "-" for m in (payment.amountCaptured, payment.amountRefunded,
                                               payment.amountChargedBack)]
        )  # fmt: skip
        events = [
            WebhookEvent(
                event_id=state,
                type=WEBHOOK_EVENTS.get(payment.status, WebhookEventType.UNKNOWN),
                connector_event_type=f"payment.{payment.status}",
                connector_payment_id=payment.id,
                payment=result,
                amount=result.amount,
                currency=payment.amount.currency,
                occurred_at=payment.paidAt or payment.authorizedAt or payment.createdAt,
            )
        ]
        embedded = kit.webhooks.child(raw, "_embedded").get("refunds")
        for doc in embedded if isinstance(embedded, list) else []:
            money = kit.webhooks.child(doc, "amount") if isinstance(doc, dict) else {}
            kit.webhooks.major_amount(
                money, "value", "refund.amount.value", currency_key="currency"
            )
            refund = _refund(kit.obj(doc))
            events.append(
                WebhookEvent(
                    event_id=f"{refund.connector_refund_id}:{refund.connector_status}",
                    type=REFUND_EVENTS.get(refund.status, WebhookEventType.UNKNOWN),
                    connector_event_type=f"refund.{refund.connector_status}",
                    connector_payment_id=payment.id,
                    refund=refund,
                    amount=refund.amount,
                    currency=kit.text(money.get("currency")),
                )
            )
        return events

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        """The common scrub, plus Mollie's key shapes (``test_``/``live_``/``access_``)
        and card tokens, wherever they appear."""
        text = _API_KEY.sub("[REDACTED]", transcript)
        text = _CARD_TOKEN.sub(r"\1[REDACTED]\2", text)
        text = _APPLE_PAY_TOKEN.sub(r"\1[REDACTED]\2", text)
        text = _CONSUMER_ACCOUNT.sub(_mask_account, text)
        return scrub_common(text)


_API_KEY = re.compile(r"\b(?:test|live|access)_[A-Za-z0-9]{16,}")
_CARD_TOKEN = re.compile(r'("cardToken"\s*:\s*")[^"]*(")')
# The encrypted Apple Pay token is JSON text inside a JSON string: up to the closing quote
# that is not escaped.
_APPLE_PAY_TOKEN = re.compile(r'("applePayPaymentToken"\s*:\s*")(?:[^"\\]|\\.)*(")')
# An IBAN sent (consumerAccount) or read back (details.consumerAccount): last four kept.
_CONSUMER_ACCOUNT = re.compile(r'("consumerAccount"\s*:\s*")([A-Z0-9 ]*)(")')


def _mask_account(match: re.Match[str]) -> str:
    account = match.group(2).replace(" ", "")
    return f"{match.group(1)}{'*' * max(len(account) - 4, 0)}{account[-4:]}{match.group(3)}"


# --------------------------------------------------------------------------- Mollie objects


class Money(msgspec.Struct, frozen=True):
    currency: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return {"currency": self.currency, "value": self.value}


class Link(msgspec.Struct, frozen=True):
    href: str | None = None


class Links(msgspec.Struct, frozen=True):
    checkout: Link | None = None


class CardDetails(msgspec.Struct, frozen=True):
    cardNumber: str | None = None  # the last four digits
    cardLabel: str | None = None
    cardHolder: str | None = None
    cardExpiryDate: str | None = None  # mandates: YYYY-MM-DD
    cardSecurity: str | None = None
    failureReason: str | None = None
    failureMessage: str | None = None
    # a returned SEPA debit: the SEPA reason code (AC04, MD06 ...) and its text
    bankReasonCode: str | None = None
    bankReason: str | None = None


class MolliePayment(msgspec.Struct, frozen=True):
    """The fields of a Payment read here (Mollie sends many more; they are ignored)."""

    id: str
    status: str
    amount: Money
    resource: str = "payment"
    method: str | None = None
    captureMode: str | None = None
    sequenceType: str | None = None
    customerId: str | None = None
    mandateId: str | None = None
    amountCaptured: Money | None = None
    amountRefunded: Money | None = None
    amountChargedBack: Money | None = None
    metadata: Any = None
    details: CardDetails | None = None
    createdAt: str | None = None
    authorizedAt: str | None = None
    paidAt: str | None = None
    links: Links | None = msgspec.field(default=None, name="_links")


class Capture(msgspec.Struct, frozen=True):
    id: str = ""
    status: str = ""
    amount: Money | None = None
    paymentId: str | None = None


class MollieRefund(msgspec.Struct, frozen=True):
    id: str = ""
    status: str = ""
    amount: Money | None = None
    paymentId: str | None = None
    description: str | None = None


# --------------------------------------------------------------------------- 5. status maps

PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "open": PaymentStatus.REQUIRES_ACTION,  # refined: without a checkout link, processing
    "pending": PaymentStatus.PROCESSING,
    "authorized": PaymentStatus.AUTHORIZED,
    "paid": PaymentStatus.CAPTURED,  # refined by amountCaptured (partial capture)
    "canceled": PaymentStatus.VOIDED,
    "expired": PaymentStatus.FAILED,
    "failed": PaymentStatus.FAILED,
}
CAPTURE_STATUS: dict[str, PaymentStatus] = {
    "pending": PaymentStatus.PROCESSING,
    "succeeded": PaymentStatus.CAPTURED,
    "failed": PaymentStatus.FAILED,
}
REFUND_STATUS: dict[str, RefundStatus] = {
    "queued": RefundStatus.PENDING,
    "pending": RefundStatus.PENDING,
    "processing": RefundStatus.PENDING,
    "refunded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
}
WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "open": WebhookEventType.PAYMENT_REQUIRES_ACTION,
    "pending": WebhookEventType.PAYMENT_PROCESSING,
    "authorized": WebhookEventType.PAYMENT_AUTHORIZED,
    "paid": WebhookEventType.PAYMENT_CAPTURED,
    "canceled": WebhookEventType.PAYMENT_VOIDED,
    "expired": WebhookEventType.PAYMENT_FAILED,
    "failed": WebhookEventType.PAYMENT_FAILED,
}
# A Mandate object's status (Create mandate answers ``valid`` for a directdebit mandate
# with a signature date, ``pending`` until the first debit otherwise).
MANDATE_STATUS: dict[str, MandateStatus] = {
    "valid": MandateStatus.ACTIVE,
    "pending": MandateStatus.PENDING,
    "invalid": MandateStatus.FAILED,
}
REFUND_EVENTS: dict[RefundStatus, WebhookEventType] = {
    RefundStatus.PENDING: WebhookEventType.REFUND_PENDING,
    RefundStatus.SUCCEEDED: WebhookEventType.REFUND_SUCCEEDED,
    RefundStatus.FAILED: WebhookEventType.REFUND_FAILED,
}


# --------------------------------------------------------------------------- 6. error maps

# details.failureReason of a failed card payment (Mollie's documented values).
_DECLINES = (
    (DeclineCode.AUTHENTICATION_FAILED,
     "authentication_failed authentication_abandoned authentication_unavailable_acs"),
    (DeclineCode.AUTHENTICATION_REQUIRED, "authentication_required"),
    (DeclineCode.GENERIC_DECLINE, "card_declined unknown_reason"),
    (DeclineCode.EXPIRED_CARD, "card_expired"),
    (DeclineCode.RESTRICTED_CARD, "inactive_card"),
    (DeclineCode.INSUFFICIENT_FUNDS, "insufficient_funds"),
    (DeclineCode.INCORRECT_CVC, "invalid_cvv"),
    (DeclineCode.INVALID_PAYMENT_DATA, "invalid_card_holder_name"),
    (DeclineCode.INCORRECT_NUMBER, "invalid_card_number"),
    (DeclineCode.TRANSACTION_NOT_ALLOWED, "invalid_card_type"),
    (DeclineCode.FRAUD_SUSPECTED, "possible_fraud"),
    (DeclineCode.DO_NOT_HONOR, "refused_by_issuer"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)
# details.bankReasonCode of a returned SEPA Direct Debit (the SEPA R-transaction codes).
_SEPA_RETURN_CODES = (
    (DeclineCode.INSUFFICIENT_FUNDS, "AM04"),
    (DeclineCode.INVALID_PAYMENT_DATA, "AC01 AC04 AC06 AC13 RC01"),
    (DeclineCode.TRANSACTION_NOT_ALLOWED, "AG01 AG02 MD01 MD07 SL01"),
    (DeclineCode.GENERIC_DECLINE, "MD06 MS02 MS03"),
)  # fmt: skip
SEPA_RETURNS: kit.DeclineTable = kit.decline_table(_SEPA_RETURN_CODES)

# Mollie errors are {"status", "title", "detail", "field"}: no code; the field and the
# HTTP status say what went wrong. The table is keyed "<status>:<field>".
_R = kit.ErrorRule
ERROR_MAP: kit.ErrorTable = {
    "422:amount": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "422:amount.value": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "422:amount.currency": _R(ErrorType.INVALID_REQUEST, "currency_not_supported", "currency"),
    "422:cardToken": _R(ErrorType.INVALID_REQUEST, "invalid_field", "payment_method.token"),
    "422:mandateId": _R(ErrorType.INVALID_REQUEST, "invalid_mandate",
                        "payment_method.mandate_id"),
    "422:redirectUrl": _R(ErrorType.INVALID_REQUEST, "invalid_field", "return_url"),
    "401": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "404": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "410": _R(ErrorType.NOT_FOUND, "resource_not_found"),
}  # fmt: skip


def _object(response: HttpResponse, *, not_allowed: str | None = None) -> dict[str, Any]:
    body = kit.obj(response.json())
    if response.status < 300:
        return body
    raise _error(response, body, not_allowed)


def _error(response: HttpResponse, body: dict[str, Any], not_allowed: str | None) -> ServiceError:
    field = kit.text(body.get("field"))
    detail = kit.text(body.get("detail")) or kit.text(body.get("title"))
    status = str(response.status)
    if not_allowed and response.status == 422 and field is None:
        # "The payment cannot be captured / refunded / released (now)": the state's fault.
        gateway = GatewayDetail(code=status, message=detail, http_status=response.status)
        return ServiceError(
            ErrorType.CONFLICT, not_allowed, detail or "Mollie refused it now.", gateway=gateway
        )
    return kit.error_from(
        response,
        ERROR_MAP,
        codes=[f"{status}:{field}" if field else None, status],
        raw_code=kit.text(body.get("title")) or status,
        message=detail,
    )


def _payment_object(response: HttpResponse) -> MolliePayment:
    payment = kit.decode_as(_object(response), MolliePayment)
    if payment is None or not payment.id:
        raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mollie answered no payment.")
    return payment


# --------------------------------------------------------------------------- helpers

MOLLIE = kit.Exponents("Mollie")


ROUTING_KEY = "routing"  # fact-record key: the payment was a split (routed) payment


def _payment_options(data: AuthorizeData) -> dict[str, Any]:
    """The payment's ``connector_options.mollie`` fields, and its splits as Mollie
    Connect ``routing`` (each share to a connected organization; what is not routed,
    ``application_fee`` included, stays with the platform, so the fee is no number of
    its own there) or, without splits, the fee as ``applicationFee``."""
    options = kit.options_of(data, MolliePaymentOptions) or MolliePaymentOptions()
    body: dict[str, Any] = {
        "locale": options.locale,
        "restrictPaymentMethodsToCountry": options.restrict_payment_methods_to_country,
        "cancelUrl": options.cancel_url,
    }
    if options.release_date is not None and not data.splits:
        raise invalid(
            "invalid_option",
            "release_date (routing[].releaseDate) dates the routed shares: it goes with splits",
            "connector_options.mollie.release_date",
        )
    if options.application_fee_description is not None and (
        data.splits or not data.application_fee
    ):
        raise invalid(
            "invalid_option",
            "application_fee_description goes with an application_fee and no splits",
            "connector_options.mollie.application_fee_description",
        )
    routes = []
    for index, split in enumerate(data.splits):
        if not _ORGANIZATION_ID.fullmatch(split.destination):
            raise invalid(
                "invalid_splits",
                "a Mollie routing destination is a connected organization id (org_...)",
                f"splits[{index}].destination",
            )
        route: dict[str, Any] = {
            "amount": _amount(split.amount, data.currency),
            "destination": {"type": "organization", "organizationId": split.destination},
        }
        if options.release_date is not None:
            route["releaseDate"] = options.release_date
        routes.append(route)
    if routes:
        body["routing"] = routes
    elif data.application_fee:
        description = options.application_fee_description or f"Fee {data.reference}"
        body["applicationFee"] = {
            "amount": _amount(data.application_fee, data.currency),
            "description": description[:255],
        }
    return body


_IDEAL_ISSUER = re.compile(r"(?:ideal_)?([A-Z]{4}NL[A-Z0-9]{2})")


def _method_fields(
    pm: ApplePay | PayPal | Ideal | Bancontact | Eps | Przelewy24,
    data: AuthorizeData,
    ctx: ConnectorContext,
) -> dict[str, Any]:
    """Mollie's ``method`` and the fields it needs for a method beyond cards: the
    hosted methods redirect (``redirectUrl``); iDEAL's bank is its ``issuer``
    (``ideal_<BIC>``); Przelewy24 needs the payer's ``billingEmail``; Apple Pay hands the
    encrypted ``applePayPaymentToken`` to Mollie, which decrypts it."""
    fields: dict[str, Any] = {
        "method": MOLLIE_METHOD_NAMES[PaymentMethodType(str(pm.__struct_config__.tag))],
        "redirectUrl": data.return_url or ctx.public_url,
    }
    if isinstance(pm, ApplePay):
        fields["applePayPaymentToken"] = pm.token.reveal()
    elif isinstance(pm, Ideal) and pm.bank is not None:
        match = _IDEAL_ISSUER.fullmatch(pm.bank.upper().replace("IDEAL_", "ideal_"))
        if match is None:
            raise invalid(
                "invalid_field",
                "Mollie names an iDEAL bank by its BIC (ideal_INGBNL2A or INGBNL2A)",
                "payment_method.bank",
            )
        fields["issuer"] = f"ideal_{match.group(1)}"
    elif isinstance(pm, Eps | Przelewy24) and pm.bank is not None:
        raise invalid(
            "invalid_field",
            "Mollie takes no preselected bank for EPS or Przelewy24 (the customer picks it "
            "on Mollie's page)",
            "payment_method.bank",
        )
    if isinstance(pm, Przelewy24):
        email = data.customer.email if data.customer else None
        if not email:
            raise invalid(
                "missing_field",
                "Mollie's Przelewy24 needs the payer's email (billingEmail)",
                "customer.email",
            )
        fields["billingEmail"] = email
    return fields


def _lines(data: AuthorizeData) -> list[dict[str, Any]]:
    """``order`` as Mollie's ``lines``: prices include VAT there, so a line's
    ``totalAmount`` is its net total plus its tax, ``unitPrice`` that per unit (the tax
    must split evenly over the quantity), ``vatRate`` the tax over the net total; the
    order's shipping is a ``shipping_fee`` line. The lines must add up to the amount."""
    order = data.order
    assert order is not None
    lines: list[dict[str, Any]] = []
    if order.tax_amount is not None and order.tax_amount != sum(
        line.tax_amount or 0 for line in order.line_items
    ):
        raise invalid(
            "invalid_order",
            "Mollie takes VAT per line: order.tax_amount must be the lines' tax_amount sum",
            "order.tax_amount",
        )
    for index, line in enumerate(order.line_items):
        tax = line.tax_amount or 0
        if tax % line.quantity:
            raise invalid(
                "invalid_order",
                "Mollie's unitPrice includes VAT: the line's tax must split evenly over "
                "its quantity",
                f"order.line_items[{index}].tax_amount",
            )
        net = line.unit_amount * line.quantity
        rate = f"{(tax * 100 / net):.2f}" if net else "0.00"
        lines.append(
            drop_none(
                {
                    "type": "physical",
                    "description": line.name,
                    "quantity": line.quantity,
                    "unitPrice": _amount(line.unit_amount + tax // line.quantity, data.currency),
                    "totalAmount": _amount(net + tax, data.currency),
                    "vatRate": rate,
                    "vatAmount": _amount(tax, data.currency),
                    "sku": line.sku,
                }
            )
        )
    if order.shipping_amount:
        shipping = _amount(order.shipping_amount, data.currency)
        lines.append({
            "type": "shipping_fee", "description": "Shipping", "quantity": 1,
            "unitPrice": shipping, "totalAmount": shipping, "vatRate": "0.00",
            "vatAmount": _amount(0, data.currency),
        })  # fmt: skip
    total = order.items_total + order.total_tax + (order.shipping_amount or 0)
    if total != data.amount:
        raise invalid(
            "invalid_order",
            "Mollie's lines must add up to the amount (line items + tax + shipping)",
            "order",
        )
    return lines


def _klarna_address(data: AuthorizeData) -> dict[str, Any]:
    """The billing address Klarna requires (Mollie's ``billingAddress``: the names and
    email of the buyer with the street, postal code, city and country)."""
    billing = data.billing
    email = data.customer.email if data.customer else None
    needed = {
        "billing.first_name": billing.first_name if billing else None,
        "billing.last_name": billing.last_name if billing else None,
        "billing.line1": billing.line1 if billing else None,
        "billing.postal_code": billing.postal_code if billing else None,
        "billing.city": billing.city if billing else None,
        "billing.country": billing.country if billing else None,
        "customer.email": email,
    }
    for name, value in needed.items():
        if not value:
            raise invalid("missing_field", f"Mollie's Klarna needs {name}", name)
    assert billing is not None
    return {
        "givenName": billing.first_name, "familyName": billing.last_name, "email": email,
        "streetAndNumber": billing.line1, "streetAdditional": billing.line2,
        "postalCode": billing.postal_code, "city": billing.city, "region": billing.state,
        "country": billing.country, "phone": billing.phone,
    }  # fmt: skip


def _routed(data: AuthorizeData, result: PaymentResult) -> PaymentResult:
    if data.splits:  # remembered so that a refund pulls the routed shares back
        result.meta = {**result.meta, ROUTING_KEY: "1"}
    return result


def _amount(minor: int, currency: str) -> dict[str, str]:
    """ISO minor units -> Mollie's ``{"currency", "value"}`` (``"10.50"``)."""
    code = currency.upper()
    try:
        return {"currency": code, "value": MOLLIE.to_major(minor, code)}
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None


def _minor(money: Money | None) -> int | None:
    if money is None:
        return None
    try:
        return MOLLIE.from_major(money.value, money.currency)
    except (ValueError, UnknownCurrency):
        return None


def _description(description: str | None, reference: str) -> str:
    """Mollie requires a description (shown to the customer, 255 characters at most)."""
    return (description or f"Payment {reference}")[:255]


def _customer(customer: Customer, reference: str) -> dict[str, Any]:
    return {
        "name": customer.name,
        "email": customer.email,
        "metadata": {"reference": reference, "customer": customer.id} if customer.id else None,
    }


def _verification_amount(ctx: ConnectorContext) -> int:
    raw = ctx.options.get("verification_amount")
    if raw is None:
        return VERIFICATION_AMOUNT
    if not raw.isdigit() or int(raw) <= 0:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            "option verification_amount must be a positive integer (minor units)",
        )
    return int(raw)


def _webhook_id(body: bytes) -> str | None:
    """``id=tr_...`` of a form body (Mollie's webhook), or None."""
    try:
        values = parse_qs(body.decode("ascii"), strict_parsing=True).get("id", [])
    except (UnicodeDecodeError, ValueError):
        return None
    if len(values) != 1 or not _PAYMENT_ID.fullmatch(values[0]):
        return None
    return values[0]


def _checkout(payment: MolliePayment) -> str | None:
    link = payment.links.checkout if payment.links else None
    return link.href if link and link.href else None


def _status(payment: MolliePayment) -> PaymentStatus:
    status = kit.status_of(PAYMENT_STATUS, payment.status, PaymentStatus.PROCESSING)
    if status is PaymentStatus.REQUIRES_ACTION and _checkout(payment) is None:
        return PaymentStatus.PROCESSING
    if payment.status == "expired" and payment.authorizedAt:
        return PaymentStatus.VOIDED  # an authorization not captured in time: released
    if status is PaymentStatus.CAPTURED and payment.amountCaptured is not None:
        captured, total = _minor(payment.amountCaptured), _minor(payment.amount)
        if captured is not None and total is not None and 0 < captured < total:
            return PaymentStatus.PARTIALLY_CAPTURED
    return status


def _payment(payment: MolliePayment, currency: str) -> PaymentResult:
    status = _status(payment)
    amount = _minor(payment.amount)
    captured: int | None = None
    if status is PaymentStatus.CAPTURED:
        captured = _minor(payment.amountCaptured) or amount
    elif status is PaymentStatus.PARTIALLY_CAPTURED:
        captured = _minor(payment.amountCaptured)
    checkout = _checkout(payment)
    return PaymentResult(
        status=status,
        connector_payment_id=payment.id,
        amount=amount,
        amount_captured=captured,
        connector_status=payment.status,
        next_action=RedirectAction(url=checkout)
        if status is PaymentStatus.REQUIRES_ACTION and checkout
        else None,
        failure=_failure(payment) if status is PaymentStatus.FAILED else None,
        pending_reason=("awaiting_customer" if payment.status == "open" else "pending_gateway")
        if status is PaymentStatus.PROCESSING
        else None,
        card=_summary(payment.details),
        reference=kit.text(kit.obj(payment.metadata).get("reference")),
        meta=_ids(customer_id=payment.customerId, mandate_id=payment.mandateId),
    )


def _failure(payment: MolliePayment) -> Failure:
    details = payment.details or CardDetails()
    if payment.status == "expired":
        return decline(
            DeclineCode.AUTHENTICATION_FAILED
            if payment.method == "creditcard"
            else DeclineCode.GENERIC_DECLINE,
            raw_code="expired",
            raw_message="the customer did not complete the payment in time",
        )
    if payment.method == "directdebit" and details.bankReasonCode:
        return decline(
            kit.decline_of(
                SEPA_RETURNS, details.bankReasonCode, default=DeclineCode.GENERIC_DECLINE
            ),
            raw_code=details.bankReasonCode,
            raw_message=details.bankReason,
        )
    raw = details.failureReason
    return decline(
        kit.decline_of(DECLINE_MAP, raw, default=DeclineCode.GENERIC_DECLINE),
        raw_code=raw,
        raw_message=details.failureMessage,
    )


def _mandate(payment: MolliePayment, cid: str, verification: bool) -> MandateResult:
    status = _status(payment)
    meta = _ids(payment_id=payment.id, customer_id=cid, verify="1" if verification else None)
    if status in (PaymentStatus.CAPTURED, PaymentStatus.AUTHORIZED) and payment.mandateId:
        mandate_status = MandateStatus.ACTIVE
    elif status in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING):
        mandate_status = MandateStatus.PENDING
    else:
        mandate_status = MandateStatus.FAILED
    checkout = _checkout(payment)
    return MandateResult(
        status=mandate_status,
        connector_mandate_id=payment.mandateId if mandate_status is MandateStatus.ACTIVE else None,
        connector_customer_id=cid,
        connector_status=payment.status,
        next_action=RedirectAction(url=checkout)
        if mandate_status is MandateStatus.PENDING and checkout
        else None,
        failure=(
            _failure(payment)
            if status is PaymentStatus.FAILED
            else decline(DeclineCode.GENERIC_DECLINE, raw_message="Mollie made no mandate")
        )
        if mandate_status is MandateStatus.FAILED
        else None,
        card=_summary(payment.details),
        meta=meta,
    )


def _refund(body: dict[str, Any]) -> RefundResult:
    refund = kit.decode_as(body, MollieRefund)
    if refund is None or not refund.id:
        raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mollie answered no refund.")
    status = kit.status_of(REFUND_STATUS, refund.status, RefundStatus.PENDING)
    return RefundResult(
        status=status,
        connector_refund_id=refund.id,
        amount=_minor(refund.amount),
        connector_status=refund.status or None,
        failure=decline(DeclineCode.PROCESSING_ERROR, raw_code=refund.status)
        if status is RefundStatus.FAILED
        else None,
        pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        meta=_ids(payment_id=refund.paymentId),
    )


_BRANDS = {
    "visa": "visa", "mastercard": "mastercard", "american express": "amex", "maestro": "maestro",
    "diners club": "diners", "discover": "discover", "jcb": "jcb", "unionpay": "unionpay",
    "carte bleue": "cartes_bancaires", "cartes bancaires": "cartes_bancaires",
    "dankort": "dankort", "carta si": "carta_si",
}  # fmt: skip


def _summary(details: CardDetails | None) -> CardSummary | None:
    if details is None or not details.cardNumber:
        return None
    last4 = details.cardNumber[-4:]
    label = (details.cardLabel or "").strip().lower()
    month = year = None
    if details.cardExpiryDate and re.fullmatch(r"\d{4}-\d{2}-\d{2}", details.cardExpiryDate):
        year, month = int(details.cardExpiryDate[:4]), int(details.cardExpiryDate[5:7])
    return CardSummary(
        brand=_BRANDS.get(label, label or None), last4=last4, exp_month=month, exp_year=year
    )


def _ids(**ids: str | None) -> dict[str, str]:
    return {k: v for k, v in ids.items() if v}
