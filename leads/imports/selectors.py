"""Reads of lead imports: a user's jobs, one job, its live progress and its problems."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from leads.imports.models import ImportJob, ImportRowError
from leads.imports.services import progress_key
from smarketing.roles import Role, user_roles

RECENT_JOBS = 20
ERRORS_SHOWN = 200


def import_jobs_for_user(user) -> QuerySet[ImportJob]:
    """The imports a user may see: their own, or everyone's for an admin. Without the file."""
    jobs = ImportJob.objects.select_related("created_by").defer("data").order_by("-created_at")
    return jobs if Role.ADMIN in user_roles(user) else jobs.filter(created_by=user)


def import_job_get_for_user(user, pk: int) -> ImportJob:
    """The job, or a 404 when it does not exist or belongs to someone else. The file is
    read only when a page needs it (the preview), not on every progress poll."""
    return get_object_or_404(import_jobs_for_user(user), pk=pk)


@dataclass(frozen=True)
class Progress:
    phase: str
    rows: int
    total: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.rows / self.total)) if self.total else 0

    @property
    def label(self) -> str:
        verb = "Checked" if self.phase == "validating" else "Imported"
        return f"{verb} {self.rows:,} of {self.total:,} rows"


def import_job_progress(job: ImportJob) -> Progress:
    """How far a running job is: the live count a worker reports, else the committed rows."""
    live = cache.get(progress_key(job.pk))
    if live:
        return Progress(phase=live["phase"], rows=live["rows"], total=job.total_rows)
    phase = "validating" if job.validated_at is None else "importing"
    return Progress(phase=phase, rows=job.rows_done, total=job.total_rows)


def import_row_errors(job: ImportJob) -> QuerySet[ImportRowError]:
    return job.row_errors.order_by("row", "id")
