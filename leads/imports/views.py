"""Pages of lead imports (upload, mapping and preview, progress, report), the problems file
and the export."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh, retarget

from leads.filters import LeadFilter
from leads.imports.export import export_rows, problem_rows
from leads.imports.forms import MappingForm, UploadForm
from leads.imports.models import ImportJob
from leads.imports.preview import import_survey
from leads.imports.selectors import (
    RECENT_JOBS,
    import_job_get_for_user,
    import_job_progress,
    import_jobs_for_user,
    import_owners,
    import_problem_groups,
    import_row_errors,
)
from leads.imports.services import (
    import_job_cancel,
    import_job_create,
    import_job_resume,
    import_job_stalled,
    import_job_start,
    import_limits,
    import_size_check,
    job_table,
)
from leads.models import Lead
from leads.scoring.qualification import active_definition
from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role, user_roles

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
        return render(
            request, "leads/import_job.html#progress", _job_context(job, user=request.user)
        )
    form = MappingForm(job=job, owners=import_owners()) if job.state == job.State.PENDING else None
    return render(request, "leads/import_job.html", _job_context(job, form, user=request.user))


@role_required(*IMPORTERS)
@require_POST
def import_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The preview as the options being edited read the file (the form posts on each change);
    the whole page for a request that is not HTMX's."""
    job = import_job_get_for_user(request.user, pk)
    form = MappingForm(request.POST, job=job, owners=import_owners())
    template = "leads/import_job.html#preview" if request.htmx else "leads/import_job.html"
    return render(request, template, _job_context(job, form))


@role_required(*IMPORTERS)
@require_POST
def import_job_start_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start the import. From the page's button (HTMX) the browser is sent to the job page
    when the request ends: at once with a worker, after the import when tasks run in-process."""
    job = import_job_get_for_user(request.user, pk)
    form = MappingForm(request.POST, job=job, owners=import_owners())
    if form.is_valid():
        try:
            import_job_start(job=job, options=form.options(), mode=form.cleaned_data["mode"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(job.get_absolute_url())
            return redirect(job)
    if request.htmx:
        fragment = render(request, "leads/import_job.html#preview", _job_context(job, form))
        return retarget(fragment, "#preview")
    return render(request, "leads/import_job.html", _job_context(job, form))


@role_required(*IMPORTERS)
@require_POST
def import_job_resume_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Resume a job that stopped on an error or whose worker stopped."""
    job = import_job_get_for_user(request.user, pk)
    try:
        import_job_resume(job=job)
    except ValidationError as refusal:
        messages.warning(request, " ".join(refusal.messages))
    return redirect(job)


@role_required(Role.ADMIN)
@require_POST
def import_job_cancel_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Cancel a job whose worker stopped, keeping the rows it committed."""
    job = import_job_get_for_user(request.user, pk)
    try:
        import_job_cancel(job=job, actor=request.user)
    except ValidationError as refusal:
        messages.warning(request, " ".join(refusal.messages))
    else:
        messages.success(request, job.message)
    return redirect(job)


@role_required(*IMPORTERS)
@require_GET
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> StreamingHttpResponse:
    """The rows with problems as the file has them, each with its row number and problems."""
    job = import_job_get_for_user(request.user, pk)
    problems: dict[int, list[str]] = {}
    for error in import_row_errors(job).iterator(chunk_size=2000):
        problems.setdefault(error.row, []).append(f"{error.column}: {error.message}")
    response = StreamingHttpResponse(
        problem_rows(job, job_table(job), problems), content_type="text/csv; charset=utf-8"
    )
    name = job.filename.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = f'attachment; filename="{_ascii(name)}-problems.csv"'
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


def _job_context(job: ImportJob, form: MappingForm | None = None, *, user=None) -> dict:
    """What the job's page shows; ``user`` may cancel a stalled job if an admin."""
    context: dict = {"job": job, "tasks_in_process": settings.CELERY_TASK_ALWAYS_EAGER}
    if form is not None:
        context["form"] = form
        context["survey"] = survey = import_survey(job, form.options(), form.owners)
        context["columns"] = list(zip(form.column_fields(), survey.column_problems, strict=True))
        context["mql_definition"] = active_definition("mql")
    elif job.is_running:
        context["progress"] = import_job_progress(job)
        context["stalled"] = import_job_stalled(job)
        context["can_cancel"] = user is not None and Role.ADMIN in user_roles(user)
    elif job.is_finished:
        context["problem_groups"] = import_problem_groups(job)
    return context


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in name)[:80]
