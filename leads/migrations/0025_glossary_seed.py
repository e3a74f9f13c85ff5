"""The glossary both teams start from: the vocabulary of DESIGN.md in words for marketing and
sales alike. MQL, SQL, hot, warm, cold and grade are generated from the definitions in force
when read, so they are seeded with their name alone.

Written here as they were on the day (not through the service), so that this migration keeps
doing the same thing whatever the service becomes; a term already there is left as it is."""

from django.db import migrations

# slug, name, stands for, one sentence, definition, generated from
# fmt: off
TERMS = [
    (
        "lead", "Lead", "",
        "A person who may buy from us and has given us a way to reach them.",
        "Both teams mean the same person: someone who showed interest (a form, an event, an "
        "import, a rep's conversation) and who belongs to a company. A lead is one e-mail "
        "address: the same address never makes two leads. “Lead” is also the stage after "
        "subscriber, before the lead is qualified.",
        "",
    ),
    (
        "subscriber", "Subscriber", "",
        "Someone who follows our content (a newsletter, a blog) but has not yet shown buying "
        "interest.",
        "The first lifecycle stage. Marketing nurtures subscribers; sales does not contact them "
        "yet.",
        "",
    ),
    ("mql", "MQL", "Marketing-qualified lead", "", "", "mql"),
    (
        "sal", "SAL", "Sales-accepted lead",
        "An MQL a rep has accepted: sales agrees it is worth working.",
        "When a rep accepts an MQL, sales takes it over and the SLA's first-touch clock is "
        "running. A rep who does not accept an MQL recycles it with a reason, and that reason "
        "is marketing's feedback on lead quality.",
        "",
    ),
    ("sql", "SQL", "Sales-qualified lead", "", "", "sql"),
    (
        "opportunity", "Opportunity", "",
        "A qualified lead with a deal in progress: a proposal, a price, a decision date.",
        "The stage after SQL. Sales owns it; marketing supports it with content for the "
        "decision and purchase stages of the journey (case studies, objection handling).",
        "",
    ),
    (
        "customer", "Customer", "",
        "A lead whose company has bought from us.",
        "The stage after a won opportunity. Retention starts here: the journey's retention "
        "questions ask how satisfied they are and whether they would buy again.",
        "",
    ),
    (
        "evangelist", "Evangelist", "",
        "A customer who recommends us to others.",
        "The last lifecycle stage: referrals, reviews and case studies come from evangelists.",
        "",
    ),
    (
        "recycled", "Recycled", "",
        "A lead sent back to marketing's nurturing, with a reason, because it is not ready for "
        "sales now.",
        "A side exit of the funnel, not a dead end: the reason (too early, no budget, wrong "
        "contact) tells marketing what to nurture, and the lead can qualify again later.",
        "",
    ),
    (
        "disqualified", "Disqualified", "",
        "A lead that will not buy from us: not a fit, a competitor, a fake address.",
        "A side exit of the funnel. A disqualified lead is kept with its reason, so both teams "
        "learn which sources and campaigns bring leads that can never convert.",
        "",
    ),
    (
        "lifecycle-stage", "Lifecycle stage", "",
        "Where a lead stands in the funnel: subscriber, lead, MQL, SAL, SQL, opportunity, "
        "customer, evangelist, or recycled and disqualified.",
        "Every change of stage is recorded as a stage transition (from, to, when, who or which "
        "rule, why), so funnels and conversion rates are counted from what happened, not from "
        "where the leads stand today.",
        "",
    ),
    (
        "stage-transition", "Stage transition", "",
        "One move of a lead from one lifecycle stage to another, with when, who and why.",
        "Reports, the funnel and the audit of a lead read these rows. A move made by the "
        "qualification criteria names the criteria version it was made under.",
        "",
    ),
    (
        "conversion", "Conversion", "",
        "A lead moving on to the next stage that matters: the share of leads that do is the "
        "conversion rate.",
        "Always say from which stage to which: lead → MQL, MQL → SQL, SQL → customer. Both "
        "teams count conversions from the stage transitions, under the definition of the day "
        "each one happened.",
        "",
    ),
    (
        "fit-score", "Fit score", "",
        "How well a lead matches the customers we want: who they are, not what they did.",
        "Points from the lead's and its company's attributes (seniority, department, company "
        "size, revenue, persona), as the fit rules of the scoring model in force say. “How we "
        "score” lists every rule.",
        "",
    ),
    (
        "engagement-score", "Engagement score", "",
        "How much a lead has engaged with us lately: what they did, not who they are.",
        "Points for each behaviour event (a demo request, a pricing page view, a webinar, an "
        "e-mail click), fading with age through each rule's half-life, as the engagement rules "
        "of the scoring model in force say.",
        "",
    ),
    (
        "total-score", "Total score", "",
        "Fit plus engagement: the one lead score both teams use to rank leads.",
        "The temperature (hot, warm, cold) is a band of the total score; the MQL criteria may "
        "ask for a minimum total.",
        "",
    ),
    (
        "temperature", "Temperature", "",
        "Hot, warm or cold: how ready a lead is now, from its total score.",
        "The bands are set in the scoring model in force; see hot, warm and cold for where "
        "they start today.",
        "",
    ),
    ("hot", "Hot", "", "", "", "hot"),
    ("warm", "Warm", "", "", "", "warm"),
    ("cold", "Cold", "", "", "", "cold"),
    ("grade", "Grade", "", "", "", "grade"),
    (
        "scoring-model", "Scoring model", "",
        "The rules that give every lead its fit and engagement points, and the bands of "
        "temperature and grade.",
        "Kept as versions: an admin drafts one, tries it in the scoring lab, then activates it, "
        "and every lead is rescored. The version in force is the one “How we score” shows.",
        "",
    ),
    (
        "qualification-criteria", "Qualification criteria", "",
        "What both teams agreed makes a lead an MQL, and what makes it an SQL.",
        "Kept as versions like the scoring model. Each qualification records the version it "
        "was made under, so a report counts each MQL under the definition of its day.",
        "",
    ),
    (
        "sla", "SLA", "Service-level agreement",
        "The written agreement between the teams: what marketing delivers and how fast sales "
        "follows up.",
        "Marketing commits to a number and quality of MQLs; sales commits to a first touch "
        "within so many business hours of a lead becoming an MQL, and to so many attempts "
        "within so many days. Simple, explicit commitments that both teams can check.",
        "",
    ),
    (
        "sla-clock", "SLA clock", "",
        "The time a rep has left to follow up an MQL under the SLA.",
        "Each MQL starts its clock when it qualifies; it counts business hours and shows when "
        "the follow-up is due and when it was breached.",
        "",
    ),
    (
        "persona", "Persona", "Buyer persona",
        "A description of the person we sell to, that marketing and sales agree on.",
        "Built from twelve groups of questions: demographics, professional background, goals "
        "and challenges, pain points and needs, buying and online behaviour, interests, "
        "communication preferences, influences and values, objections, brand loyalty, and "
        "feedback. Matching rules say which leads fit it.",
        "",
    ),
    (
        "journey-stage", "Journey stage", "",
        "Where the buyer stands in their own journey: awareness, consideration, decision, "
        "purchase or retention.",
        "The buyer's side of the story, beside the lifecycle stage (ours). Each stage has its "
        "diagnostic questions and the content that serves it.",
        "",
    ),
    (
        "icp", "ICP", "Ideal customer profile",
        "The companies and people we serve best: the profile the fit score rewards.",
        "Industry, company size, revenue, roles: the fit rules of the scoring model put the "
        "ICP in numbers, the personas put it in words.",
        "",
    ),
    (
        "touch", "Touch", "",
        "One contact of a rep with a lead: a call, an e-mail, a meeting, a message.",
        "Touches are what the SLA counts: the first touch and the attempts after it.",
        "",
    ),
    (
        "feedback", "Feedback", "",
        "A rep's verdict on a lead or a piece of content, back to marketing.",
        "Accepted or rejected with a reason for a lead, useful or not for content: the closed "
        "loop that tells marketing what works.",
        "",
    ),
    (
        "campaign", "Campaign", "",
        "A marketing effort with a channel, dates and a budget that brings leads in.",
        "Leads keep the campaign that brought them, so both teams see which campaigns bring "
        "leads that convert, not only many leads.",
        "",
    ),
]
# fmt: on


def seed_glossary(apps, schema_editor):
    term = apps.get_model("leads", "GlossaryTerm")
    existing = set(term.objects.values_list("slug", flat=True))
    term.objects.bulk_create(
        term(
            slug=slug,
            name=name,
            stands_for=stands_for,
            short_definition=short,
            definition=definition,
            generated_from=generated_from,
        )
        for slug, name, stands_for, short, definition, generated_from in TERMS
        if slug not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("leads", "0024_glossary_terms")]

    operations = [migrations.RunPython(seed_glossary, migrations.RunPython.noop)]
