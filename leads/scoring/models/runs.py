"""Runs of the scoring engine that take a while, with the progress the UI shows: full rescores
(on activation, nightly decay) and the scoring lab's impact and backtest computations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from leads.scoring.models.versions import ScoringModel


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


UNFINISHED = (RunStatus.QUEUED, RunStatus.RUNNING)


class ScoringRun(models.Model):
    """A rescore of every lead with one model as of one instant, in chunks over lead-id ranges.

    Each chunk is written, marked done and counted in the run's progress in one transaction,
    so a worker killed mid-run leaves no chunk half-written, and the run resumes with the
    chunks not done. ``as_of`` is fixed when the run starts, so a resumed or repeated chunk
    writes the same values. Each chunk also moves ``heartbeat_at``: a run whose heartbeat
    stopped lost its worker, and beat resumes it (``smarketing.heartbeat``)."""

    class Kind(models.TextChoices):
        ACTIVATION = "activation", "Activation"
        DECAY = "decay", "Nightly decay"
        MANUAL = "manual", "Manual rescore"
        MATCHING = "matching", "Persona and journey rules changed"

    model = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="runs")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    as_of = models.DateTimeField(help_text="The instant every lead is scored as of.")
    highest_lead_id = models.BigIntegerField(default=0)
    leads_total = models.PositiveIntegerField(default=0)
    leads_done = models.PositiveIntegerField(default=0)
    leads_written = models.PositiveIntegerField(default=0)
    leads_qualified = models.PositiveIntegerField(default=0)
    leads_moved = models.PositiveIntegerField(
        default=0,
        help_text="Leads whose new version could not be written in place (beside the old one, "
        "with no index entry): each leaves dead entries in every index of the leads.",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        default=timezone.now, help_text="When a worker last committed a chunk of the run."
    )
    resumes = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the run was resumed after its worker stopped."
    )
    error = models.TextField(blank=True, help_text="Why the run stopped before the end.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="scoring_run_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of v{self.model.version} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        return int(100 * self.leads_done / self.leads_total) if self.leads_total else 0

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED


class ScoringRunChunk(models.Model):
    """The leads with ``low < id ≤ high`` of a run; every worker on the run takes the next chunk
    not done and not taken (``FOR UPDATE SKIP LOCKED``), and holds it until it is written."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    low = models.BigIntegerField()
    high = models.BigIntegerField()
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="scoring_run_chunk_number")
        ]

    def __str__(self) -> str:
        return f"Chunk {self.number} of run {self.run_id}: {self.low} < id ≤ {self.high}"


class LabRun(models.Model):
    """A computation of the scoring lab, by a worker: the impact or the backtest of a draft
    against the active model, or the suggestions learned from closed history for a model;
    ``result`` holds the figures the lab shows."""

    class Kind(models.TextChoices):
        IMPACT = "impact", "Impact"
        BACKTEST = "backtest", "Backtest"
        SUGGESTIONS = "suggestions", "Suggestions"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="lab_runs")
    baseline = models.ForeignKey(
        ScoringModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The model compared with (the active one when the run was asked for).",
    )  # fmt: skip
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    parameters = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of v{self.model.version} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED
