"""Writes of the journeys app: workflows across models, each atomic.

The pages, the API and the admin write diagnostic questions, the journey mapping and content
assets through these
functions only; a refused change raises ``ValidationError`` (by field) and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import ProtectedError

from journeys.models import ContentAsset, JourneyQuestion, JourneyStage
from journeys.uploads import content_file_check
from personas.vocabulary import matching_changed, vocabulary

# --- the journey mapping ---------------------------------------------------------------------

MAX_WINDOW_DAYS = 3650


def _keys(values, choices, field: str, noun: str, errors: dict[str, list[str]]) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        errors.setdefault(field, []).append("Give a list of keys.")
        return []
    known = dict(choices)
    keys = list(dict.fromkeys(values))
    if unknown := [str(key) for key in keys if key not in known]:
        errors.setdefault(field, []).append(
            f"Not {noun}: {', '.join(unknown)} (choose from: {', '.join(known)})."
        )
    return keys


def _taken(stage: JourneyStage, field: str, keys: list[str], errors) -> None:
    """A lifecycle stage or event type places a lead in one journey stage only."""
    for other in JourneyStage.objects.exclude(pk=stage.pk):
        if shared := [key for key in keys if key in getattr(other, field)]:
            errors.setdefault(field, []).append(
                f"{', '.join(shared)} already map{'s' if len(shared) == 1 else ''} to "
                f"{other.name}: remove {'it' if len(shared) == 1 else 'them'} there first."
            )


def journey_stage_mapping_checked(
    *,
    stage: JourneyStage,
    lifecycle_stages: Iterable[str],
    event_types: Iterable[str],
    event_window_days: int,
) -> dict:
    """The mapping's values without repeats, or a ValidationError naming each field: a key the
    leads do not use, one another stage already maps, a window out of bounds."""
    errors: dict[str, list[str]] = {}
    words = vocabulary()
    lifecycle = _keys(
        lifecycle_stages, words.lifecycle_stages, "lifecycle_stages", "a lifecycle stage", errors
    )
    events = _keys(event_types, words.event_types, "event_types", "an event type", errors)
    _taken(stage, "lifecycle_stages", lifecycle, errors)
    _taken(stage, "event_types", events, errors)
    window = event_window_days
    if (
        isinstance(window, bool)
        or not isinstance(window, int)
        or not 1 <= window <= MAX_WINDOW_DAYS
    ):
        errors.setdefault("event_window_days", []).append(
            f"The window is a whole number of days from 1 to {MAX_WINDOW_DAYS}."
        )
    if errors:
        raise ValidationError(errors)
    return {"lifecycle_stages": lifecycle, "event_types": events, "event_window_days": window}


@transaction.atomic
def journey_stage_mapping_save(*, stage: JourneyStage, **mapping) -> JourneyStage:
    """Set which lifecycle stages and event types place a lead in ``stage``, and how recent an
    event must be (checked by ``journey_stage_mapping_checked``); every lead is matched again
    once this commits."""
    values = journey_stage_mapping_checked(stage=stage, **mapping)
    for name, value in values.items():
        setattr(stage, name, value)
    stage.save(
        update_fields=["lifecycle_stages", "event_types", "event_window_days", "mapping_updated_at"]
    )
    matching_changed()
    return stage


# --- diagnostic questions ----------------------------------------------------------------------


@transaction.atomic
def journey_question_save(
    *,
    stage: JourneyStage,
    text: str,
    position: int | None = None,
    question: JourneyQuestion | None = None,
) -> JourneyQuestion:
    """Add a question to ``stage`` (last, unless ``position`` says where) or change one."""
    if position is None:
        if question is not None:
            position = question.position
        else:
            last = stage.questions.order_by("-position").values_list("position", flat=True).first()
            position = (last or 0) + 1
    question = question or JourneyQuestion()
    question.stage, question.text, question.position = stage, text.strip(), position
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def journey_question_delete(*, question: JourneyQuestion) -> None:
    question.delete()


@dataclass(frozen=True)
class QuestionRow:
    """One row of a stage's question form: an existing question (``id``) or a new one."""

    text: str
    position: int | None = None  # None: after the others.
    id: int | None = None
    delete: bool = False


@transaction.atomic
def journey_questions_save(*, stage: JourneyStage, rows: Sequence[QuestionRow]) -> int:
    """Save a stage's questions as its form lists them: changed, added, deleted and reordered
    in one go. Returns how many questions the stage has afterwards."""
    existing = {question.pk: question for question in stage.questions.select_for_update()}
    for row in rows:
        question = existing.get(row.id) if row.id is not None else None
        if row.id is not None and question is None:
            raise ValidationError({"id": f"Question {row.id} is not one of {stage.name}'s."})
        if row.delete:
            if question is not None:
                journey_question_delete(question=question)
            continue
        if not row.text.strip():
            continue  # The blank row the form offers for a new question.
        journey_question_save(stage=stage, text=row.text, position=row.position, question=question)
    return stage.questions.count()


# --- content assets ----------------------------------------------------------------------------

# Fields of an asset the pages and the API set directly (the file, stages and personas have
# their own handling below).
ASSET_FIELDS = ("title", "summary", "kind", "status", "link", "owner")


def _file_set(asset: ContentAsset, upload: UploadedFile) -> None:
    checked = content_file_check(upload)
    asset.file = upload
    asset.file_type, asset.file_name, asset.file_size = (
        checked.mime_type,
        checked.name,
        checked.size,
    )


def _asset_save(
    asset: ContentAsset,
    *,
    fields: dict,
    file: UploadedFile | None,
    stages: Iterable[JourneyStage] | None,
    personas: Iterable | None,
) -> ContentAsset:
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set." for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(asset, name, value.strip() if isinstance(value, str) else value)
    if file is not None:
        _file_set(asset, file)
    if not asset.link and not asset.file:
        raise ValidationError({"link": "Give a link or upload a file."})
    asset.full_clean(exclude=["file"])
    asset.save()
    if stages is not None:
        asset.stages.set(stages)
    if personas is not None:
        asset.personas.set(personas)
    return asset


@transaction.atomic
def content_asset_create(
    *,
    by,
    file: UploadedFile | None = None,
    stages: Iterable[JourneyStage] = (),
    personas: Iterable = (),
    **fields,
) -> ContentAsset:
    """Create an asset owned by ``by`` unless ``owner`` says otherwise; it needs a link or a
    file, and a file must pass ``content_file_check``."""
    if fields.get("owner") is None:
        fields["owner"] = by
    return _asset_save(ContentAsset(), fields=fields, file=file, stages=stages, personas=personas)


@transaction.atomic
def content_asset_update(
    *,
    asset: ContentAsset,
    file: UploadedFile | None = None,
    stages: Iterable[JourneyStage] | None = None,
    personas: Iterable | None = None,
    **fields,
) -> ContentAsset:
    """Change an asset: the fields given, a new file, and the stages or personas if given."""
    return _asset_save(asset, fields=fields, file=file, stages=stages, personas=personas)


@transaction.atomic
def content_asset_delete(*, asset: ContentAsset) -> None:
    """Delete an asset nobody has sent yet; one with a history of sends is retired instead."""
    try:
        asset.delete()
    except ProtectedError as error:
        raise ValidationError(
            {"status": "This asset has been sent to leads, so its history is kept: retire it "
             "instead of deleting it."}
        ) from error  # fmt: skip
