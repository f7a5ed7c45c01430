"""No credential, card number, CVC or token reaches a log line, whatever the path.

Every credential field of every registered connector gets a recognisable fake value in an
account; requests then run through every flow of every connector at DEBUG, against a
careless gateway that echoes everything it is sent (headers, body, URL) back in its
answers, answers with errors, and fails with exceptions quoting the request. Per-request
credentials, webhooks and careless log calls are driven too. The captured output, every
logger at DEBUG through the service's formatter, must hold none of the values.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from connector_service.config import hash_key
from connector_service.connectors.base import Headers, HttpRequest, HttpResponse
from connector_service.connectors.registry import load_connectors
from connector_service.executor.http import Executor, Timeouts
from connector_service.observability.logging import RedactingFormatter
from connector_service.runtime import Runtime
from tests.ids_support import seed_mandate, seed_payment, seed_refund
from tests.observability.asgi import config, running

API_KEY = "caller-api-key-Qm4vT9"
ACCESS_TOKEN = "gateway-access-token-Lw8pR2"
PAN, CVC = "378282246310005", "7319"
CONNECTORS = load_connectors()


def fake(prefix: str, connector: str, field: str) -> str:
    return f"{prefix}-{connector}-{field}-Zq7xK".replace("_", "")


def accounts() -> list[dict[str, Any]]:
    out = []
    for name, connector in CONNECTORS.items():
        meta = connector.meta
        out.append({
            "id": f"acct-{name}",
            "connector": name,
            "credentials": {f.name: fake("cfg", name, f.name) for f in meta.credential_fields},
            "options": {f.name: "BenchMerchantECOM" for f in meta.option_fields if f.required},
        })  # fmt: skip
    return out


def secrets() -> list[str]:
    values = [API_KEY, ACCESS_TOKEN, PAN]
    for name, connector in CONNECTORS.items():
        fields = [f.name for f in connector.meta.credential_fields]
        for prefix in ("cfg", "req"):
            vals = [fake(prefix, name, f) for f in fields]
            values += vals
            # A Basic header built from any two of them (base64 hides the literal).
            values += [
                base64.b64encode(f"{a}:{b}".encode()).decode()
                for a, b in itertools.permutations(vals, 2)
            ]
    return values


class EchoGateway:
    """A careless gateway: echoes everything it was sent, in the mode of the round."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.calls = 0
        self.flows: set[str] = set()

    async def send(self, request: HttpRequest, timeouts: Timeouts) -> HttpResponse:
        self.calls += 1
        self.flows.add(request.flow)
        echo = {
            "url": request.url,
            "headers": dict(request.headers),
            "body": (request.body or b"").decode(errors="replace"),
        }
        if self.mode == "raise":
            raise RuntimeError(f"transport failed sending {json.dumps(echo)}")
        status = {"ok": 200, "created": 201, "declined": 402, "bad": 400, "server": 500}[self.mode]
        body: dict[str, Any] = {
            "id": "gw_123",
            "status": "succeeded" if status < 300 else "failed",
            "echo": echo,
            "error": {"message": json.dumps(echo), "code": "echo"},
            "message": json.dumps(echo),
        }
        if request.flow == "access_token" or "token" in request.url:
            body |= {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600}
        auth = request.headers.get("Authorization", "")
        headers = Headers({"content-type": "application/json", "x-echo-authorization": auth})
        return HttpResponse(status, headers, json.dumps(body).encode())


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(RedactingFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


CARD = {"type": "card", "number": PAN, "exp_month": 12, "exp_year": 2034, "cvc": CVC,
        "holder_name": "Ada Lovelace"}  # fmt: skip


async def test_no_secret_reaches_any_log_line(captured: Capture) -> None:
    cfg = config({
        "server": {"allow_request_credentials": True, "log_level": "debug"},
        "accounts": accounts(),
        "callers": [{"id": "shop", "key_sha256": hash_key(API_KEY), "platform": True}],
    })  # fmt: skip
    gateway = EchoGateway()
    runtime = Runtime(cfg, executor=Executor(transport=gateway, connect_retries=0))
    async with running(cfg, runtime, key=API_KEY) as c:
        for name, connector in CONNECTORS.items():
            account = f"acct-{name}"
            pay = {"amount": 1000, "currency": "EUR", "capture_method": "manual",
                   "account": account, "payment_method": CARD,
                   "description": f"card {PAN} cvc={CVC}",
                   "customer": {"id": "cus_1", "email": "ada@example.com"}}  # fmt: skip
            res = runtime.service.resources
            pid = await seed_payment(res, account, name, "gw_123")
            rid = await seed_refund(res, account, name, "gwr_1", "gw_123")
            mid = await seed_mandate(res, account, name, "gwm_1")
            for mode in ("ok", "created", "declined", "bad", "server", "raise"):
                gateway.mode = mode
                await c.request("POST", "/v1/payments", pay)
                await c.request("POST", "/v1/payments", {**pay, "payment_method": {
                    "type": "mandate", "mandate_id": mid}})  # fmt: skip
                await c.request("GET", f"/v1/payments/{pid}")
                await c.request("POST", f"/v1/payments/{pid}/capture", {"amount": 500})
                await c.request("POST", f"/v1/payments/{pid}/void", {})
                await c.request("POST", f"/v1/payments/{pid}/complete", {"params": {}})
                await c.request("POST", f"/v1/payments/{pid}/refunds", {"amount": 500})
                await c.request("GET", f"/v1/refunds/{rid}")
                await c.request("POST", "/v1/mandates", {
                    "currency": "EUR", "account": account, "payment_method": CARD,
                    "customer": {"id": "cus_1", "email": "ada@example.com"}})  # fmt: skip
                await c.request("POST", f"/v1/mandates/{mid}/revoke", {})
            # Per-request credentials (a platform's merchant keys) in the header.
            gateway.mode = "ok"
            header = {
                "connector": name,
                "credentials": {f.name: fake("req", name, f.name)
                                for f in connector.meta.credential_fields},
                "options": {f.name: "BenchMerchantECOM"
                            for f in connector.meta.option_fields if f.required},
            }  # fmt: skip
            plat = {k: v for k, v in pay.items() if k != "account"} | {"connector": name}
            for mode in ("ok", "bad", "raise"):
                gateway.mode = mode
                await c.request(
                    "POST",
                    "/v1/payments",
                    plat,
                    headers={"x-connector-credentials": json.dumps(header)},
                )
            bad_header = json.dumps(header)[:-5]  # unparseable: the error must not quote it
            await c.request(
                "POST", "/v1/payments", plat, headers={"x-connector-credentials": bad_header}
            )
            # Webhooks: unsigned, wrongly signed, and quoting the secrets back.
            junk = json.dumps({"type": "payment.succeeded", "echo": header}).encode()
            for path in (f"/v1/webhooks/{name}", f"/v1/webhooks/{name}/{account}"):
                await c.request(
                    "POST",
                    path,
                    json.loads(junk),
                    headers={
                        "stripe-signature": "t=1,v1=00",
                        "authorization": f"Basic {fake('cfg', name, 'x')}",
                    },
                )
        assert gateway.calls > 10 * len(CONNECTORS)
        if any(c.meta.needs_access_token for c in CONNECTORS.values()):
            assert "access_token" in gateway.flows  # so the token was handed out and used

    # Careless log calls anywhere in the code base go through the same formatter, which
    # knows every configured credential.
    careless = logging.getLogger("connector_service.careless")
    for account in accounts():
        for value in account["credentials"].values():
            careless.info("value %s", value, extra={"value": value})
            careless.error("failed with %r", {"api_key": value})
    careless.info(f"card {PAN} cvc: {CVC} and Authorization: Bearer {ACCESS_TOKEN}")

    output = "\n".join(captured.lines)
    assert "connector_service.transcript" in output, "DEBUG transcripts were captured"
    assert "connector_service.access" in output
    assert "Traceback" in output, "the exception path was exercised"
    for value in secrets():
        where = output.find(value)
        if where >= 0:
            line_start = output.rfind("\n", 0, where) + 1
            line_end = output.find("\n", where)
            pytest.fail(f"{value} leaked in: {output[line_start:line_end]}")
    cvc = re.compile(rf"(?i)(cvc|cvv|cvn|security_?code|cvd)\W{{0,8}}{CVC}")
    assert not cvc.search(output), cvc.search(output)


async def test_no_secret_reaches_any_log_line_over_grpc(captured: Capture) -> None:
    """The same through gRPC: per-request credentials come in ``x-connector-credentials``
    metadata and must be masked in every line written while the call runs (the careless
    gateway echoes them back in its answers, which the transcripts log at DEBUG)."""
    from connector_service.grpc_gen.v1 import common_pb2, payments_pb2, refunds_pb2
    from tests.observability.asgi import running_both

    cfg = config({
        "server": {"allow_request_credentials": True, "log_level": "debug"},
        "accounts": accounts(),
        "callers": [{"id": "shop", "key_sha256": hash_key(API_KEY), "platform": True}],
    })  # fmt: skip
    gateway = EchoGateway()
    runtime = Runtime(cfg, executor=Executor(transport=gateway, connect_retries=0))
    card = common_pb2.PaymentMethod(
        card=common_pb2.Card(number=PAN, exp_month=12, exp_year=2034, cvc=CVC)
    )
    money = common_pb2.Money(minor_units=1000, currency="EUR")
    async with running_both(cfg, runtime, key=API_KEY) as (_, g):
        for name, connector in CONNECTORS.items():
            header = json.dumps({
                "connector": name,
                "credentials": {f.name: fake("req", name, f.name)
                                for f in connector.meta.credential_fields},
                "options": {f.name: "BenchMerchantECOM"
                            for f in connector.meta.option_fields if f.required},
            })  # fmt: skip
            md = g.md(x_connector_credentials=header)
            res = runtime.service.resources
            pid = await seed_payment(res, f"@{name}", name, "gw_123")
            rid = await seed_refund(res, f"@{name}", name, "gwr_1", "gw_123")
            for mode in ("ok", "created", "declined", "bad", "server", "raise"):
                gateway.mode = mode
                calls = [
                    g.payments.CreatePayment(
                        payments_pb2.CreatePaymentRequest(
                            amount=money,
                            payment_method=card,
                            connector=name,
                            capture_method=common_pb2.CAPTURE_METHOD_MANUAL,
                            description=f"card {PAN} cvc={CVC}",
                        ),
                        metadata=md,
                    ),
                    g.payments.GetPayment(payments_pb2.GetPaymentRequest(id=pid), metadata=md),
                    g.payments.CapturePayment(
                        payments_pb2.CapturePaymentRequest(id=pid), metadata=md
                    ),
                    g.refunds.CreateRefund(
                        refunds_pb2.CreateRefundRequest(payment_id=pid), metadata=md
                    ),
                    g.refunds.GetRefund(refunds_pb2.GetRefundRequest(id=rid), metadata=md),
                ]
                for call in calls:
                    with contextlib.suppress(grpc.aio.AioRpcError):
                        await call
            bad = g.md(x_connector_credentials=header[:-5])
            with pytest.raises(grpc.aio.AioRpcError):
                await g.payments.GetPayment(payments_pb2.GetPaymentRequest(id=pid), metadata=bad)
        assert gateway.calls > 5 * len(CONNECTORS)

    output = "\n".join(captured.lines)
    assert "connector_service.transcript" in output, "DEBUG transcripts were captured"
    for value in secrets():
        where = output.find(value)
        if where >= 0:
            line_start = output.rfind("\n", 0, where) + 1
            line_end = output.find("\n", where)
            pytest.fail(f"{value} leaked in: {output[line_start:line_end]}")
    cvc = re.compile(rf"(?i)(cvc|cvv|cvn|security_?code|cvd)\W{{0,8}}{CVC}")
    assert not cvc.search(output), cvc.search(output)
    assert '"transport":"grpc"' in output
