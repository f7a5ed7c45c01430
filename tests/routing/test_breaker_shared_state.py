"""Breaker state shared through storage, and each instance's short-lived copy of it: a
healthy account costs no storage read per call, a breaker another instance opened is
seen once the copy is older than ``shared_state_max_age_seconds``, and every change is
an atomic update of what storage holds (never a write of the copy)."""

from __future__ import annotations

from typing import Any

from connector_service.config import BreakerConfig
from connector_service.core.breaker import Breakers, BreakerState
from connector_service.storage.memory import MemoryStorage


class CountingStorage(MemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.gets = 0

    async def get(self, ns: str, key: str) -> bytes | None:
        self.gets += 1
        return await super().get(ns, key)


def breakers(storage: MemoryStorage, clock: list[float], **config: Any) -> Breakers:
    config = {"shared_state_max_age_seconds": 1.0} | config
    b = Breakers(storage, BreakerConfig(consecutive_failures=2, **config))
    b._clock = lambda: clock[0]
    return b


async def test_a_healthy_account_reads_storage_once_per_max_age() -> None:
    storage, clock = CountingStorage(), [100.0]
    b = breakers(storage, clock)
    for _ in range(50):
        assert await b.allow("acct")
        await b.record("acct", success=True)
    assert storage.gets == 1
    clock[0] += 1.5  # older than the 1 s max age: read again
    assert await b.allow("acct")
    assert storage.gets == 2


async def test_another_instance_sees_an_opened_breaker_after_max_age() -> None:
    storage, clock = CountingStorage(), [100.0]
    a, b = breakers(storage, clock), breakers(storage, clock)
    assert await b.state("acct") is BreakerState.CLOSED  # b has read it: closed
    await a.record("acct", success=False)
    await a.record("acct", success=False)
    assert await a.state("acct") is BreakerState.OPEN  # its own write: at once
    assert await b.state("acct") is BreakerState.CLOSED  # b's copy is still fresh
    clock[0] += 1.01
    assert await b.state("acct") is BreakerState.OPEN
    assert not await b.allow("acct")


async def test_max_age_zero_reads_every_time() -> None:
    storage, clock = CountingStorage(), [100.0]
    a = breakers(storage, clock, shared_state_max_age_seconds=0)
    b = breakers(storage, clock, shared_state_max_age_seconds=0)
    assert await b.state("acct") is BreakerState.CLOSED
    await a.record("acct", success=False)
    await a.record("acct", success=False)
    assert await b.state("acct") is BreakerState.OPEN
    reads = storage.gets
    await b.state("acct")
    assert storage.gets == reads + 1


async def test_a_failure_counts_on_what_storage_holds_not_on_the_copy() -> None:
    storage, clock = CountingStorage(), [100.0]
    a, b = breakers(storage, clock), breakers(storage, clock)
    await b.record("acct", success=True)  # b's copy: nothing stored
    await a.record("acct", success=False)  # 1 in a row, written by a
    await b.record("acct", success=False)  # b's failure adds to a's: 2 in a row
    assert (await a.view("acct")).state is BreakerState.OPEN
    assert (await a.view("acct")).consecutive_failures == 2


async def test_a_success_on_a_stale_copy_does_not_close_an_open_breaker() -> None:
    """Only the probe closes it: a call admitted on a copy from before another instance
    opened the breaker leaves it open; then one probe is let through, and closes it."""
    storage, clock = CountingStorage(), [100.0]
    a, b = breakers(storage, clock), breakers(storage, clock)
    await b.record("acct", success=False)  # b's copy: one failure, closed
    await a.record("acct", success=False)
    await a.record("acct", success=False)  # now open in storage
    assert await b.allow("acct")  # b's copy is fresh: closed
    await b.record("acct", success=True)
    assert (await a.view("acct")).state is BreakerState.OPEN
    clock[0] += 1.01
    assert not await b.allow("acct")  # b reads storage now: open, cooling down


async def test_by_default_every_success_counts_across_instances() -> None:
    """max age 0 (the default): another instance's successes reset the failures in a row
    at once, so failures spread between successes never open a healthy account."""
    storage = CountingStorage()
    a = Breakers(storage, BreakerConfig(consecutive_failures=3))
    b = Breakers(storage, BreakerConfig(consecutive_failures=3))
    await b.record("acct", success=False)
    for _ in range(50):
        await a.record("acct", success=True)
    await b.record("acct", success=False)
    await b.record("acct", success=False)
    view = await a.view("acct")
    assert view.state is BreakerState.CLOSED and view.consecutive_failures == 2
    assert view.window_calls == 53
