"""The connector capability table, built from the connectors' own declarations (used by
``connector-service connectors`` and to generate the README's table)."""

from __future__ import annotations

from typing import Any

from connector_service.connectors.registry import load_connectors
from connector_service.domain.flows import Flow

COLUMNS: tuple[tuple[str, Flow], ...] = (
    ("authorize", Flow.AUTHORIZE),
    ("3DS complete", Flow.COMPLETE_AUTHORIZE),
    ("capture", Flow.CAPTURE),
    ("void", Flow.VOID),
    ("refund", Flow.REFUND),
    ("sync", Flow.SYNC),
    ("refund sync", Flow.REFUND_SYNC),
    ("mandate setup", Flow.SETUP_MANDATE),
    ("MIT charge", Flow.CHARGE_MANDATE),
    ("mandate revoke", Flow.REVOKE_MANDATE),
    ("webhooks", Flow.WEBHOOKS),
    # disputes
    ("dispute get", Flow.DISPUTE_SYNC),
    ("dispute list", Flow.DISPUTE_LIST),
    ("dispute accept", Flow.DISPUTE_ACCEPT),
    ("dispute evidence", Flow.DISPUTE_EVIDENCE),
    ("increment", Flow.INCREMENT),
    ("stored methods", Flow.LIST_MANDATES),
)


def connector_rows() -> list[dict[str, Any]]:
    rows = []
    for name, connector in load_connectors().items():
        m = connector.meta
        rows.append(
            {
                "name": name,
                "display_name": m.display_name,
                "flows": sorted(f.value for f in m.flows),
                "payment_methods": sorted(p.value for p in m.payment_methods),
                "currencies": sorted(m.currencies) if m.currencies is not None else "*",
                "idempotency": m.idempotency,
                "multiple_captures": m.multiple_captures,
                "splits": m.splits is not None,  # issue 19
                "order": m.order is not None,
            }
        )
    return rows


def render_markdown(rows: list[dict[str, Any]]) -> str:
    head = [
        "connector",
        *[c for c, _ in COLUMNS],
        "multi-capture",
        "splits",
        "order data",
        "payment methods",
        "idempotency",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [f"{row['display_name']} (`{row['name']}`)"]
        cells += ["✓" if flow.value in row["flows"] else "—" for _, flow in COLUMNS]
        cells.append("✓" if row.get("multiple_captures") else "—")
        cells += ["✓" if row.get(key) else "—" for key in ("splits", "order")]
        cells += [", ".join(row["payment_methods"]), row["idempotency"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_text(rows: list[dict[str, Any]]) -> str:
    out = []
    for row in rows:
        out.append(f"{row['name']:<10} {row['display_name']}")
        out.append(f"{'':<10} flows: {', '.join(row['flows'])}")
        out.append(f"{'':<10} payment methods: {', '.join(row['payment_methods'])}")
        cur = row["currencies"]
        out.append(f"{'':<10} currencies: {cur if cur == '*' else ', '.join(cur)}")
    return "\n".join(out)
