"""A rescore of a new model rewrites every lead in place, beside its old version; one that moved
most leads to new pages is followed by a rebuild of their indexes, concurrently, so the board
and the lists read as few index pages as before it."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from leads.models import Lead
from leads.scoring.compaction import COMPACTION_LOCK, lead_indexes_compact, rescore_indexes
from leads.scoring.models import ScoringRun
from leads.scoring.runs import scoring_run_start
from leads.scoring.services import scoring_model_activate
from tests.factories import LeadFactory
from tests.leads.scoring.helpers import make_model

pytestmark = pytest.mark.django_db(transaction=True)


def _index_files() -> dict[str, int]:
    """Each index of the leads table and the file that holds it (a rebuild makes a new one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relfilenode FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'leads_lead'::regclass"
        )
        return dict(cursor.fetchall())


def _size(index: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s::regclass)", [index])
        return cursor.fetchone()[0]


def _rewrite_every_score(times: int) -> None:
    with connection.cursor() as cursor:
        for _ in range(times):
            cursor.execute("UPDATE leads_lead SET total_score = total_score + 1")


def test_the_indexes_a_rewrite_of_every_lead_bloated_are_rebuilt_to_their_fresh_size():
    LeadFactory.create_batch(3_000)
    fresh = _size("lead_stage_score")
    _rewrite_every_score(3)
    bloated = _size("lead_stage_score")
    assert bloated > 2 * fresh

    rebuilt = lead_indexes_compact()

    assert set(rebuilt) == set(_index_files())
    assert _size("lead_stage_score") <= 1.1 * fresh


def _table_pages() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size('leads_lead') / current_setting('block_size')::int")
        return cursor.fetchone()[0]


def test_a_rescore_of_a_new_model_rewrites_every_lead_in_place(settings):
    settings.SCORING_COMPACT_SHARE = 0.5
    LeadFactory.create_batch(20, seniority="vp")
    LeadFactory.create_batch(280, seniority="manager")
    before, pages = _index_files(), _table_pages()

    run = scoring_model_activate(  # the activation's rescore runs eagerly, on commit
        model=make_model(fit=[("seniority", "equals", "vp", 10)]), actor=None
    )

    run.refresh_from_db()
    assert run.leads_written == 300 and run.leads_moved == 0
    # Every lead's new version sits beside the old one on its page: the table did not grow,
    # and only the indexes over the scores are new (built once, after the chunks).
    assert _table_pages() == pages
    after = _index_files()
    assert after.keys() == before.keys()
    assert {name for name in before if after[name] != before[name]} == {
        index.name for index in rescore_indexes()
    }


def _rescored_then_most_changed():
    """100 leads scored by a new model (its first rescore, eagerly), then 80 of them changed so
    that the same model scores them anew, and vacuumed; returns the model."""
    vps = LeadFactory.create_batch(20, seniority="vp")
    LeadFactory.create_batch(80, seniority="manager")
    model = make_model(fit=[("seniority", "equals", "vp", 10)])
    scoring_model_activate(model=model, actor=None)
    Lead.objects.exclude(pk__in=[lead.pk for lead in vps]).update(seniority="vp")
    with connection.cursor() as cursor:  # the edits' old versions cleared, as autovacuum does
        cursor.execute("VACUUM leads_lead")
    return model


def _rerun(model) -> ScoringRun:
    """A manual rescore of every lead with ``model``, run eagerly, as it finished."""
    run = scoring_run_start(model=model, kind=ScoringRun.Kind.MANUAL)
    run.refresh_from_db()
    return run


def test_a_rerun_that_changes_most_leads_builds_the_score_indexes_again_and_rewrites_in_place(
    settings,
):
    settings.SCORING_COMPACT_SHARE = 0.5
    # 80 % of the leads' scores change under the same model: more than SCORING_REBUILD_SHARE
    # of the sample, so the indexes over the scores are dropped and built after the chunks.
    model = _rescored_then_most_changed()
    before = _index_files()
    run = _rerun(model)
    assert run.leads_written == 80 and run.leads_moved == 0
    after = _index_files()
    assert {name for name in before if after[name] != before[name]} == {
        index.name for index in rescore_indexes()
    }

    # One lead in a hundred changes: the indexes stay as they are and take its new entries.
    lead = Lead.objects.filter(seniority="vp").first()
    Lead.objects.filter(pk=lead.pk).update(seniority="manager")
    run = _rerun(model)
    assert run.leads_written == 1 and run.leads_moved == 1
    assert _index_files() == after


def test_a_rescore_that_moved_most_leads_rebuilds_the_indexes_and_a_small_one_does_not(settings):
    settings.SCORING_COMPACT_SHARE = 0.5
    settings.SCORING_REBUILD_SHARE = 1  # the indexes over the scores stay through every run
    # Most leads' scores change under the same model: the rerun keeps every index and writes
    # each changed lead into all of them.
    model = _rescored_then_most_changed()
    before = _index_files()
    run = _rerun(model)
    assert run.leads_written == 80 and run.leads_moved == 80
    after = _index_files()
    assert after.keys() == before.keys()
    assert all(after[name] != before[name] for name in before)

    # The same model again: no lead's scores changed, none is rewritten, nothing is rebuilt.
    run = _rerun(model)
    assert run.leads_written == 0 and run.leads_moved == 0
    assert _index_files() == after


def test_a_rebuild_left_half_done_by_a_dead_worker_is_cleared_first():
    LeadFactory.create_batch(10)
    with connection.cursor() as cursor:
        # What a REINDEX CONCURRENTLY killed midway leaves: an invalid copy every write updates.
        cursor.execute('CREATE INDEX "lead_score_ccnew" ON leads_lead (total_score)')
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'lead_score_ccnew'::regclass"
        )

    rebuilt = lead_indexes_compact()

    assert "lead_score_ccnew" not in rebuilt
    assert "lead_score_ccnew" not in _index_files()
    assert "lead_stage_score" in _index_files()


def test_one_compaction_at_a_time():
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        host=settings_dict["HOST"], port=settings_dict["PORT"], user=settings_dict["USER"],
        dbname=settings_dict["NAME"], autocommit=True,
    )  # fmt: skip
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [COMPACTION_LOCK])
        before = _index_files()
        assert lead_indexes_compact() is None
        assert _index_files() == before
    finally:
        # Released before closing: a closed session's locks go when its server process ends,
        # which can be after the next line.
        other.execute("SELECT pg_advisory_unlock(%s)", [COMPACTION_LOCK])
        other.close()
    assert lead_indexes_compact() is not None
