"""Duplicate JSON keys are refused at any depth, naming the path of the repeated key."""

from __future__ import annotations

import msgspec
import pytest

from connector_service.domain.codec import DuplicateKeyError, decoder, find_duplicate_key


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (b'{"amount":100,"amount":999999}', "amount"),
        (b'{"a":1,"payment_method":{"number":"1","cvc":"2","number":"3"}}',
         "payment_method.number"),
        (b'{"items":[{"n":1},{"n":2,"n":3}]}', "items[1].n"),
        (b'[{"x":{"y":[1,{"z":1,"z":2}]}}]', "[0].x.y[1].z"),
        # Two spellings of one key are the same key to every JSON reader.
        (b'{"amount":1,"\\u0061mount":2}', "amount"),
        (b' {"a": {"b": 1}, "a": 2} ', "a"),
    ],
)  # fmt: skip
def test_duplicates_are_found_with_their_path(raw: bytes, path: str) -> None:
    assert find_duplicate_key(raw) == path


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":{"type":"x"},"b":{"type":"y"},"type":"z"}',  # equal keys in other objects
        b'{"a":[{"k":1},{"k":2}]}',
        b"[]",
        b"42",
        b"not json",
        b'{"a":1,"a"',  # truncated: the decoder reports it, not this check
        b"\xff\xfe",
        b"[" * 100_000,  # absurd depth is not a crash
    ],
)
def test_no_duplicate(raw: bytes) -> None:
    assert find_duplicate_key(raw) is None


class Body(msgspec.Struct):
    amount: int
    nested: dict[str, int] = {}


def test_decoder_refuses_duplicates_before_decoding() -> None:
    dec = decoder(Body)
    assert dec.decode(b'{"amount":5,"nested":{"x":1}}') == Body(5, {"x": 1})
    with pytest.raises(DuplicateKeyError) as info:
        dec.decode(b'{"amount":100,"amount":999999}')
    assert info.value.path == "amount"
    with pytest.raises(msgspec.ValidationError):  # what every caller already catches
        dec.decode(b'{"amount":1,"nested":{"x":1,"x":2}}')
