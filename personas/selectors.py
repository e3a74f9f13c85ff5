"""Reads of the personas app: querysets and summaries ready for pages and the API.

Cost contract: the list costs one query whatever the number of personas (each with its owner,
its count of leads, counted from the partial index ``lead_persona``, and its open insights),
cut off at ``LIST_LIMIT``. The persona page costs a fixed handful: the persona, its funnel (one
aggregate over its own leads' transitions), its campaigns, its top rejection reasons, its
shared insights (cut off at ``INSIGHT_LIMIT``), its history (cut off at ``HISTORY_LIMIT``
changes) and the names of the owners the history mentions.

The leads, transitions and campaigns that point at a persona belong to the leads app, which
imports personas, never the reverse: they are read through the relations their models declare
towards ``Persona`` (``Persona.leads``) and through the app registry, by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Coalesce

from personas.models import InsightStatus, Persona, PersonaInsight
from personas.profile import QUESTION_GROUPS, field_label, value_display
from smarketing.roles import MARKETING_ROLES, Role

LIST_LIMIT = 200
CAMPAIGN_LIMIT = 20
REJECTION_REASON_LIMIT = 5
HISTORY_LIMIT = 50
INSIGHT_LIMIT = 30

# The lifecycle's stages from MQL on, as ``leads.models.FUNNEL`` orders them (a test checks
# they agree): a lead reached a step when it ever moved to that stage or one past it, so a
# lead moved straight from MQL to SQL by revenue ops still counts as an MQL.
_FUNNEL_FROM_MQL = ("mql", "sal", "sql", "opportunity", "customer", "evangelist")
FUNNEL_STEPS: tuple[tuple[str, str], ...] = (
    ("mql", "MQL"),
    ("sql", "SQL"),
    ("customer", "Customer"),
)
# A lead's rejection: sales sent it back to nurture (recycled) or ruled it out, with a reason.
REJECTION_STAGES = ("recycled", "disqualified")


def _leads_model():
    return apps.get_model("leads", "Lead")


def _transition_model():
    return apps.get_model("leads", "StageTransition")


def _campaign_model():
    return apps.get_model("leads", "Campaign")


# --- the list ----------------------------------------------------------------------------------


def _open_insights() -> Coalesce:
    counted = (
        PersonaInsight.objects.open()
        .filter(persona=OuterRef("pk"))
        .order_by()
        .values("persona")
        .annotate(count=Count("id"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def personas_with_counts() -> QuerySet[Persona]:
    """Personas by name, each with its owner, ``lead_count`` (leads whose persona it is) and
    ``open_insight_count`` (insights shared and not yet decided)."""
    # Ordered here: Django drops ``Meta.ordering`` from a query that groups.
    return (
        Persona.objects.select_related("owner")
        .annotate(lead_count=Count("leads"), open_insight_count=_open_insights())
        .order_by("name", "id")
    )


@dataclass(frozen=True)
class PersonaList:
    personas: list[Persona]
    cut_off: bool
    limit: int = LIST_LIMIT


def persona_list() -> PersonaList:
    rows = list(personas_with_counts()[: LIST_LIMIT + 1])
    return PersonaList(personas=rows[:LIST_LIMIT], cut_off=len(rows) > LIST_LIMIT)


# --- the persona page --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileRow:
    label: str
    value: str


@dataclass(frozen=True)
class ProfileGroup:
    number: int
    key: str
    title: str
    questions: tuple[str, ...]
    rows: list[ProfileRow]

    @property
    def answered(self) -> bool:
        return any(row.value for row in self.rows)


def _range(low: Any, high: Any, unit: str = "") -> str:
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{low:,}–{high:,}{suffix}"
    if low is not None:
        return f"{low:,} or more{suffix}"
    if high is not None:
        return f"up to {high:,}{suffix}"
    return ""


def persona_profile(persona: Persona) -> list[ProfileGroup]:
    """The twelve question groups with their answers as people read them (no query)."""
    groups = []
    for number, group in enumerate(QUESTION_GROUPS, start=1):
        rows = []
        for name in group.fields:
            if name in ("age_max", "income_max", "income_currency"):
                continue  # shown with the start of their range
            if name == "age_min":
                rows.append(ProfileRow("Age range", _range(persona.age_min, persona.age_max)))
            elif name == "income_min":
                income = _range(persona.income_min, persona.income_max, persona.income_currency)
                rows.append(ProfileRow("Income range (a year)", income))
            else:
                rows.append(
                    ProfileRow(field_label(name), value_display(name, getattr(persona, name)))
                )
        groups.append(ProfileGroup(number, group.key, group.title, group.questions, rows))
    return groups


def persona_for_page(pk: int) -> Persona:
    """The persona with its owner, its matching rules and ``lead_count``; raises
    ``Persona.DoesNotExist``."""
    return personas_with_counts().select_related("rules").get(pk=pk)


@dataclass(frozen=True)
class FunnelStep:
    label: str
    count: int
    # The share of the step before (of all its leads, for the first), in whole percent.
    share: int | None


def persona_funnel(persona: Persona) -> list[FunnelStep]:
    """Its leads, then how many of them ever reached MQL, SQL and customer, counted from their
    stage transitions (distinct leads), in one query."""
    counts = {
        stage: Count(
            "id",
            filter=Q(transitions__to_stage__in=_FUNNEL_FROM_MQL[_FUNNEL_FROM_MQL.index(stage) :]),
            distinct=True,
        )
        for stage, _label in FUNNEL_STEPS
    }
    totals = (
        _leads_model()
        .objects.filter(persona=persona)
        .aggregate(leads=Count("id", distinct=True), **counts)
    )
    steps = [FunnelStep("Leads", totals["leads"], None)]
    for stage, label in FUNNEL_STEPS:
        previous = steps[-1].count
        share = round(100 * totals[stage] / previous) if previous else None
        steps.append(FunnelStep(label, totals[stage], share))
    return steps


@dataclass(frozen=True)
class CampaignList:
    campaigns: list
    cut_off: bool
    limit: int = CAMPAIGN_LIMIT


def persona_campaigns(persona: Persona) -> CampaignList:
    """The campaigns that target it, newest first, each with ``lead_count``."""
    rows = list(
        _campaign_model()
        .objects.filter(target_persona=persona)
        .annotate(lead_count=Count("leads"))
        .order_by("-starts_on", "name")[: CAMPAIGN_LIMIT + 1]
    )
    return CampaignList(campaigns=rows[:CAMPAIGN_LIMIT], cut_off=len(rows) > CAMPAIGN_LIMIT)


@dataclass(frozen=True)
class RejectionReason:
    reason: str
    count: int


def persona_rejection_reasons(persona: Persona) -> list[RejectionReason]:
    """The reasons most often given when its leads were recycled or disqualified, top first:
    the reason code's label, or the words of a rejection made before reasons had codes."""
    rows = (
        _transition_model()
        .objects.filter(lead__persona=persona, to_stage__in=REJECTION_STAGES)
        .annotate(said=Coalesce("rejection_reason__label", "reason", output_field=TextField()))
        .exclude(said="")
        .values("said")
        .annotate(count=Count("id"))
        .order_by("-count", "said")[:REJECTION_REASON_LIMIT]
    )
    return [RejectionReason(row["said"], row["count"]) for row in rows]


# --- shared insights ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InsightList:
    insights: list[PersonaInsight]
    open_count: int
    cut_off: bool
    limit: int = INSIGHT_LIMIT


def persona_insights(persona: Persona, *, limit: int = INSIGHT_LIMIT) -> InsightList:
    """Its insights, the open ones first, newest first within each; each with its author and
    who decided it. ``open_count`` is the persona's own ``open_insight_count`` when it was read
    with it (``personas_with_counts``), else counted."""
    rows = list(
        persona.insights.select_related("author", "decided_by")
        .annotate(is_open=Q(status=InsightStatus.OPEN))
        .order_by("-is_open", "-created_at", "-id")[: limit + 1]
    )
    open_count = getattr(persona, "open_insight_count", None)
    if open_count is None:
        open_count = persona.insights.open().count()
    return InsightList(
        insights=rows[:limit], open_count=open_count, cut_off=len(rows) > limit, limit=limit
    )


def insights_for_api() -> QuerySet[PersonaInsight]:
    return PersonaInsight.objects.select_related("author", "decided_by", "persona")


# --- the history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    who: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class History:
    entries: list[HistoryEntry]
    cut_off: bool
    limit: int = HISTORY_LIMIT


_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return "system"
    return user.get_full_name() or user.username


def persona_history(persona: Persona, *, limit: int = HISTORY_LIMIT) -> History:
    """Its changes, newest first: who, when, and each field's value before and after. Each
    record is compared with the one before it, read in the same query (one more than shown)."""
    records = list(
        persona.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    deltas = []
    owner_ids: set[int] = set()
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        if previous is None or record.history_type != "~":
            deltas.append((record, []))
            continue
        changes = record.diff_against(previous).changes
        owner_ids.update(
            value for change in changes if change.field == "owner" for value in (change.old, change.new)
            if isinstance(value, int)
        )  # fmt: skip
        deltas.append((record, changes))
    owners = {
        user.pk: user.get_full_name() or user.username
        for user in get_user_model().objects.filter(pk__in=owner_ids)
    } if owner_ids else {}  # fmt: skip
    entries = [
        HistoryEntry(
            at=record.history_date,
            who=_who(record),
            action=_ACTIONS.get(record.history_type, record.history_type),
            changes=[
                FieldChange(
                    field_label(change.field),
                    value_display(change.field, change.old, owners),
                    value_display(change.field, change.new, owners),
                )
                for change in changes
            ],
        )
        for record, changes in deltas
    ]
    return History(entries=entries, cut_off=len(records) > limit)


# --- forms -------------------------------------------------------------------------------------


def industries_in_use(limit: int = 30) -> list[str]:
    """The industries companies are recorded in, to suggest the names leads already use."""
    return list(
        apps.get_model("leads", "Company")
        .objects.exclude(industry="")
        .order_by("industry")
        .values_list("industry", flat=True)
        .distinct()[:limit]
    )


def owner_choices() -> QuerySet:
    """Who may own a persona: active users of the marketing roles and admins."""
    names = [role.value for role in (*MARKETING_ROLES, Role.ADMIN)]
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=names) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )
