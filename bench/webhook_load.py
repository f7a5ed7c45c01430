"""Signed gateway webhooks for the benchmark's ingest scenarios (verify + durable write +
ack): distinct Stripe ``payment_intent.succeeded`` events, each signed with a current
``Stripe-Signature``, written one per line (``header<TAB>value<TAB>body``) for
bench/wrk_webhooks.lua to send in turn. Distinct ids, so every request is a new event
(the service deduplicates by id); the run reports accepted and duplicate counts from the
service's own metrics to prove it."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

from mock_gateway import payment_intent  # type: ignore[import-not-found]

ACCOUNT = "bench"


def unsupported(connector: str) -> str | None:
    if connector != "stripe":
        return f"TODO: webhook load is written for Stripe events; the connector is {connector}"
    return None


def path(connector: str) -> str:
    return f"/v1/webhooks/{connector}/{ACCOUNT}"


def write_requests(out: Path, secret: str, count: int, tag: str = "") -> Path:
    """``count`` signed events in ``out``, plus one more in ``out.sanity`` for
    :func:`sanity`."""
    intent = payment_intent("succeeded", "automatic")
    intent["latest_charge"] = "ch_3QbenchMockGateway0001"  # events carry the id, ~2 KB
    now = int(time.time())
    marker = "evt_XXXXXXXXXXXXXXXXXXXXXXXX"
    template = json.dumps(
        {
            "id": marker,
            "object": "event",
            "api_version": "2024-06-20",
            "created": now,
            "data": {"object": intent},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "payment_intent.succeeded",
        },
        separators=(",", ":"),
    )
    key = secret.encode()

    def line(event_id: str) -> str:
        body = template.replace(marker, event_id)
        sig = hmac.new(key, f"{now}.{body}".encode(), hashlib.sha256).hexdigest()
        return f"Stripe-Signature\tt={now},v1={sig}\t{body}\n"

    with out.open("w") as f:
        for i in range(count):
            f.write(line(f"evt_bench{tag}{now:x}{i:012d}"))
    Path(f"{out}.sanity").write_text(line(f"evt_sanity{tag}{now:x}"))
    return out


def sanity(url: str, requests_file: Path) -> str | None:
    """POST the extra event; None when the service accepts it."""
    name, value, body = Path(f"{requests_file}.sanity").read_text().rstrip("\n").split("\t", 2)
    req = urllib.request.Request(
        url, body.encode(), {name: value, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            if resp.status >= 300:
                return f"HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}: {exc.read()[:300]!r}"
    return None


def outcomes(metrics_text: str) -> dict[str, float]:
    found: dict[str, float] = {}
    pattern = r'^cs_webhooks_received_total\{connector="stripe",outcome="([a-z_]+)"\} (\S+)$'
    for outcome, value in re.findall(pattern, metrics_text, re.M):
        found[outcome] = float(value)
    return found
