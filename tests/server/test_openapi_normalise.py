"""The OpenAPI document does not depend on the msgspec release.

The inputs below are what msgspec itself produced for this project's structs: the
"old" rendering by 0.19-0.22 (descriptions) and 0.19-0.21 (``anyOf`` order), the "new" one
by 0.23 and 0.22. Generating the whole document under several releases is too heavy for
the suite (it was done by hand: see CHANGELOG.md), so the normaliser is tested on both.
"""

from __future__ import annotations

import json

import msgspec

from connector_service.domain.codec import schema_hook
from connector_service.server.openapi import openapi_json
from connector_service.server.openapi_normalise import normalise_description, normalise_schema

# DeclineCategory's docstring as msgspec 0.19-0.22 rendered it (margin kept) ...
OLD_DECLINE = (
    "How a caller should react to a decline.\n\n    ``soft``: the same card may succeed later or"
    " with more data (e.g. insufficient funds,\n    authentication required); ``hard``: do not "
    "retry this card (stolen, closed, invalid);\n    ``retry_later``: a temporary problem at the "
    "issuer or network."
)
# ... and as 0.23 renders it (margin stripped).
NEW_DECLINE = OLD_DECLINE.replace("\n    ", "\n")
EXPECTED_DECLINE = (
    "How a caller should react to a decline.\n\n``soft``: the same card may succeed later or "
    "with more data (e.g. insufficient funds, authentication required); ``hard``: do not retry "
    "this card (stolen, closed, invalid); ``retry_later``: a temporary problem at the issuer or "
    "network."
)


def test_both_docstring_renderings_give_one_description() -> None:
    assert OLD_DECLINE != NEW_DECLINE
    assert normalise_description(OLD_DECLINE) == EXPECTED_DECLINE
    assert normalise_description(NEW_DECLINE) == EXPECTED_DECLINE


def test_description_keeps_paragraphs_and_list_items() -> None:
    text = "Intro line\n    continues here.\n\n    - first item\n      wraps\n    - second\n\n\n"
    expected = "Intro line continues here.\n\n- first item wraps\n- second"
    assert normalise_description(text) == expected
    assert normalise_description("\tTabbed   words  ") == "Tabbed words"


def test_optional_struct_any_of_puts_null_last_in_both_orders() -> None:
    old = {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Failure"}]}  # 0.19-0.21
    new = {"anyOf": [{"$ref": "#/components/schemas/Failure"}, {"type": "null"}]}  # 0.22+
    assert normalise_schema(old) == normalise_schema(new) == new
    # the other members keep their order (it is the declared order of the union)
    mixed = {"anyOf": [{"type": "null"}, {"type": "string"}, {"type": "integer"}]}
    assert normalise_schema(mixed)["anyOf"] == [
        {"type": "string"}, {"type": "integer"}, {"type": "null"},
    ]  # fmt: skip


def test_normaliser_recurses_and_leaves_property_schemas_alone() -> None:
    schema = {
        "title": "Thing",
        "description": "Line one\n    line two.",
        "properties": {
            # a property *named* description: a schema, not text
            "description": {"anyOf": [{"type": "null"}, {"type": "string"}]},
            "items": {"type": "array", "items": {"description": "  a\n  b  "}},
        },
    }
    assert normalise_schema(schema) == {
        "title": "Thing",
        "description": "Line one line two.",
        "properties": {
            "description": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "items": {"type": "array", "items": {"description": "a b"}},
        },
    }


class _Inner(msgspec.Struct):
    x: int


class _Outer(msgspec.Struct):
    """First line of the docstring,
    second line with the installed msgspec's margin handling."""

    inner: _Inner | None = None


def test_installed_msgspec_output_is_normalised_in_the_document() -> None:
    """Whatever the installed release renders, the normalised result is the one shape."""
    _, components = msgspec.json.schema_components([_Outer], schema_hook=schema_hook)
    outer = normalise_schema(components)["_Outer"]
    assert outer["description"] == (
        "First line of the docstring, second line with the installed msgspec's margin handling."
    )
    assert outer["properties"]["inner"]["anyOf"][-1] == {"type": "null"}
    doc = json.loads(openapi_json())
    assert doc["components"]["schemas"]["DeclineCategory"]["description"] == EXPECTED_DECLINE
