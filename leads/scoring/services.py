"""Versions of the scoring model: created, checked, activated, cloned. Scores are written by\n``leads.scoring.engine``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Max,
)
from django.utils import timezone

from leads.scoring.models import EngagementRule, FitGroup, FitRule, ScoringModel

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
