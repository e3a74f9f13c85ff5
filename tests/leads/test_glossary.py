"""The glossary: one language for both teams. Every user reads it; the admin writes the terms;
the MQL, SQL, temperature and grade entries say what the definitions in force say, whatever
they become; and the portal's metric labels link to their term."""

from __future__ import annotations

import html
import re
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from leads.glossary.models import GlossaryTerm
from leads.glossary.selectors import glossary_entries, glossary_labels
from leads.models import Stage
from leads.scoring.qualification import criteria_activate
from leads.scoring.services import scoring_model_activate
from tests.factories import LeadFactory
from tests.leads.scoring.helpers import make_criteria, make_model
from tests.leads.scoring.test_explain import page_text
from tests.routing import use_database

pytestmark = pytest.mark.django_db

URL = reverse("glossary:index")
API = reverse("api:glossary-term-list")

SEEDED = {
    "lead", "mql", "sal", "sql", "opportunity", "customer", "conversion", "fit-score",
    "engagement-score", "hot", "warm", "cold", "grade", "sla", "persona", "journey-stage",
    "recycled", "disqualified",
}  # fmt: skip


def _api_term(slug: str) -> str:
    return reverse("api:glossary-term-detail", args=[slug])


def _entry_text(response, slug: str) -> str:
    """The text of one entry of the glossary page, from its name."""
    content = response.content.decode()
    start = content.index(">", content.index(f'id="{slug}"')) + 1
    end = content.index("</dd>", start)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content[start:end])).split())


def _activate_mql(admin_user, **conditions):
    draft = make_criteria("mql", name="Agreed in May", active=False, **conditions)
    criteria_activate(criteria=draft, actor=admin_user)
    draft.refresh_from_db()
    return draft


def _activate_model(admin_user, **bands):
    model = make_model(fit=[("seniority", "equals", "vp", 10)], **bands)
    scoring_model_activate(model=model, actor=admin_user, enqueue=False)
    model.refresh_from_db()
    return model


# The seeded glossary ------------------------------------------------------------------------------


def test_a_fresh_install_has_the_shared_vocabulary(client_for, rep):
    assert set(GlossaryTerm.objects.values_list("slug", flat=True)) >= SEEDED
    generated = dict(
        GlossaryTerm.objects.exclude(generated_from="").values_list("slug", "generated_from")
    )
    assert generated == {
        "mql": "mql", "sql": "sql", "hot": "hot", "warm": "warm", "cold": "cold",
        "grade": "grade",
    }  # fmt: skip
    page = client_for(rep).get(URL)
    assert _entry_text(page, "sla").startswith("SLA Service-level agreement")
    assert "How well a lead matches the customers we want" in _entry_text(page, "fit-score")


def test_every_lifecycle_stage_has_a_term_for_the_board_headings():
    assert set(Stage.values) <= set(GlossaryTerm.objects.values_list("slug", flat=True))


def test_every_label_the_templates_link_is_a_seeded_term():
    written = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        written |= set(re.findall(r'{% term "([a-z-]+)"', template.read_text()))
    assert written, "No template links a term."
    assert written <= set(GlossaryTerm.objects.values_list("slug", flat=True))


# Generated entries ----------------------------------------------------------------------------


def test_the_mql_entry_changes_when_new_criteria_are_activated(client_for, rep, admin_user):
    before = _entry_text(client_for(rep).get(URL), "mql")
    assert "total score at least 60" in before
    criteria = _activate_mql(admin_user, min_total=75, event_type="", event_within_days=None)
    after = _entry_text(client_for(rep).get(URL), "mql")
    assert "A lead becomes an MQL on one condition: total score at least 75." in after
    since = criteria.activated_at.strftime("%Y")
    assert "Generated from the MQL criteria “Agreed in May” in force since" in after
    assert since in after and f"version {criteria.version}." in after
    assert "total score at least 60" not in after
    labels = glossary_labels()
    assert f"MQL v{criteria.version} “Agreed in May”" in labels["mql"].title


def test_the_sql_entry_follows_the_active_checklist(client_for, marketer, admin_user):
    draft = make_criteria("sql", name="Need first", active=False, sql_checklist=["need"])
    criteria_activate(criteria=draft, actor=admin_user)
    text = _entry_text(client_for(marketer).get(URL), "sql")
    assert "A lead becomes an SQL when a rep has confirmed need." in text
    assert "budget" not in text


def test_the_temperature_entries_follow_the_active_models_bands(client_for, rep, admin_user):
    assert "No scoring model is active" in _entry_text(client_for(rep).get(URL), "hot")
    first = _activate_model(admin_user, hot_threshold=60, warm_threshold=30)
    page = client_for(rep).get(URL)
    assert "total score (fit + engagement) is 60 or more" in _entry_text(page, "hot")
    assert "is 30 to 59" in _entry_text(page, "warm")
    assert "is below 30" in _entry_text(page, "cold")
    assert f"version {first.version}." in _entry_text(page, "hot")

    second = _activate_model(admin_user, hot_threshold=80, warm_threshold=50)
    page = client_for(rep).get(URL)
    assert "is 80 or more" in _entry_text(page, "hot")
    assert "is 50 to 79" in _entry_text(page, "warm")
    assert "is below 50" in _entry_text(page, "cold")
    assert f"version {second.version}." in _entry_text(page, "cold")
    assert glossary_labels()["hot"].title == (
        f"Total score 80 or more under scoring model v{second.version}."
    )


def test_the_grade_entry_spells_out_the_active_bands(client_for, rep, admin_user):
    _activate_model(admin_user, fit_a=50, fit_b=30, fit_c=15)
    text = _entry_text(client_for(rep).get(URL), "grade")
    assert "A for a fit score 50 or more, B for a fit score 30 to 49" in text
    assert "D for a fit score below 15" in text


def test_a_generated_entry_links_to_where_it_is_defined(client_for, rep, admin_user):
    criteria = _activate_mql(admin_user, min_total=70)
    rep_page = client_for(rep).get(URL).content.decode()
    assert f'href="{reverse("scoring:how")}#mql-criteria"' in rep_page
    admin_change = reverse("admin:leads_qualificationcriteria_change", args=[criteria.pk])
    assert admin_change not in rep_page
    assert admin_change in client_for(admin_user).get(URL).content.decode()


# Editing ---------------------------------------------------------------------------------------


def test_an_admin_adds_a_term_through_the_page(client_for, admin_user, rep):
    response = client_for(admin_user).post(
        reverse("glossary:create"),
        {"slug": "icp-fit", "name": "ICP fit", "short_definition": "How close to our ICP."},
    )
    assert response.status_code == 302 and response["Location"] == f"{URL}#icp-fit"
    assert "How close to our ICP." in _entry_text(client_for(rep).get(URL), "icp-fit")
    assert GlossaryTerm.objects.get(slug="icp-fit").updated_by == admin_user


def test_a_term_without_a_sentence_or_with_a_taken_name_is_refused(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(
        reverse("glossary:create"), {"slug": "lead-2", "name": "lead", "short_definition": ""}
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "The glossary already has a term named “lead”." in text
    assert "Write the term's meaning in one sentence" in text
    assert not GlossaryTerm.objects.filter(slug="lead-2").exists()


def test_an_admin_changes_a_written_term(client_for, admin_user):
    client_for(admin_user).post(
        reverse("glossary:edit", args=["sla"]),
        {"slug": "sla", "name": "SLA", "stands_for": "Service-level agreement",
         "short_definition": "Our written promises to each other.", "definition": "",
         "note": "Signed in March."},
    )  # fmt: skip
    term = GlossaryTerm.objects.get(slug="sla")
    assert term.short_definition == "Our written promises to each other."
    assert term.note == "Signed in March."


def test_a_generated_term_takes_only_its_note_on_the_page(client_for, admin_user, rep):
    client = client_for(admin_user)
    form = client.get(reverse("glossary:edit", args=["mql"]))
    assert 'name="note"' in form.content.decode()
    assert 'name="short_definition"' not in form.content.decode()
    client.post(
        reverse("glossary:edit", args=["mql"]),
        {"note": "Agreed at the May meeting.", "short_definition": "Anything at all"},
    )
    term = GlossaryTerm.objects.get(slug="mql")
    assert term.note == "Agreed at the May meeting." and term.short_definition == ""
    text = _entry_text(client_for(rep).get(URL), "mql")
    assert "Agreed at the May meeting." in text and "Anything at all" not in text


def test_a_generated_term_is_never_deleted(client_for, admin_user):
    response = client_for(admin_user).post(reverse("glossary:delete", args=["hot"]), follow=True)
    assert "“Hot” is generated from the active scoring model's hot band" in page_text(response)
    assert GlossaryTerm.objects.filter(slug="hot").exists()


def test_an_admin_deletes_a_written_term(client_for, admin_user):
    client_for(admin_user).post(reverse("glossary:delete", args=["conversion"]))
    assert not GlossaryTerm.objects.filter(slug="conversion").exists()


@pytest.mark.parametrize("who", ["rep", "marketer", "marketing_manager", "sales_manager"])
def test_only_the_admin_writes_terms(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("glossary:create")).status_code == 403
    denied = client.post(reverse("glossary:edit", args=["sla"]), {"note": "mine"})
    assert denied.status_code == 403
    assert client.post(reverse("glossary:delete", args=["sla"])).status_code == 403
    assert GlossaryTerm.objects.get(slug="sla").note == ""
    assert "Add a term" not in client.get(URL).content.decode()


def test_every_user_reads_the_glossary_and_strangers_log_in_first(client, client_for, outsider):
    assert client_for(outsider).get(URL).status_code == 200
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# The page ---------------------------------------------------------------------------------------


def test_the_page_is_alphabetical_with_an_anchor_per_term(client_for, rep):
    content = client_for(rep).get(URL).content.decode()
    names = re.findall(r'<dt class[^>]*>\s*<span class="fs-6">([^<]+)</span>', content)
    assert names == sorted(names, key=str.lower) and len(names) >= len(SEEDED)
    for slug in SEEDED:
        assert f'id="{slug}"' in content
    assert 'href="#letter-M"' in content and 'id="letter-M"' in content


def test_the_search_keeps_the_terms_holding_its_words_and_says_so(client_for, rep):
    response = client_for(rep).get(URL, {"q": "sales-qualified"})
    text = page_text(response)
    total = GlossaryTerm.objects.count()
    assert f"1 of {total} terms match “sales-qualified”." in text
    assert 'id="sql"' in response.content.decode() and 'id="lead"' not in response.content.decode()
    nothing = page_text(client_for(rep).get(URL, {"q": "zebra crossing"}))
    assert "No term matches “zebra crossing”." in nothing


def test_the_search_finds_words_of_the_generated_definitions(client_for, rep):
    response = client_for(rep).get(URL, {"q": "demo"})
    assert 'id="mql"' in response.content.decode()


def test_the_glossary_is_in_the_navigation(client_for, rep):
    content = client_for(rep).get(URL).content.decode()
    assert f'<a class="nav-link active" href="{URL}"' in content


def test_the_page_reads_a_fixed_number_of_queries(client_for, rep, django_assert_max_num_queries):
    GlossaryTerm.objects.bulk_create(
        GlossaryTerm(slug=f"term-{n}", name=f"Term {n}", short_definition="A term.")
        for n in range(100)
    )
    client = client_for(rep)
    # Session, user, roles; the terms; the active model; the active criteria and their
    # conditions.
    with django_assert_max_num_queries(7):
        response = client.get(URL)
    assert response.status_code == 200
    assert "Term 99" in page_text(response)


# Labels linked to their term ---------------------------------------------------------------------


def test_the_board_headings_link_to_their_terms(client_for, rep):
    LeadFactory(stage=Stage.MQL)
    content = client_for(rep).get(reverse("leads:board")).content.decode()
    heading = re.search(r'<h2 class="h6 mb-0"><a class="sm-term" href="/glossary/#mql" '
                        r'title="([^"]+)" data-term="mql">MQL</a></h2>', content)  # fmt: skip
    assert heading, "The MQL column's heading does not link to its term."
    assert "Marketing-qualified lead. A lead that met the MQL criteria in force" in heading[1]
    assert 'href="/glossary/#recycled"' in content and 'href="/glossary/#customer"' in content


def test_the_board_fragment_keeps_its_links(client_for, rep):
    content = client_for(rep).get(reverse("leads:board"), headers={"HX-Request": "true"})
    assert 'href="/glossary/#sal"' in content.content.decode()


def test_the_lead_page_labels_link_to_their_terms(client_for, rep):
    lead = LeadFactory(stage=Stage.SAL, owner=rep)
    content = client_for(rep).get(lead.get_absolute_url()).content.decode()
    for slug, label in (
        ("fit-score", "Fit"), ("engagement-score", "Engagement"), ("total-score", "Total"),
        ("grade", "Grade"), ("persona", "Persona"), ("journey-stage", "journey stage"),
        ("lifecycle-stage", "stage"),
    ):  # fmt: skip
        assert (
            f'href="/glossary/#{slug}"' in content and f'data-term="{slug}">{label}</a>' in content
        )


def test_the_lead_list_headers_link_to_their_terms(client_for, rep):
    LeadFactory(owner=rep)
    content = client_for(rep).get(reverse("leads:list")).content.decode()
    assert '<th><a class="sm-term" href="/glossary/#lifecycle-stage"' in content
    assert 'data-term="total-score">Score</a></th>' in content


def test_a_deleted_term_leaves_its_label_as_plain_text(client_for, admin_user, rep):
    client_for(admin_user).post(reverse("glossary:delete", args=["fit-score"]))
    lead = LeadFactory()
    content = client_for(rep).get(lead.get_absolute_url()).content.decode()
    assert 'href="/glossary/#fit-score"' not in content
    assert '<div class="small text-body-secondary">Fit</div>' in content


def test_the_labels_of_a_page_cost_one_query_however_many(django_assert_num_queries):
    with django_assert_num_queries(1):
        labels = glossary_labels()
    assert set(labels) >= SEEDED


# The API ------------------------------------------------------------------------------------------


def test_every_role_lists_and_reads_the_terms(client_for, users_by_role, admin_user):
    model = _activate_model(admin_user, hot_threshold=70, warm_threshold=40)
    for role, user in users_by_role.items():
        client = client_for(user)
        listed = client.get(API, {"page_size": 100})
        assert listed.status_code == 200, role
        slugs = [term["slug"] for term in listed.json()["results"]]
        assert slugs == sorted(slugs) and set(slugs) >= SEEDED
    hot = client_for(users_by_role["sales"]).get(_api_term("hot")).json()
    assert hot["generated"] is True and hot["generated_from"] == "hot"
    assert (
        hot["short_definition"] == f"Total score 70 or more under scoring model v{model.version}."
    )
    assert hot["source"]["version"] == model.version
    assert hot["url"] == f"{URL}#hot"
    sla = client_for(users_by_role["sales"]).get(_api_term("sla")).json()
    assert sla["generated"] is False and sla["source"] is None


def test_the_api_pages_the_terms(client_for, rep):
    client = client_for(rep)
    first = client.get(API, {"page_size": 5}).json()
    assert len(first["results"]) == 5 and first["next"]
    second = client.get(first["next"]).json()
    assert second["results"][0]["slug"] > first["results"][-1]["slug"]


def test_an_unknown_slug_is_a_json_404(client_for, rep):
    response = client_for(rep).get(_api_term("no-such-term"))
    assert response.status_code == 404 and "detail" in response.json()["errors"]


def test_the_admin_creates_changes_and_deletes_a_term_through_the_api(client_for, admin_user):
    client = client_for(admin_user)
    created = client.post(
        API, {"slug": "icp-fit", "name": "ICP fit", "short_definition": "How close."},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201 and created.json()["url"] == f"{URL}#icp-fit"
    changed = client.patch(
        _api_term("icp-fit"), {"note": "From the May meeting."}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["note"] == "From the May meeting."
    assert client.delete(_api_term("icp-fit")).status_code == 204
    assert not GlossaryTerm.objects.filter(slug="icp-fit").exists()


def test_the_api_refuses_bad_terms_with_field_messages(client_for, admin_user):
    response = client_for(admin_user).post(
        API, {"slug": "Not a slug!", "name": "SLA", "short_definition": "x"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "slug" in response.json()["errors"]
    taken = client_for(admin_user).post(
        API, {"slug": "sla-again", "name": "sla", "short_definition": "x"},
        content_type="application/json",
    )  # fmt: skip
    assert taken.status_code == 400
    assert taken.json()["errors"]["name"] == ["The glossary already has a term named “sla”."]
    assert not GlossaryTerm.objects.filter(slug="sla-again").exists()


def test_a_generated_term_refuses_everything_but_its_note_through_the_api(client_for, admin_user):
    client = client_for(admin_user)
    refused = client.patch(
        _api_term("mql"), {"short_definition": "Whatever marketing says."},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 409
    assert "only its note can be changed" in refused.json()["errors"]["detail"][0]
    assert client.delete(_api_term("mql")).status_code == 409
    noted = client.patch(_api_term("mql"), {"note": "See May."}, content_type="application/json")
    assert noted.status_code == 200 and noted.json()["note"] == "See May."
    term = GlossaryTerm.objects.get(slug="mql")
    assert term.short_definition == "" and term.note == "See May."


def test_only_the_admin_writes_through_the_api(client_for, marketing_manager):
    client = client_for(marketing_manager)
    response = client.patch(_api_term("sla"), {"note": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert client.delete(_api_term("sla")).status_code == 403
    assert GlossaryTerm.objects.filter(slug="sla", note="").exists()


# The Django admin ---------------------------------------------------------------------------------


def test_the_django_admin_shows_a_generated_term_read_only_but_its_note(client_for, admin_user):
    term = GlossaryTerm.objects.get(slug="hot")
    url = reverse("admin:leads_glossaryterm_change", args=[term.pk])
    client = client_for(admin_user)
    form = client.get(url).content.decode()
    assert 'name="note"' in form and 'name="short_definition"' not in form
    assert "No scoring model is active" in form
    client.post(url, {"note": "Sales calls hot leads the same day."})
    term.refresh_from_db()
    assert term.note == "Sales calls hot leads the same day." and term.updated_by == admin_user
    delete = reverse("admin:leads_glossaryterm_delete", args=[term.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert GlossaryTerm.objects.filter(pk=term.pk).exists()


def test_the_django_admin_refuses_a_term_named_like_another(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("admin:leads_glossaryterm_add"),
        {"slug": "lead-again", "name": "LEAD", "short_definition": "Someone.", "stands_for": "",
         "definition": "", "note": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert "The glossary already has a term named “LEAD”." in response.content.decode()
    assert not GlossaryTerm.objects.filter(slug="lead-again").exists()


# The embedded demo's database -------------------------------------------------------------------


@pytest.mark.django_db(databases=["default", "sqlite"])
def test_the_labels_and_the_entries_read_the_same_on_the_demo_database(admin_user):
    with use_database("sqlite"):
        # That test database is built without the data migrations' rows: seed the glossary.
        import_module("leads.migrations.0025_glossary_seed").seed_glossary(apps, None)
        make_criteria("mql", name="Standard MQL", min_total=60)
        model = make_model(hot_threshold=55, warm_threshold=25)
        scoring_model_activate(model=model, actor=None, enqueue=False)
        labels = glossary_labels()
        entries = {entry.slug: entry for entry in glossary_entries()}
    assert labels["hot"].title == f"Total score 55 or more under scoring model v{model.version}."
    assert "“Standard MQL”" in labels["mql"].title
    assert "is 25 to 54" in entries["warm"].definition
