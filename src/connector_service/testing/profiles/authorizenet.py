"""Authorize.net's profile: cards sent as they are (the JSON API takes card data), manual
capture with one partial capture, refunds of settled captures (the fake's batch closes
at once), no 3-D Secure redirect (the API takes only an external MPI's results), stored
cards as CIM payment profiles, and webhooks signed ``X-ANET-Signature: sha512=<HEX>``
(HMAC-SHA512 of the body under the Signature Key, no timestamp)."""

from __future__ import annotations

from typing import Any

from connector_service.testing.fakes.authorizenet import (
    SIGNATURE_KEY,
    SUCCESS_CARD,
    AuthorizenetFake,
    notification,
    webhook_headers,
)
from connector_service.testing.profile import (
    Card,
    ConnectorProfile,
    Decline,
    OptionsSample,
    Webhooks,
    json_sent,
)


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    record = fake.transactions[payment["connector_payment_id"]]
    return notification(
        "net.authorize.payment.authcapture.created",
        {
            "responseCode": 1,
            "authCode": "LZ6I19",
            "avsResponse": "Y",
            "authAmount": float(record["amount"]),
            "invoiceNumber": record["invoice"],
            "entityName": "transaction",
            "id": record["transId"],
        },
    )


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    return webhook_headers(body, secret), body


def _strip(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    return {k: v for k, v in headers.items() if k.lower() != "x-anet-signature"}, body


PROFILE = ConnectorProfile(
    connector="authorizenet",
    fake=AuthorizenetFake,
    account_credentials=lambda fake: fake.credentials,
    success=Card(SUCCESS_CARD, "123"),
    # the fake declines by card number, with Authorize.net's response reason codes
    soft_decline=Decline(Card("4000000000000002", "123"), "generic_decline", "soft"),
    hard_decline=Decline(Card("4000000000000069", "123"), "expired_card", "hard"),
    more_declines=(
        Decline(Card("4000000000000119", "123"), "pickup_card", "hard"),
        Decline(Card("4000000000009987", "123"), "fraud_suspected", "hard"),
    ),
    currency="USD",
    flows=frozenset(
        {
            "authorize",
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
    webhooks=Webhooks(SIGNATURE_KEY, _sample, _sign, _strip, tolerance_seconds=None),
    idempotency_header=None,  # no idempotency header: refId + duplicateWindow (docs/connectors)
    secrets=lambda fake: [fake.login_id, fake.transaction_key, SIGNATURE_KEY],
    options=OptionsSample(
        {"po_number": "PO-CONF-1"},
        json_sent(
            "/xml/v1/request.api",
            ("createTransactionRequest", "transactionRequest", "poNumber"),
            "PO-CONF-1",
        ),
    ),
)
