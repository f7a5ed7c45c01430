"""Braintree's profile: GraphQL cards (tokenize, then authorize or charge), partial
captures as child transactions, refunds of settled transactions, vaulted payment methods
as mandates; no 3-D Secure redirect (Braintree's runs client-side); webhooks are
``bt_signature``/``bt_payload`` forms (HMAC-SHA1 under SHA-1 of the private key, with the
notification's own timestamp)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlencode

from connector_service.connectors.braintree import WEBHOOK_TOLERANCE_SECONDS
from connector_service.testing.fakes.braintree import (
    PRIVATE_KEY,
    PUBLIC_KEY,
    REJECTED_CARD,
    SUCCESS_CARD,
    BraintreeFake,
    restamp,
    sign_notification,
)
from connector_service.testing.profile import (
    Card,
    ConnectorProfile,
    Decline,
    OptionsSample,
    Webhooks,
    json_sent,
)


def _sample(fake: BraintreeFake, payment: dict[str, Any]) -> bytes:
    """The XML of a ``transaction_settled`` notification about ``payment`` (signed by
    ``_sign``: the XML is what carries the payment's id)."""
    return fake.notification(
        "transaction_settled", fake.transactions[payment["connector_payment_id"]]
    )


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    form = sign_notification(restamp(body, ts), PUBLIC_KEY, secret)
    return {"Content-Type": "application/x-www-form-urlencoded"}, form


def _strip(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    fields.pop("bt_signature", None)
    return headers, urlencode(fields).encode()


def _tamper(signed: bytes, gid: bytes) -> bytes:
    """Change the payment id inside the signed (base64) payload, keep the signature."""
    fields = {k: v[0] for k, v in parse_qs(signed.decode()).items()}
    xml = base64.b64decode(fields["bt_payload"])
    assert gid in xml, "the signed payload must name the payment"
    fields["bt_payload"] = base64.encodebytes(xml.replace(gid, gid[:-1] + b"Z", 1)).decode()
    return urlencode(fields).encode()


PROFILE = ConnectorProfile(
    connector="braintree",
    fake=BraintreeFake,
    account_credentials=lambda fake: fake.credentials,
    account_options=lambda fake: {"merchant_account_id": fake.merchant_account, "currency": "USD"},
    success=Card(SUCCESS_CARD, "123"),
    # Sandbox amounts 2000.00-2999.99 are declined with that processor response code.
    soft_decline=Decline(Card(SUCCESS_CARD, "123", amount=200100), "insufficient_funds", "soft"),
    hard_decline=Decline(Card(SUCCESS_CARD, "123", amount=200400), "expired_card", "hard"),
    more_declines=(
        Decline(Card(SUCCESS_CARD, "123", amount=300000), "try_again_later", "retry_later"),
        Decline(Card("4000111111111115", "123"), "do_not_honor", "soft"),
        Decline(Card(REJECTED_CARD, "123"), "fraud_suspected", "hard"),
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
            "webhooks",
        }
    ),
    webhooks=Webhooks(
        PRIVATE_KEY,
        _sample,
        _sign,
        _strip,
        tolerance_seconds=WEBHOOK_TOLERANCE_SECONDS,
        tamper=_tamper,
    ),
    idempotency_header=None,  # Braintree has none: docs/connectors/braintree.md
    options=OptionsSample(
        {"purchase_order_number": "PO-CONF-1"},
        json_sent(
            "/graphql", ("variables", "input", "transaction", "purchaseOrderNumber"), "PO-CONF-1"
        ),
    ),
    secrets=lambda fake: [fake.private_key],
    specs=("braintree/schema.graphql",),
)
