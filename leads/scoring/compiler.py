"""Compiles a scoring model into ORM expressions, so that a set of leads is scored by the
database in one statement (see DESIGN.md, "Architecture" and "Performance facts").

Semantics, which the reference scorer in the tests implements in plain Python:

- A fit rule adds its points when the lead's attribute matches. Text comparisons (equals, one
  of, contains, starts with; and engagement rules' property filters) ignore case alike on
  PostgreSQL and SQLite: the database lower-cases both sides a character at a time, PostgreSQL
  with lower() (its C.UTF-8 locale folds every alphabet), SQLite with a function doing the same
  (smarketing/db.py), so "Éducation" equals "éducation" on both. Nothing else is folded:
  accents stay ("ärzte" does not contain "arzte") and "ß" is not "ss". In values, "%" and "_"
  are themselves. (Python's str.lower, which the reference scorer uses, differs only on "İ"
  and on a "Σ" ending a word.) "is empty" is true for '' and for a missing value (no company).
  A group's points are the sum of its matching rules, bounded by the group's cap either way
  (−cap ≤ sum ≤ cap); ungrouped rules add their points as they are. Fit is an integer.
- An engagement rule adds, for each matching event with occurred_at ≤ now (and ≥ now −
  window_days if set), points × 0.5^(age in days / half_life_days) (× 1 without a
  half-life); the rule's sum is bounded by its cap either way. The rules' sums are added and
  then rounded half away from zero: floor(x + 0.5) for x ≥ 0, −floor(0.5 − x) below.
- ``now`` is one instant for every lead (a datetime), or each lead's own instant: an expression
  over Lead such as ``F("created_at") + timedelta(days=30)`` (the lab's backtest); inside the
  subquery over a lead's events its columns are read through ``OuterRef``.
- total = fit + engagement, then at most overall_cap if set. Temperature: hot from
  hot_threshold, warm from warm_threshold, else cold. Grade: a fit letter (A from fit_a, B
  from fit_b, C from fit_c, else D) and an engagement digit (1 from engagement_1, 2, 3, else 4).
"""

from __future__ import annotations

import datetime
from functools import reduce
from operator import add

from django.db import NotSupportedError
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Concat, Floor, Greatest, Least, Length
from django.db.models.lookups import (
    Contains,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    StartsWith,
)

from leads.models import Event
from leads.scoring.attributes import ATTRIBUTES_BY_NAME, Kind, Operator
from leads.scoring.models import EngagementRule, FitRule, ScoringModel
from smarketing.db import Folded

# The instant leads are scored as of: a datetime, or an expression over Lead.
Instant = datetime.datetime | Expression | F


def _as_of_lead(now: Instant) -> datetime.datetime | Expression:
    """``now`` as read inside a subquery over one lead's events: a datetime as it is, the lead's
    columns in an expression (``F("created_at")``) through ``OuterRef``."""
    if isinstance(now, datetime.datetime | OuterRef):
        return now
    if isinstance(now, F):
        return OuterRef(now.name)
    copy = now.copy()
    copy.set_source_expressions([_as_of_lead(part) for part in now.get_source_expressions()])
    return copy


class AgeInDays(Func):
    """Days from ``field`` to ``now``, in double precision: one expression per database.

    On PostgreSQL ``date_part('epoch', …)`` keeps the age a float8; ``EXTRACT`` returns
    numeric since PostgreSQL 14 and made the decayed sum several times slower."""

    output_field = FloatField()

    def __init__(self, now: datetime.datetime | Expression, field: str = "occurred_at") -> None:
        if isinstance(now, datetime.datetime):
            now = Value(now, output_field=DateTimeField())
        super().__init__(now, field)

    def _compiled(self, compiler, connection):
        now, field = self.get_source_expressions()
        now_sql, now_params = compiler.compile(now)
        field_sql, field_params = compiler.compile(field)
        return now_sql, field_sql, (*now_params, *field_params)

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError(
            f"Scoring runs on PostgreSQL and SQLite, not on {connection.vendor}."
        )

    def as_postgresql(self, compiler, connection, **extra):
        now_sql, field_sql, params = self._compiled(compiler, connection)
        return f"(date_part('epoch', ({now_sql})::timestamptz - {field_sql}) / 86400.0)", params

    def as_sqlite(self, compiler, connection, **extra):
        now_sql, field_sql, params = self._compiled(compiler, connection)
        return f"(julianday({now_sql}) - julianday({field_sql}))", params


class _FloatConstant(Cast):
    """A constant: nothing to group by (a grouped aggregate would otherwise hash it with every
    row, as Django groups by each non-aggregate expression of an annotation)."""

    def get_group_by_cols(self):
        return []


def _float(number: float) -> Expression:
    """A double-precision constant. The cast matters on PostgreSQL, where a bare ``-20.0`` is
    numeric and would make the sum over events numeric too (several times slower)."""
    return _FloatConstant(Value(float(number)), FloatField())


def _integer(number: int) -> Value:
    return Value(int(number), output_field=IntegerField())


def _bounded(expression: Expression, cap: float | None, value=_integer) -> Expression:
    """``expression`` bounded by ``cap`` either way (−cap ≤ x ≤ cap), or as is without a cap."""
    if cap is None:
        return expression
    return Least(Greatest(expression, value(-cap)), value(cap))


# Fit ----------------------------------------------------------------------------------------


def text_condition(text: Expression | F, operator: str, value: str | list[str]) -> Expression:
    """``text`` compared with ``value`` without regard to case: both sides folded by the
    database (``Folded``), so that PostgreSQL and SQLite agree.

    For contains and starts with, Django escapes ``%``, ``_`` and ``\\`` in the folded value
    and wraps it in ``%`` in SQL; PostgreSQL reduces all of it to one constant pattern when it
    plans the statement, so a row costs one ``lower()`` and one ``LIKE``."""
    folded = Folded(text)
    match operator:
        case Operator.EQUALS:
            return Exact(folded, Folded(Value(value)))
        case Operator.ONE_OF:
            return In(folded, [Folded(Value(item)) for item in value])
        case Operator.CONTAINS:
            return Contains(folded, Folded(Value(value)))
        case Operator.STARTS_WITH:
            return StartsWith(folded, Folded(Value(value)))
    raise ValueError(f"{operator!r} is not a text comparison.")


def fit_rule_condition(rule: FitRule, *, stored_persona: bool = False) -> Q | Expression:
    """The condition under which a lead matches ``rule``, on Lead (company through a join). A
    rule on the persona reads the persona the same statement matches (``leads.scoring.matching``),
    or with ``stored_persona`` the one written with the lead's score."""
    attribute = ATTRIBUTES_BY_NAME[rule.attribute]
    path, value = attribute.path, rule.value
    if attribute.kind == Kind.PERSONA:
        from leads.scoring.matching import persona_fit_condition

        return persona_fit_condition(rule.operator, value, stored=stored_persona)
    text = attribute.kind == Kind.TEXT
    match rule.operator:
        case Operator.EQUALS | Operator.ONE_OF | Operator.CONTAINS | Operator.STARTS_WITH if text:
            return text_condition(F(path), rule.operator, value)
        case Operator.EQUALS:
            return Q(**{path: value})
        case Operator.ONE_OF:
            return Q(**{f"{path}__in": value})
        case Operator.GTE:
            return Q(**{f"{path}__gte": value})
        case Operator.LTE:
            return Q(**{f"{path}__lte": value})
        case Operator.BETWEEN:
            return Q(**{f"{path}__range": (value[0], value[1])})
        case Operator.IS_SET if attribute.kind == Kind.NUMBER:
            return Q(**{f"{path}__isnull": False})
        case Operator.IS_SET:
            return GreaterThan(Length(path), 0)
        case Operator.IS_EMPTY if attribute.kind == Kind.NUMBER:
            return Q(**{f"{path}__isnull": True})
        case Operator.IS_EMPTY:
            return Q(**{f"{path}__isnull": True}) | Q(**{path: ""})
    raise ValueError(f"{rule.label}: unknown operator {rule.operator!r}.")


def fit_expression(model: ScoringModel) -> Expression:
    """The lead's fit score (an integer), as an expression over Lead."""
    groups: dict[int | None, list[Expression]] = {}
    caps: dict[int | None, int | None] = {group.pk: group.cap for group in model.fit_groups.all()}
    for rule in model.fit_rules.all():
        points = Case(
            When(fit_rule_condition(rule), then=_integer(rule.points)),
            default=_integer(0),
            output_field=IntegerField(),
        )
        groups.setdefault(rule.group_id, []).append(points)
    parts = [
        _bounded(reduce(add, rules), caps.get(group_id)) if group_id else reduce(add, rules)
        for group_id, rules in groups.items()
    ]
    return reduce(add, parts) if parts else _integer(0)


# Engagement ---------------------------------------------------------------------------------


def engagement_events(model: ScoringModel, now: Instant, *others: ScoringModel) -> QuerySet[Event]:
    """The events engagement is read from: the one place that knows where they live. With
    ``others``, the events that any of the models reads, for one pass scoring them all (the
    lab's backtest).

    Every engagement expression starts here, so that reading a daily per-lead rollup instead of
    raw events (DESIGN.md, "Growing past one machine") changes this function only."""
    return Event.objects.filter(engagement_events_condition(model, now, *others))


def engagement_events_condition(model: ScoringModel, now: Instant, *others: ScoringModel) -> Q:
    """Which events ``engagement_events`` holds, for a statement that reads them beside others
    (each rule's sum filters its own events, so more events read change no score)."""
    rules = [rule for each in (model, *others) for rule in each.engagement_rules.all()]
    condition = Q(type__in=sorted({rule.event_type for rule in rules}), occurred_at__lte=now)
    if rules and all(rule.window_days for rule in rules):
        longest = max(rule.window_days for rule in rules)
        condition &= Q(occurred_at__gte=now - datetime.timedelta(days=longest))
    return condition


def engagement_rule_condition(rule: EngagementRule, now: Instant) -> Q:
    """The events (of one lead) that ``rule`` counts."""
    condition = Q(type=rule.event_type)
    if rule.window_days:
        condition &= Q(occurred_at__gte=now - datetime.timedelta(days=rule.window_days))
    if rule.property_key:
        condition &= Q(
            text_condition(
                KeyTextTransform(rule.property_key, "properties"),
                rule.property_operator,
                rule.property_value,
            )
        )
    return condition


def engagement_rule_points(rule: EngagementRule, now: Instant) -> Expression:
    """One event's points under ``rule``, decayed by its age in the database."""
    if not rule.half_life_days:
        return _float(rule.points)
    decay = Func(
        _float(0.5),
        AgeInDays(now) / _float(rule.half_life_days),
        function="POWER",
        output_field=FloatField(),
    )
    return _float(rule.points) * decay


def engagement_sum(model: ScoringModel, now: Instant) -> Expression:
    """The rules' capped sums added up (unrounded), as an aggregate over engagement_events: a
    model with engagement rules only. ``now`` is read as written (inside a subquery over one
    lead's events, through ``_as_of_lead``; over events joined to their lead, as
    ``F("lead__created_at")``)."""
    per_rule = [
        _bounded(
            Coalesce(
                Sum(engagement_rule_points(rule, now), filter=engagement_rule_condition(rule, now)),
                _float(0),
            ),
            rule.cap,
            value=_float,
        )
        for rule in model.engagement_rules.all()
    ]
    return reduce(add, per_rule)


def round_half_away_from_zero(expression: Expression) -> Expression:
    return Cast(
        Case(
            When(GreaterThanOrEqual(expression, _float(0)), then=Floor(expression + _float(0.5))),
            default=-Floor(_float(0.5) - expression),
            output_field=FloatField(),
        ),
        IntegerField(),
    )


def _by_lead(model: ScoringModel, now: Instant, finish) -> QuerySet[Event]:
    """The model's engagement over its events grouped by lead (``scored_lead``,
    ``engagement``): each event read once, every rule summed, then ``finish`` applied."""
    return (
        engagement_events(model, now)
        .order_by()
        .values(scored_lead=F("lead"))
        .annotate(engagement=finish(engagement_sum(model, now)))
    )


def _per_lead(model: ScoringModel, now: Instant, finish, output_field) -> Expression:
    """One subquery over the lead's events: each event is read once, every rule summed."""
    if not list(model.engagement_rules.all()):
        return Value(0, output_field=output_field)
    now = _as_of_lead(now)
    per_lead = _by_lead(model, now, finish).filter(lead=OuterRef("pk")).values("engagement")
    return Coalesce(
        Subquery(per_lead, output_field=output_field), Value(0, output_field=output_field)
    )


def engagement_raw_expression(model: ScoringModel, now: Instant) -> Expression:
    """The lead's engagement before rounding (a float), as an expression over Lead."""
    return _per_lead(model, now, lambda total: total, FloatField())


def engagement_expression(model: ScoringModel, now: Instant) -> Expression:
    """The lead's engagement score (rounded to an integer), as an expression over Lead."""
    return _per_lead(model, now, round_half_away_from_zero, IntegerField())


# Bands --------------------------------------------------------------------------------------


def total_expression(model: ScoringModel, fit: Expression, engagement: Expression) -> Expression:
    total = fit + engagement
    return total if model.overall_cap is None else Least(total, _integer(model.overall_cap))


def temperature_expression(model: ScoringModel, total: Expression) -> Expression:
    return Case(
        When(GreaterThanOrEqual(total, _integer(model.hot_threshold)), then=Value("hot")),
        When(GreaterThanOrEqual(total, _integer(model.warm_threshold)), then=Value("warm")),
        default=Value("cold"),
        output_field=CharField(),
    )


def _band(score: Expression, thresholds: list[tuple[int, str]], below: str) -> Expression:
    return Case(
        *[
            When(GreaterThanOrEqual(score, _integer(low)), then=Value(band))
            for low, band in thresholds
        ],
        default=Value(below),
        output_field=CharField(),
    )


def grade_expression(model: ScoringModel, fit: Expression, engagement: Expression) -> Expression:
    letter = _band(fit, [(model.fit_a, "A"), (model.fit_b, "B"), (model.fit_c, "C")], "D")
    digit = _band(
        engagement,
        [(model.engagement_1, "1"), (model.engagement_2, "2"), (model.engagement_3, "3")],
        "4",
    )
    return Concat(letter, digit, output_field=CharField())


def derived_annotations(
    model: ScoringModel, fit: Expression, engagement: Expression
) -> dict[str, Expression]:
    """Total, temperature and grade from the fit and engagement expressions given."""
    total = total_expression(model, fit, engagement)
    return {
        "total_score": total,
        "temperature": temperature_expression(model, total),
        "grade": grade_expression(model, fit, engagement),
    }


def score_annotations(model: ScoringModel, now: Instant) -> dict[str, Expression]:
    """Every score column of Lead, as expressions over Lead (keys are Lead's field names)."""
    fit = fit_expression(model)
    engagement = engagement_expression(model, now)
    return {
        "fit_score": fit,
        "engagement_score": engagement,
        **derived_annotations(model, fit, engagement),
    }
