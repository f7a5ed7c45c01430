"""Mercado Pago's profile: cards tokenized by the Card Token API, the outcome picked by
the cardholder name (Mercado Pago's test names: ``APRO``, ``FUND``, ``EXPI``...), manual
capture (partial), void by cancelling, refunds approved at once, 3-D Secure by a
challenge page the browser POSTs ``creq`` to, stored cards of a customer, and
``x-signature`` webhooks whose payment is read back once the signature holds."""

from __future__ import annotations

from typing import Any

from connector_service.testing.fakes.mercadopago import (
    SUCCESS_CARD,
    THREE_DS_HOLDER,
    VISA_CARD,
    WEBHOOK_SECRET,
    MercadoPagoFake,
    notification,
    sign,
)
from connector_service.testing.profile import (
    Card,
    ConnectorProfile,
    Decline,
    OptionsSample,
    ThreeDS,
    Voucher,
    Webhooks,
    json_sent,
)
from connector_service.testing.profiles._browser import visit

RETURN_URL = "https://shop.example/mercadopago/return"
# Mercado Pago needs the payer's email on every card payment.
CUSTOMER = {"email": "comprador@example.com", "name": "Ana Souza"}


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    """The customer's browser POSTs the ``creq`` to the challenge page."""
    action = payment["next_action"]
    assert action["method"] == "POST" and action["form"]["creq"], action
    status, _ = visit(
        action["url"], {"outcome": "pass" if passed else "fail"}, "POST", form=action["form"]
    )
    assert status == 200, status
    return {}  # nothing comes back to the merchant: the payment is read again


# A boleto names its payer in full: CPF, name, email and the postal address.
BOLETO_BILLING = {
    "line1": "Av. das Nações Unidas, 3003",
    "line2": "Bonfim",  # the bairro
    "city": "Osasco",
    "state": "SP",
    "postal_code": "06233-200",
    "country": "BR",
}
BOLETO = Voucher(
    {"type": "boleto", "tax_id": "191.191.191-00", "expires_after_days": 3},
    pay=lambda fake, payment: fake.pay_voucher(payment["connector_payment_id"]),
    fields={"customer": CUSTOMER, "billing": BOLETO_BILLING},
    expire=lambda fake, payment: fake.expire_voucher(payment["connector_payment_id"]),
)


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    pid = payment["connector_payment_id"]
    return notification(pid, notification_id=int(pid) * 3 + 7)


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    return sign(body, secret, ts), body


def _strip(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    return {"x-request-id": headers["x-request-id"]}, body


PROFILE = ConnectorProfile(
    connector="mercadopago",
    fake=MercadoPagoFake,
    account_credentials=lambda fake: fake.credentials,
    account_options=lambda fake: {"currency": fake.currency},
    success=Card(SUCCESS_CARD, "123", holder="APRO"),
    soft_decline=Decline(Card(SUCCESS_CARD, "123", holder="FUND"), "insufficient_funds", "soft"),
    hard_decline=Decline(Card(VISA_CARD, "123", holder="EXPI"), "invalid_expiry", "hard"),
    more_declines=(
        Decline(Card(VISA_CARD, "123", holder="SECU"), "incorrect_cvc", "soft"),
        Decline(Card(SUCCESS_CARD, "123", holder="CALL"), "do_not_honor", "soft"),
        Decline(Card(VISA_CARD, "123", holder="FORM"), "invalid_payment_data", "hard"),
    ),
    currency="BRL",
    flows=frozenset(
        {
            "authorize",
            "complete_authorize",
            "capture",
            "void",
            "refund",
            "sync",
            "refund_sync",
            "setup_mandate",
            "charge_mandate",
            "revoke_mandate",
            "list_mandates",
            "webhooks",
        }
    ),
    three_ds=ThreeDS(Card(SUCCESS_CARD, "123", holder=THREE_DS_HOLDER), _complete, RETURN_URL),
    webhooks=Webhooks(WEBHOOK_SECRET, _sample, _sign, _strip, tolerance_seconds=300),
    idempotency_header="X-Idempotency-Key",
    secrets=lambda fake: [fake.access_token, WEBHOOK_SECRET],
    options=OptionsSample(
        {
            "installments": 3,
            "payer_identification_type": "CPF",
            "payer_identification_number": "12345678909",
        },
        json_sent("/v1/payments", ("payer", "identification", "number"), "12345678909"),
    ),
    vouchers=(BOLETO,),
    extra={"payment_fields": {"customer": CUSTOMER}},
)
