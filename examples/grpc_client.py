"""Call a running Connector Service over gRPC with the generated stubs.

    connector-service serve &                      # REST on 8080, gRPC on 50051
    python examples/grpc_client.py

CS_GRPC_TARGET and CS_API_KEY point it elsewhere. Any other language: generate from
proto/connector_service/v1/*.proto, or discover the API by reflection (grpcurl).
"""

from __future__ import annotations

import os

import grpc
from connector_service.grpc_gen.v1 import (
    common_pb2,
    payments_pb2,
    payments_pb2_grpc,
    refunds_pb2,
    refunds_pb2_grpc,
)

target = os.environ.get("CS_GRPC_TARGET", "127.0.0.1:50051")
key = os.environ.get("CS_API_KEY")
metadata = [("authorization", f"Bearer {key}")] if key else []

with grpc.insecure_channel(target) as channel:
    payments = payments_pb2_grpc.PaymentServiceStub(channel)
    refunds = refunds_pb2_grpc.RefundServiceStub(channel)
    card = common_pb2.Card(number="4242424242424242", exp_month=12, exp_year=2034)
    payment = payments.CreatePayment(
        payments_pb2.CreatePaymentRequest(
            amount=common_pb2.Money(minor_units=2500, currency="EUR"),
            payment_method=common_pb2.PaymentMethod(card=card),
        ),
        metadata=[*metadata, ("idempotency-key", os.urandom(8).hex())],
    )
    print("purchase", common_pb2.PaymentStatus.Name(payment.status), payment.id[:16] + "…")
    refund = refunds.CreateRefund(
        refunds_pb2.CreateRefundRequest(payment_id=payment.id, amount=500), metadata=metadata
    )
    print("refund  ", common_pb2.RefundStatus.Name(refund.status), refund.amount.minor_units)
    try:
        payments.GetPayment(payments_pb2.GetPaymentRequest(id="pay_nope"), metadata=metadata)
    except grpc.RpcError as exc:
        print("error   ", exc.code().name, exc.details())
