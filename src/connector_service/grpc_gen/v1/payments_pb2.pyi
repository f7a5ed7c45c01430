from connector_service.grpc_gen.v1 import common_pb2 as _common_pb2
from connector_service.grpc_gen.v1 import mandates_pb2 as _mandates_pb2
from connector_service.grpc_gen.v1 import marketplace_pb2 as _marketplace_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreatePaymentRequest(_message.Message):
    __slots__ = ("amount", "payment_method", "capture_method", "account", "connector", "routing_profile", "reference", "description", "statement_descriptor", "customer", "billing", "shipping", "browser", "return_url", "setup_future_usage", "metadata", "incremental_authorization", "multiple_captures", "connector_options", "splits", "application_fee", "order")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ConnectorOptionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_METHOD_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ROUTING_PROFILE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    BILLING_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_FIELD_NUMBER: _ClassVar[int]
    BROWSER_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    SETUP_FUTURE_USAGE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INCREMENTAL_AUTHORIZATION_FIELD_NUMBER: _ClassVar[int]
    MULTIPLE_CAPTURES_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SPLITS_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FEE_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    amount: _common_pb2.Money
    payment_method: _common_pb2.PaymentMethod
    capture_method: _common_pb2.CaptureMethod
    account: str
    connector: str
    routing_profile: str
    reference: str
    description: str
    statement_descriptor: str
    customer: _common_pb2.Customer
    billing: _common_pb2.Address
    shipping: _common_pb2.Address
    browser: _common_pb2.BrowserInfo
    return_url: str
    setup_future_usage: str
    metadata: _containers.ScalarMap[str, str]
    incremental_authorization: bool
    multiple_captures: bool
    connector_options: _containers.MessageMap[str, _struct_pb2.Struct]
    splits: _containers.RepeatedCompositeFieldContainer[_marketplace_pb2.Split]
    application_fee: int
    order: _marketplace_pb2.Order
    def __init__(self, amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., payment_method: _Optional[_Union[_common_pb2.PaymentMethod, _Mapping]] = ..., capture_method: _Optional[_Union[_common_pb2.CaptureMethod, str]] = ..., account: _Optional[str] = ..., connector: _Optional[str] = ..., routing_profile: _Optional[str] = ..., reference: _Optional[str] = ..., description: _Optional[str] = ..., statement_descriptor: _Optional[str] = ..., customer: _Optional[_Union[_common_pb2.Customer, _Mapping]] = ..., billing: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., shipping: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., browser: _Optional[_Union[_common_pb2.BrowserInfo, _Mapping]] = ..., return_url: _Optional[str] = ..., setup_future_usage: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., incremental_authorization: _Optional[bool] = ..., multiple_captures: _Optional[bool] = ..., connector_options: _Optional[_Mapping[str, _struct_pb2.Struct]] = ..., splits: _Optional[_Iterable[_Union[_marketplace_pb2.Split, _Mapping]]] = ..., application_fee: _Optional[int] = ..., order: _Optional[_Union[_marketplace_pb2.Order, _Mapping]] = ...) -> None: ...

class PreviewRoutingRequest(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: CreatePaymentRequest
    def __init__(self, payment: _Optional[_Union[CreatePaymentRequest, _Mapping]] = ...) -> None: ...

class GetPaymentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CapturePaymentRequest(_message.Message):
    __slots__ = ("id", "amount", "reference", "metadata", "final_capture", "connector_options")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ConnectorOptionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    FINAL_CAPTURE_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    amount: int
    reference: str
    metadata: _containers.ScalarMap[str, str]
    final_capture: bool
    connector_options: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, id: _Optional[str] = ..., amount: _Optional[int] = ..., reference: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., final_capture: _Optional[bool] = ..., connector_options: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class IncrementAuthorizationRequest(_message.Message):
    __slots__ = ("id", "total_amount", "reason", "reference")
    ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    total_amount: int
    reason: str
    reference: str
    def __init__(self, id: _Optional[str] = ..., total_amount: _Optional[int] = ..., reason: _Optional[str] = ..., reference: _Optional[str] = ...) -> None: ...

class VoidPaymentRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CompletePaymentRequest(_message.Message):
    __slots__ = ("id", "params")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    id: str
    params: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., params: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("id", "status", "amount", "connector", "account", "connector_payment_id", "capture_method", "amount_captured", "reference", "payment_method", "next_action", "failure", "mandate", "network_transaction_id", "pending_reason", "connector_status", "metadata", "attempts", "routing")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_METHOD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CAPTURED_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    NEXT_ACTION_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    MANDATE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    PENDING_REASON_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_STATUS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ROUTING_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: _common_pb2.PaymentStatus
    amount: _common_pb2.Money
    connector: str
    account: str
    connector_payment_id: str
    capture_method: _common_pb2.CaptureMethod
    amount_captured: _common_pb2.Money
    reference: str
    payment_method: _common_pb2.PaymentMethodSummary
    next_action: _common_pb2.NextAction
    failure: _common_pb2.Failure
    mandate: _mandates_pb2.MandateSummary
    network_transaction_id: str
    pending_reason: str
    connector_status: str
    metadata: _containers.ScalarMap[str, str]
    attempts: _containers.RepeatedCompositeFieldContainer[_common_pb2.Attempt]
    routing: _common_pb2.RoutingDetails
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.PaymentStatus, str]] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., connector: _Optional[str] = ..., account: _Optional[str] = ..., connector_payment_id: _Optional[str] = ..., capture_method: _Optional[_Union[_common_pb2.CaptureMethod, str]] = ..., amount_captured: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reference: _Optional[str] = ..., payment_method: _Optional[_Union[_common_pb2.PaymentMethodSummary, _Mapping]] = ..., next_action: _Optional[_Union[_common_pb2.NextAction, _Mapping]] = ..., failure: _Optional[_Union[_common_pb2.Failure, _Mapping]] = ..., mandate: _Optional[_Union[_mandates_pb2.MandateSummary, _Mapping]] = ..., network_transaction_id: _Optional[str] = ..., pending_reason: _Optional[str] = ..., connector_status: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., attempts: _Optional[_Iterable[_Union[_common_pb2.Attempt, _Mapping]]] = ..., routing: _Optional[_Union[_common_pb2.RoutingDetails, _Mapping]] = ...) -> None: ...
