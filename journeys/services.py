"""Writes of the journeys app: workflows across models, each atomic."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from journeys.models import JourneyStage
from personas.vocabulary import matching_changed, vocabulary

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
