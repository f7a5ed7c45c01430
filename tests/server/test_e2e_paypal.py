"""PayPal end to end: REST -> the real service process -> the loopback fake.

The fake (tests/fakes/paypal.py) validates every request against PayPal's published
specs and demands a Bearer token it issued. The service fetches the OAuth token once per
account, keeps it in its storage and reuses it; when PayPal stops accepting it (the fake
revokes it) the service fetches a new one and repeats the refused call once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.conftest import ServiceProcess, start_service
from tests.fakes.paypal import CLIENT_ID, CLIENT_SECRET, THREE_DS_CARD, PayPalFake
from tests.server.client import Api
from tests.server.e2e_support import (
    account_toml,
    assert_log_clean,
    card,
    declared_flows,
    gateway_key,
    service_config,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore:Unsupported scheme type"),
]

ACCOUNT = "paypal-us"
PAN, CVC = "4111111111111111", "739"
MC_PAN, MC_CVC = "5105105105105100", "8417"
SECRET_ENV = "E2E_PAYPAL_CLIENT_SECRET"
RETURN_URL = "https://shop.example/paypal/return"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def paypal() -> AsyncIterator[PayPalFake]:
    fake = PayPalFake()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture(scope="module")
def service(
    paypal: PayPalFake, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    account = account_toml(
        ACCOUNT,
        "paypal",
        paypal.base_url,
        {"client_id": CLIENT_ID, "client_secret": ("env", SECRET_ENV)},
        paypal.options,
    )
    svc = start_service(
        tmp_path_factory.mktemp("e2e-paypal"),
        service_config(ACCOUNT, account),
        env={SECRET_ENV: CLIENT_SECRET},
    )
    yield svc
    svc.stop()


@pytest.fixture
def api(service: ServiceProcess, paypal: PayPalFake) -> Iterator[Api]:
    yield Api(service.url)
    assert paypal.violations == [], paypal.violations  # every request met the specs


@pytest.fixture
def fake(paypal: PayPalFake) -> PayPalFake:
    return paypal


def token_requests(fake: PayPalFake) -> int:
    return sum(1 for _, path, _ in fake.requests if path == "/v1/oauth2/token")


def payment(
    amount: int, capture: str = "manual", holder: str = "Jane Doe", **extra: Any
) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": "USD",
        "capture_method": capture,
        "payment_method": extra.pop("payment_method", None) or card(PAN, CVC, holder),
        **extra,
    }


async def test_connector_declares_every_flow(api: Api) -> None:
    flows = await declared_flows(api, "paypal")
    assert {
        "authorize", "complete_authorize", "capture", "void", "refund", "sync", "refund_sync",
        "setup_mandate", "charge_mandate", "revoke_mandate",
    } <= flows  # fmt: skip


async def test_authorize_partial_capture_two_refunds_then_syncs(api: Api, fake: PayPalFake) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(10000, reference="pp-order-1"))
    assert auth["status"] == "authorized" and auth["account"] == ACCOUNT
    order = auth["connector_payment_id"]
    assert fake.orders[order]["intent"] == "AUTHORIZE"
    pid = auth["id"]

    captured = await api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 6000})
    assert captured["status"] == "partially_captured" and captured["amount_captured"] == 6000
    assert captured["id"] == pid

    refunds = []
    for amount in (2000, 1500):
        refund = await api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": amount})
        assert refund["status"] == "succeeded" and refund["amount"] == amount
        assert refund["payment_id"] == pid
        refunds.append(refund)
    assert refunds[0]["connector_refund_id"] != refunds[1]["connector_refund_id"]
    [capture_id] = fake.orders[order]["captures"]
    assert fake.captures[capture_id]["status"] == "PARTIALLY_REFUNDED"
    assert len(fake.captures[capture_id]["refunds"]) == 2

    status, err, _ = await api.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 2600})
    assert status == 400 and err["error"]["code"] == "amount_too_large", err

    synced = await api.ok("GET", f"/v1/payments/{pid}")
    assert synced["status"] == "partially_captured" and synced["amount_captured"] == 6000
    for refund in refunds:
        again = await api.ok("GET", f"/v1/refunds/{refund['id']}")
        assert again["status"] == "succeeded" and again["amount"] == refund["amount"]


async def test_purchase_is_captured_and_refundable(api: Api, fake: PayPalFake) -> None:
    purchase = await api.ok("POST", "/v1/payments", payment(2500, capture="automatic"))
    assert purchase["status"] == "captured" and purchase["amount_captured"] == 2500
    assert fake.orders[purchase["connector_payment_id"]]["intent"] == "CAPTURE"
    refund = await api.ok("POST", f"/v1/payments/{purchase['id']}/refunds", {})
    assert refund["status"] == "succeeded" and refund["amount"] == 2500
    synced = await api.ok("GET", f"/v1/payments/{purchase['id']}")
    assert synced["status"] == "captured"


async def test_void(api: Api, fake: PayPalFake) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(4200))
    voided = await api.ok("POST", f"/v1/payments/{auth['id']}/void", {"reason": "duplicate"})
    assert voided["status"] == "voided"
    synced = await api.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["status"] == "voided"
    [auth_id] = fake.orders[auth["connector_payment_id"]]["authorizations"]
    assert fake.authorizations[auth_id]["status"] == "VOIDED"
    status, err, _ = await api.call("POST", f"/v1/payments/{auth['id']}/void", {})
    assert status == 409 and err["error"]["code"] == "payment_already_voided", err


@pytest.mark.parametrize(
    ("holder", "code", "category", "raw"),
    [
        ("CCREJECT-REFUSED", "do_not_honor", "soft", "0500"),
        ("CCREJECT-IF", "insufficient_funds", "retry_later", "5120"),
        ("CCREJECT-SF", "fraud_suspected", "hard", "9500"),
    ],
)
async def test_declines_are_results(
    api: Api, holder: str, code: str, category: str, raw: str
) -> None:
    status, declined, _ = await api.call("POST", "/v1/payments", payment(700, holder=holder))
    assert status == 201, declined
    assert declined["status"] == "failed" and declined["connector_payment_id"]
    failure = declined["failure"]
    assert failure["code"] == code and failure["category"] == category, failure
    assert failure["gateway"]["code"] == raw, failure


async def payer_action(fake: PayPalFake, order: str, outcome: str) -> None:
    """What PayPal's 3-D Secure page does once the payer is done (the fake's helper)."""
    url = f"{fake.base_url}/__fake__/payer-action/{order}"
    async with (
        aiohttp.ClientSession() as browser,
        browser.post(url, params={"outcome": outcome}) as page,
    ):
        assert page.status == 204


async def test_three_ds_payer_action_then_complete(api: Api, fake: PayPalFake) -> None:
    body = payment(3300, return_url=RETURN_URL, payment_method=card(THREE_DS_CARD, CVC, "Jane"))
    auth = await api.ok("POST", "/v1/payments", body)
    assert auth["status"] == "requires_action"
    order = auth["connector_payment_id"]
    assert auth["next_action"]["url"].startswith(fake.base_url)
    assert f"cart_id={order}" in auth["next_action"]["url"]
    complete = {"params": {"token": order}}
    still = await api.ok("POST", f"/v1/payments/{auth['id']}/complete", complete)
    assert still["status"] == "requires_action"  # the payer has not finished yet
    await payer_action(fake, order, "Y")  # the payer passes the challenge
    done = await api.ok("POST", f"/v1/payments/{auth['id']}/complete", complete)
    assert done["status"] == "authorized" and done["id"] == auth["id"]
    captured = await api.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
    assert captured["status"] == "captured" and captured["amount_captured"] == 3300


async def test_three_ds_failure_does_not_charge(api: Api, fake: PayPalFake) -> None:
    body = payment(3400, capture="automatic", payment_method=card(THREE_DS_CARD, CVC, "Jane"))
    auth = await api.ok("POST", "/v1/payments", body)
    order = auth["connector_payment_id"]
    await payer_action(fake, order, "N")  # the payer fails it
    done = await api.ok("POST", f"/v1/payments/{auth['id']}/complete", {"params": {}})
    assert done["status"] == "failed" and done["failure"]["code"] == "authentication_failed"
    assert fake.orders[order]["captures"] == []
    # A failed authentication stays failed: the sync reads it from the order itself.
    synced = await api.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["status"] == "failed", synced
    assert synced["failure"]["code"] == "authentication_failed"
    assert fake.orders[order]["captures"] == [] and fake.orders[order]["authorizations"] == []


async def test_mandate_setup_merchant_initiated_charge_and_revoke(
    api: Api, fake: PayPalFake
) -> None:
    mandate = await api.ok("POST", "/v1/mandates", {
        "currency": "USD", "payment_method": card(MC_PAN, MC_CVC, "Jane Doe"),
        "customer": {"id": "cus_1001"},
    })  # fmt: skip
    assert mandate["status"] == "active" and mandate["customer_id"] == "cus_1001"
    assert mandate["connector_mandate_id"] in fake.vault
    mit = {"amount": 1999, "currency": "USD", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    charge = await api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "captured" and charge["amount_captured"] == 1999
    sent = [b for m, p, b in fake.requests if m == "POST" and p == "/v2/checkout/orders"][-1]
    source = sent["payment_source"]["card"]
    assert source["vault_id"] == mandate["connector_mandate_id"]
    assert source["stored_credential"]["payment_initiator"] == "MERCHANT"

    revoked = await api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert revoked["status"] == "revoked"
    assert mandate["connector_mandate_id"] not in fake.vault
    status, err, _ = await api.call("POST", "/v1/payments", mit)
    assert 400 <= status < 500, err


async def test_paypal_request_id_reaches_the_gateway(api: Api, fake: PayPalFake) -> None:
    body = payment(1234, reference="pp-idem-1")
    first_status, first, _ = await api.call(
        "POST", "/v1/payments", body, headers={"Idempotency-Key": "pp-order-1234"}
    )
    assert first_status == 201
    assert ("/v2/checkout/orders", gateway_key(ACCOUNT, "pp-order-1234")) in fake.replies
    count = len(fake.orders)
    status, again, headers = await api.call(
        "POST", "/v1/payments", body, headers={"Idempotency-Key": "pp-order-1234"}
    )
    assert status == 201 and headers.get("idempotent-replayed") == "true"
    assert again["connector_payment_id"] == first["connector_payment_id"]
    assert len(fake.orders) == count
    await api.ok(
        "POST", f"/v1/payments/{first['id']}/capture", {}, headers={"Idempotency-Key": "pp-cap-1"}
    )
    [auth_id] = fake.orders[first["connector_payment_id"]]["authorizations"]
    capture_path = f"/v2/payments/authorizations/{auth_id}/capture"
    assert (capture_path, gateway_key(ACCOUNT, "pp-cap-1")) in fake.replies


async def test_oauth_token_is_fetched_once_and_reused(api: Api, fake: PayPalFake) -> None:
    await api.ok("POST", "/v1/payments", payment(1500))  # at least one call made
    before = token_requests(fake)
    auth = await api.ok("POST", "/v1/payments", payment(1600))
    await api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 1000})
    await api.ok("GET", f"/v1/payments/{auth['id']}")
    assert token_requests(fake) == before
    # one token for the whole module so far: every earlier call reused it
    assert token_requests(fake) == 1 and len(fake.tokens) == 1


async def test_revoked_token_is_refreshed_once(api: Api, fake: PayPalFake) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(1700))
    before = token_requests(fake)
    fake.revoke_tokens()
    synced = await api.ok("GET", f"/v1/payments/{auth['id']}")  # 401, new token, again
    assert synced["status"] == "authorized"
    assert token_requests(fake) == before + 1 and len(fake.tokens) == 1
    captured = await api.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
    assert captured["status"] == "captured"
    assert token_requests(fake) == before + 1  # the new token is the one reused


async def test_concurrent_calls_share_one_token_refresh(api: Api, fake: PayPalFake) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(1800))
    before = token_requests(fake)
    fake.revoke_tokens()
    answers = await asyncio.gather(
        *(api.call("GET", f"/v1/payments/{auth['id']}") for _ in range(8))
    )
    assert [status for status, _, _ in answers] == [200] * 8
    assert token_requests(fake) == before + 1  # one refresh serves every waiting call


async def test_a_retry_with_the_same_reference_is_a_new_attempt(api: Api, fake: PayPalFake) -> None:
    declined = await api.ok(
        "POST", "/v1/payments", payment(1313, holder="CCREJECT-IF", reference="pp-order-retry")
    )
    assert declined["status"] == "failed"
    retry = await api.ok("POST", "/v1/payments", payment(1414, reference="pp-order-retry"))
    assert retry["amount"] == 1414
    assert retry["connector_payment_id"] != declined["connector_payment_id"]
    assert retry["status"] == "authorized"


async def test_the_log_holds_no_card_data_or_credentials(api: Api, service: ServiceProcess) -> None:
    await api.ok("POST", "/v1/payments", payment(1100))  # at least one exchange to log
    log = assert_log_clean(
        service, card_numbers=[PAN, MC_PAN, THREE_DS_CARD], cvcs=[CVC, MC_CVC],
        secrets=[CLIENT_ID, CLIENT_SECRET],
    )  # fmt: skip
    assert "connector_service.transcript" in log and "/v2/checkout/orders" in log
    assert "Authorization: [REDACTED]" in log  # the Bearer header of every call, masked


async def test_the_log_holds_no_oauth_access_token(
    api: Api, service: ServiceProcess, fake: PayPalFake
) -> None:
    await api.ok("POST", "/v1/payments", payment(1200))
    assert fake.tokens  # the token(s) PayPal issued to the service: bearer credentials
    assert_log_clean(service, card_numbers=[], cvcs=[], secrets=sorted(fake.tokens))
