"""Request body encoders: JSON, bracketed forms, and the ``null``-free dict both want."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import msgspec

from connector_service.domain.secret import Secret


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def form_encode(data: Mapping[str, Any]) -> bytes:
    """``application/x-www-form-urlencoded`` with bracket notation for nesting, the way
    Stripe and similar APIs expect it: ``{"a": {"b": 1}, "c": [1]}`` ->
    ``a[b]=1&c[0]=1``. ``None`` values are left out; booleans become true/false."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}[{k}]" if prefix else str(k), v)
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value):
                walk(f"{prefix}[{i}]", v)
        elif isinstance(value, bool):
            pairs.append((prefix, "true" if value else "false"))
        elif isinstance(value, Secret):
            pairs.append((prefix, value.reveal()))
        else:
            pairs.append((prefix, str(value)))

    walk("", data)
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in pairs).encode()


def json_body(data: Any) -> bytes:
    return msgspec.json.encode(data)


def drop_none(d: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``d`` without ``None`` values, recursively (gateways reject ``null``s)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if v is None:
            continue
        if isinstance(v, dict):
            v = drop_none(v)
        out[k] = v
    return out
