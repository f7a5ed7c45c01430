"""Typed exceptions of the Python client: one class per error ``type`` of the API.

The service answers every failure with one JSON shape
(``{"error": {"type", "code", "message", "field", "request_id", "gateway", …}}``); the
client raises the class of its ``type`` carrying every field, so callers can catch
broadly (:class:`ConnectorServiceError`), by kind (:class:`NotFoundError`) or switch on
the stable ``code``. Declines are not errors: a declined payment is a result with
``status == "failed"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from connector_service_client.models import Attempt, Failure, GatewayDetail


class ConnectorServiceError(Exception):
    """An error answer of the service (or, for the subclasses of
    :class:`APIConnectionError`, no answer at all)."""

    type: str = "unknown"

    def __init__(
        self,
        message: str,
        *,
        code: str = "unknown",
        http_status: int | None = None,
        request_id: str | None = None,
        field: str | None = None,
        gateway: GatewayDetail | None = None,
        decline: Failure | None = None,
        attempts: list[Attempt] | None = None,
        type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.request_id = request_id
        self.field = field
        self.gateway = gateway
        self.decline = decline
        self.attempts = attempts
        if type is not None:
            self.type = type

    def __str__(self) -> str:
        where = f" (field {self.field})" if self.field else ""
        rid = f" [request {self.request_id}]" if self.request_id else ""
        return f"{self.code}: {self.message}{where}{rid}"


class InvalidRequestError(ConnectorServiceError):
    """400: the request is wrong; ``field`` names the input at fault."""

    type = "invalid_request"


class AuthenticationError(ConnectorServiceError):
    """401: missing or invalid API key."""

    type = "authentication"


class PermissionDeniedError(ConnectorServiceError):
    """403: the API key may not use this account (or this feature)."""

    type = "permission"


class NotFoundError(ConnectorServiceError):
    """404: unknown id, or an id of an account this key may not use."""

    type = "not_found"


class ConflictError(ConnectorServiceError):
    """409: the payment's state forbids the operation, or an idempotency conflict."""

    type = "conflict"


class IdempotencyConflictError(ConflictError):
    """409: the Idempotency-Key was used for another request (``idempotency_key_reused``),
    or its first request is still running (``idempotency_request_in_progress``: the client
    retries those by itself while it has retries left)."""


class NotSupportedError(ConnectorServiceError):
    """422: the connector does not support this flow, payment method or currency."""

    type = "not_supported"


class RateLimitedError(ConnectorServiceError):
    """429: the gateway is rate limiting; nothing happened, retrying later is safe."""

    type = "rate_limited"


class ConnectorError(ConnectorServiceError):
    """502/503: the gateway answered with an error, or is unavailable (503: nothing was
    charged)."""

    type = "connector_error"


class NetworkError(ConnectorServiceError):
    """503/504 from the service: the gateway could not be reached (503, nothing happened)
    or did not answer in time (504, the outcome is unknown: sync before retrying)."""

    type = "network_error"


class InternalServerError(ConnectorServiceError):
    type = "internal_error"


class APIConnectionError(ConnectorServiceError):
    """The client got no answer from the service (connection refused, reset, ...)."""

    type = "connection"


class APITimeoutError(APIConnectionError):
    """The service did not answer within the client's timeout. With an Idempotency-Key
    (the client always sends one on POST) repeating the call is safe: it returns the
    first call's result."""

    type = "timeout"


_BY_TYPE: dict[str, type[ConnectorServiceError]] = {
    cls.type: cls
    for cls in (
        InvalidRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        NotSupportedError,
        RateLimitedError,
        ConnectorError,
        NetworkError,
        InternalServerError,
    )
}
_IDEMPOTENCY_CODES = frozenset({"idempotency_key_reused", "idempotency_request_in_progress"})


class _ErrorBody(msgspec.Struct):
    type: str
    code: str
    message: str
    request_id: str | None = None
    field: str | None = None
    gateway: GatewayDetail | None = None
    decline: Failure | None = None
    attempts: list[Attempt] | None = None


class _Envelope(msgspec.Struct):
    error: _ErrorBody


_decoder = msgspec.json.Decoder(_Envelope)


def error_from_response(
    status: int, body: bytes, headers: Mapping[str, str] | None = None
) -> ConnectorServiceError:
    """The exception for an error answer; a body that is not the service's error shape
    (a proxy's page, say) still gives a typed error with the HTTP status."""
    request_id = (headers or {}).get("x-request-id")
    try:
        err = _decoder.decode(body).error
    except (msgspec.DecodeError, msgspec.ValidationError):
        fallback = _fallback_type(status)
        return fallback(
            f"HTTP {status} without an error document",
            code="http_error",
            http_status=status,
            request_id=request_id,
        )
    cls = _BY_TYPE.get(err.type, ConnectorServiceError)
    if cls is ConflictError and err.code in _IDEMPOTENCY_CODES:
        cls = IdempotencyConflictError
    kwargs: dict[str, Any] = {"type": err.type} if cls is ConnectorServiceError else {}
    return cls(
        err.message,
        code=err.code,
        http_status=status,
        request_id=err.request_id or request_id,
        field=err.field,
        gateway=err.gateway,
        decline=err.decline,
        attempts=err.attempts,
        **kwargs,
    )


def _fallback_type(status: int) -> type[ConnectorServiceError]:
    return {
        400: InvalidRequestError,
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        409: ConflictError,
        422: NotSupportedError,
        429: RateLimitedError,
        502: ConnectorError,
        503: ConnectorError,
        504: NetworkError,
    }.get(status, InternalServerError if status >= 500 else ConnectorServiceError)


__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AuthenticationError",
    "ConflictError",
    "ConnectorError",
    "ConnectorServiceError",
    "IdempotencyConflictError",
    "InternalServerError",
    "InvalidRequestError",
    "NetworkError",
    "NotFoundError",
    "NotSupportedError",
    "PermissionDeniedError",
    "RateLimitedError",
    "error_from_response",
]
