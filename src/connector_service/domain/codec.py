"""JSON codecs that know the domain's custom types (``Secret``)."""

from __future__ import annotations

from typing import Any, TypeVar

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


def decoder(type_: type[T]) -> msgspec.json.Decoder[T]:
    return msgspec.json.Decoder(type_, dec_hook=dec_hook)


def schema_hook(type_: type) -> dict[str, Any]:
    if type_ is Secret:
        return {"type": "string", "format": "password"}
    raise NotImplementedError


encoder = msgspec.json.Encoder(enc_hook=enc_hook)
