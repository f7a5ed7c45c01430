"""Checkout.com: the payment methods beyond cards (``source`` types of ``POST /payments``),
kept beside ``checkout.py`` so that module stays the card connector it was.

Facts this module relies on (every shape checked against ``swagger.json`` in
tests/connectors/test_checkout_methods.py):

* A method is a ``source`` whose ``type`` picks the schema (``PaymentRequestIdealSource``,
  ``PaymentRequestP24Source`` …). The NAS preview spec describes card, id, token and
  network-token sources only; the alternative sources are those of ``swagger.json``,
  which NAS accounts take as well.
* Alternative methods answer ``202 Pending`` with ``_links.redirect``: the customer
  finishes on that page (bank, PayPal, Alipay, the Boleto voucher page), so the next
  action is a ``redirect`` and ``success_url`` / ``failure_url`` are needed. They settle
  by ``GET /payments/{id}`` (``Captured`` / ``Paid``) or the ``payment_captured`` /
  ``payment_paid`` webhook.
* Encrypted Apple Pay / Google Pay tokens are exchanged first (``POST /tokens``,
  authenticated with the *public* key) for a ``tok_…`` paid as a ``token`` source;
  a decrypted token is a ``network_token`` source (DPAN, cryptogram, ECI).
* 3-D Secure done elsewhere goes in the ``3ds`` object (``eci``, ``cryptogram``, ``xid``:
  the directory server's transaction id for 3-D Secure 2, ``version``).
"""

from __future__ import annotations

from typing import Any

from connector_service.connectors import kit
from connector_service.connectors.capabilities import MethodFlow, MethodSupport, takes
from connector_service.connectors.kit import methods as payer
from connector_service.connectors.kit.http import HttpResponse
from connector_service.domain.errors import invalid, not_supported
from connector_service.domain.flows import AuthorizeData
from connector_service.domain.payment_methods import (
    Alipay,
    ApplePay,
    Bancontact,
    Boleto,
    Card,
    CardBrand,
    Eps,
    GooglePay,
    Ideal,
    NetworkToken,
    PaymentMethodType,
    PayPal,
    Przelewy24,
    type_of,
)

# --------------------------------------------------------------------------- 1. declaration

_M, _F = PaymentMethodType, MethodFlow
_ALL = frozenset({_F.AUTHORIZE, _F.CAPTURE, _F.REFUND})
_PAY = frozenset({_F.AUTHORIZE, _F.REFUND})  # captured at once, refundable
_STORED = _ALL | {_F.RECURRING}


def _local(flows: frozenset[MethodFlow], countries: str, currencies: str) -> MethodSupport:
    return takes(
        *sorted(flows),
        countries=frozenset(countries.split()) if countries else None,
        currencies=frozenset(currencies.split()) if currencies else None,
    )


# The source schemas' own limits (payment_country BE / PL, Boleto's country BR) and
# Checkout.com's payment-method pages (currencies, refunds). docs/connectors/checkout.md.
METHODS: dict[PaymentMethodType, MethodSupport] = {
    _M.CARD: takes(*sorted(_STORED), external_3ds=True),
    _M.TOKEN: takes(*sorted(_STORED)),
    _M.MANDATE: takes(*sorted(_STORED)),
    _M.NETWORK_TOKEN: takes(*sorted(_ALL)),
    _M.APPLE_PAY: takes(*sorted(_ALL)),
    _M.GOOGLE_PAY: takes(*sorted(_ALL)),
    _M.PAYPAL: takes(*sorted(_PAY)),
    _M.IDEAL: _local(_PAY, "NL", "EUR"),
    _M.BANCONTACT: _local(_PAY, "BE", "EUR"),
    _M.EPS: _local(_PAY, "AT", "EUR"),
    _M.PRZELEWY24: _local(_PAY, "PL", "EUR PLN"),
    _M.BOLETO: _local(frozenset({_F.AUTHORIZE}), "BR", "BRL"),
    _M.ALIPAY: _local(_PAY, "", "AUD CAD CNY EUR GBP HKD JPY NZD SGD USD"),
}
REDIRECT_METHODS = (PayPal, Ideal, Bancontact, Eps, Przelewy24, Boleto, Alipay)
WALLETS = (ApplePay, GooglePay)
_TOKEN_TYPE = {ApplePay: "applepay", GooglePay: "googlepay"}
# network_token.token_type: the wallet a decrypted token came from, else the scheme's
# token service (Visa Token Service, Mastercard MDES).
_NETWORK_TOKEN_TYPE = {"apple_pay": "applepay", "google_pay": "googlepay"}

# --------------------------------------------------------------------------- 3. builders


def builds(pm: object) -> bool:
    """A method this module builds (cards, tokens and mandates are checkout.py's)."""
    return isinstance(pm, (*REDIRECT_METHODS, NetworkToken))


def source(pm: object, data: AuthorizeData) -> dict[str, Any]:
    """The ``source`` of a method beyond cards (wallet tokens: see :func:`token_body`)."""
    method = type_of(pm).value
    if isinstance(pm, NetworkToken):
        return _network_token(pm)
    if not data.return_url:  # the customer finishes on Checkout.com's redirect page
        raise invalid(
            "return_url_required",
            f"a {method} payment sends the customer to a page and back: return_url is needed",
            "return_url",
        )
    out: dict[str, Any] = {"type": method}
    if isinstance(pm, PayPal):
        out["invoice_number"] = data.reference
    elif isinstance(pm, Ideal):
        out.update(bic=_bic(pm.bank, required=True), description=_describe(data, 35))
    elif isinstance(pm, Bancontact):
        out.update(
            payment_country="BE",
            account_holder_name=_holder(data, "Bancontact"),
            billing_descriptor=data.statement_descriptor,
        )
    elif isinstance(pm, Eps):
        out.update(purpose=_describe(data, 27), bic=_bic(pm.bank, required=False))
    elif isinstance(pm, Przelewy24):
        if pm.bank:
            raise not_supported(
                "Checkout.com's Przelewy24 source does not preselect a bank", "payment_method.bank"
            )
        out.update(
            type="p24",
            payment_country="PL",
            account_holder_name=_holder(data, "Przelewy24"),
            account_holder_email=payer.payer_email(data, "Checkout.com", "Przelewy24"),
        )
    elif isinstance(pm, Boleto):
        if pm.expires_after_days is not None:
            raise not_supported(
                "Checkout.com's Boleto source takes no due date (the voucher's validity is "
                "Checkout.com's)",
                "payment_method.expires_after_days",
            )
        out.update(
            integration_type="redirect",  # "direct" answers a ticket the spec does not describe
            country="BR",
            description=_describe(data, 200),
            payer={
                "name": _holder(data, "Boleto"),
                "email": payer.payer_email(data, "Checkout.com", "Boleto")[:100],
                "document": pm.tax_id,
            },
        )
    return kit.drop_none(out)


def three_ds(card: Card) -> dict[str, Any] | None:
    """3-D Secure done elsewhere as the ``3ds`` object: no challenge is run again."""
    result = card.three_ds
    if result is None:
        return None
    return kit.drop_none(
        {
            "enabled": True,
            "eci": result.eci,
            "cryptogram": _cryptogram(
                result.authentication_value.reveal(), "three_ds.authentication_value"
            ),
            "xid": result.ds_transaction_id,
            "version": result.version,
        }
    )


def token_body(pm: ApplePay | GooglePay) -> dict[str, Any]:
    """``POST /tokens``: the wallet's encrypted token exchanged for a ``tok_…``."""
    return {"type": _TOKEN_TYPE[type(pm)], "token_data": payer.wallet_token_json(pm.token)}


def token_of(body: Any, response: HttpResponse) -> str:
    token = kit.text(kit.obj(body).get("token"))
    if not token or not token.startswith("tok_"):
        raise kit.gateway_error(response, code=None, message="Checkout.com answered no tok_ token")
    return token


def _network_token(pm: NetworkToken) -> dict[str, Any]:
    if pm.eci is None:  # required by the network_token source schema
        raise invalid(
            "missing_field",
            "Checkout.com needs the ECI the token's cryptogram came with",
            "payment_method.eci",
        )
    brand = pm.brand
    token_type = _NETWORK_TOKEN_TYPE.get(pm.source) or (
        "mdes" if brand in (CardBrand.MASTERCARD, CardBrand.MAESTRO) else "vts"
    )
    return kit.drop_none(
        {
            "type": "network_token",
            "token": pm.number.reveal(),
            "expiry_month": pm.exp_month,
            "expiry_year": pm.exp_year,
            "token_type": token_type,
            "cryptogram": _cryptogram(pm.cryptogram.reveal(), "cryptogram"),
            "eci": pm.eci,
            "name": pm.holder_name,
        }
    )


def _cryptogram(value: str, field: str) -> str:
    if len(value) > 50:  # the schemas' maxLength
        raise invalid(
            "invalid_field",
            "Checkout.com takes cryptograms of 50 characters at most",
            f"payment_method.{field}",
        )
    return value


def _bic(bank: str | None, *, required: bool) -> str | None:
    """Checkout.com names the bank by its BIC (8 or 11 characters)."""
    if bank is None and not required:
        return None
    if bank is None or len(bank) not in (8, 11) or not bank.isalnum():
        raise invalid(
            "invalid_field",
            "Checkout.com needs the bank's BIC (8 or 11 letters and digits) in payment_method.bank",
            "payment_method.bank",
        )
    return bank.upper()


def _holder(data: AuthorizeData, method: str) -> str:
    first, last = payer.payer_name(data, "Checkout.com", method)
    return f"{first} {last}"[:100]


def _describe(data: AuthorizeData, limit: int) -> str:
    return (data.description or data.reference)[:limit]
