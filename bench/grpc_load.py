"""gRPC load generator for the benchmark: ``concurrency`` CreatePayment calls in flight on
one channel (grpc.aio), for ``duration`` seconds. Prints one JSON line: requests, errors,
latency percentiles (µs) and its own CPU time.

    python bench/grpc_load.py --target 127.0.0.1:50051 --api-key KEY --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(target: str, api_key: str, concurrency: int, duration: float) -> dict[str, Any]:
    import grpc

    from connector_service.grpc_gen.v1 import common_pb2, payments_pb2, payments_pb2_grpc

    request = payments_pb2.CreatePaymentRequest(
        amount=common_pb2.Money(minor_units=2500, currency="EUR"),
        payment_method=common_pb2.PaymentMethod(
            card=common_pb2.Card(number="4242424242424242", exp_month=12, exp_year=2034, cvc="123")
        ),
        capture_method=common_pb2.CAPTURE_METHOD_MANUAL,
        account="bench",
        description="Order 1001",
        metadata={"order": "1001"},
    )
    metadata = (("authorization", f"Bearer {api_key}"),)
    latencies: list[float] = []
    errors = 0
    async with grpc.aio.insecure_channel(target) as channel:
        stub = payments_pb2_grpc.PaymentServiceStub(channel)
        first = await stub.CreatePayment(request, metadata=metadata, timeout=10)
        if first.status != common_pb2.PAYMENT_STATUS_AUTHORIZED:
            raise SystemExit(f"sanity call: {first}")
        stop_at = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while True:
                started = time.perf_counter()
                if started >= stop_at:
                    return
                try:
                    await stub.CreatePayment(request, metadata=metadata, timeout=10)
                except grpc.aio.AioRpcError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)

        cpu0, t0 = _cpu(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu1, t1 = _cpu(), time.perf_counter()
    latencies.sort()

    def pct(p: float) -> float | None:
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1e6

    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": t1 - t0,
        "client_cpu_seconds": cpu1 - cpu0,
        "p50_us": pct(50),
        "p99_us": pct(99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(run(args.target, args.api_key, args.concurrency, args.duration))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
