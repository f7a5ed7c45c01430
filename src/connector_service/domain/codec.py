"""JSON codecs that know the domain's custom types (``Secret``), and refuse duplicate keys.

msgspec (like most JSON parsers) keeps the *last* of two equal keys, while some proxies,
WAFs and loggers keep the first: ``{"amount": 100, "amount": 999999}`` would be approved
by one and charged by the other. Every JSON document the service accepts from outside is
therefore checked for a key repeated inside one object, at any depth, before it is
decoded. The check runs the standard library's C scanner with a pairs hook that only
compares counts (a few microseconds for a typical request, see ``docs/performance.md``); the
path of the offending key is worked out only when there is one.
"""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

import msgspec

from connector_service.domain.secret import Secret

T = TypeVar("T")


def dec_hook(type_: type, obj: Any) -> Any:
    if type_ is Secret:
        if not isinstance(obj, str):
            raise TypeError("Expected `str`")
        return Secret(obj)
    raise NotImplementedError(f"cannot decode {type_!r}")


def enc_hook(obj: Any) -> Any:
    if isinstance(obj, Secret):
        return str(obj)  # the mask: a Secret is never serialised in clear
    raise NotImplementedError(f"cannot encode {type(obj)!r}")


# ------------------------------------------------------------------ duplicate keys


class DuplicateKeyError(msgspec.ValidationError):
    """A JSON object repeats a key; ``path`` is the dotted path of the second occurrence
    (``payment_method.number``, ``items[0].name``). A ``ValidationError`` so that every
    caller that already turns validation errors into a 400 handles it too."""

    def __init__(self, path: str) -> None:
        super().__init__(f"duplicate key `{path}`")
        self.path = path


class _Repeated(Exception):
    pass


def _count_hook(pairs: list[tuple[str, Any]]) -> None:
    # The values are thrown away: only whether a key repeats matters here.
    if len(pairs) > 1 and len({k for k, _ in pairs}) != len(pairs):
        raise _Repeated
    return None


class _Pairs(list[tuple[str, Any]]):
    """An object as its key/value pairs in document order (the slow, locating pass)."""


_fast_scan = json.JSONDecoder(object_pairs_hook=_count_hook)
_pairs_scan = json.JSONDecoder(object_pairs_hook=_Pairs)


def _locate(node: Any, path: str) -> str | None:
    if isinstance(node, _Pairs):
        seen: set[str] = set()
        for key, value in node:
            here = f"{path}.{key}" if path else key
            if key in seen:
                return here
            seen.add(key)
            if (found := _locate(value, here)) is not None:
                return found
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if (found := _locate(item, f"{path}[{i}]")) is not None:
                return found
    return None


def find_duplicate_key(raw: bytes | str) -> str | None:
    """The path of the first key repeated within one object, or None.

    Text that is not JSON (or not UTF-8, or absurdly deep) is not this check's business:
    it answers None and the real decoder reports the problem in its own words."""
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
        _fast_scan.decode(text)
    except _Repeated:
        return _locate(_pairs_scan.decode(text), "")
    except (ValueError, RecursionError):
        return None
    return None


def check_no_duplicate_keys(raw: bytes | str) -> None:
    """Raise :class:`DuplicateKeyError` when a JSON object in ``raw`` repeats a key."""
    if (path := find_duplicate_key(raw)) is not None:
        raise DuplicateKeyError(path)


class JsonDecoder(Generic[T]):
    """A ``msgspec.json.Decoder`` that first refuses duplicate keys (see the module doc)."""

    __slots__ = ("_decoder",)

    def __init__(self, type_: type[T]) -> None:
        self._decoder: msgspec.json.Decoder[T] = msgspec.json.Decoder(type_, dec_hook=dec_hook)

    def decode(self, buf: bytes) -> T:
        check_no_duplicate_keys(buf)
        return self._decoder.decode(buf)


def decoder(type_: type[T]) -> JsonDecoder[T]:
    return JsonDecoder(type_)


def schema_hook(type_: type) -> dict[str, Any]:
    if type_ is Secret:
        return {"type": "string", "format": "password"}
    raise NotImplementedError


encoder = msgspec.json.Encoder(enc_hook=enc_hook)
