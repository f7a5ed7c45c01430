"""The Python client against a real service on loopback: every flow, typed results,
typed errors; and the examples run."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector_service.config import hash_key
from connector_service_client import (
    AsyncClient,
    AuthenticationError,
    Client,
    ConflictError,
    ConnectorError,
    IdempotencyConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from connector_service_client import models as api
from tests.conftest import ServiceProcess, start_service

ROOT = Path(__file__).resolve().parents[2]
CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034,
        "cvc": "123"}  # fmt: skip
CONFIG = f"""
[[accounts]]
id = "sandbox"
connector = "sandbox"

[[accounts]]
id = "sandbox-b"
connector = "sandbox"

[[callers]]
id = "shop-a"
key_sha256 = "{hash_key("key-a")}"
accounts = ["sandbox"]
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("sdk"), CONFIG)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def cs(service: ServiceProcess) -> Iterator[Client]:
    with Client(service.url, "key-a", retry_backoff=0.01) as client:
        yield client


def pay(number: str = "4242424242424242", **fields: object) -> dict[str, object]:
    return {"amount": 1000, "currency": "EUR", "payment_method": {**CARD, "number": number},
            **fields}  # fmt: skip


def test_sync_authorize_capture_refund_and_sync(cs: Client) -> None:
    payment = cs.create_payment(pay(amount=5000, capture_method="manual"))
    assert isinstance(payment, api.Payment)
    assert payment.status == "authorized" and payment.amount == 5000
    captured = cs.capture(payment.id, {"amount": 3000})
    assert captured.status == "partially_captured" and captured.amount_captured == 3000
    r1 = cs.refund(payment.id, api.RefundCreate(amount=1000))
    r2 = cs.refund(payment.id, {"amount": 2000})
    assert isinstance(r1, api.Refund) and r1.status == r2.status == "succeeded"
    with pytest.raises(InvalidRequestError) as exc:
        cs.refund(payment.id, {"amount": 1})
    assert exc.value.code == "amount_too_large" and exc.value.field == "amount"
    assert exc.value.http_status == 400 and exc.value.request_id
    assert cs.get_payment(payment.id).amount_captured == 3000
    assert cs.get_refund(r2.id).amount == 2000


def test_sync_void_and_state_conflict(cs: Client) -> None:
    payment = cs.create_payment(pay(capture_method="manual"))
    assert cs.void(payment.id).status == "voided"
    with pytest.raises(ConflictError) as exc:
        cs.capture(payment.id)
    assert exc.value.code == "payment_not_capturable" and exc.value.type == "conflict"


def test_declines_are_results_not_exceptions(cs: Client) -> None:
    payment = cs.create_payment(pay("4000000000009995"))
    assert payment.status == "failed"
    assert payment.failure is not None and payment.failure.code == "insufficient_funds"
    assert payment.failure.category == "soft" and payment.failure.advice_code == "02"


def test_structs_are_sent_with_the_real_card_number(cs: Client) -> None:
    """The struct form of a card is the client's own model, whose number is a plain str:
    it is sent as given (no ``Secret`` wrapper to forget, no masked number to fail the
    Luhn check)."""
    card = api.Card(number="5555555555554444", exp_month=12, exp_year=2034)
    payment = cs.create_payment(api.PaymentCreate(amount=700, currency="EUR", payment_method=card))
    assert payment.status == "captured"
    assert payment.payment_method is not None and payment.payment_method.card is not None
    assert payment.payment_method.card.last4 == "4444"


def test_typed_errors(cs: Client, service: ServiceProcess) -> None:
    with pytest.raises(NotFoundError) as nf:
        cs.get_payment("pay_nope")
    assert nf.value.code == "payment_not_found" and nf.value.http_status == 404
    with pytest.raises(InvalidRequestError) as bad:
        cs.create_payment(pay("4242424242424241"))
    assert bad.value.code == "invalid_card_number" and bad.value.field == "payment_method.number"
    assert "4242424242424241" not in str(bad.value)
    with pytest.raises(PermissionDeniedError):
        cs.create_payment(pay(account="sandbox-b"))
    with pytest.raises(ConnectorError) as unavailable:
        cs.create_payment(pay("4000000000000119"))
    assert unavailable.value.code == "gateway_unavailable" and unavailable.value.http_status == 503
    with Client(service.url, "wrong") as other, pytest.raises(AuthenticationError) as auth:
        other.connectors()
    assert auth.value.code == "invalid_api_key"


def test_idempotency_keys(cs: Client) -> None:
    key = f"order-{uuid.uuid4().hex}"
    first = cs.create_payment(pay(amount=1234), idempotency_key=key)
    again = cs.create_payment(pay(amount=1234), idempotency_key=key)
    assert again == first
    with pytest.raises(IdempotencyConflictError) as exc:
        cs.create_payment(pay(amount=999), idempotency_key=key)
    assert exc.value.code == "idempotency_key_reused"
    # without a key, each call gets its own: two calls are two payments
    assert cs.create_payment(pay()).id != cs.create_payment(pay()).id


def test_request_id_is_sent(cs: Client) -> None:
    with pytest.raises(NotFoundError) as exc:
        cs.get_refund("re_nope", request_id="trace-42")
    assert exc.value.request_id == "trace-42"


def test_connectors_list(cs: Client) -> None:
    page = cs.list_connectors()
    assert page.object == "list" and not page.has_more
    sandbox = next(c for c in cs.connectors() if c.name == "sandbox")
    assert isinstance(sandbox, api.ConnectorInfo) and sandbox.accounts == ["sandbox"]


def test_disputes(cs: Client) -> None:
    disputed = {**CARD, "number": "4000000000000259"}
    payments = [cs.create_payment({"amount": 700, "currency": "EUR", "payment_method": disputed})
                for _ in range(2)]  # fmt: skip
    page = cs.list_disputes("sandbox", limit=100)
    assert isinstance(page, api.DisputeList)
    by_payment = {d.payment_id: d for d in page.data}
    first, second = (by_payment[p.id] for p in payments)
    got = cs.get_dispute(first.id)
    assert isinstance(got, api.Dispute) and got.id == first.id
    assert (got.status, got.amount, got.reason) == ("needs_response", 700, "fraudulent")
    with pytest.raises(InvalidRequestError) as exc:
        cs.submit_dispute_evidence(first.id, {"evidence": [
            {"type": "receipt", "file": "UEsDBA==", "file_name": "r.zip",
             "content_type": "application/zip"}]})  # fmt: skip
    assert exc.value.field == "evidence[0].content_type"
    answered = cs.submit_dispute_evidence(
        first.id,
        api.DisputeEvidenceCreate(
            evidence=[
                api.EvidenceItem(type="uncategorized", text="winning_evidence"),
                api.EvidenceItem(type="receipt", file="JVBERi0xLjQ=", file_name="r.pdf",
                                 content_type="application/pdf"),
            ]
        ),
    )  # fmt: skip
    assert answered.status == "under_review" and answered.evidence_submitted
    assert cs.get_dispute(first.id).status == "won"
    accepted = cs.accept_dispute(second.id)
    assert accepted.id == second.id and accepted.status == "accepted"
    with pytest.raises(ConflictError) as conflict:
        cs.accept_dispute(first.id)
    assert conflict.value.code == "dispute_not_open"


async def test_async_client_mandate_and_three_ds(service: ServiceProcess) -> None:
    async with AsyncClient(service.url, "key-a") as cs:
        mandate = await cs.create_mandate(
            {"currency": "EUR", "payment_method": CARD, "customer": {"id": "cust-9"}}
        )
        assert isinstance(mandate, api.Mandate) and mandate.status == "active"
        mit = {"amount": 1500, "currency": "EUR",
               "payment_method": {"type": "mandate", "mandate_id": mandate.id}}  # fmt: skip
        assert (await cs.create_payment(mit)).status == "captured"
        assert (await cs.revoke_mandate(mandate.id)).status == "revoked"
        with pytest.raises(ConflictError) as conflict:
            await cs.create_payment(mit)
        assert conflict.value.code == "mandate_not_active"

        challenge = await cs.create_payment(pay("4000000000003253", capture_method="manual"))
        assert challenge.status == "requires_action" and challenge.next_action is not None
        import aiohttp

        async with aiohttp.ClientSession() as http:
            await http.post(challenge.next_action.url, data={"result": "complete"})
        done = await cs.complete_payment(challenge.id)
        assert done.status == "authorized"
        names = [c.name async for c in cs.iter_connectors()]
        assert "sandbox" in names


async def test_sync_client_works_inside_a_running_event_loop(service: ServiceProcess) -> None:
    with Client(service.url, "key-a") as cs:
        assert cs.create_payment(pay()).status == "captured"
    await asyncio.sleep(0)


def test_the_examples_run(service: ServiceProcess) -> None:
    env = {**os.environ, "CS_URL": service.url, "CS_API_KEY": "key-a",
           "CS_GRPC_TARGET": f"127.0.0.1:{service.env['CS_GRPC_PORT']}"}  # fmt: skip
    for example in ("python_client.py", "grpc_client.py"):
        result = subprocess.run(
            [sys.executable, str(ROOT / "examples" / example)],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "refund" in result.stdout and "succeeded" in result.stdout.lower(), result.stdout


def test_the_readme_example_runs(
    service: ServiceProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Clients: gRPC, Python, TypeScript", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) <= 6
    code = code.replace("http://127.0.0.1:8080", service.url).replace(
        "api_key=None", 'api_key="key-a"'
    )
    exec(compile(code, "README.md", "exec"), {})  # our own README
    assert capsys.readouterr().out.split() == ["captured", "succeeded"]
