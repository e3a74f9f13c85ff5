"""Writes of the personas app: workflows across models, each atomic."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django_countries import countries as all_countries

from personas.models import Persona, PersonaRules
from personas.vocabulary import matching_changed, vocabulary

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
