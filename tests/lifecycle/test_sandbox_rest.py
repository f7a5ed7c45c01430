"""Issue 16 end to end over REST on the sandbox: incremental authorization, multiple
partial captures and the stored payment methods list (a real service process)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, start_service
from tests.server.client import Api, card

CONFIG = f"""
default_account = "sandbox"

[[accounts]]
id = "sandbox"
connector = "sandbox"

[[accounts]]
id = "sandbox-b"
connector = "sandbox"

[[callers]]
id = "shop-a"
key_sha256 = "{hash_key("key-a")}"
accounts = ["sandbox"]

[[callers]]
id = "shop-b"
key_sha256 = "{hash_key("key-b")}"
accounts = ["sandbox-b"]

[[callers]]
id = "platform"
key_sha256 = "{hash_key("key-platform")}"
accounts = []
platform = true

[server]
allow_request_credentials = true
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("lifecycle"), CONFIG)
    yield svc
    svc.stop()


@pytest.fixture
def a(service: ServiceProcess) -> Api:
    return Api(service.url, "key-a")


@pytest.fixture
def b(service: ServiceProcess) -> Api:
    return Api(service.url, "key-b")


async def _auth(api: Api, amount: int = 10000, number: str = "4242424242424242", **kw: Any) -> Any:
    body = {"amount": amount, "currency": "EUR", "payment_method": card(number),
            "capture_method": "manual", **kw}  # fmt: skip
    return await api.ok("POST", "/v1/payments", body)


# ------------------------------------------------------------ incremental authorization


async def test_increment_raises_the_authorization_then_captures_the_new_total(a: Api) -> None:
    auth = await _auth(a, incremental_authorization=True)
    assert auth["status"] == "authorized" and auth["amount"] == 10000
    raised = await a.ok("POST", f"/v1/payments/{auth['id']}/increment",
                        {"total_amount": 12500, "reason": "minibar"})  # fmt: skip
    assert raised["id"] == auth["id"] and raised["status"] == "authorized"
    assert raised["amount"] == 12500 and "failure" not in raised
    again = await a.ok("POST", f"/v1/payments/{auth['id']}/increment", {"total_amount": 14000})
    assert again["amount"] == 14000
    synced = await a.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["amount"] == 14000 and synced["status"] == "authorized"
    captured = await a.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
    assert captured["status"] == "captured" and captured["amount_captured"] == 14000


async def test_a_declined_increment_is_a_result_and_leaves_the_authorization(a: Api) -> None:
    auth = await _auth(a, number="4000000000006975", incremental_authorization=True)
    assert auth["status"] == "authorized"
    refused = await a.ok("POST", f"/v1/payments/{auth['id']}/increment", {"total_amount": 20000})
    assert refused["status"] == "authorized" and refused["amount"] == 10000, refused
    assert refused["failure"]["code"] == "insufficient_funds", refused
    captured = await a.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
    assert captured["amount_captured"] == 10000


async def test_increment_input_is_checked_before_the_gateway(a: Api) -> None:
    auth = await _auth(a, incremental_authorization=True)
    for body, field, code in (
        ({"total_amount": 10000}, "total_amount", "amount_not_increased"),
        ({"total_amount": 9000}, "total_amount", "amount_not_increased"),
        ({"amount": 12000}, "amount", None),
        ({}, "total_amount", "missing_field"),
    ):
        status, err, _ = await a.call("POST", f"/v1/payments/{auth['id']}/increment", body)
        assert status == 400 and err["error"]["field"] == field, (body, err)
        if code:
            assert err["error"]["code"] == code, err


async def test_incremental_authorization_needs_manual_capture_and_the_flag(a: Api) -> None:
    status, err, _ = await a.call("POST", "/v1/payments", {
        "amount": 1000, "currency": "EUR", "payment_method": card(),
        "incremental_authorization": True,
    })  # fmt: skip
    assert status == 400 and err["error"]["field"] == "incremental_authorization", err
    plain = await _auth(a)
    status, err, _ = await a.call(
        "POST", f"/v1/payments/{plain['id']}/increment", {"total_amount": 20000}
    )
    assert status == 409 and err["error"]["code"] == "payment_not_incrementable", err


# ------------------------------------------------------------ multiple partial captures


async def test_several_partial_captures_then_a_final_one(a: Api) -> None:
    auth = await _auth(a, multiple_captures=True)
    pid = auth["id"]
    first = await a.ok("POST", f"/v1/payments/{pid}/capture",
                       {"amount": 3000, "final_capture": False})  # fmt: skip
    assert first["status"] == "partially_captured" and first["amount_captured"] == 3000
    second = await a.ok("POST", f"/v1/payments/{pid}/capture",
                        {"amount": 2000, "final_capture": False})  # fmt: skip
    assert second["status"] == "partially_captured" and second["amount_captured"] == 5000
    synced = await a.ok("GET", f"/v1/payments/{pid}")
    assert synced["status"] == "partially_captured" and synced["amount_captured"] == 5000
    # more than is left (10000 - 5000) is refused before the gateway, naming the field
    status, err, _ = await a.call("POST", f"/v1/payments/{pid}/capture", {"amount": 5001})
    assert status == 400 and err["error"]["code"] == "amount_too_large", err
    assert err["error"]["field"] == "amount"
    # refunds are bounded by what was captured (5000), not by the authorization
    status, err, _ = await a.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 5001})
    assert status == 400 and err["error"]["code"] == "amount_too_large", err
    last = await a.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 1000})  # final
    assert last["status"] == "partially_captured" and last["amount_captured"] == 6000
    status, err, _ = await a.call("POST", f"/v1/payments/{pid}/capture", {"amount": 100})
    assert status == 409 and err["error"]["code"] == "payment_not_capturable", err
    refund = await a.ok("POST", f"/v1/payments/{pid}/refunds", {})
    assert refund["amount"] == 6000, refund


async def test_captures_that_reach_the_authorized_amount_capture_it(a: Api) -> None:
    auth = await _auth(a, 4000, multiple_captures=True)
    for amount, status in ((1500, "partially_captured"), (2500, "captured")):
        done = await a.ok("POST", f"/v1/payments/{auth['id']}/capture",
                          {"amount": amount, "final_capture": False})  # fmt: skip
        assert done["status"] == status, done
    assert done["amount_captured"] == 4000
    # nothing is left: a capture of "the rest" is refused by the service itself
    status_code, err, _ = await a.call("POST", f"/v1/payments/{auth['id']}/capture", {})
    assert status_code == 409 and err["error"]["code"] == "payment_not_capturable", err


async def test_a_non_final_capture_needs_the_flag_at_create(a: Api) -> None:
    auth = await _auth(a)
    status, err, _ = await a.call(
        "POST", f"/v1/payments/{auth['id']}/capture", {"amount": 100, "final_capture": False}
    )
    assert status == 400 and err["error"]["field"] == "final", err


async def test_connectors_declare_the_new_capabilities(a: Api) -> None:
    info = await a.ok("GET", "/v1/connectors")
    sandbox = next(c for c in info["data"] if c["name"] == "sandbox")
    assert {"increment", "list_mandates"} <= set(sandbox["flows"])
    assert sandbox["multiple_captures"] is True


# ------------------------------------------------------------ stored payment methods


async def test_stored_methods_are_listed_with_the_mandate_ids_and_summaries_only(
    a: Api, b: Api
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    made = []
    for number in ("4242424242424242", "5555555555554444"):
        made.append(await a.ok("POST", "/v1/mandates", {
            "currency": "EUR", "payment_method": card(number), "customer": {"id": customer},
        }))  # fmt: skip
    stored = await a.pay(customer={"id": customer}, setup_future_usage="off_session")
    status, listed, _ = await a.call("GET", f"/v1/mandates?account=sandbox&customer={customer}")
    assert status == 200 and listed["object"] == "list", listed
    ids = [m["id"] for m in listed["data"]]
    assert ids == [made[0]["id"], made[1]["id"], stored["mandate"]["id"]]
    for m in listed["data"]:
        assert m["status"] == "active" and m["customer_id"] == customer
        assert set(m["payment_method"]["card"]) == {"brand", "last4", "exp_month", "exp_year"}
    assert [m["payment_method"]["card"]["last4"] for m in listed["data"]] == [
        "4242", "4444", "4242"
    ]  # fmt: skip
    text = str(listed)
    assert "4242424242424242" not in text and "5555555555554444" not in text
    assert "cvc" not in text and "fingerprint" not in text and "number" not in text
    # a listed id charges and revokes like the id set-up answered
    mit = {"type": "mandate", "mandate_id": ids[1]}
    charge = await a.ok(
        "POST", "/v1/payments", {"amount": 700, "currency": "EUR", "payment_method": mit}
    )
    assert charge["status"] == "captured"
    revoked = await a.ok("POST", f"/v1/mandates/{ids[1]}/revoke")
    assert revoked["id"] == ids[1] and revoked["status"] == "revoked"
    after = await a.ok("GET", f"/v1/mandates?account=sandbox&customer={customer}")
    assert [m["id"] for m in after["data"]] == [ids[0], ids[2]]
    # another tenant neither lists them nor may name the account
    status, err, _ = await b.call("GET", f"/v1/mandates?account=sandbox&customer={customer}")
    assert status == 403 and err["error"]["field"] == "account", err
    theirs = await b.ok("GET", f"/v1/mandates?account=sandbox-b&customer={customer}")
    assert theirs["data"] == []


async def test_a_platform_lists_with_per_request_credentials(service: ServiceProcess) -> None:
    platform = Api(service.url, "key-platform")
    creds = {"X-Connector-Credentials": json.dumps({"connector": "sandbox", "credentials": {}})}
    customer = f"plat-{uuid.uuid4().hex[:8]}"
    mandate = await platform.ok("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": card(), "customer": {"id": customer},
    }, headers=creds)  # fmt: skip
    assert mandate["account"] == "@sandbox"
    path = f"/v1/mandates?account=%40sandbox&customer={customer}"
    listed = await platform.ok("GET", path, headers=creds)
    assert [m["id"] for m in listed["data"]] == [mandate["id"]]
    status, err, _ = await platform.call("GET", path)  # the credentials are needed again
    assert status == 404 and err["error"]["field"] == "account", err


async def test_the_list_names_the_missing_or_unknown_parameter(a: Api) -> None:
    for query, field in (("customer=c1", "account"), ("account=sandbox", "customer"),
                         ("account=sandbox&customer=c1&limit=5", "limit")):  # fmt: skip
        status, err, _ = await a.call("GET", f"/v1/mandates?{query}")
        assert status == 400 and err["error"]["field"] == field, (query, err)


# ------------------------------------------------------------ refund the rest


async def test_a_refund_without_an_amount_refunds_what_is_left(a: Api) -> None:
    """After partial refunds, a refund with no amount is the rest, not the whole capture
    again (which the gateway would refuse); with nothing left it is a 400 before the
    gateway is asked."""
    auth = await _auth(a, amount=1000)
    pid = auth["id"]
    await a.ok("POST", f"/v1/payments/{pid}/capture", {})
    first = await a.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 300})
    second = await a.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 200})
    rest = await a.ok("POST", f"/v1/payments/{pid}/refunds", {})
    assert [first["amount"], second["amount"], rest["amount"]] == [300, 200, 500]
    assert rest["status"] == "succeeded", rest
    status, err, _ = await a.call("POST", f"/v1/payments/{pid}/refunds", {})
    assert status == 400, err
    assert err["error"]["code"] == "nothing_to_refund" and err["error"]["field"] == "amount"


async def test_a_refund_replayed_by_its_key_is_counted_once(a: Api) -> None:
    auth = await _auth(a, amount=1000)
    pid = auth["id"]
    await a.ok("POST", f"/v1/payments/{pid}/capture", {})
    key = {"Idempotency-Key": f"refund-{uuid.uuid4().hex}"}
    once = await a.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 400}, headers=key)
    again = await a.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 400}, headers=key)
    assert again["id"] == once["id"]
    rest = await a.ok("POST", f"/v1/payments/{pid}/refunds", {})
    assert rest["amount"] == 600, rest
