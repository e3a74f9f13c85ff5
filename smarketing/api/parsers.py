"""The request bodies the API reads: JSON, and HTML forms (urlencoded or multipart).

Each parser refuses, with a 400 naming the field in the API's error shape, what no field of the
API can hold and PostgreSQL would only refuse later with a server error: the NUL character in
any text or key, a whole number outside the 64-bit range of an id or a count, a number that is
not finite, and JSON nested deeper than ``MAX_DEPTH``. Bodies over
``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes are refused before parsing (see ``smarketing.api.errors``).
"""

from __future__ import annotations

import math
from typing import Any

from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

# Objects and arrays inside one another: an event batch is 4 deep before its properties.
MAX_DEPTH = 32
BIGINT_MAX = 2**63 - 1
BIGINT_MIN = -(2**63)

# The message of DRF's text fields, so that a NUL reads the same wherever it is refused.
NUL_REFUSED = "Null characters are not allowed."
TOO_DEEP = f"JSON may nest objects and arrays at most {MAX_DEPTH} deep."
INTEGER_OUT_OF_RANGE = f"Whole numbers must lie between {BIGINT_MIN} and {BIGINT_MAX}."
NOT_FINITE = "Numbers must be finite."


def _scalar_refusal(value: Any) -> str | None:
    if isinstance(value, str):
        return NUL_REFUSED if "\x00" in value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if BIGINT_MIN <= value <= BIGINT_MAX else INTEGER_OUT_OF_RANGE
    if isinstance(value, float) and not math.isfinite(value):
        return NOT_FINITE
    return None


def refusal(value: Any, depth: int = 1) -> str | None:
    """Why the API cannot take the JSON ``value`` (found ``depth`` deep), or None.

    Walks the value with a list rather than by recursion, so no depth of input can exhaust
    the stack."""
    pending: list[tuple[Any, int]] = [(value, depth)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            if level > MAX_DEPTH:
                return TOO_DEEP
            if isinstance(item, dict):
                for key in item:
                    if message := _scalar_refusal(key):
                        return message
                children = item.values()
            else:
                children = item
            pending.extend((child, level + 1) for child in children)
        elif message := _scalar_refusal(item):
            return message
    return None


def check_json_field(name: str, value: Any, depth: int = 1) -> Any:
    """``value``, given for the field ``name``, or a ``ValidationError`` naming that field."""
    if message := refusal(value, depth):
        raise ValidationError({name: [message]})
    return value


def check_json(data: Any) -> Any:
    """A parsed body, or a ``ValidationError`` naming each top-level field the API cannot
    take (``non_field_errors`` for a body that is no object, or a key that is refused)."""
    if not isinstance(data, dict):
        return check_json_field(api_settings.NON_FIELD_ERRORS_KEY, data)
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if message := _scalar_refusal(name):
            errors.setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).append(message)
        elif message := refusal(value, depth=2):
            errors[name] = [message]
    if errors:
        raise ValidationError(errors)
    return data


def check_form(data: QueryDict) -> QueryDict:
    """Form fields or query parameters, or a ``ValidationError`` naming each refused one."""
    errors: dict[str, list[str]] = {}
    for name, values in data.lists():
        if _scalar_refusal(name):
            errors[api_settings.NON_FIELD_ERRORS_KEY] = [NUL_REFUSED]
        elif any(_scalar_refusal(value) for value in values):
            errors[name] = [NUL_REFUSED]
    if errors:
        raise ValidationError(errors)
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The standard library's decoder recurses: far too deep a document ends here.
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [TOO_DEEP]}) from None
        return check_json(data)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return check_form(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    """Form fields are checked like the other forms; uploaded files are left as they are."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        check_form(parsed.data)
        return parsed
