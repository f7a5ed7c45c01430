"""Payment methods over gRPC (through server/grpc_codec.py's fill), against a real
``connector-service serve``: the method oneof in, the next-action variant and the
connector's per-method declaration out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from connector_service.grpc_gen.v1 import common_pb2, connectors_pb2, payments_pb2
from tests.conftest import ServiceProcess
from tests.grpc.client import Grpc
from tests.grpc.test_grpc_flows import service, target  # noqa: F401 - the shared module server

S = common_pb2


@pytest.fixture
async def a(service: ServiceProcess) -> AsyncIterator[Grpc]:  # noqa: F811
    client = Grpc(target(service), "key-a")
    yield client
    await client.close()


def money(minor: int, currency: str) -> common_pb2.Money:
    return common_pb2.Money(minor_units=minor, currency=currency)


async def test_ideal_redirects_and_the_approval_captures(a: Grpc) -> None:
    request = payments_pb2.CreatePaymentRequest(
        amount=money(1500, "EUR"),
        payment_method=common_pb2.PaymentMethod(ideal=common_pb2.Ideal(bank="ing")),
        billing=common_pb2.Address(country="NL"),
        return_url="https://shop.example/back",
    )
    created = await a.payments.CreatePayment(request, metadata=a.md())
    assert created.status == S.PAYMENT_STATUS_REQUIRES_ACTION
    assert created.next_action.type == "redirect" and "/sandbox/pay/" in created.next_action.url
    assert created.payment_method.type == "ideal"
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            created.next_action.url, data={"result": "approve"}, allow_redirects=False
        ) as resp,
    ):
        assert resp.status == 303
    synced = await a.payments.GetPayment(
        payments_pb2.GetPaymentRequest(id=created.id), metadata=a.md()
    )
    assert synced.status == S.PAYMENT_STATUS_CAPTURED
    assert synced.payment_method.type == "ideal"


async def test_pix_answers_a_qr_code_with_its_payload_and_image(a: Grpc) -> None:
    request = payments_pb2.CreatePaymentRequest(
        amount=money(2990, "BRL"),
        payment_method=common_pb2.PaymentMethod(pix=common_pb2.Pix()),
        billing=common_pb2.Address(country="BR"),
    )
    created = await a.payments.CreatePayment(request, metadata=a.md())
    qr = created.next_action
    assert qr.type == "display_qr" and qr.payload.startswith("000201")
    assert qr.image.startswith("data:image/png;base64,") and qr.expires_at


async def test_the_connector_list_carries_each_method_and_multiple_captures(a: Grpc) -> None:
    listed = await a.connectors.ListConnectors(
        connectors_pb2.ListConnectorsRequest(), metadata=a.md()
    )
    sandbox = next(c for c in listed.connectors if c.name == "sandbox")
    methods = {m.type: m for m in sandbox.methods}
    assert set(methods["card"].flows) == {"authorize", "capture", "refund", "recurring"}
    assert methods["card"].external_3ds
    assert set(methods["oxxo"].flows) == {"authorize"}
    assert list(methods["ideal"].currencies) == ["EUR"]
    assert sandbox.multiple_captures  # main's field 13 next to the methods (14)
