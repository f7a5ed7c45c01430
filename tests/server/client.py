"""A tiny aiohttp client for the tests: what any client application would do."""

from __future__ import annotations

from typing import Any

import aiohttp

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034,
        "cvc": "123"}  # fmt: skip


def card(number: str = "4242424242424242", **extra: Any) -> dict[str, Any]:
    return {**CARD, "number": number, **extra}


class Api:
    def __init__(self, url: str, key: str | None = None) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        hdrs = {**self.headers, **(headers or {})}
        async with aiohttp.ClientSession() as http:
            kwargs: dict[str, Any] = {"headers": hdrs}
            if raw is not None:
                kwargs["data"] = raw
                hdrs.setdefault("Content-Type", "application/json")
            elif body is not None:
                kwargs["json"] = body
            async with http.request(method, self.url + path, **kwargs) as resp:
                data = await resp.json(content_type=None)
                return resp.status, data, {k.lower(): v for k, v in resp.headers.items()}

    async def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        status, data, _ = await self.call(method, path, body, **kw)
        assert status < 300, (status, data)
        return data

    async def pay(self, number: str = "4242424242424242", **fields: Any) -> dict[str, Any]:
        body = {"amount": 1000, "currency": "EUR", "payment_method": card(number), **fields}
        return await self.ok("POST", "/v1/payments", body)
