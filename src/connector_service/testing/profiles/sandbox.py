"""The sandbox connector's profile: no network, the documented test cards."""

from connector_service.testing.profile import Card, ConnectorProfile, Decline

PROFILE = ConnectorProfile(
    connector="sandbox",
    account_credentials=lambda fake: {},
    success=Card("4242424242424242", "123"),
    soft_decline=Decline(Card("4000000000000127", "123"), "incorrect_cvc", "soft"),
    hard_decline=Decline(Card("4000000000000002", "123"), "stolen_card", "hard"),
    flows=frozenset({"authorize", "capture", "void", "refund", "sync", "refund_sync"}),
)
