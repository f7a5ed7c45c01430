"""The request context carries the request id, key and caller into the connector's
context through the one public account resolver (also used by the webhook receiver)."""

from __future__ import annotations

import pytest

from connector_service import ConnectorService
from connector_service.config import Caller
from connector_service.core.accounts import gateway_key
from connector_service.core.context import RequestContext
from connector_service.domain.errors import ServiceError


def test_target_takes_request_id_and_derived_key_from_the_context() -> None:
    cs = ConnectorService()
    account = next(iter(cs.runtime.config.accounts))
    caller = Caller("shop", frozenset({account}))
    rc = RequestContext(caller, request_id="req_ctx_1", idempotency_key="k-1")
    target = cs.service.accounts.target(rc, account)
    assert target.ctx.request_id == "req_ctx_1"
    assert target.ctx.idempotency_key == gateway_key("shop", account, "k-1")
    assert target.ctx.idempotency_key not in (None, "k-1")
    read = cs.service.accounts.target(rc, account, keyed=False)
    assert read.ctx.idempotency_key is None and read.ctx.request_id == "req_ctx_1"


def test_an_account_outside_the_callers_scope_is_refused() -> None:
    cs = ConnectorService()
    account = next(iter(cs.runtime.config.accounts))
    rc = RequestContext(Caller("other", frozenset({"elsewhere"})))
    with pytest.raises(ServiceError) as err:
        cs.service.accounts.target(rc, account)
    assert err.value.code == "account_not_allowed" and err.value.field == "account"
    with pytest.raises(ServiceError) as err:
        cs.service.accounts.target(rc, account, missing="payment")
    assert err.value.http_status == 404
