"""The weekly digest: the meeting's numbers e-mailed once a week to every user of both teams
who did not opt out, never twice, a refused send tried again by the next run; and the page
where a user reads it and opts out or in again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from leads.lifecycle import StageChange, stage_changes_write
from reports.digest import digest_send, digest_subscription_set
from reports.meeting import week_numbers
from reports.models import DigestOptOut, DigestSend
from reports.tasks import digest_send_task
from smarketing.celery import app
from smarketing.roles import Role
from tests.factories import LeadFactory, UserFactory, rejection_reason
from tests.helpers import free_port

pytestmark = pytest.mark.django_db

# The meeting of Monday 14 December 2026 reviews 7–13 December.
MEETING = date(2026, 12, 14)
REVIEW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
SENT_AT = datetime(2026, 12, 14, 7, 0, tzinfo=UTC)


def entered(stage: str, at: datetime, count: int, frm: str = "lead", **change) -> list:
    leads = LeadFactory.create_batch(count)
    stage_changes_write(
        [StageChange(lead_id=lead.pk, from_stage=frm, to_stage=stage, at=at, rule="test",
                     **change) for lead in leads],
        apply=False,
    )  # fmt: skip
    return leads


def refusing_mail_server(settings) -> None:
    """SMTP to a port nothing listens on: every send is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2


def test_each_role_gets_the_digest_once_and_a_second_run_sends_nothing(
    users_by_role, outsider, mailoutbox
):
    UserFactory(username="gone", role=Role.SALES, is_active=False)
    UserFactory(username="nomail", role=Role.MARKETING, email="")
    assert digest_send(week_of=MEETING, now=SENT_AT) == 5
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        user.email for user in users_by_role.values()
    )
    # The quarter hour's re-run, or a second worker, sends nobody the week's digest again.
    assert digest_send(week_of=MEETING + timedelta(days=2), now=SENT_AT) == 0
    assert digest_send_task(MEETING.isoformat()) == 0
    assert len(mailoutbox) == 5
    rows = DigestSend.objects.filter(week_of=MEETING)
    assert rows.count() == 5 and not rows.filter(sent_at__isnull=True).exists()
    assert set(rows.values_list("attempts", flat=True)) == {1}
    # Next week's is another digest.
    assert digest_send(week_of=MEETING + timedelta(days=7)) == 5


def test_a_user_who_opted_out_gets_none_until_they_opt_in_again(rep, marketer, mailoutbox):
    digest_subscription_set(user=rep, subscribed=False)
    digest_subscription_set(user=rep, subscribed=False)  # twice changes nothing
    assert digest_send(week_of=MEETING, now=SENT_AT) == 1
    assert [message.to for message in mailoutbox] == [[marketer.email]]
    digest_subscription_set(user=rep, subscribed=True)
    assert digest_send(week_of=MEETING, now=SENT_AT + timedelta(minutes=15)) == 1
    assert [message.to for message in mailoutbox][1:] == [[rep.email]]


def test_a_digest_the_mail_server_refused_is_sent_by_the_next_run_once(rep, settings, mailoutbox):
    refusing_mail_server(settings)
    assert digest_send(week_of=MEETING, now=SENT_AT) == 0
    row = DigestSend.objects.get(user=rep)
    assert (row.sent_at, row.claimed_at, row.attempts) == (None, None, 1)
    assert "Connection refused" in row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digest_send(week_of=MEETING, now=SENT_AT + timedelta(minutes=15)) == 1
    assert digest_send(week_of=MEETING, now=SENT_AT + timedelta(minutes=30)) == 0
    assert [message.to for message in mailoutbox] == [[rep.email]]
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2


def test_a_claim_is_left_to_its_worker_until_it_can_no_longer_be_sending(rep, mailoutbox):
    DigestSend.objects.create(user=rep, week_of=MEETING, claimed_at=SENT_AT, attempts=1)
    assert digest_send(week_of=MEETING, now=SENT_AT + timedelta(minutes=1)) == 0
    later = SENT_AT + timedelta(seconds=django_settings.CELERY_TASK_TIME_LIMIT + 61)
    assert digest_send(week_of=MEETING, now=later) == 1
    assert len(mailoutbox) == 1


def test_the_digest_holds_the_meeting_s_sentences_figures_reasons_and_links(rep, mailoutbox):
    entered("mql", REVIEW, 6)  # the week under review
    entered("mql", REVIEW - timedelta(days=7), 4)  # the week before
    budget = rejection_reason("no-budget")
    entered("recycled", REVIEW, 2, frm="mql", rejection_reason_id=budget.pk)
    digest_send(week_of=MEETING, now=SENT_AT)
    (message,) = mailoutbox
    html = message.alternatives[0].content
    headlines = week_numbers(MEETING).headlines
    assert "MQLs up 50 %" in headlines
    for line in headlines:
        assert f"- {line}." in message.body
        assert f"<li>{line}.</li>" in html
    assert message.subject.startswith("Smarketing week of 7 Dec: MQLs up 50 %")
    rows = [line.split() for line in message.body.splitlines()]
    assert ["MQLs", "6", "4", "1"] in rows  # this week, the week before, the 4-week average
    assert f"- {budget.label}: 2" in message.body and f"{budget.label} · 2" in html
    meeting = f"{django_settings.PORTAL_URL}/meeting/2026-12-14/"
    opt_out = f"{django_settings.PORTAL_URL}/reports/digest/"
    assert meeting in message.body and f'href="{meeting}"' in html
    assert opt_out in message.body and f'href="{opt_out}"' in html


def test_the_task_sends_this_week_s_digest_and_the_beat_runs_it_on_monday_morning(rep, mailoutbox):
    assert digest_send_task() == 1
    entry = django_settings.CELERY_BEAT_SCHEDULE["reports-digest-send"]
    assert entry["task"] == digest_send_task.name and entry["task"] in app.tasks
    assert entry["schedule"].day_of_week == {1} and min(entry["schedule"].hour) == 7
    assert digest_send_task.app.amqp.router.route({}, digest_send_task.name)["queue"].name == (
        "reports"
    )


def test_a_user_reads_this_week_s_digest_and_opts_out_and_in_again(
    client_for, rep, django_assert_max_num_queries
):
    client = client_for(rep)
    last_week = datetime.now(UTC) - timedelta(days=7)
    for count in (3, 30):
        entered("mql", last_week, count)
        entered("recycled", last_week, count // 3, frm="mql",
                rejection_reason_id=rejection_reason("no-budget").pk)  # fmt: skip
        # The session, the user and their roles, the opt-out, and the meeting's numbers of
        # five weeks (about 8 a week) with the feedback of the last: 43, whatever the rows.
        with django_assert_max_num_queries(45):
            page = client.get(reverse("reports:digest"))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="digest-preview"' in html
    assert "Stop receiving it" in html
    assert page.context["digest"].subject in html
    for line in page.context["numbers"].headlines:
        assert f"<li>{line}.</li>" in html

    answer = client.post(reverse("reports:digest_subscription"), {"subscribed": "0"}, follow=True)
    assert answer.redirect_chain == [(reverse("reports:digest"), 302)]
    assert "You will no longer receive the weekly digest." in answer.content.decode()
    assert "Receive it again" in answer.content.decode()
    assert DigestOptOut.objects.filter(user=rep).exists()

    answer = client.post(reverse("reports:digest_subscription"), {"subscribed": "1"}, follow=True)
    assert "You will receive the weekly digest again" in answer.content.decode()
    assert not DigestOptOut.objects.filter(user=rep).exists()


def test_anonymous_is_sent_to_log_in_and_a_user_without_a_role_is_refused(client_for, outsider):
    for url in (reverse("reports:digest"), reverse("reports:digest_subscription")):
        answer = Client().get(url)
        assert answer.status_code == 302 and answer.url.startswith(reverse("login"))
    assert client_for(outsider).get(reverse("reports:digest")).status_code == 403
    refused = client_for(outsider).post(reverse("reports:digest_subscription"), {"subscribed": "0"})
    assert refused.status_code == 403 and not DigestOptOut.objects.exists()
