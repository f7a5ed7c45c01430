"""Python client for a running Connector Service (REST API).

    from connector_service_client import Client          # or AsyncClient

    with Client("http://127.0.0.1:8080", api_key="sk_…") as cs:
        payment = cs.create_payment({"amount": 2500, "currency": "EUR", "payment_method": {
            "type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}})
        cs.refund(payment.id, {"amount": 500})

Bodies and results are typed msgspec structs generated from the OpenAPI document
(``connector_service_client.models``: ``PaymentCreate``, ``Payment``, ``Refund``, ``Mandate``,
``ConnectorInfo``, ...; a plain dict body is checked against its struct before sending);
errors are typed exceptions per error type (``connector_service_client.errors``), declines
are results. Every POST carries an
Idempotency-Key (made per call when not given) so that the client's retries, and yours
with the same key, never charge twice. The method names are those of library mode.
"""

from __future__ import annotations

from connector_service_client import models
from connector_service_client._async import AsyncClient, Page
from connector_service_client._sync import Client
from connector_service_client.errors import (
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
    "models",
]
