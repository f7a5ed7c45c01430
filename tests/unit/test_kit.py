"""The connector kit's helpers, one by one: each says what every connector relies on."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import random
import time

import msgspec
import pytest

from connector_service.connectors import kit
from connector_service.connectors.kit.http import HttpRequest, HttpResponse
from connector_service.connectors.kit.paths import with_path_ids_checked
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
from connector_service.domain.status import PaymentStatus, RefundStatus

TABLE = {"resource_missing": kit.ErrorRule(ErrorType.NOT_FOUND, "resource_not_found", "id")}


def test_error_from_uses_the_table_and_keeps_the_gateway_code() -> None:
    err = kit.error_from(
        HttpResponse(400, {}, b""), TABLE, codes=[None, "resource_missing"], message="gone"
    )
    assert (err.type, err.code, err.field) == (ErrorType.NOT_FOUND, "resource_not_found", "id")
    assert err.gateway is not None and err.gateway.code == "resource_missing"
    assert err.gateway.http_status == 400 and err.message == "gone"


def test_error_from_types_unknown_codes_by_status_and_lets_the_gateway_name_the_field() -> None:
    err = kit.error_from(HttpResponse(401, {}, b""), TABLE, codes=["nope"], field="amount")
    assert (err.type, err.code, err.field) == (
        ErrorType.CONNECTOR,
        "gateway_authentication_failed",
        "amount",
    )
    assert kit.error_from(HttpResponse(503, {}, b""), {}, codes=[]).http_status == 503


def test_error_from_takes_the_type_from_the_first_code_and_the_field_from_a_later_one() -> None:
    table = {
        "conflict": kit.ErrorRule(ErrorType.CONFLICT, "gateway_conflict"),
        "cvv_invalid": kit.ErrorRule(ErrorType.INVALID_REQUEST, "x", "payment_method.cvc"),
    }
    err = kit.error_from(HttpResponse(409, {}, b""), table, codes=["conflict", "cvv_invalid"])
    assert (err.type, err.code, err.field) == (
        ErrorType.CONFLICT,
        "gateway_conflict",
        "payment_method.cvc",
    )


def test_decline_table_and_lookup() -> None:
    table = kit.decline_table([(DeclineCode.STOLEN_CARD, "stolen lost_or_stolen")])
    assert table == {"stolen": DeclineCode.STOLEN_CARD, "lost_or_stolen": DeclineCode.STOLEN_CARD}
    assert kit.decline_of(table, None, "stolen") is DeclineCode.STOLEN_CARD
    assert kit.decline_of(table, "??") is DeclineCode.GENERIC_DECLINE
    with pytest.raises(ValueError, match="twice"):
        kit.decline_table([(DeclineCode.STOLEN_CARD, "a"), (DeclineCode.LOST_CARD, "a")])


def test_status_of_logs_unknown_statuses_and_never_defaults_to_success(
    caplog: pytest.LogCaptureFixture,
) -> None:
    table = {"paid": PaymentStatus.CAPTURED}
    assert kit.status_of(table, "paid", PaymentStatus.PROCESSING) is PaymentStatus.CAPTURED
    with caplog.at_level(logging.WARNING):
        assert kit.status_of(table, "brand_new", PaymentStatus.PROCESSING) is (
            PaymentStatus.PROCESSING
        )
        assert kit.status_of(table, None, PaymentStatus.PROCESSING) is PaymentStatus.PROCESSING
    assert [r.status for r in caplog.records] == ["brand_new"]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="must not default"):
        kit.status_of({}, "x", RefundStatus.SUCCEEDED)


def _signed(secret: str, t: int, body: bytes) -> str:
    return f"t={t},v1=" + kit.hmac_sha256_hex(secret, f"{t}.".encode() + body)


def test_timestamped_signatures() -> None:
    now = int(time.time())
    header = _signed("whsec_x", now, b"{}")
    assert kit.parse_timestamped(header + ",v1=abc,v0=zz") == (
        str(now),
        [header.split("v1=")[1], "abc"],
    )
    assert kit.parse_timestamped("garbage") == (None, [])
    assert kit.parse_timestamped("t=12a,v1=ab") == (None, ["ab"])
    assert kit.verify_timestamped(header, b"{}", "whsec_x", tolerance_seconds=300)
    assert not kit.verify_timestamped(header, b"{ }", "whsec_x", tolerance_seconds=300)
    assert not kit.verify_timestamped(header, b"{}", "other", tolerance_seconds=300)
    assert not kit.verify_timestamped(header, b"{}", "", tolerance_seconds=300)
    stale = _signed("whsec_x", now - 301, b"{}")
    assert not kit.verify_timestamped(stale, b"{}", "whsec_x", tolerance_seconds=300)
    assert kit.verify_timestamped(stale, b"{}", "whsec_x", tolerance_seconds=300, now=now - 300)


def test_constant_time_equal_and_hmac_encodings() -> None:
    assert kit.constant_time_equal("abc", b"abc") and not kit.constant_time_equal("abc", "abd")
    reference = hmac.new(b"k", b"m", hashlib.sha256)
    assert kit.hmac_sha256_hex("k", b"m") == reference.hexdigest()
    assert base64.b64decode(kit.hmac_sha256_b64(b"k", b"m")) == reference.digest()


def test_hmac_sha512_hex_is_the_rfc_4231_value() -> None:
    # RFC 4231 test case 2 (key "Jefe"): a published value, not one computed here.
    expected = (
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    )
    assert kit.hmac_sha512_hex("Jefe", b"what do ya want for nothing?") == expected
    assert kit.hmac_sha512_hex(b"Jefe", b"what do ya want for nothing!") != expected


def test_hmac_hex_b64_is_base64_of_the_hex_text() -> None:
    reference = hmac.new(b"k", b"m", hashlib.sha256).hexdigest()
    signed = kit.hmac_sha256_hex_b64("k", b"m")
    assert base64.b64decode(signed).decode() == reference
    assert len(signed) == 88  # 64 hex characters, base64: not the 44 of the raw digest
    assert signed != kit.hmac_sha256_b64("k", b"m")


def test_hmac_sha1_hex_is_the_rfc_2202_value_and_can_hash_its_key() -> None:
    message = b"what do ya want for nothing?"
    assert kit.hmac_sha1_hex("Jefe", message) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    # Braintree's webhook key is SHA-1("Jefe") (20 bytes), not the text itself.
    hashed = kit.hmac_sha1_hex("Jefe", message, hash_key=True)
    assert hashed == kit.hmac_sha1_hex(hashlib.sha1(b"Jefe").digest(), message)
    assert hashed != kit.hmac_sha1_hex("Jefe", message)


def test_exponents_convert_both_ways_and_refuse_inexact_amounts() -> None:
    stripe_like = kit.Exponents(
        "Gw", {"ISK": 2, "JPY": 0}, tens_only=frozenset({"KWD"}), inexact_code="nope"
    )
    assert stripe_like.to_gateway(100, "ISK") == 10000  # ISO ISK has no decimals
    assert stripe_like.from_gateway(10099, "isk") == 100
    assert stripe_like.to_gateway(1050, "EUR") == 1050
    assert stripe_like.to_gateway(1230, "KWD") == 1230
    with pytest.raises(ServiceError) as bad:
        stripe_like.to_gateway(1234, "KWD")
    assert (bad.value.code, bad.value.field) == ("nope", "amount")
    paypal_like = kit.Exponents("Gw", {"HUF": 0})
    assert paypal_like.to_major(1000, "HUF") == "10"
    assert paypal_like.to_major(1050, "EUR") == "10.50"
    with pytest.raises(ServiceError):
        paypal_like.to_major(1050, "HUF")
    assert paypal_like.from_major("10", "HUF") == 1000
    assert kit.Exponents("Gw", {"ISK": 2}).to_major(5, "ISK") == "5.00"


def test_form_encode_quotes_exactly_like_quote() -> None:
    """The fast path (no quoting for plain keys and values, quoted keys cached) gives
    byte for byte what quoting every key and value gives, for any text."""
    from urllib.parse import quote

    rng = random.Random(18)
    alphabet = "aZ09_.~-[] &=+%/?#é€😀\n\"'"
    for _ in range(3000):
        key = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        nested = {"m": {key: value}, key: [value, 7]}
        expected = "&".join(
            f"{quote(k, safe='[]')}={quote(v, safe='')}"
            for k, v in ((f"m[{key}]", value), (f"{key}[0]", value), (f"{key}[1]", "7"))
        )
        assert kit.form_encode(nested) == expected.encode(), (key, value)


def test_encoders() -> None:
    assert kit.form_encode({"a": {"b": 1}, "c": [True, None], "d": None}) == b"a[b]=1&c[0]=true"
    assert kit.json_body({"a": 1}) == b'{"a":1}'
    assert kit.drop_none({"a": None, "b": {"c": None, "d": 0}}) == {"b": {"d": 0}}
    assert kit.basic_auth("u", "p") == "Basic dTpw"


class _Payment(msgspec.Struct):
    id: str
    amount: int | None = None


def test_decoding() -> None:
    assert kit.decode_as(b'{"id":"p","amount":5,"new":1}', _Payment) == _Payment("p", 5)
    assert kit.decode_as({"id": "p"}, _Payment) == _Payment("p")
    assert kit.decode_as(b'{"amount":5}', _Payment) is None
    assert kit.decode_as(b"not json", _Payment) is None
    assert kit.decode_object(b"[1]") == {} and kit.decode_object(b'{"a":1}') == {"a": 1}
    assert kit.decode_object(b"") == {} and kit.decode_object(b"{") == {}
    assert (kit.text("x"), kit.text(""), kit.text(3)) == ("x", None, None)
    assert (kit.text_or_number(3), kit.text_or_number(True), kit.text_or_number("")) == (
        "3",
        None,
        None,
    )
    assert (kit.obj([]), kit.integer(True), kit.integer(4)) == ({}, None, 4)


def test_path_guard_refuses_empty_ids_before_sending() -> None:
    def flow() -> object:
        yield HttpRequest("GET", "http://127.0.0.1:1/payments/ok")
        yield HttpRequest("GET", "http://127.0.0.1:1/payments//captures")

    steps = with_path_ids_checked(flow(), "capture", "http://127.0.0.1:1")  # type: ignore[arg-type]
    assert next(steps).url.endswith("/ok")
    with pytest.raises(ServiceError) as lost:
        steps.send(HttpResponse(200, {}, b""))
    assert (lost.value.code, lost.value.field) == ("missing_gateway_id", "id")
    assert kit.segment("a/b") == "a%2Fb"
    with pytest.raises(ServiceError):
        kit.require_id("", "refund")


def test_a_gateway_struct_ignores_new_fields_defaults_missing_ones_and_refuses_other_shapes() -> (
    None
):
    from connector_service.connectors.checkout import CkoPayment, _payment
    from connector_service.domain.status import CaptureMethod

    body = {
        "id": "pay_1",
        "status": "Captured",
        "amount": 1000,
        "balances": {"total_captured": 1000, "a_field_added_later": 1},
        "_links": {"redirect": {"href": "https://example.test/3ds"}},
        "brand_new_object": {"x": [1, 2]},
    }
    payment = kit.decode_as(body, CkoPayment)
    assert payment is not None and payment.balances.total_captured == 1000
    assert payment.redirect == "https://example.test/3ds" and payment.scheme_id is None
    assert kit.decode_as({"id": "pay_2"}, CkoPayment) == CkoPayment(id="pay_2")
    assert kit.decode_as({"id": "pay_3", "amount": "ten"}, CkoPayment) is None
    result = _payment(body, "EUR", CaptureMethod.AUTOMATIC)
    assert (result.status, result.amount_captured) == (PaymentStatus.CAPTURED, 1000)
    for wrong in ([body], "pay_1", {"status": "Captured"}):
        with pytest.raises(ServiceError) as caught:
            _payment(wrong, "EUR", CaptureMethod.AUTOMATIC)
        assert (caught.value.type, caught.value.code) == (ErrorType.CONNECTOR, "gateway_error")


@pytest.mark.parametrize("value", [10.5, 10, 0, 1.25])
def test_major_number_accepts_json_numbers_the_currency_can_hold(value: float) -> None:
    kit.webhooks.major_number({"amount": value, "c": "USD"}, "amount", "a", currency_key="c")


@pytest.mark.parametrize("value", [1.505, -1, True, None, "10.50", [1]])
def test_major_number_refuses_garbage(value: object) -> None:
    with pytest.raises(ServiceError) as err:
        kit.webhooks.major_number({"amount": value, "c": "USD"}, "amount", "a", currency_key="c")
    assert err.value.code == "invalid_webhook" and err.value.field == "a"


def test_major_number_leaves_an_absent_amount_to_the_parser() -> None:
    kit.webhooks.major_number({"c": "USD"}, "amount", "a", currency_key="c")
    with pytest.raises(ServiceError):  # JPY has no decimals
        kit.webhooks.major_number({"amount": 1.5, "c": "JPY"}, "amount", "a", currency_key="c")


def test_card_or_token_passes_cards_and_tokens_and_refuses_upi_naming_the_type() -> None:
    from connector_service.connectors.kit import methods as pm_kit
    from connector_service.domain.payment_methods import Token, Upi

    token = Token(token="tok_1")
    assert pm_kit.card_or_token(token, "Square") is token
    with pytest.raises(ServiceError) as err:
        pm_kit.card_or_token(Upi(vpa="ada@okicici"), "Square")
    assert err.value.type is ErrorType.NOT_SUPPORTED
    assert err.value.field == "payment_method.type" and "upi" in err.value.message
