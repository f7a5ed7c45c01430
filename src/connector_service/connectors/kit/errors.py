"""Gateway error bodies -> :class:`ServiceError`, one way for every connector.

A connector reads *where* its gateway puts the code, message and field, and keeps one
:data:`ErrorTable` of the codes it knows; :func:`error_from` does the rest: a known code
gets the table's unified type, code and field, an unknown one is typed by the HTTP
status (:func:`gateway_error`). The gateway's own code and message always stay in
``error.gateway`` for the operator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from connector_service.connectors.kit.http import HttpResponse
from connector_service.domain.errors import ErrorType, GatewayDetail, ServiceError


class ErrorRule(NamedTuple):
    """What one gateway error code means: the unified type and code, and the request
    field at fault when the code names one."""

    type: ErrorType
    code: str
    field: str | None = None


ErrorTable = Mapping[str, ErrorRule]


def error_from(
    response: HttpResponse,
    table: ErrorTable,
    *,
    codes: Iterable[str | None],
    raw_code: str | None = None,
    message: str | None = None,
    field: str | None = None,
) -> ServiceError:
    """The error for a gateway answer that is not a result. ``codes`` are looked up in
    ``table`` in order (the first known one wins); ``raw_code`` is what the operator sees
    (default: the first non-empty of ``codes``); ``field`` is the gateway's own pointer
    to the bad field and wins over the table's. The field comes from the first known code
    that names one: a gateway that lists an error type and then the field codes
    (Checkout.com's ``error_type`` + ``error_codes``) gets the type's meaning and the
    codes' field."""
    candidates = [c for c in codes if c]
    shown = raw_code if raw_code is not None else (candidates[0] if candidates else None)
    rules = [table[c] for c in candidates if c in table]
    if not rules:
        err = gateway_error(response, code=shown, message=message)
    else:
        rule = rules[0]
        detail = GatewayDetail(code=shown, message=message, http_status=response.status)
        err = ServiceError(rule.type, rule.code, message or "Gateway error", gateway=detail)
        err.field = next((r.field for r in rules if r.field), None)
    if field:
        err.field = field
    return err


def gateway_error(
    response: HttpResponse,
    *,
    code: str | None,
    message: str | None,
    type: ErrorType | None = None,
) -> ServiceError:
    """A :class:`ServiceError` for a gateway answer that is not a payment result.

    The unified type follows the HTTP status unless the connector knows better:
    401/403 mean *our* credentials are wrong (a configuration problem, reported as a
    connector error, never as the caller's authentication failure), 400/404/409/422 are
    the request's fault, 429 is rate limiting, 5xx is the gateway's fault.
    """
    status = response.status
    detail = GatewayDetail(code=code, message=message, http_status=status)
    if type is None:
        if status in (401, 403):
            return ServiceError(
                ErrorType.CONNECTOR,
                "gateway_authentication_failed",
                "The gateway rejected the account's credentials.",
                gateway=detail,
            )
        if status == 404:
            return ServiceError(
                ErrorType.NOT_FOUND,
                "resource_not_found",
                "The gateway has no such resource.",
                gateway=detail,
            )
        if status == 409:
            return ServiceError(
                ErrorType.CONFLICT,
                "gateway_conflict",
                message or "Conflict at the gateway.",
                gateway=detail,
            )
        if status == 429:
            return ServiceError(
                ErrorType.RATE_LIMITED,
                "gateway_rate_limited",
                "The gateway is rate limiting.",
                gateway=detail,
            )
        if 400 <= status < 500:
            return ServiceError(
                ErrorType.INVALID_REQUEST,
                "gateway_rejected_request",
                message or "The gateway rejected the request.",
                gateway=detail,
            )
        if status == 503:
            return ServiceError(
                ErrorType.CONNECTOR,
                "gateway_unavailable",
                "The gateway is unavailable.",
                gateway=detail,
                http_status=503,
            )
        return ServiceError(
            ErrorType.CONNECTOR,
            "gateway_error",
            "The gateway answered with an error.",
            gateway=detail,
        )
    # A connector that knows the type: the unified code stays ours (the gateway's raw code
    # is in ``gateway.code``), so every code the API answers is one the registry knows.
    return ServiceError(type, "gateway_error", message or "Gateway error", gateway=detail)
