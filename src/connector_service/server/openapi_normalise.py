"""Make the JSON Schemas msgspec generates independent of the msgspec release.

``docs/openapi.json`` is committed and checked byte for byte against the code, so anything
in the generated schemas that depends on the installed msgspec release makes a fresh
install fail the suite. Observed between the releases the project allows (0.19 … 0.23):

- **Descriptions** (taken from class docstrings): up to 0.22 msgspec dedents a docstring
  whose first line follows the opening quotes, which leaves every later line indented;
  0.23 strips that margin (``inspect.cleandoc``-style).
- **``anyOf`` order of optional types** (``X | None``): up to 0.21 ``null`` keeps its place
  among the non-struct members and structs come last, so ``Struct | None`` renders as
  ``[null, Struct]``; from 0.22 ``null`` is always last.

So the document is built from msgspec's output passed through :func:`normalise_schema`,
which renders both the way *we* choose: descriptions re-flowed from their words, and
``null`` last in every ``anyOf`` (member order is not meaningful in ``anyOf``).
"""

from __future__ import annotations

import re
from typing import Any

# A line that starts a list item keeps its own line when a paragraph is re-flowed, so a
# Markdown list in a docstring stays a list.
_LIST_ITEM = re.compile(r"(?:[-*+]|\d+[.)])\s")
_NULL = {"type": "null"}


def normalise_description(text: str) -> str:
    """One rendering of a docstring whatever its indentation: paragraphs (split at blank
    lines) become single lines with single spaces, list items keep a line each, and the
    result has no leading or trailing whitespace. Markdown renders it as the original."""
    paragraphs: list[str] = []
    current: list[list[str]] = []  # the lines of the paragraph, each a list of words
    for raw in text.expandtabs().splitlines():
        words = raw.split()
        if not words:
            if current:
                paragraphs.append("\n".join(" ".join(line) for line in current))
                current = []
            continue
        if current and not _LIST_ITEM.match(raw.lstrip()):
            current[-1].extend(words)
        else:
            current.append(words)
    if current:
        paragraphs.append("\n".join(" ".join(line) for line in current))
    return "\n\n".join(paragraphs)


def normalise_schema(node: Any) -> Any:
    """A copy of a JSON Schema (or any JSON value holding schemas) with every
    ``description`` normalised and ``{"type": "null"}`` moved to the end of every
    ``anyOf``, the other members keeping their order. Only string values are taken as
    descriptions: a property *named* ``description`` is a schema and is recursed into."""
    if isinstance(node, list):
        return [normalise_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description" and isinstance(value, str):
            out[key] = normalise_description(value)
        elif key == "anyOf" and isinstance(value, list):
            members = [normalise_schema(member) for member in value]
            out[key] = [m for m in members if m != _NULL] + [m for m in members if m == _NULL]
        else:
            out[key] = normalise_schema(value)
    return out
