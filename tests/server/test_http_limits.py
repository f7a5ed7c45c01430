"""Request-head limits of ``connector-service serve``, with real sockets against a real
process: an oversized head is answered 431 without stalling other connections, and a
head that trickles in (or never starts) is cut off by the header timeout.

No timing is asserted: socket timeouts only keep a broken server from hanging the test.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from connector_service.config import ConfigError, load_config
from tests.conftest import ServiceProcess, start_service

CONFIG = """
[server]
max_header_bytes = 8192
header_timeout_seconds = 1

[[accounts]]
id = "sandbox"
connector = "sandbox"
"""
GUARD = 30.0  # seconds: a hung server fails the test instead of hanging it


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("limits"), CONFIG)
    yield svc
    svc.stop()


def connect(svc: ServiceProcess) -> socket.socket:
    host, port = svc.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=GUARD)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (a reset after the answer counts as closed)."""
    chunks: list[bytes] = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def parse(raw: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return status, {k.lower(): v for k, v in headers.items()}, json.loads(body) if body else None


def send_big_head(svc: ServiceProcess, header_bytes: int) -> bytes:
    sock = connect(svc)
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: ")
        chunk = b"a" * 65536
        sent = 0
        try:
            while sent < header_bytes:
                sock.sendall(chunk)
                sent += len(chunk)
            sock.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped listening: its answer is what matters
        return read_all(sock)
    finally:
        sock.close()


def health(svc: ServiceProcess) -> int:
    with urllib.request.urlopen(svc.url + "/health", timeout=GUARD) as resp:
        return int(resp.status)


def test_a_one_megabyte_header_is_431(service: ServiceProcess) -> None:
    status, headers, body = parse(send_big_head(service, 1 << 20))
    assert status == 431
    assert body["error"]["code"] == "headers_too_large"
    assert body["error"]["request_id"] == headers["x-request-id"]
    assert headers["connection"] == "close"
    assert health(service) == 200


def test_a_head_just_over_the_limit_is_431_and_one_under_is_served(
    service: ServiceProcess,
) -> None:
    for size, expected in ((9000, 431), (6000, 200)):
        sock = connect(service)
        try:
            padding = b"p" * size
            sock.sendall(
                b"GET /health HTTP/1.1\r\nHost: t\r\nX-Pad: " + padding + b"\r\n"
                b"Connection: close\r\n\r\n"
            )
            status, _, _ = parse(read_all(sock))
        finally:
            sock.close()
        assert status == expected, size


def test_a_big_body_is_not_mistaken_for_a_big_head(service: ServiceProcess) -> None:
    body = json.dumps({"amount": 1000, "currency": "EUR", "description": "d" * 20000}).encode()
    sock = connect(service)
    try:
        sock.sendall(
            b"POST /v1/payments HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        status, _, _ = parse(read_all(sock))
    finally:
        sock.close()
    assert status != 431  # the service's own body limit or validation answers instead
    assert status in (400, 413)


def test_health_answers_while_another_connection_sends_a_huge_header(
    service: ServiceProcess,
) -> None:
    answers: list[bytes] = []
    sender = threading.Thread(target=lambda: answers.append(send_big_head(service, 64 << 20)))
    sender.start()
    try:
        statuses = [health(service) for _ in range(5)]
    finally:
        sender.join(GUARD)
    assert statuses == [200] * 5
    assert answers and parse(answers[0])[0] == 431


def test_a_slow_header_sender_is_cut_off_with_408(service: ServiceProcess) -> None:
    sock = connect(service)
    answer = b""
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n")
        sock.settimeout(0.3)
        for i in range(100):  # one header line every 0.3 s, never finishing the head
            try:
                sock.sendall(f"X-Slow-{i}: 1\r\n".encode())
                answer = sock.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if answer:
                break
        sock.settimeout(GUARD)
        answer += read_all(sock)
    finally:
        sock.close()
    status, _, body = parse(answer)
    assert status == 408 and body["error"]["code"] == "request_timeout"


def test_many_slow_and_silent_connections_are_all_closed(service: ServiceProcess) -> None:
    socks = [connect(service) for _ in range(20)]
    try:
        for i, sock in enumerate(socks):
            if i % 2:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n")  # a head never finished
        answers = [read_all(sock) for sock in socks]  # returns only once closed
    finally:
        for sock in socks:
            sock.close()
    for i, answer in enumerate(answers):
        if i % 2:
            assert parse(answer)[0] == 408
        else:
            assert answer == b""  # silent from the start: closed without an answer
    assert health(service) == 200


def test_keep_alive_requests_each_get_their_own_head_budget(service: ServiceProcess) -> None:
    sock = connect(service)
    try:
        request = b"GET /health HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"p" * 5000 + b"\r\n\r\n"
        for _ in range(3):  # 3 x 5 KB on one connection: over 8 KB in total, each under
            sock.sendall(request)
            raw = b""
            while b'{"status":"ok"}' not in raw:
                chunk = sock.recv(65536)
                assert chunk, raw
                raw += chunk
            assert raw.startswith(b"HTTP/1.1 200")
            time.sleep(0.1)
    finally:
        sock.close()


@pytest.mark.parametrize(
    ("server", "problem"),
    [({"max_header_bytes": 100}, "max_header_bytes"),
     ({"header_timeout_seconds": 0}, "header_timeout_seconds")],
)  # fmt: skip
def test_limits_are_validated(server: dict[str, Any], problem: str) -> None:
    inside = load_config(data={"server": {"max_header_bytes": 2048, "header_timeout_seconds": 3}})
    assert (inside.server.max_header_bytes, inside.server.header_timeout_seconds) == (2048, 3)
    with pytest.raises(ConfigError) as info:
        load_config(data={"server": server})
    assert problem in str(info.value.problems)


def test_limits_come_from_the_environment_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CS_MAX_HEADER_BYTES", "4096")
    monkeypatch.setenv("CS_HEADER_TIMEOUT_SECONDS", "2.5")
    config = load_config(data={})
    assert (config.server.max_header_bytes, config.server.header_timeout_seconds) == (4096, 2.5)
    monkeypatch.setenv("CS_MAX_HEADER_BYTES", "99999999")
    with pytest.raises(ConfigError):
        load_config(data={})
