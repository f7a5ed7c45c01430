"""connector_service.testing.graphql_spec on a tiny schema: good operations pass, each kind
of mistake (syntax, unknown field, missing or mistyped variable) is a SpecViolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector_service.testing.graphql_spec import validate_operation
from connector_service.testing.spec import SpecViolation

SCHEMA = """
input ChargeInput { paymentMethodId: ID!  amount: Int! }
type Transaction { id: ID!  status: String! }
type ChargePayload { transaction: Transaction }
type Query { ping: String }
type Mutation { chargeCard(input: ChargeInput!): ChargePayload }
"""
CHARGE = """mutation Charge($input: ChargeInput!) {
  chargeCard(input: $input) { transaction { id status } } }"""


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    path = tmp_path / "schema.graphql"
    path.write_text(SCHEMA)
    return path


def test_a_valid_mutation_passes(schema: Path) -> None:
    validate_operation(schema, CHARGE, {"input": {"paymentMethodId": "pm_1", "amount": 100}})


@pytest.mark.parametrize(
    ("query", "variables", "says"),
    [
        ("mutation { chargeCard(", {}, "does not parse"),
        (CHARGE.replace("status", "state"), {"input": {"paymentMethodId": "p", "amount": 1}},
         "Cannot query field 'state'"),
        (CHARGE, {}, "to be provided"),
        (CHARGE, {"input": {"paymentMethodId": "p", "amount": "ten"}}, "Int cannot represent"),
    ],
)  # fmt: skip
def test_each_mistake_is_a_violation(
    schema: Path, query: str, variables: dict[str, object], says: str
) -> None:
    with pytest.raises(SpecViolation, match=says):
        validate_operation(schema, query, variables)
