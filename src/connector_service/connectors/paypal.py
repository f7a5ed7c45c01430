"""PayPal: Orders v2 with a card payment source, Payments v2, Vault v3 and webhooks.

OAuth2 client credentials: the core asks ``access_token`` once per account, caches it and
hands it back in ``ctx.access_token`` for every other flow (``Authorization: Bearer``).

One payment is one order with one purchase unit. Its PayPal order id is the connector
payment id; the authorization id (``auth``), capture id (``cap``) and intent travel in
``PaymentResult.meta``. Later flows use them when present and otherwise read the order
first (an id from a 3-D Secure completion or a capture carries no new meta).

Payment methods beyond cards (:data:`PAYPAL_METHODS`; docs/connectors/paypal.md has the
table) are other ``payment_source`` objects of the same order: ``paypal`` (the wallet:
approved on PayPal's page, then authorized or captured like a 3-D Secure card), the bank
methods ``ideal``, ``bancontact``, ``eps``, ``p24`` and ``blik`` (capture only, with
``processing_instruction`` ``ORDER_COMPLETE_ON_PAYMENT_APPROVAL``: PayPal captures once
the customer approves, and ``PAYMENT.CAPTURE.COMPLETED`` or a sync settles them), and a
network token (``card.network_token``, or ``apple_pay.decrypted_token`` for a decrypted
Apple Pay token). Left out, with the reason in the docs: encrypted Apple Pay / Google Pay
tokens (PayPal decrypts them only through its JS SDK; the spec's ``google_pay`` request
object is empty), 3-D Secure results obtained elsewhere (Orders v2 has no field for
them), and the spec's methods outside the model (giropay, MyBank, Sofort, Trustly, Venmo).
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit

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
    basic_auth,
    drop_none,
    gateway_error,
    json_body,
    scrub_common,
)
from connector_service.connectors.capabilities import (
    AUTHORIZE,
    CAPTURE,
    RECURRING,
    REFUND,
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
    NextAction,
    RedirectAction,
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
    not_supported,
)
from connector_service.domain.flows import (
    AccessToken,
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
)
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import (
    Blik,
    Card,
    Ideal,
    NetworkToken,
    PaymentMethodType,
    PayPal,
    Token,
    type_of,
)
from connector_service.domain.splits import Order
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

# PayPal's own list of payment currencies (developer.paypal.com/api/rest/reference/currency-codes).
PAYPAL_CURRENCIES = frozenset(
    "AUD BRL CAD CNY CZK DKK EUR HKD HUF INR ILS JPY MYR MXN TWD NZD NOK PHP PLN GBP SGD "
    "SEK CHF THB USD".split()
)
# Where PayPal's decimals differ from ISO 4217: HUF and TWD have 2 in ISO, none at PayPal.
PAYPAL_EXPONENTS = kit.Exponents(
    "PayPal", exceptions={"HUF": 0, "JPY": 0, "TWD": 0}, inexact_code="invalid_amount"
)

SCA_METHODS = ("SCA_WHEN_REQUIRED", "SCA_ALWAYS")
MIT_PAYMENT_TYPES = ("UNSCHEDULED", "RECURRING")
WEBHOOK_HEADERS = (
    "paypal-auth-algo",
    "paypal-cert-url",
    "paypal-transmission-id",
    "paypal-transmission-sig",
    "paypal-transmission-time",
)
DEFAULT_WEBHOOK_TOLERANCE = 600  # seconds between PayPal's transmission time and ours
REQUEST_ID_MAX = 108  # PayPal-Request-Id maxLength in the Orders spec

_NS = uuid.UUID("6f1d52a2-7f55-4a4e-9a2b-2f5d3b1c9e01")
_VAULT_ID = re.compile(r"^[0-9a-zA-Z_-]{1,255}$")
_TOKEN_PATH_ID = re.compile(r"^[0-9a-zA-Z_-]{7,36}$")
_CUSTOMER_ID = re.compile(r"^[0-9a-zA-Z_-]{1,22}$")
_NETWORK_REF = re.compile(r"^[a-zA-Z0-9\-_@.:&+=*^'~#!$%()]{9,36}$")


_M = PaymentMethodType
_CARDS = (AUTHORIZE, CAPTURE, REFUND, RECURRING)
_HOLD = (AUTHORIZE, CAPTURE, REFUND)


def _where(countries: str, currencies: str) -> MethodSupport:
    """A bank method: intent CAPTURE only (paid once approved), refundable."""
    return takes(
        AUTHORIZE,
        REFUND,
        countries=frozenset(countries.split()),
        currencies=frozenset(currencies.split()),
    )


# Per method: flows, the payer's countries and the currencies PayPal's alternative
# payment methods guide lists (developer.paypal.com/docs/checkout/apm/).
PAYPAL_METHODS: dict[PaymentMethodType, MethodSupport] = {
    _M.CARD: takes(*_CARDS),
    _M.TOKEN: takes(*_CARDS),
    _M.MANDATE: takes(*_CARDS),
    _M.NETWORK_TOKEN: takes(*_HOLD),
    _M.PAYPAL: takes(*_HOLD),
    _M.IDEAL: _where("NL", "EUR"),
    _M.BANCONTACT: _where("BE", "EUR"),
    _M.EPS: _where("AT", "EUR"),
    _M.BLIK: _where("PL", "PLN"),
    _M.PRZELEWY24: _where("PL", "EUR PLN"),
}
# ``payment_source`` key of each bank method (captured by PayPal on approval).
APM_SOURCE: dict[PaymentMethodType, str] = {
    _M.IDEAL: "ideal", _M.BANCONTACT: "bancontact", _M.EPS: "eps", _M.BLIK: "blik",
    _M.PRZELEWY24: "p24",
}  # fmt: skip
_NEEDS_EMAIL = frozenset({_M.PRZELEWY24})  # p24_request requires it
_BIC = re.compile(r"^[A-Za-z0-9]{4}[A-Za-z]{2}[A-Za-z0-9]{2}([A-Za-z0-9]{3})?$")


# ---- connector_options (issue 19): the Orders v2 / Payments v2 fields of the same name.

_Text127 = Annotated[str, Meta(min_length=1, max_length=127)]


class PayPalPaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.paypal`` on a payment (purchase_units[0] of the order)."""

    soft_descriptor: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=22,
                description="purchase_units[].soft_descriptor (overrides statement_descriptor)",
            ),
        ]
        | None
    ) = None
    invoice_id: (
        Annotated[_Text127, Meta(description="purchase_units[].invoice_id (default: reference)")]
        | None
    ) = None
    custom_id: (
        Annotated[_Text127, Meta(description="purchase_units[].custom_id (default: reference)")]
        | None
    ) = None


class PayPalCaptureOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.paypal`` on a capture."""

    soft_descriptor: (
        Annotated[str, Meta(min_length=1, max_length=22, description="soft_descriptor")] | None
    ) = None
    note_to_payer: (
        Annotated[str, Meta(min_length=1, max_length=255, description="note_to_payer")] | None
    ) = None


class PayPalRefundOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.paypal`` on a refund."""

    invoice_id: Annotated[_Text127, Meta(description="invoice_id of the refund")] | None = None


class PayPalConnector(Connector):
    meta = ConnectorMeta(
        name="paypal",
        display_name="PayPal",
        base_url_test="https://api-m.sandbox.paypal.com",
        base_url_live="https://api-m.paypal.com",
        credential_fields=(
            CredentialField("client_id", "REST app client ID"),
            CredentialField("client_secret", "REST app secret"),
        ),
        option_fields=(
            CredentialField(
                "webhook_id", "ID of the webhook registered for this app (verification)", False
            ),
            CredentialField("sca_method", "SCA_WHEN_REQUIRED (default) or SCA_ALWAYS", False),
            CredentialField(
                "mit_payment_type",
                "stored-credential type of mandate charges: UNSCHEDULED (default) or RECURRING",
                False,
            ),
            CredentialField(
                "webhook_tolerance_seconds", "largest accepted age of a webhook (600)", False
            ),
        ),
        methods=PAYPAL_METHODS,
        currencies=PAYPAL_CURRENCIES,
        idempotency="PayPal-Request-Id header",
        multiple_captures=True,  # final_capture=false on the authorization's capture
        docs_url="https://developer.paypal.com/docs/api/orders/v2/",
        needs_access_token=True,
        secret_fields=("client_id", "client_secret"),
        options=kit.ConnectorOptions(
            payment=PayPalPaymentOptions, capture=PayPalCaptureOptions, refund=PayPalRefundOptions
        ),
        splits="one split -> purchase_units[].payee.merchant_id, the rest -> "
        "payment_instruction.platform_fees; refunds return the fee share (platform_fees)",
        order="purchase_units[].items + amount.breakdown (item_total, tax_total, shipping)",
    )
    supports_mandate_charges = True
    # Evidence is sent and submitted in one provide-evidence call (no staging): notes
    # and documents. PayPal's integration guide: JPG, GIF, PNG or PDF, at most 10 MB a
    # file and 50 MB in all.
    evidence_limits = EvidenceLimits(
        text_types=frozenset(EvidenceType),
        file_types=frozenset(EvidenceType),
        content_types=frozenset({"image/jpeg", "image/gif", "image/png", "application/pdf"}),
        max_file_bytes=10 * 1024 * 1024,
        max_files=10,
        max_total_bytes=50 * 1024 * 1024,
        max_text_chars=2000,
        staging=False,
    )

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(
        ctx: ConnectorContext, request_id: str | None = None, *, representation: bool = True
    ) -> dict[str, str]:
        if ctx.access_token is None:
            raise ServiceError(
                ErrorType.INTERNAL,
                "access_token_missing",
                "PayPal calls need an OAuth access token and none was provided",
            )
        headers = {
            "Authorization": f"Bearer {ctx.access_token.reveal()}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        if representation:
            headers["Prefer"] = "return=representation"
        if request_id:
            headers["PayPal-Request-Id"] = request_id
        return headers

    def _call(
        self,
        ctx: ConnectorContext,
        method: str,
        path: str,
        flow: Flow,
        body: dict[str, Any] | bytes | None = None,
        request_id: str | None = None,
        *,
        representation: bool | None = None,
    ) -> HttpRequest:
        """Every PayPal call is safe to repeat: GET/DELETE/void by nature, the others
        because they carry a PayPal-Request-Id."""
        raw = json_body(body) if isinstance(body, dict) else body
        if representation is None:
            representation = method == "POST"
        headers = self._headers(ctx, request_id, representation=representation)
        return HttpRequest(
            method, f"{ctx.base_url}{path}", headers, raw, flow=flow.value, idempotent=True
        )

    def build_access_token(self, ctx: ConnectorContext, data: Any = None) -> HttpRequest:
        headers = {
            "Authorization": basic_auth(
                ctx.credential("client_id"), ctx.credential("client_secret")
            ),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/v1/oauth2/token",
            headers,
            b"grant_type=client_credentials",
            flow=Flow.ACCESS_TOKEN.value,
            idempotent=True,
        )

    def parse_access_token(
        self, ctx: ConnectorContext, data: Any, response: HttpResponse
    ) -> AccessToken:
        body = _json(response)
        if response.status >= 400 or not body.get("access_token"):
            raise gateway_error(
                response,
                code=body.get("error") or body.get("name"),
                message=body.get("error_description") or body.get("message"),
                type=None if response.status >= 400 else ErrorType.CONNECTOR,
            )
        return AccessToken(
            token=str(body["access_token"]), expires_in=int(body.get("expires_in") or 3600)
        )

    # ----------------------------------------------------------------------- 3. builders

    def steps_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> Steps:
        intent = "CAPTURE" if data.capture_method is CaptureMethod.AUTOMATIC else "AUTHORIZE"
        request_id = _request_id(ctx, f"authorize:{data.reference}")
        body = self._order_body(ctx, data, intent)
        response = yield self._call(
            ctx, "POST", "/v2/checkout/orders", Flow.AUTHORIZE, body, request_id
        )
        body = _json(response)
        _raise_for_error(response, body)
        if body.get("status") in ORDER_NEEDS_ACTION and not _payments(body):
            # The card was accepted but PayPal waits for an explicit authorize / capture.
            order_id = str(body["id"])
            response = yield self._order_action(ctx, order_id, intent, request_id, Flow.AUTHORIZE)
            return _with_fee(data, self._parse_order_action(response, order_id, intent))
        return _with_fee(data, _order_result(body))

    def steps_complete_authorize(self, ctx: ConnectorContext, data: CompleteAuthorizeData) -> Steps:
        order_id = _order_id(data.payment)
        response = yield self._get_order(ctx, order_id, Flow.COMPLETE_AUTHORIZE)
        body = _json(response)
        _raise_for_error(response, body)
        if body.get("status") not in ORDER_NEEDS_ACTION or _payments(body):
            return _order_result(body)  # still waiting for the payer, or already settled
        if _source_kind(body) in APM_SOURCE.values():
            return _order_result(body)  # PayPal completes it on approval; a webhook settles
        failure = _authentication_failure(body)
        if failure is not None:
            return PaymentResult(
                status=PaymentStatus.FAILED,
                connector_payment_id=order_id,
                amount=_unit_amount(body),
                connector_status=str(body.get("status")),
                failure=failure,
                meta={"intent": str(body.get("intent") or "")},
            )
        intent = str(body.get("intent") or _intent(data.payment))
        request_id = _request_id(ctx, f"complete:{order_id}")
        flow = Flow.COMPLETE_AUTHORIZE
        response = yield self._order_action(ctx, order_id, intent, request_id, flow)
        return self._parse_order_action(response, order_id, intent)

    def steps_capture(self, ctx: ConnectorContext, data: CaptureData) -> Steps:
        auth_id = data.payment.meta.get("auth")
        if not auth_id:
            auth_id = yield from self._find_id(ctx, data.payment, "authorizations", Flow.CAPTURE)
        body = {
            "amount": _money(data.amount, data.payment.currency),
            # Not final: the authorization stays open for further captures.
            "final_capture": data.final_capture
            or data.captured_before + data.amount >= data.payment.amount,
            "invoice_id": _reference(data.reference),
        }
        capture_options = kit.options_of(data, PayPalCaptureOptions)
        if capture_options is not None:
            body |= _given(capture_options, "soft_descriptor", "note_to_payer")
        path = f"/v2/payments/authorizations/{auth_id}/capture"
        request_id = _request_id(ctx, f"capture:{auth_id}:{data.reference}")
        response = yield self._call(ctx, "POST", path, Flow.CAPTURE, body, request_id)
        resp = _json(response)
        _raise_for_error(response, resp)
        return _capture_result(data, resp, auth_id)

    def steps_void(self, ctx: ConnectorContext, data: VoidData) -> Steps:
        auth_id = data.payment.meta.get("auth")
        if not auth_id:
            auth_id = yield from self._find_id(ctx, data.payment, "authorizations", Flow.VOID)
        path = f"/v2/payments/authorizations/{auth_id}/void"
        response = yield self._call(ctx, "POST", path, Flow.VOID)
        body = _json(response)
        _raise_for_error(response, body)
        raw = str(body.get("status") or "VOIDED")  # 204 No Content: voided, nothing to show
        return PaymentResult(
            status=kit.status_of(AUTHORIZATION_STATUS, raw, PaymentStatus.PROCESSING),
            connector_payment_id=data.payment.connector_payment_id,
            connector_status=raw,
            meta={"intent": "AUTHORIZE", "auth": auth_id},
        )

    def steps_refund(self, ctx: ConnectorContext, data: RefundData) -> Steps:
        capture_id = data.payment.meta.get("cap")
        if not capture_id or data.payment.meta.get("captures") == "several":
            # Several captures: the refund goes to the first with enough left.
            order = yield self._get_order(ctx, _order_id(data.payment), Flow.REFUND)
            body = _json(order)
            _raise_for_error(order, body)
            capture_id = _refundable_capture(body, data.amount, data.payment.currency)
        refund = drop_none(
            {
                "amount": _money(data.amount, data.payment.currency),
                "custom_id": _reference(data.reference),
                "note_to_payer": data.reason[:255] if data.reason else None,
            }
        )
        refund |= _refund_extras(data)
        path = f"/v2/payments/captures/{capture_id}/refund"
        request_id = _request_id(ctx, f"refund:{capture_id}:{data.reference}")
        response = yield self._call(ctx, "POST", path, Flow.REFUND, refund, request_id)
        resp = _json(response)
        _raise_for_error(response, resp)
        return _refund_result(resp, data.payment.currency, capture_id)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        return self._get_order(ctx, _order_id(data.payment), Flow.SYNC)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        rid = data.refund.connector_refund_id
        return self._call(ctx, "GET", f"/v2/payments/refunds/{rid}", Flow.REFUND_SYNC)

    def build_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> HttpRequest:
        pm = pm_kit.card_or_token(data.payment_method, "PayPal")
        if isinstance(pm, Token):  # a PayPal vault token already: check it exists
            path = f"/v3/vault/payment-tokens/{_token_path_id(pm.token)}"
            return self._call(ctx, "GET", path, Flow.SETUP_MANDATE)
        body: dict[str, Any] = {"payment_source": {"card": _card(pm, data.billing)}}
        customer_id = _customer_id(data.customer.id)
        if customer_id:
            body["customer"] = {"id": customer_id}
        request_id = _request_id(ctx, f"vault:{data.reference}")
        return self._call(
            ctx, "POST", "/v3/vault/payment-tokens", Flow.SETUP_MANDATE, body, request_id
        )

    def build_list_mandates(self, ctx: ConnectorContext, data: ListMandatesData) -> HttpRequest:
        """The customer's vaulted payment tokens (one page of 100; ``has_more`` beyond)."""
        customer = _customer_id(data.customer_id)
        if customer is None:
            raise invalid("invalid_customer_id", "not a PayPal vault customer id", "customer")
        query = urlencode({"customer_id": customer, "page_size": 100, "page": 1})
        path = f"/v3/vault/payment-tokens?{query}"
        return self._call(ctx, "GET", path, Flow.LIST_MANDATES)

    def parse_list_mandates(
        self, ctx: ConnectorContext, data: ListMandatesData, response: HttpResponse
    ) -> StoredMethods:
        body = _json(response)
        _raise_for_error(response, body)
        customer = (body.get("customer") or {}).get("id") or data.customer_id
        methods = []
        for token in body.get("payment_tokens") or []:
            source = token.get("payment_source") if isinstance(token, dict) else None
            if not isinstance(source, dict) or not token.get("id") or "card" not in source:
                continue
            methods.append(
                MandateResult(
                    status=MandateStatus.ACTIVE,
                    connector_mandate_id=str(token["id"]),
                    connector_customer_id=str(customer),
                    connector_status="VAULTED",
                    card=_card_summary(source),
                )
            )
        pages = body.get("total_pages")
        return StoredMethods(methods=methods, has_more=isinstance(pages, int) and pages > 1)

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        token = _token_path_id(data.mandate.connector_mandate_id)
        return self._call(ctx, "DELETE", f"/v3/vault/payment-tokens/{token}", Flow.REVOKE_MANDATE)

    # helpers of the builders

    def _order_body(
        self, ctx: ConnectorContext, data: AuthorizeData, intent: str
    ) -> dict[str, Any]:
        unit = drop_none(
            {
                "reference_id": _reference(data.reference),
                "invoice_id": data.reference,
                "custom_id": data.reference,
                "description": data.description[:127] if data.description else None,
                "soft_descriptor": data.statement_descriptor[:22]
                if data.statement_descriptor
                else None,
                "amount": _money(data.amount, data.currency),
            }
        )
        unit |= _unit_extras(data)
        pm = data.payment_method
        customer_id = _customer_id(data.customer.id if data.customer else None)
        kind = type_of(pm)
        if kind in APM_SOURCE or isinstance(pm, PayPal | NetworkToken):
            if data.setup_future_usage:
                raise not_supported(
                    f"the PayPal connector does not save {method_name(kind)} payment methods "
                    "(setup_future_usage)",
                    "setup_future_usage",
                )
            body: dict[str, Any] = {"intent": intent, "purchase_units": [unit]}
            if kind in APM_SOURCE:
                body["payment_source"] = {APM_SOURCE[kind]: _bank_source(pm, data)}
                # Without it an approved bank payment waits for our capture call.
                body["processing_instruction"] = "ORDER_COMPLETE_ON_PAYMENT_APPROVAL"
            elif isinstance(pm, PayPal):
                body["payment_source"] = {"paypal": _wallet_source(data)}
            else:
                assert isinstance(pm, NetworkToken)
                body["payment_source"] = _network_token_source(pm, data.billing)
            return body
        if isinstance(pm, StoredMandate):
            source = self._mandate_source(ctx, pm)
        else:
            if isinstance(pm, Card):
                source = _card(pm, data.billing)
            elif isinstance(pm, Token):
                if not _VAULT_ID.match(pm.token):
                    raise invalid("invalid_token", "not a PayPal vault id", "payment_method.token")
                source = {"vault_id": pm.token}
            else:
                raise ServiceError(
                    ErrorType.NOT_SUPPORTED,
                    "payment_method_not_supported",
                    f"the PayPal connector does not take {type(pm).__name__.lower()} payments",
                    field="payment_method.type",
                )
            sca = ctx.option("sca_method", SCA_METHODS[0]).upper()
            if sca not in SCA_METHODS:
                raise invalid("invalid_account_option", f"sca_method must be one of {SCA_METHODS}")
            attributes: dict[str, Any] = {"verification": {"method": sca}}
            if data.setup_future_usage and isinstance(pm, Card):
                attributes["vault"] = {"store_in_vault": "ON_SUCCESS"}
                if customer_id:
                    attributes["customer"] = {"id": customer_id}
                source["stored_credential"] = {
                    "payment_initiator": "CUSTOMER",
                    "payment_type": "UNSCHEDULED",
                    "usage": "FIRST",
                }
            source["attributes"] = attributes
            if data.return_url:
                source["experience_context"] = {
                    "return_url": data.return_url,
                    "cancel_url": data.return_url,
                }
        return {"intent": intent, "purchase_units": [unit], "payment_source": {"card": source}}

    @staticmethod
    def _mandate_source(ctx: ConnectorContext, pm: StoredMandate) -> dict[str, Any]:
        ref = pm.ref
        payment_type = ctx.option("mit_payment_type", MIT_PAYMENT_TYPES[0]).upper()
        if payment_type not in MIT_PAYMENT_TYPES:
            raise invalid(
                "invalid_account_option", f"mit_payment_type must be one of {MIT_PAYMENT_TYPES}"
            )
        if not _VAULT_ID.match(ref.connector_mandate_id):
            raise invalid("invalid_mandate", "not a PayPal vault id", "payment_method.mandate_id")
        stored: dict[str, Any] = {
            "payment_initiator": "MERCHANT",
            "payment_type": payment_type,
            "usage": "SUBSEQUENT",
        }
        ntid = ref.network_transaction_id
        if ntid and _NETWORK_REF.match(ntid):
            stored["previous_network_transaction_reference"] = {"id": ntid}
        return {"vault_id": ref.connector_mandate_id, "stored_credential": stored}

    def _get_order(self, ctx: ConnectorContext, order_id: str, flow: Flow) -> HttpRequest:
        return self._call(ctx, "GET", f"/v2/checkout/orders/{order_id}", flow)

    def _order_action(
        self, ctx: ConnectorContext, order_id: str, intent: str, request_id: str, flow: Flow
    ) -> HttpRequest:
        action = "capture" if intent == "CAPTURE" else "authorize"
        path = f"/v2/checkout/orders/{order_id}/{action}"
        return self._call(ctx, "POST", path, flow, {}, f"{request_id}-{action}")

    def _find_id(self, ctx: ConnectorContext, payment: PaymentRef, kind: str, flow: Flow) -> Steps:
        """Read the order for the authorization / capture id the payment id lacks."""
        response = yield self._get_order(ctx, _order_id(payment), flow)
        body = _json(response)
        _raise_for_error(response, body)
        items = _payments(body).get(kind) or []
        if not items:
            raise ServiceError(
                ErrorType.CONFLICT,
                "payment_not_capturable" if flow is Flow.CAPTURE else "payment_not_voidable",
                f"the PayPal order has no {kind[:-1]}",
            )
        return str(items[0]["id"])

    # ---- disputes (Customer Disputes API v1)

    def build_dispute_sync(self, ctx: ConnectorContext, data: DisputeSyncData) -> HttpRequest:
        did = kit.segment(data.dispute.connector_dispute_id)
        return self._call(ctx, "GET", f"/v1/customer/disputes/{did}", Flow.DISPUTE_SYNC)

    def steps_dispute_list(self, ctx: ConnectorContext, data: DisputeListData) -> Steps:
        """A page of the list, then each dispute's details: PayPal's list items
        (dispute_info) do not name the disputed transaction, so only the details tell
        which payment a dispute is about."""
        query = {"page_size": str(min(data.limit, 50))}
        if data.cursor:
            query["next_page_token"] = data.cursor
        path = f"/v1/customer/disputes?{urlencode(query)}"
        response = yield self._call(ctx, "GET", path, Flow.DISPUTE_LIST)
        body = kit.obj(response.json())
        _raise_for_error(response, body)
        items: list[DisputeResult] = []
        for item in body.get("items") or []:
            did = kit.text(kit.obj(item).get("dispute_id"))
            if did:
                detail = yield self._call(
                    ctx, "GET", f"/v1/customer/disputes/{kit.segment(did)}", Flow.DISPUTE_LIST
                )
                items.append(_dispute_answer(detail))
        following = None
        for link in body.get("links") or []:
            if isinstance(link, dict) and link.get("rel") == "next":
                query_of = parse_qs(urlsplit(str(link.get("href") or "")).query)
                following = next(iter(query_of.get("next_page_token") or []), None)
        return DisputeListResult(disputes=items, next_cursor=following if items else None)

    def _multipart(self, ctx: ConnectorContext, path: str, flow: Flow, parts: Parts) -> HttpRequest:
        content_type, body = kit.multipart_form(parts)
        headers = self._headers(ctx, representation=False) | {"Content-Type": content_type}
        return HttpRequest(
            "POST", f"{ctx.base_url}{path}", headers, body, flow=flow.value, idempotent=False
        )

    def steps_dispute_accept(self, ctx: ConnectorContext, data: DisputeAcceptData) -> Steps:
        did = kit.segment(data.dispute.connector_dispute_id)
        note = json_body({"note": "The merchant accepts the claim."})
        accepted = yield self._multipart(
            ctx, f"/v1/customer/disputes/{did}/accept-claim", Flow.DISPUTE_ACCEPT,
            [("input", None, "application/json", note)],
        )  # fmt: skip
        _raise_for_error(accepted, kit.obj(accepted.json()))
        current = yield self.build_dispute_sync(ctx, DisputeSyncData(dispute=data.dispute))
        return _dispute_answer(current)

    def steps_dispute_evidence(self, ctx: ConnectorContext, data: DisputeEvidenceData) -> Steps:
        did = kit.segment(data.dispute.connector_dispute_id)
        evidences: list[dict[str, Any]] = [
            {"evidence_type": EVIDENCE_TYPE[kind], "notes": text}
            for kind, text in data.text.items()
        ]
        parts: Parts = []
        for n, f in enumerate(data.files, 1):
            evidences.append(
                {"evidence_type": EVIDENCE_TYPE[f.type], "documents": [{"name": f.file_name}]}
            )
            parts.append((f"file{n}", f.file_name, f.content_type, f.content))
        payload = json_body({"evidences": evidences})
        answered = yield self._multipart(
            ctx, f"/v1/customer/disputes/{did}/provide-evidence", Flow.DISPUTE_EVIDENCE,
            [("input", None, "application/json", payload), *parts],
        )  # fmt: skip
        _raise_for_error(answered, kit.obj(answered.json()))
        current = yield self.build_dispute_sync(ctx, DisputeSyncData(dispute=data.dispute))
        return msgspec.structs.replace(_dispute_answer(current), evidence_submitted=True)

    def parse_dispute_sync(
        self, ctx: ConnectorContext, data: DisputeSyncData, response: HttpResponse
    ) -> DisputeResult:
        return _dispute_answer(response)

    # ----------------------------------------------------------------------- 4. parsers

    def _parse_order_action(
        self, response: HttpResponse, order_id: str, intent: str
    ) -> PaymentResult:
        body = _json(response)
        issue, detail = _issue(body)
        if response.status == 422 and issue and issue in ISSUE_DECLINES:
            return PaymentResult(
                status=PaymentStatus.FAILED,
                connector_payment_id=order_id,
                connector_status=issue,
                meta={"intent": intent},
                failure=decline(
                    kit.decline_of(ISSUE_DECLINES, issue),
                    raw_code=issue,
                    raw_message=detail.get("description") or body.get("message"),
                ),
            )
        _raise_for_error(response, body)
        return _order_result(body)

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        body = _json(response)
        _raise_for_error(response, body)
        return _order_result(body)

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        body = _json(response)
        _raise_for_error(response, body)
        return _refund_result(body, data.refund.currency, data.refund.meta.get("cap"))

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData, response: HttpResponse
    ) -> MandateResult:
        body = _json(response)
        _raise_for_error(response, body)
        return _token_result(body)

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        if response.status == 404:  # already gone: the mandate cannot be charged either way
            raw = "NOT_FOUND"
        else:
            _raise_for_error(response, _json(response))
            raw = "DELETED"
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status=raw,
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        event = _event_envelope(body)
        return WebhookIdentity(event_id=str(event["id"]) if event.get("id") else None)

    def webhook_verify(
        self, ctx: ConnectorContext, headers: dict[str, str], body: bytes
    ) -> bool | HttpRequest:
        """PayPal signs with a certificate; its own API checks the signature for us."""
        values = {name: headers.get(name, "").strip() for name in WEBHOOK_HEADERS}
        webhook_id = ctx.options.get("webhook_id", "")
        if not all(values.values()) or not webhook_id or not kit.decode_object(body):
            return False
        try:
            sent = _dt.datetime.fromisoformat(values["paypal-transmission-time"])
            tolerance = int(ctx.option("webhook_tolerance_seconds", str(DEFAULT_WEBHOOK_TOLERANCE)))
        except ValueError:
            return False
        if sent.tzinfo is None:
            sent = sent.replace(tzinfo=_dt.UTC)
        age = abs((_dt.datetime.now(_dt.UTC) - sent).total_seconds())
        if tolerance > 0 and age > tolerance:
            return False
        fields = {
            "auth_algo": values["paypal-auth-algo"],
            "cert_url": values["paypal-cert-url"],
            "transmission_id": values["paypal-transmission-id"],
            "transmission_sig": values["paypal-transmission-sig"],
            "transmission_time": values["paypal-transmission-time"],
            "webhook_id": webhook_id,
        }
        # The event goes back byte for byte: PayPal checks the signature over the raw body,
        # so re-serialising it (key order, escapes) could fail a genuine event.
        payload = json_body(fields)[:-1] + b',"webhook_event":' + body.strip() + b"}"
        path = "/v1/notifications/verify-webhook-signature"
        return self._call(ctx, "POST", path, Flow.VERIFY_WEBHOOK, payload, representation=False)

    def parse_verify_webhook(self, ctx: ConnectorContext, response: HttpResponse) -> bool:
        body = _json(response)
        if response.status in (401, 403, 429) or response.status >= 500:
            _raise_for_error(response, body)  # our token or PayPal's fault: not a verdict
        return response.status == 200 and body.get("verification_status") == "SUCCESS"

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        event = _event_envelope(body)
        raw_type = str(event.get("event_type") or "")
        resource = event.get("resource")
        if not isinstance(resource, dict):
            resource = {}
        kind = WEBHOOK_EVENTS.get(raw_type, WebhookEventType.UNKNOWN)
        out = WebhookEvent(
            event_id=str(event.get("id") or ""),
            type=kind,
            connector_event_type=raw_type,
            occurred_at=event.get("create_time"),
        )
        money = (
            resource.get("amount")
            or resource.get("dispute_amount")
            or _unit(resource).get("amount")
        )
        if isinstance(money, dict) and money.get("value") and money.get("currency_code"):
            out.currency = str(money["currency_code"])
            out.amount = _minor(money, out.currency)
        group = raw_type.rsplit(".", 1)[0]
        if group == "PAYMENT.AUTHORIZATION":
            out.connector_payment_id = _related(resource, "order_id")
            out.payment = _transaction_result(resource, AUTHORIZATION_STATUS, out)
        elif raw_type in REFUND_LIKE_EVENTS:  # the resource is the refund / reversal
            # A refund names its capture only (``up`` link), not the order: the capture id
            # is one of the payment's secondary ids, which the core links to the payment.
            out.connector_payment_id = _related(resource, "order_id") or _up_capture(resource)
            out.refund = _refund_result(resource, out.currency, _up_capture(resource))
            out.type = REFUND_EVENTS[out.refund.status]
        elif group == "PAYMENT.CAPTURE":
            out.connector_payment_id = _related(resource, "order_id")
            out.payment = _transaction_result(resource, CAPTURE_STATUS, out)
            if out.type is WebhookEventType.PAYMENT_FAILED and _related(
                resource, "authorization_id"
            ):
                out.type = WebhookEventType.CAPTURE_FAILED
        elif group == "CHECKOUT.ORDER":
            out.connector_payment_id = str(resource.get("id") or "") or None
            out.payment = _order_result(resource)
            if raw_type == "CHECKOUT.ORDER.COMPLETED":
                out.type = PAYMENT_EVENTS.get(
                    out.payment.status, WebhookEventType.PAYMENT_PROCESSING
                )
        elif raw_type == "CHECKOUT.PAYMENT-APPROVAL.REVERSED":
            out.connector_payment_id = kit.text(resource.get("order_id"))
            out.payment = PaymentResult(
                status=PaymentStatus.FAILED,
                connector_payment_id=out.connector_payment_id,
                connector_status="APPROVAL_REVERSED",
                failure=Failure(
                    code="payment_approval_reversed",
                    message="PayPal could not complete the approved payment; the payer's "
                    "funds were returned.",
                    gateway=GatewayDetail(code=raw_type),
                ),
                reference=kit.text(_unit(resource).get("custom_id")),
            )
        elif group == "CUSTOMER.DISPUTE":
            out.dispute = _dispute_result(resource, out)
            out.connector_payment_id = out.dispute.connector_payment_id
            if raw_type == "CUSTOMER.DISPUTE.RESOLVED":
                out.type = DISPUTE_EVENTS.get(out.dispute.status, WebhookEventType.DISPUTE_UPDATED)
        elif group == "VAULT.PAYMENT-TOKEN":
            out.mandate = _token_result(resource)
            if kind is WebhookEventType.MANDATE_REVOKED:
                out.mandate.status = MandateStatus.REVOKED
        return [out]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        text = scrub_common(transcript)
        for pattern, replacement in _SCRUB:
            text = pattern.sub(replacement, text)
        return text


# --------------------------------------------------------------------------- 5. status maps

ORDER_STATUS: dict[str, PaymentStatus] = {
    "CREATED": PaymentStatus.PROCESSING,
    "SAVED": PaymentStatus.PROCESSING,
    "APPROVED": PaymentStatus.PROCESSING,  # payer done; an explicit authorize/capture is due
    "VOIDED": PaymentStatus.VOIDED,
    # COMPLETED only says the intent ran: the authorization / capture tells the outcome
    # (a declined card is a COMPLETED order too). Without payments: unknown.
    "COMPLETED": PaymentStatus.PROCESSING,
    "PAYER_ACTION_REQUIRED": PaymentStatus.REQUIRES_ACTION,
}
ORDER_NEEDS_ACTION = ("CREATED", "APPROVED")
AUTHORIZATION_STATUS: dict[str, PaymentStatus] = {
    "CREATED": PaymentStatus.AUTHORIZED,
    "CAPTURED": PaymentStatus.CAPTURED,
    "DENIED": PaymentStatus.FAILED,
    "PARTIALLY_CAPTURED": PaymentStatus.PARTIALLY_CAPTURED,
    "VOIDED": PaymentStatus.VOIDED,
    "PENDING": PaymentStatus.PROCESSING,
    "EXPIRED": PaymentStatus.VOIDED,  # lapsed before capture: nothing was taken
}
CAPTURE_STATUS: dict[str, PaymentStatus] = {
    "COMPLETED": PaymentStatus.CAPTURED,
    "DECLINED": PaymentStatus.FAILED,
    "PARTIALLY_REFUNDED": PaymentStatus.CAPTURED,
    "PENDING": PaymentStatus.PROCESSING,
    "REFUNDED": PaymentStatus.CAPTURED,
    "FAILED": PaymentStatus.FAILED,
}
_CAPTURED = ("COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED")
REFUND_STATUS: dict[str, RefundStatus] = {
    "COMPLETED": RefundStatus.SUCCEEDED,
    "PENDING": RefundStatus.PENDING,
    "FAILED": RefundStatus.FAILED,
    "CANCELLED": RefundStatus.FAILED,
}
VAULT_STATUS: dict[str, MandateStatus] = {
    "VAULTED": MandateStatus.ACTIVE,
    "CREATED": MandateStatus.PENDING,
    "APPROVED": MandateStatus.PENDING,
}
DISPUTE_STATUS: dict[str, DisputeStatus] = {
    "OPEN": DisputeStatus.NEEDS_RESPONSE,
    "WAITING_FOR_SELLER_RESPONSE": DisputeStatus.NEEDS_RESPONSE,
    "WAITING_FOR_BUYER_RESPONSE": DisputeStatus.UNDER_REVIEW,
    "UNDER_REVIEW": DisputeStatus.UNDER_REVIEW,
    "OTHER": DisputeStatus.UNDER_REVIEW,
    "RESOLVED": DisputeStatus.UNDER_REVIEW,  # refined by dispute_outcome.outcome_code
}
DISPUTE_OUTCOME: dict[str, DisputeStatus] = {
    "RESOLVED_BUYER_FAVOUR": DisputeStatus.LOST,
    "RESOLVED_WITH_PAYOUT": DisputeStatus.LOST,
    "RESOLVED_SELLER_FAVOUR": DisputeStatus.WON,
    "CANCELED_BY_BUYER": DisputeStatus.WON,
    "DENIED": DisputeStatus.WON,
    "ACCEPTED": DisputeStatus.ACCEPTED,
}
WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "PAYMENT.AUTHORIZATION.CREATED": WebhookEventType.PAYMENT_AUTHORIZED,
    "PAYMENT.AUTHORIZATION.VOIDED": WebhookEventType.PAYMENT_VOIDED,
    "PAYMENT.CAPTURE.COMPLETED": WebhookEventType.PAYMENT_CAPTURED,
    "PAYMENT.CAPTURE.DENIED": WebhookEventType.PAYMENT_FAILED,
    "PAYMENT.CAPTURE.DECLINED": WebhookEventType.PAYMENT_FAILED,
    "PAYMENT.CAPTURE.PENDING": WebhookEventType.PAYMENT_PROCESSING,
    "PAYMENT.CAPTURE.REFUNDED": WebhookEventType.REFUND_SUCCEEDED,
    "PAYMENT.CAPTURE.REVERSED": WebhookEventType.REFUND_SUCCEEDED,
    "CHECKOUT.ORDER.APPROVED": WebhookEventType.PAYMENT_PROCESSING,
    "CHECKOUT.ORDER.COMPLETED": WebhookEventType.PAYMENT_PROCESSING,
    # A bank payment the payer approved that PayPal could not complete (funds returned).
    "CHECKOUT.PAYMENT-APPROVAL.REVERSED": WebhookEventType.PAYMENT_FAILED,
    "CUSTOMER.DISPUTE.CREATED": WebhookEventType.DISPUTE_OPENED,
    "CUSTOMER.DISPUTE.UPDATED": WebhookEventType.DISPUTE_UPDATED,
    "CUSTOMER.DISPUTE.RESOLVED": WebhookEventType.DISPUTE_UPDATED,
    "VAULT.PAYMENT-TOKEN.CREATED": WebhookEventType.MANDATE_ACTIVE,
    "VAULT.PAYMENT-TOKEN.DELETED": WebhookEventType.MANDATE_REVOKED,
}
REFUND_LIKE_EVENTS = ("PAYMENT.CAPTURE.REFUNDED", "PAYMENT.CAPTURE.REVERSED")
PAYMENT_EVENTS: dict[PaymentStatus, WebhookEventType] = {
    PaymentStatus.AUTHORIZED: WebhookEventType.PAYMENT_AUTHORIZED,
    PaymentStatus.CAPTURED: WebhookEventType.PAYMENT_CAPTURED,
    PaymentStatus.PARTIALLY_CAPTURED: WebhookEventType.PAYMENT_CAPTURED,
    PaymentStatus.FAILED: WebhookEventType.PAYMENT_FAILED,
    PaymentStatus.VOIDED: WebhookEventType.PAYMENT_VOIDED,
    PaymentStatus.REQUIRES_ACTION: WebhookEventType.PAYMENT_REQUIRES_ACTION,
}
REFUND_EVENTS: dict[RefundStatus, WebhookEventType] = {
    RefundStatus.SUCCEEDED: WebhookEventType.REFUND_SUCCEEDED,
    RefundStatus.PENDING: WebhookEventType.REFUND_PENDING,
    RefundStatus.FAILED: WebhookEventType.REFUND_FAILED,
}
DISPUTE_EVENTS: dict[DisputeStatus, WebhookEventType] = {
    DisputeStatus.WON: WebhookEventType.DISPUTE_WON,
    DisputeStatus.LOST: WebhookEventType.DISPUTE_LOST,
    DisputeStatus.ACCEPTED: WebhookEventType.DISPUTE_LOST,
}

# --------------------------------------------------------------------------- 6. error maps

_D = DeclineCode
# processor_response.response_code -> unified decline (every code of the Orders v2 enum).
_DECLINES = (
    (_D.INCORRECT_CVC, "00N7 1382 5110 PCVV PPC2"),
    (_D.GENERIC_DECLINE,
     "0100 0890 1000 5130 5170 5190 5500 5900 7900 9530 PPAD PPAR PPAV "
     "PPDV PPSD"),
    (_D.INCORRECT_NUMBER, "0390 1330 1335 6300 7800 PPFI"),
    (_D.DO_NOT_HONOR, "0500"),
    (_D.TRANSACTION_NOT_ALLOWED,
     "0580 1312 1370 1393 5160 5210 5700 8030 PPRN PPAE PPAG "
     "PPAU PPBG PPCO PPCT PPDI PPNC PPPI PPPM PPQC PPRE PPSE "
     "PPTT PPUA PPUE PPUI PPUP PPUR PPVT"),
    (_D.PROCESSING_ERROR,
     "0800 0880 0960 5800 8000 8010 8100 9600 PPCR PPER PPGR PPH1 "
     "PPIF PPIM PPIT PPLR PPLS PPMB PPMD PPPH PPRF PPS0 PPS1 PPS2 "
     "PPS5 PPTF PPTI"),
    (_D.REVOCATION_OF_AUTHORIZATION, "0R00"),
    (_D.DO_NOT_TRY_AGAIN, "10BR 5100 5200 5910 5950 9540"),
    (_D.INVALID_PAYMENT_DATA,
     "1300 1317 1340 1350 1360 1384 1390 7600 8020 PPCE PPFE PPFV "
     "PPII PPNM PPRR PPS3 PPTE PPTR PPTV PPVE"),
    (_D.INVALID_AMOUNT, "1310 PPAI PPS6"),
    (_D.CURRENCY_NOT_SUPPORTED, "1320 PPCU PPDC PPS4 PPUC PPVC"),
    (_D.RESTRICTED_CARD, "1352 5140 5180 5930 PP06 PPFR"),
    (_D.INVALID_EXPIRY, "1380 PPEX"),
    (_D.INSUFFICIENT_FUNDS, "5120"),
    (_D.LIMIT_EXCEEDED, "5135 5710 PPAX PPDT PPEL PPNL"),
    (_D.PICKUP_CARD, "5150"),
    (_D.EXPIRED_CARD, "5400 PPEF"),
    (_D.AUTHENTICATION_REQUIRED, "5650 PCNR"),
    (_D.ISSUER_UNAVAILABLE, "5920"),
    (_D.AUTHENTICATION_FAILED, "7700 7710 PPD3"),
    (_D.TRY_AGAIN_LATER, "8110 8220 9100 PPNT"),
    (_D.FRAUD_SUSPECTED, "9500 9510 PPSC"),
    (_D.LOST_CARD, "9520"),
    (_D.BLOCKED, "PPAB PPMC"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)
# payment_advice_code (the Mastercard advice code) overrides the unified code's category.
ADVICE_CATEGORY = MASTERCARD_ADVICE

# details[].issue of a 422 that is a decline of the payment itself.
ISSUE_DECLINES: kit.DeclineTable = kit.decline_table(
    [
        (
            _D.GENERIC_DECLINE,
            "INSTRUMENT_DECLINED PAYER_CANNOT_PAY "
            "PAYMENT_SOURCE_DECLINED_BY_PROCESSOR "
            "PAYMENT_SOURCE_INFO_CANNOT_BE_VERIFIED",
        ),
        (_D.TRANSACTION_NOT_ALLOWED, "TRANSACTION_REFUSED PAYMENT_SOURCE_CANNOT_BE_USED"),
        (_D.LIMIT_EXCEEDED, "TRANSACTION_LIMIT_EXCEEDED MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED"),
        (_D.BLOCKED, "COMPLIANCE_VIOLATION TRANSACTION_BLOCKED_BY_PAYEE PAYEE_BLOCKED_TRANSACTION"),
    ]
)
_C, _I, _N = ErrorType.CONFLICT, ErrorType.INVALID_REQUEST, ErrorType.NOT_FOUND
_R = kit.ErrorRule
ERROR_MAP: kit.ErrorTable = {
    "DUPLICATE_INVOICE_ID": _R(_C, "duplicate_reference"),
    "PREVIOUS_REQUEST_IN_PROGRESS": _R(_C, "request_in_progress"),
    "AUTHORIZATION_VOIDED": _R(_C, "payment_not_capturable"),
    "AUTHORIZATION_DENIED": _R(_C, "payment_not_capturable"),
    "AUTHORIZATION_EXPIRED": _R(_C, "authorization_expired"),
    "AUTHORIZATION_ALREADY_CAPTURED": _R(_C, "payment_already_captured"),
    "MAX_CAPTURE_COUNT_EXCEEDED": _R(_C, "payment_not_capturable"),
    "MAX_CAPTURE_AMOUNT_EXCEEDED": _R(_I, "amount_too_large"),
    "PREVIOUSLY_CAPTURED": _R(_C, "payment_not_voidable"),
    "PREVIOUSLY_VOIDED": _R(_C, "payment_already_voided"),
    "CANNOT_BE_VOIDED": _R(_C, "payment_not_voidable"),
    "CAPTURE_FULLY_REFUNDED": _R(_C, "payment_not_refundable"),
    "REFUND_AMOUNT_EXCEEDED": _R(_I, "amount_too_large"),
    "REFUND_NOT_ALLOWED": _R(_C, "payment_not_refundable"),
    "REFUND_TIME_LIMIT_EXCEEDED": _R(_C, "payment_not_refundable"),
    "PARTIAL_REFUND_NOT_ALLOWED": _R(_C, "payment_not_refundable"),
    "MAX_NUMBER_OF_REFUNDS_EXCEEDED": _R(_C, "payment_not_refundable"),
    "PENDING_CAPTURE": _R(_C, "payment_not_refundable"),
    "TRANSACTION_DISPUTED": _R(_C, "payment_not_refundable"),
    "REFUND_NOT_PERMITTED_DUE_TO_CHARGEBACK": _R(_C, "payment_not_refundable"),
    "REFUND_IS_RESTRICTED": _R(_C, "payment_not_refundable"),
    "REFUND_FAILED_INSUFFICIENT_FUNDS": _R(_C, "insufficient_balance"),
    "ORDER_NOT_APPROVED": _R(_C, "payment_requires_action"),
    "ORDER_ALREADY_AUTHORIZED": _R(_C, "payment_already_authorized"),
    "ORDER_ALREADY_CAPTURED": _R(_C, "payment_already_captured"),
    "CARD_EXPIRED": _R(_I, "card_expired"),
    "INVALID_EXPIRY_DATE": _R(_I, "invalid_expiry"),
    "INVALID_SECURITY_CODE_LENGTH": _R(_I, "invalid_cvc"),
    "DECIMAL_PRECISION": _R(_I, "invalid_amount"),
    "DECIMALS_NOT_SUPPORTED": _R(_I, "invalid_amount"),
    "CANNOT_BE_ZERO_OR_NEGATIVE": _R(_I, "invalid_amount"),
    "INVALID_CURRENCY_CODE": _R(_I, "currency_not_supported"),
    "CURRENCY_MISMATCH": _R(_I, "currency_mismatch"),
    "INVALID_RESOURCE_ID": _R(_N, "resource_not_found"),
    "PAYPAL_REQUEST_ID_REQUIRED": _R(_I, "idempotency_key_required"),
    **{issue: _R(_I, "payment_declined") for issue in ISSUE_DECLINES},
}
# JSON pointers PayPal names in details[].field -> our request fields.
FIELD_MAP: dict[str, str] = {
    "/payment_source/card/number": "payment_method.number",
    "/payment_source/card/expiry": "payment_method.exp_month",
    "/payment_source/card/security_code": "payment_method.cvc",
    "/payment_source/card/name": "payment_method.holder_name",
    "/payment_source/card/vault_id": "payment_method.mandate_id",
    "/payment_source/card/network_token/number": "payment_method.number",
    "/payment_source/card/network_token/cryptogram": "payment_method.cryptogram",
    "/payment_source/apple_pay/decrypted_token/payment_data/cryptogram": (
        "payment_method.cryptogram"
    ),
    "/payment_source/blik/level_0/auth_code": "payment_method.code",
    "/payment_source/ideal/bic": "payment_method.bank",
    "/name": "customer.name",  # of any bank payment source
    "/email": "customer.email",
    "/country_code": "billing.country",
    "/amount/value": "amount",
    "/amount/currency_code": "currency",
}


def _raise_for_error(response: HttpResponse, body: dict[str, Any]) -> None:
    if response.status >= 400:
        raise _error(response, body)


def _error(response: HttpResponse, body: dict[str, Any]) -> ServiceError:
    """The one error a PayPal error body (``name`` + ``details[].issue``/``field``, or
    OAuth's ``error``) means."""
    issue, detail = _issue(body)
    raw_code = issue or body.get("name") or body.get("error")
    message = detail.get("description") or body.get("message") or body.get("error_description")
    if response.status == 401:  # the core refreshes the token and retries once on this code
        return gateway_error(response, code=raw_code, message=message)
    if response.status == 403:
        return ServiceError(
            ErrorType.CONNECTOR,
            "gateway_permission_denied",
            message or "Gateway error",
            gateway=GatewayDetail(code=raw_code, message=message, http_status=403),
        )
    pointer = str(detail.get("field") or "")
    field = next((v for k, v in FIELD_MAP.items() if pointer.endswith(k)), pointer)
    return kit.error_from(
        response, ERROR_MAP, codes=[issue], raw_code=raw_code, message=message, field=field
    )


def _issue(body: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    details = body.get("details")
    if isinstance(details, list) and details and isinstance(details[0], dict):
        return str(details[0].get("issue") or "") or None, details[0]
    return None, {}


def _processor_failure(item: dict[str, Any], raw_status: str) -> Failure:
    processor = item.get("processor_response") or {}
    if not isinstance(processor, dict):
        processor = {}
    code = processor.get("response_code")
    advice = processor.get("payment_advice_code")
    unified = kit.decline_of(DECLINE_MAP, str(code))
    parts = [
        f"{k}={processor[k]}" for k in ("response_code", "avs_code", "cvv_code") if processor.get(k)
    ]
    reason = (item.get("status_details") or {}).get("reason")
    return decline(
        unified,
        raw_code=str(code) if code else raw_status,
        raw_message=" ".join(parts) or (f"{raw_status} {reason}" if reason else raw_status),
        advice_code=str(advice) if advice else None,
        advice_vocabulary=MASTERCARD_ADVICE,
    )


def _authentication_failure(order: dict[str, Any]) -> Failure | None:
    """3-D Secure that the issuer failed or rejected (PayPal: do not authorize then)."""
    card = (order.get("payment_source") or {}).get("card") or {}
    result = card.get("authentication_result") or {}
    status = (result.get("three_d_secure") or {}).get("authentication_status")
    if status in ("N", "R"):
        return decline(
            DeclineCode.AUTHENTICATION_FAILED,
            raw_code=f"3DS_{status}",
            raw_message=f"liability_shift={result.get('liability_shift')}",
        )
    return None


# --------------------------------------------------------------------------- helpers


def _json(response: HttpResponse) -> dict[str, Any]:
    return kit.obj(response.json())


def _event_envelope(body: bytes) -> dict[str, Any]:
    """A PayPal event (an id, an event_type, a resource object) whose amounts, when
    present, are real ones; anything else is not read at all."""
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise checks.not_an_event("PayPal", "not JSON") from None
    event = checks.envelope(value, "PayPal", id_key="id", type_key="event_type")
    if not isinstance(event.get("resource"), dict):
        raise checks.not_an_event("PayPal", "`resource` must be an object")
    for key in ("amount", "dispute_amount"):
        money = checks.child(event["resource"], key)
        checks.major_amount(money, "value", f"resource.{key}.value", currency_key="currency_code")
        checks.currency(money, "currency_code", f"resource.{key}.currency_code")
    return event


def _request_id(ctx: ConnectorContext, seed: str) -> str:
    """The caller's key, else a fresh one: PayPal requires
    a PayPal-Request-Id, and without the caller's key a new request is a new attempt
    (reusing one derived from the reference would replay an earlier order)."""
    if ctx.idempotency_key is None:
        return f"cs-{uuid.uuid4()}"
    value = ctx.idempotency_key
    if len(value) > REQUEST_ID_MAX - 12 or not (value.isascii() and value.isprintable()):
        value = f"cs-{uuid.uuid5(_NS, value)}"
    return value


def _reference(reference: str) -> str:
    """PayPal keeps 127 characters of invoice_id / custom_id: refuse rather than cut (a cut
    reference could collide with another payment's)."""
    if len(reference) > 127:
        raise invalid(
            "reference_too_long", "PayPal accepts references of up to 127 characters", "reference"
        )
    return reference


def _order_id(payment: PaymentRef) -> str:
    if not payment.connector_payment_id:
        # PayPal has no lookup of orders by the merchant's reference. The way back is the
        # create itself: repeated with the same Idempotency-Key, it carries the same
        # PayPal-Request-Id and PayPal answers the order it already made.
        raise ServiceError(
            ErrorType.NOT_SUPPORTED,
            "not_supported",
            "PayPal cannot look an order up by reference: repeat the create with the same "
            "Idempotency-Key and body (PayPal replays it by PayPal-Request-Id), or wait for "
            "PayPal's webhook",
            field="id",
        )
    return payment.connector_payment_id


def _intent(payment: PaymentRef) -> str:
    return payment.meta.get("intent") or (
        "CAPTURE" if payment.capture_method == CaptureMethod.AUTOMATIC.value else "AUTHORIZE"
    )


def _token_path_id(token: str) -> str:
    if not _TOKEN_PATH_ID.match(token):
        raise invalid(
            "invalid_token", "not a PayPal vault payment token id", "payment_method.token"
        )
    return token


def _customer_id(value: str | None) -> str | None:
    return value if value and _CUSTOMER_ID.match(value) else None


def _money(minor: int, currency: str) -> dict[str, str]:
    """Minor units -> PayPal's amount, with PayPal's decimals (none for HUF, JPY, TWD)."""
    return {"currency_code": currency, "value": PAYPAL_EXPONENTS.to_major(minor, currency)}


def _minor(money: Any, currency: str | None = None) -> int | None:
    if not isinstance(money, dict) or money.get("value") is None:
        return None
    try:
        code = str(currency or money.get("currency_code"))
        return PAYPAL_EXPONENTS.from_major(str(money["value"]), code)
    except (ValueError, ArithmeticError):
        return None


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None or not address.country:
        return None  # PayPal requires a country code in every address
    return drop_none(
        {
            "address_line_1": address.line1,
            "address_line_2": address.line2,
            "admin_area_2": address.city,
            "admin_area_1": address.state,
            "postal_code": address.postal_code,
            "country_code": address.country,
        }
    )


def _card(card: Card, billing: Address | None) -> dict[str, Any]:
    name = card.holder_name
    if not name and billing and (billing.first_name or billing.last_name):
        name = " ".join(p for p in (billing.first_name, billing.last_name) if p)
    return drop_none(
        {
            "number": card.number.reveal(),
            "expiry": f"{card.exp_year:04d}-{card.exp_month:02d}",
            "security_code": card.cvc.reveal() if card.cvc else None,
            "name": name[:300] if name else None,
            "billing_address": _address(billing),
        }
    )


def _experience(data: AuthorizeData, method: str) -> dict[str, str]:
    url = pm_kit.require_return_url(data.return_url, "PayPal", method)
    return {"return_url": url, "cancel_url": url}


def _bank_source(pm: object, data: AuthorizeData) -> dict[str, Any]:
    """``ideal`` / ``bancontact`` / ``eps`` / ``p24`` / ``blik``: the payer's name and
    country (both required by the spec), a redirect's return URLs or BLIK's code."""
    kind = type_of(pm)
    label = method_name(kind)
    name = pm_kit.require_field(
        pm_kit.holder_name(data.billing, data.customer), "customer.name", "PayPal", label, "a name"
    )
    if len(name) < 3:  # full_name: minLength 3
        raise pm_kit.bad_field("customer.name", f"PayPal needs the {label} payer's full name")
    country = pm_kit.require_field(
        data.billing.country if data.billing else None,
        "billing.country", "PayPal", label, "the billing country",
    )  # fmt: skip
    email = data.customer.email if data.customer else None
    if kind in _NEEDS_EMAIL:
        pm_kit.require_field(email, "customer.email", "PayPal", label, "an email")
    source: dict[str, Any] = {"name": name[:300], "country_code": country}
    if isinstance(pm, Ideal) and pm.bank:
        if not _BIC.match(pm.bank):
            raise pm_kit.bad_field(
                "payment_method.bank", "PayPal preselects an iDEAL bank by its BIC (INGBNL2A)"
            )
        source["bic"] = pm.bank.upper()
    if isinstance(pm, Blik):
        source["email"] = email
        source["level_0"] = {"auth_code": pm.code.reveal()}
        browser = data.browser
        source["experience_context"] = drop_none(
            {
                "consumer_ip": browser.ip_address if browser else None,
                "consumer_user_agent": browser.user_agent[:256]
                if browser and browser.user_agent
                else None,
            }
        )
    else:
        if kind in _NEEDS_EMAIL:
            source["email"] = email
        source["experience_context"] = _experience(data, label)
    return drop_none(source)


def _wallet_source(data: AuthorizeData) -> dict[str, Any]:
    """The PayPal wallet: the payer logs in and approves on PayPal's page."""
    context = _experience(data, "PayPal") | {"user_action": "PAY_NOW"}
    email = data.customer.email if data.customer else None
    return drop_none({"email_address": email, "experience_context": context})


def _eci_flag(token: NetworkToken) -> str | None:
    outcome = pm_kit.eci_outcome(token.eci)
    if outcome is None:
        return None
    mastercard = token.brand.value == "mastercard"
    name = {
        pm_kit.EciOutcome.AUTHENTICATED: "FULLY_AUTHENTICATED_TRANSACTION",
        pm_kit.EciOutcome.ATTEMPTED: "ATTEMPTED_AUTHENTICATION_TRANSACTION",
        pm_kit.EciOutcome.NONE: "NON_3D_SECURE_TRANSACTION",
    }[outcome]
    return f"MASTERCARD_{name}" if mastercard else name


def _network_token_source(token: NetworkToken, billing: Address | None) -> dict[str, Any]:
    """A decrypted Apple Pay token goes as ``apple_pay.decrypted_token``; any other
    network token (a decrypted Google Pay token, one the merchant provisioned) as
    ``card.network_token`` (DPAN, expiry, cryptogram, ECI)."""
    expiry = f"{token.exp_year:04d}-{token.exp_month:02d}"
    cryptogram = token.cryptogram.reveal()
    if token.source == "apple_pay":
        payment_data = drop_none({"cryptogram": cryptogram, "eci_indicator": token.eci})
        card = drop_none(
            {
                "number": token.number.reveal(),
                "expiry": expiry,
                "name": token.holder_name,
                "billing_address": _address(billing),
            }
        )
        return {
            "apple_pay": {
                "decrypted_token": {
                    "tokenized_card": card,
                    "payment_data_type": "3DSECURE",
                    "payment_data": payment_data,
                }
            }
        }
    if not 28 <= len(cryptogram) <= 32:  # network_token_request.cryptogram
        raise pm_kit.bad_field(
            "payment_method.cryptogram",
            "PayPal takes a network token cryptogram of 28 to 32 characters",
        )
    network = drop_none(
        {
            "number": token.number.reveal(),
            "expiry": expiry,
            "cryptogram": cryptogram,
            "eci_flag": _eci_flag(token),
        }
    )
    card = drop_none(
        {"name": token.holder_name, "billing_address": _address(billing), "network_token": network}
    )
    return {"card": card}


def _source_kind(order: dict[str, Any]) -> str | None:
    """The ``payment_source`` key of an order (``card``, ``paypal``, ``ideal`` ...)."""
    source = order.get("payment_source")
    return next(iter(source), None) if isinstance(source, dict) and source else None


def _payments(order: dict[str, Any]) -> dict[str, Any]:
    units = order.get("purchase_units") or [{}]
    payments = units[0].get("payments") if isinstance(units[0], dict) else None
    return payments if isinstance(payments, dict) else {}


def _unit(order: dict[str, Any]) -> dict[str, Any]:
    """The order's (first and only) purchase unit; ``{}`` for anything else."""
    units = order.get("purchase_units")
    unit = units[0] if isinstance(units, list) and units else None
    return unit if isinstance(unit, dict) else {}


def _unit_amount(order: dict[str, Any]) -> int | None:
    units = order.get("purchase_units") or [{}]
    return _minor(units[0].get("amount")) if isinstance(units[0], dict) else None


def _related(resource: dict[str, Any], key: str) -> str | None:
    related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
    value = related.get(key)
    return str(value) if value else None


def _up_capture(resource: dict[str, Any]) -> str | None:
    for link in resource.get("links") or []:
        href = str(link.get("href") or "")
        if link.get("rel") == "up" and "/captures/" in href:
            return href.rstrip("/").rsplit("/", 1)[-1]
    return _related(resource, "capture_id")


def _link(body: dict[str, Any], rel: str) -> str | None:
    for link in body.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == rel and link.get("href"):
            return str(link["href"])
    return None


def _card_summary(source: dict[str, Any]) -> CardSummary | None:
    card = source.get("card") or (source.get("apple_pay") or {}).get("card")
    if not isinstance(card, dict):
        return None
    expiry = str(card.get("expiry") or (card.get("from_request") or {}).get("expiry") or "")
    year, _, month = expiry.partition("-")
    brand = str(card.get("brand") or "").lower() or None
    return CardSummary(
        brand=BRANDS.get(brand or "", brand),
        last4=card.get("last_digits") or (card.get("from_request") or {}).get("last_digits"),
        exp_month=int(month) if month.isdigit() else None,
        exp_year=int(year) if year.isdigit() else None,
    )


BRANDS = {"american_express": "amex", "china_union_pay": "unionpay", "diners_club": "diners"}


def _vault_mandate(source: dict[str, Any], ntid: str | None) -> MandateResult | None:
    vault = ((source.get("card") or {}).get("attributes") or {}).get("vault")
    if not isinstance(vault, dict) or not vault.get("id"):
        return None
    raw = vault.get("status")
    status = (
        kit.status_of(VAULT_STATUS, raw, MandateStatus.PENDING) if raw else MandateStatus.ACTIVE
    )
    return MandateResult(
        status=status,
        connector_mandate_id=str(vault["id"]),
        connector_customer_id=(vault.get("customer") or {}).get("id"),
        network_transaction_id=ntid,
        connector_status=str(raw) if raw else None,
    )


def _order_result(order: dict[str, Any]) -> PaymentResult:
    """One PayPal order -> the unified payment (status from the order and its payments)."""
    order_id = str(order.get("id") or "")
    raw_status = str(order.get("status") or "")
    intent = str(order.get("intent") or "")
    payments = _payments(order)
    auths = payments.get("authorizations") or []
    caps = payments.get("captures") or []
    auth = auths[0] if auths else None
    cap = caps[-1] if caps else None
    meta = {"intent": intent} if intent else {}
    if auth:
        meta["auth"] = str(auth.get("id"))
    if cap:
        meta["cap"] = str(cap.get("id"))
    captured = sum(_minor(c.get("amount")) or 0 for c in caps if c.get("status") in _CAPTURED)
    status = kit.status_of(ORDER_STATUS, raw_status, PaymentStatus.PROCESSING)
    decisive: dict[str, Any] | None = None
    if auth or cap:
        if auth and (intent != "CAPTURE" or not cap):
            decisive, raw_status = auth, str(auth.get("status") or "")
            status = kit.status_of(AUTHORIZATION_STATUS, raw_status, PaymentStatus.PROCESSING)
            if captured and status in (PaymentStatus.AUTHORIZED, PaymentStatus.VOIDED):
                # captured in part, the rest released (VOIDED) or still held (CREATED)
                status = (
                    PaymentStatus.CAPTURED
                    if status is PaymentStatus.VOIDED
                    else PaymentStatus.PARTIALLY_CAPTURED
                )
        elif cap:
            decisive, raw_status = cap, str(cap.get("status") or "")
            status = kit.status_of(CAPTURE_STATUS, raw_status, PaymentStatus.PROCESSING)
    failure = None
    if status is PaymentStatus.FAILED and decisive is not None:
        failure = _processor_failure(decisive, raw_status)
    elif decisive is None and (failure := _authentication_failure(order)) is not None:
        # The order stays APPROVED after a failed 3-D Secure and nothing is ever
        # authorized on it: its own authentication result says it failed, on every read.
        status = PaymentStatus.FAILED
    pending_reason = None
    if decisive is not None and status is PaymentStatus.PROCESSING:
        pending_reason = (decisive.get("status_details") or {}).get("reason")
    elif decisive is None and raw_status in ORDER_NEEDS_ACTION:
        pending_reason = "awaiting_authorization"
    next_action: NextAction | None = None
    if status is PaymentStatus.REQUIRES_ACTION:
        url = _link(order, "payer-action")
        if url:
            next_action = RedirectAction(url=url)
        elif _source_kind(order) == "blik":  # level 0: confirmed in the banking app
            next_action = AwaitCustomer(
                url="", message="approve the BLIK payment in the banking app"
            )
    ntid = None
    if decisive is not None:
        ntid = (decisive.get("network_transaction_reference") or {}).get("id")
    source = order.get("payment_source") or {}
    mandate = None if status is PaymentStatus.FAILED else _vault_mandate(source, ntid)
    return PaymentResult(
        status=status,
        connector_payment_id=order_id,
        amount=_unit_amount(order),
        amount_captured=captured or None,
        connector_status=raw_status or None,
        next_action=next_action,
        failure=failure,
        mandate=mandate,
        network_transaction_id=ntid,
        pending_reason=pending_reason,
        card=_card_summary(source),
        reference=kit.text(_unit(order).get("custom_id"))
        or kit.text(_unit(order).get("reference_id")),
        secondary_ids=[
            str(t["id"]) for t in [*auths, *caps] if isinstance(t, dict) and t.get("id")
        ],
        meta=meta,
    )


def _capture_result(data: CaptureData, body: dict[str, Any], auth_id: str) -> PaymentResult:
    raw = str(body.get("status") or "")
    status = kit.status_of(CAPTURE_STATUS, raw, PaymentStatus.PROCESSING)
    amount = _minor(body.get("amount"), data.payment.currency)
    if status is PaymentStatus.CAPTURED and data.amount < data.payment.amount:
        status = PaymentStatus.PARTIALLY_CAPTURED
    return PaymentResult(
        status=status,
        connector_payment_id=data.payment.connector_payment_id,
        amount=data.payment.amount,
        amount_captured=amount if raw in _CAPTURED else None,
        connector_status=raw or None,
        failure=_processor_failure(body, raw) if status is PaymentStatus.FAILED else None,
        pending_reason=(body.get("status_details") or {}).get("reason")
        if status is PaymentStatus.PROCESSING
        else None,
        network_transaction_id=(body.get("network_transaction_reference") or {}).get("id"),
        secondary_ids=[i for i in (auth_id, str(body.get("id") or "")) if i],
        meta={"intent": "AUTHORIZE", "auth": auth_id, "cap": str(body.get("id") or "")}
        | ({"captures": "several"} if data.captured_before else {}),
    )


def _refund_result(
    body: dict[str, Any], currency: str | None, capture_id: str | None
) -> RefundResult:
    raw = str(body.get("status") or "")
    status = kit.status_of(REFUND_STATUS, raw, RefundStatus.PENDING)
    reason = (body.get("status_details") or {}).get("reason")
    failure = None
    if status is RefundStatus.FAILED:
        failure = Failure(
            code="refund_failed",
            message=f"PayPal refund {raw.lower()}" + (f": {reason}" if reason else ""),
            gateway=GatewayDetail(code=raw, message=reason),
        )
    return RefundResult(
        status=status,
        connector_refund_id=str(body.get("id") or "") or None,
        amount=_minor(body.get("amount"), currency),
        connector_status=raw or None,
        failure=failure,
        pending_reason=reason if status is RefundStatus.PENDING else None,
        meta={"cap": capture_id} if capture_id else {},
    )


def _refundable_capture(order: dict[str, Any], amount: int, currency: str) -> str:
    """The capture a refund of ``amount`` should go to: the first with enough left."""
    payments = _payments(order)
    refunded: dict[str, int] = {}
    for refund in payments.get("refunds") or []:
        if refund.get("status") in ("COMPLETED", "PENDING"):
            cap_id = _up_capture(refund) or ""
            refunded[cap_id] = refunded.get(cap_id, 0) + (_minor(refund.get("amount")) or 0)
    candidates = [
        c
        for c in payments.get("captures") or []
        if c.get("status") in ("COMPLETED", "PARTIALLY_REFUNDED")
    ]
    for cap in candidates:
        left = (_minor(cap.get("amount"), currency) or 0) - refunded.get(str(cap.get("id")), 0)
        if left >= amount:
            return str(cap["id"])
    if candidates:
        return str(candidates[0]["id"])  # PayPal names the exact problem if it is too much
    raise ServiceError(
        ErrorType.CONFLICT, "payment_not_refundable", "the PayPal order has no completed capture"
    )


def _token_result(body: dict[str, Any]) -> MandateResult:
    source = body.get("payment_source") or {}
    card = source.get("card") or {}
    verification = card.get("verification") or {}
    processor = verification.get("processor_response") or {}
    code = processor.get("response_code")
    failure = None
    if code and code not in ("0000", "1000") and code in DECLINE_MAP:
        failure = _processor_failure(verification, str(card.get("verification_status") or ""))
    return MandateResult(
        status=MandateStatus.FAILED if failure else MandateStatus.ACTIVE,
        connector_mandate_id=str(body.get("id") or "") or None,
        connector_customer_id=(body.get("customer") or {}).get("id"),
        network_transaction_id=verification.get("network_transaction_id"),
        connector_status=card.get("verification_status") or ("FAILED" if failure else "VAULTED"),
        failure=failure,
        card=_card_summary(source),
    )


def _transaction_result(
    resource: dict[str, Any], table: dict[str, PaymentStatus], event: WebhookEvent
) -> PaymentResult:
    raw = str(resource.get("status") or "")
    status = kit.status_of(table, raw, PaymentStatus.PROCESSING)
    is_capture = table is CAPTURE_STATUS
    key = "cap" if is_capture else "auth"
    meta = {key: str(resource.get("id") or "")}
    if is_capture and _related(resource, "authorization_id"):
        meta["auth"] = str(_related(resource, "authorization_id"))
    return PaymentResult(
        status=status,
        connector_payment_id=event.connector_payment_id,
        amount=event.amount if not is_capture else None,
        amount_captured=event.amount if is_capture and raw in _CAPTURED else None,
        connector_status=raw or None,
        failure=_processor_failure(resource, raw) if status is PaymentStatus.FAILED else None,
        network_transaction_id=(resource.get("network_transaction_reference") or {}).get("id"),
        # custom_id carries our reference from the order (a capture's invoice_id is the
        # capture's own reference).
        reference=kit.text(resource.get("custom_id")),
        secondary_ids=[v for v in meta.values() if v],
        meta=meta,
    )


DISPUTE_REASON: dict[str, DisputeReason] = {
    "MERCHANDISE_OR_SERVICE_NOT_RECEIVED": DisputeReason.PRODUCT_NOT_RECEIVED,
    "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED": DisputeReason.PRODUCT_UNACCEPTABLE,
    "UNAUTHORISED": DisputeReason.FRAUDULENT,
    "CREDIT_NOT_PROCESSED": DisputeReason.CREDIT_NOT_PROCESSED,
    "DUPLICATE_TRANSACTION": DisputeReason.DUPLICATE,
    "INCORRECT_AMOUNT": DisputeReason.PROCESSING_ERROR,
    "PAYMENT_BY_OTHER_MEANS": DisputeReason.DUPLICATE,
    "CANCELED_RECURRING_BILLING": DisputeReason.SUBSCRIPTION_CANCELED,
    "PROBLEM_WITH_REMITTANCE": DisputeReason.PROCESSING_ERROR,
    "OTHER": DisputeReason.OTHER,
}
Parts = list[tuple[str, str | None, str, bytes]]  # multipart: name, file name, type, bytes
# Unified evidence -> PayPal's evidence_type.
EVIDENCE_TYPE: dict[EvidenceType, str] = {
    EvidenceType.PRODUCT_DESCRIPTION: "ITEM_DESCRIPTION",
    EvidenceType.CUSTOMER_COMMUNICATION: "MERCHANT_RESPONSE",
    EvidenceType.RECEIPT: "PROOF_OF_RECEIPT_COPY",
    EvidenceType.SHIPPING_DOCUMENTATION: "PROOF_OF_FULFILLMENT",
    EvidenceType.REFUND_POLICY: "RETURN_POLICY",
    EvidenceType.CANCELLATION_POLICY: "RETURN_POLICY",
    EvidenceType.SERVICE_DOCUMENTATION: "PROOF_FOR_SOFTWARE_OR_SERVICE_DELIVERED",
    EvidenceType.CUSTOMER_SIGNATURE: "PROOF_OF_DELIVERY_SIGNATURE",
    EvidenceType.UNCATEGORIZED: "OTHER",
}


def _dispute_answer(response: HttpResponse) -> DisputeResult:
    body = kit.obj(response.json())
    _raise_for_error(response, body)
    return _dispute_object(body)


def _dispute_object(resource: dict[str, Any]) -> DisputeResult:
    """A dispute as GET /v1/customer/disputes/{id} (or a list item) has it."""
    money = resource.get("dispute_amount")
    currency = kit.text(money.get("currency_code")) if isinstance(money, dict) else None
    event = WebhookEvent(
        event_id="", type=WebhookEventType.UNKNOWN, connector_event_type="",
        amount=_minor(money), currency=currency,
    )  # fmt: skip
    return _dispute_result(resource, event)


def _dispute_result(resource: dict[str, Any], event: WebhookEvent) -> DisputeResult:
    raw = str(resource.get("status") or "")
    status = kit.status_of(DISPUTE_STATUS, raw, DisputeStatus.UNDER_REVIEW)
    outcome = str((resource.get("dispute_outcome") or {}).get("outcome_code") or "")
    if raw == "RESOLVED" and outcome in DISPUTE_OUTCOME:
        status = DISPUTE_OUTCOME[outcome]
    # A dispute names the disputed capture (seller_transaction_id), never the order: the
    # core finds the payment by that capture id (a secondary id of the payment).
    transactions = [t for t in resource.get("disputed_transactions") or [] if isinstance(t, dict)]
    capture_id = str(transactions[0].get("seller_transaction_id") or "") if transactions else ""
    return DisputeResult(
        status=status,
        connector_dispute_id=str(resource.get("dispute_id") or ""),
        connector_payment_id=capture_id or None,
        amount=event.amount,
        currency=event.currency,
        reason=resource.get("reason"),
        unified_reason=kit.status_of(DISPUTE_REASON, resource.get("reason"), DisputeReason.OTHER)
        if resource.get("reason")
        else None,
        connector_status=f"{raw}:{outcome}" if outcome else raw or None,
        evidence_due_by=resource.get("seller_response_due_date"),
        created=kit.text(resource.get("create_time")),
    )


# --------------------------------------------------------------------------- 8. scrub patterns

_SCRUB: tuple[tuple[re.Pattern[str], str], ...] = (
    # scrub_common masks Authorization headers and Bearer/Basic values; PayPal adds these.
    (re.compile(r'("(?:access_token|client_secret|refresh_token|id_token|nonce)"\s*:\s*")'
                r'[^"]*(")'), r"\1[REDACTED]\2"),
    (re.compile(r"((?:^|[&?\s])(?:client_secret|access_token)=)[^&\s]*"), r"\1[REDACTED]"),
    (re.compile(r'("number"\s*:\s*")\d{12,19}(")'), r"\1[CARD]\2"),
    (re.compile(r'("expiry"\s*:\s*")\d{4}-\d{2}(")'), r"\1[EXPIRY]\2"),
    # BLIK's one-time code (level_0.auth_code): not a key scrub_common knows.
    (re.compile(r'("auth_code"\s*:\s*")[^"]*(")'), r"\1[REDACTED]\2"),
    # verify-webhook-signature: the signature and the values it binds (cert_url is the
    # sender's to choose, webhook_id is the account's) ...
    (re.compile(r'("(?:transmission_sig|transmission_id|cert_url|webhook_id)"\s*:\s*")'
                r'[^"]*(")'), r"\1[REDACTED]\2"),
    # ... and the whole event sent back, tampered or not: it is the last member of the
    # request body, which ends where the response (or the error) begins.
    (re.compile(r'("webhook_event"\s*:\s*).*?(?=\n< \d{3} |\n! |\Z)', re.S),
     r'\1"[REDACTED]"}'),
)  # fmt: skip


# --------------------------------------------------------------------------- issue 19: options,
# splits (payee + platform_fees) and order data (items + amount.breakdown)

FEE_KEY = "pf"  # fact-record key: "<amount>:<platform fee>" of a split payment


def _given(options: msgspec.Struct, *names: str) -> dict[str, Any]:
    return {n: getattr(options, n) for n in names if getattr(options, n) is not None}


def _unit_extras(data: AuthorizeData) -> dict[str, Any]:
    """What options, splits and order data add to the purchase unit."""
    unit: dict[str, Any] = {}
    options = kit.options_of(data, PayPalPaymentOptions)
    if options is not None:
        unit |= _given(options, "soft_descriptor", "invoice_id", "custom_id")
    if data.splits or data.application_fee:
        if len(data.splits) > 1:
            raise not_supported(
                "a PayPal order pays one payee per purchase unit: several splits are several "
                "payments here",
                "splits",
            )
        if data.splits:
            unit["payee"] = {"merchant_id": data.splits[0].destination}
            fee = data.amount - data.splits[0].amount  # the payee gets all but the fees
        else:
            fee = data.application_fee or 0
        if fee:
            unit["payment_instruction"] = {
                "platform_fees": [{"amount": _money(fee, data.currency)}]
            }
    if data.order is not None:
        unit |= _order_items(data.order, data.amount, data.currency)
    return unit


def _fee(data: AuthorizeData) -> int:
    if data.splits:
        return data.amount - data.splits[0].amount
    return data.application_fee or 0


def _with_fee(data: AuthorizeData, result: PaymentResult) -> PaymentResult:
    """Remember a split payment's platform fee, so refunds return its share."""
    fee = _fee(data) if (data.splits or data.application_fee) else 0
    if fee and result.connector_payment_id:
        result.meta = {**result.meta, FEE_KEY: f"{data.amount}:{fee}"}
    return result


def _refund_extras(data: RefundData) -> dict[str, Any]:
    out: dict[str, Any] = {}
    options = kit.options_of(data, PayPalRefundOptions)
    if options is not None and options.invoice_id:
        out["invoice_id"] = options.invoice_id
    raw = data.payment.meta.get(FEE_KEY)
    if raw:
        paid, fee = (int(x) for x in raw.split(":"))
        back = fee * data.amount // paid if paid else 0
        if back:
            currency = data.payment.currency
            out["payment_instruction"] = {"platform_fees": [{"amount": _money(back, currency)}]}
    return out


def _order_items(order: Order, amount: int, currency: str) -> dict[str, Any]:
    """``items`` and the ``amount.breakdown`` PayPal checks them against (item taxes only
    when every line's tax is a whole amount per unit: PayPal's tax is per unit)."""
    per_unit = all((line.tax_amount or 0) % line.quantity == 0 for line in order.line_items)
    line_tax = sum(line.tax_amount or 0 for line in order.line_items)
    with_tax = per_unit and line_tax == order.total_tax and line_tax > 0
    items = []
    for line in order.line_items:
        item: dict[str, Any] = {
            "name": line.name,
            "quantity": str(line.quantity),
            "unit_amount": _money(line.unit_amount, currency),
        }
        if with_tax:
            item["tax"] = _money((line.tax_amount or 0) // line.quantity, currency)
        if line.sku:
            item["sku"] = line.sku
        items.append(item)
    breakdown: dict[str, Any] = {"item_total": _money(order.items_total, currency)}
    if order.total_tax:
        breakdown["tax_total"] = _money(order.total_tax, currency)
    if order.shipping_amount:
        breakdown["shipping"] = _money(order.shipping_amount, currency)
    money = _money(amount, currency)
    return {"items": items, "amount": {**money, "breakdown": breakdown}}
