"""Edits of draft scoring models and of qualification criteria, as the API makes them.

Only a draft is changed: each edit locks the draft's row and checks its status in the same
transaction, so a rule can never slip into a version while it is being activated. Records are
validated with their models' ``clean()``, whose messages name the rule and say why."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from leads.scoring.models import (
    EngagementRule,
    FitGroup,
    FitRule,
    QualificationCondition,
    QualificationCriteria,
    ScoringModel,
)
from leads.scoring.qualification import criteria_activate, criteria_cache_clear, criteria_problems

DraftPart = FitGroup | FitRule | EngagementRule


class NotADraft(Exception):
    """An edit of an active or archived version, which are kept as they were."""


def _draft_locked(model_id: int) -> ScoringModel:
    model = ScoringModel.objects.select_for_update().get(pk=model_id)
    if not model.is_editable:
        raise NotADraft(
            f"v{model.version} is {model.get_status_display().lower()}: only a draft can be "
            "changed. Clone it to make a new draft."
        )
    return model


def _validated(record: models.Model, **options) -> None:
    """``full_clean`` with every message naming the record: Django's own messages (a bad
    choice, a missing value) are prefixed with the rule's label, unless ``clean()`` already
    said the same thing in its own words."""
    try:
        record.full_clean(**options)
    except ValidationError as error:
        label = getattr(record, "label", "")
        problems = {}
        for field, messages in error.message_dict.items():
            named = [message for message in messages if label and message.startswith(label)]
            problems[field] = named or [
                f"{label}: {message}" if label else message for message in messages
            ]
        raise ValidationError(problems) from error


# Versions -----------------------------------------------------------------------------------


@transaction.atomic
def scoring_model_update(*, model: ScoringModel, **fields) -> ScoringModel:
    """Change a draft's name, description, caps or bands."""
    draft = _draft_locked(model.pk)
    for name, value in fields.items():
        setattr(draft, name, value)
    _validated(draft)
    draft.save()
    return draft


@transaction.atomic
def scoring_model_delete(*, model: ScoringModel) -> None:
    _draft_locked(model.pk).delete()


# Groups and rules of a draft ----------------------------------------------------------------


@transaction.atomic
def scoring_part_save(*, part: DraftPart) -> DraftPart:
    """Create or change a fit group, fit rule or engagement rule of a draft."""
    draft = _draft_locked(part.model_id)
    if isinstance(part, FitGroup):
        taken = FitGroup.objects.filter(model=draft, name=part.name).exclude(pk=part.pk)
        if taken.exists():
            raise ValidationError(
                {"name": f"Group {part.name!r}: v{draft.version} has a group of that name."}
            )
    foreign_group = (
        isinstance(part, FitRule)
        and part.group_id is not None
        and not FitGroup.objects.filter(pk=part.group_id, model=draft).exists()
    )
    if foreign_group:
        raise ValidationError(
            {"group": f"{part.label}: v{draft.version} has no group {part.group_id}."}
        )
    _validated(part)
    part.save()
    return part


@transaction.atomic
def scoring_part_delete(*, part: DraftPart) -> None:
    """Delete a group (with its rules) or a rule of a draft."""
    _draft_locked(part.model_id)
    part.delete()


# Qualification criteria ---------------------------------------------------------------------


@transaction.atomic
def criteria_save(*, criteria: QualificationCriteria, actor=None) -> QualificationCriteria:
    """Create or change a criteria set. One that is (or becomes) active goes through
    ``criteria_activate``, as in the admin: it must be able to qualify someone, and it retires
    the active set of its kind. The definitions the pages show are refreshed on commit."""
    if criteria.pk is None:
        criteria.created_by = actor
    active = criteria.is_active
    criteria.is_active = False
    _validated(criteria, validate_constraints=False)
    criteria.save()
    if active:
        criteria_activate(criteria=criteria)
    _definitions_changed()
    return criteria


@transaction.atomic
def criteria_delete(*, criteria: QualificationCriteria) -> None:
    criteria.delete()
    _definitions_changed()


@transaction.atomic
def criteria_condition_save(*, condition: QualificationCondition) -> QualificationCondition:
    criteria = condition.criteria
    if criteria.kind != QualificationCriteria.Kind.MQL:
        raise ValidationError(
            {
                "criteria": f"{criteria.name!r} defines an SQL: attribute conditions belong to "
                "MQL criteria."
            }
        )
    _validated(condition)
    condition.save()
    _active_still_qualifies(criteria)
    return condition


@transaction.atomic
def criteria_condition_delete(*, condition: QualificationCondition) -> None:
    condition.delete()
    _active_still_qualifies(condition.criteria)


def _active_still_qualifies(criteria: QualificationCriteria) -> None:
    """A change to the conditions of the active set is refused (and rolled back) when the set
    could no longer qualify anyone, as activating it would be."""
    criteria.refresh_from_db()
    if criteria.is_active:
        problems = criteria_problems(criteria)
        if problems:
            raise ValidationError(problems)
    _definitions_changed()


def _definitions_changed() -> None:
    transaction.on_commit(criteria_cache_clear)
