"""Disputes end to end through a real service process on loopback, on the sandbox.

The whole lifecycle: card 4000000000000259 is charged and then disputed (needs_response,
``dispute.opened``); evidence moves it to ``under_review`` (``dispute.updated``); the
evidence text decides it (``winning_evidence`` -> won, ``losing_evidence`` -> lost, each
with its event); accepting one makes it ``accepted``. Every event carries the very dispute
id the API answers, and the disputed payment's id. Tenancy, the gateway's evidence limits
(checked before anything is sent) and closed disputes are refused with the field named.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, free_port, start_service
from tests.server.client import Api
from tests.webhooks.helpers import ENDPOINT_SECRET, SANDBOX_SECRET, Receiver

RECEIVER_PORT = free_port()
PDF = b"%PDF-1.4 receipt of order 1234"


def config(receiver_url: str) -> str:
    return f"""
default_account = "sandbox"

[server]
max_body_bytes = 8000000  # evidence files travel as base64 in the JSON body

[webhooks]
sandbox_events = "http"
retry_schedule_seconds = [0.2, 0.2, 0.2]
poll_interval_seconds = 0.1

[[accounts]]
id = "sandbox"
connector = "sandbox"
credentials = {{ webhook_secret = "{SANDBOX_SECRET}" }}

[[accounts]]
id = "sandbox-b"
connector = "sandbox"

[[webhook_endpoints]]
id = "shop"
url = "{receiver_url}"
secret = "{ENDPOINT_SECRET}"
accounts = ["sandbox"]

[[callers]]
id = "shop-a"
key_sha256 = "{hash_key("key-a")}"
accounts = ["sandbox"]

[[callers]]
id = "shop-b"
key_sha256 = "{hash_key("key-b")}"
accounts = ["sandbox-b"]
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(
        tmp_path_factory.mktemp("disputes"), config(f"http://127.0.0.1:{RECEIVER_PORT}/hooks")
    )
    yield svc
    svc.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver(port=RECEIVER_PORT).start()
    yield r
    await r.stop()


@pytest.fixture
def a(service: ServiceProcess) -> Api:
    return Api(service.url, "key-a")


@pytest.fixture
def b(service: ServiceProcess) -> Api:
    return Api(service.url, "key-b")


def _events(receiver: Receiver, connector_dispute_id: str) -> list[dict[str, Any]]:
    out = []
    for d in receiver.accepted():
        doc = d.json()
        dispute = doc["data"].get("dispute")
        if dispute and dispute["connector_dispute_id"] == connector_dispute_id:
            out.append(doc)
    return out


async def _open(a: Api, receiver: Receiver) -> tuple[dict[str, Any], dict[str, Any]]:
    """A disputed payment and the dispute.opened event about it."""
    payment = await a.pay("4000000000000259")
    assert payment["status"] == "captured"

    def opened() -> list[dict[str, Any]]:
        return [
            d.json()
            for d in receiver.accepted()
            if d.json()["type"] == "dispute.opened"
            and d.json()["data"]["dispute"]["payment_id"] == payment["id"]
        ]

    await receiver.wait_for(lambda: len(opened()) == 1)
    return payment, opened()[0]


def _file(**fields: Any) -> dict[str, Any]:
    return {
        "type": "receipt",
        "file": base64.b64encode(PDF).decode(),
        "file_name": "receipt.pdf",
        "content_type": "application/pdf",
    } | fields


async def test_a_dispute_is_won_with_evidence(a: Api, receiver: Receiver) -> None:
    payment, event = await _open(a, receiver)
    opened = event["data"]["dispute"]
    did = opened["id"]
    assert did.startswith("dp_")
    assert event["connector_payment_id"] == payment["connector_payment_id"]

    got = await a.ok("GET", f"/v1/disputes/{did}")
    # The event's dispute id is the API's, and the dispute names the payment's API id.
    assert got["id"] == did and got["payment_id"] == payment["id"]
    assert got["status"] == "needs_response" and got["evidence_submitted"] is False
    assert (got["amount"], got["currency"]) == (payment["amount"], payment["currency"])
    assert got["reason"] == "fraudulent" and got["connector_reason"] == "fraudulent"
    assert got["evidence_due_by"] > got["created"]
    listed = await a.ok("GET", "/v1/disputes?account=sandbox&limit=100")
    assert [d["id"] for d in listed["data"] if d["payment_id"] == payment["id"]] == [did]

    staged = await a.ok("POST", f"/v1/disputes/{did}/evidence", {
        "evidence": [{"type": "product_description", "text": "A red bicycle"}],
        "submit": False,
    })  # fmt: skip
    assert staged["status"] == "needs_response" and staged["evidence_submitted"] is False

    answered = await a.ok("POST", f"/v1/disputes/{did}/evidence", {
        "evidence": [
            {"type": "customer_communication", "text": "He wrote: winning_evidence"},
            _file(),
        ],
    })  # fmt: skip
    assert answered["id"] == did
    assert answered["status"] == "under_review" and answered["evidence_submitted"] is True

    def types() -> list[str]:
        return [e["type"] for e in _events(receiver, opened["connector_dispute_id"])]

    await receiver.wait_for(lambda: "dispute.won" in types())
    events = _events(receiver, opened["connector_dispute_id"])
    assert {e["data"]["dispute"]["id"] for e in events} == {did}
    assert {e["data"]["dispute"]["payment_id"] for e in events} == {payment["id"]}
    updated = [e for e in events if e["type"] == "dispute.updated"]
    assert [e["data"]["dispute"]["status"] for e in updated] == ["under_review"]
    [won] = [e for e in events if e["type"] == "dispute.won"]
    assert won["data"]["dispute"]["status"] == "won"
    final = await a.ok("GET", f"/v1/disputes/{did}")
    assert final["status"] == "won" and final["evidence_submitted"] is True

    status, err, _ = await a.call("POST", f"/v1/disputes/{did}/accept")
    assert (status, err["error"]["code"], err["error"]["field"]) == (409, "dispute_not_open", "id")


async def test_a_dispute_is_lost_with_losing_evidence(a: Api, receiver: Receiver) -> None:
    _, event = await _open(a, receiver)
    did = event["data"]["dispute"]["id"]
    answered = await a.ok("POST", f"/v1/disputes/{did}/evidence", {
        "evidence": [{"type": "uncategorized", "text": "losing_evidence"}],
    })  # fmt: skip
    assert answered["status"] == "under_review"
    gid = event["data"]["dispute"]["connector_dispute_id"]
    await receiver.wait_for(lambda: "dispute.lost" in [e["type"] for e in _events(receiver, gid)])
    assert (await a.ok("GET", f"/v1/disputes/{did}"))["status"] == "lost"
    status, err, _ = await a.call("POST", f"/v1/disputes/{did}/evidence", {
        "evidence": [{"type": "uncategorized", "text": "more"}],
    })  # fmt: skip
    assert (status, err["error"]["code"]) == (409, "dispute_not_open")


async def test_accepting_a_dispute(a: Api, receiver: Receiver) -> None:
    payment, event = await _open(a, receiver)
    did = event["data"]["dispute"]["id"]
    accepted = await a.ok("POST", f"/v1/disputes/{did}/accept")
    assert accepted["id"] == did and accepted["status"] == "accepted"
    assert accepted["payment_id"] == payment["id"]
    gid = event["data"]["dispute"]["connector_dispute_id"]

    def closing() -> list[dict[str, Any]]:
        return [e for e in _events(receiver, gid) if e["type"] == "dispute.lost"]

    await receiver.wait_for(lambda: len(closing()) == 1)
    assert closing()[0]["data"]["dispute"]["status"] == "accepted"
    assert closing()[0]["data"]["dispute"]["id"] == did
    assert (await a.ok("GET", f"/v1/disputes/{did}"))["status"] == "accepted"


async def test_another_tenant_sees_no_dispute(a: Api, b: Api, receiver: Receiver) -> None:
    _, event = await _open(a, receiver)
    did = event["data"]["dispute"]["id"]
    for method, path, body in [
        ("GET", f"/v1/disputes/{did}", None),
        ("POST", f"/v1/disputes/{did}/accept", None),
        ("POST", f"/v1/disputes/{did}/evidence", {"evidence": [{"type": "uncategorized",
                                                                "text": "x"}]}),
    ]:  # fmt: skip
        status, err, _ = await b.call(method, path, body)
        assert (status, err["error"]["code"], err["error"]["field"]) == (
            404,
            "dispute_not_found",
            "id",
        ), path
    status, err, _ = await b.call("GET", "/v1/disputes?account=sandbox")
    assert (status, err["error"]["code"], err["error"]["field"]) == (
        403,
        "account_not_allowed",
        "account",
    )
    assert (await b.ok("GET", "/v1/disputes?account=sandbox-b"))["data"] == []
    # The dispute is untouched: still open for its own tenant.
    assert (await a.ok("GET", f"/v1/disputes/{did}"))["status"] == "needs_response"


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        (_file(content_type="application/zip"), "evidence[1].content_type",
         "evidence_content_type_not_supported"),
        (_file(file=base64.b64encode(b"x" * 1_000_001).decode()), "evidence[1].file",
         "evidence_file_too_large"),
        (_file(text="both"), "evidence[1].text", "invalid_field"),
        (_file(file_name=None), "evidence[1].file_name", "invalid_field"),
        ({"type": "receipt"}, "evidence[1].text", "invalid_field"),
        ({"type": "selfie", "text": "x"}, "evidence[1].type", "invalid_field"),
        (_file(file="not base64!"), "evidence[1].file", "invalid_field"),
    ],
)  # fmt: skip
async def test_evidence_the_gateway_would_refuse_is_a_400_naming_the_field(
    a: Api, receiver: Receiver, item: dict[str, Any], field: str, code: str
) -> None:
    _, event = await _open(a, receiver)
    did = event["data"]["dispute"]["id"]
    item = {k: v for k, v in item.items() if v is not None}
    body = {"evidence": [{"type": "uncategorized", "text": "winning_evidence"}, item]}
    status, err, _ = await a.call("POST", f"/v1/disputes/{did}/evidence", body)
    assert (status, err["error"]["field"], err["error"]["code"]) == (400, field, code)
    # Nothing reached the gateway: the dispute still needs a response.
    got = await a.ok("GET", f"/v1/disputes/{did}")
    assert got["status"] == "needs_response" and got["evidence_submitted"] is False


async def test_too_many_files(a: Api, receiver: Receiver) -> None:
    _, event = await _open(a, receiver)
    did = event["data"]["dispute"]["id"]
    status, err, _ = await a.call(
        "POST", f"/v1/disputes/{did}/evidence", {"evidence": [_file()] * 4}
    )
    assert (status, err["error"]["code"], err["error"]["field"]) == (
        400,
        "too_many_evidence_files",
        "evidence[3]",
    )


async def test_unknown_and_forged_dispute_ids(a: Api) -> None:
    for did in ("dp_nope", "pay_x", "dp_" + "A" * 43):
        status, err, _ = await a.call("GET", f"/v1/disputes/{did}")
        assert (status, err["error"]["code"]) == (404, "dispute_not_found"), did
    status, err, _ = await a.call("GET", "/v1/disputes?account=sandbox&limit=0")
    assert (status, err["error"]["field"]) == (400, "limit")
