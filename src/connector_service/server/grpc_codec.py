"""Fill a protobuf message from the JSON-shaped dict of an API document, without
``json_format``.

Why: ``json_format.ParseDict`` is written for arbitrary JSON input. It checks every
value against every rule of the proto3 JSON mapping, in pure Python, and it was the
largest cost of the gRPC answer that the service itself adds. The dicts here come from
``msgspec.to_builtins`` of the service's own documents. Their shapes are already known:
field names as in the proto, enums as their proto names, maps as dicts, repeated fields as
lists. So a plan per message type (field name → how to set it), made once, is enough.

It does what ``ParseDict(..., ignore_unknown_fields=True)`` did for those documents:
unknown keys and ``None`` are skipped (a field added to the core never breaks a call;
tests/grpc/test_proto.py fails until the proto mirrors it), and an enum name the proto
lacks is an error rather than a silent zero. Well-known types take their JSON form
(``Timestamp`` an RFC 3339 string or a datetime), ``bytes`` fields base64 text (what
``to_builtins`` makes of bytes) or bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

__all__ = ["fill"]

Setter = Callable[[Message, Any], None]
# Messages whose proto3 JSON form is a string (what the API documents carry).
_JSON_STRING_TYPES = frozenset(
    {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"}
)


def fill(message: Message, data: Mapping[str, Any]) -> Message:
    """Set ``message``'s fields from ``data`` (see the module docstring); returns it."""
    plan = _plan(message.DESCRIPTOR)
    for key, value in data.items():
        if value is None:
            continue
        setter = plan.get(key)
        if setter is not None:
            setter(message, value)
    return message


@functools.cache
def _plan(descriptor: Descriptor) -> dict[str, Setter]:
    return {fd.name: _setter(fd) for fd in descriptor.fields}


def _enum_value(enum: EnumDescriptor) -> Callable[[Any], int]:
    values = {v.name: v.number for v in enum.values}
    full = enum.full_name

    def number(value: Any) -> int:
        if isinstance(value, int):
            return value
        try:
            return values[value]
        except KeyError:
            raise ValueError(f"{value!r} is not a value of {full}") from None

    return number


def _setter(fd: FieldDescriptor) -> Setter:
    name = fd.name
    sub = fd.message_type
    if sub is not None and sub.GetOptions().map_entry:
        value_fd = sub.fields_by_name["value"]
        if value_fd.message_type is None:

            def set_scalar_map(msg: Message, value: Any) -> None:
                getattr(msg, name).update(value)

            return set_scalar_map

        def set_message_map(msg: Message, value: Any) -> None:
            target = getattr(msg, name)
            for k, v in value.items():
                fill(target[k], v)

        return set_message_map
    repeated = bool(fd.is_repeated)
    if sub is not None and sub.full_name in _JSON_STRING_TYPES:

        def set_well_known(msg: Message, value: Any) -> None:
            target: Any = getattr(msg, name)
            if isinstance(value, dt.datetime):
                target.FromDatetime(value)
            elif isinstance(value, str):
                target.FromJsonString(value)
            else:
                fill(target, value)

        return set_well_known
    if sub is not None:
        if repeated:

            def set_messages(msg: Message, value: Any) -> None:
                target = getattr(msg, name)
                for item in value:
                    fill(target.add(), item)

            return set_messages

        def set_message(msg: Message, value: Any) -> None:
            fill(getattr(msg, name), value)

        return set_message
    if fd.enum_type is not None:
        number = _enum_value(fd.enum_type)
        if repeated:

            def set_enums(msg: Message, value: Any) -> None:
                getattr(msg, name).extend(number(v) for v in value)

            return set_enums

        def set_enum(msg: Message, value: Any) -> None:
            setattr(msg, name, number(value))

        return set_enum
    if fd.type == FieldDescriptor.TYPE_BYTES and not repeated:

        def set_bytes(msg: Message, value: Any) -> None:
            setattr(msg, name, base64.b64decode(value) if isinstance(value, str) else value)

        return set_bytes
    if repeated:

        def set_scalars(msg: Message, value: Any) -> None:
            getattr(msg, name).extend(value)

        return set_scalars

    def set_scalar(msg: Message, value: Any) -> None:
        setattr(msg, name, value)

    return set_scalar
