"""Cybersource: the REST Payments API (``/pts/v2/payments`` and its captures, reversals,
voids and refunds), Transaction Details (``/tss/v2/transactions/{id}``) and the Token
Management Service (``/tms/v2/customers``), signed with Cybersource's HTTP Signature.

Why it looks the way it does:

- every request is signed (HTTP Signature, shared secret): ``v-c-merchant-id``, ``Date``,
  ``Host``, and for a body ``Digest: SHA-256=<base64 of the body's SHA-256>``; then
  ``Signature: keyid="<key id>", algorithm="HmacSHA256", headers="host date
  request-target digest v-c-merchant-id", signature="<base64 HMAC-SHA256>"`` over those
  header lines (``digest`` left out for a GET or DELETE), keyed with the base64-*decoded*
  shared secret. The signature covers the exact body bytes, so the body is encoded once;
- amounts are major-unit decimal strings (``"10.50"``; ``"1000"`` for JPY);
- an authorization is one call with ``processingInformation.capture`` false (manual) or
  true (a sale). A capture is ``POST .../captures`` (a capture of its own id, partial
  allowed), a void of an authorization is an *authorization reversal*
  (``.../reversals``), a void of a capture not yet settled ``/pts/v2/captures/{id}/voids``;
  refunds go to the capture (``/pts/v2/captures/{id}/refunds``) or, for a sale, the
  payment. Each of those has its own transaction id, kept in the payment's ``meta`` and
  given as ``secondary_ids`` so webhooks naming it find the payment;
- a declined card is a 201 with ``status: DECLINED`` and ``errorInformation.reason``
  (a result, not an error); a malformed request is a 400 with ``reason`` and
  ``details[].field``;
- sync reads Transaction Details for the payment's latest transaction (its reversal or
  void, else its capture, else the authorization); ``applicationInformation.status``
  tells the state. A payment whose create got no answer is found by its reference
  (``clientReferenceInformation.code``) with a Transaction Search. A refund is
  ``PENDING`` until Cybersource transmits it in the settlement batch (``TRANSMITTED``);
- an authorization asked for as incremental is a preauthorization (``authIndicator:
  "0"``), raised with ``PATCH /pts/v2/payments/{id}`` by the difference;
- a stored card is a TMS customer with a payment instrument, made by an authorization
  with ``actionList: ["TOKEN_CREATE"]``, and charged merchant-initiated with the stored
  credential flags and the first payment's network transaction id;
- a network token (or a wallet token the merchant decrypted) is a ``tokenizedCard``
  with its cryptogram; a wallet's names the wallet (``paymentSolution``) and carries the
  cryptogram as its authentication value too (``cavv``, or UCAF data for Mastercard). 3-D
  Secure done elsewhere goes in ``consumerAuthenticationInformation`` with the commerce
  indicator its ECI stands for (``vbv``, ``spa``, ``aesk``...), so no challenge is run;
- Cybersource takes no idempotency key: ``meta.idempotency`` is ``none`` (the core never
  re-sends a create whose answer was lost; the search by reference settles it);
- webhooks (Notification Subscriptions) carry ``v-c-signature: t=<ms>;keyId=<id>;
  sig=<base64>``, the HMAC-SHA256 of ``<t>.<body>`` under the base64-decoded digital
  signature key. See docs/connectors/cybersource.md.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import re
import time
from email.utils import formatdate
from typing import Any, TypeVar
from urllib.parse import urlsplit

import msgspec

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
    scrub_common,
)
from connector_service.connectors.capabilities import AUTHORIZE, CAPTURE, RECURRING, REFUND, takes
from connector_service.connectors.kit import methods as pm_kit
from connector_service.domain.common import Address, BrowserInfo, CardSummary, Customer
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
    Flow,
    IncrementData,
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
    Card,
    CardBrand,
    GooglePay,
    NetworkToken,
    PaymentMethodType,
    ThreeDsResult,
    type_of,
)
from connector_service.domain.splits import Order
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

CODE_MAX = 50  # clientReferenceInformation.code: "maximum length 50"
WEBHOOK_TOLERANCE_S = 300


class CybersourceConnector(Connector):
    meta = ConnectorMeta(
        name="cybersource",
        display_name="Cybersource",
        base_url_test="https://apitest.cybersource.com",
        base_url_live="https://api.cybersource.com",
        credential_fields=(
            CredentialField("merchant_id", "Merchant ID (organization), sent as v-c-merchant-id"),
            CredentialField("key_id", "REST shared secret key: its key id (Business Center)"),
            CredentialField("shared_secret", "REST shared secret key: the base64 secret"),
            CredentialField(
                "webhook_secret",
                "Digital signature key of the webhook subscription (base64, keyInformation.key)",
                False,
            ),
        ),
        option_fields=(
            CredentialField(
                "webhook_tolerance_seconds",
                "How old a webhook's signed timestamp (v-c-signature t=) may be, seconds "
                "(default 300; 0: not checked)",
                False,
            ),
        ),
        methods={
            # external_3ds: a card authenticated elsewhere carries its CAVV / AAV, ECI,
            # version and directory server id (consumerAuthenticationInformation)
            PaymentMethodType.CARD: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING, external_3ds=True),
            PaymentMethodType.MANDATE: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            # a network token or a decrypted Apple Pay / Google Pay token, as tokenizedCard
            PaymentMethodType.NETWORK_TOKEN: takes(AUTHORIZE, CAPTURE, REFUND),
            # the wallets' encrypted tokens, decrypted by Cybersource (fluidData)
            PaymentMethodType.APPLE_PAY: takes(AUTHORIZE, CAPTURE, REFUND),
            PaymentMethodType.GOOGLE_PAY: takes(AUTHORIZE, CAPTURE, REFUND),
        },
        idempotency="none",
        docs_url="https://developer.cybersource.com/api-reference-assets/index.html",
        secret_fields=("merchant_id", "key_id", "shared_secret", "webhook_secret"),
        order="orderInformation.lineItems (Level II/III: productName, productSku, quantity, "
        "unitPrice, taxAmount, totalAmount), amountDetails.taxAmount and freightAmount "
        "(order.shipping_amount), invoiceDetails.purchaseOrderNumber "
        "(order.customer_reference)",
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    def _call(
        self,
        ctx: ConnectorContext,
        method: str,
        path: str,
        flow: Flow,
        body: dict[str, Any] | None = None,
    ) -> HttpRequest:
        """A request signed with Cybersource's HTTP Signature. Only reads (and the
        DELETE, whose repeat is a 404 read as revoked) are marked idempotent:
        Cybersource deduplicates nothing, so a POST or PATCH is never re-sent."""
        url = f"{ctx.base_url}{path}"
        raw = json_body(drop_none(body)) if body is not None else None
        headers = signed_headers(
            method=method,
            url=url,
            body=raw,
            merchant_id=ctx.credential("merchant_id"),
            key_id=ctx.credential("key_id"),
            shared_secret=ctx.credential("shared_secret"),
            date=formatdate(time.time(), usegmt=True),
        )
        idempotent = method in ("GET", "DELETE")
        return HttpRequest(method, url, headers, raw, flow=flow.value, idempotent=idempotent)

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        pm = data.payment_method
        processing: dict[str, Any] = {
            "capture": data.capture_method is not CaptureMethod.MANUAL,
            "commerceIndicator": "internet",
        }
        payment: dict[str, Any]
        authentication: dict[str, Any] | None = None
        if isinstance(pm, StoredMandate):
            ref = pm.ref
            payment = {
                "customer": {"id": kit.require_id(ref.customer_id, Flow.CHARGE_MANDATE.value)},
                "paymentInstrument": {"id": ref.connector_mandate_id},
            }
            first = ref.meta.get("network_txn_id")  # the first payment's, for the network
            processing["authorizationOptions"] = {
                "initiator": {
                    "type": "merchant",
                    "storedCredentialUsed": True,
                    "merchantInitiatedTransaction": {"previousTransactionId": first}
                    if first
                    else None,
                }
            }
        elif isinstance(pm, Card):
            payment = {"card": _card(pm)}
            if data.setup_future_usage:
                processing |= _token_create()
            if pm.three_ds is not None:  # authenticated elsewhere: no new challenge
                processing["commerceIndicator"] = commerce_indicator(pm.brand, pm.three_ds.eci)
                authentication = _three_ds(pm.brand, pm.three_ds)
        elif isinstance(pm, NetworkToken):
            payment = {"tokenizedCard": _tokenized_card(pm)}
            processing |= _token_processing(pm)
            authentication = _token_authentication(pm)
        elif isinstance(pm, ApplePay | GooglePay):
            payment = _encrypted_wallet(pm)
            # Cybersource reads the ECI from the token it decrypts
            del processing["commerceIndicator"]
            processing["paymentSolution"] = PAYMENT_SOLUTION[type_of(pm).value]
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Cybersource takes a card, a network token, an Apple Pay or Google Pay token "
                "or a stored mandate here, not "
                f"{type(pm).__name__.lower()} details",
                field="payment_method.type",
            )
        if data.incremental_authorization:
            # A preauthorization (an estimate that may be raised, PATCH below), not final.
            options = processing.setdefault("authorizationOptions", {})
            options["authIndicator"] = "0"
        body = {
            "clientReferenceInformation": {"code": _code(data.reference)},
            "processingInformation": processing,
            "paymentInformation": payment,
            "consumerAuthenticationInformation": authentication,
            "orderInformation": _with_order(
                {
                    "amountDetails": _amount(data.amount, data.currency),
                    "billTo": _bill_to(data.billing, data.customer),
                    "shipTo": _ship_to(data.shipping),
                },
                data.order,
                data.currency,
            ),
            "merchantInformation": {"merchantDescriptor": {"name": data.statement_descriptor}}
            if data.statement_descriptor
            else None,
            "deviceInformation": _device(data.browser, data.customer),
        }
        return self._call(ctx, "POST", "/pts/v2/payments", Flow.AUTHORIZE, body)

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        body = {
            "clientReferenceInformation": {"code": _code(data.reference)},
            "orderInformation": {"amountDetails": _amount(data.amount, data.payment.currency)},
        }
        return self._call(ctx, "POST", f"/pts/v2/payments/{pid}/captures", Flow.CAPTURE, body)

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        """An authorization is reversed (its full amount); a capture not yet settled is
        voided by its own id."""
        ref = data.payment
        code = {"code": _code(ref.connector_payment_id)}
        capture_id = ref.meta.get("capture_id")
        if capture_id:
            path = f"/pts/v2/captures/{kit.segment(capture_id)}/voids"
            return self._call(ctx, "POST", path, Flow.VOID, {"clientReferenceInformation": code})
        body = {
            "clientReferenceInformation": code,
            "reversalInformation": {
                "amountDetails": {"totalAmount": _major(ref.amount, ref.currency)},
                "reason": (data.reason or "requested by the merchant")[:100],
            },
        }
        path = f"/pts/v2/payments/{kit.segment(ref.connector_payment_id)}/reversals"
        return self._call(ctx, "POST", path, Flow.VOID, body)

    def build_increment(self, ctx: ConnectorContext, data: IncrementData) -> HttpRequest:
        """``PATCH /pts/v2/payments/{id}`` with the amount to add (``additionalAmount``)."""
        ref = data.payment
        body = {
            "clientReferenceInformation": {"code": _code(data.reference)},
            "processingInformation": {
                "authorizationOptions": {"initiator": {"storedCredentialUsed": True}}
            },
            "orderInformation": {
                "amountDetails": {
                    "additionalAmount": _major(data.increment, ref.currency),
                    "currency": ref.currency.upper(),
                }
            },
        }
        path = f"/pts/v2/payments/{kit.segment(ref.connector_payment_id)}"
        return self._call(ctx, "PATCH", path, Flow.INCREMENT, body)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        ref = data.payment
        capture_id = ref.meta.get("capture_id")
        path = (
            f"/pts/v2/captures/{kit.segment(capture_id)}/refunds"
            if capture_id
            else f"/pts/v2/payments/{kit.segment(ref.connector_payment_id)}/refunds"
        )
        body = {
            "clientReferenceInformation": {"code": _code(data.reference)},
            "orderInformation": {"amountDetails": _amount(data.amount, ref.currency)},
        }
        return self._call(ctx, "POST", path, Flow.REFUND, body)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        ref = data.payment
        if not ref.connector_payment_id:
            # A create whose answer was lost: found by the reference it carried
            # (clientReferenceInformation.code), with a Transaction Search.
            reference = kit.require_id(ref.meta.get("reference"), Flow.SYNC.value)
            body = {
                "save": False,
                "name": "connector-service sync by reference",
                "timezone": "UTC",
                "query": f"clientReferenceInformation.code:{_search_term(_code(reference))}"
                " AND submitTimeUtc:[NOW/DAY-7DAYS TO NOW/DAY+1DAY}",
                "offset": 0,
                "limit": 20,
                "sort": "submitTimeUtc:desc",
            }
            request = self._call(ctx, "POST", "/tss/v2/searches", Flow.SYNC, body)
            return dataclasses.replace(request, idempotent=True)  # a read: safe to repeat
        latest = (
            ref.meta.get("void_id")
            or ref.meta.get("reversal_id")
            or ref.meta.get("capture_id")
            or ref.connector_payment_id
        )
        return self._call(ctx, "GET", f"/tss/v2/transactions/{kit.segment(latest)}", Flow.SYNC)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        rid = kit.segment(data.refund.connector_refund_id)
        return self._call(ctx, "GET", f"/tss/v2/transactions/{rid}", Flow.REFUND_SYNC)

    def build_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> HttpRequest:
        """A (zero-amount unless one is given) authorization that creates the TMS
        customer and payment instrument (``TOKEN_CREATE``), never captured."""
        pm = data.payment_method
        if not isinstance(pm, Card):
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Cybersource stores a card from its details (TMS tokens are made here)",
                field="payment_method.type",
            )
        body = {
            "clientReferenceInformation": {"code": _code(data.reference)},
            "processingInformation": {
                "capture": False,
                "commerceIndicator": "internet",
                **_token_create(),
            },
            "paymentInformation": {"card": _card(pm)},
            "orderInformation": {
                "amountDetails": _amount(max(data.amount, 0), data.currency),
                "billTo": _bill_to(data.billing, data.customer),
            },
            "deviceInformation": _device(data.browser, data.customer),
        }
        return self._call(ctx, "POST", "/pts/v2/payments", Flow.SETUP_MANDATE, body)

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        """The TMS customer made for the mandate, with its payment instrument."""
        ref = data.mandate
        cid = kit.segment(kit.require_id(ref.customer_id, Flow.REVOKE_MANDATE.value))
        return self._call(ctx, "DELETE", f"/tms/v2/customers/{cid}", Flow.REVOKE_MANDATE)

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        payment = _decode(response, PaymentAnswer)
        result = _sale(_payment(payment, data.amount), data.capture_method)
        if data.setup_future_usage and isinstance(data.payment_method, Card):
            result.mandate = _mandate(payment)
        return result

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        answer = _decode(response, PaymentAnswer, not_allowed="payment_not_capturable")
        status = kit.status_of(CAPTURE_STATUS, answer.status, PaymentStatus.PROCESSING)
        amount = _answer_minor(answer) or data.amount
        if status is PaymentStatus.CAPTURED and amount < data.payment.amount:
            status = PaymentStatus.PARTIALLY_CAPTURED
        return PaymentResult(
            status=status,
            connector_payment_id=data.payment.connector_payment_id,
            amount=data.payment.amount,
            amount_captured=amount if status.value.endswith("captured") else None,
            connector_status=f"capture {answer.status}",
            failure=_failure(answer) if status is PaymentStatus.FAILED else None,
            pending_reason="capture_pending" if status is PaymentStatus.PROCESSING else None,
            secondary_ids=[answer.id],
            meta={"capture_id": answer.id},
        )

    def parse_increment(
        self, ctx: ConnectorContext, data: IncrementData, response: HttpResponse
    ) -> PaymentResult:
        """Raised: the new total is authorized. Declined: the authorization stands at its
        amount, with the decline as its failure. In review: processing."""
        answer = _decode(response, PaymentAnswer, not_allowed="payment_not_incrementable")
        ref = data.payment
        status = kit.status_of(INCREMENT_STATUS, answer.status, PaymentStatus.PROCESSING)
        raised = status is PaymentStatus.AUTHORIZED and answer.status == "AUTHORIZED"
        return PaymentResult(
            status=status,
            connector_payment_id=ref.connector_payment_id,
            amount=data.amount if raised else ref.amount,
            connector_status=f"increment {answer.status}",
            failure=_failure(answer) if answer.status == "DECLINED" else None,
            pending_reason="pending_review" if status is PaymentStatus.PROCESSING else None,
            meta={"increment_id": answer.id},
        )

    def parse_void(
        self, ctx: ConnectorContext, data: VoidData, response: HttpResponse
    ) -> PaymentResult:
        answer = _decode(response, PaymentAnswer, not_allowed="payment_not_voidable")
        status = kit.status_of(VOID_STATUS, answer.status, PaymentStatus.PROCESSING)
        key = "void_id" if data.payment.meta.get("capture_id") else "reversal_id"
        return PaymentResult(
            status=status,
            connector_payment_id=data.payment.connector_payment_id,
            amount=data.payment.amount,
            connector_status=answer.status,
            failure=_failure(answer) if status is PaymentStatus.FAILED else None,
            pending_reason="void_pending" if status is PaymentStatus.PROCESSING else None,
            secondary_ids=[answer.id],
            meta={key: answer.id},
        )

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        answer = _decode(response, PaymentAnswer, not_allowed="payment_not_refundable")
        status = kit.status_of(REFUND_STATUS, answer.status, RefundStatus.PENDING)
        return RefundResult(
            status=status,
            connector_refund_id=answer.id,
            amount=_answer_minor(answer) or data.amount,
            connector_status=answer.status,
            failure=_failure(answer) if status is RefundStatus.FAILED else None,
            pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        )

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        ref = data.payment
        if not ref.connector_payment_id:
            return _searched(response, ref.amount)
        record = _decode(response, Transaction)
        raw = record.raw_status()
        status = kit.status_of(TRANSACTION_STATUS, raw, PaymentStatus.PROCESSING)
        if raw in {"PENDING", "TRANSMITTED"} and (
            record.id != ref.connector_payment_id or record.has_application("ics_bill")
        ):
            status = PaymentStatus.CAPTURED  # a capture's record, or a sale's
        amount = _minor_of(record.amount_details())
        if status is PaymentStatus.CAPTURED and amount is not None and amount < ref.amount:
            status = PaymentStatus.PARTIALLY_CAPTURED
        captured = amount if status.value.endswith("captured") else None
        return PaymentResult(
            status=status,
            connector_payment_id=ref.connector_payment_id,
            amount=ref.amount,
            amount_captured=captured,
            connector_status=raw,
            failure=_transaction_failure(record) if status is PaymentStatus.FAILED else None,
            pending_reason="pending_gateway" if status is PaymentStatus.PROCESSING else None,
            reference=record.reference(),
        )

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        record = _decode(response, Transaction)
        raw = record.raw_status()
        status = kit.status_of(TRANSACTION_REFUND_STATUS, raw, RefundStatus.PENDING)
        return RefundResult(
            status=status,
            connector_refund_id=data.refund.connector_refund_id,
            amount=_minor_of(record.amount_details()) or data.refund.amount,
            connector_status=raw,
            failure=_transaction_failure(record) if status is RefundStatus.FAILED else None,
            pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        )

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData, response: HttpResponse
    ) -> MandateResult:
        return _mandate(_decode(response, PaymentAnswer))

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        if response.status >= 300 and response.status != 404:
            raise _error(response, kit.obj(response.json()), None)
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status="deleted" if response.status < 300 else "not found",
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def gateway_reference(self, reference: str) -> str:
        """``clientReferenceInformation.code`` keeps 50 characters, and webhooks echo it."""
        return _code(reference)

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """``notificationId`` names the notification (the same on a retry)."""
        event = kit.decode_object(body) or {}
        return WebhookIdentity(
            event_id=kit.text(event.get("notificationId")),
            account_hint=kit.text(event.get("organizationId")),
        )

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
        """``v-c-signature: t=<ms>;keyId=<id>;sig=<base64>``: the HMAC-SHA256 of
        ``<t>.<body>`` under the base64-decoded digital signature key, no older than the
        account's ``webhook_tolerance_seconds`` (default :data:`WEBHOOK_TOLERANCE_S`)."""
        secret = ctx.credentials.get("webhook_secret")
        parts = _signature_parts(headers.get("v-c-signature", ""))
        if secret is None or not secret.reveal() or parts is None:
            return False
        stamp, signature = parts
        tolerance = _tolerance(ctx)
        if tolerance and abs(time.time() - stamp / 1000) > tolerance:
            return False
        key = _b64decode(secret.reveal())
        if key is None:
            return False
        expected = kit.hmac_sha256_b64(key, f"{stamp}.".encode() + body)
        return kit.constant_time_equal(expected, signature)

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        event = kit.webhooks.envelope(
            kit.decode_object(body) or None,
            "Cybersource",
            id_key="notificationId",
            type_key="eventType",
        )
        data = kit.webhooks.child(kit.webhooks.child(event, "payloads"), "data")
        tid = kit.text(data.get("id"))
        if tid is None:
            raise kit.webhooks.not_an_event("Cybersource", "`payloads.data.id` is missing")
        kind = str(event["eventType"])
        out = WebhookEvent(
            event_id=str(event["notificationId"]),
            type=WEBHOOK_EVENTS.get(kind, WebhookEventType.UNKNOWN),
            connector_event_type=kind,
            occurred_at=kit.text(event.get("eventDate")),
        )
        if out.type is WebhookEventType.UNKNOWN:
            return [out]
        if kind.startswith("payments.refunds.") or kind.startswith("payments.credits."):
            refund_status = REFUND_EVENT_STATUS.get(kind, RefundStatus.PENDING)
            out.refund = RefundResult(
                status=refund_status, connector_refund_id=tid, connector_status=kind
            )
            return [out]
        status = PAYMENT_EVENT_STATUS.get(kind, PaymentStatus.PROCESSING)
        # A capture, reversal or void has its own id: the core finds the payment through
        # the secondary ids its capture/void answer gave (PaymentResult.secondary_ids).
        out.connector_payment_id = tid
        out.payment = PaymentResult(
            status=status,
            connector_payment_id=tid,
            connector_status=kind,
            failure=decline(DeclineCode.GENERIC_DECLINE, raw_code=kind)
            if status is PaymentStatus.FAILED
            else None,
        )
        return [out]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        """The common scrub, plus the HTTP Signature's value and the card and
        authentication fields by Cybersource's names (``number``, ``securityCode``,
        ``cryptogram``, ``cavv``, ``xid``, ``ucafAuthenticationData``) wherever they
        appear, and a wallet's encrypted token (``fluidData.value``)."""
        text = _SIGNATURE.sub(r"\1[REDACTED]\2", transcript)
        text = _CARD_FIELD.sub(r"\1[REDACTED]\2", text)
        text = _FLUID_VALUE.sub(r"\1[REDACTED]\2", text)
        return scrub_common(text)


_FLUID_VALUE = re.compile(r'("fluidData"\s*:\s*\{[^{}]*?"value"\s*:\s*")[^"]*(")')
_SIGNATURE = re.compile(r'(signature=")[^"]*(")', re.IGNORECASE)
_CARD_FIELD = re.compile(
    r'("(?:number|securityCode|cryptogram|cavv|xid|ucafAuthenticationData)"\s*:\s*")[^"]*(")'
)


# --------------------------------------------------------------------------- the signature


def signed_headers(
    *,
    method: str,
    url: str,
    body: bytes | None,
    merchant_id: str,
    key_id: str,
    shared_secret: str,
    date: str,
) -> dict[str, str]:
    """The headers of a request signed with Cybersource's HTTP Signature (shared
    secret): what is signed is ``host``, ``date``, ``request-target`` (``<method>
    <path?query>``), ``digest`` when there is a body, and ``v-c-merchant-id``, one
    ``name: value`` line each, joined by newlines."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers: dict[str, str] = {
        "v-c-merchant-id": merchant_id,
        "Date": date,
        "Accept": "application/hal+json;charset=utf-8",
    }
    lines = [
        ("host", parts.netloc),
        ("date", date),
        ("request-target", f"{method.lower()} {target}"),
    ]
    if method.upper() in ("POST", "PUT", "PATCH"):
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body or b"").digest()).decode()
        headers["Digest"] = digest
        headers["Content-Type"] = "application/json;charset=utf-8"
        lines.append(("digest", digest))
    lines.append(("v-c-merchant-id", merchant_id))
    key = _b64decode(shared_secret)
    if key is None:
        raise ServiceError(
            ErrorType.CONNECTOR,
            "gateway_misconfigured",
            "The account's Cybersource shared_secret is not base64 (it is the secret of "
            "a REST shared secret key, as the Business Center shows it).",
            field="shared_secret",
        )
    message = "\n".join(f"{name}: {value}" for name, value in lines).encode()
    names = " ".join(name for name, _ in lines)
    headers["Signature"] = (
        f'keyid="{key_id}", algorithm="HmacSHA256", headers="{names}", '
        f'signature="{kit.hmac_sha256_b64(key, message)}"'
    )
    return headers


def _tolerance(ctx: ConnectorContext) -> int:
    raw = ctx.options.get("webhook_tolerance_seconds")
    if raw is None:
        return WEBHOOK_TOLERANCE_S
    if not raw.isdigit():
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            "option webhook_tolerance_seconds must be a whole number of seconds",
        )
    return int(raw)


def _b64decode(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True) or None
    except (binascii.Error, ValueError):
        return None


def _signature_parts(header: str) -> tuple[int, str] | None:
    """``t=<ms>;keyId=<id>;sig=<base64>`` -> (t, sig), or None when malformed."""
    fields: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields[name.strip()] = value.strip().strip('"')
    stamp, sig = fields.get("t", ""), fields.get("sig", "")
    if not stamp.isdigit() or not sig:
        return None
    return int(stamp), sig


# --------------------------------------------------------------------------- Cybersource objects


class AmountDetails(msgspec.Struct, frozen=True):
    totalAmount: str | None = None
    authorizedAmount: str | None = None
    currency: str | None = None


class OrderInfo(msgspec.Struct, frozen=True):
    amountDetails: AmountDetails | None = None


class ErrorInfo(msgspec.Struct, frozen=True):
    reason: str | None = None
    message: str | None = None


class MerchantAdvice(msgspec.Struct, frozen=True):
    code: str | None = None  # Mastercard's Merchant Advice Code, normalized
    codeRaw: str | None = None


class ProcessorInfo(msgspec.Struct, frozen=True):
    responseCode: str | None = None
    networkTransactionId: str | None = None
    transactionId: str | None = None
    merchantAdvice: MerchantAdvice | None = None


class TokenId(msgspec.Struct, frozen=True):
    id: str | None = None


class TokenInfo(msgspec.Struct, frozen=True):
    customer: TokenId | None = None
    paymentInstrument: TokenId | None = None
    instrumentIdentifier: TokenId | None = None


class CardInfo(msgspec.Struct, frozen=True):
    suffix: str | None = None
    prefix: str | None = None
    expirationMonth: str | None = None
    expirationYear: str | None = None
    type: str | None = None


class PaymentInfo(msgspec.Struct, frozen=True):
    card: CardInfo | None = None
    tokenizedCard: CardInfo | None = None


class ClientReference(msgspec.Struct, frozen=True):
    code: str | None = None


class PaymentAnswer(msgspec.Struct, frozen=True):
    """A payment, capture, reversal, void or refund answer (201): the fields read here."""

    id: str
    status: str = ""
    submitTimeUtc: str | None = None
    clientReferenceInformation: ClientReference | None = None
    orderInformation: OrderInfo | None = None
    errorInformation: ErrorInfo | None = None
    processorInformation: ProcessorInfo | None = None
    tokenInformation: TokenInfo | None = None
    paymentInformation: PaymentInfo | None = None
    # captures/refunds/reversals answer these instead of orderInformation
    refundAmountDetails: dict[str, Any] | None = None
    reversalAmountDetails: dict[str, Any] | None = None


class Application(msgspec.Struct, frozen=True):
    name: str | None = None
    status: str | None = None
    reasonCode: str | None = None
    rCode: str | None = None
    rFlag: str | None = None
    rMessage: str | None = None


class ApplicationInfo(msgspec.Struct, frozen=True):
    status: str | None = None
    reasonCode: str | None = None
    rCode: str | None = None
    rFlag: str | None = None
    applications: list[Application] = []


class TxOrderInfo(msgspec.Struct, frozen=True):
    amountDetails: AmountDetails | None = None


class Transaction(msgspec.Struct, frozen=True):
    """A Transaction Details record (``GET /tss/v2/transactions/{id}``)."""

    id: str
    status: str | None = None
    submitTimeUTC: str | None = None
    applicationInformation: ApplicationInfo | None = None
    orderInformation: TxOrderInfo | None = None
    clientReferenceInformation: ClientReference | None = None
    errorInformation: ErrorInfo | None = None

    def raw_status(self) -> str:
        app = self.applicationInformation
        return ((app.status if app else None) or self.status or "").upper()

    def amount_details(self) -> AmountDetails | None:
        return self.orderInformation.amountDetails if self.orderInformation else None

    def has_application(self, name: str) -> bool:
        """Whether the record holds ``name`` (``ics_bill``: a capture) done successfully."""
        apps = self.applicationInformation.applications if self.applicationInformation else []
        return any(a.name == name and a.rCode != "0" for a in apps)

    def reference(self) -> str | None:
        ref = self.clientReferenceInformation
        return ref.code if ref else None


class Summary(msgspec.Struct, frozen=True):
    """A Transaction Search hit (``_embedded.transactionSummaries[]``)."""

    id: str
    submitTimeUtc: str | None = None
    applicationInformation: ApplicationInfo | None = None
    orderInformation: TxOrderInfo | None = None
    clientReferenceInformation: ClientReference | None = None
    errorInformation: ErrorInfo | None = None

    def application(self, name: str) -> Application | None:
        apps = self.applicationInformation.applications if self.applicationInformation else []
        return next((a for a in apps if a.name == name), None)


class SearchEmbedded(msgspec.Struct, frozen=True):
    transactionSummaries: list[Summary] = []


class SearchAnswer(msgspec.Struct, frozen=True):
    embedded: SearchEmbedded | None = msgspec.field(default=None, name="_embedded")


# --------------------------------------------------------------------------- 5. status maps

PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "AUTHORIZED": PaymentStatus.AUTHORIZED,  # refined to captured for a sale
    "PARTIAL_AUTHORIZED": PaymentStatus.AUTHORIZED,
    "AUTHORIZED_PENDING_REVIEW": PaymentStatus.PROCESSING,  # Decision Manager review
    "PENDING_REVIEW": PaymentStatus.PROCESSING,
    "PENDING_AUTHENTICATION": PaymentStatus.FAILED,  # 3-D Secure is not requested here
    "AUTHORIZED_RISK_DECLINED": PaymentStatus.FAILED,  # the authorization is reversed
    "DECLINED": PaymentStatus.FAILED,
    "INVALID_REQUEST": PaymentStatus.FAILED,
}
# A capture is PENDING until the settlement batch transmits it: it is made (the funds
# are claimed; Cybersource does not fail a capture it accepted).
CAPTURE_STATUS: dict[str, PaymentStatus] = {
    "PENDING": PaymentStatus.CAPTURED,
    "TRANSMITTED": PaymentStatus.CAPTURED,
    "DECLINED": PaymentStatus.FAILED,
    "INVALID_REQUEST": PaymentStatus.FAILED,
}
# An incremental authorization: a decline leaves the authorization as it was.
INCREMENT_STATUS: dict[str, PaymentStatus] = {
    "AUTHORIZED": PaymentStatus.AUTHORIZED,
    "AUTHORIZED_PENDING_REVIEW": PaymentStatus.PROCESSING,
    "DECLINED": PaymentStatus.AUTHORIZED,
}
VOID_STATUS: dict[str, PaymentStatus] = {
    "REVERSED": PaymentStatus.VOIDED,
    "VOIDED": PaymentStatus.VOIDED,
    "CANCELLED": PaymentStatus.VOIDED,
    "FAILED": PaymentStatus.FAILED,
    "DECLINED": PaymentStatus.FAILED,
}
REFUND_STATUS: dict[str, RefundStatus] = {
    "PENDING": RefundStatus.PENDING,
    "TRANSMITTED": RefundStatus.SUCCEEDED,
    "DECLINED": RefundStatus.FAILED,
    "INVALID_REQUEST": RefundStatus.FAILED,
    "VOIDED": RefundStatus.FAILED,
    "CANCELLED": RefundStatus.FAILED,
    "FAILED": RefundStatus.FAILED,
}
# applicationInformation.status of a Transaction Details record.
TRANSACTION_STATUS: dict[str, PaymentStatus] = {
    **PAYMENT_STATUS,
    "TRANSMITTED": PaymentStatus.CAPTURED,  # a sale's authorization record, settled
    "REVERSED": PaymentStatus.VOIDED,
    "VOIDED": PaymentStatus.VOIDED,
    "CANCELLED": PaymentStatus.VOIDED,
    "FAILED": PaymentStatus.FAILED,
}
TRANSACTION_REFUND_STATUS = REFUND_STATUS
WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "payments.payments.accept": WebhookEventType.PAYMENT_AUTHORIZED,
    "payments.payments.partial.approval": WebhookEventType.PAYMENT_AUTHORIZED,
    "payments.payments.review": WebhookEventType.PAYMENT_PROCESSING,
    "payments.payments.reject": WebhookEventType.PAYMENT_FAILED,
    "payments.captures.accept": WebhookEventType.PAYMENT_CAPTURED,
    "payments.captures.review": WebhookEventType.PAYMENT_PROCESSING,
    "payments.captures.reject": WebhookEventType.CAPTURE_FAILED,
    "payments.reversals.accept": WebhookEventType.PAYMENT_VOIDED,
    "payments.voids.accept": WebhookEventType.PAYMENT_VOIDED,
    "payments.refunds.accept": WebhookEventType.REFUND_SUCCEEDED,
    "payments.refunds.partial.approval": WebhookEventType.REFUND_SUCCEEDED,
    "payments.refunds.reject": WebhookEventType.REFUND_FAILED,
    "payments.credits.accept": WebhookEventType.REFUND_SUCCEEDED,
    "payments.credits.reject": WebhookEventType.REFUND_FAILED,
}
PAYMENT_EVENT_STATUS: dict[str, PaymentStatus] = {
    "payments.payments.accept": PaymentStatus.AUTHORIZED,
    "payments.payments.partial.approval": PaymentStatus.AUTHORIZED,
    "payments.payments.review": PaymentStatus.PROCESSING,
    "payments.payments.reject": PaymentStatus.FAILED,
    "payments.captures.accept": PaymentStatus.CAPTURED,
    "payments.captures.review": PaymentStatus.PROCESSING,
    "payments.captures.reject": PaymentStatus.AUTHORIZED,  # the authorization stands
    "payments.reversals.accept": PaymentStatus.VOIDED,
    "payments.voids.accept": PaymentStatus.VOIDED,
}
REFUND_EVENT_STATUS: dict[str, RefundStatus] = {
    "payments.refunds.accept": RefundStatus.SUCCEEDED,
    "payments.refunds.partial.approval": RefundStatus.SUCCEEDED,
    "payments.refunds.reject": RefundStatus.FAILED,
    "payments.credits.accept": RefundStatus.SUCCEEDED,
    "payments.credits.reject": RefundStatus.FAILED,
}


# --------------------------------------------------------------------------- 6. error maps

# errorInformation.reason of a DECLINED payment (the SDK's documented values).
_DECLINES = (
    (DeclineCode.AUTHENTICATION_REQUIRED,
     "CONSUMER_AUTHENTICATION_REQUIRED PENDING_AUTHENTICATION"),
    (DeclineCode.AUTHENTICATION_FAILED, "CONSUMER_AUTHENTICATION_FAILED"),
    (DeclineCode.EXPIRED_CARD, "EXPIRED_CARD"),
    (DeclineCode.INSUFFICIENT_FUNDS, "INSUFFICIENT_FUND"),
    (DeclineCode.LIMIT_EXCEEDED, "EXCEEDS_CREDIT_LIMIT"),
    (DeclineCode.STOLEN_CARD, "STOLEN_LOST_CARD"),
    (DeclineCode.INCORRECT_CVC, "CVN_NOT_MATCH INVALID_CVN CV_FAILED"),
    (DeclineCode.INCORRECT_NUMBER, "INVALID_ACCOUNT INVALID_CARD"),
    (DeclineCode.INCORRECT_PIN, "ALLOWABLE_PIN_RETRIES_EXCEEDED"),
    (DeclineCode.ISSUER_UNAVAILABLE, "ISSUER_UNAVAILABLE"),
    (DeclineCode.PROCESSING_ERROR, "PROCESSOR_ERROR INVALID_MERCHANT_CONFIGURATION"),
    (DeclineCode.TRY_AGAIN_LATER, "CONTACT_PROCESSOR"),
    (DeclineCode.RESTRICTED_CARD, "UNAUTHORIZED_CARD BLOCKED_BY_CARDHOLDER SUSPENDED_ACCOUNT"),
    (DeclineCode.DO_NOT_HONOR, "PROCESSOR_DECLINED PAYMENT_REFUSED"),
    (DeclineCode.FRAUD_SUSPECTED,
     "DECISION_PROFILE_REJECT SCORE_EXCEEDS_THRESHOLD BLACKLISTED_CUSTOMER "
     "CUSTOMER_WATCHLIST_MATCH ADDRESS_COUNTRY_WATCHLIST_MATCH EMAIL_COUNTRY_WATCHLIST_MATCH "
     "IP_COUNTRY_WATCHLIST_MATCH DAGGREJECTED DAGGDENIED DSYSREJECTED"),
    (DeclineCode.INVALID_PAYMENT_DATA, "AVS_FAILED DECLINED_CHECK ACH_VERIFICATION_FAILED"),
    (DeclineCode.GENERIC_DECLINE, "GENERAL_DECLINE DECISION_PROFILE_REVIEW"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)

# A 400's ``reason`` (and ``details[].field``); the state conflicts answer 409.
_R = kit.ErrorRule
ERROR_MAP: kit.ErrorTable = {
    "MISSING_FIELD": _R(ErrorType.INVALID_REQUEST, "missing_field"),
    "INVALID_DATA": _R(ErrorType.INVALID_REQUEST, "invalid_field"),
    "INVALID_AMOUNT": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "EXCEEDS_AUTH_AMOUNT": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "INVALID_CARD": _R(ErrorType.INVALID_REQUEST, "invalid_card_number",
                       "payment_method.number"),
    "INVALID_CARD_TYPE": _R(ErrorType.INVALID_REQUEST, "payment_method_not_supported",
                            "payment_method.number"),
    "CARD_TYPE_NOT_ACCEPTED": _R(ErrorType.INVALID_REQUEST, "payment_method_not_supported",
                                 "payment_method.number"),
    "DUPLICATE_REQUEST": _R(ErrorType.CONFLICT, "duplicate_request"),
    "INVALID_PAYMENT_ID": _R(ErrorType.NOT_FOUND, "payment_not_found"),
    "MISSING_AUTH": _R(ErrorType.NOT_FOUND, "payment_not_found"),
    "AUTH_ALREADY_REVERSED": _R(ErrorType.CONFLICT, "payment_already_voided"),
    "TRANSACTION_ALREADY_SETTLED": _R(ErrorType.CONFLICT, "payment_already_captured"),
    "TRANSACTION_ALREADY_REVERSED_OR_SETTLED": _R(ErrorType.CONFLICT,
                                                  "payment_unexpected_state"),
    "NOT_VOIDABLE": _R(ErrorType.CONFLICT, "payment_not_voidable"),
    "CAPTURE_ALREADY_VOIDED": _R(ErrorType.CONFLICT, "payment_already_voided"),
    "ACCOUNT_NOT_ALLOWED_CREDIT": _R(ErrorType.CONFLICT, "payment_not_refundable"),
    "INVALID_MERCHANT_CONFIGURATION": _R(ErrorType.CONNECTOR, "gateway_misconfigured"),
    "PROCESSOR_UNAVAILABLE": _R(ErrorType.CONNECTOR, "gateway_unavailable"),
    "SYSTEM_ERROR": _R(ErrorType.CONNECTOR, "gateway_unavailable"),
    "SERVER_TIMEOUT": _R(ErrorType.CONNECTOR, "gateway_unavailable"),
    "SERVICE_TIMEOUT": _R(ErrorType.CONNECTOR, "gateway_unavailable"),
    "NOT_SUPPORTED": _R(ErrorType.NOT_SUPPORTED, "not_supported"),
    "401": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "404": _R(ErrorType.NOT_FOUND, "resource_not_found"),
}  # fmt: skip

_T = TypeVar("_T", PaymentAnswer, Transaction)

# Cybersource field paths -> ours, for a 400's details[].field.
_CAI = "consumerAuthenticationInformation"
_FIELDS = {
    "orderInformation.amountDetails.totalAmount": "amount",
    "orderInformation.amountDetails.currency": "currency",
    "paymentInformation.card.number": "payment_method.number",
    "paymentInformation.card.expirationMonth": "payment_method.exp_month",
    "paymentInformation.card.expirationYear": "payment_method.exp_year",
    "paymentInformation.card.securityCode": "payment_method.cvc",
    "paymentInformation.tokenizedCard.number": "payment_method.number",
    "paymentInformation.tokenizedCard.expirationMonth": "payment_method.exp_month",
    "paymentInformation.tokenizedCard.expirationYear": "payment_method.exp_year",
    "paymentInformation.tokenizedCard.cryptogram": "payment_method.cryptogram",
    f"{_CAI}.cavv": "payment_method.three_ds.authentication_value",
    f"{_CAI}.ucafAuthenticationData": "payment_method.three_ds.authentication_value",
    f"{_CAI}.directoryServerTransactionId": "payment_method.three_ds.ds_transaction_id",
    "paymentInformation.paymentInstrument.id": "payment_method.mandate_id",
    "paymentInformation.customer.id": "payment_method.mandate_id",
}


def _decode(response: HttpResponse, struct: type[_T], *, not_allowed: str | None = None) -> _T:
    body = kit.obj(response.json())
    if response.status >= 300:
        raise _error(response, body, not_allowed)
    decoded = kit.decode_as(body, struct)
    if decoded is None or not getattr(decoded, "id", ""):
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Cybersource answered no transaction."
        )
    return decoded


def _error(response: HttpResponse, body: dict[str, Any], not_allowed: str | None) -> ServiceError:
    reason = kit.text(body.get("reason"))
    message = kit.text(body.get("message")) or kit.text(kit.obj(body.get("response")).get("rmsg"))
    details = body.get("details")
    first = kit.obj(details[0]) if isinstance(details, list) and details else {}
    gateway_field = kit.text(first.get("field"))
    field = _FIELDS.get(gateway_field or "")
    if field is None and gateway_field:
        field = gateway_field
    if (
        not_allowed
        and reason in {"INVALID_DATA", "TRANSACTION_ALREADY_REVERSED_OR_SETTLED"}
        and gateway_field is None
    ):
        # "The transaction is not in a state that allows it": the state's fault.
        return ServiceError(
            ErrorType.CONFLICT,
            not_allowed,
            message or "Cybersource refused it now.",
            gateway=GatewayDetail(code=reason, message=message, http_status=response.status),
        )
    return kit.error_from(
        response,
        ERROR_MAP,
        codes=[reason, str(response.status)],
        raw_code=reason or str(response.status),
        message=message,
        field=field,
    )


# --------------------------------------------------------------------------- helpers

CYBERSOURCE = kit.Exponents("Cybersource")


def _major(minor: int, currency: str) -> str:
    try:
        return CYBERSOURCE.to_major(minor, currency.upper())
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None


def _amount(minor: int, currency: str) -> dict[str, str]:
    """ISO minor units -> ``{"totalAmount": "10.50", "currency": "USD"}``."""
    return {"totalAmount": _major(minor, currency), "currency": currency.upper()}


def _minor_of(details: AmountDetails | None) -> int | None:
    if details is None or not details.currency:
        return None
    value = details.totalAmount or details.authorizedAmount
    if not value:
        return None
    try:
        return CYBERSOURCE.from_major(value, details.currency.upper())
    except (ValueError, UnknownCurrency):
        return None


def _answer_minor(answer: PaymentAnswer) -> int | None:
    order = answer.orderInformation
    if order is not None and order.amountDetails is not None:
        return _minor_of(order.amountDetails)
    for extra in (answer.refundAmountDetails, answer.reversalAmountDetails):
        if extra:
            amount = kit.text(extra.get("refundAmount") or extra.get("reversedAmount"))
            currency = kit.text(extra.get("currency"))
            if amount and currency:
                return _minor_of(AmountDetails(totalAmount=amount, currency=currency))
    return None


def _code(reference: str) -> str:
    return reference[:CODE_MAX]


def _card(card: Card) -> dict[str, Any]:
    return {
        "number": card.number.reveal(),
        "expirationMonth": f"{card.exp_month:02d}",
        "expirationYear": str(card.exp_year),
        "securityCode": card.cvc.reveal() if card.cvc else None,
    }


def _token_create() -> dict[str, Any]:
    """Store the card in TMS (a customer and its payment instrument) as a
    customer-initiated, stored-on-file first use."""
    return {
        "actionList": ["TOKEN_CREATE"],
        "actionTokenTypes": ["customer", "paymentInstrument"],
        "authorizationOptions": {"initiator": {"type": "customer", "credentialStoredOnFile": True}},
    }


# paymentInformation.*.type: Cybersource's three-digit card type codes.
CARD_TYPE: dict[CardBrand, str] = {
    CardBrand.VISA: "001", CardBrand.MASTERCARD: "002", CardBrand.AMEX: "003",
    CardBrand.DISCOVER: "004", CardBrand.DINERS: "005", CardBrand.JCB: "007",
    CardBrand.MAESTRO: "042", CardBrand.UNIONPAY: "062",
}  # fmt: skip
# processingInformation.paymentSolution of a decrypted wallet token; a network token the
# merchant's token requestor provisioned sends none (014/015 are *returned* for TMS ones).
PAYMENT_SOLUTION = {"apple_pay": "001", "google_pay": "012"}
# tokenizedCard.transactionType: "1" a token from a device wallet (in-app / web),
# "3" a card-on-file (credential-on-file) token.
TOKEN_TRANSACTION_TYPE = {"apple_pay": "1", "google_pay": "1", "network_token": "3"}
# processingInformation.commerceIndicator from the ECI, per brand (Cybersource's "Payer
# Authentication Values"): Visa, Amex, Discover, Diners, JCB, UnionPay 05 authenticated,
# 06 attempted; Mastercard and Maestro "spa" for every ECI but 00. Otherwise "internet".
_SECURE_INDICATOR: dict[CardBrand, tuple[str, str]] = {
    CardBrand.VISA: ("vbv", "vbv_attempted"),
    CardBrand.AMEX: ("aesk", "aesk_attempted"),
    CardBrand.DISCOVER: ("dipb", "dipb_attempted"),
    CardBrand.DINERS: ("pb", "pb_attempted"),
    CardBrand.JCB: ("js", "js_attempted"),
    CardBrand.UNIONPAY: ("up3ds", "up3ds_attempted"),
}
_MASTERCARD = (CardBrand.MASTERCARD, CardBrand.MAESTRO)
_MASTERCARD_SECURE_ECI = frozenset({"01", "02", "06", "07"})
# consumerAuthenticationInformation.ucafCollectionIndicator of a Mastercard Identity Check
# result by ECI: "2" fully authenticated (ECI 02), "1" attempted (ECI 01).
MASTERCARD_UCAF_INDICATOR = {"02": "2", "01": "1"}


def commerce_indicator(brand: CardBrand, eci: str | None) -> str:
    """The ``commerceIndicator`` an ECI stands for at this brand."""
    if brand in _MASTERCARD:
        return "spa" if eci in _MASTERCARD_SECURE_ECI else "internet"
    pair = _SECURE_INDICATOR.get(brand)
    if pair is None or eci not in ("05", "06"):
        return "internet"
    return pair[0] if eci == "05" else pair[1]


def _cavv(brand: CardBrand, value: str) -> dict[str, str]:
    """An authentication value (CAVV, AAV, a wallet cryptogram) where the brand wants it:
    Mastercard's as UCAF data, the others' as ``cavv``; an Amex 40-byte cryptogram is
    split, its first 20 bytes as ``cavv`` and the last 20 as ``xid`` (as Cybersource's
    Apple Pay / Samsung Pay guides say)."""
    if brand in _MASTERCARD:
        return {"ucafAuthenticationData": value}
    if brand is CardBrand.AMEX:
        raw = _b64decode(value)
        if raw is not None and len(raw) == 40:
            return {
                "cavv": base64.b64encode(raw[:20]).decode(),
                "xid": base64.b64encode(raw[20:]).decode(),
            }
    return {"cavv": value}


def _three_ds(brand: CardBrand, result: ThreeDsResult) -> dict[str, Any]:
    """3-D Secure done elsewhere as ``consumerAuthenticationInformation``. EMV 3-D Secure
    (2.x) only: a 1.0 result would need its XID, which the model does not carry, and the
    networks retired 3-D Secure 1 in 2022."""
    if not result.version.startswith("2"):
        raise ServiceError(
            ErrorType.NOT_SUPPORTED,
            "not_supported",
            "Cybersource takes EMV 3-D Secure (2.x) results here, not 3-D Secure 1",
            field="payment_method.three_ds.version",
        )
    out: dict[str, Any] = _cavv(brand, result.authentication_value.reveal())
    if brand in _MASTERCARD:
        indicator = MASTERCARD_UCAF_INDICATOR.get(result.eci)
        if indicator is None:
            # 00 is "not authenticated" (pay without three_ds); 06 / 07 (exemptions,
            # recurring) have their own UCAF values this connector does not claim.
            raise invalid(
                "invalid_field",
                f"Mastercard ECI {result.eci} is not a 3-D Secure authentication or attempt "
                "this connector passes on (02 authenticated, 01 attempted)",
                "payment_method.three_ds.eci",
            )
        out["ucafCollectionIndicator"] = indicator
    out |= {
        "eciRaw": result.eci,
        "paSpecificationVersion": result.version,
        "directoryServerTransactionId": result.ds_transaction_id,
    }
    return drop_none(out)


def _tokenized_card(token: NetworkToken) -> dict[str, Any]:
    return drop_none(
        {
            "number": token.number.reveal(),
            "expirationMonth": f"{token.exp_month:02d}",
            "expirationYear": str(token.exp_year),
            "cryptogram": token.cryptogram.reveal(),
            "type": CARD_TYPE.get(token.brand),
            "transactionType": TOKEN_TRANSACTION_TYPE[token.source],
        }
    )


def _token_processing(token: NetworkToken) -> dict[str, Any]:
    """A wallet's token names its wallet (``paymentSolution``) and its ECI the commerce
    indicator (a Mastercard wallet cryptogram is UCAF data: ``spa`` even without an ECI);
    a card-on-file network token is an ordinary e-commerce (``internet``) transaction
    whose cryptogram (TAVV) travels in ``tokenizedCard.cryptogram``."""
    if token.source == "network_token":
        return {"commerceIndicator": "internet"}
    brand = token.brand
    indicator = "spa" if brand in _MASTERCARD else commerce_indicator(brand, token.eci)
    return {"commerceIndicator": indicator, "paymentSolution": PAYMENT_SOLUTION[token.source]}


# paymentInformation.fluidData.descriptor of an Apple Pay token (base64 of
# "FID=COMMON.APPLE.INAPP.PAYMENT"); a Google Pay token is sent without one.
APPLE_PAY_DESCRIPTOR = "RklEPUNPTU1PTi5BUFBMRS5JTkFQUC5QQVlNRU5U"


def _encrypted_wallet(pm: ApplePay | GooglePay) -> dict[str, Any]:
    """The wallet's encrypted token for Cybersource to decrypt ("Cybersource
    decryption"): base64 of the token's JSON as ``fluidData.value``; Apple Pay's with its
    descriptor and the in-app token transaction type."""
    value = pm_kit.wallet_token_b64(pm.token)
    if isinstance(pm, GooglePay):
        return {"fluidData": {"value": value}}
    return {
        "fluidData": {"descriptor": APPLE_PAY_DESCRIPTOR, "value": value},
        "tokenizedCard": {"transactionType": "1"},
    }


def _token_authentication(token: NetworkToken) -> dict[str, Any] | None:
    """A decrypted wallet token's cryptogram is also its authentication value (``cavv``,
    or UCAF data with collection indicator 2 for Mastercard)."""
    if token.source == "network_token":
        return None
    out = _cavv(token.brand, token.cryptogram.reveal())
    if token.brand in _MASTERCARD:
        out["ucafCollectionIndicator"] = "2"
    return out


def _bill_to(billing: Address | None, customer: Customer | None) -> dict[str, Any] | None:
    billing = billing or Address()
    customer = customer or Customer()
    first, _, last = (customer.name or "").partition(" ")
    bill_to = {
        "firstName": billing.first_name or first or None,
        "lastName": billing.last_name or last or None,
        "address1": billing.line1,
        "address2": billing.line2,
        "locality": billing.city,
        "administrativeArea": billing.state,
        "postalCode": billing.postal_code,
        "country": billing.country,
        "email": customer.email,
        "phoneNumber": billing.phone or customer.phone,
    }
    return drop_none(bill_to) or None


def _with_order(info: dict[str, Any], order: Order | None, currency: str) -> dict[str, Any]:
    """``orderInformation`` with ``order`` as Level II/III data: one ``lineItems`` entry
    per line (decimal strings, totals excluding tax), the order's tax and shipping next
    to the total in ``amountDetails``, the customer's reference as the purchase order
    number."""
    if order is None:
        return info
    info["lineItems"] = [
        drop_none(
            {
                "productName": line.name,
                # the wire name (the SDK rewrites its model's productSku to it)
                "productSKU": line.sku,
                "quantity": line.quantity,
                "unitPrice": _major(line.unit_amount, currency),
                "taxAmount": _major(line.tax_amount, currency)
                if line.tax_amount is not None
                else None,
                "totalAmount": _major(line.total, currency),
            }
        )
        for line in order.line_items
    ]
    info["amountDetails"] |= {
        "taxAmount": _major(order.total_tax, currency),
        "freightAmount": _major(order.shipping_amount, currency)
        if order.shipping_amount is not None
        else None,
    }
    if order.customer_reference:
        info["invoiceDetails"] = {"purchaseOrderNumber": order.customer_reference}
    return info


def _ship_to(shipping: Address | None) -> dict[str, Any] | None:
    if shipping is None:
        return None
    ship_to = {
        "firstName": shipping.first_name,
        "lastName": shipping.last_name,
        "address1": shipping.line1,
        "address2": shipping.line2,
        "locality": shipping.city,
        "administrativeArea": shipping.state,
        "postalCode": shipping.postal_code,
        "country": shipping.country,
        "phoneNumber": shipping.phone,
    }
    return drop_none(ship_to) or None


def _device(browser: BrowserInfo | None, customer: Customer | None) -> dict[str, Any] | None:
    """The customer's IP address and user agent, for Decision Manager's screening."""
    ip = (browser.ip_address if browser else None) or (customer.ip_address if customer else None)
    device = {"ipAddress": ip, "userAgent": browser.user_agent if browser else None}
    return drop_none(device) or None


def _payment(answer: PaymentAnswer, amount: int) -> PaymentResult:
    status = kit.status_of(PAYMENT_STATUS, answer.status, PaymentStatus.PROCESSING)
    authorized = _answer_minor(answer)
    processor = answer.processorInformation
    return PaymentResult(
        status=status,
        connector_payment_id=answer.id,
        amount=authorized if authorized is not None else amount,
        connector_status=answer.status or None,
        failure=_failure(answer) if status is PaymentStatus.FAILED else None,
        pending_reason="pending_review" if status is PaymentStatus.PROCESSING else None,
        network_transaction_id=processor.networkTransactionId if processor else None,
        card=_summary(answer.paymentInformation),
        reference=answer.clientReferenceInformation.code
        if answer.clientReferenceInformation
        else None,
    )


def _sale(result: PaymentResult, capture: CaptureMethod) -> PaymentResult:
    """An AUTHORIZED sale (``capture: true``) is captured."""
    if capture is not CaptureMethod.MANUAL and result.status is PaymentStatus.AUTHORIZED:
        result.status = PaymentStatus.CAPTURED
        result.amount_captured = result.amount
    return result


def _failure(answer: PaymentAnswer) -> Failure:
    info = answer.errorInformation or ErrorInfo()
    processor = answer.processorInformation
    raw = info.reason or answer.status
    advice = processor.merchantAdvice if processor else None
    return decline(
        kit.decline_of(DECLINE_MAP, raw, default=DeclineCode.GENERIC_DECLINE),
        raw_code=raw,
        raw_message=info.message,
        # Mastercard's Merchant Advice Code (not the processor's response code)
        advice_code=advice.code if advice else None,
        advice_vocabulary=MASTERCARD_ADVICE,
    )


def _search_term(value: str) -> str:
    """A search value as one quoted term (quotes and backslashes escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _searched(response: HttpResponse, amount: int) -> PaymentResult:
    """The authorization a Transaction Search found by reference: the latest one, read
    from its applications (``ics_auth`` done or declined, ``ics_bill`` a sale); none
    found is ``not_found`` (the core keeps the payment unresolved)."""
    body = kit.obj(response.json())
    if response.status >= 300:
        raise _error(response, body, None)
    answer = kit.decode_as(body, SearchAnswer) or SearchAnswer()
    hits = answer.embedded.transactionSummaries if answer.embedded else []
    auths = [hit for hit in hits if hit.application("ics_auth") is not None]
    if not auths:
        raise ServiceError(
            ErrorType.NOT_FOUND,
            "payment_not_found",
            "Cybersource has no payment by this reference.",
        )
    hit = max(auths, key=lambda h: h.submitTimeUtc or "")
    auth = hit.application("ics_auth")
    bill = hit.application("ics_bill")
    details = hit.orderInformation.amountDetails if hit.orderInformation else None
    found = _minor_of(details)
    if auth is not None and auth.rCode == "1":
        status = PaymentStatus.CAPTURED if bill and bill.rCode == "1" else PaymentStatus.AUTHORIZED
    elif auth is not None and auth.rCode == "0":
        status = PaymentStatus.FAILED
    else:
        status = PaymentStatus.PROCESSING
    info = hit.errorInformation or ErrorInfo()
    raw = info.reason or (auth.rFlag if auth else None)
    return PaymentResult(
        status=status,
        connector_payment_id=hit.id,
        amount=found if found is not None else amount,
        amount_captured=(found if found is not None else amount)
        if status is PaymentStatus.CAPTURED
        else None,
        connector_status=(auth.rFlag if auth else None),
        failure=decline(
            kit.decline_of(DECLINE_MAP, raw, default=DeclineCode.GENERIC_DECLINE),
            raw_code=raw,
            raw_message=info.message or (auth.rMessage if auth else None),
        )
        if status is PaymentStatus.FAILED
        else None,
        pending_reason="pending_gateway" if status is PaymentStatus.PROCESSING else None,
        reference=hit.clientReferenceInformation.code if hit.clientReferenceInformation else None,
    )


def _transaction_failure(record: Transaction) -> Failure:
    info = record.errorInformation or ErrorInfo()
    app = record.applicationInformation
    raw = info.reason or record.raw_status()
    return decline(
        kit.decline_of(DECLINE_MAP, raw, default=DeclineCode.GENERIC_DECLINE),
        raw_code=raw,
        raw_message=info.message or (app.rFlag if app else None),
    )


def _mandate(answer: PaymentAnswer) -> MandateResult:
    status = kit.status_of(PAYMENT_STATUS, answer.status, PaymentStatus.PROCESSING)
    tokens = answer.tokenInformation or TokenInfo()
    customer = tokens.customer.id if tokens.customer else None
    instrument = tokens.paymentInstrument.id if tokens.paymentInstrument else None
    processor = answer.processorInformation
    ntid = processor.networkTransactionId if processor else None
    active = status is PaymentStatus.AUTHORIZED and bool(customer and instrument)
    if active:
        mandate_status = MandateStatus.ACTIVE
    elif status is PaymentStatus.PROCESSING:
        mandate_status = MandateStatus.PENDING
    else:
        mandate_status = MandateStatus.FAILED
    return MandateResult(
        status=mandate_status,
        connector_mandate_id=instrument if active else None,
        connector_customer_id=customer,
        network_transaction_id=ntid,
        connector_status=answer.status or None,
        failure=(
            _failure(answer)
            if status is PaymentStatus.FAILED
            else decline(DeclineCode.PROCESSING_ERROR, raw_message="Cybersource made no token")
        )
        if mandate_status is MandateStatus.FAILED
        else None,
        card=_summary(answer.paymentInformation),
        meta={k: v for k, v in {"network_txn_id": ntid, "payment_id": answer.id}.items() if v},
    )


# card type code -> brand, for the card summary (Cartes Bancaires has no CardBrand)
_BRANDS = {code: brand.value for brand, code in CARD_TYPE.items()} | {"036": "cartes_bancaires"}


def _summary(info: PaymentInfo | None) -> CardSummary | None:
    card = (info.card or info.tokenizedCard) if info else None
    if card is None or not card.suffix:
        return None
    brand = _BRANDS.get(card.type or "")
    month_raw, year_raw = card.expirationMonth or "", card.expirationYear or ""
    month = int(month_raw) if month_raw.isdigit() else None
    year = int(year_raw) if year_raw.isdigit() else None
    return CardSummary(brand=brand, last4=card.suffix[-4:], exp_month=month, exp_year=year)
