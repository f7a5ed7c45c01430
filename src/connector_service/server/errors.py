"""One JSON error shape for every failure, and the translation of validation errors.

msgspec reports the first problem with a JSON path (``… - at `$.payment_method.number```);
it becomes a stable ``code`` and a dotted ``field`` so clients can point at the input.
"""

from __future__ import annotations

import re

import msgspec

from connector_service.domain.api import ErrorBody, ErrorEnvelope
from connector_service.domain.codec import DuplicateKeyError
from connector_service.domain.errors import ErrorType, Failure, ServiceError

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_MISSING = re.compile(r"Object missing required field `(?P<f>[^`]+)`")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<f>[^`]+)`")
_FIELD_MSG = re.compile(r"^(?P<f>[a-z_]+): (?P<m>.*)$", re.S)
_TAG = re.compile(r"Invalid value '(?P<v>[^']*)'")

_SPECIAL: dict[tuple[str, str], str] = {
    ("number", ""): "invalid_card_number",
    ("exp_year", "the card has expired"): "card_expired",
    ("exp_month", ""): "invalid_expiry",
    ("exp_year", ""): "invalid_expiry",
    ("cvc", ""): "invalid_cvc",
    ("currency", ""): "invalid_currency",
    ("amount", ""): "invalid_amount",
}


def _dotted(path: str) -> str:
    # "$.a.b[0].c" -> "a.b[0].c"
    return path.replace("[...]", "").lstrip(".")


def duplicate_key(exc: DuplicateKeyError) -> ServiceError:
    return ServiceError(
        ErrorType.INVALID_REQUEST,
        "duplicate_key",
        f"{exc.path}: the key appears more than once in its object; send it once.",
        field=exc.path,
    )


def duplicate_key_in_header(exc: DuplicateKeyError, header: str) -> ServiceError:
    """The header holds secrets, possibly as keys: name only its top-level member."""
    top = re.split(r"[.\[]", exc.path, maxsplit=1)[0]
    where = f"the key `{top}`" if top == exc.path else f"a key inside `{top}`"
    return ServiceError(
        ErrorType.INVALID_REQUEST,
        "duplicate_key",
        f"{header}: {where} appears more than once; send it once.",
        field=header,
    )


def validation_error(exc: msgspec.ValidationError) -> ServiceError:
    if isinstance(exc, DuplicateKeyError):
        return duplicate_key(exc)
    text = str(exc)
    m = _AT.match(text)
    msg = m.group("msg") if m else text
    path = _dotted(m.group("path") or "") if m else ""
    code = "invalid_field"
    field = path
    if mm := _MISSING.search(msg):
        field = f"{path}.{mm.group('f')}".lstrip(".")
        code = "missing_field"
    elif mm := _UNKNOWN.search(msg):
        field = f"{path}.{mm.group('f')}".lstrip(".")
        code = "unknown_field"
    elif mm := _FIELD_MSG.match(msg):
        field = f"{path}.{mm.group('f')}".lstrip(".")
        msg = mm.group("m")
    leaf = field.rsplit(".", 1)[-1]
    if code == "invalid_field":
        code = _SPECIAL.get((leaf, msg), _SPECIAL.get((leaf, ""), "invalid_field"))
        if leaf == "type" and _TAG.search(msg):
            code = "unknown_type"
    human = f"{field}: {msg}" if field else msg
    return ServiceError(ErrorType.INVALID_REQUEST, code, human, field=field or None)


_enc = msgspec.json.Encoder()


def render(err: ServiceError, request_id: str, decline: Failure | None = None) -> bytes:
    return _enc.encode(
        ErrorEnvelope(
            error=ErrorBody(
                type=err.type.value,
                code=err.code,
                message=err.message,
                request_id=request_id,
                field=err.field,
                gateway=err.gateway,
                decline=decline,
                attempts=err.attempts,
            )
        )
    )
