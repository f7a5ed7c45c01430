"""PayPal, what only PayPal says: the order/authorization/capture state at the fake,
error codes, raw processor codes, the payer-action page, the vault, and the OAuth token:
fetched once, reused, refreshed once when revoked (also by concurrent calls), masked in
the log. The shared scenarios are the conformance suite's (``--connector paypal``)."""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from connector_service.testing.profiles.paypal import PROFILE
from connector_service.testing.rig import Rig
from tests.server.specifics import payment, rig_fixture

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
rig = rig_fixture(PROFILE)


def token_requests(rig: Rig) -> int:
    return sum(1 for _, path, _ in rig.fake.requests if path == "/v1/oauth2/token")


def test_one_token_for_everything_so_far(rig: Rig) -> None:
    """First in the module: every call before and here reuses the first token."""
    api = rig.api
    api.ok("POST", "/v1/payments", payment(rig, 1500))
    before = token_requests(rig)
    auth = api.ok("POST", "/v1/payments", payment(rig, 1600))
    api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 1000})
    api.ok("GET", f"/v1/payments/{auth['id']}")
    assert token_requests(rig) == before == 1 and len(rig.fake.tokens) == 1


def test_order_state_codes_and_refund_limit(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    auth = api.ok("POST", "/v1/payments", payment(rig, 10000))
    order = auth["connector_payment_id"]
    assert fake.orders[order]["intent"] == "AUTHORIZE"
    api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 6000})
    for amount in (2000, 1500):
        api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": amount})
    [capture_id] = fake.orders[order]["captures"]
    assert fake.captures[capture_id]["status"] == "PARTIALLY_REFUNDED"
    assert len(fake.captures[capture_id]["refunds"]) == 2
    status, err, _ = api.call("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 2600})
    assert status == 400 and err["error"]["code"] == "amount_too_large", err
    purchase = api.ok("POST", "/v1/payments", payment(rig, 2500, "automatic"))
    assert fake.orders[purchase["connector_payment_id"]]["intent"] == "CAPTURE"
    other = api.ok("POST", "/v1/payments", payment(rig, 4200))
    api.ok("POST", f"/v1/payments/{other['id']}/void", {})
    [auth_id] = fake.orders[other["connector_payment_id"]]["authorizations"]
    assert fake.authorizations[auth_id]["status"] == "VOIDED"
    status, err, _ = api.call("POST", f"/v1/payments/{other['id']}/void", {})
    assert status == 409 and err["error"]["code"] == "payment_already_voided", err


@pytest.mark.parametrize(("card", "raw"), [(PROFILE.soft_decline.card, "0500"),
    (PROFILE.more_declines[0].card, "5120"), (PROFILE.hard_decline.card, "9500")])  # fmt: skip
def test_raw_processor_codes(rig: Rig, card: object, raw: str) -> None:
    declined = rig.api.ok("POST", "/v1/payments", payment(rig, 700, card=card))  # type: ignore[arg-type]
    assert declined["failure"]["gateway"]["code"] == raw, declined


def test_three_ds_waits_for_the_payer_and_a_failure_charges_nothing(rig: Rig) -> None:
    api, fake, three_ds = rig.api, rig.fake, PROFILE.three_ds
    assert three_ds is not None
    body = payment(rig, 3300, card=three_ds.card, return_url=three_ds.return_url)
    auth = api.ok("POST", "/v1/payments", body)
    order = auth["connector_payment_id"]
    assert auth["next_action"]["url"].startswith(fake.base_url)
    assert f"cart_id={order}" in auth["next_action"]["url"]
    still = api.ok("POST", f"/v1/payments/{auth['id']}/complete", {"params": {"token": order}})
    assert still["status"] == "requires_action"  # the payer has not finished yet
    failing = api.ok("POST", "/v1/payments", payment(rig, 3400, "automatic", card=three_ds.card))
    params = three_ds.complete(fake, failing, False)
    api.ok("POST", f"/v1/payments/{failing['id']}/complete", {"params": params})
    api.ok("GET", f"/v1/payments/{failing['id']}")
    gone = fake.orders[failing["connector_payment_id"]]
    assert gone["captures"] == [] and gone["authorizations"] == []


def test_mandate_is_a_vaulted_card_charged_by_the_merchant(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    mandate = api.ok("POST", "/v1/mandates", {"currency": "USD", "customer": {"id": "cus_1001"},
                     "payment_method": PROFILE.success.payment_method()})  # fmt: skip
    assert mandate["customer_id"] == "cus_1001" and mandate["connector_mandate_id"] in fake.vault
    mit = {"amount": 1999, "currency": "USD", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    api.ok("POST", "/v1/payments", mit)
    sent = [b for m, p, b in fake.requests if m == "POST" and p == "/v2/checkout/orders"][-1]
    source = sent["payment_source"]["card"]
    assert source["vault_id"] == mandate["connector_mandate_id"]
    assert source["stored_credential"]["payment_initiator"] == "MERCHANT"
    api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert mandate["connector_mandate_id"] not in fake.vault


def test_revoked_token_is_refreshed_once(rig: Rig) -> None:
    api = rig.api
    auth = api.ok("POST", "/v1/payments", payment(rig, 1700))
    before = token_requests(rig)
    rig.fake.revoke_tokens()
    assert api.ok("GET", f"/v1/payments/{auth['id']}")["status"] == "authorized"  # 401, again
    assert token_requests(rig) == before + 1 and len(rig.fake.tokens) == 1
    assert api.ok("POST", f"/v1/payments/{auth['id']}/capture", {})["status"] == "captured"
    assert token_requests(rig) == before + 1  # the new token is the one reused


def test_concurrent_calls_share_one_token_refresh(rig: Rig) -> None:
    auth = rig.api.ok("POST", "/v1/payments", payment(rig, 1800))
    before = token_requests(rig)
    rig.fake.revoke_tokens()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: rig.api.call("GET", f"/v1/payments/{auth['id']}"),
                                range(8)))  # fmt: skip
    assert [status for status, _, _ in answers] == [200] * 8
    assert token_requests(rig) == before + 1  # one refresh serves every waiting call


def test_the_bearer_header_is_masked_in_the_log(rig: Rig) -> None:
    rig.api.ok("POST", "/v1/payments", payment(rig, 1100))
    log = rig.service.logs()
    assert "/v2/checkout/orders" in log and "Authorization: [REDACTED]" in log


def _payer_approves(base_url: str, order: str, outcome: str = "Y") -> int:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("POST", f"/__fake__/approve/{order}?outcome={outcome}")
        return conn.getresponse().status
    finally:
        conn.close()


def test_methods_beyond_cards_through_the_api(rig: Rig) -> None:
    """The REST API end to end: the declaration in GET /v1/connectors, a BLIK payment
    confirmed in the (fake) bank app and settled by a sync, a bank redirect missing the
    billing country PayPal requires."""
    api, fake = rig.api, rig.fake
    listed = api.call("GET", "/v1/connectors")[1]
    items = listed if isinstance(listed, list) else listed["data"]
    paypal = next(c for c in items if c["name"] == "paypal")
    blik = next(m for m in paypal["methods"] if m["type"] == "blik")
    assert blik == {"type": "blik", "flows": ["authorize", "refund"],
                    "countries": ["PL"], "currencies": ["PLN"]}  # fmt: skip
    customer = {"id": "shopper-42", "email": "jenny@example.com", "name": "Jenny Rosen"}
    started = api.ok("POST", "/v1/payments", {
        "amount": 5000, "currency": "PLN", "capture_method": "automatic",
        "payment_method": {"type": "blik", "code": "777123"}, "customer": customer,
        "billing": {"country": "PL"},
    })  # fmt: skip
    assert started["status"] == "requires_action"
    assert started["next_action"]["type"] == "await_customer"
    order = started["connector_payment_id"]
    assert fake.orders[order]["kind"] == "blik"
    assert _payer_approves(fake.base_url, order) == 204
    settled = api.ok("GET", f"/v1/payments/{started['id']}")
    assert settled["status"] == "captured"
    api.ok("POST", f"/v1/payments/{started['id']}/refunds", {"amount": 1000})
    assert "777123" not in rig.service.logs()

    status, err, _ = api.call("POST", "/v1/payments", {
        "amount": 1500, "currency": "EUR", "capture_method": "automatic",
        "payment_method": {"type": "ideal"}, "customer": customer,
        "return_url": "https://shop.example.com/return",
    })  # fmt: skip
    assert status == 400 and err["error"]["field"] == "billing.country", err
