"""Routing: which connector accounts may serve a payment, in which order, and why.

Rules come from configuration (``[[routing.profiles]]``). The first rule whose every
condition matches the payment decides; its strategy orders its accounts:

- ``priority``: as listed;
- ``weighted``: a weighted draw that is deterministic per idempotency key (a retry lands
  on the same account), then the others by weight as fallbacks;
- ``lowest_cost``: by estimated fee from each account's fee model
  (percent + fixed, per currency, ``"*"`` for the rest), cheapest first.

The plan is pure data: the same function answers ``POST /v1/routing/preview``.
"""

from __future__ import annotations

import hashlib

from connector_service.config import Account, Config, Rule, RuleMatch
from connector_service.domain import api
from connector_service.domain.api import RoutingCandidate as Candidate
from connector_service.domain.api import RoutingDetails as RoutingPlan
from connector_service.domain.errors import invalid
from connector_service.domain.payment_methods import Card, type_of


def _pm_type(pm: object) -> str:
    """The method's ``type`` tag (``card``, ``ideal``, ``sepa_debit`` …)."""
    return type_of(pm).value


def matches(match: RuleMatch, req: api.PaymentCreate) -> bool:
    if match.currency is not None and req.currency not in match.currency:
        return False
    if match.amount_min is not None and req.amount < match.amount_min:
        return False
    if match.amount_max is not None and req.amount > match.amount_max:
        return False
    if match.country is not None:
        country = req.billing.country if req.billing else None
        if country not in match.country:
            return False
    if (
        match.payment_method is not None
        and _pm_type(req.payment_method) not in match.payment_method
    ):
        return False
    card = req.payment_method if isinstance(req.payment_method, Card) else None
    if match.card_brand is not None and (card is None or card.brand.value not in match.card_brand):
        return False
    if match.bin_prefix is not None and (
        card is None or not any(card.number.reveal().startswith(p) for p in match.bin_prefix)
    ):
        return False
    if match.bin_range is not None:
        if card is None:
            return False
        number = card.number.reveal()
        if not any(lo <= number[: len(lo)] <= hi for lo, hi in match.bin_range):
            return False
    if match.metadata is not None:
        for key, value in match.metadata.items():
            if req.metadata.get(key) != value:
                return False
    return True


def estimated_fee(account: Account, currency: str, amount: int) -> int | None:
    model = account.fees.get(currency) or account.fees.get("*")
    if model is None:
        return None
    return round(amount * model.percent / 100) + model.fixed


def _weighted_order(rule: Rule, seed: str) -> list[str]:
    """Draw one account by weight from a hash of ``seed``; the rest follow by weight."""
    weighted = [(a, rule.weights.get(a, 0)) for a in rule.accounts]
    total = sum(w for _, w in weighted)
    if total <= 0:
        return list(rule.accounts)
    point = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big") % total
    chosen = rule.accounts[0]
    for account, weight in weighted:
        if point < weight:
            chosen = account
            break
        point -= weight
    rest = sorted((a for a in rule.accounts if a != chosen), key=lambda a: -rule.weights.get(a, 0))
    return [chosen, *rest]


def plan(
    config: Config,
    connectors_of: dict[str, str],
    req: api.PaymentCreate,
    *,
    profile_name: str | None,
    seed: str,
) -> RoutingPlan | None:
    """The plan for ``req`` under a profile, or None when no profile applies (the caller
    then falls back to the default account)."""
    name = profile_name or config.routing.default_profile
    if name is None:
        return None
    profile = next((p for p in config.routing.profiles if p.name == name), None)
    if profile is None:
        raise invalid("unknown_routing_profile", f"no routing profile {name!r}", "routing_profile")
    for index, rule in enumerate(profile.rules):
        if not matches(rule.match, req):
            continue
        if rule.strategy == "weighted":
            order = _weighted_order(rule, seed)
        elif rule.strategy == "lowest_cost":
            fees = {
                a: estimated_fee(config.accounts[a], req.currency, req.amount)
                for a in rule.accounts
            }
            order = sorted(rule.accounts, key=lambda a: (fees[a] is None, fees[a] or 0))
        else:
            order = list(rule.accounts)
        candidates = [
            Candidate(
                account=a,
                connector=connectors_of[a],
                estimated_fee=estimated_fee(config.accounts[a], req.currency, req.amount),
            )
            for a in order
        ]
        return RoutingPlan(
            candidates=candidates,
            profile=profile.name,
            rule=rule.name or f"#{index}",
            strategy=rule.strategy,
            cascade_on_soft_decline=rule.cascade_on_soft_decline,
        )
    raise invalid(
        "no_route", f"no rule of routing profile {profile.name!r} matches this payment", None
    )


__all__ = ["Candidate", "RoutingPlan", "matches", "plan"]
