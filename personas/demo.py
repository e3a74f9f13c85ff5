"""The demo's personas: four buyers the demo's leads could be (its companies are mostly
software, financial and professional services, manufacturing and healthcare, of every size),
each with a full profile, written through the services so that each has a history. One was
last reviewed long ago and needs a review. Leads are not given personas here: the matching
rules do that.
"""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from personas.models import InsightStatus, Persona, PersonaInsight
from personas.services import (
    persona_create,
    persona_insight_decide,
    persona_insight_share,
    persona_mark_reviewed,
    persona_update,
)

PERSONAS: tuple[dict, ...] = (
    {
        "name": "Marketing Mary",
        "summary": "Head of marketing at a mid-size SaaS company, measured on pipeline, not on clicks.",
        "age_min": 32, "age_max": 45, "gender": "any", "location": "Cities in the US, UK and Germany; works hybrid",
        "marital_status": "mostly_partnered", "children": "young",
        "job_titles": "VP Marketing, Director of Marketing, Head of Demand Generation.\nOwns the marketing budget and the MQL target; reports to the CEO or the CRO.",
        "industries": ["Software", "Professional services"], "education": "master",
        "income_min": 120_000, "income_max": 190_000, "income_currency": "USD",
        "goals": "Hit the quarter's pipeline target with a budget that did not grow.\nProve which campaigns bring customers, not just leads.",
        "challenges": "Sales says the leads are poor; marketing says sales does not call them.\nToo many tools, none of which agree on the numbers.",
        "how_we_help": "One lead score and one MQL definition both teams signed, and a weekly screen that shows what happened to every MQL.",
        "pain_points": "MQLs that sit untouched for days.\nNo way to show the board which channel produces revenue.",
        "needs": "A shared funnel from lead to customer, and sales feedback on every rejected lead.",
        "how_we_address": "The SLA clock on each MQL, rejection reasons by campaign and persona, and conversion by source.",
        "research_preference": "both",
        "research_sources": ["search", "review_sites", "peers", "communities"],
        "buying_factors": ["reputation", "integrations", "ease_of_use", "time_to_value"],
        "buying_notes": "Shortlists three vendors from peers' advice and G2; needs the CRO's agreement and IT's security review.",
        "social_platforms": ["linkedin", "youtube", "slack"],
        "content_types": ["case_study", "webinar", "template", "research"],
        "communities": "Pavilion, the MarketingProfs newsletter, a private Slack of SaaS CMOs.",
        "interests": "Running, cooking for friends, the occasional marketing podcast on the commute.",
        "free_time": "Weekends with the family; a city break twice a year.",
        "contact_channels": ["email", "video_call"],
        "messaging": "Numbers first: what changed for a company like hers, in a quarter. No buzzwords.",
        "values": "Fairness between teams, evidence over opinion.",
        "influencers": "Her CRO, peers at other SaaS companies, analysts' reports.",
        "priorities": ["time_saving", "reliability"],
        "objections": "Another tool to roll out; will sales actually use it?",
        "barriers": "A CRM contract that runs another year; the time it takes to migrate history.",
        "brand_loyalty": "medium", "trusted_brands": "HubSpot, Slack, Notion, Gong.",
        "feedback": "Attribution in her current tools is a black box.",
        "suggestions": "Show sales' reasons for rejecting leads next to the campaign that sent them.",
    },
    {
        "name": "Ops Oliver",
        "summary": "Operations director at a manufacturer, buying to cut the time between an order and its delivery.",
        "age_min": 40, "age_max": 58, "gender": "mostly_men", "location": "Industrial regions of Germany, Poland, the US Midwest",
        "marital_status": "mostly_partnered", "children": "older",
        "job_titles": "Director of Operations, COO, Plant Manager.\nRuns production and logistics; signs off on anything that touches the shop floor.",
        "industries": ["Manufacturing", "Logistics"], "education": "bachelor",
        "income_min": 110_000, "income_max": 170_000, "income_currency": "EUR",
        "goals": "Fewer late orders, steady output, a team that is not firefighting.",
        "challenges": "Legacy ERP, spreadsheets passed around by e-mail, suppliers who miss dates.",
        "how_we_help": "A clear view of each order's status shared with sales, so promises to customers are ones the plant can keep.",
        "pain_points": "Sales promises dates operations cannot meet.",
        "needs": "Reliable data, proven in a plant like his, with support in his language.",
        "how_we_address": "References from manufacturers, an on-site pilot, a named support contact.",
        "research_preference": "word_of_mouth",
        "research_sources": ["peers", "events", "vendor_sites", "sales"],
        "buying_factors": ["quality", "support", "price", "reviews"],
        "buying_notes": "Decides slowly and with finance; wants a pilot and a fixed price.",
        "social_platforms": ["linkedin", "youtube"],
        "content_types": ["case_study", "video", "whitepaper"],
        "communities": "Trade fairs (Hannover Messe), his industry association's newsletter.",
        "interests": "Cycling, woodworking, football on Saturdays.",
        "free_time": "Family, the garden, a holiday by the sea each summer.",
        "contact_channels": ["phone", "in_person", "email"],
        "messaging": "Concrete, plain, and from someone who has seen a plant. Reference customers by name.",
        "values": "Reliability, doing what you said you would.",
        "influencers": "His CFO, the plant managers, other operations directors he meets at fairs.",
        "priorities": ["reliability", "cost_savings"],
        "objections": "Will it work with our ERP? Who supports it at 6 in the morning?",
        "barriers": "Capital budget cycles; IT's queue of projects.",
        "brand_loyalty": "high", "trusted_brands": "SAP, Siemens, Microsoft.",
        "feedback": "Vendors' demos never look like his plant.",
        "suggestions": "Start with one line, then roll out.",
    },
    {
        "name": "Founder Fiona",
        "summary": "Founder of a small agency who buys herself, quickly, and on a card.",
        "age_min": 28, "age_max": 42, "gender": "mostly_women", "location": "Cities across Europe; often remote",
        "marital_status": "mixed", "children": "mixed",
        "job_titles": "Founder & CEO, Managing Partner.\nDoes sales, hiring and the accounts herself.",
        "industries": ["Professional services", "Media"], "education": "bachelor",
        "income_min": 60_000, "income_max": 120_000, "income_currency": "EUR",
        "goals": "Grow the agency to twenty people without losing its best clients.",
        "challenges": "No time; every hour on admin is an hour not billed.",
        "how_we_help": "Set up in an afternoon; a pipeline she can read on her phone.",
        "pain_points": "Leads scattered across inboxes and spreadsheets; follow-ups forgotten.",
        "needs": "Simple, cheap to start, and no sales call to get a price.",
        "how_we_address": "The embedded demo, a clear price, templates she can copy.",
        "research_preference": "online",
        "research_sources": ["search", "social", "review_sites"],
        "buying_factors": ["price", "ease_of_use", "time_to_value"],
        "buying_notes": "Tries it the same day; buys within a week or forgets about it.",
        "social_platforms": ["linkedin", "instagram", "x"],
        "content_types": ["blog", "template", "podcast", "newsletter"],
        "communities": "Indie founder newsletters, a local founders' meetup.",
        "interests": "Design, travel, yoga.",
        "free_time": "Exhibitions, long dinners, a new city when she can.",
        "contact_channels": ["email", "chat", "social"],
        "messaging": "Short, friendly, useful on its own: a template or a tip, not a pitch.",
        "values": "Independence, craft, treating clients well.",
        "influencers": "Other founders, her accountant, her clients' habits.",
        "priorities": ["convenience", "time_saving", "sustainability"],
        "objections": "Too big a tool for a small team? Will the price jump next year?",
        "barriers": "Cash flow in a slow month.",
        "brand_loyalty": "low", "trusted_brands": "Notion, Figma, Google Workspace.",
        "feedback": "Most CRMs feel built for someone else's sales team.",
        "suggestions": "A plan for teams under ten.",
    },
    {
        "name": "IT Ivan",
        "summary": "IT director at a bank or insurer, who must say yes before anyone signs.",
        "age_min": 38, "age_max": 55, "gender": "mostly_men", "location": "Financial centres: London, Frankfurt, New York, Zurich",
        "marital_status": "mostly_partnered", "children": "older",
        "job_titles": "Director of IT, CIO, Head of Information Security.\nOwns the vendor risk review and the integration work.",
        "industries": ["Financial services"], "education": "master",
        "income_min": 140_000, "income_max": 230_000, "income_currency": "GBP",
        "goals": "No incidents, no surprises in the audit, fewer systems to look after.",
        "challenges": "Regulators' demands grow every year; his team does not.",
        "how_we_help": "Self-hosted, open source, with an audit trail of every change to the rules and the data.",
        "pain_points": "Shadow IT: business teams buying tools he then has to secure.",
        "needs": "Data in his own region, single sign-on, a clear security answer pack.",
        "how_we_address": "It runs on their own PostgreSQL; the history of personas, criteria and scores is kept.",
        "research_preference": "both",
        "research_sources": ["analysts", "peers", "vendor_sites"],
        "buying_factors": ["security", "reputation", "support", "integrations"],
        "buying_notes": "Long procurement: a security questionnaire, a legal review, then a pilot.",
        "social_platforms": ["linkedin"],
        "content_types": ["whitepaper", "research", "webinar"],
        "communities": "CIO roundtables, his bank's architecture board.",
        "interests": "Sailing, chess, history books.",
        "free_time": "Family, the club at weekends.",
        "contact_channels": ["email", "in_person"],
        "messaging": "Precise and sober: how data is stored, who can see it, what happens in an incident.",
        "values": "Prudence, accountability.",
        "influencers": "The risk committee, analysts, his peers at other banks.",
        "priorities": ["privacy", "reliability"],
        "objections": "Open source: who is accountable when it breaks?",
        "barriers": "Procurement's approved-vendor list.",
        "brand_loyalty": "high", "trusted_brands": "Microsoft, Salesforce, Red Hat.",
        "feedback": "Vendors answer security questions with marketing.",
        "suggestions": "Publish the security documentation openly.",
    },
)  # fmt: skip

# A change made after creation, so the demo's history shows one.
MARY_LATER = {"buying_factors": ["reputation", "integrations", "ease_of_use", "support"]}
STALE = "Ops Oliver"
# The demo's campaigns (``leads.generate.campaigns``) aimed at a persona, so the persona pages
# list them. Leads are left to the matching rules.
CAMPAIGN_TARGETS = {
    "LinkedIn: revenue leaders": "Marketing Mary",
    "SaaStr booth and meetings": "Marketing Mary",
    "Q1 lead scoring webinar series": "Marketing Mary",
    "Partner referral programme": "Founder Fiona",
    "Funnel benchmark report 2025": "IT Ivan",
}


@transaction.atomic
def demo_personas_load(*, author) -> int:
    """Create the demo personas that are missing, owned and written by ``author`` (a
    marketer). Returns how many it created."""
    existing = set(Persona.objects.values_list("name", flat=True))
    created = 0
    for profile in PERSONAS:
        if profile["name"] in existing:
            continue
        persona = persona_create(actor=author, data=profile)
        created += 1
        if profile["name"] == "Marketing Mary":
            persona_update(persona=persona, actor=author, data=MARY_LATER)
        if profile["name"] == STALE:
            long_ago = timezone.localdate() - timedelta(days=settings.PERSONA_REVIEW_DAYS + 30)
            persona_mark_reviewed(persona=persona, actor=author, on=long_ago)
    _campaigns_target()
    return created


def _campaigns_target() -> None:
    """Aim the demo's campaigns that target nobody yet at their personas."""
    campaigns = apps.get_model("leads", "Campaign").objects.filter(target_persona__isnull=True)
    personas = dict(Persona.objects.values_list("name", "pk"))
    for campaign_name, persona_name in CAMPAIGN_TARGETS.items():
        if persona_name in personas:
            campaigns.filter(name=campaign_name).update(target_persona_id=personas[persona_name])


# What the teams shared about the personas, for the weekly persona review: (persona, who
# shared it, days ago, the part of the profile it speaks to, the insight, and what marketing
# decided, with how many days ago).
INSIGHTS: tuple[tuple, ...] = (
    ("Marketing Mary", "sales", 2, "buying",
     "Two of this week's demos opened with “does it sync with HubSpot?” before anything about scoring.",
     None),
    ("Marketing Mary", "sales", 5, "online",
     "They forward our case studies to their CRO; the ones with a revenue figure get replies.",
     None),
    ("Marketing Mary", "manager", 24, "objections",
     "Lost the Northwind deal “on price” on paper; their CMO wanted a named support contact.",
     (InsightStatus.ADOPTED, 20)),
    ("Founder Fiona", "sales", 1, "communication",
     "Founders book calls after 6 pm their time; morning slots are the ones that no-show.",
     None),
    ("Founder Fiona", "manager", 15, "buying",
     "Most want a monthly plan they can cancel; annual upfront stalls the deal.",
     (InsightStatus.ADOPTED, 12)),
    ("IT Ivan", "sales", 3, "objections",
     "Asks for the SSO and data-residency answers before he agrees to a demo.",
     None),
    ("IT Ivan", "manager", 10, "values",
     "Sees us as a marketing tool and wants to talk to engineering instead.",
     (InsightStatus.SET_ASIDE, 8)),
    ("Ops Oliver", "sales", 6, "professional",
     "In two accounts his team now owns the CRM migration budget: he signs, not just advises.",
     None),
    ("Ops Oliver", "manager", 9, "objections",
     "Turns down anything that needs a consultant to set up.",
     None),
)  # fmt: skip


@transaction.atomic
def demo_insights_load(*, users: dict, decider) -> int:
    """Share the demo's insights that are missing, as the named ``users`` (username → user),
    dated days ago, and record marketing's decisions as ``decider``. Returns how many it
    shared."""
    personas = {persona.name: persona for persona in Persona.objects.all()}
    now = timezone.now()
    shared = 0
    for name, username, days_ago, section, body, decision in INSIGHTS:
        persona, author = personas.get(name), users.get(username)
        if persona is None or author is None:
            continue
        insight, created = persona_insight_share(
            persona=persona, author=author, body=body, section=section
        )
        if not created:
            continue
        shared += 1
        PersonaInsight.objects.filter(pk=insight.pk).update(
            created_at=now - timedelta(days=days_ago, hours=3)
        )
        if decision is not None:
            status, decided_days_ago = decision
            persona_insight_decide(insight=insight, actor=decider, status=status)
            PersonaInsight.objects.filter(pk=insight.pk).update(
                decided_at=now - timedelta(days=decided_days_ago, hours=1)
            )
    return shared
