"""Content sent to leads, and the reps' ratings of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from leads.models import Lead, Stage, Touch

RATING_NOTE_MAX_LENGTH = 2_000


class ContentSend(models.Model):
    """An asset a rep sent to a lead, with the touch that records it on the lead's timeline
    and the lead's lifecycle stage at that moment (what "moved on afterwards" starts from)."""

    asset = models.ForeignKey(
        "journeys.ContentAsset", on_delete=models.PROTECT, related_name="sends"
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="content_sends")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="content_sends"
    )
    at = models.DateTimeField(default=timezone.now)
    stage_at_send = models.CharField(max_length=20, choices=Stage.choices)
    touch = models.OneToOneField(
        Touch, null=True, on_delete=models.SET_NULL, related_name="content_send"
    )

    class Meta:
        indexes = [
            models.Index(fields=["asset", "at"], name="content_send_asset_time"),
            models.Index(fields=["lead", "at"], name="content_send_lead_time"),
        ]

    def __str__(self) -> str:
        return f"{self.asset} → {self.lead}"


class ContentRating(models.Model):
    """The sender's verdict on one send: was the asset useful with this lead? One per send
    (rating again replaces it), so every verdict is about a real conversation."""

    send = models.OneToOneField(ContentSend, on_delete=models.CASCADE, related_name="rating")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="content_ratings",
    )
    useful = models.BooleanField()
    note = models.TextField(blank=True, max_length=RATING_NOTE_MAX_LENGTH)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "useful" if self.useful else "not useful"
