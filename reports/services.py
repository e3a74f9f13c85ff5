"""Writes of the reports app: the weekly meeting's record and its action items, each atomic,
the one path for the pages, the API and the admin."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reports.models import ActionItem, Meeting

NOTES_LIMIT = 20_000


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def meeting_for_week(*, week_of: date, actor) -> Meeting:
    """The record of the meeting of ``week_of``'s week, made on first use (once, also when two
    people start it at the same moment)."""
    week_of = week_start(week_of)
    meeting = Meeting.objects.filter(week_of=week_of).first()
    if meeting is not None:
        return meeting
    try:
        with transaction.atomic():
            return Meeting.objects.create(week_of=week_of, created_by=actor)
    except IntegrityError:
        return Meeting.objects.get(week_of=week_of)


@transaction.atomic
def meeting_record_save(
    *, meeting: Meeting, data: Mapping[str, Any], attendees: Iterable
) -> Meeting:
    """Keep the meeting's notes, decisions and attendees (active users)."""
    errors = {}
    for name in ("notes", "decisions"):
        if len(data.get(name, "")) > NOTES_LIMIT:
            errors[name] = f"At most {NOTES_LIMIT:,} characters."
    people = list(attendees)
    if any(not person.is_active for person in people):
        errors["attendees"] = "Only active users can attend."
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.notes = data.get("notes", "").strip()
    meeting.decisions = data.get("decisions", "").strip()
    meeting.updated_at = timezone.now()
    meeting.save(update_fields=["notes", "decisions", "updated_at"])
    meeting.attendees.set(people)
    return meeting


def action_item_add(
    *, meeting: Meeting, text: str, owner, due_on: date | None, actor
) -> ActionItem:
    """Raise an action item at ``meeting``: it comes back to every later meeting until done."""
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = "Say what is to be done."
    elif len(text) > ActionItem._meta.get_field("text").max_length:
        errors["text"] = "At most 300 characters."
    if owner is None or not owner.is_active:
        errors["owner"] = "Choose an active user to own it."
    if due_on is not None and due_on < meeting.week_of:
        errors["due_on"] = "The due date cannot be before the meeting's week."
    if errors:
        raise ValidationError(errors)
    return ActionItem.objects.create(
        meeting=meeting, text=text, owner=owner, due_on=due_on, created_by=actor
    )


def action_item_mark(*, item: ActionItem, done: bool, actor) -> ActionItem:
    """Mark an action item done (or not done again). Marking it as it already is changes
    nothing, so a repeated click keeps the first time and person."""
    if done:
        ActionItem.objects.filter(pk=item.pk, done_at__isnull=True).update(
            done_at=timezone.now(), done_by=actor
        )
    else:
        ActionItem.objects.filter(pk=item.pk).update(done_at=None, done_by=None)
    item.refresh_from_db()
    return item
