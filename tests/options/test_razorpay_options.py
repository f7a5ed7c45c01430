"""Razorpay's connector options and Route splits (issue 19).

Each option maps to the Razorpay field of its name; every request passes the fake's
contract (the SDK's documented shapes, testing/fakes/razorpay.py), and the order with
``transfers`` and the refund with ``reverse_all`` are compared with the official SDK's
own requests for the same operations (``client.order.create`` / ``client.payment.refund``
against a loopback recorder, as tests/connectors/test_razorpay_sdk.py does per flow).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from connector_service.connectors.razorpay import (
    ROUTE_KEY,
    RazorpayPaymentOptions,
    RazorpayRefundOptions,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow, RefundData, StoredMandate
from connector_service.domain.splits import Split
from connector_service.domain.status import CaptureMethod
from connector_service.testing.recorder import json_shape
from connector_service.testing.spec import SpecViolation
from tests.connectors import test_razorpay as rp
from tests.connectors.harness import drive

sdk_oracle = pytest.importorskip("tests.connectors.test_razorpay_sdk")

SHOP_A, SHOP_B = "acc_CPRsN1LkFccllA", "acc_CNo3jSI8OkFJJJ"
SPLITS = [Split(destination=SHOP_A, amount=150000), Split(destination=SHOP_B, amount=50000)]


def _order_and_payment(**kw: Any) -> tuple[dict[str, Any], dict[str, Any], Any]:
    requests, result = drive(
        rp.CONNECTOR, Flow.AUTHORIZE, rp.ctx(idempotency_key=None), rp.authorize(**kw),
        [rp.ok("order_created"), rp.ok("payment_json_paid"), rp.ok("payment_authorized")],
    )  # fmt: skip
    rp.checked(requests)
    return rp.body(requests[0]), rp.body(requests[1]), result


def test_splits_are_route_transfers_on_the_order_and_remembered() -> None:
    options = RazorpayPaymentOptions(on_hold=True, on_hold_until=1893456000)
    order, _payment, result = _order_and_payment(
        splits=SPLITS, application_fee=30000, options=options
    )
    assert order["transfers"] == [
        {"account": SHOP_A, "amount": 150000, "currency": "INR", "on_hold": True,
         "on_hold_until": 1893456000},
        {"account": SHOP_B, "amount": 50000, "currency": "INR", "on_hold": True,
         "on_hold_until": 1893456000},
    ]  # fmt: skip
    # the fee is what Razorpay does not transfer: no number of its own on the order
    assert "application_fee" not in json.dumps(order)
    assert result.meta[ROUTE_KEY] == "1"


def test_without_splits_no_transfers_and_nothing_remembered() -> None:
    order, _payment, result = _order_and_payment()
    assert "transfers" not in order and ROUTE_KEY not in result.meta


def test_customer_id_option_goes_on_the_card_payment() -> None:
    options = RazorpayPaymentOptions(customer_id="cust_Q7kS9bWq4ZyX1e")
    _order, payment, _ = _order_and_payment(options=options)
    assert payment["customer_id"] == "cust_Q7kS9bWq4ZyX1e"


def test_customer_id_option_on_a_mandate_charge_is_not_supported() -> None:
    data = rp.authorize(
        CaptureMethod.AUTOMATIC,
        payment_method=StoredMandate(ref=rp.mandate_ref()),
        options=RazorpayPaymentOptions(customer_id="cust_Q7kS9bWq4ZyX1e"),
    )
    with pytest.raises(ServiceError) as err:
        drive(rp.CONNECTOR, Flow.AUTHORIZE, rp.ctx(idempotency_key=None), data, [])
    assert err.value.type is ErrorType.NOT_SUPPORTED
    assert err.value.field == "connector_options.razorpay.customer_id"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"options": RazorpayPaymentOptions(on_hold=True)}, "connector_options.razorpay.on_hold"),
        (
            {"splits": SPLITS, "options": RazorpayPaymentOptions(on_hold_until=1893456000)},
            "connector_options.razorpay.on_hold_until",
        ),
        ({"splits": [Split(destination="shop-a", amount=100)]}, "splits[0].destination"),
    ],
)
def test_bad_route_input_is_a_400_before_any_request(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ServiceError) as err:
        drive(rp.CONNECTOR, Flow.AUTHORIZE, rp.ctx(idempotency_key=None), rp.authorize(**kw), [])
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == field


def _refund(options: RazorpayRefundOptions | None = None, *, routed: bool) -> dict[str, Any]:
    meta = {ROUTE_KEY: "1"} if routed else {}
    data = RefundData(
        payment=rp.payment_ref(**meta), amount=50000, reference="refund-7", options=options
    )
    requests, _ = drive(
        rp.CONNECTOR, Flow.REFUND, rp.ctx(idempotency_key=None), data, [rp.ok("refund_processed")]
    )
    return rp.body(rp.checked(requests)[0])


def test_a_refund_of_a_routed_payment_reverses_the_transfers() -> None:
    assert _refund(routed=True)["reverse_all"] is True
    assert "reverse_all" not in _refund(routed=False)  # nothing was transferred


def test_refund_options_speed_and_an_explicit_reverse_all() -> None:
    kept = _refund(RazorpayRefundOptions(reverse_all=False), routed=True)
    assert "reverse_all" not in kept
    fast = _refund(RazorpayRefundOptions(speed="optimum", reverse_all=True), routed=False)
    assert fast["speed"] == "optimum" and fast["reverse_all"] is True


def test_the_fake_refuses_transfers_over_the_amount() -> None:
    requests, _ = drive(
        rp.CONNECTOR, Flow.AUTHORIZE, rp.ctx(idempotency_key=None), rp.authorize(splits=SPLITS),
        [rp.ok("order_created"), rp.ok("payment_json_paid"), rp.ok("payment_authorized")],
    )  # fmt: skip
    order = rp.body(requests[0])
    order["transfers"][0]["amount"] = 10**7
    tampered = type(requests[0])(
        requests[0].method, requests[0].url, requests[0].headers, json.dumps(order).encode()
    )
    with pytest.raises(SpecViolation):
        rp.checked([tampered])


# --------------------------------------------------------------------------- the SDK oracle


@pytest.fixture(scope="module")
def recorder() -> Iterator[Any]:
    rec = sdk_oracle.Recorder()
    try:
        yield rec
    finally:
        rec.close()


@pytest.fixture
def sdk(recorder: Any) -> Any:
    recorder.override = None
    return sdk_oracle.razorpay.Client(
        auth=(sdk_oracle.KEY_ID, sdk_oracle.KEY_SECRET), base_url=recorder.base
    )


def _ours(flow: Flow, data: Any, answers: list[str]) -> list[Any]:
    requests, _ = drive(
        rp.CONNECTOR, flow, sdk_oracle.ctx(), data, [rp.ok(name) for name in answers]
    )
    return requests


def test_the_order_with_transfers_is_the_sdks(recorder: Any, sdk: Any) -> None:
    """SDK documents/transfer.md "Create transfers from order"."""
    sdk.order.create(
        {
            "amount": 200000, "currency": "INR", "receipt": "receipt#1",
            "payment_capture": False, "notes": {"merchant_reference": "receipt#1"},
            "transfers": [
                {"account": SHOP_A, "amount": 150000, "currency": "INR", "on_hold": True},
                {"account": SHOP_B, "amount": 50000, "currency": "INR", "on_hold": True},
            ],
        }
    )  # fmt: skip
    data = rp.authorize(amount=200000, splits=SPLITS, options=RazorpayPaymentOptions(on_hold=True))
    order = _ours(
        Flow.AUTHORIZE, data, ["order_created", "payment_json_paid", "payment_authorized"]
    )[0]
    sdk_oracle.assert_same_request("create order", recorder.last(), order, {"amount", "transfers"})
    theirs = json.loads(recorder.last().body)["transfers"]
    mine = json.loads(order.body)["transfers"]

    def shape(item: Any) -> Any:
        return json_shape(item, free_form=frozenset(sdk_oracle.FREE_FORM))

    assert [shape(t) for t in mine] == [shape(t) for t in theirs]


def test_the_refund_reversing_transfers_is_the_sdks(recorder: Any, sdk: Any) -> None:
    """SDK documents/refund.md with Route's ``reverse_all``."""
    sdk.payment.refund(
        sdk_oracle.PID,
        {"amount": 50000, "speed": "normal", "receipt": "refund-7",
         "notes": {"merchant_reference": "refund-7"}, "reverse_all": True},
    )  # fmt: skip
    data = RefundData(
        payment=rp.payment_ref(**{ROUTE_KEY: "1"}), amount=50000, reference="refund-7"
    )
    refund = _ours(Flow.REFUND, data, ["refund_processed"])[0]
    sdk_oracle.assert_same_request("refund", recorder.last(), refund, {"amount", "reverse_all"})
