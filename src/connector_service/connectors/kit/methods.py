"""What connectors share when they map payment methods beyond cards onto a gateway.

Gateways ask for more than the unified model makes mandatory: a name or an email for a
bank redirect, a full billing address for a voucher, a ``return_url`` for every method
that sends the customer away. A missing one is the caller's error, so it is refused
before any call with a 4xx naming *our* field (``customer.email``), never left to come
back as a gateway error naming the gateway's (``billing_details[email]``).

The ECI helpers read the Electronic Commerce Indicator of a network token or of 3-D
Secure done elsewhere the way the card schemes define it (Visa, Amex, Discover, JCB:
05 authenticated, 06 attempted, 07 none; Mastercard: 02, 01, 00), for gateways that want
the outcome named rather than the two digits.

Wallet tokens arrive as the wallet gave them (JSON text, or base64 of it); gateways want
one form or the other (``wallet_token_json`` / ``wallet_token_b64``). ``payer_*`` read the
payer's name, email and phone from ``billing`` / ``customer`` and refuse a missing one
naming the unified field.

A mandate is set up from a card or a token, or, where a connector declares the method's
``recurring`` flow, from UPI (AutoPay) or a US bank account (``ach_debit``);
``card_or_token`` is what a connector that stores cards only reads it through (the core
refuses those methods before it, so this is the type's guard).
"""

from __future__ import annotations

import base64
import binascii
import json
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from connector_service.domain.common import Address, Customer
from connector_service.domain.errors import ServiceError, invalid, not_supported
from connector_service.domain.payment_methods import AchDebit, Card, Token, Upi, type_of
from connector_service.domain.secret import Secret

__all__ = [
    "EciOutcome",
    "OrderFacts",
    "bad_field",
    "card_or_token",
    "eci_outcome",
    "holder_name",
    "payer_email",
    "payer_name",
    "payer_phone",
    "require_address",
    "require_field",
    "require_return_url",
    "wallet_token_b64",
    "wallet_token_json",
]

T = TypeVar("T")


def holder_name(billing: Address | None, customer: Customer | None) -> str | None:
    """The payer's name: the billing address's first and last name, else the customer's."""
    if billing and (billing.first_name or billing.last_name):
        return " ".join(p for p in (billing.first_name, billing.last_name) if p)
    return customer.name if customer and customer.name else None


def require_field(value: T | None, field: str, gateway: str, method: str, what: str) -> T:
    """``value``, or a ``missing_field`` 4xx naming ``field``: the gateway needs it."""
    if value is None or value == "":
        raise _missing(field, gateway, method, what)
    return value


def require_return_url(return_url: str | None, gateway: str, method: str) -> str:
    """The URL the customer comes back to after a redirect method's page."""
    if not return_url:
        raise invalid(
            "return_url_required",
            f"{gateway} sends the customer to a {method} page and back to return_url: "
            "it is required",
            "return_url",
        )
    return return_url


def card_or_token(pm: Card | Token | Upi | AchDebit, gateway: str) -> Card | Token:
    """A mandate's method at a gateway that stores cards (and its own tokens) only."""
    if isinstance(pm, Card | Token):
        return pm
    raise not_supported(
        f"{gateway} stores cards and tokens as mandates, not {type_of(pm).value}",
        "payment_method.type",
    )


def bad_field(field: str, message: str) -> ServiceError:
    """A value the model accepts but this gateway does not (``invalid_field``)."""
    return invalid("invalid_field", message, field)


class EciOutcome(StrEnum):
    AUTHENTICATED = "authenticated"
    ATTEMPTED = "attempted"
    NONE = "none"


_ECI: dict[str, EciOutcome] = {
    "05": EciOutcome.AUTHENTICATED,
    "06": EciOutcome.ATTEMPTED,
    "07": EciOutcome.NONE,
    "02": EciOutcome.AUTHENTICATED,  # Mastercard
    "01": EciOutcome.ATTEMPTED,
    "00": EciOutcome.NONE,
}


def eci_outcome(eci: str | None) -> EciOutcome | None:
    """What the ECI says about the authentication (``None``: no or an unknown ECI)."""
    return _ECI.get(eci or "")


class OrderFacts(Protocol):
    """The part of an authorization these helpers read (``AuthorizeData`` has it)."""

    @property
    def billing(self) -> Address | None: ...

    @property
    def customer(self) -> Customer | None: ...


def _missing(field: str, gateway: str, method: str, what: str) -> ServiceError:
    return invalid("missing_field", f"{gateway} needs {what} for {method} payments", field)


def payer_name(data: OrderFacts, gateway: str, method: str) -> tuple[str, str]:
    """The payer's first and last name: the billing names, else the customer's name split
    at its last space. Missing: a 4xx naming ``billing.first_name``."""
    billing = data.billing
    if billing and billing.first_name and billing.last_name:
        return billing.first_name, billing.last_name
    name = (data.customer.name if data.customer else None) or ""
    first, _, last = name.strip().rpartition(" ")
    if first and last:
        return first, last
    raise _missing("billing.first_name", gateway, method, "the payer's first and last name")


def payer_email(data: OrderFacts, gateway: str, method: str) -> str:
    email = data.customer.email if data.customer else None
    if not email:
        raise _missing("customer.email", gateway, method, "the payer's email address")
    return email


def payer_phone(data: OrderFacts, gateway: str, method: str) -> str:
    """The payer's phone, international form (``+`` and digits) as gateways ask."""
    phone = (data.customer.phone if data.customer else None) or (
        data.billing.phone if data.billing else None
    )
    compact = (phone or "").replace(" ", "").replace("-", "")
    if not compact:
        raise _missing("customer.phone", gateway, method, "the payer's phone number")
    if not (compact.startswith("+") and compact[1:].isdigit() and 5 <= len(compact) <= 19):
        raise invalid(
            "invalid_field",
            f"{gateway} takes phone numbers as + and country code and digits",
            "customer.phone",
        )
    return compact


def require_address(data: OrderFacts, gateway: str, method: str) -> Address:
    """A complete billing address (street, city, postal code, country)."""
    billing = data.billing
    for name in ("line1", "city", "postal_code", "country"):
        if billing is None or not getattr(billing, name):
            raise _missing(f"billing.{name}", gateway, method, "the payer's full billing address")
    assert billing is not None
    return billing


def wallet_token_json(token: Secret, field: str = "payment_method.token") -> dict[str, Any]:
    """The wallet's payment token as a JSON object (given as JSON text or base64 of it)."""
    raw = token.reveal().strip()
    if not raw.startswith("{"):
        try:
            raw = base64.b64decode(raw, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _bad_token(field) from None
    try:
        value = json.loads(raw)
    except ValueError:
        raise _bad_token(field) from None
    if not isinstance(value, dict) or not value:
        raise _bad_token(field)
    return value


def wallet_token_b64(token: Secret, field: str = "payment_method.token") -> str:
    """The wallet's payment token as base64 of its JSON (what Apple Pay's SDKs hand over)."""
    value = wallet_token_json(token, field)
    raw = token.reveal().strip()
    if raw.startswith("{"):
        return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()
    return raw


def _bad_token(field: str) -> ServiceError:
    return invalid(
        "invalid_token",
        "the wallet token must be the wallet's payment token: JSON, or base64 of the JSON",
        field,
    )
