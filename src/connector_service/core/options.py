"""Validating ``connector_options`` (issue 19).

Every block present is decoded against its connector's declared struct for the request's
kind (``ConnectorMeta.options``), whichever connector will serve the request and before
routing, so a typo fails fast and a routed request may carry a block for every candidate.
An unknown connector, a kind the connector takes no options for, or an undeclared field is
``unknown_option``; a wrong type or value is ``invalid_option``; both name the field as
``connector_options.<connector>.<field>``. Only the serving connector's decoded block is
handed to it (:func:`for_connector`); nothing undeclared is ever sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from connector_service.connectors.base import Connector
from connector_service.connectors.kit.options import OptionKind
from connector_service.domain.errors import ServiceError, invalid, not_supported
from connector_service.domain.flows import AuthorizeData

__all__ = ["Decoded", "check_extras", "decode", "for_connector"]

Decoded = dict[str, msgspec.Struct]

_UNKNOWN = re.compile(r"^Object contains unknown field `([^`]+)`(?: - at `\$(.*)`)?$")
_AT = re.compile(r"^(.*?)(?: - at `\$(.*)`)?$")


def decode(
    connectors: Mapping[str, Connector], kind: OptionKind, raw: Mapping[str, Any]
) -> Decoded:
    """Each block of ``raw`` decoded against its connector's struct (or a 400)."""
    out: Decoded = {}
    for name in sorted(raw):
        prefix = f"connector_options.{name}"
        connector = connectors.get(name)
        if connector is None:
            raise invalid("unknown_option", f"there is no connector {name!r}", prefix)
        struct = connector.meta.options.struct(kind)
        if struct is None:
            raise invalid(
                "unknown_option",
                f"{connector.meta.display_name} takes no options on a {kind.value}",
                prefix,
            )
        block = raw[name]
        if not isinstance(block, dict):
            raise invalid("invalid_option", "expected an object", prefix)
        try:
            out[name] = msgspec.convert(block, struct)
        except msgspec.ValidationError as exc:
            raise _error(connector, prefix, str(exc)) from None
    return out


def _error(connector: Connector, prefix: str, message: str) -> ServiceError:
    unknown = _UNKNOWN.match(message)
    if unknown:
        field, at = unknown.group(1), unknown.group(2) or ""
        return invalid(
            "unknown_option",
            f"{connector.meta.display_name} has no option {field!r}",
            prefix + at + "." + field,
        )
    match = _AT.match(message)
    assert match is not None
    detail, at = match.group(1), match.group(2) or ""
    return invalid("invalid_option", detail, prefix + at)


def for_connector(decoded: Decoded, connector: Connector) -> msgspec.Struct | None:
    """The serving connector's own block (None when the request has none for it)."""
    return decoded.get(connector.meta.name)


def check_extras(connector: Connector, data: AuthorizeData) -> None:
    """``splits`` / ``application_fee`` / ``order`` only go to a connector declaring them
    (``ConnectorMeta.splits`` / ``.order``); elsewhere ``not_supported`` (routing skips)."""
    meta = connector.meta
    if (data.splits or data.application_fee) and meta.splits is None:
        field = "splits" if data.splits else "application_fee"
        raise not_supported(f"{meta.display_name} does not take marketplace splits", field)
    if data.order is not None and meta.order is None:
        raise not_supported(f"{meta.display_name} does not take order data", "order")
