"""What the no-card-data-at-rest tests look for, and where.

Cards are made unique to the run (random Luhn-valid numbers, unusual CVCs, far-future
expiries) so a hit cannot be a coincidence. A hit is: the PAN (plain, in groups split by
spaces or dashes, or inside base64 at any alignment, as a stored or logged blob might
carry it), the CVC next to its field name (JSON, form and URL-encoded spellings), or the
expiry pair next to the card number or CVC value (the raw card input). A card *summary*
of brand, last four and expiry is what the API returns and PCI DSS lets one keep.
"""

from __future__ import annotations

import base64
import random
import re
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg

rng = random.Random()

# Between a field name and its value: punctuation, or its URL-encoding (%5D, %22, %3A, %3D).
_SEP = r"(?:%[0-9A-Fa-f]{2}|\W){0,6}"


def luhn_complete(prefix: str, length: int) -> str:
    """A random number of ``length`` digits starting with ``prefix``, Luhn-valid."""
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def new_card(prefix: str = "4", length: int = 16, cvc_len: int = 3, **extra: Any) -> dict[str, Any]:
    """One card unique to the run (``prefix`` picks the brand: "4" Visa, "53" Mastercard,
    "37" Amex)."""
    return {
        "type": "card",
        "number": luhn_complete(prefix, length),
        "exp_month": rng.randint(1, 12),
        "exp_year": rng.randint(2061, 2089),
        "cvc": "".join(rng.choice("56789") for _ in range(cvc_len)),
        "holder_name": "Ada Lovelace",
        **extra,
    }


def _base64_forms(pan: str) -> list[bytes]:
    """The part of base64(…PAN…) that is the same whatever surrounds the PAN, for each of
    the three alignments, in the standard and the URL-safe alphabet."""
    out = []
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + pan.encode())
        middle = encoded[4 if pad else 0 : -4]
        out += [middle, middle.replace(b"+", b"-").replace(b"/", b"_")]
    return out


def patterns(card: dict[str, Any]) -> list[re.Pattern[bytes]]:
    pan, cvc = card["number"], card["cvc"]
    groups = [pan[i : i + 4] for i in range(0, len(pan), 4)]
    month, year = card["exp_month"], card["exp_year"]
    near = r"[\s\S]{0,300}"
    return [
        re.compile(re.escape(pan).encode()),
        re.compile("[ -]".join(map(re.escape, groups)).encode()),
        *(re.compile(re.escape(form)) for form in _base64_forms(pan)),
        re.compile(rf"(?i)(cvc|cvv|cvn|security_?code|cvc2){_SEP}{cvc}\b".encode()),
        re.compile(
            rf"(?i)({pan}|(cvc|cvv)\W{{0,4}}{cvc}){near}exp\w*month\W{{0,4}}0?{month}\W{near}"
            rf"exp\w*year\W{{0,4}}{year}".encode()
        ),
    ]


def hits(blob: bytes, cards: list[dict[str, Any]]) -> list[str]:
    """Each place of ``blob`` that holds card data of ``cards``, with some context."""
    found = []
    for card in cards:
        for pattern in patterns(card):
            for m in pattern.finditer(blob):
                start = max(m.start() - 60, 0)
                found.append(blob[start : m.end() + 20].decode(errors="replace"))
    return found


def row_bytes(row: tuple[Any, ...]) -> bytes:
    return b"\x1e".join(v if isinstance(v, bytes) else str(v).encode() for v in row) + b"\n"


def sqlite_contents(db: Path) -> tuple[bytes, dict[str, list[bytes]]]:
    """(raw bytes of the .db, -wal and -shm files; every row of every table, by table).
    The WAL must be there: it is where the newest rows are before a checkpoint."""
    files = [db.with_name(db.name + suffix) for suffix in ("", "-wal", "-shm")]
    files = [p for p in files if p.exists()]
    assert any(p.name.endswith("-wal") for p in files)  # the WAL is there to read
    raw = b"".join(p.read_bytes() for p in files)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {t: [row_bytes(row) for row in conn.execute(f'SELECT * FROM "{t}"')] for t in tables}
    return raw, rows


async def postgres_contents(dsn: str) -> dict[str, list[bytes]]:
    """Every row of every table of the DSN's schema, by table."""
    conn = await asyncpg.connect(dsn)
    try:
        schema = await conn.fetchval("SELECT current_schema()")
        tables = [r["table_name"] for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
        )]  # fmt: skip
        rows = {}
        for table in tables:
            fetched = await conn.fetch(f'SELECT * FROM "{table}"')
            rows[table] = [row_bytes(tuple(row.values())) for row in fetched]
    finally:
        await conn.close()
    return rows


def joined(rows: dict[str, list[bytes]]) -> bytes:
    return b"".join(b"".join(table) for table in rows.values())


def walk(obj: Any, out: list[bytes], seen: set[int], depth: int = 0) -> None:
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
            walk(k, out, seen, depth + 1)
            walk(v, out, seen, depth + 1)
    elif isinstance(obj, list | tuple | set | frozenset):
        for v in obj:
            walk(v, out, seen, depth + 1)
    elif hasattr(obj, "__dict__") or hasattr(obj, "__slots__"):
        names = list(getattr(obj, "__dict__", {})) + list(getattr(obj, "__slots__", ()))
        for name in names:
            if hasattr(obj, name):
                walk(getattr(obj, name), out, seen, depth + 1)
