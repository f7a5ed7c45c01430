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

import random
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from connector_service.library import ConnectorService
from tests.conftest import start_service
from tests.server.client import Api
from tests.webhooks.helpers import pg_schema

rng = random.Random()


def _luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _cards() -> list[dict[str, Any]]:
    """Visa, Mastercard and Amex numbers unique to this run, unusual CVCs (four digits
    for Amex) and far-future expiries, so a hit cannot be a coincidence."""
    out = []
    for prefix, length, cvc_len in (("4", 16, 3), ("53", 16, 3), ("37", 15, 4)) * 2:
        out.append({
            "type": "card",
            "number": _luhn_complete(prefix, length),
            "exp_month": rng.randint(1, 12),
            "exp_year": rng.randint(2061, 2089),
            "cvc": "".join(rng.choice("56789") for _ in range(cvc_len)),
            "holder_name": "Ada Lovelace",
        })  # fmt: skip
    return out


def _patterns(card: dict[str, Any]) -> list[re.Pattern[bytes]]:
    pan, cvc = card["number"], card["cvc"]
    groups = [pan[i : i + 4] for i in range(0, len(pan), 4)]
    month, year = card["exp_month"], card["exp_year"]
    near = r"[\s\S]{0,300}"
    return [
        re.compile(re.escape(pan).encode()),
        re.compile("[ -]".join(map(re.escape, groups)).encode()),
        re.compile(rf"(?i)(cvc|cvv|security_?code|cvc2)\W{{0,4}}{cvc}\b".encode()),
        re.compile(
            rf"(?i)({pan}|(cvc|cvv)\W{{0,4}}{cvc}){near}exp\w*month\W{{0,4}}0?{month}\W{near}"
            rf"exp\w*year\W{{0,4}}{year}".encode()
        ),
    ]


def _hits(blob: bytes, cards: list[dict[str, Any]]) -> list[str]:
    found = []
    for card in cards:
        for pattern in _patterns(card):
            for m in pattern.finditer(blob):
                start = max(m.start() - 60, 0)
                found.append(blob[start : m.end() + 20].decode(errors="replace"))
    return found


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
        files = [tmp_path / name for name in ("scan.db", "scan.db-wal", "scan.db-shm")]
        files = [p for p in files if p.exists()]
        assert any(p.name == "scan.db-wal" for p in files)  # the WAL is there to read
        raw = b"".join(p.read_bytes() for p in files)
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                                 "WHERE type = 'table'")]  # fmt: skip
            rows = b"".join(
                _row_bytes(row) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"')
            )
        assert b"sandbox:idem" in rows  # the sandbox's idempotency records were written
    finally:
        svc.stop()
    logs = svc.log_path.read_bytes()
    assert b'"level":"debug"' in logs  # the DEBUG lines (gateway exchanges) were written
    assert _hits(raw, cards) == []
    assert _hits(rows, cards) == []
    assert _hits(logs, cards) == []


def _row_bytes(row: tuple[Any, ...]) -> bytes:
    return b"\x1e".join(v if isinstance(v, bytes) else str(v).encode() for v in row) + b"\n"


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
    conn = await asyncpg.connect(pg_dsn)
    try:
        schema = await conn.fetchval("SELECT current_schema()")
        tables = [r["table_name"] for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
        )]  # fmt: skip
        rows = b""
        for table in tables:
            for row in await conn.fetch(f'SELECT * FROM "{table}"'):
                rows += _row_bytes(tuple(row.values()))
    finally:
        await conn.close()
    assert "kv" in tables and b"sandbox:idem" in rows
    assert _hits(rows, cards) == []
    assert _hits(svc.log_path.read_bytes(), cards) == []


def _walk(obj: Any, out: list[bytes], seen: set[int], depth: int = 0) -> None:
    """Every str/bytes reachable from ``obj`` (dicts, sequences, object attributes)."""
    if id(obj) in seen or depth > 12:
        return
    seen.add(id(obj))
    if isinstance(obj, bytes | bytearray | memoryview):
        out.append(bytes(obj))
    elif isinstance(obj, str):
        out.append(obj.encode())
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _walk(k, out, seen, depth + 1)
            _walk(v, out, seen, depth + 1)
    elif isinstance(obj, list | tuple | set | frozenset):
        for v in obj:
            _walk(v, out, seen, depth + 1)
    elif hasattr(obj, "__dict__") or hasattr(obj, "__slots__"):
        names = list(getattr(obj, "__dict__", {})) + list(getattr(obj, "__slots__", ()))
        for name in names:
            if hasattr(obj, name):
                _walk(getattr(obj, name), out, seen, depth + 1)


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
        _walk(cs.runtime.storage, blobs, set())
        _walk(cs.runtime.webhooks.store, blobs, set())
    stored = b"\n".join(blobs)
    assert b"sandbox:idem" in stored or any(b"fingerprint" in b for b in blobs)
    assert _hits(stored, cards) == []
    logs = "\n".join(r.getMessage() + " " + repr(r.__dict__) for r in caplog.records)
    assert _hits(logs.encode(), cards) == []
