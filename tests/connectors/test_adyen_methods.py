"""Adyen's payment methods beyond cards, without a network: every declared method's
request against the official Checkout v71 spec, its answer (fixtures shaped after the
spec's PaymentResponse, tests/connectors/fixtures/adyen/methods/) with the next action,
the settling AUTHORISATION webhook, refunds where declared, a bad input per method, and
scrub. tests/server/test_adyen_methods.py drives the same methods through the service."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from connector_service.connectors.adyen import AdyenConnector
from connector_service.connectors.adyen_methods import METHODS
from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.capabilities import MethodFlow, check_flow, check_method
from connector_service.domain.common import (
    Address,
    AwaitCustomer,
    Customer,
    DisplayQr,
    DisplayVoucher,
    RedirectAction,
)
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import AuthorizeData, RefundData, WebhookEventType
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import (
    AchDebit,
    Affirm,
    AfterpayClearpay,
    Alipay,
    ApplePay,
    BacsDebit,
    Bancontact,
    Blik,
    Boleto,
    Card,
    Eps,
    GooglePay,
    Ideal,
    Klarna,
    Konbini,
    MandateAcceptance,
    NetworkToken,
    Oxxo,
    PaymentMethodType,
    PayNow,
    PayPal,
    Pix,
    PromptPay,
    SepaDebit,
    ThreeDsResult,
    Upi,
    WechatPay,
    type_of,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from tests.connectors.harness import make_ctx, response
from tests.contract.spec import spec_path, validate_request
from tests.fakes.adyen import API_KEY, HMAC_KEY, MERCHANT, notification

SPEC = "adyen/CheckoutService-v71.json"
TEST_BASE = "https://checkout-test.adyen.com/v71"
FIXTURES = Path(__file__).parent / "fixtures" / "adyen" / "methods"
connector = AdyenConnector()

APPLE_TOKEN = json.dumps(
    {
        "version": "EC_v1",
        "data": "3+f4oOTwPa6f1UZ6tG6KbV1bMJ0cmP3NmZVhVaXdP6ZcmQ==",
        "signature": "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIID",
        "header": {
            "ephemeralPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEv8i",
            "publicKeyHash": "tqYV+tmG9aMh+l/K6cicUnPqkb1gUiLjSTM9gEz6Nl0=",
            "transactionId": "3cee89679130a4b2617c76118a1c62fd400cd45b49dc0916d5b951b560cd17b4",
        },
    }
)
GOOGLE_TOKEN = json.dumps(
    {
        "signature": "MEQCIH6Q4OwQ0jAceFEkGF0JID6sJNXxOEi4r+mA7biRxqBQAiAondqoUpU/bdsrAOpZIsrHQS9n",
        "protocolVersion": "ECv2",
        "signedMessage": '{"encryptedMessage":"PHxZxBQvVWwP","ephemeralPublicKey":"BPhVspn70Zj2"}',
    }
)
CAVV = "AAABBEg0VhI0VniQEjRWAAAAAAA="
ACCEPTED = MandateAcceptance(
    accepted_at="2026-11-30T09:15:00Z",
    ip_address="203.0.113.7",
    user_agent="Mozilla/5.0 (X11; Linux x86_64)",
)


def billing(country: str, **kw: Any) -> Address:
    values: dict[str, Any] = {
        "line1": "Main Street 1",
        "line2": "2",
        "city": "Capital",
        "postal_code": "10115",
        "country": country,
        "first_name": "Jenny",
        "last_name": "Rosen",
    }
    values.update(kw)
    return Address(**values)


SHOPPER = Customer(id="shopper-42", email="jenny@example.com", phone="+44 20 7946 0958")


@dataclass
class Case:
    """One declared method: what is sent, what Adyen answers (the fixture), what the
    caller sees, and a bad input with the field the 4xx must name."""

    pm: Any
    currency: str
    country: str | None
    sent: dict[str, Any]  # a subset of the paymentMethod object
    status: PaymentStatus
    action: type | None
    bad: dict[str, Any]  # changes to the AuthorizeData (``pm``: a bad method)
    bad_field: str
    top: dict[str, Any] = field(default_factory=dict)  # top-level fields that must be sent
    webhook_method: str = ""
    fixture: str = ""


def _case(name: str) -> Case:
    return CASES[name]


CASES: dict[str, Case] = {
    "apple_pay": Case(
        ApplePay(token=Secret(APPLE_TOKEN)), "USD", None,
        {"type": "applepay", "applePayToken": base64.b64encode(
            json.dumps(json.loads(APPLE_TOKEN), separators=(",", ":")).encode()).decode()},
        PaymentStatus.CAPTURED, None,
        {"pm": ApplePay(token=Secret("not the wallet's token"))}, "payment_method.token",
        webhook_method="applepay",
    ),
    "google_pay": Case(
        GooglePay(token=Secret(GOOGLE_TOKEN)), "EUR", None,
        {"type": "googlepay", "googlePayToken": GOOGLE_TOKEN},
        PaymentStatus.CAPTURED, None,
        {"pm": GooglePay(token=Secret("%%%"))}, "payment_method.token",
        webhook_method="googlepay",
    ),
    "network_token": Case(
        NetworkToken(number=Secret("4895370012003478"), exp_month=12, exp_year=2033,
                     cryptogram=Secret("AgAAAAAABk4DWZ4C28yUQAAAAAA="), eci="07",
                     source="apple_pay"),
        "EUR", None,
        {"type": "networkToken", "number": "4895370012003478", "expiryMonth": "12"},
        PaymentStatus.CAPTURED, None,
        {"currency": "XYZ"}, "currency",
        top={"mpiData": {"tokenAuthenticationVerificationValue": "AgAAAAAABk4DWZ4C28yUQAAAAAA=",
                         "eci": "07", "directoryResponse": "Y", "authenticationResponse": "Y"}},
        webhook_method="visa",
    ),
    "card_external_3ds": Case(
        Card(number=Secret("4111111145551142"), exp_month=3, exp_year=2030, cvc=Secret("737"),
             three_ds=ThreeDsResult(authentication_value=Secret(CAVV), eci="05",
                                    version="2.2.0",
                                    ds_transaction_id="f25084f0-5b16-4c0a-ae5d-b24808a95e4b")),
        "EUR", None,
        {"type": "scheme"},
        PaymentStatus.CAPTURED, None,
        {"currency": "XYZ"}, "currency",
        top={"mpiData": {"cavv": CAVV, "eci": "05", "threeDSVersion": "2.2.0",
                         "dsTransID": "f25084f0-5b16-4c0a-ae5d-b24808a95e4b",
                         "directoryResponse": "Y", "authenticationResponse": "Y"}},
        webhook_method="visa",
    ),
    "paypal": Case(
        PayPal(), "EUR", None, {"type": "paypal", "subtype": "redirect"},
        PaymentStatus.REQUIRES_ACTION, RedirectAction, {"currency": "XYZ"}, "currency",
        webhook_method="paypal",
    ),
    "ideal": Case(
        Ideal(bank="1121"), "EUR", "NL", {"type": "ideal", "issuer": "1121"},
        PaymentStatus.REQUIRES_ACTION, RedirectAction, {"currency": "USD"}, "currency",
        webhook_method="ideal",
    ),
    "bancontact": Case(
        Bancontact(), "EUR", "BE", {"type": "bcmc_mobile"},
        PaymentStatus.REQUIRES_ACTION, DisplayQr, {"billing": billing("NL")}, "billing.country",
        webhook_method="bcmc_mobile",
    ),
    "eps": Case(
        Eps(bank="bankaustria"), "EUR", "AT", {"type": "eps", "issuer": "bankaustria"},
        PaymentStatus.REQUIRES_ACTION, RedirectAction, {"pm": Eps()}, "payment_method.bank",
        webhook_method="eps",
    ),
    "blik": Case(
        Blik(code=Secret("777123")), "PLN", "PL", {"type": "blik", "blikCode": "777123"},
        PaymentStatus.REQUIRES_ACTION, AwaitCustomer, {"currency": "EUR"}, "currency",
        webhook_method="blik",
    ),
    "sepa_debit": Case(
        SepaDebit(iban=Secret("DE89 3704 0044 0532 0130 00"), account_holder_name="Jenny Rosen",
                  mandate_acceptance=ACCEPTED),
        "EUR", "DE",
        {"type": "sepadirectdebit", "iban": "DE89370400440532013000", "ownerName": "Jenny Rosen"},
        PaymentStatus.PROCESSING, None, {"currency": "GBP"}, "currency",
        webhook_method="sepadirectdebit",
    ),
    "ach_debit": Case(
        AchDebit(account_number=Secret("000123456789"), routing_number="011000015",
                 account_holder_name="Jenny Rosen", mandate_acceptance=ACCEPTED),
        "USD", "US",
        {"type": "ach", "bankAccountNumber": "000123456789", "bankLocationId": "011000015",
         "bankAccountType": "checking", "accountHolderType": "personal"},
        PaymentStatus.PROCESSING, None, {"billing": Address(country="US")}, "billing.line1",
        top={"billingAddress": {"street": "Main Street 1", "city": "Capital"}},
        webhook_method="ach",
    ),
    "bacs_debit": Case(
        BacsDebit(sort_code="10-88-00", account_number=Secret("00012345"),
                  account_holder_name="Jenny Rosen", mandate_acceptance=ACCEPTED),
        "GBP", "GB",
        {"type": "directdebit_GB", "bankAccountNumber": "00012345", "bankLocationId": "108800",
         "holderName": "Jenny Rosen"},
        PaymentStatus.PROCESSING, None, {"customer": None}, "customer.email",
        top={"shopperEmail": "jenny@example.com"},
        webhook_method="directdebit_GB",
    ),
    "pix": Case(
        Pix(), "BRL", "BR", {"type": "pix"},
        PaymentStatus.REQUIRES_ACTION, DisplayQr, {"pm": Pix(expires_after_seconds=3600)},
        "payment_method.expires_after_seconds", webhook_method="pix",
    ),
    "upi_collect": Case(
        Upi(vpa="jenny@okaxis"), "INR", "IN",
        {"type": "upi_collect", "virtualPaymentAddress": "jenny@okaxis"},
        PaymentStatus.REQUIRES_ACTION, AwaitCustomer, {"currency": "USD"}, "currency",
        webhook_method="upi_collect",
    ),
    "upi_qr": Case(
        Upi(), "INR", "IN", {"type": "upi_qr"},
        PaymentStatus.REQUIRES_ACTION, DisplayQr, {"billing": billing("SG")}, "billing.country",
        webhook_method="upi_qr",
    ),
    "paynow": Case(
        PayNow(), "SGD", "SG", {"type": "paynow"},
        PaymentStatus.REQUIRES_ACTION, DisplayQr, {"currency": "MYR"}, "currency",
        webhook_method="paynow",
    ),
    "promptpay": Case(
        PromptPay(), "THB", "TH", {"type": "promptpay"},
        PaymentStatus.REQUIRES_ACTION, DisplayQr, {"currency": "USD"}, "currency",
        webhook_method="promptpay",
    ),
    "boleto": Case(
        Boleto(tax_id="529.982.247-25", expires_after_days=3), "BRL", "BR",
        {"type": "boletobancario"},
        PaymentStatus.REQUIRES_ACTION, DisplayVoucher,
        {"billing": billing("BR", first_name=None, last_name=None)}, "billing.first_name",
        top={"socialSecurityNumber": "52998224725",
             "shopperName": {"firstName": "Jenny", "lastName": "Rosen"}},
        webhook_method="boletobancario",
    ),
    "oxxo": Case(
        Oxxo(), "MXN", "MX", {"type": "oxxo"},
        PaymentStatus.REQUIRES_ACTION, DisplayVoucher, {"pm": Oxxo(expires_after_days=2)},
        "payment_method.expires_after_days",
        top={"shopperEmail": "jenny@example.com"}, webhook_method="oxxo",
    ),
    "konbini": Case(
        Konbini(), "JPY", "JP",
        {"type": "econtext_stores", "firstName": "Jenny", "lastName": "Rosen",
         "shopperEmail": "jenny@example.com", "telephoneNumber": "+442079460958"},
        PaymentStatus.REQUIRES_ACTION, DisplayVoucher,
        {"customer": Customer(email="jenny@example.com")}, "customer.phone",
        webhook_method="econtext_stores",
    ),
    "klarna": Case(
        Klarna(), "EUR", "DE", {"type": "klarna"},
        PaymentStatus.REQUIRES_ACTION, RedirectAction, {"billing": None}, "billing.line1",
        top={"countryCode": "DE", "shopperEmail": "jenny@example.com"},
        webhook_method="klarna",
    ),
    "afterpay_clearpay": Case(
        AfterpayClearpay(), "GBP", "GB", {"type": "clearpay"},
        PaymentStatus.REQUIRES_ACTION, RedirectAction,
        {"customer": Customer(email="jenny@example.com")}, "customer.phone",
        top={"telephoneNumber": "+442079460958", "countryCode": "GB"},
        webhook_method="clearpay",
    ),
    "affirm": Case(
        Affirm(), "USD", "US", {"type": "affirm"},
        PaymentStatus.REQUIRES_ACTION, RedirectAction, {"customer": None}, "customer.email",
        top={"countryCode": "US"}, webhook_method="affirm",
    ),
    "alipay": Case(
        Alipay(), "CNY", None, {"type": "alipay"},
        PaymentStatus.REQUIRES_ACTION, RedirectAction, {"currency": "BRL"}, "currency",
        webhook_method="alipay",
    ),
    "wechat_pay": Case(
        WechatPay(), "CNY", None, {"type": "wechatpayQR"},
        PaymentStatus.REQUIRES_ACTION, DisplayQr, {"currency": "BRL"}, "currency",
        webhook_method="wechatpayQR",
    ),
}  # fmt: skip


def ctx() -> ConnectorContext:
    return make_ctx(
        connector,
        {"api_key": API_KEY, "webhook_secret": HMAC_KEY},
        {"merchant_account": MERCHANT},
        base_url=TEST_BASE,
    )


def data(case: Case, **changes: Any) -> AuthorizeData:
    values: dict[str, Any] = {
        "amount": 1000,
        "currency": case.currency,
        "payment_method": case.pm,
        "capture_method": CaptureMethod.AUTOMATIC,
        "reference": "order-1001",
        "description": "Two pairs of socks",
        "return_url": "https://shop.example.com/return",
        "billing": billing(case.country or "US"),
        "customer": SHOPPER,
    }
    if "pm" in changes:
        changes["payment_method"] = changes.pop("pm")
    values.update(changes)
    return AuthorizeData(**values)


def sent(case: Case, **changes: Any) -> dict[str, Any]:
    request = connector.build_authorize(ctx(), data(case, **changes))
    validate_request(SPEC, request, TEST_BASE)
    body: dict[str, Any] = json.loads(request.body or b"{}")
    return body


def subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and subset(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return body


def test_every_declared_method_has_a_case() -> None:
    declared = set(METHODS) - {PaymentMethodType.CARD, PaymentMethodType.TOKEN,
                               PaymentMethodType.MANDATE}  # fmt: skip
    covered = {type_of(c.pm) for c in CASES.values()} - {PaymentMethodType.CARD}
    assert covered == declared
    assert set(connector.meta.methods) == set(METHODS)
    assert METHODS[PaymentMethodType.CARD].external_3ds


@pytest.mark.parametrize("name", sorted(CASES))
def test_request_matches_the_spec(name: str) -> None:
    case = _case(name)
    body = sent(case)
    assert subset(case.sent, body["paymentMethod"]), body["paymentMethod"]
    assert subset(case.top, body), {k: body.get(k) for k in case.top}
    assert body["amount"] == {"value": 1000, "currency": case.currency}
    if "mpiData" in case.top:  # authenticated elsewhere: Adyen must not run 3-D Secure
        assert "authenticationData" not in body


def test_a_manual_capture_of_a_capturable_method_is_held() -> None:
    body = sent(_case("klarna"), capture_method=CaptureMethod.MANUAL)
    assert body["additionalData"]["manualCapture"] == "true"
    assert "captureDelayHours" not in body
    assert body["lineItems"] == [
        {"id": "order-1001", "description": "Two pairs of socks", "quantity": 1,
         "amountIncludingTax": 1000, "taxAmount": 0, "amountExcludingTax": 1000}
    ]  # fmt: skip


def test_the_order_lines_replace_the_single_line_when_given() -> None:
    from connector_service.domain.splits import LineItem, Order

    order = Order(line_items=[LineItem(name="Socks", quantity=2, unit_amount=500, sku="S-1")])
    body = sent(_case("klarna"), order=order)
    assert [(i["description"], i["quantity"]) for i in body["lineItems"]] == [("Socks", 2)]


def test_afterpay_is_clearpay_in_the_uk_only() -> None:
    case = _case("afterpay_clearpay")
    us = sent(case, currency="USD", billing=billing("US"))
    assert us["paymentMethod"]["type"] == "afterpaytouch"
    assert sent(case)["paymentMethod"]["type"] == "clearpay"


def test_a_network_token_from_a_wallet_names_its_wallet() -> None:
    body = sent(_case("network_token"))
    assert body["additionalData"]["paymentdatasource.type"] == "applepay"
    plain = NetworkToken(number=Secret("4895370012003478"), exp_month=12, exp_year=2033,
                         cryptogram=Secret("AgAAAAAABk4DWZ4C28yUQAAAAAA="))  # fmt: skip
    body = sent(_case("network_token"), pm=plain)
    assert "paymentdatasource.type" not in body.get("additionalData", {})
    assert "eci" not in body["mpiData"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_is_a_spec_payment_response(name: str) -> None:
    spec = json.loads(spec_path(SPEC).read_text())
    schema = {"$ref": "#/components/schemas/PaymentResponse", "components": spec["components"]}
    errors = [e.message for e in OAS30Validator(schema).iter_errors(fixture(name))]
    assert errors == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_answer_parses_to_the_next_action(name: str) -> None:
    case = _case(name)
    body = fixture(name)
    result = connector.parse_authorize(ctx(), data(case), response(200, body))
    assert result.status is case.status
    assert result.connector_payment_id == body["pspReference"]
    action = body.get("action", {})
    if case.action is None:
        assert result.next_action is None
    else:
        assert isinstance(result.next_action, case.action)
    if isinstance(result.next_action, RedirectAction):
        assert result.next_action.url == action["url"]
    elif isinstance(result.next_action, DisplayQr):
        assert result.next_action.payload == action["qrCodeData"]
        assert result.next_action.expires_at == action.get("expiresAt")
    elif isinstance(result.next_action, DisplayVoucher):
        assert result.next_action.reference == action["reference"]
        assert result.next_action.expires_at == action["expiresAt"]
        assert result.next_action.url  # a printable voucher or the instructions
    if case.status is PaymentStatus.PROCESSING:
        assert result.pending_reason == "awaiting_webhook"
    if case.status is PaymentStatus.CAPTURED:
        assert result.amount_captured == 1000


def test_a_sepa_debit_reports_its_mandate() -> None:
    case = _case("sepa_debit")
    result = connector.parse_authorize(ctx(), data(case), response(200, fixture("sepa_debit")))
    assert result.meta == {
        "sepa_mandate_id": "VK9DRSLLRCQ2WN82",
        "sepa_mandate_signed_on": "2026-12-03",
        "sepa_sequence_type": "OneOff",
    }


def test_an_authorised_debit_still_waits_for_the_money() -> None:
    case = _case("sepa_debit")
    body = fixture("sepa_debit") | {"resultCode": "Authorised"}
    result = connector.parse_authorize(ctx(), data(case), response(200, body))
    assert result.status is PaymentStatus.PROCESSING and result.amount_captured is None


def _item(case: Case, success: bool, psp: str = "VK9DRSLLRCQ2WN82") -> dict[str, Any]:
    return {
        "additionalData": {},
        "amount": {"value": 1000, "currency": case.currency},
        "eventCode": "AUTHORISATION",
        "eventDate": "2026-12-03T10:15:00+01:00",
        "merchantAccountCode": MERCHANT,
        "merchantReference": "order-1001",
        "paymentMethod": case.webhook_method,
        "pspReference": psp,
        "reason": "" if success else "Refused",
        "success": "true" if success else "false",
    }


# Methods Adyen captures at once: their AUTHORISATION is the money (others are holds).
HELD = {"apple_pay", "google_pay", "network_token", "card_external_3ds", "paypal", "klarna",
        "afterpay_clearpay", "affirm"}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("success", [True, False])
def test_the_authorisation_webhook_settles_it(name: str, success: bool) -> None:
    case = _case(name)
    body = notification(_item(case, success))
    assert connector.webhook_verify(ctx(), {}, body)
    [event] = connector.webhook_parse({}, body)
    assert event.payment is not None
    assert event.connector_payment_id == "VK9DRSLLRCQ2WN82"
    if not success:
        assert event.type is WebhookEventType.PAYMENT_FAILED
        assert event.payment.status is PaymentStatus.FAILED
    elif name in HELD:
        assert event.type is WebhookEventType.PAYMENT_AUTHORIZED
        assert event.payment.status is PaymentStatus.AUTHORIZED
    else:
        assert event.type is WebhookEventType.PAYMENT_CAPTURED
        assert event.payment.status is PaymentStatus.CAPTURED
        assert event.payment.amount_captured == 1000


@pytest.mark.parametrize("name", sorted(CASES))
def test_refund_where_declared(name: str) -> None:
    case = _case(name)
    pm_type = type_of(case.pm)
    ref = PaymentRef(account="adyen-test", connector="adyen", connector_payment_id="VK9DRSLLRC",
                     amount=1000, currency=case.currency, capture_method="automatic")  # fmt: skip
    if MethodFlow.REFUND in METHODS[pm_type].flows:
        request = connector.build_refund(ctx(), RefundData(payment=ref, amount=400, reference="r1"))
        validate_request(SPEC, request, TEST_BASE)
        assert json.loads(request.body or b"{}")["amount"] == {
            "value": 400,
            "currency": case.currency,
        }
    else:
        assert pm_type in (PaymentMethodType.BOLETO, PaymentMethodType.OXXO,
                           PaymentMethodType.KONBINI)  # fmt: skip
        with pytest.raises(ServiceError) as err:
            check_flow("Adyen", METHODS, pm_type, MethodFlow.REFUND, "id")
        assert err.value.http_status < 500 and err.value.field == "id"


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_a_4xx_naming_the_field(name: str) -> None:
    """What the service checks before the call (the declaration) and then the builder."""
    case = _case(name)
    bad = data(case, **case.bad)
    with pytest.raises(ServiceError) as err:
        check_method(
            "Adyen", METHODS, type_of(bad.payment_method), payment_method=bad.payment_method,
            currency=bad.currency, country=bad.billing.country if bad.billing else None,
        )  # fmt: skip
        connector.build_authorize(ctx(), bad)
    assert 400 <= err.value.http_status < 500
    assert err.value.field == case.bad_field


@pytest.mark.parametrize("pm_type", sorted(set(METHODS) - {PaymentMethodType.TOKEN}))
def test_methods_without_a_capture_refuse_a_manual_one(pm_type: PaymentMethodType) -> None:
    support = METHODS[pm_type]
    if MethodFlow.CAPTURE in support.flows:
        return
    with pytest.raises(ServiceError) as err:
        check_method("Adyen", METHODS, pm_type, manual_capture=True)
    assert err.value.field == "capture_method"


def test_scrub_masks_method_secrets() -> None:
    body = json.dumps(
        {
            "paymentMethod": {"type": "googlepay", "googlePayToken": GOOGLE_TOKEN},
            "blik": {"type": "blik", "blikCode": "777123"},
            "sepa": {"type": "sepadirectdebit", "iban": "DE89370400440532013000"},
            "ach": {"type": "ach", "bankAccountNumber": "000123456789"},
            "mpiData": {
                "tokenAuthenticationVerificationValue": "AgAAAAAABk4DWZ4C28yUQAAAAAA=",
                "cavv": CAVV,
            },
            "socialSecurityNumber": "52998224725",
            "upi": {"virtualPaymentAddress": "jenny@okaxis"},
            "apple": {"applePayToken": "eyJ2ZXJzaW9uIjoiRUNfdjEifQ=="},
        }
    )
    assert connector.scrub(body) == json.dumps(
        {
            "paymentMethod": {"type": "googlepay", "googlePayToken": "[REDACTED]"},
            "blik": {"type": "blik", "blikCode": "[REDACTED]"},
            "sepa": {"type": "sepadirectdebit", "iban": "[REDACTED]"},
            "ach": {"type": "ach", "bankAccountNumber": "[REDACTED]"},
            "mpiData": {"tokenAuthenticationVerificationValue": "[REDACTED]",
                        "cavv": "[REDACTED]"},
            "socialSecurityNumber": "[REDACTED]",
            "upi": {"virtualPaymentAddress": "[REDACTED]"},
            "apple": {"applePayToken": "[REDACTED]"},
        }
    )  # fmt: skip
