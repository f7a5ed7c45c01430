"""The error-code registry (``domain/error_codes.py``) is exactly what ``src/`` emits."""

from __future__ import annotations

import ast

from connector_service.domain import ids
from connector_service.domain.error_codes import ATTEMPT_OUTCOMES, ERROR_CODES
from connector_service.server import errors as server_errors
from tests.unit.error_code_scan import SRC, scan

# Code arguments the scan cannot follow, and the codes each can carry (besides the ones
# the scan finds elsewhere). A new opaque site fails the test until it is listed here.
OPAQUE: dict[tuple[str, str], frozenset[str]] = {
    # the table's rule: every ErrorRule(...) / _R(...) call is scanned
    ("connectors/kit/errors.py", "rule.code"): frozenset(),
    # Exponents(inexact_code=...) keywords are scanned; this is the field's default
    ("connectors/kit/money.py", "self.inexact_code"): frozenset({"amount_precision_not_supported"}),
    ("domain/ids.py", "_NOUN[kind]"): frozenset(f"{n}_not_found" for n in ids._NOUN.values()),
    # msgspec validation errors: the fixed codes and the per-field table
    ("server/errors.py", "code"): frozenset(
        {"invalid_field", "missing_field", "unknown_field", "unknown_type"}
        | set(server_errors._SPECIAL.values())
    ),
    # an error replayed from its stored answer: registered when it was first raised
    ("server/front.py", "body.code"): frozenset(),
}


def _emitted() -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    found = scan()
    codes = {code: list(where) for code, where in found.codes.items()}
    for site, extra in OPAQUE.items():
        for code in extra:
            codes.setdefault(code, []).append(site[0])
    return codes, found.opaque


def _inexact_codes() -> set[str]:
    out: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "inexact_code":
                assert isinstance(node.value, ast.Constant), ast.unparse(node)
                out.add(node.value.value)
    return out


def test_every_emitted_code_is_registered() -> None:
    codes, _ = _emitted()
    codes.update({c: ["inexact_code="] for c in _inexact_codes()})
    missing = {c: where for c, where in codes.items() if c not in ERROR_CODES}
    assert not missing, f"add these to domain/error_codes.py: {missing}"


def test_every_registered_code_is_emitted() -> None:
    codes, _ = _emitted()
    stale = ERROR_CODES - set(codes) - _inexact_codes()
    assert not stale, f"no longer emitted, remove from domain/error_codes.py: {sorted(stale)}"


def test_no_unexamined_dynamic_code_sites() -> None:
    _, opaque = _emitted()
    assert opaque == set(OPAQUE), (
        f"new code arguments the scan cannot follow: {sorted(opaque - set(OPAQUE))}; "
        f"listed but gone: {sorted(set(OPAQUE) - opaque)}"
    )


def test_the_scan_follows_forwarded_parameters_and_templates() -> None:
    # The scan must see codes that reach ServiceError only through a helper: if it did
    # not, the registry test above would pass vacuously.
    codes, _ = _emitted()
    assert "server/http_protocol.py" in " ".join(codes["request_timeout"])  # _refuse(...)
    assert "payment_facts_unavailable" in codes  # f"{kind}_facts_unavailable"
    assert "account_not_found" in codes  # not_found(missing or "account")
    assert "payment_not_capturable" in codes  # _body(response, not_allowed=...)
    assert "gateway_rejected_request" in codes  # _R(*_BAD, field)


# Known: PayPal's token answer without a token (HTTP 2xx) passes ``type=CONNECTOR``; with a
# type given, gateway_error keeps ``gateway_error`` as the unified code (the raw one goes
# to ``gateway.code``), so such call sites cannot add unregistered codes. Listed anyway,
# so a new typed call site is looked at.
TYPED_GATEWAY_ERRORS = {"connectors/paypal.py:parse_access_token"}


def test_gateway_error_is_given_a_type_only_where_known() -> None:
    # Every call site that overrides the type is one somebody looked at.
    typed = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    if name == "gateway_error" and any(k.arg == "type" for k in node.keywords):
                        typed.add(f"{path.relative_to(SRC).as_posix()}:{fn.name}")
    assert typed == TYPED_GATEWAY_ERRORS


def test_attempt_outcomes_cover_failover() -> None:
    tree = ast.parse((SRC / "core" / "failover.py").read_text())
    literals = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "note"
        and isinstance(node.args[0], ast.Constant)
    }
    assert literals, "core/failover.py no longer reports attempts through note()"
    assert literals <= ATTEMPT_OUTCOMES, literals - ATTEMPT_OUTCOMES
