"""Request body encoders: JSON, bracketed forms, and the ``null``-free dict both want."""

from __future__ import annotations

import base64
import functools
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import msgspec

from connector_service.domain.secret import Secret


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# Characters form encoding leaves as they are (``quote``'s always-safe set): most values
# and keys are made of them only, and checking that is much cheaper than quoting.
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.~\[\]-]*").fullmatch


@functools.lru_cache(maxsize=4096)
def _form_key(key: str) -> str:
    """A key quoted (brackets kept): keys repeat on every request, so each is quoted once."""
    return key if _PLAIN_KEY(key) else quote(key, safe="[]")


def _form_value(value: str) -> str:
    return value if _PLAIN(value) else quote(value, safe="")


def form_encode(data: Mapping[str, Any]) -> bytes:
    """``application/x-www-form-urlencoded`` with bracket notation for nesting, the way
    Stripe and similar APIs expect it: ``{"a": {"b": 1}, "c": [1]}`` ->
    ``a[b]=1&c[0]=1``. ``None`` values are left out; booleans become true/false.

    On every request of the form-encoded gateways (Stripe's authorize is ~30 fields), so
    it skips ``quote`` for what needs no quoting (tests/unit/test_kit.py checks the
    output is ``quote``'s for any text)."""
    out: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, str):
            out.append(f"{_form_key(prefix)}={_form_value(value)}")
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}[{k}]" if prefix else str(k), v)
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value):
                walk(f"{prefix}[{i}]", v)
        elif isinstance(value, bool):
            out.append(f"{_form_key(prefix)}={'true' if value else 'false'}")
        elif isinstance(value, Secret):
            out.append(f"{_form_key(prefix)}={_form_value(value.reveal())}")
        else:
            out.append(f"{_form_key(prefix)}={_form_value(str(value))}")

    walk("", data)
    return "&".join(out).encode()


def utc_after(seconds: float, fmt: str = "%Y-%m-%dT%H:%M:%SZ") -> str:
    """The UTC instant ``seconds`` from now, in the gateway's own spelling ``fmt``
    (expiry times of QR codes, vouchers and payment links)."""
    return time.strftime(fmt, time.gmtime(time.time() + seconds))


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


def multipart_form(
    parts: list[tuple[str, str | None, str, bytes]], boundary: str | None = None
) -> tuple[str, bytes]:
    """``multipart/form-data`` (RFC 7578) from ``(name, filename, content_type, content)``
    parts: the Content-Type header value (with its boundary) and the body. The boundary
    is random unless given, and checked to occur in no part."""
    boundary = boundary or "cs-" + secrets.token_hex(16)
    out = bytearray()
    for name, filename, content_type, content in parts:
        if boundary.encode() in content:
            raise ValueError("the multipart boundary occurs in a part")
        disposition = f'form-data; name="{_quoted(name)}"'
        if filename is not None:
            disposition += f'; filename="{_quoted(filename)}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        out += f"Content-Type: {content_type}\r\n\r\n".encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(out)


def _quoted(value: str) -> str:
    # RFC 7578 4.2: quotes and line breaks percent-encoded in a disposition parameter.
    return value.replace("\\", "%5C").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
