"""Hand-built histories for the reports' tests: leads walked through the funnel on given days
of a 30-day period from 1 March 2026, their transitions recorded as the lifecycle records them,
run on PostgreSQL or on SQLite (the embedded demo's database) with ``on_both_databases``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leads.lifecycle import StageChange, stage_changes_write
from reports.filters import Filters, Period
from tests.factories import EventFactory, LeadFactory, UserFactory, rejection_reason

START = datetime(2026, 3, 1, tzinfo=UTC)
PERIOD = Period(START, START + timedelta(days=30), "March")
EVERYONE = Filters()
# Early afternoon of the period's third day (3 March): a beat run then freezes the days
# before it, and that day up to 14:00 — its midday moves in its rows, its evening's live.
PART_FROZEN_AT = START + timedelta(days=2, hours=14, minutes=5)
# Sales' decisions on an MQL: a rep makes them, and a side exit may carry a reason code.
DECISIONS = {"sal", "recycled", "disqualified"}


def day(number: float) -> datetime:
    """Midday of the period's day ``number`` (0 is 1 March; negative is before the period)."""
    return START + timedelta(days=number, hours=12)


def history(*steps: tuple, rule: str = "test", created: float | None = None,
            touches: tuple = (), **lead_fields):  # fmt: skip
    """A lead that went through ``steps`` in order — (stage, day), or (stage, day, rejection
    reason code) for a side exit — each a recorded transition: sales' decisions by a rep, the
    rest by ``rule``. ``created`` is the day the lead came in; ``touches`` its events, as (day,
    campaign) or (day, campaign, channel)."""
    if created is not None:
        lead_fields["created_at"] = day(created)
    lead = LeadFactory(stage=steps[-1][0], **lead_fields)
    rep = UserFactory()  # no role: SQLite's test database has no groups
    stages = ["", *(step[0] for step in steps)]
    stage_changes_write(
        [
            StageChange(
                lead_id=lead.pk, from_stage=before, to_stage=stage, at=day(number),
                actor_id=rep.pk if stage in DECISIONS else None,
                rule="" if stage in DECISIONS else rule,
                rejection_reason_id=rejection_reason(reason[0]).pk if reason else None,
            )
            for before, (stage, number, *reason) in zip(stages, steps, strict=False)
        ],
        apply=False,
    )  # fmt: skip
    for number, campaign, *channel in touches:
        EventFactory(lead=lead, occurred_at=day(number), campaign=campaign,
                     channel=channel[0] if channel else "")  # fmt: skip
    return lead
