"""Baselines driven in-process on the mock gateway, without the service in between.

``stripe``: the official ``stripe`` SDK (``StripeClient`` with its async aiohttp HTTP
client) creating and confirming a PaymentIntent, ``concurrency`` calls in flight.
``aiohttp``: a bare aiohttp ``ClientSession`` POSTing the same form body and decoding the
JSON answer (the floor of any Python service using that client).
``library``: Connector Service in library mode (``ConnectorService.create_payment``, no
HTTP server) with the benchmark's configuration (``--config``): what an application
embedding the library pays per authorize.

Prints one JSON line: requests, errors, latency percentiles (µs) and the process's own
CPU time (getrusage: the same utime + stime as /proc/<pid>/stat) over the measured
window only (the warm-up is excluded).

    python bench/direct_clients.py stripe --base-url http://127.0.0.1:9100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from collections.abc import Awaitable, Callable
from typing import Any

FORM = (
    b"amount=2500&currency=eur&capture_method=manual&confirm=true"
    b"&payment_method=pm_card_visa&payment_method_types[0]=card"
    b"&description=Order%201001&metadata[order]=1001&expand[0]=latest_charge"
)
SECRET_KEY = "sk_test_benchmarkKey0000000000000000"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _drive(
    call: Callable[[], Awaitable[Any]], concurrency: int, warmup: float, duration: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    measuring = False
    stop_at = time.perf_counter() + warmup + duration

    async def worker() -> None:
        nonlocal errors
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return
            try:
                await call()
            except Exception:
                errors += 1
                continue
            if measuring:
                latencies.append(time.perf_counter() - started)

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    await asyncio.sleep(warmup)
    measuring = True
    cpu0, t0 = _cpu(), time.perf_counter()
    await asyncio.gather(*tasks)
    cpu1, t1 = _cpu(), time.perf_counter()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1e6

    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": t1 - t0,
        "cpu_seconds": cpu1 - cpu0,
        "p50_us": pct(50) if latencies else None,
        "p99_us": pct(99) if latencies else None,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # peak
    }


async def stripe_sdk(base_url: str, concurrency: int, warmup: float, duration: float) -> Any:
    import stripe

    http = stripe.AIOHTTPClient()
    client = stripe.StripeClient(
        SECRET_KEY,
        base_addresses={"api": base_url},
        http_client=http,
        max_network_retries=0,
    )
    params: dict[str, Any] = {
        "amount": 2500,
        "currency": "eur",
        "capture_method": "manual",
        "confirm": True,
        "payment_method": "pm_card_visa",
        "payment_method_types": ["card"],
        "description": "Order 1001",
        "metadata": {"order": "1001"},
        "expand": ["latest_charge"],
    }

    async def call() -> None:
        intent = await client.v1.payment_intents.create_async(params)
        assert intent.status == "requires_capture"

    try:
        return await _drive(call, concurrency, warmup, duration)
    finally:
        await http.close_async()


async def aiohttp_alone(base_url: str, concurrency: int, warmup: float, duration: float) -> Any:
    import aiohttp
    import msgspec

    decode = msgspec.json.decode
    url = base_url + "/v1/payment_intents"
    headers = {
        "Authorization": "Bearer " + SECRET_KEY,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def call() -> None:
            async with session.post(url, data=FORM, headers=headers) as resp:
                body = decode(await resp.read())
                assert resp.status == 200 and body["status"] == "requires_capture"

        return await _drive(call, concurrency, warmup, duration)


async def library(config_path: str, concurrency: int, warmup: float, duration: float) -> Any:
    from connector_service.config import load_config
    from connector_service.domain.status import PaymentStatus
    from connector_service.library import ConnectorService

    payment: dict[str, Any] = json.loads(PAYMENT_JSON)
    async with ConnectorService(load_config(config_path)) as cs:

        async def call() -> None:
            result = await cs.create_payment(payment)
            assert result.status == PaymentStatus.AUTHORIZED, result.status

        return await _drive(call, concurrency, warmup, duration)


# The REST scenario's request body (bench/run.py PAYMENT), as the library receives it.
PAYMENT_JSON = (
    '{"amount": 2500, "currency": "EUR", "capture_method": "manual", "account": "bench",'
    ' "description": "Order 1001", "metadata": {"order": "1001"}, "payment_method":'
    ' {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034,'
    ' "cvc": "123"}}'
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("client", choices=["stripe", "aiohttp", "library"])
    parser.add_argument("--base-url", default="")
    parser.add_argument("--config", default="", help="library: the service configuration")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.install()
    if args.client == "library":
        result = asyncio.run(library(args.config, args.concurrency, args.warmup, args.duration))
    else:
        run = stripe_sdk if args.client == "stripe" else aiohttp_alone
        result = asyncio.run(run(args.base_url, args.concurrency, args.warmup, args.duration))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
