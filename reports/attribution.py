"""Which campaigns or sources brought in the period's SQLs and customers, under one of four
attribution models, read from the leads' stage transitions, their events and their origin.

A conversion is a lead's first entry to SQL (and, counted apart, to customer) in the period:
a transition says so, under the definition in force when it happened. Its touchpoints are,
in order:

1. the lead's origin — its own campaign (``Lead.campaign``) or source (``original_channel``),
   which is its first touch whatever the events' times say — unless its first event already
   carries that campaign or source (the event that brought it in, recorded);
2. its events up to the moment of the conversion (inclusive) that carry a campaign (for
   campaigns) or a channel (for sources), in time order; each event is a touch, so a
   campaign touched three times counts three times.

Each conversion gives out one credit: first touch all of it to the first touchpoint, last
touch to the last, linear an equal share to each, U-shaped 40 % to the first, 40 % to the
last and 20 % shared by those between (one touchpoint takes it all, two half each). A lead
with no touchpoint is credited to "Unattributed", so the credits always add up to the number
of converted leads. The shares are exact fractions until they are given out as floats.

Cost contract: two queries, whatever the tables' size. One reads each converted lead's
conversion moments and origin, from the period's SQL and customer transitions
(``transition_stage_time``); the other streams ``(lead, time, campaign or channel)`` of the
events of those leads only, up to the period's end, by ``event_lead_time``. It is bounded by
the converted leads — the few of a period, against all the leads there are — and is read
with an iterator, one lead's touches held at a time.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from itertools import groupby
from operator import itemgetter

from django.db import connections
from django.db.models import Min, QuerySet

from leads.models import Channel, Event, Stage, StageTransition
from reports.filters import Filters, Period

MODELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped (40 / 20 / 40)",
}
BY_LABELS = {"campaign": "Campaign", "source": "Source"}
SQL, CUSTOMER = Stage.SQL.value, Stage.CUSTOMER.value
CONVERSIONS = (SQL, CUSTOMER)
UNATTRIBUTED = "Unattributed"
U_SHAPED_ENDS = Fraction(2, 5)  # to each of the first and the last touchpoint
STREAM_CHUNK = 2_000
CHANNEL_NAMES = dict(Channel.choices)

# Each grouping: the event's fields for a touchpoint's key and name, and the lead's for its
# origin (a channel's name is its label).
TOUCH_FIELDS = {
    "campaign": ("campaign_id", "campaign__name"),
    "source": ("channel", None),
}
ORIGIN_FIELDS = {
    "campaign": ("lead__campaign_id", "lead__campaign__name"),
    "source": ("lead__original_channel", None),
}

# A campaign's id and name, a channel and its label, or (None, "Unattributed").
Touchpoint = tuple[int | str | None, str]


@functools.cache
def credit_shares(count: int, model: str) -> tuple[Fraction, ...]:
    """The share of one conversion's credit that each of ``count`` touchpoints takes, in
    order, under ``model``; they add up to 1 (nothing when there is no touchpoint)."""
    if model not in MODELS:
        raise ValueError(f"Not an attribution model: {model!r}")
    if count == 0:
        return ()
    if count == 1:
        return (Fraction(1),)
    if model == "first_touch":
        return (Fraction(1),) + (Fraction(0),) * (count - 1)
    if model == "last_touch":
        return (Fraction(0),) * (count - 1) + (Fraction(1),)
    if model == "linear" or count == 2:
        return (Fraction(1, count),) * count
    middle = (1 - 2 * U_SHAPED_ENDS) / (count - 2)
    return (U_SHAPED_ENDS,) + (middle,) * (count - 2) + (U_SHAPED_ENDS,)


@dataclass(frozen=True)
class AttributionRow:
    """The credit a campaign or source (``key``: the campaign's id or the channel; None for
    "Unattributed") takes of the period's SQLs and of its customers."""

    key: int | str | None
    name: str
    sqls: float
    customers: float


@dataclass(frozen=True)
class AttributionReport:
    """The period's conversions credited under ``model`` to each campaign or source (``by``),
    the most SQL credit first. ``sqls`` and ``customers`` count the converted leads, which
    the rows' credits add up to."""

    period: Period
    filters: Filters
    model: str
    by: str
    rows: tuple[AttributionRow, ...]
    sqls: int
    customers: int

    @property
    def label(self) -> str:
        return MODELS[self.model]

    @property
    def sql_credit(self) -> float:
        return sum(row.sqls for row in self.rows)

    @property
    def customer_credit(self) -> float:
        return sum(row.customers for row in self.rows)

    def row(self, key: int | str | None) -> AttributionRow:
        return next(row for row in self.rows if row.key == key)


@dataclass
class _Conversions:
    """A converted lead: when it converted to each stage (None if not in the period), and its
    origin touchpoint (None without one)."""

    at: dict[str, datetime]
    origin: Touchpoint | None


def _conversion_transitions(period: Period, filters: Filters) -> QuerySet:
    return StageTransition.objects.filter(
        filters.q("lead__"),
        to_stage__in=CONVERSIONS,
        at__gte=period.start,
        at__lt=period.end,
    )


def _touchpoint(key: int | str | None, name: str | None, by: str) -> Touchpoint | None:
    """A campaign's (id, name) or a channel's (channel, label); None for none."""
    if key is None or key == "":
        return None
    return (key, CHANNEL_NAMES.get(key, key)) if by == "source" else (key, name)


def _converted(period: Period, filters: Filters, by: str) -> dict[int, _Conversions]:
    """Each converted lead's first entry to SQL and to customer in the period, and its
    origin: one grouped query."""
    key_field, name_field = ORIGIN_FIELDS[by]
    fields = ["lead_id", "to_stage", key_field] + ([name_field] if name_field else [])
    rows = (
        _conversion_transitions(period, filters)
        .values(*fields)
        .annotate(converted_at=Min("at"))
        .order_by()
    )
    converted: dict[int, _Conversions] = {}
    for row in rows:
        origin = _touchpoint(row[key_field], row.get(name_field), by)
        lead = converted.setdefault(row["lead_id"], _Conversions({}, origin))
        lead.at[row["to_stage"]] = row["converted_at"]
    return converted


def _fetched(rows: QuerySet) -> Iterator[tuple]:
    """The rows of ``rows``, fetched in chunks over a client-side cursor. Not Django's
    ``iterator()``: on PostgreSQL its server-side cursor is planned for the first rows, and
    the plan it takes for this join reads the events by index one lead at a time, thirty
    times slower than the hash join of a plain query."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":  # SQLite's rows need Django's converters
        yield from rows.iterator(chunk_size=STREAM_CHUNK)
        return
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(STREAM_CHUNK):
            yield from chunk


def _touches(period: Period, filters: Filters, by: str) -> Iterator[tuple[int, list]]:
    """Each converted lead's events that carry a campaign or a channel, up to the period's
    end, in time order: ``(lead id, [(time, touchpoint), …])``, one lead at a time."""
    key_field, name_field = TOUCH_FIELDS[by]
    events = Event.objects.filter(
        lead_id__in=_conversion_transitions(period, filters).values("lead_id"),
        occurred_at__lt=period.end,
    )
    events = events.exclude(campaign=None) if by == "campaign" else events.exclude(channel="")
    # A channel's name is its label, so its rows carry the channel twice.
    rows = events.order_by("lead_id", "occurred_at", "id").values_list(
        "lead_id", "occurred_at", key_field, name_field or key_field
    )
    stream = _fetched(rows)
    for lead_id, rows in groupby(stream, key=itemgetter(0)):
        yield lead_id, [(at, _touchpoint(key, name, by)) for _lead, at, key, name in rows]


def touchpoints(
    origin: Touchpoint | None, touches: Iterable[tuple[datetime, Touchpoint]], until: datetime
) -> list[Touchpoint]:
    """A conversion's touchpoints: the origin first, unless the first event carries it, then
    the events up to ``until`` (inclusive), in the order given."""
    events = [touchpoint for at, touchpoint in touches if at <= until]
    if origin is not None and (not events or events[0] != origin):
        return [origin, *events]
    return events


def attribution_report(
    period: Period, filters: Filters, model: str, by: str = "campaign"
) -> AttributionReport:
    """The credit each campaign or source (``by``) takes of the SQLs and the customers of
    ``period`` under ``model`` (a key of ``MODELS``). Two queries: the converted leads, and
    their events streamed."""
    if by not in BY_LABELS:
        raise ValueError(f"Not a grouping of attribution: {by!r}")
    credit_shares(0, model)  # refuses an unknown model before any query
    converted = _converted(period, filters, by)
    # How often each touchpoint took the i-th of n shares of a stage's conversions: counted
    # in whole numbers, and turned into exact fractions once at the end.
    tally: Counter = Counter()

    def credit(lead: _Conversions, touches: Sequence[tuple[datetime, Touchpoint]]) -> None:
        for stage, at in lead.at.items():
            points = touchpoints(lead.origin, touches, at) or [(None, UNATTRIBUTED)]
            count = len(points)
            for index, point in enumerate(points):
                tally[point, stage, count, index] += 1

    # The leads with no event touch are credited after the stream; a lead converted between
    # the two queries is left to the next reading.
    untouched = dict(converted)
    if converted:
        for lead_id, touches in _touches(period, filters, by):
            if lead_id in untouched:
                credit(untouched.pop(lead_id), touches)
    for lead in untouched.values():
        credit(lead, ())

    credits: dict = {}
    for (point, stage, count, index), times in tally.items():
        share = credit_shares(count, model)[index]
        if share:  # a touchpoint the model gives nothing has no row for it
            shares = credits.setdefault(point, {SQL: Fraction(0), CUSTOMER: Fraction(0)})
            shares[stage] += share * times
    rows = sorted(
        (
            AttributionRow(
                key=key,
                name=name,
                sqls=float(shares[SQL]),
                customers=float(shares[CUSTOMER]),
            )
            for (key, name), shares in credits.items()
        ),
        key=lambda row: (-row.sqls, -row.customers, row.name),
    )
    return AttributionReport(
        period=period,
        filters=filters,
        model=model,
        by=by,
        rows=tuple(rows),
        sqls=sum(SQL in lead.at for lead in converted.values()),
        customers=sum(CUSTOMER in lead.at for lead in converted.values()),
    )
