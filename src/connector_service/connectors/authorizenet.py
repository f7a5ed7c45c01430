"""Authorize.net: the JSON API (``POST /xml/v1/request.api``): ``createTransactionRequest``
(authOnly / authCapture / priorAuthCapture / void / refund), ``getTransactionDetailsRequest``
and the Customer Information Manager (CIM) profiles for stored cards and bank accounts.

Why it looks the way it does:

- every call is one POST to one URL; the operation is the body's single root element
  (``{"createTransactionRequest": {...}}``), and the credentials travel *in the body*
  (``merchantAuthentication``: the API login id and the transaction key), never in a
  header. So scrub masks ``transactionKey`` wherever it appears;
- the JSON API is a mapping of the gateway's XML schema: element order follows the
  XSD's sequences (the gateway refuses another order), so the builders write keys in
  schema order. The official SDK's pyxb bindings of that schema validate every request
  this module builds (tests/connectors/test_authorizenet_sdk.py);
- the gateway answers HTTP 200 for everything, declines and errors included, with a
  UTF-8 byte-order mark before the JSON: the outcome is ``messages.resultCode``, and for
  a transaction ``transactionResponse.responseCode`` (1 approved, 2 declined, 3 error,
  4 held for review) with the response reason code in ``errors[0].errorCode``;
- amounts are decimal strings in major units (``"10.25"``); the account has one
  currency, which ``currencyCode`` names;
- a capture is ``priorAuthCaptureTransaction`` on the authorization's ``transId`` (one
  capture, partial allowed); a void is ``voidTransaction`` (also of an unsettled
  capture); a refund is ``refundTransaction`` of a *settled* transaction and needs the
  card's last four digits (kept in the payment's meta at authorize);
- Authorize.net has no idempotency key. The caller's key becomes ``refId`` (a 20
  character digest, echoed back) and every transaction carries ``duplicateWindow``: the
  gateway answers a resend of the same transaction within the window with response
  reason 11 and the original ``transId``, which is then read back, so a retry after a
  lost answer returns the original outcome instead of charging twice;
- 3-D Secure: the API takes an external MPI's results (``cardholderAuthentication``)
  only; it has no challenge redirect of its own, so there is no completion flow;
- a stored card is a CIM customer profile with a payment profile (the mandate id is
  the payment profile id, the customer id the profile id), charged with
  ``transactionRequest.profile`` and ``processingOptions.isSubsequentAuth``; a stored
  bank account is the same profile with ``payment.bankAccount``, marked a bank debit in
  the mandate's meta so its charges are eCheck debits (``processing`` until settled);
- an eCheck (``ach_debit``) is ``payment.bankAccount`` on an ``authCaptureTransaction``:
  there is no authorization to capture later, and an approval (response code 1) only
  means the gateway took the debit in. The money arrives days later and can still be
  returned by the bank (``returnedItem``), so the payment is ``processing`` until a sync
  reads ``settledSuccessfully``. Its refund names the bank account masked as the
  gateway shows it (read back from the original transaction, so nothing is stored);
  an unsettled debit is voided instead;
- webhooks are signed ``X-ANET-Signature: sha512=<HEX>``, the HMAC-SHA512 of the raw
  body under the account's Signature Key; no timestamp is signed.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

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
    json_body,
    scrub_common,
)
from connector_service.connectors.capabilities import AUTHORIZE, CAPTURE, RECURRING, REFUND, takes
from connector_service.connectors.kit import methods as pm_kit
from connector_service.domain.common import Address, CardSummary, Customer
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
    BANK_DEBIT_META,
    AuthorizeData,
    CaptureData,
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
from connector_service.domain.money import UnknownCurrency
from connector_service.domain.payment_methods import (
    AchDebit,
    ApplePay,
    Card,
    GooglePay,
    PaymentMethodType,
    Token,
)
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

API_PATH = "/xml/v1/request.api"
DEFAULT_DUPLICATE_WINDOW = 120  # seconds: the gateway's own default, stated explicitly
MAX_DUPLICATE_WINDOW = 28800  # the gateway's maximum (8 hours)
# Accept.js (and Accept Hosted) nonces: ``opaqueData`` with this descriptor.
ACCEPT_DESCRIPTOR = "COMMON.ACCEPT.INAPP.PAYMENT"
# In-app wallets: the wallet's payment data, base64, as opaqueData with its descriptor.
WALLET_DESCRIPTORS: dict[type[ApplePay | GooglePay], str] = {
    ApplePay: "COMMON.APPLE.INAPP.PAYMENT",
    GooglePay: "COMMON.GOOGLE.INAPP.PAYMENT",
}
# eCheck.Net: ``bankAccount.accountType`` per the unified account type and holder type
# (a company's checking account is ``businessChecking``), and the ACH entry class:
# ``WEB`` (internet-initiated, authorized by the customer online: the model's
# mandate_acceptance) for a person's account, ``CCD`` for a business checking account
# (the Merchant Interface: "charge and refund transactions to a business checking
# account will always be CCD").
ECHECK_ACCOUNT_TYPES: dict[tuple[str, str], str] = {
    ("checking", "individual"): "checking",
    ("savings", "individual"): "savings",
    ("checking", "company"): "businessChecking",
    # A company's savings account: eCheck.Net has no business savings type, and WEB is
    # the consumer entry class: refused (not_supported) rather than sent as a person's.
}
ECHECK_ENTRY_CLASS = {"businessChecking": "CCD"}  # else WEB
NAME_ON_ACCOUNT_MAX = 22  # bankAccountType.nameOnAccount (XSD maxLength)
# The payment's meta for an eCheck: its refund reads the masked account back first.
ECHECK = "bankAccount"
# An eCheck payment's meta: the method for a refund, and for events a bank debit even when
# it was charged through a stored profile (type ``mandate``).
ECHECK_META = {"method": ECHECK, BANK_DEBIT_META: "1"}
# eCheck.Net debits US bank accounts in US dollars only.
ECHECK_CURRENCIES = frozenset({"USD"})
ECHECK_ACCOUNT = "eCheck"  # transactionResponse.accountType of a bank-account payment


PO_NUMBER_MAX = 25  # poNumber
LINE_ITEMS_MAX = 30  # lineItems: the gateway takes 30 lines at most
LINE_TEXT_MAX = 31  # lineItem itemId and name


class AuthorizenetUserField(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=255, description="userField.name")]
    value: Annotated[str, Meta(max_length=255, description="userField.value")]


class AuthorizenetPaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.authorizenet`` on a payment."""

    po_number: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=PO_NUMBER_MAX,
                description="poNumber (Level 2; default: order.customer_reference)",
            ),
        ]
        | None
    ) = None
    tax_exempt: (
        Annotated[bool, Meta(description="taxExempt: the purchase is tax exempt")] | None
    ) = None
    user_fields: (
        Annotated[
            list[AuthorizenetUserField],
            Meta(
                max_length=20,
                description="userFields: merchant-defined fields the gateway keeps and echoes",
            ),
        ]
        | None
    ) = None


class AuthorizenetConnector(Connector):
    meta = ConnectorMeta(
        name="authorizenet",
        display_name="Authorize.net",
        base_url_test="https://apitest.authorize.net",
        base_url_live="https://api.authorize.net",
        credential_fields=(
            CredentialField("api_login_id", "API Login ID (Account > Settings > API Credentials)"),
            CredentialField("transaction_key", "Transaction Key (same page)"),
            CredentialField(
                "webhook_secret",
                "Signature Key (same page): signs webhooks (X-ANET-Signature)",
                False,
            ),
        ),
        option_fields=(
            CredentialField(
                "duplicate_window",
                "Seconds within which the gateway answers a resent transaction with the "
                f"original (duplicateWindow, 0-{MAX_DUPLICATE_WINDOW}; default "
                f"{DEFAULT_DUPLICATE_WINDOW})",
                False,
            ),
            CredentialField(
                "validation_mode",
                "How a stored card is checked when it is saved: liveMode (a zero-dollar "
                "authorization, default), testMode (format only) or none",
                False,
            ),
        ),
        # Wallet tokens pay once: a customer profile is made from a card or a nonce.
        methods={
            PaymentMethodType.CARD: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            PaymentMethodType.TOKEN: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            PaymentMethodType.APPLE_PAY: takes(AUTHORIZE, CAPTURE, REFUND),
            PaymentMethodType.GOOGLE_PAY: takes(AUTHORIZE, CAPTURE, REFUND),
            PaymentMethodType.MANDATE: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            # eCheck.Net: US bank accounts in USD, debited at once (no authorization to
            # capture later), refundable once settled; stored as a CIM payment profile
            # with a bankAccount (a mandate set-up, or setup_future_usage on a debit).
            PaymentMethodType.ACH_DEBIT: takes(
                AUTHORIZE,
                REFUND,
                RECURRING,
                countries=frozenset({"US"}),
                currencies=ECHECK_CURRENCIES,
            ),
        },
        # Authorize.net's processing currencies (one per merchant account).
        currencies=frozenset(
            {"USD", "CAD", "GBP", "EUR", "AUD", "NZD", "CHF", "DKK", "NOK", "PLN", "SEK"}
        ),
        idempotency="refId (digest of the key) + duplicateWindow: a resend answers the original",
        docs_url="https://developer.authorize.net/api/reference/index.html",
        secret_fields=("api_login_id", "transaction_key", "webhook_secret"),
        options=kit.ConnectorOptions(payment=AuthorizenetPaymentOptions),
        # splits: Authorize.net has no marketplace or split funding: not_supported.
        order="lineItems (30 at most; itemId = sku or the line's number), tax.amount, "
        "shipping.amount, poNumber (order.customer_reference)",
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _call(
        ctx: ConnectorContext,
        operation: str,
        flow: Flow,
        fields: dict[str, Any],
        *,
        ref: bool = True,
        idempotent: bool = False,
    ) -> HttpRequest:
        """The one request shape: ``{operation: {merchantAuthentication, refId, ...}}``
        posted to the API URL. ``refId`` (at most 20 characters) is a digest of the
        caller's key, so the gateway's echo ties an answer to its request."""
        inner: dict[str, Any] = {
            "merchantAuthentication": {
                "name": ctx.credential("api_login_id"),
                "transactionKey": ctx.credential("transaction_key"),
            }
        }
        if ref and ctx.idempotency_key:
            inner["refId"] = _ref_id(ctx.idempotency_key)
        inner |= _pruned(fields)
        return HttpRequest(
            "POST",
            f"{ctx.base_url}{API_PATH}",
            {"Content-Type": "application/json", "Accept": "application/json"},
            json_body({operation: inner}),
            flow=flow.value,
            idempotent=idempotent,
        )

    def _transaction(
        self, ctx: ConnectorContext, flow: Flow, request: dict[str, Any]
    ) -> HttpRequest:
        """A ``createTransactionRequest``: resending it within the duplicate window is
        answered with the original transaction (reason 11), hence idempotent."""
        request["transactionSettings"] = {
            "setting": [
                {"settingName": "duplicateWindow", "settingValue": str(_duplicate_window(ctx))}
            ]
        }
        ordered = _in_order(request, TRANSACTION_REQUEST_ORDER)
        return self._call(
            ctx,
            "createTransactionRequest",
            flow,
            {"transactionRequest": ordered},
            idempotent=True,
        )

    def _details(self, ctx: ConnectorContext, flow: Flow, trans_id: str) -> HttpRequest:
        return self._call(
            ctx,
            "getTransactionDetailsRequest",
            flow,
            {"transId": kit.require_id(trans_id, flow.value)},
            ref=False,
            idempotent=True,
        )

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        pm = data.payment_method
        manual = data.capture_method is CaptureMethod.MANUAL
        request: dict[str, Any] = {
            "transactionType": "authOnlyTransaction" if manual else "authCaptureTransaction",
            "amount": _amount(data.amount, data.currency),
            "currencyCode": data.currency.upper(),
        }
        if isinstance(pm, StoredMandate):
            ref = pm.ref
            bank = _is_bank_mandate(ref.meta)
            if bank and manual:
                raise not_supported(
                    "Authorize.net debits a stored bank account at once: capture_method "
                    "manual is not supported for an ach_debit mandate",
                    "capture_method",
                )
            if bank and data.currency.upper() not in ECHECK_CURRENCIES:
                # the mandate is charged as type "mandate", which the eCheck limits of the
                # declaration do not reach: checked here, before the call
                raise not_supported(
                    f"Authorize.net debits a bank account in {', '.join(sorted(ECHECK_CURRENCIES))}"
                    f" only, not {data.currency}",
                    "currency",
                )
            request["profile"] = {
                "customerProfileId": kit.require_id(ref.customer_id, Flow.CHARGE_MANDATE.value),
                "paymentProfile": {"paymentProfileId": ref.connector_mandate_id},
            }
            if not bank:
                # A merchant-initiated charge of a stored card (the card networks'
                # stored-credential framework, which an ACH debit is not part of).
                request["processingOptions"] = {"isSubsequentAuth": "true"}
            if ref.network_transaction_id and not bank:
                request["subsequentAuthInformation"] = {
                    "originalNetworkTransId": ref.network_transaction_id
                }
        elif isinstance(pm, Card):
            request["payment"] = {"creditCard": _card(pm)}
        elif isinstance(pm, AchDebit):
            _check_echeck(data)
            request["payment"] = {"bankAccount": _bank_account(pm)}
        elif isinstance(pm, Token):
            request["payment"] = {
                "opaqueData": {"dataDescriptor": ACCEPT_DESCRIPTOR, "dataValue": pm.token}
            }
        elif isinstance(pm, ApplePay | GooglePay):
            # The model has checked the token is there (payment_method.token).
            request["payment"] = {
                "opaqueData": {
                    "dataDescriptor": WALLET_DESCRIPTORS[type(pm)],
                    "dataValue": pm.token.reveal(),
                }
            }
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Authorize.net takes a card, an Accept.js token, an Apple Pay or Google Pay "
                f"token (opaqueData), a US bank account (ach_debit: eCheck) or a stored "
                f"profile, not {_kind(pm)}",
                field="payment_method.type",
            )
        if data.setup_future_usage and not isinstance(pm, StoredMandate):
            # Save the card or bank account as a CIM profile with this transaction (its
            # ids come back in transactionResponse.profile).
            request.setdefault("profile", {})["createProfile"] = "true"
        request["order"] = {
            "invoiceNumber": _invoice(data.reference),
            "description": (data.description or f"Payment {data.reference}")[:255],
        }
        request |= _order(data)
        request["customer"] = _customer(data.customer)
        request["billTo"] = _address(data.billing, data.customer)
        request["shipTo"] = _address(data.shipping, None)
        request["customerIP"] = (
            (data.browser.ip_address if data.browser else None)
            or (data.customer.ip_address if data.customer else None)
            or (pm.mandate_acceptance.ip_address if isinstance(pm, AchDebit) else None)
        )
        if isinstance(pm, Card) and data.setup_future_usage:
            # Cardholder-initiated, stored for later merchant-initiated charges.
            request["processingOptions"] = {"isFirstSubsequentAuth": "true"}
        request |= _payment_options(data)
        return self._transaction(ctx, Flow.AUTHORIZE, request)

    def _or_original(self, ctx: ConnectorContext, flow: Flow, request: HttpRequest) -> Steps:
        """Send a transaction; when the gateway answers "duplicate" (reason 11: the same
        transaction resent within the window, e.g. a retry after a lost answer) with
        the original's ``transId``, read that one back. Returns ``(response, None)`` or
        ``(None, details of the original)``."""
        response = yield request
        original = _duplicate_of(response)
        if original is None:
            return response, None
        answer = yield self._details(ctx, flow, original)
        return None, _transaction_details(answer)

    def steps_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> Steps:
        request = self.build_authorize(ctx, data)
        response, original = yield from self._or_original(ctx, Flow.AUTHORIZE, request)
        if original is None:
            return self.parse_authorize(ctx, data, response)
        return _from_details(original, data.currency)

    def steps_refund(self, ctx: ConnectorContext, data: RefundData) -> Steps:
        """As authorize: a resent refund (its invoice number is the refund's own
        reference) is the original refund, read back. A resent capture or void is not
        read back: the gateway answers it like a second capture or void of the same
        payment, which is a conflict (``_modification``)."""
        bank: dict[str, Any] | None = None
        if data.payment.meta.get("method") == ECHECK:
            # An eCheck's refund names the bank account: as the gateway keeps it (masked,
            # with the name on the account), read from the debit, so nothing is stored.
            debit = yield self._details(ctx, Flow.REFUND, data.payment.connector_payment_id)
            bank = _refund_bank_account(_transaction_details(debit))
        request = self.build_refund(ctx, data, bank=bank)
        response, original = yield from self._or_original(ctx, Flow.REFUND, request)
        if original is None:
            return self.parse_refund(ctx, data, response)
        return _refund_from_details(original, data.payment.currency)

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        if _is_bank_mandate(data.payment.meta):
            # a charge of a stored bank account (type "mandate", which declares capture for
            # cards): an eCheck has no authorization to capture, as for a direct ach_debit
            raise not_supported(
                "Authorize.net debits a bank account at once: an eCheck has no "
                "authorization to capture",
                "id",
            )
        request = {
            "transactionType": "priorAuthCaptureTransaction",
            "amount": _amount(data.amount, data.payment.currency),
            "refTransId": kit.require_id(data.payment.connector_payment_id, Flow.CAPTURE.value),
        }
        return self._transaction(ctx, Flow.CAPTURE, request)

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        request = {
            "transactionType": "voidTransaction",
            "refTransId": kit.require_id(data.payment.connector_payment_id, Flow.VOID.value),
        }
        return self._transaction(ctx, Flow.VOID, request)

    def build_refund(
        self, ctx: ConnectorContext, data: RefundData, *, bank: dict[str, Any] | None = None
    ) -> HttpRequest:
        """``bank``: an eCheck's masked bank account, read back by ``steps_refund``."""
        original = kit.require_id(data.payment.connector_payment_id, Flow.REFUND.value)
        last4 = data.payment.meta.get("last4")
        echeck = data.payment.meta.get("method") == ECHECK
        if echeck and bank is None:
            raise ServiceError(
                ErrorType.CONFLICT,
                "payment_not_refundable",
                "Authorize.net eCheck refunds name the bank account, which the debit's "
                "details did not show; refund it in the Merchant Interface",
            )
        if bank is not None:
            payment: dict[str, Any] = {"bankAccount": bank}
        elif last4:
            payment = {"creditCard": {"cardNumber": last4, "expirationDate": "XXXX"}}
        elif data.payment.meta.get("customer_profile_id"):
            payment = {}
        else:
            raise ServiceError(
                ErrorType.CONFLICT,
                "payment_not_refundable",
                "Authorize.net refunds name the card's last four digits, which this "
                "payment did not record; refund it in the Merchant Interface",
            )
        request: dict[str, Any] = {
            "transactionType": "refundTransaction",
            "amount": _amount(data.amount, data.payment.currency),
            "payment": payment or None,
            "refTransId": original,
            "order": {
                "invoiceNumber": _invoice(data.reference),
                "description": (data.reason or f"Refund {data.reference}")[:255],
            },
        }
        if not payment:
            # A profile payment is refunded to the stored profile.
            request["profile"] = {
                "customerProfileId": data.payment.meta["customer_profile_id"],
                "paymentProfile": {"paymentProfileId": data.payment.meta["payment_profile_id"]},
            }
        return self._transaction(ctx, Flow.REFUND, request)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        if pid:
            return self._details(ctx, Flow.SYNC, pid)
        # An unresolved payment (its answer was lost, so no transId): the gateway has no
        # search by invoice number, but lists the transactions not settled yet (newest
        # first, up to 1000) with theirs; a lost answer is settled well before the batch.
        kit.require_id(data.payment.meta.get("reference"), Flow.SYNC.value)
        return self._call(
            ctx,
            "getUnsettledTransactionListRequest",
            Flow.SYNC,
            {
                "sorting": {"orderBy": "submitTimeUTC", "orderDescending": "true"},
                "paging": {"limit": "1000", "offset": "1"},
            },
            ref=False,
            idempotent=True,
        )

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        return self._details(ctx, Flow.REFUND_SYNC, data.refund.connector_refund_id)

    def build_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> HttpRequest:
        """A CIM customer profile with one payment profile, checked by the gateway's
        validation authorization (``validationMode``); nothing is charged. A US bank
        account (``ach_debit``) is a payment profile with ``bankAccount`` (the eCheck
        mapping of a debit), checked for format only (``_validation_mode``)."""
        if data.amount > 0:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "amount_not_supported",
                "Authorize.net saves a card or bank account without charging it; to take a "
                "first payment and save the card or account, pay with setup_future_usage",
                field="amount",
            )
        if isinstance(data.payment_method, AchDebit):
            bank: AchDebit | None = data.payment_method
            payment: dict[str, Any] = {"bankAccount": _bank_account(data.payment_method)}
        else:
            bank = None
            pm = pm_kit.card_or_token(data.payment_method, "Authorize.net")
            payment = (
                {"creditCard": _card(pm)}
                if isinstance(pm, Card)
                else {"opaqueData": {"dataDescriptor": ACCEPT_DESCRIPTOR, "dataValue": pm.token}}
            )
        customer = data.customer
        stored = "Stored bank account" if bank else "Stored card"
        business = bank is not None and bank.account_holder_type == "company"
        profile = {
            "merchantCustomerId": customer.id[:20] if customer.id else None,
            "description": f"{data.description or stored} ({data.reference})"[:255],
            "email": customer.email,
            "paymentProfiles": [
                _in_order(
                    {
                        "customerType": "business" if business else "individual",
                        "billTo": _address(data.billing, customer),
                        "payment": payment,
                        "defaultPaymentProfile": "true",
                    },
                    PAYMENT_PROFILE_ORDER,
                )
            ],
        }
        return self._call(
            ctx,
            "createCustomerProfileRequest",
            Flow.SETUP_MANDATE,
            {"profile": profile, "validationMode": _validation_mode(ctx, bank=bank is not None)},
        )

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        ref = data.mandate
        return self._call(
            ctx,
            "deleteCustomerPaymentProfileRequest",
            Flow.REVOKE_MANDATE,
            {
                "customerProfileId": kit.require_id(ref.customer_id, Flow.REVOKE_MANDATE.value),
                "customerPaymentProfileId": ref.connector_mandate_id,
            },
        )

    def build_list_mandates(self, ctx: ConnectorContext, data: ListMandatesData) -> HttpRequest:
        """The CIM profile with its payment profiles (cards masked; the expiry date
        unmasked, which a card summary may show)."""
        return self._call(
            ctx,
            "getCustomerProfileRequest",
            Flow.LIST_MANDATES,
            {
                "customerProfileId": kit.require_id(data.customer_id, Flow.LIST_MANDATES.value),
                "unmaskExpirationDate": "true",
            },
            ref=False,
            idempotent=True,
        )

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        answer = _transaction_answer(response)
        tr = answer.transactionResponse
        assert tr is not None  # _transaction_answer raised otherwise
        manual = data.capture_method is CaptureMethod.MANUAL
        approved = PaymentStatus.AUTHORIZED if manual else PaymentStatus.CAPTURED
        result = _transaction_result(response, tr, approved, data.amount)
        if isinstance(data.payment_method, StoredMandate):
            ref = data.payment_method.ref
            result.meta = {
                **result.meta,
                "customer_profile_id": ref.customer_id or "",
                "payment_profile_id": ref.connector_mandate_id,
            }
        elif isinstance(data.payment_method, Card) and "last4" not in result.meta:
            result.meta = {**result.meta, "last4": data.payment_method.number.reveal()[-4:]}
        pm = data.payment_method
        echeck = (
            isinstance(pm, AchDebit)
            or (isinstance(pm, StoredMandate) and _is_bank_mandate(pm.ref.meta))
            # also a stored profile holding a bank account made elsewhere: its answer
            # says eCheck
            or tr.accountType == ECHECK_ACCOUNT
        )
        if echeck:
            result = _echeck_result(result)
        if tr.profile is not None and tr.profile.customerPaymentProfileId:
            result.mandate = MandateResult(
                status=MandateStatus.ACTIVE,
                connector_mandate_id=tr.profile.customerPaymentProfileId,
                connector_customer_id=tr.profile.customerProfileId,
                network_transaction_id=None if echeck else tr.networkTransId or None,
                connector_status="profile created",
                card=result.card,
                # its charges are bank debits (processing until settled, events too)
                meta=dict(ECHECK_META) if echeck else {},
            )
        return result

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        tr = _modification(response, "payment_not_capturable")
        captured = data.amount
        status = (
            PaymentStatus.PARTIALLY_CAPTURED
            if captured < data.payment.amount
            else PaymentStatus.CAPTURED
        )
        if tr.responseCode == "4":
            status = PaymentStatus.PROCESSING
        return PaymentResult(
            status=status,
            connector_payment_id=tr.transId or data.payment.connector_payment_id,
            amount=data.payment.amount,
            amount_captured=captured if status is not PaymentStatus.PROCESSING else None,
            connector_status=f"priorAuthCapture {_RESPONSE_NAMES.get(tr.responseCode, '?')}",
            pending_reason="under_review" if status is PaymentStatus.PROCESSING else None,
        )

    def parse_void(
        self, ctx: ConnectorContext, data: VoidData, response: HttpResponse
    ) -> PaymentResult:
        tr = _modification(response, "payment_not_voidable")
        return PaymentResult(
            status=PaymentStatus.VOIDED,
            connector_payment_id=tr.transId or data.payment.connector_payment_id,
            amount=data.payment.amount,
            connector_status="voided",
        )

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        answer = _transaction_answer(response)
        tr = answer.transactionResponse
        assert tr is not None
        code = _reason(tr)
        if tr.responseCode in ("1", "4"):
            return RefundResult(
                # Approved: it settles with the day's batch (as a capture does).
                status=RefundStatus.SUCCEEDED if tr.responseCode == "1" else RefundStatus.PENDING,
                connector_refund_id=kit.require_id(tr.transId, Flow.REFUND.value),
                amount=data.amount,
                connector_status="refundPendingSettlement"
                if tr.responseCode == "1"
                else "held for review",
                pending_reason="under_review" if tr.responseCode == "4" else None,
                meta={"payment_id": data.payment.connector_payment_id},
            )
        if tr.responseCode == "2":
            return RefundResult(
                status=RefundStatus.FAILED,
                connector_refund_id=tr.transId or None,
                amount=data.amount,
                connector_status="declined",
                failure=_decline(tr),
            )
        raise _transaction_error(response, tr, code, "payment_not_refundable")

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        if not data.payment.connector_payment_id:
            return _from_unsettled_list(response, data)
        result = _from_details(_transaction_details(response), data.payment.currency)
        result.meta = {**data.payment.meta, **result.meta}
        return result

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        return _refund_from_details(_transaction_details(response), data.refund.currency)

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData, response: HttpResponse
    ) -> MandateResult:
        body = _decode(response)
        answer = kit.decode_as(body, ProfileAnswer)
        if answer is None:
            raise ServiceError(
                ErrorType.CONNECTOR, "gateway_error", "Authorize.net answered no profile."
            )
        validation = _direct_response(answer.validationDirectResponseList)
        pm = data.payment_method
        card = _summary_of(pm) if isinstance(pm, Card) else None
        # a stored bank account: its charges are eCheck debits (processing until settled)
        bank_meta = dict(ECHECK_META) if isinstance(pm, AchDebit) else {}
        if answer.messages.resultCode == "Ok" and answer.customerProfileId:
            return MandateResult(
                status=MandateStatus.ACTIVE,
                connector_mandate_id=kit.require_id(
                    next(iter(answer.customerPaymentProfileIdList), None),
                    Flow.SETUP_MANDATE.value,
                ),
                connector_customer_id=answer.customerProfileId,
                connector_status="profile created",
                card=card,
                meta=bank_meta
                | ({"validation_trans_id": validation.get(7, "")} if validation.get(7) else {}),
            )
        code = _first_code(answer.messages)
        if validation and validation.get(1) in ("2", "3"):
            # The validation authorization was declined: a result, not an error.
            raw = validation.get(3)
            return MandateResult(
                status=MandateStatus.FAILED,
                connector_status="validation declined",
                failure=decline(
                    kit.decline_of(DECLINE_MAP, raw, default=DeclineCode.GENERIC_DECLINE),
                    raw_code=raw,
                    raw_message=validation.get(4),
                ),
                card=card,
            )
        raise _api_error(response, answer.messages, code)

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        answer = kit.decode_as(_decode(response), PlainAnswer)
        if answer is None or answer.messages.resultCode != "Ok":
            messages = answer.messages if answer else Messages()
            raise _api_error(response, messages, _first_code(messages))
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status="payment profile deleted",
        )

    def parse_list_mandates(
        self, ctx: ConnectorContext, data: ListMandatesData, response: HttpResponse
    ) -> StoredMethods:
        answer = kit.decode_as(_decode(response), CustomerProfileAnswer)
        if answer is None or answer.profile is None:
            messages = answer.messages if answer else Messages()
            raise _api_error(response, messages, _first_code(messages))
        methods = []
        for stored in answer.profile.paymentProfiles:
            masked = stored.payment.creditCard if stored.payment else None
            bank = stored.payment is not None and stored.payment.bankAccount is not None
            methods.append(
                MandateResult(
                    status=MandateStatus.ACTIVE,
                    connector_mandate_id=stored.customerPaymentProfileId,
                    connector_customer_id=answer.profile.customerProfileId or data.customer_id,
                    connector_status="payment profile",
                    card=_stored_summary(masked) if masked else None,
                    # a bank account (no card summary): charged as an eCheck
                    meta=dict(ECHECK_META) if bank else {},
                )
            )
        return StoredMethods(methods=methods)

    # ----------------------------------------------------------------------- 7. webhooks

    def gateway_reference(self, reference: str) -> str:
        """``order.invoiceNumber`` keeps 20 characters, and webhooks echo that."""
        return _invoice(reference)

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """The notification's id (``notificationId``, the same on every redelivery)."""
        raw = kit.decode_object(body)
        return WebhookIdentity(event_id=kit.text(raw.get("notificationId")))

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
        """``X-ANET-Signature: sha512=<HEX>``: the HMAC-SHA512 of the raw body under the
        Signature Key (the key's text as given on the Merchant Interface). The gateway
        sends the hex in upper case; it is compared case-insensitively. No timestamp
        is signed: a replay is caught by its ``notificationId`` being stored already."""
        secret = ctx.credentials.get("webhook_secret")
        header = headers.get("x-anet-signature", "").strip()
        scheme, _, signature = header.partition("=")
        if secret is None or not secret.reveal() or scheme.lower() != "sha512" or not signature:
            return False
        expected = kit.hmac_sha512_hex(secret.reveal(), body)
        return kit.constant_time_equal(expected, signature.lower())

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        raw = kit.webhooks.envelope(
            kit.decode_object(body), "Authorize.net", id_key="notificationId", type_key="eventType"
        )
        payload_raw = raw.get("payload", {})
        if not isinstance(payload_raw, dict):
            raise kit.webhooks.not_an_event("Authorize.net", "`payload` must be an object")
        # Amounts are JSON numbers in the account's currency, which the notification
        # does not name; every currency Authorize.net processes has two decimals.
        kit.webhooks.major_number(payload_raw, "authAmount", "payload.authAmount",
                                  currency_key="currency")  # fmt: skip
        amount = payload_raw.get("authAmount")
        if isinstance(amount, float):
            exponent = Decimal(repr(amount)).as_tuple().exponent
            if isinstance(exponent, int) and exponent < -2:
                raise invalid(
                    "invalid_webhook",
                    "payload.authAmount has more than 2 decimals",
                    "payload.authAmount",
                )
        event = kit.decode_as(raw, Notification)
        if event is None:
            raise kit.webhooks.not_an_event("Authorize.net", "not a notification")
        kind, payload = event.eventType, event.payload
        entity_id = kit.text_or_number(payload.id)
        unified = WebhookEventType.UNKNOWN
        payment: PaymentResult | None = None
        refund: RefundResult | None = None
        mandate: MandateResult | None = None
        if kind.startswith("net.authorize.payment."):
            if not entity_id:
                raise invalid(
                    "invalid_webhook", "the notification names no transaction", "payload.id"
                )
            unified = WEBHOOK_EVENTS.get(kind, WebhookEventType.UNKNOWN)
            raw_code = kit.text_or_number(payload.responseCode)
            approved = raw_code in (None, "1", "4")
            if kind == "net.authorize.payment.refund.created":
                # payload.id is the refund's own transaction id.
                refund = RefundResult(
                    status=RefundStatus.SUCCEEDED if approved else RefundStatus.FAILED,
                    connector_refund_id=entity_id,
                    connector_status="refund created",
                )
                unified = unified if approved else WebhookEventType.REFUND_FAILED
            else:
                status = PAYMENT_EVENT_STATUS.get(kind, PaymentStatus.PROCESSING)
                if not approved:
                    status, unified = PaymentStatus.FAILED, WebhookEventType.PAYMENT_FAILED
                payment = PaymentResult(
                    status=status,
                    connector_payment_id=entity_id,
                    connector_status=kind.removeprefix("net.authorize.payment."),
                    reference=kit.text(payload.invoiceNumber),
                    failure=decline(
                        kit.decline_of(DECLINE_MAP, raw_code, default=DeclineCode.GENERIC_DECLINE),
                        raw_code=raw_code,
                    )
                    if status is PaymentStatus.FAILED
                    else None,
                )
        elif kind in MANDATE_EVENTS:
            revoked = MANDATE_EVENTS[kind] is WebhookEventType.MANDATE_REVOKED
            mandate = MandateResult(
                status=MandateStatus.REVOKED if revoked else MandateStatus.ACTIVE,
                connector_mandate_id=entity_id,
                connector_customer_id=kit.text_or_number(payload.customerProfileId),
                connector_status=kind.removeprefix("net.authorize.customer."),
            )
            unified = MANDATE_EVENTS[kind]
        return [
            WebhookEvent(
                event_id=event.notificationId,
                type=unified,
                connector_event_type=kind,
                connector_payment_id=payment.connector_payment_id if payment else None,
                payment=payment,
                refund=refund,
                mandate=mandate,
                occurred_at=event.eventDate,
                # authcapture.created also announces an eCheck that is only submitted
                # (the payload names no method): a debit is reported processing.
                debit_not_settled=kind in _DEBIT_SUBMITTED_EVENTS,
            )
        ]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        """The common scrub, plus what Authorize.net carries in bodies: the transaction
        key and login id (``merchantAuthentication``), card numbers and codes under
        their own names, Accept.js nonces (``dataValue``), an eCheck's account and
        routing numbers and the signature header."""
        text = transcript
        for pattern in _SCRUB:
            text = pattern.sub(r"\1[REDACTED]\2", text)
        return scrub_common(text)


# Events Authorize.net sends for a captured card and for a submitted eCheck alike.
_DEBIT_SUBMITTED_EVENTS = frozenset({"net.authorize.payment.authcapture.created"})

# Keys whose values are masked wherever they appear; an eCheck's account and routing
# numbers too (also the masked XXXX6789 ones the gateway echoes).
_SECRET_KEYS = ("transactionKey", "cardNumber", "cardCode", "dataValue", "cryptogram",
                "accountNumber", "routingNumber")  # fmt: skip
_SCRUB = (
    *(re.compile(rf'("{key}"\s*:\s*")[^"]*(")') for key in _SECRET_KEYS),
    # the API login id: merchantAuthentication's "name" (other names, of line items or
    # user fields, stay readable)
    re.compile(r'("merchantAuthentication"\s*:\s*\{\s*"name"\s*:\s*")[^"]*(")'),
    re.compile(r"(?i)(x-anet-signature\s*:\s*)\S+()"),
)


# --------------------------------------------------------------------------- Authorize.net objects


class Message(msgspec.Struct, frozen=True):
    code: str = ""
    text: str = ""


class Messages(msgspec.Struct, frozen=True):
    resultCode: str = ""
    message: list[Message] = []


class TxMessage(msgspec.Struct, frozen=True):
    code: str = ""
    description: str = ""


class TxError(msgspec.Struct, frozen=True):
    errorCode: str = ""
    errorText: str = ""


class TxProfile(msgspec.Struct, frozen=True):
    customerProfileId: str | None = None
    customerPaymentProfileId: str | None = None
    customerShippingAddressId: str | None = None


class TransactionResponse(msgspec.Struct, frozen=True):
    """``transactionResponse`` of ``createTransactionResponse`` (the fields read here)."""

    responseCode: str = ""
    authCode: str = ""
    avsResultCode: str = ""
    cvvResultCode: str = ""
    cavvResultCode: str = ""
    transId: str = ""
    refTransID: str = ""
    accountNumber: str = ""  # XXXX1111
    accountType: str = ""  # Visa, MasterCard, AmericanExpress, Discover, JCB, DinersClub
    messages: list[TxMessage] = []
    errors: list[TxError] = []
    profile: TxProfile | None = None
    networkTransId: str = ""


class TransactionAnswer(msgspec.Struct, frozen=True):
    messages: Messages = Messages()
    transactionResponse: TransactionResponse | None = None
    refId: str | None = None


class MaskedCard(msgspec.Struct, frozen=True):
    cardNumber: str = ""
    expirationDate: str = ""
    cardType: str = ""


class MaskedBankAccount(msgspec.Struct, frozen=True):
    """``bankAccountMaskedType``: an eCheck's account as the gateway shows it."""

    accountType: str | None = None  # checking, savings, businessChecking
    routingNumber: str = ""  # XXXX0000
    accountNumber: str = ""  # XXXX6789
    nameOnAccount: str = ""
    echeckType: str | None = None
    bankName: str | None = None


class MaskedPayment(msgspec.Struct, frozen=True):
    creditCard: MaskedCard | None = None
    bankAccount: MaskedBankAccount | None = None


class ReturnedItem(msgspec.Struct, frozen=True):
    """A bank's return of an eCheck (``returnedItemType``): its ACH return code."""

    id: str | None = None
    dateUTC: str | None = None
    code: str | None = None  # R01, R02 ...
    description: str | None = None


class Order(msgspec.Struct, frozen=True):
    invoiceNumber: str | None = None
    description: str | None = None


class DetailsProfile(msgspec.Struct, frozen=True):
    customerProfileId: str | None = None
    customerPaymentProfileId: str | None = None


class TransactionDetails(msgspec.Struct, frozen=True):
    """``transaction`` of ``getTransactionDetailsResponse`` (the JSON API sends the codes
    and amounts as numbers)."""

    transId: str
    transactionStatus: str
    transactionType: str = ""
    refTransId: str | None = None
    responseCode: int | str | None = None
    responseReasonCode: int | str | None = None
    responseReasonDescription: str | None = None
    authAmount: float | str | None = None
    settleAmount: float | str | None = None
    submitTimeUTC: str | None = None
    order: Order | None = None
    payment: MaskedPayment | None = None
    profile: DetailsProfile | None = None
    networkTransId: str | None = None
    returnedItems: list[ReturnedItem] = []


class DetailsAnswer(msgspec.Struct, frozen=True):
    messages: Messages = Messages()
    transaction: TransactionDetails | None = None


class ProfileAnswer(msgspec.Struct, frozen=True):
    messages: Messages = Messages()
    customerProfileId: str | None = None
    customerPaymentProfileIdList: list[str] = []
    customerShippingAddressIdList: list[str] = []
    validationDirectResponseList: list[str] = []


class StoredPaymentProfile(msgspec.Struct, frozen=True):
    customerPaymentProfileId: str
    payment: MaskedPayment | None = None


class StoredProfile(msgspec.Struct, frozen=True):
    customerProfileId: str | None = None
    merchantCustomerId: str | None = None
    paymentProfiles: list[StoredPaymentProfile] = []


class CustomerProfileAnswer(msgspec.Struct, frozen=True):
    messages: Messages = Messages()
    profile: StoredProfile | None = None


class TransactionSummary(msgspec.Struct, frozen=True):
    transId: str
    transactionStatus: str
    submitTimeUTC: str | None = None
    invoiceNumber: str | None = None
    accountType: str = ""
    accountNumber: str = ""
    settleAmount: float | str | None = None


class UnsettledAnswer(msgspec.Struct, frozen=True):
    messages: Messages = Messages()
    transactions: list[TransactionSummary] = []
    totalNumInResultSet: int | None = None


class PlainAnswer(msgspec.Struct, frozen=True):
    messages: Messages = Messages()


class NotificationPayload(msgspec.Struct, frozen=True):
    id: str | int | None = None
    entityName: str | None = None
    responseCode: int | str | None = None
    authCode: str | None = None
    avsResponse: str | None = None
    authAmount: float | str | None = None
    invoiceNumber: str | None = None
    customerProfileId: int | str | None = None


class Notification(msgspec.Struct, frozen=True):
    notificationId: str
    eventType: str
    eventDate: str | None = None
    webhookId: str | None = None
    payload: NotificationPayload = NotificationPayload()


# --------------------------------------------------------------------------- 5. status maps

# The XSD's transactionRequestType sequence: the JSON API keeps the schema's order.
TRANSACTION_REQUEST_ORDER = (
    "transactionType", "amount", "currencyCode", "payment", "profile", "solution", "callId",
    "terminalNumber", "authCode", "refTransId", "splitTenderId", "order", "lineItems", "tax",
    "duty", "shipping", "taxExempt", "poNumber", "customer", "billTo", "shipTo", "customerIP",
    "cardholderAuthentication", "retail", "employeeId", "transactionSettings", "userFields",
    "surcharge", "merchantDescriptor", "subMerchant", "tip", "processingOptions",
    "subsequentAuthInformation", "otherTax", "shipFrom", "authorizationIndicatorType",
)  # fmt: skip
PAYMENT_PROFILE_ORDER = ("customerType", "billTo", "payment", "driversLicense", "taxId",
                         "defaultPaymentProfile")  # fmt: skip

# transactionStatus of getTransactionDetails, for a payment (authOnly / authCapture).
PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "authorizedPendingCapture": PaymentStatus.AUTHORIZED,
    "capturedPendingSettlement": PaymentStatus.CAPTURED,  # refined by settleAmount
    "settledSuccessfully": PaymentStatus.CAPTURED,
    "voided": PaymentStatus.VOIDED,
    "expired": PaymentStatus.VOIDED,  # an authorization not captured within 30 days
    "declined": PaymentStatus.FAILED,
    "failedReview": PaymentStatus.FAILED,
    "generalError": PaymentStatus.FAILED,
    "communicationError": PaymentStatus.FAILED,
    "settlementError": PaymentStatus.FAILED,
    "returnedItem": PaymentStatus.FAILED,  # an eCheck the bank returned
    "underReview": PaymentStatus.PROCESSING,
    "approvedReview": PaymentStatus.PROCESSING,
    "FDSPendingReview": PaymentStatus.PROCESSING,
    "FDSAuthorizedPendingReview": PaymentStatus.PROCESSING,
    "authorizedPendingRelease": PaymentStatus.PROCESSING,
    "couldNotVoid": PaymentStatus.PROCESSING,  # the void failed; read it again
    "chargeback": PaymentStatus.CAPTURED,
    "chargebackReversal": PaymentStatus.CAPTURED,
}
# An eCheck's transactionStatus: as a card's, except that a debit taken in but not
# settled is not money received yet (the bank may still refuse it); settled, it is
# captured (a later return turns it into returnedItem: failed).
ECHECK_STATUS: dict[str, PaymentStatus] = PAYMENT_STATUS | {
    "capturedPendingSettlement": PaymentStatus.PROCESSING,
}
ECHECK_PENDING = "settlement_pending"  # pending_reason of a debit not settled yet
# transactionStatus of a refundTransaction.
REFUND_STATUS: dict[str, RefundStatus] = {
    "refundPendingSettlement": RefundStatus.SUCCEEDED,  # approved; settles with the batch
    "refundSettledSuccessfully": RefundStatus.SUCCEEDED,
    "declined": RefundStatus.FAILED,
    "voided": RefundStatus.FAILED,
    "generalError": RefundStatus.FAILED,
    "communicationError": RefundStatus.FAILED,
    "settlementError": RefundStatus.FAILED,
    "failedReview": RefundStatus.FAILED,
    "underReview": RefundStatus.PENDING,
    "FDSPendingReview": RefundStatus.PENDING,
}
_RESPONSE_NAMES = {"1": "approved", "2": "declined", "3": "error", "4": "held for review"}

WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "net.authorize.payment.authorization.created": WebhookEventType.PAYMENT_AUTHORIZED,
    "net.authorize.payment.authcapture.created": WebhookEventType.PAYMENT_CAPTURED,
    "net.authorize.payment.capture.created": WebhookEventType.PAYMENT_CAPTURED,
    "net.authorize.payment.priorAuthCapture.created": WebhookEventType.PAYMENT_CAPTURED,
    "net.authorize.payment.void.created": WebhookEventType.PAYMENT_VOIDED,
    "net.authorize.payment.refund.created": WebhookEventType.REFUND_SUCCEEDED,
    "net.authorize.payment.fraud.held": WebhookEventType.PAYMENT_PROCESSING,
    "net.authorize.payment.fraud.approved": WebhookEventType.PAYMENT_PROCESSING,
    "net.authorize.payment.fraud.declined": WebhookEventType.PAYMENT_FAILED,
}
# Stored-card events (payload.id: the payment profile; payload.customerProfileId).
MANDATE_EVENTS: dict[str, WebhookEventType] = {
    "net.authorize.customer.paymentProfile.created": WebhookEventType.MANDATE_ACTIVE,
    "net.authorize.customer.paymentProfile.updated": WebhookEventType.MANDATE_ACTIVE,
    "net.authorize.customer.paymentProfile.deleted": WebhookEventType.MANDATE_REVOKED,
}
PAYMENT_EVENT_STATUS: dict[str, PaymentStatus] = {
    "net.authorize.payment.authorization.created": PaymentStatus.AUTHORIZED,
    "net.authorize.payment.authcapture.created": PaymentStatus.CAPTURED,
    "net.authorize.payment.capture.created": PaymentStatus.CAPTURED,
    "net.authorize.payment.priorAuthCapture.created": PaymentStatus.CAPTURED,
    "net.authorize.payment.void.created": PaymentStatus.VOIDED,
    "net.authorize.payment.fraud.held": PaymentStatus.PROCESSING,
    # approved after review: it goes on as authorized or captured; read it to know
    "net.authorize.payment.fraud.approved": PaymentStatus.PROCESSING,
    "net.authorize.payment.fraud.declined": PaymentStatus.FAILED,
}


# --------------------------------------------------------------------------- 6. error maps

# Response reason codes (transactionResponse.errors[].errorCode) of a declined card,
# or of card data the issuer side refused (responseCode 3 for 6/7/8/37/78).
_DECLINES = (
    (DeclineCode.GENERIC_DECLINE, "2 141 145 165 200 315"),
    (DeclineCode.DO_NOT_HONOR, "3"),
    (DeclineCode.PICKUP_CARD, "4"),
    (DeclineCode.INCORRECT_NUMBER, "6 37 316"),
    (DeclineCode.INVALID_EXPIRY, "7 317"),
    (DeclineCode.EXPIRED_CARD, "8"),
    (DeclineCode.TRANSACTION_NOT_ALLOWED, "17 28"),
    (DeclineCode.PROCESSING_ERROR, "19 20 21 22 23 35 57 58 59 60 61 62 63 120 121 122"),
    (DeclineCode.INVALID_PAYMENT_DATA, "27 127"),  # AVS mismatch
    (DeclineCode.INCORRECT_CVC, "44 45 65 78"),
    (DeclineCode.FRAUD_SUSPECTED, "250 251 254"),
    (DeclineCode.CURRENCY_NOT_SUPPORTED, "39"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)

# ACH return codes of a returned eCheck (returnedItems[].code, NACHA's R codes).
_ACH_RETURNS = (
    (DeclineCode.INSUFFICIENT_FUNDS, "R01 R09"),
    (DeclineCode.DO_NOT_TRY_AGAIN, "R02 R14 R15"),  # closed; holder deceased
    (DeclineCode.INCORRECT_NUMBER, "R03 R04 R13"),  # no / invalid account; bad routing
    (DeclineCode.REVOCATION_OF_AUTHORIZATION, "R05 R07 R08 R10 R11 R29 R51"),
    (DeclineCode.BLOCKED, "R16"),  # account frozen
    (DeclineCode.TRANSACTION_NOT_ALLOWED, "R20"),  # not a transaction account
)  # fmt: skip
ACH_RETURN_MAP: kit.DeclineTable = kit.decline_table(_ACH_RETURNS)

_R = kit.ErrorRule
# Reason codes of a transaction error (responseCode 3), keyed "tx:<code>", and the API's
# message codes (messages.message[].code), keyed by themselves.
ERROR_MAP: kit.ErrorTable = {
    "tx:5": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    # eCheck: the gateway refused the routing / account number, the account takes no
    # eChecks, or not this entry class (WEB / CCD) or account type
    "tx:9": _R(ErrorType.INVALID_REQUEST, "invalid_field", "payment_method.routing_number"),
    "tx:10": _R(ErrorType.INVALID_REQUEST, "invalid_field", "payment_method.account_number"),
    "tx:18": _R(ErrorType.NOT_SUPPORTED, "payment_method_not_supported", "payment_method.type"),
    "tx:245": _R(ErrorType.NOT_SUPPORTED, "payment_method_not_supported", "payment_method.type"),
    "tx:246": _R(ErrorType.NOT_SUPPORTED, "payment_method_not_supported", "payment_method.type"),
    # a capture or void resent within the duplicate window, or a second one
    "tx:11": _R(ErrorType.CONFLICT, "duplicate_request"),
    "tx:13": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "tx:16": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "tx:33": _R(ErrorType.INVALID_REQUEST, "invalid_field"),
    "tx:47": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "tx:54": _R(ErrorType.CONFLICT, "payment_not_refundable"),
    "tx:55": _R(ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
    "tx:66": _R(ErrorType.INVALID_REQUEST, "invalid_field"),
    "tx:103": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "tx:310": _R(ErrorType.CONFLICT, "payment_not_voidable"),
    "tx:311": _R(ErrorType.CONFLICT, "payment_not_capturable"),
    "E00003": _R(ErrorType.CONNECTOR, "gateway_error"),  # the body did not parse
    "E00007": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "E00008": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "E00013": _R(ErrorType.INVALID_REQUEST, "invalid_field"),
    "E00014": _R(ErrorType.INVALID_REQUEST, "invalid_field"),
    "E00015": _R(ErrorType.INVALID_REQUEST, "invalid_field"),
    "E00027": _R(ErrorType.CONNECTOR, "gateway_error"),
    "E00039": _R(ErrorType.CONFLICT, "gateway_conflict"),
    "E00040": _R(ErrorType.NOT_FOUND, "resource_not_found"),
    "E00044": _R(ErrorType.NOT_SUPPORTED, "payment_method_not_supported"),
    "E00114": _R(ErrorType.INVALID_REQUEST, "invalid_field", "payment_method.token"),
}  # fmt: skip


def _decode(response: HttpResponse) -> dict[str, Any]:
    """The answer's JSON object; the gateway puts a UTF-8 byte-order mark before it."""
    if response.status >= 300:
        raise kit.gateway_error(response, code=str(response.status), message=None)
    try:
        value = json.loads(response.body.decode("utf-8-sig")) if response.body else {}
    except (UnicodeDecodeError, ValueError):
        value = {}
    return kit.obj(value)


def _first_code(messages: Messages) -> str | None:
    return messages.message[0].code if messages.message else None


def _api_error(response: HttpResponse, messages: Messages, code: str | None) -> ServiceError:
    text = messages.message[0].text if messages.message else None
    return kit.error_from(response, ERROR_MAP, codes=[code], message=text)


def _transaction_answer(response: HttpResponse) -> TransactionAnswer:
    """A ``createTransactionResponse`` that carries a transaction; an API-level error
    (bad credentials, a malformed request) raises."""
    answer = kit.decode_as(_decode(response), TransactionAnswer)
    if answer is None:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Authorize.net answered no transaction."
        )
    tr = answer.transactionResponse
    if tr is None or not tr.responseCode:
        raise _api_error(response, answer.messages, _first_code(answer.messages))
    return answer


def _reason(tr: TransactionResponse) -> str | None:
    if tr.errors:
        return tr.errors[0].errorCode or None
    return tr.messages[0].code if tr.messages else None


def _reason_text(tr: TransactionResponse) -> str | None:
    if tr.errors:
        return tr.errors[0].errorText or None
    return tr.messages[0].description if tr.messages else None


def _transaction_error(
    response: HttpResponse, tr: TransactionResponse, code: str | None, not_allowed: str | None
) -> ServiceError:
    err = kit.error_from(
        response,
        ERROR_MAP,
        codes=[f"tx:{code}" if code else None],
        raw_code=code,
        message=_reason_text(tr),
    )
    if not_allowed and code == "16":
        err = ServiceError(ErrorType.NOT_FOUND, "resource_not_found", err.message,
                           gateway=err.gateway)  # fmt: skip
    return err


def _decline(tr: TransactionResponse) -> Failure:
    raw = _reason(tr)
    return decline(
        kit.decline_of(DECLINE_MAP, raw, default=DeclineCode.GENERIC_DECLINE),
        raw_code=raw,
        raw_message=_reason_text(tr),
    )


def _modification(response: HttpResponse, not_allowed: str) -> TransactionResponse:
    """The transaction of a capture or void: approved (or held), else the error."""
    tr = _transaction_answer(response).transactionResponse
    assert tr is not None
    code = _reason(tr)
    if tr.responseCode in ("1", "4") and code not in _ALREADY_DONE:
        return tr
    err = _transaction_error(response, tr, code, not_allowed)
    if tr.responseCode == "2" and err.type is ErrorType.CONNECTOR:
        # A capture or void the processor declined: the payment stays as it was.
        detail = GatewayDetail(code=code, message=_reason_text(tr), http_status=response.status)
        raise ServiceError(
            ErrorType.CONFLICT, not_allowed, _reason_text(tr) or "declined", gateway=detail
        )
    raise err


# "Already voided" / "already captured": answered with an approval code by the gateway
# at times, but a second void or capture of the payment all the same.
_ALREADY_DONE = frozenset({"310", "311"})


def _duplicate_of(response: HttpResponse) -> str | None:
    """The original ``transId`` when the gateway answered "duplicate" (reason 11)."""
    answer = kit.decode_as(_decode(response), TransactionAnswer)
    tr = answer.transactionResponse if answer else None
    if tr is None or tr.responseCode != "3" or _reason(tr) != "11":
        return None
    return tr.transId if tr.transId and tr.transId != "0" else None


def _transaction_details(response: HttpResponse) -> TransactionDetails:
    answer = kit.decode_as(_decode(response), DetailsAnswer)
    if answer is None or answer.transaction is None:
        messages = answer.messages if answer else Messages()
        raise _api_error(response, messages, _first_code(messages))
    return answer.transaction


# --------------------------------------------------------------------------- helpers

ANET = kit.Exponents("Authorize.net")


def _order(data: AuthorizeData) -> dict[str, Any]:
    """``order`` as Level 2/3 data: ``lineItems`` (quantity and unit price, tax
    excluded), ``tax.amount``, ``shipping.amount`` and the customer reference as
    ``poNumber``."""
    order = data.order
    if order is None:
        return {}
    if len(order.line_items) > LINE_ITEMS_MAX:
        raise invalid(
            "invalid_order",
            f"Authorize.net takes {LINE_ITEMS_MAX} line items at most",
            "order.line_items",
        )
    lines = []
    for index, line in enumerate(order.line_items, start=1):
        if line.sku is not None and len(line.sku) > LINE_TEXT_MAX:
            raise invalid(
                "invalid_order",
                f"Authorize.net's itemId is at most {LINE_TEXT_MAX} characters",
                f"order.line_items[{index - 1}].sku",
            )
        item = {
            "itemId": line.sku or str(index),
            "name": line.name[:LINE_TEXT_MAX],
            "description": line.name[:255] if len(line.name) > LINE_TEXT_MAX else None,
            "quantity": str(line.quantity),
            "unitPrice": _amount(line.unit_amount, data.currency),
            "taxable": "true" if line.tax_amount else None,
            "taxAmount": _amount(line.tax_amount, data.currency) if line.tax_amount else None,
        }
        lines.append(item)
    out: dict[str, Any] = {
        "lineItems": {"lineItem": lines},
        "tax": {"amount": _amount(order.total_tax, data.currency)},
    }
    if order.shipping_amount is not None:
        out["shipping"] = {"amount": _amount(order.shipping_amount, data.currency)}
    if order.customer_reference is not None:
        if len(order.customer_reference) > PO_NUMBER_MAX:
            raise invalid(
                "invalid_order",
                f"Authorize.net's poNumber is at most {PO_NUMBER_MAX} characters",
                "order.customer_reference",
            )
        out["poNumber"] = order.customer_reference
    return out


def _payment_options(data: AuthorizeData) -> dict[str, Any]:
    options = kit.options_of(data, AuthorizenetPaymentOptions)
    if options is None:
        return {}
    out: dict[str, Any] = {}
    if options.po_number is not None:
        out["poNumber"] = options.po_number
    if options.tax_exempt is not None:
        out["taxExempt"] = "true" if options.tax_exempt else "false"
    if options.user_fields:
        out["userFields"] = {
            "userField": [{"name": f.name, "value": f.value} for f in options.user_fields]
        }
    return out


def _kind(pm: msgspec.Struct) -> str:
    """The method's ``payment_method.type`` (its msgspec tag), for error messages."""
    return f"{pm.__struct_config__.tag} payments"


def _ref_id(key: str) -> str:
    """The caller's key as ``refId`` (20 characters at most): itself when short and
    plain, else a digest of it."""
    if len(key) <= 20 and re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return key
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _invoice(reference: str) -> str:
    """``order.invoiceNumber``: 20 characters at most; a longer reference keeps its end
    (where generated references are unique)."""
    return reference[-20:] if reference else reference


def _amount(minor: int, currency: str) -> str:
    try:
        return ANET.to_major(minor, currency.upper())
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None


def _minor(value: float | str | None, currency: str) -> int | None:
    if value is None:
        return None
    try:
        return ANET.from_major(_decimal_text(value, currency), currency.upper())
    except (ValueError, UnknownCurrency, InvalidOperation):
        return None


def _decimal_text(value: float | str, currency: str) -> str:
    """A JSON number or string as the exact decimal text of the currency's exponent."""
    exponent = ANET.of(currency.upper())
    quantum = Decimal(1).scaleb(-exponent)
    return str(Decimal(str(value)).quantize(quantum))


def _pruned(value: Any) -> Any:
    """Drop ``None`` and empty objects (the JSON API refuses an empty element)."""
    if isinstance(value, dict):
        out = {k: _pruned(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in out.items() if v != {} and v != []}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _in_order(fields: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    rank = {name: i for i, name in enumerate(order)}
    return dict(sorted(_pruned(fields).items(), key=lambda kv: rank.get(kv[0], len(rank))))


def _duplicate_window(ctx: ConnectorContext) -> int:
    raw = ctx.options.get("duplicate_window")
    if raw is None:
        return DEFAULT_DUPLICATE_WINDOW
    if not raw.isdigit() or int(raw) > MAX_DUPLICATE_WINDOW:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            f"option duplicate_window must be 0-{MAX_DUPLICATE_WINDOW} seconds",
        )
    return int(raw)


def _validation_mode(ctx: ConnectorContext, *, bank: bool = False) -> str:
    """The option's mode; for a bank account ``liveMode`` becomes ``testMode``: a live
    validation is a zero-amount authorization to void, which a card has and an ACH
    debit does not (an eCheck is debited or not), so a bank account is checked for
    format (routing number, lengths) only. ``none`` stays ``none``."""
    mode = ctx.options.get("validation_mode") or "liveMode"
    if mode not in ("liveMode", "testMode", "none"):
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            "option validation_mode must be liveMode, testMode or none",
        )
    return "testMode" if bank and mode == "liveMode" else mode


def _is_bank_mandate(meta: dict[str, str]) -> bool:
    """A stored payment profile holding a bank account (its set-up marked it)."""
    return meta.get(BANK_DEBIT_META) == "1"


def _card(card: Card) -> dict[str, Any]:
    return {
        "cardNumber": card.number.reveal(),
        "expirationDate": f"{card.exp_year:04d}-{card.exp_month:02d}",
        "cardCode": card.cvc.reveal() if card.cvc else None,
    }


def _customer(customer: Customer | None) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {
        "type": "individual",
        "id": customer.id[:20] if customer.id else None,
        "email": customer.email,
    }


def _address(address: Address | None, customer: Customer | None) -> dict[str, Any] | None:
    first = last = None
    if address is not None:
        first, last = address.first_name, address.last_name
    if first is None and last is None and customer is not None and customer.name:
        first, _, last = customer.name.partition(" ")
    if address is None and first is None:
        return None
    line = " ".join(p for p in ((address.line1, address.line2) if address else ()) if p)
    return {
        "firstName": first[:50] if first else None,
        "lastName": last[:50] if last else None,
        "address": line[:60] or None,
        "city": address.city[:40] if address and address.city else None,
        "state": address.state[:40] if address and address.state else None,
        "zip": address.postal_code[:20] if address and address.postal_code else None,
        "country": address.country if address else None,
    }


_BRANDS = {
    "visa": "visa", "mastercard": "mastercard", "americanexpress": "amex",
    "discover": "discover", "jcb": "jcb", "dinersclub": "diners",
}  # fmt: skip


def _summary(account_number: str, account_type: str) -> CardSummary | None:
    digits = re.sub(r"\D", "", account_number)
    if len(digits) < 4:
        return None
    brand = account_type.replace(" ", "").lower()
    return CardSummary(brand=_BRANDS.get(brand, brand or None), last4=digits[-4:])


def _stored_summary(masked: MaskedCard) -> CardSummary | None:
    summary = _summary(masked.cardNumber, masked.cardType)
    if summary is not None and re.fullmatch(r"\d{4}-\d{2}", masked.expirationDate):
        summary.exp_year, summary.exp_month = (int(p) for p in masked.expirationDate.split("-"))
    return summary


def _summary_of(card: Card) -> CardSummary:
    return CardSummary(
        last4=card.number.reveal()[-4:], exp_month=card.exp_month, exp_year=card.exp_year
    )


def _transaction_result(
    response: HttpResponse, tr: TransactionResponse, approved: PaymentStatus, amount: int
) -> PaymentResult:
    """A payment from ``transactionResponse``: approved, held for review, declined; a
    transaction error that is about the card (invalid number, expired) is a decline
    too, any other error raises."""
    code = tr.responseCode
    card = _summary(tr.accountNumber, tr.accountType)
    meta = {"last4": card.last4} if card and card.last4 else {}
    if tr.profile and tr.profile.customerProfileId and tr.profile.customerPaymentProfileId:
        meta |= {
            "customer_profile_id": tr.profile.customerProfileId,
            "payment_profile_id": tr.profile.customerPaymentProfileId,
        }
    if code == "1":
        status = approved
    elif code == "4":
        status = PaymentStatus.PROCESSING
    elif code == "2" or (code == "3" and _reason(tr) in DECLINE_MAP):
        status = PaymentStatus.FAILED
    else:
        raise _transaction_error(response, tr, _reason(tr), None)
    return PaymentResult(
        status=status,
        connector_payment_id=tr.transId if tr.transId and tr.transId != "0" else None,
        amount=amount,
        amount_captured=amount if status is PaymentStatus.CAPTURED else None,
        connector_status=_RESPONSE_NAMES.get(code, code),
        failure=_decline(tr) if status is PaymentStatus.FAILED else None,
        network_transaction_id=tr.networkTransId or None,
        pending_reason="under_review" if status is PaymentStatus.PROCESSING else None,
        card=card,
        meta=meta,
    )


def _from_details(tx: TransactionDetails, currency: str) -> PaymentResult:
    if tx.payment is not None and tx.payment.bankAccount is not None:
        return _echeck_from_details(tx, currency)
    status = kit.status_of(PAYMENT_STATUS, tx.transactionStatus, PaymentStatus.PROCESSING)
    authorized = _minor(tx.authAmount, currency)
    settled = _minor(tx.settleAmount, currency)
    captured: int | None = None
    if status is PaymentStatus.CAPTURED:
        captured = settled if settled else authorized
        if captured is not None and authorized is not None and 0 < captured < authorized:
            status = PaymentStatus.PARTIALLY_CAPTURED
    card_data = tx.payment.creditCard if tx.payment and tx.payment.creditCard else None
    card = _summary(card_data.cardNumber, card_data.cardType) if card_data else None
    meta = {"last4": card.last4} if card and card.last4 else {}
    if tx.profile and tx.profile.customerProfileId and tx.profile.customerPaymentProfileId:
        meta |= {
            "customer_profile_id": tx.profile.customerProfileId,
            "payment_profile_id": tx.profile.customerPaymentProfileId,
        }
    raw = kit.text_or_number(tx.responseReasonCode)
    return PaymentResult(
        status=status,
        connector_payment_id=tx.transId,
        amount=authorized,
        amount_captured=captured,
        connector_status=tx.transactionStatus,
        failure=decline(
            kit.decline_of(DECLINE_MAP, raw, default=DeclineCode.GENERIC_DECLINE),
            raw_code=raw,
            raw_message=tx.responseReasonDescription,
        )
        if status is PaymentStatus.FAILED
        else None,
        network_transaction_id=tx.networkTransId or None,
        pending_reason="under_review" if status is PaymentStatus.PROCESSING else None,
        card=card,
        reference=tx.order.invoiceNumber if tx.order else None,
        meta=meta,
    )


def _from_unsettled_list(response: HttpResponse, data: SyncData) -> PaymentResult:
    """The newest unsettled transaction whose invoice number is the payment's
    reference; none: still unresolved (never created, or already settled)."""
    answer = kit.decode_as(_decode(response), UnsettledAnswer)
    if answer is None or answer.messages.resultCode != "Ok":
        messages = answer.messages if answer else Messages()
        raise _api_error(response, messages, _first_code(messages))
    invoice = _invoice(data.payment.meta.get("reference") or "")
    found = [t for t in answer.transactions if t.invoiceNumber == invoice]
    if not found:
        return PaymentResult(
            status=PaymentStatus.UNRESOLVED,
            connector_payment_id="",
            pending_reason="not_found_at_gateway",
        )
    tx = found[0]  # newest first
    echeck = tx.accountType == ECHECK_ACCOUNT
    status = kit.status_of(
        ECHECK_STATUS if echeck else PAYMENT_STATUS,
        tx.transactionStatus,
        PaymentStatus.PROCESSING,
    )
    card = None if echeck else _summary(tx.accountNumber, tx.accountType)
    pending = (
        ECHECK_PENDING if echeck and tx.transactionStatus == "capturedPendingSettlement" else None
    )
    return PaymentResult(
        status=status,
        connector_payment_id=tx.transId,
        amount=data.payment.amount,
        amount_captured=_minor(tx.settleAmount, data.payment.currency)
        if status is PaymentStatus.CAPTURED
        else None,
        connector_status=tx.transactionStatus,
        failure=decline(DeclineCode.GENERIC_DECLINE, raw_code=tx.transactionStatus)
        if status is PaymentStatus.FAILED
        else None,
        pending_reason=(pending or "under_review") if status is PaymentStatus.PROCESSING else None,
        card=card,
        reference=data.payment.meta.get("reference"),
        meta=dict(ECHECK_META) if echeck else {"last4": card.last4} if card and card.last4 else {},
    )


def _direct_response(values: list[str]) -> dict[int, str]:
    """The first validation "direct response" (comma-delimited; field 1 the response
    code, 3 the reason code, 4 its text, 7 the transaction id), by 1-based position."""
    if not values:
        return {}
    return {i: v for i, v in enumerate(values[0].split(","), start=1)}


def _refund_from_details(tx: TransactionDetails, currency: str) -> RefundResult:
    status = kit.status_of(REFUND_STATUS, tx.transactionStatus, RefundStatus.PENDING)
    settled = tx.settleAmount if tx.settleAmount is not None else tx.authAmount
    return RefundResult(
        status=status,
        connector_refund_id=tx.transId,
        amount=_minor(settled, currency),
        connector_status=tx.transactionStatus,
        failure=decline(
            DeclineCode.PROCESSING_ERROR,
            raw_code=tx.transactionStatus,
            raw_message=tx.responseReasonDescription,
        )
        if status is RefundStatus.FAILED
        else None,
        pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        meta={"payment_id": tx.refTransId} if tx.refTransId else {},
    )


def _check_echeck(data: AuthorizeData) -> None:
    """What eCheck.Net cannot do, refused before a call: hold the debit for a later
    capture (an eCheck is debited or not: ``authOnlyTransaction`` takes no bank
    account). Storing the account (``setup_future_usage``) is ``createProfile``."""
    if data.capture_method is CaptureMethod.MANUAL:
        raise not_supported(
            "Authorize.net debits an eCheck at once: capture_method manual is not "
            "supported for ach_debit",
            "capture_method",
        )


def _bank_account(pm: AchDebit) -> dict[str, Any]:
    """``payment.bankAccount`` in the XSD's order (accountType, routingNumber,
    accountNumber, nameOnAccount, echeckType)."""
    account_type = ECHECK_ACCOUNT_TYPES.get((pm.account_type, pm.account_holder_type))
    if account_type is None:
        raise not_supported(
            "Authorize.net takes a company's checking account (CCD), not its savings account",
            "payment_method.account_holder_type",
        )
    return {
        "accountType": account_type,
        "routingNumber": pm.routing_number,
        "accountNumber": pm.account_number.reveal(),
        "nameOnAccount": pm.account_holder_name[:NAME_ON_ACCOUNT_MAX],
        "echeckType": ECHECK_ENTRY_CLASS.get(account_type, "WEB"),
    }


def _refund_bank_account(tx: TransactionDetails) -> dict[str, Any]:
    """The debit's bank account as its details show it (masked numbers, the name on
    the account), which the refund names; the entry class is left to the gateway
    (a refund to a person's account is not WEB, which is for debits)."""
    bank = tx.payment.bankAccount if tx.payment else None
    if bank is None or not bank.accountNumber or not bank.routingNumber:
        raise ServiceError(
            ErrorType.CONFLICT,
            "payment_not_refundable",
            "Authorize.net eCheck refunds name the bank account, which the debit's "
            "details did not show; refund it in the Merchant Interface",
        )
    return {
        "accountType": bank.accountType,
        "routingNumber": bank.routingNumber,
        "accountNumber": bank.accountNumber,
        "nameOnAccount": bank.nameOnAccount[:NAME_ON_ACCOUNT_MAX] or None,
    }


def _echeck_result(result: PaymentResult) -> PaymentResult:
    """An eCheck's answer: approved is *taken in*, not paid (``processing`` until it
    settles; it can still be returned). No card summary: the payment shows
    ``ach_debit`` as its method, as other gateways' bank debits do."""
    if result.status is PaymentStatus.CAPTURED:
        result.status = PaymentStatus.PROCESSING
        result.amount_captured = None
        result.pending_reason = ECHECK_PENDING
    result.card = None
    result.meta = {k: v for k, v in result.meta.items() if k != "last4"} | ECHECK_META
    return result


def _echeck_from_details(tx: TransactionDetails, currency: str) -> PaymentResult:
    """An eCheck read back: pending settlement is ``processing``, settled is
    ``captured``, returned by the bank is ``failed`` with the return's reason."""
    status = kit.status_of(ECHECK_STATUS, tx.transactionStatus, PaymentStatus.PROCESSING)
    authorized = _minor(tx.authAmount, currency)
    failure = None
    if status is PaymentStatus.FAILED:
        returned = tx.returnedItems[0] if tx.returnedItems else None
        if returned is not None and returned.code:
            failure = decline(
                kit.decline_of(ACH_RETURN_MAP, returned.code, default=DeclineCode.GENERIC_DECLINE),
                raw_code=returned.code,
                raw_message=returned.description,
            )
        else:
            raw = kit.text_or_number(tx.responseReasonCode)
            failure = decline(
                kit.decline_of(DECLINE_MAP, raw, default=DeclineCode.GENERIC_DECLINE),
                raw_code=raw,
                raw_message=tx.responseReasonDescription,
            )
    pending = None
    if status is PaymentStatus.PROCESSING:
        settling = tx.transactionStatus == "capturedPendingSettlement"
        pending = ECHECK_PENDING if settling else "under_review"
    captured = None
    if status is PaymentStatus.CAPTURED:
        captured = _minor(tx.settleAmount, currency) or authorized
    return PaymentResult(
        status=status,
        connector_payment_id=tx.transId,
        amount=authorized,
        amount_captured=captured,
        connector_status=tx.transactionStatus,
        failure=failure,
        pending_reason=pending,
        reference=tx.order.invoiceNumber if tx.order else None,
        meta=dict(ECHECK_META),
    )
