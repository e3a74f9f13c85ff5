"""Campaigns: the ones the generators create, which leads they brought, and their UTMs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from leads.generate.common import _slug
from leads.generate.funnel import UTM
from leads.models import Campaign, Channel


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    channel: str
    starts_days_ago: int
    ends_days_ago: int
    budget: int


CAMPAIGNS = (
    CampaignSpec("Q1 lead scoring webinar series", Channel.EVENT, 170, 120, 18000),
    CampaignSpec("Search: CRM alignment keywords", Channel.PAID_SEARCH, 160, 0, 42000),
    CampaignSpec("LinkedIn: revenue leaders", Channel.PAID_SOCIAL, 140, 60, 25000),
    CampaignSpec("Funnel benchmark report 2025", Channel.EMAIL, 110, 30, 6000),
    CampaignSpec("SaaStr booth and meetings", Channel.EVENT, 75, 72, 30000),
    CampaignSpec("Partner referral programme", Channel.PARTNER, 90, 0, 12000),
    # Campaigns still to come (negative days ago): they have brought no lead yet.
    CampaignSpec("Spring pipeline webinar", Channel.EVENT, -12, -40, 15000),
    CampaignSpec("LinkedIn: operations leaders", Channel.PAID_SOCIAL, -20, -80, 20000),
)


def campaign_for(rng: random.Random, channel: str, campaigns: list) -> object | None:
    """The campaign (of ``campaigns``, parallel to ``CAMPAIGNS``) that brought a lead, if any."""
    matching = [
        campaign
        for spec, campaign in zip(CAMPAIGNS, campaigns, strict=True)
        if spec.channel == channel and spec.starts_days_ago > 0
    ]
    if matching and rng.random() < 0.7:
        return rng.choice(matching)
    if channel == Channel.EMAIL and rng.random() < 0.5:
        return campaigns[3]
    return None


def campaign_dates(spec: CampaignSpec, today: date) -> tuple[date, date | None]:
    ends = today - timedelta(days=spec.ends_days_ago) if spec.ends_days_ago else None
    return today - timedelta(days=spec.starts_days_ago), ends


def campaigns_ensure(today: date) -> list[Campaign]:
    """The generated campaigns, created when missing (shared by the demo and generate_data)."""
    campaigns = []
    for spec in CAMPAIGNS:
        starts_on, ends_on = campaign_dates(spec, today)
        campaign, _ = Campaign.objects.get_or_create(
            name=spec.name,
            defaults={
                "channel": spec.channel,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "budget": spec.budget,
            },
        )
        campaigns.append(campaign)
    return campaigns


def utm_for(channel: str, campaign_name: str = "") -> tuple[str, str, str]:
    source, medium = UTM.get(channel, ("", ""))
    return source, medium, _slug(campaign_name) if campaign_name else ""
