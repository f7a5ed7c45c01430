"""HTTP-level rules, against real service processes: JSON bodies must say they are JSON,
local mode refuses cross-site pages, duplicate JSON keys are refused, one request-id rule
on every route, and the standard headers of 401 and 405."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, start_service
from tests.server.client import card
from tests.webhooks.helpers import SANDBOX_SECRET, sandbox_event, sandbox_payment, signed

PAYMENT = {"amount": 1000, "currency": "EUR", "payment_method": card()}
BODY = json.dumps(PAYMENT).encode()
RID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

KEYED = f"""
[server]
allow_request_credentials = true

[[accounts]]
id = "sandbox"
connector = "sandbox"
credentials = {{ webhook_secret = "{SANDBOX_SECRET}" }}

[[callers]]
id = "shop"
key_sha256 = "{hash_key("key-shop")}"
platform = true
"""

LOCAL = """
[server]
public_url = "https://tunnel.example"

[[accounts]]
id = "sandbox"
connector = "sandbox"
"""


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("guard-keyed"), KEYED)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("guard-local"), LOCAL)
    yield svc
    svc.stop()


async def send(
    url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """Exactly the given headers (aiohttp adds no Content-Type of its own)."""
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method,
            url + path,
            data=body,
            headers=headers or {},
            skip_auto_headers=["Content-Type"],
            allow_redirects=False,
        ) as resp,
    ):
        raw = await resp.read()
        try:
            data: Any = json.loads(raw)
        except ValueError:
            data = raw
        return resp.status, data, {k.lower(): v for k, v in resp.headers.items()}


KEY = {"Authorization": "Bearer key-shop"}
JSON = {"Content-Type": "application/json"}


# ------------------------------------------------------------------ item 2: content type


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
     "multipart/form-data; boundary=x", "application/jsonx", "json"],
)  # fmt: skip
async def test_a_body_not_declared_json_is_415(
    keyed: ServiceProcess, content_type: str | None
) -> None:
    headers = {**KEY, **({"Content-Type": content_type} if content_type else {})}
    status, err, hdrs = await send(keyed.url, "POST", "/v1/payments", BODY, headers)
    assert status == 415, err
    assert err["error"]["code"] == "unsupported_media_type"
    assert err["error"]["field"] == "Content-Type"
    assert err["error"]["request_id"] == hdrs["x-request-id"]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
     "application/merge-patch+json"],
)  # fmt: skip
async def test_json_content_types_are_accepted(keyed: ServiceProcess, content_type: str) -> None:
    headers = {**KEY, "Content-Type": content_type}
    status, payment, _ = await send(keyed.url, "POST", "/v1/payments", BODY, headers)
    assert status == 201, payment


async def test_a_bodiless_post_needs_no_content_type(keyed: ServiceProcess) -> None:
    body = json.dumps({**PAYMENT, "capture_method": "manual"}).encode()
    status, payment, _ = await send(keyed.url, "POST", "/v1/payments", body, {**KEY, **JSON})
    assert status == 201 and payment["status"] == "authorized", payment
    status, voided, _ = await send(
        keyed.url, "POST", f"/v1/payments/{payment['id']}/void", None, KEY
    )
    assert status == 200 and voided["status"] == "voided", voided


async def test_the_parse_endpoint_is_json_api_but_gateway_urls_are_not(
    keyed: ServiceProcess,
) -> None:
    plain = {**KEY, "Content-Type": "text/plain"}
    status, err, _ = await send(keyed.url, "POST", "/v1/webhooks/sandbox/parse", b"{}", plain)
    assert status == 415, err
    # The gateways' URLs take whatever the gateway sends: the signature authenticates.
    body = sandbox_event(sandbox_payment(), event_id="sbevt_guard_plain")
    for path in ("/v1/webhooks/sandbox/sandbox", "/v1/webhooks/sandbox"):
        headers = {**signed(body), "Content-Type": "text/plain"}
        status, reply, _ = await send(keyed.url, "POST", path, body, headers)
        assert status == 200, (path, reply)


# ------------------------------------------------------------------ item 2: origins


async def test_local_mode_refuses_a_cross_site_text_plain_charge(local: ServiceProcess) -> None:
    headers = {"Origin": "http://evil.example", "Content-Type": "text/plain"}
    status, err, _ = await send(local.url, "POST", "/v1/payments", BODY, headers)
    assert status == 403, err
    assert err["error"]["code"] == "cross_origin_forbidden" and err["error"]["field"] == "Origin"


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "null", "https://127.0.0.1.evil.example", "http://localhost.evil",
     "http://localhost@evil.example", "file://", "http://[::2]"],
)  # fmt: skip
async def test_local_mode_refuses_other_origins_even_with_json(
    local: ServiceProcess, origin: str
) -> None:
    headers = {"Origin": origin, **JSON}
    status, err, _ = await send(local.url, "POST", "/v1/payments", BODY, headers)
    assert status == 403 and err["error"]["code"] == "cross_origin_forbidden", (origin, err)
    status, err, _ = await send(local.url, "GET", "/v1/connectors", None, {"Origin": origin})
    assert status == 403, (origin, err)


@pytest.mark.parametrize(
    "origin",
    ["http://127.0.0.1", "http://127.0.0.1:3000", "https://localhost:8443", "http://LOCALHOST",
     "http://[::1]:5173", "https://tunnel.example"],
)  # fmt: skip
async def test_local_mode_accepts_loopback_and_public_url_origins(
    local: ServiceProcess, origin: str
) -> None:
    headers = {"Origin": origin, **JSON}
    status, payment, _ = await send(local.url, "POST", "/v1/payments", BODY, headers)
    assert status == 201, (origin, payment)


async def test_local_mode_without_origin_still_works(local: ServiceProcess) -> None:
    status, payment, _ = await send(local.url, "POST", "/v1/payments", BODY, JSON)
    assert status == 201, payment


async def test_with_api_keys_the_origin_is_not_the_guard(keyed: ServiceProcess) -> None:
    headers = {"Origin": "http://evil.example", **KEY, **JSON}
    status, payment, _ = await send(keyed.url, "POST", "/v1/payments", BODY, headers)
    assert status == 201, payment


async def test_the_sandbox_challenge_form_posts_from_its_own_origin(local: ServiceProcess) -> None:
    body = json.dumps({**PAYMENT, "payment_method": card("4000000000003253")}).encode()
    status, payment, _ = await send(local.url, "POST", "/v1/payments", body, JSON)
    assert status == 201 and payment["status"] == "requires_action", payment
    # The page is published under public_url; here it is reached directly.
    url = payment["next_action"]["url"].replace("https://tunnel.example", local.url)
    form = {"Origin": local.url, "Content-Type": "application/x-www-form-urlencoded"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=b"result=complete", headers=form) as resp,
    ):
        assert resp.status == 200, await resp.text()
        assert "completed" in await resp.text()
        assert RID.fullmatch(resp.headers["x-request-id"])


# ------------------------------------------------------------------ item 3: duplicate keys


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"amount":100,"amount":999999,"currency":"EUR","payment_method":%s}', "amount"),
        (b'{"amount":100,"currency":"EUR","payment_method":%s,"currency":"USD"}', "currency"),
    ],
)
async def test_duplicate_top_level_keys_are_400(
    keyed: ServiceProcess, raw: bytes, field: str
) -> None:
    body = raw % json.dumps(card()).encode()
    status, err, _ = await send(keyed.url, "POST", "/v1/payments", body, {**KEY, **JSON})
    assert status == 400, err
    assert err["error"]["code"] == "duplicate_key" and err["error"]["field"] == field


async def test_duplicate_nested_key_names_its_path_and_not_the_card(keyed: ServiceProcess) -> None:
    body = (
        b'{"amount":100,"currency":"EUR","payment_method":{"type":"card",'
        b'"number":"4242424242424242","exp_month":12,"exp_year":2034,"cvc":"123",'
        b'"number":"4000000000000002"}}'
    )
    status, err, _ = await send(keyed.url, "POST", "/v1/payments", body, {**KEY, **JSON})
    assert status == 400, err
    assert err["error"]["code"] == "duplicate_key"
    assert err["error"]["field"] == "payment_method.number"
    assert "4242" not in json.dumps(err) and "0002" not in json.dumps(err)


async def test_duplicate_key_in_the_credentials_header(keyed: ServiceProcess) -> None:
    header = (
        '{"connector":"sandbox","credentials":{"api_key":"sk_first_value",'
        '"api_key":"sk_second_value"}}'
    )
    headers = {**KEY, **JSON, "X-Connector-Credentials": header}
    status, err, _ = await send(keyed.url, "POST", "/v1/payments", BODY, headers)
    assert status == 400, err
    assert err["error"]["code"] == "duplicate_key"
    assert err["error"]["field"] == "X-Connector-Credentials"
    assert "credentials" in err["error"]["message"]
    assert "sk_first" not in json.dumps(err) and "sk_second" not in json.dumps(err)


async def test_duplicate_key_in_the_parse_endpoint(keyed: ServiceProcess) -> None:
    body = b'{"headers":{},"body":"{}","body":"[]","account":"sandbox"}'
    status, err, _ = await send(
        keyed.url, "POST", "/v1/webhooks/sandbox/parse", body, {**KEY, **JSON}
    )
    assert status == 400 and err["error"]["code"] == "duplicate_key", err
    assert err["error"]["field"] == "body"


# ------------------------------------------------------------------ item 9: HTTP details

LONG = "a" * 129

ROUTES = [
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/sandbox/3ds/sbp_nope"),
    ("GET", "/no/such/route"),
    ("DELETE", "/v1/payments"),
    ("GET", "/v1/connectors"),
    ("POST", "/v1/webhooks/sandbox"),
    ("POST", "/v1/webhooks/sandbox/sandbox"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_route_echoes_a_valid_request_id(
    keyed: ServiceProcess, method: str, path: str
) -> None:
    headers = {**KEY, **JSON, "X-Request-Id": "trace-1234:abc.DEF_x"}
    body = b'{"a":1}' if method == "POST" else None
    _, _, hdrs = await send(keyed.url, method, path, body, headers)
    assert hdrs.get("x-request-id") == "trace-1234:abc.DEF_x", hdrs


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("bad", [LONG, "has space", "semi;colon", "é"])
async def test_every_route_replaces_an_invalid_request_id(
    keyed: ServiceProcess, method: str, path: str, bad: str
) -> None:
    headers = {**KEY, **JSON, "X-Request-Id": bad}
    body = b'{"a":1}' if method == "POST" else None
    _, data, hdrs = await send(keyed.url, method, path, body, headers)
    rid = hdrs.get("x-request-id", "")
    assert rid != bad and rid.startswith("req_") and RID.fullmatch(rid), hdrs
    if isinstance(data, dict) and "error" in data:
        assert data["error"]["request_id"] == rid


async def test_a_128_character_request_id_is_kept(keyed: ServiceProcess) -> None:
    ok = "b" * 128
    status, _, hdrs = await send(
        keyed.url, "GET", "/v1/connectors", None, {**KEY, "X-Request-Id": ok}
    )
    assert status == 200 and hdrs["x-request-id"] == ok


async def test_405_says_which_methods_are_allowed(keyed: ServiceProcess) -> None:
    status, err, hdrs = await send(keyed.url, "GET", "/v1/payments", None, KEY)
    assert status == 405 and err["error"]["code"] == "method_not_allowed"
    assert hdrs["allow"] == "POST"
    status, _, hdrs = await send(keyed.url, "DELETE", "/v1/payments/pay_x", None, KEY)
    assert status == 405 and hdrs["allow"] == "GET, HEAD"


async def test_401_carries_a_bearer_challenge(keyed: ServiceProcess) -> None:
    status, err, hdrs = await send(keyed.url, "GET", "/v1/connectors")
    assert status == 401 and err["error"]["code"] == "missing_api_key"
    assert hdrs["www-authenticate"] == 'Bearer realm="connector-service"'
    bad = {"Authorization": "Bearer wrong"}
    status, err, hdrs = await send(keyed.url, "GET", "/v1/connectors", None, bad)
    assert status == 401 and err["error"]["code"] == "invalid_api_key"
    assert hdrs["www-authenticate"] == 'Bearer realm="connector-service", error="invalid_token"'
    status, _, hdrs = await send(keyed.url, "GET", "/v1/connectors", None, KEY)
    assert status == 200 and "www-authenticate" not in hdrs
