from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PaymentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_STATUS_UNSPECIFIED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_REQUIRES_ACTION: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_PROCESSING: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_AUTHORIZED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_PARTIALLY_CAPTURED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_CAPTURED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_VOIDED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_FAILED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_UNRESOLVED: _ClassVar[PaymentStatus]

class RefundStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFUND_STATUS_UNSPECIFIED: _ClassVar[RefundStatus]
    REFUND_STATUS_PENDING: _ClassVar[RefundStatus]
    REFUND_STATUS_SUCCEEDED: _ClassVar[RefundStatus]
    REFUND_STATUS_FAILED: _ClassVar[RefundStatus]

class MandateStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MANDATE_STATUS_UNSPECIFIED: _ClassVar[MandateStatus]
    MANDATE_STATUS_PENDING: _ClassVar[MandateStatus]
    MANDATE_STATUS_ACTIVE: _ClassVar[MandateStatus]
    MANDATE_STATUS_REVOKED: _ClassVar[MandateStatus]
    MANDATE_STATUS_FAILED: _ClassVar[MandateStatus]

class DisputeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISPUTE_STATUS_UNSPECIFIED: _ClassVar[DisputeStatus]
    DISPUTE_STATUS_NEEDS_RESPONSE: _ClassVar[DisputeStatus]
    DISPUTE_STATUS_UNDER_REVIEW: _ClassVar[DisputeStatus]
    DISPUTE_STATUS_WON: _ClassVar[DisputeStatus]
    DISPUTE_STATUS_LOST: _ClassVar[DisputeStatus]
    DISPUTE_STATUS_ACCEPTED: _ClassVar[DisputeStatus]

class CaptureMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAPTURE_METHOD_UNSPECIFIED: _ClassVar[CaptureMethod]
    CAPTURE_METHOD_AUTOMATIC: _ClassVar[CaptureMethod]
    CAPTURE_METHOD_MANUAL: _ClassVar[CaptureMethod]

class DeclineCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECLINE_CATEGORY_UNSPECIFIED: _ClassVar[DeclineCategory]
    DECLINE_CATEGORY_SOFT: _ClassVar[DeclineCategory]
    DECLINE_CATEGORY_HARD: _ClassVar[DeclineCategory]
    DECLINE_CATEGORY_RETRY_LATER: _ClassVar[DeclineCategory]
PAYMENT_STATUS_UNSPECIFIED: PaymentStatus
PAYMENT_STATUS_REQUIRES_ACTION: PaymentStatus
PAYMENT_STATUS_PROCESSING: PaymentStatus
PAYMENT_STATUS_AUTHORIZED: PaymentStatus
PAYMENT_STATUS_PARTIALLY_CAPTURED: PaymentStatus
PAYMENT_STATUS_CAPTURED: PaymentStatus
PAYMENT_STATUS_VOIDED: PaymentStatus
PAYMENT_STATUS_FAILED: PaymentStatus
PAYMENT_STATUS_UNRESOLVED: PaymentStatus
REFUND_STATUS_UNSPECIFIED: RefundStatus
REFUND_STATUS_PENDING: RefundStatus
REFUND_STATUS_SUCCEEDED: RefundStatus
REFUND_STATUS_FAILED: RefundStatus
MANDATE_STATUS_UNSPECIFIED: MandateStatus
MANDATE_STATUS_PENDING: MandateStatus
MANDATE_STATUS_ACTIVE: MandateStatus
MANDATE_STATUS_REVOKED: MandateStatus
MANDATE_STATUS_FAILED: MandateStatus
DISPUTE_STATUS_UNSPECIFIED: DisputeStatus
DISPUTE_STATUS_NEEDS_RESPONSE: DisputeStatus
DISPUTE_STATUS_UNDER_REVIEW: DisputeStatus
DISPUTE_STATUS_WON: DisputeStatus
DISPUTE_STATUS_LOST: DisputeStatus
DISPUTE_STATUS_ACCEPTED: DisputeStatus
CAPTURE_METHOD_UNSPECIFIED: CaptureMethod
CAPTURE_METHOD_AUTOMATIC: CaptureMethod
CAPTURE_METHOD_MANUAL: CaptureMethod
DECLINE_CATEGORY_UNSPECIFIED: DeclineCategory
DECLINE_CATEGORY_SOFT: DeclineCategory
DECLINE_CATEGORY_HARD: DeclineCategory
DECLINE_CATEGORY_RETRY_LATER: DeclineCategory

class Money(_message.Message):
    __slots__ = ("minor_units", "currency")
    MINOR_UNITS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    minor_units: int
    currency: str
    def __init__(self, minor_units: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class Address(_message.Message):
    __slots__ = ("line1", "line2", "city", "state", "postal_code", "country", "first_name", "last_name", "phone")
    LINE1_FIELD_NUMBER: _ClassVar[int]
    LINE2_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    first_name: str
    last_name: str
    phone: str
    def __init__(self, line1: _Optional[str] = ..., line2: _Optional[str] = ..., city: _Optional[str] = ..., state: _Optional[str] = ..., postal_code: _Optional[str] = ..., country: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ("id", "email", "name", "phone", "ip_address")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    name: str
    phone: str
    ip_address: str
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., ip_address: _Optional[str] = ...) -> None: ...

class BrowserInfo(_message.Message):
    __slots__ = ("accept_header", "user_agent", "language", "color_depth", "screen_height", "screen_width", "time_zone_offset", "java_enabled", "javascript_enabled", "ip_address")
    ACCEPT_HEADER_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    COLOR_DEPTH_FIELD_NUMBER: _ClassVar[int]
    SCREEN_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SCREEN_WIDTH_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_OFFSET_FIELD_NUMBER: _ClassVar[int]
    JAVA_ENABLED_FIELD_NUMBER: _ClassVar[int]
    JAVASCRIPT_ENABLED_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    accept_header: str
    user_agent: str
    language: str
    color_depth: int
    screen_height: int
    screen_width: int
    time_zone_offset: int
    java_enabled: bool
    javascript_enabled: bool
    ip_address: str
    def __init__(self, accept_header: _Optional[str] = ..., user_agent: _Optional[str] = ..., language: _Optional[str] = ..., color_depth: _Optional[int] = ..., screen_height: _Optional[int] = ..., screen_width: _Optional[int] = ..., time_zone_offset: _Optional[int] = ..., java_enabled: _Optional[bool] = ..., javascript_enabled: _Optional[bool] = ..., ip_address: _Optional[str] = ...) -> None: ...

class Card(_message.Message):
    __slots__ = ("number", "exp_month", "exp_year", "cvc", "holder_name")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    CVC_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    holder_name: str
    def __init__(self, number: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., cvc: _Optional[str] = ..., holder_name: _Optional[str] = ...) -> None: ...

class Token(_message.Message):
    __slots__ = ("token", "customer_id")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    token: str
    customer_id: str
    def __init__(self, token: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class MandateReference(_message.Message):
    __slots__ = ("mandate_id",)
    MANDATE_ID_FIELD_NUMBER: _ClassVar[int]
    mandate_id: str
    def __init__(self, mandate_id: _Optional[str] = ...) -> None: ...

class Wallet(_message.Message):
    __slots__ = ("wallet", "token")
    WALLET_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    wallet: str
    token: str
    def __init__(self, wallet: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...

class Redirect(_message.Message):
    __slots__ = ("method",)
    METHOD_FIELD_NUMBER: _ClassVar[int]
    method: str
    def __init__(self, method: _Optional[str] = ...) -> None: ...

class PaymentMethod(_message.Message):
    __slots__ = ("card", "token", "mandate", "wallet", "redirect")
    CARD_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    MANDATE_FIELD_NUMBER: _ClassVar[int]
    WALLET_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_FIELD_NUMBER: _ClassVar[int]
    card: Card
    token: Token
    mandate: MandateReference
    wallet: Wallet
    redirect: Redirect
    def __init__(self, card: _Optional[_Union[Card, _Mapping]] = ..., token: _Optional[_Union[Token, _Mapping]] = ..., mandate: _Optional[_Union[MandateReference, _Mapping]] = ..., wallet: _Optional[_Union[Wallet, _Mapping]] = ..., redirect: _Optional[_Union[Redirect, _Mapping]] = ...) -> None: ...

class CardSummary(_message.Message):
    __slots__ = ("brand", "last4", "exp_month", "exp_year")
    BRAND_FIELD_NUMBER: _ClassVar[int]
    LAST4_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    def __init__(self, brand: _Optional[str] = ..., last4: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ...) -> None: ...

class PaymentMethodSummary(_message.Message):
    __slots__ = ("type", "card")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    type: str
    card: CardSummary
    def __init__(self, type: _Optional[str] = ..., card: _Optional[_Union[CardSummary, _Mapping]] = ...) -> None: ...

class NextAction(_message.Message):
    __slots__ = ("type", "url", "method", "form")
    class FormEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    type: str
    url: str
    method: str
    form: _containers.ScalarMap[str, str]
    def __init__(self, type: _Optional[str] = ..., url: _Optional[str] = ..., method: _Optional[str] = ..., form: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GatewayDetail(_message.Message):
    __slots__ = ("code", "message", "http_status")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    http_status: int
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., http_status: _Optional[int] = ...) -> None: ...

class Failure(_message.Message):
    __slots__ = ("code", "message", "category", "advice_code", "gateway")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ADVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    GATEWAY_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    category: DeclineCategory
    advice_code: str
    gateway: GatewayDetail
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., category: _Optional[_Union[DeclineCategory, str]] = ..., advice_code: _Optional[str] = ..., gateway: _Optional[_Union[GatewayDetail, _Mapping]] = ...) -> None: ...

class Attempt(_message.Message):
    __slots__ = ("account", "connector", "outcome", "latency_ms", "reason")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    account: str
    connector: str
    outcome: str
    latency_ms: float
    reason: str
    def __init__(self, account: _Optional[str] = ..., connector: _Optional[str] = ..., outcome: _Optional[str] = ..., latency_ms: _Optional[float] = ..., reason: _Optional[str] = ...) -> None: ...

class RoutingCandidate(_message.Message):
    __slots__ = ("account", "connector", "estimated_fee", "breaker", "skipped")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_FEE_FIELD_NUMBER: _ClassVar[int]
    BREAKER_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    account: str
    connector: str
    estimated_fee: int
    breaker: str
    skipped: str
    def __init__(self, account: _Optional[str] = ..., connector: _Optional[str] = ..., estimated_fee: _Optional[int] = ..., breaker: _Optional[str] = ..., skipped: _Optional[str] = ...) -> None: ...

class RoutingDetails(_message.Message):
    __slots__ = ("candidates", "profile", "rule", "strategy", "cascade_on_soft_decline")
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    CASCADE_ON_SOFT_DECLINE_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[RoutingCandidate]
    profile: str
    rule: str
    strategy: str
    cascade_on_soft_decline: bool
    def __init__(self, candidates: _Optional[_Iterable[_Union[RoutingCandidate, _Mapping]]] = ..., profile: _Optional[str] = ..., rule: _Optional[str] = ..., strategy: _Optional[str] = ..., cascade_on_soft_decline: _Optional[bool] = ...) -> None: ...
