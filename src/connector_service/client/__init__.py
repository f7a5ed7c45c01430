"""Python client for a running Connector Service (REST API).

    from connector_service.client import Client          # or AsyncClient

    with Client("http://127.0.0.1:8080", api_key="sk_…") as cs:
        payment = cs.create_payment({"amount": 2500, "currency": "EUR", "payment_method": {
            "type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}})
        cs.refund(payment.id, {"amount": 500})

Results are the API's own typed structs (``connector_service.domain.api``: ``Payment``,
``Refund``, ``Mandate``, ``ConnectorInfo``); errors are typed exceptions per error type
(``connector_service.client.errors``), declines are results. Every POST carries an
Idempotency-Key (made per call when not given) so that the client's retries, and yours
with the same key, never charge twice. The method names are those of library mode.
"""

from __future__ import annotations

from connector_service.client._async import AsyncClient, Page
from connector_service.client._sync import Client
from connector_service.client.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    ConnectorError,
    ConnectorServiceError,
    IdempotencyConflictError,
    InternalServerError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    RateLimitedError,
)

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ConflictError",
    "ConnectorError",
    "ConnectorServiceError",
    "IdempotencyConflictError",
    "InternalServerError",
    "InvalidRequestError",
    "NetworkError",
    "NotFoundError",
    "NotSupportedError",
    "Page",
    "PermissionDeniedError",
    "RateLimitedError",
]
