"""Input checks only the core can make, and the references it derives from a request."""

from __future__ import annotations

import hashlib
import typing
import uuid

from connector_service.core.resources import MandateFacts
from connector_service.domain.errors import ErrorType, ServiceError, invalid
from connector_service.domain.money import UnknownCurrency, max_minor
from connector_service.domain.payment_methods import PaymentMethod, PaymentMethodType

# The API's payment-method structs by class name → the capability a connector declares
# (each struct's ``type`` tag).
PM_TYPE: dict[str, PaymentMethodType] = {
    cls.__name__: PaymentMethodType(cls.__struct_config__.tag)
    for cls in typing.get_args(PaymentMethod)
}


def reference_for(idempotency_key: str | None = None, scope: str = "") -> str:
    """Our reference for a gateway object. Derived from the idempotency key when there is
    one, so a retried request sends the gateway the very same body."""
    if idempotency_key:
        digest = hashlib.sha256(f"{scope}\x00{idempotency_key}".encode()).hexdigest()
        return f"cs_{digest[:24]}"
    return f"cs_{uuid.uuid4().hex[:24]}"


def check_currency(currency: str) -> None:
    try:
        max_minor(currency)
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None


def check_amount(amount: int, currency: str) -> None:
    check_currency(currency)
    limit = max_minor(currency)
    if amount > limit:
        raise invalid(
            "amount_too_large",
            f"amount {amount} exceeds the largest {currency} amount accepted ({limit} minor units)",
            "amount",
        )


def require_active(facts: MandateFacts, action: str, field: str) -> None:
    if facts.status != "active":
        raise ServiceError(
            ErrorType.CONFLICT,
            "mandate_not_active",
            f"The mandate is {facts.status}; only an active mandate can be {action}.",
            field=field,
        )
