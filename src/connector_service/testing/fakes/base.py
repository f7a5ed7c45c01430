"""``FakeGateway``: the shared base of loopback gateway fakes.

Why: a connector is only proven against its gateway when every request it sends is
checked against the gateway's published contract, from a real socket. Every fake needs
the same plumbing for that — bind ``127.0.0.1:0`` (never a real host), record each request,
validate it, remember what was invalid, stop cleanly — and a plug-in author should write
only the gateway's behaviour. Subclasses override :meth:`routes` (add handlers to the
aiohttp app), :meth:`check` (raise :class:`SpecViolation` for an invalid request) and
optionally :meth:`rejection` (how the gateway answers one) and :meth:`is_api` (browser
pages such as a 3-D Secure challenge are not API calls and are not validated).

The fake runs on the caller's event loop (``await fake.start()``) or on its own thread
(``fake.start_in_thread()``), which suits synchronous tests and any pytest-asyncio loop
scope; :func:`fake_fixture` makes a pytest fixture of either.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing.spec import SpecViolation, load_openapi

__all__ = ["FakeGateway", "fake_fixture"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
F = TypeVar("F", bound="FakeGateway")


class FakeGateway:
    """A gateway on loopback: ``received`` logs every request, ``violations`` every spec
    violation (a conformance run asserts it stays empty)."""

    #: appended to ``http://127.0.0.1:<port>`` to make ``base_url`` (e.g. ``/v71``)
    base_path: str = ""
    #: (spec, base URL) pairs ``check`` validates against, compiled by ``start`` before
    #: the first request: compiling a large spec takes seconds, which the first request
    #: would otherwise spend inside the service's gateway timeout.
    specs: tuple[tuple[str, str], ...] = ()

    def __init__(self) -> None:
        self.base_url = ""
        self.received: list[HttpRequest] = []
        self.violations: list[str] = []
        self._replayed: dict[tuple[str, str], web.Response] = {}  # by (path, key)
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------ to override

    def routes(self, app: web.Application) -> None:
        """Register the gateway's handlers on ``app``."""
        raise NotImplementedError(f"{type(self).__name__} must add its routes")

    def check(self, request: HttpRequest) -> None:
        """Raise SpecViolation when ``request`` breaks the gateway's contract."""

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        """The gateway's answer to a request that broke its contract."""
        return web.json_response({"error": "spec_violation", "detail": str(violation)}, status=400)

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        """The gateway's answer to a request with wrong credentials, or None (checked
        before the spec, as a gateway would)."""
        return None

    def is_api(self, request: web.Request) -> bool:
        """Whether ``request`` is an API call (validated) rather than a browser page."""
        return True

    # ------------------------------------------------------------------ plumbing

    @web.middleware
    async def _record_and_check(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()
        http = HttpRequest(
            request.method,
            f"http://{request.host}{request.path_qs}",
            dict(request.headers),
            raw or None,
        )
        self.received.append(http)
        if self.is_api(request):
            denied = self.authenticate(request)
            if denied is not None:
                return denied
            try:
                self.check(http)
            except SpecViolation as exc:
                self.violations.append(str(exc))
                return self.rejection(http, exc)
        return await handler(request)

    def app(self) -> web.Application:
        """The aiohttp app: the recording/validating middleware first, then the routes."""
        app = web.Application(middlewares=[self._record_and_check, *self.middlewares()])
        self.routes(app)
        return app

    def middlewares(self) -> list[Any]:
        """More middlewares, run after validation (auth, idempotency replay...)."""
        return []

    #: the header a gateway deduplicates POSTs by, for :meth:`replay_by_key`
    idempotency_header: str = ""

    @web.middleware
    async def replay_by_key(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A POST repeating an earlier one's ``idempotency_header`` (same path) gets the
        first answer again, as a gateway honouring the key does. Add it in
        :meth:`middlewares`."""
        key = request.headers.get(self.idempotency_header) if self.idempotency_header else None
        if not key or request.method != "POST":
            return await handler(request)
        seen = self._replayed.get((request.path, key))
        if seen is not None:
            return web.Response(status=seen.status, body=seen.body, content_type="application/json")
        response = await handler(request)
        assert isinstance(response, web.Response)
        self._replayed[(request.path, key)] = response
        return response

    async def start(self) -> str:
        """Serve on ``127.0.0.1`` at a free port; returns (and sets) ``base_url``."""
        for spec, base in self.specs:
            load_openapi(spec, base)
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}{self.base_path}"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start_in_thread(self) -> str:
        """Serve from a private event loop on a daemon thread (for synchronous callers)."""
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # surfaced to the caller below
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.close())
            loop.close()

        self._thread = threading.Thread(target=run, name=f"{type(self).__name__}", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]
        return self.base_url

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None
            self._loop = None


def fake_fixture(factory: Callable[[], F], *, scope: str = "module", threaded: bool = True) -> Any:
    """A pytest fixture yielding a started fake made by ``factory``.

    ``threaded`` (default) runs it on its own loop, so sync and async tests of any loop
    scope can share it; ``threaded=False`` gives an async fixture on the test's loop."""
    if threaded:

        def threaded_fixture() -> Iterator[F]:
            fake = factory()
            fake.start_in_thread()
            try:
                yield fake
            finally:
                fake.stop_thread()

        return pytest.fixture(scope=scope)(threaded_fixture)  # type: ignore[call-overload]

    import pytest_asyncio

    async def looped_fixture() -> Any:
        fake = factory()
        await fake.start()
        try:
            yield fake
        finally:
            await fake.close()

    return pytest_asyncio.fixture(scope=scope, loop_scope=scope)(looped_fixture)  # type: ignore[call-overload]
