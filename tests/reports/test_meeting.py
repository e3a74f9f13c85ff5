"""The weekly meeting: the week under review against the week before and the 4-week average,
in numbers and sentences; the theme of the week of the month; the record kept once, refused
whole when wrong; and action items that come back to every meeting until done."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from leads.lifecycle import StageChange, stage_changes_write
from reports.meeting import action_items, week_feedback, week_numbers
from reports.models import ActionItem, Meeting, Theme
from reports.services import action_item_add, action_item_mark, meeting_for_week
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

# The meeting of Monday 14 December 2026 reviews 7–13 December.
MEETING = date(2026, 12, 14)
REVIEW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def entered(stage: str, at: datetime, count: int, frm: str = "lead") -> list:
    leads = LeadFactory.create_batch(count)
    stage_changes_write(
        [StageChange(lead_id=lead.pk, from_stage=frm, to_stage=stage, at=at, rule="test")
         for lead in leads],
        apply=False,
    )  # fmt: skip
    return leads


def figure(numbers, key):
    return next(f for f in numbers.figures if f.key == key)


def test_the_week_is_read_against_the_week_before_and_the_four_week_average():
    entered("mql", REVIEW, 6)  # the week under review
    entered("mql", REVIEW - timedelta(days=7), 4)  # the week before
    entered("mql", REVIEW - timedelta(days=14), 2)
    entered("mql", REVIEW - timedelta(days=35), 9)  # five weeks before: not in the average
    sals = entered("sal", REVIEW + timedelta(days=1), 3, frm="mql")
    assert sals
    numbers = week_numbers(MEETING)
    mqls = figure(numbers, "mql")
    assert (mqls.value, mqls.previous, mqls.average) == (6, 4, 1.5)  # (4 + 2 + 0 + 0) / 4
    assert (mqls.change, mqls.direction, mqls.sentence) == (50, "up", "MQLs up 50 %")
    assert figure(numbers, "mql_sal").value == 50.0  # 3 SALs of 6 MQLs
    assert figure(numbers, "sal").sentence == "SALs: nothing the week before to compare with"
    assert "MQLs up 50 %" in numbers.headlines
    assert (numbers.review.start.date(), numbers.review.last_day) == (
        date(2026, 12, 7),
        date(2026, 12, 13),
    )


def test_the_theme_follows_the_week_of_the_month():
    themes = [Meeting(week_of=date(2026, 12, day)).theme for day in (7, 14, 21, 28)]
    assert themes == [Theme.PERSONAS, Theme.PROMOTIONS, Theme.CUSTOMERS, Theme.STRATEGY]
    assert Meeting(week_of=date(2026, 11, 30)).theme == Theme.STRATEGY  # a fifth Monday


def test_an_action_item_comes_back_until_it_is_done(marketer, rep):
    first = meeting_for_week(week_of=MEETING, actor=marketer)
    item = action_item_add(
        meeting=first, text="Fix the webinar form", owner=rep, due_on=MEETING, actor=marketer
    )
    second = meeting_for_week(week_of=MEETING + timedelta(days=9), actor=marketer)  # a Wednesday
    assert second.week_of == MEETING + timedelta(days=7)
    assert action_items(second) == [item]
    action_item_mark(item=item, done=True, actor=rep)
    done_at = ActionItem.objects.get().done_at
    action_item_mark(item=item, done=True, actor=marketer)  # a second click changes nothing
    assert (ActionItem.objects.get().done_at, ActionItem.objects.get().done_by) == (done_at, rep)
    # Done in the second meeting's week: the second and third meetings show it as done (done
    # since the meeting before them), the fourth no more.
    ActionItem.objects.filter(pk=item.pk).update(done_at=datetime(2026, 12, 22, 10, 0, tzinfo=UTC))
    assert [i.done for i in action_items(second)] == [True]
    third = meeting_for_week(week_of=MEETING + timedelta(days=14), actor=marketer)
    assert [i.done for i in action_items(third)] == [True]
    fourth = meeting_for_week(week_of=MEETING + timedelta(days=21), actor=marketer)
    assert action_items(fourth) == []
    assert action_items(first) == [item]


def test_the_record_is_kept_from_the_screen_and_bad_input_changes_nothing(
    client_for, marketer, rep
):
    client = client_for(marketer)
    week = MEETING.isoformat()
    answer = client.post(
        reverse("reports:meeting_record", args=[week]),
        {"attendees": [marketer.pk, rep.pk], "notes": "Webinar leads look weak.",
         "decisions": "Retarget the webinar."},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert answer.status_code == 200
    meeting = Meeting.objects.get()
    assert (meeting.notes, set(meeting.attendees.all())) == (
        "Webinar leads look weak.",
        {marketer, rep},
    )
    refused = client.post(
        reverse("reports:action_add", args=[week]),
        {"text": "  ", "owner": rep.pk, "due_on": "2026-12-01"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert not ActionItem.objects.exists()
    early = client.post(
        reverse("reports:action_add", args=[week]),
        {"text": "Call the venue", "owner": rep.pk, "due_on": "2026-12-01"},
        headers={"HX-Request": "true"},
    )
    assert early.status_code == 400
    assert "cannot be before the meeting" in early.content.decode()
    added = client.post(
        reverse("reports:action_add", args=[week]),
        {"text": "Call the venue", "owner": rep.pk, "due_on": "2026-12-18"},
        headers={"HX-Request": "true"},
    )
    assert added.status_code == 200 and "Call the venue" in added.content.decode()
    assert client.get(reverse("reports:meeting_week", args=["not-a-date"])).status_code == 404


def test_the_meeting_screen_shows_every_section_within_its_query_budget(
    client_for, marketer, rep, django_assert_max_num_queries
):
    entered("mql", REVIEW, 3)
    meeting = meeting_for_week(week_of=MEETING, actor=marketer)
    action_item_add(meeting=meeting, text="Send the deck", owner=rep, due_on=None, actor=marketer)
    client = client_for(rep)
    with django_assert_max_num_queries(60):
        page = client.get(reverse("reports:meeting_week", args=[MEETING.isoformat()]))
    html = page.content.decode()
    for section in ("numbers", "feedback", "theme", "record"):
        assert f'data-testid="slide-{section}"' in html
    assert "Upcoming promotional deals" in html
    assert "Send the deck" in html


@pytest.mark.parametrize(
    ("day", "heading"),
    [(7, "Persona development"), (14, "Upcoming promotional deals"),
     (21, "Customer expectations"), (28, "Sales and marketing strategy")],
)  # fmt: skip
def test_each_week_of_the_month_shows_its_theme(client_for, marketer, day, heading):
    entered("mql", datetime(2026, 12, day, 9, 0, tzinfo=UTC) - timedelta(days=10), 4)
    page = client_for(marketer).get(
        reverse("reports:meeting_week", args=[date(2026, 12, day).isoformat()])
    )
    assert page.status_code == 200
    assert heading in page.content.decode()


def test_the_strategy_week_follows_the_month_s_mqls(client_for, marketer):
    # The meeting of 23 November 2026 (a fourth Monday) looks at 26 October – 22 November.
    mqls = entered("mql", datetime(2026, 11, 10, 9, 0, tzinfo=UTC), 4)
    entered("mql", datetime(2026, 10, 20, 9, 0, tzinfo=UTC), 2)  # the four weeks before
    later = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # after the meeting, before now
    stage_changes_write(
        [StageChange(lead_id=lead.pk, from_stage="mql", to_stage="sal", at=later, rule="test")
         for lead in mqls[:3]]
        + [StageChange(lead_id=mqls[3].pk, from_stage="mql", to_stage="sql",
                       at=datetime(2026, 11, 12, 9, 0, tzinfo=UTC), rule="test")],
        apply=False,
    )  # fmt: skip
    strategy = client_for(marketer).get(reverse("reports:meeting_week", args=["2026-11-23"]))
    assert strategy.context["strategy"].cohort.size == 4
    assert strategy.context["strategy"].volume("mql").previous == 2
    assert strategy.context["strategy"].cohort.reach("sal").count == 3
    assert "Where their 4 MQLs went" in strategy.content.decode()
    assert strategy.context["attribution"].sqls == 1
    assert [(row.name, row.sqls) for row in strategy.context["attribution"].rows] == [
        ("Unattributed", 1.0)
    ]


def test_the_strategy_week_shows_what_the_scoring_lab_last_suggested(client_for, marketer):
    from leads.scoring.models import LabRun
    from leads.scoring.services import scoring_model_activate
    from tests.leads.scoring.helpers import make_model

    meeting = reverse("reports:meeting_week", args=["2026-11-23"])
    assert "The scoring lab has not learned from closed history yet" in (
        client_for(marketer).get(meeting).content.decode()
    )
    model = make_model(fit=[("seniority", "equals", "vp", 10)])
    scoring_model_activate(model=model, actor=None, enqueue=False)
    change = {"action": "points", "kind": "fit", "rule": 1, "points": 18}
    LabRun.objects.create(
        kind="suggestions", model=model, status="done", finished_at=REVIEW,
        result={
            "fit_from": "2026-01-01", "fit_to": "2026-09-30", "closed": 812,
            "later": {"auc_now": 0.61, "auc_suggested": 0.68},
            "rules": [{"key": f"r{n}", "offered": True, "text": f"Rule {n}", "current": 10,
                       "suggested": 18, "lift": 1.4, "change": change} for n in range(5)],
            "new_rules": [],
            "patterns": {"found": [{"key": "p", "offered": True, "change": change,
                                    "sentence": "62 % of the leads whose company size is 1–10 "
                                    "were rejected as “No budget”.",
                                    "change_text": "Lower “Company size is 1–10”"}]},
        },
    )  # fmt: skip
    page = client_for(marketer).get(meeting)
    lab = page.context["lab"]
    assert [item["text"] for item in lab.changes] == ["Rule 0", "Rule 1", "Rule 2"]
    html = page.content.decode()
    assert "from 812 closed MQLs of 2026-01-01 to 2026-09-30" in html
    assert "AUC 0.61 today and 0.68 with every suggestion" in html
    assert "62 % of the leads whose company size is 1–10" in html
    assert "2 more suggestions in the scoring lab." in html


def test_the_feedback_splits_the_content_rated_useful_from_the_rest(rep):
    from leads.content.services import content_rate, content_send
    from tests.journeys.conftest import asset

    liked, disliked = asset("Pricing one-pager"), asset("Old deck")
    for useful, item in ((True, liked), (True, liked), (False, disliked), (False, disliked)):
        lead = LeadFactory(owner=rep, stage="sal")
        send = content_send(asset=item, lead=lead, by=rep, at=REVIEW)
        content_rate(send=send, by=rep, useful=useful, at=REVIEW + timedelta(hours=2))
    feedback = week_feedback(week_numbers(MEETING).review)
    assert [(a.title, a.useful_percent, a.ratings) for a in feedback.best_content] == [
        ("Pricing one-pager", 100, 2)
    ]
    assert [(a.title, a.useful_percent) for a in feedback.worst_content] == [("Old deck", 0)]
