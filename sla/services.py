"""Writes of the sla app: workflows across models, each atomic.

The agreement is drafted by revenue ops (the admin role), then signed by each team — marketing
by its marketers, sales by a sales manager. A draft changes freely and a signature on it is
withdrawn by any change, so that nobody's name stands under terms they did not read; once both
teams signed, the version is fixed. Every page, the API and the admin write through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from leads.models import Lead, Stage
from sla.models import Agreement, Function, Goal, RoutingRule, Signoff, Team
from sla.routing import Routed, mqls_route
from smarketing.roles import MARKETING_ROLES, Role, user_roles

AGREEMENT_FIELDS = (
    "effective_from",
    "summary",
    "mqls_per_month",
    "min_accepted_percent",
    "first_touch_hours",
    "touches_required",
    "touches_within_days",
    "decision_hours",
)
# Who signs for each team.
SIGNERS = {Function.MARKETING: MARKETING_ROLES, Function.SALES: frozenset({Role.SALES_MANAGER})}


def _apply(agreement: Agreement, data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(AGREEMENT_FIELDS)
    if unknown:
        raise ValidationError(f"Not a term of the agreement: {', '.join(sorted(unknown))}.")
    for name, value in data.items():
        setattr(agreement, name, value.strip() if isinstance(value, str) else value)
    agreement.full_clean(exclude=["version"])


@transaction.atomic
def agreement_draft(*, actor, data: Mapping[str, Any]) -> Agreement:
    """A new draft version from ``data`` (the names of ``AGREEMENT_FIELDS``); terms not given
    are copied from the latest version, and it takes effect as soon as it is signed unless
    ``effective_from`` says later. Raises ValidationError naming each field."""
    latest = Agreement.objects.select_for_update().order_by("-version").first()
    base = {name: getattr(latest, name) for name in AGREEMENT_FIELDS} if latest else {}
    base.pop("summary", None)
    base["effective_from"] = timezone.now()
    agreement = Agreement(created_by=actor)
    _apply(agreement, {**base, **data})
    agreement.version = (Agreement.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    agreement.save()
    return agreement


@transaction.atomic
def agreement_update(*, agreement: Agreement, data: Mapping[str, Any]) -> Agreement:
    """Change a draft's terms; any signature on it is withdrawn. A signed version is fixed."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.is_signed:
        raise ValidationError(
            f"{agreement} is signed by both teams and cannot change: draft a new version."
        )
    _apply(agreement, data)
    agreement.save()
    agreement.signoffs.all().delete()
    return agreement


def may_sign(user, function: str) -> bool:
    return bool(user_roles(user) & SIGNERS[Function(function)])


@transaction.atomic
def agreement_sign(*, agreement: Agreement, user, function: str) -> Agreement:
    """``user`` signs the draft for their team (``function``). The second team's signature
    fixes the version: it takes effect at its ``effective_from`` (now, if that has passed).
    Signing again is no change. Raises PermissionDenied for a user who may not sign for that
    team, ValidationError for a version already superseded."""
    if function not in Function.values:
        raise ValidationError({"function": [f"Not a team: {function}."]})
    if not may_sign(user, function):
        raise PermissionDenied(
            f"Only {'marketing' if function == Function.MARKETING else 'a sales manager'} "
            f"signs for {Function(function).label.lower()}."
        )
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.is_signed:
        return agreement
    newer = Agreement.objects.signed().filter(version__gt=agreement.version).first()
    if newer is not None:
        raise ValidationError(f"{newer} was signed since: this draft can no longer be signed.")
    Signoff.objects.get_or_create(agreement=agreement, function=function, defaults={"user": user})
    if agreement.signoffs.count() == len(Function):
        now = timezone.now()
        agreement.signed_at = now
        agreement.effective_from = max(agreement.effective_from, now)
        agreement.save(update_fields=["signed_at", "effective_from"])
    return agreement


@transaction.atomic
def agreement_delete(*, agreement: Agreement) -> None:
    """Delete a draft; a signed version stays, as the record of what was agreed."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.is_signed:
        raise ValidationError(f"{agreement} is signed and stays on record.")
    agreement.delete()


@transaction.atomic
def team_save(*, team: Team | None = None, data: Mapping[str, Any]) -> Team:
    """Create or change a team (its name, function, manager, time zone, holidays and hours)."""
    team = team or Team()
    for name, value in data.items():
        setattr(team, name, value.strip() if isinstance(value, str) else value)
    team.holiday_country = team.holiday_country.upper()
    team.full_clean()
    team.save()
    return team


ROUTING_RULE_FIELDS = ("name", "position", "active", "team", "weighted", "countries")


@transaction.atomic
def routing_rule_save(
    *, rule: RoutingRule | None = None, data: Mapping[str, Any], personas=None
) -> RoutingRule:
    """Create or change a routing rule (``ROUTING_RULE_FIELDS``, and its personas when given);
    it applies to the leads that become MQLs from now on."""
    rule = rule or RoutingRule()
    for name, value in data.items():
        if name in ROUTING_RULE_FIELDS:
            setattr(rule, name, value.strip() if isinstance(value, str) else value)
    rule.full_clean()
    rule.save()
    if personas is not None:
        rule.personas.set(personas)
    return rule


@transaction.atomic
def routing_rule_delete(*, rule: RoutingRule) -> None:
    """Remove a rule; the leads it routed keep their owners and their history."""
    rule.delete()


def unassigned_mqls_route() -> Routed:
    """Route every MQL without an owner now (after rules are set up, or reps come back)."""
    ids = Lead.objects.filter(stage=Stage.MQL, owner__isnull=True).values_list("pk", flat=True)
    return mqls_route(list(ids))


GOAL_FIELDS = (
    "name",
    "metric",
    "from_stage",
    "to_stage",
    "channels",
    "campaign",
    "persona",
    "team",
    "target_kind",
    "target",
    "starts_on",
    "ends_on",
)


@transaction.atomic
def goal_save(*, goal: Goal | None = None, data: Mapping[str, Any], actor) -> Goal:
    """Create a shared goal, or change one: ``data`` holds the names of ``GOAL_FIELDS`` and
    ``owner_teams`` (the teams that own it, at least one). Raises ValidationError naming each
    field."""
    goal = goal or Goal(created_by=actor)
    unknown = set(data) - set(GOAL_FIELDS) - {"owner_teams"}
    if unknown:
        raise ValidationError(f"Not a field of a goal: {', '.join(sorted(unknown))}.")
    for name, value in data.items():
        if name != "owner_teams":
            setattr(goal, name, value.strip() if isinstance(value, str) else value)
    owners = list(data["owner_teams"]) if "owner_teams" in data else None
    if owners is None and goal.pk is None or owners == []:
        raise ValidationError({"owner_teams": ["Name the team or teams that own the goal."]})
    goal.full_clean()
    goal.save()
    if owners is not None:
        goal.owner_teams.set(owners)
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal) -> None:
    goal.delete()
