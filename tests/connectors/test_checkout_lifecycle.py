"""Checkout.com: incremental authorization (authorization_type Estimated, then POST
/payments/{id}/authorizations with the amount to add), NonFinal captures, and a customer's
instruments (GET /customers/{id}). NAS only: ABC accounts answer not_supported before any
request. Fixtures for each answer; the same flows over loopback HTTP against the fake,
which validates every request against the NAS preview spec (and swagger.json where the
endpoint exists there)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.checkout import CheckoutConnector
from connector_service.domain.common import Customer
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    IncrementData,
    ListMandatesData,
    SyncData,
)
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, MandateStatus, PaymentStatus
from connector_service.executor import Executor
from tests.connectors.harness import drive, make_ctx, response
from tests.fakes.checkout import CheckoutFake, check_request, start_fake

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
FIXTURES = Path(__file__).parent / "fixtures" / "checkout"
CONNECTOR = CheckoutConnector()
PID = "pay_mbabizu24mvu3mela5njyhpit4"
CUS = "cus_y3oqhf46pyzuxjbcn2giaqnb44"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def nas_ctx(base_url: str = "https://api.sandbox.checkout.com", key_type: str = "nas") -> Any:
    options = {"key_type": key_type, "processing_channel_id": "pc_owt3xq3sfgvebexyq3elhgrnxy"}
    secret = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e" if key_type == "nas" else "sk_test_abc"
    return make_ctx(CONNECTOR, {"secret_key": secret}, options, base_url=base_url,
                    idempotency_key=f"idem-{uuid.uuid4().hex}")  # fmt: skip


def pref(pid: str = PID, amount: int = 10000) -> PaymentRef:
    return PaymentRef(account="cko", connector="checkout", connector_payment_id=pid,
                      amount=amount, currency="EUR", capture_method="manual")  # fmt: skip


def card(number: str = "4242424242424242") -> Card:
    return Card(number=Secret(number), exp_month=12, exp_year=2030, cvc=Secret("737"))


def auth_data(amount: int = 10000, **kw: Any) -> AuthorizeData:
    return AuthorizeData(
        amount=amount,
        currency="EUR",
        payment_method=card(),
        capture_method=CaptureMethod.MANUAL,
        reference="order-7",
        **kw,
    )


def test_declares_the_lifecycle_capabilities() -> None:
    assert {Flow.INCREMENT, Flow.LIST_MANDATES} <= CONNECTOR.meta.flows
    assert CONNECTOR.meta.multiple_captures


def test_requests_match_the_nas_spec() -> None:
    c = nas_ctx()
    create = CONNECTOR.build_authorize(c, auth_data(incremental_authorization=True))
    assert json.loads(create.body or b"{}")["authorization_type"] == "Estimated"
    capture = CONNECTOR.build_capture(
        c, CaptureData(payment=pref(), amount=4000, reference="c-1", final_capture=False)
    )
    assert json.loads(capture.body or b"{}")["capture_type"] == "NonFinal"
    final = CONNECTOR.build_capture(c, CaptureData(payment=pref(), amount=4000, reference="c-2"))
    assert "capture_type" not in json.loads(final.body or b"{}")
    increment = CONNECTOR.build_increment(
        c, IncrementData(payment=pref(), amount=12500, increment=2500, reference="increment-1")
    )
    assert increment.url.endswith(f"/payments/{PID}/authorizations")
    assert json.loads(increment.body or b"{}")["amount"] == 2500  # what it adds, not the total
    listing = CONNECTOR.build_list_mandates(c, ListMandatesData(customer_id=CUS))
    assert listing.method == "GET" and listing.url.endswith(f"/customers/{CUS}")
    for request in (create, capture, final, increment, listing):
        check_request(request, "nas")


def test_abc_accounts_refuse_before_sending() -> None:
    c = nas_ctx(key_type="abc")
    for call, field in (
        (lambda: CONNECTOR.build_authorize(c, auth_data(incremental_authorization=True)),
         "incremental_authorization"),
        (lambda: CONNECTOR.build_capture(c, CaptureData(payment=pref(), amount=1,
                                                        reference="r", final_capture=False)),
         "final_capture"),
        (lambda: CONNECTOR.build_increment(c, IncrementData(payment=pref(), amount=2, increment=1,
                                                            reference="r")), "id"),
    ):  # fmt: skip
        with pytest.raises(ServiceError) as exc:
            call()
        assert exc.value.type is ErrorType.NOT_SUPPORTED and exc.value.field == field


def test_parse_increment_approved_and_declined() -> None:
    data = IncrementData(payment=pref(), amount=12500, increment=2500, reference="increment-1")
    _, ok = drive(CONNECTOR, Flow.INCREMENT, nas_ctx(), data,
                  [response(201, fixture("increment_authorized"))])  # fmt: skip
    assert ok.status is PaymentStatus.AUTHORIZED and ok.amount == 12500 and ok.failure is None
    assert ok.meta == {"action_id": "act_y3oqhf46pyzuxjbcn2giaqnb44"}
    _, refused = drive(CONNECTOR, Flow.INCREMENT, nas_ctx(), data,
                       [response(201, fixture("increment_declined"))])  # fmt: skip
    assert refused.status is PaymentStatus.AUTHORIZED and refused.amount == 10000
    assert refused.failure is not None and refused.failure.code == "insufficient_funds"


def test_parse_instruments_gives_summaries_only() -> None:
    _, listed = drive(CONNECTOR, Flow.LIST_MANDATES, nas_ctx(), ListMandatesData(customer_id=CUS),
                      [response(200, fixture("customer_with_instruments"))])  # fmt: skip
    assert [m.connector_mandate_id for m in listed.methods] == [
        "src_lmyvsjadlxxu7kqlgevt6ebkra", "src_wmlfc3zyhqzehihu7giusaaawu"
    ]  # fmt: skip
    first = listed.methods[0]
    assert first.status is MandateStatus.ACTIVE and first.connector_customer_id == CUS
    assert first.card is not None
    assert (first.card.brand, first.card.last4, first.card.exp_month, first.card.exp_year) == (
        "visa", "4242", 6, 2029,
    )  # fmt: skip
    text = repr(listed)
    assert "vnsdrvikkvre3dtrjjvlm5du4q" not in text and "424242" not in text
    with pytest.raises(ServiceError) as bad:
        CONNECTOR.build_list_mandates(nas_ctx(), ListMandatesData(customer_id="shopper-1"))
    assert bad.value.field == "customer"


@pytest.fixture
async def env() -> AsyncIterator[tuple[CheckoutFake, Executor]]:
    fake, runner = await start_fake("nas")
    executor = Executor()
    try:
        yield fake, executor
    finally:
        await executor.close()
        await runner.cleanup()
    assert fake.violations == []


async def test_over_http_estimated_auth_increment_then_nonfinal_captures(
    env: tuple[CheckoutFake, Executor],
) -> None:
    fake, ex = env
    c = nas_ctx(fake.base_url)
    auth = await ex.run(CONNECTOR, Flow.AUTHORIZE, c, auth_data(incremental_authorization=True))
    pid = auth.connector_payment_id
    assert fake.payments[pid].estimated
    raised = await ex.run(CONNECTOR, Flow.INCREMENT, nas_ctx(fake.base_url), IncrementData(
        payment=pref(pid), amount=12500, increment=2500, reference="inc-1"))  # fmt: skip
    assert raised.failure is None and fake.payments[pid].amount == 12500
    for i, final in enumerate((False, True)):
        await ex.run(
            CONNECTOR,
            Flow.CAPTURE,
            nas_ctx(fake.base_url),
            CaptureData(
                payment=pref(pid, 12500), amount=5000, reference=f"c-{i}", final_capture=final
            ),
        )
    synced = await ex.run(CONNECTOR, Flow.SYNC, nas_ctx(fake.base_url), SyncData(payment=pref(pid)))
    assert synced.amount_captured == 10000 and synced.status is PaymentStatus.CAPTURED
    assert fake.payments[pid].status == "Captured"  # the final capture released the rest


async def test_over_http_a_declined_increment_and_the_instruments(
    env: tuple[CheckoutFake, Executor],
) -> None:
    fake, ex = env
    data = auth_data(2000, incremental_authorization=True,
                     customer=Customer(email="jane@example.com", name="Jane"))  # fmt: skip
    auth = await ex.run(CONNECTOR, Flow.AUTHORIZE, nas_ctx(fake.base_url), data)
    pid = auth.connector_payment_id
    refused = await ex.run(CONNECTOR, Flow.INCREMENT, nas_ctx(fake.base_url), IncrementData(
        payment=pref(pid, 2000), amount=5051, increment=3051, reference="inc-2"))  # fmt: skip
    assert refused.failure is not None and refused.failure.code == "insufficient_funds"
    assert refused.amount == 2000 and fake.payments[pid].amount == 2000
    customer = fake.payments[pid].customer
    assert customer is not None
    listed = await ex.run(CONNECTOR, Flow.LIST_MANDATES, nas_ctx(fake.base_url),
                          ListMandatesData(customer_id=customer["id"]))  # fmt: skip
    assert [m.connector_mandate_id for m in listed.methods] == [fake.payments[pid].source["id"]]
