"""Progress of the shared goals, computed from the stage transitions and the SLA clocks (never
from stored counters), with a projection to the end of each goal's period.

Cost contract: the goals' cards cost two queries (the goals with their campaign, persona and
team; their owner teams), and their progress three, for any number of goals: an aggregate over
the stage transitions (the counts and conversions), one over the clocks (compliance), and the
minutes to each first touch — each skipped when no goal needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from leads.models import FUNNEL, Channel, Stage, StageTransition
from sla.models import Clock, ClockStatus, Goal, GoalMetric, TargetKind
from sla.selectors import _percentile

# The stage a lead enters to count for each counting metric.
COUNTED_STAGE = {
    GoalMetric.LEADS: Stage.LEAD,
    GoalMetric.MQLS: Stage.MQL,
    GoalMetric.SQLS: Stage.SQL,
    GoalMetric.CUSTOMERS: Stage.CUSTOMER,
}
STATUS_LABELS = {
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "met": "Met",
    "missed": "Missed",
}


@dataclass(frozen=True)
class GoalProgress:
    """What a goal's card shows. Values are counts, percentages (conversion, compliance) or
    business hours (first touch); ``None`` where there is nothing to measure yet."""

    value: float | None
    baseline: float | None
    target: float | None
    elapsed: float  # share of the period gone, 0–1
    projected: float | None
    status: str
    lower_is_better: bool
    unit: str  # "", "%" or "h"
    sentence: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def percent_of_target(self) -> int:
        """How far the bar fills: the value against the target (the other way round when lower
        is better), 0–100."""
        if self.value is None or not self.target:
            return 0
        share = self.target / self.value if self.lower_is_better else self.value / self.target
        return max(0, min(100, round(100 * share))) if self.value else 0


def goal_window(goal: Goal) -> tuple[datetime, datetime]:
    """From the start day's midnight to the midnight after the end day, local time."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(goal.starts_on, time.min, tzinfo=zone)
    end = datetime.combine(goal.ends_on + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _lead_filter(goal: Goal) -> Q:
    q = Q()
    if goal.channels:
        q &= Q(lead__original_channel__in=goal.channels)
    if goal.campaign_id:
        q &= Q(lead__campaign_id=goal.campaign_id)
    if goal.persona_id:
        q &= Q(lead__persona_id=goal.persona_id)
    if goal.team_id:
        q &= Q(lead__owner__team_membership__team_id=goal.team_id)
    return q


def _windows(goal: Goal, now: datetime) -> dict[str, tuple[datetime, datetime, datetime]]:
    """Each measured period: (from, to, outcomes counted until). The baseline is the period of
    equal length just before the start, its outcomes counted until the start."""
    start, end = goal_window(goal)
    windows = {"value": (start, min(end, now), now)}
    if goal.target_kind == TargetKind.RELATIVE:
        windows["baseline"] = (start - (end - start), start, start)
    return windows


def _transition_measures(goal: Goal, key: str, window) -> dict:
    since, until, outcomes_until = window
    leads = _lead_filter(goal)
    entered = Q(at__gte=since, at__lt=until)
    if goal.metric in COUNTED_STAGE:
        q = leads & entered & Q(to_stage=COUNTED_STAGE[goal.metric])
        return {f"{key}_count": Count("lead_id", distinct=True, filter=q)}
    cohort = leads & entered & Q(to_stage=goal.from_stage)
    later = StageTransition.objects.filter(
        lead_id=OuterRef("lead_id"),
        to_stage__in=FUNNEL[FUNNEL.index(goal.to_stage) :],
        at__gte=OuterRef("at"),
        at__lt=outcomes_until,
    )
    return {
        f"{key}_cohort": Count("lead_id", distinct=True, filter=cohort),
        f"{key}_converted": Count("lead_id", distinct=True, filter=cohort & Q(Exists(later))),
    }


def _clock_measures(goal: Goal, key: str, window) -> dict:
    since, until, _ = window
    due = _lead_filter(goal) & Q(due_at__gte=since, due_at__lt=until)
    return {
        f"{key}_on_time": Count(
            "id", filter=due & Q(status=ClockStatus.MET, breached_at__isnull=True)
        ),
        f"{key}_late": Count("id", filter=due & Q(breached_at__isnull=False)),
    }


def _first_touch_minutes(goals: list[Goal], now: datetime) -> dict[str, list[int]]:
    """The business minutes to each first touch met, per goal and period, in one query: the
    clocks any period needs, matched to each goal's periods here (SQLite, the demo's database,
    has no array aggregate)."""
    windows = {
        f"g{goal.pk}_{name}": (goal, window)
        for goal in goals
        for name, window in _windows(goal, now).items()
    }
    wanted = Q()
    for goal, (since, until, _) in windows.values():
        wanted |= _lead_filter(goal) & Q(started_at__gte=since, started_at__lt=until)
    minutes: dict[str, list[int]] = {f"{key}_minutes": [] for key in windows}
    if not windows:
        return minutes
    rows = Clock.objects.filter(
        wanted, kind="first_touch", met_after_minutes__isnull=False
    ).values_list(
        "started_at", "met_after_minutes", "lead__original_channel", "lead__campaign_id",
        "lead__persona_id", "lead__owner__team_membership__team_id",
    )  # fmt: skip
    for started_at, met_after, channel, campaign, persona, team in rows:
        for key, (goal, (since, until, _)) in windows.items():
            if (
                since <= started_at < until
                and (not goal.channels or channel in goal.channels)
                and goal.campaign_id in (None, campaign)
                and goal.persona_id in (None, persona)
                and goal.team_id in (None, team)
            ):
                minutes[f"{key}_minutes"].append(met_after)
    return minutes


def _value(goal: Goal, row: dict, key: str) -> float | None:
    if goal.metric in COUNTED_STAGE:
        return float(row[f"{key}_count"])
    if goal.metric == GoalMetric.CONVERSION:
        cohort = row[f"{key}_cohort"]
        return round(100 * row[f"{key}_converted"] / cohort, 1) if cohort else None
    if goal.metric == GoalMetric.FIRST_TOUCH_MEDIAN:
        median = _percentile(row[f"{key}_minutes"], 0.5)
        return None if median is None else round(median / 60, 1)
    decided = row[f"{key}_on_time"] + row[f"{key}_late"]
    return round(100 * row[f"{key}_on_time"] / decided, 1) if decided else None


def goals_progress(goals, now: datetime | None = None) -> dict[int, GoalProgress]:
    """The progress of each goal by its pk, in three queries at most whatever their number."""
    now = now or timezone.now()
    goals = list(goals)
    transitions: dict = {}
    clocks: dict = {}
    medians = [goal for goal in goals if goal.metric == GoalMetric.FIRST_TOUCH_MEDIAN]
    for goal in goals:
        for name, window in _windows(goal, now).items():
            key = f"g{goal.pk}_{name}"
            if goal.metric == GoalMetric.SLA_COMPLIANCE:
                clocks.update(_clock_measures(goal, key, window))
            elif goal.metric != GoalMetric.FIRST_TOUCH_MEDIAN:
                transitions.update(_transition_measures(goal, key, window))
    row: dict = {}
    if transitions:
        row.update(StageTransition.objects.aggregate(**transitions))
    if clocks:
        row.update(Clock.objects.aggregate(**clocks))
    if medians:
        row.update(_first_touch_minutes(medians, now))
    return {goal.pk: _progress(goal, row, now) for goal in goals}


def goal_progress(goal: Goal, now: datetime | None = None) -> GoalProgress:
    return goals_progress([goal], now=now)[goal.pk]


def _progress(goal: Goal, row: dict, now: datetime) -> GoalProgress:
    start, end = goal_window(goal)
    elapsed = min(1.0, max(0.0, (now - start) / (end - start)))
    value = _value(goal, row, f"g{goal.pk}_value") if now >= start else None
    baseline = None
    target: float | None = float(goal.target)
    if goal.target_kind == TargetKind.RELATIVE:
        baseline = _value(goal, row, f"g{goal.pk}_baseline")
        target = None if baseline is None else round(baseline * float(1 + goal.target / 100), 1)
    projected = value
    if goal.metric in COUNTED_STAGE and value is not None and elapsed > 0:
        projected = round(value / elapsed)
    lower = goal.lower_is_better

    def reaches(figure: float | None) -> bool:
        if figure is None or target is None:
            return False
        return figure <= target if lower else figure >= target

    if now < start:
        status = "not_started"
    elif now >= end:
        status = "met" if reaches(value) else "missed"
    else:
        status = "on_track" if reaches(projected) else "at_risk"
    unit = "%" if goal.is_rate else "h" if lower else ""
    progress = GoalProgress(
        value=value, baseline=baseline, target=target, elapsed=elapsed, projected=projected,
        status=status, lower_is_better=lower, unit=unit, sentence="",
    )  # fmt: skip
    return _with_sentence(goal, progress)


def figure(number: float | None, unit: str) -> str:
    """412, 23.5 %, 3.2 h; a dash for nothing measured."""
    if number is None:
        return "—"
    text = f"{number:,.0f}" if unit == "" else f"{Decimal(str(number)).normalize():f}"
    return f"{text} {unit}".strip()


def goal_metric_label(goal: Goal) -> str:
    if goal.metric == GoalMetric.CONVERSION:
        return f"Conversion {Stage(goal.from_stage).label} → {Stage(goal.to_stage).label}"
    return goal.get_metric_display()


def _with_sentence(goal: Goal, progress: GoalProgress) -> GoalProgress:
    unit = progress.unit
    label = goal_metric_label(goal)
    target = figure(progress.target, unit)
    if progress.target is None:
        target = "a target not known yet (nothing to compare with in the period before)"
    if progress.status == "not_started":
        text = f"{label}: starts {goal.starts_on:%-d %b %Y}, target {target}"
    elif unit == "":
        text = f"{label}: {figure(progress.value, unit)} of {target}"
    else:
        text = f"{label}: {figure(progress.value, unit)} against {target}"
    if progress.baseline is not None:
        sign = "+" if goal.target >= 0 else "−"
        text += f" ({sign}{abs(goal.target).normalize():f} % on {figure(progress.baseline, unit)} before)"
    if progress.status in ("on_track", "at_risk"):
        text += f" with {round(100 * progress.elapsed)} % of the period gone"
        if unit == "" and progress.projected is not None:
            text += f", {progress.status_label.lower()} for {figure(progress.projected, unit)}"
        else:
            text += f", {progress.status_label.lower()}"
    elif progress.status in ("met", "missed"):
        text += f": {progress.status_label.lower()}"
    return GoalProgress(**{**progress.__dict__, "sentence": text})


# --- the SLA page's cards ----------------------------------------------------------------------


def goals_listed() -> QuerySet[Goal]:
    return Goal.objects.select_related("campaign", "persona", "team").prefetch_related(
        "owner_teams"
    )


def goal_filters_in_words(goal: Goal) -> str:
    """“Leads from E-mail or Paid search, of the campaign Spring webinar, owned by Sales”."""
    parts = []
    if goal.channels:
        names = [Channel(channel).label for channel in goal.channels]
        parts.append("from " + (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1
                                else names[0]))  # fmt: skip
    if goal.campaign:
        parts.append(f"of the campaign {goal.campaign.name}")
    if goal.persona:
        parts.append(f"matching the persona {goal.persona.name}")
    if goal.team:
        parts.append(f"owned by {goal.team.name}")
    return "Leads " + ", ".join(parts) if parts else "All leads"


@dataclass(frozen=True)
class GoalCard:
    goal: Goal
    progress: GoalProgress
    filters: str
    owners: list


def goal_cards(now: datetime | None = None) -> list[GoalCard]:
    goals = list(goals_listed())
    progress = goals_progress(goals, now=now)
    return [
        GoalCard(goal, progress[goal.pk], goal_filters_in_words(goal), list(goal.owner_teams.all()))
        for goal in goals
    ]
