"""docs/connector-options.md is generated from the declarations and is current; every
declared options struct is strict (an unknown field is refused) and documented."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import msgspec
import pytest

from connector_service.connectors.kit.options import describe
from connector_service.connectors.registry import load_connectors

ROOT = Path(__file__).resolve().parents[2]
CONNECTORS = load_connectors()
# The connectors issue 19 gave options (a later connector may declare none yet).
WITH_OPTIONS = {"adyen", "checkout", "paypal", "paystack", "rapyd", "sandbox", "stripe"}


def test_the_document_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_connector_options", ROOT / "scripts/gen_connector_options.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (ROOT / "docs/connector-options.md").read_text()
    assert module.render() == text, "docs/connector-options.md is stale: run `make readme`"


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_every_options_struct_is_strict_optional_and_documented(name: str) -> None:
    options = CONNECTORS[name].meta.options
    if name in WITH_OPTIONS:
        assert options.kinds(), f"{name} declares no connector options"
    for kind in options.kinds():
        struct = options.struct(kind)
        assert struct is not None
        assert struct.__struct_config__.forbid_unknown_fields, (name, kind)
        msgspec.convert({}, struct)  # every option is optional
        with pytest.raises(msgspec.ValidationError, match="unknown field"):
            msgspec.convert({"no_such_option": 1}, struct)
        for field in describe(struct):
            assert field.description, f"{name}.{kind.value}.{field.name} has no description"
