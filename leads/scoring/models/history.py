"""A lead's score, day by day: the value it had at the end of each day it changed."""

from __future__ import annotations

from django.db import models

HISTORY_DAYS = 90


class ScoreHistory(models.Model):
    """The last score written for a lead on a day (UTC). Days without a row kept the previous
    day's score; rows older than ``HISTORY_DAYS`` are pruned nightly."""

    pk = models.CompositePrimaryKey("lead", "day")
    # The key, which leads with the lead, serves lookups by lead: no index of its own, which
    # every score written would also update. Rows are written only by the scoring statements,
    # from the leads those statements update, so the lead is not checked again at commit (a
    # lookup per row: about a tenth of a full rescore). Deleting a lead deletes its history
    # (Django's cascade); rows of a lead deleted while it was being scored age out with the
    # nightly prune.
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    day = models.DateField()
    fit_score = models.IntegerField()
    engagement_score = models.IntegerField()
    total_score = models.IntegerField()

    class Meta:
        verbose_name_plural = "score history"
        indexes = [models.Index(fields=["day"], name="score_history_day")]

    def __str__(self) -> str:
        return f"{self.lead_id} on {self.day}: {self.total_score}"
