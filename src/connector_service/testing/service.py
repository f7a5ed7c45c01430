"""Start the real service as a child process on loopback, as an operator would.

Why in the package: the conformance suite drives every connector through the real REST
server, and a plug-in's own tests should start it the same way our tests do.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["START_TIMEOUT_SECONDS", "ServiceProcess", "free_port", "start_service"]

# How long a service may take to answer /health. Starting is mostly imports, CPU-bound:
# one start took 5-7 s on a loaded 2-core machine, and ``--workers 2`` starts three
# interpreters at once. A long deadline costs nothing when a start is quick.
START_TIMEOUT_SECONDS = 60.0
# How long stop() waits after SIGTERM before SIGKILL: longer than the supervisor's own
# grace for its workers (cli.workers.STOP_GRACE_SECONDS), so a clean stop can finish.
STOP_TIMEOUT_SECONDS = 40.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServiceProcess:
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_service(
    tmp: Path,
    config_toml: str = "",
    *,
    env: dict[str, str] | None = None,
    workers: int = 1,
) -> ServiceProcess:
    """Start the service on free loopback ports and wait for ``/health``.

    ``free_port()`` can only name a port that was free a moment ago: another process (or
    an outgoing connection given that ephemeral port) may take it before the service
    binds. A start that fails with "address already in use" is therefore retried on new
    ports, unless the caller fixed the ports itself."""
    fixed_ports = env is not None and ("CS_PORT" in env or "CS_GRPC_PORT" in env)
    attempts = 1 if fixed_ports else 3
    for attempt in range(attempts):
        try:
            return _start_once(tmp, config_toml, env, workers)
        except _PortTaken:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class _PortTaken(RuntimeError):
    """The service exited at start because a port it was given was taken meanwhile."""


def _start_once(
    tmp: Path, config_toml: str, env: dict[str, str] | None, workers: int
) -> ServiceProcess:
    port = free_port()
    config = tmp / f"config-{uuid.uuid4().hex[:6]}.toml"
    config.write_text(config_toml)
    log_path = tmp / f"service-{port}.log"
    full_env = {
        **os.environ,
        "CS_CONFIG": str(config),
        "CS_PORT": str(port),
        "CS_HOST": "127.0.0.1",
        "CS_STORAGE_URL": f"sqlite:///{tmp / 'service.db'}",
        # gRPC is on by default: give every test service its own port (tests/grpc use it).
        "CS_GRPC_PORT": str(free_port()),
        **(env or {}),
    }
    if "PROMETHEUS_MULTIPROC_DIR" not in (env or {}):
        # Each service counts its own metrics unless a test asks for a shared directory.
        full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [sys.executable, "-m", "connector_service.cli.main", "serve", "--workers", str(workers)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=full_env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)  # noqa: S603 (our own CLI, fixed argv)
    url = f"http://127.0.0.1:{port}"
    deadline = started + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            logs = log_path.read_text()
            if "address already in use" in logs.lower():
                raise _PortTaken(f"service exited early:\n{logs}")
            raise RuntimeError(f"service exited early:\n{logs}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as resp:  # noqa: S310 (http to loopback)
                if resp.status == 200:
                    return ServiceProcess(url, proc, log_path, full_env)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    took = time.monotonic() - started
    raise RuntimeError(f"service did not answer /health in {took:.0f} s:\n{log_path.read_text()}")
