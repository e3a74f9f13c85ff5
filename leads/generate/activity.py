"""A lead's activity: its marketing events, and the touches and notes of the rep who owns it."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from itertools import accumulate

from leads.generate.common import MINUTES_PER_DAY, _plain
from leads.generate.funnel import SALES_STAGES, LeadStory
from leads.models import Stage, TouchKind, TouchOutcome

# --- events ------------------------------------------------------------------------------------

EARLY_EVENTS = {
    "page_view": 36,
    "email_open": 24,
    "email_click": 9,
    "content_download": 9,
    "webinar_registered": 5,
    "webinar_attended": 3,
    "pricing_page_view": 4,
    "form_submit": 6,
    "email_bounce": 1,
}
QUALIFIED_EVENTS = {
    "page_view": 24,
    "pricing_page_view": 15,
    "email_open": 14,
    "email_click": 10,
    "content_download": 9,
    "webinar_attended": 6,
    "demo_request": 6,
    "trial_signup": 5,
    "meeting_booked": 9,
    "form_submit": 2,
}
# Events per lead by stage (low, high): MQLs and beyond engaged far more.
EVENT_COUNTS = _plain(
    {
        Stage.SUBSCRIBER: (1, 4),
        Stage.LEAD: (2, 8),
        Stage.MQL: (6, 16),
        Stage.SAL: (8, 18),
        Stage.SQL: (10, 22),
        Stage.OPPORTUNITY: (12, 28),
        Stage.CUSTOMER: (12, 30),
        Stage.EVANGELIST: (15, 35),
        Stage.RECYCLED: (3, 10),
        Stage.DISQUALIFIED: (1, 6),
    }
)
PAGES = ("/blog/lead-scoring-101", "/blog/sla-between-sales-and-marketing", "/features",
         "/customers", "/integrations", "/blog/mql-vs-sql", "/about")  # fmt: skip
ASSETS = ("The smarketing playbook (PDF)", "Lead scoring template", "Funnel benchmark report 2025")
WEBINARS = ("Aligning sales and marketing in 30 days", "Scoring leads both teams trust")
EMAILS = ("Your funnel benchmark is ready", "3 ways to shorten the MQL hand-off", "Webinar invite")


def event_properties(rng: random.Random, event_type: str) -> dict:
    if event_type == "page_view":
        return {"url": rng.choice(PAGES)}
    if event_type == "pricing_page_view":
        return {"url": "/pricing"}
    if event_type in ("email_open", "email_click", "email_bounce"):
        return {"subject": rng.choice(EMAILS)}
    if event_type == "content_download":
        return {"asset": rng.choice(ASSETS)}
    if event_type in ("webinar_registered", "webinar_attended"):
        return {"webinar": rng.choice(WEBINARS)}
    if event_type in ("form_submit", "demo_request", "trial_signup"):
        return {"form": {"demo_request": "Request a demo", "trial_signup": "Start a trial"}.get(
            event_type, "Newsletter sign-up")}  # fmt: skip
    return {}


@dataclass(frozen=True)
class EventSpec:
    type: str
    minutes_ago: int


def lead_events(rng: random.Random, story: LeadStory, count: int | None = None) -> list[EventSpec]:
    """A lead's behaviour: a sign-up when it was created, a demo request or pricing visit that
    tipped it into MQL, then activity weighted by how far it went."""
    if count is None:
        count = rng.randint(*EVENT_COUNTS[story.stage])
    if count <= 0:
        return []
    events = [EventSpec("form_submit", story.created)]
    mql = story.reached_mql
    if mql is not None and count > 1:
        trigger = rng.choice(("demo_request", "pricing_page_view", "demo_request"))
        events.append(EventSpec(trigger, mql + rng.randint(5, 2 * MINUTES_PER_DAY)))
    # Activity runs from creation until today, or until a side exit; once a lead is an MQL
    # it looks at pricing, books meetings and starts trials.
    end = story.stage_changed if story.stage in (Stage.RECYCLED, Stage.DISQUALIFIED) else 0
    for _ in range(count - len(events)):
        minutes_ago = rng.randint(end, max(end, story.created))
        qualified = mql is not None and minutes_ago <= mql
        types, cumulative = QUALIFIED_TABLE if qualified else EARLY_TABLE
        event_type = types[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
        events.append(EventSpec(event_type, minutes_ago))
    return events[:count]


def _table(weights: dict[str, int]) -> tuple[tuple[str, ...], list[int]]:
    return tuple(weights), list(accumulate(weights.values()))


EARLY_TABLE = _table(EARLY_EVENTS)
QUALIFIED_TABLE = _table(QUALIFIED_EVENTS)


# --- sales activity ----------------------------------------------------------------------------

TOUCH_KINDS = (TouchKind.CALL, TouchKind.EMAIL, TouchKind.MEETING, TouchKind.LINKEDIN)
TOUCH_KIND_WEIGHTS = (40, 35, 15, 10)
TOUCH_OUTCOMES = (
    TouchOutcome.CONNECTED,
    TouchOutcome.LEFT_VOICEMAIL,
    TouchOutcome.NO_ANSWER,
    TouchOutcome.REPLIED,
    TouchOutcome.MEETING_BOOKED,
)
TOUCH_OUTCOME_WEIGHTS = (25, 20, 25, 20, 10)
NOTES = (
    "Evaluating two vendors; wants a side-by-side on scoring.",
    "Budget owner is the CFO; loop her in for the next call.",
    "Asked for a security questionnaire.",
    "Happy with the pilot; champion is pushing internally.",
    "Prefers e-mail; no calls before 10:00.",
    "Renewal of their current tool is in Q3.",
)


def lead_touches(rng: random.Random, story: LeadStory) -> list[tuple[str, str, int]]:
    """(kind, outcome, minutes ago) of a rep's touches on a lead it accepted or owns as an MQL
    still to decide: the first soon after the lead became an MQL (mostly within a couple of
    hours, sometimes a day or two later), most of the others in the week after, the rest until
    today. None lies in the future: an MQL of the last hour may have no touch yet."""
    accepted = story.reached_sal
    if accepted is None:
        if story.stage != Stage.MQL or story.reached_mql is None:
            return []
        accepted = 0  # still deciding: its touches may run until now
    if story.stage == Stage.MQL:
        count = rng.randint(1, 2)
    else:
        count = rng.randint(1, 4) + (1 if story.stage in SALES_STAGES else 0)
    mql = story.reached_mql if story.reached_mql is not None else accepted

    def soon_after(delay: int) -> int:
        return mql - delay

    first = soon_after(
        rng.randint(5, 150) if rng.random() < 0.8 else rng.randint(300, 3 * MINUTES_PER_DAY)
    )
    others = [
        soon_after(rng.randint(60, 7 * MINUTES_PER_DAY))
        if rng.random() < 0.7
        else rng.randint(0, accepted)
        for _ in range(count - 1)
    ]
    return [
        (
            rng.choices(TOUCH_KINDS, TOUCH_KIND_WEIGHTS)[0],
            rng.choices(TOUCH_OUTCOMES, TOUCH_OUTCOME_WEIGHTS)[0],
            minutes_ago,
        )
        for minutes_ago in (first, *others)
        if minutes_ago >= 0
    ]
