"""The receive pipeline, in-process, on SQLite and PostgreSQL: verified events are recorded
(once) with their deliveries before the gateway is answered; anything unverifiable or
malformed is refused with the right status, stores nothing and logs no body."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from connector_service.config import load_config
from connector_service.connectors.base import (
    Connector,
    ConnectorContext,
    ConnectorMeta,
    CredentialField,
    HttpRequest,
    HttpResponse,
    gateway_error,
)
from connector_service.connectors.registry import load_connectors
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import (
    AccessToken,
    PaymentResult,
    WebhookEvent,
    WebhookEventType,
    WebhookIdentity,
)
from connector_service.domain.ids import Kind
from connector_service.domain.status import PaymentStatus
from connector_service.executor.http import NotSent, Timeouts
from connector_service.runtime import Runtime
from connector_service.webhooks.events import event_id
from tests.webhooks.helpers import (
    ENDPOINT_SECRET,
    SANDBOX_SECRET,
    sandbox_event,
    sandbox_payment,
    signed,
)

SECRET_B = "sandbox-b-webhook-secret"
MARKER = "BODY-MARKER-7f3a"  # must never reach a log line


# ---------------------------------------------------------------------- a PayPal-like fake


class FakeApi:
    """The fake gateway's API: issues tokens and verifies webhook signatures."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.tokens = 0
        self.verifications = 0
        self.revoke_next = False

    async def send(self, request: HttpRequest, timeouts: Timeouts) -> HttpResponse:
        if self.mode == "down":
            raise NotSent("ClientConnectorError")
        if request.url.endswith("/token"):
            self.tokens += 1
            return HttpResponse(200, {}, json.dumps({"token": f"tok{self.tokens}"}).encode())
        self.verifications += 1
        if self.revoke_next:
            self.revoke_next = False
            return HttpResponse(401, {}, b"{}")
        sent = json.loads(request.body or b"{}")
        assert request.headers["Authorization"].startswith("Bearer tok")
        verified = sent["signature"] == "good" and sent["webhook_id"] == "WH-1"
        status = "SUCCESS" if verified else "FAILURE"
        return HttpResponse(200, {}, json.dumps({"verification_status": status}).encode())


class ApiVerifiedConnector(Connector):
    """Verifies webhooks through its gateway's API, with an OAuth token (like PayPal)."""

    meta = ConnectorMeta(
        name="apiverified",
        display_name="API-verified",
        base_url_test="fakeapi://gateway",
        base_url_live="fakeapi://gateway",
        credential_fields=(
            CredentialField("client_id", "id"),
            CredentialField("webhook_id", "the webhook's id at the gateway"),
        ),
        payment_methods=frozenset(),
        needs_access_token=True,
    )

    def build_access_token(self, ctx: ConnectorContext, data: Any) -> HttpRequest:
        return HttpRequest("POST", f"{ctx.base_url}/token", {}, b"{}")

    def parse_access_token(
        self, ctx: ConnectorContext, data: Any, response: HttpResponse
    ) -> AccessToken:
        return AccessToken(token=response.json()["token"], expires_in=3600)

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        return WebhookIdentity(event_id=json.loads(body)["id"])

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> Any:
        assert ctx.access_token is not None
        payload = {
            "signature": headers.get("x-sig", ""),
            "webhook_id": ctx.credential("webhook_id"),
            "event": json.loads(body),
        }
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/verify",
            {"Authorization": f"Bearer {ctx.access_token.reveal()}"},
            json.dumps(payload).encode(),
        )

    def parse_verify_webhook(self, ctx: ConnectorContext, response: HttpResponse) -> bool:
        if response.status >= 400:
            raise gateway_error(response, code=None, message=None)
        return bool(response.json().get("verification_status") == "SUCCESS")

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        event = json.loads(body)
        return [
            WebhookEvent(
                event_id=event["id"],
                type=WebhookEventType.PAYMENT_CAPTURED,
                connector_event_type="PAYMENT.CAPTURE.COMPLETED",
                connector_payment_id="cap_1",
                amount=500,
                currency="USD",
                payment=PaymentResult(
                    status=PaymentStatus.CAPTURED, connector_payment_id="cap_1", amount=500
                ),
            )
        ]


# ---------------------------------------------------------------------- fixtures


def config_data(storage_url: str) -> dict[str, Any]:
    return {
        "storage": {"url": storage_url},
        "webhooks": {"deliver": False, "sandbox_events": "off"},
        "accounts": [
            {"id": "sandbox", "connector": "sandbox",
             "credentials": {"webhook_secret": SANDBOX_SECRET}},
            {"id": "sandbox-b", "connector": "sandbox",
             "credentials": {"webhook_secret": SECRET_B}},
            {"id": "pp", "connector": "apiverified",
             "credentials": {"client_id": "c", "webhook_id": "WH-1"}},
        ],
        "webhook_endpoints": [
            {"id": "everything", "url": "http://127.0.0.1:9/a", "secret": ENDPOINT_SECRET},
            {"id": "payments-b", "url": "http://127.0.0.1:9/b", "secret": ENDPOINT_SECRET,
             "event_types": ["payment.*"], "accounts": ["sandbox-b"]},
        ],
    }  # fmt: skip


@pytest.fixture
async def rt(storage_url: str) -> AsyncIterator[Runtime]:
    connectors = {**load_connectors(), "apiverified": ApiVerifiedConnector()}
    config = load_config(data=config_data(storage_url), connectors=connectors)
    runtime = Runtime(config, connectors=connectors)
    api = FakeApi()
    runtime.executor.register_scheme("fakeapi", api)
    runtime.fake_api = api  # type: ignore[attr-defined]
    await runtime.start()
    yield runtime
    await runtime.stop()


async def receive(
    rt: Runtime, body: bytes, headers: dict[str, str], account: str | None = "sandbox",
    connector: str = "sandbox",
) -> tuple[int, bytes]:  # fmt: skip
    try:
        reply = await rt.webhooks.receiver.receive(connector, account, headers, body)
    except ServiceError as err:
        return err.http_status, err.code.encode()
    return reply.status, reply.body


# ---------------------------------------------------------------------- tests


async def test_accepted_once_with_deliveries_and_the_api_shape(rt: Runtime) -> None:
    body = sandbox_event(sandbox_payment("sbp_abc"), event_id="sbevt_1")
    assert await receive(rt, body, signed(body)) == (200, b'{"received":true}')
    # The gateway retries (same bytes, same signature): recognised, nothing new.
    assert await receive(rt, body, signed(body)) == (200, b'{"received":true}')
    events = await rt.webhooks.store.list_events()
    assert len(events) == 1
    row = events[0]
    assert row.id == event_id("sandbox", "sandbox", "sbevt_1")
    doc = json.loads(row.payload)
    assert doc["type"] == "payment.captured" and doc["connector_event_id"] == "sbevt_1"
    assert doc["connector_event_type"] == "payment.captured"
    assert doc["livemode"] is False and doc["account"] == "sandbox"
    payment = doc["data"]["payment"]
    assert payment["status"] == "captured" and payment["connector_payment_id"] == "sbp_abc"
    assert payment["amount"] == 1000 and payment["currency"] == "EUR"
    assert payment["payment_method"]["card"]["last4"] == "4242"
    # The id is the very id the API gives this payment: derived from account + gateway id.
    assert payment["id"] == rt.service.ids.make(Kind.PAYMENT, "sandbox", "sbp_abc")
    deliveries = await rt.webhooks.store.list_deliveries(event_id=row.id)
    assert [d.endpoint for d in deliveries] == ["everything"]  # payments-b: other account


async def test_account_found_from_the_secret_on_the_generic_url(rt: Runtime) -> None:
    body = sandbox_event(sandbox_payment(), event_id="sbevt_b", account="not-a-hint")
    assert (await receive(rt, body, signed(body, SECRET_B), account=None))[0] == 200
    [row] = await rt.webhooks.store.list_events()
    assert row.account == "sandbox-b"
    got = {d.endpoint for d in await rt.webhooks.store.list_deliveries(event_id=row.id)}
    assert got == {"everything", "payments-b"}
    # The per-account URL only tries that account's secret.
    body = sandbox_event(sandbox_payment(), event_id="sbevt_c")
    assert await receive(rt, body, signed(body, SECRET_B), account="sandbox") == (
        401, b"webhook_not_verified",
    )  # fmt: skip


@pytest.mark.parametrize(
    "case",
    ["tampered", "wrong_secret", "stale", "future", "no_signature", "garbage_signature",
     "unknown_account", "other_connectors_account"],
)  # fmt: skip
async def test_unverifiable_is_401_stores_nothing_and_logs_no_body(
    rt: Runtime, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = sandbox_event(sandbox_payment(reference=MARKER), event_id="sbevt_x")
    headers = signed(body)
    account: str | None = "sandbox"
    if case == "tampered":
        body = body.replace(b'"amount": 1000', b'"amount": 9000')
    elif case == "wrong_secret":
        headers = signed(body, "not-the-secret")
    elif case == "stale":
        headers = signed(body, at=int(time.time()) - 301)
    elif case == "future":
        headers = signed(body, at=int(time.time()) + 301)
    elif case == "no_signature":
        headers = {"Content-Type": "application/json"}
    elif case == "garbage_signature":
        headers = {"Sandbox-Signature": "t=abc,v1=,v2=zz,,=,"}
    elif case == "unknown_account":
        account = "nope"
    else:
        account = "pp"
    assert (await receive(rt, body, headers, account=account))[0] == 401
    assert await rt.webhooks.store.list_events() == []
    assert "webhook rejected" in caplog.text
    assert MARKER not in caplog.text and SANDBOX_SECRET not in caplog.text
    assert "Sandbox-Signature" not in caplog.text and "v1=" not in caplog.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "invalid_webhook"),
        (b"{not json", "invalid_webhook"),
        (b"[1, 2]", "invalid_webhook"),
        (b'{"type": "payment.captured"}', "invalid_webhook"),
    ],
)
async def test_malformed_is_400_and_stores_nothing(rt: Runtime, body: bytes, code: str) -> None:
    assert await receive(rt, body, signed(body)) == (400, code.encode())
    assert await rt.webhooks.store.list_events() == []


async def test_verified_but_unreadable_is_400(rt: Runtime) -> None:
    body = json.dumps({"id": "sbevt_1", "type": "payment.captured", "data": {}}).encode()
    assert await receive(rt, body, signed(body)) == (400, b"invalid_webhook")
    body = sandbox_event({"id": "sbp_1", "object": "payment", "card": "x"})
    assert await receive(rt, body, signed(body)) == (400, b"invalid_webhook")
    assert await rt.webhooks.store.list_events() == []


async def test_unknown_connector_is_404(rt: Runtime) -> None:
    body = sandbox_event(sandbox_payment())
    assert await receive(rt, body, signed(body), connector="nope") == (
        404, b"unknown_webhook_connector",
    )  # fmt: skip


async def test_every_sandbox_event_kind_parses(rt: Runtime) -> None:
    objects: list[tuple[str, dict[str, Any], str]] = [
        ("payment.declined", sandbox_payment(status="declined", decline={
            "code": "insufficient_funds", "message": "no", "advice_code": "02"}), "payment"),
        ("payment.authorized", sandbox_payment(status="authorized", capture=False), "payment"),
        ("refund.succeeded", {"id": "sbr_1", "object": "refund", "payment": "sbp_1",
                              "amount": 300, "currency": "EUR", "status": "succeeded"}, "refund"),
        ("mandate.revoked", {"id": "sbm_1", "object": "mandate", "status": "revoked",
                             "customer_id": "c1"}, "mandate"),
        ("dispute.created", {"id": "sbd_1", "object": "dispute", "payment": "sbp_1",
                             "amount": 1000, "currency": "EUR", "status": "needs_response",
                             "reason": "fraudulent"}, "dispute"),
        ("something.new", sandbox_payment(), "payment"),
    ]  # fmt: skip
    for i, (kind, obj, _) in enumerate(objects):
        body = sandbox_event(obj, type=kind, event_id=f"sbevt_{i}")
        assert (await receive(rt, body, signed(body)))[0] == 200
    docs = {
        json.loads(r.payload)["connector_event_type"]: json.loads(r.payload)
        for r in await rt.webhooks.store.list_events()
    }
    for kind, _, key in objects:
        assert list(docs[kind]["data"]) == [key]
    assert docs["payment.declined"]["type"] == "payment.failed"
    failure = docs["payment.declined"]["data"]["payment"]["failure"]
    assert failure["code"] == "insufficient_funds" and failure["category"] == "soft"
    assert docs["payment.authorized"]["data"]["payment"]["capture_method"] == "manual"
    refund = docs["refund.succeeded"]["data"]["refund"]
    assert refund["status"] == "succeeded" and refund["amount"] == 300
    assert refund["id"].startswith("re_")
    assert docs["refund.succeeded"]["connector_payment_id"] == "sbp_1"
    mandate = docs["mandate.revoked"]["data"]["mandate"]
    assert docs["mandate.revoked"]["type"] == "mandate.revoked"
    assert mandate["status"] == "revoked" and mandate["id"].startswith("man_")
    dispute = docs["dispute.created"]["data"]["dispute"]
    assert docs["dispute.created"]["type"] == "dispute.opened"
    assert dispute["status"] == "needs_response" and dispute["connector_payment_id"] == "sbp_1"
    assert docs["something.new"]["type"] == "unknown"


async def test_api_verification_with_a_cached_token(rt: Runtime) -> None:
    api: FakeApi = rt.fake_api  # type: ignore[attr-defined]
    good = {"x-sig": "good"}
    body = json.dumps({"id": "WH-EVT-1"}).encode()
    assert await receive(rt, body, good, account="pp", connector="apiverified") == (200, b"")
    body2 = json.dumps({"id": "WH-EVT-2"}).encode()
    assert await receive(rt, body2, good, account=None, connector="apiverified") == (200, b"")
    assert (api.tokens, api.verifications) == (1, 2)  # the token was cached
    # A revoked token is refreshed once.
    api.revoke_next = True
    body3 = json.dumps({"id": "WH-EVT-3"}).encode()
    assert (await receive(rt, body3, good, account="pp", connector="apiverified"))[0] == 200
    assert api.tokens == 2
    # The gateway says "not verified": 401, nothing stored.
    bad = json.dumps({"id": "WH-EVT-4"}).encode()
    assert (await receive(rt, bad, {"x-sig": "forged"}, "pp", "apiverified"))[0] == 401
    # The gateway cannot be asked: 503 (the gateway will retry), nothing stored.
    api.mode = "down"
    down = json.dumps({"id": "WH-EVT-5"}).encode()
    assert await receive(rt, down, good, account="pp", connector="apiverified") == (
        503, b"webhook_verification_unavailable",
    )  # fmt: skip
    ids = {r.connector_event_id for r in await rt.webhooks.store.list_events()}
    assert ids == {"WH-EVT-1", "WH-EVT-2", "WH-EVT-3"}


async def test_stateless_translation_stores_nothing(rt: Runtime) -> None:
    from connector_service.config import Caller
    from connector_service.core.context import RequestContext

    caller = RequestContext(Caller("shop", frozenset({"sandbox"})))
    body = sandbox_event(sandbox_payment(), event_id="sbevt_t")
    target, docs = await rt.webhooks.receiver.translate(caller, "sandbox", None, signed(body), body)
    assert target.account == "sandbox" and docs[0].type == "payment.captured"
    assert docs[0].id == event_id("sandbox", "sandbox", "sbevt_t")
    assert await rt.webhooks.store.list_events() == []
    with pytest.raises(ServiceError) as err:
        await rt.webhooks.receiver.translate(
            caller, "sandbox", "sandbox-b", signed(body, SECRET_B), body
        )
    assert err.value.code == "unknown_account" and err.value.field == "account"
    with pytest.raises(ServiceError) as err:
        await rt.webhooks.receiver.translate(caller, "sandbox", None, signed(body, "x"), body)
    assert err.value.http_status == 401


async def test_the_store_being_down_is_503_not_an_acknowledgement(rt: Runtime) -> None:
    body = sandbox_event(sandbox_payment())
    await rt.storage.close()
    try:
        assert await receive(rt, body, signed(body)) == (503, b"storage_unavailable")
    finally:
        await rt.storage.open()
    assert await rt.webhooks.store.list_events() == []


def test_documents_encode_without_secrets() -> None:
    # The event document holds no credential-shaped data by construction.
    from connector_service.webhooks.events import Event, EventData

    doc = Event("evt_1", "unknown", "t", "sandbox", "sandbox", False, "x", "y", EventData())
    assert msgspec.json.decode(msgspec.json.encode(doc))["data"] == {}
