"""The full rescore written by hand as one SQL statement: the practical limit of this machine,
against which the engine's chunked rescore is measured. It writes what the engine writes (the
score columns and the day's history) from its own reading of the rules, without the compiler,
so the benchmark also checks that both arrive at the same scores."""

from __future__ import annotations

import datetime

from psycopg import sql

from leads.models import Company, Lead
from leads.scoring.attributes import ATTRIBUTES_BY_NAME, Kind
from leads.scoring.models import ScoringModel

AGE = "(date_part('epoch', %(now)s::timestamptz - e.occurred_at) / 86400.0)"


def _column(attribute_name: str) -> sql.Composable:
    attribute = ATTRIBUTES_BY_NAME[attribute_name]
    if attribute.path.startswith("company__"):
        field = Company._meta.get_field(attribute.path.removeprefix("company__"))
        return sql.SQL("c.{}").format(sql.Identifier(field.column))
    return sql.SQL("l.{}").format(sql.Identifier(Lead._meta.get_field(attribute.path).column))


def _fit_condition(rule) -> sql.Composable:
    column, value = _column(rule.attribute), rule.value
    text = ATTRIBUTES_BY_NAME[rule.attribute].kind == Kind.TEXT
    lowered = sql.SQL("lower({})").format(column) if text else column

    def literal(item):
        return sql.Literal(item.lower() if text and isinstance(item, str) else item)

    match rule.operator:
        case "equals":
            return sql.SQL("{} = {}").format(lowered, literal(value))
        case "one_of":
            return sql.SQL("{} IN ({})").format(lowered, sql.SQL(", ").join(map(literal, value)))
        case "contains":
            return sql.SQL("strpos(lower({}), {}) > 0").format(column, literal(value))
        case "starts_with":
            return sql.SQL("starts_with(lower({}), {})").format(column, literal(value))
        case "gte":
            return sql.SQL("{} >= {}").format(column, literal(value))
        case "lte":
            return sql.SQL("{} <= {}").format(column, literal(value))
        case "between":
            return sql.SQL("{} BETWEEN {} AND {}").format(
                column, literal(value[0]), literal(value[1])
            )
        case "is_set":
            return sql.SQL("coalesce({}::text, '') <> ''").format(column)
        case "is_empty":
            return sql.SQL("coalesce({}::text, '') = ''").format(column)
    raise ValueError(rule.operator)


def _bounded(expression: sql.Composable, cap) -> sql.Composable:
    if cap is None:
        return expression
    return sql.SQL("least(greatest({}, {}), {})").format(
        expression, sql.Literal(-cap), sql.Literal(cap)
    )


def _fit(model: ScoringModel) -> sql.Composable:
    groups: dict = {}
    for rule in model.fit_rules.all():
        points = sql.SQL("CASE WHEN {} THEN {} ELSE 0 END").format(
            _fit_condition(rule), sql.Literal(rule.points)
        )
        groups.setdefault(rule.group, []).append(points)
    parts = [
        _bounded(sql.SQL(" + ").join(points), group.cap if group else None)
        for group, points in groups.items()
    ]
    return sql.SQL(" + ").join(parts) if parts else sql.SQL("0")


def _engagement(model: ScoringModel) -> sql.Composable:
    per_rule = []
    for rule in model.engagement_rules.all():
        conditions = [sql.SQL("e.type = {}").format(sql.Literal(rule.event_type))]
        if rule.window_days:
            conditions.append(
                sql.SQL("e.occurred_at >= %(now)s::timestamptz - {}::interval").format(
                    sql.Literal(f"{rule.window_days} days")
                )
            )
        if rule.property_key:
            value = sql.SQL("lower(e.properties ->> {})").format(sql.Literal(rule.property_key))
            wanted = sql.Literal(rule.property_value.lower())
            conditions.append(
                {
                    "equals": sql.SQL("{} = {}"),
                    "contains": sql.SQL("strpos({}, {}) > 0"),
                    "starts_with": sql.SQL("starts_with({}, {})"),
                }[rule.property_operator].format(value, wanted)
            )
        points = sql.SQL("{}::float8").format(sql.Literal(float(rule.points)))
        if rule.half_life_days:
            points = sql.SQL("{} * power(0.5::float8, {} / {}::float8)").format(
                points, sql.SQL(AGE), sql.Literal(float(rule.half_life_days))
            )
        per_rule.append(
            _bounded(
                sql.SQL("coalesce(sum({}) FILTER (WHERE {}), 0::float8)").format(
                    points, sql.SQL(" AND ").join(conditions)
                ),
                rule.cap,
            )
        )
    return sql.SQL(" + ").join(per_rule) if per_rule else sql.SQL("0::float8")


def _band(score: str, thresholds: list[tuple[int, str]], below: str) -> sql.Composable:
    whens = [
        sql.SQL("WHEN {} >= {} THEN {}").format(sql.SQL(score), sql.Literal(low), sql.Literal(name))
        for low, name in thresholds
    ]
    return sql.SQL("CASE {} ELSE {} END").format(sql.SQL(" ").join(whens), sql.Literal(below))


def rescore_statement(model: ScoringModel) -> sql.Composable:
    """``UPDATE leads_lead … FROM (fit and engagement of every lead)`` plus the history rows,
    with ``%(now)s``, ``%(day)s`` and ``%(model)s`` as parameters."""
    total = "s.fit + s.engagement"
    if model.overall_cap is not None:
        total = f"least({total}, {int(model.overall_cap)})"
    event_types = sql.SQL(", ").join(
        sql.Literal(rule.event_type) for rule in model.engagement_rules.all()
    )
    return sql.SQL(
        """
        WITH parts AS MATERIALIZED (
            SELECT l.id, ({fit})::int AS fit, coalesce(e.engagement, 0) AS engagement
            FROM leads_lead l
            LEFT JOIN leads_company c ON c.id = l.company_id
            LEFT JOIN (
                SELECT e.lead_id, (CASE WHEN x >= 0 THEN floor(x + 0.5) ELSE -floor(0.5 - x) END)::int
                       AS engagement
                FROM (SELECT e.lead_id, {engagement} AS x FROM leads_event e
                      WHERE e.type IN ({event_types}) AND e.occurred_at <= %(now)s
                      GROUP BY e.lead_id) e
            ) e ON e.lead_id = l.id
        ), written AS (
            UPDATE leads_lead l SET
                fit_score = s.fit, engagement_score = s.engagement, total_score = {total},
                temperature = {temperature}, grade = {letter} || {digit},
                scoring_model_id = %(model)s, scored_at = %(now)s
            FROM parts s WHERE l.id = s.id
            RETURNING l.id, l.fit_score, l.engagement_score, l.total_score
        )
        INSERT INTO leads_scorehistory (lead_id, day, fit_score, engagement_score, total_score)
        SELECT id, %(day)s, fit_score, engagement_score, total_score FROM written
        ON CONFLICT (lead_id, day) DO UPDATE SET fit_score = EXCLUDED.fit_score,
            engagement_score = EXCLUDED.engagement_score, total_score = EXCLUDED.total_score
        """
    ).format(
        fit=_fit(model),
        engagement=_engagement(model),
        event_types=event_types,
        total=sql.SQL(total),
        temperature=_band(
            total, [(model.hot_threshold, "hot"), (model.warm_threshold, "warm")], "cold"
        ),
        letter=_band("s.fit", [(model.fit_a, "A"), (model.fit_b, "B"), (model.fit_c, "C")], "D"),
        digit=_band(
            "s.engagement",
            [(model.engagement_1, "1"), (model.engagement_2, "2"), (model.engagement_3, "3")],
            "4",
        ),
    )


def params(model: ScoringModel, now: datetime.datetime) -> dict:
    return {"now": now, "day": now.astimezone(datetime.UTC).date(), "model": model.pk}
