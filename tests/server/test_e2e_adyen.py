"""Adyen end to end: REST -> the real service process -> the loopback fake.

The fake (tests/fakes/adyen.py) validates every request against CheckoutService-v71.json.
Adyen answers modifications (capture, cancel, refund) with ``received`` and tells the
outcome by webhook only, and has no call to read a payment or a refund back: the
service must say "processing"/"pending" (``awaiting_webhook``) and answer sync and refund
sync with 422 not_supported rather than guess.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.conftest import ServiceProcess, start_service
from tests.fakes.adyen import API_KEY, HMAC_KEY, MERCHANT, THREE_DS_CARD, AdyenFake
from tests.server.client import Api
from tests.server.e2e_support import (
    account_toml,
    assert_log_clean,
    card,
    declared_flows,
    gateway_key,
    service_config,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

ACCOUNT = "adyen-eu"
PAN, CVC = "4111111145551142", "737"
MC_PAN, MC_CVC = "5555341244441115", "4173"
KEY_ENV = "E2E_ADYEN_API_KEY"
RETURN_URL = "https://shop.example/adyen/return"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def adyen() -> AsyncIterator[AdyenFake]:
    fake = AdyenFake()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture(scope="module")
def service(adyen: AdyenFake, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    account = account_toml(
        ACCOUNT,
        "adyen",
        adyen.base_url,
        {"api_key": ("env", KEY_ENV), "webhook_secret": HMAC_KEY},
        {"merchant_account": MERCHANT},
    )
    svc = start_service(
        tmp_path_factory.mktemp("e2e-adyen"),
        service_config(ACCOUNT, account),
        env={KEY_ENV: API_KEY},
    )
    yield svc
    svc.stop()


@pytest.fixture
def api(service: ServiceProcess, adyen: AdyenFake) -> Iterator[Api]:
    yield Api(service.url)
    assert adyen.violations == [], adyen.violations  # every request met the spec


@pytest.fixture
def fake(adyen: AdyenFake) -> AdyenFake:
    return adyen


async def deliver_webhook(api: Api, body: bytes) -> dict[str, Any]:
    """POST a signed notification to the service's receive URL, as Adyen would; return
    the event the service recorded (admin API: the local caller is an admin)."""
    url = f"{api.url}/v1/webhooks/adyen/{ACCOUNT}"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=body, headers={"Content-Type": "application/json"}) as answer,
    ):
        assert answer.status == 200 and await answer.text() == "[accepted]"
    listed = await api.ok("GET", "/v1/admin/webhooks/events")
    item = json.loads(body)["notificationItems"][0]["NotificationRequestItem"]
    wanted = f"{item['pspReference']}:{item['eventCode']}:{item['success']}"
    [summary] = [e for e in listed["data"] if e["connector_event_id"] == wanted]
    return await api.ok("GET", f"/v1/admin/webhooks/events/{summary['id']}")


def payment(
    amount: int, capture: str = "manual", holder: str = "Jane Shopper", **extra: Any
) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": "EUR",
        "capture_method": capture,
        "payment_method": extra.pop("payment_method", None) or card(PAN, CVC, holder),
        **extra,
    }


async def test_connector_declares_no_sync(api: Api) -> None:
    flows = await declared_flows(api, "adyen")
    assert {
        "authorize", "complete_authorize", "capture", "void", "refund",
        "setup_mandate", "charge_mandate", "revoke_mandate",
    } <= flows  # fmt: skip
    assert "sync" not in flows and "refund_sync" not in flows


async def test_authorize_partial_capture_two_refunds_are_honestly_pending(
    api: Api, fake: AdyenFake
) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(10000, reference="ady-order-1"))
    assert auth["status"] == "authorized" and auth["account"] == ACCOUNT
    psp = auth["connector_payment_id"]
    assert fake.payments[psp].manual and fake.payments[psp].status == "authorised"
    assert auth["payment_method"]["card"]["last4"] == "1142"
    pid = auth["id"]

    captured = await api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 6000})
    # "received": the outcome is a webhook, so nothing is claimed yet
    assert captured["status"] == "processing"
    assert captured["pending_reason"] == "awaiting_webhook"
    assert captured["id"] == pid and captured["connector_payment_id"] == psp
    assert fake.payments[psp].captured == 6000
    assert fake.notifications[-1]["eventCode"] == "CAPTURE"
    # ... and the webhook Adyen sends next is what settles it
    event = await deliver_webhook(api, fake.webhook())
    assert event["type"] == "payment.captured"
    settled = event["event"]["data"]["payment"]
    assert settled["connector_payment_id"] == psp and settled["amount_captured"] == 6000

    refunds = []
    for amount in (2000, 1500):
        refund = await api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": amount})
        assert refund["status"] == "pending"
        assert refund["pending_reason"] == "awaiting_webhook"
        assert refund["amount"] == amount and refund["payment_id"] == pid
        assert fake.notifications[-1]["eventCode"] == "REFUND"
        assert fake.notifications[-1]["pspReference"] == refund["connector_refund_id"]
        event = await deliver_webhook(api, fake.webhook())
        assert event["type"] == "refund.succeeded", event
        refunded = event["event"]["data"]["refund"]
        assert refunded["connector_refund_id"] == refund["connector_refund_id"]
        assert refunded["status"] == "succeeded" and refunded["amount"] == amount
        refunds.append(refund)
    assert refunds[0]["connector_refund_id"] != refunds[1]["connector_refund_id"]
    assert fake.payments[psp].refunded == 3500

    # Adyen has no read-back call: sync and refund sync are not declared -> 422
    status, err, _ = await api.call("GET", f"/v1/payments/{pid}")
    assert status == 422 and err["error"]["type"] == "not_supported", err
    status, err, _ = await api.call("GET", f"/v1/refunds/{refunds[0]['id']}")
    assert status == 422 and err["error"]["type"] == "not_supported", err


async def test_purchase_is_captured(api: Api, fake: AdyenFake) -> None:
    purchase = await api.ok("POST", "/v1/payments", payment(2500, capture="automatic"))
    assert purchase["status"] == "captured" and purchase["amount_captured"] == 2500
    sent = fake.requests[-1]
    assert b'"captureDelayHours":0' in (sent.body or b"")
    assert fake.payments[purchase["connector_payment_id"]].status == "captured"


async def test_void_is_pending_the_webhook(api: Api, fake: AdyenFake) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(4200))
    voided = await api.ok("POST", f"/v1/payments/{auth['id']}/void", {"reason": "duplicate"})
    assert voided["status"] == "processing"
    assert voided["pending_reason"] == "awaiting_webhook"
    assert fake.requests[-1].url.endswith(f"/payments/{auth['connector_payment_id']}/cancels")
    assert fake.payments[auth["connector_payment_id"]].status == "cancelled"
    assert fake.notifications[-1]["eventCode"] == "CANCELLATION"


@pytest.mark.parametrize(
    ("holder", "code", "category", "raw"),
    [
        ("NOT_ENOUGH_BALANCE", "insufficient_funds", "soft", "12"),
        ("DECLINED", "generic_decline", "hard", "2"),  # Mastercard advice 03: do not try again
    ],
)
async def test_declines_are_results(
    api: Api, holder: str, code: str, category: str, raw: str
) -> None:
    status, declined, _ = await api.call("POST", "/v1/payments", payment(700, holder=holder))
    assert status == 201, declined
    assert declined["status"] == "failed"
    failure = declined["failure"]
    assert failure["code"] == code and failure["category"] == category, failure
    assert failure["gateway"]["code"] == raw, failure
    if holder == "DECLINED":
        assert failure["advice_code"] == "03"


@pytest.mark.parametrize(
    ("capture", "expected"), [("manual", "authorized"), ("automatic", "captured")]
)
async def test_three_ds_redirect_then_complete(
    api: Api, fake: AdyenFake, capture: str, expected: str
) -> None:
    body = payment(3300, capture=capture, return_url=RETURN_URL,
                   payment_method=card(THREE_DS_CARD, CVC, "Jane Shopper"))  # fmt: skip
    auth = await api.ok("POST", "/v1/payments", body)
    assert auth["status"] == "requires_action"
    action = auth["next_action"]
    assert action["type"] == "redirect" and action["method"] == "GET"
    assert action["url"].startswith(fake.base_url.removesuffix("/v71") + "/threeDS/redirect")
    sent = fake.requests[-1]
    assert RETURN_URL.encode() in (sent.body or b"")  # where Adyen sends the shopper back
    # The shopper authenticates at the issuer; the browser returns with a redirectResult.
    params = {"redirectResult": fake.redirect_result_for(auth["connector_payment_id"])}
    done = await api.ok("POST", f"/v1/payments/{auth['id']}/complete", {"params": params})
    assert done["status"] == expected and done["id"] == auth["id"]
    assert done["connector_payment_id"] == auth["connector_payment_id"]
    status, err, _ = await api.call(  # a redirectResult works once
        "POST", f"/v1/payments/{auth['id']}/complete", {"params": params}
    )
    assert status == 400 and err["error"]["type"] == "invalid_request", err


async def test_mandate_setup_merchant_initiated_charge_and_revoke(
    api: Api, fake: AdyenFake
) -> None:
    mandate = await api.ok("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": card(MC_PAN, MC_CVC, "Jane Shopper"),
        "customer": {"id": "shopper-42", "email": "jane@example.com"},
    })  # fmt: skip
    assert mandate["status"] == "active" and mandate["customer_id"] == "shopper-42"
    assert fake.stored[mandate["connector_mandate_id"]] == "shopper-42"
    mit = {"amount": 1999, "currency": "EUR", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    charge = await api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "captured" and charge["account"] == ACCOUNT
    sent = fake.requests[-1].body or b""
    assert b'"shopperInteraction":"ContAuth"' in sent
    assert mandate["connector_mandate_id"].encode() in sent

    revoked = await api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert revoked["status"] == "revoked"
    assert mandate["connector_mandate_id"] not in fake.stored
    # The service knows the mandate is revoked: a 409, and the gateway is not asked.
    calls = len(fake.requests)
    status, err, _ = await api.call("POST", "/v1/payments", mit)
    assert status == 409 and err["error"]["code"] == "mandate_not_active", err
    assert len(fake.requests) == calls


async def test_idempotency_key_reaches_the_gateway(api: Api, fake: AdyenFake) -> None:
    body = payment(1234, reference="ady-idem-1")
    first_status, first, _ = await api.call(
        "POST", "/v1/payments", body, headers={"Idempotency-Key": "ady-order-1234"}
    )
    assert first_status == 201
    sent = fake.requests[-1]
    assert sent.headers.get("Idempotency-Key") == "pay-" + gateway_key(ACCOUNT, "ady-order-1234")
    count = len(fake.payments)
    status, again, headers = await api.call(
        "POST", "/v1/payments", body, headers={"Idempotency-Key": "ady-order-1234"}
    )
    assert status == 201 and headers.get("idempotent-replayed") == "true"
    assert again["connector_payment_id"] == first["connector_payment_id"]
    assert len(fake.payments) == count
    await api.ok(
        "POST",
        f"/v1/payments/{first['id']}/capture",
        {},
        headers={"Idempotency-Key": "ady-cap-1234"},
    )
    assert fake.requests[-1].headers.get("Idempotency-Key") == "cap-" + gateway_key(
        ACCOUNT, "ady-cap-1234"
    )


async def test_the_log_holds_no_card_data_or_credentials(api: Api, service: ServiceProcess) -> None:
    await api.ok("POST", "/v1/payments", payment(1100))  # at least one exchange to log
    log = assert_log_clean(
        service, card_numbers=[PAN, MC_PAN, THREE_DS_CARD], cvcs=[CVC, MC_CVC],
        secrets=[API_KEY, HMAC_KEY],
    )  # fmt: skip
    assert "connector_service.transcript" in log and "/payments" in log
