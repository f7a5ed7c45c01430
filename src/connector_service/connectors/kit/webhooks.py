"""Checks a connector's webhook parser applies to a *verified* gateway body.

A valid signature proves who sent the bytes, not that they are an event: a body that is
not the gateway's event envelope, or whose amount or currency is garbage, must be
refused (400 ``invalid_webhook``, nothing stored) rather than read leniently into an
``unknown`` event or an amount of 0. Each connector says where its envelope, amounts and
currencies are; these helpers say what "garbage" means, the same way for all of them.

A field that is *absent* is left to the parser (many events carry no amount); a field
that is *present* must be valid — for amounts JSON ``null`` included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connector_service.domain.errors import ServiceError, invalid
from connector_service.domain.money import CURRENCY_EXPONENTS, from_major

_MAJOR = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,4})?")
_MISSING = object()


def not_an_event(gateway: str, why: str) -> ServiceError:
    return invalid("invalid_webhook", f"The body is not a {gateway} event: {why}.", "body")


def envelope(value: Any, gateway: str, *, id_key: str, type_key: str) -> dict[str, Any]:
    """``value`` as the gateway's event object: a JSON object with a non-empty string id
    and a non-empty string type."""
    if not isinstance(value, dict):
        raise not_an_event(gateway, "expected a JSON object")
    for key in (id_key, type_key):
        field = value.get(key)
        if not isinstance(field, str) or not field.strip():
            raise not_an_event(gateway, f"`{key}` must be a non-empty string")
    return value


def minor_amount(obj: Mapping[str, Any], key: str, where: str) -> None:
    """An integer amount in minor units, when present."""
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid("invalid_webhook", f"{where} must be a non-negative integer", where)


def major_amount(obj: Mapping[str, Any], key: str, where: str, *, currency_key: str) -> None:
    """A decimal string in major units (``"10.50"``), when present, with no more decimals
    than ``obj[currency_key]`` has."""
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        return
    problem = f"{where} must be a decimal amount like 10.50"
    if not isinstance(value, str) or not _MAJOR.fullmatch(value):
        raise invalid("invalid_webhook", problem, where)
    code = obj.get(currency_key)
    if isinstance(code, str) and code in CURRENCY_EXPONENTS:
        try:
            from_major(value, code)
        except ValueError:
            raise invalid("invalid_webhook", f"{problem} in {code}", where) from None


def major_number(obj: Mapping[str, Any], key: str, where: str, *, currency_key: str) -> None:
    """A JSON *number* in major units (``10.5``), when present: non-negative, and with no
    more decimals than ``obj[currency_key]`` has (Rapyd sends amounts this way)."""
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        return
    problem = f"{where} must be a non-negative decimal number like 10.5"
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise invalid("invalid_webhook", problem, where)
    code = obj.get(currency_key)
    if isinstance(code, str) and code in CURRENCY_EXPONENTS:
        try:
            from_major(repr(value) if isinstance(value, float) else str(value), code)
        except ValueError:
            raise invalid("invalid_webhook", f"{problem} in {code}", where) from None


def currency(obj: Mapping[str, Any], key: str, where: str, *, lower_ok: bool = False) -> None:
    """An active ISO-4217 code, when present (Stripe spells them in lower case). ``null``
    counts as absent here: objects without money (a Stripe customer) say so."""
    value = obj.get(key)
    if value is None:
        return
    code = value.upper() if lower_ok and isinstance(value, str) else value
    if not isinstance(code, str) or code not in CURRENCY_EXPONENTS:
        raise invalid("invalid_webhook", f"{where} must be an ISO-4217 currency code", where)


def child(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``obj[key]`` when it is an object, else an empty one (absent stays absent)."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}
