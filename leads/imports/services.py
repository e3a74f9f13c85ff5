"""Writes of lead imports: accepting an upload, starting, running and resuming the job.

An import runs in two passes over the stored file. The first checks every row and records the
problems; in "all or nothing" mode any problem ends the job there. The second applies the valid
rows in chunks. In "valid rows" mode each chunk commits together with the job's row counter, so
a crash leaves whole chunks only and a re-run resumes after the counter. In "all or nothing"
mode the chunks share one transaction, so a crash leaves nothing.

What an import writes, for the screens to explain:

- Leads are matched by e-mail, ignoring case. A new lead gets the file's values, its stage
  (Lead when the file has none) and a transition "Imported" by the importing user.
- An existing lead gets the file's non-empty cells: an empty cell never erases a value. Its
  stage is left alone, because stage moves go through the lifecycle and its rules.
- Two rows of the file with the same e-mail (in any case) are one lead: the later row's
  non-empty cells update what the earlier one wrote.
- Companies are matched by domain: the domain column, or else the domain of a work e-mail
  address. A company without a domain is matched by its name. A matched company is not changed.

Writing a chunk is ``leads.imports.apply``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from leads.imports.apply import chunk_apply
from leads.imports.models import ImportJob, ImportRowError
from leads.imports.parsing import (
    FIELD_LABELS,
    RowChecker,
    decode,
    guess_mapping,
    read_table,
)

CHUNK_SIZE = 5_000
PREVIEW_ROWS = 20
PROGRESS_EVERY = 5_000
RUNNING = (ImportJob.State.VALIDATING, ImportJob.State.READY, ImportJob.State.IMPORTING)

_STATE_FIELDS = ("state", "message", "finished_at", "updated_at")
_COUNT_FIELDS = ("rows_done", "created_count", "updated_count", "skipped_count")

ProgressCallback = Callable[[str, int, int], None]


def import_limits() -> tuple[int, int]:
    """The largest file (bytes) and the most data rows an import accepts."""
    return (
        settings.LEADS_IMPORT_MAX_BYTES,
        settings.LEADS_IMPORT_MAX_ROWS,
    )


# --- upload and preview ------------------------------------------------------------------------


def import_size_check(size: int) -> None:
    """Refuse a file over the size limit (the upload page checks before reading it)."""
    max_bytes, _ = import_limits()
    if size > max_bytes:
        raise ValidationError(
            f"The file is {filesizeformat(size)}; an import takes at most "
            f"{filesizeformat(max_bytes)}. Split it into smaller files."
        )


def import_job_create(*, data: bytes, filename: str, actor) -> ImportJob:
    """Store an uploaded CSV as a pending job with its columns recognised.

    Raises ValidationError, with a message for the upload page, for an empty, binary,
    unreadable or too large file, or one without an e-mail column.
    """
    import_size_check(len(data))
    _, max_rows = import_limits()
    decoded = decode(data)
    table = read_table(decoded.text, decoded.delimiter)
    mapping = guess_mapping(table.headers)
    if "email" not in mapping:
        found = ", ".join(f"“{header}”" for header in table.headers[:8] if header)
        raise ValidationError(
            "No e-mail column was found. The first row must name the columns, one of them "
            f"“Email”; this file's first row has {found}."
        )
    total = 0
    for _ in table.rows:
        total += 1
        if total > max_rows:
            raise ValidationError(
                f"The file has more than {max_rows:,} rows; an import takes at most "
                f"{max_rows:,}. Split it into smaller files."
            )
    if total == 0:
        raise ValidationError("The file has column names but no rows to import.")
    return ImportJob.objects.create(
        created_by=actor,
        filename=filename[:255],
        data=data,
        size=len(data),
        encoding=decoded.encoding,
        delimiter=decoded.delimiter,
        headers=table.headers,
        mapping=mapping,
        total_rows=total,
    )


@dataclass(frozen=True)
class PreviewCell:
    value: str
    problem: str = ""


@dataclass(frozen=True)
class PreviewRow:
    number: int
    cells: list[PreviewCell]

    @property
    def has_problems(self) -> bool:
        return any(cell.problem for cell in self.cells)


def import_job_preview(job: ImportJob, *, mapping: list[str] | None = None) -> list[PreviewRow]:
    """The first rows of the file as the mapping (the job's, or the one given) reads them,
    each cell with its problem if it has one."""
    mapping = job.mapping if mapping is None else mapping
    checker = RowChecker(job.headers, mapping)
    preview = []
    for number, cells in islice(_rows_of(job), PREVIEW_ROWS):
        problems = {
            problem.column: problem.message for problem in checker.check(number, cells).problems
        }
        padded = cells + [""] * (len(job.headers) - len(cells))
        preview.append(
            PreviewRow(
                number=number,
                cells=[
                    PreviewCell(
                        value=value,
                        problem=problems.get(_header(job, index), "") if mapping[index] else "",
                    )
                    for index, value in enumerate(padded[: len(job.headers)])
                ],
            )
        )
    return preview


def mapping_problems(mapping: list[str]) -> list[str]:
    """What is wrong with a column mapping, in words for the mapping form."""
    problems = []
    if "email" not in mapping:
        problems.append("Choose the column that holds the e-mail addresses.")
    for name in FIELD_LABELS:
        if mapping.count(name) > 1:
            problems.append(f"Only one column can be “{FIELD_LABELS[name]}”.")
    return problems


# --- start, resume, run ------------------------------------------------------------------------


def _job_begin(*, job: ImportJob, mapping: list[str], mode: str) -> None:
    problems = mapping_problems(mapping)
    if len(mapping) != len(job.headers) or set(mapping) - {"", *FIELD_LABELS}:
        problems.append("The column mapping does not match the file.")
    if mode not in ImportJob.Mode.values:
        problems.append("Choose what to do with bad rows.")
    if problems:
        raise ValidationError(problems)
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PENDING).update(
        mapping=mapping, mode=mode, state=ImportJob.State.VALIDATING, updated_at=timezone.now()
    )
    if not claimed:
        raise ValidationError("This import has already started.")
    job.refresh_from_db()


def _enqueue(job_id: int) -> None:
    from leads.imports.tasks import import_job_run_task

    transaction.on_commit(lambda: import_job_run_task.delay(job_id))


@transaction.atomic
def import_job_start(*, job: ImportJob, mapping: list[str], mode: str) -> ImportJob:
    """Fix the column mapping and the mode, and run the job in the background."""
    _job_begin(job=job, mapping=mapping, mode=mode)
    _enqueue(job.pk)
    return job


@transaction.atomic
def import_job_resume(*, job: ImportJob) -> ImportJob:
    """Run a job that stopped on an error again: after its committed rows (valid rows mode)
    or from the start (all or nothing, which left nothing behind)."""
    if not job.can_resume:
        raise ValidationError("Only an import that stopped on an error can be resumed.")
    state = ImportJob.State.IMPORTING if job.validated_at else ImportJob.State.VALIDATING
    claimed = ImportJob.objects.filter(pk=job.pk, state=job.state).update(
        state=state, message="", finished_at=None, updated_at=timezone.now()
    )
    if not claimed:
        raise ValidationError("This import has been resumed already.")
    job.refresh_from_db()
    _enqueue(job.pk)
    return job


def import_csv(
    data: bytes,
    *,
    actor,
    mode: str = ImportJob.Mode.VALID_ROWS,
    filename: str = "import.csv",
    on_progress: ProgressCallback | None = None,
) -> ImportJob:
    """The whole import, synchronously, through the same path as the background job: for the
    command line and benchmarks. Raises ValidationError for a file that is refused outright."""
    job = import_job_create(data=data, filename=filename, actor=actor)
    _job_begin(job=job, mapping=job.mapping, mode=mode)
    return import_job_run(job_id=job.pk, on_progress=on_progress)


def import_job_run(
    *, job_id: int, resume: bool = False, on_progress: ProgressCallback | None = None
) -> ImportJob | None:
    """Check and apply a started job. Harmless to call twice: a finished job is left alone,
    and chunks are claimed against the job's row counter. ``resume`` also runs a job that
    stopped on an error (the task's retries of a lost connection use it)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    runnable = job.state in RUNNING or (resume and job.can_resume)
    if not runnable:
        return job
    progress = _Progress(job, on_progress)
    text = bytes(job.data).decode(job.encoding)
    try:
        if job.validated_at is None:
            job = _validate(job, text, progress)
            if job.state == ImportJob.State.FAILED:
                return job
        _apply(job, text, progress)
    except Exception as error:
        _record_failure(job_id, error)
        raise
    finally:
        progress.clear()
    return ImportJob.objects.defer("data").get(pk=job_id)


class _Progress:
    """Live progress for the job page (the cache, as rows committed inside a still-open
    transaction are invisible to it) and for the command line's progress bar."""

    def __init__(self, job: ImportJob, callback: ProgressCallback | None) -> None:
        self.key = progress_key(job.pk)
        self.total = job.total_rows
        self.callback = callback

    def __call__(self, phase: str, rows: int) -> None:
        cache.set(self.key, {"phase": phase, "rows": rows}, timeout=3600)
        if self.callback:
            self.callback(phase, rows, self.total)

    def clear(self) -> None:
        cache.delete(self.key)


def progress_key(job_id: int) -> str:
    return f"leads:import-progress:{job_id}"


def _validate(job: ImportJob, text: str, progress: _Progress) -> ImportJob:
    """Check every row and record the problems; all or nothing stops here if there are any."""
    checker = RowChecker(job.headers, job.mapping)
    errors: list[ImportRowError] = []
    total = bad = 0
    for number, cells in read_table(text, job.delimiter).rows:
        total += 1
        row = checker.check(number, cells)
        if row.problems:
            bad += 1
            errors.extend(
                ImportRowError(
                    job_id=job.pk,
                    row=problem.row,
                    column=problem.column[:255],
                    value=problem.value[:1000],
                    message=problem.message[:500],
                )
                for problem in row.problems
            )
        if total % PROGRESS_EVERY == 0:
            progress("validating", total)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(job.pk)
        if locked.validated_at is not None:
            return locked
        ImportRowError.objects.filter(job=locked).delete()
        ImportRowError.objects.bulk_create(errors, batch_size=5_000)
        locked.total_rows, locked.error_count, locked.validated_at = total, bad, now
        if bad and locked.mode == ImportJob.Mode.ALL_OR_NOTHING:
            locked.state, locked.finished_at = ImportJob.State.FAILED, now
            locked.message = (
                f"Nothing was imported: {bad:,} of {total:,} rows have problems. Correct them "
                "in the file and upload it again, or import only the valid rows."
            )
        else:
            locked.state = ImportJob.State.READY
        locked.save(update_fields=[*_STATE_FIELDS, "total_rows", "error_count", "validated_at"])
    return locked


def _apply(job: ImportJob, text: str, progress: _Progress) -> None:
    started = ImportJob.objects.filter(
        pk=job.pk, state__in=(ImportJob.State.READY, ImportJob.State.IMPORTING)
    ).update(state=ImportJob.State.IMPORTING, started_at=timezone.now())
    if not started:
        return
    job = ImportJob.objects.defer("data").get(pk=job.pk)
    checker = RowChecker(job.headers, job.mapping)
    actor_id = job.created_by_id
    if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        with transaction.atomic():
            locked = _locked(job.pk)
            if locked.state != ImportJob.State.IMPORTING:
                return
            created = updated = skipped = done = 0
            for chunk in _chunks(read_table(text, job.delimiter).rows):
                chunk_created, chunk_updated, chunk_skipped = chunk_apply(checker, chunk, actor_id)
                created, updated = created + chunk_created, updated + chunk_updated
                skipped, done = skipped + chunk_skipped, done + len(chunk)
                progress("importing", done)
            _finish(locked, rows_done=done, created=created, updated=updated, skipped=skipped)
        return

    position = job.rows_done
    rows = read_table(text, job.delimiter).rows
    for _ in islice(rows, position):
        pass
    for chunk in _chunks(rows):
        with transaction.atomic():
            locked = _locked(job.pk)
            if locked.state != ImportJob.State.IMPORTING or locked.rows_done != position:
                return  # Another worker has taken the job over, or it was stopped.
            created, updated, skipped = chunk_apply(checker, chunk, actor_id)
            ImportJob.objects.filter(pk=job.pk).update(
                rows_done=F("rows_done") + len(chunk),
                created_count=F("created_count") + created,
                updated_count=F("updated_count") + updated,
                skipped_count=F("skipped_count") + skipped,
                updated_at=timezone.now(),
            )
        position += len(chunk)
        progress("importing", position)
    with transaction.atomic():
        locked = _locked(job.pk)
        if locked.state == ImportJob.State.IMPORTING:
            _finish(locked)


def _locked(job_id: int) -> ImportJob:
    """The job, locked for this transaction, without its file (which is read once per run)."""
    return ImportJob.objects.select_for_update().defer("data").get(pk=job_id)


def _finish(job: ImportJob, **counts: int) -> None:
    """Mark a locked job done; ``counts`` are the totals of an all-or-nothing run."""
    if counts:
        job.rows_done = counts["rows_done"]
        job.created_count, job.updated_count = counts["created"], counts["updated"]
        job.skipped_count = counts["skipped"]
    job.state, job.finished_at, job.message = ImportJob.State.DONE, timezone.now(), ""
    job.save(update_fields=[*_STATE_FIELDS, *_COUNT_FIELDS])


def _record_failure(job_id: int, error: Exception) -> None:
    job = ImportJob.objects.defer("data").get(pk=job_id)
    if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        state = ImportJob.State.ROLLED_BACK
        message = (
            f"The import stopped on an error ({error}) and was rolled back: nothing was "
            "imported. You can run it again."
        )
    else:
        state = ImportJob.State.FAILED
        message = (
            f"The import stopped on an error ({error}). The first {job.rows_done:,} rows are "
            f"imported, in whole chunks; resume to import the other "
            f"{job.total_rows - job.rows_done:,}."
        )
    ImportJob.objects.filter(pk=job_id, state__in=RUNNING).update(
        state=state, message=message[:2000], finished_at=timezone.now()
    )


def _rows_of(job: ImportJob) -> Iterator[tuple[int, list[str]]]:
    data = bytes(job.data)
    return read_table(data.decode(job.encoding), job.delimiter).rows


def _header(job: ImportJob, index: int) -> str:
    return job.headers[index] or f"Column {index + 1}"


def _chunks(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    while chunk := list(islice(rows, CHUNK_SIZE)):
        yield chunk
