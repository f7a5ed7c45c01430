"""Braintree connector: every GraphQL document and its variables against Braintree's
published schema, the requests of every flow, parsing of answers, the status, error and
decline tables, webhooks (with the official SDK as an oracle), scrub."""

from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from graphql import GraphQLEnumType

from connector_service.connectors import braintree as bt
from connector_service.connectors.base import HttpRequest
from connector_service.connectors.braintree import BraintreeConnector
from connector_service.domain.common import Customer
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    MandateRevokeData,
    MandateSetupData,
    RefundData,
    RefundSyncData,
    StoredMandate,
    SyncData,
    VoidData,
    WebhookEventType,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import ApplePay, Card, Token
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from connector_service.testing import graphql_spec
from connector_service.testing.fakes import braintree as fake_module
from connector_service.testing.spec import SpecViolation
from tests.connectors.harness import drive, make_ctx, response

CONNECTOR = BraintreeConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "braintree"
BASE = "https://payments.sandbox.braintree-api.com"
PUBLIC, PRIVATE = "pub7x2kq9", "priv0d8c6b4a2e9f1357"
PAN, CVC = "4111111111111111", "737"
PID = "dHJhbnNhY3Rpb25fazJ4OWQ0cGE"  # transaction_k2x9d4pa
CHILD = "dHJhbnNhY3Rpb25fYzFoaWxkMDE"
PM_SINGLE = "dG9rZW5jY19iY183Z3l5ZzlfNTZ6aHl0"
VAULTED = "cGF5bWVudG1ldGhvZF9jY19oNnc0cmRt"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(**options: str) -> Any:
    opts = {"merchant_account_id": "shop_usd", **options}
    return make_ctx(CONNECTOR, {"public_key": PUBLIC, "private_key": PRIVATE}, opts, base_url=BASE)


def card() -> Card:
    return Card(number=Secret(PAN), exp_month=9, exp_year=2034, cvc=Secret(CVC), holder_name="Ada")


def payment_ref(amount: int = 2000, **meta: str) -> PaymentRef:
    return PaymentRef(
        account="braintree-test",
        connector="braintree",
        connector_payment_id=PID,
        amount=amount,
        currency="USD",
        capture_method="manual",
        meta=meta,
    )


def mandate_ref() -> MandateRef:
    return MandateRef(account="braintree-test", connector="braintree",
                      connector_mandate_id=VAULTED, currency="USD")  # fmt: skip


def authorize(pm: Any = None, **kw: Any) -> AuthorizeData:
    base: dict[str, Any] = {
        "amount": 2000, "currency": "USD", "payment_method": pm or card(),
        "capture_method": CaptureMethod.MANUAL, "reference": "ORD-1001",
        "customer": Customer(email="ada@example.com"),
    }  # fmt: skip
    return AuthorizeData(**(base | kw))


def body(request: HttpRequest) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(request.body or b"{}")
    return value


def tokenized(pm_id: str = PM_SINGLE) -> Any:
    return response(200, {"data": {"tokenizeCreditCard": {"paymentMethod": {
        "id": pm_id, "usage": "SINGLE_USE",
        "details": {"brandCode": "VISA", "last4": "1111", "expirationMonth": "09",
                    "expirationYear": "2034"}}}}})  # fmt: skip


def txn(status: str = "AUTHORIZED", **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = fixture("transaction_authorized")["data"]["authorizePaymentMethod"][
        "transaction"
    ]
    return {**doc, "status": status, **over}


def node(doc: dict[str, Any], typename: str = "Transaction") -> Any:
    return response(200, {"data": {"node": {"__typename": typename, **doc}}})


def answer(field: str, payload: dict[str, Any]) -> Any:
    return response(200, {"data": {field: payload}})


# --------------------------------------------------------------------------- the contract


def schema() -> Any:
    return graphql_spec.load_schema(fake_module.schema_path())


def test_meta_flows_and_what_is_not_declared() -> None:
    assert {f.value for f in CONNECTOR.meta.flows} == {
        "authorize", "capture", "void", "refund", "sync", "refund_sync", "setup_mandate",
        "charge_mandate", "revoke_mandate", "webhooks",
    }  # fmt: skip
    # 3-D Secure runs client-side at Braintree: there is no redirect to complete.
    data = CompleteAuthorizeData(payment=payment_ref(), params={})
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.COMPLETE_AUTHORIZE, ctx(), data, [])
    assert err.value.type is ErrorType.NOT_SUPPORTED


FLOW_CASES: dict[str, tuple[Flow, Any, list[Any]]] = {
    "authorize_card": (Flow.AUTHORIZE, authorize(), [tokenized()]),
    "charge_token": (Flow.AUTHORIZE, authorize(Token(token="fake-nonce"),
                                               capture_method=CaptureMethod.AUTOMATIC), []),
    "charge_mandate": (Flow.AUTHORIZE, authorize(StoredMandate(ref=mandate_ref()),
                                                 capture_method=CaptureMethod.AUTOMATIC), []),
    "store_on_charge": (Flow.AUTHORIZE, authorize(setup_future_usage=True), [tokenized()]),
    "capture_full": (Flow.CAPTURE, CaptureData(payment=payment_ref(), amount=2000,
                                               reference="c1"), []),
    "capture_partial": (Flow.CAPTURE, CaptureData(payment=payment_ref(), amount=1500,
                                                  reference="c1"), []),
    "void_lookup": (Flow.VOID, VoidData(payment=payment_ref()), []),
    "void_reverse": (Flow.VOID, VoidData(payment=payment_ref()), [node(txn())]),
    "refund": (Flow.REFUND, RefundData(payment=payment_ref(), amount=500, reference="r1",
                                       reason="damaged"), []),
    "refund_lookup": (Flow.REFUND, RefundData(payment=payment_ref(captures=f"{CHILD},x"),
                                              amount=500, reference="r1"), []),
    "sync": (Flow.SYNC, SyncData(payment=payment_ref()), []),
    "sync_by_reference": (Flow.SYNC, SyncData(payment=PaymentRef(
        account="a", connector="braintree", connector_payment_id="", amount=1, currency="USD",
        capture_method="manual", meta={"reference": "ORD-1001"})), []),
    "refund_sync": (Flow.REFUND_SYNC, RefundSyncData(refund=RefundRef(
        account="a", connector="braintree", connector_refund_id="cmVmdW5kX3I0ZjJrOXNt",
        connector_payment_id=PID, amount=500, currency="USD")), []),
    "setup_mandate": (Flow.SETUP_MANDATE, MandateSetupData(
        payment_method=card(), currency="USD", amount=0, customer=Customer(id="c-1"),
        reference="m1"), [tokenized()]),
    "revoke_mandate": (Flow.REVOKE_MANDATE, MandateRevokeData(mandate=mandate_ref()), []),
}  # fmt: skip


def request_of(flow: Flow, data: Any, before: list[Any]) -> HttpRequest:
    """The request the flow sends after ``before`` were answered."""
    steps = CONNECTOR.steps(flow, ctx(), data)
    request = next(steps)
    for answer_ in before:
        request = steps.send(answer_)
    return request


@pytest.mark.parametrize("case", sorted(FLOW_CASES))
def test_every_request_is_valid_against_the_schema(case: str) -> None:
    flow, data, before = FLOW_CASES[case]
    steps = CONNECTOR.steps(flow, ctx(), data)
    requests = [next(steps)]
    for answer_ in before:
        requests.append(steps.send(answer_))
    for request in requests:
        sent = body(request)
        assert set(sent) == {"query", "variables"}
        graphql_spec.validate_operation(schema(), sent["query"], sent["variables"])
        assert request.url == f"{BASE}/graphql" and request.method == "POST"
        assert request.headers["Braintree-Version"] == bt.API_VERSION
        expected = base64.b64encode(f"{PUBLIC}:{PRIVATE}".encode()).decode()
        assert request.headers["Authorization"] == f"Basic {expected}"


def test_every_document_is_valid_against_the_schema() -> None:
    for name, document in bt.DOCUMENTS.items():
        compiled = schema()
        from graphql import parse, validate

        assert validate(compiled, parse(document)) == [], name


def test_the_validator_refuses_an_unknown_field_and_a_wrong_variable_type() -> None:
    with pytest.raises(SpecViolation, match="Cannot query field"):
        graphql_spec.validate_operation(
            schema(), bt.NODE_TRANSACTION.replace("legacyId\n", "legacyId\n  flavour\n", 1),
            {"id": PID},
        )  # fmt: skip
    with pytest.raises(SpecViolation, match="variables are invalid"):
        graphql_spec.validate_operation(
            schema(), bt.REFUND, {"input": {"transactionId": PID, "refund": {"orderId": 42}}}
        )
    with pytest.raises(SpecViolation, match="variables are invalid"):  # unknown input field
        graphql_spec.validate_operation(
            schema(), bt.CAPTURE, {"input": {"transactionId": PID, "currency": "USD"}}
        )


def test_the_schema_repair_only_drops_the_refused_directives() -> None:
    """Braintree's schema deprecates InStoreContext.id and .reader though their
    interface fields are not; the fix drops those directives and graphql-core builds it."""
    compiled = schema()
    context = compiled.get_type("InStoreContext")
    assert context is not None
    fields = context.fields
    assert fields["id"].deprecation_reason is None
    tokenize = compiled.get_type("TokenizeCreditCardPayload")
    assert tokenize.fields["token"].deprecation_reason  # kept


# Each API fixture, the flow case whose request it answers, and which request of it.
FIXTURE_REQUESTS = {
    "transaction_authorized": ("authorize_card", 1),
    "transaction_declined": ("charge_token", 0),
    "partial_capture": ("capture_partial", 0),
    "refund": ("refund", 0),
    "vault_verified": ("setup_mandate", 1),
}


@pytest.mark.parametrize("name", sorted(FIXTURE_REQUESTS))
def test_fixture_is_what_the_schema_answers_to_the_request(name: str) -> None:
    """Execute the connector's own request against the schema with the fixture's data
    as the root: the result equals the fixture only when the fixture holds exactly the
    fields asked for, with the schema's types, enum values and non-null fields."""
    from graphql import execute_sync, parse

    case, index = FIXTURE_REQUESTS[name]
    flow, data, before = FLOW_CASES[case]
    sent = body(request_of(flow, data, before[:index]))
    answer_ = fixture(name)
    result = execute_sync(schema(), parse(sent["query"]), root_value=answer_["data"],
                          variable_values=sent["variables"])  # fmt: skip
    assert result.errors is None, result.errors
    assert result.data == answer_["data"], name


def test_a_fixture_off_the_schema_is_caught() -> None:
    from graphql import execute_sync, parse

    flow, data, before = FLOW_CASES["refund"]
    sent = body(request_of(flow, data, before))
    broken = fixture("refund")["data"]
    broken["refundTransaction"]["refund"]["status"] = "REFUNDED"  # not a PaymentStatus
    result = execute_sync(schema(), parse(sent["query"]), root_value=broken,
                          variable_values=sent["variables"])  # fmt: skip
    assert result.errors


def test_the_fake_checks_every_request_against_the_schema() -> None:
    import urllib.request

    fake = fake_module.BraintreeFake()
    url = fake.start_in_thread()
    try:
        auth = base64.b64encode(f"{fake.public_key}:{fake.private_key}".encode()).decode()
        headers = {"Authorization": f"Basic {auth}", "Braintree-Version": bt.API_VERSION,
                   "Content-Type": "application/json"}  # fmt: skip
        bad = bt.NODE_TRANSACTION.replace("legacyId\n", "legacyId\n  flavour\n", 1)
        for query, variables in ((bad, {"id": PID}), (bt.NODE_TRANSACTION, {"id": 5.5})):
            payload = json.dumps({"query": query, "variables": variables}).encode()
            request = urllib.request.Request(f"{url}/graphql", payload, headers)
            with urllib.request.urlopen(request) as answer_:
                assert json.loads(answer_.read())["errors"]
        assert len(fake.violations) == 2, fake.violations
        assert "flavour" in fake.violations[0]
    finally:
        fake.stop_thread()


# --------------------------------------------------------------------------- requests


def test_a_card_is_tokenized_then_authorized() -> None:
    requests, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(),
        authorize(),
        [tokenized(), response(200, fixture("transaction_authorized"))],
    )
    tokenize, auth = (body(r) for r in requests)
    assert "tokenizeCreditCard" in tokenize["query"] and requests[0].idempotent
    assert tokenize["variables"]["input"]["creditCard"] == {
        "number": PAN, "expirationMonth": "09", "expirationYear": "2034", "cvv": CVC,
        "cardholderName": "Ada",
    }  # fmt: skip
    assert "authorizePaymentMethod" in auth["query"] and not requests[1].idempotent
    assert auth["variables"]["input"] == {
        "paymentMethodId": PM_SINGLE,
        "transaction": {"amount": "20.00", "orderId": "ORD-1001",
                        "merchantAccountId": "shop_usd",
                        "customerDetails": {"email": "ada@example.com"}},
    }  # fmt: skip
    assert result.status is PaymentStatus.AUTHORIZED and result.connector_payment_id == PID
    assert result.card.last4 == "1111" and result.card.brand == "visa"
    assert result.secondary_ids == ["k2x9d4pa"] and result.reference == "ORD-1001"
    assert result.network_transaction_id == "020240512345678"


def test_automatic_capture_charges_and_a_mandate_is_merchant_initiated() -> None:
    req = request_of(Flow.AUTHORIZE, FLOW_CASES["charge_token"][1], [])
    assert "chargePaymentMethod" in body(req)["query"]
    assert body(req)["variables"]["input"]["paymentMethodId"] == "fake-nonce"
    mit = body(request_of(Flow.AUTHORIZE, FLOW_CASES["charge_mandate"][1], []))
    assert mit["variables"]["input"]["paymentMethodId"] == VAULTED
    assert mit["variables"]["input"]["transaction"]["paymentInitiator"] == "UNSCHEDULED"


def test_storing_the_card_on_a_charge_vaults_it_and_returns_the_mandate() -> None:
    req = request_of(Flow.AUTHORIZE, FLOW_CASES["store_on_charge"][1], [tokenized()])
    assert body(req)["variables"]["input"]["transaction"]["vaultPaymentMethodAfterTransacting"] == {
        "when": "ON_SUCCESSFUL_TRANSACTION"
    }
    vaulted = txn(paymentMethod={"id": VAULTED, "usage": "MULTI_USE"})
    _, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(),
        authorize(setup_future_usage=True),
        [tokenized(), answer("authorizePaymentMethod", {"transaction": vaulted})],
    )
    assert result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == VAULTED


def test_the_currency_picks_the_merchant_account_or_is_refused() -> None:
    with pytest.raises(ServiceError) as err:
        request_of(Flow.AUTHORIZE, authorize(Token(token="n"), currency="EUR"), [])
    assert err.value.code == "currency_not_supported" and err.value.field == "currency"
    eur = make_ctx(CONNECTOR, {"public_key": PUBLIC, "private_key": PRIVATE},
                   {"merchant_accounts": "EUR:shop_eur, GBP:shop_gbp"}, base_url=BASE)  # fmt: skip
    steps = CONNECTOR.steps(Flow.AUTHORIZE, eur, authorize(Token(token="n"), currency="EUR"))
    sent = body(next(steps))["variables"]["input"]["transaction"]
    assert sent["merchantAccountId"] == "shop_eur" and sent["amount"] == "20.00"
    broken = make_ctx(CONNECTOR, {"public_key": PUBLIC, "private_key": PRIVATE},
                      {"merchant_accounts": "EUR"}, base_url=BASE)  # fmt: skip
    with pytest.raises(ServiceError) as err:
        next(CONNECTOR.steps(Flow.AUTHORIZE, broken, authorize(Token(token="n"))))
    assert err.value.code == "invalid_account_option"


def test_a_statement_descriptor_must_have_braintree_s_shape() -> None:
    data = authorize(Token(token="n"), statement_descriptor="ACMESHP*ORDER 1001")
    good = request_of(Flow.AUTHORIZE, data, [])
    assert body(good)["variables"]["input"]["transaction"]["descriptor"] == {
        "name": "ACMESHP*ORDER 1001"
    }
    for bad in ("ACME SHOP ORDER 1001", "AC*ORDER", "ACMESHOP*X", "ACMESHP*" + "X" * 15):
        with pytest.raises(ServiceError) as err:
            request_of(Flow.AUTHORIZE, authorize(Token(token="n"), statement_descriptor=bad), [])
        assert err.value.field == "statement_descriptor", bad


def test_zero_decimal_amounts_are_whole_units() -> None:
    jpy = make_ctx(CONNECTOR, {"public_key": PUBLIC, "private_key": PRIVATE},
                   {"currency": "JPY"}, base_url=BASE)  # fmt: skip
    steps = CONNECTOR.steps(Flow.AUTHORIZE, jpy, authorize(Token(token="n"), amount=1500,
                                                           currency="JPY"))  # fmt: skip
    assert body(next(steps))["variables"]["input"]["transaction"]["amount"] == "1500"


def test_a_wallet_is_not_supported_before_any_request() -> None:
    with pytest.raises(ServiceError) as err:
        request_of(Flow.AUTHORIZE, authorize(ApplePay(token=Secret("apple-pay-token"))), [])
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "payment_method.type"


def test_full_capture_and_partial_captures_keep_the_parent_id() -> None:
    full = request_of(Flow.CAPTURE, FLOW_CASES["capture_full"][1], [])
    assert body(full)["variables"] == {"input": {"transactionId": PID, "amount": "20.00"}}
    data = FLOW_CASES["capture_partial"][1]
    requests, result = drive(CONNECTOR, Flow.CAPTURE, ctx(), data,
                             [response(200, fixture("partial_capture"))])  # fmt: skip
    assert "partialCaptureTransaction" in body(requests[0])["query"]
    assert body(requests[0])["variables"] == {
        "input": {"transactionId": PID, "transaction": {"amount": "15.00"}}
    }
    assert result.connector_payment_id == PID  # the parent: one payment, one id
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED and result.amount_captured == 1500
    assert result.meta[bt.CAPTURES_KEY] == CHILD
    # A second capture is partial too (the first made the authorization a parent).
    again = CaptureData(payment=payment_ref(captures=CHILD), amount=500, reference="c2")
    assert "partialCaptureTransaction" in body(request_of(Flow.CAPTURE, again, []))["query"]


def test_void_reverses_only_an_authorized_transaction() -> None:
    data = VoidData(payment=payment_ref())
    voided = txn("VOIDED")
    requests, result = drive(CONNECTOR, Flow.VOID, ctx(), data, [
        node(txn()), answer("reverseTransaction", {"reversal": {"__typename": "Transaction",
                                                                 **voided}}),
    ])  # fmt: skip
    assert [("node(" in body(r)["query"], "reverseTransaction" in body(r)["query"])
            for r in requests] == [(True, False), (False, True)]  # fmt: skip
    assert result.status is PaymentStatus.VOIDED
    for status in ("SUBMITTED_FOR_SETTLEMENT", "SETTLED", "VOIDED"):
        with pytest.raises(ServiceError) as err:  # one request: the read, never the reverse
            drive(CONNECTOR, Flow.VOID, ctx(), data, [node(txn(status))])
        assert err.value.type is ErrorType.CONFLICT and err.value.code == "payment_not_voidable"


def test_refunds_go_to_the_capture_that_holds_the_money() -> None:
    plain = body(request_of(Flow.REFUND, FLOW_CASES["refund"][1], []))
    assert plain["variables"]["input"] == {
        "transactionId": PID,
        "refund": {"amount": "5.00", "orderId": "r1", "reason": "damaged"},
    }
    one = RefundData(payment=payment_ref(captures=CHILD), amount=500, reference="r1")
    _, result = drive(CONNECTOR, Flow.REFUND, ctx(), one, [response(200, fixture("refund"))])
    assert result.status is RefundStatus.SUCCEEDED and result.amount == 500
    assert result.connector_refund_id == "cmVmdW5kX3I0ZjJrOXNt"
    assert result.meta["capture_id"] == CHILD
    # Several captures: read the parent, refund the first child with enough in it.
    parent = txn(partialCaptureDetails={"childCaptures": [
        {"id": "small", "status": "SETTLED", "amount": {"value": "3.00", "currencyCode": "USD"}},
        {"id": CHILD, "status": "SETTLED", "amount": {"value": "12.00", "currencyCode": "USD"}},
    ]})  # fmt: skip
    data = FLOW_CASES["refund_lookup"][1]
    requests, _ = drive(CONNECTOR, Flow.REFUND, ctx(), data,
                        [node(parent), response(200, fixture("refund"))])  # fmt: skip
    assert body(requests[1])["variables"]["input"]["transactionId"] == CHILD
    too_much = RefundData(payment=payment_ref(captures="small,x"), amount=2000, reference="r")
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.REFUND, ctx(), too_much, [node(parent)])
    assert err.value.code == "invalid_amount" and err.value.field == "amount"


def test_a_refund_skips_a_capture_already_refunded() -> None:
    usd = {"currencyCode": "USD"}
    parent = txn(partialCaptureDetails={"childCaptures": [
        {"id": "first", "status": "SETTLED", "amount": {"value": "12.00", **usd},
         "refunds": [{"id": "r", "status": "SETTLED", "amount": {"value": "10.00", **usd}},
                     {"id": "x", "status": "VOIDED", "amount": {"value": "2.00", **usd}}]},
        {"id": "second", "status": "SETTLED", "amount": {"value": "8.00", **usd}, "refunds": []},
    ]})  # fmt: skip
    fits = RefundData(payment=payment_ref(captures="first,second"), amount=200, reference="r")
    requests, _ = drive(CONNECTOR, Flow.REFUND, ctx(), fits,
                        [node(parent), response(200, fixture("refund"))])  # fmt: skip
    assert body(requests[1])["variables"]["input"]["transactionId"] == "first"  # 2.00 left
    more = RefundData(payment=payment_ref(captures="first,second"), amount=300, reference="r")
    requests, _ = drive(CONNECTOR, Flow.REFUND, ctx(), more,
                        [node(parent), response(200, fixture("refund"))])  # fmt: skip
    assert body(requests[1])["variables"]["input"]["transactionId"] == "second"


def test_sync_reads_the_node_and_partial_captures() -> None:
    parent = txn(partialCaptureDetails={"childCaptures": [
        {"id": CHILD, "status": "SETTLED", "amount": {"value": "15.00", "currencyCode": "USD"}},
    ]})  # fmt: skip
    requests, result = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
                             [node(parent)])  # fmt: skip
    assert body(requests[0])["variables"] == {"id": PID} and requests[0].idempotent
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED and result.amount_captured == 1500
    assert result.meta[bt.CAPTURES_KEY] == CHILD
    _, settled = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
                       [node(txn("SETTLED"))])  # fmt: skip
    assert settled.status is PaymentStatus.CAPTURED and settled.amount_captured == 2000


def test_a_lost_create_is_found_by_its_order_id() -> None:
    data = FLOW_CASES["sync_by_reference"][1]
    declined = txn("PROCESSOR_DECLINED", id="declined-one")
    found = response(200, {"data": {"search": {"transactions": {"edges": [
        {"node": declined}, {"node": txn()}]}}}})  # fmt: skip
    requests, result = drive(CONNECTOR, Flow.SYNC, ctx(), data, [found])
    assert body(requests[0])["variables"] == {"orderId": "ORD-1001"}
    assert "search" in body(requests[0])["query"]
    assert result.connector_payment_id == PID and result.status is PaymentStatus.AUTHORIZED
    empty = response(200, {"data": {"search": {"transactions": {"edges": []}}}})
    with pytest.raises(ServiceError) as err:  # still unknown: the service keeps it unresolved
        drive(CONNECTOR, Flow.SYNC, ctx(), data, [empty])
    assert err.value.type is ErrorType.NOT_FOUND


def test_refund_sync_and_not_found() -> None:
    refund = fixture("refund")["data"]["refundTransaction"]["refund"]
    data = FLOW_CASES["refund_sync"][1]
    _, result = drive(CONNECTOR, Flow.REFUND_SYNC, ctx(), data, [node(refund, "Refund")])
    assert result.status is RefundStatus.SUCCEEDED and result.amount == 500
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.REFUND_SYNC, ctx(), data, [response(200, fixture("error_not_found"))])
    assert err.value.code == "refund_not_found"
    with pytest.raises(ServiceError) as err:  # a node of another type is not the refund
        drive(CONNECTOR, Flow.REFUND_SYNC, ctx(), data, [node(txn())])
    assert err.value.code == "refund_not_found"
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
              [response(200, fixture("error_not_found"))])  # fmt: skip
    assert err.value.code == "payment_not_found"


def test_mandate_setup_vaults_and_revoke_deletes() -> None:
    data = FLOW_CASES["setup_mandate"][1]
    requests, result = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), data,
                             [tokenized(), response(200, fixture("vault_verified"))])  # fmt: skip
    assert body(requests[1])["variables"] == {
        "input": {"paymentMethodId": PM_SINGLE, "verificationMerchantAccountId": "shop_usd"}
    }
    assert result.status is MandateStatus.ACTIVE and result.connector_mandate_id == VAULTED
    assert result.card.last4 == "1111"
    declined = answer("vaultPaymentMethod", {"paymentMethod": None, "verification": {
        "id": "v", "status": "PROCESSOR_DECLINED", "gatewayRejectionReason": None,
        "processorResponse": {"legacyCode": "2004", "message": "Expired Card"}}})  # fmt: skip
    _, failed = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), data, [tokenized(), declined])
    assert failed.status is MandateStatus.FAILED and failed.connector_mandate_id is None
    assert failed.failure.code == "expired_card"
    revoke = FLOW_CASES["revoke_mandate"][1]
    requests, revoked = drive(
        CONNECTOR,
        Flow.REVOKE_MANDATE,
        ctx(),
        revoke,
        [answer("deletePaymentMethodFromVault", {"clientMutationId": None})],
    )
    assert body(requests[0])["variables"] == {"input": {"paymentMethodId": VAULTED}}
    assert revoked.status is MandateStatus.REVOKED and revoked.connector_mandate_id == VAULTED


# --------------------------------------------------------------------------- statuses


def _enum(name: str) -> set[str]:
    kind = schema().get_type(name)
    assert isinstance(kind, GraphQLEnumType)
    return set(kind.values)


def test_every_schema_status_and_rejection_reason_is_mapped() -> None:
    assert set(bt.PAYMENT_STATUS) == _enum("PaymentStatus")
    assert set(bt.REFUND_STATUS) == _enum("PaymentStatus")
    assert set(bt.VERIFICATION_STATUS) == _enum("VerificationStatus")
    assert set(bt.REJECTION_MAP) == _enum("GatewayRejectionReason")
    assert PaymentStatus.CAPTURED not in {
        bt.PAYMENT_STATUS[s] for s in ("AUTHORIZING", "FAILED", "VOIDED", "PROCESSOR_DECLINED")
    }


def test_an_unknown_status_is_processing_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        _, result = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
                          [node(txn("SETTLEMENT_PAUSED"))])  # fmt: skip
    assert result.status is PaymentStatus.PROCESSING
    assert any(getattr(r, "status", None) == "SETTLEMENT_PAUSED" for r in caplog.records)


@pytest.mark.parametrize(
    ("event", "code", "category"),
    [
        ({"status": "PROCESSOR_DECLINED", "processorResponse": {"legacyCode": "2001"}},
         "insufficient_funds", "soft"),
        ({"status": "PROCESSOR_DECLINED", "processorResponse": {"legacyCode": "2004"}},
         "expired_card", "hard"),
        ({"status": "PROCESSOR_DECLINED", "processorResponse": {"legacyCode": "2013"}},
         "stolen_card", "hard"),
        ({"status": "PROCESSOR_DECLINED", "processorResponse": {"legacyCode": "2999"}},
         "generic_decline", "soft"),
        ({"status": "PROCESSOR_DECLINED", "processorResponse": {"legacyCode": "2000"},
          "merchantAdviceCodeResponse": {"code": "03"}}, "do_not_honor", "hard"),
        ({"status": "GATEWAY_REJECTED", "gatewayRejectionReason": "CVV"}, "incorrect_cvc", "soft"),
        ({"status": "GATEWAY_REJECTED", "gatewayRejectionReason": "THREE_D_SECURE"},
         "authentication_failed", "hard"),
        ({"status": "FAILED", "processorResponse": {"legacyCode": "3000"}},
         "try_again_later", "retry_later"),
        ({"status": "FAILED"}, "processing_error", "retry_later"),
    ],
)  # fmt: skip
def test_declines_are_results(event: dict[str, Any], code: str, category: str) -> None:
    declined = txn(event["status"], statusHistory=[{"status": "AUTHORIZING"}, event])
    _, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(Token(token="n")),
                      [answer("authorizePaymentMethod", {"transaction": declined})])  # fmt: skip
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id == PID
    assert (result.failure.code, result.failure.category) == (code, category)


def test_the_declined_fixture() -> None:
    charge = authorize(Token(token="n"), capture_method=CaptureMethod.AUTOMATIC)
    _, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), charge,
                      [response(200, fixture("transaction_declined"))])  # fmt: skip
    assert result.status is PaymentStatus.FAILED and result.failure.code == "insufficient_funds"
    assert result.failure.gateway.code == "2001"
    assert result.connector_status == "PROCESSOR_DECLINED"


def test_a_decline_answered_in_errors_is_still_a_result() -> None:
    refused = response(200, {"errors": [{"message": "Do Not Honor", "extensions": {
        "errorClass": "VALIDATION", "legacyCode": "2000", "inputPath": ["input"]}}],
        "data": {"chargePaymentMethod": None}})  # fmt: skip
    _, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(Token(token="n")), [refused])
    assert result.status is PaymentStatus.FAILED and result.failure.code == "do_not_honor"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("flow", "data", "answer_", "etype", "code", "field"),
    [
        (Flow.REFUND, FLOW_CASES["refund"][1], fixture("error_refund_too_large"),
         ErrorType.INVALID_REQUEST, "invalid_amount", "amount"),
        (Flow.REFUND, FLOW_CASES["refund"][1],
         {"errors": [{"message": "Cannot refund a transaction unless it is settled.",
                      "extensions": {"errorClass": "VALIDATION", "legacyCode": "91506"}}]},
         ErrorType.CONFLICT, "payment_not_refundable", None),
        (Flow.CAPTURE, FLOW_CASES["capture_full"][1],
         {"errors": [{"message": "Cannot submit for settlement unless status is authorized.",
                      "extensions": {"errorClass": "VALIDATION", "legacyCode": "91507"}}]},
         ErrorType.CONFLICT, "payment_not_capturable", None),
        (Flow.CAPTURE, FLOW_CASES["capture_full"][1], fixture("error_authentication"),
         ErrorType.CONNECTOR, "gateway_authentication_failed", None),
        (Flow.CAPTURE, FLOW_CASES["capture_full"][1],
         {"errors": [{"message": "x", "extensions": {"errorClass": "AUTHORIZATION"}}]},
         ErrorType.CONNECTOR, "gateway_permission_denied", None),
        (Flow.CAPTURE, FLOW_CASES["capture_full"][1],
         {"errors": [{"message": "x", "extensions": {"errorClass": "SERVICE_AVAILABILITY"}}]},
         ErrorType.CONNECTOR, "gateway_unavailable", None),
        (Flow.CAPTURE, FLOW_CASES["capture_full"][1],
         {"errors": [{"message": "x", "extensions": {"errorClass": "RESOURCE_LIMIT"}}]},
         ErrorType.RATE_LIMITED, "gateway_rate_limited", None),
        (Flow.CAPTURE, FLOW_CASES["capture_full"][1],
         {"errors": [{"message": "Amount is an invalid format.", "extensions": {
             "errorClass": "VALIDATION", "legacyCode": "99999",
             "inputPath": ["input", "amount"]}}]},
         ErrorType.INVALID_REQUEST, "gateway_rejected_request", "amount"),
        (Flow.AUTHORIZE, FLOW_CASES["charge_token"][1],
         {"errors": [{"message": "Unknown or expired payment method ID.", "extensions": {
             "errorClass": "VALIDATION", "legacyCode": "91565",
             "inputPath": ["input", "paymentMethodId"]}}]},
         ErrorType.INVALID_REQUEST, "invalid_token", "payment_method.token"),
        (Flow.CAPTURE, FLOW_CASES["capture_full"][1],
         {"errors": [{"message": "boom", "extensions": {"errorClass": "SOMETHING_NEW"}}]},
         ErrorType.CONNECTOR, "gateway_error", None),
    ],
)  # fmt: skip
def test_error_table(
    flow: Flow, data: Any, answer_: Any, etype: ErrorType, code: str, field: str | None
) -> None:
    status = 401 if answer_ is fixture("error_authentication") else 200
    status = 401 if "Authentication failed." in json.dumps(answer_) else status
    if "SOMETHING_NEW" in json.dumps(answer_):
        status = 500
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, flow, ctx(), data, [response(status, answer_)])
    assert (err.value.type, err.value.code, err.value.field) == (etype, code, field)
    assert err.value.gateway is not None


def test_a_non_graphql_answer_is_a_gateway_error() -> None:
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.CAPTURE, ctx(), FLOW_CASES["capture_full"][1],
              [response(502, b"<html>Bad gateway</html>")])  # fmt: skip
    assert err.value.type is ErrorType.CONNECTOR


# --------------------------------------------------------------------------- webhooks

XML = (
    "<notification>"
    '<timestamp type="datetime">{stamp}</timestamp>'
    "<kind>{kind}</kind>"
    "<subject>{subject}</subject>"
    "</notification>"
)
SETTLED = (
    "<transaction><id>k2x9d4pa</id><status>settled</status><type>sale</type>"
    "<currency-iso-code>USD</currency-iso-code><amount>20.00</amount></transaction>"
)


def stamp(seconds_ago: int = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))


def form(xml: str, private: str = PRIVATE, public: str = PUBLIC) -> bytes:
    return fake_module.sign_notification(xml.encode(), public, private)


def verify(raw: bytes, **options: str) -> bool:
    result = CONNECTOR.webhook_verify(ctx(**options), {}, raw)
    assert isinstance(result, bool)
    return result


def test_webhook_good_tampered_wrong_secret_stale_missing() -> None:
    xml = XML.format(stamp=stamp(), kind="transaction_settled", subject=SETTLED)
    good = form(xml)
    assert verify(good)
    fields = {k: v for k, v in (p.split("=", 1) for p in good.decode().split("&"))}
    tampered_xml = xml.replace("20.00", "2000.00")
    tampered = urlencode(
        {
            "bt_signature": fields["bt_signature"].replace("%7C", "|"),
            "bt_payload": base64.encodebytes(tampered_xml.encode()),
        }
    ).encode()
    assert not verify(tampered)
    assert not verify(form(xml, private=PRIVATE + "x"))  # wrong secret
    assert not verify(form(xml, public="someone_else"))  # another account's pair only
    assert not verify(form(XML.format(stamp=stamp(26 * 3600), kind="check", subject="")))  # stale
    assert verify(form(XML.format(stamp=stamp(600), kind="check", subject="")))
    assert not verify(form(XML.format(stamp=stamp(600), kind="check", subject="")),
                      webhook_tolerance_seconds="300")  # fmt: skip
    assert not verify(urlencode({"bt_payload": base64.encodebytes(xml.encode())}).encode())
    assert not verify(b"")
    no_keys = make_ctx(CONNECTOR, {}, {}, base_url=BASE)
    assert CONNECTOR.webhook_verify(no_keys, {}, good) is False


def test_webhook_signatures_of_several_keys_and_a_trailing_newline() -> None:
    xml = XML.format(stamp=stamp(), kind="check", subject="")
    payload = base64.encodebytes(xml.encode())
    import hashlib
    import hmac

    key = hashlib.sha1(PRIVATE.encode()).digest()
    mac = hmac.new(key, payload + b"\n", hashlib.sha1).hexdigest()
    raw = urlencode({"bt_signature": f"other|{'0' * 40}&{PUBLIC}|{mac}",
                     "bt_payload": payload}).encode()  # fmt: skip
    assert verify(raw)


def test_the_official_sdk_signs_samples_our_verify_accepts() -> None:
    braintree = pytest.importorskip("braintree")
    gateway = braintree.BraintreeGateway(
        braintree.Configuration(braintree.Environment.Sandbox, "merchant_x", PUBLIC, PRIVATE)
    )
    for kind, wanted in (
        ("transaction_settled", WebhookEventType.PAYMENT_CAPTURED),
        ("transaction_settlement_declined", WebhookEventType.PAYMENT_FAILED),
        ("dispute_opened", WebhookEventType.DISPUTE_OPENED),
        ("dispute_won", WebhookEventType.DISPUTE_WON),
        ("check", WebhookEventType.UNKNOWN),
    ):
        sample = gateway.webhook_testing.sample_notification(kind, "k2x9d4pa")
        raw = urlencode(sample).encode()
        assert verify(raw), kind
        other = braintree.BraintreeGateway(
            braintree.Configuration(braintree.Environment.Sandbox, "m", PUBLIC, PRIVATE + "x")
        )
        assert not verify(urlencode(other.webhook_testing.sample_notification(kind, "x")).encode())
        [event] = CONNECTOR.webhook_parse({}, raw)
        assert event.type is wanted and event.connector_event_type == kind
        # and the SDK reads the same notification we do
        parsed = gateway.webhook_notification.parse(sample["bt_signature"], sample["bt_payload"])
        assert parsed.kind == kind


def test_webhook_transaction_settled_names_the_payment_by_its_graphql_id() -> None:
    raw = form(XML.format(stamp=stamp(), kind="transaction_settled", subject=SETTLED))
    [event] = CONNECTOR.webhook_parse({}, raw)
    assert event.connector_payment_id == PID == bt._encode_global("transaction", "k2x9d4pa")
    assert event.payment.status is PaymentStatus.CAPTURED and event.amount == 2000
    assert event.payment.secondary_ids == ["k2x9d4pa"] and event.currency == "USD"
    with_global = SETTLED.replace("<id>k2x9d4pa</id>", "<id>k2x9d4pa</id><global-id>G1</global-id>")
    [event] = CONNECTOR.webhook_parse(
        {}, form(XML.format(stamp=stamp(), kind="transaction_settled", subject=with_global))
    )
    assert event.connector_payment_id == "G1"  # the notification's own global id wins
    first = CONNECTOR.webhook_identify({}, raw).event_id
    assert first and first == CONNECTOR.webhook_identify({}, raw).event_id
    assert first.startswith("transaction_settled:k2x9d4pa:")


def test_webhook_dispute_and_refund_failed() -> None:
    dispute = (
        "<dispute><id>dp_1</id><amount>20.00</amount><currency-iso-code>USD</currency-iso-code>"
        "<status>open</status><reason>fraud</reason><reply-by-date>2026-12-20</reply-by-date>"
        "<transaction><id>k2x9d4pa</id><amount>20.00</amount></transaction></dispute>"
    )
    [event] = CONNECTOR.webhook_parse({}, form(XML.format(stamp=stamp(), kind="dispute_opened",
                                                          subject=dispute)))  # fmt: skip
    assert event.type is WebhookEventType.DISPUTE_OPENED
    assert event.dispute.status is DisputeStatus.NEEDS_RESPONSE
    assert event.dispute.connector_payment_id == PID and event.dispute.reason == "fraud"
    refund = (
        "<transaction><id>r4f2k9sm</id><amount>5.00</amount><currency-iso-code>USD"
        "</currency-iso-code><status>processor_declined</status>"
        "<refunded-transaction-id>k2x9d4pa</refunded-transaction-id></transaction>"
    )
    [event] = CONNECTOR.webhook_parse({}, form(XML.format(stamp=stamp(), kind="refund_failed",
                                                          subject=refund)))  # fmt: skip
    assert event.type is WebhookEventType.REFUND_FAILED
    assert event.refund.status is RefundStatus.FAILED and event.refund.amount == 500
    assert event.refund.connector_refund_id == "cmVmdW5kX3I0ZjJrOXNt"
    assert event.connector_payment_id == PID


def test_webhook_xml_with_a_dtd_or_entities_is_refused_unparsed() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE n [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<notification><timestamp type="datetime">{stamp()}</timestamp>'
        "<kind>&b;</kind><subject/></notification>"
    )
    raw = form(bomb)
    assert verify(raw)  # the account signed it; what it holds is refused unparsed (400)
    assert CONNECTOR.webhook_identify({}, raw).event_id is None
    with pytest.raises(ServiceError) as err:
        CONNECTOR.webhook_parse({}, raw)
    assert err.value.code == "invalid_webhook"


def test_webhook_garbage_is_not_an_event() -> None:
    for raw in (b"", b"bt_payload=!!!", urlencode({"bt_payload": "bm90IHhtbA=="}).encode(),
                form("<other/>"), form("<notification><kind></kind></notification>")):  # fmt: skip
        with pytest.raises(ServiceError):
            CONNECTOR.webhook_parse({}, raw)
    bad_amount = SETTLED.replace("20.00", "twenty")
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse(
            {}, form(XML.format(stamp=stamp(), kind="transaction_settled", subject=bad_amount))
        )


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    basic = base64.b64encode(f"{PUBLIC}:{PRIVATE}".encode()).decode()
    before = (
        "> POST https://payments.sandbox.braintree-api.com/graphql\n"
        f"> Authorization: Basic {basic}\n"
        ">\n"
        '{"query":"mutation Tokenize(...)","variables":{"input":{"creditCard":'
        f'{{"number":"{PAN}","expirationMonth":"09","expirationYear":"2034","cvv":"{CVC}"}}}}}}}}\n'
        f'{{"paymentMethodId":"{PM_SINGLE}","last4":"1111"}}'
    )
    after = (
        "> POST https://payments.sandbox.braintree-api.com/graphql\n"
        "> Authorization: [REDACTED]\n"
        ">\n"
        '{"query":"mutation Tokenize(...)","variables":{"input":{"creditCard":'
        '{"number":"[REDACTED]","expirationMonth":"09","expirationYear":"2034",'
        '"cvv":"[REDACTED]"}}}}\n'
        f'{{"paymentMethodId":"{PM_SINGLE}","last4":"1111"}}'
    )
    assert CONNECTOR.scrub(before) == after


def test_no_card_data_survives_any_flow_transcript() -> None:
    basic = base64.b64encode(f"{PUBLIC}:{PRIVATE}".encode()).decode()
    for case, (flow, data, before) in FLOW_CASES.items():
        steps = CONNECTOR.steps(flow, ctx(), data)
        requests = [next(steps)] + [steps.send(a) for a in before]
        for request in requests:
            text = CONNECTOR.scrub(render_transcript(request, response(200, {"data": {}})))
            for secret in (PAN, f'"{CVC}"', basic):
                assert secret not in text, (case, secret)
