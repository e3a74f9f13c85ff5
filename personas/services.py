"""Writes of the personas app: workflows across models, each atomic.

Every change of a persona (its pages, the API, the Django admin) goes through these functions,
which validate the whole persona before saving it and name the user in its history
(django-simple-history records a row per save, with ``_history_user``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from personas.models import Persona
from personas.profile import EDITABLE_FIELDS, list_choices


def _canonical(name: str, value: Any) -> Any:
    """A list answer without repeats, choices in their own order; names trimmed."""
    if not isinstance(value, list | tuple):
        return value
    choice_set = list_choices(name)
    if choice_set is not None:
        return [choice for choice in choice_set.values if choice in value] + [
            item for item in dict.fromkeys(value) if item not in choice_set.values
        ]
    return list(dict.fromkeys(item.strip() if isinstance(item, str) else item for item in value))


def _apply(persona: Persona, data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Not a field of a persona: {', '.join(sorted(unknown))}.")
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(persona, name, _canonical(name, value))


def _save(persona: Persona, actor) -> Persona:
    persona.full_clean()
    persona._history_user = actor
    try:
        with transaction.atomic():
            persona.save()
    except IntegrityError as error:
        # Two saves of one name at once: the unique index refuses the second.
        raise ValidationError(
            {"name": [f"A persona named “{persona.name}” already exists."]}
        ) from error
    return persona


@transaction.atomic
def persona_create(*, actor, data: Mapping[str, Any]) -> Persona:
    """A new persona from ``data`` (names of ``EDITABLE_FIELDS``), owned by ``actor`` unless
    ``data`` names an owner, and reviewed today: it was just written. Raises ValidationError
    with a message per field."""
    persona = Persona(owner=actor, last_reviewed_on=timezone.localdate())
    _apply(persona, data)
    return _save(persona, actor)


@transaction.atomic
def persona_update(*, persona: Persona, actor, data: Mapping[str, Any]) -> Persona:
    """Change the fields of ``data``; the others stay. Raises ValidationError, saving nothing."""
    _apply(persona, data)
    return _save(persona, actor)


@transaction.atomic
def persona_mark_reviewed(*, persona: Persona, actor, on: date | None = None) -> Persona:
    """Record that ``actor`` reviewed the persona (today unless ``on``); its history says who."""
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"last_reviewed_on": ["A review cannot be dated in the future."]})
    persona.last_reviewed_on = on
    return _save(persona, actor)


@transaction.atomic
def persona_delete(*, persona: Persona, actor) -> int:
    """Delete the persona; its leads and campaigns keep no persona (their keys are set to null
    by the database rules of ``Lead.persona`` and ``Campaign.target_persona``). Returns how
    many leads had it."""
    lead_count = persona.leads.count()
    persona._history_user = actor
    persona.delete()
    return lead_count
