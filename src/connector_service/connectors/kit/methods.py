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
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from connector_service.domain.common import Address, Customer
from connector_service.domain.errors import ServiceError, invalid

__all__ = [
    "EciOutcome",
    "bad_field",
    "eci_outcome",
    "holder_name",
    "require_field",
    "require_return_url",
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
        raise invalid("missing_field", f"{gateway} needs {what} for {method} payments", field)
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
