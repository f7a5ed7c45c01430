"""The payment flows.

Each public method is one unified operation. It checks the caller may use the account,
validates what only the core can (currency exponents, amount limits, capabilities),
resolves ids and their fact records, asks the executor to run the connector, and turns the
connector's result into the API document. Nothing here knows any gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from connector_service.config import Caller, Config
from connector_service.connectors.base import Connector
from connector_service.connectors.capabilities import MethodFlow, check_flow
from connector_service.connectors.kit.options import OptionKind
from connector_service.core import options, routing, unresolved
from connector_service.core.accounts import (
    PLATFORM_PREFIX,
    Accounts,
    Target,
    check_capability,
    method_flow_check,
)
from connector_service.core.admin import SetupViews
from connector_service.core.breaker import Breakers, BreakerView
from connector_service.core.context import RequestContext, RequestCredentials
from connector_service.core.disputes import Disputes
from connector_service.core.documents import (
    mandate_document,
    payment_document,
    pm_summary,
    refund_document,
)
from connector_service.core.execution import FlowRunner
from connector_service.core.failover import authorize_with_failover
from connector_service.core.inputs import (
    PM_TYPE,
    check_amount,
    check_currency,
    reference_for,
    require_active,
)
from connector_service.core.resources import (
    AMBIGUOUS_PENDING,
    MandateFacts,
    PaymentFacts,
    RefundFacts,
    Resources,
    facts_missing,
    mandate_ref,
    payment_ref,
    refund_ref,
)
from connector_service.core.tokens import AccessTokens
from connector_service.domain import api
from connector_service.domain.errors import (
    ErrorType,
    ServiceError,
    invalid,
    not_found,
    not_supported,
)
from connector_service.domain.flows import (
    BANK_DEBIT_META,
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    IncrementData,
    ListMandatesData,
    MandateCompleteData,
    MandateResult,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    RefundResult,
    RefundSyncData,
    StoredMandate,
    StoredMethods,
    SyncData,
    VoidData,
)
from connector_service.domain.ids import IdCodec, Identity, Kind, MandateRef, PaymentRef
from connector_service.domain.payment_methods import Card, PaymentMethodType, Token, type_of
from connector_service.domain.payment_methods import MandateRef as MandateMethod
from connector_service.domain.splits import check_order, check_splits
from connector_service.domain.status import PaymentStatus, RefundStatus
from connector_service.executor.http import Executor, OutcomeUnknown
from connector_service.storage.base import Storage

__all__ = ["PaymentService", "RequestContext", "RequestCredentials", "Target"]


class PaymentService:
    def __init__(
        self,
        config: Config,
        storage: Storage,
        executor: Executor,
        connectors: Mapping[str, Connector],
    ) -> None:
        self.config = config
        self.storage = storage
        self.executor = executor
        self.connectors = connectors
        self.ids = IdCodec(config.id_key)
        self.resources = Resources(self.ids, storage)
        self.breakers = Breakers(storage, config.breaker)
        self.accounts = Accounts(config, connectors, executor.timeouts)
        self.tokens = AccessTokens(storage, executor)
        self.runner = FlowRunner(executor, self.tokens)
        self.views = SetupViews(config, connectors, self.breakers, self.accounts)
        self.disputes = Disputes(self.resources, self.accounts, self.runner)

    # ------------------------------------------------------------------ set-up views

    def list_connectors(self, caller: Caller | None = None) -> list[api.ConnectorInfo]:
        return self.views.list_connectors(caller)

    async def preview_routing(
        self, rc: RequestContext, req: api.PaymentCreate
    ) -> api.RoutingDetails:
        return await self.views.preview_routing(rc, req)

    async def breaker_states(self, caller: Caller) -> list[BreakerView]:
        return await self.views.breaker_states(caller)

    # ------------------------------------------------------------------ payments

    async def create_payment(
        self,
        rc: RequestContext,
        req: api.PaymentCreate,
    ) -> api.Payment:
        check_amount(req.amount, req.currency)
        blocks = self._payment_extras(req)
        pm: Any = req.payment_method
        pm_type = PM_TYPE[type(pm).__name__]
        reference = req.reference or reference_for(rc.idempotency_key, rc.caller.id)
        routed: api.RoutingDetails | None = None

        def target_for(account: str, missing: str | None = None) -> Target:
            return self.accounts.target(rc, account, missing=missing)

        if isinstance(pm, MandateMethod):
            # A mandate belongs to the account that set it up: no routing.
            mandate = await self._mandate_ref(rc.caller, pm.mandate_id, "payment_method.mandate_id")
            if req.account and req.account != mandate.account:
                raise invalid(
                    "mandate_account_mismatch",
                    "the mandate belongs to another account",
                    "payment_method.mandate_id",
                )
            targets = [target_for(mandate.account, missing="mandate")]
            pm = StoredMandate(ref=mandate)
        elif req.account or req.connector or rc.creds is not None:
            account = self.accounts.choose(
                rc.caller, req.account, req.connector, rc.creds, pm_type, req.currency
            )
            targets = [target_for(account)]
        else:
            routed = routing.plan(
                self.config,
                {a.id: a.connector for a in self.config.accounts.values()},
                req,
                profile_name=req.routing_profile,
                seed=rc.idempotency_key or reference,
            )
            if routed is None:
                account = self.accounts.choose(rc.caller, None, None, None, pm_type, req.currency)
                targets = [target_for(account)]
            else:
                routed.candidates = [c for c in routed.candidates if rc.caller.may_use(c.account)]
                if not routed.candidates:
                    raise ServiceError(
                        ErrorType.PERMISSION,
                        "no_allowed_account",
                        "routing chose no account this API key may use",
                        field="routing_profile",
                    )
                targets = [target_for(c.account) for c in routed.candidates]

        targets = _able(targets, req)
        if rc.idempotency_key is not None and len(targets) == 1:
            only = targets[0]
            if only.connector.meta.idempotency == "none":
                # A gateway that cannot deduplicate (Braintree): a keyed create repeating
                # one whose answer was lost is settled by a lookup, never sent again. The
                # REST front does this from its idempotency record; library mode has none.
                earlier = await self._unresolved_retry(
                    only.account, reference, only.ctx.idempotency_key
                )
                if earlier is not None:
                    return await self.resume_payment(rc, earlier[0], req)
        data = self._authorize_data(req, pm, reference)
        # What the payment's record will say, shown by events sent while it is created.
        pending = PaymentFacts(
            connector="", connector_payment_id="", amount=req.amount, currency=req.currency,
            capture_method=req.capture_method.value, reference=reference,
            metadata=dict(req.metadata), payment_method=pm_type.value, meta=_known_meta(pm),
        )  # fmt: skip
        creating = self.resources.creating
        creating[reference] = pending
        # ... and by the reference as a gateway that shortens it will name it in events,
        # unless another payment being created shortens alike (then by neither)
        aliases = {t.connector.gateway_reference(reference) for t in targets} - {reference}
        for alias in aliases:
            if creating.setdefault(alias, pending) is not pending:
                creating[alias] = AMBIGUOUS_PENDING
        try:
            target, result, attempts = await authorize_with_failover(
                self.runner, self.breakers, targets, data, pm_type, routed, options=blocks
            )
            gid = result.connector_payment_id or ""
            facts = msgspec.structs.replace(
                pending,
                connector=target.connector.meta.name,
                connector_payment_id=gid,
                meta=pending.meta | result.meta,
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
                elif gateway_key is None:
                    # Without a gateway idempotency key the gateway cannot have replayed an
                    # earlier create, so this gateway id is new: no alias can name it yet
                    # (aliases come from settling unresolved payments and from secondary ids,
                    # which are never a create's own id). One storage read saved per payment.
                    payment_id = self.resources.codec.make(Kind.PAYMENT, target.account, gid)
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
                echoed_here = target.connector.gateway_reference(reference)
                if echoed_here != reference:  # an event names it as the gateway keeps it
                    await self.resources.remember_alias(
                        Kind.PAYMENT, target.account, echoed_here, payment_id
                    )
            await self.resources.save(payment_id, facts)
        finally:
            creating.pop(reference, None)
            for alias in aliases:
                if creating.get(alias) is pending:
                    del creating[alias]
        await self.resources.link(Kind.PAYMENT, target.account, payment_id, result.secondary_ids)
        ref = payment_ref(Identity(Kind.PAYMENT, target.account, gid or reference), facts)
        payment = payment_document(ref, result, payment_id=payment_id, facts=facts)
        payment.attempts = attempts
        if result.status is PaymentStatus.UNRESOLVED:
            await unresolved.remember(
                self.storage, payment.id, self.config.reconciler.first_delay_seconds
            )
        payment.routing = routed
        # The caller's method, summarised, unless the gateway's answer had the card
        # (a type alone, from PaymentFacts, says less than the request does).
        shown = payment.payment_method
        if not isinstance(pm, StoredMandate) and (shown is None or shown.card is None):
            payment.payment_method = pm_summary(pm)
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

    def _payment_extras(self, req: api.PaymentCreate) -> options.Decoded:
        """Issue 19: the payment's options blocks, splits and order, checked before routing."""
        blocks = options.decode(self.connectors, OptionKind.PAYMENT, req.connector_options)
        if req.splits or req.application_fee:
            check_splits(req.amount, req.splits, req.application_fee)
        if req.order is not None:
            check_order(req.amount, req.order)
        return blocks

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
            incremental_authorization=req.incremental_authorization,
            multiple_captures=req.multiple_captures,
            splits=req.splits,
            application_fee=req.application_fee,
            order=req.order,
        )

    async def _payment_target(
        self,
        rc: RequestContext,
        payment_id: str,
        *,
        resolve: bool = True,
    ) -> tuple[PaymentRef, Target, PaymentFacts]:
        """The payment behind ``payment_id`` and the account serving it. With ``resolve``,
        a payment created while its outcome was unknown is looked up at the gateway first
        (a read), so the flow acts on what the gateway has."""
        identity = self.resources.decode(Kind.PAYMENT, payment_id)
        target = self.accounts.target(rc, identity.account, missing="payment")
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
            result: PaymentResult = await self.runner.run(target, Flow.SYNC, SyncData(payment=ref))
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
        await unresolved.forget(self.storage, payment_id)

    async def get_payment(
        self,
        rc: RequestContext,
        payment_id: str,
    ) -> api.Payment:
        ref, target, facts = await self._payment_target(rc, payment_id, resolve=False)
        result = _with_captures(await self._sync(target, payment_id, ref, facts), facts)
        if result.connector_payment_id and not ref.connector_payment_id:
            ref = msgspec.structs.replace(ref, connector_payment_id=result.connector_payment_id)
        return payment_document(ref, result, payment_id=payment_id, facts=facts)

    async def resume_payment(
        self,
        rc: RequestContext,
        payment_id: str,
        req: api.PaymentCreate,
    ) -> api.Payment:
        """The retry of a create that answered ``unresolved`` (same key, same body).

        It asks the *same* account again, never another: with the same gateway idempotency
        key and the same body where the gateway honours one (the gateway replays what it
        did), or by a lookup where it does not (re-sending could charge twice)."""
        identity = self.resources.decode(Kind.PAYMENT, payment_id)
        target = self.accounts.target(rc, identity.account, missing="payment")
        facts = await self.resources.facts(Kind.PAYMENT, payment_id)
        if not isinstance(facts, PaymentFacts):
            raise facts_missing("payment")
        ref = payment_ref(identity, facts)
        if ref.connector_payment_id:  # settled since: answer what the gateway has now
            return await self.get_payment(rc, payment_id)
        if target.connector.meta.idempotency == "none" or rc.idempotency_key is None:
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
                    ref=await self._mandate_ref(
                        rc.caller, pm.mandate_id, "payment_method.mandate_id"
                    )
                )
            blocks = self._payment_extras(req)
            data = self._authorize_data(req, pm, facts.reference or "")
            data = msgspec.structs.replace(
                data, options=options.for_connector(blocks, target.connector)
            )
            try:
                result = await self.runner.run(target, Flow.AUTHORIZE, data)
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
        payment = payment_document(ref, result, payment_id=payment_id, facts=facts)
        shown = payment.payment_method
        if isinstance(req.payment_method, Card | Token) and (shown is None or shown.card is None):
            payment.payment_method = pm_summary(req.payment_method)
        return payment

    async def complete_payment(
        self,
        rc: RequestContext,
        payment_id: str,
        req: api.CompleteCreate,
    ) -> api.Payment:
        ref, target, facts = await self._payment_target(rc, payment_id)
        data = CompleteAuthorizeData(payment=ref, params=req.params)
        result = await self.runner.run(target, Flow.COMPLETE_AUTHORIZE, data)
        await self._note(payment_id, ref.account, result)
        return payment_document(ref, result, payment_id=payment_id, facts=facts)

    async def capture(
        self,
        rc: RequestContext,
        payment_id: str,
        req: api.CaptureCreate,
    ) -> api.Payment:
        blocks = options.decode(self.connectors, OptionKind.CAPTURE, req.connector_options)
        ref, target, facts = await self._payment_target(rc, payment_id)
        method_flow_check(target, facts, MethodFlow.CAPTURE)
        meta = target.connector.meta
        if not req.final_capture and not meta.multiple_captures:
            raise not_supported(
                f"{meta.display_name} cannot capture one authorization in several parts",
                "final_capture",
            )
        left = ref.amount - facts.amount_captured  # what earlier captures left
        amount = req.amount if req.amount is not None else left
        if amount > left:
            raise invalid(
                "amount_too_large",
                f"cannot capture {amount}: the payment authorized {ref.amount}"
                + (f", of which {left} is left to capture" if facts.amount_captured else ""),
                "amount",
            )
        if facts.capture_final or left <= 0:
            raise ServiceError(
                ErrorType.CONFLICT,
                "payment_not_capturable",
                "The payment's final capture was made, or its captures took all it "
                "authorized: nothing more can be captured.",
                field="id",
            )
        data = CaptureData(
            payment=ref,
            amount=amount,
            reference=req.reference or reference_for(rc.idempotency_key, rc.caller.id),
            metadata=req.metadata,
            final_capture=req.final_capture,
            captured_before=facts.amount_captured,
            options=options.for_connector(blocks, target.connector),
        )
        result = await self.runner.run(target, Flow.CAPTURE, data)
        await self._note(payment_id, ref.account, result)
        if result.failure is None and result.status in _CAPTURE_ACCEPTED:
            facts = (
                await self.resources.record_capture(payment_id, amount, req.final_capture) or facts
            )
            result = _with_captures(result, facts)
        return payment_document(ref, result, payment_id=payment_id, facts=facts)

    async def increment(
        self,
        rc: RequestContext,
        payment_id: str,
        req: api.IncrementCreate,
    ) -> api.Payment:
        """Raise an authorization to ``total_amount`` (its new total). A gateway that
        refuses the increment leaves the authorization as it was: the answer is the
        payment, still authorized for the old amount, with the refusal as ``failure``."""
        ref, target, facts = await self._payment_target(rc, payment_id)
        check_amount(req.total_amount, ref.currency)
        if req.total_amount <= ref.amount:
            raise invalid(
                "amount_not_increased",
                f"total_amount must exceed the authorized {ref.amount} (it is the new total, "
                "not the difference)",
                "total_amount",
            )
        data = IncrementData(
            payment=ref,
            amount=req.total_amount,
            increment=req.total_amount - ref.amount,
            reference=req.reference or reference_for(rc.idempotency_key, rc.caller.id),
            reason=req.reason,
        )
        result: PaymentResult = await self.runner.run(target, Flow.INCREMENT, data)
        await self._note(payment_id, ref.account, result)
        # Accepted now, or taken in by an asynchronous gateway (Adyen: processing until
        # its adjustment webhook): later captures are bounded by the new total.
        raised = result.failure is None and result.status in (
            PaymentStatus.AUTHORIZED,
            PaymentStatus.PROCESSING,
        )
        if raised:
            await self.resources.set_authorized_amount(payment_id, req.total_amount)
            ref = msgspec.structs.replace(ref, amount=req.total_amount)
            if result.amount is None:
                result = msgspec.structs.replace(result, amount=req.total_amount)
        elif result.amount is None:
            result = msgspec.structs.replace(result, amount=facts.amount)
        return payment_document(ref, result, payment_id=payment_id, facts=facts)

    async def void(
        self,
        rc: RequestContext,
        payment_id: str,
        req: api.VoidCreate,
    ) -> api.Payment:
        ref, target, facts = await self._payment_target(rc, payment_id)
        result = await self.runner.run(target, Flow.VOID, VoidData(payment=ref, reason=req.reason))
        await self._note(payment_id, ref.account, result)
        return payment_document(ref, result, payment_id=payment_id, facts=facts)

    # ------------------------------------------------------------------ refunds

    async def refund(
        self,
        rc: RequestContext,
        payment_id: str,
        req: api.RefundCreate,
    ) -> api.Refund:
        blocks = options.decode(self.connectors, OptionKind.REFUND, req.connector_options)
        ref, target, pfacts = await self._payment_target(rc, payment_id)
        method_flow_check(target, pfacts, MethodFlow.REFUND)
        # Captures made through the service (several, with multiple partial captures)
        # bound what can be refunded; without any, the authorized amount does.
        captured = pfacts.amount_captured or ref.amount
        amount = req.amount if req.amount is not None else captured
        if req.amount is None and Flow.SYNC in target.connector.meta.flows:
            # "Refund it all" means what was captured, which may be less than authorized.
            current: PaymentResult = await self.runner.run(target, Flow.SYNC, SyncData(payment=ref))
            if current.amount_captured:
                amount = current.amount_captured
        if req.amount is None and pfacts.amount_refunded:
            # ... less what earlier refunds through the service took: "refund the rest".
            # (An explicit amount is bounded by the capture only; the gateway knows of
            # refunds made elsewhere and refuses what is not left.)
            amount -= pfacts.amount_refunded
            if amount <= 0:
                raise invalid(
                    "nothing_to_refund",
                    f"the payment's refunds ({pfacts.amount_refunded}) took all it captured",
                    "amount",
                )
        if amount > captured:
            raise invalid(
                "amount_too_large",
                f"cannot refund {amount}: the payment "
                + (f"captured {captured}" if pfacts.amount_captured else f"was for {ref.amount}"),
                "amount",
            )
        reference = req.reference or reference_for(rc.idempotency_key, rc.caller.id)
        data = RefundData(
            payment=ref,
            amount=amount,
            reference=reference,
            reason=req.reason,
            metadata=req.metadata,
            options=options.for_connector(blocks, target.connector),
        )
        result: RefundResult = await self.runner.run(target, Flow.REFUND, data)
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
            metadata=dict(req.metadata),
        )
        if gid:
            refund_id = await self.resources.id_for(Kind.REFUND, ref.account, gid)
        else:
            refund_id = self.resources.id_by_reference(Kind.REFUND, ref.account, reference)
            await self.resources.remember_reference(Kind.REFUND, ref.account, reference, refund_id)
        seen = await self.resources.facts(Kind.REFUND, refund_id) is not None  # a replay
        await self.resources.save(refund_id, facts)
        if not seen and result.status is not RefundStatus.FAILED:
            await self.resources.record_refund(payment_id, facts.amount)
        rref = refund_ref(Identity(Kind.REFUND, ref.account, gid or reference), facts)
        return refund_document(rref, result, refund_id=refund_id, facts=facts)

    async def get_refund(
        self,
        rc: RequestContext,
        refund_id: str,
    ) -> api.Refund:
        identity = self.resources.decode(Kind.REFUND, refund_id)
        target = self.accounts.target(rc, identity.account, keyed=False, missing="refund")
        facts = await self.resources.facts(Kind.REFUND, refund_id)
        if not isinstance(facts, RefundFacts):
            raise facts_missing("refund")
        rref = refund_ref(identity, facts)
        result = await self.runner.run(target, Flow.REFUND_SYNC, RefundSyncData(refund=rref))
        await self.resources.merge_meta(Kind.REFUND, refund_id, result.meta)
        return refund_document(rref, result, refund_id=refund_id, facts=facts)

    # ------------------------------------------------------------------ mandates

    async def create_mandate(
        self,
        rc: RequestContext,
        req: api.MandateCreate,
    ) -> api.Mandate:
        if req.amount:
            check_amount(req.amount, req.currency)
        else:
            check_currency(req.currency)
        blocks = options.decode(self.connectors, OptionKind.MANDATE, req.connector_options)
        pm_type = PM_TYPE[type(req.payment_method).__name__]
        account = self.accounts.choose(
            rc.caller, req.account, req.connector, rc.creds, pm_type, req.currency
        )
        target = self.accounts.target(rc, account)
        check_capability(target, pm_type, req.currency)
        if pm_type not in (PaymentMethodType.CARD, PaymentMethodType.TOKEN):
            # a method other than a card (UPI AutoPay) is a mandate only where the
            # connector declares that method's recurring flow
            meta = target.connector.meta
            check_flow(
                meta.display_name, meta.methods, pm_type, MethodFlow.RECURRING,
                "payment_method.type",
            )  # fmt: skip
        reference = req.reference or reference_for(rc.idempotency_key, rc.caller.id)
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
            options=options.for_connector(blocks, target.connector),
        )
        result: MandateResult = await self.runner.run(target, Flow.SETUP_MANDATE, data)
        mandate_id, facts = await self._record_mandate(
            target, result, req.customer.id, req.currency, reference
        )
        mref = mandate_ref(Identity(Kind.MANDATE, target.account, mandate_id), facts)
        return mandate_document(mref, result, mandate_id=mandate_id, pm=req.payment_method)

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
        require_active(facts, "charged", field)
        return mandate_ref(identity, facts)

    async def revoke_mandate(
        self,
        rc: RequestContext,
        mandate_id: str,
    ) -> api.Mandate:
        identity = self.resources.decode(Kind.MANDATE, mandate_id)
        target = self.accounts.target(rc, identity.account, missing="mandate")
        facts = await self.resources.facts(Kind.MANDATE, mandate_id)
        if not isinstance(facts, MandateFacts):
            raise facts_missing("mandate")
        require_active(facts, "revoked", "id")
        mref = mandate_ref(identity, facts)
        result = await self.runner.run(target, Flow.REVOKE_MANDATE, MandateRevokeData(mandate=mref))
        await self.resources.set_mandate_status(mandate_id, result.status.value)
        return mandate_document(mref, result, mandate_id=mandate_id)

    async def complete_mandate(
        self,
        rc: RequestContext,
        mandate_id: str,
        req: api.CompleteCreate,
    ) -> api.Mandate:
        """Finish a set-up that needed the customer (3-D Secure): ask the gateway what
        became of it. The mandate keeps its id; the gateway's id for the stored method,
        learnt only now, is linked to it."""
        identity = self.resources.decode(Kind.MANDATE, mandate_id)
        target = self.accounts.target(rc, identity.account, missing="mandate")
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
        result: MandateResult = await self.runner.run(target, Flow.COMPLETE_MANDATE, data)
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
        return mandate_document(mref, result, mandate_id=mandate_id)

    async def list_mandates(
        self,
        rc: RequestContext,
        query: api.MandateListQuery,
    ) -> api.MandateList:
        """A customer's payment methods stored at the gateway, as it lists them (card
        summaries only). Each carries the mandate id the mandates API gives the same
        stored method; one stored outside the service gets that id and facts here, so it
        can be charged and revoked like any other."""
        target = self.accounts.target(rc, query.account, keyed=False)
        data = ListMandatesData(customer_id=query.customer)
        listed: StoredMethods = await self.runner.run(target, Flow.LIST_MANDATES, data)
        out: list[api.Mandate] = []
        for method in listed.methods:
            gid = method.connector_mandate_id
            if not gid:
                continue
            mandate_id = await self.resources.id_for(Kind.MANDATE, target.account, gid)
            facts = await self.resources.facts(Kind.MANDATE, mandate_id)
            if not isinstance(facts, MandateFacts):
                facts = MandateFacts(
                    connector=target.connector.meta.name,
                    connector_mandate_id=gid,
                    status=method.status.value,
                    customer_id=method.connector_customer_id or query.customer,
                    network_transaction_id=method.network_transaction_id,
                    meta=dict(method.meta),
                )
                await self.resources.save_if_absent(mandate_id, facts)
            mref = mandate_ref(Identity(Kind.MANDATE, target.account, gid), facts)
            if not mref.customer_id:
                mref = msgspec.structs.replace(mref, customer_id=query.customer)
            out.append(mandate_document(mref, method, mandate_id=mandate_id))
        return api.MandateList("list", out, has_more=listed.has_more)

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

    # ------------------------------------------------------------------ disputes
    # (core/disputes.py; the same ids as the dispute.* webhook events)

    async def get_dispute(self, rc: RequestContext, dispute_id: str) -> api.Dispute:
        return await self.disputes.get(rc, dispute_id)

    async def list_disputes(
        self, rc: RequestContext, account: str | None, query: Mapping[str, str]
    ) -> api.DisputeList:
        return await self.disputes.page(rc, account, query)

    async def accept_dispute(self, rc: RequestContext, dispute_id: str) -> api.Dispute:
        return await self.disputes.accept(rc, dispute_id)

    async def submit_dispute_evidence(
        self, rc: RequestContext, dispute_id: str, req: api.DisputeEvidenceCreate
    ) -> api.Dispute:
        return await self.disputes.evidence(rc, dispute_id, req)


# ---------------------------------------------------------------------- lifecycle helpers

# What a capture answers when the gateway took it (now, or to settle later).
_CAPTURE_ACCEPTED = frozenset(
    {
        PaymentStatus.CAPTURED,
        PaymentStatus.PARTIALLY_CAPTURED,
        PaymentStatus.AUTHORIZED,  # a non-final capture at a gateway keeping it authorized
        PaymentStatus.PROCESSING,
    }
)


def _with_captures(result: PaymentResult, facts: PaymentFacts) -> PaymentResult:
    """The payment's status and captured amount across several captures: what the
    service captured on this authorization (``facts``) where the gateway's answer tells
    only about the last capture, or still says ``authorized`` after a non-final one."""
    total = facts.amount_captured
    if not total or result.status not in _CAPTURE_ACCEPTED - {PaymentStatus.PROCESSING}:
        return result
    captured = max(total, result.amount_captured or 0)
    full = captured >= facts.amount
    status = PaymentStatus.CAPTURED if full else PaymentStatus.PARTIALLY_CAPTURED
    return msgspec.structs.replace(result, status=status, amount_captured=captured)


def _known_meta(pm: object) -> dict[str, str]:
    """What the payment's record says of it before any gateway answer: a charge of a
    bank-debit mandate is a bank debit (``BANK_DEBIT_META``), so an event that arrives
    while it is created, or after it came back unresolved, does not announce money that
    may still be returned as captured."""
    if isinstance(pm, StoredMandate) and pm.ref.meta.get(BANK_DEBIT_META) == "1":
        return {BANK_DEBIT_META: "1"}
    return {}


def _able(targets: list[Target], req: api.PaymentCreate) -> list[Target]:
    """The targets whose connector can do what the payment asks for later (raise the
    authorization, capture it in parts, store a bank account for later debits); none
    left is a clear ``not_supported``."""
    pm = req.payment_method

    def able(target: Target, field: str) -> bool:
        meta = target.connector.meta
        if field == "incremental_authorization":
            return Flow.INCREMENT in meta.flows
        if field == "setup_future_usage":
            # a method other than a card or token (a US bank account) is stored only where
            # the connector declares that method's recurring flow
            support = meta.methods.get(type_of(pm))
            return support is not None and MethodFlow.RECURRING in support.flows
        return meta.multiple_captures

    asked = {
        "incremental_authorization": req.incremental_authorization,
        "multiple_captures": req.multiple_captures,
        "setup_future_usage": bool(req.setup_future_usage) and not isinstance(pm, Card | Token),
    }
    for field in (f for f, on in asked.items() if on):
        kept = [t for t in targets if able(t, field)]
        if not kept:
            names = ", ".join(sorted({t.connector.meta.display_name for t in targets}))
            if field == "setup_future_usage":
                raise not_supported(f"{names} cannot store {type_of(pm).value}", field)
            raise not_supported(f"{names} cannot do {field.replace('_', ' ')}", field)
        targets = kept
    return targets
