"""``metadata`` is answered wherever the payment or refund is shown, not only on create.

Why: issue 17 item 8 — the create echoed the caller's metadata and GET dropped it. The
service keeps the caller's metadata in the payment's (refund's) fact record, so every
connector answers it alike: sandbox and Stripe on GET, capture and void; Adyen (no read
at the gateway) on capture, refunds and in its webhook events' payment documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from connector_service.testing.profile import ConnectorProfile
from connector_service.testing.profiles.adyen import PROFILE as ADYEN
from connector_service.testing.profiles.sandbox import PROFILE as SANDBOX
from connector_service.testing.profiles.stripe import PROFILE as STRIPE
from connector_service.testing.rig import Rig, open_rig
from tests.server.specifics import payment

META = {"order": "ord_1234", "note": "gift wrap"}
REFUND_META = {"ticket": "T-77"}


@pytest.fixture(scope="module", params=[SANDBOX, STRIPE], ids=lambda p: p.connector)
def syncing(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Rig]:
    profile: ConnectorProfile = request.param
    with open_rig(profile, tmp_path_factory.mktemp(f"meta-{profile.connector}")) as rig:
        yield rig


@pytest.fixture(scope="module")
def adyen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(ADYEN, tmp_path_factory.mktemp("meta-adyen")) as rig:
        yield rig


def test_get_capture_and_refunds_answer_the_create_metadata(syncing: Rig) -> None:
    api = syncing.api
    created = api.ok("POST", "/v1/payments", payment(syncing, 5000, metadata=META))
    assert created["metadata"] == META
    pid = created["id"]
    assert api.ok("GET", f"/v1/payments/{pid}")["metadata"] == META
    captured = api.ok("POST", f"/v1/payments/{pid}/capture", {})
    assert captured["metadata"] == META
    assert api.ok("GET", f"/v1/payments/{pid}")["metadata"] == META
    refund = api.ok(
        "POST", f"/v1/payments/{pid}/refunds", {"amount": 1000, "metadata": REFUND_META}
    )
    assert refund["metadata"] == REFUND_META
    assert api.ok("GET", f"/v1/refunds/{refund['id']}")["metadata"] == REFUND_META


def test_void_answers_the_create_metadata(syncing: Rig) -> None:
    api = syncing.api
    pid = api.ok("POST", "/v1/payments", payment(syncing, 4000, metadata=META))["id"]
    assert api.ok("POST", f"/v1/payments/{pid}/void", {})["metadata"] == META


def test_a_payment_without_metadata_answers_none(syncing: Rig) -> None:
    api = syncing.api
    pid = api.ok("POST", "/v1/payments", payment(syncing, 3000))["id"]
    assert "metadata" not in api.ok("GET", f"/v1/payments/{pid}")


def _deliver(rig: Rig, body: bytes) -> dict[str, Any]:
    """POST a notification as Adyen would; the event the service recorded."""
    status, reply, _ = rig.api.call(
        "POST", f"/v1/webhooks/adyen/{rig.account}", raw=body,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 200 and reply == "[accepted]", reply
    item = json.loads(body)["notificationItems"][0]["NotificationRequestItem"]
    wanted = f"{item['pspReference']}:{item['eventCode']}:{item['success']}"
    listed = rig.api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    [summary] = [e for e in listed if e["connector_event_id"] == wanted]
    return rig.api.ok("GET", f"/v1/admin/webhooks/events/{summary['id']}")


def test_adyen_capture_refund_and_webhook_events_carry_metadata(adyen: Rig) -> None:
    api, fake = adyen.api, adyen.fake
    assert fake is not None
    pid = api.ok("POST", "/v1/payments", payment(adyen, 8000, metadata=META))["id"]
    assert api.ok("POST", f"/v1/payments/{pid}/capture", {})["metadata"] == META
    event = _deliver(adyen, fake.webhook())
    assert event["type"] == "payment.captured"
    assert event["event"]["data"]["payment"]["metadata"] == META
    refund = api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 500, "metadata": REFUND_META})
    assert refund["metadata"] == REFUND_META
    event = _deliver(adyen, fake.webhook())
    assert event["type"] == "refund.succeeded"
    assert event["event"]["data"]["refund"]["metadata"] == REFUND_META
