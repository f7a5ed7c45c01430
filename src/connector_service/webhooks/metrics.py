"""Webhook metrics. Labels stay low-cardinality: connector names, operator-configured
endpoint ids and fixed outcome classes; never event ids, URLs or anything a gateway or a
caller chooses.

The backlog gauges are read from the outbox (the whole database, not this process) every
few seconds by each delivery worker, so any instance's ``/metrics`` shows the queue (in
prometheus_client's multiprocess mode the most recent reading wins).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RECEIVED = Counter(
    "cs_webhooks_received_total",
    "Gateway webhooks received, by connector and outcome "
    "(accepted, duplicate, ignored, unverified, malformed, unavailable)",
    ["connector", "outcome"],
)
EVENTS = Counter(
    "cs_webhook_events_total",
    "Unified events recorded (new, not duplicates), by connector and event type",
    ["connector", "type"],
)
ATTEMPTS = Counter(
    "cs_webhook_delivery_attempts_total",
    "Delivery attempts by endpoint and outcome "
    "(success, http_4xx, http_5xx, gone, timeout, connection_error)",
    ["endpoint", "outcome"],
)
ATTEMPT_LATENCY = Histogram(
    "cs_webhook_delivery_seconds",
    "Latency of one delivery attempt",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
GAVE_UP = Counter(
    "cs_webhook_deliveries_failed_total",
    "Deliveries marked failed (retries exhausted or endpoint gone), kept for replay",
    ["endpoint"],
)
BACKLOG = Gauge(
    "cs_webhook_backlog",
    "Deliveries waiting to be sent (pending, including those between retries)",
    ["endpoint"],
    multiprocess_mode="mostrecent",
)
FAILED = Gauge(
    "cs_webhook_failed",
    "Deliveries that failed and await a replay",
    ["endpoint"],
    multiprocess_mode="mostrecent",
)
OLDEST = Gauge(
    "cs_webhook_oldest_pending_seconds",
    "Age of the oldest pending delivery (0 when none)",
    ["endpoint"],
    multiprocess_mode="mostrecent",
)
DISABLED = Gauge(
    "cs_webhook_endpoint_disabled",
    "1 while an endpoint is disabled (it answered 410)",
    ["endpoint"],
    multiprocess_mode="mostrecent",
)
