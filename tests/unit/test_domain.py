from __future__ import annotations

import datetime as dt
import logging

import msgspec
import pytest

from connector_service.domain.codec import decoder, encoder
from connector_service.domain.money import (
    CURRENCY_EXPONENTS,
    UnknownCurrency,
    exponent,
    from_major,
    to_major_str,
)
from connector_service.domain.payment_methods import Card, CardBrand, detect_brand, luhn_ok
from connector_service.domain.secret import Secret
from connector_service.observability.logging import RedactingFormatter


@pytest.mark.parametrize(
    ("currency", "exp"),
    [("EUR", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("CLP", 0), ("KWD", 3), ("BHD", 3),
     ("TND", 3), ("CLF", 4), ("ISK", 0), ("HUF", 2)],
)  # fmt: skip
def test_currency_exponents(currency: str, exp: int) -> None:
    assert exponent(currency) == exp


def test_every_code_is_iso_shaped_and_unknown_ones_fail() -> None:
    assert len(CURRENCY_EXPONENTS) > 150
    assert all(len(c) == 3 and c.isupper() for c in CURRENCY_EXPONENTS)
    with pytest.raises(UnknownCurrency):
        exponent("XYZ")


@pytest.mark.parametrize(
    ("minor", "currency", "major"),
    [(1050, "EUR", "10.50"), (5, "EUR", "0.05"), (500, "JPY", "500"), (1500, "KWD", "1.500"),
     (1, "KWD", "0.001"), (-250, "USD", "-2.50"), (0, "EUR", "0.00")],
)  # fmt: skip
def test_major_unit_round_trip(minor: int, currency: str, major: str) -> None:
    assert to_major_str(minor, currency) == major
    assert from_major(major, currency) == minor


def test_from_major_refuses_extra_precision() -> None:
    with pytest.raises(ValueError, match="decimals"):
        from_major("10.005", "EUR")


@pytest.mark.parametrize(
    ("number", "brand"),
    [("4242424242424242", CardBrand.VISA), ("5555555555554444", CardBrand.MASTERCARD),
     ("2223003122003222", CardBrand.MASTERCARD), ("378282246310005", CardBrand.AMEX),
     ("6011111111111117", CardBrand.DISCOVER), ("3566002020360505", CardBrand.JCB),
     ("30569309025904", CardBrand.DINERS), ("6200000000000005", CardBrand.UNIONPAY)],
)  # fmt: skip
def test_brand_detection_and_luhn(number: str, brand: CardBrand) -> None:
    assert luhn_ok(number)
    assert detect_brand(number) is brand
    assert not luhn_ok(number[:-1] + str((int(number[-1]) + 1) % 10))


def test_card_validation_and_masking() -> None:
    dec = decoder(Card)
    card = dec.decode(
        b'{"type":"card","number":"4242 4242 4242 4242","exp_month":1,"exp_year":2099,"cvc":"123"}'
    )
    assert card.number.reveal() == "4242424242424242"
    assert card.last4 == "4242" and card.bin == "424242"
    text = repr(card) + str(card.number) + f"{card.cvc}"
    assert "4242424242424242" not in text and "123" not in text
    assert b"4242424242424242" not in encoder.encode(card)
    now = dt.datetime.now(dt.UTC)
    last_month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    with pytest.raises(msgspec.ValidationError, match="expired"):
        dec.decode(
            f'{{"type":"card","number":"4242424242424242","exp_month":{last_month[1]},'
            f'"exp_year":{last_month[0]}}}'.encode()
        )
    this_month = dec.decode(
        f'{{"type":"card","number":"4242424242424242","exp_month":{now.month},'
        f'"exp_year":{now.year}}}'.encode()
    )
    assert this_month.exp_month == now.month  # valid through the end of its month


def test_secret_cannot_be_pickled_or_printed() -> None:
    import pickle

    s = Secret("sk_test_abc")
    assert "sk_test_abc" not in f"{s} {s!r} {s:>20}"
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_log_formatter_redacts_card_data_and_tokens() -> None:
    fmt = RedactingFormatter()
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1,
        "charging %s with cvc=%s", ("4111 1111 1111 1111", "123"), None,
    )  # fmt: skip
    record.header = "Authorization: Bearer sk_live_secret"
    record.body = '{"card_number": "5555555555554444", "cvv": "987"}'
    line = fmt.format(record)
    for leak in ("4111 1111 1111 1111", "5555555555554444", "sk_live_secret", '"987"', "=123"):
        assert leak not in line, leak
    assert "[CARD]" in line and "[CVC]" in line
