"""The committed OpenAPI document matches the code, and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from connector_service.server.openapi import build_openapi, openapi_json

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_document_has_not_drifted() -> None:
    assert COMMITTED.read_bytes() == openapi_json(), (
        "docs/openapi.json is stale: run `connector-service openapi > docs/openapi.json`"
    )


def test_document_is_valid_openapi() -> None:
    validate(build_openapi())  # raises on an invalid document
    broken = build_openapi()
    broken["paths"]["/v1/payments/{id}"]["get"]["parameters"] = []  # undeclared path param
    with pytest.raises(Exception, match="id"):
        validate(broken)


def test_every_route_is_documented_with_errors() -> None:
    doc = json.loads(openapi_json())
    assert set(doc["paths"]) >= {
        "/v1/payments", "/v1/payments/{id}", "/v1/payments/{id}/capture",
        "/v1/payments/{id}/void", "/v1/payments/{id}/refunds", "/v1/refunds/{id}",
        "/v1/mandates", "/v1/mandates/{id}/revoke", "/v1/connectors",
    }  # fmt: skip
    create = doc["paths"]["/v1/payments"]["post"]
    assert "201" in create["responses"] and "400" in create["responses"]
    # Error statuses not listed one by one (405, 415, 431, ...) still promise the envelope.
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            default = op["responses"].get("default")
            assert default, f"{method.upper()} {path} has no default (error) response"
            envelope = default["content"]["application/json"]["schema"]
            assert envelope == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    card = doc["components"]["schemas"]["Card"]
    assert card["properties"]["number"] == {"type": "string", "format": "password"}
