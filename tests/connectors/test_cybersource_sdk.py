"""The official Cybersource Python SDK (``cybersource-rest-client-python``, test-only) as
the oracle of the connector's requests, signatures and fixtures (issue 15).

The SDK is generated from Cybersource's OpenAPI description, so its models are the
gateway's schema. For each flow:

- the SDK performs the same operation against a loopback recorder (its
  ``IntermediateHost`` points at 127.0.0.1; the signed ``Host`` stays
  apitest.cybersource.com, no real host is contacted) and the connector's request must
  match it: method, path, HTTP Signature (the same signed header list, a digest of the
  body, a signature that verifies), content type, and the body's fields with their JSON
  types. Fields the connector sends beyond the SDK sample of the operation are in
  ``EXTRA`` with the API reference naming them;
- the connector's body must pass the SDK's generated request model: decoded into it and
  encoded back it is unchanged (an unknown field, or a string where the model says
  boolean, would be dropped or converted, and the round trip would differ);
- the SDK's own request passes the fake's contract (testing/fakes/cybersource.py);
- the fixtures the connector parses, and the fake's answers to the SDK, round-trip
  through the SDK's response models the same way;
- the HTTP Signature the connector makes is the one the SDK's signer makes for the same
  request, date and secret.

The SDK has no webhook signature helper; webhook verification is tested against the
documented scheme in test_cybersource.py.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.cybersource import CybersourceConnector, signed_headers
from connector_service.domain.common import Address, BrowserInfo, Customer
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    IncrementData,
    MandateRevokeData,
    MandateSetupData,
    RefundData,
    RefundSyncData,
    StoredMandate,
    SyncData,
    VoidData,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import (
    ApplePay,
    Card,
    GooglePay,
    NetworkToken,
    ThreeDsResult,
)
from connector_service.domain.secret import Secret
from connector_service.domain.splits import LineItem, Order
from connector_service.domain.status import CaptureMethod
from connector_service.testing.fakes.cybersource import (
    CybersourceFake,
    check_request,
    route_of,
    signature_of,
)
from connector_service.testing.recorder import RouteRecorder
from connector_service.testing.recorder import body_shape as shared_body_shape
from tests.connectors.harness import drive, make_ctx, response

with warnings.catch_warnings():  # the SDK imports pkg_resources (deprecated)
    warnings.simplefilter("ignore")
    CyberSource = pytest.importorskip("CyberSource")
    from authenticationsdk.core.MerchantConfiguration import MerchantConfiguration
    from authenticationsdk.http.HTTPSignatureToken import HTTPSignatureToken

SDK_VERSION = version("cybersource-rest-client-python")
CONNECTOR = CybersourceConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "cybersource"
HOST = "apitest.cybersource.com"
MERCHANT_ID = "testrest"  # the SDK samples' sandbox merchant name; only for these tests
KEY_ID = "08c94330-f618-42a3-b09d-e1e43be5efda"
SECRET = base64.b64encode(b"sdk-oracle-shared-secret-32bytes").decode()
PID, CAP = "6950793928196286004807", "6950794054586290604806"
RID = "6950794689146298404807"
CID, PIID = "F2B9CC8E9FCA5A47E053AF598E0A1C53", "F2B9D0F9A1B84D55E053AF598E0A4B5A"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


# --------------------------------------------------------------------------- the recorder

ANSWERS: dict[tuple[str, str], tuple[int, str]] = {
    ("POST", "/pts/v2/payments"): (201, "payment_authorized"),
    ("PATCH", "/pts/v2/payments/{}"): (201, "increment_authorized"),
    ("POST", "/pts/v2/payments/{}/captures"): (201, "capture_pending"),
    ("POST", "/pts/v2/payments/{}/reversals"): (201, "reversal_reversed"),
    ("POST", "/pts/v2/captures/{}/voids"): (201, "void_voided"),
    ("POST", "/pts/v2/payments/{}/refunds"): (201, "refund_pending"),
    ("POST", "/pts/v2/captures/{}/refunds"): (201, "refund_pending"),
    ("GET", "/tss/v2/transactions/{}"): (200, "transaction_authorized"),
    ("POST", "/tss/v2/searches"): (201, "search_found"),
    ("DELETE", "/tms/v2/customers/{}"): (204, ""),
}


class Recorder(RouteRecorder):
    """The shared loopback recorder, answering this gateway's fixtures."""

    def __init__(self) -> None:
        super().__init__(ANSWERS, route_of, fixture, content_type="application/hal+json")


def sdk_config(
    base: str, merchant: str = MERCHANT_ID, key: str = KEY_ID, secret: str = SECRET
) -> dict[str, Any]:
    return {
        "authentication_type": "http_signature",
        "merchantid": merchant,
        "run_environment": HOST,
        "merchant_keyid": key,
        "merchant_secretkey": secret,
        "IntermediateHost": base,  # where it connects; the signed Host stays HOST
    }


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    try:
        yield rec
    finally:
        rec.close()


class Sdk:
    """The SDK's API classes configured for the recorder."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.payments = CyberSource.PaymentsApi(config)
            self.captures = CyberSource.CaptureApi(config)
            self.reversals = CyberSource.ReversalApi(config)
            self.voids = CyberSource.VoidApi(config)
            self.refunds = CyberSource.RefundApi(config)
            self.details = CyberSource.TransactionDetailsApi(config)
            self.customers = CyberSource.CustomerApi(config)
        self.client = self.payments.api_client


@pytest.fixture(scope="module")
def sdk(recorder: Recorder) -> Sdk:
    return Sdk(sdk_config(recorder.base))


def _del_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _del_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_del_none(v) for v in value]
    return value


def body_of(sdk: Sdk, model: Any) -> str:
    """A request model as the SDK's samples pass it: the model's (snake_case) dict with
    the Nones dropped, as JSON; the SDK camel-cases it and adds its developer id."""
    return json.dumps(_del_none(model.to_dict()))


def round_trip(sdk: Sdk, data: Any, model: str) -> Any:
    """``data`` decoded into the SDK's generated ``model`` and encoded back."""
    decoded = sdk.client._ApiClient__deserialize(data, model)
    return sdk.client.sanitize_for_serialization(decoded)


def kept(sdk: Sdk, data: Any, model: str) -> bool:
    """Whether ``model`` keeps ``data`` as it is: every field known, with its type (a
    model may add its own defaults, e.g. ``ignoreAvsResult: false``)."""
    return _within(data, round_trip(sdk, data, model))


def _within(data: Any, back: Any) -> bool:
    if isinstance(data, dict):
        return isinstance(back, dict) and all(
            k in back and _within(v, back[k]) for k, v in data.items()
        )
    if isinstance(data, list):
        return (
            isinstance(back, list)
            and len(back) == len(data)
            and all(_within(a, b) for a, b in zip(data, back, strict=True))
        )
    return type(data) is type(back) and data == back


# --------------------------------------------------------------------------- shapes


def body_shape(request: HttpRequest) -> dict[str, str]:
    return shared_body_shape(request)


# The SDK adds its own developer id to every body (its SdkTracker); the connector need not.
SDK_ONLY = {
    "clientReferenceInformation.partner",
    "clientReferenceInformation.partner.developerId",
    # the model's defaults, sent by the SDK whenever authorizationOptions is
    # (false is also the API's default)
    "processingInformation.authorizationOptions.ignoreAvsResult",
    "processingInformation.authorizationOptions.ignoreCvResult",
}
# Fields the connector sends beyond the SDK sample of an operation, with the API
# reference naming them (each also passes the SDK's model: see round_trip).
EXTRA: dict[str, dict[str, str]] = {
    "authorize (card)": {
        "processingInformation.commerceIndicator": "Payments API: commerceIndicator, "
        "'internet' for an e-commerce card-not-present order",
    },
    "sale (card)": {
        "processingInformation.commerceIndicator": "as above",
    },
    "authorize with TMS token create": {},
    "merchant-initiated charge with TMS tokens": {},
    "capture": {},
    "authorization reversal": {},
    "void capture": {},
    "refund payment": {},
    "refund capture": {},
    "search by reference": {},
    "preauthorization": {
        "processingInformation.commerceIndicator": "as for an authorization",
    },
    "incremental authorization": {},
    "authorize with Level II/III order": {
        "processingInformation.commerceIndicator": "as for an authorization",
    },
    "authorize (network token, card on file)": {
        "paymentInformation.tokenizedCard.type": "Payments API: tokenizedCard.type, 'strongly "
        "recommended ... even if it is optional'",
    },
    "authorize (decrypted Apple Pay, Visa)": {
        "processingInformation.commerceIndicator": "Apple Pay guide (REST), merchant "
        "decryption for Visa: the indicator of the ECI (vbv for 05)",
        "paymentInformation.tokenizedCard.type": "as for a network token",
        "consumerAuthenticationInformation": "holding the one below",
        "consumerAuthenticationInformation.cavv": "Apple Pay guide (REST), merchant "
        "decryption for Visa: consumerAuthenticationInformation.cavv, the cryptogram",
    },
    "authorize (decrypted Google Pay, Mastercard)": {
        "processingInformation.commerceIndicator": "Apple Pay / Samsung Pay guides, "
        "merchant decryption for Mastercard: spa",
        "paymentInformation.tokenizedCard.type": "as for a network token",
        "consumerAuthenticationInformation": "holding the two below",
        "consumerAuthenticationInformation.ucafAuthenticationData": "merchant decryption "
        "for Mastercard: the cryptogram as UCAF data",
        "consumerAuthenticationInformation.ucafCollectionIndicator": "'2' for Apple Pay and "
        "Samsung Pay transactions (field reference)",
    },
    "authorize (Apple Pay, Cybersource decryption)": {},
    "authorize (Google Pay, Cybersource decryption)": {},
    "authorize with external 3-D Secure (Visa)": {},
    "authorize with external 3-D Secure (Mastercard)": {},
}
# operation -> the SDK model the connector's body must pass
MODELS = {
    "authorize (card)": "CreatePaymentRequest",
    "sale (card)": "CreatePaymentRequest",
    "authorize with TMS token create": "CreatePaymentRequest",
    "merchant-initiated charge with TMS tokens": "CreatePaymentRequest",
    "setup mandate (TMS token create)": "CreatePaymentRequest",
    "capture": "CapturePaymentRequest",
    "authorization reversal": "AuthReversalRequest",
    "void capture": "VoidCaptureRequest",
    "refund payment": "RefundPaymentRequest",
    "refund capture": "RefundCaptureRequest",
    "search by reference": "CreateSearchRequest",
    "preauthorization": "CreatePaymentRequest",
    "incremental authorization": "IncrementAuthRequest",
    "authorize with Level II/III order": "CreatePaymentRequest",
    "authorize (network token, card on file)": "CreatePaymentRequest",
    "authorize (decrypted Apple Pay, Visa)": "CreatePaymentRequest",
    "authorize (decrypted Google Pay, Mastercard)": "CreatePaymentRequest",
    "authorize (Apple Pay, Cybersource decryption)": "CreatePaymentRequest",
    "authorize (Google Pay, Cybersource decryption)": "CreatePaymentRequest",
    "authorize with external 3-D Secure (Visa)": "CreatePaymentRequest",
    "authorize with external 3-D Secure (Mastercard)": "CreatePaymentRequest",
}


def headers_of(request: HttpRequest) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def signature_params(request: HttpRequest) -> dict[str, str]:
    raw = headers_of(request)["signature"]
    return dict(
        (name.strip(), value.strip('"')) for name, _, value in
        (part.partition("=") for part in raw.split('", '))
    )  # fmt: skip


def assert_same_request(operation: str, sdk_request: HttpRequest, ours: HttpRequest) -> None:
    sdk_url, our_url = urlsplit(sdk_request.url), urlsplit(ours.url)
    assert ours.method == sdk_request.method, operation
    assert route_of(our_url.path) == route_of(sdk_url.path), (operation, our_url.path)
    assert set(parse_qs(our_url.query)) == set(parse_qs(sdk_url.query)), operation
    sdk_h, our_h = headers_of(sdk_request), headers_of(ours)
    # HTTP Signature: the same merchant header, signed header list, key id, algorithm
    assert our_h["v-c-merchant-id"] == sdk_h["v-c-merchant-id"] == MERCHANT_ID, operation
    assert our_h["date"] and sdk_h["date"], operation
    ours_sig, sdk_sig = signature_params(ours), signature_params(sdk_request)
    for name in ("keyid", "algorithm", "headers"):
        assert ours_sig[name] == sdk_sig[name], (operation, name, ours_sig[name])
    assert ("digest" in our_h) is ("digest" in sdk_h), operation
    for request in (sdk_request, ours):  # each verifies with the shared secret
        sent, expected = signature_of(request, SECRET) or ("", "?")
        assert sent == expected, (operation, request is ours)
    if ours.body is not None:
        assert sdk_h["content-type"].startswith("application/json"), operation
        assert our_h["content-type"].startswith("application/json"), operation
    sdk_shape = {k: v for k, v in body_shape(sdk_request).items() if k not in SDK_ONLY}
    our_shape = body_shape(ours)
    for field in sorted(set(sdk_shape) & set(our_shape)):
        assert our_shape[field] == sdk_shape[field], (operation, field)
    missing = set(sdk_shape) - set(our_shape)
    assert not missing, (operation, "fields of the SDK sample the connector lacks", missing)
    extra = set(our_shape) - set(sdk_shape)
    unexplained = {f for f in extra if not any(f.startswith(e) for e in EXTRA[operation])}
    assert not unexplained, (operation, "fields the SDK sample lacks", unexplained)
    check_request(sdk_request, MERCHANT_ID)  # the fake's contract takes the SDK's request


# --------------------------------------------------------------------------- connector side


def ctx() -> Any:
    creds = {"merchant_id": MERCHANT_ID, "key_id": KEY_ID, "shared_secret": SECRET}
    return make_ctx(CONNECTOR, creds, base_url=f"https://{HOST}", idempotency_key=None)


def card() -> Card:
    return Card(number=Secret("4111111111111111"), exp_month=12, exp_year=2031, cvc=Secret("123"))


BILLING = Address(
    first_name="John", last_name="Doe", line1="1 Market St", city="san francisco",
    state="CA", postal_code="94105", country="US", phone="4158880000",
)  # fmt: skip
CUSTOMER = Customer(email="test@cybs.com")


SHIPPING = Address(
    first_name="Olivia", last_name="White", line1="1295 Charleston Rd", city="Mountain View",
    state="CA", postal_code="94041", country="US", phone="650-965-6000",
)  # fmt: skip


def authorize(capture: CaptureMethod, **extra: Any) -> HttpRequest:
    full = {} if extra else {
        "shipping": SHIPPING, "statement_descriptor": "Shop Example",
        "browser": BrowserInfo(ip_address="203.0.113.7", user_agent="Mozilla/5.0 (sdk oracle)"),
    }  # fmt: skip
    data = AuthorizeData(
        amount=10221, currency="USD", payment_method=card(), capture_method=capture,
        reference="TC50171_3", billing=BILLING, customer=CUSTOMER, **extra, **full,
    )  # fmt: skip
    requests, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, fixture(
        "payment_authorized_tokens" if extra else "payment_authorized"))])  # fmt: skip
    return requests[0]


VISA_TOKEN, MC_TOKEN = "4895370012003478", "5204731600014792"
CRYPTOGRAM = "AceY+igABPs3jdwNaDg3MAACAAA="
CAVV, DS_ID = "AAABCSIIAAAAAAACcwgAEMCoNh+=", "f25084f0-5b16-4c0a-ae5d-b24808a95e4b"


def with_method(pm: Any) -> HttpRequest:
    """The connector's authorization (manual capture) paying with ``pm``."""
    data = AuthorizeData(
        amount=10221, currency="USD", payment_method=pm, capture_method=CaptureMethod.MANUAL,
        reference="TC50171_3", billing=BILLING, customer=CUSTOMER,
    )  # fmt: skip
    return CONNECTOR.build_authorize(ctx(), data)


def network_token(number: str, source: str, eci: str | None) -> NetworkToken:
    return NetworkToken(number=Secret(number), exp_month=12, exp_year=2031,
                        cryptogram=Secret(CRYPTOGRAM), eci=eci, source=source)  # type: ignore[arg-type]  # fmt: skip


def authenticated_card(number: str, eci: str) -> Card:
    result = ThreeDsResult(authentication_value=Secret(CAVV), eci=eci, version="2.2.0",
                           ds_transaction_id=DS_ID)  # fmt: skip
    return Card(number=Secret(number), exp_month=12, exp_year=2031, cvc=Secret("123"),
                three_ds=result)  # fmt: skip


def payment_ref(meta: dict[str, str] | None = None) -> PaymentRef:
    return PaymentRef(
        account="cybersource-test", connector="cybersource", connector_payment_id=PID,
        amount=10221, currency="USD", capture_method="manual", meta=meta or {},
    )  # fmt: skip


def mandate_ref() -> MandateRef:
    return MandateRef(
        account="cybersource-test", connector="cybersource", connector_mandate_id=PIID,
        customer_id=CID, meta={"network_txn_id": "123456789619999"},
    )  # fmt: skip


def mit() -> HttpRequest:
    data = AuthorizeData(
        amount=10221, currency="USD", payment_method=StoredMandate(ref=mandate_ref()),
        capture_method=CaptureMethod.MANUAL, reference="TC50171_3", billing=BILLING,
        customer=CUSTOMER,
    )  # fmt: skip
    return CONNECTOR.build_authorize(ctx(), data)


# --------------------------------------------------------------------------- SDK side

M = CyberSource


def _card_model() -> Any:
    return M.Ptsv2paymentsPaymentInformationCard(
        number="4111111111111111", expiration_month="12", expiration_year="2031",
        security_code="123",
    )  # fmt: skip


def _order(amount: str = "102.21") -> Any:
    return M.Ptsv2paymentsOrderInformation(
        amount_details=M.Ptsv2paymentsOrderInformationAmountDetails(
            total_amount=amount, currency="USD"
        ),
        bill_to=M.Ptsv2paymentsOrderInformationBillTo(
            first_name="John", last_name="Doe", address1="1 Market St",
            locality="san francisco", administrative_area="CA", postal_code="94105",
            country="US", email="test@cybs.com", phone_number="4158880000",
        ),
    )  # fmt: skip


def _client_ref() -> Any:
    return M.Ptsv2paymentsClientReferenceInformation(code="TC50171_3")


def sdk_payment(sdk: Sdk, *, capture: bool) -> None:
    """Samples/Payments/Payments/simple-authorizationinternet.py (and its sale variant),
    with the shipping address of authorization-with-decision-manager-shipping-information,
    the device of ...-device-information and a merchant descriptor name."""
    order = _order()
    order.ship_to = M.Ptsv2paymentsOrderInformationShipTo(
        first_name="Olivia", last_name="White", address1="1295 Charleston Rd",
        locality="Mountain View", administrative_area="CA", postal_code="94041",
        country="US", phone_number="650-965-6000",
    )  # fmt: skip
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(capture=capture),
        payment_information=M.Ptsv2paymentsPaymentInformation(card=_card_model()),
        order_information=order,
        merchant_information=M.Ptsv2paymentsMerchantInformation(
            merchant_descriptor=M.Ptsv2paymentsMerchantInformationMerchantDescriptor(
                name="Shop Example"
            )
        ),
        device_information=M.Ptsv2paymentsDeviceInformation(
            ip_address="203.0.113.7", user_agent="Mozilla/5.0 (sdk oracle)"
        ),
    )
    sdk.payments.create_payment(body_of(sdk, request))


def sdk_token_create(sdk: Sdk) -> None:
    """Samples/Payments/Payments/authorization-with-customer-token-creation.py (actionList
    TOKEN_CREATE, actionTokenTypes customer + paymentInstrument) with the initiator of
    cit-placing-credential-on-file.py (credentialStoredOnFile: the first, customer-
    initiated use of a stored card)."""
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(
            capture=False,
            commerce_indicator="internet",
            action_list=["TOKEN_CREATE"],
            action_token_types=["customer", "paymentInstrument"],
            authorization_options=M.ProcessingInfoAuthorizationOptions(
                initiator=M.ProcessingInfoAuthorizationOptionsInitiator(
                    type="customer", credential_stored_on_file=True
                )
            ),
        ),
        payment_information=M.Ptsv2paymentsPaymentInformation(card=_card_model()),
        order_information=_order(),
    )
    sdk.payments.create_payment(body_of(sdk, request))


def sdk_mit(sdk: Sdk) -> None:
    """Samples/Payments/Payments/authorization-with-customer-token-id.py (TMS ids) with the
    flags of mit-unscheduled-credential-on-file.py (merchant, stored credential used, the
    first payment's network transaction id)."""
    mit_info = M.ProcessingInfoAuthorizationOptionsInitiatorMerchantInitiatedTransaction(
        previous_transaction_id="123456789619999"
    )
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(
            capture=False,
            commerce_indicator="internet",
            authorization_options=M.ProcessingInfoAuthorizationOptions(
                initiator=M.ProcessingInfoAuthorizationOptionsInitiator(
                    type="merchant",
                    stored_credential_used=True,
                    merchant_initiated_transaction=mit_info,
                )
            ),
        ),
        payment_information=M.Ptsv2paymentsPaymentInformation(
            customer=M.Ptsv2paymentsPaymentInformationCustomer(id=CID),
            payment_instrument=M.Ptsv2paymentsPaymentInformationPaymentInstrument(id=PIID),
        ),
        order_information=_order(),
    )
    sdk.payments.create_payment(body_of(sdk, request))


def _tokenized(number: str, transaction_type: str, **extra: Any) -> Any:
    return M.Ptsv2paymentsPaymentInformation(
        tokenized_card=M.Ptsv2paymentsPaymentInformationTokenizedCard(
            number=number, expiration_month="12", expiration_year="2031",
            cryptogram=CRYPTOGRAM, transaction_type=transaction_type, **extra,
        )
    )  # fmt: skip


def sdk_network_token(sdk: Sdk) -> None:
    """Samples/Payments/Payments/payment-network-tokenization.py (tokenizedCard number,
    expiry, transactionType; commerceIndicator) with the cryptogram of
    digital-payments-applepay.py, as a card-on-file token (transactionType 3, no
    3-D Secure values: the token's cryptogram is its proof)."""
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(
            capture=False, commerce_indicator="internet"
        ),
        payment_information=_tokenized(VISA_TOKEN, "3"),
        order_information=_order(),
    )
    sdk.payments.create_payment(body_of(sdk, request))


def sdk_wallet(sdk: Sdk, solution: str, number: str) -> None:
    """Samples/Payments/Payments/digital-payments-applepay.py (paymentSolution 001) and
    digital-payment-googlepay.py (012): a decrypted wallet token as tokenizedCard."""
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(
            capture=False, payment_solution=solution
        ),
        payment_information=_tokenized(number, "1"),
        order_information=_order(),
    )
    sdk.payments.create_payment(body_of(sdk, request))


WALLET_TOKEN = '{"version":"EC_v1","data":"t7GeajLB9skXB6QSWfEpPA4WPhD==","signature":"MIAG"}'
WALLET_B64 = base64.b64encode(WALLET_TOKEN.encode()).decode()


def sdk_encrypted_wallet(sdk: Sdk, solution: str) -> None:
    """The Cybersource-decryption authorizations of the Apple Pay guide (REST: fluidData
    descriptor and value, tokenizedCard.transactionType 1, paymentSolution 001) and the
    Google Pay guide's REST example (fluidData.value, paymentSolution 012), built from the
    SDK's models (no SDK sample sends them)."""
    apple = solution == "001"
    fluid = M.Ptsv2paymentsPaymentInformationFluidData(
        value=WALLET_B64, descriptor="RklEPUNPTU1PTi5BUFBMRS5JTkFQUC5QQVlNRU5U" if apple else None
    )
    info = M.Ptsv2paymentsPaymentInformation(fluid_data=fluid)
    if apple:
        info.tokenized_card = M.Ptsv2paymentsPaymentInformationTokenizedCard(transaction_type="1")
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(
            capture=False, payment_solution=solution
        ),
        payment_information=info,
        order_information=_order(),
    )
    sdk.payments.create_payment(body_of(sdk, request))


def sdk_external_3ds(sdk: Sdk, indicator: str, **values: str) -> None:
    """payment-network-tokenization.py's consumerAuthenticationInformation (its CAVV; the
    3-D Secure 1 XID left out) and commerceIndicator on a card, with the model's EMV 3-D
    Secure fields (eciRaw, paSpecificationVersion, directoryServerTransactionId)."""
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(
            capture=False, commerce_indicator=indicator
        ),
        payment_information=M.Ptsv2paymentsPaymentInformation(card=_card_model()),
        order_information=_order(),
        consumer_authentication_information=M.Ptsv2paymentsConsumerAuthenticationInformation(
            pa_specification_version="2.2.0", directory_server_transaction_id=DS_ID, **values
        ),
    )
    sdk.payments.create_payment(body_of(sdk, request))


def _amount(amount: str = "102.21") -> Any:
    return M.Ptsv2paymentsidcapturesOrderInformationAmountDetails(
        total_amount=amount, currency="USD"
    )


def sdk_capture(sdk: Sdk) -> None:
    """Samples/Payments/Capture/capture-payment.py."""
    request = M.CapturePaymentRequest(
        client_reference_information=_client_ref(),
        order_information=M.Ptsv2paymentsidcapturesOrderInformation(amount_details=_amount()),
    )
    sdk.captures.capture_payment(body_of(sdk, request), PID)


def sdk_reversal(sdk: Sdk) -> None:
    """Samples/Payments/Reversal/process-authorization-reversal.py."""
    request = M.AuthReversalRequest(
        client_reference_information=M.Ptsv2paymentsidreversalsClientReferenceInformation(
            code="TC50171_3"
        ),
        reversal_information=M.Ptsv2paymentsidreversalsReversalInformation(
            amount_details=M.Ptsv2paymentsidreversalsReversalInformationAmountDetails(
                total_amount="102.21"
            ),
            reason="testing",
        ),
    )
    sdk.reversals.auth_reversal(PID, body_of(sdk, request))


def sdk_void_capture(sdk: Sdk) -> None:
    """Samples/Payments/Void/void-capture.py."""
    request = M.VoidCaptureRequest(
        client_reference_information=M.Ptsv2paymentsidreversalsClientReferenceInformation(
            code="test_void"
        )
    )
    sdk.voids.void_capture(body_of(sdk, request), CAP)


def _refund_body() -> dict[str, Any]:
    return {
        "client_reference_information": M.Ptsv2paymentsidrefundsClientReferenceInformation(
            code="TC50171_3"
        ),
        "order_information": M.Ptsv2paymentsidrefundsOrderInformation(
            amount_details=_amount("10.00")
        ),
    }


def sdk_refund_payment(sdk: Sdk) -> None:
    """Samples/Payments/Refund/refund-payment.py."""
    sdk.refunds.refund_payment(body_of(sdk, M.RefundPaymentRequest(**_refund_body())), PID)


def sdk_refund_capture(sdk: Sdk) -> None:
    """Samples/Payments/Refund/refund-capture.py."""
    sdk.refunds.refund_capture(body_of(sdk, M.RefundCaptureRequest(**_refund_body())), CAP)


def refund(meta: dict[str, str] | None = None) -> HttpRequest:
    data = RefundData(payment=payment_ref(meta), amount=1000, reference="TC50171_3")
    return CONNECTOR.build_refund(ctx(), data)


def sdk_search(sdk: Sdk) -> None:
    """Samples/TransactionSearch/create-search-request.py."""
    request = M.CreateSearchRequest(
        save=False,
        name="MRN",
        timezone="America/Chicago",
        query="clientReferenceInformation.code:TC50171_3 AND "
        "submitTimeUtc:[NOW/DAY-7DAYS TO NOW/DAY+1DAY}",
        offset=0,
        limit=100,
        sort="id:asc,submitTimeUtc:asc",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        M.SearchTransactionsApi(sdk.config).create_search(body_of(sdk, request))


def sdk_preauthorization(sdk: Sdk) -> None:
    """An authorization with ``authorizationOptions.authIndicator: "0"`` (preauthorization,
    the field's documented values), to be incremented."""
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(
            capture=False,
            authorization_options=M.ProcessingInfoAuthorizationOptions(auth_indicator="0"),
        ),
        payment_information=M.Ptsv2paymentsPaymentInformation(card=_card_model()),
        order_information=_order(),
    )
    sdk.payments.create_payment(body_of(sdk, request))


def sdk_level3(sdk: Sdk) -> None:
    """Samples/Payments/Payments/level-iii-data.py's line items, tax, freight and purchase
    order number, on a card authorization."""
    order = _order()
    order.amount_details.tax_amount = "1.00"
    order.amount_details.freight_amount = "2.00"
    order.line_items = [
        M.Ptsv2paymentsOrderInformationLineItems(
            product_name="Widget",
            product_sku="WID-1",
            quantity=2,
            unit_price="49.60",
            tax_amount="1.00",
            total_amount="99.20",
        )
    ]
    order.invoice_details = M.Ptsv2paymentsOrderInformationInvoiceDetails(
        purchase_order_number="PO-123"
    )
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(capture=False),
        payment_information=M.Ptsv2paymentsPaymentInformation(card=_card_model()),
        order_information=order,
    )
    sdk.payments.create_payment(body_of(sdk, request))


def level3() -> HttpRequest:
    order = Order(
        line_items=[LineItem(name="Widget", quantity=2, unit_amount=4960, tax_amount=100,
                             sku="WID-1")],
        shipping_amount=200,
        customer_reference="PO-123",
    )  # fmt: skip
    return authorize(CaptureMethod.MANUAL, order=order)


def sdk_increment(sdk: Sdk) -> None:
    """Samples/Payments/Payments/incremental-authorization.py (without its lodging-only
    merchantInformation.transactionLocalDateTime and travelInformation.duration)."""
    request = M.IncrementAuthRequest(
        client_reference_information=M.Ptsv2paymentsidClientReferenceInformation(code="TC50171_3"),
        processing_information=M.Ptsv2paymentsidProcessingInformation(
            authorization_options=M.Ptsv2paymentsidProcessingInformationAuthorizationOptions(
                initiator=M.Ptsv2paymentsidProcessingInformationAuthorizationOptionsInitiator(
                    stored_credential_used=True
                )
            )
        ),
        order_information=M.Ptsv2paymentsidOrderInformation(
            amount_details=M.Ptsv2paymentsidOrderInformationAmountDetails(
                additional_amount="22.49", currency="USD"
            )
        ),
    )
    sdk.payments.increment_auth(PID, body_of(sdk, request))


def increment() -> HttpRequest:
    data = IncrementData(payment=payment_ref(), amount=12470, increment=2249,
                         reference="TC50171_3")  # fmt: skip
    return CONNECTOR.build_increment(ctx(), data)


def search() -> HttpRequest:
    unresolved = PaymentRef(
        account="cybersource-test", connector="cybersource", connector_payment_id="",
        amount=10221, currency="USD", capture_method="manual", meta={"reference": "TC50171_3"},
    )  # fmt: skip
    return CONNECTOR.build_sync(ctx(), SyncData(payment=unresolved))


Case = tuple[Callable[[Sdk], Any], Callable[[], HttpRequest]]
CASES: dict[str, Case] = {
    "authorize (card)": (
        lambda s: sdk_payment(s, capture=False),
        lambda: authorize(CaptureMethod.MANUAL),
    ),
    "sale (card)": (
        lambda s: sdk_payment(s, capture=True),
        lambda: authorize(CaptureMethod.AUTOMATIC),
    ),
    "authorize with TMS token create": (
        sdk_token_create,
        lambda: authorize(CaptureMethod.MANUAL, setup_future_usage=True),
    ),
    "merchant-initiated charge with TMS tokens": (sdk_mit, mit),
    "capture": (
        sdk_capture,
        lambda: CONNECTOR.build_capture(
            ctx(), CaptureData(payment=payment_ref(), amount=10221, reference="TC50171_3")
        ),
    ),
    "authorization reversal": (
        sdk_reversal,
        lambda: CONNECTOR.build_void(ctx(), VoidData(payment=payment_ref(), reason="testing")),
    ),
    "void capture": (
        sdk_void_capture,
        lambda: CONNECTOR.build_void(ctx(), VoidData(payment=payment_ref({"capture_id": CAP}))),
    ),
    "refund payment": (sdk_refund_payment, lambda: refund()),
    "refund capture": (sdk_refund_capture, lambda: refund({"capture_id": CAP})),
    "search by reference": (sdk_search, search),
    "preauthorization": (
        sdk_preauthorization,
        lambda: authorize(CaptureMethod.MANUAL, incremental_authorization=True),
    ),
    "incremental authorization": (sdk_increment, increment),
    "authorize with Level II/III order": (sdk_level3, level3),
    "authorize (network token, card on file)": (
        sdk_network_token,
        lambda: with_method(network_token(VISA_TOKEN, "network_token", "07")),
    ),
    "authorize (decrypted Apple Pay, Visa)": (
        lambda s: sdk_wallet(s, "001", VISA_TOKEN),
        lambda: with_method(network_token(VISA_TOKEN, "apple_pay", "05")),
    ),
    "authorize (decrypted Google Pay, Mastercard)": (
        lambda s: sdk_wallet(s, "012", MC_TOKEN),
        lambda: with_method(network_token(MC_TOKEN, "google_pay", None)),
    ),
    "authorize (Apple Pay, Cybersource decryption)": (
        lambda s: sdk_encrypted_wallet(s, "001"),
        lambda: with_method(ApplePay(token=Secret(WALLET_TOKEN))),
    ),
    "authorize (Google Pay, Cybersource decryption)": (
        lambda s: sdk_encrypted_wallet(s, "012"),
        lambda: with_method(GooglePay(token=Secret(WALLET_B64))),
    ),
    "authorize with external 3-D Secure (Visa)": (
        lambda s: sdk_external_3ds(s, "vbv", cavv=CAVV, eci_raw="05"),
        lambda: with_method(authenticated_card("4111111111111111", "05")),
    ),
    "authorize with external 3-D Secure (Mastercard)": (
        lambda s: sdk_external_3ds(
            s, "spa", ucaf_authentication_data=CAVV, ucaf_collection_indicator="2", eci_raw="02"
        ),
        lambda: with_method(authenticated_card("5555555555554444", "02")),
    ),
}
READ_CASES: dict[str, Case] = {
    "transaction details": (
        lambda s: s.details.get_transaction(PID),
        lambda: CONNECTOR.build_sync(ctx(), SyncData(payment=payment_ref())),
    ),
    "transaction details (refund)": (
        lambda s: s.details.get_transaction(RID),
        lambda: CONNECTOR.build_refund_sync(
            ctx(),
            RefundSyncData(
                refund=RefundRef(
                    account="a",
                    connector="cybersource",
                    connector_refund_id=RID,
                    connector_payment_id=PID,
                    amount=1000,
                    currency="USD",
                )
            ),
        ),
    ),
    "delete customer": (
        lambda s: s.customers.delete_customer(CID),
        lambda: CONNECTOR.build_revoke_mandate(ctx(), MandateRevokeData(mandate=mandate_ref())),
    ),
}


@pytest.mark.parametrize("operation", sorted(CASES))
def test_the_connectors_request_is_the_sdks(recorder: Recorder, sdk: Sdk, operation: str) -> None:
    call, ours = CASES[operation]
    before = len(recorder.seen)
    call(sdk)
    assert len(recorder.seen) == before + 1, "the SDK made one request to the recorder"
    assert_same_request(operation, recorder.seen[-1], ours())


@pytest.mark.parametrize("operation", sorted(READ_CASES))
def test_reads_and_deletes_are_the_sdks(recorder: Recorder, sdk: Sdk, operation: str) -> None:
    call, ours = READ_CASES[operation]
    call(sdk)
    mine, theirs = ours(), recorder.seen[-1]
    assert mine.body is None and theirs.body is None
    assert_same_request(operation, theirs, mine)


def setup_mandate_request() -> HttpRequest:
    data = MandateSetupData(
        payment_method=card(), currency="USD", amount=0,
        customer=CUSTOMER, reference="TC50171_3", billing=BILLING,
    )  # fmt: skip
    return CONNECTOR.build_setup_mandate(ctx(), data)


# Wire names the SDK sends in place of its generated model's (its process_body rewrites
# them after serializing): the model is checked under its own name.
WIRE_NAMES = {"productSKU": "productSku"}


def model_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {WIRE_NAMES.get(k, k): model_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [model_names(v) for v in value]
    return value


@pytest.mark.parametrize("operation", sorted(MODELS))
def test_the_connectors_bodies_pass_the_sdks_models(sdk: Sdk, operation: str) -> None:
    """Decoded into the SDK's generated model and encoded back, the body is unchanged:
    every field is one the model has, with the model's type."""
    ours = setup_mandate_request() if operation.startswith("setup") else CASES[operation][1]()
    body = model_names(json.loads(ours.body or b"{}"))
    assert kept(sdk, body, MODELS[operation]), operation


def test_the_sdk_sends_the_wire_names() -> None:
    """What WIRE_NAMES says: the SDK's own body rewriting (not the model) sends
    productSKU, as the connector does."""
    from authenticationsdk.util.Utility import process_body

    sent = json.loads(process_body(json.dumps({"line_items": [{"product_sku": "A"}]})))
    assert sent == {"lineItems": [{"productSKU": "A"}]}


def test_the_model_check_can_fail(sdk: Sdk) -> None:
    """A field the model lacks is dropped, a wrongly typed one converted: the round
    trip differs, so the check above means something."""
    body = json.loads(authorize(CaptureMethod.MANUAL).body or b"{}")
    unknown = {**body, "notAField": {"x": "y"}}
    assert not kept(sdk, unknown, "CreatePaymentRequest")
    typed = json.loads(json.dumps(body))
    typed["processingInformation"]["capture"] = "false"
    assert not kept(sdk, typed, "CreatePaymentRequest")
    assert kept(sdk, body, "CreatePaymentRequest")


def test_every_connector_route_is_covered_by_an_sdk_case() -> None:
    covered = set(ANSWERS)
    sent = [case[1]() for case in (*CASES.values(), *READ_CASES.values())]
    sent.append(setup_mandate_request())
    for request in sent:
        assert (request.method, route_of(urlsplit(request.url).path)) in covered, request.url


def test_a_mismatch_would_be_caught(recorder: Recorder, sdk: Sdk) -> None:
    sdk_capture(sdk)
    ours = CASES["capture"][1]()
    wrong_body = b'{"orderInformation":{"amountDetails":{"totalAmount":102.21,"currency":"USD"}}}'
    wrong = HttpRequest(ours.method, ours.url, ours.headers, wrong_body)
    with pytest.raises(AssertionError):
        assert_same_request("capture", recorder.seen[-1], wrong)


# --------------------------------------------------------------------------- the signature


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/pts/v2/payments", b'{"clientReferenceInformation":{"code":"TC50171_3"}}'),
     ("GET", "/tss/v2/transactions/6950793928196286004807", None),
     ("DELETE", f"/tms/v2/customers/{CID}", None)],
)  # fmt: skip
def test_the_signature_is_the_one_the_sdks_signer_makes(
    method: str, path: str, body: bytes | None
) -> None:
    date = "Thu, 03 Dec 2026 10:21:08 GMT"
    ours = signed_headers(
        method=method, url=f"https://{HOST}{path}", body=body, merchant_id=MERCHANT_ID,
        key_id=KEY_ID, shared_secret=SECRET, date=date,
    )  # fmt: skip
    mconfig = MerchantConfiguration()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mconfig.set_merchantconfig(sdk_config("http://127.0.0.1:9"))
    token = HTTPSignatureToken()
    token.http_signature_token(mconfig, date, method, path, (body or b"").decode())
    assert ours["Signature"] == token.get_token()
    wrong = signed_headers(
        method=method, url=f"https://{HOST}{path}", body=body, merchant_id=MERCHANT_ID,
        key_id=KEY_ID, shared_secret=base64.b64encode(b"another secret").decode(), date=date,
    )  # fmt: skip
    assert wrong["Signature"] != token.get_token()


# --------------------------------------------------------------------------- responses

RESPONSE_MODELS = {
    "payment_authorized": "PtsV2PaymentsPost201Response",
    "payment_authorized_tokens": "PtsV2PaymentsPost201Response",
    "payment_declined": "PtsV2PaymentsPost201Response",
    "payment_declined_advice": "PtsV2PaymentsPost201Response",
    "payment_pending_review": "PtsV2PaymentsPost201Response",
    "payment_unknown_status": "PtsV2PaymentsPost201Response",
    "capture_pending": "PtsV2PaymentsCapturesPost201Response",
    "reversal_reversed": "PtsV2PaymentsReversalsPost201Response",
    "void_voided": "PtsV2PaymentsVoidsPost201Response",
    "refund_pending": "PtsV2PaymentsRefundPost201Response",
    "increment_authorized": "PtsV2IncrementalAuthorizationPatch201Response",
    "increment_declined": "PtsV2IncrementalAuthorizationPatch201Response",
    "error_missing_field": "PtsV2PaymentsPost400Response",
    "error_exceeds_auth": "PtsV2PaymentsCapturesPost400Response",
    "error_already_reversed": "PtsV2PaymentsReversalsPost400Response",
    "error_server": "PtsV2PaymentsPost502Response",
    "transaction_authorized": "TssV2TransactionsGet200Response",
    "transaction_capture_pending": "TssV2TransactionsGet200Response",
    "transaction_sale_transmitted": "TssV2TransactionsGet200Response",
    "transaction_reversed": "TssV2TransactionsGet200Response",
    "transaction_refund_transmitted": "TssV2TransactionsGet200Response",
    "transaction_refund_pending": "TssV2TransactionsGet200Response",
    "transaction_declined": "TssV2TransactionsGet200Response",
    "search_found": "TssV2TransactionsPost201Response",
    "search_empty": "TssV2TransactionsPost201Response",
    "payment_authorized_network_token": "PtsV2PaymentsPost201Response",
}


def test_every_response_fixture_has_a_model() -> None:
    names = {p.stem for p in FIXTURES.glob("*.json") if not p.stem.startswith("webhook_")}
    assert names == set(RESPONSE_MODELS)


@pytest.mark.parametrize("name", sorted(RESPONSE_MODELS))
def test_fixtures_pass_the_sdks_response_models(sdk: Sdk, name: str) -> None:
    data = fixture(name)
    assert kept(sdk, data, RESPONSE_MODELS[name]), (
        name,
        round_trip(sdk, data, RESPONSE_MODELS[name]),
    )


@pytest.fixture(scope="module")
def fake() -> Iterator[CybersourceFake]:
    gateway = CybersourceFake()
    gateway.start_in_thread()
    try:
        yield gateway
    finally:
        gateway.stop_thread()


def test_the_fakes_answers_to_the_sdk_pass_its_models(fake: CybersourceFake) -> None:
    """The SDK itself, signed with the fake's credentials, runs authorize -> capture ->
    refund -> transaction details on the fake: every request is accepted (the fake's
    signature check and contract take the SDK's requests) and every answer round-trips
    through the SDK's response model."""
    creds = fake.credentials
    client = Sdk(sdk_config(fake.base_url, creds["merchant_id"], creds["key_id"],
                            creds["shared_secret"]))  # fmt: skip
    request = M.CreatePaymentRequest(
        client_reference_information=_client_ref(),
        processing_information=M.Ptsv2paymentsProcessingInformation(capture=False),
        payment_information=M.Ptsv2paymentsPaymentInformation(card=_card_model()),
        order_information=_order(),
    )
    answers: list[tuple[Any, str]] = []
    payment, status, raw = client.payments.create_payment(body_of(client, request))
    assert status == 201 and payment.status == "AUTHORIZED"
    answers.append((raw, "PtsV2PaymentsPost201Response"))
    capture = M.CapturePaymentRequest(
        client_reference_information=_client_ref(),
        order_information=M.Ptsv2paymentsidcapturesOrderInformation(amount_details=_amount()),
    )
    captured, status, raw = client.captures.capture_payment(body_of(client, capture), payment.id)
    assert status == 201 and captured.status == "PENDING"
    answers.append((raw, "PtsV2PaymentsCapturesPost201Response"))
    body = body_of(client, M.RefundCaptureRequest(**_refund_body()))
    refunded, status, raw = client.refunds.refund_capture(body, captured.id)
    assert status == 201 and refunded.status == "PENDING"
    answers.append((raw, "PtsV2PaymentsRefundPost201Response"))
    for tid in (payment.id, captured.id, refunded.id):
        record, status, raw = client.details.get_transaction(tid)
        assert status == 200 and record.id == tid
        answers.append((raw, "TssV2TransactionsGet200Response"))
    assert not fake.violations, fake.violations
    for raw, model in answers:
        data = json.loads(raw)
        assert kept(client, data, model), (model, data)


def _documented(model: Any, attribute: str) -> set[str]:
    """The ``Possible values: - A - B`` an SDK model's docstring lists for a field."""
    doc = getattr(model, attribute).__doc__ or ""
    listed = doc.split("Possible values:", 1)[1].split(":return:", 1)[0]
    return {v.strip() for v in listed.split(" - ") if v.strip()}


def test_every_documented_status_and_decline_reason_is_mapped() -> None:
    from connector_service.connectors.cybersource import (
        CAPTURE_STATUS,
        DECLINE_MAP,
        INCREMENT_STATUS,
        PAYMENT_STATUS,
        REFUND_STATUS,
        VOID_STATUS,
    )

    reasons = _documented(M.PtsV2PaymentsPost201ResponseErrorInformation, "reason")
    assert len(reasons) > 30 and reasons <= set(DECLINE_MAP), reasons - set(DECLINE_MAP)
    for model, table in (
        (M.PtsV2PaymentsPost201Response, PAYMENT_STATUS),
        (M.PtsV2PaymentsCapturesPost201Response, CAPTURE_STATUS),
        (M.PtsV2PaymentsReversalsPost201Response, VOID_STATUS),
        (M.PtsV2PaymentsVoidsPost201Response, VOID_STATUS),
        (M.PtsV2PaymentsRefundPost201Response, REFUND_STATUS),
        (M.PtsV2IncrementalAuthorizationPatch201Response, INCREMENT_STATUS),
    ):
        documented = {s.split(" ")[0] for s in _documented(model, "status")}
        assert documented and documented <= set(table), (model.__name__, documented - set(table))


def test_the_sdk_version_checked_is_recorded() -> None:
    major, minor, patch = (int(x) for x in SDK_VERSION.split("."))
    assert (major, minor, patch) >= (0, 0, 80), SDK_VERSION  # docs/connectors/cybersource.md


def test_the_fake_takes_the_sdks_wallet_token_and_answers_the_model(fake: CybersourceFake) -> None:
    """A decrypted Apple Pay token (Visa) sent by the SDK, with the cryptogram also as
    ``cavv`` as the Apple Pay guide asks: the fake authorizes it and its answer (the
    token's ``tokenizedCard`` summary) round-trips through the SDK's response model.
    Without the ``cavv`` (the SDK sample as published) the fake answers the 400
    ``MISSING_FIELD`` naming it."""
    creds = fake.credentials
    client = Sdk(sdk_config(fake.base_url, creds["merchant_id"], creds["key_id"],
                            creds["shared_secret"]))  # fmt: skip

    def wallet_request(cavv: str | None) -> Any:
        return M.CreatePaymentRequest(
            client_reference_information=_client_ref(),
            processing_information=M.Ptsv2paymentsProcessingInformation(
                capture=False, payment_solution="001", commerce_indicator="vbv"
            ),
            payment_information=_tokenized(VISA_TOKEN, "1"),
            order_information=_order(),
            consumer_authentication_information=M.Ptsv2paymentsConsumerAuthenticationInformation(
                cavv=cavv
            ),
        )

    payment, status, raw = client.payments.create_payment(
        body_of(client, wallet_request(CRYPTOGRAM))
    )
    assert status == 201 and payment.status == "AUTHORIZED"
    data = json.loads(raw)
    assert data["paymentInformation"]["tokenizedCard"]["suffix"] == VISA_TOKEN[-4:]
    assert kept(client, data, "PtsV2PaymentsPost201Response"), data
    with pytest.raises(CyberSource.rest.ApiException) as refused:
        client.payments.create_payment(body_of(client, wallet_request(None)))
    assert refused.value.status == 400
    assert json.loads(refused.value.body)["details"][0]["field"] == (
        "consumerAuthenticationInformation.cavv"
    )
    assert not fake.violations, fake.violations
