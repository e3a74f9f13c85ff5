"""A conversion's touchpoints, the campaigns or sources that brought a lead to SQL or customer,
and how often each stood first, between or last among them: what attribution gives its
credit out from, whether it reads a period live or from its frozen days.

A conversion is a lead's first entry to SQL (or, apart, to customer) in a day or a period.
Its touchpoints are, in order:

1. the lead's origin — its own campaign (``Lead.campaign``) or source (``original_channel``),
   which is its first touch whatever the events' times say — unless its first event already
   carries that campaign or source (the event that brought it in, recorded);
2. its events up to the moment of the conversion (inclusive) that carry a campaign (for
   campaigns) or a channel (for sources), in time order; each event is a touch, so a
   campaign touched three times counts three times.

The events are read in one query for all the conversions at once, over a client-side cursor,
one lead's touches held at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter

from django.db import connections
from django.db.models import Q, QuerySet

from leads.models import Event

STREAM_CHUNK = 2_000
FIRST, BETWEEN, LAST = "first", "between", "last"
GROUPINGS = ("campaign", "source")
# Where each grouping's touchpoint is in an event's (campaign, channel).
EVENT_FIELD = {"campaign": 0, "source": 1}


@dataclass(frozen=True)
class Conversion:
    """A lead's first entry to SQL or customer in a day (or a period), at ``at``, with the
    campaign and the source it came in by (None and "" for none); ``group`` is what the
    caller counts it under (its stage, and for a frozen day the rest of the day's row)."""

    lead_id: int
    at: datetime
    group: tuple
    campaign_id: int | None
    channel: str

    def origin(self, by: str) -> int | str | None:
        """The campaign or the source the lead came in by; None for none."""
        return (self.campaign_id if by == "campaign" else self.channel) or None


def touchpoints(origin, touches: Iterable[tuple[datetime, object]], until: datetime) -> list:
    """A conversion's touchpoints: the origin first, unless the first event carries it, then
    the events up to ``until`` (inclusive), in the order given."""
    events = [touchpoint for at, touchpoint in touches if at <= until]
    if origin is not None and (not events or events[0] != origin):
        return [origin, *events]
    return events


def positions(points: list) -> Iterator[tuple[object, int, str]]:
    """``(touchpoint, how many there are, where it stands)`` for each of a conversion's
    touchpoints; one with none has one touchpoint, None (unattributed), first of one."""
    count = len(points)
    if not count:
        yield None, 1, FIRST
        return
    yield points[0], count, FIRST
    for point in points[1:-1]:
        yield point, count, BETWEEN
    if count > 1:
        yield points[-1], count, LAST


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


def touches(lead_ids: QuerySet, until: datetime, groupings: tuple[str, ...]) -> Iterator:
    """The events before ``until`` of the leads of ``lead_ids`` (a query of lead ids) that
    carry a touchpoint of one of ``groupings``, in time order: ``(lead id, [(time, campaign
    id, channel), …])``, one lead at a time."""
    carries = Q()
    if "campaign" in groupings:
        carries |= Q(campaign__isnull=False)
    if "source" in groupings:
        carries |= ~Q(channel="")
    rows = (
        Event.objects.filter(carries, lead_id__in=lead_ids, occurred_at__lt=until)
        .order_by("lead_id", "occurred_at", "id")
        .values_list("lead_id", "occurred_at", "campaign_id", "channel")
    )
    for lead_id, lead_rows in groupby(_fetched(rows), key=itemgetter(0)):
        yield lead_id, [row[1:] for row in lead_rows]


def tally(
    conversions: Iterable[Conversion],
    lead_ids: QuerySet,
    until: datetime,
    groupings: tuple[str, ...] = GROUPINGS,
) -> Counter:
    """How often each touchpoint stood where among the touchpoints of ``conversions`` (their
    leads are those of ``lead_ids``; their events are read up to ``until``):
    ``(conversion's group, grouping, touchpoint, touchpoints, position) → times``. Two queries' worth
    of rows, whatever the number of conversions: the events, streamed."""
    by_lead: dict[int, list[Conversion]] = {}
    for conversion in conversions:
        by_lead.setdefault(conversion.lead_id, []).append(conversion)
    counted: Counter = Counter()

    def credit(lead_conversions: list[Conversion], events: list[tuple]) -> None:
        for by in groupings:
            field = EVENT_FIELD[by]
            lead_touches = [(at, touch[field]) for at, *touch in events if touch[field]]
            for conversion in lead_conversions:
                points = touchpoints(conversion.origin(by), lead_touches, conversion.at)
                for point, count, position in positions(points):
                    counted[conversion.group, by, point, count, position] += 1

    # The leads with no event touch are credited after the stream; a lead converted between
    # the two queries is left to the next reading.
    if by_lead:
        for lead_id, events in touches(lead_ids, until, groupings):
            if lead_id in by_lead:
                credit(by_lead.pop(lead_id), events)
    for lead_conversions in by_lead.values():
        credit(lead_conversions, [])
    return counted
