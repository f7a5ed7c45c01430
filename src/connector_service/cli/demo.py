"""``connector-service demo``: a sandbox payment, step by step, against a running service.

Uses only the public REST API (with aiohttp), exactly as a client application would.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aiohttp

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034,
        "cvc": "123", "holder_name": "Demo Customer"}  # fmt: skip


async def _demo(url: str, api_key: str | None, account: str) -> int:
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    async with aiohttp.ClientSession(url, headers=headers) as http:

        async def call(
            method: str, path: str, body: dict[str, Any] | None = None
        ) -> dict[str, Any]:
            extra = {"Idempotency-Key": str(uuid.uuid4())} if method == "POST" else {}
            async with http.request(method, path, json=body, headers=extra) as resp:
                data: dict[str, Any] = await resp.json()
                if resp.status >= 400:
                    raise SystemExit(f"{method} {path} -> {resp.status}: {json.dumps(data)}")
                return data

        def show(step: str, doc: dict[str, Any], *fields: str) -> None:
            details = ", ".join(f"{f}={doc.get(f)}" for f in fields)
            print(f"{step:<28} {doc['status']:<20} {details}")

        print(f"Connector Service demo against {url} (account {account!r})\n")
        payment = await call("POST", "/v1/payments", {
            "amount": 2500, "currency": "EUR", "capture_method": "manual",
            "account": account, "payment_method": CARD, "reference": "demo-order-1",
        })  # fmt: skip
        pid = payment["id"]
        show("1. authorize 25.00 EUR", payment, "amount", "connector_payment_id")
        payment = await call("POST", f"/v1/payments/{pid}/capture", {"amount": 2000})
        show("2. capture 20.00 EUR", payment, "amount_captured")
        refund = await call("POST", f"/v1/payments/{pid}/refunds", {"amount": 500})
        show("3. refund 5.00 EUR", refund, "amount", "connector_refund_id")
        payment = await call("GET", f"/v1/payments/{pid}")
        show("4. sync payment", payment, "amount_captured")
        refund = await call("GET", f"/v1/refunds/{refund['id']}")
        show("5. sync refund", refund, "amount")
        declined = await call("POST", "/v1/payments", {
            "amount": 1000, "currency": "EUR", "account": account,
            "payment_method": {**CARD, "number": "4000000000009995"},
        })  # fmt: skip
        failure = declined.get("failure") or {}
        print(f"{'6. a soft decline':<28} {declined['status']:<20} "
              f"code={failure.get('code')}, category={failure.get('category')}")  # fmt: skip
        print(f"\nPayment id (opaque, the same everywhere, any instance decodes it):\n  {pid}")
        return 0


def run_demo(url: str, api_key: str | None, account: str) -> int:
    try:
        return asyncio.run(_demo(url.rstrip("/"), api_key, account))
    except aiohttp.ClientConnectorError:
        print(f"cannot reach {url}: start the service first (connector-service serve)")
        return 1
