"""A lead's persona and journey stage, matched set-based by the scoring statement itself.

Every statement that writes scores (a full rescore's chunk, the workers' batches, the demo's
runs) also writes ``persona`` and ``journey_stage`` from the expressions below, so matching
costs one CASE over the lead's columns and one look at its recent events in the index by lead,
not a pass of its own. A rescore writes only the leads whose scores, persona or journey stage
changed.

- **Persona**: the persona rules (``personas.PersonaRules``) compared by priority, lowest number
  first; a lead gets the first persona all of whose set conditions hold, else none. Industry
  and title words ignore case (folded like the fit rules' text); the others are exact keys.
- **Journey stage**: each stage lists lifecycle stages and event types
  (``journeys.JourneyStage``); a lead stands in the furthest stage (highest position) that its
  lifecycle stage maps to or that one of its events maps to, counting an event when it occurred
  within that stage's ``event_window_days`` before the instant scored as of. None when nothing
  maps.
- A persona or journey stage set by hand (``persona_manual``, ``journey_stage_manual``) is kept.

When the rules or the mapping change, every lead is matched again by a rescore of the active
model in committed chunks (``matching_changed``). Without an active model nothing is scored,
so nothing is matched either.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Expression,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import Exact, In, IsNull
from django.utils import timezone

from journeys.models import JourneyStage
from leads.events import EVENT_TYPE_CHOICES
from leads.models import Department, Event, Lead, Seniority, SizeBand, Stage
from leads.scoring.attributes import Operator
from personas.models import Persona, PersonaRules
from personas.vocabulary import Vocabulary


def matching_vocabulary() -> Vocabulary:
    """The leads' words the rules and the mapping are written in (``MATCHING_VOCABULARY``)."""
    return Vocabulary(
        seniorities=tuple(Seniority.choices),
        departments=tuple(Department.choices),
        size_bands=tuple(SizeBand.choices),
        lifecycle_stages=tuple(Stage.choices),
        event_types=tuple(EVENT_TYPE_CHOICES),
    )


# Persona -------------------------------------------------------------------------------------


def persona_rules_condition(rules: PersonaRules) -> Q | Expression:
    """The condition under which a lead matches ``rules``: every set condition holds."""
    from leads.scoring.compiler import text_condition

    parts: list[Q | Expression] = []
    if rules.industries:
        parts.append(text_condition(F("company__industry"), Operator.ONE_OF, rules.industries))
    if rules.size_bands:
        parts.append(Q(company__size_band__in=rules.size_bands))
    if rules.seniorities:
        parts.append(Q(seniority__in=rules.seniorities))
    if rules.departments:
        parts.append(Q(department__in=rules.departments))
    if rules.title_words:
        words = [text_condition(F("job_title"), Operator.CONTAINS, w) for w in rules.title_words]
        parts.append(reduce(or_, (Q(word) for word in words)))
    if rules.countries:
        parts.append(Q(country__in=rules.countries))
    if not parts:
        return Q(pk__in=[])  # refused by the services; matches nobody if it exists anyway
    return reduce(and_, (part if isinstance(part, Q) else Q(part) for part in parts))


def persona_expression(rules: list[PersonaRules] | None = None) -> Expression:
    """The lead's persona id as the rules match it, or as set by hand (an expression over
    Lead)."""
    if rules is None:
        rules = list(PersonaRules.objects.order_by("priority"))
    return Case(
        When(persona_manual=True, then=F("persona_id")),
        *[
            When(persona_rules_condition(each), then=Value(each.persona_id))
            for each in sorted(rules, key=lambda each: each.priority)
        ],
        default=Value(None),
        output_field=IntegerField(),
    )


def persona_fit_condition(operator: str, value, *, stored: bool = False) -> Q | Expression:
    """A fit rule on the persona: the persona matched in the same statement (``stored``: the one
    written with the lead's score, for the why-this-score card). Values are persona names; a
    name no persona has any more matches nobody."""
    persona = F("persona_id") if stored else persona_expression()
    if operator in (Operator.IS_SET, Operator.IS_EMPTY):
        return IsNull(persona, operator == Operator.IS_EMPTY)
    names = value if isinstance(value, list) else [value]
    ids = list(Persona.objects.filter(name__in=names).values_list("pk", flat=True))
    if not ids:
        return Q(pk__in=[])
    if operator == Operator.EQUALS:
        return Exact(persona, Value(ids[0]))
    return In(persona, ids)


# Journey stage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappedStage:
    pk: int
    position: int
    lifecycle_stages: tuple[str, ...]
    event_types: tuple[str, ...]
    window: datetime.timedelta


def journey_stages() -> list[MappedStage]:
    return [
        MappedStage(
            pk=stage.pk,
            position=stage.position,
            lifecycle_stages=tuple(stage.lifecycle_stages),
            event_types=tuple(stage.event_types),
            window=datetime.timedelta(days=stage.event_window_days),
        )
        for stage in JourneyStage.objects.order_by("position")
    ]


def _since(now, window: datetime.timedelta):
    if isinstance(now, datetime.datetime):
        return now - window
    return now - Value(window)


@dataclass(frozen=True)
class JourneyEvents:
    """The events half of the journey position, as an aggregate over a lead's events: which
    events place a lead (``condition``) and the furthest position they reach (``furthest``)."""

    condition: Q
    furthest: Expression


def journey_events(now, stages: list[MappedStage] | None = None) -> JourneyEvents | None:
    """The furthest stage a lead's recent events map to, for a statement that reads each
    lead's events (None when no stage maps events)."""
    stages = journey_stages() if stages is None else stages
    by_events = [each for each in stages if each.event_types]
    if not by_events:
        return None
    recent = [
        Q(type__in=list(each.event_types), occurred_at__gte=_since(now, each.window))
        for each in by_events
    ]
    furthest = Max(
        Case(
            *[
                When(condition, then=Value(each.position))
                for condition, each in zip(recent, by_events, strict=True)
            ],
            default=Value(0, output_field=IntegerField()),
            output_field=IntegerField(),
        )
    )
    return JourneyEvents(condition=Q(occurred_at__lte=now) & reduce(or_, recent), furthest=furthest)


def journey_lifecycle_position(stages: list[MappedStage] | None = None) -> Expression:
    """The position of the furthest journey stage the lead's lifecycle stage maps to, 0 if none
    (an expression over Lead)."""
    stages = journey_stages() if stages is None else stages
    return Case(
        *[
            When(stage__in=list(each.lifecycle_stages), then=Value(each.position))
            for each in stages
            if each.lifecycle_stages
        ],
        default=Value(0, output_field=IntegerField()),
        output_field=IntegerField(),
    )


def journey_position_expression(now, stages: list[MappedStage] | None = None) -> Expression:
    """The position of the furthest journey stage the lead's lifecycle stage or its recent
    events map to, 0 if none (an expression over Lead; ``now`` a datetime or an expression
    without columns). The events are read through one subquery over the lead's entries of the
    index by lead and time."""
    stages = journey_stages() if stages is None else stages
    lifecycle = journey_lifecycle_position(stages)
    events = journey_events(now, stages)
    if events is None:
        return lifecycle
    furthest = (
        Event.objects.filter(events.condition, lead=OuterRef("pk"))
        .order_by()
        .values("lead")
        .annotate(furthest=events.furthest)
        .values("furthest")
    )
    zero = Value(0, output_field=IntegerField())
    return Greatest(lifecycle, Coalesce(Subquery(furthest, output_field=IntegerField()), zero))


def journey_stage_from_position(position: Expression, stages: list[MappedStage]) -> Expression:
    """The stage id for a position computed by ``journey_position_expression`` (read once, as
    a column of the scoring statement's source), or the lead's own when set by hand."""
    return Case(
        When(journey_stage_manual=True, then=F("journey_stage_id")),
        *[When(Exact(position, Value(each.position)), then=Value(each.pk)) for each in stages],
        default=Value(None),
        output_field=IntegerField(),
    )


# The engine's hooks --------------------------------------------------------------------------


def matching_annotations(now) -> dict[str, Expression]:
    """The source columns a scoring statement reads the persona and journey position from."""
    return {
        "new_persona": persona_expression(),
        "new_journey": journey_position_expression(now),
    }


def matching_assignments(persona: Expression, journey: Expression) -> dict[str, Expression]:
    """The columns a scoring statement writes, from its source's two columns."""
    return {
        "persona_id": persona,
        "journey_stage_id": journey_stage_from_position(journey, journey_stages()),
    }


def matching_signature() -> tuple:
    """What the compiled rules and mapping depend on: a cached statement compiled before a
    change (or a deletion) is not used after it."""
    rules = PersonaRules.objects.aggregate(count=Count("pk"), changed=Max("updated_at"))
    stages = JourneyStage.objects.aggregate(count=Count("pk"), changed=Max("mapping_updated_at"))
    return (rules["count"], rules["changed"], stages["count"], stages["changed"])


def matching_changed() -> None:
    """The persona rules or the journey mapping changed: match every lead again, by a rescore
    of the active model in committed chunks (resumable like any rescore). A run of the active
    model not started yet reads the new rules when it starts, so none is added beside it."""
    from leads.scoring.models import RunStatus, ScoringModel, ScoringRun
    from leads.scoring.runs import scoring_run_start

    model = ScoringModel.objects.active().first()
    if model is None:
        return
    if ScoringRun.objects.filter(model=model, status=RunStatus.QUEUED).exists():
        return
    scoring_run_start(model=model, kind=ScoringRun.Kind.MATCHING)


# Set by hand ---------------------------------------------------------------------------------

AUTOMATIC = "auto"


@transaction.atomic
def lead_matching_set(
    *, lead: Lead, actor, persona: Persona | str | None, journey_stage: JourneyStage | str | None
) -> Lead:
    """Set the lead's persona and journey stage by hand, or return either to automatic
    (``AUTOMATIC``); None is "none, by hand". The lead is scored again when this commits, so
    an automatic one is matched at once and a fit rule on the persona sees the change."""
    from leads.permissions import Change, lead_change_check
    from leads.scoring.incremental import scoring_enqueue

    lead_change_check(lead, actor, [Change.PROFILE])
    for value, kind in ((persona, Persona), (journey_stage, JourneyStage)):
        if value is not None and value != AUTOMATIC and not isinstance(value, kind):
            raise ValidationError(f"{value!r} is not a {kind._meta.verbose_name}.")
    fields: dict[str, object] = {}
    if persona == AUTOMATIC:
        fields["persona_manual"] = False
    else:
        fields.update(persona=persona, persona_manual=True)
    if journey_stage == AUTOMATIC:
        fields["journey_stage_manual"] = False
    else:
        fields.update(journey_stage=journey_stage, journey_stage_manual=True)
    Lead.objects.filter(pk=lead.pk).update(**fields, updated_at=timezone.now())
    scoring_enqueue([lead.pk])
    lead.refresh_from_db()
    return lead
