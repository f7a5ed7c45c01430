"""The OpenAPI 3.1 document, generated from the endpoint table and the msgspec structs.

The committed copy (``docs/openapi.json``) is checked against this in the tests, so the
document can never drift from the code. Regenerate with
``connector-service openapi > docs/openapi.json``.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import msgspec

from connector_service.domain import api
from connector_service.domain.codec import schema_hook
from connector_service.server import openapi_extras
from connector_service.server.endpoints import ENDPOINTS as API_ENDPOINTS
from connector_service.server.openapi_normalise import normalise_schema
from connector_service.server.webhook_routes import WEBHOOK_ENDPOINTS
from connector_service.version import __version__

_ERRORS = {
    "400": "Invalid request: the `field` names the input at fault",
    "401": "Missing or invalid API key",
    "403": "The API key may not use this account",
    "404": "Unknown or foreign id",
    "409": "Conflict (state of the payment, idempotency)",
    "413": "Body too large",
    "422": "Not supported by the connector",
    "429": "Rate limited by the gateway",
    "502": "The gateway answered with an error",
    "503": "The gateway is unavailable or unreachable (nothing was charged)",
    "504": "The gateway did not answer in time (outcome unknown)",
    # Any other error status (e.g. 405, 415, 431) still answers the error envelope: a
    # client (and schemathesis' response-conformance check) can rely on its shape.
    "default": "Any other error: the same error envelope",
}


def build_openapi() -> dict[str, Any]:
    endpoints = (*API_ENDPOINTS, *WEBHOOK_ENDPOINTS)

    types: list[Any] = [api.ErrorEnvelope]
    for ep in endpoints:
        types += [t for t in (ep.body, ep.response) if t is not None]
    _, raw_components = msgspec.json.schema_components(
        list(dict.fromkeys(types)),
        schema_hook=schema_hook,
        ref_template="#/components/schemas/{name}",
    )
    # The same document from every msgspec release pyproject allows: see openapi_normalise.
    components: dict[str, Any] = normalise_schema(raw_components)
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        assert ep.response is not None
        op: dict[str, Any] = {
            "operationId": ep.operation.name,
            "summary": ep.summary,
            "tags": [ep.tag],
            "responses": {
                str(ep.status): {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{ep.response.__name__}"}
                        }
                    },
                },
                **{
                    code: {
                        "description": text,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}
                            }
                        },
                    }
                    for code, text in _ERRORS.items()
                },
            },
        }
        params: list[dict[str, Any]] = []
        for name in re.findall(r"\{(\w+)\}", ep.path):
            params.append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            )
        if ep.method == "POST":
            params.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 255},
                }
            )
        params.append(
            {
                "name": "X-Request-Id",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 128},
            }
        )
        op["parameters"] = params
        if ep.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{ep.body.__name__}"}
                    }
                },
            }
        paths.setdefault(ep.path, {})[ep.method.lower()] = op
    return openapi_extras.complete({
        "openapi": "3.1.0",
        "info": {
            "title": "Connector Service API",
            "version": __version__,
            "description": "One unified payments API in front of many payment gateways. "
            "Amounts are integer minor units of an ISO-4217 currency.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    })  # fmt: skip


@functools.cache
def openapi_json() -> bytes:
    return (json.dumps(build_openapi(), indent=2, sort_keys=True) + "\n").encode()
