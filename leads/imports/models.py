"""Imports of leads from CSV files and Excel workbooks: the job (the uploaded file, its column
and value mappings, its progress) and the problems found in its rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ImportJob(models.Model):
    class Mode(models.TextChoices):
        VALID_ROWS = "valid_rows", "Import the valid rows, skip the bad ones"
        ALL_OR_NOTHING = "all_or_nothing", "Import nothing if any row is bad"

    class Stages(models.TextChoices):
        KEEP = "keep", "Keep the stages in the file (a migration from another CRM)"
        CRITERIA = "criteria", "Let the MQL and SQL criteria decide"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        EXCEL = "excel", "Excel workbook"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for you to check the columns"
        VALIDATING = "validating", "Checking the rows"
        READY = "ready", "Checked, about to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        ROLLED_BACK = "rolled_back", "Rolled back"
        CANCELLED = "cancelled", "Cancelled"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lead_imports",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    filename = models.CharField(max_length=255)
    # The uploaded bytes live in the database so that a worker on another machine can read them.
    data = models.BinaryField()
    size = models.PositiveBigIntegerField(default=0)
    file_format = models.CharField(max_length=10, choices=Format.choices, default=Format.CSV)
    # A CSV file's encoding and delimiter; a workbook's sheet that is read.
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    sheet = models.CharField(max_length=255, blank=True)
    headers = models.JSONField(default=list)
    # Each column's most frequent values and their counts, counted once on upload, so that the
    # preview can list a choice column's values whatever column the user maps to it.
    column_values = models.JSONField(default=list)
    # The field of each column, by position; "" ignores the column.
    mapping = models.JSONField(default=list)
    # What each value of a choice column becomes, by field and value: {"stage": {"other": ""}}.
    value_mapping = models.JSONField(default=dict)
    stages = models.CharField(max_length=10, choices=Stages.choices, default=Stages.KEEP)
    # Whether a date such as 03/05/2024 is the 3rd of May (day first) or March 5th.
    day_first = models.BooleanField(default=False)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.VALID_ROWS)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    message = models.TextField(blank=True)

    total_rows = models.PositiveIntegerField(default=0)
    # Data rows the first pass has checked so far, for its progress bar.
    rows_checked = models.PositiveIntegerField(default=0)
    # Data rows whose fate is committed (imported or skipped); an import resumes after them.
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # Rows whose e-mail (in any case) an earlier row of the file already had: one lead each.
    merged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    validated_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Moved by each chunk committed (and each step of the first pass): a running job whose
    # heartbeat stopped lost its worker, and beat resumes it (``smarketing.heartbeat``).
    heartbeat_at = models.DateTimeField(default=timezone.now)
    resumes = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the job was resumed after its worker stopped."
    )

    class Meta:
        indexes = [models.Index(fields=["created_by", "-created_at"], name="import_job_owner")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("leads:import_job", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.VALIDATING, self.State.READY, self.State.IMPORTING)

    @property
    def is_finished(self) -> bool:
        return self.state in (
            self.State.DONE,
            self.State.FAILED,
            self.State.ROLLED_BACK,
            self.State.CANCELLED,
        )

    @property
    def was_refused(self) -> bool:
        """All-or-nothing and some rows were bad: nothing was imported, by design."""
        return (
            self.state == self.State.FAILED
            and self.mode == self.Mode.ALL_OR_NOTHING
            and self.error_count > 0
        )

    @property
    def can_resume(self) -> bool:
        """A crash left whole chunks committed (valid rows) or nothing (all or nothing); the
        import may continue after the committed rows, or start again."""
        return self.state == self.State.ROLLED_BACK or (
            self.state == self.State.FAILED and self.mode == self.Mode.VALID_ROWS
        )

    @property
    def percent(self) -> int:
        return round(100 * self.rows_done / self.total_rows) if self.total_rows else 0


class ImportRowError(models.Model):
    """A problem in one cell (or one row) of an import's file."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField(help_text="As a spreadsheet numbers it: the header is row 1")
    column = models.CharField(max_length=255)
    value = models.TextField(blank=True)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "row"], name="import_error_job_row")]

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}"
