"""Issue 16 over gRPC on the sandbox: IncrementAuthorization, CapturePayment with
final_capture and ListMandates answer what REST answers, with the same ids."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest

from connector_service.config import hash_key
from connector_service.grpc_gen.v1 import common_pb2 as S
from connector_service.grpc_gen.v1 import connectors_pb2, mandates_pb2, payments_pb2
from tests.conftest import ServiceProcess, start_service
from tests.grpc.client import Grpc, card, eur, fails, payment_request
from tests.server.client import Api
from tests.server.client import card as rest_card

CONFIG = f"""
default_account = "sandbox"

[[accounts]]
id = "sandbox"
connector = "sandbox"

[[callers]]
id = "shop-a"
key_sha256 = "{hash_key("key-a")}"
accounts = ["sandbox"]
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("lifecycle-grpc"), CONFIG)
    yield svc
    svc.stop()


@pytest.fixture
async def a(service: ServiceProcess) -> AsyncIterator[Grpc]:
    client = Grpc(f"127.0.0.1:{service.env['CS_GRPC_PORT']}", "key-a")
    yield client
    await client.close()


async def test_increment_then_several_captures(a: Grpc) -> None:
    md = a.md()
    p = await a.payments.CreatePayment(
        payment_request(amount=10000, capture_method=S.CAPTURE_METHOD_MANUAL,
                        incremental_authorization=True, multiple_captures=True),
        metadata=md,
    )  # fmt: skip
    assert p.status == S.PAYMENT_STATUS_AUTHORIZED
    raised = await a.payments.IncrementAuthorization(
        payments_pb2.IncrementAuthorizationRequest(id=p.id, total_amount=15000, reason="extra"),
        metadata=md,
    )
    assert raised.id == p.id and raised.amount == eur(15000)
    assert raised.status == S.PAYMENT_STATUS_AUTHORIZED and not raised.HasField("failure")
    first = await a.payments.CapturePayment(
        payments_pb2.CapturePaymentRequest(id=p.id, amount=5000, final_capture=False), metadata=md
    )
    assert first.status == S.PAYMENT_STATUS_PARTIALLY_CAPTURED
    assert first.amount_captured == eur(5000)
    rest = await a.payments.CapturePayment(payments_pb2.CapturePaymentRequest(id=p.id), metadata=md)
    assert rest.status == S.PAYMENT_STATUS_CAPTURED and rest.amount_captured == eur(15000)
    err = await fails(
        a.payments.IncrementAuthorization(
            payments_pb2.IncrementAuthorizationRequest(id=p.id, total_amount=100), metadata=md
        )
    )
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.detail.code == "amount_not_increased" and err.detail.field == "total_amount"


async def test_a_declined_increment_is_a_payment_with_a_failure(a: Grpc) -> None:
    md = a.md()
    p = await a.payments.CreatePayment(
        payment_request("4000000000006975", 2000, capture_method=S.CAPTURE_METHOD_MANUAL,
                        incremental_authorization=True),
        metadata=md,
    )  # fmt: skip
    refused = await a.payments.IncrementAuthorization(
        payments_pb2.IncrementAuthorizationRequest(id=p.id, total_amount=3000), metadata=md
    )
    assert refused.status == S.PAYMENT_STATUS_AUTHORIZED and refused.amount == eur(2000)
    assert refused.failure.code == "insufficient_funds"


async def test_list_mandates_answers_the_ids_rest_answers(a: Grpc, service: ServiceProcess) -> None:
    customer = f"g-{uuid.uuid4().hex[:8]}"
    mandate = await a.mandates.CreateMandate(
        mandates_pb2.CreateMandateRequest(
            amount=eur(0), payment_method=card(), customer=S.Customer(id=customer)
        ),
        metadata=a.md(),
    )
    listed = await a.mandates.ListMandates(
        mandates_pb2.ListMandatesRequest(account="sandbox", customer=customer), metadata=a.md()
    )
    assert [m.id for m in listed.mandates] == [mandate.id] and not listed.has_more
    assert listed.mandates[0].payment_method.card == S.CardSummary(
        brand="visa", last4="4242", exp_month=12, exp_year=2034
    )
    rest = await Api(service.url, "key-a").ok(
        "GET", f"/v1/mandates?account=sandbox&customer={customer}"
    )
    assert [m["id"] for m in rest["data"]] == [mandate.id]
    err = await fails(
        a.mandates.ListMandates(
            mandates_pb2.ListMandatesRequest(account="sandbox"), metadata=a.md()
        )
    )
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and err.detail.field == "customer"
    assert rest_card()["number"] not in str(listed)


async def test_connector_info_shows_multiple_captures(a: Grpc) -> None:
    info = await a.connectors.ListConnectors(
        connectors_pb2.ListConnectorsRequest(), metadata=a.md()
    )
    sandbox = next(c for c in info.connectors if c.name == "sandbox")
    assert sandbox.multiple_captures and "increment" in sandbox.flows
