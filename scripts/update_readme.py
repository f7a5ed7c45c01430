"""Regenerate the generated parts of README.md from the code's own declarations:
the connector table and payment-method matrix (from each connector's ``meta``) and the
sandbox test cards; and of docs/payment-methods.md: every payment method with its
fields (from the model, domain/payment_methods.py) and an example
(domain/method_examples.py), and the next-action variants.

Run ``make readme``; tests/unit/test_readme.py fails when either file is stale."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"
METHODS_DOC = README.parent / "docs" / "payment-methods.md"


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


def _type_text(t: Any) -> str:
    """A msgspec type as a reader wants it: ``integer 1 to 12``, ``string (secret)``."""
    import msgspec.inspect as mi

    from connector_service.domain.secret import Secret

    if isinstance(t, mi.UnionType):
        inner = [x for x in t.types if not isinstance(x, mi.NoneType)]
        return " or ".join(_type_text(x) for x in inner)
    if isinstance(t, mi.CustomType) and issubclass(t.cls, Secret):
        return "string (secret: never logged, stored or echoed)"
    if isinstance(t, mi.LiteralType):
        return "one of " + ", ".join(f"`{v}`" for v in t.values)
    if isinstance(t, mi.StructType):
        return f"object ({t.cls.__name__}, below)"
    if isinstance(t, mi.IntType):
        low = t.ge if t.ge is not None else t.gt
        high = t.le if t.le is not None else t.lt
        return f"integer {low} to {high}" if low is not None and high is not None else "integer"
    if isinstance(t, mi.StrType):
        limits = []
        if t.pattern:
            limits.append(f"`{t.pattern}`")
        elif t.max_length:
            limits.append(f"at most {t.max_length} characters")
        return "string" + (f" ({', '.join(limits)})" if limits else "")
    if isinstance(t, mi.BoolType):
        return "boolean"
    if isinstance(t, mi.DictType):
        return "object (string → string)"
    return type(t).__name__.removesuffix("Type").lower()


def _first_paragraph(doc: str | None) -> str:
    text = " ".join((doc or "").strip().split("\n\n")[0].split())
    return text.replace("``", "`")  # reST literals to Markdown


def _fields_table(cls: type) -> list[str]:
    import msgspec.inspect as mi

    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    rows = ["| field | type | required |", "|---|---|---|"]
    for f in info.fields:
        default = (
            "" if f.required or f.default in (None, mi.NODEFAULT) else f" (default `{f.default}`)"
        )
        rows.append(
            f"| `{f.name}` | {_type_text(f.type)} | {'yes' if f.required else 'no' + default} |"
        )
    return rows if len(rows) > 2 else ["No fields besides `type`."]


def methods_doc_sections() -> dict[str, str]:
    import json
    import typing

    from connector_service.domain import common, payment_methods
    from connector_service.domain.method_examples import DOC_ONLY, EXAMPLES

    by_type = {
        cls.__struct_config__.tag: cls for cls in typing.get_args(payment_methods.PaymentMethod)
    }
    out: list[str] = []
    for pm in payment_methods.PaymentMethodType:
        cls = by_type[pm.value]
        kind = payment_methods.METHOD_KIND[pm].value
        out += [f"### `{pm.value}`", "", f"Kind: **{kind}**. {_first_paragraph(cls.__doc__)}", ""]
        out += _fields_table(cls)
        shown = EXAMPLES.get(pm.value) or DOC_ONLY.get(pm.value)
        if shown is not None:
            example, currency, country = shown
            body: dict[str, Any] = {"amount": 1500, "currency": currency, "payment_method": example}
            if country:
                body["billing"] = {"country": country}
            out += ["", "```json", json.dumps(body, indent=2, ensure_ascii=False), "```"]
        out.append("")
    for cls in (payment_methods.ThreeDsResult, payment_methods.MandateAcceptance):
        out += [f"### {cls.__name__}", "", _first_paragraph(cls.__doc__), ""]
        out += [*_fields_table(cls), ""]
    actions: list[str] = []
    for cls in typing.get_args(common.NextAction):
        tag = cls.__struct_config__.tag
        actions += [f"### `{tag}`", "", _first_paragraph(cls.__doc__), ""]
        actions += [*_fields_table(cls), ""]
    return {"methods": "\n".join(out).rstrip(), "next-actions": "\n".join(actions).rstrip()}


def render(text: str, parts: dict[str, str] | None = None, what: str = "README.md") -> str:
    for name, body in (sections() if parts is None else parts).items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.S
        )
        if not pattern.search(text):
            raise SystemExit(f"{what} has no generated:{name} markers")
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
    return text


def render_methods_doc(text: str) -> str:
    return render(text, methods_doc_sections(), "docs/payment-methods.md")


if __name__ == "__main__":
    stale = False
    for path, fn in ((README, render), (METHODS_DOC, render_methods_doc)):
        current = path.read_text()
        updated = fn(current)
        stale = stale or updated != current
        if "--check" not in sys.argv:
            path.write_text(updated)
    if "--check" in sys.argv:
        sys.exit(1 if stale else 0)
