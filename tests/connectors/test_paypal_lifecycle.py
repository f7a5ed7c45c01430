"""PayPal: several captures of one authorization (final_capture=false keeps it open;
refunds then find the capture with enough left), and the vault's payment tokens by
customer (GET /v3/vault/payment-tokens?customer_id=). PayPal has no incremental
authorization (orders v2 / payments v2 offer reauthorize, which is not an increment):
Flow.INCREMENT is not declared. Fixtures for each answer; the same flows over loopback
HTTP against the spec-checking fake."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import msgspec
import pytest

from connector_service.domain.common import Customer
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    CaptureData,
    Flow,
    ListMandatesData,
    MandateSetupData,
    RefundData,
)
from connector_service.domain.status import MandateStatus, PaymentStatus
from tests.connectors import test_paypal_roundtrip as roundtrip
from tests.connectors.harness import drive, response
from tests.connectors.test_paypal import AUTH, C, ctx, fx, payment
from tests.connectors.test_paypal_roundtrip import authorize, card, ref, session
from tests.fakes.paypal import PayPalFake, check_request

fake = roundtrip.fake  # the roundtrip tests' fixtures: the fake and a scrubbing executor
executor = roundtrip.executor

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")


def test_declares_multiple_captures_and_the_list_but_no_increment() -> None:
    assert C.meta.multiple_captures and Flow.LIST_MANDATES in C.meta.flows
    assert Flow.INCREMENT not in C.meta.flows


@pytest.mark.parametrize(
    ("amount", "before", "final", "sent"),
    [(4000, 0, False, False), (4000, 0, True, True), (4000, 6000, False, True),
     (10000, 0, False, True)],
)  # fmt: skip
def test_final_capture_follows_the_flag_and_what_is_left(
    amount: int, before: int, final: bool, sent: bool
) -> None:
    data = CaptureData(payment=payment({"auth": AUTH}), amount=amount, reference="cap-1",
                       final_capture=final, captured_before=before)  # fmt: skip
    requests, result = drive(C, Flow.CAPTURE, ctx(), data,
                             [response(201, fx("authorization_capture"))])  # fmt: skip
    [request] = requests
    check_request(request)
    assert json.loads(request.body or b"{}")["final_capture"] is sent
    assert result.meta.get("captures") == ("several" if before else None)


def test_the_vault_list_gives_summaries_only() -> None:
    data = ListMandatesData(customer_id="customer_4029352050")
    requests, listed = drive(C, Flow.LIST_MANDATES, ctx(), data,
                             [response(200, fx("payment_tokens_list"))])  # fmt: skip
    [request] = requests
    check_request(request)
    assert request.method == "GET" and "customer_id=customer_4029352050" in request.url
    assert [m.connector_mandate_id for m in listed.methods] == ["8kk8451t", "9pf9ae5x"]
    first, second = listed.methods
    assert first.status is MandateStatus.ACTIVE
    assert first.connector_customer_id == "customer_4029352050"
    assert first.card is not None and (first.card.brand, first.card.last4) == ("visa", "1111")
    assert (first.card.exp_month, first.card.exp_year) == (12, 2030)
    assert second.card is not None and second.card.brand == "mastercard"
    assert "San Jose" not in repr(listed) and "Jane" not in repr(listed)
    assert not listed.has_more
    with pytest.raises(ServiceError) as bad:
        C.build_list_mandates(ctx(), ListMandatesData(customer_id="not a customer!"))
    assert bad.value.type is ErrorType.INVALID_REQUEST and bad.value.field == "customer"


async def test_over_http_two_captures_then_refund_the_first(
    fake: PayPalFake, executor: Any
) -> None:
    ex, _ = executor
    c = await session(ex, fake)
    auth = await ex.run(C, Flow.AUTHORIZE, c, authorize())
    pref = ref(auth)
    first = await ex.run(C, Flow.CAPTURE, dataclasses.replace(c, idempotency_key="k-c1"),
                         CaptureData(payment=pref, amount=4000, reference="c-1",
                                     final_capture=False))  # fmt: skip
    assert first.status is PaymentStatus.PARTIALLY_CAPTURED
    auth_id = first.meta["auth"]
    assert fake.authorizations[auth_id]["status"] == "PARTIALLY_CAPTURED"
    pref = msgspec.structs.replace(pref, meta={**pref.meta, **first.meta})
    second = await ex.run(C, Flow.CAPTURE, dataclasses.replace(c, idempotency_key="k-c2"),
                          CaptureData(payment=pref, amount=3000, reference="c-2",
                                      final_capture=False, captured_before=4000))  # fmt: skip
    assert second.meta["captures"] == "several"
    assert fake.authorizations[auth_id]["status"] == "PARTIALLY_CAPTURED"
    pref = msgspec.structs.replace(pref, meta={**pref.meta, **second.meta})
    # 3500 fits only the first capture (4000): the refund looks the captures up
    refund = await ex.run(C, Flow.REFUND, dataclasses.replace(c, idempotency_key="k-r1"),
                          RefundData(payment=pref, amount=3500, reference="r-1"))  # fmt: skip
    assert refund.meta["cap"] == first.meta["cap"] != second.meta["cap"]


async def test_over_http_the_vault_lists_what_was_stored(fake: PayPalFake, executor: Any) -> None:
    ex, _ = executor
    c = await session(ex, fake)
    setup = MandateSetupData(payment_method=card(), currency="USD", amount=0,
                             customer=Customer(id="cus_2002"), reference="man-9")  # fmt: skip
    mandate = await ex.run(C, Flow.SETUP_MANDATE, c, setup)
    listed = await ex.run(C, Flow.LIST_MANDATES, dataclasses.replace(c, idempotency_key=None),
                          ListMandatesData(customer_id="cus_2002"))  # fmt: skip
    assert [m.connector_mandate_id for m in listed.methods] == [mandate.connector_mandate_id]
    assert listed.methods[0].card is not None and listed.methods[0].card.last4 == "1111"
