"""With the one Redis that holds the cache and the broker stopped, or hung, the portal keeps
answering: pages count from the database, writes commit and say so, and ``/healthz`` names
what is down. Each test stops a Redis of its own (``tests.fixtures.redis_server``)."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, Stage
from smarketing import cache as robust_cache
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db(transaction=True)

REPEATS = 10


def board_counts(response) -> dict[str, int]:
    page = response.content.decode()
    return {
        stage: int(count.replace(",", ""))
        for stage, count in re.findall(r'id="count-(\w+)"[^>]*>([\d,]+)<', page)
    }


@pytest.fixture
def quick_retry(monkeypatch):
    """Redis is asked again a moment after a failure, not seconds after."""
    monkeypatch.setattr(robust_cache, "RETRY_AFTER", 0.1)


def test_pages_answer_with_the_right_counts_while_redis_is_stopped(
    redis_stack, client_for, marketer
):
    leads = [LeadFactory(stage=Stage.LEAD) for _ in range(3)]
    LeadFactory(stage=Stage.MQL)
    client = client_for(marketer)
    assert board_counts(client.get(reverse("leads:board")))["lead"] == 3  # cached now
    redis_stack.stop()

    board = client.get(reverse("leads:board"))
    assert board.status_code == 200
    counts = board_counts(board)
    assert (counts["lead"], counts["mql"]) == (3, 1)
    listed = client.get(reverse("leads:list"))
    assert listed.status_code == 200
    assert {lead.email for lead in leads} <= {lead.email for lead in listed.context["page"].items}
    detail = client.get(reverse("leads:detail", args=[leads[0].pk]))
    assert detail.status_code == 200
    assert leads[0].email in detail.content.decode()


def test_a_board_move_answers_its_success_while_redis_is_stopped(redis_stack, client_for, marketer):
    lead = LeadFactory(stage=Stage.LEAD)
    client = client_for(marketer)
    client.get(reverse("leads:board"))  # the counts are cached: the move adjusts them
    redis_stack.stop()

    response = client.post(
        reverse("leads:move", args=[lead.pk]),
        {"to_stage": "mql", "expected_stage": "lead", "filters": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "moved to MQL" in response["HX-Trigger-After-Settle"]
    assert board_counts(response) == {"lead": 0, "mql": 1}
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_creating_a_lead_by_the_api_answers_201_once_while_redis_is_stopped(
    redis_stack, client_for, marketer
):
    redis_stack.stop()
    response = client_for(marketer).post(
        "/api/leads/", {"email": "ana@example.com"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    lead = Lead.objects.get(email="ana@example.com")
    assert response.json()["id"] == lead.pk
    # Its scoring could not be enqueued: the lead is marked for the sweep instead.
    assert lead.needs_scoring and lead.scored_at is None


def test_healthz_names_the_cache_and_the_broker_as_down(redis_stack, client):
    assert client.get(reverse("healthz")).json()["checks"]["cache"]["ok"]
    redis_stack.stop()
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"]
    assert not checks["cache"]["ok"] and checks["cache"]["detail"].startswith("unreachable")
    assert not checks["broker"]["ok"] and checks["broker"]["detail"].startswith("unreachable")


def test_every_page_and_api_call_answers_while_redis_is_stopped(redis_stack, client_for, marketer):
    """Each page and API call a user makes, ``REPEATS`` times, with Redis stopped."""
    leads = [LeadFactory(stage=Stage.LEAD) for _ in range(REPEATS)]
    client = client_for(marketer)
    redis_stack.stop()
    calls = {
        "board": (200, lambda n: client.get(reverse("leads:board"))),
        "board counts": (
            200,
            lambda n: client.get(
                reverse("leads:board"), {"counts": "1"}, headers={"HX-Request": "true"}
            ),
        ),
        "list": (200, lambda n: client.get(reverse("leads:list"))),
        "lead page": (200, lambda n: client.get(reverse("leads:detail", args=[leads[n].pk]))),
        "board move": (
            200,
            lambda n: client.post(
                reverse("leads:move", args=[leads[n].pk]),
                {"to_stage": "mql", "expected_stage": "lead", "filters": ""},
                headers={"HX-Request": "true"},
            ),
        ),
        "api lead list": (200, lambda n: client.get("/api/leads/")),
        "api lead create": (
            201,
            lambda n: client.post(
                "/api/leads/", {"email": f"new{n}@example.com"}, content_type="application/json"
            ),
        ),
        "api event": (
            201,
            lambda n: client.post(
                "/api/events/",
                {
                    "lead": leads[n].pk,
                    "type": "page_view",
                    "occurred_at": timezone.now().isoformat(),
                },
                content_type="application/json",
            ),
        ),
    }
    answered = {
        name: Counter(call(n).status_code for n in range(REPEATS))
        for name, (_, call) in calls.items()
    }
    assert answered == {name: Counter({status: REPEATS}) for name, (status, _) in calls.items()}
    assert Lead.objects.filter(stage=Stage.MQL).count() == REPEATS
    assert Lead.objects.filter(email__startswith="new").count() == REPEATS


def test_a_count_adjusted_while_redis_hung_is_counted_afresh_once_it_answers(
    redis_stack, client_for, marketer, quick_retry
):
    lead = LeadFactory(stage=Stage.LEAD)
    client = client_for(marketer)
    assert board_counts(client.get(reverse("leads:board")))["lead"] == 1
    redis_stack.pause()  # it keeps its data, and answers nothing
    response = client.post(
        reverse("leads:move", args=[lead.pk]),
        {"to_stage": "mql", "expected_stage": "lead", "filters": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    redis_stack.resume()  # still holding the counts from before the move
    time.sleep(robust_cache.RETRY_AFTER)

    counts = board_counts(client.get(reverse("leads:board")))
    assert (counts["lead"], counts["mql"]) == (0, 1)


def test_a_value_written_while_redis_hung_is_not_read_back_stale(redis_stack, quick_retry):
    cache.set("greeting", "hello")
    redis_stack.pause()
    cache.set("greeting", "goodbye")  # times out: Redis may or may not apply it once it wakes
    assert cache.get("greeting") is None  # a miss, not an error
    redis_stack.resume()
    time.sleep(robust_cache.RETRY_AFTER)
    assert cache.get("greeting") is None  # neither value: the key is deleted as unknown
    cache.set("greeting", "goodbye")
    assert cache.get("greeting") == "goodbye"


# Work sent to the workers after commit ----------------------------------------------------------


def _queued(redis_stack, queue: str) -> int:
    """How many tasks wait on ``queue`` of this test's broker."""
    import redis

    return redis.Redis.from_url(redis_stack.url(0)).llen(queue)


def test_a_rescore_started_while_redis_is_stopped_is_sent_once_it_is_back(
    redis_stack, client_for, admin_user, settings
):
    from leads.scoring.models import RunStatus, ScoringRun
    from leads.scoring.runs import scoring_runs_resume_stalled
    from leads.scoring.services import scoring_model_activate
    from tests.leads.scoring.helpers import make_model

    model = make_model(fit=[("seniority", "equals", "vp", 20)])
    ScoringRun.objects.filter(pk=scoring_model_activate(model=model, actor=None).pk).update(
        status=RunStatus.DONE
    )
    redis_stack.stop()

    response = client_for(admin_user).post(reverse("scoring:rescore"), follow=True)

    run = ScoringRun.objects.get(kind=ScoringRun.Kind.MANUAL)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("scoring:run", args=[run.pk])
    assert run.status == RunStatus.QUEUED
    redis_stack.start()
    settings.STALLED_AFTER_SECONDS = 0
    assert scoring_runs_resume_stalled() == [run.pk]
    assert _queued(redis_stack, "scoring") == 1


def test_an_import_started_while_redis_is_stopped_is_sent_once_it_is_back(
    redis_stack, client_for, marketer, settings
):
    from leads.imports.models import ImportJob
    from leads.imports.services import import_jobs_resume_stalled
    from tests.leads.test_import import _posted, _upload, make_csv, person

    client = client_for(marketer)
    _upload(client, make_csv([person(1), person(2)]))
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url())
    redis_stack.stop()

    response = client.post(reverse("leads:import_start", args=[job.pk]), _posted(page))

    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.is_running and Lead.objects.count() == 0
    assert client.get(job.get_absolute_url()).status_code == 200
    redis_stack.start()
    settings.STALLED_AFTER_SECONDS = 0
    assert import_jobs_resume_stalled() == [job.pk]
    assert _queued(redis_stack, "imports") == 1


def test_a_lab_run_asked_for_while_redis_is_stopped_says_it_could_not_start(
    redis_stack, admin_user
):
    from leads.scoring.lab import lab_run_start
    from leads.scoring.models import LabRun, RunStatus
    from tests.leads.scoring.helpers import make_model

    draft = make_model(fit=[("seniority", "equals", "vp", 20)])
    redis_stack.stop()

    run = lab_run_start(model=draft, kind=LabRun.Kind.IMPACT, actor=admin_user)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "The workers could not be reached" in run.error
