"""A string that refuses to show itself.

Card numbers, CVCs and credentials travel through the code as :class:`Secret` so that an
accidental ``repr``, f-string, log call or JSON dump prints a mask instead of the value.
Only :meth:`Secret.reveal` gives the value back, and only connectors building a gateway
request should call it.
"""

from __future__ import annotations

from typing import Any

MASK = "[REDACTED]"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __reduce__(self) -> Any:
        # Pickling would carry the value across process boundaries unnoticed.
        raise TypeError("Secret values cannot be pickled")


def reveal(value: Secret | str | None) -> str | None:
    if value is None:
        return None
    return value.reveal() if isinstance(value, Secret) else value
