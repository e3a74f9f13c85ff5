"""The demo's history of leads: a few hundred companies, a few thousand leads spread over a
plausible funnel, six months of events, stage transitions, touches and notes, and a handful of
campaigns, so every page of the embedded demo has something true to show.

It runs on SQLite (the demo database) and PostgreSQL alike, with ``bulk_create`` in batches,
and only into a database that has no leads yet.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from leads import generate
from leads.lifecycle import StageChange, stage_changes_write
from leads.models import (
    Channel,
    Company,
    Consent,
    Event,
    Lead,
    Note,
    PrivacyRequest,
    RejectionReason,
    Stage,
    Touch,
)
from leads.search import leads_search_write
from leads.services import unsubscribes_apply

COMPANY_COUNT = 300
LEAD_COUNT = 3000
BATCH_SIZE = 1000


@transaction.atomic
def demo_leads_load(*, owners: list, seed: int = 42) -> int:
    """Create the demo history, owned by ``owners`` (the sales users) from MQL onwards.

    Does nothing when any lead exists. Returns how many leads it created.
    """
    if not owners:
        raise ValueError("The demo history needs at least one sales user to own leads.")
    if Lead.objects.exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, seeded for repeatability
    now = timezone.now().replace(second=0, microsecond=0)
    campaigns = generate.campaigns_ensure(now.date())
    companies = _companies(rng)
    leads, stories = _leads(rng, now, companies, campaigns, owners)
    _transitions(rng, now, leads, stories)
    _events(rng, now, leads, stories)
    _sales_activity(rng, now, leads, stories)
    return len(leads)


def _at(now: datetime, minutes_ago: int) -> datetime:
    return generate.minutes_before(now, minutes_ago)


def _companies(rng: random.Random) -> list[tuple[Company, generate.CompanySpec]]:
    taken = frozenset(Company.objects.exclude(domain="").values_list("domain", flat=True))
    specs = list(generate.companies(rng, COMPANY_COUNT, taken_domains=taken))
    created = Company.objects.bulk_create(
        [
            Company(
                name=spec.name,
                domain=spec.domain,
                industry=spec.industry,
                employee_count=spec.employee_count,
                size_band=spec.size_band,
                annual_revenue_band=spec.annual_revenue_band,
                country=spec.country,
            )
            for spec in specs
        ],
        batch_size=BATCH_SIZE,
    )
    return list(zip(created, specs, strict=True))


def _leads(rng, now, companies, campaigns, owners) -> tuple[list[Lead], list[generate.LeadStory]]:
    leads, stories = [], []
    for serial in range(1, LEAD_COUNT + 1):
        # A few accounts have many people in the funnel, most have a handful.
        company, spec = companies[int(len(companies) * rng.random() ** 1.7)]
        story = generate.lead_story(rng, size_index=spec.size_index, industry=spec.industry)
        campaign = generate.campaign_for(rng, story.channel, campaigns)
        source, medium, utm_campaign = generate.utm_for(
            story.channel, campaign.name if campaign else ""
        )
        score = generate.scores(story.fit, story.engagement)
        lead = Lead(
            email=generate.email_for(story, spec.domain, serial),
            first_name=story.first_name,
            last_name=story.last_name,
            job_title=story.job_title,
            seniority=story.seniority,
            department=story.department,
            phone=f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            company=company,
            country=spec.country,
            original_channel=story.channel,
            original_utm_source=source,
            original_utm_medium=medium,
            original_utm_campaign=utm_campaign,
            latest_channel=story.channel,
            latest_utm_source=source,
            latest_utm_medium=medium,
            latest_utm_campaign=utm_campaign,
            campaign=campaign,
            owner=rng.choice(owners) if story.owned else None,
            stage=story.stage,
            stage_changed_at=_at(now, story.stage_changed),
            fit_score=score["fit"],
            engagement_score=score["engagement"],
            total_score=score["total"],
            temperature=score["temperature"],
            grade=score["grade"],
            scored_at=_at(now, rng.randint(0, 60)),
            budget_confirmed=story.sql_checklist,
            authority_confirmed=story.sql_checklist,
            need_confirmed=story.sql_checklist,
            timeline_confirmed=story.sql_checklist,
            created_at=_at(now, story.created),
        )
        if rng.random() < 0.8:
            lead.consent = Consent.GRANTED
            lead.consent_source, lead.consent_at = CONSENT_SOURCES[story.channel], lead.created_at
        leads.append(lead)
        stories.append(story)
    created = Lead.objects.bulk_create(leads, batch_size=BATCH_SIZE)
    leads_search_write(Lead.objects.filter(pk__in=[lead.pk for lead in created]))
    return created, stories


def _transitions(rng, now, leads, stories) -> None:
    """Each lead's path through the funnel, as its history (the leads already hold the stage
    they reached), written by the lifecycle like every stage change."""
    history = []
    reasons = dict(RejectionReason.objects.values_list("code", "id"))
    for lead, story in zip(leads, stories, strict=True):
        previous = ""
        for step, (stage, minutes_ago) in enumerate(zip(story.path, story.times, strict=True)):
            by_rule = step == 0 or stage in generate.MARKETING_RULES
            code, words = generate.transition_rejection(rng, stage, step, story.rejection)
            history.append(
                StageChange(
                    lead_id=lead.pk,
                    from_stage=previous,
                    to_stage=stage,
                    at=_at(now, minutes_ago),
                    actor_id=None if by_rule else lead.owner_id,
                    rule=(
                        ("Form submitted" if step == 0 else generate.MARKETING_RULES[stage])
                        if by_rule
                        else ""
                    ),
                    reason=words,
                    rejection_reason_id=reasons.get(code) if not by_rule else None,
                    scores=story.snapshot(step),
                )
            )
            previous = stage
    stage_changes_write(history, apply=False)


def _events(rng, now, leads, stories) -> None:
    rows = []
    for lead, story in zip(leads, stories, strict=True):
        for event in generate.lead_events(rng, story):
            rows.append(
                Event(
                    lead=lead,
                    type=event.type,
                    occurred_at=_at(now, event.minutes_ago),
                    properties=generate.event_properties(rng, event.type),
                    channel=story.channel,
                    campaign=lead.campaign if rng.random() < 0.5 else None,
                )
            )
        if story.unsubscribed:
            at = _at(now, story.stage_changed)
            rows.append(Event(lead=lead, type="unsubscribe", occurred_at=at, channel="email"))
    Event.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    unsubscribes_apply(events=rows)


def _sales_activity(rng, now, leads, stories) -> None:
    touches, notes = [], []
    for lead, story in zip(leads, stories, strict=True):
        # Worked by its owner since it was accepted, or since it became the MQL it still is.
        worked = story.reached_sal
        if worked is None and story.stage == Stage.MQL:
            worked = story.reached_mql
        if lead.owner is None or worked is None:
            continue
        for kind, outcome, minutes_ago in generate.lead_touches(rng, story):
            touches.append(
                Touch(
                    lead=lead, kind=kind, outcome=outcome, at=_at(now, minutes_ago), by=lead.owner
                )
            )
        if story.stage != Stage.SAL or rng.random() < 0.5:
            notes.append(
                Note(
                    lead=lead,
                    body=rng.choice(generate.NOTES),
                    author=lead.owner,
                    created_at=_at(now, rng.randint(0, worked)),
                )
            )
    Touch.objects.bulk_create(touches, batch_size=BATCH_SIZE)
    Note.objects.bulk_create(notes, batch_size=BATCH_SIZE)


# Where the demo's leads gave their consent, by their first channel.
CONSENT_SOURCES = defaultdict(
    lambda: "Sign-up form",
    {
        Channel.EVENT: "Badge scan at an event",
        Channel.REFERRAL: "Referral form",
        Channel.PARTNER: "Partner's form",
        Channel.IMPORT: "Offline import",
        Channel.OUTBOUND: "Told a rep on a call",
    },
)


def demo_privacy_load(*, admin) -> int:
    """Two people's requests, carried out by ``admin``: one asked for their data, another
    for it and then its erasure. Does nothing when any request exists; returns how many."""
    from leads.privacy import lead_erase, lead_export

    if admin is None or PrivacyRequest.objects.exists():
        return 0
    leads = Lead.objects.filter(erased_at__isnull=True).order_by("pk")
    asked = leads.filter(stage=Stage.CUSTOMER).first()
    erased = leads.filter(stage=Stage.DISQUALIFIED).first()
    if asked is None or erased is None:
        return 0
    lead_export(lead=asked, actor=admin, reference="DSR-2026-014")
    lead_export(lead=erased, actor=admin, reference="DSR-2026-011")
    lead_erase(lead=erased, actor=admin, confirm_email=erased.email, reference="DSR-2026-011")
    return 3
