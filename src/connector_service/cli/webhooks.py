"""``connector-service migrate`` and ``connector-service webhooks …``: the operators' tools.

They work on the storage directly (the configuration's, or ``--storage``), so they need
no running server; a running server picks replayed deliveries up within its poll
interval.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec

from connector_service.cli.startup import missing_sqlite
from connector_service.config import Config, ConfigError, load_config
from connector_service.storage import open_storage
from connector_service.storage.factory import open_outbox
from connector_service.storage.keyset import BadCursor
from connector_service.storage.outbox import DeliveryStatus
from connector_service.webhooks.admin import UnknownEndpoint, WebhookAdmin
from connector_service.webhooks.signing import new_secret


def _config(args: argparse.Namespace) -> Config:
    if args.config:
        os.environ["CS_CONFIG"] = args.config
    if getattr(args, "storage", None):
        os.environ["CS_STORAGE_URL"] = args.storage
    return load_config()


def _run(args: argparse.Namespace, work: Callable[[WebhookAdmin], Awaitable[int]]) -> int:
    try:
        config = _config(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"config: {problem}", file=sys.stderr)
        return 2
    # These commands read or replay what a service stored: opening a SQLite file that is
    # not there would create an empty database and show nothing, silently.
    missing = missing_sqlite(config.storage.url)
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2

    async def main() -> int:
        storage = open_storage(config.storage.url)
        await storage.open()
        try:
            return await work(WebhookAdmin(open_outbox(storage), config.webhook_endpoints))
        except BadCursor:
            print("error: --cursor is not a cursor this list printed", file=sys.stderr)
            return 2
        finally:
            await storage.close()

    return asyncio.run(main())


def _print_json(value: Any) -> None:
    print(json.dumps(msgspec.to_builtins(value), indent=2))


def _print_page(rows: Sequence[Any], following: str | None) -> None:
    """A page in the REST list's shape, so scripts page the same way over both."""
    page = {"object": "list", "data": rows, "has_more": following is not None,
            "next_cursor": following}  # fmt: skip
    _print_json(page)


def _more(following: str | None) -> None:
    """Under a table: how to ask for the next page (on stderr, so stdout stays the table)."""
    if following is not None:
        print(f"more: add --cursor {following}", file=sys.stderr)


def _table(rows: Sequence[Sequence[Any]], head: Sequence[str]) -> None:
    cells = [[str(c) if c is not None else "-" for c in row] for row in [head, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


# ------------------------------------------------------------------------ commands


def _migrate(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"config: {problem}", file=sys.stderr)
        return 2

    async def main() -> None:
        storage = open_storage(config.storage.url)
        await storage.open()  # runs whatever migrations are missing
        await storage.close()

    asyncio.run(main())
    print(f"ok: storage {config.storage.url.split('@')[-1]} is migrated")
    return 0


def _events(args: argparse.Namespace) -> int:
    async def work(admin: WebhookAdmin) -> int:
        rows, following = await admin.list_events(
            connector=args.connector, account=args.account, type=args.type,
            cursor=args.cursor, limit=args.limit,
        )  # fmt: skip
        if args.json:
            _print_page(rows, following)
        else:
            _table(
                [(r.id, r.type, r.connector, r.account, r.connector_event_id, r.received_at)
                 for r in rows],
                ("id", "type", "connector", "account", "gateway event", "received"),
            )  # fmt: skip
            _more(following)
        return 0

    return _run(args, work)


def _event(args: argparse.Namespace) -> int:
    async def work(admin: WebhookAdmin) -> int:
        detail = await admin.event(args.id)
        if detail is None:
            print(f"no event {args.id}", file=sys.stderr)
            return 1
        _print_json(detail)
        return 0

    return _run(args, work)


def _deliveries(args: argparse.Namespace) -> int:
    async def work(admin: WebhookAdmin) -> int:
        rows, following = await admin.list_deliveries(
            event_id=args.event, endpoint=args.endpoint, status=args.status,
            cursor=args.cursor, limit=args.limit,
        )  # fmt: skip
        if args.json:
            _print_page(rows, following)
        else:
            _table(
                [(r.event_id, r.endpoint, r.status, r.attempts, r.last_status_code,
                  r.last_error, r.next_attempt_at or r.delivered_at) for r in rows],
                ("event", "endpoint", "status", "attempts", "last status", "last error",
                 "next / delivered"),
            )  # fmt: skip
            _more(following)
        return 0

    return _run(args, work)


def _replay(args: argparse.Namespace) -> int:
    async def work(admin: WebhookAdmin) -> int:
        try:
            queued = await admin.replay_event(args.id, args.endpoint)
        except UnknownEndpoint:
            print(f"no endpoint {args.endpoint!r} is configured", file=sys.stderr)
            return 1
        if queued is None:
            print(f"no event {args.id}", file=sys.stderr)
            return 1
        print(f"queued {queued} deliver{'y' if queued == 1 else 'ies'} of {args.id}")
        return 0

    return _run(args, work)


def _replay_failed(args: argparse.Namespace) -> int:
    async def work(admin: WebhookAdmin) -> int:
        try:
            queued = await admin.replay_failed(args.endpoint)
        except UnknownEndpoint:
            print(f"no endpoint {args.endpoint!r} is configured", file=sys.stderr)
            return 1
        print(f"queued {queued} failed deliver{'y' if queued == 1 else 'ies'} to {args.endpoint}")
        return 0

    return _run(args, work)


def _endpoints(args: argparse.Namespace) -> int:
    async def work(admin: WebhookAdmin) -> int:
        rows = await admin.list_endpoints()
        if args.json:
            _print_json(rows)
        else:
            _table(
                [(r.id, r.url, ",".join(r.event_types), r.pending, r.failed,
                  f"disabled ({r.disabled_reason})" if r.disabled else "enabled") for r in rows],
                ("endpoint", "url", "events", "pending", "failed", "state"),
            )  # fmt: skip
        return 0

    return _run(args, work)


def _enable(args: argparse.Namespace) -> int:
    async def work(admin: WebhookAdmin) -> int:
        try:
            was = await admin.enable(args.endpoint)
        except UnknownEndpoint:
            print(f"no endpoint {args.endpoint!r} is configured", file=sys.stderr)
            return 1
        print(f"{args.endpoint}: {'enabled' if was else 'was not disabled'}")
        return 0

    return _run(args, work)


def _new_secret(args: argparse.Namespace) -> int:
    print(new_secret())
    return 0


# ------------------------------------------------------------------------ registration

LIMIT_HELP = "at most this many rows (default: 50)"
CURSOR_HELP = "the next page: the cursor the previous page printed (next_cursor)"
JSON_HELP = "print JSON instead of a table"


def register(sub: Any) -> None:
    """Add ``migrate`` and ``webhooks`` to the ``connector-service`` parser."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", help="TOML configuration file (or CS_CONFIG)")
        p.add_argument("--storage", help="storage URL (default: the configuration's)")

    mig = sub.add_parser("migrate", help="run the storage schema migrations and exit")
    common(mig)
    mig.set_defaults(func=_migrate)

    wh = sub.add_parser("webhooks", help="webhook events, deliveries, replays, endpoints")
    wsub = wh.add_subparsers(dest="webhooks_command", required=True)

    p = wsub.add_parser("events", help="list received events, newest first")
    common(p)
    p.add_argument("--type", help="only events of this type, e.g. payment.succeeded")
    p.add_argument("--connector", help="only events from this connector, e.g. stripe")
    p.add_argument("--account", help="only events of this account")
    p.add_argument("--limit", type=int, default=50, help=LIMIT_HELP)
    p.add_argument("--cursor", help=CURSOR_HELP)
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=_events)

    p = wsub.add_parser("event", help="show one event, its deliveries and every attempt")
    common(p)
    p.add_argument("id", help="the event id (evt_…)")
    p.set_defaults(func=_event)

    p = wsub.add_parser("deliveries", help="list deliveries, newest first")
    common(p)
    p.add_argument("--endpoint", help="only deliveries to this endpoint id")
    p.add_argument("--event", help="only deliveries of this event id")
    p.add_argument(
        "--status", choices=[s.value for s in DeliveryStatus], help="only deliveries in this state"
    )
    p.add_argument("--limit", type=int, default=50, help=LIMIT_HELP)
    p.add_argument("--cursor", help=CURSOR_HELP)
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=_deliveries)

    p = wsub.add_parser("replay", help="deliver one event again")
    common(p)
    p.add_argument("id", help="the event id (evt_…)")
    p.add_argument("--endpoint", help="only to this endpoint (default: every one it is for)")
    p.set_defaults(func=_replay)

    p = wsub.add_parser("replay-failed", help="deliver every failed delivery of an endpoint again")
    common(p)
    p.add_argument("endpoint", help="the endpoint id")
    p.set_defaults(func=_replay_failed)

    p = wsub.add_parser("endpoints", help="list endpoints with their backlog and state")
    common(p)
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=_endpoints)

    p = wsub.add_parser("enable", help="re-enable an endpoint disabled by a 410 answer")
    common(p)
    p.add_argument("endpoint", help="the endpoint id")
    p.set_defaults(func=_enable)

    p = wsub.add_parser("new-secret", help="print a fresh whsec_… signing secret")
    p.set_defaults(func=_new_secret)
