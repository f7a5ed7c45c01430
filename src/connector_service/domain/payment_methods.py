"""Payment methods a caller can pay with.

A tagged union on ``type``: ``card`` (raw card data), ``token`` (a payment method the
gateway already stores), ``mandate`` (a mandate this service set up: merchant-initiated),
``wallet`` and ``redirect`` (declared so connectors can announce support; the core rejects
them where no connector implements them).
"""

from __future__ import annotations

import datetime as _dt
from enum import StrEnum
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from connector_service.domain.secret import Secret


class FieldError(ValueError):
    """A validation error attached to one field of a struct (``__post_init__`` checks)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


class CardBrand(StrEnum):
    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    DINERS = "diners"
    JCB = "jcb"
    UNIONPAY = "unionpay"
    MAESTRO = "maestro"
    UNKNOWN = "unknown"


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def detect_brand(number: str) -> CardBrand:
    """Brand from the IIN ranges the networks publish (first 2-6 digits)."""
    two, four, six = int(number[:2]), int(number[:4]), int(number[:6])
    if number[0] == "4":
        return CardBrand.VISA
    if 51 <= two <= 55 or 222100 <= six <= 272099:
        return CardBrand.MASTERCARD
    if two in (34, 37):
        return CardBrand.AMEX
    if number.startswith("6011") or number.startswith("65") or 644 <= int(number[:3]) <= 649:
        return CardBrand.DISCOVER
    if two in (36, 38, 39) or 300 <= int(number[:3]) <= 305:
        return CardBrand.DINERS
    if 3528 <= four <= 3589:
        return CardBrand.JCB
    if two == 62:
        return CardBrand.UNIONPAY
    if two in (50, 56, 57, 58) or number[:2] in ("63", "67"):
        return CardBrand.MAESTRO
    return CardBrand.UNKNOWN


def _today() -> _dt.date:
    return _dt.datetime.now(_dt.UTC).date()


class Card(msgspec.Struct, tag_field="type", tag="card", forbid_unknown_fields=True):
    number: Secret
    exp_month: Annotated[int, Meta(ge=1, le=12)]
    exp_year: Annotated[int, Meta(ge=2000, le=2100)]
    cvc: Secret | None = None
    holder_name: Annotated[str, Meta(max_length=128)] | None = None

    def __post_init__(self) -> None:
        raw = self.number.reveal()
        digits = raw.replace(" ", "").replace("-", "")
        if not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise FieldError("number", "must be 12 to 19 digits")
        if not luhn_ok(digits):
            raise FieldError("number", "fails the Luhn check")
        if digits != raw:
            self.number = Secret(digits)
        today = _today()
        if (self.exp_year, self.exp_month) < (today.year, today.month):
            raise FieldError("exp_year", "the card has expired")
        if self.cvc is not None:
            cvc = self.cvc.reveal()
            if not cvc.isdigit() or not 3 <= len(cvc) <= 4:
                raise FieldError("cvc", "must be 3 or 4 digits")

    @property
    def brand(self) -> CardBrand:
        return detect_brand(self.number.reveal())

    @property
    def last4(self) -> str:
        return self.number.reveal()[-4:]

    @property
    def bin(self) -> str:
        return self.number.reveal()[:6]


class Token(msgspec.Struct, tag_field="type", tag="token", forbid_unknown_fields=True):
    """A payment method already stored at the gateway (e.g. a Stripe ``pm_…``)."""

    token: Annotated[str, Meta(min_length=1, max_length=256)]
    customer_id: Annotated[str, Meta(max_length=256)] | None = None


class MandateRef(msgspec.Struct, tag_field="type", tag="mandate", forbid_unknown_fields=True):
    """Charge a mandate this service set up (merchant-initiated: the customer is absent)."""

    mandate_id: Annotated[str, Meta(min_length=1, max_length=2048)]


class Wallet(msgspec.Struct, tag_field="type", tag="wallet", forbid_unknown_fields=True):
    wallet: Literal["apple_pay", "google_pay", "paypal"]
    token: Secret | None = None


class Redirect(msgspec.Struct, tag_field="type", tag="redirect", forbid_unknown_fields=True):
    method: Annotated[str, Meta(min_length=1, max_length=64)]


PaymentMethod = Card | Token | MandateRef | Wallet | Redirect


class PaymentMethodType(StrEnum):
    CARD = "card"
    TOKEN = "token"
    MANDATE = "mandate"
    WALLET = "wallet"
    REDIRECT = "redirect"
