"""Reading gateway bodies: typed decoding into msgspec structs where the shape is known,
and the few lenient accessors for the parts that are walked as JSON.

``text`` has one meaning everywhere: a non-empty string, else ``None``. A gateway that
sends numbers where the spec says string uses ``text_or_number``."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


def decode_object(body: bytes) -> dict[str, Any]:
    """``body`` as a JSON object; anything else (empty, not JSON, an array) is ``{}``."""
    try:
        value = msgspec.json.decode(body) if body else {}
    except msgspec.DecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def decode_as(body: bytes | dict[str, Any], struct: type[T]) -> T | None:
    """``body`` (raw bytes or an already decoded object) as ``struct``; ``None`` when it
    does not have the struct's shape. Unknown fields are ignored, so a gateway adding a
    field never breaks a parser."""
    try:
        if isinstance(body, bytes | bytearray):
            return msgspec.json.decode(body, type=struct)
        return msgspec.convert(body, type=struct)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    """A non-empty string, else ``None`` (``""`` means "not given" at every gateway)."""
    return value if isinstance(value, str) and value else None


def text_or_number(value: Any) -> str | None:
    """Like :func:`text`, but a number is read as its decimal text (some gateways send
    codes as numbers although their spec says string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return text(value)


def integer(value: Any) -> int | None:
    """An integer field (JSON ``true`` is not one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
