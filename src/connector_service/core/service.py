"""The payment flows.

Each public method is one unified operation. It checks the caller may use the account,
validates what only the core can (currency exponents, amount limits, capabilities),
resolves self-describing ids, asks the executor to run the connector, and turns the
connector's result into the API document. Nothing here knows any gateway.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from connector_service.config import Account, Caller, Config
from connector_service.connectors.base import Connector, ConnectorContext
from connector_service.core import idempotency, reconciler, routing
from connector_service.core.breaker import Breakers, BreakerView
from connector_service.core.resources import (
    MandateFacts,
    PaymentFacts,
    RefundFacts,
    Resources,
    facts_missing,
    mandate_ref,
    payment_ref,
    refund_ref,
)
from connector_service.domain import api
from connector_service.domain.common import CardSummary
from connector_service.domain.errors import (
    ErrorType,
    ServiceError,
    invalid,
    not_found,
    not_supported,
)
from connector_service.domain.flows import (
    AccessToken,
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    MandateCompleteData,
    MandateResult,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    RefundResult,
    RefundSyncData,
    StoredMandate,
    SyncData,
    VoidData,
)
from connector_service.domain.ids import IdCodec, Identity, Kind, MandateRef, PaymentRef, RefundRef
from connector_service.domain.money import UnknownCurrency, max_minor
from connector_service.domain.payment_methods import (
    Card,
    PaymentMethodType,
    Token,
)
from connector_service.domain.payment_methods import (
    MandateRef as MandateMethod,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, DeclineCategory, PaymentStatus
from connector_service.executor.http import Executor, OutcomeUnknown, Timeouts
from connector_service.observability import metrics
from connector_service.storage.base import Storage

# Errors after which nothing happened at the gateway: routing may try the next account.
FAILOVER_CODES = frozenset({"gateway_unreachable", "gateway_unavailable", "gateway_rate_limited"})
PLATFORM_PREFIX = "@"  # account name of ids created with per-request credentials
TOKEN_NS = "access_token"
TOKEN_MARGIN_SECONDS = 60


@dataclass(frozen=True, slots=True)
class RequestCredentials:
    """Per-request connector credentials sent by a platform caller."""

    connector: str
    credentials: dict[str, Secret]
    options: dict[str, str]
    mode: str = "test"


@dataclass(frozen=True, slots=True)
class Target:
    """The connector account serving one call."""

    account: str
    connector: Connector
    ctx: ConnectorContext
    timeouts: Timeouts


_PM_TYPE = {
    "Card": PaymentMethodType.CARD,
    "Token": PaymentMethodType.TOKEN,
    "MandateRef": PaymentMethodType.MANDATE,
    "Wallet": PaymentMethodType.WALLET,
    "Redirect": PaymentMethodType.REDIRECT,
}


class PaymentService:
    def __init__(
        self,
        config: Config,
        storage: Storage,
        executor: Executor,
        connectors: dict[str, Connector],
    ) -> None:
        self.config = config
        self.storage = storage
        self.executor = executor
        self.connectors = connectors
        self.ids = IdCodec(config.id_key)
        self.resources = Resources(self.ids, storage)
        self.breakers = Breakers(storage, config.breaker)
        self._token_locks: dict[str, asyncio.Lock] = {}
        self._token_enc = msgspec.json.Encoder()

    # ------------------------------------------------------------------ connectors

    def list_connectors(self, caller: Caller | None = None) -> list[api.ConnectorInfo]:
        out = []
        for name, connector in self.connectors.items():
            m = connector.meta
            accounts = [
                a.id
                for a in self.config.accounts.values()
                if a.connector == name and (caller is None or caller.may_use(a.id))
            ]
            out.append(
                api.ConnectorInfo(
                    name=m.name,
                    display_name=m.display_name,
                    flows=sorted(f.value for f in m.flows),
                    payment_methods=sorted(p.value for p in m.payment_methods),
                    currencies=sorted(m.currencies) if m.currencies is not None else "*",
                    countries=sorted(m.countries) if m.countries is not None else "*",
                    credential_fields=[f.name for f in m.credential_fields],
                    option_fields=[f.name for f in m.option_fields],
                    webhooks=Flow.WEBHOOKS in m.flows,
                    idempotency=m.idempotency,
                    docs_url=m.docs_url,
                    accounts=accounts,
                )
            )
        return out

    # ------------------------------------------------------------------ routing

    async def preview_routing(
        self, caller: Caller, req: api.PaymentCreate, *, idempotency_key: str | None = None
    ) -> api.RoutingDetails:
        """Which accounts a payment would be tried on, in order, and why; charges nothing."""
        _check_amount(req.amount, req.currency)
        pm_type = _PM_TYPE[type(req.payment_method).__name__]
        reference = req.reference or _reference(idempotency_key, caller.id)
        if req.account:
            names = [req.account]
            details = api.RoutingDetails(candidates=[], strategy="explicit_account")
        else:
            planned = routing.plan(
                self.config,
                {a.id: a.connector for a in self.config.accounts.values()},
                req,
                profile_name=req.routing_profile,
                seed=idempotency_key or reference,
            )
            if planned is None:
                names = [self._choose_account(caller, None, None, None, pm_type, req.currency)]
                details = api.RoutingDetails(candidates=[], strategy="default_account")
            else:
                names = [c.account for c in planned.candidates]
                details = planned
                details.candidates = []
        for name in names:
            account = self.config.accounts.get(name)
            if account is None or not caller.may_use(name):
                continue
            meta = self.connectors[account.connector].meta
            state = await self.breakers.state(name)
            skipped = None
            if pm_type not in meta.payment_methods or (
                meta.currencies is not None and req.currency not in meta.currencies
            ):
                skipped = "not_supported"
            elif state == "open":
                skipped = "circuit_open"
            details.candidates.append(
                api.RoutingCandidate(
                    account=name,
                    connector=account.connector,
                    estimated_fee=routing.estimated_fee(account, req.currency, req.amount),
                    breaker=state.value,
                    skipped=skipped,
                )
            )
        return details

    async def breaker_states(self, caller: Caller) -> list[BreakerView]:
        if not caller.admin:
            raise ServiceError(
                ErrorType.PERMISSION, "admin_only", "This endpoint needs an admin API key."
            )
        # An admin key limited to some accounts sees only those (tenant scope).
        scope = caller.scope
        names = [n for n in self.config.accounts if scope is None or n in scope]
        return [await self.breakers.view(name) for name in names]

    # ------------------------------------------------------------------ targets

    def _ctx(
        self,
        account: str,
        connector: Connector,
        credentials: dict[str, Secret],
        options: dict[str, str],
        base_url: str | None,
        mode: str,
        idempotency_key: str | None,
        request_id: str,
    ) -> ConnectorContext:
        meta = connector.meta
        return ConnectorContext(
            account=account,
            connector=meta.name,
            credentials=credentials,
            options=options,
            base_url=(
                base_url or (meta.base_url_live if mode == "live" else meta.base_url_test)
            ).rstrip("/"),
            test_mode=mode != "live",
            idempotency_key=idempotency_key,
            request_id=request_id,
            public_url=self.config.public_url,
        )

    def _target(
        self,
        caller: Caller,
        account: str,
        *,
        idempotency_key: str | None,
        request_id: str,
        creds: RequestCredentials | None,
        field: str = "account",
        missing: str | None = None,
    ) -> Target:
        """The target for ``account``; unknown or forbidden accounts are reported as
        not found (``missing`` names the resource, e.g. when the account came from an id)
        so that nobody learns which accounts exist."""
        idempotency_key = _gateway_key(caller.id, account, idempotency_key)
        if account.startswith(PLATFORM_PREFIX):
            name = account[len(PLATFORM_PREFIX) :]
            if creds is None or creds.connector != name or not caller.platform:
                raise not_found(missing or "account", "id" if missing else field)
            connector = self.connectors[name]
            ctx = self._ctx(
                account,
                connector,
                creds.credentials,
                creds.options,
                None,
                creds.mode,
                idempotency_key,
                request_id,
            )
            return Target(account, connector, ctx, self.executor.timeouts)
        acc: Account | None = self.config.accounts.get(account)
        if acc is None or not caller.may_use(account):
            if missing:
                raise not_found(missing, "id")
            raise ServiceError(
                ErrorType.INVALID_REQUEST if acc is None else ErrorType.PERMISSION,
                "unknown_account" if acc is None else "account_not_allowed",
                f"no account {account!r} is available to this API key",
                field=field,
            )
        connector = self.connectors[acc.connector]
        ctx = self._ctx(
            acc.id,
            connector,
            acc.credentials,
            acc.options,
            acc.base_url,
            acc.mode,
            idempotency_key,
            request_id,
        )
        return Target(
            acc.id, connector, ctx, Timeouts(acc.connect_timeout_seconds, acc.timeout_seconds)
        )

    def _choose_account(
        self,
        caller: Caller,
        account: str | None,
        connector_name: str | None,
        creds: RequestCredentials | None,
        pm_type: PaymentMethodType,
        currency: str,
    ) -> str:
        if account:
            return account
        if connector_name or creds is not None:
            if creds is None:
                raise invalid(
                    "credentials_required",
                    "naming a connector needs per-request credentials "
                    "(the X-Connector-Credentials header); name an account instead",
                    "connector",
                )
            if connector_name and connector_name != creds.connector:
                raise invalid(
                    "connector_mismatch",
                    "the connector differs from the one in X-Connector-Credentials",
                    "connector",
                )
            if not caller.platform:
                raise ServiceError(
                    ErrorType.PERMISSION,
                    "request_credentials_not_allowed",
                    "this API key may not send per-request credentials",
                )
            if creds.connector not in self.connectors:
                raise invalid("unknown_connector", f"no connector {creds.connector!r}", "connector")
            return PLATFORM_PREFIX + creds.connector
        default = self.config.default_account
        if default and caller.may_use(default):
            return default
        for acc in self.config.accounts.values():
            meta = self.connectors[acc.connector].meta
            if (
                caller.may_use(acc.id)
                and pm_type in meta.payment_methods
                and (meta.currencies is None or currency in meta.currencies)
            ):
                return acc.id
        raise invalid(
            "no_account_available",
            "no connector account available to this API key can take this payment; name an account",
            "account",
        )

    # ------------------------------------------------------------------ execution

    async def _run(self, target: Target, flow: Flow, data: Any) -> Any:
        connector = target.connector
        if flow not in connector.meta.flows:
            raise not_supported(f"{connector.meta.display_name} does not support {flow.value}")
        if (
            idempotency.RESUMED.get()
            and connector.meta.idempotency == "none"
            and flow in idempotency.EFFECT_FLOWS
        ):
            # An earlier attempt of this request may have reached a gateway that cannot
            # deduplicate it: re-sending could charge twice. Only a sync can tell.
            raise OutcomeUnknown(
                f"an earlier attempt of this request may have reached "
                f"{connector.meta.display_name}, which has no idempotency key; it is not "
                "sent again: sync to learn the outcome"
            )
        ctx = await self._with_token(target)
        try:
            return await self.executor.run(connector, flow, ctx, data, timeouts=target.timeouts)
        except ServiceError as exc:
            if connector.meta.needs_access_token and exc.code == "gateway_authentication_failed":
                # The cached token may have been revoked early: refresh once. The gateway
                # refused the call, so nothing happened and repeating it is safe.
                stale = ctx.access_token.reveal() if ctx.access_token else None
                ctx = await self._with_token(target, stale=stale)
                return await self.executor.run(connector, flow, ctx, data, timeouts=target.timeouts)
            raise

    async def _with_token(self, target: Target, stale: str | None = None) -> ConnectorContext:
        """The context with a valid access token (OAuth gateways). Tokens are cached in
        storage until shortly before they expire, and fetched once per account at a time:
        concurrent requests wait for the one fetch instead of each asking the gateway.
        ``stale`` is a token the gateway just refused: it is replaced, not reused."""
        connector, ctx = target.connector, target.ctx
        if not connector.meta.needs_access_token:
            return ctx
        account = target.account
        shared = not account.startswith(PLATFORM_PREFIX)
        value = await self._cached_token(account, stale) if shared else None
        if value is None:
            lock = self._token_locks.setdefault(account, asyncio.Lock())
            async with lock:
                value = await self._cached_token(account, stale) if shared else None
                if value is None:
                    token: AccessToken = await self.executor.run(
                        connector, Flow.ACCESS_TOKEN, ctx, None, timeouts=target.timeouts
                    )
                    value = token.token
                    if shared:
                        ttl = max(token.expires_in - TOKEN_MARGIN_SECONDS, 1)
                        await self.storage.put(TOKEN_NS, account, value.encode(), ttl=ttl)
        return ConnectorContext(**{**_ctx_fields(ctx), "access_token": Secret(value)})

    async def _cached_token(self, account: str, stale: str | None) -> str | None:
        cached = await self.storage.get(TOKEN_NS, account)
        if cached is None or cached.decode() == stale:
            return None
        return cached.decode()

    def _check_capability(self, target: Target, pm_type: PaymentMethodType, currency: str) -> None:
        meta = target.connector.meta
        if pm_type not in meta.payment_methods:
            raise not_supported(
                f"{meta.display_name} does not take {pm_type.value} payments",
                "payment_method.type",
            )
        if meta.currencies is not None and currency not in meta.currencies:
            raise not_supported(f"{meta.display_name} does not take {currency}", "currency")

    # ------------------------------------------------------------------ payments

    async def create_payment(
        self,
        caller: Caller,
        req: api.PaymentCreate,
        *,
        idempotency_key: str | None = None,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Payment:
        _check_amount(req.amount, req.currency)
        pm: Any = req.payment_method
        pm_type = _PM_TYPE[type(pm).__name__]
        reference = req.reference or _reference(idempotency_key, caller.id)
        routed: api.RoutingDetails | None = None

        def target_for(account: str, missing: str | None = None) -> Target:
            return self._target(
                caller, account, idempotency_key=idempotency_key, request_id=request_id,
                creds=creds, missing=missing,
            )  # fmt: skip

        if isinstance(pm, MandateMethod):
            # A mandate belongs to the account that set it up: no routing.
            mandate = await self._mandate_ref(caller, pm.mandate_id, "payment_method.mandate_id")
            if req.account and req.account != mandate.account:
                raise invalid(
                    "mandate_account_mismatch",
                    "the mandate belongs to another account",
                    "payment_method.mandate_id",
                )
            targets = [target_for(mandate.account, missing="mandate")]
            pm = StoredMandate(ref=mandate)
        elif req.account or req.connector or creds is not None:
            account = self._choose_account(
                caller, req.account, req.connector, creds, pm_type, req.currency
            )
            targets = [target_for(account)]
        else:
            routed = routing.plan(
                self.config,
                {a.id: a.connector for a in self.config.accounts.values()},
                req,
                profile_name=req.routing_profile,
                seed=idempotency_key or reference,
            )
            if routed is None:
                account = self._choose_account(caller, None, None, None, pm_type, req.currency)
                targets = [target_for(account)]
            else:
                routed.candidates = [c for c in routed.candidates if caller.may_use(c.account)]
                if not routed.candidates:
                    raise ServiceError(
                        ErrorType.PERMISSION,
                        "no_allowed_account",
                        "routing chose no account this API key may use",
                        field="routing_profile",
                    )
                targets = [target_for(c.account) for c in routed.candidates]

        data = self._authorize_data(req, pm, reference)
        target, result, attempts = await self._authorize_with_failover(
            targets, data, pm_type, routed
        )
        gid = result.connector_payment_id or ""
        facts = PaymentFacts(
            connector=target.connector.meta.name,
            connector_payment_id=gid,
            amount=req.amount,
            currency=req.currency,
            capture_method=req.capture_method.value,
            reference=reference,
            meta=dict(result.meta),
        )
        gateway_key = target.ctx.idempotency_key
        if gid:
            earlier = await self._unresolved_retry(target.account, reference, gateway_key)
            if earlier is not None:
                # This create repeats one that answered ``unresolved`` (same key, so the
                # gateway replayed it): the payment keeps the id the caller already holds.
                payment_id, earlier_facts = earlier
                facts = msgspec.structs.replace(facts, amount=earlier_facts.amount)
                await self._settle(payment_id, target.account, gid, earlier_facts)
            else:
                payment_id = await self.resources.id_for(Kind.PAYMENT, target.account, gid)
        else:
            # No gateway id yet (outcome unknown): the id is named by our reference, and
            # a retry, a sync or the gateway's webhook links the gateway's id to it later.
            payment_id = self.resources.id_by_reference(Kind.PAYMENT, target.account, reference)
            facts = msgspec.structs.replace(facts, gateway_key=gateway_key)
            await self.resources.remember_reference(
                Kind.PAYMENT, target.account, reference, payment_id
            )
        await self.resources.save(payment_id, facts)
        await self.resources.link(Kind.PAYMENT, target.account, payment_id, result.secondary_ids)
        ref = payment_ref(Identity(Kind.PAYMENT, target.account, gid or reference), facts)
        payment = self._payment(
            ref, result, payment_id=payment_id, reference=reference, metadata=req.metadata
        )
        payment.attempts = attempts
        if result.status is PaymentStatus.UNRESOLVED:
            await reconciler.remember(
                self.storage, payment.id, self.config.reconciler.first_delay_seconds
            )
        payment.routing = routed
        if isinstance(pm, Card | Token) and payment.payment_method is None:
            payment.payment_method = _pm_summary(pm)
        if result.mandate is not None:
            mandate_id, _ = await self._record_mandate(
                target,
                result.mandate,
                req.customer.id if req.customer else None,
                req.currency,
                reference,
            )
            payment.mandate = api.MandateSummary(id=mandate_id, status=result.mandate.status)
        return payment

    @staticmethod
    def _authorize_data(req: api.PaymentCreate, pm: Any, reference: str) -> AuthorizeData:
        if isinstance(pm, MandateMethod):
            raise AssertionError("a mandate is resolved to a StoredMandate first")
        return AuthorizeData(
            amount=req.amount,
            currency=req.currency,
            payment_method=pm,
            capture_method=req.capture_method,
            reference=reference,
            description=req.description,
            statement_descriptor=req.statement_descriptor,
            customer=req.customer,
            billing=req.billing,
            shipping=req.shipping,
            browser=req.browser,
            return_url=req.return_url,
            setup_future_usage=req.setup_future_usage == "off_session",
            metadata=req.metadata,
        )

    async def _authorize_with_failover(
        self,
        targets: list[Target],
        data: AuthorizeData,
        pm_type: PaymentMethodType,
        routed: api.RoutingDetails | None,
    ) -> tuple[Target, PaymentResult, list[api.Attempt]]:
        """Try the targets in order, moving on only when that is provably safe.

        Safe: the request never reached the gateway, the gateway said it is unavailable or
        rate limiting before processing, or (when the rule allows it) a soft decline.
        Never after an ambiguous timeout (the payment is ``unresolved``), a hard decline,
        or any other error."""
        attempts: list[api.Attempt] = []
        last_error: ServiceError | None = None
        for index, target in enumerate(targets):
            name, connector = target.account, target.connector.meta.name
            more = index + 1 < len(targets)

            def note(outcome: str, started: float, reason: str | None = None) -> None:
                latency = round((time.perf_counter() - started) * 1000, 2)
                attempts.append(
                    api.Attempt(
                        account=name, connector=connector, outcome=outcome,  # noqa: B023
                        latency_ms=latency, reason=reason,
                    )
                )  # fmt: skip

            started = time.perf_counter()
            try:
                self._check_capability(target, pm_type, data.currency)
            except ServiceError:
                if routed is None:
                    raise
                note("skipped", started, "not_supported")
                continue
            if isinstance(data.payment_method, StoredMandate) and (
                Flow.CHARGE_MANDATE not in target.connector.meta.flows
            ):
                raise not_supported(
                    f"{target.connector.meta.display_name} does not charge mandates",
                    "payment_method.type",
                )
            if routed is not None and not await self.breakers.allow(name):
                note("skipped", started, "circuit_open")
                continue
            try:
                result: PaymentResult = await self._run(target, Flow.AUTHORIZE, data)
            except OutcomeUnknown as exc:
                await self.breakers.record(name, success=False)
                note("unresolved", started, exc.message)
                result = PaymentResult(
                    status=PaymentStatus.UNRESOLVED,
                    connector_payment_id="",
                    pending_reason="outcome_unknown",
                )
                return target, result, attempts
            except ServiceError as exc:
                status = exc.gateway.http_status if exc.gateway else None
                if exc.code not in FAILOVER_CODES and status is not None and status >= 500:
                    # A server error while it processed the authorization: it may or may
                    # not have charged. Only a sync can tell; never retry elsewhere.
                    await self.breakers.record(name, success=False)
                    note("unresolved", started, f"{exc.code} (HTTP {status})")
                    result = PaymentResult(
                        status=PaymentStatus.UNRESOLVED,
                        connector_payment_id="",
                        pending_reason="outcome_unknown",
                        connector_status=exc.gateway.code if exc.gateway else None,
                    )
                    return target, result, attempts
                if exc.code in FAILOVER_CODES:
                    metrics.FAILOVERS.labels(exc.code).inc()
                    await self.breakers.record(name, success=False)
                    note("failed", started, exc.code)
                    last_error = exc
                    continue
                if exc.type is ErrorType.CONNECTOR:
                    await self.breakers.record(name, success=False)
                note("error", started, exc.code)
                exc.attempts = attempts
                raise
            await self.breakers.record(name, success=True)
            failure = result.failure
            if (
                result.status is PaymentStatus.FAILED
                and more
                and routed is not None
                and routed.cascade_on_soft_decline
                and failure is not None
                and failure.category is DeclineCategory.SOFT
            ):
                metrics.FAILOVERS.labels("soft_decline").inc()
                note("declined", started, f"soft_decline:{failure.code}")
                continue
            note(result.status.value, started)
            return target, result, attempts
        if last_error is None:
            last_error = ServiceError(
                ErrorType.CONNECTOR,
                "no_account_available",
                "every account routing chose is unavailable (circuit open or unsupported)",
                http_status=503,
            )
        last_error.attempts = attempts
        raise last_error

    async def _payment_target(
        self,
        caller: Caller,
        payment_id: str,
        idempotency_key: str | None,
        request_id: str,
        creds: RequestCredentials | None,
        *,
        resolve: bool = True,
    ) -> tuple[PaymentRef, Target, PaymentFacts]:
        """The payment behind ``payment_id`` and the account serving it. With ``resolve``,
        a payment created while its outcome was unknown is looked up at the gateway first
        (a read), so the flow acts on what the gateway has."""
        identity = self.resources.decode(Kind.PAYMENT, payment_id)
        target = self._target(
            caller,
            identity.account,
            idempotency_key=idempotency_key,
            request_id=request_id,
            creds=creds,
            missing="payment",
        )
        facts = await self.resources.facts(Kind.PAYMENT, payment_id)
        if not isinstance(facts, PaymentFacts):
            raise facts_missing("payment")
        ref = payment_ref(identity, facts)
        if resolve and not ref.connector_payment_id:
            found = None
            if Flow.SYNC in target.connector.meta.flows:
                found = await self._sync(target, payment_id, ref, facts)
            if found is None or not found.connector_payment_id:
                raise ServiceError(
                    ErrorType.CONFLICT,
                    "payment_unresolved",
                    "The payment's outcome is still unknown; "
                    + (
                        "sync it (GET /v1/payments/{id}) until it settles."
                        if found is not None
                        else f"{target.connector.meta.display_name} settles it by webhook."
                    ),
                    field="id",
                )
            ref = msgspec.structs.replace(ref, connector_payment_id=found.connector_payment_id)
        return ref, target, facts

    async def _sync(
        self, target: Target, payment_id: str, ref: PaymentRef, facts: PaymentFacts
    ) -> PaymentResult:
        """Sync a payment; a payment known only by our reference is looked up by it and,
        once found, settled: its gateway id is linked to the id the caller holds."""
        by_reference = not ref.connector_payment_id
        try:
            result: PaymentResult = await self._run(target, Flow.SYNC, SyncData(payment=ref))
        except ServiceError as exc:
            if by_reference and exc.type is ErrorType.NOT_FOUND:
                # The gateway has no payment with our reference (yet: Stripe's search lags
                # by up to a minute; or the request never reached it). Still unknown.
                return PaymentResult(
                    status=PaymentStatus.UNRESOLVED, pending_reason="outcome_unknown"
                )
            if by_reference and exc.type is ErrorType.NOT_SUPPORTED:
                # No lookup by reference at this gateway: say how the payment settles.
                name = target.connector.meta.display_name
                raise not_supported(
                    f"{name} cannot look a payment up by its reference, and this payment's "
                    f"outcome is still unknown: {name}'s webhook about it (which echoes the "
                    "reference) settles it under this id.",
                    "id",
                ) from None
            raise
        settled = result.status is not PaymentStatus.UNRESOLVED
        if by_reference and result.connector_payment_id and settled:
            await self._settle(payment_id, ref.account, result.connector_payment_id, facts)
        await self._note(payment_id, ref.account, result)
        return result

    async def _note(self, payment_id: str, account: str, result: PaymentResult) -> None:
        """Keep what a flow's answer adds: secondary gateway ids in the fact record, and
        links from the ids the gateway's webhooks name the payment by (``secondary_ids``)."""
        await self.resources.merge_meta(Kind.PAYMENT, payment_id, result.meta)
        await self.resources.link(Kind.PAYMENT, account, payment_id, result.secondary_ids)

    async def _unresolved_retry(
        self, account: str, reference: str, gateway_key: str | None
    ) -> tuple[str, PaymentFacts] | None:
        """The still-unsettled payment an answered create repeats: created on this account
        with this reference *and* the same gateway idempotency key (so the gateway replayed
        it rather than making another payment)."""
        if gateway_key is None:
            return None
        found = await self.resources.unsettled_by_reference(Kind.PAYMENT, account, reference)
        if found is None:
            return None
        facts = await self.resources.facts(Kind.PAYMENT, found)
        if not isinstance(facts, PaymentFacts) or facts.connector_payment_id:
            return None
        if facts.gateway_key != gateway_key:
            return None
        return found, facts

    async def _settle(
        self, payment_id: str, account: str, connector_payment_id: str, facts: PaymentFacts
    ) -> None:
        await self.resources.settle(
            Kind.PAYMENT, payment_id, account, connector_payment_id, facts.reference
        )
        await reconciler.forget(self.storage, payment_id)

    async def get_payment(
        self,
        caller: Caller,
        payment_id: str,
        *,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Payment:
        ref, target, facts = await self._payment_target(
            caller, payment_id, None, request_id, creds, resolve=False
        )
        result = await self._sync(target, payment_id, ref, facts)
        if result.connector_payment_id and not ref.connector_payment_id:
            ref = msgspec.structs.replace(ref, connector_payment_id=result.connector_payment_id)
        return self._payment(ref, result, payment_id=payment_id, reference=facts.reference)

    async def resume_payment(
        self,
        caller: Caller,
        payment_id: str,
        req: api.PaymentCreate,
        *,
        idempotency_key: str | None,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Payment:
        """The retry of a create that answered ``unresolved`` (same key, same body).

        It asks the *same* account again, never another: with the same gateway idempotency
        key and the same body where the gateway honours one (the gateway replays what it
        did), or by a lookup where it does not (re-sending could charge twice)."""
        identity = self.resources.decode(Kind.PAYMENT, payment_id)
        target = self._target(
            caller,
            identity.account,
            idempotency_key=idempotency_key,
            request_id=request_id,
            creds=creds,
            missing="payment",
        )
        facts = await self.resources.facts(Kind.PAYMENT, payment_id)
        if not isinstance(facts, PaymentFacts):
            raise facts_missing("payment")
        ref = payment_ref(identity, facts)
        if ref.connector_payment_id:  # settled since: answer what the gateway has now
            return await self.get_payment(caller, payment_id, request_id=request_id, creds=creds)
        if target.connector.meta.idempotency == "none" or idempotency_key is None:
            if Flow.SYNC not in target.connector.meta.flows:
                result = PaymentResult(
                    status=PaymentStatus.UNRESOLVED, pending_reason="outcome_unknown"
                )
            else:
                result = await self._sync(target, payment_id, ref, facts)
        else:
            pm: Any = req.payment_method
            if isinstance(pm, MandateMethod):
                pm = StoredMandate(
                    ref=await self._mandate_ref(caller, pm.mandate_id, "payment_method.mandate_id")
                )
            data = self._authorize_data(req, pm, facts.reference or "")
            try:
                result = await self._run(target, Flow.AUTHORIZE, data)
            except OutcomeUnknown:
                result = PaymentResult(
                    status=PaymentStatus.UNRESOLVED, pending_reason="outcome_unknown"
                )
            except ServiceError as exc:
                if exc.type in (ErrorType.NETWORK, ErrorType.CONNECTOR):
                    # Still no answer (or the gateway failing): it stays unresolved.
                    result = PaymentResult(
                        status=PaymentStatus.UNRESOLVED,
                        pending_reason="outcome_unknown",
                        connector_status=exc.gateway.code if exc.gateway else None,
                    )
                else:
                    raise
            gid = result.connector_payment_id
            if gid and result.status is not PaymentStatus.UNRESOLVED:
                await self._settle(payment_id, identity.account, gid, facts)
                await self._note(payment_id, ref.account, result)
                ref = msgspec.structs.replace(ref, connector_payment_id=gid)
        payment = self._payment(
            ref, result, payment_id=payment_id, reference=facts.reference, metadata=req.metadata
        )
        if isinstance(req.payment_method, Card | Token) and payment.payment_method is None:
            payment.payment_method = _pm_summary(req.payment_method)
        return payment

    async def complete_payment(
        self,
        caller: Caller,
        payment_id: str,
        req: api.CompleteCreate,
        *,
        idempotency_key: str | None = None,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Payment:
        ref, target, facts = await self._payment_target(
            caller, payment_id, idempotency_key, request_id, creds
        )
        data = CompleteAuthorizeData(payment=ref, params=req.params)
        result = await self._run(target, Flow.COMPLETE_AUTHORIZE, data)
        await self._note(payment_id, ref.account, result)
        return self._payment(ref, result, payment_id=payment_id, reference=facts.reference)

    async def capture(
        self,
        caller: Caller,
        payment_id: str,
        req: api.CaptureCreate,
        *,
        idempotency_key: str | None = None,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Payment:
        ref, target, facts = await self._payment_target(
            caller, payment_id, idempotency_key, request_id, creds
        )
        amount = req.amount if req.amount is not None else ref.amount
        if amount > ref.amount:
            raise invalid(
                "amount_too_large",
                f"cannot capture {amount}: the payment authorized {ref.amount}",
                "amount",
            )
        data = CaptureData(
            payment=ref,
            amount=amount,
            reference=req.reference or _reference(idempotency_key, caller.id),
            metadata=req.metadata,
        )
        result = await self._run(target, Flow.CAPTURE, data)
        await self._note(payment_id, ref.account, result)
        return self._payment(ref, result, payment_id=payment_id, reference=facts.reference)

    async def void(
        self,
        caller: Caller,
        payment_id: str,
        req: api.VoidCreate,
        *,
        idempotency_key: str | None = None,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Payment:
        ref, target, facts = await self._payment_target(
            caller, payment_id, idempotency_key, request_id, creds
        )
        result = await self._run(target, Flow.VOID, VoidData(payment=ref, reason=req.reason))
        await self._note(payment_id, ref.account, result)
        return self._payment(ref, result, payment_id=payment_id, reference=facts.reference)

    def _payment(
        self,
        ref: PaymentRef,
        result: PaymentResult,
        *,
        payment_id: str,
        reference: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> api.Payment:
        return api.Payment(
            id=payment_id,
            status=result.status,
            amount=result.amount if result.amount is not None else ref.amount,
            currency=ref.currency,
            connector=ref.connector,
            account=ref.account,
            connector_payment_id=result.connector_payment_id or ref.connector_payment_id,
            capture_method=CaptureMethod(ref.capture_method),
            amount_captured=result.amount_captured,
            reference=reference,
            payment_method=api.PaymentMethodSummary(type="card", card=result.card)
            if result.card
            else None,
            next_action=result.next_action,
            failure=result.failure,
            network_transaction_id=result.network_transaction_id,
            pending_reason=result.pending_reason,
            connector_status=result.connector_status,
            metadata=metadata or {},
        )

    # ------------------------------------------------------------------ refunds

    async def refund(
        self,
        caller: Caller,
        payment_id: str,
        req: api.RefundCreate,
        *,
        idempotency_key: str | None = None,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Refund:
        ref, target, _facts = await self._payment_target(
            caller, payment_id, idempotency_key, request_id, creds
        )
        amount = req.amount if req.amount is not None else ref.amount
        if req.amount is None and Flow.SYNC in target.connector.meta.flows:
            # "Refund it all" means what was captured, which may be less than authorized.
            current: PaymentResult = await self._run(target, Flow.SYNC, SyncData(payment=ref))
            if current.amount_captured:
                amount = current.amount_captured
        if amount > ref.amount:
            raise invalid(
                "amount_too_large",
                f"cannot refund {amount}: the payment was for {ref.amount}",
                "amount",
            )
        reference = req.reference or _reference(idempotency_key, caller.id)
        data = RefundData(
            payment=ref,
            amount=amount,
            reference=reference,
            reason=req.reason,
            metadata=req.metadata,
        )
        result: RefundResult = await self._run(target, Flow.REFUND, data)
        gid = result.connector_refund_id or ""
        facts = RefundFacts(
            connector=ref.connector,
            connector_refund_id=gid,
            connector_payment_id=ref.connector_payment_id,
            payment_id=payment_id,
            amount=result.amount if result.amount is not None else amount,
            currency=ref.currency,
            reference=reference,
            meta=dict(result.meta),
        )
        if gid:
            refund_id = await self.resources.id_for(Kind.REFUND, ref.account, gid)
        else:
            refund_id = self.resources.id_by_reference(Kind.REFUND, ref.account, reference)
            await self.resources.remember_reference(Kind.REFUND, ref.account, reference, refund_id)
        await self.resources.save(refund_id, facts)
        rref = refund_ref(Identity(Kind.REFUND, ref.account, gid or reference), facts)
        return self._refund(rref, result, refund_id=refund_id, facts=facts)

    async def get_refund(
        self,
        caller: Caller,
        refund_id: str,
        *,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Refund:
        identity = self.resources.decode(Kind.REFUND, refund_id)
        target = self._target(
            caller,
            identity.account,
            idempotency_key=None,
            request_id=request_id,
            creds=creds,
            missing="refund",
        )
        facts = await self.resources.facts(Kind.REFUND, refund_id)
        if not isinstance(facts, RefundFacts):
            raise facts_missing("refund")
        rref = refund_ref(identity, facts)
        result = await self._run(target, Flow.REFUND_SYNC, RefundSyncData(refund=rref))
        await self.resources.merge_meta(Kind.REFUND, refund_id, result.meta)
        return self._refund(rref, result, refund_id=refund_id, facts=facts)

    def _refund(
        self, rref: RefundRef, result: RefundResult, *, refund_id: str, facts: RefundFacts
    ) -> api.Refund:
        return api.Refund(
            id=refund_id,
            status=result.status,
            amount=result.amount if result.amount is not None else rref.amount,
            currency=rref.currency,
            payment_id=facts.payment_id,
            connector=rref.connector,
            account=rref.account,
            connector_refund_id=result.connector_refund_id or rref.connector_refund_id,
            reference=facts.reference,
            failure=result.failure,
            connector_status=result.connector_status,
            pending_reason=result.pending_reason,
        )

    # ------------------------------------------------------------------ mandates

    async def create_mandate(
        self,
        caller: Caller,
        req: api.MandateCreate,
        *,
        idempotency_key: str | None = None,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Mandate:
        if req.amount:
            _check_amount(req.amount, req.currency)
        else:
            _check_currency(req.currency)
        pm_type = _PM_TYPE[type(req.payment_method).__name__]
        account = self._choose_account(
            caller, req.account, req.connector, creds, pm_type, req.currency
        )
        target = self._target(
            caller,
            account,
            idempotency_key=idempotency_key,
            request_id=request_id,
            creds=creds,
        )
        self._check_capability(target, pm_type, req.currency)
        reference = req.reference or _reference(idempotency_key, caller.id)
        data = MandateSetupData(
            payment_method=req.payment_method,
            currency=req.currency,
            amount=req.amount,
            customer=req.customer,
            reference=reference,
            description=req.description,
            billing=req.billing,
            browser=req.browser,
            return_url=req.return_url,
            metadata=req.metadata,
        )
        result: MandateResult = await self._run(target, Flow.SETUP_MANDATE, data)
        mandate_id, facts = await self._record_mandate(
            target, result, req.customer.id, req.currency, reference
        )
        mref = mandate_ref(Identity(Kind.MANDATE, target.account, mandate_id), facts)
        return self._mandate(mref, result, mandate_id=mandate_id, pm=req.payment_method)

    async def _mandate_ref(self, caller: Caller, mandate_id: str, field: str) -> MandateRef:
        """A mandate to charge: it must be the caller's and active."""
        identity = self.resources.decode(Kind.MANDATE, mandate_id, field)
        if not identity.account.startswith(PLATFORM_PREFIX) and not caller.may_use(
            identity.account
        ):
            raise not_found("mandate", field)
        facts = await self.resources.facts(Kind.MANDATE, mandate_id)
        if not isinstance(facts, MandateFacts):
            raise facts_missing("mandate")
        _require_active(facts, "charged", field)
        return mandate_ref(identity, facts)

    async def revoke_mandate(
        self,
        caller: Caller,
        mandate_id: str,
        *,
        idempotency_key: str | None = None,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Mandate:
        identity = self.resources.decode(Kind.MANDATE, mandate_id)
        target = self._target(
            caller,
            identity.account,
            idempotency_key=idempotency_key,
            request_id=request_id,
            creds=creds,
            missing="mandate",
        )
        facts = await self.resources.facts(Kind.MANDATE, mandate_id)
        if not isinstance(facts, MandateFacts):
            raise facts_missing("mandate")
        _require_active(facts, "revoked", "id")
        mref = mandate_ref(identity, facts)
        result = await self._run(target, Flow.REVOKE_MANDATE, MandateRevokeData(mandate=mref))
        await self.resources.set_mandate_status(mandate_id, result.status.value)
        return self._mandate(mref, result, mandate_id=mandate_id)

    async def complete_mandate(
        self,
        caller: Caller,
        mandate_id: str,
        req: api.CompleteCreate,
        *,
        idempotency_key: str | None = None,
        request_id: str = "",
        creds: RequestCredentials | None = None,
    ) -> api.Mandate:
        """Finish a set-up that needed the customer (3-D Secure): ask the gateway what
        became of it. The mandate keeps its id; the gateway's id for the stored method,
        learnt only now, is linked to it."""
        identity = self.resources.decode(Kind.MANDATE, mandate_id)
        target = self._target(
            caller,
            identity.account,
            idempotency_key=idempotency_key,
            request_id=request_id,
            creds=creds,
            missing="mandate",
        )
        facts = await self.resources.facts(Kind.MANDATE, mandate_id)
        if not isinstance(facts, MandateFacts):
            raise facts_missing("mandate")
        if facts.status != "pending":
            raise ServiceError(
                ErrorType.CONFLICT,
                "mandate_not_pending",
                f"The mandate is {facts.status}; only a pending set-up can be completed.",
                field="id",
            )
        mref = mandate_ref(identity, facts)
        data = MandateCompleteData(mandate=mref, params=req.params)
        result: MandateResult = await self._run(target, Flow.COMPLETE_MANDATE, data)
        gid = result.connector_mandate_id
        if gid and gid != facts.connector_mandate_id:
            await self.resources.settle(
                Kind.MANDATE, mandate_id, identity.account, gid, facts.reference
            )
            mref = msgspec.structs.replace(mref, connector_mandate_id=gid)
        await self.resources.merge_meta(Kind.MANDATE, mandate_id, result.meta)
        await self.resources.set_mandate_status(mandate_id, result.status.value)
        if result.connector_customer_id and not mref.customer_id:
            mref = msgspec.structs.replace(mref, customer_id=result.connector_customer_id)
        return self._mandate(mref, result, mandate_id=mandate_id)

    async def _record_mandate(
        self,
        target: Target,
        result: MandateResult,
        customer_id: str | None,
        currency: str,
        reference: str,
    ) -> tuple[str, MandateFacts]:
        """Issue the mandate's id and keep its facts (customer, network transaction id)."""
        gid = result.connector_mandate_id or ""
        facts = MandateFacts(
            connector=target.connector.meta.name,
            connector_mandate_id=gid,
            status=result.status.value,
            customer_id=result.connector_customer_id or customer_id,
            currency=currency,
            network_transaction_id=result.network_transaction_id,
            reference=reference,
            meta=dict(result.meta),
        )
        if gid:
            mandate_id = await self.resources.id_for(Kind.MANDATE, target.account, gid)
        else:
            mandate_id = self.resources.id_by_reference(Kind.MANDATE, target.account, reference)
            await self.resources.remember_reference(
                Kind.MANDATE, target.account, reference, mandate_id
            )
        await self.resources.save(mandate_id, facts)
        return mandate_id, facts

    def _mandate(
        self,
        mref: MandateRef,
        result: MandateResult,
        *,
        mandate_id: str,
        pm: Card | Token | None = None,
    ) -> api.Mandate:
        summary = api.PaymentMethodSummary(type="card", card=result.card) if result.card else None
        if summary is None and pm is not None:
            summary = _pm_summary(pm)
        return api.Mandate(
            id=mandate_id,
            status=result.status,
            connector=mref.connector,
            account=mref.account,
            connector_mandate_id=result.connector_mandate_id or mref.connector_mandate_id,
            customer_id=mref.customer_id,
            payment_method=summary,
            next_action=result.next_action,
            failure=result.failure,
            connector_status=result.connector_status,
        )


def _require_active(facts: MandateFacts, action: str, field: str) -> None:
    if facts.status != "active":
        raise ServiceError(
            ErrorType.CONFLICT,
            "mandate_not_active",
            f"The mandate is {facts.status}; only an active mandate can be {action}.",
            field=field,
        )


# ---------------------------------------------------------------------- helpers


def _ctx_fields(ctx: ConnectorContext) -> dict[str, Any]:
    return {name: getattr(ctx, name) for name in ctx.__slots__}


def _gateway_key(caller: str, account: str, key: str | None) -> str | None:
    """The key sent to the gateway: derived from the caller's key, the caller and the
    account, so two tenants using the same key never collide at a shared gateway account
    (and stays within every gateway's length limit)."""
    if key is None:
        return None
    digest = hashlib.sha256(f"{caller}\x00{account}\x00{key}".encode()).hexdigest()
    return f"cs-{digest[:40]}"


def _reference(idempotency_key: str | None = None, scope: str = "") -> str:
    """Our reference for a gateway object. Derived from the idempotency key when there is
    one, so a retried request sends the gateway the very same body."""
    if idempotency_key:
        digest = hashlib.sha256(f"{scope}\x00{idempotency_key}".encode()).hexdigest()
        return f"cs_{digest[:24]}"
    return f"cs_{uuid.uuid4().hex[:24]}"


def _check_currency(currency: str) -> None:
    try:
        max_minor(currency)
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None


def _check_amount(amount: int, currency: str) -> None:
    _check_currency(currency)
    limit = max_minor(currency)
    if amount > limit:
        raise invalid(
            "amount_too_large",
            f"amount {amount} exceeds the largest {currency} amount accepted ({limit} minor units)",
            "amount",
        )


def _pm_summary(pm: Card | Token) -> api.PaymentMethodSummary:
    if isinstance(pm, Card):
        return api.PaymentMethodSummary(
            type="card",
            card=CardSummary(
                brand=pm.brand.value,
                last4=pm.last4,
                exp_month=pm.exp_month,
                exp_year=pm.exp_year,
            ),
        )
    return api.PaymentMethodSummary(type="token")
