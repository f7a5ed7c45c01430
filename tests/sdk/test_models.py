"""The client's models (sdk/python, generated) against the OpenAPI document: the same
fields with the same types and required-ness for every schema, and a committed module
that regenerating would not change. Also: dict bodies are checked locally."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from connector_service_client import Client, InvalidRequestError, models

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "docs" / "openapi.json").read_text())


def _shape(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A schema reduced to what a client's types depend on: no constraints, texts or
    defaults; enum components inlined (the client's are ``Literal`` aliases)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = components[name]
        return _shape(target, components) if "enum" in target else ("ref", name)
    if "enum" in schema:
        return ("enum", frozenset(schema["enum"]))
    if "anyOf" in schema:
        return ("any_of", frozenset(_shape(s, components) for s in schema["anyOf"]))
    kind = schema.get("type")
    if kind == "array":
        return ("array", _shape(schema.get("items", {}), components))
    if kind == "object" and "properties" not in schema:
        return ("map", _shape(schema.get("additionalProperties", {}), components))
    return kind or "any"


def _objects(components: dict[str, Any]) -> dict[str, Any]:
    return {
        name: (
            {f: _shape(s, components) for f, s in schema.get("properties", {}).items()},
            frozenset(schema.get("required", [])),
        )
        for name, schema in components.items()
        if "enum" not in schema
    }


def model_differences(document: dict[str, Any]) -> list[str]:
    """Every schema of the document whose fields, types or required set differ from the
    client's struct of that name (or that has no struct)."""
    structs = [
        getattr(models, n)
        for n in models.__all__
        if isinstance(getattr(models, n), type) and issubclass(getattr(models, n), msgspec.Struct)
    ]
    _, ours = msgspec.json.schema_components(
        structs,
        schema_hook=lambda t: {"description": "any JSON value"} if t is object else None,
        ref_template="#/components/schemas/{name}",
    )
    theirs = document["components"]["schemas"]
    want, have = _objects(theirs), _objects(ours)
    problems = [f"{n}: no model" for n in sorted(set(want) - set(have))]
    problems += [f"{n}: not in the document" for n in sorted(set(have) - set(want))]
    for name in sorted(set(want) & set(have)):
        (wf, wr), (hf, hr) = want[name], have[name]
        for field in sorted(set(wf) | set(hf)):
            if wf.get(field) != hf.get(field):
                problems.append(
                    f"{name}.{field}: document {wf.get(field)} != model {hf.get(field)}"
                )
        if wr != hr:
            problems.append(f"{name}: required {sorted(wr)} != {sorted(hr)}")
    enums = {n for n, s in theirs.items() if "enum" in s}
    problems += [f"{n}: no Literal alias" for n in sorted(enums) if not hasattr(models, n)]
    return problems


def test_every_model_matches_its_schema() -> None:
    assert model_differences(DOCUMENT) == []


@pytest.mark.parametrize(
    ("schema", "change"),
    [
        ("Payment", lambda s: s["properties"].update(surcharge={"type": "integer"})),
        ("Refund", lambda s: s["properties"].update(amount={"type": "string"})),
        ("Card", lambda s: s["required"].append("cvc")),
        ("PaymentCreate", lambda s: s["properties"].pop("metadata")),
    ],
)
def test_a_drifted_document_is_caught(schema: str, change: Any) -> None:
    """The comparison can fail: a field added, retyped, made required or removed."""
    document = copy.deepcopy(DOCUMENT)
    change(document["components"]["schemas"][schema])
    assert any(p.startswith(f"{schema}") for p in model_differences(document))


def test_the_committed_models_are_what_the_generator_makes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_client_models.py"), "--check"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_wrong_dict_body_is_refused_before_sending_naming_the_field() -> None:
    # Port 9 on loopback: nothing listens, so reaching the network would be another error.
    with Client("http://127.0.0.1:9", max_retries=0) as cs:
        with pytest.raises(InvalidRequestError) as exc:
            cs.create_payment({"amount": "ten", "currency": "EUR",
                               "payment_method": {"type": "token", "token": "t"}})  # fmt: skip
        assert exc.value.code == "invalid_request_body" and exc.value.field == "amount"
        card = {"type": "card", "number": "4242424242424241", "exp_month": 12,
                "exp_year": "2034x"}  # fmt: skip
        with pytest.raises(InvalidRequestError) as bad:
            cs.create_payment({"amount": 1, "currency": "EUR", "payment_method": card})
        assert bad.value.field == "payment_method.exp_year"
        assert "4242424242424241" not in str(bad.value)
        with pytest.raises(InvalidRequestError, match="expected a RefundCreate"):
            cs.refund("pay_1", models.CaptureCreate(amount=1))  # type: ignore[arg-type]


def test_struct_bodies_omit_unset_fields() -> None:
    """Requests leave defaults out, so the service applies its own."""
    card = models.Card(number="4242424242424242", exp_month=12, exp_year=2034)
    body = models.PaymentCreate(amount=100, currency="EUR", payment_method=card)
    assert json.loads(msgspec.json.encode(body)) == {
        "amount": 100, "currency": "EUR",
        "payment_method": {"type": "card", "number": "4242424242424242", "exp_month": 12,
                           "exp_year": 2034},
    }  # fmt: skip
