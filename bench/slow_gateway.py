"""Load generator for the slow-gateway scenario: ``--in-flight`` authorize requests kept
in flight against the service (one keep-alive connection each), each asking the mock
gateway (bench/mock_gateway.py) for a delay drawn from a log-normal distribution
(median ``--median-ms``, 99th percentile ``--p99-ms``) through ``metadata[delay_ms]``.

Because it draws each request's gateway time itself, it can report what the service
adds: the latency it sees minus that delay, per request. Prints one JSON line.

    python bench/slow_gateway.py --url http://127.0.0.1:8080 --api-key KEY --in-flight 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import resource
import time
from typing import Any

Z99 = 2.3263478740408408  # the standard normal's 99th percentile


def sigma_for(median_ms: float, p99_ms: float) -> float:
    """The log-normal shape giving ``p99_ms`` at the 99th percentile for ``median_ms``."""
    return math.log(p99_ms / median_ms) / Z99


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    at = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[at]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    rng = random.Random(args.seed)
    mu, sigma = math.log(args.median_ms), sigma_for(args.median_ms, args.p99_ms)
    headers = {"Authorization": f"Bearer {args.api_key}", "Content-Type": "application/json"}
    added: list[float] = []
    gateway: list[float] = []
    seen: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0
    measuring = False
    stop_at = 0.0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            delay_ms = min(rng.lognormvariate(mu, sigma), args.max_delay_ms)
            body = json.dumps({
                "amount": 2500, "currency": "EUR", "capture_method": "manual",
                "account": "bench", "metadata": {"delay_ms": str(int(delay_ms))},
                "payment_method": {"type": "card", "number": "4242424242424242",
                                   "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            })  # fmt: skip
            started = time.perf_counter()
            try:
                async with session.post(args.url + "/v1/payments", data=body,
                                        headers=headers) as resp:  # fmt: skip
                    await resp.read()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                if measuring:
                    errors += 1
                    statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
                continue
            took = (time.perf_counter() - started) * 1000
            if not measuring:
                continue
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status != 201:
                errors += 1
                continue
            seen.append(took)
            gateway.append(int(delay_ms))
            added.append(took - int(delay_ms))

    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        stop_at = time.perf_counter() + args.warmup + args.duration
        tasks = [asyncio.create_task(worker(session)) for _ in range(args.in_flight)]
        await asyncio.sleep(args.warmup)
        measuring = True
        cpu0, t0 = _cpu(), time.perf_counter()
        await asyncio.sleep(args.duration)
        measuring = False  # requests finishing after this are not counted
        seconds, cpu = time.perf_counter() - t0, _cpu() - cpu0
        await asyncio.gather(*tasks)
    added.sort()
    gateway.sort()
    seen.sort()
    return {
        "in_flight": args.in_flight,
        "requests": len(seen),
        "seconds": seconds,
        "errors": errors,
        "statuses": statuses,
        "added_p50_ms": percentile(added, 0.50),
        "added_p99_ms": percentile(added, 0.99),
        "added_max_ms": added[-1] if added else None,
        "gateway_p50_ms": percentile(gateway, 0.50),
        "gateway_p99_ms": percentile(gateway, 0.99),
        "latency_p50_ms": percentile(seen, 0.50),
        "latency_p99_ms": percentile(seen, 0.99),
        "client_cpu_seconds": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--in-flight", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--median-ms", type=float, default=300)
    parser.add_argument("--p99-ms", type=float, default=1500)
    parser.add_argument("--max-delay-ms", type=float, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(args))), flush=True)


if __name__ == "__main__":
    main()
