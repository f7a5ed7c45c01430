"""The payer data three connectors mask (an e-wallet's phone, a boleto payer's CPF, a UPI
address) is masked in a body logged as a JSON string too, and in the token object
Razorpay reads back: exact before / after."""

from __future__ import annotations

import json

import pytest

from connector_service.connectors.mercadopago import MercadoPagoConnector
from connector_service.connectors.razorpay import RazorpayConnector
from connector_service.connectors.xendit import XenditConnector

XENDIT = {"channel_properties": {"mobile_number": "+6281234567890"}}
MP = {"payer": {"identification": {"type": "CPF", "number": "19119119100"}}}
RZP = {
    "vpa": "gaurav.kumar1@okhdfc2",
    "token": {"vpa": {"username": "gaurav.kumar", "handle": "okhdfc", "name": "Gaurav K"}},
}


@pytest.mark.parametrize(
    ("scrub", "body", "after"),
    [
        (XenditConnector().scrub, XENDIT, {"channel_properties": {"mobile_number": "[REDACTED]"}}),
        (MercadoPagoConnector().scrub, MP,
         {"payer": {"identification": {"type": "CPF", "number": "[REDACTED]"}}}),
        (RazorpayConnector().scrub, RZP,
         {"vpa": "[VPA]@okhdfc2",
          "token": {"vpa": {"username": "[VPA]", "handle": "okhdfc", "name": "[VPA]"}}}),
    ],
)  # fmt: skip
def test_plain_and_escaped(scrub: object, body: dict[str, object], after: object) -> None:
    assert callable(scrub)
    assert scrub(json.dumps(body)) == json.dumps(after)
    assert scrub(json.dumps({"logged": json.dumps(body)})) == json.dumps(
        {"logged": json.dumps(after)}
    )
