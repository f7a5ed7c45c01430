"""The protos, their generated code and the gRPC layer agree with each other and with
the REST API: no drift, no breaking change against the baseline, every API field and
status mirrored, every RPC served, every error type mapped."""

from __future__ import annotations

import copy
import importlib.util
import json
import typing
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import msgspec
import pytest
from google.protobuf.message import Message

from connector_service.domain import api, common, payment_methods, splits, status
from connector_service.domain.errors import ErrorType, Failure, GatewayDetail, ServiceError
from connector_service.grpc_gen.v1 import (
    common_pb2,
    connectors_pb2,
    errors_pb2,
    mandates_pb2,
    marketplace_pb2,
    payments_pb2,
    refunds_pb2,
)
from connector_service.server import grpc_server

ROOT = Path(__file__).resolve().parents[2]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_proto", ROOT / "scripts/gen_proto.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


# ------------------------------------------------------------------ generated code, baseline


def test_generated_code_has_not_drifted() -> None:
    fresh = gen.generate()
    committed = {
        str(p.relative_to(gen.OUT_DIR)): p.read_text()
        for p in gen.OUT_DIR.rglob("*")
        if p.is_file() and p.suffix in (".py", ".pyi")
    }
    assert set(committed) == set(fresh), "stale generated files: run `make proto`"
    for rel, text in fresh.items():
        assert gen.normalise(committed[rel]) == gen.normalise(text), (
            f"grpc_gen/{rel} is stale: run `make proto`"
        )


@pytest.fixture(scope="module")
def current() -> dict[str, Any]:
    result: dict[str, Any] = gen.summary()
    return result


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(gen.BASELINE.read_text())
    return result


def test_no_breaking_change_against_the_baseline(
    baseline: dict[str, Any], current: dict[str, Any]
) -> None:
    assert gen.breaking_changes(baseline, current) == []


def test_baseline_records_the_current_protos(
    baseline: dict[str, Any], current: dict[str, Any]
) -> None:
    """Additions must be recorded too (``make proto``), so that they are protected from
    the next change on; the recording step refuses breaking changes."""
    assert current == baseline, "proto/baseline.json is stale: run `make proto`"


def _mutated(summary: dict[str, Any], change: Any) -> dict[str, Any]:
    data = copy.deepcopy(summary)
    change(data)
    return data


PAYMENT = "connector_service.v1.Payment"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["messages"][PAYMENT]["fields"]["3"].update(type="int64"),
         "field 3 (amount): type changed"),
        (lambda d: d["messages"][PAYMENT]["fields"]["2"].update(name="state"),
         "field 2 (status): name changed"),
        (lambda d: d["messages"][PAYMENT]["fields"]["18"].update(label="singular"),
         "field 18 (attempts): label changed"),
        (lambda d: d["messages"][PAYMENT]["fields"].pop("14"),
         "field 14 (network_transaction_id) was deleted without reserving its number"),
        (lambda d: d["messages"].pop("connector_service.v1.Money"),
         "message connector_service.v1.Money was deleted"),
        (lambda d: d["enums"]["connector_service.v1.PaymentStatus"]["values"].update(
            {"5": "PAYMENT_STATUS_SETTLED"}), "value 5 was renamed"),
        (lambda d: d["services"]["connector_service.v1.PaymentService"]["GetPayment"].update(
            output="connector_service.v1.Refund"), "GetPayment changed its signature"),
        (lambda d: d["services"]["connector_service.v1.RefundService"].pop("GetRefund"),
         "GetRefund was deleted"),
    ],
)  # fmt: skip
def test_the_compatibility_check_catches_breaking_changes(
    current: dict[str, Any], change: Any, expected: str
) -> None:
    problems = gen.breaking_changes(current, _mutated(current, change))
    assert any(expected in p for p in problems), problems


def test_a_reserved_number_may_not_be_reused(current: dict[str, Any]) -> None:
    def reserve(d: dict[str, Any]) -> None:
        msg = d["messages"][PAYMENT]
        msg["fields"].pop("14")
        msg["reserved_numbers"].append(14)
        msg["reserved_names"].append("network_transaction_id")

    reserved = _mutated(current, reserve)
    assert gen.breaking_changes(current, reserved) == []  # deleting with a reservation is fine

    def reuse(d: dict[str, Any]) -> None:
        d["messages"][PAYMENT]["fields"]["14"] = {
            "name": "network_ref", "type": "int64", "label": "singular", "oneof": None,
        }  # fmt: skip

    problems = gen.breaking_changes(reserved, _mutated(reserved, reuse))
    assert any("reuses the reserved field number 14" in p for p in problems), problems


def test_adding_fields_and_rpcs_is_compatible(current: dict[str, Any]) -> None:
    def add(d: dict[str, Any]) -> None:
        d["messages"][PAYMENT]["fields"]["99"] = {
            "name": "new_field", "type": "string", "label": "singular", "oneof": None,
        }  # fmt: skip
        d["services"]["connector_service.v1.PaymentService"]["ListPayments"] = {}

    assert gen.breaking_changes(current, _mutated(current, add)) == []


# ------------------------------------------------------------------ mirrors REST


def _fields(struct: type[msgspec.Struct]) -> set[str]:
    return {f.name for f in msgspec.structs.fields(struct)}


def _proto_fields(message: type[Message]) -> set[str]:
    return {f.name for f in message.DESCRIPTOR.fields}


_MONEY = {"amount", "currency"}  # flat in REST, one Money message in proto

MIRRORS: list[tuple[type[msgspec.Struct], type[Message], set[str], set[str]]] = [
    # (API struct, proto message, API-only fields, proto-only fields)
    (api.PaymentCreate, payments_pb2.CreatePaymentRequest, {"currency"}, set()),
    (api.CaptureCreate, payments_pb2.CapturePaymentRequest, set(), {"id"}),
    (api.IncrementCreate, payments_pb2.IncrementAuthorizationRequest, set(), {"id"}),
    (api.MandateListQuery, mandates_pb2.ListMandatesRequest, set(), set()),
    (api.VoidCreate, payments_pb2.VoidPaymentRequest, set(), {"id"}),
    (api.CompleteCreate, payments_pb2.CompletePaymentRequest, set(), {"id"}),
    (api.RefundCreate, refunds_pb2.CreateRefundRequest, set(), {"payment_id"}),
    (api.MandateCreate, mandates_pb2.CreateMandateRequest, {"currency"}, set()),
    (api.Payment, payments_pb2.Payment, {"currency", "object"}, set()),
    (api.Refund, refunds_pb2.Refund, {"currency", "object"}, set()),
    (api.Mandate, mandates_pb2.Mandate, {"object"}, set()),
    (api.MandateSummary, mandates_pb2.MandateSummary, set(), set()),
    (api.ConnectorInfo, connectors_pb2.ConnectorInfo, set(), set()),
    (api.Attempt, common_pb2.Attempt, set(), set()),
    (api.RoutingDetails, common_pb2.RoutingDetails, set(), set()),
    (api.RoutingCandidate, common_pb2.RoutingCandidate, set(), set()),
    (api.PaymentMethodSummary, common_pb2.PaymentMethodSummary, set(), set()),
    (api.ErrorBody, errors_pb2.ErrorDetail, set(), {"http_status"}),
    (Failure, common_pb2.Failure, set(), set()),
    (GatewayDetail, common_pb2.GatewayDetail, set(), set()),
    (common.Address, common_pb2.Address, set(), set()),
    (common.Customer, common_pb2.Customer, set(), set()),
    (common.BrowserInfo, common_pb2.BrowserInfo, set(), set()),
    (common.CardSummary, common_pb2.CardSummary, set(), set()),
    (payment_methods.Card, common_pb2.Card, set(), set()),
    (payment_methods.Token, common_pb2.Token, set(), set()),
    (payment_methods.MandateRef, common_pb2.MandateReference, set(), set()),
    (payment_methods.ThreeDsResult, common_pb2.ThreeDsResult, set(), set()),
    (payment_methods.MandateAcceptance, common_pb2.MandateAcceptance, set(), set()),
    (api.PaymentMethodInfo, connectors_pb2.PaymentMethodInfo, set(), set()),
    *[
        (cls, getattr(common_pb2, cls.__name__), set(), set())
        for cls in typing.get_args(payment_methods.AlternativeMethod)
    ],
    # issue 19: marketplace splits and order data
    (splits.Split, marketplace_pb2.Split, set(), set()),
    (splits.LineItem, marketplace_pb2.LineItem, set(), set()),
    (splits.Order, marketplace_pb2.Order, set(), set()),
]


@pytest.mark.parametrize(("struct", "message", "api_only", "proto_only"), MIRRORS)
def test_proto_messages_mirror_the_api(
    struct: type[msgspec.Struct], message: type[Message], api_only: set[str], proto_only: set[str]
) -> None:
    assert _fields(struct) - api_only == _proto_fields(message) - proto_only, (
        f"{message.DESCRIPTOR.full_name} no longer mirrors {struct.__name__}: "
        "add the field to the proto (and `make proto`)"
    )


# Oneof members kept for old clients: the gRPC server reads them as the methods they name.
LEGACY_METHODS = {"wallet", "redirect"}


def test_payment_method_oneof_mirrors_the_union() -> None:
    union = typing.get_args(payment_methods.PaymentMethod)
    tags = {t.__struct_config__.tag for t in union}
    oneof = {f.name for f in common_pb2.PaymentMethod.DESCRIPTOR.oneofs[0].fields}
    assert tags == oneof - LEGACY_METHODS


def test_next_action_message_mirrors_every_variant() -> None:
    fields = {"type"} | {
        f.name
        for variant in typing.get_args(common.NextAction)
        for f in msgspec.structs.fields(variant)
    }
    assert fields == _proto_fields(common_pb2.NextAction)


@pytest.mark.parametrize(
    ("enum", "proto", "prefix"),
    [
        (status.PaymentStatus, common_pb2.PaymentStatus, "PAYMENT_STATUS_"),
        (status.RefundStatus, common_pb2.RefundStatus, "REFUND_STATUS_"),
        (status.MandateStatus, common_pb2.MandateStatus, "MANDATE_STATUS_"),
        (status.DisputeStatus, common_pb2.DisputeStatus, "DISPUTE_STATUS_"),
        (status.CaptureMethod, common_pb2.CaptureMethod, "CAPTURE_METHOD_"),
        (status.DeclineCategory, common_pb2.DeclineCategory, "DECLINE_CATEGORY_"),
    ],
)
def test_status_enums_mirror_the_domain(enum: type[StrEnum], proto: Any, prefix: str) -> None:
    names = {n for n in proto.DESCRIPTOR.values_by_name if not n.endswith("_UNSPECIFIED")}
    assert names == {prefix + v.value.upper() for v in enum}


def test_every_rpc_of_every_service_is_served() -> None:
    declared = {
        f"/{svc.full_name}/{m.name}"
        for module in grpc_server.FILES
        for svc in module.DESCRIPTOR.services_by_name.values()
        for m in svc.methods
    }
    assert {rpc.path for rpc in grpc_server.RPCS} == declared
    for rpc in grpc_server.RPCS:
        method = rpc.request.DESCRIPTOR.file.pool.FindMethodByName(rpc.path[1:].replace("/", "."))
        assert method.input_type is rpc.request.DESCRIPTOR
        assert method.output_type is rpc.response.DESCRIPTOR


def test_every_rest_post_is_idempotent_over_grpc_too() -> None:
    served = {rpc.operation.name: rpc.idempotent for rpc in grpc_server.RPCS}
    from connector_service.server.app import ENDPOINTS

    shared = [ep for ep in ENDPOINTS if ep.operation.name in served]
    assert len(shared) >= 10
    for ep in shared:
        assert served[ep.operation.name] == (ep.method == "POST"), ep.path
        rpc = next(r for r in grpc_server.RPCS if r.operation.name == ep.operation.name)
        assert rpc.operation is ep.operation, "REST and gRPC serve one Operation"


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("type_", "code", "http_status", "expected"),
    [
        (ErrorType.INVALID_REQUEST, "invalid_amount", None, grpc.StatusCode.INVALID_ARGUMENT),
        (ErrorType.AUTHENTICATION, "missing_api_key", None, grpc.StatusCode.UNAUTHENTICATED),
        (ErrorType.PERMISSION, "account_not_allowed", None, grpc.StatusCode.PERMISSION_DENIED),
        (ErrorType.NOT_FOUND, "payment_not_found", None, grpc.StatusCode.NOT_FOUND),
        (ErrorType.CONFLICT, "idempotency_key_reused", None, grpc.StatusCode.ALREADY_EXISTS),
        (ErrorType.CONFLICT, "idempotency_request_in_progress", None, grpc.StatusCode.ABORTED),
        (ErrorType.CONFLICT, "payment_not_capturable", None, grpc.StatusCode.FAILED_PRECONDITION),
        (ErrorType.NOT_SUPPORTED, "not_supported", None, grpc.StatusCode.UNIMPLEMENTED),
        (ErrorType.RATE_LIMITED, "gateway_rate_limited", None,
         grpc.StatusCode.RESOURCE_EXHAUSTED),
        (ErrorType.CONNECTOR, "gateway_unavailable", 503, grpc.StatusCode.UNAVAILABLE),
        (ErrorType.CONNECTOR, "gateway_error", None, grpc.StatusCode.UNKNOWN),
        (ErrorType.NETWORK, "gateway_unreachable", 503, grpc.StatusCode.UNAVAILABLE),
        (ErrorType.NETWORK, "gateway_timeout", 504, grpc.StatusCode.DEADLINE_EXCEEDED),
        (ErrorType.INTERNAL, "internal_error", None, grpc.StatusCode.INTERNAL),
    ],
)  # fmt: skip
def test_error_types_map_to_grpc_codes(
    type_: ErrorType, code: str, http_status: int | None, expected: grpc.StatusCode
) -> None:
    err = ServiceError(type_, code, "message", http_status=http_status)
    assert grpc_server.grpc_code(err) == expected
    status_ = grpc_server.rpc_status(err, "req_1")
    assert status_.code == expected.value[0]
    detail = errors_pb2.ErrorDetail()
    assert status_.details[0].Unpack(detail)
    assert (detail.type, detail.code, detail.request_id) == (type_.value, code, "req_1")
    assert detail.http_status == err.http_status


def test_every_error_type_is_mapped() -> None:
    codes = {type_: grpc_server.grpc_code(ServiceError(type_, "x", "m")) for type_ in ErrorType}
    assert set(codes) == set(ErrorType)  # no KeyError: every type has a code
    assert codes[ErrorType.INVALID_REQUEST].name == "INVALID_ARGUMENT"
    assert codes[ErrorType.NOT_FOUND].name == "NOT_FOUND"
    assert codes[ErrorType.AUTHENTICATION].name == "UNAUTHENTICATED"
    # only a gateway error of unknown kind and our own bugs may be vague
    vague = {t for t, c in codes.items() if c.name in ("UNKNOWN", "INTERNAL")}
    assert vague <= {ErrorType.CONNECTOR, ErrorType.INTERNAL}


def test_the_errors_proto_documents_the_mapping() -> None:
    doc = (ROOT / "proto/connector_service/v1/errors.proto").read_text()
    for type_ in ErrorType:
        assert type_.value in doc
    for code in grpc_server._CODE_BY_TYPE.values():
        assert code.name in doc


# ------------------------------------------------------------------ serving


def test_serve_factory_builds_the_same_rest_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` uses grpc_server.create_app_from_env: it must stay the REST factory plus
    gRPC, never a diverging copy."""
    from connector_service.server import app as rest

    monkeypatch.setenv("CS_STORAGE_URL", "memory://")
    monkeypatch.delenv("CS_CONFIG", raising=False)
    plain, with_grpc = rest.create_app_from_env(), grpc_server.create_app_from_env()
    assert [getattr(r, "path", None) for r in plain.routes] == [
        getattr(r, "path", None) for r in with_grpc.routes
    ]
    assert with_grpc.router.lifespan_context is not plain.router.lifespan_context
