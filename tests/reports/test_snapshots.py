"""Weekly snapshots: a closed week's figures frozen once, read by the meeting ever after
(however its history changes), rebuilt only when an admin asks — and recorded as such."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from leads.lifecycle import StageChange, stage_changes_write
from reports.meeting import week_numbers
from reports.models import WeekSnapshot
from reports.snapshots import snapshot_freeze, snapshots_freeze_due, weeks_values
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 16)  # a Monday
IN_WEEK = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
AFTER = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # early the Monday after


def mqls(count: int, at: datetime = IN_WEEK) -> None:
    stage_changes_write(
        [StageChange(lead_id=lead.pk, from_stage="lead", to_stage="mql", at=at, rule="test")
         for lead in LeadFactory.create_batch(count)],
        apply=False,
    )  # fmt: skip


def test_a_frozen_week_keeps_its_figures_while_the_current_week_is_live():
    mqls(3)
    assert snapshot_freeze(WEEK, now=AFTER).figures["mql"] == 3
    mqls(2)  # a late import into the frozen week
    assert weeks_values([WEEK], now=AFTER)[WEEK]["mql"] == 3
    # The meeting of 23 November reviews the week of the 16th: it shows what it showed then.
    assert next(f for f in week_numbers(date(2026, 11, 23)).figures if f.key == "mql").value == 3
    current = date(2026, 11, 23)
    mqls(4, at=AFTER)
    assert weeks_values([current], now=AFTER)[current]["mql"] == 4  # no snapshot: live


def test_a_week_is_frozen_once_it_is_over_and_only_once():
    assert snapshot_freeze(WEEK, now=IN_WEEK) is None  # not over yet
    assert not WeekSnapshot.objects.exists()
    first = snapshot_freeze(WEEK, now=AFTER)
    mqls(1)
    again = snapshot_freeze(WEEK, now=AFTER + timedelta(days=1))
    assert (again.pk, again.figures, WeekSnapshot.objects.count()) == (first.pk, first.figures, 1)


def test_the_beat_freezes_the_weeks_without_a_snapshot():
    snapshot_freeze(WEEK, now=AFTER)
    frozen = snapshots_freeze_due(now=AFTER)
    assert frozen == 12  # the last 13 closed weeks, one of which was frozen already
    assert snapshots_freeze_due(now=AFTER) == 0


def test_an_admin_rebuilds_a_week_and_the_rebuild_is_recorded(client_for, admin_user):
    mqls(3)
    snapshot = snapshot_freeze(WEEK, now=AFTER)
    mqls(2)
    answer = client_for(admin_user).post(
        reverse("admin:reports_weeksnapshot_changelist"),
        {"action": "rebuild", "_selected_action": [snapshot.pk]},
        follow=True,
    )
    assert "Rebuilt the figures of 1 week" in answer.content.decode()
    snapshot.refresh_from_db()
    assert (snapshot.figures["mql"], snapshot.rebuilt_by, snapshot.rebuilds) == (5, admin_user, 1)
    assert snapshot.rebuilt_at is not None
