"""Prometheus metrics. Labels are low-cardinality by construction: connector and flow
names, route templates, outcome classes, operator-configured account names. Never ids,
amounts or anything a caller types.

With several worker processes (``serve --workers N``) each worker counts in its own
memory, and a scrape of ``/metrics`` reaches one worker at random. ``serve`` therefore
switches prometheus_client to its multiprocess mode when N > 1: every worker writes its
samples to files under ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` (:func:`render`)
adds up all workers. Set that variable yourself to choose the directory (it is emptied at
start-up) or to use the mode with one worker.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# The service adds well under a millisecond; gateways take tens to hundreds.
_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_FINE_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)

GATEWAY_CALLS = Counter(
    "cs_gateway_calls_total",
    "Calls to gateways by connector, flow and outcome class",
    ["connector", "flow", "outcome"],
)
GATEWAY_LATENCY = Histogram(
    "cs_gateway_call_seconds",
    "Gateway call latency (one HTTP exchange)",
    ["connector", "flow"],
    buckets=_BUCKETS,
)
GATEWAY_POOL_QUEUED = Counter(
    "cs_gateway_pool_queued_total",
    "Gateway calls that found the connection pool at gateway_pool.max_connections or "
    "max_connections_per_host, and so waited for a free connection",
)
GATEWAY_IN_FLIGHT = Gauge(
    "cs_gateway_in_flight",
    "Gateway calls in flight (each holds one pooled connection)",
)
REQUESTS = Counter(
    "cs_requests_total",
    "API requests by transport (rest, grpc), route (REST path template or gRPC method), "
    "connector, flow (the gateway flow run; '-' when none ran) and outcome (the HTTP "
    "status class, for gRPC too)",
    ["transport", "route", "connector", "flow", "outcome"],
)
REQUEST_LATENCY = Histogram(
    "cs_request_seconds",
    "Service latency per API request (including the gateway calls)",
    ["route"],
    buckets=_BUCKETS,
)
REQUEST_OVERHEAD = Histogram(
    "cs_request_overhead_seconds",
    "Latency the service adds per API request: its whole time less the time spent waiting "
    "for gateways",
    ["route"],
    buckets=_FINE_BUCKETS,
)
IDEMPOTENCY_REPLAYS = Counter(
    "cs_idempotency_replays_total",
    "Requests answered from an idempotency record (the stored first answer, replayed)",
    ["route"],
)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render() -> bytes:
    """The exposition text: this process's registry, or every worker's in multiprocess
    mode."""
    if multiprocess_dir() is None:
        return generate_latest()
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


BREAKER_STATE = Gauge(
    "cs_circuit_breaker_state",
    "Circuit breaker per configured account as this instance last saw it "
    "(0 closed, 1 half-open, 2 open)",
    ["account"],
    multiprocess_mode="mostrecent",
)
FAILOVERS = Counter(
    "cs_routing_failovers_total",
    "Authorizations moved to the next account, by reason",
    ["reason"],
)
UNRESOLVED = Gauge(
    "cs_unresolved_payments",
    "Payments whose outcome is unknown and that the reconciler still tries to settle "
    "(the whole storage, read at each reconciler run; counted up to 10000)",
    multiprocess_mode="mostrecent",
)
