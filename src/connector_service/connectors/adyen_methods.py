"""Adyen: the payment methods beyond cards (Checkout API v71 ``paymentMethod`` types),
kept beside ``adyen.py`` so that module stays the card connector it was.

Facts this module relies on (each request shape is checked against
``CheckoutService-v71.json`` in tests/connectors/test_adyen_methods.py):

* Every method is one ``paymentMethod`` object whose ``type`` picks the schema
  (``IdealDetails``, ``SepaDirectDebitDetails``, ``PaymentDetails`` …), plus top-level
  shopper facts some methods require (``shopperName``, ``shopperEmail``,
  ``telephoneNumber``, ``billingAddress``, ``lineItems``, ``socialSecurityNumber``).
* The answer's ``action`` says what the shopper does: ``redirect`` (bank, wallet, BNPL
  page), ``qrCode`` (Pix, PayNow, PromptPay, UPI QR, WeChat Pay, Bancontact app),
  ``voucher`` (Boleto, OXXO, Konbini: ``PresentToShopper``), ``await`` (BLIK code, UPI
  collect: confirmed in the app).
* Asynchronous methods settle by the ``AUTHORISATION`` webhook; its ``paymentMethod``
  names the method. The methods below that Adyen captures at once (no separate capture)
  are settled (``captured``) by it; bank debits too (a later bounce is a chargeback).
* The Checkout API has no payment lookup, so the webhook is the only settling path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector_service.connectors import kit
from connector_service.connectors.capabilities import MethodFlow, MethodSupport, takes
from connector_service.connectors.kit import methods as payer
from connector_service.domain.common import (
    Address,
    AwaitCustomer,
    DisplayQr,
    DisplayVoucher,
    NextAction,
    RedirectAction,
)
from connector_service.domain.errors import invalid, not_supported
from connector_service.domain.flows import AuthorizeData
from connector_service.domain.payment_methods import (
    AchDebit,
    Affirm,
    AfterpayClearpay,
    Alipay,
    ApplePay,
    BacsDebit,
    Bancontact,
    Blik,
    Boleto,
    Card,
    Eps,
    GooglePay,
    Ideal,
    Klarna,
    Konbini,
    MethodKind,
    NetworkToken,
    Oxxo,
    PaymentMethodType,
    PayNow,
    PayPal,
    Pix,
    PromptPay,
    SepaDebit,
    Upi,
    WechatPay,
    kind_of,
    type_of,
)

# --------------------------------------------------------------------------- 1. declaration

_M, _F = PaymentMethodType, MethodFlow
_ALL = frozenset({_F.AUTHORIZE, _F.CAPTURE, _F.REFUND})
_PAY = frozenset({_F.AUTHORIZE, _F.REFUND})  # captured at once by Adyen, refundable
_ONCE = frozenset({_F.AUTHORIZE})  # paid in cash or by transfer: no refund through Adyen
_STORED = _ALL | {_F.RECURRING}


def _local(flows: frozenset[MethodFlow], countries: str, currencies: str) -> MethodSupport:
    return takes(
        *sorted(flows),
        countries=frozenset(countries.split()) if countries else None,
        currencies=frozenset(currencies.split()) if currencies else None,
    )


SEPA_COUNTRIES = (
    "AT BE BG CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT RO "
    "SE SI SK SM"
)
# What Adyen's payment-method pages give per method (countries, processing currencies,
# whether a separate capture and refunds exist). docs/connectors/adyen.md lists them.
METHODS: dict[PaymentMethodType, MethodSupport] = {
    _M.CARD: takes(*sorted(_STORED), external_3ds=True),
    _M.TOKEN: takes(*sorted(_STORED)),
    _M.MANDATE: takes(*sorted(_STORED)),
    _M.NETWORK_TOKEN: takes(*sorted(_ALL)),
    _M.APPLE_PAY: takes(*sorted(_ALL)),
    _M.GOOGLE_PAY: takes(*sorted(_ALL)),
    _M.PAYPAL: takes(*sorted(_ALL)),
    _M.IDEAL: _local(_PAY, "NL", "EUR"),
    _M.BANCONTACT: _local(_PAY, "BE", "EUR"),
    _M.EPS: _local(_PAY, "AT", "EUR"),
    _M.BLIK: _local(_PAY, "PL", "PLN"),
    _M.SEPA_DEBIT: _local(_PAY, SEPA_COUNTRIES, "EUR"),
    _M.ACH_DEBIT: _local(_PAY, "US", "USD"),
    _M.BACS_DEBIT: _local(_PAY, "GB", "GBP"),
    _M.PIX: _local(_PAY, "BR", "BRL"),
    _M.UPI: _local(_PAY, "IN", "INR"),
    _M.PAYNOW: _local(_PAY, "SG", "SGD"),
    _M.PROMPTPAY: _local(_PAY, "TH", "THB"),
    _M.BOLETO: _local(_ONCE, "BR", "BRL"),
    _M.OXXO: _local(_ONCE, "MX", "MXN"),
    _M.KONBINI: _local(_ONCE, "JP", "JPY"),
    _M.KLARNA: _local(
        _ALL,
        "AT BE CH CZ DE DK ES FI FR GB IE IT NL NO PL PT SE US",
        "CHF CZK DKK EUR GBP NOK PLN SEK USD",
    ),
    _M.AFTERPAY_CLEARPAY: _local(_ALL, "AU CA GB NZ US", "AUD CAD GBP NZD USD"),
    _M.AFFIRM: _local(_ALL, "CA US", "CAD USD"),
    _M.ALIPAY: _local(_PAY, "", "AUD CAD CNY EUR GBP HKD JPY NZD SGD USD"),
    _M.WECHAT_PAY: _local(_PAY, "", "AUD CAD CNY EUR GBP HKD JPY SGD USD"),
}

# The paymentMethod.type sent per unified method (UPI and Afterpay choose by the request).
ADYEN_TYPE: dict[PaymentMethodType, str] = {
    _M.APPLE_PAY: "applepay",
    _M.GOOGLE_PAY: "googlepay",
    _M.PAYPAL: "paypal",
    _M.IDEAL: "ideal",
    _M.BANCONTACT: "bcmc_mobile",  # the Bancontact / Payconiq app's QR code
    _M.EPS: "eps",
    _M.BLIK: "blik",
    _M.SEPA_DEBIT: "sepadirectdebit",
    _M.ACH_DEBIT: "ach",
    _M.BACS_DEBIT: "directdebit_GB",
    _M.PIX: "pix",
    _M.PAYNOW: "paynow",
    _M.PROMPTPAY: "promptpay",
    _M.BOLETO: "boletobancario",
    _M.OXXO: "oxxo",
    _M.KONBINI: "econtext_stores",
    _M.KLARNA: "klarna",
    _M.AFFIRM: "affirm",
    _M.ALIPAY: "alipay",
    _M.WECHAT_PAY: "wechatpayQR",
}
# Adyen's names in webhooks (NotificationRequestItem.paymentMethod) of methods it
# captures at once: their AUTHORISATION is the money arriving, not a hold.
SETTLED_BY_AUTHORISATION = frozenset(
    {
        "ideal", "bcmc_mobile", "eps", "blik", "sepadirectdebit", "ach", "directdebit_GB",
        "pix", "upi_collect", "upi_qr", "paynow", "promptpay", "boletobancario", "oxxo",
        "econtext_stores", "alipay", "wechatpayQR",
    }
)  # fmt: skip

# --------------------------------------------------------------------------- 3. builders


def payment_method(pm: object, data: AuthorizeData) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``paymentMethod`` object of a method beyond cards, and the top-level fields
    its scheme requires (shopper name, email, phone, addresses, line items)."""
    pm_type = type_of(pm)
    name = f"the Adyen {pm_type.value}"
    top: dict[str, Any] = {}
    method: dict[str, Any] = {"type": ADYEN_TYPE.get(pm_type)}
    if isinstance(pm, NetworkToken):
        return _network_token(pm)
    if isinstance(pm, ApplePay):
        method["applePayToken"] = payer.wallet_token_b64(pm.token)
    elif isinstance(pm, GooglePay):
        payer.wallet_token_json(pm.token)  # refused early when not the wallet's JSON
        method["googlePayToken"] = pm.token.reveal().strip()
    elif isinstance(pm, PayPal):
        method["subtype"] = "redirect"
    elif isinstance(pm, Ideal):
        method["issuer"] = pm.bank
    elif isinstance(pm, Eps):
        if not pm.bank:  # GenericIssuerPaymentMethodDetails: issuer is required
            raise invalid(
                "missing_field", "Adyen needs the EPS bank (its issuer id)", "payment_method.bank"
            )
        method["issuer"] = pm.bank
    elif isinstance(pm, Blik):
        method["blikCode"] = pm.code.reveal()
    elif isinstance(pm, SepaDebit):
        method.update(iban=pm.iban.reveal(), ownerName=pm.account_holder_name)
    elif isinstance(pm, AchDebit):
        method.update(
            bankAccountNumber=pm.account_number.reveal(),
            bankLocationId=pm.routing_number,
            ownerName=pm.account_holder_name,
            bankAccountType=pm.account_type,
            accountHolderType="business" if pm.account_holder_type == "company" else "personal",
        )
        top["billingAddress"] = _address(payer.require_address(data, "Adyen", "ACH"))
    elif isinstance(pm, BacsDebit):
        method.update(
            bankAccountNumber=pm.account_number.reveal(),
            bankLocationId=pm.sort_code,
            holderName=pm.account_holder_name,
        )
        top["shopperEmail"] = payer.payer_email(data, "Adyen", "Bacs Direct Debit")
    elif isinstance(pm, Pix):
        _no_expiry(pm.expires_after_seconds, "Pix", "expires_after_seconds")
    elif isinstance(pm, Upi):
        if pm.vpa:
            method.update(type="upi_collect", virtualPaymentAddress=pm.vpa)
        else:
            method["type"] = "upi_qr"
    elif isinstance(pm, Boleto):
        top.update(_shopper(data, name, email=False), socialSecurityNumber=pm.tax_id)
        top["billingAddress"] = _address(payer.require_address(data, "Adyen", "Boleto"))
        if pm.expires_after_days:  # Boleto's due date is Adyen's deliveryDate
            top["deliveryDate"] = _in_days(pm.expires_after_days)
    elif isinstance(pm, Oxxo):
        _no_expiry(pm.expires_after_days, "OXXO", "expires_after_days")
        top.update(_shopper(data, name, email=True))
    elif isinstance(pm, Konbini):  # EcontextVoucherDetails: the shopper on the method
        _no_expiry(pm.expires_after_days, "Konbini", "expires_after_days")
        first, last = payer.payer_name(data, "Adyen", "Konbini")
        method.update(
            firstName=first,
            lastName=last,
            shopperEmail=payer.payer_email(data, "Adyen", "Konbini"),
            telephoneNumber=payer.payer_phone(data, "Adyen", "Konbini"),
        )
    elif isinstance(pm, Klarna | AfterpayClearpay | Affirm):
        top.update(_pay_later(pm, data, method))
    elif not isinstance(pm, Bancontact | PayNow | PromptPay | Alipay | WechatPay):
        raise not_supported(
            f"the Adyen connector does not take {pm_type.value} payments", "payment_method.type"
        )
    return kit.drop_none(method), top


def three_ds(card: Card) -> dict[str, Any] | None:
    """3-D Secure done elsewhere, as Adyen's ``mpiData`` (ThreeDSecureData). ECI 05/02
    are full authentication (``Y``), 06/01 an attempt (``A``)."""
    result = card.three_ds
    if result is None:
        return None
    status = "A" if result.eci in ("01", "06") else "Y"
    return kit.drop_none(
        {
            "cavv": result.authentication_value.reveal(),
            "eci": result.eci,
            "dsTransID": result.ds_transaction_id,
            "threeDSVersion": result.version,
            "directoryResponse": status,
            "authenticationResponse": status,
        }
    )


def _network_token(pm: NetworkToken) -> tuple[dict[str, Any], dict[str, Any]]:
    """A decrypted wallet token or network token: the DPAN as ``networkToken`` and its
    cryptogram (TAVV) and ECI in ``mpiData``; a wallet's own token is marked as such."""
    method = {
        "type": "networkToken",
        "number": pm.number.reveal(),
        "expiryMonth": f"{pm.exp_month:02d}",
        "expiryYear": str(pm.exp_year),
        "holderName": pm.holder_name,
    }
    mpi = {
        "tokenAuthenticationVerificationValue": pm.cryptogram.reveal(),
        "eci": pm.eci,
        "directoryResponse": "Y",
        "authenticationResponse": "Y",
    }
    top: dict[str, Any] = {"mpiData": kit.drop_none(mpi)}
    if pm.source != "network_token":
        top["additionalData"] = {"paymentdatasource.type": pm.source.replace("_", "")}
    return kit.drop_none(method), top


def _no_expiry(value: int | None, method: str, field: str) -> None:
    """Adyen takes the validity of Pix codes and OXXO / Konbini vouchers from the merchant
    account's settings, not from the request: asking for one is refused, not ignored."""
    if value is not None:
        raise not_supported(
            f"Adyen sets how long a {method} payment stays payable in the account settings; "
            f"payment_method.{field} cannot be sent",
            f"payment_method.{field}",
        )


def _shopper(data: AuthorizeData, method: str, *, email: bool) -> dict[str, Any]:
    first, last = payer.payer_name(data, "Adyen", method)
    out: dict[str, Any] = {"shopperName": {"firstName": first[:80], "lastName": last[:80]}}
    if email:
        out["shopperEmail"] = payer.payer_email(data, "Adyen", method)
    return out


def _pay_later(pm: object, data: AuthorizeData, method: dict[str, Any]) -> dict[str, Any]:
    """Klarna, Afterpay / Clearpay and Affirm check the shopper and the order: name, email,
    phone (Afterpay), addresses, and the order lines. Without ``order.line_items`` the
    order is one line: its description (or reference) at the full amount; with them,
    adyen.py's order mapping replaces that line with the real ones."""
    label = type_of(pm).value
    billing = payer.require_address(data, "Adyen", label)
    top = _shopper(data, label, email=True)
    if isinstance(pm, AfterpayClearpay):  # Clearpay in the UK, Afterpay elsewhere
        method["type"] = "clearpay" if billing.country == "GB" else "afterpaytouch"
        top["telephoneNumber"] = payer.payer_phone(data, "Adyen", "Afterpay / Clearpay")
    top.update(
        countryCode=billing.country,
        billingAddress=_address(billing),
        deliveryAddress=_address(data.shipping) or _address(billing),
        lineItems=[
            {
                "id": data.reference[:80],
                "description": (data.description or data.reference)[:80],
                "quantity": 1,
                "amountIncludingTax": data.amount,
                "taxAmount": 0,
                "amountExcludingTax": data.amount,
            }
        ],
    )
    return top


def _address(a: Address | None) -> dict[str, Any] | None:
    if a is None or not (a.line1 and a.city and a.postal_code and a.country):
        return None
    return kit.drop_none(
        {
            "street": a.line1,
            "houseNumberOrName": a.line2 or "",
            "city": a.city,
            "postalCode": a.postal_code,
            "country": a.country,
            "stateOrProvince": a.state,
        }
    )


def _in_days(days: int) -> str:
    return kit.utc_after(days * 86400, "%Y-%m-%dT%H:%M:%S.000Z")


# --------------------------------------------------------------------------- 4. parsers


def next_action(action: Any, pm: object | None = None) -> NextAction | None:
    """Adyen's ``action`` as the unified next action (``None``: nothing a caller can show,
    e.g. a native threeDS2 action, which this connector does not ask for)."""
    action = kit.obj(action)
    kind = kit.text(action.get("type"))
    url = kit.text(action.get("url")) or ""
    if kind == "qrCode":
        payload = kit.text(action.get("qrCodeData"))
        if not payload:
            return None
        return DisplayQr(url=url, payload=payload, expires_at=kit.text(action.get("expiresAt")))
    if kind == "voucher":
        reference = kit.text(action.get("reference"))
        if not reference:
            return None
        download = kit.text(action.get("downloadUrl"))
        instructions = kit.text(action.get("instructionsUrl"))
        return DisplayVoucher(
            url=download or url or instructions or "",
            reference=reference,
            barcode=kit.text(action.get("alternativeReference")),
            expires_at=kit.text(action.get("expiresAt")),
            instructions_url=instructions or download,
        )
    if kind == "await":
        what = kit.text(action.get("paymentMethodType")) or "payment"
        return AwaitCustomer(url=url, message=f"Waiting for the shopper to confirm the {what}")
    if not url:
        return None
    method = str(action.get("method") or "GET").upper()
    data = kit.obj(action.get("data"))
    form = {str(k): str(v) for k, v in data.items()} if method == "POST" else None
    return RedirectAction(url=url, method=method, form=form or None)


def asynchronous(pm: object) -> bool:
    """Methods whose first answer is never the outcome: it comes by webhook."""
    return kind_of(pm) in (
        MethodKind.REDIRECT, MethodKind.QR, MethodKind.VOUCHER, MethodKind.BANK_DEBIT,
        MethodKind.APP_CONFIRM,
    )  # fmt: skip


def debit(pm: object) -> bool:
    return kind_of(pm) is MethodKind.BANK_DEBIT


def debit_mandate(extra: Mapping[str, Any]) -> dict[str, str]:
    """The SEPA mandate Adyen created for a debit (additionalData, ResponseAdditionalDataSepa):
    reported with the payment, as the scheme rules want the merchant to keep it."""
    keys = {
        "sepadirectdebit.mandateId": "sepa_mandate_id",
        "sepadirectdebit.dateOfSignature": "sepa_mandate_signed_on",
        "sepadirectdebit.sequenceType": "sepa_sequence_type",
    }
    return {ours: str(extra[theirs]) for theirs, ours in keys.items() if extra.get(theirs)}


def builds(pm: object) -> bool:
    """A method this module builds (cards, tokens and mandates are adyen.py's)."""
    return isinstance(pm, NetworkToken | Upi | AfterpayClearpay) or type_of(pm) in ADYEN_TYPE


def merge(body: dict[str, Any], top: dict[str, Any]) -> None:
    """Add a method's top-level fields to the /payments body: objects (``additionalData``)
    are merged key by key; with ``mpiData`` (authenticated already) Adyen is not asked
    to run 3-D Secure itself."""
    for key, value in top.items():
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    if top.get("mpiData"):
        body.pop("authenticationData", None)
