"""Celery tasks of the reports app (queue ``reports``, routed by module path): ids in, then a
service call. The digest is idempotent: a second run, or one beside it, e-mails no one twice."""

from __future__ import annotations

from datetime import date, datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from reports.days import days_freeze_due
from reports.digest import digest_send
from reports.selectors import grade_counts_refresh
from reports.services import week_start
from reports.snapshots import snapshots_freeze_due
from reports.themes import themes_freeze_due

# A lost or busy database is worth another try soon; a refused e-mail is not retried here but
# given back to its row for the next run (see ``reports.digest``).
RETRY = {"autoretry_for": (OperationalError, InterfaceError), "max_retries": 5,
         "retry_backoff": True}  # fmt: skip


@shared_task(**RETRY)
def digest_send_task(week_of: str | None = None) -> int:
    """E-mail the weekly digest of this week's meeting (or of the week of ``week_of``, an ISO
    date) to everyone who has not had it (beat: Monday at 07:00, then each quarter hour of the
    day for those the mail server refused); returns how many were sent."""
    day = date.fromisoformat(week_of) if week_of else timezone.localdate()
    return digest_send(week_of=week_start(day))


@shared_task(**RETRY)
def days_freeze_task(now: str | None = None) -> int:
    """Freeze the current day's entries into each stage so far, the rest of the day just over,
    and any day a stopped scheduler missed (beat: every ten minutes), as of now or of ``now``
    (an ISO instant); returns how many days it froze, whole or in part."""
    return days_freeze_due(datetime.fromisoformat(now) if now else None)


@shared_task(**RETRY)
def snapshots_freeze_task() -> dict[str, int]:
    """Freeze the figures of the week just over and the theme of this week's meeting, and any
    a stopped scheduler missed (beat: early each day); returns how many weeks and themes it
    froze."""
    return {"weeks": snapshots_freeze_due(), "themes": themes_freeze_due()}


@shared_task(**RETRY)
def grade_counts_task() -> int:
    """Count every lead's grade for the grades report (beat: each minute), so no page waits
    for a count of the whole table; returns how many leads have a grade."""
    return sum(grade_counts_refresh().values())
