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

from connector_service.config import ConfigError, load_config


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from connector_service.observability.logging import configure_logging

    if args.config:
        os.environ["CS_CONFIG"] = args.config
    for flag, env in (("host", "CS_HOST"), ("port", "CS_PORT"), ("storage", "CS_STORAGE_URL"),
                      ("workers", "CS_WORKERS")):  # fmt: skip
        value = getattr(args, flag)
        if value is not None:
            os.environ[env] = str(value)
    try:
        config = load_config()
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"config: {problem}", file=sys.stderr)
        return 2
    configure_logging(config.server.log_level)
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not config.callers:
        print(
            "warning: no caller API keys configured: listening on 127.0.0.1 only, "
            "every request is accepted as the local caller",
            file=sys.stderr,
        )
    # Validate storage and run migrations once before the workers start.
    import asyncio

    from connector_service.storage import open_storage

    async def migrate() -> None:
        storage = open_storage(config.storage.url)
        await storage.open()
        await storage.close()

    asyncio.run(migrate())
    print(
        f"connector-service listening on http://{config.server.host}:{config.server.port} "
        f"(storage {config.storage.url.split('@')[-1]}, accounts: "
        f"{', '.join(config.accounts) or 'none'})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        "connector_service.server.app:create_app_from_env",
        factory=True,
        host=config.server.host,
        port=config.server.port,
        workers=config.server.workers,
        log_config=None,
        access_log=False,
        server_header=False,
        loop="uvloop" if _has("uvloop") else "asyncio",
        http="httptools" if _has("httptools") else "h11",
    )
    return 0


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
    for problem in config.problems:
        print(f"error: {problem}")
    for warning in config.warnings:
        print(f"warning: {warning}")
    if config.problems:
        print(f"{len(config.problems)} problem(s) found")
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
    from connector_service.config import hash_key

    print(hash_key(args.key))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connector-service", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the REST service")
    serve.add_argument("--config", help="TOML configuration file (or CS_CONFIG)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument(
        "--storage", help="storage URL: sqlite:///file.db, postgresql://…, memory://"
    )
    serve.set_defaults(func=_serve)

    conn = sub.add_parser("connectors", help="list connectors and their capabilities")
    conn.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    conn.set_defaults(func=_connectors)

    cfg = sub.add_parser("config", help="configuration tools")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    check = cfg_sub.add_parser("check", help="validate a configuration file, naming every problem")
    check.add_argument("file", nargs="?", help="the file (default: CS_CONFIG)")
    check.set_defaults(func=_config_check)

    demo = sub.add_parser("demo", help="drive a sandbox payment through a running service")
    demo.add_argument("--url", default=os.environ.get("CS_URL", "http://127.0.0.1:8080"))
    demo.add_argument("--api-key", default=os.environ.get("CS_API_KEY"))
    demo.add_argument("--account", default="sandbox")
    demo.set_defaults(func=_demo)

    oa = sub.add_parser("openapi", help="print the OpenAPI document")
    oa.set_defaults(func=_openapi)

    hk = sub.add_parser("hash-key", help="print the SHA-256 to put in callers[].key_sha256")
    hk.add_argument("key")
    hk.set_defaults(func=_hash_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
