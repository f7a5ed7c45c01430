"""Every flow over gRPC, against a real `connector-service serve` process on loopback."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import aiohttp
import grpc
import pytest
from google.protobuf import struct_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from connector_service.config import hash_key
from connector_service.grpc_gen.v1 import (
    common_pb2,
    connectors_pb2,
    mandates_pb2,
    marketplace_pb2,
    payments_pb2,
    refunds_pb2,
)
from tests.conftest import ServiceProcess, start_service
from tests.grpc.client import Grpc, card, eur, fails, payment_request
from tests.server.client import Api

CONFIG = f"""
default_account = "sandbox"

[server]
allow_request_credentials = true

[[accounts]]
id = "sandbox"
connector = "sandbox"

[[accounts]]
id = "sandbox-b"
connector = "sandbox"

[[accounts]]
id = "sandbox-fast-timeout"
connector = "sandbox"
timeout_seconds = 0.5

[[callers]]
id = "shop-a"
key_sha256 = "{hash_key("key-a")}"
accounts = ["sandbox", "sandbox-fast-timeout"]

[[callers]]
id = "shop-b"
key_sha256 = "{hash_key("key-b")}"
accounts = ["sandbox-b"]
"""

S = common_pb2  # statuses and enums


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("grpc"), CONFIG)
    yield svc
    svc.stop()


def target(svc: ServiceProcess) -> str:
    return f"127.0.0.1:{svc.env['CS_GRPC_PORT']}"


@pytest.fixture
async def a(service: ServiceProcess) -> AsyncIterator[Grpc]:
    client = Grpc(target(service), "key-a")
    yield client
    await client.close()


@pytest.fixture
async def b(service: ServiceProcess) -> AsyncIterator[Grpc]:
    client = Grpc(target(service), "key-b")
    yield client
    await client.close()


def key() -> str:
    return f"k-{uuid.uuid4().hex}"


async def test_purchase_captures_immediately(a: Grpc) -> None:
    p = await a.payments.CreatePayment(
        payment_request(reference="order-1", metadata={"order": "1"}), metadata=a.md()
    )
    assert p.status == S.PAYMENT_STATUS_CAPTURED
    assert p.amount == eur(1000) and p.amount_captured == eur(1000)
    assert p.capture_method == S.CAPTURE_METHOD_AUTOMATIC
    assert (p.connector, p.account) == ("sandbox", "sandbox")
    assert p.id.startswith("pay_") and p.connector_payment_id.startswith("sbp_")
    assert p.payment_method.card == S.CardSummary(
        brand="visa", last4="4242", exp_month=12, exp_year=2034
    )
    assert p.reference == "order-1" and dict(p.metadata) == {"order": "1"}
    assert p.attempts[0].account == "sandbox" and p.attempts[0].outcome == "captured"
    assert "4242424242424242" not in str(p)


async def test_authorize_partial_capture_refunds_and_syncs(a: Grpc) -> None:
    md = a.md()
    p = await a.payments.CreatePayment(
        payment_request(amount=5000, capture_method=S.CAPTURE_METHOD_MANUAL), metadata=md
    )
    assert p.status == S.PAYMENT_STATUS_AUTHORIZED
    captured = await a.payments.CapturePayment(
        payments_pb2.CapturePaymentRequest(id=p.id, amount=3000), metadata=md
    )
    assert captured.status == S.PAYMENT_STATUS_PARTIALLY_CAPTURED
    assert captured.amount_captured == eur(3000) and captured.id == p.id
    r1 = await a.refunds.CreateRefund(
        refunds_pb2.CreateRefundRequest(payment_id=p.id, amount=1000), metadata=md
    )
    r2 = await a.refunds.CreateRefund(
        refunds_pb2.CreateRefundRequest(payment_id=p.id, amount=2000, reason="damaged"),
        metadata=md,
    )
    assert r1.status == r2.status == S.REFUND_STATUS_SUCCEEDED
    assert r1.id != r2.id and r1.payment_id == p.id and r2.amount == eur(2000)
    # nothing is left to refund: the same error as REST's 400, as INVALID_ARGUMENT
    err = await fails(
        a.refunds.CreateRefund(
            refunds_pb2.CreateRefundRequest(payment_id=p.id, amount=1), metadata=md
        )
    )
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert (err.detail.code, err.detail.field, err.detail.http_status) == (
        "amount_too_large", "amount", 400,
    )  # fmt: skip
    assert err.bad_request is not None and err.bad_request.field_violations[0].field == "amount"
    synced = await a.payments.GetPayment(payments_pb2.GetPaymentRequest(id=p.id), metadata=md)
    assert synced.status == S.PAYMENT_STATUS_PARTIALLY_CAPTURED
    assert synced.amount_captured == eur(3000)
    refund = await a.refunds.GetRefund(refunds_pb2.GetRefundRequest(id=r2.id), metadata=md)
    assert refund.status == S.REFUND_STATUS_SUCCEEDED and refund.amount == eur(2000)


async def test_void_then_capture_is_a_failed_precondition(a: Grpc) -> None:
    p = await a.payments.CreatePayment(
        payment_request(capture_method=S.CAPTURE_METHOD_MANUAL), metadata=a.md()
    )
    voided = await a.payments.VoidPayment(
        payments_pb2.VoidPaymentRequest(id=p.id, reason="customer"), metadata=a.md()
    )
    assert voided.status == S.PAYMENT_STATUS_VOIDED
    err = await fails(
        a.payments.CapturePayment(payments_pb2.CapturePaymentRequest(id=p.id), metadata=a.md())
    )
    assert err.code == grpc.StatusCode.FAILED_PRECONDITION
    assert err.detail.type == "conflict" and err.detail.code == "payment_not_capturable"
    assert err.info.reason == "PAYMENT_NOT_CAPTURABLE" and err.info.domain == "connector-service"
    assert err.info.metadata["http_status"] == "409"


@pytest.mark.parametrize(
    ("number", "code", "category", "advice"),
    [
        ("4000000000009995", "insufficient_funds", S.DECLINE_CATEGORY_SOFT, "02"),
        ("4000000000000002", "stolen_card", S.DECLINE_CATEGORY_HARD, "03"),
        ("4000000000000069", "expired_card", S.DECLINE_CATEGORY_HARD, ""),
    ],
)
async def test_declines_are_results(
    a: Grpc, number: str, code: str, category: int, advice: str
) -> None:
    p = await a.payments.CreatePayment(payment_request(number, 700), metadata=a.md())
    assert p.status == S.PAYMENT_STATUS_FAILED
    assert (p.failure.code, p.failure.category, p.failure.advice_code) == (code, category, advice)
    assert p.failure.gateway.code == code


async def test_processing_and_unresolved_settle_on_sync(a: Grpc) -> None:
    processing = await a.payments.CreatePayment(
        payment_request("4000000000000770"), metadata=a.md()
    )
    assert processing.status == S.PAYMENT_STATUS_PROCESSING
    unresolved = await a.payments.CreatePayment(
        payment_request("4000000000005555", account="sandbox-fast-timeout", reference="slow-g"),
        metadata=a.md(),
    )
    assert unresolved.status == S.PAYMENT_STATUS_UNRESOLVED
    assert unresolved.pending_reason == "outcome_unknown"
    for p in (processing, unresolved):
        synced = await a.payments.GetPayment(
            payments_pb2.GetPaymentRequest(id=p.id), metadata=a.md()
        )
        assert synced.status == S.PAYMENT_STATUS_CAPTURED


async def test_gateway_unavailable_is_unavailable(a: Grpc) -> None:
    err = await fails(
        a.payments.CreatePayment(payment_request("4000000000000119", 700), metadata=a.md())
    )
    assert err.code == grpc.StatusCode.UNAVAILABLE
    assert (err.detail.type, err.detail.code, err.detail.http_status) == (
        "connector_error", "gateway_unavailable", 503,
    )  # fmt: skip
    assert err.detail.gateway.http_status == 503


async def test_three_ds_requires_action_then_complete(a: Grpc, service: ServiceProcess) -> None:
    p = await a.payments.CreatePayment(
        payment_request(
            "4000000000003253",
            capture_method=S.CAPTURE_METHOD_MANUAL,
            return_url="https://shop.example/return?o=7",
        ),
        metadata=a.md(),
    )
    assert p.status == S.PAYMENT_STATUS_REQUIRES_ACTION
    assert p.next_action.type == "redirect"
    assert p.next_action.url.startswith(service.url + "/sandbox/3ds/")
    # the customer passes the challenge on the service's own page (REST side)
    async with (
        aiohttp.ClientSession() as http,
        http.post(p.next_action.url, data={"result": "complete"}, allow_redirects=False) as resp,
    ):
        assert resp.status == 303
    done = await a.payments.CompletePayment(
        payments_pb2.CompletePaymentRequest(id=p.id), metadata=a.md()
    )
    assert done.status == S.PAYMENT_STATUS_AUTHORIZED
    captured = await a.payments.CapturePayment(
        payments_pb2.CapturePaymentRequest(id=p.id), metadata=a.md()
    )
    assert captured.status == S.PAYMENT_STATUS_CAPTURED


async def test_mandate_setup_charge_and_revoke(a: Grpc) -> None:
    mandate = await a.mandates.CreateMandate(
        mandates_pb2.CreateMandateRequest(
            amount=common_pb2.Money(currency="EUR"),
            payment_method=card(),
            customer=common_pb2.Customer(id="cust-42"),
        ),
        metadata=a.md(),
    )
    assert mandate.status == S.MANDATE_STATUS_ACTIVE and mandate.id.startswith("man_")
    assert mandate.customer_id == "cust-42" and mandate.payment_method.card.last4 == "4242"
    mit = payments_pb2.CreatePaymentRequest(
        amount=eur(1500),
        payment_method=common_pb2.PaymentMethod(
            mandate=common_pb2.MandateReference(mandate_id=mandate.id)
        ),
    )
    charge = await a.payments.CreatePayment(mit, metadata=a.md())
    assert charge.status == S.PAYMENT_STATUS_CAPTURED and charge.account == "sandbox"
    revoked = await a.mandates.RevokeMandate(
        mandates_pb2.RevokeMandateRequest(id=mandate.id), metadata=a.md()
    )
    assert revoked.status == S.MANDATE_STATUS_REVOKED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await a.payments.CreatePayment(mit, metadata=a.md())
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "only an active mandate" in (err.value.details() or "")
    # CompleteMandate is served (same core as REST): a revoked mandate is not pending.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await a.mandates.CompleteMandate(
            mandates_pb2.CompleteMandateRequest(id=mandate.id), metadata=a.md()
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "only a pending set-up" in (err.value.details() or "")


async def test_payment_can_store_the_card_for_later(a: Grpc) -> None:
    p = await a.payments.CreatePayment(
        payment_request(setup_future_usage="off_session", customer=S.Customer(id="cust-7")),
        metadata=a.md(),
    )
    assert p.mandate.status == S.MANDATE_STATUS_ACTIVE and p.mandate.id.startswith("man_")


@pytest.mark.parametrize(
    ("request_", "code", "field"),
    [
        (payments_pb2.CreatePaymentRequest(payment_method=card()), "missing_field", "amount"),
        (payment_request(amount=0), "invalid_amount", "amount"),
        (payments_pb2.CreatePaymentRequest(amount=common_pb2.Money(minor_units=5, currency="eur"),
                                           payment_method=card()),
         "invalid_currency", "currency"),
        (payments_pb2.CreatePaymentRequest(amount=eur(5)), "missing_field", "payment_method"),
        (payments_pb2.CreatePaymentRequest(amount=eur(5), payment_method=S.PaymentMethod()),
         "missing_field", "payment_method.type"),
        (payment_request("4242424242424241"), "invalid_card_number", "payment_method.number"),
        (payments_pb2.CreatePaymentRequest(
            amount=eur(5), payment_method=S.PaymentMethod(card=S.Card(
                number="4242424242424242", exp_month=13, exp_year=2034))),
         "invalid_expiry", "payment_method.exp_month"),
        (payment_request(capture_method=7), "invalid_field", "capture_method"),
        (payment_request(account="nope"), "unknown_account", "account"),
        (payment_request(connector="sandbox"), "credentials_required", "connector"),
        (payment_request(customer=S.Customer(email="not-an-email")), "invalid_field",
         "customer.email"),
    ],
)  # fmt: skip
async def test_invalid_requests_are_invalid_argument(
    a: Grpc, request_: payments_pb2.CreatePaymentRequest, code: str, field: str
) -> None:
    err = await fails(a.payments.CreatePayment(request_, metadata=a.md()))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT, err
    assert (err.detail.type, err.detail.code, err.detail.field) == ("invalid_request", code, field)
    assert err.info.metadata["code"] == code and err.info.metadata["field"] == field
    assert "4242424242424241" not in err.message


async def test_unknown_and_foreign_ids_are_not_found(a: Grpc, b: Grpc) -> None:
    err = await fails(
        a.payments.GetPayment(payments_pb2.GetPaymentRequest(id="pay_nope"), metadata=a.md())
    )
    assert err.code == grpc.StatusCode.NOT_FOUND and err.detail.code == "payment_not_found"
    theirs = await b.payments.CreatePayment(payment_request(), metadata=b.md())
    for call in (
        a.payments.GetPayment(payments_pb2.GetPaymentRequest(id=theirs.id), metadata=a.md()),
        a.refunds.CreateRefund(
            refunds_pb2.CreateRefundRequest(payment_id=theirs.id), metadata=a.md()
        ),
    ):
        assert (await fails(call)).code == grpc.StatusCode.NOT_FOUND
    err = await fails(
        a.payments.CreatePayment(payment_request(account="sandbox-b"), metadata=a.md())
    )
    assert err.code == grpc.StatusCode.PERMISSION_DENIED
    assert err.detail.code == "account_not_allowed"


async def test_authentication_failures(service: ServiceProcess) -> None:
    anonymous, wrong = Grpc(target(service)), Grpc(target(service), "key-wrong")
    try:
        for client, code in ((anonymous, "missing_api_key"), (wrong, "invalid_api_key")):
            err = await fails(
                client.payments.CreatePayment(payment_request(), metadata=client.md())
            )
            assert err.code == grpc.StatusCode.UNAUTHENTICATED
            assert (err.detail.type, err.detail.code) == ("authentication", code)
        err = await fails(
            anonymous.connectors.ListConnectors(connectors_pb2.ListConnectorsRequest())
        )
        assert err.code == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await anonymous.close()
        await wrong.close()


async def test_idempotent_replay_and_key_reuse(a: Grpc) -> None:
    k = key()
    first = a.payments.CreatePayment(payment_request(amount=4321), metadata=a.md(idempotency_key=k))
    p1 = await first
    assert "idempotent-replayed" not in dict(await first.initial_metadata())
    again = a.payments.CreatePayment(payment_request(amount=4321), metadata=a.md(idempotency_key=k))
    p2 = await again
    assert p2 == p1  # the stored answer: same id, same gateway payment
    assert dict(await again.initial_metadata())["idempotent-replayed"] == "true"
    other = await a.payments.CreatePayment(
        payment_request(amount=4321), metadata=a.md(idempotency_key=key())
    )
    assert other.connector_payment_id != p1.connector_payment_id
    err = await fails(
        a.payments.CreatePayment(payment_request(amount=9999), metadata=a.md(idempotency_key=k))
    )
    assert err.code == grpc.StatusCode.ALREADY_EXISTS
    assert (err.detail.code, err.detail.field) == ("idempotency_key_reused", "Idempotency-Key")


async def test_idempotent_errors_are_replayed_too(a: Grpc) -> None:
    p = await a.payments.CreatePayment(payment_request(), metadata=a.md())
    k, req = key(), payments_pb2.CapturePaymentRequest(id=p.id)
    first = await fails(a.payments.CapturePayment(req, metadata=a.md(idempotency_key=k)))
    second = await fails(a.payments.CapturePayment(req, metadata=a.md(idempotency_key=k)))
    assert first.code == second.code == grpc.StatusCode.FAILED_PRECONDITION
    assert second.detail == first.detail  # the stored status, with the first request id
    assert second.initial["idempotent-replayed"] == "true"


async def test_idempotency_key_is_validated(a: Grpc) -> None:
    err = await fails(
        a.payments.CreatePayment(payment_request(), metadata=a.md(idempotency_key="a b"))
    )
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.detail.code == "invalid_idempotency_key"


async def test_a_client_giving_up_does_not_lose_the_payment(a: Grpc) -> None:
    """The slow card answers after 1.5 s; the client's deadline is 0.3 s. The payment
    still completes and is stored, so the retry with the same key gets it back."""
    k = key()
    req = payment_request("4000000000001000", amount=1111)
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await a.payments.CreatePayment(req, metadata=a.md(idempotency_key=k), timeout=0.3)
    assert exc.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    await asyncio.sleep(1.3)
    for _ in range(40):  # until the first call has finished (ABORTED: still in flight)
        call = a.payments.CreatePayment(req, metadata=a.md(idempotency_key=k))
        try:
            payment = await call
            break
        except grpc.aio.AioRpcError as err:
            assert err.code() == grpc.StatusCode.ABORTED, err
            await asyncio.sleep(0.25)
    else:
        pytest.fail("the abandoned call never finished: its key stayed in flight")
    assert payment.status == S.PAYMENT_STATUS_CAPTURED
    assert dict(await call.initial_metadata())["idempotent-replayed"] == "true"


async def test_request_id_is_echoed_or_generated(a: Grpc) -> None:
    call = a.connectors.ListConnectors(
        connectors_pb2.ListConnectorsRequest(), metadata=a.md(x_request_id="abc-123")
    )
    await call
    assert dict(await call.initial_metadata())["x-request-id"] == "abc-123"
    err = await fails(
        a.payments.GetPayment(payments_pb2.GetPaymentRequest(id="pay_nope"), metadata=a.md())
    )
    assert err.initial["x-request-id"].startswith("req_")
    assert err.detail.request_id == err.initial["x-request-id"]


async def test_connectors_are_listed_with_pagination(a: Grpc, b: Grpc) -> None:
    everything = await a.connectors.ListConnectors(
        connectors_pb2.ListConnectorsRequest(), metadata=a.md()
    )
    assert not everything.next_page_token
    sandbox = next(c for c in everything.connectors if c.name == "sandbox")
    assert {"authorize", "capture", "refund", "setup_mandate"} <= set(sandbox.flows)
    assert list(sandbox.accounts) == ["sandbox", "sandbox-fast-timeout"]
    paged: list[str] = []
    token = ""
    while True:
        page = await a.connectors.ListConnectors(
            connectors_pb2.ListConnectorsRequest(page_size=1, page_token=token), metadata=a.md()
        )
        assert len(page.connectors) == 1
        paged.append(page.connectors[0].name)
        token = page.next_page_token
        if not token:
            break
    assert paged == [c.name for c in everything.connectors] and len(paged) > 1
    err = await fails(
        a.connectors.ListConnectors(
            connectors_pb2.ListConnectorsRequest(page_token="garbage!"), metadata=a.md()
        )
    )
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and err.detail.code == "invalid_page_token"
    theirs = await b.connectors.ListConnectors(
        connectors_pb2.ListConnectorsRequest(), metadata=b.md()
    )
    assert list(next(c for c in theirs.connectors if c.name == "sandbox").accounts) == ["sandbox-b"]


async def test_routing_preview(a: Grpc) -> None:
    details = await a.payments.PreviewRouting(
        payments_pb2.PreviewRoutingRequest(payment=payment_request()), metadata=a.md()
    )
    assert [c.account for c in details.candidates] == ["sandbox"]


async def test_grpc_and_rest_are_one_service(a: Grpc, service: ServiceProcess) -> None:
    """A payment made over gRPC is captured over REST and synced back over gRPC."""
    p = await a.payments.CreatePayment(
        payment_request(capture_method=S.CAPTURE_METHOD_MANUAL), metadata=a.md()
    )
    rest = await Api(service.url, "key-a").ok("POST", f"/v1/payments/{p.id}/capture", {})
    assert rest["status"] == "captured"
    synced = await a.payments.GetPayment(payments_pb2.GetPaymentRequest(id=p.id), metadata=a.md())
    assert synced.status == S.PAYMENT_STATUS_CAPTURED


async def test_health_service(service: ServiceProcess) -> None:
    async with grpc.aio.insecure_channel(target(service)) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for name in ("", "connector_service.v1.PaymentService"):
            answer = await stub.Check(health_pb2.HealthCheckRequest(service=name))
            assert answer.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.Check(health_pb2.HealthCheckRequest(service="nope.Service"))
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND


async def test_logs_hold_no_card_numbers_or_keys(a: Grpc, service: ServiceProcess) -> None:
    await a.payments.CreatePayment(payment_request("5555555555554444"), metadata=a.md())
    await fails(a.payments.CreatePayment(payment_request("4242424242424241"), metadata=a.md()))
    logs = service.logs()
    assert "CreatePayment" in logs
    for secret in ("5555555555554444", "4242424242424241", "key-a", "key-b"):
        assert secret not in logs
    lines = [json.loads(line) for line in logs.splitlines() if '"method":"GRPC"' in line]
    assert lines and all(line["caller"] in ("shop-a", "shop-b", "-") for line in lines)


def test_reflection_lets_a_generic_client_call_the_api(service: ServiceProcess) -> None:
    """What grpcurl does: discover the services, fetch their descriptors from the server,
    build a request from JSON and call, with no generated code at all."""
    from google.protobuf import descriptor_pool, json_format, message_factory
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase,
    )

    with grpc.insecure_channel(target(service)) as channel:
        db = ProtoReflectionDescriptorDatabase(channel)
        services = set(db.get_services())
        assert {
            "connector_service.v1.PaymentService", "connector_service.v1.RefundService",
            "connector_service.v1.MandateService", "connector_service.v1.DisputeService",
            "connector_service.v1.WebhookService", "connector_service.v1.ConnectorService",
            "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection",
        } <= services  # fmt: skip
        pool = descriptor_pool.DescriptorPool(db)
        method = pool.FindServiceByName("connector_service.v1.PaymentService").methods_by_name[
            "CreatePayment"
        ]
        request_cls = message_factory.GetMessageClass(method.input_type)
        response_cls = message_factory.GetMessageClass(method.output_type)
        request = json_format.ParseDict(
            {
                "amount": {"minor_units": 2500, "currency": "EUR"},
                "captureMethod": "CAPTURE_METHOD_MANUAL",
                "paymentMethod": {
                    "card": {"number": "4242424242424242", "expMonth": 12, "expYear": 2034}
                },
            },
            request_cls(),
        )
        call = channel.unary_unary(
            "/connector_service.v1.PaymentService/CreatePayment",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_cls.FromString,
        )
        answer = json_format.MessageToDict(
            call(request, metadata=[("authorization", "Bearer key-a")]),
            preserving_proto_field_name=True,
        )
    assert answer["status"] == "PAYMENT_STATUS_AUTHORIZED"
    assert answer["amount"] == {"minor_units": "2500", "currency": "EUR"}
    assert answer["id"].startswith("pay_")


# --------------------------------------------------------------------------- issue 19


def _struct(**fields: object) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(fields)
    return out


async def test_connectors_list_their_options_and_split_support(a: Grpc) -> None:
    listed = await a.connectors.ListConnectors(
        connectors_pb2.ListConnectorsRequest(), metadata=a.md()
    )
    info = {c.name: c for c in listed.connectors}
    assert "payment.customer_id" in info["razorpay"].connector_options
    assert "refund.reverse_routing" in info["mollie"].connector_options
    assert info["razorpay"].splits and info["square"].splits and info["mollie"].splits
    assert not info["braintree"].splits
    assert "payment.purchase_order_number" in info["braintree"].connector_options


async def test_options_splits_and_typos_over_grpc(a: Grpc) -> None:
    """A live server decodes each Struct block, validates every block present (also a
    block for a connector that does not serve), and takes splits."""
    req = payment_request(
        amount=1000, splits=[marketplace_pb2.Split(destination="dest-1", amount=600)],
        application_fee=100,
    )  # fmt: skip
    req.connector_options["sandbox"].CopyFrom(_struct(descriptor_suffix="G1"))
    req.connector_options["square"].CopyFrom(_struct(team_member_id="TM_1"))
    payment = await a.payments.CreatePayment(req, metadata=a.md())
    assert payment.status == S.PAYMENT_STATUS_CAPTURED
    bad = payment_request()
    bad.connector_options["razorpay"].CopyFrom(_struct(on_hold=True, no_such="x"))
    err = await fails(a.payments.CreatePayment(bad, metadata=a.md()))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.info.metadata["code"] == "unknown_option"
    assert err.info.metadata["field"] == "connector_options.razorpay.no_such"
