"""Stripe-specific request validation on top of ``tests/contract/spec.py``.

Why this file exists: openapi-core (0.23) does not understand Stripe's wire format.

1. **Bracket-notation form bodies are not validated below the top level.** Its
   ``application/x-www-form-urlencoded`` deserializer looks up each *declared* property
   by its plain name, so ``payment_method_data[type]=bogus`` or
   ``payment_method_options[card][request_three_d_secure]=bogus`` (and any unknown
   parameter, despite ``additionalProperties: false``) are silently dropped and pass.
2. **Every Stripe GET fails.** Stripe declares the ``expand`` query parameter as an
   *array* with ``style: deepObject``; openapi-core only implements deepObject for
   objects and raises ``DeserializeError: ('deepObject', 'expand')`` even when the
   parameter is absent, so no GET can be validated through ``validate_request``.
3. The spec (2023-08-16) marks non-exhaustive enums with ``x-stripeBypassValidation:
   true`` (Stripe's server accepts other values). One of them matters here:
   ``payment_method_data[type]`` omits ``card``, and ``payment_method_data`` has no
   ``card`` hash, although Stripe accepts raw card data there for accounts enabled
   for it. We honour the marker (drop those enums) and validate
   ``payment_method_data[card]`` with the ``card_details_params`` schema the same spec
   declares for ``POST /v1/payment_methods``.

:func:`validate` therefore decodes the bracket form (and query) into nested values,
coerces strings by the operation's schema (integers, booleans, arrays from ``[0]``/``[]``
keys, ``anyOf`` branches) and validates the result with openapi-schema-validator's
``OAS30Validator``; for non-GET requests it *also* runs ``spec.validate_request``
(path, method, security, content type, top-level types). It reuses the spec object
``spec.py`` caches, always under one canonical base URL, so the 4 MB YAML is parsed once
per test process.
"""

from __future__ import annotations

import copy
import functools
import re
from email import policy as email_policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_schema_validator import OAS30Validator

from connector_service.connectors.base import HttpRequest
from connector_service.testing.spec import SpecViolation, load_openapi, validate_request

SPEC = "stripe/spec3.yaml"
CANONICAL_BASE = "https://api.stripe.com"

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def load() -> dict[str, Any]:
    """The raw spec document (skips the test when the spec file is absent)."""
    openapi = load_openapi(SPEC, CANONICAL_BASE)
    with openapi.spec.open() as contents:
        doc: dict[str, Any] = contents
    return doc


def canonical(request: HttpRequest) -> HttpRequest:
    """The same request addressed to the canonical base URL (any host/port the test used)."""
    parts = urlsplit(request.url)
    url = CANONICAL_BASE + parts.path + (f"?{parts.query}" if parts.query else "")
    return HttpRequest(request.method, url, dict(request.headers), request.body, flow=request.flow)


# --------------------------------------------------------------------------- decoding


def decode_brackets(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``a[b][0]=x&a[c]=y&e[]=z`` -> ``{"a": {"b": {"0": "x"}, "c": "y"}, "e": {"0": "z"}}``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        m = _KEY.match(key)
        if not m:
            raise SpecViolation(f"malformed form key {key!r}")
        path = [m.group(1), *re.findall(r"\[([^\[\]]*)\]", m.group(2))]
        node = root
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if part == "":
                part = str(len(node))
            if last:
                if part in node:
                    raise SpecViolation(f"form key {key!r} given twice or conflicts")
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise SpecViolation(f"form key {key!r} nests under a scalar")
                node = child
    return root


def _type_of(schema: dict[str, Any]) -> str | None:
    if "type" in schema:
        return str(schema["type"])
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    return None


def coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Turn decoded form strings into the types ``schema`` asks for (best effort: what
    cannot be coerced stays a string, so the validator reports it)."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = schema[key]
            for option in options:
                candidate = coerce(value, option)
                if OAS30Validator(option).is_valid(candidate):
                    return candidate
            return coerce(value, options[0])
    kind = _type_of(schema)
    if kind == "object" and isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k in props:
                out[k] = coerce(v, props[k])
            elif isinstance(extra, dict):
                out[k] = coerce(v, extra)
            else:
                out[k] = v
        return out
    if kind == "array" and isinstance(value, dict):
        if all(k.isdigit() for k in value):
            items = [value[k] for k in sorted(value, key=int)]
            return [coerce(item, schema.get("items", {})) for item in items]
        return value
    if isinstance(value, str):
        if kind == "integer" and re.fullmatch(r"-?\d+", value):
            return int(value)
        if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?", value):
            return float(value)
        if kind == "boolean" and value in ("true", "false"):
            return value == "true"
    return value


# --------------------------------------------------------------------------- spec quirks


def _bypass_enums(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _bypass_enums(v) for k, v in node.items()}
        if out.get("x-stripeBypassValidation") and "enum" in out:
            out.pop("enum")
        return out
    if isinstance(node, list):
        return [_bypass_enums(v) for v in node]
    return node


def _card_details_schema(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The ``card`` hash of ``POST /v1/payment_methods``: card details or a legacy token."""
    try:
        card = doc["paths"]["/v1/payment_methods"]["post"]["requestBody"]["content"][
            "application/x-www-form-urlencoded"
        ]["schema"]["properties"]["card"]
    except KeyError:
        return None
    return {k: v for k, v in card.items() if k != "description"}


def _add_card_hash(node: Any, card: dict[str, Any]) -> None:
    if isinstance(node, dict):
        pmd = node.get("properties", {}).get("payment_method_data")
        if isinstance(pmd, dict) and "properties" in pmd and "card" not in pmd["properties"]:
            pmd["properties"]["card"] = card
        for v in node.values():
            _add_card_hash(v, card)
    elif isinstance(node, list):
        for v in node:
            _add_card_hash(v, card)


@functools.cache
def _operation(path: str, method: str) -> tuple[str, dict[str, Any]]:
    """(template, operation) for a concrete path, with Stripe's quirks applied."""
    doc = load()
    best: tuple[int, str] | None = None
    for template in doc["paths"]:
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            score = template.count("{")
            if best is None or score < best[0]:
                best = (score, template)
    if best is None:
        raise SpecViolation(f"{path} is not a path of {SPEC}")
    item = doc["paths"][best[1]]
    if method not in item:
        raise SpecViolation(f"{method.upper()} is not an operation of {best[1]} in {SPEC}")
    op = _bypass_enums(copy.deepcopy(item[method]))
    card = _card_details_schema(doc)
    if card is not None:
        _add_card_hash(op, _bypass_enums(card))
    return best[1], op


# --------------------------------------------------------------------------- validation


def _check(schema: dict[str, Any], instance: Any, where: str) -> None:
    errors = sorted(OAS30Validator(schema).iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        lines = [f"  - {e.message} at {where}{list(e.absolute_path)}" for e in errors[:10]]
        raise SpecViolation(f"{where} violates {SPEC}:\n" + "\n".join(lines))


def validate(request: HttpRequest) -> None:
    """Raise SpecViolation unless ``request`` is a valid Stripe API call."""
    req = canonical(request)
    parts = urlsplit(req.url)
    method = req.method.lower()
    template, op = _operation(parts.path, method)
    label = f"{req.method} {parts.path} ({template})"
    headers = {k.lower(): v for k, v in req.headers.items()}

    auth = headers.get("authorization", "")
    if not (auth.startswith("Bearer ") or auth.startswith("Basic ")) or len(auth) < 10:
        raise SpecViolation(f"{label}: no Bearer/Basic Authorization header (security)")

    params = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
    query = decode_brackets(parse_qsl(parts.query, keep_blank_values=True))
    for name in query:
        if name not in params:
            raise SpecViolation(f"{label}: unknown query parameter {name!r}")
    for name, param in params.items():
        if name not in query:
            if param.get("required"):
                raise SpecViolation(f"{label}: missing required query parameter {name!r}")
            continue
        _check(param["schema"], coerce(query[name], param["schema"]), f"{label} query.{name}")

    body = req.body or b""
    request_body = op.get("requestBody")
    if method == "get":
        if body:
            raise SpecViolation(f"{label}: a GET carries no body")
        return
    content_type = headers.get("content-type", "").split(";")[0].strip()
    if content_type == "multipart/form-data" and request_body:  # POST /v1/files
        if "multipart/form-data" not in request_body["content"]:
            raise SpecViolation(f"{label}: takes no multipart body")
        schema = request_body["content"]["multipart/form-data"]["schema"]
        _check(schema, _multipart_fields(headers["content-type"], body), f"{label} body")
        return
    if body and content_type != "application/x-www-form-urlencoded":
        raise SpecViolation(f"{label}: body must be form-encoded, not {content_type!r}")
    form = decode_brackets(
        parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    )
    if request_body:
        schema = request_body["content"]["application/x-www-form-urlencoded"]["schema"]
        _check(schema, coerce(form, schema), f"{label} body")
    elif form:
        raise SpecViolation(f"{label}: takes no body")
    # openapi-core's own view: path, method, security scheme, top-level fields.
    validate_request(SPEC, req, CANONICAL_BASE)


def _multipart_fields(content_type: str, body: bytes) -> dict[str, Any]:
    """A multipart/form-data body as the schema sees it: text parts as strings, a file
    part (one with a filename) as its content's text stand-in (``format: binary``)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=email_policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise SpecViolation("the multipart body has no parts (boundary?)")
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        if not isinstance(name, str):
            raise SpecViolation("a multipart part has no name")
        out[name] = content.hex() if part.get_filename() else content.decode()
    return out


def _nullable(node: Any) -> Any:
    """OAS 3.0 ``nullable`` next to ``anyOf``/``enum`` (Stripe's way of writing optional
    expandable or enum fields) is not honoured by the validator: spell it out."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        if out.get("nullable"):
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
            for key in ("anyOf", "oneOf"):
                if key in out:
                    out[key] = [*out[key], {"enum": [None]}]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@functools.cache
def _components() -> dict[str, Any]:
    return dict(_nullable(load()["components"]))


def validate_object(schema_name: str, instance: Any) -> None:
    """Validate a response body (fixture or fake answer) against a component schema."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": _components()}
    _check(schema, instance, schema_name)
