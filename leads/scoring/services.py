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
from leads.scoring.models import EngagementRule, FitGroup, FitRule, ScoringModel

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


def _leads_score_portable(
    model: ScoringModel, leads: QuerySet[Lead], now: datetime.datetime
) -> int:
    """One ORM ``UPDATE`` (SQLite, the demo): each column from a correlated subquery over the
    lead, because an UPDATE cannot join the company table."""
    scored = Lead.objects.filter(pk=OuterRef("pk")).annotate(
        **{
            f"new_{column}": expression
            for column, expression in compiler.score_annotations(model, now).items()
        }
    )
    return Lead.objects.filter(pk__in=leads.values("pk")).update(
        **{column: Subquery(scored.values(f"new_{column}")[:1]) for column in SCORE_COLUMNS},
        scoring_model=model,
        scored_at=now,
    )


def _leads_score_postgresql(
    model: ScoringModel,
    leads: QuerySet[Lead],
    now: datetime.datetime,
    database: str,
    only_changed: bool,
) -> int:
    """``UPDATE … FROM (fit and engagement per lead, behind an OFFSET 0 fence)``, so each
    lead's events are aggregated once, and only rows whose values change are written."""
    parts = leads.annotate(
        scored_id=F("pk"),
        new_fit=compiler.fit_expression(model),
        new_engagement=compiler.engagement_expression(model, now),
    ).values("scored_id", "new_fit", "new_engagement")
    try:
        parts_sql, parts_params = parts.query.get_compiler(using=database).as_sql()
    except EmptyResultSet:
        return 0  # ``leads`` is empty by construction (``.none()``, ``pk__in=[]``).

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
        f'FROM ({parts_sql} OFFSET 0) AS scored WHERE "leads_lead"."id" = scored."scored_id"'
    )
    statement_params = [*params, now, *parts_params]
    if only_changed:
        current = ", ".join(f'"leads_lead"."{column}"' for column in columns)
        statement += f" AND ({current}) IS DISTINCT FROM ({', '.join(values)})"
        statement_params.extend(params)
    with connections[database].cursor() as cursor:
        cursor.execute(statement, statement_params)
        return cursor.rowcount
