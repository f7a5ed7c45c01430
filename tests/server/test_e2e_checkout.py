"""Checkout.com end to end: REST -> the real service process -> the loopback fake.

The fake (tests/fakes/checkout.py) validates every request against Checkout.com's
published specs; one NAS account (Bearer key + processing channel, both specs) and one
ABC account (raw key) point at two fakes. Captures, voids and refunds answer 202 at
Checkout.com: the service must report them as pending until a sync proves them done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
import pytest_asyncio

from tests.conftest import ServiceProcess, start_service
from tests.fakes.checkout import CheckoutFake, start_fake
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

NAS, ABC = "checkout-nas", "checkout-abc"
PAN, CVC = "4242424242424242", "7319"
MC_PAN, MC_CVC = "5555555555554444", "6042"
RETURN_URL = "https://shop.example/return?order=77"
SECRET_ENV = "E2E_CHECKOUT_NAS_SECRET"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fakes() -> AsyncIterator[dict[str, CheckoutFake]]:
    nas, nas_runner = await start_fake("nas")
    abc, abc_runner = await start_fake("abc")
    try:
        yield {NAS: nas, ABC: abc}
    finally:
        await nas_runner.cleanup()
        await abc_runner.cleanup()


@pytest.fixture(scope="module")
def service(
    fakes: dict[str, CheckoutFake], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    nas, abc = fakes[NAS], fakes[ABC]
    config = service_config(
        NAS,
        # the NAS key comes from the environment, the ABC key is written literally
        account_toml(NAS, "checkout", nas.base_url, {"secret_key": ("env", SECRET_ENV)},
                     nas.options),
        account_toml(ABC, "checkout", abc.base_url, abc.credentials, abc.options),
    )  # fmt: skip
    svc = start_service(
        tmp_path_factory.mktemp("e2e-checkout"), config, env={SECRET_ENV: nas.secret}
    )
    yield svc
    svc.stop()


@pytest.fixture
def api(service: ServiceProcess, fakes: dict[str, CheckoutFake]) -> Iterator[Api]:
    yield Api(service.url)
    for each in fakes.values():  # every request the service sent met the gateway's spec
        assert each.violations == [], each.violations


@pytest.fixture
def fake(fakes: dict[str, CheckoutFake]) -> CheckoutFake:
    return fakes[NAS]


def payment(amount: int, capture: str = "manual", **extra: object) -> dict[str, object]:
    return {
        "amount": amount,
        "currency": "EUR",
        "capture_method": capture,
        "payment_method": card(PAN, CVC),
        **extra,
    }


async def test_connector_declares_every_flow(api: Api) -> None:
    flows = await declared_flows(api, "checkout")
    assert {
        "authorize", "complete_authorize", "capture", "void", "refund", "sync", "refund_sync",
        "setup_mandate", "charge_mandate", "revoke_mandate", "complete_mandate",
    } <= flows  # fmt: skip
    data = await api.ok("GET", "/v1/connectors")
    checkout = next(c for c in data["data"] if c["name"] == "checkout")
    assert checkout["accounts"] == [NAS, ABC]


async def test_authorize_partial_capture_two_refunds_then_syncs(
    api: Api, fake: CheckoutFake
) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(10000, reference="ck-order-1"))
    assert auth["status"] == "authorized" and auth["account"] == NAS
    assert auth["connector_payment_id"].startswith("pay_")
    assert auth["payment_method"]["card"]["last4"] == "4242"
    pid = auth["id"]
    gateway = fake.payments[auth["connector_payment_id"]]
    assert gateway.status == "Authorized" and not gateway.capture

    captured = await api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 6000})
    # 202 Accepted at Checkout.com: honestly pending, not captured yet
    assert captured["status"] == "processing"
    assert captured["pending_reason"] == "capture_pending"
    assert captured["id"] == pid
    assert gateway.captured == 6000

    refunds = []
    for amount in (2000, 1000):
        refund = await api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": amount})
        assert refund["status"] == "pending" and refund["pending_reason"] == "refund_pending"
        assert refund["amount"] == amount and refund["payment_id"] == pid
        assert refund["connector_refund_id"].startswith("act_")
        refunds.append(refund)
    assert refunds[0]["id"] != refunds[1]["id"]
    assert gateway.refunded == 3000

    synced = await api.ok("GET", f"/v1/payments/{pid}")
    assert synced["status"] == "captured" and synced["amount_captured"] == 6000
    assert synced["connector_status"] == "Partially Refunded"
    for refund in refunds:
        again = await api.ok("GET", f"/v1/refunds/{refund['id']}")
        assert again["status"] == "succeeded" and again["amount"] == refund["amount"]
        assert again["connector_refund_id"] == refund["connector_refund_id"]


async def test_full_refund_after_a_partial_capture_refunds_what_was_captured(
    api: Api, fake: CheckoutFake
) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(8000))
    await api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 5000})
    assert fake.payments[auth["connector_payment_id"]].captured == 5000
    status, refund, _ = await api.call("POST", f"/v1/payments/{auth['id']}/refunds", {})
    assert status == 201, refund
    assert refund["amount"] == 5000


async def test_purchase_is_pending_capture_then_sync_finds_it_captured(
    api: Api, fake: CheckoutFake
) -> None:
    purchase = await api.ok("POST", "/v1/payments", payment(2500, capture="automatic"))
    assert purchase["status"] == "processing"
    assert purchase["pending_reason"] == "capture_pending"
    assert fake.payments[purchase["connector_payment_id"]].capture is True
    synced = await api.ok("GET", f"/v1/payments/{purchase['id']}")
    assert synced["status"] == "captured" and synced["amount_captured"] == 2500


async def test_void_is_pending_then_voided(api: Api, fake: CheckoutFake) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(4200))
    voided = await api.ok("POST", f"/v1/payments/{auth['id']}/void", {"reason": "duplicate"})
    assert voided["status"] == "processing" and voided["pending_reason"] == "void_pending"
    synced = await api.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["status"] == "voided"
    assert fake.payments[auth["connector_payment_id"]].status == "Voided"
    status, err, _ = await api.call("POST", f"/v1/payments/{auth['id']}/void", {})
    assert status == 409 and err["error"]["code"] == "payment_not_voidable"


@pytest.mark.parametrize(
    ("amount", "code", "category", "raw"),
    [
        (5051, "insufficient_funds", "retry_later", "20051"),  # 20xxx: soft (issuer)
        (5043, "stolen_card", "hard", "30043"),  # 30xxx: hard
    ],
)
async def test_declines_are_results(
    api: Api, amount: int, code: str, category: str, raw: str
) -> None:
    status, declined, _ = await api.call("POST", "/v1/payments", payment(amount))
    assert status == 201, declined
    assert declined["status"] == "failed"
    failure = declined["failure"]
    assert failure["code"] == code and failure["category"] == category
    assert failure["gateway"]["code"] == raw
    if code == "insufficient_funds":
        assert failure["advice_code"] == "24"  # Mastercard MAC from the processing block


async def _issuer_page(url: str, outcome: str = "success") -> dict[str, str]:
    """The customer's browser at the 3-D Secure page: the redirect's query parameters."""
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(url, params={"outcome": outcome}, allow_redirects=False) as page,
    ):
        assert page.status == 302
        location = page.headers["Location"]
    assert location.startswith(RETURN_URL + "&")
    return dict(parse_qsl(urlsplit(location).query))


async def test_three_ds_challenge_then_complete_authorizes(api: Api, fake: CheckoutFake) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(3300, return_url=RETURN_URL))
    assert auth["status"] == "requires_action"
    url = auth["next_action"]["url"]
    assert url == f"{fake.base_url}/3ds/{auth['connector_payment_id']}"
    params = await _issuer_page(url)
    assert params["cko-session-id"].startswith("sid_") and params["order"] == "77"
    done = await api.ok("POST", f"/v1/payments/{auth['id']}/complete", {"params": params})
    assert done["status"] == "authorized" and done["id"] == auth["id"]
    captured = await api.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
    assert captured["status"] == "processing"
    synced = await api.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["status"] == "captured" and synced["amount_captured"] == 3300


async def test_three_ds_failure_declines(api: Api) -> None:
    auth = await api.ok("POST", "/v1/payments", payment(3400, return_url=RETURN_URL))
    params = await _issuer_page(auth["next_action"]["url"], "failure")
    done = await api.ok("POST", f"/v1/payments/{auth['id']}/complete", {"params": params})
    assert done["status"] == "failed"
    assert done["failure"]["code"] == "authentication_failed"


async def test_mandate_setup_merchant_initiated_charge_and_revoke(
    api: Api, fake: CheckoutFake
) -> None:
    mandate = await api.ok("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": card(MC_PAN, MC_CVC),
        "customer": {"email": "selina@kyle.example", "name": "Selina Kyle"},
    })  # fmt: skip
    assert mandate["status"] == "active" and mandate["id"].startswith("man_")
    assert mandate["connector_mandate_id"].startswith("src_")
    assert mandate["connector_mandate_id"] in fake.instruments
    mit = {"amount": 1999, "currency": "EUR",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    charge = await api.ok("POST", "/v1/payments", mit)
    assert charge["account"] == NAS
    assert charge["status"] == "processing" and charge["pending_reason"] == "capture_pending"
    sent = fake.requests[-1][2]
    assert sent is not None and sent["merchant_initiated"] is True
    assert sent["source"] == {"type": "id", "id": mandate["connector_mandate_id"]}
    synced = await api.ok("GET", f"/v1/payments/{charge['id']}")
    assert synced["status"] == "captured"

    revoked = await api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert revoked["status"] == "revoked" and revoked["id"] == mandate["id"]
    assert mandate["connector_mandate_id"] not in fake.instruments
    status, err, _ = await api.call("POST", "/v1/payments", mit)
    assert status == 409 and err["error"]["code"] == "mandate_not_active", err
    assert err["error"]["field"] == "payment_method.mandate_id"


async def test_mandate_needing_three_ds_is_completed_then_charged(
    api: Api, fake: CheckoutFake
) -> None:
    setup = {"currency": "EUR", "payment_method": card(MC_PAN, MC_CVC),
             "customer": {"email": "bruce@wayne.example"}, "return_url": RETURN_URL}  # fmt: skip
    mandate = await api.ok("POST", "/v1/mandates", setup)
    assert mandate["status"] == "pending" and mandate["next_action"]["type"] == "redirect"
    mit = {"amount": 1500, "currency": "EUR",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    calls = len(fake.requests)
    # Not active yet: charging or revoking it is a clear 409, and nothing is sent (the
    # issue saw `source.id: ""` and `DELETE /instruments/`).
    status, err, _ = await api.call("POST", "/v1/payments", mit)
    assert status == 409 and err["error"]["code"] == "mandate_not_active"
    status, err, _ = await api.call("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert status == 409 and err["error"]["code"] == "mandate_not_active"
    assert len(fake.requests) == calls

    params = await _issuer_page(mandate["next_action"]["url"])
    done = await api.ok("POST", f"/v1/mandates/{mandate['id']}/complete", {"params": params})
    assert done["id"] == mandate["id"]  # one mandate, one id, before and after
    assert done["status"] == "active" and done["connector_mandate_id"].startswith("src_")
    again, err, _ = await api.call("POST", f"/v1/mandates/{mandate['id']}/complete", {})
    assert again == 409 and err["error"]["code"] == "mandate_not_pending"

    charge = await api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "processing"
    sent = fake.requests[-1][2]
    assert sent is not None and sent["source"] == {"type": "id", "id": done["connector_mandate_id"]}
    revoked = await api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert revoked["status"] == "revoked" and revoked["id"] == mandate["id"]
    assert fake.violations == []


async def test_idempotency_key_reaches_the_gateway(api: Api, fake: CheckoutFake) -> None:
    body = payment(1234, reference="ck-idem-1")
    first_status, first, _ = await api.call(
        "POST", "/v1/payments", body, headers={"Idempotency-Key": "ck-order-1234"}
    )
    assert first_status == 201
    key = gateway_key(NAS, "ck-order-1234")
    assert ("/payments", key) in fake.replies  # Cko-Idempotency-Key: the derived key
    count = len(fake.payments)
    status, again, headers = await api.call(
        "POST", "/v1/payments", body, headers={"Idempotency-Key": "ck-order-1234"}
    )
    assert status == 201 and headers.get("idempotent-replayed") == "true"
    assert again["connector_payment_id"] == first["connector_payment_id"]
    assert len(fake.payments) == count
    pid = first["id"]
    await api.ok(
        "POST", f"/v1/payments/{pid}/capture", {}, headers={"Idempotency-Key": "ck-cap-1234"}
    )
    capture_path = f"/payments/{first['connector_payment_id']}/captures"
    assert (capture_path, gateway_key(NAS, "ck-cap-1234")) in fake.replies


async def test_abc_account_purchase_refund_and_sync(
    api: Api, fakes: dict[str, CheckoutFake]
) -> None:
    abc = fakes[ABC]
    purchase = await api.ok("POST", "/v1/payments", payment(5000, capture="automatic", account=ABC))
    assert purchase["account"] == ABC and purchase["status"] == "processing"
    assert purchase["connector_payment_id"] in abc.payments
    synced = await api.ok("GET", f"/v1/payments/{purchase['id']}")
    assert synced["status"] == "captured"
    assert "amount_captured" not in synced  # ABC answers carry no balances: unknown
    refund = await api.ok("POST", f"/v1/payments/{purchase['id']}/refunds", {"amount": 1500})
    assert refund["status"] == "pending"
    again = await api.ok("GET", f"/v1/refunds/{refund['id']}")
    assert again["status"] == "succeeded" and again["amount"] == 1500


async def test_the_log_holds_no_card_data_or_credentials(
    api: Api, service: ServiceProcess, fakes: dict[str, CheckoutFake]
) -> None:
    await api.ok("POST", "/v1/payments", payment(1100))  # at least one exchange to log
    log = assert_log_clean(
        service,
        card_numbers=[PAN, MC_PAN],
        cvcs=[CVC, MC_CVC],
        secrets=[fakes[NAS].secret, fakes[ABC].secret],
    )
    # the gateway exchanges were logged (debug), scrubbed: the check above means something
    assert "connector_service.transcript" in log and "/payments" in log
