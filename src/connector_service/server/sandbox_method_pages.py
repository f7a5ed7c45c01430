"""The sandbox's hosted pages for payment methods beyond cards, served by the service.

``/sandbox/pay/{id}`` is whatever the customer sees for the method (sandbox/methods.py):
a bank / wallet / pay-later page with *Approve* and *Decline* (redirect methods), a QR
code with its copy-paste payload and a *Scan with the sandbox app* button (QR methods),
a printable voucher (vouchers; ``?print=1``), or the stand-in for the customer's app
(BLIK, UPI collect). Two calls do what the outside world does:

- ``POST /sandbox/scan`` ``{"payload": "…"}``: a banking app scanned the QR code and paid;
- ``POST /sandbox/vouchers/{number}/pay``: the store or bank took the cash for a voucher.

They answer the sandbox's payment record (JSON). After *Approve* / *Decline* the browser
goes on to the payment's ``return_url`` with ``sandbox_payment`` and ``result``.

``/sandbox/wallet/{apple_pay|google_pay}?amount=&currency=&return_url=`` stands in for the
wallet's payment sheet, which in a real checkout runs in the browser *before* the payment
exists: *Pay* hands the merchant page a sandbox wallet token (``return_url`` with
``wallet`` and ``token``), *Pay with a declining card* the token ``sandbox_decline``. The
merchant then creates the payment with ``{"type": "apple_pay", "token": …}``.

A debit's page (no customer step) shows its status and reloads itself while the bank
clears it.
"""

from __future__ import annotations

import html
import json
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from connector_service.domain.money import to_major_str
from connector_service.sandbox.gateway import GatewayAnswer
from connector_service.server.sandbox_pages import _with_query

if TYPE_CHECKING:
    from connector_service.runtime import Runtime

_STYLE = """<style>
body { font-family: system-ui, sans-serif; max-width: 30rem; margin: 3rem auto; padding: 0 1rem; }
.box { border: 1px solid #ccc; border-radius: .5rem; padding: 1.5rem; }
button { font-size: 1rem; padding: .6rem 1.2rem; margin: .3rem .5rem .3rem 0; cursor: pointer; }
#approve, #scan, #pay { background: #1a7f37; color: white; border: 0; border-radius: .3rem; }
#decline { background: #eee; border: 1px solid #999; border-radius: .3rem; }
code { word-break: break-all; }
</style>"""

# Filled with str.replace, not format: the style sheet has braces. Titles are built
# from escaped parts.
_HEAD = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title}</title>" + _STYLE + "</head><body><div class='box'>"
)
_TAIL = "</div></body></html>"

_TITLES = {
    "redirect": "Sandbox {method}: approve the payment",
    "qr": "Sandbox {method}: scan to pay",
    "voucher": "Sandbox {method} voucher",
    "app_confirm": "Sandbox {method}: confirm in your app",
}


def _buttons() -> str:
    return (
        '<form method="post">'
        '<button id="approve" name="result" value="approve">Approve</button>'
        '<button id="decline" name="result" value="decline">Decline</button></form>'
    )


def _page(payment: dict[str, Any]) -> str:
    method = payment.get("method") or {}
    kind = str(method.get("kind", "redirect"))
    name = html.escape(str(method.get("type", "")))
    amount = html.escape(to_major_str(payment["amount"], payment["currency"]))
    currency = html.escape(payment["currency"])
    title = _TITLES.get(kind, "Sandbox {method}").format(method=name)
    out = [_HEAD.replace("{title}", title), f"<h1>{title}</h1>"]
    out.append(
        f'<p>Pay <strong id="amount">{amount} {currency}</strong>'
        f' with <strong id="method">{name}</strong>.</p>'
    )
    action = payment.get("next_action") or {}
    if payment["status"] != "requires_customer":
        if payment["status"] == "pending":  # a debit the bank is clearing
            out[0] = out[0].replace("<title>", '<meta http-equiv="refresh" content="1"><title>')
        out.append(
            f'<p>The payment is <strong id="payment-status">'
            f"{html.escape(payment['status'])}</strong>.</p>"
        )
    elif kind == "qr":
        out.append(
            f'<img id="qr" alt="QR code" src="{html.escape(str(action.get("image", "")))}">'
            f'<p>Or copy the code: <code id="payload">{html.escape(str(action["payload"]))}</code>'
            f'</p><p>Expires <span id="expires">{html.escape(str(action.get("expires_at")))}'
            "</span>.</p>"
            '<form method="post"><button id="scan" name="result" value="approve">'
            "Scan with the sandbox app</button></form>"
        )
    elif action.get("type") == "display_bank_transfer":
        out.append(
            f'<p>Transfer to <strong id="bank">{html.escape(str(action["bank"]))}</strong> '
            f'account <strong id="account-number">{html.escape(str(action["account_number"]))}'
            f"</strong> ({html.escape(str(action.get('account_holder_name') or ''))})</p>"
            f'<p>Pay before <span id="expires">{html.escape(str(action.get("expires_at")))}'
            "</span>.</p>"
            '<form method="post"><button id="pay" name="result" value="approve">'
            "Make the transfer (sandbox bank)</button></form>"
        )
    elif kind == "voucher":
        out.append(
            f'<p>Voucher <strong id="voucher">{html.escape(str(action["reference"]))}</strong>'
            f'</p><p>Barcode: <code id="barcode">{html.escape(str(action.get("barcode")))}'
            f'</code></p><p>Pay before <span id="expires">'
            f"{html.escape(str(action.get('expires_at')))}</span> at a store or your bank.</p>"
            '<form method="post"><button id="pay" name="result" value="approve">'
            "Pay the voucher (sandbox store)</button></form>"
        )
    else:
        if kind == "app_confirm":
            out.append(f"<p>{html.escape(str(action.get('message', '')))}</p>")
        out.append("<p>This page stands in for the customer's bank or wallet.</p>")
        out.append(_buttons())
    out.append(_TAIL)
    return "".join(out)


WALLETS = {"apple_pay": "Apple Pay", "google_pay": "Google Pay"}


def _wallet_sheet(wallet: str, amount: str, currency: str) -> str:
    name = WALLETS[wallet]
    title = f"Sandbox {name}"
    return "".join(
        [
            _HEAD.replace("{title}", title),
            f"<h1>{title}</h1>",
            f'<p>Pay <strong id="amount">{html.escape(amount)} {html.escape(currency)}</strong>'
            f' with <strong id="method">{name}</strong> (sandbox card ending 4242).</p>',
            '<form method="post"><button id="pay" name="result" value="pay">Pay</button>'
            '<button id="decline" name="result" value="decline">Pay with a declining card'
            "</button></form>",
            _TAIL,
        ]
    )


def routes(get_runtime: Callable[[], Runtime]) -> list[Route]:
    def answer(record: dict[str, Any]) -> Response:
        return JSONResponse(record)

    async def page(request: Request) -> Response:
        pid = str(request.path_params["pid"])
        gateway = get_runtime().sandbox
        try:
            payment = await gateway.get_payment(pid)
        except GatewayAnswer:
            return HTMLResponse("<h1>Unknown payment</h1>", 404)
        if not payment.get("method"):
            return HTMLResponse("<h1>Not a payment-method payment</h1>", 404)
        if request.method == "GET":
            return HTMLResponse(_page(payment))
        form = parse_qs((await request.body())[:4096].decode("ascii", "replace"))
        approve = form.get("result") == ["approve"]
        updated = await gateway.customer_acts(pid, approve)
        return_url = updated.get("return_url")
        if return_url and payment["method"].get("kind") in ("redirect", "app_confirm"):
            result = "approved" if approve else "declined"
            target = _with_query(return_url, {"sandbox_payment": pid, "result": result})
            return RedirectResponse(target, status_code=303)
        return HTMLResponse(_page(updated))

    async def scan(request: Request) -> Response:
        try:
            body = json.loads((await request.body())[:65536] or b"{}")
            payload = str(body.get("payload", "")) if isinstance(body, dict) else ""
            return answer(await get_runtime().sandbox.scan(payload))
        except GatewayAnswer as exc:
            return JSONResponse(exc.body, exc.status)
        except ValueError:
            return JSONResponse({"error": {"code": "invalid_json"}}, 400)

    async def pay_voucher(request: Request) -> Response:
        number = str(request.path_params["number"])
        try:
            return answer(await get_runtime().sandbox.pay_voucher(number))
        except GatewayAnswer as exc:
            return JSONResponse(exc.body, exc.status)

    async def wallet_sheet(request: Request) -> Response:
        wallet = str(request.path_params["wallet"])
        if wallet not in WALLETS:
            return HTMLResponse("<h1>Unknown wallet</h1>", 404)
        query = request.query_params
        return_url = query.get("return_url", "")
        if urlsplit(return_url).scheme not in ("http", "https"):
            return HTMLResponse("<h1>return_url: an http(s) URL is needed</h1>", 400)
        if request.method == "GET":
            amount, currency = query.get("amount", ""), query.get("currency", "")
            return HTMLResponse(_wallet_sheet(wallet, amount[:32], currency[:3]))
        form = parse_qs((await request.body())[:4096].decode("ascii", "replace"))
        declines = form.get("result") == ["decline"]
        token = "sandbox_decline" if declines else f"sandbox_{wallet}_{secrets.token_hex(12)}"
        target = _with_query(return_url, {"wallet": wallet, "token": token})
        return RedirectResponse(target, status_code=303)

    return [
        Route("/sandbox/pay/{pid}", page, methods=["GET", "POST"]),
        Route("/sandbox/wallet/{wallet}", wallet_sheet, methods=["GET", "POST"]),
        Route("/sandbox/scan", scan, methods=["POST"]),
        Route("/sandbox/vouchers/{number}/pay", pay_voucher, methods=["POST"]),
    ]
