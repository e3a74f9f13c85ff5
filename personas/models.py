"""Models of the personas app: documented buyer personas and the rules that match leads."""

from __future__ import annotations

from django.db import models


class Persona(models.Model):
    """A documented buyer persona. Its question groups and matching rules grow here."""

    name = models.CharField(max_length=120, unique=True)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
