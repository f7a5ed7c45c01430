"""``serve --workers 2``: each worker listens on its own SO_REUSEPORT socket and the kernel
gives each of them a share of the connections (uvicorn's shared socket let one worker take
most of them). Checked from /proc: which process owns which listening and accepted socket.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from connector_service.testing.service import start_service

pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists() or not hasattr(socket, "SO_REUSEPORT"),
    reason="needs Linux /proc and SO_REUSEPORT",
)
LISTEN, ESTABLISHED = "0A", "01"


def workers_of(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    workers = []
    for pid in children:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # reaped between the two reads (the worker this test killed)
            continue
        if b"spawn_main" in cmdline:
            workers.append(int(pid))
    return workers


def socket_inodes(pid: int) -> set[str]:
    out = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[8:-1])
    return out


def tcp_inodes(port: int, state: str) -> set[str]:
    out = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, st, inode = fields[1], fields[3], fields[9]
        if st == state and int(local.split(":")[1], 16) == port:
            out.add(inode)
    return out


def test_two_workers_each_listen_and_each_serve_connections(tmp_path: Path) -> None:
    svc = start_service(tmp_path, workers=2)
    port = int(svc.url.rsplit(":", 1)[1])
    held: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 20
        while True:
            workers = workers_of(svc.proc.pid)
            listening = tcp_inodes(port, LISTEN)
            owners = {w: socket_inodes(w) & listening for w in workers}
            if len(workers) == 2 and all(owners.values()):
                break
            assert time.monotonic() < deadline, f"workers did not listen: {owners}"
            time.sleep(0.1)
        # one listening socket per worker, not one shared socket
        assert len(listening) == 2
        assert owners[workers[0]] != owners[workers[1]]

        for _ in range(64):  # distinct source ports: the kernel hashes them over both
            conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            conn.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert conn.recv(64).startswith(b"HTTP/1.1 200")
            held.append(conn)
        accepted = tcp_inodes(port, ESTABLISHED)
        served = {w: len(socket_inodes(w) & accepted) for w in workers}
    finally:
        for conn in held:
            conn.close()
        svc.stop()
    assert sum(served.values()) == 64
    assert all(n > 0 for n in served.values()), served


def test_a_worker_that_dies_is_restarted(tmp_path: Path) -> None:
    svc = start_service(tmp_path, workers=2)
    try:
        deadline = time.monotonic() + 20
        while len(workers := workers_of(svc.proc.pid)) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        os.kill(workers[0], 9)
        while True:
            now = workers_of(svc.proc.pid)
            if len(now) == 2 and workers[0] not in now:
                break
            assert time.monotonic() < deadline + 20, f"not restarted: {now}"
            time.sleep(0.1)
    finally:
        svc.stop()
    assert svc.proc.returncode == 0
