"""What the OpenAPI document says beyond the structs: headers, query parameters, typed
enums for free-form ``str`` fields, examples, and the outbound webhooks.

Why a pass over the built document rather than more fields on ``Endpoint``: these are
facts of the HTTP layer (``rest.py`` sets the response headers, ``front.py`` reads the
request headers, ``webhook_routes.py`` the query strings), and keeping their description
in one module leaves the route tables as they are. ``tests/server/test_openapi_extras.py``
checks each fact against a live server, so the description cannot claim what the server
does not do.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from connector_service.domain.error_codes import ATTEMPT_OUTCOMES, ERROR_CODES
from connector_service.domain.errors import ErrorType
from connector_service.domain.flows import WebhookEventType
from connector_service.server.webhook_routes import MAX_LIMIT
from connector_service.storage.outbox import DeliveryStatus

_SCHEMAS = "#/components/schemas/"

HEADERS: dict[str, Any] = {
    "X-Request-Id": {
        "description": "The request's id (yours from the X-Request-Id request header, or "
        "one made by the service); in every log line and error of the request.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this answer is the stored answer of an earlier request "
        "with the same Idempotency-Key: nothing was done again.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}

_CREDENTIALS = {
    "name": "X-Connector-Credentials",
    "in": "header",
    "required": False,
    "description": "Platform keys only: the gateway credentials for this request, as a JSON "
    'object (e.g. `{"connector": "stripe", "credentials": {"api_key": "sk_test_..."}}`). '
    "Never logged or stored.",
    "schema": {"type": "string", "maxLength": 8192},
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


_LIMIT = _query(
    "limit", "Page size.", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}
)
_CURSOR = _query("cursor", "The `next_cursor` of the previous page (opaque).", {"type": "string"})
QUERY: dict[str, list[dict[str, Any]]] = {
    "list_events": [
        _query("connector", "Only this connector's events.", {"type": "string"}),
        _query("account", "Only this account's events.", {"type": "string"}),
        _query("type", "Only events of this type.", {"$ref": _SCHEMAS + "EventType"}),
        _CURSOR,
        _LIMIT,
    ],
    "list_deliveries": [
        _query("event_id", "Only this event's deliveries.", {"type": "string"}),
        _query("endpoint", "Only this endpoint's deliveries.", {"type": "string"}),
        _query("status", "Only deliveries in this state.", {"$ref": _SCHEMAS + "DeliveryStatus"}),
        _CURSOR,
        _LIMIT,
    ],
    "list_connectors": [
        _CURSOR,
    ],
    "list_disputes": [
        _query(
            "account",
            "The account whose disputes to list (default: the default account).",
            {"type": "string"},
        ),
        _CURSOR,
        _query(
            "limit", "Page size.", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
        ),
    ],
    "list_mandates": [
        {
            **_query(
                "account",
                "The connector account whose gateway stores the methods.",
                {"type": "string", "minLength": 1, "maxLength": 64},
            ),
            "required": True,
        },
        {
            **_query(
                "customer",
                "The gateway's customer, as a mandate's `customer_id` shows it.",
                {"type": "string", "minLength": 1, "maxLength": 128},
            ),
            "required": True,
        },
    ],
}

# (schema, property) -> the enum component that types it
ENUM_FIELDS: dict[tuple[str, str], str] = {
    ("ErrorBody", "type"): "ErrorType",
    ("ErrorBody", "code"): "ErrorCode",
    ("Attempt", "outcome"): "AttemptOutcome",
    ("Event", "type"): "EventType",
    ("EventSummary", "type"): "EventType",
    ("EventDetail", "type"): "EventType",
    ("DeliveryView", "status"): "DeliveryStatus",
}


def enum_components() -> dict[str, Any]:
    return {
        "ErrorType": {"title": "ErrorType", "enum": sorted(t.value for t in ErrorType),
                      "description": "The kind of an error; `code` says which one."},
        "ErrorCode": {"title": "ErrorCode", "enum": sorted(ERROR_CODES),
                      "description": "The stable machine code of an error (the registry in "
                      "`domain/error_codes.py`; a new code is a documented API change)."},
        "AttemptOutcome": {"title": "AttemptOutcome", "enum": sorted(ATTEMPT_OUTCOMES),
                           "description": "What one routed attempt came to: `skipped` "
                           "(not tried), `failed` (failed over), `error`, `declined` (a soft "
                           "decline moved on from), `unresolved`, or the payment's status."},
        "EventType": {"title": "EventType", "enum": sorted(t.value for t in WebhookEventType),
                      "description": "The unified event types (`unknown`: an event the "
                      "service does not map; its `connector_event_type` says what it was)."},
        "DeliveryStatus": {"title": "DeliveryStatus",
                           "enum": sorted(s.value for s in DeliveryStatus)},
    }  # fmt: skip


def drop_null_defaults(node: Any) -> Any:
    """``default: null`` on an optional field makes generators (openapi-typescript) type
    it as required-with-null; an absent optional field already means "not given"."""
    if isinstance(node, list):
        return [drop_null_defaults(item) for item in node]
    if isinstance(node, dict):
        return {
            k: drop_null_defaults(v) for k, v in node.items() if not (k == "default" and v is None)
        }
    return node


def defaults_as_annotations(node: Any, *, mapping: bool = False) -> Any:
    """A schema ``default`` makes openapi-typescript (default options) type the property
    as always present, so a minimal request with only the required fields does not
    compile, and responses (which omit defaulted fields) are typed wrongly. The server
    applies its defaults itself: state them as ``x-default`` (our client generator reads
    it) and in the description instead. ``mapping``: ``node`` maps names to schemas (the
    components, or a ``properties`` object), so a key called "default" is a name."""
    if isinstance(node, list):
        return [defaults_as_annotations(item) for item in node]
    if not isinstance(node, dict):
        return node
    if mapping:
        return {k: defaults_as_annotations(v) for k, v in node.items()}
    out = {
        k: defaults_as_annotations(v, mapping=k in ("properties", "$defs"))
        for k, v in node.items()
        if k != "default"
    }
    if "default" in node:
        out["x-default"] = node["default"]
        note = f"Default: `{json.dumps(node['default'])}`."
        described = out.get("description")
        out["description"] = f"{described} {note}" if described else note
    return out


# Example values by field name; anything else is derived from its schema.
_VALUES: dict[str, Any] = {
    "amount": 2500, "currency": "EUR", "number": "4242424242424242", "exp_month": 12,
    "exp_year": 2034, "id": "pay_3KpQm2x", "payment_id": "pay_3KpQm2x", "account": "sandbox",
    "connector": "sandbox", "connector_payment_id": "sbp_81f2", "url": "https://example.com/3ds",
    "message": "A readable message.", "code": "payment_not_found", "request_id": "req_7Hq2",
    "timestamp": "2025-01-31T12:00:00Z", "received_at": "2025-01-31T12:00:00Z",
    "created_at": "2025-01-31T12:00:00Z", "started_at": "2025-01-31T12:00:00Z",
    "name": "sandbox", "display_name": "Sandbox", "object": "list", "latency_ms": 42.0,
}  # fmt: skip


def example(schema: dict[str, Any], schemas: dict[str, Any], name: str = "") -> Any:
    """A small valid instance of a schema: required fields only, first members of unions
    and enums. ``tests/server/test_openapi_extras.py`` validates every one."""
    if "$ref" in schema:
        return example(schemas[schema["$ref"].removeprefix(_SCHEMAS)], schemas, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        members = [m for m in schema["anyOf"] if m.get("type") != "null"]
        return example(members[0], schemas, name) if members else None
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        return {
            field: example(sub, schemas, field)
            for field, sub in schema["properties"].items()
            if field in schema.get("required", [])
        }
    if kind == "object":
        return {}
    if kind == "array":
        return [example(schema.get("items", {}), schemas, name)]
    if name in _VALUES and kind in ("string", "integer", "number", None):
        return _VALUES[name]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "string":
        return "string"
    return {}


def webhooks(event_ref: str) -> dict[str, Any]:
    """One entry per event type the service POSTs to a delivery endpoint (Standard
    Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``)."""
    signed = [
        {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string"},
         "description": "The event id: the same on every retry and replay (dedupe on it)."},
        {"name": "webhook-timestamp", "in": "header", "required": True,
         "schema": {"type": "string"}, "description": "Unix seconds of this attempt."},
        {"name": "webhook-signature", "in": "header", "required": True,
         "schema": {"type": "string"},
         "description": "`v1,<base64 HMAC-SHA256>` per endpoint secret, space separated."},
    ]  # fmt: skip
    out: dict[str, Any] = {}
    for kind in sorted(t.value for t in WebhookEventType):
        out[kind] = {
            "post": {
                "operationId": "event_" + kind.replace(".", "_"),
                "summary": f"`{kind}` delivered to your endpoint",
                "tags": ["events"],
                "parameters": copy.deepcopy(signed),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": event_ref}}},
                },
                "responses": {
                    "2XX": {"description": "Received: the delivery is done"},
                    "410": {"description": "Gone: the service disables the endpoint"},
                    "default": {"description": "Any other answer: the service retries"},
                },
            }
        }
    return out


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the facts above added (a new dict; the input is not changed)."""
    doc: dict[str, Any] = drop_null_defaults(copy.deepcopy(document))
    doc["components"]["schemas"] = defaults_as_annotations(
        doc["components"]["schemas"], mapping=True
    )
    schemas: dict[str, Any] = doc["components"]["schemas"]
    schemas.update(enum_components())
    for (schema, field), enum in ENUM_FIELDS.items():
        schemas[schema]["properties"][field] = {"$ref": _SCHEMAS + enum}
    doc["components"]["headers"] = copy.deepcopy(HEADERS)
    request_id = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                headers = dict(request_id)
                if status.startswith("2") and method == "post":
                    headers["Idempotent-Replayed"] = {
                        "$ref": "#/components/headers/Idempotent-Replayed"
                    }
                response["headers"] = headers
                content = response.get("content", {}).get("application/json")
                if content is not None and status.startswith("2"):
                    content["example"] = example(content["schema"], schemas)
            params = op.setdefault("parameters", [])
            params += copy.deepcopy(QUERY.get(op["operationId"], []))
            if not path.startswith("/v1/admin/"):
                params.append(dict(_CREDENTIALS))
            body = op.get("requestBody")
            if body is not None:
                content = body["content"]["application/json"]
                target = schemas[content["schema"]["$ref"].removeprefix(_SCHEMAS)]
                # An empty body means "all defaults" where nothing is required (capture).
                body["required"] = bool(target.get("required"))
                content["example"] = example(content["schema"], schemas)
    doc["webhooks"] = webhooks(_SCHEMAS + "Event")
    return doc
