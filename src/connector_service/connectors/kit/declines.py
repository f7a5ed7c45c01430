"""Gateway decline codes -> unified decline codes, one shape for every connector.

A connector's table maps its gateway's raw codes to a :class:`DeclineCode`; the category
(and whether a retry may help) follows from the unified code in ``domain/declines.py``,
never from the connector. Tables are written code-first, many raw codes per line, and
turned into a lookup with :func:`decline_table`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from connector_service.domain.errors import DeclineCode

DeclineTable = Mapping[str, DeclineCode]


def decline_table(rows: Iterable[tuple[DeclineCode, str]]) -> dict[str, DeclineCode]:
    """``[(DeclineCode.X, "raw_a raw_b"), ...]`` -> ``{"raw_a": X, "raw_b": X}``; a raw
    code listed twice is a mistake in the table, refused at import."""
    table: dict[str, DeclineCode] = {}
    for code, raws in rows:
        for raw in raws.split():
            if raw in table:
                raise ValueError(f"decline code {raw!r} is listed twice")
            table[raw] = code
    return table


def decline_of(
    table: DeclineTable,
    *raw_codes: str | None,
    default: DeclineCode = DeclineCode.GENERIC_DECLINE,
) -> DeclineCode:
    """The unified code of the first of ``raw_codes`` the table knows, else ``default``."""
    for raw in raw_codes:
        if raw and raw in table:
            return table[raw]
    return default
