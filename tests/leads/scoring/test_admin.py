import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

# Django's admin autodiscovery imports only leads/admin.py, which is to import this module;
# importing it here as well keeps these tests independent of that one line.
import leads.scoring.admin  # noqa: F401
from leads.models import Lead
from leads.scoring.engine import leads_score
from leads.scoring.models import FitRule, RunStatus, ScoringModel, ScoringRun
from leads.scoring.services import scoring_model_activate, scoring_models_activate_due
from tests.factories import LeadFactory
from tests.helpers import transaction_held
from tests.leads.scoring.helpers import make_model, while_waiting_on_a_lock

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


@pytest.mark.django_db(transaction=True)
def test_activating_in_the_admin_rescores_every_lead_and_links_its_progress(client_for, admin_user):
    Lead.objects.bulk_create(LeadFactory.build_batch(1_200, company=None, seniority="vp"))
    old = make_model(fit=[("seniority", "equals", "vp", 5)])
    ScoringModel.objects.filter(pk=old.pk).update(status="active", activated_at=timezone.now())
    leads_score(model=old)
    model = make_model(fit=[("seniority", "equals", "vp", 20)])
    client = client_for(admin_user)

    # Tasks run eagerly: the rescore runs when the activation commits, within the request.
    response = client.post(
        reverse("admin:leads_scoringmodel_changelist"),
        {"action": "activate_now", "_selected_action": [model.pk]},
        follow=True,
    )

    run = ScoringRun.objects.get(model=model)
    page = response.content.decode()
    assert (
        f"Version {model.version} (Test model) is now the active scoring model. Its rescore of "
        f'1,200 leads has started: <a href="{reverse("scoring:run", args=[run.pk])}">follow its '
        "progress</a>."
    ) in page
    assert client.get(reverse("scoring:run", args=[run.pk])).status_code == 200
    model.refresh_from_db()
    assert (model.status, model.activated_by) == ("active", admin_user)
    assert (run.kind, run.status, run.leads_done) == ("activation", RunStatus.DONE, 1_200)
    assert set(Lead.objects.values_list("scoring_model", "fit_score").distinct()) == {
        (model.pk, 20)
    }


def test_an_invalid_draft_is_not_activated_and_the_admin_says_why(client_for, admin_user):
    model = make_model(fit=[("company.employee_count", "gte", "many", 5)])
    response = client_for(admin_user).post(
        reverse("admin:leads_scoringmodel_changelist"),
        {"action": "activate_now", "_selected_action": [model.pk]},
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


def schedule_fields(moment: datetime.datetime) -> dict:
    local = timezone.localtime(moment)
    return {"schedule_at_0": local.strftime("%Y-%m-%d"), "schedule_at_1": local.strftime("%H:%M")}


@pytest.mark.django_db(transaction=True)
def test_a_draft_saved_with_a_moment_is_scheduled_read_only_and_activated_then(
    client_for, admin_user
):
    lead = LeadFactory(seniority="vp")
    model = make_model()
    moment = (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    client = client_for(admin_user)
    url = reverse("admin:leads_scoringmodel_change", args=[model.pk])
    rule = {"attribute": "seniority", "operator": "equals", "value": "vp", "points": 20}

    response = client.post(url, {**change_form(fit_rules=[rule]), **schedule_fields(moment)})

    assert response.status_code == 302
    listed = client.get(reverse("admin:leads_scoringmodel_changelist")).content.decode()
    assert f"Version {model.version} is scheduled: it is activated at" in html.unescape(listed)
    model.refresh_from_db()
    assert (model.status, model.activate_at, model.activated_by) == (
        "scheduled", moment, admin_user,
    )  # fmt: skip
    assert 'name="_save"' not in client.get(url).content.decode()
    assert client.post(url, change_form(fit_rules=[])).status_code == 403
    assert model.fit_rules.get().points == 20

    # Beat, once the moment has come; the rescore runs eagerly when the activation commits.
    (run,) = scoring_models_activate_due(now=moment + datetime.timedelta(seconds=30))

    model.refresh_from_db()
    lead.refresh_from_db()
    assert (model.status, model.activated_by) == ("active", admin_user)
    assert model.activated_at == moment + datetime.timedelta(seconds=30)
    assert (run.model, run.kind, run.started_by) == (model, "activation", admin_user)
    assert (lead.scoring_model, lead.fit_score) == (model, 20)


def test_a_moment_that_has_passed_is_refused_and_nothing_is_saved(client_for, admin_user):
    model = make_model()
    past = timezone.now() - datetime.timedelta(hours=1)
    response = client_for(admin_user).post(
        reverse("admin:leads_scoringmodel_change", args=[model.pk]),
        {**change_form(fit_rules=[]), "name": "Renamed", **schedule_fields(past)},
    )
    assert response.status_code == 200
    assert "has passed: choose a moment to come" in html.unescape(response.content.decode())
    model.refresh_from_db()
    assert (model.name, model.status) == ("Test model", "draft")


def test_a_draft_that_could_not_be_activated_is_saved_but_not_scheduled(client_for, admin_user):
    model = make_model(fit=[("company.employee_count", "gte", "many", 5)])
    moment = timezone.now() + datetime.timedelta(days=1)
    # The bad rule is in the draft but not among the rows posted, so only the service sees it.
    response = client_for(admin_user).post(
        reverse("admin:leads_scoringmodel_change", args=[model.pk]),
        {**change_form(fit_rules=[]), "name": "Renamed", **schedule_fields(moment)},
        follow=True,
    )
    assert (
        f"Version {model.version} was saved as a draft but not scheduled: Rule 1 "
        "(company.employee_count ≥): the value must be a number, not 'many'."
    ) in html.unescape(response.content.decode())
    model.refresh_from_db()
    assert (model.name, model.status, model.activate_at) == ("Renamed", "draft", None)


def test_the_unschedule_action_makes_a_scheduled_version_a_draft_again(client_for, admin_user):
    model = make_model(fit=[("phone", "is_set", None, 3)])
    scoring_model_activate(
        model=model, actor=admin_user, at=timezone.now() + datetime.timedelta(days=1)
    )
    response = client_for(admin_user).post(
        reverse("admin:leads_scoringmodel_changelist"),
        {"action": "unschedule", "_selected_action": [model.pk]},
        follow=True,
    )
    assert f"Version {model.version} is a draft again." in response.content.decode()
    model.refresh_from_db()
    assert (model.status, model.activate_at, model.activated_by) == ("draft", None, None)


def test_a_draft_is_deleted_in_the_admin_and_an_active_version_is_not(client_for, admin_user):
    draft, active = make_model(), make_model(fit=[("phone", "is_set", None, 3)])
    scoring_model_activate(model=active, actor=admin_user)
    client = client_for(admin_user)
    deleted = client.post(
        reverse("admin:leads_scoringmodel_delete", args=[draft.pk]), {"post": "yes"}
    )
    kept = client.post(
        reverse("admin:leads_scoringmodel_delete", args=[active.pk]), {"post": "yes"}
    )
    assert (deleted.status_code, kept.status_code) == (302, 403)
    assert list(ScoringModel.objects.all()) == [active]


@pytest.mark.django_db(transaction=True)
def test_a_draft_activated_while_the_admin_saves_it_is_left_as_it_is_with_a_message(
    client_for, admin_user
):
    model = make_model(fit=[("phone", "is_set", None, 3)])
    client = client_for(admin_user)
    url = reverse("admin:leads_scoringmodel_change", args=[model.pk])

    def activate():
        return scoring_model_activate(model=ScoringModel.objects.get(pk=model.pk), actor=None)

    # The admin reads the draft while the activation's transaction is open, then waits on the
    # draft's row lock in the editing service until the activation commits.
    with transaction_held(activate):
        saved = while_waiting_on_a_lock(
            lambda: client.post(url, {**change_form(fit_rules=[]), "name": "Renamed"})
        )
    response = saved()

    assert response.status_code == 302 and response["Location"] == url
    page = html.unescape(client.get(url).content.decode())
    assert (
        f"Nothing was saved: v{model.version} is active: only a draft can be changed. Clone it "
        "to make a new draft."
    ) in page
    model.refresh_from_db()
    assert (model.name, model.status) == ("Test model", "active")
