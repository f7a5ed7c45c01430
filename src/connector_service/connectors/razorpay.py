"""Razorpay: orders -> payments (S2S JSON) -> capture, refunds, and card recurring
payments through customers and tokens, with HTTP Basic ``key_id:key_secret``.

Why it looks the way it does:

- every payment belongs to an **order** (``POST /orders``): "payments made without an
  order_id cannot be captured and will be automatically refunded". An authorize is
  therefore two calls, the order and then the payment (``POST /payments/create/json``),
  whose answer is only ``{razorpay_payment_id, next: [...]}``: a ``redirect`` next
  action is the 3-D Secure page; without one the payment is read back with
  ``GET /payments/{id}``;
- the order's ``payment_capture`` picks automatic or manual capture. Razorpay captures
  only the **whole** authorized amount ("should be equal to the order amount"), so a
  partial capture answers ``not_supported``; there is **no void**: an authorized payment
  that is not captured is released by Razorpay itself (it then reads ``refunded`` with
  ``captured: false``, mapped to ``voided``);
- a declined card is an HTTP 400 error whose ``error.metadata.payment_id`` names the
  failed payment: read here as a declined *result*, with ``error.reason`` as its code;
- Razorpay has no idempotency header for payments: the order's ``receipt`` carries the
  request's gateway idempotency key, and a keyed authorize first looks the order up by
  that receipt (``GET /orders?receipt=``) so a re-send after a lost answer finds the
  first attempt instead of paying twice; refunds likewise (``receipt`` on the refund,
  looked up in ``GET /payments/{id}/refunds``);
- a stored card is a Razorpay **token** of a **customer**: the mandate is set up with
  a customer (``POST /customers``), an order with ``method: card`` and a ``token``
  block, and an authorization payment with ``recurring``; merchant-initiated charges
  are ``POST /payments/create/recurring`` against a fresh order; revoking deletes the
  token (``DELETE /customers/{id}/tokens/{token}``);
- UPI AutoPay is the same registration with ``method: upi`` on the order and the
  authorization on ``POST /payments/create/upi`` (``recurring: "1"``): the customer
  approves the mandate in their UPI app, and NPCI confirms the token later, so the
  mandate stays pending until the completion reads the token ``confirmed``; its charges
  are recurring payments debited after Razorpay's pre-debit notification (processing);
- UPI (issue 13/15) is ``POST /payments/create/upi`` on the order, ``upi.flow``
  ``collect`` with the customer's VPA (the answer's ``next`` is a ``poll``: the customer
  approves the request in their UPI app, ``await_customer``) or ``intent`` without one
  (the answer's ``link`` is the ``upi://pay`` URI, shown as ``display_qr``); the payment
  stays ``created`` (processing) until ``payment.authorized`` / ``payment.captured``
  arrives by webhook or sync;
- netbanking is the S2S JSON payment with ``method: netbanking`` and the bank's code:
  its ``redirect`` next action is the bank's login page, which sends the customer back
  to the callback URL (signed like a 3-D Secure return); ``payment.captured`` /
  ``payment.failed`` or a sync settle one whose customer never came back;
- webhooks: ``X-Razorpay-Signature`` is the hex HMAC-SHA256 of the raw body with the
  webhook's own secret (set per webhook on the Dashboard, not the API key secret); the
  scheme signs no timestamp, and ``X-Razorpay-Event-Id`` names a delivery.
"""

from __future__ import annotations

import re
import time
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

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
from connector_service.connectors.capabilities import MethodFlow, MethodSupport
from connector_service.connectors.kit import methods as pm_kit
from connector_service.domain.common import (
    AwaitCustomer,
    BrowserInfo,
    CardSummary,
    Customer,
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
    not_supported,
)
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
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
from connector_service.domain.payment_methods import (
    Card,
    Netbanking,
    PaymentMethodType,
    Token,
    Upi,
)
from connector_service.domain.status import (
    CaptureMethod,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

RECEIPT_MAX = 40  # Orders API: receipt, "maximum length 40 characters"
EMAIL_MAX = 40  # S2S create payment: email, "maximum length supported is 40 characters"
CONTACT_MAX = 15  # contact, "maximum length supported is 15 characters"
# A card token's ceiling per charge (Orders API token.max_amount), in minor units, unless
# the account option ``mandate_max_amount`` says otherwise.
MANDATE_MAX_AMOUNT = 1_500_000
MANDATE_YEARS = 10  # token.expire_at: this many years from the set-up
FREQUENCIES = ("as_presented", "weekly", "monthly", "yearly")
# UPI AutoPay: "Currently, UPI Recurring Payment only supports as_presented and monthly".
UPI_FREQUENCIES = ("as_presented", "monthly")


# ---- connector_options (issue 19): Orders API / Route transfer / Refunds API fields.


class RazorpayPaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.razorpay`` on a payment: the Razorpay customer a card payment
    belongs to, and how Route holds the ``splits`` (the order's ``transfers``; both hold
    fields need ``splits``)."""

    customer_id: (
        Annotated[
            str,
            Meta(
                pattern=r"^cust_[A-Za-z0-9]{14}$(?!\n)",
                description="customer_id: the Razorpay customer (cust_...) of a card payment",
            ),
        ]
        | None
    ) = None

    on_hold: (
        Annotated[
            bool,
            Meta(
                description="transfers[].on_hold: the linked accounts' shares are held "
                "(not settled) until released"
            ),
        ]
        | None
    ) = None
    on_hold_until: (
        Annotated[
            int,
            Meta(
                gt=0,
                le=2**31,
                description="transfers[].on_hold_until: Unix time the hold ends (with on_hold)",
            ),
        ]
        | None
    ) = None


class RazorpayRefundOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.razorpay`` on a refund."""

    speed: (
        Annotated[
            Literal["normal", "optimum"],
            Meta(description="speed: optimum tries an instant refund (default normal)"),
        ]
        | None
    ) = None
    reverse_all: (
        Annotated[
            bool,
            Meta(
                description="reverse_all: take the Route transfers back from the linked "
                "accounts (default: true for a payment with splits)"
            ),
        ]
        | None
    ) = None


# ---- payment methods (issue 13/15): per method, the flows, countries and currencies
_ALL_CARD = frozenset({MethodFlow.AUTHORIZE, MethodFlow.CAPTURE, MethodFlow.REFUND,
                       MethodFlow.RECURRING})  # fmt: skip
# A stored card (a token_... or this service's mandate) is charged as a recurring payment,
# which Razorpay captures at once.
_STORED = frozenset({MethodFlow.AUTHORIZE, MethodFlow.REFUND, MethodFlow.RECURRING})
RAZORPAY_METHODS: dict[PaymentMethodType, MethodSupport] = {
    PaymentMethodType.CARD: MethodSupport(flows=_ALL_CARD),
    PaymentMethodType.TOKEN: MethodSupport(flows=_STORED),
    PaymentMethodType.MANDATE: MethodSupport(flows=_STORED),
    # an order's payment_capture applies to UPI too; refunds go back to the payer's
    # account; recurring: UPI AutoPay (a mandate set up with POST /v1/mandates)
    PaymentMethodType.UPI: MethodSupport(
        flows=frozenset(
            {MethodFlow.AUTHORIZE, MethodFlow.CAPTURE, MethodFlow.REFUND, MethodFlow.RECURRING}
        ),
        countries=frozenset({"IN"}),
        currencies=frozenset({"INR"}),
    ),
    # the bank's page (a redirect); the order's payment_capture applies as to cards
    # ("Payment Capture Settings": any payment can be kept authorized, captured within
    # 3 days), and a refund goes back to the payer's bank account
    PaymentMethodType.NETBANKING: MethodSupport(
        flows=frozenset({MethodFlow.AUTHORIZE, MethodFlow.CAPTURE, MethodFlow.REFUND}),
        countries=frozenset({"IN"}),
        currencies=frozenset({"INR"}),
    ),
}
# Razorpay's netbanking bank codes: the bank's four-letter IFSC prefix (HDFC, SBIN, ICIC,
# UTIB...), some with a suffix for a second login (HDFC_C corporate, BARB_R retail).
BANK_CODE = re.compile(r"[A-Z]{4}(?:_[A-Z])?")
# How long a UPI collect request stays open on the customer's phone (minutes, 5 to 60).
UPI_EXPIRY_MINUTES = "10"


class RazorpayConnector(Connector):
    meta = ConnectorMeta(
        name="razorpay",
        display_name="Razorpay",
        # One host: the key (rzp_test_... / rzp_live_...) selects test or live mode.
        base_url_test="https://api.razorpay.com/v1",
        base_url_live="https://api.razorpay.com/v1",
        credential_fields=(
            CredentialField("key_id", "API key id (rzp_test_... / rzp_live_...)"),
            CredentialField("key_secret", "API key secret; also signs payment callbacks"),
            CredentialField(
                "webhook_secret",
                "The secret entered for the webhook on the Dashboard (signs webhooks)",
                False,
            ),
        ),
        option_fields=(
            CredentialField(
                "default_contact",
                "Phone number sent as `contact` when the customer gave none (Razorpay "
                "requires one on every payment)",
                False,
            ),
            CredentialField(
                "mandate_max_amount",
                "token.max_amount of a card mandate, minor units (default 1500000)",
                False,
            ),
            CredentialField(
                "mandate_frequency",
                "token.frequency of a card mandate: as_presented (default), weekly, "
                "monthly, yearly",
                False,
            ),
        ),
        methods=RAZORPAY_METHODS,
        idempotency="receipt body field (the Idempotency-Key), looked up before a re-send",
        docs_url="https://razorpay.com/docs/api/",
        secret_fields=("key_id", "key_secret", "webhook_secret"),
        options=kit.ConnectorOptions(payment=RazorpayPaymentOptions, refund=RazorpayRefundOptions),
        splits="Route: each split a transfers[] entry (account acc_..., amount) on the order; "
        "the rest (application_fee and anything unsplit) stays with the platform; refunds "
        "reverse_all",
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(ctx: ConnectorContext, *, body: bool = False) -> dict[str, str]:
        headers = {
            "Authorization": kit.basic_auth(ctx.credential("key_id"), ctx.credential("key_secret")),
            "Accept": "application/json",
        }
        if body:
            headers["Content-Type"] = "application/json"
        return headers

    def _post(
        self, ctx: ConnectorContext, path: str, body: dict[str, Any], flow: Flow
    ) -> HttpRequest:
        # Never re-sent blindly: Razorpay honours no idempotency key (see the docstring).
        return HttpRequest(
            "POST",
            f"{ctx.base_url}{path}",
            self._headers(ctx, body=True),
            json_body(drop_none(body)),
            flow=flow.value,
        )

    def _get(self, ctx: ConnectorContext, path: str, flow: Flow) -> HttpRequest:
        return HttpRequest(
            "GET", f"{ctx.base_url}{path}", self._headers(ctx), flow=flow.value, idempotent=True
        )

    # ----------------------------------------------------------------------- 3. builders

    def steps_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> Steps:
        transfers = _transfers(data)  # checked before anything is sent
        result: PaymentResult = yield from self._authorize(ctx, data, transfers)
        if transfers:  # remembered so that a refund reverses the transfers
            result.meta[ROUTE_KEY] = "1"
        return result

    def _authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, transfers: list[dict[str, Any]]
    ) -> Steps:
        pm = data.payment_method
        automatic = data.capture_method is CaptureMethod.AUTOMATIC
        amount = _to_razorpay(data.amount, data.currency)
        stored = _stored_card(ctx, data)
        if stored is not None:
            # A Razorpay card token of a customer: this service's mandate, or a token_...
            # with its cust_... stored elsewhere (a merchant-initiated recurring charge).
            if not automatic:
                raise not_supported(
                    "Razorpay charges a stored card (recurring) with automatic capture only",
                    "capture_method",
                )
            customer_id, token, email, contact = stored
            options = kit.options_of(data, RazorpayPaymentOptions)
            if options is not None and options.customer_id:
                raise not_supported(
                    "a stored card is charged for the customer it was saved for",
                    "connector_options.razorpay.customer_id",
                )
            payment: dict[str, Any] = {
                "email": email,
                "contact": contact,
                "amount": amount,
                "currency": data.currency,
                "customer_id": customer_id,
                "token": token,
                "recurring": _recurring_flag(pm),
                "description": data.description,
                "notes": _notes(data.reference, data.metadata),
            }
            path = "/payments/create/recurring"
        elif isinstance(pm, Card):
            if data.setup_future_usage:
                raise not_supported(
                    "Razorpay makes a reusable card token only with its recurring "
                    "authorization (customer, token order): set it up with POST /v1/mandates",
                    "setup_future_usage",
                )
            payment = {
                "amount": amount,
                "currency": data.currency,
                "email": _email(data.customer),
                "contact": _contact(ctx, data.customer),
                "method": "card",
                "card": _card(pm),
                "description": data.description,
                "notes": _notes(data.reference, data.metadata),
                "callback_url": data.return_url,
            } | _browser(data.customer, data.browser)
            options = kit.options_of(data, RazorpayPaymentOptions)
            if options is not None and options.customer_id:
                payment["customer_id"] = options.customer_id
            path = "/payments/create/json"
        elif isinstance(pm, Upi):
            payment = {
                "amount": amount,
                "currency": data.currency,
                "email": _email(data.customer),
                "contact": _contact(ctx, data.customer),
                "method": "upi",
                "upi": _upi_block(pm),
                "description": data.description,
                "notes": _notes(data.reference, data.metadata),
                "callback_url": data.return_url,
            } | _client(data.customer, data.browser, "a UPI payment")
            path = "/payments/create/upi"
        elif isinstance(pm, Netbanking):
            payment = {
                "amount": amount,
                "currency": data.currency,
                "email": _email(data.customer),
                "contact": _contact(ctx, data.customer),
                "method": "netbanking",
                "bank": _bank(pm),
                "description": data.description,
                "notes": _notes(data.reference, data.metadata),
                "callback_url": pm_kit.require_return_url(
                    data.return_url, "Razorpay", "netbanking (the bank's)"
                ),
            } | _client(data.customer, data.browser, "a netbanking payment")
            path = "/payments/create/json"
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Razorpay takes cards, mandates and card tokens (token_... with the "
                "customer's cust_...), UPI and netbanking here; wallets and EMI are not mapped, "
                f"and neither is {type(pm).__name__.lower()}",
                field="payment_method.type",
            )
        receipt = _receipt(ctx, data.reference)
        order_id: str | None = None
        if ctx.idempotency_key:
            # A re-send of a keyed request: the first attempt's order, if it was made.
            found = yield self._get(
                ctx, f"/orders?{urlencode({'receipt': receipt})}", Flow.AUTHORIZE
            )
            order = _first(_collection(found))
            order_id = kit.text(order.get("id"))
            if order_id:
                listed = yield self._get(
                    ctx, f"/orders/{kit.segment(order_id)}/payments", Flow.AUTHORIZE
                )
                earlier = _newest(_collection(listed))
                if earlier:
                    return _payment(earlier, data.currency)
        if order_id is None:
            order_body = {
                "amount": amount,
                "currency": data.currency,
                "receipt": receipt,
                "payment_capture": automatic,
                "notes": _notes(data.reference, data.metadata),
                "transfers": transfers or None,
            }
            created = yield self._post(ctx, "/orders", order_body, Flow.AUTHORIZE)
            order_id = kit.text(_entity(created).get("id"))
            if not order_id:
                raise ServiceError(
                    ErrorType.CONNECTOR, "gateway_error", "Razorpay answered no order id."
                )
        payment["order_id"] = order_id
        answer = yield self._post(ctx, path, payment, Flow.AUTHORIZE)
        if isinstance(pm, Upi) and stored is None:
            return _upi_outcome(answer, data.currency, order_id)
        return (yield from self._payment_outcome(ctx, answer, data.currency, order_id))

    def _payment_outcome(
        self, ctx: ConnectorContext, answer: HttpResponse, currency: str, order_id: str
    ) -> Steps:
        """What a create-payment answer means: a decline (an error naming the failed
        payment), a redirect to authenticate, or a payment to read back."""
        declined = _declined(answer, currency)
        if declined is not None:
            declined.meta.setdefault("order_id", order_id)
            return declined
        created = _entity(answer)
        pid = kit.text(created.get("razorpay_payment_id"))
        if not pid:
            raise ServiceError(
                ErrorType.CONNECTOR, "gateway_error", "Razorpay answered no payment id."
            )
        redirect = _redirect(created)
        if redirect:
            return PaymentResult(
                status=PaymentStatus.REQUIRES_ACTION,
                connector_payment_id=pid,
                connector_status="created",
                next_action=RedirectAction(url=redirect),
                meta={"order_id": order_id},
            )
        fetched = yield self._get(ctx, f"/payments/{kit.segment(pid)}", Flow.AUTHORIZE)
        return _payment(_entity(fetched), currency)

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        """Back from the authentication page at the callback URL: the callback's
        signature (when given) must be Razorpay's, then the payment is read back (its
        status is the outcome, whatever the callback said)."""
        pid = data.payment.connector_payment_id
        _check_callback(ctx, pid, data.payment.meta.get("order_id"), data.params)
        return self._get(ctx, f"/payments/{kit.segment(pid)}", Flow.COMPLETE_AUTHORIZE)

    def steps_sync(self, ctx: ConnectorContext, data: SyncData) -> Steps:
        """The payment by its id; without one (its create got no answer), the payments
        of its order, the order found by id or, failing that, by its receipt (our
        reference: a request without an idempotency key)."""
        pid = data.payment.connector_payment_id
        currency = data.payment.currency
        if pid:
            response = yield self._get(ctx, f"/payments/{kit.segment(pid)}", Flow.SYNC)
            return _payment(_entity(response), currency)
        order_id = data.payment.meta.get("order_id")
        if not order_id:
            reference = require_id(data.payment.meta.get("reference"), Flow.SYNC.value)
            query = urlencode({"receipt": reference[:RECEIPT_MAX]})
            found = yield self._get(ctx, f"/orders?{query}", Flow.SYNC)
            order_id = kit.text(_first(_collection(found)).get("id"))
            if not order_id:  # never created (the request did not arrive)
                return PaymentResult(
                    status=PaymentStatus.UNRESOLVED, pending_reason="not_found_at_gateway"
                )
        listed = yield self._get(ctx, f"/orders/{kit.segment(order_id)}/payments", Flow.SYNC)
        newest = _newest(_collection(listed))
        if not newest:  # the order, but no payment: the payment's create did not arrive
            return PaymentResult(
                status=PaymentStatus.UNRESOLVED,
                pending_reason="not_found_at_gateway",
                meta={"order_id": order_id},
            )
        return _payment(newest, currency)

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        if data.amount != data.payment.amount:
            raise not_supported(
                "Razorpay captures the whole authorized amount only "
                f"({data.payment.amount}), not {data.amount}",
                "amount",
            )
        pid = kit.segment(data.payment.connector_payment_id)
        body = {
            "amount": _to_razorpay(data.amount, data.payment.currency),
            "currency": data.payment.currency,
        }
        return self._post(ctx, f"/payments/{pid}/capture", body, Flow.CAPTURE)

    def steps_refund(self, ctx: ConnectorContext, data: RefundData) -> Steps:
        pid = kit.segment(require_id(data.payment.connector_payment_id, Flow.REFUND.value))
        receipt = _receipt(ctx, data.reference)
        if ctx.idempotency_key:  # a re-send finds the refund the first attempt made
            listed = yield self._get(ctx, f"/payments/{pid}/refunds", Flow.REFUND)
            for earlier in _collection(listed):
                if earlier.get("receipt") == receipt:
                    return _refund(earlier, data.payment.currency)
        body = {
            "amount": _to_razorpay(data.amount, data.payment.currency),
            "speed": "normal",
            "receipt": receipt,
            "notes": _notes(data.reference, data.metadata, reason=data.reason),
        }
        options = kit.options_of(data, RazorpayRefundOptions) or RazorpayRefundOptions()
        if options.speed is not None:
            body["speed"] = options.speed
        routed = data.payment.meta.get(ROUTE_KEY) == "1"
        if options.reverse_all if options.reverse_all is not None else routed:
            body["reverse_all"] = True
        answer = yield self._post(ctx, f"/payments/{pid}/refund", body, Flow.REFUND)
        return _refund(_entity(answer, not_allowed="payment_not_refundable"), data.payment.currency)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        rid = kit.segment(data.refund.connector_refund_id)
        return self._get(ctx, f"/refunds/{rid}", Flow.REFUND_SYNC)

    def steps_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> Steps:
        """A customer, an order that asks for a token (the method and the token's terms)
        and the authorization payment with ``recurring``. The authorization is not
        captured: Razorpay releases it by itself. The token is the mandate. A card's
        token exists once the payment is authorized; a UPI AutoPay token is confirmed
        later, once the customer approved the mandate in their UPI app
        (:meth:`steps_complete_mandate`)."""
        pm = data.payment_method
        if not isinstance(pm, Card | Upi):
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Razorpay makes a recurring token from a card given in full, or from UPI (AutoPay)",
                field="payment_method.type",
            )
        customer = data.customer
        email = _email(customer)
        contact = _contact(ctx, customer)
        currency = data.currency.upper()
        amount = _to_razorpay(data.amount or 100, currency)
        if isinstance(pm, Upi):
            method, frequency = "upi", _frequency(ctx, UPI_FREQUENCIES)
            client = _client(customer, data.browser, "a UPI AutoPay registration")
        else:
            method, frequency = "card", _frequency(ctx, FREQUENCIES)
            client = _browser(customer, data.browser)
        made = yield self._post(
            ctx,
            "/customers",
            {
                "name": (customer.name or email)[:50],
                "email": email,
                "contact": contact,
                "fail_existing": "0",  # the customer with these details, if there is one
                "notes": {"reference": data.reference[:256]},
            },
            Flow.SETUP_MANDATE,
        )
        customer_id = kit.text(_entity(made).get("id"))
        if not customer_id:
            raise ServiceError(
                ErrorType.CONNECTOR, "gateway_error", "Razorpay answered no customer id."
            )
        order = yield self._post(
            ctx,
            "/orders",
            {
                "amount": amount,
                "currency": currency,
                "customer_id": customer_id,
                "method": method,
                "receipt": _receipt(ctx, data.reference),
                "payment_capture": False,
                "token": {
                    "max_amount": _mandate_max(ctx, amount),
                    "expire_at": int(time.time()) + MANDATE_YEARS * 365 * 86400,
                    "frequency": frequency,
                },
                "notes": _notes(data.reference, data.metadata),
            },
            Flow.SETUP_MANDATE,
        )
        order_id = kit.text(_entity(order).get("id"))
        if not order_id:
            raise ServiceError(
                ErrorType.CONNECTOR, "gateway_error", "Razorpay answered no order id."
            )
        payment: dict[str, Any] = {
            "amount": amount,
            "currency": currency,
            "order_id": order_id,
            "customer_id": customer_id,
            "email": email,
            "contact": contact,
            "method": method,
            "callback_url": data.return_url,
            "notes": _notes(data.reference, data.metadata),
        } | client
        if isinstance(pm, Upi):
            # UPI AutoPay's authorization payment: "recurring": "1" as its docs show
            payment |= {"recurring": "1", "upi": _upi_block(pm)}
            path = "/payments/create/upi"
        else:
            payment |= {"card": _card(pm), "recurring": True}
            path = "/payments/create/json"
        answer = yield self._post(ctx, path, payment, Flow.SETUP_MANDATE)
        ids = {"customer_id": customer_id, "order_id": order_id, "email": email}
        ids["contact"] = contact
        if method == "upi":
            ids["method"] = "upi"
        declined = _declined(answer, currency)
        if declined is not None:
            return MandateResult(
                status=MandateStatus.FAILED,
                connector_customer_id=customer_id,
                connector_status="failed",
                failure=declined.failure,
                meta=ids,
            )
        pid = kit.text(_entity(answer).get("razorpay_payment_id"))
        if not pid:
            raise ServiceError(
                ErrorType.CONNECTOR, "gateway_error", "Razorpay answered no payment id."
            )
        ids["payment_id"] = pid
        if isinstance(pm, Upi):  # waiting for the customer's UPI app
            return MandateResult(
                status=MandateStatus.PENDING,
                connector_customer_id=customer_id,
                connector_status="created",
                next_action=_upi_action(_entity(answer)),
                meta=ids,
            )
        redirect = _redirect(_entity(answer))
        if redirect:
            return MandateResult(
                status=MandateStatus.PENDING,
                connector_customer_id=customer_id,
                connector_status="created",
                next_action=RedirectAction(url=redirect),
                meta=ids,
            )
        fetched = yield self._get(ctx, f"/payments/{kit.segment(pid)}", Flow.SETUP_MANDATE)
        return _mandate(_entity(fetched), customer_id, ids)

    def steps_complete_mandate(self, ctx: ConnectorContext, data: MandateCompleteData) -> Steps:
        """A card's set-up: back from 3-D Secure, the payment read back (one call). A UPI
        AutoPay set-up: the authorization payment, then, once it names its token, the
        token's ``recurring_details.status``: ``confirmed`` is the mandate active,
        ``initiated`` still pending (NPCI has not confirmed it yet: ask again, or wait for
        the ``token.confirmed`` webhook), ``rejected`` failed."""
        ids = dict(data.mandate.meta)
        if ids.get("method") != "upi":
            return (yield from super().steps_complete_mandate(ctx, data))
        pid = require_id(ids.get("payment_id"), Flow.COMPLETE_MANDATE.value)
        fetched = yield self._get(ctx, f"/payments/{kit.segment(pid)}", Flow.COMPLETE_MANDATE)
        payment = kit.decode_as(_entity(fetched), RazorpayPayment)
        if payment is None:
            raise ServiceError(
                ErrorType.CONNECTOR, "gateway_error", "Razorpay answered without a payment."
            )
        customer_id = data.mandate.customer_id or ids.get("customer_id")
        status = _status(payment)
        if status is not PaymentStatus.FAILED and (
            status is PaymentStatus.PROCESSING or not payment.token_id or not customer_id
        ):
            # not approved yet (created), or approved without a token named yet
            return MandateResult(
                status=MandateStatus.PENDING,
                connector_customer_id=customer_id,
                connector_status=payment.status or None,
                meta=ids,
            )
        if status is PaymentStatus.FAILED or not payment.token_id or not customer_id:
            return MandateResult(
                status=MandateStatus.FAILED,
                connector_customer_id=customer_id,
                connector_status=payment.status or None,
                failure=_failure(payment.error_reason, payment.error_description),
                meta=ids,
            )
        path = f"/customers/{kit.segment(customer_id)}/tokens/{kit.segment(payment.token_id)}"
        token = _entity((yield self._get(ctx, path, Flow.COMPLETE_MANDATE)))
        return _upi_token_mandate(token, payment.token_id, customer_id, ids)

    def build_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData
    ) -> HttpRequest:
        pid = require_id(data.mandate.meta.get("payment_id"), Flow.COMPLETE_MANDATE.value)
        _check_callback(ctx, pid, data.mandate.meta.get("order_id"), data.params)
        return self._get(ctx, f"/payments/{kit.segment(pid)}", Flow.COMPLETE_MANDATE)

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        ref = data.mandate
        cid = kit.segment(require_id(ref.customer_id, Flow.REVOKE_MANDATE.value))
        token = kit.segment(require_id(ref.connector_mandate_id, Flow.REVOKE_MANDATE.value))
        return HttpRequest(
            "DELETE",
            f"{ctx.base_url}/customers/{cid}/tokens/{token}",
            self._headers(ctx),
            flow=Flow.REVOKE_MANDATE.value,
            idempotent=True,
        )

    # ----------------------------------------------------------------------- 4. parsers

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        return _payment(_entity(response), data.payment.currency)

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        payment = _entity(response, not_allowed="payment_not_capturable")
        return _payment(payment, data.payment.currency)

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_entity(response), data.refund.currency)

    def parse_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData, response: HttpResponse
    ) -> MandateResult:
        ids = dict(data.mandate.meta)
        return _mandate(_entity(response), data.mandate.customer_id or ids.get("customer_id"), ids)

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        deleted = _entity(response)
        if deleted.get("deleted") is not True:
            raise kit.gateway_error(
                response, code=None, message="Razorpay did not confirm the token's deletion"
            )
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status="deleted",
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """``X-Razorpay-Event-Id`` names the delivery (the same on a redelivery); an
        event without it is named by its type, entity and time."""
        given = headers.get("x-razorpay-event-id", "").strip()
        if given:
            return WebhookIdentity(event_id=given[:128])
        event = kit.decode_object(body)
        return WebhookIdentity(event_id=_event_id(event) if event else None)

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
        """``X-Razorpay-Signature``: the hex HMAC-SHA256 of the raw body under the
        webhook's secret. No timestamp is signed (see the docs page on staleness)."""
        secret = ctx.credentials.get("webhook_secret")
        signature = headers.get("x-razorpay-signature", "").strip().lower()
        if secret is None or not secret.reveal() or not signature:
            return False
        return kit.constant_time_equal(kit.hmac_sha256_hex(secret.reveal(), body), signature)

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        event = kit.webhooks.envelope(
            kit.decode_object(body) or None, "Razorpay", id_key="event", type_key="event"
        )
        payload = event.get("payload")
        if not isinstance(payload, dict):
            raise kit.webhooks.not_an_event("Razorpay", "`payload` must be an object")
        kind = str(event["event"])
        unified = WEBHOOK_EVENTS.get(kind, WebhookEventType.UNKNOWN)
        identity = self.webhook_identify(headers, body).event_id or kind
        entities = {name: kit.obj(kit.obj(value).get("entity")) for name, value in payload.items()}
        payment = entities.get("payment", {})
        refund = entities.get("refund", {})
        dispute = entities.get("dispute", {})
        token = entities.get("token", {})
        main = refund or dispute or payment or token
        for name, entity in (("payment", payment), ("refund", refund), ("dispute", dispute)):
            if entity:
                kit.webhooks.minor_amount(entity, "amount", f"payload.{name}.entity.amount")
                kit.webhooks.currency(entity, "currency", f"payload.{name}.entity.currency")
        currency = kit.text(main.get("currency"))
        raw_amount = main.get("amount")
        amount = (
            _from_razorpay(raw_amount, currency)
            if isinstance(raw_amount, int) and not isinstance(raw_amount, bool) and currency
            else None
        )
        created = kit.integer(event.get("created_at"))
        out = WebhookEvent(
            event_id=identity,
            type=unified,
            connector_event_type=kind,
            amount=amount,
            currency=currency,
            occurred_at=str(created) if created else None,
        )
        if unified is WebhookEventType.UNKNOWN:
            return [out]
        if kind.startswith("refund."):
            out.connector_payment_id = kit.text(refund.get("payment_id"))
            out.refund = _refund(refund, currency)
        elif kind.startswith("payment.dispute."):
            out.connector_payment_id = kit.text(dispute.get("payment_id"))
            out.dispute = DisputeResult(
                status=kit.status_of(
                    DISPUTE_STATUS, dispute.get("status"), DisputeStatus.UNDER_REVIEW
                ),
                connector_dispute_id=kit.text(dispute.get("id")) or "",
                connector_payment_id=out.connector_payment_id,
                amount=amount,
                currency=currency,
                reason=kit.text(dispute.get("reason_code")),
                connector_status=kit.text(dispute.get("status")) or kind,
                evidence_due_by=str(dispute["respond_by"])
                if kit.integer(dispute.get("respond_by"))
                else None,
            )
        elif kind.startswith("token."):
            out.mandate = MandateResult(
                status=TOKEN_EVENTS.get(kind, MandateStatus.PENDING),
                connector_mandate_id=kit.text(token.get("id")),
                connector_customer_id=kit.text(token.get("customer_id")),
                connector_status=kit.text(token.get("status")) or kind,
            )
        elif payment:
            out.connector_payment_id = kit.text(payment.get("id"))
            if out.connector_payment_id and currency:
                out.payment = _payment(payment, currency)
            token_id = kit.text(payment.get("token_id"))
            notes = kit.obj(payment.get("notes"))
            reference = kit.text(notes.get("merchant_reference"))
            if token_id and reference:
                # A registration payment names the token its set-up (answered pending,
                # without a token yet) created: token.* events then find the mandate.
                out.mandate_links = [(token_id, reference)]
        return [out]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        """The common scrub, plus Razorpay's key ids, the card's fields under Razorpay's
        names (``number``, ``cvv``), a callback's signature and OAuth tokens."""
        text = _CARD_FIELD.sub(r"\1[CARD]\2", transcript)
        text = _CVV_FIELD.sub(r"\1[CVC]\2", text)
        text = _SIGNATURE.sub(r"\1[REDACTED]", text)
        text = _TOKEN_FIELD.sub(r"\1[REDACTED]\2", text)
        text = _VPA_FIELD.sub(r"\1[VPA]\2", text)
        text = _VPA_OBJECT.sub(lambda m: _VPA_PART.sub(r"\1[VPA]\2", m.group(0)), text)
        return scrub_common(_KEY_ID.sub("[REDACTED]", text))


_CARD_FIELD = re.compile(r'("number"\s*:\s*")[\d ]{12,23}(")')
_CVV_FIELD = re.compile(r'(?i)("cvv"\s*:\s*"?)\d{3,4}("?)')
_SIGNATURE = re.compile(r"(?i)(razorpay_signature[\"']?\s*[:=]\s*[\"']?)[0-9a-f]{16,}")
# OAuth tokens (Razorpay's partner OAuth answers them), should one ever be in a transcript.
_TOKEN_FIELD = re.compile(r'("(?:access_token|refresh_token)"\s*:\s*")[^"]+(")')
_KEY_ID = re.compile(r"\brzp_(?:test|live)_[A-Za-z0-9]{6,}")
# A UPI address (sent, or read back on the payment) names the payer's account: the handle
# is masked, the PSP after the @ kept.
# In JSON, or escaped inside a JSON string (a body logged as a string).
_VPA_FIELD = re.compile(r'(\\?"vpa\\?"\s*:\s*\\?")[^"@\\]+(@[A-Za-z0-9.-]+\\?")')
# A token read back names the address as an object: its username and the name are masked.
_VPA_OBJECT = re.compile(r'\\?"vpa\\?"\s*:\s*\{[^{}]*\}')
_VPA_PART = re.compile(r'(\\?"(?:username|name)\\?"\s*:\s*\\?")[^"\\]*(\\?")')


# --------------------------------------------------------------------------- 5. status maps

# Payment.status (docs: "Payment states"): created -> authorized -> captured -> refunded,
# or failed. "created": the customer has not finished authenticating (yet).
PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "created": PaymentStatus.PROCESSING,
    "pending": PaymentStatus.PROCESSING,
    "authorized": PaymentStatus.AUTHORIZED,
    "captured": PaymentStatus.CAPTURED,
    "refunded": PaymentStatus.CAPTURED,  # paid, then refunded in full (see _status)
    "failed": PaymentStatus.FAILED,
}
# Refund.status: pending -> processed, or failed.
REFUND_STATUS: dict[str, RefundStatus] = {
    "pending": RefundStatus.PENDING,
    "created": RefundStatus.PENDING,
    "processed": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
}
# Dispute.status: open -> under_review -> won / lost, or closed (accepted).
DISPUTE_STATUS: dict[str, DisputeStatus] = {
    "open": DisputeStatus.NEEDS_RESPONSE,
    "under_review": DisputeStatus.UNDER_REVIEW,
    "won": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
    "closed": DisputeStatus.ACCEPTED,
}
# Token.recurring_details.status of a card token made for recurring charges.
TOKEN_STATUS: dict[str, MandateStatus] = {
    "confirmed": MandateStatus.ACTIVE,
    "initiated": MandateStatus.PENDING,
    "rejected": MandateStatus.FAILED,
    "cancelled": MandateStatus.REVOKED,
    "paused": MandateStatus.PENDING,
    # the token's validity (expire_at) passed: it can no longer be charged
    "expired": MandateStatus.REVOKED,
}


def _status(payment: RazorpayPayment) -> PaymentStatus:
    if payment.status == "refunded" and payment.captured is False:
        return PaymentStatus.VOIDED  # never captured: the authorization was released
    return kit.status_of(PAYMENT_STATUS, payment.status, PaymentStatus.PROCESSING)


# --------------------------------------------------------------------------- 6. error maps

# error.reason of a failed payment -> unified decline (docs "Error Reasons", "Cards Error
# Codes"). An unknown reason of a failed payment is a generic decline.
_DECLINES = (
    (DeclineCode.GENERIC_DECLINE, "card_declined payment_failed"),
    (DeclineCode.INSUFFICIENT_FUNDS, "insufficient_funds"),
    (DeclineCode.EXPIRED_CARD, "card_expired"),
    (DeclineCode.INCORRECT_NUMBER, "card_number_invalid"),
    (DeclineCode.INCORRECT_CVC, "invalid_cvv incorrect_cvv"),
    (DeclineCode.AUTHENTICATION_FAILED, "authentication_failed invalid_otp"),
    (DeclineCode.AUTHENTICATION_REQUIRED, "card_not_enrolled"),
    (DeclineCode.RESTRICTED_CARD, "debit_instrument_blocked debit_instrument_inactive"),
    (DeclineCode.TRANSACTION_NOT_ALLOWED,
     "card_network_not_enabled international_transaction_not_allowed "
     "recurring_payment_not_enabled"),
    (DeclineCode.CURRENCY_NOT_SUPPORTED, "invalid_currency"),
    (DeclineCode.INVALID_AMOUNT, "invalid_amount amount_less_than_minimum_amount"),
    (DeclineCode.DUPLICATE_TRANSACTION, "duplicate_request"),
    (DeclineCode.ISSUER_UNAVAILABLE, "bank_technical_error bank_not_available"),
    (DeclineCode.PROCESSING_ERROR, "gateway_technical_error server_error"),
    (DeclineCode.TRY_AGAIN_LATER, "payment_timed_out payment_cancelled"),
    (DeclineCode.FRAUD_SUSPECTED, "payment_risk_check_failed"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)

# error.description (lower-cased, without the final dot), error.reason or error.code of
# an error that is not a decline.
_R = kit.ErrorRule
_BAD = ErrorType.INVALID_REQUEST
ERROR_MAP: kit.ErrorTable = {
    "the id provided does not exist": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "this payment has already been captured": _R(ErrorType.CONFLICT, "payment_not_capturable"),
    "only payments which have been authorized and not yet captured can be captured": _R(
        ErrorType.CONFLICT, "payment_not_capturable"),
    "capture amount must be equal to the amount authorized": _R(_BAD, "invalid_amount",
                                                                 "amount"),
    "the refund amount provided is greater than amount captured": _R(_BAD, "invalid_amount",
                                                                      "amount"),
    "the payment has been fully refunded already": _R(ErrorType.CONFLICT,
                                                      "payment_not_refundable"),
    "authentication failed": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "the api key provided is invalid": _R(ErrorType.CONNECTOR,
                                          "gateway_authentication_failed"),
    "input_validation_failed": _R(_BAD, "gateway_rejected_request"),
    "BAD_REQUEST_ERROR": _R(_BAD, "gateway_rejected_request"),
    "GATEWAY_ERROR": _R(ErrorType.CONNECTOR, "gateway_error"),
    "SERVER_ERROR": _R(ErrorType.CONNECTOR, "gateway_error"),
}  # fmt: skip
# error.field (Razorpay's name of the request field at fault) -> ours.
FIELDS = {
    "amount": "amount",
    "currency": "currency",
    "email": "customer.email",
    "contact": "customer.phone",
    "bank": "payment_method.bank",
    "card[number]": "payment_method.number",
    "number": "payment_method.number",
    "card[cvv]": "payment_method.cvc",
    "cvv": "payment_method.cvc",
    "card[expiry_month]": "payment_method.exp_month",
    "card[expiry_year]": "payment_method.exp_year",
    "receipt": "reference",
    "token": "payment_method.mandate_id",
    "customer_id": "payment_method.mandate_id",
}


def _error_body(response: HttpResponse) -> dict[str, Any]:
    return kit.obj(kit.obj(response.json()).get("error"))


def _entity(response: HttpResponse, *, not_allowed: str | None = None) -> dict[str, Any]:
    """The answer's object, or the error it means."""
    if response.status < 400:
        body = kit.obj(response.json())
        if "error" not in body:
            return body
    raise _error(response, not_allowed)


def _error(response: HttpResponse, not_allowed: str | None = None) -> ServiceError:
    error = _error_body(response)
    description = kit.text(error.get("description")) or ""
    code = kit.text(error.get("code"))
    reason = kit.text(error.get("reason"))
    key = description.strip().rstrip(".").lower()
    err = kit.error_from(
        response,
        ERROR_MAP,
        codes=[key, reason if reason != "input_validation_failed" else None, code],
        raw_code=reason or code,
        message=description or None,
        field=FIELDS.get(kit.text(error.get("field")) or ""),
    )
    if response.status == 401:
        err = kit.gateway_error(response, code=code, message=description or None)
    if not_allowed and err.type is ErrorType.CONFLICT:
        err.code = not_allowed
    if not_allowed and err.code == "gateway_rejected_request" and err.field is None:
        detail = GatewayDetail(code=reason or code, message=description, http_status=400)
        return ServiceError(
            ErrorType.CONFLICT, not_allowed, description or "Not allowed now.", gateway=detail
        )
    return err


def _declined(response: HttpResponse, currency: str) -> PaymentResult | None:
    """A create-payment error that names its payment is that payment, declined."""
    if response.status < 400:
        return None
    error = _error_body(response)
    metadata = kit.obj(error.get("metadata"))
    pid = kit.text(metadata.get("payment_id"))
    if not pid:
        raise _error(response)
    reason = kit.text(error.get("reason"))
    return PaymentResult(
        status=PaymentStatus.FAILED,
        connector_payment_id=pid,
        connector_status="failed",
        failure=_failure(reason, kit.text(error.get("description"))),
        meta=_ids(order_id=kit.text(metadata.get("order_id"))),
    )


def _failure(reason: str | None, description: str | None) -> Failure:
    return decline(
        kit.decline_of(DECLINE_MAP, reason),
        raw_code=reason,
        raw_message=description,
    )


# --------------------------------------------------------------------------- webhook tables

WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "payment.authorized": WebhookEventType.PAYMENT_AUTHORIZED,
    "payment.captured": WebhookEventType.PAYMENT_CAPTURED,
    "payment.failed": WebhookEventType.PAYMENT_FAILED,
    "order.paid": WebhookEventType.PAYMENT_CAPTURED,
    "refund.created": WebhookEventType.REFUND_PENDING,
    "refund.processed": WebhookEventType.REFUND_SUCCEEDED,
    "refund.failed": WebhookEventType.REFUND_FAILED,
    "payment.dispute.created": WebhookEventType.DISPUTE_OPENED,
    "payment.dispute.under_review": WebhookEventType.DISPUTE_UPDATED,
    "payment.dispute.action_required": WebhookEventType.DISPUTE_UPDATED,
    "payment.dispute.won": WebhookEventType.DISPUTE_WON,
    "payment.dispute.lost": WebhookEventType.DISPUTE_LOST,
    "payment.dispute.closed": WebhookEventType.DISPUTE_UPDATED,
    "token.confirmed": WebhookEventType.MANDATE_ACTIVE,
    "token.rejected": WebhookEventType.MANDATE_FAILED,
    "token.cancelled": WebhookEventType.MANDATE_REVOKED,
    # refund.speed_changed, payment.downtime.*, settlement.*, ... : UNKNOWN (kept raw)
}
TOKEN_EVENTS: dict[str, MandateStatus] = {
    "token.confirmed": MandateStatus.ACTIVE,
    "token.rejected": MandateStatus.FAILED,
    "token.cancelled": MandateStatus.REVOKED,
}


def _event_id(event: dict[str, Any]) -> str | None:
    kind = kit.text(event.get("event"))
    payload = kit.obj(event.get("payload"))
    ids = [
        kit.text(kit.obj(kit.obj(payload.get(name)).get("entity")).get("id"))
        for name in ("refund", "dispute", "token", "payment", "order")
    ]
    oid = next((i for i in ids if i), None)
    if not kind or not oid:
        return None
    return f"{kind}:{oid}:{kit.integer(event.get('created_at')) or 0}"


# --------------------------------------------------------------------------- helpers

# Razorpay amounts are integers in the currency's smallest sub-unit (paise for INR).
RAZORPAY = kit.Exponents("Razorpay")


def _to_razorpay(amount: int, currency: str) -> int:
    try:
        return RAZORPAY.to_gateway(amount, currency)
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None


def _from_razorpay(value: int, currency: str | None) -> int | None:
    try:
        return RAZORPAY.from_gateway(value, currency or "")
    except UnknownCurrency:
        return None


def _receipt(ctx: ConnectorContext, reference: str) -> str:
    """The order's or refund's receipt: the gateway idempotency key (``cs-<hex>``, cut
    to Razorpay's 40 characters) when the request has one, else our reference."""
    return (ctx.idempotency_key or reference)[:RECEIPT_MAX]


ROUTE_KEY = "route"  # fact-record key: the payment's order carried Route transfers


def _transfers(data: AuthorizeData) -> list[dict[str, Any]]:
    """``splits`` as Route transfers on the order: Razorpay moves each share to its
    linked account (``acc_...``) once the payment is captured; what is not transferred
    (``application_fee`` and any unsplit rest) stays with the platform, so the fee is not
    sent as a number of its own."""
    options = kit.options_of(data, RazorpayPaymentOptions) or RazorpayPaymentOptions()
    if not data.splits:
        for name in ("on_hold", "on_hold_until"):
            if getattr(options, name) is not None:
                raise invalid(
                    "invalid_option",
                    f"{name} holds Route transfers: it goes with splits",
                    f"connector_options.razorpay.{name}",
                )
        return []
    if options.on_hold_until is not None and not options.on_hold:
        raise invalid(
            "invalid_option",
            "on_hold_until goes with on_hold: true",
            "connector_options.razorpay.on_hold_until",
        )
    out: list[dict[str, Any]] = []
    for index, split in enumerate(data.splits):
        if not re.fullmatch(r"acc_[A-Za-z0-9]{14}", split.destination):
            raise invalid(
                "invalid_splits",
                "a Razorpay Route destination is a linked account id (acc_ and 14 characters)",
                f"splits[{index}].destination",
            )
        transfer: dict[str, Any] = {
            "account": split.destination,
            "amount": _to_razorpay(split.amount, data.currency),
            "currency": data.currency,
        }
        if options.on_hold is not None:
            transfer["on_hold"] = options.on_hold
        if options.on_hold_until is not None:
            transfer["on_hold_until"] = options.on_hold_until
        out.append(transfer)
    return out


def _notes(
    reference: str, metadata: dict[str, str], *, reason: str | None = None
) -> dict[str, str]:
    """Razorpay notes: at most 15 pairs of 256 characters; ours first."""
    notes = {"merchant_reference": reference[:256]}
    if reason:
        notes["reason"] = reason[:256]
    for key, value in metadata.items():
        if len(notes) >= 15:
            break
        notes.setdefault(key[:256], value[:256])
    return notes


def _stored_card(ctx: ConnectorContext, data: AuthorizeData) -> tuple[str, str, str, str] | None:
    """(customer id, token, email, contact) of a recurring charge, or None for a
    customer-initiated payment."""
    pm = data.payment_method
    if isinstance(pm, StoredMandate):
        ref = pm.ref
        return (
            require_id(ref.customer_id, Flow.CHARGE_MANDATE.value),
            require_id(ref.connector_mandate_id, Flow.CHARGE_MANDATE.value),
            _email(data.customer, ref.meta.get("email")),
            _contact(ctx, data.customer, ref.meta.get("contact")),
        )
    if isinstance(pm, Token) and pm.token.startswith("token_") and pm.customer_id:
        return pm.customer_id, pm.token, _email(data.customer), _contact(ctx, data.customer)
    return None


def _recurring_flag(pm: object) -> bool | str:
    """``recurring`` of a merchant-initiated charge, typed as Razorpay's own guides type
    it: the string ``"1"`` on a UPI AutoPay token (the SDK's ``documents/upi.md``, whose
    table says string, ``1`` or ``0``), the boolean ``true`` on a card token (its
    ``documents/card.md``). A ``token_...`` given without this service's mandate is
    charged as a card token: its method is not known here."""
    if isinstance(pm, StoredMandate) and pm.ref.meta.get("method") == "upi":
        return "1"
    return True


def _email(customer: Customer | None, fallback: str | None = None) -> str:
    email = (customer.email if customer else None) or fallback
    if not email:
        raise invalid(
            "missing_field", "Razorpay needs the customer's email address", "customer.email"
        )
    if len(email) > EMAIL_MAX:
        raise invalid(
            "invalid_field",
            f"Razorpay takes emails of {EMAIL_MAX} characters at most",
            "customer.email",
        )
    return email


def _contact(ctx: ConnectorContext, customer: Customer | None, fallback: str | None = None) -> str:
    contact = (
        (customer.phone if customer else None) or fallback or ctx.options.get("default_contact")
    )
    if not contact:
        raise invalid(
            "missing_field",
            "Razorpay needs the customer's phone number (or the account option default_contact)",
            "customer.phone",
        )
    if len(contact) > CONTACT_MAX:
        raise invalid(
            "invalid_field",
            f"Razorpay takes phone numbers of {CONTACT_MAX} characters at most",
            "customer.phone",
        )
    return contact


def _browser(customer: Customer | None, browser: BrowserInfo | None) -> dict[str, Any]:
    """The customer's ip and user agent, which Razorpay requires on a card payment
    ("send the customer's real ip, user_agent and referer — not placeholders"), and
    the browser block 3-D Secure 2 reads."""
    ip = (browser.ip_address if browser else None) or (customer.ip_address if customer else None)
    if not ip:
        raise invalid(
            "missing_field",
            "Razorpay needs the customer's IP address on a card payment",
            "browser.ip_address",
        )
    if browser is None or not browser.user_agent:
        raise invalid(
            "missing_field",
            "Razorpay needs the customer's browser user agent on a card payment",
            "browser.user_agent",
        )
    agent = browser.user_agent
    block = drop_none(
        {
            "java_enabled": browser.java_enabled,
            "javascript_enabled": browser.javascript_enabled,
            "timezone_offset": browser.time_zone_offset,
            "color_depth": browser.color_depth,
            "screen_width": browser.screen_width,
            "screen_height": browser.screen_height,
            "language": browser.language,
        }
    )
    out: dict[str, Any] = {"ip": ip, "user_agent": agent}
    if block:
        out["authentication"] = {"authentication_channel": "browser"}
        out["browser"] = block
    return out


def _card(card: Card) -> dict[str, Any]:
    return drop_none(
        {
            "number": card.number.reveal(),
            "name": card.holder_name,
            "expiry_month": card.exp_month,
            "expiry_year": card.exp_year % 100,
            "cvv": card.cvc.reveal() if card.cvc else None,
        }
    )


def _upi_block(pm: Upi) -> dict[str, Any]:
    """``upi``: collect on the customer's VPA, or intent (their UPI app opens the link)."""
    if pm.vpa:
        return {"flow": "collect", "vpa": pm.vpa, "expiry_time": UPI_EXPIRY_MINUTES}
    return {"flow": "intent"}


def _upi_token_mandate(
    token: dict[str, Any], token_id: str, customer_id: str, ids: dict[str, str]
) -> MandateResult:
    """A UPI AutoPay token read back: its ``recurring_details.status`` is the mandate's."""
    details = kit.obj(token.get("recurring_details"))
    raw = kit.text(details.get("status")) or ""
    status = kit.status_of(TOKEN_STATUS, raw, MandateStatus.PENDING)
    reason = kit.text(details.get("failure_reason"))
    return MandateResult(
        status=status,
        connector_mandate_id=token_id,
        connector_customer_id=customer_id,
        connector_status=raw or None,
        failure=decline(DeclineCode.TRANSACTION_NOT_ALLOWED, raw_message=reason or raw)
        if status is MandateStatus.FAILED
        else None,
        meta={k: v for k, v in ids.items() if v},
    )


def _mandate_max(ctx: ConnectorContext, amount: int) -> int:
    raw = ctx.options.get("mandate_max_amount")
    if raw is None:
        return max(MANDATE_MAX_AMOUNT, amount)
    if not raw.isdigit() or int(raw) <= 0:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            "option mandate_max_amount must be a positive integer (minor units)",
        )
    return int(raw)


def _frequency(ctx: ConnectorContext, allowed: tuple[str, ...]) -> str:
    value = ctx.option("mandate_frequency", "as_presented")
    if value not in allowed:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            f"option mandate_frequency must be one of {', '.join(allowed)} for this method",
        )
    return value


def _check_callback(
    ctx: ConnectorContext, payment_id: str, order_id: str | None, params: dict[str, str]
) -> None:
    """The callback's ``razorpay_signature`` (hex HMAC-SHA256 of ``order_id|payment_id``
    under the key secret), when the customer's return carried one."""
    signature = params.get("razorpay_signature")
    given_pid = params.get("razorpay_payment_id")
    if given_pid and given_pid != payment_id:
        raise invalid(
            "invalid_field", "the callback names another payment", "params.razorpay_payment_id"
        )
    given_order = params.get("razorpay_order_id")
    if given_order and order_id and given_order != order_id:
        raise invalid(
            "invalid_field", "the callback names another order", "params.razorpay_order_id"
        )
    if signature is None:
        return
    order = order_id or given_order or ""
    expected = kit.hmac_sha256_hex(ctx.credential("key_secret"), f"{order}|{payment_id}".encode())
    if not kit.constant_time_equal(expected, signature.strip().lower()):
        raise invalid(
            "invalid_field",
            "the callback's razorpay_signature is not Razorpay's",
            "params.razorpay_signature",
        )


def _collection(response: HttpResponse) -> list[dict[str, Any]]:
    """The items of a collection answer (``{entity: collection, count, items}``)."""
    items = _entity(response).get("items")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _first(items: list[dict[str, Any]]) -> dict[str, Any]:
    return items[0] if items else {}


def _newest(items: list[dict[str, Any]]) -> dict[str, Any]:
    found = [i for i in items if i.get("id")]
    return max(found, key=lambda p: kit.integer(p.get("created_at")) or 0) if found else {}


def _client(customer: Customer | None, browser: BrowserInfo | None, what: str) -> dict[str, Any]:
    """The customer's ip and user agent, which Razorpay's S2S UPI and netbanking
    payments require (no 3-D Secure browser block: there is no card to authenticate)."""
    ip = (browser.ip_address if browser else None) or (customer.ip_address if customer else None)
    if not ip:
        raise invalid(
            "missing_field", f"Razorpay needs the customer's IP address on {what}",
            "browser.ip_address",
        )  # fmt: skip
    if browser is None or not browser.user_agent:
        raise invalid(
            "missing_field", f"Razorpay needs the customer's user agent on {what}",
            "browser.user_agent",
        )  # fmt: skip
    return {"ip": ip, "user_agent": browser.user_agent}


def _bank(pm: Netbanking) -> str:
    """The bank as Razorpay codes it (``HDFC``, ``SBIN``, ``ICIC``, ``UTIB``): upper
    case; anything else is refused before the order is made."""
    code = pm.bank.upper()
    if not BANK_CODE.fullmatch(code):
        raise pm_kit.bad_field(
            "payment_method.bank",
            "Razorpay names a netbanking bank by its code: four letters such as HDFC, "
            "SBIN, ICIC or UTIB (some with a suffix, HDFC_C)",
        )
    return code


def _upi_outcome(answer: HttpResponse, currency: str, order_id: str) -> PaymentResult:
    """A UPI create's answer: a decline (an error naming the payment), or a payment
    waiting for the customer: collect answers a ``poll`` step (the request is on the
    customer's phone), intent the ``upi://pay`` link their UPI app opens (a QR code)."""
    declined = _declined(answer, currency)
    if declined is not None:
        declined.meta.setdefault("order_id", order_id)
        return declined
    created = _entity(answer)
    pid = kit.text(created.get("razorpay_payment_id"))
    if not pid:
        raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Razorpay answered no payment id.")
    action = _upi_action(created)
    return PaymentResult(
        status=PaymentStatus.REQUIRES_ACTION,
        connector_payment_id=pid,
        connector_status="created",
        next_action=action,
        pending_reason="awaiting_customer",
        meta={"order_id": order_id},
    )


def _upi_action(created: dict[str, Any]) -> NextAction:
    """A UPI create's next step: collect answers a ``poll`` (the request is on the
    customer's phone), intent the ``upi://`` link their UPI app opens (``upi://pay`` for
    a payment, ``upi://mandate`` for an AutoPay registration), shown as a QR code."""
    steps = [s for s in created.get("next") or [] if isinstance(s, dict)]
    link = kit.text(created.get("link")) or next(
        (kit.text(s.get("url")) for s in steps if s.get("action") == "intent"), None
    )
    if link and link.startswith("upi://"):
        return DisplayQr(url="", payload=link)
    if any(s.get("action") == "poll" for s in steps):
        return AwaitCustomer(url="", message="Approve the collect request in your UPI app")
    raise ServiceError(
        ErrorType.CONNECTOR, "gateway_error", "Razorpay answered a UPI payment with no step."
    )


def _redirect(created: dict[str, Any]) -> str | None:
    for step in created.get("next") or []:
        if isinstance(step, dict) and step.get("action") == "redirect":
            return kit.text(step.get("url"))
    return None


class RazorpayCard(msgspec.Struct, frozen=True):
    id: str | None = None
    last4: str | None = None
    network: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None


class RazorpayPayment(msgspec.Struct, frozen=True):
    """The fields of a Payment entity read here (Razorpay sends many more)."""

    id: str | None = None
    status: str = ""
    amount: int | None = None
    currency: str | None = None
    order_id: str | None = None
    captured: bool | None = None
    amount_refunded: int | None = None
    customer_id: str | None = None
    token_id: str | None = None
    error_code: str | None = None
    error_description: str | None = None
    error_reason: str | None = None
    card: RazorpayCard | None = None
    notes: dict[str, Any] | list[Any] | None = None


def _payment(body: dict[str, Any], currency: str) -> PaymentResult:
    payment = kit.decode_as(body, RazorpayPayment)
    if payment is None or not payment.id:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Razorpay answered without a payment."
        )
    status = _status(payment)
    minor = (
        _from_razorpay(payment.amount, payment.currency or currency)
        if payment.amount is not None
        else None
    )
    notes = payment.notes if isinstance(payment.notes, dict) else {}
    return PaymentResult(
        status=status,
        connector_payment_id=payment.id,
        amount=minor,
        amount_captured=minor if status is PaymentStatus.CAPTURED else None,
        connector_status=payment.status or None,
        failure=_failure(payment.error_reason, payment.error_description)
        if status is PaymentStatus.FAILED
        else None,
        pending_reason="awaiting_customer" if status is PaymentStatus.PROCESSING else None,
        card=_summary(payment.card),
        reference=kit.text(notes.get("merchant_reference")),
        meta=_ids(order_id=payment.order_id),
    )


def _mandate(body: dict[str, Any], customer_id: str | None, ids: dict[str, str]) -> MandateResult:
    payment = kit.decode_as(body, RazorpayPayment)
    if payment is None:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Razorpay answered without a payment."
        )
    status = _status(payment)
    if status is PaymentStatus.FAILED:
        mandate_status = MandateStatus.FAILED
    elif status in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.VOIDED):
        # authorized (then released): the token exists when the payment names one
        mandate_status = MandateStatus.ACTIVE if payment.token_id else MandateStatus.FAILED
    else:
        mandate_status = MandateStatus.PENDING
    return MandateResult(
        status=mandate_status,
        connector_mandate_id=payment.token_id if mandate_status is MandateStatus.ACTIVE else None,
        connector_customer_id=payment.customer_id or customer_id,
        connector_status=payment.status or None,
        failure=(
            _failure(payment.error_reason, payment.error_description)
            if status is PaymentStatus.FAILED
            else decline(DeclineCode.TRANSACTION_NOT_ALLOWED, raw_message="no token made")
        )
        if mandate_status is MandateStatus.FAILED
        else None,
        card=_summary(payment.card),
        meta={k: v for k, v in ids.items() if v},
    )


def _refund(body: dict[str, Any], currency: str | None) -> RefundResult:
    rid = kit.text(body.get("id"))
    if not rid:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Razorpay answered without a refund."
        )
    raw = kit.text(body.get("status")) or ""
    status = kit.status_of(REFUND_STATUS, raw, RefundStatus.PENDING)
    amount = body.get("amount")
    return RefundResult(
        status=status,
        connector_refund_id=rid,
        amount=_from_razorpay(amount, kit.text(body.get("currency")) or currency)
        if isinstance(amount, int) and not isinstance(amount, bool)
        else None,
        connector_status=raw or None,
        failure=decline(DeclineCode.PROCESSING_ERROR, raw_message=raw)
        if status is RefundStatus.FAILED
        else None,
        pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        meta=_ids(payment_id=kit.text(body.get("payment_id"))),
    )


def _summary(card: RazorpayCard | None) -> CardSummary | None:
    if card is None or not card.last4:
        return None
    year = card.expiry_year
    return CardSummary(
        brand=card.network.strip().lower() if card.network else None,
        last4=card.last4,
        exp_month=card.expiry_month,
        exp_year=year + 2000 if year is not None and year < 100 else year,
    )


def _ids(**ids: str | None) -> dict[str, str]:
    return {k: v for k, v in ids.items() if v}
