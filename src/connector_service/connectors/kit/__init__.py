"""The connector kit: the one shape of everything connectors have in common.

A connector module is its gateway's *tables and shapes* — the request bodies it builds,
the response structs it decodes, and these tables — while the kit says what they mean:

- ``errors``: :class:`ErrorRule` tables (gateway code -> unified type, code, field) and
  :func:`error_from`, the one "gateway error body -> ServiceError";
- ``declines``: :func:`decline_table` (unified code -> the gateway's raw codes) and
  :func:`decline_of`; the category follows from the unified code (domain/declines.py);
- ``status``: :func:`status_of` — unknown statuses get a pending-like default, are
  logged, and are never success;
- ``signatures``: HMAC helpers, constant-time comparison and the ``t=…,v1=…`` header;
- ``money``: :class:`Exponents`, a gateway's decimals where they differ from ISO 4217;
- ``encode`` / ``decode``: form and JSON bodies, ``drop_none``, typed decoding into
  msgspec structs and the lenient accessors (``text``, ``obj``) for what stays JSON;
- ``paths``: the empty-path-id guard, ``require_id`` and ``segment``;
- ``webhooks``: the checks every webhook parser applies to a verified body;
- ``http`` / ``scrub``: the request/response descriptions and the common scrub.
"""

from __future__ import annotations

from connector_service.connectors.kit import webhooks
from connector_service.connectors.kit.declines import DeclineTable, decline_of, decline_table
from connector_service.connectors.kit.decode import (
    decode_as,
    decode_object,
    integer,
    obj,
    text,
    text_or_number,
)
from connector_service.connectors.kit.disputes import scheme_reason
from connector_service.connectors.kit.encode import (
    basic_auth,
    drop_none,
    form_encode,
    json_body,
    multipart_form,
    utc_after,
)
from connector_service.connectors.kit.errors import ErrorRule, ErrorTable, error_from, gateway_error
from connector_service.connectors.kit.money import Exponents
from connector_service.connectors.kit.options import ConnectorOptions, OptionKind, options_of
from connector_service.connectors.kit.paths import (
    empty_path_id,
    missing_gateway_id,
    require_id,
    segment,
)
from connector_service.connectors.kit.signatures import (
    constant_time_equal,
    hmac_sha1_hex,
    hmac_sha256,
    hmac_sha256_b64,
    hmac_sha256_hex,
    hmac_sha256_hex_b64,
    hmac_sha512_hex,
    parse_timestamped,
    verify_timestamped,
)
from connector_service.connectors.kit.status import status_of

__all__ = [
    "ConnectorOptions",
    "DeclineTable",
    "ErrorRule",
    "ErrorTable",
    "Exponents",
    "OptionKind",
    "basic_auth",
    "constant_time_equal",
    "decline_of",
    "decline_table",
    "decode_as",
    "decode_object",
    "drop_none",
    "empty_path_id",
    "error_from",
    "form_encode",
    "gateway_error",
    "hmac_sha1_hex",
    "hmac_sha256",
    "hmac_sha256_b64",
    "hmac_sha256_hex",
    "hmac_sha256_hex_b64",
    "hmac_sha512_hex",
    "integer",
    "json_body",
    "missing_gateway_id",
    "multipart_form",
    "obj",
    "options_of",
    "parse_timestamped",
    "require_id",
    "scheme_reason",
    "segment",
    "status_of",
    "text",
    "text_or_number",
    "utc_after",
    "verify_timestamped",
    "webhooks",
]
