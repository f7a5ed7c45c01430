"""The connector contract: metadata and the base class every connector extends.

The contract is typed: every flow is a pair of methods declared here with its data and
result types (``build_<flow>(ctx, data) -> HttpRequest`` and
``parse_<flow>(ctx, data, response) -> result``), or one ``steps_<flow>`` generator for a
flow that needs several calls. A connector *overrides* the ones it supports; mypy checks
each override's signature against this class, and the executor reaches them through the
typed :data:`_STEPS` table, never by building method names. The webhook methods
(``webhook_identify`` / ``webhook_verify`` / ``parse_verify_webhook`` / ``webhook_parse`` /
``webhook_reply``) are declared the same way.

At class creation (:meth:`Connector.__init_subclass__`) the class is checked and its
``meta.flows`` computed from what it overrides: a ``build_`` without its ``parse_``, a
method named like a flow that is not one (``build_captrue``), some webhook methods but
not all, or a stated ``meta.flows`` that differs from the implementation is a
``TypeError`` at import.

Every connector module follows the same section order (see docs/adding-a-connector.md):

1. metadata and capabilities      (``meta``)
2. auth                           (headers, tokens)
3. request builders per flow      (``build_<flow>`` / ``steps_<flow>``)
4. response parsers per flow      (``parse_<flow>``, typed structs from ``kit.decode``)
5. status map                     (tables read with ``kit.status_of``)
6. error map                      (``kit.ErrorRule`` and ``kit.decline_table`` tables)
7. webhook identify/verify/parse  (``webhook_*``, checks from ``kit.webhooks``)
8. scrub                          (``scrub``)

The helpers all of them share live in :mod:`connector_service.connectors.kit`; the names
below are re-exported so ``from connector_service.connectors.base import ...`` keeps
working.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias, TypeVar

from connector_service.connectors.capabilities import (
    MethodSupport,
    derived_methods,
    undeclarable,
)
from connector_service.connectors.kit.encode import basic_auth, drop_none, form_encode, json_body
from connector_service.connectors.kit.errors import gateway_error
from connector_service.connectors.kit.http import (
    ConnectorContext,
    Headers,
    HttpRequest,
    HttpResponse,
)
from connector_service.connectors.kit.options import NO_OPTIONS, ConnectorOptions
from connector_service.connectors.kit.paths import (
    empty_path_id,
    missing_gateway_id,
    require_id,
    with_path_ids_checked,
)
from connector_service.connectors.kit.scrub import scrub_common
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    AccessToken,
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    DisputeAcceptData,
    DisputeEvidenceData,
    DisputeListData,
    DisputeListResult,
    DisputeResult,
    DisputeSyncData,
    EvidenceLimits,
    Flow,
    IncrementData,
    ListMandatesData,
    MandateCompleteData,
    MandateResult,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    RefundResult,
    RefundSyncData,
    StoredMethods,
    SyncData,
    VoidData,
    WebhookEvent,
    WebhookIdentity,
    WebhookReply,
)
from connector_service.domain.payment_methods import PaymentMethodType

__all__ = [
    "Connector",
    "ConnectorContext",
    "ConnectorMeta",
    "CredentialField",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "Steps",
    "basic_auth",
    "drop_none",
    "empty_path_id",
    "form_encode",
    "gateway_error",
    "json_body",
    "missing_gateway_id",
    "require_id",
    "scrub_common",
]

# --------------------------------------------------------------------------- metadata


@dataclass(frozen=True, slots=True)
class CredentialField:
    name: str
    description: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class ConnectorMeta:
    name: str
    display_name: str
    base_url_test: str
    base_url_live: str
    credential_fields: tuple[CredentialField, ...]
    # The methods taken: state ``payment_methods`` (each gets the flows the class
    # implements) or ``methods`` (per method: flows, countries, currencies, external
    # 3-D Secure; see connectors/capabilities.py). Either is computed from the other.
    payment_methods: frozenset[PaymentMethodType] = frozenset()
    currencies: frozenset[str] | None = None  # None: every currency
    countries: frozenset[str] | None = None  # None: every country
    option_fields: tuple[CredentialField, ...] = ()
    idempotency: str = "none"  # how the caller's key reaches the gateway
    docs_url: str | None = None
    needs_access_token: bool = False
    # Credential names whose values must never appear in a transcript.
    secret_fields: tuple[str, ...] = ()
    # Computed from the class's methods at class creation (see Connector); a connector
    # that states it anyway must state exactly what it implements.
    flows: frozenset[Flow] = frozenset()
    # Several partial captures on one authorization (CaptureData.final_capture=False).
    multiple_captures: bool = False
    methods: Mapping[PaymentMethodType, MethodSupport] = dataclasses.field(default_factory=dict)
    # ---- issue 19: typed connector options and marketplace splits
    # The typed ``connector_options`` block per request kind (kit/options.py).
    options: ConnectorOptions = NO_OPTIONS
    # How the gateway takes ``splits`` / ``application_fee`` (None: not supported).
    splits: str | None = None
    # How the gateway takes ``order`` (line items, Level 2/3) (None: not supported).
    order: str | None = None


# --------------------------------------------------------------------------- the base class

Steps: TypeAlias = Generator[HttpRequest, HttpResponse, Any]
D = TypeVar("D")
R = TypeVar("R")

# Flows that are pairs of calls or step generators, and their method-name suffixes.
# CHARGE_MANDATE is served by ``authorize`` (``supports_mandate_charges``); WEBHOOKS and
# VERIFY_WEBHOOK by the webhook methods.
CALL_FLOWS: tuple[Flow, ...] = (
    Flow.AUTHORIZE,
    Flow.COMPLETE_AUTHORIZE,
    Flow.CAPTURE,
    Flow.VOID,
    Flow.REFUND,
    Flow.SYNC,
    Flow.REFUND_SYNC,
    Flow.SETUP_MANDATE,
    Flow.REVOKE_MANDATE,
    Flow.COMPLETE_MANDATE,
    Flow.ACCESS_TOKEN,
    # disputes
    Flow.DISPUTE_SYNC,
    Flow.DISPUTE_LIST,
    Flow.DISPUTE_ACCEPT,
    Flow.DISPUTE_EVIDENCE,
    Flow.INCREMENT,
    Flow.LIST_MANDATES,
)
_WEBHOOK_METHODS = ("webhook_identify", "webhook_verify", "webhook_parse")
_FLOW_METHOD = re.compile(r"^(build|parse|steps)_([a-z0-9_]+)$")
_NOT_FLOWS = frozenset({"parse_verify_webhook"})  # part of the webhook contract


class Connector:
    """Base class of every connector: subclasses set ``meta`` and override the flow and
    webhook methods they support (see the module docstring)."""

    meta: ClassVar[ConnectorMeta]
    # True when ``authorize`` also charges a StoredMandate (merchant-initiated).
    supports_mandate_charges: ClassVar[bool] = False
    # What the gateway takes as dispute evidence (checked by the core before sending);
    # a connector with ``dispute_evidence`` must state it.
    evidence_limits: ClassVar[EvidenceLimits | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        flows = _implemented(cls)
        meta: ConnectorMeta | None = getattr(cls, "meta", None)
        if meta is None:
            return
        if meta.flows and meta.flows != flows:
            raise TypeError(
                f"{cls.__name__}: meta.flows states {_names(meta.flows)} but the class "
                f"implements {_names(flows)}"
            )
        cls.meta = dataclasses.replace(meta, flows=flows, **_methods_of(cls.__name__, meta, flows))

    # ---- the executor's entry point

    def steps(self, flow: Flow, ctx: ConnectorContext, data: Any) -> Steps:
        """The requests of one flow, with every path checked for empty ids."""
        run = _STEPS.get(flow)
        inner = run(self, ctx, data) if run is not None else self._unsupported_steps(flow)
        return with_path_ids_checked(inner, flow.value, ctx.base_url)

    def implemented_flows(self) -> set[Flow]:
        """The flows this class implements (computed at class creation)."""
        return set(self.meta.flows)

    def _unsupported(self, flow: Flow) -> ServiceError:
        return ServiceError(
            ErrorType.NOT_SUPPORTED,
            "flow_not_supported",
            f"{self.meta.display_name} does not support {flow.value}",
        )

    def _unsupported_steps(self, flow: Flow) -> Steps:
        raise self._unsupported(flow)
        yield  # pragma: no cover - makes this a generator, so the error comes on first use

    @staticmethod
    def one_call(
        ctx: ConnectorContext,
        data: D,
        build: Callable[[ConnectorContext, D], HttpRequest],
        parse: Callable[[ConnectorContext, D, HttpResponse], R],
    ) -> Generator[HttpRequest, HttpResponse, R]:
        """A flow of one request: build it, send it, parse the answer."""
        response = yield build(ctx, data)
        return parse(ctx, data, response)

    # ---- flows (override what the gateway supports; steps_ defaults to build + parse)

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        raise self._unsupported(Flow.AUTHORIZE)

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        raise self._unsupported(Flow.AUTHORIZE)

    def steps_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> Steps:
        return self.one_call(ctx, data, self.build_authorize, self.parse_authorize)

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        raise self._unsupported(Flow.COMPLETE_AUTHORIZE)

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        raise self._unsupported(Flow.COMPLETE_AUTHORIZE)

    def steps_complete_authorize(self, ctx: ConnectorContext, data: CompleteAuthorizeData) -> Steps:
        return self.one_call(
            ctx, data, self.build_complete_authorize, self.parse_complete_authorize
        )

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        raise self._unsupported(Flow.CAPTURE)

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        raise self._unsupported(Flow.CAPTURE)

    def steps_capture(self, ctx: ConnectorContext, data: CaptureData) -> Steps:
        return self.one_call(ctx, data, self.build_capture, self.parse_capture)

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        raise self._unsupported(Flow.VOID)

    def parse_void(
        self, ctx: ConnectorContext, data: VoidData, response: HttpResponse
    ) -> PaymentResult:
        raise self._unsupported(Flow.VOID)

    def steps_void(self, ctx: ConnectorContext, data: VoidData) -> Steps:
        return self.one_call(ctx, data, self.build_void, self.parse_void)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        raise self._unsupported(Flow.REFUND)

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        raise self._unsupported(Flow.REFUND)

    def steps_refund(self, ctx: ConnectorContext, data: RefundData) -> Steps:
        return self.one_call(ctx, data, self.build_refund, self.parse_refund)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        raise self._unsupported(Flow.SYNC)

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        raise self._unsupported(Flow.SYNC)

    def steps_sync(self, ctx: ConnectorContext, data: SyncData) -> Steps:
        return self.one_call(ctx, data, self.build_sync, self.parse_sync)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        raise self._unsupported(Flow.REFUND_SYNC)

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        raise self._unsupported(Flow.REFUND_SYNC)

    def steps_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> Steps:
        return self.one_call(ctx, data, self.build_refund_sync, self.parse_refund_sync)

    def build_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> HttpRequest:
        raise self._unsupported(Flow.SETUP_MANDATE)

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData, response: HttpResponse
    ) -> MandateResult:
        raise self._unsupported(Flow.SETUP_MANDATE)

    def steps_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> Steps:
        return self.one_call(ctx, data, self.build_setup_mandate, self.parse_setup_mandate)

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        raise self._unsupported(Flow.REVOKE_MANDATE)

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        raise self._unsupported(Flow.REVOKE_MANDATE)

    def steps_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> Steps:
        return self.one_call(ctx, data, self.build_revoke_mandate, self.parse_revoke_mandate)

    def build_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData
    ) -> HttpRequest:
        raise self._unsupported(Flow.COMPLETE_MANDATE)

    def parse_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData, response: HttpResponse
    ) -> MandateResult:
        raise self._unsupported(Flow.COMPLETE_MANDATE)

    def steps_complete_mandate(self, ctx: ConnectorContext, data: MandateCompleteData) -> Steps:
        return self.one_call(ctx, data, self.build_complete_mandate, self.parse_complete_mandate)

    def build_access_token(self, ctx: ConnectorContext, data: Any = None) -> HttpRequest:
        raise self._unsupported(Flow.ACCESS_TOKEN)

    def parse_access_token(
        self, ctx: ConnectorContext, data: Any, response: HttpResponse
    ) -> AccessToken:
        raise self._unsupported(Flow.ACCESS_TOKEN)

    def steps_access_token(self, ctx: ConnectorContext, data: Any) -> Steps:
        return self.one_call(ctx, data, self.build_access_token, self.parse_access_token)

    # ---- disputes (docs/disputes.md)

    def build_dispute_sync(self, ctx: ConnectorContext, data: DisputeSyncData) -> HttpRequest:
        raise self._unsupported(Flow.DISPUTE_SYNC)

    def parse_dispute_sync(
        self, ctx: ConnectorContext, data: DisputeSyncData, response: HttpResponse
    ) -> DisputeResult:
        raise self._unsupported(Flow.DISPUTE_SYNC)

    def steps_dispute_sync(self, ctx: ConnectorContext, data: DisputeSyncData) -> Steps:
        return self.one_call(ctx, data, self.build_dispute_sync, self.parse_dispute_sync)

    def build_dispute_list(self, ctx: ConnectorContext, data: DisputeListData) -> HttpRequest:
        raise self._unsupported(Flow.DISPUTE_LIST)

    def parse_dispute_list(
        self, ctx: ConnectorContext, data: DisputeListData, response: HttpResponse
    ) -> DisputeListResult:
        raise self._unsupported(Flow.DISPUTE_LIST)

    def steps_dispute_list(self, ctx: ConnectorContext, data: DisputeListData) -> Steps:
        return self.one_call(ctx, data, self.build_dispute_list, self.parse_dispute_list)

    def build_dispute_accept(self, ctx: ConnectorContext, data: DisputeAcceptData) -> HttpRequest:
        raise self._unsupported(Flow.DISPUTE_ACCEPT)

    def parse_dispute_accept(
        self, ctx: ConnectorContext, data: DisputeAcceptData, response: HttpResponse
    ) -> DisputeResult:
        raise self._unsupported(Flow.DISPUTE_ACCEPT)

    def steps_dispute_accept(self, ctx: ConnectorContext, data: DisputeAcceptData) -> Steps:
        return self.one_call(ctx, data, self.build_dispute_accept, self.parse_dispute_accept)

    def build_dispute_evidence(
        self, ctx: ConnectorContext, data: DisputeEvidenceData
    ) -> HttpRequest:
        raise self._unsupported(Flow.DISPUTE_EVIDENCE)

    def parse_dispute_evidence(
        self, ctx: ConnectorContext, data: DisputeEvidenceData, response: HttpResponse
    ) -> DisputeResult:
        raise self._unsupported(Flow.DISPUTE_EVIDENCE)

    def steps_dispute_evidence(self, ctx: ConnectorContext, data: DisputeEvidenceData) -> Steps:
        return self.one_call(ctx, data, self.build_dispute_evidence, self.parse_dispute_evidence)

    # ---- payment lifecycle (issue 16): incremental authorization, stored methods

    def build_increment(self, ctx: ConnectorContext, data: IncrementData) -> HttpRequest:
        raise self._unsupported(Flow.INCREMENT)

    def parse_increment(
        self, ctx: ConnectorContext, data: IncrementData, response: HttpResponse
    ) -> PaymentResult:
        raise self._unsupported(Flow.INCREMENT)

    def steps_increment(self, ctx: ConnectorContext, data: IncrementData) -> Steps:
        return self.one_call(ctx, data, self.build_increment, self.parse_increment)

    def build_list_mandates(self, ctx: ConnectorContext, data: ListMandatesData) -> HttpRequest:
        raise self._unsupported(Flow.LIST_MANDATES)

    def parse_list_mandates(
        self, ctx: ConnectorContext, data: ListMandatesData, response: HttpResponse
    ) -> StoredMethods:
        raise self._unsupported(Flow.LIST_MANDATES)

    def steps_list_mandates(self, ctx: ConnectorContext, data: ListMandatesData) -> Steps:
        return self.one_call(ctx, data, self.build_list_mandates, self.parse_list_mandates)

    # ---- webhooks: a connector receiving webhooks overrides identify, verify and parse

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """The event's id and account hint, read without any secret (to find whose
        secret verifies it)."""
        raise self._unsupported(Flow.WEBHOOKS)

    def webhook_verify(
        self, ctx: ConnectorContext, headers: dict[str, str], body: bytes
    ) -> bool | HttpRequest:
        """Whether the signature is good; or a request asking the gateway's API, whose
        answer :meth:`parse_verify_webhook` judges."""
        raise self._unsupported(Flow.WEBHOOKS)

    def parse_verify_webhook(self, ctx: ConnectorContext, response: HttpResponse) -> bool:
        raise self._unsupported(Flow.VERIFY_WEBHOOK)

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        """The unified events of a verified body."""
        raise self._unsupported(Flow.WEBHOOKS)

    def webhook_parse_fetched(
        self, headers: dict[str, str], body: bytes, response: HttpResponse
    ) -> list[WebhookEvent]:
        """The unified events of a body verified through the gateway's API, with that
        API's answer (``response``): a gateway whose webhooks only name an object (Mollie's
        ``id=tr_...``) tells its state there. By default the answer is not needed."""
        return self.webhook_parse(headers, body)

    def webhook_reply(self, events: list[WebhookEvent]) -> WebhookReply:
        return WebhookReply(status=200, body=b"", content_type="text/plain")

    def gateway_reference(self, reference: str) -> str:
        """The payment's reference as the gateway keeps it, and so as its webhooks name it
        back (``WebhookEvent``'s ``reference``). A gateway that shortens references
        overrides this (Authorize.net's 20-character ``invoiceNumber``), so that an event
        about a payment still unresolved finds the id the caller holds."""
        return reference

    # ---- scrub

    def scrub(self, transcript: str) -> str:
        """Remove card data and credentials from a request/response transcript."""
        return scrub_common(transcript)


# The executor's dispatch: one typed call per flow (mypy checks each).
_STEPS: dict[Flow, Callable[[Connector, ConnectorContext, Any], Steps]] = {
    Flow.AUTHORIZE: lambda c, ctx, d: c.steps_authorize(ctx, d),
    Flow.COMPLETE_AUTHORIZE: lambda c, ctx, d: c.steps_complete_authorize(ctx, d),
    Flow.CAPTURE: lambda c, ctx, d: c.steps_capture(ctx, d),
    Flow.VOID: lambda c, ctx, d: c.steps_void(ctx, d),
    Flow.REFUND: lambda c, ctx, d: c.steps_refund(ctx, d),
    Flow.SYNC: lambda c, ctx, d: c.steps_sync(ctx, d),
    Flow.REFUND_SYNC: lambda c, ctx, d: c.steps_refund_sync(ctx, d),
    Flow.SETUP_MANDATE: lambda c, ctx, d: c.steps_setup_mandate(ctx, d),
    Flow.REVOKE_MANDATE: lambda c, ctx, d: c.steps_revoke_mandate(ctx, d),
    Flow.COMPLETE_MANDATE: lambda c, ctx, d: c.steps_complete_mandate(ctx, d),
    Flow.ACCESS_TOKEN: lambda c, ctx, d: c.steps_access_token(ctx, d),
    Flow.DISPUTE_SYNC: lambda c, ctx, d: c.steps_dispute_sync(ctx, d),
    Flow.DISPUTE_LIST: lambda c, ctx, d: c.steps_dispute_list(ctx, d),
    Flow.DISPUTE_ACCEPT: lambda c, ctx, d: c.steps_dispute_accept(ctx, d),
    Flow.DISPUTE_EVIDENCE: lambda c, ctx, d: c.steps_dispute_evidence(ctx, d),
    Flow.INCREMENT: lambda c, ctx, d: c.steps_increment(ctx, d),
    Flow.LIST_MANDATES: lambda c, ctx, d: c.steps_list_mandates(ctx, d),
}
assert set(_STEPS) == set(CALL_FLOWS)


def _overrides(cls: type, name: str) -> bool:
    return getattr(cls, name) is not getattr(Connector, name)


def _implemented(cls: type[Connector]) -> frozenset[Flow]:
    """The flows ``cls`` implements, or a ``TypeError`` naming what is inconsistent.
    (Name lookups happen here, once per class, never when a flow runs.)"""
    names = {flow.value for flow in CALL_FLOWS}
    for attr in dir(cls):
        match = _FLOW_METHOD.match(attr)
        if match and match.group(2) not in names and attr not in _NOT_FLOWS:
            raise TypeError(f"{cls.__name__}.{attr}: {match.group(2)!r} is not a flow")
    found: set[Flow] = set()
    for flow in CALL_FLOWS:
        build = _overrides(cls, f"build_{flow.value}")
        parse = _overrides(cls, f"parse_{flow.value}")
        steps = _overrides(cls, f"steps_{flow.value}")
        if build != parse and not steps:  # a steps_ generator may use either alone
            have, lack = ("build", "parse") if build else ("parse", "build")
            raise TypeError(f"{cls.__name__}: {have}_{flow.value} without {lack}_{flow.value}")
        if build or parse or steps:
            found.add(flow)
    if cls.supports_mandate_charges:
        if Flow.AUTHORIZE not in found:
            raise TypeError(f"{cls.__name__}: supports_mandate_charges without authorize")
        found.add(Flow.CHARGE_MANDATE)
    webhooks = [m for m in _WEBHOOK_METHODS if _overrides(cls, m)]
    if Flow.DISPUTE_EVIDENCE in found and cls.evidence_limits is None:
        raise TypeError(f"{cls.__name__}: dispute_evidence without evidence_limits")
    if webhooks and len(webhooks) != len(_WEBHOOK_METHODS):
        missing = sorted(set(_WEBHOOK_METHODS) - set(webhooks))
        raise TypeError(f"{cls.__name__}: webhook methods incomplete, missing {missing}")
    if webhooks:
        found.add(Flow.WEBHOOKS)
    return frozenset(found)


def _methods_of(name: str, meta: ConnectorMeta, flows: frozenset[Flow]) -> dict[str, Any]:
    """``payment_methods`` and ``methods`` made consistent (one is derived from the other)."""
    if meta.methods:
        declared = frozenset(meta.methods)
        if meta.payment_methods and meta.payment_methods != declared:
            raise TypeError(f"{name}: meta.payment_methods differs from meta.methods")
        claimed = undeclarable(meta.methods, flows)
        if claimed:
            raise TypeError(f"{name}: meta.methods declares flows the class lacks: {claimed}")
        return {"payment_methods": declared, "methods": dict(meta.methods)}
    return {"methods": derived_methods(meta.payment_methods, flows)}


def _names(flows: frozenset[Flow]) -> list[str]:
    return sorted(f.value for f in flows)
