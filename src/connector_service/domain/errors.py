"""The three-layer error model.

1. *Unified*: a stable machine ``code`` and an ``ErrorType`` every caller can switch on.
2. *Network*: for declines, the card network's advice code where the gateway passes it on.
3. *Gateway*: the gateway's own raw code and message, kept verbatim for support cases.

Declines are not exceptions: a declined payment is a result with status ``failed`` and a
:class:`Failure`. :class:`ServiceError` is for requests that could not be processed.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import msgspec

from connector_service.domain.declines import DeclineCode, category_of
from connector_service.domain.status import DeclineCategory

__all__ = ["DeclineCode", "ErrorType", "Failure", "GatewayDetail", "ServiceError", "decline"]


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


def default_category(code: DeclineCode) -> DeclineCategory:
    """The category of a unified decline code (the table in domain/declines.py)."""
    return category_of(code)


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
    advice_vocabulary: Mapping[str, DeclineCategory] | None = None,
    advice: str | None = None,
) -> Failure:
    """A structured decline. Its category comes from the unified code's row of the
    decline table, overridden only by the gateway's advice (``advice``, else
    ``advice_code``) read in its advice vocabulary (domain/declines.py), so equal
    causes get equal categories everywhere."""
    return Failure(
        code=code.value,
        message=message or raw_message or code.value.replace("_", " ").capitalize(),
        category=category_of(code, advice or advice_code, advice_vocabulary),
        advice_code=advice_code,
        gateway=GatewayDetail(code=raw_code, message=raw_message)
        if raw_code or raw_message
        else None,
    )
