"""Every flow end to end through a real service process on loopback."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, start_service
from tests.server.client import Api, card

CONFIG = f"""
default_account = "sandbox"

[server]
allow_request_credentials = true
max_body_bytes = 4096

[[accounts]]
id = "sandbox"
connector = "sandbox"

[[accounts]]
id = "sandbox-b"
connector = "sandbox"

[[accounts]]
id = "sandbox-fast-timeout"
connector = "sandbox"
timeout_seconds = 0.5

[[callers]]
id = "shop-a"
key_sha256 = "{hash_key("key-a")}"
accounts = ["sandbox", "sandbox-fast-timeout"]

[[callers]]
id = "shop-b"
key_sha256 = "{hash_key("key-b")}"
accounts = ["sandbox-b"]

[[callers]]
id = "platform"
key_sha256 = "{hash_key("key-platform")}"
accounts = []
platform = true
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = start_service(tmp_path_factory.mktemp("rest"), CONFIG)
    yield svc
    svc.stop()


@pytest.fixture
def a(service: ServiceProcess) -> Api:
    return Api(service.url, "key-a")


@pytest.fixture
def b(service: ServiceProcess) -> Api:
    return Api(service.url, "key-b")


async def test_purchase_captures_immediately(a: Api) -> None:
    payment = await a.pay(reference="order-1", metadata={"order": "1"})
    assert payment["status"] == "captured"
    assert payment["amount_captured"] == 1000
    assert payment["connector"] == "sandbox" and payment["account"] == "sandbox"
    assert payment["connector_payment_id"].startswith("sbp_")
    assert payment["payment_method"]["card"] == {
        "brand": "visa",
        "last4": "4242",
        "exp_month": 12,
        "exp_year": 2034,
    }
    assert payment["attempts"][0]["account"] == "sandbox"
    assert payment["reference"] == "order-1"
    assert "4242424242424242" not in str(payment)


async def test_authorize_partial_capture_refunds_and_syncs(a: Api) -> None:
    payment = await a.pay(capture_method="manual", amount=5000)
    assert payment["status"] == "authorized"
    pid = payment["id"]
    captured = await a.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 3000})
    assert captured["status"] == "partially_captured"
    assert captured["amount_captured"] == 3000
    assert captured["id"] == pid
    r1 = await a.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 1000})
    r2 = await a.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 2000})
    assert r1["status"] == r2["status"] == "succeeded"
    assert r1["id"] != r2["id"] and r1["payment_id"] == pid
    # nothing is left to refund: the gateway's refusal is a 400 naming the amount
    status, err, _ = await a.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 1})
    assert status == 400
    assert err["error"]["code"] == "amount_too_large" and err["error"]["field"] == "amount"
    synced = await a.ok("GET", f"/v1/payments/{pid}")
    assert synced["status"] == "partially_captured" and synced["amount_captured"] == 3000
    refund = await a.ok("GET", f"/v1/refunds/{r2['id']}")
    assert refund["status"] == "succeeded" and refund["amount"] == 2000


async def test_void_an_authorization(a: Api) -> None:
    payment = await a.pay(capture_method="manual")
    voided = await a.ok("POST", f"/v1/payments/{payment['id']}/void", {"reason": "customer"})
    assert voided["status"] == "voided"
    status, err, _ = await a.call("POST", f"/v1/payments/{payment['id']}/capture", {})
    assert status == 409 and err["error"]["code"] == "payment_not_capturable"


@pytest.mark.parametrize(
    ("number", "code", "category", "advice"),
    [
        ("4000000000009995", "insufficient_funds", "soft", "02"),
        ("4000000000000127", "incorrect_cvc", "soft", None),
        ("4000000000000002", "stolen_card", "hard", "03"),
        ("4000000000000069", "expired_card", "hard", None),
    ],
)
async def test_declines_are_results(
    a: Api, number: str, code: str, category: str, advice: str | None
) -> None:
    status, payment, _ = await a.call(
        "POST",
        "/v1/payments",
        {"amount": 700, "currency": "EUR", "payment_method": card(number)},
    )
    assert status == 201
    assert payment["status"] == "failed"
    failure = payment["failure"]
    assert failure["code"] == code and failure["category"] == category
    assert failure.get("advice_code") == advice
    assert failure["gateway"]["code"] == code


async def test_processing_settles_on_sync(a: Api) -> None:
    payment = await a.pay("4000000000000770")
    assert payment["status"] == "processing"
    synced = await a.ok("GET", f"/v1/payments/{payment['id']}")
    assert synced["status"] == "captured"


async def test_gateway_unavailable_is_a_503_error(a: Api) -> None:
    status, err, _ = await a.call(
        "POST",
        "/v1/payments",
        {"amount": 700, "currency": "EUR", "payment_method": card("4000000000000119")},
    )
    assert status == 503
    assert (
        err["error"]["type"] == "connector_error" and err["error"]["code"] == "gateway_unavailable"
    )


async def test_timeout_after_charge_is_unresolved_then_sync_settles(a: Api) -> None:
    payment = await a.pay("4000000000005555", account="sandbox-fast-timeout", reference="slow-1")
    assert payment["status"] == "unresolved"
    assert payment["pending_reason"] == "outcome_unknown"
    assert payment["attempts"][0]["outcome"] == "unresolved"
    synced = await a.ok("GET", f"/v1/payments/{payment['id']}")
    assert synced["status"] == "captured"
    assert synced["connector_payment_id"].startswith("sbp_")


async def test_three_ds_challenge_round_trip(a: Api, service: ServiceProcess) -> None:
    payment = await a.pay(
        "4000000000003253", capture_method="manual", return_url="https://shop.example/return?o=7"
    )
    assert payment["status"] == "requires_action"
    url = payment["next_action"]["url"]
    assert url.startswith(service.url + "/sandbox/3ds/")
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as resp:
            page = await resp.text()
            assert resp.status == 200 and "10.00 EUR" in page and "3253" in page
        async with http.post(url, data={"result": "complete"}, allow_redirects=False) as resp:
            assert resp.status == 303
            location = resp.headers["location"]
    assert location.startswith("https://shop.example/return?o=7&")
    assert "authentication=completed" in location
    done = await a.ok("POST", f"/v1/payments/{payment['id']}/complete", {"params": {}})
    assert done["status"] == "authorized"
    captured = await a.ok("POST", f"/v1/payments/{payment['id']}/capture", {})
    assert captured["status"] == "captured"


async def test_three_ds_failure_declines(a: Api) -> None:
    payment = await a.pay("4000000000003253")
    url = payment["next_action"]["url"]
    async with aiohttp.ClientSession() as http, http.post(url, data={"result": "fail"}) as resp:
        assert resp.status == 200
        assert "failed" in await resp.text()
    synced = await a.ok("GET", f"/v1/payments/{payment['id']}")
    assert synced["status"] == "failed"
    assert synced["failure"]["code"] == "authentication_failed"


async def test_mandate_setup_charge_and_revoke(a: Api) -> None:
    mandate = await a.ok("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": card(), "customer": {"id": "cust-42"},
    })  # fmt: skip
    assert mandate["status"] == "active" and mandate["id"].startswith("man_")
    assert mandate["customer_id"] == "cust-42"
    mit = {"amount": 1500, "currency": "EUR",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    charge = await a.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "captured" and charge["account"] == "sandbox"
    revoked = await a.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert revoked["status"] == "revoked"
    # A revoked mandate is not charged (nor revoked again): a clear 409, no gateway call.
    status, after, _ = await a.call("POST", "/v1/payments", mit)
    assert status == 409, after
    assert after["error"]["code"] == "mandate_not_active"
    assert after["error"]["field"] == "payment_method.mandate_id"
    status, again, _ = await a.call("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert status == 409 and again["error"]["code"] == "mandate_not_active"


async def test_mandate_with_a_declining_card_fails(a: Api) -> None:
    status, mandate, _ = await a.call("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": card("4000000000000002"), "customer": {"id": "c"},
    })  # fmt: skip
    assert status == 201 and mandate["status"] == "failed"
    assert mandate["failure"]["code"] == "stolen_card"


async def test_soft_declining_mandate_declines_merchant_initiated_charges(a: Api) -> None:
    payment = await a.pay("4000000000009995", setup_future_usage="off_session")
    assert payment["status"] == "failed" and "mandate" not in payment


async def test_payment_can_store_the_card_for_later(a: Api) -> None:
    payment = await a.pay(setup_future_usage="off_session", customer={"id": "cust-7"})
    assert payment["mandate"]["status"] == "active"
    charge = await a.pay(payment_method={"type": "mandate", "mandate_id": payment["mandate"]["id"]})
    assert charge["status"] == "captured"


async def test_idempotency_key_reaches_the_gateway(a: Api) -> None:
    body = {"amount": 1234, "currency": "EUR", "payment_method": card()}
    first = await a.ok("POST", "/v1/payments", body, headers={"Idempotency-Key": "k-1"})
    again = await a.ok("POST", "/v1/payments", body, headers={"Idempotency-Key": "k-1"})
    assert first["connector_payment_id"] == again["connector_payment_id"]
    other = await a.ok("POST", "/v1/payments", body, headers={"Idempotency-Key": "k-2"})
    assert other["connector_payment_id"] != first["connector_payment_id"]


async def test_connectors_are_listed_with_capabilities(a: Api, b: Api) -> None:
    data = await a.ok("GET", "/v1/connectors")
    sandbox = next(c for c in data["data"] if c["name"] == "sandbox")
    assert {"authorize", "capture", "void", "refund", "sync", "setup_mandate"} <= set(
        sandbox["flows"]
    )
    assert sandbox["accounts"] == ["sandbox", "sandbox-fast-timeout"]
    data_b = await b.ok("GET", "/v1/connectors")
    assert next(c for c in data_b["data"] if c["name"] == "sandbox")["accounts"] == ["sandbox-b"]


async def test_request_id_is_echoed_or_generated(a: Api) -> None:
    _, _, headers = await a.call("GET", "/v1/connectors", headers={"X-Request-Id": "abc-123"})
    assert headers["x-request-id"] == "abc-123"
    _, err, headers = await a.call("GET", "/v1/payments/pay_nope")
    assert headers["x-request-id"].startswith("req_")
    assert err["error"]["request_id"] == headers["x-request-id"]


async def test_health_ready_metrics(service: ServiceProcess) -> None:
    api = Api(service.url)
    assert (await api.ok("GET", "/health"))["status"] == "ok"
    ready = await api.ok("GET", "/ready")
    assert ready == {"status": "ready", "storage": "sqlite"}
    async with aiohttp.ClientSession() as http, http.get(service.url + "/metrics") as resp:
        text = await resp.text()
    assert "cs_requests_total" in text and "cs_gateway_call_seconds" in text
