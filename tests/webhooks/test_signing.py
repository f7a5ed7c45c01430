"""Standard Webhooks signatures: the official ``standardwebhooks`` package verifies what
the service signs, including during a secret rotation, and rejects any change."""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from connector_service.config import load_config
from connector_service.webhooks.signing import (
    InvalidSecret,
    decode_secret,
    new_secret,
    sign_headers,
)
from tests.webhooks.helpers import ENDPOINT_SECRET, OLD_ENDPOINT_SECRET

BODY = b'{"type":"payment.captured","data":{"payment":{"id":"pay_1"}}}'


def test_the_standardwebhooks_package_verifies_our_signature() -> None:
    now = int(time.time())
    headers = sign_headers([decode_secret(ENDPOINT_SECRET)], "evt_1", now, BODY)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(ENDPOINT_SECRET).verify(BODY, headers) == {
        "type": "payment.captured",
        "data": {"payment": {"id": "pay_1"}},
    }


def test_rotation_signs_with_every_secret_and_either_verifies() -> None:
    keys = [decode_secret(ENDPOINT_SECRET), decode_secret(OLD_ENDPOINT_SECRET)]
    headers = sign_headers(keys, "evt_2", int(time.time()), BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(ENDPOINT_SECRET).verify(BODY, headers)
    Webhook(OLD_ENDPOINT_SECRET).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


@pytest.mark.parametrize(
    "change",
    ["body", "id", "timestamp", "stale"],
)
def test_any_change_fails_verification(change: str) -> None:
    now = int(time.time())
    headers = sign_headers([decode_secret(ENDPOINT_SECRET)], "evt_3", now, BODY)
    body = BODY
    if change == "body":
        body = BODY.replace(b"pay_1", b"pay_2")
    elif change == "id":
        headers["webhook-id"] = "evt_4"
    elif change == "timestamp":
        headers["webhook-timestamp"] = str(now + 1)
    else:
        headers = sign_headers([decode_secret(ENDPOINT_SECRET)], "evt_3", now - 3600, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(ENDPOINT_SECRET).verify(body, headers)


def test_new_secrets_are_valid_and_distinct() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and a.startswith("whsec_")
    assert len(decode_secret(a)) == 24


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "starts with 'whsec_'"),
        ("whsec_***not-base64***", "not base64"),
        ("whsec_c2hvcnQ=", "16-64 bytes"),
    ],
)
def test_bad_secrets_are_config_problems_without_the_value(secret: str, problem: str) -> None:
    with pytest.raises(InvalidSecret):
        decode_secret(secret)
    config = load_config(
        data={
            "webhook_endpoints": [
                {"id": "shop", "url": "https://shop.example/hooks", "secret": secret}
            ]
        },
        strict=False,
    )
    assert any(problem in p for p in config.problems), config.problems
    assert not any(secret in p for p in config.problems)


def test_config_names_every_endpoint_problem() -> None:
    config = load_config(
        data={
            "webhooks": {"timeout_seconds": 30, "lease_seconds": 10},
            "webhook_endpoints": [
                {"id": "a", "url": "ftp://x", "secret": ENDPOINT_SECRET},
                {"id": "a", "url": "https://x", "secret": ENDPOINT_SECRET},
                {"id": "b", "url": "https://x", "secret": ENDPOINT_SECRET,
                 "event_types": ["payment.capturd", "refund.*"], "accounts": ["nope"]},
            ],
        },
        strict=False,
    )  # fmt: skip
    text = "\n".join(config.problems)
    assert "lease_seconds must exceed" in text
    assert "'a': url must be an http(s) URL" in text
    assert "'a': duplicate endpoint id" in text
    assert "unknown event type 'payment.capturd'" in text
    assert "'b': unknown account 'nope'" in text
    assert "refund.*" not in text


def test_endpoint_filters() -> None:
    config = load_config(
        data={
            "accounts": [{"id": "sandbox", "connector": "sandbox"}],
            "webhook_endpoints": [
                {"id": "all", "url": "https://x", "secret": ENDPOINT_SECRET},
                {"id": "pay", "url": "https://x", "secret": ENDPOINT_SECRET,
                 "event_types": ["payment.*", "refund.succeeded"], "accounts": ["sandbox"]},
            ],
        }
    )  # fmt: skip
    every, pay = config.webhook_endpoints["all"], config.webhook_endpoints["pay"]
    assert every.wants("other", "dispute.opened")
    assert pay.wants("sandbox", "payment.failed") and pay.wants("sandbox", "refund.succeeded")
    assert not pay.wants("sandbox", "refund.failed")
    assert not pay.wants("other", "payment.captured")
