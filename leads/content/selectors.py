"""Reads of sales enablement on leads and of the journey map.

Cost contract, whatever the number of leads and events:
- the journey map reads the stages and their questions (2 queries), the leads counted by
  journey stage and persona (1 grouped query over the partial index of staged leads), the live
  content of every stage (1), and one grouped query per stage for its touchpoints, over the
  events of at most ``TOUCHPOINT_LEAD_CAP`` of its newest leads in the last
  ``TOUCHPOINT_DAYS`` days (each lead's events read from ``event_lead_time``);
- the content list adds one grouped query for the figures of the assets on its page;
- an asset's page reads its sends (at most ``EFFECT_SEND_CAP``) and those leads'
  transitions in the following ``OUTCOME_DAYS`` days, and its latest ratings;
- a lead's suggestions are one query for the assets and one for what was sent to the lead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone

from journeys.models import ContentAsset, ContentStatus, JourneyStage
from journeys.selectors import stages_with_questions
from leads.content.models import ContentRating, ContentSend
from leads.events import EVENT_TYPES_BY_KEY
from leads.models import FUNNEL, Event, Lead, Stage, StageTransition

SUGGESTION_LIMIT = 5
TOUCHPOINT_DAYS = 30
TOUCHPOINT_LEAD_CAP = 5_000
CONTENT_PER_STAGE = 6
EFFECT_SEND_CAP = 2_000
OUTCOME_DAYS = 30
RECENT_RATINGS = 20

# --- suggestions on the lead page --------------------------------------------------------------

PersonaLink = ContentAsset.personas.through
StageLink = ContentAsset.stages.through

BOTH, PERSONA, STAGE, GENERAL = 0, 1, 2, 3


@dataclass
class Suggestion:
    asset: ContentAsset
    reason: str
    send: ContentSend | None = None


def _reason(rank: int, lead: Lead) -> str:
    persona = lead.persona.name if lead.persona_id else ""
    stage = lead.journey_stage.name if lead.journey_stage_id else ""
    return {
        BOTH: f"Made for {persona} at the {stage} stage",
        PERSONA: f"Made for {persona}",
        STAGE: f"Made for the {stage} stage",
        GENERAL: "For every persona and stage",
    }[rank]


def content_suggestions(lead: Lead, *, limit: int = SUGGESTION_LIMIT) -> list[Suggestion]:
    """Live assets for the lead: made for its persona and its journey stage, then for either,
    then those made for everyone (no persona, no stage); newest first within each. Each comes
    with why it is suggested and its latest send to this lead, if any."""
    persona_match = Exists(
        PersonaLink.objects.filter(contentasset_id=OuterRef("pk"), persona_id=lead.persona_id)
    )
    stage_match = Exists(
        StageLink.objects.filter(
            contentasset_id=OuterRef("pk"), journeystage_id=lead.journey_stage_id
        )
    )
    targeted = Exists(PersonaLink.objects.filter(contentasset_id=OuterRef("pk"))) | Exists(
        StageLink.objects.filter(contentasset_id=OuterRef("pk"))
    )
    assets = (
        ContentAsset.objects.filter(status=ContentStatus.LIVE)
        .annotate(
            rank=Case(
                When(persona_match & stage_match, then=Value(BOTH)),
                When(persona_match, then=Value(PERSONA)),
                When(stage_match, then=Value(STAGE)),
                When(~targeted, then=Value(GENERAL)),
                default=Value(None),
                output_field=IntegerField(),
            )
        )
        .filter(rank__isnull=False)
        .order_by("rank", "-updated_at", "-id")[:limit]
    )
    suggestions = [Suggestion(asset, _reason(asset.rank, lead)) for asset in assets]
    sends = (
        ContentSend.objects.filter(
            lead=lead, asset__in=[suggestion.asset for suggestion in suggestions]
        )
        .select_related("rating")
        .order_by("at", "id")
    )
    latest = {send.asset_id: send for send in sends}
    for suggestion in suggestions:
        suggestion.send = latest.get(suggestion.asset.pk)
    return suggestions


# --- the content list and an asset's page ------------------------------------------------------


@dataclass(frozen=True)
class AssetFigures:
    sent: int = 0
    rated: int = 0
    useful: int = 0

    @property
    def useful_share(self) -> float | None:
        return self.useful / self.rated if self.rated else None


def asset_figures(asset_ids: Iterable[int]) -> dict[int, AssetFigures]:
    """Times sent, ratings and useful ratings of each asset, in one grouped query."""
    rows = (
        ContentSend.objects.filter(asset_id__in=list(asset_ids))
        .values("asset_id")
        .annotate(
            sent=Count("id"),
            rated=Count("rating"),
            useful=Count("rating", filter=Q(rating__useful=True)),
        )
        .order_by()
    )
    return {row.pop("asset_id"): AssetFigures(**row) for row in rows}


LATER_STAGES = {stage: set(FUNNEL[index + 1 :]) for index, stage in enumerate(FUNNEL)}
SQL_OR_BEYOND = set(FUNNEL[FUNNEL.index(Stage.SQL) :])
CUSTOMER_OR_BEYOND = {Stage.CUSTOMER, Stage.EVANGELIST}


@dataclass(frozen=True)
class AssetEffect:
    """What followed an asset's sends: of the leads it was sent to (each counted once, from
    its first send), how many moved to a later funnel stage, reached SQL or became customers
    within ``OUTCOME_DAYS`` days of the send. Leads already there at the send are not
    counted as reaching it."""

    figures: AssetFigures
    leads: int
    moved_forward: int
    reached_sql: int
    became_customer: int
    cut_off: bool
    days: int = OUTCOME_DAYS


def asset_effect(asset: ContentAsset) -> AssetEffect:
    figures = asset_figures([asset.pk]).get(asset.pk, AssetFigures())
    sends = list(
        ContentSend.objects.filter(asset=asset)
        .order_by("at", "id")
        .values_list("lead_id", "at", "stage_at_send")[: EFFECT_SEND_CAP + 1]
    )
    cut_off = len(sends) > EFFECT_SEND_CAP
    first: dict[int, tuple] = {}
    for lead_id, at, stage in sends[:EFFECT_SEND_CAP]:
        first.setdefault(lead_id, (at, stage))
    moved = reached_sql = customer = 0
    if first:
        since = min(at for at, _ in first.values())
        transitions = defaultdict(list)
        for lead_id, to_stage, at in StageTransition.objects.filter(
            lead_id__in=list(first), at__gt=since
        ).values_list("lead_id", "to_stage", "at"):
            transitions[lead_id].append((to_stage, at))
        for lead_id, (sent_at, stage) in first.items():
            reached = {
                to_stage
                for to_stage, at in transitions[lead_id]
                if sent_at < at <= sent_at + timedelta(days=OUTCOME_DAYS)
            }
            moved += bool(reached & LATER_STAGES.get(stage, set()))
            reached_sql += stage not in SQL_OR_BEYOND and bool(reached & SQL_OR_BEYOND)
            customer += stage not in CUSTOMER_OR_BEYOND and bool(reached & CUSTOMER_OR_BEYOND)
    return AssetEffect(figures, len(first), moved, reached_sql, customer, cut_off)


def asset_ratings(asset: ContentAsset, *, limit: int = RECENT_RATINGS) -> tuple[list, bool]:
    """The latest ratings of an asset's sends, with the lead and the rep, and whether there
    are more."""
    ratings = list(
        ContentRating.objects.filter(send__asset=asset)
        .select_related("send__lead", "by")
        .order_by("-at", "-id")[: limit + 1]
    )
    return ratings[:limit], len(ratings) > limit


# --- the journey map ---------------------------------------------------------------------------


@dataclass
class StageMap:
    stage: JourneyStage
    questions: list
    by_persona: list[tuple[str, int]] = field(default_factory=list)
    leads: int = 0
    content: list[ContentAsset] = field(default_factory=list)
    content_total: int = 0
    touchpoints: list[tuple[str, int]] = field(default_factory=list)
    touchpoint_events: int = 0
    touchpoint_leads_capped: bool = False


@dataclass
class JourneyMap:
    stages: list[StageMap]
    staged_leads: int
    general_content: list[ContentAsset]
    days: int = TOUCHPOINT_DAYS
    lead_cap: int = TOUCHPOINT_LEAD_CAP


def _touchpoints(stage: JourneyStage, since) -> list[tuple[str, int]]:
    """Events of the stage's newest ``TOUCHPOINT_LEAD_CAP`` leads since ``since``, by type."""
    newest = Lead.objects.filter(journey_stage=stage).order_by("-id").values("id")
    rows = (
        Event.objects.filter(lead_id__in=newest[:TOUCHPOINT_LEAD_CAP], occurred_at__gte=since)
        .values("type")
        .annotate(count=Count("id"))
        .order_by("-count", "type")
    )
    return [
        (EVENT_TYPES_BY_KEY[row["type"]].label if row["type"] in EVENT_TYPES_BY_KEY else row["type"],
         row["count"])
        for row in rows
    ]  # fmt: skip


def _stage_content(stages: Sequence[JourneyStage]) -> tuple[dict, dict, list]:
    links = (
        StageLink.objects.filter(contentasset__status=ContentStatus.LIVE)
        .select_related("contentasset")
        .order_by("-contentasset__updated_at", "-contentasset_id")
    )
    shown: dict[int, list] = defaultdict(list)
    totals: dict[int, int] = defaultdict(int)
    for link in links:
        totals[link.journeystage_id] += 1
        if len(shown[link.journeystage_id]) < CONTENT_PER_STAGE:
            shown[link.journeystage_id].append(link.contentasset)
    general = list(
        ContentAsset.objects.filter(status=ContentStatus.LIVE)
        .exclude(Exists(StageLink.objects.filter(contentasset_id=OuterRef("pk"))))
        .order_by("-updated_at", "-id")[:CONTENT_PER_STAGE]
    )
    return shown, totals, general


def journey_map(*, now=None) -> JourneyMap:
    now = now or timezone.now()
    stages = list(stages_with_questions())
    counts: dict[int, list] = defaultdict(list)
    for row in (
        Lead.objects.filter(journey_stage__isnull=False)
        .values("journey_stage_id", "persona__name")
        .annotate(count=Count("id"))
        .order_by()
    ):
        counts[row["journey_stage_id"]].append((row["persona__name"], row["count"]))
    shown, totals, general = _stage_content(stages)
    since = now - timedelta(days=TOUCHPOINT_DAYS)
    maps = []
    for stage in stages:
        by_persona = sorted(counts[stage.pk], key=lambda item: (item[0] is None, -item[1]))
        leads = sum(count for _, count in by_persona)
        touchpoints = _touchpoints(stage, since) if leads else []
        maps.append(
            StageMap(
                stage=stage,
                questions=list(stage.questions.all()),
                by_persona=[(name or "No persona", count) for name, count in by_persona],
                leads=leads,
                content=shown[stage.pk],
                content_total=totals[stage.pk],
                touchpoints=touchpoints,
                touchpoint_events=sum(count for _, count in touchpoints),
                touchpoint_leads_capped=leads > TOUCHPOINT_LEAD_CAP,
            )
        )
    return JourneyMap(
        stages=maps, staged_leads=sum(item.leads for item in maps), general_content=general
    )
