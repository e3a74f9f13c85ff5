"""Work whose worker died: full rescores and imports keep a heartbeat; beat resumes those whose
heartbeat stopped, once, from their last committed chunk; an admin can resume or cancel them
from their pages, and a cancelled rescore builds its indexes again.

The tests marked ``worker`` SIGKILL a real worker (main process and pool) mid-run and mid-import,
start another, and send beat's task through the broker until the work is done."""

from __future__ import annotations

import datetime
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from leads.imports.models import ImportJob
from leads.imports.parsing import ImportOptions
from leads.imports.services import import_job_create, import_job_start, import_jobs_resume_stalled
from leads.imports.tasks import import_jobs_resume_stalled_task
from leads.models import Event, Lead, StageTransition
from leads.scoring.compaction import rescore_indexes, rescore_indexes_drop
from leads.scoring.models import RunStatus, ScoringRun
from leads.scoring.runs import _chunk_next, _prepare, scoring_run_start, scoring_runs_resume_stalled
from leads.scoring.services import scoring_model_activate
from leads.scoring.tasks import scoring_runs_resume_stalled_task
from smarketing.celery import app
from tests.crm_exports import hubspot_contacts
from tests.factories import LeadFactory
from tests.helpers import in_threads, transaction_held
from tests.leads.scoring.helpers import compiled_scores, make_model
from tests.leads.scoring.test_workers import SCORE_FIELDS, _rescore_indexes

# The workers these tests start take work as stopped after this long without a heartbeat.
STALLED_AFTER = 4
RECOVERY_TIMEOUT = 120
LONG_AGO = datetime.timedelta(minutes=10)


@pytest.fixture
def stalled_after(settings):
    settings.STALLED_AFTER_SECONDS = STALLED_AFTER
    return STALLED_AFTER


def _broker() -> redis.Redis:
    return redis.Redis.from_url(django_settings.CELERY_BROKER_URL)


def _wait_until(condition, timeout: float, message: str, every: float = 0.05) -> float:
    """Wait for ``condition``; return how long it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(every)
    pytest.fail(message)


def _recovered(worker_start, task, finished, *, killed_at: float, what: str) -> float:
    """Start a new worker and send beat's ``task`` through the broker every second, as beat
    would every minute, until ``finished()``; return (and print) the seconds from the kill."""
    worker_start(STALLED_AFTER_SECONDS=str(STALLED_AFTER))
    while time.monotonic() - killed_at < RECOVERY_TIMEOUT:
        task.delay()
        if finished():
            recovery = time.monotonic() - killed_at
            print(f"\n{what}: {recovery:.1f} s from the kill to done (stalled after "
                  f"{STALLED_AFTER} s)")  # fmt: skip
            return recovery
        time.sleep(1)
    pytest.fail(f"{what} was not resumed within {RECOVERY_TIMEOUT} s of the kill")


def _kill(worker) -> tuple[float, list[bytes]]:
    """SIGKILL the worker's group; return when, and the tasks it left unacknowledged."""
    worker.kill()
    return time.monotonic(), _broker().hkeys("unacked")


def _page_once_stopped(client, url: str, target: str, stopped: str) -> str:
    """The page, once its progress region (polled as the page's HTMX does) says ``stopped``."""
    _wait_until(
        lambda: (
            stopped.encode()
            in client.get(url, headers={"HX-Request": "true", "HX-Target": target}).content
        ),
        timeout=STALLED_AFTER + 30,
        message=f"the page did not say “{stopped}”",
        every=0.5,
    )
    return client.get(url).content.decode()


def _redeliver(tags: list[bytes]) -> None:
    """Hand the killed worker's unacknowledged tasks back to the queues, as Redis does once
    their visibility timeout has passed (the broker's own code), and wait until a worker has
    run them all."""
    with app.connection_for_write() as connection:
        for tag in tags:
            connection.default_channel.qos.restore_by_tag(tag)
    client = _broker()
    _wait_until(
        lambda: (
            not client.hlen("unacked")
            and not any(client.llen(queue) for queue in ("scoring", "imports"))
        ),
        timeout=60,
        message="the redelivered tasks were not run",
        every=0.2,
    )


def _leads(count: int) -> list[Lead]:
    """Leads with a spread of fit and engagement (a third are VPs, a fifth asked for a demo)."""
    Lead.objects.bulk_create(
        LeadFactory.build(company=None, seniority="vp" if number % 3 == 0 else "")
        for number in range(count)
    )
    leads = list(Lead.objects.order_by("pk"))
    at = timezone.now() - datetime.timedelta(days=2)
    Event.objects.bulk_create(
        Event(lead=lead, type="demo_request", occurred_at=at) for lead in leads[::5]
    )
    return leads


def _model():
    return make_model(
        fit=[("seniority", "one_of", ["vp", "c_level"], 20)],
        engagement=[{"event_type": "demo_request", "points": 40, "half_life_days": 90}],
    )


def _scores() -> dict[int, tuple]:
    return {row[0]: row[1:] for row in Lead.objects.values_list("pk", *SCORE_FIELDS)}


def _expected(model, leads, now) -> dict[int, tuple]:
    computed = compiled_scores(model, leads, now)
    return {pk: tuple(values[name] for name in SCORE_FIELDS) for pk, values in computed.items()}


def _every_index_valid() -> dict[str, bool]:
    return {index.name: True for index in rescore_indexes()}


# --- a killed worker, for real ------------------------------------------------------------------


@pytest.mark.worker
def test_a_rescore_whose_worker_was_killed_is_resumed_once_and_finishes_every_lead(
    worker_start, stalled_after, admin_user, client_for
):
    leads = _leads(20_000)
    model = _model()
    # Small chunks, killed early: the kill lands mid-run even when this process is slow to
    # see the progress on a busy machine. The worker is up before the rescore is asked for,
    # so that the progress is watched from its first chunk (on an idle machine a worker that
    # found the rescore waiting had nearly finished it by the time it answered).
    worker = worker_start(SCORING_RUN_CHUNK="100", STALLED_AFTER_SECONDS=str(stalled_after))
    scoring_model_activate(model=model, actor=None)
    run = ScoringRun.objects.get()
    _wait_until(
        lambda: ScoringRun.objects.get(pk=run.pk).leads_done >= 1_000,
        timeout=120,
        message="the rescore did not start",
        every=0.02,
    )
    killed_at, unacked = _kill(worker)

    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and 0 < run.leads_done < run.leads_total
    assert unacked  # the broker would hand the task back, but only after its visibility timeout
    assert _rescore_indexes() != _every_index_valid()  # dropped for the run's chunks
    admin = client_for(admin_user)
    url = reverse("scoring:run", args=[run.pk])
    page = _page_once_stopped(admin, url, "run-progress", "The rescore has stopped")
    assert "goes on in the background" not in page and "Resume now" in page

    _recovered(
        worker_start,
        scoring_runs_resume_stalled_task,
        lambda: ScoringRun.objects.get(pk=run.pk).is_finished,
        killed_at=killed_at,
        what="The rescore",
    )

    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.resumes == 1
    # Each lead counted and written once: a chunk written twice would be counted twice.
    assert run.leads_done == run.leads_total == run.leads_written == 20_000
    assert not run.chunks.filter(done=False).exists()
    assert _scores() == _expected(model, leads, run.as_of)
    assert _rescore_indexes() == _every_index_valid()
    assert b"Rescore done." in admin.get(url).content

    finished = ScoringRun.objects.values().get(pk=run.pk)
    _redeliver(unacked)  # the killed worker's task, delivered again much later
    assert ScoringRun.objects.values().get(pk=run.pk) == finished
    assert _scores() == _expected(model, leads, run.as_of)


@pytest.mark.worker
def test_an_import_whose_worker_was_killed_is_resumed_once_without_loss_or_duplicates(
    worker_start, stalled_after, marketer, client_for
):
    export = hubspot_contacts(20_000)
    job = import_job_create(data=export.csv(), filename="contacts.csv", actor=marketer)
    worker = worker_start(STALLED_AFTER_SECONDS=str(stalled_after))
    import_job_start(job=job, options=ImportOptions(mapping=job.mapping), mode="valid_rows")
    _wait_until(
        lambda: ImportJob.objects.get(pk=job.pk).rows_done > 0,
        timeout=120,
        message="the import did not commit its first chunk",
        every=0.02,
    )
    killed_at, unacked = _kill(worker)

    job.refresh_from_db()
    assert job.state == "importing" and 0 < job.rows_done < 20_000
    client = client_for(marketer)
    page = _page_once_stopped(
        client, job.get_absolute_url(), "import-progress", "The import has stopped"
    )
    assert "goes on in the background" not in page and "Resume now" in page
    assert "Cancel the import" not in page  # an admin's decision

    _recovered(
        worker_start,
        import_jobs_resume_stalled_task,
        lambda: ImportJob.objects.get(pk=job.pk).is_finished,
        killed_at=killed_at,
        what="The import",
    )

    def outcome():
        job.refresh_from_db()
        counts = (job.state, job.rows_done, job.created_count, job.updated_count)
        return counts + (job.merged_count, job.skipped_count, job.resumes, Lead.objects.count())

    expected = export.expected
    done = ("done", 20_000, expected.leads, 0, expected.repeats, expected.bad_emails, 1)
    assert outcome() == (*done, expected.leads)
    repeated = (
        StageTransition.objects.values("lead", "to_stage").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not repeated.exists()
    transitions = StageTransition.objects.count()
    assert b"Import finished." in client.get(job.get_absolute_url()).content

    _redeliver(unacked)  # the killed worker's task, delivered again much later
    assert outcome() == (*done, expected.leads)
    assert StageTransition.objects.count() == transitions


# --- claims: once, and never work still going on ------------------------------------------------


def _stalled_run(model=None, **fields) -> ScoringRun:
    return ScoringRun.objects.create(
        model=model or _model(),
        kind=ScoringRun.Kind.MANUAL,
        as_of=timezone.now(),
        status=RunStatus.RUNNING,
        heartbeat_at=timezone.now() - LONG_AGO,
        **fields,
    )


def _stalled_job(actor, mode: str = "valid_rows") -> ImportJob:
    job = import_job_create(data=b"Email\na@example.com\n", filename="a.csv", actor=actor)
    ImportJob.objects.filter(pk=job.pk).update(
        state="importing", mode=mode, heartbeat_at=timezone.now() - LONG_AGO
    )
    return job


def test_two_beats_at_once_resume_a_stalled_rescore_once(broker, transactional_db):
    run = _stalled_run()
    live = _stalled_run(model=run.model)
    ScoringRun.objects.filter(pk=live.pk).update(heartbeat_at=timezone.now())

    claims = in_threads(scoring_runs_resume_stalled, count=2)

    assert sorted(claims) == [[], [run.pk]]
    run.refresh_from_db()
    assert run.resumes == 1 and run.heartbeat_at > timezone.now() - LONG_AGO
    assert _broker().llen("scoring") == 1  # one task enqueued
    assert ScoringRun.objects.get(pk=live.pk).resumes == 0


def test_two_beats_at_once_resume_a_stalled_import_once(broker, transactional_db, marketer):
    job = _stalled_job(marketer)

    claims = in_threads(import_jobs_resume_stalled, count=2)

    assert sorted(claims) == [[], [job.pk]]
    assert ImportJob.objects.get(pk=job.pk).resumes == 1
    assert _broker().llen("imports") == 1


def test_an_all_or_nothing_import_whose_transaction_is_open_is_not_taken_for_stopped(
    broker, transactional_db, marketer, client_for
):
    # Its chunks share one transaction, so its heartbeat cannot move; its locked row says a
    # worker is on it.
    job = _stalled_job(marketer, mode="all_or_nothing")
    with transaction_held(lambda: ImportJob.objects.select_for_update().get(pk=job.pk)):
        assert import_jobs_resume_stalled() == []
        page = client_for(marketer).get(job.get_absolute_url()).content.decode()
        assert "The import has stopped" not in page and "goes on in the background" in page
    assert import_jobs_resume_stalled() == [job.pk]  # its worker died: the lock went with it


# --- the pages ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_admin_resumes_a_stalled_rescore_from_its_page(settings, admin_user, client_for):
    settings.SCORING_RUN_CHUNK = 10
    model = _model()
    scoring_model_activate(model=model, actor=None)  # a rescore of no leads yet
    leads = _leads(35)
    run = scoring_run_start(model=model, kind=ScoringRun.Kind.MANUAL, enqueue=False)
    _prepare(run.pk)
    assert _chunk_next(run.pk)  # one chunk written, then the worker died
    ScoringRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - LONG_AGO)
    admin = client_for(admin_user)

    page = admin.get(reverse("scoring:run", args=[run.pk])).content.decode()
    assert "The rescore has stopped" in page and "10 of 35 leads done" in page
    assert "goes on in the background" not in page

    response = admin.post(reverse("scoring:run_resume", args=[run.pk]), follow=True)
    assert "The rescore is resumed" in response.content.decode()
    assert "Rescore done." in response.content.decode()
    run.refresh_from_db()
    assert (run.status, run.resumes, run.leads_done, run.leads_written) == ("done", 1, 35, 35)
    assert _scores() == _expected(model, leads, run.as_of)


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_rescore_builds_the_indexes_it_had_dropped(admin_user, client_for):
    run = _stalled_run(leads_total=10, leads_done=4)
    rescore_indexes_drop()
    assert _rescore_indexes() == {}
    admin = client_for(admin_user)

    response = admin.post(reverse("scoring:run_cancel", args=[run.pk]), follow=True)

    text = response.content.decode()
    assert "The rescore is cancelled." in text
    assert f"The {len(rescore_indexes())} indexes of the lists it had dropped are built" in text
    assert "The rescore was cancelled</strong> after 4 of 10 leads" in text
    assert _rescore_indexes() == _every_index_valid()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rescore_still_running_cannot_be_cancelled(admin_user, client_for):
    run = _stalled_run()
    ScoringRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())

    response = client_for(admin_user).post(
        reverse("scoring:run_cancel", args=[run.pk]), follow=True
    )

    assert "This rescore is still running" in response.content.decode()
    assert ScoringRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


def test_a_stalled_import_is_resumed_from_its_page(
    marketer, client_for, django_capture_on_commit_callbacks
):
    data = b"Email,First Name\n" + b"".join(b"p%d@example.com,P\n" % n for n in range(30))
    job = import_job_create(data=data, filename="a.csv", actor=marketer)
    with django_capture_on_commit_callbacks(execute=False):  # the worker died before a chunk
        import_job_start(job=job, options=ImportOptions(mapping=job.mapping), mode="valid_rows")
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LONG_AGO)
    client = client_for(marketer)
    assert "The import has stopped" in client.get(job.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("leads:import_resume", args=[job.pk]))

    assert response.status_code == 302
    assert "Import finished." in client.get(job.get_absolute_url()).content.decode()
    job.refresh_from_db()
    assert (job.state, job.created_count, job.resumes) == ("done", 30, 1)


def test_an_import_still_running_is_not_resumed_twice(marketer, client_for):
    job = _stalled_job(marketer)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())

    response = client_for(marketer).post(reverse("leads:import_resume", args=[job.pk]), follow=True)

    assert "This import is still running" in response.content.decode()
    assert ImportJob.objects.get(pk=job.pk).resumes == 0


def test_an_admin_cancels_a_stalled_import_and_keeps_its_committed_rows(
    marketer, admin_user, client_for
):
    job = _stalled_job(marketer)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=12_000, rows_done=5_000)
    assert (
        client_for(marketer).post(reverse("leads:import_cancel", args=[job.pk])).status_code == 403
    )
    admin = client_for(admin_user)
    assert "Cancel the import" in admin.get(job.get_absolute_url()).content.decode()

    response = admin.post(reverse("leads:import_cancel", args=[job.pk]), follow=True)

    text = response.content.decode()
    assert "Cancelled." in text and "the first 5,000 rows are imported, the other 7,000" in text
    job.refresh_from_db()
    assert job.state == "cancelled" and job.is_finished and not job.can_resume
    assert import_jobs_resume_stalled() == []
