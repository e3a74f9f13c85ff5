"""Closed-loop lead quality by source, campaign or persona: how many leads each brought in, how
many became MQLs, what sales made of them (accepted, rejected and why), how many went on to
SQL and to customer, and — for a campaign with a budget — what each cost. Everything is read
from the leads' stage transitions and sales' decisions (``leads.feedback.selectors``), never
from counters kept on the side.

Two sets of leads are counted in a period:

- **leads**: the leads created in it (``Lead.created_at``), whatever became of them;
- **the MQL cohort**: the leads that became MQLs in it (their first entry to MQL there),
  followed from that entry up to ``now``: sales' decisions on them (an acceptance is a move
  from MQL to SAL by a person, a rejection a side exit with a reason code; a lead rejected,
  recycled and accepted later counts each decision), and whether they reached SQL and
  customer. So the rates are those of one set of leads, as in the funnel's cohort
  (``reports.funnel.cohort``), and a lead counts as an MQL or an SQL because a transition
  says so: under the definition in force when it happened, not under today's.

A lead belongs to its own source (``original_channel``), campaign or persona; the leads with
none are a group of their own ("No campaign"). A campaign's cost per MQL, SQL and customer is
its whole budget over the cohort's count of each: it reads best over a period that covers the
campaign.

Cost contract, whatever the table's size: three queries — the leads created (through the
``lead_created`` index), then on PostgreSQL the memory for the next statement and the cohort's
figures with its rejection reasons, in one (the period's first entries joined by hash to the
moves since it began, both found through ``transition_stage_time``); on SQLite the cohort's
figures and its reasons, each cohort lead's later transitions found through
``transition_lead_time``. The counts are made in the database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from leads.feedback.selectors import ACCEPTED, REJECTION
from leads.models import SIDE_EXITS, Channel, Lead, Stage, StageTransition
from reports.days import (
    cohort_decisions,
    cohort_groups,
    cursor_with_memory,
    leads_created,
    whole_days,
)
from reports.filters import Filters, Period

# Each grouping: the lead's field that keys a group, the field that names it, and the name of
# the leads with none.
GROUPS = {
    "source": ("original_channel", None, "No source"),
    "campaign": ("campaign_id", "campaign__name", "No campaign"),
    "persona": ("persona_id", "persona__name", "No persona"),
}
GROUP_LABELS = {"source": "Source", "campaign": "Campaign", "persona": "Persona"}
REASONS_SHOWN = 3
CENT = Decimal("0.01")
COHORT_FIGURES = ("mqls", "accepted", "rejected", "sqls", "customers")
# The name of a campaign or persona removed since its leads' entries were frozen.
REMOVED = "Removed"


def _percent(count: int, total: int) -> float | None:
    """``count`` of ``total`` in per cent, to one decimal; None of nothing."""
    return round(100 * count / total, 1) if total else None


def _cost(budget: Decimal | None, count: int) -> Decimal | None:
    """``budget`` over ``count``, to the cent; None without a budget or a count."""
    return (budget / count).quantize(CENT) if budget is not None and count else None


@dataclass(frozen=True)
class QualityRow:
    """One source, campaign or persona (``key`` is the channel, the campaign's or the persona's
    id; None or "" for the leads with none). ``reasons`` are the cohort's rejection reasons,
    (label, count), most frequent first; ``budget`` and the costs are a campaign's, None
    without a budget."""

    key: str | int | None
    name: str
    leads: int
    mqls: int
    accepted: int
    rejected: int
    sqls: int
    customers: int
    reasons: tuple[tuple[str, int], ...]
    budget: Decimal | None
    cost_per_mql: Decimal | None
    cost_per_sql: Decimal | None
    cost_per_customer: Decimal | None

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def acceptance_rate(self) -> float | None:
        """Of sales' decisions on the cohort, the acceptances, in per cent to one decimal."""
        return _percent(self.accepted, self.decided)

    @property
    def mql_to_sql(self) -> float | None:
        return _percent(self.sqls, self.mqls)

    @property
    def sql_to_customer(self) -> float | None:
        return _percent(self.customers, self.sqls)

    @property
    def top_reasons(self) -> tuple[tuple[str, int], ...]:
        return self.reasons[:REASONS_SHOWN]


@dataclass(frozen=True)
class QualityReport:
    """The quality of ``period``'s leads for ``filters``, grouped ``by``: the groups with the
    most MQLs first, and ``total`` over them all (its costs over the campaigns with a budget)."""

    period: Period
    filters: Filters
    by: str
    now: datetime | None
    rows: tuple[QualityRow, ...]
    total: QualityRow

    def row(self, key: str | int | None) -> QualityRow:
        return next(row for row in self.rows if row.key == key)


def _cohort_transitions(period: Period, filters: Filters, now: datetime | None) -> QuerySet:
    """The transitions of the period's MQL cohort from each lead's entry on (the entry
    included), up to ``now``: the leads that became MQLs in the period, from their first
    entry to MQL there."""
    entries = StageTransition.objects.filter(
        to_stage=Stage.MQL, at__gte=period.start, at__lt=period.end
    )
    entry = Subquery(entries.filter(lead_id=OuterRef("lead_id")).order_by("at").values("at")[:1])
    transitions = (
        StageTransition.objects.filter(filters.q("lead__"), lead_id__in=entries.values("lead_id"))
        .alias(entry=entry)
        .filter(at__gte=F("entry"))
    )
    return transitions.filter(at__lte=now) if now is not None else transitions


def _fields(by: str, prefix: str) -> list[str]:
    key, name, _none = GROUPS[by]
    fields = [f"{prefix}{key}"] + ([f"{prefix}{name}"] if name else [])
    return fields + ([f"{prefix}campaign__budget"] if by == "campaign" else [])


def quality_report(
    period: Period, filters: Filters, by: str, *, now: datetime | None = None
) -> QualityReport:
    """The leads created in ``period`` and the period's MQL cohort followed up to ``now``
    (everything recorded when None), by ``by`` ("source", "campaign" or "persona"). Three
    queries (see the module's cost contract)."""
    if by not in GROUPS:
        raise ValueError(f"Not a grouping of the quality report: {by!r}")
    key_field, name_field, no_name = GROUPS[by]
    channel_names = dict(Channel.choices)
    groups: dict = {}

    def group(row: dict, prefix: str) -> dict:
        key = row[f"{prefix}{key_field}"]
        if by == "source":
            name = channel_names.get(key, key) if key else no_name
        else:
            name = row[f"{prefix}{name_field}"] if key is not None else no_name
        budget = row.get(f"{prefix}campaign__budget")
        return groups.setdefault(
            key, {"key": key, "name": name, "budget": budget, "leads": 0, "reasons": Counter()}
        )

    frozen = now is not None and whole_days(period)
    created = (
        Lead.objects.filter(filters.q(), created_at__gte=period.start, created_at__lt=period.end)
        .values(*_fields(by, ""))
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in [] if frozen else created:
        group(row, "")["leads"] = row["count"]

    if frozen:
        cohort = _cohort_frozen(period, filters, by, now)
    elif connections[Lead.objects.db].vendor == "postgresql":
        cohort = _cohort_joined(period, filters, by, now)
    else:
        cohort = None
        _cohort_counted(period, filters, by, now, group, groups)
    if cohort is not None:
        figures, reasons = cohort
        for row in figures:
            group(row, "lead__").update({figure: row[figure] for figure in COHORT_FIGURES})
            if "leads" in row:  # the frozen figures count the leads created too
                group(row, "lead__")["leads"] = row["leads"]
        for row in reasons:
            groups[row[f"lead__{key_field}"]]["reasons"][row["label"]] = row["count"]
    rows = sorted(
        (_row(**values) for values in groups.values()),
        key=lambda row: (-row.mqls, -row.leads, row.name),
    )
    return QualityReport(
        period=period, filters=filters, by=by, now=now, rows=tuple(rows), total=_total(rows)
    )


def _cohort_frozen(
    period: Period, filters: Filters, by: str, now: datetime
) -> tuple[list[dict], list[dict]]:
    """The cohort's figures and reasons of a period of whole days, keyed as ``_cohort_joined``
    gives them: from the frozen MQL entries and the moves since the last freeze
    (``reports.days.cohort_groups``), and sales' decisions on them
    (``reports.days.cohort_decisions``), each lead in the group its entry was frozen with."""
    key_field, name_field, _none = GROUPS[by]
    reached = (Stage.SQL.value, Stage.CUSTOMER.value)
    groups, entered, frozen = cohort_groups(period, filters, now, reached, by=key_field)
    decisions = cohort_decisions(period, filters, now, key_field, entered, frozen)
    created = leads_created(period, filters, key_field)
    empty = dict.fromkeys(["size", *reached], 0)
    named: dict = {}
    if name_field:
        model = Lead._meta.get_field(key_field.removesuffix("_id")).related_model
        fields = ["name", "budget"] if by == "campaign" else ["name"]
        named = {
            pk: rest
            for pk, *rest in model.objects.filter(
                pk__in=[key for key in groups.keys() | created.keys() if key is not None]
            ).values_list("pk", *fields)
        }
    figures: dict = {}
    for key in groups.keys() | created.keys():
        counts = groups.get(key, empty)
        row = {f"lead__{key_field}": key, "leads": created[key], "mqls": counts["size"],
               "accepted": 0, "rejected": 0, "sqls": counts[Stage.SQL.value],
               "customers": counts[Stage.CUSTOMER.value]}  # fmt: skip
        if name_field:
            name, *budget = named.get(key, [REMOVED, None])
            row[f"lead__{name_field}"] = name
            if by == "campaign":
                row["lead__campaign__budget"] = budget[0]
        figures[key] = row
    reasons = []
    for (key, label, kind), count in decisions.items():
        figures[key][kind] += count
        if kind == "rejected" and label is not None and count:
            reasons.append({f"lead__{key_field}": key, "label": label, "count": count})
    return list(figures.values()), reasons


def _cohort_counted(period, filters, by, now, group, groups) -> None:
    """The cohort's figures and reasons through Django's queries (the SQLite demo): two."""
    key_field = GROUPS[by][0]
    cohort = _cohort_transitions(period, filters, now)
    figures = (
        cohort.values(*_fields(by, "lead__"))
        .annotate(
            mqls=Count("lead_id", distinct=True, filter=Q(to_stage=Stage.MQL)),
            accepted=Count("id", filter=ACCEPTED),
            rejected=Count("id", filter=REJECTION),
            sqls=Count("lead_id", distinct=True, filter=Q(to_stage=Stage.SQL)),
            customers=Count("lead_id", distinct=True, filter=Q(to_stage=Stage.CUSTOMER)),
        )
        .order_by()
    )
    for row in figures:
        group(row, "lead__").update({figure: row[figure] for figure in COHORT_FIGURES})

    reasons = (
        cohort.filter(REJECTION)
        .values(f"lead__{key_field}", "rejection_reason__label")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in reasons:
        groups[row[f"lead__{key_field}"]]["reasons"][row["rejection_reason__label"]] = row["count"]


def _cohort_joined(
    period: Period, filters: Filters, by: str, now: datetime | None
) -> tuple[list[dict], list[dict]]:
    """The cohort's figures and reasons on PostgreSQL, in one query: each lead's first entry
    to MQL in the period, with its group, joined by hash to the moves since the period began,
    those at or after the entry counted. Looking each move's entry up one by one instead costs
    seconds at a million leads. Returns the figures by group (keyed as Django's ``values``
    would: ``lead__<field>``) and the rejections by group and reason label."""
    fields = _fields(by, "lead__")
    entries = (
        StageTransition.objects.filter(
            filters.q("lead__"), to_stage=Stage.MQL, at__gte=period.start, at__lt=period.end
        )
        .values("lead_id", *fields)
        .annotate(entered_at=Min("at"))
        .order_by()
    )
    moves = StageTransition.objects.filter(
        to_stage__in=[Stage.MQL, Stage.SAL, Stage.SQL, Stage.CUSTOMER, *SIDE_EXITS],
        at__gte=period.start,
    )
    if now is not None:
        moves = moves.filter(at__lte=now)
    moves = moves.annotate(
        accepted=ExpressionWrapper(ACCEPTED, output_field=BooleanField()),
        rejected=ExpressionWrapper(REJECTION, output_field=BooleanField()),
    ).values_list("lead_id", "to_stage", "at", "rejection_reason__label", "accepted", "rejected")
    entries_sql, entries_params = entries.query.sql_with_params()
    moves_sql, moves_params = moves.query.sql_with_params()
    groups = [f"g{n}" for n in range(len(fields))]
    keys = ", ".join(groups)
    # Both parts are Django's renderings of querysets (the model's fields before the
    # annotations, as named here), their values in the parameters. The rejections are counted
    # by reason; the other moves in the group with no reason.
    query = (
        f"WITH e ({', '.join(['lead_id', *groups, 'entered_at'])}) AS ({entries_sql}), "  # noqa: S608
        f"x (lead_id, to_stage, at, reason, accepted, rejected) AS ({moves_sql}) "
        f"SELECT {keys}, CASE WHEN x.rejected THEN x.reason END AS reason, "
        "count(DISTINCT e.lead_id) FILTER (WHERE x.to_stage = %s), "
        "count(*) FILTER (WHERE x.accepted), count(*) FILTER (WHERE x.rejected), "
        "count(DISTINCT e.lead_id) FILTER (WHERE x.to_stage = %s), "
        "count(DISTINCT e.lead_id) FILTER (WHERE x.to_stage = %s) "
        "FROM e JOIN x ON x.lead_id = e.lead_id AND x.at >= e.entered_at "
        f"GROUP BY {keys}, {len(groups) + 1}"
    )
    params = [*entries_params, *moves_params, Stage.MQL, Stage.SQL, Stage.CUSTOMER]
    figures: dict[tuple, dict] = {}
    reasons: list[dict] = []
    with cursor_with_memory(entries.db) as cursor:
        cursor.execute(query, params)
        for *key, reason, mqls, accepted, rejected, sqls, customers in cursor.fetchall():
            named = dict(zip(fields, key, strict=True))
            row = figures.setdefault(tuple(key), {**named, **dict.fromkeys(COHORT_FIGURES, 0)})
            row["rejected"] += rejected
            if reason is None:
                row.update(mqls=mqls, accepted=accepted, sqls=sqls, customers=customers)
            else:
                reasons.append({**named, "label": reason, "count": rejected})
    return list(figures.values()), reasons


def _ordered(reasons: Counter) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(reasons.items(), key=lambda reason: (-reason[1], reason[0])))


def _row(
    *,
    key: str | int | None,
    name: str,
    budget: Decimal | None,
    leads: int,
    reasons: Counter,
    mqls: int = 0,
    accepted: int = 0,
    rejected: int = 0,
    sqls: int = 0,
    customers: int = 0,
) -> QualityRow:
    return QualityRow(
        key=key,
        name=name,
        leads=leads,
        mqls=mqls,
        accepted=accepted,
        rejected=rejected,
        sqls=sqls,
        customers=customers,
        reasons=_ordered(reasons),
        budget=budget,
        cost_per_mql=_cost(budget, mqls),
        cost_per_sql=_cost(budget, sqls),
        cost_per_customer=_cost(budget, customers),
    )


def _total(rows: list[QualityRow]) -> QualityRow:
    """Every group's counts added up (a lead is in one group only); the costs over the groups
    with a budget, each budget against its own campaign's counts."""
    budgeted = [row for row in rows if row.budget is not None]
    budget = sum((row.budget for row in budgeted), Decimal(0)) if budgeted else None
    reasons: Counter = Counter()
    for row in rows:
        reasons.update(dict(row.reasons))
    return QualityRow(
        key=None,
        name="Total",
        leads=sum(row.leads for row in rows),
        mqls=sum(row.mqls for row in rows),
        accepted=sum(row.accepted for row in rows),
        rejected=sum(row.rejected for row in rows),
        sqls=sum(row.sqls for row in rows),
        customers=sum(row.customers for row in rows),
        reasons=_ordered(reasons),
        budget=budget,
        cost_per_mql=_cost(budget, sum(row.mqls for row in budgeted)),
        cost_per_sql=_cost(budget, sum(row.sqls for row in budgeted)),
        cost_per_customer=_cost(budget, sum(row.customers for row in budgeted)),
    )
