"""Background jobs of lead imports (routed to the ``imports`` queue by module path)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from leads.imports.services import import_job_run

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
