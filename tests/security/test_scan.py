"""The scanner of the no-card-data-at-rest tests finds card data in every spelling it
claims to, and leaves a card summary alone (else a clean scan would prove nothing)."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest

from tests.security.scan import hits, new_card

CARD = new_card("4", cvc_len=3) | {"number": "4111111145551142", "cvc": "857"}
PAN, CVC = CARD["number"], CARD["cvc"]


@pytest.mark.parametrize(
    "blob",
    [
        f"row\x1e{PAN}\x1e".encode(),
        b"4111 1111 4555 1142",
        b"4111-1111-4555-1142",
        json.dumps({"card": {"cvc": CVC}}).encode(),
        urlencode({"payment_method_data[card][cvc]": CVC}).encode(),  # %5D%3D857
        b"payment_method_data[card][cvc]=" + CVC.encode(),
        b'{\\"securityCode\\": \\"' + CVC.encode() + b'\\"}',
        *(
            b"x" * pad + base64.b64encode(b"<" * lead + PAN.encode() + b">")
            for lead in range(3)
            for pad in range(2)
        ),
        base64.urlsafe_b64encode(b'{"number":"' + PAN.encode() + b'"}'),
    ],
)
def test_card_data_is_found(blob: bytes) -> None:
    assert hits(blob, [CARD]) != []


def test_a_card_summary_is_not_a_hit() -> None:
    summary = {"brand": "visa", "last4": PAN[-4:], "exp_month": CARD["exp_month"],
               "exp_year": CARD["exp_year"], "cvc_check": "pass"}  # fmt: skip
    assert hits(json.dumps(summary).encode(), [CARD]) == []
