"""Cybersource's network tokens, decrypted wallet tokens, externally authenticated cards
and the wallets' encrypted tokens Cybersource decrypts, through the service (REST) and
the loopback fake, which checks every request against the SDK models' contract: the
payment authorized at once (no next action), captured, read back (a sync) and refunded;
the fake's own checks (a cryptogram, a wallet's authentication value where the brand
wants it, 3-D Secure for an issuer asking for it); nothing secret in the log or the
stored rows; what is not taken answered 4xx naming the field before any call."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from connector_service.testing.fakes.cybersource import AUTHENTICATION_CARD, DECRYPTED_DPAN
from connector_service.testing.profiles.cybersource import PROFILE
from connector_service.testing.rig import Rig
from tests.payment_methods.examples import example
from tests.server.specifics import rig_fixture

rig = rig_fixture(PROFILE)

CRYPTOGRAM = "AgAAAAAABk4DWZ4C28yUQAAAAAA="
CAVV = "AAABBEg0VhI0VniQEjRWAAAAAAA="
TOKENS: dict[str, dict[str, Any]] = {
    "apple_pay (Visa)": example("network_token", cryptogram=CRYPTOGRAM, eci="05"),
    "google_pay (Mastercard)": example(
        "network_token", number="5204731600014792", source="google_pay", eci=None
    ),
    "network_token (card on file)": example("network_token", source="network_token", eci="07"),
}
BILLING = {"first_name": "Jenny", "last_name": "Rosen", "line1": "1 Market St",
           "city": "San Francisco", "postal_code": "94105", "country": "US"}  # fmt: skip


def body(payment_method: dict[str, Any], capture: str = "automatic") -> dict[str, Any]:
    return {
        "amount": 1000, "currency": "USD", "capture_method": capture,
        "payment_method": payment_method, "billing": BILLING,
        "customer": {"email": "jenny@example.com"},
    }  # fmt: skip


def sent_body(rig: Rig) -> Any:
    """The last create-payment request the fake received, as JSON."""
    request = next(r for r in reversed(rig.fake.received) if r.url.endswith("/pts/v2/payments"))
    return json.loads(request.body or b"{}")


@pytest.mark.parametrize("name", sorted(TOKENS))
def test_a_token_is_authorized_at_once_captured_and_refunded(rig: Rig, name: str) -> None:
    api = rig.api
    created = api.ok("POST", "/v1/payments", body(TOKENS[name]))
    assert created["status"] == "captured" and not created.get("next_action"), created
    # the token's summary, from Cybersource's answer (core shows it as a card summary)
    assert created["payment_method"]["card"]["last4"] == TOKENS[name]["number"][-4:], created
    tokenized = sent_body(rig)["paymentInformation"]["tokenizedCard"]
    assert tokenized["number"] == TOKENS[name]["number"]
    assert tokenized["transactionType"] == ("3" if "card on file" in name else "1")
    got = api.ok("GET", f"/v1/payments/{created['id']}")
    assert got["status"] == "captured" and got["amount_captured"] == 1000, got
    refund = api.ok("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 400})
    assert refund["status"] == "pending" and refund["amount"] == 400, refund


APPLE = json.dumps({"version": "EC_v1", "data": "t7GeajLB9skXB6QSWfEpPA4WPhD==",
                    "signature": "MIAGCSqGSIb3", "header": {"transactionId": "3ce"}})  # fmt: skip
GOOGLE = json.dumps({"signature": "MEQCIH6Q", "protocolVersion": "ECv2", "signedMessage": "{}"})
WALLETS = {"apple_pay": (APPLE, "001"), "google_pay": (GOOGLE, "012")}


@pytest.mark.parametrize("name", sorted(WALLETS))
def test_an_encrypted_wallet_token_is_decrypted_by_cybersource(rig: Rig, name: str) -> None:
    token, solution = WALLETS[name]
    created = rig.api.ok("POST", "/v1/payments", body({"type": name, "token": token}))
    assert created["status"] == "captured" and not created.get("next_action"), created
    sent = sent_body(rig)
    assert sent["processingInformation"]["paymentSolution"] == solution
    assert json.loads(base64.b64decode(sent["paymentInformation"]["fluidData"]["value"])) == (
        json.loads(token)
    )
    # the DPAN the fake decrypted it to, shown by its last four digits
    assert created["payment_method"]["card"]["last4"] == DECRYPTED_DPAN[solution][-4:]
    refund = rig.api.ok("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 1000})
    assert refund["status"] == "pending", refund


def test_a_token_authorized_then_captured_separately(rig: Rig) -> None:
    created = rig.api.ok("POST", "/v1/payments", body(TOKENS["apple_pay (Visa)"], "manual"))
    assert created["status"] == "authorized", created
    captured = rig.api.ok("POST", f"/v1/payments/{created['id']}/capture", {"amount": 600})
    assert captured["status"] == "partially_captured" and captured["amount_captured"] == 600


def test_an_issuer_asking_for_3ds_takes_a_card_authenticated_elsewhere(rig: Rig) -> None:
    card = {"type": "card", "number": AUTHENTICATION_CARD, "exp_month": 12, "exp_year": 2031,
            "cvc": "123"}  # fmt: skip
    declined = rig.api.ok("POST", "/v1/payments", body(card, "manual"))
    assert declined["status"] == "failed", declined
    assert declined["failure"]["code"] == "authentication_required", declined
    three_ds = {"authentication_value": CAVV, "eci": "05", "version": "2.2.0",
                "ds_transaction_id": "f25084f0-5b16-4c0a-ae5d-b24808a95e4b"}  # fmt: skip
    created = rig.api.ok("POST", "/v1/payments", body({**card, "three_ds": three_ds}, "manual"))
    assert created["status"] == "authorized", created
    sent = sent_body(rig)
    assert sent["processingInformation"]["commerceIndicator"] == "vbv"
    assert sent["consumerAuthenticationInformation"]["cavv"] == CAVV
    captured = rig.api.ok("POST", f"/v1/payments/{created['id']}/capture", {})
    assert captured["status"] == "captured", captured


def test_no_cryptogram_or_cavv_in_the_log_or_the_stored_rows(rig: Rig) -> None:
    secret_cryptogram = "Crypt0gramZq7xKAAAAAAAAAA="
    secret_cavv = "CavvZq7xKAAAAAAAAAAAAAAAAAA="
    token = example("network_token", cryptogram=secret_cryptogram, eci="05")
    rig.api.ok("POST", "/v1/payments", body(token))
    card = {"type": "card", "number": "4111111111111111", "exp_month": 12, "exp_year": 2031,
            "three_ds": {"authentication_value": secret_cavv, "eci": "05", "version": "2.2.0",
                         "ds_transaction_id": "f25084f0-5b16-4c0a-ae5d-b24808a95e4b"}}  # fmt: skip
    rig.api.ok("POST", "/v1/payments", body(card))
    assert sent_body(rig)["consumerAuthenticationInformation"]["cavv"] == secret_cavv  # it was sent
    wallet = json.dumps({"version": "EC_v1", "data": "WalletDataZq7xK", "signature": "MIAG"})
    rig.api.ok("POST", "/v1/payments", body({"type": "apple_pay", "token": wallet}))
    encrypted = sent_body(rig)["paymentInformation"]["fluidData"]["value"]
    log = rig.service.logs()
    assert (
        "connector_service.transcript" in log
    )  # the exchanges were logged: the scan means something
    folder = rig.service.log_path.parent
    stored = b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith("service.db"))
    for secret in (secret_cryptogram, secret_cavv, token["number"], "WalletDataZq7xK", encrypted):
        assert secret not in log, secret[:6]
        assert secret.encode() not in stored, secret[:6]


@pytest.mark.parametrize(
    ("payment_method", "field"),
    [
        ({"type": "paypal"}, "payment_method.type"),
        ({"type": "card", "number": "4111111111111111", "exp_month": 12, "exp_year": 2031,
          "three_ds": {"authentication_value": CAVV, "eci": "05", "version": "1.0.2"}},
         "payment_method.three_ds.version"),
    ],
)  # fmt: skip
def test_what_is_not_taken_is_a_4xx_naming_the_field(
    rig: Rig, payment_method: dict[str, Any], field: str
) -> None:
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", body(payment_method))
    assert status == 422 and err["error"]["type"] == "not_supported", err
    assert err["error"]["field"] == field, err
    assert rig.gateway_calls() == calls  # refused before any call to Cybersource


def test_a_wallet_token_that_is_not_json_is_a_4xx_naming_it(rig: Rig) -> None:
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", body({"type": "apple_pay",
                                                                "token": "opaque"}))  # fmt: skip
    assert 400 <= status < 500 and err["error"]["field"] == "payment_method.token", err
    assert rig.gateway_calls() == calls
