"""start_service retries when a port it picked is taken before the service binds it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector_service.testing import service


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_a_taken_port_is_retried_on_new_ports(
    tmp_path: Path, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.free_port
    handed: list[int] = []

    def first_taken() -> int:
        port = taken_port if not handed else real()
        handed.append(port)
        return port

    monkeypatch.setattr(service, "free_port", first_taken)
    proc = service.start_service(tmp_path)
    try:
        assert handed[0] == taken_port
        assert proc.url != f"http://127.0.0.1:{taken_port}"
        assert len(handed) == 4  # two ports per attempt, two attempts
    finally:
        proc.stop()


def test_ports_the_caller_fixed_are_not_changed(tmp_path: Path, taken_port: int) -> None:
    with pytest.raises(RuntimeError, match="Address already in use"):
        service.start_service(tmp_path, env={"CS_PORT": str(taken_port)})
