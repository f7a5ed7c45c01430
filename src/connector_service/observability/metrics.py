"""Prometheus metrics. Labels are low-cardinality by construction: connector and flow
names, route templates, outcome classes. Never ids, amounts or anything a caller types."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

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
REQUESTS = Counter(
    "cs_requests_total",
    "API requests by route, connector, flow and outcome",
    ["route", "connector", "flow", "outcome"],
)
REQUEST_LATENCY = Histogram(
    "cs_request_seconds",
    "Service latency per API request (including the gateway call)",
    ["route"],
    buckets=_BUCKETS,
)
