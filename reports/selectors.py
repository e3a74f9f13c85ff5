"""The reports as tables, for the pages, their CSV exports and the report API: each report is a
name, a title, the options it takes, and a function from (period, filters, options) to its
tables. The numbers come from ``reports.funnel``, ``reports.quality``,
``reports.attribution``, the weekly snapshots and the SLA's goals; nothing is counted here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from reports import attribution, quality
from reports.filters import Filters, Period, leads
from reports.funnel import funnel_report
from reports.services import week_start
from reports.snapshots import week_period, weeks_values
from reports.tables import Chart, Column, Table

TREND_WEEKS = 12
FIT_GRADES = ("A", "B", "C", "D")
ENGAGEMENT_GRADES = ("1", "2", "3", "4")
# The grid over every lead reads the whole table (a third of a second at a million leads), so
# the beat counts it each minute (``reports.tasks.grade_counts_task``) and keeps it in the
# shared cache for two: a page reads it, and counts it itself only when no run did. A narrowed
# grid is counted each time.
GRADE_COUNTS_KEY = "reports:grade-counts"
GRADE_COUNTS_TTL = 120


@dataclass(frozen=True)
class Options:
    """What a report is about beyond its period and filters: the grouping and the model."""

    by: str = ""
    model: str = ""


def _funnel(period: Period, filters: Filters, options: Options, now: datetime) -> list[Table]:
    report = funnel_report(period, filters, now)
    cohort = report.cohort
    windows = [window.days for window in cohort.reached[0].windows] if cohort.reached else []
    return [
        Table(
            "volumes", "Into each stage",
            f"Leads entering each stage in the period, against the {report.previous_period.start:%-d %b}–"
            f"{report.previous_period.last_day:%-d %b} before it",
            (Column("stage", "Stage", "text"), Column("count", "This period"),
             Column("previous", "Period before"), Column("change", "Change (%)", "percent")),
            tuple((v.label, v.count, v.previous, v.change_percent) for v in report.volumes),
            Chart("bar", "stage", ("count", "previous"), horizontal=True),
        ),
        Table(
            "cohort", f"Where the period's {cohort.size:,} MQLs went",
            "Of the leads that became MQL in the period, the share that reached each later "
            "stage by now and within 30, 60 and 90 days of becoming MQL",
            (Column("stage", "Reached", "text"), Column("count", "Leads by now"),
             Column("share", "By now (%)", "percent"),
             *(Column(f"within_{days}", f"Within {days} days (%)", "percent") for days in windows)),
            tuple((r.label, r.count, r.share, *(w.share for w in r.windows)) for r in cohort.reached),
            Chart("bar", "stage", ("share", *(f"within_{days}" for days in windows))),
            note="A window not yet over for every lead can still grow."
            if any(not w.complete for r in cohort.reached for w in r.windows) else "",
        ),
        Table(
            "velocity", "How long each step takes",
            "Days from the earlier stage to the later, over the leads that entered the later "
            "stage in the period",
            (Column("step", "Step", "text"), Column("median", "Median (days)", "days"),
             Column("p75", "75th percentile (days)", "days"), Column("leads", "Leads measured")),
            tuple((s.label, s.median_days, s.p75_days, s.measured) for s in report.velocity),
            Chart("bar", "step", ("median", "p75"), horizontal=True),
        ),
    ]  # fmt: skip


def _money(value) -> object:
    return value if value is not None else None


def _quality(period: Period, filters: Filters, options: Options, now: datetime) -> list[Table]:
    report = quality.quality_report(period, filters, options.by, now=now)
    group = quality.GROUP_LABELS[options.by]

    def cells(row) -> tuple:
        reasons = "; ".join(f"{label} ({count})" for label, count in row.top_reasons)
        return (row.name, row.leads, row.mqls, row.accepted, row.rejected, row.acceptance_rate,
                reasons, row.sqls, row.mql_to_sql, row.customers, row.sql_to_customer,
                row.budget, row.cost_per_mql, row.cost_per_sql, row.cost_per_customer)  # fmt: skip

    return [
        Table(
            "quality", f"Lead quality by {group.lower()}",
            f"Per {group.lower()}: leads created in the period; of the leads that became MQL in "
            "it, sales' decisions and their reasons, and how many reached SQL and customer by now; "
            "costs where the campaign has a budget",
            (Column("group", group, "text"), Column("leads", "Leads"), Column("mqls", "MQLs"),
             Column("accepted", "Accepted"), Column("rejected", "Rejected"),
             Column("acceptance", "Acceptance (%)", "percent"),
             Column("reasons", "Top rejection reasons", "text"), Column("sqls", "SQLs"),
             Column("mql_sql", "MQL → SQL (%)", "percent"), Column("customers", "Customers"),
             Column("sql_customer", "SQL → customer (%)", "percent"),
             Column("budget", "Budget", "money"), Column("cost_mql", "Cost per MQL", "money"),
             Column("cost_sql", "Cost per SQL", "money"),
             Column("cost_customer", "Cost per customer", "money")),
            tuple(cells(row) for row in report.rows),
            Chart("bar", "group", ("mqls", "accepted", "sqls")),
            footer=cells(report.total),
        ),
    ]  # fmt: skip


def _attribution(period: Period, filters: Filters, options: Options, now: datetime) -> list[Table]:
    report = attribution.attribution_report(period, filters, options.model, options.by)
    group = attribution.BY_LABELS[options.by]
    return [
        Table(
            "credit", f"SQLs and customers by {group.lower()}, {report.label.lower()}",
            f"The {report.sqls:,} leads that became SQL and the {report.customers:,} that became "
            f"customers in the period, credited to each {group.lower()} they met on the way "
            f"({report.label.lower()})",
            (Column("group", group, "text"), Column("sqls", "SQL credit", "credit"),
             Column("customers", "Customer credit", "credit")),
            tuple((row.name, row.sqls, row.customers) for row in report.rows),
            Chart("bar", "group", ("sqls", "customers"), horizontal=True),
            footer=("Total", float(report.sql_credit), float(report.customer_credit)),
        ),
    ]  # fmt: skip


def _trend_weeks(period: Period) -> list[date]:
    """The weeks (Mondays) the period touches, the last ``TREND_WEEKS`` of them at most."""
    last = week_start(period.last_day)
    first = max(week_start(timezone.localtime(period.start).date()),
                last - timedelta(weeks=TREND_WEEKS - 1))  # fmt: skip
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _trends(period: Period, filters: Filters, options: Options, now: datetime) -> list[Table]:
    mondays = _trend_weeks(period)
    values = weeks_values(mondays, now=now)
    label = [f"{monday:%-d %b}" + ("" if week_period(monday).end <= now else " (so far)")
             for monday in mondays]  # fmt: skip
    weeks = list(zip(label, (values[m] for m in mondays), strict=True))
    return [
        Table(
            "weekly", "Week by week",
            "Leads entering each stage each week (Monday to Sunday), closed weeks as frozen the "
            "Monday after",
            (Column("week", "Week of", "text"), Column("lead", "Leads"), Column("mql", "MQLs"),
             Column("sal", "SALs"), Column("sql", "SQLs"), Column("customer", "Customers")),
            tuple((week, v["lead"], v["mql"], v["sal"], v["sql"], v["customer"])
                  for week, v in weeks),
            Chart("line", "week", ("lead", "mql", "sal", "sql", "customer")),
        ),
        Table(
            "sla", "SLA compliance week by week",
            "Marketing: the share of decided MQLs sales accepted. Sales: of the clocks started "
            "each week whose outcome is known, the share met on time",
            (Column("week", "Week of", "text"), Column("accepted", "MQLs accepted (%)", "percent"),
             Column("first_touch", "First touch on time (%)", "percent"),
             Column("touches", "Touches on time (%)", "percent"),
             Column("decision", "Decisions on time (%)", "percent")),
            tuple((week, v["accepted"], v["sla_first_touch"], v["sla_touches"], v["sla_decision"])
                  for week, v in weeks),
            Chart("line", "week", ("accepted", "first_touch", "touches", "decision")),
        ),
    ]  # fmt: skip


def grade_counts(filters: Filters, now: datetime) -> tuple[dict[str, int], datetime]:
    """Leads per grade (``"A1"`` … ``"D4"``) and when they were counted: every lead's as the
    shared cache keeps it (``grade_counts_refresh``), or counted now when it holds none; a
    narrowed grid's now."""
    if not filters.narrowed and (kept := cache.get(GRADE_COUNTS_KEY)) is not None:
        counts, counted_at = kept
        return counts, counted_at
    if not filters.narrowed:
        return grade_counts_refresh(now), now
    return _grade_counts(filters), now


def grade_counts_refresh(now: datetime | None = None) -> dict[str, int]:
    """Count every lead's grade as of ``now`` and keep the count in the shared cache for
    ``GRADE_COUNTS_TTL`` seconds; returns it."""
    counts = _grade_counts(Filters())
    cache.set(GRADE_COUNTS_KEY, (counts, now or timezone.now()), GRADE_COUNTS_TTL)
    return counts


def _grade_counts(filters: Filters) -> dict[str, int]:
    return dict(
        leads(filters).exclude(grade="").values_list("grade").annotate(n=Count("id")).order_by()
    )


def _grades(period: Period, filters: Filters, options: Options, now: datetime) -> list[Table]:
    counts, counted_at = grade_counts(filters, now)
    total = sum(counts.values())
    rows = tuple(
        (f"Fit {fit}", f"Engagement {engagement}", counts.get(f"{fit}{engagement}", 0),
         round(100 * counts.get(f"{fit}{engagement}", 0) / total, 1) if total else None)
        for fit in FIT_GRADES for engagement in ENGAGEMENT_GRADES
    )  # fmt: skip
    return [
        Table(
            "grades", "Leads by fit and engagement",
            "Today's leads by grade, where they stand now: fit A (best) to D against engagement "
            "1 (most) to 4",
            (Column("fit", "Fit", "text"), Column("engagement", "Engagement", "text"),
             Column("leads", "Leads"), Column("share", "Share (%)", "percent")),
            rows,
            Chart("heatmap", "engagement", ("fit", "leads")),
            note=f"Counted at {timezone.localtime(counted_at):%H:%M}; the grid of every lead "
            "is counted again each minute.",
        ),
    ]  # fmt: skip


def _goals(period: Period, filters: Filters, options: Options, now: datetime) -> list[Table]:
    from sla.goals import figure, goal_cards

    cards = goal_cards(now=now)
    return [
        Table(
            "goals", "Shared goals",
            "Each goal's value so far against its target, and where it is heading",
            (Column("goal", "Goal", "text"), Column("value", "Now", "text"),
             Column("target", "Target", "text"), Column("reached", "Of target (%)", "percent"),
             Column("status", "Status", "text"), Column("ends", "Ends", "text")),
            tuple((card.goal.name, figure(card.progress.value, card.progress.unit),
                   figure(card.progress.target, card.progress.unit),
                   float(card.progress.percent_of_target), card.progress.status_label,
                   f"{card.goal.ends_on:%-d %b %Y}") for card in cards),
            Chart("bar", "goal", ("reached",), horizontal=True),
            note="Each goal keeps its own period and filters, set on the SLA page.",
            empty="No shared goal is set yet: the managers set them on the SLA page",
        ),
    ]  # fmt: skip


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    summary: str
    build: Callable[[Period, Filters, Options, datetime], list[Table]]
    groupings: dict[str, str] | None = None  # the ``by`` it offers, the first by default
    models: dict[str, str] | None = None  # the attribution models it offers
    dated: bool = True  # whether a period applies
    filtered: bool = True  # whether the filters on leads apply
    default_days: int = 30


REPORTS = {
    report.name: report
    for report in (
        Report("funnel", "Funnel", "Leads into each stage, where the MQLs went, how long each "
               "step takes.", _funnel),
        Report("quality", "Lead quality", "Acceptance, rejection reasons, conversion and cost "
               "by source, campaign and persona.", _quality, groupings=quality.GROUP_LABELS),
        Report("attribution", "Attribution", "Which campaigns and sources the SQLs and customers "
               "came through, under the model you choose.", _attribution,
               groupings=attribution.BY_LABELS, models=attribution.MODELS),
        Report("trends", "Weekly trends", "The funnel and both sides of the SLA, week by week, "
               f"the last {TREND_WEEKS} weeks of the period at most.", _trends, filtered=False,
               default_days=7 * TREND_WEEKS),
        Report("grades", "Grades", "Today's leads on the fit × engagement grid.", _grades,
               dated=False),
        Report("goals", "Goals", "The shared SMART goals and how far they have come.", _goals,
               dated=False, filtered=False),
    )
}  # fmt: skip


def report_tables(
    report: Report, period: Period, filters: Filters, options: Options, now: datetime
) -> list[Table]:
    return report.build(period, filters, options, now)
