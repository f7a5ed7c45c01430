"""What the service tells about its set-up without touching a payment: the connectors
and the accounts a caller may use, where a payment would be routed (and why), and the
circuit breakers (admin keys only)."""

from __future__ import annotations

from collections.abc import Mapping

from connector_service.config import Caller, Config
from connector_service.connectors.base import Connector, ConnectorMeta
from connector_service.connectors.capabilities import check_method
from connector_service.connectors.kit.options import option_names
from connector_service.core import routing
from connector_service.core.accounts import Accounts
from connector_service.core.breaker import Breakers, BreakerView
from connector_service.core.context import RequestContext
from connector_service.core.inputs import PM_TYPE, check_amount, reference_for
from connector_service.domain import api
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow
from connector_service.domain.payment_methods import PaymentMethodType
from connector_service.domain.status import CaptureMethod


def _takes(meta: ConnectorMeta, pm_type: PaymentMethodType, req: api.PaymentCreate) -> bool:
    """Whether the connector declares what the payment needs (as the core checks it)."""
    if meta.currencies is not None and req.currency not in meta.currencies:
        return False
    try:
        check_method(
            meta.display_name, meta.methods, pm_type, payment_method=req.payment_method,
            currency=req.currency, country=req.billing.country if req.billing else None,
            manual_capture=req.capture_method is CaptureMethod.MANUAL,
        )  # fmt: skip
    except ServiceError:
        return False
    return True


def method_infos(connector: Connector) -> list[api.PaymentMethodInfo]:
    """Each declared payment method with its flows, countries and currencies (a method's
    own lists, else the connector's)."""
    m = connector.meta
    out = []
    for pm, support in sorted(m.methods.items()):
        currencies = support.currencies if support.currencies is not None else m.currencies
        countries = support.countries if support.countries is not None else m.countries
        out.append(
            api.PaymentMethodInfo(
                type=pm.value,
                flows=sorted(f.value for f in support.flows),
                currencies=sorted(currencies) if currencies is not None else "*",
                countries=sorted(countries) if countries is not None else "*",
                external_3ds=support.external_3ds,
            )
        )
    return out


class SetupViews:
    def __init__(
        self,
        config: Config,
        connectors: Mapping[str, Connector],
        breakers: Breakers,
        accounts: Accounts,
    ) -> None:
        self.config = config
        self.connectors = connectors
        self.breakers = breakers
        self.accounts = accounts

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
                    multiple_captures=m.multiple_captures,
                    methods=method_infos(connector),
                    connector_options=option_names(m.options),
                    splits=m.splits is not None,
                )
            )
        return out

    async def preview_routing(
        self, rc: RequestContext, req: api.PaymentCreate
    ) -> api.RoutingDetails:
        """Which accounts a payment would be tried on, in order, and why; charges nothing."""
        caller, idempotency_key = rc.caller, rc.idempotency_key
        check_amount(req.amount, req.currency)
        pm_type = PM_TYPE[type(req.payment_method).__name__]
        reference = req.reference or reference_for(idempotency_key, caller.id)
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
                names = [self.accounts.choose(caller, None, None, None, pm_type, req.currency)]
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
            if not _takes(meta, pm_type, req):
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
