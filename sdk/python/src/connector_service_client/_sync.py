"""The blocking client: the async client on a private event-loop thread.

Why not a second HTTP stack (urllib3, http.client)? Retries, idempotency keys, timeouts
and error decoding are the subtle part of a payments client; running the one async
implementation behind a blocking facade means they cannot drift apart, and are tested
once. The cost is one daemon thread per client, and that a client must not cross a
``fork()``: create it in the process that uses it. It works in programs with no asyncio
at all and inside running event loops alike (its loop is its own). The same approach as
library mode's ``SyncConnectorService``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator, Mapping
from typing import Any, TypeVar

from connector_service_client import models as api
from connector_service_client._async import AsyncClient, Page

T = TypeVar("T")


class Client:
    """Typed blocking client for the Connector Service REST API; the same methods and
    behaviour as :class:`AsyncClient`.

        with Client("http://127.0.0.1:8080", api_key="…") as cs:
            payment = cs.create_payment({"amount": 2500, "currency": "EUR", …})
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8080",
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        max_retries: int = 2,
        retry_backoff: float = 0.25,
        auto_idempotency_keys: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="connector-service-client", daemon=True
        )
        self._thread.start()
        self._async = AsyncClient(
            base_url,
            api_key,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            retry_backoff=retry_backoff,
            auto_idempotency_keys=auto_idempotency_keys,
            headers=headers,
        )
        self._closed = False

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coro.close()
            raise RuntimeError("the client is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        if self._closed:
            return
        self._run(self._async.close())
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self._async.base_url

    # ------------------------------------------------------------------ the API

    def create_payment(
        self,
        payment: api.PaymentCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        return self._run(
            self._async.create_payment(
                payment, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def get_payment(self, payment_id: str, *, request_id: str | None = None) -> api.Payment:
        return self._run(self._async.get_payment(payment_id, request_id=request_id))

    def capture(
        self,
        payment_id: str,
        capture: api.CaptureCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        return self._run(
            self._async.capture(
                payment_id, capture, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def increment(
        self,
        payment_id: str,
        increment: api.IncrementCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        return self._run(
            self._async.increment(
                payment_id, increment, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def void(
        self,
        payment_id: str,
        void: api.VoidCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        return self._run(
            self._async.void(
                payment_id, void, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def complete_payment(
        self,
        payment_id: str,
        complete: api.CompleteCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        return self._run(
            self._async.complete_payment(
                payment_id, complete, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def refund(
        self,
        payment_id: str,
        refund: api.RefundCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Refund:
        return self._run(
            self._async.refund(
                payment_id, refund, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def get_refund(self, refund_id: str, *, request_id: str | None = None) -> api.Refund:
        return self._run(self._async.get_refund(refund_id, request_id=request_id))

    def create_mandate(
        self,
        mandate: api.MandateCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Mandate:
        return self._run(
            self._async.create_mandate(
                mandate, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def list_mandates(
        self, account: str, customer: str, *, request_id: str | None = None
    ) -> api.MandateList:
        return self._run(self._async.list_mandates(account, customer, request_id=request_id))

    def revoke_mandate(
        self,
        mandate_id: str,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Mandate:
        return self._run(
            self._async.revoke_mandate(
                mandate_id, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def complete_mandate(
        self,
        mandate_id: str,
        params: api.CompleteCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Mandate:
        return self._run(
            self._async.complete_mandate(
                mandate_id, params, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def preview_routing(
        self,
        payment: api.PaymentCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.RoutingDetails:
        return self._run(
            self._async.preview_routing(
                payment, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def get_dispute(self, dispute_id: str, *, request_id: str | None = None) -> api.Dispute:
        return self._run(self._async.get_dispute(dispute_id, request_id=request_id))

    def list_disputes(
        self,
        account: str | None = None,
        *,
        limit: int | None = None,
        cursor: str | None = None,
        request_id: str | None = None,
    ) -> api.DisputeList:
        return self._run(
            self._async.list_disputes(account, limit=limit, cursor=cursor, request_id=request_id)
        )

    def accept_dispute(
        self,
        dispute_id: str,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Dispute:
        return self._run(
            self._async.accept_dispute(
                dispute_id, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def submit_dispute_evidence(
        self,
        dispute_id: str,
        evidence: api.DisputeEvidenceCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Dispute:
        return self._run(
            self._async.submit_dispute_evidence(
                dispute_id, evidence, idempotency_key=idempotency_key, request_id=request_id
            )
        )

    def list_connectors(
        self, *, cursor: str | None = None, request_id: str | None = None
    ) -> Page[api.ConnectorInfo]:
        return self._run(self._async.list_connectors(cursor=cursor, request_id=request_id))

    def iter_connectors(self) -> Iterator[api.ConnectorInfo]:
        cursor: str | None = None
        while True:
            page = self.list_connectors(cursor=cursor)
            yield from page.data
            if not (page.has_more and page.next_cursor):
                return
            cursor = page.next_cursor

    def connectors(self) -> list[api.ConnectorInfo]:
        return list(self.iter_connectors())


__all__ = ["Client"]
