"""Options and splits through a real service process over REST: 400s name the field,
split destinations' sandbox balances follow captures and refunds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, start_service
from tests.server.client import Api, card

CONFIG = f"""
default_account = "sandbox"

[[accounts]]
id = "sandbox"
connector = "sandbox"

[[callers]]
id = "shop"
key_sha256 = "{hash_key("key-shop")}"
accounts = ["sandbox"]
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("options"), CONFIG)
    yield svc
    svc.stop()


@pytest.fixture
def shop(service: ServiceProcess) -> Api:
    return Api(service.url, "key-shop")


async def test_a_typo_in_an_options_block_is_a_400_naming_it(shop: Api) -> None:
    body = {
        "amount": 1000, "currency": "EUR", "payment_method": card(),
        "connector_options": {"adyen": {"shoper_statement": "x"}},
    }  # fmt: skip
    status, err, _ = await shop.call("POST", "/v1/payments", body)
    assert status == 400, err
    assert err["error"]["code"] == "unknown_option"
    assert err["error"]["field"] == "connector_options.adyen.shoper_statement"


async def test_split_balances_follow_capture_and_refund(shop: Api) -> None:
    splits = [
        {"destination": "rest-shop-a", "amount": 600},
        {"destination": "rest-shop-b", "amount": 200},
    ]
    payment = await shop.pay(splits=splits, application_fee=100)
    assert payment["status"] == "captured"
    a = await shop.ok("GET", "/sandbox/balances/rest-shop-a")
    assert a == {"object": "balance", "destination": "rest-shop-a", "available": {"EUR": 600}}
    await shop.ok("POST", f"/v1/payments/{payment['id']}/refunds", {"amount": 250})
    assert (await shop.ok("GET", "/sandbox/balances/rest-shop-a"))["available"] == {"EUR": 450}
    assert (await shop.ok("GET", "/sandbox/balances/rest-shop-b"))["available"] == {"EUR": 150}


async def test_connectors_list_options_and_split_support(shop: Api) -> None:
    data = await shop.ok("GET", "/v1/connectors")
    info = {c["name"]: c for c in data["data"]}
    assert info["sandbox"]["splits"] is True and info["stripe"]["splits"] is True
    assert info["checkout"]["splits"] is True  # a whole payment to one sub-entity
    assert "splits" not in info["braintree"] or info["braintree"]["splits"] is False
    assert "payment.transfer_group" in info["stripe"]["connector_options"]
    assert "payment.marketplace" in info["checkout"]["connector_options"]
    assert not any(o.startswith("capture.") for o in info["checkout"]["connector_options"])
