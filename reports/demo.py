"""The demo's weekly meetings: the last three kept as a team would keep them (who came, what
they noted and decided, the actions they took on, some done since), and the personas the
coming campaigns are for, so the promotions week has something to plan; and the closed weeks'
figures frozen, as the Monday beat would have. Loaded after the leads, the personas and the
SLA; every write goes through ``reports.services`` and ``reports.snapshots``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from reports.days import days_freeze_due
from reports.services import (
    action_item_add,
    action_item_mark,
    meeting_for_week,
    meeting_record_save,
    week_start,
)
from reports.snapshots import snapshots_freeze_due
from reports.themes import themes_freeze_due
from smarketing.accounts import DEMO_USERS

# The coming campaigns of the generated data, and whom they are for.
CAMPAIGN_PERSONAS = {
    "Spring pipeline webinar": "Marketing Mary",
    "LinkedIn: operations leaders": "Ops Oliver",
}


@dataclass(frozen=True)
class DemoAction:
    text: str
    owner: str  # a demo username
    due_days: int  # after the meeting's Monday
    done: bool


@dataclass(frozen=True)
class DemoMeeting:
    weeks_ago: int
    absent: tuple[str, ...]
    notes: str
    decisions: str
    actions: tuple[DemoAction, ...]


MEETINGS = (
    DemoMeeting(
        3,
        (),
        "Webinar MQLs are accepted less than search MQLs: sales say many are students or "
        "consultants. First touch slipped on Friday afternoons.",
        "Add a job-title question to the webinar form. Sam covers Friday afternoons.",
        (
            DemoAction("Add a job-title question to the webinar form", "marketing", 4, True),
            DemoAction("Share the Friday cover rota", "manager", 2, True),
        ),
    ),
    DemoMeeting(
        2,
        ("admin",),
        "Rejections for 'no budget' doubled; most came from the funnel benchmark report.",
        "Marketing drafts a pricing one-pager for nurture; sales tag budget on first call.",
        (
            DemoAction("Draft the pricing one-pager for nurture", "marketing", 9, False),
            DemoAction("Tag budget on every first call", "sales", 5, True),
        ),
    ),
    DemoMeeting(
        1,
        (),
        "Acceptance is back up. Ops Oliver leads convert best from partner referrals.",
        "Plan the operations-leaders campaign around Ops Oliver's questions.",
        (
            DemoAction(
                "Brief the agency on the operations-leaders campaign", "marketing", 6, False
            ),
            DemoAction("Send marketing three call recordings with Ops Olivers", "sales", 3, False),
        ),
    ),
)


def demo_meetings_load() -> int:
    """Keep the demo's last three meetings and the coming campaigns' personas, and freeze the
    closed days and weeks and the meetings' themes; returns how many action items it raised."""
    Campaign = apps.get_model("leads", "Campaign")
    Persona = apps.get_model("personas", "Persona")
    for campaign, persona in CAMPAIGN_PERSONAS.items():
        Campaign.objects.filter(name=campaign, target_persona__isnull=True).update(
            target_persona=Persona.objects.filter(name=persona).first()
        )
    users = {user.username: user for user in get_user_model().objects.filter(is_active=True)}
    chair = users.get("marketing")
    if chair is None:
        return 0
    this_week = week_start(timezone.localdate())
    raised = 0
    for spec in MEETINGS:
        meeting = meeting_for_week(week_of=this_week - timedelta(weeks=spec.weeks_ago), actor=chair)
        if meeting.notes:
            continue  # kept already
        attendees = [
            users[demo.username]
            for demo in DEMO_USERS
            if demo.username in users and demo.username not in spec.absent
        ]
        meeting_record_save(
            meeting=meeting,
            data={"notes": spec.notes, "decisions": spec.decisions},
            attendees=attendees,
        )
        for action in spec.actions:
            owner = users.get(action.owner, chair)
            item = action_item_add(
                meeting=meeting,
                text=action.text,
                owner=owner,
                due_on=meeting.week_of + timedelta(days=action.due_days),
                actor=chair,
            )
            raised += 1
            if action.done:
                action_item_mark(item=item, done=True, actor=owner)
    days_freeze_due()
    snapshots_freeze_due()
    themes_freeze_due()
    return raised
