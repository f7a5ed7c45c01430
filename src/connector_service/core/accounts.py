"""Which connector account serves a call, and the connector context it runs with.

Shared by the flows and the webhook receiver: both turn an account name (explicit, from a
id, chosen by default, or ``@<connector>`` for per-request credentials)
into a :class:`Target`, and build the :class:`ConnectorContext` the same way, so a
webhook is verified with exactly the credentials, options and base URL a payment on that
account would use. Unknown and forbidden accounts are refused here, once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from connector_service.config import Account, Caller, Config
from connector_service.connectors.base import Connector, ConnectorContext
from connector_service.connectors.capabilities import MethodFlow, check_flow, check_method
from connector_service.core.context import RequestContext, RequestCredentials
from connector_service.domain.errors import (
    ErrorType,
    ServiceError,
    invalid,
    not_found,
    not_supported,
)
from connector_service.domain.payment_methods import PaymentMethodType
from connector_service.domain.secret import Secret
from connector_service.executor.http import Timeouts

PLATFORM_PREFIX = "@"  # account name of ids created with per-request credentials


@dataclass(frozen=True, slots=True)
class Target:
    """The connector account serving one call."""

    account: str
    connector: Connector
    ctx: ConnectorContext
    timeouts: Timeouts


def gateway_key(caller: str, account: str, key: str | None) -> str | None:
    """The key sent to the gateway: derived from the caller's key, the caller and the
    account, so two tenants using the same key never collide at a shared gateway account
    (and stays within every gateway's length limit)."""
    if key is None:
        return None
    digest = hashlib.sha256(f"{caller}\x00{account}\x00{key}".encode()).hexdigest()
    return f"cs-{digest[:40]}"


def check_capability(
    target: Target,
    pm_type: PaymentMethodType,
    currency: str,
    *,
    payment_method: object = None,
    country: str | None = None,
    manual_capture: bool = False,
) -> None:
    """Refuse a payment method (as the connector declares it: connectors/capabilities.py)
    or currency the account's connector does not take, before calling it."""
    meta = target.connector.meta
    check_method(
        meta.display_name, meta.methods, pm_type, payment_method=payment_method,
        currency=currency, country=country, manual_capture=manual_capture,
    )  # fmt: skip
    if meta.currencies is not None and currency not in meta.currencies:
        raise not_supported(f"{meta.display_name} does not take {currency}", "currency")


def method_flow_check(target: Target, facts: object, flow: MethodFlow) -> None:
    """Refuse a capture or refund the connector does not declare for the method the
    payment was made with (before calling it)."""
    method = getattr(facts, "payment_method", None)
    if method is None:
        return
    meta = target.connector.meta
    try:
        pm_type = PaymentMethodType(method)
    except ValueError:
        return
    check_flow(meta.display_name, meta.methods, pm_type, flow, "id")


class Accounts:
    """Resolves accounts to targets for one configuration and connector set."""

    def __init__(
        self, config: Config, connectors: Mapping[str, Connector], default_timeouts: Timeouts
    ) -> None:
        self.config = config
        self.connectors = connectors
        self.default_timeouts = default_timeouts

    def connector_context(
        self,
        account: str,
        connector: Connector,
        credentials: Mapping[str, Secret],
        options: Mapping[str, str],
        base_url: str | None,
        mode: str,
        *,
        idempotency_key: str | None,
        request_id: str,
    ) -> ConnectorContext:
        meta = connector.meta
        base = base_url or (meta.base_url_live if mode == "live" else meta.base_url_test)
        return ConnectorContext(
            account=account,
            connector=meta.name,
            credentials=credentials,
            options=options,
            base_url=base.rstrip("/"),
            test_mode=mode != "live",
            idempotency_key=idempotency_key,
            request_id=request_id,
            public_url=self.config.public_url,
        )

    def account_target(
        self, acc: Account, *, request_id: str, idempotency_key: str | None = None
    ) -> Target:
        """The target of a configured account (no permission check: the caller's job)."""
        connector = self.connectors[acc.connector]
        ctx = self.connector_context(
            acc.id, connector, acc.credentials, acc.options, acc.base_url, acc.mode,
            idempotency_key=idempotency_key, request_id=request_id,
        )  # fmt: skip
        timeouts = Timeouts(acc.connect_timeout_seconds, acc.timeout_seconds)
        return Target(acc.id, connector, ctx, timeouts)

    def platform_target(
        self, creds: RequestCredentials, *, request_id: str, idempotency_key: str | None = None
    ) -> Target:
        """The target of per-request credentials: the account ``@<connector>``."""
        connector = self.connectors[creds.connector]
        account = PLATFORM_PREFIX + creds.connector
        ctx = self.connector_context(
            account, connector, creds.credentials, creds.options, None, creds.mode,
            idempotency_key=idempotency_key, request_id=request_id,
        )  # fmt: skip
        return Target(account, connector, ctx, self.default_timeouts)

    def target(
        self,
        rc: RequestContext,
        account: str,
        *,
        keyed: bool = True,
        field: str = "account",
        missing: str | None = None,
    ) -> Target:
        """The target for ``account``; unknown or forbidden accounts are reported as
        not found (``missing`` names the resource, e.g. when the account came from an id)
        so that nobody learns which accounts exist. ``keyed``: the request's idempotency
        key applies (reads send none)."""
        caller, creds = rc.caller, rc.creds
        key = gateway_key(caller.id, account, rc.idempotency_key if keyed else None)
        if account.startswith(PLATFORM_PREFIX):
            name = account[len(PLATFORM_PREFIX) :]
            if creds is None or creds.connector != name or not caller.platform:
                raise not_found(missing or "account", "id" if missing else field)
            return self.platform_target(creds, request_id=rc.request_id, idempotency_key=key)
        acc = self.config.accounts.get(account)
        if acc is None or not caller.may_use(account):
            if missing:
                raise not_found(missing, "id")
            raise ServiceError(
                ErrorType.INVALID_REQUEST if acc is None else ErrorType.PERMISSION,
                "unknown_account" if acc is None else "account_not_allowed",
                f"no account {account!r} is available to this API key",
                field=field,
            )
        return self.account_target(acc, request_id=rc.request_id, idempotency_key=key)

    def choose(
        self,
        caller: Caller,
        account: str | None,
        connector_name: str | None,
        creds: RequestCredentials | None,
        pm_type: PaymentMethodType,
        currency: str,
    ) -> str:
        """The account a new payment or mandate goes to when routing does not decide:
        the one named, the per-request credentials' connector, the default account, or
        the first the caller may use that takes the method and currency."""
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
