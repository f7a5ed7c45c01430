"""Ids: one opaque spelling per object, derived from its immutable identity only."""

from __future__ import annotations

import base64

import pytest

from connector_service.domain.errors import ServiceError
from connector_service.domain.ids import IdCodec, Identity, Kind

CODEC = IdCodec(b"key-1")


@pytest.mark.parametrize("kind", list(Kind))
def test_round_trip_and_determinism(kind: Kind) -> None:
    identity = Identity(kind, "stripe-eu", "pi_3QabcDEF123")
    first = CODEC.encode(identity)
    assert first.startswith(kind.value + "_")
    assert CODEC.encode(identity) == first  # the same object: the same string, always
    assert IdCodec(b"key-1").encode(identity) == first  # on any instance with the key
    assert CODEC.decode(kind, first) == identity
    by_ref = Identity(kind, "stripe-eu", "cs_0123", by_reference=True)
    assert CODEC.decode(kind, CODEC.encode(by_ref)) == by_ref
    assert CODEC.encode(by_ref) != CODEC.encode(Identity(kind, "stripe-eu", "cs_0123"))


def test_reveals_nothing_beyond_its_prefix() -> None:
    pid = CODEC.make(Kind.PAYMENT, "merchant-acct-7", "pi_SECRETLOOKING")
    raw = base64.urlsafe_b64decode(pid[4:] + "=" * (-len(pid[4:]) % 4))
    for readable in (b"merchant", b"acct", b"pi_SECRET", b"SECRET"):
        assert readable not in raw
    assert "merchant" not in pid and "SECRET" not in pid
    # Two payments of one account share no visible structure beyond the prefix.
    other = CODEC.make(Kind.PAYMENT, "merchant-acct-7", "pi_SECRETLOOKINH")
    assert pid[4:12] != other[4:12]
    assert len(pid) < 90


def test_exactly_one_spelling_is_accepted() -> None:
    pid = CODEC.make(Kind.PAYMENT, "acct", "pi_123")
    text = pid[4:]
    variants = [pid + "=", pid + "==", pid + " ", pid.upper(), "PAY_" + text, pid + "A"]
    # Flip the unused trailing bits of the last base64 character (the decoded bytes are
    # the same, so a lax decoder would accept it).
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(text[-1])
    spare_bits = {2: 4, 3: 2, 0: 0}[len(text) % 4]  # chars in last group -> unused bits
    for delta in range(1, 2**spare_bits):
        variants.append("pay_" + text[:-1] + alphabet[last ^ delta])
    assert len(variants) > 6
    for bad in variants:
        with pytest.raises(ServiceError) as err:
            CODEC.decode(Kind.PAYMENT, bad)
        assert err.value.code == "payment_not_found", bad


def test_tampered_foreign_and_cross_kind_ids_are_not_found() -> None:
    pid = CODEC.make(Kind.PAYMENT, "acct", "pi_123")
    flipped = pid[:10] + ("A" if pid[10] != "A" else "B") + pid[11:]
    for bad in (pid[:-2], flipped, "pay_" + "A" * 40, "pay_!!", "", "pay_", "re_" + pid[4:]):
        with pytest.raises(ServiceError) as err:
            CODEC.decode(Kind.PAYMENT, bad)
        assert err.value.code == "payment_not_found"
        assert err.value.field == "id"
    with pytest.raises(ServiceError):
        IdCodec(b"key-2").decode(Kind.PAYMENT, pid)  # another deployment's id
    # A refund id with a payment's sealed body is refused (the kind is authenticated).
    rid = CODEC.make(Kind.REFUND, "acct", "pi_123")
    with pytest.raises(ServiceError):
        CODEC.decode(Kind.PAYMENT, "pay_" + rid[3:])


def test_an_empty_gateway_id_cannot_become_an_id() -> None:
    with pytest.raises(ValueError):
        CODEC.make(Kind.PAYMENT, "acct", "")
