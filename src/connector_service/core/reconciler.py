"""Settles ``unresolved`` payments in the background.

When an authorization's outcome is unknown (a timeout or a reset after the request was
sent, a 5xx while processing), the core records the payment here. This loop syncs each
record with its gateway on a back-off schedule until the gateway says what happened, and
never re-sends the payment. Records are claimed atomically (``Storage.update``), so
several instances sharing PostgreSQL do not sync the same payment at once.
"""

from __future__ import annotations

import asyncio
import logging
import time

import msgspec

from connector_service.config import Caller
from connector_service.core.context import RequestContext
from connector_service.core.service import PaymentService
from connector_service.core.unresolved import NS, SCHEDULE, Pending, forget, remember
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.status import PaymentStatus
from connector_service.observability import metrics
from connector_service.storage.base import Storage

# The gauge counts up to this many records (more is an incident either way).
UNRESOLVED_COUNT_LIMIT = 10_000

RECONCILER = Caller(id="reconciler", accounts=frozenset({"*"}), platform=False)
# The reconciler's request context: no request id, no key, no per-request credentials.
RECONCILER_CONTEXT = RequestContext(RECONCILER)

log = logging.getLogger("connector_service.reconciler")

__all__ = ["NS", "RECONCILER", "SCHEDULE", "Pending", "Reconciler", "forget", "remember"]
_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(Pending)


class Reconciler:
    def __init__(
        self,
        storage: Storage,
        service: PaymentService,
        *,
        schedule: tuple[float, ...] = SCHEDULE,
    ) -> None:
        self.storage = storage
        self.service = service
        self.schedule = schedule
        self.settled: int = 0

    async def run_once(self) -> int:
        """Sync every due record once; returns how many were settled."""
        settled = 0
        for key, raw in await self.storage.scan(NS, limit=200):
            record = _dec.decode(raw)
            if record.next_at > time.time():
                continue
            if not await self._claim(key):
                continue
            try:
                payment = await self.service.get_payment(RECONCILER_CONTEXT, record.payment_id)
            except ServiceError as exc:
                if exc.type is ErrorType.NOT_SUPPORTED:
                    # The gateway cannot be asked (no sync API): its webhooks settle it.
                    log.warning("unresolved payment left to the gateway's webhooks")
                    await self.storage.delete(NS, key)
                    continue
                await self._reschedule(key, exc.code)
                continue
            if payment.status is PaymentStatus.UNRESOLVED:
                await self._reschedule(key, "still unresolved")
                continue
            await self.storage.delete(NS, key)
            settled += 1
            log.info(
                "unresolved payment settled",
                extra={"account": payment.account, "status": payment.status.value},
            )
        self.settled += settled
        # What is still unresolved, in the whole storage (every instance's), for the
        # dashboard and the alert: a payment nobody can settle needs a person.
        metrics.UNRESOLVED.set(len(await self.storage.scan(NS, limit=UNRESOLVED_COUNT_LIMIT)))
        return settled

    async def _claim(self, key: str) -> bool:
        """Push the record's next attempt out first, so no other worker takes it now."""
        claimed = False
        lease = 60.0

        def take(old: bytes | None) -> bytes | None:
            nonlocal claimed
            if old is None:
                return None
            record = _dec.decode(old)
            if record.next_at > time.time():
                return old
            claimed = True
            record.next_at = time.time() + lease
            return _enc.encode(record)

        await self.storage.update(NS, key, take)
        return claimed

    async def _reschedule(self, key: str, error: str) -> None:
        def bump(old: bytes | None) -> bytes | None:
            if old is None:
                return None
            record = _dec.decode(old)
            record.attempts += 1
            record.last_error = error
            if record.attempts >= len(self.schedule):
                log.error(
                    "unresolved payment could not be settled; it needs a person",
                    extra={"attempts": record.attempts, "error": error},
                )
                record.next_at = time.time() + self.schedule[-1]
            else:
                record.next_at = time.time() + self.schedule[record.attempts]
            return _enc.encode(record)

        await self.storage.update(NS, key, bump)

    async def run_forever(self, interval: float) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconciler pass failed")
            await asyncio.sleep(interval)
