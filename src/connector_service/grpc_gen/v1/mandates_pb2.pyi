from connector_service.grpc_gen.v1 import common_pb2 as _common_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateMandateRequest(_message.Message):
    __slots__ = ("amount", "payment_method", "customer", "account", "connector", "routing_profile", "reference", "description", "billing", "browser", "return_url", "metadata", "connector_options")
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
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ROUTING_PROFILE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BILLING_FIELD_NUMBER: _ClassVar[int]
    BROWSER_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    amount: _common_pb2.Money
    payment_method: _common_pb2.PaymentMethod
    customer: _common_pb2.Customer
    account: str
    connector: str
    routing_profile: str
    reference: str
    description: str
    billing: _common_pb2.Address
    browser: _common_pb2.BrowserInfo
    return_url: str
    metadata: _containers.ScalarMap[str, str]
    connector_options: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., payment_method: _Optional[_Union[_common_pb2.PaymentMethod, _Mapping]] = ..., customer: _Optional[_Union[_common_pb2.Customer, _Mapping]] = ..., account: _Optional[str] = ..., connector: _Optional[str] = ..., routing_profile: _Optional[str] = ..., reference: _Optional[str] = ..., description: _Optional[str] = ..., billing: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., browser: _Optional[_Union[_common_pb2.BrowserInfo, _Mapping]] = ..., return_url: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., connector_options: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class RevokeMandateRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CompleteMandateRequest(_message.Message):
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

class Mandate(_message.Message):
    __slots__ = ("id", "status", "connector", "account", "connector_mandate_id", "customer_id", "payment_method", "next_action", "failure", "connector_status")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_MANDATE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    NEXT_ACTION_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: _common_pb2.MandateStatus
    connector: str
    account: str
    connector_mandate_id: str
    customer_id: str
    payment_method: _common_pb2.PaymentMethodSummary
    next_action: _common_pb2.NextAction
    failure: _common_pb2.Failure
    connector_status: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.MandateStatus, str]] = ..., connector: _Optional[str] = ..., account: _Optional[str] = ..., connector_mandate_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., payment_method: _Optional[_Union[_common_pb2.PaymentMethodSummary, _Mapping]] = ..., next_action: _Optional[_Union[_common_pb2.NextAction, _Mapping]] = ..., failure: _Optional[_Union[_common_pb2.Failure, _Mapping]] = ..., connector_status: _Optional[str] = ...) -> None: ...

class ListMandatesRequest(_message.Message):
    __slots__ = ("account", "customer")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    account: str
    customer: str
    def __init__(self, account: _Optional[str] = ..., customer: _Optional[str] = ...) -> None: ...

class ListMandatesResponse(_message.Message):
    __slots__ = ("mandates", "has_more")
    MANDATES_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    mandates: _containers.RepeatedCompositeFieldContainer[Mandate]
    has_more: bool
    def __init__(self, mandates: _Optional[_Iterable[_Union[Mandate, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class MandateSummary(_message.Message):
    __slots__ = ("id", "status")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: _common_pb2.MandateStatus
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.MandateStatus, str]] = ...) -> None: ...
