"""The sandbox's 3-D Secure challenge page, served by the service itself.

A customer sent to ``next_action.url`` sees the payment's amount and two buttons. The
choice goes to the sandbox gateway (as an issuer's ACS would tell a real gateway) and the
browser is sent on to the merchant's ``return_url``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from connector_service.domain.money import to_major_str
from connector_service.sandbox.gateway import GatewayAnswer

if TYPE_CHECKING:
    from connector_service.runtime import Runtime

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox 3-D Secure</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; }}
.card {{ border: 1px solid #ccc; border-radius: .5rem; padding: 1.5rem; }}
button {{ font-size: 1rem; padding: .6rem 1.2rem; margin-right: .5rem; cursor: pointer; }}
#complete {{ background: #1a7f37; color: white; border: 0; border-radius: .3rem; }}
#fail {{ background: #eee; border: 1px solid #999; border-radius: .3rem; }}
</style></head>
<body><div class="card">
<h1>Sandbox 3-D Secure</h1>
<p>Confirm the payment of <strong id="amount">{amount} {currency}</strong>
with the card ending <strong id="last4">{last4}</strong>.</p>
<p>This page stands in for the card issuer's challenge. Nothing is charged.</p>
<form method="post">
<button id="complete" name="result" value="complete">Complete authentication</button>
<button id="fail" name="result" value="fail">Fail authentication</button>
</form></div></body></html>
"""

_DONE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Authentication {status}</title></head>
<body><h1 id="status">Authentication {status}</h1>
<p>The payment is now <strong id="payment-status">{payment_status}</strong>.
You can close this window.</p></body></html>
"""


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


def routes(get_runtime: Callable[[], Runtime]) -> list[Route]:
    async def page(request: Request) -> Response:
        pid = str(request.path_params["pid"])
        gateway = get_runtime().sandbox
        try:
            payment = await gateway.get_payment(pid)
        except GatewayAnswer:
            return HTMLResponse("<h1>Unknown payment</h1>", 404)
        if request.method == "GET":
            if payment["status"] != "requires_authentication":
                return HTMLResponse(
                    _DONE.format(
                        status="already finished", payment_status=html.escape(payment["status"])
                    ),
                )
            return HTMLResponse(
                _PAGE.format(
                    amount=html.escape(to_major_str(payment["amount"], payment["currency"])),
                    currency=html.escape(payment["currency"]),
                    last4=html.escape(str(payment["card"].get("last4", ""))),
                )
            )
        form = parse_qs((await request.body())[:4096].decode("ascii", "replace"))
        success = form.get("result") == ["complete"]
        updated = await gateway.authenticate(pid, success)
        return_url = updated.get("return_url")
        status = "completed" if success else "failed"
        if return_url:
            target = _with_query(return_url, {"sandbox_payment": pid, "authentication": status})
            return RedirectResponse(target, status_code=303)
        return HTMLResponse(
            _DONE.format(status=status, payment_status=html.escape(updated["status"]))
        )

    async def balance(request: Request) -> Response:
        """Issue 19: a split destination's sandbox balance (credited by captured split
        payments, reduced by their refunds), per currency, in minor units."""
        destination = str(request.path_params["destination"])[:255]
        return JSONResponse(await get_runtime().sandbox.balance(destination))

    return [
        Route("/sandbox/3ds/{pid}", page, methods=["GET", "POST"]),
        Route("/sandbox/balances/{destination}", balance, methods=["GET"]),
    ]
