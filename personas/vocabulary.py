"""The lead's words that persona matching rules and the journey mapping are written in
(seniorities, departments, company size bands, lifecycle stages, event types), and who hears
of a change to those rules.

Personas and journeys sit to the left of leads and may not import it; the leads app names
both in the settings (``MATCHING_VOCABULARY``, ``MATCHING_CHANGE_SUBSCRIBERS``), as it names
the subscribers of stage changes."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

Choices = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Vocabulary:
    seniorities: Choices = ()
    departments: Choices = ()
    size_bands: Choices = ()
    lifecycle_stages: Choices = ()
    event_types: Choices = ()


def vocabulary() -> Vocabulary:
    """The lead's words, from the function ``settings.MATCHING_VOCABULARY`` names."""
    return import_string(settings.MATCHING_VOCABULARY)()


def matching_changed() -> None:
    """Tell the subscribers, once the transaction commits, that the persona rules or the
    journey mapping changed: every lead is matched again."""

    def notify() -> None:
        for path in settings.MATCHING_CHANGE_SUBSCRIBERS:
            import_string(path)()

    transaction.on_commit(notify)
