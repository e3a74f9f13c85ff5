"""What the weekly meeting looks at, read from the leads' transitions, the SLA clocks and the
reps' feedback, a closed week's figures from its snapshot: the week under review (the full
week before the meeting's Monday) against the week before it and against the average of the
four weeks before it; the feedback of the week; the agenda theme of the week of the month; and
the record — who came, what was noted and decided, and the action items still open from
earlier meetings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from reports.filters import Filters, Period
from reports.funnel import funnel_report
from reports.models import ActionItem, Meeting, Theme
from reports.services import week_start
from reports.snapshots import STEPS, week_period, weeks_values

AVERAGE_WEEKS = 4
LIST_LIMIT = 10
PROMOTION_DAYS = 30
RECENT_CUSTOMER_DAYS = 30


def _model(label: str):
    return apps.get_model(*label.split("."))


@dataclass(frozen=True)
class Listing:
    """The first ``limit`` of some rows, and whether there were more."""

    items: list
    cut_off: bool
    limit: int = LIST_LIMIT

    @classmethod
    def of(cls, rows: list, limit: int = LIST_LIMIT) -> Listing:
        """From ``limit + 1`` rows read."""
        return cls(rows[:limit], len(rows) > limit, limit)


@dataclass(frozen=True)
class Figure:
    """One number of the week under review, against the week before and the 4-week average."""

    key: str
    label: str
    value: float | None
    previous: float | None
    average: float | None
    unit: str = ""  # "" for a count, "%" for a share in per cent

    @property
    def change(self) -> float | None:
        """Against the week before: per cent for a count, points for a share."""
        if self.value is None or self.previous is None:
            return None
        if self.unit == "%":
            return round(self.value - self.previous, 1)
        if not self.previous:
            return None
        return round(100 * (self.value - self.previous) / self.previous)

    @property
    def direction(self) -> str:
        change = self.change
        if change is None or change == 0:
            return "flat"
        return "up" if change > 0 else "down"

    @property
    def sentence(self) -> str:
        """``MQLs up 18 %`` or ``Acceptance down 6 points``."""
        change = self.change
        if change is None:
            if self.value is None:
                return f"{self.label}: nothing to compare yet"
            return f"{self.label}: nothing the week before to compare with"
        if change == 0:
            return f"{self.label} unchanged"
        amount = f"{abs(change):g} {'points' if self.unit == '%' else '%'}"
        return f"{self.label} {self.direction} {amount}"


@dataclass(frozen=True)
class WeekNumbers:
    review: Period
    before: Period
    figures: list[Figure]
    mqls_promised: int | None

    @property
    def headlines(self) -> list[str]:
        """The sentences of the moves that matter most: the counts, then acceptance."""
        keys = ("mql", "sql", "customer", "accepted", "sla_first_touch")
        return [figure.sentence for figure in self.figures if figure.key in keys]


FIGURE_LABELS = (
    *STEPS,
    ("lead_mql", "Lead → MQL"),
    ("mql_sal", "MQL → SAL"),
    ("sal_sql", "SAL → SQL"),
    ("sql_customer", "SQL → customer"),
    ("accepted", "Acceptance"),
    ("sla_first_touch", "First touch on time"),
    ("sla_touches", "Touches on time"),
    ("sla_decision", "Decisions on time"),
)


def week_numbers(meeting_week: date) -> WeekNumbers:
    """The week before ``meeting_week``'s Monday against the week before it and against the
    average of the four weeks before it."""
    monday = week_start(meeting_week) - timedelta(days=7)
    review = week_period(monday, "Week under review")
    before = week_period(monday - timedelta(days=7), "The week before")
    weeks = [monday - timedelta(weeks=back) for back in range(AVERAGE_WEEKS + 1)]
    values = weeks_values(weeks)
    now_values = values[monday]
    earlier = [values[week] for week in weeks[1:]]
    figures = []
    for key, label in FIGURE_LABELS:
        seen = [week[key] for week in earlier if week[key] is not None]
        average = round(sum(seen) / len(seen), 1) if seen else None
        unit = "" if key in dict(STEPS) else "%"
        figures.append(Figure(key, label, now_values[key], earlier[0][key], average, unit))
    return WeekNumbers(review, before, figures, now_values["mqls_promised"])


# --- feedback ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feedback:
    reasons: list[tuple[str, int]]
    rejected: int
    best_content: list
    worst_content: list
    breaches: list
    breached: int


def week_feedback(period: Period) -> Feedback:
    """Why sales rejected MQLs in the period, the content rated most and least useful, and the
    SLA clocks breached."""
    Transition = _model("leads.StageTransition")
    Asset = _model("journeys.ContentAsset")
    Clock = _model("sla.Clock")
    # Counted by reason from the index of rejections alone (a week can hold tens of thousands
    # at a million leads), then named: the reasons are a short list.
    counted = (
        Transition.objects.filter(
            at__gte=period.start, at__lt=period.end, rejection_reason__isnull=False
        )
        .values_list("rejection_reason_id")
        .annotate(n=Count("rejection_reason_id"))
        .order_by()
    )
    labels = dict(_model("leads.RejectionReason").objects.values_list("pk", "label"))
    reasons = sorted(
        ((labels[reason], count) for reason, count in counted), key=lambda row: (-row[1], row[0])
    )
    rated = (
        Asset.objects.filter(sends__rating__at__gte=period.start, sends__rating__at__lt=period.end)
        .annotate(
            ratings=Count("sends__rating", distinct=True),
            useful=Count("sends__rating", filter=Q(sends__rating__useful=True), distinct=True),
        )
        .order_by()
    )
    rated = list(rated)
    for asset in rated:
        asset.useful_percent = round(100 * asset.useful / asset.ratings)
    # Most useful: rated useful more often than not; least useful: the others, worst first.
    best = sorted((a for a in rated if a.useful_percent > 50),
                  key=lambda a: (-a.useful_percent, -a.ratings, a.pk))[:3]  # fmt: skip
    worst = sorted((a for a in rated if a.useful_percent <= 50),
                   key=lambda a: (a.useful_percent, -a.ratings, a.pk))[:3]  # fmt: skip
    breached = Clock.objects.filter(breached_at__gte=period.start, breached_at__lt=period.end)
    return Feedback(
        reasons=[(label, count) for label, count in reasons],
        rejected=sum(count for _label, count in reasons),
        best_content=best,
        worst_content=worst,
        breaches=list(
            breached.select_related("lead", "owner").order_by("-breached_at")[:LIST_LIMIT]
        ),
        breached=breached.count(),
    )


# --- the theme of the week ---------------------------------------------------------------------


PERSONA_LIMIT = 6


@dataclass(frozen=True)
class PersonaRow:
    persona: object
    steps: list
    reasons: list
    insights: list


@dataclass(frozen=True)
class PersonaTheme:
    rows: list[PersonaRow]
    cut_off: bool
    limit: int = PERSONA_LIMIT


def theme_personas() -> PersonaTheme:
    """Each persona's funnel, why sales rejected its leads, and its newest shared insights."""
    from personas.selectors import (
        persona_funnel,
        persona_insights,
        persona_rejection_reasons,
        personas_with_counts,
    )

    personas = list(personas_with_counts()[: PERSONA_LIMIT + 1])
    rows = [
        PersonaRow(
            persona,
            persona_funnel(persona),
            persona_rejection_reasons(persona)[:3],
            persona_insights(persona, limit=2).insights,
        )  # fmt: skip
        for persona in personas[:PERSONA_LIMIT]
    ]
    return PersonaTheme(rows, cut_off=len(personas) > PERSONA_LIMIT)


@dataclass(frozen=True)
class Promotion:
    campaign: object
    expected_mqls: int | None
    basis: int  # how many past campaigns of its channel the expectation reads


def theme_promotions(meeting_week: date) -> Listing:
    """The campaigns starting in the 30 days from the meeting's Monday, each with the MQLs the
    campaigns of its channel that have ended brought on average."""
    Campaign = _model("leads.Campaign")
    monday = week_start(meeting_week)
    coming = list(
        Campaign.objects.filter(
            starts_on__gte=monday, starts_on__lte=monday + timedelta(days=PROMOTION_DAYS)
        )
        .select_related("target_persona")
        .order_by("starts_on", "name")[: LIST_LIMIT + 1]
    )
    past = (
        Campaign.objects.filter(ends_on__lt=monday, channel__in={c.channel for c in coming})
        .annotate(
            mqls=Count("leads", filter=Q(leads__transitions__to_stage="mql"), distinct=True)
        )  # fmt: skip
        .values_list("channel", "mqls")
    )
    by_channel: dict[str, list[int]] = {}
    for channel, mqls in past:
        by_channel.setdefault(channel, []).append(mqls)
    promotions = []
    for campaign in coming:
        seen = by_channel.get(campaign.channel, [])
        expected = round(sum(seen) / len(seen)) if seen else None
        promotions.append(Promotion(campaign, expected, len(seen)))
    return Listing.of(promotions)


@dataclass(frozen=True)
class CustomerStory:
    lead: object
    won_at: datetime
    days: int  # from its creation to becoming a customer
    path: list[tuple[str, datetime]]


def theme_customers(meeting_week: date) -> Listing:
    """The leads that became customers in the 30 days before the meeting, with their walk."""
    Transition = _model("leads.StageTransition")
    monday = week_start(meeting_week)
    end = timezone.make_aware(datetime.combine(monday, time.min))
    won = list(
        Transition.objects.filter(
            to_stage="customer", at__gte=end - timedelta(days=RECENT_CUSTOMER_DAYS), at__lt=end
        )
        .select_related("lead", "lead__company")
        .order_by("-at")[: LIST_LIMIT + 1]
    )
    paths: dict[int, list[tuple[str, datetime]]] = {}
    for lead_id, stage, at in (
        Transition.objects.filter(lead_id__in=[t.lead_id for t in won])
        .order_by("lead_id", "at", "id")
        .values_list("lead_id", "to_stage", "at")
    ):
        paths.setdefault(lead_id, []).append((stage, at))
    return Listing.of(
        [
            CustomerStory(t.lead, t.at, (t.at - t.lead.created_at).days, paths.get(t.lead_id, []))
            for t in won
        ]
    )


STRATEGY_WEEKS = 4


def theme_strategy(meeting_week: date):
    """The funnel of the four weeks before the meeting: volumes against the four weeks before
    them, how far that month's MQLs have gone by now, and how long each step takes."""
    return funnel_report(_strategy_period(meeting_week), Filters(), timezone.now())


def _strategy_period(meeting_week: date) -> Period:
    monday = week_start(meeting_week)
    return Period.days(monday - timedelta(weeks=STRATEGY_WEEKS), monday - timedelta(days=1))


def theme_attribution(meeting_week: date):
    """The campaigns the SQLs and customers of the four weeks came through, U-shaped."""
    from reports.attribution import attribution_report

    return attribution_report(_strategy_period(meeting_week), Filters(), "u_shaped", "campaign")


LAB_SHOWN = 3


@dataclass(frozen=True)
class LabHighlights:
    """The scoring lab's latest suggestions for the active model, the strongest of each kind:
    rule changes, new rules and rejection patterns, with how many more the lab holds."""

    run: object
    changes: list[dict]
    new_rules: list[dict]
    patterns: list[dict]
    more: int

    @property
    def later(self) -> dict:
        return self.run.result.get("later", {})


def theme_lab() -> LabHighlights | None:
    """What the scoring lab last learned for the active model, if it learned anything."""
    run = (
        _model("leads.LabRun")
        .objects.filter(kind="suggestions", status="done", model__status="active")
        .select_related("model")
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None:
        return None
    result = run.result
    changes = [item for item in result.get("rules", []) if item.get("offered")]
    new_rules = result.get("new_rules", [])
    patterns = [item for item in result.get("patterns", {}).get("found", []) if item["offered"]]
    shown = (changes[:LAB_SHOWN], new_rules[:LAB_SHOWN], patterns[:LAB_SHOWN])
    more = len(changes) + len(new_rules) + len(patterns) - sum(map(len, shown))
    return LabHighlights(run, *shown, more=more)


# --- the record --------------------------------------------------------------------------------


def meeting_shown(week_of: date) -> Meeting:
    """The meeting of that week: its record if one was started, else an unsaved one."""
    monday = week_start(week_of)
    return Meeting.objects.filter(week_of=monday).first() or Meeting(week_of=monday)


def action_items(meeting: Meeting) -> list[ActionItem]:
    """The items raised at this meeting, and those raised earlier that are still open or were
    done since the week before it began — what was done since the last meeting shows, as done,
    once."""
    since = meeting.week_of - timedelta(days=7)
    start = timezone.make_aware(datetime.combine(since, time.min))
    carried = Q(meeting__week_of__lt=meeting.week_of) & (
        Q(done_at__isnull=True) | Q(done_at__gte=start)
    )
    here = Q(meeting_id=meeting.pk) if meeting.pk else Q(pk__in=[])
    return list(
        ActionItem.objects.filter(carried | here)
        .select_related("owner", "meeting", "done_by")
        .order_by("done_at", "due_on", "id")
    )


def meetings_before(meeting: Meeting, limit: int = 8) -> list[Meeting]:
    return list(Meeting.objects.filter(week_of__lt=meeting.week_of).order_by("-week_of")[:limit])


def people():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name")


THEME_BUILDERS = {
    Theme.PERSONAS: lambda week: {"personas": theme_personas()},
    Theme.PROMOTIONS: lambda week: {"promotions": theme_promotions(week)},
    Theme.CUSTOMERS: lambda week: {"customers": theme_customers(week)},
    Theme.STRATEGY: lambda week: {
        "strategy": theme_strategy(week),
        "attribution": theme_attribution(week),
        "lab": theme_lab(),
    },
}
