from connector_service.grpc_gen.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorDetail(_message.Message):
    __slots__ = ("type", "code", "message", "request_id", "field", "gateway", "decline", "http_status", "attempts")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    GATEWAY_FIELD_NUMBER: _ClassVar[int]
    DECLINE_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    type: str
    code: str
    message: str
    request_id: str
    field: str
    gateway: _common_pb2.GatewayDetail
    decline: _common_pb2.Failure
    http_status: int
    attempts: _containers.RepeatedCompositeFieldContainer[_common_pb2.Attempt]
    def __init__(self, type: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., request_id: _Optional[str] = ..., field: _Optional[str] = ..., gateway: _Optional[_Union[_common_pb2.GatewayDetail, _Mapping]] = ..., decline: _Optional[_Union[_common_pb2.Failure, _Mapping]] = ..., http_status: _Optional[int] = ..., attempts: _Optional[_Iterable[_Union[_common_pb2.Attempt, _Mapping]]] = ...) -> None: ...
