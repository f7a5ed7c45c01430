"""Checkout.com, what only Checkout.com says: pending reasons, ids, the fake's payment
states, raw response codes and the Mastercard advice, the 3-D Secure page keeping the
return URL's query, and a second, ABC account (raw key written literally in the config,
answers without balances). The shared scenarios are the conformance suite's
(``--connector checkout``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connector_service.testing.e2e import account_toml, assert_log_clean
from connector_service.testing.fakes.checkout import CheckoutFake
from connector_service.testing.profiles.checkout import PROFILE
from connector_service.testing.rig import Rig, open_rig
from tests.server.specifics import payment

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
ABC = "checkout-abc"


@pytest.fixture(scope="module")
def abc() -> Iterator[CheckoutFake]:
    fake = CheckoutFake("abc")
    fake.start_in_thread()
    yield fake
    fake.stop_thread()
    assert fake.violations == [], fake.violations


@pytest.fixture(scope="module")
def rig(abc: CheckoutFake, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    extra = account_toml(ABC, "checkout", abc.base_url, abc.credentials, abc.options)
    with open_rig(
        PROFILE, tmp_path_factory.mktemp("specifics-checkout"), extra_accounts=[extra]
    ) as r:
        yield r
        assert r.fake.violations == [], r.fake.violations


def _gateway(rig: Rig, answer: dict[str, Any]) -> Any:
    return rig.fake.payments[answer["connector_payment_id"]]


def test_pending_reasons_ids_and_gateway_state(rig: Rig) -> None:
    api = rig.api
    auth = api.ok("POST", "/v1/payments", payment(rig, 10000))
    assert auth["connector_payment_id"].startswith("pay_")
    gateway = _gateway(rig, auth)
    assert gateway.status == "Authorized" and not gateway.capture
    captured = api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 6000})
    assert captured["pending_reason"] == "capture_pending" and gateway.captured == 6000
    for amount in (2000, 1000):
        refund = api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": amount})
        assert refund["pending_reason"] == "refund_pending"
        assert refund["connector_refund_id"].startswith("act_")
    assert gateway.refunded == 3000
    synced = api.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["amount_captured"] == 6000 and synced["connector_status"] == "Partially Refunded"
    purchase = api.ok("POST", "/v1/payments", payment(rig, 2500, "automatic"))
    assert purchase["pending_reason"] == "capture_pending" and _gateway(rig, purchase).capture
    other = api.ok("POST", "/v1/payments", payment(rig, 4200))
    voided = api.ok("POST", f"/v1/payments/{other['id']}/void", {})
    assert voided["pending_reason"] == "void_pending"
    api.ok("GET", f"/v1/payments/{other['id']}")
    assert _gateway(rig, other).status == "Voided"
    status, err, _ = api.call("POST", f"/v1/payments/{other['id']}/void", {})
    assert status == 409 and err["error"]["code"] == "payment_not_voidable"


@pytest.mark.parametrize(
    ("which", "raw", "advice"), [("soft_decline", "20051", "24"), ("hard_decline", "30043", None)]
)
def test_raw_response_codes_and_advice(rig: Rig, which: str, raw: str, advice: str | None) -> None:
    declined = rig.api.ok(
        "POST", "/v1/payments", payment(rig, 0, card=getattr(PROFILE, which).card)
    )
    assert declined["failure"]["gateway"]["code"] == raw  # 20xxx soft (issuer), 30xxx hard
    if advice:  # the Mastercard advice code from the processing block
        assert declined["failure"]["advice_code"] == advice


def test_three_ds_page_is_the_gateways_and_keeps_the_return_query(rig: Rig) -> None:
    assert PROFILE.three_ds is not None
    body = payment(rig, 3300, return_url=PROFILE.three_ds.return_url)
    auth = rig.api.ok("POST", "/v1/payments", body)
    assert auth["next_action"]["url"] == f"{rig.fake.base_url}/3ds/{auth['connector_payment_id']}"
    params = PROFILE.three_ds.complete(rig.fake, auth, True)
    assert params["order"] == "77"


def test_mandates_are_instruments_charged_merchant_initiated(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    assert PROFILE.mandate_three_ds is not None
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": PROFILE.mandate_three_ds.card.payment_method(),
        "customer": {"email": "selina@kyle.example", "name": "Selina Kyle"},
    })  # fmt: skip
    assert mandate["id"].startswith("man_") and mandate["connector_mandate_id"].startswith("src_")
    assert mandate["connector_mandate_id"] in fake.instruments
    mit = {"amount": 1999, "currency": "EUR",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    charge = api.ok("POST", "/v1/payments", mit)
    assert charge["pending_reason"] == "capture_pending"
    sent = fake.requests[-1][2]
    assert sent is not None and sent["merchant_initiated"] is True
    assert sent["source"] == {"type": "id", "id": mandate["connector_mandate_id"]}
    api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert mandate["connector_mandate_id"] not in fake.instruments


def test_completed_mandate_is_charged_from_its_instrument(rig: Rig) -> None:
    api, three_ds = rig.api, PROFILE.mandate_three_ds
    assert three_ds is not None
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": three_ds.card.payment_method(),
        "customer": {"email": "bruce@wayne.example"}, "return_url": three_ds.return_url,
    })  # fmt: skip
    params = three_ds.complete(rig.fake, mandate, True)
    done = api.ok("POST", f"/v1/mandates/{mandate['id']}/complete", {"params": params})
    assert done["connector_mandate_id"].startswith("src_")
    mit = {"amount": 1500, "currency": "EUR",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    api.ok("POST", "/v1/payments", mit)
    sent = rig.fake.requests[-1][2]
    assert sent is not None and sent["source"] == {"type": "id", "id": done["connector_mandate_id"]}


def test_abc_account_purchase_refund_and_sync(rig: Rig, abc: CheckoutFake) -> None:
    api = rig.api
    info = next(c for c in api.ok("GET", "/v1/connectors")["data"] if c["name"] == "checkout")
    assert info["accounts"] == [rig.account, ABC]
    purchase = api.ok("POST", "/v1/payments", payment(rig, 5000, "automatic", account=ABC))
    assert purchase["account"] == ABC and purchase["status"] == "processing"
    assert purchase["connector_payment_id"] in abc.payments
    synced = api.ok("GET", f"/v1/payments/{purchase['id']}")
    assert synced["status"] == "captured"
    assert "amount_captured" not in synced  # ABC answers carry no balances: unknown
    refund = api.ok("POST", f"/v1/payments/{purchase['id']}/refunds", {"amount": 1500})
    assert refund["status"] == "pending"
    again = api.ok("GET", f"/v1/refunds/{refund['id']}")
    assert again["status"] == "succeeded" and again["amount"] == 1500
    assert_log_clean(rig.service, card_numbers=[], cvcs=[], secrets=[abc.secret])
