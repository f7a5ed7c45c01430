"""Webhooks through a real service process on loopback: the sandbox gateway POSTs signed
webhooks to the service's own receive URL; the service delivers unified, Standard Webhooks
signed events to a client application; operators list and replay through the admin API
and the CLI; the stateless /parse endpoint translates without storing; bad requests get
the right 4xx; the metrics show the queue."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, free_port, start_service
from tests.server.client import Api, card
from tests.webhooks.helpers import (
    ENDPOINT_SECRET,
    SANDBOX_SECRET,
    Receiver,
    pg_schema,
    sandbox_event,
    sandbox_payment,
    signed,
    verify_standard,
)

MARKER = "SERVER-BODY-MARKER-91"


def config(receiver_url: str) -> str:
    return f"""
default_account = "sandbox"

[server]
allow_request_credentials = true

[webhooks]
sandbox_events = "http"
retry_schedule_seconds = [0.2, 0.2, 0.2]
timeout_seconds = 2
lease_seconds = 4
poll_interval_seconds = 0.1
max_body_bytes = 4096

[[accounts]]
id = "sandbox"
connector = "sandbox"
credentials = {{ webhook_secret = "{SANDBOX_SECRET}" }}

[[accounts]]
id = "sandbox-other"
connector = "sandbox"

[[webhook_endpoints]]
id = "shop"
url = "{receiver_url}"
secret = "{ENDPOINT_SECRET}"
accounts = ["sandbox"]

[[callers]]
id = "shop"
key_sha256 = "{hash_key("key-shop")}"
accounts = ["sandbox"]

[[callers]]
id = "ops"
key_sha256 = "{hash_key("key-ops")}"
accounts = []
admin = true

[[callers]]
id = "platform"
key_sha256 = "{hash_key("key-platform")}"
accounts = []
platform = true
"""


@pytest.fixture(scope="module")
def tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("webhooks-server")


# The service is started once per backend, so its endpoint URL is fixed; each test gets
# a fresh receiver on that port (and filters out what earlier tests left in flight).
RECEIVER_PORT = free_port()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver(port=RECEIVER_PORT).start()
    yield r
    await r.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def service(request: pytest.FixtureRequest, tmp_dir: Path) -> Iterator[ServiceProcess]:
    with ExitStack() as stack:
        env: dict[str, str] = {}
        if request.param == "postgres":
            env["CS_STORAGE_URL"] = stack.enter_context(
                pg_schema(request.getfixturevalue("postgres_dsn"))
            )
        home = tmp_dir / request.param
        home.mkdir()
        svc = start_service(home, config(f"http://127.0.0.1:{RECEIVER_PORT}/hooks"), env=env)
        stack.callback(svc.stop)
        yield svc


def by_type(receiver: Receiver) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for d in receiver.accepted():
        doc = d.json()
        out.setdefault(doc["type"], []).append(doc)
    return out


async def test_sandbox_events_reach_the_client_signed_and_unified(
    service: ServiceProcess, receiver: Receiver
) -> None:
    shop = Api(service.url, "key-shop")
    payment = await shop.pay()
    refund = await shop.ok("POST", f"/v1/payments/{payment['id']}/refunds", {"amount": 400})
    declined = await shop.call(
        "POST",
        "/v1/payments",
        {"amount": 1000, "currency": "EUR", "payment_method": card("4000000000000002")},
    )
    disputed = await shop.pay("4000000000000259")
    mandate = await shop.ok("POST", "/v1/mandates", {
        "currency": "EUR", "customer": {"id": "cus_1"}, "payment_method": card()})  # fmt: skip
    await shop.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert declined[0] == 201
    await receiver.wait_for(lambda: len(receiver.accepted()) >= 7, within=15)
    for d in receiver.accepted():
        assert verify_standard(d)["id"] == d.webhook_id
    events = by_type(receiver)
    pid = payment["connector_payment_id"]
    [captured] = [
        e for e in events["payment.captured"] if e["data"]["payment"]["connector_payment_id"] == pid
    ]
    # The same document, and the same id, as the API answered.
    assert captured["data"]["payment"]["id"] == payment["id"]
    assert captured["data"]["payment"]["status"] == "captured"
    assert captured["account"] == "sandbox" and captured["connector"] == "sandbox"
    [refunded] = events["refund.succeeded"]
    assert refunded["data"]["refund"]["connector_refund_id"] == refund["connector_refund_id"]
    assert refunded["data"]["refund"]["amount"] == 400
    assert refunded["connector_payment_id"] == payment["connector_payment_id"]
    [failed] = events["payment.failed"]
    assert failed["data"]["payment"]["failure"]["code"] == "stolen_card"
    [dispute] = events["dispute.opened"]
    assert dispute["connector_payment_id"] == disputed["connector_payment_id"]
    assert dispute["data"]["dispute"]["status"] == "needs_response"
    assert [e["data"]["mandate"]["id"] for e in events["mandate.active"]] == [mandate["id"]]
    assert [e["data"]["mandate"]["id"] for e in events["mandate.revoked"]] == [mandate["id"]]


async def test_admin_api_lists_and_replays(service: ServiceProcess, receiver: Receiver) -> None:
    shop, ops = Api(service.url, "key-shop"), Api(service.url, "key-ops")
    payment = await shop.pay()

    def mine() -> list[Any]:
        return [d for d in receiver.accepted()
                if d.json()["connector_payment_id"] == payment["connector_payment_id"]]  # fmt: skip

    await receiver.wait_for(lambda: len(mine()) == 1)
    [first] = mine()
    status, err, _ = await shop.call("GET", "/v1/admin/webhooks/events")
    assert (status, err["error"]["code"]) == (403, "admin_required")
    listed = await ops.ok("GET", "/v1/admin/webhooks/events?type=payment.captured&limit=500")
    [summary] = [e for e in listed["data"] if e["id"] == first.webhook_id]
    detail = await ops.ok("GET", f"/v1/admin/webhooks/events/{summary['id']}")
    assert detail["event"]["data"]["payment"]["id"] == payment["id"]
    [delivery] = detail["deliveries"]
    assert delivery["status"] == "succeeded" and delivery["endpoint"] == "shop"
    assert delivery["attempt_log"][0]["status_code"] == 200
    assert delivery["attempt_log"][0]["latency_ms"] > 0
    replayed = await ops.ok("POST", f"/v1/admin/webhooks/events/{summary['id']}/replay", {})
    assert replayed == {"object": "replay", "queued": 1}
    await receiver.wait_for(lambda: len(mine()) == 2)
    again = mine()[1]
    assert again.webhook_id == summary["id"]  # the same id: the client can dedupe
    assert again.body == first.body
    deliveries = await ops.ok("GET", "/v1/admin/webhooks/deliveries?endpoint=shop&status=failed")
    assert deliveries["data"] == []
    [endpoint] = (await ops.ok("GET", "/v1/admin/webhooks/endpoints"))["data"]
    assert endpoint["id"] == "shop" and endpoint["url"].endswith("/hooks")
    assert endpoint["disabled"] is False
    assert (await ops.ok("POST", "/v1/admin/webhooks/endpoints/shop/replay-failed"))["queued"] == 0
    for path, code in [
        ("/v1/admin/webhooks/events/evt_nope", 404),
        ("/v1/admin/webhooks/events?limit=0", 400),
        ("/v1/admin/webhooks/events?cursor=yesterday", 400),
        ("/v1/admin/webhooks/deliveries?status=lost", 400),
    ]:
        status, body, _ = await ops.call("GET", path)
        assert status == code, (path, body)
        assert body["error"]["field"] or code == 404
    status, body, _ = await ops.call("POST", "/v1/admin/webhooks/endpoints/nope/enable")
    assert status == 404


async def test_gateway_requests_get_the_right_status(service: ServiceProcess) -> None:
    async with aiohttp.ClientSession() as http:

        async def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
            async with http.post(service.url + path, data=body, headers=headers) as resp:
                return resp.status, await resp.read()

        body = sandbox_event(sandbox_payment(reference=MARKER), event_id="sbevt_srv_1")
        assert await post("/v1/webhooks/sandbox/sandbox", body, signed(body)) == (
            200, b'{"received":true}',
        )  # fmt: skip
        assert (await post("/v1/webhooks/sandbox", body, signed(body)))[0] == 200  # duplicate
        tampered = body.replace(b"1000", b"9000")
        assert (await post("/v1/webhooks/sandbox/sandbox", tampered, signed(body)))[0] == 401
        assert (await post("/v1/webhooks/sandbox/sandbox", body, signed(body, "x")))[0] == 401
        assert (await post("/v1/webhooks/sandbox/nope", body, signed(body)))[0] == 401
        assert (await post("/v1/webhooks/sandbox/a%20b", body, signed(body)))[0] == 401
        assert (await post("/v1/webhooks/sandbox/sandbox", b"{", signed(b"{")))[0] == 400
        status, raw = await post("/v1/webhooks/nope", body, signed(body))
        assert status == 404 and json.loads(raw)["error"]["code"] == "unknown_webhook_connector"
        big = b"x" * 5000
        assert (await post("/v1/webhooks/sandbox/sandbox", big, signed(big)))[0] == 413
        async with http.get(service.url + "/v1/webhooks/sandbox") as resp:
            assert resp.status == 405
    assert MARKER not in service.logs()
    assert "Sandbox-Signature" not in service.logs()


async def test_stateless_parse(service: ServiceProcess) -> None:
    shop, ops = Api(service.url, "key-shop"), Api(service.url, "key-ops")
    body = sandbox_event(sandbox_payment(), event_id="sbevt_parse_1")
    envelope = {"account": "sandbox", "headers": signed(body), "body": body.decode()}
    result = await shop.ok("POST", "/v1/webhooks/sandbox/parse", envelope)
    assert result["verified"] is True and result["account"] == "sandbox"
    [event] = result["data"]
    assert event["type"] == "payment.captured" and event["connector_event_id"] == "sbevt_parse_1"
    b64 = {**envelope, "body": None, "body_base64": base64.b64encode(body).decode()}
    [again] = (await shop.ok("POST", "/v1/webhooks/sandbox/parse", b64))["data"]
    assert {**again, "timestamp": ""} == {**event, "timestamp": ""}
    # Platforms send the secret with the request.
    platform = Api(service.url, "key-platform")
    creds = json.dumps({"connector": "sandbox", "credentials": {"webhook_secret": "plat-s"}})
    result = await platform.ok(
        "POST", "/v1/webhooks/sandbox/parse",
        {"headers": signed(body, "plat-s"), "body": body.decode()},
        headers={"X-Connector-Credentials": creds},
    )  # fmt: skip
    assert result["account"] == "@sandbox" and len(result["data"]) == 1
    # Nothing was stored.
    listed = await ops.ok("GET", "/v1/admin/webhooks/events?limit=500")
    assert all(e["connector_event_id"] != "sbevt_parse_1" for e in listed["data"])
    for payload, code, field in [
        ({**envelope, "headers": signed(body, "x")}, 401, None),
        ({**envelope, "account": "sandbox-other"}, 400, "account"),
        ({"headers": {}}, 400, "body"),
        ({**envelope, "body_base64": "!!"}, 400, "body"),
        ({**envelope, "extra": 1}, 400, "extra"),
    ]:
        status, err, _ = await shop.call("POST", "/v1/webhooks/sandbox/parse", payload)
        assert status == code, (payload, err)
        assert err["error"].get("field") == field
    status, err, _ = await Api(service.url).call("POST", "/v1/webhooks/sandbox/parse", envelope)
    assert status == 401 and err["error"]["code"] == "missing_api_key"


async def test_metrics_show_the_queue(service: ServiceProcess, receiver: Receiver) -> None:
    await Api(service.url, "key-shop").pay()
    await receiver.wait_for(lambda: len(receiver.accepted()) >= 1)
    async with aiohttp.ClientSession() as http, http.get(service.url + "/metrics") as resp:
        text = await resp.text()
    assert 'cs_webhook_backlog{endpoint="shop"}' in text
    assert 'cs_webhook_failed{endpoint="shop"}' in text
    assert 'cs_webhook_delivery_attempts_total{endpoint="shop",outcome="success"}' in text
    assert 'cs_webhooks_received_total{connector="sandbox",outcome="accepted"}' in text


def test_cli_lists_and_replays(service: ServiceProcess) -> None:
    env = service.env

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "connector_service.cli.main", *args],
            env=env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip

    events = cli("webhooks", "events", "--json", "--limit", "500")
    assert events.returncode == 0, events.stderr
    page = json.loads(events.stdout)
    rows = page["data"]
    assert rows and all(r["id"].startswith("evt_") for r in rows)
    assert page["has_more"] is False and page["next_cursor"] is None
    assert len(rows) > 1  # pages as REST does: the table says how to ask for the next one
    first = cli("webhooks", "events", "--limit", "1")
    assert rows[0]["id"] in first.stdout and "more: add --cursor " in first.stderr
    cursor = first.stderr.split("--cursor ")[1].split()[0]
    second = cli("webhooks", "events", "--json", "--limit", "1", "--cursor", cursor)
    assert json.loads(second.stdout)["data"][0]["id"] == rows[1]["id"]
    bad = cli("webhooks", "events", "--cursor", "nope")
    assert bad.returncode == 2 and "--cursor" in bad.stderr
    shown = cli("webhooks", "event", rows[0]["id"])
    assert json.loads(shown.stdout)["id"] == rows[0]["id"]
    replay = cli("webhooks", "replay", rows[0]["id"], "--endpoint", "shop")
    assert replay.returncode == 0 and "queued 1 delivery" in replay.stdout
    assert cli("webhooks", "replay", "evt_nope").returncode == 1
    assert cli("webhooks", "replay-failed", "nope").returncode == 1
    table = cli("webhooks", "endpoints")
    assert "shop" in table.stdout and "enabled" in table.stdout
    assert cli("webhooks", "deliveries", "--status", "failed").returncode == 0
    assert cli("migrate").returncode == 0
