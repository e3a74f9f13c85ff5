"""The demo's content library: twenty assets across kinds, journey stages and the demo
personas, sent to demo leads by the demo sales users and rated by them.

Personas are found or created by name, so this works whether or not their full profiles were
loaded first. Sends go through ``content_send`` (each logs its touch), ratings through
``content_rate``. Does nothing once any asset exists.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from journeys.models import ContentAsset, ContentKind, ContentStatus, JourneyStage
from journeys.services import content_asset_create
from leads.content.services import content_rate, content_send
from leads.models import Lead, Stage
from personas.models import Persona

MARY, OLIVER, FIONA, IVAN = "Marketing Mary", "Ops Oliver", "Founder Fiona", "IT Ivan"
LIVE, DRAFT, RETIRED = ContentStatus.LIVE, ContentStatus.DRAFT, ContentStatus.RETIRED
K = ContentKind
SITE = "https://smarketing.example.com"

# title, kind, status, stage keys, persona names, summary (no stage and no persona: for
# everyone, so suggested on every lead page)
ASSETS = [
    (
        "The alignment playbook",
        K.WHITEPAPER,
        LIVE,
        ["awareness"],
        [MARY, FIONA],
        "Why sales and marketing drift apart, and the five habits that bring them back together.",
    ),
    (
        "State of lead quality 2026",
        K.WHITEPAPER,
        LIVE,
        ["awareness"],
        [],
        "Survey of 400 revenue teams: how many MQLs sales actually works, and why.",
    ),
    (
        "Webinar: one funnel, two teams",
        K.WEBINAR,
        LIVE,
        ["awareness", "consideration"],
        [MARY],
        "45 minutes with our head of marketing on shared definitions of MQL and SQL.",
    ),
    (
        "Five signs your CRM is hiding revenue",
        K.EMAIL_TEMPLATE,
        LIVE,
        ["awareness"],
        [OLIVER],
        "A first-touch e-mail for operations leads who live in spreadsheets.",
    ),
    (
        "Product tour: the shared pipeline",
        K.PRODUCT_GUIDE,
        LIVE,
        [],
        [],
        "Ten-minute guided tour of the board, the queue and the lead page.",
    ),
    (
        "How Northwind cut MQL response time to 2 hours",
        K.CASE_STUDY,
        LIVE,
        ["consideration", "decision"],
        [MARY, OLIVER],
        "A 60-person SaaS company's first quarter with an SLA between the teams.",
    ),
    (
        "Security and data protection overview",
        K.PRODUCT_GUIDE,
        LIVE,
        ["consideration", "decision"],
        [IVAN],
        "Hosting, encryption, SSO, audit trail and GDPR answers for IT reviews.",
    ),
    (
        "Integration guide: webhooks and the REST API",
        K.PRODUCT_GUIDE,
        LIVE,
        ["consideration"],
        [IVAN],
        "Pushing leads and events from forms, product analytics and the website.",
    ),
    (
        "Nurture sequence: from subscriber to MQL",
        K.SEQUENCE,
        LIVE,
        ["consideration"],
        [MARY],
        "Six e-mails over three weeks, each answering one consideration-stage question.",
    ),
    (
        "Battle card: us vs. the spreadsheet",
        K.BATTLE_CARD,
        LIVE,
        ["decision"],
        [OLIVER, FIONA],
        "Where a shared spreadsheet breaks down, with the questions that show it.",
    ),
    (
        "Battle card: us vs. the all-in-one suites",
        K.BATTLE_CARD,
        LIVE,
        [],
        [],
        "Time to value, price per seat and what the big suites charge extra for.",
    ),
    (
        "Objection handling: “we already have a CRM”",
        K.OBJECTION_HANDLING,
        LIVE,
        ["decision"],
        [FIONA, OLIVER],
        "Answers that keep their CRM and add the alignment layer on top.",
    ),
    (
        "Objection handling: price and budget timing",
        K.OBJECTION_HANDLING,
        LIVE,
        ["decision", "purchase"],
        [FIONA],
        "Quarterly billing, a pilot team, and the ROI sheet.",
    ),
    (
        "ROI calculator walkthrough",
        K.PRODUCT_GUIDE,
        LIVE,
        ["decision"],
        [FIONA],
        "How to fill the calculator with the prospect's own funnel numbers.",
    ),
    (
        "Onboarding checklist for new customers",
        K.TRAINING,
        LIVE,
        ["purchase"],
        [],
        "The first 30 days: users, SLA terms, scoring model, the first weekly meeting.",
    ),
    (
        "Contract and procurement FAQ",
        K.OTHER,
        LIVE,
        ["purchase"],
        [IVAN],
        "DPA, invoicing, vendor forms and the security questionnaire.",
    ),
    (
        "Quarterly business review template",
        K.EMAIL_TEMPLATE,
        LIVE,
        ["retention"],
        [MARY, FIONA],
        "What we show customers each quarter: volumes, conversion, SLA and goals.",
    ),
    (
        "Advanced scoring training for admins",
        K.TRAINING,
        LIVE,
        ["retention"],
        [OLIVER, IVAN],
        "Backtesting a draft model and reading its impact before activating it.",
    ),
    (
        "Customer referral programme",
        K.EMAIL_TEMPLATE,
        DRAFT,
        ["retention"],
        [],
        "Draft: the invitation customers get after their second renewal.",
    ),
    (
        "2024 pricing sheet",
        K.OTHER,
        RETIRED,
        ["decision"],
        [],
        "Retired: replaced by the ROI calculator walkthrough.",
    ),
]
# A short file for some assets, so the demo shows downloads as well as links.
FILES = {
    "Objection handling: “we already have a CRM”": "objections-we-have-a-crm.md",
    "Onboarding checklist for new customers": "onboarding-checklist.md",
}
NOTES_USEFUL = [
    "They forwarded it to their VP.",
    "Answered the question they kept coming back to.",
    "Booked a demo the next day.",
    "Good fit for where they are.",
    "",
]
NOTES_NOT_USEFUL = [
    "Too long for a first touch.",
    "They wanted pricing, not a case study.",
    "Not their industry.",
    "",
]
SEND_STAGES = [Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER]
SEND_COUNT = 80


def _file(title: str, name: str) -> ContentFile:
    body = f"# {title}\n\nA short version of this asset for the demo.\n"
    return ContentFile(body.encode(), name=name)


@transaction.atomic
def demo_content_load(*, owner, senders: list, seed: int = 24) -> int:
    """Create the demo's assets, sends and ratings; returns how many assets it created."""
    if ContentAsset.objects.exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, seeded for repeatability
    personas = {
        name: Persona.objects.get_or_create(name=name)[0] for name in (MARY, OLIVER, FIONA, IVAN)
    }
    stages = {stage.key: stage for stage in JourneyStage.objects.all()}
    assets = []
    for title, kind, status, stage_keys, persona_names, summary in ASSETS:
        name = FILES.get(title)
        slug = "-".join(title.lower().split())[:60]
        assets.append(
            content_asset_create(
                by=owner,
                title=title,
                kind=kind,
                status=status,
                summary=summary,
                link="" if name else f"{SITE}/content/{slug}",
                file=_file(title, name) if name else None,
                stages=[stages[key] for key in stage_keys if key in stages],
                personas=[personas[persona] for persona in persona_names],
            )
        )
    _sends(rng, [asset for asset in assets if asset.is_live], senders)
    return len(assets)


def _sends(rng: random.Random, assets: list[ContentAsset], senders: list) -> None:
    if not senders:
        return
    leads = list(
        Lead.objects.filter(stage__in=SEND_STAGES, owner__in=senders)
        .select_related("owner")
        .order_by("id")[:400]
    )
    now = timezone.now()
    for lead in rng.sample(leads, min(SEND_COUNT, len(leads))):
        # Well-rated assets are sent more: the library's favourites show on its list.
        asset = assets[min(int(rng.expovariate(0.18)), len(assets) - 1)]
        at = max(lead.created_at, now - timedelta(days=rng.randint(5, 120)))
        send = content_send(asset=asset, lead=lead, by=lead.owner, at=at)
        if rng.random() < 0.7:
            useful = rng.random() < (0.8 if assets.index(asset) % 3 else 0.45)
            notes = NOTES_USEFUL if useful else NOTES_NOT_USEFUL
            rated = min(now, at + timedelta(days=rng.randint(1, 5)))
            content_rate(send=send, by=lead.owner, useful=useful, note=rng.choice(notes), at=rated)
