"""The client's retry rule, against a scripted HTTP server on loopback: it repeats only
what cannot happen twice, with the same Idempotency-Key every time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from connector_service_client import (
    APIConnectionError,
    APITimeoutError,
    AsyncClient,
    ConnectorError,
    ConnectorServiceError,
    IdempotencyConflictError,
    InternalServerError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
)
from tests.conftest import free_port

PAYMENT = {"id": "pay_1", "status": "captured", "amount": 100, "currency": "EUR",
           "connector": "sandbox", "account": "sandbox", "connector_payment_id": "sbp_1",
           "capture_method": "automatic", "object": "payment"}  # fmt: skip
BODY = {"amount": 100, "currency": "EUR", "payment_method": {"type": "token", "token": "t"}}

Step = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error(status: int, type_: str, code: str, headers: dict[str, str] | None = None) -> Step:
    async def answer(request: web.Request) -> web.StreamResponse:
        body = {"error": {"type": type_, "code": code, "message": code, "request_id": "req_x"}}
        return web.json_response(body, status=status, headers=headers)

    return answer


def ok(payload: Any = PAYMENT, status: int = 201) -> Step:
    async def answer(request: web.Request) -> web.StreamResponse:
        return web.json_response(payload, status=status)

    return answer


def slow(seconds: float) -> Step:
    async def answer(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return web.json_response(PAYMENT, status=201)

    return answer


@dataclass
class Script:
    """Answers requests with the given steps in order (the last one repeats)."""

    steps: list[Step] = field(default_factory=list)
    seen: list[dict[str, str]] = field(default_factory=list)
    bodies: list[Any] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append({"method": request.method, "path": request.path_qs, **request.headers})
        raw = await request.read()
        self.bodies.append(json.loads(raw) if raw else None)
        step = self.steps[min(len(self.seen) - 1, len(self.steps) - 1)]
        return await step(request)

    def keys(self) -> list[str | None]:
        return [s.get("Idempotency-Key") for s in self.seen]


@pytest.fixture
async def stub() -> AsyncIterator[tuple[Script, str]]:
    script = Script()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield script, f"http://127.0.0.1:{port}"
    await runner.cleanup()


def client(url: str, **kw: Any) -> AsyncClient:
    return AsyncClient(url, "key", retry_backoff=0.001, **kw)


async def test_503_is_retried_with_the_same_idempotency_key(stub: tuple[Script, str]) -> None:
    script, url = stub
    script.steps = [error(503, "connector_error", "gateway_unavailable"), ok()]
    async with client(url) as cs:
        payment = await cs.create_payment(BODY)
    assert payment.id == "pay_1"
    keys = script.keys()
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0] and keys[0].startswith("csk_")
    assert script.bodies == [BODY, BODY]
    assert script.seen[0]["Authorization"] == "Bearer key"


async def test_each_call_gets_its_own_key_and_yours_is_kept(stub: tuple[Script, str]) -> None:
    script, url = stub
    script.steps = [ok()]
    async with client(url) as cs:
        await cs.create_payment(BODY)
        await cs.create_payment(BODY)
        await cs.capture("pay_1", {"amount": 5}, idempotency_key="mine-1")
        await cs.get_payment("pay_1")
    keys = script.keys()
    assert keys[0] != keys[1] and keys[2] == "mine-1" and keys[3] is None


async def test_429_honours_retry_after_and_in_progress_is_retried(
    stub: tuple[Script, str],
) -> None:
    script, url = stub
    script.steps = [
        error(429, "rate_limited", "gateway_rate_limited", {"Retry-After": "0"}),
        error(409, "conflict", "idempotency_request_in_progress"),
        ok(),
    ]
    async with client(url) as cs:
        assert (await cs.capture("pay_1")).status == "captured"
    assert len(set(script.keys())) == 1 and len(script.seen) == 3


@pytest.mark.parametrize(
    ("step", "exc", "code"),
    [
        (error(500, "internal_error", "internal_error"), InternalServerError, "internal_error"),
        (error(502, "connector_error", "gateway_error"), ConnectorError, "gateway_error"),
        (error(504, "network_error", "gateway_timeout"), NetworkError, "gateway_timeout"),
        (error(404, "not_found", "payment_not_found"), NotFoundError, "payment_not_found"),
        (error(409, "conflict", "idempotency_key_reused"), IdempotencyConflictError,
         "idempotency_key_reused"),
    ],
)  # fmt: skip
async def test_unsafe_or_final_answers_are_not_retried(
    stub: tuple[Script, str], step: Step, exc: type[Exception], code: str
) -> None:
    script, url = stub
    script.steps = [step, ok()]
    async with client(url) as cs:
        with pytest.raises(exc) as raised:
            await cs.create_payment(BODY)
    assert getattr(raised.value, "code", None) == code
    assert len(script.seen) == 1


async def test_retries_stop_after_max_retries(stub: tuple[Script, str]) -> None:
    script, url = stub
    script.steps = [error(429, "rate_limited", "gateway_rate_limited")]
    async with client(url, max_retries=3) as cs:
        with pytest.raises(RateLimitedError):
            await cs.create_payment(BODY)
    assert len(script.seen) == 4 and len(set(script.keys())) == 1


async def test_a_timeout_is_retried_only_with_a_key(stub: tuple[Script, str]) -> None:
    script, url = stub
    script.steps = [slow(1.0), ok()]
    async with client(url, timeout=0.2) as cs:
        assert (await cs.create_payment(BODY)).id == "pay_1"  # the key makes it safe
    assert len(script.seen) == 2 and script.keys()[0] == script.keys()[1]

    script.seen.clear()
    async with client(url, timeout=0.2, auto_idempotency_keys=False) as cs:
        with pytest.raises(APITimeoutError):
            await cs.create_payment(BODY)  # no key: the first try may have charged
        assert len(script.seen) == 1
        script.seen.clear()
        script.steps = [slow(1.0), ok(PAYMENT, 200)]
        assert (await cs.get_payment("pay_1")).id == "pay_1"  # a GET is always safe
    assert len(script.seen) == 2


async def test_connection_refused_is_retried_then_raised() -> None:
    async with AsyncClient(f"http://127.0.0.1:{free_port()}", retry_backoff=0.001) as cs:
        with pytest.raises(APIConnectionError) as exc:
            await cs.create_payment(BODY)
    assert exc.value.code == "connection_failed"


async def test_an_error_page_that_is_not_json_is_still_typed(stub: tuple[Script, str]) -> None:
    script, url = stub

    async def html(request: web.Request) -> web.StreamResponse:
        return web.Response(text="<html>bad gateway</html>", status=502)

    script.steps = [html]
    async with client(url) as cs:
        with pytest.raises(ConnectorError) as exc:
            await cs.get_payment("pay_1")
    assert exc.value.code == "http_error" and exc.value.http_status == 502


async def test_pages_are_followed(stub: tuple[Script, str]) -> None:
    script, url = stub
    info = {"name": "x", "display_name": "X", "flows": [], "payment_methods": [],
            "currencies": "*", "countries": "*", "credential_fields": [], "option_fields": [],
            "webhooks": False, "idempotency": "none"}  # fmt: skip
    script.steps = [
        ok({"object": "list", "data": [{**info, "name": "a"}], "has_more": True,
            "next_cursor": "c1"}, 200),
        ok({"object": "list", "data": [{**info, "name": "b"}]}, 200),
    ]  # fmt: skip
    async with client(url) as cs:
        assert [c.name for c in await cs.connectors()] == ["a", "b"]
    assert script.seen[1]["path"] == "/v1/connectors?cursor=c1"


async def test_ids_cannot_escape_their_route() -> None:
    async with AsyncClient("http://127.0.0.1:1") as cs:
        for bad in ("", "../admin", "pay_1?x=1", "pay/1"):
            with pytest.raises(Exception, match="not an id"):
                await cs.get_payment(bad)


async def test_an_unexpected_answer_is_a_typed_error(stub: tuple[Script, str]) -> None:
    script, url = stub
    script.steps = [ok({**PAYMENT, "status": "teleported"}, 200)]
    async with client(url) as cs:
        with pytest.raises(ConnectorServiceError) as exc:
            await cs.get_payment("pay_1")
    assert exc.value.code == "unexpected_response" and "status" in exc.value.message
