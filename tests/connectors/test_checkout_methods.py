"""Checkout.com's payment methods beyond cards, without a network: every declared method's
requests against the official specs (both account generations; ``check_request``), its
answer (fixtures shaped after the spec's responses, fixtures/checkout/methods/) with the
next action, the settling sync and webhook, refunds where declared, a bad input per
method, and scrub. tests/server/test_checkout_methods.py drives them through the service."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from connector_service.connectors.base import ConnectorContext, HttpRequest
from connector_service.connectors.capabilities import MethodFlow, check_flow, check_method
from connector_service.connectors.checkout import CheckoutConnector
from connector_service.connectors.checkout_methods import METHODS
from connector_service.domain.common import Address, Customer, RedirectAction
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    Flow,
    RefundData,
    SyncData,
    WebhookEventType,
)
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import (
    Alipay,
    ApplePay,
    Bancontact,
    Boleto,
    Card,
    Eps,
    GooglePay,
    Ideal,
    NetworkToken,
    PaymentMethodType,
    PayPal,
    Przelewy24,
    ThreeDsResult,
    type_of,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from tests.connectors.harness import make_ctx, response
from tests.contract.spec import spec_path
from tests.fakes.checkout import (
    CHANNEL,
    PUBLIC_ABC,
    PUBLIC_NAS,
    SECRET_ABC,
    SECRET_NAS,
    SPEC_BASE,
    check_request,
)

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
CONNECTOR = CheckoutConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "checkout"
METHOD_FIXTURES = FIXTURES / "methods"
WEBHOOK_SECRET = "whsec-5e1f0a7c-0b39-4e52-9a55-6f8d0e3c2b71"
CAVV = "AAABBEg0VhI0VniQEjRWAAAAAAA="
DS_ID = "f25084f0-5b16-4c0a-ae5d-b24808a95e4b"
APPLE = {
    "version": "EC_v1",
    "data": "t7GeajLB9skXB6QSWfEpPA4WPhDqB7ekdd+F7588arLzvebKp3P0TekUslSQ8nkuacUgLdks2IKyCm7U3",
    "signature": "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIID5j",
    "header": {
        "ephemeralPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhF6Mw+b3D2nGbQpb4f7RMaW4s",
        "publicKeyHash": "tqYV+tmG9aMh+l/K6cicUnPqkb1gUiLjSTM9gEz6Nl0=",
        "transactionId": "3cee89679130a4b2617c76118a1c62fd400cd45b49dc0916d5b951b560cd17b4",
    },
}
GOOGLE = {
    "protocolVersion": "ECv2",
    "signature": "MEQCIH6Q4OwQ0jAceFEkGF0JID6sJNXxOEi4r+mA7biRxqBQAiAondqoUpU/bdsrAOpZIsrHQS9n",
    "intermediateSigningKey": {"signedKey": "{}", "signatures": ["MEYCIQCO2EIi48s8VTH+ilM"]},
    "signedMessage": '{"encryptedMessage":"PHxZxBQvVWwP","ephemeralPublicKey":"BPhVspn70Zj2"}',
}  # fmt: skip


def billing(country: str, **kw: Any) -> Address:
    values: dict[str, Any] = {
        "line1": "Main Street 1", "city": "Capital", "country": country,
        "postal_code": "10115", "first_name": "Jenny", "last_name": "Rosen",
    }  # fmt: skip
    values.update(kw)
    return Address(**values)


SHOPPER = Customer(email="jenny@example.com", name="Jenny Rosen", ip_address="203.0.113.7")


@dataclass
class Case:
    pm: Any
    currency: str
    country: str | None
    sent: dict[str, Any]  # a subset of the source sent
    bad: dict[str, Any]  # changes to the AuthorizeData (``pm``: a bad method)
    bad_field: str


CASES: dict[str, Case] = {
    "apple_pay": Case(ApplePay(token=Secret(json.dumps(APPLE))), "USD", None,
                      {"type": "token", "token": "tok_ubfj2q76miwundwlk72vxt2i7q"},
                      {"pm": ApplePay(token=Secret("opaque"))}, "payment_method.token"),
    "google_pay": Case(GooglePay(token=Secret(json.dumps(GOOGLE))), "EUR", None,
                       {"type": "token", "token": "tok_2qv3l4zuqbtebcl3g4adwgbzwa"},
                       {"pm": GooglePay(token=Secret("[1, 2]"))}, "payment_method.token"),
    "network_token": Case(
        NetworkToken(number=Secret("4895370012003478"), exp_month=12, exp_year=2033,
                     cryptogram=Secret("AgAAAAAABk4DWZ4C28yUQAAAAAA="), eci="07",
                     source="google_pay"),
        "EUR", None,
        {"type": "network_token", "token": "4895370012003478", "token_type": "googlepay",
         "cryptogram": "AgAAAAAABk4DWZ4C28yUQAAAAAA=", "eci": "07", "expiry_month": 12},
        {"pm": NetworkToken(number=Secret("4895370012003478"), exp_month=12, exp_year=2033,
                            cryptogram=Secret("AgAAAAAABk4DWZ4C28yUQAAAAAA="))},
        "payment_method.eci"),
    "card_external_3ds": Case(
        Card(number=Secret("4242424242424242"), exp_month=12, exp_year=2030, cvc=Secret("100"),
             three_ds=ThreeDsResult(authentication_value=Secret(CAVV), eci="05",
                                    version="2.2.0", ds_transaction_id=DS_ID)),
        "USD", None, {"type": "card"},
        {"pm": Card(number=Secret("4242424242424242"), exp_month=12, exp_year=2030,
                    three_ds=ThreeDsResult(authentication_value=Secret("A" * 60), eci="05",
                                           version="2.2.0", ds_transaction_id=DS_ID))},
        "payment_method.three_ds.authentication_value"),
    "paypal": Case(PayPal(), "EUR", None, {"type": "paypal", "invoice_number": "ORD-5023-4E89"},
                   {"return_url": None}, "return_url"),
    "ideal": Case(Ideal(bank="INGBNL2A"), "EUR", "NL",
                  {"type": "ideal", "bic": "INGBNL2A", "description": "Two pairs of socks"},
                  {"pm": Ideal()}, "payment_method.bank"),
    "bancontact": Case(Bancontact(), "EUR", "BE",
                       {"type": "bancontact", "payment_country": "BE",
                        "account_holder_name": "Jenny Rosen"},
                       {"billing": billing("BE", first_name=None), "customer": None},
                       "billing.first_name"),
    "eps": Case(Eps(bank="BKAUATWW"), "EUR", "AT",
                {"type": "eps", "bic": "BKAUATWW", "purpose": "Two pairs of socks"},
                {"pm": Eps(bank="erste")}, "payment_method.bank"),
    "przelewy24": Case(Przelewy24(), "PLN", "PL",
                       {"type": "p24", "payment_country": "PL",
                        "account_holder_name": "Jenny Rosen",
                        "account_holder_email": "jenny@example.com"},
                       {"customer": Customer(name="Jenny Rosen")}, "customer.email"),
    "boleto": Case(Boleto(tax_id="529.982.247-25"), "BRL", "BR",
                   {"type": "boleto", "integration_type": "redirect", "country": "BR",
                    "payer": {"name": "Jenny Rosen", "email": "jenny@example.com",
                              "document": "52998224725"}},
                   {"pm": Boleto(tax_id="529.982.247-25", expires_after_days=3)},
                   "payment_method.expires_after_days"),
    "alipay": Case(Alipay(), "CNY", None, {"type": "alipay"}, {"currency": "BRL"}, "currency"),
}  # fmt: skip
WALLETS = {"apple_pay": "applepay", "google_pay": "googlepay"}
REDIRECTS = {"paypal", "ideal", "bancontact", "eps", "przelewy24", "boleto", "alipay"}


def ctx(key_type: str = "nas") -> ConnectorContext:
    creds = {
        "secret_key": SECRET_NAS if key_type == "nas" else SECRET_ABC,
        "public_key": PUBLIC_NAS if key_type == "nas" else PUBLIC_ABC,
        "webhook_secret": WEBHOOK_SECRET,
    }
    opts = {"key_type": key_type}
    if key_type == "nas":
        opts["processing_channel_id"] = CHANNEL
    return make_ctx(CONNECTOR, creds, opts, base_url=SPEC_BASE)


def data(case: Case, **changes: Any) -> AuthorizeData:
    values: dict[str, Any] = {
        "amount": 1000,
        "currency": case.currency,
        "payment_method": case.pm,
        "capture_method": CaptureMethod.AUTOMATIC,
        "reference": "ORD-5023-4E89",
        "description": "Two pairs of socks",
        "return_url": "https://shop.example.com/return",
        "billing": billing(case.country or "US"),
        "customer": SHOPPER,
    }
    if "pm" in changes:
        changes["payment_method"] = changes.pop("pm")
    values.update(changes)
    return AuthorizeData(**values)


def load(name: str) -> Any:
    return json.loads((METHOD_FIXTURES / f"{name}.json").read_text())


def requests_of(name: str, key_type: str, **changes: Any) -> list[HttpRequest]:
    """The requests of an authorization (a wallet token is exchanged first), each checked
    against the specs; the token exchange answered with its fixture."""
    steps = CONNECTOR.steps(Flow.AUTHORIZE, ctx(key_type), data(CASES[name], **changes))
    sent = [next(steps)]
    if name in WALLETS:
        sent.append(steps.send(response(201, load(f"token_{WALLETS[name]}"))))
    for request in sent:
        check_request(request, key_type)
    return sent


def subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and subset(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def test_every_declared_method_has_a_case() -> None:
    declared = set(METHODS) - {PaymentMethodType.CARD, PaymentMethodType.TOKEN,
                               PaymentMethodType.MANDATE}  # fmt: skip
    assert {type_of(c.pm) for c in CASES.values()} - {PaymentMethodType.CARD} == declared
    assert dict(CONNECTOR.meta.methods) == METHODS


@pytest.mark.parametrize("key_type", ["nas", "abc"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_requests_match_the_specs(name: str, key_type: str) -> None:
    case = CASES[name]
    *before, payment = requests_of(name, key_type)
    assert payment.url == f"{SPEC_BASE}/payments"
    body = json.loads(payment.body or b"{}")
    assert subset(case.sent, body["source"]), body["source"]
    if name in REDIRECTS:
        assert body["success_url"] == body["failure_url"] == "https://shop.example.com/return"
        assert "3ds" not in body
    if name in WALLETS:
        [exchange] = before
        assert exchange.url == f"{SPEC_BASE}/tokens"
        sent = json.loads(exchange.body or b"{}")
        assert sent["type"] == WALLETS[name]
        assert sent["token_data"] == (APPLE if name == "apple_pay" else GOOGLE)
        public = PUBLIC_NAS if key_type == "nas" else PUBLIC_ABC
        assert exchange.headers["Authorization"].endswith(public)


def test_external_3ds_is_passed_not_run_again() -> None:
    [request] = requests_of("card_external_3ds", "nas")
    assert json.loads(request.body or b"{}")["3ds"] == {
        "enabled": True, "eci": "05", "cryptogram": CAVV, "xid": DS_ID, "version": "2.2.0"
    }  # fmt: skip


def test_a_network_token_names_its_token_service() -> None:
    mastercard = NetworkToken(
        number=Secret("5555555555554444"), exp_month=12, exp_year=2033,
        cryptogram=Secret("AgAAAAAABk4DWZ4C28yUQAAAAAA="), eci="02",
    )  # fmt: skip
    [request] = requests_of("network_token", "abc", pm=mastercard)
    assert json.loads(request.body or b"{}")["source"]["token_type"] == "mdes"


@pytest.mark.parametrize("name", sorted(REDIRECTS))
def test_fixtures_are_spec_responses(name: str) -> None:
    spec = json.loads(spec_path("checkout/swagger.json").read_text())
    for schema_name, fixture in (("PaymentAcceptedResponse", f"{name}_pending"),):
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
        assert [e.message for e in OAS30Validator(schema).iter_errors(load(fixture))] == []


@pytest.mark.parametrize("kind", sorted(WALLETS.values()))
def test_token_fixtures_are_spec_responses(kind: str) -> None:
    spec = json.loads(spec_path("checkout/swagger.json").read_text())
    name = "01_ApplePayTokenResponse" if kind == "applepay" else "02_GooglePayTokenResponse"
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    assert [e.message for e in OAS30Validator(schema).iter_errors(load(f"token_{kind}"))] == []


@pytest.mark.parametrize("name", sorted(REDIRECTS))
def test_redirect_methods_answer_a_redirect_and_settle_by_sync(name: str) -> None:
    case = CASES[name]
    pending = load(f"{name}_pending")
    result = CONNECTOR.parse_authorize(ctx(), data(case), response(202, pending))
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert isinstance(result.next_action, RedirectAction)
    assert result.next_action.url == pending["_links"]["redirect"]["href"]
    ref = PaymentRef(account="checkout-test", connector="checkout",
                     connector_payment_id=pending["id"], amount=1000, currency=case.currency,
                     capture_method="automatic")  # fmt: skip
    # Still on the method's page: the same Pending with its redirect.
    waiting = CONNECTOR.parse_sync(ctx(), SyncData(payment=ref), response(200, pending))
    assert waiting.status is PaymentStatus.REQUIRES_ACTION
    settled = CONNECTOR.parse_sync(
        ctx(), SyncData(payment=ref), response(200, load(f"{name}_captured"))
    )
    assert settled.status is PaymentStatus.CAPTURED and settled.amount_captured == 1000


@pytest.mark.parametrize("name", sorted(REDIRECTS))
def test_redirect_methods_settle_by_webhook(name: str) -> None:
    raw = (METHOD_FIXTURES / f"{name}_webhook_captured.json").read_bytes()
    headers = {"cko-signature": hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()}
    assert CONNECTOR.webhook_verify(ctx(), headers, raw)
    [event] = CONNECTOR.webhook_parse(headers, raw)
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.payment is not None and event.payment.status is PaymentStatus.CAPTURED
    assert event.connector_payment_id == load(f"{name}_pending")["id"]


@pytest.mark.parametrize("name", sorted(set(CASES) - REDIRECTS))
def test_wallets_and_tokens_authorize_at_once(name: str) -> None:
    case = CASES[name]
    authorized = json.loads((FIXTURES / "payment_authorized.json").read_text())
    result = CONNECTOR.parse_authorize(
        ctx(), data(case, capture_method=CaptureMethod.MANUAL), response(201, authorized)
    )
    assert result.status is PaymentStatus.AUTHORIZED and result.next_action is None


@pytest.mark.parametrize("name", sorted(CASES))
def test_refund_where_declared(name: str) -> None:
    case = CASES[name]
    pm_type = type_of(case.pm)
    ref = PaymentRef(account="checkout-test", connector="checkout",
                     connector_payment_id="pay_mbabizu24mvu3mela5njyhpit4", amount=1000,
                     currency=case.currency, capture_method="automatic")  # fmt: skip
    if MethodFlow.REFUND in METHODS[pm_type].flows:
        request = CONNECTOR.build_refund(ctx(), RefundData(payment=ref, amount=400, reference="r1"))
        check_request(request, "nas")
        assert json.loads(request.body or b"{}")["amount"] == 400
    else:
        assert pm_type is PaymentMethodType.BOLETO  # a cash voucher: no refund through it
        with pytest.raises(ServiceError) as err:
            check_flow("Checkout.com", METHODS, pm_type, MethodFlow.REFUND, "id")
        assert err.value.http_status < 500


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_a_4xx_naming_the_field(name: str) -> None:
    case = CASES[name]
    bad = data(case, **case.bad)
    with pytest.raises(ServiceError) as err:
        check_method(
            "Checkout.com", METHODS, type_of(bad.payment_method),
            payment_method=bad.payment_method, currency=bad.currency,
            country=bad.billing.country if bad.billing else None,
        )  # fmt: skip
        steps = CONNECTOR.steps(Flow.AUTHORIZE, ctx(), bad)
        next(steps)
        if name in WALLETS:
            steps.send(response(201, load(f"token_{WALLETS[name]}")))
    assert 400 <= err.value.http_status < 500
    assert err.value.field == case.bad_field


def test_scrub_masks_wallet_tokens_and_tax_ids() -> None:
    body = json.dumps({"type": "applepay", "token_data": APPLE}) + "\n" + json.dumps(
        {"source": {"type": "boleto", "payer": {"name": "Jenny Rosen", "document": "52998224725"}},
         "3ds": {"enabled": True, "cryptogram": CAVV}}
    )  # fmt: skip
    assert CONNECTOR.scrub(body) == (
        '{"type": "applepay", "token_data": "[REDACTED]"}\n'
        '{"source": {"type": "boleto", "payer": {"name": "Jenny Rosen", '
        '"document": "[REDACTED]"}}, '
        '"3ds": {"enabled": true, "cryptogram": "[REDACTED]"}}'
    )
    dpan = json.dumps({"source": {"type": "network_token", "token": "4895370012003478"}})
    assert "4895370012003478" not in CONNECTOR.scrub(dpan)
