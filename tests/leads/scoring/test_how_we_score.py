"""How we score and qualify: every role reads the active scoring model and the MQL and SQL
criteria in plain language, on one page whose cost does not grow with the rules."""

import re

import pytest
from django.urls import reverse

from leads.scoring.models import FitRule, QualificationCriteria
from leads.scoring.qualification import criteria_cache_clear
from leads.scoring.services import scoring_model_activate, scoring_model_default
from tests.leads.scoring.helpers import make_model
from tests.leads.scoring.test_explain import page_text

pytestmark = pytest.mark.django_db

URL = reverse("scoring:how")


@pytest.fixture
def starter(admin_user):
    """The starter model, activated by the admin."""
    model = scoring_model_default(actor=admin_user)
    scoring_model_activate(model=model, actor=admin_user)
    return model


def test_every_role_reads_how_we_score(client_for, users_by_role, starter):
    for role, user in users_by_role.items():
        response = client_for(user).get(URL)
        assert response.status_code == 200, role
        assert "Seniority is C-level, vice president or owner / founder +20" in page_text(response)


def test_the_page_names_the_model_in_force_and_who_activated_it(
    client_for, rep, admin_user, starter
):
    text = page_text(client_for(rep).get(URL))
    assert f"Starter model (version {starter.version}) is in force since" in text
    assert f"activated by {admin_user.get_full_name()}." in text
    assert "Fit on role and company size; engagement from buying signals, decayed." in text


def test_fit_rules_read_in_words_under_their_groups_and_caps(client_for, marketer, starter):
    text = page_text(client_for(marketer).get(URL))
    role = text.index("Role · together at most ±30 Points")
    company = text.index("Company · together at most ±30 Points")
    other = text.index("Other fit rules Points")
    assert role < text.index("Seniority is director or manager +12") < company
    assert "Seniority is entry level −5" in text[role:company]
    assert company < text.index("Company size is 201–1,000, 1,001–5,000 or 5,001+ +20") < other
    assert "Company annual revenue is $50M–250M, $250M–1B or over $1B +10" in text
    assert other < text.index("Phone is set +3") < text.index("E-mail contains “@gmail.” −10")


def test_engagement_rules_caps_and_bands_read_in_words(client_for, rep, starter):
    response = client_for(rep).get(URL)
    text = page_text(response)
    assert "Requested a demo +40 each, halving every 90 days, capped at +60 in all" in text
    assert (
        "Page view where URL contains /pricing +10 each, halving every 14 days, capped at +30 in all"
        in text
    )
    assert (
        "E-mail link clicked within the last 90 days +3 each, halving every 14 days, capped at "
        "+15 in all"
    ) in text
    assert "Unsubscribed −20 each, capped at −20 in all" in text
    assert "The total never goes above 150." in text
    assert "Hot total 60 or more Warm total 30 to 59 Cold total below 30" in text
    # The grade grid: fit A–D down the side, engagement 1–4 across.
    assert (
        "1 40 or more 2 20 to 39 3 10 to 19 4 below 10 "
        "A 40 or more A1 A2 A3 A4 B 25 to 39 B1 B2 B3 B4 C 10 to 24 C1 C2 C3 C4 "
        "D below 10 D1 D2 D3 D4"
    ) in text


def test_the_active_criteria_are_shown_with_their_definitions_and_notes(client_for, rep):
    QualificationCriteria.objects.filter(kind="sql").update(notes="Agreed with sales in May.")
    criteria_cache_clear()
    text = page_text(client_for(rep).get(URL))
    assert (
        "MQL: “Standard MQL” A lead becomes an MQL when any of: total score at least 60; "
        "requested a demo within the last 30 days."
    ) in text
    assert (
        "SQL: “BANT” A lead becomes an SQL when a rep has confirmed budget, authority, need and "
        "timeline. Notes: Agreed with sales in May."
    ) in text


def test_without_a_model_or_criteria_the_page_says_so(client_for, rep):
    make_model(fit=[("seniority", "equals", "vp", 20)])  # A draft is not in force.
    QualificationCriteria.objects.all().delete()
    response = client_for(rep).get(URL)
    assert response.status_code == 200
    text = page_text(response)
    assert "No scoring model is active, so leads are not scored by rules yet." in text
    assert "Seniority is" not in text and "Temperature" not in text
    assert "No MQL criteria are active: leads become MQLs only when someone moves them." in text
    assert "No SQL criteria are active" in text


def test_the_navigation_marks_how_we_score_and_not_the_lab(client_for, admin_user):
    content = client_for(admin_user).get(URL).content.decode()
    current = re.findall(r'<a class="nav-link active" href="([^"]+)"', content)
    assert current == [URL]
    assert f'<a class="nav-link" href="{reverse("scoring:lab")}"' in content


@pytest.mark.parametrize("rules", [2, 60])
def test_the_page_costs_the_same_whatever_the_number_of_rules(
    client_for, rep, admin_user, django_assert_max_num_queries, rules
):
    model = make_model(
        groups={"role": 30, "company": 40},
        fit=[("company.employee_count", "gte", 10 * n, n, "role" if n % 2 else "company")
             for n in range(1, rules + 1)],
        engagement=[{"event_type": "page_view", "points": n, "window_days": n}
                    for n in range(1, rules + 1)],
    )  # fmt: skip
    scoring_model_activate(model=model, actor=admin_user)
    client = client_for(rep)
    # session, user, groups (access); the active model with who activated it; its groups, fit
    # rules and engagement rules; the MQL and the SQL criteria, each with its conditions; the
    # glossary's labels the headings link.
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200
    text = page_text(response)
    assert f"Company employees is at least {10 * rules:,} +{rules}" in text
    assert f"Page view within the last {rules} days +{rules} each" in text
    assert FitRule.objects.filter(model=model).count() == rules
