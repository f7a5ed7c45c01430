"""Schema problems of a configuration, all of them in one pass.

``msgspec.convert`` stops at the first mismatch, so a broken file would need one
``config check`` run per mistake. :func:`collect` converts the same data, and when it
fails, walks into structs field by field and lists item by item, naming every unknown
key, missing field and bad value it finds. It only *reports*; :func:`usable` then keeps
the sections that converted, so the remaining (semantic) checks can still run on them.

Also here: the storage URL check shared by ``config check`` and ``serve``.
"""

from __future__ import annotations

import re
import typing
from typing import Any

import msgspec

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def _message(exc: msgspec.ValidationError, where: str) -> str:
    """msgspec's text with its ``$``-relative path folded into ``where``."""
    match = _AT.match(str(exc))
    assert match is not None  # the pattern matches any text
    return f"{where}{match.group('path') or ''}: {match.group('msg')}"


def _struct_type(tp: Any) -> type[msgspec.Struct] | None:
    """The Struct class behind ``tp`` (also through ``Annotated``), or None."""
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return tp
    return None


def _list_item_type(tp: Any) -> Any:
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) is list:
        return typing.get_args(tp)[0]
    return None


def collect(value: Any, tp: Any, where: str, problems: list[str]) -> bool:
    """Append every schema problem of ``value`` as ``tp`` to ``problems``; True if none."""
    try:
        msgspec.convert(value, tp)
        return True
    except msgspec.ValidationError as exc:
        first = _message(exc, where)
    struct = _struct_type(tp)
    item = _list_item_type(tp)
    if struct is not None and isinstance(value, dict):
        fields = {f.encode_name: f for f in msgspec.structs.fields(struct)}
        found = False
        for key in value:
            if key not in fields:
                problems.append(f"{where}: unknown field {key!r}")
                found = True
        for name, info in fields.items():
            if name not in value:
                if info.required:
                    problems.append(f"{where}: missing required field {name!r}")
                    found = True
                continue
            if not collect(value[name], info.type, f"{where}.{name}", problems):
                found = True
        if not found:  # e.g. a constraint across fields: report msgspec's own words
            problems.append(first)
        return False
    if item is not None and isinstance(value, list):
        before = len(problems)
        for i, element in enumerate(value):
            collect(element, item, f"{where}[{i}]", problems)
        if len(problems) == before:
            problems.append(first)
        return False
    problems.append(first)
    return False


def usable(data: dict[str, Any], root: type[msgspec.Struct], problems: list[str]) -> dict[str, Any]:
    """``data`` with every top-level section that has a schema problem left out (so it
    takes its defaults), after recording each problem in ``problems``."""
    fields = {f.encode_name: f for f in msgspec.structs.fields(root)}
    kept: dict[str, Any] = {}
    for key, value in data.items():
        info = fields.get(key)
        if info is None:
            problems.append(f"config: unknown section {key!r}")
            continue
        if collect(value, info.type, key, problems):
            kept[key] = value
    return kept


STORAGE_SCHEMES = ("memory://", "sqlite:///", "sqlite://:memory:", "postgresql://", "postgres://")


def storage_url_problem(url: str) -> str | None:
    """Why ``url`` is not a storage URL this service can open, or None."""
    if not url.startswith(STORAGE_SCHEMES):
        scheme = url.split(":", 1)[0] if ":" in url else url
        return (
            f"storage.url: unsupported scheme {scheme!r} "
            "(use memory://, sqlite:///path.db or postgresql://user@host/db)"
        )
    if url.startswith("sqlite:///") and not url.removeprefix("sqlite:///"):
        return "storage.url: sqlite:/// needs a file path (sqlite:///./connector-service.db)"
    return None
