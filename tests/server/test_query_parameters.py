"""Unknown query parameters are refused with a 400 naming them, like unknown body fields,
instead of being silently ignored (``?expand[]=…`` looked as if it had worked)."""

from __future__ import annotations

from tests.observability.asgi import config, running


async def test_expand_is_refused_naming_the_parameter() -> None:
    async with running(config()) as c:
        payment = (await c.pay()).json()
        reply = await c.request("GET", f"/v1/payments/{payment['id']}?expand[]=customer")
        assert reply.status == 400
        error = reply.json()["error"]
        assert error["code"] == "unknown_parameter"
        assert error["field"] == "expand[]"
        assert "expand[]" in error["message"]
        # without it, the same request is fine
        assert (await c.request("GET", f"/v1/payments/{payment['id']}")).status == 200


async def test_every_unknown_parameter_is_named_and_known_ones_pass() -> None:
    async with running(config()) as c:
        reply = await c.request("GET", "/v1/connectors?zeta=1&alpha=2")
        assert reply.status == 400
        assert "alpha, zeta" in reply.json()["error"]["message"]
        listed = await c.request("GET", "/v1/admin/webhooks/deliveries?limit=5&status=failed")
        assert listed.status == 200, listed.text
        refused = await c.request("GET", "/v1/admin/webhooks/deliveries?limit=5&cursorx=1")
        assert refused.status == 400
        message = refused.json()["error"]["message"]
        assert "cursorx" in message and "limit, cursor, event_id, endpoint, status" in message
