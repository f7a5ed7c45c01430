"""Regenerate the generated parts of README.md from the code's own declarations:
the connector table (from each connector's ``meta``) and the sandbox test cards.

Run ``make readme``; tests/unit/test_readme.py fails when README.md is stale."""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def sections() -> dict[str, str]:
    from connector_service.cli.table import connector_rows, render_markdown, render_method_matrix
    from connector_service.sandbox import TEST_CARDS

    cards = ["| card number | behaviour |", "|---|---|"]
    cards += [f"| `{c.number}` | {c.description} |" for c in TEST_CARDS]
    rows = connector_rows()
    return {
        "connectors": render_markdown(rows),
        "payment-methods": render_method_matrix(rows),
        "test-cards": "\n".join(cards),
    }


def render(text: str) -> str:
    for name, body in sections().items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.S
        )
        if not pattern.search(text):
            raise SystemExit(f"README.md has no generated:{name} markers")
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
    return text


if __name__ == "__main__":
    current = README.read_text()
    updated = render(current)
    if "--check" in sys.argv:
        sys.exit(0 if updated == current else 1)
    README.write_text(updated)
