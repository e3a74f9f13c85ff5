"""Writes of the personas app: workflows across models, each atomic.

Every change of a persona (its pages, the API, the Django admin) goes through these functions,
which validate the whole persona before saving it and name the user in its history
(django-simple-history records a row per save, with ``_history_user``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_countries import countries as all_countries

from personas.choices import ProfileSection
from personas.models import (
    INSIGHT_MAX_LENGTH,
    InsightStatus,
    Persona,
    PersonaInsight,
    PersonaRules,
)
from personas.profile import EDITABLE_FIELDS, list_choices
from personas.vocabulary import matching_changed, vocabulary


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
    by the database rules of ``Lead.persona`` and ``Campaign.target_persona``), and every lead
    is matched again once this commits, so that its leads find the next persona they match.
    Returns how many leads had it."""
    lead_count = persona.leads.count()
    had_rules = PersonaRules.objects.filter(persona=persona).exists()
    persona._history_user = actor
    persona.delete()
    if lead_count or had_rules:
        matching_changed()
    return lead_count


# --- shared insights ---------------------------------------------------------------------------


@transaction.atomic
def persona_insight_share(
    *, persona: Persona, author, body: str, section: str = ""
) -> tuple[PersonaInsight, bool]:
    """Share what ``author`` learned about the persona's people; every role may. The same text
    shared again by the same person on the same persona (a resent form, a retried request) is
    the insight already on record: returns it with False, and a new one with True. Raises
    ValidationError naming the field."""
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = ["Write the insight: what did you hear or see?"]
    elif len(body) > INSIGHT_MAX_LENGTH:
        errors["body"] = [
            f"An insight is at most {INSIGHT_MAX_LENGTH:,} characters ({len(body):,} given)."
        ]
    if section and section not in ProfileSection.values:
        errors["section"] = [
            f"Not a part of the profile: {section} (choose from {', '.join(ProfileSection.values)})."
        ]
    if errors:
        raise ValidationError(errors)
    # One sharer at a time per persona, so that two copies of one request find each other.
    Persona.objects.select_for_update().filter(pk=persona.pk).first()
    existing = PersonaInsight.objects.filter(persona=persona, author=author, body=body).first()
    if existing is not None:
        return existing, False
    insight = PersonaInsight.objects.create(
        persona=persona, author=author, body=body, section=section
    )
    return insight, True


@transaction.atomic
def persona_insight_decide(*, insight: PersonaInsight, actor, status: str) -> PersonaInsight:
    """Adopt the insight into the profile, set it aside, or open it again (``status``), as
    ``actor``; deciding what is already decided changes nothing."""
    if status not in InsightStatus.values:
        raise ValidationError(
            {"status": [f"Not a status: {status} (choose from {', '.join(InsightStatus.values)})."]}
        )
    insight = PersonaInsight.objects.select_for_update().get(pk=insight.pk)
    if insight.status == status:
        return insight
    insight.status = status
    opened = status == InsightStatus.OPEN
    insight.decided_by = None if opened else actor
    insight.decided_at = None if opened else timezone.now()
    insight.save(update_fields=["status", "decided_by", "decided_at"])
    return insight


# The longest list a condition may hold: rules are read by people, and compiled into SQL.
MAX_VALUES = 50


def _cleaned(values: Iterable | None, field: str, errors: dict[str, list[str]]) -> list[str]:
    """The values as a list of distinct, stripped, non-empty strings, in the order given."""
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, Iterable):
        errors.setdefault(field, []).append("Give a list of values.")
        return []
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str):
            errors.setdefault(field, []).append(f"{value!r} is not text.")
            continue
        value = value.strip()
        if value and value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_VALUES:
        errors.setdefault(field, []).append(f"At most {MAX_VALUES} values.")
    return cleaned


def _unknown(values: list[str], choices, field: str, noun: str, errors) -> None:
    known = {key for key, _label in choices}
    if unknown := [value for value in values if value not in known]:
        allowed = ", ".join(sorted(known))
        errors.setdefault(field, []).append(
            f"Not {noun}: {', '.join(unknown)} (choose from: {allowed})."
        )


def persona_rules_checked(
    *,
    persona: Persona,
    priority: int,
    industries: Iterable[str] | None = None,
    size_bands: Iterable[str] | None = None,
    seniorities: Iterable[str] | None = None,
    departments: Iterable[str] | None = None,
    title_words: Iterable[str] | None = None,
    countries: Iterable[str] | None = None,
) -> dict:
    """The rules' values cleaned (stripped, without repeats, country codes in capitals), or a
    ValidationError naming each field: a value the leads do not use, a priority that is
    another persona's, or no condition at all (a rule that matched everyone would hide every
    persona after it)."""
    errors: dict[str, list[str]] = {}
    words = vocabulary()
    values = {
        "industries": _cleaned(industries, "industries", errors),
        "size_bands": _cleaned(size_bands, "size_bands", errors),
        "seniorities": _cleaned(seniorities, "seniorities", errors),
        "departments": _cleaned(departments, "departments", errors),
        "title_words": _cleaned(title_words, "title_words", errors),
        "countries": [code.upper() for code in _cleaned(countries, "countries", errors)],
    }
    _unknown(values["size_bands"], words.size_bands, "size_bands", "a company size band", errors)
    _unknown(values["seniorities"], words.seniorities, "seniorities", "a seniority", errors)
    _unknown(values["departments"], words.departments, "departments", "a department", errors)
    if unknown := [code for code in values["countries"] if code not in all_countries]:
        errors.setdefault("countries", []).append(
            f"Not an ISO country code: {', '.join(unknown)} (for example US, GB, DE)."
        )
    if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 32767:
        errors.setdefault("priority", []).append("The priority is a whole number from 1.")
    else:
        taken = (
            PersonaRules.objects.filter(priority=priority)
            .exclude(persona=persona)
            .select_related("persona")
            .first()
        )
        if taken is not None:
            errors.setdefault("priority", []).append(
                f"Priority {priority} is {taken.persona}'s: give each persona its own."
            )
    if not errors and not any(values.values()):
        errors["__all__"] = ["Set at least one condition: a rule without any matches nobody."]
    if errors:
        raise ValidationError(errors)
    return {"priority": priority, **values}


@transaction.atomic
def persona_rules_save(*, persona: Persona, **rules) -> PersonaRules:
    """Create or replace the persona's matching rules (checked by ``persona_rules_checked``);
    every lead is matched again once this commits."""
    values = persona_rules_checked(persona=persona, **rules)
    saved, _created = PersonaRules.objects.update_or_create(persona=persona, defaults=values)
    matching_changed()
    return saved


@transaction.atomic
def persona_rules_delete(*, persona: Persona) -> bool:
    """Remove the persona's matching rules (its leads are matched again); False if it had none."""
    deleted, _ = PersonaRules.objects.filter(persona=persona).delete()
    if deleted:
        matching_changed()
    return bool(deleted)
