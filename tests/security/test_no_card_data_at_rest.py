"""No card data at rest: after every flow of the sandbox connector, with card numbers and
CVCs unique to the run, no stored byte of any storage backend and no DEBUG log line holds
them.

Backends: memory (library mode, its dicts inspected), SQLite (a real server process; the
rows of every table *and* the raw bytes of the .db, -wal and -shm files) and PostgreSQL (a
real server process on a fresh schema; every row of every table). Looked for: the PAN, its
digits split by spaces or dashes, the CVC next to its field name, and the expiry pair next
to the card number or CVC value (the raw card input; a card *summary* of brand, last four
and expiry, or a log line whose number and CVC are masked, is what the API returns and
PCI DSS lets one keep without the number).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector_service.library import ConnectorService
from tests.conftest import start_service
from tests.security.scan import hits, joined, new_card, postgres_contents, sqlite_contents, walk
from tests.server.client import Api
from tests.webhooks.helpers import pg_schema


def _cards() -> list[dict[str, Any]]:
    """Visa, Mastercard and Amex numbers unique to this run, unusual CVCs (four digits
    for Amex) and far-future expiries, so a hit cannot be a coincidence."""
    brands = (("4", 16, 3), ("53", 16, 3), ("37", 15, 4)) * 2
    return [new_card(prefix, length, cvc_len) for prefix, length, cvc_len in brands]


async def _drive_rest(api: Api, cards: list[dict[str, Any]]) -> None:
    """Every flow the sandbox declares, over REST, each POST with an Idempotency-Key."""
    run = uuid.uuid4().hex[:8]
    n = 0

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        nonlocal n
        n += 1
        doc: dict[str, Any] = await api.ok(
            "POST", path, body, headers={"Idempotency-Key": f"scan-{run}-{n}"}
        )
        return doc

    visa, mc, amex, visa2, mc2, amex2 = cards
    manual = await post(
        "/v1/payments",
        {"amount": 2500, "currency": "EUR", "capture_method": "manual", "payment_method": visa},
    )
    await post(f"/v1/payments/{manual['id']}/capture", {"amount": 2000})
    await post(f"/v1/payments/{manual['id']}/refunds", {"amount": 500})
    await api.ok("GET", f"/v1/payments/{manual['id']}")
    auto = await post("/v1/payments", {"amount": 1800, "currency": "USD", "payment_method": amex})
    refund = await post(f"/v1/payments/{auto['id']}/refunds", {})
    await api.ok("GET", f"/v1/refunds/{refund['id']}")
    held = await post(
        "/v1/payments",
        {"amount": 900, "currency": "EUR", "capture_method": "manual", "payment_method": mc},
    )
    await post(f"/v1/payments/{held['id']}/void", {})
    mandate = await post(
        "/v1/mandates", {"currency": "EUR", "payment_method": visa2, "customer": {"id": "cus_scan"}}
    )
    await post(
        "/v1/payments",
        {
            "amount": 700,
            "currency": "EUR",
            "payment_method": {"type": "mandate", "mandate_id": mandate["id"]},
        },
    )
    await post(f"/v1/mandates/{mandate['id']}/revoke", {})
    stored = await post(
        "/v1/payments",
        {
            "amount": 1100,
            "currency": "EUR",
            "setup_future_usage": "off_session",
            "customer": {"id": "cus_scan2"},
            "payment_method": mc2,
        },
    )
    assert stored["status"] == "captured"
    # a request the gateway refuses: its error must not echo the card either
    status, _, _ = await api.call(
        "POST", "/v1/payments", {"amount": -1, "currency": "EUR", "payment_method": amex2}
    )
    assert status == 400


CONFIG = """
[server]
log_level = "debug"

[webhooks]
sandbox_events = "direct"
"""


async def test_sqlite_file_wal_and_logs_hold_no_card_data(tmp_path: Path) -> None:
    cards = _cards()
    db = tmp_path / "scan.db"
    svc = start_service(tmp_path, CONFIG, env={"CS_STORAGE_URL": f"sqlite:///{db}"})
    try:
        await _drive_rest(Api(svc.url), cards)
        raw, tables = sqlite_contents(db)
        rows = joined(tables)
        assert b"sandbox:idem" in rows  # the sandbox's idempotency records were written
    finally:
        svc.stop()
    logs = svc.log_path.read_bytes()
    assert b'"level":"debug"' in logs  # the DEBUG lines (gateway exchanges) were written
    assert hits(raw, cards) == []
    assert hits(rows, cards) == []
    assert hits(logs, cards) == []


@pytest.fixture
def pg_dsn(postgres_dsn: str) -> Iterator[str]:
    with pg_schema(postgres_dsn) as dsn:
        yield dsn


async def test_postgresql_tables_and_logs_hold_no_card_data(tmp_path: Path, pg_dsn: str) -> None:
    cards = _cards()
    svc = start_service(tmp_path, CONFIG, env={"CS_STORAGE_URL": pg_dsn})
    try:
        await _drive_rest(Api(svc.url), cards)
    finally:
        svc.stop()
    tables = await postgres_contents(pg_dsn)
    rows = joined(tables)
    assert "kv" in tables and b"sandbox:idem" in rows
    assert hits(rows, cards) == []
    assert hits(svc.log_path.read_bytes(), cards) == []


async def test_memory_storage_holds_no_card_data(caplog: pytest.LogCaptureFixture) -> None:
    cards = _cards()
    visa, mc, amex, visa2, _, _ = cards
    caplog.set_level("DEBUG")
    async with ConnectorService({"storage": {"url": "memory://"}}) as cs:
        manual = await cs.create_payment(
            {"amount": 2500, "currency": "EUR", "capture_method": "manual",
             "payment_method": visa}, idempotency_key="m-1")  # fmt: skip
        await cs.capture(manual.id, {"amount": 2000}, idempotency_key="m-2")
        await cs.refund(manual.id, {"amount": 500}, idempotency_key="m-3")
        await cs.get_payment(manual.id)
        held = await cs.create_payment(
            {"amount": 900, "currency": "EUR", "capture_method": "manual",
             "payment_method": mc}, idempotency_key="m-4")  # fmt: skip
        await cs.void(held.id, idempotency_key="m-5")
        await cs.create_payment(
            {"amount": 1800, "currency": "USD", "payment_method": amex}, idempotency_key="m-6"
        )
        mandate = await cs.create_mandate(
            {"currency": "EUR", "payment_method": visa2, "customer": {"id": "cus_m"}},
            idempotency_key="m-7",
        )
        await cs.create_payment(
            {"amount": 700, "currency": "EUR",
             "payment_method": {"type": "mandate", "mandate_id": mandate.id}},
            idempotency_key="m-8",
        )  # fmt: skip
        await cs.revoke_mandate(mandate.id)
        await cs.runtime.sandbox.flush_webhooks(5)
        blobs: list[bytes] = []
        walk(cs.runtime.storage, blobs, set())
        walk(cs.runtime.webhooks.store, blobs, set())
    stored = b"\n".join(blobs)
    assert b"sandbox:idem" in stored or any(b"fingerprint" in b for b in blobs)
    assert hits(stored, cards) == []
    logs = "\n".join(r.getMessage() + " " + repr(r.__dict__) for r in caplog.records)
    assert hits(logs.encode(), cards) == []
