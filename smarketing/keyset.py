"""Keyset pagination: a page is "the rows after this one" in a fixed order, so page 2,000 costs
what page 1 costs. Written here because Django's paginator counts and offsets, which grows with
the table, and DRF's cursor pagination orders by one field only."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class KeysetPage:
    items: list
    next_cursor: str | None


def cursor_for(values: list) -> str:
    """The cursor of the page that starts after the row with these order values."""
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, fields: list, model, annotations: dict) -> list:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as error:
        raise ValidationError("This page link is no longer valid.") from error
    if not isinstance(raw, list) or len(raw) != len(fields):
        raise ValidationError("This page link is no longer valid.")
    values = []
    for name, value in zip(fields, raw, strict=True):
        field = (
            annotations[name].output_field if name in annotations else model._meta.get_field(name)
        )
        try:
            values.append(field.to_python(value))
        except ValidationError as error:
            raise ValidationError("This page link is no longer valid.") from error
    return values


def _after(fields: list[str], descending: list[bool], values: list) -> Q:
    """Rows strictly after ``values`` in the order; the first term also bounds the index scan."""
    condition = Q()
    for position in range(len(fields)):
        step = Q(**{fields[i]: values[i] for i in range(position)})
        lookup = "lt" if descending[position] else "gt"
        step &= Q(**{f"{fields[position]}__{lookup}": values[position]})
        condition |= step
    bound = "lte" if descending[0] else "gte"
    return Q(**{f"{fields[0]}__{bound}": values[0]}) & condition


def _merged(queryset: QuerySet, order: tuple[str, ...], size: int, split: tuple[str, list]) -> list:
    """The first ``size`` rows in ``order``, in one query: a short slice per value of the
    split column (each read from the index that starts with that column), merged."""
    column, values = split
    slices = [
        queryset.filter(**{column: value}).order_by(*order).values("pk")[:size] for value in values
    ]
    merged = slices[0].union(*slices[1:], all=True)
    return list(queryset.filter(pk__in=merged).order_by(*order)[:size])


def keyset_page(
    queryset: QuerySet,
    *,
    order: tuple[str, ...],
    cursor: str | None,
    size: int,
    split: tuple[str, list] | None = None,
) -> KeysetPage:
    """The page of ``size`` rows after ``cursor`` in ``order`` (whose last field is unique).

    Fields (model fields or annotations) must not be null. Raises ValidationError for a cursor that does not decode.

    ``split`` (a column and all its values) reads the page as one slice per value, merged:
    the order is then served by the indexes that lead with that column, and needs no index of
    its own. Without a database that orders the parts of a UNION, the page is read whole.
    """
    fields = [name.lstrip("-") for name in order]
    descending = [name.startswith("-") for name in order]
    if cursor:
        queryset = queryset.filter(
            _after(
                fields,
                descending,
                _decode(cursor, fields, queryset.model, queryset.query.annotations),
            )
        )
    features = connections[queryset.db].features
    if split and features.supports_slicing_ordering_in_compound:
        rows = _merged(queryset, order, size + 1, split)
    else:
        rows = list(queryset.order_by(*order)[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = cursor_for([getattr(last, name) for name in fields])
    return KeysetPage(items=items, next_cursor=next_cursor)
