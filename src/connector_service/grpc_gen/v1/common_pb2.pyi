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
    __slots__ = ("number", "exp_month", "exp_year", "cvc", "holder_name", "three_ds")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    CVC_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    THREE_DS_FIELD_NUMBER: _ClassVar[int]
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    holder_name: str
    three_ds: ThreeDsResult
    def __init__(self, number: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., cvc: _Optional[str] = ..., holder_name: _Optional[str] = ..., three_ds: _Optional[_Union[ThreeDsResult, _Mapping]] = ...) -> None: ...

class ThreeDsResult(_message.Message):
    __slots__ = ("authentication_value", "eci", "version", "ds_transaction_id")
    AUTHENTICATION_VALUE_FIELD_NUMBER: _ClassVar[int]
    ECI_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DS_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    authentication_value: str
    eci: str
    version: str
    ds_transaction_id: str
    def __init__(self, authentication_value: _Optional[str] = ..., eci: _Optional[str] = ..., version: _Optional[str] = ..., ds_transaction_id: _Optional[str] = ...) -> None: ...

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

class NetworkToken(_message.Message):
    __slots__ = ("number", "exp_month", "exp_year", "cryptogram", "eci", "source", "holder_name")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    CRYPTOGRAM_FIELD_NUMBER: _ClassVar[int]
    ECI_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    number: str
    exp_month: int
    exp_year: int
    cryptogram: str
    eci: str
    source: str
    holder_name: str
    def __init__(self, number: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., cryptogram: _Optional[str] = ..., eci: _Optional[str] = ..., source: _Optional[str] = ..., holder_name: _Optional[str] = ...) -> None: ...

class ApplePay(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class GooglePay(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class PayPal(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Ideal(_message.Message):
    __slots__ = ("bank",)
    BANK_FIELD_NUMBER: _ClassVar[int]
    bank: str
    def __init__(self, bank: _Optional[str] = ...) -> None: ...

class Bancontact(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Eps(_message.Message):
    __slots__ = ("bank",)
    BANK_FIELD_NUMBER: _ClassVar[int]
    bank: str
    def __init__(self, bank: _Optional[str] = ...) -> None: ...

class Blik(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class Przelewy24(_message.Message):
    __slots__ = ("bank",)
    BANK_FIELD_NUMBER: _ClassVar[int]
    bank: str
    def __init__(self, bank: _Optional[str] = ...) -> None: ...

class MandateAcceptance(_message.Message):
    __slots__ = ("accepted_at", "type", "ip_address", "user_agent")
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    accepted_at: str
    type: str
    ip_address: str
    user_agent: str
    def __init__(self, accepted_at: _Optional[str] = ..., type: _Optional[str] = ..., ip_address: _Optional[str] = ..., user_agent: _Optional[str] = ...) -> None: ...

class SepaDebit(_message.Message):
    __slots__ = ("iban", "account_holder_name", "mandate_acceptance")
    IBAN_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    MANDATE_ACCEPTANCE_FIELD_NUMBER: _ClassVar[int]
    iban: str
    account_holder_name: str
    mandate_acceptance: MandateAcceptance
    def __init__(self, iban: _Optional[str] = ..., account_holder_name: _Optional[str] = ..., mandate_acceptance: _Optional[_Union[MandateAcceptance, _Mapping]] = ...) -> None: ...

class AchDebit(_message.Message):
    __slots__ = ("account_number", "routing_number", "account_holder_name", "mandate_acceptance", "account_type", "account_holder_type")
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ROUTING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    MANDATE_ACCEPTANCE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_HOLDER_TYPE_FIELD_NUMBER: _ClassVar[int]
    account_number: str
    routing_number: str
    account_holder_name: str
    mandate_acceptance: MandateAcceptance
    account_type: str
    account_holder_type: str
    def __init__(self, account_number: _Optional[str] = ..., routing_number: _Optional[str] = ..., account_holder_name: _Optional[str] = ..., mandate_acceptance: _Optional[_Union[MandateAcceptance, _Mapping]] = ..., account_type: _Optional[str] = ..., account_holder_type: _Optional[str] = ...) -> None: ...

class BacsDebit(_message.Message):
    __slots__ = ("sort_code", "account_number", "account_holder_name", "mandate_acceptance")
    SORT_CODE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    MANDATE_ACCEPTANCE_FIELD_NUMBER: _ClassVar[int]
    sort_code: str
    account_number: str
    account_holder_name: str
    mandate_acceptance: MandateAcceptance
    def __init__(self, sort_code: _Optional[str] = ..., account_number: _Optional[str] = ..., account_holder_name: _Optional[str] = ..., mandate_acceptance: _Optional[_Union[MandateAcceptance, _Mapping]] = ...) -> None: ...

class Pix(_message.Message):
    __slots__ = ("expires_after_seconds",)
    EXPIRES_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    expires_after_seconds: int
    def __init__(self, expires_after_seconds: _Optional[int] = ...) -> None: ...

class Upi(_message.Message):
    __slots__ = ("vpa",)
    VPA_FIELD_NUMBER: _ClassVar[int]
    vpa: str
    def __init__(self, vpa: _Optional[str] = ...) -> None: ...

class PayNow(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PromptPay(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Boleto(_message.Message):
    __slots__ = ("tax_id", "expires_after_days")
    TAX_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    tax_id: str
    expires_after_days: int
    def __init__(self, tax_id: _Optional[str] = ..., expires_after_days: _Optional[int] = ...) -> None: ...

class Oxxo(_message.Message):
    __slots__ = ("expires_after_days",)
    EXPIRES_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    expires_after_days: int
    def __init__(self, expires_after_days: _Optional[int] = ...) -> None: ...

class Konbini(_message.Message):
    __slots__ = ("expires_after_days",)
    EXPIRES_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    expires_after_days: int
    def __init__(self, expires_after_days: _Optional[int] = ...) -> None: ...

class Klarna(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AfterpayClearpay(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Affirm(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Alipay(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WechatPay(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Netbanking(_message.Message):
    __slots__ = ("bank",)
    BANK_FIELD_NUMBER: _ClassVar[int]
    bank: str
    def __init__(self, bank: _Optional[str] = ...) -> None: ...

class Qris(_message.Message):
    __slots__ = ("expires_after_seconds",)
    EXPIRES_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    expires_after_seconds: int
    def __init__(self, expires_after_seconds: _Optional[int] = ...) -> None: ...

class Ewallet(_message.Message):
    __slots__ = ("provider", "phone")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    provider: str
    phone: str
    def __init__(self, provider: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class VirtualAccount(_message.Message):
    __slots__ = ("bank", "account_holder_name", "expires_after_days")
    BANK_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    bank: str
    account_holder_name: str
    expires_after_days: int
    def __init__(self, bank: _Optional[str] = ..., account_holder_name: _Optional[str] = ..., expires_after_days: _Optional[int] = ...) -> None: ...

class PaymentMethod(_message.Message):
    __slots__ = ("card", "token", "mandate", "wallet", "redirect", "network_token", "apple_pay", "google_pay", "paypal", "ideal", "bancontact", "eps", "blik", "przelewy24", "sepa_debit", "ach_debit", "bacs_debit", "pix", "upi", "paynow", "promptpay", "boleto", "oxxo", "konbini", "klarna", "afterpay_clearpay", "affirm", "alipay", "wechat_pay", "netbanking", "qris", "ewallet", "virtual_account")
    CARD_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    MANDATE_FIELD_NUMBER: _ClassVar[int]
    WALLET_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    APPLE_PAY_FIELD_NUMBER: _ClassVar[int]
    GOOGLE_PAY_FIELD_NUMBER: _ClassVar[int]
    PAYPAL_FIELD_NUMBER: _ClassVar[int]
    IDEAL_FIELD_NUMBER: _ClassVar[int]
    BANCONTACT_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    BLIK_FIELD_NUMBER: _ClassVar[int]
    PRZELEWY24_FIELD_NUMBER: _ClassVar[int]
    SEPA_DEBIT_FIELD_NUMBER: _ClassVar[int]
    ACH_DEBIT_FIELD_NUMBER: _ClassVar[int]
    BACS_DEBIT_FIELD_NUMBER: _ClassVar[int]
    PIX_FIELD_NUMBER: _ClassVar[int]
    UPI_FIELD_NUMBER: _ClassVar[int]
    PAYNOW_FIELD_NUMBER: _ClassVar[int]
    PROMPTPAY_FIELD_NUMBER: _ClassVar[int]
    BOLETO_FIELD_NUMBER: _ClassVar[int]
    OXXO_FIELD_NUMBER: _ClassVar[int]
    KONBINI_FIELD_NUMBER: _ClassVar[int]
    KLARNA_FIELD_NUMBER: _ClassVar[int]
    AFTERPAY_CLEARPAY_FIELD_NUMBER: _ClassVar[int]
    AFFIRM_FIELD_NUMBER: _ClassVar[int]
    ALIPAY_FIELD_NUMBER: _ClassVar[int]
    WECHAT_PAY_FIELD_NUMBER: _ClassVar[int]
    NETBANKING_FIELD_NUMBER: _ClassVar[int]
    QRIS_FIELD_NUMBER: _ClassVar[int]
    EWALLET_FIELD_NUMBER: _ClassVar[int]
    VIRTUAL_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    card: Card
    token: Token
    mandate: MandateReference
    wallet: Wallet
    redirect: Redirect
    network_token: NetworkToken
    apple_pay: ApplePay
    google_pay: GooglePay
    paypal: PayPal
    ideal: Ideal
    bancontact: Bancontact
    eps: Eps
    blik: Blik
    przelewy24: Przelewy24
    sepa_debit: SepaDebit
    ach_debit: AchDebit
    bacs_debit: BacsDebit
    pix: Pix
    upi: Upi
    paynow: PayNow
    promptpay: PromptPay
    boleto: Boleto
    oxxo: Oxxo
    konbini: Konbini
    klarna: Klarna
    afterpay_clearpay: AfterpayClearpay
    affirm: Affirm
    alipay: Alipay
    wechat_pay: WechatPay
    netbanking: Netbanking
    qris: Qris
    ewallet: Ewallet
    virtual_account: VirtualAccount
    def __init__(self, card: _Optional[_Union[Card, _Mapping]] = ..., token: _Optional[_Union[Token, _Mapping]] = ..., mandate: _Optional[_Union[MandateReference, _Mapping]] = ..., wallet: _Optional[_Union[Wallet, _Mapping]] = ..., redirect: _Optional[_Union[Redirect, _Mapping]] = ..., network_token: _Optional[_Union[NetworkToken, _Mapping]] = ..., apple_pay: _Optional[_Union[ApplePay, _Mapping]] = ..., google_pay: _Optional[_Union[GooglePay, _Mapping]] = ..., paypal: _Optional[_Union[PayPal, _Mapping]] = ..., ideal: _Optional[_Union[Ideal, _Mapping]] = ..., bancontact: _Optional[_Union[Bancontact, _Mapping]] = ..., eps: _Optional[_Union[Eps, _Mapping]] = ..., blik: _Optional[_Union[Blik, _Mapping]] = ..., przelewy24: _Optional[_Union[Przelewy24, _Mapping]] = ..., sepa_debit: _Optional[_Union[SepaDebit, _Mapping]] = ..., ach_debit: _Optional[_Union[AchDebit, _Mapping]] = ..., bacs_debit: _Optional[_Union[BacsDebit, _Mapping]] = ..., pix: _Optional[_Union[Pix, _Mapping]] = ..., upi: _Optional[_Union[Upi, _Mapping]] = ..., paynow: _Optional[_Union[PayNow, _Mapping]] = ..., promptpay: _Optional[_Union[PromptPay, _Mapping]] = ..., boleto: _Optional[_Union[Boleto, _Mapping]] = ..., oxxo: _Optional[_Union[Oxxo, _Mapping]] = ..., konbini: _Optional[_Union[Konbini, _Mapping]] = ..., klarna: _Optional[_Union[Klarna, _Mapping]] = ..., afterpay_clearpay: _Optional[_Union[AfterpayClearpay, _Mapping]] = ..., affirm: _Optional[_Union[Affirm, _Mapping]] = ..., alipay: _Optional[_Union[Alipay, _Mapping]] = ..., wechat_pay: _Optional[_Union[WechatPay, _Mapping]] = ..., netbanking: _Optional[_Union[Netbanking, _Mapping]] = ..., qris: _Optional[_Union[Qris, _Mapping]] = ..., ewallet: _Optional[_Union[Ewallet, _Mapping]] = ..., virtual_account: _Optional[_Union[VirtualAccount, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("type", "url", "method", "form", "payload", "image", "expires_at", "reference", "barcode", "instructions_url", "message", "version", "bank", "account_number", "account_holder_name")
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
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    BARCODE_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_URL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    BANK_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    type: str
    url: str
    method: str
    form: _containers.ScalarMap[str, str]
    payload: str
    image: str
    expires_at: str
    reference: str
    barcode: str
    instructions_url: str
    message: str
    version: str
    bank: str
    account_number: str
    account_holder_name: str
    def __init__(self, type: _Optional[str] = ..., url: _Optional[str] = ..., method: _Optional[str] = ..., form: _Optional[_Mapping[str, str]] = ..., payload: _Optional[str] = ..., image: _Optional[str] = ..., expires_at: _Optional[str] = ..., reference: _Optional[str] = ..., barcode: _Optional[str] = ..., instructions_url: _Optional[str] = ..., message: _Optional[str] = ..., version: _Optional[str] = ..., bank: _Optional[str] = ..., account_number: _Optional[str] = ..., account_holder_name: _Optional[str] = ...) -> None: ...

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
