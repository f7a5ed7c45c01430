"""Gateway → service: identify, verify, parse, record, answer.

Generic over connectors. For one incoming webhook:

1. ``webhook_identify`` reads the event id and an account hint from the raw request,
   without secrets, so the right account's secret can be picked;
2. ``webhook_verify`` checks it with that account's credentials (constant-time, with the
   gateway's timestamp tolerance) — or returns an ``HttpRequest`` for gateways that
   verify through their API (PayPal), which the executor sends with a cached access
   token and ``parse_verify_webhook`` judges;
3. ``webhook_parse`` turns it into unified events;
4. the events and their deliveries are written to the outbox in one transaction —
   *before* the gateway is answered, so an acknowledged event can never be lost;
5. ``webhook_reply`` gives the answer the gateway expects.

Failures never become a 500: a request that does not verify is a 401, one that cannot be
read a 400, an outage of the store or of the gateway's verification API a 503 (the
gateway retries later). None of them stores anything, and no log line carries the body
or the signature headers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from connector_service.config import Caller, Config
from connector_service.connectors.base import Connector, HttpRequest, HttpResponse
from connector_service.core.accounts import PLATFORM_PREFIX, Target
from connector_service.core.context import RequestContext
from connector_service.core.service import PaymentService
from connector_service.domain.codec import find_duplicate_key
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow, WebhookEvent, WebhookIdentity, WebhookReply
from connector_service.executor.http import Executor
from connector_service.storage.outbox import NewEvent, WebhookStore
from connector_service.webhooks import metrics
from connector_service.webhooks.events import (
    Event,
    build_event,
    encode_event,
    gateway_event_ids,
)

log = logging.getLogger("connector_service.webhooks")

SYSTEM = Caller(id="webhooks", accounts=frozenset({"*"}))


def _error(status: int, type_: ErrorType, code: str, message: str) -> ServiceError:
    return ServiceError(type_, code, message, http_status=status)


def unverified(message: str = "The webhook's signature could not be verified.") -> ServiceError:
    return _error(401, ErrorType.AUTHENTICATION, "webhook_not_verified", message)


@dataclass(frozen=True, slots=True)
class Verified:
    """A webhook that passed verification, parsed."""

    target: Target
    events: list[WebhookEvent]
    documents: list[Event]
    reply: WebhookReply


class WebhookReceiver:
    def __init__(
        self,
        config: Config,
        connectors: Mapping[str, Connector],
        service: PaymentService,
        executor: Executor,
        store: WebhookStore,
        *,
        on_recorded: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.connectors = connectors
        self.service = service
        self.executor = executor
        self.store = store
        self.on_recorded = on_recorded
        self.clock = clock

    # ------------------------------------------------------------------ entry points

    async def receive(
        self,
        connector_name: str,
        account: str | None,
        headers: Mapping[str, str],
        body: bytes,
        *,
        request_id: str = "",
    ) -> WebhookReply:
        """Handle a gateway's POST; raises :class:`ServiceError` for the error answers."""
        outcome = "malformed"
        try:
            rc = RequestContext(SYSTEM, request_id=request_id)
            verified = await self._verified(rc, connector_name, account, headers, body)
            outcome = "ignored"
            if verified.documents:
                new = await self._record(verified)
                outcome = "accepted" if any(new) else "duplicate"
                self._log_recorded(verified, new, request_id)
            return verified.reply
        except ServiceError as err:
            outcome = _outcome(err)
            raise
        finally:
            if connector_name in self.connectors:  # a label only for real connectors
                metrics.RECEIVED.labels(connector_name, outcome).inc()

    async def translate(
        self,
        rc: RequestContext,
        connector_name: str,
        account: str | None,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[Target, list[Event]]:
        """The stateless mode: verify and translate, store and forward nothing."""
        verified = await self._verified(rc, connector_name, account, headers, body)
        return verified.target, verified.documents

    # ------------------------------------------------------------------ steps

    async def _verified(
        self,
        rc: RequestContext,
        connector_name: str,
        account: str | None,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Verified:
        caller, request_id = rc.caller, rc.request_id
        connector = self.connectors.get(connector_name)
        if connector is None or Flow.WEBHOOKS not in connector.meta.flows:
            raise _error(
                404,
                ErrorType.NOT_FOUND,
                "unknown_webhook_connector",
                f"No connector {connector_name[:64]!r} receives webhooks here.",
            )
        lowered = {k.lower(): v for k, v in headers.items()}
        identity = self._identify(connector, lowered, body)
        targets = self._targets(rc, connector, account, identity)
        if not targets and caller is not SYSTEM:
            raise ServiceError(
                ErrorType.INVALID_REQUEST,
                "unknown_account",
                f"No {connector.meta.display_name} account is available to this API key"
                + (f" under the name {account!r}." if account else "."),
                field="account",
            )
        if not targets:
            # The account may not exist, belong to another connector or to another
            # tenant: the answer does not say which (it would tell who is configured).
            log.warning(
                "webhook rejected: no account to verify it with",
                extra={"connector": connector_name, "account": account or "-",
                       "request_id": request_id},
            )  # fmt: skip
            raise unverified("No account of this connector can verify the webhook.")
        target, fetched = await self._verify(connector, targets, lowered, body, request_id)
        if (repeated := find_duplicate_key(body)) is not None:
            # Signed, but ambiguous: a reader keeping the first value would disagree.
            raise ServiceError(
                ErrorType.INVALID_REQUEST,
                "invalid_webhook",
                f"The webhook repeats the key {repeated!r}.",
                field=repeated,
            )
        try:
            events = (
                connector.webhook_parse(lowered, body)
                if fetched is None
                else connector.webhook_parse_fetched(lowered, body, fetched)
            )
            reply = connector.webhook_reply(events)
        except ServiceError as err:
            raise _error(400, ErrorType.INVALID_REQUEST, "invalid_webhook", err.message) from None
        except Exception as exc:
            log.warning(
                "webhook rejected: verified but unreadable",
                extra={"connector": connector_name, "account": target.account,
                       "request_id": request_id, "error": type(exc).__name__},
            )  # fmt: skip
            raise _error(
                400,
                ErrorType.INVALID_REQUEST,
                "invalid_webhook",
                f"The webhook is not a {connector.meta.display_name} event this service reads.",
            ) from None
        now = self.clock()
        livemode = not target.ctx.test_mode
        try:
            documents = [
                await build_event(
                    ev,
                    gateway_event_id=gid,
                    connector=connector.meta.name,
                    account=target.account,
                    livemode=livemode,
                    resources=self.service.resources,
                    received_at=now,
                    settle=caller is SYSTEM,
                )
                for ev, gid in zip(events, gateway_event_ids(events, body), strict=True)
            ]
        except Exception as exc:
            # Finding the objects' ids reads the service's storage: a storage failure here
            # is, like one while recording, a 503 the gateway retries, not an acknowledgement.
            raise _store_unavailable(target, exc) from None
        return Verified(target, events, documents, reply)

    @staticmethod
    def _identify(connector: Connector, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        if not body.strip():
            raise _error(
                400, ErrorType.INVALID_REQUEST, "invalid_webhook", "The webhook body is empty."
            )
        try:
            identity = connector.webhook_identify(headers, body)
        except ServiceError as err:
            raise _error(400, ErrorType.INVALID_REQUEST, "invalid_webhook", err.message) from None
        except Exception:
            raise _error(
                400,
                ErrorType.INVALID_REQUEST,
                "invalid_webhook",
                f"The body is not a {connector.meta.display_name} webhook.",
            ) from None
        return identity

    def _targets(
        self,
        rc: RequestContext,
        connector: Connector,
        account: str | None,
        identity: WebhookIdentity,
    ) -> list[Target]:
        """The accounts whose secrets may verify this webhook, the likeliest first."""
        name, caller, creds = connector.meta.name, rc.caller, rc.creds
        accounts = self.service.accounts
        if creds is not None:
            if creds.connector != name:
                raise _error(
                    400,
                    ErrorType.INVALID_REQUEST,
                    "connector_mismatch",
                    "X-Connector-Credentials names another connector than the URL.",
                )
            return [accounts.platform_target(creds, request_id=rc.request_id)]
        if account is not None:
            acc = self.config.accounts.get(account)
            candidates = [acc] if acc is not None else []
        else:
            candidates = list(self.config.accounts.values())
        candidates = [a for a in candidates if a.connector == name and caller.may_use(a.id)]
        hint = identity.account_hint
        if hint and len(candidates) > 1:
            matching = [a for a in candidates if a.id == hint or hint in a.options.values()]
            candidates = matching or candidates
        return [accounts.account_target(a, request_id=rc.request_id) for a in candidates]

    async def _verify(
        self,
        connector: Connector,
        targets: Sequence[Target],
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> tuple[Target, HttpResponse | None]:
        """The account that verifies the webhook, and the gateway's answer where it was
        verified through the gateway's API."""
        for target in targets:
            verified, fetched = await self._verify_one(connector, target, headers, body)
            if verified:
                return target, fetched
        log.warning(
            "webhook rejected: signature did not verify",
            extra={"connector": connector.meta.name,
                   "account": targets[0].account if len(targets) == 1 else "*",
                   "request_id": request_id},
        )  # fmt: skip
        raise unverified()

    async def _verify_one(
        self, connector: Connector, target: Target, headers: dict[str, str], body: bytes
    ) -> tuple[bool, HttpResponse | None]:
        """True when ``target``'s credentials verify the webhook (with the verification
        API's answer, if one was asked). A malformed signature is simply not verified; an
        outage of the gateway's verification API is a 503."""
        for attempt in range(2):
            try:
                ctx = await self.service.tokens.context(target)
                verdict = connector.webhook_verify(ctx, headers, body)
                if not isinstance(verdict, HttpRequest):
                    return bool(verdict), None
                response = await self.executor.send(
                    connector, ctx, verdict, Flow.VERIFY_WEBHOOK, target.timeouts
                )
                return bool(connector.parse_verify_webhook(ctx, response)), response
            except ServiceError as err:
                if (
                    attempt == 0
                    and connector.meta.needs_access_token
                    and err.code == "gateway_authentication_failed"
                ):
                    # A revoked token: refresh it once (the verification changed nothing).
                    await self.service.tokens.forget(target.account)
                    continue
                if err.type in (ErrorType.NETWORK, ErrorType.CONNECTOR, ErrorType.RATE_LIMITED):
                    raise _error(
                        503,
                        ErrorType.CONNECTOR,
                        "webhook_verification_unavailable",
                        f"{connector.meta.display_name} could not be asked to verify the "
                        "webhook; it will be retried.",
                    ) from None
                return False, None
            except Exception:
                return False, None
        return False, None

    async def _record(self, verified: Verified) -> list[bool]:
        target = verified.target
        if target.account.startswith(PLATFORM_PREFIX):  # pragma: no cover - receive has none
            raise unverified()
        endpoints = self.config.webhook_endpoints.values()
        new_events = [
            NewEvent(
                id=doc.id,
                connector=doc.connector,
                account=doc.account,
                connector_event_id=doc.connector_event_id,
                type=doc.type,
                payload=encode_event(doc),
                endpoints=tuple(e.id for e in endpoints if e.wants(doc.account, doc.type)),
            )
            for doc in verified.documents
        ]
        try:
            new = await self.store.record(new_events, self.clock())
        except Exception as exc:
            raise _store_unavailable(target, exc) from None
        for doc, is_new in zip(verified.documents, new, strict=True):
            if is_new:
                metrics.EVENTS.labels(doc.connector, doc.type).inc()
        if any(new) and self.on_recorded is not None:
            self.on_recorded()
        return new

    @staticmethod
    def _log_recorded(verified: Verified, new: list[bool], request_id: str) -> None:
        for doc, is_new in zip(verified.documents, new, strict=True):
            log.info(
                "webhook event recorded" if is_new else "webhook event is a duplicate",
                extra={"connector": doc.connector, "account": doc.account, "event": doc.id,
                       "connector_event_id": doc.connector_event_id, "type": doc.type,
                       "request_id": request_id},
            )  # fmt: skip


def _store_unavailable(target: Target, exc: Exception) -> ServiceError:
    log.error(
        "webhook not recorded: the store is unavailable",
        extra={"connector": target.connector.meta.name, "account": target.account,
               "error": type(exc).__name__},
    )  # fmt: skip
    return _error(
        503,
        ErrorType.INTERNAL,
        "storage_unavailable",
        "The event could not be recorded; retry later.",
    )


def _outcome(err: ServiceError) -> str:
    if err.http_status == 401:
        return "unverified"
    if err.http_status >= 500:
        return "unavailable"
    return "malformed"
