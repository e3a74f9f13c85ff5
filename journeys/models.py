"""Models of the journeys app: journey stages, their diagnostic questions, and content."""

from __future__ import annotations

from django.db import models


class JourneyStage(models.Model):
    """A stage of the buyer's journey (awareness … retention), in order."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name
