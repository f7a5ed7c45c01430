"""Library mode: the same flows in-process, no server.

    async with ConnectorService() as cs:            # sandbox account, memory storage
        payment = await cs.create_payment({...})

    with SyncConnectorService() as cs:              # the same, blocking
        payment = cs.create_payment({...})

Inputs may be the API structs or plain dicts (validated exactly as the REST API does);
results are the API structs (``msgspec.to_builtins`` turns them into dicts).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import msgspec

from connector_service.config import Caller, Config, load_config
from connector_service.core.context import RequestContext
from connector_service.domain import api
from connector_service.domain.codec import dec_hook
from connector_service.runtime import Runtime
from connector_service.server.errors import validation_error

T = TypeVar("T")
_LOCAL = Caller(id="library", accounts=frozenset({"*"}), platform=True)


def _ctx(idempotency_key: str | None = None) -> RequestContext:
    """The request context of one library call: the local caller, no request id."""
    return RequestContext(_LOCAL, idempotency_key=idempotency_key)


def _as(type_: type[T], value: T | dict[str, Any]) -> T:
    if isinstance(value, type_):
        return value
    try:
        return msgspec.convert(value, type_, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        raise validation_error(exc) from None


class ConnectorService:
    """Async, in-process Connector Service. Raises ``ServiceError`` where the REST API
    would answer with an error document."""

    def __init__(self, config: Config | dict[str, Any] | None = None) -> None:
        if not isinstance(config, Config):
            data = dict(config or {})
            data.setdefault("storage", {"url": "memory://"})
            config = load_config(data=data)
        self.runtime = Runtime(config)
        self.service = self.runtime.service

    async def start(self) -> None:
        await self.runtime.start()

    async def close(self) -> None:
        await self.runtime.stop()

    async def __aenter__(self) -> ConnectorService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def create_payment(
        self, req: api.PaymentCreate | dict[str, Any], *, idempotency_key: str | None = None
    ) -> api.Payment:
        return await self.service.create_payment(_ctx(idempotency_key), _as(api.PaymentCreate, req))

    async def get_payment(self, payment_id: str) -> api.Payment:
        return await self.service.get_payment(_ctx(), payment_id)

    async def capture(
        self,
        payment_id: str,
        req: api.CaptureCreate | dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> api.Payment:
        return await self.service.capture(
            _ctx(idempotency_key), payment_id, _as(api.CaptureCreate, req or {})
        )

    async def increment(
        self,
        payment_id: str,
        req: api.IncrementCreate | dict[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> api.Payment:
        """Raise an authorization to ``total_amount`` (the new total, not the difference)."""
        return await self.service.increment(
            _ctx(idempotency_key), payment_id, _as(api.IncrementCreate, req)
        )

    async def void(
        self,
        payment_id: str,
        req: api.VoidCreate | dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> api.Payment:
        return await self.service.void(
            _ctx(idempotency_key), payment_id, _as(api.VoidCreate, req or {})
        )

    async def complete_payment(
        self, payment_id: str, req: api.CompleteCreate | dict[str, Any] | None = None
    ) -> api.Payment:
        return await self.service.complete_payment(
            _ctx(), payment_id, _as(api.CompleteCreate, req or {})
        )

    async def refund(
        self,
        payment_id: str,
        req: api.RefundCreate | dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> api.Refund:
        return await self.service.refund(
            _ctx(idempotency_key), payment_id, _as(api.RefundCreate, req or {})
        )

    async def get_refund(self, refund_id: str) -> api.Refund:
        return await self.service.get_refund(_ctx(), refund_id)

    async def create_mandate(
        self, req: api.MandateCreate | dict[str, Any], *, idempotency_key: str | None = None
    ) -> api.Mandate:
        return await self.service.create_mandate(_ctx(idempotency_key), _as(api.MandateCreate, req))

    async def list_mandates(self, account: str, customer: str) -> api.MandateList:
        """A customer's payment methods stored at the gateway (card summaries only)."""
        query = _as(api.MandateListQuery, {"account": account, "customer": customer})
        return await self.service.list_mandates(_ctx(), query)

    async def revoke_mandate(self, mandate_id: str) -> api.Mandate:
        return await self.service.revoke_mandate(_ctx(), mandate_id)

    async def complete_mandate(
        self, mandate_id: str, req: api.CompleteCreate | dict[str, Any] | None = None
    ) -> api.Mandate:
        """Finish a set-up that needed the customer (3-D Secure) once they are back."""
        return await self.service.complete_mandate(
            _ctx(), mandate_id, _as(api.CompleteCreate, req or {})
        )

    # ---- disputes (docs/disputes.md)

    async def get_dispute(self, dispute_id: str) -> api.Dispute:
        return await self.service.get_dispute(_ctx(), dispute_id)

    async def list_disputes(
        self, account: str | None = None, *, limit: int | None = None, cursor: str | None = None
    ) -> api.DisputeList:
        query = {"limit": str(limit)} if limit is not None else {}
        if cursor is not None:
            query["cursor"] = cursor
        return await self.service.list_disputes(_ctx(), account, query)

    async def accept_dispute(
        self, dispute_id: str, *, idempotency_key: str | None = None
    ) -> api.Dispute:
        return await self.service.accept_dispute(_ctx(idempotency_key), dispute_id)

    async def submit_dispute_evidence(
        self,
        dispute_id: str,
        req: api.DisputeEvidenceCreate | dict[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> api.Dispute:
        """Evidence: ``{"evidence": [{"type": ..., "text": ...} | {"type": ..., "file":
        <bytes>, "file_name": ..., "content_type": ...}], "submit": true}``."""
        return await self.service.submit_dispute_evidence(
            _ctx(idempotency_key), dispute_id, _as(api.DisputeEvidenceCreate, req)
        )

    def connectors(self) -> list[api.ConnectorInfo]:
        return self.service.list_connectors()


class SyncConnectorService:
    """Blocking wrapper: runs a :class:`ConnectorService` on a private event loop thread,
    so it also works inside programs that have no asyncio at all."""

    def __init__(self, config: Config | dict[str, Any] | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._async = self._call(self._make(config))

    @staticmethod
    async def _make(config: Config | dict[str, Any] | None) -> ConnectorService:
        service = ConnectorService(config)
        await service.start()
        return service

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        self._call(self._async.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> SyncConnectorService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._async, name)
        if not asyncio.iscoroutinefunction(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(method(*args, **kwargs))

        return call
