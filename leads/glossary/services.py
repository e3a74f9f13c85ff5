"""Writes of the glossary: the one place a term is created, changed or deleted, for the
glossary's own form, the Django admin and the API alike.

A generated term (MQL, SQL, hot, warm, cold, grade) says what the definitions in force say:
only its note is written by hand, and it is never deleted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from leads.glossary.models import GlossaryTerm

# What an admin may write on a term; on a generated term, only its note.
WRITTEN_FIELDS = ("slug", "name", "stands_for", "short_definition", "definition", "note")
GENERATED_WRITTEN_FIELDS = ("note",)


class GeneratedTermRefused(Exception):
    """A change a generated term does not take: its words come from the definitions in force."""


def _refusal(term: GlossaryTerm, what: str) -> GeneratedTermRefused:
    source = term.get_generated_from_display()
    return GeneratedTermRefused(
        f"“{term.name}” is generated from {source[:1].lower()}{source[1:]}: {what}. "
        "Change those to change what it says."
    )


def glossary_term_problems(term: GlossaryTerm) -> dict[str, list[str]]:
    """What is wrong with ``term`` as it stands, by field (nothing written)."""
    problems: dict[str, list[str]] = {}
    try:
        term.full_clean(exclude=["updated_by"])
    except ValidationError as error:
        problems = dict(error.message_dict)
    if not term.is_generated and not term.short_definition.strip():
        problems.setdefault("short_definition", []).append(
            "Write the term's meaning in one sentence: labels show it when pointed at."
        )
    named_alike = GlossaryTerm.objects.filter(name__iexact=term.name.strip())
    if term.pk:
        named_alike = named_alike.exclude(pk=term.pk)
    if term.name.strip() and named_alike.exists():
        problems.setdefault("name", []).append(
            f"The glossary already has a term named “{term.name.strip()}”."
        )
    return problems


def glossary_term_save(*, term: GlossaryTerm | None, actor, changes: dict) -> GlossaryTerm:
    """Create a term (``term`` None) or change one with ``changes`` (field → value, among
    ``WRITTEN_FIELDS``). Everything is checked before anything is written; a generated term
    takes only a new note (else ``GeneratedTermRefused``). Raises ``ValidationError`` by field."""
    unknown = sorted(set(changes) - set(WRITTEN_FIELDS))
    if unknown:
        raise ValidationError({name: "This is not a field of a glossary term." for name in unknown})
    term = term if term is not None else GlossaryTerm()
    if term.is_generated:
        locked = sorted(
            name
            for name, value in changes.items()
            if name not in GENERATED_WRITTEN_FIELDS and value != getattr(term, name)
        )
        if locked:
            raise _refusal(term, "only its note can be changed")
    for name, value in changes.items():
        setattr(term, name, value.strip() if isinstance(value, str) else value)
    problems = glossary_term_problems(term)
    if problems:
        raise ValidationError(problems)
    term.updated_by = actor
    try:
        with transaction.atomic():
            term.save()
    except IntegrityError as error:
        # Another request took the slug between the check and the write.
        raise ValidationError({"slug": f"The slug “{term.slug}” is taken."}) from error
    return term


@transaction.atomic
def glossary_term_delete(*, term: GlossaryTerm) -> None:
    """Delete a written term; a generated one is part of the system and stays."""
    if term.is_generated:
        raise _refusal(term, "it cannot be deleted")
    term.delete()
