"""Validate a GraphQL query/mutation and its variables against a schema file (SDL).

Why: some gateways (Braintree next) publish a GraphQL schema rather than an OpenAPI
document; a connector's request is proven only when the document parses, every field
exists on its type, and the variables coerce to the declared input types. graphql-core
does all three; this module adapts it to :class:`SpecViolation`.

A published schema graphql-core refuses to build (Braintree's marks some implementations
of non-deprecated interface fields ``@deprecated``) is repaired by a fix registered with
:func:`register_fix` by the code that knows it, before the schema is compiled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLSchema, build_ast_schema, parse, validate
from graphql.execution.values import get_variable_values
from graphql.language import DocumentNode, OperationDefinitionNode

from connector_service.testing.spec import SpecViolation

__all__ = ["load_schema", "register_fix", "validate_operation"]

SchemaFix = Callable[[DocumentNode], None]
_FIXES: dict[str, SchemaFix] = {}


def register_fix(suffix: str, fix: SchemaFix) -> None:
    """Repair the parsed SDL of every schema file whose path ends with ``suffix`` (e.g.
    ``braintree/schema.graphql``) before it is built (first one wins)."""
    _FIXES.setdefault(suffix, fix)
    load_schema.cache_clear()


@functools.cache
def load_schema(path: Path) -> GraphQLSchema:
    document = parse(path.read_text())
    for suffix, fix in _FIXES.items():
        if path.as_posix().endswith(suffix):
            fix(document)
    return build_ast_schema(document)


def validate_operation(
    schema: GraphQLSchema | Path, query: str, variables: Mapping[str, Any] | None = None
) -> None:
    """Raise SpecViolation unless ``query`` with ``variables`` is valid for ``schema``."""
    compiled = load_schema(schema) if isinstance(schema, Path) else schema
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise SpecViolation(f"GraphQL document does not parse: {exc.message}") from exc
    errors = validate(compiled, document)
    if errors:
        raise SpecViolation("GraphQL document is invalid:\n" + "\n".join(e.message for e in errors))
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for op in operations:
        coerced = get_variable_values(
            compiled, op.variable_definitions or (), dict(variables or {})
        )
        if isinstance(coerced, list):
            raise SpecViolation(
                "GraphQL variables are invalid:\n" + "\n".join(e.message for e in coerced)
            )
