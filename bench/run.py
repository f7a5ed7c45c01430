"""Connector Service benchmark: one command, every figure and its baselines from one run.

    make bench                          # = python bench/run.py
    python bench/run.py --duration 10 --reps 3 --scenarios rest,stripe-sdk
    python bench/run.py --soak 600      # memory soak (not part of the default run)
    python bench/run.py --profile       # py-spy profile of the REST path, summarised

It starts a fast loopback mock of the Stripe PaymentIntents API (bench/mock_gateway.py,
~3 KB JSON answers), the service configured with a ``stripe`` account whose base_url
points at the mock (the sandbox connector pointed at the mock when the Stripe connector is
not importable, and the table says so), and drives it with wrk (bench/wrk_post.lua) at a
fixed concurrency. Processes are pinned with taskset: the service (or the baseline under
test) on core 0, the mock and wrk on core 1. Each scenario is warmed up, then measured
``--reps`` times; the table shows the median run. CPU per request is the utime + stime
delta of the measured process tree (/proc/<pid>/stat) over the measured window divided by
the requests served; "req/s per core" is requests per CPU-second of those processes.

Scenarios (default: all that can run here):
  nginx        nginx proxy_pass to the mock: the floor of any proxy on this machine
  aiohttp      a bare aiohttp client POSTing to the mock (no server): the outgoing-call floor
  stripe-sdk   the official ``stripe`` SDK (async, aiohttp client) called directly
  rest         the full REST path (auth, validation, routing, connector, gateway call,
               mapping, access log, metrics), 1 worker on core 0
  rest-2w      the same with ``serve --workers 2`` on cores 0-1 (sharing core 1 with the
               mock and wrk, so read its req/s per core)
  rest-idem    rest with a fresh Idempotency-Key per request (idempotency records in SQLite)
  library      the same authorize in library mode (in-process, no HTTP server), SQLite
  grpc         the gRPC Authorize call (bench/grpc_load.py as the client), 1 worker
  webhooks     webhook ingest: signature verify + durable write (SQLite) + ack
  webhooks-pg  the same on PostgreSQL (--postgres DSN, or skipped when unreachable)
  drain        webhook delivery: --drain-events queued deliveries drained by one worker
               (default settings) to a loopback receiver (bench/webhook_drain.py, SQLite)
  drain-pg     the same on PostgreSQL

Results: a table on stdout and bench/results/<timestamp>.json (gitignored).
Bounded load only, on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
API_KEY = "bench-api-key-0001"
SERVICE_CORE, LOAD_CORE = "0", "1"
ALL_SCENARIOS = (
    "nginx",
    "aiohttp",
    "stripe-sdk",
    "rest",
    "rest-2w",
    "rest-idem",
    "library",
    "grpc",
    "rest-floor",
    "grpc-floor",
    "slow",
    "slow-light",
    "webhooks",
    "webhooks-pg",
    "drain",
    "drain-pg",
)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"

PAYMENT = {
    "amount": 2500,
    "currency": "EUR",
    "capture_method": "manual",
    "account": "bench",
    "description": "Order 1001",
    "metadata": {"order": "1001"},
    "payment_method": {
        "type": "card",
        "number": "4242424242424242",
        "exp_month": 12,
        "exp_year": 2034,
        "cvc": "123",
    },
}
STRIPE_FORM = (
    b"amount=2500&currency=eur&confirm=true&capture_method=manual"
    b"&payment_method_types[0]=card&description=Order%201001&metadata[order]=1001"
    b"&payment_method_data[type]=card&payment_method_data[card][number]=4242424242424242"
    b"&payment_method_data[card][exp_month]=12&payment_method_data[card][exp_year]=2034"
    b"&payment_method_data[card][cvc]=123&expand[0]=latest_charge"
)


# ------------------------------------------------------------------ tools and processes


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def check_tools(scenarios: list[str], install: bool, profile: bool) -> None:
    """Install (as root, when allowed) or name exactly what is missing, then stop."""
    debs = {"wrk": "wrk", "taskset": "util-linux"}
    if "nginx" in scenarios:
        debs["nginx"] = "nginx-light"
    missing_debs = sorted({pkg for tool, pkg in debs.items() if shutil.which(tool) is None})
    modules = {"uvloop": "uvloop", "msgspec": "msgspec", "aiohttp": "aiohttp"}
    if "stripe-sdk" in scenarios:
        modules["stripe"] = "stripe>=11"
    if profile:
        modules["py_spy"] = "py-spy>=0.3.14"
    missing_pips = sorted(
        spec for mod, spec in modules.items() if not _importable(mod) and mod != "py_spy"
    )
    if profile and shutil.which("py-spy") is None and not (Path(PY).parent / "py-spy").exists():
        missing_pips.append(modules["py_spy"])
    if install and missing_debs and os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"installing {' '.join(missing_debs)} with apt-get")
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing_debs], check=False, env=env)
        missing_debs = sorted({p for t, p in debs.items() if shutil.which(t) is None})
    if install and missing_pips:
        log(f"installing {' '.join(missing_pips)} with pip")
        subprocess.run([PY, "-m", "pip", "install", "-q", *missing_pips], check=False)
        missing_pips = [
            s for s in missing_pips if not _importable(s.split(">")[0].replace("-", "_"))
        ]
    if missing_debs or missing_pips:
        print("bench: missing tools. Install them with:", file=sys.stderr)
        if missing_debs:
            print(f"  apt-get install -y {' '.join(missing_debs)}", file=sys.stderr)
        if missing_pips:
            quoted = " ".join(f"'{s}'" for s in missing_pips)
            print(f"  {PY} -m pip install {quoted}", file=sys.stderr)
            print("  (or: pip install -e '.[bench]')", file=sys.stderr)
        raise SystemExit(2)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def pinned(cpus: str) -> list[str]:
    return ["taskset", "-c", cpus] if shutil.which("taskset") else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not open within {timeout}s")


@contextlib.contextmanager
def process(
    cmd: list[str], *, log_path: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def children(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(parents.get(p, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of ``pids`` (each process's own, threads included)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLK_TCK


def postgres_pids() -> list[int]:
    """The local PostgreSQL server's processes (its CPU is not the service's)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().startswith("postgres"):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def rss_mb(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return pages * PAGE / 1e6


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[0]


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, for the share of CPU used by everyone."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


# ------------------------------------------------------------------ measurements


@dataclass
class Run:
    requests: int
    seconds: float
    cpu_seconds: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int
    rss_mb: float = 0.0
    machine_busy: float = 0.0  # share of both cores busy (everyone) during the run
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float | None:
        return self.cpu_seconds / self.requests * 1000 if self.requests else None

    @property
    def rps_per_core(self) -> float | None:
        return self.requests / self.cpu_seconds if self.cpu_seconds else None


def wrk(
    url: str,
    path: str,
    *,
    duration: float,
    connections: int,
    body: bytes | None,
    content_type: str = "application/json",
    auth: str | None = None,
    idempotency: bool = False,
    tmp: Path,
    extra_env: dict[str, str] | None = None,
    script: Path = BENCH / "wrk_post.lua",
) -> dict[str, Any]:
    env = {"BENCH_PATH": path, "BENCH_CONTENT_TYPE": content_type, **(extra_env or {})}
    if body is not None:
        body_file = tmp / f"body-{hashlib.sha256(body).hexdigest()[:12]}"
        body_file.write_bytes(body)
        env["BENCH_BODY_FILE"] = str(body_file)
    if auth:
        env["BENCH_AUTH"] = auth
    if idempotency:
        env["BENCH_IDEMPOTENCY"] = "1"
    cmd = [
        *pinned(LOAD_CORE),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
    for line in out.stdout.splitlines():
        if line.startswith("JSON "):
            result: dict[str, Any] = json.loads(line[5:])
            return result
    raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")


def measure_wrk(
    pids_of: Callable[[], list[int]],
    rss_of: Callable[[], float],
    load: Callable[[float], dict[str, Any]],
    duration: float,
) -> Run:
    pids = pids_of()
    busy0, total0 = machine_busy()
    each0 = {p: cpu_seconds([p]) for p in pids}
    cpu0 = sum(each0.values())
    result = load(duration)
    each1 = {p: cpu_seconds([p]) for p in pids}
    cpu1 = sum(each1.values())
    busy1, total1 = machine_busy()
    spent = sorted((each1[p] - each0[p] for p in pids), reverse=True)
    shares = [round(x / (cpu1 - cpu0), 2) for x in spent if cpu1 > cpu0 and x > 0.05]
    errors = sum(result[k] for k in result if k.startswith("errors_"))
    return Run(
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        cpu_seconds=cpu1 - cpu0,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        errors=errors,
        rss_mb=rss_of(),
        machine_busy=(busy1 - busy0) / max(total1 - total0, 1),
        extra={"wrk": result, "cpu_share_by_process": shares},
    )


# ------------------------------------------------------------------ the pieces


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="cs-bench-"))
        self.stack = contextlib.ExitStack()
        self.mock_port = 0
        self.notes: list[str] = []
        self.connector = self._connector()

    def close(self) -> None:
        self.stack.close()
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _connector(self) -> str:
        sys.path.insert(0, str(ROOT / "src"))
        try:
            from connector_service.connectors.registry import load_connectors

            names = load_connectors(include_entry_points=False)
        except Exception as exc:  # a half-edited tree: say so and use the sandbox
            self.notes.append(f"connectors could not be loaded ({exc}); using sandbox")
            return "sandbox"
        if "stripe" in names:
            return "stripe"
        self.notes.append(
            "the Stripe connector is not importable: the service uses the sandbox connector "
            "pointed at the mock's sandbox-shaped API (same ~3 KB answers)"
        )
        return "sandbox"

    def start_mock(self) -> None:
        self.mock_port = free_port()
        cmd = [*pinned(LOAD_CORE), PY, str(BENCH / "mock_gateway.py"), "--port",
               str(self.mock_port)]  # fmt: skip
        proc = self.stack.enter_context(process(cmd, log_path=self.tmp / "mock.log"))
        wait_port(self.mock_port, proc)
        log(f"mock gateway on 127.0.0.1:{self.mock_port}")

    @property
    def mock_url(self) -> str:
        return f"http://127.0.0.1:{self.mock_port}"

    # ---- the service

    def config(self, storage: str, *, webhooks: bool = False) -> Path:
        from connector_service.connectors.registry import load_connectors

        meta = load_connectors(include_entry_points=False)[self.connector].meta
        creds = {
            f.name: ("sk_test_" if "key" in f.name else "bench_") + "benchSecret0123456789"
            for f in meta.credential_fields
            if f.required or (webhooks and f.name == "webhook_secret")
        }
        extra = ""
        if webhooks:
            creds["webhook_secret"] = WEBHOOK_SECRET
            # One client endpoint, so each event also gets its delivery row in the outbox;
            # no delivery worker, so the measurement is ingest alone.
            extra = (
                '[webhooks]\ndeliver = false\n\n[[webhook_endpoints]]\nid = "shop"\n'
                'url = "http://127.0.0.1:9/hooks"\n'
                f'secret = "{ENDPOINT_SECRET}"\n'
            )
        cred_lines = ", ".join(f'{k} = "{v}"' for k, v in creds.items())
        key_hash = hashlib.sha256(API_KEY.encode()).hexdigest()
        text = f"""
[server]
log_level = "info"

[storage]
url = "{storage}"

[[accounts]]
id = "bench"
connector = "{self.connector}"
base_url = "{self.mock_url}"
credentials = {{ {cred_lines} }}

[[callers]]
id = "bench"
key_sha256 = "{key_hash}"

{self.args.extra_config.replace(chr(92) + "n", chr(10))}
{extra}"""
        path = self.tmp / f"config-{time.monotonic_ns()}.toml"
        path.write_text(text)
        return path

    @contextlib.contextmanager
    def service(
        self,
        *,
        workers: int = 1,
        cpus: str = SERVICE_CORE,
        storage: str | None = None,
        grpc_port: int | None = None,
        webhooks: bool = False,
    ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
        port = free_port()
        storage = storage or f"sqlite:///{self.tmp}/bench-{port}.db"
        config = self.config(storage, webhooks=webhooks)
        cmd = [*pinned(cpus), PY, "-m", "connector_service.cli.main", "serve", "--config",
               str(config), "--port", str(port), "--workers", str(workers)]  # fmt: skip
        if grpc_port is not None:
            cmd += ["--grpc-port", str(grpc_port)]
        elif _serve_has_flag("--no-grpc"):
            cmd.append("--no-grpc")
        paths = [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
        env = {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}
        with process(cmd, log_path=self.tmp / f"service-{port}.log", env=env) as proc:
            url = f"http://127.0.0.1:{port}"
            wait_http(url + "/health", proc)
            if workers > 1:  # wait for every worker to be up
                deadline = time.monotonic() + 30
                while len(children(proc.pid)) < workers + 1 and time.monotonic() < deadline:
                    time.sleep(0.2)
            yield url, proc

    def sanity_payment(self, url: str) -> dict[str, Any]:
        req = urllib.request.Request(
            url + "/v1/payments",
            json.dumps(PAYMENT).encode(),
            {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            body: dict[str, Any] = json.loads(resp.read())
            if resp.status != 201 or body.get("status") != "authorized":
                raise RuntimeError(f"sanity payment failed: {resp.status} {body}")
            return body

    @contextlib.contextmanager
    def floor(self, kind: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
        """A framework floor (bench/floors.py) on ``port``, pinned like the service."""
        cmd = [*pinned(SERVICE_CORE), PY, str(BENCH / "floors.py"), kind, "--port", str(port),
               "--mock", self.mock_url]  # fmt: skip
        with process(cmd, log_path=self.tmp / f"floor-{kind}-{port}.log") as proc:
            if kind == "rest":
                wait_http(f"http://127.0.0.1:{port}/health", proc)
            else:
                wait_port(port, proc)
            yield proc

    def workers_of(self, proc: subprocess.Popen[bytes]) -> list[int]:
        tree = children(proc.pid)
        return [p for p in tree if p != proc.pid] or [proc.pid]

    # ---- running a wrk scenario

    def repeat(self, name: str, one: Callable[[], Run], warm: Callable[[], Any]) -> list[Run]:
        warm()
        runs = []
        for rep in range(self.args.reps):
            run = one()
            log(
                f"{name} #{rep + 1}: {run.rps:,.0f} req/s, "
                f"{run.cpu_ms_per_request or 0:.3f} ms CPU/req, p50 {run.p50_ms or 0:.2f} ms, "
                f"p99 {run.p99_ms or 0:.2f} ms, errors {run.errors}, load {loadavg()}"
            )
            runs.append(run)
        return runs

    @contextlib.contextmanager
    def rest_server(
        self, workers: int, floor: bool
    ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
        if floor:
            port = free_port()
            with self.floor("rest", port) as proc:
                yield f"http://127.0.0.1:{port}", proc
            return
        cpus = SERVICE_CORE if workers == 1 else f"{SERVICE_CORE},{LOAD_CORE}"
        with self.service(workers=workers, cpus=cpus) as (url, proc):
            yield url, proc

    def rest(
        self, name: str, *, workers: int = 1, idempotency: bool = False, floor: bool = False
    ) -> list[Run]:
        with self.rest_server(workers, floor) as (url, proc):
            sample = self.sanity_payment(url)
            body = json.dumps(PAYMENT).encode()

            def load(duration: float) -> dict[str, Any]:
                return wrk(url, "/v1/payments", duration=duration,
                           connections=self.args.connections, body=body,
                           auth=f"Bearer {API_KEY}", idempotency=idempotency,
                           tmp=self.tmp)  # fmt: skip

            def rss() -> float:
                return max(rss_mb(p) for p in self.workers_of(proc))

            runs = self.repeat(
                name,
                lambda: measure_wrk(lambda: children(proc.pid), rss, load, self.args.duration),
                lambda: load(self.args.warmup),
            )
            runs[0].extra["sample_status"] = sample["status"]
            runs[0].extra["connector"] = sample["connector"]
            return runs

    def nginx(self) -> list[Run]:
        port = free_port()
        prefix = self.tmp / f"nginx-{port}"
        (prefix / "logs").mkdir(parents=True)
        conf = prefix / "nginx.conf"
        conf.write_text(NGINX_CONF.format(port=port, mock=self.mock_port, prefix=prefix))
        cmd = [*pinned(SERVICE_CORE), "nginx", "-p", str(prefix), "-c", str(conf)]
        with process(cmd, log_path=prefix / "stdout.log") as proc:
            wait_port(port, proc)
            url = f"http://127.0.0.1:{port}"

            def load(duration: float) -> dict[str, Any]:
                return wrk(url, "/v1/payment_intents", duration=duration,
                           connections=self.args.connections, body=STRIPE_FORM,
                           content_type="application/x-www-form-urlencoded",
                           auth="Bearer sk_test_benchSecret0123456789",
                           tmp=self.tmp)  # fmt: skip

            def rss() -> float:
                return max(rss_mb(p) for p in children(proc.pid))

            return self.repeat(
                "nginx",
                lambda: measure_wrk(lambda: children(proc.pid), rss, load, self.args.duration),
                lambda: load(self.args.warmup),
            )

    def direct(self, client: str) -> list[Run]:
        runs = []
        target = ["--base-url", self.mock_url]
        if client == "library":
            target = ["--config", str(self.config(f"sqlite:///{self.tmp}/library.db"))]
        for rep in range(self.args.reps):
            cmd = [*pinned(SERVICE_CORE), PY, str(BENCH / "direct_clients.py"), client,
                   *target, "--concurrency", str(self.args.connections),
                   "--warmup", str(self.args.warmup), "--duration", str(self.args.duration),
                   "--uvloop"]  # fmt: skip
            busy0, total0 = machine_busy()
            out = subprocess.run(cmd, capture_output=True, text=True, check=False)
            busy1, total1 = machine_busy()
            lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
            if out.returncode != 0 or not lines:
                raise RuntimeError(f"{client} driver failed: {out.stderr[-2000:]}")
            r = json.loads(lines[-1])
            run = Run(
                requests=r["requests"],
                seconds=r["seconds"],
                cpu_seconds=r["cpu_seconds"],
                p50_ms=r["p50_us"] / 1000 if r["p50_us"] else None,
                p99_ms=r["p99_us"] / 1000 if r["p99_us"] else None,
                errors=r["errors"],
                rss_mb=r.get("rss_mb", 0.0),
                machine_busy=(busy1 - busy0) / max(total1 - total0, 1),
            )
            log(
                f"{client} #{rep + 1}: {run.rps:,.0f} req/s, "
                f"{run.cpu_ms_per_request or 0:.3f} ms CPU/req, errors {run.errors}"
            )
            runs.append(run)
        return runs

    @contextlib.contextmanager
    def grpc_server(self, port: int, floor: bool) -> Iterator[subprocess.Popen[bytes]]:
        if floor:
            with self.floor("grpc", port) as proc:
                yield proc
            return
        with self.service(grpc_port=port) as (url, proc):
            self.sanity_payment(url)
            yield proc

    def grpc(self, *, floor: bool = False) -> list[Run] | str:
        if not (ROOT / "src/connector_service/server/grpc_server.py").exists():
            return "TODO: src/connector_service/server/grpc_server.py does not exist yet"
        if not (BENCH / "grpc_load.py").exists():
            return "TODO: no gRPC load generator (bench/grpc_load.py)"
        grpc_port = free_port()
        with self.grpc_server(grpc_port, floor) as proc:
            runs = []
            for rep in range(self.args.reps + 1):  # the first one warms up
                cmd = [*pinned(LOAD_CORE), PY, str(BENCH / "grpc_load.py"),
                       "--target", f"127.0.0.1:{grpc_port}", "--api-key", API_KEY,
                       "--concurrency", str(self.args.connections),
                       "--duration", str(self.args.warmup if rep == 0 else self.args.duration),
                ]  # fmt: skip
                pids = children(proc.pid)
                busy0, total0 = machine_busy()
                cpu0 = cpu_seconds(pids)
                out = subprocess.run(cmd, capture_output=True, text=True, check=False)
                cpu1 = cpu_seconds(pids)
                busy1, total1 = machine_busy()
                lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
                if out.returncode != 0 or not lines:
                    return f"gRPC load generator failed: {out.stderr[-1500:]}"
                if rep == 0:
                    continue
                r = json.loads(lines[-1])
                run = Run(
                    requests=r["requests"],
                    seconds=r["seconds"],
                    cpu_seconds=cpu1 - cpu0,
                    p50_ms=r["p50_us"] / 1000 if r["p50_us"] else None,
                    p99_ms=r["p99_us"] / 1000 if r["p99_us"] else None,
                    errors=r["errors"],
                    rss_mb=max(rss_mb(p) for p in self.workers_of(proc)),
                    machine_busy=(busy1 - busy0) / max(total1 - total0, 1),
                )
                log(
                    f"grpc{'-floor' if floor else ''} #{rep}: {run.rps:,.0f} req/s, "
                    f"{run.cpu_ms_per_request or 0:.3f} ms CPU/req, errors {run.errors}"
                )
                runs.append(run)
            return runs

    def slow(self, name: str, in_flight: int) -> list[Run]:
        """The slow-gateway scenario: ``in_flight`` requests kept in flight, the mock
        answering each after the log-normal delay the load generator drew for it."""
        with self.service() as (url, proc):
            self.sanity_payment(url)
            worker = self.workers_of(proc)[0]
            idle_rss = rss_mb(worker)
            runs = []
            for rep in range(self.args.reps):
                cmd = [*pinned(LOAD_CORE), PY, str(BENCH / "slow_gateway.py"), "--url", url,
                       "--api-key", API_KEY, "--in-flight", str(in_flight),
                       "--duration", str(self.args.duration), "--warmup", str(self.args.warmup),
                       "--median-ms", str(self.args.slow_median_ms),
                       "--p99-ms", str(self.args.slow_p99_ms), "--seed", str(rep + 1)]  # fmt: skip
                peak = [idle_rss]
                done = threading.Event()

                def sample(done: threading.Event, peak: list[float]) -> None:
                    while not done.wait(0.25):
                        peak[0] = max(peak[0], rss_mb(worker))

                sampler = threading.Thread(target=sample, args=(done, peak), daemon=True)
                sampler.start()
                pids = children(proc.pid)
                busy0, total0 = machine_busy()
                cpu0 = cpu_seconds(pids)
                out = subprocess.run(cmd, capture_output=True, text=True, check=True)
                cpu1 = cpu_seconds(pids)
                busy1, total1 = machine_busy()
                done.set()
                sampler.join()
                r = json.loads(out.stdout.strip().splitlines()[-1])
                stats = json.loads(urllib.request.urlopen(self.mock_url + "/_stats").read())
                queued = _metric_total(url, "cs_gateway_pool_queued_total")
                run = Run(
                    requests=r["requests"],
                    # CPU over the whole run (warm-up included) spread over its requests
                    # would overstate: scale the service's CPU to the measured window.
                    seconds=r["seconds"],
                    cpu_seconds=(cpu1 - cpu0) * r["seconds"] / (r["seconds"] + self.args.warmup),
                    p50_ms=r["latency_p50_ms"],
                    p99_ms=r["latency_p99_ms"],
                    errors=r["errors"],
                    rss_mb=peak[0],
                    machine_busy=(busy1 - busy0) / max(total1 - total0, 1),
                    extra={
                        "in_flight": in_flight,
                        "added_p50_ms": r["added_p50_ms"],
                        "added_p99_ms": r["added_p99_ms"],
                        "added_max_ms": r["added_max_ms"],
                        "gateway_p50_ms": r["gateway_p50_ms"],
                        "gateway_p99_ms": r["gateway_p99_ms"],
                        "statuses": r["statuses"],
                        "idle_rss_mb": round(idle_rss, 1),
                        "kb_per_in_flight": round((peak[0] - idle_rss) * 1024 / in_flight, 1),
                        "gateway_connections_peak": stats["connections_peak"],
                        "gateway_connections_total": stats["connections_total"],
                        "pool_queued_total": queued,
                    },
                )
                log(
                    f"{name} #{rep + 1}: {in_flight} in flight, {run.rps:,.0f} req/s, added "
                    f"p50 {r['added_p50_ms']} / p99 {r['added_p99_ms']} ms (gateway p50 "
                    f"{r['gateway_p50_ms']} / p99 {r['gateway_p99_ms']} ms), RSS "
                    f"{idle_rss:.0f} -> {peak[0]:.0f} MB, gateway connections peak "
                    f"{stats['connections_peak']}, pool waits {queued:.0f}, errors {run.errors}"
                )
                runs.append(run)
            return runs

    def webhooks(self, storage: str | None, name: str) -> list[Run] | str:
        sys.path.insert(0, str(BENCH))
        try:
            import webhook_load
        except ImportError as exc:
            return f"TODO: no webhook load script ({exc})"
        if not (ROOT / "src/connector_service/webhooks").is_dir():
            return "TODO: src/connector_service/webhooks does not exist yet"
        problem = webhook_load.unsupported(self.connector)
        if problem:
            return problem
        with self.service(storage=storage, webhooks=True) as (url, proc):
            path = webhook_load.path(self.connector)
            calls = 0

            def events(duration: float) -> Path:
                nonlocal calls
                calls += 1
                count = int(duration * self.args.webhook_rate) + 100
                out = self.tmp / f"{name}-{calls}.events"
                return webhook_load.write_requests(out, WEBHOOK_SECRET, count, f"{calls:02d}")

            problem = webhook_load.sanity(url + path, events(0))
            if problem is not None:
                return f"webhook sanity request failed: {problem}"

            def load(duration: float) -> dict[str, Any]:
                events_file = events(duration)
                try:
                    return wrk(url, path, duration=duration,
                               connections=self.args.connections, body=None, tmp=self.tmp,
                               script=BENCH / "wrk_webhooks.lua",
                               extra_env={"BENCH_REQUESTS_FILE": str(events_file)})  # fmt: skip
                finally:
                    events_file.unlink()

            def rss() -> float:
                return max(rss_mb(p) for p in self.workers_of(proc))

            def measured() -> Run:
                servers = postgres_pids() if storage else []
                before = cpu_seconds(servers)
                run = measure_wrk(lambda: children(proc.pid), rss, load, self.args.duration)
                if servers and run.requests:
                    db = cpu_seconds(servers) - before
                    run.extra["postgres_cpu_ms_per_request"] = round(db / run.requests * 1000, 3)
                return run

            runs = self.repeat(name, measured, lambda: load(self.args.warmup))
            with urllib.request.urlopen(url + "/metrics", timeout=10) as resp:
                outcomes = webhook_load.outcomes(resp.read().decode())
            runs[0].extra["webhook_outcomes"] = outcomes
            if outcomes.get("duplicate"):
                self.notes.append(
                    f"{name}: {outcomes['duplicate']:.0f} duplicate events (the run outpaced "
                    "--webhook-rate); raise it"
                )
            return runs

    # ---- soak and profile

    def soak(self, seconds: float) -> dict[str, Any]:
        samples: list[dict[str, float]] = []
        with self.service() as (url, proc):
            self.sanity_payment(url)
            body = json.dumps(PAYMENT).encode()
            worker = self.workers_of(proc)[0]
            started = time.monotonic()
            total = 0
            while time.monotonic() - started < seconds:
                r = wrk(url, "/v1/payments", duration=10, connections=self.args.connections,
                        body=body, auth=f"Bearer {API_KEY}", tmp=self.tmp)  # fmt: skip
                total += r["requests"]
                sample = {
                    "t": round(time.monotonic() - started, 1),
                    "requests": total,
                    "rss_mb": round(rss_mb(worker), 1),
                    "rps": round(r["requests"] / (r["duration_us"] / 1e6)),
                }
                samples.append(sample)
                log(f"soak {sample}")
        first = samples[min(2, len(samples) - 1)]["rss_mb"]  # after a warm-up
        last = samples[-1]["rss_mb"]
        return {
            "seconds": seconds,
            "samples": samples,
            "rss_start_mb": first,
            "rss_end_mb": last,
            "growth_mb": round(last - first, 1),
        }

    def profile(self, kind: str = "rest") -> str:
        """py-spy the service's worker while ``kind`` (rest, grpc or slow) load runs."""
        spy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
        out = self.tmp / "profile.txt"
        grpc_port = free_port() if kind == "grpc" else None
        with self.service(grpc_port=grpc_port) as (url, proc):
            self.sanity_payment(url)
            body = json.dumps(PAYMENT).encode()

            def load(seconds: float) -> None:
                if kind == "slow":
                    subprocess.run(
                        [*pinned(LOAD_CORE), PY, str(BENCH / "slow_gateway.py"), "--url", url,
                         "--api-key", API_KEY, "--in-flight", str(self.args.slow_in_flight),
                         "--duration", str(seconds), "--warmup", "1"],
                        capture_output=True, check=True,
                    )  # fmt: skip
                    return
                if grpc_port is None:
                    wrk(url, "/v1/payments", duration=seconds,
                        connections=self.args.connections, body=body,
                        auth=f"Bearer {API_KEY}", tmp=self.tmp)  # fmt: skip
                    return
                subprocess.run(
                    [*pinned(LOAD_CORE), PY, str(BENCH / "grpc_load.py"), "--target",
                     f"127.0.0.1:{grpc_port}", "--api-key", API_KEY, "--concurrency",
                     str(self.args.connections), "--duration", str(seconds)],
                    capture_output=True, check=True,
                )  # fmt: skip

            load(2)
            target = self.workers_of(proc)[0]
            rec = subprocess.Popen(
                [spy, "record", "-p", str(target), "-d", str(int(self.args.duration)), "-r",
                 "250", "-f", "raw", "-o", str(out)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            load(self.args.duration + 1)
            rec.wait(60)
        from bench.profile_summary import summarise

        results = BENCH / "results"
        results.mkdir(exist_ok=True)
        kept = results / f"profile-{kind}-{dt.datetime.now():%Y%m%d-%H%M%S}.txt"
        shutil.copy(out, kept)
        return f"raw profile: {kept}\n" + summarise(str(out), top=35)


# Throwaway secrets, made fresh for each bench run (never committed values).
WEBHOOK_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
ENDPOINT_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()

NGINX_CONF = """
daemon off;
master_process on;
worker_processes 1;
user root;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream mock {{ server 127.0.0.1:{mock}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def _serve_has_flag(flag: str) -> bool:
    out = subprocess.run(
        [PY, "-m", "connector_service.cli.main", "serve", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=False,
    )
    return flag in out.stdout


# ------------------------------------------------------------------ report


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


def summarise(name: str, runs: list[Run]) -> dict[str, Any]:
    m = median_run(runs)
    return {
        "scenario": name,
        "rps": round(m.rps),
        "rps_all": [round(r.rps) for r in runs],
        "cpu_ms_per_request": round(m.cpu_ms_per_request or 0, 3),
        "cpu_ms_all": [round(r.cpu_ms_per_request or 0, 3) for r in runs],
        "rps_per_core": round(m.rps_per_core or 0),
        "rps_per_core_median": round(statistics.median(r.rps_per_core or 0 for r in runs)),
        "p50_ms": round(m.p50_ms, 2) if m.p50_ms is not None else None,
        "p99_ms": round(m.p99_ms, 2) if m.p99_ms is not None else None,
        "errors": sum(r.errors for r in runs),
        "rss_mb": round(max(r.rss_mb for r in runs), 1),
        "machine_busy": round(m.machine_busy, 2),
        **{k: v for r in runs for k, v in r.extra.items() if k != "wrk"},
        **{k: v for k, v in m.extra.items() if k != "wrk"},
    }


LABELS = {
    "nginx": "nginx proxy_pass (floor)",
    "aiohttp": "aiohttp client alone",
    "stripe-sdk": "stripe SDK direct (async)",
    "rest": "REST authorize, 1 worker",
    "rest-2w": "REST authorize, 2 workers",
    "rest-idem": "REST + Idempotency-Key (SQLite)",
    "library": "library mode authorize (in-process)",
    "grpc": "gRPC Authorize, 1 worker",
    "rest-floor": "REST floor: bare ASGI + aiohttp relay",
    "grpc-floor": "gRPC floor: bare grpc.aio + aiohttp relay",
    "slow": "REST, slow gateway (log-normal), --slow-in-flight in flight",
    "slow-light": "REST, slow gateway, --slow-light-in-flight in flight",
    "webhooks": "webhook ingest (SQLite)",
    "webhooks-pg": "webhook ingest (PostgreSQL)",
    "drain": "webhook delivery drain (SQLite)",
    "drain-pg": "webhook delivery drain (PostgreSQL)",
}


def table(rows: list[dict[str, Any]], skipped: dict[str, str]) -> str:
    by = {r["scenario"]: r for r in rows}
    sdk = by.get("stripe-sdk")
    lines = [
        "| scenario | req/s | req/s per core | CPU ms/req | p50 ms | p99 ms | RSS MB "
        "| x stripe SDK (per core) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = ""
        if sdk and sdk["rps_per_core"] and r["scenario"] != "stripe-sdk":
            ratio = f"{r['rps_per_core'] / sdk['rps_per_core']:.2f}x"
        p50 = f"{r['p50_ms']:.2f}" if r["p50_ms"] is not None else "-"
        p99 = f"{r['p99_ms']:.2f}" if r["p99_ms"] is not None else "-"
        lines.append(
            f"| {LABELS.get(r['scenario'], r['scenario'])} | {r['rps']:,} | "
            f"{r['rps_per_core']:,} | {r['cpu_ms_per_request']:.3f} | {p50} | {p99} | "
            f"{r['rss_mb']:.0f} | {ratio} |".replace("| 0 |", "| - |")
        )
    for name, why in skipped.items():
        lines.append(f"| {LABELS.get(name, name)} | - | - | - | - | - | - | {why} |")
    return "\n".join(lines)


def ratios(rows: list[dict[str, Any]]) -> dict[str, float]:
    by = {r["scenario"]: r for r in rows}
    out: dict[str, float] = {}
    rest, sdk, nginx = by.get("rest"), by.get("stripe-sdk"), by.get("nginx")
    if rest and sdk and sdk["rps"]:
        out["rest_vs_stripe_sdk_rps"] = round(rest["rps"] / sdk["rps"], 2)
        out["rest_vs_stripe_sdk_per_core"] = round(rest["rps_per_core"] / sdk["rps_per_core"], 2)
    if rest and nginx and nginx["rps"]:
        out["rest_vs_nginx_rps"] = round(rest["rps"] / nginx["rps"], 3)
    if rest and (lib := by.get("library")) and rest["cpu_ms_per_request"]:
        out["library_vs_rest_cpu_per_call"] = round(
            lib["cpu_ms_per_request"] / rest["cpu_ms_per_request"], 2
        )
    grpc = by.get("grpc")
    if rest and grpc and rest["rps_per_core"]:
        out["grpc_vs_rest_per_core"] = round(grpc["rps_per_core"] / rest["rps_per_core"], 2)
    rest_floor, grpc_floor = by.get("rest-floor"), by.get("grpc-floor")
    if rest_floor and grpc_floor and rest_floor["rps_per_core"]:
        # The best "gRPC vs REST" any service code could reach on these two frameworks.
        out["grpc_floor_vs_rest_floor_per_core"] = round(
            grpc_floor["rps_per_core"] / rest_floor["rps_per_core"], 2
        )
    if rest_floor and sdk and sdk["rps_per_core"]:
        out["rest_floor_vs_stripe_sdk_per_core"] = round(
            rest_floor["rps_per_core"] / sdk["rps_per_core"], 2
        )
    for name, floor in (("rest", rest_floor), ("grpc", grpc_floor)):
        if (row := by.get(name)) and floor:
            out[f"{name}_own_cpu_ms_above_floor"] = round(
                row["cpu_ms_per_request"] - floor["cpu_ms_per_request"], 3
            )
    two = by.get("rest-2w")
    if rest and two and rest["rps"]:
        out["two_workers_vs_one_rps"] = round(two["rps"] / rest["rps"], 2)
    return out


def goals(rows: list[dict[str, Any]]) -> list[str]:
    by = {r["scenario"]: r for r in rows}
    out = []

    def check(ok: bool, text: str) -> None:
        out.append(f"[{'met' if ok else 'NOT met'}] {text}")

    if rest := by.get("rest"):
        check(
            rest["rps_per_core"] >= 2000, f"REST >= 2,000 req/s per core: {rest['rps_per_core']:,}"
        )
        check(rest["cpu_ms_per_request"] <= 0.5,
              f"REST <= 0.5 ms CPU/request: {rest['cpu_ms_per_request']:.3f}")  # fmt: skip
        if rest["p99_ms"] is not None:
            check(rest["p99_ms"] < 10, f"REST p99 < 10 ms at 16 concurrent: {rest['p99_ms']} ms")
        check(rest["rss_mb"] < 100, f"RSS < 100 MB per worker: {rest['rss_mb']} MB")
        if sdk := by.get("stripe-sdk"):
            ratio = rest["rps_per_core"] / max(sdk["rps_per_core"], 1)
            check(ratio >= 3, f"REST >= 3x the Stripe SDK (per core): {ratio:.2f}x")
    if rest and (lib := by.get("library")):
        share = lib["cpu_ms_per_request"] / max(rest["cpu_ms_per_request"], 1e-9)
        check(share <= 0.5, f"library mode <= 0.5x the REST path's CPU per call: {share:.2f}x")
    if rest and (two := by.get("rest-2w")):
        scale = two["rps"] / max(rest["rps"], 1)
        check(scale >= 1.8, f"--workers 2 >= 1.8x one worker: {scale:.2f}x")
    if rest and (grpc := by.get("grpc")):
        share = grpc["rps_per_core"] / max(rest["rps_per_core"], 1)
        check(share >= 0.8, f"gRPC >= 0.8x REST per core: {share:.2f}x")
    if grpc := by.get("grpc"):
        check(
            grpc["rps_per_core"] >= 1500, f"gRPC >= 1,500 req/s per core: {grpc['rps_per_core']:,}"
        )
    for name in ("slow", "slow-light"):
        if (sl := by.get(name)) and sl.get("added_p50_ms") is not None:
            n = sl["in_flight"]
            check(sl["added_p50_ms"] <= 2 and sl["added_p99_ms"] <= 10,
                  f"slow gateway, {n} in flight: added latency p50 {sl['added_p50_ms']:.1f} "
                  f"<= 2 ms and p99 {sl['added_p99_ms']:.1f} <= 10 ms")  # fmt: skip
            check(sl["rss_mb"] <= 150, f"slow gateway, {n} in flight: RSS "
                  f"{sl['rss_mb']:.0f} MB <= 150 MB ({sl['kb_per_in_flight']} KB per request "
                  "in flight)")  # fmt: skip
            check(sl["errors"] == 0, f"slow gateway, {n} in flight: errors {sl['errors']}")
    if wh := by.get("webhooks"):
        check(wh["rps_per_core"] >= 1000,
              f"webhooks >= 1,000 events/s per core (SQLite): {wh['rps_per_core']:,}")  # fmt: skip
    for ingest, drain in (("webhooks", "drain"), ("webhooks-pg", "drain-pg")):
        if (i := by.get(ingest)) and (d := by.get(drain)):
            check(d["rps"] >= i["rps"],
                  f"{LABELS[drain]} >= ingest: {d['rps']:,}/s vs {i['rps']:,}/s "
                  f"({d['rps'] / max(i['rps'], 1):.2f}x)")  # fmt: skip
        elif d := by.get(drain):
            check(d["rps"] >= d.get("ingest_per_s", 0),
                  f"{LABELS[drain]} >= raw outbox writes: {d['rps']:,}/s vs "
                  f"{d.get('ingest_per_s', 0):,}/s")  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", default=",".join(ALL_SCENARIOS))
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--webhook-rate", type=float, default=4000, help="events generated per second of run"
    )
    parser.add_argument("--drain-events", type=int, default=20000,
                        help="deliveries queued for the drain scenarios")  # fmt: skip
    parser.add_argument("--slow-in-flight", type=int, default=2000,
                        help="requests in flight in the slow scenario")  # fmt: skip
    parser.add_argument("--slow-light-in-flight", type=int, default=300,
                        help="requests in flight in the slow-light scenario")  # fmt: skip
    parser.add_argument("--slow-median-ms", type=float, default=300)
    parser.add_argument("--slow-p99-ms", type=float, default=1500)
    parser.add_argument("--postgres", default=os.environ.get("CS_TEST_POSTGRES", DEFAULT_PG))
    parser.add_argument("--soak", type=float, default=0, help="memory soak, seconds (only)")
    parser.add_argument("--profile", nargs="?", const="rest", choices=("rest", "grpc", "slow"),
                        help="py-spy the REST (default) or gRPC path, or the slow-gateway "
                        "scenario at --slow-in-flight (only)")  # fmt: skip
    parser.add_argument("--no-install", action="store_true", help="never install tools")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--extra-config",
        default="",
        help="TOML appended to the service's configuration "
        "(for experiments; \\n for newlines), e.g. '[breaker]\\nenabled = false'",
    )
    parser.add_argument("--out", default=None, help="results JSON path")
    args = parser.parse_args()
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(ALL_SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.soak or args.profile:
        scenarios = ["rest"]
    check_tools(scenarios, not args.no_install, args.profile)
    os.chdir(ROOT)

    bench = Bench(args)
    started = dt.datetime.now()
    conditions = {
        "started": started.isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "loadavg_start": Path("/proc/loadavg").read_text().strip(),
        "python": sys.version.split()[0],
        "connector": bench.connector,
        "duration_s": args.duration,
        "reps": args.reps,
        "connections": args.connections,
        "pinning": "taskset available" if shutil.which("taskset") else "no taskset: unpinned",
    }
    results: dict[str, Any] = {"conditions": conditions, "notes": bench.notes}
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    try:
        bench.start_mock()
        if args.profile:
            print(bench.profile(args.profile))
            return 0
        if args.soak:
            results["soak"] = bench.soak(args.soak)
            print(json.dumps(results["soak"], indent=2))
        else:
            for name in scenarios:
                log(f"scenario {name}")
                outcome: list[Run] | str
                try:
                    outcome = run_scenario(bench, name)
                except Exception as exc:
                    outcome = f"failed: {type(exc).__name__}: {exc}"
                if isinstance(outcome, str):
                    skipped[name] = outcome
                    log(f"{name}: {outcome}")
                else:
                    rows.append(summarise(name, outcome))
    finally:
        bench.close()
    conditions["loadavg_end"] = Path("/proc/loadavg").read_text().strip()
    results.update(rows=rows, skipped=skipped, ratios=ratios(rows), goals=goals(rows))
    if rows:
        print()
        print(table(rows, skipped))
        print()
        for k, v in results["ratios"].items():
            print(f"{k}: {v}")
        for line in results["goals"]:
            print(line)
        for note in bench.notes:
            print(f"note: {note}")
        print(
            f"conditions: {conditions['cpus']} CPUs ({conditions['cpu_model']}), load "
            f"{conditions['loadavg_start'].split()[0]} -> {conditions['loadavg_end'].split()[0]}"
            f", {args.reps} runs of {args.duration:g}s each, median shown, "
            f"{args.connections} connections, connector {bench.connector}"
        )
    out = Path(args.out) if args.out else BENCH / "results" / f"{started:%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}")
    return 0


def _metric_total(url: str, name: str) -> float:
    """The sum of a metric's samples on the service's /metrics (0 when absent)."""
    req = urllib.request.Request(url + "/metrics", headers={"Authorization": f"Bearer {API_KEY}"})
    try:
        text = urllib.request.urlopen(req, timeout=10).read().decode()
    except urllib.error.URLError:
        return float("nan")
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def run_scenario(bench: Bench, name: str) -> list[Run] | str:
    if name == "nginx":
        if shutil.which("nginx") is None:
            return "nginx is not installed"
        return bench.nginx()
    if name == "aiohttp":
        return bench.direct("aiohttp")
    if name == "stripe-sdk":
        return bench.direct("stripe")
    if name == "library":
        return bench.direct("library")
    if name == "rest":
        return bench.rest("rest")
    if name == "rest-2w":
        return bench.rest("rest-2w", workers=2)
    if name == "rest-idem":
        return bench.rest("rest-idem", idempotency=True)
    if name == "grpc":
        return bench.grpc()
    if name == "grpc-floor":
        return bench.grpc(floor=True)
    if name == "rest-floor":
        return bench.rest("rest-floor", floor=True)
    if name == "slow":
        return bench.slow("slow", bench.args.slow_in_flight)
    if name == "slow-light":
        return bench.slow("slow-light", bench.args.slow_light_in_flight)
    if name == "webhooks":
        return bench.webhooks(None, "webhooks")
    if name == "webhooks-pg":
        reason = _postgres_problem(bench.args.postgres)
        if reason:
            return f"PostgreSQL not reachable ({reason})"
        return bench.webhooks(bench.args.postgres, "webhooks-pg")
    if name in ("drain", "drain-pg"):
        dsn = None
        if name == "drain-pg":
            dsn = bench.args.postgres
            if reason := _postgres_problem(dsn):
                return f"PostgreSQL not reachable ({reason})"
        return [drain_run(bench.args.drain_events, dsn) for _ in range(bench.args.reps)]
    raise ValueError(name)


def drain_run(events: int, dsn: str | None) -> Run:
    """One drain of ``events`` queued deliveries, in a process pinned to the service core."""
    cmd = [*pinned(SERVICE_CORE), PY, str(BENCH / "webhook_drain.py"), "--events", str(events),
           "--json", *(["--postgres", dsn] if dsn else [])]  # fmt: skip
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(
        requests=out["delivered"],
        seconds=out["drain_seconds"],
        cpu_seconds=out["drain_cpu_seconds"],
        p50_ms=None,
        p99_ms=None,
        errors=out["events"] - out["delivered"] + out["pending_after"],
        extra={"ingest_per_s": out["ingest_per_s"]},
    )


def _postgres_problem(dsn: str) -> str | None:
    import asyncio

    try:
        import asyncpg
    except ImportError:
        return "asyncpg is not installed"

    async def probe() -> None:
        conn = await asyncpg.connect(dsn, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
