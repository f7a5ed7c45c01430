"""Disputes (chargebacks): read, list, accept and answer them with evidence.

A dispute's id is sealed like every other (``domain/ids.py``): kind ``dp``, the account
and the gateway's dispute id. The API, the list and the ``dispute.*`` webhook events all
issue it through :func:`dispute_id`, so they agree. What the service learns about a
dispute — from a gateway answer or a webhook — is kept in its fact record
(``DisputeFacts``): the disputed payment's id, the evidence-submitted flag, and the whole
last known state, which is also the answer of ``GET /v1/disputes/{id}`` at a gateway that
has no dispute read (Adyen: its dispute webhooks are the only source).

Evidence is checked against the connector's :class:`~connector_service.domain.flows.
EvidenceLimits` before anything is sent: a type, content type or size the gateway does not
take is a 400 naming the field (``evidence[2].content_type``).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from connector_service.core.accounts import Accounts, Target
from connector_service.core.context import RequestContext
from connector_service.core.execution import FlowRunner
from connector_service.core.resources import (
    FACTS_TTL_SECONDS,
    NS_FACTS,
    DisputeFacts,
    PaymentFacts,
    Resources,
    facts_missing,
)
from connector_service.domain import api
from connector_service.domain.errors import ErrorType, ServiceError, invalid, not_supported
from connector_service.domain.flows import (
    DisputeAcceptData,
    DisputeEvidenceData,
    DisputeListData,
    DisputeListResult,
    DisputeResult,
    DisputeSyncData,
    EvidenceFile,
    EvidenceLimits,
    Flow,
)
from connector_service.domain.ids import DisputeRef, Kind
from connector_service.domain.status import DisputeReason, DisputeStatus, EvidenceType
from connector_service.storage.base import Storage

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_CURSOR_MAX = 512
_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(DisputeFacts)


async def dispute_id(resources: Resources, account: str, connector_dispute_id: str) -> str:
    return await resources.id_for(Kind.DISPUTE, account, connector_dispute_id)


def merged_facts(
    old: DisputeFacts | None, connector: str, r: DisputeResult, payment_id: str | None
) -> DisputeFacts:
    """What is known after ``r``: the new answer, over what was known. A closed dispute
    (won, lost, accepted) is never reopened by a late or reordered event."""
    status = r.status
    if old is not None:
        before = DisputeStatus(old.status)
        if before.is_final and not status.is_final:
            status = before
        elif before is DisputeStatus.ACCEPTED and status is DisputeStatus.LOST:
            status = before  # conceding is how it was lost (Stripe shows a closed one lost)
    submitted = bool(r.evidence_submitted) or (old.evidence_submitted if old else False)
    reason = r.unified_reason.value if r.unified_reason is not None else None
    o = old if old is not None else DisputeFacts(connector, r.connector_dispute_id, status.value)
    return DisputeFacts(
        connector=connector,
        connector_dispute_id=r.connector_dispute_id,
        status=status.value,
        connector_payment_id=_first(r.connector_payment_id, o.connector_payment_id),
        payment_id=payment_id or o.payment_id,
        amount=r.amount if r.amount is not None else o.amount,
        currency=_first(r.currency, o.currency),
        reason=_first(reason, o.reason),
        connector_reason=_first(r.reason, o.connector_reason),
        connector_status=_first(r.connector_status, o.connector_status),
        evidence_due_by=_first(r.evidence_due_by, o.evidence_due_by),
        evidence_submitted=submitted,
        created=_first(r.created, o.created),
        meta={**o.meta, **{k: v for k, v in r.meta.items() if v}},
    )


def _first(new: str | None, old: str | None) -> str | None:
    return new if new else old


def dispute_document(did: str, account: str, facts: DisputeFacts) -> api.Dispute:
    return api.Dispute(
        id=did,
        status=DisputeStatus(facts.status),
        connector=facts.connector,
        account=account,
        connector_dispute_id=facts.connector_dispute_id,
        reason=DisputeReason(facts.reason) if facts.reason else DisputeReason.OTHER,
        evidence_submitted=facts.evidence_submitted,
        payment_id=facts.payment_id,
        connector_payment_id=facts.connector_payment_id,
        amount=facts.amount,
        currency=facts.currency,
        connector_reason=facts.connector_reason,
        evidence_due_by=facts.evidence_due_by,
        created=facts.created,
        connector_status=facts.connector_status,
    )


async def record(
    resources: Resources,
    account: str,
    connector: str,
    r: DisputeResult,
    *,
    write: bool = True,
) -> api.Dispute:
    """The dispute document after ``r`` (a gateway answer or a webhook event), under the
    id the API gives it; with ``write`` its fact record keeps what ``r`` taught."""
    did = await dispute_id(resources, account, r.connector_dispute_id)
    payment_id = None
    if r.connector_payment_id:
        # The payment's id (an alias where the dispute names it by a secondary gateway
        # id, e.g. a PayPal capture id), and its main gateway id.
        payment_id = await resources.id_for(Kind.PAYMENT, account, r.connector_payment_id)
        payment = await resources.facts(Kind.PAYMENT, payment_id)
        if isinstance(payment, PaymentFacts) and payment.connector_payment_id:
            r = msgspec.structs.replace(r, connector_payment_id=payment.connector_payment_id)
    storage: Storage = resources.storage
    if not write:
        raw = await storage.get(NS_FACTS, did)
        old = _dec.decode(raw) if raw is not None else None
        return dispute_document(did, account, merged_facts(old, connector, r, payment_id))
    out: list[DisputeFacts] = []

    def apply(raw: bytes | None) -> bytes:
        old = _dec.decode(raw) if raw is not None else None
        facts = merged_facts(old, connector, r, payment_id)
        out.append(facts)
        return _enc.encode(facts)

    await storage.update(NS_FACTS, did, apply, ttl=FACTS_TTL_SECONDS)
    return dispute_document(did, account, out[-1])


def check_evidence(
    limits: EvidenceLimits | None, req: api.DisputeEvidenceCreate, name: str
) -> tuple[dict[EvidenceType, str], list[EvidenceFile]]:
    """The evidence split into text and files, or a 400 naming the first item the
    gateway would refuse (checked before sending anything)."""
    if limits is None:
        raise not_supported(f"{name} does not take dispute evidence through its API")
    if not req.submit and not limits.staging:
        raise invalid(
            "evidence_staging_not_supported",
            f"{name} submits evidence in the same call that sends it; send submit: true",
            "submit",
        )
    text: dict[EvidenceType, str] = {}
    files: list[EvidenceFile] = []
    total = 0
    for i, item in enumerate(req.evidence):
        at = f"evidence[{i}]"
        if item.text is not None:
            if item.type not in limits.text_types:
                raise invalid(
                    "evidence_type_not_supported",
                    f"{name} takes no {item.type.value} text; it takes "
                    f"{_names(limits.text_types) or 'no text'}",
                    f"{at}.type",
                )
            if item.type in text:
                raise invalid(
                    "duplicate_evidence", f"a second {item.type.value} text", f"{at}.type"
                )
            if len(item.text) > limits.max_text_chars:
                raise invalid(
                    "evidence_too_large",
                    f"{name} takes at most {limits.max_text_chars} characters of text",
                    f"{at}.text",
                )
            text[item.type] = item.text
            continue
        content = item.file or b""
        if not limits.file_types:
            raise not_supported(
                f"{name} takes evidence files only through an upload API of its own, which "
                "the service does not drive; send the evidence as text",
                f"{at}.file",
            )
        if item.type not in limits.file_types:
            raise invalid(
                "evidence_type_not_supported",
                f"{name} takes no {item.type.value} file; it takes "
                f"{_names(limits.file_types) or 'no files'}",
                f"{at}.type",
            )
        if item.content_type not in limits.content_types:
            raise invalid(
                "evidence_content_type_not_supported",
                f"{name} takes {', '.join(sorted(limits.content_types))} files",
                f"{at}.content_type",
            )
        if len(content) > limits.max_file_bytes:
            raise invalid(
                "evidence_file_too_large",
                f"{name} takes files of at most {limits.max_file_bytes} bytes",
                f"{at}.file",
            )
        total += len(content)
        if limits.max_total_bytes and total > limits.max_total_bytes:
            raise invalid(
                "evidence_file_too_large",
                f"{name} takes at most {limits.max_total_bytes} bytes of files in all",
                f"{at}.file",
            )
        if len(files) >= limits.max_files:
            raise invalid(
                "too_many_evidence_files", f"{name} takes at most {limits.max_files} files", at
            )
        files.append(
            EvidenceFile(
                type=item.type,
                file_name=item.file_name or "",
                content_type=item.content_type or "",
                content=content,
            )
        )
    return text, files


def _names(types: frozenset[EvidenceType]) -> str:
    return ", ".join(sorted(t.value for t in types))


class Disputes:
    """The dispute operations (``PaymentService`` delegates to this)."""

    def __init__(self, resources: Resources, accounts: Accounts, runner: FlowRunner) -> None:
        self.resources = resources
        self.accounts = accounts
        self.runner = runner

    async def _resolve(
        self, rc: RequestContext, did: str, *, keyed: bool
    ) -> tuple[Target, DisputeRef, DisputeFacts | None]:
        identity = self.resources.decode(Kind.DISPUTE, did)
        target = self.accounts.target(rc, identity.account, keyed=keyed, missing="dispute")
        facts = await self.resources.facts(Kind.DISPUTE, did)
        if facts is not None and not isinstance(facts, DisputeFacts):
            raise facts_missing("dispute")
        ref = DisputeRef(
            account=identity.account,
            connector=target.connector.meta.name,
            connector_dispute_id=identity.key,
            connector_payment_id=facts.connector_payment_id if facts else None,
            amount=facts.amount if facts else None,
            currency=facts.currency if facts else None,
            meta=dict(facts.meta) if facts else {},
        )
        return target, ref, facts

    async def _record(self, target: Target, r: DisputeResult) -> api.Dispute:
        return await record(self.resources, target.account, target.connector.meta.name, r)

    async def get(self, rc: RequestContext, did: str) -> api.Dispute:
        target, ref, facts = await self._resolve(rc, did, keyed=False)
        if Flow.DISPUTE_SYNC in target.connector.meta.flows:
            result: DisputeResult = await self.runner.run(
                target, Flow.DISPUTE_SYNC, DisputeSyncData(dispute=ref)
            )
            return await self._record(target, result)
        if facts is None:
            raise facts_missing("dispute")
        # No dispute read at this gateway: what its dispute webhooks told (docs/disputes.md).
        return dispute_document(did, target.account, facts)

    async def page(
        self, rc: RequestContext, account: str | None, query: Mapping[str, str]
    ) -> api.DisputeList:
        name = account or self.accounts.config.default_account
        if not name:
            raise invalid("missing_field", "name the account whose disputes to list", "account")
        target = self.accounts.target(rc, name, keyed=False)
        raw_limit = query.get("limit", str(DEFAULT_LIMIT))
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise invalid(
                "invalid_limit", f"limit must be an integer from 1 to {MAX_LIMIT}", "limit"
            )
        cursor = query.get("cursor")
        if cursor is not None and (
            not cursor or len(cursor) > _CURSOR_MAX or not cursor.isprintable()
        ):
            raise invalid(
                "invalid_cursor",
                "cursor must be the next_cursor of this list's previous page",
                "cursor",
            )
        if Flow.DISPUTE_LIST not in target.connector.meta.flows:
            raise not_supported(
                f"{target.connector.meta.display_name} has no API listing disputes; they "
                "arrive as dispute.* webhook events (GET /v1/disputes/{id} answers each)",
                "account",
            )
        page: DisputeListResult = await self.runner.run(
            target, Flow.DISPUTE_LIST, DisputeListData(limit=int(raw_limit), cursor=cursor)
        )
        data = [await self._record(target, d) for d in page.disputes]
        return api.DisputeList("list", data, page.next_cursor is not None, page.next_cursor)

    async def accept(self, rc: RequestContext, did: str) -> api.Dispute:
        target, ref, facts = await self._resolve(rc, did, keyed=True)
        _require_open(facts, "accepted")
        result: DisputeResult = await self.runner.run(
            target, Flow.DISPUTE_ACCEPT, DisputeAcceptData(dispute=ref)
        )
        return await self._record(target, result)

    async def evidence(
        self, rc: RequestContext, did: str, req: api.DisputeEvidenceCreate
    ) -> api.Dispute:
        target, ref, facts = await self._resolve(rc, did, keyed=True)
        connector = target.connector
        if Flow.DISPUTE_EVIDENCE not in connector.meta.flows:
            raise not_supported(
                f"The service does not send dispute evidence to {connector.meta.display_name} "
                "(docs/disputes.md says why); answer the dispute in its dashboard"
            )
        text, files = check_evidence(connector.evidence_limits, req, connector.meta.display_name)
        _require_open(facts, "answered")
        if facts is not None and facts.status != DisputeStatus.NEEDS_RESPONSE.value:
            raise ServiceError(
                ErrorType.CONFLICT,
                "dispute_not_open",
                f"The dispute is {facts.status}; evidence is taken while it needs a response.",
                field="id",
            )
        data = DisputeEvidenceData(dispute=ref, text=text, files=files, submit=req.submit)
        result: DisputeResult = await self.runner.run(target, Flow.DISPUTE_EVIDENCE, data)
        if req.submit and result.evidence_submitted is None:
            result = msgspec.structs.replace(result, evidence_submitted=True)
        return await self._record(target, result)


def _require_open(facts: DisputeFacts | None, verb: str) -> None:
    if facts is not None and DisputeStatus(facts.status).is_final:
        raise ServiceError(
            ErrorType.CONFLICT,
            "dispute_not_open",
            f"The dispute is {facts.status}; a closed dispute cannot be {verb}.",
            field="id",
        )
