"""Dispute flows of each gateway connector, driven with canned answers (fixtures under
``fixtures/<gateway>/dispute*.json``): every built request validated against the gateway's
published spec, every answer parsed into the unified dispute, and the status and reason
tables checked row by row (an unknown status is ``under_review``, never a closed one)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from connector_service.connectors.adyen import AdyenConnector
from connector_service.connectors.base import Connector, ConnectorContext, HttpRequest, HttpResponse
from connector_service.connectors.checkout import CheckoutConnector
from connector_service.connectors.kit import scheme_reason
from connector_service.connectors.paypal import PayPalConnector
from connector_service.connectors.stripe import EVIDENCE_FILE_FIELD as STRIPE_FILE
from connector_service.connectors.stripe import EVIDENCE_TEXT_FIELD as STRIPE_TEXT
from connector_service.connectors.stripe import StripeConnector
from connector_service.core.disputes import check_evidence, merged_facts
from connector_service.core.resources import DisputeFacts
from connector_service.domain import api
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import (
    DisputeAcceptData,
    DisputeEvidenceData,
    DisputeListData,
    DisputeResult,
    DisputeSyncData,
    EvidenceFile,
    Flow,
)
from connector_service.domain.ids import DisputeRef
from connector_service.domain.status import DisputeReason, DisputeStatus, EvidenceType
from connector_service.testing import stripe_form
from connector_service.testing.fakes import checkout as cko_fake
from connector_service.testing.fakes import paypal as pp_fake
from connector_service.testing.fakes.adyen import DISPUTE_BASE, DISPUTE_SPEC
from connector_service.testing.spec import validate_request
from tests.connectors.harness import drive, make_ctx, response

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(gateway: str, name: str) -> Any:
    return json.loads((FIXTURES / gateway / f"{name}.json").read_text())


def ref(gid: str, connector: str) -> DisputeRef:
    return DisputeRef(account=f"{connector}-test", connector=connector, connector_dispute_id=gid)


# ---------------------------------------------------------------------- Stripe

STRIPE = StripeConnector()
STRIPE_CTX = make_ctx(STRIPE, {"api_key": "sk_test_51disputes"}, base_url="https://api.stripe.com")


def test_stripe_sync_list_evidence_and_close() -> None:
    d = fixture("stripe", "dispute")
    sync = DisputeSyncData(dispute=ref(d["id"], "stripe"))
    reqs, got = drive(STRIPE, Flow.DISPUTE_SYNC, STRIPE_CTX, sync, [response(200, d)])
    assert got == DisputeResult(
        status=DisputeStatus.NEEDS_RESPONSE, connector_dispute_id=d["id"],
        connector_payment_id=d["payment_intent"], amount=2500, currency="EUR",
        reason="fraudulent", connector_status="needs_response",
        evidence_due_by="2024-12-09T11:46:40Z", unified_reason=DisputeReason.FRAUDULENT,
        evidence_submitted=False, created="2024-12-02T11:46:40Z",
    )  # fmt: skip
    listed = fixture("stripe", "dispute_list")
    page_of = DisputeListData(limit=2, cursor="dp_prev")
    list_reqs, page = drive(STRIPE, Flow.DISPUTE_LIST, STRIPE_CTX, page_of, [response(200, listed)])
    assert [x.connector_dispute_id for x in page.disputes] == [x["id"] for x in listed["data"]]
    assert page.disputes[1].unified_reason is DisputeReason.PRODUCT_NOT_RECEIVED
    assert page.next_cursor == listed["data"][-1]["id"]
    assert "starting_after=dp_prev" in list_reqs[0].url and "limit=2" in list_reqs[0].url
    data = DisputeEvidenceData(
        dispute=ref(d["id"], "stripe"), submit=True, files=[],
        text={EvidenceType.UNCATEGORIZED: "Delivered", EvidenceType.REFUND_POLICY: "30 days"},
    )  # fmt: skip
    ev_reqs, answered = drive(STRIPE, Flow.DISPUTE_EVIDENCE, STRIPE_CTX, data,
                              [response(200, fixture("stripe", "dispute_submitted"))])  # fmt: skip
    body = ev_reqs[0].body.decode()
    assert body == (
        "evidence[uncategorized_text]=Delivered"
        "&evidence[refund_policy_disclosure]=30%20days&submit=true"
    )
    assert answered.status is DisputeStatus.UNDER_REVIEW and answered.evidence_submitted
    close_reqs, closed = drive(STRIPE, Flow.DISPUTE_ACCEPT, STRIPE_CTX,
                               DisputeAcceptData(dispute=ref(d["id"], "stripe")),
                               [response(200, fixture("stripe", "dispute_closed"))])  # fmt: skip
    assert close_reqs[0].url.endswith(f"/v1/disputes/{d['id']}/close")
    assert closed.status is DisputeStatus.ACCEPTED  # Stripe says lost: we conceded it
    for request in (*reqs, *list_reqs, *ev_reqs, *close_reqs):
        stripe_form.validate(request)


def test_stripe_evidence_types_are_its_fields() -> None:
    assert STRIPE.evidence_limits is not None
    assert STRIPE.evidence_limits.text_types == frozenset(STRIPE_TEXT)
    assert STRIPE.evidence_limits.file_types == frozenset(STRIPE_FILE)


def test_stripe_files_are_uploaded_then_named_by_file_id() -> None:
    d = fixture("stripe", "dispute")
    uploaded = fixture("stripe", "file_uploaded")
    data = DisputeEvidenceData(
        dispute=ref(d["id"], "stripe"), submit=False,
        text={EvidenceType.UNCATEGORIZED: "See the receipt"},
        files=[EvidenceFile(type=EvidenceType.RECEIPT, file_name="r.pdf",
                            content_type="application/pdf", content=b"%PDF-1.4 r")],
    )  # fmt: skip
    reqs, got = drive(STRIPE, Flow.DISPUTE_EVIDENCE, STRIPE_CTX, data,
                      [response(200, uploaded), response(200, d)])  # fmt: skip
    upload, update = reqs
    assert upload.url == "https://files.stripe.com/v1/files"
    assert upload.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="r.pdf"' in upload.body and b"%PDF-1.4 r" in upload.body
    assert update.body.decode() == (
        f"evidence[uncategorized_text]=See%20the%20receipt&evidence[receipt]={uploaded['id']}"
        "&submit=false"
    )
    assert got.status is DisputeStatus.NEEDS_RESPONSE  # staged, not submitted
    stripe_form.validate(dataclasses.replace(upload, url="https://api.stripe.com/v1/files"))
    stripe_form.validate(update)


@pytest.mark.parametrize(
    ("raw", "status"),
    [("warning_needs_response", "needs_response"), ("needs_response", "needs_response"),
     ("warning_under_review", "under_review"), ("under_review", "under_review"),
     ("won", "won"), ("warning_closed", "won"), ("lost", "lost"),
     ("prevented", "accepted"), ("something_new", "under_review")],
)  # fmt: skip
def test_stripe_statuses(raw: str, status: str) -> None:
    d = fixture("stripe", "dispute") | {"status": raw}
    _, got = drive(STRIPE, Flow.DISPUTE_SYNC, STRIPE_CTX,
                   DisputeSyncData(dispute=ref(d["id"], "stripe")), [response(200, d)])  # fmt: skip
    assert got.status == status and got.connector_status == raw


# ---------------------------------------------------------------------- Checkout.com

CKO = CheckoutConnector()
CKO_CTX = make_ctx(
    CKO, {"secret_key": cko_fake.SECRET_NAS},
    {"key_type": "nas", "processing_channel_id": cko_fake.CHANNEL}, base_url=cko_fake.SPEC_BASE,
)  # fmt: skip


def test_checkout_sync_list_evidence_and_accept() -> None:
    d = fixture("checkout", "dispute")
    dref = ref(d["id"], "checkout")
    reqs, got = drive(CKO, Flow.DISPUTE_SYNC, CKO_CTX, DisputeSyncData(dispute=dref),
                      [response(200, d)])  # fmt: skip
    assert (got.status, got.amount, got.currency) == (DisputeStatus.NEEDS_RESPONSE, 2500, "EUR")
    assert got.connector_payment_id == d["payment"]["id"]
    assert (got.reason, got.unified_reason) == ("10.4", DisputeReason.FRAUDULENT)
    assert got.evidence_due_by == d["evidence_required_by"] and got.created == d["received_on"]
    listed = fixture("checkout", "dispute_list")
    list_reqs, page = drive(CKO, Flow.DISPUTE_LIST, CKO_CTX, DisputeListData(limit=2),
                            [response(200, listed)])  # fmt: skip
    assert [x.connector_payment_id for x in page.disputes] == [
        x["payment_id"] for x in listed["data"]
    ]
    assert page.disputes[1].unified_reason is DisputeReason.PRODUCT_NOT_RECEIVED
    assert page.next_cursor == "2"  # 3 in all: the next page skips 2
    data = DisputeEvidenceData(
        dispute=dref, submit=True, files=[],
        text={EvidenceType.SHIPPING_DOCUMENTATION: "DHL 123",
              EvidenceType.SERVICE_DOCUMENTATION: "x", EvidenceType.UNCATEGORIZED: "More"},
    )  # fmt: skip
    ev_reqs, answered = drive(
        CKO, Flow.DISPUTE_EVIDENCE, CKO_CTX, data,
        [response(204), response(204), response(200, d | {"status": "evidence_under_review"})],
    )  # fmt: skip
    assert [r.method for r in ev_reqs] == ["PUT", "POST", "GET"]
    assert json.loads(ev_reqs[0].body) == {
        "proof_of_delivery_or_service_text": "DHL 123\nx",
        "additional_evidence_text": "More",
    }
    assert answered.status is DisputeStatus.UNDER_REVIEW and answered.evidence_submitted
    staged_reqs, staged = drive(
        CKO, Flow.DISPUTE_EVIDENCE, CKO_CTX,
        DisputeEvidenceData(dispute=dref, submit=False, files=[],
                            text={EvidenceType.RECEIPT: "INV-1"}),
        [response(204), response(200, d)],
    )  # fmt: skip
    assert [r.method for r in staged_reqs] == ["PUT", "GET"]
    assert staged.status is DisputeStatus.NEEDS_RESPONSE
    answers = [response(204), response(200, d | {"status": "accepted"})]
    acc_reqs, accepted = drive(CKO, Flow.DISPUTE_ACCEPT, CKO_CTX, DisputeAcceptData(dispute=dref),
                               answers)  # fmt: skip
    assert acc_reqs[0].url.endswith(f"/disputes/{d['id']}/accept")
    assert accepted.status is DisputeStatus.ACCEPTED
    for request in (*reqs, *list_reqs, *ev_reqs, *staged_reqs, *acc_reqs):
        cko_fake.check_request(request, "nas")


def test_checkout_files_are_uploaded_then_named_by_id() -> None:
    d = fixture("checkout", "dispute")
    uploaded = fixture("checkout", "file_uploaded")
    data = DisputeEvidenceData(
        dispute=ref(d["id"], "checkout"), submit=True,
        text={EvidenceType.RECEIPT: "Invoice INV-1 attached"},
        files=[EvidenceFile(type=EvidenceType.RECEIPT, file_name="inv.pdf",
                            content_type="application/pdf", content=b"%PDF-1.4 inv")],
    )  # fmt: skip
    reqs, got = drive(CKO, Flow.DISPUTE_EVIDENCE, CKO_CTX, data, [
        response(200, uploaded), response(204), response(204),
        response(200, d | {"status": "evidence_under_review"}),
    ])  # fmt: skip
    upload = reqs[0]
    assert (upload.method, upload.url) == ("POST", f"{cko_fake.SPEC_BASE}/files")
    assert b'name="file"; filename="inv.pdf"' in upload.body and b"%PDF-1.4 inv" in upload.body
    assert b"dispute_evidence" in upload.body
    assert json.loads(reqs[1].body) == {
        "invoice_or_receipt_text": "Invoice INV-1 attached",
        "invoice_or_receipt_file": uploaded["id"],
    }
    assert got.status is DisputeStatus.UNDER_REVIEW
    for request in reqs:
        cko_fake.check_request(request, "nas")
    two = msgspec.structs.replace(data, files=data.files * 2)
    with pytest.raises(ServiceError) as exc:
        drive(CKO, Flow.DISPUTE_EVIDENCE, CKO_CTX, two, [response(200, uploaded)])
    assert exc.value.code == "duplicate_evidence"


# ---------------------------------------------------------------------- PayPal

PAYPAL = PayPalConnector()
PP_CTX = make_ctx(PAYPAL, {"client_id": "id", "client_secret": "secret"},
                  base_url=pp_fake.SPEC_BASE, access_token="A21AAtoken")  # fmt: skip


def test_paypal_list_fetches_details_and_pages() -> None:
    d = fixture("paypal", "dispute")
    answers = [response(200, fixture("paypal", "dispute_list")), response(200, d)]
    reqs, page = drive(PAYPAL, Flow.DISPUTE_LIST, PP_CTX, DisputeListData(limit=1), answers)
    [only] = page.disputes
    assert only.connector_dispute_id == "PP-D-27803"
    assert only.connector_payment_id == "3C679366HH908993F"  # the capture: found by alias
    assert (only.amount, only.currency, only.status) == (2500, "USD", DisputeStatus.NEEDS_RESPONSE)
    assert only.unified_reason is DisputeReason.FRAUDULENT
    assert page.next_cursor == "DOiJ5bS0yMDE5"
    assert "page_size=1" in reqs[0].url
    for request in reqs:
        pp_fake.check_request(request)


def test_paypal_evidence_is_multipart_with_the_documents() -> None:
    d = fixture("paypal", "dispute")
    data = DisputeEvidenceData(
        dispute=ref(d["dispute_id"], "paypal"), submit=True,
        text={EvidenceType.SHIPPING_DOCUMENTATION: "UPS 1Z999"},
        files=[EvidenceFile(type=EvidenceType.RECEIPT, file_name="receipt.pdf",
                            content_type="application/pdf", content=b"%PDF-1.4 x")],
    )  # fmt: skip
    reqs, got = drive(PAYPAL, Flow.DISPUTE_EVIDENCE, PP_CTX, data, [
        response(200, fixture("paypal", "dispute_subsequent_action")),
        response(200, fixture("paypal", "dispute_resolved_won")),
    ])  # fmt: skip
    post = reqs[0]
    assert post.url.endswith("/v1/customer/disputes/PP-D-27803/provide-evidence")
    assert post.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    body = post.body
    assert b'name="input"' in body and b"%PDF-1.4 x" in body
    assert b'name="file1"; filename="receipt.pdf"' in body
    assert b'"evidence_type":"PROOF_OF_FULFILLMENT","notes":"UPS 1Z999"' in body
    assert b'"documents":[{"name":"receipt.pdf"}]' in body
    assert got.status is DisputeStatus.WON and got.evidence_submitted
    assert got.connector_status == "RESOLVED:RESOLVED_SELLER_FAVOUR"
    acc_reqs, accepted = drive(
        PAYPAL, Flow.DISPUTE_ACCEPT, PP_CTX, DisputeAcceptData(dispute=data.dispute),
        [response(200, fixture("paypal", "dispute_subsequent_action")),
         response(200, d | {"status": "RESOLVED",
                            "dispute_outcome": {"outcome_code": "ACCEPTED"}})],
    )  # fmt: skip
    assert acc_reqs[0].url.endswith("/accept-claim") and accepted.status is DisputeStatus.ACCEPTED
    for request in (*reqs, *acc_reqs):
        pp_fake.check_request(request)


def test_paypal_evidence_limits_refuse_before_sending() -> None:
    limits = PAYPAL.evidence_limits
    req = api.DisputeEvidenceCreate(evidence=[
        api.EvidenceItem(type=EvidenceType.RECEIPT, file=b"x" * 10, file_name="a.tiff",
                         content_type="image/tiff")])  # fmt: skip
    with pytest.raises(ServiceError) as exc:
        check_evidence(limits, req, "PayPal")
    assert (exc.value.code, exc.value.field) == (
        "evidence_content_type_not_supported", "evidence[0].content_type",
    )  # fmt: skip
    with pytest.raises(ServiceError) as exc:
        check_evidence(limits, api.DisputeEvidenceCreate(
            evidence=[api.EvidenceItem(type=EvidenceType.UNCATEGORIZED, text="x")], submit=False,
        ), "PayPal")  # fmt: skip
    assert (exc.value.code, exc.value.field) == ("evidence_staging_not_supported", "submit")


def test_files_where_a_gateway_takes_text_only_are_not_supported() -> None:
    req = api.DisputeEvidenceCreate(evidence=[
        api.EvidenceItem(type=EvidenceType.RECEIPT, file=b"%PDF", file_name="r.pdf",
                         content_type="application/pdf")])  # fmt: skip
    assert STRIPE.evidence_limits is not None
    text_only = dataclasses.replace(STRIPE.evidence_limits, file_types=frozenset())
    with pytest.raises(ServiceError) as exc:
        check_evidence(text_only, req, "A gateway")
    assert (exc.value.code, exc.value.field) == ("not_supported", "evidence[0].file")
    big = api.DisputeEvidenceCreate(evidence=[
        api.EvidenceItem(type=EvidenceType.RECEIPT, file=b"x" * 4_718_593, file_name="r.pdf",
                         content_type="application/pdf")])  # fmt: skip
    with pytest.raises(ServiceError) as exc:
        check_evidence(STRIPE.evidence_limits, big, "Stripe")
    assert (exc.value.code, exc.value.field) == ("evidence_file_too_large", "evidence[0].file")


# ---------------------------------------------------------------------- Adyen

ADYEN = AdyenConnector()
ADYEN_CTX = make_ctx(ADYEN, {"api_key": "AQE1_test_key"}, {"merchant_account": "ShopECOM"},
                     base_url="https://checkout-test.adyen.com/v71")  # fmt: skip


def test_adyen_accept_goes_to_the_dispute_api() -> None:
    dref = ref("9915555555555555", "adyen")
    reqs, got = drive(ADYEN, Flow.DISPUTE_ACCEPT, ADYEN_CTX, DisputeAcceptData(dispute=dref),
                      [response(200, fixture("adyen", "dispute_accept"))])  # fmt: skip
    assert reqs[0].url == "https://ca-test.adyen.com/ca/services/DisputeService/v30/acceptDispute"
    assert json.loads(reqs[0].body) == {
        "merchantAccountCode": "ShopECOM",
        "disputePspReference": "9915555555555555",
    }
    validate_request(DISPUTE_SPEC, reqs[0], DISPUTE_BASE)
    assert got.status is DisputeStatus.ACCEPTED
    with pytest.raises(ServiceError) as exc:
        drive(ADYEN, Flow.DISPUTE_ACCEPT, ADYEN_CTX, DisputeAcceptData(dispute=dref),
              [response(200, fixture("adyen", "dispute_accept_failed"))])  # fmt: skip
    assert exc.value.code == "dispute_not_open" and "already defended" in exc.value.message
    flows = ADYEN.meta.flows
    assert Flow.DISPUTE_ACCEPT in flows
    assert not flows & {Flow.DISPUTE_SYNC, Flow.DISPUTE_LIST, Flow.DISPUTE_EVIDENCE}


@pytest.mark.parametrize(
    ("code", "reason"),
    [("10.4", "fraudulent"), ("4837", "fraudulent"), ("13.1", "product_not_received"),
     ("4853", "product_unacceptable"), ("12.6.1", "duplicate"), ("4841", "subscription_canceled"),
     ("99.9", "other"), (None, "other")],
)  # fmt: skip
def test_scheme_reason_codes(code: str | None, reason: str) -> None:
    assert scheme_reason(code) == reason


# ---------------------------------------------------------------------- what the core keeps


def _facts(status: str, **kw: Any) -> DisputeFacts:
    return DisputeFacts(connector="stripe", connector_dispute_id="dp_1", status=status, **kw)


@pytest.mark.parametrize(
    ("before", "after", "kept"),
    [("won", "under_review", "won"), ("lost", "needs_response", "lost"),
     ("accepted", "lost", "accepted"), ("needs_response", "under_review", "under_review"),
     ("under_review", "won", "won"), ("won", "lost", "lost")],
)  # fmt: skip
def test_a_closed_dispute_is_not_reopened(before: str, after: str, kept: str) -> None:
    r = DisputeResult(status=DisputeStatus(after), connector_dispute_id="dp_1")
    merged = merged_facts(_facts(before, payment_id="pay_x", evidence_submitted=True), "stripe",
                          r, None)  # fmt: skip
    assert merged.status == kept
    assert merged.payment_id == "pay_x" and merged.evidence_submitted  # kept from before


def test_evidence_without_limits_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="dispute_evidence without evidence_limits"):

        class NoLimits(Connector):
            def build_dispute_evidence(
                self, ctx: ConnectorContext, data: DisputeEvidenceData
            ) -> HttpRequest:
                raise NotImplementedError

            def parse_dispute_evidence(
                self, ctx: ConnectorContext, data: DisputeEvidenceData, response: HttpResponse
            ) -> DisputeResult:
                raise NotImplementedError
