"""String patterns end where the string ends, in Python as in JSON Schema.

msgspec checks a ``pattern`` with Python's ``re.search``, where ``$`` also matches before
a final newline: ``^[A-Z]{3}$`` took ``"EUR\\n"``. Every pattern therefore ends with
``$(?!\\n)``, which means "the end" in Python and in ECMA-262 (the OpenAPI document's
dialect) alike."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import msgspec
import pytest

from connector_service.domain import api


def _patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for v in node.values() for p in _patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


def test_every_anchored_pattern_of_the_api_ends_at_the_end_of_the_string() -> None:
    doc = json.loads(
        subprocess.run(
            [sys.executable, "-m", "connector_service.cli.main", "openapi"],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    patterns = _patterns(doc)
    assert len(patterns) > 20
    loose = sorted({p for p in patterns if p.endswith("$")})
    assert loose == [], f"end these with $(?!\\n): {loose}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "EUR\n"}, "currency"),
        ({"payment_method": {"type": "netbanking", "bank": "HDFC\n"}}, "payment_method.bank"),
        ({"payment_method": {"type": "ewallet", "provider": "ovo", "phone": "+6281234567890\n"}},
         "payment_method.phone"),
        ({"reference": "order-1\n"}, "reference"),
    ],
)  # fmt: skip
def test_a_trailing_newline_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    body = {"amount": 1000, "currency": "INR", "account": "a",
            "payment_method": {"type": "netbanking", "bank": "HDFC"}} | change  # fmt: skip
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.json.decode(json.dumps(body).encode(), type=api.PaymentCreate)
    assert f"$.{field}" in str(raised.value)
