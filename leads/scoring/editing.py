"""Edits of draft scoring models and of draft qualification criteria, as the API, the admin
and the scoring lab make them.

Only a draft is changed: each edit locks the draft's row and checks its status in the same
transaction, so a rule can never slip into a version while it is being activated or scheduled.
Records are validated with their models' ``clean()``, whose messages name the rule and say why;
the rules about a set as a whole are checked here. Active, scheduled and archived versions are
changed only by their activation (``scoring_model_activate``, ``criteria_activate``)."""

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
from leads.scoring.models.versions import Version
from leads.scoring.qualification import criteria_next_version

DraftPart = FitGroup | FitRule | EngagementRule


class NotADraft(Exception):
    """An edit of a scheduled, active or archived version, which are kept as they are."""


def draft_refusal(version: Version) -> NotADraft:
    """The refusal of an edit of ``version``, saying how to change it instead."""
    name = version.version_name
    if isinstance(version, QualificationCriteria):
        name = f"{name} “{version.name}”"
    how = (
        "Unschedule it to change it again."
        if version.is_scheduled
        else "Clone it to make a new draft."
    )
    return NotADraft(
        f"{name} is {version.get_status_display().lower()}: only a draft can be changed. {how}"
    )


def _draft_locked(model_id: int) -> ScoringModel:
    model = ScoringModel.objects.select_for_update().get(pk=model_id)
    if not model.is_editable:
        raise draft_refusal(model)
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

# The fields of a criteria set an edit of a draft writes; its kind, number and life stay.
CRITERIA_EDITABLE = (
    "name", "match", "min_total", "min_fit", "min_engagement", "event_type",
    "event_within_days", "sql_checklist", "notes", "updated_at",
)  # fmt: skip

SQL_HAS_NO_CONDITIONS = (
    "An SQL criteria set is a checklist: attribute conditions belong to MQL criteria only."
)


def criteria_set_problems(criteria: QualificationCriteria, *, conditions: int) -> list[str]:
    """What is wrong with a set as a whole that keeps ``conditions`` attribute conditions (the
    admin checks the rows it is about to save with it, before saving them)."""
    if criteria.kind == QualificationCriteria.Kind.SQL and conditions:
        return [SQL_HAS_NO_CONDITIONS]
    return []


def _criteria_draft_locked(criteria_id: int) -> QualificationCriteria:
    criteria = QualificationCriteria.objects.select_for_update().get(pk=criteria_id)
    if not criteria.is_editable:
        raise draft_refusal(criteria)
    return criteria


@transaction.atomic
def criteria_draft_save(*, criteria: QualificationCriteria, actor=None) -> QualificationCriteria:
    """Create a criteria set, as a draft numbered after every version of its kind, or change a
    draft (its kind stays). Activate it with ``criteria_activate``."""
    if criteria.pk is None:
        criteria.created_by = actor
        criteria.status = QualificationCriteria.Status.DRAFT
        criteria.version = criteria_next_version(criteria.kind)
        _validated(criteria)
        criteria.save()
        return criteria
    stored = _criteria_draft_locked(criteria.pk)
    if criteria.kind != stored.kind:
        raise ValidationError(
            {
                "kind": f"{stored.version_name} defines an {stored.get_kind_display()}: a set "
                "keeps its kind, so create a new set for the other."
            }
        )
    _validated(criteria)
    criteria.save(update_fields=CRITERIA_EDITABLE)
    return criteria


@transaction.atomic
def criteria_delete(*, criteria: QualificationCriteria) -> None:
    """Delete a draft; active and archived sets explain past transitions and are kept."""
    _criteria_draft_locked(criteria.pk).delete()


@transaction.atomic
def criteria_condition_save(*, condition: QualificationCondition) -> QualificationCondition:
    """Create or change an attribute condition of a draft MQL set."""
    criteria = _criteria_draft_locked(condition.criteria_id)
    problems = criteria_set_problems(criteria, conditions=1)
    if problems:
        raise ValidationError({"criteria": problems})
    _validated(condition)
    condition.save()
    return condition


@transaction.atomic
def criteria_condition_delete(*, condition: QualificationCondition) -> None:
    _criteria_draft_locked(condition.criteria_id)
    condition.delete()
