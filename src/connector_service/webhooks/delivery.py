"""Service → client application: the delivery worker.

Each server process runs one worker. It claims due deliveries from the outbox (a lease,
so several processes and instances never send the same delivery at the same time),
POSTs each event's stored JSON signed with the Standard Webhooks scheme, and records the
attempt: status code, latency, error. A 2xx ends the delivery; a 410 marks it failed and
disables the endpoint; anything else — another status, a timeout, a refused connection
— schedules the next retry from ``[webhooks] retry_schedule_seconds`` (±jitter, so a
recovering receiver is not hit by every retry at once) until the schedule is exhausted,
and then the delivery is marked failed and kept for replay.

Delivery is at least once: a process killed after sending but before recording sends
again when its lease runs out, with the same ``webhook-id`` so the receiver can dedupe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping

import aiohttp

from connector_service.config import WebhookEndpoint, WebhooksConfig
from connector_service.storage.outbox import (
    AttemptResult,
    Claim,
    Outcome,
    WebhookStore,
)
from connector_service.version import __version__
from connector_service.webhooks import metrics
from connector_service.webhooks.signing import decode_secret, sign_headers

log = logging.getLogger("connector_service.webhooks.delivery")

STATS_INTERVAL_SECONDS = 5.0
STOP_GRACE_SECONDS = 5.0


def next_delay(schedule: list[float], step: int, jitter: float, rand: float) -> float | None:
    """The wait before the retry following failure number ``step`` (0-based), or None
    when the schedule is exhausted. ``rand`` is uniform in [0, 1)."""
    if step >= len(schedule):
        return None
    return max(0.0, schedule[step] * (1 + jitter * (2 * rand - 1)))


class DeliveryWorker:
    def __init__(
        self,
        store: WebhookStore,
        endpoints: Mapping[str, WebhookEndpoint],
        settings: WebhooksConfig,
        *,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.endpoints = dict(endpoints)
        self.settings = settings
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.clock = clock
        self.rand = rand
        self._keys = {
            eid: [decode_secret(s.reveal()) for s in ep.secrets] for eid, ep in endpoints.items()
        }
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._unlisten: Callable[[], Awaitable[None]] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._disabled: set[str] = set()
        self._disabled_checked = -1e9
        self._stats_at = -1e9

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._loop_task is None:
            try:
                self._unlisten = await self.store.listen(self.wake)
            except Exception as exc:  # polling still delivers; say why wake-ups are missing
                log.warning("webhook delivery: not listening for other instances: %s",
                            type(exc).__name__)  # fmt: skip
            self._loop_task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop claiming; give in-flight attempts a moment, then abandon them (their
        leases run out and another worker retries them)."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if self._inflight:
            grace = min(STOP_GRACE_SECONDS, self.settings.timeout_seconds)
            _, pending = await asyncio.wait(self._inflight, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._unlisten is not None:
            await self._unlisten()
            self._unlisten = None

    def wake(self) -> None:
        """New events were recorded by this process: look for due deliveries now."""
        self._wake.set()

    async def drain(self) -> None:
        """Wait for the attempts in flight (tests)."""
        while self._inflight:
            await asyncio.wait(set(self._inflight))

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        """Claim while work remains; wait only when there is nothing to do.

        A claim limited by free capacity says nothing about the backlog, so the loop
        claims again as soon as an attempt finishes. Only a claim that came back short of
        what it asked for (the due work is exhausted) lets the loop sleep, until a wake-up
        (new events in this process, a notification from another instance) or the poll
        interval (retries that fall due, leases that run out).
        """
        poll = self.settings.poll_interval_seconds
        while True:
            self._wake.clear()
            try:
                claimed, asked = await self.claim_and_send()
                await self._refresh_metrics()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The store may be briefly unavailable (a database restart): keep going.
                log.warning("webhook delivery loop: %s", type(exc).__name__)
                claimed, asked = 0, 1
            if len(self._inflight) >= self.settings.concurrency:
                # Refill in batches: claiming one slot per finished attempt costs a
                # storage round trip per delivery.
                refill = self.settings.concurrency - max(1, self.settings.concurrency // 4)
                while len(self._inflight) > refill:
                    await asyncio.wait(set(self._inflight), return_when=asyncio.FIRST_COMPLETED)
                continue
            if asked and claimed >= asked:
                continue  # the claim was full: more is probably due right now
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel
            # that lands as the wake-up completes, and stop() then waits for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll):
                    await self._wake.wait()

    async def _active_endpoints(self) -> list[str]:
        now = time.monotonic()
        if now - self._disabled_checked >= self.settings.poll_interval_seconds:
            self._disabled = set(await self.store.disabled_endpoints())
            self._disabled_checked = now
        return [e for e in self.endpoints if e not in self._disabled]

    async def claim_and_send(self) -> tuple[int, int]:
        """Claim what is due (within the free concurrency) and start sending it.

        Returns how many were claimed and how many were asked for."""
        free = min(self.settings.concurrency - len(self._inflight), self.settings.batch_size)
        if free <= 0 or not self.endpoints:
            return 0, 0
        active = await self._active_endpoints()
        if not active:
            return 0, 0
        claims = await self.store.claim(
            self.owner, active, free, self.settings.lease_seconds, self.clock()
        )
        loop = asyncio.get_running_loop()
        for claim in claims:
            task = loop.create_task(self._deliver(claim))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(claims), free

    # ------------------------------------------------------------------ one attempt

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.settings.concurrency),
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    async def _deliver(self, claim: Claim) -> None:
        endpoint = self.endpoints[claim.endpoint]
        started = self.clock()
        headers = sign_headers(self._keys[endpoint.id], claim.event_id, int(started), claim.payload)
        headers["content-type"] = "application/json"
        headers["user-agent"] = f"connector-service/{__version__} (webhooks)"
        timeout = aiohttp.ClientTimeout(
            total=self.settings.timeout_seconds,
            sock_connect=self.settings.connect_timeout_seconds,
        )
        status: int | None = None
        error: str | None = None
        kind = "connection_error"
        t0 = time.perf_counter()
        try:
            async with self._http().post(
                endpoint.url,
                data=claim.payload,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,  # a redirect is not an acknowledgement
            ) as resp:
                status = resp.status
        except TimeoutError:
            error, kind = f"timed out after {self.settings.timeout_seconds:g} s", "timeout"
        except aiohttp.ClientConnectorError as exc:
            error = f"could not connect ({type(exc).__name__})"
        except aiohttp.ClientError as exc:  # the URL may hold a token: only the class name
            error = f"no valid answer ({type(exc).__name__})"
        latency = time.perf_counter() - t0
        now = self.clock()
        step = claim.step
        next_at: float | None = None
        if status is not None and 200 <= status < 300:
            outcome, kind = Outcome.SUCCEEDED, "success"
        elif status == 410:
            outcome, kind = Outcome.GONE, "gone"
            error = "410 Gone: the endpoint is disabled"
        else:
            if status is not None:
                error, kind = f"HTTP {status}", f"http_{status // 100}xx"
            delay = next_delay(
                self.settings.retry_schedule_seconds, step, self.settings.jitter, self.rand()
            )
            if delay is None:
                outcome = Outcome.FAILED
            else:
                outcome, step, next_at = Outcome.RETRY, step + 1, now + delay
        metrics.ATTEMPTS.labels(endpoint.id, kind).inc()
        metrics.ATTEMPT_LATENCY.labels(endpoint.id).observe(latency)
        result = AttemptResult(started, status, round(latency * 1000, 2), error)
        try:
            await self.store.finish(
                claim, self.owner, result, outcome, next_attempt_at=next_at, step=step, now=now
            )
        except Exception as exc:
            # Not recorded: the lease runs out and the delivery is attempted again.
            log.warning(
                "webhook attempt not recorded: %s", type(exc).__name__,
                extra={"endpoint": endpoint.id, "event": claim.event_id},
            )  # fmt: skip
            return
        if outcome is Outcome.GONE:
            self._disabled.add(endpoint.id)
            metrics.GAVE_UP.labels(endpoint.id).inc()
            log.warning(
                "webhook endpoint disabled: it answered 410 Gone",
                extra={"endpoint": endpoint.id, "event": claim.event_id},
            )
        elif outcome is Outcome.FAILED:
            metrics.GAVE_UP.labels(endpoint.id).inc()
            log.warning(
                "webhook delivery failed: retries exhausted",
                extra={"endpoint": endpoint.id, "event": claim.event_id,
                       "attempts": claim.attempts + 1, "error": error or ""},
            )  # fmt: skip
        elif outcome is Outcome.RETRY:
            log.info(
                "webhook attempt failed, will retry",
                extra={"endpoint": endpoint.id, "event": claim.event_id,
                       "attempt": claim.attempts + 1, "error": error or "",
                       "retry_in_s": round((next_at or now) - now, 1)},
            )  # fmt: skip

    # ------------------------------------------------------------------ metrics

    async def _refresh_metrics(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._stats_at < STATS_INTERVAL_SECONDS:
            return
        self._stats_at = now
        stats = await self.store.stats()
        disabled = await self.store.disabled_endpoints()
        wall = self.clock()
        for eid in set(self.endpoints) | set(stats):
            s = stats.get(eid)
            metrics.BACKLOG.labels(eid).set(s.pending if s else 0)
            metrics.FAILED.labels(eid).set(s.failed if s else 0)
            oldest = s.oldest_pending_at if s else None
            metrics.OLDEST.labels(eid).set(max(0.0, wall - oldest) if oldest else 0.0)
            metrics.DISABLED.labels(eid).set(1 if eid in disabled else 0)
