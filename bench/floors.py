"""Framework floors for the benchmark: the same transport as the service, no service logic.

Why: a ratio such as "gRPC >= 0.8x REST" or "REST >= 3x the Stripe SDK" can only be
reached if the frameworks underneath allow it. Each floor here is a server that receives
the bench's authorize request on the service's own stack, relays one form-encoded POST to
the mock gateway with aiohttp (as the connector does), decodes the answer and replies:

    rest   uvicorn (httptools, uvloop) with a bare ASGI callable: no Starlette, no auth,
           validation, routing, storage, logging or metrics
    grpc   grpc.aio with one generic handler for PaymentService/CreatePayment, answering
           a Payment message built field by field

    python bench/floors.py rest --port 9200 --mock http://127.0.0.1:9100
    python bench/floors.py grpc --port 9201 --mock http://127.0.0.1:9100

What the service costs above its floor (measured in the same run) is its own overhead;
the floors bound what any change to the service's code can reach.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

FORM = (
    b"amount=2500&currency=eur&capture_method=manual&confirm=true"
    b"&payment_method_data[type]=card&payment_method_data[card][number]=4242424242424242"
    b"&payment_method_data[card][exp_month]=12&payment_method_data[card][exp_year]=2034"
    b"&payment_method_data[card][cvc]=123&expand[]=latest_charge"
)
HEADERS = {
    "Authorization": "Bearer sk_test_benchSecret0123456789",
    "Content-Type": "application/x-www-form-urlencoded",
}


def _session() -> Any:
    import aiohttp

    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))


async def _relay(session: Any, mock: str) -> dict[str, Any]:
    import msgspec

    async with session.post(mock + "/v1/payment_intents", data=FORM, headers=HEADERS) as resp:
        body: dict[str, Any] = msgspec.json.decode(await resp.read())
        return body


def rest(port: int, mock: str) -> None:
    import msgspec
    import uvicorn

    state: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    state["session"] = _session()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await state["session"].close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        request = msgspec.json.decode(body) if body else {}
        if scope["path"] == "/health":
            answer, status = b'{"status":"ok"}', 200
        else:
            pi = await _relay(state["session"], mock)
            answer = msgspec.json.encode(
                {"id": pi["id"], "status": "authorized", "amount": request.get("amount"),
                 "currency": request.get("currency"), "connector": "stripe"}
            )  # fmt: skip
            status = 201
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": answer})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                loop="uvloop", http="httptools", lifespan="on")  # fmt: skip


def grpc_floor(port: int, mock: str) -> None:
    import grpc
    import uvloop

    from connector_service.grpc_gen.v1 import common_pb2, payments_pb2

    async def main() -> None:
        session = _session()

        async def create(request: payments_pb2.CreatePaymentRequest, context: Any) -> Any:
            pi = await _relay(session, mock)
            return payments_pb2.Payment(
                id=pi["id"],
                status=common_pb2.PAYMENT_STATUS_AUTHORIZED,
                amount=common_pb2.Money(
                    minor_units=request.amount.minor_units, currency=request.amount.currency
                ),
                connector="stripe",
            )

        handler = grpc.method_handlers_generic_handler(
            "connector_service.v1.PaymentService",
            {
                "CreatePayment": grpc.unary_unary_rpc_method_handler(
                    create,
                    request_deserializer=payments_pb2.CreatePaymentRequest.FromString,
                    response_serializer=payments_pb2.Payment.SerializeToString,
                )
            },
        )
        server = grpc.aio.server()
        server.add_generic_rpc_handlers((handler,))
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        print("ready", flush=True)
        await server.wait_for_termination()

    if os.environ.get("CS_BENCH_FLOOR_LOOP") == "asyncio":  # for comparing event loops
        asyncio.run(main())
    else:
        uvloop.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("rest", "grpc"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mock", required=True)
    args = parser.parse_args()
    (rest if args.kind == "rest" else grpc_floor)(args.port, args.mock)


if __name__ == "__main__":
    main()
