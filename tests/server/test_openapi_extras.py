"""What docs/openapi.json says beyond the structs, checked against the code and against a
live service: headers, query parameters, enums, examples, webhooks, optional bodies."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from connector_service.config import hash_key
from connector_service.domain.error_codes import ATTEMPT_OUTCOMES, ERROR_CODES
from connector_service.domain.errors import ErrorType
from connector_service.domain.flows import WebhookEventType
from tests.conftest import ServiceProcess, start_service

ROOT = Path(__file__).resolve().parents[2]
DOC: dict[str, Any] = json.loads((ROOT / "docs" / "openapi.json").read_text())
SCHEMAS = DOC["components"]["schemas"]
KEY = secrets.token_urlsafe(24)
CONFIG = f"""
[[accounts]]
id = "sandbox"
connector = "sandbox"

[[callers]]
id = "ops"
key_sha256 = "{hash_key(KEY)}"
admin = true
"""


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOC["paths"].items():
        for method, op in item.items():
            yield path, method, op


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of a ``$ref`` into the document, its inner refs resolved there too."""
    contents = {**DOC, "$schema": "https://json-schema.org/draft/2020-12/schema"}
    registry: Registry[Any] = Registry().with_resource("urn:doc", Resource.from_contents(contents))
    return Draft202012Validator({"$ref": "urn:doc" + schema["$ref"]}, registry=registry)


def test_every_operation_has_a_valid_example() -> None:
    for path, method, op in operations():
        ok = next(r for s, r in op["responses"].items() if s.startswith("2"))
        media = ok["content"]["application/json"]
        assert "example" in media, (method, path)
        errors = list(validator(media["schema"]).iter_errors(media["example"]))
        assert errors == [], (method, path, [e.message for e in errors])
        if "requestBody" in op:
            body = op["requestBody"]["content"]["application/json"]
            errors = list(validator(body["schema"]).iter_errors(body["example"]))
            assert errors == [], (method, path, [e.message for e in errors])


def test_an_example_that_does_not_fit_is_caught() -> None:
    media = DOC["paths"]["/v1/payments"]["post"]["requestBody"]["content"]["application/json"]
    assert list(validator(media["schema"]).iter_errors({**media["example"], "amount": "x"}))


def test_no_null_defaults_anywhere() -> None:
    def walk(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            if "default" in node:
                yield node["default"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    assert None not in list(walk(DOC))


def test_enums_are_the_servers() -> None:
    assert set(SCHEMAS["ErrorType"]["enum"]) == {t.value for t in ErrorType}
    assert SCHEMAS["ErrorBody"]["properties"]["type"] == {"$ref": "#/components/schemas/ErrorType"}
    assert set(SCHEMAS["EventType"]["enum"]) == {t.value for t in WebhookEventType}
    assert SCHEMAS["Event"]["properties"]["type"] == {"$ref": "#/components/schemas/EventType"}
    for name in ("PaymentStatus", "RefundStatus", "MandateStatus", "DeliveryStatus"):
        assert SCHEMAS[name]["enum"], name
    # error codes and attempt outcomes: the registry (tests/unit/test_error_codes.py
    # checks the registry against what src/ emits)
    assert set(SCHEMAS["ErrorCode"]["enum"]) == ERROR_CODES
    assert SCHEMAS["ErrorBody"]["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCode"}
    assert set(SCHEMAS["AttemptOutcome"]["enum"]) == ATTEMPT_OUTCOMES
    assert SCHEMAS["Attempt"]["properties"]["outcome"] == {
        "$ref": "#/components/schemas/AttemptOutcome"
    }


def test_webhooks_one_per_event_type_with_the_event_body() -> None:
    assert set(DOC["webhooks"]) == {t.value for t in WebhookEventType}
    for hook in DOC["webhooks"].values():
        post = hook["post"]
        assert post["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Event"
        }
        assert {p["name"] for p in post["parameters"]} == {
            "webhook-id", "webhook-timestamp", "webhook-signature"
        }  # fmt: skip


def test_headers_and_optional_bodies_are_documented() -> None:
    for path, method, op in operations():
        names = {p["name"] for p in op["parameters"]}
        assert "X-Request-Id" in names
        assert ("Idempotency-Key" in names) == (method == "post"), path
        assert ("X-Connector-Credentials" in names) == (not path.startswith("/v1/admin/"))
        for status, response in op["responses"].items():
            assert "X-Request-Id" in response["headers"], (path, status)
    create = DOC["paths"]["/v1/payments"]["post"]
    assert "Idempotent-Replayed" in create["responses"]["201"]["headers"]
    assert create["requestBody"]["required"] is True
    assert DOC["paths"]["/v1/payments/{id}/capture"]["post"]["requestBody"]["required"] is False


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("extras"), CONFIG, env={"CS_GRPC_ENABLED": "0"})
    yield svc
    svc.stop()


def call(service: ServiceProcess, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:  # fmt: skip
    req = urllib.request.Request(
        service.url + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json",
                 **(headers or {})},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, json.load(exc)


def test_the_live_service_does_what_the_document_says(service: ServiceProcess) -> None:
    example = DOC["paths"]["/v1/payments"]["post"]["requestBody"]["content"]["application/json"]
    key = {"Idempotency-Key": secrets.token_hex(8)}
    status, headers, first = call(service, "POST", "/v1/payments", example["example"], key)
    assert status == 201 and headers["x-request-id"] and "idempotent-replayed" not in headers
    assert list(validator({"$ref": "#/components/schemas/Payment"}).iter_errors(first)) == []
    status, headers, again = call(service, "POST", "/v1/payments", example["example"], key)
    assert headers["idempotent-replayed"] == "true" and again == first
    # the capture body is optional as documented (a manual payment, captured with no body)
    manual = {**example["example"], "capture_method": "manual"}
    _, _, payment = call(service, "POST", "/v1/payments", manual)
    status, _, captured = call(service, "POST", f"/v1/payments/{payment['id']}/capture")
    assert status == 200 and captured["status"] == "captured"
    # documented query parameters are read, and errors use the documented enums
    status, headers, err = call(service, "GET", "/v1/admin/webhooks/deliveries?status=bogus")
    assert status == 400 and err["error"]["field"] == "status" and headers["x-request-id"]
    assert err["error"]["type"] in SCHEMAS["ErrorType"]["enum"]
    assert list(validator({"$ref": "#/components/schemas/ErrorEnvelope"}).iter_errors(err)) == []
    status, _, page = call(
        service, "GET", "/v1/admin/webhooks/events?limit=1&type=payment.captured"
    )
    assert status == 200 and page["object"] == "list"
    status, _, err = call(service, "GET", "/v1/admin/webhooks/events?limit=0")
    assert status == 400 and err["error"]["field"] == "limit"
