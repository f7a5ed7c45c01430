"""Webhooks end to end: gateway → service (``receive``: identify, verify, parse, record
before answering) and service → client applications (``delivery``: a durable outbox,
Standard Webhooks signatures, retries over about three days, replay). ``system`` wires
them into a runtime; ``admin`` is what operators see through the API and the CLI."""
