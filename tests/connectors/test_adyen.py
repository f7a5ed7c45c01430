"""Adyen connector without a network: contract of every request against the official
Checkout v71 spec, parsing of realistic bodies, declines, errors, webhooks and scrub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.adyen import (
    ADVICE_CATEGORY,
    DECLINE_BY_CODE,
    DISPUTE_EVENTS,
    PAYMENT_STATUS,
    AdyenConnector,
    from_adyen_minor,
    signing_string,
    to_adyen_minor,
)
from connector_service.connectors.base import ConnectorContext, HttpRequest
from connector_service.domain.common import Address, BrowserInfo, Customer
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    StoredMandate,
    VoidData,
    WebhookEventType,
)
from connector_service.domain.ids import MandateRef, PaymentRef
from connector_service.domain.payment_methods import Card, Przelewy24, Token
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    DeclineCategory,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from tests.connectors.harness import drive, make_ctx, response
from tests.contract.spec import SpecViolation, spec_path, validate_request
from tests.fakes.adyen import API_KEY, HMAC_KEY, MERCHANT, notification

WALLET = Przelewy24()  # a method this connector does not take (adyen_methods.py)

SPEC = "adyen/CheckoutService-v71.json"
TEST_BASE = "https://checkout-test.adyen.com/v71"
LIVE_BASE = "https://1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com/checkout/v71"
FIXTURES = Path(__file__).parent / "fixtures" / "adyen"
CREDS = {"api_key": API_KEY, "webhook_secret": HMAC_KEY}
OPTIONS = {"merchant_account": MERCHANT}
PAN, CVC = "4111111145551142", "737"

connector = AdyenConnector()


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(base_url: str = TEST_BASE, **kw: Any) -> ConnectorContext:
    options = {**OPTIONS, **kw.pop("options", {})}
    return make_ctx(connector, CREDS, options, base_url=base_url, **kw)


def card(holder: str | None = "Jane Shopper") -> Card:
    return Card(number=Secret(PAN), exp_month=3, exp_year=2030, cvc=Secret(CVC), holder_name=holder)


def authorize_data(**kw: Any) -> AuthorizeData:
    values: dict[str, Any] = {
        "amount": 1000,
        "currency": "EUR",
        "payment_method": card(),
        "capture_method": CaptureMethod.MANUAL,
        "reference": "order-1001",
        "return_url": "https://shop.example.com/return",
    }
    values.update(kw)
    return AuthorizeData(**values)


def pref(psp: str = "993617895204576J", **kw: Any) -> PaymentRef:
    values: dict[str, Any] = {
        "account": "adyen-test",
        "connector": "adyen",
        "connector_payment_id": psp,
        "amount": 1000,
        "currency": "EUR",
        "capture_method": "manual",
    }
    values.update(kw)
    return PaymentRef(**values)


def mref(**kw: Any) -> MandateRef:
    values: dict[str, Any] = {
        "account": "adyen-test",
        "connector": "adyen",
        "connector_mandate_id": "M5N7TQ4TG5PFWR50",
        "customer_id": "shopper-42",
        "meta": {"shopperReference": "shopper-42", "rpm": "Subscription"},
    }
    values.update(kw)
    return MandateRef(**values)


BROWSER = BrowserInfo(
    accept_header="text/html",
    user_agent="Mozilla/5.0 (X11; Linux x86_64)",
    language="nl-NL",
    color_depth=24,
    screen_height=1080,
    screen_width=1920,
    time_zone_offset=-60,
    javascript_enabled=True,
    ip_address="203.0.113.7",
)
BILLING = Address(
    line1="Simon Carmiggeltstraat",
    line2="6-50",
    city="Amsterdam",
    postal_code="1011 DJ",
    country="NL",
    first_name="Jane",
    last_name="Shopper",
)
CUSTOMER = Customer(id="shopper-42", email="jane@example.com", ip_address="203.0.113.7")


def body(request: HttpRequest) -> dict[str, Any]:
    return json.loads(request.body or b"{}")


# --------------------------------------------------------------------------- declarations


def test_declared_flows_are_exactly_the_implemented_ones() -> None:
    assert connector.meta.flows == connector.implemented_flows()
    assert Flow.SYNC not in connector.meta.flows  # Checkout API has no payment GET
    assert Flow.REFUND_SYNC not in connector.meta.flows


def test_every_credential_is_a_secret_field() -> None:
    names = {f.name for f in connector.meta.credential_fields}
    assert names == set(connector.meta.secret_fields) == {"api_key", "webhook_secret"}


def test_live_base_url_from_prefix() -> None:
    assert (
        AdyenConnector.live_base_url("1797a841fbb37ca7-AdyenDemo")
        == "https://1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com/checkout/v71"
    )
    with pytest.raises(ServiceError) as err:
        AdyenConnector.live_base_url("evil.example.com/x")
    assert err.value.field == "live_url_prefix"


def test_live_template_is_resolved_from_the_account_option() -> None:
    live = ctx(
        base_url=connector.meta.base_url_live,
        options={"live_url_prefix": "1797a841fbb37ca7-AdyenDemo"},
    )
    request = connector.build_authorize(live, authorize_data())
    assert request.url == f"{LIVE_BASE}/payments"
    validate_request(SPEC, request, LIVE_BASE)
    with pytest.raises(ServiceError) as err:  # live without the prefix option
        connector.build_authorize(ctx(base_url=connector.meta.base_url_live), authorize_data())
    assert err.value.code == "missing_account_option"


# --------------------------------------------------------------------------- contract


def _every_request() -> list[tuple[str, list[HttpRequest]]]:
    c = ctx()
    out: list[tuple[str, list[HttpRequest]]] = []

    def single(name: str, request: HttpRequest) -> None:
        out.append((name, [request]))

    single("authorize_manual", connector.build_authorize(c, authorize_data()))
    single(
        "authorize_automatic_full",
        connector.build_authorize(
            c,
            authorize_data(
                capture_method=CaptureMethod.AUTOMATIC,
                customer=CUSTOMER,
                browser=BROWSER,
                billing=BILLING,
                shipping=BILLING,
                statement_descriptor="EXAMPLE SHOP",
                metadata={"order": "1001"},
                setup_future_usage=True,
            ),
        ),
    )
    single(
        "authorize_token",
        connector.build_authorize(
            c, authorize_data(payment_method=Token(token="M5N7TQ4TG5PFWR50", customer_id="sh-1"))
        ),
    )
    single(
        "charge_mandate",
        connector.build_authorize(
            c,
            authorize_data(
                payment_method=StoredMandate(ref=mref()), capture_method=CaptureMethod.AUTOMATIC
            ),
        ),
    )
    single(
        "complete_authorize",
        connector.build_complete_authorize(
            c, CompleteAuthorizeData(payment=pref(), params={"redirectResult": "X6XtfGC3!Y..."})
        ),
    )
    single(
        "capture",
        connector.build_capture(c, CaptureData(payment=pref(), amount=600, reference="cap-1")),
    )
    single("void", connector.build_void(c, VoidData(payment=pref())))
    single(
        "void_unresolved",
        connector.build_void(c, VoidData(payment=pref("", meta={"reference": "order-1003"}))),
    )
    single(
        "refund",
        connector.build_refund(
            c, RefundData(payment=pref(), amount=250, reference="ref-1", reason="duplicate")
        ),
    )
    single("revoke_mandate", connector.build_revoke_mandate(c, MandateRevokeData(mandate=mref())))
    setup = MandateSetupData(
        payment_method=card(),
        currency="EUR",
        amount=0,
        customer=CUSTOMER,
        reference="mandate-1",
        browser=BROWSER,
        billing=BILLING,
    )
    requests, _ = drive(
        connector, Flow.SETUP_MANDATE, c, setup, [response(200, fixture("authorised_tokenized"))]
    )
    out.append(("setup_mandate_zero", requests))
    verify = MandateSetupData(
        payment_method=card(), currency="EUR", amount=100, customer=CUSTOMER, reference="m-2"
    )
    tokenized = {**fixture("authorised_tokenized"), "amount": {"currency": "EUR", "value": 100}}
    requests, _ = drive(
        connector,
        Flow.SETUP_MANDATE,
        c,
        verify,
        [response(200, tokenized), response(201, fixture("cancel_received"))],
    )
    out.append(("setup_mandate_verify_and_release", requests))
    return out


@pytest.mark.parametrize(("name", "requests"), _every_request(), ids=lambda v: v)
def test_every_request_matches_the_official_spec(name: str, requests: list[HttpRequest]) -> None:
    for request in requests:
        validate_request(SPEC, request, TEST_BASE)
        assert request.headers["X-API-Key"] == API_KEY


def test_validator_catches_a_broken_request() -> None:
    good = connector.build_authorize(ctx(), authorize_data())
    broken = body(good)
    del broken["merchantAccount"]
    with pytest.raises(SpecViolation, match="merchantAccount"):
        validate_request(
            SPEC,
            HttpRequest("POST", good.url, good.headers, json.dumps(broken).encode()),
            TEST_BASE,
        )
    no_key = {k: v for k, v in good.headers.items() if k != "X-API-Key"}
    with pytest.raises(SpecViolation, match="Security"):
        validate_request(SPEC, HttpRequest("POST", good.url, no_key, good.body), TEST_BASE)
    wrong_type = {**body(good), "shopperInteraction": "Telepathy"}
    with pytest.raises(SpecViolation, match="Telepathy"):
        validate_request(
            SPEC,
            HttpRequest("POST", good.url, good.headers, json.dumps(wrong_type).encode()),
            TEST_BASE,
        )


def test_authorize_body_manual_capture_and_card() -> None:
    b = body(connector.build_authorize(ctx(), authorize_data()))
    assert b["additionalData"] == {"manualCapture": "true"}
    assert "captureDelayHours" not in b
    assert b["paymentMethod"] == {
        "type": "scheme",
        "number": PAN,
        "expiryMonth": "03",
        "expiryYear": "2030",
        "cvc": CVC,
        "holderName": "Jane Shopper",
    }
    assert b["amount"] == {"value": 1000, "currency": "EUR"}
    assert b["merchantAccount"] == MERCHANT
    assert b["returnUrl"] == "https://shop.example.com/return"
    assert b["shopperInteraction"] == "Ecommerce"
    assert b["authenticationData"]["threeDSRequestData"]["nativeThreeDS"] == "disabled"


def test_authorize_body_automatic_capture_storing_the_card() -> None:
    data = authorize_data(
        capture_method=CaptureMethod.AUTOMATIC,
        customer=CUSTOMER,
        browser=BROWSER,
        setup_future_usage=True,
        return_url=None,
    )
    b = body(connector.build_authorize(ctx(), data))
    assert b["captureDelayHours"] == 0
    assert "additionalData" not in b
    assert b["storePaymentMethod"] is True
    assert b["shopperReference"] == "shopper-42"
    assert b["recurringProcessingModel"] == "UnscheduledCardOnFile"
    assert b["browserInfo"]["userAgent"] == BROWSER.user_agent
    assert b["browserInfo"]["javaEnabled"] is False
    assert b["returnUrl"] == "http://127.0.0.1:8080/return"  # ctx.public_url fallback


def test_merchant_initiated_charge_uses_contauth_and_the_mandates_model() -> None:
    data = authorize_data(payment_method=StoredMandate(ref=mref()))
    b = body(connector.build_authorize(ctx(), data))
    assert b["paymentMethod"] == {"type": "scheme", "storedPaymentMethodId": "M5N7TQ4TG5PFWR50"}
    assert b["shopperInteraction"] == "ContAuth"
    assert b["shopperReference"] == "shopper-42"
    assert b["recurringProcessingModel"] == "Subscription"


def test_partial_browser_info_is_left_out() -> None:
    partial = BrowserInfo(accept_header="text/html", user_agent="Mozilla/5.0")
    b = body(connector.build_authorize(ctx(), authorize_data(browser=partial)))
    assert "browserInfo" not in b


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            authorize_data(payment_method=WALLET),
            "payment_method.type",
        ),
        (authorize_data(setup_future_usage=True), "customer.id"),
        (
            authorize_data(payment_method=Token(token="M5N7TQ4TG5PFWR50")),
            "payment_method.customer_id",
        ),
        (authorize_data(reference="r" * 81), "reference"),
        (authorize_data(metadata={"k": "v" * 81}), "metadata"),
        (authorize_data(currency="IDR", amount=1050), "amount"),
    ],
)
def test_requests_adyen_would_refuse_are_caught_naming_the_field(
    data: AuthorizeData, field: str
) -> None:
    with pytest.raises(ServiceError) as err:
        connector.build_authorize(ctx(), data)
    assert err.value.field == field


def test_complete_authorize_needs_a_redirect_result() -> None:
    with pytest.raises(ServiceError) as err:
        connector.build_complete_authorize(
            ctx(), CompleteAuthorizeData(payment=pref(), params={"sandbox_payment": "x"})
        )
    assert err.value.field == "params.redirectResult"
    request = connector.build_complete_authorize(
        ctx(), CompleteAuthorizeData(payment=pref(), params={"redirectResult": "abc", "x": "y"})
    )
    assert body(request) == {"details": {"redirectResult": "abc"}}


def test_modifications_of_an_unresolved_payment_are_refused() -> None:
    with pytest.raises(ServiceError) as err:
        connector.build_capture(ctx(), CaptureData(payment=pref(""), amount=1, reference="c"))
    assert err.value.code == "payment_unresolved"


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("duplicate", "DUPLICATE"), ("Requested by customer", "CUSTOMER REQUEST"), ("x", "OTHER")],
)
def test_refund_reason_maps_to_adyens_enum(reason: str, expected: str) -> None:
    data = RefundData(payment=pref(), amount=1, reference="r", reason=reason)
    assert body(connector.build_refund(ctx(), data))["merchantRefundReason"] == expected


# --------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("minor", "currency", "adyen"),
    [
        (1050, "EUR", 1050),
        (500, "JPY", 500),
        (1500, "KWD", 1500),
        (1000, "ISK", 100000),  # ISO 0 decimals, Adyen 2
        (1000, "CLP", 100000),  # ISO 0 decimals, Adyen 2
        (150000, "IDR", 1500),  # ISO 2 decimals, Adyen 0
        (2500, "CVE", 25),  # ISO 2 decimals, Adyen 0
    ],
)
def test_amounts_follow_adyens_currency_table(minor: int, currency: str, adyen: int) -> None:
    assert to_adyen_minor(minor, currency) == adyen
    assert from_adyen_minor(adyen, currency) == minor
    request = connector.build_capture(
        ctx(), CaptureData(payment=pref(currency=currency), amount=minor, reference="c")
    )
    assert body(request)["amount"] == {"value": adyen, "currency": currency}


# --------------------------------------------------------------------------- idempotency


def test_idempotency_key_is_passed_scoped_and_bounded() -> None:
    request = connector.build_authorize(ctx(idempotency_key="k-1"), authorize_data())
    assert request.headers["Idempotency-Key"] == "pay-k-1"
    assert request.idempotent
    capture = connector.build_capture(
        ctx(idempotency_key="k-1"), CaptureData(payment=pref(), amount=1, reference="c")
    )
    assert capture.headers["Idempotency-Key"] == "cap-k-1"
    long = connector.build_authorize(ctx(idempotency_key="x" * 100), authorize_data())
    assert len(long.headers["Idempotency-Key"]) == 64
    assert long.headers["Idempotency-Key"] != "pay-" + "x" * 60
    none = connector.build_authorize(ctx(idempotency_key=None), authorize_data())
    assert "Idempotency-Key" not in none.headers
    assert not none.idempotent
    assert connector.build_void(ctx(idempotency_key=None), VoidData(payment=pref())).idempotent


# --------------------------------------------------------------------------- parsing


def parse_authorize(payload: Any, status: int = 200, **kw: Any) -> PaymentResult:
    return connector.parse_authorize(ctx(), authorize_data(**kw), response(status, payload))


@pytest.mark.parametrize(("code", "unified"), sorted(PAYMENT_STATUS.items()))
def test_every_result_code_maps(code: str, unified: PaymentStatus) -> None:
    payload = fixture("payment_results")[code]
    result = parse_authorize(payload)
    assert result.status is unified
    assert result.connector_status == code
    if unified is PaymentStatus.FAILED:
        assert result.failure is not None
    if unified is PaymentStatus.PROCESSING:
        assert result.pending_reason == "awaiting_webhook"


def test_fixture_covers_every_result_code_the_spec_lists() -> None:
    spec = json.loads(spec_path(SPEC).read_text())
    enum = spec["components"]["schemas"]["PaymentResponse"]["properties"]["resultCode"]["enum"]
    assert set(enum) == set(PAYMENT_STATUS) == set(fixture("payment_results"))


def test_unknown_result_code_is_pending_never_success() -> None:
    result = parse_authorize({"pspReference": "X", "resultCode": "SomethingNew"})
    assert result.status is PaymentStatus.PROCESSING


def test_authorised_manual_is_authorized_automatic_is_captured() -> None:
    manual = parse_authorize(fixture("authorised"))
    assert manual.status is PaymentStatus.AUTHORIZED
    assert manual.amount_captured is None
    assert manual.connector_payment_id == "993617895215577D"
    assert manual.network_transaction_id == "777718270854480"
    assert manual.card is not None
    assert (manual.card.brand, manual.card.last4, manual.card.exp_month, manual.card.exp_year) == (
        "visa",
        "1111",
        3,
        2030,
    )
    auto = parse_authorize(fixture("authorised"), capture_method=CaptureMethod.AUTOMATIC)
    assert auto.status is PaymentStatus.CAPTURED
    assert auto.amount_captured == 1000


def test_partially_authorised_reports_the_authorised_amount() -> None:
    result = parse_authorize(fixture("payment_results")["PartiallyAuthorised"])
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.amount == 600


def test_stored_card_comes_back_as_an_active_mandate() -> None:
    result = parse_authorize(
        fixture("authorised_tokenized"), customer=CUSTOMER, setup_future_usage=True
    )
    assert result.mandate is not None
    assert result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == "M5N7TQ4TG5PFWR50"
    assert result.mandate.meta == {"shopperReference": "shopper-42", "rpm": "UnscheduledCardOnFile"}


def test_redirect_get_and_post_become_next_actions() -> None:
    get = parse_authorize(fixture("payment_results")["RedirectShopper"])
    assert get.status is PaymentStatus.REQUIRES_ACTION
    assert get.next_action is not None
    assert get.next_action.method == "GET"
    assert get.next_action.url.startswith("https://checkoutshopper-test.adyen.com/")
    assert get.next_action.form is None
    assert get.connector_payment_id == "JLCMPCQ8HXSKGK82"
    post = parse_authorize(fixture("redirect_post"))
    assert post.next_action is not None
    assert post.next_action.method == "POST"
    assert post.next_action.form is not None
    assert set(post.next_action.form) == {"MD", "PaReq", "TermUrl"}


def test_complete_authorize_parses_details_answers() -> None:
    data = CompleteAuthorizeData(payment=pref("JLCMPCQ8HXSKGK82"), params={"redirectResult": "x"})
    ok = connector.parse_complete_authorize(
        ctx(), data, response(200, fixture("details_authorised"))
    )
    assert ok.status is PaymentStatus.AUTHORIZED
    assert ok.connector_payment_id == "JLCMPCQ8HXSKGK82"
    auto = pref("JLCMPCQ8HXSKGK82", capture_method="automatic")
    captured = connector.parse_complete_authorize(
        ctx(),
        CompleteAuthorizeData(payment=auto, params={"redirectResult": "x"}),
        response(200, fixture("details_authorised")),
    )
    assert captured.status is PaymentStatus.CAPTURED
    refused = connector.parse_complete_authorize(
        ctx(), data, response(200, fixture("details_refused"))
    )
    assert refused.status is PaymentStatus.FAILED
    assert refused.failure is not None
    assert refused.failure.code == DeclineCode.AUTHENTICATION_FAILED.value


@pytest.mark.parametrize(
    ("name", "code", "category", "advice"),
    [
        ("refused_not_enough_balance", DeclineCode.INSUFFICIENT_FUNDS, DeclineCategory.SOFT, None),
        ("refused_expired_card", DeclineCode.EXPIRED_CARD, DeclineCategory.HARD, None),
        ("refused_cvc_declined", DeclineCode.INCORRECT_CVC, DeclineCategory.SOFT, None),
        ("refused_stolen_card", DeclineCode.STOLEN_CARD, DeclineCategory.HARD, None),
        ("refused_fraud", DeclineCode.BLOCKED, DeclineCategory.HARD, None),
        ("refused_withdrawal_count", DeclineCode.LIMIT_EXCEEDED, DeclineCategory.SOFT, None),
        (
            "refused_issuer_unavailable",
            DeclineCode.ISSUER_UNAVAILABLE,
            DeclineCategory.RETRY_LATER,
            None,
        ),
        ("refused_3ds_failed", DeclineCode.AUTHENTICATION_FAILED, DeclineCategory.HARD, None),
        # A generic soft decline made hard by Mastercard's "do not try again" advice.
        ("refused_with_advice", DeclineCode.GENERIC_DECLINE, DeclineCategory.HARD, "03"),
        (
            "refused_retry_later_advice",
            DeclineCode.INSUFFICIENT_FUNDS,
            DeclineCategory.RETRY_LATER,
            "02",
        ),
    ],
)
def test_declines_are_results_with_unified_codes(
    name: str, code: DeclineCode, category: DeclineCategory, advice: str | None
) -> None:
    payload = fixture(name)
    result = parse_authorize(payload)
    assert result.status is PaymentStatus.FAILED
    assert result.failure is not None
    assert result.failure.code == code.value
    assert result.failure.category is category
    assert result.failure.advice_code == advice
    assert result.failure.gateway is not None
    assert result.failure.gateway.code == payload["refusalReasonCode"]
    assert result.failure.gateway.message == payload["refusalReason"]


def test_error_and_cancelled_result_codes_fail_with_a_reason() -> None:
    error = parse_authorize(fixture("payment_results")["Error"])
    assert error.failure is not None
    assert error.failure.code == DeclineCode.PROCESSING_ERROR.value
    assert error.failure.category is DeclineCategory.RETRY_LATER
    cancelled = parse_authorize(fixture("payment_results")["Cancelled"])
    assert cancelled.failure is not None
    assert cancelled.failure.code == DeclineCode.BLOCKED.value


def test_decline_table_covers_adyens_refusal_codes() -> None:
    documented = {str(n) for n in range(2, 47)} - {"13", "30"}
    assert set(DECLINE_BY_CODE) == documented
    assert {"01", "02", "03", "21", "24"} <= set(ADVICE_CATEGORY)


@pytest.mark.parametrize(
    ("key", "http", "etype", "code"),
    [
        ("400", 400, ErrorType.INVALID_REQUEST, "gateway_rejected_request"),
        ("401", 401, ErrorType.CONNECTOR, "gateway_authentication_failed"),
        ("403", 403, ErrorType.CONNECTOR, "gateway_authentication_failed"),
        ("404", 404, ErrorType.NOT_FOUND, "resource_not_found"),
        ("409", 409, ErrorType.CONFLICT, "gateway_conflict"),
        ("422_amount", 422, ErrorType.INVALID_REQUEST, "invalid_amount"),
        ("422_idempotency", 422, ErrorType.CONFLICT, "idempotency_request_in_progress"),
        ("422_contract", 422, ErrorType.NOT_FOUND, "mandate_not_found"),
        ("422_currency", 422, ErrorType.NOT_SUPPORTED, "currency_not_supported"),
        ("429", 429, ErrorType.RATE_LIMITED, "gateway_rate_limited"),
        ("500", 500, ErrorType.CONNECTOR, "gateway_error"),
        ("503", 503, ErrorType.CONNECTOR, "gateway_unavailable"),
    ],
)
def test_errors_raise_service_errors(key: str, http: int, etype: ErrorType, code: str) -> None:
    payload = fixture("errors")[key]
    with pytest.raises(ServiceError) as err:
        parse_authorize(payload, status=http)
    assert err.value.type is etype
    assert err.value.code == code
    assert err.value.gateway is not None
    assert err.value.gateway.code == payload["errorCode"]
    assert err.value.gateway.http_status == http
    if key == "422_amount":
        assert err.value.field == "amount"


def test_modifications_are_pending_until_the_webhook() -> None:
    capture = connector.parse_capture(
        ctx(),
        CaptureData(payment=pref(), amount=600, reference="cap-1"),
        response(201, fixture("capture_received")),
    )
    assert capture.status is PaymentStatus.PROCESSING
    assert capture.pending_reason == "awaiting_webhook"
    assert capture.connector_status == "received"
    assert capture.meta == {"capture_psp": "993617894906488A"}
    void = connector.parse_void(
        ctx(), VoidData(payment=pref()), response(201, fixture("cancel_received"))
    )
    assert (void.status, void.pending_reason) == (PaymentStatus.PROCESSING, "awaiting_webhook")
    assert void.meta == {"cancel_psp": "993617894906489B"}
    refund = connector.parse_refund(
        ctx(),
        RefundData(payment=pref(), amount=250, reference="ref-1"),
        response(201, fixture("refund_received")),
    )
    assert refund.status is RefundStatus.PENDING
    assert refund.pending_reason == "awaiting_webhook"
    assert refund.connector_refund_id == "993617894906491D"
    assert refund.amount == 250


def test_mandate_setup_and_revoke_parse() -> None:
    setup = MandateSetupData(
        payment_method=card(), currency="EUR", amount=0, customer=CUSTOMER, reference="m-1"
    )
    _, mandate = drive(
        connector,
        Flow.SETUP_MANDATE,
        ctx(),
        setup,
        [response(200, fixture("authorised_tokenized"))],
    )
    assert mandate.status is MandateStatus.ACTIVE
    assert mandate.connector_mandate_id == "M5N7TQ4TG5PFWR50"
    assert mandate.connector_customer_id == "shopper-42"
    assert mandate.meta["shopperReference"] == "shopper-42"
    _, refused = drive(
        connector,
        Flow.SETUP_MANDATE,
        ctx(),
        setup,
        [response(200, fixture("refused_expired_card"))],
    )
    assert refused.status is MandateStatus.FAILED
    assert refused.failure.code == DeclineCode.EXPIRED_CARD.value
    revoked = connector.parse_revoke_mandate(
        ctx(), MandateRevokeData(mandate=mref()), response(204, b"")
    )
    assert revoked.status is MandateStatus.REVOKED
    with pytest.raises(ServiceError) as err:
        connector.parse_revoke_mandate(
            ctx(),
            MandateRevokeData(mandate=mref()),
            response(422, fixture("errors")["422_contract"]),
        )
    assert err.value.type is ErrorType.NOT_FOUND


def test_mandate_verification_amount_is_released() -> None:
    setup = MandateSetupData(
        payment_method=card(), currency="EUR", amount=100, customer=CUSTOMER, reference="m-1"
    )
    requests, mandate = drive(
        connector,
        Flow.SETUP_MANDATE,
        ctx(),
        setup,
        [response(200, fixture("authorised_tokenized")), response(201, fixture("cancel_received"))],
    )
    assert [r.url.rsplit("/v71", 1)[1] for r in requests] == [
        "/payments",
        "/payments/993617895199574A/cancels",
    ]
    assert body(requests[0])["additionalData"] == {"manualCapture": "true"}
    assert mandate.status is MandateStatus.ACTIVE


# --------------------------------------------------------------------------- webhooks


def hook(*names: str, key: str = HMAC_KEY) -> bytes:
    items = fixture("webhooks")
    return notification(*(items[n] for n in names), hex_key=key)


def test_webhook_signature_accepted() -> None:
    assert connector.webhook_verify(ctx(), {}, hook("authorisation"))
    assert connector.webhook_verify(ctx(), {}, hook("capture", "refund"))


def test_signing_string_has_the_eight_fields() -> None:
    item = fixture("webhooks")["capture"]
    assert signing_string(item) == (
        "993617894906488A:993617895215577D:TestMerchantECOM:order-1001:600:EUR:CAPTURE:true"
    )
    assert signing_string(fixture("webhooks")["authorisation"]).startswith(
        "993617895215577D::TestMerchantECOM:"
    )


def test_tampered_webhook_rejected() -> None:
    raw = hook("authorisation")
    tampered = raw.replace(b'"value": 1000', b'"value": 9000')
    assert tampered != raw
    assert not connector.webhook_verify(ctx(), {}, tampered)
    flipped = hook("authorisation_refused").replace(b'"success": "false"', b'"success": "true"')
    assert not connector.webhook_verify(ctx(), {}, flipped)


def test_webhook_with_wrong_secret_rejected() -> None:
    other = "A" * 64
    assert not connector.webhook_verify(ctx(), {}, hook("authorisation", key=other))
    bad_hex = make_ctx(connector, {"api_key": API_KEY, "webhook_secret": "not-hex"}, OPTIONS)
    assert not connector.webhook_verify(bad_hex, {}, hook("authorisation"))
    no_secret = make_ctx(connector, {"api_key": API_KEY}, OPTIONS)
    assert not connector.webhook_verify(no_secret, {}, hook("authorisation"))


def test_webhook_missing_signature_rejected() -> None:
    doc = json.loads(hook("authorisation"))
    del doc["notificationItems"][0]["NotificationRequestItem"]["additionalData"]["hmacSignature"]
    assert not connector.webhook_verify(ctx(), {}, json.dumps(doc).encode())
    assert not connector.webhook_verify(ctx(), {}, b"not json")
    assert not connector.webhook_verify(ctx(), {}, b'{"live": "false", "notificationItems": []}')


def test_every_item_of_a_batch_must_verify() -> None:
    good = json.loads(hook("capture"))
    bad = json.loads(hook("refund", key="B" * 64))
    good["notificationItems"] += bad["notificationItems"]
    assert not connector.webhook_verify(ctx(), {}, json.dumps(good).encode())


def test_webhook_identity_needs_no_secret() -> None:
    raw = hook("capture", "refund")
    identity = connector.webhook_identify({}, raw)
    assert identity.event_id == "993617894906488A:CAPTURE:true"
    assert identity.account_hint == MERCHANT
    with pytest.raises(ServiceError):  # the core answers 400 invalid_webhook
        connector.webhook_identify({}, b"garbage")
    assert connector.webhook_reply([]).body == b"[accepted]"


def test_webhook_parse_payment_events() -> None:
    [auth] = connector.webhook_parse({}, hook("authorisation"))
    assert auth.type is WebhookEventType.PAYMENT_AUTHORIZED
    assert auth.connector_payment_id == "993617895215577D"
    assert auth.payment is not None
    assert auth.payment.status is PaymentStatus.AUTHORIZED
    assert auth.payment.mandate is not None
    assert auth.payment.mandate.connector_mandate_id == "M5N7TQ4TG5PFWR50"
    assert (auth.amount, auth.currency) == (1000, "EUR")
    [refused] = connector.webhook_parse({}, hook("authorisation_refused"))
    assert refused.type is WebhookEventType.PAYMENT_FAILED
    assert refused.payment.failure.code == DeclineCode.INSUFFICIENT_FUNDS.value
    [capture] = connector.webhook_parse({}, hook("capture"))
    assert capture.type is WebhookEventType.PAYMENT_CAPTURED
    assert capture.connector_payment_id == "993617895215577D"
    assert capture.payment.amount_captured == 600
    [rejected] = connector.webhook_parse({}, hook("capture_rejected"))
    assert rejected.type is WebhookEventType.CAPTURE_FAILED
    assert rejected.payment.status is PaymentStatus.AUTHORIZED
    [failed] = connector.webhook_parse({}, hook("capture_failed"))
    assert failed.type is WebhookEventType.CAPTURE_FAILED
    assert failed.payment.status is PaymentStatus.FAILED
    [cancel] = connector.webhook_parse({}, hook("cancellation"))
    assert cancel.type is WebhookEventType.PAYMENT_VOIDED
    assert cancel.payment.status is PaymentStatus.VOIDED


def test_webhook_parse_refund_events() -> None:
    [refund] = connector.webhook_parse({}, hook("refund"))
    assert refund.type is WebhookEventType.REFUND_SUCCEEDED
    assert refund.refund is not None
    assert (refund.refund.status, refund.refund.connector_refund_id, refund.refund.amount) == (
        RefundStatus.SUCCEEDED,
        "993617894906491D",
        250,
    )
    assert refund.connector_payment_id == "993617895215577D"
    [rejected] = connector.webhook_parse({}, hook("refund_rejected"))
    assert rejected.type is WebhookEventType.REFUND_FAILED
    assert rejected.refund.failure.message.startswith("Transaction hasn't been captured")
    [failed] = connector.webhook_parse({}, hook("refund_failed"))
    assert failed.type is WebhookEventType.REFUND_FAILED
    [cor] = connector.webhook_parse({}, hook("cancel_or_refund"))
    assert cor.type is WebhookEventType.REFUND_SUCCEEDED


@pytest.mark.parametrize(
    ("name", "etype", "status"),
    [
        (
            "notification_of_chargeback",
            WebhookEventType.DISPUTE_OPENED,
            DisputeStatus.NEEDS_RESPONSE,
        ),
        ("chargeback", WebhookEventType.DISPUTE_OPENED, DisputeStatus.NEEDS_RESPONSE),
        # Reversed in the merchant's favour, but the issuer may still escalate.
        ("chargeback_reversed", WebhookEventType.DISPUTE_UPDATED, DisputeStatus.UNDER_REVIEW),
        ("second_chargeback", WebhookEventType.DISPUTE_LOST, DisputeStatus.LOST),
        ("prearbitration_won", WebhookEventType.DISPUTE_WON, DisputeStatus.WON),
    ],
)
def test_webhook_parse_dispute_events(
    name: str, etype: WebhookEventType, status: DisputeStatus
) -> None:
    [event] = connector.webhook_parse({}, hook(name))
    assert event.type is etype
    assert event.dispute is not None
    assert event.dispute.status is status
    assert event.dispute.connector_dispute_id == "9915555555555555"
    assert event.dispute.connector_payment_id == "993617895215577D"
    assert event.connector_payment_id == "993617895215577D"
    assert event.dispute.reason == "4853" or name == "notification_of_chargeback"


def test_dispute_event_table_covers_the_webhook_spec() -> None:
    spec = json.loads(spec_path("adyen/Webhooks-v1.json").read_text())
    dispute_hooks = {
        path.strip("/")
        for path, item in spec["webhooks"].items()
        if "Dispute" in item["post"].get("tags", [])
    }
    assert dispute_hooks - {"NOTIFICATION_OF_FRAUD"} <= set(DISPUTE_EVENTS)


def test_dispute_event_name_is_kept_without_a_dispute_status() -> None:
    item = fixture("webhooks")["chargeback_reversed"]
    del item["additionalData"]["disputeStatus"]
    [event] = connector.webhook_parse({}, notification(item))
    assert event.type is WebhookEventType.DISPUTE_WON
    assert event.dispute.status is DisputeStatus.WON
    cancel = fixture("webhooks")["cancel_or_refund"]
    cancel["additionalData"]["modification.action"] = "cancel"
    [voided] = connector.webhook_parse({}, notification(cancel))
    assert voided.type is WebhookEventType.PAYMENT_VOIDED


def test_native_three_ds_action_without_url_has_no_next_action() -> None:
    result = parse_authorize(fixture("payment_results")["IdentifyShopper"])
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action is None


def test_webhook_parse_mandate_and_unknown_events() -> None:
    [contract] = connector.webhook_parse({}, hook("recurring_contract"))
    assert contract.type is WebhookEventType.MANDATE_ACTIVE
    assert contract.mandate.connector_mandate_id == "M5N7TQ4TG5PFWR50"
    assert contract.mandate.meta == {"shopperReference": "shopper-42"}
    [report] = connector.webhook_parse({}, hook("report_available"))
    assert report.type is WebhookEventType.UNKNOWN
    events = connector.webhook_parse({}, hook("capture", "refund"))
    assert [e.event_id for e in events] == [
        "993617894906488A:CAPTURE:true",
        "993617894906491D:REFUND:true",
    ]


# --------------------------------------------------------------------------- scrub


def test_scrub_exact_before_and_after() -> None:
    before = (
        "> POST https://checkout-test.adyen.com/v71/payments\n"
        "> Content-Type: application/json\n"
        f"> X-API-Key: {API_KEY}\n"
        "> Idempotency-Key: pay-idem-123\n"
        ">\n"
        '{"amount":{"value":1000,"currency":"EUR"},"paymentMethod":{"type":"scheme",'
        f'"number":"{PAN}","expiryMonth":"03","expiryYear":"2030","cvc":"{CVC}",'
        '"encryptedSecurityCode":"adyenjs_0_1_25$XUyMJyHebr"}}\n'
        "< 200 (12.0 ms)\n"
        '{"additionalData":{"cardSummary":"1142","expiryDate":"3/2030",'
        '"hmacSignature":"coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="},'
        '"pspReference":"993617895215577D","resultCode":"Authorised"}'
    )
    after = (
        "> POST https://checkout-test.adyen.com/v71/payments\n"
        "> Content-Type: application/json\n"
        "> X-API-Key: [REDACTED]\n"
        "> Idempotency-Key: pay-idem-123\n"
        ">\n"
        '{"amount":{"value":1000,"currency":"EUR"},"paymentMethod":{"type":"scheme",'
        '"number":"[CARD]","expiryMonth":"[REDACTED]","expiryYear":"[REDACTED]","cvc":"[CVC]",'
        '"encryptedSecurityCode":"[REDACTED]"}}\n'
        "< 200 (12.0 ms)\n"
        '{"additionalData":{"cardSummary":"1142","expiryDate":"[REDACTED]",'
        '"hmacSignature":"[REDACTED]"},'
        '"pspReference":"993617895215577D","resultCode":"Authorised"}'
    )
    assert connector.scrub(before) == after


def test_no_flow_request_leaks_card_or_credentials() -> None:
    secrets_ = [PAN, CVC, API_KEY, HMAC_KEY]
    for _, requests in _every_request():
        for request in requests:
            text = connector.scrub(render_transcript(request, response(200, fixture("authorised"))))
            for secret in secrets_:
                assert secret not in text, (request.url, secret)
            assert '"expiryYear":"2030"' not in text
    signed = hook("authorisation").decode()
    assert '"hmacSignature": "[REDACTED]"' in connector.scrub(signed)
