"""Models of the journeys app: journey stages, their diagnostic questions, and content."""

from __future__ import annotations

from django.db import models


class JourneyStage(models.Model):
    """A stage of the buyer's journey (awareness … retention), in order."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(unique=True)
    description = models.TextField(blank=True)
    # The journey mapping: a lead stands in the furthest stage that its lifecycle stage or one
    # of its recent events maps to (``leads.scoring.matching``). Keys are the leads' own
    # (``personas.vocabulary``).
    lifecycle_stages = models.JSONField(
        default=list, blank=True, help_text="Lifecycle stages that place a lead in this stage."
    )
    event_types = models.JSONField(
        default=list, blank=True, help_text="Event types that place a lead in this stage."
    )
    event_window_days = models.PositiveSmallIntegerField(
        default=90, help_text="How recent an event must be, in days, to count."
    )
    mapping_updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name
