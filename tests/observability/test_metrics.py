"""/metrics: requests by route, connector, flow and outcome; the service's and the
gateway's latency apart; idempotency replays; low-cardinality labels only."""

from __future__ import annotations

import re
import uuid

from prometheus_client.parser import text_string_to_metric_families

from connector_service.config import hash_key
from tests.observability.asgi import AsgiClient, config, running


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


async def value(c: AsgiClient, name: str, **labels: str) -> float:
    text = (await c.request("GET", "/metrics")).text
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_by_route_connector_flow_and_outcome() -> None:
    async with running(config()) as c:
        ok = dict(transport="rest", route="/v1/payments", connector="sandbox", flow="authorize",
                  outcome="2xx")  # fmt: skip
        bad = dict(transport="rest", route="/v1/payments", connector="-", flow="-", outcome="4xx")
        before_ok = await value(c, "cs_requests_total", **ok)
        before_bad = await value(c, "cs_requests_total", **bad)
        assert (await c.pay(capture_method="manual")).status == 201
        assert (await c.pay(amount=-1)).status == 400  # rejected before any gateway call
        assert await value(c, "cs_requests_total", **ok) == before_ok + 1
        assert await value(c, "cs_requests_total", **bad) == before_bad + 1

        payment = (await c.pay(capture_method="manual")).json()
        capture = dict(transport="rest", route="/v1/payments/{id}/capture", connector="sandbox",
                       flow="capture", outcome="2xx")  # fmt: skip
        before = await value(c, "cs_requests_total", **capture)
        path = f"/v1/payments/{payment['id']}/capture"
        assert (await c.request("POST", path, {})).status == 200
        assert await value(c, "cs_requests_total", **capture) == before + 1


async def test_service_and_gateway_latency_are_separate_histograms() -> None:
    async with running(config()) as c:
        names = ("cs_request_seconds_count", "cs_request_overhead_seconds_count")
        before = [await value(c, n, route="/v1/payments") for n in names]
        gw_before = await value(
            c, "cs_gateway_call_seconds_count", connector="sandbox", flow="authorize"
        )
        assert (await c.pay()).status == 201
        after = [await value(c, n, route="/v1/payments") for n in names]
        assert after == [b + 1 for b in before]
        gw_after = await value(
            c, "cs_gateway_call_seconds_count", connector="sandbox", flow="authorize"
        )
        assert gw_after == gw_before + 1
        text = (await c.request("GET", "/metrics")).text
        assert 'cs_request_overhead_seconds_bucket{le="0.0005",route="/v1/payments"}' in text


async def test_idempotent_replays_are_counted() -> None:
    async with running(config()) as c:
        before = await value(c, "cs_idempotency_replays_total", route="/v1/payments")
        headers = {"idempotency-key": f"k-{uuid.uuid4().hex}"}
        body = {"amount": 1000, "currency": "EUR", "payment_method": {
            "type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034,
            "cvc": "123"}}  # fmt: skip
        first = await c.request("POST", "/v1/payments", body, headers=headers)
        assert first.status == 201 and "idempotent-replayed" not in first.headers
        assert await value(c, "cs_idempotency_replays_total", route="/v1/payments") == before
        second = await c.request("POST", "/v1/payments", body, headers=headers)
        assert second.headers.get("idempotent-replayed") == "true"
        assert await value(c, "cs_idempotency_replays_total", route="/v1/payments") == before + 1


async def test_labels_never_carry_ids_amounts_or_caller_input() -> None:
    # A caller id no other test uses: metrics are process-wide, and other tests' webhook
    # endpoints (an operator-configured name, allowed as a label) are called "shop".
    cfg = config({"callers": [{"id": "caller-6626", "key_sha256": hash_key("key-1")}]})
    async with running(cfg, key="key-1") as c:
        amount = 987654
        paid = (await c.pay(amount=amount, description="secret-desc-314159",
                            reference="ref-271828", capture_method="manual")).json()  # fmt: skip
        await c.request("GET", f"/v1/payments/{paid['id']}")
        await c.request("GET", "/v1/payments/pay_forged-id-161803")
        await c.request(
            "POST",
            "/v1/payments",
            {"amount": "x"},
            headers={"x-request-id": "rid-577215", "idempotency-key": "idem-1414"},
        )
        text = (await c.request("GET", "/metrics")).text
        allowed = {
            # a REST route template, or a gRPC method (a fixed set; other tests of this
            # process may have served gRPC in-process)
            "route": re.compile(
                r"^(/[a-z0-9_{}/-]*|/connector_service\.v1\.[A-Za-z]+/[A-Za-z]+|-)$"
            ),
            "connector": re.compile(r"^[a-z_]+$|^-$"),
            "flow": re.compile(r"^[a-z_]+$|^-$"),
            "outcome": re.compile(r"^[a-z0-9_]+$"),
            "transport": re.compile(r"^(rest|grpc)$"),
            "account": re.compile(r"^[A-Za-z0-9_.-]+$"),
            "le": re.compile(r"^[0-9.e+-]+|\+Inf$"),
        }
        for family in text_string_to_metric_families(text):
            if not family.name.startswith("cs_"):
                continue
            for s in family.samples:
                for label, v in s.labels.items():
                    rule = allowed.get(label)
                    if rule is not None:
                        assert rule.match(v), (family.name, label, v)
                    for leaked in (str(amount), paid["id"], "secret-desc", "ref-271828",
                                   "forged", "rid-577215", "idem-1414", "caller-6626"):  # fmt: skip
                        assert leaked not in v, (family.name, label, v)
