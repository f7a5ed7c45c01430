"""The official Xendit Python SDK (``xendit-python``, test-only) as the oracle of the
connector's requests, fixtures and webhook objects (issue 15).

``xendit-python`` is generated from Xendit's OpenAPI description: its models are that
description's schemas. So for each flow:

- the SDK performs the same operation, built from its own models, against a loopback
  recorder (its ``Configuration(host=...)`` points at 127.0.0.1), and the connector's
  request must match it: method, path, auth scheme and credentials, content type, the
  idempotency header where the SDK sends one, and the body's fields with their JSON
  types. A field the connector sends that the SDK's case does not show must be in
  ``EXTRA`` with the reason; a field the SDK's model requires must be there;
- the connector's body must *pass the SDK's model* for the operation, strictly: every
  key is one the model (and each nested model) declares, and the SDK's own type and enum
  validation accepts it;
- every fixture the connector parses is deserialized by the SDK into its response model
  (the recorder answers it and the SDK's call must return the model), so fixtures are
  what Xendit's schemas describe, not invented;
- what the SDK sends passes the fake's contract (testing/fakes/xendit.py), so the fake
  cannot refuse what the SDK sends.

The SDK has no webhook helper (Xendit's callbacks carry a static ``x-callback-token``):
the callback fixtures are checked against the SDK's callback models, and the token check
is the connector's own (tests/connectors/test_xendit.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.xendit import XenditConnector
from connector_service.domain.common import Customer
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    MandateCompleteData,
    MandateRevokeData,
    MandateSetupData,
    RefundData,
    RefundSyncData,
    StoredMandate,
    SyncData,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import (
    Card,
    Ewallet,
    PaymentMethod,
    PromptPay,
    Qris,
    VirtualAccount,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod
from connector_service.testing.fakes.base import fake_fixture
from connector_service.testing.fakes.xendit import (
    EWALLET_CHANNELS,
    QR_CHANNELS,
    VA_CHANNELS,
    XenditFake,
    check_request,
    route_of,
)
from connector_service.testing.recorder import RouteRecorder
from connector_service.testing.recorder import body_shape as shared_body_shape
from tests.connectors.harness import drive, make_ctx, response

xendit = pytest.importorskip("xendit")
from xendit import model_utils  # noqa: E402
from xendit.apis import PaymentMethodApi, PaymentRequestApi, RefundApi  # noqa: E402
from xendit.exceptions import XenditSdkException  # noqa: E402
from xendit.payment_method import model as pm_models  # noqa: E402
from xendit.payment_request import model as pr_models  # noqa: E402
from xendit.refund import model as refund_models  # noqa: E402

SDK_VERSION = version("xendit-python")
CONNECTOR = XenditConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "xendit"
SECRET_KEY = "xnd_development_" + "P4qDfOss0OCpl8RtKrROHjaQYNCk9dN5lSfk"  # shaped like one
PR = "pr-1fdaf346-dd2e-4b6c-b938-124c7167a822"
PM = "pm-6ff0b6f2-f5de-457f-b08f-bc98fbae485a"
RFD = "rfd-6f4a8b9d-93d2-4a83-8f76-1e3c2b1f0a55"
RETURN = "https://shop.example/return"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


# --------------------------------------------------------------------------- the recorder

# route -> (HTTP status, fixture) the recorder answers with
ANSWERS: dict[tuple[str, str], tuple[int, str]] = {
    ("POST", "payment_requests"): (201, "payment_request_awaiting_capture"),
    ("GET", "payment_requests"): (200, "payment_requests_by_reference"),
    ("GET", "payment_requests/*"): (200, "payment_request_awaiting_capture"),
    ("POST", "payment_requests/*/captures"): (200, "capture_partial"),
    ("GET", "payment_requests/*/captures"): (200, "captures_list"),
    ("POST", "refunds"): (201, "refund_succeeded"),
    ("GET", "refunds/*"): (200, "refund_succeeded"),
    ("POST", "v2/payment_methods"): (201, "payment_method_active"),
    ("GET", "v2/payment_methods/*"): (200, "payment_method_active"),
    ("POST", "v2/payment_methods/*/expire"): (200, "payment_method_expired"),
}


class Recorder(RouteRecorder):
    """The shared loopback recorder, answering this gateway's fixtures."""

    def __init__(self) -> None:
        super().__init__(ANSWERS, route_of, fixture, content_type="application/json")


class Sdk:
    def __init__(self, base: str) -> None:
        config = xendit.Configuration(host=base)
        config.api_key = SECRET_KEY
        self.client = xendit.ApiClient(config)
        self.config = config
        self.payment_requests = PaymentRequestApi(self.client)
        self.refunds = RefundApi(self.client)
        self.payment_methods = PaymentMethodApi(self.client)


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    try:
        yield rec
    finally:
        rec.close()


@pytest.fixture
def sdk(recorder: Recorder) -> Sdk:
    recorder.override = None
    return Sdk(recorder.base)


# --------------------------------------------------------------------------- shapes

FREE_FORM = {"metadata"}  # free-form maps: their keys are data, not fields


def body_shape(request: HttpRequest) -> dict[str, str]:
    return shared_body_shape(request, free_form=frozenset(FREE_FORM), one_number=True)


# Fields the connector sends that the SDK's case for the operation does not show.
EXTRA: dict[str, dict[str, str]] = {
    "create payment request (card)": {
        "description": "PaymentRequestParameters.description (the caller's, when given)",
        "metadata": "PaymentRequestParameters.metadata (the caller's, when given)",
    },
    "create payment method (reusable card)": {
        "description": "PaymentMethodParameters.description (the caller's, when given)",
        "metadata": "PaymentMethodParameters.metadata",
    },
}


def assert_same_request(
    operation: str, sdk_request: HttpRequest, ours: HttpRequest, required: set[str]
) -> None:
    """The connector's request against the SDK's for one operation."""
    sdk_url, our_url = urlsplit(sdk_request.url), urlsplit(ours.url)
    assert ours.method == sdk_request.method, operation
    assert route_of(our_url.path) == route_of(sdk_url.path), (operation, our_url.path)
    assert our_url.query == sdk_url.query, operation
    sdk_headers = {k.lower(): v for k, v in sdk_request.headers.items()}
    our_headers = {k.lower(): v for k, v in ours.headers.items()}
    assert our_headers["authorization"] == sdk_headers["authorization"], operation  # Basic
    assert our_headers["authorization"].startswith("Basic ")
    if "idempotency-key" in sdk_headers:
        assert our_headers.get("idempotency-key") == sdk_headers["idempotency-key"], operation
    if sdk_request.body is not None:
        assert sdk_headers["content-type"].lower() == "application/json", operation
        assert our_headers["content-type"] == "application/json", operation
    sdk_shape, our_shape = body_shape(sdk_request), body_shape(ours)
    for field in sorted(set(sdk_shape) & set(our_shape)):
        assert our_shape[field] == sdk_shape[field], (operation, field)
    missing = {f for f in required if f not in our_shape}
    assert not missing, (operation, "required by the SDK's model", missing)
    extra = {f.split(".")[0] for f in set(our_shape) - set(sdk_shape)}
    unexplained = extra - set(EXTRA.get(operation, {}))
    assert not unexplained, (operation, "fields the SDK's case lacks", unexplained)
    # the SDK's own request is one the fake's contract accepts
    check_request(sdk_request, f"{sdk_url.scheme}://{sdk_url.netloc}/")


def strictly(value: Any, model: type, path: str = "body") -> None:
    """``value`` uses only keys ``model`` (and its nested models) declares."""
    if not isinstance(value, dict) or not issubclass(model, model_utils.ModelNormal):
        return
    declared = {v: k for k, v in model.attribute_map.items()}
    for key, item in value.items():
        assert key in declared, f"{path}.{key} is not in the SDK's {model.__name__}"
        if key in FREE_FORM:
            continue
        for option in model.openapi_types[declared[key]]:
            if isinstance(option, type) and issubclass(option, model_utils.ModelNormal):
                strictly(item, option, f"{path}.{key}")


def passes_model(request: HttpRequest, model: type, sdk: Sdk) -> Any:
    """The connector's body through the SDK's own deserializer (types and enums
    checked), after the strict key check."""
    body = json.loads(request.body or b"{}")
    strictly(body, model)
    return model_utils.validate_and_convert_types(
        body, (model,), ["body"], True, True, configuration=sdk.config
    )


# --------------------------------------------------------------------------- connector side


def ctx(key: str | None = None) -> Any:
    creds = {"secret_key": SECRET_KEY, "webhook_token": "cbt-oracle-0000"}
    return make_ctx(CONNECTOR, creds, base_url="https://api.xendit.co", idempotency_key=key)


def card() -> Card:
    return Card(
        number=Secret("4111111111111111"),
        exp_month=12,
        exp_year=2030,
        cvc=Secret("123"),
        holder_name="Juan Dela Cruz",
    )


def payment_ref(capture: str = "manual") -> PaymentRef:
    return PaymentRef(
        account="xendit-test", connector="xendit", connector_payment_id=PR, amount=1500050,
        currency="PHP", capture_method=capture,
    )  # fmt: skip


def mandate() -> MandateRef:
    return MandateRef(account="xendit-test", connector="xendit", connector_mandate_id=PM)


def authorize_request() -> HttpRequest:
    data = AuthorizeData(
        amount=1500050,
        currency="PHP",
        payment_method=card(),
        capture_method=CaptureMethod.MANUAL,
        reference="order-1042",
        return_url=RETURN,
    )
    return CONNECTOR.build_authorize(ctx("cs-key-1"), data)


def charge_request() -> HttpRequest:
    data = AuthorizeData(
        amount=99900,
        currency="PHP",
        payment_method=StoredMandate(ref=mandate()),
        capture_method=CaptureMethod.AUTOMATIC,
        reference="order-1043",
    )
    return CONNECTOR.build_authorize(ctx("cs-key-2"), data)


def sync_requests() -> list[HttpRequest]:
    answers = [
        response(200, fixture("payment_request_awaiting_capture") | {"status": "SUCCEEDED"}),
        response(200, fixture("captures_list")),
    ]
    requests, _ = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()), answers)
    return requests


def lookup_request() -> HttpRequest:
    """A sync whose create answer was lost: found by the reference it was sent with."""
    ref = PaymentRef(
        account="xendit-test", connector="xendit", connector_payment_id="", amount=1500050,
        currency="PHP", capture_method="manual", meta={"reference": "order-1042"},
    )  # fmt: skip
    answers = [response(200, fixture("payment_requests_by_reference"))]
    requests, _ = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref), answers)
    return requests[0]


def setup_request() -> HttpRequest:
    data = MandateSetupData(
        payment_method=card(),
        currency="PHP",
        amount=0,
        customer=Customer(email="juan@example.com"),
        reference="mandate-7",
        return_url=RETURN,
    )
    return CONNECTOR.build_setup_mandate(ctx(), data)


def method_request(
    pm: PaymentMethod, amount: int, currency: str, key: str, customer: Customer | None = None
) -> HttpRequest:
    """A QR code / e-wallet / virtual account payment request (automatic capture)."""
    data = AuthorizeData(
        amount=amount,
        currency=currency,
        payment_method=pm,
        capture_method=CaptureMethod.AUTOMATIC,
        reference="order-2001",
        return_url=RETURN,
        customer=customer,
    )
    return CONNECTOR.build_authorize(ctx(key), data)


def one_time(kind: str, **channel: Any) -> Any:
    return pr_models.PaymentMethodParameters(
        type=pr_models.PaymentMethodType(kind),
        reusability=pr_models.PaymentMethodReusability("ONE_TIME_USE"),
        **channel,
    )


def channel_case(key: str, amount: float, currency: str, method: Any) -> Callable[[Sdk], Any]:
    return lambda s: s.payment_requests.create_payment_request(
        idempotency_key=key,
        payment_request_parameters=pr_models.PaymentRequestParameters(
            reference_id="order-2001",
            amount=amount,
            currency=pr_models.PaymentRequestCurrency(currency),
            payment_method=method,
        ),
    )


EXPIRES = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
CHANNEL_REQUIRED = {"currency", "payment_method.type", "payment_method.reusability"}
WALLET_URLS = pr_models.EWalletChannelProperties(
    success_return_url=RETURN, failure_return_url=RETURN
)

CARD_INFO = pr_models.CardInformation(
    card_number="4111111111111111",
    expiry_month="12",
    expiry_year="2030",
    cardholder_name="Juan Dela Cruz",
)
CARD_CHANNEL = pr_models.CardChannelProperties(
    skip_three_d_secure=False, success_return_url=RETURN, failure_return_url=RETURN
)

# operation -> (what the SDK does, the connector's request, fields the SDK's model requires,
#               the SDK model the connector's body must pass, or None without a body)
Case = tuple[Callable[[Sdk], Any], Callable[[], HttpRequest], set[str], type | None]
CASES: dict[str, Case] = {
    "create payment request (card)": (
        lambda s: s.payment_requests.create_payment_request(
            idempotency_key="cs-key-1",
            payment_request_parameters=pr_models.PaymentRequestParameters(
                reference_id="order-1042",
                amount=15000.5,
                currency=pr_models.PaymentRequestCurrency("PHP"),
                capture_method=pr_models.PaymentRequestCaptureMethod("MANUAL"),
                payment_method=pr_models.PaymentMethodParameters(
                    type=pr_models.PaymentMethodType("CARD"),
                    reusability=pr_models.PaymentMethodReusability("ONE_TIME_USE"),
                    card=pr_models.CardParameters(
                        channel_properties=CARD_CHANNEL, card_information=CARD_INFO
                    ),
                ),
                channel_properties=pr_models.PaymentRequestParametersChannelProperties(cvv="123"),
            ),
        ),
        authorize_request,
        {
            "currency",
            "payment_method.type",
            "payment_method.reusability",
            "payment_method.card.channel_properties",
        },
        pr_models.PaymentRequestParameters,
    ),
    "create payment request (stored card)": (
        lambda s: s.payment_requests.create_payment_request(
            idempotency_key="cs-key-2",
            payment_request_parameters=pr_models.PaymentRequestParameters(
                reference_id="order-1043",
                amount=999.0,
                currency=pr_models.PaymentRequestCurrency("PHP"),
                capture_method=pr_models.PaymentRequestCaptureMethod("AUTOMATIC"),
                payment_method_id=PM,
                initiator=pr_models.PaymentRequestInitiator("MERCHANT"),
                channel_properties=pr_models.PaymentRequestParametersChannelProperties(
                    cardonfile_type="MERCHANT_UNSCHEDULED"
                ),
            ),
        ),
        charge_request,
        {"currency", "payment_method_id"},
        pr_models.PaymentRequestParameters,
    ),
    "create payment request (qris)": (
        channel_case(
            "cs-key-4",
            50000.0,
            "IDR",
            one_time(
                "QR_CODE",
                qr_code=pr_models.QRCodeParameters(
                    channel_code=pr_models.QRCodeChannelCode("QRIS"),
                    channel_properties=pr_models.QRCodeChannelProperties(expires_at=EXPIRES),
                ),
            ),
        ),
        lambda: method_request(Qris(expires_after_seconds=3600), 50000, "IDR", "cs-key-4"),
        CHANNEL_REQUIRED | {"payment_method.qr_code.channel_code"},
        pr_models.PaymentRequestParameters,
    ),
    "create payment request (promptpay)": (
        channel_case(
            "cs-key-5",
            350.0,
            "THB",
            one_time(
                "QR_CODE",
                qr_code=pr_models.QRCodeParameters(
                    channel_code=pr_models.QRCodeChannelCode("PROMPTPAY")
                ),
            ),
        ),
        lambda: method_request(PromptPay(), 35000, "THB", "cs-key-5"),
        CHANNEL_REQUIRED | {"payment_method.qr_code.channel_code"},
        pr_models.PaymentRequestParameters,
    ),
    "create payment request (ewallet)": (
        channel_case(
            "cs-key-6",
            250.5,
            "PHP",
            one_time(
                "EWALLET",
                ewallet=pr_models.EWalletParameters(
                    channel_code=pr_models.EWalletChannelCode("GCASH"),
                    channel_properties=WALLET_URLS,
                ),
            ),
        ),
        lambda: method_request(Ewallet(provider="gcash"), 25050, "PHP", "cs-key-6"),
        CHANNEL_REQUIRED | {"payment_method.ewallet.channel_code"},
        pr_models.PaymentRequestParameters,
    ),
    "create payment request (ovo)": (
        channel_case(
            "cs-key-7",
            25000.0,
            "IDR",
            one_time(
                "EWALLET",
                ewallet=pr_models.EWalletParameters(
                    channel_code=pr_models.EWalletChannelCode("OVO"),
                    channel_properties=pr_models.EWalletChannelProperties(
                        mobile_number="+628123456789"
                    ),
                ),
            ),
        ),
        lambda: method_request(
            Ewallet(provider="ovo", phone="+628123456789"), 25000, "IDR", "cs-key-7"
        ),
        CHANNEL_REQUIRED | {"payment_method.ewallet.channel_properties.mobile_number"},
        pr_models.PaymentRequestParameters,
    ),
    "create payment request (virtual account)": (
        channel_case(
            "cs-key-8",
            150000.0,
            "IDR",
            one_time(
                "VIRTUAL_ACCOUNT",
                virtual_account=pr_models.VirtualAccountParameters(
                    channel_code=pr_models.VirtualAccountChannelCode("BCA"),
                    channel_properties=pr_models.VirtualAccountChannelProperties(
                        customer_name="Toko Jenny", expires_at=EXPIRES
                    ),
                ),
            ),
        ),
        lambda: method_request(
            VirtualAccount(bank="BCA", expires_after_days=3),
            150000,
            "IDR",
            "cs-key-8",
            Customer(name="Toko Jenny"),
        ),
        CHANNEL_REQUIRED
        | {
            "payment_method.virtual_account.channel_code",
            "payment_method.virtual_account.channel_properties.customer_name",
        },
        pr_models.PaymentRequestParameters,
    ),
    "get payment request": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        lambda: sync_requests()[0],
        set(),
        None,
    ),
    "find payment requests by reference": (
        lambda s: s.payment_requests.get_all_payment_requests(
            reference_id=["order-1042"], limit=10
        ),
        lambda: lookup_request(),
        set(),
        None,
    ),
    "list captures": (
        lambda s: s.payment_requests.get_payment_request_captures(PR),
        lambda: sync_requests()[1],
        set(),
        None,
    ),
    "capture": (
        lambda s: s.payment_requests.capture_payment_request(
            PR,
            capture_parameters=pr_models.CaptureParameters(
                capture_amount=10000.25, reference_id="cap-1"
            ),
        ),
        lambda: CONNECTOR.build_capture(
            ctx(), CaptureData(payment=payment_ref(), amount=1000025, reference="cap-1")
        ),
        {"capture_amount"},
        pr_models.CaptureParameters,
    ),
    "create refund": (
        lambda s: s.refunds.create_refund(
            idempotency_key="cs-key-3",
            create_refund=refund_models.CreateRefund(
                payment_request_id=PR,
                reference_id="refund-1",
                amount=2500.5,
                currency="PHP",
                reason="REQUESTED_BY_CUSTOMER",
            ),
        ),
        lambda: CONNECTOR.build_refund(
            ctx("cs-key-3"),
            RefundData(payment=payment_ref("automatic"), amount=250050, reference="refund-1"),
        ),
        {"payment_request_id", "amount"},
        refund_models.CreateRefund,
    ),
    "get refund": (
        lambda s: s.refunds.get_refund(RFD),
        lambda: CONNECTOR.build_refund_sync(
            ctx(),
            RefundSyncData(
                refund=RefundRef(
                    account="xendit-test",
                    connector="xendit",
                    connector_refund_id=RFD,
                    connector_payment_id=PR,
                    amount=250050,
                    currency="PHP",
                )
            ),
        ),
        set(),
        None,
    ),
    "create payment method (reusable card)": (
        lambda s: s.payment_methods.create_payment_method(
            payment_method_parameters=pm_models.PaymentMethodParameters(
                type=pm_models.PaymentMethodType("CARD"),
                reusability=pm_models.PaymentMethodReusability("MULTIPLE_USE"),
                reference_id="mandate-7",
                card=pm_models.CardParameters(
                    currency="PHP",
                    channel_properties=pm_models.CardChannelProperties(
                        skip_three_d_secure=False,
                        success_return_url=RETURN,
                        failure_return_url=RETURN,
                        cardonfile_type="MERCHANT_UNSCHEDULED",
                    ),
                    card_information=pm_models.CardParametersCardInformation(
                        card_number="4111111111111111",
                        expiry_month="12",
                        expiry_year="2030",
                        cardholder_name="Juan Dela Cruz",
                        cvv="123",
                    ),
                ),
            )
        ),
        setup_request,
        {
            "type",
            "reusability",
            "card.currency",
            "card.card_information.card_number",
            "card.card_information.expiry_month",
            "card.card_information.expiry_year",
        },
        pm_models.PaymentMethodParameters,
    ),
    "get payment method": (
        lambda s: s.payment_methods.get_payment_method_by_id(PM),
        lambda: CONNECTOR.build_complete_mandate(
            ctx(), MandateCompleteData(mandate=mandate(), params={})
        ),
        set(),
        None,
    ),
    "expire payment method": (
        lambda s: s.payment_methods.expire_payment_method(
            PM, payment_method_expire_parameters=pm_models.PaymentMethodExpireParameters()
        ),
        lambda: CONNECTOR.build_revoke_mandate(ctx(), MandateRevokeData(mandate=mandate())),
        set(),
        pm_models.PaymentMethodExpireParameters,
    ),
}


@pytest.mark.parametrize("operation", sorted(CASES))
def test_the_connectors_request_is_the_sdks(recorder: Recorder, sdk: Sdk, operation: str) -> None:
    call, ours, required, model = CASES[operation]
    before = len(recorder.seen)
    answer = call(sdk)
    assert len(recorder.seen) == before + 1, "the SDK made one request to the recorder"
    assert isinstance(answer, model_utils.OpenApiModel), "the SDK parsed the fixture"
    request = ours()
    assert_same_request(operation, recorder.last(), request, required)
    if model is not None:
        assert passes_model(request, model, sdk) is not None
    else:
        assert request.body is None


def test_every_route_the_connector_uses_is_an_sdk_case() -> None:
    """No request the connector can send escapes the oracle."""
    sent = [authorize_request(), charge_request(), *sync_requests(), setup_request()]
    for _, ours, _, _ in CASES.values():
        sent.append(ours())
    covered = set(ANSWERS)
    for request in sent:
        assert (request.method, route_of(urlsplit(request.url).path)) in covered, request.url


def test_a_mismatch_would_be_caught(recorder: Recorder, sdk: Sdk) -> None:
    """The comparison can fail: a field typed otherwise, or one the model lacks."""
    call, ours, required, _model = CASES["capture"]
    call(sdk)
    good = ours()
    wrong = HttpRequest(good.method, good.url, good.headers, b'{"capture_amount":"10000.25"}')
    with pytest.raises(AssertionError):
        assert_same_request("capture", recorder.last(), wrong, required)
    unknown = HttpRequest(good.method, good.url, good.headers, b'{"capture_amount":1,"x":2}')
    with pytest.raises(AssertionError):
        passes_model(unknown, pr_models.CaptureParameters, sdk)
    with pytest.raises(model_utils.ApiTypeError):
        passes_model(wrong, pr_models.CaptureParameters, sdk)


# --------------------------------------------------------------------------- responses

RESPONSES: dict[str, tuple[Callable[[Sdk], Any], type]] = {
    "payment_request_awaiting_capture": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        pr_models.PaymentRequest,
    ),
    "payment_request_succeeded": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        pr_models.PaymentRequest,
    ),
    "payment_request_requires_action": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        pr_models.PaymentRequest,
    ),
    "payment_request_failed": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        pr_models.PaymentRequest,
    ),
    "payment_request_qris_pending": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        pr_models.PaymentRequest,
    ),
    "payment_request_qris_succeeded": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        pr_models.PaymentRequest,
    ),
    "payment_request_va_pending": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        pr_models.PaymentRequest,
    ),
    "payment_request_ewallet_requires_action": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        pr_models.PaymentRequest,
    ),
    "payment_request_ovo_pending": (
        lambda s: s.payment_requests.get_payment_request_by_id(PR),
        pr_models.PaymentRequest,
    ),
    "capture_partial": (
        lambda s: s.payment_requests.capture_payment_request(
            PR, capture_parameters=pr_models.CaptureParameters(capture_amount=1.0)
        ),
        pr_models.Capture,
    ),
    "captures_list": (
        lambda s: s.payment_requests.get_payment_request_captures(PR),
        pr_models.CaptureListResponse,
    ),
    "refund_succeeded": (lambda s: s.refunds.get_refund(RFD), refund_models.Refund),
    "refund_pending": (lambda s: s.refunds.get_refund(RFD), refund_models.Refund),
    "refund_failed": (lambda s: s.refunds.get_refund(RFD), refund_models.Refund),
    "payment_requests_by_reference": (
        lambda s: s.payment_requests.get_all_payment_requests(reference_id=["order-1042"]),
        pr_models.PaymentRequestListResponse,
    ),
    "payment_requests_none": (
        lambda s: s.payment_requests.get_all_payment_requests(reference_id=["order-0"]),
        pr_models.PaymentRequestListResponse,
    ),
    "payment_method_active": (
        lambda s: s.payment_methods.get_payment_method_by_id(PM),
        pm_models.PaymentMethod,
    ),
    "payment_method_requires_action": (
        lambda s: s.payment_methods.get_payment_method_by_id(PM),
        pm_models.PaymentMethod,
    ),
    "payment_method_expired": (
        lambda s: s.payment_methods.get_payment_method_by_id(PM),
        pm_models.PaymentMethod,
    ),
    "payment_method_failed": (
        lambda s: s.payment_methods.get_payment_method_by_id(PM),
        pm_models.PaymentMethod,
    ),
}


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_fixtures_are_accepted_by_the_sdks_response_models(
    recorder: Recorder, sdk: Sdk, name: str
) -> None:
    call, model = RESPONSES[name]
    recorder.override = (200, fixture(name))
    parsed = call(sdk)
    assert isinstance(parsed, model)
    assert parsed["id" if "id" in fixture(name) else "has_more"] is not None


def test_every_fixture_the_connector_parses_is_checked() -> None:
    checked = set(RESPONSES) | {"callback_payment_succeeded", "callback_refund_succeeded",
                                "payment_request_unknown_status"}  # fmt: skip
    errors = {p.stem for p in FIXTURES.glob("error_*.json")}
    assert {p.stem for p in FIXTURES.glob("*.json")} - errors <= checked


def test_an_invented_fixture_would_be_refused(recorder: Recorder, sdk: Sdk) -> None:
    doc = fixture("payment_request_awaiting_capture")
    del doc["business_id"]  # required by the PaymentRequest schema
    recorder.override = (200, doc)
    with pytest.raises(TypeError):
        sdk.payment_requests.get_payment_request_by_id(PR)
    recorder.override = (200, fixture("payment_request_awaiting_capture") | {"amount": "1"})
    with pytest.raises(model_utils.ApiTypeError):
        sdk.payment_requests.get_payment_request_by_id(PR)


def test_the_unknown_status_fixture_is_the_sdks_fallback(recorder: Recorder, sdk: Sdk) -> None:
    """Xendit's enums fall back to UNKNOWN_ENUM_VALUE for a value the SDK does not know:
    the connector's answer to it is pending, never success (test_xendit.py)."""
    recorder.override = (200, fixture("payment_request_unknown_status"))
    parsed = sdk.payment_requests.get_payment_request_by_id(PR)
    assert str(parsed.status.value) == "UNKNOWN_ENUM_VALUE"


@pytest.mark.parametrize(
    ("name", "status"),
    [("error_validation", 400), ("error_not_found", 404), ("error_over_capture", 400),
     ("error_over_refund", 400), ("error_declined", 400), ("error_server", 500)],
)  # fmt: skip
def test_error_fixtures_are_errors_the_sdk_raises(
    recorder: Recorder, sdk: Sdk, name: str, status: int
) -> None:
    recorder.override = (status, fixture(name))
    with pytest.raises(XenditSdkException) as raised:
        sdk.payment_requests.get_payment_request_by_id(PR)
    assert int(raised.value.status) == status
    assert raised.value.errorCode == fixture(name)["error_code"]
    model = refund_models.CreateRefund400Response if name == "error_over_refund" else None
    error = model_utils.validate_and_convert_types(
        fixture(name), (model or pr_models.Error,), ["body"], True, True,
        configuration=sdk.config,
    )  # fmt: skip
    assert error.error_code == fixture(name)["error_code"]


def test_callback_fixtures_are_the_sdks_callback_models(sdk: Sdk) -> None:
    payment = model_utils.validate_and_convert_types(
        fixture("callback_payment_succeeded"), (pr_models.PaymentCallback,), ["body"], True,
        True, configuration=sdk.config,
    )  # fmt: skip
    assert payment.data.payment_request_id == PR
    refund = model_utils.validate_and_convert_types(
        fixture("callback_refund_succeeded"), (refund_models.RefundCallback,), ["body"], True,
        True, configuration=sdk.config,
    )  # fmt: skip
    assert refund.data.id == RFD


def test_the_fakes_channel_codes_are_the_sdks_enums() -> None:
    """The fake refuses a channel code the SDK's enum lacks, and takes every one it has;
    the connector's tables (EWALLETS, VA_BANKS, QR_CHANNELS) are subsets of them."""
    from connector_service.connectors.xendit import EWALLETS, VA_BANKS
    from connector_service.connectors.xendit import QR_CHANNELS as CONNECTOR_QR

    def enum(model: Any) -> set[str]:
        values = model.allowed_values[("value",)].values()
        return {v for v in values if v and v != "UNKNOWN_ENUM_VALUE"}

    assert enum(pr_models.EWalletChannelCode) == EWALLET_CHANNELS
    assert enum(pr_models.QRCodeChannelCode) == QR_CHANNELS
    assert enum(pr_models.VirtualAccountChannelCode) == VA_CHANNELS
    assert {code for code, _ in EWALLETS.values()} <= EWALLET_CHANNELS
    assert {code for code, _ in CONNECTOR_QR.values()} <= QR_CHANNELS
    assert set().union(*VA_BANKS.values()) <= VA_CHANNELS


def test_the_sdk_version_checked_is_recorded() -> None:
    major = int(SDK_VERSION.split(".")[0])
    assert major >= 7, SDK_VERSION  # docs/connectors/xendit.md names the version


# --------------------------------------------------------------------------- the SDK at the fake

xendit_fake = fake_fixture(XenditFake)


def test_the_sdk_runs_a_card_lifecycle_at_the_fake(xendit_fake: XenditFake) -> None:
    """The SDK drives the fake (its requests pass the contract, the fake's answers pass
    the SDK's response models): a manual card payment, a partial capture, a refund, a
    stored card charged and expired. The fake's answers are what the suite parses."""
    config = xendit.Configuration(host=xendit_fake.base_url)
    config.api_key = xendit_fake.secret_key
    client = xendit.ApiClient(config)
    prs, refunds, methods = PaymentRequestApi(client), RefundApi(client), PaymentMethodApi(client)
    created = prs.create_payment_request(
        idempotency_key="sdk-at-fake-1",
        payment_request_parameters=pr_models.PaymentRequestParameters(
            reference_id="sdk-1",
            amount=15000.5,
            currency=pr_models.PaymentRequestCurrency("PHP"),
            capture_method=pr_models.PaymentRequestCaptureMethod("MANUAL"),
            payment_method=pr_models.PaymentMethodParameters(
                type=pr_models.PaymentMethodType("CARD"),
                reusability=pr_models.PaymentMethodReusability("ONE_TIME_USE"),
                card=pr_models.CardParameters(
                    channel_properties=CARD_CHANNEL, card_information=CARD_INFO
                ),
            ),
            channel_properties=pr_models.PaymentRequestParametersChannelProperties(cvv="123"),
        ),
    )
    assert str(created.status.value) == "AWAITING_CAPTURE"
    capture = prs.capture_payment_request(
        created.id, capture_parameters=pr_models.CaptureParameters(capture_amount=10000.25)
    )
    assert capture.status == "SUCCEEDED" and capture.captured_amount == 10000.25
    listed = prs.get_payment_request_captures(created.id)
    assert len(listed.data.value) == 1
    refund = refunds.create_refund(
        create_refund=refund_models.CreateRefund(
            payment_request_id=created.id, amount=2500.5, currency="PHP",
            reason="REQUESTED_BY_CUSTOMER",
        )
    )  # fmt: skip
    assert refunds.get_refund(refund.id).id == refund.id
    method = methods.create_payment_method(
        payment_method_parameters=pm_models.PaymentMethodParameters(
            type=pm_models.PaymentMethodType("CARD"),
            reusability=pm_models.PaymentMethodReusability("MULTIPLE_USE"),
            card=pm_models.CardParameters(
                currency="PHP",
                card_information=pm_models.CardParametersCardInformation(
                    card_number="4111111111111111", expiry_month="12", expiry_year="2030",
                    cvv="123",
                ),
            ),
        )
    )  # fmt: skip
    assert str(method.status.value) == "ACTIVE"
    charge = prs.create_payment_request(
        payment_request_parameters=pr_models.PaymentRequestParameters(
            amount=999.0,
            currency=pr_models.PaymentRequestCurrency("PHP"),
            payment_method_id=method.id,
            initiator=pr_models.PaymentRequestInitiator("MERCHANT"),
        )
    )
    assert str(charge.status.value) == "SUCCEEDED"
    expired = methods.expire_payment_method(
        method.id, payment_method_expire_parameters=pm_models.PaymentMethodExpireParameters()
    )
    assert str(expired.status.value) == "EXPIRED"
    assert xendit_fake.violations == []


def test_the_sdk_pays_qris_ewallet_and_virtual_accounts_at_the_fake(
    xendit_fake: XenditFake,
) -> None:
    """The SDK's QR code, e-wallet and virtual account payment requests pass the fake's
    contract, its answers pass the SDK's PaymentRequest model, and the SDK's test-mode
    ``simulate_payment_request_payment`` pays them (then a QRIS payment is refunded)."""
    config = xendit.Configuration(host=xendit_fake.base_url)
    config.api_key = xendit_fake.secret_key
    client = xendit.ApiClient(config)
    prs, refunds = PaymentRequestApi(client), RefundApi(client)

    def create(currency: str, amount: float, method: Any) -> Any:
        return prs.create_payment_request(
            payment_request_parameters=pr_models.PaymentRequestParameters(
                amount=amount, currency=pr_models.PaymentRequestCurrency(currency),
                payment_method=method,
            )
        )  # fmt: skip

    qris = create("IDR", 50000.0, one_time("QR_CODE", qr_code=pr_models.QRCodeParameters(
        channel_code=pr_models.QRCodeChannelCode("QRIS"))))  # fmt: skip
    assert str(qris.status.value) == "PENDING"
    assert qris.payment_method.qr_code.channel_properties.qr_string.startswith("000201")
    va = create("IDR", 150000.0, one_time("VIRTUAL_ACCOUNT", virtual_account=(
        pr_models.VirtualAccountParameters(
            channel_code=pr_models.VirtualAccountChannelCode("BNI"),
            channel_properties=pr_models.VirtualAccountChannelProperties(
                customer_name="Ahmad Gunawan")))))  # fmt: skip
    number = va.payment_method.virtual_account.channel_properties.virtual_account_number
    assert number and number.isdigit()
    wallet = create("PHP", 250.5, one_time("EWALLET", ewallet=pr_models.EWalletParameters(
        channel_code=pr_models.EWalletChannelCode("GCASH"),
        channel_properties=WALLET_URLS)))  # fmt: skip
    assert str(wallet.status.value) == "REQUIRES_ACTION"
    assert [a.action for a in wallet.actions] == ["AUTH"]
    for created in (qris, va):
        prs.simulate_payment_request_payment(created.id)
        assert str(prs.get_payment_request_by_id(created.id).status.value) == "SUCCEEDED"
    refund = refunds.create_refund(
        create_refund=refund_models.CreateRefund(
            payment_request_id=qris.id, amount=50000.0, currency="IDR",
            reason="REQUESTED_BY_CUSTOMER",
        )
    )  # fmt: skip
    assert refunds.get_refund(refund.id).id == refund.id
    assert xendit_fake.violations == []
