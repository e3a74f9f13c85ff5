"""Attribution of the period's SQLs and customers to campaigns and sources under first touch,
last touch, linear and U-shaped (40 / 20 / 40), from the leads' origin and their events up to
each conversion: exact credits on a hand-built history, credits adding up to one per converted
lead under every model, and a few queries whatever the number of leads — read live, from
frozen days, from both, and over a period of other instants. Each test runs on PostgreSQL and
on SQLite, as in the embedded demo."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from django.db import connections, router
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads.models import StageTransition
from reports.attribution import MODELS, attribution_report, credit_shares
from reports.days import FREEZE_DAYS_BACK, days_freeze, days_freeze_due, days_refreeze
from reports.filters import Filters, Period
from reports.models import CreditDay
from reports.touches import touchpoints
from tests.factories import CampaignFactory, EventFactory
from tests.reports.march import EVERYONE, PART_FROZEN_AT, PERIOD, START, day, history

pytestmark = [
    pytest.mark.django_db(databases=["default", "sqlite"]),
    pytest.mark.usefixtures("on_both_databases"),
]


AFTER = START + timedelta(days=90)
# The month before March and March itself, day by day.
DAYS = [(START - timedelta(days=30)).date() + timedelta(days=n) for n in range(60)]
# How the report reads: how many of DAYS are frozen, or frozen by a beat run on 3 March's
# afternoon (``PART_FROZEN_AT``), or over a period of other instants.
READINGS = {"live": 0, "half-frozen": 35, "frozen": 60, "part-frozen": "part", "instants": None}


def freeze(frozen: int | str) -> None:
    if frozen == "part":
        assert days_freeze_due(now=PART_FROZEN_AT) == FREEZE_DAYS_BACK + 1
    elif frozen:
        assert days_freeze(DAYS[:frozen], now=AFTER) == frozen


@pytest.fixture(params=list(READINGS))
def report(request):
    """``attribution_report`` reading as the test's parameter says: the days frozen (after
    the history is built, on the first reading), or the period shifted by a second."""
    frozen = READINGS[request.param]
    done = []

    def read(model, by="campaign", period=PERIOD, filters=EVERYONE):
        if frozen and not done:
            freeze(frozen)
            done.append(True)
        if frozen is None:
            period = Period(period.start + timedelta(seconds=1), period.end)
        return attribution_report(period, filters, model, by)

    return read


@pytest.fixture
def campaigns():
    return {name: CampaignFactory(name=name) for name in ("Webinar", "Ebook", "Search ads")}


@pytest.fixture
def attribution_history(campaigns):
    """Four SQLs and two customers of March, one of each with no touchpoint at all."""
    webinar, ebook, ads = campaigns["Webinar"], campaigns["Ebook"], campaigns["Search ads"]
    # Came through the webinar, clicked an ad, became an SQL, read the e-book, then bought:
    # its SQL's touchpoints are webinar, ads; its customer's webinar, ads, e-book.
    history(
        ("mql", 1),
        ("sql", 5),
        ("customer", 10),
        campaign=webinar,
        touches=((2, None), (3, ads), (6, ebook)),
    )
    # Came through the e-book, whose download is its first event: e-book, ads, webinar.
    history(
        ("mql", 2),
        ("sql", 4),
        campaign=ebook,
        touches=((0, ebook), (2, ads), (3, webinar), (5, ads)),
    )
    history(("mql", 6), ("sql", 8))  # no touchpoint
    history(("lead", -20), ("mql", 1), ("sql", 3), touches=((1, webinar), (2, ads)))
    # An SQL of February, a customer of March: its origin alone.
    history(("sql", -3), ("customer", 12), campaign=ads)
    # Not conversions of the period: an SQL of April, and an MQL.
    history(("mql", 20), ("sql", 31), campaign=webinar, touches=((21, ebook),))
    history(("mql", 5), campaign=ads, touches=((6, ads),))
    return campaigns


EXPECTED = {
    # model: {campaign: (SQL credit, customer credit)}, the most SQL credit first
    "first_touch": {"Webinar": (2, 1), "Ebook": (1, 0), "Unattributed": (1, 0),
                    "Search ads": (0, 1)},
    "last_touch": {"Search ads": (2, 1), "Unattributed": (1, 0), "Webinar": (1, 0),
                   "Ebook": (0, 1)},
    "linear": {"Search ads": (4 / 3, 4 / 3), "Webinar": (4 / 3, 1 / 3),
               "Unattributed": (1, 0), "Ebook": (1 / 3, 1 / 3)},
    "u_shaped": {"Webinar": (1.4, 0.4), "Search ads": (1.2, 1.2), "Unattributed": (1, 0),
                 "Ebook": (0.4, 0.4)},
}  # fmt: skip


@pytest.mark.parametrize("model", EXPECTED)
def test_each_model_credits_the_campaigns_exactly(attribution_history, model, report):
    report = report(model, "campaign")
    assert [row.name for row in report.rows] == list(EXPECTED[model])
    credits = {row.name: (row.sqls, row.customers) for row in report.rows}
    assert credits == {
        name: (pytest.approx(sqls), pytest.approx(customers))
        for name, (sqls, customers) in EXPECTED[model].items()
    }
    assert report.label == MODELS[model]


@pytest.mark.parametrize("model", MODELS)
def test_each_models_credits_add_up_to_one_per_converted_lead(attribution_history, model, report):
    for by in ("campaign", "source"):
        read = report(model, by)
        assert (read.sqls, read.customers) == (4, 2)
        assert read.sql_credit == pytest.approx(4)
        assert read.customer_credit == pytest.approx(2)


def test_u_shaped_gives_40_to_the_first_20_between_and_40_to_the_last(attribution_history, report):
    ebook = attribution_history["Ebook"]
    report = report("u_shaped", "campaign", filters=Filters(campaign_id=ebook.pk))
    # The e-book's lead alone: e-book, ads, webinar up to its SQL (the ad of day 5 is after).
    assert {row.name: row.sqls for row in report.rows} == {
        "Ebook": pytest.approx(0.4),
        "Search ads": pytest.approx(0.2),
        "Webinar": pytest.approx(0.4),
    }
    assert report.row(ebook.pk).customers == 0
    assert (report.sqls, report.customers) == (1, 0)


def test_sources_are_the_leads_original_channels_and_their_events_channels(campaigns, report):
    history(
        ("sql", 3),
        original_channel="paid_search",
        touches=((1, None, "paid_search"), (2, None, "email"), (2.5, None, "social")),
    )
    history(("sql", 4), original_channel="organic_search", touches=((1, None, "email"),))
    history(("sql", 5), touches=((1, campaigns["Webinar"]),))  # a campaign, but no channel
    report = report("linear", "source")
    # Paid search, e-mail, social (its first event is its origin); organic search, e-mail;
    # nothing with a channel.
    assert [(row.key, row.name, row.sqls) for row in report.rows] == [
        (None, "Unattributed", 1.0),
        ("email", "E-mail", pytest.approx(1 / 3 + 1 / 2)),
        ("organic_search", "Organic search", 0.5),
        ("paid_search", "Paid search", pytest.approx(1 / 3)),
        ("social", "Social", pytest.approx(1 / 3)),
    ]


def test_filters_narrow_the_conversions(attribution_history, report):
    read = report("linear", "campaign", filters=Filters(channels=("referral",)))
    assert (read.rows, read.sqls, read.customers) == ((), 0, 0)
    ads = attribution_history["Search ads"]
    read = report("first_touch", "campaign", filters=Filters(campaign_id=ads.pk))
    assert [(row.name, row.sqls, row.customers) for row in read.rows] == [("Search ads", 0.0, 1.0)]


def test_an_empty_period_has_no_rows_and_zero_totals(attribution_history):
    report = attribution_report(Period(day(400), day(430)), EVERYONE, "u_shaped", "source")
    assert (report.rows, report.sqls, report.customers) == ((), 0, 0)
    assert (report.sql_credit, report.customer_credit) == (0, 0)


def test_an_unknown_model_or_grouping_is_refused():
    with pytest.raises(ValueError, match="Not an attribution model"):
        attribution_report(PERIOD, EVERYONE, "time_decay", "campaign")
    with pytest.raises(ValueError, match="Not a grouping"):
        attribution_report(PERIOD, EVERYONE, "linear", "persona")


def test_u_shaped_with_one_or_two_touchpoints_gives_all_or_half_each():
    assert credit_shares(1, "u_shaped") == (1,)
    assert credit_shares(2, "u_shaped") == (Fraction(1, 2), Fraction(1, 2))
    assert credit_shares(4, "u_shaped") == (
        Fraction(2, 5), Fraction(1, 10), Fraction(1, 10), Fraction(2, 5),
    )  # fmt: skip
    assert credit_shares(0, "linear") == ()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the database's
@given(count=st.integers(min_value=1, max_value=200), model=st.sampled_from(list(MODELS)))
def test_every_models_shares_add_up_to_one(count, model):
    shares = credit_shares(count, model)
    assert len(shares) == count
    assert sum(shares) == 1
    assert min(shares) >= 0


def test_the_origin_comes_first_unless_the_first_event_carries_it():
    origin = (1, "Webinar")
    ads = (2, "Search ads")
    touches = [(day(1), ads), (day(2), origin), (day(9), ads)]
    assert touchpoints(origin, touches, day(2)) == [origin, ads, origin]
    assert touchpoints(origin, [(day(0), origin), *touches], day(5)) == [origin, ads, origin]
    assert touchpoints(None, touches, day(9)) == [ads, origin, ads]
    assert touchpoints(None, touches, day(0)) == []


# Which days are frozen; the frozen days' tallies; the live days' conversions and their
# events; the campaigns' names. A period of other instants has no frozen days to look for.
BUDGETS = {"live": 4, "half-frozen": 5, "frozen": 3, "part-frozen": 5, "instants": 3}


@pytest.mark.parametrize("reading", list(BUDGETS))
@pytest.mark.parametrize("leads", [10, 100])
def test_the_report_costs_a_few_queries_whatever_the_number_of_leads(
    campaigns, leads, reading, on_both_databases, django_assert_max_num_queries
):
    webinar, ads = campaigns["Webinar"], campaigns["Search ads"]
    for number in range(leads):
        history(("sql", number % 29), ("customer", number % 29 + 0.5), campaign=webinar,
                touches=((number % 29 - 1, ads), (number % 29, webinar)))  # fmt: skip
    assert connections[router.db_for_read(StageTransition)].alias == on_both_databases
    frozen, period = READINGS[reading], PERIOD
    freeze(frozen)
    if frozen is None:
        period = Period(PERIOD.start + timedelta(seconds=1), PERIOD.end)
    with django_assert_max_num_queries(BUDGETS[reading], using=on_both_databases):
        report = attribution_report(period, EVERYONE, "u_shaped", "campaign")
    assert (report.sqls, report.customers) == (leads, leads)
    # Webinar (origin), ads, webinar: 0.4 + 0.4 to the webinar, 0.2 to the ads, each lead.
    assert report.row(ads.pk).sqls == pytest.approx(0.2 * leads)
    assert report.sql_credit == pytest.approx(leads)


def test_a_frozen_day_keeps_its_credits_until_its_week_is_rebuilt(campaigns):
    webinar, ads = campaigns["Webinar"], campaigns["Search ads"]
    lead = history(("mql", 1), ("sql", 3), campaign=webinar)
    days_freeze(DAYS, now=AFTER)
    assert CreditDay.objects.filter(by="campaign", stage="sql").count() == 1
    EventFactory(lead=lead, occurred_at=day(2), campaign=ads)  # a late import, before the SQL
    rows = [(row.name, row.sqls) for row in attribution_report(PERIOD, EVERYONE, "linear").rows]
    assert rows == [("Webinar", 1.0)]
    days_refreeze(DAYS[30], DAYS[36], now=AFTER)
    rows = [(row.name, row.sqls) for row in attribution_report(PERIOD, EVERYONE, "linear").rows]
    assert rows == [("Search ads", 0.5), ("Webinar", 0.5)]
