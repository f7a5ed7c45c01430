"""FakeGateway: loopback only, every request logged, spec violations recorded and
answered with the subclass's rejection; works from a thread for synchronous callers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation


class Echo(FakeGateway):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/echo", self.echo)

    def check(self, request: HttpRequest) -> None:
        if b"amount" not in (request.body or b""):
            raise SpecViolation("amount is required")

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return web.json_response({"bad": str(violation)}, status=422)

    async def echo(self, request: web.Request) -> web.Response:
        return web.json_response(await request.json())


def _post(url: str, body: dict[str, object]) -> tuple[int, object]:
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_requests_are_logged_and_violations_recorded() -> None:
    fake = Echo()
    url = fake.start_in_thread()
    try:
        assert url.startswith("http://127.0.0.1:")
        assert _post(url + "/echo", {"amount": 5}) == (200, {"amount": 5})
        assert fake.violations == []
        status, body = _post(url + "/echo", {"currency": "EUR"})
        assert status == 422 and body == {"bad": "amount is required"}
        assert fake.violations == ["amount is required"]
        assert [r.method for r in fake.received] == ["POST", "POST"]
        assert fake.received[1].body == b'{"currency": "EUR"}'
    finally:
        fake.stop_thread()
