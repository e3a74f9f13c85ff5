"""The demo's meetings: the last three kept, their open actions waiting at this week's meeting,
and the coming campaigns planned for a persona — loaded once, however often the demo runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.generate import campaigns_ensure
from personas.models import Persona
from reports.demo import demo_meetings_load
from reports.meeting import action_items, meeting_shown, theme_promotions
from reports.models import ActionItem, Meeting, WeekSnapshot
from reports.services import week_start
from smarketing.accounts import demo_users_ensure

pytestmark = pytest.mark.django_db


def test_the_demo_keeps_three_meetings_whose_open_actions_wait_for_this_week():
    demo_users_ensure()
    campaigns_ensure(timezone.localdate())
    Persona.objects.create(name="Ops Oliver")
    Persona.objects.create(name="Marketing Mary")

    assert demo_meetings_load() == 6
    assert demo_meetings_load() == 0  # run again: nothing more
    assert WeekSnapshot.objects.count() == 13  # the closed weeks of the last quarter
    this_week = week_start(timezone.localdate())
    assert list(Meeting.objects.order_by("week_of").values_list("week_of", flat=True)) == [
        this_week - timedelta(weeks=weeks) for weeks in (3, 2, 1)
    ]
    assert all(
        meeting.attendees.exists() and meeting.decisions for meeting in Meeting.objects.all()
    )
    waiting = action_items(meeting_shown(this_week))
    assert {item.text for item in waiting if not item.done} == set(
        ActionItem.objects.filter(done_at__isnull=True).values_list("text", flat=True)
    )
    assert len([item for item in waiting if not item.done]) == 3
    coming = theme_promotions(this_week).items
    assert [(p.campaign.name, p.campaign.target_persona.name) for p in coming] == [
        ("Spring pipeline webinar", "Marketing Mary"),
        ("LinkedIn: operations leaders", "Ops Oliver"),
    ]
