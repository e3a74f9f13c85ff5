"""Every lead's scores written by hand in SQL, from this module's own reading of the rules,
without the engine's compiler: the benchmark's check that the engine's rescore arrives at the
same scores (``fingerprint``), and the statement its references write from
(``bench.reference``)."""

from __future__ import annotations

import datetime

from psycopg import sql

from leads.models import Company, Lead
from leads.scoring.attributes import ATTRIBUTES_BY_NAME, Kind
from leads.scoring.models import ScoringModel

# The columns the checksum covers, in the order both sides list them.
SCORE_COLUMNS = "fit, engagement, total, temperature, grade"
_RANGE = " AND {} > %(low)s AND {} <= %(high)s"
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


def scores_select(model: ScoringModel, ranged: bool = False) -> sql.Composable:
    """``SELECT id, fit, engagement, total, temperature, grade`` of every lead under ``model``
    as of ``%(now)s`` (``ranged``: of the leads with ``%(low)s < id ≤ %(high)s``): each
    lead's events aggregated in one pass, joined to the leads and their companies."""
    total = "s.fit + s.engagement"
    if model.overall_cap is not None:
        total = f"least({total}, {int(model.overall_cap)})"
    types = sorted({rule.event_type for rule in model.engagement_rules.all()})
    event_types = sql.SQL(", ").join(map(sql.Literal, types)) if types else sql.SQL("NULL")
    return sql.SQL(
        """
        SELECT s.id, s.fit, s.engagement, ({total})::int AS total,
               {temperature} AS temperature, {letter} || {digit} AS grade
        FROM (
            SELECT l.id, ({fit})::int AS fit, coalesce(e.engagement, 0) AS engagement
            FROM leads_lead l
            LEFT JOIN leads_company c ON c.id = l.company_id
            LEFT JOIN (
                SELECT e.lead_id,
                       (CASE WHEN x >= 0 THEN floor(x + 0.5) ELSE -floor(0.5 - x) END)::int
                       AS engagement
                FROM (SELECT e.lead_id, {engagement} AS x FROM leads_event e
                      WHERE e.type IN ({event_types}) AND e.occurred_at <= %(now)s{events_range}
                      GROUP BY e.lead_id) e
            ) e ON e.lead_id = l.id{leads_range}
        ) s
        """
    ).format(
        fit=_fit(model),
        engagement=_engagement(model),
        event_types=event_types,
        events_range=sql.SQL(_RANGE.format("e.lead_id", "e.lead_id") if ranged else ""),
        leads_range=sql.SQL(" WHERE" + _RANGE.format("l.id", "l.id")[4:] if ranged else ""),
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


def fingerprint(model: ScoringModel, now: datetime.datetime) -> tuple[int, int]:
    """The checksum of every lead's scores under ``model`` as of ``now``, read from the rules
    by hand, without writing anything: what the engine's rescore must agree with."""
    from django.db import connection

    statement = sql.SQL(
        "SELECT count(*), sum(hashtext(concat_ws(',', {columns}))::bigint) FROM ({select}) scores"
    ).format(columns=sql.SQL(SCORE_COLUMNS), select=scores_select(model))
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute(statement.as_string(connection.connection), params(model, now))
        found = cursor.fetchone()
        cursor.execute("RESET work_mem")
    return found


def params(model: ScoringModel, now: datetime.datetime) -> dict:
    return {"now": now, "day": now.astimezone(datetime.UTC).date(), "model": model.pk}
