"""Pages of lead imports (upload, mapping and preview, progress, report) and the export."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from leads.filters import LeadFilter
from leads.imports.export import export_rows
from leads.imports.forms import MappingForm, UploadForm
from leads.imports.models import ImportJob
from leads.imports.selectors import (
    ERRORS_SHOWN,
    RECENT_JOBS,
    import_job_get_for_user,
    import_job_progress,
    import_jobs_for_user,
    import_row_errors,
)
from leads.imports.services import (
    import_job_create,
    import_job_preview,
    import_job_resume,
    import_job_start,
    import_limits,
    import_size_check,
)
from leads.models import Lead
from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role

IMPORTERS = (MARKETING_ROLES, Role.ADMIN)


@role_required(*IMPORTERS)
@require_http_methods(["GET", "POST"])
def import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            import_size_check(upload.size)
            job = import_job_create(data=upload.read(), filename=upload.name, actor=request.user)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect(job)
    max_bytes, max_rows = import_limits()
    jobs = import_jobs_for_user(request.user)[:RECENT_JOBS]
    context = {"form": form, "jobs": jobs, "max_bytes": max_bytes, "max_rows": max_rows}
    return render(request, "leads/import_start.html", context)


@role_required(*IMPORTERS)
@require_GET
def import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = import_job_get_for_user(request.user, pk)
    if request.htmx and request.htmx.target == "import-progress":
        if not job.is_running:
            return HttpResponseClientRefresh()
        return render(request, "leads/import_job.html#progress", _job_context(job))
    return render(request, "leads/import_job.html", _job_context(job))


@role_required(*IMPORTERS)
@require_POST
def import_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The preview as the mapping being edited reads the file (the form posts on each change)."""
    job = import_job_get_for_user(request.user, pk)
    form = MappingForm(request.POST, job=job)
    form.is_valid()
    mapping = form.cleaned_data.get("mapping", job.mapping)
    context = {"job": job, "form": form, "preview": import_job_preview(job, mapping=mapping)}
    return render(request, "leads/import_job.html#preview", context)


@role_required(*IMPORTERS)
@require_POST
def import_job_start_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = import_job_get_for_user(request.user, pk)
    form = MappingForm(request.POST, job=job)
    if form.is_valid():
        try:
            import_job_start(
                job=job, mapping=form.cleaned_data["mapping"], mode=form.cleaned_data["mode"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(job)
    mapping = form.cleaned_data.get("mapping", job.mapping)
    context = {
        **_job_context(job),
        "form": form,
        "preview": import_job_preview(job, mapping=mapping),
    }
    return render(request, "leads/import_job.html", context)


@role_required(*IMPORTERS)
@require_POST
def import_job_resume_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = import_job_get_for_user(request.user, pk)
    try:
        import_job_resume(job=job)
    except ValidationError as refusal:
        messages.warning(request, " ".join(refusal.messages))
    return redirect(job)


@role_required(*IMPORTERS)
@require_GET
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every problem of the job as CSV: row, column, value, message."""
    job = import_job_get_for_user(request.user, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = job.filename.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = f'attachment; filename="{_ascii(name)}-problems.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["row", "column", "value", "message"])
    for error in import_row_errors(job).iterator(chunk_size=2000):
        writer.writerow([error.row, error.column, error.value, error.message])
    return response


@role_required(ALL_ROLES)
@require_GET
def export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The leads of any filtered list (the list's own query string), as a streamed CSV."""
    leads = LeadFilter(request.GET, queryset=Lead.objects.all(), request=request).qs
    response = StreamingHttpResponse(export_rows(leads), content_type="text/csv; charset=utf-8")
    filename = f"leads-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _job_context(job: ImportJob) -> dict:
    context: dict = {"job": job}
    if job.state == ImportJob.State.PENDING:
        context["form"] = MappingForm(job=job)
        context["preview"] = import_job_preview(job)
    elif job.is_running:
        context["progress"] = import_job_progress(job)
    else:
        context["errors"] = list(import_row_errors(job)[:ERRORS_SHOWN])
    context["errors_shown"] = ERRORS_SHOWN
    return context


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in name)[:80]
