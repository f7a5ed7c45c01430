"""Braintree over its GraphQL API (``POST {base}/graphql``).

Every request is one GraphQL document with its variables, written out below as module
constants (the tests validate each against Braintree's published schema with
graphql-core). The operations:

- raw cards are first tokenized (``tokenizeCreditCard``: a single-use payment method
  id), then ``authorizePaymentMethod`` (manual capture) or ``chargePaymentMethod``
  (automatic) take that id; a ``token`` payment method (a client-side nonce, or a vaulted
  payment method id) goes to those mutations directly;
- capture is ``captureTransaction`` for the whole amount and
  ``partialCaptureTransaction`` for less (which makes a *child* transaction: the payment
  keeps the parent's id, the children are kept in the payment's facts, and refunds go to
  the child that holds the money);
- void is ``reverseTransaction``, sent only after a lookup shows the transaction is
  ``AUTHORIZED`` (Braintree's reverse *refunds* a settled transaction: a void must never
  become a refund, so anything else is a 409 without a mutation);
- refund is ``refundTransaction`` (partial, several); sync and refund sync are
  ``node(id:)`` lookups; a payment whose create answer was lost is found by
  ``search.transactions(orderId)`` (our reference is the ``orderId``);
- mandates are vaulted payment methods (``vaultPaymentMethod``, which verifies a card
  first), charged merchant-initiated (``paymentInitiator: UNSCHEDULED``) and revoked
  with ``deletePaymentMethodFromVault``.

Braintree's GraphQL API answers HTTP 200 with top-level ``errors[]`` for refusals
(``extensions.errorClass``, ``extensions.legacyCode``, ``extensions.inputPath``); a
declined card is a *transaction* with status ``PROCESSOR_DECLINED`` / ``GATEWAY_REJECTED``
/ ``FAILED``: a result, not an error. 3-D Secure runs client-side in Braintree (the nonce
carries it), so there is no redirect to complete here: complete_authorize and
complete_mandate are not declared. Gateway facts and what is unsure:
docs/connectors/braintree.md.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs
from xml.etree import ElementTree

import msgspec
from msgspec import Meta

from connector_service.connectors import capabilities as cap
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
    json_body,
    require_id,
    scrub_common,
)
from connector_service.domain.common import CardSummary
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
    DisputeResult,
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
from connector_service.domain.payment_methods import Card, PaymentMethodType, Token
from connector_service.domain.status import (
    CaptureMethod,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

# The API version every request names (Braintree-Version: a date; the schema of that day
# applies). Chosen as the date the vendored schema was read against.
API_VERSION = "2026-11-01"
T = TypeVar("T")
DEFAULT_CURRENCY = "USD"
# Braintree retries an unacknowledged webhook for up to 24 hours with the same payload
# (and so the same timestamp): older than this is stale (option webhook_tolerance_seconds).
WEBHOOK_TOLERANCE_SECONDS = 25 * 3600
CAPTURES_KEY = "captures"  # payment facts: the partial captures' (child) ids, comma-separated
PURCHASE_ORDER_MAX = 17  # purchaseOrderNumber (Level 2): Braintree's limit
LINE_NAME_MAX, PRODUCT_CODE_MAX = 35, 12  # TransactionLineItemInput name / productCode


# ---- connector_options (issue 19): TransactionInput fields of the same name.


class BraintreeDescriptor(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    phone: (
        Annotated[
            str,
            Meta(pattern=r"^[0-9]{10,14}$(?!\n)", description="descriptor.phone: 10 to 14 digits"),
        ]
        | None
    ) = None
    url: Annotated[str, Meta(min_length=1, max_length=13, description="descriptor.url")] | None = (
        None
    )


class BraintreeCustomField(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[
        str,
        Meta(
            pattern=r"^[A-Za-z0-9_]{1,255}$(?!\n)",
            description="customFields[].name (as set up in the Control Panel)",
        ),
    ]
    value: Annotated[str, Meta(max_length=255, description="customFields[].value")]


class BraintreePaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.braintree`` on a payment (TransactionInput)."""

    merchant_account_id: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=255,
                description="merchantAccountId for this payment (overrides the account's; "
                "it must settle in the payment's currency)",
            ),
        ]
        | None
    ) = None
    purchase_order_number: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=PURCHASE_ORDER_MAX,
                description="purchaseOrderNumber (Level 2; default: order.customer_reference)",
            ),
        ]
        | None
    ) = None
    descriptor: BraintreeDescriptor | None = None
    custom_fields: (
        Annotated[
            list[BraintreeCustomField],
            Meta(max_length=50, description="customFields: the Control Panel's custom fields"),
        ]
        | None
    ) = None


class BraintreeConnector(Connector):
    meta = ConnectorMeta(
        name="braintree",
        display_name="Braintree",
        base_url_test="https://payments.sandbox.braintree-api.com",
        base_url_live="https://payments.braintree-api.com",
        credential_fields=(
            CredentialField("public_key", "API public key (the Basic auth user)"),
            CredentialField(
                "private_key", "API private key (the Basic auth password; signs webhooks)"
            ),
        ),
        option_fields=(
            CredentialField(
                "merchant_account_id",
                "Merchant account to transact on (default: the gateway's default account)",
                False,
            ),
            CredentialField(
                "merchant_accounts",
                "Merchant account per currency, 'USD:acct_usd,EUR:acct_eur' (overrides "
                "merchant_account_id for those currencies)",
                False,
            ),
            CredentialField(
                "currency",
                "Currency of merchant_account_id / the default merchant account (USD)",
                False,
            ),
            CredentialField(
                "webhook_tolerance_seconds",
                f"Age after which a webhook is stale (default {WEBHOOK_TOLERANCE_SECONDS})",
                False,
            ),
        ),
        methods={
            PaymentMethodType.CARD: cap.takes(
                cap.AUTHORIZE, cap.CAPTURE, cap.REFUND, cap.RECURRING
            ),
            PaymentMethodType.TOKEN: cap.takes(
                cap.AUTHORIZE, cap.CAPTURE, cap.REFUND, cap.RECURRING
            ),
            PaymentMethodType.MANDATE: cap.takes(
                cap.AUTHORIZE, cap.CAPTURE, cap.REFUND, cap.RECURRING
            ),
        },
        # No idempotency key at Braintree: the core never re-sends an effect, and a create
        # whose answer was lost is found by its orderId (our reference) with a search.
        idempotency="none",
        # partialCaptureTransaction: several captures while their sum stays within the
        # authorization. The schema has no "final" flag: after a final partial capture the
        # service refuses more, and Braintree lets the rest expire.
        multiple_captures=True,
        docs_url="https://developer.paypal.com/braintree/graphql/",
        secret_fields=("public_key", "private_key"),
        options=kit.ConnectorOptions(payment=BraintreePaymentOptions),
        # splits: the GraphQL schema has no marketplace fields (Braintree Marketplace's
        # serviceFeeAmount is a legacy SDK feature): not_supported.
        order="lineItems (Level 3), tax.taxAmount, shipping.shippingAmount, "
        "purchaseOrderNumber (order.customer_reference)",
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _request(
        ctx: ConnectorContext,
        query: str,
        variables: Mapping[str, Any],
        flow: Flow,
        *,
        idempotent: bool = False,
    ) -> HttpRequest:
        """One GraphQL call. ``idempotent``: reads, and calls without an effect on money
        (tokenizing a card), may be re-sent after an ambiguous failure; mutations may not
        (Braintree has no idempotency key)."""
        headers = {
            "Authorization": basic_auth(
                ctx.credential("public_key"), ctx.credential("private_key")
            ),
            "Braintree-Version": API_VERSION,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        body = json_body({"query": query, "variables": dict(variables)})
        return HttpRequest(
            "POST",
            f"{ctx.base_url.rstrip('/')}/graphql",
            headers,
            body,
            flow=flow.value,
            idempotent=idempotent,
        )

    # ----------------------------------------------------------------------- 3. builders

    def _payment_method_id(self, ctx: ConnectorContext, pm: object, flow: Flow) -> Steps:
        """The Braintree payment method id a transaction or vault call takes: a raw card
        is tokenized first (one call), a token or a stored mandate is one already."""
        if isinstance(pm, Card):
            card: dict[str, Any] = {
                "number": pm.number.reveal(),
                "expirationMonth": f"{pm.exp_month:02d}",
                "expirationYear": str(pm.exp_year),
            }
            if pm.cvc is not None:
                card["cvv"] = pm.cvc.reveal()
            if pm.holder_name:
                card["cardholderName"] = pm.holder_name
            response = yield self._request(
                ctx, TOKENIZE, {"input": {"creditCard": card}}, flow, idempotent=True
            )
            payload = _payload(response, "tokenizeCreditCard", _TokenizePayload, flow)
            method = payload.payment_method
            if method is None or not method.id:
                raise _no_object("tokenizeCreditCard", "paymentMethod")
            return method.id
        if isinstance(pm, Token):
            return pm.token
        if isinstance(pm, StoredMandate):
            return require_id(pm.ref.connector_mandate_id, flow.value)
        raise ServiceError(
            ErrorType.NOT_SUPPORTED,
            "payment_method_not_supported",
            f"Braintree does not support {type(pm).__name__.lower()} payments here",
            field="payment_method.type",
        )

    def steps_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> Steps:
        pm = data.payment_method
        mit = isinstance(pm, StoredMandate)
        transaction = _transaction_input(ctx, data.amount, data.currency, data.reference)
        if data.customer is not None and data.customer.email:
            transaction["customerDetails"] = {"email": data.customer.email}
        if data.statement_descriptor:
            transaction["descriptor"] = {"name": _descriptor(data.statement_descriptor)}
        transaction |= _order(data)
        _apply_options(transaction, kit.options_of(data, BraintreePaymentOptions))
        if mit:
            transaction["paymentInitiator"] = "UNSCHEDULED"
        elif data.setup_future_usage:
            transaction["vaultPaymentMethodAfterTransacting"] = {
                "when": "ON_SUCCESSFUL_TRANSACTION"
            }
        method_id = yield from self._payment_method_id(ctx, pm, Flow.AUTHORIZE)
        manual = data.capture_method is CaptureMethod.MANUAL
        query, field = (
            (AUTHORIZE, "authorizePaymentMethod") if manual else (CHARGE, "chargePaymentMethod")
        )
        variables = {"input": {"paymentMethodId": method_id, "transaction": transaction}}
        response = yield self._request(ctx, query, variables, Flow.AUTHORIZE)
        try:
            payload = _payload(response, field, _TransactionPayload, Flow.AUTHORIZE)
        except _Declined as declined:  # refused before a transaction was made
            return PaymentResult(
                status=PaymentStatus.FAILED,
                failure=declined.failure,
                connector_status="PROCESSOR_DECLINED",
                reference=data.reference,
            )
        txn = payload.transaction
        if txn is None:
            raise _no_object(field, "transaction")
        result = _payment(txn, data.currency)
        if data.setup_future_usage and not mit and result.status in _APPROVED:
            mandate = _mandate_from_transaction(txn)
            if mandate is not None:
                result.mandate = mandate
        return result

    def steps_capture(self, ctx: ConnectorContext, data: CaptureData) -> Steps:
        pid = require_id(data.payment.connector_payment_id, Flow.CAPTURE.value)
        currency = data.payment.currency
        amount = _to_major(data.amount, currency)
        captures = _captures(data.payment.meta)
        if data.amount >= data.payment.amount and not captures:
            variables: dict[str, Any] = {"input": {"transactionId": pid, "amount": amount}}
            response = yield self._request(ctx, CAPTURE, variables, Flow.CAPTURE)
            payload = _payload(response, "captureTransaction", _TransactionPayload, Flow.CAPTURE)
            if payload.transaction is None:
                raise _no_object("captureTransaction", "transaction")
            return _payment(payload.transaction, currency)
        variables = {"input": {"transactionId": pid, "transaction": {"amount": amount}}}
        response = yield self._request(ctx, PARTIAL_CAPTURE, variables, Flow.CAPTURE)
        partial = _payload(
            response, "partialCaptureTransaction", _PartialCapturePayload, Flow.CAPTURE
        )
        child = partial.capture
        if child is None:
            raise _no_object("partialCaptureTransaction", "capture")
        parent = (
            child.partial_capture_details.parent_authorization
            if child.partial_capture_details
            else None
        )
        if parent is not None:
            result = _payment(parent, currency)
        else:  # the child alone: what this capture took, on top of the earlier ones
            result = _payment(child, currency)
            result.connector_payment_id = pid
        ids = [*captures, *([child.id] if child.id and child.id not in captures else [])]
        result.meta[CAPTURES_KEY] = ",".join(ids)
        return result

    def steps_void(self, ctx: ConnectorContext, data: VoidData) -> Steps:
        """Read the transaction, then reverse it only while it is ``AUTHORIZED`` (with no
        partial capture): Braintree's reverse of a captured transaction is a refund, which
        a void must never silently become."""
        pid = require_id(data.payment.connector_payment_id, Flow.VOID.value)
        current = yield from self._lookup(ctx, pid, Flow.VOID)
        if current.status != "AUTHORIZED" or _children(current):
            raise ServiceError(
                ErrorType.CONFLICT,
                "payment_not_voidable",
                f"Braintree transaction is {current.status or 'in an unknown state'}: only an "
                "authorized transaction without captures can be voided (refund it instead)",
            )
        response = yield self._request(ctx, REVERSE, {"input": {"transactionId": pid}}, Flow.VOID)
        reversal = kit.obj(_data(response, "reverseTransaction", Flow.VOID).get("reversal"))
        if reversal.get("__typename") != "Transaction":
            # a Refund: Braintree refunded instead (it settled in between); say so
            raise ServiceError(
                ErrorType.CONFLICT,
                "payment_not_voidable",
                "Braintree refunded the transaction instead of voiding it (it was no longer "
                "only authorized); read the payment's refunds",
            )
        return _payment(_as(reversal, _Transaction, "reversal"), data.payment.currency)

    def steps_refund(self, ctx: ConnectorContext, data: RefundData) -> Steps:
        pid = require_id(data.payment.connector_payment_id, Flow.REFUND.value)
        currency = data.payment.currency
        target = pid
        captures = _captures(data.payment.meta)
        if len(captures) == 1:
            target = captures[0]
        elif captures:  # several partial captures: the first child with enough left
            parent = yield from self._lookup(ctx, pid, Flow.REFUND)
            target = _refund_target(parent, data.amount, currency)
        refund: dict[str, Any] = {
            "amount": _to_major(data.amount, currency),
            "orderId": data.reference,
        }
        if data.reason:
            refund["reason"] = data.reason[:255]
        variables = {"input": {"transactionId": target, "refund": refund}}
        response = yield self._request(ctx, REFUND, variables, Flow.REFUND)
        payload = _payload(response, "refundTransaction", _RefundPayload, Flow.REFUND)
        if payload.refund is None:
            raise _no_object("refundTransaction", "refund")
        result = _refund(payload.refund, currency)
        if target != pid:
            result.meta["capture_id"] = target
        return result

    def steps_sync(self, ctx: ConnectorContext, data: SyncData) -> Steps:
        pid = data.payment.connector_payment_id
        currency = data.payment.currency
        if pid:
            txn = yield from self._lookup(ctx, pid, Flow.SYNC)
            result = _payment(txn, currency)
            children = [c.id for c in _children(txn) if c.id]
            if children:
                result.meta[CAPTURES_KEY] = ",".join(children)
            return result
        # Created while its answer was lost: our reference is the transaction's orderId.
        reference = require_id(data.payment.meta.get("reference"), Flow.SYNC.value)
        response = yield self._request(
            ctx, SEARCH, {"orderId": reference}, Flow.SYNC, idempotent=True
        )
        found = _search_result(response)
        if found is None:
            raise ServiceError(
                ErrorType.NOT_FOUND,
                "payment_not_found",
                "No Braintree transaction has this orderId.",
            )
        return _payment(found, currency)

    def steps_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> Steps:
        rid = require_id(data.refund.connector_refund_id, Flow.REFUND_SYNC.value)
        response = yield self._request(
            ctx, NODE_REFUND, {"id": rid}, Flow.REFUND_SYNC, idempotent=True
        )
        node = _node(response, Flow.REFUND_SYNC)
        if node.get("__typename") != "Refund":
            raise _not_found(Flow.REFUND_SYNC)
        return _refund(_as(node, _Refund, "refund"), data.refund.currency)

    def steps_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> Steps:
        """Vault the card (Braintree verifies a card before vaulting it): the vaulted,
        multi-use payment method id is the mandate."""
        method_id = yield from self._payment_method_id(ctx, data.payment_method, Flow.SETUP_MANDATE)
        vault: dict[str, Any] = {"paymentMethodId": method_id}
        account = _merchant_account(ctx, data.currency.upper())
        if account:
            vault["verificationMerchantAccountId"] = account
        response = yield self._request(ctx, VAULT, {"input": vault}, Flow.SETUP_MANDATE)
        payload = _payload(response, "vaultPaymentMethod", _VaultPayload, Flow.SETUP_MANDATE)
        return _vaulted(payload)

    def steps_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> Steps:
        method_id = require_id(data.mandate.connector_mandate_id, Flow.REVOKE_MANDATE.value)
        response = yield self._request(
            ctx, DELETE_VAULTED, {"input": {"paymentMethodId": method_id}}, Flow.REVOKE_MANDATE
        )
        _payload(response, "deletePaymentMethodFromVault", _Empty, Flow.REVOKE_MANDATE)
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=method_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status="DELETED",
        )

    def _lookup(self, ctx: ConnectorContext, pid: str, flow: Flow) -> Steps:
        response = yield self._request(ctx, NODE_TRANSACTION, {"id": pid}, flow, idempotent=True)
        node = _node(response, flow)
        if node.get("__typename") != "Transaction":
            raise _not_found(flow)
        return _as(node, _Transaction, "transaction")

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """A notification carries no id of its own: its kind, subject id and timestamp
        name one (a redelivery repeats all three, so it is stored once)."""
        note = _notification(body)
        return WebhookIdentity(event_id=note.event_id if note else None)

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
        """``bt_signature`` is ``public_key|hex(HMAC-SHA1(SHA-1(private_key), bt_payload))``
        pairs joined by ``&``; the pair of this account's public key must match (the
        payload as sent, or with a trailing newline, as Braintree's SDKs accept). Then the
        notification's timestamp must be recent."""
        public = ctx.credentials.get("public_key")
        private = ctx.credentials.get("private_key")
        form = _form(body)
        signature, payload = form.get("bt_signature"), form.get("bt_payload")
        if not (public and private and public.reveal() and private.reveal()):
            return False
        if not signature or not payload or not _PAYLOAD_CHARS.fullmatch(payload):
            return False
        mine = [
            given
            for key, _, given in (pair.partition("|") for pair in signature.split("&"))
            if given and kit.constant_time_equal(key, public.reveal())
        ]
        if not mine:
            return False
        raw = payload.encode()
        good = any(
            kit.constant_time_equal(
                kit.hmac_sha1_hex(private.reveal(), candidate, hash_key=True), given.lower()
            )
            for candidate in (raw, raw + b"\n")
            for given in mine
        )
        if not good:
            return False
        note = _notification(body)
        if note is None or note.timestamp is None:
            return True  # signed by the account, but no notification: parse refuses it (400)
        tolerance = _tolerance(ctx)
        return abs(time.time() - note.timestamp) <= tolerance

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        note = _notification(body)
        if note is None:
            raise kit.webhooks.not_an_event("Braintree", "no bt_payload notification")
        if note.timestamp is None:
            raise kit.webhooks.not_an_event("Braintree", "the notification has no timestamp")
        kind = note.kind
        unified = WEBHOOK_EVENTS.get(kind, WebhookEventType.UNKNOWN)
        subject = note.subject
        event = WebhookEvent(
            event_id=note.event_id, type=unified, connector_event_type=kind,
            occurred_at=note.timestamp_text,
        )  # fmt: skip
        if subject is None:
            return [event]
        amount, currency = _xml_money(subject)
        event.amount, event.currency = amount, currency
        if subject.tag == "transaction" and kind.startswith("transaction_"):
            gid = _global_id(subject, "transaction")
            event.connector_payment_id = gid
            status = kit.status_of(
                PAYMENT_STATUS, _xml(subject, "status").upper(), PaymentStatus.PROCESSING
            )
            event.payment = PaymentResult(
                status=status,
                connector_payment_id=gid,
                amount=amount,
                amount_captured=amount if status is PaymentStatus.CAPTURED else None,
                connector_status=_xml(subject, "status") or None,
                failure=decline(DeclineCode.PROCESSING_ERROR, raw_message="settlement declined")
                if status is PaymentStatus.FAILED
                else None,
                secondary_ids=[_xml(subject, "id")] if _xml(subject, "id") else [],
            )
        elif subject.tag == "transaction" and kind == "refund_failed":
            event.refund = RefundResult(
                status=RefundStatus.FAILED,
                connector_refund_id=_global_id(subject, "refund"),
                amount=amount,
                connector_status=_xml(subject, "status") or kind,
                failure=decline(DeclineCode.PROCESSING_ERROR, raw_message=_xml(subject, "status")),
            )
            parent = _xml(subject, "refunded-transaction-id")
            if parent:
                event.connector_payment_id = _encode_global("transaction", parent)
        elif subject.tag == "dispute":
            txn = subject.find("transaction")
            gid = _global_id(txn, "transaction") if txn is not None else None
            event.connector_payment_id = gid
            raw_status = _xml(subject, "status")
            event.dispute = DisputeResult(
                status=kit.status_of(DISPUTE_STATUS, raw_status, DisputeStatus.UNDER_REVIEW),
                connector_dispute_id=_global_id(subject, "dispute") or "",
                connector_payment_id=gid,
                amount=amount,
                currency=currency,
                reason=_xml(subject, "reason") or None,
                connector_status=raw_status or kind,
                evidence_due_by=_xml(subject, "reply-by-date") or None,
            )
        elif kind == "payment_method_revoked_by_customer":
            event.mandate = MandateResult(
                status=MandateStatus.REVOKED,
                connector_mandate_id=_xml(subject, "global-id") or _xml(subject, "token") or None,
                connector_status=kind,
            )
        return [event]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        """The common scrub, plus what Braintree requests carry: the card fields of
        ``tokenizeCreditCard`` variables (``number``, ``cvv``) and Basic credentials."""
        text = _SECRET_FIELD.sub(r"\1[REDACTED]\2", transcript)
        return scrub_common(text)


_SECRET_FIELD = re.compile(r'(?i)(\\?"(?:number|cvv)\\?"\s*:\s*\\?")[^"\\]*(\\?")')
_PAYLOAD_CHARS = re.compile(r"[A-Za-z0-9+=/\n]+")

# --------------------------------------------------------------------------- GraphQL documents

_TRANSACTION_FIELDS = """
fragment TransactionFields on Transaction {
  id
  legacyId
  orderId
  status
  merchantAccountId
  amount { value currencyCode }
  paymentMethod { id usage }
  paymentMethodSnapshot {
    __typename
    ... on CreditCardDetails { brandCode last4 expirationMonth expirationYear }
    ... on CreditCardTransactionDetails {
      networkTransactionId
      creditCard { brandCode last4 expirationMonth expirationYear }
    }
  }
  statusHistory {
    __typename
    status
    amount { value currencyCode }
    ... on ProcessorDeclinedEvent {
      declineType
      processorResponse { legacyCode message }
      merchantAdviceCodeResponse { code message }
    }
    ... on GatewayRejectedEvent {
      gatewayRejectionReason
      processorResponse { legacyCode message }
    }
    ... on FailedEvent { processorResponse { legacyCode message } }
    ... on SettlementDeclinedEvent { processorResponse { legacyCode message } }
  }
  partialCaptureDetails {
    __typename
    ... on ParentAuthorization {
      childCaptures {
        id
        legacyId
        status
        amount { value currencyCode }
        refunds { id status amount { value currencyCode } }
      }
    }
  }
}
"""
_REFUND_FIELDS = """
fragment RefundFields on Refund {
  id
  legacyId
  orderId
  status
  amount { value currencyCode }
  refundedTransaction { id }
}
"""
_CARD_DETAILS = (
    "details { __typename ... on CreditCardDetails { brandCode last4 expirationMonth "
    "expirationYear } }"
)

TOKENIZE = f"""
mutation Tokenize($input: TokenizeCreditCardInput!) {{
  tokenizeCreditCard(input: $input) {{ paymentMethod {{ id usage {_CARD_DETAILS} }} }}
}}
"""
AUTHORIZE = (
    """
mutation Authorize($input: AuthorizePaymentMethodInput!) {
  authorizePaymentMethod(input: $input) { transaction { ...TransactionFields } }
}
"""
    + _TRANSACTION_FIELDS
)
CHARGE = (
    """
mutation Charge($input: ChargePaymentMethodInput!) {
  chargePaymentMethod(input: $input) { transaction { ...TransactionFields } }
}
"""
    + _TRANSACTION_FIELDS
)
CAPTURE = (
    """
mutation Capture($input: CaptureTransactionInput!) {
  captureTransaction(input: $input) { transaction { ...TransactionFields } }
}
"""
    + _TRANSACTION_FIELDS
)
PARTIAL_CAPTURE = (
    """
mutation PartialCapture($input: PartialCaptureTransactionInput!) {
  partialCaptureTransaction(input: $input) {
    capture {
      id
      legacyId
      status
      amount { value currencyCode }
      partialCaptureDetails {
        __typename
        ... on ChildCapture { parentAuthorization { ...TransactionFields } }
      }
    }
  }
}
"""
    + _TRANSACTION_FIELDS
)
REVERSE = (
    """
mutation Reverse($input: ReverseTransactionInput!) {
  reverseTransaction(input: $input) {
    reversal {
      __typename
      ... on Transaction { ...TransactionFields }
      ... on Refund { ...RefundFields }
    }
  }
}
"""
    + _TRANSACTION_FIELDS
    + _REFUND_FIELDS
)
REFUND = (
    """
mutation Refund($input: RefundTransactionInput!) {
  refundTransaction(input: $input) { refund { ...RefundFields } }
}
"""
    + _REFUND_FIELDS
)
NODE_TRANSACTION = (
    """
query Transaction($id: ID!) {
  node(id: $id) { __typename ... on Transaction { ...TransactionFields } }
}
"""
    + _TRANSACTION_FIELDS
)
NODE_REFUND = (
    """
query Refund($id: ID!) {
  node(id: $id) { __typename ... on Refund { ...RefundFields } }
}
"""
    + _REFUND_FIELDS
)
SEARCH = (
    """
query FindByOrderId($orderId: String!) {
  search {
    transactions(input: {orderId: {is: $orderId}}, first: 10) {
      edges { node { ...TransactionFields } }
    }
  }
}
"""
    + _TRANSACTION_FIELDS
)
VAULT = f"""
mutation Vault($input: VaultPaymentMethodInput!) {{
  vaultPaymentMethod(input: $input) {{
    paymentMethod {{ id usage {_CARD_DETAILS} }}
    verification {{
      id
      status
      gatewayRejectionReason
      processorResponse {{ legacyCode message }}
    }}
  }}
}}
"""
DELETE_VAULTED = """
mutation DeleteVaulted($input: DeletePaymentMethodFromVaultInput!) {
  deletePaymentMethodFromVault(input: $input) { clientMutationId }
}
"""
#: every document the connector sends, by name (the tests validate each one)
DOCUMENTS: dict[str, str] = {
    "tokenize": TOKENIZE, "authorize": AUTHORIZE, "charge": CHARGE, "capture": CAPTURE,
    "partial_capture": PARTIAL_CAPTURE, "reverse": REVERSE, "refund": REFUND,
    "node_transaction": NODE_TRANSACTION, "node_refund": NODE_REFUND, "search": SEARCH,
    "vault": VAULT, "delete_vaulted": DELETE_VAULTED,
}  # fmt: skip

# --------------------------------------------------------------------------- 4. answers (structs)


class _Money(msgspec.Struct, rename="camel"):
    value: str | None = None
    currency_code: str | None = None


class _ProcessorResponse(msgspec.Struct, rename="camel"):
    legacy_code: str | None = None
    message: str | None = None


class _Advice(msgspec.Struct):
    code: str | None = None
    message: str | None = None


class _Event(msgspec.Struct, rename="camel"):
    status: str | None = None
    amount: _Money | None = None
    decline_type: str | None = None
    processor_response: _ProcessorResponse | None = None
    merchant_advice_code_response: _Advice | None = None
    gateway_rejection_reason: str | None = None


class _CardDetails(msgspec.Struct, rename="camel"):
    brand_code: str | None = None
    last4: str | None = None
    expiration_month: str | None = None
    expiration_year: str | None = None


class _Snapshot(_CardDetails, rename="camel"):
    network_transaction_id: str | None = None
    credit_card: _CardDetails | None = None


class _PaymentMethod(msgspec.Struct, rename="camel"):
    id: str | None = None
    usage: str | None = None
    details: _CardDetails | None = None


class _ChildRefund(msgspec.Struct):
    id: str | None = None
    status: str | None = None
    amount: _Money | None = None


class _Child(msgspec.Struct, rename="camel"):
    id: str | None = None
    legacy_id: str | None = None
    status: str | None = None
    amount: _Money | None = None
    refunds: list[_ChildRefund] | None = None


class _PartialDetails(msgspec.Struct, rename="camel"):
    child_captures: list[_Child] | None = None
    parent_authorization: _Transaction | None = None


class _Transaction(msgspec.Struct, rename="camel"):
    id: str | None = None
    legacy_id: str | None = None
    order_id: str | None = None
    status: str | None = None
    merchant_account_id: str | None = None
    amount: _Money | None = None
    payment_method: _PaymentMethod | None = None
    payment_method_snapshot: _Snapshot | None = None
    status_history: list[_Event] | None = None
    partial_capture_details: _PartialDetails | None = None


class _Ref(msgspec.Struct):
    id: str | None = None


class _Refund(msgspec.Struct, rename="camel"):
    id: str | None = None
    legacy_id: str | None = None
    order_id: str | None = None
    status: str | None = None
    amount: _Money | None = None
    refunded_transaction: _Ref | None = None


class _Verification(msgspec.Struct, rename="camel"):
    id: str | None = None
    status: str | None = None
    gateway_rejection_reason: str | None = None
    processor_response: _ProcessorResponse | None = None


class _TokenizePayload(msgspec.Struct, rename="camel"):
    payment_method: _PaymentMethod | None = None


class _TransactionPayload(msgspec.Struct):
    transaction: _Transaction | None = None


class _PartialCapturePayload(msgspec.Struct):
    capture: _Transaction | None = None


class _RefundPayload(msgspec.Struct):
    refund: _Refund | None = None


class _VaultPayload(msgspec.Struct, rename="camel"):
    payment_method: _PaymentMethod | None = None
    verification: _Verification | None = None


class _Empty(msgspec.Struct):
    client_mutation_id: str | None = msgspec.field(default=None, name="clientMutationId")


class _ErrorExtensions(msgspec.Struct, rename="camel"):
    error_class: str | None = None
    legacy_code: str | None = None
    input_path: list[str | int] | None = None


class _GraphQLError(msgspec.Struct):
    message: str | None = None
    extensions: _ErrorExtensions | None = None


class _Envelope(msgspec.Struct):
    data: dict[str, Any] | None = None
    errors: list[_GraphQLError] | None = None


class _Declined(Exception):
    """An authorize refused with a processor decline code in ``errors[]``."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.code)
        self.failure = failure


# --------------------------------------------------------------------------- 4. parsers


def _envelope(response: HttpResponse) -> _Envelope:
    envelope = kit.decode_as(response.body, _Envelope) if response.body else None
    if envelope is None:
        raise kit.gateway_error(response, code=None, message="Braintree answered no GraphQL body")
    return envelope


def _data(response: HttpResponse, field: str, flow: Flow) -> dict[str, Any]:
    """``data.<field>`` of an answer, or the error its ``errors[]`` mean (GraphQL answers
    HTTP 200 with errors; a non-2xx without them is typed by its status)."""
    envelope = _envelope(response)
    if envelope.errors:
        raise _error(response, envelope.errors, flow)
    if response.status >= 400:
        raise kit.gateway_error(response, code=None, message=None)
    data = (envelope.data or {}).get(field)
    if not isinstance(data, dict):
        raise _no_object(field, "payload")
    return data


def _as(data: dict[str, Any], struct: type[T], what: str) -> T:
    try:
        return msgspec.convert(data, struct)
    except msgspec.ValidationError as exc:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", f"Braintree answered an unexpected {what}: {exc}"
        ) from None


def _payload(response: HttpResponse, field: str, struct: type[T], flow: Flow) -> T:
    """``data.<field>`` of a mutation as ``struct``."""
    return _as(_data(response, field, flow), struct, field)


def _node(response: HttpResponse, flow: Flow) -> dict[str, Any]:
    envelope = _envelope(response)
    if envelope.errors:
        raise _error(response, envelope.errors, flow)
    if response.status >= 400:
        raise kit.gateway_error(response, code=None, message=None)
    node = (envelope.data or {}).get("node")
    if not isinstance(node, dict):
        raise _not_found(flow)
    return node


def _search_result(response: HttpResponse) -> _Transaction | None:
    """The transaction a lost create made, among those with our orderId: an approved one
    first (a reference may also name earlier declined attempts), else the last listed."""
    envelope = _envelope(response)
    if envelope.errors:
        raise _error(response, envelope.errors, Flow.SYNC)
    search = kit.obj((envelope.data or {}).get("search"))
    edges = kit.obj(search.get("transactions")).get("edges")
    found = [
        _as(edge["node"], _Transaction, "transaction")
        for edge in edges or []
        if isinstance(edge, dict) and isinstance(edge.get("node"), dict)
    ]
    if not found:
        return None
    approved = [t for t in found if (t.status or "") not in _FAILED_STATUSES]
    return (approved or found)[-1]


def _payment(txn: _Transaction, currency: str) -> PaymentResult:
    raw = txn.status or ""
    status = kit.status_of(PAYMENT_STATUS, raw, PaymentStatus.PROCESSING)
    amount = _from_money(txn.amount, currency)
    captured: int | None = None
    children = _children(txn)
    if children:
        captured = sum(
            _from_money(c.amount, currency) or 0
            for c in children
            if kit.status_of(PAYMENT_STATUS, c.status, PaymentStatus.PROCESSING)
            is PaymentStatus.CAPTURED
        )
        if status in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED) and captured:
            full = amount is not None and captured >= amount
            status = PaymentStatus.CAPTURED if full else PaymentStatus.PARTIALLY_CAPTURED
    elif status is PaymentStatus.CAPTURED:
        captured = amount
    snapshot = txn.payment_method_snapshot
    return PaymentResult(
        status=status,
        connector_payment_id=txn.id,
        amount=amount,
        amount_captured=captured,
        connector_status=raw or None,
        failure=_failure(txn) if status is PaymentStatus.FAILED else None,
        network_transaction_id=snapshot.network_transaction_id if snapshot else None,
        pending_reason="authorizing" if raw == "AUTHORIZING" else None,
        card=_summary(snapshot.credit_card or snapshot if snapshot else None),
        reference=txn.order_id,
        secondary_ids=[txn.legacy_id] if txn.legacy_id else [],
        meta=_ids(legacy_id=txn.legacy_id, merchant_account_id=txn.merchant_account_id),
    )


def _children(txn: _Transaction) -> list[_Child]:
    details = txn.partial_capture_details
    return list(details.child_captures or []) if details else []


def _refund_target(parent: _Transaction, amount: int, currency: str) -> str:
    """The partial capture (child) a refund of ``amount`` can go to: Braintree refunds a
    capture, not the authorization, and one refund cannot span several captures."""
    for child in _children(parent):
        refunded = sum(
            _from_money(r.amount, currency) or 0
            for r in child.refunds or []
            if kit.status_of(REFUND_STATUS, r.status, RefundStatus.PENDING)
            is not RefundStatus.FAILED
        )
        left = (_from_money(child.amount, currency) or 0) - refunded
        if child.id and left >= amount:
            return child.id
    raise ServiceError(
        ErrorType.INVALID_REQUEST,
        "invalid_amount",
        "No single partial capture of this payment holds that amount; refund each capture "
        "separately (Braintree refunds captures one by one)",
        field="amount",
    )


def _captures(meta: Mapping[str, str]) -> list[str]:
    return [c for c in (meta.get(CAPTURES_KEY) or "").split(",") if c]


def _refund(refund: _Refund, currency: str) -> RefundResult:
    raw = refund.status or ""
    status = kit.status_of(REFUND_STATUS, raw, RefundStatus.PENDING)
    rid = refund.id
    if not rid:
        raise _no_object("refund", "id")
    return RefundResult(
        status=status,
        connector_refund_id=rid,
        amount=_from_money(refund.amount, currency),
        connector_status=raw or None,
        failure=decline(DeclineCode.PROCESSING_ERROR, raw_code=raw or None)
        if status is RefundStatus.FAILED
        else None,
        pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        meta=_ids(
            legacy_id=refund.legacy_id,
            refunded_transaction=refund.refunded_transaction.id
            if refund.refunded_transaction
            else None,
        ),
    )


def _vaulted(payload: _VaultPayload) -> MandateResult:
    method, verification = payload.payment_method, payload.verification
    raw = verification.status if verification else None
    status = kit.status_of(VERIFICATION_STATUS, raw, MandateStatus.PENDING) if raw else None
    if method is None or not method.id:
        status = MandateStatus.FAILED
    elif status is None:  # vaulted without a verification (e.g. verification skipped)
        status = MandateStatus.ACTIVE
    failure = None
    if status is MandateStatus.FAILED:
        response = verification.processor_response if verification else None
        failure = _decline_of(
            response.legacy_code if response else None,
            response.message if response else None,
            verification.gateway_rejection_reason if verification else None,
            None,
            raw or "",
        )
    return MandateResult(
        status=status,
        connector_mandate_id=method.id if method and status is MandateStatus.ACTIVE else None,
        connector_status=raw or ("VAULTED" if status is MandateStatus.ACTIVE else None),
        failure=failure,
        card=_summary(method.details if method else None),
        meta=_ids(verification_id=verification.id if verification else None),
    )


def _mandate_from_transaction(txn: _Transaction) -> MandateResult | None:
    """The payment method a successful transaction vaulted (multi-use), as a mandate."""
    method = txn.payment_method
    if method is None or not method.id or method.usage != "MULTI_USE":
        return None
    snapshot = txn.payment_method_snapshot
    return MandateResult(
        status=MandateStatus.ACTIVE,
        connector_mandate_id=method.id,
        network_transaction_id=snapshot.network_transaction_id if snapshot else None,
        connector_status="VAULTED",
        card=_summary(snapshot.credit_card or snapshot if snapshot else None),
    )


def _failure(txn: _Transaction) -> Failure:
    """The decline of a failed transaction, from its status event (the one of its
    current status; the last such event when there are several)."""
    raw = txn.status or ""
    events = [e for e in txn.status_history or [] if e.status == raw] or list(
        txn.status_history or []
    )
    event = events[-1] if events else _Event()
    response = event.processor_response
    advice = event.merchant_advice_code_response
    return _decline_of(
        response.legacy_code if response else None,
        response.message if response else None,
        event.gateway_rejection_reason,
        advice.code if advice else None,
        raw,
    )


def _decline_of(
    legacy_code: str | None,
    message: str | None,
    rejection: str | None,
    advice_code: str | None,
    status: str,
) -> Failure:
    if rejection:
        code = kit.decline_of(REJECTION_MAP, rejection, default=DeclineCode.GENERIC_DECLINE)
        return decline(
            code, raw_code=rejection, raw_message=message or f"gateway rejected: {rejection}"
        )
    if status == "FAILED" and not legacy_code:
        return decline(DeclineCode.PROCESSING_ERROR, raw_message=message or "failed")
    if status == "SETTLEMENT_DECLINED":
        return decline(DeclineCode.PROCESSING_ERROR, raw_code=legacy_code, raw_message=message)
    code = kit.decline_of(DECLINE_MAP, legacy_code, default=DeclineCode.GENERIC_DECLINE)
    return decline(
        code,
        raw_code=legacy_code,
        raw_message=message,
        advice_code=advice_code,
        advice_vocabulary=MASTERCARD_ADVICE if advice_code else None,
    )


def _summary(card: _CardDetails | None) -> CardSummary | None:
    if card is None or not card.last4:
        return None
    month, year = card.expiration_month, card.expiration_year
    return CardSummary(
        brand=card.brand_code.lower() if card.brand_code else None,
        last4=card.last4,
        exp_month=int(month) if month and month.isdigit() else None,
        exp_year=int(year) if year and year.isdigit() else None,
    )


def _ids(**ids: str | None) -> dict[str, str]:
    return {k: v for k, v in ids.items() if v}


# --------------------------------------------------------------------------- 5. status maps

# TransactionStatus (the schema's PaymentStatus enum), every value. Submitted for
# settlement is captured: the money is claimed, settlement is the batch that moves it.
PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "AUTHORIZED": PaymentStatus.AUTHORIZED,
    "AUTHORIZING": PaymentStatus.PROCESSING,
    "SUBMITTED_FOR_SETTLEMENT": PaymentStatus.CAPTURED,
    "SETTLING": PaymentStatus.CAPTURED,
    "SETTLEMENT_PENDING": PaymentStatus.CAPTURED,
    "SETTLED": PaymentStatus.CAPTURED,
    "SETTLEMENT_CONFIRMED": PaymentStatus.CAPTURED,
    "SETTLEMENT_DECLINED": PaymentStatus.FAILED,
    "VOIDED": PaymentStatus.VOIDED,
    # an authorization never captured and now released: nothing was charged
    "AUTHORIZATION_EXPIRED": PaymentStatus.VOIDED,
    "FAILED": PaymentStatus.FAILED,
    "GATEWAY_REJECTED": PaymentStatus.FAILED,
    "PROCESSOR_DECLINED": PaymentStatus.FAILED,
}
_APPROVED = frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED})
_FAILED_STATUSES = frozenset({"FAILED", "GATEWAY_REJECTED", "PROCESSOR_DECLINED"})
# A refund is a transaction of its own with the same statuses.
REFUND_STATUS: dict[str, RefundStatus] = {
    "AUTHORIZED": RefundStatus.PENDING,
    "AUTHORIZING": RefundStatus.PENDING,
    "SUBMITTED_FOR_SETTLEMENT": RefundStatus.SUCCEEDED,
    "SETTLING": RefundStatus.SUCCEEDED,
    "SETTLEMENT_PENDING": RefundStatus.SUCCEEDED,
    "SETTLED": RefundStatus.SUCCEEDED,
    "SETTLEMENT_CONFIRMED": RefundStatus.SUCCEEDED,
    "SETTLEMENT_DECLINED": RefundStatus.FAILED,
    "VOIDED": RefundStatus.FAILED,  # a refund voided before it settled never happened
    "AUTHORIZATION_EXPIRED": RefundStatus.FAILED,
    "FAILED": RefundStatus.FAILED,
    "GATEWAY_REJECTED": RefundStatus.FAILED,
    "PROCESSOR_DECLINED": RefundStatus.FAILED,
}
VERIFICATION_STATUS: dict[str, MandateStatus] = {
    "VERIFIED": MandateStatus.ACTIVE,
    "VERIFYING": MandateStatus.PENDING,
    "PENDING": MandateStatus.PENDING,
    "FAILED": MandateStatus.FAILED,
    "GATEWAY_REJECTED": MandateStatus.FAILED,
    "PROCESSOR_DECLINED": MandateStatus.FAILED,
}
DISPUTE_STATUS: dict[str, DisputeStatus] = {
    "open": DisputeStatus.NEEDS_RESPONSE,
    "disputed": DisputeStatus.UNDER_REVIEW,
    "under_review": DisputeStatus.UNDER_REVIEW,
    "won": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
    "expired": DisputeStatus.LOST,  # not answered in time
    "accepted": DisputeStatus.ACCEPTED,
    "auto_accepted": DisputeStatus.ACCEPTED,
}

# --------------------------------------------------------------------------- 6. error maps

# processorResponse.legacyCode (Braintree's processor response codes, 2000-3000).
DECLINE_MAP: kit.DeclineTable = kit.decline_table([
    (DeclineCode.DO_NOT_HONOR, "2000 2011 2041 2044"),
    (DeclineCode.INSUFFICIENT_FUNDS, "2001"),
    (DeclineCode.LIMIT_EXCEEDED, "2002 2003"),
    (DeclineCode.EXPIRED_CARD, "2004"),
    (DeclineCode.INCORRECT_NUMBER, "2005 2007 2008 2009 2051"),
    (DeclineCode.INVALID_EXPIRY, "2006"),
    (DeclineCode.INCORRECT_CVC, "2010 2060"),
    (DeclineCode.LOST_CARD, "2012 2053"),
    (DeclineCode.STOLEN_CARD, "2013"),
    (DeclineCode.FRAUD_SUSPECTED, "2014 2021"),
    (DeclineCode.TRANSACTION_NOT_ALLOWED, "2015 2023 2024 2058"),
    (DeclineCode.DUPLICATE_TRANSACTION, "2016"),
    (DeclineCode.REVOCATION_OF_AUTHORIZATION, "2017 2018"),
    (DeclineCode.INVALID_PAYMENT_DATA,
     "2019 2020 2025 2026 2028 2029 2030 2031 2033 2036 2037 2039 2040 2042 2045 2049 "
     "2050 2055 2059"),
    (DeclineCode.DO_NOT_TRY_AGAIN, "2022 2043"),
    (DeclineCode.INVALID_AMOUNT, "2027 2048 2054 2056"),
    (DeclineCode.GENERIC_DECLINE, "2034 2038 2046"),
    (DeclineCode.PICKUP_CARD, "2047"),
    (DeclineCode.RESTRICTED_CARD, "2057"),
    (DeclineCode.AUTHENTICATION_REQUIRED, "2099"),
    (DeclineCode.TRY_AGAIN_LATER, "3000"),
])  # fmt: skip
# gatewayRejectionReason (GatewayRejectionReason enum, every value).
REJECTION_MAP: kit.DeclineTable = kit.decline_table([
    (DeclineCode.INVALID_PAYMENT_DATA, "AVS"),
    (DeclineCode.INCORRECT_CVC, "CVV AVS_AND_CVV"),
    (DeclineCode.DUPLICATE_TRANSACTION, "DUPLICATE"),
    (DeclineCode.DO_NOT_TRY_AGAIN, "EXCESSIVE_RETRY TOO_MANY_CONFIRMATION_ATTEMPTS"),
    (DeclineCode.FRAUD_SUSPECTED, "FRAUD RISK_THRESHOLD"),
    (DeclineCode.TRANSACTION_NOT_ALLOWED,
     "APPLICATION_INCOMPLETE MANUAL_TRANSACTIONS_DISABLED UNION_PAY_ENROLLMENT_REQUIRED"),
    (DeclineCode.BLOCKED, "PAYMENT_METHOD_BLOCKED"),
    (DeclineCode.AUTHENTICATION_FAILED, "THREE_D_SECURE"),
    (DeclineCode.PROCESSING_ERROR, "TOKEN_ISSUANCE"),
])  # fmt: skip

# extensions.errorClass -> what the error is, when its legacyCode says nothing more.
_R = kit.ErrorRule
ERROR_CLASSES: kit.ErrorTable = {
    "VALIDATION": _R(ErrorType.INVALID_REQUEST, "gateway_rejected_request"),
    "AUTHENTICATION": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "AUTHORIZATION": _R(ErrorType.CONNECTOR, "gateway_permission_denied"),
    "NOT_FOUND": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "UNSUPPORTED_CLIENT": _R(ErrorType.CONNECTOR, "gateway_misconfigured"),
    "RESOURCE_LIMIT": _R(ErrorType.RATE_LIMITED, "gateway_rate_limited"),
    "INTERNAL": _R(ErrorType.CONNECTOR, "gateway_error"),
    "SERVICE_AVAILABILITY": _R(ErrorType.CONNECTOR, "gateway_unavailable"),
}
# extensions.legacyCode (Braintree's validation error codes) -> a precise meaning.
ERROR_MAP: kit.ErrorTable = {
    "81502": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),  # amount required
    "81503": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),  # must be > 0
    "81528": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),  # too large
    "81531": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),  # must be > 0
    "91504": _R(ErrorType.CONFLICT, "payment_not_voidable"),  # void: wrong status
    "91505": _R(ErrorType.CONFLICT, "payment_not_refundable"),  # cannot refund a credit
    "91506": _R(ErrorType.CONFLICT, "payment_not_refundable"),  # not settled yet
    "91507": _R(ErrorType.CONFLICT, "payment_not_capturable"),  # capture: not authorized
    "91512": _R(ErrorType.CONFLICT, "payment_already_refunded"),
    "91521": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),  # refund too large
    "91522": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),  # capture too large
    "91513": _R(ErrorType.INVALID_REQUEST, "invalid_merchant_account"),
    "91564": _R(ErrorType.INVALID_REQUEST, "invalid_token", "payment_method.token"),  # used
    "91565": _R(ErrorType.INVALID_REQUEST, "invalid_token", "payment_method.token"),  # unknown
    "81715": _R(ErrorType.INVALID_REQUEST, "invalid_card_number", "payment_method.number"),
    "81716": _R(ErrorType.INVALID_REQUEST, "invalid_card_number", "payment_method.number"),
    "81712": _R(ErrorType.INVALID_REQUEST, "invalid_expiry", "payment_method.exp_month"),
    "81713": _R(ErrorType.INVALID_REQUEST, "invalid_expiry", "payment_method.exp_year"),
    "81707": _R(ErrorType.INVALID_REQUEST, "invalid_cvc", "payment_method.cvc"),
}
# extensions.inputPath (from ``input``) -> the field of our request it points at.
INPUT_FIELDS: dict[str, str] = {
    "transaction.amount": "amount",
    "refund.amount": "amount",
    "amount": "amount",
    "transaction.transaction.amount": "amount",
    "creditCard.number": "payment_method.number",
    "creditCard.cvv": "payment_method.cvc",
    "creditCard.expirationMonth": "payment_method.exp_month",
    "creditCard.expirationYear": "payment_method.exp_year",
    "creditCard.cardholderName": "payment_method.holder_name",
    "transaction.orderId": "reference",
    "transaction.customerDetails.email": "customer.email",
    "transaction.descriptor.name": "statement_descriptor",
}
_DECLINE_CODE = re.compile(r"[23]\d{3}")


def _error(response: HttpResponse, errors: list[_GraphQLError], flow: Flow) -> ServiceError:
    first = errors[0]
    ext = first.extensions or _ErrorExtensions()
    klass, legacy = ext.error_class, ext.legacy_code
    if (
        flow is Flow.AUTHORIZE
        and legacy
        and _DECLINE_CODE.fullmatch(legacy)
        and klass == "VALIDATION"
    ):
        raise _Declined(_decline_of(legacy, first.message, None, None, "PROCESSOR_DECLINED"))
    path = [str(p) for p in ext.input_path or []]
    field = INPUT_FIELDS.get(".".join(path[1:] if path[:1] == ["input"] else path))
    if klass == "NOT_FOUND" and flow not in (Flow.AUTHORIZE, Flow.SETUP_MANDATE):
        detail = GatewayDetail(code=klass, message=first.message, http_status=response.status)
        return _not_found(flow, first.message, detail)
    err = kit.error_from(
        response,
        {**ERROR_CLASSES, **ERROR_MAP},
        codes=[legacy, klass],
        raw_code=legacy or klass,
        message=first.message,
        field=field,
    )
    if klass == "SERVICE_AVAILABILITY":
        err.http_status = 503
    return err


def _not_found(
    flow: Flow, message: str | None = None, gateway: GatewayDetail | None = None
) -> ServiceError:
    """A NOT_FOUND in a flow is about that flow's object."""
    text = message or "Braintree has no such object."
    if flow is Flow.REFUND_SYNC:
        return ServiceError(ErrorType.NOT_FOUND, "refund_not_found", text, gateway=gateway)
    if flow is Flow.REVOKE_MANDATE:
        return ServiceError(ErrorType.NOT_FOUND, "mandate_not_found", text, gateway=gateway)
    return ServiceError(ErrorType.NOT_FOUND, "payment_not_found", text, gateway=gateway)


def _no_object(field: str, what: str) -> ServiceError:
    return ServiceError(
        ErrorType.CONNECTOR, "gateway_error", f"Braintree's {field} answered no {what}."
    )


# --------------------------------------------------------------------------- amounts, accounts

BRAINTREE = kit.Exponents("Braintree")


def _account_currency(ctx: ConnectorContext) -> str:
    return (ctx.options.get("currency") or DEFAULT_CURRENCY).upper()


def _merchant_accounts(ctx: ConnectorContext) -> dict[str, str]:
    raw = ctx.options.get("merchant_accounts") or ""
    accounts: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        code, sep, account = part.partition(":")
        if not sep or not code.strip() or not account.strip():
            raise ServiceError(
                ErrorType.INVALID_REQUEST,
                "invalid_account_option",
                "option merchant_accounts must look like 'USD:acct_usd,EUR:acct_eur'",
            )
        accounts[code.strip().upper()] = account.strip()
    return accounts


def _merchant_account(ctx: ConnectorContext, currency: str) -> str | None:
    """The merchant account that transacts in ``currency`` (Braintree takes no currency
    on a transaction: the merchant account has one), or a 400 naming ``currency``."""
    accounts = _merchant_accounts(ctx)
    if currency in accounts:
        return accounts[currency]
    if currency == _account_currency(ctx):
        return ctx.options.get("merchant_account_id") or None
    known = sorted({*accounts, _account_currency(ctx)})
    raise invalid(
        "currency_not_supported",
        f"this Braintree account transacts in {', '.join(known)}, not {currency}",
        "currency",
    )


def _transaction_input(
    ctx: ConnectorContext, amount: int, currency: str, reference: str
) -> dict[str, Any]:
    code = currency.upper()
    account = _merchant_account(ctx, code)
    out: dict[str, Any] = {"amount": _to_major(amount, code), "orderId": reference[:255]}
    if account:
        out["merchantAccountId"] = account
    return out


def _apply_options(transaction: dict[str, Any], options: BraintreePaymentOptions | None) -> None:
    """The payment's ``connector_options.braintree`` onto its TransactionInput."""
    if options is None:
        return
    if options.merchant_account_id:
        transaction["merchantAccountId"] = options.merchant_account_id
    if options.purchase_order_number:
        transaction["purchaseOrderNumber"] = options.purchase_order_number
    if options.descriptor is not None:
        descriptor = transaction.setdefault("descriptor", {})
        descriptor |= msgspec.to_builtins(options.descriptor)
    if options.custom_fields:
        transaction["customFields"] = [
            {"name": f.name, "value": f.value} for f in options.custom_fields
        ]


def _order(data: AuthorizeData) -> dict[str, Any]:
    """``order`` as Level 2/3 data: one DEBIT ``lineItems`` entry per line (amounts as
    decimal strings, totals excluding tax), ``tax.taxAmount``, ``shipping.shippingAmount``
    and the customer reference as ``purchaseOrderNumber``."""
    order = data.order
    if order is None:
        return {}
    code = data.currency.upper()
    lines: list[dict[str, Any]] = []
    for index, line in enumerate(order.line_items):
        item: dict[str, Any] = {
            "name": line.name[:LINE_NAME_MAX],
            "kind": "DEBIT",
            "quantity": str(line.quantity),
            "unitAmount": _to_major(line.unit_amount, code),
            "totalAmount": _to_major(line.total, code),
        }
        if line.tax_amount is not None:
            item["taxAmount"] = _to_major(line.tax_amount, code)
        if line.sku is not None:
            if len(line.sku) > PRODUCT_CODE_MAX:
                raise invalid(
                    "invalid_order",
                    f"Braintree's productCode is at most {PRODUCT_CODE_MAX} characters",
                    f"order.line_items[{index}].sku",
                )
            item["productCode"] = line.sku
        lines.append(item)
    out: dict[str, Any] = {
        "lineItems": lines,
        "tax": {"taxAmount": _to_major(order.total_tax, code)},
    }
    if order.shipping_amount is not None:
        out["shipping"] = {"shippingAmount": _to_major(order.shipping_amount, code)}
    if order.customer_reference is not None:
        if len(order.customer_reference) > PURCHASE_ORDER_MAX:
            raise invalid(
                "invalid_order",
                f"Braintree's purchaseOrderNumber is at most {PURCHASE_ORDER_MAX} characters",
                "order.customer_reference",
            )
        out["purchaseOrderNumber"] = order.customer_reference
    return out


# Braintree's descriptor name: "company*product", the company part 3, 7 or 12 characters
# and the whole 22 at most (its docs' rule); anything else it refuses, so we do first.
_DESCRIPTOR = re.compile(r"[^*]{3}\*[^*]{1,18}|[^*]{7}\*[^*]{1,14}|[^*]{12}\*[^*]{1,9}")


def _descriptor(value: str) -> str:
    if not _DESCRIPTOR.fullmatch(value):
        raise invalid(
            "invalid_field",
            "Braintree needs a statement descriptor like 'COMPANY*PRODUCT': the company "
            "part 3, 7 or 12 characters, then '*', at most 22 in all",
            "statement_descriptor",
        )
    return value


def _to_major(amount: int, currency: str) -> str:
    try:
        return BRAINTREE.to_major(amount, currency)
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None


def _from_money(money: _Money | None, currency: str) -> int | None:
    if money is None or money.value is None:
        return None
    try:
        return BRAINTREE.from_major(money.value, money.currency_code or currency)
    except (ValueError, UnknownCurrency):
        return None


# --------------------------------------------------------------------------- webhook helpers

WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "transaction_settled": WebhookEventType.PAYMENT_CAPTURED,
    "transaction_settlement_declined": WebhookEventType.PAYMENT_FAILED,
    "refund_failed": WebhookEventType.REFUND_FAILED,
    "dispute_opened": WebhookEventType.DISPUTE_OPENED,
    "dispute_won": WebhookEventType.DISPUTE_WON,
    "dispute_lost": WebhookEventType.DISPUTE_LOST,
    "dispute_expired": WebhookEventType.DISPUTE_LOST,
    "dispute_accepted": WebhookEventType.DISPUTE_UPDATED,
    "dispute_auto_accepted": WebhookEventType.DISPUTE_UPDATED,
    "dispute_disputed": WebhookEventType.DISPUTE_UPDATED,
    "dispute_under_review": WebhookEventType.DISPUTE_UPDATED,
    "payment_method_revoked_by_customer": WebhookEventType.MANDATE_REVOKED,
    # check, transaction_disbursed/_reviewed/_retried, subscription_*, disbursement*,
    # local_payment_*, partner/oauth ... and anything new: UNKNOWN (kept, raw kind)
}
# No DTD, no entities: a notification is plain elements (refused before parsing, so the
# parser never expands anything).
_XML_FORBIDDEN = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_MAX_PAYLOAD = 1 << 20


@dataclass(frozen=True)
class _Notification:
    kind: str
    timestamp: int | None
    timestamp_text: str | None
    subject: ElementTree.Element | None
    event_id: str


def _form(body: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(body.decode("ascii"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in parsed.items() if v}


def _notification(body: bytes) -> _Notification | None:
    """The notification in ``bt_payload`` (base64 of XML), or None when it is not one."""
    payload = _form(body).get("bt_payload")
    if not payload or len(payload) > _MAX_PAYLOAD or not _PAYLOAD_CHARS.fullmatch(payload):
        return None
    try:
        xml = base64.b64decode(payload.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return None
    if _XML_FORBIDDEN.search(xml):
        return None
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314 (no DTD/entities: checked above)
    except ElementTree.ParseError:
        return None
    if root.tag != "notification":
        return None
    kind = _xml(root, "kind")
    if not kind:
        return None
    stamp_text = _xml(root, "timestamp") or None
    stamp = _timestamp(stamp_text)
    holder = root.find("subject")
    subject = next(iter(holder), None) if holder is not None else None
    sid = ""
    if subject is not None:
        sid = _xml(subject, "id") or _xml(subject, "token") or subject.tag
    return _Notification(
        kind=kind,
        timestamp=stamp,
        timestamp_text=stamp_text,
        subject=subject,
        event_id=f"{kind}:{sid or 'none'}:{stamp_text or ''}",
    )


def _timestamp(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return calendar.timegm(time.strptime(value.strip(), "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return None


def _tolerance(ctx: ConnectorContext) -> int:
    raw = ctx.options.get("webhook_tolerance_seconds")
    return int(raw) if raw and raw.isdigit() else WEBHOOK_TOLERANCE_SECONDS


def _xml(element: ElementTree.Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _xml_money(subject: ElementTree.Element) -> tuple[int | None, str | None]:
    """The subject's amount (minor units) and currency. Absent elements are absent; an
    element that is there must hold a decimal amount / an ISO-4217 code (a signed
    notification with ``<amount nil="true"/>`` or ``<amount>abc</amount>`` is garbage)."""
    present = {tag: subject.find(tag) is not None for tag in ("amount", "currency-iso-code")}
    value, currency = _xml(subject, "amount"), _xml(subject, "currency-iso-code")
    if present["currency-iso-code"]:
        kit.webhooks.currency({"c": currency or 0}, "c", "subject.currency-iso-code")
    if present["amount"]:
        kit.webhooks.major_amount({"amount": value or 0, "currency": currency}, "amount",
                                  "subject.amount", currency_key="currency")  # fmt: skip
    if not value or not currency:
        return None, currency or None
    return BRAINTREE.from_major(value, currency), currency


def _encode_global(kind: str, legacy_id: str) -> str:
    """The GraphQL id of a legacy id: unpadded base64 of ``<kind>_<legacy id>``, the shape
    Braintree's global ids show (observed, not documented: docs/connectors/braintree.md,
    *Unsure*; used only when a notification carries no ``global-id``)."""
    return base64.b64encode(f"{kind}_{legacy_id}".encode()).decode().rstrip("=")


def _global_id(element: ElementTree.Element, kind: str) -> str | None:
    """A webhook subject's GraphQL id: ``global-id`` when the notification has it, else
    formed from its legacy ``id``."""
    given = _xml(element, "global-id")
    if given:
        return given
    legacy = _xml(element, "id")
    return _encode_global(kind, legacy) if legacy else None
