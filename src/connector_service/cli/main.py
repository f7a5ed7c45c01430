"""``connector-service``: serve, list connectors, check a config, run the demo.

Everything has embedded defaults: with no configuration, ``serve`` starts on
127.0.0.1:8080 with the sandbox account and SQLite under the working directory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connector_service.cli.startup import port_in_use, shown_url, storage_unreachable
from connector_service.config import WARNINGS_LOGGED_ENV, Config, ConfigError, load_config


def _serve(args: argparse.Namespace) -> int:
    import logging

    from connector_service.observability.logging import configure_logging

    # Before anything can log: every line from here on is JSON, start-up failures too
    # (one line each, naming the cause; no traceback).
    configure_logging("info")
    log = logging.getLogger("connector_service")
    if args.config:
        os.environ["CS_CONFIG"] = args.config
    for flag, env in (("host", "CS_HOST"), ("port", "CS_PORT"), ("storage", "CS_STORAGE_URL"),
                      ("workers", "CS_WORKERS"), ("grpc_port", "CS_GRPC_PORT")):  # fmt: skip
        value = getattr(args, flag)
        if value is not None:
            os.environ[env] = str(value)
    if args.no_grpc:
        os.environ["CS_GRPC_ENABLED"] = "0"
    try:
        config = load_config()
    except ConfigError as exc:
        log.error(
            "cannot start: %d configuration problem(s): %s (run `connector-service config "
            "check` for the list)",
            len(exc.problems),
            "; ".join(exc.problems),
        )
        return 2
    configure_logging(config.server.log_level)
    for warning in config.warnings:
        log.warning(warning)
    # The workers' runtimes would log the same warnings again (once per worker).
    os.environ[WARNINGS_LOGGED_ENV] = "1"
    if not config.callers:
        log.warning(
            "no caller API keys configured: listening on 127.0.0.1 only, "
            "every request is accepted as the local caller"
        )
    problem = _startup_problem(config)
    if problem:
        log.error("cannot start: %s", problem)
        return 2
    grpc_note = f", gRPC on {config.server.host}:{config.grpc.port}" if config.grpc.enabled else ""
    log.info(
        "connector-service listening on http://%s:%s%s (storage %s, accounts: %s)",
        config.server.host,
        config.server.port,
        grpc_note,
        shown_url(config.storage.url),
        ", ".join(config.accounts) or "none",
    )
    _prepare_metrics_dir(config.server.workers)
    # Read by every worker's HTTP protocol (server/http_protocol.py), validated above.
    os.environ["CS_MAX_HEADER_BYTES"] = str(config.server.max_header_bytes)
    os.environ["CS_HEADER_TIMEOUT_SECONDS"] = repr(config.server.header_timeout_seconds)
    # The factory adds the gRPC server (when enabled) to every worker's REST app, on the
    # worker's own runtime: see _check_grpc_port for why each worker binds the port.
    import uvicorn

    from connector_service.cli import workers

    app = "connector_service.server.grpc_server:create_app_from_env"
    options: dict[str, Any] = dict(
        factory=True,
        log_config=None,
        access_log=False,
        server_header=False,
        loop="uvloop" if _has("uvloop") else "asyncio",
        # httptools with the header size and time limits; h11 (no httptools on this
        # platform) enforces the size only, answering 400 rather than 431.
        http="connector_service.server.http_protocol:GuardedHttpToolsProtocol"
        if _has("httptools")
        else "h11",
        h11_max_incomplete_event_size=config.server.max_header_bytes,
    )
    if config.server.workers > 1 and workers.supported():
        # One SO_REUSEPORT socket per worker (cli/workers.py explains why).
        return workers.serve(
            config.server.workers, config.server.host, config.server.port, app, options
        )
    uvicorn.run(
        app,
        host=config.server.host,
        port=config.server.port,
        workers=config.server.workers,
        **options,
    )
    return 0


def _prepare_metrics_dir(workers: int) -> None:
    """With several workers, ``/metrics`` must add up all of them: prometheus_client's
    multiprocess mode, where each worker writes its samples under PROMETHEUS_MULTIPROC_DIR
    (see observability/metrics.py). A directory given by the operator is emptied of an
    earlier run's samples; otherwise a temporary one is made for N > 1 and removed at exit.
    Set here, before uvicorn spawns the workers, which import prometheus_client afresh."""
    import atexit
    import shutil
    import tempfile

    env = "PROMETHEUS_MULTIPROC_DIR"
    path = os.environ.get(env)
    if path:
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            if name.endswith(".db"):
                os.remove(os.path.join(path, name))
        return
    if workers > 1:
        path = tempfile.mkdtemp(prefix="connector-service-metrics-")
        os.environ[env] = path
        atexit.register(shutil.rmtree, path, True)


def _startup_problem(config: Config) -> str | None:
    """Why the service cannot start, as one line: the REST port, the storage (migrated
    here, once, before the workers start), then the gRPC port."""
    import asyncio

    from connector_service.storage import open_storage

    problem = port_in_use(config.server.host, config.server.port)
    if problem:
        return problem
    url = config.storage.url

    async def migrate() -> None:
        storage = open_storage(url)
        await storage.open()
        await storage.close()

    try:
        asyncio.run(migrate())
    except Exception as exc:  # a driver's error, whatever its class: named, not dumped
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"storage {shown_url(url)}: {type(exc).__name__}: {reason}".rstrip(": ")
    if config.grpc.enabled:
        grpc_problem = _check_grpc_port(config)
        if grpc_problem:
            return f"grpc: {grpc_problem}"
    return None


def _check_grpc_port(config: Config) -> str | None:
    """Why the gRPC port cannot be used, or None.

    Every uvicorn worker runs its own gRPC server on the shared port with SO_REUSEPORT
    (the kernel spreads connections over the workers, each serving with its own runtime,
    exactly like REST). SO_REUSEPORT would also let the port be shared silently with
    another service of the same user, so the parent first binds it plainly: a port in
    use fails here with a clear message instead of splitting traffic."""
    import socket

    host, port = config.server.host, config.grpc.port
    if port == config.server.port:
        return f"the gRPC port {port} is the REST port; choose another (--grpc-port)"
    if port == 0 and config.server.workers > 1:
        return "port 0 (any free port) would give every worker a different port"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return f"cannot listen on {host}:{port} ({exc.strerror}); use --grpc-port or --no-grpc"
    return None


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _connectors(args: argparse.Namespace) -> int:
    from connector_service.cli.table import connector_rows, render_markdown, render_text

    rows = connector_rows()
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    elif args.format == "markdown":
        print(render_markdown(rows))
    else:
        print(render_text(rows))
    return 0


def _config_check(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.file, strict=False)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem}")
        return 1
    problems = list(config.problems)
    if args.connect and not any(p.startswith("storage.url:") for p in problems):
        unreachable = storage_unreachable(config.storage.url)
        if unreachable:
            problems.append(unreachable)
    for problem in problems:
        print(f"error: {problem}")
    for warning in config.warnings:
        print(f"warning: {warning}")
    if problems:
        print(f"{len(problems)} problem(s) found")
        return 1
    print(f"ok: {len(config.accounts)} account(s), {len(config.callers)} caller(s)")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from connector_service.cli.demo import run_demo

    return run_demo(args.url, args.api_key, args.account)


def _openapi(args: argparse.Namespace) -> int:
    from connector_service.server.openapi import openapi_json

    sys.stdout.write(openapi_json().decode())
    return 0


def _hash_key(args: argparse.Namespace) -> int:
    """The key comes from standard input: on the command line it would stay in the shell's
    history and be visible to every user in the process list."""
    from connector_service.config import hash_key

    if args.key is not None:
        print(
            "error: hash-key reads the key from standard input, not from an argument "
            "(shell history and the process list would keep it): "
            'printf %s "$KEY" | connector-service hash-key',
            file=sys.stderr,
        )
        return 2
    if sys.stdin.isatty():
        import getpass

        key = getpass.getpass("API key: ")
    else:
        key = sys.stdin.read().rstrip("\r\n")
    if not key:
        print("error: no key on standard input", file=sys.stderr)
        return 2
    print(hash_key(key))
    return 0


def _new_connector(args: argparse.Namespace) -> int:
    from connector_service.scaffold import ScaffoldError, plan, write

    try:
        written = write(plan(args.name, Path(args.dir), package=args.package))
    except ScaffoldError as exc:
        print(f"new-connector: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    print(f"next: docs/adding-a-connector.md (run the conformance suite with --connector "
          f"{args.name})", file=sys.stderr)  # fmt: skip
    return 0


def package_version() -> str:
    """The installed distribution's version (what pip and a bug report see), falling back
    to the source tree's ``__version__`` when run from an uninstalled checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("connector-service")
    except PackageNotFoundError:
        from connector_service import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="connector-service",
        description="Connector Service: serve the payments API, list connectors, check a "
        "configuration, run the demo, operate webhooks. With no configuration, serve starts "
        "on 127.0.0.1:8080 with the sandbox account and SQLite in the working directory.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the REST and gRPC service")
    serve.add_argument("--config", help="TOML configuration file (or CS_CONFIG)")
    serve.add_argument(
        "--host", help="address to listen on (default 127.0.0.1, or CS_HOST / server.host)"
    )
    serve.add_argument(
        "--port", type=int, help="REST port (default 8080, or CS_PORT / server.port)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes sharing the ports (default 1, or CS_WORKERS / server.workers)",
    )
    serve.add_argument(
        "--storage", help="storage URL: sqlite:///file.db, postgresql://…, memory://"
    )
    serve.add_argument("--grpc-port", type=int, help="gRPC port (default 50051, or CS_GRPC_PORT)")
    serve.add_argument(
        "--no-grpc", action="store_true", help="REST only: do not start the gRPC server"
    )
    serve.set_defaults(func=_serve)

    conn = sub.add_parser("connectors", help="list connectors and their capabilities")
    conn.add_argument(
        "--format",
        choices=["text", "json", "markdown"],
        default="text",
        help="output format (default: text)",
    )
    conn.set_defaults(func=_connectors)

    cfg = sub.add_parser("config", help="configuration tools")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    check = cfg_sub.add_parser("check", help="validate a configuration file, naming every problem")
    check.add_argument("file", nargs="?", help="the file (default: CS_CONFIG)")
    check.add_argument(
        "--connect",
        action="store_true",
        help="also try to reach the storage (without creating or migrating anything)",
    )
    check.set_defaults(func=_config_check)

    demo = sub.add_parser("demo", help="drive a sandbox payment through a running service")
    demo.add_argument(
        "--url",
        default=os.environ.get("CS_URL", "http://127.0.0.1:8080"),
        help="base URL of the running service (default: CS_URL or http://127.0.0.1:8080)",
    )
    demo.add_argument(
        "--api-key",
        default=os.environ.get("CS_API_KEY"),
        help="caller API key, if the service has callers (default: CS_API_KEY)",
    )
    demo.add_argument(
        "--account", default="sandbox", help="account to pay through (default: sandbox)"
    )
    demo.set_defaults(func=_demo)

    oa = sub.add_parser("openapi", help="print the OpenAPI document")
    oa.set_defaults(func=_openapi)

    hk = sub.add_parser(
        "hash-key",
        help="print the SHA-256 to put in callers[].key_sha256 (the key is read from stdin)",
    )
    hk.add_argument(
        "key", nargs="?", help="refused: give the key on standard input, not as an argument"
    )
    hk.set_defaults(func=_hash_key)

    nc = sub.add_parser("new-connector", help="generate a connector, its fake, profile and tests")
    nc.add_argument("name", help="the connector's name: [a-z][a-z0-9_]{1,31}, not a built-in")
    nc.add_argument("--dir", default=".", help="where to write (default: the current directory)")
    nc.add_argument(
        "--package", action="store_true", help="an installable plug-in package (plugin-NAME/)"
    )
    nc.set_defaults(func=_new_connector)

    from connector_service.cli.webhooks import register as register_webhooks

    register_webhooks(sub)  # migrate, webhooks …
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left early (`connector-service connectors | head -1`): not an error
        # worth a traceback. Python would flush stdout again at exit and fail once more, so
        # point it at /dev/null first (the recipe of the signal module's documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # what a shell reports for a process ended by SIGPIPE
    return result


if __name__ == "__main__":
    raise SystemExit(main())
