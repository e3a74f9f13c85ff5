"""Text rules ignore case the same way on PostgreSQL (production) and on SQLite (the embedded
demo), for text that is not ASCII: each text operator of the fit rules, of the engagement rules'
property filters and of the MQL criteria's attribute conditions, scored, explained and
qualified on both databases through the services the demo calls.

PostgreSQL (``C.UTF-8``) and the demo lower-case each character alone, by its one-character
mapping in Unicode. Python's ``str.lower`` agrees with them except on two characters: the
Turkish dotted ``İ`` becomes ``i`` in the databases and ``i̇`` (i and a combining dot) in
Python, and a capital sigma ending a word becomes ``σ`` in the databases and the final ``ς`` in
Python. Neither folds ``ß`` to ``ss``: ``Straße`` and ``STRASSE`` differ on both databases,
while the capital ``ẞ`` lowers to ``ß`` on both.
"""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connections, router
from django.db.models import Value

from leads.models import Company, Lead, Stage, StageTransition
from leads.scoring.engine import leads_score
from leads.scoring.explain import score_explanation
from leads.scoring.models import QualificationCondition, QualificationCriteria
from leads.scoring.qualification import leads_qualify
from smarketing.db import Folded
from tests.factories import CompanyFactory, EventFactory, LeadFactory
from tests.leads.scoring.helpers import NOW, make_model
from tests.routing import use_database

pytestmark = pytest.mark.django_db(databases=["default", "sqlite"])


@pytest.fixture(params=["default", "sqlite"], ids=["postgresql", "sqlite"])
def database(request) -> str:
    """Every query of the test on PostgreSQL, or on SQLite as in the embedded demo."""
    with use_database(request.param):
        yield connections[router.db_for_write(Lead)].vendor


# Fit rules and MQL conditions: attribute, operator, value, lead fields, company fields, matches.
ATTRIBUTE_CASES = {
    "equals": ("company.industry", "equals", "éducation", {}, {"industry": "Éducation"}, True),
    "equals a capital sharp s": (
        "company.name", "equals", "großhandel müller", {}, {"name": "GROẞHANDEL MÜLLER"}, True,
    ),
    "equals keeps sharp s apart from ss": (
        "company.name", "equals", "strasse", {}, {"name": "Straße"}, False,
    ),
    "one of": (
        "company.industry", "one_of", ["Santé", "ÉDUCATION"], {}, {"industry": "éducation"}, True,
    ),
    "one of, none listed": (
        "company.industry", "one_of", ["Santé", "Énergie"], {}, {"industry": "Éducation"}, False,
    ),
    "contains": ("job_title", "contains", "ärzte", {"job_title": "Verband der ÄRZTE"}, {}, True),
    "contains keeps accents": (
        "job_title", "contains", "ärzte", {"job_title": "Verband der Arzte"}, {}, False,
    ),
    "starts with": (
        "job_title", "starts_with", "DIRECTRICE DE L'É", {"job_title": "Directrice de l'école"},
        {}, True,
    ),
    "starts with a dotted capital i": (
        "company.name", "starts_with", "istanbul", {}, {"name": "İSTANBUL Yazılım"}, True,
    ),
    "contains a percent sign as itself": (
        "job_title", "contains", "50% ÉLU", {"job_title": "Owns 5000 élus"}, {}, False,
    ),
    "contains a percent sign": (
        "job_title", "contains", "50% élu", {"job_title": "Top 50% ÉLU"}, {}, True,
    ),
    "starts with an underscore as itself": (
        "job_title", "starts_with", "r_d", {"job_title": "Rxd lead"}, {}, False,
    ),
    "contains a backslash": (
        "job_title", "contains", "R\\D", {"job_title": "Head of r\\d"}, {}, True,
    ),
}  # fmt: skip

# Engagement property filters: key, operator, value, the event's properties, matches.
PROPERTY_CASES = {
    "equals": ("asset_type", "equals", "étude de cas", {"asset_type": "ÉTUDE DE CAS"}, True),
    "contains": ("url", "contains", "/PRÉÇOS", {"url": "https://exemple.fr/préços/équipe"}, True),
    "contains keeps accents": (
        "url", "contains", "/préços", {"url": "https://exemple.fr/precos"}, False,
    ),
    "starts with": (
        "url", "starts_with", "HTTPS://EXEMPLE.FR/PRÉ", {"url": "https://exemple.fr/préços"}, True,
    ),
    "contains a percent sign as itself": (
        "url", "contains", "100%", {"url": "https://exemple.fr/10000"}, False,
    ),
    "starts with an underscore as itself": (
        "utm_campaign", "starts_with", "été_", {"utm_campaign": "ÉTÉ-2026"}, False,
    ),
}  # fmt: skip


def scored(lead: Lead, model) -> Lead:
    leads_score(model=model, leads=Lead.objects.filter(pk=lead.pk), now=NOW)
    return Lead.objects.select_related("scoring_model").get(pk=lead.pk)


def lead_with(lead_fields: dict, company_fields: dict) -> Lead:
    return LeadFactory(company=CompanyFactory(**company_fields), **lead_fields)


@pytest.mark.parametrize(
    ("attribute", "operator", "value", "lead_fields", "company_fields", "matches"),
    ATTRIBUTE_CASES.values(),
    ids=ATTRIBUTE_CASES.keys(),
)
def test_a_fit_rule_on_text_scores_and_explains_alike_on_both_databases(
    database, attribute, operator, value, lead_fields, company_fields, matches
):
    lead = lead_with(lead_fields, company_fields)
    model = make_model(fit=[(attribute, operator, value, 7)])
    lead = scored(lead, model)
    assert lead.fit_score == (7 if matches else 0)
    explanation = score_explanation(lead)
    assert [line.matched for line in explanation.fit_lines] == [matches]
    assert explanation.matches_stored


@pytest.mark.parametrize(
    ("key", "operator", "value", "properties", "matches"),
    PROPERTY_CASES.values(),
    ids=PROPERTY_CASES.keys(),
)
def test_an_event_property_filter_scores_and_explains_alike_on_both_databases(
    database, key, operator, value, properties, matches
):
    lead = LeadFactory()
    EventFactory(lead=lead, type="page_view", occurred_at=NOW, properties=properties)
    model = make_model(
        engagement=[
            {"event_type": "page_view", "points": 9, "property_key": key,
             "property_operator": operator, "property_value": value},
        ]
    )  # fmt: skip
    lead = scored(lead, model)
    assert lead.engagement_score == (9 if matches else 0)
    explanation = score_explanation(lead)
    assert [line.events for line in explanation.engagement_lines] == [1 if matches else 0]
    assert explanation.matches_stored


@pytest.mark.parametrize(
    ("attribute", "operator", "value", "lead_fields", "company_fields", "matches"),
    ATTRIBUTE_CASES.values(),
    ids=ATTRIBUTE_CASES.keys(),
)
def test_an_mql_condition_on_text_qualifies_alike_on_both_databases(
    database, attribute, operator, value, lead_fields, company_fields, matches
):
    QualificationCriteria.objects.all().delete()
    criteria = QualificationCriteria.objects.create(
        kind="mql", name="Text MQL", version=1, status="active", activated_at=NOW
    )
    QualificationCondition.objects.create(
        criteria=criteria, attribute=attribute, operator=operator, value=value, position=1
    )
    lead = lead_with(lead_fields, company_fields)
    assert leads_qualify(leads=Lead.objects.filter(pk=lead.pk), now=NOW) == (1 if matches else 0)
    lead.refresh_from_db()
    assert lead.stage == (Stage.MQL if matches else Stage.LEAD)
    assert StageTransition.objects.filter(lead=lead, rule="Text MQL").count() == (
        1 if matches else 0
    )


def test_the_sqlite_cases_run_on_the_demo_database():
    """The routing above is what makes the SQLite half mean something: a lead written under it
    is in the SQLite database and not in PostgreSQL."""
    with use_database("sqlite"):
        lead = LeadFactory()
    assert Lead.objects.using("sqlite").filter(pk=lead.pk).exists()
    assert not Lead.objects.using("default").filter(email=lead.email).exists()


# The folding itself -------------------------------------------------------------------------


def folded_on(alias: str, text: str) -> str:
    """``text`` as the compiler's case folding leaves it, computed by the database ``alias``."""
    with use_database(alias):
        company = CompanyFactory()
        return (
            Company.objects.filter(pk=company.pk)
            .annotate(folded=Folded(Value(text)))
            .values_list("folded", flat=True)
            .get()
        )


def test_sqlite_lower_cases_every_character_as_postgresql_does():
    # Every character Python's Unicode tables know, one a line: unassigned code points and
    # surrogates are left out (a newer PostgreSQL may know characters this Python does not).
    characters = [
        chr(code)
        for code in range(1, 0x110000)
        if unicodedata.category(chr(code)) not in ("Cn", "Cs") and chr(code) != "\n"
    ]
    text = "\n".join(characters)
    on_sqlite = folded_on("sqlite", text).split("\n")
    on_postgresql = folded_on("default", text).split("\n")
    assert len(on_sqlite) == len(on_postgresql) == len(characters)
    differing = [
        f"U+{ord(character):04X} {character}: {sqlite!r} on SQLite, {postgresql!r} on PostgreSQL"
        for character, sqlite, postgresql in zip(characters, on_sqlite, on_postgresql, strict=True)
        if sqlite != postgresql
    ]
    assert differing == []


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ÉDUCATION", "éducation"),
        ("/PRÉÇOS", "/préços"),
        ("ÄRZTE", "ärzte"),
        ("İSTANBUL", "istanbul"),
        ("ΟΔΟΣ ΣΑΣ", "οδοσ σασ"),
        ("GROẞHANDEL", "großhandel"),
        ("Straße", "straße"),
    ],
)
def test_both_databases_fold_words_as_postgresql_does(text, folded):
    assert folded_on("default", text) == folded
    assert folded_on("sqlite", text) == folded
