"""Per-account circuit breakers, kept in storage so every instance sharing PostgreSQL sees
the same state (with SQLite: every worker on the file; with memory: one process).

Closed: calls flow; failures are counted. Open: routing skips the account until the
cool-down passes. Half-open: exactly one caller wins the probe (an atomic claim); its
success closes the breaker, its failure opens it again.

A *failure* is the gateway's fault: unreachable, unavailable, 5xx, timeout. Declines and
invalid requests are answers, so they count as successes: a gateway that declines cards
is healthy.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from enum import StrEnum

import msgspec

from connector_service.config import BreakerConfig
from connector_service.observability import metrics
from connector_service.storage.base import Storage

NS = "breaker"


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class _State(msgspec.Struct):
    state: BreakerState = BreakerState.CLOSED
    consecutive: int = 0
    window_start: float = 0.0
    calls: int = 0
    failures: int = 0
    opened_at: float = 0.0
    probe_until: float = 0.0  # a half-open probe is in flight until then


class BreakerView(msgspec.Struct):
    account: str
    state: BreakerState
    consecutive_failures: int
    window_calls: int
    window_failures: int
    opened_at: float | None = None


_GAUGE = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}
_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(_State)


class Breakers:
    def __init__(self, storage: Storage, config: BreakerConfig) -> None:
        self.storage = storage
        self.config = config

    async def state(self, account: str) -> BreakerState:
        if not self.config.enabled:
            return BreakerState.CLOSED
        raw = await self.storage.get(NS, account)
        if raw is None:
            return BreakerState.CLOSED
        st = _dec.decode(raw)
        if (
            st.state is BreakerState.OPEN
            and time.time() >= st.opened_at + self.config.cool_down_seconds
        ):
            return BreakerState.HALF_OPEN
        return st.state

    async def publish(self, accounts: Iterable[str]) -> None:
        """Give ``cs_circuit_breaker_state`` a series for every account from the start,
        with the state stored now (another instance may have opened a breaker): an alert
        on it, or a dashboard, would otherwise see nothing until a state changed."""
        for account in accounts:
            metrics.BREAKER_STATE.labels(account).set(_GAUGE[await self.state(account)])

    async def allow(self, account: str) -> bool:
        """May a request go to ``account`` now? Claims the probe when half-open."""
        state = await self.state(account)
        if state is BreakerState.CLOSED:
            return True
        granted = False
        cool_down = self.config.cool_down_seconds

        def claim(old: bytes | None) -> bytes | None:
            nonlocal granted
            if old is None:
                granted = True
                return None
            st = _dec.decode(old)
            now = time.time()
            if st.state is BreakerState.CLOSED:
                granted = True
                return old
            if now < st.opened_at + cool_down or now < st.probe_until:
                return old
            granted = True
            st.state = BreakerState.HALF_OPEN
            st.probe_until = now + cool_down  # a lost probe frees the slot after this
            return _enc.encode(st)

        new = await self.storage.update(NS, account, claim)
        if new is not None:
            metrics.BREAKER_STATE.labels(account).set(_GAUGE[_dec.decode(new).state])
        return granted

    async def record(self, account: str, success: bool) -> None:
        if not self.config.enabled:
            return
        cfg = self.config
        if success:
            raw = await self.storage.get(NS, account)
            if raw is None:
                return  # healthy and never failed: no write on the hot path
            st = _dec.decode(raw)
            if st.state is BreakerState.CLOSED and st.consecutive == 0 and st.failures == 0:
                return

        def apply(old: bytes | None) -> bytes | None:
            st = _dec.decode(old) if old is not None else _State()
            now = time.time()
            if now - st.window_start > cfg.window_seconds:
                st.window_start, st.calls, st.failures = now, 0, 0
            st.calls += 1
            if success:
                if st.state is not BreakerState.CLOSED:
                    return None  # the probe succeeded: back to a clean closed state
                st.consecutive = 0
                return _enc.encode(st)
            st.failures += 1
            st.consecutive += 1
            tripped = st.consecutive >= cfg.consecutive_failures or (
                st.calls >= cfg.min_calls and st.failures / st.calls >= cfg.failure_rate
            )
            if st.state is not BreakerState.CLOSED or tripped:
                st.state = BreakerState.OPEN
                st.opened_at = now
                st.probe_until = 0.0
            return _enc.encode(st)

        new = await self.storage.update(NS, account, apply)
        state = _dec.decode(new).state if new is not None else BreakerState.CLOSED
        metrics.BREAKER_STATE.labels(account).set(_GAUGE[state])

    async def view(self, account: str) -> BreakerView:
        raw = await self.storage.get(NS, account)
        st = _dec.decode(raw) if raw is not None else _State()
        return BreakerView(
            account=account,
            state=await self.state(account),
            consecutive_failures=st.consecutive,
            window_calls=st.calls,
            window_failures=st.failures,
            opened_at=st.opened_at or None,
        )
