"""Which campaigns or sources brought in the period's SQLs and customers, under one of four
attribution models, read from the leads' stage transitions, their events and their origin.

A conversion is a lead's first entry to SQL (and, counted apart, to customer) in the period:
a transition says so, under the definition in force when it happened. Its touchpoints are
the lead's origin and its events up to the conversion (``reports.touches``).

Each conversion gives out one credit: first touch all of it to the first touchpoint, last
touch to the last, linear an equal share to each, U-shaped 40 % to the first, 40 % to the
last and 20 % shared by those between (one touchpoint takes it all, two half each). A lead
with no touchpoint is credited to "Unattributed", so the credits always add up to the number
of converted leads. The shares are exact fractions until they are given out as floats.

Cost contract: the credits are given out from how often each touchpoint stood first, between
or last among how many. For a period of whole days — the reports' — the frozen days keep those
tallies (``CreditDay``, one grouped query), and the days not frozen yet are read live; a
period of other instants is read live throughout. Live is two queries: the conversions, from
the period's SQL and customer transitions (``transition_stage_time``), and the events of
those leads only, up to the period's end, streamed. Then one query for the campaigns' names.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Min

from leads.models import Campaign, Channel, StageTransition
from reports import touches
from reports.days import CONVERSIONS, conversion_touches, whole_days
from reports.filters import Filters, Period
from reports.touches import BETWEEN, FIRST, LAST, Conversion

MODELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped (40 / 20 / 40)",
}
BY_LABELS = {"campaign": "Campaign", "source": "Source"}
SQL, CUSTOMER = CONVERSIONS
UNATTRIBUTED = "Unattributed"
U_SHAPED_ENDS = Fraction(2, 5)  # to each of the first and the last touchpoint
CHANNEL_NAMES = dict(Channel.choices)


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


def _live_touches(period: Period, filters: Filters, by: str) -> Counter:
    """``days.conversion_touches`` of a period of any instants, from its transitions and
    its converted leads' events: two queries."""
    transitions = StageTransition.objects.filter(
        filters.q("lead__"), to_stage__in=CONVERSIONS, at__gte=period.start, at__lt=period.end
    )
    rows = (
        transitions.values("lead_id", "to_stage", "lead__campaign_id", "lead__original_channel")
        .annotate(converted_at=Min("at"))
        .order_by()
    )
    conversions = [
        Conversion(row["lead_id"], row["converted_at"], (row["to_stage"],),
                   row["lead__campaign_id"], row["lead__original_channel"])
        for row in rows
    ]  # fmt: skip
    counted: Counter = Counter()
    credits = touches.tally(conversions, transitions.values("lead_id"), period.end, (by,))
    for ((stage,), _by, point, count, position), times in credits.items():
        counted[stage, point, count, position] += times
    return counted


def _names(keys: Iterable, by: str) -> dict:
    """Each touchpoint's name: a campaign's (one query), a channel's label, "Unattributed"."""
    names = {None: UNATTRIBUTED}
    if by == "source":
        names.update({key: CHANNEL_NAMES.get(key, key) for key in keys if key is not None})
    elif ids := [key for key in keys if key is not None]:
        names.update(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))
    for key in keys:
        names.setdefault(key, f"Campaign {key} (deleted)")
    return names


def _share(count: int, position: str, model: str) -> Fraction:
    """The share of a conversion's credit its touchpoint at ``position`` of ``count`` takes."""
    shares = credit_shares(count, model)
    return shares[{FIRST: 0, BETWEEN: 1, LAST: count - 1}[position]]  # between: of 3 or more


def attribution_report(
    period: Period, filters: Filters, model: str, by: str = "campaign"
) -> AttributionReport:
    """The credit each campaign or source (``by``) takes of the SQLs and the customers of
    ``period`` under ``model`` (a key of ``MODELS``)."""
    if by not in BY_LABELS:
        raise ValueError(f"Not a grouping of attribution: {by!r}")
    credit_shares(0, model)  # refuses an unknown model before any query
    if whole_days(period):
        counted = conversion_touches(period, filters, by)
    else:
        counted = _live_touches(period, filters, by)
    converted: Counter = Counter()
    credits: dict = {}
    for (stage, point, count, position), times in counted.items():
        if position == FIRST:  # each conversion has one first touchpoint
            converted[stage] += times
        if share := _share(count, position, model):  # none given, no row for it
            shares = credits.setdefault(point, {SQL: Fraction(0), CUSTOMER: Fraction(0)})
            shares[stage] += share * times
    names = _names(list(credits), by)
    rows = sorted(
        (
            AttributionRow(
                key=key, name=names[key], sqls=float(shares[SQL]), customers=float(shares[CUSTOMER])
            )
            for key, shares in credits.items()
        ),
        key=lambda row: (-row.sqls, -row.customers, row.name),
    )
    return AttributionReport(
        period=period,
        filters=filters,
        model=model,
        by=by,
        rows=tuple(rows),
        sqls=converted[SQL],
        customers=converted[CUSTOMER],
    )
