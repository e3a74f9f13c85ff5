"""A rescore of every lead started on its own: from the lab's button, the API and
``manage.py rescore``; refused while one is under way; every run's progress on its page and
through the API."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead
from leads.scoring.engine import leads_score
from leads.scoring.models import RunStatus, ScoringModel, ScoringRun
from leads.scoring.runs import RescoreRefused, scoring_rescore_start
from leads.scoring.services import scoring_model_activate
from tests.factories import LeadFactory
from tests.helpers import in_threads
from tests.leads.scoring.helpers import make_model


def api(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def _active(points: int = 20) -> ScoringModel:
    """An active model worth ``points`` for a VP, its activation's run closed as done."""
    model = make_model(fit=[("seniority", "equals", "vp", points)])
    run = scoring_model_activate(model=model, actor=None)
    ScoringRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE)
    return model


def _run(model, **fields) -> ScoringRun:
    return ScoringRun.objects.create(model=model, as_of=timezone.now(), **fields)


# The lab -----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_lab_button_rescores_every_lead_and_shows_the_progress(client_for, admin_user):
    model = _active()
    leads = LeadFactory.create_batch(4, seniority="vp")
    Lead.objects.update(fit_score=0)  # as an import written around the scoring leaves them
    client = client_for(admin_user)
    assert "Rescore every lead now" in client.get(reverse("scoring:lab")).content.decode()

    # Tasks run eagerly: the run is written when the request's transaction commits.
    response = client.post(reverse("scoring:rescore"), follow=True)

    run = ScoringRun.objects.get(kind=ScoringRun.Kind.MANUAL)
    assert response.redirect_chain[-1][0] == reverse("scoring:run", args=[run.pk])
    page = response.content.decode()
    assert "Manual rescore of v" in page and "Every lead (4) is being rescored." in page
    assert "Rescore done." in page and 'aria-valuenow="100"' in page
    assert (run.status, run.started_by, run.model, run.leads_done) == (
        RunStatus.DONE, admin_user, model, 4,
    )  # fmt: skip
    assert set(
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("fit_score")
    ) == {(20,)}


def test_the_lab_refuses_a_second_rescore_and_shows_the_one_under_way(client_for, admin_user):
    model = _active()
    under_way = _run(model, kind="decay", status="running", leads_total=2_000, leads_done=500)
    client = client_for(admin_user)
    lab = client.get(reverse("scoring:lab")).content.decode()
    assert 'data-testid="rescore-under-way"' in lab and "Rescore under way: 25%" in lab
    assert "Rescore every lead now" not in lab

    response = client.post(reverse("scoring:rescore"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("scoring:run", args=[under_way.pk])
    assert (
        f"A rescore of every lead is already under way (run {under_way.pk}: nightly decay of "
        f"v{model.version}, 25 % done): start another once it has finished."
    ) in response.content.decode()
    assert ScoringRun.objects.filter(kind="manual").count() == 0


def test_without_an_active_model_there_is_nothing_to_rescore(client_for, admin_user):
    client = client_for(admin_user)
    assert "Rescore every lead now" not in client.get(reverse("scoring:lab")).content.decode()
    response = client.post(reverse("scoring:rescore"), follow=True)
    assert "No scoring model is active, so there is nothing to rescore with." in (
        response.content.decode()
    )
    assert not ScoringRun.objects.exists()


def test_only_an_admin_starts_a_rescore(client_for, marketer, sales_manager):
    _active()
    assert client_for(marketer).post(reverse("scoring:rescore")).status_code == 403
    assert client_for(sales_manager).post(api("scoring-run-list")).status_code == 403
    assert not ScoringRun.objects.filter(kind="manual").exists()


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_start_one_rescore():
    _active()
    barrier = threading.Barrier(2)

    def start():
        barrier.wait()
        try:
            return scoring_rescore_start(actor=None, enqueue=False).pk
        except RescoreRefused as refusal:
            return refusal.run.pk

    first, second = in_threads(start)
    (run,) = ScoringRun.objects.filter(kind="manual")
    assert first == second == run.pk


# Every kind of run on its page --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "title", "says"),
    [
        ("activation", "queued", "Activation of", "Waiting for a worker… 0 of 12,345 leads."),
        ("decay", "running", "Nightly decay of", "Rescoring… 1,234 of 12,345 leads."),
        ("manual", "done", "Manual rescore of", "1,234 leads scored, 1,200 changed"),
        ("manual", "failed", "Manual rescore of", "after 1,234 of 12,345 leads. A worker died."),
    ],
)
def test_the_run_page_shows_every_kind_of_run_with_its_progress(
    client_for, admin_user, kind, status, title, says
):
    model = _active()
    done = 0 if status == "queued" else 1_234
    run = _run(
        model, kind=kind, status=status, leads_total=12_345, leads_done=done,
        leads_written=1_200, error="A worker died." if status == "failed" else "",
    )  # fmt: skip
    client = client_for(admin_user)

    page = client.get(reverse("scoring:run", args=[run.pk])).content.decode()
    fragment = client.get(
        reverse("scoring:run", args=[run.pk]),
        headers={"HX-Request": "true", "HX-Target": "run-progress"},
    ).content.decode()

    assert f"{title} v{model.version}" in page and says in page
    assert fragment.lstrip().startswith('<div id="run-progress"') and says in fragment
    assert ('hx-trigger="every 1s"' in fragment) == (status in ("queued", "running"))
    lab = client.get(reverse("scoring:lab")).content.decode()
    assert "1,234" in lab or status == "queued"


# The API ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_api_starts_a_rescore_and_reads_its_progress(client_for, admin_user, rep):
    model = _active()
    LeadFactory.create_batch(3, seniority="vp")
    client = client_for(admin_user)

    started = client.post(api("scoring-run-list"))

    assert started.status_code == 202, started.json()
    body = started.json()
    assert (body["kind"], body["model"]["version"], body["leads_total"]) == (
        "manual", model.version, 3,
    )  # fmt: skip
    assert body["started_by"]["username"] == admin_user.username
    detail = client_for(rep).get(api("scoring-run-detail", body["id"])).json()
    assert (detail["status"], detail["percent"], detail["leads_done"]) == ("done", 100, 3)
    assert detail["leads_written"] == 3 and detail["error"] == ""
    assert detail["started_at"] and detail["finished_at"]
    listed = client_for(rep).get(api("scoring-run-list")).json()
    assert [run["kind"] for run in listed["results"]] == ["manual", "activation"]
    assert client.get(api("scoring-run-detail", 999_999)).status_code == 404


def test_the_api_refuses_a_rescore_while_one_is_under_way_or_without_a_model(
    client_for, admin_user
):
    client = client_for(admin_user)
    nothing = client.post(api("scoring-run-list"))
    assert nothing.status_code == 409
    assert nothing.json() == {
        "errors": {"detail": ["No scoring model is active, so there is nothing to rescore with."]}
    }
    model = _active()
    under_way = _run(model, kind="activation", status="queued", leads_total=10)
    busy = client.post(api("scoring-run-list"))
    assert busy.status_code == 409
    assert (
        f"already under way (run {under_way.pk}: activation of"
        in (busy.json()["errors"]["detail"][0])
    )
    assert ScoringRun.objects.filter(model=model).count() == 2  # the activation's and this one


def test_the_rescores_are_in_the_schema(client_for, admin_user):
    schema = client_for(admin_user).get("/api/schema/?format=json").json()
    runs = schema["paths"]["/api/scoring/runs/"]
    assert set(runs) >= {"get", "post"}
    assert set(runs["post"]["responses"]) >= {"202", "401", "403", "409"}
    assert "/api/scoring/runs/{run_id}/" in schema["paths"]
    assert "/api/scoring/criteria/{criteria_id}/activate/" in schema["paths"]
    assert set(schema["paths"]["/api/scoring/models/{model_id}/schedule/"]) >= {"post", "delete"}


# The command --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_command_rescores_every_lead_in_process_without_a_broker():
    model = _active(points=15)
    LeadFactory.create_batch(5, seniority="vp")
    out, err = io.StringIO(), io.StringIO()

    call_command("rescore", stdout=out, stderr=err)

    run = ScoringRun.objects.get(kind="manual")
    assert f"Run {run.pk}: every lead (5) scored with v{model.version}" in out.getvalue()
    assert "Rescore done: 5 leads scored, 5 changed." in out.getvalue()
    assert "5/5" in err.getvalue()  # the bar reached the end
    assert set(Lead.objects.values_list("scoring_model", "fit_score")) == {(model.pk, 15)}


@pytest.mark.django_db(transaction=True)
def test_the_command_refuses_without_an_active_model():
    with pytest.raises(CommandError, match="No scoring model is active"):
        call_command("rescore", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.worker
def test_the_command_follows_a_real_workers_rescore_until_done(celery_worker):
    model = make_model(fit=[("seniority", "equals", "vp", 30)])
    ScoringModel.objects.filter(pk=model.pk).update(status="active", activated_at=timezone.now())
    LeadFactory.create_batch(40, seniority="vp")
    leads_score(model=model)
    Lead.objects.update(fit_score=0)
    out = io.StringIO()

    call_command("rescore", stdout=out, stderr=io.StringIO())

    run = ScoringRun.objects.get(kind="manual")
    assert run.status == RunStatus.DONE and "Rescore done: 40 leads scored" in out.getvalue()
    assert set(Lead.objects.values_list("fit_score", flat=True)) == {30}
