"""With ``serve --workers 2`` every scrape of /metrics counts every worker's requests
(prometheus_client's multiprocess mode, set up by ``serve``)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import start_service

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034,
        "cvc": "123"}  # fmt: skip
PATTERN = re.compile(
    r'^cs_requests_total\{connector="sandbox",flow="authorize",outcome="2xx",'
    r'route="/v1/payments",transport="rest"\} (\S+)$',
    re.M,
)


def workers_that_counted(metrics_dir: Path) -> set[str]:
    """The pids whose sample file holds a non-zero cs_requests_total."""
    from prometheus_client.mmap_dict import MmapedDict

    found = set()
    for path in metrics_dir.glob("counter_*.db"):
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
            if '"cs_requests_total"' in key and value > 0:
                found.add(path.stem.split("_", 1)[1])
    return found


async def test_metrics_add_up_every_worker(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")  # an earlier run's: removed
    svc = start_service(tmp_path, workers=2, env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    try:
        async with aiohttp.ClientSession() as http:

            async def pay() -> None:
                body = {"amount": 1000, "currency": "EUR", "payment_method": CARD}
                headers = {"Connection": "close"}  # a fresh connection each: any worker
                async with http.post(svc.url + "/v1/payments", json=body, headers=headers) as r:
                    assert r.status == 201, await r.text()

            # Until both workers have served (and counted) some: the kernel decides who
            # accepts each connection.
            n = 0
            while n < 400 and len(workers_that_counted(metrics_dir)) < 2:
                await asyncio.gather(*(pay() for _ in range(20)))
                n += 20
            assert len(workers_that_counted(metrics_dir)) >= 2
            totals = []
            for _ in range(6):
                async with aiohttp.ClientSession() as fresh, fresh.get(svc.url + "/metrics") as r:
                    text = await r.text()
                found = PATTERN.search(text)
                totals.append(float(found.group(1)) if found else 0.0)
            # Whichever worker answers the scrape, it reports all of them.
            assert totals == [n] * len(totals), totals
        assert not (metrics_dir / "counter_999999.db").exists()
    finally:
        svc.stop()


def test_serve_makes_a_metrics_directory_for_several_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connector_service.cli import main

    registered: list[object] = []
    monkeypatch.setattr("atexit.register", lambda *a: registered.append(a))
    # setenv first so that monkeypatch records the variable and removes it afterwards
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    main._prepare_metrics_dir(1)
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ  # one worker: plain registry
    main._prepare_metrics_dir(2)
    path = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    try:
        assert path.is_dir() and path.name.startswith("connector-service-metrics-")
        assert registered  # removed at exit
    finally:
        shutil.rmtree(path, ignore_errors=True)
