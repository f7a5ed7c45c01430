"""The authorization loop over routing's candidates: which account answers, and when it
is safe to move on to the next.

Moving on is safe only when nothing can have happened at the gateway (it was not
reached, it said it is unavailable or rate limiting before processing) or, when the
routing rule allows it, after a soft decline. After an ambiguous timeout or a server
error while processing, the payment is ``unresolved`` on that account and no other is
tried: a second charge elsewhere is worse than a late answer. Every attempt is reported
(``api.Attempt``) and recorded in the account's circuit breaker.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import msgspec

from connector_service.core.accounts import Target, check_capability
from connector_service.core.breaker import Breakers
from connector_service.core.execution import FlowRunner
from connector_service.core.options import check_extras
from connector_service.domain import api
from connector_service.domain.errors import ErrorType, ServiceError, not_supported
from connector_service.domain.flows import AuthorizeData, Flow, PaymentResult, StoredMandate
from connector_service.domain.payment_methods import PaymentMethodType
from connector_service.domain.status import CaptureMethod, DeclineCategory, PaymentStatus
from connector_service.executor.http import OutcomeUnknown
from connector_service.observability import metrics

# Errors after which nothing happened at the gateway: routing may try the next account.
FAILOVER_CODES = frozenset({"gateway_unreachable", "gateway_unavailable", "gateway_rate_limited"})


async def authorize_with_failover(
    runner: FlowRunner,
    breakers: Breakers,
    targets: list[Target],
    data: AuthorizeData,
    pm_type: PaymentMethodType,
    routed: api.RoutingDetails | None,
    *,
    options: Mapping[str, msgspec.Struct] | None = None,
) -> tuple[Target, PaymentResult, list[api.Attempt]]:
    """Try the targets in order, moving on only when that is provably safe.

    Safe: the request never reached the gateway, the gateway said it is unavailable or
    rate limiting before processing, or (when the rule allows it) a soft decline.
    Never after an ambiguous timeout (the payment is ``unresolved``), a hard decline,
    or any other error. Each target gets only its own connector's ``connector_options``
    block (``options``, by connector name)."""
    attempts: list[api.Attempt] = []
    last_error: ServiceError | None = None
    unsupported: ServiceError | None = None  # why the first candidate was skipped
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
            check_capability(
                target, pm_type, data.currency, payment_method=data.payment_method,
                country=data.billing.country if data.billing else None,
                manual_capture=data.capture_method is CaptureMethod.MANUAL,
            )  # fmt: skip
            check_extras(target.connector, data)
        except ServiceError as exc:
            if routed is None:
                raise
            note("skipped", started, "not_supported")
            unsupported = unsupported or exc
            continue
        if isinstance(data.payment_method, StoredMandate) and (
            Flow.CHARGE_MANDATE not in target.connector.meta.flows
        ):
            raise not_supported(
                f"{target.connector.meta.display_name} does not charge mandates",
                "payment_method.type",
            )
        if routed is not None and not await breakers.allow(name):
            note("skipped", started, "circuit_open")
            continue
        if options:
            data = msgspec.structs.replace(data, options=options.get(connector))
        try:
            result: PaymentResult = await runner.run(target, Flow.AUTHORIZE, data)
        except OutcomeUnknown as exc:
            await breakers.record(name, success=False)
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
                await breakers.record(name, success=False)
                note("unresolved", started, f"{exc.code} (HTTP {status})")
                result = PaymentResult(
                    status=PaymentStatus.UNRESOLVED,
                    connector_payment_id="",
                    pending_reason="outcome_unknown",
                    connector_status=exc.gateway.code if exc.gateway else None,
                )
                return target, result, attempts
            if exc.code in FAILOVER_CODES:
                if more:  # a failover only when there is another account to move to
                    metrics.FAILOVERS.labels(exc.code).inc()
                await breakers.record(name, success=False)
                note("failed", started, exc.code)
                last_error = exc
                continue
            if exc.type is ErrorType.CONNECTOR:
                await breakers.record(name, success=False)
            note("error", started, exc.code)
            exc.attempts = attempts
            raise
        await breakers.record(name, success=True)
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
    if (
        last_error is None
        and unsupported is not None
        and all(a.outcome == "skipped" and a.reason == "not_supported" for a in attempts)
    ):
        # No candidate declares what the payment needs: say what (naming the first).
        last_error = unsupported
    if last_error is None:
        last_error = ServiceError(
            ErrorType.CONNECTOR,
            "no_account_available",
            "every account routing chose is unavailable (circuit open or unsupported)",
            http_status=503,
        )
    last_error.attempts = attempts
    raise last_error
