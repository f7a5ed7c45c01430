"""Mollie's profile: cards only as Mollie Components tokens (the fake's stand-in for
mollie.js tokenizes each test card), manual capture, asynchronous captures / releases /
refunds read back by sync, 3-D Secure at ``_links.checkout``, mandates made by a
``first`` payment, and webhooks that carry only ``id=tr_...`` (verified by fetching it)."""

from __future__ import annotations

from typing import Any

from connector_service.testing.fakes.mollie import SUCCESS_CARD, THREE_DS_CARD, MollieFake
from connector_service.testing.profile import (
    Card,
    ConnectorProfile,
    Decline,
    OptionsSample,
    SplitsSample,
    ThreeDS,
    Webhooks,
    json_sent,
)
from connector_service.testing.profiles._browser import visit

RETURN_URL = "https://shop.example/mollie/return"


def _tokenized(fake: Any, card: Card) -> dict[str, Any]:
    """The customer's browser: mollie.js exchanges the card for a cardToken."""
    return {"type": "token", "token": fake.tokenize(card.payment_method())}


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(payment["next_action"]["url"], {"outcome": "pass" if passed else "fail"})
    assert status == 302, status
    return params  # Mollie adds nothing to redirectUrl: the payment is read again


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    return f"id={payment['connector_payment_id']}".encode()


def _stored_id(fake: Any, body: bytes) -> str:
    """The event id a good delivery is stored under: the payment id and its state."""
    doc = fake.view(fake.payments[body.decode().removeprefix("id=")])
    amounts = [
        doc[k]["value"] if k in doc else "-"
        for k in ("amountCaptured", "amountRefunded", "amountChargedBack")
    ]
    return ":".join([doc["id"], doc["status"], *amounts])


PROFILE = ConnectorProfile(
    connector="mollie",
    fake=MollieFake,
    account_credentials=lambda fake: fake.credentials,
    payment_method=_tokenized,
    success=Card(SUCCESS_CARD, "123"),
    soft_decline=Decline(Card("4000000000000002", "123"), "generic_decline", "soft"),
    hard_decline=Decline(Card("4000000000009987", "123"), "fraud_suspected", "hard"),
    more_declines=(
        Decline(Card("4000000000009995", "123"), "insufficient_funds", "soft"),
        Decline(Card("4000000000000069", "123"), "expired_card", "hard"),
    ),
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
            "complete_mandate",
        }
    ),
    async_modifications=True,  # captures pending, releases accepted, refunds pending
    three_ds=ThreeDS(Card(THREE_DS_CARD, "123"), _complete, RETURN_URL),
    mandate_three_ds=ThreeDS(Card(THREE_DS_CARD, "123"), _complete, RETURN_URL),
    webhooks=Webhooks(
        "",  # Mollie signs nothing: the account's API key verifies by fetching
        _sample,
        lambda body, secret, ts: ({}, body),
        lambda headers, body: ({}, b"id="),
        tolerance_seconds=None,
        signed=False,
        stored_id=_stored_id,
    ),
    idempotency_header="Idempotency-Key",
    options=OptionsSample({"locale": "nl_NL"}, json_sent("/payments", ("locale",), "nl_NL")),
    splits=SplitsSample(
        "org_1234567",
        json_sent("/payments", ("routing", 0, "destination", "organizationId"), "org_1234567"),
        json_sent("/refunds", ("reverseRouting",), True),
    ),
    secrets=lambda fake: [fake.api_key],
)
