"""Per-account circuit breakers, kept in storage so every instance sharing PostgreSQL sees
the same state (with SQLite: every worker on the file; with memory: one process).

With ``shared_state_max_age_seconds`` above 0 (default 0) each instance keeps the state
it last read or wrote that long, so a healthy account costs no storage read per call;
what another instance changed is seen within that time, and this instance's successes
do not reset failures other instances counted meanwhile. Every change is an atomic
update in storage, never a write of a cached value.

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
        # account -> (time.monotonic() when read or written, the stored value)
        self._seen: dict[str, tuple[float, bytes | None]] = {}
        self._clock = time.monotonic

    async def _stored(self, account: str) -> bytes | None:
        """The stored state, from this instance's copy while it is fresh enough."""
        max_age = self.config.shared_state_max_age_seconds
        if max_age > 0:
            seen = self._seen.get(account)
            if seen is not None and self._clock() - seen[0] < max_age:
                return seen[1]
        raw = await self.storage.get(NS, account)
        self._remember(account, raw)
        return raw

    def _remember(self, account: str, raw: bytes | None) -> None:
        if self.config.shared_state_max_age_seconds > 0:
            self._seen[account] = (self._clock(), raw)

    async def state(self, account: str) -> BreakerState:
        if not self.config.enabled:
            return BreakerState.CLOSED
        return self._state_of(await self._stored(account))

    def _state_of(self, raw: bytes | None) -> BreakerState:
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
        self._remember(account, new)
        if new is not None:
            metrics.BREAKER_STATE.labels(account).set(_GAUGE[_dec.decode(new).state])
        return granted

    async def record(self, account: str, success: bool) -> None:
        if not self.config.enabled:
            return
        cfg = self.config
        if success:
            raw = await self._stored(account)
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
                if st.state is BreakerState.HALF_OPEN:
                    return None  # the probe succeeded: back to a clean closed state
                if st.state is BreakerState.OPEN:
                    # A call let through before it opened, or on another instance's copy
                    # of the state: only the probe (half-open) closes the breaker.
                    return old
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
        self._remember(account, new)
        state = _dec.decode(new).state if new is not None else BreakerState.CLOSED
        metrics.BREAKER_STATE.labels(account).set(_GAUGE[state])

    async def view(self, account: str) -> BreakerView:
        """What storage holds now (the operator's view, not this instance's copy)."""
        raw = await self.storage.get(NS, account)
        self._remember(account, raw)
        st = _dec.decode(raw) if raw is not None else _State()
        return BreakerView(
            account=account,
            state=self._state_of(raw) if self.config.enabled else BreakerState.CLOSED,
            consecutive_failures=st.consecutive,
            window_calls=st.calls,
            window_failures=st.failures,
            opened_at=st.opened_at or None,
        )
