"""The sweep scores every lead whose scoring was lost: leads created or edited while Redis or
every worker was down are marked in their own transaction, and scored once the service is back."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.models import Lead
from leads.scoring import incremental
from leads.scoring.services import scoring_model_activate
from leads.scoring.tasks import scoring_sweep_task
from leads.services import lead_create, lead_update
from tests.factories import LeadFactory
from tests.leads.scoring.helpers import make_model

SCORED_WITHIN = 60.0


def _active_model():
    model = make_model(fit=[("seniority", "one_of", ["vp", "c_level"], 20)])
    scoring_model_activate(model=model, actor=None, enqueue=False)
    return model


def _wait_for(condition, *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{message} within {timeout:.0f} s")
        time.sleep(0.2)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_leads_created_and_edited_while_redis_was_down_are_scored_once_it_is_back(
    redis_stack, client_for, marketer, request
):
    _active_model()
    edited = LeadFactory(seniority="manager")
    client = client_for(marketer)
    redis_stack.stop()
    created = client.post(
        "/api/leads/",
        {"email": "vera@example.com", "seniority": "vp"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    patched = client.patch(
        f"/api/leads/{edited.pk}/", {"seniority": "c_level"}, content_type="application/json"
    )
    assert patched.status_code == 200, patched.content
    ids = [created.json()["id"], edited.pk]
    assert set(Lead.objects.filter(pk__in=ids).values_list("fit_score", flat=True)) == {0}

    redis_stack.start()
    request.getfixturevalue("celery_worker")
    scoring_sweep_task.delay()  # what beat sends every few minutes
    _wait_for(
        lambda: not Lead.objects.filter(pk__in=ids, needs_scoring=True).exists(),
        timeout=SCORED_WITHIN,
        message="the sweep did not score the leads",
    )
    assert dict(Lead.objects.filter(pk__in=ids).values_list("pk", "fit_score")) == {
        ids[0]: 20,
        ids[1]: 20,
    }


@pytest.mark.django_db
def test_a_lead_whose_scoring_was_never_enqueued_stays_marked_until_the_sweep(monkeypatch):
    # Under this test's transaction nothing is committed, so no scoring is ever enqueued.
    _active_model()
    leads = [lead_create(email=f"p{n}@example.com", seniority="vp") for n in range(5)]
    edited = lead_update(lead=LeadFactory(), seniority="vp")
    assert incremental.leads_marked() == [*(lead.pk for lead in leads), edited.pk]
    monkeypatch.setattr(incremental, "BATCH", 2)

    assert incremental.leads_sweep() == 6
    assert incremental.leads_marked() == []
    assert set(Lead.objects.values_list("fit_score", flat=True)) == {20}
    assert incremental.leads_sweep() == 0  # nothing twice


@pytest.mark.django_db
def test_a_sweep_scores_at_most_its_limit_and_the_next_one_the_rest(monkeypatch):
    leads = [lead_create(email=f"p{n}@example.com") for n in range(5)]
    monkeypatch.setattr(incremental, "BATCH", 2)
    monkeypatch.setattr(incremental, "SWEEP_LIMIT", 3)

    assert incremental.leads_sweep() == 3
    assert incremental.leads_marked() == [leads[3].pk, leads[4].pk]
    assert incremental.leads_sweep() == 2
    assert incremental.leads_marked() == []


@pytest.mark.django_db
def test_the_sweep_reads_the_marked_leads_from_their_partial_index():
    lead_create(email="p@example.com")
    with CaptureQueriesContext(connection) as queries:
        incremental.leads_marked(after=0)
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        # The table is tiny here: without this the planner would rather read it whole.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "lead_needs_scoring" in plan
