"""The request bodies the API reads: JSON, and HTML forms (urlencoded or multipart).

Each parser refuses, with a 400 in the API's error shape, what no field of the API can hold and
PostgreSQL would only refuse later with a server error: the NUL character in any text or key,
a whole number outside the 64-bit range of an id or a count, a number that is not finite, and
JSON nested deeper than ``MAX_DEPTH``. Bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes are
refused before parsing (see ``smarketing.api.errors``).
"""

from __future__ import annotations

import math
from typing import Any

from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Objects and arrays inside one another: an event batch is 4 deep before its properties.
MAX_DEPTH = 32
BIGINT_MAX = 2**63 - 1
BIGINT_MIN = -(2**63)

NUL_REFUSED = "Text may not contain the NUL character (\\u0000)."
TOO_DEEP = f"JSON may nest objects and arrays at most {MAX_DEPTH} deep."
INTEGER_OUT_OF_RANGE = f"Whole numbers must lie between {BIGINT_MIN} and {BIGINT_MAX}."
NOT_FINITE = "Numbers must be finite."


def _check_scalar(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError(NUL_REFUSED)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not BIGINT_MIN <= value <= BIGINT_MAX:
            raise ParseError(INTEGER_OUT_OF_RANGE)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ParseError(NOT_FINITE)


def check_json(data: Any) -> Any:
    """``data`` itself, or a ``ParseError`` saying what the API cannot take in it.

    Walks the value with a list rather than by recursion, so no depth of input can exhaust
    the stack."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(TOO_DEEP)
            if isinstance(value, dict):
                for key in value:
                    _check_scalar(key)
                children = value.values()
            else:
                children = value
            pending.extend((child, depth + 1) for child in children)
        else:
            _check_scalar(value)
    return data


def check_form(data: QueryDict) -> QueryDict:
    for key, values in data.lists():
        _check_scalar(key)
        for value in values:
            _check_scalar(value)
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The standard library's decoder recurses: far too deep a document ends here.
            raise ParseError(TOO_DEEP) from None
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
