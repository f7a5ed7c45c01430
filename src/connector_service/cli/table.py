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
                "methods": {
                    pm.value: sorted(f.value for f in support.flows)
                    for pm, support in m.methods.items()
                },
                "external_3ds": sorted(
                    pm.value for pm, support in m.methods.items() if support.external_3ds
                ),
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
        methods = row["payment_methods"]
        shown = [m for m in methods if m in _BASIC]
        more = len(methods) - len(shown)
        listed = ", ".join(shown) + (f" + {more} more (matrix below)" if more else "")
        cells += [listed, row["idempotency"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


_BASIC = ("card", "mandate", "token")
_FLOW_LETTERS = (("authorize", "A"), ("capture", "C"), ("refund", "R"), ("recurring", "M"))


def render_method_matrix(rows: list[dict[str, Any]]) -> str:
    """Payment method by connector: the flows each connector declares for the method
    (A authorize, C separate capture, R refund, M recurring / mandate; + external 3-D
    Secure), "—" where it does not take it."""
    from connector_service.domain.payment_methods import PaymentMethodType

    head = ["payment method", *[f"{r['display_name']}" for r in rows]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for pm in PaymentMethodType:
        cells = [f"`{pm.value}`"]
        for row in rows:
            flows = row["methods"].get(pm.value)
            if flows is None:
                cells.append("—")
                continue
            mark = " ".join(letter for flow, letter in _FLOW_LETTERS if flow in flows)
            cells.append(mark + (" +3DS" if pm.value in row["external_3ds"] else ""))
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
