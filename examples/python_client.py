"""Call a running Connector Service from Python with the typed client.

    connector-service serve &                      # the sandbox account, no API keys
    python examples/python_client.py               # pip install sdk/python first

CS_URL and CS_API_KEY point it elsewhere (the tests run it against a real service).
"""

from __future__ import annotations

import os

from connector_service_client import Client, InvalidRequestError

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}

with Client(os.environ.get("CS_URL", "http://127.0.0.1:8080"), os.environ.get("CS_API_KEY")) as cs:
    payment = cs.create_payment(
        {"amount": 2500, "currency": "EUR", "capture_method": "manual", "payment_method": CARD}
    )
    print("authorize", payment.status, payment.id[:16] + "…")
    payment = cs.capture(payment.id, {"amount": 2000})
    print("capture  ", payment.status, payment.amount_captured)
    refund = cs.refund(payment.id, {"amount": 500})
    print("refund   ", refund.status, refund.amount)
    declined = cs.create_payment(
        {"amount": 700, "currency": "EUR", "payment_method": {**CARD, "number": "4000000000009995"}}
    )
    assert declined.failure is not None  # a decline is a result, not an exception
    print("decline  ", declined.status, declined.failure.code, declined.failure.category)
    try:
        cs.capture(payment.id, {"amount": 10**9})
    except InvalidRequestError as exc:  # typed errors with the stable code and the field
        print("error    ", exc.code, exc.field)
