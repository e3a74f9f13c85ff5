"""Writes of sales enablement on leads: sending an asset to a lead, and rating the send.

The page, the API and the demo send and rate through these two functions only. A send is a
sales touch: it is logged by ``leads.services.touch_log`` (an e-mail, its note naming the
asset), so it shows on the lead's timeline and counts as sales activity like any other.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from journeys.models import ContentAsset
from leads.content.models import RATING_NOTE_MAX_LENGTH, ContentRating, ContentSend
from leads.models import Lead, StageTransition, TouchKind, TouchOutcome
from leads.services import touch_log
from smarketing.roles import Role, user_roles

SEND_NOTE_MAX_LENGTH = 1_000


def send_touch_note(asset: ContentAsset, note: str = "") -> str:
    """The note of the touch a send logs: what was sent, then the rep's own words."""
    text = f"Sent {asset.get_kind_display().lower()}: “{asset.title}”"
    return f"{text} — {note}" if note else text


@transaction.atomic
def content_send(
    *, asset: ContentAsset, lead: Lead, by, note: str = "", at: datetime | None = None
) -> ContentSend:
    """Record that ``by`` sent ``asset`` to ``lead``: a send and its e-mail touch.

    The caller has checked that ``by`` may log touches on ``lead`` (``lead_get_for_user`` with
    ``Change.TOUCH``). Only live content is sent; the refusal says what the asset is instead.
    """
    note = note.strip()
    if not asset.is_live:
        raise ValidationError(
            {"asset": f"“{asset.title}” is {asset.get_status_display().lower()}; only live "
             "content is sent to leads."}
        )  # fmt: skip
    if len(note) > SEND_NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": f"A note holds at most {SEND_NOTE_MAX_LENGTH:,} characters."}
        )
    touch = touch_log(
        lead=lead,
        by=by,
        kind=TouchKind.EMAIL,
        outcome=TouchOutcome.OTHER,
        at=at or timezone.now(),
        note=send_touch_note(asset, note),
    )
    return ContentSend.objects.create(
        asset=asset, lead=lead, by=by, at=touch.at, stage_at_send=_stage_at(lead, at), touch=touch
    )


def _stage_at(lead: Lead, at: datetime | None) -> str:
    """The lead's stage at ``at``: its current one, or for a send recorded after the fact the
    stage its transitions had reached by then."""
    if at is None:
        return lead.stage
    earlier = StageTransition.objects.filter(lead=lead, at__lte=at).order_by("-at", "-id")
    return earlier.values_list("to_stage", flat=True).first() or lead.stage


@transaction.atomic
def content_rate(
    *, send: ContentSend, by, useful: bool, note: str = "", at: datetime | None = None
) -> ContentRating:
    """The sender's verdict on a send (an admin may give it too); rating again replaces it.
    ``at`` is when it was given (now unless a history is being loaded)."""
    if send.by_id != by.pk and Role.ADMIN not in user_roles(by):
        raise PermissionDenied("Only the rep who sent this content rates how useful it was.")
    note = note.strip()
    if len(note) > RATING_NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": f"A note holds at most {RATING_NOTE_MAX_LENGTH:,} characters."}
        )
    rating, _ = ContentRating.objects.update_or_create(
        send=send, defaults={"by": by, "useful": useful, "note": note, "at": at or timezone.now()}
    )
    return rating
