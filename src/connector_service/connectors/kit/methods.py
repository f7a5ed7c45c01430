"""What connectors taking payment methods beyond cards share.

Many local methods need facts about the payer that a card payment does not: a voucher is
issued in the payer's name, a pay-later provider checks the shopper's email and phone, a
bank redirect shows the account holder. The unified request carries them in ``billing``
and ``customer``; these helpers read them and, when a method's scheme requires one that
is missing, refuse with a 4xx naming the unified field (``billing.first_name``), before
any call is made. Wallet tokens arrive as the wallet gave them (JSON text, or base64 of
it); gateways want one form or the other.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Protocol

from connector_service.domain.common import Address, Customer
from connector_service.domain.errors import ServiceError, invalid
from connector_service.domain.secret import Secret

__all__ = [
    "OrderFacts",
    "payer_email",
    "payer_name",
    "payer_phone",
    "require_address",
    "wallet_token_b64",
    "wallet_token_json",
]


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
