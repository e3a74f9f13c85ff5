"""Validators of a persona's list answers (stored as JSON lists, which SQLite and PostgreSQL
both hold): a list of choices of one set, or a short list of short names."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

NAMES_MAX = 20
NAME_MAX_LENGTH = 100


@deconstructible
class ChoiceListValidator:
    """A list of values, each one of ``choices`` (a ``TextChoices`` class)."""

    def __init__(self, choices) -> None:
        self.choices = choices

    def __call__(self, value) -> None:
        if not isinstance(value, list):
            raise ValidationError("Give a list of choices.", code="not_a_list")
        unknown = [item for item in value if item not in self.choices.values]
        if unknown:
            raise ValidationError(
                "Not a choice: %(unknown)s (choices: %(choices)s).",
                code="not_a_choice",
                params={
                    "unknown": ", ".join(map(str, unknown)),
                    "choices": ", ".join(self.choices.values),
                },
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, ChoiceListValidator) and self.choices is other.choices


@deconstructible
class NameListValidator:
    """A list of at most ``NAMES_MAX`` non-empty names of at most ``NAME_MAX_LENGTH`` characters."""

    def __call__(self, value) -> None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError("Give a list of names.", code="not_a_list")
        if len(value) > NAMES_MAX:
            raise ValidationError(
                "At most %(max)d names.", code="too_many", params={"max": NAMES_MAX}
            )
        if any(not item.strip() for item in value):
            raise ValidationError("A name is empty.", code="empty_name")
        if too_long := [item for item in value if len(item) > NAME_MAX_LENGTH]:
            raise ValidationError(
                "Names have at most %(max)d characters: %(name)s… is longer.",
                code="too_long",
                params={"max": NAME_MAX_LENGTH, "name": too_long[0][:30]},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, NameListValidator)
