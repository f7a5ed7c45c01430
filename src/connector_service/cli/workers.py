"""``serve --workers N``: N worker processes, each accepting on its own socket.

uvicorn's own multi-worker mode binds one socket in the parent and lets every worker
``accept()`` on it; under load the worker that happens to be awake takes most connections
(the benchmark saw two workers serve barely more than one). Here every worker binds its
own listening socket to the same address with ``SO_REUSEPORT``, and the kernel spreads new
connections over them by a hash of the connection's addresses, so each worker gets its
share whatever the others are doing.

``SO_REUSEPORT`` lets any process of the same user join the port, so the caller first
checks that the port is free with a plain bind (``cli.main._startup_problem``). The
parent only supervises: it forwards SIGINT / SIGTERM to the workers, waits for them, and
restarts a worker that died on its own (after a short pause, so a worker that cannot start
does not spin).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

log = logging.getLogger("connector_service.cli.workers")

RESTART_PAUSE_SECONDS = 1.0
STOP_GRACE_SECONDS = 30.0


def supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port) that other workers can bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, app: str, options: dict[str, Any]) -> None:
    """One worker process: its own socket, one uvicorn server on it."""
    import uvicorn

    sock = reuseport_socket(host, port)
    config = uvicorn.Config(app, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def serve(workers: int, host: str, port: int, app: str, options: dict[str, Any]) -> int:
    """Run ``workers`` processes until SIGINT / SIGTERM; the exit code of the service.

    The signal handler forwards SIGTERM to the workers it can see, but a signal that
    lands while a replacement worker is being started (between ``Process.start()`` and
    its place in ``procs``) cannot see that worker. So once the loop ends, every live
    worker that was not yet told is told, and each worker is told exactly once (one
    signal is what a graceful stop asks for; a repeated one is not needed)."""
    ctx = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited loop
    stopping = False
    told: set[int] = set()

    def start(index: int) -> BaseProcess:
        proc = ctx.Process(target=_worker, args=(host, port, app, options), name=f"worker-{index}")
        proc.start()
        return proc

    def tell_to_stop() -> None:
        for proc in procs:
            if proc.pid is not None and proc.pid not in told and proc.is_alive():
                told.add(proc.pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        tell_to_stop()

    procs: list[BaseProcess] = []
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for i in range(workers):
            if not stopping:
                procs.append(start(i))
        while not stopping:
            for i, proc in enumerate(procs):
                proc.join(timeout=0.2)
                if proc.exitcode is not None and not stopping:
                    log.warning("worker %d exited with %s; restarting it", i, proc.exitcode)
                    time.sleep(RESTART_PAUSE_SECONDS)
                    if not stopping:
                        procs[i] = start(i)
        tell_to_stop()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in procs:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                log.warning("%s did not stop in %.0f s; killing it", proc.name, STOP_GRACE_SECONDS)
                proc.kill()
                proc.join()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0
