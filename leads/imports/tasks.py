"""Background jobs of lead imports (routed to the ``imports`` queue by module path)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from leads.imports.services import import_job_run, import_jobs_resume_stalled

# A lost database connection or a lock timeout; a re-run resumes after the committed chunks.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(bind=True, max_retries=3)
def import_job_run_task(self, job_id: int, resume: bool = False) -> None:
    try:
        import_job_run(job_id=job_id, resume=resume)
    except TRANSIENT_ERRORS as error:
        raise self.retry(
            exc=error,
            kwargs={"job_id": job_id, "resume": True},
            countdown=10 * 2**self.request.retries,
        ) from error


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=True)
def import_jobs_resume_stalled_task() -> list[int]:
    """Resume the imports whose worker died (beat, every minute); each is claimed once by a
    conditional update, so two beats resume it once. Returns their ids."""
    return import_jobs_resume_stalled()
