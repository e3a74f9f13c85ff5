"""The weekly digest: the numbers of the weekly meeting screen (``reports.meeting``) e-mailed to
both teams early on the Monday of the meeting, in plain text and HTML; each user may opt out.

Each recipient has one ``DigestSend`` row a week, made for everyone due it in one statement,
and rows are claimed in batches by a conditional update before anything is sent, so a second
run, or a second worker beside the first, sends no one the same week twice. A send the mail
server refused is given back with its error and tried again by the next run (the beat re-runs
the task through Monday). A claim older than the tasks' hard time limit belongs to a worker
that died, and is taken back: only the one message that worker was sending when it died may
then go out twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reports.meeting import Feedback, Figure, WeekNumbers, week_feedback, week_numbers
from reports.models import DigestOptOut, DigestSend
from reports.services import week_start
from smarketing.roles import ALL_ROLES

logger = logging.getLogger(__name__)

# Rows claimed, then sent over one SMTP connection, per statement.
BATCH = 100
# The figures whose moves make the subject line, in this order.
SUBJECT_FIGURES = ("mql", "accepted")
ERROR_LENGTH = DigestSend._meta.get_field("last_error").max_length


# --- who receives it ---------------------------------------------------------------------------


def digest_recipients() -> QuerySet:
    """The active users of any role (both teams, their managers and the admins) who have an
    e-mail address and have not opted out."""
    User = get_user_model()
    in_role = User.groups.through.objects.filter(group__name__in=[role.value for role in ALL_ROLES])
    return (
        User.objects.filter(Q(pk__in=in_role.values("user_id")) | Q(is_superuser=True))
        .filter(is_active=True)
        .exclude(email="")
        .exclude(Exists(DigestOptOut.objects.filter(user_id=OuterRef("pk"))))
    )


def digest_subscribed(user) -> bool:
    return not DigestOptOut.objects.filter(user=user).exists()


@transaction.atomic
def digest_subscription_set(*, user, subscribed: bool) -> bool:
    """Opt the user in to the weekly digest, or out of it; returns whether they now receive it.
    Asking twice changes nothing."""
    if subscribed:
        DigestOptOut.objects.filter(user=user).delete()
    else:
        DigestOptOut.objects.bulk_create([DigestOptOut(user=user)], ignore_conflicts=True)
    return subscribed


# --- the message -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A figure of the table, its numbers written as the e-mail shows them."""

    figure: Figure
    value: str
    previous: str
    average: str


@dataclass(frozen=True)
class Digest:
    """What every recipient of a week's digest reads: computed once a run, not per user."""

    week_of: date
    numbers: WeekNumbers
    feedback: Feedback
    rows: list[Row]
    subject: str
    meeting_url: str
    digest_url: str


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.1f}".removesuffix(".0")
    return f"{text} %" if unit else text


def _lower_first(sentence: str) -> str:
    """``Acceptance down 6 points`` in the middle of a line; ``MQLs`` stays as it is."""
    if len(sentence) > 1 and sentence[1].islower():
        return sentence[0].lower() + sentence[1:]
    return sentence


def digest_subject(numbers: WeekNumbers) -> str:
    """``Smarketing week of 23 Nov: MQLs up 18 %, acceptance down 6 points`` (the figures with
    nothing to compare are left out)."""
    first_day = timezone.localtime(numbers.review.start).date()
    title = f"Smarketing week of {first_day.day} {first_day:%b}"
    by_key = {figure.key: figure for figure in numbers.figures}
    moves = [by_key[key].sentence for key in SUBJECT_FIGURES
             if key in by_key and by_key[key].change is not None]  # fmt: skip
    if not moves:
        return title
    return f"{title}: " + ", ".join([moves[0], *map(_lower_first, moves[1:])])


def _absolute(path: str) -> str:
    return f"{settings.PORTAL_URL.rstrip('/')}{path}"


def digest_content(week_of: date) -> Digest:
    """The digest of the meeting of ``week_of``'s week: the week before it, in numbers."""
    monday = week_start(week_of)
    numbers = week_numbers(monday)
    rows = [
        Row(f, _number(f.value, f.unit), _number(f.previous, f.unit), _number(f.average, f.unit))
        for f in numbers.figures
    ]
    return Digest(
        week_of=monday,
        numbers=numbers,
        feedback=week_feedback(numbers.review),
        rows=rows,
        subject=digest_subject(numbers),
        meeting_url=_absolute(reverse("reports:meeting_week", args=[monday.isoformat()])),
        digest_url=_absolute(reverse("reports:digest")),
    )


def digest_context(digest: Digest, user) -> dict:
    """What the e-mail's templates (and the page's preview) read."""
    return {
        "digest": digest,
        "numbers": digest.numbers,
        "feedback": digest.feedback,
        "review_first": timezone.localtime(digest.numbers.review.start).date(),
        "review_last": digest.numbers.review.last_day,
        "name": user.first_name or user.get_username(),
    }


def digest_message(digest: Digest, user, *, connection=None) -> EmailMultiAlternatives:
    context = digest_context(digest, user)
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=render_to_string("reports/email/digest.txt", context),
        to=[user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("reports/email/digest.html", context), "text/html")
    return message


# --- sending -----------------------------------------------------------------------------------


def _claim_expires() -> timedelta:
    """A worker is killed at the hard time limit, so a claim older than that is no one's."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def _rows_make(week_of: date) -> None:
    """A row for each recipient who has none for the week (one statement)."""
    new = digest_recipients().exclude(
        Exists(DigestSend.objects.filter(user_id=OuterRef("pk"), week_of=week_of))
    )
    DigestSend.objects.bulk_create(
        [DigestSend(user_id=pk, week_of=week_of) for pk in new.values_list("pk", flat=True)],
        ignore_conflicts=True,
        batch_size=1000,
    )


def _claim(week_of: date, now: datetime, after: int) -> list[DigestSend]:
    """Claim the next batch of unsent rows after the id ``after``: those nobody holds, or whose
    claim expired, of users who still receive the digest. Rows another worker is claiming are
    skipped, and the update is made under their lock, so no row is claimed twice."""
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - _claim_expires())
    with transaction.atomic():
        ids = list(
            DigestSend.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(free, week_of=week_of, sent_at__isnull=True, pk__gt=after)
            .filter(user_id__in=digest_recipients().values("pk"))
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        DigestSend.objects.filter(pk__in=ids).update(claimed_at=now, attempts=F("attempts") + 1)
    return list(DigestSend.objects.filter(pk__in=ids).select_related("user").order_by("pk"))


def _give_back(rows: list[DigestSend], error: Exception | None) -> None:
    """Release the claims of rows not sent, for the next run; ``error`` is why (None: they
    were not tried, so the attempt is not counted)."""
    given = DigestSend.objects.filter(pk__in=[row.pk for row in rows], sent_at__isnull=True)
    if error is None:
        given.update(claimed_at=None, attempts=F("attempts") - 1)
    else:
        given.update(claimed_at=None, last_error=f"{type(error).__name__}: {error}"[:ERROR_LENGTH])


def _send(rows: list[DigestSend], digest: Digest) -> int:
    """Send the claimed rows over one connection; returns how many went out."""
    connection = get_connection()
    try:
        connection.open()
    except OSError as error:
        logger.warning("Weekly digest of %s not sent: %s.", digest.week_of, error)
        _give_back(rows, error)
        return 0
    sent = 0
    waiting = list(rows)
    try:
        while waiting:
            row = waiting[0]
            try:
                digest_message(digest, row.user, connection=connection).send()
            except OSError as error:  # smtplib's errors, a refused or lost connection
                logger.warning("Weekly digest %s not sent: %s.", row.pk, error)
                _give_back([row], error)
            else:
                DigestSend.objects.filter(pk=row.pk).update(sent_at=timezone.now())
                sent += 1
            waiting.pop(0)
    finally:
        connection.close()
        # Stopped by an error we do not expect: those not tried yet go back at once; the one
        # being sent waits for its claim to expire, as nobody knows whether it went out.
        if len(waiting) > 1:
            _give_back(waiting[1:], None)
    return sent


def digest_send(*, week_of: date, now: datetime | None = None) -> int:
    """E-mail the digest of the meeting of ``week_of``'s week to every recipient who has not
    had it yet; returns how many were sent. Running it again sends only what a refusal or a
    dead worker left."""
    monday = week_start(week_of)
    now = now or timezone.now()
    _rows_make(monday)
    digest = None
    sent = 0
    after = 0
    while rows := _claim(monday, now, after):
        digest = digest or digest_content(monday)
        sent += _send(rows, digest)
        after = rows[-1].pk
    return sent
