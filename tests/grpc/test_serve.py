"""`connector-service serve` runs gRPC beside REST: on by default, its own port, off on
request, one server per worker on a shared port, and a clear error for a taken port."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import grpc
import pytest

from connector_service.grpc_gen.v1 import payments_pb2
from connector_service.testing.service import START_TIMEOUT_SECONDS
from tests.conftest import free_port
from tests.grpc.client import Grpc, payment_request
from tests.server.client import Api


async def test_several_workers_share_the_grpc_port(service_factory: Any) -> None:
    svc = service_factory(workers=2)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while svc.logs().count("gRPC listening on") < 2:  # /health answered: one worker is up
        assert time.monotonic() < deadline, svc.logs()
        await asyncio.sleep(0.1)
    target = f"127.0.0.1:{svc.env['CS_GRPC_PORT']}"
    ids = []
    for _ in range(6):  # fresh connections: the kernel spreads them over the workers
        client = Grpc(target)
        try:
            p = await client.payments.CreatePayment(payment_request())
            ids.append(p.id)
            # any worker serves any later call: the state is in the shared storage
            again = await client.payments.GetPayment(payments_pb2.GetPaymentRequest(id=p.id))
            assert again.status == p.status
        finally:
            await client.close()
    assert len(set(ids)) == 6


async def test_grpc_can_be_turned_off(service_factory: Any) -> None:
    svc = service_factory(env={"CS_GRPC_ENABLED": "0"})
    assert (await Api(svc.url).ok("GET", "/v1/connectors"))["object"] == "list"
    client = Grpc(f"127.0.0.1:{svc.env['CS_GRPC_PORT']}")
    try:
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await client.payments.CreatePayment(payment_request(), timeout=2)
        assert exc.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await client.close()
    assert "gRPC" not in svc.logs()


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CS_STORAGE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env.pop("CS_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "connector_service.cli.main", "serve", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_taken_grpc_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve(tmp_path, "--port", str(free_port()), "--grpc-port", str(port))
    assert result.returncode == 2
    assert f"grpc: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--no-grpc" in result.stderr


def test_grpc_port_must_differ_from_the_rest_port(tmp_path: Path) -> None:
    port = str(free_port())
    result = _serve(tmp_path, "--port", port, "--grpc-port", port)
    assert result.returncode == 2 and "is the REST port" in result.stderr
