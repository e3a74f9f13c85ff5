"""Writes of the scoring engine: versions of the scoring model, and scoring leads."""

from __future__ import annotations

import datetime

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, router, transaction
from django.db.models import F, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from leads.models import Lead
from leads.scoring import compiler
from leads.scoring.models import EngagementRule, FitGroup, FitRule, ScoreHistory, ScoringModel

SCORE_COLUMNS = ("fit_score", "engagement_score", "total_score", "temperature", "grade")


# Versions -----------------------------------------------------------------------------------


def scoring_model_next_version() -> int:
    return (ScoringModel.objects.aggregate(highest=Max("version"))["highest"] or 0) + 1


@transaction.atomic
def scoring_model_create(*, name: str, actor=None, **fields) -> ScoringModel:
    """A new draft, numbered after every existing version (the unique version refuses a tie)."""
    model = ScoringModel(
        name=name, created_by=actor, version=scoring_model_next_version(), **fields
    )
    model.full_clean()
    model.save()
    return model


def scoring_model_problems(model: ScoringModel) -> list[str]:
    """Every refusal of the model and its rules, each naming the rule and why."""
    problems: list[str] = []
    for record in [
        model,
        *model.fit_groups.all(),
        *model.fit_rules.select_related("group"),
        *model.engagement_rules.all(),
    ]:
        try:
            record.full_clean(exclude=["model", "version"])
        except ValidationError as error:
            problems.extend(
                message for messages in error.message_dict.values() for message in messages
            )
    return problems


@transaction.atomic
def scoring_model_activate(*, model: ScoringModel, actor) -> ScoringModel:
    """Archive the active version and activate this draft, recording who and when."""
    problems = scoring_model_problems(model)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    # Lock the active row so that two activations run one after the other.
    list(ScoringModel.objects.select_for_update().active())
    ScoringModel.objects.active().exclude(pk=model.pk).update(
        status=ScoringModel.Status.ARCHIVED, archived_at=now
    )
    activated = ScoringModel.objects.filter(pk=model.pk, status=ScoringModel.Status.DRAFT).update(
        status=ScoringModel.Status.ACTIVE, activated_by=actor, activated_at=now
    )
    if not activated:
        raise ValidationError(f"Only a draft can be activated; v{model.version} is not a draft.")
    model.refresh_from_db()
    return model


# A version's life: a copy starts these afresh.
_VERSION_LIFE = (
    "version",
    "status",
    "created_by",
    "created_at",
    "activated_by",
    "activated_at",
    "archived_at",
)


def _copy(row, *, leave: tuple[str, ...] = (), **overrides):
    """An unsaved copy of ``row`` with every column but its key, those in ``leave`` (left to their
    defaults) and ``overrides``; so a column added later is copied without a change here."""
    values = {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if not field.primary_key and field.name not in leave and field.name not in overrides
    }
    return type(row)(**values, **overrides)


@transaction.atomic
def scoring_model_clone(*, model: ScoringModel, actor) -> ScoringModel:
    """A draft copy of ``model`` with every group and rule, numbered as the next version."""
    copy = _copy(model, leave=_VERSION_LIFE, version=scoring_model_next_version(), created_by=actor)
    copy.save()
    groups = {}
    for group in model.fit_groups.all():
        groups[group.pk] = _copy(group, model=copy)
        groups[group.pk].save()
    FitRule.objects.bulk_create(
        _copy(rule, model=copy, group=groups.get(rule.group_id)) for rule in model.fit_rules.all()
    )
    EngagementRule.objects.bulk_create(
        _copy(rule, model=copy) for rule in model.engagement_rules.all()
    )
    return copy


@transaction.atomic
def scoring_model_default(*, actor=None) -> ScoringModel:
    """A sensible starter draft: B2B fit on role and company size, engagement that fades."""
    model = scoring_model_create(
        name="Starter model",
        actor=actor,
        description="Fit on role and company size; engagement from buying signals, decayed.",
        overall_cap=150,
    )
    role = FitGroup.objects.create(model=model, name="role", cap=30)
    company = FitGroup.objects.create(model=model, name="company", cap=30)
    fit_rules = [
        (role, "seniority", "one_of", ["c_level", "vp", "owner"], 20),
        (role, "seniority", "one_of", ["director", "manager"], 12),
        (role, "department", "one_of", ["marketing", "sales"], 10),
        (role, "seniority", "equals", "entry", -5),
        (company, "company.size_band", "one_of", ["201-1000", "1001-5000", "5001+"], 20),
        (company, "company.size_band", "equals", "51-200", 12),
        (company, "company.size_band", "equals", "1-10", -10),
        (company, "company.annual_revenue_band", "one_of", ["50m-250m", "250m-1b", "1b+"], 10),
        (None, "phone", "is_set", None, 3),
        (None, "email", "contains", "@gmail.", -10),
    ]
    FitRule.objects.bulk_create(
        FitRule(
            model=model, group=group, attribute=attribute, operator=operator, value=value,
            points=points, position=position,
        )
        for position, (group, attribute, operator, value, points) in enumerate(fit_rules, 1)
    )  # fmt: skip
    engagement_rules = [
        # event type, property filter, points, half-life, window, cap
        ("demo_request", ("", "", ""), 40, 90, None, 60),
        ("pricing_page_view", ("", "", ""), 10, 14, None, 30),
        ("page_view", ("url", "contains", "/pricing"), 10, 14, None, 30),
        ("content_download", ("", "", ""), 8, 30, None, 24),
        ("webinar_attended", ("", "", ""), 15, 60, None, 30),
        ("email_click", ("", "", ""), 3, 14, 90, 15),
        ("page_view", ("", "", ""), 1, 7, 30, 10),
        ("unsubscribe", ("", "", ""), -20, None, None, 20),
        ("email_bounce", ("", "", ""), -10, None, None, 10),
    ]
    EngagementRule.objects.bulk_create(
        EngagementRule(
            model=model, event_type=event_type, property_key=key, property_operator=operator,
            property_value=value, points=points, half_life_days=half_life,
            window_days=window, cap=cap, position=position,
        )
        for position, (event_type, (key, operator, value), points, half_life, window, cap)
        in enumerate(engagement_rules, 1)
    )  # fmt: skip
    return model


# Scoring ------------------------------------------------------------------------------------


def _prefetched(model: ScoringModel) -> ScoringModel:
    """The model with its groups and rules loaded once, for the compiler."""
    return ScoringModel.objects.prefetch_related("fit_groups", "fit_rules", "engagement_rules").get(
        pk=model.pk
    )


def leads_score(
    *,
    model: ScoringModel,
    leads: QuerySet[Lead] | None = None,
    now: datetime.datetime | None = None,
    only_changed: bool = True,
) -> int:
    """Score ``leads`` (default: all) with ``model`` in one UPDATE; return the rows written.

    Writes fit, engagement, total, temperature, grade, the model version and scored_at. On
    PostgreSQL, with ``only_changed``, rows whose scores and version are unchanged are not
    written (their scored_at stays): the nightly decay run then writes a few percent of leads.
    """
    now = now or timezone.now()
    model = _prefetched(model)
    leads = (Lead.objects.all() if leads is None else leads).order_by()
    database = router.db_for_write(Lead)
    if connections[database].vendor == "postgresql":
        return _leads_score_postgresql(model, leads, now, database, only_changed)
    return _leads_score_portable(model, leads, now)


def history_day(now: datetime.datetime) -> datetime.date:
    """The day (UTC) a score written as of ``now`` belongs to in the history."""
    return now.astimezone(datetime.UTC).date()


def _leads_score_portable(
    model: ScoringModel, leads: QuerySet[Lead], now: datetime.datetime
) -> int:
    """One ORM ``UPDATE`` (SQLite, the demo): each column from a correlated subquery over the
    lead, because an UPDATE cannot join the company table; then the day's history rows."""
    scored = Lead.objects.filter(pk=OuterRef("pk")).annotate(
        **{
            f"new_{column}": expression
            for column, expression in compiler.score_annotations(model, now).items()
        }
    )
    ids = list(leads.values_list("pk", flat=True))
    written = Lead.objects.filter(pk__in=ids).update(
        **{column: Subquery(scored.values(f"new_{column}")[:1]) for column in SCORE_COLUMNS},
        scoring_model=model,
        scored_at=now,
    )
    day = history_day(now)
    ScoreHistory.objects.bulk_create(
        (
            ScoreHistory(lead_id=lead_id, day=day, fit_score=fit, engagement_score=engagement,
                         total_score=total)
            for lead_id, fit, engagement, total in Lead.objects.filter(pk__in=ids).values_list(
                "pk", "fit_score", "engagement_score", "total_score"
            )
        ),
        update_conflicts=True,
        unique_fields=["lead", "day"],
        update_fields=["fit_score", "engagement_score", "total_score"],
    )  # fmt: skip
    return written


def _leads_score_postgresql(
    model: ScoringModel,
    leads: QuerySet[Lead],
    now: datetime.datetime,
    database: str,
    only_changed: bool,
) -> int:
    """``UPDATE … FROM (fit and engagement per lead, behind an OFFSET 0 fence)``, so each
    lead's events are aggregated once, and only rows whose values change are written."""
    parts = _parts_sql(model, leads, now, database)
    if parts is None:
        return 0
    parts_sql, parts_params = parts
    return _apply(model, f"({parts_sql} OFFSET 0)", parts_params, now, database, only_changed)


def _parts_sql(
    model: ScoringModel, leads: QuerySet[Lead], now: datetime.datetime, database: str
) -> tuple[str, tuple] | None:
    """``SELECT scored_id, new_fit, new_engagement`` for ``leads``, or None if it is empty."""
    parts = leads.annotate(
        scored_id=F("pk"),
        new_fit=compiler.fit_expression(model),
        new_engagement=compiler.engagement_expression(model, now),
    ).values("scored_id", "new_fit", "new_engagement")
    try:
        return parts.query.get_compiler(using=database).as_sql()
    except EmptyResultSet:
        return None  # ``leads`` is empty by construction (``.none()``, ``pk__in=[]``).


def _apply(
    model: ScoringModel,
    source_sql: str,
    source_params,
    now: datetime.datetime,
    database: str,
    only_changed: bool,
    keep_newer: bool = False,
) -> int:
    """Write the scores of ``source`` (rows of scored_id, new_fit, new_engagement) to the leads
    and to the day's history, in one statement; return the leads written."""
    fit = RawSQL('scored."new_fit"', (), output_field=IntegerField())
    engagement = RawSQL('scored."new_engagement"', (), output_field=IntegerField())
    new_values = {
        "fit_score": fit,
        "engagement_score": engagement,
        **compiler.derived_annotations(model, fit, engagement),
        "scoring_model_id": Value(model.pk, output_field=IntegerField()),
    }
    query = Lead.objects.all().query
    expression_compiler = query.get_compiler(using=database)
    columns, values, params = [], [], []
    for column, expression in new_values.items():
        sql, expression_params = expression_compiler.compile(expression.resolve_expression(query))
        columns.append(column)
        values.append(sql)
        params.extend(expression_params)
    assignments = ", ".join(
        f'"{column}" = {value}' for column, value in zip(columns, values, strict=True)
    )
    # Every piece is SQL compiled by Django from the model's expressions, with its values as
    # parameters; no text from users is spliced in.
    statement = (
        f'UPDATE "leads_lead" SET {assignments}, "scored_at" = %s '  # noqa: S608
        f'FROM {source_sql} AS scored WHERE "leads_lead"."id" = scored."scored_id"'
    )
    statement_params = [*params, now, *source_params]
    if keep_newer:
        # A lead scored by this model after ``now`` (its events changed during a long run)
        # keeps that newer score.
        statement += (
            ' AND ("leads_lead"."scoring_model_id" IS DISTINCT FROM %s'
            ' OR "leads_lead"."scored_at" IS NULL OR "leads_lead"."scored_at" <= %s)'
        )
        statement_params.extend([model.pk, now])
    if only_changed:
        current = ", ".join(f'"leads_lead"."{column}"' for column in columns)
        statement += f" AND ({current}) IS DISTINCT FROM ({', '.join(values)})"
        statement_params.extend(params)
    # The rows written are the day's history: one statement, so a score is never written
    # without its history row.
    statement = (
        f"WITH written AS ({statement} "  # noqa: S608
        'RETURNING "leads_lead"."id", "fit_score", "engagement_score", "total_score") '
        f'INSERT INTO "{ScoreHistory._meta.db_table}" '
        '("lead_id", "day", "fit_score", "engagement_score", "total_score") '
        'SELECT "id", %s, "fit_score", "engagement_score", "total_score" FROM written '
        'ON CONFLICT ("lead_id", "day") DO UPDATE SET "fit_score" = EXCLUDED."fit_score", '
        '"engagement_score" = EXCLUDED."engagement_score", '
        '"total_score" = EXCLUDED."total_score"'
    )
    statement_params.append(history_day(now))
    with connections[database].cursor() as cursor:
        cursor.execute(statement, statement_params)
        return cursor.rowcount


# Staged scoring (PostgreSQL): every lead's parts aggregated in one pass into an UNLOGGED table,
# then applied to the leads in committed chunks (DESIGN.md, "Performance facts").

# The aggregate over every event sorts and hashes far more than the default 4 MB allows; with
# too little memory the planner reads the events in index order instead, several times slower.
STAGE_WORK_MEM = "256MB"


def scores_stage(
    *, model: ScoringModel, table: str, now: datetime.datetime, highest_lead_id: int
) -> int:
    """Aggregate the parts of every lead up to ``highest_lead_id`` into the UNLOGGED ``table``
    (a name made by the caller, not by a user); return how many rows it holds. Atomic: the
    table exists complete or not at all."""
    model = _prefetched(model)
    database = router.db_for_write(Lead)
    parts = _parts_sql(model, Lead.objects.filter(pk__lte=highest_lead_id), now, database)
    with transaction.atomic(using=database), connections[database].cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{STAGE_WORK_MEM}'")
        cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
        if parts is None:
            cursor.execute(
                f'CREATE UNLOGGED TABLE "{table}" (scored_id bigint PRIMARY KEY, '
                "new_fit integer, new_engagement integer)"
            )
            return 0
        parts_sql, parts_params = parts
        cursor.execute(f'CREATE UNLOGGED TABLE "{table}" AS {parts_sql}', parts_params)
        rows = cursor.rowcount
        cursor.execute(f'ALTER TABLE "{table}" ADD PRIMARY KEY (scored_id)')
    return rows


def scores_stage_exists(table: str) -> bool:
    """Whether ``table`` holds its rows (an UNLOGGED table is emptied by a database crash)."""
    with connections[router.db_for_write(Lead)].cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{table}"'])
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')  # noqa: S608
        return cursor.fetchone()[0]


def scores_apply_staged(
    *,
    model: ScoringModel,
    table: str,
    low: int,
    high: int,
    now: datetime.datetime,
    only_changed: bool = True,
) -> int:
    """Write the staged scores of leads with ``low < id ≤ high``; return the leads written."""
    source = f'(SELECT * FROM "{table}" WHERE scored_id > %s AND scored_id <= %s)'  # noqa: S608
    database = router.db_for_write(Lead)
    return _apply(
        _prefetched(model), source, (low, high), now, database, only_changed, keep_newer=True
    )


def scores_stage_drop(table: str) -> None:
    with connections[router.db_for_write(Lead)].cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
