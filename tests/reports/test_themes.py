"""The meeting's theme frozen as the meeting's week begins: shown as it read then however the
history changes, read again only when a manager or an admin asks — and recorded as such."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from reports.models import ThemeSnapshot
from reports.tasks import snapshots_freeze_task
from reports.themes import theme_freeze, theme_read_again, themes_freeze_due
from tests.reports.test_meeting import entered

pytestmark = pytest.mark.django_db

# The meeting of Monday 23 November 2026 (a fourth Monday: strategy) looks at the four weeks
# of 26 October – 22 November; its theme is frozen early that Monday.
MEETING = date(2026, 11, 23)
IN_MONTH = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
BEGUN = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def meeting_page(client):
    return client.get(reverse("reports:meeting_week", args=[MEETING.isoformat()]))


def test_a_frozen_theme_shows_what_it_showed_however_the_history_changes(client_for, marketer):
    entered("mql", IN_MONTH, 4)
    frozen = theme_freeze(MEETING, now=BEGUN)
    assert (frozen.theme, frozen.frozen_at) == ("strategy", BEGUN)
    entered("mql", IN_MONTH, 3)  # a late import into the month
    page = meeting_page(client_for(marketer))
    html = page.content.decode()
    assert "Where their 4 MQLs went" in html
    assert "Where their 7 MQLs went" not in html
    assert "These figures were read at 06:00 on Monday 23 Nov" in html
    assert "strategy" not in page.context  # nothing read live
    assert "Read the theme again now" not in html  # a marketer runs no refresh


def test_a_theme_is_frozen_once_the_meeting_s_week_has_begun_and_only_once():
    assert theme_freeze(MEETING, now=BEGUN - timedelta(days=1)) is None  # the week to come
    assert not ThemeSnapshot.objects.exists()
    first = theme_freeze(MEETING, now=BEGUN)
    entered("mql", IN_MONTH, 2)
    again = theme_freeze(MEETING, now=BEGUN + timedelta(hours=4))
    assert (again.pk, again.html, ThemeSnapshot.objects.count()) == (first.pk, first.html, 1)


def test_the_beat_freezes_this_week_s_theme_and_those_the_quarter_missed():
    theme_freeze(MEETING, now=BEGUN)
    assert themes_freeze_due(now=BEGUN) == 12  # 13 meetings, one frozen already
    assert themes_freeze_due(now=BEGUN) == 0
    weeks = sorted(ThemeSnapshot.objects.values_list("week_of", flat=True))
    assert (weeks[0], weeks[-1]) == (MEETING - timedelta(weeks=12), MEETING)
    themes = dict(ThemeSnapshot.objects.values_list("week_of", "theme"))
    assert themes[date(2026, 11, 2)] == "personas"  # a first Monday
    assert themes[date(2026, 11, 9)] == "promotions"


def test_the_beat_task_freezes_weeks_and_themes_once():
    frozen = snapshots_freeze_task.delay().get()
    # The last 13 closed weeks, the last 13 meetings' themes.
    assert frozen == {"weeks": 13, "themes": 13}
    assert ThemeSnapshot.objects.count() == 13
    assert snapshots_freeze_task.delay().get() == {"weeks": 0, "themes": 0}


def test_a_manager_reads_the_theme_again_and_the_refresh_is_recorded(client_for, sales_manager):
    entered("mql", IN_MONTH, 4)
    theme_freeze(MEETING, now=BEGUN)
    entered("mql", IN_MONTH, 3)
    client = client_for(sales_manager)
    assert "Read the theme again now" in meeting_page(client).content.decode()
    answer = client.post(reverse("reports:theme_refresh", args=[MEETING.isoformat()]), follow=True)
    html = answer.content.decode()
    assert "The theme was read again" in html
    assert "Where their 7 MQLs went" in html
    snapshot = ThemeSnapshot.objects.get()
    assert (snapshot.refreshed_by, snapshot.refreshes) == (sales_manager, 1)
    assert snapshot.frozen_at == BEGUN  # the first freezing stays on record
    assert f"when {sales_manager.get_full_name()} asked for them again" in html


def test_a_rep_cannot_read_the_theme_again(client_for, rep):
    theme_freeze(MEETING, now=BEGUN)
    answer = client_for(rep).post(reverse("reports:theme_refresh", args=[MEETING.isoformat()]))
    assert answer.status_code == 403
    assert ThemeSnapshot.objects.get().refreshes == 0


def test_a_meeting_to_come_is_read_live_and_not_frozen_by_a_refresh(client_for, admin_user):
    coming = date(2027, 1, 25)
    answer = client_for(admin_user).post(
        reverse("reports:theme_refresh", args=[coming.isoformat()]), follow=True
    )
    assert "has not begun" in answer.content.decode()
    assert not ThemeSnapshot.objects.exists()
    assert theme_read_again(week_of=coming, actor=admin_user) is None


def test_an_admin_reads_themes_again_from_the_admin(client_for, admin_user):
    entered("mql", IN_MONTH, 4)
    snapshot = theme_freeze(MEETING, now=BEGUN)
    entered("mql", IN_MONTH, 1)
    answer = client_for(admin_user).post(
        reverse("admin:reports_themesnapshot_changelist"),
        {"action": "read_again", "_selected_action": [snapshot.pk]},
        follow=True,
    )
    assert "Read the theme of 1 meeting again" in answer.content.decode()
    snapshot.refresh_from_db()
    assert "Where their 5 MQLs went" in snapshot.html
    assert (snapshot.refreshed_by, snapshot.refreshes) == (admin_user, 1)
