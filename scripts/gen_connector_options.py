"""Generate docs/connector-options.md from the connectors' declared options structs
(``ConnectorMeta.options``), split and order support (issue 19).

    python scripts/gen_connector_options.py            # rewrite the document
    python scripts/gen_connector_options.py --check    # exit 1 if it is stale

``tests/options/test_options_doc.py`` fails when the committed document is stale."""

from __future__ import annotations

import sys
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "connector-options.md"

INTRO = """# Connector options, splits and order data

GENERATED from each connector's declarations by `scripts/gen_connector_options.py`
(`make readme`): do not edit.

A payment, capture, refund or mandate may carry `connector_options`, one block per
connector name: `{"stripe": {...}, "adyen": {...}}`. Every block present is validated
against its connector's declared struct for that request, whichever connector serves it
and before routing: an unknown connector or field answers 400 `unknown_option`, a wrong
type or value 400 `invalid_option`, both naming `connector_options.<connector>.<field>`.
Only the serving connector's block is sent, so a routed request can carry a block for
every candidate. Nothing undeclared is ever sent (no pass-through). A connector that
takes no options on a request kind answers `unknown_option` for its block there.

`splits: [{destination, amount}]` and `application_fee` (minor units) are checked
(splits + fee <= amount, distinct non-empty destinations: 400 `invalid_splits` naming the
field) and go only to a connector declaring split support; elsewhere `not_supported`
(routing skips such a candidate). `order: {line_items: [{name, quantity, unit_amount,
tax_amount?, sku?}], tax_amount?, shipping_amount?, customer_reference?}` must add up
(sum of quantity x unit_amount, tax excluded, + tax + shipping == amount: 400
`invalid_order` naming `order.line_items`) and goes only to a connector declaring order
support; elsewhere `not_supported`.
"""


def render() -> str:
    from connector_service.connectors.kit.options import describe
    from connector_service.connectors.registry import load_connectors

    out = [INTRO]
    for name, connector in sorted(load_connectors().items()):
        meta = connector.meta
        out.append(f"\n## {meta.display_name} (`{name}`)\n")
        kinds = meta.options.kinds()
        if not kinds:
            out.append("No connector options.\n")
        for kind in kinds:
            struct = meta.options.struct(kind)
            assert struct is not None
            out.append(f"\n**{kind.value}** (`connector_options.{name}` on a {kind.value}):\n")
            out.append("\n| option | type | maps to / meaning |\n|---|---|---|")
            for field in describe(struct):
                text = field.description.replace("|", "\\|").replace("\n", " ")
                out.append(f"\n| `{field.name}` | {field.type.replace('|', 'or')} | {text} |")
            out.append("\n")
        out.append(f"\n- splits: {meta.splits or 'not supported'}\n")
        out.append(f"- order data: {meta.order or 'not supported'}\n")
    return "".join(out)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if DOCUMENT.read_text() == text else 1)
    DOCUMENT.write_text(text)
