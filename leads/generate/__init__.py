"""Believable synthetic leads, shared by the demo loader (``leads.demo``) and the bulk
generator (``manage.py generate_data``).

Everything here is pure and seeded: given a ``random.Random`` it returns plain values (names,
companies, a lead's walk through the funnel with its dates and scores, its events), and the
callers decide how to write them (``bulk_create`` on SQLite, COPY on PostgreSQL). Times are
whole minutes before a fixed "now", so both writers agree and the bulk path can format them
from a table instead of one ``datetime`` per row.

The modules follow the sub-domains: ``common`` (the time window and small helpers),
``people`` (names and companies), ``funnel`` (a lead's walk through the stages and its
scores), ``activity`` (events, touches and notes) and ``campaigns``. Callers use
``from leads import generate`` and the names below.
"""

from __future__ import annotations

from leads.generate.activity import (
    EARLY_EVENTS,
    EARLY_TABLE,
    EVENT_COUNTS,
    NOTES,
    QUALIFIED_EVENTS,
    QUALIFIED_TABLE,
    TOUCH_KIND_WEIGHTS,
    TOUCH_KINDS,
    TOUCH_OUTCOME_WEIGHTS,
    TOUCH_OUTCOMES,
    EventSpec,
    event_properties,
    lead_events,
    lead_touches,
)
from leads.generate.campaigns import (
    CAMPAIGNS,
    CampaignSpec,
    campaign_dates,
    campaign_for,
    campaigns_ensure,
    utm_for,
)
from leads.generate.common import HISTORY_DAYS, HISTORY_MINUTES, MINUTES_PER_DAY, minutes_before
from leads.generate.funnel import (
    CHANNELS,
    CUSTOMER,
    DISQUALIFIED,
    EVANGELIST,
    LEAD,
    MARKETING_RULES,
    MQL,
    OPPORTUNITY,
    RECYCLED,
    SAL,
    SQL,
    STAGE_INDEX,
    STAGES,
    SUBSCRIBER,
    LeadStory,
    email_for,
    funnel_path,
    grade_for,
    lead_story,
    scores,
    temperature_for,
    transition_reason,
    transition_rejection,
)
from leads.generate.people import CompanySpec, companies, job_title

__all__ = [
    "CAMPAIGNS",
    "CHANNELS",
    "CUSTOMER",
    "DISQUALIFIED",
    "EARLY_EVENTS",
    "EARLY_TABLE",
    "EVANGELIST",
    "EVENT_COUNTS",
    "HISTORY_DAYS",
    "HISTORY_MINUTES",
    "LEAD",
    "MARKETING_RULES",
    "MINUTES_PER_DAY",
    "MQL",
    "NOTES",
    "OPPORTUNITY",
    "QUALIFIED_EVENTS",
    "QUALIFIED_TABLE",
    "RECYCLED",
    "SAL",
    "SQL",
    "STAGES",
    "STAGE_INDEX",
    "SUBSCRIBER",
    "TOUCH_KINDS",
    "TOUCH_KIND_WEIGHTS",
    "TOUCH_OUTCOMES",
    "TOUCH_OUTCOME_WEIGHTS",
    "CampaignSpec",
    "CompanySpec",
    "EventSpec",
    "LeadStory",
    "campaign_dates",
    "campaign_for",
    "campaigns_ensure",
    "companies",
    "email_for",
    "event_properties",
    "funnel_path",
    "grade_for",
    "job_title",
    "lead_events",
    "lead_story",
    "lead_touches",
    "minutes_before",
    "scores",
    "temperature_for",
    "transition_reason",
    "transition_rejection",
    "utm_for",
]
