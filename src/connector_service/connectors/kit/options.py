"""Typed connector options: the gateway features a connector exposes beyond the unified
model, declared per flow as msgspec structs (``ConnectorMeta.options``).

A request carries ``connector_options: {"<connector>": {...}}``. The core validates every
block present against its connector's struct (core/options.py) whichever connector serves
the request, and hands the serving connector only its own decoded block
(``AuthorizeData.options`` etc.); a connector reads it with :func:`options_of`, typed.
What a struct does not declare is never sent: there is no untyped pass-through.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import msgspec

__all__ = [
    "NO_OPTIONS",
    "ConnectorOptions",
    "OptionField",
    "OptionKind",
    "describe",
    "option_names",
    "options_of",
]

S = TypeVar("S", bound=msgspec.Struct)


class OptionKind(StrEnum):
    """The requests that accept ``connector_options``."""

    PAYMENT = "payment"
    CAPTURE = "capture"
    REFUND = "refund"
    MANDATE = "mandate"


@dataclass(frozen=True, slots=True)
class ConnectorOptions:
    """A connector's options struct per request kind (``None``: no options there).

    Each struct should be ``forbid_unknown_fields=True`` with every field optional and
    documented (``Meta(description=...)``): the docs are generated from them."""

    payment: type[msgspec.Struct] | None = None
    capture: type[msgspec.Struct] | None = None
    refund: type[msgspec.Struct] | None = None
    mandate: type[msgspec.Struct] | None = None

    def struct(self, kind: OptionKind) -> type[msgspec.Struct] | None:
        found: type[msgspec.Struct] | None = getattr(self, kind.value)
        return found

    def kinds(self) -> list[OptionKind]:
        return [kind for kind in OptionKind if self.struct(kind) is not None]


NO_OPTIONS = ConnectorOptions()


def options_of(data: Any, struct: type[S]) -> S | None:
    """The serving connector's decoded options block on a flow's data, or None."""
    value = getattr(data, "options", None)
    return value if isinstance(value, struct) else None


@dataclass(frozen=True, slots=True)
class OptionField:
    name: str
    type: str
    description: str


def _type_name(t: msgspec.inspect.Type) -> str:
    if isinstance(t, msgspec.inspect.UnionType):
        names = [_type_name(x) for x in t.types if not isinstance(x, msgspec.inspect.NoneType)]
        return " | ".join(names)
    if isinstance(t, msgspec.inspect.Metadata):
        return _type_name(t.type)
    if isinstance(t, msgspec.inspect.LiteralType):
        return " | ".join(repr(v) for v in t.values)
    if isinstance(t, msgspec.inspect.StrType):
        return "string"
    if isinstance(t, msgspec.inspect.BoolType):
        return "boolean"
    if isinstance(t, msgspec.inspect.IntType):
        return "integer"
    if isinstance(t, msgspec.inspect.ListType):
        return f"list of {_type_name(t.item_type)}"
    if isinstance(t, msgspec.inspect.StructType):
        inner = ", ".join(f"{f.name}: {_type_name(f.type)}" for f in t.fields)
        return "{" + inner + "}"
    return type(t).__name__.removesuffix("Type").lower()


def _description(t: msgspec.inspect.Type) -> str:
    if isinstance(t, msgspec.inspect.Metadata):
        extra = t.extra_json_schema or {}
        return str(extra.get("description", ""))
    if isinstance(t, msgspec.inspect.UnionType):
        for x in t.types:
            found = _description(x)
            if found:
                return found
    if isinstance(t, msgspec.inspect.StructType):  # a nested object: its fields' texts
        parts = [_description(f.type) for f in t.fields]
        return "; ".join(p for p in parts if p)
    return ""


def describe(struct: type[msgspec.Struct]) -> list[OptionField]:
    """The fields of an options struct, for the docs (name, type, description)."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    return [
        OptionField(name=f.encode_name, type=_type_name(f.type), description=_description(f.type))
        for f in info.fields
    ]


def option_names(options: ConnectorOptions) -> list[str]:
    """Every declared option as ``<kind>.<field>`` (GET /v1/connectors)."""
    out: list[str] = []
    for kind in options.kinds():
        struct = options.struct(kind)
        assert struct is not None
        out.extend(f"{kind.value}.{f.name}" for f in describe(struct))
    return out
