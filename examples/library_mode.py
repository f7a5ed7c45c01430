"""Library mode: the unified API in-process, no server. Run: python examples/library_mode.py"""

from connector_service import SyncConnectorService

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}

with SyncConnectorService() as cs:  # sandbox account, in-memory storage
    payment = cs.create_payment({"amount": 2500, "currency": "EUR", "payment_method": CARD,
                                 "capture_method": "manual"})  # fmt: skip
    payment = cs.capture(payment.id, {"amount": 2000})
    refund = cs.refund(payment.id, {"amount": 500})
    print(payment.status, payment.amount_captured, refund.status, refund.amount)
