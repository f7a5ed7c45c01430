"""The three-layer error model.

1. *Unified*: a stable machine ``code`` and an ``ErrorType`` every caller can switch on.
2. *Network*: for declines, the card network's advice code where the gateway passes it on.
3. *Gateway*: the gateway's own raw code and message, kept verbatim for support cases.

Declines are not exceptions: a declined payment is a result with status ``failed`` and a
:class:`Failure`. :class:`ServiceError` is for requests that could not be processed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec

from connector_service.domain.status import DeclineCategory


class ErrorType(StrEnum):
    INVALID_REQUEST = "invalid_request"
    AUTHENTICATION = "authentication"
    PERMISSION = "permission"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    CONNECTOR = "connector_error"
    NETWORK = "network_error"
    NOT_SUPPORTED = "not_supported"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal_error"


HTTP_STATUS: dict[ErrorType, int] = {
    ErrorType.INVALID_REQUEST: 400,
    ErrorType.AUTHENTICATION: 401,
    ErrorType.PERMISSION: 403,
    ErrorType.NOT_FOUND: 404,
    ErrorType.CONFLICT: 409,
    ErrorType.NOT_SUPPORTED: 422,
    ErrorType.RATE_LIMITED: 429,
    ErrorType.CONNECTOR: 502,
    ErrorType.NETWORK: 504,
    ErrorType.INTERNAL: 500,
}


class GatewayDetail(msgspec.Struct, omit_defaults=True):
    """What the gateway itself said, verbatim (never containing request secrets)."""

    code: str | None = None
    message: str | None = None
    http_status: int | None = None


class ServiceError(Exception):
    """A request the service could not process. Rendered as the one JSON error shape."""

    def __init__(
        self,
        type: ErrorType,
        code: str,
        message: str,
        *,
        field: str | None = None,
        gateway: GatewayDetail | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.type = type
        self.code = code
        self.message = message
        self.field = field
        self.gateway = gateway
        self.http_status = http_status or HTTP_STATUS[type]
        self.attempts: list[Any] | None = None  # routed calls: the accounts tried


def invalid(code: str, message: str, field: str | None = None) -> ServiceError:
    return ServiceError(ErrorType.INVALID_REQUEST, code, message, field=field)


def not_found(what: str, field: str | None = None) -> ServiceError:
    return ServiceError(ErrorType.NOT_FOUND, f"{what}_not_found", f"No such {what}.", field=field)


def not_supported(message: str, field: str | None = None) -> ServiceError:
    return ServiceError(ErrorType.NOT_SUPPORTED, "not_supported", message, field=field)


class DeclineCode(StrEnum):
    """Unified decline reasons; each connector maps its gateway's codes onto these."""

    GENERIC_DECLINE = "generic_decline"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    DO_NOT_HONOR = "do_not_honor"
    EXPIRED_CARD = "expired_card"
    INCORRECT_CVC = "incorrect_cvc"
    INCORRECT_NUMBER = "incorrect_number"
    INVALID_EXPIRY = "invalid_expiry"
    LOST_CARD = "lost_card"
    STOLEN_CARD = "stolen_card"
    PICKUP_CARD = "pickup_card"
    FRAUD_SUSPECTED = "fraud_suspected"
    RESTRICTED_CARD = "restricted_card"
    TRANSACTION_NOT_ALLOWED = "transaction_not_allowed"
    LIMIT_EXCEEDED = "limit_exceeded"
    INVALID_AMOUNT = "invalid_amount"
    AUTHENTICATION_REQUIRED = "authentication_required"
    AUTHENTICATION_FAILED = "authentication_failed"
    ISSUER_UNAVAILABLE = "issuer_unavailable"
    PROCESSING_ERROR = "processing_error"
    TRY_AGAIN_LATER = "try_again_later"
    CURRENCY_NOT_SUPPORTED = "currency_not_supported"
    REVOCATION_OF_AUTHORIZATION = "revocation_of_authorization"
    BLOCKED = "blocked"


_DEFAULT_CATEGORY: dict[DeclineCode, DeclineCategory] = {
    DeclineCode.INSUFFICIENT_FUNDS: DeclineCategory.SOFT,
    DeclineCode.LIMIT_EXCEEDED: DeclineCategory.SOFT,
    DeclineCode.AUTHENTICATION_REQUIRED: DeclineCategory.SOFT,
    DeclineCode.INCORRECT_CVC: DeclineCategory.SOFT,
    DeclineCode.DO_NOT_HONOR: DeclineCategory.SOFT,
    DeclineCode.GENERIC_DECLINE: DeclineCategory.SOFT,
    DeclineCode.ISSUER_UNAVAILABLE: DeclineCategory.RETRY_LATER,
    DeclineCode.PROCESSING_ERROR: DeclineCategory.RETRY_LATER,
    DeclineCode.TRY_AGAIN_LATER: DeclineCategory.RETRY_LATER,
}


def default_category(code: DeclineCode) -> DeclineCategory:
    """Anything not known to be worth retrying is hard: retrying a hard decline risks fraud
    flags and network fines, retrying a soft one late costs only a sale."""
    return _DEFAULT_CATEGORY.get(code, DeclineCategory.HARD)


class Failure(msgspec.Struct, omit_defaults=True):
    """Why a payment, refund or mandate failed at the gateway (a result, not an error)."""

    code: str
    message: str
    category: DeclineCategory | None = None
    advice_code: str | None = None
    gateway: GatewayDetail | None = None


def decline(
    code: DeclineCode,
    *,
    message: str | None = None,
    raw_code: str | None = None,
    raw_message: str | None = None,
    advice_code: str | None = None,
    category: DeclineCategory | None = None,
) -> Failure:
    return Failure(
        code=code.value,
        message=message or raw_message or code.value.replace("_", " ").capitalize(),
        category=category or default_category(code),
        advice_code=advice_code,
        gateway=GatewayDetail(code=raw_code, message=raw_message)
        if raw_code or raw_message
        else None,
    )
