"""Configuration: a TOML file plus environment variables.

Secrets never need to live in the file: a credential is ``{ env = "NAME" }`` or
``{ file = "/run/secrets/name" }``. A literal string is accepted for local development
and reported by ``connector-service config check``.

Environment overrides: ``CS_CONFIG`` (path of the file), ``CS_HOST``, ``CS_PORT``,
``CS_STORAGE_URL``, ``CS_PUBLIC_URL``, ``CS_ID_KEY``, ``CS_WORKERS``, ``CS_GRPC_PORT``,
``CS_GRPC_ENABLED``.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from connector_service.config_schema import collect, storage_url_problem, usable
from connector_service.domain.secret import Secret

LOOPBACK = ("127.0.0.1", "::1", "localhost")
DEV_ID_KEY = "connector-service-development-id-key"
# Set by ``serve`` once it has logged the configuration's warnings, so the workers'
# runtimes (which load the same configuration) do not log them again.
WARNINGS_LOGGED_ENV = "CS_CONFIG_WARNINGS_LOGGED"


class SecretSource(msgspec.Struct, forbid_unknown_fields=True):
    env: str | None = None
    file: str | None = None


CredentialValue = str | SecretSource


class FeeModel(msgspec.Struct, forbid_unknown_fields=True):
    percent: Annotated[float, Meta(ge=0, le=100)] = 0.0
    fixed: Annotated[int, Meta(ge=0)] = 0  # minor units of the payment's currency


class AccountConfig(msgspec.Struct, forbid_unknown_fields=True):
    id: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$(?!\n)")]
    connector: str
    credentials: dict[str, CredentialValue] = {}
    options: dict[str, str] = {}
    base_url: str | None = None
    mode: Literal["test", "live"] = "test"
    timeout_seconds: Annotated[float, Meta(gt=0, le=300)] = 30.0
    connect_timeout_seconds: Annotated[float, Meta(gt=0, le=60)] = 5.0
    # Per-currency fee model for lowest-cost routing; "*" applies to other currencies.
    fees: dict[str, FeeModel] = {}


class RuleMatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Every condition given must hold; a condition left out matches anything."""

    currency: list[str] | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    country: list[str] | None = None  # billing country
    payment_method: list[str] | None = None  # the payment_method.type names
    card_brand: list[str] | None = None
    bin_prefix: list[str] | None = None
    bin_range: list[tuple[str, str]] | None = None  # inclusive, compared on equal lengths
    metadata: dict[str, str] | None = None


class Rule(msgspec.Struct, forbid_unknown_fields=True):
    accounts: Annotated[list[str], Meta(min_length=1)]
    name: str | None = None
    match: RuleMatch = msgspec.field(default_factory=RuleMatch)
    strategy: Literal["priority", "weighted", "lowest_cost"] = "priority"
    weights: dict[str, Annotated[int, Meta(ge=0)]] = {}
    cascade_on_soft_decline: bool = False


class Profile(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    rules: list[Rule]


class RoutingConfig(msgspec.Struct, forbid_unknown_fields=True):
    default_profile: str | None = None
    profiles: list[Profile] = []


class BreakerConfig(msgspec.Struct, forbid_unknown_fields=True):
    """Per-account circuit breaker: open after ``consecutive_failures`` in a row, or when
    at least ``min_calls`` calls in ``window_seconds`` fail at ``failure_rate`` or more;
    after ``cool_down_seconds`` one probe request is let through (half-open)."""

    enabled: bool = True
    consecutive_failures: Annotated[int, Meta(ge=1)] = 5
    failure_rate: Annotated[float, Meta(gt=0, le=1)] = 0.5
    min_calls: Annotated[int, Meta(ge=1)] = 20
    window_seconds: Annotated[float, Meta(gt=0)] = 60.0
    cool_down_seconds: Annotated[float, Meta(gt=0)] = 30.0
    # How long an instance trusts the state it last read or wrote before reading storage
    # again (0: every call reads). Above 0, a breaker another instance opened is seen
    # within this, and this instance's successes do not reset failures other instances
    # recorded meanwhile (their counts run ahead for up to this long): for one instance,
    # or where a read per call costs too much.
    shared_state_max_age_seconds: Annotated[float, Meta(ge=0, le=10)] = 0.0


class CallerConfig(msgspec.Struct, forbid_unknown_fields=True):
    """An API key allowed to use some accounts. Only the key's SHA-256 is stored."""

    id: Annotated[str, Meta(min_length=1, max_length=64)]
    key_sha256: Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$(?!\n)")]
    accounts: list[str] = msgspec.field(default_factory=lambda: ["*"])
    platform: bool = False  # may send per-request connector credentials
    admin: bool = False  # may use the operator endpoints under /v1/admin


class ServerConfig(msgspec.Struct, forbid_unknown_fields=True):
    host: str = "127.0.0.1"
    port: Annotated[int, Meta(ge=0, le=65535)] = 8080
    public_url: str | None = None
    workers: Annotated[int, Meta(ge=1, le=64)] = 1
    max_body_bytes: Annotated[int, Meta(ge=1024, le=10_000_000)] = 65536
    # Request line + headers; larger heads get 431 (server/http_protocol.py).
    max_header_bytes: Annotated[int, Meta(ge=1024, le=1_048_576)] = 32768
    # Time a request head may take to arrive, from its first byte; then 408.
    header_timeout_seconds: Annotated[float, Meta(gt=0, le=300)] = 10.0
    allow_request_credentials: bool = False
    id_key: CredentialValue | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # The cyclic garbage collector's thresholds in a serving process (gc.set_threshold).
    # Python's (700, 10, 10) made every in-flight request's objects be walked again and
    # again: at 300 slow payments in flight, 1.42 -> 0.94 ms CPU per request and 73 -> 4 ms
    # added latency (p50) with these (docs/performance.md). Reference counting frees
    # almost everything a request allocates; these only make cycle collection rarer.
    gc_thresholds: tuple[
        Annotated[int, Meta(ge=1)], Annotated[int, Meta(ge=1)], Annotated[int, Meta(ge=1)]
    ] = (20_000, 50, 1_000)


class IdempotencyConfig(msgspec.Struct, forbid_unknown_fields=True):
    ttl_seconds: Annotated[float, Meta(gt=0)] = 86400.0
    lease_seconds: Annotated[float, Meta(gt=0)] = 120.0
    # 0: a request arriving while the first with its key is in flight gets a 409 at once;
    # more: it waits (up to this long) for the first one's answer.
    wait_seconds: Annotated[float, Meta(ge=0, le=300)] = 0.0


class ReconcilerConfig(msgspec.Struct, forbid_unknown_fields=True):
    """The background sync of unresolved payments (see core/reconciler.py)."""

    enabled: bool = True
    interval_seconds: Annotated[float, Meta(gt=0)] = 5.0
    first_delay_seconds: Annotated[float, Meta(ge=0)] = 5.0


class GatewayPoolConfig(msgspec.Struct, forbid_unknown_fields=True):
    """The keep-alive connection pool to the gateways (executor/http.py).

    Why so large by default: a gateway answers in hundreds of milliseconds, so one worker
    with N payments in flight holds N connections; a cap below N makes payments wait for
    a connection (counted by ``cs_gateway_pool_queued_total``) and adds that wait to
    their latency. The cap per host is what protects a gateway (and the file-descriptor
    table) from a runaway caller."""

    max_connections: Annotated[int, Meta(ge=1, le=100_000)] = 8192
    max_connections_per_host: Annotated[int, Meta(ge=1, le=100_000)] = 4096


class StorageConfig(msgspec.Struct, forbid_unknown_fields=True):
    url: str = "sqlite:///./connector-service.db"


class TracingConfig(msgspec.Struct, forbid_unknown_fields=True):
    """``[tracing]``: OpenTelemetry spans per request and per gateway call (needs the
    ``otel`` extra). ``CS_TRACING=1`` / ``0`` overrides ``enabled``; the standard
    ``OTEL_EXPORTER_OTLP_*`` variables configure the exporter when ``endpoint`` is unset.
    See ``observability/tracing.py``."""

    enabled: bool = False
    exporter: Literal["otlp", "console"] = "otlp"
    protocol: Literal["http/protobuf", "grpc"] = "http/protobuf"
    endpoint: str | None = None  # e.g. http://127.0.0.1:4318 (http) or :4317 (grpc)
    service_name: str = "connector-service"
    sample_ratio: Annotated[float, Meta(ge=0, le=1)] = 1.0


class GrpcConfig(msgspec.Struct, forbid_unknown_fields=True):
    """``[grpc]``: the gRPC API beside REST. It listens on ``server.host``, so the
    loopback-only rule for a service without callers covers it too."""

    enabled: bool = True
    port: Annotated[int, Meta(ge=0, le=65535)] = 50051
    reflection: bool = True  # server reflection: grpcurl-style discovery of the services


# Delay before each retry of a webhook delivery (the first attempt is immediate): about
# three days in all, ±jitter. The Standard Webhooks / Svix schedule, extended.
DEFAULT_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0) + (36000.0,) * 6


class WebhooksConfig(msgspec.Struct, forbid_unknown_fields=True):
    """``[webhooks]``: how events are delivered to the client applications."""

    deliver: bool = True  # run the delivery worker in this process
    retry_schedule_seconds: list[Annotated[float, Meta(ge=0)]] = msgspec.field(
        default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE)
    )
    jitter: Annotated[float, Meta(ge=0, le=0.5)] = 0.1  # each delay is multiplied by 1±jitter
    timeout_seconds: Annotated[float, Meta(gt=0, le=120)] = 15.0  # whole attempt
    connect_timeout_seconds: Annotated[float, Meta(gt=0, le=60)] = 5.0
    lease_seconds: Annotated[float, Meta(gt=0, le=3600)] = 60.0  # > timeout_seconds
    poll_interval_seconds: Annotated[float, Meta(gt=0, le=60)] = 1.0
    batch_size: Annotated[int, Meta(ge=1, le=1000)] = 50
    concurrency: Annotated[int, Meta(ge=1, le=1000)] = 16
    max_body_bytes: Annotated[int, Meta(ge=1024, le=10_000_000)] = 1_048_576  # inbound
    # The sandbox gateway's own webhooks: through the receive pipeline in-process
    # ("direct"), POSTed to public_url + /v1/webhooks/sandbox/{account} ("http"), or none.
    sandbox_events: Literal["direct", "http", "off"] = "direct"


class SandboxConfig(msgspec.Struct, forbid_unknown_fields=True):
    """``[sandbox]``: how the built-in sandbox gateway behaves."""

    # How long a bank debit (SEPA, ACH, Bacs) stays ``processing`` before the sandbox's
    # bank clears or bounces it: long enough to watch the pending state, short for tests.
    debit_settle_seconds: Annotated[float, Meta(ge=0, le=3600)] = 1.0


class WebhookEndpointConfig(msgspec.Struct, forbid_unknown_fields=True):
    """``[[webhook_endpoints]]``: a client application receiving events."""

    id: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$(?!\n)")]
    url: str
    secret: CredentialValue  # whsec_… (Standard Webhooks)
    previous_secrets: list[CredentialValue] = []  # still signed with during a rotation
    event_types: list[str] = msgspec.field(default_factory=lambda: ["*"])
    accounts: list[str] = msgspec.field(default_factory=lambda: ["*"])


class RawConfig(msgspec.Struct, forbid_unknown_fields=True):
    server: ServerConfig = msgspec.field(default_factory=ServerConfig)
    storage: StorageConfig = msgspec.field(default_factory=StorageConfig)
    grpc: GrpcConfig = msgspec.field(default_factory=GrpcConfig)
    tracing: TracingConfig = msgspec.field(default_factory=TracingConfig)
    idempotency: IdempotencyConfig = msgspec.field(default_factory=IdempotencyConfig)
    routing: RoutingConfig = msgspec.field(default_factory=RoutingConfig)
    breaker: BreakerConfig = msgspec.field(default_factory=BreakerConfig)
    reconciler: ReconcilerConfig = msgspec.field(default_factory=ReconcilerConfig)
    gateway_pool: GatewayPoolConfig = msgspec.field(default_factory=GatewayPoolConfig)
    accounts: list[dict[str, Any]] = msgspec.field(
        default_factory=lambda: [{"id": "sandbox", "connector": "sandbox"}]
    )
    callers: list[dict[str, Any]] = []
    default_account: str | None = None
    webhooks: WebhooksConfig = msgspec.field(default_factory=WebhooksConfig)
    sandbox: SandboxConfig = msgspec.field(default_factory=SandboxConfig)
    webhook_endpoints: list[dict[str, Any]] = []


@dataclass
class Account:
    """A connector account with its secrets resolved."""

    id: str
    connector: str
    credentials: dict[str, Secret]
    options: dict[str, str]
    base_url: str | None
    mode: str
    timeout_seconds: float
    connect_timeout_seconds: float
    fees: dict[str, FeeModel] = field(default_factory=dict)


@dataclass
class Caller:
    id: str
    accounts: frozenset[str]  # "*" means every account
    platform: bool = False
    admin: bool = False

    def may_use(self, account: str) -> bool:
        return "*" in self.accounts or account in self.accounts

    @property
    def scope(self) -> frozenset[str] | None:
        """The accounts whose data the admin routes show this key (None: every account).
        ``"*"`` means every account, as everywhere; an admin key with an empty list also
        sees every account (operator keys list no accounts: ``accounts = []``), while a
        non-admin key with an empty list may use none, as before."""
        if "*" in self.accounts or (self.admin and not self.accounts):
            return None
        return self.accounts


@dataclass
class WebhookEndpoint:
    """A delivery endpoint with its secrets resolved (``secrets[0]`` is the current one)."""

    id: str
    url: str
    secrets: list[Secret]
    event_types: frozenset[str]  # "*", "payment.*" or exact types
    accounts: frozenset[str]  # "*" means every account

    def wants(self, account: str, event_type: str) -> bool:
        if "*" not in self.accounts and account not in self.accounts:
            return False
        kind = event_type.split(".", 1)[0]
        return bool({"*", event_type, f"{kind}.*"} & self.event_types)


@dataclass
class Config:
    server: ServerConfig
    storage: StorageConfig
    accounts: dict[str, Account]
    callers: dict[str, Caller]  # by key hash
    default_account: str | None
    id_key: bytes
    idempotency: IdempotencyConfig = field(default_factory=IdempotencyConfig)
    grpc: GrpcConfig = field(default_factory=GrpcConfig)
    tracing: TracingConfig = field(default_factory=TracingConfig)
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    breaker: BreakerConfig = field(default_factory=BreakerConfig)
    reconciler: ReconcilerConfig = field(default_factory=ReconcilerConfig)
    gateway_pool: GatewayPoolConfig = field(default_factory=GatewayPoolConfig)
    webhooks: WebhooksConfig = field(default_factory=WebhooksConfig)
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    webhook_endpoints: dict[str, WebhookEndpoint] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # non-fatal findings
    warnings: list[str] = field(default_factory=list)

    @property
    def public_url(self) -> str:
        if self.server.public_url:
            return self.server.public_url.rstrip("/")
        host = self.server.host
        if host in ("0.0.0.0", "::"):  # noqa: S104 - naming it, not binding it
            host = "127.0.0.1"
        return f"http://{host}:{self.server.port}"


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _resolve(
    value: CredentialValue, where: str, problems: list[str], warnings: list[str]
) -> Secret | None:
    if isinstance(value, str):
        warnings.append(f"{where}: a literal secret in the config file (use env or file)")
        return Secret(value)
    if value.env:
        env = os.environ.get(value.env)
        if env is None:
            problems.append(f"{where}: environment variable {value.env} is not set")
            return None
        return Secret(env)
    if value.file:
        try:
            return Secret(Path(value.file).read_text().strip())
        except OSError as exc:
            problems.append(f"{where}: cannot read {value.file} ({exc.strerror})")
            return None
    problems.append(f"{where}: give env or file")
    return None


def _env_int(section: msgspec.Struct, name: str, var: str, problems: list[str]) -> None:
    """Set ``section.name`` from the environment variable ``var``, checked against the
    field's own bounds (a bad value is a problem, never a traceback)."""
    raw = os.environ[var].strip()
    try:
        checked = msgspec.convert({name: int(raw)}, type(section))
    except ValueError:
        problems.append(f"{var}: expected an integer, got {raw!r}")
    except msgspec.ValidationError as exc:
        problems.append(f"{var}: {exc}")
    else:
        setattr(section, name, getattr(checked, name))


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    data: dict[str, Any] | None = None,
    connectors: dict[str, Any] | None = None,
    strict: bool = True,
) -> Config:
    """Load, resolve and check a configuration. With ``strict`` any problem raises
    :class:`ConfigError` listing all of them; otherwise they are returned in
    ``Config.problems`` (what ``config check`` prints)."""
    problems: list[str] = []
    warnings: list[str] = []
    if data is None:
        path = path or os.environ.get("CS_CONFIG")
        if path:
            try:
                data = tomllib.loads(Path(path).read_text())
            except OSError as exc:
                raise ConfigError([f"{path}: {exc.strerror}"]) from None
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError([f"{path}: invalid TOML: {exc}"]) from None
        else:
            data = {}
    # Every schema problem at once; the sections with one take their defaults, so the
    # checks below still run on the rest.
    raw = msgspec.convert(usable(data, RawConfig, problems), RawConfig)

    server, storage = raw.server, raw.storage
    env = os.environ
    if "CS_HOST" in env:
        server.host = env["CS_HOST"]
    for name, var in (("port", "CS_PORT"), ("workers", "CS_WORKERS")):
        if var in env:
            _env_int(server, name, var, problems)
    if "CS_PUBLIC_URL" in env:
        server.public_url = env["CS_PUBLIC_URL"]
    for name, var in (("max_header_bytes", "CS_MAX_HEADER_BYTES"),
                      ("header_timeout_seconds", "CS_HEADER_TIMEOUT_SECONDS")):  # fmt: skip
        if var in env:  # validated against the [server] field's own bounds
            try:
                checked = msgspec.convert(
                    {name: msgspec.json.decode(env[var].strip() or '""')}, ServerConfig
                )
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                problems.append(f"{var}: {exc}")
            else:
                setattr(server, name, getattr(checked, name))
    if "CS_STORAGE_URL" in env:
        storage.url = env["CS_STORAGE_URL"]
    if "CS_GRPC_PORT" in env:
        _env_int(raw.grpc, "port", "CS_GRPC_PORT", problems)
    url_problem = storage_url_problem(storage.url)
    if url_problem:
        problems.append(url_problem)
    if "CS_GRPC_ENABLED" in env:
        raw.grpc.enabled = env["CS_GRPC_ENABLED"].strip().lower() not in ("0", "false", "no", "off")

    if connectors is None:
        from connector_service.connectors.registry import load_connectors

        connectors = load_connectors()

    accounts: dict[str, Account] = {}
    for i, item in enumerate(raw.accounts):
        where = f"accounts[{i}]"
        try:
            acc = msgspec.convert(item, AccountConfig)
        except msgspec.ValidationError:
            collect(item, AccountConfig, where, problems)
            continue
        where = f"account {acc.id!r}"
        if acc.id in accounts:
            problems.append(f"{where}: duplicate account id")
            continue
        connector = connectors.get(acc.connector)
        if connector is None:
            problems.append(
                f"{where}: unknown connector {acc.connector!r} "
                f"(available: {', '.join(sorted(connectors))})"
            )
            continue
        meta = connector.meta
        creds: dict[str, Secret] = {}
        for name, value in acc.credentials.items():
            secret = _resolve(value, f"{where} credential {name!r}", problems, warnings)
            if secret is not None:
                creds[name] = secret
        known = {f.name for f in meta.credential_fields}
        for name in acc.credentials:
            if name not in known:
                problems.append(f"{where}: {meta.name} has no credential {name!r}")
        for f in meta.credential_fields:
            if f.required and f.name not in acc.credentials:
                problems.append(f"{where}: missing credential {f.name!r} ({f.description})")
        known_options = {f.name for f in meta.option_fields}
        for name in acc.options:
            if name not in known_options:
                problems.append(f"{where}: {meta.name} has no option {name!r}")
        for f in meta.option_fields:
            if f.required and f.name not in acc.options:
                problems.append(f"{where}: missing option {f.name!r} ({f.description})")
        accounts[acc.id] = Account(
            id=acc.id,
            connector=acc.connector,
            credentials=creds,
            options=dict(acc.options),
            base_url=acc.base_url,
            mode=acc.mode,
            timeout_seconds=acc.timeout_seconds,
            connect_timeout_seconds=acc.connect_timeout_seconds,
            fees=dict(acc.fees),
        )

    callers: dict[str, Caller] = {}
    for i, item in enumerate(raw.callers):
        try:
            c = msgspec.convert(item, CallerConfig)
        except msgspec.ValidationError:
            collect(item, CallerConfig, f"callers[{i}]", problems)
            continue
        for name in c.accounts:
            if name != "*" and name not in accounts:
                problems.append(f"caller {c.id!r}: unknown account {name!r}")
        if c.key_sha256 in callers:
            problems.append(f"caller {c.id!r}: the same key as caller {callers[c.key_sha256].id!r}")
        callers[c.key_sha256] = Caller(c.id, frozenset(c.accounts), c.platform, c.admin)

    profiles = {p.name for p in raw.routing.profiles}
    if len(profiles) != len(raw.routing.profiles):
        problems.append("routing: duplicate profile names")
    if raw.routing.default_profile and raw.routing.default_profile not in profiles:
        problems.append(f"routing.default_profile: unknown profile {raw.routing.default_profile!r}")
    for profile in raw.routing.profiles:
        for i, rule in enumerate(profile.rules):
            where = f"routing profile {profile.name!r} rule {rule.name or i}"
            for name in rule.accounts:
                if name not in accounts:
                    problems.append(f"{where}: unknown account {name!r}")
            for name in rule.weights:
                if name not in rule.accounts:
                    problems.append(f"{where}: weight for {name!r}, which the rule does not list")
            if rule.strategy == "weighted" and not any(rule.weights.values()):
                problems.append(f"{where}: weighted strategy needs weights")

    endpoints = _webhook_endpoints(raw, accounts, problems, warnings)

    if raw.default_account and raw.default_account not in accounts:
        problems.append(f"default_account: unknown account {raw.default_account!r}")

    id_key_value = env.get("CS_ID_KEY")
    if id_key_value is None and server.id_key is not None:
        secret = _resolve(server.id_key, "server.id_key", problems, warnings)
        id_key_value = secret.reveal() if secret else None
    if id_key_value is not None and not id_key_value.strip():
        problems.append("server.id_key: empty (CS_ID_KEY or server.id_key must hold a key)")
        id_key_value = None
    if id_key_value is None:
        id_key_value = DEV_ID_KEY
        if callers:
            warnings.append(
                "server.id_key is not set: ids are protected by the development key; "
                "set CS_ID_KEY (the same on every instance)"
            )

    if not callers and server.host not in LOOPBACK:
        warnings.append(
            f"no caller API keys are configured: binding to 127.0.0.1 instead of {server.host}"
        )
        server.host = "127.0.0.1"

    if problems and strict:
        raise ConfigError(problems)
    return Config(
        server=server,
        storage=storage,
        accounts=accounts,
        callers=callers,
        default_account=raw.default_account,
        id_key=id_key_value.encode(),
        idempotency=raw.idempotency,
        grpc=raw.grpc,
        tracing=raw.tracing,
        routing=raw.routing,
        breaker=raw.breaker,
        reconciler=raw.reconciler,
        gateway_pool=raw.gateway_pool,
        webhooks=raw.webhooks,
        sandbox=raw.sandbox,
        webhook_endpoints=endpoints,
        problems=problems,
        warnings=warnings,
    )


def _webhook_endpoints(
    raw: RawConfig, accounts: dict[str, Account], problems: list[str], warnings: list[str]
) -> dict[str, WebhookEndpoint]:
    """Resolve and check ``[[webhook_endpoints]]``: secrets must be Standard Webhooks
    ``whsec_`` secrets, filters must name real event types and accounts (a typo would
    otherwise silently drop events)."""
    from urllib.parse import urlsplit

    from connector_service.domain.flows import WebhookEventType
    from connector_service.webhooks.signing import InvalidSecret, decode_secret

    settings = raw.webhooks
    if settings.lease_seconds <= settings.timeout_seconds:
        problems.append("webhooks.lease_seconds must exceed webhooks.timeout_seconds")
    types = {t.value for t in WebhookEventType}
    kinds = {t.split(".", 1)[0] for t in types if "." in t}
    endpoints: dict[str, WebhookEndpoint] = {}
    for i, item in enumerate(raw.webhook_endpoints):
        try:
            ep = msgspec.convert(item, WebhookEndpointConfig)
        except msgspec.ValidationError:
            collect(item, WebhookEndpointConfig, f"webhook_endpoints[{i}]", problems)
            continue
        where = f"webhook endpoint {ep.id!r}"
        if ep.id in endpoints:
            problems.append(f"{where}: duplicate endpoint id")
            continue
        url = urlsplit(ep.url)
        if url.scheme not in ("http", "https") or not url.hostname:
            problems.append(f"{where}: url must be an http(s) URL")
        elif url.scheme == "http" and url.hostname not in LOOPBACK:
            warnings.append(f"{where}: events travel unencrypted over http")
        secrets: list[Secret] = []
        for j, value in enumerate([ep.secret, *ep.previous_secrets]):
            name = "secret" if j == 0 else f"previous_secrets[{j - 1}]"
            secret = _resolve(value, f"{where} {name}", problems, warnings)
            if secret is None:
                continue
            try:
                decode_secret(secret.reveal())
            except InvalidSecret as exc:
                problems.append(f"{where} {name}: {exc}")
                continue
            secrets.append(secret)
        for pattern in ep.event_types:
            if pattern != "*" and pattern not in types and pattern.removesuffix(".*") not in kinds:
                problems.append(
                    f"{where}: unknown event type {pattern!r} "
                    f"(use '*', one of {', '.join(sorted(kinds))} + '.*', or an exact type)"
                )
        for name in ep.accounts:
            if name != "*" and name not in accounts:
                problems.append(f"{where}: unknown account {name!r}")
        endpoints[ep.id] = WebhookEndpoint(
            ep.id, ep.url, secrets, frozenset(ep.event_types), frozenset(ep.accounts)
        )
    return endpoints
