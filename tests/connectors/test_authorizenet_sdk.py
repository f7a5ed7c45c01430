"""The official Authorize.net Python SDK (``authorizenet``, test-only) as the oracle of the
connector's requests and fixtures (issue 15).

The SDK is pyxb bindings generated from the gateway's XML schema (AnetApiSchema.xsd)
plus controllers that post the XML to the API URL. So for each flow:

- the SDK builds the same operation the way its own sample code does (values ours) and
  posts it to a loopback recorder (``controller.setenvironment`` pointed at 127.0.0.1);
  the connector's JSON request must match it: method, URL path, where the credentials
  are (``merchantAuthentication`` in the body, no auth header), and the set of fields
  with their types (the XML's are all text; the connector sends every leaf as a JSON
  string). Fields only one side sends are listed in ``SDK_ONLY`` / ``EXTRA`` with why;
- the connector's request, written as the XML the JSON API mirrors, is accepted by the
  SDK's bindings (``CreateFromDocument`` validates the XSD's content model: element
  names, *order*, required children, simple types such as decimals and dates);
- the SDK's request, read back as JSON, passes the fake's contract
  (testing/fakes/authorizenet.py), so the fake refuses nothing the SDK sends;
- every fixture the connector parses, written as XML, is accepted by the SDK's bindings
  of the response it is, and the SDK's controller parses it from the recorder (with the
  byte-order mark the gateway sends) into the same values the connector reads.

Content type: the SDK speaks the XML API (``application/xml``); the connector speaks
the JSON API at the same URL (``application/json``), which the gateway's API reference
documents as the same schema. The SDK has no webhook helper, so webhook signatures are
checked against a computed vector in test_authorizenet.py instead.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector_service.connectors.authorizenet import (
    AuthorizenetConnector,
    AuthorizenetPaymentOptions,
    AuthorizenetUserField,
)
from connector_service.connectors.base import HttpRequest
from connector_service.domain.common import Address, Customer
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    ListMandatesData,
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
    AchDebit,
    ApplePay,
    Card,
    GooglePay,
    MandateAcceptance,
    Token,
)
from connector_service.domain.secret import Secret
from connector_service.domain.splits import LineItem, Order
from connector_service.domain.status import CaptureMethod
from connector_service.testing.fakes.authorizenet import check_body
from tests.connectors.harness import drive, make_ctx, response

apicontractsv1 = pytest.importorskip("authorizenet.apicontractsv1")
import pyxb  # noqa: E402
from authorizenet import apicontrollers  # noqa: E402
from pyxb.binding.content import AutomatonConfiguration  # noqa: E402

# pyxb gives up on long runs of optional elements (customerAddressType's) after 20
# open paths; more paths change nothing about what is valid.
AutomatonConfiguration.PermittedNondeterminism = 10_000

SDK_VERSION = version("authorizenet")
NS = "AnetApi/xml/v1/schema/AnetApiSchema.xsd"
CONNECTOR = AuthorizenetConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "authorizenet"
LOGIN_ID, TRANSACTION_KEY = "5KP3u95bQpv", "346HZ32z3fP4hTG2"  # the SDK samples' shape
BOM = b"\xef\xbb\xbf"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


# --------------------------------------------------------------------------- JSON <-> XML

# JSON arrays of a response that the XML wraps: <messages><message>...</message></messages>.
WRAPPED = {
    "messages": "message",
    "errors": "error",
    "userFields": "userField",
    "customerPaymentProfileIdList": "numericString",
    "customerShippingAddressIdList": "numericString",
    "validationDirectResponseList": "string",
    "transactions": "transaction",
    "returnedItems": "returnedItem",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(Decimal(str(value)))
    return str(value)


def to_xml(root: str, value: dict[str, Any], *, response: bool = False) -> bytes:
    """The XML the JSON API mirrors: objects are elements in their keys' order, arrays
    repeated elements (in a response, the wrapped lists of ``WRAPPED``)."""

    def fill(element: ET.Element, obj: Any) -> None:
        if isinstance(obj, dict):
            for key, child in obj.items():
                if isinstance(child, list):
                    if response and key in WRAPPED:
                        wrapper = ET.SubElement(element, key)
                        for item in child:
                            fill(ET.SubElement(wrapper, WRAPPED[key]), item)
                    else:
                        for item in child:
                            fill(ET.SubElement(element, key), item)
                else:
                    fill(ET.SubElement(element, key), child)
        else:
            element.text = _text(obj)

    top = ET.Element(root, xmlns=NS)
    if response:  # the JSON's key order is free; the XSD's base type comes first
        head = [k for k in ("refId", "messages", "sessionToken") if k in value]
        value = {**{k: value[k] for k in head}, **value}
    fill(top, value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top)


def from_xml(raw: bytes) -> dict[str, Any]:
    """An XML request as the JSON API would write it (repeated children become arrays)."""

    def read(element: ET.Element) -> Any:
        children = list(element)
        if not children:
            return element.text or ""
        out: dict[str, Any] = {}
        for child in children:
            name = child.tag.split("}")[-1]
            value = read(child)
            if name in out:
                out[name] = (
                    [*out[name], value] if isinstance(out[name], list) else [out[name], value]
                )
            else:
                out[name] = value
        return out

    top = ET.fromstring(raw)
    return {top.tag.split("}")[-1]: read(top)}


def validate(raw_xml: bytes) -> Any:
    """The SDK's bindings of the XSD: raises unless the document is schema-valid.

    Every type of Authorize.net's schema ends in an ``xs:any`` wildcard, where pyxb's
    parser parks an element it cannot place (an unknown one, or one out of order)
    instead of refusing it. So the document is first walked against the bindings' own
    element declarations (``_ElementMap``, in the schema's sequence order): every
    element must be declared by its parent's type, in order. The parse then checks the
    rest (required elements, simple types such as decimals and dates)."""
    top = ET.fromstring(raw_xml)
    name = top.tag.split("}")[-1]
    _in_model(top, getattr(apicontractsv1, name).typeDefinition(), name)
    return apicontractsv1.CreateFromDocument(raw_xml.decode())


def _in_model(element: ET.Element, binding: Any, where: str) -> None:
    declared = {k.localName(): d for k, d in binding._ElementMap.items()}
    order = list(declared)
    last = -1
    for child in element:
        name = child.tag.split("}")[-1]
        path = f"{where}.{name}"
        if name not in declared:
            raise pyxb.ValidationError(f"{path}: not in the SDK's model of {binding.__name__}")
        if order.index(name) < last:
            raise pyxb.ValidationError(f"{path}: out of the schema's order")
        last = order.index(name)
        child_type = declared[name].elementBinding().typeDefinition()
        if len(child) and hasattr(child_type, "_ElementMap"):
            _in_model(child, child_type, path)


def paths(value: Any, prefix: str = "") -> dict[str, str]:
    """``{"a": {"b": "x"}}`` -> ``{"a": "object", "a.b": "string"}`` (arrays by item)."""
    out: dict[str, str] = {}
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            for key, child in item.items():
                name = f"{prefix}{key}"
                if isinstance(child, dict) or (
                    isinstance(child, list) and child and isinstance(child[0], dict)
                ):
                    out[name] = "object"
                    out.update(paths(child, f"{name}."))
                else:
                    out[name] = type(child).__name__ if not isinstance(child, str) else "string"
    return out


# --------------------------------------------------------------------------- the recorder


class Recorder:
    """A loopback HTTP server recording each request and answering the queued fixture
    (as XML, after the byte-order mark the gateway sends)."""

    def __init__(self) -> None:
        self.seen: list[HttpRequest] = []
        self.answer: bytes = b""
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                url = f"http://{self.headers['Host']}{self.path}"
                recorder.seen.append(HttpRequest("POST", url, dict(self.headers), raw))
                data = BOM + recorder.answer
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    try:
        yield rec
    finally:
        rec.close()


def run_sdk(
    recorder: Recorder, controller_class: Any, request: Any, answer: tuple[str, str]
) -> tuple[HttpRequest, Any]:
    """Execute the SDK's controller against the recorder, answering ``answer`` (the
    response element and the fixture); returns the request sent and the SDK's parse."""
    root, name = answer
    recorder.answer = to_xml(root, fixture(name), response=True)
    controller = controller_class(request)
    controller.setenvironment(f"{recorder.base}/xml/v1/request.api")
    controller.execute()
    # The SDK falls back to a lenient parse when its bindings refuse the answer; the
    # strict one (set only when the answer is schema-valid) must have succeeded.
    assert controller._response is not None, f"the SDK's bindings refused {name}"
    return recorder.seen[-1], controller.getresponse()


def auth() -> Any:
    merchant = apicontractsv1.merchantAuthenticationType()
    merchant.name = LOGIN_ID
    merchant.transactionKey = TRANSACTION_KEY
    return merchant


# --------------------------------------------------------------------------- the comparison

# Fields the SDK sends that the connector does not, and why.
SDK_ONLY = {
    "clientId": "the SDK's own name and version (sdk-python-...), for the gateway's statistics",
}
# Fields the connector sends that the SDK sample for the operation does not show, with
# the API reference's name for them.
EXTRA: dict[str, dict[str, str]] = {
    "authorize": {
        "transactionRequest.currencyCode": "createTransactionRequest: currencyCode, optional",
        "transactionRequest.shipTo": "shipTo, optional",
        "transactionRequest.customerIP": "customerIP, optional",
    },
    "purchase": {"transactionRequest.currencyCode": "currencyCode, optional"},
    "echeck purchase": {
        "transactionRequest.currencyCode": "currencyCode, optional",
        "transactionRequest.customerIP": "customerIP: where the customer authorized the "
        "debit online (mandate_acceptance.ip_address)",
    },
    "capture": {"transactionRequest.transactionSettings": "transactionSettings, optional"},
    "void": {"transactionRequest.transactionSettings": "transactionSettings, optional"},
    "refund": {
        "transactionRequest.order": "order.invoiceNumber: the refund's reference",
        "transactionRequest.transactionSettings": "transactionSettings, optional",
    },
    "charge profile": {
        "transactionRequest.currencyCode": "currencyCode, optional",
        "transactionRequest.order": "order, optional",
        "transactionRequest.processingOptions": "processingOptions.isSubsequentAuth: a "
        "merchant-initiated charge of stored credentials",
        "transactionRequest.transactionSettings": "transactionSettings, optional",
    },
    "create profile": {"profile.paymentProfiles.defaultPaymentProfile": "optional"},
    "echeck purchase storing the account": {
        "transactionRequest.currencyCode": "currencyCode, optional",
        "transactionRequest.customerIP": "customerIP: where the customer authorized the "
        "debit online (mandate_acceptance.ip_address)",
    },
    "charge bank profile": {
        "transactionRequest.currencyCode": "currencyCode, optional",
        "transactionRequest.order": "order, optional",
        "transactionRequest.transactionSettings": "transactionSettings, optional",
    },
}


def compare(operation: str, sdk_request: HttpRequest, ours: HttpRequest) -> None:
    # one URL, one method; the credentials in the body, no auth header
    assert ours.method == sdk_request.method == "POST", operation
    assert urlsplit(ours.url).path == urlsplit(sdk_request.url).path == "/xml/v1/request.api"
    sdk_headers = {k.lower(): v for k, v in sdk_request.headers.items()}
    assert "authorization" not in sdk_headers and "authorization" not in {
        k.lower() for k in ours.headers
    }
    assert sdk_headers["content-type"] == "application/xml", operation
    assert ours.headers["Content-Type"] == "application/json", operation
    assert sdk_request.body is not None and ours.body is not None
    sdk_doc = from_xml(sdk_request.body)
    our_doc = json.loads(ours.body)
    assert list(our_doc) == list(sdk_doc), (operation, "the operation (root element)")
    root = next(iter(our_doc))
    sdk_inner, our_inner = sdk_doc[root], our_doc[root]
    assert (
        our_inner["merchantAuthentication"]
        == sdk_inner["merchantAuthentication"]
        == {"name": LOGIN_ID, "transactionKey": TRANSACTION_KEY}
    )
    sdk_fields = {k: v for k, v in paths(sdk_inner).items() if k not in SDK_ONLY}
    our_fields = paths(our_inner)
    # every leaf is a JSON string (the XML's text); objects are objects on both sides
    assert set(our_fields.values()) <= {"string", "object"}, (operation, our_fields)
    for field in set(sdk_fields) & set(our_fields):
        assert sdk_fields[field] == our_fields[field], (operation, field)
    missing = set(sdk_fields) - set(our_fields)
    assert not missing, (operation, "the SDK sends, the connector does not", missing)
    extra = set(our_fields) - set(sdk_fields)
    explained = {
        f for f in extra if any(f == e or f.startswith(e + ".") for e in EXTRA.get(operation, {}))
    }
    assert extra == explained, (operation, "not in the SDK sample", extra - explained)
    # the connector's request is schema-valid for the SDK; the SDK's passes the fake
    validate(to_xml(root, our_inner))
    check_body(sdk_doc)


# --------------------------------------------------------------------------- connector side


def ctx() -> Any:
    creds = {"api_login_id": LOGIN_ID, "transaction_key": TRANSACTION_KEY}
    return make_ctx(CONNECTOR, creds, base_url="http://127.0.0.1:1", idempotency_key="ord-7-a")


def card() -> Card:
    return Card(number=Secret("4111111111111111"), exp_month=12, exp_year=2035, cvc=Secret("123"))


def payment_ref(**meta: str) -> PaymentRef:
    return PaymentRef(
        account="authorizenet-test",
        connector="authorizenet",
        connector_payment_id="40000012345",
        amount=1500,
        currency="USD",
        capture_method="manual",
        meta=meta or {"last4": "1111"},
    )


def ours(flow: Flow, data: Any, answer: str) -> HttpRequest:
    requests, _ = drive(CONNECTOR, flow, ctx(), data, [response(200, fixture(answer))])
    return requests[0]


def sdk_transaction(transaction: Any) -> Any:
    request = apicontractsv1.createTransactionRequest()
    request.merchantAuthentication = auth()
    request.refId = "ord-7-a"
    request.transactionRequest = transaction
    return request


def settings() -> Any:
    setting = apicontractsv1.settingType()
    setting.settingName = "duplicateWindow"
    setting.settingValue = "120"
    values = apicontractsv1.ArrayOfSetting()
    values.setting.append(setting)
    return values


def sdk_card() -> Any:
    credit = apicontractsv1.creditCardType()
    credit.cardNumber = "4111111111111111"
    credit.expirationDate = "2035-12"
    credit.cardCode = "123"
    payment = apicontractsv1.paymentType()
    payment.creditCard = credit
    return payment


def sdk_order(invoice: str) -> Any:
    order = apicontractsv1.orderType()
    order.invoiceNumber = invoice
    order.description = "Golf Shirts"
    return order


def sdk_customer() -> tuple[Any, Any]:
    address = apicontractsv1.customerAddressType()
    address.firstName, address.lastName = "Ellen", "Johnson"
    address.address, address.city, address.state = "14 Main Street", "Pecan Springs", "TX"
    address.zip, address.country = "44628", "US"
    customer = apicontractsv1.customerDataType()
    customer.type, customer.id, customer.email = "individual", "99999456654", "ellen@example.com"
    return address, customer


def authorize_data(capture: CaptureMethod) -> AuthorizeData:
    return AuthorizeData(
        amount=1500,
        currency="USD",
        payment_method=card(),
        capture_method=capture,
        reference="ord-1001",
        description="Golf Shirts",
        customer=Customer(id="99999456654", email="ellen@example.com", ip_address="192.0.2.7"),
        billing=Address(
            line1="14 Main Street",
            city="Pecan Springs",
            state="TX",
            postal_code="44628",
            country="US",
            first_name="Ellen",
            last_name="Johnson",
        ),
        shipping=Address(
            line1="1 Dock Road",
            city="Austin",
            state="TX",
            postal_code="73301",
            country="US",
            first_name="Ellen",
            last_name="Johnson",
        ),
    )


# --------------------------------------------------------------------------- the flows


@pytest.mark.parametrize(
    ("operation", "kind", "capture", "answer"),
    [
        ("authorize", "authOnlyTransaction", CaptureMethod.MANUAL, "auth_only_approved"),
        ("purchase", "authCaptureTransaction", CaptureMethod.AUTOMATIC, "auth_capture_approved"),
    ],
)
def test_authorize_matches_the_sdk(
    recorder: Recorder, operation: str, kind: str, capture: CaptureMethod, answer: str
) -> None:
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = kind
    transaction.amount = Decimal("15.00")
    transaction.payment = sdk_card()
    transaction.order = sdk_order("ord-1001")
    address, customer = sdk_customer()
    transaction.customer = customer
    transaction.billTo = address
    transaction.transactionSettings = settings()
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", answer),
    )
    data = authorize_data(capture)
    if capture is CaptureMethod.AUTOMATIC:
        data.shipping = None
        data.customer = Customer(id="99999456654", email="ellen@example.com")
    compare(operation, sdk_request, ours(Flow.AUTHORIZE, data, answer))
    # the fixture the connector parses is what the SDK parses, same values
    assert (
        str(parsed.transactionResponse.transId) == fixture(answer)["transactionResponse"]["transId"]
    )
    assert str(parsed.messages.resultCode) == "Ok"


def test_capture_matches_the_sdk(recorder: Recorder) -> None:
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "priorAuthCaptureTransaction"
    transaction.amount = Decimal("10.50")
    transaction.refTransId = "40000012345"
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "capture_approved"),
    )
    data = CaptureData(payment=payment_ref(), amount=1050, reference="cap-1")
    compare("capture", sdk_request, ours(Flow.CAPTURE, data, "capture_approved"))
    assert str(parsed.transactionResponse.refTransID) == "40000012345"


def test_void_matches_the_sdk(recorder: Recorder) -> None:
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "voidTransaction"
    transaction.refTransId = "40000012345"
    sdk_request, _ = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "void_approved"),
    )
    compare("void", sdk_request, ours(Flow.VOID, VoidData(payment=payment_ref()), "void_approved"))


def test_refund_matches_the_sdk(recorder: Recorder) -> None:
    credit = apicontractsv1.creditCardType()
    credit.cardNumber = "1111"
    credit.expirationDate = "XXXX"
    payment = apicontractsv1.paymentType()
    payment.creditCard = credit
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "refundTransaction"
    transaction.amount = Decimal("4.00")
    transaction.payment = payment
    transaction.refTransId = "40000012346"
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "refund_approved"),
    )
    ref = PaymentRef(
        account="authorizenet-test",
        connector="authorizenet",
        connector_payment_id="40000012346",
        amount=1500,
        currency="USD",
        capture_method="automatic",
        meta={"last4": "1111"},
    )
    data = RefundData(payment=ref, amount=400, reference="rf-1")
    compare("refund", sdk_request, ours(Flow.REFUND, data, "refund_approved"))
    assert str(parsed.transactionResponse.transId) == "40000012399"


@pytest.mark.parametrize(
    ("flow", "answer"),
    [(Flow.SYNC, "details_partially_captured"), (Flow.REFUND_SYNC, "details_refund")],
)
def test_transaction_details_match_the_sdk(recorder: Recorder, flow: Flow, answer: str) -> None:
    request = apicontractsv1.getTransactionDetailsRequest()
    request.merchantAuthentication = auth()
    trans_id = fixture(answer)["transaction"]["transId"]
    request.transId = trans_id
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.getTransactionDetailsController,
        request,
        ("getTransactionDetailsResponse", answer),
    )
    if flow is Flow.SYNC:
        data: Any = SyncData(payment=payment_ref())
    else:
        data = RefundSyncData(
            refund=RefundRef(
                account="authorizenet-test",
                connector="authorizenet",
                connector_refund_id=trans_id,
                connector_payment_id="40000012346",
                amount=400,
                currency="USD",
            )
        )
    compare("details", sdk_request, ours(flow, data, answer))
    tx = fixture(answer)["transaction"]
    assert str(parsed.transaction.transactionStatus) == tx["transactionStatus"]
    assert Decimal(str(parsed.transaction.settleAmount)) == Decimal(str(tx["settleAmount"]))


def sdk_profile_request(
    payment: Any, customer: Customer, description: str, validation_mode: str
) -> Any:
    """The SDK's createCustomerProfileRequest of one individual's payment profile."""
    payment_profile = apicontractsv1.customerPaymentProfileType()
    payment_profile.customerType = "individual"
    address = apicontractsv1.customerAddressType()
    address.firstName, address.lastName = (customer.name or "").split(" ", 1)
    payment_profile.billTo = address
    payment_profile.payment = payment
    profile = apicontractsv1.customerProfileType()
    profile.merchantCustomerId = customer.id
    profile.description = description
    profile.email = customer.email
    profile.paymentProfiles = [payment_profile]
    request = apicontractsv1.createCustomerProfileRequest()
    request.merchantAuthentication = auth()
    request.refId = "ord-7-a"
    request.profile = profile
    request.validationMode = validation_mode
    return request


def test_create_customer_profile_matches_the_sdk(recorder: Recorder) -> None:
    customer = Customer(id="shopper-42", email="jane@example.com", name="Jane Shopper")
    request = sdk_profile_request(sdk_card(), customer, "Stored card (mdt-ref-1)", "liveMode")
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.createCustomerProfileController,
        request,
        ("createCustomerProfileResponse", "profile_created"),
    )
    data = MandateSetupData(
        payment_method=card(), currency="USD", amount=0, reference="mdt-ref-1", customer=customer
    )
    compare("create profile", sdk_request, ours(Flow.SETUP_MANDATE, data, "profile_created"))
    assert str(parsed.customerProfileId) == "527262"
    assert [str(i) for i in parsed.customerPaymentProfileIdList.numericString] == ["87936"]


def test_charge_customer_profile_matches_the_sdk(recorder: Recorder) -> None:
    profile = apicontractsv1.customerProfilePaymentType()
    profile.customerProfileId = "527262"
    profile.paymentProfile = apicontractsv1.paymentProfile()
    profile.paymentProfile.paymentProfileId = "87936"
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "authCaptureTransaction"
    transaction.amount = Decimal("9.99")
    transaction.profile = profile
    sdk_request, _ = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "auth_capture_approved"),
    )
    mandate = MandateRef(
        account="authorizenet-test",
        connector="authorizenet",
        connector_mandate_id="87936",
        customer_id="527262",
    )
    data = AuthorizeData(
        amount=999,
        currency="USD",
        payment_method=StoredMandate(ref=mandate),
        capture_method=CaptureMethod.AUTOMATIC,
        reference="mit-1",
    )
    compare("charge profile", sdk_request, ours(Flow.AUTHORIZE, data, "auth_capture_approved"))


def test_delete_payment_profile_matches_the_sdk(recorder: Recorder) -> None:
    request = apicontractsv1.deleteCustomerPaymentProfileRequest()
    request.merchantAuthentication = auth()
    request.refId = "ord-7-a"
    request.customerProfileId = "527262"
    request.customerPaymentProfileId = "87936"
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.deleteCustomerPaymentProfileController,
        request,
        ("deleteCustomerPaymentProfileResponse", "profile_deleted"),
    )
    mandate = MandateRef(
        account="authorizenet-test",
        connector="authorizenet",
        connector_mandate_id="87936",
        customer_id="527262",
    )
    compare(
        "delete payment profile",
        sdk_request,
        ours(Flow.REVOKE_MANDATE, MandateRevokeData(mandate=mandate), "profile_deleted"),
    )
    assert str(parsed.messages.resultCode) == "Ok"


# --------------------------------------------------------------------------- fixtures

RESPONSES = {
    "createTransactionResponse": [
        "auth_only_approved",
        "auth_capture_approved",
        "auth_capture_profile_created",
        "declined",
        "expired_card",
        "held_for_review",
        "duplicate",
        "duplicate_refund",
        "missing_field",
        "capture_approved",
        "already_captured",
        "void_approved",
        "refund_approved",
        "refund_unsettled",
        "refund_exceeds",
        "echeck_approved",
        "echeck_invalid_account",
        "echeck_profile_created",
    ],
    "getTransactionDetailsResponse": [
        "details_authorized",
        "details_partially_captured",
        "details_declined",
        "details_refund",
        "details_unknown_status",
        "details_echeck_pending",
        "details_echeck_settled",
        "details_echeck_returned",
    ],
    "createCustomerProfileResponse": [
        "profile_created",
        "profile_declined",
        "profile_created_bank_account",
    ],
    "getCustomerProfileResponse": ["profile_read", "profile_read_bank_account"],
    "getUnsettledTransactionListResponse": ["unsettled_list"],
    "deleteCustomerPaymentProfileResponse": ["profile_deleted"],
    # what the gateway answers a request it cannot authenticate, whatever the operation
    # (and an unknown transaction: getTransactionDetailsResponse requires a transaction)
    "ErrorResponse": ["auth_failed", "not_found"],
}


@pytest.mark.parametrize(
    ("root", "name"), [(root, name) for root, names in RESPONSES.items() for name in names]
)
def test_fixtures_are_accepted_by_the_sdk_response_models(root: str, name: str) -> None:
    parsed = validate(to_xml(root, fixture(name), response=True))
    assert type(parsed).__name__ == root.removesuffix("Response") + "Response" or hasattr(
        parsed, "messages"
    )
    assert str(parsed.messages.resultCode) == fixture(name)["messages"]["resultCode"]


def test_every_fixture_is_checked() -> None:
    listed = {n for names in RESPONSES.values() for n in names}
    on_disk = {p.stem for p in FIXTURES.glob("*.json") if not p.stem.startswith("webhook_")}
    assert on_disk == listed, on_disk ^ listed


def test_a_request_out_of_schema_order_is_refused_by_the_sdk() -> None:
    """The oracle can fail: the same transaction with two elements swapped is invalid."""
    good = json.loads(
        ours(
            Flow.CAPTURE,
            CaptureData(payment=payment_ref(), amount=1050, reference="c"),
            "capture_approved",
        ).body
        or b"{}"
    )
    tx = good["createTransactionRequest"]["transactionRequest"]
    swapped = {
        "amount": tx["amount"],
        "transactionType": tx["transactionType"],
        **{k: v for k, v in tx.items() if k not in ("amount", "transactionType")},
    }
    good["createTransactionRequest"]["transactionRequest"] = swapped
    with pytest.raises(pyxb.ValidationError):
        validate(to_xml("createTransactionRequest", good["createTransactionRequest"]))


def test_the_sdk_version_is_recorded() -> None:
    major, minor, *_ = (int(p) for p in SDK_VERSION.split("."))
    assert (major, minor) >= (1, 1)


@pytest.mark.parametrize(
    ("descriptor", "pm"),
    [
        ("COMMON.ACCEPT.INAPP.PAYMENT", Token(token="eyJjb2RlIjoiNTBfMl8wNjAwMDUyN0JE")),
        (
            "COMMON.APPLE.INAPP.PAYMENT",
            ApplePay(token=Secret("eyJ2ZXJzaW9uIjoiRUNfdjEi")),
        ),
        (
            "COMMON.GOOGLE.INAPP.PAYMENT",
            GooglePay(token=Secret("eyJzaWduYXR1cmUiOiJNRVF")),
        ),
    ],
)
def test_opaque_data_payments_match_the_sdk(recorder: Recorder, descriptor: str, pm: Any) -> None:
    """Accept.js nonces and in-app wallet tokens (the SDK samples' "create an Accept
    transaction" / "create an Apple Pay transaction": ``opaqueDataType``)."""
    opaque = apicontractsv1.opaqueDataType()
    opaque.dataDescriptor = descriptor
    opaque.dataValue = pm.token if isinstance(pm, Token) else pm.token.reveal()
    payment = apicontractsv1.paymentType()
    payment.opaqueData = opaque
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "authCaptureTransaction"
    transaction.amount = Decimal("15.00")
    transaction.payment = payment
    transaction.order = sdk_order("ord-1001")
    transaction.transactionSettings = settings()
    sdk_request, _ = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "auth_capture_approved"),
    )
    data = AuthorizeData(
        amount=1500,
        currency="USD",
        payment_method=pm,
        capture_method=CaptureMethod.AUTOMATIC,
        reference="ord-1001",
        description="Golf Shirts",
    )
    compare("purchase", sdk_request, ours(Flow.AUTHORIZE, data, "auth_capture_approved"))


def test_get_customer_profile_matches_the_sdk(recorder: Recorder) -> None:
    request = apicontractsv1.getCustomerProfileRequest()
    request.merchantAuthentication = auth()
    request.customerProfileId = "527262"
    request.unmaskExpirationDate = True
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.getCustomerProfileController,
        request,
        ("getCustomerProfileResponse", "profile_read"),
    )
    compare(
        "stored methods",
        sdk_request,
        ours(Flow.LIST_MANDATES, ListMandatesData(customer_id="527262"), "profile_read"),
    )
    ids = [str(p.customerPaymentProfileId) for p in parsed.profile.paymentProfiles]
    assert ids == ["87936", "87937"]


# the fake's contract element -> the SDK's binding of it
CONTRACT_TYPES = {
    "createTransactionRequest": "createTransactionRequest",
    "getTransactionDetailsRequest": "getTransactionDetailsRequest",
    "createCustomerProfileRequest": "createCustomerProfileRequest",
    "getCustomerProfileRequest": "getCustomerProfileRequest",
    "getUnsettledTransactionListRequest": "getUnsettledTransactionListRequest",
    "sorting": "TransactionListSorting",
    "paging": "Paging",
    "deleteCustomerPaymentProfileRequest": "deleteCustomerPaymentProfileRequest",
    "merchantAuthentication": "merchantAuthenticationType",
    "transactionRequest": "transactionRequestType",
    "payment": "paymentType",
    "creditCard": "creditCardType",
    "bankAccount": "bankAccountType",
    "opaqueData": "opaqueDataType",
    "transactionProfile": "customerProfilePaymentType",
    "paymentProfileRef": "paymentProfile",
    "order": "orderType",
    "customer": "customerDataType",
    "address": "customerAddressType",
    "transactionSettings": "ArrayOfSetting",
    "lineItems": "ArrayOfLineItem",
    "lineItem": "lineItemType",
    "extendedAmount": "extendedAmountType",
    "userFields": "CTD_ANON",
    "userField": "userField",
    "setting": "settingType",
    "processingOptions": "processingOptions",
    "subsequentAuthInformation": "subsequentAuthInformation",
    "customerProfile": "customerProfileType",
    "paymentProfile": "customerPaymentProfileType",
}


def test_the_fakes_contract_is_the_sdks_model() -> None:
    """Every element of the fake's contract has the SDK model's children, in its order
    (the fake may know fewer: the ones the connector and the SDK samples use)."""
    from connector_service.testing.fakes.authorizenet import CONTRACT

    assert set(CONTRACT) == set(CONTRACT_TYPES)
    for element, children in CONTRACT.items():
        binding = getattr(apicontractsv1, CONTRACT_TYPES[element])
        if hasattr(binding, "typeDefinition"):
            binding = binding.typeDefinition()
        order = [k.localName() for k in binding._ElementMap]
        names = [name for name, _, _ in children]
        assert all(n in order for n in names), (element, set(names) - set(order))
        assert names == sorted(names, key=order.index), (element, names)


def test_the_unsettled_list_matches_the_sdk(recorder: Recorder) -> None:
    """An unresolved payment (no transId) is looked up by its invoice number there."""
    sorting = apicontractsv1.TransactionListSorting()
    sorting.orderBy = "submitTimeUTC"
    sorting.orderDescending = True
    paging = apicontractsv1.Paging()
    paging.limit = 1000
    paging.offset = 1
    request = apicontractsv1.getUnsettledTransactionListRequest()
    request.merchantAuthentication = auth()
    request.sorting = sorting
    request.paging = paging
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.getUnsettledTransactionListController,
        request,
        ("getUnsettledTransactionListResponse", "unsettled_list"),
    )
    lost = PaymentRef(
        account="authorizenet-test",
        connector="authorizenet",
        connector_payment_id="",
        amount=1500,
        currency="USD",
        capture_method="manual",
        meta={"reference": "ord-1001"},
    )
    compare(
        "unsettled list", sdk_request, ours(Flow.SYNC, SyncData(payment=lost), "unsettled_list")
    )
    assert [str(t.invoiceNumber) for t in parsed.transactions.transaction] == [
        "other-order",
        "ord-1001",
    ]


def test_order_data_and_options_match_the_sdk(recorder: Recorder) -> None:
    """Level 2/3 data (the SDK sample "create a transaction with line items"), taxExempt
    and merchant-defined userFields."""
    lines = apicontractsv1.ArrayOfLineItem()
    for item_id, name, quantity, price in (
        ("GS-1", "Golf shirt", "2", "5.00"),
        ("2", "Cap", "1", "3.00"),
    ):
        line = apicontractsv1.lineItemType()
        line.itemId, line.name, line.quantity, line.unitPrice = item_id, name, quantity, price
        lines.lineItem.append(line)
    tax, shipping = apicontractsv1.extendedAmountType(), apicontractsv1.extendedAmountType()
    tax.amount, shipping.amount = Decimal("0.80"), Decimal("1.20")
    field = apicontractsv1.userField()
    field.name, field.value_ = "campaign", "winter"  # pyxb reserves "value"
    user_fields = apicontractsv1.CTD_ANON()
    user_fields.userField.append(field)
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "authOnlyTransaction"
    transaction.amount = Decimal("15.00")
    transaction.payment = sdk_card()
    transaction.order = sdk_order("ord-1001")
    transaction.lineItems = lines
    transaction.tax = tax
    transaction.shipping = shipping
    transaction.taxExempt = False
    transaction.poNumber = "PO-4471"
    transaction.transactionSettings = settings()
    transaction.userFields = user_fields
    sdk_request, _ = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "auth_only_approved"),
    )
    data = AuthorizeData(
        amount=1500,
        currency="USD",
        payment_method=card(),
        capture_method=CaptureMethod.MANUAL,
        reference="ord-1001",
        description="Golf Shirts",
        order=Order(
            line_items=[
                LineItem(name="Golf shirt", quantity=2, unit_amount=500, sku="GS-1"),
                LineItem(name="Cap", quantity=1, unit_amount=300),
            ],
            tax_amount=80,
            shipping_amount=120,
            customer_reference="PO-4471",
        ),
    )
    data.options = AuthorizenetPaymentOptions(
        tax_exempt=False, user_fields=[AuthorizenetUserField(name="campaign", value="winter")]
    )
    compare("authorize", sdk_request, ours(Flow.AUTHORIZE, data, "auth_only_approved"))


# --------------------------------------------------------------------------- eChecks


def sdk_bank_account(account: str, routing: str, *, echeck_type: str | None) -> Any:
    bank = apicontractsv1.bankAccountType()
    bank.accountType = "checking"
    bank.routingNumber = routing
    bank.accountNumber = account
    bank.nameOnAccount = "Jenny Rosen"
    if echeck_type:
        bank.echeckType = echeck_type
    payment = apicontractsv1.paymentType()
    payment.bankAccount = bank
    return payment


def test_echeck_purchase_matches_the_sdk(recorder: Recorder) -> None:
    """The SDK samples' "debit a bank account": authCapture with ``bankAccountType``."""
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "authCaptureTransaction"
    transaction.amount = Decimal("15.00")
    transaction.payment = sdk_bank_account("000123456789", "110000000", echeck_type="WEB")
    transaction.order = sdk_order("ord-2001")
    transaction.transactionSettings = settings()
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "echeck_approved"),
    )
    acceptance = MandateAcceptance(
        accepted_at="2026-12-03T10:00:00Z", ip_address="192.0.2.7", user_agent="Mozilla/5.0"
    )
    pm = AchDebit(
        account_number=Secret("000123456789"),
        routing_number="110000000",
        account_holder_name="Jenny Rosen",
        mandate_acceptance=acceptance,
    )
    data = AuthorizeData(
        amount=1500,
        currency="USD",
        payment_method=pm,
        capture_method=CaptureMethod.AUTOMATIC,
        reference="ord-2001",
        description="Golf Shirts",
    )
    compare("echeck purchase", sdk_request, ours(Flow.AUTHORIZE, data, "echeck_approved"))
    assert str(parsed.transactionResponse.accountType) == "eCheck"


def test_echeck_refund_matches_the_sdk(recorder: Recorder) -> None:
    """The SDK samples' "credit a bank account": refundTransaction with the account; the
    connector names it as the debit's details show it (masked), read back first."""
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "refundTransaction"
    transaction.amount = Decimal("5.00")
    transaction.payment = sdk_bank_account("XXXX6789", "XXXX0000", echeck_type=None)
    transaction.refTransId = "40000012401"
    sdk_request, _ = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "refund_approved"),
    )
    ref = PaymentRef(
        account="authorizenet-test",
        connector="authorizenet",
        connector_payment_id="40000012401",
        amount=1500,
        currency="USD",
        capture_method="automatic",
        meta={"method": "bankAccount"},
    )
    data = RefundData(payment=ref, amount=500, reference="rf-1")
    answers = [response(200, fixture("details_echeck_settled")),
               response(200, fixture("refund_approved"))]  # fmt: skip
    (details, refund), _ = drive(CONNECTOR, Flow.REFUND, ctx(), data, answers)
    compare("refund", sdk_request, refund)
    # the read-back is the SDK's getTransactionDetails
    request = apicontractsv1.getTransactionDetailsRequest()
    request.merchantAuthentication = auth()
    request.transId = "40000012401"
    sdk_details, parsed = run_sdk(
        recorder,
        apicontrollers.getTransactionDetailsController,
        request,
        ("getTransactionDetailsResponse", "details_echeck_settled"),
    )
    compare("details", sdk_details, details)
    assert str(parsed.transaction.payment.bankAccount.accountNumber) == "XXXX6789"


def test_a_returned_echeck_parses_in_the_sdk_as_the_connector_reads_it(recorder: Recorder) -> None:
    request = apicontractsv1.getTransactionDetailsRequest()
    request.merchantAuthentication = auth()
    request.transId = "40000012401"
    _, parsed = run_sdk(
        recorder,
        apicontrollers.getTransactionDetailsController,
        request,
        ("getTransactionDetailsResponse", "details_echeck_returned"),
    )
    (item,) = parsed.transaction.returnedItems.returnedItem
    assert (str(item.code), str(parsed.transaction.transactionStatus)) == ("R01", "returnedItem")
    _, result = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
                      [response(200, fixture("details_echeck_returned"))])  # fmt: skip
    assert result.failure.gateway.code == "R01"


# --------------------------------------------------------------------------- stored eChecks


def ach() -> AchDebit:
    return AchDebit(
        account_number=Secret("000123456789"),
        routing_number="110000000",
        account_holder_name="Jenny Rosen",
        mandate_acceptance=MandateAcceptance(
            accepted_at="2026-12-03T10:00:00Z", ip_address="192.0.2.7", user_agent="Mozilla/5.0"
        ),
    )


def test_create_bank_account_profile_matches_the_sdk(recorder: Recorder) -> None:
    """A customer profile whose payment profile is ``bankAccountType`` (the SDK samples'
    "create customer profile" with the bank account a debit names)."""
    customer = Customer(id="shopper-77", email="jenny@example.com", name="Jenny Rosen")
    bank = sdk_bank_account("000123456789", "110000000", echeck_type="WEB")
    request = sdk_profile_request(bank, customer, "Stored bank account (mdt-ach-1)", "testMode")
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.createCustomerProfileController,
        request,
        ("createCustomerProfileResponse", "profile_created_bank_account"),
    )
    data = MandateSetupData(
        payment_method=ach(), currency="USD", amount=0, reference="mdt-ach-1", customer=customer
    )
    ours_request = ours(Flow.SETUP_MANDATE, data, "profile_created_bank_account")
    compare("create profile", sdk_request, ours_request)
    # the same bank account, value for value and in the same order, as the SDK sends it
    sdk_profile = from_xml(sdk_request.body or b"")["createCustomerProfileRequest"]
    our_profile = json.loads(ours_request.body or b"")["createCustomerProfileRequest"]
    sdk_bank = sdk_profile["profile"]["paymentProfiles"]["payment"]["bankAccount"]
    (our_payment_profile,) = our_profile["profile"]["paymentProfiles"]
    assert our_payment_profile["payment"]["bankAccount"] == sdk_bank
    assert list(our_payment_profile["payment"]["bankAccount"]) == list(sdk_bank)
    assert our_profile["validationMode"] == sdk_profile["validationMode"] == "testMode"
    assert str(parsed.customerProfileId) == "527270"
    assert [str(i) for i in parsed.customerPaymentProfileIdList.numericString] == ["87950"]


def test_echeck_purchase_storing_the_account_matches_the_sdk(recorder: Recorder) -> None:
    """``setup_future_usage`` on a debit: the bank account and ``profile.createProfile``
    on the authCapture (the schema's customerProfilePaymentType), answered with the
    profile's ids."""
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "authCaptureTransaction"
    transaction.amount = Decimal("15.00")
    transaction.payment = sdk_bank_account("000123456789", "110000000", echeck_type="WEB")
    transaction.profile = apicontractsv1.customerProfilePaymentType()
    transaction.profile.createProfile = True
    transaction.order = sdk_order("ord-2002")
    customer = apicontractsv1.customerDataType()
    customer.type, customer.id, customer.email = "individual", "shopper-77", "jenny@example.com"
    transaction.customer = customer
    transaction.transactionSettings = settings()
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "echeck_profile_created"),
    )
    data = AuthorizeData(
        amount=1500,
        currency="USD",
        payment_method=ach(),
        capture_method=CaptureMethod.AUTOMATIC,
        reference="ord-2002",
        description="Golf Shirts",
        setup_future_usage=True,
        customer=Customer(id="shopper-77", email="jenny@example.com"),
    )
    compare(
        "echeck purchase storing the account",
        sdk_request,
        ours(Flow.AUTHORIZE, data, "echeck_profile_created"),
    )
    assert str(parsed.transactionResponse.accountType) == "eCheck"
    assert str(parsed.transactionResponse.profile.customerPaymentProfileId) == "87950"
    _, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data,
                      [response(200, fixture("echeck_profile_created"))])  # fmt: skip
    assert result.mandate.connector_mandate_id == "87950"
    assert result.mandate.connector_customer_id == "527270"


def test_charge_bank_account_profile_matches_the_sdk(recorder: Recorder) -> None:
    """A stored bank account charged as the SDK samples' "charge customer profile"
    (no card stored-credential flags), answered as the eCheck it is."""
    profile = apicontractsv1.customerProfilePaymentType()
    profile.customerProfileId = "527270"
    profile.paymentProfile = apicontractsv1.paymentProfile()
    profile.paymentProfile.paymentProfileId = "87950"
    transaction = apicontractsv1.transactionRequestType()
    transaction.transactionType = "authCaptureTransaction"
    transaction.amount = Decimal("9.99")
    transaction.profile = profile
    sdk_request, parsed = run_sdk(
        recorder,
        apicontrollers.createTransactionController,
        sdk_transaction(transaction),
        ("createTransactionResponse", "echeck_approved"),
    )
    mandate = MandateRef(
        account="authorizenet-test",
        connector="authorizenet",
        connector_mandate_id="87950",
        customer_id="527270",
        meta={"method": "bankAccount", "bank_debit": "1"},
    )
    data = AuthorizeData(
        amount=999,
        currency="USD",
        payment_method=StoredMandate(ref=mandate),
        capture_method=CaptureMethod.AUTOMATIC,
        reference="mit-ach-1",
    )
    compare("charge bank profile", sdk_request, ours(Flow.AUTHORIZE, data, "echeck_approved"))
    assert str(parsed.transactionResponse.accountType) == "eCheck"


def test_a_listed_bank_account_profile_parses_in_the_sdk(recorder: Recorder) -> None:
    request = apicontractsv1.getCustomerProfileRequest()
    request.merchantAuthentication = auth()
    request.customerProfileId = "527262"
    request.unmaskExpirationDate = True
    _, parsed = run_sdk(
        recorder,
        apicontrollers.getCustomerProfileController,
        request,
        ("getCustomerProfileResponse", "profile_read_bank_account"),
    )
    stored = parsed.profile.paymentProfiles[-1]
    assert str(stored.customerPaymentProfileId) == "87950"
    assert str(stored.payment.bankAccount.accountNumber) == "XXXX6789"
    assert not hasattr(stored.payment, "creditCard")
