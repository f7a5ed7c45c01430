"""An AST scan of ``src/`` for the error codes the service can emit (used by
``test_error_codes.py``).

A *code position* is an argument that becomes ``ServiceError.code``: the second argument
of ``ServiceError`` and ``ErrorRule`` (and its ``_R`` alias), the first of ``invalid``.
A string literal there is an emitted code. A parameter of the enclosing function there
makes that parameter a code position too (``_refuse(408, "request_timeout", ...)``), an
f-string ``f"{what}_not_found"`` a templated one, until nothing new is found. Anything
else (an attribute, a subscript) is *opaque*: the test lists each such site with what it
carries, so a new one cannot slip in unexamined.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "connector_service"


@dataclass(frozen=True)
class Position:
    """Argument ``index`` (or keyword ``keyword``) of calls to ``function`` (only in
    ``module`` for a private function) yields ``prefix + value + suffix``."""

    function: str
    index: int | None
    keyword: str | None
    prefix: str = ""
    suffix: str = ""
    module: str | None = None


@dataclass
class Scan:
    codes: dict[str, list[str]] = field(default_factory=dict)  # code -> "file:line"
    opaque: set[tuple[str, str]] = field(default_factory=set)  # (file, expression)


ROOTS = [
    Position("ServiceError", 1, "code"),
    Position("ErrorRule", 1, "code"),
    Position("_R", 1, "code"),
    Position("invalid", 0, "code"),
]


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _modules() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        if "grpc_gen" in path.parts:
            continue
        out.append((path.relative_to(SRC).as_posix(), ast.parse(path.read_text())))
    return out


def _enclosing(tree: ast.Module) -> dict[ast.AST, ast.FunctionDef | ast.AsyncFunctionDef]:
    owner: dict[ast.AST, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    # ast.walk is breadth first: inner functions overwrite their outer owner.
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                if child is not node:
                    owner[child] = node
    return owner


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[str], set[str]]:
    positional = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    return positional, {*positional, *(a.arg for a in fn.args.kwonlyargs)}


# Parameters that carry the *gateway's* code, not the service's: ``gateway_error``'s
# ``code`` becomes ``ServiceError.code`` only when its ``type`` is given, which the test
# checks no caller does.
RAW = {("connectors/kit/errors.py", "gateway_error", "code")}


def _tuples(tree: ast.Module) -> dict[str, list[ast.expr]]:
    """Module-level ``NAME = a, b`` tuples, for ``_R(*_BAD, field)``."""
    out: dict[str, list[ast.expr]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = list(node.value.elts)
    return out


def _argument(call: ast.Call, pos: Position, tuples: dict[str, list[ast.expr]]) -> ast.expr | None:
    args: list[ast.expr] = []
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            if not (isinstance(arg.value, ast.Name) and arg.value.id in tuples):
                return arg  # opaque: the test lists it
            args += tuples[arg.value.id]
        else:
            args.append(arg)
    if pos.index is not None and len(args) > pos.index:
        return args[pos.index]
    return next((k.value for k in call.keywords if k.arg == pos.keyword), None)


@functools.cache
def scan() -> Scan:
    modules = [(m, t, _enclosing(t), _tuples(t)) for m, t in _modules()]
    calls = [
        (m, node, owner, tuples)
        for m, t, owner, tuples in modules
        for node in ast.walk(t)
        if isinstance(node, ast.Call)
    ]
    result = Scan()
    positions = set(ROOTS)
    pending = list(ROOTS)
    done: set[Position] = set()

    def value(
        expr: ast.expr,
        pos: Position,
        module: str,
        fn: ast.FunctionDef | ast.AsyncFunctionDef | None,
        line: int,
    ) -> None:
        where = f"{module}:{line}"
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, str):
                code = pos.prefix + expr.value + pos.suffix
                result.codes.setdefault(code, []).append(where)
            # None: "no code" (e.g. an optional default); nothing is emitted
            return
        if isinstance(expr, ast.IfExp):
            value(expr.body, pos, module, fn, line)
            value(expr.orelse, pos, module, fn, line)
            return
        if isinstance(expr, ast.BoolOp):
            for part in expr.values:
                value(part, pos, module, fn, line)
            return
        if isinstance(expr, ast.Name) and fn is not None:
            positional, names = _params(fn)
            if expr.id in names and (module, fn.name, expr.id) not in RAW:
                index = positional.index(expr.id) if expr.id in positional else None
                private = fn.name.startswith("_")
                new = Position(fn.name, index, expr.id, pos.prefix, pos.suffix,
                               module if private else None)  # fmt: skip
                if new not in positions:
                    positions.add(new)
                    pending.append(new)
                return
        if isinstance(expr, ast.JoinedStr) and fn is not None:
            parts = expr.values
            holes = [i for i, p in enumerate(parts) if isinstance(p, ast.FormattedValue)]
            if len(holes) == 1 and all(
                isinstance(p, ast.Constant) for i, p in enumerate(parts) if i != holes[0]
            ):
                hole = parts[holes[0]]
                assert isinstance(hole, ast.FormattedValue)
                before = "".join(
                    str(p.value) for p in parts[: holes[0]] if isinstance(p, ast.Constant)
                )
                after = "".join(
                    str(p.value) for p in parts[holes[0] + 1 :] if isinstance(p, ast.Constant)
                )
                inner = Position(pos.function, pos.index, pos.keyword,
                                 pos.prefix + before, after + pos.suffix, pos.module)  # fmt: skip
                value(hole.value, inner, module, fn, line)
                return
        result.opaque.add((module, ast.unparse(expr)))

    while pending:
        pos = pending.pop()
        if pos in done:
            continue
        done.add(pos)
        for module, node, owner, tuples in calls:
            if pos.module not in (None, module) or _name(node.func) != pos.function:
                continue
            arg = _argument(node, pos, tuples)
            if arg is not None:
                value(arg, pos, module, owner.get(node), node.lineno)
    return result
