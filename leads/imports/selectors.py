"""Reads of lead imports: a user's jobs, one job, its live progress, its problems grouped by
message, and the sales users an owner column is matched against."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Count, Min, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from leads.imports.models import ImportJob, ImportRowError
from leads.imports.parsing import Owner, Owners
from smarketing.roles import SALES_ROLES, Role, user_roles

RECENT_JOBS = 20
PROBLEM_GROUPS_SHOWN = 30


def import_jobs_for_user(user) -> QuerySet[ImportJob]:
    """The imports a user may see: their own, or everyone's for an admin. Without the file."""
    jobs = (
        ImportJob.objects.select_related("created_by")
        .defer("data", "column_values")
        .order_by("-created_at")
    )
    return jobs if Role.ADMIN in user_roles(user) else jobs.filter(created_by=user)


def import_job_get_for_user(user, pk: int) -> ImportJob:
    """The job, or a 404 when it does not exist or belongs to someone else. The file is
    read only when a page needs it (the preview), not on every progress poll."""
    return get_object_or_404(import_jobs_for_user(user), pk=pk)


def import_owners() -> Owners:
    """The active users of the sales roles, whom an owner column may name."""
    users = (
        User.objects.filter(is_active=True, groups__name__in=[role.value for role in SALES_ROLES])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return Owners(
        [
            Owner(id=user.pk, name=user.get_full_name(), email=user.email, username=user.username)
            for user in users
        ]
    )


# --- progress -------------------------------------------------------------------------------------


def progress_key(job_id: int) -> str:
    return f"leads:import-progress:{job_id}"


@dataclass(frozen=True)
class Progress:
    """How far a running job is. ``rows`` is None when no live count can be known: an
    all-or-nothing import writes in one transaction, invisible until it commits, and the cache
    that carries its count is not shared with the worker (no CACHE_URL)."""

    phase: str
    rows: int | None
    total: int

    @property
    def percent(self) -> int:
        if self.rows is None or not self.total:
            return 0
        return min(100, round(100 * self.rows / self.total))

    @property
    def step(self) -> str:
        return (
            "Step 1 of 2: checking every row"
            if self.phase == "validating"
            else ("Step 2 of 2: importing")
        )

    @property
    def label(self) -> str:
        if self.rows is None:
            return f"Importing {self.total:,} rows in one transaction"
        verb = "Checked" if self.phase == "validating" else "Imported"
        return f"{verb} {self.rows:,} of {self.total:,} rows"


def import_job_progress(job: ImportJob) -> Progress:
    """The job's rows checked or committed (on its row, which every process sees), or the live
    count the worker reports through the cache when it is further on."""
    live = cache.get(progress_key(job.pk)) or {}
    if job.validated_at is None:
        rows = max(
            job.rows_checked, live.get("rows", 0) if live.get("phase") == "validating" else 0
        )
        return Progress(phase="validating", rows=rows, total=job.total_rows)
    live_rows = live.get("rows") if live.get("phase") == "importing" else None
    if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        return Progress(phase="importing", rows=live_rows, total=job.total_rows)
    return Progress(
        phase="importing", rows=max(job.rows_done, live_rows or 0), total=job.total_rows
    )


# --- problems ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemGroup:
    column: str
    message: str
    rows: int
    first_row: int
    example: str


def import_problem_groups(job: ImportJob) -> list[ProblemGroup]:
    """The job's problems by column and message, most frequent first, each with its first row
    and that row's value. One query, grouped in the database."""
    first_value = (
        ImportRowError.objects.filter(
            job=job, column=OuterRef("column"), message=OuterRef("message")
        )
        .order_by("row", "id")
        .values("value")[:1]
    )
    groups = (
        ImportRowError.objects.filter(job=job)
        .values("column", "message")
        .annotate(rows=Count("id"), first_row=Min("row"), example=Subquery(first_value))
        .order_by("-rows", "first_row")[:PROBLEM_GROUPS_SHOWN]
    )
    return [ProblemGroup(**group) for group in groups]


def import_row_errors(job: ImportJob) -> QuerySet[ImportRowError]:
    return job.row_errors.order_by("row", "id")
