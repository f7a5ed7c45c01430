"""docs/payment-methods.md: generated from the model, current, and complete."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import msgspec

from connector_service.domain.api import PaymentCreate
from connector_service.domain.codec import dec_hook
from connector_service.domain.payment_methods import PaymentMethodType

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "payment-methods.md"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "update_readme", ROOT / "scripts/update_readme.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_sections_are_current() -> None:
    text = DOC.read_text()
    assert _generator().render_methods_doc(text) == text, "run `make readme`"  # type: ignore[attr-defined]


def test_every_method_has_a_section_with_an_example_the_api_accepts() -> None:
    text = DOC.read_text()
    sections = re.split(r"^### ", text, flags=re.M)
    by_name = {s.split("\n", 1)[0].strip("`"): s for s in sections[1:]}
    for pm in PaymentMethodType:
        section = by_name[pm.value]
        example = re.search(r"```json\n(.*?)\n```", section, re.S)
        assert example, f"{pm.value}: no example"
        body = msgspec.convert(json.loads(example.group(1)), PaymentCreate, dec_hook=dec_hook)
        assert body.payment_method.__struct_config__.tag == pm.value
    actions = ("redirect", "display_qr", "display_voucher", "display_bank_transfer")
    for action in (*actions, "await_customer", "three_ds"):
        assert action in by_name
