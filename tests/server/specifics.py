"""The set-up of the per-gateway specifics files: the conformance rig of one profile.

Why: ``tests/server/test_<name>_specifics.py`` checks only what the conformance suite
cannot say for every gateway (raw gateway codes, exact fake state, token caching); they
start the same fake and service as the suite does (``testing.rig.open_rig``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connector_service.testing.profile import Card, ConnectorProfile
from connector_service.testing.rig import Rig, open_rig

__all__ = ["payment", "rig_fixture"]


def rig_fixture(profile: ConnectorProfile) -> Callable[..., Iterator[Rig]]:
    """A module-scoped ``rig`` fixture whose teardown also asserts that every request
    the fake received met the gateway's spec."""

    @pytest.fixture(scope="module")
    def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
        with open_rig(profile, tmp_path_factory.mktemp(f"specifics-{profile.connector}")) as r:
            yield r
            assert r.fake is None or r.fake.violations == [], r.fake.violations

    return rig


def payment(rig: Rig, amount: int, capture: str = "manual", card: Card | None = None,
            **extra: Any) -> dict[str, Any]:  # fmt: skip
    used = card or rig.profile.success
    return {
        "amount": used.amount or amount,
        "currency": rig.profile.currency,
        "capture_method": capture,
        "payment_method": used.payment_method(),
        **extra,
    }
