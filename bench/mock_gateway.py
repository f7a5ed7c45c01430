"""A fast loopback mock of the Stripe PaymentIntents API (and of the sandbox gateway's
API, for when the Stripe connector is not available).

It is a bare asyncio protocol (uvloop when installed) with pre-rendered answers, so it
costs far less per request than anything it is used to measure: every figure in the
benchmark includes it, and the nginx baseline shows its ceiling. It understands
HTTP/1.1 keep-alive with ``Content-Length`` bodies (what aiohttp, nginx and the Stripe
SDK send) and nothing more.

    python bench/mock_gateway.py --port 9100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from typing import Any

CREATED = 1767225600


def payment_intent(status: str, capture_method: str) -> dict[str, Any]:
    """A PaymentIntent the way Stripe returns it (API version 2024-06-20), with its
    latest charge expanded (what a connector asks for to read card details): ~3 KB."""
    pi = "pi_3QbenchMockGateway0001"
    captured = status == "succeeded"
    return {
        "id": pi,
        "object": "payment_intent",
        "amount": 2500,
        "amount_capturable": 0 if captured or status == "canceled" else 2500,
        "amount_details": {"tip": {}},
        "amount_received": 2500 if captured else 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": CREATED if status == "canceled" else None,
        "cancellation_reason": "requested_by_customer" if status == "canceled" else None,
        "capture_method": capture_method,
        "client_secret": pi + "_secret_benchMockClientSecret",
        "confirmation_method": "automatic",
        "created": CREATED,
        "currency": "eur",
        "customer": None,
        "description": "Order 1001",
        "invoice": None,
        "last_payment_error": None,
        "latest_charge": {
            "id": "ch_3QbenchMockGateway0001",
            "object": "charge",
            "amount": 2500,
            "amount_captured": 2500 if captured else 0,
            "amount_refunded": 0,
            "balance_transaction": "txn_3QbenchMockGateway0001" if captured else None,
            "billing_details": {
                "address": {
                    "city": None,
                    "country": None,
                    "line1": None,
                    "line2": None,
                    "postal_code": None,
                    "state": None,
                },
                "email": None,
                "name": None,
                "phone": None,
            },
            "captured": captured,
            "created": CREATED,
            "currency": "eur",
            "disputed": False,
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
            "metadata": {"order": "1001"},
            "outcome": {
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "risk_score": 32,
                "seller_message": "Payment complete.",
                "type": "authorized",
            },
            "paid": True,
            "payment_intent": pi,
            "payment_method": "pm_1QbenchMockGateway0001",
            "payment_method_details": {
                "card": {
                    "amount_authorized": 2500,
                    "authorization_code": None,
                    "brand": "visa",
                    "checks": {
                        "address_line1_check": None,
                        "address_postal_code_check": None,
                        "cvc_check": "pass",
                    },
                    "country": "US",
                    "exp_month": 12,
                    "exp_year": 2034,
                    "extended_authorization": {"status": "disabled"},
                    "fingerprint": "bEnChMoCkFiNgErPr",
                    "funding": "credit",
                    "incremental_authorization": {"status": "unavailable"},
                    "installments": None,
                    "last4": "4242",
                    "mandate": None,
                    "multicapture": {"status": "unavailable"},
                    "network": "visa",
                    "network_token": {"used": False},
                    "network_transaction_id": "104102978678771",
                    "overcapture": {"maximum_amount_capturable": 2500, "status": "unavailable"},
                    "regulated_status": "unregulated",
                    "three_d_secure": None,
                    "wallet": None,
                },
                "type": "card",
            },
            "receipt_url": "https://pay.stripe.com/receipts/payment/benchmock",
            "refunded": False,
            "status": "succeeded",
        },
        "livemode": False,
        "metadata": {"order": "1001"},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": "pm_1QbenchMockGateway0001",
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            },
        },
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
    }


def payment_method() -> dict[str, Any]:
    return {
        "id": "pm_1QbenchMockGateway0001",
        "object": "payment_method",
        "billing_details": {
            "address": {
                "city": None,
                "country": None,
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": None,
            "name": None,
            "phone": None,
        },
        "card": {
            "brand": "visa",
            "checks": {"cvc_check": "unchecked"},
            "country": "US",
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": "bEnChMoCkFiNgErPr",
            "funding": "credit",
            "last4": "4242",
            "networks": {"available": ["visa"]},
        },
        "created": CREATED,
        "customer": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


def refund() -> dict[str, Any]:
    return {
        "id": "re_3QbenchMockGateway0001",
        "object": "refund",
        "amount": 500,
        "balance_transaction": "txn_3QbenchMockGateway0002",
        "charge": "ch_3QbenchMockGateway0001",
        "created": CREATED,
        "currency": "eur",
        "metadata": {},
        "payment_intent": "pi_3QbenchMockGateway0001",
        "reason": None,
        "status": "succeeded",
    }


def sandbox_payment(capture: bool) -> dict[str, Any]:
    """The sandbox gateway's payment object, padded with realistic detail to ~3 KB."""
    pi = payment_intent(
        "succeeded" if capture else "requires_capture", "automatic" if capture else "manual"
    )
    return {
        "id": "sbp_benchMockGateway0001",
        "status": "captured" if capture else "authorized",
        "amount": 2500,
        "amount_captured": 2500 if capture else 0,
        "currency": "EUR",
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034},
        "network_transaction_id": "104102978678771",
        "detail": {k: v for k, v in pi.items() if k != "id"},
    }


def _render(status: int, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    reason = {200: "OK", 402: "Payment Required", 404: "Not Found"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Server: nginx\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "Connection: keep-alive\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        "Cache-Control: no-cache, no-store\r\n"
        "Request-Id: req_benchMockGateway\r\n"
        "Stripe-Version: 2024-06-20\r\n"
        "\r\n"
    )
    return head.encode() + payload


NOT_FOUND = _render(
    404,
    {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": "No such route",
        }
    },
)
ANSWERS = {
    "pi_manual": _render(200, payment_intent("requires_capture", "manual")),
    "pi_auto": _render(200, payment_intent("succeeded", "automatic")),
    "pi_canceled": _render(200, payment_intent("canceled", "manual")),
    "pm": _render(200, payment_method()),
    "refund": _render(200, refund()),
    "sb_manual": _render(200, sandbox_payment(False)),
    "sb_auto": _render(200, sandbox_payment(True)),
}


def route(method: bytes, path: bytes, body: bytes) -> bytes:
    path = path.split(b"?", 1)[0]
    if path.startswith(b"/v1/payment_intents"):
        if method == b"GET":
            return ANSWERS["pi_manual"]
        if path.endswith(b"/capture"):
            return ANSWERS["pi_auto"]
        if path.endswith(b"/cancel"):
            return ANSWERS["pi_canceled"]
        if b"capture_method=manual" in body:
            return ANSWERS["pi_manual"]
        return ANSWERS["pi_auto"]
    if path.startswith(b"/v1/payment_methods"):
        return ANSWERS["pm"]
    if path.startswith(b"/v1/refunds"):
        return ANSWERS["refund"]
    if path.startswith(b"/v1/payments"):  # the sandbox gateway's API
        if b'"capture":true' in body:
            return ANSWERS["sb_auto"]
        return ANSWERS["sb_manual"]
    return NOT_FOUND


# The slow-gateway scenario asks for a delay per request in the payment's metadata
# (``metadata[delay_ms]``, which the connector forwards): the load generator draws it, so
# it knows each request's gateway time and can subtract it from the latency it sees.
_DELAY_KEYS = (b"metadata%5Bdelay_ms%5D=", b"metadata[delay_ms]=")


def requested_delay(body: bytes) -> float:
    for key in _DELAY_KEYS:
        at = body.find(key)
        if at >= 0:
            end = at + len(key)
            stop = body.find(b"&", end)
            return int(body[end : stop if stop >= 0 else len(body)]) / 1000
    return 0.0


class Stats:
    open = 0
    peak = 0
    total = 0
    delayed = 0

    @classmethod
    def render(cls) -> bytes:
        return _render(200, {"connections_open": cls.open, "connections_peak": cls.peak,
                             "connections_total": cls.total, "delayed": cls.delayed})  # fmt: skip


class GatewayProtocol(asyncio.Protocol):
    __slots__ = ("buf", "ready_at", "transport")

    def __init__(self) -> None:
        self.buf = b""
        self.transport: Any = None
        self.ready_at = 0.0  # answers on one connection leave in order

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        Stats.open += 1
        Stats.total += 1
        Stats.peak = max(Stats.peak, Stats.open)

    def connection_lost(self, exc: Exception | None) -> None:
        Stats.open -= 1

    def _write_later(self, delay: float, answer: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.ready_at = max(self.ready_at, loop.time() + delay)
        Stats.delayed += 1
        loop.call_at(self.ready_at, self._write, answer)

    def _write(self, answer: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(answer)

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        out: list[bytes] = []
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end]
            length = 0
            at = head.find(b"ontent-Length:")
            if at < 0:
                at = head.find(b"ontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at)
                length = int(head[at + 14 : stop if stop >= 0 else len(head)])
            total = end + 4 + length
            if len(buf) < total:
                break
            line_end = head.find(b"\r\n")
            method, path, _ = head[: line_end if line_end >= 0 else len(head)].split(b" ", 2)
            body = buf[end + 4 : total]
            buf = buf[total:]
            if path == b"/_stats":
                out.append(Stats.render())
                continue
            delay = requested_delay(body)
            if delay > 0:
                if out:
                    self._write(b"".join(out))
                    out = []
                self._write_later(delay, route(method, path, body))
            elif self.ready_at > asyncio.get_running_loop().time():
                self._write_later(0, route(method, path, body))
            else:
                out.append(route(method, path, body))
        self.buf = buf
        if out and self.transport is not None:
            self.transport.write(b"".join(out))


async def serve(host: str, port: int, ready_fd: int | None = None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(GatewayProtocol, host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    if ready_fd is not None:
        os.write(ready_fd, f"{bound}\n".encode())
    else:
        print(f"mock gateway on http://{host}:{bound}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
