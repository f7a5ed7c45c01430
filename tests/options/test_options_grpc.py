"""connector_options, splits and order over gRPC decode to the same API documents REST
decodes (google.protobuf.Struct blocks with integers kept integers)."""

from __future__ import annotations

from google.protobuf import struct_pb2

from connector_service.domain import api
from connector_service.grpc_gen.v1 import (
    common_pb2,
    mandates_pb2,
    marketplace_pb2,
    payments_pb2,
    refunds_pb2,
)
from connector_service.server import grpc_server


def _struct(**values: object) -> struct_pb2.Struct:
    block = struct_pb2.Struct()
    block.update(values)
    return block


def _card() -> common_pb2.PaymentMethod:
    return common_pb2.PaymentMethod(
        card=common_pb2.Card(number="4242424242424242", exp_month=12, exp_year=2034)
    )


def test_a_payment_request_carries_options_splits_and_order() -> None:
    req = payments_pb2.CreatePaymentRequest(
        amount=common_pb2.Money(minor_units=1000, currency="EUR"),
        payment_method=_card(),
        splits=[marketplace_pb2.Split(destination="acct_1", amount=600)],
        application_fee=100,
        order=marketplace_pb2.Order(
            line_items=[marketplace_pb2.LineItem(name="Mask", quantity=2, unit_amount=450)],
            shipping_amount=100,
        ),
    )
    req.connector_options["sandbox"].CopyFrom(_struct(descriptor_suffix="X1"))
    req.connector_options["checkout"].CopyFrom(
        _struct(billing_descriptor={"name": "WAYNE", "city": "GOTHAM"})
    )
    doc = grpc_server._payment_in(req)
    assert isinstance(doc, api.PaymentCreate)
    assert doc.connector_options == {
        "sandbox": {"descriptor_suffix": "X1"},
        "checkout": {"billing_descriptor": {"name": "WAYNE", "city": "GOTHAM"}},
    }
    assert [(s.destination, s.amount) for s in doc.splits] == [("acct_1", 600)]
    assert doc.application_fee == 100
    assert doc.order is not None and doc.order.items_total == 900
    assert doc.order.shipping_amount == 100 and doc.order.tax_amount is None


def test_integers_in_a_struct_stay_integers() -> None:
    req = refunds_pb2.CreateRefundRequest(payment_id="pay_x")
    req.connector_options["rapyd"].CopyFrom(_struct(escrow_release_days=7, escrow=True))
    doc = grpc_server._refund_in(req)
    block = doc.connector_options["rapyd"]
    assert block == {"escrow_release_days": 7, "escrow": True}
    assert isinstance(block["escrow_release_days"], int)


def test_capture_and_mandate_requests_carry_options() -> None:
    capture = payments_pb2.CapturePaymentRequest(id="pay_x")
    capture.connector_options["sandbox"].CopyFrom(_struct(note="n"))
    assert grpc_server._capture_in(capture).connector_options == {"sandbox": {"note": "n"}}
    mandate = mandates_pb2.CreateMandateRequest(
        amount=common_pb2.Money(currency="EUR"),
        payment_method=_card(),
        customer=common_pb2.Customer(id="c1"),
    )
    mandate.connector_options["stripe"].CopyFrom(_struct(on_behalf_of="acct_9"))
    doc = grpc_server._mandate_in(mandate)
    assert doc.connector_options == {"stripe": {"on_behalf_of": "acct_9"}}
