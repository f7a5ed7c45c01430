"""The pipeline is generic: real connectors' webhooks go through the very same receive
path as the sandbox's — Stripe and Checkout.com (signed headers), Adyen (an HMAC in each
item, several merchant accounts told apart by the account hint) and PayPal (verified by
PayPal's API through the executor, with a cached OAuth token, over loopback HTTP against
the PayPal fake). Each test is skipped while its connector is not in the tree yet."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from connector_service.config import load_config
from connector_service.domain.errors import ServiceError
from connector_service.runtime import Runtime
from tests.webhooks.helpers import ENDPOINT_SECRET

FIXTURES = Path(__file__).resolve().parents[1] / "connectors" / "fixtures"


@asynccontextmanager
async def runtime(tmp_path: Path, accounts: list[dict[str, Any]]) -> AsyncIterator[Runtime]:
    config = load_config(
        data={
            "storage": {"url": f"sqlite:///{tmp_path / 'c.db'}"},
            "webhooks": {"deliver": False, "sandbox_events": "off"},
            "accounts": accounts,
            "webhook_endpoints": [
                {"id": "shop", "url": "http://127.0.0.1:9/h", "secret": ENDPOINT_SECRET}
            ],
        }
    )
    rt = Runtime(config)
    await rt.start()
    try:
        yield rt
    finally:
        await rt.stop()


async def receive(
    rt: Runtime, connector: str, account: str | None, headers: dict[str, str], body: bytes
) -> tuple[int, bytes]:
    try:
        reply = await rt.webhooks.receiver.receive(connector, account, headers, body)
    except ServiceError as err:
        return err.http_status, err.code.encode()
    return reply.status, reply.body


async def stored(rt: Runtime) -> list[dict[str, Any]]:
    return [json.loads(e.payload) for e in await rt.webhooks.store.list_events()]


def need(module: str) -> None:
    pytest.importorskip(module, reason=f"{module} is not in the tree yet")


def hmac_hex(key: str, data: bytes) -> str:
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


async def test_stripe(tmp_path: Path) -> None:
    need("connector_service.connectors.stripe")
    secret = "whsec_stripe_test_secret"
    body = (FIXTURES / "stripe" / "evt_payment_intent_succeeded.json").read_bytes()

    def sign(payload: bytes, key: str = secret, at: int | None = None) -> dict[str, str]:
        t = int(time.time()) if at is None else at
        return {"Stripe-Signature": f"t={t},v1={hmac_hex(key, f'{t}.'.encode() + payload)}"}

    accounts = [{"id": "stripe-eu", "connector": "stripe",
                 "credentials": {"api_key": "sk_test_x", "webhook_secret": secret}}]  # fmt: skip
    async with runtime(tmp_path, accounts) as rt:
        assert (await receive(rt, "stripe", "stripe-eu", sign(body), body))[0] == 200
        assert (await receive(rt, "stripe", None, sign(body), body))[0] == 200  # duplicate
        assert (await receive(rt, "stripe", None, sign(body, "whsec_other"), body))[0] == 401
        stale = sign(body, at=int(time.time()) - 3600)
        assert (await receive(rt, "stripe", None, stale, body))[0] == 401
        [event] = await stored(rt)
    assert event["type"] == "payment.captured" and event["connector"] == "stripe"
    assert event["connector_event_id"] == "evt_3OBpTqLkdIwHu7ix1cXcD0nM"
    assert event["data"]["payment"]["connector_payment_id"] == "pi_3OBpTqLkdIwHu7ix1c8yVZ4N"
    assert event["data"]["payment"]["amount"] == 2000


async def test_checkout(tmp_path: Path) -> None:
    need("connector_service.connectors.checkout")
    secret = "cko-webhook-signature-key"
    accounts = [{"id": "cko", "connector": "checkout",
                 "credentials": {"secret_key": "sk_sbox_x", "webhook_secret": secret}}]  # fmt: skip
    async with runtime(tmp_path, accounts) as rt:
        for name in ("webhook_payment_captured", "webhook_payment_refunded",
                     "webhook_dispute_evidence_required"):  # fmt: skip
            body = (FIXTURES / "checkout" / f"{name}.json").read_bytes()
            headers = {"Cko-Signature": hmac_hex(secret, body)}
            assert (await receive(rt, "checkout", "cko", headers, body))[0] == 200
        forged = {"Cko-Signature": hmac_hex("nope", body)}
        assert (await receive(rt, "checkout", "cko", forged, body))[0] == 401
        types = sorted(e["type"] for e in await stored(rt))
    assert types == ["dispute.opened", "payment.captured", "refund.succeeded"]


async def test_paystack_accounts_are_told_apart_by_their_secret_key(tmp_path: Path) -> None:
    """Paystack signs with the account's secret key and sends no account hint: the
    account is the one whose key verifies. A replay (Paystack signs no timestamp) is the
    same derived event id, stored once."""
    need("connector_service.connectors.paystack")
    keys = {"ps-ng": "sk_test_" + "a1" * 20, "ps-gh": "sk_test_" + "b2" * 20}
    accounts = [{"id": name, "connector": "paystack", "credentials": {"secret_key": key}}
                for name, key in keys.items()]  # fmt: skip
    body = (FIXTURES / "paystack" / "webhook_charge_success.json").read_bytes()

    def sign(key: str) -> dict[str, str]:
        return {"x-paystack-signature": hmac.new(key.encode(), body, hashlib.sha512).hexdigest()}

    async with runtime(tmp_path, accounts) as rt:
        assert (await receive(rt, "paystack", None, sign(keys["ps-gh"]), body))[0] == 200
        assert (await receive(rt, "paystack", None, sign(keys["ps-gh"]), body))[0] == 200
        assert (await receive(rt, "paystack", None, sign("sk_test_other"), body))[0] == 401
        assert (await receive(rt, "paystack", "ps-gh", {}, body))[0] == 401
        [event] = await stored(rt)
    assert event["account"] == "ps-gh" and event["type"] == "payment.captured"
    assert event["connector_event_id"] == "charge.success:4099260516"


async def test_square_accounts_are_told_apart_by_key_and_notification_url(
    tmp_path: Path,
) -> None:
    """Square signs the subscription's notification URL and the body with its signature
    key: an account verifies only with both its key and its URL. A replay (Square signs
    no timestamp) carries the same event_id and is stored once."""
    need("connector_service.connectors.square")
    urls = {"sq-us": "https://shop.example/hooks/us", "sq-ca": "https://shop.example/hooks/ca"}
    accounts = [{"id": name, "connector": "square",
                 "credentials": {"access_token": "EAAA-" + name,
                                 "webhook_signature_key": "k-" + name},
                 "options": {"webhook_notification_url": url}}
                for name, url in urls.items()]  # fmt: skip
    body = (FIXTURES / "square" / "webhook_payment_updated.json").read_bytes()

    def sign(key: str, url: str) -> dict[str, str]:
        mac = hmac.new(key.encode(), url.encode() + body, hashlib.sha256).digest()
        return {"x-square-hmacsha256-signature": base64.b64encode(mac).decode()}

    async with runtime(tmp_path, accounts) as rt:
        good = sign("k-sq-ca", urls["sq-ca"])
        assert (await receive(rt, "square", None, good, body))[0] == 200
        assert (await receive(rt, "square", None, good, body))[0] == 200  # a replay
        assert (await receive(rt, "square", None, sign("k-sq-ca", urls["sq-us"]), body))[0] == 401
        assert (await receive(rt, "square", "sq-us", good, body))[0] == 401
        [event] = await stored(rt)
    assert event["account"] == "sq-ca" and event["type"] == "payment.captured"
    assert event["connector_event_id"] == "6a8f5f28-54a1-4eb0-a98a-3111513fd4fc"


async def test_braintree_accounts_are_told_apart_by_their_key_pair(tmp_path: Path) -> None:
    """Braintree's form names the signing public key in ``bt_signature``; the account is
    the one whose pair verifies. A redelivery (same notification, same timestamp) is the
    same derived event id, stored once."""
    need("connector_service.connectors.braintree")
    from connector_service.testing.fakes.braintree import sign_notification

    keys = {"bt-us": ("pub_us_7f2a", "priv-us-" + "c3" * 12),
            "bt-eu": ("pub_eu_9b1d", "priv-eu-" + "d4" * 12)}  # fmt: skip
    accounts = [{"id": name, "connector": "braintree",
                 "credentials": {"public_key": pub, "private_key": priv}}
                for name, (pub, priv) in keys.items()]  # fmt: skip
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    xml = (f'<notification><timestamp type="datetime">{stamp}</timestamp>'
           "<kind>transaction_settled</kind><subject><transaction><id>k2x9d4pa</id>"
           "<status>settled</status><amount>20.00</amount>"
           "<currency-iso-code>USD</currency-iso-code></transaction></subject>"
           "</notification>").encode()  # fmt: skip
    good = sign_notification(xml, *keys["bt-eu"])
    async with runtime(tmp_path, accounts) as rt:
        assert (await receive(rt, "braintree", None, {}, good))[0] == 200
        assert (await receive(rt, "braintree", None, {}, good))[0] == 200
        forged = sign_notification(xml, keys["bt-eu"][0], "priv-other")
        assert (await receive(rt, "braintree", None, {}, forged))[0] == 401
        assert (await receive(rt, "braintree", "bt-us", {}, good))[0] == 401
        [event] = await stored(rt)
    assert event["account"] == "bt-eu" and event["type"] == "payment.captured"
    assert event["connector_event_id"] == f"transaction_settled:k2x9d4pa:{stamp}"


async def test_adyen_accounts_are_told_apart_by_the_hint(tmp_path: Path) -> None:
    need("connector_service.connectors.adyen")
    adyen_fake = pytest.importorskip("tests.fakes.adyen")
    other_key = "A" * 64
    accounts = [
        {"id": "adyen-a", "connector": "adyen", "options": {"merchant_account": "OtherMerchant"},
         "credentials": {"api_key": "k1", "webhook_secret": other_key}},
        {"id": "adyen-b", "connector": "adyen",
         "options": {"merchant_account": adyen_fake.MERCHANT},
         "credentials": {"api_key": "k2", "webhook_secret": adyen_fake.HMAC_KEY}},
    ]  # fmt: skip
    item = json.loads((FIXTURES / "adyen" / "webhooks.json").read_text())["authorisation"]
    body = adyen_fake.notification(item)
    async with runtime(tmp_path, accounts) as rt:
        assert await receive(rt, "adyen", None, {}, body) == (200, b"[accepted]")
        forged = adyen_fake.notification(item, hex_key=other_key[:-2] + "BB")
        assert (await receive(rt, "adyen", None, {}, forged))[0] == 401
        [event] = await stored(rt)
    assert event["account"] == "adyen-b"
    assert event["type"] == "payment.authorized"


@pytest.mark.filterwarnings("ignore:Unsupported scheme type")
async def test_paypal_is_verified_through_its_api(tmp_path: Path) -> None:
    need("connector_service.connectors.paypal")
    fakes = pytest.importorskip("tests.fakes.paypal")
    fake = fakes.PayPalFake()
    await fake.start()
    body = (FIXTURES / "paypal" / "webhook_capture_completed.json").read_bytes()
    accounts = [{"id": "paypal", "connector": "paypal", "base_url": fake.base_url,
                 "credentials": fake.credentials, "options": fake.options}]  # fmt: skip
    try:
        async with runtime(tmp_path, accounts) as rt:
            headers = fake.webhook_headers(body)
            assert (await receive(rt, "paypal", "paypal", headers, body))[0] == 200
            assert (await receive(rt, "paypal", None, headers, body))[0] == 200  # duplicate
            forged = fake.webhook_headers(body, key=b"not-paypals-key")
            assert (await receive(rt, "paypal", "paypal", forged, body))[0] == 401
            [event] = await stored(rt)
            verifications = [
                p for _, p, _ in fake.requests if p.endswith("verify-webhook-signature")
            ]
            tokens = [p for _, p, _ in fake.requests if p.endswith("/oauth2/token")]
    finally:
        await fake.close()
    assert event["type"] == "payment.captured" and event["connector"] == "paypal"
    assert len(verifications) == 3 and len(tokens) == 1  # one token, cached
    assert fake.violations == []
