"""Structured JSON logs: one access line per request with what it did; redaction applied
centrally by the formatter, with a fast path that must never change what it outputs."""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import random
import re
from collections.abc import Iterator

import pytest

from connector_service.connectors.base import scrub_common
from connector_service.connectors.kit import scrub as base  # the scrub patterns live here
from connector_service.observability import context
from connector_service.observability.logging import (
    RedactingFormatter,
    might_need_scrub,
    redact,
    redact_values,
    scrub_all,
)
from tests.observability.asgi import config, running

# ------------------------------------------------------------------ the fast path

# The scrub patterns the fast path in observability/logging.py was derived from. When
# scrub_common changes, this fails: check _TELLTALES / _DIGIT_RUN still cover every
# pattern (each needs one of those substrings to match), then update the fingerprint.
SCRUB_FINGERPRINT = "146aa9affc46ef3ad21b43ccf4fafb945753a21bbd85ccf847c6f4c62591ebe8"


def scrub_fingerprint() -> str:
    names = sorted(n for n in vars(base) if isinstance(getattr(base, n), re.Pattern))
    assert names == ["_AUTH_HEADER", "_AUTH_TOKEN", "_CVC_FORM", "_CVC_KEYS", "_IBAN",
                     "_KEY_SHAPES", "_METHOD_SECRET_ESCAPED", "_METHOD_SECRET_FORM",
                     "_METHOD_SECRET_JSON", "_PAN"], names  # fmt: skip
    order = ("_PAN", "_CVC_KEYS", "_CVC_FORM", "_AUTH_HEADER", "_AUTH_TOKEN", "_KEY_SHAPES",
             "_METHOD_SECRET_JSON", "_METHOD_SECRET_ESCAPED", "_METHOD_SECRET_FORM",
             "_IBAN")  # fmt: skip
    parts = [inspect.getsource(scrub_common), inspect.getsource(base._scrub_methods)]
    parts += [getattr(base, n).pattern + str(getattr(base, n).flags) for n in order]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def test_scrub_patterns_are_the_ones_the_fast_path_was_derived_from() -> None:
    assert scrub_fingerprint() == SCRUB_FINGERPRINT


SENSITIVE = [
    "4242424242424242", "4242 4242 4242 4242", "4242-4242-4242-4242", "378282246310005",
    '"cvc": "123"', '"CVV":"9876"', 'cvv2=123', '\\"security_code\\": 737',
    "cardSecurityCode: 1234", "card[cvc]=314", "Authorization: Bearer abcdefgh",
    "x-api-key: AQEyhmfxK",
    "proxy-authorization: Basic dXNlcjpwYXNz", "Bearer eyJhbGciOi.abc", "basic QWxhZGRpbjpvcGVu",
    "sk_live_abcdefgh1234", "rk_test_abcd1234", "pk_test_XyZ12345", "whsec_c2VjcmV0",
    "\u017fecurity_code=123", "author\u0130zation: secret", "AUTHOR\u0131ZATION: secret",
    "CVC2: 123",
    "Kelvin \u212a_test_abcd1234",
    # payment methods beyond cards (kit/scrub.py _scrub_methods)
    '{"iban": "NL91ABNA0417164300"}', "pay NL91ABNA0417164300 now", "blik_code=777123",
    '{"bankAccountNumber": "000123456789"}', '{"tokenCryptogram": "AgAAAA=="}',
    '\\"authentication_value\\": \\"AAAB\\"', '{"cavv": "AAAB"}', "wallet_token=ab12",
    '{"account_number": "31926819"}', '{"\u0130BAN": "NL91ABNA0417164300"}',
    # payment-method secrets (issue 13): keyed values and a bare IBAN
    "NL91ABNA0417164300", "DE89 NL91ABNA0417164300 x", '"iban": "NL91ABNA0417164300"',
    '"accountNumber":"000123456789"', '"tokenCryptogram": "AgAAAAAABk4DWZ4C28yUQAAAAAA="',
    "blik_code=777123", '\\"cavv\\": \\"AAABBBCCC\\"', '"wallet_token":"eyJhbGc"',
    '"authentication_value": "AJkBBkhgQQAAAE4gSEJydQAAAAA="',
]  # fmt: skip
ENCODED = [
    "description=card%20378282246310005%20cvc%3D7319",
    "description=4242%204242%204242%204242&x=1",
    "n=4242%2D4242%2d4242%2D4242", "n=%34%32%34%32%34%32%34%32%34%32%34%32%34%32%34%32",
    "d=4242+4242+4242+4242",
    '{"message": "{\\\\\\"cvc\\\\\\": \\\\\\"7319\\\\\\"}"}',
    "q=%7B%22cvc%22%3A%227319%22%7D", "card[cvc]%3D7319", "securityCode%22%3A%20%227319",
]  # fmt: skip
BENIGN = [
    '{"ts":"2026-11-22T06:27:38.360+00:00","level":"info","msg":"request","status":201}',
    "latency_ms 3.21 gateway_ms 1.02 route /v1/payments/{id}/capture",
    "pay_WyJiZW5jaCIsInN0cmlwZSIsInBpXzNRYmVuY2giLDI1MDAsIkVVUiJd",
    "1234567890", "12 34 56 78 90 12", "", "ünïcödé text \u0131 \u0130",
]  # fmt: skip


def fuzz() -> Iterator[str]:
    rng = random.Random(20261122)
    pieces = [*SENSITIVE, *ENCODED, *BENIGN, "%20", "%3D", "%22", "%2", "+", "4", "42", " ",
              "-", "c", "v", "C", "V", "=", ":", '"',
              "\\", "_", "k", "\u0131", "\u0130", "\u0307", "7", "test", "live", "Bearer ",
              "\n"]  # fmt: skip
    alphabet = "0123456789 -:=\"'\\_ckvCKVabsiBAe\u0131lrtxpw\u0307\u0130\u017f\u212a\n{}[]%+dD"
    for _ in range(4000):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        yield "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))


def test_fast_path_flags_every_text_scrub_would_change() -> None:
    for text in [*SENSITIVE, *ENCODED, *BENIGN, *fuzz()]:
        if scrub_all(text) != text:
            assert might_need_scrub(text), text


def test_encoded_cards_and_cvcs_are_masked() -> None:
    for text in ENCODED:
        out = scrub_all(text)
        assert "7319" not in out and "4242" not in out and "378282246310005" not in out, out


def test_fast_path_skips_ordinary_access_lines() -> None:
    # Not a correctness property, the point of the fast path: typical lines skip scrubbing.
    for text in BENIGN:
        assert not might_need_scrub(text), text
    for text in SENSITIVE:
        assert might_need_scrub(text), text


def test_redact_masks_cards_cvcs_tokens_and_registered_literals() -> None:
    redact_values(["literal-secret-value-8841"])
    out = redact(
        'card 4242424242424242 "cvc": "123" Authorization: Bearer tok_abcdefgh '
        "and literal-secret-value-8841"
    )
    for leaked in ("4242424242424242", "123", "tok_abcdefgh", "literal-secret-value-8841"):
        assert leaked not in out, out


def test_the_current_requests_credentials_are_masked() -> None:
    info, token = context.begin("req_x")
    info.secrets = ("per-request-key-5521",)
    try:
        assert "per-request-key-5521" not in redact("oops per-request-key-5521")
    finally:
        context.end(token)
    assert "per-request-key-5521" in redact("per-request-key-5521")  # only while it runs


# ------------------------------------------------------------------ the access log


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(RedactingFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def test_one_access_line_per_request_with_what_it_did(captured: Capture) -> None:
    async with running(config()) as c:
        captured.lines.clear()
        reply = await c.pay(capture_method="manual")
        assert reply.status == 201
        rid = reply.headers["x-request-id"]
        access = [json.loads(x) for x in captured.lines if '"connector_service.access"' in x]
        assert len(access) == 1
        line = access[0]
        assert line["msg"] == "request" and line["request_id"] == rid
        assert line["caller"] == "local" and line["method"] == "POST"
        assert line["route"] == "/v1/payments" and line["status"] == 201
        assert line["account"] == "sandbox" and line["connector"] == "sandbox"
        assert line["flow"] == "authorize" and line["gateway_calls"] == 1
        assert 0 <= line["gateway_ms"] <= line["latency_ms"]

        captured.lines.clear()
        reply = await c.pay(amount=0)
        line = json.loads(next(x for x in captured.lines if '"connector_service.access"' in x))
        assert line["status"] == 400 and line["connector"] == "-" and line["gateway_calls"] == 0


async def test_every_line_of_a_request_carries_its_request_id(captured: Capture) -> None:
    async with running(config()) as c:
        captured.lines.clear()
        reply = await c.pay(capture_method="manual")
        assert reply.status == 201
        rid = reply.headers["x-request-id"]
        transcripts = [json.loads(x) for x in captured.lines if "connector_service.transcript" in x]
        assert transcripts, "the DEBUG gateway transcript is logged"
        assert all(t["request_id"] == rid for t in transcripts)
        assert "4242424242424242" not in "".join(captured.lines)


def test_every_key_shape_takes_the_slow_path() -> None:
    """Each key prefix scrub_common masks must be among the fast path's tell-tales."""
    import logging

    from connector_service.observability.logging import RedactingFormatter

    for key in ("sk_live_AbC123", "sk_test_AbC123", "sk_sbox_3f2a-9c1d-77", "whsec_QmFzZTY0"):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "using %s", (key,), None)
        assert key not in RedactingFormatter().format(record), key
