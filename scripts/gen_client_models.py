"""Generate the Python client's models (``sdk/python/src/connector_service_client/models.py``)
from the committed OpenAPI document (``docs/openapi.json``).

Why generated: the client is its own distribution and must not import the server's
``connector_service.domain``; hand-copied structs would drift from the API the moment a
field is added. The document is already the contract (checked for drift against the
server's code), so the models follow it mechanically, and ``tests/sdk/test_models.py``
fails when the committed module is stale or its structs do not match the document.

    python scripts/gen_client_models.py            # rewrite models.py
    python scripts/gen_client_models.py --check    # exit 1 if models.py is stale
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "openapi.json"
TARGET = ROOT / "sdk" / "python" / "src" / "connector_service_client" / "models.py"

HEADER = '''"""The API's request and response bodies as msgspec structs.

GENERATED from docs/openapi.json by scripts/gen_client_models.py: do not edit (the tests
fail when this module and the document disagree). Secret fields (card numbers, CVCs,
wallet tokens) are plain ``str`` here: the client sends what it is given, and never logs
a body.

Responses are decoded leniently (unknown fields are ignored) so that a newer service
with more fields does not break an older client; requests omit fields left at their
default, so the service applies its own.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import msgspec

# ``{}`` in the document: any JSON value (kept as decoded: dict, list, str, ...).
JsonValue: TypeAlias = object
'''

_SCALARS = {"string": "str", "integer": "int", "boolean": "bool", "number": "float"}


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> str:
    """The Python annotation of a (sub)schema."""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "enum" in schema:
        return "Literal[" + ", ".join(json.dumps(v) for v in schema["enum"]) + "]"
    if "anyOf" in schema:
        return " | ".join(type_of(s) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "null":
        return "None"
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array":
        return f"list[{type_of(schema.get('items', {}))}]"
    if kind == "object":
        return f"dict[str, {type_of(schema.get('additionalProperties', {}))}]"
    if not schema or set(schema) <= {"description", "title"}:
        return "JsonValue"
    raise SystemExit(f"no Python type for schema {schema!r}")


def _default(schema: dict[str, Any], required: bool) -> str | None:
    if required:
        return None
    if "default" in schema or "x-default" in schema:
        value = schema.get("default", schema.get("x-default"))
        if value == {}:
            return "msgspec.field(default_factory=dict)"
        if value == []:
            return "msgspec.field(default_factory=list)"
        return repr(value)
    if "None" in type_of(schema).split(" | "):
        return "None"
    raise SystemExit(f"optional field without a default: {schema!r}")


def _tags(schemas: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Structs that are members of a discriminated union: name -> (tag field, tag)."""
    found: dict[str, tuple[str, str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            disc = node.get("discriminator")
            if disc:
                for tag, ref in disc["mapping"].items():
                    found[_ref_name(ref)] = (disc["propertyName"], tag)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schemas)
    return found


def _doc(text: str, indent: str) -> list[str]:
    text = " ".join(text.split()).replace("\\", "\\\\").replace('"' * 3, "'" * 3)
    lines = textwrap.wrap(text, 94 - len(indent)) or [""]
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}', *(indent + line for line in lines[1:]), f'{indent}"""']


def generate(document: dict[str, Any]) -> str:
    schemas: dict[str, Any] = document["components"]["schemas"]
    tags = _tags(schemas)
    lines = [HEADER]
    for name in sorted(schemas):
        schema = schemas[name]
        if "enum" in schema:
            lines += ["", f"{name}: TypeAlias = {type_of(schema)}"]
            if schema.get("description"):
                lines += _doc(schema["description"], "")
            continue
        if schema.get("type") != "object":
            raise SystemExit(f"component {name} is neither an object nor an enum")
        options = "kw_only=True, omit_defaults=True"
        tag_field = None
        if name in tags:
            tag_field, tag = tags[name]
            options += f', tag_field="{tag_field}", tag="{tag}"'
        lines += ["", "", f"class {name}(msgspec.Struct, {options}):"]
        lines += _doc(schema.get("description") or f"The API's ``{name}`` object.", "    ")
        required = set(schema.get("required", []))
        body = []
        for field, sub in schema.get("properties", {}).items():
            if field == tag_field:
                continue  # msgspec writes and checks the tag itself
            default = _default(sub, field in required)
            annotation = type_of(sub)
            body.append(f"    {field}: {annotation}" + (f" = {default}" if default else ""))
        lines += ["", *body] if body else []
    names = sorted([*schemas, "JsonValue"])
    lines += ["", "", "__all__ = ["] + [f'    "{n}",' for n in names] + ["]"]
    return _format("\n".join(lines) + "\n")


def _format(source: str) -> str:
    """The project's formatter (ruff, a dev dependency) lays the module out, so the
    committed file passes ``ruff format --check`` and regenerating it is byte-stable."""
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(  # noqa: S603 (our own venv's ruff)
        [str(ruff), "format", "--stdin-filename", str(TARGET), "-"],
        input=source, capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return done.stdout


def main(argv: list[str]) -> int:
    text = generate(json.loads(DOCUMENT.read_text()))
    if "--check" in argv:
        if TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run scripts/gen_client_models.py")
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
