"""The ``serve --workers`` supervisor's stop path, driven without uvicorn.

Its workers are stood in for by small real processes (they die of SIGTERM's default
action, so an exit code of -SIGTERM proves a worker was told to stop, and -SIGKILL that
the supervisor gave up on it). The race that CI once hit: SIGTERM arrives while a
replacement worker is being started; the handler cannot see the new worker yet, and
the old code waited out the whole grace period and then killed it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from connector_service.cli import workers as supervisor

SLEEPER = "import time\nwhile True: time.sleep(1)"


class StandInProcess:
    """Enough of ``multiprocessing.Process`` for the supervisor: a real child process."""

    started: list[StandInProcess] = []
    on_start: Any = None

    def __init__(self, *, target: Any, args: tuple[Any, ...], name: str) -> None:
        self.name = name
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        code = "raise SystemExit(3)" if not StandInProcess.started else SLEEPER
        self._proc = subprocess.Popen([sys.executable, "-c", code])
        StandInProcess.started.append(self)
        if StandInProcess.on_start is not None:
            StandInProcess.on_start(self)

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def exitcode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def is_alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def join(self, timeout: float | None = None) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout)

    def kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()


class StandInContext:
    Process = StandInProcess


@pytest.fixture
def stand_ins(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[StandInProcess]]:
    StandInProcess.started = []
    StandInProcess.on_start = None
    monkeypatch.setattr(supervisor.multiprocessing, "get_context", lambda _kind: StandInContext)
    monkeypatch.setattr(supervisor, "RESTART_PAUSE_SECONDS", 0.0)
    monkeypatch.setattr(supervisor, "STOP_GRACE_SECONDS", 5.0)
    yield StandInProcess
    for proc in StandInProcess.started:
        if proc.is_alive():
            proc.kill()


def test_sigterm_while_a_replacement_starts_still_stops_the_replacement(
    stand_ins: type[StandInProcess],
) -> None:
    def stop_service_during_the_restart(proc: StandInProcess) -> None:
        if len(stand_ins.started) == 2:  # the first died; this is its replacement
            os.kill(os.getpid(), signal.SIGTERM)

    stand_ins.on_start = stop_service_during_the_restart
    began = time.monotonic()
    assert supervisor.serve(1, "127.0.0.1", 0, "app", {}) == 0
    took = time.monotonic() - began
    first, replacement = stand_ins.started
    assert first.exitcode == 3
    assert replacement.exitcode == -signal.SIGTERM, "the replacement was killed, not told"
    assert took < supervisor.STOP_GRACE_SECONDS, took


def test_each_worker_is_told_once_and_all_stop(stand_ins: type[StandInProcess]) -> None:
    sent: list[int] = []
    real_kill = os.kill

    def counting_kill(pid: int, sig: int) -> None:
        if sig == signal.SIGTERM and pid != os.getpid():
            sent.append(pid)
        real_kill(pid, sig)

    def stop_when_all_run(proc: StandInProcess) -> None:
        if len(stand_ins.started) == 3:  # the failed first, its replacement, the second
            os.kill(os.getpid(), signal.SIGTERM)

    stand_ins.on_start = stop_when_all_run
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(supervisor.os, "kill", counting_kill)
        assert supervisor.serve(2, "127.0.0.1", 0, "app", {}) == 0
    alive = stand_ins.started[1:]
    assert sorted(sent) == sorted(p.pid for p in alive if p.pid is not None)
    assert all(p.exitcode == -signal.SIGTERM for p in alive)
