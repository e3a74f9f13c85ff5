import html

import pytest
from django.urls import reverse

# Django's admin autodiscovery imports only leads/admin.py, which is to import this module;
# importing it here as well keeps these tests independent of that one line.
import leads.scoring.admin  # noqa: F401
from leads.scoring.models import FitRule, ScoringModel
from leads.scoring.services import scoring_model_activate
from tests.leads.scoring.helpers import make_model

pytestmark = pytest.mark.django_db

MODEL_FIELDS = {
    "name": "Draft", "description": "", "hot_threshold": 60, "warm_threshold": 30,
    "overall_cap": "", "fit_a": 40, "fit_b": 25, "fit_c": 10,
    "engagement_1": 40, "engagement_2": 20, "engagement_3": 10,
}  # fmt: skip


def inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{field}": value for field, value in row.items()})
    return data


def change_form(fit_rules: list[dict], engagement_rules: list[dict] = ()) -> dict:
    return {
        **MODEL_FIELDS,
        **inline("fit_groups", []),
        **inline("fit_rules", fit_rules),
        **inline("engagement_rules", list(engagement_rules)),
    }


def test_a_draft_saves_valid_rules(client_for, admin_user):
    model = make_model()
    url = reverse("admin:leads_scoringmodel_change", args=[model.pk])
    response = client_for(admin_user).post(
        url,
        change_form(
            fit_rules=[
                {"attribute": "seniority", "operator": "one_of", "value": '["vp", "c_level"]', "points": 20},
                {"attribute": "seniority", "operator": "equals", "value": "entry", "points": -5},
                {"attribute": "company.employee_count", "operator": "between", "value": "[50, 500]", "points": 8},
            ],
            engagement_rules=[
                {"event_type": "page_view", "property_key": "url", "property_operator": "contains",
                 "property_value": "/pricing", "points": 10, "half_life_days": 14, "window_days": "",
                 "cap": 30},
            ],
        ),
    )  # fmt: skip
    assert response.status_code == 302, [
        formset.formset.errors for formset in response.context["inline_admin_formsets"]
    ] + [response.context["adminform"].form.errors]
    assert list(
        model.fit_rules.values_list("position", "attribute", "operator", "value", "points")
    ) == [
        (1, "seniority", "one_of", ["vp", "c_level"], 20),
        (2, "seniority", "equals", "entry", -5),
        (3, "company.employee_count", "between", [50, 500], 8),
    ]
    assert model.engagement_rules.get().property_value == "/pricing"


def test_an_invalid_rule_is_refused_with_its_message_and_nothing_is_saved(client_for, admin_user):
    model = make_model()
    response = client_for(admin_user).post(
        reverse("admin:leads_scoringmodel_change", args=[model.pk]),
        change_form(
            fit_rules=[
                {"attribute": "seniority", "operator": "equals", "value": "vp", "points": 20},
                {
                    "attribute": "company.employee_count",
                    "operator": "gte",
                    "value": "many",
                    "points": 5,
                },
            ],
            engagement_rules=[{"event_type": "page_view", "points": 1, "half_life_days": 0}],
        ),
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Rule 2 (company.employee_count ≥): the value must be a number, not 'many'." in page
    assert "Rule 1 (page_view): the half-life must be a positive number, not 0." in page
    assert not FitRule.objects.filter(model=model).exists()


def test_overlapping_bands_are_refused_in_the_admin(client_for, admin_user):
    model = make_model()
    response = client_for(admin_user).post(
        reverse("admin:leads_scoringmodel_change", args=[model.pk]),
        {**change_form(fit_rules=[]), "hot_threshold": 20, "warm_threshold": 30},
    )
    page = html.unescape(response.content.decode())
    assert "The temperature bands overlap: hot from 20 must be above warm from 30." in page


def test_a_new_model_gets_the_next_version_and_its_author(client_for, admin_user):
    existing = make_model()
    response = client_for(admin_user).post(
        reverse("admin:leads_scoringmodel_add"), change_form(fit_rules=[])
    )
    assert response.status_code == 302
    created = ScoringModel.objects.get(version=existing.version + 1)
    assert (created.status, created.created_by) == ("draft", admin_user)


def test_an_active_version_is_read_only_and_can_be_cloned(client_for, admin_user):
    model = make_model(fit=[("phone", "is_set", None, 3)])
    scoring_model_activate(model=model, actor=admin_user)
    client = client_for(admin_user)
    url = reverse("admin:leads_scoringmodel_change", args=[model.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, change_form(fit_rules=[])).status_code == 403

    response = client.post(
        reverse("admin:leads_scoringmodel_changelist"),
        {"action": "clone", "_selected_action": [model.pk]},
        follow=True,
    )
    assert (
        f"Version {model.version} cloned into draft version {model.version + 1}."
        in response.content.decode()
    )
    assert ScoringModel.objects.get(version=model.version + 1).fit_rules.count() == 1


def test_the_activate_action_activates_a_draft(client_for, admin_user):
    model = make_model()
    response = client_for(admin_user).post(
        reverse("admin:leads_scoringmodel_changelist"),
        {"action": "activate", "_selected_action": [model.pk]},
        follow=True,
    )
    model.refresh_from_db()
    assert f"Version {model.version} (Test model) is now the active scoring model." in (
        response.content.decode()
    )
    assert (model.status, model.activated_by) == ("active", admin_user)


def test_an_invalid_draft_is_not_activated_and_the_admin_says_why(client_for, admin_user):
    model = make_model(fit=[("company.employee_count", "gte", "many", 5)])
    response = client_for(admin_user).post(
        reverse("admin:leads_scoringmodel_changelist"),
        {"action": "activate", "_selected_action": [model.pk]},
        follow=True,
    )
    assert (
        f"Version {model.version} not activated: Rule 1 (company.employee_count ≥): the value "
        "must be a number, not 'many'."
    ) in html.unescape(response.content.decode())
    assert ScoringModel.objects.get(pk=model.pk).status == "draft"


def test_the_scoring_admin_is_for_the_admin_role_only(client_for, rep, marketer):
    for user in (rep, marketer):
        response = client_for(user).get(reverse("admin:leads_scoringmodel_changelist"))
        assert response.status_code == 302  # To the admin login: not staff.
